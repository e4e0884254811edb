#include "cxsim/stats/estimates.h"

#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "cxsim/core/errors.h"

namespace cxsim::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Estimate all_nan() { return Estimate{kNaN, kNaN, kNaN, kNaN}; }

void check_terms(const MomentAccumulator& acc, const LinearForm& form) {
  for (const Term& t : form) {
    if (t.index < 0 || t.index >= acc.size()) {
      throw core::RuntimeError("stats: component " + std::to_string(t.index) + " out of range [0, " +
                               std::to_string(acc.size()) + ")");
    }
  }
}

double linear_value(const std::vector<double>& means, const LinearForm& form) {
  double v = 0.0;
  for (const Term& t : form) v += t.weight * means[static_cast<std::size_t>(t.index)];
  return v;
}

// Point value and gradient (appended to `grad`, multiplied by `sign`) of a
// Ratio at the given means. Returns NaN when the denominator is 0 or NaN.
double ratio_value(const std::vector<double>& means, const Ratio& r, double sign, std::vector<Term>& grad) {
  const double num = linear_value(means, r.num);
  const double den = r.den.empty() ? 1.0 : linear_value(means, r.den);
  if (!(den != 0.0) || std::isnan(den)) return kNaN;
  const double q = num / den;  // unscaled ratio
  for (const Term& t : r.num) grad.push_back({t.index, sign * (r.scale * t.weight / den)});
  for (const Term& t : r.den) grad.push_back({t.index, sign * -(r.scale * q * t.weight / den)});
  return r.scale * q;
}

double se_from(const MomentAccumulator& acc, const std::vector<Term>& grad) {
  if (acc.count() < 2) return kNaN;
  const double q = quadratic_form(acc, grad);
  return std::sqrt(q / static_cast<double>(acc.count()));
}

}  // namespace

Estimate make_estimate(double estimate, double se) {
  if (std::isnan(estimate)) return all_nan();
  if (std::isnan(se)) return Estimate{estimate, kNaN, kNaN, kNaN};
  const double half = kZ95 * se;
  return Estimate{estimate, se, estimate - half, estimate + half};
}

Ratio Ratio::shifted(int offset) const {
  Ratio out = *this;
  for (Term& t : out.num) t.index += offset;
  for (Term& t : out.den) t.index += offset;
  return out;
}

std::vector<int> Ratio::components() const {
  std::vector<int> c;
  for (const Term& t : num) c.push_back(t.index);
  for (const Term& t : den) c.push_back(t.index);
  return c;
}

void append_pairs(std::span<const int> components, std::vector<std::pair<int, int>>& out) {
  for (std::size_t a = 0; a < components.size(); ++a) {
    for (std::size_t b = a; b < components.size(); ++b) out.emplace_back(components[a], components[b]);
  }
}

double exact_sum(std::span<const double> values) {
  double naive = 0.0;
  bool finite = true;
  for (double v : values) {
    naive += v;
    if (!std::isfinite(v)) finite = false;
  }
  if (!finite) return naive;

  // Shewchuk's algorithm: `partials` holds non-overlapping doubles, smallest
  // magnitude first, whose exact sum is the exact sum of the values so far.
  std::vector<double> partials;
  partials.reserve(8);
  for (double x : values) {
    std::size_t used = 0;
    for (std::size_t p = 0; p < partials.size(); ++p) {
      double y = partials[p];
      if (std::fabs(x) < std::fabs(y)) std::swap(x, y);
      const double hi = x + y;
      const double lo = y - (hi - x);
      if (lo != 0.0) partials[used++] = lo;
      x = hi;
    }
    partials.resize(used);
    partials.push_back(x);
  }
  if (partials.empty()) return 0.0;

  // Round the exact sum correctly (the final step of CPython's math.fsum).
  std::size_t n = partials.size();
  double hi = partials[--n];
  double lo = 0.0;
  while (n > 0) {
    const double x = hi;
    const double y = partials[--n];
    hi = x + y;
    const double yr = hi - x;
    lo = y - yr;
    if (lo != 0.0) break;
  }
  if (n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0))) {
    const double y = lo * 2.0;
    const double x = hi + y;
    const double yr = x - hi;
    if (y == yr) hi = x;
  }
  if (!std::isfinite(hi)) return naive;  // intermediate overflow
  return hi;
}

double quadratic_form(const MomentAccumulator& acc, std::span<const Term> gradient) {
  if (acc.count() < 2) return kNaN;
  std::vector<double> terms;
  terms.reserve(gradient.size() * gradient.size());
  for (const Term& a : gradient) {
    for (const Term& b : gradient) {
      terms.push_back((a.weight * b.weight) * acc.covariance(a.index, b.index));
    }
  }
  const double q = exact_sum(terms);
  if (std::isnan(q)) return q;
  return q < 0.0 ? 0.0 : q;
}

Estimate ratio(const MomentAccumulator& acc, const Ratio& r) {
  check_terms(acc, r.num);
  check_terms(acc, r.den);
  if (acc.count() == 0) return all_nan();
  const std::vector<double> means = acc.means();
  std::vector<Term> grad;
  const double est = ratio_value(means, r, 1.0, grad);
  if (std::isnan(est)) return all_nan();
  return make_estimate(est, se_from(acc, grad));
}

Estimate mean(const MomentAccumulator& acc, int i) { return ratio(acc, Ratio::mean_of(i)); }

Estimate ratio(const MomentAccumulator& acc, int num, int den) { return ratio(acc, Ratio::ratio_of(num, den)); }

Estimate nps(const MomentAccumulator& acc, int promoters, int detractors, int respondents) {
  return ratio(acc, Ratio::nps_of(promoters, detractors, respondents));
}

Estimate ratio_difference(const MomentAccumulator& joint, const Ratio& variant, const Ratio& baseline) {
  check_terms(joint, variant.num);
  check_terms(joint, variant.den);
  check_terms(joint, baseline.num);
  check_terms(joint, baseline.den);
  if (joint.count() == 0) return all_nan();
  const std::vector<double> means = joint.means();
  std::vector<Term> grad;
  const double ev = ratio_value(means, variant, 1.0, grad);
  const double eb = ratio_value(means, baseline, -1.0, grad);
  if (std::isnan(ev) || std::isnan(eb)) return all_nan();
  return make_estimate(ev - eb, se_from(joint, grad));
}

Estimate paired_difference(const MomentAccumulator& joint, const Ratio& r, int k) {
  return ratio_difference(joint, r, r.shifted(k));
}

Estimate delta_method(const MomentAccumulator& acc, const MeanFunction& g, const GradientFunction& grad) {
  if (acc.count() == 0) return all_nan();
  const std::vector<double> means = acc.means();
  const double est = g(means.data());
  if (std::isnan(est)) return all_nan();
  std::vector<double> dense(means.size(), 0.0);
  grad(means.data(), dense.data());
  std::vector<Term> terms;
  for (std::size_t i = 0; i < dense.size(); ++i) {
    if (dense[i] != 0.0 || std::isnan(dense[i])) terms.push_back({static_cast<int>(i), dense[i]});
  }
  return make_estimate(est, se_from(acc, terms));
}

}  // namespace cxsim::stats
