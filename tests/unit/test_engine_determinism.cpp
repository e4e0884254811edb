// Same seed, same bits: for any thread count and any split of the chunks
// across processes (emulated by run_chunks over sub-ranges).
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <vector>

#include <gtest/gtest.h>

#include "bit_compare.h"
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

using testing::expect_identical;
using testing::expect_same_bits;
using testing::same_bits;

TEST(EngineDeterminism, BitComparisonSeesNanAndSignedZero) {
  // The helpers of bit_compare.h see bits: the same NaN is the same bits, and -0 is not
  // +0. io::Table's == compares doubles by bits too (since time to
  // resolution put NaN rows such as time_mean_timeout in every summary).
  const double nan = std::numeric_limits<double>::quiet_NaN();
  io::Table t_nan, t_pos, t_neg;
  t_nan.add_column("x", std::vector<double>{1.0, nan});
  t_pos.add_column("x", std::vector<double>{1.0, 0.0});
  t_neg.add_column("x", std::vector<double>{1.0, -0.0});
  EXPECT_TRUE(t_nan == t_nan);
  EXPECT_TRUE(same_bits(t_nan, t_nan));
  EXPECT_FALSE(t_pos == t_neg);
  EXPECT_FALSE(same_bits(t_pos, t_neg));
  EXPECT_TRUE(same_bits(nan, nan));
  EXPECT_FALSE(same_bits(0.0, -0.0));
  const std::vector<double> v_pos{0.0}, v_neg{-0.0};
  EXPECT_FALSE(same_bits(v_pos, v_neg));
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
    EXPECT_TRUE(same_bits(base[i].satisfaction0, fix[i].satisfaction0));
    EXPECT_TRUE(same_bits(base[i].churn_propensity, fix[i].churn_propensity));
  }
}

}  // namespace
}  // namespace cxsim::engine
