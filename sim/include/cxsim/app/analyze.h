#pragma once
// The exact analytics of a journey or of a scenario's variants, as `cxsim
// analyze` and the Python module's analyze compute them (one path for both:
// the options per variant, the queue waits solved for the file's population,
// the recovery notes and the scenario table's metrics).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/engine/variant.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_spec.h"
#include "cxsim/scenario/scenario_loader.h"

namespace cxsim::app {

// Queue waits (docs/methods/queues.md, "In the exact analytics"): for a model
// with `capacity`, sets opt.queue_waits to the waits solved for the
// population `pop` (with opt.recovery); leaves them empty otherwise.
void add_queue_waits(analytics::AnalyzeOptions& opt, const model::CompiledModel& m, const model::PopulationSpec& pop);

// A journey's exact analytics: the compiled model, the options it was solved
// with (friction overrides, solver, queue waits for the journey's population)
// and the result (removal effects and sensitivities included).
struct JourneyAnalysis {
  model::CompiledModel model;
  analytics::AnalyzeOptions options;
  analytics::JourneyAnalytics analytics;
};
JourneyAnalysis analyze_journey(const model::JourneySpec& spec, analytics::AnalyzeOptions::Solver solver);

// One row of a scenario's analysis: the baseline, then each variant in the
// scenario's order, with the recovery note (recovery_exactness_note).
struct VariantAnalysis {
  std::string name, note;
  model::CompiledModel model;
  analytics::JourneyAnalytics analytics;
};
// The analytics options of one scenario run (the baseline or a variant):
// friction overrides from `spec`, no removal effects, the variant's
// recovery program and the solver. analyze_scenario and cxsim analyze's
// parameter draws both start from these.
analytics::AnalyzeOptions scenario_options(const model::JourneySpec& spec,
                                           const std::optional<engine::RecoveryProgram>& recovery,
                                           analytics::AnalyzeOptions::Solver solver);

// Every variant's exact per-walk expectations (no removal effects; queue
// waits solved for the scenario's population).
std::vector<VariantAnalysis> analyze_scenario(const scenario::LoadedScenario& ls,
                                              analytics::AnalyzeOptions::Solver solver);

// The metrics of the scenario table (`cxsim analyze SCENARIO`): share_<kind>
// for every kind but timeout, then the per-walk means, in that order.
struct ScenarioMetric {
  std::string name;
  std::function<double(const analytics::WalkExpectations&)> get;
};
std::vector<ScenarioMetric> scenario_metrics(const model::CompiledModel& baseline);

}  // namespace cxsim::app
