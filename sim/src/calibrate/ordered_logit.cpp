#include "cxsim/calibrate/ordered_logit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

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

// Newton-Raphson from `par` on the log-likelihood minus 0.5 sum prec_j
// beta_j^2 (prec empty: plain ML). Leaves the maximiser in `par` and the
// (penalised) evaluation there in `cur`.
struct NewtonResult {
  Eval cur;
  int iterations = 0;
  bool converged = false;
  std::string note;
  double rcond = 1;
};

Eval evaluate_penalised(const std::vector<int>& lev, const Eigen::MatrixXd& Xk, const Eigen::VectorXd& par, int L,
                        bool derivatives, const Eigen::VectorXd& prec) {
  Eval e = evaluate(lev, Xk, par, L, derivatives);
  if (prec.size() == 0) return e;
  const Eigen::Index q = Xk.cols(), nc = L - 1;
  const Eigen::VectorXd beta = par.tail(q);
  e.ll -= 0.5 * beta.dot(prec.cwiseProduct(beta));
  if (derivatives) {
    e.g.tail(q) -= prec.cwiseProduct(beta);
    for (Eigen::Index j = 0; j < q; ++j) e.H(nc + j, nc + j) -= prec(j);
  }
  return e;
}

NewtonResult newton(const std::vector<int>& lev, const Eigen::MatrixXd& Xk, Eigen::VectorXd& par, int L,
                    int max_iterations, const Eigen::VectorXd& prec) {
  const int nc = L - 1;
  NewtonResult r;
  r.cur = evaluate_penalised(lev, Xk, par, L, true, prec);
  for (int it = 0; it < max_iterations; ++it) {
    r.iterations = it + 1;
    Eigen::LDLT<Eigen::MatrixXd> ldlt(-r.cur.H);
    Eigen::VectorXd step = ldlt.solve(r.cur.g);
    if (!step.allFinite() || ldlt.info() != Eigen::Success) step = r.cur.g * 1e-3;  // gradient fallback
    double t = 1.0;
    bool improved = false;
    Eigen::VectorXd trial;
    Eval next;
    for (int h = 0; h < 40; ++h, t *= 0.5) {
      trial = par + t * step;
      if (!increasing(trial, nc)) continue;
      next = evaluate_penalised(lev, Xk, trial, L, false, prec);
      if (next.ll >= r.cur.ll - 1e-12 * std::fabs(r.cur.ll)) {
        improved = true;
        break;
      }
    }
    if (!improved) {
      r.note = "line search failed (flat or separated likelihood)";
      break;
    }
    const double gain = next.ll - r.cur.ll;
    par = trial;
    r.cur = evaluate_penalised(lev, Xk, par, L, true, prec);
    if ((t * step).cwiseAbs().maxCoeff() < 1e-9 ||
        (gain >= 0 && gain < 1e-11 && r.cur.g.cwiseAbs().maxCoeff() < 1e-6)) {
      r.converged = true;
      break;
    }
  }
  if (!r.converged && r.note.empty()) r.note = "Newton-Raphson did not converge (a coefficient may be infinite)";
  Eigen::LDLT<Eigen::MatrixXd> ldlt(-r.cur.H);
  r.rcond = ldlt.info() == Eigen::Success ? ldlt.rcond() : 0.0;
  return r;
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
  f.separated.assign(p, false);
  f.prior_sd.assign(p, std::numeric_limits<double>::quiet_NaN());
  f.group_of.assign(p, -1);
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
  Eigen::VectorXd start = Eigen::VectorXd::Zero(nc + q);
  double cum = 0;
  const double n = static_cast<double>(y.size());
  for (int l = 0; l < nc; ++l) {
    cum += freq[static_cast<std::size_t>(f.observed[static_cast<std::size_t>(l)])];
    const double F = cum / n;
    start(l) = std::log(F / (1 - F));
  }
  const Eigen::MatrixXd X0(X.rows(), 0);
  f.loglik_null = evaluate(lev, X0, Eigen::VectorXd(start.head(nc)), L, false).ll;

  Eigen::VectorXd par = start;
  NewtonResult nr = newton(lev, Xk, par, L, max_iterations, Eigen::VectorXd());

  // Separation check on the standardised scale (column sd s_j): a coefficient
  // or its standard error that no real effect of a visit count would have.
  Eigen::VectorXd sd(q);
  for (Eigen::Index j = 0; j < q; ++j) {
    const double mean = Xk.col(j).mean();
    sd(j) = std::sqrt(std::max((Xk.col(j).array() - mean).square().sum() / n, 1e-300));
  }
  {
    const Eigen::MatrixXd cov = (-nr.cur.H).inverse();
    bool any = !nr.converged || !(nr.rcond > 1e-12);
    for (Eigen::Index j = 0; j < q; ++j) {
      const double b = par(nc + j), se = std::sqrt(cov(nc + j, nc + j));
      const bool bad = !(std::fabs(b) * sd(j) < 10.0) || !(se * sd(j) < 5.0);
      f.separated[static_cast<std::size_t>(cols[static_cast<std::size_t>(j)])] = bad;
      any = any || bad;
    }
    if (any && q > 0) {
      // Penalised refit: beta_j ~ N(0, (0.5 kOrderedLogitPriorSd / s_j)^2).
      Eigen::VectorXd prec(q);
      for (Eigen::Index j = 0; j < q; ++j) {
        const double prior_sd = 0.5 * kOrderedLogitPriorSd / sd(j);
        prec(j) = 1.0 / (prior_sd * prior_sd);
        f.prior_sd[static_cast<std::size_t>(cols[static_cast<std::size_t>(j)])] = prior_sd;
      }
      const std::string ml_note = nr.note;
      par = start;
      nr = newton(lev, Xk, par, L, max_iterations, prec);
      f.regularised = true;
      f.note = "maximum likelihood not pinned down (separation" + std::string(ml_note.empty() ? "" : ": " + ml_note) +
               "); penalised estimate with a N(0, 2.5^2) prior per standardised coefficient";
      if (!nr.converged) f.note += "; " + nr.note;
    }
  }
  f.iterations = nr.iterations;
  f.converged = nr.converged;
  if (!f.regularised) f.note = nr.note;
  f.loglik = evaluate(lev, Xk, par, L, false).ll;
  Eigen::MatrixXd cov = (-nr.cur.H).inverse();
  f.parameters = nc + static_cast<int>(q);

  // Collinear columns: one null vector of [1, X] per nonzero dropped column
  // (its combination of the constant and kept columns, least squares), then
  // the estimate moves along them to the minimum-norm beta (cut-points
  // shifted so that every fitted probability is unchanged).
  std::vector<std::size_t> nonzero_dropped;
  for (std::size_t j = 0; j < p; ++j)
    if (!keep[j] && X.col(static_cast<Eigen::Index>(j)).squaredNorm() > 0) nonzero_dropped.push_back(j);
  // Full parameter vector (cut, beta over the non-zero columns).
  std::vector<Eigen::Index> full_cols = cols;
  for (auto j : nonzero_dropped) full_cols.push_back(static_cast<Eigen::Index>(j));
  std::sort(full_cols.begin(), full_cols.end());
  const auto qf = static_cast<Eigen::Index>(full_cols.size());
  Eigen::VectorXd parf = Eigen::VectorXd::Zero(nc + qf);
  Eigen::MatrixXd covf = Eigen::MatrixXd::Zero(nc + qf, nc + qf);
  {
    // Map kept index -> full index.
    std::vector<Eigen::Index> at(static_cast<std::size_t>(nc + q));
    for (int l = 0; l < nc; ++l) at[static_cast<std::size_t>(l)] = l;
    for (Eigen::Index j = 0; j < q; ++j)
      at[static_cast<std::size_t>(nc + j)] =
          nc +
          (std::lower_bound(full_cols.begin(), full_cols.end(), cols[static_cast<std::size_t>(j)]) - full_cols.begin());
    for (Eigen::Index a = 0; a < nc + q; ++a) {
      parf(at[static_cast<std::size_t>(a)]) = par(a);
      for (Eigen::Index b = 0; b < nc + q; ++b)
        covf(at[static_cast<std::size_t>(a)], at[static_cast<std::size_t>(b)]) = cov(a, b);
    }
  }
  if (!nonzero_dropped.empty()) {
    const auto r = static_cast<Eigen::Index>(nonzero_dropped.size());
    Eigen::MatrixXd Zk(X.rows(), q + 1);
    Zk.col(0).setOnes();
    Zk.rightCols(q) = Xk;
    const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(Zk);
    Eigen::MatrixXd Nb = Eigen::MatrixXd::Zero(qf, r);
    Eigen::VectorXd v0(r);
    auto full_index = [&](Eigen::Index col) {
      return std::lower_bound(full_cols.begin(), full_cols.end(), col) - full_cols.begin();
    };
    // Union-find over columns for the groups.
    std::vector<std::size_t> parent(p);
    for (std::size_t j = 0; j < p; ++j) parent[j] = j;
    auto find = [&](std::size_t a) {
      while (parent[a] != a) a = parent[a] = parent[parent[a]];
      return a;
    };
    std::vector<bool> with_const(p, false);
    for (Eigen::Index k = 0; k < r; ++k) {
      const auto j = nonzero_dropped[static_cast<std::size_t>(k)];
      const Eigen::VectorXd c = qr.solve(Eigen::VectorXd(X.col(static_cast<Eigen::Index>(j))));
      // X_j = c0 + sum c_i X_i  ->  null vector (c0, c, -1 at j).
      const double scale = std::max(1.0, c.cwiseAbs().maxCoeff());
      v0(k) = std::fabs(c(0)) > 1e-9 * scale ? c(0) : 0.0;
      Nb(full_index(static_cast<Eigen::Index>(j)), k) = -1;
      bool constant = v0(k) != 0;
      for (Eigen::Index i = 0; i < q; ++i) {
        if (!(std::fabs(c(i + 1)) > 1e-9 * scale)) continue;
        const auto ci = static_cast<std::size_t>(cols[static_cast<std::size_t>(i)]);
        Nb(full_index(static_cast<Eigen::Index>(ci)), k) = c(i + 1);
        const auto a = find(ci), b = find(j);
        if (a != b) {
          parent[a] = b;
          with_const[b] = with_const[b] || with_const[a];
        }
      }
      if (constant) with_const[find(j)] = true;
    }
    std::map<std::size_t, std::vector<std::size_t>> members;
    for (auto j : full_cols) members[find(static_cast<std::size_t>(j))].push_back(static_cast<std::size_t>(j));
    for (auto& [root, mem] : members) {
      if (mem.size() < 2 && !with_const[root]) continue;
      OrderedLogitFit::CollinearGroup g;
      g.columns = mem;
      g.with_constant = with_const[root];
      for (auto j : mem) f.group_of[j] = static_cast<int>(f.collinear.size());
      f.collinear.push_back(std::move(g));
    }
    // Minimum-norm move: beta += Nb t, t = -(Nb'Nb)^-1 Nb' beta; cut -= v0't.
    const Eigen::MatrixXd NtN = Nb.transpose() * Nb;
    const Eigen::MatrixXd W = NtN.ldlt().solve(Nb.transpose());  // r x qf
    Eigen::MatrixXd A = Eigen::MatrixXd::Identity(nc + qf, nc + qf);
    A.bottomRightCorner(qf, qf) -= Nb * W;
    const Eigen::RowVectorXd w = v0.transpose() * W;  // cut += w beta
    for (int l = 0; l < nc; ++l) A.block(l, nc, 1, qf) = w;
    parf = A * parf;
    covf = A * covf * A.transpose();
  }
  f.covariance = covf;
  f.cut.resize(static_cast<std::size_t>(nc));
  f.cut_se.resize(static_cast<std::size_t>(nc));
  for (int l = 0; l < nc; ++l) {
    f.cut[static_cast<std::size_t>(l)] = parf(l);
    f.cut_se[static_cast<std::size_t>(l)] = std::sqrt(covf(l, l));
  }
  for (Eigen::Index j = 0; j < qf; ++j) {
    const auto col = static_cast<std::size_t>(full_cols[static_cast<std::size_t>(j)]);
    f.beta[col] = parf(nc + j);
    f.beta_se[col] = std::sqrt(std::max(0.0, covf(nc + j, nc + j)));
    f.dropped[col] = false;
  }
  return f;
}

}  // namespace cxsim::calibrate
