// The friction ranking of a scenario (run_plan.cpp): it ranks each metric in
// the direction the journey declares (`good` on outcome kinds, the default
// table otherwise), it reduces the friction every customer experiences (base
// and segment overrides), and it leaves out, with a note, a touchpoint no
// customer can reach. Also: the results file states each kind's direction.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "cxsim/app/run_plan.h"
#include "cxsim/engine/results_file.h"
#include "cxsim/io/h5.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using namespace cxsim;
using cxsim::test::TempDir;

namespace {

const char* kScenario = R"(scenario: rank
journey: journey.yaml
population: {customers: 20000, periods: 1, seed: 11}
rank_frictions: {reduce_by: 0.5}
)";

// Support line: halving the IVR's friction removes far more escalations
// (0.4 × 0.5 of walks escalate there) than halving the agent's (0.1 × 0.2).
std::string support_journey(const std::string& outcomes) {
  return R"(journey: support
start: {ivr: 1.0}
touchpoints:
  ivr:
    channel: phone
    friction: 0.4
    satisfaction: {ok: 0.2, friction: -0.5}
    next:
      ok: {agent: 1.0}
      friction: {agent: 0.5, handed_off: 0.5}
  agent:
    channel: phone
    friction: 0.1
    next:
      ok: {solved: 1.0}
      friction: {solved: 0.8, handed_off: 0.2}
outcomes:
)" + outcomes;
}

struct Ranked {
  app::RunPlan plan;
  io::Table table;
};

Ranked rank(const TempDir& dir, const std::string& journey) {
  dir.write("journey.yaml", journey);
  Ranked out{app::plan_from_file(dir.write("scenario.yaml", kScenario), {}, "test"), {}};
  engine::RunHooks hooks;
  const auto result = app::execute(out.plan, hooks);
  out.table = app::ranking_table(out.plan, result);
  return out;
}

// The touchpoint ranked `r` for `metric`, and the Δ of every touchpoint.
std::string ranked(const io::Table& t, const std::string& metric, std::int64_t r) {
  const auto& m = t.get_string("metric");
  for (std::size_t i = 0; i < t.rows(); ++i)
    if (m[i] == metric && t.get_int64("rank")[i] == r) return t.get_string("touchpoint")[i];
  return "(none)";
}
double delta_of(const io::Table& t, const std::string& metric, const std::string& tp) {
  for (std::size_t i = 0; i < t.rows(); ++i)
    if (t.get_string("metric")[i] == metric && t.get_string("touchpoint")[i] == tp) return t.get_double("delta")[i];
  return std::nan("");
}

}  // namespace

TEST(FrictionRanking, EscalatedIsBadByDefaultSoTheBiggestDropRanksFirst) {
  TempDir dir{"cxsim_rank"};
  const auto r = rank(dir, support_journey("  solved: {kind: resolved}\n  handed_off: {kind: escalated}\n"));
  const auto& t = r.table;
  // Both fixes cut escalations; the IVR's cut is the larger one.
  ASSERT_LT(delta_of(t, "share_escalated", "ivr"), delta_of(t, "share_escalated", "agent"));
  ASSERT_LT(delta_of(t, "share_escalated", "agent"), 0.0);
  EXPECT_EQ(ranked(t, "share_escalated", 1), "ivr");
  EXPECT_EQ(ranked(t, "share_resolved", 1), "ivr");
  EXPECT_EQ(r.plan.variants[0].model.metric_direction("share_escalated"), -1);
}

TEST(FrictionRanking, FollowsTheDeclaredDirectionOfAnUnknownKind) {
  TempDir dir{"cxsim_rank"};
  const auto r = rank(dir, support_journey("  solved: {kind: fixed, good: true}\n"
                                           "  handed_off: {kind: handoff, good: false}\n"));
  EXPECT_EQ(ranked(r.table, "share_handoff", 1), "ivr");
  EXPECT_EQ(ranked(r.table, "share_fixed", 1), "ivr");
  // Effort has one direction everywhere: less is better.
  EXPECT_EQ(r.plan.variants[0].model.metric_direction("effort_mean"), -1);
}

TEST(FrictionRanking, AKindWithoutDirectionIsNotRanked) {
  TempDir dir{"cxsim_rank"};
  const auto r = rank(dir, support_journey("  solved: {kind: fixed, good: true}\n  handed_off: {kind: handoff}\n"));
  for (std::size_t i = 0; i < r.table.rows(); ++i) {
    if (r.table.get_string("metric")[i] == "share_handoff") {
      EXPECT_EQ(r.table.get_int64("rank")[i], 0);
    }
  }
  // ... and the journey says so when loaded.
  const std::string w = r.plan.warnings.format();
  EXPECT_NE(w.find("handed_off.kind: kind 'handoff' has no direction"), std::string::npos) << w;
}

namespace {
// Every segment overrides the checkout's friction (0.6 and 0.4; the base 0.05
// reaches nobody); `hidden` has friction but no walk can reach it.
const char* kOverridden = R"(journey: shop
start: {browse: 1.0}
touchpoints:
  browse:
    channel: web
    friction: 0.2
    next:
      ok: {checkout: 1.0}
      friction: {checkout: 0.7, left: 0.3}
  checkout:
    channel: web
    friction: 0.05
    satisfaction: {ok: 0.5, friction: -2}
    next:
      ok: {bought: 1.0}
      friction: {bought: 0.2, left: 0.8}
  hidden:
    channel: phone
    friction: 0.3
    next: {bought: 1.0}
outcomes:
  bought: {kind: converted, value: 10}
  left: {kind: abandoned}
segments:
  new: {share: 0.6, overrides: {checkout: {friction: 0.6}}}
  loyal: {share: 0.4, overrides: {checkout: {friction: 0.4}}}
)";
}  // namespace

TEST(FrictionRanking, ReducesTheFrictionSegmentsOverrideAndSkipsUnreachableTouchpoints) {
  TempDir dir{"cxsim_rank"};
  const auto r = rank(dir, kOverridden);
  const auto& t = r.table;
  // Halving 0.6 / 0.4 at checkout: about +0.26 × 0.8 conversion, far above browse's.
  const double d = delta_of(t, "share_converted", "checkout");
  EXPECT_GT(d, 0.15);
  EXPECT_EQ(ranked(t, "share_converted", 1), "checkout");
  EXPECT_EQ(ranked(t, "nps_true", 1), "checkout");
  EXPECT_EQ(ranked(t, "share_abandoned", 1), "checkout");
  // The exact predictions reduce every segment's friction too.
  for (std::size_t i = 0; i < t.rows(); ++i)
    if (t.get_string("metric")[i] == "share_converted" && t.get_string("touchpoint")[i] == "checkout") {
      EXPECT_NEAR(t.get_double("exact")[i], d, 4 * t.get_double("se")[i]);
      EXPECT_GT(t.get_double("exact_first_order")[i], 0.15);
      // The friction customers meet: 0.6 × 0.6 + 0.4 × 0.4.
      EXPECT_NEAR(t.get_double("friction")[i], 0.52, 1e-12);
    }
  // `hidden` is not ranked, and the plan, the CLI warnings and the file say why.
  const auto& tps = t.get_string("touchpoint");
  EXPECT_EQ(std::count(tps.begin(), tps.end(), "hidden"), 0);
  EXPECT_EQ(r.plan.ranking.touchpoints, (std::vector<std::string>{"browse", "checkout"}));
  ASSERT_EQ(r.plan.ranking.notes.size(), 1u);
  EXPECT_NE(r.plan.ranking.notes[0].find("touchpoint 'hidden' is not in the friction ranking"), std::string::npos);
  EXPECT_NE(r.plan.warnings.format().find("touchpoint 'hidden' is not in the friction ranking"), std::string::npos);
}

TEST(FrictionRanking, TheResultsFileStatesKindDirectionsAndRankingNotes) {
  TempDir dir{"cxsim_rank"};
  dir.write("journey.yaml", kOverridden);
  auto plan = app::plan_from_file(dir.write("scenario.yaml", kScenario), {}, "test");
  engine::RunHooks hooks;
  const auto result = app::execute(plan, hooks);
  const fs::path out = dir.path / "out.h5";
  {
    std::vector<engine::Variant> named(plan.variants.begin(), plan.variants.begin() + static_cast<long>(plan.named));
    engine::ResultsWriter w(out, plan.provenance, named, plan.settings, false);
    app::write_all(w, plan, result, {});
    w.commit();
  }
  const io::File f = io::File::open(out);
  const io::Group m = f.open_group("model");
  EXPECT_EQ(m.attribute_string("kind_converted"), "good");
  EXPECT_EQ(m.attribute_string("kind_abandoned"), "bad");
  EXPECT_EQ(m.attribute_string("kind_timeout"), "bad");
  const io::Dataset d = f.open_dataset("ranking");
  EXPECT_NE(d.attribute_string("notes").find("'hidden'"), std::string::npos);
}
