// The exact check of docs/methods/uncertainty.md: one touchpoint whose
// friction is Beta(40, 160), so share_converted = 1 - friction ~ Beta(160, 40).
// With many customers per draw the total interval of share_converted is the
// Beta's 2.5% / 97.5% quantiles (within the Monte Carlo error of N draws'
// quantiles), and the Monte Carlo-only interval shrinks like 1/sqrt(C) while
// the total one does not. Fixed seeds.
#include <gtest/gtest.h>

#include <boost/math/distributions/beta.hpp>
#include <cmath>
#include <string>

#include "cxsim/app/run_plan.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/uncertainty.h"

using namespace cxsim;

namespace {

struct Row {
  double mc_low, mc_high, total_low, total_high, parameter_sd;
};

Row share_converted(long long customers, long long draws) {
  app::RunOverrides o;
  o.threads = 2;
  o.customers = customers;
  o.seed = 20261201;
  o.uncertainty = draws;
  auto p = app::plan_from_file(std::string(CXSIM_TEST_DATA_DIR) + "/uncertainty/one_beta.yaml", o, "test");
  const auto r = app::execute(p, {});
  const auto u = app::execute_uncertainty(p, r, {});
  EXPECT_EQ(u.draws, static_cast<std::uint64_t>(draws));
  const auto t = engine::uncertainty_table(engine::variant_tables(p.variants[0], r.variants[0]).summary, u.variants[0]);
  std::size_t i = 0;
  while (t.get_string("metric")[i] != "share_converted") ++i;
  return {t.get_double("mc_low")[i], t.get_double("mc_high")[i], t.get_double("total_low")[i],
          t.get_double("total_high")[i], t.get_double("parameter_sd")[i]};
}

}  // namespace

TEST(UncertaintyExact, TotalIntervalIsTheBetaQuantilesAndTheMonteCarloIntervalShrinks) {
  const boost::math::beta_distribution<double> conv(160, 40);
  const double q_lo = boost::math::quantile(conv, 0.025), q_hi = boost::math::quantile(conv, 0.975);
  const double sd = std::sqrt(160.0 * 40.0 / (200.0 * 200.0 * 201.0));
  const long long n = 400;
  // Standard error of a 2.5% quantile of n draws: sqrt(p(1-p)/n) / density at the quantile.
  const double q_se = std::sqrt(0.025 * 0.975 / n) / boost::math::pdf(conv, q_lo);

  const Row big = share_converted(16000, n);
  EXPECT_NEAR(big.total_low, q_lo, 4 * q_se + 0.001) << "Beta 2.5% quantile " << q_lo;
  EXPECT_NEAR(big.total_high, q_hi, 4 * q_se + 0.001) << "Beta 97.5% quantile " << q_hi;
  EXPECT_NEAR(big.parameter_sd, sd, 0.1 * sd);

  const Row small = share_converted(1000, 200);
  const double w_small = small.mc_high - small.mc_low, w_big = big.mc_high - big.mc_low;
  EXPECT_NEAR(w_small / w_big, 4.0, 0.4);  // 16 times the customers: a quarter of the width
  // The total interval stays about the Beta's width at both sizes.
  EXPECT_NEAR(small.total_high - small.total_low, q_hi - q_lo, 0.25 * (q_hi - q_lo));
  EXPECT_NEAR(big.total_high - big.total_low, q_hi - q_lo, 0.1 * (q_hi - q_lo));
  EXPECT_LT(w_big, 0.15 * (big.total_high - big.total_low));
}
