// Journey fit of calibrate(): the start and next maps (Dirichlet posteriors),
// friction (Beta), durations and outcomes of the fitted model (their report
// tables: writer.cpp) (docs/methods/calibration.md, sections 2-4).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>
#include <unordered_map>

#include <Eigen/Dense>
#include <boost/math/special_functions/gamma.hpp>
#include <fmt/format.h>

#include "cxsim/calibrate/csv.h"
#include "cxsim/calibrate/durations.h"
#include "cxsim/calibrate/event_log.h"
#include "cxsim/calibrate/journey_writer.h"
#include "cxsim/calibrate/ordered_logit.h"
#include "cxsim/calibrate/posterior.h"
#include "cxsim/calibrate/sbg.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"
#include "cxsim/core/version.h"
#include "cxsim/model/digraph.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/rng/samplers.h"
#include "cxsim/rng/stream.h"
#include "stages.h"

namespace cxsim::calibrate::stages {

namespace {

std::string stem_name(const std::string& path) {
  std::string s = std::filesystem::path(path).stem().string();
  return sanitize_id(s.empty() ? "calibrated" : s);
}

// Retention alone (--cohorts or --lifetimes without a journey source): a
// journey of one touchpoint 'customer' that ends in one outcome 'end', so that
// the fitted segments and periods load, validate and run as they are.
void placeholder_journey(State& s) {
  const CalibrateOptions& o = s.o;
  const std::string& file = !o.cohorts.empty() ? o.cohorts : !o.repeat.empty() ? o.repeat : o.lifetimes;
  s.m.name = o.name.empty() ? stem_name(file) : sanitize_id(o.name);
  s.m.time_unit = o.time_unit;
  const std::string tp = s.ids.make("customer"), end = s.ids.make("end");
  s.m.start.targets = {{tp, 0, 1.0, {1, 1}}};
  FittedTouchpoint t;
  t.id = tp;
  t.name = "(placeholder: retention alone)";
  t.channel = "none";
  t.ok.targets = {{end, 0, 1.0, {1, 1}}};
  t.dur_ok = fit_durations(DurationStats{}, s.dchoice, s.unit_s);
  s.m.touchpoints.push_back(std::move(t));
  s.m.outcomes.push_back({end, "(placeholder)", "end", 0.0, 0.0});
  s.data_outcomes = 0;
  s.input_desc = std::filesystem::path(file).filename().string() + " (retention alone)";
  if (!o.outcome_kinds.empty() || !o.outcome_values.empty())
    throw core::InputError("--outcome-kind and --outcome-value need --events or --paths");
}

// The observed targets of one (source, status) map, by count (decreasing), then id.
struct RawMap {
  std::vector<std::pair<std::string, double>> t;  // id -> count
  double total = 0;
};

// Per (tp << 1 | friction) the targets of `agg`'s transitions (ids of the fit).
std::map<std::uint64_t, RawMap> raw_maps(const State& s, const Aggregate& agg) {
  std::map<std::uint64_t, RawMap> raw;
  for (const auto& [key, w] : agg.trans) {
    const auto src = static_cast<std::uint32_t>(key >> 34);
    const bool fr = (key >> 33) & 1;
    const bool is_oc = (key >> 32) & 1;
    const auto tgt = static_cast<std::uint32_t>(key & 0xFFFFFFFFu);
    const std::string& id = is_oc ? s.oc_id[tgt] : s.tp_id[tgt];
    auto& rm = raw[(static_cast<std::uint64_t>(src) << 1) | (fr ? 1u : 0u)];
    rm.t.emplace_back(id, w);
    rm.total += w;
  }
  for (auto& [k, rm] : raw)
    std::sort(rm.t.begin(), rm.t.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
  return raw;
}

// Dirichlet(counts + prior) over the observed targets (--prior a0; 0: the
// maximum-likelihood frequencies). A prior-only target (a trap's way out)
// has no data: it gets the pseudo-count --prior, or 0.5 with --prior 0 (a
// zero would leave the trap).
FittedMap dirichlet_map(const RawMap& rm, const std::vector<std::string>& extra_prior_only, double a0) {
  const double a0_extra = a0 > 0 ? a0 : kDirichletAlpha0;
  FittedMap fm;
  for (const auto& [id, c] : rm.t) fm.targets.push_back({id, c, 0, {}});
  for (const auto& id : extra_prior_only) fm.targets.push_back({id, 0, 0, {}});
  const std::size_t J = fm.targets.size();
  auto pseudo = [&](std::size_t j) { return j < rm.t.size() ? a0 : a0_extra; };
  const double n_extra = static_cast<double>(extra_prior_only.size());
  const double a_sum = a0 == a0_extra ? rm.total + a0 * static_cast<double>(J)
                                      : rm.total + a0 * static_cast<double>(rm.t.size()) + a0_extra * n_extra;
  for (std::size_t j = 0; j < J; ++j) {
    const double a = fm.targets[j].count + pseudo(j);
    fm.targets[j].prob = a / a_sum;
    fm.targets[j].alpha = a;  // the posterior count (calibrate --distributions)
    fm.targets[j].ci = J == 1 ? Interval{1, 1} : beta_interval(a, a_sum - a);
  }
  fm.total = rm.total;
  return fm;
}

}  // namespace

SegmentTest homogeneity_test(const std::vector<std::vector<double>>& table) {
  // G2 = 2 sum_gj n_gj log(n_gj / E_gj), E_gj = n_g. n_.j / n, over the rows
  // and columns with counts; df = (rows - 1)(columns - 1).
  std::vector<double> row(table.size(), 0.0), col;
  for (std::size_t g = 0; g < table.size(); ++g) {
    if (col.size() < table[g].size()) col.resize(table[g].size(), 0.0);
    for (std::size_t j = 0; j < table[g].size(); ++j) {
      row[g] += table[g][j];
      col[j] += table[g][j];
    }
  }
  double n = 0;
  for (double r : row) n += r;
  SegmentTest t;
  const auto rows = std::count_if(row.begin(), row.end(), [](double r) { return r > 0; });
  const auto cols = std::count_if(col.begin(), col.end(), [](double c) { return c > 0; });
  if (rows < 2 || cols < 2) return t;
  double g2 = 0;
  for (std::size_t g = 0; g < table.size(); ++g)
    for (std::size_t j = 0; j < table[g].size(); ++j) {
      const double x = table[g][j];
      if (x > 0) g2 += 2 * x * std::log(x * n / (row[g] * col[j]));
    }
  t.g2 = std::max(0.0, g2);
  t.df = static_cast<double>((rows - 1) * (cols - 1));
  t.p_value = boost::math::gamma_q(0.5 * t.df, 0.5 * t.g2);
  return t;
}

SegmentTest log_mean_test(const std::vector<const DurationStats*>& groups) {
  // Normal log-durations with one variance: G2 = N log(1 + SS_between / SS_within),
  // df = groups - 1, over the groups with at least 5 positive gaps.
  double N = 0, sum = 0, within = 0;
  int k = 0;
  for (const DurationStats* d : groups) {
    if (d == nullptr || d->n < 5) continue;
    N += d->n;
    sum += d->n * d->mean_log;
    within += d->m2_log;
    ++k;
  }
  SegmentTest t;
  if (k < 2 || !(within > 0)) return t;
  const double mean = sum / N;
  double between = 0;
  for (const DurationStats* d : groups)
    if (d != nullptr && d->n >= 5) between += d->n * (d->mean_log - mean) * (d->mean_log - mean);
  t.g2 = N * std::log1p(between / within);
  t.df = k - 1;
  t.p_value = boost::math::gamma_q(0.5 * t.df, 0.5 * t.g2);
  return t;
}

void fit_journey(State& s) {
  const CalibrateOptions& o = s.o;
  if (s.retention_only) return placeholder_journey(s);
  s.m.name = o.name.empty() ? stem_name(o.events.empty() ? o.paths : o.events) : sanitize_id(o.name);
  s.m.time_unit = o.time_unit;
  s.T = s.tp_names.size();
  s.O = s.oc_names.size();
  const std::size_t T = s.T, O = s.O;
  s.tp_id.assign(T, std::string());
  s.oc_id.assign(O, std::string());
  s.tp_index.assign(T, -1);
  for (std::uint32_t k = 0; k < T; ++k)
    if (s.train.visits[k] > 0) {
      s.tp_id[k] = s.ids.make(s.tp_names.name(k));
    }
  for (std::uint32_t k = 0; k < O; ++k)
    if (s.train.outcome_count[k] > 0) s.oc_id[k] = s.ids.make(s.oc_names.name(k));
  // --outcome-kind / --outcome-value must name outcomes of the data (as
  // written there, or by the id given to them): a typo is not ignored.
  {
    std::vector<std::string> known;
    for (std::uint32_t k = 0; k < O; ++k) {
      known.push_back(s.oc_names.name(k));
      if (!s.oc_id[k].empty() && s.oc_id[k] != s.oc_names.name(k)) known.push_back(s.oc_id[k]);
    }
    auto check = [&](const char* flag, const std::string& name, const std::string& value) {
      if (std::find(known.begin(), known.end(), name) != known.end()) return;
      const std::string sug = core::did_you_mean(name, known);
      constexpr std::size_t kShown = 20;
      std::vector<std::string> shown(known.begin(), known.begin() + static_cast<long>(std::min(kShown, known.size())));
      if (known.size() > kShown) shown.push_back(fmt::format("{} more", known.size() - kShown));
      throw core::InputError(fmt::format("{} {}={}: no outcome '{}' in the data{}; the outcomes are {}", flag, name,
                                         value, name, sug.empty() ? "" : " (did you mean '" + sug + "'?)",
                                         core::quoted_list(shown)));
    };
    for (const auto& [name, kind] : o.outcome_kinds) check("--outcome-kind", name, kind);
    for (const auto& [name, v] : o.outcome_values) check("--outcome-value", name, core::fmt_number(v));
  }
  long max_len = 0;
  for (const auto& [len, w] : s.train.lengths) max_len = std::max(max_len, len);
  s.m.max_steps = static_cast<int>(std::max<long>(1000, 2 * max_len));

  // Maps: collect per (source, status) the observed targets.
  const std::map<std::uint64_t, RawMap> raw = raw_maps(s, s.train);
  const double a0 = o.prior;
  auto make_map = [a0](const RawMap& rm, const std::vector<std::string>& extra_prior_only) {
    return dirichlet_map(rm, extra_prior_only, a0);
  };

  // Which touchpoints split their next map, and the reachability of outcomes.
  for (std::uint32_t k = 0; k < T; ++k)
    if (s.train.visits[k] > 0) s.order.push_back(k);
  std::vector<bool> split(T, false);
  for (auto k : s.order) {
    const auto ok = raw.find(static_cast<std::uint64_t>(k) << 1),
               fr = raw.find((static_cast<std::uint64_t>(k) << 1) | 1);
    split[k] = s.has_status && ok != raw.end() && fr != raw.end() && ok->second.total > 0 && fr->second.total > 0;
  }
  // Reverse reachability from outcomes over observed arcs: node k < T is
  // touchpoint k, node T stands for every outcome.
  model::Digraph arcs(T + 1);
  std::vector<bool> exit_node(T + 1, false);
  exit_node[T] = true;
  for (const auto& [key, w] : s.train.trans) {
    const auto src = static_cast<std::uint32_t>(key >> 34);
    const bool is_oc = (key >> 32) & 1;
    arcs.add_edge(src, is_oc ? T : static_cast<std::size_t>(key & 0xFFFFFFFFu));
  }
  const std::vector<bool> reaches = arcs.reaching(exit_node);
  bool need_unobserved = false;
  for (auto k : s.order)
    if (!reaches[k]) need_unobserved = true;
  std::string unobserved_id;
  if (need_unobserved) unobserved_id = s.ids.make("unobserved");

  // Channels: the most frequent per touchpoint.
  std::vector<std::pair<double, std::uint32_t>> best_channel(T, {0.0, kNone});
  for (const auto& [key, w] : s.train.channel_counts) {
    const auto tp = static_cast<std::uint32_t>(key >> 32);
    const auto ch = static_cast<std::uint32_t>(key & 0xFFFFFFFFu);
    auto& b = best_channel[tp];
    if (w > b.first || (w == b.first && ch < b.second)) b = {w, ch};
  }

  {
    RawMap sm;
    for (auto k : s.order)
      if (s.train.start[k] > 0) sm.t.emplace_back(s.tp_id[k], s.train.start[k]), sm.total += s.train.start[k];
    std::sort(sm.t.begin(), sm.t.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    s.m.start = make_map(sm, {});
  }
  std::vector<std::string> trap_ids;
  for (auto k : s.order) {
    FittedTouchpoint t;
    t.id = s.tp_id[k];
    t.name = s.tp_names.name(k);
    t.channel = best_channel[k].second != kNone ? s.channel_names[best_channel[k].second] : "unknown";
    t.visits = s.train.visits[k];
    t.friction_visits = s.train.fr_visits[k];
    t.has_status = s.has_status;
    if (s.has_status) t.friction = beta_posterior(t.friction_visits, t.visits);
    std::vector<std::string> extra;
    if (!reaches[k]) {
      extra.push_back(unobserved_id);
      trap_ids.push_back(t.id);
    }
    const RawMap empty;
    auto get = [&](bool fr) -> const RawMap& {
      auto it = raw.find((static_cast<std::uint64_t>(k) << 1) | (fr ? 1u : 0u));
      return it == raw.end() ? empty : it->second;
    };
    t.split = split[k];
    if (t.split) {
      t.ok = make_map(get(false), extra);
      t.fr = make_map(get(true), extra);
    } else {
      // Pooled over ok and friction visits.
      RawMap pooled;
      std::map<std::string, double> acc;
      for (bool fr : {false, true})
        for (const auto& [id, c] : get(fr).t) acc[id] += c;
      for (const auto& [id, c] : acc) pooled.t.emplace_back(id, c), pooled.total += c;
      std::sort(pooled.t.begin(), pooled.t.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
      });
      t.ok = make_map(pooled, extra);
    }
    // Durations.
    const DurationStats& d0 = s.train.dur[0][k];
    const DurationStats& d1 = s.train.dur[1][k];
    t.dur_split = s.has_status && d0.total() >= 5 && d1.total() >= 5;
    if (t.dur_split) {
      t.dur_ok = fit_durations(d0, s.dchoice, s.unit_s);
      t.dur_fr = fit_durations(d1, s.dchoice, s.unit_s);
    } else {
      DurationStats pooled = d0;
      pooled.merge(d1);
      t.dur_ok = fit_durations(pooled, s.dchoice, s.unit_s);
    }
    s.tp_index[k] = static_cast<int>(s.m.touchpoints.size());
    s.m.touchpoints.push_back(std::move(t));
  }
  // Outcomes.
  for (std::uint32_t k = 0; k < O; ++k) {
    if (s.oc_id[k].empty()) continue;
    FittedOutcome oc;
    oc.id = s.oc_id[k];
    oc.name = s.oc_names.name(k);
    auto kit = o.outcome_kinds.find(oc.name);
    if (kit == o.outcome_kinds.end()) kit = o.outcome_kinds.find(oc.id);
    oc.kind = kit != o.outcome_kinds.end() ? kit->second : oc.id;
    auto vit = s.values.find(oc.name);
    if (vit == s.values.end()) vit = s.values.find(oc.id);
    oc.value = vit != s.values.end() ? vit->second : 0.0;
    oc.count = s.train.outcome_count[k];
    s.m.outcomes.push_back(std::move(oc));
  }
  s.data_outcomes = s.m.outcomes.size();
  if (need_unobserved) {
    s.m.outcomes.push_back({unobserved_id, "(no exit observed)", "unobserved", 0.0, 0.0});
    s.warn(
        fmt::format("no exit was ever observed from {} (only censored journeys pass there): an outcome '{}' with "
                    "prior-only probability was added so that the model has no trap",
                    core::quoted_list(trap_ids), unobserved_id));
  }
  {
    // The kinds must fit the results tables (model::kKindColumnBudget), or the
    // fitted journey would not validate (and a run could not write it).
    std::set<std::string> kinds;
    for (const auto& oc : s.m.outcomes) kinds.insert(oc.kind);
    const std::size_t cost = model::kind_column_cost({kinds.begin(), kinds.end()});
    if (cost > model::kKindColumnBudget)
      throw core::InputError(fmt::format(
          "{}: the data have {} distinct outcome kinds, too many for a journey's results tables ((name length + {}) "
          "summed over the kinds and 'timeout' is {}, more than {}: about 190 kinds of 10 characters); merge outcomes "
          "into fewer kinds with --outcome-kind OUTCOME=KIND[,...]",
          o.events.empty() ? o.paths : o.events, kinds.size(), model::kKindColumnCost, cost, model::kKindColumnBudget));
  }

  for (auto k : s.order) {
    double exits = 0;
    for (bool fr : {false, true}) {
      auto it = raw.find((static_cast<std::uint64_t>(k) << 1) | (fr ? 1u : 0u));
      if (it == raw.end()) continue;
      for (const auto& [id, c] : it->second.t)
        for (const auto& oc : s.m.outcomes)
          if (oc.id == id) exits += c;
    }
    s.exits.push_back(exits);
    s.started.push_back(s.train.start[k]);
  }
}

// Segments of the event log (docs/calibration.md, "Segments"; maths:
// docs/methods/calibration.md, section 10). One fitted segment per segment
// id of the events, its share the share of the log's customers; its
// retention the retention file's segment of the same name (a retention file
// without a segment column: the pooled fit for every segment). A touchpoint's
// friction becomes a segment override for every segment when the
// likelihood-ratio test of equal friction over the segments rejects at 1%.
void fit_segments(State& s) {
  if (s.seg_train.empty()) return;
  std::string& sum = s.res.summary;
  std::map<std::string, double> customers;
  for (const auto& [c, g] : s.customer_segment) customers[g] += 1.0;
  double total = 0;
  for (const auto& [g, n] : customers) total += n;

  // The join with the retention segments, by name.
  const std::vector<FittedSegment> retention = s.m.segments;
  const bool pooled_retention = retention.size() == 1 && retention[0].name == "all" && !s.seg_train.count("all");
  std::uint64_t one_file_only = 0;
  std::vector<FittedSegment> out;
  IdMaker seg_ids;
  for (const auto& [name, agg] : s.seg_train) {
    FittedSegment seg;
    const std::string& seg_name = name;  // clang 14 cannot capture a structured binding
    auto r = std::find_if(retention.begin(), retention.end(),
                          [&seg_name](const FittedSegment& x) { return x.name == seg_name; });
    if (pooled_retention) r = retention.begin();
    if (r != retention.end()) {
      seg = *r;
    } else {
      seg.s0_sd = s.o.satisfaction0_sd;
      if (!retention.empty()) {
        ++one_file_only;
        s.warn(
            fmt::format("segment '{}' is in the event log but not in the retention file: it gets no retention", name));
      }
    }
    seg.name = name;
    seg.id = seg_ids.make(name);
    seg.customers = customers.count(name) ? customers.at(name) : 0.0;
    seg.share = total > 0 ? seg.customers / total : 0.0;
    seg.share_se = total > 0 ? std::sqrt(seg.share * (1 - seg.share) / total) : 0.0;
    seg.share_from_events = true;
    out.push_back(std::move(seg));
  }
  if (!pooled_retention) {
    for (const auto& r : retention) {
      if (s.seg_train.count(r.name)) continue;
      ++one_file_only;
      s.warn(fmt::format("segment '{}' is in the retention file but not in the event log: it is not written", r.name));
    }
  }
  if (one_file_only) s.dqa("segments", "in_one_file_only", static_cast<double>(one_file_only));

  // Every segment's override of touchpoint `tp` (appended when new).
  auto override_of = [](FittedSegment& seg, const std::string& tp) -> FittedOverride& {
    for (auto& ov : seg.overrides)
      if (ov.touchpoint == tp) return ov;
    seg.overrides.emplace_back();
    seg.overrides.back().touchpoint = tp;
    return seg.overrides.back();
  };
  std::vector<std::map<std::uint64_t, RawMap>> seg_raw;
  for (const auto& [name, agg] : s.seg_train) seg_raw.push_back(raw_maps(s, agg));
  const std::map<std::uint64_t, RawMap> pooled_raw = raw_maps(s, s.train);
  // A segment's counts on the pooled map's targets (the order of `targets`).
  auto counts_on = [](const RawMap& rm, const std::vector<FittedTarget>& targets) {
    std::vector<double> c(targets.size(), 0.0);
    for (const auto& [id, w] : rm.t)
      for (std::size_t j = 0; j < targets.size(); ++j)
        if (targets[j].id == id) c[j] += w;
    return c;
  };
  // The segment's map over the pooled map's targets: its counts plus --prior
  // on each target the pooled data saw (0 with --prior 0: its own
  // frequencies), the pooled map's prior-only targets ('unobserved') as there.
  auto segment_map = [&s](const FittedMap& pooled, const std::vector<double>& c) {
    RawMap rm;
    std::vector<std::string> extra;
    for (std::size_t j = 0; j < pooled.targets.size(); ++j) {
      if (pooled.targets[j].count > 0) rm.t.emplace_back(pooled.targets[j].id, c[j]), rm.total += c[j];
      else extra.push_back(pooled.targets[j].id);
    }
    return dirichlet_map(rm, extra, s.o.prior);
  };
  const RawMap no_raw;
  auto raw_of = [&no_raw](const std::map<std::uint64_t, RawMap>& raw, std::uint32_t k, bool fr) -> const RawMap& {
    auto it = raw.find((static_cast<std::uint64_t>(k) << 1) | (fr ? 1u : 0u));
    return it == raw.end() ? no_raw : it->second;
  };
  // A (segment) next map pooled over ok and friction visits, as fit_journey
  // does for a touchpoint whose next map is not split.
  auto pooled_status = [&raw_of](const std::map<std::uint64_t, RawMap>& raw, std::uint32_t k) {
    RawMap out;
    for (bool fr : {false, true})
      for (const auto& [id, c] : raw_of(raw, k, fr).t) out.t.emplace_back(id, c), out.total += c;
    return out;
  };

  // Start maps: the segments x start targets table.
  std::size_t start_overrides = 0, next_overrides = 0, duration_overrides = 0;
  if (out.size() > 1) {
    std::vector<std::vector<double>> tab;
    for (const auto& [name, agg] : s.seg_train) {
      RawMap rm;
      for (auto k : s.order)
        if (k < agg.start.size() && agg.start[k] > 0) rm.t.emplace_back(s.tp_id[k], agg.start[k]);
      tab.push_back(counts_on(rm, s.m.start.targets));
    }
    const SegmentTest t = homogeneity_test(tab);
    if (t.p_value < kSegmentTestLevel) {
      for (std::size_t g = 0; g < out.size(); ++g) {
        out[g].has_start = true;
        out[g].start = segment_map(s.m.start, tab[g]);
        out[g].start_test = t;
        ++start_overrides;
      }
    }
  }

  // Friction: G^2 = 2 sum_g [f log(f / (n p)) + (n - f) log((n - f) / (n (1 - p)))], df = groups - 1.
  std::size_t overrides = 0;
  for (auto k : s.order) {
    if (!(s.has_status && out.size() > 1)) break;
    const double n = s.train.visits[k], f = s.train.fr_visits[k];
    if (!(n > 0)) continue;
    const double p = f / n;
    double g2 = 0;
    int groups = 0;
    for (const auto& [name, agg] : s.seg_train) {
      const double ng = k < agg.visits.size() ? agg.visits[k] : 0.0;
      const double fg = k < agg.fr_visits.size() ? agg.fr_visits[k] : 0.0;
      if (!(ng > 0)) continue;
      ++groups;
      if (fg > 0) g2 += 2 * fg * std::log(fg / (ng * p));
      if (ng - fg > 0) g2 += 2 * (ng - fg) * std::log((ng - fg) / (ng * (1 - p)));
    }
    if (groups < 2) continue;
    const double pv = boost::math::gamma_q(0.5 * (groups - 1), 0.5 * std::max(0.0, g2));
    if (!(pv < kSegmentTestLevel)) continue;
    std::size_t g = 0;
    for (const auto& [name, agg] : s.seg_train) {
      FittedOverride ov;
      ov.touchpoint = s.tp_id[k];
      ov.has_friction = true;
      ov.visits = k < agg.visits.size() ? agg.visits[k] : 0.0;
      ov.friction_visits = k < agg.fr_visits.size() ? agg.fr_visits[k] : 0.0;
      ov.friction = beta_posterior(ov.friction_visits, ov.visits);
      ov.g2 = g2;
      ov.p_value = pv;
      if (ov.visits > 0) out[g].overrides.push_back(ov), ++overrides;
      ++g;
    }
  }

  // Next maps and durations, per touchpoint (the pooled form: split by
  // status or not, as the touchpoint).
  for (auto k : s.order) {
    if (out.size() < 2) break;
    const FittedTouchpoint& tp = s.m.touchpoints[static_cast<std::size_t>(s.tp_index[k])];
    {
      std::vector<std::vector<std::vector<double>>> tabs(tp.split ? 2 : 1);
      SegmentTest t;
      for (std::size_t m = 0; m < tabs.size(); ++m) {
        const FittedMap& pooled = m == 0 ? tp.ok : tp.fr;
        for (const auto& raw : seg_raw)
          tabs[m].push_back(counts_on(tp.split ? raw_of(raw, k, m == 1) : pooled_status(raw, k), pooled.targets));
        const SegmentTest tm = homogeneity_test(tabs[m]);
        t.g2 += tm.g2;
        t.df += tm.df;
      }
      if (t.df > 0) t.p_value = boost::math::gamma_q(0.5 * t.df, 0.5 * t.g2);
      if (t.df > 0 && t.p_value < kSegmentTestLevel) {
        for (std::size_t g = 0; g < out.size(); ++g) {
          double total = 0;
          for (const auto& tab : tabs)
            for (double c : tab[g]) total += c;
          if (!(total > 0)) continue;  // the segment never left it: the pooled map stands
          FittedOverride& ov = override_of(out[g], tp.id);
          ov.has_next = true;
          ov.next_split = tp.split;
          ov.next_ok = segment_map(tp.ok, tabs[0][g]);
          if (tp.split) ov.next_fr = segment_map(tp.fr, tabs[1][g]);
          ov.next_test = t;
          ++next_overrides;
        }
      }
    }
    {
      // Durations: per status when the touchpoint's are split, else pooled.
      std::vector<std::vector<DurationStats>> d(out.size());
      std::size_t g = 0;
      for (const auto& [name, agg] : s.seg_train) {
        DurationStats d0 = k < agg.dur[0].size() ? agg.dur[0][k] : DurationStats{};
        DurationStats d1 = k < agg.dur[1].size() ? agg.dur[1][k] : DurationStats{};
        if (tp.dur_split) {
          d[g] = {d0, d1};
        } else {
          d0.merge(d1);
          d[g] = {d0};
        }
        ++g;
      }
      SegmentTest t;
      for (std::size_t m = 0; m < (tp.dur_split ? 2u : 1u); ++m) {
        std::vector<const DurationStats*> groups;
        for (const auto& dg : d) groups.push_back(&dg[m]);
        const SegmentTest tm = log_mean_test(groups);
        t.g2 += tm.g2;
        t.df += tm.df;
      }
      if (t.df > 0) t.p_value = boost::math::gamma_q(0.5 * t.df, 0.5 * t.g2);
      if (t.df > 0 && t.p_value < kSegmentTestLevel) {
        for (std::size_t h = 0; h < out.size(); ++h) {
          if (!(d[h][0].total() > 0)) continue;
          FittedOverride& ov = override_of(out[h], tp.id);
          ov.has_duration = true;
          ov.dur_split = tp.dur_split;
          ov.dur_ok = fit_durations(d[h][0], s.dchoice, s.unit_s);
          if (tp.dur_split) ov.dur_fr = fit_durations(d[h][1], s.dchoice, s.unit_s);
          ov.dur_test = t;
          ++duration_overrides;
        }
      }
    }
  }
  sum += fmt::format("segments: {} in the event log ({} customers); friction overrides: {}\n", out.size(), total,
                     overrides);
  if (start_overrides + next_overrides + duration_overrides)
    sum += fmt::format("  start overrides: {}, next-map overrides: {}, duration overrides: {}\n", start_overrides,
                       next_overrides, duration_overrides);
  for (const auto& seg : out) {
    std::size_t fr = 0;
    for (const auto& ov : seg.overrides) fr += ov.has_friction;
    sum += fmt::format("  {:<12} share {:.4f} (se {:.4f}), {} friction override(s)\n", seg.id, seg.share, seg.share_se,
                       fr);
  }
  s.m.segments = std::move(out);
  fit_segment_deltas(s);
}

}  // namespace cxsim::calibrate::stages
