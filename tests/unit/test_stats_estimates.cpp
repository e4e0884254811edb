// Estimates: delta-method standard errors against a direct computation of
// the linearized per-unit residuals, paired differences, and edge cases.
#include <gtest/gtest.h>

#include "splitmix.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "cxsim/core/errors.h"
#include "cxsim/stats/estimates.h"

namespace {

using namespace cxsim::stats;

using cxsim::testing::SplitMix64;

// Per-customer vector of a small journey: walks, converted walks, effort sum,
// respondents, promoters, detractors.
enum Col { kWalks, kConv, kEffort, kResp, kProm, kDetr, kCols };

std::vector<std::vector<double>> customers(std::size_t n, std::uint64_t seed, double lift = 0.0) {
  SplitMix64 g{seed};
  std::vector<std::vector<double>> out;
  for (std::size_t u = 0; u < n; ++u) {
    std::vector<double> x(kCols, 0.0);
    const int walks = 1 + g.below(6);
    const double p = g.uniform() < 0.5 ? 0.2 : 0.7;
    for (int w = 0; w < walks; ++w) {
      x[kWalks] += 1;
      x[kConv] += g.uniform() < p + lift ? 1 : 0;
      x[kEffort] += 1 + 5 * g.uniform();
      if (g.uniform() < 0.6) {
        x[kResp] += 1;
        const double s = g.uniform();
        if (s < p) x[kProm] += 1;
        else if (s > 0.8) x[kDetr] += 1;
      }
    }
    out.push_back(x);
  }
  return out;
}

MomentAccumulator accumulate(const std::vector<std::vector<double>>& rows) {
  MomentAccumulator acc(static_cast<int>(rows.front().size()));
  for (const auto& r : rows) acc.add(r.data());
  return acc;
}

// se of the mean of per-unit residuals r_u.
double residual_se(const std::vector<double>& r) {
  long double m = 0;
  for (double v : r) m += v;
  m /= r.size();
  long double ss = 0;
  for (double v : r) ss += (v - m) * (v - m);
  return static_cast<double>(std::sqrt(ss / (r.size() - 1) / r.size()));
}

double col_mean(const std::vector<std::vector<double>>& rows, int c) {
  long double s = 0;
  for (const auto& r : rows) s += r[c];
  return static_cast<double>(s / rows.size());
}

TEST(Estimates, MeanIsSdOverRootN) {
  const auto rows = customers(2000, 1);
  const auto acc = accumulate(rows);
  const Estimate e = mean(acc, kEffort);
  std::vector<double> r;
  for (const auto& x : rows) r.push_back(x[kEffort]);
  EXPECT_NEAR(e.estimate, col_mean(rows, kEffort), 1e-12);
  EXPECT_NEAR(e.se, residual_se(r), 1e-12 * e.se);
  EXPECT_DOUBLE_EQ(e.ci_low, e.estimate - kZ95 * e.se);
  EXPECT_DOUBLE_EQ(e.ci_high, e.estimate + kZ95 * e.se);
}

TEST(Estimates, RatioMatchesLinearizedResiduals) {
  const auto rows = customers(3000, 2);
  const auto acc = accumulate(rows);
  const Estimate e = ratio(acc, kConv, kWalks);
  const double y = col_mean(rows, kConv), w = col_mean(rows, kWalks), R = y / w;
  std::vector<double> r;
  for (const auto& x : rows) r.push_back((x[kConv] - R * x[kWalks]) / w);
  EXPECT_NEAR(e.estimate, R, 1e-14);
  EXPECT_NEAR(e.se, residual_se(r), 1e-10 * e.se);
  EXPECT_GT(e.se, 0.0);
}

TEST(Estimates, NpsMatchesLinearizedResiduals) {
  const auto rows = customers(3000, 3);
  const auto acc = accumulate(rows);
  const Estimate e = nps(acc, kProm, kDetr, kResp);
  const double P = col_mean(rows, kProm), D = col_mean(rows, kDetr), Rr = col_mean(rows, kResp);
  const double q = (P - D) / Rr;
  std::vector<double> r;
  for (const auto& x : rows) r.push_back(100.0 * (x[kProm] - x[kDetr] - q * x[kResp]) / Rr);
  EXPECT_NEAR(e.estimate, 100.0 * q, 1e-11);
  EXPECT_NEAR(e.se, residual_se(r), 1e-10 * e.se);
}

TEST(Estimates, GeneralDeltaMethodAgreesWithRatio) {
  const auto rows = customers(1000, 4);
  const auto acc = accumulate(rows);
  const Estimate a = ratio(acc, kEffort, kWalks);
  const Estimate b = delta_method(
      acc, [](const double* m) { return m[kEffort] / m[kWalks]; },
      [](const double* m, double* g) {
        g[kEffort] = 1.0 / m[kWalks];
        g[kWalks] = -m[kEffort] / (m[kWalks] * m[kWalks]);
      });
  EXPECT_NEAR(a.estimate, b.estimate, 1e-14 * a.estimate);
  EXPECT_NEAR(a.se, b.se, 1e-12 * a.se);
}

TEST(Estimates, PairedDifferenceMatchesPairedResiduals) {
  const auto base = customers(2500, 5, 0.0);
  const auto var = customers(2500, 5, 0.1);  // same draws (CRN), higher conversion
  std::vector<std::vector<double>> joint;
  for (std::size_t u = 0; u < base.size(); ++u) {
    std::vector<double> x = var[u];
    x.insert(x.end(), base[u].begin(), base[u].end());
    joint.push_back(x);
  }
  const auto acc = accumulate(joint);
  const Estimate d = paired_difference(acc, Ratio::ratio_of(kConv, kWalks), kCols);
  const double yv = col_mean(var, kConv), yb = col_mean(base, kConv), w = col_mean(base, kWalks);
  const double Rv = yv / w, Rb = yb / w;
  std::vector<double> r;
  for (std::size_t u = 0; u < base.size(); ++u) {
    r.push_back((var[u][kConv] - Rv * var[u][kWalks]) / w - (base[u][kConv] - Rb * base[u][kWalks]) / w);
  }
  EXPECT_NEAR(d.estimate, Rv - Rb, 1e-14);
  EXPECT_NEAR(d.se, residual_se(r), 1e-9 * d.se);
  // Pairing matters: the paired se is far below the unpaired one.
  const Estimate ev = ratio(acc, Ratio::ratio_of(kConv, kWalks));
  const Estimate eb = ratio(acc, Ratio::ratio_of(kConv, kWalks).shifted(kCols));
  EXPECT_LT(d.se, 0.8 * std::hypot(ev.se, eb.se));
  // ratio_difference with explicit ratios is the same call.
  const Estimate d2 =
      ratio_difference(acc, Ratio::ratio_of(kConv, kWalks), Ratio::ratio_of(kConv + kCols, kWalks + kCols));
  EXPECT_EQ(d.estimate, d2.estimate);
  EXPECT_EQ(d.se, d2.se);
}

TEST(Estimates, NoOpVariantGivesExactlyZero) {
  // Joint [x, x] accumulated in chunks (so merges re-centre), every metric:
  // the difference and its se must be exactly 0 and the CI exactly [0, 0].
  const auto rows = customers(10007, 6);
  MomentAccumulator total(2 * kCols);
  for (std::size_t from = 0; from < rows.size(); from += 1000) {
    MomentAccumulator chunk(2 * kCols);
    for (std::size_t u = from; u < std::min(rows.size(), from + 1000); ++u) {
      std::vector<double> x = rows[u];
      x.insert(x.end(), rows[u].begin(), rows[u].end());
      chunk.add(x.data());
    }
    total.merge(chunk);
  }
  const std::vector<Ratio> metrics = {
      Ratio::mean_of(kEffort),
      Ratio::ratio_of(kConv, kWalks),
      Ratio::ratio_of(kEffort, kWalks),
      Ratio::nps_of(kProm, kDetr, kResp),
      Ratio{{{kConv, 2.0}, {kEffort, -0.3}}, {{kWalks, 1.0}, {kResp, 0.5}}, 7.0},
  };
  for (const Ratio& m : metrics) {
    const Estimate d = paired_difference(total, m, kCols);
    EXPECT_EQ(d.estimate, 0.0);
    EXPECT_EQ(d.se, 0.0);
    EXPECT_EQ(d.ci_low, 0.0);
    EXPECT_EQ(d.ci_high, 0.0);
  }
}

TEST(Estimates, ZeroVarianceGivesDegenerateInterval) {
  MomentAccumulator acc(3);
  for (int u = 0; u < 500; ++u) {
    const double x[3] = {3.7, 0.0, 2.0};  // constant, all-zero proportion, walks
    acc.add(x);
  }
  const Estimate m = mean(acc, 0);
  EXPECT_EQ(m.estimate, 3.7);
  EXPECT_EQ(m.se, 0.0);
  EXPECT_EQ(m.ci_low, 3.7);
  EXPECT_EQ(m.ci_high, 3.7);
  const Estimate p = ratio(acc, 1, 2);
  EXPECT_EQ(p.estimate, 0.0);
  EXPECT_EQ(p.se, 0.0);
  EXPECT_EQ(p.ci_low, 0.0);
  EXPECT_EQ(p.ci_high, 0.0);
}

TEST(Estimates, ProportionOneHasZeroSe) {
  // Every walk converts: converted == walks in every unit.
  SplitMix64 g{9};
  MomentAccumulator acc(2);
  for (int u = 0; u < 300; ++u) {
    const double w = 1 + g.below(5);
    const double x[2] = {w, w};
    acc.add(x);
  }
  const Estimate p = ratio(acc, 0, 1);
  EXPECT_EQ(p.estimate, 1.0);
  EXPECT_EQ(p.se, 0.0);
}

TEST(Estimates, EdgeCases) {
  MomentAccumulator acc(2);
  Estimate e = mean(acc, 0);  // empty
  EXPECT_TRUE(std::isnan(e.estimate) && std::isnan(e.se) && std::isnan(e.ci_low));
  const double x[2] = {2.0, 0.0};
  acc.add(x);
  e = mean(acc, 0);  // n = 1
  EXPECT_EQ(e.estimate, 2.0);
  EXPECT_TRUE(std::isnan(e.se) && std::isnan(e.ci_low) && std::isnan(e.ci_high));
  acc.add(x);
  e = ratio(acc, 0, 1);  // denominator mean 0
  EXPECT_TRUE(std::isnan(e.estimate) && std::isnan(e.se) && std::isnan(e.ci_high));
  EXPECT_THROW(mean(acc, 5), cxsim::core::RuntimeError);
}

TEST(Estimates, EmptyDenominatorIsLinearCombination) {
  const auto rows = customers(800, 10);
  const auto acc = accumulate(rows);
  const Estimate e = ratio(acc, Ratio{{{kProm, 1.0}, {kDetr, -1.0}}, {}, 1.0});
  std::vector<double> r;
  for (const auto& x : rows) r.push_back(x[kProm] - x[kDetr]);
  EXPECT_NEAR(e.estimate, col_mean(rows, kProm) - col_mean(rows, kDetr), 1e-13);
  EXPECT_NEAR(e.se, residual_se(r), 1e-11 * e.se);
}

TEST(Estimates, MakeEstimate) {
  const Estimate e = make_estimate(10.0, 2.0);
  EXPECT_EQ(e.ci_low, 10.0 - kZ95 * 2.0);
  EXPECT_EQ(e.ci_high, 10.0 + kZ95 * 2.0);
  const Estimate z = make_estimate(-4.25, 0.0);
  EXPECT_EQ(z.ci_low, -4.25);
  EXPECT_EQ(z.ci_high, -4.25);
}

TEST(ExactSum, IsCorrectlyRoundedAndOrderFree) {
  std::vector<double> v = {1e16, 1.0, -1e16};
  EXPECT_EQ(exact_sum(v), 1.0);
  v = {0.1, 0.2, 0.3, -0.6};
  const double a = exact_sum(v);
  std::reverse(v.begin(), v.end());
  EXPECT_EQ(exact_sum(v), a);
  v = {1e-300, 1e300, 3.0, -1e300, -3.0};
  EXPECT_EQ(exact_sum(v), 1e-300);
  EXPECT_EQ(exact_sum(std::vector<double>{}), 0.0);
  std::vector<double> cancel;
  SplitMix64 g{12};
  for (int i = 0; i < 50; ++i) {
    const double t = (g.uniform() - 0.5) * std::pow(10.0, g.below(20) - 10);
    cancel.insert(cancel.end(), {t, -t, t, -t});
  }
  EXPECT_EQ(exact_sum(cancel), 0.0);
  // Half-way case from CPython's test suite: 1 + 2^-53 + 2^-106 rounds up.
  v = {1.0, 0x1.0p-53, 0x1.0p-106};
  EXPECT_EQ(exact_sum(v), 1.0 + 0x1.0p-52);
  v = {1.0, 1e100, 1.0, -1e100};
  EXPECT_EQ(exact_sum(v), 2.0);
}

}  // namespace
