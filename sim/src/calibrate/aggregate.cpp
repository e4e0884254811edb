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
  auto& sv = s.sv;
  auto& respondents = s.respondents;
  auto& pending = s.pending;
  auto& train = s.train;
  auto& hold = s.hold;
  auto& tp_names = s.tp_names;
  auto& oc_names = s.oc_names;
  if (sv && !sv->by_journey) {
    for (auto& [cust, p] : pending) {
      for (const auto& a : sv->answers.at(cust)) respondents.push_back({a, p.x, p.holdout});
    }
  }
  if (!(train.journeys > 0)) throw core::InputError("no journeys left for fitting (is --holdout too large?)");
  train.ensure_tp(tp_names.size());
  hold.ensure_tp(tp_names.size());
  train.ensure_oc(oc_names.size());
  hold.ensure_oc(oc_names.size());
}

}  // namespace cxsim::calibrate::stages
