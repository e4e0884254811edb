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
//
// HistogramGroups: the same bins counted separately for G groups of units
// (the engine: customer i in group i mod G), so that a quantile's sampling
// variability can be estimated from between-group variation, and a paired
// quantile difference (paired_quantile_difference) gets a paired SE.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "cxsim/stats/estimates.h"

namespace cxsim::stats {

class HistogramGroups;

class LogHistogram {
 public:
  static constexpr double kLow = 1e-3;  // lower edge of the first log bin
  static constexpr double kHigh = 1e7;  // upper edge of the last log bin
  static constexpr int kDecades = 10;
  static constexpr int kDefaultBinsPerDecade = 200;

  // Throws core::InputError unless 1 <= bins_per_decade <= 10000.
  explicit LogHistogram(int bins_per_decade = kDefaultBinsPerDecade);

  // Add x (>= 0, not NaN) with weight (>= 0, finite). Throws
  // core::InputError otherwise.
  void add(double x, double weight = 1.0);
  // add(x) for every x, in order (the same counts, min and max). Throws
  // core::InputError before adding anything when a value is invalid.
  void add_all(std::span<const double> xs);
  // add_all(xs), and each xs[j] also counted (weight 1) in group groups[j]
  // of `split`, one binning per value. Throws core::InputError before adding
  // anything when a value is invalid, the lengths differ, a group is out of
  // range or split's bin count differs from bin_count().
  void add_all(std::span<const double> xs, std::span<const std::uint32_t> groups, HistogramGroups& split);
  // The same, also writing each value's bin to bins[j] (bins.size() ==
  // xs.size(), else core::InputError), so that a second histogram of the
  // same bins_per_decade can take a subset of the values with add_binned
  // without binning them again (the engine's per-kind walk times).
  void add_all(std::span<const double> xs, std::span<const std::uint32_t> groups, HistogramGroups& split,
               std::span<std::uint32_t> bins);
  // add_all(xs, groups, split) given bins[j] == bin_of(xs[j]) from a
  // histogram of the same layout. Throws core::InputError before adding
  // anything when the lengths differ, a value is invalid, a bin or group is
  // out of range (a bin of another layout is not detected otherwise).
  void add_binned(std::span<const double> xs, std::span<const std::uint32_t> bins,
                  std::span<const std::uint32_t> groups, HistogramGroups& split);
  // The checks of add_all(xs, groups, split, bins) and its bins[j] =
  // bin_of(xs[j]), adding nothing: the engine bins a batch of walk times once
  // and adds each to its outcome kind's histogram (add_binned_trusted). Throws
  // core::InputError as that add_all does.
  void bin_checked(std::span<const double> xs, std::span<const std::uint32_t> groups, const HistogramGroups& split,
                   std::span<std::uint32_t> bins) const;
  // add_binned without any of its checks, for values, bins and groups that
  // bin_checked (or a checked add_all with bins out) of a histogram of the
  // same layout and a split of the same shape has just accepted: the engine's
  // per-kind walk times. Anything else is undefined behaviour; use
  // add_binned.
  void add_binned_trusted(std::span<const double> xs, std::span<const std::uint32_t> bins,
                          std::span<const std::uint32_t> groups, HistogramGroups& split);
  // The same for one value (inline: the engine adds each walk of a batch to
  // its outcome kind's histogram with it).
  inline void add_binned_trusted(double x, std::uint32_t bin, std::uint32_t group, HistogramGroups& split);
  // Adds the bin totals of `split` (each bin's count summed over the groups)
  // to the bins, and takes min/max as the extremes of the values it counted:
  // the engine counts a chunk's walk times per outcome kind in the kind's
  // split only (HistogramGroups::add_trusted) and builds the kind's histogram
  // from it once, at the chunk's end, so that a walk touches one short list
  // instead of a histogram per kind. Throws core::InputError when split's bin
  // count differs from bin_count().
  void add_group_totals(const HistogramGroups& split, double min, double max);
  // Element-wise sum; throws core::RuntimeError when the bin layouts differ.
  void merge(const LogHistogram& other);

  double count() const;                // total weight (sum of bins in order)
  double min() const { return min_; }  // +inf when empty
  double max() const { return max_; }  // -inf when empty
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

  // Where quantile(p) sits: the bin b holding the target rank p*count() and
  // the fraction of b's weight below that rank, clamp((t - before)/count_b,
  // 0, 1), so that weight(bins < b) + frac*count_b = p*count(). The same bin
  // and fraction quantile() interpolates with (p = 0: the first non-empty
  // bin, frac 0; p = 1: the last, frac 1). False when empty; throws
  // core::InputError when p is outside [0, 1].
  bool locate(double p, std::size_t* bin, double* frac) const;

  // Raw state for serialization and inspection.
  std::span<const double> raw_counts() const { return counts_; }
  // Sets the counts (bin_count() of them), min and max, bit for bit (the
  // serialised chunks of a partial run, engine/partial.h).
  void restore(std::span<const double> counts, double min, double max);
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
  // Validation shared by the grouped add_all and add_binned.
  void check_grouped(std::span<const double> xs, std::span<const std::uint32_t> groups,
                     const HistogramGroups& split) const;

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
  static std::shared_ptr<const Layout> make_layout(int bins_per_decade);

  int bins_per_decade_;
  std::shared_ptr<const Layout> layout_;
  std::vector<double> counts_;  // 10B + 3 bins
  double min_;
  double max_;
};

// Bin counts of a LogHistogram split into groups of units (same bins, one
// row per group). Counting appends (group, bin) to a short list that is
// folded into the dense rows when it reaches kMaxPending entries and on every
// merge: a chunk of walks writes a few bytes per walk in sequence instead of
// scattering over groups x bins counters (which, for many variants, does not
// fit in cache), and holds no dense rows at all unless it overflows the list.
// Integer counts, so the result is the same whenever the list is folded, and
// merging is exact in any order, like the histogram's own.
class HistogramGroups {
 public:
  static constexpr std::size_t kMaxPending = std::size_t{1} << 16;

  // groups >= 1 rows of `bins` zero counts; throws core::InputError when
  // groups < 1, bins < 1 or groups x bins does not fit in 32 bits.
  HistogramGroups(int groups, std::size_t bins);

  int groups() const { return groups_; }
  std::size_t bins() const { return bins_; }
  // Count of group g in bin b; throws core::InputError out of range.
  double count(int g, std::size_t b) const;
  double weight(int g) const;  // total count of group g
  // Count of group g below bin b plus frac of its count in bin b (the
  // group's share of a target rank placed by LogHistogram::locate).
  double weight_below(int g, std::size_t b, double frac) const;
  // Element-wise sum; throws core::RuntimeError when groups or bins differ.
  // Two unfolded operands whose lists fit in kMaxPending together stay
  // unfolded (the lists are concatenated), else this one ends folded.
  void merge(const HistogramGroups& other);
  // All counts, [group][bin] row-major (pending entries folded in).
  std::vector<double> dense_counts() const;
  bool operator==(const HistogramGroups& o) const;
  // The exact state (dense counts, empty while all zero, and the pending
  // entries) and its restore, for the serialised chunks of a partial run
  // (engine/partial.h): a restored copy merges bit for bit like the original.
  std::span<const double> raw_counts() const { return counts_; }
  std::span<const std::uint32_t> raw_pending() const { return pending_; }
  void restore(std::vector<double> counts, std::vector<std::uint32_t> pending);
  // Counts one unit in (group, bin) without checking either: for a value
  // that LogHistogram::bin_checked with a split of this shape has just
  // accepted and binned. Anything else is undefined behaviour.
  void add_trusted(std::uint32_t group, std::uint32_t bin) { add(group, bin); }

 private:
  friend class LogHistogram;
  void add(std::uint32_t group, std::size_t bin) {
    pending_.push_back(group * static_cast<std::uint32_t>(bins_) + static_cast<std::uint32_t>(bin));
    if (pending_.size() == kMaxPending) fold();
  }
  void fold();                                                   // pending_ into counts_ (allocated on first use)
  double pending_in(std::size_t first, std::size_t last) const;  // pending entries with index in [first, last)

  int groups_;
  std::size_t bins_;
  std::vector<double> counts_;          // groups x bins, or empty (all zero)
  std::vector<std::uint32_t> pending_;  // group * bins + bin, one per unit of weight
};

// Paired difference quantile_v(p) - quantile_b(p) of two histograms of the
// same units (say, one customer's walks under a variant and under the
// baseline, simulated with common random numbers), with its standard error
// from the groups (unit u in the same group in both splits). Linearization
// (Bahadur): q̂ - q ≈ -(F̂(q) - p)/f(q), F̂ the histogram's interpolated CDF,
// so the difference is a sum over groups of
//     u_g = -(C_vg - p W_vg) s_v / W_v + (C_bg - p W_bg) s_b / W_b,
// C_g the group's weight below the quantile (weight_below at locate), W_g the
// group's weight, W the total and s = 1/f the sparsity, estimated from the
// histogram's own quantiles as (q̂(p+h) - q̂(p-h))/(2h) with the
// Hall-Sheather bandwidth h at n_eff (clipped to [0, 1]). The variance is the
// between-group one, G/(G-1) Σ (u_g - ū)² over the G non-empty groups.
// Exactly 0 with se exactly 0 when both histograms and splits are identical.
// se NaN when fewer than 2 groups are non-empty or n_eff < 2; all NaN when a
// histogram is empty. Throws core::InputError when p is outside (0, 1) or
// the splits' layouts differ from each other or from the histograms.
// Method and its calibration: docs/methods/comparisons.md.
inline void LogHistogram::add_binned_trusted(double x, std::uint32_t bin, std::uint32_t group, HistogramGroups& split) {
  counts_[bin] += 1.0;
  split.add(group, bin);
  min_ = std::min(min_, x);
  max_ = std::max(max_, x);
}

Estimate paired_quantile_difference(const LogHistogram& variant, const HistogramGroups& variant_groups,
                                    const LogHistogram& baseline, const HistogramGroups& baseline_groups, double p,
                                    double n_eff);

// Hall & Sheather (1988) bandwidth for the sparsity 1/f at probability p and
// sample size n: n^(-1/3) z^(2/3) (1.5 φ(Φ⁻¹(p))² / (2 Φ⁻¹(p)² + 1))^(1/3), z =
// kZ95 (Koenker 2005, §3.4.2). NaN unless 0 < p < 1 and n > 0.
double hall_sheather_bandwidth(double p, double n);

}  // namespace cxsim::stats
