// --outcome-kind and --outcome-value name outcomes of the data: an unknown
// name (a typo) is an InputError (exit 2) with a did-you-mean, never ignored.
#include <gtest/gtest.h>

#include <string>

#include "cxsim/calibrate/calibrate.h"
#include "cxsim/core/errors.h"

using namespace cxsim;

namespace {

const std::string kShop = std::string(CXSIM_TEST_DATA_DIR) + "/calibrate/shop_events.csv";

std::string error_of(const calibrate::CalibrateOptions& o) {
  try {
    calibrate::calibrate(o);
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.exit_code(), core::ExitCode::bad_input);
    return e.what();
  }
  return "(no error)";
}

TEST(CalibrateOutcomeNames, UnknownOutcomeKindIsAnErrorWithASuggestion) {
  calibrate::CalibrateOptions o;
  o.events = kShop;
  o.outcome_kinds = {{"purchsed", "converted"}};
  const std::string e = error_of(o);
  EXPECT_NE(e.find("--outcome-kind purchsed=converted: no outcome 'purchsed' in the data (did you mean 'purchased'?)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("'abandoned'"), std::string::npos) << e;
}

TEST(CalibrateOutcomeNames, UnknownOutcomeValueIsAnError) {
  calibrate::CalibrateOptions o;
  o.events = kShop;
  o.outcome_values = {{"nothing_like_it", 5.0}};
  const std::string e = error_of(o);
  EXPECT_NE(e.find("--outcome-value nothing_like_it=5: no outcome 'nothing_like_it' in the data; the outcomes are"),
            std::string::npos)
      << e;
}

TEST(CalibrateOutcomeNames, KnownOutcomesAreUsed) {
  calibrate::CalibrateOptions o;
  o.events = kShop;
  o.outcome_kinds = {{"purchased", "converted"}};
  o.outcome_values = {{"purchased", 60.0}};
  const auto r = calibrate::calibrate(o);
  EXPECT_NE(r.yaml.find("purchased: {kind: \"converted\", value: 60}"), std::string::npos) << r.yaml;
}

}  // namespace
