#pragma once
// The linear solver of the exact analytics (internal): solves with A = I − Q
// of one segment's chain. One LinearSolver factorises A once; every solve of
// the segment (expectations, sensitivities, removal effects) goes through it.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <Eigen/IterativeLinearSolvers>
#include <Eigen/Sparse>
#include <Eigen/SparseLU>

#include "chain.h"

namespace cxsim::analytics::detail {

// Solves with A = I − Q: dense LU (PartialPivLU), sparse LU (SparseLU), or
// BiCGSTAB with a diagonal preconditioner (falling back to sparse LU when it
// does not converge).
class LinearSolver {
 public:
  using Kind = SolverKind;

  LinearSolver(const Chain& c, Kind kind, const std::string& segment);

  // "dense", "sparse" or "iterative" (what was really used).
  std::string name() const;

  Eigen::MatrixXd solve(const Eigen::MatrixXd& b);
  Eigen::VectorXd solve_transposed(const Eigen::VectorXd& b);
  // diag((I−Q)^-1), only at indices where want[i] (elsewhere 0).
  Eigen::VectorXd diag_inverse(const std::vector<bool>& want);

 private:
  using Sparse = Eigen::SparseMatrix<double>;
  using Iterative = Eigen::BiCGSTAB<Sparse, Eigen::DiagonalPreconditioner<double>>;

  template <class B, class X>
  bool iterate(const Iterative& it, const Sparse& a, const B& b, X&& x) const;
  void factor_sparse();

  Kind kind_;
  std::size_t n_;
  std::string segment_;
  Eigen::PartialPivLU<Eigen::MatrixXd> dense_lu_;
  Sparse a_, at_;
  Iterative it_, it_t_;
  std::unique_ptr<Eigen::SparseLU<Sparse, Eigen::COLAMDOrdering<int>>> sparse_lu_;
};

}  // namespace cxsim::analytics::detail
