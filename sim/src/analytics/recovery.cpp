// Targeted recovery programs (MODEL.md section 11; docs/methods/analytics.md,
// "5b. Recovery programs"): a trigger that is a function of one visit (`at`,
// `wait_above`, `outcome_kind`) splits each row of the chain into the mass
// that fires the trigger and the mass that does not. The walk is then a chain
// on two layers: before the trigger (the start layer) and after it (the
// trigger fires at most once per walk); a success of a program with `reroute`
// sends the fired mass to the reroute touchpoint of the second layer.
#include <cstdint>
#include <vector>

#include "chain.h"
#include "cxsim/analytics/waiting.h"

namespace cxsim::analytics::detail {

namespace {

using Trigger = engine::RecoveryProgram::Trigger;

void add(std::vector<Edge>& row, std::uint32_t node, double p) {
  if (p == 0) return;
  for (auto& e : row)
    if (e.node == node) {
      e.p += p;
      return;
    }
  row.push_back({node, p});
}

// Touchpoint k's row split by route: `stay` (does not fire) and `fire`, each
// by model node (touchpoint or T + outcome).
void split_row(const CompiledModel& m, const CompiledTouchpoint& t, std::size_t k, const engine::RecoveryProgram& p,
               const QueueWait* wait, std::vector<Edge>& stay, std::vector<Edge>& fire) {
  const double f = t.friction;
  VisitLaw law;
  law.patience = t.has_patience;
  law.keep = visit_keep(t, wait);
  // Mass of (route ok, route friction) that stays / fires.
  double stay_ok = law.p_ok(f), stay_fr = law.p_fr(f), fire_ok = 0, fire_fr = 0;
  if (k == p.at && p.trigger == Trigger::at) {
    fire_fr = stay_fr;
    stay_fr = 0;
  } else if (k == p.at && p.trigger == Trigger::wait_above) {
    const double x = p.threshold;
    const double s_ok = duration_survival(t.dur_ok, x), s_fr = duration_survival(t.dur_fr, x);
    if (!t.has_patience) {
      fire_ok = (1 - f) * s_ok;
      fire_fr = f * s_fr;
    } else {
      // An ok draw: stays ok-routed iff D <= A; lasts min(D, A).
      const double s_a = duration_survival(t.patience, x);
      const double ok_long = law.keep - prob_within_patience_below(t.dur_ok, t.patience, x);  // D <= A, D > x
      const double gave_up_long = std::max(0.0, s_ok * s_a - ok_long);                        // D > A > x
      fire_ok = (1 - f) * ok_long;
      fire_fr = (1 - f) * gave_up_long + f * s_fr * s_a;
    }
    stay_ok = std::max(0.0, stay_ok - fire_ok);
    stay_fr = std::max(0.0, stay_fr - fire_fr);
  }
  const std::uint32_t T = static_cast<std::uint32_t>(m.num_touchpoints());
  auto route = [&](const Categorical& c, double ps, double pf) {
    for_each_entry(m, c, [&](std::uint32_t n, double q) {
      const bool kind_fires = p.trigger == Trigger::outcome_kind && n >= T && m.outcome_kind[n - T] == p.kind;
      add(kind_fires ? fire : stay, n, ps * q);
      add(fire, n, pf * q);
    });
  };
  route(t.next_ok, stay_ok, fire_ok);
  route(t.next_fr, stay_fr, fire_fr);
}

}  // namespace

bool targeted_recovery(const engine::RecoveryProgram& p) {
  return p.trigger == Trigger::at || p.trigger == Trigger::wait_above || p.trigger == Trigger::outcome_kind;
}

Chain recovery_chain(const CompiledModel& m, std::size_t s, const AnalyzeOptions& opt, const Chain& c,
                     const engine::RecoveryProgram& p) {
  const auto& seg = m.segments[s];
  const std::size_t n = c.n;
  const double rs = p.reach * p.success;
  const bool reroute = p.reroute != engine::RecoveryProgram::kNone;
  Chain a = c;
  a.n = 2 * n;
  a.tp.insert(a.tp.end(), c.tp.begin(), c.tp.end());
  a.q.assign(2 * n, {});
  a.r.assign(2 * n, {});
  a.pi.assign(2 * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) a.pi[i] = c.pi[i];
  a.fire.assign(2 * n, 0.0);
  auto to = [&](std::vector<Edge>& q, std::vector<Edge>& r, std::uint32_t node, double pr, std::size_t layer) {
    if (pr == 0) return;
    if (node >= c.T) {
      add(r, node - static_cast<std::uint32_t>(c.T), pr);
    } else if (c.local[node] >= 0) {
      add(q, static_cast<std::uint32_t>(layer * n + static_cast<std::size_t>(c.local[node])), pr);
    }
  };
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = c.tp[i];
    std::vector<Edge> stay, fire;
    split_row(m, seg.tp[k], k, p, queue_wait_at(opt, s, k), stay, fire);
    for (const auto& e : stay) to(a.q[i], a.r[i], e.node, e.p, 0);
    double fired = 0;
    for (const auto& e : fire) {
      fired += e.p;
      if (reroute) {
        to(a.q[i], a.r[i], e.node, (1 - rs) * e.p, 1);
        to(a.q[i], a.r[i], p.reroute, rs * e.p, 1);
      } else {
        to(a.q[i], a.r[i], e.node, e.p, 1);
      }
    }
    a.fire[i] = fired;
    // After the trigger: the walk as without the program.
    for (const auto& e : c.q[i]) a.q[n + i].push_back({static_cast<std::uint32_t>(n + e.node), e.p});
    a.r[n + i] = c.r[i];
  }
  return a;
}

}  // namespace cxsim::analytics::detail
