// MomentAccumulator: means and covariances against a direct two-pass
// computation, shift handling, merging and raw state.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cxsim/core/errors.h"
#include "cxsim/stats/moments.h"
#include "splitmix.h"

namespace {

using cxsim::stats::MomentAccumulator;

using cxsim::testing::SplitMix64;

using Rows = std::vector<std::vector<double>>;

double direct_mean(const Rows& rows, int i) {
  long double s = 0;
  for (const auto& r : rows) s += r[i];
  return static_cast<double>(s / rows.size());
}

double direct_cov(const Rows& rows, int i, int j) {
  const long double mi = direct_mean(rows, i), mj = direct_mean(rows, j);
  long double s = 0;
  for (const auto& r : rows) s += (r[i] - mi) * (r[j] - mj);
  return static_cast<double>(s / (rows.size() - 1));
}

MomentAccumulator accumulate(const Rows& rows, std::size_t from, std::size_t to, int k) {
  MomentAccumulator acc(k);
  for (std::size_t u = from; u < to; ++u) acc.add(rows[u].data());
  return acc;
}

bool bit_identical(const MomentAccumulator& a, const MomentAccumulator& b) {
  auto same = [](std::span<const double> x, std::span<const double> y) {
    return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0;
  };
  return a.count() == b.count() && same(a.raw_shift(), b.raw_shift()) && same(a.raw_sums(), b.raw_sums()) &&
         same(a.raw_cross(), b.raw_cross());
}

Rows random_rows(std::size_t n, int k, std::uint64_t seed, double level = 0.0) {
  SplitMix64 g{seed};
  Rows rows(n, std::vector<double>(k));
  for (auto& r : rows) {
    const double common = g.uniform();
    for (int i = 0; i < k; ++i) r[i] = level + (i + 1) * common + g.uniform() * (i % 3 + 1);
  }
  return rows;
}

TEST(Moments, HandComputedSmallData) {
  // x = (1, 2), (2, 4), (3, 3), (6, 7)
  MomentAccumulator acc(2);
  const double rows[4][2] = {{1, 2}, {2, 4}, {3, 3}, {6, 7}};
  for (const auto& r : rows) acc.add(r);
  EXPECT_EQ(acc.count(), 4);
  EXPECT_EQ(acc.size(), 2);
  EXPECT_DOUBLE_EQ(acc.mean(0), 3.0);
  EXPECT_DOUBLE_EQ(acc.mean(1), 4.0);
  // deviations: (-2,-2), (-1,0), (0,-1), (3,3)
  EXPECT_DOUBLE_EQ(acc.variance(0), (4 + 1 + 0 + 9) / 3.0);
  EXPECT_DOUBLE_EQ(acc.variance(1), (4 + 0 + 1 + 9) / 3.0);
  EXPECT_DOUBLE_EQ(acc.covariance(0, 1), (4 + 0 + 0 + 9) / 3.0);
  EXPECT_DOUBLE_EQ(acc.covariance(1, 0), acc.covariance(0, 1));
  EXPECT_DOUBLE_EQ(acc.total(0), 12.0);
  EXPECT_DOUBLE_EQ(acc.total(1), 16.0);
}

TEST(Moments, MatchesTwoPassOnRandomData) {
  const int k = 5;
  const Rows rows = random_rows(10000, k, 42);
  const MomentAccumulator acc = accumulate(rows, 0, rows.size(), k);
  for (int i = 0; i < k; ++i) {
    EXPECT_NEAR(acc.mean(i), direct_mean(rows, i), 1e-13 * (1 + std::fabs(acc.mean(i))));
    for (int j = 0; j < k; ++j) {
      const double d = direct_cov(rows, i, j);
      EXPECT_NEAR(acc.covariance(i, j), d, 1e-11 * std::fabs(acc.variance(i) + acc.variance(j))) << i << "," << j;
    }
  }
}

TEST(Moments, ShiftAvoidsCancellationAtHighLevel) {
  // Values near 1e4 that vary by O(1): a naive sum of squares loses about
  // 8 of 16 digits; the shifted sums keep the variance to ~1e-12.
  const int k = 3;
  const Rows rows = random_rows(200000, k, 7, 1e4);
  const MomentAccumulator acc = accumulate(rows, 0, rows.size(), k);
  for (int i = 0; i < k; ++i) {
    const double d = direct_cov(rows, i, i);
    EXPECT_NEAR(acc.variance(i), d, 1e-10 * d) << i;
  }
  // The same data with a fixed zero shift is visibly worse (documents why
  // the shift exists; not a property of the code under test).
  MomentAccumulator naive(std::vector<double>(k, 0.0));
  for (const auto& r : rows) naive.add(r.data());
  const double d0 = direct_cov(rows, 0, 0);
  EXPECT_GT(std::fabs(naive.variance(0) - d0), 1e3 * std::fabs(acc.variance(0) - d0));
}

TEST(Moments, ConstantComponentHasExactlyZeroVariance) {
  MomentAccumulator acc(3);
  for (int u = 0; u < 1000; ++u) {
    const double x[3] = {1234.5678, 0.1, static_cast<double>(u)};
    acc.add(x);
  }
  EXPECT_EQ(acc.variance(0), 0.0);
  EXPECT_EQ(acc.variance(1), 0.0);
  EXPECT_EQ(acc.covariance(0, 2), 0.0);
  EXPECT_EQ(acc.mean(0), 1234.5678);
  EXPECT_EQ(acc.mean(1), 0.1);
}

TEST(Moments, EmptyAndSingleUnit) {
  MomentAccumulator acc(2);
  EXPECT_TRUE(acc.empty());
  EXPECT_TRUE(std::isnan(acc.mean(0)));
  EXPECT_TRUE(std::isnan(acc.covariance(0, 1)));
  const double x[2] = {3, 4};
  acc.add(x);
  EXPECT_EQ(acc.mean(1), 4.0);
  EXPECT_TRUE(std::isnan(acc.variance(0)));
}

TEST(Moments, MergeOfHalvesMatchesOnePass) {
  const int k = 4;
  const Rows rows = random_rows(5001, k, 99, 50.0);
  const MomentAccumulator one = accumulate(rows, 0, rows.size(), k);
  MomentAccumulator merged = accumulate(rows, 0, 2000, k);
  merged.merge(accumulate(rows, 2000, rows.size(), k));
  EXPECT_EQ(merged.count(), one.count());
  for (int i = 0; i < k; ++i) {
    EXPECT_NEAR(merged.mean(i), one.mean(i), 1e-13 * std::fabs(one.mean(i)));
    for (int j = i; j < k; ++j) {
      EXPECT_NEAR(merged.covariance(i, j), one.covariance(i, j), 1e-11 * std::sqrt(one.variance(i) * one.variance(j)));
    }
  }
}

TEST(Moments, SameChunkingIsBitIdentical) {
  const int k = 6;
  const Rows rows = random_rows(10000, k, 5, 100.0);
  auto chunked = [&](std::size_t chunk) {
    MomentAccumulator total(k);
    for (std::size_t from = 0; from < rows.size(); from += chunk) {
      total.merge(accumulate(rows, from, std::min(rows.size(), from + chunk), k));
    }
    return total;
  };
  const MomentAccumulator a = chunked(777);
  const MomentAccumulator b = chunked(777);
  EXPECT_TRUE(bit_identical(a, b));
  const MomentAccumulator c = chunked(1000);
  for (int i = 0; i < k; ++i) {
    EXPECT_NEAR(a.variance(i), c.variance(i), 1e-12 * c.variance(i));
  }
}

TEST(Moments, EqualColumnsStayBitIdenticalThroughMerges) {
  // Joint vector [x, x]: sums and cross products of the two halves must be
  // bit-identical even after re-centring merges.
  const int k = 3;
  const Rows rows = random_rows(3000, k, 11, 10.0);
  MomentAccumulator total(2 * k);
  for (std::size_t from = 0; from < rows.size(); from += 250) {
    MomentAccumulator chunk(2 * k);
    for (std::size_t u = from; u < from + 250; ++u) {
      std::vector<double> joint(rows[u]);
      joint.insert(joint.end(), rows[u].begin(), rows[u].end());
      chunk.add(joint.data());
    }
    total.merge(chunk);
  }
  for (int i = 0; i < k; ++i) {
    EXPECT_EQ(total.mean(i), total.mean(i + k));
    for (int j = 0; j < k; ++j) {
      const double c = total.covariance(i, j);
      EXPECT_EQ(c, total.covariance(i + k, j + k));
      EXPECT_EQ(c, total.covariance(i, j + k));
      EXPECT_EQ(c, total.covariance(i + k, j));
    }
  }
}

TEST(Moments, MergeWithEmptyAndIntoEmpty) {
  const int k = 2;
  const Rows rows = random_rows(100, k, 3);
  const MomentAccumulator full = accumulate(rows, 0, rows.size(), k);
  MomentAccumulator a = full;
  a.merge(MomentAccumulator(k));
  EXPECT_TRUE(bit_identical(a, full));
  MomentAccumulator b(k);
  b.merge(full);
  EXPECT_TRUE(bit_identical(b, full));
}

TEST(Moments, FixedShiftMergesByAddition) {
  const int k = 2;
  const Rows rows = random_rows(1000, k, 8);
  const std::vector<double> shift = {1.0, 2.0};
  MomentAccumulator a(shift), b(shift), whole(shift);
  for (std::size_t u = 0; u < rows.size(); ++u) {
    (u < 400 ? a : b).add(rows[u].data());
    whole.add(rows[u].data());
  }
  a.merge(b);
  EXPECT_EQ(a.raw_shift()[0], 1.0);
  EXPECT_TRUE(a.has_fixed_shift());
  for (int i = 0; i < k; ++i) EXPECT_NEAR(a.variance(i), whole.variance(i), 1e-12);
}

TEST(Moments, PackedIndexLayout) {
  const int k = 4;
  std::size_t expect = 0;
  for (int i = 0; i < k; ++i) {
    for (int j = i; j < k; ++j) {
      EXPECT_EQ(MomentAccumulator::packed_index(k, i, j), expect);
      EXPECT_EQ(MomentAccumulator::packed_index(k, j, i), expect);
      ++expect;
    }
  }
  EXPECT_EQ(MomentAccumulator::packed_size(k), expect);
}

TEST(Moments, Errors) {
  MomentAccumulator a(2), b(3);
  EXPECT_THROW(a.merge(b), cxsim::core::RuntimeError);
  const std::vector<double> x = {1, 2, 3};
  EXPECT_THROW(a.add(std::span<const double>(x)), cxsim::core::RuntimeError);
  EXPECT_THROW(a.mean(2), cxsim::core::RuntimeError);
}

}  // namespace

// Sparse mode: every kept pair is bit-identical to full mode, through
// re-centring merges too; the others are refused.
TEST(Moments, SparseKeepsExactlyTheFullModeValues) {
  const int k = 7;
  Rows rows = random_rows(4000, k, 21, 3.0);
  for (std::size_t u = 0; u < rows.size(); ++u) {
    rows[u][2] = static_cast<double>(u % 3 == 0);  // a count column, often equal to the shift
    rows[u][5] = 0.0;                              // a constant column
  }
  const std::vector<std::pair<int, int>> pairs = {{0, 3}, {3, 0}, {6, 2}, {1, 5}, {4, 4}};
  MomentAccumulator full(k), sparse(k, pairs);
  EXPECT_TRUE(sparse.sparse());
  EXPECT_FALSE(full.sparse());
  for (std::size_t from = 0; from < rows.size(); from += 512) {
    MomentAccumulator cf(k), cs(k, pairs);
    for (std::size_t u = from; u < std::min(rows.size(), from + 512); ++u) {
      cf.add(rows[u].data());
      cs.add(rows[u].data());
    }
    full.merge(cf);
    sparse.merge(cs);
  }
  EXPECT_EQ(sparse.raw_cross().size(), static_cast<std::size_t>(k + 3));  // 7 variances + 3 distinct pairs
  for (int i = 0; i < k; ++i) {
    EXPECT_EQ(sparse.raw_sums()[i], full.raw_sums()[i]);
    for (int j = 0; j < k; ++j) {
      const bool kept = i == j || (std::min(i, j) == 0 && std::max(i, j) == 3) ||
                        (std::min(i, j) == 2 && std::max(i, j) == 6) || (std::min(i, j) == 1 && std::max(i, j) == 5);
      EXPECT_EQ(sparse.tracks(i, j), kept) << i << "," << j;
      if (kept) {
        const double a = sparse.covariance(i, j), b = full.covariance(i, j);
        EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0) << i << "," << j;
      } else {
        EXPECT_THROW(sparse.covariance(i, j), cxsim::core::RuntimeError);
      }
    }
  }
  // Even when empty, an unkept pair is an error (not a silent NaN).
  EXPECT_THROW(MomentAccumulator(k, pairs).covariance(0, 1), cxsim::core::RuntimeError);
  // Layouts must agree to merge.
  MomentAccumulator other(k, std::vector<std::pair<int, int>>{{0, 1}});
  EXPECT_THROW(sparse.merge(other), cxsim::core::RuntimeError);
  EXPECT_THROW(sparse.merge(full), cxsim::core::RuntimeError);
  EXPECT_THROW(MomentAccumulator(k, std::vector<std::pair<int, int>>{{0, 7}}), cxsim::core::RuntimeError);
}
