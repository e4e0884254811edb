#include "cxsim/stats/histogram.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

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
    throw core::InputError(std::string(who) + ": weight must be finite and >= 0, got " +
                           std::to_string(weight));
  }
}
}  // namespace

// ---------------------------------------------------------------- LogHistogram

LogHistogram::LogHistogram(int bins_per_decade)
    : bins_per_decade_(bins_per_decade), min_(kInf), max_(-kInf) {
  if (bins_per_decade < 1 || bins_per_decade > 10000) {
    throw core::InputError("LogHistogram: bins per decade must be in 1..10000, got " +
                           std::to_string(bins_per_decade));
  }
  const int nlog = kDecades * bins_per_decade;
  auto layout = std::make_shared<Layout>();
  layout->edges.resize(static_cast<std::size_t>(nlog) + 1);
  for (int i = 0; i <= nlog; ++i) {
    layout->edges[static_cast<std::size_t>(i)] =
        std::pow(10.0, -3.0 + static_cast<double>(i) / static_cast<double>(bins_per_decade));
  }
  layout->edges.front() = kLow;
  layout->edges.back() = kHigh;
  layout_ = layout;
  counts_.assign(static_cast<std::size_t>(nlog) + 3, 0.0);

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

void LogHistogram::merge(const LogHistogram& other) {
  if (other.bins_per_decade_ != bins_per_decade_) {
    throw core::RuntimeError("LogHistogram::merge: bins per decade differ (" +
                             std::to_string(bins_per_decade_) + " and " +
                             std::to_string(other.bins_per_decade_) + ")");
  }
  for (std::size_t b = 0; b < counts_.size(); ++b) counts_[b] += other.counts_[b];
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
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
    throw core::InputError("LogHistogram::quantile: p must be in [0, 1], got " +
                           std::to_string(p));
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

}  // namespace cxsim::stats
