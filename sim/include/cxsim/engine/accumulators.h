#pragma once
// Per-variant accumulators: sums, sums of squares and counts (never running
// means), filled per customer inside one chunk and merged in chunk order.
// Everything a result needs is derived from these by results.h.
#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "cxsim/model/compiled_model.h"
#include "cxsim/stats/heavy_hitters.h"
#include "cxsim/stats/histogram.h"
#include "cxsim/stats/moments.h"

namespace cxsim::engine {

// Components of the per-customer headline vector x_i (totals over the
// customer's walks in all periods). Outcome-kind counts follow at kFirstKind,
// then the journey time of the walks ending in each kind (kind_time_component).
enum Component : int {
  kWalks = 0,
  kRespondents,
  kPromotersTrue,
  kDetractorsTrue,
  kPromotersMeasured,
  kDetractorsMeasured,
  kCsatTrue,      // sum of CSAT scores over all walks
  kCsatMeasured,  // over respondents
  kCesTrue,
  kCesMeasured,
  kEffort,
  kTime,
  kFrictions,
  kSwitches,
  kSteps,
  kSatisfactionChange,  // S_end - S_start of each walk
  kClv,                 // discounted value
  kCost,                // discounted cost to the company (visits + recovery)
  kAlive,               // 1 if alive after the last period
  kRecoveryTriggered,
  kRecoveryReached,
  kRecoverySucceeded,
  kFirstKind
};

// With survey.cx_index, two more components after the kind times: Σ CX
// index over walks, and over respondents (cx_component, cx_component + 1).
// Without it the layout is the one before the CX index existed.
inline int headline_size(const model::CompiledModel& m) {
  return kFirstKind + 2 * static_cast<int>(m.num_kinds()) + (m.cx.present ? 2 : 0);
}
inline int cx_component(const model::CompiledModel& m) { return kFirstKind + 2 * static_cast<int>(m.num_kinds()); }
// Σ journey time over the customer's walks that ended in kind `kind`
// (time_mean_<kind> = this / the kind's walk count).
inline int kind_time_component(const model::CompiledModel& m, int kind) {
  return kFirstKind + static_cast<int>(m.num_kinds()) + kind;
}

// The covariance pairs the headline metrics of results.h read (with the
// recovery metrics, so one layout serves every variant), plus those of the
// measured − true NPS gap: for the per-variant vector x, and for the joint vector [x_v, x_b] of a paired comparison.
// The moment accumulators keep only these cross products (stats/moments.h).
std::vector<std::pair<int, int>> headline_pairs(const model::CompiledModel& m);
std::vector<std::pair<int, int>> paired_pairs(const model::CompiledModel& m);

// Per-customer sums for a ratio of per-customer totals Y/X: ΣY, ΣY², ΣXY.
struct RatioSums {
  double y = 0, yy = 0, xy = 0;
  void add(double yi, double xi) {
    y += yi;
    yy += yi * yi;
    xy += xi * yi;
  }
  void merge(const RatioSums& o) {
    y += o.y;
    yy += o.yy;
    xy += o.xy;
  }
};

struct TouchpointAcc {
  RatioSums visits;           // Y = visits, X = walks
  RatioSums frictions;        // Y = friction visits, X = visits
  RatioSums satisfaction;     // Y = satisfaction change at this touchpoint, X = visits
  std::vector<double> exits;  // per kind: walks whose last touchpoint was this one
};

struct ChannelAcc {
  RatioSums visits;         // X = walks
  RatioSums frictions;      // X = visits
  RatioSums switches_into;  // X = walks
};

struct PeriodAcc {
  double active = 0, churned = 0, respondents = 0;
  double idle = 0;  // active customers who did not walk this period (engagement); walks = active − idle
  double promoters = 0, detractors = 0;  // true, over active
  double promoters_measured = 0, detractors_measured = 0;
  std::vector<double> kinds;   // walks per kind
  double value = 0, cost = 0;  // Σ over customers of this period's discounted value and cost
  void merge(const PeriodAcc& b) {
    active += b.active;
    churned += b.churned;
    idle += b.idle;
    respondents += b.respondents;
    promoters += b.promoters;
    detractors += b.detractors;
    promoters_measured += b.promoters_measured;
    detractors_measured += b.detractors_measured;
    for (std::size_t k = 0; k < kinds.size() && k < b.kinds.size(); ++k) kinds[k] += b.kinds[k];
    value += b.value;
    cost += b.cost;
  }
};

class VariantAccumulator {
 public:
  // lean: the accumulator of a lean variant (Variant::lean, lean_pairs):
  // simulate_customer fills only headline (cross products: the lean pairs
  // within x), segment_headline, periods and segment_customers; the other
  // members keep their shape and stay zero.
  VariantAccumulator(const model::CompiledModel& m, int periods, std::size_t path_capacity, bool lean = false,
                     std::span<const std::pair<int, int>> lean_pairs = {});

  // Merges o (which must have no pending times) after flushing this one.
  void merge(const VariantAccumulator& o);

  // Builds the pooled tables of a chunk from the parts each walk and
  // customer was added to, after flushing the pending walk times; the runner
  // calls it exactly once per chunk, after the chunk's last customer and
  // before reading or merging it. A second call would count twice.
  // - Walk times: each walk's time goes to its outcome kind's histogram and
  //   groups only (flush); each kind's histogram is built from its groups
  //   (their bin totals), and time_hist becomes the kinds' sum, in kind
  //   order (exact: the counts are integers). The total's groups are not
  //   built per chunk: all_time_groups() sums them when they are read.
  // - With two or more segments, each customer goes to its segment's tables
  //   only: segment_headline (added by the runner), segment_periods,
  //   segment_tp_visits/_frictions, segment_outcomes and segment_walks_sq
  //   (simulate_customer). They are added to the pooled headline, periods,
  //   touchpoints' visits and frictions, outcomes and walks_sq, in segment
  //   order, so the pooled tables are the same for every thread count and
  //   chunking.
  void finish_chunk();

  // Walk times are counted in batches (binning a batch at once keeps the end
  // of a walk off the histogram's memory latency; the counts are the same as
  // adding one at a time): each in kind_time_groups[kind] under the walker's
  // group (customer mod kTimeGroups). finish_chunk() builds
  // kind_time_hist[kind] (time_p90_<kind>) from those and sums them into
  // time_hist (a journey without outcome kinds has flush add to time_hist
  // and time_groups directly).
  void add_time(double t, std::uint64_t customer, int kind) {
    pending_times_[pending_] = t;
    pending_groups_[pending_] = static_cast<std::uint32_t>(customer % kTimeGroups);
    pending_kinds_[pending_] = static_cast<std::uint16_t>(kind);
    if (++pending_ == kTimeBatch) flush();
  }
  void flush();
  bool has_pending() const { return pending_ != 0; }

  bool lean = false;
  stats::MomentAccumulator headline;
  std::vector<double> nps_hist_true, nps_hist_measured;    // 11 each
  std::vector<double> csat_hist_true, csat_hist_measured;  // scale each (empty if absent)
  std::vector<double> ces_hist_true, ces_hist_measured;
  stats::LogHistogram time_hist;
  // time_hist's counts per customer group: the paired SE of the quantile Δs
  // (stats::paired_quantile_difference). The group is a function of the
  // customer index alone, so every chunking and thread count gives the same
  // counts; memory is fixed (kTimeGroups rows of time_hist's bins).
  static constexpr int kTimeGroups = 32;
  stats::HistogramGroups time_groups;  // only without outcome kinds: read all_time_groups()
  // The groups of every walk time: time_groups plus every kind's groups
  // (the total histogram's split for the paired time_p50/p90 Δ SE).
  stats::HistogramGroups all_time_groups() const;
  // The same per outcome kind (walks ending in that kind): time to resolution.
  std::vector<stats::LogHistogram> kind_time_hist;
  std::vector<stats::HistogramGroups> kind_time_groups;
  std::vector<PeriodAcc> periods;
  std::vector<TouchpointAcc> touchpoints;
  std::vector<ChannelAcc> channels;
  std::vector<RatioSums> outcomes;  // per outcome (incl. timeout): Y = walks ending there, X = walks
  std::vector<double> segment_customers;
  // Per segment (docs/model.md section 13): the moments of the headline
  // vector of the customers drawn into segment s, so every summary metric
  // has a per-segment estimate with a customer-level SE. One accumulator per
  // segment, never per customer; empty when the journey has fewer than two
  // segments (the per-segment tables would repeat the pooled ones).
  std::vector<stats::MomentAccumulator> segment_headline;
  // Per segment as well (same condition, docs/results-format.md "/segments"):
  // the period tallies [segment][period], each touchpoint's visits and
  // friction visits [segment][touchpoint] (Y = visits, X = walks; Y =
  // friction visits, X = visits), each outcome's walks [segment][outcome]
  // (timeout last) and Σ walks_i² [segment]. Memory: segments × (periods ×
  // (10 + kinds) + 6 × touchpoints + 3 × outcomes) doubles per variant. The
  // reference book (paths) stays pooled.
  std::vector<std::vector<PeriodAcc>> segment_periods;
  std::vector<std::vector<RatioSums>> segment_tp_visits, segment_tp_frictions;
  std::vector<std::vector<RatioSums>> segment_outcomes;
  std::vector<double> segment_walks_sq;
  std::vector<double> walk_counts;  // [P+1] customers by number of walks (the walk_counts table)
  double walks_sq = 0;              // Σ walks_i², for the ratio denominators
  stats::HeavyHitters paths;        // attached: walks per kind..., promoters, detractors

 private:
  static constexpr std::size_t kTimeBatch = 256;
  void flush_kind_times();  // the pending times into kind_time_hist / kind_time_groups
  std::size_t pending_ = 0;
  std::array<double, kTimeBatch> pending_times_;
  std::array<std::uint32_t, kTimeBatch> pending_groups_;
  std::array<std::uint16_t, kTimeBatch> pending_kinds_;
  std::array<std::uint32_t, kTimeBatch> pending_bins_;  // time_hist's bin of each pending time (set by flush)
  // The extremes of each kind's times counted since construction (finish_chunk
  // hands them to the kind's histogram with its groups' totals).
  std::vector<double> kind_min_, kind_max_;
};

// Paired accumulator for one variant against the baseline: moments of the
// joint vector [x_variant, x_baseline].
//
// Money (docs/methods/comparisons.md, "Money"): per period t, the sums over
// customers of D_it and D_it², D_it = the customer's cumulative discounted
// net value (value − cost) through period t under the variant minus under
// the baseline. Sized on the first add_periods (empty: no customer yet).
//
// Per segment: the joint moments of the customers whose baseline segment is
// s (segment_joint[s]; empty with fewer than two segments), for the
// per-segment comparisons.
//
// Lean (Variant::lean): the joint moments keep only `lean_pairs`.
struct PairedAccumulator {
  explicit PairedAccumulator(const model::CompiledModel& m, bool lean = false,
                             std::span<const std::pair<int, int>> lean_pairs = {})
      : joint(2 * headline_size(m), lean ? checked_lean_pairs(lean_pairs) : paired_pairs(m)) {
    if (m.segments.size() >= 2) segment_joint.assign(m.segments.size(), joint);
  }
  // lean_pairs as a vector; throws core::RuntimeError when empty (an empty
  // list would mean every pair to stats::MomentAccumulator).
  static std::vector<std::pair<int, int>> checked_lean_pairs(std::span<const std::pair<int, int>> lean_pairs);
  stats::MomentAccumulator joint;
  std::vector<stats::MomentAccumulator> segment_joint;
  std::vector<double> cum_net_delta, cum_net_delta_sq;
  void add_periods(const std::vector<double>& net_variant, const std::vector<double>& net_baseline) {
    const std::size_t P = std::min(net_variant.size(), net_baseline.size());
    if (cum_net_delta.empty()) {
      cum_net_delta.assign(P, 0.0);
      cum_net_delta_sq.assign(P, 0.0);
    }
    double d = 0;
    for (std::size_t t = 0; t < P && t < cum_net_delta.size(); ++t) {
      d += net_variant[t] - net_baseline[t];
      cum_net_delta[t] += d;
      cum_net_delta_sq[t] += d * d;
    }
  }
  void merge(const PairedAccumulator& o) {
    joint.merge(o.joint);
    for (std::size_t g = 0; g < segment_joint.size() && g < o.segment_joint.size(); ++g)
      segment_joint[g].merge(o.segment_joint[g]);
    if (cum_net_delta.empty()) {
      cum_net_delta = o.cum_net_delta;
      cum_net_delta_sq = o.cum_net_delta_sq;
    } else {
      for (std::size_t t = 0; t < o.cum_net_delta.size() && t < cum_net_delta.size(); ++t) {
        cum_net_delta[t] += o.cum_net_delta[t];
        cum_net_delta_sq[t] += o.cum_net_delta_sq[t];
      }
    }
  }
};

}  // namespace cxsim::engine
