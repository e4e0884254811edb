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
};

// The variants of draw `d` (baseline first; the same shape for every draw).
using DrawVariants = std::function<std::vector<Variant>(std::uint64_t draw)>;
// The run settings of draw `d` (its customer seed).
using DrawSettings = std::function<RunSettings(std::uint64_t draw)>;

// Runs the draws one after another, each with s.threads threads (so the same
// bits for any thread count), and summarises each. `progress` gets (draws
// done, draws); `stop` as in RunHooks.
UncertaintySummary run_uncertainty(std::uint64_t draws, const DrawVariants& make, const DrawSettings& settings,
                                   const std::function<void(std::uint64_t, std::uint64_t)>& progress = {},
                                   const std::atomic<int>* stop = nullptr);

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

}  // namespace cxsim::engine
