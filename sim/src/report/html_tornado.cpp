// Which uncertain input drives a Δ: tornado charts of
// /uncertainty/sensitivity (docs/methods/uncertainty.md, "Which input drives a
// delta"; docs/reports.md). One chart per variant and key metric: each input's
// bar is its conditional sd √Var(E[Δ | input]) in the metric's unit, labelled
// with its first-order index (the share of the Δ's parameter variance it
// explains alone), largest on top.
#include <algorithm>
#include <cmath>

#include "html_page.h"

namespace cxsim::report::html {

std::string Page::tornado() {
  if (!d_.uncertainty || d_.uncertainty->draws <= 0) return {};
  const UncertaintyData& u = *d_.uncertainty;
  // Comparisons (Δ vs baseline) when the file has variants, else the baseline's metrics.
  const bool deltas = !u.sensitivity_comparisons.empty();
  const auto& tables = deltas ? u.sensitivity_comparisons : u.sensitivity_variants;
  if (tables.empty()) return {};
  std::string out =
      "<p class=\"help\">Which uncertain input of the journey drives each result most. A bar's length is how much "
      "the result would move with that input alone (√Var(E[result | input]), in the result's unit); the "
      "percentage is the input's first-order index, the share of the result's parameter variance it explains by "
      "itself. Inputs that are dependent (the targets of one Dirichlet, a retention's α and β) overlap, so the "
      "shares need not add up to 100%. With few draws an index below about 1/√draws is indistinguishable from "
      "0.</p><div class=\"grid2\">";
  bool any = false;
  for (const auto& v : d_.variants) {
    const auto it = tables.find(v.name);
    if (it == tables.end()) continue;
    const io::Table& t = it->second;
    if (!t.has_column("metric") || !t.has_column("input") || !t.has_column("conditional_sd")) continue;
    for (const auto& m : charted_metrics(t)) {
      const MetricInfo mi = info(m);
      std::vector<IntervalRow> rows;
      std::vector<std::vector<Cell>> trows;
      for (std::size_t r = 0; r < t.rows(); ++r) {
        if (table_string(t, "metric", r) != m) continue;
        const double sd = table_number(t, "conditional_sd", r), s1 = table_number(t, "first_order", r);
        if (!std::isfinite(sd)) continue;
        const std::string input = table_string(t, "input", r);
        const std::string share = std::isfinite(s1) ? format_fixed(100 * s1, 0) + "%" : std::string("n/a");
        IntervalRow ir;
        ir.label = input + " (" + share + ")";
        ir.estimate = sd * mi.scale;
        ir.emphasis = std::isfinite(s1) && s1 >= 0.1;
        ir.tooltip =
            fmt::format("{}: conditional sd {}, first-order index {}", input, format_fixed(sd * mi.scale, 3), share);
        rows.push_back(ir);
        trows.push_back({{h(input), ""}, {share, "num"}, {format_fixed(sd * mi.scale, 4), "num"}});
      }
      if (rows.empty()) continue;
      bool nonzero = false;
      for (const auto& ir : rows) nonzero = nonzero || ir.estimate > 0;
      if (!nonzero) continue;
      any = true;
      const std::string what = (deltas ? "Δ " : "") + mi.short_label;
      ChartText ct{next_id(), what + (deltas ? ": " + v.name + " vs baseline" : std::string()), ""};
      ct.desc = fmt::format("Tornado chart of {} uncertain inputs ranked by how much {} moves with each alone.",
                            rows.size(), what);
      IntervalChartOptions o;
      o.width = 540;
      const std::string unit = unit_suffix(mi, deltas);
      out += figure(tornado_chart(ct, Axis{"sd of E[" + what + " | input]" + unit}, rows, o), "",
                    table_html({"input", "first-order index", "conditional sd" + h(unit)}, {false, true, true}, trows,
                               "Sensitivity of " + what + " to each uncertain input"));
    }
  }
  out += "</div>";
  return any ? out : std::string();
}

}  // namespace cxsim::report::html
