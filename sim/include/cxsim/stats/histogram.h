#pragma once
// Mergeable fixed-bin histograms.
//
// LogHistogram: non-negative values such as durations, with log-spaced bins
// from 1e-3 to 1e7 at a fixed number of bins per decade B, so quantiles have a
// bounded *relative* error: for any p, the histogram quantile and the sample
// quantile x_(ceil(p*W)) lie in the same bin, hence
//     |quantile(p) - q| / q <= 10^(1/B) - 1        (1.158% for B = 200)
// for q in [1e-3, 1e7). Bin layout (see raw_counts):
//     [0]            x == 0 exactly
//     [1]            0 < x < 1e-3 (underflow; absolute error < 1e-3)
//     [2 .. 2+10B)   [e_i, e_{i+1}), e_i = 10^(-3 + i/B)
//     [2+10B]        x >= 1e7 (overflow; bounded by the exact max)
// min and max are kept exactly, and every quantile is clamped to [min, max].
// Bins are fixed, so merging is an element-wise sum: any merge order of
// integer-weighted data gives identical counts.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "cxsim/stats/estimates.h"

namespace cxsim::stats {

class LogHistogram {
 public:
  static constexpr double kLow = 1e-3;  // lower edge of the first log bin
  static constexpr double kHigh = 1e7;  // upper edge of the last log bin
  static constexpr int kDecades = 10;

  // Throws core::InputError unless 1 <= bins_per_decade <= 10000.
  explicit LogHistogram(int bins_per_decade = 200);

  // Add x (>= 0, not NaN) with weight (>= 0, finite). Throws
  // core::InputError otherwise.
  void add(double x, double weight = 1.0);
  // add(x) for every x, in order (the same counts, min and max). Throws
  // core::InputError before adding anything when a value is invalid.
  void add_all(std::span<const double> xs);
  // Element-wise sum; throws core::RuntimeError when the bin layouts differ.
  void merge(const LogHistogram& other);

  double count() const;                    // total weight (sum of bins in order)
  double min() const { return min_; }      // +inf when empty
  double max() const { return max_; }      // -inf when empty
  int bins_per_decade() const { return bins_per_decade_; }
  // 10^(1/B) - 1: worst-case relative error of quantile() inside [1e-3, 1e7).
  double relative_error_bound() const;

  // Quantile at probability p in [0, 1], linear interpolation inside the bin
  // that holds the target rank p*count(). quantile(0) = min, quantile(1) =
  // max. NaN when empty; throws core::InputError when p is outside [0, 1].
  double quantile(double p) const;

  // 95% interval for the p-quantile by inverting the binomial: the ranks
  // n_eff*p -+ z*sqrt(n_eff*p*(1-p)) (as probabilities, clamped to [0, 1])
  // are mapped through the histogram, widened outward to the enclosing bin
  // edges so that the interval contains the exact order-statistic interval.
  // n_eff is the effective sample size (the engine may pass the number of
  // customers). se is reported as (ci_high - ci_low) / (2 z). All NaN when
  // empty or n_eff <= 0.
  Estimate quantile_ci(double p, double n_eff) const;

  // Raw state for serialization and inspection.
  std::span<const double> raw_counts() const { return counts_; }
  std::size_t bin_count() const { return counts_.size(); }
  // Lower and upper edge of bin b of raw_counts (the zero bin is [0, 0], the
  // underflow bin [0, 1e-3), the overflow bin [1e7, +inf)).
  double bin_lower(std::size_t b) const;
  double bin_upper(std::size_t b) const;
  std::size_t bin_of(double x) const;

 private:
  // Bin holding the target cumulative weight t (first non-empty bin whose
  // cumulative weight reaches t), and the weight before it.
  std::size_t find_bin(double t, double* before) const;

  // The immutable bin layout, shared by copies (a histogram per chunk costs
  // one allocation of counts, not a recomputation of the edges).
  struct Layout {
    std::vector<double> edges;  // 10B + 1 log edges
    // Fast exact binning: x in [kLow, kHigh) lies in the octave sub-bucket
    // given by its exponent and top `sub_bits` mantissa bits; a sub-bucket is
    // narrower than a bin, so it meets at most one edge and the bin is
    // first[bucket] or the next one (one comparison with the stored edge).
    // sub_bits = 0: no table (very fine bins), bin_of bisects the edges.
    int sub_bits = 0;
    int first_exponent = 0;            // unbiased exponent of kLow
    std::vector<std::uint32_t> first;  // log-bin index of each sub-bucket's lowest value >= kLow
  };
  std::size_t log_bin_search(double x) const;  // exact, by the edges alone

  int bins_per_decade_;
  std::shared_ptr<const Layout> layout_;
  std::vector<double> counts_;  // 10B + 3 bins
  double min_;
  double max_;
};

}  // namespace cxsim::stats
