// (test_app_*: links the engine and the analytics.)
// Time to resolution (MODEL.md section 11): time_mean_<kind> and
// time_p90_<kind> among the walks ending in each kind, in the summary and in
// comparisons (paired), with the exact value from the absorbing chain.
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "journey_fixtures.h"

namespace cxsim::engine {
namespace {

// a (2 minutes) then converted, or b (3 more minutes) then abandoned, half
// and half: every converted walk takes 2, every abandoned walk 5.
const char* kTwoWays = R"(
journey: two_ways
touchpoints:
  a:
    channel: web
    duration: {fixed: 2}
    next: {converted: 0.5, b: 0.5}
  b:
    channel: phone
    duration: {fixed: 3}
    next: {abandoned: 1}
outcomes:
  converted: {kind: converted}
  abandoned: {kind: abandoned}
start: {a: 1}
)";

std::vector<Variant> two_ways() {
  return {Variant{"baseline", "", model::compile(testing::spec_from_text(kTwoWays)), std::nullopt}};
}

double metric(const io::Table& t, const std::string& name) { return find_metric(t, name).estimate; }

TEST(EngineTimeToResolution, SummaryRowsPerKindFollowTheJourneyTimeRows) {
  const auto v = two_ways();
  RunSettings s;
  s.customers = 4000;
  s.periods = 2;
  s.seed = 5;
  const auto r = run(v, s);
  const auto t = variant_tables(v[0], r.variants[0]);
  EXPECT_DOUBLE_EQ(metric(t.summary, "time_mean_converted"), 2.0);
  EXPECT_DOUBLE_EQ(metric(t.summary, "time_mean_abandoned"), 5.0);
  EXPECT_EQ(find_metric(t.summary, "time_mean_converted").se, 0.0);
  // Quantiles are clamped to [min, max]: a constant time is its own p90.
  EXPECT_DOUBLE_EQ(metric(t.summary, "time_p90_converted"), 2.0);
  EXPECT_DOUBLE_EQ(metric(t.summary, "time_p90_abandoned"), 5.0);
  // No walk timed out: NaN, not 0.
  EXPECT_TRUE(std::isnan(metric(t.summary, "time_mean_timeout")));
  EXPECT_TRUE(std::isnan(metric(t.summary, "time_p90_timeout")));
  // Layout: time_mean, time_p50, time_p90, then time_mean_<kind>, time_p90_<kind> per kind.
  const auto& names = t.summary.get_string("metric");
  const auto at = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) - names.begin(); };
  EXPECT_EQ(at("time_p90") + 1, at("time_mean_converted"));
  EXPECT_EQ(at("time_mean_converted") + 1, at("time_p90_converted"));
  EXPECT_EQ(at("time_p90_converted") + 1, at("time_mean_abandoned"));
  EXPECT_EQ(at("time_p90_timeout") + 1, at("frictions_mean"));
  // The overall mean is the kinds' means weighted by their shares.
  const double share_c = metric(t.summary, "share_converted");
  EXPECT_NEAR(metric(t.summary, "time_mean"), 2 * share_c + 5 * (1 - share_c), 1e-12);
}

TEST(EngineTimeToResolution, ExactConditionalTimeFromTheChain) {
  const auto v = two_ways();
  const auto a = analytics::analyze(v[0].model);
  const auto& m = v[0].model;
  EXPECT_NEAR(analytics::time_to_resolution(a.population, 0), 2.0, 1e-12) << m.kinds[0];
  EXPECT_NEAR(analytics::time_to_resolution(a.population, 1), 5.0, 1e-12) << m.kinds[1];
  EXPECT_TRUE(std::isnan(analytics::time_to_resolution(a.population, m.timeout_kind())));
  // Σ_c E[T·1{c}] = E[T].
  double total = 0;
  for (double x : a.population.kind_time) total += x;
  EXPECT_NEAR(total, a.population.time, 1e-12);
}

TEST(EngineTimeToResolution, ExactTimeDependsOnTheBranchTheFrictionTakes) {
  // Friction at `a` (probability 0.3) lasts 10 and always abandons; ok lasts
  // 1 and always converts: E[T | converted] = 1, E[T | abandoned] = 10 — not
  // the visit's mean duration 3.7 for both.
  const auto spec = testing::spec_from_text(R"(
journey: branch
touchpoints:
  a:
    channel: web
    friction: 0.3
    duration: {ok: {fixed: 1}, friction: {fixed: 10}}
    next: {ok: {converted: 1}, friction: {abandoned: 1}}
outcomes:
  converted: {kind: converted}
  abandoned: {kind: abandoned}
start: {a: 1}
)");
  const auto m = model::compile(spec);
  const auto a = analytics::analyze(m);
  EXPECT_NEAR(analytics::time_to_resolution(a.population, 0), 1.0, 1e-12);
  EXPECT_NEAR(analytics::time_to_resolution(a.population, 1), 10.0, 1e-12);
}

TEST(EngineTimeToResolution, ComparisonRowsArePairedAndZeroForANoOpVariant) {
  auto spec = testing::spec_from_repo("journeys/retail.yaml");
  auto fixed = spec;
  fixed.find_touchpoint("checkout")->friction *= 0.5;
  const std::vector<Variant> v = {Variant{"baseline", "", model::compile(spec), std::nullopt},
                                  Variant{"noop", "", model::compile(spec), std::nullopt},
                                  Variant{"fix", "", model::compile(fixed), std::nullopt}};
  RunSettings s;
  s.customers = 3000;
  s.periods = 2;
  s.seed = 17;
  const auto r = run(v, s);
  const auto& m = v[0].model;
  const auto noop = comparison_table(v[1], v[0], r.paired[0], r.variants[1], r.variants[0], s);
  const auto fix = comparison_table(v[2], v[0], r.paired[1], r.variants[2], r.variants[0], s);
  for (std::size_t k = 0; k + 1 < m.num_kinds(); ++k) {
    for (const std::string& name : {"time_mean_" + m.kinds[k], "time_p90_" + m.kinds[k]}) {
      const auto e = find_metric(noop, name);
      EXPECT_EQ(e.estimate, 0.0) << name;
      EXPECT_EQ(e.se, 0.0) << name;
      const auto f = find_metric(fix, name);
      EXPECT_TRUE(std::isfinite(f.estimate)) << name;
      EXPECT_GT(f.se, 0.0) << name;
    }
  }
}

}  // namespace
}  // namespace cxsim::engine
