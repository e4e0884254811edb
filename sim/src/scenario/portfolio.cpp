#include "cxsim/scenario/portfolio.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "cxsim/core/strings.h"
#include "cxsim/scenario/changes.h"

namespace cxsim::scenario {

std::vector<std::size_t> candidate_variants(const ScenarioSpec& sc) {
  std::vector<std::size_t> out;
  for (const auto& name : sc.portfolio.candidates)
    for (std::size_t v = 0; v < sc.variants.size(); ++v)
      if (sc.variants[v].name == name) out.push_back(v);
  return out;
}

std::vector<Combination> all_combinations(const std::vector<std::size_t>& candidates) {
  const std::size_t n = candidates.size();
  std::vector<Combination> out;
  if (n == 0 || n > 30) return out;
  for (std::size_t size = 1; size <= n; ++size)
    for (std::uint64_t code = 1; code < (std::uint64_t{1} << n); ++code) {
      if (static_cast<std::size_t>(__builtin_popcountll(code)) != size) continue;
      Combination c;
      for (std::size_t i = 0; i < n; ++i)
        if (code >> i & 1u) c.push_back(candidates[i]);
      out.push_back(std::move(c));
    }
  return out;
}

std::string combination_name(const ScenarioSpec& sc, const Combination& c) {
  std::string s;
  for (std::size_t v : c) s += (s.empty() ? "" : "+") + sc.variants[v].name;
  return s;
}

std::vector<Change> combination_changes(const ScenarioSpec& sc, const Combination& c) {
  std::vector<Change> out;
  for (std::size_t v : c) out.insert(out.end(), sc.variants[v].changes.begin(), sc.variants[v].changes.end());
  return out;
}

std::optional<engine::Investment> combination_investment(const ScenarioSpec& sc, const Combination& c) {
  std::optional<engine::Investment> out;
  for (std::size_t v : c) {
    if (!sc.variants[v].investment) continue;
    if (!out) out = engine::Investment{};
    out->once += sc.variants[v].investment->once;
    out->per_period += sc.variants[v].investment->per_period;
  }
  return out;
}

std::optional<engine::RecoveryProgram> combination_recovery(const ScenarioSpec& sc, const Combination& c) {
  for (std::size_t v : c)
    if (sc.variants[v].recovery) return sc.variants[v].recovery;
  return std::nullopt;
}

double discounted_investment(const engine::Investment& inv, double discount_rate, int periods) {
  double total = inv.once, discount = 1.0;
  for (int t = 0; t < periods; ++t) {
    total += inv.per_period * discount;
    discount /= (1.0 + discount_rate);
  }
  return total;
}

namespace {

// A change's target seen from the base model: the path without a
// `segments.<s>.overrides.` prefix, and the segment it names ("" = base).
struct Target {
  std::string field;  // e.g. checkout.friction, checkout.next.ok.abandoned, start.web
  std::string segment;
  bool all = false;  // all_segments: the base and every override
  std::string map;   // the probability map it rescales or shifts as a whole ("" = none)
};

std::string parent_of(const std::string& p) {
  const auto dot = p.rfind('.');
  return dot == std::string::npos ? std::string() : p.substr(0, dot);
}

Target target_of(const Change& c) {
  Target t;
  t.field = c.path;
  t.all = c.all_segments;
  const std::string pre = "segments.";
  if (c.path.rfind(pre, 0) == 0) {
    const auto dot = c.path.find('.', pre.size());
    if (dot != std::string::npos && c.path.compare(dot, 11, ".overrides.") == 0) {
      t.segment = c.path.substr(pre.size(), dot - pre.size());
      t.field = c.path.substr(dot + 11);
    } else if (dot != std::string::npos && c.path.compare(dot, std::string::npos, ".share") == 0) {
      t.field = "segments.*.share";  // every segment's share is one map
    }
  }
  if (c.op == Change::Op::shift) t.map = t.field;
  else if (c.renormalize) t.map = t.field == "segments.*.share" ? t.field : parent_of(t.field);
  return t;
}

}  // namespace

std::optional<std::string> change_conflict(const Change& a, const Change& b) {
  const Target ta = target_of(a), tb = target_of(b);
  if (!(ta.all || tb.all || ta.segment == tb.segment)) return std::nullopt;
  const std::string where = ta.segment.empty() && tb.segment.empty() ? "" : " (segment overrides included)";
  if (ta.field == tb.field) return fmt::format("both change '{}'{}", ta.field, where);
  for (const auto* p : {&ta, &tb}) {
    const Target& whole = *p;
    const Target& other = p == &ta ? tb : ta;
    if (whole.map.empty()) continue;
    if (other.field == whole.map || parent_of(other.field) == whole.map || other.map == whole.map)
      return fmt::format("one rescales or shifts the probability map '{}' that the other changes{}", whole.map, where);
  }
  return std::nullopt;
}

void check_portfolio(const ScenarioSpec& sc, const model::JourneySpec& journey, core::Diagnostics& diags) {
  const auto amount = [](double x) { return fmt::format("{:.10g}", x); };
  const auto& p = sc.portfolio;
  std::vector<std::string> names;
  for (const auto& v : sc.variants) names.push_back(v.name);
  std::vector<std::size_t> members;
  for (std::size_t i = 0; i < p.candidates.size(); ++i) {
    const auto key = fmt::format("portfolio.candidates[{}]", i);
    const auto it = std::find(names.begin(), names.end(), p.candidates[i]);
    if (it == names.end()) {
      diags.error(p.candidate_locs[i], key,
                  fmt::format("unknown variant '{}' (variants: {})", p.candidates[i], core::quoted_list(names)),
                  core::did_you_mean(p.candidates[i], names));
      continue;
    }
    const std::size_t v = static_cast<std::size_t>(it - names.begin());
    if (!sc.variants[v].investment)
      diags.error(p.candidate_locs[i], key,
                  fmt::format("candidate '{}' declares no investment; a portfolio weighs what each fix costs: give "
                              "variants.{}.investment: {{once, per_period}} (0 for a free fix)",
                              p.candidates[i], p.candidates[i]));
    members.push_back(v);
  }
  for (const auto& v : sc.variants)
    if (v.investment && std::find(p.candidates.begin(), p.candidates.end(), v.name) == p.candidates.end())
      diags.error(v.investment_loc, "variants." + v.name + ".investment",
                  fmt::format("variant '{}' declares an investment but is not a portfolio candidate; add it to "
                              "portfolio.candidates (line {}) or remove its investment",
                              v.name, p.loc.line));
  // The budget against each candidate's discounted investment (the file's periods and discount rate).
  const int periods = sc.population.periods.value_or(1);
  const double rate = sc.population.discount_rate.value_or(0.0);
  if (p.budget && !members.empty()) {
    double cheapest = INFINITY;
    std::string who;
    for (std::size_t v : members) {
      if (!sc.variants[v].investment) continue;
      const double inv = discounted_investment(*sc.variants[v].investment, rate, periods);
      if (inv < cheapest) cheapest = inv, who = sc.variants[v].name;
    }
    if (std::isfinite(cheapest) && *p.budget < cheapest)
      diags.error(
          p.budget_loc, "portfolio.budget",
          fmt::format("budget {} is below every candidate's investment (the cheapest, '{}', costs {} "
                      "discounted over {} period{}); expected a budget of at least {}",
                      amount(*p.budget), who, amount(cheapest), periods, periods == 1 ? "" : "s", amount(cheapest)));
  }
  // Conflicts: each change of a later candidate against every change of an earlier one.
  bool conflicts = false;
  for (std::size_t j = 0; j < members.size(); ++j) {
    const auto& vj = sc.variants[members[j]];
    for (std::size_t i = 0; i < j; ++i) {
      const auto& vi = sc.variants[members[i]];
      for (std::size_t b = 0; b < vj.changes.size(); ++b)
        for (std::size_t a = 0; a < vi.changes.size(); ++a) {
          const auto why = change_conflict(vi.changes[a], vj.changes[b]);
          if (!why) continue;
          conflicts = true;
          diags.error(vj.changes[b].loc, fmt::format("variants.{}.changes[{}].set", vj.name, b),
                      fmt::format("portfolio candidates '{}' and '{}' conflict: {} ('{}' at line {}, '{}' here); a "
                                  "portfolio applies its candidates' changes together, so each parameter may be "
                                  "changed by one candidate only",
                                  vi.name, vj.name, *why, vi.changes[a].describe(), vi.changes[a].loc.line,
                                  vj.changes[b].describe()));
        }
      if (vi.recovery && vj.recovery) {
        conflicts = true;
        diags.error(vj.recovery_loc, "variants." + vj.name + ".recovery",
                    fmt::format("portfolio candidates '{}' (line {}) and '{}' both have a recovery program; a "
                                "combination can run one recovery program only",
                                vi.name, vi.recovery_loc.line, vj.name));
      }
    }
  }
  if (conflicts || diags.has_errors()) return;
  if (members.size() > static_cast<std::size_t>(p.max_exhaustive)) return;  // greedy: combinations checked as run
  for (const auto& c : all_combinations(members)) {
    if (c.size() < 2) continue;  // single candidates are their own variants, already applied
    // Errors only: the members' warnings (a change shadowed by an override)
    // were given once for the member's own variant.
    core::Diagnostics d;
    apply_variant(journey, "portfolio combination '" + combination_name(sc, c) + "'", combination_changes(sc, c), d);
    for (const auto& item : d.items())
      if (item.severity == core::Severity::error) diags.add(item);
  }
}

}  // namespace cxsim::scenario
