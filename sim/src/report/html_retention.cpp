// Section 4: retention (survival) across periods, and the per-period table.
#include "html_page.h"

#include <cmath>
#include <map>

namespace cxsim::report::html {

// 4. Survival ----------------------------------------------------------------

std::string Page::survival() {
  std::vector<Series> series;
  std::map<std::int64_t, std::vector<Cell>> by_period;
  std::vector<std::string> headers{"Period"};
  bool any_churn = false;
  for (std::size_t i = 0; i < d_.variants.size(); ++i) {
    const auto& v = d_.variants[i];
    Series s{v.name, series_colour(i), series_dash(i), {}, {}, {}, {}, true, {}};
    if (v.survival_ci && v.survival_ci->has_column("period")) {
      const auto& t = *v.survival_ci;
      for (std::size_t r = 0; r < t.rows(); ++r) {
        const double period = table_number(t, "period", r);
        // survival_ci: period, alive, se, ci_low, ci_high.
        const EstimateRow e{table_number(t, "alive", r), table_number(t, "se", r), table_number(t, "ci_low", r),
                            table_number(t, "ci_high", r), true};
        s.x.push_back(period);
        s.y.push_back(100 * e.estimate);
        s.lo.push_back(100 * e.lo);
        s.hi.push_back(100 * e.hi);
        any_churn = any_churn || e.estimate < 1;
        by_period[static_cast<std::int64_t>(period)].push_back({est_cell(e, 100), "num"});
      }
    } else if (!v.survival.empty()) {
      for (std::size_t t = 0; t < v.survival.size(); ++t) {
        s.x.push_back(static_cast<double>(t));
        s.y.push_back(100 * v.survival[t]);
        any_churn = any_churn || v.survival[t] < 1;
        by_period[static_cast<std::int64_t>(t)].push_back({h(value_only(v.survival[t], std::nan(""), 100)), "num"});
      }
    }
    if (s.x.size() >= 2) {
      series.push_back(std::move(s));
      headers.push_back(h(v.name) + " alive (%)");
    }
  }
  if (series.empty() || !any_churn) return {};
  // One row per period; every variant of a run has the same periods.
  std::vector<std::vector<Cell>> rows;
  for (auto& [period, cells] : by_period) {
    std::vector<Cell> r{{std::to_string(period), "num"}};
    for (auto& c : cells) r.push_back(std::move(c));
    rows.push_back(std::move(r));
  }
  std::vector<bool> num(headers.size(), true);
  const auto last = series.front().y.back();
  ChartText t{next_id(), "Customers still active after each period", ""};
  t.desc = fmt::format(
      "Share of customers alive after t periods for {} variant(s), with 95% confidence bands; "
      "{} keeps {}% after {} periods.",
      series.size(), series.front().name, format_fixed(last, 1), format_fixed(series.front().x.back(), 0));
  LineChartOptions o;
  o.width = 960;
  o.height = 420;
  const std::string svg = line_chart(t, Axis{"period"}, Axis{"customers alive (%)", 0, 100, true}, series, o);
  std::string out =
      "<p class=\"help\">Retention across periods: the share of customers who have not churned after each period. "
      "A customer's churn chance after each walk depends on how the walk went; bands are 95% confidence intervals.</p>";
  out += figure(svg, "", table_html(headers, num, rows));
  // Per-period details for the baseline.
  const VariantData& b = d_.baseline();
  if (b.periods && b.periods->rows() > 0) {
    const auto& pt = *b.periods;
    std::vector<std::vector<Cell>> pr;
    for (std::size_t r = 0; r < pt.rows(); ++r)
      pr.push_back({{fmt::format("{:.0f}", table_number(pt, "period", r)), "num"},
                    {fmt::format("{:.0f}", table_number(pt, "active", r)), "num"},
                    {est_cell(table_estimate(pt, r, "nps_true")), "num"},
                    {est_cell(table_estimate(pt, r, "nps_measured")), "num"},
                    {est_cell(table_estimate(pt, r, "churn_rate"), 100), "num"}});
    out += details("Per period (" + b.name + "): active customers, NPS and churn",
                   table_html({"Period", "Active", "NPS true", "NPS measured", "Churn rate (%)"},
                              {true, true, true, true, true}, pr));
  }
  return out;
}

}  // namespace cxsim::report::html
