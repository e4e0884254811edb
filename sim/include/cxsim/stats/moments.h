#pragma once
// First and second moments of a per-unit vector, mergeable and deterministic.
//
// The engine gives every customer (the statistical unit) a fixed-length vector
// x of per-customer totals and adds it here once. From the sums below every
// headline estimate and its standard error is derived (see estimates.h and
// docs/methods/estimators.md).
//
// State (all plain doubles, no running means):
//   n         number of units added
//   shift[i]  c_i, a fixed reference value per component
//   sum[i]    S_i  = sum_u (x_ui - c_i)
//   cross[ij] C_ij = sum_u (x_ui - c_i)(x_uj - c_j), packed upper triangle
//             (all pairs), or only for a chosen set of pairs (sparse mode)
//
// Sparse mode: a caller that knows which covariances it will ask for (the
// engine: the pairs inside each metric's ratio) keeps only those cross
// products, in packed order. Every kept C_ij gets exactly the same additions
// in the same order as in full mode, so its value is bit-identical; the
// other pairs are simply not computed, and asking for one throws.
//
// The shift avoids catastrophic cancellation in C_ij - S_i S_j / n when a
// component's spread is small against its level (e.g. values near 1e4 that
// differ by 1). Unless given at construction, the shift is the first unit's
// vector. Merging two accumulators with different shifts re-centres the other
// one onto this one's shift; the arithmetic is fixed, so merging the same
// chunks in the same order gives bit-identical results on every run and for any
// thread count. Merging different chunkings agrees up to rounding
// (docs/methods/estimators.md gives the bound).
//
// A component that is constant over all units has S_i = C_ii = 0 exactly and
// so zero variance exactly; two components that are equal in every unit have
// bit-identical sums and cross products.
//
// Not thread-safe: each chunk owns its accumulator.
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace cxsim::stats {

class MomentAccumulator {
 public:
  // k components; the shift is taken from the first unit added.
  explicit MomentAccumulator(int k);
  // k = shift.size() components with a fixed, caller-chosen shift. Chunks
  // built with the same shift merge by plain addition.
  explicit MomentAccumulator(std::vector<double> shift);
  // k components, first-unit shift, cross products only for `pairs` (each
  // (i, j) in either order; duplicates are ignored) and for every (i, i).
  // Throws core::RuntimeError when an index is outside [0, k).
  MomentAccumulator(int k, std::span<const std::pair<int, int>> pairs);

  int size() const { return k_; }
  std::int64_t count() const { return n_; }
  bool empty() const { return n_ == 0; }

  // Whether covariance(i, j) is available (always true in full mode).
  bool tracks(int i, int j) const;
  bool sparse() const { return !slot_.empty(); }

  // Add one unit; x points at size() values. NaN propagates (not checked).
  void add(const double* x);
  // Same; throws core::RuntimeError when x.size() != size().
  void add(std::span<const double> x);

  // Adds `other` into this accumulator. Exact when the shifts are equal
  // (component-wise sum of the raw state); otherwise other's sums are
  // re-centred first. Deterministic for a fixed merge order. Throws
  // core::RuntimeError when the sizes or the kept pairs differ.
  void merge(const MomentAccumulator& other);

  // Forget all units (keeps k and a fixed shift, if one was given).
  void clear();

  // Sample mean of component i; NaN when empty.
  double mean(int i) const;
  // All means, size() values; NaN when empty.
  std::vector<double> means() const;
  // Unbiased sample covariance (divisor n-1); NaN when n < 2. covariance(i,i)
  // is clamped at 0 (it can only be negative through rounding). Throws
  // core::RuntimeError for a pair a sparse accumulator does not keep.
  double covariance(int i, int j) const;
  double variance(int i) const { return covariance(i, i); }
  // Sum of component i over all units (= n*c_i + S_i, rounded once more).
  double total(int i) const;

  // Raw state for serialization; cross is packed row-major upper triangle,
  // see packed_index (sparse mode: the kept pairs only, in that order). shift is meaningful only when count() > 0 or a
  // fixed shift was given.
  std::span<const double> raw_shift() const { return shift_; }
  std::span<const double> raw_sums() const { return sum_; }
  std::span<const double> raw_cross() const { return cross_; }
  bool has_fixed_shift() const { return fixed_shift_; }
  // Sets the state that count() and raw_shift/sums/cross() read back, bit for
  // bit (the serialised chunks of a partial run, engine/partial.h). The sizes
  // must be those of this accumulator (the same k and kept pairs).
  void restore(std::int64_t n, std::span<const double> shift, std::span<const double> sums,
               std::span<const double> cross);

  // Position of (i, j) in the packed upper triangle of a k x k symmetric
  // matrix: row-major over i <= j, i.e. (0,0),(0,1)..(0,k-1),(1,1),...
  static std::size_t packed_index(int k, int i, int j);
  static std::size_t packed_size(int k) { return static_cast<std::size_t>(k) * static_cast<std::size_t>(k + 1) / 2; }

 private:
  void check_index(int i) const;
  std::size_t slot(int i, int j) const;  // position of (i, j) in cross_

  int k_ = 0;
  std::int64_t n_ = 0;
  bool fixed_shift_ = false;
  std::vector<double> shift_;
  std::vector<double> sum_;
  std::vector<double> cross_;
  std::vector<double> scratch_;  // x - shift of the unit being added
  // Sparse mode only (empty in full mode): the kept pairs in packed order,
  // and for every packed index its position in cross_ or -1.
  std::vector<std::uint32_t> pair_i_, pair_j_;
  std::vector<std::int32_t> slot_;
};

}  // namespace cxsim::stats
