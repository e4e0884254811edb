#pragma once
// `cxsim run --uncertainty N` (MODEL.md section 14; docs/methods/uncertainty.md):
// N parameter draws, each a full run of the population (common random numbers
// across the variants of a draw, independent customer streams across draws),
// reduced to per-draw summaries (one estimate and its Monte Carlo variance per
// headline metric and per comparison delta): memory grows with N by a few
// doubles per metric, never with customers.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "cxsim/io/table.h"

namespace cxsim::engine {

// One row (a metric of a variant, or a comparison's delta) across draws.
struct MetricDraws {
  std::string metric;
  std::vector<double> estimates;  // per draw
  std::vector<double> inner_var;  // per draw: its Monte Carlo variance (se^2)
};

struct UncertaintySummary {
  std::uint64_t draws = 0;
  std::vector<std::string> variant_names;             // the named variants, baseline first
  std::vector<std::vector<MetricDraws>> variants;     // [variant][metric row]
  std::vector<std::vector<MetricDraws>> comparisons;  // [variant - 1][metric row]: variant vs baseline
  // The drawn value of every scalar uncertain input (model::uncertain_input_names),
  // per draw: inputs[input][draw]. Empty when the caller gave no DrawInputs.
  std::vector<std::string> input_names;
  std::vector<std::vector<double>> inputs;
};

// The scalar inputs of a draw (for the sensitivity table): their names, and
// their values in draw `d` (a pure function of d, like the draw itself).
struct DrawInputs {
  std::vector<std::string> names;
  std::function<std::vector<double>(std::uint64_t draw)> values;
};

// The variants of draw `d` (baseline first; the same shape for every draw).
using DrawVariants = std::function<std::vector<Variant>(std::uint64_t draw)>;
// The run settings of draw `d` (its customer seed).
using DrawSettings = std::function<RunSettings(std::uint64_t draw)>;

// Runs draw 0 alone with settings(0).threads threads (it fixes the rows'
// shape: every row is then sized for all draws, 16 bytes per row per draw),
// then the other draws in parallel: up to `threads` at once, each with
// threads / draws-at-once threads of its own, each writing its own elements.
// Every draw is a pure function of its index and engine::run gives the same
// bits for any thread count, so the summary is the same bits for any thread
// count. `progress` gets (draws done, draws), from one thread at a time;
// `stop` as in RunHooks. The error of the lowest failing draw is rethrown.
UncertaintySummary run_uncertainty(std::uint64_t draws, const DrawVariants& make, const DrawSettings& settings,
                                   const std::function<void(std::uint64_t, std::uint64_t)>& progress = {},
                                   const std::atomic<int>* stop = nullptr, const DrawInputs* inputs = nullptr);

// The metrics by which `best_table` ranks the variants of a scenario:
// Δ NPS (nps_true), Δ retention (retention_final), Δ CLV (clv_mean), Δ net
// value (net_value_mean); higher is better for each.
inline constexpr const char* kBestMetrics[] = {"nps_true", "retention_final", "clv_mean", "net_value_mean"};

// The probability across draws that each named variant (baseline first, its
// Δ is 0) is the best by each of kBestMetrics: columns variant, then
// p_best_<metric> for each (docs/methods/uncertainty.md, "Which variant is
// best"). A draw whose best value is shared by several variants credits each
// 1/(number tied). NaN for a metric the comparisons lack. Needs draws > 0 and
// at least one comparison.
io::Table best_table(const UncertaintySummary& u);

// The intervals of one row (docs/methods/uncertainty.md).
struct TotalInterval {
  double estimate = 0;                   // the point-estimate run
  double mc_low = 0, mc_high = 0;        // Monte Carlo only (the point-estimate run's 95% CI)
  double total_low = 0, total_high = 0;  // parameter + Monte Carlo, 95%
  double draw_mean = 0;                  // mean over the draws
  double between_sd = 0;                 // sd of the draws' estimates
  double inner_sd = 0;                   // sqrt(mean of the draws' Monte Carlo variances)
  double parameter_sd = 0;               // sqrt(max(0, between^2 - inner^2))
};

// `point`: the row of the point-estimate run; `d`: the same row across draws
// (d.estimates empty: no uncertain parameter, the total interval is the MC one).
TotalInterval total_interval(const stats::Estimate& point, const MetricDraws& d);

// One table per variant or comparison: metric, estimate, mc_low, mc_high,
// total_low, total_high, draw_mean, between_sd, inner_sd, parameter_sd.
// `point`: the summary (or comparison) table of the point-estimate run.
io::Table uncertainty_table(const io::Table& point, const std::vector<MetricDraws>& rows);

// Sensitivity to the inputs (docs/methods/uncertainty.md, "Which input
// drives a delta"): Var(E[y | x]) estimated from paired draws (x_d, y_d) by
// binned conditional means: the draws sorted by x and cut into
// B = floor(sqrt(N)) bins of (nearly) equal size, then the one-way ANOVA
// variance component max(0, (MSB - MSW) / n0), which removes the noise of the
// bin means. NaN with fewer than 8 draws or any NaN value.
double first_order_variance(const std::vector<double>& x, const std::vector<double>& y);

// One row per (metric row, input): metric, input, first_order (Sobol's
// first-order index of the metric's parameter variance: first_order_variance /
// max(0, between^2 - inner^2) as in total_interval, clipped to [0, 1]; NaN when
// that parameter variance is 0) and conditional_sd (sqrt of
// first_order_variance, in the metric's unit: the tornado bar's length).
io::Table sensitivity_table(const std::vector<MetricDraws>& rows, const std::vector<std::string>& input_names,
                            const std::vector<std::vector<double>>& inputs);

}  // namespace cxsim::engine
