#pragma once
// Shifted-beta-geometric (sBG) retention model, Fader & Hardie (2007):
// a customer churns at the end of each period with probability theta,
// theta ~ Beta(alpha, beta) across customers. With T the period of churn,
//     P(T = t)   = B(alpha + 1, beta + t - 1) / B(alpha, beta),
//     S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta).
// Maximum likelihood by Newton-Raphson on (log alpha, log beta) with the
// analytic gradient and Hessian (digamma/trigamma), step halving; standard
// errors from the observed information in (alpha, beta).
#include <string>
#include <vector>

namespace cxsim::calibrate {

// churned[t]: customers observed to churn at the end of period t (t >= 1);
// censored[t]: customers last seen alive after t periods (right-censored).
// Index 0 of `churned` is unused; censored[0] contributes nothing.
struct SurvivalCounts {
  std::vector<double> churned;
  std::vector<double> censored;
  double customers() const;
  int horizon() const;  // largest t with data
};

// From cohort survivors alive[0..P] (alive[0] = cohort size).
SurvivalCounts survival_from_cohort(const std::vector<double>& alive);

struct SbgFit {
  double alpha = 0, beta = 0;
  double se_alpha = 0, se_beta = 0, cov_alpha_beta = 0;
  // 95% intervals from the log scale (always positive).
  double alpha_lo = 0, alpha_hi = 0, beta_lo = 0, beta_hi = 0;
  double loglik = 0;
  double customers = 0;
  int horizon = 0;
  int iterations = 0;
  bool converged = false;
  std::string note;
  // S(t) for t = 0..T.
  std::vector<double> survival(int T) const;
};

SbgFit fit_sbg(const SurvivalCounts& data, int max_iterations = 200);

// The sBG log-likelihood at (alpha, beta) (for tests).
double sbg_loglik(const SurvivalCounts& data, double alpha, double beta);

}  // namespace cxsim::calibrate
