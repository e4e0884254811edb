// Unit tests of the exact absorbing-chain analytics (cxsim/analytics):
// textbook absorbing chains (Grinstead & Snell ch. 11), brute-force path
// enumeration, an independent step-by-step propagation, removal effects and
// the singular (trap) case.
#include "cxsim/analytics/absorbing_chain.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cxsim/analytics/waiting.h"
#include "cxsim/core/errors.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"

namespace {

using cxsim::analytics::AnalyzeOptions;
using cxsim::analytics::JourneyAnalytics;
using cxsim::analytics::WalkExpectations;
using cxsim::model::CompiledModel;

CompiledModel compile_text(const std::string& yaml) {
  return cxsim::model::compile(cxsim::model::load_journey_text(yaml, "test.yaml").spec);
}

CompiledModel compile_file(const std::string& path) {
  return cxsim::model::compile(cxsim::model::load_journey(path).spec);
}

std::size_t kind_index(const CompiledModel& m, const std::string& kind) {
  for (std::size_t c = 0; c < m.kinds.size(); ++c)
    if (m.kinds[c] == kind) return c;
  ADD_FAILURE() << "no kind " << kind;
  return 0;
}

std::size_t tp_index(const CompiledModel& m, const std::string& id) {
  for (std::size_t k = 0; k < m.touchpoint_ids.size(); ++k)
    if (m.touchpoint_ids[k] == id) return k;
  ADD_FAILURE() << "no touchpoint " << id;
  return 0;
}

// A random walk on 0..n absorbed at 0 (outcome `ruin`) and n (`win`); step
// right with probability p. `split` encodes the step as the friction draw
// (friction = q: ok goes right, friction goes left) instead of one map.
std::string gambler_yaml(int n, double p, int start, bool split) {
  std::string y = fmt::format("journey: ruin\nstart: {{s{}: 1}}\ntouchpoints:\n", start);
  auto name = [n](int i) {
    if (i == 0) return std::string("ruin");
    if (i == n) return std::string("win");
    return fmt::format("s{}", i);
  };
  for (int i = 1; i < n; ++i) {
    y += fmt::format("  s{}:\n    channel: web\n", i);
    if (split)
      y += fmt::format("    friction: {}\n    next: {{ok: {{{}: 1}}, friction: {{{}: 1}}}}\n", 1 - p, name(i + 1),
                       name(i - 1));
    else y += fmt::format("    next: {{{}: {}, {}: {}}}\n", name(i + 1), p, name(i - 1), 1 - p);
  }
  y += "outcomes:\n  ruin: {kind: lost}\n  win: {kind: won}\n";
  return y;
}

TEST(AnalyticsChain, DrunkardsWalkGrinsteadSnell) {
  // Grinstead & Snell, Example 11.13 ff.: walk on 0..4, p = 1/2.
  const double B[3][2] = {{0.75, 0.25}, {0.5, 0.5}, {0.25, 0.75}};  // [from 1..3][absorbed at 0, 4]
  const double t[3] = {3, 4, 3};
  for (bool split : {false, true}) {
    for (int i = 1; i <= 3; ++i) {
      const CompiledModel m = compile_text(gambler_yaml(4, 0.5, i, split));
      const JourneyAnalytics a = cxsim::analytics::analyze(m);
      const auto& w = a.population;
      EXPECT_NEAR(w.kind_prob[kind_index(m, "lost")], B[i - 1][0], 1e-12) << i;
      EXPECT_NEAR(w.kind_prob[kind_index(m, "won")], B[i - 1][1], 1e-12) << i;
      EXPECT_EQ(w.kind_prob[m.timeout_kind()], 0.0);
      EXPECT_NEAR(w.steps, t[i - 1], 1e-12) << i;
      // (2N − I)t − t² = [8, 8, 8] for this walk.
      EXPECT_NEAR(w.steps_variance, 8.0, 1e-10) << i;
      // Expected visits: row i of N = [[3/2,1,1/2],[1,2,1],[1/2,1,3/2]].
      const double N[3][3] = {{1.5, 1, 0.5}, {1, 2, 1}, {0.5, 1, 1.5}};
      for (int j = 1; j <= 3; ++j) EXPECT_NEAR(w.visits[tp_index(m, fmt::format("s{}", j))], N[i - 1][j - 1], 1e-12);
      if (split) {
        EXPECT_NEAR(w.frictions, 0.5 * w.steps, 1e-12);
      }
    }
  }
}

TEST(AnalyticsChain, BiasedGamblersRuinClosedForm) {
  const int n = 7;
  for (double p : {0.3, 0.55, 0.8}) {
    const double q = 1 - p, r = q / p;
    for (bool split : {false, true}) {
      for (int i = 1; i < n; ++i) {
        const CompiledModel m = compile_text(gambler_yaml(n, p, i, split));
        const auto w = cxsim::analytics::analyze(m).population;
        const double ruin = (std::pow(r, i) - std::pow(r, n)) / (1 - std::pow(r, n));
        // Expected duration of the classical ruin problem.
        const double dur = i / (q - p) - (n / (q - p)) * (1 - std::pow(r, i)) / (1 - std::pow(r, n));
        EXPECT_NEAR(w.kind_prob[kind_index(m, "lost")], ruin, 1e-12) << p << " " << i;
        EXPECT_NEAR(w.kind_prob[kind_index(m, "won")], 1 - ruin, 1e-12) << p << " " << i;
        EXPECT_NEAR(w.steps, dur, 1e-10) << p << " " << i;
      }
    }
  }
}

// ------------------------------------------------------------ brute force
// Every path of a small DAG journey with its probability, enumerated with the
// engine's rules: entry from start, a friction draw per visit, the next map of
// the branch, a switch penalty when consecutive touchpoints differ in channel.
struct BruteForce {
  std::vector<double> outcome_prob, visits, friction_visits, channel_visits, switches_into;
  std::vector<std::vector<double>> exit_share;
  double sat = 0, effort = 0, time = 0, cost = 0, frictions = 0, switches = 0, steps = 0, steps2 = 0, value = 0,
         total = 0;
};

BruteForce enumerate(const CompiledModel& m, std::size_t seg) {
  const std::size_t T = m.num_touchpoints();
  BruteForce b;
  b.outcome_prob.assign(m.num_outcomes(), 0);
  b.visits.assign(T, 0);
  b.friction_visits.assign(T, 0);
  b.channel_visits.assign(m.channels.size(), 0);
  b.switches_into.assign(m.channels.size(), 0);
  b.exit_share.assign(T, std::vector<double>(m.num_kinds(), 0));
  struct State {
    double sat = 0, eff = 0, time = 0, cost = 0;
    int fr = 0, sw = 0, steps = 0;
    std::vector<int> visits, fvisits, chvisits, swinto;
  };
  std::function<void(std::uint32_t, double, State, int)> walk = [&](std::uint32_t node, double p, State st, int prev) {
    const auto& tp = m.segments[seg].tp[node];
    for (int branch = 0; branch < 2; ++branch) {
      const bool fr = branch == 1;
      const double pb = fr ? tp.friction : 1 - tp.friction;
      if (pb == 0) continue;
      State s = st;
      s.steps++;
      s.visits[node]++;
      s.chvisits[tp.channel]++;
      if (prev >= 0 && m.touchpoint_channel[prev] != tp.channel) {
        s.sw++;
        s.swinto[tp.channel]++;
        s.sat += m.switch_sat;
        s.eff += m.switch_eff;
      }
      s.sat += fr ? tp.sat_fr : tp.sat_ok;
      s.eff += fr ? tp.eff_fr : tp.eff_ok;
      s.time += fr ? tp.dur_fr.mean : tp.dur_ok.mean;
      s.cost += tp.cost;
      if (fr) {
        s.fr++;
        s.fvisits[node]++;
      }
      const auto cat = fr ? tp.next_fr : tp.next_ok;
      for (std::uint32_t i = cat.offset; i < cat.offset + cat.count; ++i) {
        const double pp = p * pb * m.prob[i];
        const std::uint32_t next = m.target[i];
        if (m.is_outcome(next)) {
          const auto o = m.outcome_of(next);
          b.total += pp;
          b.outcome_prob[o] += pp;
          b.exit_share[node][m.outcome_kind[o]] += pp;
          b.sat += pp * s.sat;
          b.effort += pp * s.eff;
          b.time += pp * s.time;
          b.cost += pp * s.cost;
          b.frictions += pp * s.fr;
          b.switches += pp * s.sw;
          b.steps += pp * s.steps;
          b.steps2 += pp * s.steps * s.steps;
          b.value += pp * m.outcome_value[o];
          for (std::size_t k = 0; k < T; ++k) {
            b.visits[k] += pp * s.visits[k];
            b.friction_visits[k] += pp * s.fvisits[k];
          }
          for (std::size_t c = 0; c < m.channels.size(); ++c) {
            b.channel_visits[c] += pp * s.chvisits[c];
            b.switches_into[c] += pp * s.swinto[c];
          }
        } else {
          walk(next, pp, s, static_cast<int>(node));
        }
      }
    }
  };
  State s0;
  s0.visits.assign(T, 0);
  s0.fvisits.assign(T, 0);
  s0.chvisits.assign(m.channels.size(), 0);
  s0.swinto.assign(m.channels.size(), 0);
  for (std::uint32_t i = m.start.offset; i < m.start.offset + m.start.count; ++i) walk(m.target[i], m.prob[i], s0, -1);
  return b;
}

const char* kDag = R"(
journey: dag
start: {ad: 0.3, search: 0.5, store: 0.2}
touchpoints:
  ad:
    channel: social
    friction: 0.1
    satisfaction: {ok: 0.1, friction: -0.3}
    effort: {ok: 0, friction: 1}
    duration: {fixed: 0.5}
    next: {search: 0.5, product: 0.3, gone: 0.2}
  search:
    channel: web
    friction: 0.2
    satisfaction: {ok: 0.2, friction: -0.5}
    effort: {ok: 1, friction: 2}
    duration: {exponential: {mean: 2}}
    cost: 0.1
    next:
      ok: {product: 0.9, gone: 0.1}
      friction: {store: 0.4, chat: 0.3, gone: 0.3}
  store:
    channel: store
    friction: 0.3
    satisfaction: {ok: 0.8, friction: -1}
    effort: {ok: 3, friction: 5}
    duration: {ok: {gamma: {mean: 20, sd: 5}}, friction: {lognormal: {median: 30, p90: 60}}}
    cost: 5
    next:
      ok: {bought: 0.7, product: 0.2, gone: 0.1}
      friction: {chat: 0.5, gone: 0.5}
  product:
    channel: web
    friction: 0.15
    satisfaction: {ok: 0.3, friction: -0.6}
    effort: {ok: 1, friction: 3}
    duration: {lognormal: {median: 4, p90: 10}}
    next:
      ok: {checkout: 0.6, chat: 0.1, gone: 0.3}
      friction: {chat: 0.5, gone: 0.5}
  chat:
    channel: chat
    friction: 0.25
    satisfaction: {ok: 0.4, friction: -0.9}
    effort: {ok: 2, friction: 4}
    duration: {gamma: {mean: 12, sd: 6}}
    cost: 3
    next:
      ok: {checkout: 0.5, fixed: 0.5}
      friction: {unfixed: 1}
  checkout:
    channel: web
    friction: 0.12
    satisfaction: {ok: 0.5, friction: -1.5}
    effort: {ok: 2, friction: 5}
    duration: {fixed: 3}
    next:
      ok: {bought: 1}
      friction: {gone: 0.6, bought: 0.4}
outcomes:
  bought: {kind: converted, value: 80}
  fixed: {kind: resolved}
  unfixed: {kind: unresolved, value: -5}
  gone: {kind: abandoned}
channel_switch: {satisfaction: -0.25, effort: 1.5}
)";

void expect_matches(const WalkExpectations& w, const BruteForce& b, const CompiledModel& m, double tol) {
  EXPECT_NEAR(b.total, 1.0, 1e-12);
  for (std::size_t o = 0; o < m.num_outcomes(); ++o) EXPECT_NEAR(w.outcome_prob[o], b.outcome_prob[o], tol) << o;
  for (std::size_t k = 0; k < m.num_touchpoints(); ++k) {
    EXPECT_NEAR(w.visits[k], b.visits[k], tol) << k;
    EXPECT_NEAR(w.friction_visits[k], b.friction_visits[k], tol) << k;
    for (std::size_t c = 0; c < m.num_kinds(); ++c) EXPECT_NEAR(w.exit_share[k][c], b.exit_share[k][c], tol);
  }
  for (std::size_t c = 0; c < m.channels.size(); ++c) {
    EXPECT_NEAR(w.channel_visits[c], b.channel_visits[c], tol) << m.channels[c];
    EXPECT_NEAR(w.switches_into[c], b.switches_into[c], tol) << m.channels[c];
  }
  EXPECT_NEAR(w.satisfaction_change, b.sat, tol);
  EXPECT_NEAR(w.effort, b.effort, tol);
  EXPECT_NEAR(w.time, b.time, tol * 10);
  EXPECT_NEAR(w.cost, b.cost, tol);
  EXPECT_NEAR(w.frictions, b.frictions, tol);
  EXPECT_NEAR(w.switches, b.switches, tol);
  EXPECT_NEAR(w.steps, b.steps, tol);
  EXPECT_NEAR(w.steps_variance, b.steps2 - b.steps * b.steps, tol);
  EXPECT_NEAR(w.value, b.value, tol * 10);
}

TEST(AnalyticsChain, DagMatchesBruteForceEnumeration) {
  const CompiledModel m = compile_text(kDag);
  for (auto solver : {AnalyzeOptions::Solver::dense, AnalyzeOptions::Solver::sparse}) {
    AnalyzeOptions opt;
    opt.solver = solver;
    const JourneyAnalytics a = cxsim::analytics::analyze(m, opt);
    const BruteForce b = enumerate(m, 0);
    ASSERT_GT(b.switches, 0.1);  // the example exercises switches
    expect_matches(a.population, b, m, 1e-12);
    expect_matches(a.segments[0], b, m, 1e-12);
    EXPECT_EQ(a.population.timeout_prob, 0.0);  // at most 6 visits on a DAG
  }
}

TEST(AnalyticsChain, DagWithSegmentsMixesByShare) {
  std::string y = kDag;
  y += R"(
segments:
  a:
    share: 0.3
    overrides:
      search: {friction: 0.6}
      checkout: {next: {ok: {bought: 0.9, gone: 0.1}, friction: {gone: 1}}}
  b:
    share: 0.7
    overrides:
      chat: {satisfaction: {ok: 1, friction: -2}, effort: {ok: 0, friction: 9}}
)";
  const CompiledModel m = compile_text(y);
  const JourneyAnalytics a = cxsim::analytics::analyze(m);
  ASSERT_EQ(a.segments.size(), 2u);
  BruteForce mix;
  for (std::size_t s = 0; s < 2; ++s) {
    const BruteForce b = enumerate(m, s);
    expect_matches(a.segments[s], b, m, 1e-12);
  }
  // Population: the share-weighted mix, variance from the mixed second moment.
  const BruteForce b0 = enumerate(m, 0), b1 = enumerate(m, 1);
  const double steps = 0.3 * b0.steps + 0.7 * b1.steps, steps2 = 0.3 * b0.steps2 + 0.7 * b1.steps2;
  EXPECT_NEAR(a.population.steps, steps, 1e-12);
  EXPECT_NEAR(a.population.steps_variance, steps2 - steps * steps, 1e-12);
  EXPECT_NEAR(a.population.effort, 0.3 * b0.effort + 0.7 * b1.effort, 1e-12);
  for (std::size_t c = 0; c < m.num_kinds(); ++c)
    EXPECT_NEAR(a.population.kind_prob[c], 0.3 * a.segments[0].kind_prob[c] + 0.7 * a.segments[1].kind_prob[c], 1e-14);
}

// ------------------------------------------------------- step propagation
// An independent computation for cyclic journeys: propagate the distribution
// over touchpoints visit by visit (x_{t+1} = x_t P) and sum the expected
// rewards until the remaining mass is negligible. E[T] = Σ P(T > t),
// E[T²] = Σ (2t+1) P(T > t).
WalkExpectations propagate(const CompiledModel& m, std::size_t seg, int max_iter = 20000) {
  const std::size_t T = m.num_touchpoints();
  WalkExpectations w;
  w.outcome_prob.assign(m.num_outcomes(), 0);
  w.visits.assign(T, 0);
  w.kind_prob.assign(m.num_kinds(), 0);
  std::vector<double> x(T, 0), y(T);
  // prevch[k] = mass at k arriving from each previous touchpoint is not needed:
  // the switch penalty is charged on the transition, so add it when moving.
  for (std::uint32_t i = m.start.offset; i < m.start.offset + m.start.count; ++i) x[m.target[i]] += m.prob[i];
  double e2 = 0;
  for (int t = 0; t < max_iter; ++t) {
    double mass = std::accumulate(x.begin(), x.end(), 0.0);
    if (mass < 1e-18) break;
    w.steps += mass;
    e2 += (2.0 * t + 1) * mass;
    std::fill(y.begin(), y.end(), 0.0);
    for (std::size_t k = 0; k < T; ++k) {
      if (x[k] == 0) continue;
      const auto& tp = m.segments[seg].tp[k];
      w.visits[k] += x[k];
      w.frictions += x[k] * tp.friction;
      w.satisfaction_change += x[k] * ((1 - tp.friction) * tp.sat_ok + tp.friction * tp.sat_fr);
      w.effort += x[k] * ((1 - tp.friction) * tp.eff_ok + tp.friction * tp.eff_fr);
      w.time += x[k] * ((1 - tp.friction) * tp.dur_ok.mean + tp.friction * tp.dur_fr.mean);
      w.cost += x[k] * tp.cost;
      for (int br = 0; br < 2; ++br) {
        const double pb = br ? tp.friction : 1 - tp.friction;
        const auto cat = br ? tp.next_fr : tp.next_ok;
        for (std::uint32_t i = cat.offset; i < cat.offset + cat.count; ++i) {
          const double pp = x[k] * pb * m.prob[i];
          const auto n = m.target[i];
          if (m.is_outcome(n)) {
            w.outcome_prob[m.outcome_of(n)] += pp;
          } else {
            y[n] += pp;
            if (m.touchpoint_channel[n] != tp.channel) {
              w.switches += pp;
              w.satisfaction_change += pp * m.switch_sat;
              w.effort += pp * m.switch_eff;
            }
          }
        }
      }
    }
    x.swap(y);
  }
  for (std::size_t o = 0; o < m.num_outcomes(); ++o) {
    w.kind_prob[m.outcome_kind[o]] += w.outcome_prob[o];
    w.value += w.outcome_prob[o] * m.outcome_value[o];
  }
  w.steps_variance = e2 - w.steps * w.steps;
  return w;
}

void expect_close(const WalkExpectations& a, const WalkExpectations& b, double tol) {
  for (std::size_t o = 0; o < a.outcome_prob.size(); ++o) EXPECT_NEAR(a.outcome_prob[o], b.outcome_prob[o], tol);
  for (std::size_t k = 0; k < a.visits.size(); ++k) EXPECT_NEAR(a.visits[k], b.visits[k], tol);
  auto rel = [tol](double, double y) { return tol * std::max(1.0, std::abs(y)); };
  EXPECT_NEAR(a.satisfaction_change, b.satisfaction_change, rel(a.satisfaction_change, b.satisfaction_change));
  EXPECT_NEAR(a.effort, b.effort, rel(a.effort, b.effort));
  EXPECT_NEAR(a.time, b.time, rel(a.time, b.time));
  EXPECT_NEAR(a.cost, b.cost, rel(a.cost, b.cost));
  EXPECT_NEAR(a.frictions, b.frictions, tol);
  EXPECT_NEAR(a.switches, b.switches, tol);
  EXPECT_NEAR(a.steps, b.steps, tol);
  EXPECT_NEAR(a.steps_variance, b.steps_variance, rel(a.steps_variance, b.steps_variance));
  EXPECT_NEAR(a.value, b.value, rel(a.value, b.value));
}

TEST(AnalyticsChain, RetailAndTelecomMatchPropagationAndSumToOne) {
  for (const std::string f : {"retail.yaml", "telecom_support.yaml"}) {
    const CompiledModel m = compile_file(std::string(CXSIM_SHARED_DIR) + "/spec/examples/" + f);
    AnalyzeOptions dense, sparse;
    dense.solver = AnalyzeOptions::Solver::dense;
    sparse.solver = AnalyzeOptions::Solver::sparse;
    const JourneyAnalytics a = cxsim::analytics::analyze(m, dense);
    const JourneyAnalytics b = cxsim::analytics::analyze(m, sparse);
    ASSERT_EQ(a.segments.size(), m.segments.size());
    EXPECT_EQ(a.solver[0], "dense");
    EXPECT_EQ(b.solver[0], "sparse");
    for (std::size_t s = 0; s < m.segments.size(); ++s) {
      const auto& w = a.segments[s];
      EXPECT_NEAR(std::accumulate(w.outcome_prob.begin(), w.outcome_prob.end(), 0.0), 1.0, 1e-12) << f;
      EXPECT_NEAR(std::accumulate(w.kind_prob.begin(), w.kind_prob.end(), 0.0), 1.0, 1e-12) << f;
      double exits = 0;
      for (const auto& row : w.exit_share) exits += std::accumulate(row.begin(), row.end(), 0.0);
      EXPECT_NEAR(exits, 1.0, 1e-12);
      expect_close(w, propagate(m, s), 1e-10);
      expect_close(w, b.segments[s], 1e-12);
      EXPECT_GT(w.steps_variance, 0);
      EXPECT_GE(w.timeout_prob, 0);
      EXPECT_LT(w.timeout_prob, 1e-12);  // max_steps 200 / 1000
    }
    const auto& p = a.population;
    EXPECT_NEAR(std::accumulate(p.kind_prob.begin(), p.kind_prob.end(), 0.0), 1.0, 1e-12) << f;
    EXPECT_EQ(p.kind_prob.back(), 0.0);
  }
}

TEST(AnalyticsChain, TimeoutProbabilityIsTheTailOfTheStepCount) {
  // Drunkard's walk on 0..4 from 2: P(T > 2t) = 2^-t (T is even; after two
  // steps the walk is back at 2 with probability 1/2).
  std::string y = gambler_yaml(4, 0.5, 2, false);
  for (int ms : {2, 3, 4, 10, 11}) {
    const CompiledModel m = compile_text(fmt::format("max_steps: {}\n{}", ms, y));
    EXPECT_EQ(m.max_steps, ms);
    const auto w = cxsim::analytics::analyze(m).population;
    EXPECT_NEAR(w.timeout_prob, std::pow(0.5, ms / 2), 1e-15) << ms;
  }
  AnalyzeOptions o;
  o.timeout_work_limit = 1;
  const auto a = cxsim::analytics::analyze(compile_text(y), o);
  EXPECT_TRUE(std::isnan(a.population.timeout_prob));
  EXPECT_FALSE(a.notes.empty());
}

// ------------------------------------------------------------- removal
const char* kRemoval = R"(
journey: removal
start: {a: 1}
touchpoints:
  a: {channel: web, next: {b: 0.5, c: 0.5}}
  b: {channel: web, next: {buy: 0.8, quit: 0.2}}
  c: {channel: web, next: {buy: 0.4, b: 0.3, quit: 0.3}}
outcomes:
  buy: {kind: converted}
  quit: {kind: abandoned}
)";

TEST(AnalyticsChain, RemovalEffectHandComputed) {
  const CompiledModel m = compile_text(kRemoval);
  const JourneyAnalytics a = cxsim::analytics::analyze(m);
  ASSERT_TRUE(a.has_removal);
  EXPECT_EQ(a.removal_outcome, 1);
  EXPECT_TRUE(a.removal_note.empty());
  const auto conv = kind_index(m, "converted"), ab = kind_index(m, "abandoned");
  const auto A = tp_index(m, "a"), B = tp_index(m, "b"), C = tp_index(m, "c");
  // P(buy) = .5·.8 + .5·(.4 + .3·.8) = .72
  EXPECT_NEAR(a.population.kind_prob[conv], 0.72, 1e-14);
  const auto& r = a.population_removal;
  EXPECT_NEAR(r.reach_prob[A], 1.0, 1e-14);
  EXPECT_NEAR(r.reach_prob[B], 0.65, 1e-14);
  EXPECT_NEAR(r.reach_prob[C], 0.5, 1e-14);
  // Without b: buy only via c directly: .5·.4 = .2; abandoned .8.
  EXPECT_NEAR(r.kind_prob[B][conv], 0.2, 1e-14);
  EXPECT_NEAR(r.kind_prob[B][ab], 0.8, 1e-14);
  EXPECT_NEAR(r.relative_drop[B][conv], (0.72 - 0.2) / 0.72, 1e-14);
  EXPECT_NEAR(r.relative_drop[B][ab], (0.28 - 0.8) / 0.28, 1e-13);
  // Without c: .5·.8 = .4.
  EXPECT_NEAR(r.relative_drop[C][conv], (0.72 - 0.4) / 0.72, 1e-14);
  EXPECT_NEAR(r.relative_drop[A][conv], 1.0, 1e-14);
  EXPECT_TRUE(std::isnan(r.relative_drop[A][m.timeout_kind()]));  // P = 0
}

std::string replaced(std::string y, const std::string& from, const std::string& to) {
  return y.substr(0, y.find(from)) + to + y.substr(y.find(from) + from.size());
}

TEST(AnalyticsChain, RemovalWithoutBadKindUsesVirtualOutcome) {
  // `lost` (bad by default) declared good: no kind is bad, so nothing absorbs the removed walks.
  const CompiledModel m = compile_text(replaced(kRemoval, "kind: abandoned", "kind: lost, good: true"));
  const JourneyAnalytics a = cxsim::analytics::analyze(m);
  EXPECT_EQ(a.removal_outcome, -1);
  EXPECT_FALSE(a.removal_note.empty());
  const auto conv = kind_index(m, "converted"), lost = kind_index(m, "lost");
  const auto B = tp_index(m, "b");
  const auto& r = a.population_removal;
  EXPECT_NEAR(r.kind_prob[B][conv], 0.2, 1e-14);
  // lost without b: only .5·.3 from c; the .65 that reach b go to "removed".
  EXPECT_NEAR(r.kind_prob[B][lost], 0.15, 1e-14);
  EXPECT_NEAR(r.relative_drop[B][lost], (0.28 - 0.15) / 0.28, 1e-13);
}

// The removed walks go to the first outcome of a bad kind, by the journey's
// declaration (or the default table), not by the name `abandoned`; so the
// removal effect is positive for good kinds and negative for that bad one.
TEST(AnalyticsChain, RemovalFollowsTheDeclaredBadKind) {
  for (const std::string kinds : {"{kind: lost}", "{kind: dropped, good: false}"}) {
    std::string y = replaced(kRemoval, "{kind: abandoned}", kinds);
    y = replaced(y, "{kind: converted}", "{kind: done, good: true}");
    const CompiledModel m = compile_text(y);
    const JourneyAnalytics a = cxsim::analytics::analyze(m);
    EXPECT_EQ(a.removal_outcome, 1) << kinds;
    EXPECT_TRUE(a.removal_note.empty()) << kinds;
    EXPECT_EQ(m.kinds[cxsim::analytics::primary_kind(m)], "done");
    const std::size_t good = kind_index(m, "done"), bad = m.outcome_kind[1];
    const auto B = tp_index(m, "b");
    const auto& r = a.population_removal;
    EXPECT_NEAR(r.relative_drop[B][good], (0.72 - 0.2) / 0.72, 1e-14) << kinds;
    EXPECT_NEAR(r.relative_drop[B][bad], (0.28 - 0.8) / 0.28, 1e-13) << kinds;
    EXPECT_LT(r.relative_drop[B][bad], 0) << kinds;
  }
}

// Removal by re-solving: redirect every transition into k (and start) to the
// abandoned outcome and analyze again.
TEST(AnalyticsChain, RemovalMatchesResolveOnCyclicJourneys) {
  for (const std::string f : {"retail.yaml", "telecom_support.yaml"}) {
    const CompiledModel m = compile_file(std::string(CXSIM_SHARED_DIR) + "/spec/examples/" + f);
    const JourneyAnalytics a = cxsim::analytics::analyze(m);
    ASSERT_TRUE(a.has_removal);
    const bool virt = a.removal_outcome < 0;
    for (std::size_t k = 0; k < m.num_touchpoints(); ++k) {
      CompiledModel r = m;
      // A virtual "removed" outcome: append an outcome of a fresh kind.
      std::uint32_t sink;
      if (virt) {
        r.outcome_ids.push_back("removed");
        r.kinds.insert(r.kinds.end() - 1, "removed_kind");  // before timeout
        r.outcome_kind.insert(r.outcome_kind.end() - 1, static_cast<std::uint16_t>(r.kinds.size() - 2));
        r.outcome_value.insert(r.outcome_value.end() - 1, 0.0);
        r.outcome_kind.back() = static_cast<std::uint16_t>(r.kinds.size() - 1);
        // Outcome node indices are T+o: existing targets are unchanged.
        sink = static_cast<std::uint32_t>(r.num_touchpoints() + r.num_outcomes() - 1);
      } else {
        sink = static_cast<std::uint32_t>(r.num_touchpoints() + a.removal_outcome);
      }
      for (auto& t : r.target)
        if (t == k) t = sink;
      AnalyzeOptions o;
      o.removal = false;
      o.sensitivities = false;
      const JourneyAnalytics b = cxsim::analytics::analyze(r, o);
      for (std::size_t s = 0; s < m.segments.size(); ++s) {
        for (std::size_t c = 0; c + 1 < m.num_kinds(); ++c)
          EXPECT_NEAR(a.segment_removal[s].kind_prob[k][c], b.segments[s].kind_prob[c], 1e-12)
              << f << " " << m.touchpoint_ids[k] << " " << m.kinds[c];
        EXPECT_NEAR(a.segment_removal[s].value[k], b.segments[s].value, 1e-10);
      }
      for (std::size_t c = 0; c + 1 < m.num_kinds(); ++c)
        EXPECT_NEAR(a.population_removal.kind_prob[k][c], b.population.kind_prob[c], 1e-12);
    }
  }
}

// ------------------------------------------------------------- singular
// A compiled model edited by hand so that `b` loops on itself for ever (the
// validator refuses such a journey; analyze must not return garbage).
CompiledModel with_trap(bool reachable) {
  const CompiledModel base = compile_text(R"(
journey: trap
start: {a: 1}
touchpoints:
  a: {channel: web, next: {b: 0.5, done: 0.5}}
  b: {channel: web, next: {c: 1}}
  c: {channel: web, next: {done: 1}}
  d: {channel: web, next: {done: 1}}
outcomes:
  done: {kind: converted}
)");
  CompiledModel m = base;
  const auto B = static_cast<std::uint32_t>(tp_index(m, "b")), C = static_cast<std::uint32_t>(tp_index(m, "c"));
  // c -> b and b -> c: a closed class {b, c}.
  const auto off = static_cast<std::uint32_t>(m.cum.size());
  m.cum.push_back(1.0);
  m.prob.push_back(1.0);
  m.target.push_back(B);
  m.segments[0].tp[C].next_ok = m.segments[0].tp[C].next_fr = {off, 1};
  if (!reachable) {
    // a no longer enters b: the trap is unreachable and harmless.
    const auto off2 = static_cast<std::uint32_t>(m.cum.size());
    m.cum.push_back(1.0);
    m.prob.push_back(1.0);
    m.target.push_back(static_cast<std::uint32_t>(m.num_touchpoints()));  // done
    const auto A = tp_index(m, "a");
    m.segments[0].tp[A].next_ok = m.segments[0].tp[A].next_fr = {off2, 1};
  }
  return m;
}

TEST(AnalyticsChain, TrapThrowsRuntimeErrorNamingTouchpoints) {
  const CompiledModel m = with_trap(true);
  try {
    (void)cxsim::analytics::analyze(m);
    FAIL() << "expected RuntimeError";
  } catch (const cxsim::core::RuntimeError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'b'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'c'"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("'a'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("singular"), std::string::npos) << msg;
  }
  for (auto solver : {AnalyzeOptions::Solver::dense, AnalyzeOptions::Solver::sparse}) {
    AnalyzeOptions o;
    o.solver = solver;
    EXPECT_THROW((void)cxsim::analytics::analyze(m, o), cxsim::core::RuntimeError);
  }
}

TEST(AnalyticsChain, UnreachableTrapIsLeftOut) {
  const CompiledModel m = with_trap(false);
  const JourneyAnalytics a = cxsim::analytics::analyze(m);
  EXPECT_NEAR(a.population.kind_prob[0], 1.0, 1e-15);
  EXPECT_NEAR(a.population.steps, 1.0, 1e-15);
  EXPECT_FALSE(a.reachable[0][tp_index(m, "b")]);
  EXPECT_EQ(a.population.visits[tp_index(m, "b")], 0.0);
}

TEST(AnalyticsChain, TrapBehindZeroProbabilityBranchGivesNaNDerivative) {
  // `a` has friction 0 and a friction branch into a trap: the walk never
  // goes there, but d/df_a is undefined (the trap opens for f_a > 0).
  const CompiledModel base = compile_text(R"(
journey: zero_branch
start: {a: 1}
touchpoints:
  a:
    channel: web
    friction: 0
    next: {ok: {b: 1}, friction: {t: 1}}
  b: {channel: web, next: {done: 1}}
  t: {channel: web, next: {done: 1}}
outcomes:
  done: {kind: converted}
)");
  CompiledModel m = base;
  const auto T = static_cast<std::uint32_t>(tp_index(m, "t"));
  const auto off = static_cast<std::uint32_t>(m.cum.size());
  m.cum.push_back(1.0);
  m.prob.push_back(1.0);
  m.target.push_back(T);
  m.segments[0].tp[T].next_ok = m.segments[0].tp[T].next_fr = {off, 1};
  const JourneyAnalytics a = cxsim::analytics::analyze(m);
  EXPECT_NEAR(a.population.kind_prob[0], 1.0, 1e-15);
  EXPECT_TRUE(std::isnan(a.population_sensitivity.kind_prob[tp_index(m, "a")][0]));
  EXPECT_EQ(a.population_sensitivity.kind_prob[tp_index(m, "b")][0], 0.0);
  EXPECT_FALSE(a.notes.empty());
}

// A recovery program triggered by friction visits: P(at least k friction
// visits) in closed form on a one-touchpoint loop. `a` has friction f and
// after a friction visit returns to itself with probability q, so
// P(frictions >= k) = f (q f)^(k-1). The program adds satisfaction and cost
// through that probability; a satisfaction trigger is not exact (NaN).
TEST(AnalyticsChain, RecoveryFrictionsTriggerClosedForm) {
  const CompiledModel m = compile_text(R"(
journey: loop
start: {a: 1.0}
touchpoints:
  a:
    channel: web
    friction: 0.4
    satisfaction: {ok: 0.5, friction: -1.0}
    cost: 1.0
    next:
      ok: {done: 1.0}
      friction: {a: 0.5, done: 0.5}
outcomes:
  done: {kind: resolved}
)");
  const auto plain = cxsim::analytics::analyze(m).population;
  EXPECT_FALSE(plain.recovery);
  for (int k = 0; k <= 4; ++k) {
    cxsim::engine::RecoveryProgram rp;
    rp.trigger = cxsim::engine::RecoveryProgram::Trigger::frictions_at_least;
    rp.threshold = k;
    rp.reach = 0.8;
    rp.success = 0.25;
    rp.satisfaction = 2.0;
    rp.cost = 10.0;
    AnalyzeOptions o;
    o.recovery = rp;
    const auto w = cxsim::analytics::analyze(m, o).population;
    // k <= 0: every walk meets the trigger after its first visit.
    const double p = k == 0 ? 1.0 : 0.4 * std::pow(0.5 * 0.4, k - 1);
    ASSERT_TRUE(w.recovery && w.recovery_exact);
    EXPECT_NEAR(w.recovery_triggered, p, 1e-14) << k;
    EXPECT_NEAR(w.recovery_reached, 0.8 * p, 1e-14);
    EXPECT_NEAR(w.recovery_succeeded, 0.2 * p, 1e-14);
    EXPECT_NEAR(w.satisfaction_change, plain.satisfaction_change + 2.0 * 0.2 * p, 1e-13);
    EXPECT_NEAR(w.cost, plain.cost + 10.0 * 0.8 * p, 1e-13);
    EXPECT_NEAR(w.steps, plain.steps, 1e-14);  // the route does not change
  }
  cxsim::engine::RecoveryProgram mood;
  mood.trigger = cxsim::engine::RecoveryProgram::Trigger::satisfaction_below;
  mood.threshold = -0.5;
  AnalyzeOptions o;
  o.recovery = mood;
  const auto a = cxsim::analytics::analyze(m, o);
  EXPECT_FALSE(a.population.recovery_exact);
  EXPECT_TRUE(std::isnan(a.population.satisfaction_change));
  EXPECT_TRUE(std::isnan(a.population.cost));
  EXPECT_TRUE(std::isnan(a.population.recovery_triggered));
  EXPECT_NEAR(a.population.steps, plain.steps, 1e-14);
  EXPECT_TRUE(std::isnan(a.population_sensitivity.satisfaction_change[0]));
}

TEST(AnalyticsChain, FrictionOverrideMaskFromSpec) {
  const auto spec = cxsim::model::load_journey(std::string(CXSIM_SHARED_DIR) + "/spec/examples/retail.yaml").spec;
  const auto mask = cxsim::analytics::friction_override_mask(spec);
  ASSERT_EQ(mask.size(), 2u);
  const CompiledModel m = cxsim::model::compile(spec);
  for (std::size_t k = 0; k < m.num_touchpoints(); ++k) {
    EXPECT_FALSE(mask[0][k]);
    EXPECT_EQ(mask[1][k], m.touchpoint_ids[k] == "checkout");
  }
  AnalyzeOptions o;
  o.friction_overridden = mask;
  const auto a = cxsim::analytics::analyze(m, o);
  EXPECT_DOUBLE_EQ(a.base_friction[tp_index(m, "checkout")], 0.15);
}

}  // namespace

// Segments whose chains are the same (no override that changes a touchpoint)
// share one solve (one factorisation of I−Q): their results must be exactly
// those of solving each alone, and every note must name its own segment.
TEST(AnalyticsChain, SegmentsWithTheSameChainShareOneSolve) {
  std::string y = kDag;
  y += R"(
segments:
  a: {share: 0.2}
  b:
    share: 0.5
    overrides:
      search: {friction: 0.6}
  c: {share: 0.3}
)";
  const CompiledModel m = compile_text(y);
  AnalyzeOptions opt;
  opt.timeout_work_limit = 1;  // every segment gets a "not computed" note
  const JourneyAnalytics a = cxsim::analytics::analyze(m, opt);
  ASSERT_EQ(a.segments.size(), 3u);
  for (std::size_t s = 0; s < 3; ++s) {
    const WalkExpectations alone = cxsim::analytics::analyze_segment(m, s, opt);
    EXPECT_EQ(a.segments[s].kind_prob, alone.kind_prob) << s;
    EXPECT_EQ(a.segments[s].visits, alone.visits) << s;
    EXPECT_EQ(a.segments[s].satisfaction_change, alone.satisfaction_change) << s;
    EXPECT_EQ(a.segments[s].steps_second_moment, alone.steps_second_moment) << s;
  }
  EXPECT_EQ(a.segments[0].visits, a.segments[2].visits);
  EXPECT_NE(a.segments[0].visits, a.segments[1].visits);
  ASSERT_EQ(a.notes.size(), 3u);
  for (std::size_t s = 0; s < 3; ++s)
    EXPECT_EQ(a.notes[s].rfind(fmt::format("segment '{}': ", m.segments[s].id), 0), 0u) << a.notes[s];
  EXPECT_EQ(a.segment_sensitivity[0].kind_prob, a.segment_sensitivity[2].kind_prob);
  EXPECT_EQ(a.segment_removal[0].kind_prob, a.segment_removal[2].kind_prob);
}

// --- Waiting and patience (cxsim/analytics/waiting.h) ---

namespace waiting_laws {

using cxsim::model::DurationSampler;
using cxsim::model::DurationSpec;

// One compiled distribution of every family, as journeys write them.
std::vector<std::pair<std::string, DurationSampler>> families(double scale) {
  auto compile_one = [](const std::string& dist) {
    const auto m = compile_text(fmt::format(R"(journey: d
start: {{a: 1}}
touchpoints:
  a: {{channel: web, duration: {}, next: {{done: 1}}}}
outcomes:
  done: {{kind: converted}}
)",
                                            dist));
    return m.segments[0].tp[0].dur_ok;
  };
  return {{"fixed", compile_one(fmt::format("{{fixed: {}}}", 5 * scale))},
          {"exponential", compile_one(fmt::format("{{exponential: {{mean: {}}}}}", 5 * scale))},
          {"lognormal", compile_one(fmt::format("{{lognormal: {{median: {}, p90: {}}}}}", 4 * scale, 9 * scale))},
          {"gamma", compile_one(fmt::format("{{gamma: {{mean: {}, sd: {}}}}}", 5 * scale, 3 * scale))}};
}

}  // namespace waiting_laws

TEST(Waiting, ExpectedExcessOfOneDurationMatchesQuadratureAgainstAnImmortalPatience) {
  // E[(D − t)+] in closed form equals ∫_t^∞ S_D by quadrature (a fixed
  // patience far beyond every duration leaves D alone).
  using namespace waiting_laws;
  DurationSampler never;
  never.kind = DurationSpec::Kind::fixed;
  never.p1 = never.mean = 1e6;
  for (const auto& [name, d] : families(1.0))
    for (double t : {0.0, 2.0, 5.0, 12.0}) {
      const double closed = cxsim::analytics::expected_excess(d, t);
      const double quad = cxsim::analytics::expected_excess_of_min_quadrature(d, never, t);
      EXPECT_NEAR(closed, quad, 1e-8 * (1 + closed)) << name << " t=" << t;
    }
  // Textbook values: exponential mean 5 at t = 5 is 5/e; fixed 5 at t = 2 is 3.
  const auto f = families(1.0);
  EXPECT_NEAR(cxsim::analytics::expected_excess(f[1].second, 5.0), 5.0 / std::exp(1.0), 1e-12);
  EXPECT_DOUBLE_EQ(cxsim::analytics::expected_excess(f[0].second, 2.0), 3.0);
  EXPECT_DOUBLE_EQ(cxsim::analytics::expected_excess(f[2].second, 0.0), f[2].second.mean);
}

TEST(Waiting, EveryFamilyPairClosedFormsMatchQuadrature) {
  // For every (duration, patience) pair: P(D <= A) and E[(min(D, A) − t)+] by
  // the closed forms (where they exist) against the generic quadrature.
  using namespace waiting_laws;
  const auto ds = families(1.0), as = families(1.3);
  int pairs = 0;
  for (const auto& [dn, d] : ds)
    for (const auto& [an, a] : as) {
      ++pairs;
      const std::string what = "D " + dn + ", A " + an;
      const double p = cxsim::analytics::prob_within_patience(d, a);
      EXPECT_GE(p, 0.0) << what;
      EXPECT_LE(p, 1.0) << what;
      if (!(d.kind == DurationSpec::Kind::fixed && a.kind == DurationSpec::Kind::fixed)) {
        EXPECT_NEAR(p, cxsim::analytics::prob_within_patience_quadrature(d, a), 1e-8) << what;
      }
      for (double t : {0.0, 3.0}) {
        const double e = cxsim::analytics::expected_excess_of_min(d, a, t);
        EXPECT_NEAR(e, cxsim::analytics::expected_excess_of_min_quadrature(d, a, t), 1e-8 * (1 + e))
            << what << " t=" << t;
        // min(D, A) is below both.
        EXPECT_LE(e, cxsim::analytics::expected_excess(d, t) + 1e-12) << what;
        EXPECT_LE(e, cxsim::analytics::expected_excess(a, t) + 1e-12) << what;
      }
    }
  EXPECT_EQ(pairs, 16);
  // Exponential D (mean 5) and exponential A (mean 6.5): P(D <= A) = 6.5/11.5,
  // E[min] = 5·6.5/11.5.
  EXPECT_NEAR(cxsim::analytics::prob_within_patience(ds[1].second, as[1].second), 6.5 / 11.5, 1e-12);
  EXPECT_NEAR(cxsim::analytics::expected_excess_of_min(ds[1].second, as[1].second, 0), 5 * 6.5 / 11.5, 1e-12);
  // Fixed 5 against fixed 6.5: never gives up; against fixed 4: always.
  const auto shorter = families(0.8);
  EXPECT_EQ(cxsim::analytics::prob_within_patience(ds[0].second, as[0].second), 1.0);
  EXPECT_EQ(cxsim::analytics::prob_within_patience(ds[0].second, shorter[0].second), 0.0);
}

TEST(Waiting, PatienceWithAQueueWaitEveryFamilyPairClosedFormsMatchQuadrature) {
  // For every (duration, patience) pair and an exponential queue wait E (mean
  // 2): P(D + E <= A) and E[(min(D + E, A) − t)+] by their closed forms
  // against the quadrature over D, and J_A against a direct integral.
  using namespace waiting_laws;
  namespace an = cxsim::analytics;
  const auto ds = families(1.0), as = families(1.3);
  const double m = 2.0;
  int pairs = 0;
  for (const auto& [dn, d] : ds)
    for (const auto& [aname, a] : as) {
      ++pairs;
      const std::string what = "D " + dn + ", A " + aname;
      const double p = an::prob_within_patience_with_wait(d, a, m);
      EXPECT_GT(p, 0.0) << what;
      EXPECT_LT(p, an::prob_within_patience(d, a) + 1e-12) << what;  // waiting only adds give-ups
      EXPECT_NEAR(p, an::prob_within_patience_with_wait_quadrature(d, a, m), 1e-8) << what;
      for (double t : {0.0, 3.0}) {
        const double e = an::expected_excess_of_min_with_wait(d, a, t, m);
        EXPECT_NEAR(e, an::expected_excess_of_min_with_wait_quadrature(d, a, t, m), 1e-8 * (1 + e))
            << what << " t=" << t;
        // min(D + E, A) lies between min(D, A) and A.
        EXPECT_GE(e, an::expected_excess_of_min(d, a, t) - 1e-9) << what;
        EXPECT_LE(e, an::expected_excess(a, t) + 1e-9) << what;
      }
    }
  EXPECT_EQ(pairs, 16);
  // J_A(m, y) = ∫_y^∞ e^{−(x−y)/m} P(A > x) dx by a plain midpoint sum.
  for (const auto& [aname, a] : as)
    for (double y : {0.0, 2.5, 9.0}) {
      double sum = 0;
      const double h = 1e-3;
      for (double x = y + h / 2; x < y + 200; x += h) sum += std::exp(-(x - y) / m) * an::duration_survival(a, x) * h;
      EXPECT_NEAR(an::shifted_patience_integral(a, m, y), sum, 1e-5 * (1 + sum)) << aname << " y=" << y;
    }
  // Exponential D (mean 5), E (mean 2) and A (mean 6.5): P = E[e^{−D/α}]·E[e^{−E/α}],
  // E[min(D + E, A)] = α·(1 − P).
  const double pe = (6.5 / 11.5) * (6.5 / 8.5);
  EXPECT_NEAR(an::prob_within_patience_with_wait(ds[1].second, as[1].second, m), pe, 1e-12);
  EXPECT_NEAR(an::expected_excess_of_min_with_wait(ds[1].second, as[1].second, 0, m), 6.5 * (1 - pe), 1e-12);
  // Fixed 5 + E against fixed 6.5: P(E <= 1.5) = 1 − e^{−0.75}; E[min] = 5 + 2·(1 − e^{−0.75}).
  EXPECT_NEAR(an::prob_within_patience_with_wait(ds[0].second, as[0].second, m), -std::expm1(-0.75), 1e-14);
  EXPECT_NEAR(an::expected_excess_of_min_with_wait(ds[0].second, as[0].second, 0, m), 5 - 2 * std::expm1(-0.75), 1e-12);
  // A saturated queue (E = +inf): whoever waits gives up and lasts A.
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(an::prob_within_patience_with_wait(ds[2].second, as[2].second, inf), 0.0);
  EXPECT_NEAR(an::expected_excess_of_min_with_wait(ds[2].second, as[2].second, 0, inf), as[2].second.mean, 1e-12);
}

TEST(Waiting, PatienceFoldsIntoTheChainFrictionAndTime) {
  // One touchpoint, friction 0.2, exponential duration (mean 5) and
  // exponential patience (mean 20): P(friction) = 1 − 0.8·20/25, time
  // E[min] = 4, and the friction branch (friction → lost) carries it.
  const auto m = compile_text(R"(journey: p
start: {q: 1}
touchpoints:
  q:
    channel: phone
    friction: 0.2
    duration: {exponential: {mean: 5}}
    patience: {exponential: {mean: 20}}
    waiting: {tolerance: 2, satisfaction_per_unit: -0.1}
    satisfaction: {ok: 1, friction: -1}
    next: {ok: {done: 1}, friction: {lost: 1}}
outcomes:
  done: {kind: resolved}
  lost: {kind: abandoned}
)");
  const auto a = cxsim::analytics::analyze(m).population;
  const double pf = 1 - 0.8 * 20.0 / 25.0;
  EXPECT_NEAR(a.frictions, pf, 1e-12);
  EXPECT_NEAR(a.kind_prob[kind_index(m, "abandoned")], pf, 1e-12);
  EXPECT_NEAR(a.time, 4.0, 1e-12);
  // min(D, A) is exponential with mean 4: E[(min − 2)+] = 4 e^{−1/2}.
  EXPECT_NEAR(a.satisfaction_change, (1 - pf) - pf - 0.1 * 4 * std::exp(-0.5), 1e-12);
}
