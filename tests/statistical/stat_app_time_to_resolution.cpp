// Time to resolution, Monte Carlo against the exact absorbing chain (fixed
// seeds; 4 standard errors): for every example journey and segment, one
// period, time_mean_<kind> = E[T | the walk ends in kind] for every kind a
// walk reaches; and over three periods of the whole population (sensitivity 0; segments
// weighted by share × expected walks: the analytics' `pooled` column).
#include <cmath>
#include <cstdio>

#include <gtest/gtest.h>

#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/analytics/analytics_h5.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "example_segments.h"
#include "journey_fixtures.h"
#include "mc_check.h"

namespace cxsim::app {
namespace {

using engine::find_metric;

using Check = testing::McCheck;

TEST(TimeToResolution, EveryExampleJourneyPerSegmentOnePeriod) {
  Check check;
  testing::for_each_example_segment(
      40000, 7100,
      [&](const std::string& where, const model::CompiledModel& m, const auto& exact, const engine::VariantTables& t) {
        for (std::size_t k = 0; k + 1 < m.num_kinds(); ++k) {
          if (!(exact.kind_prob[k] > 0.01)) continue;  // too few walks for a normal approximation
          const std::string metric = "time_mean_" + m.kinds[k];
          check.near(find_metric(t.summary, metric), analytics::time_to_resolution(exact, k), where + metric);
        }
      });
  std::printf("compared %d time-to-resolution estimates; largest |z| = %.2f\n", check.compared, check.worst_z);
  EXPECT_GE(check.compared, 10);
}

TEST(TimeToResolution, PooledOverPeriodsAndSegments) {
  Check check;
  for (const char* file : testing::kExampleJourneys) {
    auto spec = testing::spec_from_repo(file);
    // Sensitivity 0: the walk weights of the segments are exact (sBG).
    spec.retention.sensitivity = 0;
    std::vector<engine::Variant> v = {{"baseline", "", model::compile(spec), std::nullopt}};
    const auto& m = v[0].model;
    analytics::AnalyzeOptions o;
    o.friction_overridden = analytics::friction_override_mask(spec);
    o.periods = 3;
    const auto a = analytics::analyze(m, o);
    const auto exact = analytics::summary_table(m, a);
    engine::RunSettings s;
    s.customers = 40000;
    s.periods = 3;
    s.seed = 8200;
    s.threads = 2;
    const auto r = engine::run(v, s);
    const auto t = engine::variant_tables(v[0], r.variants[0]);
    const auto& names = exact.get_string("metric");
    const auto& pooled = exact.get_double("pooled");
    for (std::size_t k = 0; k + 1 < m.num_kinds(); ++k) {
      const std::string metric = "time_mean_" + m.kinds[k];
      const auto row = std::find(names.begin(), names.end(), metric) - names.begin();
      ASSERT_LT(static_cast<std::size_t>(row), names.size()) << metric;
      if (!std::isfinite(pooled[row]) || !(a.run.pooled.kind_prob[k] > 0.01)) continue;
      check.near(find_metric(t.summary, metric), pooled[row], std::string(file) + " pooled: " + metric);
    }
  }
  std::printf("compared %d pooled time-to-resolution estimates; largest |z| = %.2f\n", check.compared, check.worst_z);
  EXPECT_GE(check.compared, 5);
}

}  // namespace
}  // namespace cxsim::app
