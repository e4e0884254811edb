#pragma once
// Ordered-logit (proportional odds) maximum likelihood
// (docs/methods/calibration.md, "Surveys"):
//     P(y <= c | x) = sigma(theta_c - x'beta),   c = 0..L-2,
// fitted by Newton-Raphson with the analytic gradient and Hessian (Eigen),
// step halving (every step must raise the log-likelihood and keep the
// cut-points increasing). Standard errors from the observed information
// (the inverse of minus the Hessian at the maximum).
//
// Categories nobody chose are collapsed (their probability is 0); columns of
// X that are all zero or linearly dependent on the others and the constant
// are dropped and reported (not identifiable).
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace cxsim::calibrate {

struct OrderedLogitFit {
  int categories = 0;         // K: scores 0..K-1 (as given)
  std::vector<int> observed;  // the categories with at least one answer, increasing
  std::vector<double> cut;    // L-1 cut-points between consecutive observed categories
  std::vector<double> cut_se;
  std::vector<double> beta;     // one per column of X (NaN for dropped columns)
  std::vector<double> beta_se;  // NaN for dropped columns
  std::vector<bool> dropped;    // per column: not identifiable
  Eigen::MatrixXd covariance;   // of (cut, kept betas), in that order
  double loglik = 0;
  double loglik_null = 0;  // cut-points only
  int iterations = 0;
  bool converged = false;
  std::string note;
  // P(score = c) at x = 0 for c = 0..K-1 (0 for unobserved categories).
  std::vector<double> baseline() const;
  // P(score = c | x) for c = 0..K-1.
  std::vector<double> probabilities(const Eigen::VectorXd& x) const;
};

// y in 0..categories-1, X n x p. Throws core::RuntimeError only on internal
// failure; a degenerate fit (one category answered, no rows) is returned with
// converged = false and a note.
OrderedLogitFit fit_ordered_logit(const std::vector<int>& y, const Eigen::MatrixXd& X, int categories,
                                  int max_iterations = 100);

}  // namespace cxsim::calibrate
