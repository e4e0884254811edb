// Queues with capacity (MODEL.md section 11, "Capacity"; docs/methods/queues.md):
// one queue with exponential service and fixed arrivals. The engine's mean
// wait and P(wait > 0) equal Erlang C within 4 SE (fixed seed); a scenario
// that adds a server lowers both; a scenario that shifts 20% of the queue's
// arrivals to the app lowers the wait of those who still queue; with
// patience the engine's abandonment matches the solved fixed point.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/app/run_plan.h"
#include "cxsim/core/errors.h"
#include "cxsim/engine/queue.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "journey_fixtures.h"

namespace cxsim {
namespace {

std::filesystem::path write_input(const std::string& name, const std::string& text) {
  const auto d = std::filesystem::temp_directory_path() / ("cxsim_stat_queue_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  std::ofstream(d / name, std::ios::binary) << text;
  return d / name;
}

// Textbook Erlang C with factorials (independent of engine::erlang_c).
double erlang_c_textbook(int c, double a) {
  double sum = 0, term = 1;  // a^k / k!
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term * c / (c - a);  // a^c/c! · c/(c − a)
  return top / (sum + top);
}

// λ = customer_base · P(start = phone) arrivals per period, a = λ · 1 / 400.
std::string journey(const std::string& patience = "", const std::string& friction_next = "") {
  return std::string(R"(journey: queue
start: {phone: 1.0}
touchpoints:
  phone:
    channel: phone
    capacity: {servers: 3, service: {exponential: {mean: 1}}, period_length: 400}
)") + (patience.empty() ? "" : "    patience: " + patience + "\n") +
         (friction_next.empty() ? "    next: {done: 1}\n"
                                : "    next: {ok: {done: 1}, friction: " + friction_next + "}\n") +
         R"(  app:
    channel: app
    next: {self: 1}
outcomes:
  done: {kind: resolved}
  self: {kind: self_served}
  lost: {kind: abandoned}
population: {customers: 40000, customer_base: 1000, seed: 20261202}
)";
}

const char* kScenario = R"(scenario: queue_whatif
journey: queue.yaml
population: {customers: 40000, customer_base: 1000, seed: 20261202}
variants:
  more_servers:
    changes:
      - {set: phone.capacity.servers, value: 4}
  to_app:
    changes:
      - {set: start, shift: {from: phone, to: app, share: 0.2}}
)";

struct Waits {
  double mean = 0, mean_se = 0, p = 0, p_se = 0;
};

// Per-customer journey time (the queue's wait: durations are 0) of each variant.
std::vector<Waits> simulate(const std::vector<engine::Variant>& variants, const engine::RunSettings& s) {
  std::vector<std::vector<double>> times(variants.size());
  engine::RunHooks h;
  h.customer_records = true;
  h.on_chunk = [&](const engine::ChunkResult& c) {
    for (std::size_t v = 0; v < variants.size(); ++v)
      for (const auto& r : c.customers[v]) times[v].push_back(r.time);
  };
  engine::run(variants, s, h);
  std::vector<Waits> out;
  for (const auto& t : times) {
    double sum = 0, sq = 0, pos = 0;
    for (double x : t) sum += x, sq += x * x, pos += x > 0;
    const double n = static_cast<double>(t.size());
    Waits w;
    w.mean = sum / n;
    w.mean_se = std::sqrt((sq / n - w.mean * w.mean) / (n - 1));
    w.p = pos / n;
    w.p_se = std::sqrt(w.p * (1 - w.p) / n);
    out.push_back(w);
  }
  return out;
}

TEST(Queue, ErlangCAndScenarioChanges) {
  const auto dir = write_input("queue.yaml", journey());
  const auto scen = write_input("scenario.yaml", kScenario);
  app::RunOverrides o;
  o.no_sweeps = true;
  app::RunPlan plan = app::plan_from_file(scen.string(), o, "test");
  ASSERT_EQ(plan.named, 3u);
  const auto& s = plan.settings;

  // The solved model: Erlang C exactly.
  const double a = 1000.0 / 400.0;
  const auto base = engine::solve_queues(plan.variants[0], s);
  ASSERT_EQ(base.queue.size(), 1u);
  const auto& q0 = base.queue[0][0];
  EXPECT_DOUBLE_EQ(q0.arrivals, 1000.0);
  EXPECT_NEAR(q0.offered_load, a, 1e-12);
  EXPECT_NEAR(q0.p_wait, erlang_c_textbook(3, a), 1e-12);
  EXPECT_NEAR(q0.mean_wait, erlang_c_textbook(3, a) / (3 - a), 1e-12);

  const auto w = simulate(plan.variants, s);
  // Baseline: the engine against Erlang C (everyone queues once).
  const double c3 = erlang_c_textbook(3, a), ew3 = c3 / (3 - a);
  EXPECT_LT(std::fabs(w[0].p - c3), 4 * w[0].p_se) << w[0].p << " vs " << c3;
  EXPECT_LT(std::fabs(w[0].mean - ew3), 4 * w[0].mean_se) << w[0].mean << " vs " << ew3;

  // A fourth server: both fall (solved and simulated).
  const auto more = engine::solve_queues(plan.variants[1], s).queue[0][0];
  const double c4 = erlang_c_textbook(4, a);
  EXPECT_NEAR(more.p_wait, c4, 1e-12);
  EXPECT_LT(more.p_wait, q0.p_wait);
  EXPECT_LT(more.mean_wait, q0.mean_wait);
  EXPECT_LT(std::fabs(w[1].p - c4), 4 * w[1].p_se);
  EXPECT_LT(std::fabs(w[1].mean - c4 / (4 - a)), 4 * w[1].mean_se);
  EXPECT_LT(w[1].p + 4 * w[1].p_se, w[0].p - 4 * w[0].p_se);
  EXPECT_LT(w[1].mean + 4 * w[1].mean_se, w[0].mean - 4 * w[0].mean_se);

  // 20% of the arrivals to the app: λ = 800, and the wait of those who still
  // queue (walks ending in `resolved`) falls.
  const auto shifted = engine::solve_queues(plan.variants[2], s).queue[0][0];
  EXPECT_NEAR(shifted.arrivals, 800.0, 1e-9);
  const double a2 = 800.0 / 400.0, c2 = erlang_c_textbook(3, a2);
  EXPECT_NEAR(shifted.mean_wait, c2 / (3 - a2), 1e-12);
  const auto r = engine::run(plan.variants, s);
  const auto t0 = engine::variant_tables(plan.variants[0], r.variants[0]).summary;
  const auto t2 = engine::variant_tables(plan.variants[2], r.variants[2]).summary;
  const auto m0 = engine::find_metric(t0, "time_mean_resolved"), m2 = engine::find_metric(t2, "time_mean_resolved");
  EXPECT_LT(std::fabs(m2.estimate - c2 / (3 - a2)), 4 * m2.se) << m2.estimate;
  EXPECT_LT(m2.estimate + 4 * m2.se, m0.estimate - 4 * m0.se);
}

// Patience feeds back: 1100 arrivals would overload 3 servers (a = 2.75 plus
// the retries of those who give up); giving up (exponential patience, mean
// 0.5) thins the load. The engine's share of give-ups at the queue and its
// visits per walk match the solved fixed point within 4 SE.
TEST(Queue, PatienceFixedPoint) {
  std::string yaml = journey("{exponential: {mean: 0.5}}", "{phone: 0.3, lost: 0.7}");
  yaml.replace(yaml.find("customer_base: 1000"), 19, "customer_base: 1100");
  const auto path = write_input("patience.yaml", yaml);
  app::RunOverrides o;
  app::RunPlan plan = app::plan_from_file(path.string(), o, "test");
  const auto q = engine::solve_queues(plan.variants[0], plan.settings).queue[0][0];
  EXPECT_GT(q.iterations, 2);  // routing evaluations of the root search
  EXPECT_LT(q.utilisation, 1.0);
  EXPECT_GT(q.abandonment, 0.05);
  // The fixed point: λ = N · visits per walk with give-up share g (retries 30%).
  EXPECT_NEAR(q.arrivals, 1100.0 / (1 - 0.3 * q.abandonment), 1e-6 * q.arrivals);
  // served share = P(W <= A) = 1 − C + C·α/(α + m) for exponential patience α.
  EXPECT_NEAR(q.served, 1 - q.p_wait + q.p_wait * 0.5 / (0.5 + q.wait_if_waiting), 1e-12);

  const auto r = engine::run(plan.variants, plan.settings);
  const auto t = engine::variant_tables(plan.variants[0], r.variants[0]);
  const auto& tp = t.touchpoints;
  const auto& ids = tp.get_string("touchpoint");
  std::size_t row = 0;
  while (ids[row] != "phone") ++row;
  const double fr = tp.get_double("friction_rate")[row], fr_se = tp.get_double("friction_rate_se")[row];
  EXPECT_LT(std::fabs(fr - q.abandonment), 4 * fr_se) << fr << " ± " << fr_se << " vs " << q.abandonment;
}

}  // namespace
}  // namespace cxsim

namespace cxsim {
namespace {

// A scenario change that leaves no server is refused at the change's line.
TEST(Queue, ScenarioWithoutServersIsRefused) {
  write_input("queue.yaml", journey());
  const auto scen = write_input("zero.yaml", R"(scenario: zero
journey: queue.yaml
variants:
  none:
    changes:
      - {set: phone.capacity.servers, value: 0}
)");
  try {
    app::plan_from_file(scen.string(), app::RunOverrides{}, "test");
    FAIL() << "expected an InputError";
  } catch (const core::InputError& e) {
    const core::Diagnostic* err = nullptr;
    for (const auto& x : e.diagnostics().items())
      if (x.severity == core::Severity::error && err == nullptr) err = &x;
    ASSERT_NE(err, nullptr) << e.what();
    const auto& d = *err;
    EXPECT_NE(d.message.find("servers must be between 1 and 1000000, got 0"), std::string::npos) << d.format();
    EXPECT_NE(d.loc.file.find("zero.yaml"), std::string::npos) << d.format();
    EXPECT_EQ(d.loc.line, 6) << d.format();
  }
}

}  // namespace
}  // namespace cxsim

namespace cxsim {
namespace {

// The exact analytics include the queue's wait (docs/methods/queues.md, "In
// the exact analytics"): churn makes the wait differ by period (a = 2.5 in
// period 1, 1.5 in period 2, ...), the analytics mix the periods' wait laws by
// the walks, and the engine's journey time, time to resolution and
// satisfaction change (a waiting penalty on D + W) match within 4 SE. Without
// the waits the exact time is far off (the test can fail).
TEST(Queue, ExactExpectationsIncludeTheWait) {
  const auto path = write_input("time.yaml", R"(journey: queue_time
start: {phone: 1.0}
retention: {alpha: 2, beta: 3}
touchpoints:
  phone:
    channel: phone
    friction: 0.2
    duration: {ok: {exponential: {mean: 0.5}}, friction: {gamma: {mean: 1, sd: 0.5}}}
    waiting: {tolerance: 0.3, satisfaction_per_unit: -0.5}
    capacity: {servers: 3, service: {exponential: {mean: 1}}, period_length: 400}
    next: {ok: {done: 1}, friction: {app: 0.5, phone: 0.5}}
  app:
    channel: app
    duration: {fixed: 0.1}
    next: {done: 1}
outcomes:
  done: {kind: resolved}
population: {customers: 20000, periods: 3, customer_base: 900, seed: 7}
)");
  app::RunPlan plan = app::plan_from_file(path.string(), app::RunOverrides{}, "test");
  const engine::Variant& v = plan.variants[0];
  const auto q = engine::solve_queues(v, plan.settings);
  ASSERT_EQ(q.queue[0].size(), 3u);
  EXPECT_NEAR(q.queue[0][0].offered_load, 2.5, 1e-9);
  EXPECT_GT(q.queue[0][0].mean_wait, 2 * q.queue[0][1].mean_wait);

  analytics::AnalyzeOptions opt;
  opt.periods = plan.settings.periods;
  opt.queue_waits = engine::analytics_queue_waits(v.model, q);
  const auto a = analytics::analyze(v.model, opt);
  analytics::AnalyzeOptions none = opt;
  none.queue_waits.clear();
  const auto a0 = analytics::analyze(v.model, none);
  ASSERT_TRUE(a.run.pooled_exact);
  const auto& ex = a.run.pooled;

  const auto r = engine::run(plan.variants, plan.settings);
  const auto t = engine::variant_tables(v, r.variants[0]).summary;
  const auto near = [&](const std::string& name, double exact) {
    const auto e = engine::find_metric(t, name);
    EXPECT_LT(std::fabs(e.estimate - exact), 4 * e.se)
        << name << ": " << e.estimate << " ± " << e.se << " vs " << exact;
    return e;
  };
  const auto tm = near("time_mean", ex.time);
  std::size_t resolved = 0;
  while (v.model.kinds[resolved] != "resolved") ++resolved;
  near("time_mean_resolved", analytics::time_to_resolution(ex, resolved));
  const auto sat = near("satisfaction_change_mean", ex.satisfaction_change);
  EXPECT_GT(std::fabs(tm.estimate - a0.run.pooled.time), 10 * tm.se);
  EXPECT_GT(std::fabs(sat.estimate - a0.run.pooled.satisfaction_change), 10 * sat.se);
}

// Patience at a queue (docs/methods/queues.md, "Patience with a queue in the
// exact analytics"): the visit gives up when D + W > A. For each patience
// family (and every duration family among the four cases), three periods of
// churn (so the periods' waits differ and the analytics mix the periods'
// chains) and a give-up that retries the queue (patience feeding back), the
// engine's per-walk means match the exact analytics within 4 SE; the
// analytics without the wait are far off (the test would fail on the old code,
// which described that visit without its wait).
TEST(Queue, PatienceWithAQueueEveryPatienceFamilyWithinFourStandardErrors) {
  struct Case {
    const char *ok, *fr, *patience;
  };
  const Case cases[] = {
      {"{exponential: {mean: 0.5}}", "{gamma: {mean: 1, sd: 0.5}}", "{fixed: 2}"},
      {"{fixed: 0.4}", "{exponential: {mean: 1}}", "{exponential: {mean: 2}}"},
      {"{gamma: {mean: 0.5, sd: 0.3}}", "{lognormal: {median: 0.8, p90: 1.5}}", "{gamma: {mean: 2, sd: 1}}"},
      {"{lognormal: {median: 0.4, p90: 0.9}}", "{fixed: 1}", "{lognormal: {median: 1.5, p90: 4}}"},
  };
  int n = 0;
  for (const auto& c : cases) {
    const std::string yaml = std::string(R"(journey: queue_patience
start: {phone: 1.0}
retention: {alpha: 2, beta: 3}
touchpoints:
  phone:
    channel: phone
    friction: 0.2
    duration: {ok: )") + c.ok +
                             ", friction: " + c.fr + R"(}
    waiting: {tolerance: 0.3, satisfaction_per_unit: -0.5}
    patience: )" + c.patience +
                             R"(
    capacity: {servers: 3, service: {exponential: {mean: 1}}, period_length: 400}
    next: {ok: {done: 1}, friction: {app: 0.5, phone: 0.3, lost: 0.2}}
  app:
    channel: app
    duration: {fixed: 0.1}
    next: {done: 1}
outcomes:
  done: {kind: resolved}
  lost: {kind: abandoned}
population: {customers: 20000, periods: 3, customer_base: 900, seed: 11}
)";
    const auto path = write_input("patience_queue_" + std::to_string(n++) + ".yaml", yaml);
    app::RunPlan plan = app::plan_from_file(path.string(), app::RunOverrides{}, "test");
    const engine::Variant& v = plan.variants[0];
    const auto q = engine::solve_queues(v, plan.settings);
    ASSERT_EQ(q.queue[0].size(), 3u);
    EXPECT_GT(q.queue[0][0].p_wait, 0.3) << c.patience;
    EXPECT_GT(q.queue[0][0].wait_if_waiting, 1.1 * q.queue[0][2].wait_if_waiting) << c.patience;

    analytics::AnalyzeOptions opt;
    opt.periods = plan.settings.periods;
    opt.queue_waits = engine::analytics_queue_waits(v.model, q);
    const auto a = analytics::analyze(v.model, opt);
    analytics::AnalyzeOptions none = opt;
    none.queue_waits.clear();
    const auto a0 = analytics::analyze(v.model, none);
    ASSERT_TRUE(a.run.pooled_exact);
    const auto& ex = a.run.pooled;
    for (const auto& note : a.notes) EXPECT_EQ(note.find("not in the exact"), std::string::npos) << note;

    const auto r = engine::run(plan.variants, plan.settings);
    const auto t = engine::variant_tables(v, r.variants[0]).summary;
    std::size_t lost = 0;
    while (v.model.kinds[lost] != "abandoned") ++lost;
    const auto check = [&](const std::string& name, double exact, double without_wait) {
      const auto e = engine::find_metric(t, name);
      EXPECT_LT(std::fabs(e.estimate - exact), 4 * e.se)
          << c.patience << " " << name << ": " << e.estimate << " ± " << e.se << " vs " << exact;
      return std::fabs(e.estimate - without_wait) / e.se;
    };
    double off = 0;
    off = std::max(off, check("time_mean", ex.time, a0.run.pooled.time));
    off = std::max(off, check("satisfaction_change_mean", ex.satisfaction_change, a0.run.pooled.satisfaction_change));
    off = std::max(off, check("frictions_mean", ex.frictions, a0.run.pooled.frictions));
    off = std::max(off, check("steps_mean", ex.steps, a0.run.pooled.steps));
    off = std::max(off, check("share_abandoned", ex.kind_prob[lost], a0.run.pooled.kind_prob[lost]));
    EXPECT_GT(off, 10.0) << c.patience << ": the wait should matter";
  }
}

}  // namespace
}  // namespace cxsim

namespace cxsim {
namespace {

// A scenario whose variant overloads the queue (3 → 2 servers at a = 2.5) is
// refused by `run` before simulating, at the scenario's change line, naming
// the variant, the queue and the period; a sweep point likewise at the
// sweep's line. (Before: the error pointed at the journey's `capacity` line
// and named no variant.)
TEST(Queue, ScenarioOverloadIsRefusedAtTheScenarioLine) {
  write_input("queue.yaml", journey());
  const auto first_error = [](const std::string& file, const std::string& text) {
    const auto path = write_input(file, text);
    try {
      app::RunOverrides o;
      app::plan_from_file(path.string(), o, "test");
    } catch (const core::InputError& e) {
      for (const auto& x : e.diagnostics().items())
        if (x.severity == core::Severity::error) return x;
    }
    return core::Diagnostic{};
  };
  const auto d = first_error("overload.yaml", R"(scenario: cut
journey: queue.yaml
population: {customers: 1000, customer_base: 1000, seed: 1}
variants:
  fewer:
    changes:
      - {set: start, shift: {from: phone, to: app, share: 0.1}}
      - {set: phone.capacity.servers, value: 2}
)");
  EXPECT_NE(d.loc.file.find("overload.yaml"), std::string::npos) << d.format();
  EXPECT_EQ(d.loc.line, 8) << d.format();
  EXPECT_EQ(d.key_path, "phone.capacity.servers") << d.format();
  EXPECT_EQ(d.message.rfind("in variant 'fewer': queue 'phone' is overloaded in period 1: utilisation 1.125 >= 1", 0),
            0u)
      << d.format();
  const auto s = first_error("sweep.yaml", R"(scenario: sweep
journey: queue.yaml
population: {customers: 1000, customer_base: 1000, seed: 1}
sweeps:
  servers: {set: phone.capacity.servers, values: [4, 2]}
)");
  EXPECT_NE(s.loc.file.find("sweep.yaml"), std::string::npos) << s.format();
  EXPECT_EQ(s.loc.line, 5) << s.format();
  EXPECT_EQ(s.message.rfind("in sweep 'servers' = 2: queue 'phone' is overloaded in period 1", 0), 0u) << s.format();
}

}  // namespace
}  // namespace cxsim
