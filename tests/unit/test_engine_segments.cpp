// Segments in every result (docs/model.md section 13, docs/methods/
// comparisons.md "Per segment"): the share-weighted per-segment estimates
// reproduce the pooled ones (exactly for counts and sums, to rounding for
// ratios), per variant and per comparison, with fixed seeds.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "journey_fixtures.h"

namespace cxsim::engine {
namespace {

struct Fixture {
  std::vector<Variant> variants;
  RunSettings s;
  RunResult r;
};

// retail (segments new 0.6, loyal 0.4): baseline, a friction fix, a no-op
// variant (the baseline's bits) and one that moves customers between
// segments (loyal share 0.7).
Fixture run_retail() {
  auto spec = testing::spec_from_repo("journeys/retail.yaml");
  auto fix = spec, moved = spec;
  for (auto& tp : fix.touchpoints) tp.friction *= 0.5;
  for (auto& g : moved.segments) g.share = g.id == "loyal" ? 0.7 : 0.3;
  Fixture f;
  f.variants = {Variant{"baseline", "", model::compile(spec), std::nullopt},
                Variant{"fix", "", model::compile(fix), std::nullopt},
                Variant{"noop", "", model::compile(spec), std::nullopt},
                Variant{"moved", "", model::compile(moved), std::nullopt}};
  f.s.customers = 6000;
  f.s.periods = 3;
  f.s.seed = 21;
  f.s.discount_rate = 0.05;
  f.s.chunk_size = 700;
  f.s.threads = 2;
  f.r = run(f.variants, f.s);
  return f;
}

const Fixture& fixture() {
  static const Fixture f = run_retail();
  return f;
}

// Sums Σ_s weight_s × column_s per metric of a long per-segment table.
std::map<std::string, double> weighted(const io::Table& t, const std::string& column, const std::string& weight) {
  std::map<std::string, double> out;
  const auto& m = t.get_string("metric");
  for (std::size_t i = 0; i < t.rows(); ++i) out[m[i]] += t.get_double(weight)[i] * t.get_double(column)[i];
  return out;
}

double pooled(const io::Table& t, const std::string& metric, const std::string& column) {
  const auto& m = t.get_string("metric");
  for (std::size_t i = 0; i < t.rows(); ++i)
    if (m[i] == metric) return t.get_double(column)[i];
  ADD_FAILURE() << "no metric " << metric;
  return std::nan("");
}

void expect_close(double a, double b, const std::string& what) {
  if (std::isnan(b)) {
    EXPECT_TRUE(std::isnan(a)) << what;
    return;
  }
  EXPECT_NEAR(a, b, 1e-9 * std::max(1.0, std::fabs(b))) << what;
}

TEST(EngineSegments, CountsAndSumsAddUpExactly) {
  const Fixture& f = fixture();
  const model::CompiledModel& m = f.variants[0].model;
  for (std::size_t v = 0; v < f.variants.size(); ++v) {
    const auto& acc = f.r.variants[v];
    ASSERT_EQ(acc.segment_headline.size(), 2u);
    std::int64_t n = 0;
    for (const auto& s : acc.segment_headline) n += s.count();
    EXPECT_EQ(n, acc.headline.count());
    // Components that are whole numbers per customer: walks, respondents,
    // promoters, detractors, frictions, steps, alive and every kind's walks.
    std::vector<int> counts = {
        kWalks,     kRespondents, kPromotersTrue, kDetractorsTrue, kPromotersMeasured, kDetractorsMeasured,
        kFrictions, kSwitches,    kSteps,         kAlive};
    for (std::size_t k = 0; k < m.num_kinds(); ++k) counts.push_back(kFirstKind + static_cast<int>(k));
    for (int c : counts) {
      double sum = 0;
      for (const auto& s : acc.segment_headline) sum += s.total(c);
      EXPECT_EQ(sum, acc.headline.total(c)) << "variant " << v << " component " << c;
    }
    // The customers drawn into each segment are the segments table's.
    for (std::size_t g = 0; g < acc.segment_headline.size(); ++g)
      EXPECT_EQ(static_cast<double>(acc.segment_headline[g].count()), acc.segment_customers[g]);
  }
}

TEST(EngineSegments, ShareWeightedSummaryIsThePooledSummary) {
  const Fixture& f = fixture();
  for (std::size_t v = 0; v < f.variants.size(); ++v) {
    const io::Table seg = segment_summary_table(f.variants[v], f.r.variants[v]);
    const io::Table summary = variant_tables(f.variants[v], f.r.variants[v]).summary;
    ASSERT_EQ(seg.rows(), 2 * headline_metrics(f.variants[v].model, false).size());
    // Customers per segment add up to the population, for every metric.
    std::map<std::string, std::int64_t> customers;
    for (std::size_t i = 0; i < seg.rows(); ++i)
      customers[seg.get_string("metric")[i]] += seg.get_int64("customers")[i];
    for (const auto& [metric, n] : customers) EXPECT_EQ(n, static_cast<std::int64_t>(f.s.customers)) << metric;
    const auto w = weighted(seg, "estimate", "weight");
    for (const auto& [metric, x] : w)
      expect_close(x, pooled(summary, metric, "estimate"), f.variants[v].name + " " + metric);
    // Every headline metric has a per-segment row with a finite SE.
    for (std::size_t i = 0; i < seg.rows(); ++i)
      if (!std::isnan(seg.get_double("estimate")[i])) {
        EXPECT_FALSE(std::isnan(seg.get_double("se")[i]));
      }
  }
}

TEST(EngineSegments, ShareWeightedComparisonIsThePooledComparison) {
  const Fixture& f = fixture();
  for (std::size_t v = 1; v < f.variants.size(); ++v) {
    const auto& name = f.variants[v].name;
    const io::Table seg = segment_comparison_table(f.variants[v], f.variants[0], f.r.paired[v - 1]);
    const io::Table cmp =
        comparison_table(f.variants[v], f.variants[0], f.r.paired[v - 1], f.r.variants[v], f.r.variants[0], f.s);
    ASSERT_GT(seg.rows(), 0u);
    const auto wb = weighted(seg, "baseline", "weight_baseline");
    const auto wv = weighted(seg, "variant", "weight_variant");
    for (const auto& [metric, x] : wb) expect_close(x, pooled(cmp, metric, "baseline"), name + " baseline " + metric);
    for (const auto& [metric, x] : wv) expect_close(x, pooled(cmp, metric, "variant"), name + " variant " + metric);
    // Per-customer means: the weights are the customers' shares under both,
    // so the Δs themselves are share-weighted.
    for (const char* metric : {"retention_final", "clv_mean", "cost_mean", "net_value_mean", "walks_per_customer"}) {
      double d = 0;
      for (std::size_t i = 0; i < seg.rows(); ++i)
        if (seg.get_string("metric")[i] == metric)
          d += seg.get_double("weight_baseline")[i] * seg.get_double("delta")[i];
      expect_close(d, pooled(cmp, metric, "delta"), name + " delta " + metric);
    }
  }
}

TEST(EngineSegments, ComparisonGroupsByTheBaselineSegment) {
  const Fixture& f = fixture();
  for (std::size_t v = 1; v < f.variants.size(); ++v) {
    const io::Table seg = segment_comparison_table(f.variants[v], f.variants[0], f.r.paired[v - 1]);
    for (std::size_t i = 0; i < seg.rows(); ++i) {
      const std::size_t g = i / (seg.rows() / 2);
      EXPECT_EQ(seg.get_int64("customers")[i], f.r.variants[0].segment_headline[g].count());
    }
  }
  // The variant that moves customers into `loyal` draws more loyal customers
  // than the baseline, yet its comparison rows cover the baseline's.
  EXPECT_GT(f.r.variants[3].segment_customers[1], f.r.variants[0].segment_customers[1]);
}

TEST(EngineSegments, NoOpVariantIsExactlyZeroInEverySegment) {
  const Fixture& f = fixture();
  const io::Table seg = segment_comparison_table(f.variants[2], f.variants[0], f.r.paired[1]);
  for (std::size_t i = 0; i < seg.rows(); ++i) {
    const double d = seg.get_double("delta")[i];
    if (std::isnan(d)) continue;
    EXPECT_EQ(d, 0.0) << seg.get_string("metric")[i];
    EXPECT_EQ(seg.get_double("se")[i], 0.0) << seg.get_string("metric")[i];
  }
  // And the friction fix changes NPS in some segment with a finite paired SE.
  const io::Table fix = segment_comparison_table(f.variants[1], f.variants[0], f.r.paired[0]);
  bool moved = false;
  for (std::size_t i = 0; i < fix.rows(); ++i)
    if (fix.get_string("metric")[i] == "nps_true") {
      EXPECT_GT(fix.get_double("se")[i], 0.0);
      moved = moved || fix.get_double("ci_low")[i] > 0;
    }
  EXPECT_TRUE(moved);
}

// A metric's row of a long per-segment table.
double seg_value(const io::Table& t, const std::string& segment, const std::string& metric, const char* column) {
  for (std::size_t i = 0; i < t.rows(); ++i)
    if (t.get_string("segment")[i] == segment && t.get_string("metric")[i] == metric) return t.get_double(column)[i];
  ADD_FAILURE() << "no row " << segment << " " << metric;
  return std::nan("");
}

TEST(EngineSegments, MoneyPerSegmentAddsUpToThePooledMoney) {
  const Fixture& f = fixture();
  RunSettings s = f.s;
  s.customer_base = 250000;
  s.currency = "EUR";
  const model::CompiledModel& m = f.variants[0].model;
  for (std::size_t v = 0; v < f.variants.size(); ++v) {
    const PairedAccumulator* paired = v == 0 ? nullptr : &f.r.paired[v - 1];
    const io::Table seg = segment_money_table(f.variants[v], f.r.variants[v], paired, s);
    ASSERT_EQ(seg.rows(), m.segments.size() * (v == 0 ? 6u : 12u));
    const io::Table summary = variant_tables(f.variants[v], f.r.variants[v]).summary;
    // Levels: Σ_s total = base × the pooled per-customer mean; the
    // segments' parts of the base add up to the base.
    for (const auto& [item, metric] : std::map<std::string, std::string>{
             {"value", "clv_mean"}, {"cost", "cost_mean"}, {"net_value", "net_value_mean"}}) {
      double total = 0, of = 0;
      for (const auto& g : m.segments) {
        total += seg_value(seg, g.id, item + "_total", "estimate");
        EXPECT_GT(seg_value(seg, g.id, item + "_total", "se"), 0.0) << item;
      }
      for (std::size_t i = 0; i < seg.rows(); ++i)
        if (seg.get_string("metric")[i] == item + "_total") of += seg.get_double("base_customers")[i];
      expect_close(total, 250000 * pooled(summary, metric, "estimate"), f.variants[v].name + " " + item);
      expect_close(of, 250000, "base");
    }
    // The per-customer rows are the per-segment summary's.
    const io::Table ss = segment_summary_table(f.variants[v], f.r.variants[v]);
    for (const auto& g : m.segments)
      EXPECT_EQ(seg_value(seg, g.id, "net_value_per_customer", "estimate"),
                seg_value(ss, g.id, "net_value_mean", "estimate"));
    if (v == 0) continue;
    // Δ: Σ_s Δ total = /money's net_value_delta_total; the per-customer Δ
    // rows are the per-segment comparison's (same bits).
    const MoneyTables money = money_tables(f.variants[v], f.variants[0], f.r.paired[v - 1], s);
    const io::Table cmp = segment_comparison_table(f.variants[v], f.variants[0], f.r.paired[v - 1]);
    double d = 0;
    for (const auto& g : m.segments) {
      d += seg_value(seg, g.id, "net_value_delta_total", "estimate");
      EXPECT_EQ(seg_value(seg, g.id, "net_value_delta_per_customer", "estimate"),
                seg_value(cmp, g.id, "net_value_mean", "delta"));
      EXPECT_EQ(seg_value(seg, g.id, "net_value_delta_per_customer", "se"),
                seg_value(cmp, g.id, "net_value_mean", "se"));
      EXPECT_EQ(seg_value(seg, g.id, "cost_delta_per_customer", "estimate"),
                seg_value(cmp, g.id, "cost_mean", "delta"));
    }
    expect_close(d, find_metric(money.summary, "net_value_delta_total").estimate, f.variants[v].name + " Δ total");
    if (f.variants[v].name == "noop") {
      for (std::size_t i = 0; i < seg.rows(); ++i)
        if (seg.get_string("metric")[i].find("_delta_") != std::string::npos) {
          EXPECT_EQ(seg.get_double("estimate")[i], 0.0);
          EXPECT_EQ(seg.get_double("se")[i], 0.0);
        }
    }
  }
}

// The SE of a segment's part of a total, against the per-customer records:
// the mean of z_i = 1[i in s]·y_i over every customer, times the base.
TEST(EngineSegments, MoneyPerSegmentSeIsTheCustomerLevelSe) {
  const Fixture& f = fixture();
  RunSettings s = f.s;
  s.customers = 3000;
  s.chunk_size = 3000;
  s.customer_base = 1000;
  const std::vector<Variant> two = {f.variants[0], f.variants[1]};
  const ChunkResult c = run_chunk(two, s, 0, true);
  RunResult r = merge_in_order(two, s, {c});
  const io::Table seg = segment_money_table(two[1], r.variants[1], &r.paired[0], s);
  const double n = 3000;
  for (std::size_t g = 0; g < two[0].model.segments.size(); ++g) {
    double sz = 0, szz = 0, sd = 0, sdd = 0;
    for (std::size_t i = 0; i < c.customers[0].size(); ++i) {
      const auto& b = c.customers[0][i];
      const auto& x = c.customers[1][i];
      const double z = x.segment == static_cast<int>(g) ? x.clv - x.cost : 0.0;
      sz += z;
      szz += z * z;
      const double dz = b.segment == static_cast<int>(g) ? (x.clv - x.cost) - (b.clv - b.cost) : 0.0;
      sd += dz;
      sdd += dz * dz;
    }
    const std::string id = two[0].model.segments[g].id;
    auto check = [&](const char* metric, double sum, double sum_sq) {
      const double mean = sum / n, se = std::sqrt((sum_sq - sum * mean) / (n - 1) / n);
      EXPECT_NEAR(seg_value(seg, id, metric, "estimate"), 1000 * mean, 1e-9 * std::fabs(1000 * mean)) << metric;
      EXPECT_NEAR(seg_value(seg, id, metric, "se"), 1000 * se, 1e-6 * 1000 * se) << metric;
    };
    check("net_value_total", sz, szz);
    check("net_value_delta_total", sd, sdd);
  }
}

// Per-segment periods, touchpoints and outcomes: the segments' counts and
// sums add up to the pooled tables exactly (sums of money to rounding), and
// each segment's retention curve is the share of its customers alive.
TEST(EngineSegments, PeriodsTouchpointsAndOutcomesAddUpToThePooledTables) {
  const Fixture& f = fixture();
  const model::CompiledModel& m = f.variants[0].model;
  for (std::size_t v = 0; v < f.variants.size(); ++v) {
    const auto& acc = f.r.variants[v];
    const VariantTables pooled_t = variant_tables(f.variants[v], acc);
    const SegmentTables st = segment_tables(f.variants[v], acc);
    const std::size_t S = m.segments.size(), P = static_cast<std::size_t>(f.s.periods);
    ASSERT_EQ(st.periods.rows(), S * P);
    ASSERT_EQ(st.touchpoints.rows(), S * m.num_touchpoints());
    ASSERT_EQ(st.outcomes.rows(), S * (m.num_outcomes() + 1));
    // Periods: rows by segment, then period.
    for (std::size_t t = 0; t < P; ++t) {
      double active = 0, respondents = 0, value = 0, cost = 0, churned_alive = 0;
      std::vector<double> kind_walks(m.num_kinds(), 0.0);
      for (std::size_t g = 0; g < S; ++g) {
        const std::size_t r = g * P + t;
        EXPECT_EQ(st.periods.get_int64("period")[r], static_cast<std::int64_t>(t + 1));
        EXPECT_EQ(st.periods.get_string("segment")[r], m.segments[g].id);
        const double n_s = static_cast<double>(st.periods.get_int64("customers")[r]);
        EXPECT_EQ(n_s, acc.segment_customers[g]);
        active += st.periods.get_double("active")[r];
        respondents += st.periods.get_double("respondents")[r];
        value += st.periods.get_double("value_mean")[r] * n_s;
        cost += st.periods.get_double("cost_mean")[r] * n_s;
        churned_alive += st.periods.get_double("alive")[r] * n_s;
        for (std::size_t k = 0; k < m.num_kinds(); ++k)
          kind_walks[k] += st.periods.get_double("share_" + m.kinds[k])[r] * st.periods.get_double("active")[r];
        // The segment's NPS is over its own walkers.
        const PeriodAcc& sp = acc.segment_periods[g][t];
        expect_close(st.periods.get_double("nps_true")[r], 100 * (sp.promoters - sp.detractors) / (sp.active - sp.idle),
                     "segment NPS");
      }
      EXPECT_EQ(active, pooled_t.periods.get_double("active")[t]) << "period " << t;
      EXPECT_EQ(respondents, pooled_t.periods.get_double("respondents")[t]) << "period " << t;
      const double n = static_cast<double>(acc.headline.count());
      expect_close(value, pooled_t.periods.get_double("value_mean")[t] * n, "value");
      expect_close(cost, pooled_t.periods.get_double("cost_mean")[t] * n, "cost");
      // Survival: Σ_s alive_s × n_s = the pooled alive × n (counts).
      expect_close(churned_alive, pooled_t.survival[t + 1] * n, "alive");
      for (std::size_t k = 0; k < m.num_kinds(); ++k)
        expect_close(kind_walks[k], pooled_t.periods.get_double("share_" + m.kinds[k])[t] * active, m.kinds[k]);
    }
    // The last period's alive share is the per-segment retention_final.
    const io::Table ss = segment_summary_table(f.variants[v], acc);
    for (std::size_t g = 0; g < S; ++g)
      expect_close(st.periods.get_double("alive")[g * P + P - 1],
                   seg_value(ss, m.segments[g].id, "retention_final", "estimate"), "retention");
    // Touchpoints: visits add up exactly; the per-walk rates reconstruct with
    // the segments' walks.
    for (std::size_t k = 0; k < m.num_touchpoints(); ++k) {
      double visits = 0, per_walk = 0;
      for (std::size_t g = 0; g < S; ++g) {
        const std::size_t r = g * m.num_touchpoints() + k;
        EXPECT_EQ(st.touchpoints.get_string("touchpoint")[r], m.touchpoint_ids[k]);
        visits += st.touchpoints.get_double("visits")[r];
        per_walk += st.touchpoints.get_double("visits_per_walk")[r] * acc.segment_headline[g].total(kWalks);
        if (st.touchpoints.get_double("visits")[r] > 1) {
          EXPECT_GT(st.touchpoints.get_double("visits_per_walk_se")[r], 0);
        }
      }
      EXPECT_EQ(visits, acc.touchpoints[k].visits.y);
      expect_close(per_walk / acc.headline.total(kWalks), pooled_t.touchpoints.get_double("visits_per_walk")[k],
                   "visits per walk");
    }
    // Outcomes: walks add up exactly.
    for (std::size_t o = 0; o <= m.num_outcomes(); ++o) {
      double walks = 0;
      for (std::size_t g = 0; g < S; ++g) walks += st.outcomes.get_double("walks")[g * (m.num_outcomes() + 1) + o];
      EXPECT_EQ(walks, pooled_t.outcomes.get_double("walks")[o]);
    }
  }
  // The friction fix (base touchpoints; a segment override keeps its own
  // friction) lowers most segments' friction rates.
  const SegmentTables base = segment_tables(f.variants[0], f.r.variants[0]);
  const SegmentTables fix = segment_tables(f.variants[1], f.r.variants[1]);
  int lower = 0, not_lower = 0;
  for (std::size_t r = 0; r < base.touchpoints.rows(); ++r) {
    if (!(base.touchpoints.get_double("friction_rate")[r] > 0.05)) continue;
    if (fix.touchpoints.get_double("friction_rate")[r] < base.touchpoints.get_double("friction_rate")[r]) ++lower;
    else ++not_lower;
  }
  EXPECT_GT(lower, 2 * not_lower);
}

TEST(EngineSegments, OneSegmentKeepsNoPerSegmentState) {
  const auto spec = testing::spec_from_text(R"(
journey: j
touchpoints:
  a:
    channel: web
    friction: 0.3
    satisfaction: {ok: 1, friction: -2}
    next: {ok: {done: 1}, friction: {lost: 0.5, a: 0.5}}
outcomes:
  done: {kind: converted, value: 10}
  lost: {kind: abandoned}
start: {a: 1}
)");
  const std::vector<Variant> v = {Variant{"baseline", "", model::compile(spec), std::nullopt},
                                  Variant{"same", "", model::compile(spec), std::nullopt}};
  RunSettings s;
  s.customers = 500;
  s.seed = 1;
  const RunResult r = run(v, s);
  EXPECT_TRUE(r.variants[0].segment_headline.empty());
  EXPECT_TRUE(r.paired[0].segment_joint.empty());
  EXPECT_TRUE(r.variants[0].segment_periods.empty());
  EXPECT_EQ(segment_tables(v[0], r.variants[0]).periods.rows(), 0u);
  EXPECT_EQ(segment_summary_table(v[0], r.variants[0]).rows(), 0u);
  EXPECT_EQ(segment_comparison_table(v[1], v[0], r.paired[0]).rows(), 0u);
  EXPECT_EQ(segment_money_table(v[1], r.variants[1], &r.paired[0], s).rows(), 0u);
}

}  // namespace
}  // namespace cxsim::engine
