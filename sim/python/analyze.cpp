// cxsim.analyze: the exact analytics of a journey (absorbing Markov chain),
// the same numbers and layout as `cxsim analyze JOURNEY --json` (non-finite
// values are float('nan') here, null in the JSON).
#include <cmath>
#include <string>

#include <fmt/format.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/app/run_plan.h"
#include "cxsim/core/errors.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/model/yaml_source.h"
#include "cxsim/scenario/scenario_loader.h"

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
  model::CompiledModel m;
  analytics::JourneyAnalytics a;
  std::vector<analytics::FrictionRankRow> ranking;
  std::vector<std::string> ranking_notes;
};

Computed compute(const std::string& path, double reduce, const std::string& solver, bool force) {
  if (!(reduce >= 0.0 && reduce <= 1.0))
    throw core::InputError(fmt::format("reduce: expected a fraction in [0, 1], got {}", reduce));
  const AnalyzeOptions::Solver s = solver_of(solver);
  core::Diagnostics load_diags;
  const model::YamlDocument doc = model::YamlDocument::load_file(path, load_diags);
  if (scenario::is_scenario(doc))
    throw core::InputError(
        fmt::format("{}: is a scenario; cxsim.analyze takes a journey (the exact analytics of each variant are in "
                    "the results of cxsim.run under /analytics, or from `cxsim analyze SCENARIO --json`)",
                    path));
  Computed c{model::load_journey_document(doc, std::move(load_diags)), {}, {}, {}, {}};
  c.m = model::compile(c.lj.spec);
  if (!force && c.m.num_touchpoints() > app::kMaxAnalyticsTouchpoints) {
    core::Diagnostics d;
    d.error(c.lj.spec.locations.find("touchpoints"), "touchpoints",
            fmt::format("the journey has {} touchpoints, more than the {} up to which analyze computes the exact "
                        "analytics; pass force=True to compute them anyway",
                        c.m.num_touchpoints(), app::kMaxAnalyticsTouchpoints));
    throw core::InputError(std::move(d));
  }
  AnalyzeOptions opt;
  opt.friction_overridden = analytics::friction_override_mask(c.lj.spec);
  opt.solver = s;
  c.a = analytics::analyze(c.m, opt);
  c.ranking = analytics::friction_ranking(c.m, c.a, reduce, opt, &c.ranking_notes);
  return c;
}

py::dict analyze_journey(const std::string& path, double reduce, const std::string& solver, bool force) {
  Computed c = [&] {
    py::gil_scoped_release release;
    return compute(path, reduce, solver, force);
  }();
  const auto& m = c.m;
  const auto& a = c.a;
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

}  // namespace

void register_analyze(py::module_& m) {
  m.def("analyze", &analyze_journey, py::arg("path"), py::kw_only(), py::arg("reduce") = 0.5,
        py::arg("solver") = "auto", py::arg("force") = false,
        "The exact per-walk analytics of a journey (absorbing Markov chain): a dict with the keys and numbers of "
        "`cxsim analyze JOURNEY --json` (population, segments, touchpoints, friction_ranking, notes), plus "
        "'warnings' (list of Diagnostic). reduce: the friction ranking's cut (0..1); solver: 'auto', 'dense', "
        "'sparse' or 'iterative'; force: compute above 5000 touchpoints. Raises cxsim.InputError for an invalid "
        "journey or a scenario. The GIL is released while solving.");
}

}  // namespace cxsim::python
