#pragma once
// Portfolios (docs/model.md section 15, docs/methods/portfolio.md): the
// combinations of candidate variants, their changes applied together, and the
// checks a scenario's `portfolio:` section gets when it is loaded.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cxsim/core/diagnostics.h"
#include "cxsim/engine/variant.h"
#include "cxsim/model/journey_spec.h"
#include "cxsim/scenario/scenario_spec.h"

namespace cxsim::scenario {

// A combination: indices into ScenarioSpec::variants, in candidate order.
using Combination = std::vector<std::size_t>;

// Index of each candidate in sc.variants (candidate order); a candidate that
// names no variant is left out (reported by check_portfolio).
std::vector<std::size_t> candidate_variants(const ScenarioSpec& sc);

// Every non-empty subset of `candidates`, by size and then in the order of
// their binary codes (bit i = candidate i): {a}, {b}, ..., {a,b}, {a,c}, ...
std::vector<Combination> all_combinations(const std::vector<std::size_t>& candidates);

// "fix_a+fix_b" (the members' variant names, in candidate order).
std::string combination_name(const ScenarioSpec& sc, const Combination& c);

// The members' changes in candidate order, then each member's changes in the
// order written: the variant the user would write by hand for the combination.
std::vector<Change> combination_changes(const ScenarioSpec& sc, const Combination& c);

// The members' investments added (once and per period); none when no member
// declares one. The recovery program of the (only) member that has one.
std::optional<engine::Investment> combination_investment(const ScenarioSpec& sc, const Combination& c);
std::optional<engine::RecoveryProgram> combination_recovery(const ScenarioSpec& sc, const Combination& c);

// once + per_period × Σ_{t<periods} 1/(1+rate)^t (as engine::discounted_investment).
double discounted_investment(const engine::Investment& inv, double discount_rate, int periods);

// Why two changes of different candidates cannot be applied together, or
// nothing (docs/scenario-format.md, "Portfolio"): they change the same
// parameter (for the same segment, or one of them with all_segments), or one
// of them rescales or shifts a whole probability map that the other changes.
std::optional<std::string> change_conflict(const Change& a, const Change& b);

// The checks of a `portfolio:` section (after the variants are applied):
// candidates name variants, each candidate declares an investment, no other
// variant does, the budget is not below every candidate's investment, the
// candidates' changes do not conflict (error at the later change's line,
// naming both candidates) and at most one candidate has a recovery program;
// with at most max_exhaustive candidates every combination is applied and
// validated as a variant would be.
void check_portfolio(const ScenarioSpec& sc, const model::JourneySpec& journey, core::Diagnostics& diags);

}  // namespace cxsim::scenario
