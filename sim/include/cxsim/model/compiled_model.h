#pragma once
// The compiled model: flat, index-based tables the engine and the analytics
// read. Built once from a valid JourneySpec; immutable afterwards.
//
// Node numbering: touchpoint t is 0..T-1, outcome o is T+o, and the reserved
// outcome `timeout` is T+O. Outcome kinds are numbered in order of first
// appearance; kind `timeout` is always the last kind.
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "cxsim/model/journey_spec.h"

namespace cxsim::model {

// A categorical distribution stored in CompiledModel::cum/prob/target at
// [offset, offset+count).
struct Categorical {
  static constexpr std::uint32_t kNotSmall = 0xffffffffu;
  std::uint32_t offset = 0;
  std::uint32_t count = 0;
  // count <= 4: index into CompiledModel::cum4 (the same cumulative
  // probabilities padded to four, for a branch-free draw); else kNotSmall.
  std::uint32_t small = kNotSmall;
};

struct DurationSampler {
  DurationSpec::Kind kind = DurationSpec::Kind::fixed;
  double p1 = 0.0;    // fixed: value; exponential: mean; lognormal: mu; gamma: shape
  double p2 = 0.0;    // lognormal: sigma; gamma: scale
  double mean = 0.0;  // exact mean, for analytics
};

// One touchpoint as one segment sees it.
struct CompiledTouchpoint {
  double friction = 0.0;
  double sat_ok = 0.0, sat_fr = 0.0;
  double eff_ok = 0.0, eff_fr = 0.0;
  double cost = 0.0;
  DurationSampler dur_ok, dur_fr;
  Categorical next_ok, next_fr;  // next_fr == next_ok when the file has one map
  std::uint16_t channel = 0;
  // Time hurts / patience (MODEL.md section 11; docs/methods/engine.md): after
  // a visit of duration d, S += wait_per_unit·max(0, d − wait_tolerance); with
  // patience a visit whose duration D exceeds a patience draw A is a friction
  // visit that lasts A. False flags: nothing is drawn or added.
  bool has_waiting = false;
  bool has_patience = false;
  // Capacity (MODEL.md section 11): index into CompiledModel::queues, or -1
  // (no queue: no wait is drawn). The same for every segment. (Placed here,
  // in the padding before the doubles: the struct does not grow.)
  std::int32_t queue = -1;
  double wait_tolerance = 0.0, wait_per_unit = 0.0;
  DurationSampler patience;
};

// A touchpoint with `capacity` (docs/methods/queues.md): c servers with the
// given service time, its load offered over period_length time units.
struct CompiledQueue {
  std::uint32_t touchpoint = 0;
  int servers = 1;
  DurationSampler service;
  double service_scv = 1.0;  // squared coefficient of variation of the service time
  double period_length = 1.0;
  core::SourceLoc loc;  // where `capacity` is written (utilisation errors point here)
  std::string path;     // its key path, "<id>.capacity"
};

struct CompiledSegment {
  std::string id;
  double share = 1.0;
  double s0_mean = 0.0, s0_sd = 0.0;
  bool churns = false;
  double alpha = 0.0, beta = 0.0;
  // Engagement (journey frequency): without it every active customer walks
  // every period. With it p_i = engage_p, or p_i ~ Beta(engage_alpha,
  // engage_beta) when engage_beta_drawn.
  bool engages = false;
  bool engage_beta_drawn = false;
  double engage_p = 1.0, engage_alpha = 0.0, engage_beta = 0.0;
  // E[p_i]: 1 without engagement.
  double engage_mean() const {
    if (!engages) return 1.0;
    return engage_beta_drawn ? engage_alpha / (engage_alpha + engage_beta) : engage_p;
  }
  std::vector<CompiledTouchpoint> tp;  // indexed by touchpoint
  // The segment's own entry mix (`overrides: {start: ...}`) when own_start;
  // else the walk starts from CompiledModel::start.
  bool own_start = false;
  Categorical start;
  const Categorical& entry(const Categorical& model_start) const { return own_start ? start : model_start; }
};

// An ordered-logit survey scale: P(score index <= c | S) = σ(cut[c] − slope·x).
struct CompiledScale {
  bool present = false;
  int categories = 0;       // 11 for NPS (scores 0..10)
  int min_score = 0;        // 0 for NPS, 1 for CSAT and CES
  std::vector<double> cut;  // categories-1 cut-points (±inf for empty categories)
  // cut followed by +inf up to a multiple of 4 (at least one +inf): the
  // engine's branch-free sampler reads this (rng::ordered_logit_padded).
  std::vector<double> cut_padded;
  double slope = 1.0;
};

struct CompiledModel {
  std::string name;
  std::string time_unit;
  int max_steps = 1000;

  std::vector<std::string> touchpoint_ids;
  std::vector<std::string> touchpoint_stage;
  std::vector<std::uint16_t> touchpoint_channel;
  std::vector<std::string> outcome_ids;     // without timeout
  std::vector<std::uint16_t> outcome_kind;  // kind index per outcome, plus timeout's at the end
  std::vector<double> outcome_value;        // per outcome, plus 0 for timeout
  std::vector<std::string> kinds;           // kind names; last is "timeout"
  std::vector<int> kind_direction;          // per kind: JourneySpec::kind_direction (timeout: -1)
  std::vector<std::string> channels;

  // Flat categorical tables.
  std::vector<double> cum;            // cumulative probabilities (last of each block exactly 1)
  std::vector<double> prob;           // the probabilities themselves
  std::vector<std::uint32_t> target;  // node index
  // Per small categorical (count <= 4): cum[offset..offset+count-1) then 2.0
  // (never reached by a uniform) up to four values; see rng::categorical4.
  std::vector<std::array<double, 4>> cum4;

  Categorical start;
  std::vector<double> segment_cum_share;  // last exactly 1
  std::vector<CompiledSegment> segments;
  std::vector<CompiledQueue> queues;  // in touchpoint order; empty: no queue

  double switch_sat = 0.0, switch_eff = 0.0;

  double response_rate = 1.0, response_extremity = 0.0;
  double response_logit = INFINITY;  // logit(response_rate), +inf at rate 1 (the engine's threshold)
  CompiledScale nps, csat, ces;
  // survey.cx_index: per walk 100 × (w_eff·[good kind] + w_ease·ease +
  // w_emo·emotion) with the weights normalised to sum 1; ease = (CES − 1) /
  // (CES scale − 1), emotion = (CSAT − 1) / (CSAT scale − 1), or NPS / 10
  // without CSAT. cx_good[k]: 1 for a kind whose direction is good.
  struct CxIndex {
    bool present = false;
    double w_effectiveness = 0, w_ease = 0, w_emotion = 0;
    std::vector<double> good;  // per kind
  } cx;

  double sensitivity = 0.0, carryover = 0.5;

  std::size_t num_touchpoints() const { return touchpoint_ids.size(); }
  std::size_t num_outcomes() const { return outcome_ids.size(); }
  std::uint32_t timeout_node() const { return static_cast<std::uint32_t>(num_touchpoints() + num_outcomes()); }
  std::size_t num_kinds() const { return kinds.size(); }
  std::uint16_t timeout_kind() const { return static_cast<std::uint16_t>(kinds.size() - 1); }
  // Direction of kind index k (kind_direction, or the default for the kind's
  // name in a model built by hand), of kind `kind` (0 for a name that is not
  // a kind of this model) and of a results metric (model::metric_direction
  // with these kinds).
  int kind_direction_of(std::size_t k) const {
    return k < kind_direction.size() ? kind_direction[k] : default_kind_direction(kinds[k]);
  }
  int direction_of_kind(std::string_view kind) const;
  int metric_direction(std::string_view metric) const;
  bool is_outcome(std::uint32_t node) const { return node >= num_touchpoints(); }
  // Outcome index (0..O, O = timeout) of an outcome node.
  std::uint32_t outcome_of(std::uint32_t node) const { return node - static_cast<std::uint32_t>(num_touchpoints()); }
};

// Compiles a spec that passed validate(); throws core::RuntimeError on an
// invalid one (a programming error: validate first).
CompiledModel compile(const JourneySpec& spec);

// Ordered-logit cut-points reproducing `baseline` at x = 0: cut[c] = logit(F_c).
std::vector<double> cutpoints_from_baseline(const std::vector<double>& baseline);

}  // namespace cxsim::model
