// Aggregation stage of calibrate(): the survey covariates of one journey
// (Aggregate itself is inline in stages.h), and the end of aggregation: the
// customer join of the survey answers, the aggregates sized to the
// dictionaries.
#include <algorithm>
#include <map>

#include <fmt/format.h>

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
      const auto g = s.customer_segment.find(cust);
      for (const auto& a : s.sv->answers.at(cust)) {
        if (a.segment >= 0 &&
            (g == s.customer_segment.end() || s.sv->segments[static_cast<std::size_t>(a.segment)] != g->second))
          ++s.survey_segment_mismatches;
        s.respondents.push_back({a, p.x, p.holdout, g == s.customer_segment.end() ? std::string() : g->second});
      }
    }
  }
  // A join in which no answer matches is a wrong id column or id format,
  // not data: refused (some unmatched answers are a counted warning, in the
  // survey fit).
  if (s.sv && !s.sv->answers.empty() && (s.sv->by_journey ? s.respondents.empty() : s.pending.empty())) {
    const auto& [id, a] = *std::min_element(s.sv->answers.begin(), s.sv->answers.end(),
                                            [](const auto& x, const auto& y) { return x.first < y.first; });
    (void)a;
    throw_file_error(s.sv->file, 0,
                     fmt::format("none of the {} survey ids in column '{}' matches a {} of the event log (e.g. '{}'); "
                                 "check the id column (--map) and the id format",
                                 s.sv->answers.size(), s.sv->join_column,
                                 s.sv->by_journey ? "journey_id" : "customer_id", shorten(id)));
  }
  if (!s.retention_only && !(s.train.journeys > 0))
    throw core::InputError("no journeys left for fitting (is --holdout too large?)");
  s.train.ensure_tp(s.tp_names.size());
  s.hold.ensure_tp(s.tp_names.size());
  s.train.ensure_oc(s.oc_names.size());
  s.hold.ensure_oc(s.oc_names.size());
}

}  // namespace cxsim::calibrate::stages
