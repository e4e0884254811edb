#pragma once
// Estimates with standard errors and 95% confidence intervals, all derived
// from a MomentAccumulator of per-unit (per-customer) vectors.
//
// Every headline metric is a smooth function g of component means. Its
// standard error is the delta method with the customer as the unit:
//     var(g(xbar)) ~= grad(g)' Sigma grad(g) / n,
// Sigma the unbiased sample covariance of the per-unit vector. Means, ratios
// (per-walk means, shares), NPS and paired differences are all ratios of
// linear combinations of means (struct Ratio). A paired comparison uses one
// accumulator of the joint vector [x_variant, x_baseline] per customer.
// Formulas: docs/methods/estimators.md.
//
// Edge cases (all documented there):
//   - n = 0: everything NaN. n = 1: estimate defined, se and CI NaN.
//   - denominator mean 0 (or NaN): estimate, se and CI NaN.
//   - zero variance: se = 0 exactly and CI = [estimate, estimate] exactly.
//   - a paired difference of bit-identical columns (a no-op variant) is
//     exactly 0 with se exactly 0: the quadratic form is summed exactly
//     (exact_sum), so its mirrored terms cancel exactly.
#include <algorithm>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <span>
#include <utility>
#include <vector>

#include "cxsim/stats/moments.h"

namespace cxsim::stats {

// Two-sided 95% normal quantile, Phi^{-1}(0.975).
inline constexpr double kZ95 = 1.959963984540054;

struct Estimate {
  double estimate;
  double se;       // standard error; NaN when undefined (n < 2, ...)
  double ci_low;   // estimate - z*se (95%)
  double ci_high;  // estimate + z*se
};

// {estimate, se, estimate -+ kZ95*se}. With se == 0 the interval is
// [estimate, estimate] exactly; with se NaN it is NaN.
Estimate make_estimate(double estimate, double se);

// One term of a linear combination of component means: weight * mean(index).
struct Term {
  int index;
  double weight;
};
using LinearForm = std::vector<Term>;

// scale * (sum num weight*mean) / (sum den weight*mean). An empty den means
// the constant 1, so a Ratio with an empty den is a linear combination.
struct Ratio {
  LinearForm num;
  LinearForm den;
  double scale = 1.0;

  // Plain mean of component i.
  static Ratio mean_of(int i) { return Ratio{{{i, 1.0}}, {}, 1.0}; }
  // scale * mean(num) / mean(den): a per-walk mean or share.
  static Ratio ratio_of(int num, int den, double scale = 1.0) { return Ratio{{{num, 1.0}}, {{den, 1.0}}, scale}; }
  // 100 * (mean(promoters) - mean(detractors)) / mean(respondents).
  static Ratio nps_of(int promoters, int detractors, int respondents) {
    return Ratio{{{promoters, 1.0}, {detractors, -1.0}}, {{respondents, 1.0}}, 100.0};
  }
  // The same ratio with every index moved by `offset`: maps a metric defined
  // on x to the baseline half of the joint vector [x_v, x_b] (offset = k).
  Ratio shifted(int offset) const;
  // The component indices it reads (num, then den; may repeat).
  std::vector<int> components() const;
};

// Appends every pair (i, j) of the given components, (i, i) included: the
// covariances the delta method reads for a function of exactly those means.
// What a sparse MomentAccumulator (moments.h) must keep for ratio() of a
// Ratio (its components()) or ratio_difference() of two (both lists joined).
void append_pairs(std::span<const int> components, std::vector<std::pair<int, int>>& out);

// Plain mean of component i, se = sd / sqrt(n).
Estimate mean(const MomentAccumulator& acc, int i);
// mean(num) / mean(den), linearized (delta method).
Estimate ratio(const MomentAccumulator& acc, int num, int den);
// 100 * (mean(P) - mean(D)) / mean(R), delta method.
Estimate nps(const MomentAccumulator& acc, int promoters, int detractors, int respondents);
// Any ratio of linear combinations.
Estimate ratio(const MomentAccumulator& acc, const Ratio& r);

// Paired difference g_variant(xbar) - g_baseline(xbar) on a joint
// accumulator; both ratios index the joint vector. The difference is taken
// of the two point estimates, the se from the joint covariance.
Estimate ratio_difference(const MomentAccumulator& joint, const Ratio& variant, const Ratio& baseline);
// Common case: the joint vector is [x_v (k values), x_b (k values)] and r is
// defined on x; variant = r, baseline = r.shifted(k).
Estimate paired_difference(const MomentAccumulator& joint, const Ratio& r, int k);

// General delta method: g maps the size() means to a value, grad writes the
// size() partial derivatives at those means (the buffer is zeroed before the
// call; leave components g does not depend on at 0).
using MeanFunction = std::function<double(const double* means)>;
using GradientFunction = std::function<void(const double* means, double* grad)>;
Estimate delta_method(const MomentAccumulator& acc, const MeanFunction& g, const GradientFunction& grad);

// var(g) * n = grad' Sigma grad for a sparse gradient given as (index,
// derivative) terms, summed exactly; clamped at 0; NaN when n < 2.
double quadratic_form(const MomentAccumulator& acc, std::span<const Term> gradient);

// Correctly rounded sum of the values (Shewchuk 1997, as Python's
// math.fsum): the result is the exact sum rounded once, so it does not depend
// on the order of the values and a multiset of values that cancel exactly
// sums to exactly 0. Non-finite input gives the naive sum (NaN/inf).
double exact_sum(std::span<const double> values);

// Type-7 (linear interpolation) quantile of sorted values; NaN when empty.
inline double quantile_sorted(std::span<const double> x, double p) {
  if (x.empty()) return std::nan("");
  const double h = (static_cast<double>(x.size()) - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, x.size() - 1);
  return x[lo] + (h - static_cast<double>(lo)) * (x[hi] - x[lo]);
}

}  // namespace cxsim::stats
