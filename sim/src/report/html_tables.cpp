// Section 9: touchpoint, channel, outcome and segment tables of each variant.
#include "html_page.h"

#include <algorithm>
#include <cmath>

namespace cxsim::report::html {

// 9. Touchpoints and channels ----------------------------------------------------

std::string Page::touchpoint_tables(const VariantData& v) {
  std::string out;
  if (v.touchpoints && v.touchpoints->rows() > 0) {
    const io::Table& t = *v.touchpoints;
    const auto kinds = column_suffixes(t, "exit_share_");
    const double walks = walks_total(v, d_.provenance);
    std::vector<std::string> headers{"Touchpoint",
                                     "Channel",
                                     "Stage",
                                     "Visits per walk",
                                     "Friction rate (%)",
                                     "Satisfaction Δ per visit",
                                     "Last touchpoint of (% of walks)"};
    std::vector<bool> num{false, false, false, true, true, true, true};
    std::vector<std::vector<Cell>> rows;
    for (std::size_t r = 0; r < t.rows(); ++r) {
      std::string exits;
      for (const auto& k : kinds) {
        const double x = table_number(t, "exit_share_" + k, r);
        if (!(x > 0)) continue;
        // The file's SE when it has one, else binomial over walks.
        double se = table_number(t, "exit_share_" + k + "_se", r);
        if (!std::isfinite(se)) se = binomial_se(x, walks);
        if (!exits.empty()) exits += "<br>";
        exits += h(k) + " " + h(plus_minus(x, se, 100));
      }
      rows.push_back({{"<b>" + h(table_string(t, "touchpoint", r)) + "</b>", ""},
                      {h(table_string(t, "channel", r)), ""},
                      {h(table_string(t, "stage", r)), ""},
                      {est_cell(table_estimate(t, r, "visits_per_walk")), "num"},
                      {est_cell(table_estimate(t, r, "friction_rate"), 100), "num"},
                      {est_cell(table_estimate(t, r, "satisfaction_change")), "num"},
                      {exits.empty() ? "—" : exits, "num"}});
    }
    out += "<h3>Touchpoints</h3>" + table_html(headers, num, rows);
    out +=
        "<p class=\"help\">Visits per walk count repeat visits. Friction rate is friction visits ÷ visits. "
        "Satisfaction Δ: the mean change of latent satisfaction per visit. Last touchpoint of: the share of all "
        "walks that ended right after this touchpoint, by the outcome kind they reached (binomial 95% intervals, "
        "walks as the unit).</p>";
  }
  if (v.channels && v.channels->rows() > 0) {
    const io::Table& t = *v.channels;
    std::vector<std::vector<Cell>> rows;
    for (std::size_t r = 0; r < t.rows(); ++r)
      rows.push_back({{"<b>" + h(table_string(t, "channel", r)) + "</b>", ""},
                      {est_cell(table_estimate(t, r, "visits_per_walk")), "num"},
                      {est_cell(table_estimate(t, r, "friction_rate"), 100), "num"},
                      {est_cell(table_estimate(t, r, "switches_into_per_walk")), "num"}});
    out += "<h3>Channels</h3>" +
           table_html({"Channel", "Visits per walk", "Friction rate (%)", "Switches into it per walk"},
                      {false, true, true, true}, rows);
  }
  if (v.outcomes && v.outcomes->rows() > 0) {
    const io::Table& t = *v.outcomes;
    std::vector<std::vector<Cell>> rows;
    for (std::size_t r = 0; r < t.rows(); ++r) {
      const double value = table_number(t, "value", r);
      rows.push_back({{"<b>" + h(table_string(t, "outcome", r)) + "</b>", ""},
                      {h(table_string(t, "kind", r)), ""},
                      {std::isfinite(value) ? h(plain_number(value)) : "", "num"},
                      {fmt::format("{:.0f}", table_number(t, "walks", r)), "num"},
                      {est_cell(table_estimate(t, r, "share"), 100), "num"}});
    }
    out += "<h3>Outcomes</h3>" + table_html({"Outcome", "Kind", "Value", "Walks", "Share of walks (%)"},
                                            {false, false, true, true, true}, rows);
    // Time to resolution per outcome kind (summary rows time_mean_<kind>,
    // time_p90_<kind>; files before them have none), with the exact mean when
    // the analytics hold it.
    std::vector<std::vector<Cell>> ttr;
    const std::string tu = d_.provenance.time_unit.empty() ? std::string("minutes") : d_.provenance.time_unit;
    std::vector<std::string> seen;
    for (std::size_t r = 0; r < t.rows(); ++r) {
      const std::string kind = table_string(t, "kind", r);
      if (std::find(seen.begin(), seen.end(), kind) != seen.end()) continue;
      seen.push_back(kind);
      const EstimateRow mean = metric_estimate(v.summary, "time_mean_" + kind);
      if (!mean.found || !std::isfinite(mean.estimate)) continue;
      const ExactValue x = exact_value(v, "time_mean_" + kind, d_.provenance);
      ttr.push_back({{"<b>" + h(kind) + "</b>", ""},
                     {est_cell(mean), "num"},
                     {est_cell(metric_estimate(v.summary, "time_p90_" + kind)), "num"},
                     {x.kind == ExactValue::Kind::absent ? "—" : h(exact_text(x, mean.se, 1.0)), "num"}});
    }
    if (!ttr.empty())
      out += "<h3>Time to resolution (" + h(tu) + ")</h3>" +
             table_html({"Outcome kind", "Mean journey time", "90th percentile", "Exact mean"},
                        {false, true, true, true}, ttr) +
             "<p class=\"help\">Journey time of the walks that ended in each kind (95% intervals); the exact mean "
             "is E[T | kind] from the absorbing chain.</p>";
  }
  if (v.segments && v.segments->rows() > 0) {
    const io::Table& t = *v.segments;
    std::vector<std::vector<Cell>> rows;
    for (std::size_t r = 0; r < t.rows(); ++r)
      rows.push_back({{"<b>" + h(table_string(t, "segment", r)) + "</b>", ""},
                      {h(format_fixed(100 * table_number(t, "share_model", r), 1)), "num"},
                      {fmt::format("{:.0f}", table_number(t, "customers", r)), "num"},
                      {est_cell(table_estimate(t, r, "share_drawn"), 100), "num"}});
    out += "<h3>Segments</h3>" + table_html({"Segment", "Share in the model (%)", "Customers drawn", "Share drawn (%)"},
                                            {false, true, true, true}, rows);
  }
  return out;
}

std::string Page::tables() {
  return every_variant([this](const VariantData& v) { return touchpoint_tables(v); }, "Tables");
}

}  // namespace cxsim::report::html
