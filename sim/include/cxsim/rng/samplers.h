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
//   bernoulli 1, exponential 1, standard_normal/normal/lognormal 2,
//   standard_normal_pair 2, gamma >= 3 (rejection; >= 4 when shape < 1),
//   beta = two gammas. categorical/ordered_logit take the uniform as input.
//
// Preconditions are the caller's (the model is validated when compiled);
// the hot paths neither check nor throw. gamma and beta return NaN for a
// non-positive or NaN shape/scale rather than loop.
#include <cmath>
#include <concepts>
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

// The cosine half of standard_normal_pair (same two uniforms, same value).
template <UniformGenerator G>
inline double standard_normal(G& g) {
  const double u1 = g.uniform();
  const double u2 = g.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(kTwoPi * u2);
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
inline int categorical(double u, const double* cumulative, int n) noexcept {
  for (int i = 0; i < n - 1; ++i)
    if (u < cumulative[i]) return i;
  return n - 1;
}

// Ordered logit with cut-points tau[0..n_cut) (non-decreasing, ±infinity
// allowed) and linear predictor eta: P(score <= c) = σ(tau_c − eta).
// Returns the score in 0..n_cut: the first c with tau_c >= logit(u) + eta,
// n_cut if none (equivalently the smallest c with u <= σ(tau_c − eta)).
// tau_0 = -inf gives score 0 zero probability; tau_{n_cut-1} = +inf gives
// score n_cut zero probability.
inline int ordered_logit(double u, const double* cutpoints, int n_cut,
                         double eta) noexcept {
  const double z = logit(u) + eta;
  for (int c = 0; c < n_cut; ++c)
    if (cutpoints[c] >= z) return c;
  return n_cut;
}

}  // namespace cxsim::rng
