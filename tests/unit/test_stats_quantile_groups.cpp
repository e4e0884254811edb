// HistogramGroups (a LogHistogram's counts per group of units), locate, and
// paired_quantile_difference: layout and error checks, exact cases, and the
// paired SE being far below the unpaired one for strongly paired data.
#include <gtest/gtest.h>

#include "splitmix.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "cxsim/core/errors.h"
#include "cxsim/stats/histogram.h"

namespace {

using namespace cxsim::stats;

using cxsim::testing::SplitMix64;

constexpr int kGroups = 8;

// Unit i has one value x_i (exponential, mean 5); group i mod kGroups.
struct Split {
  LogHistogram h;
  HistogramGroups g{kGroups, LogHistogram().bin_count()};
  void add(const std::vector<double>& xs) {
    std::vector<std::uint32_t> groups(xs.size());
    for (std::size_t i = 0; i < xs.size(); ++i) groups[i] = static_cast<std::uint32_t>(i % kGroups);
    h.add_all(xs, groups, g);
  }
};

std::vector<double> exponential(std::uint64_t seed, std::size_t n, double mean) {
  SplitMix64 r{seed};
  std::vector<double> x(n);
  for (auto& v : x) v = -mean * std::log(1.0 - r.uniform());
  return x;
}

TEST(HistogramGroups, RowsSumToTheHistogram) {
  Split s;
  const auto x = exponential(1, 5000, 5.0);
  s.add(x);
  LogHistogram plain;
  plain.add_all(x);
  ASSERT_EQ(s.h.count(), plain.count());
  EXPECT_EQ(s.h.min(), plain.min());
  EXPECT_EQ(s.h.max(), plain.max());
  for (std::size_t b = 0; b < s.h.bin_count(); ++b) {
    double sum = 0;
    for (int g = 0; g < kGroups; ++g) sum += s.g.count(g, b);
    ASSERT_EQ(sum, plain.raw_counts()[b]) << "bin " << b;
    ASSERT_EQ(s.h.raw_counts()[b], plain.raw_counts()[b]);
  }
  double w = 0;
  for (int g = 0; g < kGroups; ++g) w += s.g.weight(g);
  EXPECT_EQ(w, 5000.0);
  EXPECT_EQ(s.g.weight(0), 625.0);
}

TEST(HistogramGroups, MergeIsExactInAnyOrder) {
  const auto x = exponential(2, 3000, 2.0);
  Split whole;
  whole.add(x);
  // The same units in three pieces, each piece keeping the global group of
  // its units, merged in two different orders.
  std::vector<Split> parts(3);
  for (std::size_t p = 0; p < 3; ++p) {
    std::vector<double> xs;
    std::vector<std::uint32_t> gs;
    for (std::size_t i = p * 1000; i < (p + 1) * 1000; ++i) {
      xs.push_back(x[i]);
      gs.push_back(static_cast<std::uint32_t>(i % kGroups));
    }
    parts[p].h.add_all(xs, gs, parts[p].g);
  }
  Split a = parts[0], b = parts[2];
  a.g.merge(parts[1].g);
  a.g.merge(parts[2].g);
  b.g.merge(parts[1].g);
  b.g.merge(parts[0].g);
  EXPECT_TRUE(a.g == whole.g);
  EXPECT_TRUE(b.g == whole.g);
}

TEST(HistogramGroups, FoldingThePendingListChangesNothing) {
  // More values than the pending list holds: folded once on the way, the
  // rest pending; the same counts as merging pieces that never fold.
  const std::size_t n = HistogramGroups::kMaxPending + 1234;
  const auto x = exponential(9, n, 4.0);
  Split whole;
  whole.add(x);
  Split merged;
  for (std::size_t first = 0; first < n; first += 1000) {
    Split part;
    std::vector<double> xs;
    std::vector<std::uint32_t> gs;
    for (std::size_t i = first; i < std::min(n, first + 1000); ++i) {
      xs.push_back(x[i]);
      gs.push_back(static_cast<std::uint32_t>(i % kGroups));
    }
    part.h.add_all(xs, gs, part.g);
    merged.g.merge(part.g);
  }
  EXPECT_TRUE(whole.g == merged.g);
  EXPECT_EQ(whole.g.dense_counts(), merged.g.dense_counts());
  for (int g = 0; g < kGroups; ++g) {
    EXPECT_EQ(whole.g.weight(g), merged.g.weight(g));
    EXPECT_EQ(whole.g.weight_below(g, 1500, 0.25), merged.g.weight_below(g, 1500, 0.25));
  }
  double total = 0;
  for (int g = 0; g < kGroups; ++g) total += whole.g.weight(g);
  EXPECT_EQ(total, static_cast<double>(n));
}

TEST(HistogramGroups, BadInputThrows) {
  EXPECT_THROW(HistogramGroups(0, 10), cxsim::core::InputError);
  EXPECT_THROW(HistogramGroups(2, 0), cxsim::core::InputError);
  LogHistogram h;
  HistogramGroups g(2, h.bin_count());
  const std::vector<double> xs = {1.0, 2.0};
  const std::vector<std::uint32_t> bad_group = {0, 2}, short_groups = {0};
  EXPECT_THROW(h.add_all(xs, bad_group, g), cxsim::core::InputError);
  EXPECT_THROW(h.add_all(xs, short_groups, g), cxsim::core::InputError);
  HistogramGroups wrong_bins(2, 5);
  const std::vector<std::uint32_t> ok = {0, 1};
  EXPECT_THROW(h.add_all(xs, ok, wrong_bins), cxsim::core::InputError);
  EXPECT_EQ(h.count(), 0.0);  // nothing was added
  EXPECT_THROW(g.merge(wrong_bins), cxsim::core::RuntimeError);
  EXPECT_THROW(g.count(2, 0), cxsim::core::InputError);
  EXPECT_THROW(g.count(0, h.bin_count()), cxsim::core::InputError);
}

// The engine bins each walk time once (add_all with bins out) and hands a
// subset of the values, with their bins, to a per-kind histogram
// (add_binned): the counts, groups, min and max equal binning them afresh.
TEST(HistogramGroups, AddBinnedEqualsAddAllOnTheSameValues) {
  const std::vector<double> xs = exponential(41, 3000, 7.0);
  std::vector<std::uint32_t> gs(xs.size()), bins(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) gs[i] = static_cast<std::uint32_t>((i * 7) % kGroups);
  Split all, fresh, reused, trusted;
  all.h.add_all(xs, gs, all.g, bins);
  for (std::size_t i = 0; i < xs.size(); ++i) EXPECT_EQ(bins[i], all.h.bin_of(xs[i])) << i;
  std::vector<double> sub_x;
  std::vector<std::uint32_t> sub_g, sub_b;
  for (std::size_t i = 0; i < xs.size(); i += 3) {
    sub_x.push_back(xs[i]);
    sub_g.push_back(gs[i]);
    sub_b.push_back(bins[i]);
  }
  fresh.h.add_all(sub_x, sub_g, fresh.g);
  reused.h.add_binned(sub_x, sub_b, sub_g, reused.g);
  ASSERT_EQ(fresh.h.bin_count(), reused.h.bin_count());
  for (std::size_t b = 0; b < fresh.h.bin_count(); ++b) EXPECT_EQ(fresh.h.raw_counts()[b], reused.h.raw_counts()[b]);
  EXPECT_TRUE(fresh.g == reused.g);
  EXPECT_EQ(fresh.h.min(), reused.h.min());
  EXPECT_EQ(fresh.h.max(), reused.h.max());
  // The unchecked path the engine uses for its own batches: the same state.
  trusted.h.add_binned_trusted(sub_x, sub_b, sub_g, trusted.g);
  for (std::size_t b = 0; b < fresh.h.bin_count(); ++b) EXPECT_EQ(fresh.h.raw_counts()[b], trusted.h.raw_counts()[b]);
  EXPECT_TRUE(fresh.g == trusted.g);
  EXPECT_EQ(fresh.h.min(), trusted.h.min());
  EXPECT_EQ(fresh.h.max(), trusted.h.max());
  // A bin out of range, or lengths that differ, add nothing.
  std::vector<std::uint32_t> bad_b = sub_b;
  bad_b.back() = static_cast<std::uint32_t>(fresh.h.bin_count());
  EXPECT_THROW(reused.h.add_binned(sub_x, bad_b, sub_g, reused.g), cxsim::core::InputError);
  std::vector<std::uint32_t> short_b(sub_b.begin(), sub_b.end() - 1);
  EXPECT_THROW(reused.h.add_binned(sub_x, short_b, sub_g, reused.g), cxsim::core::InputError);
  EXPECT_THROW(all.h.add_all(xs, gs, all.g, short_b), cxsim::core::InputError);
  EXPECT_EQ(reused.h.count(), fresh.h.count());
}

TEST(LogHistogramLocate, GroupSharesAddUpToTheTargetRank) {
  Split s;
  s.add(exponential(3, 4001, 3.0));
  for (double p : {0.0, 0.1, 0.5, 0.9, 0.999, 1.0}) {
    std::size_t bin = 0;
    double frac = -1;
    ASSERT_TRUE(s.h.locate(p, &bin, &frac));
    EXPECT_GE(frac, 0.0);
    EXPECT_LE(frac, 1.0);
    EXPECT_GT(s.h.raw_counts()[bin], 0.0);
    double below = 0;
    for (int g = 0; g < kGroups; ++g) below += s.g.weight_below(g, bin, frac);
    EXPECT_NEAR(below, p * s.h.count(), 1e-9) << "p = " << p;
    // The quantile lies in that bin.
    const double q = s.h.quantile(p);
    EXPECT_GE(q, std::max(s.h.bin_lower(bin), s.h.min()));
    EXPECT_LE(q, std::min(s.h.bin_upper(bin), s.h.max()));
  }
  LogHistogram empty;
  std::size_t bin = 0;
  double frac = 0;
  EXPECT_FALSE(empty.locate(0.5, &bin, &frac));
  EXPECT_THROW(empty.locate(1.5, &bin, &frac), cxsim::core::InputError);
}

TEST(HallSheather, KnownValues) {
  // n^(-1/3) z^(2/3) (1.5 φ(0)² / 1)^(1/3) at p = 0.5, n = 1000.
  const double z = 1.959963984540054, phi0 = 0.3989422804014327;
  EXPECT_NEAR(hall_sheather_bandwidth(0.5, 1000), 0.1 * std::pow(z, 2.0 / 3) * std::cbrt(1.5 * phi0 * phi0), 1e-12);
  EXPECT_NEAR(hall_sheather_bandwidth(0.5, 1000), 0.09716, 1e-5);
  // Symmetric in p, shrinking as n^(-1/3).
  EXPECT_NEAR(hall_sheather_bandwidth(0.1, 500), hall_sheather_bandwidth(0.9, 500), 1e-12);
  EXPECT_NEAR(hall_sheather_bandwidth(0.9, 8000) * 2, hall_sheather_bandwidth(0.9, 1000), 1e-12);
  EXPECT_TRUE(std::isnan(hall_sheather_bandwidth(0.0, 100)));
  EXPECT_TRUE(std::isnan(hall_sheather_bandwidth(0.5, 0)));
}

TEST(PairedQuantileDifference, IdenticalDataGiveExactZero) {
  Split a, b;
  const auto x = exponential(4, 2000, 5.0);
  a.add(x);
  b.add(x);
  for (double p : {0.5, 0.9}) {
    const Estimate d = paired_quantile_difference(a.h, a.g, b.h, b.g, p, 2000);
    EXPECT_EQ(d.estimate, 0.0);
    EXPECT_EQ(d.se, 0.0);
    EXPECT_EQ(d.ci_low, 0.0);
    EXPECT_EQ(d.ci_high, 0.0);
  }
}

TEST(PairedQuantileDifference, PairedSeIsFarBelowTheUnpairedOne) {
  // Variant: every unit's value plus a small unit-specific change (strong
  // pairing); the paired SE is a small fraction of √(se_v² + se_b²), and the
  // one from an independent baseline is not.
  const auto x = exponential(5, 5000, 5.0);
  const auto noise = exponential(6, 5000, 0.2);
  const auto other = exponential(7, 5000, 5.0);
  std::vector<double> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = 0.9 * x[i] + noise[i];
  Split base, var, indep;
  base.add(x);
  var.add(y);
  indep.add(other);
  for (double p : {0.5, 0.9}) {
    const Estimate d = paired_quantile_difference(var.h, var.g, base.h, base.g, p, 5000);
    const double unpaired = std::hypot(var.h.quantile_ci(p, 5000).se, base.h.quantile_ci(p, 5000).se);
    EXPECT_NEAR(d.estimate, var.h.quantile(p) - base.h.quantile(p), 0.0);
    EXPECT_GT(d.se, 0.0);
    EXPECT_LT(d.se, 0.3 * unpaired) << "p = " << p;
    const Estimate u = paired_quantile_difference(indep.h, indep.g, base.h, base.g, p, 5000);
    EXPECT_GT(u.se, 0.5 * unpaired) << "p = " << p;
  }
}

TEST(PairedQuantileDifference, EdgeCases) {
  Split a, b;
  const auto x = exponential(8, 100, 1.0);
  a.add(x);
  std::vector<double> y = x;
  for (auto& v : y) v *= 1.1;
  b.add(y);
  EXPECT_THROW(paired_quantile_difference(a.h, a.g, b.h, b.g, 0.0, 100), cxsim::core::InputError);
  EXPECT_THROW(paired_quantile_difference(a.h, a.g, b.h, b.g, 1.0, 100), cxsim::core::InputError);
  HistogramGroups other_groups(3, a.h.bin_count());
  EXPECT_THROW(paired_quantile_difference(a.h, a.g, b.h, other_groups, 0.5, 100), cxsim::core::InputError);
  // n_eff < 2: estimate only.
  const Estimate one = paired_quantile_difference(a.h, a.g, b.h, b.g, 0.5, 1);
  EXPECT_FALSE(std::isnan(one.estimate));
  EXPECT_TRUE(std::isnan(one.se));
  // Empty: all NaN.
  Split e;
  EXPECT_TRUE(std::isnan(paired_quantile_difference(e.h, e.g, b.h, b.g, 0.5, 100).estimate));
  // Every unit in one group: no between-group variation to measure.
  Split c, d;
  std::vector<std::uint32_t> zeros(x.size(), 0);
  c.h.add_all(x, zeros, c.g);
  d.h.add_all(y, zeros, d.g);
  const Estimate g1 = paired_quantile_difference(c.h, c.g, d.h, d.g, 0.5, 100);
  EXPECT_FALSE(std::isnan(g1.estimate));
  EXPECT_TRUE(std::isnan(g1.se));
}

}  // namespace

namespace {

// The engine's per-kind path: bin_checked, add_trusted into the groups only,
// then add_group_totals builds the histogram. Every bin count, min and max
// equal add_all of the same values, for small and large layouts (the bin of
// each list entry is its remainder by the bin count) and for a split whose
// list overflowed into dense rows.
void expect_group_totals_equal_add_all(int bins_per_decade, int groups, std::size_t n, double mean) {
  const std::vector<double> xs = exponential(static_cast<std::uint64_t>(bins_per_decade) * 31 + n, n, mean);
  std::vector<std::uint32_t> gs(xs.size()), bins(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) gs[i] = static_cast<std::uint32_t>((i * 5 + i / 3) % groups);
  LogHistogram direct(bins_per_decade), built(bins_per_decade);
  HistogramGroups direct_g(groups, direct.bin_count()), built_g(groups, built.bin_count());
  direct.add_all(xs, gs, direct_g);
  built.bin_checked(xs, gs, built_g, bins);
  EXPECT_EQ(built.count(), 0.0);  // bin_checked adds nothing
  for (std::size_t i = 0; i < xs.size(); ++i) built_g.add_trusted(gs[i], bins[i]);
  const auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
  built.add_group_totals(built_g, *lo, *hi);
  ASSERT_EQ(direct.bin_count(), built.bin_count());
  for (std::size_t b = 0; b < direct.bin_count(); ++b)
    ASSERT_EQ(direct.raw_counts()[b], built.raw_counts()[b]) << "bins/decade " << bins_per_decade << ", bin " << b;
  EXPECT_EQ(direct.min(), built.min());
  EXPECT_EQ(direct.max(), built.max());
  // (operator== compares dense rows: only for layouts that fit in memory.)
  if (static_cast<double>(groups) * static_cast<double>(direct.bin_count()) < 1e7) {
    EXPECT_TRUE(direct_g == built_g);
  } else {
    EXPECT_TRUE(std::ranges::equal(direct_g.raw_pending(), built_g.raw_pending()));
    EXPECT_TRUE(direct_g.raw_counts().empty() && built_g.raw_counts().empty());
  }
}

}  // namespace

TEST(HistogramGroups, GroupTotalsEqualAddAll) {
  expect_group_totals_equal_add_all(200, 32, 5000, 7.0);
  expect_group_totals_equal_add_all(1, 3, 2000, 50.0);
  expect_group_totals_equal_add_all(7, 1, 2000, 0.01);
  // 100,003 bins x 40,000 groups: list entries near 2^32.
  expect_group_totals_equal_add_all(10000, 40000, 20000, 1e5);
  // More values than the list holds: part of them folded into dense rows.
  expect_group_totals_equal_add_all(200, 32, HistogramGroups::kMaxPending + 1000, 3.0);
}

TEST(HistogramGroups, GroupTotalsRefuseAnotherLayout) {
  LogHistogram h(200);
  HistogramGroups other(2, LogHistogram(100).bin_count());
  EXPECT_THROW(h.add_group_totals(other, 0.0, 1.0), cxsim::core::InputError);
  EXPECT_EQ(h.count(), 0.0);
}
