#include "cxsim/scenario/changes.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "cxsim/core/strings.h"
#include "cxsim/model/duration_family.h"
#include "cxsim/model/validate.h"

namespace cxsim::scenario {

using core::Diagnostics;
using model::JourneySpec;

std::string Change::describe() const {
  const char* all = all_segments ? " (all segments)" : "";
  if (op == Op::shift) return fmt::format("{}: shift {} of {} to {}{}", path, core::fmt_number(number), from, to, all);
  return op == Op::scale
             ? fmt::format("{} × {}{}", path, core::fmt_number(number), all)
             : fmt::format("{} = {}{}{}", path, core::fmt_number(number), renormalize ? " (renormalized)" : "", all);
}

namespace {

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : path) {
    if (c == '.') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::string join(const std::vector<std::string>& parts, std::size_t from, std::size_t to) {
  std::string s;
  for (std::size_t i = from; i < to && i < parts.size(); ++i) {
    if (!s.empty()) s += '.';
    s += parts[i];
  }
  return s;
}

// Where a change lands.
struct Slot {
  std::vector<double*> values;          // scalar(s) to set (a duration param may be in both ok and friction)
  model::TransitionMap* map = nullptr;  // a probability map entry, or a whole map (target empty)
  std::string map_path;
  std::string target;
  bool start_map = false;                             // the map is a start map: its targets are touchpoints only
  std::vector<model::SegmentSpec>* shares = nullptr;  // segments.<s>.share
  std::string segment;
  int* integer = nullptr;  // max_steps
  bool probability = false;
  std::string error, suggestion;
};

Slot fail(std::string msg, std::string sug = {}) {
  Slot s;
  s.error = std::move(msg);
  s.suggestion = std::move(sug);
  return s;
}

Slot ok_friction_slot(model::OkFriction<double>& v, const std::vector<std::string>& p, std::size_t i,
                      const std::string& field) {
  Slot s;
  if (i == p.size()) {
    s.values = {&v.ok, &v.friction};
    return s;
  }
  if (i + 1 == p.size() && p[i] == "ok") return s.values = {&v.ok}, s;
  if (i + 1 == p.size() && p[i] == "friction") return s.values = {&v.friction}, s;
  return fail(fmt::format("unknown field '{}' under {}; expected 'ok' or 'friction'", join(p, i, p.size()), field),
              core::did_you_mean(p[i], {"ok", "friction"}));
}

Slot duration_param(model::DurationSpec& d, const std::string& param, const std::string& where) {
  const int i = model::duration_param_index(d, param);
  if (i < 0) {
    const auto names = model::duration_param_names(d);
    return fail(fmt::format("{} has parameters {}; '{}' does not apply", where, core::quoted_list(names), param),
                core::did_you_mean(param, names));
  }
  Slot s;
  s.values = {&model::duration_param(d, static_cast<std::size_t>(i))};
  return s;
}

Slot duration_slot(model::OkFriction<model::DurationSpec>& d, const std::vector<std::string>& p, std::size_t i,
                   const std::string& where) {
  if (i == p.size()) return fail("a duration change names a parameter, e.g. " + where + ".median");
  const bool split = !(d.ok == d.friction);
  if (p[i] == "ok" || p[i] == "friction") {
    if (i + 2 != p.size()) return fail("expected " + where + "." + p[i] + ".<parameter>");
    if (!split) {
      return fail(fmt::format("{} is one distribution for ok and friction visits; change {}.{} instead", where, where,
                              p[i + 1]));
    }
    return duration_param(p[i] == "ok" ? d.ok : d.friction, p[i + 1], where + "." + p[i]);
  }
  if (i + 1 != p.size()) return fail("unknown duration path '" + join(p, i, p.size()) + "'");
  if (split)
    return fail(fmt::format("{} is split into ok and friction distributions; change {}.ok.{} or {}.friction.{}", where,
                            where, p[i], where, p[i]));
  Slot a = duration_param(d.ok, p[i], where);
  if (!a.error.empty()) return a;
  Slot b = duration_param(d.friction, p[i], where);
  a.values.push_back(b.values.front());
  return a;
}

// `map_path.<target>`, or the whole map when the path ends at it (for shift).
Slot map_slot(model::TransitionMap& m, const std::string& map_path, const std::vector<std::string>& p, std::size_t i,
              bool start_map = false) {
  if (i + 1 < p.size()) return fail(fmt::format("expected {}.<target>", map_path));
  Slot s;
  s.map = &m;
  s.map_path = map_path;
  if (i < p.size()) s.target = p[i];
  s.start_map = start_map;
  s.probability = true;
  return s;
}

Slot next_slot(model::NextSpec& n, const std::string& where, const std::vector<std::string>& p, std::size_t i) {
  if (i == p.size() && n.split)
    return fail(fmt::format("{}.next has separate ok and friction maps; name one: {}.next.ok or {}.next.friction",
                            where, where, where));
  if (i == p.size()) return map_slot(n.ok, where + ".next", p, i);
  if (n.split) {
    if (p[i] != "ok" && p[i] != "friction")
      return fail(fmt::format("{}.next has separate ok and friction maps; write {}.next.ok.{} or {}.next.friction.{}",
                              where, where, p[i], where, p[i]));
    return map_slot(p[i] == "ok" ? n.ok : n.friction, where + ".next." + p[i], p, i + 1);
  }
  if (p[i] == "ok" || p[i] == "friction") {
    if (i + 2 == p.size())
      return fail(fmt::format("{}.next is one map used after both ok and friction visits; write {}.next.{}", where,
                              where, p[i + 1]));
  }
  return map_slot(n.ok, where + ".next", p, i);
}

const std::vector<std::string> kTouchpointFields = {"friction", "satisfaction", "effort",  "duration", "cost",
                                                    "next",     "capacity",     "waiting", "patience"};

// <where>.waiting.tolerance | .satisfaction_per_unit (MODEL.md section 11).
Slot waiting_slot(std::optional<model::WaitingSpec>& w, const std::vector<std::string>& p, std::size_t i,
                  const std::string& where, const std::string& owner) {
  static const std::vector<std::string> fields = {"tolerance", "satisfaction_per_unit"};
  if (!w)
    return fail(
        fmt::format("{} has no waiting penalty to change (add `waiting: {{tolerance, satisfaction_per_unit}}` "
                    "to the journey first)",
                    owner));
  if (i + 1 != p.size())
    return fail(fmt::format("a waiting change names one field of {} ({})", where, core::quoted_list(fields)),
                i < p.size() ? core::did_you_mean(p[i], fields) : "");
  Slot s;
  if (p[i] == "tolerance") return s.values = {&w->tolerance}, s;
  if (p[i] == "satisfaction_per_unit") return s.values = {&w->satisfaction_per_unit}, s;
  return fail(fmt::format("unknown field '{}' of {}", p[i], where), core::did_you_mean(p[i], fields));
}

// <where>.patience.<parameter> (any duration family's parameter names).
Slot patience_slot(std::optional<model::DurationSpec>& a, const std::vector<std::string>& p, std::size_t i,
                   const std::string& where, const std::string& owner) {
  if (!a) return fail(fmt::format("{} has no patience to change (add `patience: DIST` to the journey first)", owner));
  if (i + 1 != p.size()) return fail("a patience change names a parameter, e.g. " + where + ".mean");
  return duration_param(*a, p[i], where);
}

// <tp>.capacity.servers, .period_length, .service.<param> (MODEL.md section 11).
Slot capacity_slot(model::TouchpointSpec& tp, const std::vector<std::string>& p, std::size_t i) {
  const std::string where = tp.id + ".capacity";
  static const std::vector<std::string> fields = {"servers", "period_length", "service"};
  if (!tp.capacity) return fail(fmt::format("touchpoint '{}' has no capacity (it is not a queue)", tp.id));
  if (i == p.size())
    return fail(fmt::format("a change must name a field of {} ({})", where, core::quoted_list(fields)));
  Slot s;
  if (p[i] == "servers" && i + 1 == p.size()) return s.values = {&tp.capacity->servers}, s;
  if (p[i] == "period_length" && i + 1 == p.size()) return s.values = {&tp.capacity->period_length}, s;
  if (p[i] == "service") {
    if (i + 2 != p.size()) return fail("a service change names a parameter, e.g. " + where + ".service.mean");
    return duration_param(tp.capacity->service, p[i + 1], where + ".service");
  }
  return fail(fmt::format("unknown field '{}' of {}", join(p, i, p.size()), where), core::did_you_mean(p[i], fields));
}

Slot touchpoint_slot(model::TouchpointSpec& tp, const std::vector<std::string>& p, std::size_t i) {
  const std::string& id = tp.id;
  if (i == p.size())
    return fail(fmt::format("a change must name a field of '{}' ({})", id, core::quoted_list(kTouchpointFields)));
  const std::string& f = p[i];
  Slot s;
  if (f == "friction" && i + 1 == p.size()) return s.values = {&tp.friction}, s.probability = true, s;
  if (f == "cost" && i + 1 == p.size()) return s.values = {&tp.cost}, s;
  if (f == "satisfaction") return ok_friction_slot(tp.satisfaction, p, i + 1, id + ".satisfaction");
  if (f == "effort") return ok_friction_slot(tp.effort, p, i + 1, id + ".effort");
  if (f == "duration") return duration_slot(tp.duration, p, i + 1, id + ".duration");
  if (f == "next") return next_slot(tp.next, id, p, i + 1);
  if (f == "capacity") return capacity_slot(tp, p, i + 1);
  if (f == "waiting") return waiting_slot(tp.waiting, p, i + 1, id + ".waiting", fmt::format("touchpoint '{}'", id));
  if (f == "patience")
    return patience_slot(tp.patience, p, i + 1, id + ".patience", fmt::format("touchpoint '{}'", id));
  return fail(fmt::format("unknown field '{}' of touchpoint '{}'", f, id), core::did_you_mean(f, kTouchpointFields));
}

const std::vector<std::string> kOverrideFields = {"friction", "satisfaction", "effort",  "duration",
                                                  "next",     "waiting",      "patience"};

Slot override_slot(JourneySpec& spec, model::SegmentSpec& seg, const std::vector<std::string>& p, std::size_t i) {
  if (i == p.size()) return fail("expected segments." + seg.id + ".overrides.<touchpoint>.<field>");
  const std::string& tp_id = p[i];
  if (tp_id == "start") {  // the segment's own entry mix, created from the journey's start
    if (!seg.start) seg.start = spec.start;
    return map_slot(*seg.start, "segments." + seg.id + ".overrides.start", p, i + 1, true);
  }
  const model::TouchpointSpec* base = spec.find_touchpoint(tp_id);
  if (!base)
    return fail(fmt::format("unknown touchpoint '{}'", tp_id), core::did_you_mean(tp_id, spec.touchpoint_ids()));
  model::OverrideSpec* o = nullptr;
  for (auto& [id, ov] : seg.overrides)
    if (id == tp_id) o = &ov;
  if (!o) {
    seg.overrides.emplace_back(tp_id, model::OverrideSpec{});
    o = &seg.overrides.back().second;
  }
  if (i + 1 == p.size()) return fail("expected a field after " + join(p, 0, i + 1));
  const std::string& f = p[i + 1];
  const std::string where = join(p, 0, i + 1);
  Slot s;
  if (f == "friction" && i + 2 == p.size()) {
    if (!o->friction) o->friction = base->friction;
    return s.values = {&*o->friction}, s.probability = true, s;
  }
  if (f == "satisfaction") {
    if (!o->satisfaction) o->satisfaction = base->satisfaction;
    return ok_friction_slot(*o->satisfaction, p, i + 2, where + ".satisfaction");
  }
  if (f == "effort") {
    if (!o->effort) o->effort = base->effort;
    return ok_friction_slot(*o->effort, p, i + 2, where + ".effort");
  }
  if (f == "duration") {
    if (!o->duration) o->duration = base->duration;
    return duration_slot(*o->duration, p, i + 2, where + ".duration");
  }
  if (f == "next") {
    if (!o->next) o->next = base->next;
    return next_slot(*o->next, where, p, i + 2);
  }
  // waiting / patience: the override starts from the touchpoint's own (a
  // segment cannot change what the touchpoint does not have).
  if (f == "waiting") {
    if (!o->waiting) o->waiting = base->waiting;
    return waiting_slot(o->waiting, p, i + 2, where + ".waiting", fmt::format("touchpoint '{}'", tp_id));
  }
  if (f == "patience") {
    if (!o->patience) o->patience = base->patience;
    return patience_slot(o->patience, p, i + 2, where + ".patience", fmt::format("touchpoint '{}'", tp_id));
  }
  return fail(fmt::format("unknown override field '{}'", f), core::did_you_mean(f, kOverrideFields));
}

Slot resolve(JourneySpec& spec, const std::string& path) {
  const auto p = split(path);
  for (const auto& c : p)
    if (c.empty()) return fail("empty component in path '" + path + "'");
  const std::string& head = p[0];
  Slot s;
  if (auto* tp = spec.find_touchpoint(head)) return touchpoint_slot(*tp, p, 1);
  for (auto& o : spec.outcomes) {
    if (o.id != head) continue;
    if (p.size() == 2 && p[1] == "value") return s.values = {&o.value}, s;
    return fail(fmt::format("outcome '{}' has one changeable field, 'value'", head));
  }
  if (head == "start") return map_slot(spec.start, "start", p, 1, true);
  if (head == "channel_switch") {
    if (p.size() == 2 && p[1] == "satisfaction") return s.values = {&spec.channel_switch.satisfaction}, s;
    if (p.size() == 2 && p[1] == "effort") return s.values = {&spec.channel_switch.effort}, s;
    return fail("expected channel_switch.satisfaction or channel_switch.effort",
                p.size() > 1 ? core::did_you_mean(p[1], {"satisfaction", "effort"}) : "");
  }
  if (head == "max_steps" && p.size() == 1) return s.integer = &spec.max_steps, s;
  if (head == "retention") {
    const std::vector<std::string> f = {"sensitivity", "carryover", "alpha", "beta"};
    if (p.size() == 2 && p[1] == "sensitivity") return s.values = {&spec.retention.sensitivity}, s;
    if (p.size() == 2 && p[1] == "carryover") return s.values = {&spec.retention.carryover}, s;
    if (p.size() == 2 && (p[1] == "alpha" || p[1] == "beta")) {
      if (!spec.retention.default_params)
        return fail("the journey has no top-level retention alpha/beta; change segments.<segment>.retention." + p[1]);
      return s.values = {p[1] == "alpha" ? &spec.retention.default_params->alpha
                                         : &spec.retention.default_params->beta},
             s;
    }
    return fail("unknown retention field", p.size() > 1 ? core::did_you_mean(p[1], f) : "");
  }
  if (head == "survey") {
    const std::string rest = join(p, 1, p.size());
    if (rest == "response.rate") return s.values = {&spec.survey.response_rate}, s;
    if (rest == "response.extremity") return s.values = {&spec.survey.response_extremity}, s;
    if (rest == "nps.slope") return s.values = {&spec.survey.nps.slope}, s;
    if (rest == "csat.slope" && spec.survey.csat.present) return s.values = {&spec.survey.csat.slope}, s;
    if (rest == "ces.slope" && spec.survey.ces.present) return s.values = {&spec.survey.ces.slope}, s;
    return fail(
        "unknown survey path '" + path + "'",
        core::did_you_mean(rest, {"response.rate", "response.extremity", "nps.slope", "csat.slope", "ces.slope"}));
  }
  if (head == "segments") {
    if (p.size() < 3) return fail("expected segments.<segment>.<field>");
    model::SegmentSpec* seg = nullptr;
    for (auto& g : spec.segments)
      if (g.id == p[1]) seg = &g;
    if (!seg) {
      std::vector<std::string> ids;
      for (const auto& g : spec.segments) ids.push_back(g.id);
      return fail(fmt::format("unknown segment '{}'", p[1]), core::did_you_mean(p[1], ids));
    }
    const std::string rest = join(p, 2, p.size());
    if (rest == "share") {
      s.shares = &spec.segments;
      s.segment = seg->id;
      s.probability = true;
      return s;
    }
    if (rest == "satisfaction0.mean") return s.values = {&seg->satisfaction0_mean}, s;
    if (rest == "satisfaction0.sd") return s.values = {&seg->satisfaction0_sd}, s;
    if (rest == "retention.alpha" || rest == "retention.beta") {
      if (!seg->retention) return fail("segment '" + seg->id + "' has no retention parameters to change");
      return s.values = {rest == "retention.alpha" ? &seg->retention->alpha : &seg->retention->beta}, s;
    }
    if (p[2] == "overrides") return override_slot(spec, *seg, p, 3);
    return fail("unknown segment field '" + rest + "'",
                core::did_you_mean(rest, {"share", "satisfaction0.mean", "satisfaction0.sd", "retention.alpha",
                                          "retention.beta", "overrides"}));
  }
  std::vector<std::string> heads = spec.node_ids();
  for (const char* h : {"start", "segments", "survey", "retention", "channel_switch", "max_steps"}) heads.push_back(h);
  return fail(fmt::format("'{}' is not a touchpoint, an outcome or a section", head), core::did_you_mean(head, heads));
}

// Sets map[target] = v and, when asked, rescales the siblings so the map sums to 1.
bool set_probability(model::TransitionMap& m, const std::string& target, double v, bool renormalize,
                     std::string* error) {
  auto it = std::find_if(m.begin(), m.end(), [&](const auto& e) { return e.first == target; });
  if (it == m.end()) {
    m.emplace_back(target, 0.0);
    it = m.end() - 1;
  }
  it->second = v;
  if (!renormalize) return true;
  double others = 0;
  for (const auto& e : m)
    if (e.first != target) others += e.second;
  if (v > 1 || v < 0) return true;  // validation reports the range
  if (others <= 0) {
    if (std::fabs(v - 1) > model::kProbabilityTolerance) {
      *error = "cannot renormalize: the other targets have probability 0";
      return false;
    }
    return true;
  }
  for (auto& e : m)
    if (e.first != target) e.second *= (1 - v) / others;
  return true;
}

}  // namespace

std::optional<double> value_at(const JourneySpec& spec_in, const std::string& path) {
  JourneySpec spec = spec_in;
  Slot s = resolve(spec, path);
  if (!s.error.empty()) return std::nullopt;
  if (!s.values.empty()) return *s.values.front();
  if (s.integer) return static_cast<double>(*s.integer);
  if (s.map && !s.target.empty()) {
    for (const auto& e : *s.map)
      if (e.first == s.target) return e.second;
    return 0.0;
  }
  if (s.shares) {
    for (const auto& g : *s.shares)
      if (g.id == s.segment) return g.share;
  }
  return std::nullopt;
}

namespace {

// A probability map (or the segment shares, map_path "segments") that changes
// wrote to: its sum is checked once all the changes of a variant are applied,
// so several entries of one map may change together.
struct Touched {
  std::string map_path;
  const Change* last = nullptr;  // the last change that wrote to it (diagnostics point there)
  std::string last_path;         // that change's path (an all_segments change: the override's)
  int changes = 0;
};

void touch(std::vector<Touched>& touched, const std::string& map_path, const Change& c, const std::string& path) {
  auto it = std::find_if(touched.begin(), touched.end(), [&](const Touched& t) { return t.map_path == map_path; });
  if (it == touched.end()) {
    touched.push_back({map_path, &c, path, 0});
    it = touched.end() - 1;
  }
  it->last = &c;
  it->last_path = path;
  ++it->changes;
}

std::vector<std::string> map_targets(const model::TransitionMap& m) {
  std::vector<std::string> out;
  for (const auto& e : m) out.push_back(e.first);
  return out;
}

// `shift: {from, to, share}` on a whole map: moves share × p(from) to `to`
// (added to the map when it is not a target yet); nothing else changes.
bool apply_shift(JourneySpec& spec, const Slot& s, const Change& c, const std::string& path, Diagnostics& diags) {
  auto at = [&](const SourceLoc& l) { return l.line > 0 ? l : c.loc; };
  if (!s.map || !s.target.empty()) {
    diags.error(c.loc, path,
                "shift moves probability within one map: 'set' names the map (start, <touchpoint>.next, "
                "<touchpoint>.next.ok, <touchpoint>.next.friction, segments.<segment>.overrides.start, ...), "
                "not '" +
                    path + "'");
    return false;
  }
  model::TransitionMap& m = *s.map;
  auto from = std::find_if(m.begin(), m.end(), [&](const auto& e) { return e.first == c.from; });
  if (from == m.end()) {
    diags.error(at(c.from_loc), path,
                fmt::format("shift.from: '{}' is not a target of {} (its targets: {})", c.from, s.map_path,
                            core::quoted_list(map_targets(m))),
                core::did_you_mean(c.from, map_targets(m)));
    return false;
  }
  if (c.to == c.from) {
    diags.error(at(c.to_loc), path, fmt::format("shift.to: '{}' is also shift.from; name another target", c.to));
    return false;
  }
  const std::vector<std::string> allowed = s.start_map ? spec.touchpoint_ids() : spec.node_ids();
  if (std::find(allowed.begin(), allowed.end(), c.to) == allowed.end()) {
    diags.error(at(c.to_loc), path,
                fmt::format("shift.to: unknown {} '{}'", s.start_map ? "touchpoint" : "target", c.to),
                core::did_you_mean(c.to, allowed));
    return false;
  }
  const double source = from->second;
  if (!(c.number >= 0 && c.number <= 1)) {
    diags.error(at(c.share_loc), path,
                c.number > 1
                    ? fmt::format("shift.share {} exceeds the source: share is the fraction of {}'s probability in "
                                  "{} ({}) to move, at most 1 (all of it)",
                                  core::fmt_number(c.number), c.from, s.map_path, core::fmt_number(source))
                    : fmt::format("shift.share must be a fraction in [0, 1] of {}'s probability, got {}", c.from,
                                  core::fmt_number(c.number)));
    return false;
  }
  const double moved = c.number * source;
  const std::size_t from_index = static_cast<std::size_t>(from - m.begin());
  auto to = std::find_if(m.begin(), m.end(), [&](const auto& e) { return e.first == c.to; });
  if (to == m.end()) {
    m.emplace_back(c.to, 0.0);
    to = m.end() - 1;
  }
  m[from_index].second = c.number == 1 ? 0.0 : source - moved;
  to->second += moved;
  return true;
}

// One change, with `path` in place of c.path (an all_segments change is
// applied once per override). Maps and shares it writes to are added to
// `touched`; their sums are checked by check_sums.
bool apply_one(JourneySpec& spec, const Change& c, const std::string& path, std::vector<Touched>& touched,
               Diagnostics& diags) {
  Slot s = resolve(spec, path);
  if (!s.error.empty()) {
    diags.error(c.loc, path, s.error, s.suggestion);
    return false;
  }
  // Diagnostics from re-validation of this path point at the change.
  spec.locations.set(path, c.loc);
  if (c.op == Change::Op::shift) {
    if (!apply_shift(spec, s, c, path, diags)) return false;
    spec.locations.set(s.map_path, c.loc);
    touch(touched, s.map_path, c, path);
    return true;
  }
  if (s.map && s.target.empty()) {
    diags.error(c.loc, path, fmt::format("expected {}.<target> (or a shift of the whole map)", s.map_path));
    return false;
  }
  auto compute = [&](double current) { return c.op == Change::Op::scale ? current * c.number : c.number; };
  // A result that is not a finite number (chained scales overflow to inf,
  // inf × 0 is NaN) is refused here, at the change: NaN would pass the range
  // checks of re-validation that are written `x < 0`.
  auto finite_result = [&](double current) {
    const double v = compute(current);
    if (std::isfinite(v)) return true;
    diags.error(c.loc, path,
                c.op == Change::Op::scale
                    ? fmt::format("{} × {} gives {}; the result must be a finite number", core::fmt_number(current),
                                  core::fmt_number(c.number), core::fmt_number(v))
                    : fmt::format("the value must be a finite number, got {}", core::fmt_number(v)));
    return false;
  };
  if (!s.values.empty()) {
    for (double* v : s.values)
      if (!finite_result(*v)) return false;
    for (double* v : s.values) *v = compute(*v);
  } else if (s.integer) {
    const double v = compute(*s.integer);
    if (v != std::floor(v) || v < 1 || v > 1e8) {
      diags.error(c.loc, path, fmt::format("expected a whole number >= 1, got {}", core::fmt_number(v)));
      return false;
    }
    *s.integer = static_cast<int>(v);
  } else if (s.map) {
    auto it = std::find_if(s.map->begin(), s.map->end(), [&](const auto& e) { return e.first == s.target; });
    if (it == s.map->end() && c.op == Change::Op::scale) {
      diags.error(c.loc, path,
                  fmt::format("'{}' is not a target of {}; scale needs an existing target", s.target, s.map_path));
      return false;
    }
    if (!finite_result(it == s.map->end() ? 0.0 : it->second)) return false;
    const double v = compute(it == s.map->end() ? 0.0 : it->second);
    std::string err;
    if (!set_probability(*s.map, s.target, v, c.renormalize, &err)) {
      diags.error(c.loc, path, err);
      return false;
    }
    spec.locations.set(s.map_path, c.loc);
    touch(touched, s.map_path, c, path);
  } else if (s.shares) {
    model::TransitionMap shares;
    for (const auto& g : *s.shares) shares.emplace_back(g.id, g.share);
    auto it = std::find_if(shares.begin(), shares.end(), [&](const auto& e) { return e.first == s.segment; });
    if (!finite_result(it->second)) return false;
    std::string err;
    if (!set_probability(shares, s.segment, compute(it->second), c.renormalize, &err)) {
      diags.error(c.loc, path, err);
      return false;
    }
    for (std::size_t i = 0; i < shares.size(); ++i) (*s.shares)[i].share = shares[i].second;
    spec.locations.set("segments", c.loc);
    touch(touched, "segments", c, path);
  }
  return true;
}

// The paths an `all_segments: true` change reaches besides its own: the same
// field in every segment override that has it (segments without one follow
// the base). Empty with an error when the path has no segment overrides.
std::vector<std::string> override_paths(const JourneySpec& spec, const Change& c, std::string* error) {
  std::vector<std::string> out;
  const auto p = split(c.path);
  const bool start = p[0] == "start";
  const bool field = p.size() >= 2 && spec.find_touchpoint(p[0]) &&
                     std::find(kOverrideFields.begin(), kOverrideFields.end(), p[1]) != kOverrideFields.end();
  if (!start && !field) {
    *error = fmt::format(
        "all_segments: true reaches segment overrides, which exist for start and for a touchpoint's {}; '{}' has "
        "none (drop all_segments)",
        core::quoted_list(kOverrideFields), c.path);
    return out;
  }
  for (const auto& seg : spec.segments) {
    bool has = false;
    if (start) {
      has = seg.start.has_value();
    } else {
      for (const auto& [id, o] : seg.overrides) {
        if (id != p[0]) continue;
        const std::string& f = p[1];
        has = has || (f == "friction" && o.friction) || (f == "satisfaction" && o.satisfaction) ||
              (f == "effort" && o.effort) || (f == "duration" && o.duration) || (f == "next" && o.next) ||
              (f == "waiting" && o.waiting) || (f == "patience" && o.patience);
      }
    }
    if (has) out.push_back("segments." + seg.id + ".overrides." + c.path);
  }
  return out;
}

// One change as written: its own path and, with all_segments, every override's.
bool apply_written(JourneySpec& spec, const Change& c, std::vector<Touched>& touched, Diagnostics& diags) {
  std::vector<std::string> paths;
  if (c.all_segments) {
    std::string err;
    paths = override_paths(spec, c, &err);
    if (!err.empty()) {
      diags.error(c.loc, c.path, err);
      return false;
    }
  }
  bool ok = apply_one(spec, c, c.path, touched, diags);
  for (const auto& p : paths) ok = apply_one(spec, c, p, touched, diags) && ok;
  return ok;
}

// Each touched map must sum to 1 once every change to it is in.
// (resolve() of a map that changes already wrote to finds it and creates nothing.)
bool check_sums(JourneySpec& spec, const std::vector<Touched>& touched, Diagnostics& diags) {
  bool ok = true;
  for (const auto& t : touched) {
    double sum = 0;
    bool in_range = true;  // else re-validation reports the entry outside [0, 1], not the sum
    auto add = [&](double p) {
      sum += p;
      in_range = in_range && p >= 0 && p <= 1;
    };
    if (t.map_path == "segments") {
      for (const auto& g : spec.segments) add(g.share);
    } else {
      const Slot s = resolve(spec, t.map_path);
      if (!s.map) continue;  // cannot happen: the path resolved when it was written
      for (const auto& e : *s.map) add(e.second);
    }
    if (!in_range || std::fabs(sum - 1) <= model::kProbabilityTolerance) continue;
    ok = false;
    const char* hint = t.last->op == Change::Op::shift ? "" : "; add 'renormalize: true' to rescale the other targets";
    if (t.map_path == "segments") {
      diags.error(t.last->loc, t.last_path,
                  t.changes == 1 ? fmt::format("after this change the segment shares sum to {}, not 1; add "
                                               "'renormalize: true'",
                                               core::fmt_number(sum))
                                 : fmt::format("after this variant's {} changes to segment shares they sum to {}, not "
                                               "1; make them add up or add 'renormalize: true' to the last",
                                               t.changes, core::fmt_number(sum)));
    } else if (t.changes == 1) {
      diags.error(t.last->loc, t.last_path,
                  fmt::format("after this change {} sums to {}, not 1{}", t.map_path, core::fmt_number(sum), hint));
    } else {
      diags.error(t.last->loc, t.last_path,
                  fmt::format("after this variant's {} changes to {} it sums to {}, not 1; make them add up or add "
                              "'renormalize: true' to the last",
                              t.changes, t.map_path, core::fmt_number(sum)));
    }
  }
  return ok;
}

// A segment override that a change to a touchpoint field (or to start) does not reach.
struct Shadow {
  std::string segment;
  std::string override_path;  // "segments.<segment>.overrides.<touchpoint>.<field>" or "...overrides.start"
  std::string what;           // "checkout.friction", "start"
};

std::vector<Shadow> shadowing_overrides(const JourneySpec& spec, const Change& c) {
  std::vector<Shadow> out;
  if (c.all_segments) return out;
  const auto p = split(c.path);
  if (p[0] == "start") {
    for (const auto& seg : spec.segments)
      if (seg.start) out.push_back({seg.id, "segments." + seg.id + ".overrides.start", "start"});
    return out;
  }
  if (p.size() < 2 || !spec.find_touchpoint(p[0])) return out;
  const std::string& f = p[1];
  for (const auto& seg : spec.segments) {
    for (const auto& [id, o] : seg.overrides) {
      if (id != p[0]) continue;
      const bool shadowed = (f == "friction" && o.friction) || (f == "satisfaction" && o.satisfaction) ||
                            (f == "effort" && o.effort) || (f == "duration" && o.duration) || (f == "next" && o.next) ||
                            (f == "waiting" && o.waiting) || (f == "patience" && o.patience);
      if (shadowed)
        out.push_back({seg.id, fmt::format("segments.{}.overrides.{}.{}", seg.id, p[0], f), p[0] + "." + f});
    }
  }
  return out;
}

// Warns for each override that shadows `c`, unless `also` (the other changes
// of the same variant) changes that override too.
void warn_shadowed(const JourneySpec& spec, const Change& c, const std::vector<Change>& also, Diagnostics& diags) {
  for (const auto& sh : shadowing_overrides(spec, c)) {
    const bool covered = std::any_of(also.begin(), also.end(), [&](const Change& o) {
      return o.path == sh.override_path || o.path.rfind(sh.override_path + ".", 0) == 0;
    });
    if (covered) continue;
    diags.warning(c.loc, c.path,
                  fmt::format("segment '{}' overrides {}, so this change does not reach it (change {} too, or add "
                              "'all_segments: true')",
                              sh.segment, sh.what, sh.override_path));
  }
}

}  // namespace

bool apply_change(JourneySpec& spec, const Change& c, Diagnostics& diags) {
  std::vector<Touched> touched;
  if (!apply_written(spec, c, touched, diags)) return false;
  if (!check_sums(spec, touched, diags)) return false;
  warn_shadowed(spec, c, {}, diags);
  return true;
}

JourneySpec apply_variant(const JourneySpec& base, const std::string& label, const std::vector<Change>& changes,
                          Diagnostics& diags) {
  JourneySpec spec = base;
  Diagnostics local;
  std::vector<Touched> touched;
  for (const auto& c : changes)
    if (apply_written(spec, c, touched, local)) warn_shadowed(spec, c, changes, local);
  // Every map the variant changed is checked with all its changes in, not one by one
  // (also when another change failed: every problem at once).
  check_sums(spec, touched, local);
  if (!local.has_errors()) {
    Diagnostics v;
    model::validate(spec, v);
    for (auto d : v.items()) {
      if (d.severity == core::Severity::warning) continue;  // the baseline's warnings were shown already
      d.message = fmt::format("in {}: {}", label, d.message);
      local.add(std::move(d));
    }
  }
  for (auto d : local.items()) {
    if (d.message.rfind("in " + label, 0) != 0) d.message = fmt::format("in {}: {}", label, d.message);
    diags.add(std::move(d));
  }
  return spec;
}

}  // namespace cxsim::scenario
