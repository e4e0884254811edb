// The linear solver of the exact analytics: dense LU, sparse LU, BiCGSTAB
// (docs/methods/analytics.md, "Solvers").
#include "linear_solver.h"

#include <algorithm>

#include <fmt/format.h>

#include "cxsim/core/errors.h"

namespace cxsim::analytics::detail {

template <class B, class X>
bool LinearSolver::iterate(const Iterative& it, const Sparse& a, const B& b, X&& x) const {
  if (b.squaredNorm() == 0) {
    x.setZero();
    return true;
  }
  x = it.solve(b);
  if (it.info() != Eigen::Success || !x.allFinite()) return false;
  return (a * x - b).norm() <= 1e-11 * b.norm();
}

LinearSolver::LinearSolver(const Chain& c, Kind kind, const std::string& segment)
    : kind_(kind), n_(c.n), segment_(segment) {
  if (kind_ == Kind::dense) {
    Eigen::MatrixXd a = Eigen::MatrixXd::Identity(c.n, c.n);
    for (std::size_t i = 0; i < c.n; ++i)
      for (const auto& e : c.q[i]) a(i, e.node) -= e.p;
    dense_lu_.compute(a);
    const double rc = c.n ? dense_lu_.rcond() : 1.0;
    if (!(rc > 1e-13))
      throw core::RuntimeError(
          fmt::format("analytics: segment '{}': I−Q is numerically singular (reciprocal condition number {:.3g}); some "
                      "touchpoints return to themselves with probability that is almost 1",
                      segment, rc));
    return;
  }
  std::vector<Eigen::Triplet<double>> trip;
  for (std::size_t i = 0; i < c.n; ++i) {
    trip.emplace_back(static_cast<int>(i), static_cast<int>(i), 1.0);
    for (const auto& e : c.q[i]) trip.emplace_back(static_cast<int>(i), static_cast<int>(e.node), -e.p);
  }
  a_.resize(static_cast<Eigen::Index>(c.n), static_cast<Eigen::Index>(c.n));
  a_.setFromTriplets(trip.begin(), trip.end());
  a_.makeCompressed();
  if (kind_ == Kind::sparse) {
    factor_sparse();
  } else {
    at_ = a_.transpose();
    at_.makeCompressed();
    it_.setTolerance(1e-14);
    it_.setMaxIterations(2000);
    it_.compute(a_);
    it_t_.setTolerance(1e-14);
    it_t_.setMaxIterations(2000);
    it_t_.compute(at_);
  }
}

std::string LinearSolver::name() const {
  switch (kind_) {
    case Kind::dense: return "dense";
    case Kind::sparse: return "sparse";
    case Kind::iterative: return sparse_lu_ ? "sparse (iterative did not converge)" : "iterative";
  }
  return "?";
}

Eigen::MatrixXd LinearSolver::solve(const Eigen::MatrixXd& b) {
  if (kind_ == Kind::dense) return dense_lu_.solve(b);
  if (kind_ == Kind::iterative && !sparse_lu_) {
    Eigen::MatrixXd x(b.rows(), b.cols());
    bool ok = true;
    for (Eigen::Index j = 0; j < b.cols() && ok; ++j) ok = iterate(it_, a_, b.col(j), x.col(j));
    if (ok) return x;
    factor_sparse();
  }
  return sparse_lu_->solve(b);
}

Eigen::VectorXd LinearSolver::solve_transposed(const Eigen::VectorXd& b) {
  if (kind_ == Kind::dense) return dense_lu_.transpose().solve(b);
  if (kind_ == Kind::iterative && !sparse_lu_) {
    Eigen::VectorXd x(b.size());
    if (iterate(it_t_, at_, b, x)) return x;
    factor_sparse();
  }
  return sparse_lu_->transpose().solve(b);
}

Eigen::VectorXd LinearSolver::diag_inverse(const std::vector<bool>& want) {
  Eigen::VectorXd d = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n_));
  if (kind_ == Kind::dense) {
    const Eigen::MatrixXd inv = dense_lu_.inverse();
    return inv.diagonal();
  }
  constexpr std::size_t kBlock = 64;
  std::vector<std::size_t> idx;
  for (std::size_t i = 0; i < n_; ++i)
    if (want[i]) idx.push_back(i);
  for (std::size_t b0 = 0; b0 < idx.size(); b0 += kBlock) {
    const std::size_t w = std::min(kBlock, idx.size() - b0);
    Eigen::MatrixXd e = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n_), static_cast<Eigen::Index>(w));
    for (std::size_t j = 0; j < w; ++j) e(idx[b0 + j], j) = 1.0;
    const Eigen::MatrixXd x = solve(e);
    for (std::size_t j = 0; j < w; ++j) d(idx[b0 + j]) = x(idx[b0 + j], j);
  }
  return d;
}

void LinearSolver::factor_sparse() {
  sparse_lu_ = std::make_unique<Eigen::SparseLU<Sparse, Eigen::COLAMDOrdering<int>>>();
  sparse_lu_->analyzePattern(a_);
  sparse_lu_->factorize(a_);
  if (sparse_lu_->info() != Eigen::Success)
    throw core::RuntimeError(
        fmt::format("analytics: segment '{}': sparse LU of I−Q failed: {}", segment_, sparse_lu_->lastErrorMessage()));
}

}  // namespace cxsim::analytics::detail
