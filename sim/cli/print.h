#pragma once
// Plain-text rendering of result tables for the terminal.
#include <cstdint>
#include <string>

#include "cxsim/core/json.h"
#include "cxsim/io/table.h"

namespace cxsim::cli {

// "metric   estimate ± half-width  [ci_low, ci_high]" per row of a summary table.
std::string format_summary(const cxsim::io::Table& summary);
// "metric   baseline → variant   Δ ± hw  [lo, hi]" per row of a comparison table.
std::string format_comparison(const cxsim::io::Table& cmp);
// A /uncertainty table: estimate, the Monte Carlo and the total 95% intervals.
std::string format_uncertainty(const cxsim::io::Table& t);
// The sentence above those tables: what each interval covers.
// /uncertainty/best: P(best) of each variant by Δ NPS, retention, CLV, net value.
std::string format_best(const cxsim::io::Table& t);
// /uncertainty/sensitivity/...: first-order index per input (rows) of the key metrics (columns).
std::string format_sensitivity(const cxsim::io::Table& t);
std::string sensitivity_words();
std::string best_words(std::uint64_t draws);
std::string uncertainty_words(std::uint64_t draws, std::uint64_t customers);
// A /segments/<variant>/comparison table as a Δ table: one row per key metric
// (NPS, outcome shares, retention, CLV, cost, net value), one column per
// segment, "Δ ± 95%" with * when the CI excludes 0; empty for an empty table.
std::string format_segment_comparison(const cxsim::io::Table& cmp);
// /segments/<variant>/money as a grid, one column per segment: the level rows
// (value, cost and net value per customer, net value total) or, with
// `delta`, the paired Δ rows marked * when the CI excludes 0; with each
// segment's customers. Empty without segments.
std::string format_segment_money(const cxsim::io::Table& money, bool delta);
// /segments/<variant>/periods: each segment's last period (alive %, NPS true
// and measured, churn rate %) and its customers, one column per segment.
std::string format_segment_periods(const cxsim::io::Table& periods);
// /segments/<variant>/touchpoints: the friction rate (%) per segment of the
// `limit` touchpoints where segments differ most (report::touchpoint_spread)
// and the difference highest − lowest (pp, * when its CI excludes 0).
std::string format_segment_touchpoints(const cxsim::io::Table& touchpoints, std::size_t limit);
// The money table of a comparison (engine::money_tables().summary), units in
// the last column; payback as a period number or "not within P periods".
std::string format_money(const cxsim::io::Table& money, int periods);
// A table as the next JSON value of `j`: an array of row objects.
void write_table_json(cxsim::core::JsonWriter& j, const cxsim::io::Table& t);
// "warning: variant 'v': N of W walks (p%) hit the step limit ..." for a run
// whose walks ended in `timeout` (empty when timeouts == 0).
std::string timeout_warning(const std::string& variant, double timeouts, double walks, long long max_steps);
// Significant digits suited to an estimate with standard error `se`.
std::string format_value(double x, double se);

}  // namespace cxsim::cli
