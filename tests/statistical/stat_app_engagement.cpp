// Journey frequency (MODEL.md section 11), Monte Carlo against closed forms
// (fixed seeds; 4 standard errors): with retention sensitivity 0 the
// distribution of walks per customer over n periods is the BG/BB one with the
// engine's alignment (analytics::walk_count_pmf), for Beta-distributed and for
// fixed engagement, with and without churn; walks_per_customer and the idle
// customers per period match their exact expectations.
#include <cmath>
#include <cstdio>

#include <gtest/gtest.h>

#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/analytics/engagement.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "journey_fixtures.h"

namespace cxsim::app {
namespace {

std::string journey(const std::string& segment) {
  return R"(
journey: frequency
touchpoints:
  visit:
    channel: web
    friction: 0.2
    satisfaction: {ok: 0.5, friction: -1.5}
    duration: {exponential: {mean: 4}}
    next: {ok: {bought: 1}, friction: {left: 0.5, visit: 0.5}}
outcomes:
  bought: {kind: converted, value: 10}
  left: {kind: abandoned}
start: {visit: 1}
retention: {sensitivity: 0}
segments:
  s:
    share: 1
)" + segment;
}

void check_counts(const std::string& segment, int periods, std::uint64_t seed) {
  const auto spec = testing::spec_from_text(journey(segment));
  std::vector<engine::Variant> v = {{"baseline", "", model::compile(spec), std::nullopt}};
  engine::RunSettings s;
  s.customers = 100000;
  s.periods = periods;
  s.seed = seed;
  s.threads = 2;
  const auto r = engine::run(v, s);
  const auto t = engine::variant_tables(v[0], r.variants[0]);
  const auto pmf = analytics::walk_count_pmf(v[0].model.segments[0], periods);
  ASSERT_EQ(t.walk_counts.rows(), pmf.size());
  const auto& share = t.walk_counts.get_double("share");
  const double n = static_cast<double>(s.customers);
  double worst = 0;
  for (std::size_t x = 0; x < pmf.size(); ++x) {
    // The SE of a share at the exact probability (binomial over customers).
    const double se = std::sqrt(pmf[x] * (1 - pmf[x]) / n);
    if (se == 0) {
      EXPECT_EQ(share[x], pmf[x]) << segment << " walks " << x;
      continue;
    }
    const double z = std::fabs(share[x] - pmf[x]) / se;
    worst = std::max(worst, z);
    EXPECT_LT(z, 4.0) << segment << " walks " << x << ": MC " << share[x] << " vs closed form " << pmf[x];
  }
  // walks_per_customer and idle customers per period against the exact values.
  analytics::AnalyzeOptions o;
  o.periods = periods;
  const auto a = analytics::analyze(v[0].model, o);
  const auto w = engine::find_metric(t.summary, "walks_per_customer");
  EXPECT_LT(std::fabs(w.estimate - a.run.walks_per_customer) / w.se, 4.0) << segment;
  const auto& seg = v[0].model.segments[0];
  const auto& idle = t.periods.get_double("idle");
  double alive = 1;
  for (int k = 0; k < periods; ++k) {
    const double p_idle = alive * (1 - seg.engage_mean());  // E[alive_t (1 − p)], θ and p independent
    const double se = std::sqrt(p_idle * (1 - p_idle) / n);
    EXPECT_LT(std::fabs(idle[static_cast<std::size_t>(k)] / n - p_idle) / se, 4.0) << segment << " period " << k + 1;
    if (seg.churns) alive *= (seg.beta + k) / (seg.alpha + seg.beta + k);
  }
  std::printf("%s over %d periods: largest |z| of the walk-count shares = %.2f\n", segment.c_str(), periods, worst);
}

TEST(Engagement, BetaEngagementWithChurnMatchesBgbb) {
  check_counts("    retention: {alpha: 1.2, beta: 2.5}\n    engagement: {alpha: 1.5, beta: 1.0}\n", 6, 101);
}

TEST(Engagement, FixedEngagementWithChurnMatchesBgbb) {
  check_counts("    retention: {alpha: 0.8, beta: 3.0}\n    engagement: {probability: 0.35}\n", 5, 202);
}

TEST(Engagement, BetaEngagementWithoutChurnIsBetaBinomial) {
  check_counts("    engagement: {alpha: 0.6, beta: 1.4}\n", 8, 303);
}

}  // namespace
}  // namespace cxsim::app
