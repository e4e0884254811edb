// `cxsim analyze --uncertainty N` (docs/methods/uncertainty.md, "Exact answers
// per draw"): the exact analytics under each parameter draw. One touchpoint
// whose friction is Beta(40, 160): share_converted = 1 - friction ~ Beta(160,
// 40) exactly in every draw (no Monte Carlo noise), so the 2.5% / 97.5%
// quantiles across N draws are the Beta's within the quantiles' own sampling
// error. The CLI writes the same numbers (the same draw function and seed).
#include <gtest/gtest.h>

#include <boost/math/distributions/beta.hpp>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "cxsim/analytics/uncertainty.h"
#include "cxsim/io/h5.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/model/uncertain.h"

using namespace cxsim;

namespace {

const std::string kOneBeta = std::string(CXSIM_TEST_DATA_DIR) + "/uncertainty/one_beta.yaml";

analytics::UncertainAnalytics analyze_one_beta(std::uint64_t draws, std::uint64_t seed, int threads) {
  const auto spec = model::load_journey(kOneBeta).spec;
  const auto make = [&](std::uint64_t d) {
    std::vector<analytics::DrawnModel> out;
    analytics::AnalyzeOptions opt;
    opt.removal = false;
    opt.sensitivities = false;
    out.push_back({"baseline", model::compile(model::draw_parameters(spec, seed, d)), opt});
    return out;
  };
  return analytics::analyze_uncertainty(draws, make, threads);
}

std::size_t row_of(const io::Table& t, const std::string& metric) {
  const auto& m = t.get_string("metric");
  for (std::size_t i = 0; i < m.size(); ++i)
    if (m[i] == metric) return i;
  ADD_FAILURE() << "no row " << metric;
  return 0;
}

}  // namespace

TEST(AnalyzeUncertainty, QuantilesOfAnExactBetaConversionAreTheBetasQuantiles) {
  const std::uint64_t n = 4000;
  const auto u = analyze_one_beta(n, 3, 2);
  ASSERT_EQ(u.draws, n);
  const std::vector<std::string> metrics{"share_converted"};
  const auto t = analytics::exact_uncertainty_table(metrics, {0.8}, u.variants[0]);
  const boost::math::beta_distribution<double> beta(160, 40);
  for (const auto& [col, p] : {std::pair<const char*, double>{"q025", 0.025}, {"q975", 0.975}}) {
    const double q = boost::math::quantile(beta, p);
    // Sampling sd of an empirical p-quantile: sqrt(p (1 - p) / n) / f(q).
    const double se = std::sqrt(p * (1 - p) / static_cast<double>(n)) / boost::math::pdf(beta, q);
    EXPECT_NEAR(t.get_double(col)[0], q, 4 * se) << col;
  }
  const double sd = boost::math::standard_deviation(beta);
  EXPECT_NEAR(t.get_double("mean")[0], 0.8, 4 * sd / std::sqrt(static_cast<double>(n)));
  EXPECT_NEAR(t.get_double("sd")[0], sd, 4 * sd / std::sqrt(2.0 * static_cast<double>(n)));
  EXPECT_EQ(t.get_double("point")[0], 0.8);
  // Every draw is exact: share_converted + share_abandoned = 1 in each, and
  // share_converted is 1 - the drawn friction bit for bit.
  const auto spec = model::load_journey(kOneBeta).spec;
  for (std::uint64_t d : {0u, 17u, 3999u}) {
    const double f = model::draw_parameters(spec, 3, d).find_touchpoint("pay")->friction;
    for (const auto& r : u.variants[0])
      if (r.metric == "share_converted") {
        EXPECT_NEAR(r.values[d], 1 - f, 1e-12) << d;
      }
  }
}

TEST(AnalyzeUncertainty, SameBitsForAnyThreadCount) {
  const auto a = analyze_one_beta(50, 9, 1);
  const auto b = analyze_one_beta(50, 9, 2);
  const auto c = analyze_one_beta(50, 9, 7);
  ASSERT_EQ(a.variants[0].size(), b.variants[0].size());
  for (std::size_t m = 0; m < a.variants[0].size(); ++m)
    for (std::size_t d = 0; d < 50; ++d) {
      const double x = a.variants[0][m].values[d], y = b.variants[0][m].values[d], z = c.variants[0][m].values[d];
      EXPECT_EQ(std::memcmp(&x, &y, sizeof x), 0) << a.variants[0][m].metric;
      EXPECT_EQ(std::memcmp(&x, &z, sizeof x), 0) << a.variants[0][m].metric;
    }
}

TEST(AnalyzeUncertainty, TheCliWritesTheSameQuantilesToTheAnalyticsFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("cxsim_analyze_unc_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto out = dir / "a.h5";
  const std::string cmd = std::string("'") + CXSIM_BINARY + "' analyze '" + kOneBeta + "' --uncertainty 300 -t 2 -o '" +
                          out.string() + "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const io::File f = io::File::open(out);
  EXPECT_EQ(f.attribute_int64("uncertainty_draws"), 300);
  EXPECT_EQ(f.attribute_int64("uncertainty_seed"), 3);  // population.seed, as in run
  const io::Table t = io::read_table(f.open_group("analytics/baseline"), "uncertainty");
  const auto u = analyze_one_beta(300, 3, 1);
  std::vector<std::string> metrics;
  std::vector<double> point;
  for (const auto& r : u.variants[0]) {
    metrics.push_back(r.metric);
    point.push_back(0);
  }
  const auto lib = analytics::exact_uncertainty_table(metrics, point, u.variants[0]);
  const std::size_t i = row_of(t, "share_converted"), j = row_of(lib, "share_converted");
  for (const char* col : {"mean", "sd", "q025", "q975"}) EXPECT_EQ(t.get_double(col)[i], lib.get_double(col)[j]) << col;
  EXPECT_EQ(t.get_double("point")[i], 0.8);
  std::filesystem::remove_all(dir);
}
