#pragma once
// Orchestration shared by the CLI and the end-to-end tests: from an input file
// (a journey or a scenario) to the variants to simulate, and from a run to
// everything the results file holds (variants, comparisons, sweeps, ranking,
// precision, analytics).
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cxsim/core/diagnostics.h"
#include "cxsim/engine/results_file.h"
#include "cxsim/engine/runner.h"
#include "cxsim/engine/uncertainty.h"
#include "cxsim/model/journey_spec.h"
#include "cxsim/scenario/scenario_spec.h"

namespace cxsim::app {

// Command-line overrides of the file's population.
struct RunOverrides {
  std::optional<long long> customers;
  std::optional<int> periods;
  std::optional<unsigned long long> seed;
  int threads = 1;
  std::uint64_t chunk_size = 4096;
  std::vector<std::string> only_variants;  // empty: all
  bool no_sweeps = false;
  bool no_ranking = false;
  bool no_analytics = false;             // cxsim run --no-analytics
  std::optional<long long> uncertainty;  // cxsim run --uncertainty N (else population.uncertainty.draws)
};

// Above this many touchpoints `cxsim run` skips the exact analytics (their
// sparse LU solves have no useful work bound there: a 20,000-touchpoint
// random graph took minutes); `cxsim analyze` still computes them.
inline constexpr std::size_t kMaxAnalyticsTouchpoints = 5000;

struct SweepPlan {
  std::string name, path;
  std::vector<double> values;
  std::vector<std::size_t> variant_index;
};

// The friction ranking: one variant per touchpoint that reduces the friction
// every customer experiences there (the base value and each segment's
// override alike) by reduce_by.
struct RankingPlan {
  bool present = false;
  double reduce_by = 0.5;
  std::vector<std::string> touchpoints;
  // The friction customers experience: the common value when every segment
  // has the same, else the share-weighted mean of the segments' values.
  std::vector<double> frictions;
  std::vector<std::size_t> variant_index;
  // Touchpoints with friction that are left out (no customer can reach them
  // where their friction is > 0), one sentence each; also in the plan's
  // warnings and the /ranking attribute `notes`.
  std::vector<std::string> notes;
};

// The portfolio (docs/model.md section 15, docs/methods/portfolio.md): each
// evaluated combination of candidates is an ordinary variant of the plan
// (variant_index), the single candidates their own named variants when run.
struct PortfolioPlan {
  bool present = false;
  scenario::PortfolioSpec spec;
  std::vector<scenario::VariantSpec> candidates;  // candidate order
  bool greedy = false;                            // more than spec.max_exhaustive candidates
  // Per evaluated combination: its name ("a+b"), its members (indices into
  // candidates), its plan variant and its discounted investment.
  std::vector<std::string> names;
  std::vector<std::vector<std::size_t>> members;
  std::vector<std::size_t> variant_index;
  std::vector<double> investment;
  std::vector<std::string> greedy_path;  // greedy: the combination chosen at each step
  engine::CrossScores cross;             // the baseline's and each combination's objective scores
};

struct RunPlan {
  std::vector<engine::Variant> variants;  // [0] baseline, then named variants, then sweep/ranking points
  std::vector<model::JourneySpec> specs;  // the spec behind each variant
  std::size_t named = 1;                  // variants [0, named) are reported under /variants and /comparisons
  std::vector<SweepPlan> sweeps;
  RankingPlan ranking;
  scenario::PrecisionSpec precision;
  engine::RunSettings settings;
  engine::Provenance provenance;
  std::string title;  // scenario or journey name
  // Why the exact analytics are not computed (--no-analytics, or the journey
  // is above kMaxAnalyticsTouchpoints); empty when they are. Written as the
  // root attribute `analytics_skipped`; /analytics is then absent and the
  // ranking's exact columns are NaN.
  std::string analytics_skipped;
  core::Diagnostics warnings;
  // --uncertainty: parameter draws to run (0: none), and the scenario changes
  // of each named variant (changes[v], v >= 1) to apply to each draw.
  std::uint64_t uncertainty_draws = 0;
  std::vector<std::vector<scenario::Change>> named_changes;
  PortfolioPlan portfolio;
};

// Loads a journey or scenario file (decided by its top-level keys) into a
// plan. Throws core::InputError with every diagnostic when it is invalid.
RunPlan plan_from_file(const std::string& path, const RunOverrides& o, const std::string& command_line);

struct PrecisionOutcome {
  bool requested = false;
  bool met = false;
  double half_width = 0.0;
  std::uint64_t customers = 0;
  std::string message;
};

// Decides plan.analytics_skipped from the flag and the journey's size.
void decide_analytics(RunPlan& plan, const RunOverrides& o);

// Runs the plan (growing the population in whole chunks when a precision
// target is set) and returns the merged result.
engine::RunResult execute(RunPlan& plan, const engine::RunHooks& hooks, PrecisionOutcome* precision = nullptr);

// The parameter draws of --uncertainty (docs/methods/uncertainty.md): for
// draw d the journey's uncertain parameters are drawn (model::draw_parameters),
// each named variant's changes applied to the drawn journey, and the
// population (plan's settings, with `customers` from `point`) run with the
// draw's customer seed; an uncertain recovery program is drawn per draw
// (scenario::draw_recovery). No draws (summary.draws == 0) when none were asked
// or the plan has no uncertain parameter.
//
// `runner` runs the draws: engine::run_uncertainty when empty (one process);
// the distributed run passes its own (app/mpi_run.h: the draws dealt to the
// ranks), which must give the same summary bits.
using DrawRunner = std::function<engine::UncertaintySummary(
    std::uint64_t draws, const engine::DrawVariants& make, const engine::DrawSettings& settings,
    const std::function<void(std::uint64_t, std::uint64_t)>& progress, const std::atomic<int>* stop,
    const engine::DrawInputs* inputs)>;
// The plan's uncertain parameters: the journey's, and each named variant's
// uncertain recovery reach and success (docs/methods/uncertainty.md).
std::size_t uncertain_parameter_count(const RunPlan& plan);

engine::UncertaintySummary execute_uncertainty(const RunPlan& plan, const engine::RunResult& point,
                                               const engine::RunHooks& hooks, const DrawRunner& runner = {});

// Writes /uncertainty (docs/results-format.md).
void write_uncertainty(engine::ResultsWriter& writer, const RunPlan& plan, const engine::RunResult& point,
                       const engine::UncertaintySummary& u);

// How the file was made: the root run-time attributes `threads` and
// `mpi_ranks`, outside the bit-identity promise (docs/results-format.md).
// Written by every `cxsim run` (and the Python module's run).
void write_run_attributes(engine::ResultsWriter& writer, const RunPlan& plan, int mpi_ranks);

// What `cxsim analyze` (and the Python module's analyze) says of a scenario
// variant's recovery program in the exact analytics. A program changes S and
// the cost: a targeted one (a trigger on one visit) is exact, reroute
// included; a reroute after a history trigger is not followed (nothing
// exact); a friction-count trigger is exact; a satisfaction trigger is not
// (the chain does not track S). Empty without a program.
std::string recovery_exactness_note(const std::optional<engine::RecoveryProgram>& recovery);

// Writes /variants, /comparisons, /sweeps, /ranking and /analytics.
void write_all(engine::ResultsWriter& writer, const RunPlan& plan, const engine::RunResult& result,
               const PrecisionOutcome& precision);

// Tables for sweeps and ranking (also used by tests).
io::Table sweep_table(const RunPlan& plan, const SweepPlan& sweep, const engine::RunResult& result);
io::Table ranking_table(const RunPlan& plan, const engine::RunResult& result);

}  // namespace cxsim::app
