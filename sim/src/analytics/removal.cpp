// Removal effects (Markov attribution): the walks that would enter a
// touchpoint end in the removal outcome instead; reach_k = v_k / N_kk from the
// same factorisation of I−Q. docs/methods/analytics.md.
#include <algorithm>
#include <vector>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "chain.h"
#include "linear_solver.h"

namespace cxsim::analytics::detail {

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

void segment_removal(const CompiledModel& m, std::size_t s, const AnalyzeOptions& opt, const Want& want, const Chain& c,
                     bool dense, LinearSolver& lu, const Solved& x, SegmentResult& res) {
  const auto& seg = m.segments[s];
  const std::size_t n = c.n, O = c.O;
  const Eigen::VectorXd& v = x.v;
  const Eigen::MatrixXd& h = x.h;
  const WalkExpectations& w = res.w;
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
}

}  // namespace cxsim::analytics::detail
