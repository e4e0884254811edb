// Exact journey analytics: the absorbing Markov chain of one period's walk.
// Formulas and their derivations: docs/methods/analytics.md.
#include "cxsim/analytics/absorbing_chain.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>
#include <utility>

#include <Eigen/Dense>
#include <Eigen/IterativeLinearSolvers>
#include <Eigen/Sparse>
#include <Eigen/SparseLU>
#include <fmt/format.h>

#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"
#include "cxsim/model/digraph.h"

namespace cxsim::analytics {

namespace {

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
};

template <class F>
void for_each_entry(const CompiledModel& m, Categorical c, F&& f) {
  for (std::uint32_t i = c.offset; i < c.offset + c.count; ++i) f(m.target[i], m.prob[i]);
}

bool split(const CompiledTouchpoint& t) {
  return t.next_fr.offset != t.next_ok.offset || t.next_fr.count != t.next_ok.count;
}

// P(k -> node) with the ok/friction draw folded in, merged by node.
std::vector<Edge> folded_row(const CompiledModel& m, const CompiledTouchpoint& t) {
  std::vector<Edge> row;
  auto add = [&row](std::uint32_t node, double p) {
    for (auto& e : row)
      if (e.node == node) {
        e.p += p;
        return;
      }
    row.push_back({node, p});
  };
  if (!split(t)) {
    for_each_entry(m, t.next_ok, add);
  } else {
    const double f = t.friction;
    for_each_entry(m, t.next_ok, [&](std::uint32_t n, double p) { add(n, (1 - f) * p); });
    for_each_entry(m, t.next_fr, [&](std::uint32_t n, double p) { add(n, f * p); });
  }
  return row;
}

// d/df of the folded row: P_fr − P_ok, merged by node (empty when not split).
std::vector<Edge> delta_row(const CompiledModel& m, const CompiledTouchpoint& t) {
  std::vector<Edge> row;
  if (!split(t)) return row;
  auto add = [&row](std::uint32_t node, double p) {
    for (auto& e : row)
      if (e.node == node) {
        e.p += p;
        return;
      }
    row.push_back({node, p});
  };
  for_each_entry(m, t.next_ok, [&](std::uint32_t n, double p) { add(n, -p); });
  for_each_entry(m, t.next_fr, [&](std::uint32_t n, double p) { add(n, p); });
  return row;
}

// Touchpoints reachable from start; `effective` follows only edges of positive
// probability, otherwise both branches' maps whatever the friction.
std::vector<bool> reach_from_start(const CompiledModel& m, const std::vector<std::vector<Edge>>& rows,
                                   const std::vector<std::vector<std::uint32_t>>& union_adj, bool effective) {
  const std::size_t T = m.num_touchpoints();
  model::Digraph g(T);
  for (std::size_t k = 0; k < T; ++k) {
    if (effective) {
      for (const auto& e : rows[k])
        if (e.p > 0 && e.node < T) g.add_edge(k, e.node);
    } else {
      for (auto n : union_adj[k])
        if (n < T) g.add_edge(k, n);
    }
  }
  std::vector<std::size_t> sources;
  for_each_entry(m, m.start, [&](std::uint32_t n, double p) {
    if (p > 0 && n < T) sources.push_back(n);
  });
  return g.reachable_from(sources);
}

// Touchpoints of `in` that cannot reach an outcome through edges of positive
// probability (staying within `in`): a trap, which makes I−Q singular.
std::vector<std::size_t> traps(const CompiledModel& m, const std::vector<std::vector<Edge>>& rows,
                               const std::vector<bool>& in) {
  const std::size_t T = m.num_touchpoints();
  model::Digraph g(T + 1);  // node T stands for every outcome
  for (std::size_t k = 0; k < T; ++k) {
    if (!in[k]) continue;
    for (const auto& e : rows[k])
      if (e.p > 0) g.add_edge(k, e.node >= T ? T : e.node);
  }
  std::vector<bool> outcome(T + 1, false);
  outcome[T] = true;
  const auto good = g.reaching(outcome);
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < T; ++k)
    if (in[k] && !good[k]) out.push_back(k);
  return out;
}

Chain build_chain(const CompiledModel& m, std::size_t s) {
  const auto& seg = m.segments[s];
  Chain c;
  c.T = m.num_touchpoints();
  c.O = m.num_outcomes();
  if (seg.tp.size() != c.T)
    throw core::RuntimeError(
        fmt::format("analytics: segment '{}' has {} touchpoints, the model {}", seg.id, seg.tp.size(), c.T));
  std::vector<std::vector<Edge>> rows(c.T);
  std::vector<std::vector<std::uint32_t>> union_adj(c.T);
  for (std::size_t k = 0; k < c.T; ++k) {
    const auto& t = seg.tp[k];
    if (!(t.friction >= 0 && t.friction <= 1))
      throw core::RuntimeError(fmt::format("analytics: segment '{}': friction of '{}' is {}, not in [0,1]", seg.id,
                                           m.touchpoint_ids[k], t.friction));
    rows[k] = folded_row(m, t);
    for_each_entry(m, t.next_ok, [&](std::uint32_t n, double) { union_adj[k].push_back(n); });
    if (split(t)) for_each_entry(m, t.next_fr, [&](std::uint32_t n, double) { union_adj[k].push_back(n); });
  }
  const auto eff = reach_from_start(m, rows, union_adj, true);
  if (auto tr = traps(m, rows, eff); !tr.empty()) {
    std::vector<std::string> names;
    for (auto k : tr) names.push_back(m.touchpoint_ids[k]);
    throw core::RuntimeError(fmt::format(
        "analytics: segment '{}': touchpoint{} {} reachable from start but no outcome can be reached from {} "
        "(a trap: I−Q is singular and the walk never ends)",
        seg.id, names.size() == 1 ? "" : "s", core::quoted_list(names) + (names.size() == 1 ? " is" : " are"),
        names.size() == 1 ? "it" : "them"));
  }
  c.reachable = reach_from_start(m, rows, union_adj, false);
  if (!traps(m, rows, c.reachable).empty()) {
    // Some touchpoint behind a branch of probability 0 (friction 0 or 1) is a
    // trap: keep to what the walk can reach; derivatives that would open that
    // branch are undefined (NaN).
    c.reachable = eff;
    c.full = false;
  }
  c.local.assign(c.T, -1);
  for (std::size_t k = 0; k < c.T; ++k)
    if (c.reachable[k]) {
      c.local[k] = static_cast<int>(c.tp.size());
      c.tp.push_back(k);
    }
  c.n = c.tp.size();
  c.q.resize(c.n);
  c.r.resize(c.n);
  for (std::size_t i = 0; i < c.n; ++i) {
    for (const auto& e : rows[c.tp[i]]) {
      if (e.node >= c.T) {
        c.r[i].push_back({static_cast<std::uint32_t>(e.node - c.T), e.p});
      } else if (c.local[e.node] >= 0) {
        c.q[i].push_back({static_cast<std::uint32_t>(c.local[e.node]), e.p});
      }
      // else: a target outside S, only possible with probability 0 (c.full false)
    }
  }
  c.pi.assign(c.n, 0.0);
  c.direct.assign(c.O, 0.0);
  for_each_entry(m, m.start, [&](std::uint32_t n, double p) {
    if (n < c.T) c.pi[c.local[n]] += p;
    else if (n - c.T < c.O) c.direct[n - c.T] += p;
  });
  return c;
}

// Solves with A = I − Q: dense LU (PartialPivLU), sparse LU (SparseLU), or
// BiCGSTAB with a diagonal preconditioner (falling back to sparse LU when it
// does not converge).
class LinearSolver {
 public:
  enum class Kind { dense, sparse, iterative };

  LinearSolver(const Chain& c, Kind kind, const std::string& segment) : kind_(kind), n_(c.n), segment_(segment) {
    if (kind_ == Kind::dense) {
      Eigen::MatrixXd a = Eigen::MatrixXd::Identity(c.n, c.n);
      for (std::size_t i = 0; i < c.n; ++i)
        for (const auto& e : c.q[i]) a(i, e.node) -= e.p;
      dense_lu_.compute(a);
      const double rc = c.n ? dense_lu_.rcond() : 1.0;
      if (!(rc > 1e-13))
        throw core::RuntimeError(fmt::format(
            "analytics: segment '{}': I−Q is numerically singular (reciprocal condition number {:.3g}); some "
            "touchpoints return to themselves with probability that is almost 1",
            segment, rc));
      return;
    }
    std::vector<Eigen::Triplet<double>> trip;
    for (std::size_t i = 0; i < c.n; ++i) {
      trip.emplace_back(static_cast<int>(i), static_cast<int>(i), 1.0);
      for (const auto& e : c.q[i]) trip.emplace_back(static_cast<int>(i), static_cast<int>(e.node), -e.p);
    }
    a_.resize(static_cast<Eigen::Index>(c.n), static_cast<Eigen::Index>(c.n));
    a_.setFromTriplets(trip.begin(), trip.end());
    a_.makeCompressed();
    if (kind_ == Kind::sparse) {
      factor_sparse();
    } else {
      at_ = a_.transpose();
      at_.makeCompressed();
      it_.setTolerance(1e-14);
      it_.setMaxIterations(2000);
      it_.compute(a_);
      it_t_.setTolerance(1e-14);
      it_t_.setMaxIterations(2000);
      it_t_.compute(at_);
    }
  }

  // "dense", "sparse" or "iterative" (what was really used).
  std::string name() const {
    switch (kind_) {
      case Kind::dense: return "dense";
      case Kind::sparse: return "sparse";
      case Kind::iterative: return sparse_lu_ ? "sparse (iterative did not converge)" : "iterative";
    }
    return "?";
  }

  Eigen::MatrixXd solve(const Eigen::MatrixXd& b) {
    if (kind_ == Kind::dense) return dense_lu_.solve(b);
    if (kind_ == Kind::iterative && !sparse_lu_) {
      Eigen::MatrixXd x(b.rows(), b.cols());
      bool ok = true;
      for (Eigen::Index j = 0; j < b.cols() && ok; ++j) ok = iterate(it_, a_, b.col(j), x.col(j));
      if (ok) return x;
      factor_sparse();
    }
    return sparse_lu_->solve(b);
  }
  Eigen::VectorXd solve_transposed(const Eigen::VectorXd& b) {
    if (kind_ == Kind::dense) return dense_lu_.transpose().solve(b);
    if (kind_ == Kind::iterative && !sparse_lu_) {
      Eigen::VectorXd x(b.size());
      if (iterate(it_t_, at_, b, x)) return x;
      factor_sparse();
    }
    return sparse_lu_->transpose().solve(b);
  }
  // diag((I−Q)^-1), only at indices where want[i] (elsewhere 0).
  Eigen::VectorXd diag_inverse(const std::vector<bool>& want) {
    Eigen::VectorXd d = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n_));
    if (kind_ == Kind::dense) {
      const Eigen::MatrixXd inv = dense_lu_.inverse();
      return inv.diagonal();
    }
    constexpr std::size_t kBlock = 64;
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < n_; ++i)
      if (want[i]) idx.push_back(i);
    for (std::size_t b0 = 0; b0 < idx.size(); b0 += kBlock) {
      const std::size_t w = std::min(kBlock, idx.size() - b0);
      Eigen::MatrixXd e = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n_), static_cast<Eigen::Index>(w));
      for (std::size_t j = 0; j < w; ++j) e(idx[b0 + j], j) = 1.0;
      const Eigen::MatrixXd x = solve(e);
      for (std::size_t j = 0; j < w; ++j) d(idx[b0 + j]) = x(idx[b0 + j], j);
    }
    return d;
  }

 private:
  using Sparse = Eigen::SparseMatrix<double>;
  using Iterative = Eigen::BiCGSTAB<Sparse, Eigen::DiagonalPreconditioner<double>>;

  template <class B, class X>
  bool iterate(const Iterative& it, const Sparse& a, const B& b, X&& x) const {
    if (b.squaredNorm() == 0) {
      x.setZero();
      return true;
    }
    x = it.solve(b);
    if (it.info() != Eigen::Success || !x.allFinite()) return false;
    return (a * x - b).norm() <= 1e-11 * b.norm();
  }

  void factor_sparse() {
    sparse_lu_ = std::make_unique<Eigen::SparseLU<Sparse, Eigen::COLAMDOrdering<int>>>();
    sparse_lu_->analyzePattern(a_);
    sparse_lu_->factorize(a_);
    if (sparse_lu_->info() != Eigen::Success)
      throw core::RuntimeError(fmt::format("analytics: segment '{}': sparse LU of I−Q failed: {}", segment_,
                                           sparse_lu_->lastErrorMessage()));
  }

  Kind kind_;
  std::size_t n_;
  std::string segment_;
  Eigen::PartialPivLU<Eigen::MatrixXd> dense_lu_;
  Sparse a_, at_;
  Iterative it_, it_t_;
  std::unique_ptr<Eigen::SparseLU<Sparse, Eigen::COLAMDOrdering<int>>> sparse_lu_;
};

WalkExpectations empty_expectations(const CompiledModel& m) {
  WalkExpectations w;
  const std::size_t T = m.num_touchpoints(), K = m.num_kinds(), C = m.channels.size();
  w.outcome_prob.assign(m.num_outcomes(), 0.0);
  w.kind_prob.assign(K, 0.0);
  w.visits.assign(T, 0.0);
  w.friction_visits.assign(T, 0.0);
  w.channel_visits.assign(C, 0.0);
  w.switches_into.assign(C, 0.0);
  w.exit_share.assign(T, std::vector<double>(K, 0.0));
  return w;
}

Sensitivity empty_sensitivity(const CompiledModel& m) {
  Sensitivity s;
  const std::size_t T = m.num_touchpoints();
  s.outcome_prob.assign(T, std::vector<double>(m.num_outcomes(), 0.0));
  s.kind_prob.assign(T, std::vector<double>(m.num_kinds(), 0.0));
  for (auto* v : {&s.satisfaction_change, &s.effort, &s.time, &s.cost, &s.frictions, &s.switches, &s.steps, &s.value})
    v->assign(T, 0.0);
  return s;
}

RemovalEffect empty_removal(const CompiledModel& m) {
  RemovalEffect r;
  const std::size_t T = m.num_touchpoints(), K = m.num_kinds();
  r.reach_prob.assign(T, 0.0);
  r.kind_prob.assign(T, std::vector<double>(K, 0.0));
  r.relative_drop.assign(T, std::vector<double>(K, 0.0));
  r.value.assign(T, 0.0);
  r.value_relative_drop.assign(T, 0.0);
  return r;
}

double relative_drop(double base, double removed) { return base > 0 ? (base - removed) / base : kNaN; }

void fill_drops(RemovalEffect& r, const std::vector<double>& kind_prob, double value) {
  for (std::size_t k = 0; k < r.kind_prob.size(); ++k) {
    for (std::size_t c = 0; c < kind_prob.size(); ++c)
      r.relative_drop[k][c] = relative_drop(kind_prob[c], r.kind_prob[k][c]);
    r.value_relative_drop[k] = value != 0 ? (value - r.value[k]) / value : kNaN;
  }
}

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

// P(visits > max_steps) = π Q^max_steps 1, by propagating π.
double timeout_probability(const Chain& c, int max_steps, double work_limit, bool& skipped) {
  skipped = false;
  std::size_t nnz = c.n;
  for (const auto& row : c.q) nnz += row.size();
  if (max_steps <= 0) return 1.0 - std::accumulate(c.direct.begin(), c.direct.end(), 0.0);
  if (static_cast<double>(max_steps) * static_cast<double>(nnz) > work_limit) {
    skipped = true;
    return kNaN;
  }
  std::vector<double> x = c.pi, y(c.n);
  for (int step = 0; step < max_steps; ++step) {
    std::fill(y.begin(), y.end(), 0.0);
    double mass = 0;
    for (std::size_t i = 0; i < c.n; ++i) {
      if (x[i] == 0) continue;
      for (const auto& e : c.q[i]) y[e.node] += x[i] * e.p;
    }
    for (double v : y) mass += v;
    x.swap(y);
    if (mass < 1e-300) return 0.0;
  }
  return std::accumulate(x.begin(), x.end(), 0.0);
}

// P(a walk has at least k friction visits) for a `frictions_at_least` recovery
// trigger: level c of the walk is "c friction visits so far"; within a level
// the walk moves by the ok branch, A = (1−f)·P_ok, and a friction visit moves
// it to the next level by F = f·P_fr. Visits per level v_0 = π (I−A)^-1,
// v_{c+1} = (v_c F)(I−A)^-1, and the trigger probability is the expected
// number of friction visits made on level k−1, Σ_i v_{k−1,i} f_i (at most one
// such visit per walk). NaN (skipped = true) when k is above max_levels.
double frictions_trigger_probability(const CompiledModel& m, const Chain& c, std::size_t s, double threshold,
                                     LinearSolver::Kind kind, std::size_t max_levels, bool& skipped) {
  skipped = false;
  const auto& seg = m.segments[s];
  const double walks_with_a_visit = 1.0 - std::accumulate(c.direct.begin(), c.direct.end(), 0.0);
  // The engine checks `frictions >= threshold` after each visit's updates.
  if (!(threshold > 0)) return walks_with_a_visit;
  const double kd = std::ceil(threshold);
  if (kd > static_cast<double>(max_levels)) {
    skipped = true;
    return kNaN;
  }
  const auto k = static_cast<std::size_t>(kd);
  Chain a = c;
  std::vector<std::vector<Edge>> feed(c.n);
  std::vector<double> f(c.n);
  for (std::size_t i = 0; i < c.n; ++i) {
    const auto& t = seg.tp[c.tp[i]];
    f[i] = t.friction;
    a.q[i].clear();
    for_each_entry(m, t.next_ok, [&](std::uint32_t n, double p) {
      if (n < c.T && c.local[n] >= 0) a.q[i].push_back({static_cast<std::uint32_t>(c.local[n]), (1 - f[i]) * p});
    });
    for_each_entry(m, t.next_fr, [&](std::uint32_t n, double p) {
      if (n < c.T && c.local[n] >= 0) feed[i].push_back({static_cast<std::uint32_t>(c.local[n]), f[i] * p});
    });
  }
  LinearSolver lu(a, kind, seg.id);
  Eigen::VectorXd x(static_cast<Eigen::Index>(c.n));
  for (std::size_t i = 0; i < c.n; ++i) x(i) = c.pi[i];
  for (std::size_t level = 0;; ++level) {
    const Eigen::VectorXd v = lu.solve_transposed(x);
    if (level + 1 == k) {
      double p = 0;
      for (std::size_t i = 0; i < c.n; ++i) p += v(i) * f[i];
      return std::clamp(p, 0.0, walks_with_a_visit);
    }
    x.setZero();
    for (std::size_t i = 0; i < c.n; ++i)
      for (const auto& e : feed[i]) x(e.node) += v(i) * e.p;
  }
}

SegmentResult solve_segment(const CompiledModel& m, std::size_t s, const AnalyzeOptions& opt, const Want& want) {
  const auto& seg = m.segments[s];
  const Chain c = build_chain(m, s);
  const std::size_t n = c.n, O = c.O;
  SegmentResult res;
  res.reachable = c.reachable;
  res.w = empty_expectations(m);
  WalkExpectations& w = res.w;

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
  Eigen::VectorXd pi(static_cast<Eigen::Index>(n));
  for (std::size_t i = 0; i < n; ++i) pi(i) = c.pi[i];
  const Eigen::VectorXd v = lu.solve_transposed(pi);  // expected visits: π N

  // Per-visit rewards (local index).
  Eigen::VectorXd sw(n), r_sat(n), r_eff(n), r_time(n), r_cost(n), r_fr(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = c.tp[i];
    const auto& t = seg.tp[k];
    const double f = t.friction;
    double swi = 0;
    for (const auto& e : c.q[i])
      if (m.touchpoint_channel[c.tp[e.node]] != m.touchpoint_channel[k]) swi += e.p;
    sw(i) = swi;
    r_sat(i) = (1 - f) * t.sat_ok + f * t.sat_fr + m.switch_sat * swi;
    r_eff(i) = (1 - f) * t.eff_ok + f * t.eff_fr + m.switch_eff * swi;
    r_time(i) = (1 - f) * t.dur_ok.mean + f * t.dur_fr.mean;
    r_cost(i) = t.cost;
    r_fr(i) = f;
  }

  // Right-hand sides: R (O columns), then 1, and the rewards.
  enum Col { c_one = 0, c_sat, c_eff, c_time, c_cost, c_fr, c_sw, c_count };
  Eigen::MatrixXd rhs = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(O + c_count));
  for (std::size_t i = 0; i < n; ++i)
    for (const auto& e : c.r[i]) rhs(i, e.node) += e.p;
  rhs.col(O + c_one).setOnes();
  rhs.col(O + c_sat) = r_sat;
  rhs.col(O + c_eff) = r_eff;
  rhs.col(O + c_time) = r_time;
  rhs.col(O + c_cost) = r_cost;
  rhs.col(O + c_fr) = r_fr;
  rhs.col(O + c_sw) = sw;
  const Eigen::MatrixXd h = lu.solve(rhs);  // N·rhs: B = N R, t = N 1, h_reward = N r
  if (!v.allFinite() || !h.allFinite())
    throw core::RuntimeError(
        fmt::format("analytics: segment '{}': the linear solve of I−Q gave non-finite values", seg.id));

  // Expectations.
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = c.tp[i];
    const auto& t = seg.tp[k];
    const std::uint16_t ch = m.touchpoint_channel[k];
    w.visits[k] = v(i);
    w.friction_visits[k] = t.friction * v(i);
    w.channel_visits[ch] += v(i);
    for (const auto& e : c.q[i]) {
      const std::uint16_t cj = m.touchpoint_channel[c.tp[e.node]];
      if (cj != ch) w.switches_into[cj] += v(i) * e.p;
    }
    for (const auto& e : c.r[i]) {
      w.outcome_prob[e.node] += v(i) * e.p;
      w.exit_share[k][m.outcome_kind[e.node]] += v(i) * e.p;
    }
  }
  for (std::size_t o = 0; o < O; ++o) w.outcome_prob[o] += c.direct[o];
  for (std::size_t o = 0; o < O; ++o) {
    w.kind_prob[m.outcome_kind[o]] += w.outcome_prob[o];
    w.value += w.outcome_prob[o] * m.outcome_value[o];
  }
  w.satisfaction_change = v.dot(r_sat);
  w.effort = v.dot(r_eff);
  w.time = v.dot(r_time);
  w.cost = v.dot(r_cost);
  w.frictions = v.dot(r_fr);
  w.switches = v.dot(sw);
  w.steps = v.sum();
  const Eigen::VectorXd tvec = h.col(static_cast<Eigen::Index>(O + c_one));
  // E[T²] = π(2N − I)t = 2 (πN)·t − π·t.
  w.steps_second_moment = 2.0 * v.dot(tvec) - pi.dot(tvec);
  w.steps_variance = std::max(0.0, w.steps_second_moment - w.steps * w.steps);
  bool skipped = false;
  w.timeout_prob = timeout_probability(c, m.max_steps, opt.timeout_work_limit, skipped);
  if (skipped)
    res.notes.push_back(
        fmt::format("segment '{}': P(visits > max_steps = {}) not computed (too costly); "
                    "raise timeout_work_limit",
                    seg.id, m.max_steps));

  // Recovery program: exact for a frictions_at_least trigger (it adds to S and
  // to the cost only, never to the route); not exact for satisfaction_below.
  if (opt.recovery) {
    const auto& rp = *opt.recovery;
    w.recovery = true;
    w.recovery_exact = rp.trigger == engine::RecoveryProgram::Trigger::frictions_at_least;
    if (w.recovery_exact) {
      bool too_many = false;
      const double pt = frictions_trigger_probability(m, c, s, rp.threshold, kind, opt.recovery_max_levels, too_many);
      if (too_many) {
        w.recovery_exact = false;
        res.notes.push_back(
            fmt::format("segment '{}': recovery trigger frictions_at_least {} not computed (more than {} levels)",
                        seg.id, rp.threshold, opt.recovery_max_levels));
      }
      w.recovery_triggered = pt;
      w.recovery_reached = rp.reach * pt;
      w.recovery_succeeded = rp.reach * rp.success * pt;
      w.satisfaction_change += rp.satisfaction * w.recovery_succeeded;
      w.cost += rp.cost * w.recovery_reached;
    }
    if (!w.recovery_exact) {
      w.satisfaction_change = w.cost = kNaN;
      w.recovery_triggered = w.recovery_reached = w.recovery_succeeded = kNaN;
    }
  }

  // Sensitivities: d/df_k = v_k [ΔQ_k·(N x) + Δr_k] (docs/methods/analytics.md).
  if (want.sensitivities) {
    res.sens = empty_sensitivity(m);
    auto& S = res.sens;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t k = c.tp[i];
      const auto& t = seg.tp[k];
      if (v(i) == 0) continue;
      const auto delta = delta_row(m, t);
      bool defined = true;
      Eigen::VectorXd g = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(O + c_count));  // Σ_j Δ_j h_j· + ΔR
      double dsw = 0;
      for (const auto& e : delta) {
        if (e.node >= c.T) {
          g(e.node - c.T) += e.p;
          continue;
        }
        const int j = c.local[e.node];
        if (j < 0) {
          defined = false;
          break;
        }
        g += e.p * h.row(j).transpose();
        if (m.touchpoint_channel[e.node] != m.touchpoint_channel[k]) dsw += e.p;
      }
      if (!defined) {
        for (auto& x : S.outcome_prob[k]) x = kNaN;
        for (auto& x : S.kind_prob[k]) x = kNaN;
        for (auto* vec :
             {&S.satisfaction_change, &S.effort, &S.time, &S.cost, &S.frictions, &S.switches, &S.steps, &S.value})
          (*vec)[k] = kNaN;
        continue;
      }
      const double vk = v(i);
      for (std::size_t o = 0; o < O; ++o) {
        const double d = vk * g(o);
        S.outcome_prob[k][o] = d;
        S.kind_prob[k][m.outcome_kind[o]] += d;
        S.value[k] += d * m.outcome_value[o];
      }
      S.satisfaction_change[k] = vk * (g(O + c_sat) + (t.sat_fr - t.sat_ok) + m.switch_sat * dsw);
      S.effort[k] = vk * (g(O + c_eff) + (t.eff_fr - t.eff_ok) + m.switch_eff * dsw);
      S.time[k] = vk * (g(O + c_time) + (t.dur_fr.mean - t.dur_ok.mean));
      S.cost[k] = vk * g(O + c_cost);
      S.frictions[k] = vk * (g(O + c_fr) + 1.0);
      S.switches[k] = vk * (g(O + c_sw) + dsw);
      S.steps[k] = vk * g(O + c_one);
      // With a recovery program, satisfaction and cost also move through the
      // trigger probability, which these derivatives do not follow.
      if (opt.recovery) S.satisfaction_change[k] = S.cost[k] = kNaN;
    }
  }

  // Removal effects: reach_k = v_k / N_kk; P^{−k}_o = P_o − reach_k B_ko (+ reach_k at the removal outcome).
  if (want.removal && !dense && n > opt.removal_limit) {
    res.removal_skipped = true;
    res.notes.push_back(
        fmt::format("segment '{}': removal effects skipped: {} transient states on the sparse path "
                    "(more than removal_limit = {}; each needs one more solve)",
                    seg.id, n, opt.removal_limit));
  } else if (want.removal) {
    res.removal = empty_removal(m);
    auto& R = res.removal;
    std::vector<bool> need(n);
    for (std::size_t i = 0; i < n; ++i) need[i] = v(i) > 0;
    const Eigen::VectorXd nkk = lu.diag_inverse(need);
    for (std::size_t k = 0; k < c.T; ++k) {
      R.kind_prob[k] = w.kind_prob;
      R.value[k] = w.value;
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (!need[i]) continue;
      const std::size_t k = c.tp[i];
      const double reach = std::min(1.0, v(i) / nkk(i));
      R.reach_prob[k] = reach;
      std::vector<double> po(w.outcome_prob);
      for (std::size_t o = 0; o < O; ++o) po[o] -= reach * h(i, o);
      if (want.removal_outcome >= 0) po[want.removal_outcome] += reach;
      std::fill(R.kind_prob[k].begin(), R.kind_prob[k].end(), 0.0);
      R.value[k] = 0;
      for (std::size_t o = 0; o < O; ++o) {
        R.kind_prob[k][m.outcome_kind[o]] += po[o];
        R.value[k] += po[o] * m.outcome_value[o];
      }
    }
    fill_drops(R, w.kind_prob, w.value);
  }
  res.solver = lu.name();
  return res;
}

void add_scaled(WalkExpectations& acc, double a, const WalkExpectations& x) {
  auto axpy = [a](std::vector<double>& y, const std::vector<double>& z) {
    for (std::size_t i = 0; i < y.size(); ++i) y[i] += a * z[i];
  };
  axpy(acc.outcome_prob, x.outcome_prob);
  axpy(acc.kind_prob, x.kind_prob);
  axpy(acc.visits, x.visits);
  axpy(acc.friction_visits, x.friction_visits);
  axpy(acc.channel_visits, x.channel_visits);
  axpy(acc.switches_into, x.switches_into);
  for (std::size_t k = 0; k < acc.exit_share.size(); ++k) axpy(acc.exit_share[k], x.exit_share[k]);
  acc.satisfaction_change += a * x.satisfaction_change;
  acc.effort += a * x.effort;
  acc.time += a * x.time;
  acc.cost += a * x.cost;
  acc.frictions += a * x.frictions;
  acc.switches += a * x.switches;
  acc.steps += a * x.steps;
  acc.value += a * x.value;
  acc.steps_second_moment += a * x.steps_second_moment;
  acc.timeout_prob += a * x.timeout_prob;
  acc.recovery_triggered += a * x.recovery_triggered;
  acc.recovery_reached += a * x.recovery_reached;
  acc.recovery_succeeded += a * x.recovery_succeeded;
}

void add_scaled_row(Sensitivity& acc, std::size_t k, double a, const Sensitivity& x) {
  for (std::size_t o = 0; o < acc.outcome_prob[k].size(); ++o) acc.outcome_prob[k][o] += a * x.outcome_prob[k][o];
  for (std::size_t c = 0; c < acc.kind_prob[k].size(); ++c) acc.kind_prob[k][c] += a * x.kind_prob[k][c];
  acc.satisfaction_change[k] += a * x.satisfaction_change[k];
  acc.effort[k] += a * x.effort[k];
  acc.time[k] += a * x.time[k];
  acc.cost[k] += a * x.cost[k];
  acc.frictions[k] += a * x.frictions[k];
  acc.switches[k] += a * x.switches[k];
  acc.steps[k] += a * x.steps[k];
  acc.value[k] += a * x.value[k];
}

bool overridden(const AnalyzeOptions& opt, std::size_t s, std::size_t k) {
  return s < opt.friction_overridden.size() && k < opt.friction_overridden[s].size() && opt.friction_overridden[s][k];
}

void check_model(const CompiledModel& m) {
  if (m.segments.empty()) throw core::RuntimeError("analytics: the model has no segment");
  if (m.kinds.empty() || m.outcome_kind.size() != m.num_outcomes() + 1 ||
      m.outcome_value.size() != m.num_outcomes() + 1 || m.touchpoint_channel.size() != m.num_touchpoints())
    throw core::RuntimeError("analytics: inconsistent compiled model tables");
}

// The first outcome of a bad kind (model::kLowerBetter), one of kind
// `abandoned` first when that kind is bad.
int find_removal_outcome(const CompiledModel& m) {
  int first_bad = -1;
  for (std::size_t o = 0; o < m.num_outcomes(); ++o) {
    const std::size_t c = m.outcome_kind[o];
    if (m.kind_direction_of(c) != model::kLowerBetter) continue;
    if (m.kinds[c] == "abandoned") return static_cast<int>(o);
    if (first_bad < 0) first_bad = static_cast<int>(o);
  }
  return first_bad;
}

// The run of P periods beside the one-walk expectations (RunExpectations).
RunExpectations run_expectations(const CompiledModel& m, const JourneyAnalytics& a, int periods, double discount) {
  RunExpectations r;
  r.periods = std::max(1, periods);
  r.discount_rate = discount;
  const std::size_t S = m.segments.size();
  std::size_t positive = 0;
  bool all_exact = true;
  for (std::size_t s = 0; s < S; ++s) {
    const auto& seg = m.segments[s];
    const bool exact = !seg.churns || m.sensitivity == 0.0;
    double walks = kNaN, dw = kNaN, alive = kNaN;
    if (exact) {
      // Alive after t periods: Π_{j<t} (β+j)/(α+β+j) = B(α, β+t)/B(α, β).
      walks = dw = 0;
      alive = 1;
      double disc = 1;
      for (int t = 0; t < r.periods; ++t) {
        walks += alive;
        dw += alive * disc;
        if (seg.churns) alive *= (seg.beta + t) / (seg.alpha + seg.beta + t);
        disc /= 1.0 + discount;
      }
    }
    r.walks.push_back(walks);
    r.discounted_walks.push_back(dw);
    r.alive_final.push_back(alive);
    if (seg.share > 0) {
      ++positive;
      all_exact = all_exact && exact;
    }
  }
  r.pooled_exact = all_exact || positive == 1;
  r.pooled = a.population;
  if (r.pooled_exact) {
    double total = 0;
    for (std::size_t s = 0; s < S; ++s)
      if (m.segments[s].share > 0) total += m.segments[s].share * (all_exact ? r.walks[s] : 1.0);
    WalkExpectations p = empty_expectations(m);
    p.recovery = a.population.recovery;
    p.recovery_exact = a.population.recovery_exact;
    if (p.recovery) p.recovery_triggered = p.recovery_reached = p.recovery_succeeded = 0;
    p.timeout_prob = 0;
    for (std::size_t s = 0; s < S; ++s)
      if (m.segments[s].share > 0)
        add_scaled(p, m.segments[s].share * (all_exact ? r.walks[s] : 1.0) / total, a.segments[s]);
    p.steps_variance = std::max(0.0, p.steps_second_moment - p.steps * p.steps);
    r.pooled = std::move(p);
  }
  r.walks_per_customer = r.retention_final = r.clv_mean = r.cost_mean = 0;
  for (std::size_t s = 0; s < S; ++s) {
    const double sh = m.segments[s].share;
    if (!(sh > 0)) continue;
    r.walks_per_customer += sh * r.walks[s];
    r.retention_final += sh * r.alive_final[s];
    r.clv_mean += sh * r.discounted_walks[s] * a.segments[s].value;
    r.cost_mean += sh * r.discounted_walks[s] * a.segments[s].cost;
  }
  return r;
}

}  // namespace

std::size_t primary_kind(const CompiledModel& m) {
  for (std::size_t c = 0; c + 1 < m.kinds.size(); ++c)
    if (m.kind_direction_of(c) == model::kHigherBetter) return c;
  return 0;
}

WalkExpectations analyze_segment(const CompiledModel& m, std::size_t segment, const AnalyzeOptions& options) {
  check_model(m);
  if (segment >= m.segments.size()) throw core::RuntimeError("analytics: segment index out of range");
  return solve_segment(m, segment, options, Want{}).w;
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
  std::vector<SegmentResult> res;
  res.reserve(S);
  bool removal_done = options.removal;
  for (std::size_t s = 0; s < S; ++s) {
    res.push_back(solve_segment(m, s, options, want));
    if (res.back().removal_skipped) removal_done = false;
  }

  a.population = empty_expectations(m);
  if (options.recovery) {
    a.population.recovery = true;
    a.population.recovery_triggered = a.population.recovery_reached = a.population.recovery_succeeded = 0;
  }
  for (std::size_t s = 0; s < S; ++s) {
    a.population.recovery_exact = a.population.recovery_exact && res[s].w.recovery_exact;
    add_scaled(a.population, m.segments[s].share, res[s].w);
    a.segments.push_back(res[s].w);
    a.reachable.push_back(res[s].reachable);
    a.solver.push_back(res[s].solver);
    for (auto& note : res[s].notes) a.notes.push_back(note);
  }
  a.population.steps_variance =
      std::max(0.0, a.population.steps_second_moment - a.population.steps * a.population.steps);
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

std::vector<FrictionRankRow> friction_ranking(const CompiledModel& m, const JourneyAnalytics& a, double reduction,
                                              const AnalyzeOptions& options) {
  if (!(reduction >= 0 && reduction <= 1))
    throw core::InputError(fmt::format("friction reduction must be in [0,1], got {}", reduction));
  if (!a.has_sensitivity) throw core::RuntimeError("analytics: friction_ranking needs the sensitivities");
  std::vector<FrictionRankRow> rows;
  const std::size_t K = m.num_kinds();
  for (std::size_t k = 0; k < m.num_touchpoints(); ++k) {
    const double f = a.base_friction[k];
    if (!(f > 0)) continue;
    FrictionRankRow r;
    r.touchpoint = k;
    r.friction = f;
    r.new_friction = f * (1 - reduction);
    const double df = r.new_friction - f;
    const auto& ps = a.population_sensitivity;
    const WalkExpectations ex = with_friction(m, k, r.new_friction, options);
    r.kind_delta_first_order.resize(K);
    r.kind_delta_exact.resize(K);
    for (std::size_t c = 0; c < K; ++c) {
      r.kind_delta_first_order[c] = df * ps.kind_prob[k][c];
      r.kind_delta_exact[c] = ex.kind_prob[c] - a.population.kind_prob[c];
    }
    r.satisfaction_delta_first_order = df * ps.satisfaction_change[k];
    r.satisfaction_delta_exact = ex.satisfaction_change - a.population.satisfaction_change;
    r.value_delta_first_order = df * ps.value[k];
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
