#pragma once
// Non-contractual retention ("buy till you die"): maximum likelihood of the
// beta-geometric/beta-Bernoulli model (BG/BB, discrete opportunities; Fader,
// Hardie & Shang 2010) and of the beta-geometric/NBD model (BG/NBD,
// continuous time; Fader, Hardie & Lee 2005) from per-customer summaries
// (docs/methods/calibration.md, "Non-contractual retention").
//
// BG/BB: at each of n opportunities an alive customer transacts with
// probability p ~ Beta(alpha, beta); at the start of every opportunity an
// alive customer drops out with probability theta ~ Beta(gamma, delta). With
// x transactions, the last at opportunity t_x:
//   L = B(a+x, b+n-x)/B(a,b) * B(g, d+n)/B(g,d)
//     + sum_{i=0}^{n-t_x-1} B(a+x, b+t_x-x+i)/B(a,b) * B(g+1, d+t_x+i)/B(g,d).
// BG/NBD: Poisson purchases at rate lambda ~ Gamma(r, alpha) while alive;
// after each purchase the customer drops out with probability p ~ Beta(a, b).
// With x repeat purchases, the last at t_x, observed over (0, T]:
//   L = G(r+x) alpha^r / G(r) * B(a, b+x)/B(a, b)
//     * [ (alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x) ].
//
// Both fits: BFGS on the log parameters with central-difference gradients,
// then standard errors from the observed information, a central-difference
// Hessian of the log-likelihood in the log parameters at the optimum (the
// delta method gives se(theta) = theta * se(log theta) there, the gradient
// being zero); 95% intervals exp(log theta +- 1.96 se(log theta)).
#include <string>
#include <vector>

namespace cxsim::calibrate {

// One (group of identical) customer summaries: x repeat transactions, the
// last at t_x, out of n opportunities (BG/BB) or over (0, T] (BG/NBD);
// `weight` customers share it.
struct RepeatSummary {
  double x = 0, t_x = 0, n = 0;  // n: opportunities (BG/BB) or T (BG/NBD)
  double weight = 1;
};

struct RepeatParameter {
  std::string name;  // alpha, beta, gamma, delta (BG/BB); r, alpha, a, b (BG/NBD)
  double value = 0, se = 0, lo = 0, hi = 0;
};

struct RepeatFit {
  std::string model;  // "bgbb" or "bgnbd"
  std::vector<RepeatParameter> params;
  double loglik = 0;
  double customers = 0;
  int iterations = 0;
  bool converged = false;
  std::string note;  // why not converged / not identified
  double value(std::size_t i) const { return params[i].value; }
};

// Log-likelihoods (sums over the summaries, weighted).
double bgbb_loglik(const std::vector<RepeatSummary>& d, double alpha, double beta, double gamma, double delta);
double bgnbd_loglik(const std::vector<RepeatSummary>& d, double r, double alpha, double a, double b);

RepeatFit fit_bgbb(const std::vector<RepeatSummary>& d, int max_iterations = 500);
RepeatFit fit_bgnbd(const std::vector<RepeatSummary>& d, int max_iterations = 500);

}  // namespace cxsim::calibrate
