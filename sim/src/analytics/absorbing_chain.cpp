// Exact journey analytics: the absorbing Markov chain of one period's walk.
// Formulas and their derivations: docs/methods/analytics.md.
//
// This file: solve_segment (one factorisation of I−Q serves expectations,
// sensitivities and removal effects) and analyze(), which mixes the segments.
// The pieces: chain.h.
#include "cxsim/analytics/absorbing_chain.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "chain.h"
#include "cxsim/core/errors.h"
#include "linear_solver.h"

namespace cxsim::analytics {

namespace detail {

SegmentResult solve_segment(const CompiledModel& m, std::size_t s, const AnalyzeOptions& opt, const Want& want) {
  const auto& seg = m.segments[s];
  // A targeted recovery program (recovery.cpp) keeps its reroute touchpoint in
  // the chain and solves the two-layer chain instead.
  const bool targeted = opt.recovery && targeted_recovery(*opt.recovery);
  const Chain c = targeted ? recovery_chain(m, s, opt, build_chain(m, s, opt, opt.recovery->reroute), *opt.recovery)
                           : build_chain(m, s, opt);
  const std::size_t n = c.n;
  SegmentResult res;
  res.reachable = c.reachable;
  res.w = empty_expectations(m);

  using Kind = LinearSolver::Kind;
  Kind kind = Kind::sparse;
  switch (opt.solver) {
    case AnalyzeOptions::Solver::automatic: kind = n <= opt.dense_limit ? Kind::dense : Kind::sparse; break;
    case AnalyzeOptions::Solver::dense: kind = Kind::dense; break;
    case AnalyzeOptions::Solver::sparse: kind = Kind::sparse; break;
    case AnalyzeOptions::Solver::iterative: kind = Kind::iterative; break;
  }
  const bool dense = kind == Kind::dense;
  if (!c.full)
    res.notes.push_back(fmt::format(
        "segment '{}': a touchpoint behind a branch of probability 0 (friction 0 or 1) cannot reach an outcome; "
        "derivatives with respect to frictions that would open that branch are not defined (NaN)",
        seg.id));

  LinearSolver lu(c, kind, seg.id);
  const Solved x = segment_expectations(m, s, opt, c, kind, lu, res);
  if (targeted) {
    // Derivatives and removal effects of the two-layer chain are not worked out.
    if (want.sensitivities) {
      res.sens = empty_sensitivity(m);
      for (std::size_t k = 0; k < c.T; ++k) {
        for (auto& y : res.sens.outcome_prob[k]) y = kNaN;
        for (auto& y : res.sens.kind_prob[k]) y = kNaN;
        for (auto* vec : {&res.sens.satisfaction_change, &res.sens.effort, &res.sens.time, &res.sens.cost,
                          &res.sens.frictions, &res.sens.switches, &res.sens.steps, &res.sens.value})
          (*vec)[k] = kNaN;
      }
    }
    if (want.removal) {
      res.removal_skipped = true;
      res.notes.push_back(
          fmt::format("segment '{}': removal effects skipped: the variant has a targeted recovery program", seg.id));
    }
    res.solver = lu.name();
    return res;
  }
  if (want.sensitivities) segment_sensitivities(m, s, opt, c, x, res);
  segment_removal(m, s, opt, want, c, dense, lu, x, res);
  res.solver = lu.name();
  return res;
}

bool same_chain(const model::CompiledSegment& a, const model::CompiledSegment& b) {
  if (a.tp.size() != b.tp.size()) return false;
  for (std::size_t k = 0; k < a.tp.size(); ++k) {
    const auto &x = a.tp[k], &y = b.tp[k];
    if (!(x.friction == y.friction && x.sat_ok == y.sat_ok && x.sat_fr == y.sat_fr && x.eff_ok == y.eff_ok &&
          x.eff_fr == y.eff_fr && x.cost == y.cost && x.dur_ok.mean == y.dur_ok.mean &&
          x.dur_fr.mean == y.dur_fr.mean && x.next_ok.offset == y.next_ok.offset &&
          x.next_ok.count == y.next_ok.count && x.next_fr.offset == y.next_fr.offset &&
          x.next_fr.count == y.next_fr.count))
      return false;
    // A timed visit reads whole distributions, not only their means (waiting.h).
    auto same_law = [](const model::DurationSampler& p, const model::DurationSampler& q) {
      return p.kind == q.kind && p.p1 == q.p1 && p.p2 == q.p2;
    };
    if (x.has_waiting != y.has_waiting || x.has_patience != y.has_patience) return false;
    if (x.has_waiting && !(x.wait_tolerance == y.wait_tolerance && x.wait_per_unit == y.wait_per_unit)) return false;
    if (x.has_patience && !same_law(x.patience, y.patience)) return false;
    if ((x.has_waiting || x.has_patience) && !(same_law(x.dur_ok, y.dur_ok) && same_law(x.dur_fr, y.dur_fr)))
      return false;
  }
  return true;
}

// A queue whose touchpoint has patience (docs/methods/queues.md, "Patience
// with a queue in the exact analytics"): a walk of period t waits W_t at every
// visit, and its routing depends on W_t (give-ups), so the segment's
// expectations are the mixture over the periods of the chains solved with
// each period's wait (one chain per distinct set of the periods' waits,
// weighted by the segment's walks in those periods), not one chain with the
// mixed wait. Every result mixes linearly (E[visits²] for the variance;
// removal effects through their kind shares and values).
SegmentResult solve_segment_periods(const CompiledModel& m, std::size_t s, const AnalyzeOptions& opt,
                                    const Want& want) {
  const auto& seg = m.segments[s];
  if (s >= opt.queue_waits.size()) return solve_segment(m, s, opt, want);
  const auto& waits = opt.queue_waits[s];
  bool feedback = false;
  for (const auto& q : waits) feedback = feedback || (seg.tp[q.touchpoint].has_patience && q.mean() > 0);
  if (!feedback || waits.front().weight.size() < 2) return solve_segment(m, s, opt, want);
  // Periods with the same waits at every queue share one chain.
  struct Group {
    double weight = 0;
    std::vector<std::pair<double, double>> law;  // per queue: (P(W > 0), E[W | W > 0])
  };
  std::vector<Group> groups;
  for (std::size_t t = 0; t < waits.front().weight.size(); ++t) {
    Group g{waits.front().weight[t], {}};
    for (const auto& q : waits) g.law.emplace_back(q.p_wait[t], q.wait_if_waiting[t]);
    if (!(g.weight > 0)) continue;
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.law == g.law; });
    if (it == groups.end()) groups.push_back(std::move(g));
    else it->weight += g.weight;
  }
  if (groups.size() < 2) {
    if (groups.empty()) return solve_segment(m, s, opt, want);
    AnalyzeOptions one = opt;
    for (std::size_t qi = 0; qi < waits.size(); ++qi)
      one.queue_waits[s][qi] = {waits[qi].touchpoint, {1.0}, {groups[0].law[qi].first}, {groups[0].law[qi].second}};
    return solve_segment(m, s, one, want);
  }
  const std::size_t T = m.num_touchpoints();
  SegmentResult out;
  out.w = empty_expectations(m);
  if (opt.recovery) {
    out.w.recovery = true;
    out.w.recovery_triggered = out.w.recovery_reached = out.w.recovery_succeeded = 0;
  }
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const Group& g = groups[gi];
    AnalyzeOptions one = opt;
    for (std::size_t qi = 0; qi < waits.size(); ++qi)
      one.queue_waits[s][qi] = {waits[qi].touchpoint, {1.0}, {g.law[qi].first}, {g.law[qi].second}};
    SegmentResult r = solve_segment(m, s, one, want);
    if (gi == 0) {
      out.reachable = r.reachable;
      out.solver = r.solver;
      out.notes = r.notes;
      if (!r.sens.satisfaction_change.empty()) out.sens = empty_sensitivity(m);
      if (!r.removal.reach_prob.empty()) out.removal = empty_removal(m);
    } else {
      for (std::size_t k = 0; k < T && k < r.reachable.size(); ++k)
        if (r.reachable[k]) out.reachable[k] = true;
      for (auto& note : r.notes)
        if (std::find(out.notes.begin(), out.notes.end(), note) == out.notes.end()) out.notes.push_back(note);
    }
    out.w.recovery_exact = out.w.recovery_exact && r.w.recovery_exact;
    add_scaled(out.w, g.weight, r.w);
    if (!out.sens.satisfaction_change.empty())
      for (std::size_t k = 0; k < T; ++k) add_scaled_row(out.sens, k, g.weight, r.sens);
    out.removal_skipped = out.removal_skipped || r.removal_skipped;
    if (!out.removal.reach_prob.empty() && !r.removal.reach_prob.empty())
      for (std::size_t k = 0; k < T; ++k) {
        out.removal.reach_prob[k] += g.weight * r.removal.reach_prob[k];
        for (std::size_t c = 0; c < out.removal.kind_prob[k].size(); ++c)
          out.removal.kind_prob[k][c] += g.weight * r.removal.kind_prob[k][c];
        out.removal.value[k] += g.weight * r.removal.value[k];
      }
  }
  out.w.steps_variance = std::max(0.0, out.w.steps_second_moment - out.w.steps * out.w.steps);
  if (!out.removal.reach_prob.empty()) fill_drops(out.removal, out.w.kind_prob, out.w.value);
  return out;
}

std::vector<SegmentResult> solve_segments(const CompiledModel& m, const AnalyzeOptions& opt, const Want& want) {
  const std::size_t S = m.segments.size();
  std::vector<SegmentResult> res;
  res.reserve(S);
  for (std::size_t s = 0; s < S; ++s) {
    std::size_t twin = 0;
    // Queue waits mix over the periods by each segment's walks: a twin needs the same.
    const auto waits = [&](std::size_t i) {
      return i < opt.queue_waits.size() ? opt.queue_waits[i] : std::vector<QueueWait>{};
    };
    while (twin < s && !(same_chain(m.segments[twin], m.segments[s]) && waits(twin) == waits(s))) ++twin;
    if (twin == s) {
      res.push_back(solve_segment_periods(m, s, opt, want));
      continue;
    }
    // The same I−Q, rewards and start: the same numbers. Only the notes name
    // the segment ("segment 'id': ...").
    SegmentResult r = res[twin];
    const std::string from = fmt::format("segment '{}': ", m.segments[twin].id);
    const std::string to = fmt::format("segment '{}': ", m.segments[s].id);
    for (auto& note : r.notes)
      if (note.rfind(from, 0) == 0) note = to + note.substr(from.size());
    res.push_back(std::move(r));
  }
  return res;
}

WalkExpectations mix_population(const CompiledModel& m, const AnalyzeOptions& opt,
                                const std::vector<SegmentResult>& res) {
  WalkExpectations p = empty_expectations(m);
  if (opt.recovery) {
    p.recovery = true;
    p.recovery_triggered = p.recovery_reached = p.recovery_succeeded = 0;
  }
  for (std::size_t s = 0; s < res.size(); ++s) {
    p.recovery_exact = p.recovery_exact && res[s].w.recovery_exact;
    add_scaled(p, m.segments[s].share, res[s].w);
  }
  p.steps_variance = std::max(0.0, p.steps_second_moment - p.steps * p.steps);
  return p;
}

}  // namespace detail

namespace {

using namespace detail;

void check_model(const CompiledModel& m) {
  if (m.segments.empty()) throw core::RuntimeError("analytics: the model has no segment");
  if (m.kinds.empty() || m.outcome_kind.size() != m.num_outcomes() + 1 ||
      m.outcome_value.size() != m.num_outcomes() + 1 || m.touchpoint_channel.size() != m.num_touchpoints())
    throw core::RuntimeError("analytics: inconsistent compiled model tables");
}

}  // namespace

using namespace detail;

std::size_t primary_kind(const CompiledModel& m) {
  for (std::size_t c = 0; c + 1 < m.kinds.size(); ++c)
    if (m.kind_direction_of(c) == model::kHigherBetter) return c;
  return 0;
}

WalkExpectations analyze_segment(const CompiledModel& m, std::size_t segment, const AnalyzeOptions& options) {
  check_model(m);
  if (segment >= m.segments.size()) throw core::RuntimeError("analytics: segment index out of range");
  return solve_segment_periods(m, segment, options, Want{}).w;
}

JourneyAnalytics analyze(const CompiledModel& m, const AnalyzeOptions& options) {
  check_model(m);
  JourneyAnalytics a;
  const std::size_t T = m.num_touchpoints(), S = m.segments.size();
  Want want;
  want.sensitivities = options.sensitivities;
  want.removal_outcome = find_removal_outcome(m);
  a.removal_outcome = want.removal_outcome;
  if (want.removal_outcome < 0)
    a.removal_note =
        "the journey has no outcome of a bad kind (good: false): removal effects send the removed walks to a "
        "virtual 'removed' outcome that belongs to no kind";

  want.removal = options.removal;
  std::vector<SegmentResult> res = solve_segments(m, options, want);
  bool removal_done = options.removal;
  for (const auto& r : res)
    if (r.removal_skipped) removal_done = false;

  a.population = mix_population(m, options, res);
  for (std::size_t s = 0; s < S; ++s) {
    a.segments.push_back(res[s].w);
    a.reachable.push_back(res[s].reachable);
    a.solver.push_back(res[s].solver);
    for (auto& note : res[s].notes) a.notes.push_back(note);
  }
  a.run = run_expectations(m, a, options.periods, options.discount_rate);

  a.base_friction.assign(T, kNaN);
  for (std::size_t k = 0; k < T; ++k)
    for (std::size_t s = 0; s < S; ++s)
      if (!overridden(options, s, k)) {
        a.base_friction[k] = m.segments[s].tp[k].friction;
        break;
      }

  if (options.sensitivities) {
    a.has_sensitivity = true;
    a.population_sensitivity = empty_sensitivity(m);
    for (std::size_t s = 0; s < S; ++s) {
      for (std::size_t k = 0; k < T; ++k)
        if (!overridden(options, s, k)) add_scaled_row(a.population_sensitivity, k, m.segments[s].share, res[s].sens);
      a.segment_sensitivity.push_back(std::move(res[s].sens));
    }
  }

  if (removal_done) {
    a.has_removal = true;
    a.population_removal = empty_removal(m);
    auto& P = a.population_removal;
    for (std::size_t s = 0; s < S; ++s) {
      const double wgt = m.segments[s].share;
      const auto& R = res[s].removal;
      for (std::size_t k = 0; k < T; ++k) {
        P.reach_prob[k] += wgt * R.reach_prob[k];
        for (std::size_t c = 0; c < P.kind_prob[k].size(); ++c) P.kind_prob[k][c] += wgt * R.kind_prob[k][c];
        P.value[k] += wgt * R.value[k];
      }
      a.segment_removal.push_back(R);
    }
    fill_drops(P, a.population.kind_prob, a.population.value);
  }
  return a;
}

}  // namespace cxsim::analytics
