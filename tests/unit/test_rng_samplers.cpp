// Unit tests of cxsim::rng samplers on hand-computed cases. A scripted
// generator feeds chosen uniforms, so each algorithm step is checked exactly,
// including how many uniforms each sampler consumes.
#include "cxsim/rng/samplers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "cxsim/core/errors.h"
#include "cxsim/rng/stream.h"

namespace {

namespace rng = cxsim::rng;

struct Scripted {
  std::vector<double> u;
  std::size_t used = 0;
  double uniform() { return u.at(used++); }
};
static_assert(rng::UniformGenerator<Scripted>);
static_assert(rng::UniformGenerator<rng::Stream>);

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMinU = 0x1.0p-53;
constexpr double kMaxU = 1.0 - 0x1.0p-53;

TEST(RngSamplers, Bernoulli) {
  Scripted g{{kMinU, kMaxU, 0.3, 0.3, 0.5}};
  EXPECT_FALSE(rng::bernoulli(g, 0.0));  // smallest uniform, p = 0: never
  EXPECT_TRUE(rng::bernoulli(g, 1.0));   // largest uniform, p = 1: always
  EXPECT_FALSE(rng::bernoulli(g, 0.3));  // strict u < p
  EXPECT_TRUE(rng::bernoulli(g, std::nextafter(0.3, 1.0)));
  EXPECT_TRUE(rng::bernoulli(g, 0.75));
  EXPECT_EQ(g.used, 5u);
}

TEST(RngSamplers, Exponential) {
  Scripted g{{0.5, std::exp(-3.0)}};
  EXPECT_DOUBLE_EQ(rng::exponential(g, 2.0), 2.0 * std::log(2.0));
  EXPECT_NEAR(rng::exponential(g, 1.5), 4.5, 1e-14);
  EXPECT_EQ(g.used, 2u);
}

TEST(RngSamplers, BoxMuller) {
  {
    Scripted g{{std::exp(-0.5), 0.5}};  // r = 1, angle π
    EXPECT_NEAR(rng::standard_normal(g), -1.0, 1e-15);
    EXPECT_EQ(g.used, 2u);
  }
  {
    Scripted g{{std::exp(-2.0), 0.125}};  // r = 2, angle π/4
    const auto p = rng::standard_normal_pair(g);
    EXPECT_NEAR(p.first, std::sqrt(2.0), 1e-14);
    EXPECT_NEAR(p.second, std::sqrt(2.0), 1e-14);
    EXPECT_EQ(g.used, 2u);
  }
  {
    Scripted g{{std::exp(-0.5), 0.5, std::exp(-0.5), 0.5}};
    EXPECT_NEAR(rng::normal(g, 10.0, 3.0), 7.0, 1e-14);
    EXPECT_NEAR(rng::lognormal(g, 1.0, 2.0), std::exp(-1.0), 1e-14);
    EXPECT_EQ(g.used, 4u);
  }
  // The single normal is exactly the cosine half of the pair.
  rng::Stream a(11, rng::Purpose::satisfaction0, 5), b = a;
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(rng::standard_normal(a), rng::standard_normal_pair(b).first);
}

TEST(RngSamplers, NormalTailIsFinite) {
  Scripted g{{kMinU, 0.5}};
  const double z = rng::standard_normal(g);
  EXPECT_TRUE(std::isfinite(z));
  EXPECT_NEAR(z, -std::sqrt(2.0 * 53.0 * std::log(2.0)), 1e-12);
  Scripted h{{kMinU}};
  EXPECT_NEAR(rng::exponential(h, 1.0), 53.0 * std::log(2.0), 1e-12);
}

TEST(RngSamplers, GammaShapeAtLeastOneAcceptsFirstCandidate) {
  // Normal pair (u1 near 1, u2 = 1/4) gives x ~ 1e-17, so v ~ 1 and the
  // squeeze accepts: the draw is d = shape - 1/3, times scale.
  Scripted g{{kMaxU, 0.25, 0.5}};
  EXPECT_NEAR(rng::gamma(g, 4.2, 2.0), (4.2 - 1.0 / 3.0) * 2.0, 1e-12);
  EXPECT_EQ(g.used, 3u);
}

TEST(RngSamplers, GammaRejectsNonPositiveV) {
  // shape 1: d = 2/3, c = 1/sqrt(6). x = -3 (r = 3, angle π) makes
  // 1 + c x < 0, so the normal is redrawn before the uniform.
  Scripted g{{std::exp(-4.5), 0.5, kMaxU, 0.25, 0.5}};
  EXPECT_NEAR(rng::gamma(g, 1.0, 1.0), 2.0 / 3.0, 1e-12);
  EXPECT_EQ(g.used, 5u);
}

TEST(RngSamplers, GammaShapeBelowOneBoosts) {
  // Gamma(1.5) candidate d = 7/6 first, then U = 0.25: 7/6 * 0.25^(1/0.5).
  Scripted g{{kMaxU, 0.25, 0.5, 0.25}};
  EXPECT_NEAR(rng::gamma(g, 0.5, 3.0), 7.0 / 6.0 * 0.0625 * 3.0, 1e-12);
  EXPECT_EQ(g.used, 4u);
}

TEST(RngSamplers, GammaAndBetaInvalidGiveNaNWithoutDrawing) {
  Scripted g{{}};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(std::isnan(rng::gamma(g, 0.0, 1.0)));
  EXPECT_TRUE(std::isnan(rng::gamma(g, -1.0, 1.0)));
  EXPECT_TRUE(std::isnan(rng::gamma(g, nan, 1.0)));
  EXPECT_TRUE(std::isnan(rng::gamma(g, 2.0, 0.0)));
  EXPECT_TRUE(std::isnan(rng::gamma(g, 2.0, nan)));
  EXPECT_TRUE(std::isnan(rng::beta(g, 0.0, 1.0)));
  EXPECT_TRUE(std::isnan(rng::beta(g, 1.0, nan)));
  EXPECT_EQ(g.used, 0u);
}

TEST(RngSamplers, BetaFromTwoGammas) {
  // Both gammas accept d = 5/3 at once: X/(X+Y) = 1/2; 3 uniforms each.
  Scripted g{{kMaxU, 0.25, 0.5, kMaxU, 0.25, 0.5}};
  EXPECT_NEAR(rng::beta(g, 2.0, 2.0), 0.5, 1e-12);
  EXPECT_EQ(g.used, 6u);
  // a = 2 (X = 5/3), b = 0.5 (Y = 7/6 * 0.25^2): 4 more uniforms for Y.
  Scripted h{{kMaxU, 0.25, 0.5, kMaxU, 0.25, 0.5, 0.25}};
  const double x = 5.0 / 3.0, y = 7.0 / 6.0 * 0.0625;
  EXPECT_NEAR(rng::beta(h, 2.0, 0.5), x / (x + y), 1e-12);
  EXPECT_EQ(h.used, 7u);
}

TEST(RngSamplers, TinyShapesStayInUnitInterval) {
  rng::Stream s(3, rng::Purpose::churn_propensity, 9);
  for (int i = 0; i < 2000; ++i) {
    const double b = rng::beta(s, 0.01, 0.02);
    ASSERT_FALSE(std::isnan(b));
    ASSERT_GE(b, 0.0);
    ASSERT_LE(b, 1.0);
    const double x = rng::gamma(s, 0.01, 1.0);
    ASSERT_GE(x, 0.0);
  }
}

TEST(RngSamplers, DeterministicOnStreams) {
  auto run = [] {
    rng::Stream s(2024, rng::Purpose::replication, 3, 1, 0);
    std::vector<double> v;
    for (int i = 0; i < 200; ++i) {
      v.push_back(rng::gamma(s, 0.7, 2.0));
      v.push_back(rng::beta(s, 0.7, 1.2));
      v.push_back(rng::lognormal(s, 0.2, 0.9));
      v.push_back(rng::exponential(s, 3.0));
      v.push_back(rng::bernoulli(s, 0.4) ? 1.0 : 0.0);
    }
    return v;
  };
  EXPECT_EQ(run(), run());
}

TEST(RngSamplers, ParameterHelpers) {
  const auto ln = rng::lognormal_from_median_p90(10.0, 20.0);
  EXPECT_DOUBLE_EQ(ln.mu, std::log(10.0));
  EXPECT_DOUBLE_EQ(ln.sigma, std::log(2.0) / 1.2815515655446004);
  EXPECT_NEAR(std::exp(ln.mu + ln.sigma * rng::kNormalQuantile90), 20.0, 1e-12);
  EXPECT_THROW(rng::lognormal_from_median_p90(10.0, 10.0), cxsim::core::InputError);
  EXPECT_THROW(rng::lognormal_from_median_p90(0.0, 1.0), cxsim::core::InputError);
  EXPECT_THROW(rng::lognormal_from_median_p90(5.0, 2.0), cxsim::core::InputError);
  EXPECT_THROW(rng::lognormal_from_median_p90(5.0, kInf), cxsim::core::InputError);

  const auto ga = rng::gamma_from_mean_sd(10.0, 5.0);
  EXPECT_DOUBLE_EQ(ga.shape, 4.0);
  EXPECT_DOUBLE_EQ(ga.scale, 2.5);
  EXPECT_DOUBLE_EQ(ga.shape * ga.scale, 10.0);
  EXPECT_THROW(rng::gamma_from_mean_sd(0.0, 1.0), cxsim::core::InputError);
  EXPECT_THROW(rng::gamma_from_mean_sd(1.0, 0.0), cxsim::core::InputError);
  EXPECT_THROW(rng::gamma_from_mean_sd(1.0, -2.0), cxsim::core::InputError);

  // The struct overloads are the same draws as the scalar ones.
  rng::Stream a(1, rng::Purpose::duration, 2), b = a;
  EXPECT_EQ(rng::lognormal(a, ln), rng::lognormal(b, ln.mu, ln.sigma));
  EXPECT_EQ(rng::gamma(a, ga), rng::gamma(b, ga.shape, ga.scale));
}

TEST(RngSamplers, SigmoidLogit) {
  EXPECT_DOUBLE_EQ(rng::sigmoid(0.0), 0.5);
  EXPECT_DOUBLE_EQ(rng::logit(0.5), 0.0);
  for (double x : {-20.0, -3.0, -0.1, 0.7, 5.0, 20.0})
    EXPECT_NEAR(rng::logit(rng::sigmoid(x)), x, 1e-9 * (1.0 + std::exp(std::abs(x))));
  EXPECT_EQ(rng::sigmoid(-kInf), 0.0);
  EXPECT_EQ(rng::sigmoid(kInf), 1.0);
}

TEST(RngCategorical, HandCases) {
  const double cum[] = {0.2, 0.5, 1.0};
  EXPECT_EQ(rng::categorical(0.1, cum, 3), 0);
  EXPECT_EQ(rng::categorical(0.2, cum, 3), 1);  // boundary belongs to the next
  EXPECT_EQ(rng::categorical(0.49, cum, 3), 1);
  EXPECT_EQ(rng::categorical(0.5, cum, 3), 2);
  EXPECT_EQ(rng::categorical(kMaxU, cum, 3), 2);
  EXPECT_EQ(rng::categorical(kMinU, cum, 3), 0);
  // Rounding shortfall in the cumulative sum: the last index catches it.
  const double short_cum[] = {0.3, 0.6, 0.999};
  EXPECT_EQ(rng::categorical(0.9995, short_cum, 3), 2);
  // Zero-probability categories are never chosen.
  const double zeros[] = {0.0, 0.4, 0.4, 1.0};
  EXPECT_EQ(rng::categorical(kMinU, zeros, 4), 1);
  EXPECT_EQ(rng::categorical(0.4, zeros, 4), 3);
  // One category.
  const double one[] = {1.0};
  EXPECT_EQ(rng::categorical(0.7, one, 1), 0);
}

TEST(RngOrderedLogit, HandCases) {
  const double tau[] = {-1.0, 0.0, 1.0};
  // logit(0.1) = -2.197: first tau >= it is tau_0.
  EXPECT_EQ(rng::ordered_logit(0.1, tau, 3, 0.0), 0);
  EXPECT_EQ(rng::ordered_logit(0.5, tau, 3, 0.0), 1);  // logit = 0 = tau_1
  EXPECT_EQ(rng::ordered_logit(0.6, tau, 3, 0.0), 2);  // 0.405
  EXPECT_EQ(rng::ordered_logit(0.9, tau, 3, 0.0), 3);  // 2.197 > all
  // eta shifts the latent score up: logit(0.5) + 1 = 1 = tau_2.
  EXPECT_EQ(rng::ordered_logit(0.5, tau, 3, 1.0), 2);
  EXPECT_EQ(rng::ordered_logit(0.1, tau, 3, 1.5), 1);   // -0.697
  EXPECT_EQ(rng::ordered_logit(0.9, tau, 3, -3.0), 1);  // -0.803 > tau_0
  EXPECT_EQ(rng::ordered_logit(0.9, tau, 3, -3.5), 0);  // -1.303
  // Boundary consistency with P(score <= c) = σ(tau_c - eta): u just
  // below σ(tau_1 - eta) scores <= 1, just above scores 2.
  const double eta = 0.3;
  const double p1 = rng::sigmoid(0.0 - eta);
  EXPECT_EQ(rng::ordered_logit(p1 - 1e-12, tau, 3, eta), 1);
  EXPECT_EQ(rng::ordered_logit(p1 + 1e-12, tau, 3, eta), 2);
}

TEST(RngOrderedLogit, InfiniteCutpoints) {
  // tau_0 = -inf: score 0 impossible; tau_2 = +inf: score 3 impossible.
  const double tau[] = {-kInf, 0.0, kInf};
  for (double u : {kMinU, 1e-10, 0.3, 0.5, 0.7, 1.0 - 1e-10, kMaxU}) {
    for (double eta : {-50.0, 0.0, 50.0}) {
      const int c = rng::ordered_logit(u, tau, 3, eta);
      EXPECT_GE(c, 1) << u << " " << eta;
      EXPECT_LE(c, 2) << u << " " << eta;
    }
  }
  EXPECT_EQ(rng::ordered_logit(kMinU, tau, 3, 0.0), 1);
  EXPECT_EQ(rng::ordered_logit(kMaxU, tau, 3, 0.0), 2);
  // All +inf: always score 0. All -inf: always score n_cut.
  const double all_pos[] = {kInf, kInf};
  const double all_neg[] = {-kInf, -kInf};
  EXPECT_EQ(rng::ordered_logit(kMaxU, all_pos, 2, 100.0), 0);
  EXPECT_EQ(rng::ordered_logit(kMinU, all_neg, 2, -100.0), 2);
  // A middle category of zero width (tau_1 == tau_2) is never chosen.
  const double tied[] = {-1.0, 0.5, 0.5, 2.0};
  for (int i = 1; i < 1000; ++i)
    EXPECT_NE(rng::ordered_logit(i / 1000.0, tied, 4, 0.0), 2);
  // No cut-points: one category.
  EXPECT_EQ(rng::ordered_logit(0.5, nullptr, 0, 0.0), 0);
}

}  // namespace
