// Waiting penalties and patience (MODEL.md section 11): the Monte Carlo
// engine against the exact analytics for every pair of duration families
// (duration D × patience A, and D without patience), fixed seeds, within 4
// standard errors: share of walks resolved, frictions, time, steps and
// satisfaction change per walk.
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "cxsim/model/compiled_model.h"
#include "journey_fixtures.h"
#include "mc_check.h"

namespace cxsim {
namespace {

using Check = testing::McCheck;

const std::vector<std::pair<std::string, std::string>> kDurations = {{"fixed", "{fixed: 5}"},
                                                                     {"exponential", "{exponential: {mean: 5}}"},
                                                                     {"lognormal", "{lognormal: {median: 4, p90: 9}}"},
                                                                     {"gamma", "{gamma: {mean: 5, sd: 3}}"}};
const std::vector<std::pair<std::string, std::string>> kPatience = {{"none", ""},
                                                                    {"fixed", "{fixed: 6}"},
                                                                    {"exponential", "{exponential: {mean: 8}}"},
                                                                    {"lognormal", "{lognormal: {median: 6, p90: 15}}"},
                                                                    {"gamma", "{gamma: {mean: 7, sd: 4}}"}};

// A queue visited once or more (a friction visit sends 30% back), with a
// waiting penalty beyond 3 time units and, unless `patience` is empty, a
// patience; ok and friction durations may differ.
std::string journey(const std::string& dur_ok, const std::string& dur_fr, const std::string& patience) {
  return fmt::format(R"(journey: waits
start: {{queue: 1}}
touchpoints:
  queue:
    channel: phone
    friction: 0.15
    satisfaction: {{ok: 0.5, friction: -0.8}}
    duration: {{ok: {}, friction: {}}}
    waiting: {{tolerance: 3, satisfaction_per_unit: -0.1}}
{}    next: {{ok: {{done: 1}}, friction: {{queue: 0.3, lost: 0.7}}}}
outcomes:
  done: {{kind: resolved}}
  lost: {{kind: abandoned}}
)",
                     dur_ok, dur_fr, patience.empty() ? "" : "    patience: " + patience + "\n");
}

void compare(const std::string& yaml, std::uint64_t seed, const std::string& where, Check& check) {
  const auto spec = testing::spec_from_text(yaml);
  std::vector<engine::Variant> v = {{"baseline", "", model::compile(spec), std::nullopt}};
  const auto& m = v[0].model;
  const auto exact = analytics::analyze(m).population;
  engine::RunSettings s;
  s.customers = 20000;
  s.periods = 1;
  s.seed = seed;
  s.threads = 1;
  const auto r = engine::run(v, s);
  const auto t = engine::variant_tables(v[0], r.variants[0]);
  auto cmp = [&](const std::string& metric, double x) {
    const auto e = engine::find_metric(t.summary, metric);
    check.near(e.estimate, e.se, x, where + ": " + metric);
  };
  cmp("share_resolved", exact.kind_prob[0]);
  cmp("frictions_mean", exact.frictions);
  cmp("time_mean", exact.time);
  cmp("steps_mean", exact.steps);
  cmp("satisfaction_change_mean", exact.satisfaction_change);
}

TEST(WaitingVsAnalytics, EveryDurationFamilyPairWithinFourStandardErrors) {
  Check check;
  std::uint64_t seed = 20261201;
  for (const auto& [dn, d] : kDurations)
    for (const auto& [an, a] : kPatience)
      compare(journey(d, d, a), seed++, "duration " + dn + ", patience " + an, check);
  // Different ok and friction durations: the give-up time min(D_fr, A) of a
  // friction draw is not that of an ok draw.
  compare(journey(kDurations[3].second, kDurations[2].second, kPatience[2].second), seed++,
          "duration gamma/lognormal, patience exponential", check);
  compare(journey(kDurations[1].second, kDurations[0].second, kPatience[4].second), seed++,
          "duration exponential/fixed, patience gamma", check);
  std::printf("compared %d MC estimates with exact values; largest |z| = %.2f\n", check.compared, check.worst_z);
  EXPECT_EQ(check.compared, 5 * (4 * 5 + 2));
}

TEST(WaitingVsAnalytics, PatienceMakesFrictionAndShortensTheVisit) {
  // The same journey with and without patience (exponential D, mean 5;
  // exponential A, mean 8): giving up adds friction and shortens visits,
  // exactly 1 − 0.85·8/13 friction per visit and E[min] = 40/13 per visit.
  const auto with =
      model::compile(testing::spec_from_text(journey(kDurations[1].second, kDurations[1].second, kPatience[2].second)));
  const auto without = model::compile(testing::spec_from_text(journey(kDurations[1].second, kDurations[1].second, "")));
  const auto a = analytics::analyze(with).population, b = analytics::analyze(without).population;
  const double pf = 1 - 0.85 * 8.0 / 13.0;
  EXPECT_NEAR(a.frictions / a.steps, pf, 1e-12);
  EXPECT_NEAR(b.frictions / b.steps, 0.15, 1e-12);
  EXPECT_NEAR(a.time / a.steps, 40.0 / 13.0, 1e-12);
  EXPECT_NEAR(b.time / b.steps, 5.0, 1e-12);
}

}  // namespace
}  // namespace cxsim

namespace cxsim {
namespace {

// Targeted recovery programs (MODEL.md section 11) on a queue with patience:
// every trigger that is a function of one visit, with and without a reroute
// to a callback touchpoint that start never reaches; exact by the two-layer
// chain (docs/methods/analytics.md, "5b. Recovery programs").
const char* kRescue = R"(journey: rescue
start: {queue: 1}
touchpoints:
  queue:
    channel: phone
    friction: 0.15
    satisfaction: {ok: 0.5, friction: -0.8}
    duration: {gamma: {mean: 5, sd: 3}}
    waiting: {tolerance: 3, satisfaction_per_unit: -0.1}
    patience: {exponential: {mean: 8}}
    next: {ok: {done: 1}, friction: {queue: 0.3, lost: 0.7}}
  callback:
    channel: phone
    friction: 0.1
    satisfaction: {ok: 1, friction: -1}
    duration: {fixed: 2}
    next: {done: 0.9, lost: 0.1}
outcomes:
  done: {kind: resolved}
  lost: {kind: abandoned}
)";

TEST(WaitingVsAnalytics, TargetedRecoveryTriggersAndReroutesWithinFourStandardErrors) {
  using Trigger = engine::RecoveryProgram::Trigger;
  const auto spec = testing::spec_from_text(kRescue);
  const auto m = model::compile(spec);
  Check check;
  std::uint64_t seed = 20261202;
  int programs = 0;
  for (Trigger trig : {Trigger::at, Trigger::wait_above, Trigger::outcome_kind})
    for (bool reroute : {false, true}) {
      engine::RecoveryProgram p;
      p.trigger = trig;
      p.at = 0;  // queue
      p.threshold = trig == Trigger::wait_above ? 6.0 : 0.0;
      p.kind = 1;  // abandoned
      p.reach = 0.8;
      p.success = 0.6;
      p.satisfaction = 0.7;
      p.cost = 3;
      if (reroute) p.reroute = 1;  // callback
      ++programs;
      std::vector<engine::Variant> v = {{"baseline", "", m, std::nullopt}, {"rescue", "", m, p}};
      analytics::AnalyzeOptions opt;
      opt.recovery = p;
      const auto exact = analytics::analyze(m, opt).population;
      EXPECT_TRUE(exact.recovery_exact);
      engine::RunSettings s;
      s.customers = 20000;
      s.seed = seed++;
      const auto r = engine::run(v, s);
      const auto t = engine::variant_tables(v[1], r.variants[1]);
      const std::string where = fmt::format("trigger {} reroute {}", static_cast<int>(trig), reroute);
      auto cmp = [&](const std::string& metric, double x) {
        const auto e = engine::find_metric(t.summary, metric);
        check.near(e.estimate, e.se, x, where + ": " + metric);
      };
      cmp("share_resolved", exact.kind_prob[0]);
      cmp("steps_mean", exact.steps);
      cmp("time_mean", exact.time);
      cmp("frictions_mean", exact.frictions);
      cmp("satisfaction_change_mean", exact.satisfaction_change);
      cmp("cost_mean", exact.cost);
      cmp("recovery_triggered_rate", exact.recovery_triggered);
      cmp("recovery_succeeded_rate", exact.recovery_succeeded);
      if (reroute) EXPECT_GT(exact.visits[1], 0.0) << where;
      else EXPECT_EQ(exact.visits[1], 0.0) << where;
    }
  EXPECT_EQ(programs, 6);
  std::printf("recovery: compared %d MC estimates with exact values; largest |z| = %.2f\n", check.compared,
              check.worst_z);
}

}  // namespace
}  // namespace cxsim
