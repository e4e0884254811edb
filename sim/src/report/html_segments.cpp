// Per-segment effects (docs/reports.md, "Per segment"): for every variant,
// its Δ against the baseline in each segment (/segments/<variant>/comparison)
// as a table and a small chart, "which profile gains from which fix".
#include <algorithm>
#include <cmath>

#include "html_page.h"

namespace cxsim::report::html {

namespace {

// The segments of a long per-segment table, in the order they first appear.
std::vector<std::string> segments_of(const io::Table& t) {
  std::vector<std::string> out;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    std::string s = table_string(t, "segment", r);
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
  }
  return out;
}

// The row of (segment, metric), npos when absent.
std::size_t segment_row(const io::Table& t, const std::string& segment, const std::string& metric) {
  for (std::size_t r = 0; r < t.rows(); ++r)
    if (table_string(t, "segment", r) == segment && table_string(t, "metric", r) == metric) return r;
  return static_cast<std::size_t>(-1);
}

EstimateRow segment_delta(const io::Table& t, const std::string& segment, const std::string& metric) {
  const std::size_t r = segment_row(t, segment, metric);
  if (r == static_cast<std::size_t>(-1)) return {};
  return table_estimate(t, r);
}

}  // namespace

std::string Page::segment_effects() {
  if (!d_.has_variants()) return {};
  std::string out;
  for (const auto& v : d_.variants) {
    if (!v.segment_comparison || v.segment_comparison->rows() == 0) continue;
    const io::Table& t = *v.segment_comparison;
    const auto segments = segments_of(t);
    const auto metrics = delta_metrics(t, kinds());
    if (metrics.empty()) continue;
    std::string block;
    if (!v.description.empty()) block += "<p>" + h(v.description) + "</p>";
    // The table: one row per segment, one column per compared metric.
    std::vector<std::string> headers = {"Segment", "Customers"};
    std::vector<bool> numeric = {false, true};
    for (const auto& m : metrics) {
      const MetricInfo mi = delta_info(m, metrics);
      headers.push_back("Δ " + h(mi.short_label) + h(unit_suffix(mi, true)));
      numeric.push_back(true);
    }
    std::vector<std::vector<Cell>> rows;
    for (const auto& s : segments) {
      const std::size_t r = segment_row(t, s, metrics.front());
      std::vector<Cell> row = {{h(s), ""}, {rank_text(table_number(t, "customers", r)), "num"}};
      for (const auto& m : metrics) row.push_back(delta_cell(segment_delta(t, s, m), delta_info(m, metrics)));
      rows.push_back(std::move(row));
    }
    // The charts: Δ of the first compared metric (NPS) and of net value, one
    // bar per segment.
    std::vector<std::string> charted = {metrics.front()};
    if (metrics.front() != "net_value_mean" &&
        std::find(metrics.begin(), metrics.end(), "net_value_mean") != metrics.end())
      charted.push_back("net_value_mean");
    block += "<div class=\"grid2\">";
    for (const auto& m : charted) {
      const MetricInfo mi = delta_info(m, metrics);
      std::vector<IntervalRow> bars;
      for (const auto& s : segments) {
        IntervalRow r = delta_interval_row(s, segment_delta(t, s, m), mi);
        r.colour = series_colour(variant_index(v.name));
        bars.push_back(r);
      }
      ChartText ct{next_id(), "Δ " + mi.short_label + " by segment: " + v.name, ""};
      ct.desc = fmt::format("Difference from the baseline in {} for each of {} segments under {}, with 95% CIs.",
                            mi.label, bars.size(), v.name);
      block += figure(interval_chart(ct, Axis{"Δ " + mi.short_label + unit_suffix(mi, true)}, bars), "", "");
    }
    block += "</div>";
    block += table_html(headers, numeric, rows, "Δ against the baseline per segment (paired by customer)");
    out += details("Per segment: " + v.name, block, out.empty());
  }
  if (out.empty()) return {};
  return "<p class=\"help\">Which profile gains from which fix: each variant's difference from the baseline "
         "within each segment, paired by customer, with 95% confidence intervals (customers are grouped by their "
         "segment under the baseline). A bold ▲*/▼* cell's interval excludes 0. The segments' differences, weighted "
         "by each segment's share of the metric's denominator (walks, respondents or customers), add up to the "
         "pooled difference.</p>" +
         out;
}

}  // namespace cxsim::report::html
