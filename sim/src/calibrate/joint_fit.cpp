// Joint fit of calibrate(): one likelihood per customer over its walks
// (visit counts per touchpoint and status, period by period), its survey
// answers and non-answers, and its lifetime, with the engine's latent
// satisfaction S0 ~ Normal(0, sd) integrated by Gauss-Hermite quadrature and
// the churn propensity theta ~ Beta(alpha, beta) by Gauss-Jacobi quadrature
// (docs/methods/calibration.md, "Joint fit"). Estimates the satisfaction
// deltas, the NPS cut-points, the carryover lambda, the response rate r0 and
// extremity rho, the churn heterogeneity (alpha, beta) and the retention
// sensitivity gamma, and writes them into the fitted model, each with its
// standard error or the reason the data cannot identify it.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>

#include <Eigen/Dense>
#include <boost/math/special_functions/digamma.hpp>
#include <fmt/format.h>

#include "cxsim/calibrate/quadrature.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"
#include "stages.h"

namespace cxsim::calibrate {

Quadrature gauss_hermite(int n) {
  Quadrature q;
  if (n < 1) return q;
  Eigen::VectorXd d = Eigen::VectorXd::Zero(n), e(std::max(0, n - 1));
  for (int k = 1; k < n; ++k) e(k - 1) = std::sqrt(static_cast<double>(k));
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es;
  es.computeFromTridiagonal(d, e, Eigen::ComputeEigenvectors);
  for (int k = 0; k < n; ++k) {
    q.x.push_back(es.eigenvalues()(k));
    q.w.push_back(es.eigenvectors()(0, k) * es.eigenvectors()(0, k));
  }
  return q;
}

Quadrature gauss_jacobi_beta(int n, double a, double b) {
  // Jacobi polynomials P^(p, r) with weight (1-x)^p (1+x)^r: p = b - 1 (the
  // 1 - theta exponent), r = a - 1. Monic recurrence coefficients:
  //   diag_k = (r^2 - p^2) / ((2k+p+r)(2k+p+r+2))   (k = 0: (r-p)/(p+r+2))
  //   off_k^2 = 4k(k+p)(k+r)(k+p+r) / ((2k+p+r)^2 (2k+p+r+1)(2k+p+r-1)),
  // with the removable 0/0 of k = 1 cancelled by hand.
  Quadrature q;
  if (n < 1 || !(a > 0) || !(b > 0)) return q;
  const double p = b - 1, r = a - 1, s = p + r;
  Eigen::VectorXd d(n), e(std::max(0, n - 1));
  for (int k = 0; k < n; ++k) {
    const double t = 2.0 * k + s;
    d(k) = k == 0 ? (r - p) / (s + 2) : (r * r - p * p) / (t * (t + 2));
  }
  for (int k = 1; k < n; ++k) {
    const double t = 2.0 * k + s;
    const double b2 = k == 1 ? 4 * (1 + p) * (1 + r) / ((2 + s) * (2 + s) * (3 + s))
                             : 4.0 * k * (k + p) * (k + r) * (k + s) / (t * t * (t + 1) * (t - 1));
    e(k - 1) = std::sqrt(std::max(0.0, b2));
  }
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es;
  es.computeFromTridiagonal(d, e, Eigen::ComputeEigenvectors);
  for (int k = 0; k < n; ++k) {
    q.x.push_back(std::clamp((1 + es.eigenvalues()(k)) / 2, 1e-300, 1 - 1e-16));
    q.w.push_back(es.eigenvectors()(0, k) * es.eigenvectors()(0, k));
  }
  return q;
}

}  // namespace cxsim::calibrate

namespace cxsim::calibrate::stages {

namespace {

constexpr int kHermiteNodes = 12;
constexpr int kJacobiNodes = 20;
constexpr std::size_t kMaxPeriods = 65535;  // as the journey loader

double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
double sigm(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }

struct JWalk {
  std::uint32_t xb = 0, xe = 0;  // its covariates: Data::xs[xb, xe)
  int cat = -1;                  // answered NPS category (index into the observed ones), -1 none
  int csat = -1, ces = -1;       // answered CSAT and CES categories (index into their observed ones), -1 none
  bool resp = false;             // a survey row for this walk
};

struct JCustomer {
  std::uint32_t wb = 0, we = 0;  // its walks, in time order: Data::walks[wb, we)
  int churn = -1;                // 1: churned after its last walk; 0: survived every draw but
                                 // the last (unobserved); -1: no retention information
  int rg = 0;                    // its retention group (one Beta(alpha, beta) each)
};

struct Data {
  std::vector<std::pair<std::uint32_t, double>> xs;  // (dense column, count)
  std::vector<JWalk> walks;
  std::vector<JCustomer> cust;
  int L = 0;           // observed NPS categories
  int Lc = 0, Le = 0;  // observed CSAT and CES categories (0: the scale is not in the fit)
};

// Where each parameter sits in the vector theta.
struct Layout {
  std::vector<std::uint32_t> beta_col;  // free delta -> dense column
  std::vector<double> prior_prec;       // per free delta: 1/sd^2 of its normal prior (0: none)
  std::vector<double> beta_fixed;       // per dense column: the value of a delta that is not free
  int i_tau = 0, n_tau = 0;
  // CSAT cut-points (on S_end, like NPS) and CES cut-points (on -E), and the
  // effort deltas: E of a walk = sum of effort[col] * count over its visits.
  int i_tc = 0, n_tc = 0, i_te = 0, n_te = 0;
  int i_eff = 0;                       // first free effort delta
  std::vector<std::uint32_t> eff_col;  // free effort delta -> dense column
  std::vector<double> eff_prior_prec;  // per free effort delta: its normal prior's precision (0: none)
  std::vector<double> eff_fixed;       // per dense column: the effort of a column that is not free
  std::vector<int> eff_free_of;        // per dense column: index into eff_col, -1 if fixed
  int i_lambda = -1, i_eta = -1, i_rho = -1, i_gamma = -1;
  std::vector<int> i_la, i_lb;  // per retention group: log alpha, log beta (empty: no churn part)
  int n = 0;
};

struct Model {
  const Data& d;
  const Layout& lay;
  std::size_t P;
  double sd;
  bool survey_terms = true;
  Quadrature gh;

  // Minus the mean log-likelihood per customer and its gradient; with
  // `scores` (needs `grad`) also each customer's score, the gradient of its
  // own log-likelihood (one column per customer, for the BHHH information).
  double eval(const Eigen::VectorXd& th, Eigen::VectorXd* grad, Eigen::MatrixXd* scores = nullptr) const {
    const int n = lay.n;
    std::vector<double> beta = lay.beta_fixed;
    beta.resize(P, 0.0);
    for (std::size_t k = 0; k < lay.beta_col.size(); ++k) beta[lay.beta_col[k]] = th(static_cast<Eigen::Index>(k));
    std::vector<double> tau(static_cast<std::size_t>(lay.n_tau));
    for (int c = 0; c < lay.n_tau; ++c) {
      tau[static_cast<std::size_t>(c)] = th(lay.i_tau + c);
      if (c > 0 && !(tau[static_cast<std::size_t>(c)] > tau[static_cast<std::size_t>(c) - 1]))
        return std::numeric_limits<double>::infinity();
    }
    auto cuts = [&](int first, int count, std::vector<double>& out) {
      out.resize(static_cast<std::size_t>(count));
      for (int c = 0; c < count; ++c) {
        out[static_cast<std::size_t>(c)] = th(first + c);
        if (c > 0 && !(out[static_cast<std::size_t>(c)] > out[static_cast<std::size_t>(c) - 1])) return false;
      }
      return true;
    };
    std::vector<double> tau_c, tau_e;
    if (!cuts(lay.i_tc, lay.n_tc, tau_c) || !cuts(lay.i_te, lay.n_te, tau_e))
      return std::numeric_limits<double>::infinity();
    std::vector<double> eff = lay.eff_fixed;
    eff.resize(P, 0.0);
    for (std::size_t k = 0; k < lay.eff_col.size(); ++k)
      eff[lay.eff_col[k]] = th(lay.i_eff + static_cast<Eigen::Index>(k));
    const double lam = lay.i_lambda >= 0 ? th(lay.i_lambda) : 0.0;
    const bool has_resp = lay.i_eta >= 0;
    const double eta0 = has_resp ? th(lay.i_eta) : 0.0;
    const double rho = lay.i_rho >= 0 ? th(lay.i_rho) : 0.0;
    const bool has_churn = lay.i_gamma >= 0;
    const double gam = has_churn ? th(lay.i_gamma) : 0.0;
    // The Gauss-Jacobi rule of the reference (a0, b0), reweighted to the
    // current Beta(alpha, beta): log w_q + (alpha - a0) log theta_q + (beta -
    // b0) log(1 - theta_q) - log B(alpha, beta) + log B(a0, b0). Exact Gauss-
    // Jacobi at (a0, b0) = (alpha, beta); minimise() re-centres until so.
    // One rule per retention group r (its own reference), stored at r * Q + q.
    const std::size_t Q = has_churn ? static_cast<std::size_t>(kJacobiNodes) : 0, R = has_churn ? gj.size() : 0;
    std::vector<double> lw(R * Q), dla(R * Q), dlb(R * Q), lt(R * Q);
    for (std::size_t r = 0; r < R; ++r) {
      const double al = std::exp(th(lay.i_la[r])), be = std::exp(th(lay.i_lb[r]));
      if (!(al > 1e-6 && be > 1e-6 && al < 1e6 && be < 1e6)) return std::numeric_limits<double>::infinity();
      const double a0 = ref_a[r], b0 = ref_b[r];
      const double lnorm = std::lgamma(al + be) - std::lgamma(al) - std::lgamma(be) -
                           (std::lgamma(a0 + b0) - std::lgamma(a0) - std::lgamma(b0));
      const double psab = boost::math::digamma(al + be), psa = boost::math::digamma(al), psb = boost::math::digamma(be);
      for (std::size_t q = 0; q < Q; ++q) {
        const double l1 = std::log(gj[r].x[q]), l0 = std::log1p(-gj[r].x[q]);
        lw[r * Q + q] = std::log(std::max(gj[r].w[q], 1e-300)) + (al - a0) * l1 + (be - b0) * l0 + lnorm;
        dla[r * Q + q] = al * (l1 - psa + psab);
        dlb[r * Q + q] = be * (l0 - psb + psab);
        lt[r * Q + q] = l1 - l0;
      }
    }

    // D_t of every walk.
    std::vector<double> D(d.walks.size());
    for (std::size_t w = 0; w < d.walks.size(); ++w) {
      double v = 0;
      for (std::uint32_t k = d.walks[w].xb; k < d.walks[w].xe; ++k) v += beta[d.xs[k].first] * d.xs[k].second;
      D[w] = v;
    }
    Eigen::VectorXd g = Eigen::VectorXd::Zero(n);
    std::vector<double> gbeta(P, 0.0);
    double ll = 0;
    const std::size_t G = gh.x.size();
    std::vector<double> lg(G), dS, coef, lq(Q), dz;
    std::vector<double> glam(G), geta(G), grho(G);
    std::vector<double> gtau(G * static_cast<std::size_t>(lay.n_tau));
    std::vector<double> gtc(G * static_cast<std::size_t>(lay.n_tc));
    std::vector<int> free_of(scores ? P : 0, -1);  // dense column -> free delta
    for (std::size_t k = 0; k < lay.beta_col.size() && scores; ++k) free_of[lay.beta_col[k]] = static_cast<int>(k);
    if (scores) *scores = Eigen::MatrixXd::Zero(n, static_cast<Eigen::Index>(d.cust.size()));
    Eigen::VectorXd g_before;
    for (std::size_t ci = 0; ci < d.cust.size(); ++ci) {
      const JCustomer& c = d.cust[ci];
      const std::size_t W = c.we - c.wb;
      if (W == 0) continue;
      if (scores) g_before = g;
      coef.assign(W, 0.0);
      // ---- survey block: S0 = sd * z (Gauss-Hermite)
      if (survey_terms) {
        dS.assign(G * W, 0.0);
        std::fill(gtau.begin(), gtau.end(), 0.0);
        std::fill(gtc.begin(), gtc.end(), 0.0);
        for (std::size_t q = 0; q < G; ++q) {
          const double S0 = sd * gh.x[q];
          double C = 0, l = 0, gl = 0, ge = 0, gr = 0;
          for (std::size_t t = 0; t < W; ++t) {
            const JWalk& wk = d.walks[c.wb + t];
            const double S = S0 + lam * C + D[c.wb + t];
            double ds = 0;
            if (has_resp) {
              const double eta = eta0 + rho * std::fabs(S);
              double de;
              if (wk.resp) {
                l -= softplus(-eta);
                de = sigm(-eta);
              } else {
                l -= softplus(eta);
                de = -sigm(eta);
              }
              ge += de;
              gr += de * std::fabs(S);
              ds += de * rho * (S > 0 ? 1.0 : S < 0 ? -1.0 : 0.0);
            }
            if (wk.cat >= 0) {
              const int j = wk.cat;
              const double lo = j > 0 ? sigm(tau[static_cast<std::size_t>(j) - 1] - S) : 0.0;
              const double hi = j < d.L - 1 ? sigm(tau[static_cast<std::size_t>(j)] - S) : 1.0;
              const double pr = std::max(hi - lo, 1e-300);
              l += std::log(pr);
              const double fhi = hi * (1 - hi), flo = lo * (1 - lo);
              if (j < d.L - 1) gtau[q * static_cast<std::size_t>(lay.n_tau) + static_cast<std::size_t>(j)] += fhi / pr;
              if (j > 0) gtau[q * static_cast<std::size_t>(lay.n_tau) + static_cast<std::size_t>(j) - 1] -= flo / pr;
              ds -= (fhi - flo) / pr;
            }
            if (wk.csat >= 0) {
              // CSAT: the same construction on S_end, its own cut-points.
              const int j = wk.csat;
              const std::size_t nc = static_cast<std::size_t>(lay.n_tc);
              const double lo = j > 0 ? sigm(tau_c[static_cast<std::size_t>(j) - 1] - S) : 0.0;
              const double hi = j < d.Lc - 1 ? sigm(tau_c[static_cast<std::size_t>(j)] - S) : 1.0;
              const double pr = std::max(hi - lo, 1e-300);
              l += std::log(pr);
              const double fhi = hi * (1 - hi), flo = lo * (1 - lo);
              if (j < d.Lc - 1) gtc[q * nc + static_cast<std::size_t>(j)] += fhi / pr;
              if (j > 0) gtc[q * nc + static_cast<std::size_t>(j) - 1] -= flo / pr;
              ds -= (fhi - flo) / pr;
            }
            dS[q * W + t] = ds;
            gl += ds * C;
            C += D[c.wb + t];
          }
          lg[q] = l + std::log(gh.w[q]);
          glam[q] = gl;
          geta[q] = ge;
          grho[q] = gr;
        }
        const double mx = *std::max_element(lg.begin(), lg.end());
        double sum = 0;
        for (std::size_t q = 0; q < G; ++q) sum += std::exp(lg[q] - mx);
        ll += mx + std::log(sum);
        if (grad) {
          for (std::size_t q = 0; q < G; ++q) {
            const double pq = std::exp(lg[q] - mx) / sum;
            if (lay.i_lambda >= 0) g(lay.i_lambda) += pq * glam[q];
            if (has_resp) g(lay.i_eta) += pq * geta[q];
            if (lay.i_rho >= 0) g(lay.i_rho) += pq * grho[q];
            for (int k = 0; k < lay.n_tau; ++k)
              g(lay.i_tau + k) += pq * gtau[q * static_cast<std::size_t>(lay.n_tau) + static_cast<std::size_t>(k)];
            for (int k = 0; k < lay.n_tc; ++k)
              g(lay.i_tc + k) += pq * gtc[q * static_cast<std::size_t>(lay.n_tc) + static_cast<std::size_t>(k)];
            // dS_t/dD_u = 1 (u = t), lambda (u < t).
            double R = 0;
            for (std::size_t u = W; u-- > 0;) {
              coef[u] += pq * (dS[q * W + u] + lam * R);
              R += dS[q * W + u];
            }
          }
        }
      }
      // ---- CES block: P(score <= c) = sigma(tau_c + E_t), E_t the walk's
      // effort (it resets every period and has no latent part, so this term
      // factorises out of both quadratures).
      for (std::size_t t = 0; t < W && lay.n_te > 0; ++t) {
        const JWalk& wk = d.walks[c.wb + t];
        if (wk.ces < 0) continue;
        double E = 0;
        for (std::uint32_t k = wk.xb; k < wk.xe; ++k) E += eff[d.xs[k].first] * d.xs[k].second;
        const int j = wk.ces;
        const double lo = j > 0 ? sigm(tau_e[static_cast<std::size_t>(j) - 1] + E) : 0.0;
        const double hi = j < d.Le - 1 ? sigm(tau_e[static_cast<std::size_t>(j)] + E) : 1.0;
        const double pr = std::max(hi - lo, 1e-300);
        ll += std::log(pr);
        if (!grad) continue;
        const double fhi = hi * (1 - hi), flo = lo * (1 - lo);
        if (j < d.Le - 1) g(lay.i_te + j) += fhi / pr;
        if (j > 0) g(lay.i_te + j - 1) -= flo / pr;
        const double dE = (fhi - flo) / pr;
        for (std::uint32_t k = wk.xb; k < wk.xe; ++k)
          if (const int f = lay.eff_free_of[d.xs[k].first]; f >= 0) g(lay.i_eff + f) += dE * d.xs[k].second;
      }
      // ---- churn block: theta ~ Beta (Gauss-Jacobi); p_t = sigma(logit theta - gamma D_t)
      if (has_churn && c.churn >= 0) {
        const std::size_t draws = c.churn == 1 ? W : W - 1;
        const auto rg = static_cast<std::size_t>(c.rg);
        if (draws > 0) {
          dz.assign(Q * draws, 0.0);
          for (std::size_t q = 0; q < Q; ++q) {
            double l = 0;
            for (std::size_t t = 0; t < draws; ++t) {
              const double z = lt[rg * Q + q] - gam * D[c.wb + t];
              if (c.churn == 1 && t + 1 == draws) {
                l -= softplus(-z);
                dz[q * draws + t] = sigm(-z);
              } else {
                l -= softplus(z);
                dz[q * draws + t] = -sigm(z);
              }
            }
            lq[q] = l + lw[rg * Q + q];
          }
          const double mx = *std::max_element(lq.begin(), lq.end());
          double sum = 0;
          for (std::size_t q = 0; q < Q; ++q) sum += std::exp(lq[q] - mx);
          ll += mx + std::log(sum);
          if (grad) {
            for (std::size_t q = 0; q < Q; ++q) {
              const double pq = std::exp(lq[q] - mx) / sum;
              g(lay.i_la[rg]) += pq * dla[rg * Q + q];
              g(lay.i_lb[rg]) += pq * dlb[rg * Q + q];
              for (std::size_t t = 0; t < draws; ++t) {
                g(lay.i_gamma) += pq * dz[q * draws + t] * -D[c.wb + t];
                coef[t] += pq * dz[q * draws + t] * -gam;
              }
            }
          }
        }
      }
      if (grad)
        for (std::size_t u = 0; u < W; ++u)
          for (std::uint32_t k = d.walks[c.wb + u].xb; k < d.walks[c.wb + u].xe; ++k)
            gbeta[d.xs[k].first] += coef[u] * d.xs[k].second;
      if (scores && grad) {
        auto col = scores->col(static_cast<Eigen::Index>(ci));
        col = g - g_before;
        for (std::size_t u = 0; u < W; ++u)
          for (std::uint32_t k = d.walks[c.wb + u].xb; k < d.walks[c.wb + u].xe; ++k)
            if (const int f = free_of[d.xs[k].first]; f >= 0) col(f) += coef[u] * d.xs[k].second;
      }
    }
    const double N = static_cast<double>(d.cust.size());
    if (grad) {
      for (std::size_t k = 0; k < lay.beta_col.size(); ++k) g(static_cast<Eigen::Index>(k)) = gbeta[lay.beta_col[k]];
      *grad = -g / N;
    }
    return -ll / N;
  }

  // With the survey fit's normal prior on the deltas when it was regularised
  // (separation): the penalised objective, as in the ordered logit.
  double value_grad(const Eigen::VectorXd& th, Eigen::VectorXd& grad) const {
    double f = eval(th, &grad);
    if (!std::isfinite(f)) return f;
    const double N = static_cast<double>(d.cust.size());
    for (std::size_t k = 0; k < lay.prior_prec.size(); ++k) {
      const double prec = lay.prior_prec[k], b = th(static_cast<Eigen::Index>(k));
      if (!(prec > 0)) continue;
      f += 0.5 * prec * b * b / N;
      grad(static_cast<Eigen::Index>(k)) += prec * b / N;
    }
    for (std::size_t k = 0; k < lay.eff_prior_prec.size(); ++k) {
      const double prec = lay.eff_prior_prec[k];
      const auto i = static_cast<Eigen::Index>(lay.i_eff) + static_cast<Eigen::Index>(k);
      if (!(prec > 0)) continue;
      f += 0.5 * prec * th(i) * th(i) / N;
      grad(i) += prec * th(i) / N;
    }
    return f;
  }

  // The Gauss-Jacobi references of the churn block, one per retention group.
  void centre(const Eigen::VectorXd& x) {
    const std::size_t R = lay.i_la.size();
    ref_a.resize(R);
    ref_b.resize(R);
    gj.resize(R);
    for (std::size_t r = 0; r < R; ++r) {
      ref_a[r] = std::exp(x(lay.i_la[r]));
      ref_b[r] = std::exp(x(lay.i_lb[r]));
      gj[r] = gauss_jacobi_beta(kJacobiNodes, ref_a[r], ref_b[r]);
    }
  }
  std::vector<double> ref_a, ref_b;
  std::vector<Quadrature> gj;
};

struct Bfgs {
  Eigen::VectorXd x;
  double f = 0;
  int iterations = 0;
  bool converged = false;
};

// `stop` (the run's stop flag, may be null): a signal ends the fit between
// two iterations (core::Interrupted).
Bfgs minimise(const Model& m, Eigen::VectorXd x, const std::atomic<int>* stop) {
  Bfgs r;
  const int n = static_cast<int>(x.size());
  Eigen::VectorXd g(n), gn(n);
  double f = m.value_grad(x, g);
  Eigen::MatrixXd H = Eigen::MatrixXd::Identity(n, n);
  for (int it = 0; it < 300; ++it) {
    if (stop != nullptr && stop->load() != 0) throw core::Interrupted(stop->load());
    r.iterations = it;
    if (g.lpNorm<Eigen::Infinity>() < 1e-6) {
      r.converged = true;
      break;
    }
    Eigen::VectorXd p = -H * g;
    if (p.dot(g) >= 0) {
      H.setIdentity();
      p = -g;
    }
    double step = 1, fn = 0;
    Eigen::VectorXd xn;
    bool ok = false;
    for (int k = 0; k < 60; ++k) {
      xn = x + step * p;
      fn = m.value_grad(xn, gn);
      if (std::isfinite(fn) && fn <= f + 1e-4 * step * p.dot(g)) {
        ok = true;
        break;
      }
      step *= 0.5;
    }
    if (!ok) {
      r.converged = g.lpNorm<Eigen::Infinity>() < 1e-5;
      break;
    }
    const Eigen::VectorXd s = xn - x, y = gn - g;
    const double sy = s.dot(y);
    if (sy > 1e-14) {
      if (it == 0) H *= sy / y.dot(y);
      const double rr = 1 / sy;
      const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(n, n);
      H = (I - rr * s * y.transpose()) * H * (I - rr * y * s.transpose()) + rr * s * s.transpose();
    }
    const double df = f - fn;
    x = xn;
    g = gn;
    f = fn;
    if (df >= 0 && df < 1e-12 * std::max(1.0, std::fabs(f)) && g.lpNorm<Eigen::Infinity>() < 1e-4) {
      r.converged = true;
      break;
    }
  }
  r.x = x;
  r.f = f;
  return r;
}

}  // namespace

void fit_joint(State& s) {
  const CalibrateOptions& o = s.o;
  std::string& sum = s.res.summary;
  if (!s.m.has_survey) return;
  FittedDynamics& dyn = s.m.dyn;
  dyn.present = true;
  const int horizon = s.m.periods.value_or(0);

  // Why the joint fit cannot run at all (then the ordered logit stays, and
  // nothing here is estimated).
  std::string cannot;
  if (!s.sv->by_journey) cannot = "surveys joined by customer_id: which walk an answer belongs to is unknown";
  else if (!s.has_customer_col) cannot = "the event log has no customer_id column: walks cannot be joined per customer";
  else if (s.nps_fit.observed.size() < 2) cannot = "fewer than two NPS scores answered";
  std::size_t max_walks = 0;
  for (const auto& [c, w] : s.walks) max_walks = std::max(max_walks, w.size());
  if (cannot.empty() && max_walks > kMaxPeriods)
    cannot = fmt::format("a customer has {} journeys, more than {} periods", max_walks, kMaxPeriods);

  auto not_identified = [](FittedDynamic& d, double v, std::string why) {
    d.estimated = false;
    d.value = v;
    d.note = std::move(why);
  };
  auto& rep = s.res.report;
  auto& jt = rep.table("calibration/joint",
                       "joint fit per customer: retention sensitivity, carryover, response and churn heterogeneity");
  jt.str("parameter").num("estimate").num("se").num("ci_low").num("ci_high").str("status");
  auto row = [&](const std::string& name, double est, double se, const std::string& status) {
    jt.add("parameter", name);
    jt.add("estimate", est);
    jt.add("se", se);
    jt.add("ci_low", std::isfinite(se) ? est - kZ95 * se : kNaN);
    jt.add("ci_high", std::isfinite(se) ? est + kZ95 * se : kNaN);
    jt.add("status", status);
  };
  auto dyn_rows = [&]() {
    for (auto [name, d] : {std::pair<const char*, const FittedDynamic*>{"retention.sensitivity", &dyn.sensitivity},
                           {"retention.carryover", &dyn.carryover},
                           {"survey.response.extremity", &dyn.extremity}})
      row(name, d->value, d->estimated ? d->se : kNaN,
          d->estimated ? "estimated" : "default: not identified by the data (" + d->note + ")");
  };
  if (!cannot.empty()) {
    not_identified(dyn.sensitivity, 0.0, cannot);
    not_identified(dyn.carryover, 0.0, cannot + "; 0 is what the ordered-logit survey fit assumed");
    not_identified(dyn.extremity, 0.0, cannot);
    sum += "joint fit: not run (" + cannot + "); sensitivity 0, carryover 0 and extremity 0 written as defaults\n";
    dyn_rows();
    return;
  }

  // ---- the per-customer data
  Data d;
  const auto& observed = s.nps_fit.observed;
  d.L = static_cast<int>(observed.size());
  std::vector<int> cat_of(11, -1);
  for (std::size_t j = 0; j < observed.size(); ++j)
    if (observed[j] >= 0 && observed[j] <= 10) cat_of[static_cast<std::size_t>(observed[j])] = static_cast<int>(j);
  // CSAT and CES join the fit when at least two of their scores were
  // answered (as their ordered logits): category index by score (1-based).
  auto scale_cats = [](const OrderedLogitFit& f, int scale, int& L) {
    std::vector<int> of(static_cast<std::size_t>(std::max(0, scale)) + 1, -1);
    L = f.observed.size() >= 2 ? static_cast<int>(f.observed.size()) : 0;
    for (std::size_t j = 0; j < f.observed.size() && L > 0; ++j)
      if (f.observed[j] >= 0 && f.observed[j] < scale)
        of[static_cast<std::size_t>(f.observed[j]) + 1] = static_cast<int>(j);
    return of;
  };
  const std::vector<int> csat_of = s.sv->has_csat ? scale_cats(s.csat_fit, o.csat_scale, d.Lc) : std::vector<int>{};
  const std::vector<int> ces_of = s.sv->has_ces ? scale_cats(s.ces_fit, o.ces_scale, d.Le) : std::vector<int>{};
  auto category = [](const std::vector<int>& of, int v) {
    return v >= 1 && static_cast<std::size_t>(v) < of.size() ? of[static_cast<std::size_t>(v)] : -1;
  };
  // Retention groups: one Beta(alpha, beta) each, gamma shared. Pooled
  // retention data (one retention segment, or a retention file without a
  // segment column: every fitted segment got its one fit) is one group of
  // every segment; per-segment retention data (its segment column joined by
  // name) gives one group per segment with retention, the customers joined
  // by their event-log segment, each group with its own horizon.
  std::vector<std::vector<std::size_t>> groups;  // -> s.m.segments
  std::vector<int> group_horizon;
  std::map<std::string, int> group_of_segment;  // segment name -> group
  const bool pooled_retention = s.retention_counts.size() <= 1;
  if (s.has_retention && !s.m.segments.empty()) {
    if (pooled_retention) {
      if (s.m.segments[0].has_retention) {
        groups.emplace_back();
        for (std::size_t g = 0; g < s.m.segments.size(); ++g) groups.back().push_back(g);
        group_horizon.push_back(horizon);
      }
    } else {
      for (std::size_t g = 0; g < s.m.segments.size(); ++g) {
        const FittedSegment& seg = s.m.segments[g];
        if (!seg.has_retention) continue;
        int h = horizon;
        for (std::size_t i = 0; i < s.retention_counts.size() && i < s.retention.size(); ++i)
          if (s.retention_counts[i].name == seg.name) h = s.retention[i].fit.horizon;
        group_of_segment[seg.name] = static_cast<int>(groups.size());
        groups.push_back({g});
        group_horizon.push_back(h);
      }
    }
  }
  const bool retention = !groups.empty() && horizon >= 1;
  std::uint64_t no_group = 0;  // customers whose segment has no retention group
  std::vector<std::string> keys;
  keys.reserve(s.walks.size());
  for (const auto& [c, w] : s.walks) keys.push_back(c);
  std::sort(keys.begin(), keys.end());  // a deterministic order
  std::uint64_t longer = 0, walks_total = 0, responded = 0, churned = 0;
  // The join of --lifetimes by customer_id (when the file has the column).
  const bool by_customer = !s.lifetimes.empty();
  std::uint64_t no_lifetime = 0, shorter = 0, fewer = 0;
  std::string shorter_example, fewer_example;
  for (const auto& key : keys) {
    auto& w = s.walks[key];
    std::sort(w.begin(), w.end(), [](const CustomerWalk& a, const CustomerWalk& b) {
      return a.start_ts != b.start_ts ? a.start_ts < b.start_ts : a.journey < b.journey;
    });
    JCustomer c;
    c.wb = static_cast<std::uint32_t>(d.walks.size());
    for (const auto& wk : w) {
      JWalk jw;
      jw.xb = static_cast<std::uint32_t>(d.xs.size());
      for (const auto& [col, v] : wk.x) {
        const std::uint32_t dc = col == kSwitchColumn ? static_cast<std::uint32_t>(s.P - 1) : col;
        if (dc < s.P) d.xs.push_back({dc, v});
      }
      jw.xe = static_cast<std::uint32_t>(d.xs.size());
      auto it = s.sv->answers.find(wk.journey);
      if (it != s.sv->answers.end() && !it->second.empty()) {
        jw.resp = true;
        const int v = it->second.front().nps;
        if (v >= 0 && v <= 10) jw.cat = cat_of[static_cast<std::size_t>(v)];
        if (d.Lc > 0) jw.csat = category(csat_of, it->second.front().csat);
        if (d.Le > 0) jw.ces = category(ces_of, it->second.front().ces);
        ++responded;
      }
      d.walks.push_back(jw);
    }
    c.we = static_cast<std::uint32_t>(d.walks.size());
    walks_total += w.size();
    bool in_group = retention;
    int gh = horizon;
    if (retention && !pooled_retention) {
      const auto cs = s.customer_segment.find(key);
      const auto gi = cs == s.customer_segment.end() ? group_of_segment.end() : group_of_segment.find(cs->second);
      if (gi == group_of_segment.end()) {
        in_group = false;
        ++no_group;
      } else {
        c.rg = gi->second;
        gh = group_horizon[static_cast<std::size_t>(gi->second)];
      }
    }
    if (in_group && by_customer) {
      // --lifetimes with customer ids: the customer's own row. Churned at the
      // end of period p: its walks are periods 1..p (W = p). Censored after p
      // periods: W = p + 1 (the walk of the period it was censored in) or p.
      const auto W = static_cast<long long>(w.size());
      auto lt = s.lifetimes.find(key);
      if (lt == s.lifetimes.end()) {
        ++no_lifetime;
      } else if (W > lt->second.periods + (lt->second.churned ? 0 : 1)) {
        if (shorter++ == 0)
          shorter_example =
              fmt::format("{}:{}: customer '{}' has {} journeys but periods {} ({})", o.lifetimes, lt->second.line,
                          shorten(key), W, lt->second.periods, lt->second.churned ? "churned" : "censored");
      } else if (W < lt->second.periods) {
        if (fewer++ == 0)
          fewer_example = fmt::format("{}:{}: customer '{}' has {} journeys but periods {}", o.lifetimes,
                                      lt->second.line, shorten(key), W, lt->second.periods);
      } else {
        c.churn = lt->second.churned ? 1 : 0;
        churned += c.churn == 1;
      }
    } else if (in_group) {
      const auto W = static_cast<int>(w.size());
      if (W > gh) ++longer;
      else {
        c.churn = W < gh ? 1 : 0;
        churned += c.churn == 1;
      }
    }
    d.cust.push_back(c);
  }
  if (retention && by_customer) {
    std::uint64_t unmatched = 0;
    std::string unmatched_example;
    for (const auto& [id, lt] : s.lifetimes) {
      if (s.walks.count(id)) continue;
      // The smallest line, so the message does not depend on hash order.
      if (unmatched++ == 0 || lt.line < std::stoull(unmatched_example.substr(0, unmatched_example.find(':'))))
        unmatched_example = fmt::format("{}: customer '{}'", lt.line, shorten(id));
    }
    if (unmatched == s.lifetimes.size())
      throw_file_error(o.lifetimes, 0,
                       fmt::format("none of the {} customer ids matches a customer_id of the event log (e.g. line {}); "
                                   "check the id column (--map) and the id format",
                                   unmatched, unmatched_example));
    if (unmatched)
      s.warn(
          fmt::format("{} lifetimes match no customer of the event log (first: {}:{}); they count in the sBG fit, "
                      "not in the joint fit",
                      unmatched, o.lifetimes, unmatched_example));
    if (no_lifetime)
      s.warn(
          fmt::format("{} customers of the event log have no row in {}; their lifetimes are left out of the joint "
                      "fit",
                      no_lifetime, o.lifetimes));
    if (shorter)
      s.warn(
          fmt::format("{} customers have more journeys than their lifetime's periods allow (first: {}); their "
                      "lifetimes are left out of the joint fit",
                      shorter, shorter_example));
    if (fewer)
      s.warn(
          fmt::format("{} customers have fewer journeys than their lifetime's periods (first: {}); their lifetimes "
                      "are left out of the joint fit",
                      fewer, fewer_example));
    s.dqa("lifetimes", "lifetimes_matching_no_customer", static_cast<double>(unmatched));
    s.dqa("lifetimes", "customers_without_lifetime", static_cast<double>(no_lifetime));
    s.dqa("lifetimes", "lifetimes_shorter_than_journeys", static_cast<double>(shorter));
    s.dqa("lifetimes", "lifetimes_longer_than_journeys", static_cast<double>(fewer));
  }
  if (no_group)
    s.warn(
        fmt::format("{} customers of the event log have no segment with retention data; their lifetimes are left "
                    "out of the joint fit",
                    no_group));
  if (longer)
    s.warn(
        fmt::format("{} customers have more journeys than the {} periods of the retention data; their lifetimes "
                    "are left out of the joint fit",
                    longer, horizon));

  // ---- identification
  const std::size_t nonresp = walks_total - responded;
  std::string why_gamma, why_lambda, why_rho;
  if (!s.has_retention) why_gamma = "no lifetimes or cohorts";
  else if (groups.empty()) why_gamma = "the sBG fit of the lifetimes failed (or no segment has retention data)";
  else if (churned == 0) why_gamma = "no customer of the event log churned";
  if (max_walks < 2) why_lambda = "one period: no customer has a second journey";
  if (nonresp == 0) why_rho = "every walk answered the survey: no non-respondents";
  else if (responded == 0) why_rho = "no walk answered the survey";

  Layout lay;
  std::vector<double> start;
  const auto& nf = s.nps_fit;
  // The ordered logit's kept columns are free; one it dropped as collinear
  // with the constant (a touchpoint every journey visits once) stays fixed at
  // 0, its level absorbed in the cut-points. The carryover and churn terms
  // see the level of S_end - S0, so that biases lambda and gamma: warned.
  std::vector<char> visited(s.P, 0);
  for (const auto& [col, v] : d.xs)
    if (v != 0) visited[col] = 1;
  //
  // A column of a collinear group (ordered_logit.cpp: the data identify only
  // the group's combination) stays at the survey fit's minimum-norm split,
  // fixed: the YAML keeps its 'collinear' label. When the survey fit was
  // regularised (separation), every free delta gets the same normal prior
  // (its sd scaled like the estimate, by the attenuation factor), so the
  // joint fit never writes the unbounded estimate the penalty avoided.
  std::vector<std::string> fixed, held;
  auto column_name = [&](std::size_t col) {
    return col == s.P - 1 ? std::string("channel_switch") : s.tp_id[col / 2] + (col % 2 == 0 ? ".ok" : ".friction");
  };
  lay.beta_fixed.assign(s.P, 0.0);
  for (std::size_t col = 0; col < s.P && col < nf.beta.size(); ++col) {
    if (nf.dropped[col] || !std::isfinite(nf.beta[col])) {
      if (visited[col]) fixed.push_back(column_name(col));
      continue;
    }
    if (col < nf.group_of.size() && nf.group_of[col] >= 0) {
      lay.beta_fixed[col] = nf.beta[col] * s.attenuation;
      if (visited[col]) held.push_back(column_name(col));
      continue;
    }
    lay.beta_col.push_back(static_cast<std::uint32_t>(col));
    start.push_back(nf.beta[col] * s.attenuation);
    const double psd = col < nf.prior_sd.size() ? nf.prior_sd[col] * s.attenuation : kNaN;
    lay.prior_prec.push_back(nf.regularised && psd > 0 ? 1.0 / (psd * psd) : 0.0);
  }
  if (!held.empty())
    s.warn(
        fmt::format("joint fit: the satisfaction deltas of {} are held at the survey fit's minimum-norm split "
                    "(collinear visit counts: the data identify only their combination)",
                    core::quoted_list(held)));
  if (!fixed.empty())
    s.warn(
        fmt::format("joint fit: the satisfaction deltas of {} are fixed at 0 (collinear with the cut-points in "
                    "the ordered logit); carryover and sensitivity see the level of every delta, so they may be "
                    "biased",
                    core::quoted_list(fixed)));
  lay.i_tau = static_cast<int>(start.size());
  lay.n_tau = static_cast<int>(nf.cut.size());
  for (double c : nf.cut) start.push_back(c * s.attenuation);
  // CSAT: its cut-points (on S_end, attenuation corrected like NPS's); the
  // deltas are the NPS ones (both scales read the same S_end, slope 1).
  lay.i_tc = static_cast<int>(start.size());
  if (d.Lc > 0) {
    lay.n_tc = static_cast<int>(s.csat_fit.cut.size());
    for (double c : s.csat_fit.cut) start.push_back(c * s.attenuation);
  }
  // CES: its cut-points and the effort deltas (minus the CES ordered logit's
  // coefficients, not attenuated: effort has no latent part). Dropped,
  // collinear and regularised columns as for the satisfaction deltas.
  lay.i_te = static_cast<int>(start.size());
  lay.eff_fixed.assign(s.P, 0.0);
  lay.eff_free_of.assign(s.P, -1);
  std::vector<std::string> eff_held;
  if (d.Le > 0) {
    const auto& ef = s.ces_fit;
    lay.n_te = static_cast<int>(ef.cut.size());
    for (double c : ef.cut) start.push_back(c);
    lay.i_eff = static_cast<int>(start.size());
    for (std::size_t col = 0; col < s.P && col < ef.beta.size(); ++col) {
      if (ef.dropped[col] || !std::isfinite(ef.beta[col])) continue;
      if (col < ef.group_of.size() && ef.group_of[col] >= 0) {
        lay.eff_fixed[col] = -ef.beta[col];
        if (visited[col]) eff_held.push_back(column_name(col));
        continue;
      }
      lay.eff_free_of[col] = static_cast<int>(lay.eff_col.size());
      lay.eff_col.push_back(static_cast<std::uint32_t>(col));
      start.push_back(-ef.beta[col]);
      const double psd = col < ef.prior_sd.size() ? ef.prior_sd[col] : kNaN;
      lay.eff_prior_prec.push_back(ef.regularised && psd > 0 ? 1.0 / (psd * psd) : 0.0);
    }
  }
  if (!eff_held.empty())
    s.warn(
        fmt::format("joint fit: the effort deltas of {} are held at the CES fit's minimum-norm split "
                    "(collinear visit counts: the data identify only their combination)",
                    core::quoted_list(eff_held)));
  if (why_lambda.empty()) {
    lay.i_lambda = static_cast<int>(start.size());
    start.push_back(0.0);
  }
  if (why_rho.empty()) {
    const double rate = std::clamp(static_cast<double>(responded) / static_cast<double>(walks_total), 1e-6, 1 - 1e-6);
    lay.i_eta = static_cast<int>(start.size());
    start.push_back(std::log(rate / (1 - rate)));
    lay.i_rho = static_cast<int>(start.size());
    start.push_back(0.0);
  }
  if (why_gamma.empty()) {
    for (const auto& grp : groups) {
      lay.i_la.push_back(static_cast<int>(start.size()));
      start.push_back(std::log(s.m.segments[grp[0]].alpha));
      lay.i_lb.push_back(static_cast<int>(start.size()));
      start.push_back(std::log(s.m.segments[grp[0]].beta));
    }
    lay.i_gamma = static_cast<int>(start.size());
    start.push_back(0.0);
  }
  lay.n = static_cast<int>(start.size());
  Model model{d,  lay, s.P, o.satisfaction0_sd, true, gauss_hermite(o.satisfaction0_sd > 0 ? kHermiteNodes : 1),
              {}, {},  {}};
  Eigen::VectorXd x0 = Eigen::Map<Eigen::VectorXd>(start.data(), lay.n);
  model.centre(x0);
  Bfgs fit = minimise(model, x0, o.stop);

  // ---- Newton polish and the observed information: the Hessian by central
  // differences of the analytic gradient, the Gauss-Jacobi rule re-centred on
  // the current (alpha, beta) before each step (exact Gauss-Jacobi there).
  const int n = lay.n;
  const double N = static_cast<double>(d.cust.size());
  Eigen::MatrixXd H(n, n);
  auto hessian = [&](const Eigen::VectorXd& x) {
    for (int i = 0; i < n; ++i) {
      const double h = 2e-3 * std::max(1.0, std::fabs(x(i)));
      Eigen::VectorXd a = x, b = x, ga(n), gb(n);
      a(i) += h;
      b(i) -= h;
      model.value_grad(a, ga);
      model.value_grad(b, gb);
      H.col(i) = (ga - gb) / (2 * h);
    }
    H = 0.5 * (H + H.transpose());
  };
  int rerun = 0;
  for (int step = 0; step < 6; ++step) {
    model.centre(fit.x);
    Eigen::VectorXd g(n);
    fit.f = model.value_grad(fit.x, g);
    hessian(fit.x);
    if (g.lpNorm<Eigen::Infinity>() < 1e-9) break;
    Eigen::LDLT<Eigen::MatrixXd> ldlt(H);
    if (ldlt.info() != Eigen::Success || !(ldlt.vectorD().minCoeff() > 0)) {
      // No Newton step where the Hessian is indefinite (the |S_end| kinks of
      // the response term, or a weakly identified direction): minimise again
      // by BFGS from here, on the Gauss-Jacobi rule just re-centred, so the
      // fit stops at a stationary point of the likelihood it reports.
      if (rerun >= 2 || g.lpNorm<Eigen::Infinity>() < 1e-6) break;
      ++rerun;
      const Bfgs again = minimise(model, fit.x, o.stop);
      fit.x = again.x;
      fit.f = again.f;
      fit.iterations += again.iterations;
      continue;
    }
    const Eigen::VectorXd dx = -ldlt.solve(g);
    double t = 1;
    bool moved = false;
    for (int k = 0; k < 30; ++k, t *= 0.5) {
      Eigen::VectorXd gn(n);
      const Eigen::VectorXd xn = fit.x + t * dx;
      const double fn = model.value_grad(xn, gn);
      if (std::isfinite(fn) && fn <= fit.f + 1e-12 * std::fabs(fit.f)) {
        fit.x = xn;
        fit.f = fn;
        moved = true;
        break;
      }
    }
    if (!moved) break;
  }
  {
    Eigen::VectorXd g(n);
    fit.f = model.value_grad(fit.x, g);
    // Not 0: the engine's |S_end| in the response probability puts kinks
    // into the Gauss-Hermite sum (docs/methods/calibration.md).
    fit.converged = g.lpNorm<Eigen::Infinity>() < 1e-3;
  }
  H *= N;
  // A retention group's parameter: `retention.alpha` for pooled retention,
  // `segments.<id>.retention.alpha` per segment.
  auto group_name = [&](std::size_t r, const char* what) {
    return pooled_retention ? fmt::format("retention.{}", what)
                            : fmt::format("segments.{}.retention.{}", s.m.segments[groups[r][0]].id, what);
  };
  auto effort_name = [&](std::uint32_t col) {
    return col == s.P - 1 ? std::string("channel_switch.effort")
                          : fmt::format("{}.effort.{}", s.tp_id[col / 2], col % 2 == 0 ? "ok" : "friction");
  };
  // The parameter at position i of theta, by its report name.
  auto param_name = [&](int i) -> std::string {
    if (i < static_cast<int>(lay.beta_col.size())) {
      const std::uint32_t col = lay.beta_col[static_cast<std::size_t>(i)];
      return col == s.P - 1 ? "channel_switch.satisfaction"
                            : fmt::format("{}.satisfaction.{}", s.tp_id[col / 2], col % 2 == 0 ? "ok" : "friction");
    }
    if (i >= lay.i_tau && i < lay.i_tau + lay.n_tau) return fmt::format("nps.cut_{}", i - lay.i_tau);
    if (i >= lay.i_tc && i < lay.i_tc + lay.n_tc) return fmt::format("csat.cut_{}", i - lay.i_tc);
    if (i >= lay.i_te && i < lay.i_te + lay.n_te) return fmt::format("ces.cut_{}", i - lay.i_te);
    if (i >= lay.i_eff && i < lay.i_eff + static_cast<int>(lay.eff_col.size()))
      return effort_name(lay.eff_col[static_cast<std::size_t>(i - lay.i_eff)]);
    if (i == lay.i_lambda) return "retention.carryover";
    if (i == lay.i_eta) return "survey.response.rate";
    if (i == lay.i_rho) return "survey.response.extremity";
    for (std::size_t r = 0; r < lay.i_la.size(); ++r) {
      if (i == lay.i_la[r]) return group_name(r, "alpha");
      if (i == lay.i_lb[r]) return group_name(r, "beta");
    }
    return "retention.sensitivity";
  };
  // Standard errors from the observed information (the Hessian) when it is
  // positive definite; else from the outer product of the per-customer
  // scores (BHHH; plus the delta prior's precision), which needs no second
  // derivatives across the kinks. A direction that neither identifies (an
  // eigenvalue below 1e-9 of the largest) names the parameter loading most
  // on it: not identified, no standard error.
  Eigen::MatrixXd cov = Eigen::MatrixXd::Constant(n, n, kNaN);
  std::string se_method = "observed information";
  std::vector<int> unidentified;
  {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(H);
    if (es.info() == Eigen::Success && es.eigenvalues().minCoeff() > 0) {
      cov = H.inverse();
    } else {
      se_method = "outer product of the per-customer scores (BHHH)";
      Eigen::VectorXd g(n);
      Eigen::MatrixXd sc;
      model.eval(fit.x, &g, &sc);
      Eigen::MatrixXd J = sc * sc.transpose();
      for (std::size_t k = 0; k < lay.prior_prec.size(); ++k)
        J(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(k)) += lay.prior_prec[k];
      for (std::size_t k = 0; k < lay.eff_prior_prec.size(); ++k)
        J(lay.i_eff + static_cast<Eigen::Index>(k), lay.i_eff + static_cast<Eigen::Index>(k)) += lay.eff_prior_prec[k];
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> ej(J);
      const double top = ej.eigenvalues().maxCoeff();
      if (ej.info() == Eigen::Success && top > 0) {
        for (int k = 0; k < n; ++k) {
          if (ej.eigenvalues()(k) > 1e-9 * top) continue;
          int worst = 0;
          ej.eigenvectors().col(k).cwiseAbs().maxCoeff(&worst);
          if (std::find(unidentified.begin(), unidentified.end(), worst) == unidentified.end())
            unidentified.push_back(worst);
        }
        // The rest: the information with the unidentified rows and columns
        // left out.
        std::vector<int> keep;
        for (int i = 0; i < n; ++i)
          if (std::find(unidentified.begin(), unidentified.end(), i) == unidentified.end()) keep.push_back(i);
        Eigen::MatrixXd Jr(keep.size(), keep.size());
        for (std::size_t a = 0; a < keep.size(); ++a)
          for (std::size_t b = 0; b < keep.size(); ++b)
            Jr(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)) = J(keep[a], keep[b]);
        Eigen::LDLT<Eigen::MatrixXd> lr(Jr);
        if (!keep.empty() && lr.info() == Eigen::Success && lr.vectorD().minCoeff() > 0) {
          const Eigen::MatrixXd cr = Jr.inverse();
          for (std::size_t a = 0; a < keep.size(); ++a)
            for (std::size_t b = 0; b < keep.size(); ++b)
              cov(keep[a], keep[b]) = cr(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b));
        }
      }
      std::vector<std::string> names;
      for (int i : unidentified) names.push_back(param_name(i));
      s.warn(fmt::format(
          "joint fit: the observed information is not positive definite (the kinks of |S_end| in the response "
          "probability); standard errors {}",
          unidentified.empty() ? "from the outer product of the per-customer scores (BHHH)"
                               : fmt::format("not available: the data do not identify {}", core::quoted_list(names))));
    }
  }
  if (!fit.converged) s.warn(fmt::format("joint fit: not converged after {} iterations", fit.iterations));
  auto se = [&](int i) { return i >= 0 && cov(i, i) >= 0 ? std::sqrt(cov(i, i)) : kNaN; };
  auto identified = [&](int i) { return std::find(unidentified.begin(), unidentified.end(), i) == unidentified.end(); };
  const std::string flat = "the likelihood is flat in it at the estimate (an eigenvalue of the information near 0)";

  // ---- into the model
  for (std::size_t k = 0; k < lay.beta_col.size(); ++k) {
    const std::uint32_t col = lay.beta_col[k];
    Coefficient c{fit.x(static_cast<Eigen::Index>(k)), se(static_cast<int>(k)), true,
                  lay.prior_prec[k] > 0 ? "regularised" : ""};
    if (col == s.P - 1) {
      if (s.m.has_switch) s.m.switch_sat = c;
      continue;
    }
    const std::size_t tp = col / 2;
    if (tp >= s.tp_index.size() || s.tp_index[tp] < 0) continue;
    auto& t = s.m.touchpoints[static_cast<std::size_t>(s.tp_index[tp])];
    if (col % 2 == 0) {
      t.sat_ok = c;
      if (!s.has_status) t.sat_fr = c;
    } else {
      t.sat_fr = c;
    }
  }
  {
    std::vector<double> base(11, 0.0);
    double prev = 0;
    for (int j = 0; j < d.L; ++j) {
      const double F = j < d.L - 1 ? sigm(fit.x(lay.i_tau + j)) : 1.0;
      base[static_cast<std::size_t>(observed[static_cast<std::size_t>(j)])] = F - prev;
      prev = F;
    }
    s.m.nps.baseline = base;
  }
  // CSAT and CES baselines from their joint cut-points (the scale's
  // categories nobody chose get 0, as in the ordered logit).
  auto scale_baseline = [&](const OrderedLogitFit& f, int first, int L, FittedScale& fs, int scale) {
    if (L < 2) return;
    std::vector<double> base(static_cast<std::size_t>(scale), 0.0);
    double prev = 0;
    for (int j = 0; j < L; ++j) {
      const double F = j < L - 1 ? sigm(fit.x(first + j)) : 1.0;
      base[static_cast<std::size_t>(f.observed[static_cast<std::size_t>(j)])] = F - prev;
      prev = F;
    }
    fs.baseline = base;
  };
  scale_baseline(s.csat_fit, lay.i_tc, d.Lc, s.m.csat, o.csat_scale);
  scale_baseline(s.ces_fit, lay.i_te, d.Le, s.m.ces, o.ces_scale);
  for (std::size_t k = 0; k < lay.eff_col.size(); ++k) {
    const std::uint32_t col = lay.eff_col[k];
    const int i = lay.i_eff + static_cast<int>(k);
    Coefficient c{fit.x(i), se(i), identified(i), lay.eff_prior_prec[k] > 0 ? "regularised" : ""};
    if (col == s.P - 1) {
      if (s.m.has_switch) s.m.switch_eff = c;
      continue;
    }
    const std::size_t tp = col / 2;
    if (tp >= s.tp_index.size() || s.tp_index[tp] < 0) continue;
    auto& t = s.m.touchpoints[static_cast<std::size_t>(s.tp_index[tp])];
    if (col % 2 == 0) {
      t.eff_ok = c;
      if (!s.has_status) t.eff_fr = c;
    } else {
      t.eff_fr = c;
    }
  }
  if (lay.i_lambda >= 0 && !identified(lay.i_lambda)) {
    not_identified(dyn.carryover, 0.5, flat);
  } else if (lay.i_lambda >= 0) {
    dyn.carryover = {true, fit.x(lay.i_lambda), se(lay.i_lambda), ""};
    if (dyn.carryover.value < 0 || dyn.carryover.value > 1) {
      s.warn(
          fmt::format("joint fit: carryover {:.4g} is outside [0, 1]; the model gets it clamped", dyn.carryover.value));
      dyn.carryover.value = std::clamp(dyn.carryover.value, 0.0, 1.0);
    }
  } else {
    not_identified(dyn.carryover, 0.5, why_lambda);
  }
  if (lay.i_eta >= 0) {
    const double r0 = sigm(fit.x(lay.i_eta));
    s.m.response_rate = r0;
    dyn.response_se = r0 * (1 - r0) * se(lay.i_eta);
    if (identified(lay.i_rho)) dyn.extremity = {true, fit.x(lay.i_rho), se(lay.i_rho), ""};
    else not_identified(dyn.extremity, 0.0, flat);
  } else {
    not_identified(dyn.extremity, 0.0, why_rho);
  }
  if (lay.i_gamma >= 0 && !identified(lay.i_gamma)) {
    not_identified(dyn.sensitivity, 0.0, flat);
  } else if (lay.i_gamma >= 0) {
    dyn.sensitivity = {true, fit.x(lay.i_gamma), se(lay.i_gamma), ""};
    for (std::size_t r = 0; r < groups.size(); ++r)
      for (std::size_t g : groups[r]) {
        auto& seg = s.m.segments[g];
        seg.alpha = std::exp(fit.x(lay.i_la[r]));
        seg.beta = std::exp(fit.x(lay.i_lb[r]));
        seg.se_alpha = seg.alpha * se(lay.i_la[r]);
        seg.se_beta = seg.beta * se(lay.i_lb[r]);
      }
  } else {
    not_identified(dyn.sensitivity, 0.0, why_gamma);
  }

  // ---- the report and the summary
  dyn_rows();
  if (lay.i_eta >= 0) row("survey.response.rate", s.m.response_rate, dyn.response_se, "estimated");
  if (lay.i_gamma >= 0)
    for (std::size_t r = 0; r < groups.size(); ++r) {
      const auto& seg = s.m.segments[groups[r][0]];
      row(group_name(r, "alpha"), seg.alpha, seg.se_alpha, "estimated");
      row(group_name(r, "beta"), seg.beta, seg.se_beta, "estimated");
    }
  for (std::size_t k = 0; k < lay.beta_col.size(); ++k) {
    const std::uint32_t col = lay.beta_col[k];
    const std::string name =
        col == s.P - 1 ? "channel_switch.satisfaction"
                       : fmt::format("{}.satisfaction.{}", s.tp_id[col / 2], col % 2 == 0 ? "ok" : "friction");
    row(name, fit.x(static_cast<Eigen::Index>(k)), se(static_cast<int>(k)),
        !identified(static_cast<int>(k)) ? "not identified: " + flat
        : lay.prior_prec[k] > 0          ? "estimated (regularised: the survey fit's normal prior)"
                                         : "estimated");
  }
  for (int c = 0; c < lay.n_tau; ++c)
    row(fmt::format("nps.cut_{}", c), fit.x(lay.i_tau + c), se(lay.i_tau + c),
        identified(lay.i_tau + c) ? "estimated" : "not identified: " + flat);
  for (int i = lay.i_tc; i < lay.i_tc + lay.n_tc; ++i)
    row(param_name(i), fit.x(i), se(i), identified(i) ? "estimated" : "not identified: " + flat);
  for (int i = lay.i_te; i < lay.i_te + lay.n_te; ++i)
    row(param_name(i), fit.x(i), se(i), identified(i) ? "estimated" : "not identified: " + flat);
  for (std::size_t k = 0; k < lay.eff_col.size(); ++k) {
    const int i = lay.i_eff + static_cast<int>(k);
    row(param_name(i), fit.x(i), se(i),
        !identified(i)              ? "not identified: " + flat
        : lay.eff_prior_prec[k] > 0 ? "estimated (regularised: the CES fit's normal prior)"
                                    : "estimated");
  }
  rep.attr("joint_loglik", -fit.f * N);
  rep.attr("joint_se_method", se_method);
  rep.attr_int("joint_customers", static_cast<std::int64_t>(d.cust.size()));
  rep.attr_int("joint_iterations", fit.iterations);

  auto show = [&](const char* name, const FittedDynamic& v) {
    if (v.estimated)
      sum += fmt::format("  {:<26} {:.4g} (se {:.3g}, 95% CI {:.4g}..{:.4g})\n", name, v.value, v.se,
                         v.value - kZ95 * v.se, v.value + kZ95 * v.se);
    else sum += fmt::format("  {:<26} {:.4g} default: not identified by the data ({})\n", name, v.value, v.note);
  };
  sum += fmt::format(
      "joint fit: {} customers, {} walks ({} answered), S0 sd {} ({} Gauss-Hermite nodes), {} parameters, {} "
      "iterations{}:\n",
      d.cust.size(), walks_total, responded, o.satisfaction0_sd, model.gh.x.size(), n, fit.iterations,
      fit.converged ? "" : " (not converged)");
  show("retention.sensitivity", dyn.sensitivity);
  show("retention.carryover", dyn.carryover);
  show("survey.response.extremity", dyn.extremity);
}

}  // namespace cxsim::calibrate::stages
