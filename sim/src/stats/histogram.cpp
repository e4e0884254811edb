#include "cxsim/stats/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include <boost/math/distributions/normal.hpp>

#include "cxsim/core/errors.h"

namespace cxsim::stats {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

void check_value(double x) {
  if (!(x >= 0.0) || !std::isfinite(x)) {
    throw core::InputError("LogHistogram::add: value must be finite and >= 0, got " + std::to_string(x));
  }
}

void check_weight(double weight, const char* who) {
  if (!(weight >= 0.0) || !std::isfinite(weight)) {
    throw core::InputError(std::string(who) + ": weight must be finite and >= 0, got " + std::to_string(weight));
  }
}
}  // namespace

// ---------------------------------------------------------------- LogHistogram

std::shared_ptr<const LogHistogram::Layout> LogHistogram::make_layout(int bins_per_decade) {
  const int nlog = kDecades * bins_per_decade;
  auto layout = std::make_shared<Layout>();
  layout->edges.resize(static_cast<std::size_t>(nlog) + 1);
  for (int i = 0; i <= nlog; ++i) {
    layout->edges[static_cast<std::size_t>(i)] =
        std::pow(10.0, -3.0 + static_cast<double>(i) / static_cast<double>(bins_per_decade));
  }
  layout->edges.front() = kLow;
  layout->edges.back() = kHigh;

  // Sub-buckets of relative width 2^-k at most 3/4 of the narrowest bin (the
  // edges' ratio 10^(1/B), less a margin for their rounding), so a
  // sub-bucket never holds two edges; k <= 12 keeps the table small.
  const double bin_ratio = std::pow(10.0, 1.0 / bins_per_decade) - 1.0;
  int k = 0;
  while (k <= 12 && std::ldexp(1.0, -k) > 0.75 * bin_ratio) ++k;
  if (k <= 12) {
    layout->sub_bits = k;
    layout->first_exponent = std::ilogb(kLow);
    const int octaves = std::ilogb(kHigh) - layout->first_exponent + 1;
    layout->first.resize(static_cast<std::size_t>(octaves) << k);
    // The buckets' lowest values increase with q: one sweep over the edges.
    const auto& edges = layout->edges;
    std::size_t i = 0;
    for (std::size_t q = 0; q < layout->first.size(); ++q) {
      const int e = layout->first_exponent + static_cast<int>(q >> k);
      const double sub = static_cast<double>(q & ((std::size_t{1} << k) - 1));
      const double lowest = std::max(kLow, std::ldexp(1.0 + std::ldexp(sub, -k), e));
      while (i + 1 < static_cast<std::size_t>(nlog) && edges[i + 1] <= lowest) ++i;
      layout->first[q] = static_cast<std::uint32_t>(i);
    }
  }
  return layout;
}

LogHistogram::LogHistogram(int bins_per_decade) : bins_per_decade_(bins_per_decade), min_(kInf), max_(-kInf) {
  if (bins_per_decade < 1 || bins_per_decade > 10000) {
    throw core::InputError("LogHistogram: bins per decade must be in 1..10000, got " + std::to_string(bins_per_decade));
  }
  // The default layout is built once and shared by every histogram that uses
  // it (immutable after its thread-safe initialization; each histogram per
  // variant and chunk then costs its counts only).
  if (bins_per_decade == kDefaultBinsPerDecade) {
    static const std::shared_ptr<const Layout> shared = make_layout(kDefaultBinsPerDecade);
    layout_ = shared;
  } else {
    layout_ = make_layout(bins_per_decade);
  }
  counts_.assign(static_cast<std::size_t>(kDecades * bins_per_decade) + 3, 0.0);
}

std::size_t LogHistogram::log_bin_search(double x) const {
  // Last i with edges[i] <= x (kLow <= x < kHigh).
  const auto& edges = layout_->edges;
  const auto it = std::upper_bound(edges.begin(), edges.end(), x);
  const auto i = static_cast<std::size_t>(it - edges.begin()) - 1;
  return std::min(i, edges.size() - 2);
}

std::size_t LogHistogram::bin_of(double x) const {
  if (x == 0.0) return 0;
  if (x < kLow) return 1;
  const Layout& l = *layout_;
  const std::size_t nlog = l.edges.size() - 1;
  if (x >= kHigh) return nlog + 2;
  if (l.sub_bits == 0) return log_bin_search(x) + 2;
  // x is a normal double here: its exponent and top mantissa bits name the
  // sub-bucket; the one edge it may hold decides between two bins.
  const auto bits = std::bit_cast<std::uint64_t>(x);
  const int e = static_cast<int>((bits >> 52) & 0x7FF) - 1023;
  const std::size_t q = (static_cast<std::size_t>(e - l.first_exponent) << l.sub_bits) |
                        static_cast<std::size_t>((bits & 0x000FFFFFFFFFFFFFull) >> (52 - l.sub_bits));
  const std::size_t i = l.first[q];
  return i + 2 + (x >= l.edges[i + 1] ? 1 : 0);
}

double LogHistogram::bin_lower(std::size_t b) const {
  if (b <= 1) return 0.0;
  if (b == counts_.size() - 1) return kHigh;
  return layout_->edges[b - 2];
}

double LogHistogram::bin_upper(std::size_t b) const {
  if (b == 0) return 0.0;
  if (b == 1) return kLow;
  if (b == counts_.size() - 1) return kInf;
  return layout_->edges[b - 1];
}

void LogHistogram::add(double x, double weight) {
  check_value(x);
  check_weight(weight, "LogHistogram::add");
  if (weight == 0.0) return;
  counts_[bin_of(x)] += weight;
  if (x < min_) min_ = x;
  if (x > max_) max_ = x;
}

void LogHistogram::add_all(std::span<const double> xs) {
  for (double x : xs) check_value(x);
  double lo = min_, hi = max_;
  for (double x : xs) {
    counts_[bin_of(x)] += 1.0;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  min_ = lo;
  max_ = hi;
}

void LogHistogram::check_grouped(std::span<const double> xs, std::span<const std::uint32_t> groups,
                                 const HistogramGroups& split) const {
  if (groups.size() != xs.size()) {
    throw core::InputError("LogHistogram::add_all: " + std::to_string(xs.size()) + " values but " +
                           std::to_string(groups.size()) + " groups");
  }
  if (split.bins_ != counts_.size()) {
    throw core::InputError("LogHistogram::add_all: groups of " + std::to_string(split.bins_) + " bins, expected " +
                           std::to_string(counts_.size()));
  }
  const auto n_groups = static_cast<std::uint32_t>(split.groups_);
  for (std::size_t j = 0; j < xs.size(); ++j) {
    check_value(xs[j]);
    if (groups[j] >= n_groups) {
      throw core::InputError("LogHistogram::add_all: group " + std::to_string(groups[j]) + " outside 0.." +
                             std::to_string(n_groups - 1));
    }
  }
}

void LogHistogram::add_all(std::span<const double> xs, std::span<const std::uint32_t> groups, HistogramGroups& split) {
  check_grouped(xs, groups, split);
  double lo = min_, hi = max_;
  for (std::size_t j = 0; j < xs.size(); ++j) {
    const double x = xs[j];
    const std::size_t b = bin_of(x);
    counts_[b] += 1.0;
    split.add(groups[j], b);
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  min_ = lo;
  max_ = hi;
}

void LogHistogram::add_all(std::span<const double> xs, std::span<const std::uint32_t> groups, HistogramGroups& split,
                           std::span<std::uint32_t> bins) {
  bin_checked(xs, groups, split, bins);
  add_binned_trusted(xs, bins, groups, split);
}

void LogHistogram::bin_checked(std::span<const double> xs, std::span<const std::uint32_t> groups,
                               const HistogramGroups& split, std::span<std::uint32_t> bins) const {
  if (bins.size() != xs.size()) {
    throw core::InputError("LogHistogram::add_all: " + std::to_string(xs.size()) + " values but room for " +
                           std::to_string(bins.size()) + " bins");
  }
  check_grouped(xs, groups, split);
  for (std::size_t j = 0; j < xs.size(); ++j) bins[j] = static_cast<std::uint32_t>(bin_of(xs[j]));
}

void LogHistogram::add_binned(std::span<const double> xs, std::span<const std::uint32_t> bins,
                              std::span<const std::uint32_t> groups, HistogramGroups& split) {
  if (bins.size() != xs.size()) {
    throw core::InputError("LogHistogram::add_binned: " + std::to_string(xs.size()) + " values but " +
                           std::to_string(bins.size()) + " bins");
  }
  check_grouped(xs, groups, split);
  for (std::uint32_t b : bins) {
    if (b >= counts_.size()) {
      throw core::InputError("LogHistogram::add_binned: bin " + std::to_string(b) + " outside 0.." +
                             std::to_string(counts_.size() - 1));
    }
  }
  add_binned_trusted(xs, bins, groups, split);
}

void LogHistogram::add_binned_trusted(std::span<const double> xs, std::span<const std::uint32_t> bins,
                                      std::span<const std::uint32_t> groups, HistogramGroups& split) {
  for (std::size_t j = 0; j < xs.size(); ++j) add_binned_trusted(xs[j], bins[j], groups[j], split);
}

namespace {
// a mod d for 32-bit a and d >= 1 by two multiplications instead of a
// division (Lemire, Kaser & Kurz 2019, "Faster remainder by direct
// computation": exact for every 32-bit a and d; M wraps to 0 for d = 1,
// which gives 0).
class Mod32 {
 public:
  explicit Mod32(std::uint32_t d) : m_(~std::uint64_t{0} / d + 1), d_(d) {}
  std::uint32_t operator()(std::uint32_t a) const {
    // The high 64 bits of low x d, in 64-bit arithmetic (no overflow: the
    // first product is at most (2^32 - 1)^2 and the second term below 2^32).
    const std::uint64_t low = m_ * a;
    const std::uint64_t hi = (low >> 32) * d_ + (((low & 0xFFFFFFFFu) * d_) >> 32);
    return static_cast<std::uint32_t>(hi >> 32);
  }

 private:
  std::uint64_t m_;
  std::uint32_t d_;
};
}  // namespace

void LogHistogram::add_group_totals(const HistogramGroups& split, double min, double max) {
  if (split.bins_ != counts_.size()) {
    throw core::InputError("LogHistogram::add_group_totals: groups of " + std::to_string(split.bins_) +
                           " bins, expected " + std::to_string(counts_.size()));
  }
  const std::size_t B = counts_.size();
  if (!split.counts_.empty())
    for (std::size_t g = 0; g < static_cast<std::size_t>(split.groups_); ++g)
      for (std::size_t b = 0; b < B; ++b) counts_[b] += split.counts_[g * B + b];
  const Mod32 bin_of_entry(static_cast<std::uint32_t>(B));
  for (std::uint32_t k : split.pending_) counts_[bin_of_entry(k)] += 1.0;
  min_ = std::min(min_, min);
  max_ = std::max(max_, max);
}

void LogHistogram::merge(const LogHistogram& other) {
  if (other.bins_per_decade_ != bins_per_decade_) {
    throw core::RuntimeError("LogHistogram::merge: bins per decade differ (" + std::to_string(bins_per_decade_) +
                             " and " + std::to_string(other.bins_per_decade_) + ")");
  }
  for (std::size_t b = 0; b < counts_.size(); ++b) counts_[b] += other.counts_[b];
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void LogHistogram::restore(std::span<const double> counts, double min, double max) {
  if (counts.size() != counts_.size())
    throw core::InputError("LogHistogram::restore: " + std::to_string(counts.size()) + " bins, expected " +
                           std::to_string(counts_.size()));
  std::copy(counts.begin(), counts.end(), counts_.begin());
  min_ = min;
  max_ = max;
}

double LogHistogram::count() const {
  double t = 0.0;
  for (double c : counts_) t += c;
  return t;
}

double LogHistogram::relative_error_bound() const {
  return std::pow(10.0, 1.0 / static_cast<double>(bins_per_decade_)) - 1.0;
}

std::size_t LogHistogram::find_bin(double t, double* before) const {
  double cum = 0.0;
  std::size_t last = 0;
  double cum_last = 0.0;
  for (std::size_t b = 0; b < counts_.size(); ++b) {
    const double c = counts_[b];
    if (c > 0.0) {
      if (cum + c >= t) {
        *before = cum;
        return b;
      }
      last = b;
      cum_last = cum;
    }
    cum += c;
  }
  *before = cum_last;  // t beyond the total through rounding: last non-empty bin
  return last;
}

double LogHistogram::quantile(double p) const {
  if (!(p >= 0.0 && p <= 1.0)) {
    throw core::InputError("LogHistogram::quantile: p must be in [0, 1], got " + std::to_string(p));
  }
  const double total = count();
  if (!(total > 0.0)) return kNaN;
  if (p == 0.0) return min_;
  if (p == 1.0) return max_;
  const double t = p * total;
  double before = 0.0;
  const std::size_t b = find_bin(t, &before);
  const double lo = std::max(bin_lower(b), min_);
  const double hi = std::min(bin_upper(b), max_);
  if (!(hi > lo)) return lo;
  double frac = (t - before) / counts_[b];
  frac = std::clamp(frac, 0.0, 1.0);
  return lo + (hi - lo) * frac;
}

bool LogHistogram::locate(double p, std::size_t* bin, double* frac) const {
  if (!(p >= 0.0 && p <= 1.0)) {
    throw core::InputError("LogHistogram::locate: p must be in [0, 1], got " + std::to_string(p));
  }
  const double total = count();
  if (!(total > 0.0)) return false;
  double before = 0.0;
  if (p == 0.0) {
    *bin = find_bin(0.0, &before);  // the first non-empty bin
    *frac = 0.0;
    return true;
  }
  const double t = p * total;
  *bin = find_bin(t, &before);
  *frac = std::clamp((t - before) / counts_[*bin], 0.0, 1.0);
  return true;
}

Estimate LogHistogram::quantile_ci(double p, double n_eff) const {
  const double est = quantile(p);  // validates p
  if (std::isnan(est) || !(n_eff > 0.0)) return Estimate{kNaN, kNaN, kNaN, kNaN};
  const double half = kZ95 * std::sqrt(n_eff * p * (1.0 - p)) / n_eff;
  const double p_lo = std::max(0.0, p - half);
  const double p_hi = std::min(1.0, p + half);
  double low = min_;
  double high = max_;
  const double total = count();
  double before = 0.0;
  if (p_lo > 0.0) low = std::max(bin_lower(find_bin(p_lo * total, &before)), min_);
  if (p_hi < 1.0) high = std::min(bin_upper(find_bin(p_hi * total, &before)), max_);
  low = std::min(low, est);
  high = std::max(high, est);
  return Estimate{est, (high - low) / (2.0 * kZ95), low, high};
}

// ------------------------------------------------------------- HistogramGroups

HistogramGroups::HistogramGroups(int groups, std::size_t bins) : groups_(groups), bins_(bins) {
  if (groups < 1 || bins < 1 || static_cast<std::uint64_t>(groups) * bins > std::uint64_t{0xFFFFFFFF}) {
    throw core::InputError("HistogramGroups: need >= 1 group, >= 1 bin and groups x bins < 2^32, got " +
                           std::to_string(groups) + " and " + std::to_string(bins));
  }
}

void HistogramGroups::fold() {
  if (pending_.empty()) return;
  if (counts_.empty()) counts_.assign(static_cast<std::size_t>(groups_) * bins_, 0.0);
  for (std::uint32_t k : pending_) counts_[k] += 1.0;
  pending_.clear();
}

double HistogramGroups::pending_in(std::size_t first, std::size_t last) const {
  double n = 0.0;
  for (std::uint32_t k : pending_) n += (k >= first && k < last) ? 1.0 : 0.0;
  return n;
}

double HistogramGroups::count(int g, std::size_t b) const {
  if (g < 0 || g >= groups_ || b >= bins_) {
    throw core::InputError("HistogramGroups: group " + std::to_string(g) + ", bin " + std::to_string(b) + " outside " +
                           std::to_string(groups_) + " x " + std::to_string(bins_));
  }
  const std::size_t k = static_cast<std::size_t>(g) * bins_ + b;
  return (counts_.empty() ? 0.0 : counts_[k]) + pending_in(k, k + 1);
}

double HistogramGroups::weight(int g) const { return weight_below(g, bins_ - 1, 1.0); }

double HistogramGroups::weight_below(int g, std::size_t b, double frac) const {
  if (g < 0 || g >= groups_ || b >= bins_) {
    throw core::InputError("HistogramGroups: group " + std::to_string(g) + ", bin " + std::to_string(b) + " outside " +
                           std::to_string(groups_) + " x " + std::to_string(bins_));
  }
  const std::size_t row = static_cast<std::size_t>(g) * bins_;
  double w = 0.0;
  if (!counts_.empty())
    for (std::size_t k = 0; k < b; ++k) w += counts_[row + k];
  w += pending_in(row, row + b);
  return w + frac * count(g, b);
}

void HistogramGroups::merge(const HistogramGroups& other) {
  if (other.groups_ != groups_ || other.bins_ != bins_) {
    throw core::RuntimeError("HistogramGroups::merge: layouts differ (" + std::to_string(groups_) + "x" +
                             std::to_string(bins_) + " and " + std::to_string(other.groups_) + "x" +
                             std::to_string(other.bins_) + ")");
  }
  // Both still sparse and the lists fit together: stay sparse (a variant of
  // a small run then costs a few bytes per walk, not groups x bins counts).
  if (counts_.empty() && other.counts_.empty() && pending_.size() + other.pending_.size() < kMaxPending) {
    pending_.insert(pending_.end(), other.pending_.begin(), other.pending_.end());
    return;
  }
  if (counts_.empty()) counts_.assign(static_cast<std::size_t>(groups_) * bins_, 0.0);
  fold();
  if (!other.counts_.empty())
    for (std::size_t k = 0; k < counts_.size(); ++k) counts_[k] += other.counts_[k];
  for (std::uint32_t k : other.pending_) counts_[k] += 1.0;
}

void HistogramGroups::restore(std::vector<double> counts, std::vector<std::uint32_t> pending) {
  const std::size_t n = static_cast<std::size_t>(groups_) * bins_;
  if (!counts.empty() && counts.size() != n)
    throw core::InputError("HistogramGroups::restore: " + std::to_string(counts.size()) + " counts, expected " +
                           std::to_string(n));
  if (pending.size() >= kMaxPending) throw core::InputError("HistogramGroups::restore: too many pending entries");
  for (std::uint32_t k : pending)
    if (k >= n) throw core::InputError("HistogramGroups::restore: a pending entry outside the groups x bins");
  counts_ = std::move(counts);
  pending_ = std::move(pending);
}

std::vector<double> HistogramGroups::dense_counts() const {
  std::vector<double> d = counts_;
  if (d.empty()) d.assign(static_cast<std::size_t>(groups_) * bins_, 0.0);
  for (std::uint32_t k : pending_) d[k] += 1.0;
  return d;
}

bool HistogramGroups::operator==(const HistogramGroups& o) const {
  if (groups_ != o.groups_ || bins_ != o.bins_) return false;
  if (pending_.empty() && o.pending_.empty() && !counts_.empty() && !o.counts_.empty()) return counts_ == o.counts_;
  return dense_counts() == o.dense_counts();
}

double hall_sheather_bandwidth(double p, double n) {
  if (!(p > 0.0 && p < 1.0) || !(n > 0.0)) return kNaN;
  const double x = boost::math::quantile(boost::math::normal(), p);
  const double phi = boost::math::pdf(boost::math::normal(), x);
  return std::pow(n, -1.0 / 3.0) * std::pow(kZ95, 2.0 / 3.0) * std::cbrt(1.5 * phi * phi / (2.0 * x * x + 1.0));
}

namespace {

// One side of a paired quantile difference: the point estimate, where it
// sits, and the sparsity 1/f from the histogram's quantiles at p -+ h.
struct QuantileSide {
  double q = kNaN;
  std::size_t bin = 0;
  double frac = 0.0;
  double total = 0.0;
  double sparsity = kNaN;
};

QuantileSide quantile_side(const LogHistogram& h, double p, double bandwidth) {
  QuantileSide s;
  s.q = h.quantile(p);
  if (std::isnan(s.q) || !h.locate(p, &s.bin, &s.frac)) return s;
  s.total = h.count();
  const double lo = std::max(0.0, p - bandwidth);
  const double hi = std::min(1.0, p + bandwidth);
  if (hi > lo) s.sparsity = (h.quantile(hi) - h.quantile(lo)) / (hi - lo);
  return s;
}

// Every group's total weight (HistogramGroups::weight) and its weight below
// bin `bin` plus frac of its weight in that bin (weight_below), from one pass
// over the dense counts and one over the pending list: weight and
// weight_below scan the whole pending list on every call, which made the
// paired quantiles of a small run (a parameter draw of `run --uncertainty`:
// all its entries still pending) cost groups x entries each. The counts are
// whole numbers (one per unit of weight), so these sums are exact in any
// order: the same bits as the two calls.
void group_weights(const HistogramGroups& h, std::size_t bin, double frac, std::vector<double>& total,
                   std::vector<double>& below) {
  const auto groups = static_cast<std::size_t>(h.groups());
  const std::size_t bins = h.bins();
  std::vector<double> under(groups, 0.0), at(groups, 0.0);
  total.assign(groups, 0.0);
  const auto dense = h.raw_counts();
  if (!dense.empty())
    for (std::size_t g = 0; g < groups; ++g)
      for (std::size_t k = 0; k < bins; ++k) {
        const double c = dense[g * bins + k];
        total[g] += c;
        if (k < bin) under[g] += c;
        else if (k == bin) at[g] += c;
      }
  for (std::uint32_t e : h.raw_pending()) {
    const std::size_t g = e / bins, k = e % bins;
    total[g] += 1.0;
    if (k < bin) under[g] += 1.0;
    else if (k == bin) at[g] += 1.0;
  }
  below.assign(groups, 0.0);
  for (std::size_t g = 0; g < groups; ++g) below[g] = under[g] + frac * at[g];
}

}  // namespace

Estimate paired_quantile_difference(const LogHistogram& variant, const HistogramGroups& variant_groups,
                                    const LogHistogram& baseline, const HistogramGroups& baseline_groups, double p,
                                    double n_eff) {
  if (!(p > 0.0 && p < 1.0)) {
    throw core::InputError("paired_quantile_difference: p must be in (0, 1), got " + std::to_string(p));
  }
  const std::size_t bins = variant.bin_count();
  if (baseline.bin_count() != bins || variant_groups.bins() != bins || baseline_groups.bins() != bins ||
      variant_groups.groups() != baseline_groups.groups()) {
    throw core::InputError("paired_quantile_difference: histograms or groups of different layouts");
  }
  const double h = hall_sheather_bandwidth(p, n_eff);
  const QuantileSide v = quantile_side(variant, p, h);
  const QuantileSide b = quantile_side(baseline, p, h);
  if (std::isnan(v.q) || std::isnan(b.q)) return Estimate{kNaN, kNaN, kNaN, kNaN};
  const double delta = v.q - b.q;
  if (!(n_eff >= 2.0)) return make_estimate(delta, kNaN);
  // A no-op variant: the same data give the same numbers, so Δ = 0 and se = 0
  // exactly (the sum below would give 0 too; this says so without relying on it).
  if (variant_groups == baseline_groups &&
      std::equal(variant.raw_counts().begin(), variant.raw_counts().end(), baseline.raw_counts().begin(),
                 baseline.raw_counts().end()) &&
      variant.min() == baseline.min() && variant.max() == baseline.max()) {
    return make_estimate(delta, 0.0);
  }
  const int groups = variant_groups.groups();
  std::vector<double> u;
  u.reserve(static_cast<std::size_t>(groups));
  std::vector<double> wvs, cvs, wbs, cbs;
  group_weights(variant_groups, v.bin, v.frac, wvs, cvs);
  group_weights(baseline_groups, b.bin, b.frac, wbs, cbs);
  for (std::size_t g = 0; g < static_cast<std::size_t>(groups); ++g) {
    const double wv = wvs[g], wb = wbs[g];
    if (wv == 0.0 && wb == 0.0) continue;  // no unit in this group
    const double cv = cvs[g];
    const double cb = cbs[g];
    u.push_back(-(cv - p * wv) * v.sparsity / v.total + (cb - p * wb) * b.sparsity / b.total);
  }
  const std::size_t m = u.size();
  if (m < 2) return make_estimate(delta, kNaN);
  double mean = 0.0;
  for (double x : u) mean += x;
  mean /= static_cast<double>(m);
  double ss = 0.0;
  for (double x : u) ss += (x - mean) * (x - mean);
  const double var = ss * static_cast<double>(m) / static_cast<double>(m - 1);
  return make_estimate(delta, std::sqrt(var));
}

}  // namespace cxsim::stats
