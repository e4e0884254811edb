// The BG/BB walk-count distribution with the engine's alignment
// (cxsim/analytics/engagement.h).
#include "cxsim/analytics/engagement.h"

#include <algorithm>
#include <cmath>

namespace cxsim::analytics {

namespace {

double log_beta(double a, double b) { return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b); }
double log_choose(int n, int k) { return std::lgamma(n + 1.0) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0); }

// P(x walks | alive for l periods): Beta-binomial(l; a, b), or binomial(l, p).
double walks_given_lifetime(const model::CompiledSegment& seg, int l, int x) {
  if (!seg.engages) return x == l ? 1.0 : 0.0;
  if (seg.engage_beta_drawn)
    return std::exp(log_choose(l, x) + log_beta(seg.engage_alpha + x, seg.engage_beta + l - x) -
                    log_beta(seg.engage_alpha, seg.engage_beta));
  const double p = seg.engage_p;
  if (p >= 1.0) return x == l ? 1.0 : 0.0;
  return std::exp(log_choose(l, x) + x * std::log(p) + (l - x) * std::log1p(-p));
}

}  // namespace

std::vector<double> walk_count_pmf(const model::CompiledSegment& seg, int n) {
  n = std::max(0, n);
  std::vector<double> pmf(static_cast<std::size_t>(n) + 1, 0.0);
  if (n == 0) {
    pmf[0] = 1.0;
    return pmf;
  }
  // Lifetime L in periods (the customer is active in periods 1..L): the walk
  // of a period comes before its churn draw, so L >= 1;
  //   P(L = l) = E[θ(1−θ)^(l−1)] = B(α+1, β+l−1)/B(α, β)   for l < n,
  //   P(L = n) = E[(1−θ)^(n−1)]  = B(α, β+n−1)/B(α, β).
  for (int l = 1; l <= n; ++l) {
    double pl = l == n ? 1.0 : 0.0;
    if (seg.churns) {
      const double lb = log_beta(seg.alpha, seg.beta);
      pl = l < n ? std::exp(log_beta(seg.alpha + 1, seg.beta + l - 1) - lb)
                 : std::exp(log_beta(seg.alpha, seg.beta + n - 1) - lb);
    }
    if (pl == 0) continue;
    for (int x = 0; x <= l; ++x) pmf[static_cast<std::size_t>(x)] += pl * walks_given_lifetime(seg, l, x);
  }
  return pmf;
}

}  // namespace cxsim::analytics
