#pragma once
// Exact analytics as tables and into a results file (docs/model.md section 10:
// /analytics/<variant>/...). Implemented in sim/src/analytics/analytics_h5.cpp
// (the analytics area depends on cxsim_io for it).
#include <string>

#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/io/table.h"

namespace cxsim::io {
class File;
class Group;
}  // namespace cxsim::io

namespace cxsim::analytics {

// metric, estimate, exact: share_<kind> (every kind, timeout included: 0 for
// the untruncated chain), satisfaction_change_mean, effort_mean, time_mean,
// frictions_mean, switches_mean, steps_mean, steps_sd, cost_per_walk,
// value_per_walk, timeout_prob_exact (P(visits > max_steps)), and with a
// recovery program recovery_triggered_rate, recovery_reached_rate,
// recovery_succeeded_rate. `exact` is 1 for an exact value, 0 where the chain
// has none (the estimate is then NaN).
io::Table summary_table(const model::CompiledModel& m, const WalkExpectations& w);
// The same rows for the population, plus a column `pooled` (the per-walk
// expectations pooled over every walk of the run's periods, weighted by the
// expected walks of each segment: JourneyAnalytics::run; NaN when not exact)
// and the per-customer rows walks_per_customer, retention_final, clv_mean,
// cost_mean over the run (estimate = pooled).
io::Table summary_table(const model::CompiledModel& m, const JourneyAnalytics& a);

// One row per touchpoint: touchpoint, channel, stage, friction, visits,
// friction_visits, exit_<kind>; with removal effects reach_prob,
// removal_<kind> (relative drop), removal_value; with sensitivities
// d_share_<kind>_df, d_satisfaction_df, d_effort_df, d_time_df, d_cost_df,
// d_value_df, d_steps_df. Kinds exclude timeout except in exit_<kind>...
// which also excludes it (always 0). `friction` is the segment's friction, or
// the base friction for the population (sensitivity/removal may be null).
io::Table touchpoints_table(const model::CompiledModel& m, const WalkExpectations& w,
                            const std::vector<double>& friction, const Sensitivity* sens, const RemovalEffect* removal);

// One row per segment: segment, share, solver, expected_walks (per customer
// over the run; NaN when not exact) and the summary metrics as columns.
io::Table segments_table(const model::CompiledModel& m, const JourneyAnalytics& a);

// outcome, kind, value, prob.
io::Table outcomes_table(const model::CompiledModel& m, const WalkExpectations& w);

// channel, visits, switches_into.
io::Table channels_table(const model::CompiledModel& m, const WalkExpectations& w);

// Writes into `group` (e.g. file.require_group("analytics/baseline")):
// tables summary, touchpoints, segments, outcomes, channels (population), and
// for journeys with several segments segment_touchpoints/<segment>; attributes
// method, max_steps, periods, discount_rate, pooled_exact, removal_outcome,
// removal_note, notes.
void write_analytics(const io::Group& group, const model::CompiledModel& m, const JourneyAnalytics& a);

// The root attributes of a `cxsim analyze -o` file (journey or scenario):
// filetype "cxsim-analytics", format_version, format_version_major,
// tool_version, created_utc, command_line, journey (its name), and for a
// scenario `scenario` (its name; empty: none).
void write_analytics_file_attributes(io::File& f, const std::string& command_line, const std::string& journey,
                                     const std::string& scenario = {});

}  // namespace cxsim::analytics
