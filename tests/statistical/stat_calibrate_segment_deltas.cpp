// Per-segment satisfaction and effort deltas (issue 13, MODEL.md section 16;
// docs/methods/calibration.md section 10): the two-segment journey of
// tests/data/calibrate/segment_deltas_journey.yaml (checkout's satisfaction
// deltas and support's effort deltas differ by segment, nothing else does)
// is simulated by the engine into the formats of `cxsim run --events-out`
// and calibrated back. The likelihood-ratio tests of equal deltas must
// reject exactly there: each segment gets `overrides.checkout.satisfaction`
// and `overrides.support.effort` within 3 SE of its truth (the YAML comment
// cites the test), and no other touchpoint gets a satisfaction or effort
// override. Fixed seed; 20,000 customers, one period.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "calibrate_helpers.h"
#include "cxsim/calibrate/calibrate.h"
#include "cxsim/engine/event_log.h"
#include "cxsim/engine/runner.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"
#include "simulated_log.h"

using namespace cxsim;
namespace fs = std::filesystem;

namespace {

TEST(CalibrateSegmentDeltas, OverridesExactlyWhereTheSegmentsDeltasDiffer) {
  const model::JourneySpec truth =
      model::load_journey(std::string(CXSIM_TEST_DATA_DIR) + "/calibrate/segment_deltas_journey.yaml").spec;
  const fs::path dir = fs::temp_directory_path() / fmt::format("cxsim_segment_deltas_{}", ::getpid());
  fs::remove_all(dir);
  cxsim::testing::simulate_log(truth, 20000, 1, 21, dir);
  calibrate::CalibrateOptions o;
  o.events = (dir / "events.csv").string();
  o.surveys = (dir / "surveys.csv").string();
  const calibrate::CalibrationResult r = calibrate::calibrate(o);
  std::cout << r.summary;
  fs::remove_all(dir);

  // The truth per (segment, touchpoint, parameter).
  std::map<std::string, double> want;
  for (const auto& seg : truth.segments)
    for (const auto& tp : truth.touchpoints) {
      model::OkFriction<double> sat = tp.satisfaction, eff = tp.effort;
      for (const auto& [id, ov] : seg.overrides) {
        if (id != tp.id) continue;
        if (ov.satisfaction) sat = *ov.satisfaction;
        if (ov.effort) eff = *ov.effort;
      }
      want[seg.id + "/" + tp.id + "/satisfaction.ok"] = sat.ok;
      want[seg.id + "/" + tp.id + "/satisfaction.friction"] = sat.friction;
      want[seg.id + "/" + tp.id + "/effort.ok"] = eff.ok;
      want[seg.id + "/" + tp.id + "/effort.friction"] = eff.friction;
    }
  const auto& t = cxsim::testing::table(r, "calibration/segments/delta_overrides");
  const auto &seg = cxsim::testing::col(t, "segment"), &tp = cxsim::testing::col(t, "touchpoint"),
             &par = cxsim::testing::col(t, "parameter"), &est = cxsim::testing::col(t, "estimate"),
             &se = cxsim::testing::col(t, "se");
  std::map<std::string, int> seen;
  for (std::size_t i = 0; i < t.rows(); ++i) {
    const std::string key = seg.strings[i] + "/" + tp.strings[i] + "/" + par.strings[i];
    ++seen[tp.strings[i] + "/" + par.strings[i].substr(0, par.strings[i].find('.'))];
    ASSERT_TRUE(want.count(key)) << key;
    ASSERT_TRUE(std::isfinite(se.numbers[i]) && se.numbers[i] > 0) << key;
    EXPECT_LT(std::fabs(est.numbers[i] - want[key]), 3 * se.numbers[i])
        << key << ": " << est.numbers[i] << " se " << se.numbers[i] << " truth " << want[key];
  }
  // Exactly checkout's satisfaction and support's effort: 2 segments x ok, friction.
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen["checkout/satisfaction"], 4);
  EXPECT_EQ(seen["support/effort"], 4);

  // The fitted YAML carries them, with the test in the comment.
  const model::JourneySpec fitted = cxsim::testing::loads(r);
  EXPECT_NE(r.yaml.find("equal satisfaction deltas (likelihood ratio) over the segments rejected"), std::string::npos)
      << r.yaml;
  EXPECT_NE(r.yaml.find("equal effort deltas (likelihood ratio) over the segments rejected"), std::string::npos);
  int with_sat = 0, with_eff = 0;
  for (const auto& s : fitted.segments)
    for (const auto& [id, ov] : s.overrides) {
      if (ov.satisfaction) {
        EXPECT_EQ(id, "checkout");
        ++with_sat;
      }
      if (ov.effort) {
        EXPECT_EQ(id, "support");
        ++with_eff;
      }
    }
  EXPECT_EQ(with_sat, 2);
  EXPECT_EQ(with_eff, 2);
}

}  // namespace
