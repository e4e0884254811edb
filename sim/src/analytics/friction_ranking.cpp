// Friction what-ifs: a model with one touchpoint's friction changed, its
// exact re-solve, and the friction ranking (first order from the
// sensitivities, exact from a re-solve). docs/methods/analytics.md.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "chain.h"
#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/core/errors.h"

namespace cxsim::analytics {

using detail::overridden;
using model::CompiledModel;

namespace {

// The population expectations of a changed model for the ranking, which
// compares kinds, satisfaction and value only: the same solve as
// with_friction but without the timeout propagation (max_steps products with
// Q per segment that the ranking never reads), segments with the same chain
// sharing one factorisation (detail::solve_segments).
WalkExpectations resolve_for_ranking(const CompiledModel& changed, const AnalyzeOptions& options) {
  AnalyzeOptions o = options;
  o.sensitivities = false;
  o.removal = false;
  o.timeout_work_limit = -1;
  return detail::mix_population(changed, o, detail::solve_segments(changed, o, detail::Want{}));
}

}  // namespace

std::vector<std::vector<bool>> friction_override_mask(const model::JourneySpec& spec) {
  std::vector<std::vector<bool>> mask(spec.segments.size(), std::vector<bool>(spec.touchpoints.size(), false));
  for (std::size_t s = 0; s < spec.segments.size(); ++s)
    for (const auto& [id, ov] : spec.segments[s].overrides) {
      if (!ov.friction) continue;
      for (std::size_t k = 0; k < spec.touchpoints.size(); ++k)
        if (spec.touchpoints[k].id == id) mask[s][k] = true;
    }
  return mask;
}

CompiledModel with_friction_model(const CompiledModel& m, std::size_t k, double new_f, const AnalyzeOptions& options) {
  if (k >= m.num_touchpoints()) throw core::RuntimeError("analytics: touchpoint index out of range");
  if (!(new_f >= 0 && new_f <= 1))
    throw core::InputError(fmt::format("friction of '{}' must be in [0,1], got {}", m.touchpoint_ids[k], new_f));
  CompiledModel c = m;
  for (std::size_t s = 0; s < c.segments.size(); ++s)
    if (!overridden(options, s, k)) c.segments[s].tp[k].friction = new_f;
  return c;
}

WalkExpectations with_friction(const CompiledModel& m, std::size_t k, double new_f, const AnalyzeOptions& options) {
  AnalyzeOptions o = options;
  o.sensitivities = false;
  o.removal = false;
  return analyze(with_friction_model(m, k, new_f, options), o).population;
}

std::string unranked_touchpoint_note(const std::string& touchpoint, std::size_t segments) {
  return fmt::format(
      "touchpoint '{}' is not in the friction ranking: no customer reaches it where its friction is > 0 "
      "(unreachable from start{})",
      touchpoint, segments > 1 ? " for every segment with friction there" : "");
}

std::vector<FrictionRankRow> friction_ranking(const CompiledModel& m, const JourneyAnalytics& a, double reduction,
                                              const AnalyzeOptions& options, std::vector<std::string>* notes) {
  if (!(reduction >= 0 && reduction <= 1))
    throw core::InputError(fmt::format("friction reduction must be in [0,1], got {}", reduction));
  if (!a.has_sensitivity) throw core::RuntimeError("analytics: friction_ranking needs the sensitivities");
  std::vector<FrictionRankRow> rows;
  const std::size_t K = m.num_kinds(), S = m.segments.size();
  for (std::size_t k = 0; k < m.num_touchpoints(); ++k) {
    // The friction each segment's customers meet here (its override, else the
    // base), as `cxsim run`'s ranking reads it (app/run_plan.cpp).
    bool positive = false, reached = false, same = true;
    double weighted = 0;
    const double first = m.segments[0].tp[k].friction;
    for (std::size_t s = 0; s < S; ++s) {
      const double f = m.segments[s].tp[k].friction;
      positive = positive || f > 0;
      reached = reached || (f > 0 && s < a.reachable.size() && a.reachable[s][k]);
      same = same && f == first;
      weighted += m.segments[s].share * f;
    }
    if (!positive) continue;
    if (!reached) {
      if (notes) notes->push_back(unranked_touchpoint_note(m.touchpoint_ids[k], S));
      continue;
    }
    // Every customer's friction cut: the base and every segment's override.
    CompiledModel changed = m;
    for (auto& seg : changed.segments) seg.tp[k].friction = seg.tp[k].friction * (1 - reduction);
    FrictionRankRow r;
    r.touchpoint = k;
    r.friction = same ? first : weighted;
    r.new_friction = r.friction * (1 - reduction);
    // First order: each segment's derivative times its own change; the
    // segments that follow the base friction through the population
    // sensitivity (their share-weighted sum), the overriding ones one by one.
    auto first_order = [&](auto&& of) {
      double acc = 0;
      bool base_done = false, any = false;
      for (std::size_t s = 0; s < S; ++s) {
        const double df = changed.segments[s].tp[k].friction - m.segments[s].tp[k].friction;
        const bool own = overridden(options, s, k);
        if (!own && base_done) continue;
        const double term =
            own ? m.segments[s].share * df * of(a.segment_sensitivity[s]) : df * of(a.population_sensitivity);
        acc = any ? acc + term : term;
        any = true;
        if (!own) base_done = true;
      }
      return acc;
    };
    const WalkExpectations ex = resolve_for_ranking(changed, options);
    r.kind_delta_first_order.resize(K);
    r.kind_delta_exact.resize(K);
    for (std::size_t c = 0; c < K; ++c) {
      r.kind_delta_first_order[c] = first_order([&](const Sensitivity& x) { return x.kind_prob[k][c]; });
      r.kind_delta_exact[c] = ex.kind_prob[c] - a.population.kind_prob[c];
    }
    r.satisfaction_delta_first_order = first_order([&](const Sensitivity& x) { return x.satisfaction_change[k]; });
    r.satisfaction_delta_exact = ex.satisfaction_change - a.population.satisfaction_change;
    r.value_delta_first_order = first_order([&](const Sensitivity& x) { return x.value[k]; });
    r.value_delta_exact = ex.value - a.population.value;
    rows.push_back(std::move(r));
  }
  const std::size_t pk = primary_kind(m);
  std::stable_sort(rows.begin(), rows.end(), [pk](const FrictionRankRow& x, const FrictionRankRow& y) {
    return x.kind_delta_exact[pk] > y.kind_delta_exact[pk];
  });
  return rows;
}

}  // namespace cxsim::analytics
