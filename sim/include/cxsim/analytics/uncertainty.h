#pragma once
// `cxsim analyze --uncertainty N` (MODEL.md section 14; docs/methods/uncertainty.md,
// "Exact answers per draw"): the exact per-walk analytics of the absorbing
// chain under each of N parameter draws (the same draws as `run
// --uncertainty`: model::draw_parameters with the same seed), summarised per
// expectation by the mean, sd and 2.5% / 97.5% quantiles across the draws.
// No Monte Carlo noise: the spread is the parameter uncertainty alone.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/io/table.h"
#include "cxsim/model/compiled_model.h"

namespace cxsim::io {
class Group;
}  // namespace cxsim::io

namespace cxsim::analytics {

// One named model of a draw (baseline first) and how to analyse it.
struct DrawnModel {
  std::string name;
  model::CompiledModel model;
  AnalyzeOptions options;
};
// The models of draw `d`: a pure function of d (the same names every draw).
using DrawModels = std::function<std::vector<DrawnModel>(std::uint64_t draw)>;

// One row (an exact expectation of a variant, or its Δ vs the baseline) across draws.
struct ExactDraws {
  std::string metric;
  std::vector<double> values;  // per draw
};

struct UncertainAnalytics {
  std::uint64_t draws = 0;
  std::vector<std::string> variant_names;            // baseline first
  std::vector<std::vector<ExactDraws>> variants;     // [variant][metric]: summary_table(m, a)'s estimate column
  std::vector<std::vector<ExactDraws>> comparisons;  // [variant - 1][metric]: variant − baseline, same draw
};

// Analyses the N draws, up to `threads` at once (each draw in its own slot,
// read in draw order: the same bits for any thread count). The rows are those
// of summary_table(model, analytics) (population); a Δ row is present for
// every metric the variant and the baseline both have.
UncertainAnalytics analyze_uncertainty(std::uint64_t draws, const DrawModels& make, int threads = 1);

// metric, point (the estimates' analytics: what analyze prints without
// --uncertainty), mean, sd, q025, q975 (type-7 quantiles) across the draws.
// A metric NaN in some draw (no exact value) has NaN statistics. `point` is
// the summary (estimate column, matched by metric name) of the point model;
// for a comparison, the point Δ.
io::Table exact_uncertainty_table(const std::vector<std::string>& metrics, const std::vector<double>& point,
                                  const std::vector<ExactDraws>& rows);

// The point values of every summary row (metric, estimate) of `a`.
std::vector<std::pair<std::string, double>> summary_values(const model::CompiledModel& m, const JourneyAnalytics& a);

}  // namespace cxsim::analytics
