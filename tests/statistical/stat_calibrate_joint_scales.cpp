// Joint fit round trip with CSAT and CES (issue 13, MODEL.md section 16): the
// joint journey with effort deltas and CSAT and CES scales
// (tests/data/calibrate/joint_journey_scales.yaml: CSAT on S_end, CES on -E,
// both slope 1, satisfaction0 sd 0.5, sensitivity 0.6, carryover 0.4,
// extremity 0.5, 8 periods) is simulated by the engine into the formats of
// `cxsim run --events-out`, calibrated back, and
//  - every CSAT and CES cut-point and every effort delta of the joint fit
//    (calibration/joint) is within 3 SE of the truth;
//  - the retention sensitivity, carryover and extremity still are;
//  - the fitted YAML's CSAT and CES baselines (P(score) at S = 0, E = 0)
//    are within 0.03 of the truth's.
// Fixed seeds; 10,000 customers.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <unistd.h>

#include "cxsim/calibrate/calibrate.h"
#include "cxsim/engine/event_log.h"
#include "cxsim/engine/runner.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"
#include "simulated_log.h"

using namespace cxsim;
namespace fs = std::filesystem;

namespace {

// The cut-points of a baseline: logit of the cumulative probabilities.
std::vector<double> cuts(const std::vector<double>& baseline) {
  std::vector<double> out;
  double F = 0;
  for (std::size_t c = 0; c + 1 < baseline.size(); ++c) {
    F += baseline[c];
    out.push_back(std::log(F / (1 - F)));
  }
  return out;
}

void expect_within_3se(const calibrate::CalibrationResult& r, const std::string& name, double truth) {
  const auto [est, se] = cxsim::testing::joint_row(r, name);
  ASSERT_TRUE(std::isfinite(est) && std::isfinite(se) && se > 0) << name << " " << est << " " << se;
  EXPECT_LT(std::fabs(est - truth), 3 * se) << name << ": " << est << " se " << se << " truth " << truth;
}

TEST(CalibrateJointScales, RoundTripRecoversCsatAndCesCutPointsAndEffort) {
  const model::JourneySpec truth =
      model::load_journey(std::string(CXSIM_TEST_DATA_DIR) + "/calibrate/joint_journey_scales.yaml").spec;
  const fs::path dir = fs::temp_directory_path() / fmt::format("cxsim_joint_scales_{}", ::getpid());
  fs::remove_all(dir);
  cxsim::testing::simulate_log(truth, 10000, 8, 11, dir);

  calibrate::CalibrateOptions o;
  o.events = (dir / "events.csv").string();
  o.surveys = (dir / "surveys.csv").string();
  o.cohorts = (dir / "cohorts.csv").string();
  o.satisfaction0_sd = 0.5;
  const calibrate::CalibrationResult r = calibrate::calibrate(o);
  std::cout << r.summary;
  fs::remove_all(dir);

  ASSERT_TRUE(truth.survey.csat.present && truth.survey.ces.present);
  const auto csat_cuts = cuts(truth.survey.csat.baseline), ces_cuts = cuts(truth.survey.ces.baseline);
  ASSERT_EQ(csat_cuts.size(), 4u);
  ASSERT_EQ(ces_cuts.size(), 6u);
  for (std::size_t c = 0; c < csat_cuts.size(); ++c) expect_within_3se(r, fmt::format("csat.cut_{}", c), csat_cuts[c]);
  for (std::size_t c = 0; c < ces_cuts.size(); ++c) expect_within_3se(r, fmt::format("ces.cut_{}", c), ces_cuts[c]);
  for (const auto& tp : truth.touchpoints) {
    expect_within_3se(r, tp.id + ".effort.ok", tp.effort.ok);
    expect_within_3se(r, tp.id + ".effort.friction", tp.effort.friction);
  }
  expect_within_3se(r, "retention.sensitivity", 0.6);
  expect_within_3se(r, "retention.carryover", 0.4);
  expect_within_3se(r, "survey.response.extremity", 0.5);

  // The fitted YAML carries the joint fit's baselines.
  const model::JourneySpec fitted = model::load_journey_text(r.yaml, "fitted.yaml").spec;
  ASSERT_TRUE(fitted.survey.csat.present && fitted.survey.ces.present);
  for (std::size_t c = 0; c < 5; ++c)
    EXPECT_NEAR(fitted.survey.csat.baseline[c], truth.survey.csat.baseline[c], 0.03) << "csat " << c;
  for (std::size_t c = 0; c < 7; ++c)
    EXPECT_NEAR(fitted.survey.ces.baseline[c], truth.survey.ces.baseline[c], 0.03) << "ces " << c;
}

}  // namespace
