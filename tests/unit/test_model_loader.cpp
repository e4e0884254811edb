// Loading the journey files that must work: the spec's examples (unchanged)
// and journeys/*.yaml. Checks parsed values, defaults, segment overrides and
// what compile() builds from them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cxsim/core/diagnostics.h"
#include "cxsim/core/errors.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/model/journey_spec.h"
#include "cxsim/model/validate.h"
#include "cxsim/model/yaml_source.h"

namespace {

namespace fs = std::filesystem;
using namespace cxsim::model;
using cxsim::core::Diagnostics;

const fs::path kExamples = fs::path(CXSIM_SHARED_DIR) / "spec" / "examples";
const fs::path kJourneys = fs::path(CXSIM_SOURCE_DIR) / "journeys";

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

std::size_t index_of(const JourneySpec& s, const std::string& tp) {
  for (std::size_t i = 0; i < s.touchpoints.size(); ++i)
    if (s.touchpoints[i].id == tp) return i;
  ADD_FAILURE() << "no touchpoint " << tp;
  return 0;
}

std::size_t segment_index(const JourneySpec& s, const std::string& id) {
  for (std::size_t i = 0; i < s.segments.size(); ++i)
    if (s.segments[i].id == id) return i;
  ADD_FAILURE() << "no segment " << id;
  return 0;
}

double prob_of(const TransitionMap& m, const std::string& target) {
  for (const auto& [t, p] : m)
    if (t == target) return p;
  ADD_FAILURE() << "no target " << target;
  return -1;
}

// σ(cut_c) must be the cumulative baseline F_c.
void expect_cutpoints_reproduce(const CompiledScale& c, const std::vector<double>& baseline) {
  ASSERT_EQ(c.cut.size() + 1, baseline.size());
  double F = 0;
  for (std::size_t k = 0; k < c.cut.size(); ++k) {
    F += baseline[k];
    EXPECT_NEAR(sigmoid(c.cut[k]), F, 1e-12) << "cut " << k;
    if (k > 0) {
      EXPECT_LE(c.cut[k - 1], c.cut[k]);
    }
  }
}

void expect_categorical_ok(const CompiledModel& m, const Categorical& c) {
  ASSERT_GT(c.count, 0u);
  ASSERT_LE(c.offset + c.count, m.cum.size());
  double sum = 0, prev = 0;
  for (std::uint32_t i = c.offset; i < c.offset + c.count; ++i) {
    EXPECT_GT(m.prob[i], 0.0);
    sum += m.prob[i];
    EXPECT_GE(m.cum[i], prev);
    prev = m.cum[i];
    EXPECT_LT(m.target[i], m.num_touchpoints() + m.num_outcomes());
  }
  EXPECT_NEAR(sum, 1.0, 1e-12);
  EXPECT_EQ(m.cum[c.offset + c.count - 1], 1.0);
}

// Every categorical table of a model.
void expect_all_tables_ok(const CompiledModel& m) {
  expect_categorical_ok(m, m.start);
  for (const auto& seg : m.segments)
    for (const auto& tp : seg.tp) {
      expect_categorical_ok(m, tp.next_ok);
      expect_categorical_ok(m, tp.next_fr);
    }
  ASSERT_FALSE(m.segment_cum_share.empty());
  EXPECT_EQ(m.segment_cum_share.back(), 1.0);
}

LoadedJourney load_example(const std::string& name) { return load_journey((kExamples / name).string()); }

// --- retail.yaml --------------------------------------------------------------

TEST(ModelLoader, RetailLoadsWithoutDiagnostics) {
  const auto lj = load_example("retail.yaml");
  EXPECT_TRUE(lj.diagnostics.empty()) << lj.diagnostics.format();
  const auto& s = lj.spec;
  EXPECT_EQ(s.name, "online_retail");
  EXPECT_EQ(s.time_unit, "minutes");
  EXPECT_EQ(s.max_steps, 200);
  EXPECT_EQ(s.touchpoints.size(), 8u);
  EXPECT_EQ(s.outcomes.size(), 4u);
  EXPECT_EQ(s.touchpoint_ids(), (std::vector<std::string>{"search", "social_ad", "product_page", "checkout", "delivery",
                                                          "help_center", "chat", "phone_support"}));
  EXPECT_EQ(s.outcome_ids(), (std::vector<std::string>{"purchased", "resolved", "unresolved", "abandoned"}));
  EXPECT_EQ(s.start, (TransitionMap{{"search", 0.55}, {"social_ad", 0.25}, {"help_center", 0.20}}));
  EXPECT_FALSE(s.source_text.empty());
  EXPECT_NE(s.source_text.find("journey: online_retail"), std::string::npos);
}

TEST(ModelLoader, RetailTouchpointValues) {
  const auto s = load_example("retail.yaml").spec;
  const auto* search = s.find_touchpoint("search");
  ASSERT_NE(search, nullptr);
  EXPECT_EQ(search->channel, "web");
  EXPECT_EQ(search->stage, "awareness");
  EXPECT_DOUBLE_EQ(search->friction, 0.04);
  EXPECT_DOUBLE_EQ(search->satisfaction.ok, 0.1);
  EXPECT_DOUBLE_EQ(search->satisfaction.friction, -0.4);
  EXPECT_DOUBLE_EQ(search->effort.ok, 1);
  EXPECT_DOUBLE_EQ(search->effort.friction, 2);
  EXPECT_EQ(search->duration.ok.kind, DurationSpec::Kind::lognormal);
  EXPECT_DOUBLE_EQ(search->duration.ok.a, 2);                 // median
  EXPECT_DOUBLE_EQ(search->duration.ok.b, 6);                 // p90
  EXPECT_EQ(search->duration.ok, search->duration.friction);  // one distribution for both
  EXPECT_FALSE(search->next.split);
  EXPECT_DOUBLE_EQ(prob_of(search->next.ok, "product_page"), 0.8);
  EXPECT_DOUBLE_EQ(search->cost, 0.0);

  const auto* chat = s.find_touchpoint("chat");
  EXPECT_EQ(chat->duration.ok.kind, DurationSpec::Kind::gamma);
  EXPECT_DOUBLE_EQ(chat->duration.ok.a, 12);  // mean
  EXPECT_DOUBLE_EQ(chat->duration.ok.b, 6);   // sd
  EXPECT_DOUBLE_EQ(chat->cost, 3.0);

  const auto* social = s.find_touchpoint("social_ad");
  EXPECT_EQ(social->duration.ok.kind, DurationSpec::Kind::fixed);
  EXPECT_DOUBLE_EQ(social->duration.ok.a, 0.5);

  const auto* checkout = s.find_touchpoint("checkout");
  EXPECT_EQ(checkout->duration.ok.kind, DurationSpec::Kind::lognormal);
  EXPECT_DOUBLE_EQ(checkout->duration.ok.a, 3);
  EXPECT_DOUBLE_EQ(checkout->duration.friction.a, 9);
  EXPECT_DOUBLE_EQ(checkout->duration.friction.b, 25);
  EXPECT_TRUE(checkout->next.split);
  EXPECT_EQ(checkout->next.ok, (TransitionMap{{"delivery", 1.0}}));
  EXPECT_EQ(checkout->next.friction, (TransitionMap{{"checkout", 0.35}, {"phone_support", 0.25}, {"abandoned", 0.40}}));
  EXPECT_EQ(&checkout->next.after(true), &checkout->next.friction);
  EXPECT_EQ(&search->next.after(true), &search->next.ok);

  const auto* purchased = s.find_outcome("purchased");
  EXPECT_EQ(purchased->kind, "converted");
  EXPECT_DOUBLE_EQ(purchased->value, 60);
  EXPECT_DOUBLE_EQ(s.find_outcome("resolved")->value, 0);

  EXPECT_DOUBLE_EQ(s.channel_switch.satisfaction, -0.2);
  EXPECT_DOUBLE_EQ(s.channel_switch.effort, 1);
}

TEST(ModelLoader, RetailSegmentsAndOverrides) {
  const auto s = load_example("retail.yaml").spec;
  ASSERT_EQ(s.segments.size(), 2u);
  EXPECT_TRUE(s.segments_given);
  const auto* fresh = s.find_segment("new");
  const auto* loyal = s.find_segment("loyal");
  ASSERT_TRUE(fresh && loyal);
  EXPECT_DOUBLE_EQ(fresh->share, 0.6);
  EXPECT_DOUBLE_EQ(loyal->share, 0.4);
  EXPECT_DOUBLE_EQ(loyal->satisfaction0_mean, 0.8);
  EXPECT_DOUBLE_EQ(loyal->satisfaction0_sd, 0.5);
  ASSERT_TRUE(loyal->retention);
  EXPECT_DOUBLE_EQ(loyal->retention->alpha, 0.7);
  EXPECT_DOUBLE_EQ(loyal->retention->beta, 3.8);
  ASSERT_EQ(loyal->overrides.size(), 1u);
  EXPECT_EQ(loyal->overrides[0].first, "checkout");

  const std::size_t checkout = index_of(s, "checkout");
  const std::size_t i_new = segment_index(s, "new"), i_loyal = segment_index(s, "loyal");
  // The override replaces friction only, for loyal only.
  const TouchpointSpec for_loyal = effective_touchpoint(s, i_loyal, checkout);
  const TouchpointSpec for_new = effective_touchpoint(s, i_new, checkout);
  EXPECT_DOUBLE_EQ(for_loyal.friction, 0.08);
  EXPECT_DOUBLE_EQ(for_new.friction, 0.15);
  EXPECT_DOUBLE_EQ(s.touchpoints[checkout].friction, 0.15);
  EXPECT_EQ(for_loyal.next.friction, for_new.next.friction);
  EXPECT_EQ(for_loyal.satisfaction, for_new.satisfaction);
  EXPECT_EQ(for_loyal.duration.friction, for_new.duration.friction);
  // Touchpoints without overrides are the same for everyone.
  const std::size_t chat = index_of(s, "chat");
  EXPECT_DOUBLE_EQ(effective_touchpoint(s, i_loyal, chat).friction, s.touchpoints[chat].friction);

  ASSERT_TRUE(effective_retention(s, i_new));
  EXPECT_DOUBLE_EQ(effective_retention(s, i_new)->beta, 1.2);
}

TEST(ModelLoader, RetailSurveyAndRetention) {
  const auto s = load_example("retail.yaml").spec;
  const auto& sv = s.survey;
  EXPECT_DOUBLE_EQ(sv.response_rate, 0.25);
  EXPECT_DOUBLE_EQ(sv.response_extremity, 0.6);
  // NPS groups are spread evenly over their scores.
  ASSERT_EQ(sv.nps.baseline.size(), 11u);
  EXPECT_EQ(sv.nps.scale, 11);
  for (int c = 0; c <= 6; ++c) EXPECT_DOUBLE_EQ(sv.nps.baseline[c], 0.30 / 7) << c;
  for (int c = 7; c <= 8; ++c) EXPECT_DOUBLE_EQ(sv.nps.baseline[c], 0.35 / 2) << c;
  for (int c = 9; c <= 10; ++c) EXPECT_DOUBLE_EQ(sv.nps.baseline[c], 0.35 / 2) << c;
  EXPECT_DOUBLE_EQ(sv.nps.slope, 1.0);
  EXPECT_TRUE(sv.csat.present);
  EXPECT_EQ(sv.csat.scale, 5);
  EXPECT_EQ(sv.csat.baseline, (std::vector<double>{0.08, 0.12, 0.25, 0.35, 0.20}));
  EXPECT_TRUE(sv.ces.present);
  EXPECT_EQ(sv.ces.scale, 7);
  EXPECT_DOUBLE_EQ(sv.ces.slope, 0.3);
  EXPECT_DOUBLE_EQ(s.retention.sensitivity, 0.6);
  EXPECT_DOUBLE_EQ(s.retention.carryover, 0.5);
  EXPECT_FALSE(s.retention.default_params);
}

TEST(ModelLoader, RetailCompiles) {
  const auto s = load_example("retail.yaml").spec;
  const CompiledModel m = compile(s);
  EXPECT_EQ(m.name, "online_retail");
  EXPECT_EQ(m.max_steps, 200);
  EXPECT_EQ(m.num_touchpoints(), 8u);
  EXPECT_EQ(m.num_outcomes(), 4u);
  EXPECT_EQ(m.timeout_node(), 12u);
  EXPECT_EQ(m.kinds, (std::vector<std::string>{"converted", "resolved", "unresolved", "abandoned", "timeout"}));
  EXPECT_EQ(m.timeout_kind(), 4u);
  EXPECT_EQ(m.outcome_kind, (std::vector<std::uint16_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(m.outcome_value, (std::vector<double>{60, 0, 0, 0, 0}));
  // Channels numbered in order of first appearance.
  EXPECT_EQ(m.channels, (std::vector<std::string>{"web", "social", "logistics", "chat", "phone"}));
  EXPECT_EQ(m.touchpoint_channel, (std::vector<std::uint16_t>{0, 1, 0, 0, 2, 0, 3, 4}));
  for (const auto& seg : m.segments)
    for (std::size_t k = 0; k < seg.tp.size(); ++k) EXPECT_EQ(seg.tp[k].channel, m.touchpoint_channel[k]);
  expect_all_tables_ok(m);

  // Start table reproduces the start map.
  ASSERT_EQ(m.start.count, 3u);
  EXPECT_DOUBLE_EQ(m.prob[m.start.offset], 0.55);
  EXPECT_EQ(m.target[m.start.offset], 0u);
  EXPECT_EQ(m.target[m.start.offset + 2], 5u);  // help_center

  // Segments: shares, churn, the loyal override.
  ASSERT_EQ(m.segments.size(), 2u);
  EXPECT_EQ(m.segments[0].id, "new");
  EXPECT_DOUBLE_EQ(m.segment_cum_share[0], 0.6);
  EXPECT_TRUE(m.segments[0].churns);
  EXPECT_DOUBLE_EQ(m.segments[1].beta, 3.8);
  EXPECT_DOUBLE_EQ(m.segments[0].tp[3].friction, 0.15);
  EXPECT_DOUBLE_EQ(m.segments[1].tp[3].friction, 0.08);

  // Durations: lognormal (mu, sigma) and gamma (shape, scale).
  const auto& search = m.segments[0].tp[0];
  EXPECT_EQ(search.dur_ok.kind, DurationSpec::Kind::lognormal);
  EXPECT_NEAR(search.dur_ok.p1, std::log(2.0), 1e-15);
  EXPECT_NEAR(search.dur_ok.p2, std::log(3.0) / 1.2815515655446004, 1e-14);
  EXPECT_NEAR(search.dur_ok.mean, 2.0 * std::exp(0.5 * search.dur_ok.p2 * search.dur_ok.p2), 1e-12);
  const auto& chat = m.segments[0].tp[6];
  EXPECT_EQ(chat.dur_ok.kind, DurationSpec::Kind::gamma);
  EXPECT_NEAR(chat.dur_ok.p1, 4.0, 1e-12);  // shape (mean/sd)^2
  EXPECT_NEAR(chat.dur_ok.p2, 3.0, 1e-12);  // scale sd^2/mean
  EXPECT_DOUBLE_EQ(chat.dur_ok.mean, 12.0);
  // Split next maps are separate tables; single ones shared.
  EXPECT_NE(m.segments[0].tp[3].next_ok.offset, m.segments[0].tp[3].next_fr.offset);
  EXPECT_EQ(search.next_ok.offset, search.next_fr.offset);

  // Survey scales: cut-points reproduce the baselines at S = 0.
  EXPECT_EQ(m.nps.categories, 11);
  EXPECT_EQ(m.nps.min_score, 0);
  expect_cutpoints_reproduce(m.nps, s.survey.nps.baseline);
  EXPECT_NEAR(sigmoid(m.nps.cut[6]), 0.30, 1e-12);  // detractors: scores 0-6
  EXPECT_NEAR(sigmoid(m.nps.cut[8]), 0.65, 1e-12);  // plus passives: 7-8
  EXPECT_TRUE(m.csat.present);
  EXPECT_EQ(m.csat.min_score, 1);
  expect_cutpoints_reproduce(m.csat, s.survey.csat.baseline);
  expect_cutpoints_reproduce(m.ces, s.survey.ces.baseline);
  EXPECT_DOUBLE_EQ(m.ces.slope, 0.3);
  EXPECT_DOUBLE_EQ(m.response_rate, 0.25);
  EXPECT_DOUBLE_EQ(m.sensitivity, 0.6);
}

// --- telecom_support.yaml: defaults ------------------------------------------

TEST(ModelLoader, TelecomDefaults) {
  const auto lj = load_example("telecom_support.yaml");
  EXPECT_TRUE(lj.diagnostics.empty()) << lj.diagnostics.format();
  const auto& s = lj.spec;
  EXPECT_EQ(s.max_steps, 1000);
  EXPECT_EQ(s.time_unit, "minutes");
  // No segments: one segment `all` with share 1, which never churns.
  EXPECT_FALSE(s.segments_given);
  ASSERT_EQ(s.segments.size(), 1u);
  EXPECT_EQ(s.segments[0].id, "all");
  EXPECT_DOUBLE_EQ(s.segments[0].share, 1.0);
  EXPECT_FALSE(s.segments[0].retention);
  EXPECT_FALSE(effective_retention(s, 0));
  // No response section: everyone answers.
  EXPECT_DOUBLE_EQ(s.survey.response_rate, 1.0);
  EXPECT_DOUBLE_EQ(s.survey.response_extremity, 0.0);
  EXPECT_FALSE(s.survey.csat.present);
  EXPECT_FALSE(s.survey.ces.present);
  // NPS given as 11 probabilities.
  EXPECT_EQ(s.survey.nps.baseline,
            (std::vector<double>{0.04, 0.03, 0.04, 0.05, 0.06, 0.08, 0.10, 0.16, 0.16, 0.14, 0.14}));
  EXPECT_DOUBLE_EQ(s.survey.nps.slope, 0.9);
  EXPECT_DOUBLE_EQ(s.retention.sensitivity, 0.8);
  EXPECT_DOUBLE_EQ(s.retention.carryover, 0.6);
  // The outcome named `fixed` is a target, not a distribution.
  const auto* app = s.find_touchpoint("app_diagnostics");
  EXPECT_DOUBLE_EQ(prob_of(app->next.ok, "fixed"), 0.8);
  EXPECT_EQ(app->duration.ok.kind, DurationSpec::Kind::exponential);
  EXPECT_DOUBLE_EQ(app->duration.ok.a, 4);
  EXPECT_EQ(s.find_outcome("fixed")->kind, "resolved");

  const CompiledModel m = compile(s);
  EXPECT_EQ(m.max_steps, 1000);
  EXPECT_EQ(m.kinds, (std::vector<std::string>{"resolved", "unresolved", "timeout"}));
  EXPECT_EQ(m.channels, (std::vector<std::string>{"app", "phone", "field"}));
  EXPECT_EQ(m.touchpoint_channel, (std::vector<std::uint16_t>{0, 1, 1, 2}));
  ASSERT_EQ(m.segments.size(), 1u);
  EXPECT_FALSE(m.segments[0].churns);
  EXPECT_EQ(m.segment_cum_share, std::vector<double>{1.0});
  EXPECT_FALSE(m.csat.present);
  EXPECT_FALSE(m.ces.present);
  expect_cutpoints_reproduce(m.nps, s.survey.nps.baseline);
  expect_all_tables_ok(m);
  EXPECT_DOUBLE_EQ(m.segments[0].tp[0].dur_ok.mean, 4.0);
}

const char* kMinimal = R"(journey: minimal
start: {browse: 1.0}
touchpoints:
  browse:
    channel: web
    next: {bought: 0.5, left: 0.5}
outcomes:
  bought: {kind: converted, value: 10}
  left:
survey:
  csat:
  ces: {scale: 5}
retention: {alpha: 1.5, beta: 4}
)";

TEST(ModelLoader, DefaultsOfAMinimalJourney) {
  const auto lj = load_journey_text(kMinimal, "minimal.yaml");
  // Only: the bare outcome's kind `left` has no direction.
  EXPECT_EQ(lj.diagnostics.format(),
            "minimal.yaml:9:3: warning: left.kind: kind 'left' has no direction: add good: true (more walks ending "
            "here is better) or good: false; until then rankings leave share_left unranked and reports do not colour "
            "it\n");
  const auto& s = lj.spec;
  EXPECT_EQ(s.max_steps, 1000);
  EXPECT_EQ(s.time_unit, "minutes");
  EXPECT_DOUBLE_EQ(s.retention.carryover, 0.5);
  EXPECT_DOUBLE_EQ(s.retention.sensitivity, 0.0);
  EXPECT_DOUBLE_EQ(s.survey.response_rate, 1.0);
  EXPECT_EQ(s.survey.nps.baseline, default_nps_baseline());
  EXPECT_DOUBLE_EQ(s.survey.nps.slope, 1.0);
  // A bare outcome: kind = id, value 0.
  EXPECT_EQ(s.find_outcome("left")->kind, "left");
  EXPECT_DOUBLE_EQ(s.find_outcome("left")->value, 0.0);
  // Touchpoint defaults.
  const auto& b = s.touchpoints[0];
  EXPECT_DOUBLE_EQ(b.friction, 0);
  EXPECT_DOUBLE_EQ(b.satisfaction.ok, 0);
  EXPECT_DOUBLE_EQ(b.effort.friction, 0);
  EXPECT_DOUBLE_EQ(b.cost, 0);
  EXPECT_EQ(b.duration.ok.kind, DurationSpec::Kind::fixed);
  EXPECT_DOUBLE_EQ(b.duration.ok.a, 0);
  // CSAT and CES baselines default for their scales.
  EXPECT_TRUE(s.survey.csat.present);
  EXPECT_EQ(s.survey.csat.scale, 5);
  EXPECT_EQ(s.survey.csat.baseline, default_csat_baseline(5));
  EXPECT_EQ(s.survey.ces.scale, 5);
  EXPECT_EQ(s.survey.ces.baseline, default_ces_baseline(5));
  // Top-level alpha/beta apply to the default segment.
  ASSERT_TRUE(effective_retention(s, 0));
  EXPECT_DOUBLE_EQ(effective_retention(s, 0)->alpha, 1.5);

  const CompiledModel m = compile(s);
  EXPECT_TRUE(m.segments[0].churns);
  EXPECT_DOUBLE_EQ(m.segments[0].beta, 4.0);
  EXPECT_DOUBLE_EQ(m.carryover, 0.5);
  EXPECT_EQ(m.kinds, (std::vector<std::string>{"converted", "left", "timeout"}));
  EXPECT_EQ(m.csat.categories, 5);
  expect_cutpoints_reproduce(m.csat, default_csat_baseline(5));
  expect_cutpoints_reproduce(m.ces, default_ces_baseline(5));
  expect_all_tables_ok(m);
}

TEST(ModelLoader, OutcomeKindsDeclareWhichWayIsBetter) {
  const auto lj = load_journey_text(R"(journey: directions
start: {browse: 1.0}
touchpoints:
  browse:
    channel: web
    next: {bought: 0.2, quit: 0.2, kept: 0.2, handoff: 0.1, misc: 0.1, reopened: 0.1, also_kept: 0.1}
outcomes:
  bought: {kind: converted}
  quit: {kind: gave_up, good: false}
  kept: {kind: stayed, good: true}
  also_kept: {kind: stayed}
  handoff: {kind: escalated}
  misc: {kind: other}
  reopened: {kind: resolved, good: false}
)",
                                    "directions.yaml");
  const auto& s = lj.spec;
  EXPECT_EQ(s.find_outcome("quit")->good, std::optional<bool>(false));
  EXPECT_EQ(s.find_outcome("bought")->good, std::nullopt);
  EXPECT_EQ(s.kind_direction("converted"), kHigherBetter);  // default table
  EXPECT_EQ(s.kind_direction("escalated"), kLowerBetter);   // default table
  EXPECT_EQ(s.kind_direction("gave_up"), kLowerBetter);     // declared
  EXPECT_EQ(s.kind_direction("stayed"), kHigherBetter);     // declared once for the kind
  EXPECT_EQ(s.kind_direction("resolved"), kLowerBetter);    // a declaration beats the default
  EXPECT_EQ(s.kind_direction("other"), kNoDirection);
  EXPECT_EQ(lj.diagnostics.warning_count(), 1u) << lj.diagnostics.format();
  EXPECT_NE(lj.diagnostics.format().find("misc.kind: kind 'other' has no direction"), std::string::npos);

  const CompiledModel m = compile(s);
  ASSERT_EQ(m.kinds.size(), m.kind_direction.size());
  for (std::size_t k = 0; k + 1 < m.kinds.size(); ++k) EXPECT_EQ(m.kind_direction[k], s.kind_direction(m.kinds[k]));
  EXPECT_EQ(m.kind_direction.back(), kLowerBetter);  // timeout
  EXPECT_EQ(m.metric_direction("share_gave_up"), kLowerBetter);
  EXPECT_EQ(m.metric_direction("share_stayed"), kHigherBetter);
  EXPECT_EQ(m.metric_direction("share_other"), kNoDirection);
  EXPECT_EQ(m.metric_direction("share_timeout"), kLowerBetter);
  EXPECT_EQ(m.metric_direction("effort_mean"), kLowerBetter);
  EXPECT_EQ(m.metric_direction("time_p90"), kLowerBetter);
  EXPECT_EQ(m.metric_direction("nps_true"), kHigherBetter);
  EXPECT_EQ(m.metric_direction("steps_mean"), kNoDirection);
}

TEST(ModelLoader, DefaultBaselinesAreDistributions) {
  for (const auto& b :
       {default_nps_baseline(), default_csat_baseline(5), default_ces_baseline(7), default_ces_baseline(5)}) {
    double sum = 0;
    for (double p : b) sum += p;
    EXPECT_NEAR(sum, 1.0, 1e-12);
  }
  EXPECT_TRUE(default_csat_baseline(7).empty());
  EXPECT_EQ(default_ces_baseline(7).size(), 7u);
}

TEST(ModelLoader, CutpointsWithEmptyCategories) {
  const auto cut = cutpoints_from_baseline({0.0, 0.5, 0.5, 0.0});
  ASSERT_EQ(cut.size(), 3u);
  EXPECT_TRUE(std::isinf(cut[0]) && cut[0] < 0);
  EXPECT_NEAR(cut[1], 0.0, 1e-15);
  EXPECT_TRUE(std::isinf(cut[2]) && cut[2] > 0);
}

// --- the scenario example is not a journey ----------------------------------

TEST(ModelLoader, ScenarioExampleIsRejectedAsAJourney) {
  const std::string path = (kExamples / "retail_whatif.yaml").string();
  Diagnostics diags;
  check_journey_file(path, diags);
  ASSERT_EQ(diags.error_count(), 1u) << diags.format();
  EXPECT_NE(diags.items()[0].message.find("this is a scenario file"), std::string::npos);
  EXPECT_NE(diags.items()[0].message.find("'retail.yaml'"), std::string::npos);
  EXPECT_EQ(diags.items()[0].loc.line, 2);
  EXPECT_EQ(diags.items()[0].loc.column, 1);
  EXPECT_THROW(load_journey(path), cxsim::core::InputError);
}

// --- journeys/*.yaml -----------------------------------------------------------

TEST(ModelLoader, RepositoryJourneysValidateWithoutWarnings) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(kJourneys)) {
    if (e.path().extension() != ".yaml") continue;
    ++n;
    SCOPED_TRACE(e.path().string());
    Diagnostics diags;
    const JourneySpec s = check_journey_file(e.path().string(), diags);
    EXPECT_TRUE(diags.empty()) << diags.format();
    if (diags.has_errors()) continue;
    const CompiledModel m = compile(s);
    expect_all_tables_ok(m);
    expect_cutpoints_reproduce(m.nps, s.survey.nps.baseline);
  }
  EXPECT_GE(n, 3);
}

TEST(ModelLoader, RepositoryCopiesOfExamplesAreUnchanged) {
  for (const char* name : {"retail.yaml", "telecom_support.yaml"}) {
    const auto a = load_journey((kExamples / name).string()).spec;
    const auto b = load_journey((kJourneys / name).string()).spec;
    EXPECT_EQ(a.source_text, b.source_text) << name;
  }
}

TEST(ModelLoader, BankAccountJourney) {
  const auto lj = load_journey((kJourneys / "bank_account.yaml").string());
  EXPECT_EQ(lj.diagnostics.warning_count(), 0u) << lj.diagnostics.format();
  const auto& s = lj.spec;
  std::vector<std::string> channels;
  for (const auto& t : s.touchpoints) channels.push_back(t.channel);
  for (const char* ch : {"branch", "app", "phone"})
    EXPECT_NE(std::find(channels.begin(), channels.end(), ch), channels.end()) << ch;
  EXPECT_GE(s.segments.size(), 2u);
  bool any_override = false;
  for (const auto& seg : s.segments) {
    any_override = any_override || !seg.overrides.empty();
    EXPECT_TRUE(seg.retention) << seg.id;
  }
  EXPECT_TRUE(any_override);
  EXPECT_TRUE(s.survey.csat.present);
  EXPECT_TRUE(s.survey.ces.present);
  EXPECT_GT(s.retention.sensitivity, 0.0);
  for (std::size_t seg = 0; seg < s.segments.size(); ++seg) {
    const auto r = reachable_touchpoints(s, seg);
    EXPECT_TRUE(std::any_of(r.begin(), r.end(), [](bool b) { return b; }));
  }
}

}  // namespace

// Issue 15 item 2: a segment may override `start` (its own entry mix).
TEST(ModelLoader, SegmentOverridesStart) {
  const char* text = R"(journey: entry_mix
start: {web: 0.8, phone: 0.2}
touchpoints:
  web: {channel: web, next: {done: 1.0}}
  phone: {channel: phone, next: {done: 1.0}}
outcomes:
  done: {kind: resolved}
segments:
  digital: {share: 0.5}
  older:
    share: 0.5
    overrides:
      start: {web: 0.3, phone: 0.7}
)";
  const auto lj = load_journey_text(text, "entry_mix.yaml");
  EXPECT_FALSE(lj.diagnostics.has_errors()) << lj.diagnostics.format();
  const auto& s = lj.spec;
  ASSERT_EQ(s.segments.size(), 2u);
  EXPECT_FALSE(s.segments[0].start);
  ASSERT_TRUE(s.segments[1].start);
  EXPECT_EQ(*s.segments[1].start, (TransitionMap{{"web", 0.3}, {"phone", 0.7}}));
  EXPECT_TRUE(s.segments[1].overrides.empty());
  EXPECT_EQ(&effective_start(s, 0), &s.start);
  EXPECT_EQ(&effective_start(s, 1), &*s.segments[1].start);
  const CompiledModel m = compile(s);
  EXPECT_FALSE(m.segments[0].own_start);
  ASSERT_TRUE(m.segments[1].own_start);
  const Categorical& c = m.segments[1].entry(m.start);
  ASSERT_EQ(c.count, 2u);
  EXPECT_DOUBLE_EQ(m.prob[c.offset], 0.3);
  EXPECT_DOUBLE_EQ(m.prob[c.offset + 1], 0.7);
  EXPECT_EQ(m.segments[0].entry(m.start).offset, m.start.offset);
  expect_all_tables_ok(m);
}

TEST(ModelLoader, SegmentStartOverrideIsValidated) {
  const std::string head = R"(journey: entry_mix
start: {web: 1.0}
touchpoints:
  web: {channel: web, next: {done: 1.0}}
  phone: {channel: phone, next: {done: 1.0}}
outcomes:
  done: {kind: resolved}
segments:
  a: {share: 0.5}
  b:
    share: 0.5
    overrides:
)";
  auto errors = [&](const std::string& tail) {
    Diagnostics d;
    check_journey_document(YamlDocument::load_text(head + tail, "m.yaml", d), d);
    std::string out;
    for (const auto& x : d.items())
      if (x.severity == cxsim::core::Severity::error) out += x.format() + "\n";
    return out;
  };
  EXPECT_EQ(errors("      start: {web: 0.5, phone: 0.4}\n"),
            "m.yaml:13:7: error: segments.b.overrides.start: probabilities sum to 0.9, expected 1 (tolerance 1e-9)\n");
  EXPECT_EQ(errors("      start: {web: 0.5, phnoe: 0.5}\n"),
            "m.yaml:13:25: error: segments.b.overrides.start: unknown touchpoint 'phnoe' (did you mean 'phone'?)\n");
  EXPECT_EQ(errors("      start: {web: 0.5, done: 0.5}\n"),
            "m.yaml:13:25: error: segments.b.overrides.start.done: start must name touchpoints; 'done' is an "
            "outcome\n");
  // phone is reached only through b's own start: no "unreachable" warning.
  Diagnostics d;
  check_journey_document(YamlDocument::load_text(head + "      start: {phone: 1.0}\n", "m.yaml", d), d);
  EXPECT_FALSE(d.has_errors()) << d.format();
  EXPECT_EQ(d.format().find("unreachable"), std::string::npos) << d.format();
}
