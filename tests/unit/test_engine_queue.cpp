// Queues with capacity (docs/methods/queues.md): Erlang C in its stable
// form, the utilisation check (at the `capacity` line, naming queue and
// period), determinism across thread counts, and journeys without
// `capacity` left alone.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cxsim/core/errors.h"
#include "cxsim/engine/queue.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "journey_fixtures.h"

namespace cxsim {
namespace {

// log of the Erlang C numerator and denominator terms, for large c.
double erlang_c_logspace(int c, double a) {
  std::vector<double> lt;  // log(a^k / k!)
  for (int k = 0; k < c; ++k) lt.push_back(k * std::log(a) - std::lgamma(k + 1.0));
  const double ltop = c * std::log(a) - std::lgamma(c + 1.0) + std::log(c / (c - a));
  double mx = ltop;
  for (double x : lt) mx = std::max(mx, x);
  double sum = 0;
  for (double x : lt) sum += std::exp(x - mx);
  const double top = std::exp(ltop - mx);
  return top / (sum + top);
}

TEST(ErlangC, SmallAndLargeServerCounts) {
  EXPECT_DOUBLE_EQ(engine::erlang_c(1, 0.5), 0.5);  // M/M/1: P(wait) = ρ
  EXPECT_NEAR(engine::erlang_c(2, 1.0), 1.0 / 3.0, 1e-15);
  EXPECT_NEAR(engine::erlang_c(3, 2.5), 15.625 / 22.25, 1e-14);
  EXPECT_EQ(engine::erlang_c(3, 0.0), 0.0);
  EXPECT_EQ(engine::erlang_c(3, 3.0), 1.0);
  // Thousands of servers: factorials and powers overflow; the recursion does not.
  for (auto [c, a] : std::vector<std::pair<int, double>>{{500, 480.0}, {5000, 4950.0}, {100000, 99500.0}}) {
    const double x = engine::erlang_c(c, a);
    ASSERT_TRUE(std::isfinite(x));
    EXPECT_NEAR(x, erlang_c_logspace(c, a), 1e-10 * std::max(1.0, x)) << c;
  }
  // More servers, less waiting.
  EXPECT_LT(engine::erlang_c(6, 4.0), engine::erlang_c(5, 4.0));
}

std::string journey(int servers, double base) {
  return "journey: q\nstart: {phone: 1.0}\ntouchpoints:\n  phone:\n    channel: phone\n"
         "    capacity: {servers: " +
         std::to_string(servers) +
         ", service: {exponential: {mean: 2}}, period_length: 100}\n"
         "    next: {done: 1}\noutcomes:\n  done: {kind: resolved}\n"
         "segments:\n  all: {share: 1, retention: {alpha: 1, beta: 3}}\n"
         "population: {customers: 3000, customer_base: " +
         std::to_string(base) + "}\n";
}

TEST(Queue, UtilisationAtLeastOneIsRefusedAtTheLine) {
  // 120 arrivals × 2 / 100 = 2.4 Erlangs for 2 servers in period 1.
  std::vector<engine::Variant> v = {{"baseline", "", model::compile(testing::spec_from_text(journey(2, 120))), {}}};
  engine::RunSettings s;
  s.customers = 100;
  s.customer_base = 120;
  try {
    engine::run(v, s);
    FAIL() << "expected an InputError";
  } catch (const core::InputError& e) {
    ASSERT_EQ(e.diagnostics().items().size(), 1u);
    const auto& d = e.diagnostics().items()[0];
    EXPECT_EQ(d.key_path, "phone.capacity");
    EXPECT_EQ(d.loc.line, 6);
    EXPECT_NE(d.message.find("queue 'phone' is overloaded in period 1"), std::string::npos) << d.message;
    EXPECT_NE(d.message.find("utilisation 1.2 >= 1"), std::string::npos) << d.message;
  }
}

TEST(Queue, LaterPeriodsFollowTheActivePopulation) {
  // 90 arrivals in period 1 (a = 1.8 of 2 servers), fewer as customers churn:
  // E[alive at t] = Π (3 + j)/(4 + j).
  std::vector<engine::Variant> v = {{"baseline", "", model::compile(testing::spec_from_text(journey(2, 90))), {}}};
  engine::RunSettings s;
  s.customers = 100;
  s.customer_base = 90;
  s.periods = 3;
  const auto q = engine::solve_queues(v[0], s);
  EXPECT_NEAR(q.queue[0][0].arrivals, 90.0, 1e-12);
  EXPECT_NEAR(q.queue[0][1].arrivals, 90.0 * 3 / 4, 1e-12);
  EXPECT_NEAR(q.queue[0][2].arrivals, 90.0 * 3 / 4 * 4 / 5, 1e-12);
  EXPECT_GT(q.queue[0][0].mean_wait, q.queue[0][1].mean_wait);
  EXPECT_GT(q.queue[0][1].mean_wait, q.queue[0][2].mean_wait);
  const auto t = engine::queue_table(v[0].model, q);
  EXPECT_EQ(t.rows(), 3u);
  EXPECT_EQ(t.get_int64("period")[2], 3);
}

TEST(Queue, SameBitsForAnyThreadCount) {
  std::vector<engine::Variant> v = {{"baseline", "", model::compile(testing::spec_from_text(journey(2, 90))), {}}};
  engine::RunSettings s;
  s.customers = 6000;
  s.customer_base = 90;
  s.periods = 2;
  s.chunk_size = 500;
  s.threads = 1;
  const auto one = engine::variant_tables(v[0], engine::run(v, s).variants[0]).summary;
  s.threads = 3;
  const auto three = engine::variant_tables(v[0], engine::run(v, s).variants[0]).summary;
  EXPECT_TRUE(one == three);
  // The wait is in the journey time.
  EXPECT_GT(engine::find_metric(one, "time_mean").estimate, 0.0);
}

TEST(Queue, JourneyWithoutCapacityIsNotCopied) {
  const std::string yaml =
      "journey: q\nstart: {web: 1.0}\ntouchpoints:\n  web:\n    channel: web\n    next: {done: 1}\n"
      "outcomes:\n  done: {kind: resolved}\n";
  std::vector<engine::Variant> v = {{"baseline", "", model::compile(testing::spec_from_text(yaml)), {}}};
  engine::RunSettings s;
  std::vector<engine::Variant> storage;
  EXPECT_EQ(&engine::with_queues(v, s, storage), &v);
  EXPECT_TRUE(storage.empty());
  EXPECT_EQ(v[0].model.segments[0].tp[0].queue, -1);
}

// Near saturation with patience and retries (a damped fixed-point iteration
// failed to converge here): the solved load satisfies its fixed point in
// every period, the arrivals being 0.7·N·alive_t / (1 − 0.3·abandonment).
TEST(Queue, PatienceNearSaturationSettles) {
  const std::string yaml = R"(journey: phoneq
start: {phone: 0.7, app: 0.3}
touchpoints:
  phone:
    channel: phone
    duration: {exponential: {mean: 0.05}}
    patience: {exponential: {mean: 0.3}}
    capacity: {servers: 4, service: {exponential: {mean: 0.1}}, period_length: 10}
    next: {ok: {done: 1}, friction: {phone: 0.3, lost: 0.7}}
  app:
    channel: app
    next: {done: 1}
outcomes:
  done: {kind: resolved}
  lost: {kind: abandoned}
segments:
  all: {share: 1, retention: {alpha: 2, beta: 6}}
)";
  std::vector<engine::Variant> v = {{"baseline", "", model::compile(testing::spec_from_text(yaml)), {}}};
  engine::RunSettings s;
  s.customers = 100;
  s.customer_base = 500;
  s.periods = 4;
  const auto q = engine::solve_queues(v[0], s);
  double alive = 1.0;
  for (int t = 0; t < 4; ++t) {
    const auto& r = q.queue[0][static_cast<std::size_t>(t)];
    EXPECT_LT(r.utilisation, 1.0);
    EXPECT_GT(r.abandonment, 0.0);
    EXPECT_NEAR(r.arrivals, 500 * alive * 0.7 / (1 - 0.3 * r.abandonment), 1e-8 * r.arrivals) << t;
    EXPECT_NEAR(r.offered_load, r.arrivals * r.served * 0.1 / 10, 1e-12 * r.offered_load);
    alive *= (6.0 + t) / (8.0 + t);
  }
  EXPECT_GT(q.queue[0][0].mean_wait, q.queue[0][3].mean_wait);
}

}  // namespace
}  // namespace cxsim

namespace cxsim {
namespace {

// /queues sensitivities (docs/methods/queues.md, "Sensitivities"): one more
// server is the Erlang C wait with c + 1 servers minus the wait; dE[W]/dλ
// matches a re-solve with 0.1% more and fewer customers (λ ∝ customer_base without
// patience), and the closed-form derivative of the M/M/1 wait ρ·E[S]/(1 − ρ).
TEST(Queue, MeanWaitSensitivities) {
  const auto solve = [](int servers, double base) {
    std::vector<engine::Variant> v = {
        {"baseline", "", model::compile(testing::spec_from_text(journey(servers, base))), {}}};
    engine::RunSettings s;
    s.customers = 100;
    s.customer_base = base;
    s.periods = 1;
    return engine::solve_queues(v[0], s).queue[0][0];
  };
  const auto r = solve(3, 120);  // λ = 120, a = 120·2/100 = 2.4
  const auto more = solve(4, 120);
  EXPECT_NEAR(r.d_wait_d_servers, more.mean_wait - r.mean_wait, 1e-14);
  EXPECT_LT(r.d_wait_d_servers, 0.0);
  const auto up = solve(3, 120.12), down = solve(3, 119.88);
  const double fd = (up.mean_wait - down.mean_wait) / (up.arrivals - down.arrivals);
  EXPECT_GT(r.d_wait_d_arrivals, 0.0);
  EXPECT_NEAR(r.d_wait_d_arrivals, fd, 1e-4 * fd);
  // M/M/1: E[W] = ρ·E[S]/(1 − ρ), ρ = λ·E[S]/L, so dE[W]/dλ = E[S]²/(L·(1 − ρ)²).
  const auto one = solve(1, 30);  // ρ = 0.6
  EXPECT_NEAR(one.mean_wait, 0.6 * 2 / 0.4, 1e-12);
  EXPECT_NEAR(one.d_wait_d_arrivals, 4.0 / (100 * 0.16), 1e-6);
  // The table carries both columns.
  std::vector<engine::Variant> v = {{"baseline", "", model::compile(testing::spec_from_text(journey(3, 120))), {}}};
  engine::RunSettings s;
  s.customer_base = 120;
  const auto t = engine::queue_table(v[0].model, engine::solve_queues(v[0], s));
  EXPECT_DOUBLE_EQ(t.get_double("d_mean_wait_d_servers")[0], r.d_wait_d_servers);
  EXPECT_DOUBLE_EQ(t.get_double("d_mean_wait_d_arrivals")[0], r.d_wait_d_arrivals);
}

}  // namespace
}  // namespace cxsim
