// The maths of `cxsim check` (docs/methods/check.md): shares with the
// continuity-corrected binomial se and Wilson intervals, NPS, Kaplan-Meier
// survival with Greenwood errors, the z-score and the Bonferroni rule.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "cxsim/calibrate/sbg.h"
#include "cxsim/check/check.h"
#include "splitmix.h"

namespace cxsim::check {
namespace {

TEST(CheckStats, ProportionContinuityAndWilson) {
  const Estimate half = proportion(5, 10);
  EXPECT_DOUBLE_EQ(half.value, 0.5);
  EXPECT_NEAR(half.se, std::sqrt(0.25 / 10), 1e-15);
  EXPECT_NEAR(half.lo, 0.2365931, 1e-6);  // Wilson 95% for 5/10
  EXPECT_NEAR(half.hi, 0.7634069, 1e-6);
  EXPECT_EQ(half.n, 10);
  // 0 of n and n of n: the se is not 0 (p~ = (x + 1/2)/(n + 1)), and symmetric.
  const Estimate none = proportion(0, 10), all = proportion(10, 10);
  const double pt = 0.5 / 11;
  EXPECT_DOUBLE_EQ(none.value, 0.0);
  EXPECT_NEAR(none.se, std::sqrt(pt * (1 - pt) / 10), 1e-15);
  EXPECT_NEAR(all.se, none.se, 1e-15);
  EXPECT_DOUBLE_EQ(none.lo, 0.0);
  EXPECT_NEAR(none.hi, 0.2775328, 1e-6);  // Wilson upper bound for 0/10
  EXPECT_NEAR(all.lo, 1 - none.hi, 1e-12);
  // No denominator: nothing to compare.
  const Estimate empty = proportion(0, 0);
  EXPECT_EQ(empty.n, 0);
  EXPECT_TRUE(std::isnan(empty.value));
}

TEST(CheckStats, NpsMultinomialSe) {
  const Estimate e = nps(50, 30, 100);
  EXPECT_DOUBLE_EQ(e.value, 20.0);
  const double pp = 50.5 / 101, pd = 30.5 / 101;
  EXPECT_NEAR(e.se, 100 * std::sqrt((pp + pd - (pp - pd) * (pp - pd)) / 100), 1e-12);
  EXPECT_NEAR(e.lo, 20 - 1.959963984540054 * e.se, 1e-9);
  // All promoters: +100, a positive se, the interval clipped at 100.
  const Estimate top = nps(40, 0, 40);
  EXPECT_DOUBLE_EQ(top.value, 100.0);
  EXPECT_GT(top.se, 0);
  EXPECT_DOUBLE_EQ(top.hi, 100.0);
}

TEST(CheckStats, KaplanMeierWithCensoring) {
  // 6 customers: 2 churn after period 1, 1 censored after 1; 1 churns after
  // period 2, 2 censored after 2.
  const std::vector<double> churned{0, 2, 1}, censored{0, 1, 2};
  const auto s = survival(churned, censored, 2);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_NEAR(s[0].value, 2.0 / 3, 1e-15);
  EXPECT_NEAR(s[1].value, 4.0 / 9, 1e-15);
  EXPECT_EQ(s[0].n, 6);
  EXPECT_EQ(s[1].n, 3);
  const double green = (16.0 / 81) * (2.0 / (6 * 4) + 1.0 / (3 * 2));
  EXPECT_NEAR(s[1].se, std::sqrt(green), 1e-12);
}

TEST(CheckStats, KaplanMeierWithoutCensoringIsTheCohortShare) {
  // Cohort 100, 60, 40: Greenwood = the binomial S(1-S)/N; the continuity
  // floor (p~ = (x + 1/2)/(N + 1)) is what is used when it is larger.
  const auto c = calibrate::survival_from_cohort({100, 60, 40});
  const auto s = survival(c.churned, c.censored, 2);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_NEAR(s[1].value, 0.4, 1e-15);
  const double pt = 40.5 / 101;
  EXPECT_NEAR(s[1].se, std::sqrt(std::max(0.4 * 0.6 / 100, pt * (1 - pt) / 100)), 1e-12);
  // Beyond the data: no estimate.
  const auto beyond = survival(c.churned, c.censored, 4);
  EXPECT_EQ(beyond[3].n, 0);
}

TEST(CheckStats, ZScoreCombinesBothErrors) {
  Estimate o, s;
  o.value = 0.3;
  o.se = 0.03;
  s.value = 0.2;
  s.se = 0.04;
  EXPECT_NEAR(z_score(o, s), 2.0, 1e-12);
  o.se = s.se = 0;
  EXPECT_TRUE(std::isnan(z_score(o, s)));
}

TEST(CheckStats, BonferroniThreshold) {
  EXPECT_NEAR(bonferroni_threshold(1, 0.05), 1.959963984540054, 1e-9);
  EXPECT_NEAR(bonferroni_threshold(50, 0.05), 3.290526731491926, 1e-9);  // Phi^-1(1 - 0.0005)
  EXPECT_GT(bonferroni_threshold(1000, 0.05), bonferroni_threshold(50, 0.05));
  EXPECT_NEAR(bonferroni_threshold(0, 0.05), bonferroni_threshold(1, 0.05), 1e-15);
}

TEST(CheckStats, DecideSortsCountsAndFails) {
  CheckResult r;
  auto row = [&](const char* key, double obs_x, double obs_n, double sim_x, double sim_n) {
    Row x;
    x.metric = "friction";
    x.key = key;
    x.observed = proportion(obs_x, obs_n);
    x.simulated = proportion(sim_x, sim_n);
    r.rows.push_back(x);
  };
  row("a", 50, 100, 500, 1000);  // z = 0
  row("b", 0, 0, 100, 1000);     // untested: no observed visits
  row("c", 80, 100, 500, 1000);  // far off
  row("d", 55, 100, 500, 1000);  // a little off
  decide(r, 0.05);
  EXPECT_EQ(r.tested, 3u);
  EXPECT_NEAR(r.threshold, bonferroni_threshold(3, 0.05), 1e-15);
  ASSERT_EQ(r.rows.size(), 4u);
  EXPECT_EQ(r.rows[0].key, "c");
  EXPECT_EQ(r.rows[1].key, "d");
  EXPECT_EQ(r.rows[2].key, "a");
  EXPECT_EQ(r.rows[3].key, "b");
  EXPECT_FALSE(r.rows[3].tested);
  EXPECT_TRUE(r.rows[3].pass);
  EXPECT_TRUE(std::isnan(r.rows[3].z));
  EXPECT_FALSE(r.rows[0].pass);
  EXPECT_TRUE(r.rows[1].pass);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_FALSE(r.pass);
  // z of "c": (0.8 - 0.5) / sqrt(se_obs^2 + se_sim^2) with the corrected ses.
  const double so = std::sqrt((80.5 / 101) * (20.5 / 101) / 100),
               ss = std::sqrt((500.5 / 1001) * (500.5 / 1001) / 1000);
  EXPECT_NEAR(r.rows[0].z, 0.3 / std::hypot(so, ss), 1e-12);
}

TEST(CheckStats, StandardDeviationDeltaMethod) {
  const double x[] = {1, 2, 3, 4, 10};
  double mu = 0;
  for (double v : x) mu += v / 5;
  double m2 = 0, m4 = 0;
  for (double v : x) {
    m2 += (v - mu) * (v - mu);
    m4 += std::pow(v - mu, 4);
  }
  const Estimate e = standard_deviation(5, m2, m4);
  const double sd = std::sqrt(m2 / 4);
  EXPECT_NEAR(e.value, sd, 1e-14);
  EXPECT_NEAR(e.se, std::sqrt((m4 / 5 - (m2 / 5) * (m2 / 5)) / 5) / (2 * sd), 1e-14);
  EXPECT_NEAR(e.hi - e.value, 1.959963984540054 * e.se, 1e-12);
  EXPECT_EQ(e.n, 5);
  EXPECT_TRUE(std::isnan(standard_deviation(1, 0, 0).value));  // one value: no sd
  // Calibration: over 2000 normal samples of 300 the z of the sd against
  // the true sd has sd 1 (within 10%) and mean 0 (within 0.1).
  testing::SplitMix64 g{7};
  double zs = 0, zz = 0;
  const int reps = 2000, n = 300;
  for (int r = 0; r < reps; ++r) {
    double mean = 0, M2 = 0;
    std::vector<double> v(n);
    for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = 2.0 * g.normal();
    for (double y : v) mean += y / n;
    double M4 = 0;
    for (double y : v) {
      M2 += (y - mean) * (y - mean);
      M4 += std::pow(y - mean, 4);
    }
    const Estimate s = standard_deviation(n, M2, M4);
    const double z = (s.value - 2.0) / s.se;
    zs += z;
    zz += z * z;
  }
  const double zm = zs / reps, zsd = std::sqrt(zz / reps - zm * zm);
  EXPECT_NEAR(zm, 0.0, 0.1);
  EXPECT_NEAR(zsd, 1.0, 0.1);
}

TEST(CheckStats, PValueAndStatistics) {
  EXPECT_NEAR(p_value(1.959963984540054), 0.05, 1e-12);
  EXPECT_NEAR(p_value(-1.959963984540054), 0.05, 1e-12);
  EXPECT_DOUBLE_EQ(p_value(0), 1.0);
  EXPECT_TRUE(std::isnan(p_value(std::nan(""))));
  EXPECT_STREQ(statistic_of("friction"), "share");
  EXPECT_STREQ(statistic_of("channel"), "share");
  EXPECT_STREQ(statistic_of("duration_log_mean"), "log-duration mean");
  EXPECT_STREQ(statistic_of("duration_log_sd"), "log-duration sd");
  EXPECT_STREQ(statistic_of("csat"), "mean");
  EXPECT_STREQ(statistic_of("survival"), "kaplan-meier survival");
}

}  // namespace
}  // namespace cxsim::check
