#include "cxsim/model/validate.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_set>

#include <fmt/format.h>

#include "cxsim/core/strings.h"
#include "cxsim/core/time.h"
#include "cxsim/model/digraph.h"
#include "cxsim/model/duration_family.h"
#include "cxsim/model/messages.h"

namespace cxsim::model {

using core::Diagnostics;
using core::fmt_number;

namespace {

class Checker {
 public:
  Checker(const JourneySpec& s, Diagnostics& d) : spec_(s), diags_(d), parse_errors_(d.has_errors()) {
    // Hashed ids: target lookups stay O(1), so validation is linear in the journey's size.
    for (const auto& t : s.touchpoints) tp_ids_.insert(t.id);
    for (const auto& o : s.outcomes) oc_ids_.insert(o.id);
  }
  bool is_touchpoint(const std::string& id) const { return tp_ids_.count(id) != 0; }
  bool is_outcome(const std::string& id) const { return oc_ids_.count(id) != 0; }

  void error(const std::string& path, std::string msg, std::string sug = {}) {
    diags_.error(spec_.locations.find(path), path, std::move(msg), std::move(sug));
  }
  // Placed at `loc_path` (e.g. the entry), reported under `path` (the map).
  void error_at(const std::string& loc_path, const std::string& path, std::string msg, std::string sug = {}) {
    diags_.error(spec_.locations.find(loc_path), path, std::move(msg), std::move(sug));
  }
  void warning(const std::string& path, std::string msg) {
    diags_.warning(spec_.locations.find(path), path, std::move(msg));
  }

  // An error the parser normally reports first; added only when it did not.
  void structural(const std::string& path, std::string msg) {
    if (!parse_errors_) error(path, std::move(msg));
  }

  void probability(double p, const std::string& path) {
    if (!(p >= 0.0 && p <= 1.0)) error(path, outside_unit_interval("probability", p));
  }
  // NaN and infinities (reachable through chained scenario changes) fail
  // every range rule: each check is written so that they cannot slip past.
  void non_negative(double x, const std::string& path, const char* what) {
    if (!std::isfinite(x)) error(path, must_be_finite(what, x));
    else if (x < 0) error(path, must_be_at_least(what, 0, x));
  }
  // `capacity` (MODEL.md section 11): servers a whole number in
  // [1, kMaxServers], period_length in (0, kMaxDuration], service a duration.
  void capacity(const CapacitySpec& c, const std::string& path) {
    const double n = c.servers;
    if (!std::isfinite(n) || n != std::floor(n))
      error(path + ".servers", fmt::format("servers must be a whole number of servers, got {}", Shown(n).str()));
    else if (n < 1 || n > kMaxServers) error(path + ".servers", must_be_between("servers", 1, kMaxServers, n));
    const double L = c.period_length;
    if (!std::isfinite(L) || !(L > 0)) error(path + ".period_length", must_be_greater("period_length", 0, L));
    else if (L > kMaxDuration)
      error(path + ".period_length", fmt::format("period_length must be at most {} (time units), got {}",
                                                 Shown(kMaxDuration).str(), Shown(L).str()));
    distribution(c.service, path + ".service");
  }
  // Any finite number (satisfaction deltas, outcome values, ...).
  void finite(double x, const std::string& path, const char* what) {
    if (!std::isfinite(x)) error(path, must_be_finite(what, x));
  }

  // The sBG churn parameters (segment or top-level): both > 0.
  void retention_params(const RetentionParams& r, const std::string& path) {
    if (!(r.alpha > 0)) error(path + ".alpha", must_be_greater("alpha", 0, r.alpha));
    else finite(r.alpha, path + ".alpha", "alpha");
    if (!(r.beta > 0)) error(path + ".beta", must_be_greater("beta", 0, r.beta));
    else finite(r.beta, path + ".beta", "beta");
  }

  // Journey frequency: probability in (0, 1], or Beta(alpha, beta) with both > 0.
  void engagement(const Engagement& e, const std::string& path) {
    if (e.probability) {
      const double p = *e.probability;
      if (!(p > 0 && p <= 1)) error(path + ".probability", must_be_in_unit_interval("probability", p, true));
    } else {
      retention_params(RetentionParams{e.alpha, e.beta}, path);
    }
  }

  void distribution(const DurationSpec& d, const std::string& path) {
    for (auto& p : duration_problems(d)) error(path + "." + p.param, std::move(p.message));
  }

  void durations(const OkFriction<DurationSpec>& d, const std::string& path) {
    if (d.ok == d.friction) {
      distribution(d.ok, path);
    } else {
      distribution(d.ok, path + ".ok");
      distribution(d.friction, path + ".friction");
    }
  }

  // A {target: p} map whose targets must be in `allowed`.
  void transition_map(const TransitionMap& m, const std::string& path, bool touchpoints_only) {
    double sum = 0;
    bool ranges_ok = true;
    for (const auto& [target, p] : m) {
      const std::string kp = path + "." + target;
      sum += p;
      if (!(p >= 0.0 && p <= 1.0)) {
        probability(p, kp);
        ranges_ok = false;
        targets_ok_ = false;  // the graph would drop or misread this edge
      }
      const bool is_tp = is_touchpoint(target);
      const bool is_oc = is_outcome(target);
      if (target == "timeout" && !is_tp && !is_oc) {
        error(kp, "'timeout' is reserved for walks that reach max_steps; it cannot be a target");
        targets_ok_ = false;
        continue;
      }
      if (touchpoints_only) {
        if (is_oc) {
          error(kp, fmt::format("start must name touchpoints; '{}' is an outcome", target));
          targets_ok_ = false;
        } else if (!is_tp) {
          // With no touchpoints at all the parser has already said so; every
          // name here would be "unknown" for that one reason.
          if (!spec_.touchpoints.empty())
            error_at(kp, path, fmt::format("unknown touchpoint '{}'", target),
                     core::did_you_mean(target, spec_.touchpoint_ids()));
          targets_ok_ = false;
        }
      } else if (!is_tp && !is_oc) {
        // Likewise with no outcomes: a missing section, not a typo.
        if (!spec_.outcomes.empty())
          error_at(kp, path, fmt::format("unknown target '{}'", target), core::did_you_mean(target, spec_.node_ids()));
        targets_ok_ = false;
      }
    }
    if (ranges_ok && std::fabs(sum - 1.0) > kProbabilityTolerance) {
      error(path, fmt::format("probabilities sum to {}, expected 1 (tolerance 1e-9)", fmt_number(sum)));
      targets_ok_ = false;
    }
  }

  void next(const NextSpec& n, const std::string& path) {
    if (n.split) {
      transition_map(n.ok, path + ".ok", false);
      transition_map(n.friction, path + ".friction", false);
    } else {
      transition_map(n.ok, path, false);
    }
  }

  void baseline(const ScaleSpec& s, const std::string& path, const char* what) {
    const std::string bp = path + ".baseline";
    if (s.baseline.empty()) {
      error(path, fmt::format("{} with scale {} has no default baseline; give 'baseline' as {} probabilities "
                              "(defaults exist for {})",
                              what, s.scale, s.scale, std::string(what) == "csat" ? "scale 5" : "scales 5 and 7"));
      return;
    }
    if (static_cast<int>(s.baseline.size()) != s.scale) {
      error(bp, fmt::format("has {} probabilities, expected {} (one per score)", s.baseline.size(), s.scale));
      return;
    }
    double sum = 0;
    bool ok = true;
    for (std::size_t i = 0; i < s.baseline.size(); ++i) {
      if (!(s.baseline[i] >= 0 && s.baseline[i] <= 1)) {
        probability(s.baseline[i], fmt::format("{}[{}]", bp, i));
        ok = false;
      }
      sum += s.baseline[i];
    }
    if (ok && std::fabs(sum - 1.0) > 1e-6)
      error(bp, fmt::format("probabilities sum to {}, expected 1", fmt_number(sum)));
    if (!std::isfinite(s.slope)) error(path + ".slope", "slope must be finite");
  }

  // `waiting: {tolerance, satisfaction_per_unit}` at `path` (a touchpoint's or a segment override's).
  void waiting(const WaitingSpec& w, const std::string& path) {
    const double t = w.tolerance;
    if (!(t >= 0)) error(path + ".tolerance", must_be_at_least("waiting tolerance", 0, t));
    else if (!(t <= kMaxDuration))
      error(path + ".tolerance", fmt::format("waiting tolerance must be at most {} (time units), got {}",
                                             Shown(kMaxDuration).str(), Shown(t).str()));
    finite(w.satisfaction_per_unit, path + ".satisfaction_per_unit", "satisfaction_per_unit");
  }

  void run() {
    const auto& s = spec_;
    if (!core::find_time_unit(s.time_unit)) {
      const auto units = core::time_unit_names();
      std::string sug = core::did_you_mean(s.time_unit, units);
      std::string msg = fmt::format("unknown time unit '{}'", s.time_unit);
      if (sug.empty()) msg += fmt::format("; expected one of {}", core::quoted_list(units));
      error("time_unit", msg, sug);
    }
    if (s.max_steps < 1) error("max_steps", must_be_at_least("", 1, s.max_steps));

    non_negative(s.channel_switch.effort, "channel_switch.effort", "effort");
    finite(s.channel_switch.satisfaction, "channel_switch.satisfaction", "satisfaction");

    // Structure. The parser reports a missing or empty section with its
    // location; these checks guard specs that did not come from a file.
    if (s.start.empty()) structural("start", "missing required key 'start'");
    if (s.touchpoints.empty()) structural("touchpoints", "a journey needs at least one touchpoint");
    if (s.outcomes.empty()) structural("outcomes", "a journey needs at least one outcome");

    if (!s.start.empty()) transition_map(s.start, "start", true);

    for (const auto& tp : s.touchpoints) {
      const std::string& id = tp.id;
      probability(tp.friction, id + ".friction");
      non_negative(tp.effort.ok, id + ".effort.ok", "effort");
      non_negative(tp.effort.friction, id + ".effort.friction", "effort");
      non_negative(tp.cost, id + ".cost", "cost");
      finite(tp.satisfaction.ok, id + ".satisfaction.ok", "satisfaction");
      finite(tp.satisfaction.friction, id + ".satisfaction.friction", "satisfaction");
      durations(tp.duration, id + ".duration");
      if (tp.waiting) waiting(*tp.waiting, id + ".waiting");
      if (tp.patience) distribution(*tp.patience, id + ".patience");
      if (tp.capacity) capacity(*tp.capacity, id + ".capacity");
      if (!tp.next.ok.empty()) {
        next(tp.next, id + ".next");
      } else {
        // No usable `next` (missing or unparsable: already reported). The
        // graph would see a dead end and call it a trap; skip the graph.
        structural(id + ".next", fmt::format("touchpoint '{}' has no 'next'", id));
        targets_ok_ = false;
      }
    }
    std::set<std::string> kinds;
    for (const auto& oc : s.outcomes) {
      finite(oc.value, oc.id + ".value", "value");
      if (!oc.kind.empty()) kinds.insert(oc.kind);
      if (oc.kind.empty()) error(oc.id + ".kind", "kind must not be empty");
      if (oc.kind == "timeout") error(oc.id + ".kind", "kind 'timeout' is reserved for walks that reach max_steps");
      for (char c : oc.kind)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) {
          error(oc.id + ".kind", fmt::format("kind '{}' may use letters, digits, '_' and '-' only "
                                             "(it becomes the metric name share_{})",
                                             oc.kind, oc.kind));
          break;
        }
    }
    // Too many (or too long) kinds for the results tables' column lists
    // (kKindColumnBudget): refused here rather than failing after a run.
    if (const std::size_t cost = kind_column_cost({kinds.begin(), kinds.end()}); cost > kKindColumnBudget)
      error("outcomes",
            fmt::format("{} distinct outcome kinds are too many for the results tables: (name length + {}) summed "
                        "over them and 'timeout' is {}, more than {} (about 190 kinds of 10 characters, or 113 of 64); "
                        "let outcomes share kinds, or shorten the kind names",
                        kinds.size(), kKindColumnCost, cost, kKindColumnBudget));
    // Which way is better, per kind: outcomes of one kind that declare `good`
    // must agree; a kind with no direction (not declared, not a well-known
    // name) is a warning, since rankings and reports then cannot call it.
    std::map<std::string, const OutcomeSpec*> declared;
    for (const auto& oc : s.outcomes) {
      if (!oc.good) continue;
      auto [it, fresh] = declared.emplace(oc.kind, &oc);
      if (!fresh && *it->second->good != *oc.good)
        error(oc.id + ".good", fmt::format("kind '{}' is declared good: {} here but good: {} by outcome '{}'; "
                                           "outcomes of one kind must agree (declare it once)",
                                           oc.kind, *oc.good, *it->second->good, it->second->id));
    }
    std::set<std::string> undirected;
    for (const auto& oc : s.outcomes)
      if (!oc.kind.empty() && s.kind_direction(oc.kind) == kNoDirection && undirected.insert(oc.kind).second)
        warning(oc.id + ".kind",
                fmt::format("kind '{}' has no direction: add good: true (more walks ending here is better) or "
                            "good: false; until then rankings leave share_{} unranked and reports do not colour it",
                            oc.kind, oc.kind));

    // Segments.
    double share_sum = 0;
    bool shares_ok = true;
    for (const auto& seg : s.segments) {
      const std::string base = "segments." + seg.id;
      if (!(seg.share >= 0 && seg.share <= 1)) {
        error(base + ".share", outside_unit_interval("share", seg.share));
        shares_ok = false;
      }
      share_sum += seg.share;
      finite(seg.satisfaction0_mean, base + ".satisfaction0.mean", "mean");
      non_negative(seg.satisfaction0_sd, base + ".satisfaction0.sd", "sd");
      if (seg.retention) retention_params(*seg.retention, base + ".retention");
      if (seg.start) transition_map(*seg.start, base + ".overrides.start", true);
      if (seg.engagement) engagement(*seg.engagement, base + ".engagement");
      for (const auto& [tp_id, o] : seg.overrides) {
        const std::string op = base + ".overrides." + tp_id;
        if (!is_touchpoint(tp_id)) {
          const bool is_oc = is_outcome(tp_id);
          error(op,
                is_oc ? fmt::format("'{}' is an outcome; only touchpoints can be overridden", tp_id)
                      : fmt::format("unknown touchpoint '{}'", tp_id),
                is_oc ? std::string() : core::did_you_mean(tp_id, s.touchpoint_ids()));
          continue;
        }
        if (o.friction) probability(*o.friction, op + ".friction");
        if (o.satisfaction) {
          finite(o.satisfaction->ok, op + ".satisfaction.ok", "satisfaction");
          finite(o.satisfaction->friction, op + ".satisfaction.friction", "satisfaction");
        }
        if (o.effort) {
          non_negative(o.effort->ok, op + ".effort.ok", "effort");
          non_negative(o.effort->friction, op + ".effort.friction", "effort");
        }
        if (o.duration) durations(*o.duration, op + ".duration");
        if (o.next) next(*o.next, op + ".next");
        if (o.waiting) waiting(*o.waiting, op + ".waiting");
        if (o.patience) distribution(*o.patience, op + ".patience");
      }
    }
    if (shares_ok && s.segments_given && std::fabs(share_sum - 1.0) > kProbabilityTolerance)
      error("segments", fmt::format("segment shares sum to {}, expected 1 (tolerance 1e-9)", fmt_number(share_sum)));

    // Survey.
    const auto& sv = s.survey;
    if (!(sv.response_rate > 0 && sv.response_rate <= 1))
      error("survey.response.rate", must_be_in_unit_interval("response rate", sv.response_rate, true));
    finite(sv.response_extremity, "survey.response.extremity", "extremity");
    baseline(sv.nps, "survey.nps", "nps");
    for (auto [sc, name] : {std::pair{&sv.csat, "csat"}, std::pair{&sv.ces, "ces"}}) {
      if (!sc->present) continue;
      const std::string p = std::string("survey.") + name;
      if (sc->scale < 2 || sc->scale > 101) {
        error(p + ".scale", must_be_between("scale", 2, 101, sc->scale));
        continue;
      }
      baseline(*sc, p, name);
    }
    if (sv.cx_index.present) {
      const auto& cx = sv.cx_index;
      const std::string p = "survey.cx_index";
      non_negative(cx.effectiveness, p + ".effectiveness", "weight");
      non_negative(cx.ease, p + ".ease", "weight");
      non_negative(cx.emotion, p + ".emotion", "weight");
      if (cx.effectiveness + cx.ease + cx.emotion == 0)
        error(p, "the CX index weights are all 0: give effectiveness, ease or emotion a positive weight");
      if (cx.ease > 0 && !sv.ces.present)
        error(p + ".ease", "ease is measured by CES: add a survey.ces section, or set ease: 0");
      bool any_good = false;
      for (const auto& o : s.outcomes) any_good = any_good || s.kind_direction(o.kind) > 0;
      if (cx.effectiveness > 0 && !any_good && !s.outcomes.empty())
        error(p + ".effectiveness",
              "effectiveness counts walks that end in a good outcome kind, and no kind is good: declare "
              "good: true on an outcome, or set effectiveness: 0");
    }

    // Retention.
    const auto& rt = s.retention;
    if (!(rt.carryover >= 0 && rt.carryover <= 1))
      error("retention.carryover", must_be_in_unit_interval("carryover", rt.carryover));
    if (rt.default_params) retention_params(*rt.default_params, "retention");
    finite(rt.sensitivity, "retention.sensitivity", "sensitivity");

    // Population (optional in a journey).
    const auto& pop = s.population;
    if (pop.customers && *pop.customers < 1) error("population.customers", must_be_at_least("", 1, *pop.customers));
    else if (pop.customers && *pop.customers > kMaxCustomers)
      error("population.customers", must_be_between("", 1, kMaxCustomers, *pop.customers) + kMaxCustomersNote);
    if (pop.periods && *pop.periods < 1) error("population.periods", must_be_at_least("", 1, *pop.periods));
    if (pop.discount_rate && !(*pop.discount_rate > -1))
      error("population.discount_rate", must_be_greater("", -1, *pop.discount_rate));
    else if (pop.discount_rate) finite(*pop.discount_rate, "population.discount_rate", "");

    const bool graph_inputs_ok = targets_ok_ && !s.start.empty() && !s.touchpoints.empty() && !s.outcomes.empty();
    if (graph_inputs_ok) check_graph(s, diags_);
  }

 private:
  const JourneySpec& spec_;
  Diagnostics& diags_;
  bool parse_errors_ = false;
  bool targets_ok_ = true;
  std::unordered_set<std::string> tp_ids_, oc_ids_;
};

// Vertices: touchpoints 0..T-1, outcomes T..T+O-1, a virtual source T+O;
// an edge for every target of positive probability on a branch that can be
// taken (the friction branch only when friction > 0, the ok branch only when
// friction < 1).
Digraph build_graph(const JourneySpec& spec, std::size_t seg) {
  const std::size_t T = spec.touchpoints.size(), O = spec.outcomes.size();
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < T; ++i) index[spec.touchpoints[i].id] = i;
  for (std::size_t i = 0; i < O; ++i) index[spec.outcomes[i].id] = T + i;
  Digraph g(T + O + 1);
  auto add_map = [&](std::size_t from, const TransitionMap& m) {
    for (const auto& [target, p] : m) {
      auto it = index.find(target);
      if (it != index.end() && p > 0) g.add_edge(from, it->second);
    }
  };
  add_map(T + O, effective_start(spec, seg));
  for (std::size_t k = 0; k < T; ++k) {
    const TouchpointSpec tp = effective_touchpoint(spec, seg, k);
    if (!tp.next.split) {
      add_map(k, tp.next.ok);
    } else {
      if (tp.friction < 1) add_map(k, tp.next.ok);
      if (tp.friction > 0) add_map(k, tp.next.friction);
    }
  }
  return g;
}

}  // namespace

std::vector<bool> reachable_touchpoints(const JourneySpec& spec, std::size_t seg) {
  const std::size_t T = spec.touchpoints.size(), O = spec.outcomes.size();
  auto r = build_graph(spec, seg).reachable_from({T + O});
  r.resize(T);
  return r;
}

void check_graph(const JourneySpec& spec, Diagnostics& diags) {
  const std::size_t T = spec.touchpoints.size(), O = spec.outcomes.size();
  std::vector<bool> ever_reached(T + O, false);
  std::vector<bool> terminal(T + O + 1, false);
  for (std::size_t v = T; v < T + O; ++v) terminal[v] = true;
  std::set<std::vector<std::size_t>> reported;
  for (std::size_t seg = 0; seg < spec.segments.size(); ++seg) {
    const Digraph g = build_graph(spec, seg);
    const auto reach = g.reachable_from({T + O});
    for (std::size_t v = 0; v < T + O; ++v)
      if (reach[v]) ever_reached[v] = true;

    // A closed class of touchpoints (no edge leaves it, no outcome in it) is
    // a trap: walks that enter never end.
    for (auto members : g.closed_classes(terminal)) {
      std::erase_if(members, [T](std::size_t v) { return v >= T; });  // the virtual source alone
      if (members.empty()) continue;
      if (!reach[members.front()]) continue;  // unreachable: a warning below
      if (!reported.insert(members).second) continue;
      std::vector<std::string> names;
      for (auto v : members) names.push_back(spec.touchpoints[v].id);
      const std::string& first = names.front();
      const std::string where = spec.segments_given && spec.segments.size() > 1
                                    ? fmt::format(" for segment '{}'", spec.segments[seg].id)
                                    : std::string();
      std::string msg;
      if (names.size() == 1)
        msg = fmt::format(
            "touchpoint '{}' is a trap{}: every walk that reaches it loops back to it and never "
            "reaches an outcome",
            first, where);
      else
        msg = fmt::format("touchpoints {} form a trap{}: walks that enter them never reach an outcome",
                          core::quoted_list(names), where);
      diags.error(spec.locations.find(first + ".next"), first + ".next", msg);
    }
  }
  for (std::size_t v = 0; v < T; ++v) {
    if (!ever_reached[v]) {
      const auto& id = spec.touchpoints[v].id;
      diags.warning(spec.locations.find(id), id, fmt::format("touchpoint '{}' is unreachable from start", id));
    }
  }
  for (std::size_t v = 0; v < O; ++v) {
    if (!ever_reached[T + v]) {
      const auto& id = spec.outcomes[v].id;
      diags.warning(spec.locations.find(id), id, fmt::format("outcome '{}' is never reached", id));
    }
  }
}

void validate(const JourneySpec& spec, Diagnostics& diags) {
  Checker c(spec, diags);
  c.run();
}

}  // namespace cxsim::model
