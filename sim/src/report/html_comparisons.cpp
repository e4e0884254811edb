// Sections 2, 6 and 7: paired differences from the baseline — the Δ charts of
// the variants, the friction ranking (tornado charts) and the sweeps.
#include "html_page.h"

#include <algorithm>
#include <cmath>

namespace cxsim::report::html {

std::vector<std::string> Page::charted_metrics(const io::Table& t) const {
  std::vector<std::string> metrics;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const std::string m = table_string(t, "metric", r);
    if (std::find(metrics.begin(), metrics.end(), m) == metrics.end()) metrics.push_back(m);
  }
  std::vector<std::string> shown = d_.key_metrics(metrics);
  if (shown.empty() && !metrics.empty()) shown.push_back(metrics.front());
  return shown;
}

// 2. Δ chart ----------------------------------------------------------------

std::string Page::delta_chart() {
  if (!d_.has_variants()) return {};
  const io::Table* first = d_.comparison(d_.comparisons.begin()->first);
  std::string out =
      "<p class=\"help\">Each bar is a variant's difference from the baseline (one colour per variant, as in the "
      "retention chart) with its 95% confidence interval as a whisker. A solid bar's interval excludes 0 (a "
      "significant change); a pale bar's does not.";
  if (d_.uncertainty && d_.uncertainty->draws > 0)
    out +=
        " With parameter uncertainty in the file, the whisker is the <b>95% total interval</b> (what we do not know "
        "about the journey's parameters plus customer noise); the data tables give the Monte-Carlo-only one "
        "beside it.";
  out += "</p><div class=\"grid2\">";
  const auto metrics = delta_metrics(*first, kinds());
  for (const auto& m : metrics) {
    const MetricInfo mi = delta_info(m, metrics);
    std::vector<IntervalRow> rows;
    std::vector<std::vector<Cell>> trows;
    for (const auto& v : d_.variants) {
      if (!d_.comparison(v.name)) continue;
      const auto e = d_.estimate(v.name, m, true);
      IntervalRow r = delta_interval_row(v.name, e, mi);
      r.colour = series_colour(variant_index(v.name));
      rows.push_back(r);
      trows.push_back({{h(v.name), ""}, delta_cell(e, mi), {excludes_zero(e.low(), e.high()) ? "yes" : "no", ""}});
    }
    ChartText t{next_id(), "Δ " + mi.short_label + " against the baseline", ""};
    t.desc = fmt::format("Difference from the baseline in {} for {} variants, with 95% confidence intervals.", mi.label,
                         rows.size());
    const std::string svg = interval_chart(t, Axis{"Δ " + mi.short_label + unit_suffix(mi, true)}, rows);
    out += figure(svg, "",
                  table_html({"Variant", "Δ ± 95% [CI]" + h(unit_suffix(mi, true)), "CI excludes 0"},
                             {false, true, false}, trows));
  }
  out += "</div>";
  return out;
}

std::string Page::ranking() {
  if (d_.ranking && d_.ranking->table.rows() == 0 && !d_.ranking->notes.empty()) return ranking_notes();
  if (!d_.ranking || d_.ranking->table.rows() == 0) return {};
  const io::Table& t = d_.ranking->table;
  const double reduce = d_.ranking->reduce_by;
  const std::string cut =
      std::isfinite(reduce) ? fmt::format("cut by {}%", format_fixed(100 * reduce, 0)) : std::string("reduced");
  std::string out = fmt::format(
      "<p class=\"help\">Driver analysis: for each touchpoint with friction, a variant with its friction {} for "
      "every customer (the base value and every segment's override alike) and everything else unchanged. Bars are "
      "the simulated change (paired by customer) with 95% CIs, largest effect on top; ◇ is the exact first-order "
      "prediction from the Markov-chain analytics (derivative × change) and ○ the exact re-solve of the changed "
      "journey, where available. Rank 1 is the most valuable fix for that metric; blue bars are improvements and "
      "orange ones losses, by the direction the journey declares for each outcome kind (rank 0: no direction).</p>"
      "{}<div class=\"grid2\">",
      h(cut), ranking_notes());
  for (const auto& m : charted_metrics(t)) {
    const MetricInfo mi = info(m);
    std::vector<IntervalRow> rows;
    for (std::size_t r = 0; r < t.rows(); ++r) {
      if (table_string(t, "metric", r) != m) continue;
      const auto e = table_estimate(t, r);
      const double f = table_number(t, "friction", r);
      IntervalRow ir = delta_interval_row(
          table_string(t, "touchpoint", r) +
              (std::isfinite(f) ? " (" + format_fixed(100 * f, f < 0.1 ? 1 : 0) + "%)" : std::string()),
          e, mi);
      ir.marker = table_number(t, "exact_first_order", r) * mi.scale;
      ir.marker2 = table_number(t, "exact", r) * mi.scale;
      ir.colour = mi.better == 0 || !std::isfinite(e.estimate) ? okabe_ito::blue
                  : (e.estimate > 0) == (mi.better > 0)        ? okabe_ito::blue
                                                               : okabe_ito::vermillion;
      rows.push_back(ir);
    }
    ChartText ct{next_id(), "Δ " + mi.short_label + " when friction is " + cut, ""};
    ct.desc = fmt::format("Tornado chart of {} touchpoints ranked by the change in {} when their friction is {}.",
                          rows.size(), mi.label, cut);
    IntervalChartOptions o;
    o.marker_label = "exact first-order";
    o.marker2_label = "exact re-solve";
    o.width = 540;
    out += figure(tornado_chart(ct, Axis{"Δ " + mi.short_label + unit_suffix(mi, true)}, rows, o), "", "");
  }
  out += "</div>";
  // The whole ranking table.
  std::vector<std::vector<Cell>> rows;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const std::string m = table_string(t, "metric", r);
    const MetricInfo mi = info(m);
    const auto e = table_estimate(t, r);
    // Exact values to the precision of the simulated change they sit beside.
    auto exact = [&](std::string_view col) -> Cell {
      const double x = table_number(t, col, r);
      return {std::isfinite(x) ? h(value_only(x, e.se, mi.scale)) : std::string(), "num"};
    };
    const double rank = table_number(t, "rank", r);
    rows.push_back({{h(mi.label) + unit_suffix(mi, true), ""},
                    {rank_text(rank), "num"},
                    {h(table_string(t, "touchpoint", r)), ""},
                    {h(format_fixed(100 * table_number(t, "friction", r), 1)), "num"},
                    delta_cell(e, mi),
                    exact("exact_first_order"),
                    exact("exact")});
  }
  out += details("Full ranking (every metric)", table_html({"Metric", "Rank", "Touchpoint", "Friction (%)",
                                                            "Δ ± 95% [CI]", "Exact first-order", "Exact re-solve"},
                                                           {false, true, false, true, true, true, true}, rows));
  return out;
}

// 7. Sweeps ------------------------------------------------------------------

std::string Page::sweeps() {
  if (d_.sweeps.empty()) return {};
  std::string out =
      "<p class=\"help\">A sweep runs one parameter over a list of values. Each curve is a metric's estimate with "
      "its 95% confidence band; the ringed point is the journey's own value (the baseline, where the change is "
      "exactly zero). A band is that value's own uncertainty; the change against the baseline, paired by customer, "
      "is known much more precisely (see the sweep table).</p>";
  for (const auto& s : d_.sweeps) {
    const io::Table& t = s.table;
    out +=
        fmt::format("<h3>Sweep <code>{}</code>: <code>{}</code></h3><div class=\"grid2\">", h(s.name), h(s.parameter));
    for (const auto& m : charted_metrics(t)) {
      const MetricInfo mi = info(m);
      std::vector<std::size_t> idx;
      for (std::size_t r = 0; r < t.rows(); ++r)
        if (table_string(t, "metric", r) == m) idx.push_back(r);
      std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
        return table_number(t, "value", a) < table_number(t, "value", b);
      });
      Series ser{mi.label, okabe_ito::blue, "", {}, {}, {}, {}, true, {}};
      bool any_hl = false;
      for (std::size_t r : idx) {
        const auto e = table_estimate(t, r);
        ser.x.push_back(table_number(t, "value", r));
        ser.y.push_back(e.estimate * mi.scale);
        ser.lo.push_back(e.lo * mi.scale);
        ser.hi.push_back(e.hi * mi.scale);
        const bool base = table_number(t, "delta", r) == 0 && table_number(t, "delta_se", r) == 0;
        ser.highlight.push_back(base);
        any_hl = any_hl || base;
      }
      ChartText ct{next_id(), mi.short_label + " vs " + s.parameter, ""};
      ct.desc =
          fmt::format("{} as {} varies over {} values, with 95% confidence band.", mi.label, s.parameter, ser.x.size());
      LineChartOptions o;
      o.width = 520;
      o.height = 320;
      o.highlight_label = any_hl ? "baseline value" : "";
      out += figure(line_chart(ct, Axis{s.parameter}, Axis{mi.short_label + unit_suffix(mi, false)}, {ser}, o), "", "");
    }
    out += "</div>";
    std::vector<std::vector<Cell>> rows;
    for (std::size_t r = 0; r < t.rows(); ++r) {
      const std::string m = table_string(t, "metric", r);
      const MetricInfo mi = info(m);
      const double v = table_number(t, "value", r);
      rows.push_back({{h(plain_number(v)), "num"},
                      {h(mi.label) + unit_suffix(mi, false), ""},
                      {est_cell(table_estimate(t, r), mi.scale), "num"},
                      delta_cell(table_estimate(t, r, "delta"), mi)});
    }
    out += details("Sweep table: every value and metric, with the paired change from the baseline",
                   table_html({"Value", "Metric", "Estimate ± 95% [CI]", "Δ vs baseline ± 95% [CI]"},
                              {true, false, true, true}, rows));
  }
  return out;
}

}  // namespace cxsim::report::html
