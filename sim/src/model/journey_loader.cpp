#include "cxsim/model/journey_loader.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"
#include "cxsim/model/duration_family.h"
#include "cxsim/model/messages.h"
#include "cxsim/model/uncertain.h"
#include "cxsim/model/validate.h"

namespace cxsim::model {

using core::Diagnostics;

namespace {

const std::vector<std::string> kTopKeys = {"journey",     "description", "time_unit",      "max_steps", "start",
                                           "touchpoints", "outcomes",    "channel_switch", "segments",  "survey",
                                           "retention",   "population",  "calibration"};
const std::vector<std::string> kTouchpointKeys = {"channel",      "stage",   "description", "friction",
                                                  "satisfaction", "effort",  "duration",    "cost",
                                                  "next",         "waiting", "patience",    "capacity"};
const std::vector<std::string> kOutcomeKeys = {"kind", "value", "good", "description"};
const std::vector<std::string> kSegmentKeys = {"share",     "description", "satisfaction0",
                                               "retention", "engagement",  "overrides"};
const std::vector<std::string> kOverrideKeys = {"friction", "satisfaction", "effort",  "duration",
                                                "next",     "waiting",      "patience"};
const std::vector<std::string> kOkFr = {"ok", "friction"};
constexpr long long kMaxSteps = 100000000;
constexpr long long kMaxPeriods = 65535;  // journey and scenario files (parse_population)

// Display path of a touchpoint/outcome field: "<id>.<field>" (the same path a
// scenario change uses).
std::string node_path(const std::string& id, const std::string& field = {}) {
  return field.empty() ? id : id + "." + field;
}

bool is_reserved(const std::string& id) {
  const auto& res = reserved_ids();
  return std::find(res.begin(), res.end(), id) != res.end();
}

bool check_id(NodeReader& r, const YAML::Node& key_node, const std::string& path, const std::string& id,
              const char* what) {
  if (id.empty()) {
    r.error(key_node, path, fmt::format("{} id is empty", what));
    return false;
  }
  if (auto problem = core::text_problem(id, core::TextRule::id)) {
    r.error(key_node, path, fmt::format("{} id '{}' {}; ids must be printable UTF-8 text", what, id, *problem));
    return false;
  }
  for (char c : id) {
    if (c == '.' || c == '[' || c == ']' || std::isspace(static_cast<unsigned char>(c))) {
      r.error(
          key_node, path,
          fmt::format("{} id '{}' contains {}; ids may not contain dots, brackets or spaces "
                      "(they are used in dotted paths)",
                      what, id,
                      std::isspace(static_cast<unsigned char>(c)) ? std::string("a space") : fmt::format("'{}'", c)));
      return false;
    }
  }
  const auto& res = reserved_ids();
  if (std::find(res.begin(), res.end(), id) != res.end()) {
    r.error(
        key_node, path,
        fmt::format("'{}' is a reserved name; choose another {} id (reserved: {})", id, what, core::quoted_list(res)));
    return false;
  }
  return true;
}

// `uncertain`: a touchpoint's satisfaction or effort, whose numbers may be
// `{estimate, sd}` (model/uncertain.h); null elsewhere (segment overrides):
// plain numbers only.
struct UncertainDelta {
  JourneySpec* spec;
  UncertainParam::Kind kind;
  std::string touchpoint;
};

std::optional<OkFriction<double>> parse_ok_friction(NodeReader& r, const YAML::Node& node, const std::string& path,
                                                    const UncertainDelta* uncertain = nullptr) {
  using Branch = UncertainParam::Branch;
  const auto number = [&](const YAML::Node& n, const std::string& p, Branch b) -> std::optional<double> {
    if (uncertain != nullptr && is_normal_form(n))
      return parse_normal_delta(r, n, p, uncertain->kind, b, uncertain->touchpoint, *uncertain->spec);
    return r.number(n, p);
  };
  if (node.IsScalar() || (uncertain != nullptr && is_normal_form(node))) {
    auto v = number(node, path, Branch::both);
    if (!v) return std::nullopt;
    return OkFriction<double>{*v, *v};
  }
  if (!r.expect_map(node, path, "{ok: number, friction: number} or a number")) return std::nullopt;
  r.check_keys(node, path, kOkFr);
  OkFriction<double> out;
  bool ok = true;
  if (node["ok"]) {
    if (auto v = number(node["ok"], path + ".ok", Branch::ok)) out.ok = *v;
    else ok = false;
  }
  if (node["friction"]) {
    if (auto v = number(node["friction"], path + ".friction", Branch::friction)) out.friction = *v;
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

// The split form {ok: X, friction: Y} of durations and next maps: both keys
// required, each parsed by `parse(r, node, path)`.
template <class T, class Parse>
std::optional<OkFriction<T>> parse_split(NodeReader& r, const YAML::Node& node, const std::string& path, Parse parse) {
  r.check_keys(node, path, kOkFr);
  r.require_keys(node, path, kOkFr);
  std::optional<T> a, b;
  if (node["ok"]) a = parse(r, node["ok"], path + ".ok");
  if (node["friction"]) b = parse(r, node["friction"], path + ".friction");
  if (!a || !b) return std::nullopt;
  return OkFriction<T>{std::move(*a), std::move(*b)};
}

std::optional<OkFriction<DurationSpec>> parse_duration(NodeReader& r, const YAML::Node& node, const std::string& path,
                                                       JourneySpec* spec = nullptr,
                                                       const std::string& touchpoint = {}) {
  if (node.IsMap() && (node["ok"] || node["friction"])) {
    return parse_split<DurationSpec>(r, node, path, [&](NodeReader& rr, const YAML::Node& n, const std::string& p) {
      const UncertainDuration u{spec, touchpoint,
                                p.size() > 3 && p.compare(p.size() - 3, 3, ".ok") == 0
                                    ? UncertainParam::Branch::ok
                                    : UncertainParam::Branch::friction};
      return parse_distribution(rr, n, p, spec != nullptr ? &u : nullptr);
    });
  }
  const UncertainDuration u{spec, touchpoint, UncertainParam::Branch::both};
  auto d = parse_distribution(r, node, path, spec != nullptr ? &u : nullptr);
  if (!d) return std::nullopt;
  return OkFriction<DurationSpec>{*d, *d};
}

std::optional<TransitionMap> parse_transition_map(NodeReader& r, const YAML::Node& node, const std::string& path) {
  if (!r.expect_map(node, path, "a mapping {target: probability, ...}")) return std::nullopt;
  auto entries = r.number_map(node, path, path);
  if (!entries) return std::nullopt;
  if (entries->empty()) {
    r.error(node, path, "is empty; expected at least one {target: probability}");
    return std::nullopt;
  }
  TransitionMap out;
  for (auto& e : *entries) out.emplace_back(std::move(e.key), e.value);
  return out;
}

// `spec`: where a Dirichlet form is recorded (null: not allowed here, e.g. a
// segment override).
std::optional<NextSpec> parse_next(NodeReader& r, const YAML::Node& node, const std::string& path,
                                   JourneySpec* spec = nullptr, const std::string& touchpoint = {}) {
  if (!r.expect_map(node, path, "a mapping {target: probability} or {ok: {...}, friction: {...}}")) return std::nullopt;
  const auto branch = [&](NodeReader& rr, const YAML::Node& n, const std::string& p,
                          UncertainParam::Kind kind) -> std::optional<TransitionMap> {
    if (!is_dirichlet_form(n)) return parse_transition_map(rr, n, p);
    if (spec == nullptr) {
      rr.error(n["dirichlet"], p + ".dirichlet", "a Dirichlet (uncertain next map) is not supported here yet");
      return std::nullopt;
    }
    return parse_dirichlet_map(rr, n, p, kind, touchpoint, *spec);
  };
  if (is_dirichlet_form(node)) {
    auto m = branch(r, node, path, UncertainParam::Kind::next_ok_dirichlet);
    if (!m) return std::nullopt;
    NextSpec out;
    out.ok = std::move(*m);
    return out;
  }
  bool any_map = false;
  for (auto it = node.begin(); it != node.end(); ++it)
    if (it->second.IsMap()) any_map = true;
  NextSpec out;
  if (any_map) {
    out.split = true;
    auto maps =
        parse_split<TransitionMap>(r, node, path, [&](NodeReader& rr, const YAML::Node& n, const std::string& p) {
          const bool fr = p.size() >= 9 && p.compare(p.size() - 9, 9, ".friction") == 0;
          return branch(rr, n, p,
                        fr ? UncertainParam::Kind::next_friction_dirichlet : UncertainParam::Kind::next_ok_dirichlet);
        });
    if (!maps) return std::nullopt;
    out.ok = std::move(maps->ok);
    out.friction = std::move(maps->friction);
    return out;
  }
  auto m = parse_transition_map(r, node, path);
  if (!m) return std::nullopt;
  out.ok = std::move(*m);
  return out;
}

// `waiting: {tolerance: t, satisfaction_per_unit: c}` (both optional, default 0).
std::optional<WaitingSpec> parse_waiting(NodeReader& r, const YAML::Node& node, const std::string& path) {
  if (!r.expect_map(node, path, "{tolerance: number, satisfaction_per_unit: number}")) return std::nullopt;
  r.check_keys(node, path, {"tolerance", "satisfaction_per_unit"});
  WaitingSpec w;
  bool ok = true;
  if (node["tolerance"]) {
    if (auto v = r.number(node["tolerance"], path + ".tolerance")) w.tolerance = *v;
    else ok = false;
  }
  if (node["satisfaction_per_unit"]) {
    if (auto v = r.number(node["satisfaction_per_unit"], path + ".satisfaction_per_unit")) w.satisfaction_per_unit = *v;
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return w;
}

// `capacity: {servers: c, service: DIST, period_length: L}` (all required);
// ranges are checked by validate (servers a whole number >= 1, L > 0).
std::optional<CapacitySpec> parse_capacity(NodeReader& r, const YAML::Node& node, const std::string& path) {
  static const std::vector<std::string> keys = {"servers", "service", "period_length"};
  if (!r.expect_map(node, path, "{servers: whole number, service: distribution, period_length: number}"))
    return std::nullopt;
  r.check_keys(node, path, keys);
  r.require_keys(node, path, keys);
  CapacitySpec c;
  bool ok = static_cast<bool>(node["servers"] && node["service"] && node["period_length"]);
  if (node["servers"]) {
    if (auto v = r.number(node["servers"], path + ".servers")) c.servers = *v;
    else ok = false;
  }
  if (node["service"]) {
    if (auto d = parse_distribution(r, node["service"], path + ".service")) c.service = *d;
    else ok = false;
  }
  if (node["period_length"]) {
    if (auto v = r.number(node["period_length"], path + ".period_length")) c.period_length = *v;
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return c;
}

void parse_touchpoint(NodeReader& r, const std::string& id, const YAML::Node& key_node, const YAML::Node& node,
                      TouchpointSpec& tp, JourneySpec& spec) {
  tp.id = id;
  const std::string base = node_path(id);
  if (!r.expect_map(node, base, "a touchpoint mapping (channel, friction, satisfaction, ..., next)")) return;
  r.check_keys(node, base, kTouchpointKeys);
  r.require_keys(node, base, {"channel", "next"}, &key_node);
  if (node["channel"]) {
    if (auto s = r.string(node["channel"], node_path(id, "channel"))) {
      tp.channel = *s;
      if (s->empty()) r.error(node["channel"], node_path(id, "channel"), "channel must not be empty");
      else if (auto problem = core::text_problem(*s, core::TextRule::id))
        r.error(node["channel"], node_path(id, "channel"),
                fmt::format("channel '{}' {}; channels must be printable UTF-8 text", *s, *problem));
    }
  }
  if (node["stage"]) {
    if (auto s = r.string(node["stage"], node_path(id, "stage"))) tp.stage = *s;
  }
  if (node["description"]) r.string(node["description"], node_path(id, "description"));
  if (node["friction"] && is_beta_form(node["friction"])) {
    if (auto v = parse_beta_friction(r, node["friction"], node_path(id, "friction"), id, spec)) tp.friction = *v;
  } else if (node["friction"]) {
    if (auto v = r.number(node["friction"], node_path(id, "friction"))) tp.friction = *v;
  }
  if (node["satisfaction"]) {
    const UncertainDelta u{&spec, UncertainParam::Kind::satisfaction_normal, id};
    if (auto v = parse_ok_friction(r, node["satisfaction"], node_path(id, "satisfaction"), &u)) tp.satisfaction = *v;
  }
  if (node["effort"]) {
    const UncertainDelta u{&spec, UncertainParam::Kind::effort_gamma, id};
    if (auto v = parse_ok_friction(r, node["effort"], node_path(id, "effort"), &u)) tp.effort = *v;
  }
  if (node["duration"]) {
    if (auto v = parse_duration(r, node["duration"], node_path(id, "duration"), &spec, id)) tp.duration = *v;
  }
  if (node["cost"]) {
    if (auto v = r.number(node["cost"], node_path(id, "cost"))) tp.cost = *v;
  }
  if (node["next"]) {
    if (auto v = parse_next(r, node["next"], node_path(id, "next"), &spec, id)) tp.next = std::move(*v);
  }
  if (node["waiting"]) tp.waiting = parse_waiting(r, node["waiting"], node_path(id, "waiting"));
  if (node["patience"]) tp.patience = parse_distribution(r, node["patience"], node_path(id, "patience"));
  if (node["capacity"]) tp.capacity = parse_capacity(r, node["capacity"], node_path(id, "capacity"));
}

void parse_outcome(NodeReader& r, const std::string& id, const YAML::Node& node, OutcomeSpec& oc) {
  oc.id = id;
  oc.kind = id;
  const std::string base = node_path(id);
  if (node.IsNull()) return;  // `name:` alone: kind = id, value 0
  if (!r.expect_map(node, base, "an outcome mapping {kind, value}")) return;
  // `next` is reported by the caller, in terms of the model.
  r.check_keys(node, base, kOutcomeKeys, {"next", "waiting", "patience", "capacity"});
  if (node["kind"]) {
    if (auto s = r.string(node["kind"], node_path(id, "kind"))) oc.kind = *s;
  }
  if (node["value"]) {
    if (auto v = r.number(node["value"], node_path(id, "value"))) oc.value = *v;
  }
  if (node["good"]) {
    // A YAML 1.2 boolean only: `yes`, `1` or `"true"` are refused, so a typo
    // never flips which way the reports call better.
    const YAML::Node& g = node["good"];
    const std::string s = g.IsScalar() ? g.Scalar() : std::string();
    const bool quoted = g.IsScalar() && g.Tag() == "!";
    if (!quoted && (s == "true" || s == "True" || s == "TRUE")) oc.good = true;
    else if (!quoted && (s == "false" || s == "False" || s == "FALSE")) oc.good = false;
    else
      r.error(g, node_path(id, "good"),
              fmt::format("expected true or false (is more walks ending in kind '{}' better?), got {}{}", oc.kind,
                          describe(g), quoted ? " in quotes (write it without quotes)" : ""));
  }
  if (node["description"]) r.string(node["description"], node_path(id, "description"));
}

std::optional<RetentionParams> parse_alpha_beta(NodeReader& r, const YAML::Node& node, const std::string& path,
                                                const std::vector<std::string>& extra_keys) {
  std::vector<std::string> keys = {"alpha", "beta"};
  keys.insert(keys.end(), extra_keys.begin(), extra_keys.end());
  r.check_keys(node, path, keys);
  const bool has_a = static_cast<bool>(node["alpha"]), has_b = static_cast<bool>(node["beta"]);
  if (!has_a && !has_b) return std::nullopt;
  if (has_a != has_b) {
    r.error(node, path,
            fmt::format("missing required key '{}' (alpha and beta go together)", has_a ? "beta" : "alpha"));
    return std::nullopt;
  }
  auto a = r.number(node["alpha"], path + ".alpha");
  auto b = r.number(node["beta"], path + ".beta");
  if (!a || !b) return std::nullopt;
  return RetentionParams{*a, *b};
}

// `engagement: {alpha, beta}` or `{probability: p}` (MODEL.md section 11);
// ranges are checked by validate (alpha, beta > 0; probability in (0, 1]).
void parse_engagement(NodeReader& r, const YAML::Node& node, const std::string& path, SegmentSpec& seg) {
  if (!r.expect_map(node, path, "{alpha: number, beta: number} or {probability: number}")) return;
  r.check_keys(node, path, {"alpha", "beta", "probability"});
  const bool has_p = static_cast<bool>(node["probability"]);
  const bool has_ab = node["alpha"] || node["beta"];
  if (has_p && has_ab) {
    r.error(node, path, "give either 'probability' or 'alpha' and 'beta', not both");
    return;
  }
  Engagement e;
  if (has_p) {
    auto p = r.number(node["probability"], path + ".probability");
    if (!p) return;
    e.probability = *p;
  } else {
    const bool has_a = static_cast<bool>(node["alpha"]), has_b = static_cast<bool>(node["beta"]);
    if (!has_a && !has_b) {
      r.error(node, path, "missing required keys: 'probability', or 'alpha' and 'beta'");
      return;
    }
    if (has_a != has_b) {
      r.error(node, path,
              fmt::format("missing required key '{}' (alpha and beta go together)", has_a ? "beta" : "alpha"));
      return;
    }
    auto a = r.number(node["alpha"], path + ".alpha");
    auto b = r.number(node["beta"], path + ".beta");
    if (!a || !b) return;
    e.alpha = *a;
    e.beta = *b;
  }
  seg.engagement = e;
}

// `share_count`: set when the share is written `{dirichlet: count}` (the
// segment's count of a Dirichlet over every segment's share; parse_journey
// checks that every segment has one).
void parse_segment(NodeReader& r, const std::string& id, const YAML::Node& node, SegmentSpec& seg, JourneySpec& spec,
                   std::optional<double>& share_count) {
  seg.id = id;
  const std::string base = "segments." + id;
  if (!r.expect_map(node, base, "a segment mapping (share, satisfaction0, retention, overrides)")) return;
  r.check_keys(node, base, kSegmentKeys);
  r.require_keys(node, base, {"share"});
  if (node["share"] && is_dirichlet_share(node["share"])) {
    share_count = parse_dirichlet_share(r, node["share"], base + ".share");
  } else if (node["share"]) {
    if (auto v = r.number(node["share"], base + ".share")) seg.share = *v;
  }
  if (node["description"]) r.string(node["description"], base + ".description");
  if (node["satisfaction0"]) {
    const auto& s0 = node["satisfaction0"];
    const std::string p = base + ".satisfaction0";
    if (s0.IsScalar()) {
      if (auto v = r.number(s0, p)) seg.satisfaction0_mean = *v;
    } else if (r.expect_map(s0, p, "{mean: number, sd: number}")) {
      r.check_keys(s0, p, {"mean", "sd"});
      if (s0["mean"]) {
        if (auto v = r.number(s0["mean"], p + ".mean")) seg.satisfaction0_mean = *v;
      }
      if (s0["sd"]) {
        if (auto v = r.number(s0["sd"], p + ".sd")) seg.satisfaction0_sd = *v;
      }
    }
  }
  if (node["retention"]) {
    const std::string p = base + ".retention";
    if (r.expect_map(node["retention"], p, "{alpha: number, beta: number}")) {
      seg.retention = parse_alpha_beta(r, node["retention"], p, {"covariance"});
      if (seg.retention && node["retention"]["covariance"])
        parse_retention_covariance(r, node["retention"]["covariance"], p + ".covariance", id, *seg.retention, spec);
      if (!seg.retention && !node["retention"]["alpha"] && !node["retention"]["beta"])
        r.error(node["retention"], p, "missing required keys 'alpha' and 'beta'");
    }
  }
  if (node["engagement"]) parse_engagement(r, node["engagement"], base + ".engagement", seg);
  if (node["overrides"]) {
    const std::string p = base + ".overrides";
    if (r.expect_map(node["overrides"], p, "a mapping {touchpoint: {field: value}} or start: {touchpoint: p}")) {
      std::set<std::string> seen;
      for (const auto& e : r.entries(node["overrides"], p)) {
        const std::string op = p + "." + e.key;
        if (!seen.insert(e.key).second) {
          r.error(e.key_node, op, "duplicate key");
          continue;
        }
        r.locations().set(op, r.loc(e.key_node));
        if (e.key == "start") {  // this segment's own entry mix ('start' is reserved: never a touchpoint id)
          if (is_dirichlet_form(e.value)) {
            if (auto m = parse_dirichlet_map(r, e.value, op, UncertainParam::Kind::start_dirichlet, "", spec)) {
              seg.start = std::move(*m);
              spec.uncertain.back().segment = id;
            }
          } else if (auto m = parse_transition_map(r, e.value, op)) {
            seg.start = std::move(*m);
          }
          continue;
        }
        if (!r.expect_map(e.value, op, "a mapping of touchpoint fields to replace")) continue;
        r.check_keys(e.value, op, kOverrideKeys);
        OverrideSpec o;
        const auto& v = e.value;
        // An override's friction and next maps may carry a distribution too
        // (docs/journey-format.md, "Uncertainty"): recorded with this segment.
        const std::size_t first_uncertain = spec.uncertain.size();
        if (v["friction"] && is_beta_form(v["friction"]))
          o.friction =
              parse_beta_param(r, v["friction"], op + ".friction", UncertainParam::Kind::friction_beta, e.key, spec);
        else if (v["friction"]) o.friction = r.number(v["friction"], op + ".friction");
        if (v["satisfaction"]) o.satisfaction = parse_ok_friction(r, v["satisfaction"], op + ".satisfaction");
        if (v["effort"]) o.effort = parse_ok_friction(r, v["effort"], op + ".effort");
        if (v["duration"]) o.duration = parse_duration(r, v["duration"], op + ".duration");
        if (v["next"]) o.next = parse_next(r, v["next"], op + ".next", &spec, e.key);
        if (v["waiting"]) o.waiting = parse_waiting(r, v["waiting"], op + ".waiting");
        if (v["patience"]) o.patience = parse_distribution(r, v["patience"], op + ".patience");
        for (std::size_t k = first_uncertain; k < spec.uncertain.size(); ++k) spec.uncertain[k].segment = id;
        seg.overrides.emplace_back(e.key, std::move(o));
      }
    }
  }
}

void parse_scale(NodeReader& r, const YAML::Node& node, const std::string& path, ScaleSpec& sc, bool is_nps,
                 const std::string& scale_name, JourneySpec& spec) {
  if (node.IsNull()) return;  // `csat:` alone: every default
  if (!r.expect_map(node, path, is_nps ? "a mapping {baseline, slope}" : "a mapping {scale, baseline, slope}")) return;
  if (is_nps) {
    r.check_keys(node, path, {"baseline", "slope"});
  } else {
    r.check_keys(node, path, {"scale", "baseline", "slope"});
    if (node["scale"]) {
      if (auto v = r.integer(node["scale"], path + ".scale")) sc.scale = static_cast<int>(*v);
    }
  }
  if (node["slope"] && is_normal_form(node["slope"])) {
    if (auto v = parse_normal_delta(r, node["slope"], path + ".slope", UncertainParam::Kind::survey_slope_normal,
                                    UncertainParam::Branch::both, "", spec)) {
      sc.slope = *v;
      spec.uncertain.back().scale = scale_name;
    }
  } else if (node["slope"]) {
    if (auto v = r.number(node["slope"], path + ".slope")) sc.slope = *v;
  }
  if (node["baseline"]) {
    const auto& b = node["baseline"];
    const std::string bp = path + ".baseline";
    if (b.IsMap() && b["dirichlet"]) {
      if (auto v = parse_dirichlet_list(r, b, bp, scale_name, spec)) sc.baseline = *v;
    } else if (is_nps && b.IsMap()) {
      const std::vector<std::string> groups = {"detractors", "passives", "promoters"};
      r.check_keys(b, bp, groups);
      r.require_keys(b, bp, groups);
      auto d = b["detractors"] ? r.number(b["detractors"], bp + ".detractors") : std::nullopt;
      auto pa = b["passives"] ? r.number(b["passives"], bp + ".passives") : std::nullopt;
      auto pr = b["promoters"] ? r.number(b["promoters"], bp + ".promoters") : std::nullopt;
      if (d && pa && pr) {
        sc.baseline.assign(11, 0.0);
        for (int c = 0; c <= 6; ++c) sc.baseline[c] = *d / 7.0;
        for (int c = 7; c <= 8; ++c) sc.baseline[c] = *pa / 2.0;
        for (int c = 9; c <= 10; ++c) sc.baseline[c] = *pr / 2.0;
      }
    } else if (b.IsSequence()) {
      if (auto v = r.number_list(b, bp)) sc.baseline = *v;
    } else {
      r.error(b, bp,
              is_nps
                  ? fmt::format("expected 11 probabilities or {{detractors, passives, promoters}}, got {}", describe(b))
                  : fmt::format("expected a list of probabilities, got {}", describe(b)));
    }
  }
}

void parse_survey(NodeReader& r, const YAML::Node& node, JourneySpec& spec) {
  SurveySpec& sv = spec.survey;
  const std::string base = "survey";
  if (!r.expect_map(node, base, "a survey mapping (response, nps, csat, ces, cx_index)")) return;
  r.check_keys(node, base, {"response", "nps", "csat", "ces", "cx_index"});
  if (node["response"]) {
    const std::string p = "survey.response";
    if (r.expect_map(node["response"], p, "{rate: number, extremity: number}")) {
      r.check_keys(node["response"], p, {"rate", "extremity"});
      const YAML::Node rate = node["response"]["rate"], ext = node["response"]["extremity"];
      if (rate && is_beta_form(rate)) {
        if (auto v = parse_beta_param(r, rate, p + ".rate", UncertainParam::Kind::response_rate_beta, "", spec))
          sv.response_rate = *v;
      } else if (rate) {
        if (auto v = r.number(rate, p + ".rate")) sv.response_rate = *v;
      }
      if (ext && is_normal_form(ext)) {
        if (auto v = parse_normal_delta(r, ext, p + ".extremity", UncertainParam::Kind::response_extremity_normal,
                                        UncertainParam::Branch::both, "", spec))
          sv.response_extremity = *v;
      } else if (ext) {
        if (auto v = r.number(ext, p + ".extremity")) sv.response_extremity = *v;
      }
    }
  }
  if (node["nps"]) parse_scale(r, node["nps"], "survey.nps", sv.nps, true, "nps", spec);
  // CSAT and CES: a baseline may be left out for the scales that have a
  // default one (journey_spec.h); validate() reports the others.
  if (node["csat"]) {
    sv.csat.present = true;
    sv.csat.scale = 5;
    parse_scale(r, node["csat"], "survey.csat", sv.csat, false, "csat", spec);
    if (!node["csat"].IsMap() || !node["csat"]["baseline"]) sv.csat.baseline = default_csat_baseline(sv.csat.scale);
  }
  if (node["ces"]) {
    sv.ces.present = true;
    sv.ces.scale = 7;
    parse_scale(r, node["ces"], "survey.ces", sv.ces, false, "ces", spec);
    if (!node["ces"].IsMap() || !node["ces"]["baseline"]) sv.ces.baseline = default_ces_baseline(sv.ces.scale);
  }
  // `cx_index:` alone (or null): equal weights; else {effectiveness, ease, emotion}.
  if (node["cx_index"]) {
    const std::string p = "survey.cx_index";
    const YAML::Node cx = node["cx_index"];
    sv.cx_index.present = true;
    if (!cx.IsNull() && r.expect_map(cx, p, "{effectiveness: weight, ease: weight, emotion: weight}")) {
      r.check_keys(cx, p, {"effectiveness", "ease", "emotion"});
      for (auto [key, field] : {std::pair{"effectiveness", &sv.cx_index.effectiveness},
                                std::pair{"ease", &sv.cx_index.ease}, std::pair{"emotion", &sv.cx_index.emotion}}) {
        if (cx[key]) {
          if (auto v = r.number(cx[key], p + "." + key)) *field = *v;
        }
      }
    }
  }
}

}  // namespace

std::optional<DurationSpec> parse_distribution(NodeReader& r, const YAML::Node& node, const std::string& path,
                                               const UncertainDuration* uncertain) {
  if (!r.expect_map(node, path, duration_forms().c_str())) return std::nullopt;
  const auto names = duration_family_names();
  r.check_keys(node, path, names);
  std::vector<std::string> kinds;
  for (auto it = node.begin(); it != node.end(); ++it)
    if (it->first.IsScalar() && find_duration_family(it->first.Scalar())) kinds.push_back(it->first.Scalar());
  if (kinds.empty()) {
    if (node.size() == 0) {
      std::string list;
      for (std::size_t i = 0; i < names.size(); ++i)
        list += fmt::format("{}'{}'", i == 0 ? "" : i + 1 == names.size() ? " or " : ", ", names[i]);
      r.error(node, path, "is empty; expected one of " + list);
    }
    return std::nullopt;
  }
  if (kinds.size() > 1) {
    r.error(node, path,
            fmt::format("gives several distributions ({}); expected exactly one", core::quoted_list(kinds)));
    return std::nullopt;
  }
  const DurationFamily& f = *find_duration_family(kinds[0]);
  const YAML::Node v = node[f.name];
  const std::string p = path + "." + f.name;
  DurationSpec d;
  d.kind = f.kind;
  // {estimate, sd} on a touchpoint's duration parameter (docs/methods/uncertainty.md).
  const auto number = [&](const YAML::Node& n, const std::string& np, std::size_t i) -> std::optional<double> {
    if (uncertain != nullptr && uncertain->spec != nullptr && is_normal_form(n))
      return parse_duration_param(r, n, np, d, static_cast<int>(i), uncertain->branch, uncertain->touchpoint,
                                  *uncertain->spec);
    return r.number(n, np);
  };
  if (f.bare) {
    auto x = number(v, p, 0);
    if (!x) return std::nullopt;
    duration_param(d, 0) = *x;
    r.locations().set(path + "." + f.params[0], r.loc(v));
    return d;
  }
  std::string form;
  for (std::size_t i = 0; i < f.params.size(); ++i)
    form += fmt::format("{}{}: number", i == 0 ? "" : ", ", f.params[i]);
  if (!r.expect_map(v, p, fmt::format("{{{}}}", form).c_str())) return std::nullopt;
  r.check_keys(v, p, f.params);
  r.require_keys(v, p, f.params);
  bool ok = true;
  for (std::size_t i = 0; i < f.params.size(); ++i) {
    const std::string& key = f.params[i];
    auto x = v[key] ? number(v[key], p + "." + key, i) : std::nullopt;
    if (x) duration_param(d, i) = *x;
    else ok = false;
  }
  if (!ok) return std::nullopt;
  // Short paths used by scenario changes: duration.median, duration.p90 ...
  for (const auto& key : f.params) r.locations().set(path + "." + key, r.loc(v[key]));
  return d;
}

bool parse_population(NodeReader& r, const YAML::Node& p, PopulationSpec& pop,
                      const std::vector<std::string>& extra_keys) {
  std::vector<std::string> keys = {"customers",   "periods",  "seed",         "discount_rate",
                                   "uncertainty", "currency", "customer_base"};
  keys.insert(keys.end(), extra_keys.begin(), extra_keys.end());
  if (!r.expect_map(p, "population", fmt::format("{{{}}}", fmt::join(keys, ", ")).c_str())) return false;
  r.check_keys(p, "population", keys);
  if (p["customers"]) {
    if (auto v = r.integer(p["customers"], "population.customers")) {
      if (*v < 1) r.error(p["customers"], "population.customers", must_be_at_least("", 1, *v));
      else if (*v > kMaxCustomers)
        r.error(p["customers"], "population.customers", must_be_between("", 1, kMaxCustomers, *v) + kMaxCustomersNote);
      else pop.customers = *v;
    }
  }
  if (p["periods"]) {
    if (auto v = r.integer(p["periods"], "population.periods")) {
      if (*v < 1 || *v > kMaxPeriods)
        r.error(p["periods"], "population.periods", must_be_between("", 1, kMaxPeriods, *v));
      else pop.periods = static_cast<int>(*v);
    }
  }
  if (p["seed"]) {
    if (auto v = r.integer(p["seed"], "population.seed")) {
      if (*v < 0) r.error(p["seed"], "population.seed", "expected a non-negative whole number");
      else pop.seed = static_cast<unsigned long long>(*v);
    }
  }
  if (p["discount_rate"]) {
    if (auto v = r.number(p["discount_rate"], "population.discount_rate")) {
      if (!(*v > -1)) r.error(p["discount_rate"], "population.discount_rate", must_be_greater("", -1, *v));
      else pop.discount_rate = *v;
    }
  }
  if (p["uncertainty"]) {
    const auto& u = p["uncertainty"];
    if (r.expect_map(u, "population.uncertainty", "{draws: N}")) {
      r.check_keys(u, "population.uncertainty", {"draws"});
      r.require_keys(u, "population.uncertainty", {"draws"});
      if (u["draws"]) {
        if (auto v = r.integer(u["draws"], "population.uncertainty.draws")) {
          if (*v < 0 || *v > kMaxUncertaintyDraws)
            r.error(u["draws"], "population.uncertainty.draws", must_be_between("", 0, kMaxUncertaintyDraws, *v));
          else pop.uncertainty_draws = *v;
        }
      }
    }
  }
  if (p["currency"]) {
    if (auto v = r.string(p["currency"], "population.currency")) {
      if (v->size() > 16 || v->find_first_of("\n\r\t") != std::string::npos)
        r.error(p["currency"], "population.currency",
                "expected a short label (at most 16 bytes, one line), e.g. EUR or €");
      else pop.currency = *v;
    }
  }
  if (p["customer_base"]) {
    if (auto v = r.number(p["customer_base"], "population.customer_base")) {
      if (!(*v > 0) || !std::isfinite(*v))
        r.error(p["customer_base"], "population.customer_base",
                "expected a positive finite number of customers, got " + fmt::format("{}", *v));
      else pop.customer_base = *v;
    }
  }
  return true;
}

JourneySpec parse_journey(const YamlDocument& doc, Diagnostics& diags) {
  JourneySpec spec;
  spec.source_path = doc.file;
  spec.source_text = doc.text;
  spec.locations.set_file(doc.file);
  spec.segments.push_back(SegmentSpec{"all", 1.0, 0.0, 0.0, std::nullopt, std::nullopt, {}, std::nullopt});
  spec.survey.nps.present = true;
  spec.survey.nps.scale = 11;
  spec.survey.nps.baseline = default_nps_baseline();
  if (!doc.ok()) return spec;

  NodeReader r(doc.file, diags, spec.locations);
  const YAML::Node& root = doc.root;
  if (!root.IsMap()) {
    r.error(
        root, "",
        fmt::format("expected a journey mapping with 'start', 'touchpoints' and 'outcomes', got {}", describe(root)));
    return spec;
  }
  if (root["scenario"] && !root["touchpoints"]) {
    YAML::Node at = root["scenario"];
    for (auto it = root.begin(); it != root.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == "scenario") at = it->first;
    std::string msg = "this is a scenario file (it has 'scenario:'), not a journey";
    if (root["journey"] && root["journey"].IsScalar())
      msg += fmt::format("; give the journey it names ('{}') here, or use the scenario where a scenario is expected",
                         root["journey"].Scalar());
    r.error(at, "", msg);
    return spec;
  }
  r.check_keys(root, "", kTopKeys);
  r.require_keys(root, "", {"start", "touchpoints", "outcomes"});

  if (root["journey"]) {
    if (auto s = r.string(root["journey"], "journey")) spec.name = *s;
  }
  if (root["description"]) r.string(root["description"], "description");
  if (root["time_unit"]) {
    if (auto s = r.string(root["time_unit"], "time_unit")) spec.time_unit = *s;
  }
  if (root["max_steps"]) {
    if (auto v = r.integer(root["max_steps"], "max_steps")) {
      // validate() checks >= 1; only values that do not fit are refused here.
      if (*v > kMaxSteps || *v < -kMaxSteps)
        r.error(root["max_steps"], "max_steps", must_be_between("", 1, kMaxSteps, *v));
      else spec.max_steps = static_cast<int>(*v);
    }
  }

  // Ids first, so every later reference can be checked against them.
  std::set<std::string> ids;
  if (root["touchpoints"] &&
      r.expect_map(root["touchpoints"], "touchpoints", "a mapping of touchpoint ids to touchpoints")) {
    for (const auto& e : r.entries(root["touchpoints"], "touchpoints")) {
      const std::string kp = "touchpoints." + e.key;
      // A node with a bad id is still kept (after the error), so references
      // to it do not add a second, misleading "unknown target" error.
      const bool id_ok = check_id(r, e.key_node, kp, e.key, "touchpoint");
      if (!ids.insert(e.key).second) {
        r.error(e.key_node, kp, fmt::format("duplicate id '{}'", e.key));
        continue;
      }
      if (id_ok || !is_reserved(e.key)) r.locations().set(e.key, r.loc(e.key_node));
      r.locations().set(kp, r.loc(e.key_node));
      TouchpointSpec tp;
      parse_touchpoint(r, e.key, e.key_node, e.value, tp, spec);
      spec.touchpoints.push_back(std::move(tp));
    }
    if (root["touchpoints"].size() == 0)
      r.error(root["touchpoints"], "touchpoints", "is empty; a journey needs at least one touchpoint");
  }
  if (root["outcomes"] && r.expect_map(root["outcomes"], "outcomes", "a mapping of outcome ids to outcomes")) {
    for (const auto& e : r.entries(root["outcomes"], "outcomes")) {
      const std::string kp = "outcomes." + e.key;
      const bool id_ok = check_id(r, e.key_node, kp, e.key, "outcome");
      if (!ids.insert(e.key).second) {
        const bool is_tp = spec.find_touchpoint(e.key) != nullptr;
        r.error(e.key_node, kp,
                is_tp ? fmt::format("duplicate id '{}': already a touchpoint", e.key)
                      : fmt::format("duplicate id '{}'", e.key));
        continue;
      }
      if (id_ok || !is_reserved(e.key)) r.locations().set(e.key, r.loc(e.key_node));
      r.locations().set(kp, r.loc(e.key_node));
      if (e.value.IsMap() && e.value["next"]) {
        r.error(e.value["next"], node_path(e.key, "next"),
                "an outcome ends the walk and cannot have 'next' (make it a touchpoint instead)");
      }
      for (const char* timed : {"waiting", "patience", "capacity"})
        if (e.value.IsMap() && e.value[timed])
          r.error(e.value[timed], node_path(e.key, timed),
                  fmt::format("an outcome ends the walk and has no visit to wait through: '{}' belongs on a touchpoint",
                              timed));
      OutcomeSpec oc;
      YAML::Node v = e.value;
      parse_outcome(r, e.key, v, oc);
      spec.outcomes.push_back(std::move(oc));
    }
    if (root["outcomes"].size() == 0)
      r.error(root["outcomes"], "outcomes", "is empty; a journey needs at least one outcome");
  }
  if (root["start"]) {
    if (is_dirichlet_form(root["start"])) {
      if (auto m = parse_dirichlet_map(r, root["start"], "start", UncertainParam::Kind::start_dirichlet, "", spec))
        spec.start = std::move(*m);
    } else if (auto m = parse_transition_map(r, root["start"], "start")) {
      spec.start = std::move(*m);
    }
  }
  if (root["channel_switch"]) {
    const auto& cs = root["channel_switch"];
    if (r.expect_map(cs, "channel_switch", "{satisfaction: number, effort: number}")) {
      r.check_keys(cs, "channel_switch", {"satisfaction", "effort"});
      if (cs["satisfaction"]) {
        if (auto v = r.number(cs["satisfaction"], "channel_switch.satisfaction")) spec.channel_switch.satisfaction = *v;
      }
      if (cs["effort"]) {
        if (auto v = r.number(cs["effort"], "channel_switch.effort")) spec.channel_switch.effort = *v;
      }
    }
  }
  if (root["segments"] && r.expect_map(root["segments"], "segments", "a mapping of segment ids to segments")) {
    spec.segments.clear();
    spec.segments_given = true;
    std::set<std::string> seg_ids;
    std::vector<std::optional<double>> share_counts;
    std::vector<YAML::Node> share_nodes;
    for (const auto& e : r.entries(root["segments"], "segments")) {
      const std::string kp = "segments." + e.key;
      check_id(r, e.key_node, kp, e.key, "segment");
      if (!seg_ids.insert(e.key).second) {
        r.error(e.key_node, kp, fmt::format("duplicate segment '{}'", e.key));
        continue;
      }
      r.locations().set(kp, r.loc(e.key_node));
      SegmentSpec seg;
      std::optional<double> count;
      parse_segment(r, e.key, e.value, seg, spec, count);
      spec.segments.push_back(std::move(seg));
      share_counts.push_back(count);
      share_nodes.push_back(e.value.IsMap() ? e.value["share"] : YAML::Node());
    }
    set_dirichlet_shares(r, share_nodes, share_counts, spec);
    if (spec.segments.empty()) {
      if (root["segments"].size() == 0)
        r.error(root["segments"], "segments", "is empty; omit it for one segment 'all'");
      spec.segments.push_back(SegmentSpec{"all", 1.0, 0.0, 0.0, std::nullopt, std::nullopt, {}, std::nullopt});
    }
  }
  if (root["survey"]) parse_survey(r, root["survey"], spec);
  if (root["retention"]) {
    const auto& rt = root["retention"];
    if (r.expect_map(rt, "retention", "{sensitivity, carryover} (and optionally alpha, beta)")) {
      spec.retention.default_params = parse_alpha_beta(r, rt, "retention", {"sensitivity", "carryover", "covariance"});
      if (rt["covariance"] && !spec.retention.default_params)
        r.error(rt["covariance"], "retention.covariance", "a covariance needs the alpha and beta it is about");
      else if (rt["covariance"])
        parse_retention_covariance(r, rt["covariance"], "retention.covariance", "", *spec.retention.default_params,
                                   spec);
      if (rt["sensitivity"]) {
        const auto& n = rt["sensitivity"];
        if (auto v = is_normal_form(n)
                         ? parse_normal_delta(r, n, "retention.sensitivity", UncertainParam::Kind::sensitivity_normal,
                                              UncertainParam::Branch::both, "", spec)
                         : r.number(n, "retention.sensitivity"))
          spec.retention.sensitivity = *v;
      }
      if (rt["carryover"]) {
        const auto& n = rt["carryover"];
        if (auto v = is_beta_form(n)
                         ? parse_beta_param(r, n, "retention.carryover", UncertainParam::Kind::carryover_beta, "", spec)
                         : r.number(n, "retention.carryover"))
          spec.retention.carryover = *v;
      }
    }
  }
  if (root["population"]) parse_population(r, root["population"], spec.population);
  // calibration: the counts of a fit, read only by cxsim calibrate --prior-model.
  if (root["calibration"]) r.expect_map(root["calibration"], "calibration", "the counts of a fit (cxsim calibrate)");
  return spec;
}

JourneySpec check_journey_file(const std::string& path, Diagnostics& diags) {
  return check_journey_document(YamlDocument::load_file(path, diags), diags);
}

JourneySpec check_journey_document(const YamlDocument& doc, Diagnostics& diags) {
  JourneySpec spec = parse_journey(doc, diags);
  if (doc.ok() && doc.root.IsMap()) validate(spec, diags);
  diags.sort_and_dedupe();
  return spec;
}

LoadedJourney load_journey_document(const YamlDocument& doc, Diagnostics diags) {
  JourneySpec spec = parse_journey(doc, diags);
  if (doc.ok() && doc.root.IsMap()) validate(spec, diags);
  diags.sort_and_dedupe();
  if (diags.has_errors()) throw core::InputError(std::move(diags));
  return {std::move(spec), std::move(diags)};
}

LoadedJourney load_journey(const std::string& path) {
  Diagnostics diags;
  YamlDocument doc = YamlDocument::load_file(path, diags);
  return load_journey_document(doc, std::move(diags));
}

LoadedJourney load_journey_text(const std::string& text, const std::string& display_name) {
  Diagnostics diags;
  YamlDocument doc = YamlDocument::load_text(text, display_name, diags);
  return load_journey_document(doc, std::move(diags));
}

}  // namespace cxsim::model
