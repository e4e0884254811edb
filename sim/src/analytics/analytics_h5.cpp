// Exact analytics -> tables -> results file (/analytics/<variant>/...), with
// cxsim_io (Table, write_table).
#include "cxsim/analytics/analytics_h5.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cxsim/core/time.h"
#include "cxsim/core/version.h"
#include "cxsim/io/h5.h"

namespace cxsim::analytics {

namespace {

struct Metric {
  std::string name;
  double value;
};

// Per-walk metrics. A value the chain cannot give exactly is NaN (with a
// recovery program triggered by satisfaction: satisfaction change, cost and
// the recovery_* rates).
std::vector<Metric> metrics(const model::CompiledModel& m, const WalkExpectations& w) {
  std::vector<Metric> out;
  for (std::size_t c = 0; c < m.num_kinds(); ++c) out.push_back({"share_" + m.kinds[c], w.kind_prob[c]});
  out.push_back({"satisfaction_change_mean", w.satisfaction_change});
  out.push_back({"effort_mean", w.effort});
  out.push_back({"time_mean", w.time});
  // Time to resolution per kind (not for timeout: the chain has no timeout).
  for (std::size_t c = 0; c + 1 < m.num_kinds(); ++c)
    out.push_back({"time_mean_" + m.kinds[c], time_to_resolution(w, c)});
  out.push_back({"frictions_mean", w.frictions});
  out.push_back({"switches_mean", w.switches});
  out.push_back({"steps_mean", w.steps});
  out.push_back({"steps_sd", std::sqrt(w.steps_variance)});
  out.push_back({"cost_per_walk", w.cost});
  out.push_back({"value_per_walk", w.value});
  out.push_back({"timeout_prob_exact", w.timeout_prob});
  if (w.recovery) {
    out.push_back({"recovery_triggered_rate", w.recovery_triggered});
    out.push_back({"recovery_reached_rate", w.recovery_reached});
    out.push_back({"recovery_succeeded_rate", w.recovery_succeeded});
  }
  return out;
}

std::int64_t exact_flag(double x) { return std::isnan(x) ? 0 : 1; }

}  // namespace

io::Table summary_table(const model::CompiledModel& m, const WalkExpectations& w) {
  std::vector<std::string> names;
  std::vector<double> values;
  std::vector<std::int64_t> exact;
  for (const auto& x : metrics(m, w)) {
    names.push_back(x.name);
    values.push_back(x.value);
    exact.push_back(exact_flag(x.value));
  }
  io::Table t;
  t.add_column("metric", std::move(names));
  t.add_column("estimate", std::move(values));
  t.add_column("exact", std::move(exact));
  return t;
}

io::Table summary_table(const model::CompiledModel& m, const JourneyAnalytics& a) {
  const auto one = metrics(m, a.population);
  const auto pooled = metrics(m, a.run.pooled);
  std::vector<std::string> names;
  std::vector<double> values, pooled_values;
  std::vector<std::int64_t> exact;
  std::vector<std::vector<Metric>> per_segment;
  for (const auto& w : a.segments) per_segment.push_back(metrics(m, w));
  // Without exact walk weights a metric still pools exactly when every
  // segment of positive share has the same value.
  auto same_in_every_segment = [&](std::size_t i) {
    double x = std::nan("");
    for (std::size_t s = 0; s < per_segment.size(); ++s) {
      if (!(m.segments[s].share > 0)) continue;
      const double y = per_segment[s][i].value;
      if (std::isnan(x)) x = y;
      else if (!(std::fabs(y - x) <= 1e-12 * std::max(1.0, std::fabs(x)))) return std::nan("");
    }
    return x;
  };
  for (std::size_t i = 0; i < one.size(); ++i) {
    names.push_back(one[i].name);
    values.push_back(one[i].value);
    exact.push_back(exact_flag(one[i].value));
    pooled_values.push_back(a.run.pooled_exact ? pooled[i].value : same_in_every_segment(i));
  }
  // Per customer over the run's P periods (estimate and pooled alike).
  const Metric per_customer[] = {{"walks_per_customer", a.run.walks_per_customer},
                                 {"retention_final", a.run.retention_final},
                                 {"clv_mean", a.run.clv_mean},
                                 {"cost_mean", a.run.cost_mean}};
  for (const auto& x : per_customer) {
    names.push_back(x.name);
    values.push_back(x.value);
    exact.push_back(exact_flag(x.value));
    pooled_values.push_back(x.value);
  }
  io::Table t;
  t.add_column("metric", std::move(names));
  t.add_column("estimate", std::move(values));
  t.add_column("exact", std::move(exact));
  t.add_column("pooled", std::move(pooled_values));
  return t;
}

io::Table touchpoints_table(const model::CompiledModel& m, const WalkExpectations& w,
                            const std::vector<double>& friction, const Sensitivity* sens,
                            const RemovalEffect* removal) {
  const std::size_t T = m.num_touchpoints(), K = m.num_kinds();
  io::Table t;
  std::vector<std::string> channel(T), stage(T);
  for (std::size_t k = 0; k < T; ++k) {
    channel[k] = m.channels[m.touchpoint_channel[k]];
    stage[k] = k < m.touchpoint_stage.size() ? m.touchpoint_stage[k] : std::string();
  }
  t.add_column("touchpoint", m.touchpoint_ids);
  t.add_column("channel", std::move(channel));
  t.add_column("stage", std::move(stage));
  t.add_column("friction", friction);
  t.add_column("visits", w.visits);
  t.add_column("friction_visits", w.friction_visits);
  auto column = [T](auto&& get) {
    std::vector<double> v(T);
    for (std::size_t k = 0; k < T; ++k) v[k] = get(k);
    return v;
  };
  for (std::size_t c = 0; c + 1 < K; ++c)
    t.add_column("exit_" + m.kinds[c], column([&](std::size_t k) { return w.exit_share[k][c]; }));
  if (removal) {
    t.add_column("reach_prob", removal->reach_prob);
    for (std::size_t c = 0; c + 1 < K; ++c)
      t.add_column("removal_" + m.kinds[c], column([&](std::size_t k) { return removal->relative_drop[k][c]; }));
    t.add_column("removal_value", removal->value_relative_drop);
  }
  if (sens) {
    for (std::size_t c = 0; c + 1 < K; ++c)
      t.add_column("d_share_" + m.kinds[c] + "_df", column([&](std::size_t k) { return sens->kind_prob[k][c]; }));
    t.add_column("d_satisfaction_df", sens->satisfaction_change);
    t.add_column("d_effort_df", sens->effort);
    t.add_column("d_time_df", sens->time);
    t.add_column("d_cost_df", sens->cost);
    t.add_column("d_value_df", sens->value);
    t.add_column("d_steps_df", sens->steps);
  }
  return t;
}

io::Table segments_table(const model::CompiledModel& m, const JourneyAnalytics& a) {
  io::Table t;
  std::vector<std::string> ids;
  std::vector<double> shares;
  for (const auto& s : m.segments) {
    ids.push_back(s.id);
    shares.push_back(s.share);
  }
  t.add_column("segment", std::move(ids));
  t.add_column("share", std::move(shares));
  t.add_column("solver", a.solver);
  t.add_column("expected_walks", a.run.walks);
  const auto names = metrics(m, a.population);
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::vector<double> col;
    for (const auto& w : a.segments) col.push_back(metrics(m, w)[i].value);
    t.add_column(names[i].name, std::move(col));
  }
  return t;
}

io::Table outcomes_table(const model::CompiledModel& m, const WalkExpectations& w) {
  io::Table t;
  std::vector<std::string> kind;
  std::vector<double> value;
  for (std::size_t o = 0; o < m.num_outcomes(); ++o) {
    kind.push_back(m.kinds[m.outcome_kind[o]]);
    value.push_back(m.outcome_value[o]);
  }
  t.add_column("outcome", m.outcome_ids);
  t.add_column("kind", std::move(kind));
  t.add_column("value", std::move(value));
  t.add_column("prob", w.outcome_prob);
  return t;
}

io::Table channels_table(const model::CompiledModel& m, const WalkExpectations& w) {
  io::Table t;
  t.add_column("channel", m.channels);
  t.add_column("visits", w.channel_visits);
  t.add_column("switches_into", w.switches_into);
  return t;
}

void write_analytics(const io::Group& group, const model::CompiledModel& m, const JourneyAnalytics& a) {
  group.set_attribute("method", "absorbing Markov chain, exact (docs/methods/analytics.md)");
  group.set_attribute("max_steps", m.max_steps);
  group.set_attribute("removal_outcome",
                      a.removal_outcome >= 0 ? m.outcome_ids[a.removal_outcome] : std::string("removed (virtual)"));
  if (!a.removal_note.empty()) group.set_attribute("removal_note", a.removal_note);
  group.set_attribute("periods", static_cast<std::int64_t>(a.run.periods));
  group.set_attribute("discount_rate", a.run.discount_rate);
  group.set_attribute("pooled_exact", static_cast<std::int64_t>(a.run.pooled_exact ? 1 : 0));
  std::vector<std::string> notes = a.notes;
  if (a.population.recovery && !a.population.recovery_exact && std::isnan(a.population.steps))
    notes.push_back(
        "recovery program: it reroutes after a trigger on the walk's history (satisfaction or friction count), "
        "which the chain does not follow: no expectation is exact (NaN, exact = 0)");
  else if (a.population.recovery && !a.population.recovery_exact)
    notes.push_back(
        "recovery program: its trigger depends on the customer's satisfaction, which the chain does not track; "
        "satisfaction_change_mean, cost_per_walk, cost_mean and the recovery_* rates are not exact (NaN, exact = 0); "
        "the other expectations are exact (the program never changes the route)");
  if (!a.run.pooled_exact)
    notes.push_back(
        "retention depends on the walks (retention.sensitivity != 0) and segments differ: the walks per segment "
        "over the periods have no exact value: `pooled` is NaN where the segments' values differ and the "
        "per-customer rows are NaN");
  if (!notes.empty()) {
    std::string all;
    for (const auto& n : notes) all += n + "\n";
    group.set_attribute("notes", all);
  }
  const Sensitivity* ps = a.has_sensitivity ? &a.population_sensitivity : nullptr;
  const RemovalEffect* pr = a.has_removal ? &a.population_removal : nullptr;
  io::write_table(group, "summary", summary_table(m, a),
                  {.description = "exact expectations: estimate = one walk of the population mix, pooled = every walk "
                                  "of the run's periods (what Monte Carlo per-walk metrics estimate); exact = 0 "
                                  "where no exact value exists (NaN)",
                   .units = ""});
  io::write_table(group, "touchpoints", touchpoints_table(m, a.population, a.base_friction, ps, pr),
                  {.description = "per touchpoint: expected visits, exit shares, removal effects (relative drop), "
                                  "d/df of the base friction",
                   .units = ""});
  io::write_table(group, "segments", segments_table(m, a),
                  {.description = "exact per-walk expectations per segment", .units = ""});
  io::write_table(group, "outcomes", outcomes_table(m, a.population),
                  {.description = "P(walk ends in outcome)", .units = ""});
  io::write_table(group, "channels", channels_table(m, a.population),
                  {.description = "expected visits and channel switches into each channel per walk", .units = ""});
  if (m.segments.size() > 1) {
    for (std::size_t s = 0; s < m.segments.size(); ++s) {
      std::vector<double> f(m.num_touchpoints());
      for (std::size_t k = 0; k < f.size(); ++k) f[k] = m.segments[s].tp[k].friction;
      io::write_table(group, "segment_touchpoints/" + m.segments[s].id,
                      touchpoints_table(m, a.segments[s], f, a.has_sensitivity ? &a.segment_sensitivity[s] : nullptr,
                                        a.has_removal ? &a.segment_removal[s] : nullptr),
                      {.description = "per touchpoint for segment " + m.segments[s].id, .units = ""});
    }
  }
}

void write_analytics_file_attributes(io::File& f, const std::string& command_line, const std::string& journey,
                                     const std::string& scenario) {
  // Not a simulation run (no seed, customers, periods): its own filetype,
  // versioned like the results file.
  f.set_attribute("filetype", "cxsim-analytics");
  f.set_attribute("format_version", fmt::format("{}.{}", core::results_format_major, core::results_format_minor));
  f.set_attribute("format_version_major", static_cast<std::int64_t>(core::results_format_major));
  f.set_attribute("tool_version", core::tool_version);
  f.set_attribute("created_utc", core::utc_now_iso8601());
  f.set_attribute("command_line", command_line);
  f.set_attribute("journey", journey);
  if (!scenario.empty()) f.set_attribute("scenario", scenario);
}

}  // namespace cxsim::analytics
