// Unit tests of cxsim::rng samplers on hand-computed cases. A scripted
// generator feeds chosen uniforms, so each algorithm step is checked exactly,
// including how many uniforms each sampler consumes.
#include "cxsim/rng/samplers.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
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

TEST(RngSamplers, BinomialEdgesAndDraws) {
  Scripted none{{}};
  EXPECT_EQ(rng::binomial(none, 0, 0.3), 0);  // no trials
  EXPECT_EQ(rng::binomial(none, -5, 0.3), 0);
  EXPECT_EQ(rng::binomial(none, 7, 0.0), 0);  // p = 0: never
  EXPECT_EQ(rng::binomial(none, 7, 1.0), 7);  // p = 1: always
  EXPECT_EQ(rng::binomial(none, 7, std::nan("")), 0);
  EXPECT_EQ(none.used, 0u);
  // Inversion takes one uniform: P(0) = 0.7^2 = 0.49, P(<= 1) = 0.91.
  Scripted g{{0.4899, 0.4901, 0.9099, 0.9101}};
  EXPECT_EQ(rng::binomial(g, 2, 0.3), 0);
  EXPECT_EQ(rng::binomial(g, 2, 0.3), 1);
  EXPECT_EQ(rng::binomial(g, 2, 0.3), 1);
  EXPECT_EQ(rng::binomial(g, 2, 0.3), 2);
  EXPECT_EQ(g.used, 4u);
  // p > 1/2 reflects: n - Binomial(n, 1 - p) on the same uniform.
  Scripted h{{0.4899}};
  EXPECT_EQ(rng::binomial(h, 2, 0.7), 2);
  // BTRD stays in 0..n and is a pure function of the stream.
  for (std::uint64_t i = 0; i < 2000; ++i) {
    rng::Stream a(42, rng::Purpose::holdout, i), b(42, rng::Purpose::holdout, i);
    const auto k = rng::binomial(a, 40, 0.45);
    EXPECT_GE(k, 0);
    EXPECT_LE(k, 40);
    EXPECT_EQ(k, rng::binomial(b, 40, 0.45));
  }
}

TEST(RngSamplers, Exponential) {
  Scripted g{{0.5, std::exp(-3.0)}};
  EXPECT_DOUBLE_EQ(rng::exponential(g, 2.0), 2.0 * std::log(2.0));
  EXPECT_NEAR(rng::exponential(g, 1.5), 4.5, 1e-14);
  EXPECT_EQ(g.used, 2u);
}

TEST(RngSamplers, BoxMullerPair) {
  {
    Scripted g{{std::exp(-2.0), 0.125}};  // r = 2, angle π/4
    const auto p = rng::standard_normal_pair(g);
    EXPECT_NEAR(p.first, std::sqrt(2.0), 1e-14);
    EXPECT_NEAR(p.second, std::sqrt(2.0), 1e-14);
    EXPECT_EQ(g.used, 2u);
  }
  {
    Scripted g{{std::exp(-0.5), 0.5}};  // r = 1, angle π
    const auto p = rng::standard_normal_pair(g);
    EXPECT_NEAR(p.first, -1.0, 1e-15);
    EXPECT_NEAR(p.second, 0.0, 1e-15);
  }
  // The largest radius: u1 = 2^-53 gives sqrt(2 * 53 ln 2) ≈ 8.57.
  Scripted h{{kMinU, 0.5}};
  const auto p = rng::standard_normal_pair(h);
  EXPECT_TRUE(std::isfinite(p.first));
  EXPECT_NEAR(p.first, -std::sqrt(2.0 * 53.0 * std::log(2.0)), 1e-12);
}

// The open uniform (2k+1)/2^53 whose 52 bits k put the ziggurat in `layer`
// (bits 0-7), with `sign` (bit 8) and 43-bit position j (bits 9-51).
double zig_u(unsigned layer, unsigned sign, std::uint64_t j) {
  const std::uint64_t k = (j << 9) | (std::uint64_t{sign} << 8) | layer;
  return static_cast<double>(2 * k + 1) * 0x1.0p-53;
}
constexpr std::uint64_t kJMax = (std::uint64_t{1} << 43) - 1;
// x_i, the right edge of layer i (x_256 = 0).
double zig_x(int i) { return i == 256 ? 0.0 : rng::detail::kZigW[i] * 0x1.0p43; }
double zig_f(double x) { return std::exp(-0.5 * x * x); }

TEST(RngZiggurat, TablesAreConsistent) {
  namespace d = rng::detail;
  EXPECT_EQ(zig_x(1), d::kZigR);
  EXPECT_EQ(d::kZigInvR, 1.0 / d::kZigR);
  // Every layer has the same area V; the base strip's is R f(R) plus the
  // tail sqrt(π/2) erfc(R/√2).
  const double v = d::kZigR * zig_f(d::kZigR) + std::sqrt(std::acos(-1.0) / 2.0) * std::erfc(d::kZigR / std::sqrt(2.0));
  EXPECT_NEAR(zig_x(0) * zig_f(d::kZigR), v, 1e-15);
  for (int i = 1; i < 256; ++i) {
    EXPECT_LT(zig_x(i + 1), zig_x(i)) << i;
    EXPECT_NEAR(d::kZigF[i], zig_f(zig_x(i + 1)), 4e-16) << i;
    EXPECT_NEAR(zig_x(i) * (d::kZigF[i] - d::kZigF[i - 1]), v, 1e-13 * v) << i;
  }
  EXPECT_EQ(d::kZigF[255], 1.0);
  EXPECT_EQ(d::kZigK[255], 0u);  // the top layer has no inner rectangle
  for (int i = 0; i < 256; ++i) {
    const double r = zig_x(i + 1) / zig_x(i) * 0x1.0p43;
    EXPECT_LE(static_cast<double>(d::kZigK[i]), r) << i;
    EXPECT_GT(static_cast<double>(d::kZigK[i]) + 1.0, r * (1 - 1e-15)) << i;
  }
}

TEST(RngZiggurat, FastPathUsesOneUniform) {
  // A position inside the inner rectangle: j * x_i / 2^43, signed.
  const std::uint64_t j = 123456789;
  ASSERT_LT(j, rng::detail::kZigK[5]);
  Scripted g{{zig_u(5, 0, j), zig_u(5, 1, j), zig_u(77, 0, 0)}};
  EXPECT_EQ(rng::standard_normal(g), static_cast<double>(j) * rng::detail::kZigW[5]);
  EXPECT_EQ(rng::standard_normal(g), -static_cast<double>(j) * rng::detail::kZigW[5]);
  EXPECT_EQ(rng::standard_normal(g), 0.0);
  EXPECT_EQ(g.used, 3u);
  // The largest fast-path value, just below R in the base strip.
  const std::uint64_t j0 = rng::detail::kZigK[0] - 1;
  Scripted h{{zig_u(0, 1, j0)}};
  const double z = rng::standard_normal(h);
  EXPECT_LT(z, -rng::detail::kZigR + 1e-9);
  EXPECT_GT(z, -rng::detail::kZigR);
  EXPECT_EQ(h.used, 1u);
  // normal and lognormal are mean + sd z and exp(mu + sigma z).
  const double z5 = static_cast<double>(j) * rng::detail::kZigW[5];
  Scripted n{{zig_u(5, 0, j), zig_u(5, 0, j)}};
  EXPECT_EQ(rng::normal(n, 10.0, 3.0), 10.0 + 3.0 * z5);
  EXPECT_EQ(rng::lognormal(n, 1.0, 2.0), std::exp(1.0 + 2.0 * z5));
  EXPECT_EQ(n.used, 2u);
}

TEST(RngZiggurat, TailBeyondR) {
  const double r = rng::detail::kZigR;
  // Layer 0 past its rectangle: the tail R + x, x = -ln(U1)/R, accepted
  // when -2 ln U2 > x^2. First pair: x = 2, 2y = 2 <= 4, rejected; second:
  // x = 0.5, 2y = 2 > 0.25, accepted.
  Scripted g{{zig_u(0, 1, kJMax), std::exp(-2.0 * r), std::exp(-1.0), std::exp(-0.5 * r), std::exp(-1.0)}};
  EXPECT_NEAR(rng::standard_normal(g), -(r + 0.5), 1e-12);
  EXPECT_EQ(g.used, 5u);
  // The smallest uniform is finite everywhere: x = 53 ln2 / R is rejected
  // even by the largest y, then a small x is accepted.
  Scripted h{{zig_u(0, 0, kJMax), kMinU, kMinU, std::exp(-0.1 * r), kMinU}};
  const double z = rng::standard_normal(h);
  EXPECT_TRUE(std::isfinite(z));
  EXPECT_NEAR(z, r + 0.1, 1e-12);
  EXPECT_EQ(h.used, 5u);
}

TEST(RngZiggurat, Wedge) {
  // Layer 100 at the outermost position: x just below x_100, where the
  // curve is barely above the box's bottom f(x_100).
  const double x = static_cast<double>(kJMax) * rng::detail::kZigW[100];
  ASSERT_GE(kJMax, rng::detail::kZigK[100]);
  Scripted g{{zig_u(100, 1, kJMax), kMinU}};  // y at the bottom: accepted
  EXPECT_EQ(rng::standard_normal(g), -x);
  EXPECT_EQ(g.used, 2u);
  // y at the top f(x_101) > f(x): rejected, the next uniform starts over.
  const std::uint64_t j = 1000;
  Scripted h{{zig_u(100, 0, kJMax), kMaxU, zig_u(3, 0, j)}};
  EXPECT_EQ(rng::standard_normal(h), static_cast<double>(j) * rng::detail::kZigW[3]);
  EXPECT_EQ(h.used, 3u);
  // The top layer (no inner rectangle) always takes the wedge test.
  Scripted t{{zig_u(255, 0, 5), 0.5}};
  EXPECT_EQ(rng::standard_normal(t), 5.0 * rng::detail::kZigW[255]);
  EXPECT_EQ(t.used, 2u);
}

TEST(RngZiggurat, RegressionValues) {
  // Known answers of one fixed stream: if these change, every stored
  // result with a normal, lognormal, gamma or beta draw changes.
  rng::Stream s(42, rng::Purpose::satisfaction0, 7);
  std::vector<double> got;
  for (int i = 0; i < 6; ++i) got.push_back(rng::standard_normal(s));
  const std::vector<double> want = {-0x1.b0d8f71eb3432p-1, 0x1.02affcc6d2eaap+1, 0x1.cadffc26183fcp+0,
                                    -0x1.db155bb9be9ebp-1, 0x1.b35d44bcb27bdp-8, -0x1.20486eb359351p-1};
  EXPECT_EQ(got, want);
}

TEST(RngSamplers, GammaShapeAtLeastOneAcceptsFirstCandidate) {
  // A zero normal (layer 7, position 0) gives v = 1 and the squeeze
  // accepts: the draw is d = shape - 1/3, times scale.
  Scripted g{{zig_u(7, 0, 0), 0.5}};
  EXPECT_NEAR(rng::gamma(g, 4.2, 2.0), (4.2 - 1.0 / 3.0) * 2.0, 1e-12);
  EXPECT_EQ(g.used, 2u);
}

TEST(RngSamplers, GammaRejectsNonPositiveV) {
  // shape 1: d = 2/3, c = 1/sqrt(6). A normal near -3 (layer 1, fast path)
  // makes 1 + c x < 0, so the normal is redrawn before the uniform.
  const auto j = static_cast<std::uint64_t>(3.0 / rng::detail::kZigR * 0x1.0p43);
  ASSERT_LT(j, rng::detail::kZigK[1]);
  ASSERT_LT(1.0 - static_cast<double>(j) * rng::detail::kZigW[1] / std::sqrt(6.0), 0.0);
  Scripted g{{zig_u(1, 1, j), zig_u(7, 0, 0), 0.5}};
  EXPECT_NEAR(rng::gamma(g, 1.0, 1.0), 2.0 / 3.0, 1e-12);
  EXPECT_EQ(g.used, 3u);
}

TEST(RngSamplers, GammaShapeBelowOneBoosts) {
  // Gamma(1.5) candidate d = 7/6 first, then U = 0.25: 7/6 * 0.25^(1/0.5).
  Scripted g{{zig_u(7, 0, 0), 0.5, 0.25}};
  EXPECT_NEAR(rng::gamma(g, 0.5, 3.0), 7.0 / 6.0 * 0.0625 * 3.0, 1e-12);
  EXPECT_EQ(g.used, 3u);
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
  // Both gammas accept d = 5/3 at once: X/(X+Y) = 1/2; 2 uniforms each.
  const double z0 = zig_u(7, 0, 0);
  Scripted g{{z0, 0.5, z0, 0.5}};
  EXPECT_NEAR(rng::beta(g, 2.0, 2.0), 0.5, 1e-12);
  EXPECT_EQ(g.used, 4u);
  // a = 2 (X = 5/3), b = 0.5 (Y = 7/6 * 0.25^2): 3 more uniforms for Y.
  Scripted h{{z0, 0.5, z0, 0.5, 0.25}};
  const double x = 5.0 / 3.0, y = 7.0 / 6.0 * 0.0625;
  EXPECT_NEAR(rng::beta(h, 2.0, 0.5), x / (x + y), 1e-12);
  EXPECT_EQ(h.used, 5u);
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
  rng::Stream a(1, rng::Purpose::step, 2), b = a;
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

TEST(RngCategorical, FourWideEqualsScan) {
  // categorical4 on the padded table gives the index of the scan, for every
  // size 1..4, tied and zero-width categories, and uniforms on the edges.
  rng::Stream s(9, rng::Purpose::step, 3);
  for (int trial = 0; trial < 2000; ++trial) {
    const int n = 1 + trial % 4;
    std::vector<double> p(static_cast<std::size_t>(n));
    for (auto& v : p) v = trial % 7 == 0 && &v != &p.back() ? 0.0 : s.uniform();
    double total = 0;
    for (double v : p) total += v;
    std::vector<double> cum;
    double acc = 0;
    for (double v : p) cum.push_back(acc += v / total);
    cum.back() = 1.0;
    double c4[4] = {2.0, 2.0, 2.0, 2.0};
    for (int k = 0; k + 1 < n; ++k) c4[k] = cum[static_cast<std::size_t>(k)];
    std::vector<double> us = {kMinU, kMaxU};
    for (int k = 0; k + 1 < n; ++k) {
      us.push_back(cum[static_cast<std::size_t>(k)]);
      us.push_back(std::nextafter(cum[static_cast<std::size_t>(k)], 0.0));
    }
    for (int k = 0; k < 20; ++k) us.push_back(s.uniform());
    for (double u : us) {
      if (!(u > 0.0 && u < 1.0)) continue;
      ASSERT_EQ(rng::categorical4(u, c4), rng::categorical(u, cum.data(), n)) << u << " n=" << n;
    }
  }
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
  for (int i = 1; i < 1000; ++i) EXPECT_NE(rng::ordered_logit(i / 1000.0, tied, 4, 0.0), 2);
  // No cut-points: one category.
  EXPECT_EQ(rng::ordered_logit(0.5, nullptr, 0, 0.0), 0);
}

TEST(RngOrderedLogit, GridPathEqualsExact) {
  // The grid bracket only skips the log; the score and the comparison are
  // always those of the direct formula, also at and next to the cell edges
  // and the cut-points.
  const double tau[] = {-kInf, -2.0, -0.4, 0.0, 0.0, 0.7, 1.9, 3.3, kInf};
  // The same cut-points padded with +inf (to 12, and tau[1..8) to 8).
  const double tau_padded[] = {-kInf, -2.0, -0.4, 0.0, 0.0, 0.7, 1.9, 3.3, kInf, kInf, kInf, kInf};
  rng::Stream s(5, rng::Purpose::entry, 1);
  std::vector<double> us = {kMinU, kMaxU, 0.5, 1.0 / 1024, 1023.0 / 1024, 2.0 / 1024};
  for (double u : std::vector<double>(us)) {
    us.push_back(std::nextafter(u, 0.0));
    us.push_back(std::nextafter(u, 1.0));
  }
  for (int i = 0; i < 200000; ++i) us.push_back(s.uniform());
  for (double c : {-2.0, -0.4, 0.7, 1.9}) us.push_back(rng::sigmoid(c));  // on a cut-point
  const double etas[] = {0.0, 0.3, -1.7, 12.5, -40.0, 1e6, kInf, -kInf};
  for (double u : us) {
    if (!(u > 0.0 && u < 1.0)) continue;
    for (double eta : etas) {
      ASSERT_EQ(rng::ordered_logit(u, tau, 9, eta), rng::ordered_logit_exact(u, tau, 9, eta)) << u << " " << eta;
      ASSERT_EQ(rng::ordered_logit_padded(u, tau_padded, 9, 12, eta), rng::ordered_logit_exact(u, tau, 9, eta))
          << u << " " << eta;
      ASSERT_EQ(rng::ordered_logit_padded(u, tau_padded + 1, 7, 8, eta), rng::ordered_logit_exact(u, tau + 1, 7, eta))
          << u << " " << eta;
      const double a = eta == kInf || eta == -kInf ? eta : rng::logit(u) + eta * 1e-12;
      ASSERT_EQ(rng::logit_below(u, a), rng::logit(u) < a) << u << " " << a;
      ASSERT_EQ(rng::logit_below(u, eta), rng::logit(u) < eta) << u << " " << eta;
    }
  }
  // a exactly logit(u): not below. NaN a: false.
  EXPECT_FALSE(rng::logit_below(0.3, rng::logit(0.3)));
  EXPECT_FALSE(rng::logit_below(0.3, std::numeric_limits<double>::quiet_NaN()));
  EXPECT_EQ(rng::ordered_logit(0.3, tau, 9, std::numeric_limits<double>::quiet_NaN()), 9);
  // The grid itself.
  EXPECT_EQ(rng::detail::kLogitGrid[512], 0.0);
  for (int m = 1; m < 1024; ++m) EXPECT_NEAR(rng::detail::kLogitGrid[m], std::log(m / (1024.0 - m)), 1e-14) << m;
}

}  // namespace

// standard_normal reads a Stream's raw bits directly; a generator that only
// offers uniform() must give the very same variates (including the slow
// paths, which draw further uniforms).
TEST(RngNormal, RawBitsPathEqualsUniformPath) {
  struct UniformOnly {
    rng::Stream s;
    double uniform() { return s.uniform(); }
  };
  rng::Stream a(77, rng::Purpose::step, 5);
  UniformOnly b{rng::Stream(77, rng::Purpose::step, 5)};
  for (int i = 0; i < 200000; ++i) {
    const double x = rng::standard_normal(a), y = rng::standard_normal(b);
    ASSERT_EQ(std::bit_cast<std::uint64_t>(x), std::bit_cast<std::uint64_t>(y)) << i;
  }
}
