// cxsim.analyze: the exact analytics of a journey (absorbing Markov chain),
// the same numbers and layout as `cxsim analyze JOURNEY --json` (non-finite
// values are float('nan') here, null in the JSON); of a scenario, every
// variant's exact per-walk expectations and their delta against the baseline
// as `cxsim analyze SCENARIO --json` (sim/cli/cmd_analyze.cpp,
// run_analyze_scenario), as a pandas DataFrame.
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/app/analyze.h"
#include "cxsim/app/run_plan.h"
#include "cxsim/core/errors.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/model/yaml_source.h"
#include "cxsim/scenario/scenario_loader.h"
#include "cxsim/scenario/scenario_spec.h"

namespace cxsim::python {

namespace {

using analytics::AnalyzeOptions;

AnalyzeOptions::Solver solver_of(const std::string& name) {
  using S = AnalyzeOptions::Solver;
  if (name == "auto") return S::automatic;
  if (name == "dense") return S::dense;
  if (name == "sparse") return S::sparse;
  if (name == "iterative") return S::iterative;
  throw core::InputError(fmt::format("solver: expected auto, dense, sparse or iterative, got '{}'", name));
}

py::dict expectations(const model::CompiledModel& m, const analytics::WalkExpectations& w) {
  py::dict d, kinds, outcomes, channels;
  for (std::size_t c = 0; c < m.num_kinds(); ++c) kinds[py::str(m.kinds[c])] = w.kind_prob[c];
  for (std::size_t o = 0; o < m.num_outcomes(); ++o) outcomes[py::str(m.outcome_ids[o])] = w.outcome_prob[o];
  d["kind_prob"] = kinds;
  d["outcome_prob"] = outcomes;
  d["satisfaction_change"] = w.satisfaction_change;
  d["effort"] = w.effort;
  d["time"] = w.time;
  d["cost"] = w.cost;
  d["value"] = w.value;
  d["frictions"] = w.frictions;
  d["switches"] = w.switches;
  d["steps"] = w.steps;
  d["steps_variance"] = w.steps_variance;
  d["steps_sd"] = std::sqrt(w.steps_variance);
  d["timeout_prob"] = w.timeout_prob;
  for (std::size_t c = 0; c < m.channels.size(); ++c) {
    py::dict ch;
    ch["visits"] = w.channel_visits[c];
    ch["switches_into"] = w.switches_into[c];
    channels[py::str(m.channels[c])] = ch;
  }
  d["channels"] = channels;
  return d;
}

struct Computed {
  model::LoadedJourney lj;
  app::JourneyAnalysis ja;
  std::vector<analytics::FrictionRankRow> ranking;
  std::vector<std::string> ranking_notes;
};

void check_size(const model::JourneySpec& spec, bool force) {
  if (force || spec.touchpoints.size() <= app::kMaxAnalyticsTouchpoints) return;
  core::Diagnostics d;
  d.error(spec.locations.find("touchpoints"), "touchpoints",
          fmt::format("the journey has {} touchpoints, more than the {} up to which analyze computes the exact "
                      "analytics; pass force=True to compute them anyway",
                      spec.touchpoints.size(), app::kMaxAnalyticsTouchpoints));
  throw core::InputError(std::move(d));
}

Computed compute(const model::YamlDocument& doc, core::Diagnostics load_diags, double reduce, const std::string& solver,
                 bool force) {
  const AnalyzeOptions::Solver s = solver_of(solver);
  Computed c{model::load_journey_document(doc, std::move(load_diags)), {}, {}, {}};
  check_size(c.lj.spec, force);
  c.ja = app::analyze_journey(c.lj.spec, s);
  c.ranking = analytics::friction_ranking(c.ja.model, c.ja.analytics, reduce, c.ja.options, &c.ranking_notes);
  return c;
}

py::dict analyze_journey(const std::string& path, Computed c, double reduce) {
  const auto& m = c.ja.model;
  const auto& a = c.ja.analytics;
  const std::size_t K = m.num_kinds();
  py::dict out;
  out["file"] = path;
  out["journey"] = m.name;
  out["max_steps"] = m.max_steps;
  out["time_unit"] = m.time_unit;
  out["primary_kind"] = m.kinds[analytics::primary_kind(m)];
  out["population"] = expectations(m, a.population);
  py::list segments;
  for (std::size_t s = 0; s < m.segments.size(); ++s) {
    py::dict seg;
    seg["segment"] = m.segments[s].id;
    seg["share"] = m.segments[s].share;
    seg["solver"] = a.solver[s];
    seg["expectations"] = expectations(m, a.segments[s]);
    segments.append(seg);
  }
  out["segments"] = segments;
  out["removal_outcome"] = a.removal_outcome >= 0 ? py::object(py::str(m.outcome_ids[a.removal_outcome])) : py::none();
  out["removal_note"] = a.removal_note;
  py::list touchpoints;
  const auto& p = a.population;
  for (std::size_t k = 0; k < m.num_touchpoints(); ++k) {
    py::dict t, exit;
    t["touchpoint"] = m.touchpoint_ids[k];
    t["channel"] = m.channels[m.touchpoint_channel[k]];
    t["friction"] = a.base_friction[k];
    t["visits"] = p.visits[k];
    t["friction_visits"] = p.friction_visits[k];
    for (std::size_t c2 = 0; c2 + 1 < K; ++c2) exit[py::str(m.kinds[c2])] = p.exit_share[k][c2];
    t["exit_share"] = exit;
    if (a.has_removal) {
      const auto& r = a.population_removal;
      py::dict re;
      t["reach_prob"] = r.reach_prob[k];
      for (std::size_t c2 = 0; c2 + 1 < K; ++c2) re[py::str(m.kinds[c2])] = r.relative_drop[k][c2];
      re["value"] = r.value_relative_drop[k];
      t["removal_effect"] = re;
    }
    if (a.has_sensitivity) {
      const auto& s = a.population_sensitivity;
      py::dict d;
      for (std::size_t c2 = 0; c2 + 1 < K; ++c2) d[py::str("share_" + m.kinds[c2])] = s.kind_prob[k][c2];
      d["satisfaction_change"] = s.satisfaction_change[k];
      d["effort"] = s.effort[k];
      d["time"] = s.time[k];
      d["cost"] = s.cost[k];
      d["value"] = s.value[k];
      d["steps"] = s.steps[k];
      t["d_df"] = d;
    }
    touchpoints.append(t);
  }
  out["touchpoints"] = touchpoints;
  py::dict fr;
  fr["reduction"] = reduce;
  py::list rows;
  for (const auto& r : c.ranking) {
    py::dict row, first, exact;
    row["touchpoint"] = m.touchpoint_ids[r.touchpoint];
    row["friction"] = r.friction;
    row["new_friction"] = r.new_friction;
    for (std::size_t c2 = 0; c2 + 1 < K; ++c2) first[py::str(m.kinds[c2])] = r.kind_delta_first_order[c2];
    for (std::size_t c2 = 0; c2 + 1 < K; ++c2) exact[py::str(m.kinds[c2])] = r.kind_delta_exact[c2];
    row["kind_delta_first_order"] = first;
    row["kind_delta_exact"] = exact;
    row["satisfaction_delta_first_order"] = r.satisfaction_delta_first_order;
    row["satisfaction_delta_exact"] = r.satisfaction_delta_exact;
    row["value_delta_first_order"] = r.value_delta_first_order;
    row["value_delta_exact"] = r.value_delta_exact;
    rows.append(row);
  }
  fr["rows"] = rows;
  fr["notes"] = c.ranking_notes;
  out["friction_ranking"] = fr;
  out["notes"] = a.notes;
  out["warnings"] = c.lj.diagnostics.items();
  return out;
}

// ------------------------------------------------------------------ scenario

struct ScenarioComputed {
  std::string scenario;
  std::vector<app::VariantAnalysis> rows;
  core::Diagnostics warnings;
};

// The rows of `cxsim analyze SCENARIO` (app::analyze_scenario, the one path
// of both; tests/python/test_analyze_results.py compares the two).
ScenarioComputed compute_scenario(const model::YamlDocument& doc, core::Diagnostics load_diags,
                                  const std::string& solver, bool force) {
  const AnalyzeOptions::Solver s = solver_of(solver);
  const scenario::LoadedScenario ls = scenario::load_scenario_document(doc, std::move(load_diags));
  check_size(ls.journey, force);
  for (const auto& spec : ls.variant_specs) check_size(spec, force);
  ScenarioComputed out;
  out.scenario = ls.scenario.name;
  out.warnings = ls.diagnostics;
  out.rows = app::analyze_scenario(ls, s);
  return out;
}

// A long table: one row per (variant, metric) with exact, delta (variant −
// baseline) and is_exact, as the JSON's variants.<v>.<metric>; the scenario
// name, notes, recovery rates and warnings are in DataFrame.attrs.
py::object analyze_scenario(const std::string& path, const ScenarioComputed& c) {
  const auto& m0 = c.rows.front().model;
  const auto& base = c.rows.front().analytics.population;
  const std::vector<app::ScenarioMetric> metrics = app::scenario_metrics(m0);
  py::list variant, metric, exact, delta, is_exact;
  py::dict notes, recovery;
  for (const auto& r : c.rows) {
    for (const auto& mt : metrics) {
      const double x = mt.get(r.analytics.population);  // NaN: no exact value
      variant.append(r.name);
      metric.append(mt.name);
      exact.append(x);
      delta.append(x - mt.get(base));
      is_exact.append(!std::isnan(x));
    }
    if (!r.note.empty()) notes[py::str(r.name)] = r.note;
    const auto& p = r.analytics.population;
    if (p.recovery) {
      py::dict rec;
      rec["is_exact"] = p.recovery_exact;
      rec["triggered_rate"] = p.recovery_triggered;
      rec["reached_rate"] = p.recovery_reached;
      rec["succeeded_rate"] = p.recovery_succeeded;
      recovery[py::str(r.name)] = rec;
    }
  }
  py::dict cols;
  cols["variant"] = variant;
  cols["metric"] = metric;
  using namespace py::literals;
  const py::module_ np = py::module_::import("numpy");
  cols["exact"] = np.attr("array")(exact, "dtype"_a = "float64");
  cols["delta"] = np.attr("array")(delta, "dtype"_a = "float64");
  cols["is_exact"] = np.attr("array")(is_exact, "dtype"_a = "bool");
  py::object df = py::module_::import("pandas").attr("DataFrame")(cols);
  py::dict attrs = df.attr("attrs");
  attrs["file"] = path;
  attrs["scenario"] = c.scenario;
  attrs["journey"] = m0.name;
  py::list names;
  for (const auto& r : c.rows) names.append(r.name);
  attrs["variants"] = names;
  attrs["notes"] = notes;
  attrs["recovery"] = recovery;
  attrs["warnings"] = c.warnings.items();
  return df;
}

py::object analyze_py(const std::string& path, std::optional<double> reduce, const std::string& solver, bool force) {
  const double cut = reduce.value_or(0.5);
  if (!(cut >= 0.0 && cut <= 1.0))
    throw core::InputError(fmt::format("reduce: expected a fraction in [0, 1], got {}", cut));
  solver_of(solver);  // checked before reading
  std::optional<Computed> journey;
  std::optional<ScenarioComputed> scen;
  {
    py::gil_scoped_release release;
    core::Diagnostics load_diags;
    const model::YamlDocument doc = model::YamlDocument::load_file(path, load_diags);
    if (scenario::is_scenario(doc)) {
      // As the command: the scenario table has no friction ranking.
      if (reduce)
        throw core::InputError(
            fmt::format("reduce: {} is a scenario; the friction ranking that reduce sets is computed for a journey, "
                        "and a scenario ranks frictions with rank_frictions.reduce_by in cxsim.run",
                        path));
      scen.emplace(compute_scenario(doc, std::move(load_diags), solver, force));
    } else {
      journey.emplace(compute(doc, std::move(load_diags), cut, solver, force));
    }
  }
  if (scen) return analyze_scenario(path, *scen);
  return analyze_journey(path, std::move(*journey), cut);
}

}  // namespace

void register_analyze(py::module_& m) {
  m.def("analyze", &analyze_py, py::arg("path"), py::kw_only(), py::arg("reduce") = py::none(),
        py::arg("solver") = "auto", py::arg("force") = false,
        "The exact per-walk analytics of a journey (absorbing Markov chain): a dict with the keys and numbers of "
        "`cxsim analyze JOURNEY --json` (population, segments, touchpoints, friction_ranking, notes), plus "
        "'warnings' (list of Diagnostic). Of a scenario: a pandas.DataFrame with one row per (variant, metric) and "
        "the columns variant, metric, exact, delta (variant - baseline), is_exact, the numbers of `cxsim analyze "
        "SCENARIO --json`, with attrs file, scenario, journey, variants, notes, recovery, warnings. reduce: the "
        "friction ranking's cut (0..1, default 0.5; journeys only); solver: 'auto', 'dense', 'sparse' or "
        "'iterative'; force: compute above 5000 touchpoints. Raises cxsim.InputError for an invalid journey or "
        "scenario. The GIL is released while solving.");
}

}  // namespace cxsim::python
