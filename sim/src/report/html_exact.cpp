// Every metric of a variant's summary beside its exact (absorbing-chain)
// counterpart, where the file has analytics.
#include "html_page.h"

#include <cmath>

namespace cxsim::report::html {

// Every metric of a variant's summary, with the exact (analytic) value where
// there is one.
std::string Page::all_metrics(const VariantData& b) {
  const Provenance& p = d_.provenance;
  const io::Table* exact = b.analytics_summary ? &*b.analytics_summary : nullptr;
  std::vector<std::string> headers{"Metric", "Estimate ± 95%", "95% CI", "Unit"};
  if (exact) headers.push_back("Exact (analytics)");
  std::vector<std::vector<Cell>> rows;
  const auto& names = b.summary.get_string("metric");
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto e = table_estimate(b.summary, i);
    const MetricInfo mi = info(names[i]);
    std::vector<Cell> r{{h(mi.label) + "<br><small><code>" + h(names[i]) + "</code></small>", ""},
                        {h(plus_minus(e.estimate, e.se, mi.scale)), "num"},
                        {h(interval(e.lo, e.hi, e.se, mi.scale)), "num"},
                        {h(mi.unit), ""}};
    if (exact) {
      // Like with like: the exact value over every walk of the run's periods
      // (weighted by the expected walks per segment), not one walk.
      const ExactValue x = exact_value(b, names[i], p);
      const std::string text = h(exact_text(x, e.se, mi.scale));
      // The words (not exact, n/c) small, a value as a number.
      r.push_back({x.kind == ExactValue::Kind::value || text.empty() ? text : "<small>" + text + "</small>", "num"});
    }
    rows.push_back(std::move(r));
  }
  std::vector<bool> num{false, true, true, false, true};
  std::string out = table_html(headers, num, rows);
  if (exact)
    out +=
        "<p class=\"help\">Exact values solve the absorbing Markov chain of the walk. Per-walk metrics pool every "
        "walk of every period, so the exact value beside them weights each segment by its expected walks over the "
        "periods (its share × its expected survival), and per-customer metrics (walks, retention, CLV, cost) are "
        "exact over the periods; the Monte Carlo estimates should then lie within about 4 standard errors of them. "
        "<i>not exact</i>: the chain has no exact value (a recovery program triggered by satisfaction, which the "
        "chain does not track, or a per-customer metric whose churn depends on the walks). <i>n/c</i>: not "
        "comparable — churn depends on the walks (<code>retention.sensitivity</code> ≠ 0) and segments differ, so "
        "the mix of walks over the periods has no exact value.</p>";
  return out;
}

}  // namespace cxsim::report::html
