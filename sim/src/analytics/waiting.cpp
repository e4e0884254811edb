// Exact per-visit laws of waiting and patience (cxsim/analytics/waiting.h;
// docs/methods/analytics.md, "Waiting and patience").
#include "cxsim/analytics/waiting.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/quadrature/tanh_sinh.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>

namespace cxsim::analytics {

namespace {

using K = model::DurationSpec::Kind;
using model::DurationSampler;

constexpr double kSqrt2 = 1.4142135623730951;

double normal_cdf(double z) { return 0.5 * std::erfc(-z / kSqrt2); }

// P(X <= x).
double cdf(const DurationSampler& d, double x) { return 1.0 - duration_survival(d, x); }

// ∫_lo^hi f(u) du by tanh_sinh, with u kept inside (0, 1) where the quantile
// functions are finite.
template <class F>
double integrate_unit(F f, double lo, double hi) {
  lo = std::clamp(lo, 0.0, 1.0);
  hi = std::clamp(hi, 0.0, 1.0);
  if (!(hi > lo)) return 0.0;
  constexpr double kLo = std::numeric_limits<double>::min();
  const double kHi = std::nextafter(1.0, 0.0);
  auto g = [&](double u) { return f(std::clamp(u, kLo, kHi)); };
  boost::math::quadrature::tanh_sinh<double> ts;
  return ts.integrate(g, lo, hi, 1e-11);
}

// ∫ over [lo, 1] split at the points of `cuts` inside it (kinks of the integrand).
template <class F>
double integrate_split(F f, double lo, double c1, double c2, double hi = 1.0) {
  const double a = std::clamp(std::min(c1, c2), lo, hi), b = std::clamp(std::max(c1, c2), lo, hi);
  const double pts[4] = {lo, a, b, hi};
  double total = 0;
  for (int i = 0; i < 3; ++i) total += integrate_unit(f, pts[i], pts[i + 1]);
  return total;
}

bool same(const DurationSampler& a, const DurationSampler& b) {
  return a.kind == b.kind && a.p1 == b.p1 && a.p2 == b.p2;
}

}  // namespace

double duration_survival(const DurationSampler& d, double x) {
  switch (d.kind) {
    case K::fixed: return x < d.p1 ? 1.0 : 0.0;
    case K::exponential: return x <= 0 ? 1.0 : std::exp(-x / d.p1);
    case K::lognormal: return x <= 0 ? 1.0 : 0.5 * std::erfc((std::log(x) - d.p1) / (d.p2 * kSqrt2));
    case K::gamma: return x <= 0 ? 1.0 : boost::math::gamma_q(d.p1, x / d.p2);
  }
  return 0.0;
}

double duration_quantile(const DurationSampler& d, double u) {
  switch (d.kind) {
    case K::fixed: return d.p1;
    case K::exponential: return -d.p1 * std::log1p(-u);
    case K::lognormal: return std::exp(d.p1 - d.p2 * kSqrt2 * boost::math::erfc_inv(2 * u));
    case K::gamma: return d.p2 * boost::math::gamma_p_inv(d.p1, u);
  }
  return 0.0;
}

double expected_excess(const DurationSampler& d, double t) {
  if (t <= 0) return d.mean - t;
  switch (d.kind) {
    case K::fixed: return std::max(0.0, d.p1 - t);
    case K::exponential: return d.p1 * std::exp(-t / d.p1);
    case K::lognormal: {
      // E[(X − t)+] = E[X]·Φ((μ + σ² − ln t)/σ) − t·Φ((μ − ln t)/σ).
      const double z = (d.p1 - std::log(t)) / d.p2;
      return std::max(0.0, d.mean * normal_cdf(z + d.p2) - t * normal_cdf(z));
    }
    case K::gamma: {
      // E[(X − t)+] = kθ·Q(k + 1, t/θ) − t·Q(k, t/θ).
      const double k = d.p1, th = d.p2;
      return std::max(0.0, k * th * boost::math::gamma_q(k + 1, t / th) - t * boost::math::gamma_q(k, t / th));
    }
  }
  return 0.0;
}

double expected_excess_of_min_quadrature(const DurationSampler& d, const DurationSampler& a, double t) {
  t = std::max(t, 0.0);
  // ∫_t^∞ S_D S_A dx = E_D[g_A(t) − g_A(max(t, D))], g_A(y) = E[(A − y)+],
  // integrated over D's quantiles u; the integrand is 0 below u = F_D(t) and
  // has a kink at F_D(a) when A is fixed.
  const double gt = expected_excess(a, t);
  auto f = [&](double u) { return gt - expected_excess(a, std::max(t, duration_quantile(d, u))); };
  if (d.kind == K::fixed) return f(0.5);
  const double u0 = cdf(d, t);
  const double kink = a.kind == K::fixed ? cdf(d, a.p1) : u0;
  return std::max(0.0, integrate_split(f, u0, kink, kink));
}

double prob_within_patience_quadrature(const DurationSampler& d, const DurationSampler& a) {
  // P(D <= A) = E_D[P(A >= D)], over D's quantiles (a fixed A: a step at F_D(a)).
  if (d.kind == K::fixed) return a.kind == K::fixed ? (d.p1 <= a.p1 ? 1.0 : 0.0) : duration_survival(a, d.p1);
  auto f = [&](double u) { return duration_survival(a, duration_quantile(d, u)); };
  const double kink = a.kind == K::fixed ? cdf(d, a.p1) : 0.0;
  return std::clamp(integrate_split(f, 0.0, kink, kink), 0.0, 1.0);
}

double expected_excess_of_min(const DurationSampler& d, const DurationSampler& a, double t) {
  t = std::max(t, 0.0);
  if (d.kind == K::fixed && a.kind == K::fixed) return std::max(0.0, std::min(d.p1, a.p1) - t);
  // One fixed at v: ∫_t^max(t,v) S_other = g(t) − g(max(t, v)).
  if (d.kind == K::fixed) return std::max(0.0, expected_excess(a, t) - expected_excess(a, std::max(t, d.p1)));
  if (a.kind == K::fixed) return std::max(0.0, expected_excess(d, t) - expected_excess(d, std::max(t, a.p1)));
  if (d.kind == K::exponential && a.kind == K::exponential) {
    const double h = d.p1 * a.p1 / (d.p1 + a.p1);  // min of two exponentials: mean h
    return h * std::exp(-t / h);
  }
  const bool eg = d.kind == K::exponential && a.kind == K::gamma;
  if (eg || (d.kind == K::gamma && a.kind == K::exponential)) {
    // ∫_t^∞ e^{−x/m} Q(k, x/θ) dx = m[e^{−t/m} Q(k, t/θ) − (θ'/θ)^k Q(k, t/θ')], 1/θ' = 1/θ + 1/m.
    const DurationSampler& e = eg ? d : a;
    const DurationSampler& g = eg ? a : d;
    const double m = e.p1, k = g.p1, th = g.p2;
    const double th2 = th * m / (th + m);
    const double r =
        std::exp(-t / m) * boost::math::gamma_q(k, t / th) - std::pow(th2 / th, k) * boost::math::gamma_q(k, t / th2);
    return std::max(0.0, m * r);
  }
  return expected_excess_of_min_quadrature(d, a, t);
}

double prob_within_patience(const DurationSampler& d, const DurationSampler& a) {
  if (d.kind == K::fixed) return a.kind == K::fixed ? (d.p1 <= a.p1 ? 1.0 : 0.0) : duration_survival(a, d.p1);
  if (a.kind == K::fixed) return cdf(d, a.p1);
  // A exponential with mean m: P(D <= A) = E[e^{−D/m}], the Laplace transform of D.
  if (a.kind == K::exponential && d.kind == K::exponential) return a.p1 / (a.p1 + d.p1);
  if (a.kind == K::exponential && d.kind == K::gamma) return std::pow(1.0 + d.p2 / a.p1, -d.p1);
  // D exponential with mean m: P(D <= A) = 1 − E[e^{−A/m}].
  if (d.kind == K::exponential && a.kind == K::gamma) return 1.0 - std::pow(1.0 + a.p2 / d.p1, -a.p1);
  return prob_within_patience_quadrature(d, a);
}

double prob_within_patience_below(const DurationSampler& d, const DurationSampler& a, double x) {
  if (d.kind == K::fixed) {
    if (!(d.p1 <= x)) return 0.0;
    return a.kind == K::fixed ? (d.p1 <= a.p1 ? 1.0 : 0.0) : duration_survival(a, d.p1);
  }
  if (a.kind == K::fixed) return cdf(d, std::min(x, a.p1));
  auto f = [&](double u) { return duration_survival(a, duration_quantile(d, u)); };
  const double hi = cdf(d, x);
  return std::clamp(integrate_split(f, 0.0, hi, hi, hi), 0.0, 1.0);
}

VisitLaw visit_law(const model::CompiledTouchpoint& t) {
  VisitLaw w;
  w.patience = t.has_patience;
  w.waiting = t.has_waiting;
  const bool one_duration = same(t.dur_ok, t.dur_fr);
  if (t.has_patience) {
    w.keep = prob_within_patience(t.dur_ok, t.patience);
    w.time_ok = expected_excess_of_min(t.dur_ok, t.patience, 0.0);
    w.time_fr = one_duration ? w.time_ok : expected_excess_of_min(t.dur_fr, t.patience, 0.0);
  } else {
    w.time_ok = t.dur_ok.mean;
    w.time_fr = t.dur_fr.mean;
  }
  if (t.has_waiting) {
    const double c = t.wait_per_unit, tol = t.wait_tolerance;
    auto excess = [&](const DurationSampler& d) {
      return t.has_patience ? expected_excess_of_min(d, t.patience, tol) : expected_excess(d, tol);
    };
    w.pen_ok = c * excess(t.dur_ok);
    w.pen_fr = one_duration ? w.pen_ok : c * excess(t.dur_fr);
  }
  return w;
}

double QueueWait::mean() const {
  double w = 0;
  for (std::size_t t = 0; t < weight.size(); ++t) w += weight[t] * p_wait[t] * wait_if_waiting[t];
  return w;
}

double expected_excess_with_wait(const DurationSampler& d, double t, double m) {
  if (!(m > 0)) return expected_excess(d, t);
  t = std::max(t, 0.0);
  auto below = [&](double x) { return x < t ? m * std::exp(-(t - x) / m) : 0.0; };
  if (d.kind == K::fixed) return d.p1 >= t ? d.p1 - t + m : below(d.p1);
  const double ft = cdf(d, t);
  return expected_excess(d, t) + m * (1.0 - ft) +
         integrate_unit([&](double u) { return below(duration_quantile(d, u)); }, 0.0, ft);
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// E[e^{−sA}] (closed form but for a lognormal A).
double laplace(const DurationSampler& a, double s) {
  switch (a.kind) {
    case K::fixed: return std::exp(-s * a.p1);
    case K::exponential: return 1.0 / (1.0 + s * a.p1);
    case K::gamma: return std::pow(1.0 + s * a.p2, -a.p1);
    case K::lognormal: return integrate_unit([&](double u) { return std::exp(-s * duration_quantile(a, u)); }, 0, 1);
  }
  return 0.0;
}

// G(d) = E[(min(d + E, A) − t)+], y = max(t, d) (waiting.h).
double excess_of_min_shifted(double d, const DurationSampler& a, double t, double m) {
  const double y = std::max(t, d);
  const double shift = std::isfinite(m) ? std::exp(-(y - d) / m) : 1.0;
  return std::max(0.0, expected_excess(a, t) - expected_excess(a, y) + shift * shifted_patience_integral(a, m, y));
}

// The law of W as weights of "no wait" (m = 0) and of Exponential(m) waits,
// equal means merged.
struct WaitPart {
  double weight = 0, m = 0;
};
std::vector<WaitPart> wait_parts(const QueueWait& w) {
  std::vector<WaitPart> parts{{0.0, 0.0}};
  for (std::size_t p = 0; p < w.weight.size(); ++p) {
    const double waits = w.weight[p] * w.p_wait[p];
    parts[0].weight += w.weight[p] - waits;
    if (!(waits > 0) || !(w.wait_if_waiting[p] > 0)) {
      parts[0].weight += waits;
      continue;
    }
    auto it =
        std::find_if(parts.begin() + 1, parts.end(), [&](const WaitPart& x) { return x.m == w.wait_if_waiting[p]; });
    if (it == parts.end()) parts.push_back({waits, w.wait_if_waiting[p]});
    else it->weight += waits;
  }
  return parts;
}

template <class F>
double mix(const std::vector<WaitPart>& parts, F f) {
  double x = 0;
  for (const auto& p : parts)
    if (p.weight > 0) x += p.weight * f(p.m);
  return x;
}

}  // namespace

double shifted_patience_integral(const DurationSampler& a, double m, double y) {
  y = std::max(y, 0.0);
  if (!std::isfinite(m)) return expected_excess(a, y);
  if (!(m > 0)) return 0.0;
  switch (a.kind) {
    case K::fixed: return y < a.p1 ? -m * std::expm1(-(a.p1 - y) / m) : 0.0;
    case K::exponential: return std::exp(-y / a.p1) * m * a.p1 / (m + a.p1);
    case K::gamma: {
      // m·[Q(k, y/θ) − (θ'/θ)^k·e^{y/m}·Q(k, y/θ')], 1/θ' = 1/θ + 1/m.
      const double k = a.p1, th = a.p2, th2 = th * m / (th + m);
      const double q2 = boost::math::gamma_q(k, y / th2);
      const double second = q2 > 0 ? std::exp(k * std::log(th2 / th) + y / m + std::log(q2)) : 0.0;
      return std::max(0.0, m * (boost::math::gamma_q(k, y / th) - second));
    }
    case K::lognormal:
      return std::max(0.0, m * integrate_unit([&](double u) { return -std::expm1(-(duration_quantile(a, u) - y) / m); },
                                              cdf(a, y), 1.0));
  }
  return 0.0;
}

double prob_within_patience_with_wait_quadrature(const DurationSampler& d, const DurationSampler& a, double m) {
  if (!(m > 0)) return prob_within_patience_quadrature(d, a);
  if (!std::isfinite(m)) return 0.0;
  auto f = [&](double u) { return shifted_patience_integral(a, m, duration_quantile(d, u)) / m; };
  if (d.kind == K::fixed) return std::clamp(f(0.5), 0.0, 1.0);
  const double kink = a.kind == K::fixed ? cdf(d, a.p1) : 0.0;
  return std::clamp(integrate_split(f, 0.0, kink, kink), 0.0, 1.0);
}

double prob_within_patience_with_wait(const DurationSampler& d, const DurationSampler& a, double m) {
  if (!(m > 0)) return prob_within_patience(d, a);
  if (!std::isfinite(m)) return 0.0;  // saturated: whoever waits gives up
  if (d.kind == K::fixed) return std::clamp(shifted_patience_integral(a, m, d.p1) / m, 0.0, 1.0);
  // Memoryless patience: P(D + E <= A) = E[e^{−D/α}]·E[e^{−E/α}].
  if (a.kind == K::exponential) return prob_within_patience(d, a) * a.p1 / (a.p1 + m);
  const double mu = d.p1;
  if (d.kind == K::exponential && a.kind != K::lognormal && std::fabs(mu - m) > 1e-3 * std::max(mu, m))
    return std::clamp(1.0 - (mu * laplace(a, 1.0 / mu) - m * laplace(a, 1.0 / m)) / (mu - m), 0.0, 1.0);
  return prob_within_patience_with_wait_quadrature(d, a, m);
}

double expected_excess_of_min_with_wait_quadrature(const DurationSampler& d, const DurationSampler& a, double t,
                                                   double m) {
  t = std::max(t, 0.0);
  if (!(m > 0)) return expected_excess_of_min_quadrature(d, a, t);
  if (!std::isfinite(m)) return expected_excess(a, t);
  auto f = [&](double u) { return excess_of_min_shifted(duration_quantile(d, u), a, t, m); };
  if (d.kind == K::fixed) return f(0.5);
  // Kinks of G at d = t and, for a fixed A, at d = a.
  const double c1 = cdf(d, t), c2 = a.kind == K::fixed ? cdf(d, a.p1) : c1;
  return std::max(0.0, integrate_split(f, 0.0, c1, c2));
}

double expected_excess_of_min_with_wait(const DurationSampler& d, const DurationSampler& a, double t, double m) {
  t = std::max(t, 0.0);
  if (!(m > 0)) return expected_excess_of_min(d, a, t);
  if (!std::isfinite(m)) return expected_excess(a, t);
  if (d.kind == K::fixed) return excess_of_min_shifted(d.p1, a, t, m);
  // E[min(X, A)] = α·P(A < X) for an exponential A (X = D + E).
  if (a.kind == K::exponential && t == 0) return a.p1 * (1.0 - prob_within_patience_with_wait(d, a, m));
  return expected_excess_of_min_with_wait_quadrature(d, a, t, m);
}

double visit_keep(const model::CompiledTouchpoint& t, const QueueWait* wait) {
  if (!t.has_patience) return 1.0;
  if (wait == nullptr) return prob_within_patience(t.dur_ok, t.patience);
  return mix(wait_parts(*wait), [&](double m) { return prob_within_patience_with_wait(t.dur_ok, t.patience, m); });
}

VisitLaw visit_law(const model::CompiledTouchpoint& t, const QueueWait* wait) {
  if (wait == nullptr) return visit_law(t);
  if (t.has_patience) {
    // Every quantity mixes over W's law (waiting.h): with patience the give-up
    // (D + W > A), the duration min(D + W, A) and the penalty.
    VisitLaw w;
    w.patience = true;
    w.waiting = t.has_waiting;
    const bool one_duration = same(t.dur_ok, t.dur_fr);
    const auto parts = wait_parts(*wait);
    w.keep = visit_keep(t, wait);
    auto excess = [&](const DurationSampler& d, double tol) {
      return mix(parts, [&](double m) { return expected_excess_of_min_with_wait(d, t.patience, tol, m); });
    };
    w.time_ok = excess(t.dur_ok, 0.0);
    w.time_fr = one_duration ? w.time_ok : excess(t.dur_fr, 0.0);
    if (t.has_waiting) {
      w.pen_ok = t.wait_per_unit * excess(t.dur_ok, t.wait_tolerance);
      w.pen_fr = one_duration ? w.pen_ok : t.wait_per_unit * excess(t.dur_fr, t.wait_tolerance);
    }
    return w;
  }
  VisitLaw w = visit_law(t);
  const double mean = wait->mean();
  w.time_ok += mean;
  w.time_fr += mean;
  if (t.has_waiting) {
    const double c = t.wait_per_unit, tol = t.wait_tolerance;
    auto excess = [&](const DurationSampler& d) {
      double e = 0;
      for (std::size_t p = 0; p < wait->weight.size(); ++p)
        e += wait->weight[p] * ((1 - wait->p_wait[p]) * expected_excess(d, tol) +
                                wait->p_wait[p] * expected_excess_with_wait(d, tol, wait->wait_if_waiting[p]));
      return e;
    };
    w.pen_ok = c * excess(t.dur_ok);
    w.pen_fr = same(t.dur_ok, t.dur_fr) ? w.pen_ok : c * excess(t.dur_fr);
  }
  return w;
}

}  // namespace cxsim::analytics
