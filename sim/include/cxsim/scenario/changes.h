#pragma once
// Applying changes to a copy of a journey spec. A change path starts with a
// touchpoint or outcome id or a section name (start, segments, survey,
// retention, channel_switch); see docs/scenario-format.md for every path.
#include "cxsim/core/diagnostics.h"
#include "cxsim/model/journey_spec.h"
#include "cxsim/scenario/scenario_spec.h"

namespace cxsim::scenario {

// Applies one change to `spec` (in place). Problems (unknown path with a
// did-you-mean, a broken probability sum without renormalize, a value of the
// wrong kind) are reported at the change's location; returns false then.
// Warns when a segment override shadows the change.
bool apply_change(model::JourneySpec& spec, const Change& change, core::Diagnostics& diags);

// The current numeric value at a change path (for `scale`, sweeps, ranking).
std::optional<double> value_at(const model::JourneySpec& spec, const std::string& path);

// Copy of `base` with every change applied, re-validated as a whole model.
// Diagnostics say "in <label>: ..." (label e.g. "variant 'fix_checkout'").
model::JourneySpec apply_variant(const model::JourneySpec& base, const std::string& label,
                                 const std::vector<Change>& changes, core::Diagnostics& diags);

}  // namespace cxsim::scenario
