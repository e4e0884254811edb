#pragma once
// Exact journey analytics (docs/model.md section 8; docs/methods/analytics.md).
//
// Within one period the walk of a segment is an absorbing Markov chain over
// its touchpoints once the ok/friction draw is folded in:
//     P(j|k) = (1−f_k)·P_ok(k→j) + f_k·P_fr(k→j).
// With Q (touchpoint→touchpoint), R (touchpoint→outcome) and the fundamental
// matrix N = (I−Q)^-1 this gives exact per-walk expectations, the removal
// effect of each touchpoint (Markov attribution) and exact derivatives with
// respect to each touchpoint's friction.
//
// The engine's `max_steps` truncation (walks longer than max_steps end in
// `timeout`) is NOT part of these expectations: they describe the untruncated
// chain, so kind_prob of `timeout` is 0. The exact probability that a walk
// needs more than max_steps visits, i.e. the engine's timeout probability, is
// reported separately as WalkExpectations::timeout_prob.
#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "cxsim/analytics/waiting.h"
#include "cxsim/engine/variant.h"  // RecoveryProgram (a plain struct; no link dependency)
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_spec.h"

namespace cxsim::analytics {

// Exact expectations of one walk (one period), for one segment or for the
// population mix. Vectors are indexed like the compiled model: touchpoints
// 0..T-1, outcomes 0..O-1 (timeout excluded), kinds 0..K-1 (the last kind is
// timeout, always 0 here), channels 0..C-1.
struct WalkExpectations {
  std::vector<double> outcome_prob;             // [O] P(walk ends in outcome o)
  std::vector<double> kind_prob;                // [K] P(outcome kind c); timeout = 0
  std::vector<double> visits;                   // [T] expected visits per touchpoint
  std::vector<double> friction_visits;          // [T] expected friction visits
  std::vector<double> channel_visits;           // [C] expected visits per channel
  std::vector<double> switches_into;            // [C] expected channel switches into channel c
  std::vector<std::vector<double>> exit_share;  // [T][K] P(last touchpoint = k and kind = c)
  double satisfaction_change = 0;               // E[sum of satisfaction deltas, switch terms included]
  double effort = 0;                            // E[effort], switch terms included
  double time = 0;                              // E[time] (duration means), in the journey's time unit
  double cost = 0;                              // E[cost to the company]
  double frictions = 0;                         // E[friction visits]
  double switches = 0;                          // E[channel switches]
  double steps = 0;                             // E[visits]
  double steps_variance = 0;                    // Var[visits]
  double value = 0;                             // E[outcome value] = Σ outcome_prob·outcome_value
  // [K] E[T · 1{kind c}]: journey time of the walks ending in kind c (mixes
  // linearly); time to resolution E[T | kind c] = kind_time[c] / kind_prob[c]
  // (time_to_resolution). docs/methods/analytics.md, "Time to resolution".
  std::vector<double> kind_time;
  // Extras (not engine metrics):
  double steps_second_moment = 0;  // E[visits²] (what mixes linearly over segments)
  double timeout_prob = 0;         // P(visits > max_steps): the engine's timeout probability (NaN if not computed)

  // Recovery program (AnalyzeOptions::recovery; docs/methods/analytics.md,
  // "Recovery programs"). With a `frictions_at_least` trigger the trigger
  // probability is exact (a chain over (touchpoint, frictions so far)) and
  // satisfaction_change and cost include the program. A `satisfaction_below`
  // trigger depends on the customer's satisfaction S (its random start S0 and,
  // after period 1, the carried-over experience), which the chain does not
  // track: recovery_exact is false and satisfaction_change, cost and the
  // recovery_* probabilities are NaN (not exact), never the values without the
  // program.
  bool recovery = false;
  bool recovery_exact = true;
  double recovery_triggered = std::numeric_limits<double>::quiet_NaN();  // P(the walk meets the trigger)
  double recovery_reached = std::numeric_limits<double>::quiet_NaN();    // = reach · triggered
  double recovery_succeeded = std::numeric_limits<double>::quiet_NaN();  // = reach · success · triggered
};

// E[T | the walk ends in kind c]; NaN when kind_prob[c] is 0 (timeout, or a
// kind no walk reaches).
inline double time_to_resolution(const WalkExpectations& w, std::size_t c) {
  return c < w.kind_prob.size() && w.kind_prob[c] > 0 ? w.kind_time[c] / w.kind_prob[c]
                                                      : std::numeric_limits<double>::quiet_NaN();
}

// Exact expectations of a run of P periods (docs/model.md section 4) beside the
// one-walk expectations. Customer i walks in period t (t = 0..P−1) when alive
// after t periods; with retention.sensitivity = 0 (or a segment without
// retention) that is the sBG survival S_s(t) = B(α, β+t)/B(α, β), which does
// not depend on the walks. Every walk of a segment has the same exact
// expectations whatever the period (the walk does not depend on S), so the
// Monte Carlo per-walk metrics, which pool every walk of every period,
// estimate the mix of the segments weighted by share_s · E[walks_s], not by
// share_s: `pooled`. docs/methods/analytics.md, "Comparing with Monte Carlo".
struct RunExpectations {
  int periods = 1;
  double discount_rate = 0;
  std::vector<double> walks;             // [segment] E[walks per customer]; NaN when not exact
  std::vector<double> discounted_walks;  // [segment] E[Σ_t alive_t·(1+d)^−t]; NaN when not exact
  std::vector<double> alive_final;       // [segment] P(alive after P periods); NaN when not exact
  // True when `pooled` is exact: every segment of positive share has exact
  // walks, or only one segment has a positive share (then the weights do not
  // matter).
  bool pooled_exact = false;
  WalkExpectations pooled;  // the walk-weighted mix (equals the population mix when P = 1)
  double walks_per_customer = 0, retention_final = 0, clv_mean = 0, cost_mean = 0;  // per customer; NaN: not exact
};

// Exact derivatives with respect to the friction f_k of each touchpoint k
// (rows are touchpoints). For a segment: d/df_k of that segment's walk, f_k
// being that segment's friction of k. For the population: d/df_k of the
// share-weighted mix when the *base* friction of k moves; segments that
// override the friction of k keep theirs and contribute nothing.
struct Sensitivity {
  std::vector<std::vector<double>> outcome_prob;  // [T][O]
  std::vector<std::vector<double>> kind_prob;     // [T][K] (timeout column 0)
  std::vector<double> satisfaction_change, effort, time, cost, frictions, switches, steps, value;  // [T]
};

// Removal effect (Markov attribution, Anderl et al. 2016): the walks that
// would enter touchpoint k end instead in the removal outcome (the first
// outcome of a bad kind, model::kLowerBetter, preferring kind "abandoned";
// without one, a virtual "removed" outcome that belongs to no kind). For each
// kind c: (P_c − P_c^{−k}) / P_c (NaN when P_c = 0). Negative for the kind
// that absorbs the removed walks.
struct RemovalEffect {
  std::vector<double> reach_prob;                  // [T] P(walk visits k at least once)
  std::vector<std::vector<double>> kind_prob;      // [T][K] P_c^{−k}
  std::vector<std::vector<double>> relative_drop;  // [T][K] (P_c − P_c^{−k}) / P_c
  std::vector<double> value;                       // [T] E[value] with k removed
  std::vector<double> value_relative_drop;         // [T]
};

struct AnalyzeOptions {
  enum class Solver { automatic, dense, sparse, iterative };
  // automatic: dense LU (Eigen::PartialPivLU) up to dense_limit transient
  // states, sparse LU (Eigen::SparseLU) above. iterative: BiCGSTAB with a
  // diagonal preconditioner (relative residual <= 1e-11, else it falls back
  // to sparse LU); much faster than sparse LU on large graphs whose LU
  // fills in (random, non-local transitions).
  Solver solver = Solver::automatic;
  std::size_t dense_limit = 300;
  bool sensitivities = true;
  // Removal effects need one extra solve per touchpoint with the sparse
  // solver (diag of N); they are skipped (with a note) above removal_limit
  // transient states on the sparse path.
  bool removal = true;
  std::size_t removal_limit = 20000;
  // A frictions_at_least recovery trigger needs one solve per friction visit
  // up to the threshold; above this many it is not computed (NaN, a note).
  std::size_t recovery_max_levels = 1000;
  // Timeout probability P(visits > max_steps) by propagating the start
  // distribution max_steps times; skipped (NaN, with a note) when that would
  // cost more than this many multiply-adds per segment.
  double timeout_work_limit = 5e8;
  // [segment][touchpoint]: true when the segment overrides the friction of
  // the touchpoint (see friction_override_mask). Empty: no overrides, every
  // segment follows the base friction.
  std::vector<std::vector<bool>> friction_overridden;
  // A variant's recovery program, when it has one (see WalkExpectations).
  std::optional<engine::RecoveryProgram> recovery;
  // The run the analytics stand beside (JourneyAnalytics::run): periods P >= 1
  // and the discount rate d of CLV and cost.
  int periods = 1;
  double discount_rate = 0;
  // Queue waits (docs/methods/queues.md, "In the exact analytics"):
  // [segment] the wait before each visit to each queue of the model, mixed
  // over the run's periods by the segment's walks (engine::analytics_queue_waits
  // builds it from the solved queues). Time and waiting penalties include it,
  // except at a queue whose touchpoint has patience (a note says so). Empty:
  // no waits (the journey as if its queues never made anyone wait).
  std::vector<std::vector<QueueWait>> queue_waits;
};

struct JourneyAnalytics {
  std::vector<WalkExpectations> segments;  // per CompiledModel::segments
  WalkExpectations population;             // share-weighted mix

  bool has_sensitivity = false;
  std::vector<Sensitivity> segment_sensitivity;
  Sensitivity population_sensitivity;
  std::vector<double> base_friction;  // [T] the base friction (NaN when every segment overrides it)

  bool has_removal = false;
  std::vector<RemovalEffect> segment_removal;
  RemovalEffect population_removal;
  int removal_outcome = -1;  // outcome index absorbing removed walks; -1: virtual "removed"
  std::string removal_note;  // non-empty when there is no outcome of a bad kind

  std::vector<std::vector<bool>> reachable;  // [segment][T] reachable from start (either branch)
  std::vector<std::string> solver;           // per segment: "dense", "sparse" or "iterative"
  std::vector<std::string> notes;            // anything the reader should know

  RunExpectations run;  // over AnalyzeOptions::periods
};

// Everything above. Throws core::RuntimeError when a segment's chain has a
// trap (touchpoints reachable from start that cannot reach any outcome: I−Q
// singular), naming the touchpoints.
JourneyAnalytics analyze(const model::CompiledModel& m, const AnalyzeOptions& options = {});

// Only the walk expectations of one segment (no sensitivities, no removal).
WalkExpectations analyze_segment(const model::CompiledModel& m, std::size_t segment,
                                 const AnalyzeOptions& options = {});

// [segment][touchpoint] friction-override flags of a spec, for AnalyzeOptions.
std::vector<std::vector<bool>> friction_override_mask(const model::JourneySpec& spec);

// A copy of `m` with the friction of touchpoint k set to new_f in every
// segment that follows the base friction (options.friction_overridden).
model::CompiledModel with_friction_model(const model::CompiledModel& m, std::size_t k, double new_f,
                                         const AnalyzeOptions& options = {});
// Exact population expectations after that change (a re-solve).
WalkExpectations with_friction(const model::CompiledModel& m, std::size_t k, double new_f,
                               const AnalyzeOptions& options = {});

// Friction ranking: for each touchpoint where some customer meets a friction
// > 0, the change of the population expectations when the friction every
// customer meets there (the base and every segment's override) is reduced by
// `reduction` (f -> f·(1−reduction)), first-order (from the sensitivities)
// and exact (a re-solve). A touchpoint no customer reaches where its friction
// is > 0 is left out, with a note in `notes` (when given). Sorted by the
// exact change of the primary kind's probability, largest gain first. `a`
// must be analyze(m, options).
struct FrictionRankRow {
  std::size_t touchpoint = 0;
  // The friction customers meet: the segments' common value, or their
  // share-weighted mean when segments differ; new_friction = friction·(1−reduction).
  double friction = 0, new_friction = 0;
  std::vector<double> kind_delta_first_order, kind_delta_exact;  // [K]
  double satisfaction_delta_first_order = 0, satisfaction_delta_exact = 0;
  double value_delta_first_order = 0, value_delta_exact = 0;
};
std::vector<FrictionRankRow> friction_ranking(const model::CompiledModel& m, const JourneyAnalytics& a,
                                              double reduction, const AnalyzeOptions& options = {},
                                              std::vector<std::string>* notes = nullptr);

// The note for a touchpoint left out of a friction ranking (no customer
// reaches it where its friction is > 0); one wording for `cxsim analyze`
// (friction_ranking) and `cxsim run` (app::plan's ranking).
std::string unranked_touchpoint_note(const std::string& touchpoint, std::size_t segments);

// The kind used for "conversion" in rankings: the first good kind
// (model::kHigherBetter), else the first kind.
std::size_t primary_kind(const model::CompiledModel& m);

}  // namespace cxsim::analytics
