#include "cxsim/model/compiled_model.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "cxsim/core/diagnostics.h"
#include "cxsim/core/errors.h"
#include "cxsim/model/duration_family.h"
#include "cxsim/model/validate.h"

namespace cxsim::model {

namespace {

DurationSampler compile_duration(const DurationSpec& d) {
  DurationSampler s;
  s.kind = d.kind;
  s.mean = duration_mean(d);
  const SamplerParams p = duration_sampler_params(d);
  s.p1 = p.p1;
  s.p2 = p.p2;
  return s;
}

// Var(X)/E[X]² of a compiled duration (0 for a fixed or zero duration).
double duration_scv(const DurationSampler& d) {
  using K = DurationSpec::Kind;
  switch (d.kind) {
    case K::fixed: return 0.0;
    case K::exponential: return 1.0;
    case K::lognormal: return std::expm1(d.p2 * d.p2);
    case K::gamma: return d.p1 > 0 ? 1.0 / d.p1 : 0.0;
  }
  return 0.0;
}

}  // namespace

std::vector<double> cutpoints_from_baseline(const std::vector<double>& baseline) {
  std::vector<double> cut;
  double total = 0;
  for (double p : baseline) total += p;
  double F = 0;
  for (std::size_t c = 0; c + 1 < baseline.size(); ++c) {
    F += baseline[c] / total;
    if (F <= 0) cut.push_back(-std::numeric_limits<double>::infinity());
    else if (F >= 1 - 1e-15) cut.push_back(std::numeric_limits<double>::infinity());
    else cut.push_back(std::log(F / (1 - F)));
  }
  return cut;
}

int CompiledModel::direction_of_kind(std::string_view kind) const {
  for (std::size_t k = 0; k < kinds.size(); ++k)
    if (kinds[k] == kind) return kind_direction_of(k);
  return kNoDirection;
}

int CompiledModel::metric_direction(std::string_view metric) const {
  return model::metric_direction(metric, [this](std::string_view k) { return direction_of_kind(k); });
}

CompiledModel compile(const JourneySpec& spec) {
  {
    core::Diagnostics d;
    validate(spec, d);
    if (d.has_errors()) throw core::RuntimeError("internal: compile() called on an invalid journey:\n" + d.format());
  }
  CompiledModel m;
  m.name = spec.name;
  m.time_unit = spec.time_unit;
  m.max_steps = spec.max_steps;

  std::map<std::string, std::uint32_t> node;
  for (const auto& t : spec.touchpoints) {
    node[t.id] = static_cast<std::uint32_t>(m.touchpoint_ids.size());
    m.touchpoint_ids.push_back(t.id);
    m.touchpoint_stage.push_back(t.stage);
  }
  const auto T = static_cast<std::uint32_t>(spec.touchpoints.size());
  for (const auto& o : spec.outcomes) {
    node[o.id] = T + static_cast<std::uint32_t>(m.outcome_ids.size());
    m.outcome_ids.push_back(o.id);
    auto it = std::find(m.kinds.begin(), m.kinds.end(), o.kind);
    if (it == m.kinds.end()) {
      m.kinds.push_back(o.kind);
      it = m.kinds.end() - 1;
    }
    m.outcome_kind.push_back(static_cast<std::uint16_t>(it - m.kinds.begin()));
    m.outcome_value.push_back(o.value);
  }
  m.kinds.push_back("timeout");
  m.outcome_kind.push_back(static_cast<std::uint16_t>(m.kinds.size() - 1));
  m.outcome_value.push_back(0.0);
  for (const auto& k : m.kinds) m.kind_direction.push_back(spec.kind_direction(k));

  auto channel_index = [&](const std::string& ch) {
    auto it = std::find(m.channels.begin(), m.channels.end(), ch);
    if (it == m.channels.end()) {
      m.channels.push_back(ch);
      return static_cast<std::uint16_t>(m.channels.size() - 1);
    }
    return static_cast<std::uint16_t>(it - m.channels.begin());
  };
  for (const auto& t : spec.touchpoints) m.touchpoint_channel.push_back(channel_index(t.channel));

  // Identical maps are stored once (segments without overrides share them).
  std::map<TransitionMap, Categorical> cache;
  auto add_map = [&](const TransitionMap& tm) -> Categorical {
    auto it = cache.find(tm);
    if (it != cache.end()) return it->second;
    Categorical c{static_cast<std::uint32_t>(m.cum.size()), 0};
    double total = 0;
    for (const auto& e : tm) total += e.second;
    double acc = 0;
    for (const auto& [t, p] : tm) {
      if (p <= 0) continue;  // never drawn
      acc += p / total;
      m.cum.push_back(acc);
      m.prob.push_back(p / total);
      m.target.push_back(node.at(t));
      ++c.count;
    }
    m.cum.back() = 1.0;
    if (c.count <= 4) {
      std::array<double, 4> padded{2.0, 2.0, 2.0, 2.0};
      for (std::uint32_t k = 0; k + 1 < c.count; ++k) padded[k] = m.cum[c.offset + k];
      c.small = static_cast<std::uint32_t>(m.cum4.size());
      m.cum4.push_back(padded);
    }
    cache.emplace(tm, c);
    return c;
  };

  m.start = add_map(spec.start);
  double acc = 0;
  for (const auto& s : spec.segments) {
    acc += s.share;
    m.segment_cum_share.push_back(acc);
  }
  m.segment_cum_share.back() = 1.0;

  // Queues (capacity): one per touchpoint that declares it, in touchpoint order.
  std::vector<std::size_t> queue_index(spec.touchpoints.size(), 0);
  for (std::size_t k = 0; k < spec.touchpoints.size(); ++k) {
    const auto& cap = spec.touchpoints[k].capacity;
    if (!cap) continue;
    CompiledQueue q;
    q.touchpoint = static_cast<std::uint32_t>(k);
    q.servers = static_cast<int>(cap->servers);
    q.service = compile_duration(cap->service);
    q.service_scv = duration_scv(q.service);
    q.period_length = cap->period_length;
    q.path = spec.touchpoints[k].id + ".capacity";
    q.loc = spec.locations.find(q.path);
    queue_index[k] = m.queues.size();
    m.queues.push_back(std::move(q));
  }

  for (std::size_t si = 0; si < spec.segments.size(); ++si) {
    const auto& s = spec.segments[si];
    CompiledSegment cs;
    cs.id = s.id;
    cs.share = s.share;
    cs.s0_mean = s.satisfaction0_mean;
    cs.s0_sd = s.satisfaction0_sd;
    if (auto r = effective_retention(spec, si)) {
      cs.churns = true;
      cs.alpha = r->alpha;
      cs.beta = r->beta;
    }
    if (s.start) {
      cs.own_start = true;
      cs.start = add_map(*s.start);
    }
    if (s.engagement) {
      cs.engages = true;
      cs.engage_beta_drawn = !s.engagement->probability.has_value();
      cs.engage_p = s.engagement->probability.value_or(1.0);
      cs.engage_alpha = s.engagement->alpha;
      cs.engage_beta = s.engagement->beta;
    }
    for (std::size_t k = 0; k < spec.touchpoints.size(); ++k) {
      const TouchpointSpec t = effective_touchpoint(spec, si, k);
      CompiledTouchpoint c;
      c.friction = t.friction;
      c.sat_ok = t.satisfaction.ok;
      c.sat_fr = t.satisfaction.friction;
      c.eff_ok = t.effort.ok;
      c.eff_fr = t.effort.friction;
      c.cost = t.cost;
      c.dur_ok = compile_duration(t.duration.ok);
      c.dur_fr = compile_duration(t.duration.friction);
      c.next_ok = add_map(t.next.ok);
      c.next_fr = t.next.split ? add_map(t.next.friction) : c.next_ok;
      c.channel = m.touchpoint_channel[k];
      if (t.waiting) {
        c.has_waiting = true;
        c.wait_tolerance = t.waiting->tolerance;
        c.wait_per_unit = t.waiting->satisfaction_per_unit;
      }
      if (t.patience) {
        c.has_patience = true;
        c.patience = compile_duration(*t.patience);
      }
      if (t.capacity) c.queue = static_cast<std::int32_t>(queue_index[k]);
      cs.tp.push_back(c);
    }
    m.segments.push_back(std::move(cs));
  }

  m.switch_sat = spec.channel_switch.satisfaction;
  m.switch_eff = spec.channel_switch.effort;
  m.response_rate = spec.survey.response_rate;
  m.response_logit = m.response_rate >= 1.0 ? INFINITY : std::log(m.response_rate / (1.0 - m.response_rate));
  m.response_extremity = spec.survey.response_extremity;
  auto scale = [](const ScaleSpec& s, int min_score) {
    CompiledScale c;
    c.present = s.present;
    if (!s.present) return c;
    c.categories = s.scale;
    c.min_score = min_score;
    c.cut = cutpoints_from_baseline(s.baseline);
    c.cut_padded = c.cut;
    do c.cut_padded.push_back(std::numeric_limits<double>::infinity());
    while (c.cut_padded.size() % 4 != 0);
    c.slope = s.slope;
    return c;
  };
  m.nps = scale(spec.survey.nps, 0);
  m.csat = scale(spec.survey.csat, 1);
  m.ces = scale(spec.survey.ces, 1);
  if (spec.survey.cx_index.present) {
    const auto& cx = spec.survey.cx_index;
    const double total = cx.effectiveness + cx.ease + cx.emotion;
    m.cx.present = total > 0;
    if (m.cx.present) {
      m.cx.w_effectiveness = cx.effectiveness / total;
      m.cx.w_ease = m.ces.present ? cx.ease / total : 0.0;
      m.cx.w_emotion = cx.emotion / total;
      for (std::size_t k = 0; k < m.kinds.size(); ++k) m.cx.good.push_back(m.kind_direction_of(k) > 0 ? 1.0 : 0.0);
    }
  }
  m.sensitivity = spec.retention.sensitivity;
  m.carryover = spec.retention.carryover;
  return m;
}

}  // namespace cxsim::model
