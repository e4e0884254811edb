#include "cxsim/calibrate/durations.h"

#include <cmath>
#include <limits>

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <fmt/format.h>

#include "cxsim/core/errors.h"
#include "cxsim/core/time.h"
#include "cxsim/model/duration_family.h"

namespace cxsim::calibrate {

namespace {
constexpr double kZ90 = 1.2815515655446004;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

void DurationStats::add(double x) {
  if (!(x > 0)) {
    zeros += 1;
    return;
  }
  if (n == 0) min = max = x;
  else {
    min = std::min(min, x);
    max = std::max(max, x);
  }
  n += 1;
  sum += x;
  const double l = std::log(x);
  const double d = l - mean_log;
  mean_log += d / n;
  m2_log += d * (l - mean_log);
}

void DurationStats::merge(const DurationStats& o) {
  if (o.n > 0) {
    if (n == 0) {
      min = o.min;
      max = o.max;
    } else {
      min = std::min(min, o.min);
      max = std::max(max, o.max);
    }
    const double nt = n + o.n;
    const double d = o.mean_log - mean_log;
    m2_log += o.m2_log + d * d * n * o.n / nt;
    mean_log += d * o.n / nt;
    n = nt;
    sum += o.sum;
  }
  zeros += o.zeros;
}

DurationChoice parse_duration_choice(const std::string& s) {
  using K = model::DurationSpec::Kind;
  if (s == "aic" || s == "auto") return DurationChoice::aic;
  if (const auto* f = model::find_duration_family(s)) {
    if (f->kind == K::lognormal) return DurationChoice::lognormal;
    if (f->kind == K::exponential) return DurationChoice::exponential;
    if (f->kind == K::gamma) return DurationChoice::gamma;
  }
  throw core::InputError(fmt::format("--durations '{}': expected aic, lognormal, exponential or gamma", s));
}

double seconds_per_unit(const std::string& unit) {
  if (const auto* u = core::find_time_unit(unit)) return u->seconds;
  const auto names = core::time_unit_names();
  std::string list;
  for (std::size_t i = 0; i < names.size(); ++i)
    list += fmt::format("{}{}", i == 0 ? "" : i + 1 == names.size() ? " or " : ", ", names[i]);
  throw core::InputError(fmt::format("--time-unit '{}': expected {}", unit, list));
}

DurationFit fit_durations(const DurationStats& s, DurationChoice choice, double scale) {
  DurationFit f;
  f.n = s.n;
  f.zeros = s.zeros;
  f.ln_median = f.ln_p90 = f.ln_loglik = f.ln_aic = kNaN;
  f.exp_mean = f.exp_loglik = f.exp_aic = kNaN;
  f.gamma_mean = f.gamma_sd = f.gamma_shape = f.gamma_loglik = f.gamma_aic = kNaN;
  f.spec.kind = model::DurationSpec::Kind::fixed;
  f.spec.a = 0;
  f.family = model::duration_family(f.spec.kind).name;
  if (s.total() == 0) {
    f.note = "no gap observed (only ever the last event of a journey): fixed 0";
    return f;
  }
  if (s.zeros > s.n) {
    f.note = fmt::format("{} of {} gaps are 0: fixed 0", s.zeros, s.total());
    return f;
  }
  const double n = s.n;
  const double ls = std::log(scale);
  const double mean_log = s.mean_log - ls;  // log of scaled values
  const double mean = s.sum / n / scale;
  const double var_log = s.m2_log / n;  // MLE
  const double sum_log = mean_log * n;
  if (n < 2 || !(var_log > 1e-12) || s.max <= s.min) {
    f.spec.a = mean;
    f.note = n < 2 ? "one positive gap: fixed at its value" : "all gaps equal: fixed";
    return f;
  }
  // Lognormal.
  const double sigma = std::sqrt(var_log);
  f.ln_median = std::exp(mean_log);
  f.ln_p90 = std::exp(mean_log + kZ90 * sigma);
  f.ln_loglik = -sum_log - 0.5 * n * std::log(2 * M_PI * var_log) - 0.5 * n;
  f.ln_aic = 4 - 2 * f.ln_loglik;
  // Exponential.
  f.exp_mean = mean;
  f.exp_loglik = -n * std::log(mean) - n;
  f.exp_aic = 2 - 2 * f.exp_loglik;
  // Gamma: shape k solves log k - digamma(k) = log(mean) - mean(log x).
  const double g = std::log(mean) - mean_log;
  if (g > 1e-12) {
    double k = (3 - g + std::sqrt((g - 3) * (g - 3) + 24 * g)) / (12 * g);
    for (int it = 0; it < 50; ++it) {
      const double fk = std::log(k) - boost::math::digamma(k) - g;
      const double dk = 1 / k - boost::math::trigamma(k);
      double step = fk / dk;
      double k_new = k - step;
      while (k_new <= 0) {
        step /= 2;
        k_new = k - step;
      }
      const bool done = std::fabs(k_new - k) < 1e-12 * k;
      k = k_new;
      if (done) break;
    }
    const double theta = mean / k;
    f.gamma_shape = k;
    f.gamma_mean = mean;
    f.gamma_sd = mean / std::sqrt(k);
    f.gamma_loglik = (k - 1) * sum_log - n * k * std::log(theta) - n * std::lgamma(k) - n * k;
    f.gamma_aic = 4 - 2 * f.gamma_loglik;
  }
  DurationChoice pick = choice;
  if (choice == DurationChoice::aic) {
    // Smallest AIC; lognormal wins ties and is used with fewer than 10 gaps.
    pick = DurationChoice::lognormal;
    if (n >= 10) {
      double best = f.ln_aic;
      if (f.exp_aic < best - 1e-9) {
        best = f.exp_aic;
        pick = DurationChoice::exponential;
      }
      if (std::isfinite(f.gamma_aic) && f.gamma_aic < best - 1e-9) pick = DurationChoice::gamma;
    }
  }
  if (pick == DurationChoice::gamma && !std::isfinite(f.gamma_aic)) pick = DurationChoice::lognormal;
  // The chosen family's parameters, in its own order (model/duration_family.h).
  using K = model::DurationSpec::Kind;
  switch (pick) {
    case DurationChoice::exponential: f.spec = {K::exponential, f.exp_mean, 0.0}; break;
    case DurationChoice::gamma: f.spec = {K::gamma, f.gamma_mean, f.gamma_sd}; break;
    default: f.spec = {K::lognormal, f.ln_median, f.ln_p90}; break;
  }
  if (s.zeros > 0) f.note = fmt::format("{} zero gaps of {} ignored in the fit", s.zeros, s.total());
  // A fit the journey loader would refuse (a lognormal whose mean overflows
  // the duration cap: a p90 far above a tiny median) falls back to the
  // exponential with the same mean, which is valid whenever the mean is.
  if (!model::duration_problems(f.spec).empty() && f.spec.kind != K::exponential) {
    const model::DurationSpec e{K::exponential, f.exp_mean, 0.0};
    if (model::duration_problems(e).empty()) {
      f.note += fmt::format("{}the {} fit is outside the model's limits: exponential used", f.note.empty() ? "" : "; ",
                            model::duration_family(f.spec.kind).name);
      f.spec = e;
    }
  }
  f.family = model::duration_family(f.spec.kind).name;
  // Standard errors (delta method on the MLE's asymptotic variances): the
  // exponential mean s/sqrt(n); the lognormal's mu and sigma are independent
  // with variances sigma^2/n and sigma^2/(2n), so se(median) = median
  // sigma/sqrt(n) and se(p90) = p90 sigma sqrt((1 + z^2/2)/n); the gamma's
  // mean and shape k are orthogonal, var(mean) = mean^2/(k n) and var(k) =
  // 1/(n (trigamma(k) - 1/k)), and sd = mean/sqrt(k).
  switch (f.spec.kind) {
    case K::exponential: f.se_a = f.spec.a / std::sqrt(n); break;
    case K::lognormal:
      f.se_a = f.spec.a * sigma / std::sqrt(n);
      f.se_b = f.spec.b * sigma * std::sqrt((1 + kZ90 * kZ90 / 2) / n);
      break;
    case K::gamma: {
      const double k = f.gamma_shape;
      const double var_k = 1 / (n * (boost::math::trigamma(k) - 1 / k));
      f.se_a = f.spec.a / std::sqrt(k * n);
      f.se_b = std::sqrt(f.spec.a * f.spec.a / (k * k * n) + f.spec.a * f.spec.a / (4 * k * k * k) * var_k);
      break;
    }
    default: break;
  }
  return f;
}

}  // namespace cxsim::calibrate
