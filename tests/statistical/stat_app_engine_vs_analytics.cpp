// The Monte Carlo engine against the exact absorbing-chain analytics (fixed
// seeds, never flaky; 4 standard errors):
//  - every example journey, one period, per segment: outcome-kind shares,
//    effort, time, cost, frictions, switches, steps, satisfaction change and
//    visits per touchpoint;
//  - every variant of the example scenario: Δ effort, Δ time, Δ conversion;
//  - CI coverage of the paired Δ conversion over 1000 seeds;
//  - variance reduction from pairing (common random numbers), measured.
#include <cmath>
#include <cstdio>

#include <gtest/gtest.h>

#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/app/run_plan.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "example_segments.h"
#include "journey_fixtures.h"
#include "mc_check.h"

namespace cxsim::app {
namespace {

using engine::find_metric;

using Check = testing::McCheck;

TEST(EngineVsAnalytics, EveryExampleJourneyPerSegmentOnePeriod) {
  Check check;
  testing::for_each_example_segment(
      100000, 20261122,
      [&](const std::string& where, const model::CompiledModel& m, const auto& exact, const engine::VariantTables& t) {
        for (std::size_t k = 0; k + 1 < m.num_kinds(); ++k) {
          const auto e = find_metric(t.summary, "share_" + m.kinds[k]);
          check.near(e.estimate, e.se, exact.kind_prob[k], where + "share_" + m.kinds[k]);
        }
        auto cmp = [&](const char* metric, double x) {
          const auto e = find_metric(t.summary, metric);
          check.near(e.estimate, e.se, x, where + metric);
        };
        cmp("effort_mean", exact.effort);
        cmp("time_mean", exact.time);
        cmp("cost_mean", exact.cost);  // one walk per customer, no discounting in period 1
        cmp("frictions_mean", exact.frictions);
        cmp("switches_mean", exact.switches);
        cmp("steps_mean", exact.steps);
        cmp("satisfaction_change_mean", exact.satisfaction_change);
        cmp("clv_mean", exact.value);
        const auto& vis = t.touchpoints.get_double("visits_per_walk");
        const auto& vis_se = t.touchpoints.get_double("visits_per_walk_se");
        for (std::size_t k = 0; k < m.num_touchpoints(); ++k)
          check.near(vis[k], vis_se[k], exact.visits[k], where + "visits " + m.touchpoint_ids[k]);
      });
  std::printf("compared %d MC estimates with exact values; largest |z| = %.2f\n", check.compared, check.worst_z);
  EXPECT_GT(check.compared, 100);
}

RunPlan example_plan(int periods, long long customers, unsigned long long seed) {
  RunOverrides o;
  o.periods = periods;
  o.customers = customers;
  o.seed = seed;
  o.threads = 2;
  o.no_sweeps = true;
  o.no_ranking = true;
  return plan_from_file(testing::shared_example("retail_whatif.yaml"), o, "test");
}

TEST(EngineVsAnalytics, ScenarioVariantDeltasMatchExactDeltas) {
  RunPlan plan = example_plan(1, 200000, 2026);
  const auto r = execute(plan, {});
  analytics::AnalyzeOptions ob;
  ob.friction_overridden = analytics::friction_override_mask(plan.specs[0]);
  const auto base = analytics::analyze(plan.variants[0].model, ob).population;
  const auto& m = plan.variants[0].model;
  const std::size_t conv = analytics::primary_kind(m);
  Check check;
  for (std::size_t v = 1; v < plan.named; ++v) {
    analytics::AnalyzeOptions ov;
    ov.friction_overridden = analytics::friction_override_mask(plan.specs[v]);
    const auto ex = analytics::analyze(plan.variants[v].model, ov).population;
    const auto c = engine::comparison_table(plan.variants[v], plan.variants[0], r.paired[v - 1], r.variants[v],
                                            r.variants[0], r.settings);
    const std::string& name = plan.variants[v].name;
    auto cmp = [&](const char* metric, double delta) {
      const auto e = find_metric(c, metric);
      check.near(e.estimate, e.se, delta, name + " Δ" + metric);
    };
    cmp("effort_mean", ex.effort - base.effort);
    cmp("time_mean", ex.time - base.time);
    cmp(("share_" + m.kinds[conv]).c_str(), ex.kind_prob[conv] - base.kind_prob[conv]);
    cmp("steps_mean", ex.steps - base.steps);
  }
  EXPECT_EQ(check.compared, 16);
}

TEST(EngineVsAnalytics, PairedDeltaConversionCiCoverage) {
  // 1000 seeds × 2000 customers, one period: the 95% CI of Δ conversion of
  // fix_checkout covers the exact Δ in 93–97% of runs.
  RunPlan plan = example_plan(1, 2000, 1);
  std::vector<engine::Variant> variants = {plan.variants[0], plan.variants[1]};
  analytics::AnalyzeOptions o0, o1;
  o0.friction_overridden = analytics::friction_override_mask(plan.specs[0]);
  o1.friction_overridden = analytics::friction_override_mask(plan.specs[1]);
  const std::size_t conv = analytics::primary_kind(variants[0].model);
  const double exact = analytics::analyze(variants[1].model, o1).population.kind_prob[conv] -
                       analytics::analyze(variants[0].model, o0).population.kind_prob[conv];
  const std::string metric = "share_" + variants[0].model.kinds[conv];
  int covered = 0;
  const int seeds = 1000;
  for (int seed = 1; seed <= seeds; ++seed) {
    engine::RunSettings s = plan.settings;
    s.seed = static_cast<std::uint64_t>(seed);
    s.threads = 2;
    const auto r = engine::run(variants, s);
    const auto c = engine::comparison_table(variants[1], variants[0], r.paired[0], r.variants[1], r.variants[0], s);
    const auto e = find_metric(c, metric);
    covered += e.ci_low <= exact && exact <= e.ci_high;
  }
  const double rate = static_cast<double>(covered) / seeds;
  std::printf("coverage of the 95%% CI of Δ %s: %.3f over %d seeds (exact Δ = %.5f)\n", metric.c_str(), rate, seeds,
              exact);
  EXPECT_GE(rate, 0.93);
  EXPECT_LE(rate, 0.97);
}

TEST(EngineVsAnalytics, PairingReducesVarianceSeveralFold) {
  // fix_checkout on the retail example at its own population (200k × 12):
  // paired SE of Δ vs the SE of an unpaired comparison (independent seeds).
  RunPlan plan = example_plan(12, 200000, 2026);
  std::vector<engine::Variant> variants = {plan.variants[0], plan.variants[1]};
  engine::RunSettings s = plan.settings;
  const auto paired = engine::run(variants, s);
  const auto c =
      engine::comparison_table(variants[1], variants[0], paired.paired[0], paired.variants[1], paired.variants[0], s);
  // Unpaired: the variant with another seed.
  engine::RunSettings s2 = s;
  s2.seed = s.seed + 1;
  const auto other = engine::run({variants[1]}, s2);
  const auto tb = engine::variant_tables(variants[0], paired.variants[0]);
  const auto tv = engine::variant_tables(variants[1], other.variants[0]);
  for (const char* metric : {"nps_true", "nps_measured", "retention_final", "clv_mean", "share_converted"}) {
    const double se_paired = find_metric(c, metric).se;
    const double se_unpaired = std::hypot(find_metric(tb.summary, metric).se, find_metric(tv.summary, metric).se);
    std::printf("%-16s paired SE %.6f  unpaired SE %.6f  reduction %.1fx\n", metric, se_paired, se_unpaired,
                se_unpaired / se_paired);
    if (std::string(metric) == "nps_true" || std::string(metric) == "retention_final") {
      EXPECT_GT(se_unpaired / se_paired, 3.0) << metric;
    }
  }
}

}  // namespace
}  // namespace cxsim::app
