// Same seed, same bits: for any thread count and any split of the chunks
// across processes (emulated by run_chunks over sub-ranges).
#include <cstring>

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
          Variant{"fix", "", model::compile(fixed), std::nullopt}};
}

bool same_bits(std::span<const double> a, std::span<const double> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

void expect_identical(const RunResult& a, const RunResult& b, const std::vector<Variant>& variants) {
  ASSERT_EQ(a.variants.size(), b.variants.size());
  for (std::size_t v = 0; v < a.variants.size(); ++v) {
    const auto& x = a.variants[v];
    const auto& y = b.variants[v];
    EXPECT_EQ(x.headline.count(), y.headline.count());
    EXPECT_TRUE(same_bits(x.headline.raw_sums(), y.headline.raw_sums()));
    EXPECT_TRUE(same_bits(x.headline.raw_cross(), y.headline.raw_cross()));
    EXPECT_TRUE(same_bits(x.time_hist.raw_counts(), y.time_hist.raw_counts()));
    EXPECT_TRUE(same_bits(x.nps_hist_true, y.nps_hist_true));
    // Every derived table is identical too.
    auto tx = variant_tables(variants[v], x);
    auto ty = variant_tables(variants[v], y);
    EXPECT_TRUE(tx.summary == ty.summary);
    EXPECT_TRUE(tx.touchpoints == ty.touchpoints);
    EXPECT_TRUE(tx.paths == ty.paths);
    EXPECT_TRUE(tx.periods == ty.periods);
  }
  for (std::size_t p = 0; p < a.paired.size(); ++p)
    EXPECT_TRUE(same_bits(a.paired[p].joint.raw_cross(), b.paired[p].joint.raw_cross()));
}

TEST(EngineDeterminism, ThreadCountDoesNotChangeBits) {
  auto variants = retail_variants();
  RunSettings s;
  s.customers = 20000;
  s.periods = 6;
  s.seed = 2026;
  s.chunk_size = 1000;
  s.threads = 1;
  RunResult r1 = run(variants, s);
  for (int threads : {2, 7}) {
    s.threads = threads;
    RunResult rt = run(variants, s);
    expect_identical(r1, rt, variants);
  }
}

TEST(EngineDeterminism, SplitAcrossProcessesDoesNotChangeBits) {
  auto variants = retail_variants();
  RunSettings s;
  s.customers = 10000;
  s.periods = 3;
  s.seed = 7;
  s.chunk_size = 512;
  s.threads = 2;
  RunResult whole = run(variants, s);
  const std::uint64_t n = chunk_count(s);
  // "Rank 0" runs the first 7 chunks, "rank 1" the rest; per-chunk results are
  // gathered and merged in chunk order.
  auto a = run_chunks(variants, s, 0, 7);
  auto b = run_chunks(variants, s, 7, n);
  a.insert(a.end(), std::make_move_iterator(b.begin()), std::make_move_iterator(b.end()));
  RunResult merged = merge_in_order(variants, s, a);
  expect_identical(whole, merged, variants);
}

TEST(EngineDeterminism, DifferentSeedsDiffer) {
  auto variants = retail_variants();
  RunSettings s;
  s.customers = 2000;
  RunResult a = run(variants, s);
  s.seed = 2;
  RunResult b = run(variants, s);
  EXPECT_FALSE(same_bits(a.variants[0].headline.raw_sums(), b.variants[0].headline.raw_sums()));
}

TEST(EngineDeterminism, CommonRandomNumbersAcrossVariants) {
  // Customer i draws the same segment and satisfaction0 in every variant.
  auto variants = retail_variants();
  RunSettings s;
  s.customers = 200;
  s.periods = 2;
  RunHooks hooks;
  hooks.customer_records = true;
  std::vector<CustomerRecord> base, fix;
  hooks.on_chunk = [&](const ChunkResult& c) {
    base.insert(base.end(), c.customers[0].begin(), c.customers[0].end());
    fix.insert(fix.end(), c.customers[1].begin(), c.customers[1].end());
  };
  run(variants, s, hooks);
  ASSERT_EQ(base.size(), fix.size());
  for (std::size_t i = 0; i < base.size(); ++i) {
    EXPECT_EQ(base[i].segment, fix[i].segment);
    EXPECT_EQ(base[i].satisfaction0, fix[i].satisfaction0);
    EXPECT_EQ(base[i].churn_propensity, fix[i].churn_propensity);
  }
}

}  // namespace
}  // namespace cxsim::engine
