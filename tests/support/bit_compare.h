// Bit-for-bit comparison of runs, shared by the determinism and partial-run
// tests: every accumulator of every variant and pair, and every table derived
// from them (tables.h), compared by representation.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include <gtest/gtest.h>

#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"

namespace cxsim::testing {

// Bit-for-bit comparisons: `==` on doubles would call two NaNs different and
// +0 equal to -0, so doubles are compared by their representation.
inline bool same_bits(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

inline bool same_bits(std::span<const double> a, std::span<const double> b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

inline bool same_bits(const io::Table& a, const io::Table& b) {
  if (a.schema() != b.schema() || a.rows() != b.rows()) return false;
  for (const auto& c : a.schema()) {
    switch (c.type) {
      case io::ColumnType::float64:
        if (!same_bits(a.get_double(c.name), b.get_double(c.name))) return false;
        break;
      case io::ColumnType::int64:
        if (a.get_int64(c.name) != b.get_int64(c.name)) return false;
        break;
      case io::ColumnType::string:
        if (a.get_string(c.name) != b.get_string(c.name)) return false;
        break;
    }
  }
  return true;
}

inline void expect_same_bits(const stats::MomentAccumulator& x, const stats::MomentAccumulator& y) {
  EXPECT_EQ(x.count(), y.count());
  EXPECT_TRUE(same_bits(x.raw_shift(), y.raw_shift()));
  EXPECT_TRUE(same_bits(x.raw_sums(), y.raw_sums()));
  EXPECT_TRUE(same_bits(x.raw_cross(), y.raw_cross()));
}

inline void expect_identical(const engine::RunResult& a, const engine::RunResult& b,
                             const std::vector<engine::Variant>& variants) {
  ASSERT_EQ(a.variants.size(), b.variants.size());
  ASSERT_EQ(a.paired.size(), b.paired.size());
  for (std::size_t v = 0; v < a.variants.size(); ++v) {
    const auto& x = a.variants[v];
    const auto& y = b.variants[v];
    expect_same_bits(x.headline, y.headline);
    EXPECT_TRUE(same_bits(x.time_hist.raw_counts(), y.time_hist.raw_counts()));
    EXPECT_TRUE(same_bits(x.nps_hist_true, y.nps_hist_true));
    EXPECT_TRUE(same_bits(x.nps_hist_measured, y.nps_hist_measured));
    EXPECT_TRUE(same_bits(x.csat_hist_true, y.csat_hist_true));
    EXPECT_TRUE(same_bits(x.csat_hist_measured, y.csat_hist_measured));
    EXPECT_TRUE(same_bits(x.ces_hist_true, y.ces_hist_true));
    EXPECT_TRUE(same_bits(x.ces_hist_measured, y.ces_hist_measured));
    EXPECT_TRUE(same_bits(x.segment_customers, y.segment_customers));
    ASSERT_EQ(x.segment_headline.size(), y.segment_headline.size());
    for (std::size_t g = 0; g < x.segment_headline.size(); ++g)
      expect_same_bits(x.segment_headline[g], y.segment_headline[g]);
    EXPECT_TRUE(same_bits(x.walks_sq, y.walks_sq));
    EXPECT_TRUE(same_bits(x.walk_counts, y.walk_counts));
    EXPECT_TRUE(x.time_groups == y.time_groups);
    ASSERT_EQ(x.kind_time_hist.size(), y.kind_time_hist.size());
    for (std::size_t k = 0; k < x.kind_time_hist.size(); ++k) {
      EXPECT_TRUE(same_bits(x.kind_time_hist[k].raw_counts(), y.kind_time_hist[k].raw_counts())) << k;
      EXPECT_TRUE(x.kind_time_groups[k] == y.kind_time_groups[k]) << k;
    }
    EXPECT_EQ(x.paths.total(), y.paths.total());
    // Every derived table is identical too.
    auto tx = engine::variant_tables(variants[v], x);
    auto ty = engine::variant_tables(variants[v], y);
    EXPECT_TRUE(same_bits(tx.summary, ty.summary));
    EXPECT_TRUE(same_bits(tx.survival, ty.survival));
    EXPECT_TRUE(same_bits(tx.survival_ci, ty.survival_ci));
    EXPECT_TRUE(same_bits(tx.periods, ty.periods));
    EXPECT_TRUE(same_bits(tx.touchpoints, ty.touchpoints));
    EXPECT_TRUE(same_bits(tx.channels, ty.channels));
    EXPECT_TRUE(same_bits(tx.outcomes, ty.outcomes));
    EXPECT_TRUE(same_bits(tx.paths, ty.paths));
    EXPECT_TRUE(same_bits(tx.segments, ty.segments));
    EXPECT_TRUE(
        same_bits(engine::segment_summary_table(variants[v], x), engine::segment_summary_table(variants[v], y)));
    {
      const auto sx = engine::segment_tables(variants[v], x);
      const auto sy = engine::segment_tables(variants[v], y);
      EXPECT_TRUE(same_bits(sx.periods, sy.periods));
      EXPECT_TRUE(same_bits(sx.touchpoints, sy.touchpoints));
      EXPECT_TRUE(same_bits(sx.outcomes, sy.outcomes));
    }
    EXPECT_TRUE(same_bits(tx.walk_counts, ty.walk_counts));
    EXPECT_EQ(tx.nps_histogram, ty.nps_histogram);
    EXPECT_EQ(tx.csat_histogram, ty.csat_histogram);
    EXPECT_EQ(tx.ces_histogram, ty.ces_histogram);
  }
  for (std::size_t p = 0; p < a.paired.size(); ++p) {
    expect_same_bits(a.paired[p].joint, b.paired[p].joint);
    EXPECT_TRUE(same_bits(a.paired[p].cum_net_delta, b.paired[p].cum_net_delta));
    EXPECT_TRUE(same_bits(a.paired[p].cum_net_delta_sq, b.paired[p].cum_net_delta_sq));
    ASSERT_EQ(a.paired[p].segment_joint.size(), b.paired[p].segment_joint.size());
    for (std::size_t g = 0; g < a.paired[p].segment_joint.size(); ++g)
      expect_same_bits(a.paired[p].segment_joint[g], b.paired[p].segment_joint[g]);
    EXPECT_TRUE(same_bits(engine::segment_comparison_table(variants[p + 1], variants[0], a.paired[p]),
                          engine::segment_comparison_table(variants[p + 1], variants[0], b.paired[p])));
    auto cx = engine::comparison_table(variants[p + 1], variants[0], a.paired[p], a.variants[p + 1], a.variants[0],
                                       a.settings);
    auto cy = engine::comparison_table(variants[p + 1], variants[0], b.paired[p], b.variants[p + 1], b.variants[0],
                                       b.settings);
    EXPECT_TRUE(same_bits(cx, cy));
  }
}

}  // namespace cxsim::testing
