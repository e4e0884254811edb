// Scenario changes: paths, operations, renormalization, and the diagnostics
// a wrong change gets.
#include <gtest/gtest.h>

#include <cmath>

#include "cxsim/model/validate.h"
#include "cxsim/scenario/changes.h"
#include "journey_fixtures.h"

namespace cxsim::scenario {
namespace {

model::JourneySpec retail() { return testing::spec_from_repo("journeys/retail.yaml"); }

Change change(std::string path, double x, Change::Op op = Change::Op::value, bool renorm = false) {
  return Change{std::move(path), op, x, renorm, core::SourceLoc{"s.yaml", 7, 9}};
}

double prob(const model::TransitionMap& m, const std::string& t) {
  for (const auto& e : m)
    if (e.first == t) return e.second;
  return -1;
}

TEST(ScenarioChanges, ScaleAndValueOnScalars) {
  auto s = retail();
  core::Diagnostics d;
  EXPECT_TRUE(apply_change(s, change("checkout.friction", 0.5, Change::Op::scale), d));
  EXPECT_DOUBLE_EQ(s.find_touchpoint("checkout")->friction, 0.075);
  EXPECT_TRUE(apply_change(s, change("delivery.friction", 0.04), d));
  EXPECT_DOUBLE_EQ(s.find_touchpoint("delivery")->friction, 0.04);
  EXPECT_TRUE(apply_change(s, change("search.duration.median", 5), d));
  EXPECT_DOUBLE_EQ(s.find_touchpoint("search")->duration.ok.a, 5);
  EXPECT_DOUBLE_EQ(s.find_touchpoint("search")->duration.friction.a, 5);
  EXPECT_TRUE(apply_change(s, change("checkout.duration.friction.p90", 30), d));
  EXPECT_DOUBLE_EQ(s.find_touchpoint("checkout")->duration.friction.b, 30);
  EXPECT_TRUE(apply_change(s, change("chat.satisfaction.friction", -0.5), d));
  EXPECT_DOUBLE_EQ(s.find_touchpoint("chat")->satisfaction.friction, -0.5);
  EXPECT_TRUE(apply_change(s, change("purchased.value", 80), d));
  EXPECT_DOUBLE_EQ(s.find_outcome("purchased")->value, 80);
  EXPECT_TRUE(apply_change(s, change("retention.sensitivity", 0), d));
  EXPECT_TRUE(apply_change(s, change("survey.response.rate", 0.5), d));
  EXPECT_DOUBLE_EQ(s.survey.response_rate, 0.5);
  EXPECT_TRUE(apply_change(s, change("channel_switch.effort", 2), d));
  EXPECT_EQ(d.error_count(), 0u) << d.format();
  model::validate(s, d);
  EXPECT_FALSE(d.has_errors()) << d.format();
}

TEST(ScenarioChanges, RenormalizeKeepsTheMapSummingToOne) {
  auto s = retail();
  core::Diagnostics d;
  EXPECT_TRUE(apply_change(s, change("chat.next.friction.phone_support", 0.3, Change::Op::value, true), d));
  const auto& m = s.find_touchpoint("chat")->next.friction;
  EXPECT_DOUBLE_EQ(prob(m, "phone_support"), 0.3);
  EXPECT_NEAR(prob(m, "unresolved"), 0.7, 1e-15);
  EXPECT_TRUE(apply_change(s, change("segments.new.share", 0.4, Change::Op::value, true), d));
  EXPECT_DOUBLE_EQ(s.segments[0].share, 0.4);
  EXPECT_NEAR(s.segments[1].share, 0.6, 1e-15);
  EXPECT_TRUE(apply_change(s, change("start.search", 0.5, Change::Op::value, true), d));
  double sum = 0;
  for (const auto& e : s.start) sum += e.second;
  EXPECT_NEAR(sum, 1.0, 1e-12);
  model::validate(s, d);
  EXPECT_FALSE(d.has_errors()) << d.format();
}

TEST(ScenarioChanges, BrokenSumWithoutRenormalizeIsAnErrorAtTheChange) {
  auto s = retail();
  core::Diagnostics d;
  EXPECT_FALSE(apply_change(s, change("checkout.next.friction.abandoned", 0.1), d));
  ASSERT_EQ(d.error_count(), 1u);
  EXPECT_EQ(d.items()[0].format(),
            "s.yaml:7:9: error: checkout.next.friction.abandoned: after this change checkout.next.friction sums to "
            "0.7, not 1; add 'renormalize: true' to rescale the other targets");
}

TEST(ScenarioChanges, UnknownPathsGetSuggestions) {
  auto s = retail();
  core::Diagnostics d;
  EXPECT_FALSE(apply_change(s, change("chekout.friction", 0.1), d));
  EXPECT_FALSE(apply_change(s, change("checkout.frction", 0.1), d));
  EXPECT_FALSE(apply_change(s, change("checkout.next.friction.abandonned", 0.1, Change::Op::scale), d));
  EXPECT_FALSE(apply_change(s, change("search.duration.mean", 3), d));
  EXPECT_FALSE(apply_change(s, change("segments.lyal.share", 0.3), d));
  const auto& it = d.items();
  ASSERT_EQ(it.size(), 5u) << d.format();
  EXPECT_EQ(it[0].suggestion, "checkout");
  EXPECT_EQ(it[1].suggestion, "friction");
  EXPECT_NE(it[2].message.find("scale needs an existing target"), std::string::npos);
  EXPECT_NE(it[3].message.find("'median' and 'p90'"), std::string::npos);
  EXPECT_EQ(it[4].suggestion, "loyal");
}

TEST(ScenarioChanges, OverrideShadowingWarnsAndOverridePathsWork) {
  auto s = retail();
  core::Diagnostics d;
  EXPECT_TRUE(apply_change(s, change("checkout.friction", 0.5, Change::Op::scale), d));
  ASSERT_EQ(d.warning_count(), 1u);
  EXPECT_NE(d.items()[0].message.find("segment 'loyal' overrides checkout.friction"), std::string::npos);
  EXPECT_TRUE(apply_change(s, change("segments.loyal.overrides.checkout.friction", 0.5, Change::Op::scale), d));
  EXPECT_DOUBLE_EQ(model::effective_touchpoint(s, 1, 3).friction, 0.04);
  // An override that did not exist is created from the base value.
  EXPECT_TRUE(apply_change(s, change("segments.new.overrides.delivery.friction", 0.5, Change::Op::scale), d));
  EXPECT_DOUBLE_EQ(model::effective_touchpoint(s, 0, 4).friction, 0.05);
  EXPECT_DOUBLE_EQ(model::effective_touchpoint(s, 1, 4).friction, 0.10);
}

std::vector<std::string> warnings(const core::Diagnostics& d) {
  std::vector<std::string> out;
  for (const auto& x : d.items())
    if (x.severity == core::Severity::warning) out.push_back(x.format());
  return out;
}

TEST(ScenarioChanges, ShadowingWarningIsMootWhenTheVariantAlsoChangesTheOverride) {
  const auto s = retail();
  const std::string expected =
      "s.yaml:7:9: warning: checkout.friction: in variant 'v': segment 'loyal' overrides checkout.friction, so this "
      "change does not reach it (change segments.loyal.overrides.checkout.friction too)";
  core::Diagnostics alone;
  apply_variant(s, "variant 'v'", {change("checkout.friction", 0.5, Change::Op::scale)}, alone);
  EXPECT_EQ(warnings(alone), std::vector<std::string>{expected});
  // The override changed too, before or after the base value: no warning.
  for (const bool override_first : {false, true}) {
    std::vector<Change> both = {change("checkout.friction", 0.5, Change::Op::scale),
                                change("segments.loyal.overrides.checkout.friction", 0.5, Change::Op::scale)};
    if (override_first) std::swap(both[0], both[1]);
    core::Diagnostics d;
    apply_variant(s, "variant 'v'", both, d);
    EXPECT_TRUE(warnings(d).empty()) << d.format();
    EXPECT_FALSE(d.has_errors()) << d.format();
  }
  // Changing another field of the override does not cover this one.
  core::Diagnostics other;
  apply_variant(
      s, "variant 'v'",
      {change("checkout.friction", 0.5, Change::Op::scale), change("segments.loyal.overrides.checkout.effort.ok", 0.5)},
      other);
  EXPECT_EQ(warnings(other), std::vector<std::string>{expected}) << other.format();
}

TEST(ScenarioChanges, VariantIsRevalidatedAsAWholeModel) {
  auto s = retail();
  core::Diagnostics d;
  apply_variant(s, "variant 'too_much'", {change("checkout.friction", 1.5)}, d);
  ASSERT_EQ(d.error_count(), 1u);
  const auto& items = d.items();
  auto err =
      std::find_if(items.begin(), items.end(), [](const auto& x) { return x.severity == core::Severity::error; });
  EXPECT_EQ(err->format(),
            "s.yaml:7:9: error: checkout.friction: in variant 'too_much': probability 1.5 is outside [0, 1]");
}

// Issue 12 item 12: chained scales overflowed to inf (and inf × 0 to NaN),
// and re-validation let them through; each change is refused at its line.
TEST(ScenarioChanges, NonFiniteResultsAreRefusedAtTheChange) {
  auto s = retail();
  core::Diagnostics d;
  EXPECT_TRUE(apply_change(s, change("chat.cost", 1e300, Change::Op::scale), d));
  EXPECT_FALSE(apply_change(s, change("chat.cost", 1e300, Change::Op::scale), d));
  ASSERT_EQ(d.error_count(), 1u) << d.format();
  EXPECT_EQ(d.items().back().format(),
            "s.yaml:7:9: error: chat.cost: 3e+300 × 1e+300 gives inf; the result must be "
            "a finite number");
  for (const char* path : {"chat.satisfaction.ok", "search.duration.p90", "purchased.value",
                           "segments.loyal.retention.alpha", "segments.loyal.satisfaction0.sd"}) {
    EXPECT_TRUE(apply_change(s, change(path, 1e300, Change::Op::scale), d)) << path;
    EXPECT_FALSE(apply_change(s, change(path, 1e300, Change::Op::scale), d)) << path;
  }
  EXPECT_EQ(d.error_count(), 6u) << d.format();
  // The spec is left as it was by a refused change.
  EXPECT_DOUBLE_EQ(s.find_touchpoint("chat")->cost, 3e300);
}

// Re-validation of a changed spec: a NaN or an infinity fails every range
// rule (the old `x < 0` checks let NaN pass).
TEST(ScenarioChanges, RevalidationRefusesNonFiniteValues) {
  const double nan = std::nan(""), inf = INFINITY;
  auto expect_error = [](model::JourneySpec s, const std::string& path) {
    core::Diagnostics d;
    model::validate(s, d);
    bool found = false;
    for (const auto& it : d.items())
      if (it.severity == core::Severity::error && it.key_path == path) found = true;
    EXPECT_TRUE(found) << path << ":\n" << d.format();
  };
  const auto base = retail();
  auto s = base;
  s.find_touchpoint("chat")->cost = nan;
  expect_error(s, "chat.cost");
  s = base;
  s.find_touchpoint("chat")->cost = inf;
  expect_error(s, "chat.cost");
  s = base;
  s.find_touchpoint("chat")->effort.ok = nan;
  expect_error(s, "chat.effort.ok");
  s = base;
  s.find_touchpoint("chat")->satisfaction.friction = nan;
  expect_error(s, "chat.satisfaction.friction");
  s = base;
  s.outcomes[0].value = nan;
  expect_error(s, s.outcomes[0].id + ".value");
  s = base;
  s.segments[0].satisfaction0_sd = nan;
  expect_error(s, "segments." + s.segments[0].id + ".satisfaction0.sd");
  s = base;
  s.segments[0].retention->alpha = inf;
  expect_error(s, "segments." + s.segments[0].id + ".retention.alpha");
  s = base;
  s.find_touchpoint("search")->duration.ok.b = nan;
  expect_error(s, "search.duration.ok.p90");
  s = base;
  s.channel_switch.satisfaction = nan;
  expect_error(s, "channel_switch.satisfaction");
}

TEST(ScenarioChanges, ValueAt) {
  auto s = retail();
  EXPECT_DOUBLE_EQ(*value_at(s, "checkout.friction"), 0.15);
  EXPECT_DOUBLE_EQ(*value_at(s, "product_page.next.ok.checkout"), 0.55);
  EXPECT_DOUBLE_EQ(*value_at(s, "segments.loyal.share"), 0.4);
  EXPECT_FALSE(value_at(s, "nowhere.friction").has_value());
}

}  // namespace
}  // namespace cxsim::scenario
