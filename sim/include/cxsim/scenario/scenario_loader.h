#pragma once
// Scenario files -> ScenarioSpec + the journey they name, every variant
// applied and re-validated; all problems reported at once.
#include <string>
#include <vector>

#include "cxsim/core/diagnostics.h"
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
// its headline metrics (engine::headline_metrics) and time_p50, time_p90.
std::vector<std::string> precision_metrics(const model::CompiledModel& m);

// True when a loaded document's top level has a `scenario:` key (and no
// `touchpoints:`): parse it as a scenario, else as a journey. Callers load the
// document once (model::YamlDocument::load_file) and pass it on, so a pipe or
// FIFO is read once and a large file parsed once.
bool is_scenario(const model::YamlDocument& doc);

// Loads, resolves the journey, applies and re-validates every variant and
// sweep point. Throws core::InputError with all diagnostics on any error.
LoadedScenario load_scenario(const std::string& path);

// The same without throwing: everything found goes to diags.
LoadedScenario check_scenario_file(const std::string& path, core::Diagnostics& diags);

// The same two on a document already loaded (its load diagnostics in diags).
LoadedScenario load_scenario_document(const model::YamlDocument& doc, core::Diagnostics diags);
LoadedScenario check_scenario_document(const model::YamlDocument& doc, core::Diagnostics& diags);

}  // namespace cxsim::scenario
