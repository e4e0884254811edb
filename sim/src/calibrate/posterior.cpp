#include "cxsim/calibrate/posterior.h"

#include <boost/math/special_functions/beta.hpp>

namespace cxsim::calibrate {

Interval beta_interval(double a, double b, double level) {
  const double tail = (1.0 - level) / 2.0;
  return {boost::math::ibeta_inv(a, b, tail), boost::math::ibeta_inv(a, b, 1.0 - tail)};
}

CategoricalPosterior dirichlet_posterior(const std::vector<double>& counts, double alpha0, double level) {
  CategoricalPosterior p;
  p.mean.assign(counts.size(), 0.0);
  p.interval.assign(counts.size(), Interval{});
  double total = 0;
  int observed = 0;
  for (double c : counts)
    if (c > 0) {
      total += c;
      ++observed;
    }
  if (observed == 0) return p;
  const double a_sum = total + alpha0 * observed;
  for (std::size_t j = 0; j < counts.size(); ++j) {
    if (!(counts[j] > 0)) continue;
    const double a = counts[j] + alpha0;
    p.mean[j] = a / a_sum;
    if (observed == 1) p.interval[j] = {1.0, 1.0};
    else p.interval[j] = beta_interval(a, a_sum - a, level);
  }
  return p;
}

RatePosterior beta_posterior(double successes, double trials, double prior, double level) {
  RatePosterior r;
  const double a = successes + prior, b = trials - successes + prior;
  r.mean = a / (a + b);
  r.interval = beta_interval(a, b, level);
  return r;
}

}  // namespace cxsim::calibrate
