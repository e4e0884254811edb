// Unit tests of the per-customer kernel on journeys whose answers are known
// without simulation.
#include <gtest/gtest.h>

#include <bit>

#include "bit_compare.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "journey_fixtures.h"

namespace cxsim::engine {
namespace {

const char* kLinear = R"(
journey: linear
start: {a: 1.0}
touchpoints:
  a:
    channel: web
    satisfaction: {ok: 0.5, friction: -1}
    effort: {ok: 1, friction: 3}
    duration: {fixed: 2}
    cost: 1.5
    next: {b: 1.0}
  b:
    channel: phone
    satisfaction: {ok: 0.25, friction: -1}
    effort: {ok: 2, friction: 3}
    duration: {fixed: 3}
    next: {done: 1.0}
outcomes:
  done: {kind: converted, value: 10}
channel_switch: {satisfaction: -0.1, effort: 0.5}
)";

std::vector<Variant> single(const model::JourneySpec& spec) {
  return {Variant{"baseline", "", model::compile(spec), std::nullopt}};
}

TEST(EngineSimulate, DeterministicJourneyGivesExactTotals) {
  auto spec = testing::spec_from_text(kLinear);
  auto variants = single(spec);
  RunSettings s;
  s.customers = 100;
  s.periods = 3;
  s.discount_rate = 0.1;
  RunResult r = run(variants, s);
  const auto& h = r.variants[0].headline;
  EXPECT_EQ(h.count(), 100);
  EXPECT_DOUBLE_EQ(h.mean(kWalks), 3.0);  // nobody churns without retention
  EXPECT_DOUBLE_EQ(h.mean(kEffort), 3 * (1 + 2 + 0.5));
  EXPECT_DOUBLE_EQ(h.mean(kTime), 3 * 5.0);
  EXPECT_DOUBLE_EQ(h.mean(kSwitches), 3.0);
  EXPECT_DOUBLE_EQ(h.mean(kSteps), 6.0);
  EXPECT_NEAR(h.mean(kSatisfactionChange), 3 * (0.5 + 0.25 - 0.1), 1e-12);
  EXPECT_NEAR(h.mean(kClv), 10 * (1 + 1 / 1.1 + 1 / 1.21), 1e-9);
  EXPECT_NEAR(h.mean(kCost), 1.5 * (1 + 1 / 1.1 + 1 / 1.21), 1e-9);
  EXPECT_DOUBLE_EQ(h.mean(kAlive), 1.0);
  EXPECT_DOUBLE_EQ(h.mean(kFirstKind + 0), 3.0);  // converted
  // Zero variance: every standard error is exactly zero.
  auto t = variant_tables(variants[0], r.variants[0]);
  EXPECT_EQ(find_metric(t.summary, "effort_mean").se, 0.0);
  EXPECT_EQ(find_metric(t.summary, "share_converted").estimate, 1.0);
  EXPECT_EQ(t.survival.size(), 4u);
}

TEST(EngineSimulate, MaxStepsEndsInTimeout) {
  auto spec = testing::spec_from_text(R"(
start: {a: 1.0}
max_steps: 5
touchpoints:
  a: {channel: web, next: {a: 0.999999, done: 0.000001}}
outcomes:
  done: {kind: converted}
)");
  auto variants = single(spec);
  RunSettings s;
  s.customers = 50;
  RunResult r = run(variants, s);
  const auto& h = r.variants[0].headline;
  const int timeout_kind = static_cast<int>(variants[0].model.timeout_kind());
  EXPECT_NEAR(h.mean(kFirstKind + timeout_kind), 1.0, 0.05);
  EXPECT_LE(h.mean(kSteps), 5.0);
  auto t = variant_tables(variants[0], r.variants[0]);
  EXPECT_GT(find_metric(t.summary, "share_timeout").estimate, 0.9);
}

TEST(EngineSimulate, NoOpVariantGivesZeroDeltaAndZeroSe) {
  auto spec = testing::spec_from_repo("journeys/retail.yaml");
  std::vector<Variant> variants = {Variant{"baseline", "", model::compile(spec), std::nullopt},
                                   Variant{"same", "", model::compile(spec), std::nullopt}};
  RunSettings s;
  s.customers = 2000;
  s.periods = 4;
  RunResult r = run(variants, s);
  io::Table cmp = comparison_table(variants[1], variants[0], r.paired[0], r.variants[1], r.variants[0], s);
  const auto& d = cmp.get_double("delta");
  const auto& se = cmp.get_double("se");
  const auto& names = cmp.get_string("metric");
  for (std::size_t i = 0; i < cmp.rows(); ++i) {
    if (std::isnan(d[i])) continue;  // e.g. a share with no walks at all
    EXPECT_EQ(d[i], 0.0) << names[i];
    EXPECT_EQ(se[i], 0.0) << names[i];
  }
}

TEST(EngineSimulate, RecoveryProgramTriggersAndCosts) {
  auto spec = testing::spec_from_text(R"(
start: {a: 1.0}
touchpoints:
  a: {channel: web, friction: 1.0, satisfaction: {ok: 0, friction: -2}, next: {done: 1.0}}
outcomes:
  done: {kind: converted}
)");
  RecoveryProgram rp;
  rp.trigger = RecoveryProgram::Trigger::satisfaction_below;
  rp.threshold = -1.0;
  rp.reach = 1.0;
  rp.success = 1.0;
  rp.satisfaction = 1.5;
  rp.cost = 4.0;
  std::vector<Variant> variants = {Variant{"baseline", "", model::compile(spec), std::nullopt},
                                   Variant{"callback", "", model::compile(spec), rp}};
  RunSettings s;
  s.customers = 500;
  RunResult r = run(variants, s);
  EXPECT_DOUBLE_EQ(r.variants[1].headline.mean(kRecoverySucceeded), 1.0);
  EXPECT_DOUBLE_EQ(r.variants[1].headline.mean(kCost), 4.0);
  EXPECT_NEAR(r.variants[1].headline.mean(kSatisfactionChange), -0.5, 1e-12);
  EXPECT_NEAR(r.variants[0].headline.mean(kSatisfactionChange), -2.0, 1e-12);
}

// Waiting and patience (MODEL.md section 11) on fixed durations, where every
// visit's answer is known.
std::string timed_queue(const std::string& extra) {
  return R"(
start: {q: 1.0}
touchpoints:
  q:
    channel: phone
    friction: 0.0
    satisfaction: {ok: 1, friction: -1}
    effort: {ok: 1, friction: 4}
    duration: {fixed: 10}
    next: {ok: {done: 1.0}, friction: {lost: 1.0}}
)" + extra +
         R"(
outcomes:
  done: {kind: resolved}
  lost: {kind: abandoned}
)";
}

TEST(EngineSimulate, WaitingPenaltyIsPerUnitBeyondTolerance) {
  // d = 10, t = 4, c = −0.25: S changes by 1 − 0.25·6 on every walk.
  auto variants =
      single(testing::spec_from_text(timed_queue("    waiting: {tolerance: 4, satisfaction_per_unit: -0.25}")));
  RunSettings s;
  s.customers = 200;
  const RunResult r = run(variants, s);
  const auto& h = r.variants[0].headline;
  EXPECT_DOUBLE_EQ(h.mean(kSatisfactionChange), 1 - 0.25 * 6);
  EXPECT_DOUBLE_EQ(h.mean(kTime), 10.0);
  EXPECT_DOUBLE_EQ(h.mean(kFrictions), 0.0);
  // Within tolerance nothing changes.
  auto calm =
      single(testing::spec_from_text(timed_queue("    waiting: {tolerance: 12, satisfaction_per_unit: -0.25}")));
  EXPECT_DOUBLE_EQ(run(calm, s).variants[0].headline.mean(kSatisfactionChange), 1.0);
}

TEST(EngineSimulate, PatienceShorterThanTheWaitGivesUpAsFriction) {
  // D = 10 > A = 6: every visit gives up although friction is 0: a friction
  // visit (satisfaction −1, effort 4) lasting 6, leaving by the friction map;
  // the waiting penalty sees the 6 it lasted (6 − 4 = 2 units).
  auto variants = single(testing::spec_from_text(
      timed_queue("    patience: {fixed: 6}\n    waiting: {tolerance: 4, satisfaction_per_unit: -0.25}")));
  RunSettings s;
  s.customers = 200;
  const RunResult r = run(variants, s);
  const auto& h = r.variants[0].headline;
  EXPECT_DOUBLE_EQ(h.mean(kFrictions), 1.0);
  EXPECT_DOUBLE_EQ(h.mean(kTime), 6.0);
  EXPECT_DOUBLE_EQ(h.mean(kEffort), 4.0);
  EXPECT_DOUBLE_EQ(h.mean(kSatisfactionChange), -1 - 0.25 * 2);
  EXPECT_DOUBLE_EQ(h.mean(kFirstKind + 1), 1.0);  // abandoned
  // A patience of exactly the wait does not give up (D <= A stays).
  auto even = single(testing::spec_from_text(timed_queue("    patience: {fixed: 10}")));
  EXPECT_DOUBLE_EQ(run(even, s).variants[0].headline.mean(kFrictions), 0.0);
}

TEST(EngineSimulate, PatienceThatNeverBitesLeavesEveryOtherDrawAlone) {
  // Patience has its own stream: on the retail journey, a patience far beyond
  // every wait at checkout gives exactly the results without it.
  auto plain = testing::spec_from_repo("journeys/retail.yaml");
  auto patient = plain;
  ASSERT_FALSE(patient.touchpoints.empty());
  for (auto& t : patient.touchpoints) {
    model::DurationSpec never;
    never.kind = model::DurationSpec::Kind::fixed;
    never.a = 1e12;
    t.patience = never;
  }
  RunSettings s;
  s.customers = 2000;
  s.periods = 2;
  auto a = single(plain), b = single(patient);
  const auto ra = run(a, s), rb = run(b, s);
  const auto ta = variant_tables(a[0], ra.variants[0]), tb = variant_tables(b[0], rb.variants[0]);
  const auto& ea = ta.summary.get_double("estimate");
  const auto& eb = tb.summary.get_double("estimate");
  ASSERT_EQ(ea.size(), eb.size());
  // Bit for bit (a kind no walk reached is NaN in both).
  for (std::size_t k = 0; k < ea.size(); ++k)
    EXPECT_EQ(std::bit_cast<std::uint64_t>(ea[k]), std::bit_cast<std::uint64_t>(eb[k])) << k;
}

TEST(EngineSimulate, CustomerRecordsMatchHeadline) {
  auto spec = testing::spec_from_repo("journeys/retail.yaml");
  auto variants = single(spec);
  RunSettings s;
  s.customers = 300;
  s.periods = 5;
  s.chunk_size = 64;
  double clv = 0, walks = 0;
  std::uint64_t rows = 0, expected_first = 0;
  RunHooks hooks;
  hooks.customer_records = true;
  hooks.on_chunk = [&](const ChunkResult& c) {
    for (const auto& rec : c.customers[0]) {
      EXPECT_EQ(rec.customer, expected_first++);  // streamed in customer order
      clv += rec.clv;
      walks += rec.walks;
      ++rows;
    }
  };
  RunResult r = run(variants, s, hooks);
  EXPECT_EQ(rows, 300u);
  EXPECT_NEAR(clv, r.variants[0].headline.total(kClv), 1e-6);
  EXPECT_DOUBLE_EQ(walks, r.variants[0].headline.total(kWalks));
}

// The per-customer trajectory (--customer-periods): one row per active
// period, in period order, consistent with the customer's record, and the
// run's accumulators are the same bits with or without it.
TEST(EngineSimulate, CustomerPeriodsAreTheCustomersTrajectory) {
  auto spec = testing::spec_from_repo("journeys/retail.yaml");
  for (auto& g : spec.segments) g.engagement = model::Engagement{0.7, 0, 0};  // idle periods too
  auto variants = single(spec);
  RunSettings s;
  s.customers = 400;
  s.periods = 6;
  s.chunk_size = 128;
  s.seed = 5;
  std::uint64_t idle = 0, walked_total = 0, responded = 0;
  RunHooks hooks;
  hooks.customer_records = true;
  hooks.customer_periods = true;
  hooks.on_chunk = [&](const ChunkResult& c) {
    ASSERT_EQ(c.customer_periods.size(), 1u);
    const auto& rows = c.customer_periods[0];
    std::size_t at = 0;
    for (const auto& rec : c.customers[0]) {
      const int active = rec.churned_period >= 0 ? rec.churned_period + 1 : s.periods;
      int walks = 0, answers = 0, last_nps = -1;
      double value = 0, cost = 0, last_s = std::nan("");
      for (int t = 0; t < active; ++t, ++at) {
        ASSERT_LT(at, rows.size());
        const PeriodRecord& p = rows[at];
        EXPECT_EQ(p.customer, rec.customer);
        EXPECT_EQ(p.period, t);
        EXPECT_EQ(p.churned, t == rec.churned_period);
        if (p.walked) {
          ++walks;
          EXPECT_GE(p.nps, 0);
          EXPECT_TRUE(p.nps_measured == -1 || p.nps_measured == p.nps);
          answers += p.nps_measured >= 0;
          last_nps = p.nps;
          last_s = p.satisfaction;
        } else {
          ++idle;
          EXPECT_EQ(p.nps, -1);
          EXPECT_EQ(p.nps_measured, -1);
          EXPECT_TRUE(std::isnan(p.satisfaction));
          EXPECT_EQ(p.value, 0.0);
        }
        value += p.value;
        cost += p.cost;
      }
      EXPECT_EQ(walks, rec.walks);
      EXPECT_EQ(answers, rec.responses);
      EXPECT_EQ(last_nps, rec.last_nps);
      if (walks > 0 && !std::isnan(last_s) && rows[at - 1].walked) {
        EXPECT_EQ(last_s, rec.satisfaction_final);
      }
      EXPECT_NEAR(value, rec.clv, 1e-9 * std::max(1.0, rec.clv));
      EXPECT_NEAR(cost, rec.cost, 1e-9 * std::max(1.0, rec.cost));
      walked_total += static_cast<std::uint64_t>(walks);
      responded += static_cast<std::uint64_t>(answers);
    }
    EXPECT_EQ(at, rows.size());  // nothing but the customers' active periods
  };
  const RunResult with = run(variants, s, hooks);
  EXPECT_GT(idle, 0u);
  EXPECT_GT(responded, 0u);
  EXPECT_EQ(static_cast<double>(walked_total), with.variants[0].headline.total(kWalks));
  // Without the trajectory: no rows kept, the same accumulators.
  RunHooks plain;
  plain.on_chunk = [](const ChunkResult& c) { EXPECT_TRUE(c.customer_periods.empty()); };
  const RunResult without = run(variants, s, plain);
  EXPECT_TRUE(testing::same_bits(variant_tables(variants[0], with.variants[0]).summary,
                                 variant_tables(variants[0], without.variants[0]).summary));
  EXPECT_TRUE(testing::same_bits(variant_tables(variants[0], with.variants[0]).periods,
                                 variant_tables(variants[0], without.variants[0]).periods));
}

// Issue 15 item 2: a segment with its own start enters there; the others
// keep the journey's start. Every walk of segment `web_only` converts, every
// walk of `phone_first` (start overridden to phone) is lost: the converted
// total is exactly web_only's customer count.
TEST(EngineSimulate, SegmentStartOverrideIsWhereItsWalksBegin) {
  auto spec = testing::spec_from_text(R"(
start: {web: 1.0}
touchpoints:
  web: {channel: web, next: {bought: 1.0}}
  phone: {channel: phone, next: {lost: 1.0}}
outcomes:
  bought: {kind: converted}
  lost: {kind: abandoned}
segments:
  web_only: {share: 0.5}
  phone_first:
    share: 0.5
    overrides:
      start: {phone: 1.0}
)");
  auto variants = single(spec);
  RunSettings s;
  s.customers = 1000;
  s.periods = 2;
  RunResult r = run(variants, s);
  const auto& acc = r.variants[0];
  const double web_only = acc.segment_customers[0];
  EXPECT_GT(web_only, 400);
  EXPECT_LT(web_only, 600);
  EXPECT_DOUBLE_EQ(acc.headline.total(kFirstKind + 0), 2 * web_only);           // converted
  EXPECT_DOUBLE_EQ(acc.headline.total(kFirstKind + 1), 2 * (1000 - web_only));  // abandoned
}

}  // namespace
}  // namespace cxsim::engine
