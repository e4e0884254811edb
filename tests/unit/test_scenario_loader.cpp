// Scenario files: the shared example loads unchanged; broken scenarios get
// located diagnostics, all at once.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cxsim/core/errors.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/scenario/scenario_loader.h"
#include "journey_fixtures.h"

namespace cxsim::scenario {
namespace {

TEST(ScenarioLoader, SharedExampleLoadsUnchanged) {
  auto ls = load_scenario(testing::shared_example("retail_whatif.yaml"));
  const auto& sc = ls.scenario;
  EXPECT_EQ(sc.name, "retail_whatif");
  EXPECT_EQ(*sc.population.customers, 200000);
  EXPECT_EQ(*sc.population.periods, 12);
  EXPECT_EQ(*sc.population.seed, 2026u);
  EXPECT_DOUBLE_EQ(*sc.population.discount_rate, 0.01);
  ASSERT_EQ(sc.variants.size(), 4u);
  EXPECT_EQ(sc.variants[0].name, "fix_checkout");
  EXPECT_EQ(sc.variants[0].changes[0].op, Change::Op::scale);
  ASSERT_TRUE(sc.variants[2].recovery.has_value());
  EXPECT_DOUBLE_EQ(sc.variants[2].recovery->threshold, -1.5);
  EXPECT_DOUBLE_EQ(sc.variants[2].recovery->reach, 0.7);
  ASSERT_EQ(sc.sweeps.size(), 1u);
  EXPECT_EQ(sc.sweeps[0].values.size(), 6u);
  EXPECT_TRUE(sc.rank.present);
  EXPECT_DOUBLE_EQ(sc.rank.reduce_by, 0.5);
  EXPECT_EQ(ls.variant_specs.size(), 4u);
  // fix_checkout is shadowed by the loyal segment's override: a warning.
  EXPECT_EQ(ls.diagnostics.error_count(), 0u);
  EXPECT_GE(ls.diagnostics.warning_count(), 1u);
}

TEST(ScenarioLoader, RepoScenariosLoad) {
  for (const auto& e : std::filesystem::directory_iterator(std::string(CXSIM_SOURCE_DIR) + "/scenarios")) {
    if (e.path().extension() != ".yaml") continue;
    EXPECT_NO_THROW(load_scenario(e.path().string())) << e.path();
  }
}

std::string write_temp(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / "cxsim_scenario_test";
  std::filesystem::create_directories(dir);
  const auto p = dir / name;
  std::ofstream(p) << text;
  return p.string();
}

TEST(ScenarioLoader, EveryProblemReportedAtOnce) {
  const std::string journey = std::string(CXSIM_SOURCE_DIR) + "/journeys/retail.yaml";
  const auto path = write_temp("bad.yaml", "scenario: bad\njourney: " + journey + R"(
population: {customers: 0, periods: 3}
variants:
  baseline: {changes: [{set: checkout.friction, value: 0.1}]}
  a:
    changes:
      - {set: checkout.frction, value: 0.1}
      - {set: checkout.next.friction.abandoned, value: 0.1}
  b:
    changes: [{set: delivery.friction}]
    recovery: {trigger: {satisfaction_below: -1}, reach: 1.4}
sweeps:
  s: {set: checkout.friction}
rank_frictions: {reduce_by: 2}
)");
  core::Diagnostics d;
  check_scenario_file(path, d);
  const std::string text = d.format();
  EXPECT_NE(text.find("bad.yaml:3:25: error: population.customers: must be >= 1, got 0"), std::string::npos) << text;
  EXPECT_NE(text.find("variants.baseline: 'baseline' is reserved"), std::string::npos) << text;
  EXPECT_NE(text.find("missing 'value' (replace), 'scale' (multiply) or 'shift' (move probability)"), std::string::npos)
      << text;
  EXPECT_NE(text.find("variants.b.recovery.reach: probability 1.4 is outside [0, 1]"), std::string::npos) << text;
  EXPECT_NE(text.find("sweeps.s: give 'values'"), std::string::npos) << text;
  EXPECT_NE(text.find("rank_frictions.reduce_by: must be in (0, 1], got 2"), std::string::npos) << text;
  EXPECT_NE(text.find("checkout.frction: in variant 'a': unknown field"), std::string::npos) << text;
  EXPECT_GE(d.error_count(), 7u);
}

TEST(ScenarioLoader, ChangeErrorsPointAtTheScenarioLine) {
  const std::string journey = std::string(CXSIM_SOURCE_DIR) + "/journeys/retail.yaml";
  const auto path = write_temp("bad2.yaml", "scenario: bad2\njourney: " + journey + R"(
variants:
  a:
    changes:
      - {set: checkout.frction, value: 0.1}
      - {set: chat.next.friction.phone_support, value: 0.3}
)");
  core::Diagnostics d;
  check_scenario_file(path, d);
  const std::string text = d.format();
  EXPECT_NE(text.find("bad2.yaml:6:9: error: checkout.frction: in variant 'a': unknown field 'frction' of touchpoint "
                      "'checkout' (did you mean 'friction'?)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("bad2.yaml:7:9: error: chat.next.friction.phone_support: in variant 'a': after this change "
                      "chat.next.friction sums to 0.7, not 1; add 'renormalize: true'"),
            std::string::npos)
      << text;
}

TEST(ScenarioLoader, MissingJourneyFile) {
  const auto path = write_temp("bad3.yaml", "scenario: x\njourney: nowhere.yaml\n");
  core::Diagnostics d;
  check_scenario_file(path, d);
  EXPECT_NE(d.format().find("journey file 'nowhere.yaml' not found"), std::string::npos) << d.format();
  EXPECT_THROW(load_scenario(path), core::InputError);
}

// Every tests/data/invalid/scenarios/<rule>.yaml breaks one rule of the
// scenario format and states, in its leading `# expect: ` lines, exactly what
// check_scenario_file reports (as tests/data/invalid/ does for journeys; the
// journey they name, _journey.yaml, is valid).
const std::filesystem::path kInvalidScenarios = std::filesystem::path(CXSIM_TEST_DATA_DIR) / "invalid" / "scenarios";

std::vector<std::string> invalid_scenarios() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(kInvalidScenarios)) {
    const std::string n = e.path().filename().string();
    if (e.path().extension() == ".yaml" && n[0] != '_') names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> expectations(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  const std::string prefix = "# expect: ";
  std::string line;
  while (std::getline(in, line) && line.rfind(prefix, 0) == 0) out.push_back(line.substr(prefix.size()));
  return out;
}

class InvalidScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(InvalidScenario, ReportsExactlyWhatItExpects) {
  const std::string name = GetParam();
  const auto path = kInvalidScenarios / name;
  const auto expected = expectations(path);
  ASSERT_FALSE(expected.empty()) << name << ": first line must be '# expect: <diagnostic>'";
  core::Diagnostics d;
  check_scenario_file(path.string(), d);
  std::vector<std::string> got;
  for (auto item : d.items()) {
    item.loc.file = std::filesystem::path(item.loc.file).filename().string();
    got.push_back(item.format());
  }
  EXPECT_EQ(got, expected) << d.format();
  EXPECT_THROW(load_scenario(path.string()), core::InputError);
}

INSTANTIATE_TEST_SUITE_P(Files, InvalidScenario, ::testing::ValuesIn(invalid_scenarios()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return std::filesystem::path(info.param).stem().string();
                         });

TEST(InvalidScenarios, TheirJourneyIsValid) {
  EXPECT_NO_THROW(model::load_journey((kInvalidScenarios / "_journey.yaml").string()));
  EXPECT_GE(invalid_scenarios().size(), 6u);
}

TEST(ScenarioLoader, PrecisionMetricsAreTheHeadlineMetricsAndTimeQuantiles) {
  const auto lj = model::load_journey((kInvalidScenarios / "_journey.yaml").string());
  const auto names = precision_metrics(model::compile(lj.spec));
  for (const char* m : {"nps_true", "share_converted", "clv_mean", "retention_final", "time_p50", "time_p90"})
    EXPECT_NE(std::find(names.begin(), names.end(), m), names.end()) << m;
  // A journey without CSAT has no csat metric to target.
  EXPECT_EQ(std::find(names.begin(), names.end(), "csat_true"), names.end());
}

TEST(ScenarioLoader, SweepRenormalizeIsRead) {
  const auto path =
      write_temp("renorm.yaml", "scenario: r\njourney: " + (kInvalidScenarios / "_journey.yaml").string() +
                                    "\nsweeps:\n  s: {set: browse.next.checkout, values: [0.7], "
                                    "renormalize: true}\n");
  const auto ls = load_scenario(path);
  ASSERT_EQ(ls.scenario.sweeps.size(), 1u);
  EXPECT_TRUE(ls.scenario.sweeps[0].renormalize);
}

// Issue 15 item 3: shift, several entries of one map and all_segments, as written in a scenario file.
TEST(ScenarioLoader, ShiftAndAllSegmentsAreRead) {
  const std::string journey = std::string(CXSIM_SOURCE_DIR) + "/journeys/retail.yaml";
  const auto path = write_temp("shift_ok.yaml", "scenario: s\njourney: " + journey + R"(
variants:
  app_first:
    changes:
      - {set: start, shift: {from: search, to: help_center, share: 0.2}, all_segments: true}
  two_entries:
    changes:
      - {set: start.search, value: 0.45}
      - {set: start.social_ad, value: 0.35}
  everyone:
    changes:
      - {set: checkout.friction, scale: 0.5, all_segments: true}
)");
  const auto ls = load_scenario(path);
  const auto& v = ls.scenario.variants;
  ASSERT_EQ(v.size(), 3u);
  const Change& c = v[0].changes[0];
  EXPECT_EQ(c.op, Change::Op::shift);
  EXPECT_EQ(c.path, "start");
  EXPECT_EQ(c.from, "search");
  EXPECT_EQ(c.to, "help_center");
  EXPECT_EQ(c.number, 0.2);
  EXPECT_TRUE(c.all_segments);
  EXPECT_EQ(c.share_loc.line, 6);
  EXPECT_FALSE(v[2].changes[0].renormalize);
  EXPECT_TRUE(v[2].changes[0].all_segments);
  ASSERT_EQ(ls.variant_specs.size(), 3u);
  auto p = [](const model::TransitionMap& m, const std::string& t) {
    for (const auto& e : m)
      if (e.first == t) return e.second;
    return -1.0;
  };
  EXPECT_EQ(p(ls.variant_specs[0].start, "search"), 0.55 - 0.2 * 0.55);
  EXPECT_EQ(p(ls.variant_specs[1].start, "social_ad"), 0.35);
  // Neither everyone's change nor app_first's is shadowed (all_segments reaches loyal's override).
  EXPECT_EQ(ls.diagnostics.format().find("everyone"), std::string::npos) << ls.diagnostics.format();
  EXPECT_EQ(ls.diagnostics.error_count(), 0u);
}

TEST(ScenarioLoader, ShiftChangesAreCheckedAsWritten) {
  const std::string journey = std::string(CXSIM_SOURCE_DIR) + "/journeys/retail.yaml";
  const auto path = write_temp("shift_bad.yaml", "scenario: s\njourney: " + journey + R"(
variants:
  a:
    changes:
      - {set: start, shift: {from: search, to: help_center}}
      - {set: start, shift: {from: search, to: help_center, share: 0.2}, renormalize: true}
      - {set: start, value: 0.2, shift: {from: search, to: help_center, share: 0.2}}
      - {set: start, shift: {from: search, to: help_center, share: 0.2}, all_segments: yes}
)");
  core::Diagnostics d;
  check_scenario_file(path, d);
  const std::string text = d.format();
  EXPECT_NE(text.find("shift_bad.yaml:6:29: error: variants.a.changes[0].shift: missing required key 'share'"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("variants.a.changes[1].renormalize: a shift keeps the map's sum; renormalize does not apply"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("variants.a.changes[2]: give one of 'value', 'scale' or 'shift', not several"), std::string::npos)
      << text;
  EXPECT_NE(text.find("variants.a.changes[3].all_segments: expected true or false, got 'yes'"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace cxsim::scenario
