// The quadrature rules of the joint fit (cxsim/calibrate/quadrature.h):
// Gauss-Hermite reproduces the normal moments, Gauss-Jacobi the Beta moments
// and the shifted-beta-geometric survival B(a, b+t)/B(a, b) exactly (degree
// <= 2n-1), and the sBG-with-sensitivity churn probability of one period
// agrees with a fine midpoint rule.
#include <gtest/gtest.h>

#include <cmath>

#include "cxsim/calibrate/quadrature.h"

using namespace cxsim::calibrate;

namespace {

double lbeta(double a, double b) { return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b); }

template <class F>
double expect(const Quadrature& q, F f) {
  double s = 0;
  for (std::size_t k = 0; k < q.x.size(); ++k) s += q.w[k] * f(q.x[k]);
  return s;
}

TEST(Quadrature, HermiteNormalMoments) {
  const Quadrature q = gauss_hermite(12);
  ASSERT_EQ(q.x.size(), 12u);
  EXPECT_NEAR(expect(q, [](double) { return 1.0; }), 1.0, 1e-13);
  EXPECT_NEAR(expect(q, [](double x) { return x; }), 0.0, 1e-13);
  EXPECT_NEAR(expect(q, [](double x) { return x * x; }), 1.0, 1e-12);
  EXPECT_NEAR(expect(q, [](double x) { return std::pow(x, 4); }), 3.0, 1e-11);
  EXPECT_NEAR(expect(q, [](double x) { return std::pow(x, 10); }), 945.0, 1e-8);  // 9!!
  // E exp(Z) = e^(1/2): not a polynomial, but smooth.
  EXPECT_NEAR(expect(q, [](double x) { return std::exp(x); }), std::exp(0.5), 1e-9);
}

TEST(Quadrature, JacobiBetaMomentsAndSbgSurvival) {
  for (auto [a, b] : {std::pair{0.7, 1.2}, std::pair{1.0, 1.0}, std::pair{2.5, 0.4}, std::pair{0.3, 5.0}}) {
    const int n = 10;
    const Quadrature q = gauss_jacobi_beta(n, a, b);
    ASSERT_EQ(q.x.size(), static_cast<std::size_t>(n));
    for (double x : q.x) {
      EXPECT_GT(x, 0.0);
      EXPECT_LT(x, 1.0);
    }
    EXPECT_NEAR(expect(q, [](double) { return 1.0; }), 1.0, 1e-12);
    EXPECT_NEAR(expect(q, [](double t) { return t; }), a / (a + b), 1e-12) << a << " " << b;
    EXPECT_NEAR(expect(q, [](double t) { return t * t; }), a * (a + 1) / ((a + b) * (a + b + 1)), 1e-12);
    // sBG: S(t) = E (1-theta)^t = B(a, b+t)/B(a, b), exact for t <= 2n-1.
    for (int t = 1; t <= 2 * n - 1; ++t) {
      const double exact = std::exp(lbeta(a, b + t) - lbeta(a, b));
      EXPECT_NEAR(expect(q, [t](double th) { return std::pow(1 - th, t); }), exact, 1e-11 * (1 + exact))
          << "a " << a << " b " << b << " t " << t;
    }
    // P(T = t) = B(a+1, b+t-1)/B(a, b).
    EXPECT_NEAR(expect(q, [](double th) { return th * std::pow(1 - th, 4); }),
                std::exp(lbeta(a + 1, b + 4) - lbeta(a, b)), 1e-12);
  }
}

TEST(Quadrature, JacobiSensitivityChurnAgreesWithMidpointRule) {
  // E sigma(logit theta - g d) under Beta(1.2, 4): the churn probability of a
  // walk with S_end - S0 = d (docs/methods/calibration.md, "Joint fit").
  const double a = 1.2, b = 4.0, g = 0.6, d = -1.5;
  auto p = [&](double th) { return 1 / (1 + std::exp(-(std::log(th / (1 - th)) - g * d))); };
  const Quadrature q = gauss_jacobi_beta(20, a, b);
  double mid = 0;
  const int M = 2000000;
  for (int k = 0; k < M; ++k) {
    const double th = (k + 0.5) / M;
    mid += p(th) * std::exp((a - 1) * std::log(th) + (b - 1) * std::log1p(-th) - lbeta(a, b)) / M;
  }
  EXPECT_NEAR(expect(q, p), mid, 1e-6);
}

TEST(Quadrature, RejectsBadParameters) {
  EXPECT_TRUE(gauss_jacobi_beta(5, 0.0, 1.0).x.empty());
  EXPECT_TRUE(gauss_hermite(0).x.empty());
}

}  // namespace
