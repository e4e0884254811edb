// Section 1: the headline cards, every metric, and the variants against the
// baseline.
#include "html_page.h"

#include <algorithm>
#include <cmath>

namespace cxsim::report::html {

// 1. Headline ---------------------------------------------------------------

std::string Page::headline() {
  const VariantData& b = d_.baseline();
  std::string out;
  const auto& p = d_.provenance;
  out +=
      "<p class=\"help\">Estimates are Monte Carlo means with 95% confidence intervals (± half-width, and "
      "[low, high]); standard errors treat the customer as the unit. ";
  if (d_.has_variants())
    out +=
        "Variants are compared with the baseline paired by customer (common random numbers), so a difference "
        "reflects the change, not sampling noise. ";
  out += "</p>";
  out += timeout_warning();

  if (d_.has_variants()) out += "<h3>Baseline" + (b.name == "baseline" ? std::string() : ": " + h(b.name)) + "</h3>";
  out += "<div class=\"cards\">";
  for (const auto& m : headline_metrics(b.summary, kinds())) {
    const auto e = d_.estimate(b.name, m, false);
    MetricInfo mi = info(m);
    if (m == "retention_final" && p.periods)
      mi.label = fmt::format("Customers retained after {} period{}", *p.periods, *p.periods == 1 ? "" : "s");
    const int dec = decimals_for(kZ95 * e.se * mi.scale, e.estimate * mi.scale);
    // "%" stays on the value line; longer units go with the interval.
    const bool pct = mi.unit == "%";
    const std::string unit = pct || mi.unit.empty() ? std::string() : h(mi.unit) + " · ";
    if (e.has_total()) {
      // The total interval leads; the Monte Carlo one is beside it.
      out += fmt::format(
          "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}{}</div>"
          "<div class=\"ci\">{}95% total {}</div><div class=\"ci mc\">MC only ± {} {}</div></div>",
          h(mi.label), h(format_fixed(e.estimate * mi.scale, dec)), pct ? "<span class=\"pm\"> %</span>" : "", unit,
          h(interval(e.total_lo, e.total_hi, e.se, mi.scale)),
          h(std::isfinite(e.se) ? format_fixed(kZ95 * e.se * mi.scale, dec) : "n/a"),
          h(interval(e.lo, e.hi, e.se, mi.scale)));
      continue;
    }
    out += fmt::format(
        "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}<span class=\"pm\"> ± {}{}</span></div>"
        "<div class=\"ci\">{}95% CI {}</div></div>",
        h(mi.label), h(format_fixed(e.estimate * mi.scale, dec)),
        h(std::isfinite(e.se) ? format_fixed(kZ95 * e.se * mi.scale, dec) : "n/a"), pct ? " %" : "", unit,
        h(interval(e.lo, e.hi, e.se, mi.scale)));
  }
  out += "</div>";
  if (!d_.has_variants()) out += uncertainty_words();  // with variants, the summary says it first

  // All metrics, with the exact (analytic) value where there is one.
  out += details(d_.has_variants() ? "All baseline metrics" : "All metrics", all_metrics(b));

  if (d_.has_variants()) {
    const io::Table* first = nullptr;
    for (const auto& v : d_.variants)
      if (auto c = d_.comparison(v.name)) {
        first = c;
        break;
      }
    const auto metrics = delta_metrics(*first, kinds());
    const bool net_value = std::find(metrics.begin(), metrics.end(), "net_value_mean") != metrics.end();
    std::vector<std::string> headers{"Variant"};
    std::vector<bool> num{false};
    for (const auto& m : metrics) {
      const MetricInfo mi = info(m);
      headers.push_back("Δ " + h(mi.short_label) + "<br><small>" + h(mi.delta_unit) + "</small>");
      num.push_back(true);
    }
    std::vector<std::vector<Cell>> rows;
    for (const auto& v : d_.variants) {
      const io::Table* c = d_.comparison(v.name);
      if (!c) continue;
      std::vector<Cell> r{{"<b>" + h(v.name) + "</b>" +
                               (v.description.empty() ? std::string() : "<br><small>" + h(v.description) + "</small>"),
                           ""}};
      for (const auto& m : metrics) r.push_back(delta_cell(d_.estimate(v.name, m, true), delta_info(m, metrics)));
      rows.push_back(std::move(r));
    }
    out += "<h3>Variants against the baseline</h3>";
    out += table_html(headers, num, rows);
    out +=
        "<p class=\"help\">Δ = variant − baseline with ± 95% half-width and [CI]. <b>Bold ▲*/▼*</b>: the 95% CI "
        "excludes 0; shaded blue where the change is an improvement, orange where it is a deterioration. "
        "pp = percentage points.";
    if (net_value)
      out +=
          " Δ cost is not shaded: a change that keeps more customers raises what they cost along with what they "
          "bring, so the company's side is Δ net value (CLV − cost), shaded beside it.";
    out += "</p>";

    // Every variant's estimates side by side.
    std::vector<std::string> vh{"Metric"};
    std::vector<bool> vn{false};
    for (const auto& v : d_.variants) {
      vh.push_back(h(v.name));
      vn.push_back(true);
    }
    std::vector<std::vector<Cell>> vrows;
    for (const auto& m : headline_metrics(b.summary, kinds())) {
      const MetricInfo mi = info(m);
      std::vector<Cell> r{{h(mi.label) + unit_suffix(mi, false), ""}};
      for (const auto& v : d_.variants) r.push_back({est_cell(d_.estimate(v.name, m, false), mi.scale), "num"});
      vrows.push_back(std::move(r));
    }
    out += details("Headline metrics of every variant", table_html(vh, vn, vrows));
    for (const auto& v : d_.variants)
      if (&v != &b && v.analytics_summary) out += details("All metrics of " + v.name, all_metrics(v));
  }
  return out;
}

}  // namespace cxsim::report::html
