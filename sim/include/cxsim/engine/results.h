#pragma once
// From accumulators to the numbers a user sees: every estimate with its
// standard error and 95% CI (customer as the unit; delta method for ratios).
// Results are io::Tables, so the HDF5 writer, `inspect`, `--json` and the
// report all read one representation.
#include <string>
#include <vector>

#include "cxsim/engine/runner.h"
#include "cxsim/io/table.h"
#include "cxsim/stats/estimates.h"

namespace cxsim::engine {

// A headline metric as a function of the per-customer vector.
struct MetricDef {
  std::string name;
  stats::Ratio ratio;
  std::string description;
};

// The headline metrics of docs/model.md section 6 that are smooth functions of
// customer means (quantiles are added separately).
std::vector<MetricDef> headline_metrics(const model::CompiledModel& m, bool with_recovery);

// Columns of estimates being built row by row, added to a table either as
// `name, name_se, name_ci_low, name_ci_high` (add_to) or as
// `name, se, ci_low, ci_high` (add_plain).
struct EstimateColumns {
  std::vector<double> est, se, lo, hi;
  void push(const stats::Estimate& e) {
    est.push_back(e.estimate);
    se.push_back(e.se);
    lo.push_back(e.ci_low);
    hi.push_back(e.ci_high);
  }
  void add_to(io::Table& t, const std::string& name) const;
  void add_plain(io::Table& t, const std::string& name) const;
};

// Tables of one variant: summary, periods, survival (with CI), touchpoints,
// channels, outcomes, paths, segments.
struct VariantTables {
  io::Table summary;             // metric, estimate, se, ci_low, ci_high
  std::vector<double> survival;  // [P+1] share alive after t periods
  io::Table survival_ci;         // period, alive, se, ci_low, ci_high
  io::Table periods;
  io::Table touchpoints;
  io::Table channels;
  io::Table outcomes;
  io::Table paths;
  io::Table segments;
  // Walks per customer (journey frequency): walks 0..P, customers, share (with
  // SE and CI). Empty (not written) unless some segment has `engagement`.
  io::Table walk_counts;
  std::vector<std::int64_t> nps_histogram;   // [2][11] true then measured (row-major)
  std::vector<std::int64_t> csat_histogram;  // [2][scale] or empty
  std::vector<std::int64_t> ces_histogram;
};

VariantTables variant_tables(const Variant& v, const VariantAccumulator& acc);

// metric, baseline, variant, delta, se, ci_low, ci_high (paired by customer).
io::Table comparison_table(const Variant& variant, const Variant& baseline, const PairedAccumulator& paired,
                           const VariantAccumulator& acc_variant, const VariantAccumulator& acc_baseline,
                           const RunSettings& s);

// Money (docs/model.md section 12, docs/methods/comparisons.md "Money").
// summary: metric, estimate, se, ci_low, ci_high, unit with the rows
// net_value_delta_per_customer, net_value_delta_total, investment,
// net_return, roi, payback_period (NaN: no investment, or not within the
// horizon). periods: period, the cumulative Δ net value per customer (paired,
// with SE and CI), the cumulative discounted investment and the cumulative
// net return over the customer base (with SE and CI).
struct MoneyTables {
  io::Table summary;
  io::Table periods;
  double customer_base = 0;  // the base the totals use
  double investment = 0;     // discounted, over the horizon
  std::string unit;          // the currency, or "units"
};
MoneyTables money_tables(const Variant& variant, const Variant& baseline, const PairedAccumulator& paired,
                         const RunSettings& s);
// population.customer_base, or the simulated population when not given.
double customer_base(const RunSettings& s);
// population.currency, or "units" when not given.
std::string money_unit(const RunSettings& s);
// once + per_period × Σ_{t=1..P} 1/(1+d)^(t-1); 0 without an investment.
double discounted_investment(const Variant& v, const RunSettings& s, int periods);

// Per segment (docs/model.md section 13, docs/results-format.md
// "/segments"): long tables, one row per (segment, headline metric), written
// only when the journey has at least two segments (empty tables otherwise).
// The quantile metrics (time_p50, time_p90, time_p90_<kind>) are pooled only.
// `weight` is the segment's share of the metric's denominator (walks,
// respondents or customers), so Σ_s weight_s × estimate_s = the pooled
// estimate (docs/methods/comparisons.md, "Per segment").
// summary: segment, metric, estimate, se, ci_low, ci_high, customers, weight.
io::Table segment_summary_table(const Variant& v, const VariantAccumulator& acc);
// comparison (customers grouped by their baseline segment): segment, metric,
// baseline, variant, delta, se, ci_low, ci_high (paired by customer),
// customers, weight_baseline, weight_variant.
io::Table segment_comparison_table(const Variant& variant, const Variant& baseline, const PairedAccumulator& paired);
// Per-segment periods, touchpoints and outcomes (docs/results-format.md
// "/segments"; empty tables with fewer than two segments). Each row is the
// pooled table's estimator over the segment's customers (customers grouped
// by their own segment under this variant), SE with the customer as the
// unit.
// periods: segment, period, customers, active (walked, idle with
// engagement), respondents, alive(+se/ci) after the period (share of the
// segment's customers), nps_true(+), nps_measured(+), churn_rate(+),
// share_<kind>(+), value_mean, cost_mean, net_value_mean (per customer of
// the segment). Σ_segments of the counts and sums = the pooled `periods`.
// touchpoints: segment, touchpoint, visits, visits_per_walk(+),
// friction_rate(+). outcomes: segment, outcome, kind, walks, share(+).
struct SegmentTables {
  io::Table periods, touchpoints, outcomes;
};
SegmentTables segment_tables(const Variant& v, const VariantAccumulator& acc);

// Money per segment (docs/results-format.md "/segments", methods/
// comparisons.md "Money per segment"): segment, metric, estimate, se,
// ci_low, ci_high, unit, customers, base_customers. For every variant the
// levels value/cost/net_value per customer (over the segment's customers)
// and `_total` over the segment's part of the customer base; for a variant
// with a baseline (paired != nullptr, customers grouped by their baseline
// segment) also the Δ rows `<x>_delta_per_customer` and `<x>_delta_total`.
// A `_total` is base × Σ_{i in s} y_i / n with the SE of the mean of
// 1[i in s]·y_i over all n customers, so Σ_segments `_total` = the pooled
// total (`/money` net_value_delta_total) to rounding. The investment is the
// company's, not a segment's: it is not allocated, so there is no
// per-segment net return, ROI or payback. Empty with fewer than two segments.
io::Table segment_money_table(const Variant& v, const VariantAccumulator& acc, const PairedAccumulator* paired,
                              const RunSettings& s);
// The denominator total of a metric's ratio over an accumulator's customers
// (the count of customers for a plain mean).
double ratio_denominator_total(const stats::MomentAccumulator& acc, const stats::Ratio& r);

// Looks up one metric's row in a summary or comparison table.
stats::Estimate find_metric(const io::Table& summary, const std::string& metric);

}  // namespace cxsim::engine
