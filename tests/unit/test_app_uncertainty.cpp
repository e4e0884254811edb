// Parameters with uncertainty and `run --uncertainty` (MODEL.md section 14;
// docs/methods/uncertainty.md): the estimates give the point-estimate twin's
// bits, a journey with no uncertain parameter gives total == MC exactly, the
// draws give the same bits for any thread count, and each draw is a pure
// function of (seed, draw).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "cxsim/app/run_plan.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/uncertainty.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/model/uncertain.h"
#include "cxsim/scenario/scenario_loader.h"

using namespace cxsim;

namespace {

const std::string kDir = std::string(CXSIM_TEST_DATA_DIR) + "/uncertainty/";

app::RunPlan plan(const std::string& file, int threads = 1, std::optional<long long> draws = std::nullopt) {
  app::RunOverrides o;
  o.threads = threads;
  o.uncertainty = draws;
  return app::plan_from_file(kDir + file, o, "test");
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void expect_same_table(const io::Table& a, const io::Table& b) {
  ASSERT_EQ(a.get_string("metric"), b.get_string("metric"));
  for (const std::string col : {"estimate", "se", "ci_low", "ci_high"}) {
    const auto& x = a.get_double(col);
    const auto& y = b.get_double(col);
    for (std::size_t i = 0; i < x.size(); ++i)
      EXPECT_TRUE(same_bits(x[i], y[i])) << col << " " << a.get_string("metric")[i] << ": " << x[i] << " vs " << y[i];
  }
}

}  // namespace

TEST(Uncertainty, LoaderReadsEveryFormWithItsEstimate) {
  const auto lj = model::load_journey(kDir + "uncertain.yaml");
  const auto& s = lj.spec;
  ASSERT_EQ(s.uncertain.size(), 8u);  // start, browse friction/ok/friction, search friction/next, 2 retentions
  EXPECT_EQ(s.start[0].second, 0.75);
  EXPECT_EQ(s.find_touchpoint("browse")->friction, 0.25);
  EXPECT_EQ(s.find_touchpoint("search")->friction, 0.25);  // no estimate: the Beta's mean
  EXPECT_EQ(s.find_touchpoint("browse")->next.friction[1].second, 0.75);
  EXPECT_EQ(s.uncertain.back().kind, model::UncertainParam::Kind::retention_lognormal);
  EXPECT_TRUE(s.uncertain.back().segment.empty());
}

TEST(Uncertainty, WithoutUncertaintyTheBitsEqualThePointEstimateTwin) {
  auto a = plan("uncertain.yaml");
  auto b = plan("twin.yaml");
  const auto ra = app::execute(a, {});
  const auto rb = app::execute(b, {});
  expect_same_table(engine::variant_tables(a.variants[0], ra.variants[0]).summary,
                    engine::variant_tables(b.variants[0], rb.variants[0]).summary);
  EXPECT_EQ(a.uncertainty_draws, 0u);
}

TEST(Uncertainty, DrawsArePureFunctionsOfSeedAndDrawAndVaryAcrossDraws) {
  const auto s = model::load_journey(kDir + "uncertain.yaml").spec;
  const auto d3a = model::draw_parameters(s, 7, 3);
  const auto d3b = model::draw_parameters(s, 7, 3);
  const auto d4 = model::draw_parameters(s, 7, 4);
  EXPECT_EQ(d3a.find_touchpoint("browse")->friction, d3b.find_touchpoint("browse")->friction);
  EXPECT_NE(d3a.find_touchpoint("browse")->friction, d4.find_touchpoint("browse")->friction);
  EXPECT_NE(d3a.start[0].second, d4.start[0].second);
  EXPECT_NE(d3a.segments[0].retention->alpha, d4.segments[0].retention->alpha);
  EXPECT_EQ(d3a.find_touchpoint("checkout")->friction, 0.2);  // not uncertain: unchanged
  EXPECT_EQ(model::draw_customer_seed(7, 3), model::draw_customer_seed(7, 3));
  EXPECT_NE(model::draw_customer_seed(7, 3), model::draw_customer_seed(7, 4));
  EXPECT_NE(model::draw_customer_seed(7, 3), 7u);
}

TEST(Uncertainty, DrawnParametersHaveTheStatedMeansAndCovariance) {
  const auto s = model::load_journey(kDir + "uncertain.yaml").spec;
  const int n = 20000;
  double f = 0, p = 0, a = 0, b = 0, aa = 0, bb = 0, ab = 0;
  for (int d = 0; d < n; ++d) {
    const auto x = model::draw_parameters(s, 11, static_cast<std::uint64_t>(d));
    f += x.find_touchpoint("browse")->friction;
    p += x.start[0].second;
    const auto r = *x.segments[0].retention;
    a += r.alpha, b += r.beta, aa += r.alpha * r.alpha, bb += r.beta * r.beta, ab += r.alpha * r.beta;
  }
  f /= n, p /= n, a /= n, b /= n;
  // Beta(25, 75): mean 0.25, sd 0.0431; Dirichlet(3, 1): mean 0.75, sd 0.194.
  EXPECT_NEAR(f, 0.25, 4 * 0.0431 / std::sqrt(n));
  EXPECT_NEAR(p, 0.75, 4 * 0.194 / std::sqrt(n));
  EXPECT_NEAR(a, 0.75, 4 * 0.1 / std::sqrt(n));
  EXPECT_NEAR(b, 3.5, 4 * 0.5 / std::sqrt(n) * 1.5);
  EXPECT_NEAR(aa / n - a * a, 0.01, 0.001);
  EXPECT_NEAR(bb / n - b * b, 0.25, 0.03);
  EXPECT_NEAR(ab / n - a * b, 0.02, 0.004);
}

TEST(Uncertainty, NoUncertainParameterGivesTotalEqualToMonteCarloExactly) {
  auto p = plan("point.yaml", 1, 5);
  EXPECT_EQ(p.uncertainty_draws, 5u);
  const auto r = app::execute(p, {});
  const auto u = app::execute_uncertainty(p, r, {});
  EXPECT_EQ(u.draws, 0u);
  const auto summary = engine::variant_tables(p.variants[0], r.variants[0]).summary;
  const auto t =
      engine::uncertainty_table(summary, u.variants.empty() ? std::vector<engine::MetricDraws>{} : u.variants[0]);
  const auto& ml = t.get_double("mc_low");
  const auto& tl = t.get_double("total_low");
  const auto& mh = t.get_double("mc_high");
  const auto& th = t.get_double("total_high");
  for (std::size_t i = 0; i < ml.size(); ++i) {
    EXPECT_TRUE(same_bits(ml[i], tl[i])) << t.get_string("metric")[i];
    EXPECT_TRUE(same_bits(mh[i], th[i])) << t.get_string("metric")[i];
  }
  const auto& sl = summary.get_double("ci_low");
  ASSERT_EQ(ml.size(), sl.size());
  for (std::size_t i = 0; i < ml.size(); ++i) EXPECT_TRUE(same_bits(ml[i], sl[i])) << t.get_string("metric")[i];
}

TEST(Uncertainty, SameBitsForOneTwoAndSevenThreads) {
  std::vector<engine::UncertaintySummary> runs;
  for (int threads : {1, 2, 7}) {
    app::RunOverrides o;
    o.threads = threads;
    o.customers = 9000;  // several chunks
    o.chunk_size = 1000;
    o.uncertainty = 6;
    auto p = app::plan_from_file(kDir + "uncertain.yaml", o, "test");
    const auto r = app::execute(p, {});
    runs.push_back(app::execute_uncertainty(p, r, {}));
  }
  ASSERT_EQ(runs[0].draws, 6u);
  for (std::size_t k = 1; k < runs.size(); ++k) {
    ASSERT_EQ(runs[k].variants.size(), runs[0].variants.size());
    for (std::size_t m = 0; m < runs[0].variants[0].size(); ++m) {
      const auto& x = runs[0].variants[0][m];
      const auto& y = runs[k].variants[0][m];
      ASSERT_EQ(x.estimates.size(), y.estimates.size());
      for (std::size_t d = 0; d < x.estimates.size(); ++d) {
        EXPECT_TRUE(same_bits(x.estimates[d], y.estimates[d])) << x.metric << " draw " << d;
        EXPECT_TRUE(same_bits(x.inner_var[d], y.inner_var[d])) << x.metric << " draw " << d;
      }
    }
  }
}

TEST(Uncertainty, ScenarioDrawsApplyTheVariantsChangesToEachDraw) {
  auto p = plan("whatif.yaml");  // population.uncertainty: {draws: 20}
  ASSERT_EQ(p.uncertainty_draws, 20u);
  const auto r = app::execute(p, {});
  const auto u = app::execute_uncertainty(p, r, {});
  ASSERT_EQ(u.draws, 20u);
  ASSERT_EQ(u.comparisons.size(), 1u);
  const auto c =
      engine::comparison_table(p.variants[1], p.variants[0], r.paired[0], r.variants[1], r.variants[0], r.settings);
  const auto t = engine::uncertainty_table(c, u.comparisons[0]);
  // Halving friction ~ Beta(40, 160) raises conversion by friction/2: Δ ~ 0.1 with sd 0.014;
  // the total interval is wider than the MC one and holds 0.1.
  std::size_t i = 0;
  while (t.get_string("metric")[i] != "share_converted") ++i;
  EXPECT_LT(t.get_double("total_low")[i], t.get_double("mc_low")[i]);
  EXPECT_GT(t.get_double("total_high")[i], t.get_double("mc_high")[i]);
  EXPECT_LT(t.get_double("total_low")[i], 0.1);
  EXPECT_GT(t.get_double("total_high")[i], 0.1);
  EXPECT_GT(t.get_double("parameter_sd")[i], 0.005);
}

TEST(Uncertainty, ScenarioDrawsRunInParallelWithTheSameBitsForOneTwoAndSevenThreads) {
  std::vector<engine::UncertaintySummary> runs;
  for (int threads : {1, 2, 7}) {
    app::RunOverrides o;
    o.threads = threads;
    o.customers = 3000;
    o.chunk_size = 1000;
    o.uncertainty = 9;  // 7 threads: 7 draws at once, one thread each; 2: two at once
    auto p = app::plan_from_file(kDir + "whatif.yaml", o, "test");
    const auto r = app::execute(p, {});
    runs.push_back(app::execute_uncertainty(p, r, {}));
  }
  ASSERT_EQ(runs[0].draws, 9u);
  ASSERT_EQ(runs[0].comparisons.size(), 1u);
  for (std::size_t k = 1; k < runs.size(); ++k) {
    for (auto part : {&engine::UncertaintySummary::variants, &engine::UncertaintySummary::comparisons}) {
      const auto& a = runs[0].*part;
      const auto& b = runs[k].*part;
      ASSERT_EQ(a.size(), b.size());
      for (std::size_t v = 0; v < a.size(); ++v) {
        ASSERT_EQ(a[v].size(), b[v].size());
        for (std::size_t m = 0; m < a[v].size(); ++m)
          for (std::size_t d = 0; d < 9; ++d) {
            EXPECT_TRUE(same_bits(a[v][m].estimates[d], b[v][m].estimates[d])) << a[v][m].metric << " draw " << d;
            EXPECT_TRUE(same_bits(a[v][m].inner_var[d], b[v][m].inner_var[d])) << a[v][m].metric << " draw " << d;
          }
      }
    }
    for (std::size_t i = 0; i < runs[0].inputs.size(); ++i) EXPECT_EQ(runs[0].inputs[i], runs[k].inputs[i]);
  }
  // Draw d of the parallel run is the draw d of a run of d + 1 draws (a pure function of (seed, d)).
  app::RunOverrides o;
  o.threads = 1;
  o.customers = 3000;
  o.chunk_size = 1000;
  o.uncertainty = 3;
  auto p = app::plan_from_file(kDir + "whatif.yaml", o, "test");
  const auto u3 = app::execute_uncertainty(p, app::execute(p, {}), {});
  for (std::size_t d = 0; d < 3; ++d)
    EXPECT_TRUE(same_bits(u3.comparisons[0][0].estimates[d], runs[2].comparisons[0][0].estimates[d]));
}

TEST(Uncertainty, BestTableCountsTheDrawsWhereEachVariantIsBestAndSplitsTies) {
  engine::UncertaintySummary u;
  u.draws = 4;
  u.variant_names = {"baseline", "a", "b"};
  // nps_true deltas per draw: a, b. Draw 0: a best; 1: b; 2: baseline (both < 0); 3: a and b tie.
  u.comparisons = {{{"nps_true", {1, -1, -2, 3}, {0, 0, 0, 0}}, {"clv_mean", {0, 0, 0, 0}, {0, 0, 0, 0}}},
                   {{"nps_true", {0.5, 2, -1, 3}, {0, 0, 0, 0}}, {"clv_mean", {0, -1, 0, 0}, {0, 0, 0, 0}}}};
  const auto t = engine::best_table(u);
  EXPECT_EQ(t.get_string("variant"), u.variant_names);
  EXPECT_EQ(t.get_double("p_best_nps_true"), (std::vector<double>{0.25, 0.375, 0.375}));
  // clv: every draw ties at 0 between the baseline and a (and b in draws 0, 2, 3).
  const auto& clv = t.get_double("p_best_clv_mean");
  EXPECT_DOUBLE_EQ(clv[0], (1.0 / 3 + 0.5 + 1.0 / 3 + 1.0 / 3) / 4);
  EXPECT_DOUBLE_EQ(clv[0] + clv[1] + clv[2], 1.0);
  EXPECT_TRUE(std::isnan(t.get_double("p_best_retention_final")[0]));  // not among the comparisons
}

TEST(Uncertainty, ScenarioBestTableSumsToOneAndFavoursTheFixThatAlwaysHelps) {
  auto p = plan("whatif_value.yaml");  // whatif.yaml with a value of 100 on the conversion
  const auto r = app::execute(p, {});
  const auto u = app::execute_uncertainty(p, r, {});
  const auto t = engine::best_table(u);
  ASSERT_EQ(t.get_string("variant"), (std::vector<std::string>{"baseline", "halve"}));
  for (const char* m : engine::kBestMetrics) {
    const auto& x = t.get_double(std::string("p_best_") + m);
    EXPECT_DOUBLE_EQ(x[0] + x[1], 1.0) << m;
  }
  // Halving the friction raises conversion (Δ ~ 0.1, sd 0.014) and so the value per customer in every draw.
  EXPECT_EQ(t.get_double("p_best_clv_mean")[1], 1.0);
  EXPECT_EQ(t.get_double("p_best_net_value_mean")[1], 1.0);
  // No satisfaction deltas and one period: Δ NPS and Δ retention are 0 in every draw, a tie split in half.
  EXPECT_EQ(t.get_double("p_best_nps_true"), (std::vector<double>{0.5, 0.5}));
  EXPECT_EQ(t.get_double("p_best_retention_final"), (std::vector<double>{0.5, 0.5}));
}

TEST(Uncertainty, FirstOrderVarianceRecoversKnownIndicesOfAnAdditiveModel) {
  // y = x1 + 0.5 x2 + noise, x ~ U(0, 1) independent (a fixed splitmix-like sequence):
  // Var(E[y|x1]) = 1/12, Var(E[y|x2]) = 0.25/12, whatever the noise.
  const std::size_t n = 10000;
  std::vector<double> x1(n), x2(n), y(n);
  std::uint64_t state = 12345;
  const auto u01 = [&] {
    state += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  };
  for (std::size_t i = 0; i < n; ++i) {
    x1[i] = u01();
    x2[i] = u01();
    y[i] = x1[i] + 0.5 * x2[i] + 0.3 * (u01() - 0.5);
  }
  EXPECT_NEAR(engine::first_order_variance(x1, y), 1.0 / 12, 0.004);
  EXPECT_NEAR(engine::first_order_variance(x2, y), 0.25 / 12, 0.002);
  std::vector<double> unrelated(n);
  for (auto& v : unrelated) v = u01();
  EXPECT_LT(engine::first_order_variance(unrelated, y), 0.002);
  EXPECT_TRUE(std::isnan(engine::first_order_variance({1, 2, 3}, {1, 2, 3})));  // too few draws
}

TEST(Uncertainty, SensitivityTableRanksTheInputThatDrivesTheVariance) {
  app::RunOverrides o;
  o.threads = 2;
  o.customers = 2000;
  o.uncertainty = 400;
  auto p = app::plan_from_file(kDir + "two_frictions.yaml", o, "test");
  const auto r = app::execute(p, {});
  const auto u = app::execute_uncertainty(p, r, {});
  ASSERT_EQ(u.input_names, (std::vector<std::string>{"a.friction", "b.friction"}));
  ASSERT_EQ(u.inputs.size(), 2u);
  ASSERT_EQ(u.inputs[0].size(), 400u);
  EXPECT_EQ(u.inputs[0][7], model::draw_parameters(p.specs[0], p.settings.seed, 7).find_touchpoint("a")->friction);
  const auto t = engine::sensitivity_table(u.variants[0], u.input_names, u.inputs);
  double sa = NAN, sb = NAN;
  for (std::size_t i = 0; i < t.get_string("metric").size(); ++i) {
    if (t.get_string("metric")[i] != "share_converted") continue;
    (t.get_string("input")[i] == "a.friction" ? sa : sb) = t.get_double("first_order")[i];
  }
  // About 0.9 and 0.1 (binned estimate from 400 draws of 2000 customers each).
  EXPECT_GT(sa, 0.75);
  EXPECT_LT(sb, 0.25);
  EXPECT_NEAR(sa + sb, 1.0, 0.2);  // additive to first order: the indices add up
}

TEST(Uncertainty, SatisfactionAndEffortDeltasLoadWithTheirEstimatesAndGiveTheTwinsBits) {
  const auto s = model::load_journey(kDir + "deltas.yaml").spec;
  ASSERT_EQ(s.uncertain.size(), 2u);
  EXPECT_EQ(s.uncertain[0].kind, model::UncertainParam::Kind::satisfaction_normal);
  EXPECT_EQ(s.uncertain[0].branch, model::UncertainParam::Branch::ok);
  EXPECT_EQ(s.uncertain[1].kind, model::UncertainParam::Kind::effort_gamma);
  EXPECT_EQ(s.uncertain[1].branch, model::UncertainParam::Branch::both);
  const auto* tp = s.find_touchpoint("pay");
  EXPECT_EQ(tp->satisfaction.ok, 0.4);
  EXPECT_EQ(tp->satisfaction.friction, -1.2);
  EXPECT_EQ(tp->effort.ok, 2.0);
  EXPECT_EQ(tp->effort.friction, 2.0);
  EXPECT_EQ(model::uncertain_input_names(s), (std::vector<std::string>{"pay.satisfaction.ok", "pay.effort"}));
  auto a = plan("deltas.yaml");
  auto b = plan("deltas_twin.yaml");
  const auto ra = app::execute(a, {});
  const auto rb = app::execute(b, {});
  expect_same_table(engine::variant_tables(a.variants[0], ra.variants[0]).summary,
                    engine::variant_tables(b.variants[0], rb.variants[0]).summary);
}

TEST(Uncertainty, SatisfactionDrawsAreNormalAndEffortDrawsGammaWithTheStatedMeanAndSd) {
  const auto s = model::load_journey(kDir + "deltas.yaml").spec;
  const int n = 20000;
  double so = 0, so2 = 0, e = 0, e2 = 0, emin = 1e9;
  for (int d = 0; d < n; ++d) {
    const auto x = model::draw_parameters(s, 5, static_cast<std::uint64_t>(d));
    const auto* tp = x.find_touchpoint("pay");
    so += tp->satisfaction.ok, so2 += tp->satisfaction.ok * tp->satisfaction.ok;
    e += tp->effort.ok, e2 += tp->effort.ok * tp->effort.ok;
    emin = std::min(emin, tp->effort.ok);
    ASSERT_EQ(tp->satisfaction.friction, -1.2);     // not uncertain: unchanged
    ASSERT_EQ(tp->effort.ok, tp->effort.friction);  // one draw for both branches
    const auto v = model::uncertain_input_values(s, x);
    ASSERT_EQ(v, (std::vector<double>{tp->satisfaction.ok, tp->effort.ok}));
  }
  so /= n, e /= n;
  EXPECT_NEAR(so, 0.4, 4 * 0.05 / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(so2 / n - so * so), 0.05, 0.05 * 0.03);
  EXPECT_NEAR(e, 2.0, 4 * 0.5 / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(e2 / n - e * e), 0.5, 0.5 * 0.04);
  EXPECT_GT(emin, 0.0);
}

TEST(Uncertainty, AnUncertainEffortWidensTheTotalIntervalOfTheEffortByItsSd) {
  app::RunOverrides o;
  o.threads = 2;
  o.customers = 500;
  o.uncertainty = 200;
  auto p = app::plan_from_file(kDir + "deltas.yaml", o, "test");
  const auto r = app::execute(p, {});
  const auto u = app::execute_uncertainty(p, r, {});
  const auto t = engine::uncertainty_table(engine::variant_tables(p.variants[0], r.variants[0]).summary, u.variants[0]);
  std::size_t i = 0;
  while (t.get_string("metric")[i] != "effort_mean") ++i;
  // One visit per walk: effort_mean is the drawn effort, sd 0.5; the MC noise is 0 (every walk has the same effort).
  EXPECT_NEAR(t.get_double("parameter_sd")[i], 0.5, 0.5 * 0.2);
  EXPECT_LT(t.get_double("total_low")[i], 2.0 - 0.6);
  EXPECT_GT(t.get_double("total_high")[i], 2.0 + 0.6);
}

TEST(Uncertainty, SensitivityAndCarryoverLoadWithTheirEstimatesAndGiveTheTwinsBits) {
  const auto s = model::load_journey(kDir + "retention_dyn.yaml").spec;
  ASSERT_EQ(s.uncertain.size(), 2u);
  EXPECT_EQ(s.uncertain[0].kind, model::UncertainParam::Kind::sensitivity_normal);
  EXPECT_EQ(s.uncertain[1].kind, model::UncertainParam::Kind::carryover_beta);
  EXPECT_EQ(s.retention.sensitivity, 0.6);
  EXPECT_EQ(s.retention.carryover, 0.4);
  EXPECT_EQ(model::uncertain_input_names(s),
            (std::vector<std::string>{"retention.sensitivity", "retention.carryover"}));
  auto a = plan("retention_dyn.yaml");
  auto b = plan("retention_dyn_twin.yaml");
  const auto ra = app::execute(a, {});
  const auto rb = app::execute(b, {});
  expect_same_table(engine::variant_tables(a.variants[0], ra.variants[0]).summary,
                    engine::variant_tables(b.variants[0], rb.variants[0]).summary);
  EXPECT_EQ(a.uncertainty_draws, 0u);
}

TEST(Uncertainty, SensitivityDrawsAreNormalAndCarryoverDrawsBetaWithTheStatedMoments) {
  const auto s = model::load_journey(kDir + "retention_dyn.yaml").spec;
  const int n = 20000;
  double gs = 0, gs2 = 0, c = 0, c2 = 0, cmin = 1, cmax = 0;
  for (int d = 0; d < n; ++d) {
    const auto x = model::draw_parameters(s, 5, static_cast<std::uint64_t>(d));
    const double g = x.retention.sensitivity, l = x.retention.carryover;
    gs += g, gs2 += g * g, c += l, c2 += l * l;
    cmin = std::min(cmin, l), cmax = std::max(cmax, l);
    ASSERT_EQ(model::uncertain_input_values(s, x), (std::vector<double>{g, l}));
    ASSERT_EQ(x.retention.default_params->alpha, 1.0);  // not uncertain: unchanged
  }
  gs /= n, c /= n;
  EXPECT_NEAR(gs, 0.6, 4 * 0.2 / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(gs2 / n - gs * gs), 0.2, 0.2 * 0.03);
  // Beta(8, 12): mean 0.4, sd sqrt(ab / ((a+b)^2 (a+b+1))) = sqrt(96 / 8400).
  const double sd = std::sqrt(96.0 / 8400.0);
  EXPECT_NEAR(c, 0.4, 4 * sd / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(c2 / n - c * c), sd, sd * 0.03);
  EXPECT_GT(cmin, 0.0);
  EXPECT_LT(cmax, 1.0);
}

TEST(Uncertainty, AnUncertainSensitivityWidensTheRetentionInterval) {
  app::RunOverrides o;
  o.threads = 2;
  o.customers = 400;
  o.uncertainty = 60;
  auto p = app::plan_from_file(kDir + "retention_dyn.yaml", o, "test");
  const auto r = app::execute(p, {});
  const auto u = app::execute_uncertainty(p, r, {});
  const auto t = engine::uncertainty_table(engine::variant_tables(p.variants[0], r.variants[0]).summary, u.variants[0]);
  std::size_t i = 0;
  while (t.get_string("metric")[i] != "retention_final") ++i;
  EXPECT_GT(t.get_double("parameter_sd")[i], 0.0);
  EXPECT_LT(t.get_double("total_low")[i], t.get_double("mc_low")[i]);
  EXPECT_GT(t.get_double("total_high")[i], t.get_double("mc_high")[i]);
}

TEST(Uncertainty, DirichletSegmentSharesLoadWithTheirMeansAndGiveTheTwinsBits) {
  const auto s = model::load_journey(kDir + "shares.yaml").spec;
  ASSERT_EQ(s.uncertain.size(), 1u);
  EXPECT_EQ(s.uncertain[0].kind, model::UncertainParam::Kind::segment_share_dirichlet);
  EXPECT_EQ(s.segments[0].share, 0.75);
  EXPECT_EQ(s.segments[1].share, 0.25);
  EXPECT_EQ(model::uncertain_input_names(s), (std::vector<std::string>{"segments.new.share", "segments.loyal.share"}));
  auto a = plan("shares.yaml");
  auto b = plan("shares_twin.yaml");
  const auto ra = app::execute(a, {});
  const auto rb = app::execute(b, {});
  expect_same_table(engine::variant_tables(a.variants[0], ra.variants[0]).summary,
                    engine::variant_tables(b.variants[0], rb.variants[0]).summary);
}

TEST(Uncertainty, SegmentShareDrawsAreDirichletWithTheStatedMoments) {
  const auto s = model::load_journey(kDir + "shares.yaml").spec;
  const int n = 20000;
  double m = 0, m2 = 0;
  for (int d = 0; d < n; ++d) {
    const auto x = model::draw_parameters(s, 5, static_cast<std::uint64_t>(d));
    const double p = x.segments[0].share;
    ASSERT_NEAR(p + x.segments[1].share, 1.0, 1e-12);
    ASSERT_GT(p, 0.0);
    ASSERT_EQ(model::uncertain_input_values(s, x), (std::vector<double>{p, x.segments[1].share}));
    m += p, m2 += p * p;
  }
  m /= n;
  // The marginal of Dirichlet(30, 10) is Beta(30, 10): mean 0.75, sd sqrt(300 / (1600 * 41)).
  const double sd = std::sqrt(300.0 / (1600.0 * 41.0));
  EXPECT_NEAR(m, 0.75, 4 * sd / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(m2 / n - m * m), sd, 0.03 * sd);
}

TEST(Uncertainty, UncertainSharesGiveShareConvertedTheParameterSdOfTheMix) {
  app::RunOverrides o;
  o.threads = 2;
  o.customers = 4000;
  o.uncertainty = 200;
  auto p = app::plan_from_file(kDir + "shares.yaml", o, "test");
  const auto r = app::execute(p, {});
  const auto u = app::execute_uncertainty(p, r, {});
  const auto t = engine::uncertainty_table(engine::variant_tables(p.variants[0], r.variants[0]).summary, u.variants[0]);
  std::size_t i = 0;
  while (t.get_string("metric")[i] != "share_converted") ++i;
  // share_converted = 0.7 - 0.3 * share_new: its parameter sd is 0.3 * sd(share_new).
  const double sd = 0.3 * std::sqrt(300.0 / (1600.0 * 41.0));
  EXPECT_NEAR(t.get_double("parameter_sd")[i], sd, 0.25 * sd);
}

TEST(Uncertainty, UncertainRecoveryReachAndSuccessLoadWithTheirEstimatesAndGiveTheTwinsBits) {
  auto a = plan("recovery.yaml");
  auto b = plan("recovery_twin.yaml");
  ASSERT_EQ(a.named, 2u);
  const auto& rp = *a.variants[1].recovery;
  EXPECT_EQ(rp.reach, 0.6);
  EXPECT_EQ(rp.success, 0.5);  // no estimate: the Beta's mean
  EXPECT_EQ(rp.reach_beta, (std::array<double, 2>{30, 20}));
  EXPECT_EQ(rp.success_beta, (std::array<double, 2>{10, 10}));
  EXPECT_TRUE(rp.uncertain());
  EXPECT_FALSE(b.variants[1].recovery->uncertain());
  EXPECT_EQ(app::uncertain_parameter_count(a), 2u);
  EXPECT_EQ(app::uncertain_parameter_count(b), 0u);
  EXPECT_EQ(scenario::recovery_input_names(rp),
            (std::vector<std::string>{"variants.rescue.recovery.reach", "variants.rescue.recovery.success"}));
  const auto ra = app::execute(a, {});
  const auto rb = app::execute(b, {});
  for (std::size_t v = 0; v < 2; ++v)
    expect_same_table(engine::variant_tables(a.variants[v], ra.variants[v]).summary,
                      engine::variant_tables(b.variants[v], rb.variants[v]).summary);
  const auto ca =
      engine::comparison_table(a.variants[1], a.variants[0], ra.paired[0], ra.variants[1], ra.variants[0], ra.settings);
  const auto cb =
      engine::comparison_table(b.variants[1], b.variants[0], rb.paired[0], rb.variants[1], rb.variants[0], rb.settings);
  ASSERT_EQ(ca.get_string("metric"), cb.get_string("metric"));
  for (const std::string col : {"delta", "se"})
    for (std::size_t i = 0; i < ca.rows(); ++i)
      EXPECT_TRUE(same_bits(ca.get_double(col)[i], cb.get_double(col)[i])) << col << " " << ca.get_string("metric")[i];
}

TEST(Uncertainty, RecoveryDrawsAreBetaWithTheStatedMomentsAndPureFunctionsOfSeedDrawAndSlot) {
  const auto p = plan("recovery.yaml");
  const auto& rp = *p.variants[1].recovery;
  const int n = 20000;
  double r = 0, r2 = 0, s = 0, s2 = 0, rs = 0;
  for (int d = 0; d < n; ++d) {
    const auto x = scenario::draw_recovery(rp, 5, static_cast<std::uint64_t>(d));
    ASSERT_GT(x.reach, 0.0);
    ASSERT_LT(x.reach, 1.0);
    ASSERT_EQ(scenario::recovery_input_values(x), (std::vector<double>{x.reach, x.success}));
    ASSERT_EQ(x.satisfaction, 1.0);  // not uncertain: unchanged
    r += x.reach, r2 += x.reach * x.reach, s += x.success, s2 += x.success * x.success, rs += x.reach * x.success;
  }
  r /= n, s /= n;
  // Beta(30, 20): mean 0.6, sd sqrt(600 / (2500 * 51)); Beta(10, 10): mean 0.5, sd sqrt(100 / (400 * 21)).
  const double sdr = std::sqrt(600.0 / (2500.0 * 51.0)), sds = std::sqrt(100.0 / (400.0 * 21.0));
  EXPECT_NEAR(r, 0.6, 4 * sdr / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(r2 / n - r * r), sdr, 0.03 * sdr);
  EXPECT_NEAR(s, 0.5, 4 * sds / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(s2 / n - s * s), sds, 0.03 * sds);
  EXPECT_NEAR((rs / n - r * s) / (sdr * sds), 0.0, 4.0 / std::sqrt(n));  // independent streams
  // A pure function of (seed, draw, slot): again the same; another slot or draw, another value.
  const auto a = scenario::draw_recovery(rp, 5, 3), b = scenario::draw_recovery(rp, 5, 3);
  EXPECT_TRUE(same_bits(a.reach, b.reach) && same_bits(a.success, b.success));
  auto other = rp;
  other.draw_slot = rp.draw_slot + 1;
  EXPECT_NE(scenario::draw_recovery(other, 5, 3).reach, a.reach);
  EXPECT_NE(scenario::draw_recovery(rp, 5, 4).reach, a.reach);
  // The journey's parameters are not moved by a recovery draw (period 2 vs 0).
  auto point = rp;
  point.reach_beta = {0, 0};
  EXPECT_EQ(scenario::draw_recovery(point, 5, 3).reach, 0.6);
}

TEST(Uncertainty, AnUncertainRecoveryAloneWidensTheDeltaOfItsSuccessRateByItsParameterSd) {
  app::RunOverrides o;
  o.threads = 2;
  o.customers = 2000;
  o.uncertainty = 100;
  auto p = app::plan_from_file(kDir + "recovery.yaml", o, "test");
  const auto r = app::execute(p, {});
  const auto u = app::execute_uncertainty(p, r, {});
  ASSERT_EQ(u.draws, 100u);  // the journey has no uncertain parameter: the program's are drawn
  EXPECT_EQ(u.input_names,
            (std::vector<std::string>{"variants.rescue.recovery.reach", "variants.rescue.recovery.success"}));
  const auto c =
      engine::comparison_table(p.variants[1], p.variants[0], r.paired[0], r.variants[1], r.variants[0], r.settings);
  const auto t = engine::uncertainty_table(c, u.comparisons[0]);
  std::size_t i = 0;
  while (t.get_string("metric")[i] != "recovery_succeeded_rate") ++i;
  // Triggered at each friction visit (0.2 of the first visits, then again after a reroute
  // only if not yet used): succeeded rate = 0.2 * reach * success; its parameter sd is
  // 0.2 * sd(reach * success) for independent Betas.
  const double er = 0.6, es = 0.5, vr = 600.0 / (2500.0 * 51.0), vs = 100.0 / (400.0 * 21.0);
  const double sd = 0.2 * std::sqrt((vr + er * er) * (vs + es * es) - er * er * es * es);
  EXPECT_NEAR(t.get_double("parameter_sd")[i], sd, 0.25 * sd);
  EXPECT_LT(t.get_double("total_low")[i], t.get_double("mc_low")[i]);
  EXPECT_GT(t.get_double("total_high")[i], t.get_double("mc_high")[i]);
}

namespace {

struct Moments {
  double n = 0, s = 0, s2 = 0;
  void add(double x) { n += 1, s += x, s2 += x * x; }
  double mean() const { return s / n; }
  double sd() const { return std::sqrt(s2 / n - mean() * mean()); }
};

}  // namespace

TEST(Uncertainty, UncertainDurationParametersLoadWithTheirEstimatesAndGiveTheTwinsBits) {
  const auto s = model::load_journey(kDir + "durations.yaml").spec;
  ASSERT_EQ(s.uncertain.size(), 4u);
  for (const auto& u : s.uncertain) EXPECT_EQ(u.kind, model::UncertainParam::Kind::duration_gamma);
  EXPECT_EQ(s.find_touchpoint("call")->duration.ok.a, 4.0);
  EXPECT_EQ(s.find_touchpoint("call")->duration.friction.a, 4.0);
  EXPECT_EQ(s.find_touchpoint("wait")->duration.ok.b, 5.0);
  EXPECT_EQ(s.find_touchpoint("wait")->duration.friction.b, 1.0);
  EXPECT_EQ(s.uncertain[2].counts[0], 3.0);  // the lognormal's p90: a gap of 5 - 2 above the median
  EXPECT_EQ(model::uncertain_input_names(s),
            (std::vector<std::string>{"call.duration.exponential.mean", "wait.duration.ok.lognormal.median",
                                      "wait.duration.ok.lognormal.p90", "wait.duration.friction.gamma.sd"}));
  auto a = plan("durations.yaml");
  auto b = plan("durations_twin.yaml");
  const auto ra = app::execute(a, {});
  const auto rb = app::execute(b, {});
  expect_same_table(engine::variant_tables(a.variants[0], ra.variants[0]).summary,
                    engine::variant_tables(b.variants[0], rb.variants[0]).summary);
}

TEST(Uncertainty, DurationDrawsAreGammaWithTheStatedMomentsAndALognormalKeepsItsP90AboveItsMedian) {
  const auto s = model::load_journey(kDir + "durations.yaml").spec;
  const int n = 20000;
  Moments mean, median, gap, sd;
  for (int d = 0; d < n; ++d) {
    const auto x = model::draw_parameters(s, 5, static_cast<std::uint64_t>(d));
    const auto& call = x.find_touchpoint("call")->duration;
    const auto& wait = x.find_touchpoint("wait")->duration;
    ASSERT_EQ(call.ok, call.friction);  // the one-distribution form: one draw for both branches
    ASSERT_GT(call.ok.a, 0.0);
    ASSERT_GT(wait.ok.b, wait.ok.a);
    ASSERT_EQ(wait.friction.a, 3.0);  // not uncertain: unchanged
    ASSERT_EQ(model::uncertain_input_values(s, x),
              (std::vector<double>{call.ok.a, wait.ok.a, wait.ok.b, wait.friction.b}));
    mean.add(call.ok.a), median.add(wait.ok.a), gap.add(wait.ok.b - wait.ok.a), sd.add(wait.friction.b);
  }
  const auto check = [&](const Moments& m, double mu, double sigma) {
    EXPECT_NEAR(m.mean(), mu, 4 * sigma / std::sqrt(n));
    EXPECT_NEAR(m.sd(), sigma, 0.03 * sigma);
  };
  check(mean, 4.0, 0.5);
  check(median, 2.0, 0.2);
  check(gap, 3.0, 0.4);
  check(sd, 1.0, 0.1);
}

TEST(Uncertainty, UncertainSurveyParametersLoadWithTheirEstimatesAndGiveTheTwinsBits) {
  const auto s = model::load_journey(kDir + "survey.yaml").spec;
  using K = model::UncertainParam::Kind;
  std::vector<K> kinds;
  for (const auto& u : s.uncertain) kinds.push_back(u.kind);
  EXPECT_EQ(kinds, (std::vector<K>{K::response_rate_beta, K::response_extremity_normal, K::survey_slope_normal,
                                   K::survey_baseline_dirichlet, K::survey_slope_normal, K::survey_baseline_dirichlet,
                                   K::survey_slope_normal}));
  EXPECT_EQ(s.survey.response_rate, 0.4);
  EXPECT_EQ(s.survey.nps.baseline[8], 0.2);
  EXPECT_EQ(s.survey.csat.slope, 0.8);
  const auto names = model::uncertain_input_names(s);
  ASSERT_EQ(names.size(), 2u + 11u + 1u + 5u + 1u + 1u);
  EXPECT_EQ(names[3], "survey.nps.baseline.0");
  EXPECT_EQ(names[15], "survey.csat.baseline.1");
  EXPECT_EQ(names.back(), "survey.ces.slope");
  auto a = plan("survey.yaml");
  auto b = plan("survey_twin.yaml");
  const auto ra = app::execute(a, {});
  const auto rb = app::execute(b, {});
  expect_same_table(engine::variant_tables(a.variants[0], ra.variants[0]).summary,
                    engine::variant_tables(b.variants[0], rb.variants[0]).summary);
}

TEST(Uncertainty, SurveyDrawsHaveTheStatedDistributions) {
  const auto s = model::load_journey(kDir + "survey.yaml").spec;
  const int n = 20000;
  Moments rate, ext, slope, p8, c4;
  for (int d = 0; d < n; ++d) {
    const auto x = model::draw_parameters(s, 5, static_cast<std::uint64_t>(d));
    double sum = 0;
    for (double p : x.survey.nps.baseline) sum += p;
    ASSERT_NEAR(sum, 1.0, 1e-12);
    ASSERT_EQ(x.survey.nps.baseline.size(), 11u);
    ASSERT_GT(x.survey.response_rate, 0.0);
    ASSERT_LT(x.survey.response_rate, 1.0);
    ASSERT_EQ(x.survey.ces.baseline, s.survey.ces.baseline);  // not uncertain: unchanged
    rate.add(x.survey.response_rate), ext.add(x.survey.response_extremity), slope.add(x.survey.nps.slope);
    p8.add(x.survey.nps.baseline[8]), c4.add(x.survey.csat.baseline[3]);
  }
  const auto check = [&](const Moments& m, double mu, double sigma) {
    EXPECT_NEAR(m.mean(), mu, 4 * sigma / std::sqrt(n));
    EXPECT_NEAR(m.sd(), sigma, 0.03 * sigma);
  };
  const auto beta_sd = [](double a, double b) { return std::sqrt(a * b / ((a + b) * (a + b) * (a + b + 1))); };
  check(rate, 0.4, beta_sd(40, 60));
  check(ext, 0.5, 0.1);
  check(slope, 1.2, 0.2);
  check(p8, 0.2, beta_sd(40, 160));  // a Dirichlet's marginal: Beta(c_i, sum - c_i)
  check(c4, 0.4, beta_sd(40, 60));
}

TEST(Uncertainty, AnUncertainNpsBaselineWidensTheNpsInterval) {
  app::RunOverrides o;
  o.threads = 2;
  o.customers = 1000;
  o.uncertainty = 60;
  auto p = app::plan_from_file(kDir + "survey.yaml", o, "test");
  const auto r = app::execute(p, {});
  const auto u = app::execute_uncertainty(p, r, {});
  const auto t = engine::uncertainty_table(engine::variant_tables(p.variants[0], r.variants[0]).summary, u.variants[0]);
  std::size_t i = 0;
  while (t.get_string("metric")[i] != "nps_true") ++i;
  EXPECT_GT(t.get_double("parameter_sd")[i], 0.0);
  EXPECT_LT(t.get_double("total_low")[i], t.get_double("mc_low")[i]);
  EXPECT_GT(t.get_double("total_high")[i], t.get_double("mc_high")[i]);
}

TEST(Uncertainty, UncertainSegmentOverridesLoadWithTheirEstimatesGiveTheTwinsBitsAndDrawTheirDistributions) {
  const auto s = model::load_journey(kDir + "overrides.yaml").spec;
  ASSERT_EQ(s.uncertain.size(), 2u);
  EXPECT_EQ(s.uncertain[0].kind, model::UncertainParam::Kind::friction_beta);
  EXPECT_EQ(s.uncertain[0].segment, "new");
  EXPECT_EQ(s.uncertain[1].kind, model::UncertainParam::Kind::next_friction_dirichlet);
  EXPECT_EQ(s.uncertain[1].segment, "new");
  EXPECT_EQ(model::uncertain_input_names(s),
            (std::vector<std::string>{"segments.new.overrides.pay.friction",
                                      "segments.new.overrides.pay.next.friction.bought",
                                      "segments.new.overrides.pay.next.friction.left"}));
  auto a = plan("overrides.yaml");
  auto b = plan("overrides_twin.yaml");
  const auto ra = app::execute(a, {});
  const auto rb = app::execute(b, {});
  expect_same_table(engine::variant_tables(a.variants[0], ra.variants[0]).summary,
                    engine::variant_tables(b.variants[0], rb.variants[0]).summary);
  const int n = 20000;
  Moments fr, bought;
  for (int d = 0; d < n; ++d) {
    const auto x = model::draw_parameters(s, 5, static_cast<std::uint64_t>(d));
    ASSERT_EQ(x.find_touchpoint("pay")->friction, 0.2);  // the base value: not uncertain
    ASSERT_EQ(x.find_touchpoint("pay")->next.friction, s.find_touchpoint("pay")->next.friction);
    const auto& ov = x.segments[0].overrides[0].second;
    ASSERT_EQ(model::uncertain_input_values(s, x),
              (std::vector<double>{*ov.friction, ov.next->friction[0].second, ov.next->friction[1].second}));
    fr.add(*ov.friction), bought.add(ov.next->friction[0].second);
  }
  const auto beta_sd = [](double a, double b) { return std::sqrt(a * b / ((a + b) * (a + b) * (a + b + 1))); };
  EXPECT_NEAR(fr.mean(), 0.4, 4 * beta_sd(40, 60) / std::sqrt(n));
  EXPECT_NEAR(fr.sd(), beta_sd(40, 60), 0.03 * beta_sd(40, 60));
  EXPECT_NEAR(bought.mean(), 0.25, 4 * beta_sd(10, 30) / std::sqrt(n));
  EXPECT_NEAR(bought.sd(), beta_sd(10, 30), 0.03 * beta_sd(10, 30));
}

TEST(Uncertainty, DescribeUncertainListsEveryParameterWithItsDistribution) {
  const auto s = model::load_journey(kDir + "uncertain.yaml").spec;
  const auto lines = model::describe_uncertain(s);
  ASSERT_EQ(lines.size(), s.uncertain.size());
  const auto has = [&](const std::string& l) { return std::find(lines.begin(), lines.end(), l) != lines.end(); };
  EXPECT_EQ(lines[0], "browse.friction: Beta(25, 75) (mean 0.25)");
  EXPECT_TRUE(has("start: Dirichlet(3, 1) over 2 targets"));
  EXPECT_TRUE(has("browse.next.ok: Dirichlet(6, 2) over 2 targets"));
  EXPECT_NE(lines.back().find("log-normal (alpha, beta) with mean"), std::string::npos) << lines.back();
  const auto d = model::describe_uncertain(model::load_journey(kDir + "durations.yaml").spec);
  EXPECT_EQ(d[0], "call.duration.exponential.mean: Gamma(mean 4, sd 0.5)");
  EXPECT_EQ(d[2], "wait.duration.ok.lognormal.p90: median + Gamma(mean 3, sd 0.4)");
  EXPECT_TRUE(model::describe_uncertain(model::load_journey(kDir + "point.yaml").spec).empty());
  const auto p = plan("recovery.yaml");
  EXPECT_EQ(scenario::describe_recovery_uncertain(*p.variants[1].recovery),
            (std::vector<std::string>{"variants.rescue.recovery.reach: Beta(30, 20) (mean 0.6)",
                                      "variants.rescue.recovery.success: Beta(10, 10) (mean 0.5)"}));
}
