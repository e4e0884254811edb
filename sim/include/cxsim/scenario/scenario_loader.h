#pragma once
// Scenario files -> ScenarioSpec + the journey they name, every variant
// applied and re-validated; all problems reported at once.
#include <cstdint>
#include <string>
#include <vector>

#include "cxsim/core/diagnostics.h"
#include "cxsim/engine/queue.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_spec.h"
#include "cxsim/model/yaml_source.h"
#include "cxsim/scenario/scenario_spec.h"

namespace cxsim::scenario {

struct LoadedScenario {
  ScenarioSpec scenario;
  model::JourneySpec journey;                     // the baseline
  std::vector<model::JourneySpec> variant_specs;  // one per scenario.variants, changes applied
  core::Diagnostics diagnostics;                  // warnings only
};

// The metric names population.precision.metric accepts for this journey:
// its headline metrics (engine::headline_metrics), time_p50, time_p90 and
// time_p90_<kind> for every outcome kind.
std::vector<std::string> precision_metrics(const model::CompiledModel& m);

// True when a loaded document's top level has a `scenario:` key (and no
// `touchpoints:`): parse it as a scenario, else as a journey. Callers load the
// document once (model::YamlDocument::load_file) and pass it on, so a pipe or
// FIFO is read once and a large file parsed once.
bool is_scenario(const model::YamlDocument& doc);

// Resolves a recovery program's touchpoint and kind names (trigger `at`,
// `outcome_kind`, `reroute`) against the journey of its variant, setting the
// indices; an unknown name, or an outcome where a touchpoint is needed, is an
// error at the key (`path` is the program's key path).
void resolve_recovery(engine::RecoveryProgram& p, const model::JourneySpec& journey, const std::string& path,
                      core::Diagnostics& diags);

// The program of parameter draw `draw` (docs/methods/uncertainty.md): an
// uncertain reach (success) ~ Beta(reach_beta) (Beta(success_beta)) drawn from
// the stream (seed, purpose replication, customer field = draw, period 2,
// step = 2 * draw_slot (+ 1 for success)), apart from the journey's
// parameters (period 0); a point value is kept. A pure function of
// (seed, draw, draw_slot).
engine::RecoveryProgram draw_recovery(const engine::RecoveryProgram& p, std::uint64_t seed, std::uint64_t draw);
// The program's scalar uncertain inputs (`<path>.reach`, `<path>.success`,
// those that are uncertain) and their values in a drawn program.
std::vector<std::string> recovery_input_names(const engine::RecoveryProgram& p);
std::vector<double> recovery_input_values(const engine::RecoveryProgram& drawn);
// "<path>.reach: Beta(a, b) (mean m)" for each uncertain one (cxsim validate).
std::vector<std::string> describe_recovery_uncertain(const engine::RecoveryProgram& p);

// Loads, resolves the journey, applies and re-validates every variant and
// sweep point. Throws core::InputError with all diagnostics on any error.
LoadedScenario load_scenario(const std::string& path);

// The same without throwing: everything found goes to diags.
LoadedScenario check_scenario_file(const std::string& path, core::Diagnostics& diags);

// The same two on a document already loaded (its load diagnostics in diags).
LoadedScenario load_scenario_document(const model::YamlDocument& doc, core::Diagnostics diags);
LoadedScenario check_scenario_document(const model::YamlDocument& doc, core::Diagnostics& diags);

// The size bound of a run (docs/scenario-format.md, "Limits"): every variant
// run (the baseline, each named variant, each sweep value, each touchpoint
// the friction ranking may add) holds its own accumulators while the run
// lasts, so a scenario may ask for at most kMaxVariantRuns of them and at
// most kMaxRunMemoryBytes of estimated accumulator memory.
inline constexpr std::uint64_t kMaxVariantRuns = 10000;
inline constexpr std::uint64_t kMaxRunMemoryBytes = std::uint64_t{4} << 30;  // 4 GiB

// Estimated bytes one variant run holds (its model, its merged accumulators
// and those of the chunks in flight), for a journey simulated with this many
// customers and periods: 128 KiB + 2 KiB per touchpoint and outcome, plus,
// when the run has more than 65,536 walks, 512 KiB of dense quantile-group
// counts, plus the path sketch (up to 4,096 distinct paths, 2 x (96 + 8 x
// (kinds + 2)) bytes each). Deliberately on the high side of what was
// measured (docs/performance.md, "Memory per variant").
std::uint64_t estimated_variant_bytes(const model::JourneySpec& journey, std::uint64_t customers, int periods);

// Adds an error (at the named variant, sweep or rank_frictions entry where
// the running count first exceeds a limit, with the count, the estimate and
// both limits) when the scenario's runs exceed kMaxVariantRuns or
// kMaxRunMemoryBytes. `sweeps` / `ranking` false: those runs are left out
// (run --no-sweeps / --no-ranking).
void check_run_size(const ScenarioSpec& scenario, const model::JourneySpec& journey, std::uint64_t customers,
                    int periods, bool sweeps, bool ranking, core::Diagnostics& diags);

// Queues (capacity; docs/methods/queues.md): solves the queues of a variant
// the scenario made (`what`: "variant 'cut'" or "sweep 'servers' = 2") for
// the run settings `s`. An overloaded queue (utilisation >= 1, the
// core::InputError of engine::solve_queues) is reported in `diags` at the
// scenario's line: the first change of the queue's `capacity` (else of the
// queue's touchpoint), else `loc` (the variant's or sweep's entry), with
// `key_path_prefix` (e.g. "variants.cut") when no change is blamed, and the
// message naming the variant, the queue and the period. Returns null on an
// error or when the model has no queue.
std::shared_ptr<const engine::QueueTables> solve_variant_queues(const engine::Variant& v,
                                                                const std::vector<Change>& changes,
                                                                const std::string& what, const core::SourceLoc& loc,
                                                                const std::string& key_path_prefix,
                                                                const engine::RunSettings& s, core::Diagnostics& diags);

// The run settings `cxsim validate` checks a scenario's queues with: the
// scenario's population (customers, periods, customer_base), else the
// defaults of `run`.
engine::RunSettings queue_check_settings(const model::PopulationSpec& pop);

}  // namespace cxsim::scenario
