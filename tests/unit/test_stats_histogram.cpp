// LogHistogram quantiles within the documented relative error, merging,
// quantile intervals.
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

// Sample quantile x_(ceil(p n)) (smallest x with ECDF >= p).
double order_quantile(std::vector<double> sorted, double p) {
  std::sort(sorted.begin(), sorted.end());
  const auto n = static_cast<double>(sorted.size());
  std::size_t r = static_cast<std::size_t>(std::ceil(p * n));
  if (r < 1) r = 1;
  return sorted[r - 1];
}

void check_quantiles(const std::vector<double>& data, const LogHistogram& h) {
  const double bound = h.relative_error_bound();
  for (double p : {0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999}) {
    const double q = order_quantile(data, p);
    const double est = h.quantile(p);
    EXPECT_LE(std::fabs(est - q), bound * q * (1 + 1e-12)) << "p = " << p;
  }
}

TEST(LogHistogram, ErrorBoundValue) {
  LogHistogram h(200);
  EXPECT_NEAR(h.relative_error_bound(), 0.011579, 1e-6);
  EXPECT_EQ(h.bin_count(), 2003u);
}

TEST(LogHistogram, UniformQuantilesWithinBound) {
  SplitMix64 g{1};
  LogHistogram h;
  std::vector<double> data;
  for (int i = 0; i < 200000; ++i) {
    const double x = 5.0 + 95.0 * g.uniform();
    data.push_back(x);
    h.add(x);
  }
  EXPECT_EQ(h.count(), 200000.0);
  check_quantiles(data, h);
  EXPECT_EQ(h.quantile(0.0), *std::min_element(data.begin(), data.end()));
  EXPECT_EQ(h.quantile(1.0), *std::max_element(data.begin(), data.end()));
}

TEST(LogHistogram, LognormalQuantilesWithinBoundForCoarseBins) {
  SplitMix64 g{2};
  LogHistogram h(20);  // 12.2% relative bins: the bound still holds
  std::vector<double> data;
  for (int i = 0; i < 100000; ++i) {
    const double u1 = g.uniform() + 1e-300, u2 = g.uniform();
    const double z = std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    const double x = std::exp(1.0 + 2.0 * z);
    data.push_back(x);
    h.add(x);
  }
  check_quantiles(data, h);
}

TEST(LogHistogram, EdgesAndSpecialBins) {
  LogHistogram h(10);
  for (std::size_t b = 2; b + 1 < h.bin_count(); ++b) {
    const double lo = h.bin_lower(b);
    EXPECT_EQ(h.bin_of(lo), b);
    EXPECT_EQ(h.bin_of(std::nextafter(h.bin_upper(b), 0.0)), b);
  }
  EXPECT_EQ(h.bin_of(0.0), 0u);
  EXPECT_EQ(h.bin_of(1e-9), 1u);
  EXPECT_EQ(h.bin_of(1e-3), 2u);
  EXPECT_EQ(h.bin_of(1e7), h.bin_count() - 1);
  EXPECT_EQ(h.bin_of(1.0), 2u + 30u);
}

TEST(LogHistogram, FastBinningIsExactForEveryResolution) {
  // bin_of (sub-bucket table, or bisection for very fine bins) must put every
  // x in the bin whose stored edges hold it: at each edge, one ulp either
  // side, and at log-uniform points over the whole range.
  SplitMix64 g{12345};
  for (int B : {1, 3, 10, 64, 200, 299, 1000, 4000, 10000}) {
    LogHistogram h(B);
    auto check = [&](double x) {
      const std::size_t b = h.bin_of(x);
      ASSERT_GE(b, 2u) << B << " " << x;
      ASSERT_LT(b + 1, h.bin_count()) << B << " " << x;
      ASSERT_LE(h.bin_lower(b), x) << B << " " << x;
      ASSERT_LT(x, h.bin_upper(b)) << B << " " << x;
    };
    for (std::size_t b = 2; b + 1 < h.bin_count(); ++b) {
      const double lo = h.bin_lower(b);
      check(lo);
      check(std::nextafter(lo, 1e300));
      if (b > 2) check(std::nextafter(lo, 0.0));
    }
    for (int i = 0; i < 20000; ++i) check(std::pow(10.0, -3.0 + 10.0 * g.uniform()));
    check(std::nextafter(1e7, 0.0));
  }
}

TEST(LogHistogram, ZerosHaveTheirOwnBin) {
  LogHistogram h;
  for (int i = 0; i < 60; ++i) h.add(0.0);
  for (int i = 0; i < 40; ++i) h.add(2.0);
  EXPECT_EQ(h.quantile(0.5), 0.0);
  EXPECT_EQ(h.quantile(0.59), 0.0);
  EXPECT_NEAR(h.quantile(0.61), 2.0, 2.0 * h.relative_error_bound());
  EXPECT_LE(h.quantile(0.99), 2.0);  // never above the exact max
  EXPECT_EQ(h.quantile(1.0), 2.0);
  EXPECT_EQ(h.raw_counts()[0], 60.0);
}

TEST(LogHistogram, OverflowIsBoundedByMax) {
  LogHistogram h;
  h.add(2e7);
  h.add(3e7);
  EXPECT_GE(h.quantile(0.5), 1e7);
  EXPECT_LE(h.quantile(0.9), 3e7);
}

TEST(LogHistogram, MergeEqualsOnePassExactly) {
  SplitMix64 g{3};
  LogHistogram one, a, b;
  for (int i = 0; i < 50000; ++i) {
    const double x = -std::log(g.uniform() + 1e-300) * 10.0;
    one.add(x);
    (i % 3 == 0 ? a : b).add(x);
  }
  a.merge(b);
  ASSERT_EQ(a.bin_count(), one.bin_count());
  for (std::size_t i = 0; i < one.bin_count(); ++i) {
    EXPECT_EQ(a.raw_counts()[i], one.raw_counts()[i]);
  }
  EXPECT_EQ(a.min(), one.min());
  EXPECT_EQ(a.max(), one.max());
  for (double p : {0.1, 0.5, 0.9}) EXPECT_EQ(a.quantile(p), one.quantile(p));
  LogHistogram coarse(100);
  EXPECT_THROW(a.merge(coarse), cxsim::core::RuntimeError);
}

TEST(LogHistogram, QuantileCiContainsOrderStatisticInterval) {
  SplitMix64 g{4};
  LogHistogram h;
  std::vector<double> data;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    const double x = -std::log(g.uniform() + 1e-300);
    data.push_back(x);
    h.add(x);
  }
  std::sort(data.begin(), data.end());
  for (double p : {0.1, 0.5, 0.9}) {
    const Estimate e = h.quantile_ci(p, n);
    const double half = kZ95 * std::sqrt(n * p * (1 - p));
    const double lo = data[static_cast<std::size_t>(std::ceil(n * p - half)) - 1];
    const double hi = data[static_cast<std::size_t>(std::ceil(n * p + half)) - 1];
    EXPECT_LE(e.ci_low, lo);
    EXPECT_GE(e.ci_high, hi);
    EXPECT_LE(e.ci_low, e.estimate);
    EXPECT_GE(e.ci_high, e.estimate);
    // ...and is not much wider: at most one bin each side.
    EXPECT_GE(e.ci_low, lo / (1 + 1.01 * h.relative_error_bound()));
    EXPECT_LE(e.ci_high, hi * (1 + 1.01 * h.relative_error_bound()));
    EXPECT_NEAR(e.se, (e.ci_high - e.ci_low) / (2 * kZ95), 1e-15);
  }
  // A smaller effective sample size gives a wider interval.
  const Estimate wide = h.quantile_ci(0.5, n / 10.0);
  const Estimate narrow = h.quantile_ci(0.5, n);
  EXPECT_GT(wide.ci_high - wide.ci_low, 2.0 * (narrow.ci_high - narrow.ci_low));
  EXPECT_TRUE(std::isnan(h.quantile_ci(0.5, 0.0).estimate));
  EXPECT_TRUE(std::isnan(LogHistogram().quantile_ci(0.5, 10.0).se));
}

TEST(LogHistogram, InvalidInput) {
  LogHistogram h;
  EXPECT_THROW(h.add(-1.0), cxsim::core::InputError);
  EXPECT_THROW(h.add(std::nan("")), cxsim::core::InputError);
  EXPECT_THROW(h.add(1.0, -2.0), cxsim::core::InputError);
  EXPECT_THROW(h.quantile(1.5), cxsim::core::InputError);
  EXPECT_THROW(LogHistogram(0), cxsim::core::InputError);
  EXPECT_TRUE(std::isnan(h.quantile(0.5)));
}

}  // namespace
