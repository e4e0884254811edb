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
      "change does not reach it (change segments.loyal.overrides.checkout.friction too, or add 'all_segments: true')";
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

// --- Issue 15 item 3: shift, several entries of one map, all_segments ---

Change shift(std::string path, std::string from, std::string to, double share) {
  Change c = change(std::move(path), share, Change::Op::shift);
  c.from = std::move(from);
  c.to = std::move(to);
  return c;
}

TEST(ScenarioChanges, ShiftMovesExactlyTheNamedShareOfTheSource) {
  const auto base = retail();
  auto s = base;
  core::Diagnostics d;
  // start: {search: 0.55, social_ad: 0.25, help_center: 0.20}; 20% of search's 0.55 moves to help_center.
  ASSERT_TRUE(apply_change(s, shift("start", "search", "help_center", 0.2), d)) << d.format();
  const double moved = 0.2 * 0.55;
  EXPECT_EQ(prob(s.start, "search"), 0.55 - moved);
  EXPECT_EQ(prob(s.start, "help_center"), 0.20 + moved);
  EXPECT_EQ(prob(s.start, "social_ad"), 0.25);  // nothing else touched
  EXPECT_EQ(s.start.size(), 3u);
  EXPECT_NEAR(prob(s.start, "search"), 0.44, 1e-15);
  EXPECT_NEAR(prob(s.start, "help_center"), 0.31, 1e-15);
  // On one branch of a split next map, to a target the map did not have yet.
  ASSERT_TRUE(apply_change(s, shift("chat.next.friction", "unresolved", "purchased", 0.5), d)) << d.format();
  const auto& m = s.find_touchpoint("chat")->next.friction;
  EXPECT_EQ(prob(m, "unresolved"), 0.4 - 0.5 * 0.4);
  EXPECT_EQ(prob(m, "purchased"), 0.5 * 0.4);
  EXPECT_EQ(prob(m, "phone_support"), 0.6);
  EXPECT_EQ(s.find_touchpoint("chat")->next.ok, base.find_touchpoint("chat")->next.ok);
  // share 1 moves all of it: exactly 0 left; an unsplit next map is named as <touchpoint>.next.
  ASSERT_TRUE(apply_change(s, shift("search.next", "abandoned", "product_page", 1), d)) << d.format();
  EXPECT_EQ(prob(s.find_touchpoint("search")->next.ok, "abandoned"), 0.0);
  EXPECT_EQ(prob(s.find_touchpoint("search")->next.ok, "product_page"), 1.0);
  EXPECT_EQ(d.error_count(), 0u) << d.format();
  core::Diagnostics v;
  model::validate(s, v);
  EXPECT_FALSE(v.has_errors()) << v.format();
  EXPECT_EQ(shift("start", "search", "help_center", 0.2).describe(), "start: shift 0.2 of search to help_center");
}

TEST(ScenarioChanges, BadShiftsAreRefusedAtTheChange) {
  auto errors = [](const Change& c) {
    auto s = retail();
    core::Diagnostics d;
    EXPECT_FALSE(apply_change(s, c, d));
    return d.format();
  };
  EXPECT_EQ(errors(shift("start", "search", "help_center", 1.2)),
            "s.yaml:7:9: error: start: shift.share 1.2 exceeds the source: share is the fraction of search's "
            "probability in start (0.55) to move, at most 1 (all of it)\n");
  EXPECT_EQ(errors(shift("start", "search", "help_center", -0.1)),
            "s.yaml:7:9: error: start: shift.share must be a fraction in [0, 1] of search's probability, got -0.1\n");
  EXPECT_EQ(errors(shift("start", "serch", "help_center", 0.2)),
            "s.yaml:7:9: error: start: shift.from: 'serch' is not a target of start (its targets: 'search', "
            "'social_ad' and 'help_center') (did you mean 'search'?)\n");
  EXPECT_EQ(errors(shift("start", "search", "help_centre", 0.2)),
            "s.yaml:7:9: error: start: shift.to: unknown touchpoint 'help_centre' (did you mean 'help_center'?)\n");
  // start names touchpoints only.
  EXPECT_NE(errors(shift("start", "search", "purchased", 0.2)).find("shift.to: unknown touchpoint 'purchased'"),
            std::string::npos);
  EXPECT_NE(errors(shift("start", "search", "search", 0.2)).find("shift.to: 'search' is also shift.from"),
            std::string::npos);
  EXPECT_NE(errors(shift("checkout.friction", "a", "b", 0.2)).find("shift moves probability within one map"),
            std::string::npos);
  EXPECT_NE(errors(shift("chat.next", "unresolved", "purchased", 0.2))
                .find("chat.next has separate ok and friction maps; name one: chat.next.ok or chat.next.friction"),
            std::string::npos);
  // A value change needs a target, not a whole map.
  EXPECT_NE(errors(change("start", 0.2)).find("expected start.<target>"), std::string::npos);
}

TEST(ScenarioChanges, SeveralEntriesOfOneMapAreValidatedTogether) {
  const auto s = retail();
  // start: {search: 0.55, social_ad: 0.25, help_center: 0.20} -> {0.45, 0.35, 0.20}: each change alone
  // breaks the sum, both together keep it.
  const std::vector<Change> both = {change("start.search", 0.45), change("start.social_ad", 0.35)};
  core::Diagnostics d;
  const auto v = apply_variant(s, "variant 'v'", both, d);
  EXPECT_FALSE(d.has_errors()) << d.format();
  EXPECT_EQ(prob(v.start, "search"), 0.45);
  EXPECT_EQ(prob(v.start, "social_ad"), 0.35);
  EXPECT_EQ(prob(v.start, "help_center"), 0.20);
  for (const auto& one : both) {
    core::Diagnostics e;
    apply_variant(s, "variant 'v'", {one}, e);
    EXPECT_TRUE(e.has_errors()) << one.path;
  }
  // Two changes that do not add up: one error, at the last change to the map.
  std::vector<Change> broken = both;
  broken[1].number = 0.3;
  broken[1].loc.line = 8;
  core::Diagnostics b;
  apply_variant(s, "variant 'v'", broken, b);
  EXPECT_EQ(b.format(),
            "s.yaml:8:9: error: start.social_ad: in variant 'v': after this variant's 2 changes to start it sums to "
            "0.95, not 1; make them add up or add 'renormalize: true' to the last\n");
}

TEST(ScenarioChanges, AllSegmentsReachesTheBaseAndEveryOverride) {
  const auto s = retail();  // loyal overrides checkout.friction (0.08); the base is 0.15
  Change c = change("checkout.friction", 0.5, Change::Op::scale);
  c.all_segments = true;
  core::Diagnostics d;
  const auto v = apply_variant(s, "variant 'v'", {c}, d);
  EXPECT_TRUE(d.items().empty()) << d.format();  // no shadowing warning
  EXPECT_DOUBLE_EQ(v.find_touchpoint("checkout")->friction, 0.075);
  EXPECT_DOUBLE_EQ(model::effective_touchpoint(v, 0, 3).friction, 0.075);  // new: follows the base
  EXPECT_DOUBLE_EQ(model::effective_touchpoint(v, 1, 3).friction, 0.04);   // loyal: its override halved
  // Naming the override directly keeps working and reaches only it.
  core::Diagnostics d2;
  const auto w = apply_variant(s, "variant 'w'", {change("segments.loyal.overrides.checkout.friction", 0.02)}, d2);
  EXPECT_FALSE(d2.has_errors()) << d2.format();
  EXPECT_DOUBLE_EQ(model::effective_touchpoint(w, 1, 3).friction, 0.02);
  EXPECT_DOUBLE_EQ(model::effective_touchpoint(w, 0, 3).friction, 0.15);
  // A path no segment can override.
  Change bad = change("purchased.value", 80);
  bad.all_segments = true;
  core::Diagnostics e;
  apply_variant(s, "variant 'x'", {bad}, e);
  EXPECT_NE(e.format().find("purchased.value: in variant 'x': all_segments: true reaches segment overrides"),
            std::string::npos)
      << e.format();
}

TEST(ScenarioChanges, SegmentStartOverridesChangeLikeTheStartMap) {
  auto s = retail();
  core::Diagnostics d;
  // Created from the journey's start, then shifted within the segment only.
  ASSERT_TRUE(apply_change(s, shift("segments.loyal.overrides.start", "social_ad", "help_center", 0.5), d))
      << d.format();
  ASSERT_TRUE(s.segments[1].start);
  EXPECT_EQ(prob(*s.segments[1].start, "social_ad"), 0.25 - 0.5 * 0.25);
  EXPECT_EQ(prob(*s.segments[1].start, "help_center"), 0.20 + 0.5 * 0.25);
  EXPECT_EQ(prob(s.start, "social_ad"), 0.25);
  EXPECT_FALSE(s.segments[0].start);
  // A change of start alone warns that loyal's start shadows it; with all_segments it reaches both.
  const auto overridden = s;
  core::Diagnostics w;
  apply_variant(overridden, "variant 'v'", {shift("start", "search", "help_center", 0.1)}, w);
  EXPECT_EQ(warnings(w), std::vector<std::string>{
                             "s.yaml:7:9: warning: start: in variant 'v': segment 'loyal' overrides start, so this "
                             "change does not reach it (change segments.loyal.overrides.start too, or add "
                             "'all_segments: true')"});
  Change all = shift("start", "search", "help_center", 0.1);
  all.all_segments = true;
  core::Diagnostics a;
  const auto v = apply_variant(overridden, "variant 'v'", {all}, a);
  EXPECT_TRUE(a.items().empty()) << a.format();
  EXPECT_EQ(prob(v.start, "search"), 0.55 - 0.1 * 0.55);
  EXPECT_EQ(prob(*v.segments[1].start, "search"), 0.55 - 0.1 * 0.55);
  EXPECT_EQ(prob(*v.segments[1].start, "help_center"), prob(*s.segments[1].start, "help_center") + 0.1 * 0.55);
}

}  // namespace
}  // namespace cxsim::scenario

namespace cxsim::scenario {
namespace {

// Issue 16: waiting and patience as scenario change paths and as segment
// overrides (the fields a queue's visit is timed by).
TEST(ScenarioChanges, WaitingAndPatiencePathsAndOverrides) {
  auto s = testing::spec_from_text(R"(journey: timed
start: {queue: 1.0}
touchpoints:
  queue:
    channel: phone
    duration: {exponential: {mean: 10}}
    waiting: {tolerance: 2, satisfaction_per_unit: -0.05}
    patience: {exponential: {mean: 20}}
    next: {ok: {solved: 1.0}, friction: {lost: 1.0}}
  plain:
    channel: web
    next: {solved: 1.0}
outcomes:
  solved: {kind: resolved}
  lost: {kind: abandoned}
segments:
  busy:
    share: 0.5
    overrides:
      queue: {waiting: {tolerance: 1, satisfaction_per_unit: -0.2}, patience: {gamma: {mean: 5, sd: 2}}}
  calm: {share: 0.5}
)");
  // The overrides as loaded: busy has its own waiting and patience, calm the touchpoint's.
  EXPECT_DOUBLE_EQ(model::effective_touchpoint(s, 0, 0).waiting->tolerance, 1);
  EXPECT_EQ(model::effective_touchpoint(s, 0, 0).patience->kind, model::DurationSpec::Kind::gamma);
  EXPECT_DOUBLE_EQ(model::effective_touchpoint(s, 1, 0).waiting->satisfaction_per_unit, -0.05);
  core::Diagnostics d;
  EXPECT_TRUE(apply_change(s, change("queue.waiting.tolerance", 4), d));
  EXPECT_TRUE(apply_change(s, change("queue.patience.mean", 0.5, Change::Op::scale), d));
  EXPECT_DOUBLE_EQ(model::effective_touchpoint(s, 1, 0).waiting->tolerance, 4);
  EXPECT_DOUBLE_EQ(model::effective_touchpoint(s, 1, 0).patience->a, 10);
  EXPECT_DOUBLE_EQ(model::effective_touchpoint(s, 0, 0).waiting->tolerance, 1);  // shadowed: a warning
  EXPECT_EQ(d.warning_count(), 2u) << d.format();
  EXPECT_TRUE(apply_change(s, change("segments.busy.overrides.queue.waiting.satisfaction_per_unit", -0.3), d));
  EXPECT_TRUE(apply_change(s, change("segments.busy.overrides.queue.patience.sd", 1), d));
  EXPECT_DOUBLE_EQ(model::effective_touchpoint(s, 0, 0).waiting->satisfaction_per_unit, -0.3);
  EXPECT_DOUBLE_EQ(model::effective_touchpoint(s, 0, 0).patience->b, 1);
  // An override created by a change starts from the touchpoint's own.
  EXPECT_TRUE(apply_change(s, change("segments.calm.overrides.queue.patience.mean", 40), d));
  EXPECT_DOUBLE_EQ(model::effective_touchpoint(s, 1, 0).patience->a, 40);
  EXPECT_DOUBLE_EQ(model::effective_touchpoint(s, 1, 0).waiting->tolerance, 4);
  EXPECT_EQ(d.error_count(), 0u) << d.format();
  model::validate(s, d);
  EXPECT_FALSE(d.has_errors()) << d.format();

  // Bad input: a touchpoint without patience, a misspelt field (with its
  // suggestion), a value re-validation refuses — each at the change's line.
  const auto first_error = [&](const std::vector<Change>& cs) {
    core::Diagnostics e;
    apply_variant(s, "variant 'v'", cs, e);
    for (const auto& x : e.items())
      if (x.severity == core::Severity::error) return x.format();
    return std::string("no error");
  };
  EXPECT_EQ(first_error({change("plain.patience.mean", 5)}),
            "s.yaml:7:9: error: plain.patience.mean: in variant 'v': touchpoint 'plain' has no patience to change "
            "(add `patience: DIST` to the journey first)");
  EXPECT_EQ(first_error({change("queue.waiting.tolerence", 5)}),
            "s.yaml:7:9: error: queue.waiting.tolerence: in variant 'v': unknown field 'tolerence' of queue.waiting "
            "(did you mean 'tolerance'?)");
  EXPECT_EQ(first_error({change("segments.busy.overrides.queue.waiting.tolerance", -1)}),
            "s.yaml:7:9: error: segments.busy.overrides.queue.waiting.tolerance: in variant 'v': waiting tolerance "
            "must be >= 0, got -1");
  EXPECT_EQ(first_error({change("segments.busy.overrides.plain.waiting.tolerance", 1)}),
            "s.yaml:7:9: error: segments.busy.overrides.plain.waiting.tolerance: in variant 'v': touchpoint 'plain' "
            "has no waiting penalty to change (add `waiting: {tolerance, satisfaction_per_unit}` to the journey "
            "first)");
}

}  // namespace
}  // namespace cxsim::scenario
