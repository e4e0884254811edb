// Parameters with uncertainty and `run --uncertainty` (MODEL.md section 14;
// docs/methods/uncertainty.md): the estimates give the point-estimate twin's
// bits, a journey with no uncertain parameter gives total == MC exactly, the
// draws give the same bits for any thread count, and each draw is a pure
// function of (seed, draw).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "cxsim/app/run_plan.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/uncertainty.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/model/uncertain.h"

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
