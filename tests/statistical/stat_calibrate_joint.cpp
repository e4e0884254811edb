// Joint fit round trip (MODEL.md section 16, issue 13 item 1): a journey in
// which experience moves loyalty (tests/data/calibrate/joint_journey.yaml:
// sensitivity 0.6, carryover 0.4, response extremity 0.5, satisfaction0 sd
// 0.5, 8 periods) is simulated by the engine into the formats of `cxsim run
// --events-out`, calibrated back, and
//  - gamma, lambda and rho are each within 3 SE of the truth;
//  - the fitted model simulated back reproduces NPS true and measured and
//    survival per period of the data within 4 SE (two independent samples);
//  - a what-if (halve checkout's friction) on the fitted model moves
//    retention, in the direction it moves on the truth.
// Fixed seeds; 10,000 customers.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

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

constexpr std::uint64_t kCustomers = 10000;
constexpr int kPeriods = 8;

engine::RunSettings settings(std::uint64_t seed) {
  engine::RunSettings s;
  s.customers = kCustomers;
  s.periods = kPeriods;
  s.seed = seed;
  s.threads = 2;
  return s;
}

engine::VariantAccumulator simulate(const model::JourneySpec& spec, std::uint64_t seed,
                                    const fs::path& events_dir = {}) {
  std::vector<engine::Variant> v = {{"baseline", "", model::compile(spec), std::nullopt}};
  const auto s = settings(seed);
  std::optional<engine::EventLogWriter> w;
  engine::RunHooks hooks;
  if (!events_dir.empty()) {
    w.emplace(events_dir);
    hooks.event_log = true;
    hooks.on_chunk = [&](const engine::ChunkResult& c) { w->append(c.events_csv, c.surveys_csv); };
  }
  engine::RunResult r = engine::run(v, s, hooks);
  if (w) {
    std::vector<double> survivors;
    double alive = static_cast<double>(s.customers);
    survivors.push_back(alive);
    for (const auto& p : r.variants[0].periods) survivors.push_back(alive -= p.churned);
    w->commit(survivors);
  }
  return std::move(r.variants[0]);
}

struct Metric {
  double value, se;
};

// Per period t: NPS true (over walks), NPS measured (over respondents),
// survival after t+1 periods. Walks of one period belong to distinct
// customers, so the binomial SEs hold.
Metric nps_true(const engine::PeriodAcc& p) {
  const double n = p.active, a = p.promoters / n, b = p.detractors / n;
  return {100 * (a - b), 100 * std::sqrt((a + b - (a - b) * (a - b)) / n)};
}
Metric nps_measured(const engine::PeriodAcc& p) {
  const double n = p.respondents, a = p.promoters_measured / n, b = p.detractors_measured / n;
  return {100 * (a - b), 100 * std::sqrt((a + b - (a - b) * (a - b)) / n)};
}
std::vector<Metric> survival(const engine::VariantAccumulator& acc) {
  std::vector<Metric> out;
  double alive = static_cast<double>(kCustomers);
  for (const auto& p : acc.periods) {
    alive -= p.churned;
    const double s = alive / static_cast<double>(kCustomers);
    out.push_back({s, std::sqrt(s * (1 - s) / static_cast<double>(kCustomers))});
  }
  return out;
}

double final_survival(const engine::VariantAccumulator& acc) { return survival(acc).back().value; }

model::JourneySpec halve_checkout_friction(model::JourneySpec spec) {
  for (auto& tp : spec.touchpoints)
    if (tp.id == "checkout") tp.friction *= 0.5;
  return spec;
}

// The value and se of a `calibration/joint` row.
TEST(CalibrateJoint, RoundTripRecoversSensitivityCarryoverExtremity) {
  const model::JourneySpec truth =
      model::load_journey(std::string(CXSIM_TEST_DATA_DIR) + "/calibrate/joint_journey.yaml").spec;
  const fs::path dir = fs::temp_directory_path() / fmt::format("cxsim_joint_{}", ::getpid());
  fs::remove_all(dir);
  const auto data = simulate(truth, 7, dir);

  calibrate::CalibrateOptions o;
  o.events = (dir / "events.csv").string();
  o.surveys = (dir / "surveys.csv").string();
  o.cohorts = (dir / "cohorts.csv").string();
  o.satisfaction0_sd = 0.5;
  const calibrate::CalibrationResult r = calibrate::calibrate(o);
  std::cout << r.summary;

  for (auto [name, true_value] : {std::pair<const char*, double>{"retention.sensitivity", 0.6},
                                  {"retention.carryover", 0.4},
                                  {"survey.response.extremity", 0.5}}) {
    const auto [est, se] = cxsim::testing::joint_row(r, name);
    ASSERT_TRUE(std::isfinite(est) && std::isfinite(se) && se > 0) << name << " " << est << " " << se;
    EXPECT_LT(std::fabs(est - true_value), 3 * se) << name << ": " << est << " se " << se << " truth " << true_value;
    EXPECT_LT(se, 0.25) << name << ": no power";
  }
  // The YAML carries them (never the loader's defaults).
  EXPECT_NE(r.yaml.find("sensitivity: "), std::string::npos);
  EXPECT_NE(r.yaml.find("carryover: "), std::string::npos);
  EXPECT_EQ(r.yaml.find("extremity: 0}"), std::string::npos);

  // The fitted model simulated back (another seed) reproduces the data.
  const model::JourneySpec fitted = model::load_journey_text(r.yaml, "fitted.yaml").spec;
  model::JourneySpec fitted8 = fitted;
  fitted8.population.periods = kPeriods;
  const auto back = simulate(fitted8, 8);
  const auto sd = survival(data), sb = survival(back);
  for (int t = 0; t < kPeriods; ++t) {
    const auto& pd = data.periods[static_cast<std::size_t>(t)];
    const auto& pb = back.periods[static_cast<std::size_t>(t)];
    for (auto [what, a, b] :
         {std::tuple{"NPS true", nps_true(pd), nps_true(pb)},
          std::tuple{"NPS measured", nps_measured(pd), nps_measured(pb)},
          std::tuple{"survival", sd[static_cast<std::size_t>(t)], sb[static_cast<std::size_t>(t)]}}) {
      const double se = std::hypot(a.se, b.se);
      EXPECT_LT(std::fabs(a.value - b.value), 4 * se)
          << what << " period " << t << ": data " << a.value << " fitted model " << b.value << " se " << se;
    }
  }

  // What-if: halve checkout's friction. Same seed for base and variant
  // (common random numbers) on each model.
  const double d_truth =
      final_survival(simulate(halve_checkout_friction(truth), 9)) - final_survival(simulate(truth, 9));
  const double d_fit =
      final_survival(simulate(halve_checkout_friction(fitted8), 9)) - final_survival(simulate(fitted8, 9));
  EXPECT_GT(d_truth, 0.0);
  EXPECT_NE(d_fit, 0.0) << "the fitted model's retention does not move";
  EXPECT_GT(d_fit * d_truth, 0.0) << "truth " << d_truth << " fitted " << d_fit;
  std::cout << "what-if: retention after " << kPeriods << " periods +" << d_truth << " (truth), +" << d_fit
            << " (fitted)\n";
  fs::remove_all(dir);
}

}  // namespace
