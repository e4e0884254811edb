#pragma once
// Queues with capacity (MODEL.md section 11, "Capacity"; docs/methods/queues.md).
//
// A touchpoint with `capacity: {servers: c, service: DIST, period_length: L}`
// is a queue. Its wait distribution in period t is a deterministic function
// of the model and the run settings (a mean-field model): the expected
// arrivals λ_t = N · Σ_s share_s · P(alive at t)_s · E[p]_s · E[visits to the
// queue per walk]_s, from the exact analytics (analytics::analyze_segment),
// offered as a = λ_t · P(W <= A) · E[service] / L Erlangs to c servers
// (whoever gives up while still waiting takes no service). The wait W is 0
// with probability 1 − C and exponential with mean E[W | W > 0] otherwise,
// C = Erlang C(c, a) and E[W | W > 0] = E[service] / (c − a) for exponential
// service, times (1 + cv²)/2 for other service families (Allen–Cunneen).
// When the queue's touchpoint has `patience`, the visits that give up (D + W
// > A) change the routing and so the load: each period is solved as a fixed
// point. Nothing depends on the simulated sample, so results are bit-identical
// for any number of threads and any chunking.
#include <cstddef>
#include <memory>
#include <vector>

#include "cxsim/analytics/waiting.h"
#include "cxsim/engine/variant.h"
#include "cxsim/io/table.h"

namespace cxsim::engine {

// One queue in one period (model values, not Monte Carlo estimates).
struct QueuePeriod {
  double arrivals = 0;         // λ: expected visits in the period
  double served = 1;           // share of the arrivals that reach a server: P(W <= A) (1 without patience)
  double offered_load = 0;     // a = λ·served·E[S]/L, in Erlangs
  double utilisation = 0;      // a / c
  double p_wait = 0;           // P(W > 0) (Erlang C)
  double wait_if_waiting = 0;  // E[W | W > 0]
  double mean_wait = 0;        // E[W] = p_wait · wait_if_waiting
  double abandonment = 0;      // share of the queue's visits that give up (patience); 0 without patience
  // Sensitivities of mean_wait (finite differences of the analytic queue at
  // the solved served load, the routing and the served share held fixed;
  // docs/methods/queues.md, "Sensitivities"): one more server
  // (E[W] with c + 1 servers − E[W]) and one more arrival per period (dE[W]/dλ).
  double d_wait_d_servers = 0;
  double d_wait_d_arrivals = 0;
  int iterations = 0;  // evaluations of the routing (1 without patience)
};

struct QueueTables {
  double population = 0;  // N: the customers the run stands for
  int periods = 0;
  std::vector<std::vector<QueuePeriod>> queue;  // [queue][period]
};

// Erlang C: P(wait > 0) in an M/M/c queue offered a Erlangs (1 when a >= c),
// from the Erlang B recursion B_k = a·B_{k−1} / (k + a·B_{k−1}) (every term
// in [0, 1]: no factorials, no overflow), C = c·B / (c − a·(1 − B)).
double erlang_c(int servers, double offered_load);

// The population N the load is computed for: RunSettings::customer_base
// when set, else the simulated customers.
double queue_population(const RunSettings& s);

// Solves every queue of the variant for every period of the run. Throws
// core::InputError (located at the touchpoint's `capacity`, naming the queue
// and the period) when a queue's utilisation is >= 1, and core::RuntimeError
// when a fixed point does not converge.
QueueTables solve_queues(const Variant& v, const RunSettings& s);

// True when the variant has queues whose tables are missing or were solved
// for other settings (population, periods).
bool queues_stale(const Variant& v, const RunSettings& s);

// `variants` itself when no variant's queue tables are stale; otherwise a copy
// in `storage` with every stale variant's tables solved, and that copy.
const std::vector<Variant>& with_queues(const std::vector<Variant>& variants, const RunSettings& s,
                                        std::vector<Variant>& storage);

// The solved waits as the exact analytics take them
// (analytics::AnalyzeOptions::queue_waits): for each segment and queue, the
// periods' wait laws weighted by the segment's walks in each period,
// alive_s(t)·E[p]_s normalised over the run's periods (the sBG survival the
// load uses; docs/methods/queues.md, "In the exact analytics").
std::vector<std::vector<analytics::QueueWait>> analytics_queue_waits(const model::CompiledModel& m,
                                                                     const QueueTables& q);

// The /queues/<variant> results table (docs/results-format.md): one row per
// queue and period.
io::Table queue_table(const model::CompiledModel& m, const QueueTables& q);

}  // namespace cxsim::engine
