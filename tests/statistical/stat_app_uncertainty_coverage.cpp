// Coverage of the total interval (docs/methods/uncertainty.md, "Tests";
// MODEL.md section 14): the property the total interval must have. In each of
// M replications the true friction theta is drawn from a Beta(2, 8) prior,
// n = 40 visits are observed (k frictions ~ Binomial(40, theta)), and the
// journey carries the posterior friction ~ Beta(2 + k, 8 + n - k). By Bayes,
// over the replications the true share_converted = 1 - theta lies in a correct
// 95% interval of the posterior in 95% of them; `run --uncertainty` must cover
// it in 95% +- 3 binomial standard errors of the replications. The Monte
// Carlo-only interval (the customer noise of one run) covers it far less
// often: a run that reported it as the headline interval fails this test.
// Fixed seeds; tiny journey and population so that M runs stay fast.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "cxsim/app/run_plan.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/uncertainty.h"
#include "cxsim/rng/samplers.h"
#include "cxsim/rng/stream.h"

using namespace cxsim;

namespace {

struct Interval {
  double mc_low, mc_high, total_low, total_high;
};

// share_converted of the one-touchpoint journey with friction ~ Beta(a, b).
Interval run_posterior(const std::filesystem::path& file, double a, double b, unsigned long long seed) {
  {
    std::ofstream out(file);
    out << fmt::format(
        "journey: coverage\n"
        "start: {{pay: 1.0}}\n"
        "touchpoints:\n"
        "  pay:\n"
        "    channel: web\n"
        "    friction: {{beta: [{}, {}]}}\n"
        "    next:\n"
        "      ok: {{bought: 1.0}}\n"
        "      friction: {{left: 1.0}}\n"
        "outcomes:\n"
        "  bought: {{kind: converted}}\n"
        "  left: {{kind: abandoned}}\n"
        "population: {{customers: 200, seed: {}}}\n",
        a, b, seed);
  }
  app::RunOverrides o;
  o.threads = 2;
  o.uncertainty = 100;
  o.no_analytics = true;
  o.no_ranking = true;
  auto p = app::plan_from_file(file.string(), o, "test");
  const auto r = app::execute(p, {});
  const auto u = app::execute_uncertainty(p, r, {});
  const auto t = engine::uncertainty_table(engine::variant_tables(p.variants[0], r.variants[0]).summary, u.variants[0]);
  std::size_t i = 0;
  while (t.get_string("metric")[i] != "share_converted") ++i;
  return {t.get_double("mc_low")[i], t.get_double("mc_high")[i], t.get_double("total_low")[i],
          t.get_double("total_high")[i]};
}

}  // namespace

TEST(UncertaintyCoverage, TotalIntervalCoversTheTrueShareIn95PercentOfReplications) {
  const int M = 300, n = 40;
  const double a0 = 2, b0 = 8;
  const auto file =
      std::filesystem::temp_directory_path() / fmt::format("cxsim_stat_coverage_{}.yaml", static_cast<long>(getpid()));
  int total_hits = 0, mc_hits = 0;
  for (int m = 0; m < M; ++m) {
    rng::Stream g(20261202, rng::Purpose::replication, static_cast<std::uint64_t>(m), 7, 0);
    const double theta = rng::beta(g, a0, b0);
    int k = 0;
    for (int v = 0; v < n; ++v) k += rng::bernoulli(g, theta) ? 1 : 0;
    const double truth = 1 - theta;
    const Interval iv = run_posterior(file, a0 + k, b0 + (n - k), 1000 + static_cast<unsigned long long>(m));
    total_hits += iv.total_low <= truth && truth <= iv.total_high;
    mc_hits += iv.mc_low <= truth && truth <= iv.mc_high;
  }
  std::filesystem::remove(file);
  const double total_rate = static_cast<double>(total_hits) / M, mc_rate = static_cast<double>(mc_hits) / M;
  const double se = std::sqrt(0.95 * 0.05 / M);
  RecordProperty("total_coverage", std::to_string(total_rate));
  RecordProperty("mc_coverage", std::to_string(mc_rate));
  std::printf("coverage over %d replications: total %.3f, MC-only %.3f (nominal 0.95, +-3 SE = %.3f)\n", M, total_rate,
              mc_rate, 3 * se);
  EXPECT_NEAR(total_rate, 0.95, 3 * se);
  // The MC-only interval (200 customers) is about as wide as the posterior's
  // sd: it covers far less than 95%.
  EXPECT_LT(mc_rate, 0.95 - 6 * se);
}
