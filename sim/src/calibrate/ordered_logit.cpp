#include "cxsim/calibrate/ordered_logit.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace cxsim::calibrate {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

inline double sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

// Columns to keep: drop all-zero columns and those linearly dependent on the
// constant and the columns kept before them (pivoted Cholesky of the Gram
// matrix in column order, relative tolerance 1e-9).
std::vector<bool> identifiable_columns(const Eigen::MatrixXd& X) {
  const Eigen::Index n = X.rows(), p = X.cols();
  Eigen::MatrixXd Z(n, p + 1);
  Z.col(0).setOnes();
  Z.rightCols(p) = X;
  const Eigen::MatrixXd G = Z.transpose() * Z;
  std::vector<bool> keep(static_cast<std::size_t>(p), false);
  // Cholesky factor columns kept so far.
  std::vector<Eigen::Index> kept{0};
  Eigen::MatrixXd L = Eigen::MatrixXd::Zero(p + 1, p + 1);
  L(0, 0) = std::sqrt(std::max(G(0, 0), 1e-300));
  for (Eigen::Index j = 1; j <= p; ++j) {
    if (G(j, j) <= 0) continue;
    // Solve L_kept * v = G(kept, j); residual = G(j,j) - |v|^2.
    const auto m = static_cast<Eigen::Index>(kept.size());
    Eigen::VectorXd v(m);
    for (Eigen::Index a = 0; a < m; ++a) {
      double s = G(kept[static_cast<std::size_t>(a)], j);
      for (Eigen::Index b = 0; b < a; ++b) s -= L(a, b) * v(b);
      v(a) = s / L(a, a);
    }
    const double resid = G(j, j) - v.squaredNorm();
    if (resid <= 1e-9 * G(j, j)) continue;
    for (Eigen::Index b = 0; b < m; ++b) L(m, b) = v(b);
    L(m, m) = std::sqrt(resid);
    kept.push_back(j);
    keep[static_cast<std::size_t>(j - 1)] = true;
  }
  return keep;
}

struct Eval {
  double ll = 0;
  Eigen::VectorXd g;
  Eigen::MatrixXd H;
};

// Log-likelihood (and optionally gradient/Hessian) in parameters
// (theta_0..theta_{L-2}, beta_0..beta_{q-1}); y already mapped to levels 0..L-1.
Eval evaluate(const std::vector<int>& lev, const Eigen::MatrixXd& Xk, const Eigen::VectorXd& par, int L,
              bool derivatives) {
  const Eigen::Index q = Xk.cols();
  const int nc = L - 1;
  Eval e;
  if (derivatives) {
    e.g = Eigen::VectorXd::Zero(nc + q);
    e.H = Eigen::MatrixXd::Zero(nc + q, nc + q);
  }
  const Eigen::VectorXd beta = par.tail(q);
  const Eigen::VectorXd eta = q > 0 ? Eigen::VectorXd(Xk * beta) : Eigen::VectorXd::Zero(Xk.rows());
  // Per-row weights for the beta block: w_bb (x x'), and the cross terms.
  Eigen::VectorXd wbb(Xk.rows());
  Eigen::VectorXd gb(Xk.rows());
  Eigen::MatrixXd cross = Eigen::MatrixXd::Zero(nc, q);  // d2/dtheta dbeta accumulated
  for (Eigen::Index i = 0; i < Xk.rows(); ++i) {
    const int k = lev[static_cast<std::size_t>(i)];
    const bool has_up = k<nc, has_lo = k> 0;
    const double a = has_up ? par(k) - eta(i) : 0;
    const double b = has_lo ? par(k - 1) - eta(i) : 0;
    const double Fa = has_up ? sigmoid(a) : 1.0, Fb = has_lo ? sigmoid(b) : 0.0;
    // p = Fa - Fb computed stably.
    double p;
    if (has_up && has_lo && a > 0 && b > 0) p = sigmoid(-b) - sigmoid(-a);
    else p = Fa - Fb;
    if (!(p > 1e-300)) p = 1e-300;
    e.ll += std::log(p);
    if (!derivatives) continue;
    const double fa = has_up ? Fa * (1 - Fa) : 0, fb = has_lo ? Fb * (1 - Fb) : 0;
    const double dfa = has_up ? fa * (1 - 2 * Fa) : 0, dfb = has_lo ? fb * (1 - 2 * Fb) : 0;
    const double ip = 1.0 / p, ip2 = ip * ip;
    const double D = fa - fb;
    if (has_up) {
      e.g(k) += fa * ip;
      e.H(k, k) += dfa * ip - fa * fa * ip2;
    }
    if (has_lo) {
      e.g(k - 1) -= fb * ip;
      e.H(k - 1, k - 1) += -dfb * ip - fb * fb * ip2;
    }
    if (has_up && has_lo) {
      e.H(k, k - 1) += fa * fb * ip2;
      e.H(k - 1, k) += fa * fb * ip2;
    }
    gb(i) = -D * ip;
    wbb(i) = (dfa - dfb) * ip - D * D * ip2;
    if (q > 0) {
      if (has_up) cross.row(k) += (-(dfa * ip - fa * D * ip2)) * Xk.row(i);
      if (has_lo) cross.row(k - 1) += (-(-dfb * ip + fb * D * ip2)) * Xk.row(i);
    }
  }
  if (derivatives && q > 0) {
    e.g.tail(q) = Xk.transpose() * gb;
    e.H.bottomRightCorner(q, q) = Xk.transpose() * wbb.asDiagonal() * Xk;
    e.H.topRightCorner(nc, q) = cross;
    e.H.bottomLeftCorner(q, nc) = cross.transpose();
  }
  return e;
}

bool increasing(const Eigen::VectorXd& par, int nc) {
  for (int c = 1; c < nc; ++c)
    if (!(par(c) > par(c - 1))) return false;
  for (int c = 0; c < nc; ++c)
    if (!std::isfinite(par(c))) return false;
  return true;
}

}  // namespace

std::vector<double> OrderedLogitFit::baseline() const {
  return probabilities(Eigen::VectorXd::Zero(static_cast<Eigen::Index>(beta.size())));
}

std::vector<double> OrderedLogitFit::probabilities(const Eigen::VectorXd& x) const {
  std::vector<double> p(static_cast<std::size_t>(categories), 0.0);
  if (observed.empty()) return p;
  double eta = 0;
  for (std::size_t j = 0; j < beta.size(); ++j)
    if (!dropped[j] && std::isfinite(beta[j])) eta += beta[j] * x(static_cast<Eigen::Index>(j));
  double prev = 0;
  for (std::size_t l = 0; l < observed.size(); ++l) {
    const double F = l + 1 < observed.size() ? sigmoid(cut[l] - eta) : 1.0;
    p[static_cast<std::size_t>(observed[l])] = F - prev;
    prev = F;
  }
  return p;
}

OrderedLogitFit fit_ordered_logit(const std::vector<int>& y, const Eigen::MatrixXd& X, int categories,
                                  int max_iterations) {
  OrderedLogitFit f;
  f.categories = categories;
  const auto p = static_cast<std::size_t>(X.cols());
  f.beta.assign(p, kNaN);
  f.beta_se.assign(p, kNaN);
  f.dropped.assign(p, true);
  std::vector<double> freq(static_cast<std::size_t>(categories), 0.0);
  for (int v : y) freq[static_cast<std::size_t>(v)] += 1;
  std::vector<int> level_of(static_cast<std::size_t>(categories), -1);
  for (int c = 0; c < categories; ++c)
    if (freq[static_cast<std::size_t>(c)] > 0) {
      level_of[static_cast<std::size_t>(c)] = static_cast<int>(f.observed.size());
      f.observed.push_back(c);
    }
  const int L = static_cast<int>(f.observed.size());
  if (y.empty()) {
    f.note = "no responses";
    return f;
  }
  if (L < 2) {
    f.note = "every response has the same score: nothing to fit";
    return f;
  }
  const int nc = L - 1;
  std::vector<int> lev(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) lev[i] = level_of[static_cast<std::size_t>(y[i])];

  const std::vector<bool> keep = identifiable_columns(X);
  std::vector<Eigen::Index> cols;
  for (std::size_t j = 0; j < p; ++j)
    if (keep[j]) cols.push_back(static_cast<Eigen::Index>(j));
  const auto q = static_cast<Eigen::Index>(cols.size());
  Eigen::MatrixXd Xk(X.rows(), q);
  for (Eigen::Index j = 0; j < q; ++j) Xk.col(j) = X.col(cols[static_cast<std::size_t>(j)]);

  // Start: cut-points from the cumulative shares, beta = 0.
  Eigen::VectorXd par = Eigen::VectorXd::Zero(nc + q);
  double cum = 0;
  const double n = static_cast<double>(y.size());
  for (int l = 0; l < nc; ++l) {
    cum += freq[static_cast<std::size_t>(f.observed[static_cast<std::size_t>(l)])];
    const double F = cum / n;
    par(l) = std::log(F / (1 - F));
  }
  const Eigen::MatrixXd X0(X.rows(), 0);
  f.loglik_null = evaluate(lev, X0, Eigen::VectorXd(par.head(nc)), L, false).ll;

  Eval cur = evaluate(lev, Xk, par, L, true);
  for (int it = 0; it < max_iterations; ++it) {
    f.iterations = it + 1;
    Eigen::LDLT<Eigen::MatrixXd> ldlt(-cur.H);
    Eigen::VectorXd step = ldlt.solve(cur.g);
    if (!step.allFinite() || ldlt.info() != Eigen::Success) step = cur.g * 1e-3;  // gradient fallback
    double t = 1.0;
    bool improved = false;
    Eigen::VectorXd trial;
    Eval next;
    for (int h = 0; h < 40; ++h, t *= 0.5) {
      trial = par + t * step;
      if (!increasing(trial, nc)) continue;
      next = evaluate(lev, Xk, trial, L, false);
      if (next.ll >= cur.ll - 1e-12 * std::fabs(cur.ll)) {
        improved = true;
        break;
      }
    }
    if (!improved) {
      f.note = "line search failed (flat or separated likelihood)";
      break;
    }
    const double gain = next.ll - cur.ll;
    par = trial;
    cur = evaluate(lev, Xk, par, L, true);
    if ((t * step).cwiseAbs().maxCoeff() < 1e-9 || (gain >= 0 && gain < 1e-11 && cur.g.cwiseAbs().maxCoeff() < 1e-6)) {
      f.converged = true;
      break;
    }
  }
  if (!f.converged && f.note.empty()) f.note = "Newton-Raphson did not converge (a coefficient may be infinite)";
  f.loglik = cur.ll;
  f.covariance = (-cur.H).inverse();
  f.cut.resize(static_cast<std::size_t>(nc));
  f.cut_se.resize(static_cast<std::size_t>(nc));
  for (int l = 0; l < nc; ++l) {
    f.cut[static_cast<std::size_t>(l)] = par(l);
    f.cut_se[static_cast<std::size_t>(l)] = std::sqrt(f.covariance(l, l));
  }
  for (Eigen::Index j = 0; j < q; ++j) {
    const auto col = static_cast<std::size_t>(cols[static_cast<std::size_t>(j)]);
    f.beta[col] = par(nc + j);
    f.beta_se[col] = std::sqrt(f.covariance(nc + j, nc + j));
    f.dropped[col] = false;
  }
  return f;
}

}  // namespace cxsim::calibrate
