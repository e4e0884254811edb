#pragma once
// A scenario file (docs/model.md section 7) as written: the journey it names, the
// population, named variants (changes + optional recovery program), sweeps,
// friction ranking and an optional precision target.
#include <optional>
#include <string>
#include <vector>

#include "cxsim/core/diagnostics.h"
#include "cxsim/engine/variant.h"
#include "cxsim/model/journey_spec.h"

namespace cxsim::scenario {

using core::SourceLoc;

// One change: a dotted path into the model and an operation.
// `shift` (docs/scenario-format.md, "Shift"): `path` names a whole map (start,
// <touchpoint>.next[.ok|.friction], a segment override's start or next) and
// `number` is the fraction of `from`'s probability moved to `to`.
struct Change {
  std::string path;  // e.g. "checkout.friction", "chat.next.friction.phone_support"
  enum class Op { value, scale, shift } op = Op::value;
  double number = 0.0;
  bool renormalize = false;
  SourceLoc loc;                                // where the change is written (scenario file)
  std::string from{}, to{};                     // shift only: source and destination targets
  bool all_segments = false;                    // also every segment override of this field (or of start)
  SourceLoc from_loc{}, to_loc{}, share_loc{};  // shift only: where shift.from/.to/.share are written
  std::string describe() const;                 // "checkout.friction × 0.5"
};

struct VariantSpec {
  std::string name;
  std::string description;
  std::vector<Change> changes;
  std::optional<engine::RecoveryProgram> recovery;
  std::optional<engine::Investment> investment;  // investment: {once, per_period}
  SourceLoc loc;
  SourceLoc investment_loc{}, recovery_loc{};  // where `investment` / `recovery` are written
};

struct SweepSpec {
  std::string name;
  std::string path;  // parameter
  Change::Op op = Change::Op::value;
  std::vector<double> values;
  bool renormalize = false;
  SourceLoc loc;
};

struct RankSpec {
  bool present = false;
  double reduce_by = 0.5;  // each touchpoint's friction × (1 − reduce_by)
  SourceLoc loc;
};

// Grow the population until a CI half-width target is met.
struct PrecisionSpec {
  bool present = false;
  std::string metric;   // a headline metric name
  std::string variant;  // empty: the baseline's estimate; else the Δ of this variant
  double half_width = 0.0;
  long long max_customers = 0;  // 0: 100 × the starting population
  SourceLoc loc;
  SourceLoc metric_loc, variant_loc;  // where `metric` and `variant` are written
};

// portfolio: {candidates, budget, objective, max_exhaustive} (docs/model.md
// section 15, docs/scenario-format.md "Portfolio"): every combination of the
// candidates' changes applied together, up to max_exhaustive candidates
// (2^n - 1 combinations); beyond it a greedy forward selection.
struct PortfolioSpec {
  enum class Objective { net_return, delta_nps, delta_retention };
  bool present = false;
  std::vector<std::string> candidates;  // variant names, in the order written
  std::vector<SourceLoc> candidate_locs;
  std::optional<double> budget;  // discounted investment at most this; none: no limit
  Objective objective = Objective::net_return;
  int max_exhaustive = 8;
  SourceLoc loc, budget_loc, max_exhaustive_loc;
};

// Hard cap on portfolio.max_exhaustive: 2^10 - 1 = 1023 combinations.
inline constexpr int kMaxPortfolioExhaustive = 10;

const char* objective_name(PortfolioSpec::Objective o);

struct ScenarioSpec {
  std::string name;
  std::string description;
  std::string journey_ref;   // as written
  std::string journey_path;  // resolved against the scenario file's folder
  model::PopulationSpec population;
  PrecisionSpec precision;
  std::vector<VariantSpec> variants;
  std::vector<SweepSpec> sweeps;
  RankSpec rank;
  PortfolioSpec portfolio;
  std::string source_path;
  std::string source_text;
};

}  // namespace cxsim::scenario
