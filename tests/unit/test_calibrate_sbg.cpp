// sBG maximum likelihood: the published estimates of Fader & Hardie (2007),
// "How to project customer retention", J. Interactive Marketing 21(1), 76-90,
// and the equivalence of cohort and individual (right-censored) data.
#include <gtest/gtest.h>

#include <cmath>

#include "cxsim/calibrate/sbg.h"

using namespace cxsim::calibrate;

namespace {
// Survivors of 1000 customers at the start of years 0..7 (Fader & Hardie 2007, Table 1).
const std::vector<double> kHighEnd = {1000, 869, 743, 653, 593, 551, 517, 491};
const std::vector<double> kRegular = {1000, 631, 468, 382, 326, 289, 262, 241};
}  // namespace

TEST(CalibrateSbg, ReproducesFaderHardieHighEnd) {
  const SbgFit f = fit_sbg(survival_from_cohort(kHighEnd));
  ASSERT_TRUE(f.converged) << f.note;
  EXPECT_NEAR(f.alpha, 0.668, 0.0015);
  EXPECT_NEAR(f.beta, 3.806, 0.0015);
  EXPECT_EQ(f.horizon, 7);
  EXPECT_DOUBLE_EQ(f.customers, 1000);
  EXPECT_GT(f.se_alpha, 0);
  EXPECT_LT(f.alpha_lo, f.alpha);
  EXPECT_GT(f.alpha_hi, f.alpha);
}

TEST(CalibrateSbg, ReproducesFaderHardieRegular) {
  const SbgFit f = fit_sbg(survival_from_cohort(kRegular));
  ASSERT_TRUE(f.converged) << f.note;
  EXPECT_NEAR(f.alpha, 0.704, 0.0015);
  EXPECT_NEAR(f.beta, 1.182, 0.0015);
}

TEST(CalibrateSbg, MaximumIsStationary) {
  const auto d = survival_from_cohort(kRegular);
  const SbgFit f = fit_sbg(d);
  const double ll = sbg_loglik(d, f.alpha, f.beta);
  EXPECT_NEAR(ll, f.loglik, 1e-9);
  for (double da : {-1e-3, 1e-3})
    for (double db : {-1e-3, 1e-3}) EXPECT_LT(sbg_loglik(d, f.alpha + da, f.beta + db), ll);
}

TEST(CalibrateSbg, IndividualLifetimesEqualCohort) {
  // Expand the cohort into individual lifetimes: churned at t, or censored at 7.
  SurvivalCounts ind;
  ind.churned.assign(8, 0.0);
  ind.censored.assign(8, 0.0);
  for (std::size_t t = 1; t < kHighEnd.size(); ++t) ind.churned[t] = kHighEnd[t - 1] - kHighEnd[t];
  ind.censored[7] = kHighEnd[7];
  const SbgFit a = fit_sbg(ind), b = fit_sbg(survival_from_cohort(kHighEnd));
  EXPECT_NEAR(a.alpha, b.alpha, 1e-9);
  EXPECT_NEAR(a.beta, b.beta, 1e-9);
  EXPECT_NEAR(a.se_alpha, b.se_alpha, 1e-9);
}

TEST(CalibrateSbg, SurvivalCurveMatchesData) {
  const SbgFit f = fit_sbg(survival_from_cohort(kRegular));
  const auto s = f.survival(7);
  EXPECT_DOUBLE_EQ(s[0], 1.0);
  for (std::size_t t = 1; t < s.size(); ++t) EXPECT_NEAR(s[t] * 1000, kRegular[t], 25.0) << "t=" << t;
}

TEST(CalibrateSbg, NoChurnIsReportedNotFitted) {
  const SbgFit f = fit_sbg(survival_from_cohort({100, 100, 100}));
  EXPECT_FALSE(f.converged);
  EXPECT_FALSE(f.note.empty());
}

TEST(CalibrateSbg, RecoversSimulatedParameters) {
  // Exact expected counts for alpha = 2, beta = 5 over 12 periods and a big cohort.
  const double a = 2, b = 5, n = 1e6;
  std::vector<double> alive{n};
  double s = 1;
  for (int t = 1; t <= 12; ++t) {
    s *= (b + t - 1) / (a + b + t - 1);
    alive.push_back(n * s);
  }
  const SbgFit f = fit_sbg(survival_from_cohort(alive));
  EXPECT_NEAR(f.alpha, a, 1e-5);
  EXPECT_NEAR(f.beta, b, 1e-4);
}
