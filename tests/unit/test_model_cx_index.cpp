// survey.cx_index: parsing (weights, defaults, normalisation) and validation
// at the line with the key path (ease without CES, all-zero or negative
// weights, no good outcome kind, unknown keys with a suggestion).
#include <string>

#include <gtest/gtest.h>

#include "cxsim/core/errors.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"

namespace cxsim::model {
namespace {

std::string journey(const std::string& survey, const std::string& left_kind = "abandoned") {
  return R"(journey: cx
touchpoints:
  visit:
    channel: web
    friction: 0.3
    next: {ok: {bought: 1}, friction: {left: 1}}
outcomes:
  bought: {kind: converted}
  left: {kind: )" +
         left_kind + R"(}
start: {visit: 1}
survey:
)" + survey;
}

std::string error_of(const std::string& yaml) {
  try {
    load_journey_text(yaml, "cx.yaml");
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "";
}

TEST(CxIndex, DefaultsAreEqualWeightsNormalised) {
  const auto m = compile(load_journey_text(journey("  ces: {}\n  cx_index:\n"), "cx.yaml").spec);
  ASSERT_TRUE(m.cx.present);
  EXPECT_DOUBLE_EQ(m.cx.w_effectiveness, 1.0 / 3);
  EXPECT_DOUBLE_EQ(m.cx.w_ease, 1.0 / 3);
  EXPECT_DOUBLE_EQ(m.cx.w_emotion, 1.0 / 3);
  ASSERT_EQ(m.cx.good.size(), m.num_kinds());
  EXPECT_EQ(m.cx.good[0], 1.0);                 // converted
  EXPECT_EQ(m.cx.good[1], 0.0);                 // abandoned
  EXPECT_EQ(m.cx.good[m.timeout_kind()], 0.0);  // timeout
  const auto w =
      compile(load_journey_text(journey("  cx_index: {effectiveness: 3, ease: 0, emotion: 1}\n"), "cx.yaml").spec);
  EXPECT_DOUBLE_EQ(w.cx.w_effectiveness, 0.75);
  EXPECT_DOUBLE_EQ(w.cx.w_ease, 0.0);
  EXPECT_DOUBLE_EQ(w.cx.w_emotion, 0.25);
  EXPECT_FALSE(compile(load_journey_text(journey("  ces: {}\n"), "cx.yaml").spec).cx.present);
}

TEST(CxIndex, BadInputAtTheLine) {
  // Ease needs CES (the default weights include ease).
  EXPECT_NE(
      error_of(journey("  cx_index: {}\n")).find("cx.yaml:12:3: error: survey.cx_index.ease: ease is measured by CES"),
      std::string::npos)
      << error_of(journey("  cx_index: {}\n"));
  EXPECT_NE(error_of(journey("  cx_index: {effectiveness: 0, ease: 0, emotion: 0}\n")).find("weights are all 0"),
            std::string::npos);
  EXPECT_NE(error_of(journey("  cx_index: {effectiveness: -1, ease: 0}\n"))
                .find("survey.cx_index.effectiveness: weight must be >= 0, got -1"),
            std::string::npos)
      << error_of(journey("  cx_index: {effectiveness: -1, ease: 0}\n"));
  // No good kind: effectiveness would always be 0.
  std::string no_good = journey("  cx_index: {ease: 0}\n", "abandoned");
  no_good.replace(no_good.find("kind: converted"), 15, "kind: other, good: false");
  EXPECT_NE(error_of(no_good).find("no kind is good"), std::string::npos) << error_of(no_good);
  // Unknown key, with a suggestion.
  const std::string typo = error_of(journey("  ces: {}\n  cx_index: {emotions: 1}\n"));
  EXPECT_NE(typo.find("survey.cx_index.emotions"), std::string::npos) << typo;
  EXPECT_NE(typo.find("emotion"), std::string::npos) << typo;
}

}  // namespace
}  // namespace cxsim::model
