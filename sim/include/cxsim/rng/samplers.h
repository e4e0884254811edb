#pragma once
// Portable samplers. Each is a fixed algorithm written out here, so a given
// stream gives the same variates with any standard library (the std::
// *_distribution classes are implementation-defined and differ between
// libstdc++, libc++ and MSVC). Results are bit-identical wherever the C
// library's log/exp/sqrt/cos/sin/pow give identical results (glibc does
// across x86-64 builds); uniforms and the discrete samplers are exact.
// Algorithms and references: docs/methods/rng.md.
//
// Every sampler takes any generator `g` with `double g.uniform()` returning
// a value in the open interval (0,1), normally a cxsim::rng::Stream.
// Draws consumed per call (what a common-random-numbers comparison lines up):
//   bernoulli 1, exponential 1, standard_normal/normal/lognormal >= 1
//   (ziggurat: exactly 1 in ~98.5% of draws), standard_normal_pair 2,
//   gamma >= 2 (rejection; >= 3 when shape < 1), beta = two gammas,
//   binomial >= 1 (inversion exactly 1; BTRD rejection ~1.2).
//   categorical/ordered_logit take the uniform as input.
//
// Preconditions are the caller's (the model is validated when compiled);
// the hot paths neither check nor throw. gamma and beta return NaN for a
// non-positive or NaN shape/scale rather than loop.
#include <bit>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>

namespace cxsim::rng {

template <class G>
concept UniformGenerator = requires(G& g) {
  { g.uniform() } -> std::convertible_to<double>;
};

inline constexpr double kTwoPi = 6.283185307179586476925286766559;
// Standard normal 0.9 quantile.
inline constexpr double kNormalQuantile90 = 1.2815515655446004;

// σ(x) = 1/(1+e^-x) and logit(p) = ln(p/(1-p)).
inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double logit(double p) { return std::log(p / (1.0 - p)); }

// ---------------------------------------------------------------------------
// Continuous and Bernoulli samplers.

// true with probability p (u < p): p <= 0 never, p >= 1 always.
template <UniformGenerator G>
inline bool bernoulli(G& g, double p) {
  return g.uniform() < p;
}

// Exponential with the given mean (inversion: -mean * ln u).
template <UniformGenerator G>
inline double exponential(G& g, double mean) {
  return -mean * std::log(g.uniform());
}

struct NormalPair {
  double first;
  double second;
};

// Box–Muller (1958): u1, u2 -> r cos(2π u2), r sin(2π u2), r = sqrt(-2 ln u1).
// Always exactly two uniforms, so draws stay aligned across variants.
template <UniformGenerator G>
inline NormalPair standard_normal_pair(G& g) {
  const double u1 = g.uniform();
  const double u2 = g.uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double t = kTwoPi * u2;
  return {r * std::cos(t), r * std::sin(t)};
}

namespace detail {
// Ziggurat tables (256 layers) for the standard normal; see standard_normal.
// Exact constants written out in sampler_tables.cpp (computed once with 60-digit
// arithmetic, docs/methods/rng.md), so they do not depend on the C library.
inline constexpr int kZigLayers = 256;
inline constexpr int kZigValueBits = 43;  // bits of the in-layer position
// Right edge of the base strip: the tail starts at R.
inline constexpr double kZigR = 0x1.d3bb48209ad33p+1;     // 3.6541528853610088
inline constexpr double kZigInvR = 0x1.183aa6c20e8c1p-2;  // 1/R
// Layer i spans [0, x_i] horizontally. kZigK[i] = floor(2^43 x_{i+1}/x_i)
// (a 43-bit position j below it lies in the layer's inner rectangle),
// kZigW[i] = x_i / 2^43, kZigF[i] = exp(-x_{i+1}^2/2) (kZigF[255] = 1).
extern const std::uint64_t kZigK[kZigLayers];
extern const double kZigW[kZigLayers];
extern const double kZigF[kZigLayers];

inline double with_sign(double x, std::uint64_t sign_bit) {
  return std::bit_cast<double>(std::bit_cast<std::uint64_t>(x) ^ (sign_bit << 63));
}

// The 52 random bits k of an open uniform u = (2k+1)/2^53: u * 2^52 is
// exactly k + 1/2, so the truncation is exact.
inline std::uint64_t open01_bits(double u) { return static_cast<std::uint64_t>(u * 0x1.0p52); }

// The rare paths of the ziggurat (about 1.5% of draws): the wedge test of
// layer i >= 1 at the position j, the tail of layer 0, and redraws after a
// rejection. Returns the variate.
template <UniformGenerator G>
double standard_normal_slow(G& g, std::uint64_t k) {
  for (;;) {
    const auto i = static_cast<unsigned>(k & 0xFF);
    const std::uint64_t sign = (k >> 8) & 1;
    const std::uint64_t j = k >> 9;
    if (j < kZigK[i]) return with_sign(static_cast<double>(static_cast<std::int64_t>(j)) * kZigW[i], sign);
    if (i == 0) {
      // Tail beyond R (Marsaglia 1964): x = -ln(U1)/R, y = -ln(U2),
      // accept when 2y > x^2; the variate is R + x. Always >= 2 uniforms.
      double x, y;
      do {
        x = -std::log(g.uniform()) * kZigInvR;
        y = -std::log(g.uniform());
      } while (y + y <= x * x);
      return with_sign(kZigR + x, sign);
    }
    // Wedge: the point (x, y) is uniform in the layer's box above the
    // inner rectangle; accept when it is under the curve exp(-x^2/2).
    const double x = static_cast<double>(static_cast<std::int64_t>(j)) * kZigW[i];
    const double f_lo = kZigF[i - 1];  // exp(-x_i^2/2), the box's bottom
    const double y = f_lo + g.uniform() * (kZigF[i] - f_lo);
    if (y < std::exp(-0.5 * x * x)) return with_sign(x, sign);
    k = open01_bits(g.uniform());
  }
}
}  // namespace detail

// Standard normal by the ziggurat method (Marsaglia & Tsang 2000, "The
// ziggurat method for generating random variables", J. Stat. Softw. 5(8)),
// 256 layers, with independent bits for the layer, the sign and the
// position, and Marsaglia's (1964) exact tail. One uniform u gives 52 bits:
// bits 0-7 the layer, bit 8 the sign, bits 9-51 the position. In about
// 98.5% of draws that is all (one multiply); otherwise the wedge test or
// the tail take more uniforms (see detail::standard_normal_slow), so the
// number of uniforms is variable (>= 1): put a normal alone or last in its
// stream when draws must line up across variants.
template <UniformGenerator G>
inline double standard_normal(G& g) {
  // With a raw 64-bit source the 52 bits are the draw's top bits directly:
  // the same k as open01_bits(u64_to_open01(x)), without the round trip.
  std::uint64_t k;
  if constexpr (requires {
                  { g.next_u64() } -> std::convertible_to<std::uint64_t>;
                })
    k = g.next_u64() >> 12;
  else k = detail::open01_bits(g.uniform());
  const auto i = static_cast<unsigned>(k & 0xFF);
  const std::uint64_t j = k >> 9;
  if (j < detail::kZigK[i]) [[likely]]
    return detail::with_sign(static_cast<double>(static_cast<std::int64_t>(j)) * detail::kZigW[i], (k >> 8) & 1);
  return detail::standard_normal_slow(g, k);
}

template <UniformGenerator G>
inline double normal(G& g, double mean, double sd) {
  return mean + sd * standard_normal(g);
}

// exp(N(mu, sigma^2)): mu, sigma are the log-scale parameters.
template <UniformGenerator G>
inline double lognormal(G& g, double mu, double sigma) {
  return std::exp(mu + sigma * standard_normal(g));
}

namespace detail {
// Marsaglia & Tsang (2000), unit scale, shape a >= 1.
template <UniformGenerator G>
inline double gamma_marsaglia_tsang(G& g, double a) {
  const double d = a - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x;
    double v;
    do {
      x = standard_normal(g);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = g.uniform();
    const double x2 = x * x;
    if (u < 1.0 - 0.0331 * x2 * x2) return d * v;
    if (std::log(u) < 0.5 * x2 + d * (1.0 - v + std::log(v))) return d * v;
  }
}

// ln of a Gamma(a, 1) variate, any a > 0. For a < 1 works in logs, so tiny
// shapes do not underflow to 0 (used by beta).
template <UniformGenerator G>
inline double log_gamma_variate(G& g, double a) {
  if (a >= 1.0) return std::log(gamma_marsaglia_tsang(g, a));
  const double x = gamma_marsaglia_tsang(g, a + 1.0);
  return std::log(x) + std::log(g.uniform()) / a;
}
}  // namespace detail

// Gamma(shape, scale), mean shape*scale. Marsaglia–Tsang for shape >= 1;
// for shape < 1 the boost Gamma(shape+1) * U^(1/shape) (the Gamma(shape+1)
// draws come first, then U). NaN if shape or scale is not > 0.
template <UniformGenerator G>
inline double gamma(G& g, double shape, double scale) {
  if (!(shape > 0.0) || !(scale > 0.0)) [[unlikely]]
    return std::numeric_limits<double>::quiet_NaN();
  if (shape >= 1.0) return scale * detail::gamma_marsaglia_tsang(g, shape);
  const double x = detail::gamma_marsaglia_tsang(g, shape + 1.0);
  return scale * x * std::pow(g.uniform(), 1.0 / shape);
}

// Beta(a, b) = X/(X+Y), X ~ Gamma(a,1) then Y ~ Gamma(b,1), computed as
// 1/(1+exp(lnY-lnX)). May return exactly 0 or 1 when a or b is tiny.
// NaN if a or b is not > 0.
template <UniformGenerator G>
inline double beta(G& g, double a, double b) {
  if (!(a > 0.0) || !(b > 0.0)) [[unlikely]]
    return std::numeric_limits<double>::quiet_NaN();
  const double lx = detail::log_gamma_variate(g, a);
  const double ly = detail::log_gamma_variate(g, b);
  return 1.0 / (1.0 + std::exp(ly - lx));
}

// ---------------------------------------------------------------------------
// Binomial(n, p): the number of successes in n Bernoulli(p) trials. Exact:
// with q = min(p, 1-p) (the result reflected as n - k when p > 1/2) and
// m = floor((n+1) q), inversion (sequential search from 0 with the pmf
// recurrence, 1 uniform) when m < 11, else Hörmann's BTRD (transformed
// rejection with decomposition, "The generation of binomial random
// variates", J. Stat. Comput. Simul. 46, 1993; the algorithm of
// boost::random::binomial_distribution), >= 1 uniforms, ~1.2 on average.
// n <= 0 or p <= 0 gives 0, p >= 1 gives n; NaN p gives 0.

namespace detail {
// ln k! - [(k + 1/2) ln(k + 1) - (k + 1) + ln(2 pi)/2]: the Stirling
// correction of BTRD (exact values below 10, the series above).
inline double binomial_fc(std::int64_t k) {
  static constexpr double kTable[10] = {
      0.08106146679532726, 0.04134069595540929, 0.02767792568499834, 0.02079067210376509,  0.01664469118982119,
      0.01387612882307075, 0.01189670994589177, 0.01041126526197209, 0.009255462182712733, 0.008330563433362871};
  if (k < 10) return kTable[k];
  const double r = 1.0 / static_cast<double>(k + 1), r2 = r * r;
  return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260) * r2) * r2) * r;
}

// Inversion for p <= 1/2: the first x with u <= F(x). f(x+1) = f(x) (n-x)/(x+1) p/q.
template <UniformGenerator G>
std::int64_t binomial_inversion(G& g, std::int64_t n, double p) {
  const double q = 1.0 - p, s = p / q, a = static_cast<double>(n + 1) * s;
  double r = std::pow(q, static_cast<double>(n));
  double u = g.uniform();
  std::int64_t x = 0;
  while (u > r && x < n) {
    u -= r;
    ++x;
    r *= a / static_cast<double>(x) - s;
  }
  return x;
}

// BTRD for p <= 1/2 and m = floor((n+1) p) >= 11 (Hörmann 1993, steps 0-3).
template <UniformGenerator G>
std::int64_t binomial_btrd(G& g, std::int64_t n, double p) {
  const auto m = static_cast<std::int64_t>(static_cast<double>(n + 1) * p);
  const double nd = static_cast<double>(n);
  const double r = p / (1.0 - p), nr = (nd + 1.0) * r, npq = nd * p * (1.0 - p);
  const double sqrt_npq = std::sqrt(npq);
  const double b = 1.15 + 2.53 * sqrt_npq, a = -0.0873 + 0.0248 * b + 0.01 * p, c = nd * p + 0.5;
  const double alpha = (2.83 + 5.1 / b) * sqrt_npq, v_r = 0.92 - 4.2 / b, u_rv_r = 0.86 * v_r;
  for (;;) {
    double v = g.uniform(), u;
    if (v <= u_rv_r) {  // the triangle-free centre: accept at once
      u = v / v_r - 0.43;
      return static_cast<std::int64_t>(std::floor((2 * a / (0.5 - std::fabs(u)) + b) * u + c));
    }
    if (v >= v_r) {
      u = g.uniform() - 0.5;
    } else {
      u = v / v_r - 0.93;
      u = (u < 0 ? -0.5 : 0.5) - u;
      v = g.uniform() * v_r;
    }
    const double us = 0.5 - std::fabs(u);
    const double kd = std::floor((2 * a / us + b) * u + c);
    if (kd < 0 || kd > nd) continue;
    const auto k = static_cast<std::int64_t>(kd);
    v = v * alpha / (a / (us * us) + b);
    const double km = std::fabs(kd - static_cast<double>(m));
    if (km <= 15) {  // recursive evaluation of f(k)/f(m)
      double f = 1.0;
      if (m < k) {
        for (std::int64_t i = m + 1; i <= k; ++i) f *= nr / static_cast<double>(i) - r;
      } else if (m > k) {
        for (std::int64_t i = k + 1; i <= m; ++i) v *= nr / static_cast<double>(i) - r;
      }
      if (v <= f) return k;
      continue;
    }
    // Squeeze, then the final test with Stirling's formula.
    v = std::log(v);
    const double rho = (km / npq) * (((km / 3.0 + 0.625) * km + 1.0 / 6) / npq + 0.5);
    const double t = -km * km / (2 * npq);
    if (v < t - rho) return k;
    if (v > t + rho) continue;
    const double nm = static_cast<double>(n - m + 1);
    const double h = (static_cast<double>(m) + 0.5) * std::log((static_cast<double>(m) + 1) / (r * nm)) +
                     binomial_fc(m) + binomial_fc(n - m);
    const double nk = static_cast<double>(n - k + 1);
    if (v <= h + (nd + 1) * std::log(nm / nk) + (kd + 0.5) * std::log(nk * r / (kd + 1)) - binomial_fc(k) -
                 binomial_fc(n - k))
      return k;
  }
}
}  // namespace detail

template <UniformGenerator G>
inline std::int64_t binomial(G& g, std::int64_t n, double p) {
  if (n <= 0 || !(p > 0.0)) return 0;
  if (p >= 1.0) return n;
  const bool flip = p > 0.5;
  const double q = flip ? 1.0 - p : p;
  const bool small = static_cast<double>(n + 1) * q < 11.0;
  const std::int64_t k = small ? detail::binomial_inversion(g, n, q) : detail::binomial_btrd(g, n, q);
  return flip ? n - k : k;
}

// ---------------------------------------------------------------------------
// Parameter helpers (model-compile time, not hot). Throw
// cxsim::core::InputError on invalid arguments; the model validator should
// have reported them with a file location first.

struct LognormalParams {
  double mu;     // ln(median)
  double sigma;  // ln(p90/median) / z_0.9
};
// Requires 0 < median < p90, both finite.
LognormalParams lognormal_from_median_p90(double median, double p90);

struct GammaParams {
  double shape;  // (mean/sd)^2
  double scale;  // sd^2/mean
};
// Requires mean > 0, sd > 0, both finite.
GammaParams gamma_from_mean_sd(double mean, double sd);

template <UniformGenerator G>
inline double lognormal(G& g, const LognormalParams& p) {
  return lognormal(g, p.mu, p.sigma);
}
template <UniformGenerator G>
inline double gamma(G& g, const GammaParams& p) {
  return gamma(g, p.shape, p.scale);
}

// ---------------------------------------------------------------------------
// Discrete samplers on a given uniform u (draw it with g.uniform()).

// First i in [0, n-1) with u < cumulative[i]; n-1 otherwise (the last
// category catches rounding in the cumulative sums). Requires n >= 1 and a
// non-decreasing cumulative array; cumulative[n-1] is never read.
// Branch-free: the number of i < n-1 with u >= cumulative[i] is that first
// index, because the cumulative probabilities are non-decreasing (no
// data-dependent branch to mispredict; the answer is identical).
inline int categorical(double u, const double* cumulative, int n) noexcept {
  int index = 0;
  for (int i = 0; i < n - 1; ++i) index += u >= cumulative[i];
  return index;
}

// categorical for at most four categories without a loop: c4 holds the
// first n-1 cumulative probabilities followed by values > 1 (e.g. 2.0) up to
// four. Same index as categorical(u, cumulative, n).
inline int categorical4(double u, const double* c4) noexcept { return (u >= c4[0]) + (u >= c4[1]) + (u >= c4[2]); }

namespace detail {
// logit(m/1024) for m = 0..1024 (±infinity at the ends), exact constants
// rounded once to binary64 (sampler_tables.cpp). For u in [m/1024, (m+1)/1024]
// logit(u) lies between entries m and m+1, which decides most comparisons
// of logit(u) with a threshold without calling log (see logit_below).
inline constexpr int kLogitGridCells = 1024;
extern const double kLogitGrid[kLogitGridCells + 1];
// Widening of a grid bracket: far more than the error of logit(u) computed
// as std::log(u/(1-u)) (a few ulps, |logit| < 7 inside the used cells) and
// of adding eta (relative 2^-53, hence the |eta| term).
inline constexpr double kLogitSlack = 1e-9;
}  // namespace detail

// logit(u) < a, i.e. u < σ(a), with logit(u) = std::log(u/(1-u)) as in
// logit(): the result is always exactly that comparison. The bracket
// logit(m/1024) <= logit(u) <= logit((m+1)/1024) decides it without a log
// unless a falls within the bracket (about one draw in a thousand) or u is
// in the first or last cell. u in (0,1); a may be ±infinity (always false
// for -inf, always true for +inf); NaN a gives false.
inline bool logit_below(double u, double a) noexcept {
  const auto m = static_cast<unsigned>(u * detail::kLogitGridCells);
  if (m - 1u < static_cast<unsigned>(detail::kLogitGridCells - 2)) [[likely]] {
    if (detail::kLogitGrid[m + 1] + detail::kLogitSlack < a) return true;
    if (detail::kLogitGrid[m] - detail::kLogitSlack >= a) return false;
  }
  return logit(u) < a;
}

// Ordered logit with cut-points tau[0..n_cut) (non-decreasing, ±infinity
// allowed) and linear predictor eta: P(score <= c) = σ(tau_c − eta).
// Returns the score in 0..n_cut: the first c with tau_c >= logit(u) + eta,
// n_cut if none (equivalently the smallest c with u <= σ(tau_c − eta)).
// tau_0 = -inf gives score 0 zero probability; tau_{n_cut-1} = +inf gives
// score n_cut zero probability.
//
// Exactly the score of ordered_logit_exact (z = std::log(u/(1-u)) + eta),
// but the log is only computed when the grid bracket of logit(u) (see
// logit_below), shifted by eta, contains a cut-point: about n_cut draws in
// 1024, plus the first and last cells.
inline int ordered_logit_exact(double u, const double* cutpoints, int n_cut, double eta) noexcept {
  const double z = logit(u) + eta;
  for (int c = 0; c < n_cut; ++c)
    if (cutpoints[c] >= z) return c;
  return n_cut;
}

namespace detail {
// The widened grid bracket [lo, hi] of logit(u) + eta (see logit_below);
// false in the first and last cells, where only the exact formula decides.
inline bool latent_bracket(double u, double eta, double& lo, double& hi) noexcept {
  const auto m = static_cast<unsigned>(u * kLogitGridCells);
  if (m - 1u >= static_cast<unsigned>(kLogitGridCells - 2)) [[unlikely]]
    return false;
  const double slack = kLogitSlack * (1.0 + std::fabs(eta));
  lo = (kLogitGrid[m] + eta) - slack;
  hi = (kLogitGrid[m + 1] + eta) + slack;
  return true;
}
}  // namespace detail

inline int ordered_logit(double u, const double* cutpoints, int n_cut, double eta) noexcept {
  double lo = 0.0, hi = 0.0;
  if (detail::latent_bracket(u, eta, lo, hi)) [[likely]] {
    // Cut-points are non-decreasing, so the first c with tau_c >= lo is the
    // number of cut-points below lo (counted without a data-dependent
    // branch); it is the answer when tau_c >= hi too (tau_c >= every z in the
    // bracket), else the bracket is ambiguous and the exact path decides.
    int lo_i = 0;
    for (int c = 0; c < n_cut; ++c) lo_i += cutpoints[c] < lo;
    if (lo_i == n_cut) return n_cut;
    if (cutpoints[lo_i] >= hi) return lo_i;
  }
  return ordered_logit_exact(u, cutpoints, n_cut, eta);
}

// ordered_logit with the cut-points padded: cutpoints[n_cut .. n_padded) are
// +infinity, n_padded a multiple of 4 and > n_cut. The count runs over whole
// groups of four with no data-dependent branch, and the padding answers
// "score n_cut" through the same final comparison. Same score as
// ordered_logit(u, cutpoints, n_cut, eta).
inline int ordered_logit_padded(double u, const double* cutpoints, int n_cut, int n_padded, double eta) noexcept {
  double lo = 0.0, hi = 0.0;
  if (detail::latent_bracket(u, eta, lo, hi)) [[likely]] {
#if defined(__GNUC__)
    // Two-lane vector compares (GCC/Clang vector extension; SSE2 on x86-64):
    // each lane is -1 where the cut-point is below lo.
    typedef double v2d __attribute__((vector_size(16)));
    typedef long long v2i __attribute__((vector_size(16)));
    const v2d lo2 = {lo, lo};
    v2i below = {0, 0};
    for (int c = 0; c < n_padded; c += 4) {
      v2d a, b;
      __builtin_memcpy(&a, cutpoints + c, sizeof a);
      __builtin_memcpy(&b, cutpoints + c + 2, sizeof b);
      below += (a < lo2) + (b < lo2);
    }
    const int lo_i = static_cast<int>(-(below[0] + below[1]));
#else
    int lo_i = 0;
    for (int c = 0; c < n_padded; c += 4)
      lo_i += (cutpoints[c] < lo) + (cutpoints[c + 1] < lo) + (cutpoints[c + 2] < lo) + (cutpoints[c + 3] < lo);
#endif
    // lo_i <= n_cut: a +inf pad is never below lo (finite here, or NaN).
    if (cutpoints[lo_i] >= hi) return lo_i;
  }
  return ordered_logit_exact(u, cutpoints, n_cut, eta);
}

}  // namespace cxsim::rng
