#include "cxsim/model/journey_spec.h"

#include <span>

namespace cxsim::model {

const std::vector<std::string>& reserved_ids() {
  static const std::vector<std::string> ids = {"timeout",   "baseline",       "start",       "segments", "survey",
                                               "retention", "channel_switch", "touchpoints", "outcomes", "population"};
  return ids;
}

std::vector<double> default_nps_baseline() {
  std::vector<double> b(11);
  for (int c = 0; c <= 6; ++c) b[c] = 0.30 / 7.0;
  for (int c = 7; c <= 8; ++c) b[c] = 0.35 / 2.0;
  for (int c = 9; c <= 10; ++c) b[c] = 0.35 / 2.0;
  return b;
}

std::vector<double> default_csat_baseline(int scale) {
  if (scale == 5) return {0.05, 0.10, 0.20, 0.40, 0.25};
  return {};
}

std::vector<double> default_ces_baseline(int scale) {
  if (scale == 7) return {0.04, 0.06, 0.10, 0.20, 0.25, 0.20, 0.15};
  if (scale == 5) return {0.05, 0.10, 0.25, 0.35, 0.25};
  return {};
}

const TouchpointSpec* JourneySpec::find_touchpoint(const std::string& id) const {
  for (const auto& t : touchpoints)
    if (t.id == id) return &t;
  return nullptr;
}

TouchpointSpec* JourneySpec::find_touchpoint(const std::string& id) {
  for (auto& t : touchpoints)
    if (t.id == id) return &t;
  return nullptr;
}

const OutcomeSpec* JourneySpec::find_outcome(const std::string& id) const {
  for (const auto& o : outcomes)
    if (o.id == id) return &o;
  return nullptr;
}

const SegmentSpec* JourneySpec::find_segment(const std::string& id) const {
  for (const auto& s : segments)
    if (s.id == id) return &s;
  return nullptr;
}

std::vector<std::string> JourneySpec::touchpoint_ids() const {
  std::vector<std::string> v;
  for (const auto& t : touchpoints) v.push_back(t.id);
  return v;
}

std::vector<std::string> JourneySpec::outcome_ids() const {
  std::vector<std::string> v;
  for (const auto& o : outcomes) v.push_back(o.id);
  return v;
}

std::vector<std::string> JourneySpec::node_ids() const {
  auto v = touchpoint_ids();
  auto o = outcome_ids();
  v.insert(v.end(), o.begin(), o.end());
  return v;
}

int JourneySpec::kind_direction(std::string_view kind) const {
  for (const auto& o : outcomes)
    if (o.kind == kind && o.good) return *o.good ? kHigherBetter : kLowerBetter;
  return default_kind_direction(kind);
}

namespace {
// kHigherBetter for a name in `higher`, kLowerBetter for one in `lower`, else kNoDirection.
int listed_direction(std::string_view name, std::span<const std::string_view> higher,
                     std::span<const std::string_view> lower) {
  for (auto h : higher)
    if (name == h) return kHigherBetter;
  for (auto l : lower)
    if (name == l) return kLowerBetter;
  return kNoDirection;
}
}  // namespace

std::size_t kind_column_cost(const std::vector<std::string>& distinct_kinds) {
  std::size_t cost = 0;
  bool timeout = false;
  for (const auto& k : distinct_kinds) {
    cost += k.size() + kKindColumnCost;
    timeout = timeout || k == "timeout";
  }
  if (!timeout) cost += std::string_view("timeout").size() + kKindColumnCost;
  return cost;
}

int default_kind_direction(std::string_view kind) {
  static constexpr std::string_view good[] = {"converted", "conversion", "purchased", "resolved",
                                              "retained",  "won",        "success"};
  static constexpr std::string_view bad[] = {"abandoned", "unresolved", "escalated", "churned",
                                             "failed",    "lost",       "timeout"};
  return listed_direction(kind, good, bad);
}

int metric_direction(std::string_view metric, const KindDirectionFn& kind_direction) {
  // Time to resolution (time_mean_<kind>, time_p90_<kind>): less is better.
  if (metric.starts_with("time_mean_") || metric.starts_with("time_p90_")) return kLowerBetter;
  if (metric.starts_with("share_"))
    return kind_direction ? kind_direction(metric.substr(6)) : default_kind_direction(metric.substr(6));
  static constexpr std::string_view higher[] = {"nps_true",
                                                "nps_measured",
                                                "csat_true",
                                                "csat_measured",
                                                "ces_true",
                                                "ces_measured",
                                                "cx_index_true",
                                                "cx_index_measured",
                                                "retention_final",
                                                "clv_mean",
                                                "net_value_mean",
                                                "satisfaction_change_mean",
                                                "recovery_succeeded_rate"};
  static constexpr std::string_view lower[] = {"effort_mean",    "time_mean",     "time_p50", "time_p90",
                                               "frictions_mean", "switches_mean", "cost_mean"};
  return listed_direction(metric, higher, lower);
}

TouchpointSpec effective_touchpoint(const JourneySpec& spec, std::size_t seg, std::size_t tp) {
  TouchpointSpec t = spec.touchpoints.at(tp);
  for (const auto& [id, o] : spec.segments.at(seg).overrides) {
    if (id != t.id) continue;
    if (o.friction) t.friction = *o.friction;
    if (o.satisfaction) t.satisfaction = *o.satisfaction;
    if (o.effort) t.effort = *o.effort;
    if (o.duration) t.duration = *o.duration;
    if (o.next) t.next = *o.next;
    if (o.waiting) t.waiting = *o.waiting;
    if (o.patience) t.patience = *o.patience;
  }
  return t;
}

const TransitionMap& effective_start(const JourneySpec& spec, std::size_t seg) {
  const auto& s = spec.segments.at(seg);
  return s.start ? *s.start : spec.start;
}

std::optional<RetentionParams> effective_retention(const JourneySpec& spec, std::size_t seg) {
  const auto& s = spec.segments.at(seg);
  if (s.retention) return s.retention;
  return spec.retention.default_params;
}

}  // namespace cxsim::model
