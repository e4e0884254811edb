// The walk-time counts per customer group (VariantAccumulator::time_groups,
// behind the paired SE of the quantile Δs) are the same bits for any thread
// count, chunk split across processes and chunk size, sum to time_hist, and a
// no-op variant's quantile Δs are exactly 0 with SE 0.
#include <gtest/gtest.h>

#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "journey_fixtures.h"

namespace cxsim::engine {
namespace {

std::vector<Variant> retail_variants() {
  auto spec = testing::spec_from_repo("journeys/retail.yaml");
  auto fixed = spec;
  fixed.find_touchpoint("checkout")->friction *= 0.5;
  return {Variant{"baseline", "", model::compile(spec), std::nullopt},
          Variant{"fix", "", model::compile(fixed), std::nullopt},
          Variant{"noop", "", model::compile(spec), std::nullopt}};
}

void expect_same(const RunResult& a, const RunResult& b, const std::vector<Variant>& variants) {
  for (std::size_t v = 0; v < a.variants.size(); ++v) {
    EXPECT_TRUE(a.variants[v].time_groups == b.variants[v].time_groups) << variants[v].name;
  }
  for (std::size_t v = 1; v < variants.size(); ++v) {
    const auto ta =
        comparison_table(variants[v], variants[0], a.paired[v - 1], a.variants[v], a.variants[0], a.settings);
    const auto tb =
        comparison_table(variants[v], variants[0], b.paired[v - 1], b.variants[v], b.variants[0], b.settings);
    EXPECT_TRUE(ta == tb) << variants[v].name;
  }
}

TEST(EngineQuantileGroups, SameBitsForThreadsSplitsAndChunkSizes) {
  const auto variants = retail_variants();
  RunSettings s;
  s.customers = 6000;
  s.periods = 3;
  s.seed = 31;
  s.chunk_size = 500;
  s.threads = 1;
  const RunResult one = run(variants, s);
  s.threads = 3;
  expect_same(one, run(variants, s), variants);
  // Split across "processes".
  const std::uint64_t n = chunk_count(s);
  auto a = run_chunks(variants, s, 0, 5);
  auto b = run_chunks(variants, s, 5, n);
  a.insert(a.end(), std::make_move_iterator(b.begin()), std::make_move_iterator(b.end()));
  expect_same(one, merge_in_order(variants, s, a), variants);
  // The group is a function of the customer alone: another chunk size gives
  // the same integer counts too.
  s.chunk_size = 777;
  const RunResult other = run(variants, s);
  for (std::size_t v = 0; v < variants.size(); ++v)
    EXPECT_TRUE(one.variants[v].time_groups == other.variants[v].time_groups);
}

TEST(EngineQuantileGroups, GroupsSumToTheHistogramAndNoOpIsExact) {
  const auto variants = retail_variants();
  RunSettings s;
  s.customers = 3000;
  s.periods = 2;
  s.seed = 5;
  const RunResult r = run(variants, s);
  for (const auto& acc : r.variants) {
    const stats::HistogramGroups g = acc.all_time_groups();
    ASSERT_EQ(g.groups(), VariantAccumulator::kTimeGroups);
    ASSERT_EQ(g.bins(), acc.time_hist.bin_count());
    for (std::size_t b = 0; b < g.bins(); ++b) {
      double sum = 0;
      for (int k = 0; k < g.groups(); ++k) sum += g.count(k, b);
      ASSERT_EQ(sum, acc.time_hist.raw_counts()[b]);
    }
    // Customers i ≡ k (mod 32) are in group k: 3000 = 93·32 + 24.
    EXPECT_GE(g.weight(0), 94.0);  // each of those customers walks at least once
    EXPECT_GE(g.weight(31), 93.0);
  }
  const auto noop = comparison_table(variants[2], variants[0], r.paired[1], r.variants[2], r.variants[0], s);
  const auto fix = comparison_table(variants[1], variants[0], r.paired[0], r.variants[1], r.variants[0], s);
  for (const char* m : {"time_p50", "time_p90"}) {
    const auto e = find_metric(noop, m);
    EXPECT_EQ(e.estimate, 0.0);
    EXPECT_EQ(e.se, 0.0);
    EXPECT_EQ(e.ci_low, 0.0);
    EXPECT_EQ(e.ci_high, 0.0);
    const auto f = find_metric(fix, m);
    EXPECT_GT(f.se, 0.0) << m;
    EXPECT_TRUE(std::isfinite(f.se)) << m;
  }
}

}  // namespace
}  // namespace cxsim::engine
