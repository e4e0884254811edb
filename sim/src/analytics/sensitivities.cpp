// Sensitivities: exact derivatives of a segment's expectations with respect
// to each touchpoint's friction, from the visits and N·[R, 1, rewards] of the
// expectations (no further solve). docs/methods/analytics.md.
#include <Eigen/Dense>

#include "chain.h"

namespace cxsim::analytics::detail {

Sensitivity empty_sensitivity(const CompiledModel& m) {
  Sensitivity s;
  const std::size_t T = m.num_touchpoints();
  s.outcome_prob.assign(T, std::vector<double>(m.num_outcomes(), 0.0));
  s.kind_prob.assign(T, std::vector<double>(m.num_kinds(), 0.0));
  for (auto* v : {&s.satisfaction_change, &s.effort, &s.time, &s.cost, &s.frictions, &s.switches, &s.steps, &s.value})
    v->assign(T, 0.0);
  return s;
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

void segment_sensitivities(const CompiledModel& m, std::size_t s, const AnalyzeOptions& opt, const Chain& c,
                           const Solved& x, SegmentResult& res) {
  const auto& seg = m.segments[s];
  const std::size_t n = c.n, O = c.O;
  const Eigen::VectorXd& v = x.v;
  const Eigen::MatrixXd& h = x.h;
  // Sensitivities: d/df_k = v_k [ΔQ_k·(N x) + Δr_k] (docs/methods/analytics.md).
  res.sens = empty_sensitivity(m);
  auto& S = res.sens;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = c.tp[i];
    const auto& t = seg.tp[k];
    if (v(i) == 0) continue;
    const auto delta = delta_row(m, t, queue_wait_at(opt, s, k));
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
    if (t.has_waiting || t.has_patience) {
      // A timed visit (waiting.h): d(p_fr)/df = keep, d(time)/df = time_fr − time_ok,
      // d(penalty)/df = pen_fr − pen_ok; delta_row already carries keep (and so dsw).
      const VisitLaw law = visit_law(t, queue_wait_at(opt, s, k));
      S.satisfaction_change[k] =
          vk * (g(O + c_sat) + law.keep * (t.sat_fr - t.sat_ok) + (law.pen_fr - law.pen_ok) + m.switch_sat * dsw);
      S.effort[k] = vk * (g(O + c_eff) + law.keep * (t.eff_fr - t.eff_ok) + m.switch_eff * dsw);
      S.time[k] = vk * (g(O + c_time) + (law.time_fr - law.time_ok));
      S.frictions[k] = vk * (g(O + c_fr) + law.keep);
    } else {
      S.satisfaction_change[k] = vk * (g(O + c_sat) + (t.sat_fr - t.sat_ok) + m.switch_sat * dsw);
      S.effort[k] = vk * (g(O + c_eff) + (t.eff_fr - t.eff_ok) + m.switch_eff * dsw);
      S.time[k] = vk * (g(O + c_time) + (t.dur_fr.mean - t.dur_ok.mean));
      S.frictions[k] = vk * (g(O + c_fr) + 1.0);
    }
    S.cost[k] = vk * g(O + c_cost);
    S.switches[k] = vk * (g(O + c_sw) + dsw);
    S.steps[k] = vk * g(O + c_one);
    // With a recovery program, satisfaction and cost also move through the
    // trigger probability, which these derivatives do not follow.
    if (opt.recovery) S.satisfaction_change[k] = S.cost[k] = kNaN;
  }
}

}  // namespace cxsim::analytics::detail
