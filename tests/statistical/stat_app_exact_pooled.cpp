// The exact analytics compared like with like with the Monte Carlo engine
// (fixed seeds, 4 standard errors; docs/methods/analytics.md, "Comparing with
// Monte Carlo"):
//  - P > 1 periods with segment-dependent churn: the pooled exact values (each
//    segment weighted by its expected walks) match the pooled Monte Carlo
//    per-walk metrics, and the per-customer ones (walks, retention, CLV, cost)
//    match too; the one-walk share-weighted values the report used to show are
//    off by far more than 4 standard errors;
//  - a recovery program triggered by friction visits: its trigger, reach and
//    success rates, the satisfaction change and the cost are exact and match;
//    the values without the program (what the analytics used to store) do not;
//  - a recovery program triggered by satisfaction: those values are marked not
//    exact (NaN, exact = 0) and every other value still matches.
#include <cmath>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/analytics/analytics_h5.h"
#include "cxsim/app/run_plan.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"

namespace cxsim::app {
namespace {

using engine::find_metric;

std::string data(const std::string& name) { return std::string(CXSIM_TEST_DATA_DIR) + "/exact/" + name; }

RunPlan plan(const std::string& file, int periods, long long customers, unsigned long long seed) {
  RunOverrides o;
  o.periods = periods;
  o.customers = customers;
  o.seed = seed;
  o.threads = 2;
  o.no_sweeps = true;
  o.no_ranking = true;
  return plan_from_file(data(file), o, "test");
}

analytics::JourneyAnalytics exact_for(const RunPlan& p, std::size_t v, bool with_recovery = true) {
  analytics::AnalyzeOptions o;
  o.friction_overridden = analytics::friction_override_mask(p.specs[v]);
  if (with_recovery) o.recovery = p.variants[v].recovery;
  o.periods = p.settings.periods;
  o.discount_rate = p.settings.discount_rate;
  return analytics::analyze(p.variants[v].model, o);
}

double z(const io::Table& summary, const std::string& metric, double exact) {
  const auto e = find_metric(summary, metric);
  EXPECT_GT(e.se, 0) << metric;
  return std::fabs(e.estimate - exact) / e.se;
}

// metric name -> exact value, for the per-walk metrics of the MC summary.
std::vector<std::pair<std::string, double>> per_walk(const model::CompiledModel& m,
                                                     const analytics::WalkExpectations& w) {
  std::vector<std::pair<std::string, double>> out;
  for (std::size_t k = 0; k + 1 < m.num_kinds(); ++k) out.emplace_back("share_" + m.kinds[k], w.kind_prob[k]);
  out.emplace_back("effort_mean", w.effort);
  out.emplace_back("time_mean", w.time);
  out.emplace_back("frictions_mean", w.frictions);
  out.emplace_back("switches_mean", w.switches);
  out.emplace_back("steps_mean", w.steps);
  out.emplace_back("satisfaction_change_mean", w.satisfaction_change);
  return out;
}

TEST(ExactPooled, SeveralPeriodsWithSegmentDependentChurn) {
  RunPlan p = plan("churn_segments.yaml", 6, 40000, 4242);
  const auto r = execute(p, {});
  const auto t = engine::variant_tables(p.variants[0], r.variants[0]).summary;
  const auto& m = p.variants[0].model;
  const auto a = exact_for(p, 0);
  ASSERT_TRUE(a.run.pooled_exact);
  // fickle: alive after t periods = 1/(t+1), so E[walks] = 1 + 1/2 + ... + 1/6.
  EXPECT_NEAR(a.run.walks[1], 1 + 1 / 2. + 1 / 3. + 1 / 4. + 1 / 5. + 1 / 6., 1e-12);
  EXPECT_DOUBLE_EQ(a.run.walks[0], 6.0);
  double worst_new = 0, worst_old = 0;
  for (const auto& [metric, pooled] : per_walk(m, a.run.pooled)) {
    const double zn = z(t, metric, pooled);
    EXPECT_LT(zn, 4.0) << metric << ": MC " << find_metric(t, metric).estimate << " vs pooled exact " << pooled;
    worst_new = std::max(worst_new, zn);
  }
  for (const auto& [metric, one_walk] : per_walk(m, a.population))
    worst_old = std::max(worst_old, z(t, metric, one_walk));
  EXPECT_LT(z(t, "walks_per_customer", a.run.walks_per_customer), 4.0);
  EXPECT_LT(z(t, "retention_final", a.run.retention_final), 4.0);
  EXPECT_LT(z(t, "clv_mean", a.run.clv_mean), 4.0);
  EXPECT_LT(z(t, "cost_mean", a.run.cost_mean), 4.0);
  // The old comparison (one walk, share-weighted) against the pooled MC.
  EXPECT_GT(worst_old, 10.0);
  std::printf("pooled exact: largest |z| %.2f; one-walk share-weighted (old): largest |z| %.1f\n", worst_new,
              worst_old);

  // The file's summary: `pooled` holds these values.
  const io::Table s = analytics::summary_table(m, a);
  const auto& names = s.get_string("metric");
  const auto& pooled = s.get_double("pooled");
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == "steps_mean") {
      EXPECT_DOUBLE_EQ(pooled[i], a.run.pooled.steps);
    }
  }
}

TEST(ExactPooled, OnePeriodPooledIsTheOneWalkMix) {
  RunPlan p = plan("churn_segments.yaml", 1, 10, 1);
  const auto a = exact_for(p, 0);
  EXPECT_TRUE(a.run.pooled_exact);
  EXPECT_NEAR(a.run.pooled.steps, a.population.steps, 1e-12);
  EXPECT_NEAR(a.run.pooled.kind_prob[0], a.population.kind_prob[0], 1e-12);
  EXPECT_NEAR(a.run.cost_mean, a.population.cost, 1e-12);
  EXPECT_NEAR(a.run.retention_final, 0.5 * 1.0 + 0.5 * 0.5, 1e-12);
}

TEST(ExactPooled, RecoveryTriggeredByFrictionsIsExact) {
  RunPlan p = plan("recovery.yaml", 4, 60000, 9090);
  const auto r = execute(p, {});
  ASSERT_EQ(p.variants[1].name, "callback_on_friction");
  const auto t = engine::variant_tables(p.variants[1], r.variants[1]).summary;
  const auto& m = p.variants[1].model;
  const auto a = exact_for(p, 1);
  ASSERT_TRUE(a.population.recovery && a.population.recovery_exact);
  EXPECT_GT(a.run.pooled.recovery_triggered, 0.05);
  for (const auto& [metric, pooled] : per_walk(m, a.run.pooled))
    EXPECT_LT(z(t, metric, pooled), 4.0) << metric << ": MC " << find_metric(t, metric).estimate << " vs " << pooled;
  EXPECT_LT(z(t, "recovery_triggered_rate", a.run.pooled.recovery_triggered), 4.0);
  EXPECT_LT(z(t, "recovery_reached_rate", a.run.pooled.recovery_reached), 4.0);
  EXPECT_LT(z(t, "recovery_succeeded_rate", a.run.pooled.recovery_succeeded), 4.0);
  EXPECT_LT(z(t, "cost_mean", a.run.cost_mean), 4.0);
  EXPECT_LT(z(t, "clv_mean", a.run.clv_mean), 4.0);
  // What the analytics stored before: the values without the program.
  const auto old = exact_for(p, 1, false);
  EXPECT_GT(z(t, "cost_mean", old.run.cost_mean), 4.0);
  EXPECT_GT(z(t, "satisfaction_change_mean", old.run.pooled.satisfaction_change), 4.0);
}

TEST(ExactPooled, RecoveryTriggeredBySatisfactionIsMarkedNotExact) {
  RunPlan p = plan("recovery.yaml", 4, 40000, 9191);
  const auto r = execute(p, {});
  ASSERT_EQ(p.variants[2].name, "callback_on_mood");
  const auto t = engine::variant_tables(p.variants[2], r.variants[2]).summary;
  const auto& m = p.variants[2].model;
  const auto a = exact_for(p, 2);
  ASSERT_TRUE(a.population.recovery);
  EXPECT_FALSE(a.population.recovery_exact);
  const io::Table s = analytics::summary_table(m, a);
  const auto& names = s.get_string("metric");
  const auto& est = s.get_double("estimate");
  const auto& pooled = s.get_double("pooled");
  const auto& exact = s.get_int64("exact");
  int not_exact = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const bool should_be_exact = names[i] != "satisfaction_change_mean" && names[i] != "cost_per_walk" &&
                                 names[i] != "cost_mean" && names[i].rfind("recovery_", 0) != 0;
    EXPECT_EQ(exact[i], should_be_exact ? 1 : 0) << names[i];
    if (!should_be_exact) {
      ++not_exact;
      EXPECT_TRUE(std::isnan(est[i]) && std::isnan(pooled[i])) << names[i];
    }
  }
  EXPECT_EQ(not_exact, 6);
  // What stays exact still matches; the old stored cost (without the program) does not.
  for (const auto& [metric, x] : per_walk(m, a.run.pooled)) {
    if (metric != "satisfaction_change_mean") {
      EXPECT_LT(z(t, metric, x), 4.0) << metric;
    }
  }
  const auto old = exact_for(p, 2, false);
  EXPECT_GT(z(t, "cost_mean", old.run.cost_mean), 4.0);
}

}  // namespace
}  // namespace cxsim::app
