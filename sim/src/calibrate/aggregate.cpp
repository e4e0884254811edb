// Aggregation stage of calibrate(): the survey covariates of one journey
// (Aggregate itself is inline in stages.h).
#include <map>

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

}  // namespace cxsim::calibrate::stages
