// Journey frequency in the engine (MODEL.md section 11): an idle period
// brings no walk, survey, value or cost, counts as active and idle, and still
// draws churn; `engagement: {probability: 1}` gives the same bits as no
// engagement; the walk_counts table sums to the customers.
#include <cmath>

#include <gtest/gtest.h>

#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "journey_fixtures.h"

namespace cxsim::engine {
namespace {

std::string journey(const std::string& engagement) {
  return R"(
journey: j
touchpoints:
  a:
    channel: web
    friction: 0.3
    cost: 1
    satisfaction: {ok: 1, friction: -2}
    duration: {exponential: {mean: 3}}
    next: {ok: {done: 1}, friction: {lost: 0.5, a: 0.5}}
outcomes:
  done: {kind: converted, value: 10}
  lost: {kind: abandoned}
start: {a: 1}
retention: {sensitivity: 0.4, carryover: 0.3}
population: {discount_rate: 0.1}
segments:
  s:
    share: 1
    satisfaction0: {mean: 0, sd: 1}
    retention: {alpha: 1, beta: 4}
)" + engagement;
}

struct Out {
  std::vector<Variant> v;
  RunResult r;
  VariantTables t;
};

Out simulate(const std::string& engagement, int threads = 2) {
  Out o;
  o.v = {Variant{"baseline", "", model::compile(testing::spec_from_text(journey(engagement))), std::nullopt}};
  RunSettings s;
  s.customers = 5000;
  s.periods = 5;
  s.seed = 9;
  s.threads = threads;
  s.chunk_size = 700;
  o.r = run(o.v, s);
  o.t = variant_tables(o.v[0], o.r.variants[0]);
  return o;
}

TEST(EngineEngagement, ProbabilityOneIsTheSameBitsAsNoEngagement) {
  const auto a = simulate("");
  const auto b = simulate("    engagement: {probability: 1}\n");
  EXPECT_TRUE(a.t.summary == b.t.summary);
  EXPECT_EQ(a.t.nps_histogram, b.t.nps_histogram);
  EXPECT_EQ(a.t.survival, b.t.survival);
  for (const char* c : {"active", "nps_true", "churn_rate", "share_converted", "value_mean", "cost_mean"})
    EXPECT_EQ(a.t.periods.get_double(c), b.t.periods.get_double(c)) << c;
  // Without engagement the layout is today's: no walk_counts, no idle column.
  EXPECT_EQ(a.t.walk_counts.rows(), 0u);
  EXPECT_FALSE(a.t.periods.has_column("idle"));
  EXPECT_TRUE(b.t.periods.has_column("idle"));
  for (double x : b.t.periods.get_double("idle")) EXPECT_EQ(x, 0.0);
}

TEST(EngineEngagement, IdlePeriodsBringNoWalkSurveyValueOrCost) {
  const auto o = simulate("    engagement: {alpha: 0.7, beta: 0.9}\n");
  const auto& t = o.t;
  const double n = 5000;
  const double walks = find_metric(t.summary, "walks_per_customer").estimate * n;
  // Every walk is scored once: the NPS histogram counts walks, not periods.
  double scored = 0;
  for (std::size_t k = 0; k < 11; ++k) scored += static_cast<double>(t.nps_histogram[k]);
  EXPECT_NEAR(scored, walks, 1e-6);
  // Per period: walked = active − idle, Σ walked = walks; value and cost only from walks.
  const auto& active = t.periods.get_double("active");
  const auto& walked = t.periods.get_double("walked");
  const auto& idle = t.periods.get_double("idle");
  double total = 0, idle_total = 0;
  for (std::size_t p = 0; p < active.size(); ++p) {
    EXPECT_EQ(walked[p] + idle[p], active[p]);
    total += walked[p];
    idle_total += idle[p];
  }
  EXPECT_NEAR(total, walks, 1e-6);
  EXPECT_GT(idle_total, 0.1 * total);
  // Churn happens in idle periods too: fewer alive at the end than without a
  // churn draw there would give, and active in period 2 = customers − churned in period 1.
  const auto& churn = t.periods.get_double("churn_rate");
  EXPECT_NEAR(active[1], active[0] * (1 - churn[0]), 1e-6);
  // walk_counts: customers by walks 0..P, summing to the customers and to the walks.
  ASSERT_EQ(t.walk_counts.rows(), 6u);
  const auto& customers = t.walk_counts.get_double("customers");
  double c_sum = 0, w_sum = 0;
  for (std::size_t w = 0; w < customers.size(); ++w) {
    c_sum += customers[w];
    w_sum += static_cast<double>(w) * customers[w];
  }
  EXPECT_EQ(c_sum, n);
  EXPECT_NEAR(w_sum, walks, 1e-6);
  EXPECT_GT(customers[0], 0.0);  // some customers never walk
}

TEST(EngineEngagement, SameBitsForAnyThreadCount) {
  const auto a = simulate("    engagement: {alpha: 2, beta: 3}\n", 1);
  const auto b = simulate("    engagement: {alpha: 2, beta: 3}\n", 3);
  EXPECT_TRUE(a.t.summary == b.t.summary);
  EXPECT_TRUE(a.t.periods == b.t.periods);
  EXPECT_TRUE(a.t.walk_counts == b.t.walk_counts);
}

}  // namespace
}  // namespace cxsim::engine
