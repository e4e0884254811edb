#include "cxsim/calibrate/sbg.h"

#include <cmath>
#include <limits>

#include <Eigen/Dense>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>

namespace cxsim::calibrate {

namespace {

constexpr double kZ95 = 1.959963984540054;

inline double lbeta(double a, double b) { return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b); }

struct Eval {
  double ll = 0;
  Eigen::Vector2d g = Eigen::Vector2d::Zero();  // d/d(alpha, beta)
  Eigen::Matrix2d H = Eigen::Matrix2d::Zero();
};

// Adds w * lB(alpha + a0, beta + b0) and its derivatives.
void add_lbeta(Eval& e, double w, double alpha, double beta, double a0, double b0) {
  if (w == 0) return;
  const double a = alpha + a0, b = beta + b0;
  e.ll += w * lbeta(a, b);
  const double psi_ab = boost::math::digamma(a + b), tri_ab = boost::math::trigamma(a + b);
  e.g(0) += w * (boost::math::digamma(a) - psi_ab);
  e.g(1) += w * (boost::math::digamma(b) - psi_ab);
  e.H(0, 0) += w * (boost::math::trigamma(a) - tri_ab);
  e.H(1, 1) += w * (boost::math::trigamma(b) - tri_ab);
  e.H(0, 1) -= w * tri_ab;
  e.H(1, 0) -= w * tri_ab;
}

Eval evaluate(const SurvivalCounts& d, double alpha, double beta) {
  Eval e;
  double total = 0;
  for (std::size_t t = 1; t < d.churned.size(); ++t) {
    const double w = d.churned[t];
    if (w > 0) add_lbeta(e, w, alpha, beta, 1.0, static_cast<double>(t) - 1.0);  // P(T = t)
    total += w;
  }
  for (std::size_t t = 1; t < d.censored.size(); ++t) {
    const double w = d.censored[t];
    if (w > 0) add_lbeta(e, w, alpha, beta, 0.0, static_cast<double>(t));  // S(t)
    total += w;
  }
  add_lbeta(e, -total, alpha, beta, 0.0, 0.0);
  return e;
}

}  // namespace

double SurvivalCounts::customers() const {
  double n = 0;
  for (std::size_t t = 1; t < churned.size(); ++t) n += churned[t];
  for (std::size_t t = 1; t < censored.size(); ++t) n += censored[t];
  return n;
}

int SurvivalCounts::horizon() const {
  int h = 0;
  for (std::size_t t = 1; t < churned.size(); ++t)
    if (churned[t] > 0) h = std::max(h, static_cast<int>(t));
  for (std::size_t t = 1; t < censored.size(); ++t)
    if (censored[t] > 0) h = std::max(h, static_cast<int>(t));
  return h;
}

SurvivalCounts survival_from_cohort(const std::vector<double>& alive) {
  SurvivalCounts s;
  const std::size_t P = alive.empty() ? 0 : alive.size() - 1;
  s.churned.assign(P + 1, 0.0);
  s.censored.assign(P + 1, 0.0);
  for (std::size_t t = 1; t <= P; ++t) s.churned[t] = alive[t - 1] - alive[t];
  if (P >= 1) s.censored[P] = alive[P];
  return s;
}

std::vector<double> SbgFit::survival(int T) const {
  std::vector<double> s(static_cast<std::size_t>(T) + 1, 1.0);
  for (int t = 1; t <= T; ++t)
    s[static_cast<std::size_t>(t)] = s[static_cast<std::size_t>(t) - 1] * (beta + t - 1) / (alpha + beta + t - 1);
  return s;
}

double sbg_loglik(const SurvivalCounts& data, double alpha, double beta) { return evaluate(data, alpha, beta).ll; }

SbgFit fit_sbg(const SurvivalCounts& data, int max_iterations) {
  SbgFit f;
  f.customers = data.customers();
  f.horizon = data.horizon();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  f.alpha = f.beta = f.se_alpha = f.se_beta = f.cov_alpha_beta = nan;
  f.alpha_lo = f.alpha_hi = f.beta_lo = f.beta_hi = nan;
  double churns = 0;
  for (std::size_t t = 1; t < data.churned.size(); ++t) churns += data.churned[t];
  if (f.customers <= 0) {
    f.note = "no customers";
    return f;
  }
  if (churns <= 0) {
    f.note = "nobody churned: alpha/beta not identifiable (no churn)";
    return f;
  }
  if (f.horizon < 2) {
    f.note =
        "only one period observed: the mean churn is identified but not alpha and beta separately (need >= 2 "
        "periods)";
    return f;
  }
  // Newton on u = log(alpha), v = log(beta).
  Eigen::Vector2d uv(0.0, 0.0);
  Eval cur = evaluate(data, 1.0, 1.0);
  for (int it = 0; it < max_iterations; ++it) {
    f.iterations = it + 1;
    const double a = std::exp(uv(0)), b = std::exp(uv(1));
    Eigen::Vector2d g(a * cur.g(0), b * cur.g(1));
    Eigen::Matrix2d H;
    H(0, 0) = a * a * cur.H(0, 0) + a * cur.g(0);
    H(1, 1) = b * b * cur.H(1, 1) + b * cur.g(1);
    H(0, 1) = H(1, 0) = a * b * cur.H(0, 1);
    Eigen::Vector2d step;
    Eigen::Matrix2d negH = -H;
    Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d> es(negH);
    if (es.eigenvalues().minCoeff() > 1e-12) step = negH.ldlt().solve(g);
    else step = g / std::max(1.0, g.norm());  // not concave here: gradient step
    double t = 1.0;
    bool improved = false;
    Eigen::Vector2d trial;
    Eval next;
    for (int h = 0; h < 50; ++h, t *= 0.5) {
      trial = uv + t * step;
      if (trial.cwiseAbs().maxCoeff() > 30) continue;
      next = evaluate(data, std::exp(trial(0)), std::exp(trial(1)));
      if (std::isfinite(next.ll) && next.ll >= cur.ll - 1e-13 * std::fabs(cur.ll)) {
        improved = true;
        break;
      }
    }
    if (!improved) break;
    const double gain = next.ll - cur.ll;
    uv = trial;
    cur = next;
    if ((t * step).cwiseAbs().maxCoeff() < 1e-10 || (gain < 1e-12 && g.cwiseAbs().maxCoeff() < 1e-7)) {
      f.converged = true;
      break;
    }
  }
  f.alpha = std::exp(uv(0));
  f.beta = std::exp(uv(1));
  f.loglik = cur.ll;
  if (!f.converged) f.note = "did not converge (the MLE may be on the boundary: no heterogeneity or no churn)";
  if (uv.cwiseAbs().maxCoeff() > 25) {
    f.converged = false;
    f.note = "alpha and beta diverge: the data show no heterogeneity in churn (a plain geometric fits)";
  }
  Eigen::Matrix2d info = -cur.H;
  Eigen::Matrix2d cov = info.inverse();
  if (cov.allFinite() && cov(0, 0) > 0 && cov(1, 1) > 0) {
    f.se_alpha = std::sqrt(cov(0, 0));
    f.se_beta = std::sqrt(cov(1, 1));
    f.cov_alpha_beta = cov(0, 1);
    const double sla = f.se_alpha / f.alpha, slb = f.se_beta / f.beta;
    f.alpha_lo = f.alpha * std::exp(-kZ95 * sla);
    f.alpha_hi = f.alpha * std::exp(kZ95 * sla);
    f.beta_lo = f.beta * std::exp(-kZ95 * slb);
    f.beta_hi = f.beta * std::exp(kZ95 * slb);
  }
  return f;
}

}  // namespace cxsim::calibrate
