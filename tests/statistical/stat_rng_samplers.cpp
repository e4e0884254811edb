// Statistical tests of cxsim::rng: goodness of fit of every sampler, and
// independence across streams. Fixed seeds, so each test's outcome is
// deterministic (never flaky); the threshold p > 0.001 guards against a
// wrong algorithm, and every kind of test is shown to have power: a
// deliberately wrong parameter must give p < 1e-6.
//
// Draws follow the engine's pattern: one short stream per customer
// (Stream(seed, purpose, i)), one variate each, unless noted.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/exponential.hpp>
#include <boost/math/distributions/gamma.hpp>
#include <boost/math/distributions/lognormal.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/uniform.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <tuple>
#include <vector>

#include "cxsim/rng/samplers.h"
#include "cxsim/rng/stream.h"

namespace {

namespace rng = cxsim::rng;
namespace bm = boost::math;

constexpr int kN = 200'000;
constexpr double kAlpha = 1e-3;  // pass threshold
constexpr double kPower = 1e-6;  // a wrong parameter must fall below this
constexpr std::uint64_t kSeed = 0x5eed'c0ffee'2024ULL;

// ---------------------------------------------------------------------------
// Test statistics.

// Kolmogorov distribution upper tail Q(λ) = P(K > λ).
double kolmogorov_q(double lambda) {
  if (lambda <= 0.0) return 1.0;
  constexpr double pi = 3.14159265358979323846;
  if (lambda < 1.18) {
    // P(K <= λ) = sqrt(2π)/λ Σ exp(-(2k-1)² π² / (8λ²))
    double s = 0.0;
    for (int k = 1; k <= 20; ++k) {
      const double m = 2.0 * k - 1.0;
      s += std::exp(-m * m * pi * pi / (8.0 * lambda * lambda));
    }
    return std::clamp(1.0 - std::sqrt(2.0 * pi) / lambda * s, 0.0, 1.0);
  }
  double s = 0.0;
  for (int k = 1; k <= 100; ++k) {
    const double term = std::exp(-2.0 * k * k * lambda * lambda);
    s += (k % 2 == 1) ? term : -term;
    if (term < 1e-300) break;
  }
  return std::clamp(2.0 * s, 0.0, 1.0);
}

// Print a p-value under the running test's name (visible in CI logs), pass
// it through.
double logged(double p, const char* what) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::printf("    p = %-12.4g %s.%s %s\n", p, info->test_suite_name(), info->name(), what);
  return p;
}

struct KsResult {
  double d;
  double p;
};

// One-sample KS against a continuous CDF; p-value from the asymptotic
// distribution with Stephens' small-sample correction (Boost 1.74 has no
// kolmogorov_smirnov distribution).
KsResult ks_test(std::vector<double> x, const std::function<double(double)>& cdf) {
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double d = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = cdf(x[i]);
    d = std::max({d, f - i / n, (i + 1) / n - f});
  }
  const double sn = std::sqrt(n);
  return {d, logged(kolmogorov_q((sn + 0.12 + 0.11 / sn) * d), "(KS)")};
}

// Pearson chi-squared; cells with zero expectation must be empty (else p=0)
// and do not count towards the degrees of freedom.
double chi2_p(const std::vector<double>& observed, const std::vector<double>& expected) {
  double stat = 0.0;
  int cells = 0;
  for (std::size_t i = 0; i < observed.size(); ++i) {
    if (expected[i] <= 0.0) {
      if (observed[i] > 0.0) return logged(0.0, "(chi2: draw in a zero-probability cell)");
      continue;
    }
    const double r = observed[i] - expected[i];
    stat += r * r / expected[i];
    ++cells;
  }
  if (cells < 2) return logged(1.0, "(chi2: one cell)");
  return logged(bm::cdf(bm::complement(bm::chi_squared(cells - 1), stat)), "(chi2)");
}

// Sanity of the p-value machinery itself.
TEST(StatRngMachinery, KolmogorovTail) {
  EXPECT_NEAR(kolmogorov_q(1.0), 0.26999967, 1e-6);
  EXPECT_NEAR(kolmogorov_q(1.36), 0.0494, 1e-3);
  EXPECT_NEAR(kolmogorov_q(1.949), 0.001, 1e-4);
  EXPECT_NEAR(kolmogorov_q(0.5), 0.9639, 1e-3);
  // The two series agree where they meet.
  const double below = kolmogorov_q(std::nextafter(1.18, 0.0));
  EXPECT_NEAR(below, kolmogorov_q(1.18), 1e-9);
}

// ---------------------------------------------------------------------------
// Draw helpers.

template <class F>
std::vector<double> per_customer(rng::Purpose purpose, F&& draw, std::uint64_t seed = kSeed) {
  std::vector<double> v(kN);
  for (int i = 0; i < kN; ++i) {
    rng::Stream s(seed, purpose, static_cast<std::uint64_t>(i));
    v[i] = draw(s);
  }
  return v;
}

template <class F>
std::vector<double> one_stream(rng::Purpose purpose, F&& draw, std::uint64_t seed = kSeed) {
  std::vector<double> v(kN);
  rng::Stream s(seed, purpose, 12345, 7, 3);
  for (int i = 0; i < kN; ++i) v[i] = draw(s);
  return v;
}

template <class Dist>
std::function<double(double)> cdf_of(Dist d) {
  return [d](double x) { return bm::cdf(d, x); };
}

// ---------------------------------------------------------------------------
// Uniforms.

TEST(StatRngUniform, KsAcrossCustomersAndWithinStream) {
  const auto across = per_customer(rng::Purpose::step, [](rng::Stream& s) { return s.uniform(); });
  const auto within = one_stream(rng::Purpose::step, [](rng::Stream& s) { return s.uniform(); });
  const auto cdf = cdf_of(bm::uniform_distribution<>(0.0, 1.0));
  EXPECT_GT(ks_test(across, cdf).p, kAlpha);
  EXPECT_GT(ks_test(within, cdf).p, kAlpha);
}

TEST(StatRngUniform, Chi2OfLowBits) {
  // The low byte of next_u64 (bits that uniform() discards) is uniform too.
  std::vector<double> obs(256, 0.0), expect(256, kN / 256.0);
  rng::Stream s(kSeed, rng::Purpose::events, 1);
  for (int i = 0; i < kN; ++i) obs[s.next_u64() & 0xFF] += 1.0;
  EXPECT_GT(chi2_p(obs, expect), kAlpha);
}

// ---------------------------------------------------------------------------
// Discrete samplers: chi-squared goodness of fit.

std::vector<double> count_bernoulli(double p) {
  std::vector<double> obs(2, 0.0);
  for (int i = 0; i < kN; ++i) {
    rng::Stream s(kSeed, rng::Purpose::step, static_cast<std::uint64_t>(i));
    obs[rng::bernoulli(s, p) ? 1 : 0] += 1.0;
  }
  return obs;
}

TEST(StatRngDiscrete, Bernoulli) {
  for (double p : {0.3, 0.02, 0.9}) {
    const auto obs = count_bernoulli(p);
    EXPECT_GT(chi2_p(obs, {kN * (1 - p), kN * p}), kAlpha) << "p=" << p;
  }
  // Power: the same draws against p = 0.31 are rejected.
  const auto obs = count_bernoulli(0.3);
  EXPECT_LT(chi2_p(obs, {kN * 0.69, kN * 0.31}), kPower);
}

TEST(StatRngDiscrete, Categorical) {
  const std::vector<double> prob = {0.05, 0.25, 0.0, 0.4, 0.3};
  std::vector<double> cum(prob.size());
  double acc = 0.0;
  for (std::size_t i = 0; i < prob.size(); ++i) cum[i] = (acc += prob[i]);
  std::vector<double> obs(prob.size(), 0.0), expect(prob.size());
  for (int i = 0; i < kN; ++i) {
    rng::Stream s(kSeed, rng::Purpose::entry, static_cast<std::uint64_t>(i));
    obs[rng::categorical(s.uniform(), cum.data(), static_cast<int>(cum.size()))] += 1.0;
  }
  for (std::size_t i = 0; i < prob.size(); ++i) expect[i] = kN * prob[i];
  EXPECT_EQ(obs[2], 0.0);
  EXPECT_GT(chi2_p(obs, expect), kAlpha);
  // Power: swapping two probabilities is rejected.
  std::swap(expect[3], expect[4]);
  EXPECT_LT(chi2_p(obs, expect), kPower);
}

// NPS-like cut-points: baseline {detractors 0.30, passives 0.35,
// promoters 0.35} spread evenly over 0-6, 7-8, 9-10.
std::array<double, 10> nps_cutpoints() {
  std::array<double, 11> p{};
  for (int c = 0; c <= 6; ++c) p[c] = 0.30 / 7;
  for (int c = 7; c <= 8; ++c) p[c] = 0.35 / 2;
  for (int c = 9; c <= 10; ++c) p[c] = 0.35 / 2;
  std::array<double, 10> tau{};
  double acc = 0.0;
  for (int c = 0; c < 10; ++c) tau[c] = rng::logit(acc += p[c]);
  return tau;
}

// Exact P(score = c) = σ(τ_c − η) − σ(τ_{c−1} − η).
std::vector<double> ordered_logit_expected(const double* tau, int n_cut, double eta) {
  std::vector<double> e(n_cut + 1);
  double prev = 0.0;
  for (int c = 0; c <= n_cut; ++c) {
    const double cdf = (c < n_cut) ? rng::sigmoid(tau[c] - eta) : 1.0;
    e[c] = kN * (cdf - prev);
    prev = cdf;
  }
  return e;
}

std::vector<double> ordered_logit_counts(const double* tau, int n_cut, double eta) {
  std::vector<double> obs(n_cut + 1, 0.0);
  for (int i = 0; i < kN; ++i) {
    rng::Stream s(kSeed, rng::Purpose::entry, static_cast<std::uint64_t>(i));
    obs[rng::ordered_logit(s.uniform(), tau, n_cut, eta)] += 1.0;
  }
  return obs;
}

TEST(StatRngDiscrete, OrderedLogitElevenCategories) {
  const auto tau = nps_cutpoints();
  for (double eta : {0.0, 1.3}) {
    const auto obs = ordered_logit_counts(tau.data(), 10, eta);
    EXPECT_GT(chi2_p(obs, ordered_logit_expected(tau.data(), 10, eta)), kAlpha) << "eta=" << eta;
  }
  // Power: draws at η = 1.3 tested against the probabilities at η = 1.4.
  const auto obs = ordered_logit_counts(tau.data(), 10, 1.3);
  EXPECT_LT(chi2_p(obs, ordered_logit_expected(tau.data(), 10, 1.4)), kPower);
}

TEST(StatRngDiscrete, OrderedLogitInfiniteCutpoints) {
  // Scores 0 and 10 have zero probability; chi2_p also fails if either
  // is ever drawn.
  auto tau = nps_cutpoints();
  tau[0] = -std::numeric_limits<double>::infinity();
  tau[9] = std::numeric_limits<double>::infinity();
  for (double eta : {0.0, 1.3}) {
    const auto obs = ordered_logit_counts(tau.data(), 10, eta);
    EXPECT_EQ(obs[0], 0.0);
    EXPECT_EQ(obs[10], 0.0);
    EXPECT_GT(chi2_p(obs, ordered_logit_expected(tau.data(), 10, eta)), kAlpha) << "eta=" << eta;
  }
}

// Binomial: chi-squared over the support, tails pooled into cells with an
// expectation of at least 20 draws. Covers inversion (floor((n+1)q) < 11),
// BTRD (>= 11) and the reflection for p > 1/2.
struct BinomialCells {
  std::vector<std::int64_t> lo;  // cell j holds k in [lo[j], lo[j+1])
  std::vector<double> expected;
};

BinomialCells binomial_cells(std::int64_t n, double p) {
  const bm::binomial_distribution<> d(static_cast<double>(n), p);
  const double mean = static_cast<double>(n) * p, sd = std::sqrt(mean * (1.0 - p));
  const auto first = static_cast<std::int64_t>(std::max(0.0, std::floor(mean - 12.0 * sd)));
  const auto last = static_cast<std::int64_t>(std::min(static_cast<double>(n), std::ceil(mean + 12.0 * sd)));
  auto upper_tail = [&](std::int64_t k) {  // P(X > k)
    return k < 0 ? 1.0 : bm::cdf(bm::complement(d, static_cast<double>(k)));
  };
  BinomialCells c;
  double acc = 1.0 - upper_tail(first - 1);  // P(X < first)
  std::int64_t start = 0;
  for (std::int64_t k = first; k <= last; ++k) {
    acc += bm::pdf(d, static_cast<double>(k));
    if (kN * acc >= 20.0 && kN * upper_tail(k) >= 20.0) {
      c.lo.push_back(start);
      c.expected.push_back(kN * acc);
      acc = 0.0;
      start = k + 1;
    }
  }
  c.lo.push_back(start);
  c.expected.push_back(kN * upper_tail(start - 1));
  c.lo.push_back(n + 1);
  return c;
}

std::vector<double> binomial_counts(const BinomialCells& c, std::int64_t n, double p, bool* in_range) {
  std::vector<double> obs(c.expected.size(), 0.0);
  *in_range = true;
  for (int i = 0; i < kN; ++i) {
    rng::Stream s(kSeed, rng::Purpose::holdout, static_cast<std::uint64_t>(i));
    const std::int64_t k = rng::binomial(s, n, p);
    if (k < 0 || k > n) {
      *in_range = false;
      continue;
    }
    const auto j = std::upper_bound(c.lo.begin(), c.lo.end(), k) - c.lo.begin() - 1;
    obs[static_cast<std::size_t>(j)] += 1.0;
  }
  return obs;
}

TEST(StatRngDiscrete, Binomial) {
  const std::pair<std::int64_t, double> cases[] = {
      {1, 0.3},         {10, 0.3}, {30, 0.7},  {1000, 0.005},  // inversion (direct and reflected)
      {21, 0.5},        {50, 0.4}, {200, 0.9}, {17'000, 0.2},  // BTRD (direct and reflected)
      {5'000'000, 0.01}};
  for (const auto& [n, p] : cases) {
    const auto cells = binomial_cells(n, p);
    bool in_range = false;
    const auto obs = binomial_counts(cells, n, p, &in_range);
    EXPECT_TRUE(in_range) << "n=" << n << " p=" << p;
    EXPECT_GT(chi2_p(obs, cells.expected), kAlpha) << "n=" << n << " p=" << p;
  }
  // Power: draws at p = 0.40 against the cells of p = 0.41 (BTRD), and at
  // p = 0.3 against p = 0.31 (inversion).
  for (const auto& [n, p, wrong] : {std::tuple<std::int64_t, double, double>{50, 0.40, 0.41}, {10, 0.3, 0.31}}) {
    const auto cells = binomial_cells(n, wrong);
    bool in_range = false;
    const auto obs = binomial_counts(cells, n, p, &in_range);
    EXPECT_LT(chi2_p(obs, cells.expected), kPower) << "n=" << n << " p=" << p;
  }
}

// ---------------------------------------------------------------------------
// Continuous samplers: Kolmogorov–Smirnov against Boost CDFs.

TEST(StatRngContinuous, Normal) {
  const auto x = per_customer(rng::Purpose::satisfaction0, [](rng::Stream& s) { return rng::normal(s, 2.0, 3.0); });
  EXPECT_GT(ks_test(x, cdf_of(bm::normal_distribution<>(2.0, 3.0))).p, kAlpha);
  // Power: sd 5% too large.
  EXPECT_LT(ks_test(x, cdf_of(bm::normal_distribution<>(2.0, 3.15))).p, kPower);

  const auto y = one_stream(rng::Purpose::satisfaction0, [](rng::Stream& s) { return rng::standard_normal(s); });
  EXPECT_GT(ks_test(y, cdf_of(bm::normal_distribution<>(0.0, 1.0))).p, kAlpha);
}

// The ziggurat in depth: 2,000,000 normals from one stream, so that errors
// confined to a few of its 256 layers, its wedges or its tail would show.
TEST(StatRngContinuous, NormalZigguratFine) {
  constexpr int n = 2'000'000;
  std::vector<double> x(n);
  rng::Stream s(kSeed, rng::Purpose::satisfaction0, 99, 1, 2);
  for (auto& v : x) v = rng::standard_normal(s);
  const bm::normal_distribution<> nd(0.0, 1.0);
  // 1000 equiprobable cells.
  std::vector<double> obs(1000, 0.0), expect(1000, n / 1000.0);
  for (double v : x) obs[std::min(999, static_cast<int>(bm::cdf(nd, v) * 1000))] += 1.0;
  EXPECT_GT(chi2_p(obs, expect), kAlpha);
  EXPECT_GT(ks_test(x, cdf_of(nd)).p, kAlpha);
  // Power: sd 1% too large.
  EXPECT_LT(ks_test(x, cdf_of(bm::normal_distribution<>(0.0, 1.01))).p, kPower);
  // Symmetry: as many negatives as positives.
  const double neg = static_cast<double>(std::count_if(x.begin(), x.end(), [](double v) { return v < 0; }));
  EXPECT_GT(chi2_p({neg, n - neg}, {n / 2.0, n / 2.0}), kAlpha);
}

TEST(StatRngContinuous, NormalZigguratTail) {
  // |z| beyond the base strip's edge R comes from the tail algorithm:
  // given |z| > R, P(|z| <= t) = 1 - Q(t)/Q(R). 40 million draws give
  // about 10,500 tail values.
  const double r = rng::detail::kZigR;
  const bm::normal_distribution<> nd(0.0, 1.0);
  const double q_r = bm::cdf(bm::complement(nd, r));
  std::vector<double> tail;
  rng::Stream s(kSeed, rng::Purpose::satisfaction0, 7, 3, 1);
  constexpr int n = 40'000'000;
  for (int i = 0; i < n; ++i) {
    const double z = rng::standard_normal(s);
    if (std::fabs(z) > r) tail.push_back(std::fabs(z));
  }
  // The count matches 2 Q(R) n (binomial, two cells).
  const double k = static_cast<double>(tail.size());
  EXPECT_GT(chi2_p({k, n - k}, {2 * q_r * n, (1 - 2 * q_r) * n}), kAlpha);
  const auto tail_cdf = [&](double t) { return 1.0 - bm::cdf(bm::complement(nd, t)) / q_r; };
  EXPECT_GT(ks_test(tail, tail_cdf).p, kAlpha);
  // Power: the tail of a normal with sd 1.05 instead.
  const bm::normal_distribution<> wide(0.0, 1.05);
  const double qw = bm::cdf(bm::complement(wide, r));
  EXPECT_LT(ks_test(tail, [&](double t) { return 1.0 - bm::cdf(bm::complement(wide, t)) / qw; }).p, kPower);
}

TEST(StatRngContinuous, NormalPairBothHalves) {
  std::vector<double> first(kN), second(kN);
  for (int i = 0; i < kN; ++i) {
    rng::Stream s(kSeed, rng::Purpose::replication, static_cast<std::uint64_t>(i));
    const auto p = rng::standard_normal_pair(s);
    first[i] = p.first;
    second[i] = p.second;
  }
  const auto cdf = cdf_of(bm::normal_distribution<>(0.0, 1.0));
  EXPECT_GT(ks_test(first, cdf).p, kAlpha);
  EXPECT_GT(ks_test(second, cdf).p, kAlpha);
  // The halves are independent: 10x10 grid of their normal CDFs.
  std::vector<double> obs(100, 0.0), expect(100, kN / 100.0);
  for (int i = 0; i < kN; ++i) {
    const int a = std::min(9, static_cast<int>(cdf(first[i]) * 10));
    const int b = std::min(9, static_cast<int>(cdf(second[i]) * 10));
    obs[a * 10 + b] += 1.0;
  }
  EXPECT_GT(chi2_p(obs, expect), kAlpha);
}

TEST(StatRngContinuous, Exponential) {
  const auto x = per_customer(rng::Purpose::step, [](rng::Stream& s) { return rng::exponential(s, 4.0); });
  EXPECT_GT(ks_test(x, cdf_of(bm::exponential_distribution<>(1.0 / 4.0))).p, kAlpha);
  EXPECT_LT(ks_test(x, cdf_of(bm::exponential_distribution<>(1.0 / 4.2))).p, kPower);
}

TEST(StatRngContinuous, Lognormal) {
  const auto par = rng::lognormal_from_median_p90(5.0, 12.0);
  const auto x = per_customer(rng::Purpose::step, [&](rng::Stream& s) { return rng::lognormal(s, par); });
  EXPECT_GT(ks_test(x, cdf_of(bm::lognormal_distribution<>(par.mu, par.sigma))).p, kAlpha);
  // Check the helper's meaning directly: median 5, 90th percentile 12.
  const bm::lognormal_distribution<> d(par.mu, par.sigma);
  EXPECT_NEAR(bm::quantile(d, 0.5), 5.0, 1e-9);
  EXPECT_NEAR(bm::quantile(d, 0.9), 12.0, 1e-9);
}

struct GammaCase {
  double shape, scale;
};

class StatRngGamma : public ::testing::TestWithParam<GammaCase> {};

TEST_P(StatRngGamma, Ks) {
  const double shape = GetParam().shape, scale = GetParam().scale;
  const auto x = per_customer(rng::Purpose::step, [&](rng::Stream& s) { return rng::gamma(s, shape, scale); });
  EXPECT_GT(ks_test(x, cdf_of(bm::gamma_distribution<>(shape, scale))).p, kAlpha);
  const auto y = one_stream(rng::Purpose::step, [&](rng::Stream& s) { return rng::gamma(s, shape, scale); });
  EXPECT_GT(ks_test(y, cdf_of(bm::gamma_distribution<>(shape, scale))).p, kAlpha);
  // Power: shape 5% off.
  EXPECT_LT(ks_test(x, cdf_of(bm::gamma_distribution<>(shape * 1.05, scale))).p, kPower);
}

INSTANTIATE_TEST_SUITE_P(Shapes, StatRngGamma,
                         ::testing::Values(GammaCase{0.5, 2.0}, GammaCase{1.0, 2.0}, GammaCase{4.2, 2.0},
                                           GammaCase{0.05, 1.0}, GammaCase{30.0, 0.1}));

TEST(StatRngContinuous, GammaFromMeanSd) {
  const auto par = rng::gamma_from_mean_sd(6.0, 4.0);
  const auto x = per_customer(rng::Purpose::step, [&](rng::Stream& s) { return rng::gamma(s, par); });
  const bm::gamma_distribution<> d(par.shape, par.scale);
  EXPECT_NEAR(bm::mean(d), 6.0, 1e-12);
  EXPECT_NEAR(bm::standard_deviation(d), 4.0, 1e-12);
  EXPECT_GT(ks_test(x, cdf_of(d)).p, kAlpha);
}

struct BetaCase {
  double a, b;
};

class StatRngBeta : public ::testing::TestWithParam<BetaCase> {};

TEST_P(StatRngBeta, Ks) {
  const double a = GetParam().a, b = GetParam().b;
  const auto x = per_customer(rng::Purpose::churn_propensity, [&](rng::Stream& s) { return rng::beta(s, a, b); });
  EXPECT_GT(ks_test(x, cdf_of(bm::beta_distribution<>(a, b))).p, kAlpha);
  // Power: b 5% off.
  EXPECT_LT(ks_test(x, cdf_of(bm::beta_distribution<>(a, b * 1.05))).p, kPower);
}

INSTANTIATE_TEST_SUITE_P(Shapes, StatRngBeta,
                         ::testing::Values(BetaCase{0.7, 1.2}, BetaCase{2.0, 5.0}, BetaCase{0.3, 0.3}));

// ---------------------------------------------------------------------------
// Independence across streams: pairs of uniforms from two related streams,
// binned into a 10x10 grid, chi-squared with 99 degrees of freedom.

double grid_p(const std::function<std::pair<double, double>(int)>& pair_of) {
  std::vector<double> obs(100, 0.0), expect(100, kN / 100.0);
  for (int i = 0; i < kN; ++i) {
    const auto [a, b] = pair_of(i);
    obs[static_cast<int>(a * 10) * 10 + static_cast<int>(b * 10)] += 1.0;
  }
  return chi2_p(obs, expect);
}

using rng::Purpose;
using rng::Stream;

TEST(StatRngIndependence, NeighbouringCustomers) {
  EXPECT_GT(grid_p([](int i) {
              const auto c = static_cast<std::uint64_t>(i);
              return std::pair{Stream(kSeed, Purpose::step, 2 * c).uniform(),
                               Stream(kSeed, Purpose::step, 2 * c + 1).uniform()};
            }),
            kAlpha);
}

TEST(StatRngIndependence, SameCustomerOtherField) {
  const auto c = [](int i) { return static_cast<std::uint64_t>(i); };
  EXPECT_GT(
      grid_p([&](int i) {  // purpose
        return std::pair{Stream(kSeed, Purpose::step, c(i)).uniform(), Stream(kSeed, Purpose::entry, c(i)).uniform()};
      }),
      kAlpha);
  EXPECT_GT(grid_p([&](int i) {  // step
              return std::pair{Stream(kSeed, Purpose::step, c(i), 0, 0).uniform(),
                               Stream(kSeed, Purpose::step, c(i), 0, 1).uniform()};
            }),
            kAlpha);
  EXPECT_GT(grid_p([&](int i) {  // period
              return std::pair{Stream(kSeed, Purpose::step, c(i), 0, 0).uniform(),
                               Stream(kSeed, Purpose::step, c(i), 1, 0).uniform()};
            }),
            kAlpha);
  EXPECT_GT(grid_p([&](int i) {  // seed
              return std::pair{Stream(kSeed, Purpose::step, c(i)).uniform(),
                               Stream(kSeed + 1, Purpose::step, c(i)).uniform()};
            }),
            kAlpha);
}

TEST(StatRngIndependence, SuccessiveDrawsOfOneStream) {
  // Draws 1-2 share a Philox block; draws 2-3 straddle two blocks.
  EXPECT_GT(grid_p([](int i) {
              Stream s(kSeed, Purpose::step, static_cast<std::uint64_t>(i));
              const double a = s.uniform();
              return std::pair{a, s.uniform()};
            }),
            kAlpha);
  EXPECT_GT(grid_p([](int i) {
              Stream s(kSeed, Purpose::step, static_cast<std::uint64_t>(i));
              s.uniform();
              const double a = s.uniform();
              return std::pair{a, s.uniform()};
            }),
            kAlpha);
}

TEST(StatRngIndependence, HasPower) {
  // A weakly dependent pair (b = a shifted by a little noise, mod 1) is
  // rejected.
  EXPECT_LT(grid_p([](int i) {
              Stream s(kSeed, Purpose::step, static_cast<std::uint64_t>(i));
              const double a = s.uniform();
              double b = a + 0.3 * s.uniform();
              if (b >= 1.0) b -= 1.0;
              return std::pair{a, b};
            }),
            kPower);
}

}  // namespace
