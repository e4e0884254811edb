// Expectations: the exact per-walk expectations of a segment from the
// factorised I−Q, the timeout probability, the recovery trigger chain, and the
// run of P periods (pooled per-walk values). docs/methods/analytics.md.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include <fmt/format.h>

#include "chain.h"
#include "cxsim/core/errors.h"
#include "linear_solver.h"

namespace cxsim::analytics::detail {

WalkExpectations empty_expectations(const CompiledModel& m) {
  WalkExpectations w;
  const std::size_t T = m.num_touchpoints(), K = m.num_kinds(), C = m.channels.size();
  w.outcome_prob.assign(m.num_outcomes(), 0.0);
  w.kind_prob.assign(K, 0.0);
  w.kind_time.assign(K, 0.0);
  w.visits.assign(T, 0.0);
  w.friction_visits.assign(T, 0.0);
  w.channel_visits.assign(C, 0.0);
  w.switches_into.assign(C, 0.0);
  w.exit_share.assign(T, std::vector<double>(K, 0.0));
  return w;
}

void add_scaled(WalkExpectations& acc, double a, const WalkExpectations& x) {
  auto axpy = [a](std::vector<double>& y, const std::vector<double>& z) {
    for (std::size_t i = 0; i < y.size(); ++i) y[i] += a * z[i];
  };
  axpy(acc.outcome_prob, x.outcome_prob);
  axpy(acc.kind_prob, x.kind_prob);
  axpy(acc.kind_time, x.kind_time);
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
double frictions_trigger_probability(const CompiledModel& m, const AnalyzeOptions& opt, const Chain& c, std::size_t s,
                                     double threshold, LinearSolver::Kind kind, std::size_t max_levels, bool& skipped) {
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
    // A friction visit (patience included: waiting.h) moves the walk up a level.
    const VisitLaw law = t.has_patience ? visit_law(t, queue_wait_at(opt, s, c.tp[i])) : VisitLaw{};
    f[i] = law.p_fr(t.friction);
    const double p_ok = law.p_ok(t.friction);
    a.q[i].clear();
    for_each_entry(m, t.next_ok, [&](std::uint32_t n, double p) {
      if (n < c.T && c.local[n] >= 0) a.q[i].push_back({static_cast<std::uint32_t>(c.local[n]), p_ok * p});
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

// E[T·1{kind c}] for every kind c (docs/methods/analytics.md, "Time to
// resolution"). With b_c(j) = P(absorbed in kind c | at j) (N R summed over
// the kind's outcomes; 1{kind(o) = c} at an outcome o), a visit to i adds its
// duration to the walks ending in c with expectation
//     g_c(i) = (1−f)·E[D_ok]·Σ_j P_ok(i→j) b_c(j) + f·E[D_fr]·Σ_j P_fr(i→j) b_c(j)
// (given the ok/friction draw, the duration and the rest of the walk are
// independent), so E[T·1{c}] = Σ_i v_i g_c(i), v = πN the expected visits.
// A queue's wait W before the visit (AnalyzeOptions::queue_waits) is
// independent of the routing given the draw: it adds E[W]·((1−f)·Σ_j P_ok b_c
// + f·Σ_j P_fr b_c) to g_c(i).
void kind_times(const CompiledModel& m, std::size_t s, const AnalyzeOptions& opt, const Chain& c,
                const Eigen::VectorXd& v, const Eigen::MatrixXd& h, WalkExpectations& w) {
  const model::CompiledSegment& seg = m.segments[s];
  const std::size_t K = m.num_kinds();
  std::vector<double> b_ok(K), b_fr(K);
  auto branch = [&](const Categorical& cat, std::vector<double>& b) {
    std::fill(b.begin(), b.end(), 0.0);
    for_each_entry(m, cat, [&](std::uint32_t node, double p) {
      if (node >= c.T) {
        b[m.outcome_kind[m.outcome_of(node)]] += p;
        return;
      }
      const int j = c.local[node];
      if (j < 0) return;  // not reachable: the branch has probability 0
      for (std::size_t o = 0; o < c.O; ++o) b[m.outcome_kind[o]] += p * h(j, static_cast<Eigen::Index>(o));
    });
  };
  for (std::size_t i = 0; i < c.n; ++i) {
    if (seg.tp[c.tp[i]].has_patience) {
      // A give-up sends an ok draw down the friction map with duration A: the
      // split of E[min(D, A)] by branch is not computed yet, so the time to
      // resolution per kind is not given (NaN) rather than wrong.
      std::fill(w.kind_time.begin(), w.kind_time.end(), std::nan(""));
      return;
    }
  }
  for (std::size_t i = 0; i < c.n; ++i) {
    const auto& t = seg.tp[c.tp[i]];
    const double f = t.friction;
    branch(t.next_ok, b_ok);
    branch(t.next_fr, b_fr);
    const QueueWait* qw = queue_wait_at(opt, s, c.tp[i]);
    const double wait = qw ? qw->mean() : 0.0;
    for (std::size_t k = 0; k < K; ++k)
      w.kind_time[k] += v(static_cast<Eigen::Index>(i)) *
                        ((1 - f) * (t.dur_ok.mean + wait) * b_ok[k] + f * (t.dur_fr.mean + wait) * b_fr[k]);
  }
}

Solved segment_expectations(const CompiledModel& m, std::size_t s, const AnalyzeOptions& opt, const Chain& c,
                            SolverKind kind, LinearSolver& lu, SegmentResult& res) {
  const auto& seg = m.segments[s];
  const std::size_t n = c.n, O = c.O;
  WalkExpectations& w = res.w;

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
    // A queue's wait before the visit (waiting.h, QueueWait): it lengthens the
    // visit and counts against `waiting` and `patience`.
    const QueueWait* qw = queue_wait_at(opt, s, k);
    if (t.has_waiting || t.has_patience) {
      // A timed visit (waiting.h): patience turns ok draws into friction visits
      // and shortens the visit; the waiting penalty adds to satisfaction.
      const VisitLaw law = visit_law(t, qw);
      const double po = law.p_ok(f), pf = law.p_fr(f);
      r_sat(i) = po * t.sat_ok + pf * t.sat_fr + m.switch_sat * swi + law.penalty(f);
      r_eff(i) = po * t.eff_ok + pf * t.eff_fr + m.switch_eff * swi;
      r_time(i) = law.time(f);
      r_fr(i) = pf;
    } else {
      r_sat(i) = (1 - f) * t.sat_ok + f * t.sat_fr + m.switch_sat * swi;
      r_eff(i) = (1 - f) * t.eff_ok + f * t.eff_fr + m.switch_eff * swi;
      r_time(i) = (1 - f) * t.dur_ok.mean + f * t.dur_fr.mean + (qw ? qw->mean() : 0.0);
      r_fr(i) = f;
    }
    r_cost(i) = t.cost;
  }
  // A targeted recovery program's two-layer chain: the program's satisfaction
  // and cost where the trigger fires (recovery.cpp).
  const bool targeted = !c.fire.empty() && opt.recovery;
  Eigen::VectorXd fire = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n));
  if (targeted) {
    const auto& rp = *opt.recovery;
    for (std::size_t i = 0; i < n; ++i) {
      fire(i) = c.fire[i];
      r_sat(i) += rp.satisfaction * rp.reach * rp.success * c.fire[i];
      r_cost(i) += rp.cost * rp.reach * c.fire[i];
    }
  }

  // Right-hand sides: R (O columns), then 1, and the rewards.
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
    const std::uint16_t ch = m.touchpoint_channel[k];
    w.visits[k] += v(i);  // += : both layers of a targeted recovery's chain are touchpoint k
    w.friction_visits[k] += r_fr(i) * v(i);
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
  kind_times(m, s, opt, c, v, h, w);
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
  if (targeted) {
    // Exact, route changes (reroute) included: the rewards above carry the program.
    const auto& rp = *opt.recovery;
    w.recovery = true;
    w.recovery_exact = true;
    w.recovery_triggered = v.dot(fire);
    w.recovery_reached = rp.reach * w.recovery_triggered;
    w.recovery_succeeded = rp.reach * rp.success * w.recovery_triggered;
  } else if (opt.recovery) {
    const auto& rp = *opt.recovery;
    w.recovery = true;
    w.recovery_exact = rp.trigger == engine::RecoveryProgram::Trigger::frictions_at_least &&
                       rp.reroute == engine::RecoveryProgram::kNone;
    if (rp.reroute != engine::RecoveryProgram::kNone) {
      // A reroute after a trigger on the walk's history (S, friction count):
      // the route itself is not exact.
      res.notes.push_back(fmt::format(
          "segment '{}': the recovery program reroutes after a {} trigger, which the chain does not follow: "
          "no expectation of this variant is exact (NaN)",
          seg.id,
          rp.trigger == engine::RecoveryProgram::Trigger::frictions_at_least ? "frictions_at_least"
                                                                             : "satisfaction_below"));
      const bool recovery_flag = w.recovery;
      w = empty_expectations(m);
      for (auto* vec :
           {&w.outcome_prob, &w.kind_prob, &w.visits, &w.friction_visits, &w.channel_visits, &w.switches_into})
        for (auto& y : *vec) y = kNaN;
      for (auto& row : w.exit_share)
        for (auto& y : row) y = kNaN;
      w.satisfaction_change = w.effort = w.time = w.cost = w.frictions = w.switches = w.steps = w.value = kNaN;
      w.steps_second_moment = w.steps_variance = w.timeout_prob = kNaN;
      w.recovery = recovery_flag;
      w.recovery_exact = false;
    }
    if (w.recovery_exact) {
      bool too_many = false;
      const double pt =
          frictions_trigger_probability(m, opt, c, s, rp.threshold, kind, opt.recovery_max_levels, too_many);
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
  return {pi, v, h};
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
      // Engagement: an active customer walks with probability p_i, independent
      // of θ_i, so E[walks in period t] = E[p]·alive_t (MODEL.md section 11).
      const double ep = seg.engage_mean();
      for (int t = 0; t < r.periods; ++t) {
        walks += ep * alive;
        dw += ep * alive * disc;
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

}  // namespace cxsim::analytics::detail
