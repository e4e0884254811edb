// Money (docs/model.md section 12, docs/methods/comparisons.md "Money"): a
// variant that changes only a cost gives Δ net value = −Δ cost per customer
// and over the base; investment, net return, ROI and payback agree with a
// hand computation from the per-period tables.
#include <gtest/gtest.h>

#include <cmath>

#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "journey_fixtures.h"

namespace cxsim::engine {
namespace {

double row(const io::Table& t, const std::string& metric, const std::string& col = "estimate") {
  const auto& names = t.get_string("metric");
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == metric) return t.get_double(col)[i];
  ADD_FAILURE() << "no row " << metric;
  return std::nan("");
}

struct Fixture {
  std::vector<Variant> variants;
  RunSettings s;
  RunResult r;
};

// Support costs cut (cheaper) and raised (dearer); the walks are the same.
Fixture run_cost_variants() {
  auto spec = testing::spec_from_repo("journeys/retail.yaml");
  auto cheaper = spec, dearer = spec;
  cheaper.find_touchpoint("chat")->cost = 0.5;
  cheaper.find_touchpoint("phone_support")->cost = 1.0;
  dearer.find_touchpoint("chat")->cost = 5.0;
  Fixture f;
  f.variants = {Variant{"baseline", "", model::compile(spec), std::nullopt},
                Variant{"cheaper", "", model::compile(cheaper), std::nullopt},
                Variant{"dearer", "", model::compile(dearer), std::nullopt}};
  f.s.customers = 4000;
  f.s.periods = 4;
  f.s.seed = 17;
  f.s.discount_rate = 0.1;
  f.s.chunk_size = 700;
  f.s.customer_base = 250000;
  f.s.currency = "EUR";
  f.r = run(f.variants, f.s);
  return f;
}

TEST(EngineMoney, CostOnlyChangeGivesMinusDeltaCost) {
  const Fixture f = run_cost_variants();
  for (std::size_t v = 1; v < f.variants.size(); ++v) {
    const auto c =
        comparison_table(f.variants[v], f.variants[0], f.r.paired[v - 1], f.r.variants[v], f.r.variants[0], f.s);
    // Same walks: the value is the same bits for every customer.
    EXPECT_EQ(row(c, "clv_mean", "delta"), 0.0);
    EXPECT_EQ(row(c, "clv_mean", "se"), 0.0);
    const double dcost = row(c, "cost_mean", "delta");
    ASSERT_NE(dcost, 0.0);
    const double dnet = row(c, "net_value_mean", "delta");
    EXPECT_NEAR(dnet, -dcost, 1e-12 * std::abs(dcost));
    // The paired SE of Δ net value is the paired SE of Δ cost.
    EXPECT_NEAR(row(c, "net_value_mean", "se"), row(c, "cost_mean", "se"), 1e-9 * row(c, "cost_mean", "se"));
    const MoneyTables m = money_tables(f.variants[v], f.variants[0], f.r.paired[v - 1], f.s);
    EXPECT_NEAR(row(m.summary, "net_value_delta_per_customer"), -dcost, 1e-12 * std::abs(dcost));
    EXPECT_NEAR(row(m.summary, "net_value_delta_total"), -dcost * 250000, 1e-12 * std::abs(dcost) * 250000);
    EXPECT_EQ(row(m.summary, "investment"), 0.0);
    EXPECT_TRUE(std::isnan(row(m.summary, "roi")));             // no investment
    EXPECT_TRUE(std::isnan(row(m.summary, "payback_period")));  // no investment
    EXPECT_EQ(m.unit, "EUR");
    EXPECT_EQ(m.summary.get_string("unit")[0], "EUR per customer");
    // The headline of each variant: net value = clv − cost.
    const auto tv = variant_tables(f.variants[v], f.r.variants[v]);
    EXPECT_NEAR(row(tv.summary, "net_value_mean"), row(tv.summary, "clv_mean") - row(tv.summary, "cost_mean"), 1e-12);
  }
  const auto c1 = comparison_table(f.variants[1], f.variants[0], f.r.paired[0], f.r.variants[1], f.r.variants[0], f.s);
  EXPECT_GT(row(c1, "net_value_mean", "ci_low"), 0.0);  // cheaper support: net value rises
}

TEST(EngineMoney, RoiAndPaybackByHandFromThePeriodTables) {
  const Fixture f = run_cost_variants();
  const auto tb = variant_tables(f.variants[0], f.r.variants[0]);
  const auto tv = variant_tables(f.variants[1], f.r.variants[1]);
  const auto& nb = tb.periods.get_double("net_value_mean");
  const auto& nv = tv.periods.get_double("net_value_mean");
  const double B = 250000, d = 0.1;
  ASSERT_EQ(nb.size(), 4u);
  std::vector<double> cum(4);
  double acc = 0;
  for (std::size_t t = 0; t < 4; ++t) cum[t] = acc += nv[t] - nb[t];
  for (double x : cum) ASSERT_GT(x, 0.0);
  ASSERT_GT(cum[3], cum[2]);
  // An investment that the first two periods do not cover and three do:
  // once + per_period × (1 + 1/1.1 + 1/1.1²) sits between B·cum[1] and B·cum[2].
  Variant v = f.variants[1];
  const double per_period = 0.01 * B * cum[0];
  const double disc3 = 1 + 1 / 1.1 + 1 / (1.1 * 1.1);
  const double once = 0.5 * (B * cum[1] + B * cum[2]) - per_period * disc3;
  ASSERT_GT(once, 0.0);
  ASSERT_GT(once + per_period * (1 + 1 / 1.1), B * cum[1]);
  v.investment = Investment{once, per_period};
  const MoneyTables m = money_tables(v, f.variants[0], f.r.paired[0], f.s);
  double invest = once;
  for (int t = 0; t < 4; ++t) invest += per_period / std::pow(1 + d, t);
  EXPECT_NEAR(row(m.summary, "investment"), invest, 1e-9 * invest);
  const double ret = B * cum[3] - invest;
  EXPECT_NEAR(row(m.summary, "net_return"), ret, 1e-9 * B * cum[3]);
  EXPECT_NEAR(row(m.summary, "roi"), ret / invest, 1e-9 * std::abs(ret / invest) + 1e-12);
  EXPECT_EQ(row(m.summary, "payback_period"), 3.0);
  // The interval: earliest period whose upper / lower bound reaches 0.
  const double lo = row(m.summary, "payback_period", "ci_low"), hi = row(m.summary, "payback_period", "ci_high");
  EXPECT_LE(lo, 3.0);
  EXPECT_TRUE(std::isnan(hi) || hi >= 3.0);
  // The per-period table's cumulative net return matches the hand sums.
  const auto& cr = m.periods.get_double("net_return_cumulative");
  const auto& ci = m.periods.get_double("investment_cumulative");
  ASSERT_EQ(cr.size(), 4u);
  for (int t = 0; t < 4; ++t) {
    double it = once;
    for (int u = 0; u <= t; ++u) it += per_period / std::pow(1 + d, u);
    EXPECT_NEAR(ci[static_cast<std::size_t>(t)], it, 1e-9 * it);
    EXPECT_NEAR(cr[static_cast<std::size_t>(t)], B * cum[static_cast<std::size_t>(t)] - it, 1e-6 * B * cum[3]);
  }
  // ROI's SE is net return's over the investment; net return's is B × the
  // per-customer SE.
  EXPECT_NEAR(row(m.summary, "roi", "se") * invest, row(m.summary, "net_return", "se"), 1e-9 * invest);
  EXPECT_NEAR(row(m.summary, "net_return", "se"), B * row(m.summary, "net_value_delta_per_customer", "se"), 1e-6);
  // The per-period values sum to the headline CLV and cost.
  double value = 0, cost = 0;
  for (std::size_t t = 0; t < 4; ++t) {
    value += tv.periods.get_double("value_mean")[t];
    cost += tv.periods.get_double("cost_mean")[t];
  }
  EXPECT_NEAR(value, row(tv.summary, "clv_mean"), 1e-9);
  EXPECT_NEAR(cost, row(tv.summary, "cost_mean"), 1e-9);
}

TEST(EngineMoney, SameBitsForThreadsAndChunkSizes) {
  Fixture f = run_cost_variants();
  RunSettings s = f.s;
  s.threads = 3;
  s.chunk_size = 333;
  const RunResult other = run(f.variants, s);
  const MoneyTables a = money_tables(f.variants[1], f.variants[0], f.r.paired[0], f.s);
  const MoneyTables b = money_tables(f.variants[1], f.variants[0], other.paired[0], s);
  // Chunk sums are added in another grouping: equal to rounding, not bits.
  const auto& x = a.periods.get_double("net_value_delta_per_customer_cumulative");
  const auto& y = b.periods.get_double("net_value_delta_per_customer_cumulative");
  for (std::size_t t = 0; t < x.size(); ++t) EXPECT_NEAR(x[t], y[t], 1e-12 * std::abs(x[t]) + 1e-15);
  s.chunk_size = f.s.chunk_size;
  const RunResult same = run(f.variants, s);
  EXPECT_TRUE(a.periods == money_tables(f.variants[1], f.variants[0], same.paired[0], s).periods);
}

}  // namespace
}  // namespace cxsim::engine
