#pragma once
// Gauss quadrature rules of the joint fit (docs/methods/calibration.md,
// "Joint fit"): nodes and weights from the Golub-Welsch eigenvalue method
// (the symmetric tridiagonal Jacobi matrix of the orthogonal polynomials'
// three-term recurrence, Eigen's SelfAdjointEigenSolver). The weights are
// normalised to sum to 1, so sum_k w_k f(x_k) approximates an expectation and
// is exact for polynomials of degree <= 2n - 1.
#include <vector>

namespace cxsim::calibrate {

struct Quadrature {
  std::vector<double> x, w;  // nodes (increasing) and weights (sum 1)
};

// E f(Z), Z ~ Normal(0, 1): Gauss-Hermite (probabilists' weight exp(-x^2/2)).
Quadrature gauss_hermite(int n);

// E f(theta), theta ~ Beta(a, b): Gauss-Jacobi on [-1, 1] with weight
// (1-x)^(b-1) (1+x)^(a-1), mapped to theta = (1+x)/2. Needs a, b > 0.
Quadrature gauss_jacobi_beta(int n, double a, double b);

}  // namespace cxsim::calibrate
