// `cxsim calibrate --distributions` writes every fitted parameter with its
// distribution (docs/calibration.md, "Uncertainty of the fit";
// docs/journey-format.md, "Uncertainty"), so that `run --uncertainty` uses the
// calibration's uncertainty directly. Round trip: simulate event logs of J
// journeys from a known one-touchpoint journey, calibrate, run the fitted
// model with --uncertainty: the parameter sd of share_converted is the
// posterior's, about sqrt(p(1 - p) / J) (the law of total variance over the
// friction Beta and the two next Dirichlets), so the total interval narrows
// like 1/sqrt(J) with more data. Fixed seeds.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <fmt/format.h>

#include "cxsim/app/run_plan.h"
#include "cxsim/calibrate/calibrate.h"
#include "cxsim/calibrate/timestamp.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/uncertainty.h"
#include "cxsim/model/journey_loader.h"

using namespace cxsim;
namespace fs = std::filesystem;

namespace {

// True journey: pay, friction 0.3; after ok: bought 0.9 / left 0.1; after
// friction: bought 0.2 / left 0.8. share_converted = 0.7 * 0.9 + 0.3 * 0.2.
constexpr double kFriction = 0.3, kOkBought = 0.9, kFrBought = 0.2;
constexpr double kShare = (1 - kFriction) * kOkBought + kFriction * kFrBought;

fs::path write_events(const fs::path& dir, int journeys, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> U(0, 1);
  const fs::path file = dir / fmt::format("events_{}.csv", journeys);
  std::ofstream ev(file);
  ev << "customer_id,journey_id,timestamp,touchpoint,status,channel,outcome\n";
  const std::int64_t t0 = calibrate::parse_timestamp_us("2026-01-01T00:00:00Z").value();
  for (int i = 0; i < journeys; ++i) {
    const bool fr = U(rng) < kFriction;
    const bool bought = U(rng) < (fr ? kFrBought : kOkBought);
    ev << fmt::format("c{},c{}-0,{},pay,{},web,{}\n", i, i,
                      calibrate::format_timestamp_ms(t0 + static_cast<std::int64_t>(i) * 60000000LL),
                      fr ? "friction" : "ok", bought ? "bought" : "left");
  }
  return file;
}

struct Fit {
  std::string yaml;
  double parameter_sd, total_low, total_high, estimate;
};

Fit calibrate_and_run(const fs::path& dir, int journeys) {
  calibrate::CalibrateOptions o;
  o.events = write_events(dir, journeys, 20261202u + static_cast<unsigned>(journeys)).string();
  o.distributions = true;
  o.outcome_kinds = {{"bought", "converted"}, {"left", "abandoned"}};
  o.tmp_dir = dir.string();
  const auto res = calibrate::calibrate(o);
  const fs::path model = dir / fmt::format("fitted_{}.yaml", journeys);
  std::ofstream(model) << res.yaml;
  app::RunOverrides ro;
  ro.threads = 2;
  ro.customers = 20000;
  ro.seed = 5;
  ro.uncertainty = 100;
  ro.no_ranking = true;
  auto p = app::plan_from_file(model.string(), ro, "test");
  const auto r = app::execute(p, {});
  const auto u = app::execute_uncertainty(p, r, {});
  const auto t = engine::uncertainty_table(engine::variant_tables(p.variants[0], r.variants[0]).summary, u.variants[0]);
  std::size_t i = 0;
  while (t.get_string("metric")[i] != "share_converted") ++i;
  return {res.yaml, t.get_double("parameter_sd")[i], t.get_double("total_low")[i], t.get_double("total_high")[i],
          t.get_double("estimate")[i]};
}

}  // namespace

TEST(CalibrateUncertainty, FittedDistributionsGiveTheRunThePosteriorsWidthWhichShrinksWithMoreData) {
  const fs::path dir =
      fs::temp_directory_path() / fmt::format("cxsim_stat_calibrate_unc_{}", static_cast<long>(getpid()));
  fs::create_directories(dir);
  const Fit small = calibrate_and_run(dir, 200);
  const Fit big = calibrate_and_run(dir, 5000);
  fs::remove_all(dir);

  std::printf("parameter sd of share_converted: %.5f (200 journeys), %.5f (5000 journeys)\n", small.parameter_sd,
              big.parameter_sd);
  std::printf("%s", small.yaml.c_str());
  // The fitted journey carries the distributions.
  EXPECT_NE(small.yaml.find("friction: {estimate: "), std::string::npos) << small.yaml;
  EXPECT_NE(small.yaml.find("beta: ["), std::string::npos);
  EXPECT_NE(small.yaml.find("dirichlet:"), std::string::npos);
  const auto spec = model::load_journey_text(small.yaml, "fitted.yaml").spec;
  ASSERT_EQ(spec.uncertain.size(), 3u);  // pay.friction, pay.next.ok, pay.next.friction
  EXPECT_EQ(spec.uncertain[0].kind, model::UncertainParam::Kind::friction_beta);

  // The parameter sd is the posterior's: sqrt(p(1 - p)/J) within the error of 100 draws' sd.
  for (const auto& [fit, j] : {std::pair{small, 200.0}, std::pair{big, 5000.0}}) {
    const double sd = std::sqrt(kShare * (1 - kShare) / j);
    EXPECT_NEAR(fit.parameter_sd, sd, 0.3 * sd) << j << " journeys";
    EXPECT_LE(fit.total_low, fit.estimate);
    EXPECT_GE(fit.total_high, fit.estimate);
  }
  // 25 times the data: the parameter sd is about a fifth, the total interval much narrower.
  EXPECT_NEAR(small.parameter_sd / big.parameter_sd, 5.0, 1.5);
  EXPECT_LT(big.total_high - big.total_low, 0.4 * (small.total_high - small.total_low));
}
