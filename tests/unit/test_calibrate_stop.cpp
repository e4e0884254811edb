// A stop request (the CLI's SIGINT/SIGTERM/SIGHUP flag, CalibrateOptions::stop)
// that arrives inside the joint fit ends calibrate() there with
// core::Interrupted (exit 128 + signal from the CLI), before the stage ends
// and before anything is written. The flag is raised from the stage hook as
// the joint fit starts, so the stop is seen by the fitter's own poll (between
// two iterations), not by the check between stages. tests/e2e/e2e_faults.sh
// sends a real SIGINT to `cxsim calibrate` during the joint fit and checks the
// exit code and that no output or temporary is left.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <string>
#include <vector>

#include "cxsim/calibrate/calibrate.h"
#include "cxsim/core/errors.h"

using namespace cxsim;

namespace {

const std::string kData = std::string(CXSIM_TEST_DATA_DIR) + "/calibrate/";

calibrate::CalibrateOptions shop() {
  calibrate::CalibrateOptions o;
  o.events = kData + "shop_events.csv";
  o.surveys = kData + "shop_surveys.csv";
  o.name = "shop";
  return o;
}

TEST(CalibrateStop, TheShopDataRunsTheJointFit) {
  // The precondition of the next test: without a stop, fit_joint starts,
  // ends, and the fit report has the joint fit's table.
  std::vector<std::string> seen;
  auto o = shop();
  o.on_stage = [&](const char* stage, bool done) { seen.push_back(std::string(stage) + (done ? " done" : "")); };
  const auto r = calibrate::calibrate(o);
  EXPECT_NE(std::find(seen.begin(), seen.end(), "fit_joint done"), seen.end());
  EXPECT_NE(r.summary.find("joint fit"), std::string::npos) << r.summary;
}

TEST(CalibrateStop, SigintInsideTheJointFitStopsThere) {
  std::atomic<int> stop{0};
  std::vector<std::string> seen;
  auto o = shop();
  o.stop = &stop;
  o.on_stage = [&](const char* stage, bool done) {
    seen.push_back(std::string(stage) + (done ? " done" : ""));
    if (!done && std::string(stage) == "fit_joint") stop = SIGINT;
  };
  try {
    calibrate::calibrate(o);
    FAIL() << "calibrate() did not stop";
  } catch (const core::Interrupted& e) {
    EXPECT_EQ(e.signal(), SIGINT);
    EXPECT_EQ(static_cast<int>(e.exit_code()), 128 + SIGINT);
  }
  ASSERT_FALSE(seen.empty());
  // Stopped inside the joint fit: it started and never ended, and no later stage ran.
  EXPECT_EQ(seen.back(), "fit_joint");
  EXPECT_EQ(std::find(seen.begin(), seen.end(), "fit_joint done"), seen.end());
  EXPECT_EQ(std::find(seen.begin(), seen.end(), "write_model"), seen.end());
}

}  // namespace
