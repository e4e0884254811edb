#pragma once
// One `cxsim run` from its options to its outputs, shared by the command
// (sim/cli/cmd_run.cpp) and the Python module's run (sim/python/run.cpp), so
// that both check the same things in the same order, with the same words,
// and write the same bits. The front ends only print (or return) what it
// gives them; the distributed run (app/mpi_run.h) plugs its own execution in.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cxsim/app/partial_run.h"
#include "cxsim/app/run_plan.h"

namespace cxsim::app {

// What the user asked for: the options of `cxsim run`.
struct RunRequest {
  std::string input;
  std::string output;      // -o (empty: outputs/<input stem>.h5)
  std::string events_out;  // --events-out DIR (empty: none)
  std::string chunks;      // --chunks A:B (empty: the whole run)
  std::string command_line;
  RunOverrides overrides;         // threads <= 0: every core
  bool customers_out = false;     // --customers-out
  bool customer_periods = false;  // --customer-periods (implies customers_out)
  // How the output options are named in an error ("-o and --events-out").
  std::string output_options = "-o and --events-out";
};

// A request with its plan, checked and ready to run.
struct PreparedRun {
  RunPlan plan;
  RunOverrides overrides;  // the request's, threads resolved
  std::optional<ChunkRange> range;
  std::filesystem::path out;
  bool customers_out = false;  // the request's, or implied by --customer-periods
};

// Loads the plan (plan_from_file, decide_analytics). The front end may say
// the plan's warnings before check_run refuses anything.
PreparedRun load_run(const RunRequest& r);

// What is refused before simulating, in this order: --customer-periods with
// --chunks, or in a distributed run; a bad chunk range or a plan that cannot
// run as parts; then the output rules (check_run_outputs). A partial run
// also makes its greedy portfolio search here (every part, and the merge,
// alike: its combinations are variants).
void check_run(PreparedRun& p, const RunRequest& r, bool distributed, const std::atomic<int>* stop);

// How a whole run reports and what executes it.
struct RunCallbacks {
  std::function<void(std::uint64_t, std::uint64_t)> progress;       // chunks done / total
  std::function<void()> simulated;                                  // after the last chunk
  std::function<void(std::uint64_t, std::uint64_t)> draw_progress;  // parameter draws done / total
  std::function<void()> drawn;                                      // after the last draw
  // Runs the plan; empty: app::execute (with the precision target). The
  // distributed root passes its own (which has no precision target).
  std::function<engine::RunResult(RunPlan&, const engine::RunHooks&)> execute;
  DrawRunner draw_runner;  // empty: the draws in this process
  int mpi_ranks = 1;
  const std::atomic<int>* stop = nullptr;
};

struct FinishedRun {
  engine::RunResult result;
  engine::UncertaintySummary uncertainty;
  PrecisionOutcome precision;
  double seconds = 0;                 // the simulation's wall time (not the draws')
  double walks = 0, steps = 0;        // over every variant run
  std::vector<double> timeout_walks;  // per named variant: walks that hit max_steps
};

// A whole run: the results file (and the event log) written and committed
// together; a stop request after the last chunk still stops before any
// output is renamed into place (core::Interrupted).
FinishedRun run_whole(PreparedRun& p, const RunRequest& r, const RunCallbacks& cb);

}  // namespace cxsim::app
