#include "cxsim/scenario/scenario_loader.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"
#include "cxsim/engine/results.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/model/messages.h"
#include "cxsim/model/uncertain.h"
#include "cxsim/model/validate.h"
#include "cxsim/model/yaml_source.h"
#include "cxsim/rng/samplers.h"
#include "cxsim/rng/stream.h"
#include "cxsim/scenario/changes.h"
#include "cxsim/scenario/portfolio.h"

namespace cxsim::scenario {

using core::Diagnostics;
using model::NodeReader;
using model::YamlDocument;

namespace {

bool valid_name(const std::string& n) {
  if (n.empty()) return false;
  for (char c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

// `true` or `false` (YAML's other spellings, `yes`, `on`, ..., are refused:
// one spelling, as everywhere in the formats). False with an error otherwise.
bool parse_bool(NodeReader& r, const YAML::Node& n, const std::string& path, bool& out) {
  if (n.IsScalar() && (n.Scalar() == "true" || n.Scalar() == "false")) {
    out = n.Scalar() == "true";
    return true;
  }
  r.error(n, path, "expected true or false, got " + model::describe(n));
  return false;
}

// shift: {from: target, to: target, share: fraction of from's probability}.
bool parse_shift(NodeReader& r, const YAML::Node& n, const std::string& path, Change& c) {
  if (!r.expect_map(n, path, "{from: target, to: target, share: fraction}")) return false;
  r.check_keys(n, path, {"from", "to", "share"});
  r.require_keys(n, path, {"from", "to", "share"});
  bool ok = static_cast<bool>(n["from"]) && static_cast<bool>(n["to"]) && static_cast<bool>(n["share"]);
  if (n["from"]) {
    c.from_loc = r.loc(n["from"]);
    if (auto s = r.string(n["from"], path + ".from")) c.from = *s;
    else ok = false;
  }
  if (n["to"]) {
    c.to_loc = r.loc(n["to"]);
    if (auto s = r.string(n["to"], path + ".to")) c.to = *s;
    else ok = false;
  }
  if (n["share"]) {
    c.share_loc = r.loc(n["share"]);
    if (auto v = r.number(n["share"], path + ".share")) c.number = *v;
    else ok = false;
  }
  return ok;
}

std::optional<Change> parse_change(NodeReader& r, const YAML::Node& n, const std::string& path) {
  if (!r.expect_map(n, path,
                    "a change {set: path, value: x | scale: x | shift: {from, to, share}, renormalize: bool, "
                    "all_segments: bool}"))
    return std::nullopt;
  r.check_keys(n, path, {"set", "value", "scale", "shift", "renormalize", "all_segments"});
  r.require_keys(n, path, {"set"});
  Change c;
  c.loc = r.loc(n);
  bool ok = true;
  if (n["set"]) {
    auto s = r.string(n["set"], path + ".set");
    if (s) c.path = *s;
    else ok = false;
  }
  const bool has_v = static_cast<bool>(n["value"]), has_s = static_cast<bool>(n["scale"]),
             has_shift = static_cast<bool>(n["shift"]);
  const int ops = int{has_v} + int{has_s} + int{has_shift};
  if (ops != 1) {
    r.error(n, path,
            ops > 1 ? "give one of 'value', 'scale' or 'shift', not several"
                    : "missing 'value' (replace), 'scale' (multiply) or 'shift' (move probability)");
    ok = false;
  } else if (has_shift) {
    c.op = Change::Op::shift;
    if (!parse_shift(r, n["shift"], path + ".shift", c)) ok = false;
    if (n["renormalize"]) {
      r.error(n["renormalize"], path + ".renormalize", "a shift keeps the map's sum; renormalize does not apply");
      ok = false;
    }
  } else {
    c.op = has_s ? Change::Op::scale : Change::Op::value;
    auto v = r.number(has_s ? n["scale"] : n["value"], path + (has_s ? ".scale" : ".value"));
    if (v) c.number = *v;
    else ok = false;
  }
  if (n["renormalize"] && !has_shift && !parse_bool(r, n["renormalize"], path + ".renormalize", c.renormalize))
    ok = false;
  if (n["all_segments"] && !parse_bool(r, n["all_segments"], path + ".all_segments", c.all_segments)) ok = false;
  if (!ok) return std::nullopt;
  return c;
}

// investment: {once: X, per_period: Y}, each >= 0 and finite, at least one.
std::optional<engine::Investment> parse_investment(NodeReader& r, const YAML::Node& n, const std::string& path) {
  if (!r.expect_map(n, path, "an investment {once, per_period}")) return std::nullopt;
  r.check_keys(n, path, {"once", "per_period"});
  if (n.size() == 0) {
    r.error(n, path, "expected 'once', 'per_period' or both, got an empty mapping");
    return std::nullopt;
  }
  engine::Investment inv;
  bool ok = true;
  for (const char* key : {"once", "per_period"}) {
    if (!n[key]) continue;
    auto v = r.number(n[key], path + "." + key);
    if (!v) {
      ok = false;
    } else if (!std::isfinite(*v) || *v < 0) {
      r.error(n[key], path + "." + key, "expected a non-negative finite amount, got " + fmt::format("{}", *v));
      ok = false;
    } else {
      (std::string(key) == "once" ? inv.once : inv.per_period) = *v;
    }
  }
  if (!ok) return std::nullopt;
  return inv;
}

// portfolio: {candidates: [variant, ...], budget: X, objective: net_return |
// delta_nps | delta_retention, max_exhaustive: n}.
void parse_portfolio(NodeReader& r, const YAML::Node& n, PortfolioSpec& p) {
  const std::string path = "portfolio";
  p.loc = r.loc(n);
  if (!r.expect_map(n, path, "a portfolio {candidates, budget, objective, max_exhaustive}")) return;
  r.check_keys(n, path, {"candidates", "budget", "objective", "max_exhaustive"});
  r.require_keys(n, path, {"candidates"});
  p.present = true;
  if (const auto& c = n["candidates"]) {
    if (!c.IsSequence()) {
      r.error(c, path + ".candidates", "expected a list of variant names, got " + model::describe(c));
    } else {
      std::size_t i = 0;
      for (const auto& e : c) {
        const std::string ep = fmt::format("{}.candidates[{}]", path, i++);
        auto name = r.string(e, ep);
        if (!name) continue;
        if (std::find(p.candidates.begin(), p.candidates.end(), *name) != p.candidates.end()) {
          r.error(e, ep, fmt::format("'{}' is listed twice", *name));
          continue;
        }
        p.candidates.push_back(*name);
        p.candidate_locs.push_back(r.loc(e));
      }
      if (i == 0) r.error(c, path + ".candidates", "needs at least one candidate variant");
    }
  }
  if (const auto& b = n["budget"]) {
    p.budget_loc = r.loc(b);
    auto v = r.number(b, path + ".budget");
    if (v && (!std::isfinite(*v) || *v < 0))
      r.error(b, path + ".budget", "expected a non-negative finite amount, got " + fmt::format("{}", *v));
    else if (v) p.budget = *v;
  }
  if (const auto& o = n["objective"]) {
    if (auto s = r.string(o, path + ".objective")) {
      const std::vector<std::string> names = {"net_return", "delta_nps", "delta_retention"};
      if (*s == "net_return") p.objective = PortfolioSpec::Objective::net_return;
      else if (*s == "delta_nps") p.objective = PortfolioSpec::Objective::delta_nps;
      else if (*s == "delta_retention") p.objective = PortfolioSpec::Objective::delta_retention;
      else
        r.error(o, path + ".objective",
                fmt::format("unknown objective '{}'; expected one of {}", *s, core::quoted_list(names)),
                core::did_you_mean(*s, names));
    }
  }
  if (const auto& m = n["max_exhaustive"]) {
    p.max_exhaustive_loc = r.loc(m);
    auto v = r.integer(m, path + ".max_exhaustive");
    if (v && (*v < 1 || *v > kMaxPortfolioExhaustive))
      r.error(m, path + ".max_exhaustive", model::must_be_between("", 1, kMaxPortfolioExhaustive, *v));
    else if (v) p.max_exhaustive = static_cast<int>(*v);
  }
}

std::optional<engine::RecoveryProgram> parse_recovery(NodeReader& r, const YAML::Node& n, const std::string& path) {
  if (!r.expect_map(n, path, "a recovery program {trigger, reach, success, satisfaction, cost, reroute}"))
    return std::nullopt;
  r.check_keys(n, path, {"trigger", "reach", "success", "satisfaction", "cost", "reroute"});
  r.require_keys(n, path, {"trigger"});
  engine::RecoveryProgram p;
  bool ok = true;
  using Trigger = engine::RecoveryProgram::Trigger;
  if (n["trigger"]) {
    const auto& t = n["trigger"];
    const std::string tp = path + ".trigger";
    if (r.expect_map(t, tp,
                     "{satisfaction_below: x}, {frictions_at_least: k}, {at: TOUCHPOINT}, "
                     "{wait_above: x, at: TOUCHPOINT} or {outcome_kind: KIND}")) {
      r.check_keys(t, tp, {"satisfaction_below", "frictions_at_least", "at", "wait_above", "outcome_kind"});
      const bool targeted = t["at"] || t["wait_above"];
      auto name = [&](const char* key, std::string& out, core::SourceLoc& loc) {
        if (auto v = r.string(t[key], tp + "." + key)) {
          out = *v;
          loc = r.loc(t[key]);
        } else {
          ok = false;
        }
      };
      if (targeted) {
        // {at: TP} or {wait_above: x, at: TP}; nothing else beside them.
        if (!t["at"]) {
          r.error(t, tp, "'wait_above' needs 'at: TOUCHPOINT' (where the wait is measured)");
          ok = false;
        } else if (t.size() != (t["wait_above"] ? 2u : 1u)) {
          r.error(t, tp, "expected {at: TOUCHPOINT} or {wait_above: x, at: TOUCHPOINT} alone");
          ok = false;
        } else {
          name("at", p.at_id, p.at_loc);
          p.trigger = Trigger::at;
          if (t["wait_above"]) {
            p.trigger = Trigger::wait_above;
            auto v = r.number(t["wait_above"], tp + ".wait_above");
            if (v && *v >= 0) p.threshold = *v;
            else {
              if (v) r.error(t["wait_above"], tp + ".wait_above", model::must_be_at_least("wait_above", 0, *v));
              ok = false;
            }
          }
        }
      } else if (t.size() != 1) {
        r.error(t, tp, "expected exactly one of 'satisfaction_below', 'frictions_at_least', 'at' or 'outcome_kind'");
        ok = false;
      } else if (t["outcome_kind"]) {
        p.trigger = Trigger::outcome_kind;
        name("outcome_kind", p.kind_name, p.kind_loc);
      } else if (t["satisfaction_below"]) {
        p.trigger = engine::RecoveryProgram::Trigger::satisfaction_below;
        if (auto v = r.number(t["satisfaction_below"], tp + ".satisfaction_below")) p.threshold = *v;
        else ok = false;
      } else if (t["frictions_at_least"]) {
        p.trigger = engine::RecoveryProgram::Trigger::frictions_at_least;
        auto v = r.integer(t["frictions_at_least"], tp + ".frictions_at_least");
        if (v && *v >= 1) p.threshold = static_cast<double>(*v);
        else {
          if (v) r.error(t["frictions_at_least"], tp + ".frictions_at_least", model::must_be_at_least("", 1, *v));
          ok = false;
        }
      }
    } else {
      ok = false;
    }
  }
  auto prob = [&](const char* key, double& out, std::array<double, 2>& beta) {
    if (!n[key]) return;
    if (n[key].IsMap()) {
      // {estimate: p, beta: [a, b]}: uncertain (docs/methods/uncertainty.md).
      const auto c = model::parse_beta_counts(r, n[key], path + "." + key);
      if (!c) {
        ok = false;
        return;
      }
      if (c->estimate < 0 || c->estimate > 1) {
        r.error(n[key]["estimate"], path + "." + key + ".estimate",
                model::outside_unit_interval("probability", c->estimate));
        ok = false;
        return;
      }
      out = c->estimate;
      beta = {c->a, c->b};
      return;
    }
    auto v = r.number(n[key], path + "." + key);
    if (!v) {
      ok = false;
      return;
    }
    if (*v < 0 || *v > 1) {
      r.error(n[key], path + "." + key, model::outside_unit_interval("probability", *v));
      ok = false;
      return;
    }
    out = *v;
  };
  p.path = path;
  prob("reach", p.reach, p.reach_beta);
  prob("success", p.success, p.success_beta);
  if (n["satisfaction"]) {
    if (auto v = r.number(n["satisfaction"], path + ".satisfaction")) p.satisfaction = *v;
    else ok = false;
  }
  if (n["cost"]) {
    auto v = r.number(n["cost"], path + ".cost");
    if (v && *v >= 0) p.cost = *v;
    else {
      if (v) r.error(n["cost"], path + ".cost", model::must_be_at_least("cost", 0, *v));
      ok = false;
    }
  }
  if (n["reroute"]) {
    if (auto v = r.string(n["reroute"], path + ".reroute")) {
      p.reroute_id = *v;
      p.reroute_loc = r.loc(n["reroute"]);
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return p;
}

}  // namespace

engine::RecoveryProgram draw_recovery(const engine::RecoveryProgram& p, std::uint64_t seed, std::uint64_t draw) {
  engine::RecoveryProgram out = p;
  const auto one = [&](const std::array<double, 2>& beta, std::uint32_t field, double& value) {
    if (!(beta[0] > 0)) return;
    rng::Stream g(seed, rng::Purpose::replication, draw, 2, 2 * p.draw_slot + field);
    value = rng::beta(g, beta[0], beta[1]);
  };
  one(p.reach_beta, 0, out.reach);
  one(p.success_beta, 1, out.success);
  return out;
}

std::vector<std::string> recovery_input_names(const engine::RecoveryProgram& p) {
  std::vector<std::string> out;
  if (p.reach_beta[0] > 0) out.push_back(p.path + ".reach");
  if (p.success_beta[0] > 0) out.push_back(p.path + ".success");
  return out;
}

std::vector<double> recovery_input_values(const engine::RecoveryProgram& drawn) {
  std::vector<double> out;
  if (drawn.reach_beta[0] > 0) out.push_back(drawn.reach);
  if (drawn.success_beta[0] > 0) out.push_back(drawn.success);
  return out;
}

std::vector<std::string> describe_recovery_uncertain(const engine::RecoveryProgram& p) {
  std::vector<std::string> out;
  for (const auto& [key, beta] : {std::pair{"reach", p.reach_beta}, std::pair{"success", p.success_beta}})
    if (beta[0] > 0)
      out.push_back(fmt::format("{}.{}: Beta({:.6g}, {:.6g}) (mean {:.6g})", p.path, key, beta[0], beta[1],
                                beta[0] / (beta[0] + beta[1])));
  return out;
}

void resolve_recovery(engine::RecoveryProgram& p, const model::JourneySpec& journey, const std::string& path,
                      core::Diagnostics& diags) {
  const auto ids = journey.touchpoint_ids();
  auto touchpoint = [&](const std::string& id, const core::SourceLoc& loc, const std::string& key,
                        const char* role) -> std::uint32_t {
    for (std::size_t k = 0; k < ids.size(); ++k)
      if (ids[k] == id) return static_cast<std::uint32_t>(k);
    if (journey.find_outcome(id))
      diags.error(loc, key,
                  fmt::format("'{}' is an outcome; {} must name a touchpoint (an outcome ends the walk)", id, role));
    else diags.error(loc, key, fmt::format("unknown touchpoint '{}'", id), core::did_you_mean(id, ids));
    return engine::RecoveryProgram::kNone;
  };
  using Trigger = engine::RecoveryProgram::Trigger;
  if (p.trigger == Trigger::at || p.trigger == Trigger::wait_above)
    p.at = touchpoint(p.at_id, p.at_loc, path + ".trigger.at", "the trigger's 'at'");
  if (p.trigger == Trigger::outcome_kind) {
    std::vector<std::string> kinds;
    for (const auto& o : journey.outcomes)
      if (std::find(kinds.begin(), kinds.end(), o.kind) == kinds.end()) kinds.push_back(o.kind);
    const auto it = std::find(kinds.begin(), kinds.end(), p.kind_name);
    if (it == kinds.end())
      diags.error(p.kind_loc, path + ".trigger.outcome_kind",
                  fmt::format("unknown outcome kind '{}' (kinds: {})", p.kind_name, core::quoted_list(kinds)),
                  core::did_you_mean(p.kind_name, kinds));
    else p.kind = static_cast<std::uint32_t>(it - kinds.begin());  // compile()'s kind order: first appearance
  }
  if (!p.reroute_id.empty() || p.reroute_loc.line > 0)
    p.reroute = touchpoint(p.reroute_id, p.reroute_loc, path + ".reroute", "'reroute'");
}

namespace {

ScenarioSpec parse_scenario(const YamlDocument& doc, Diagnostics& diags) {
  ScenarioSpec sc;
  sc.source_path = doc.file;
  sc.source_text = doc.text;
  if (!doc.ok()) return sc;
  model::LocationIndex locs;
  locs.set_file(doc.file);
  NodeReader r(doc.file, diags, locs);
  const YAML::Node& root = doc.root;
  if (!r.expect_map(root, "", "a scenario mapping (scenario, journey, population, variants, ...)")) return sc;
  r.check_keys(
      root, "",
      {"scenario", "description", "journey", "population", "variants", "sweeps", "rank_frictions", "portfolio"});
  r.require_keys(root, "", {"journey"});
  if (root["scenario"]) {
    if (auto s = r.string(root["scenario"], "scenario")) sc.name = *s;
  }
  if (root["description"]) {
    if (auto s = r.string(root["description"], "description")) sc.description = *s;
  }
  if (root["journey"]) {
    if (auto s = r.string(root["journey"], "journey")) {
      sc.journey_ref = *s;
      std::filesystem::path p(*s);
      if (p.is_relative()) p = std::filesystem::path(doc.file).parent_path() / p;
      sc.journey_path = p.lexically_normal().string();
      std::error_code ec;
      if (!std::filesystem::exists(sc.journey_path, ec))
        r.error(root["journey"], "journey",
                fmt::format("journey file '{}' not found (looked for {}; paths are relative to the scenario file)", *s,
                            sc.journey_path));
    }
  }
  if (root["population"]) {
    const auto& p = root["population"];
    if (model::parse_population(r, p, sc.population, {"precision"})) {
      if (p["precision"]) {
        const auto& q = p["precision"];
        const std::string qp = "population.precision";
        if (r.expect_map(q, qp, "{metric, half_width, variant, max_customers}")) {
          r.check_keys(q, qp, {"metric", "half_width", "variant", "max_customers"});
          r.require_keys(q, qp, {"metric", "half_width"});
          sc.precision.present = true;
          sc.precision.loc = r.loc(q);
          if (q["metric"]) {
            if (auto s = r.string(q["metric"], qp + ".metric")) sc.precision.metric = *s;
            sc.precision.metric_loc = r.loc(q["metric"]);
          }
          if (q["variant"]) {
            if (auto s = r.string(q["variant"], qp + ".variant")) sc.precision.variant = *s;
            sc.precision.variant_loc = r.loc(q["variant"]);
          }
          if (q["half_width"]) {
            auto v = r.number(q["half_width"], qp + ".half_width");
            if (v && *v <= 0) r.error(q["half_width"], qp + ".half_width", model::must_be_greater("", 0, *v));
            else if (v) sc.precision.half_width = *v;
          }
          if (q["max_customers"]) {
            auto v = r.integer(q["max_customers"], qp + ".max_customers");
            if (v && *v < 1) r.error(q["max_customers"], qp + ".max_customers", model::must_be_at_least("", 1, *v));
            else if (v && *v > model::kMaxCustomers)
              r.error(q["max_customers"], qp + ".max_customers",
                      model::must_be_between("", 1, model::kMaxCustomers, *v) + model::kMaxCustomersNote);
            else if (v) sc.precision.max_customers = *v;
          }
        }
      }
    }
  }
  if (root["variants"]) {
    if (r.expect_map(root["variants"], "variants", "a mapping of variant names to variants")) {
      std::set<std::string> seen;
      for (const auto& e : r.entries(root["variants"], "variants")) {
        const std::string vp = "variants." + e.key;
        if (!seen.insert(e.key).second) {
          r.error(e.key_node, vp, "duplicate variant");
          continue;
        }
        if (e.key == "baseline") {
          r.error(e.key_node, vp, "'baseline' is reserved for the journey as written; name the variant otherwise");
          continue;
        }
        if (!valid_name(e.key)) {
          r.error(e.key_node, vp, "variant names may use letters, digits, '_' and '-' only");
          continue;
        }
        VariantSpec v;
        v.name = e.key;
        v.loc = r.loc(e.key_node);
        if (!r.expect_map(e.value, vp, "a variant {description, changes, recovery, investment}")) continue;
        r.check_keys(e.value, vp, {"description", "changes", "recovery", "investment"});
        if (e.value["description"]) {
          if (auto s = r.string(e.value["description"], vp + ".description")) v.description = *s;
        }
        if (e.value["changes"]) {
          const auto& ch = e.value["changes"];
          if (!ch.IsSequence()) {
            r.error(ch, vp + ".changes", "expected a list of changes, got " + model::describe(ch));
          } else {
            std::size_t i = 0;
            for (const auto& c : ch)
              if (auto pc = parse_change(r, c, fmt::format("{}.changes[{}]", vp, i++))) v.changes.push_back(*pc);
          }
        }
        if (e.value["recovery"]) {
          v.recovery_loc = r.loc(e.value["recovery"]);
          v.recovery = parse_recovery(r, e.value["recovery"], vp + ".recovery");
          if (v.recovery) v.recovery->draw_slot = static_cast<std::uint32_t>(sc.variants.size());
        }
        if (e.value["investment"]) {
          v.investment_loc = r.loc(e.value["investment"]);
          v.investment = parse_investment(r, e.value["investment"], vp + ".investment");
        }
        if (!e.value["changes"] && !e.value["recovery"])
          r.warning(e.key_node, vp, "has no changes and no recovery program: it is the baseline again");
        sc.variants.push_back(std::move(v));
      }
    }
  }
  if (root["sweeps"]) {
    if (r.expect_map(root["sweeps"], "sweeps", "a mapping of sweep names to {set, values}")) {
      std::set<std::string> seen;
      for (const auto& e : r.entries(root["sweeps"], "sweeps")) {
        const std::string sp = "sweeps." + e.key;
        if (!seen.insert(e.key).second) {
          r.error(e.key_node, sp, "duplicate sweep");
          continue;
        }
        if (!valid_name(e.key)) {
          r.error(e.key_node, sp, "sweep names may use letters, digits, '_' and '-' only");
          continue;
        }
        if (!r.expect_map(e.value, sp, "{set: path, values: [...]}")) continue;
        r.check_keys(e.value, sp, {"set", "values", "scale", "renormalize"});
        SweepSpec sw;
        sw.name = e.key;
        sw.loc = r.loc(e.key_node);
        if (e.value["set"]) {
          if (auto s = r.string(e.value["set"], sp + ".set")) sw.path = *s;
        } else {
          r.error(e.value, sp, "missing required key 'set'");
        }
        const bool has_v = static_cast<bool>(e.value["values"]), has_s = static_cast<bool>(e.value["scale"]);
        if (has_v == has_s) {
          r.error(e.value, sp, "give 'values' (replacements) or 'scale' (multipliers), one of them");
          continue;
        }
        sw.op = has_s ? Change::Op::scale : Change::Op::value;
        if (auto v = r.number_list(has_s ? e.value["scale"] : e.value["values"], sp + (has_s ? ".scale" : ".values")))
          sw.values = *v;
        if (sw.values.empty()) r.error(e.value, sp, "needs at least one value");
        // A sweep with a broken part is not applied (its points would only repeat the error).
        if (e.value["renormalize"] && !parse_bool(r, e.value["renormalize"], sp + ".renormalize", sw.renormalize))
          continue;
        sc.sweeps.push_back(std::move(sw));
      }
    }
  }
  if (root["rank_frictions"]) {
    const auto& rf = root["rank_frictions"];
    sc.rank.present = true;
    sc.rank.loc = r.loc(rf);
    if (rf.IsScalar() && (rf.Scalar() == "true" || rf.Scalar() == "false")) {
      sc.rank.present = rf.Scalar() == "true";
    } else if (r.expect_map(rf, "rank_frictions", "{reduce_by: fraction} or true")) {
      r.check_keys(rf, "rank_frictions", {"reduce_by"});
      if (rf["reduce_by"]) {
        auto v = r.number(rf["reduce_by"], "rank_frictions.reduce_by");
        if (v && (*v <= 0 || *v > 1))
          r.error(rf["reduce_by"], "rank_frictions.reduce_by", model::must_be_in_unit_interval("", *v, true));
        else if (v) sc.rank.reduce_by = *v;
      }
    }
  }
  if (root["portfolio"]) parse_portfolio(r, root["portfolio"], sc.portfolio);
  return sc;
}

}  // namespace

const char* objective_name(PortfolioSpec::Objective o) {
  switch (o) {
    case PortfolioSpec::Objective::net_return: return "net_return";
    case PortfolioSpec::Objective::delta_nps: return "delta_nps";
    case PortfolioSpec::Objective::delta_retention: return "delta_retention";
  }
  return "net_return";
}

std::vector<std::string> precision_metrics(const model::CompiledModel& m) {
  std::vector<std::string> names;
  for (const auto& d : engine::headline_metrics(m, false)) names.push_back(d.name);
  names.push_back("time_p50");
  names.push_back("time_p90");
  for (const auto& k : m.kinds) names.push_back("time_p90_" + k);
  return names;
}

bool is_scenario(const YamlDocument& doc) {
  return doc.ok() && doc.root.IsMap() && doc.root["scenario"] && !doc.root["touchpoints"];
}

LoadedScenario check_scenario_file(const std::string& path, Diagnostics& diags) {
  return check_scenario_document(YamlDocument::load_file(path, diags), diags);
}

LoadedScenario check_scenario_document(const YamlDocument& doc, Diagnostics& diags) {
  LoadedScenario out;
  out.scenario = parse_scenario(doc, diags);
  std::error_code ec;
  if (out.scenario.journey_path.empty() || !std::filesystem::exists(out.scenario.journey_path, ec)) {
    diags.sort_and_dedupe();
    return out;
  }
  // The journey is checked even when the scenario has problems, and the
  // variants even when other parts of the scenario do: everything at once.
  core::Diagnostics jd;
  out.journey = model::check_journey_file(out.scenario.journey_path, jd);
  diags.append(jd);
  if (jd.has_errors()) {
    diags.sort_and_dedupe();
    return out;
  }
  // The run's size, with the file's population (run checks again with its
  // flags): before the sweep points are applied, so a huge sweep is refused
  // without building its variants.
  {
    const auto& pop = out.scenario.population;
    const std::size_t errors_before = diags.error_count();
    const long long customers = pop.customers.value_or(10000);
    check_run_size(out.scenario, out.journey, customers > 0 ? static_cast<std::uint64_t>(customers) : 1,
                   pop.periods.value_or(1), true, true, diags);
    if (diags.error_count() > errors_before) {
      diags.sort_and_dedupe();
      return out;
    }
  }
  std::vector<bool> variant_ok;
  for (auto& v : out.scenario.variants) {
    const std::size_t before = diags.error_count();
    out.variant_specs.push_back(apply_variant(out.journey, "variant '" + v.name + "'", v.changes, diags));
    if (v.recovery) resolve_recovery(*v.recovery, out.variant_specs.back(), "variants." + v.name + ".recovery", diags);
    variant_ok.push_back(diags.error_count() == before);
  }
  const bool queues = std::any_of(out.journey.touchpoints.begin(), out.journey.touchpoints.end(),
                                  [](const auto& t) { return t.capacity.has_value(); });
  const engine::RunSettings qs = queue_check_settings(out.scenario.population);
  // Queues: the baseline's and every variant's utilisation with the
  // scenario's population (the journey's own check used the journey's).
  if (queues && !diags.has_errors()) {
    const engine::Variant base{"baseline", "", model::compile(out.journey), std::nullopt};
    solve_variant_queues(base, {}, "the baseline", {}, "", qs, diags);
  }
  for (std::size_t i = 0; queues && i < out.scenario.variants.size(); ++i) {
    const auto& v = out.scenario.variants[i];
    if (!variant_ok[i]) continue;
    const engine::Variant cv{v.name, "", model::compile(out.variant_specs[i]), v.recovery};
    solve_variant_queues(cv, v.changes, "variant '" + v.name + "'", v.loc, "variants." + v.name, qs, diags);
  }
  for (const auto& sw : out.scenario.sweeps) {
    for (double x : sw.values) {
      Change c{sw.path, sw.op, x, sw.renormalize, sw.loc};
      const std::size_t before = diags.error_count();
      auto spec = apply_variant(out.journey, "sweep '" + sw.name + "'", {c}, diags);
      if (!queues || diags.error_count() != before) continue;
      const engine::Variant cv{"sweep", "", model::compile(spec), std::nullopt};
      solve_variant_queues(cv, {c}, fmt::format("sweep '{}' = {}", sw.name, core::fmt_number(x)), sw.loc,
                           "sweeps." + sw.name, qs, diags);
    }
  }
  if (out.scenario.portfolio.present) check_portfolio(out.scenario, out.journey, diags);
  if (out.scenario.precision.present) {
    const auto& q = out.scenario.precision;
    if (!q.variant.empty()) {
      bool found = false;
      std::vector<std::string> names;
      for (const auto& v : out.scenario.variants) {
        names.push_back(v.name);
        found = found || v.name == q.variant;
      }
      if (!found)
        diags.error(q.variant_loc, "population.precision.variant", fmt::format("unknown variant '{}'", q.variant),
                    core::did_you_mean(q.variant, names));
    }
    if (!q.metric.empty()) {
      const auto names = precision_metrics(model::compile(out.journey));
      if (std::find(names.begin(), names.end(), q.metric) == names.end()) {
        const std::string sug = core::did_you_mean(q.metric, names);
        diags.error(q.metric_loc, "population.precision.metric",
                    fmt::format("unknown metric '{}'{}", q.metric,
                                sug.empty() ? "; expected a headline metric: " + core::quoted_list(names) : ""),
                    sug);
      }
    }
  }
  diags.sort_and_dedupe();
  return out;
}

std::uint64_t estimated_variant_bytes(const model::JourneySpec& j, std::uint64_t customers, int periods) {
  const std::uint64_t nodes = j.touchpoints.size() + j.outcomes.size();
  std::uint64_t bytes = (std::uint64_t{128} << 10) + nodes * (std::uint64_t{2} << 10);
  // Clamped to the valid ranges (an invalid population is reported elsewhere): no overflow.
  const std::uint64_t walks = std::min<std::uint64_t>(customers, std::uint64_t{1} << 40) *
                              static_cast<std::uint64_t>(std::clamp(periods, 1, 65535));
  if (walks > 65536) bytes += std::uint64_t{512} << 10;
  std::set<std::string> kinds;
  for (const auto& o : j.outcomes) kinds.insert(o.kind);
  bytes += std::min<std::uint64_t>(walks, 4096) * 2 * (96 + 8 * (kinds.size() + 1 + 2));
  return bytes;
}

void check_run_size(const ScenarioSpec& sc, const model::JourneySpec& j, std::uint64_t customers, int periods,
                    bool sweeps, bool ranking, Diagnostics& diags) {
  const std::uint64_t per_variant = estimated_variant_bytes(j, customers, periods);
  std::uint64_t runs = 1;
  bool reported = false;
  auto add = [&](std::uint64_t n, const SourceLoc& loc, const std::string& key_path, const std::string& what) {
    runs += n;
    if (reported) return;
    const std::uint64_t bytes = runs * per_variant;
    if (runs <= kMaxVariantRuns && bytes <= kMaxRunMemoryBytes) return;
    reported = true;
    diags.error(loc, key_path,
                fmt::format("{} makes {} variant runs so far (the baseline, each variant, each sweep value and "
                            "each ranked touchpoint), estimated at {:.0f} MiB of accumulators ({:.0f} KiB each, "
                            "{} customers, {} period{}): a scenario may make at most {} variant runs and {} MiB "
                            "(docs/scenario-format.md, Limits); split the scenario or use fewer values",
                            what, runs, static_cast<double>(bytes) / (1 << 20), static_cast<double>(per_variant) / 1024,
                            customers, periods, periods == 1 ? "" : "s", kMaxVariantRuns, kMaxRunMemoryBytes >> 20));
  };
  for (const auto& v : sc.variants) add(1, v.loc, "variants." + v.name, fmt::format("variant '{}'", v.name));
  if (sweeps)
    for (const auto& sw : sc.sweeps)
      add(sw.values.size(), sw.loc, "sweeps." + sw.name,
          fmt::format("sweep '{}' ({} value{})", sw.name, sw.values.size(), sw.values.size() == 1 ? "" : "s"));
  if (ranking && sc.rank.present) {
    // Every touchpoint with a positive friction somewhere (an upper bound of
    // the ranking's variants: unreachable ones are left out later).
    std::uint64_t ranked = 0;
    for (const auto& tp : j.touchpoints) {
      bool positive = tp.friction > 0;
      for (const auto& sg : j.segments)
        for (const auto& [id, ov] : sg.overrides)
          if (id == tp.id && ov.friction && *ov.friction > 0) positive = true;
      ranked += positive ? 1 : 0;
    }
    add(ranked, sc.rank.loc, "rank_frictions", fmt::format("rank_frictions ({} touchpoints)", ranked));
  }
  if (sc.portfolio.present) {
    // The combinations of two or more candidates (the single ones are their
    // variants): 2^n - 1 - n exhaustive; greedy at most n(n-1)/2 more.
    const std::uint64_t n = sc.portfolio.candidates.size();
    const std::uint64_t combos = n <= static_cast<std::uint64_t>(sc.portfolio.max_exhaustive)
                                     ? (std::uint64_t{1} << n) - 1 - n
                                     : n * (n - 1) / 2;
    add(combos, sc.portfolio.loc, "portfolio",
        fmt::format("portfolio ({} candidates, {} combinations of two or more)", n, combos));
  }
}

engine::RunSettings queue_check_settings(const model::PopulationSpec& pop) {
  engine::RunSettings s;
  s.customers = static_cast<std::uint64_t>(std::max<long long>(1, pop.customers.value_or(10000)));
  s.periods = std::clamp(pop.periods.value_or(1), 1, 65535);
  s.customer_base = pop.customer_base.value_or(0.0);
  return s;
}

std::shared_ptr<const engine::QueueTables> solve_variant_queues(const engine::Variant& v,
                                                                const std::vector<Change>& changes,
                                                                const std::string& what, const core::SourceLoc& loc,
                                                                const std::string& key_path_prefix,
                                                                const engine::RunSettings& s, Diagnostics& diags) {
  if (v.model.queues.empty()) return nullptr;
  try {
    return std::make_shared<const engine::QueueTables>(engine::solve_queues(v, s));
  } catch (const core::InputError& e) {
    for (const auto& d : e.diagnostics().items()) {
      if (d.severity != core::Severity::error) continue;
      if (changes.empty() && key_path_prefix.empty()) {  // the baseline: at the journey's line
        diags.error(d.loc, d.key_path, "in " + what + ": " + d.message, d.suggestion);
        continue;
      }
      // d.key_path is "<touchpoint>.capacity": blame the change of that
      // capacity, else of that touchpoint, else the variant's entry.
      const std::string tp = d.key_path.substr(0, d.key_path.rfind('.'));
      const Change* blame = nullptr;
      for (const auto& c : changes)
        if (!blame && (c.path == d.key_path || c.path.rfind(d.key_path + ".", 0) == 0)) blame = &c;
      for (const auto& c : changes)
        if (!blame && c.path.rfind(tp + ".", 0) == 0) blame = &c;
      diags.error(blame ? blame->loc : loc, blame ? blame->path : key_path_prefix, "in " + what + ": " + d.message,
                  d.suggestion);
    }
  } catch (const core::RuntimeError& e) {
    diags.error(loc, key_path_prefix, "in " + what + ": " + e.what());
  }
  return nullptr;
}

LoadedScenario load_scenario(const std::string& path) {
  Diagnostics diags;
  const YamlDocument doc = YamlDocument::load_file(path, diags);
  return load_scenario_document(doc, std::move(diags));
}

LoadedScenario load_scenario_document(const YamlDocument& doc, Diagnostics diags) {
  LoadedScenario out = check_scenario_document(doc, diags);
  if (diags.has_errors()) throw core::InputError(std::move(diags));
  out.diagnostics = std::move(diags);
  return out;
}

}  // namespace cxsim::scenario
