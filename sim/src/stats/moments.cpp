#include "cxsim/stats/moments.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "cxsim/core/errors.h"

namespace cxsim::stats {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

MomentAccumulator::MomentAccumulator(int k)
    : k_(k),
      shift_(static_cast<std::size_t>(k < 0 ? 0 : k), 0.0),
      sum_(shift_.size(), 0.0),
      cross_(packed_size(k < 0 ? 0 : k), 0.0),
      scratch_(shift_.size(), 0.0) {
  if (k < 0) throw core::RuntimeError("MomentAccumulator: negative size " + std::to_string(k));
}

MomentAccumulator::MomentAccumulator(std::vector<double> shift) : MomentAccumulator(static_cast<int>(shift.size())) {
  shift_ = std::move(shift);
  fixed_shift_ = true;
}

MomentAccumulator::MomentAccumulator(int k, std::span<const std::pair<int, int>> pairs) : MomentAccumulator(k) {
  std::vector<char> keep(packed_size(k), 0);
  for (int i = 0; i < k; ++i) keep[packed_index(k, i, i)] = 1;
  for (const auto& [i, j] : pairs) {
    check_index(i);
    check_index(j);
    keep[packed_index(k, i, j)] = 1;
  }
  slot_.assign(keep.size(), -1);
  std::size_t p = 0;
  for (int i = 0; i < k; ++i) {
    for (int j = i; j < k; ++j, ++p) {
      if (!keep[p]) continue;
      slot_[p] = static_cast<std::int32_t>(pair_i_.size());
      pair_i_.push_back(static_cast<std::uint32_t>(i));
      pair_j_.push_back(static_cast<std::uint32_t>(j));
    }
  }
  // A new vector, not assign(): the dense constructor's capacity (k(k+1)/2
  // doubles) would otherwise stay allocated in every sparse accumulator.
  cross_ = std::vector<double>(pair_i_.size(), 0.0);
  pair_i_.shrink_to_fit();
  pair_j_.shrink_to_fit();
}

std::size_t MomentAccumulator::packed_index(int k, int i, int j) {
  if (i > j) std::swap(i, j);
  const auto ui = static_cast<std::size_t>(i);
  const auto uk = static_cast<std::size_t>(k);
  // Rows 0..i-1 hold k, k-1, ..., k-i+1 entries.
  return ui * uk - (ui * (ui + 1)) / 2 + ui + static_cast<std::size_t>(j - i);
}

void MomentAccumulator::check_index(int i) const {
  if (i < 0 || i >= k_) {
    throw core::RuntimeError("MomentAccumulator: component " + std::to_string(i) + " out of range [0, " +
                             std::to_string(k_) + ")");
  }
}

bool MomentAccumulator::tracks(int i, int j) const {
  check_index(i);
  check_index(j);
  return slot_.empty() || slot_[packed_index(k_, i, j)] >= 0;
}

std::size_t MomentAccumulator::slot(int i, int j) const {
  const std::size_t p = packed_index(k_, i, j);
  if (slot_.empty()) return p;
  if (slot_[p] < 0) {
    throw core::RuntimeError("MomentAccumulator: the pair (" + std::to_string(i) + ", " + std::to_string(j) +
                             ") is not kept by this sparse accumulator");
  }
  return static_cast<std::size_t>(slot_[p]);
}

void MomentAccumulator::add(const double* x) {
  const std::size_t k = shift_.size();
  if (n_ == 0 && !fixed_shift_) {
    for (std::size_t i = 0; i < k; ++i) shift_[i] = x[i];
  }
  double* __restrict u = scratch_.data();
  for (std::size_t i = 0; i < k; ++i) {
    u[i] = x[i] - shift_[i];
    sum_[i] += u[i];
  }
  if (!slot_.empty()) {
    // Sparse: the kept pairs in packed order, one fixed-length loop (no
    // data-dependent branch). Same products, same order as in full mode.
    double* __restrict c = cross_.data();
    const std::uint32_t* __restrict pi = pair_i_.data();
    const std::uint32_t* __restrict pj = pair_j_.data();
    const std::size_t np = cross_.size();
    for (std::size_t p = 0; p < np; ++p) c[p] += u[pi[p]] * u[pj[p]];
    ++n_;
    return;
  }
  // Row i of the packed triangle: C_ij += u_i * u_j for j >= i. A row whose
  // u_i is 0 adds only exact zeros and is skipped (common: count columns
  // often equal the shift). Bit-identical to not skipping for finite input.
  double* __restrict c = cross_.data();
  for (std::size_t i = 0; i < k; ++i) {
    const double ui = u[i];
    const std::size_t len = k - i;
    if (ui != 0.0) {
      const double* __restrict uj = u + i;
      for (std::size_t j = 0; j < len; ++j) c[j] += ui * uj[j];
    }
    c += len;
  }
  ++n_;
}

void MomentAccumulator::add(std::span<const double> x) {
  if (x.size() != shift_.size()) {
    throw core::RuntimeError("MomentAccumulator::add: vector of length " + std::to_string(x.size()) + ", expected " +
                             std::to_string(k_));
  }
  add(x.data());
}

void MomentAccumulator::merge(const MomentAccumulator& other) {
  if (other.k_ != k_) {
    throw core::RuntimeError("MomentAccumulator::merge: sizes differ (" + std::to_string(k_) + " and " +
                             std::to_string(other.k_) + ")");
  }
  if (other.pair_i_ != pair_i_ || other.pair_j_ != pair_j_ || other.slot_.size() != slot_.size()) {
    throw core::RuntimeError("MomentAccumulator::merge: the accumulators keep different pairs");
  }
  if (other.n_ == 0) return;
  if (n_ == 0 && !fixed_shift_) {
    n_ = other.n_;
    shift_ = other.shift_;
    sum_ = other.sum_;
    cross_ = other.cross_;
    return;
  }
  bool same_shift = true;
  for (int i = 0; i < k_; ++i) {
    // Bitwise comparison intended: equal shifts merge by plain addition.
    if (!(shift_[i] == other.shift_[i])) same_shift = false;
  }
  const std::size_t k = shift_.size();
  if (same_shift) {
    for (std::size_t i = 0; i < k; ++i) sum_[i] += other.sum_[i];
    for (std::size_t p = 0; p < cross_.size(); ++p) cross_[p] += other.cross_[p];
  } else {
    // Re-centre other's sums on this shift. With d = c_other - c_this and
    // S' = S + n d, C' = C + (S'_i S'_j - S_i S_j) / n. This form is
    // symmetric in (i, j) even under floating-point contraction, so columns
    // that are equal stay bit-identical.
    const double m = static_cast<double>(other.n_);
    std::vector<double> s2(k);
    for (std::size_t i = 0; i < k; ++i) {
      const double d = other.shift_[i] - shift_[i];
      s2[i] = other.sum_[i] + m * d;
    }
    auto recentre = [&](std::size_t p, std::size_t i, std::size_t j) {
      const double adj = (s2[i] * s2[j] - other.sum_[i] * other.sum_[j]) / m;
      cross_[p] += other.cross_[p] + adj;
    };
    if (slot_.empty()) {
      std::size_t p = 0;
      for (std::size_t i = 0; i < k; ++i) {
        for (std::size_t j = i; j < k; ++j, ++p) recentre(p, i, j);
      }
    } else {
      for (std::size_t p = 0; p < cross_.size(); ++p) recentre(p, pair_i_[p], pair_j_[p]);
    }
    for (std::size_t i = 0; i < k; ++i) sum_[i] += s2[i];
  }
  n_ += other.n_;
}

void MomentAccumulator::restore(std::int64_t n, std::span<const double> shift, std::span<const double> sums,
                                std::span<const double> cross) {
  if (n < 0 || shift.size() != shift_.size() || sums.size() != sum_.size() || cross.size() != cross_.size())
    throw core::InputError("MomentAccumulator::restore: state of another shape (" + std::to_string(shift.size()) +
                           " components, " + std::to_string(cross.size()) + " cross products; expected " +
                           std::to_string(shift_.size()) + " and " + std::to_string(cross_.size()) + ")");
  n_ = n;
  std::copy(shift.begin(), shift.end(), shift_.begin());
  std::copy(sums.begin(), sums.end(), sum_.begin());
  std::copy(cross.begin(), cross.end(), cross_.begin());
}

void MomentAccumulator::clear() {
  n_ = 0;
  if (!fixed_shift_) std::fill(shift_.begin(), shift_.end(), 0.0);
  std::fill(sum_.begin(), sum_.end(), 0.0);
  std::fill(cross_.begin(), cross_.end(), 0.0);
}

double MomentAccumulator::mean(int i) const {
  check_index(i);
  if (n_ == 0) return kNaN;
  return shift_[i] + sum_[i] / static_cast<double>(n_);
}

std::vector<double> MomentAccumulator::means() const {
  std::vector<double> m(shift_.size());
  for (int i = 0; i < k_; ++i) {
    m[i] = n_ == 0 ? kNaN : shift_[i] + sum_[i] / static_cast<double>(n_);
  }
  return m;
}

double MomentAccumulator::covariance(int i, int j) const {
  check_index(i);
  check_index(j);
  const std::size_t p = slot(i, j);
  if (n_ < 2) return kNaN;
  const double n = static_cast<double>(n_);
  const double c = cross_[p];
  const double v = (c - (sum_[i] * sum_[j]) / n) / (n - 1.0);
  if (i == j && v < 0.0) return 0.0;
  return v;
}

double MomentAccumulator::total(int i) const {
  check_index(i);
  return static_cast<double>(n_) * shift_[i] + sum_[i];
}

}  // namespace cxsim::stats
