// cxsim.run: a journey or scenario to a results file, as `cxsim run` writes
// it (sim/cli/cmd_run.cpp): the same plan, execution and writers, so the same
// inputs give the same datasets bit for bit (only the root attributes
// `command_line` and `created_utc` differ); with events_out the event log's
// CSV files as `--events-out` writes them, with chunks a partial file as
// `--chunks A:B`; cxsim.merge joins partial files as `cxsim merge`. The
// simulation runs on a worker thread with the GIL released; the calling
// thread polls for Ctrl-C, which stops the run at the next chunk boundary (no
// file is written) and raises KeyboardInterrupt.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "cxsim/app/partial_run.h"
#include "cxsim/app/portfolio.h"
#include "cxsim/app/run_plan.h"
#include "cxsim/app/run_session.h"
#include "cxsim/core/atomic_output.h"
#include "cxsim/core/errors.h"
#include "cxsim/engine/results_file.h"
#include "cxsim/engine/runner.h"
#include "cxsim/model/journey_spec.h"

namespace cxsim::python {

namespace {

constexpr std::uint64_t kMaxSeed = std::numeric_limits<std::int64_t>::max();  // as the CLI's --seed

// The call's options, as `cxsim run`'s (threads 0: every core).
struct RunArgs {
  app::RunRequest req;
  RunArgs() {
    req.overrides.threads = 0;
    req.output_options = "output and events_out";
  }
};

struct RunOutcome {
  std::string output, title, precision, analytics_skipped, events_out;
  bool partial = false;
  std::uint64_t chunk_first = 0, chunk_last = 0, chunks_total = 0;
  std::uint64_t customers = 0, seed = 0, chunks = 0, draws = 0;
  int periods = 0, threads = 0;
  double seconds = 0, walks = 0, steps = 0;
  std::vector<std::string> variants;  // named variants, baseline first
  std::vector<double> timeout_walks;  // per named variant
  core::Diagnostics warnings;
};

void check_args(const RunArgs& args) {
  const app::RunOverrides& a = args.req.overrides;
  if (a.threads < 0 || a.threads > 1024)
    throw core::InputError(fmt::format("threads: expected 0 (all cores) to 1024, got {}", a.threads));
  if (a.chunk_size < 1 || a.chunk_size > (1u << 24))
    throw core::InputError(fmt::format("chunk_size: expected 1 to {}, got {}", 1u << 24, a.chunk_size));
  if (a.seed && *a.seed > kMaxSeed)
    throw core::InputError(fmt::format("seed: expected 0 to {}, got {}", kMaxSeed, *a.seed));
  if (a.uncertainty && (*a.uncertainty < 0 || *a.uncertainty > model::kMaxUncertaintyDraws))
    throw core::InputError(
        fmt::format("uncertainty: expected 0 to {}, got {}", model::kMaxUncertaintyDraws, *a.uncertainty));
  std::error_code ec;
  if (!std::filesystem::is_regular_file(args.req.input, ec))
    throw core::InputError(fmt::format("{}: no such file", args.req.input));
}

// What `cxsim run` does (cmd_run.cpp), without its printing.
RunOutcome simulate(const RunArgs& a, const std::atomic<int>* stop) {
  check_args(a);
  const app::RunRequest& r = a.req;
  app::PreparedRun p = app::load_run(r);
  app::check_run(p, r, false, stop);
  const app::RunPlan& plan = p.plan;
  RunOutcome o;
  o.output = p.out.string();
  o.title = plan.title;
  o.customers = plan.settings.customers;
  o.periods = plan.settings.periods;
  o.seed = plan.settings.seed;
  o.threads = plan.settings.threads;
  o.analytics_skipped = plan.analytics_skipped;
  o.warnings = plan.warnings;
  for (std::size_t v = 0; v < plan.named; ++v) o.variants.push_back(plan.variants[v].name);
  if (p.range) {
    engine::RunHooks hooks;
    hooks.stop = stop;
    const auto t0 = std::chrono::steady_clock::now();
    app::run_partial(plan, p.overrides, r.input, *p.range, p.out, p.customers_out, hooks);
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    o.partial = true;
    o.chunk_first = p.range->first;
    o.chunk_last = p.range->last;
    o.chunks_total = engine::chunk_count(plan.settings);
    o.chunks = p.range->last - p.range->first;
    return o;
  }
  app::RunCallbacks cb;
  cb.stop = stop;  // one process
  const app::FinishedRun f = app::run_whole(p, r, cb);
  if (!r.events_out.empty()) o.events_out = r.events_out;
  o.chunks = f.result.chunks;
  o.draws = f.uncertainty.draws;
  o.seconds = f.seconds;
  o.precision = f.precision.requested ? f.precision.message : "";
  o.walks = f.walks;
  o.steps = f.steps;
  o.timeout_walks = f.timeout_walks;
  return o;
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// The call as a Python expression (the results file's `command_line`).
std::string call_text(const RunArgs& args) {
  const app::RunRequest& r = args.req;
  const app::RunOverrides& a = r.overrides;
  std::string s = "cxsim.run(" + quoted(r.input);
  if (!r.output.empty()) s += ", output=" + quoted(r.output);
  if (a.seed) s += fmt::format(", seed={}", *a.seed);
  if (a.customers) s += fmt::format(", customers={}", *a.customers);
  if (a.periods) s += fmt::format(", periods={}", *a.periods);
  if (a.threads) s += fmt::format(", threads={}", a.threads);
  if (a.chunk_size != 4096) s += fmt::format(", chunk_size={}", a.chunk_size);
  if (!a.only_variants.empty()) {
    s += ", variants=[";
    for (std::size_t i = 0; i < a.only_variants.size(); ++i) s += (i ? ", " : "") + quoted(a.only_variants[i]);
    s += "]";
  }
  if (a.no_sweeps) s += ", no_sweeps=True";
  if (a.no_ranking) s += ", no_ranking=True";
  if (a.no_analytics) s += ", no_analytics=True";
  if (r.customers_out) s += ", customers_out=True";
  if (r.customer_periods) s += ", customer_periods=True";
  if (a.uncertainty) s += fmt::format(", uncertainty={}", *a.uncertainty);
  if (!r.events_out.empty()) s += ", events_out=" + quoted(r.events_out);
  if (!r.chunks.empty()) s += ", chunks=" + quoted(r.chunks);
  return s + ")";
}

// chunks: None, "A:B" or (A, B), as --chunks A:B.
std::string chunk_text(const py::object& chunks) {
  if (chunks.is_none()) return "";
  if (py::isinstance<py::str>(chunks)) return chunks.cast<std::string>();
  if (py::isinstance<py::tuple>(chunks) || py::isinstance<py::list>(chunks)) {
    const auto seq = chunks.cast<py::sequence>();
    if (seq.size() == 2) {
      try {
        return fmt::format("{}:{}", seq[0].cast<long long>(), seq[1].cast<long long>());
      } catch (const py::cast_error&) {
      }
    }
  }
  throw core::InputError(
      fmt::format("chunks: expected 'A:B' or (A, B), got {}", py::str(py::repr(chunks)).cast<std::string>()));
}

py::dict run_py(const std::string& input, const std::string& output, std::optional<unsigned long long> seed,
                std::optional<long long> customers, std::optional<int> periods, int threads, std::uint64_t chunk_size,
                std::vector<std::string> variants, bool no_sweeps, bool no_ranking, bool no_analytics,
                bool customers_out, bool customer_periods, std::optional<long long> uncertainty,
                const std::string& events_out, const py::object& chunks, std::optional<std::string> command_line) {
  RunArgs a;
  app::RunRequest& r = a.req;
  r.input = input;
  r.output = output;
  r.overrides.seed = seed;
  r.overrides.customers = customers;
  r.overrides.periods = periods;
  r.overrides.threads = threads;
  r.overrides.chunk_size = chunk_size;
  r.overrides.only_variants = std::move(variants);
  r.overrides.no_sweeps = no_sweeps;
  r.overrides.no_ranking = no_ranking;
  r.overrides.no_analytics = no_analytics;
  r.customers_out = customers_out;
  r.customer_periods = customer_periods;
  r.overrides.uncertainty = uncertainty;
  r.events_out = events_out;
  r.chunks = chunk_text(chunks);
  r.command_line = command_line ? *command_line : call_text(a);

  const RunOutcome o = interruptible([&](const std::atomic<int>* stop) {
    std::lock_guard<std::mutex> lock(hdf5_mutex());  // taken by the worker, which never needs the GIL
    return simulate(a, stop);
  });
  py::dict d;
  d["output"] = o.output;
  d["title"] = o.title;
  d["customers"] = o.customers;
  d["periods"] = o.periods;
  d["seed"] = o.seed;
  d["threads"] = o.threads;
  d["chunks"] = o.chunks;
  d["seconds"] = o.seconds;
  d["walks"] = o.walks;
  d["steps"] = o.steps;
  d["variants"] = o.variants;
  py::dict timeouts;
  for (std::size_t v = 0; v < o.timeout_walks.size(); ++v) timeouts[py::str(o.variants[v])] = o.timeout_walks[v];
  d["timeout_walks"] = timeouts;
  d["precision"] = o.precision.empty() ? py::object(py::none()) : py::object(py::str(o.precision));
  d["analytics_skipped"] = o.analytics_skipped;
  d["uncertainty_draws"] = o.draws;
  d["warnings"] = o.warnings.items();
  d["command_line"] = a.req.command_line;
  d["events_out"] = o.events_out.empty() ? py::object(py::none()) : py::object(py::str(o.events_out));
  d["partial"] = o.partial;
  if (o.partial) {
    d["chunk_first"] = o.chunk_first;
    d["chunk_last"] = o.chunk_last;
    d["chunks_total"] = o.chunks_total;
  }
  return d;
}

py::dict merge_py(const std::vector<std::string>& parts, const std::string& output,
                  std::optional<std::string> command_line) {
  if (parts.empty()) throw core::InputError("parts: expected at least one partial file");
  if (output.empty()) throw core::InputError("output: expected the results file to write");
  std::vector<std::filesystem::path> paths;
  for (const auto& p : parts) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec)) throw core::InputError(fmt::format("{}: no such file", p));
    paths.emplace_back(p);
  }
  std::string call = "cxsim.merge([";
  for (std::size_t i = 0; i < parts.size(); ++i) call += (i ? ", " : "") + quoted(parts[i]);
  call += "], " + quoted(output) + ")";
  if (command_line) call = *command_line;
  const app::MergeOutcome m = interruptible([&](const std::atomic<int>* stop) {
    std::lock_guard<std::mutex> lock(hdf5_mutex());
    engine::RunHooks hooks;
    hooks.stop = stop;
    return app::merge_parts(paths, output, call, hooks);
  });
  py::dict d;
  d["output"] = m.output.string();
  d["parts"] = m.parts;
  d["chunks"] = m.chunks;
  d["customers"] = m.customers;
  d["command_line"] = call;
  return d;
}

}  // namespace

void register_run(py::module_& m) {
  m.def("run", &run_py, py::arg("input"), py::arg("output") = "", py::kw_only(), py::arg("seed") = py::none(),
        py::arg("customers") = py::none(), py::arg("periods") = py::none(), py::arg("threads") = 0,
        py::arg("chunk_size") = 4096, py::arg("variants") = std::vector<std::string>{}, py::arg("no_sweeps") = false,
        py::arg("no_ranking") = false, py::arg("no_analytics") = false, py::arg("customers_out") = false,
        py::arg("customer_periods") = false, py::arg("uncertainty") = py::none(), py::arg("events_out") = "",
        py::arg("chunks") = py::none(), py::arg("command_line") = py::none(),
        "Simulates a journey or scenario and writes the results file, as `cxsim run` (same bits for the same "
        "inputs, seed, customers, periods and chunk_size; threads never change them). output: the results file "
        "(default outputs/<input stem>.h5); None for seed/customers/periods: the file's population. Returns a dict "
        "(output, title, customers, periods, seed, threads, chunks, seconds, walks, steps, variants, "
        "timeout_walks, precision, analytics_skipped, uncertainty_draws, warnings, command_line, events_out, "
        "partial[, chunk_first, chunk_last, chunks_total]). events_out: a folder for events.csv, surveys.csv and "
        "cohorts.csv (as --events-out); chunks: 'A:B' or (A, B), run only chunks A..B-1 and write a partial file "
        "(as --chunks; join the parts with cxsim.merge). customer_periods: also the per-customer, per-period "
        "table /variants/<v>/customer_periods (as --customer-periods; implies customers_out; not with chunks). "
        "Raises "
        "cxsim.InputError (bad input), cxsim.RuntimeError (I/O), KeyboardInterrupt (Ctrl-C: stopped at a chunk "
        "boundary, no file written). The GIL is released while simulating.");
  m.def("merge", &merge_py, py::arg("parts"), py::arg("output"), py::kw_only(), py::arg("command_line") = py::none(),
        "Joins the partial files of cxsim.run(..., chunks=...) (or `cxsim run --chunks`) into the results file of "
        "the whole run, as `cxsim merge PART... -o OUTPUT`: bit-identical to the one-process run. Returns a dict "
        "(output, parts, chunks, customers, command_line). Raises cxsim.InputError for parts of different runs, "
        "overlapping or missing chunks.");
}

}  // namespace cxsim::python
