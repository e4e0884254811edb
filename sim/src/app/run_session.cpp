#include "cxsim/app/run_session.h"

#include <chrono>

#include "cxsim/app/portfolio.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/threads.h"
#include "cxsim/engine/event_log.h"
#include "cxsim/engine/results_file.h"

namespace cxsim::app {

PreparedRun load_run(const RunRequest& r) {
  PreparedRun p;
  p.overrides = r.overrides;
  p.overrides.threads = core::threads_or_all_cores(r.overrides.threads);
  p.customers_out = r.customers_out || r.customer_periods;  // --customer-periods implies it
  p.plan = plan_from_file(r.input, p.overrides, r.command_line);
  decide_analytics(p.plan, p.overrides);
  return p;
}

void check_run(PreparedRun& p, const RunRequest& r, bool distributed, const std::atomic<int>* stop) {
  // The trajectory table is streamed by this process's writer only.
  if (r.customer_periods && !r.chunks.empty())
    throw core::InputError(
        "--customer-periods: not available with --chunks (a partial run's parts keep no "
        "per-period rows); run without --chunks, or use --customers-out alone");
  if (r.customer_periods && distributed)
    throw core::InputError(
        "--customer-periods: not available in a distributed (mpirun) run; run in one process, or "
        "use --customers-out alone");
  if (!r.chunks.empty()) {
    p.range = parse_chunk_range(r.chunks);
    check_partial_plan(p.plan, p.overrides, *p.range, !r.events_out.empty());
    engine::RunHooks search;
    search.stop = stop;
    search_portfolio(p.plan, search);
  }
  p.out = run_output_path(r.input, r.output, p.range);
  // The output rules (core/atomic_output.h) up front, before simulating.
  check_run_outputs(p.plan, r.input, p.out, r.events_out, r.output_options);
}

FinishedRun run_whole(PreparedRun& p, const RunRequest& r, const RunCallbacks& cb) {
  RunPlan& plan = p.plan;
  const std::vector<engine::Variant> named(plan.variants.begin(),
                                           plan.variants.begin() + static_cast<long>(plan.named));
  engine::ResultsWriter writer(p.out, plan.provenance, named, plan.settings, p.customers_out, r.customer_periods);
  write_run_attributes(writer, plan, cb.mpi_ranks);
  engine::RunHooks hooks;
  hooks.progress = cb.progress;
  hooks.customer_records = p.customers_out;
  hooks.customer_periods = r.customer_periods;
  hooks.stop = cb.stop;
  std::optional<engine::EventLogWriter> events;
  if (!r.events_out.empty()) events.emplace(r.events_out);
  hooks.event_log = events.has_value();
  hooks.on_chunk = [&](const engine::ChunkResult& c) {
    writer.on_chunk(c);
    if (events) events->append(c.events_csv, c.surveys_csv);
  };
  FinishedRun f;
  const auto t0 = std::chrono::steady_clock::now();
  f.result = cb.execute ? cb.execute(plan, hooks) : execute(plan, hooks, &f.precision);
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (cb.simulated) cb.simulated();
  if (plan.uncertainty_draws > 0) {
    engine::RunHooks uh;
    uh.progress = cb.draw_progress;
    uh.stop = cb.stop;
    f.uncertainty = execute_uncertainty(plan, f.result, uh, cb.draw_runner);
    if (cb.drawn) cb.drawn();
  }
  write_all(writer, plan, f.result, f.precision);
  write_uncertainty(writer, plan, f.result, f.uncertainty);
  // A signal that arrived after the last chunk still stops before any
  // output is renamed into place.
  if (cb.stop != nullptr && cb.stop->load() != 0) throw core::Interrupted(cb.stop->load());
  // The outputs commit together: the event log's files are complete and
  // flushed before the results file is committed, and renamed right after.
  if (events) {
    std::vector<double> survivors;
    double alive = static_cast<double>(plan.settings.customers);
    survivors.push_back(alive);
    for (const auto& period : f.result.variants[0].periods) survivors.push_back(alive -= period.churned);
    events->prepare(survivors);
  }
  writer.commit();
  if (events) events->commit();

  for (const auto& v : f.result.variants) {
    f.walks += v.headline.total(engine::kWalks);
    f.steps += v.headline.total(engine::kSteps);
  }
  for (std::size_t v = 0; v < plan.named; ++v) {
    const auto& m = plan.variants[v].model;
    f.timeout_walks.push_back(
        f.result.variants[v].headline.total(engine::kFirstKind + static_cast<int>(m.timeout_kind())));
  }
  return f;
}

}  // namespace cxsim::app
