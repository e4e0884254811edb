// Estimators of calibration: Dirichlet/Beta posteriors, duration fits,
// the ordered logit (Newton-Raphson, analytic derivatives), id sanitizing
// and the YAML writer's probability formatting.
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <random>

#include "cxsim/calibrate/durations.h"
#include "cxsim/calibrate/journey_writer.h"
#include "cxsim/calibrate/ordered_logit.h"
#include "cxsim/calibrate/posterior.h"
#include "cxsim/model/duration_family.h"

using namespace cxsim::calibrate;

TEST(CalibratePosterior, DirichletMeansAndBetaMarginals) {
  const auto p = dirichlet_posterior({8, 2, 0});
  // Dir(8.5, 2.5) over the two observed targets; the unobserved one stays 0.
  EXPECT_NEAR(p.mean[0], 8.5 / 11, 1e-12);
  EXPECT_NEAR(p.mean[1], 2.5 / 11, 1e-12);
  EXPECT_EQ(p.mean[2], 0);
  EXPECT_NEAR(p.mean[0] + p.mean[1], 1, 1e-12);
  const auto i = beta_interval(8.5, 2.5);
  EXPECT_DOUBLE_EQ(p.interval[0].lo, i.lo);
  EXPECT_LT(i.lo, 8.5 / 11);
  EXPECT_GT(i.hi, 8.5 / 11);
  // A single observed target: probability 1 with a degenerate interval.
  const auto one = dirichlet_posterior({0, 5});
  EXPECT_EQ(one.mean[1], 1.0);
  EXPECT_EQ(one.interval[1].lo, 1.0);
}

TEST(CalibratePosterior, BetaRateCoverage) {
  // Jeffreys intervals cover a true rate about 95% of the time.
  std::mt19937_64 rng(3);
  int covered = 0;
  const double f = 0.12;
  for (int r = 0; r < 2000; ++r) {
    const int n = 400;
    int k = std::binomial_distribution<int>(n, f)(rng);
    const auto post = beta_posterior(k, n);
    covered += post.interval.lo <= f && f <= post.interval.hi;
  }
  EXPECT_NEAR(covered / 2000.0, 0.95, 0.015);
}

TEST(CalibrateDurations, LognormalRecoveredAndChosen) {
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> d(std::log(120.0), 0.8);  // seconds
  DurationStats s;
  for (int i = 0; i < 20000; ++i) s.add(d(rng));
  const auto f = fit_durations(s, DurationChoice::aic, 60.0);  // minutes
  EXPECT_EQ(f.family, "lognormal");
  EXPECT_NEAR(f.spec.a, 2.0, 0.03);
  EXPECT_NEAR(f.spec.b, 2.0 * std::exp(1.2815515655446004 * 0.8), 0.08);
  EXPECT_LT(f.ln_aic, f.gamma_aic);
  EXPECT_LT(f.ln_aic, f.exp_aic);
}

// Found by tests/fuzz/fuzz_calibrate: two gaps far apart (0.001 s and 1e6 s)
// gave a lognormal whose mean (median·exp(σ²/2) ≈ 1e17) breaks the 1e12 cap,
// and calibrate failed with "internal: the fitted journey does not load".
TEST(CalibrateDurations, FitOutsideTheModelLimitsFallsBackToExponential) {
  DurationStats s;
  s.add(0.001);
  s.add(1e6);
  for (const auto choice : {DurationChoice::aic, DurationChoice::lognormal}) {
    const auto f = fit_durations(s, choice, 60.0);
    EXPECT_TRUE(cxsim::model::duration_problems(f.spec).empty()) << cxsim::model::duration_yaml(f.spec);
    EXPECT_EQ(f.family, "exponential");
    EXPECT_NEAR(f.spec.a, (1e6 + 0.001) / 2 / 60, 1e-6);
    EXPECT_NE(f.note.find("outside the model's limits"), std::string::npos) << f.note;
  }
}

TEST(CalibrateDurations, ExponentialAndGammaChosenByAic) {
  std::mt19937_64 rng(2);
  DurationStats e, g;
  std::exponential_distribution<double> ed(1.0 / 30.0);
  std::gamma_distribution<double> gd(4.0, 5.0);  // mean 20, sd 10
  for (int i = 0; i < 20000; ++i) {
    e.add(ed(rng));
    g.add(gd(rng));
  }
  const auto fe = fit_durations(e, DurationChoice::aic, 1.0);
  // Exponential is gamma with shape 1: gamma may win by a hair, both are fine.
  EXPECT_TRUE(fe.family == "exponential" || (fe.family == "gamma" && std::fabs(fe.gamma_shape - 1) < 0.05))
      << fe.family;
  EXPECT_NEAR(fe.exp_mean, 30, 1.0);
  const auto fg = fit_durations(g, DurationChoice::aic, 1.0);
  EXPECT_EQ(fg.family, "gamma");
  EXPECT_NEAR(fg.gamma_mean, 20, 0.3);
  EXPECT_NEAR(fg.gamma_sd, 10, 0.3);
  EXPECT_NEAR(fg.gamma_shape, 4, 0.15);
  // Forcing a family.
  EXPECT_EQ(fit_durations(g, DurationChoice::lognormal, 1.0).family, "lognormal");
  EXPECT_EQ(fit_durations(g, DurationChoice::exponential, 1.0).spec.kind,
            cxsim::model::DurationSpec::Kind::exponential);
}

TEST(CalibrateDurations, DegenerateCases) {
  DurationStats none;
  auto f = fit_durations(none, DurationChoice::aic, 60);
  EXPECT_EQ(f.family, "fixed");
  EXPECT_EQ(f.spec.a, 0);
  DurationStats zeros;
  for (int i = 0; i < 10; ++i) zeros.add(0);
  zeros.add(5);
  EXPECT_EQ(fit_durations(zeros, DurationChoice::aic, 1).spec.a, 0);
  DurationStats same;
  for (int i = 0; i < 10; ++i) same.add(120);
  f = fit_durations(same, DurationChoice::aic, 60);
  EXPECT_EQ(f.family, "fixed");
  EXPECT_DOUBLE_EQ(f.spec.a, 2.0);
  // Merging equals adding.
  DurationStats a, b, all;
  for (int i = 1; i <= 50; ++i) (i % 2 ? a : b).add(i), all.add(i);
  a.merge(b);
  EXPECT_NEAR(a.mean_log, all.mean_log, 1e-12);
  EXPECT_NEAR(a.m2_log, all.m2_log, 1e-9);
}

namespace {
double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
}  // namespace

TEST(CalibrateOrderedLogit, RecoversSimulatedCoefficients) {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> U(0, 1);
  std::poisson_distribution<int> visits(1.2);
  const std::vector<double> beta = {0.5, -1.2, 0.3};
  const std::vector<double> cut = {-2.0, -0.5, 0.4, 1.5};  // 5 categories
  const int n = 20000;
  Eigen::MatrixXd X(n, 3);
  std::vector<int> y(n);
  for (int i = 0; i < n; ++i) {
    double eta = 0;
    for (int j = 0; j < 3; ++j) {
      X(i, j) = visits(rng);
      eta += beta[static_cast<std::size_t>(j)] * X(i, j);
    }
    const double u = U(rng);
    int c = 4;
    for (int k = 0; k < 4; ++k)
      if (u < sigmoid(cut[static_cast<std::size_t>(k)] - eta)) {
        c = k;
        break;
      }
    y[static_cast<std::size_t>(i)] = c;
  }
  const auto f = fit_ordered_logit(y, X, 5);
  ASSERT_TRUE(f.converged) << f.note;
  for (int j = 0; j < 3; ++j) {
    EXPECT_NEAR(f.beta[static_cast<std::size_t>(j)], beta[static_cast<std::size_t>(j)],
                4 * f.beta_se[static_cast<std::size_t>(j)]);
    EXPECT_GT(f.beta_se[static_cast<std::size_t>(j)], 0.005);
    EXPECT_LT(f.beta_se[static_cast<std::size_t>(j)], 0.05);
  }
  for (int k = 0; k < 4; ++k)
    EXPECT_NEAR(f.cut[static_cast<std::size_t>(k)], cut[static_cast<std::size_t>(k)],
                4 * f.cut_se[static_cast<std::size_t>(k)]);
  EXPECT_GT(f.loglik, f.loglik_null);
  // Baseline probabilities at x = 0 sum to 1.
  double s = 0;
  for (double p : f.baseline()) s += p;
  EXPECT_NEAR(s, 1, 1e-12);
}

TEST(CalibrateOrderedLogit, DropsUnidentifiableColumnsAndCollapsesEmptyCategories) {
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> U(0, 1);
  const int n = 3000;
  Eigen::MatrixXd X(n, 4);
  std::vector<int> y(n);
  for (int i = 0; i < n; ++i) {
    X(i, 0) = U(rng) < 0.5;
    X(i, 1) = 0;            // never visited
    X(i, 2) = 2 * X(i, 0);  // collinear with column 0
    X(i, 3) = U(rng) < 0.3;
    const double eta = 0.8 * X(i, 0) - 0.5 * X(i, 3);
    // Scores 0, 3 or 10 only (an 11-point scale with empty categories).
    const double u = U(rng);
    y[static_cast<std::size_t>(i)] = u < sigmoid(-1 - eta) ? 0 : u < sigmoid(0.5 - eta) ? 3 : 10;
  }
  const auto f = fit_ordered_logit(y, X, 11);
  ASSERT_TRUE(f.converged) << f.note;
  EXPECT_EQ(f.observed, (std::vector<int>{0, 3, 10}));
  EXPECT_EQ(f.cut.size(), 2u);
  EXPECT_FALSE(f.dropped[0]);
  EXPECT_TRUE(f.dropped[1]);   // all zero: no data
  EXPECT_FALSE(f.dropped[2]);  // collinear with column 0: merged, not dropped
  EXPECT_FALSE(f.dropped[3]);
  EXPECT_TRUE(std::isnan(f.beta[1]));
  // One group {0, 2}; only b0 + 2 b2 is identified, written as the
  // minimum-norm split (b2 = 2 b0).
  ASSERT_EQ(f.collinear.size(), 1u);
  EXPECT_EQ(f.collinear[0].columns, (std::vector<std::size_t>{0, 2}));
  EXPECT_FALSE(f.collinear[0].with_constant);
  EXPECT_EQ(f.group_of[0], 0);
  EXPECT_EQ(f.group_of[3], -1);
  const double sum = f.beta[0] + 2 * f.beta[2];
  const double sum_se = 5 * f.beta_se[0];  // b = sum (1, 2) / 5
  EXPECT_NEAR(sum, 0.8, 4 * sum_se);
  EXPECT_NEAR(f.beta[2], 2 * f.beta[0], 1e-9);
  EXPECT_NEAR(f.beta[3], -0.5, 4 * f.beta_se[3]);
  EXPECT_FALSE(f.regularised);
  const auto b = f.baseline();
  EXPECT_EQ(b.size(), 11u);
  EXPECT_EQ(b[1], 0.0);
  EXPECT_GT(b[3], 0.0);
}

TEST(CalibrateOrderedLogit, DegenerateInputs) {
  Eigen::MatrixXd X(3, 1);
  X << 1, 2, 3;
  const auto same = fit_ordered_logit({5, 5, 5}, X, 11);
  EXPECT_FALSE(same.converged);
  EXPECT_FALSE(same.note.empty());
  const auto none = fit_ordered_logit({}, Eigen::MatrixXd(0, 1), 11);
  EXPECT_FALSE(none.converged);
}

TEST(CalibrateWriter, SanitizesIds) {
  EXPECT_EQ(sanitize_id("T02 Check confirmation of receipt"), "t02_check_confirmation_of_receipt");
  EXPECT_EQ(sanitize_id("T07-1 Draft intern advice aspect 1"), "t07_1_draft_intern_advice_aspect_1");
  EXPECT_EQ(sanitize_id("  a.b..c  "), "a_b_c");
  EXPECT_EQ(sanitize_id("Ünïcode"), "n_code");
  EXPECT_EQ(sanitize_id("..."), "x");
  EXPECT_EQ(sanitize_id("timeout"), "timeout_");
  EXPECT_EQ(sanitize_id("baseline"), "baseline_");
  EXPECT_EQ(sanitize_id("Yes"), "yes_");
  // Issue 12 item 15: ids are YAML keys (at most 1,024 characters); a longer
  // name made a journey the loader could not read. Cut to 64.
  EXPECT_EQ(sanitize_id(std::string(5000, 'a')), std::string(64, 'a'));
  EXPECT_EQ(sanitize_id(std::string(63, 'b') + " c" + std::string(900, 'd')), std::string(63, 'b'));
  IdMaker ids;
  EXPECT_EQ(ids.make("Check A"), "check_a");
  EXPECT_EQ(ids.make("check.a"), "check_a_2");
  EXPECT_EQ(ids.make("check-a"), "check_a_3");
}

TEST(CalibrateWriter, ProbabilitiesSumToOne) {
  std::mt19937_64 rng(8);
  std::uniform_real_distribution<double> U(0, 1);
  for (int r = 0; r < 1000; ++r) {
    const int k = 1 + r % 12;
    std::vector<double> p(static_cast<std::size_t>(k));
    double s = 0;
    for (auto& x : p) s += (x = U(rng) * U(rng));
    for (auto& x : p) x /= s;
    double sum = 0;
    for (const auto& t : format_probabilities(p)) {
      double v = 0;
      std::from_chars(t.data(), t.data() + t.size(), v);
      sum += v;
    }
    EXPECT_NEAR(sum, 1.0, 1e-11);
  }
}

// Separation: column 0 = 1 only for respondents who answered 10 (half of
// those), so its ML coefficient is +infinity. Before the fix Newton stopped
// on a huge value (se ~1e5) with converged = false; now the penalised fit is
// finite, flagged, and leaves the identified column 1 close to its truth.
TEST(CalibrateOrderedLogit, SeparationGivesTheRegularisedEstimate) {
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> U(0, 1);
  const int n = 2000;
  Eigen::MatrixXd X(n, 2);
  std::vector<int> y(n);
  for (int i = 0; i < n; ++i) {
    X(i, 1) = U(rng) < 0.4;
    const double eta = -0.7 * X(i, 1);
    const double u = U(rng);
    int score = u < sigmoid(-1 - eta) ? 2 : u < sigmoid(1 - eta) ? 6 : u < sigmoid(2 - eta) ? 8 : 10;
    X(i, 0) = score == 10 && U(rng) < 0.5;
    y[static_cast<std::size_t>(i)] = score;
  }
  const auto f = fit_ordered_logit(y, X, 11);
  EXPECT_TRUE(f.regularised) << f.note;
  EXPECT_TRUE(f.converged) << f.note;
  EXPECT_TRUE(f.separated[0]);
  EXPECT_FALSE(f.separated[1]);
  EXPECT_TRUE(std::isfinite(f.beta[0]));
  EXPECT_GT(f.beta[0], 1.0);
  EXPECT_LT(f.beta[0], 10.0);
  EXPECT_LT(f.beta_se[0], 5.0);
  EXPECT_NEAR(f.beta[1], -0.7, 4 * f.beta_se[1] + 0.1);
  EXPECT_NE(f.note.find("separation"), std::string::npos);
  // Without the separating column the plain ML fit is used (no prior).
  const auto g = fit_ordered_logit(y, Eigen::MatrixXd(X.rightCols(1)), 11);
  EXPECT_FALSE(g.regularised);
  EXPECT_TRUE(g.converged);
}
