#pragma once
// Semantic validation of a JourneySpec (docs/model.md section 1): ranges, sums,
// targets, distributions, shares, and the graph checks (reachability and
// traps, with Boost.Graph). Every problem is added to `diags`.
#include "cxsim/core/diagnostics.h"
#include "cxsim/model/journey_spec.h"

namespace cxsim::model {

inline constexpr double kProbabilityTolerance = 1e-9;

void validate(const JourneySpec& spec, core::Diagnostics& diags);

// Graph checks only (called by validate when the values are sound).
void check_graph(const JourneySpec& spec, core::Diagnostics& diags);

// Which touchpoints can be visited by segment `seg` (reachable from start).
std::vector<bool> reachable_touchpoints(const JourneySpec& spec, std::size_t seg);

}  // namespace cxsim::model
