#include "cxsim/engine/simulate.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "cxsim/core/errors.h"
#include "cxsim/engine/queue.h"
#include "cxsim/rng/samplers.h"
#include "cxsim/rng/stream.h"

namespace cxsim::engine {

using rng::Purpose;
using rng::Stream;

namespace {
// The lean pairs within the variant's own vector x (j < k); at least one
// (an empty list would mean every pair to stats::MomentAccumulator).
std::vector<std::pair<int, int>> own_pairs(const model::CompiledModel& m, std::span<const std::pair<int, int>> lean) {
  const int k = headline_size(m);
  std::vector<std::pair<int, int>> out;
  for (const auto& [i, j] : lean)
    if (i < k && j < k) out.emplace_back(i, j);
  if (out.empty()) out.emplace_back(kWalks, kWalks);
  return out;
}
}  // namespace

std::vector<std::pair<int, int>> PairedAccumulator::checked_lean_pairs(
    std::span<const std::pair<int, int>> lean_pairs) {
  if (lean_pairs.empty()) throw core::RuntimeError("internal: a lean variant without the pairs it keeps");
  return {lean_pairs.begin(), lean_pairs.end()};
}

VariantAccumulator::VariantAccumulator(const model::CompiledModel& m, int n_periods, std::size_t path_capacity,
                                       bool lean_accumulator, std::span<const std::pair<int, int>> lean_pairs)
    : lean(lean_accumulator),
      headline(headline_size(m), lean_accumulator ? own_pairs(m, lean_pairs) : headline_pairs(m)),
      nps_hist_true(11, 0.0),
      nps_hist_measured(11, 0.0),
      csat_hist_true(m.csat.present ? m.csat.categories : 0, 0.0),
      csat_hist_measured(m.csat.present ? m.csat.categories : 0, 0.0),
      ces_hist_true(m.ces.present ? m.ces.categories : 0, 0.0),
      ces_hist_measured(m.ces.present ? m.ces.categories : 0, 0.0),
      time_groups(kTimeGroups, time_hist.bin_count()),
      kind_time_hist(m.num_kinds()),
      kind_time_groups(m.num_kinds(), stats::HistogramGroups(kTimeGroups, time_hist.bin_count())),
      periods(static_cast<std::size_t>(n_periods)),
      touchpoints(m.num_touchpoints()),
      channels(m.channels.size()),
      outcomes(m.num_outcomes() + 1),
      segment_customers(m.segments.size(), 0.0),
      walk_counts(static_cast<std::size_t>(std::max(0, n_periods)) + 1, 0.0),
      paths(path_capacity, m.num_kinds() + 2) {
  kind_min_.assign(m.num_kinds(), std::numeric_limits<double>::infinity());
  kind_max_.assign(m.num_kinds(), -std::numeric_limits<double>::infinity());
  for (auto& p : periods) p.kinds.assign(m.num_kinds(), 0.0);
  for (auto& t : touchpoints) t.exits.assign(m.num_kinds(), 0.0);
  if (m.segments.size() >= 2) {
    const std::size_t S = m.segments.size();
    segment_headline.assign(S, headline);
    segment_periods.assign(S, periods);
    segment_tp_visits.assign(S, std::vector<RatioSums>(m.num_touchpoints()));
    segment_tp_frictions.assign(S, std::vector<RatioSums>(m.num_touchpoints()));
    segment_outcomes.assign(S, std::vector<RatioSums>(m.num_outcomes() + 1));
    segment_walks_sq.assign(S, 0.0);
  }
}

void VariantAccumulator::flush() {
  if (pending_ == 0) return;
  const std::span<const double> times(pending_times_.data(), pending_);
  const std::span<const std::uint32_t> groups(pending_groups_.data(), pending_);
  if (kind_time_hist.empty()) {
    time_hist.add_all(times, groups, time_groups);
  } else {
    // Each walk ends in exactly one kind, so the total histogram is the sum
    // of the kinds' (finish_chunk): each time is binned once, here, and
    // counted once, in its kind's histogram.
    time_hist.bin_checked(times, groups, time_groups, std::span<std::uint32_t>(pending_bins_.data(), pending_));
    flush_kind_times();
  }
  pending_ = 0;
}

void VariantAccumulator::flush_kind_times() {
  // Each time into its kind's groups only (a short list written in
  // sequence), with the bin flush() has just computed; finish_chunk builds
  // the kinds' histograms from their groups (LogHistogram::add_group_totals).
  for (std::size_t j = 0; j < pending_; ++j) {
    // Trusted: flush() has just checked every value and group of the batch
    // and binned it (time_hist.bin_checked), and each kind's groups have
    // time_hist's layout (VariantAccumulator's constructor).
    const std::size_t k = pending_kinds_[j];
    kind_time_groups[k].add_trusted(pending_groups_[j], pending_bins_[j]);
    kind_min_[k] = std::min(kind_min_[k], pending_times_[j]);
    kind_max_[k] = std::max(kind_max_[k], pending_times_[j]);
  }
}

namespace {
void add_vec(std::vector<double>& a, const std::vector<double>& b) {
  for (std::size_t i = 0; i < a.size(); ++i) a[i] += b[i];
}
}  // namespace

void VariantAccumulator::finish_chunk() {
  flush();
  // The walk times: each kind's histogram from its groups, then the total as
  // the sum of the kinds', in kind order (the total's groups are summed only
  // when read: all_time_groups).
  for (std::size_t k = 0; k < kind_time_hist.size(); ++k) {
    kind_time_hist[k].add_group_totals(kind_time_groups[k], kind_min_[k], kind_max_[k]);
    time_hist.merge(kind_time_hist[k]);
  }
  for (std::size_t g = 0; g < segment_headline.size(); ++g) headline.merge(segment_headline[g]);
  for (std::size_t g = 0; g < segment_periods.size(); ++g) {
    for (std::size_t t = 0; t < periods.size() && t < segment_periods[g].size(); ++t)
      periods[t].merge(segment_periods[g][t]);
    for (std::size_t k = 0; k < touchpoints.size() && k < segment_tp_visits[g].size(); ++k) {
      touchpoints[k].visits.merge(segment_tp_visits[g][k]);
      touchpoints[k].frictions.merge(segment_tp_frictions[g][k]);
    }
    for (std::size_t o = 0; o < outcomes.size() && o < segment_outcomes[g].size(); ++o)
      outcomes[o].merge(segment_outcomes[g][o]);
    walks_sq += segment_walks_sq[g];
  }
}

stats::HistogramGroups VariantAccumulator::all_time_groups() const {
  stats::HistogramGroups all = time_groups;
  for (const auto& g : kind_time_groups) all.merge(g);
  return all;
}

void VariantAccumulator::merge(const VariantAccumulator& o) {
  if (o.has_pending()) throw core::RuntimeError("internal: merging an accumulator with unflushed walk times");
  if (o.lean != lean) throw core::RuntimeError("internal: merging a lean and a full accumulator");
  flush();
  headline.merge(o.headline);
  add_vec(nps_hist_true, o.nps_hist_true);
  add_vec(nps_hist_measured, o.nps_hist_measured);
  add_vec(csat_hist_true, o.csat_hist_true);
  add_vec(csat_hist_measured, o.csat_hist_measured);
  add_vec(ces_hist_true, o.ces_hist_true);
  add_vec(ces_hist_measured, o.ces_hist_measured);
  time_hist.merge(o.time_hist);
  time_groups.merge(o.time_groups);
  for (std::size_t k = 0; k < kind_time_hist.size(); ++k) {
    kind_time_hist[k].merge(o.kind_time_hist[k]);
    kind_time_groups[k].merge(o.kind_time_groups[k]);
  }
  for (std::size_t t = 0; t < periods.size(); ++t) {
    auto& a = periods[t];
    const auto& b = o.periods[t];
    a.active += b.active;
    a.churned += b.churned;
    a.idle += b.idle;
    a.respondents += b.respondents;
    a.promoters += b.promoters;
    a.detractors += b.detractors;
    a.promoters_measured += b.promoters_measured;
    a.detractors_measured += b.detractors_measured;
    add_vec(a.kinds, b.kinds);
    a.value += b.value;
    a.cost += b.cost;
  }
  for (std::size_t k = 0; k < touchpoints.size(); ++k) {
    touchpoints[k].visits.merge(o.touchpoints[k].visits);
    touchpoints[k].frictions.merge(o.touchpoints[k].frictions);
    touchpoints[k].satisfaction.merge(o.touchpoints[k].satisfaction);
    add_vec(touchpoints[k].exits, o.touchpoints[k].exits);
  }
  for (std::size_t c = 0; c < channels.size(); ++c) {
    channels[c].visits.merge(o.channels[c].visits);
    channels[c].frictions.merge(o.channels[c].frictions);
    channels[c].switches_into.merge(o.channels[c].switches_into);
  }
  for (std::size_t k = 0; k < outcomes.size(); ++k) outcomes[k].merge(o.outcomes[k]);
  add_vec(segment_customers, o.segment_customers);
  for (std::size_t g = 0; g < segment_headline.size() && g < o.segment_headline.size(); ++g)
    segment_headline[g].merge(o.segment_headline[g]);
  for (std::size_t g = 0; g < segment_periods.size() && g < o.segment_periods.size(); ++g) {
    for (std::size_t t = 0; t < segment_periods[g].size() && t < o.segment_periods[g].size(); ++t)
      segment_periods[g][t].merge(o.segment_periods[g][t]);
    for (std::size_t k = 0; k < segment_tp_visits[g].size(); ++k) {
      segment_tp_visits[g][k].merge(o.segment_tp_visits[g][k]);
      segment_tp_frictions[g][k].merge(o.segment_tp_frictions[g][k]);
    }
    for (std::size_t k = 0; k < segment_outcomes[g].size(); ++k) segment_outcomes[g][k].merge(o.segment_outcomes[g][k]);
    segment_walks_sq[g] += o.segment_walks_sq[g];
  }
  add_vec(walk_counts, o.walk_counts);
  walks_sq += o.walks_sq;
  paths.merge(o.paths);
}

CustomerScratch::CustomerScratch(const model::CompiledModel& m, int periods)
    : x(static_cast<std::size_t>(headline_size(m)), 0.0),
      tp_visits(m.num_touchpoints(), 0.0),
      tp_frictions(m.num_touchpoints(), 0.0),
      tp_sat(m.num_touchpoints(), 0.0),
      tp_touched((m.num_touchpoints() + 63) / 64, 0),
      ch_visits(m.channels.size(), 0.0),
      ch_frictions(m.channels.size(), 0.0),
      ch_switches(m.channels.size(), 0.0),
      oc_count(m.num_outcomes() + 1, 0.0),
      path_attached(m.num_kinds() + 2, 0.0),
      period_net(static_cast<std::size_t>(std::max(0, periods)), 0.0) {
  path.reserve(128);
}

namespace {

// One draw from a compiled duration (the families and the parameters they
// compile to: model/duration_family.h).
inline double sample_duration(const model::DurationSampler& d, Stream& st) {
  using K = model::DurationSpec::Kind;
  switch (d.kind) {
    case K::fixed: return d.p1;
    case K::exponential: return rng::exponential(st, d.p1);
    case K::lognormal: return rng::lognormal(st, d.p1, d.p2);
    case K::gamma: return rng::gamma(st, d.p1, d.p2);
  }
  return 0.0;
}

inline int score(const model::CompiledScale& sc, double u, double x) {
  return rng::ordered_logit_padded(u, sc.cut_padded.data(), static_cast<int>(sc.cut.size()),
                                   static_cast<int>(sc.cut_padded.size()), sc.slope * x);
}

// The node drawn from categorical c with uniform u (inversion).
inline std::uint32_t draw_next(const model::CompiledModel& m, const model::Categorical& c, double u) {
  const int index = c.small != model::Categorical::kNotSmall
                        ? rng::categorical4(u, m.cum4[c.small].data())
                        : rng::categorical(u, m.cum.data() + c.offset, static_cast<int>(c.count));
  return m.target[c.offset + static_cast<std::uint32_t>(index)];
}

constexpr std::uint16_t kPathTruncated = 0xFFFF;

// Whether a recovery program's trigger holds after a visit to `visited` (a
// friction visit or not, lasting `dt`) whose next node drawn is `next`.
inline bool recovery_hit(const model::CompiledModel& m, const RecoveryProgram& p, double S, int frictions,
                         std::uint32_t visited, bool fr, double dt, std::uint32_t next) {
  using Tr = RecoveryProgram::Trigger;
  switch (p.trigger) {
    case Tr::satisfaction_below: return S < p.threshold;
    case Tr::frictions_at_least: return frictions >= p.threshold;
    case Tr::at: return fr && visited == p.at;
    case Tr::wait_above: return visited == p.at && dt > p.threshold;
    case Tr::outcome_kind: return m.is_outcome(next) && m.outcome_kind[m.outcome_of(next)] == p.kind;
  }
  return false;
}

// Engagement: true when the active customer walks in period t (a uniform of
// Stream(seed, engagement, i, t) below p). Otherwise the period is idle
// (MODEL.md section 11): no walk, survey, value or cost; it counts as active
// and idle, and the churn draw — the same uniform of the period stream a walk
// would use — churns with probability θ (the sensitivity term is 0). theta < 0:
// the segment never churns. docs/methods/engine.md, "Engagement".
// rows: the period tallies the customer adds to (its segment's with two or
// more segments, else the pooled ones).
bool walks_this_period(std::uint64_t seed, std::uint64_t i, int t, double p, double theta, PeriodAcc* rows, bool& alive,
                       int& churned_period) {
  const auto period = static_cast<std::uint32_t>(t);
  Stream s_walk(seed, Purpose::engagement, i, period);
  if (s_walk.uniform() < p) return true;
  PeriodAcc& pa = rows[period];
  pa.active += 1.0;
  pa.idle += 1.0;
  if (theta >= 0) {
    Stream s_period(seed, Purpose::entry, i, period);
    s_period.next_u64();
    const double u_churn = rng::u64_lo_open01(s_period.next_u64());
    if (u_churn < theta) {
      alive = false;
      churned_period = t;
      pa.churned += 1.0;
    }
  }
  return false;
}

// Folds the customer's per-touchpoint / channel / outcome totals into the
// tables (and clears them), and counts the customer's walks.
// With two or more segments (per_segment), Σ walks², the touchpoint visits
// and friction visits and the outcome counts go to segment g's tables only
// (VariantAccumulator::fold_segments adds them to the pooled ones).
void fold_tables(VariantAccumulator& acc, CustomerScratch& sc, double w, bool per_segment, std::size_t g) {
  (per_segment ? acc.segment_walks_sq[g] : acc.walks_sq) += w * w;
  acc.walk_counts[std::min(acc.walk_counts.size() - 1, static_cast<std::size_t>(w))] += 1.0;
  for (std::size_t word = 0; word < sc.tp_touched.size(); ++word) {
    for (std::uint64_t bits = sc.tp_touched[word]; bits != 0; bits &= bits - 1) {
      const std::size_t k = word * 64 + static_cast<std::size_t>(std::countr_zero(bits));
      const double vk = sc.tp_visits[k];
      auto& ta = acc.touchpoints[k];
      (per_segment ? acc.segment_tp_visits[g][k] : ta.visits).add(vk, w);
      (per_segment ? acc.segment_tp_frictions[g][k] : ta.frictions).add(sc.tp_frictions[k], vk);
      ta.satisfaction.add(sc.tp_sat[k], vk);
      sc.tp_visits[k] = sc.tp_frictions[k] = sc.tp_sat[k] = 0.0;
    }
    sc.tp_touched[word] = 0;
  }
  for (std::size_t c = 0; c < sc.ch_visits.size(); ++c) {
    auto& ca = acc.channels[c];
    if (sc.ch_visits[c] != 0.0) {
      ca.visits.add(sc.ch_visits[c], w);
      ca.frictions.add(sc.ch_frictions[c], sc.ch_visits[c]);
    }
    if (sc.ch_switches[c] != 0.0) ca.switches_into.add(sc.ch_switches[c], w);
    sc.ch_visits[c] = sc.ch_frictions[c] = sc.ch_switches[c] = 0.0;
  }
  for (std::size_t o = 0; o < sc.oc_count.size(); ++o) {
    if (sc.oc_count[o] != 0.0) {
      (per_segment ? acc.segment_outcomes[g][o] : acc.outcomes[o]).add(sc.oc_count[o], w);
    }
    sc.oc_count[o] = 0.0;
  }
}

}  // namespace

void simulate_customer(const Variant& v, const RunSettings& s, std::uint64_t i, VariantAccumulator& acc,
                       CustomerScratch& sc, CustomerRecord* record, const EventSink* events,
                       std::vector<PeriodRecord>* trajectory) {
  const model::CompiledModel& m = v.model;
  const std::uint64_t seed = s.seed;
  const int n_kinds = static_cast<int>(m.num_kinds());
  const auto T = static_cast<std::uint32_t>(m.num_touchpoints());
  // Lean (Variant::lean): the headline vector, the money per period and the
  // per-period counts only; full: every table too.
  const bool full = !v.lean;
  if (acc.lean != v.lean) throw core::RuntimeError("internal: a lean variant needs a lean accumulator and back");
  if (!m.queues.empty() && !v.queues) throw core::RuntimeError("internal: queues not solved before simulating");

  std::fill(sc.x.begin(), sc.x.end(), 0.0);
  std::fill(sc.period_net.begin(), sc.period_net.end(), 0.0);
  double* x = sc.x.data();

  // Customer-level draws.
  Stream s_seg(seed, Purpose::segment, i);
  const int seg_index =
      rng::categorical(s_seg.uniform(), m.segment_cum_share.data(), static_cast<int>(m.segment_cum_share.size()));
  const model::CompiledSegment& seg = m.segments[static_cast<std::size_t>(seg_index)];
  Stream s_s0(seed, Purpose::satisfaction0, i);
  const double s0_initial = seg.s0_mean + seg.s0_sd * rng::standard_normal(s_s0);
  double theta = 0.0, logit_theta = 0.0;
  if (seg.churns) {
    Stream s_th(seed, Purpose::churn_propensity, i);
    theta = rng::beta(s_th, seg.alpha, seg.beta);
    logit_theta = std::log(theta) - std::log1p(-theta);
  }
  // Engagement (MODEL.md section 11): p_i, drawn once from its own stream.
  double engage_p = 1.0;
  if (seg.engages) {
    engage_p = seg.engage_p;
    if (seg.engage_beta_drawn) {
      Stream s_en(seed, Purpose::engagement_propensity, i);
      engage_p = rng::beta(s_en, seg.engage_alpha, seg.engage_beta);
    }
  }
  acc.segment_customers[static_cast<std::size_t>(seg_index)] += 1.0;
  sc.segment = seg_index;
  // The period tallies go to the segment's rows with two or more segments
  // (VariantAccumulator::fold_segments adds them to the pooled rows), else to
  // the pooled rows: one addition per tally either way.
  const bool per_segment = !acc.segment_periods.empty();
  PeriodAcc* const rows =
      per_segment ? acc.segment_periods[static_cast<std::size_t>(seg_index)].data() : acc.periods.data();
  if (events && events->customer) events->customer(i, seg_index);

  const auto& rec = v.recovery;

  double s0 = s0_initial;
  bool alive = true;
  double discount = 1.0;
  int churned_period = -1;
  int last_nps = -1;
  double S = s0;

  for (int t = 0; t < s.periods && alive; ++t) {
    const auto period = static_cast<std::uint32_t>(t);
    if (seg.engages &&
        !walks_this_period(seed, i, t, engage_p, seg.churns ? theta : -1.0, rows, alive, churned_period)) {
      if (trajectory != nullptr) {
        PeriodRecord pr;
        pr.customer = i;
        pr.period = t;
        pr.satisfaction = std::nan("");
        pr.churned = !alive;
        trajectory->push_back(pr);
      }
      discount /= (1.0 + s.discount_rate);
      continue;
    }
    // --- the walk ---
    // The period stream: draw 1 = (entry, response), draw 2 = (NPS, churn),
    // draw 3 = (CSAT, CES) — each 64-bit draw split into two 32-bit uniforms.
    Stream s_period(seed, Purpose::entry, i, period);
    const std::uint64_t p1 = s_period.next_u64();
    std::uint32_t node = draw_next(m, seg.entry(m.start), rng::u64_hi_open01(p1));
    S = s0;
    double E = 0, time = 0, cost = 0;
    int frictions = 0, switches = 0, steps = 0;
    int prev_channel = -1;
    std::uint32_t last_tp = 0;
    bool recovery_done = false;
    sc.path.clear();
    stats::PathHasher path_hash;
    while (node < T) {
      if (steps >= m.max_steps) {
        node = m.timeout_node();
        break;
      }
      const model::CompiledTouchpoint& tp = seg.tp[node];
      Stream st(seed, Purpose::step, i, period, static_cast<std::uint32_t>(steps));
      // One 64-bit draw gives both: friction (high half), next node (low half).
      const std::uint64_t xv = st.next_u64();
      const double u_fr = rng::u64_hi_open01(xv);
      const double u_next = rng::u64_lo_open01(xv);
      bool fr = u_fr < tp.friction;
      // A channel switch, without a data-dependent branch (adding 0.0 leaves
      // S and E unchanged).
      const bool sw = prev_channel >= 0 && tp.channel != prev_channel;
      S += sw ? m.switch_sat : 0.0;
      E += sw ? m.switch_eff : 0.0;
      switches += sw;
      if (full) sc.ch_switches[tp.channel] += sw;
      double dt = sample_duration(fr ? tp.dur_fr : tp.dur_ok, st);
      if (tp.queue >= 0) {
        // The queue's wait (docs/methods/queues.md) from its own stream: 0
        // when u >= P(W > 0), else Exponential(E[W | W > 0]) by inversion of
        // u / P(W > 0), which is uniform on (0, 1) given u < P(W > 0).
        const QueuePeriod& qp = v.queues->queue[static_cast<std::size_t>(tp.queue)][period];
        Stream sq(seed, Purpose::queue, i, period, static_cast<std::uint32_t>(steps));
        const double u = sq.uniform();
        if (u < qp.p_wait) dt += -qp.wait_if_waiting * std::log(u / qp.p_wait);
      }
      if (tp.has_patience) {
        // Patience (MODEL.md section 11) from its own stream, so the step
        // stream's draws are those of a journey without patience.
        Stream sp(seed, Purpose::patience, i, period, static_cast<std::uint32_t>(steps));
        const double a = sample_duration(tp.patience, sp);
        if (dt > a) {
          fr = true;
          dt = a;
        }
      }
      double dsat = fr ? tp.sat_fr : tp.sat_ok;
      if (tp.has_waiting) dsat += tp.wait_per_unit * std::max(0.0, dt - tp.wait_tolerance);
      S += dsat;
      E += fr ? tp.eff_fr : tp.eff_ok;
      if (events && events->visit) events->visit(i, t, steps, node, fr, time, 0xffffffffu);
      time += dt;
      cost += tp.cost;
      frictions += fr;
      if (full) {
        sc.tp_touched[node >> 6] |= std::uint64_t{1} << (node & 63);
        sc.tp_visits[node] += 1.0;
        sc.tp_frictions[node] += fr;
        sc.tp_sat[node] += dsat;
        sc.ch_visits[tp.channel] += 1.0;
        sc.ch_frictions[tp.channel] += fr;
      }
      // The path as recorded (truncated paths end in one marker) and its hash.
      if (full && sc.path.size() <= s.path_max_length) {
        const auto v = sc.path.size() < s.path_max_length ? static_cast<std::uint16_t>(node) : kPathTruncated;
        sc.path.push_back(v);
        path_hash.push(v);
      }

      const model::Categorical& nx = fr ? tp.next_fr : tp.next_ok;
      last_tp = node;
      node = draw_next(m, nx, u_next);
      // The recovery trigger, after the visit's updates and the next-node
      // draw (docs/methods/engine.md, "Recovery: order of checks").
      if (rec && !recovery_done && recovery_hit(m, *rec, S, frictions, last_tp, fr, dt, node)) {
        recovery_done = true;
        x[kRecoveryTriggered] += 1.0;
        Stream sr(seed, Purpose::recovery, i, period, static_cast<std::uint32_t>(steps));
        const double u_reach = sr.uniform(), u_success = sr.uniform();
        if (u_reach < rec->reach) {
          x[kRecoveryReached] += 1.0;
          cost += rec->cost;
          if (u_success < rec->success) {
            x[kRecoverySucceeded] += 1.0;
            S += rec->satisfaction;
            if (rec->reroute != RecoveryProgram::kNone) node = rec->reroute;
          }
        }
      }
      prev_channel = tp.channel;
      ++steps;
    }
    const std::uint32_t outcome = m.outcome_of(node);
    const int kind = m.outcome_kind[outcome];
    const double value = m.outcome_value[outcome];
    if (events && events->visit) events->visit(i, t, steps, last_tp, false, time, outcome);

    // --- the survey ---
    const std::uint64_t p2 = s_period.next_u64();
    const double u_resp = rng::u64_lo_open01(p1), u_nps = rng::u64_hi_open01(p2);
    const double u_churn = rng::u64_lo_open01(p2);
    double u_csat = 0.5, u_ces = 0.5;
    if (m.csat.present || m.ces.present) {
      const std::uint64_t p3 = s_period.next_u64();
      u_csat = rng::u64_hi_open01(p3);
      u_ces = rng::u64_lo_open01(p3);
    }
    // Responds with probability r = σ(logit r0 + ρ|S|): u < r ⇔ logit(u) < logit r0 + ρ|S|.
    const bool responds = rng::logit_below(u_resp, m.response_logit + m.response_extremity * std::fabs(S));
    const int nps = score(m.nps, u_nps, S);
    const bool promoter = nps >= 9, detractor = nps <= 6;
    if (full) acc.nps_hist_true[static_cast<std::size_t>(nps)] += 1.0;
    x[kPromotersTrue] += promoter;
    x[kDetractorsTrue] += detractor;
    int csat = 0, ces = 0;
    if (m.csat.present) {
      csat = score(m.csat, u_csat, S);
      if (full) acc.csat_hist_true[static_cast<std::size_t>(csat)] += 1.0;
      x[kCsatTrue] += csat + 1;
    }
    if (m.ces.present) {
      ces = score(m.ces, u_ces, -E);
      if (full) acc.ces_hist_true[static_cast<std::size_t>(ces)] += 1.0;
      x[kCesTrue] += ces + 1;
    }
    PeriodAcc& pa = rows[period];
    pa.active += 1.0;
    pa.promoters += promoter;
    pa.detractors += detractor;
    pa.kinds[static_cast<std::size_t>(kind)] += 1.0;
    // Respondent tallies without a data-dependent branch: adding 0 to a count
    // leaves it unchanged.
    const double r = responds ? 1.0 : 0.0;
    const bool pm = responds && promoter, dm = responds && detractor;
    x[kRespondents] += r;
    x[kPromotersMeasured] += pm;
    x[kDetractorsMeasured] += dm;
    if (full) acc.nps_hist_measured[static_cast<std::size_t>(nps)] += r;
    pa.respondents += r;
    pa.promoters_measured += pm;
    pa.detractors_measured += dm;
    if (m.csat.present) {
      if (full) acc.csat_hist_measured[static_cast<std::size_t>(csat)] += r;
      x[kCsatMeasured] += r * (csat + 1);
    }
    if (m.cx.present) {
      // ease and emotion on [0, 1]: the 0-based score over its top score.
      const double ease = m.ces.present ? ces / static_cast<double>(m.ces.categories - 1) : 0.0;
      const double emotion =
          m.csat.present ? csat / static_cast<double>(m.csat.categories - 1) : static_cast<double>(nps) / 10.0;
      const double cx = 100.0 * (m.cx.w_effectiveness * m.cx.good[static_cast<std::size_t>(kind)] + m.cx.w_ease * ease +
                                 m.cx.w_emotion * emotion);
      const int c = cx_component(m);
      x[c] += cx;
      x[c + 1] += r * cx;
    }
    if (m.ces.present) {
      if (full) acc.ces_hist_measured[static_cast<std::size_t>(ces)] += r;
      x[kCesMeasured] += r * (ces + 1);
    }
    if (events && events->survey && responds)
      events->survey(i, t, nps, m.csat.present ? csat + 1 : -1, m.ces.present ? ces + 1 : -1);
    last_nps = nps;

    // --- per-walk tallies ---
    x[kWalks] += 1.0;
    x[kEffort] += E;
    x[kTime] += time;
    x[kFrictions] += frictions;
    x[kSwitches] += switches;
    x[kSteps] += steps;
    x[kSatisfactionChange] += S - s0;
    x[kClv] += value * discount;
    x[kCost] += cost * discount;
    pa.value += value * discount;
    pa.cost += cost * discount;
    if (period < sc.period_net.size()) sc.period_net[period] = value * discount - cost * discount;
    x[kFirstKind + kind] += 1.0;
    x[kind_time_component(m, kind)] += time;
    if (full) {
      sc.oc_count[outcome] += 1.0;
      acc.add_time(time, i, kind);
      if (steps > 0) acc.touchpoints[last_tp].exits[static_cast<std::size_t>(kind)] += 1.0;
      std::fill(sc.path_attached.begin(), sc.path_attached.end(), 0.0);
      sc.path_attached[static_cast<std::size_t>(kind)] = 1.0;
      sc.path_attached[static_cast<std::size_t>(n_kinds)] = promoter;
      sc.path_attached[static_cast<std::size_t>(n_kinds) + 1] = detractor;
      acc.paths.add(sc.path, path_hash.finish(), sc.path_attached.data());
    }

    // --- retention ---
    bool churned_now = false;
    if (seg.churns) {
      const double u = u_churn;
      // Churns with probability p = σ(logit θ − γ(S − s0)) (exactly θ when
      // γ = 0): u < p ⇔ logit(u) < logit θ − γ(S − s0).
      const bool churns =
          m.sensitivity == 0.0 ? u < theta : rng::logit_below(u, logit_theta - m.sensitivity * (S - s0));
      if (churns) {
        alive = false;
        churned_period = t;
        churned_now = true;
        pa.churned += 1.0;
      }
    }
    if (trajectory != nullptr) {
      PeriodRecord pr;
      pr.customer = i;
      pr.period = t;
      pr.walked = true;
      pr.satisfaction = S;
      pr.nps = nps;
      pr.nps_measured = responds ? nps : -1;
      pr.value = value * discount;
      pr.cost = cost * discount;
      pr.churned = churned_now;
      trajectory->push_back(pr);
    }
    s0 = s0 + m.carryover * (S - s0);
    discount /= (1.0 + s.discount_rate);
  }
  x[kAlive] = alive ? 1.0 : 0.0;

  const double w = x[kWalks];
  if (full) fold_tables(acc, sc, w, per_segment, static_cast<std::size_t>(seg_index));
  if (record) {
    record->customer = i;
    record->segment = seg_index;
    record->satisfaction0 = s0_initial;
    record->churn_propensity = theta;
    record->walks = static_cast<int>(w);
    record->churned_period = churned_period;
    record->satisfaction_final = S;
    record->clv = x[kClv];
    record->cost = x[kCost];
    record->effort = x[kEffort];
    record->time = x[kTime];
    record->responses = static_cast<int>(x[kRespondents]);
    record->last_nps = last_nps;
  }
}

}  // namespace cxsim::engine
