// Calibration of the paired standard error of the walk-time quantile Δs
// (time_p50, time_p90) of a comparison: over many seeds, the mean reported SE
// must match the empirical standard deviation of Δ across seeds.
//
// Variants are simulated with common random numbers customer by customer, so
// the two quantiles move together and the SE of their difference is far below
// √(se_v² + se_b²) (the unpaired SE reported before: 5–25× the real spread
// here). Sweeps report the same comparison_table rows (app::sweep_table reads
// them), so this covers their Δ columns too.
//
// Fixed seeds: deterministic, never flaky. The ratio's own sampling error over
// kSeeds seeds is about 1/√(2·kSeeds) ≈ 6%; the band 0.8–1.25 is > 3 of those.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "journey_fixtures.h"

namespace cxsim::engine {
namespace {

// Browse or ask for help, then check out (a friction sends some back to the
// checkout); two periods with churn, so customers walk once or twice.
const char* kJourney = R"(
journey: quantile_delta
start: {browse: 0.7, help: 0.3}
touchpoints:
  browse:
    channel: web
    friction: 0.1
    satisfaction: {ok: 0.2, friction: -0.5}
    duration: {exponential: {mean: 4}}
    next: {checkout: 0.8, quit: 0.2}
  help:
    channel: phone
    duration: {lognormal: {median: HELP_MEDIAN, p90: HELP_P90}}
    next: {checkout: 0.6, quit: 0.4}
  checkout:
    channel: web
    friction: 0.2
    satisfaction: {ok: 0.5, friction: -1}
    duration:
      ok: {lognormal: {median: CHECKOUT_MEDIAN, p90: CHECKOUT_P90}}
      friction: {lognormal: {median: 8, p90: 20}}
    next:
      ok: {bought: 1.0}
      friction: {checkout: 0.5, quit: 0.5}
outcomes:
  bought: {kind: converted}
  quit: {kind: abandoned}
segments:
  all:
    share: 1
    retention: {alpha: 1.0, beta: 2.0}
)";

model::CompiledModel journey(double help_scale, double checkout_scale) {
  std::string y = kJourney;
  auto put = [&y](const std::string& key, double v) { y.replace(y.find(key), key.size(), std::to_string(v)); };
  put("HELP_MEDIAN", 6 * help_scale);
  put("HELP_P90", 15 * help_scale);
  put("CHECKOUT_MEDIAN", 3 * checkout_scale);
  put("CHECKOUT_P90", 8 * checkout_scale);
  return model::compile(testing::spec_from_text(y));
}

struct Moments {
  double sum = 0, sum_sq = 0, se_sum = 0;
  int n = 0;
  void add(double delta, double se) {
    sum += delta;
    sum_sq += delta * delta;
    se_sum += se;
    ++n;
  }
  double sd() const { return std::sqrt((sum_sq - sum * sum / n) / (n - 1)); }
  double mean_se() const { return se_sum / n; }
};

TEST(EngineQuantileDelta, PairedSeMatchesSpreadAcrossSeeds) {
  // Variant 1 shortens the checkout (most walks), variant 2 the help line
  // (30% of walks): a large and a small, partial change of the durations.
  const std::vector<Variant> variants = {{"baseline", "", journey(1.0, 1.0), std::nullopt},
                                         {"faster_checkout", "", journey(1.0, 0.9), std::nullopt},
                                         {"faster_help", "", journey(0.8, 1.0), std::nullopt}};
  constexpr int kSeeds = 150;
  RunSettings s;
  s.customers = 3000;
  s.periods = 2;
  s.chunk_size = 1024;
  s.threads = 1;
  const char* metrics[] = {"time_p50", "time_p90"};
  Moments m[2][2];  // [variant - 1][metric]
  for (int seed = 0; seed < kSeeds; ++seed) {
    s.seed = 7000 + static_cast<std::uint64_t>(seed);
    const RunResult r = run(variants, s);
    for (std::size_t v = 1; v < variants.size(); ++v) {
      const io::Table t = comparison_table(variants[v], variants[0], r.paired[v - 1], r.variants[v], r.variants[0], s);
      for (int k = 0; k < 2; ++k) {
        const stats::Estimate d = find_metric(t, metrics[k]);
        m[v - 1][k].add(d.estimate, d.se);
      }
    }
  }
  for (std::size_t v = 1; v < variants.size(); ++v) {
    for (int k = 0; k < 2; ++k) {
      const Moments& x = m[v - 1][k];
      const double ratio = x.mean_se() / x.sd();
      std::printf("%-16s %s: mean Δ %.4f, sd of Δ %.5f, mean SE %.5f, ratio %.3f\n", variants[v].name.c_str(),
                  metrics[k], x.sum / x.n, x.sd(), x.mean_se(), ratio);
      EXPECT_GT(ratio, 0.8) << variants[v].name << " " << metrics[k];
      EXPECT_LT(ratio, 1.25) << variants[v].name << " " << metrics[k];
    }
  }
}

}  // namespace
}  // namespace cxsim::engine
