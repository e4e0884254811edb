// Exact friction sensitivities (dN/df_k = N (dQ/df_k) N) against central
// finite differences of exact re-solves, per segment and for the population
// mix with segment overrides; the first-order vs exact friction ranking.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/core/errors.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"

namespace {

using cxsim::analytics::AnalyzeOptions;
using cxsim::analytics::JourneyAnalytics;
using cxsim::analytics::Sensitivity;
using cxsim::analytics::WalkExpectations;
using cxsim::model::CompiledModel;

constexpr double kH = 1e-5;

struct Loaded {
  CompiledModel m;
  AnalyzeOptions opt;
};

Loaded load(const std::string& file) {
  const auto spec = cxsim::model::load_journey(std::string(CXSIM_SHARED_DIR) + "/spec/examples/" + file).spec;
  Loaded l{cxsim::model::compile(spec), {}};
  l.opt.friction_overridden = cxsim::analytics::friction_override_mask(spec);
  return l;
}

// |exact − fd| <= 1e-6 relative (with an absolute floor for derivatives that
// are zero or nearly so).
void expect_derivative(double exact, double fd, double scale, const std::string& what) {
  EXPECT_NEAR(exact, fd, 1e-6 * std::abs(fd) + 1e-9 * std::max(1.0, scale)) << what;
}

void compare(const Sensitivity& s, std::size_t k, const WalkExpectations& plus, const WalkExpectations& minus,
             const CompiledModel& m, const std::string& label) {
  auto fd = [](double p, double q) { return (p - q) / (2 * kH); };
  for (std::size_t o = 0; o < m.num_outcomes(); ++o)
    expect_derivative(s.outcome_prob[k][o], fd(plus.outcome_prob[o], minus.outcome_prob[o]), 1,
                      label + " outcome " + m.outcome_ids[o]);
  for (std::size_t c = 0; c < m.num_kinds(); ++c)
    expect_derivative(s.kind_prob[k][c], fd(plus.kind_prob[c], minus.kind_prob[c]), 1, label + " kind " + m.kinds[c]);
  expect_derivative(s.satisfaction_change[k], fd(plus.satisfaction_change, minus.satisfaction_change), 1,
                    label + " satisfaction");
  expect_derivative(s.effort[k], fd(plus.effort, minus.effort), 10, label + " effort");
  expect_derivative(s.time[k], fd(plus.time, minus.time), 100, label + " time");
  expect_derivative(s.cost[k], fd(plus.cost, minus.cost), 10, label + " cost");
  expect_derivative(s.frictions[k], fd(plus.frictions, minus.frictions), 1, label + " frictions");
  expect_derivative(s.switches[k], fd(plus.switches, minus.switches), 1, label + " switches");
  expect_derivative(s.steps[k], fd(plus.steps, minus.steps), 1, label + " steps");
  expect_derivative(s.value[k], fd(plus.value, minus.value), 100, label + " value");
}

class SensitivityFiles : public ::testing::TestWithParam<std::string> {};

TEST_P(SensitivityFiles, PerSegmentMatchesCentralDifferences) {
  const Loaded l = load(GetParam());
  const CompiledModel& m = l.m;
  const JourneyAnalytics a = cxsim::analytics::analyze(m, l.opt);
  ASSERT_TRUE(a.has_sensitivity);
  AnalyzeOptions plain;
  plain.sensitivities = false;
  plain.removal = false;
  int nonzero = 0;
  for (std::size_t s = 0; s < m.segments.size(); ++s) {
    for (std::size_t k = 0; k < m.num_touchpoints(); ++k) {
      const double f = m.segments[s].tp[k].friction;
      ASSERT_GT(f, kH);
      ASSERT_LT(f, 1 - kH);
      CompiledModel mp = m, mm = m;
      mp.segments[s].tp[k].friction = f + kH;
      mm.segments[s].tp[k].friction = f - kH;
      const auto plus = cxsim::analytics::analyze_segment(mp, s, plain);
      const auto minus = cxsim::analytics::analyze_segment(mm, s, plain);
      compare(a.segment_sensitivity[s], k, plus, minus, m,
              GetParam() + " " + m.segments[s].id + " " + m.touchpoint_ids[k]);
      if (std::abs(a.segment_sensitivity[s].satisfaction_change[k]) > 1e-3) ++nonzero;
    }
  }
  EXPECT_GE(nonzero, static_cast<int>(m.num_touchpoints()));
}

TEST_P(SensitivityFiles, PopulationMatchesCentralDifferencesOfBaseFriction) {
  const Loaded l = load(GetParam());
  const CompiledModel& m = l.m;
  const JourneyAnalytics a = cxsim::analytics::analyze(m, l.opt);
  for (std::size_t k = 0; k < m.num_touchpoints(); ++k) {
    const double f = a.base_friction[k];
    const auto plus = cxsim::analytics::with_friction(m, k, f + kH, l.opt);
    const auto minus = cxsim::analytics::with_friction(m, k, f - kH, l.opt);
    compare(a.population_sensitivity, k, plus, minus, m, GetParam() + " population " + m.touchpoint_ids[k]);
  }
}

INSTANTIATE_TEST_SUITE_P(Analytics, SensitivityFiles, ::testing::Values("retail.yaml", "telecom_support.yaml"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.substr(0, info.param.find('.'));
                         });

TEST(AnalyticsSensitivity, OverridingSegmentDoesNotMoveWithBaseFriction) {
  const Loaded l = load("retail.yaml");
  const CompiledModel& m = l.m;
  std::size_t checkout = 0;
  while (m.touchpoint_ids[checkout] != "checkout") ++checkout;
  const JourneyAnalytics a = cxsim::analytics::analyze(m, l.opt);
  // loyal (share 0.4) overrides checkout's friction: only `new` (0.6) moves.
  ASSERT_EQ(m.segments[0].id, "new");
  for (std::size_t c = 0; c < m.num_kinds(); ++c)
    EXPECT_NEAR(a.population_sensitivity.kind_prob[checkout][c], 0.6 * a.segment_sensitivity[0].kind_prob[checkout][c],
                1e-15);
  const auto changed = cxsim::analytics::with_friction_model(m, checkout, 0.3, l.opt);
  EXPECT_EQ(changed.segments[0].tp[checkout].friction, 0.3);
  EXPECT_EQ(changed.segments[1].tp[checkout].friction, 0.08);
  // Without the mask every segment follows the base.
  const JourneyAnalytics b = cxsim::analytics::analyze(m);
  for (std::size_t c = 0; c < m.num_kinds(); ++c)
    EXPECT_NEAR(
        b.population_sensitivity.kind_prob[checkout][c],
        0.6 * b.segment_sensitivity[0].kind_prob[checkout][c] + 0.4 * b.segment_sensitivity[1].kind_prob[checkout][c],
        1e-15);
}

TEST(AnalyticsSensitivity, FrictionRankingFirstOrderApproachesExact) {
  const Loaded l = load("retail.yaml");
  const CompiledModel& m = l.m;
  const JourneyAnalytics a = cxsim::analytics::analyze(m, l.opt);
  const auto conv = cxsim::analytics::primary_kind(m);
  EXPECT_EQ(m.kinds[conv], "converted");
  // Small reduction: first order and exact agree to O(δ²).
  const auto small = cxsim::analytics::friction_ranking(m, a, 1e-4, l.opt);
  ASSERT_EQ(small.size(), m.num_touchpoints());  // every retail touchpoint has f > 0
  for (const auto& r : small) {
    const double scale = std::abs(r.kind_delta_exact[conv]) + 1e-12;
    EXPECT_NEAR(r.kind_delta_first_order[conv], r.kind_delta_exact[conv], 1e-3 * scale)
        << m.touchpoint_ids[r.touchpoint];
    EXPECT_NEAR(r.satisfaction_delta_first_order, r.satisfaction_delta_exact,
                1e-3 * std::abs(r.satisfaction_delta_exact) + 1e-12);
  }
  // Sorted by the exact gain in conversion.
  const auto half = cxsim::analytics::friction_ranking(m, a, 0.5, l.opt);
  for (std::size_t i = 1; i < half.size(); ++i)
    EXPECT_GE(half[i - 1].kind_delta_exact[conv], half[i].kind_delta_exact[conv]);
  // Exact = a re-solve of the changed model: every customer's friction there
  // halved (checkout, on top, is overridden by `loyal`: its override too).
  const auto& top = half.front();
  CompiledModel cut = m;
  for (auto& seg : cut.segments) seg.tp[top.touchpoint].friction *= 0.5;
  const auto re = cxsim::analytics::analyze(cut, l.opt);
  EXPECT_NEAR(top.kind_delta_exact[conv], re.population.kind_prob[conv] - a.population.kind_prob[conv], 1e-15);
  EXPECT_THROW((void)cxsim::analytics::friction_ranking(m, a, 1.5, l.opt), cxsim::core::InputError);
  EXPECT_THROW((void)cxsim::analytics::with_friction(m, 0, -0.1, l.opt), cxsim::core::InputError);
}

class SolverAgreement : public ::testing::TestWithParam<AnalyzeOptions::Solver> {};

TEST_P(SolverAgreement, MatchesDense) {
  const Loaded l = load("retail.yaml");
  AnalyzeOptions d = l.opt, s = l.opt;
  d.solver = AnalyzeOptions::Solver::dense;
  s.solver = GetParam();
  const auto a = cxsim::analytics::analyze(l.m, d), b = cxsim::analytics::analyze(l.m, s);
  EXPECT_EQ(b.solver[0], GetParam() == AnalyzeOptions::Solver::sparse ? "sparse" : "iterative");
  for (std::size_t c = 0; c < l.m.num_kinds(); ++c)
    EXPECT_NEAR(a.population.kind_prob[c], b.population.kind_prob[c], 1e-12);
  EXPECT_NEAR(a.population.steps_variance, b.population.steps_variance, 1e-11);
  EXPECT_NEAR(a.population.time, b.population.time, 1e-10);
  for (std::size_t k = 0; k < l.m.num_touchpoints(); ++k) {
    for (std::size_t c = 0; c < l.m.num_kinds(); ++c) {
      EXPECT_NEAR(a.population_sensitivity.kind_prob[k][c], b.population_sensitivity.kind_prob[k][c], 1e-12);
      EXPECT_NEAR(a.population_removal.kind_prob[k][c], b.population_removal.kind_prob[k][c], 1e-12);
    }
    EXPECT_NEAR(a.population_sensitivity.effort[k], b.population_sensitivity.effort[k], 1e-10);
    EXPECT_NEAR(a.population_removal.reach_prob[k], b.population_removal.reach_prob[k], 1e-12);
  }
}

INSTANTIATE_TEST_SUITE_P(Analytics, SolverAgreement,
                         ::testing::Values(AnalyzeOptions::Solver::sparse, AnalyzeOptions::Solver::iterative),
                         [](const ::testing::TestParamInfo<AnalyzeOptions::Solver>& info) {
                           return std::string(info.param == AnalyzeOptions::Solver::sparse ? "sparse" : "iterative");
                         });

}  // namespace

// Every segment overrides the friction of `a`: the ranking must cut the
// friction each customer meets (both overrides), so `a` has an effect and,
// with by far the highest friction, ranks first. `lone` (friction > 0) is
// reachable from nowhere: left out of the ranking, with a note.
TEST(AnalyticsSensitivity, FrictionRankingCutsEveryOverrideAndSkipsUnreachable) {
  const auto spec = cxsim::model::load_journey_text(R"(
journey: all_override
start: {a: 1}
touchpoints:
  a:
    channel: web
    friction: 0.1
    next: {ok: {b: 1}, friction: {gone: 0.7, b: 0.3}}
  b:
    channel: web
    friction: 0.05
    next: {ok: {bought: 1}, friction: {gone: 1}}
  lone:
    channel: web
    friction: 0.3
    next: {ok: {bought: 1}, friction: {gone: 1}}
outcomes:
  bought: {kind: converted}
  gone: {kind: abandoned}
segments:
  x:
    share: 0.4
    overrides:
      a: {friction: 0.6}
  y:
    share: 0.6
    overrides:
      a: {friction: 0.5}
)",
                                                    "all_override.yaml")
                        .spec;
  const CompiledModel m = cxsim::model::compile(spec);
  AnalyzeOptions opt;
  opt.friction_overridden = cxsim::analytics::friction_override_mask(spec);
  const JourneyAnalytics a = cxsim::analytics::analyze(m, opt);
  const auto conv = cxsim::analytics::primary_kind(m);
  std::vector<std::string> notes;
  const auto rows = cxsim::analytics::friction_ranking(m, a, 0.5, opt, &notes);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(m.touchpoint_ids[rows[0].touchpoint], "a");
  EXPECT_EQ(m.touchpoint_ids[rows[1].touchpoint], "b");
  // Customers meet 0.4·0.6 + 0.6·0.5 = 0.54 on average; the exact effect is
  // the re-solve with both overrides halved.
  EXPECT_NEAR(rows[0].friction, 0.54, 1e-15);
  EXPECT_NEAR(rows[0].new_friction, 0.27, 1e-15);
  CompiledModel cut = m;
  for (auto& seg : cut.segments) seg.tp[rows[0].touchpoint].friction *= 0.5;
  const double want = cxsim::analytics::analyze(cut, opt).population.kind_prob[conv] - a.population.kind_prob[conv];
  EXPECT_GT(want, 0.05);
  EXPECT_NEAR(rows[0].kind_delta_exact[conv], want, 1e-15);
  EXPECT_GT(rows[0].kind_delta_exact[conv], rows[1].kind_delta_exact[conv]);
  // First order: each segment's derivative times its own change.
  const auto small = cxsim::analytics::friction_ranking(m, a, 1e-4, opt);
  ASSERT_EQ(small.size(), 2u);
  for (const auto& r : small) {
    EXPECT_NE(r.kind_delta_exact[conv], 0.0);
    EXPECT_NEAR(r.kind_delta_first_order[conv], r.kind_delta_exact[conv], 1e-3 * std::abs(r.kind_delta_exact[conv]))
        << m.touchpoint_ids[r.touchpoint];
  }
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("'lone' is not in the friction ranking"), std::string::npos) << notes[0];
}
