// Segment `engagement` (MODEL.md section 11): parsing, compilation and the
// errors of bad input, each at the line of the key with its key path.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "cxsim/core/diagnostics.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"

namespace cxsim::model {
namespace {

std::string journey(const std::string& engagement) {
  return "journey: j\n"
         "touchpoints:\n"
         "  a: {channel: web, next: {done: 1}}\n"
         "outcomes:\n"
         "  done: {kind: converted}\n"
         "start: {a: 1}\n"
         "segments:\n"
         "  s:\n"
         "    share: 1\n"
         "    engagement: " +
         engagement + "\n";  // line 10
}

core::Diagnostics check(const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / "cxsim_test_engagement.yaml";
  std::ofstream(path) << text;
  core::Diagnostics d;
  check_journey_file(path.string(), d);
  std::filesystem::remove(path);
  return d;
}

TEST(ModelEngagement, BetaAndFixedCompile) {
  const auto beta = compile(load_journey_text(journey("{alpha: 1.5, beta: 0.5}"), "j.yaml").spec);
  ASSERT_TRUE(beta.segments[0].engages);
  EXPECT_TRUE(beta.segments[0].engage_beta_drawn);
  EXPECT_DOUBLE_EQ(beta.segments[0].engage_mean(), 0.75);
  const auto fixed = compile(load_journey_text(journey("{probability: 0.4}"), "j.yaml").spec);
  ASSERT_TRUE(fixed.segments[0].engages);
  EXPECT_FALSE(fixed.segments[0].engage_beta_drawn);
  EXPECT_DOUBLE_EQ(fixed.segments[0].engage_mean(), 0.4);
  // probability 1 is allowed (every period, like no engagement).
  EXPECT_DOUBLE_EQ(compile(load_journey_text(journey("{probability: 1}"), "j.yaml").spec).segments[0].engage_mean(), 1);
}

TEST(ModelEngagement, WithoutTheKeyEveryPeriodIsAWalk) {
  auto text = journey("{probability: 1}");
  text.erase(text.find("    engagement"));
  const auto m = compile(load_journey_text(text, "j.yaml").spec);
  EXPECT_FALSE(m.segments[0].engages);
  EXPECT_DOUBLE_EQ(m.segments[0].engage_mean(), 1.0);
}

struct Bad {
  const char* engagement;
  const char* key_path;
  const char* message;  // a part of it
};

TEST(ModelEngagement, BadInputAtTheLineWithTheKeyPath) {
  const Bad cases[] = {
      {"{alpha: 0, beta: 1}", "segments.s.engagement.alpha", "must be > 0"},
      {"{alpha: 1, beta: -2}", "segments.s.engagement.beta", "must be > 0"},
      {"{probability: 0}", "segments.s.engagement.probability", "(0, 1]"},
      {"{probability: 1.5}", "segments.s.engagement.probability", "(0, 1]"},
      {"{alpha: 1}", "segments.s.engagement", "missing required key 'beta'"},
      {"{}", "segments.s.engagement", "missing required keys"},
      {"{probability: 0.5, alpha: 1, beta: 1}", "segments.s.engagement", "not both"},
      {"{probabilty: 0.5}", "segments.s.engagement.probabilty", "probability"},
      {"0.5", "segments.s.engagement", "probability"},
  };
  for (const auto& c : cases) {
    const auto d = check(journey(c.engagement));
    ASSERT_GE(d.error_count(), 1u) << c.engagement;
    // The error for the key (an unknown key may also leave a required one missing).
    bool found = false;
    for (const auto& e : d.items()) {
      if (e.key_path != c.key_path) continue;
      found = true;
      EXPECT_EQ(e.loc.line, 10) << c.engagement << ": " << d.format();
      EXPECT_NE((e.message + " " + e.suggestion).find(c.message), std::string::npos)
          << c.engagement << ": " << d.format();
    }
    EXPECT_TRUE(found) << c.engagement << ": " << d.format();
  }
}

}  // namespace
}  // namespace cxsim::model
