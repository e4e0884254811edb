// Joint fit with several retention segments (issue 13, MODEL.md section 16):
// the two-segment journey of tests/data/calibrate/joint_segments_journey.yaml
// ('new' churns from Beta(1.2, 2), 'loyal' from Beta(2, 10); both share the
// retention sensitivity 0.6, carryover 0.4, extremity 0.5, satisfaction0 sd
// 0.5; 8 periods) is simulated by the engine into the formats of `cxsim run
// --events-out`, with per-customer lifetimes and their segment column built
// from the event log, and calibrated back. The joint fit estimates each
// segment's (alpha, beta) and the one gamma shared by the segments; each is
// within 3 SE of the truth, and the fitted YAML carries the segments' own
// retention. Fixed seed; 10,000 customers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

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

constexpr int kPeriods = 8;

// Lifetimes with a segment column from the event log (docs/calibration.md,
// "Periods"): a customer seen in W < kPeriods periods churned at the end of
// period W; one seen in every period is censored after kPeriods - 1 (its
// last churn draw is not in the log).
std::string segment_lifetimes(const fs::path& events) {
  std::ifstream in(events);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  {
    std::stringstream h(line);
    for (std::string c; std::getline(h, c, ',');) header.push_back(c);
  }
  auto index = [&](const std::string& name) {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    throw std::runtime_error("no column " + name);
  };
  const std::size_t ic = index("customer_id"), ij = index("journey_id"), is = index("segment");
  std::map<std::string, std::set<std::string>> journeys;
  std::map<std::string, std::string> segment;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream r(line);
    for (std::string c; std::getline(r, c, ',');) f.push_back(c);
    if (f.size() <= std::max({ic, ij, is})) continue;
    journeys[f[ic]].insert(f[ij]);
    segment[f[ic]] = f[is];
  }
  std::string out = "customer_id,periods,churned,segment\n";
  for (const auto& [c, js] : journeys) {
    const auto w = static_cast<int>(js.size());
    out += w < kPeriods ? fmt::format("{},{},1,{}\n", c, w, segment[c])
                        : fmt::format("{},{},0,{}\n", c, kPeriods - 1, segment[c]);
  }
  return out;
}

TEST(CalibrateJointSegments, PerSegmentChurnHeterogeneityWithOneSharedSensitivity) {
  const model::JourneySpec truth =
      model::load_journey(std::string(CXSIM_TEST_DATA_DIR) + "/calibrate/joint_segments_journey.yaml").spec;
  const fs::path dir = fs::temp_directory_path() / fmt::format("cxsim_joint_segments_{}", ::getpid());
  fs::remove_all(dir);
  cxsim::testing::simulate_log(truth, 10000, kPeriods, 31, dir);
  std::ofstream(dir / "lifetimes.csv") << segment_lifetimes(dir / "events.csv");

  calibrate::CalibrateOptions o;
  o.events = (dir / "events.csv").string();
  o.surveys = (dir / "surveys.csv").string();
  o.lifetimes = (dir / "lifetimes.csv").string();
  o.satisfaction0_sd = 0.5;
  const calibrate::CalibrationResult r = calibrate::calibrate(o);
  std::cout << r.summary;
  fs::remove_all(dir);

  const auto& t = cxsim::testing::table(r, "calibration/joint");
  const auto &par = cxsim::testing::col(t, "parameter"), &est = cxsim::testing::col(t, "estimate"),
             &se = cxsim::testing::col(t, "se");
  std::map<std::string, std::pair<double, double>> rows;
  for (std::size_t i = 0; i < t.rows(); ++i) rows[par.strings[i]] = {est.numbers[i], se.numbers[i]};
  std::map<std::string, double> want = {
      {"retention.sensitivity", 0.6}, {"retention.carryover", 0.4}, {"survey.response.extremity", 0.5}};
  for (const auto& seg : truth.segments) {
    ASSERT_TRUE(seg.retention.has_value());
    want["segments." + seg.id + ".retention.alpha"] = seg.retention->alpha;
    want["segments." + seg.id + ".retention.beta"] = seg.retention->beta;
  }
  for (const auto& [name, value] : want) {
    ASSERT_TRUE(rows.count(name)) << name;
    const auto [e, s] = rows[name];
    ASSERT_TRUE(std::isfinite(e) && std::isfinite(s) && s > 0) << name << " " << e << " " << s;
    EXPECT_LT(std::fabs(e - value), 3 * s) << name << ": " << e << " se " << s << " truth " << value;
  }
  // The YAML: each segment's own (alpha, beta) from the joint fit, one sensitivity.
  const model::JourneySpec fitted = cxsim::testing::loads(r);
  ASSERT_EQ(fitted.segments.size(), 2u);
  for (const auto& seg : fitted.segments) {
    ASSERT_TRUE(seg.retention.has_value()) << seg.id;
    EXPECT_NEAR(seg.retention->alpha, rows["segments." + seg.id + ".retention.alpha"].first,
                1e-4 * seg.retention->alpha);
    EXPECT_NEAR(seg.retention->beta, rows["segments." + seg.id + ".retention.beta"].first, 1e-4 * seg.retention->beta);
  }
  EXPECT_NEAR(fitted.retention.sensitivity, rows["retention.sensitivity"].first, 1e-6);
}

}  // namespace
