// Calibration robust to real data (issue 13 item 2, MODEL.md section 16):
// separation gets a finite, regularised and labelled estimate with a warning
// naming the touchpoint; perfectly collinear visit counts are reported and
// merged (never silently dropped); the key drivers are the fitted model's
// simulated what-ifs and agree with `cxsim run` on the same fix.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include <fmt/format.h>

#include "calibrate_helpers.h"
#include "cxsim/calibrate/calibrate.h"
#include "cxsim/core/errors.h"
#include "cxsim/model/journey_loader.h"

using namespace cxsim;
using namespace cxsim::calibrate;
namespace fs = std::filesystem;

namespace {

fs::path write(const std::string& name, const std::string& text) {
  return cxsim::testing::write_input("calibrate_robust", name, text);
}
using cxsim::testing::loads;
using cxsim::testing::warned;

const model::TouchpointSpec& tp(const model::JourneySpec& j, const std::string& id) {
  for (const auto& t : j.touchpoints)
    if (t.id == id) return t;
  throw std::runtime_error("no touchpoint " + id);
}

// The YAML line of a touchpoint's satisfaction (in its "  <id>:" block).
std::string satisfaction_line(const std::string& yaml, const std::string& id) {
  const auto at = yaml.find("\n  " + id + ":");
  if (at == std::string::npos) return "";
  const auto s = yaml.find("satisfaction:", at);
  return yaml.substr(s, yaml.find('\n', s) - s);
}

// A shop log: search -> checkout (ok or friction) -> delivery; some journeys
// visit "wrap" (gift wrap), and a friction at wrap always ends with a 10
// (quasi-complete separation of wrap.friction: its ML coefficient is
// +infinity), other answers are promoters (9 or 10) 10% of the time. Checkout ok is
// always followed by delivery (and only then): checkout.ok and delivery.ok
// are the same column.
struct Shop {
  fs::path events, surveys;
};

Shop shop_log(int journeys, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> U(0, 1);
  std::string ev = "customer_id,journey_id,timestamp,touchpoint,status,outcome\n";
  std::string sv = "journey_id,nps\n";
  for (int i = 0; i < journeys; ++i) {
    const std::string j = fmt::format("j{}", i);
    int minute = 0;
    auto event = [&](const std::string& t, bool fr, const std::string& outcome) {
      ev += fmt::format("c{},{},2026-01-01T{:02d}:{:02d}:00Z,{},{},{}\n", i, j, minute / 60, minute % 60, t,
                        fr ? "friction" : "ok", outcome);
      minute += 3;
    };
    event("search", U(rng) < 0.3, "");
    const bool wrap = U(rng) < 0.3;
    const bool wrap_fr = wrap && U(rng) < 0.4;
    if (wrap) event("wrap", wrap_fr, "");
    const bool co_fr = U(rng) < 0.35;
    if (co_fr) {
      event("checkout", true, "abandoned");
    } else {
      event("checkout", false, "");
      event("delivery", false, "purchased");
    }
    int score;
    if (wrap_fr) {
      score = 10;
    } else if (U(rng) < 0.1) {
      score = U(rng) < 0.5 ? 9 : 10;
    } else {
      const double u = U(rng);
      score = static_cast<int>(std::floor((co_fr ? 4.0 : 7.0) + 2.0 * (u - 0.5) * 3.0));
      score = std::clamp(score, 0, 8);
    }
    sv += fmt::format("{},{}\n", j, score);
  }
  return {write(fmt::format("shop_events_{}.csv", seed), ev), write(fmt::format("shop_surveys_{}.csv", seed), sv)};
}

}  // namespace

// Failed before the fix: wrap.friction was written as ~25 (the ML estimate
// diverging, se ~1e5) with a "bounds only" warning.
TEST(CalibrateRobust, SeparationGivesAFiniteRegularisedLabelledEstimate) {
  const Shop d = shop_log(600, 7);
  CalibrateOptions o;
  o.events = d.events.string();
  o.surveys = d.surveys.string();
  const auto r = calibrate::calibrate(o);
  const auto j = loads(r);
  const auto& wrap = tp(j, "wrap");
  EXPECT_TRUE(std::isfinite(wrap.satisfaction.friction));
  EXPECT_LT(std::fabs(wrap.satisfaction.friction), 10.0) << r.yaml;
  EXPECT_GT(wrap.satisfaction.friction, 1.0) << r.yaml;  // still a large positive effect
  for (const auto& t : j.touchpoints) {
    EXPECT_LT(std::fabs(t.satisfaction.ok), 10.0) << t.id;
    EXPECT_LT(std::fabs(t.satisfaction.friction), 10.0) << t.id;
  }
  EXPECT_TRUE(warned(r, {"NPS ordered logit", "separation", "'wrap.friction'", "regularised"})) << r.summary;
  if (std::getenv("CXSIM_TEST_VERBOSE")) std::cout << r.summary << r.yaml;
  EXPECT_NE(satisfaction_line(r.yaml, "wrap").find("regularised"), std::string::npos) << r.yaml;
  // The fit report says so too.
  const ReportTable* fit = r.report.find("calibration/survey/nps/fit");
  ASSERT_NE(fit, nullptr);
  bool found = false;
  for (const auto& c : fit->columns)
    if (c.name == "regularised") {
      found = true;
      ASSERT_EQ(c.numbers.size(), 1u);
      EXPECT_EQ(c.numbers[0], 1.0);
    }
  EXPECT_TRUE(found);
  const ReportTable* co = r.report.find("calibration/survey/nps/coefficients");
  ASSERT_NE(co, nullptr);
  bool sep_col = false;
  for (const auto& c : co->columns) sep_col = sep_col || c.name == "separated";
  EXPECT_TRUE(sep_col);
}

// Failed before the fix: delivery.ok (= checkout.ok in every journey) was
// dropped and written as 0 with "n/a", no warning.
TEST(CalibrateRobust, CollinearVisitCountsAreReportedAndMerged) {
  const Shop d = shop_log(600, 11);
  CalibrateOptions o;
  o.events = d.events.string();
  o.surveys = d.surveys.string();
  const auto r = calibrate::calibrate(o);
  const auto j = loads(r);
  EXPECT_TRUE(warned(r, {"collinear visit counts", "'checkout.ok'", "'delivery.ok'"})) << r.summary;
  // Merged: the group's one coefficient split equally (identical columns).
  const double co = tp(j, "checkout").satisfaction.ok, de = tp(j, "delivery").satisfaction.ok;
  EXPECT_NE(co, 0.0);
  EXPECT_NEAR(co, de, 1e-3 * std::fabs(co) + 1e-6) << r.yaml;
  EXPECT_NE(satisfaction_line(r.yaml, "delivery").find("collinear with checkout.ok"), std::string::npos) << r.yaml;
  // search is visited exactly once by every journey: collinear with the constant.
  EXPECT_TRUE(warned(r, {"collinear visit counts", "'search.ok'"}) ||
              warned(r, {"collinear visit counts", "'search.friction'"}))
      << r.summary;
  const ReportTable* t = r.report.find("calibration/survey/nps/coefficients");
  ASSERT_NE(t, nullptr);
  const ReportColumn* group = nullptr;
  const ReportColumn* param = nullptr;
  for (const auto& c : t->columns) {
    if (c.name == "collinear_with") group = &c;
    if (c.name == "parameter") param = &c;
  }
  ASSERT_NE(group, nullptr);
  ASSERT_NE(param, nullptr);
  bool listed = false;
  for (std::size_t i = 0; i < param->strings.size(); ++i)
    if (param->strings[i] == "delivery.ok") listed = group->strings[i].find("checkout.ok") != std::string::npos;
  EXPECT_TRUE(listed);
}

namespace {

// Runs `cxsim run SCENARIO --json -q` and returns comparisons.<variant>'s
// nps_true delta (the JSON numbers are shortest round-trip: exact).
double run_delta_nps(const fs::path& scenario, const std::string& variant) {
  const std::string cmd = fmt::format("'{}' run '{}' --json -q -o '{}' 2>&1", CXSIM_BINARY, scenario.string(),
                                      (scenario.parent_path() / (scenario.stem().string() + ".h5")).string());
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen");
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ::pclose(p);
  const auto cmp = out.find("\"comparisons\"");
  const auto v = out.find("\"" + variant + "\"", cmp);
  const auto m = out.find("\"metric\":\"nps_true\"", v);
  const auto e = out.find("\"delta\"", m);
  if (cmp == std::string::npos || v == std::string::npos || m == std::string::npos || e == std::string::npos)
    throw std::runtime_error("no comparison in: " + out);
  return std::strtod(out.c_str() + e + std::string("\"delta\":").size(), nullptr);
}

}  // namespace

// Failed before the fix: the key drivers were the survey logit's prediction
// for the respondents (no simulation; no nps_delta_simulated column), which
// differs from what `cxsim run` gives for the same fix on the fitted model.
TEST(CalibrateRobust, KeyDriversAreTheSimulatedWhatIfsOfCxsimRun) {
  const Shop d = shop_log(600, 11);
  CalibrateOptions o;
  o.events = d.events.string();
  o.surveys = d.surveys.string();
  const auto r = calibrate::calibrate(o);
  loads(r);
  const ReportTable* kd = r.report.find("calibration/survey/key_drivers");
  ASSERT_NE(kd, nullptr);
  const ReportColumn *tp_col = nullptr, *sim = nullptr, *sim_se = nullptr;
  for (const auto& c : kd->columns) {
    if (c.name == "touchpoint") tp_col = &c;
    if (c.name == "nps_delta_simulated") sim = &c;
    if (c.name == "nps_delta_simulated_se") sim_se = &c;
  }
  ASSERT_NE(tp_col, nullptr);
  ASSERT_NE(sim, nullptr);
  ASSERT_NE(sim_se, nullptr);
  ASSERT_GE(tp_col->strings.size(), 2u);  // search, checkout, wrap have friction
  // Ranked by the simulated delta.
  for (std::size_t i = 1; i < sim->numbers.size(); ++i) EXPECT_GE(sim->numbers[i - 1], sim->numbers[i]);
  // The same what-ifs through `cxsim run` on the written YAML.
  const fs::path fitted = write("kd_fitted.yaml", r.yaml);
  std::string sc = "scenario: kd\njourney: kd_fitted.yaml\nvariants:\n";
  for (std::size_t i = 0; i < tp_col->strings.size(); ++i)
    sc += fmt::format("  fix_{}:\n    changes:\n      - {{set: {}.friction, value: 0}}\n", i, tp_col->strings[i]);
  const fs::path scenario = write("kd_scenario.yaml", sc);
  for (std::size_t i = 0; i < tp_col->strings.size(); ++i) {
    const double run = run_delta_nps(scenario, fmt::format("fix_{}", i));
    EXPECT_EQ(run, sim->numbers[i]) << tp_col->strings[i];
    EXPECT_GT(sim_se->numbers[i], 0.0);
  }
  // checkout's friction (35% abandoned, unhappy) is the top driver.
  EXPECT_EQ(tp_col->strings[0], "checkout");
  EXPECT_GT(sim->numbers[0], 5 * sim_se->numbers[0]);
}
