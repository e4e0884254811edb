#pragma once
// Bayesian posteriors of categorical and binary probabilities
// (docs/methods/calibration.md, "Transitions" and "Friction").
#include <vector>

namespace cxsim::calibrate {

// The Dirichlet prior pseudo-count added to every *observed* target of a
// next/start map. Targets never observed keep probability 0 (structural zeros).
inline constexpr double kDirichletAlpha0 = 0.5;
// Jeffreys prior Beta(1/2, 1/2) for friction rates.
inline constexpr double kBetaPrior = 0.5;

struct Interval {
  double lo = 0;
  double hi = 0;
};

// Equal-tailed credible interval of Beta(a, b) (Boost.Math ibeta_inv).
Interval beta_interval(double a, double b, double level = 0.95);

// Posterior Dirichlet(counts + alpha0) over the targets with count > 0:
// means and the equal-tailed intervals of the Beta marginals
// Beta(n_j + a0, N + J a0 - n_j - a0). Targets with count 0 get 0 and [0, 0].
struct CategoricalPosterior {
  std::vector<double> mean;
  std::vector<Interval> interval;
};
CategoricalPosterior dirichlet_posterior(const std::vector<double>& counts, double alpha0 = kDirichletAlpha0,
                                         double level = 0.95);

// Beta posterior of a rate from `successes` out of `trials` with the
// Beta(prior, prior) prior: mean and equal-tailed interval.
struct RatePosterior {
  double mean = 0;
  Interval interval;
};
RatePosterior beta_posterior(double successes, double trials, double prior = kBetaPrior, double level = 0.95);

}  // namespace cxsim::calibrate
