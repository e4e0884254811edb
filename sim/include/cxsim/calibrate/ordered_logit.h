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
// X that are all zero are dropped (no data). Columns linearly dependent on the
// constant and earlier columns are fitted without, then the estimate is moved
// along the likelihood's flat directions to the minimum-norm point (so a
// group of identical columns shares its one coefficient equally, a column
// equal to the constant gets 0 and the cut-points absorb it) and the groups
// are reported (`collinear`).
//
// Separation: when the maximum-likelihood estimate does not exist or is not
// pinned down (Newton does not converge, a standardised coefficient or its
// standard error blows up, or minus the Hessian is near singular) the fit is
// redone with a weak normal prior on every coefficient, N(0, 2.5^2) for the
// column standardised to sd 0.5 (Gelman et al. 2008), i.e. beta_j ~
// N(0, (1.25 / sd_j)^2): the penalised (MAP) estimate is finite, `regularised`
// is set and `separated` names the columns that triggered it. Standard errors
// are then from minus the penalised Hessian.
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
  std::vector<bool> dropped;    // per column: all zero (no data), NaN estimate
  Eigen::MatrixXd covariance;   // of (cut, non-dropped betas), in that order
  int parameters = 0;           // identified: cut-points + linearly independent columns
  // Separation (see above): the ML fit was replaced by the penalised one.
  bool regularised = false;
  std::vector<bool> separated;  // per column: flagged in the ML fit
  // Per column: the prior sd of the penalised refit (NaN when not regularised
  // or the column was not in the fit); the joint fit uses the same prior.
  std::vector<double> prior_sd;
  // Groups of columns linearly dependent among themselves (and, when
  // with_constant, the constant), each handled by the minimum-norm rule.
  struct CollinearGroup {
    std::vector<std::size_t> columns;
    bool with_constant = false;
  };
  std::vector<CollinearGroup> collinear;
  std::vector<int> group_of;  // per column: index into collinear, -1 if none
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

// Prior sd of a coefficient on the standardised scale (column sd 0.5) in a
// regularised fit, and the thresholds of the separation check.
inline constexpr double kOrderedLogitPriorSd = 2.5;

}  // namespace cxsim::calibrate
