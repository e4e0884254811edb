// Aggregation stage of calibrate(): the survey covariates of one journey
// (Aggregate itself is inline in stages.h), and the end of aggregation: the
// customer join of the survey answers, the aggregates sized to the
// dictionaries.
#include <map>

#include "cxsim/core/errors.h"

#include "stages.h"

namespace cxsim::calibrate::stages {

Covariates covariates_of(const std::vector<Visit>& v) {
  std::map<std::uint32_t, float> m;
  for (std::size_t i = 0; i < v.size(); ++i) {
    m[2 * v[i].tp + (v[i].status == Status::friction ? 1u : 0u)] += 1.0f;
    if (i > 0 && v[i].channel != kNone && v[i - 1].channel != kNone && v[i].channel != v[i - 1].channel)
      m[kSwitchColumn] += 1.0f;
  }
  return Covariates(m.begin(), m.end());
}

void finish_aggregates(State& s) {
  if (s.sv && !s.sv->by_journey) {
    for (auto& [cust, p] : s.pending) {
      for (const auto& a : s.sv->answers.at(cust)) s.respondents.push_back({a, p.x, p.holdout});
    }
  }
  if (!s.retention_only && !(s.train.journeys > 0))
    throw core::InputError("no journeys left for fitting (is --holdout too large?)");
  s.train.ensure_tp(s.tp_names.size());
  s.hold.ensure_tp(s.tp_names.size());
  s.train.ensure_oc(s.oc_names.size());
  s.hold.ensure_oc(s.oc_names.size());
}

}  // namespace cxsim::calibrate::stages
