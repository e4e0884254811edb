#pragma once
// Internals of the exact analytics (not installed; sim/src/analytics only):
// one segment's absorbing chain and the pieces that solve it. The public API
// is cxsim/analytics/absorbing_chain.h; the maths is docs/methods/analytics.md.
//
//   chain.cpp           chain construction: folded rows, reachability and traps (model::Digraph)
//   linear_solver.cpp   I−Q: dense LU, sparse LU, BiCGSTAB
//   expectations.cpp    per-walk expectations, timeout probability, recovery trigger, run of P periods
//   sensitivities.cpp   d/df of every touchpoint's friction
//   removal.cpp         removal effects (Markov attribution)
//   absorbing_chain.cpp solve_segment and analyze(): one factorisation of I−Q per segment serves all of the above
//   friction_ranking.cpp with_friction, friction_ranking
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/analytics/waiting.h"
#include "cxsim/model/compiled_model.h"

namespace cxsim::analytics::detail {

using model::Categorical;
using model::CompiledModel;
using model::CompiledTouchpoint;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Edge {
  std::uint32_t node;  // a node index (touchpoint or outcome) or a local index, by context
  double p;
};

// One segment's chain restricted to its transient set S (local indices).
struct Chain {
  std::size_t T = 0, O = 0, n = 0;
  std::vector<int> local;            // [T] local index or -1 when not in S
  std::vector<std::size_t> tp;       // [n] touchpoint of a local index
  std::vector<std::vector<Edge>> q;  // [n] (local target, P) touchpoint -> touchpoint
  std::vector<std::vector<Edge>> r;  // [n] (outcome index, P) touchpoint -> outcome
  std::vector<double> pi;            // [n] start distribution
  std::vector<double> direct;        // [O] start mass put straight on an outcome (hand-built models)
  std::vector<bool> reachable;       // [T] S as a mask
  bool full = true;                  // S holds everything reachable through either branch
  // A targeted recovery program's two-layer chain (recovery.cpp): per local
  // index, P(the visit fires the trigger); empty for every other chain.
  std::vector<double> fire;
};

template <class F>
void for_each_entry(const CompiledModel& m, Categorical c, F&& f) {
  for (std::uint32_t i = c.offset; i < c.offset + c.count; ++i) f(m.target[i], m.prob[i]);
}

inline bool split(const CompiledTouchpoint& t) {
  return t.next_fr.offset != t.next_ok.offset || t.next_fr.count != t.next_ok.count;
}

// P(k -> node) with the ok/friction draw folded in, merged by node; `wait`
// the queue's wait before the visit (queue_wait_at), which with patience
// changes keep (waiting.h, visit_keep).
std::vector<Edge> folded_row(const CompiledModel& m, const CompiledTouchpoint& t, const QueueWait* wait);
// d/df of the folded row: P_fr − P_ok (times keep with patience), merged by
// node (empty when not split).
std::vector<Edge> delta_row(const CompiledModel& m, const CompiledTouchpoint& t, const QueueWait* wait);

// The chain of segment s: its transient set, Q, R and the start distribution.
// Throws core::RuntimeError on a trap reachable from start.
// `extra_source` (a touchpoint, e.g. a recovery's reroute) is kept in the
// transient set as if start could reach it (with start probability 0).
Chain build_chain(const CompiledModel& m, std::size_t s, const AnalyzeOptions& opt,
                  std::uint32_t extra_source = 0xffffffffu);

// recovery.cpp: a trigger that is a function of one visit (at, wait_above,
// outcome_kind), and the two-layer chain (before / after the trigger) that
// makes such a program exact, reroute included.
bool targeted_recovery(const engine::RecoveryProgram& p);
Chain recovery_chain(const CompiledModel& m, std::size_t s, const AnalyzeOptions& opt, const Chain& c,
                     const engine::RecoveryProgram& p);

enum class SolverKind { dense, sparse, iterative };
class LinearSolver;  // linear_solver.h

struct SegmentResult {
  WalkExpectations w;
  Sensitivity sens;
  RemovalEffect removal;
  std::vector<bool> reachable;
  std::string solver;
  std::vector<std::string> notes;
  bool removal_skipped = false;
};

struct Want {
  bool sensitivities = false;
  bool removal = false;
  int removal_outcome = -1;
};

// Columns of the right-hand sides solved with N = (I−Q)^-1 after the O
// columns of R: h = N·[R, 1, rewards].
enum Col { c_one = 0, c_sat, c_eff, c_time, c_cost, c_fr, c_sw, c_count };

// What expectations leave for sensitivities and removal effects.
struct Solved {
  Eigen::VectorXd pi;  // start distribution (local index)
  Eigen::VectorXd v;   // expected visits π N
  Eigen::MatrixXd h;   // N·[R, 1, rewards] (Col)
};

// expectations.cpp
WalkExpectations empty_expectations(const CompiledModel& m);
void add_scaled(WalkExpectations& acc, double a, const WalkExpectations& x);
double timeout_probability(const Chain& c, int max_steps, double work_limit, bool& skipped);
double frictions_trigger_probability(const CompiledModel& m, const AnalyzeOptions& opt, const Chain& c, std::size_t s,
                                     double threshold, SolverKind kind, std::size_t max_levels, bool& skipped);
// Fills res.w (and its notes) from the factorised I−Q.
Solved segment_expectations(const CompiledModel& m, std::size_t s, const AnalyzeOptions& opt, const Chain& c,
                            SolverKind kind, LinearSolver& lu, SegmentResult& res);
RunExpectations run_expectations(const CompiledModel& m, const JourneyAnalytics& a, int periods, double discount);

// sensitivities.cpp
Sensitivity empty_sensitivity(const CompiledModel& m);
void add_scaled_row(Sensitivity& acc, std::size_t k, double a, const Sensitivity& x);
// Fills res.sens from the visits and h of segment_expectations.
void segment_sensitivities(const CompiledModel& m, std::size_t s, const AnalyzeOptions& opt, const Chain& c,
                           const Solved& x, SegmentResult& res);

// removal.cpp
RemovalEffect empty_removal(const CompiledModel& m);
void fill_drops(RemovalEffect& r, const std::vector<double>& kind_prob, double value);
int find_removal_outcome(const CompiledModel& m);
// Fills res.removal (or skips it with a note) with the same factorisation.
void segment_removal(const CompiledModel& m, std::size_t s, const AnalyzeOptions& opt, const Want& want, const Chain& c,
                     bool dense, LinearSolver& lu, const Solved& x, SegmentResult& res);

// absorbing_chain.cpp
SegmentResult solve_segment(const CompiledModel& m, std::size_t s, const AnalyzeOptions& opt, const Want& want);
// solve_segment, or with a queue at a touchpoint with patience the mixture
// over the periods of the chains with each period's wait.
SegmentResult solve_segment_periods(const CompiledModel& m, std::size_t s, const AnalyzeOptions& opt, const Want& want);
// True when two segments have the same chain (every touchpoint parameter the
// analytics read): the same I−Q, so one factorisation serves both.
bool same_chain(const model::CompiledSegment& a, const model::CompiledSegment& b);
// solve_segment for every segment; a segment with the same chain as an
// earlier one shares its result (and so its factorisation) instead of a
// second solve.
std::vector<SegmentResult> solve_segments(const CompiledModel& m, const AnalyzeOptions& opt, const Want& want);
// The share-weighted mix of the segments' walk expectations.
WalkExpectations mix_population(const CompiledModel& m, const AnalyzeOptions& opt,
                                const std::vector<SegmentResult>& res);
// The queue wait before a visit to touchpoint k of segment s
// (AnalyzeOptions::queue_waits), or null: no queue there.
inline const QueueWait* queue_wait_at(const AnalyzeOptions& opt, std::size_t s, std::size_t k) {
  if (s >= opt.queue_waits.size()) return nullptr;
  for (const auto& q : opt.queue_waits[s])
    if (q.touchpoint == k) return &q;
  return nullptr;
}
inline bool overridden(const AnalyzeOptions& opt, std::size_t s, std::size_t k) {
  return s < opt.friction_overridden.size() && k < opt.friction_overridden[s].size() && opt.friction_overridden[s][k];
}

}  // namespace cxsim::analytics::detail
