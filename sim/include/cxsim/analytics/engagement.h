#pragma once
// Journey frequency in closed form (MODEL.md section 11): the distribution of
// a customer's number of walks over n periods when each period an active
// customer walks with probability p (fixed, or p ~ Beta(a, b) per customer)
// and, with retention sensitivity 0, churns after each period with
// probability θ ~ Beta(α, β) — the beta-geometric/beta-Bernoulli (BG/BB)
// model of Fader, Hardie & Shang (2010) with the engine's alignment of
// dropout and walk (docs/methods/engine.md, "Engagement"; the formula:
// docs/methods/analytics.md, "Journey frequency").
#include <vector>

#include "cxsim/model/compiled_model.h"

namespace cxsim::analytics {

// P(walks = x), x = 0..n, for a customer of segment `seg` over n >= 0
// periods. Exact when retention.sensitivity = 0 or the segment never churns.
std::vector<double> walk_count_pmf(const model::CompiledSegment& seg, int n);

}  // namespace cxsim::analytics
