// The exact analytics of `cxsim analyze` and the Python module's analyze
// (cxsim/app/analyze.h).
#include "cxsim/app/analyze.h"

#include <utility>

#include "cxsim/app/run_plan.h"
#include "cxsim/engine/queue.h"
#include "cxsim/scenario/scenario_loader.h"

namespace cxsim::app {

void add_queue_waits(analytics::AnalyzeOptions& opt, const model::CompiledModel& m, const model::PopulationSpec& pop) {
  if (m.queues.empty()) return;
  const engine::Variant v{"", "", m, opt.recovery};
  opt.queue_waits = engine::analytics_queue_waits(m, engine::solve_queues(v, scenario::queue_check_settings(pop)));
}

JourneyAnalysis analyze_journey(const model::JourneySpec& spec, analytics::AnalyzeOptions::Solver solver) {
  JourneyAnalysis out;
  out.model = model::compile(spec);
  out.options.friction_overridden = analytics::friction_override_mask(spec);
  out.options.solver = solver;
  add_queue_waits(out.options, out.model, spec.population);
  out.analytics = analytics::analyze(out.model, out.options);
  return out;
}

analytics::AnalyzeOptions scenario_options(const model::JourneySpec& spec,
                                           const std::optional<engine::RecoveryProgram>& recovery,
                                           analytics::AnalyzeOptions::Solver solver) {
  analytics::AnalyzeOptions opt;
  opt.friction_overridden = analytics::friction_override_mask(spec);
  opt.removal = false;
  opt.recovery = recovery;
  opt.solver = solver;
  return opt;
}

std::vector<VariantAnalysis> analyze_scenario(const scenario::LoadedScenario& ls,
                                              analytics::AnalyzeOptions::Solver solver) {
  std::vector<VariantAnalysis> rows;
  auto add = [&](const std::string& name, const model::JourneySpec& spec, std::string note,
                 const std::optional<engine::RecoveryProgram>& recovery) {
    analytics::AnalyzeOptions opt = scenario_options(spec, recovery, solver);
    model::CompiledModel m = model::compile(spec);
    add_queue_waits(opt, m, ls.scenario.population);
    analytics::JourneyAnalytics a = analytics::analyze(m, opt);
    rows.push_back({name, std::move(note), std::move(m), std::move(a)});
  };
  add("baseline", ls.journey, "", std::nullopt);
  for (std::size_t v = 0; v < ls.scenario.variants.size(); ++v) {
    const auto& vs = ls.scenario.variants[v];
    add(vs.name, ls.variant_specs[v], recovery_exactness_note(vs.recovery), vs.recovery);
  }
  return rows;
}

std::vector<ScenarioMetric> scenario_metrics(const model::CompiledModel& m0) {
  using W = analytics::WalkExpectations;
  std::vector<ScenarioMetric> metrics;
  for (std::size_t k = 0; k + 1 < m0.num_kinds(); ++k)
    metrics.push_back({"share_" + m0.kinds[k], [k](const W& w) { return w.kind_prob[k]; }});
  metrics.push_back({"satisfaction_change_mean", [](const W& w) { return w.satisfaction_change; }});
  metrics.push_back({"effort_mean", [](const W& w) { return w.effort; }});
  metrics.push_back({"time_mean", [](const W& w) { return w.time; }});
  metrics.push_back({"cost_per_walk", [](const W& w) { return w.cost; }});
  metrics.push_back({"value_per_walk", [](const W& w) { return w.value; }});
  metrics.push_back({"frictions_mean", [](const W& w) { return w.frictions; }});
  metrics.push_back({"switches_mean", [](const W& w) { return w.switches; }});
  metrics.push_back({"steps_mean", [](const W& w) { return w.steps; }});
  return metrics;
}

}  // namespace cxsim::app
