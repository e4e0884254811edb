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
#include "cxsim/core/atomic_output.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/threads.h"
#include "cxsim/engine/event_log.h"
#include "cxsim/engine/results_file.h"
#include "cxsim/engine/runner.h"
#include "cxsim/model/journey_spec.h"

namespace cxsim::python {

namespace {

constexpr std::uint64_t kMaxSeed = std::numeric_limits<std::int64_t>::max();  // as the CLI's --seed

struct RunArgs {
  std::string input, output, command_line;
  std::string events_out;  // --events-out DIR
  std::string chunks;      // --chunks A:B
  std::optional<long long> customers;
  std::optional<int> periods;
  std::optional<unsigned long long> seed;
  int threads = 0;
  std::uint64_t chunk_size = 4096;
  std::vector<std::string> variants;
  bool no_sweeps = false, no_ranking = false, no_analytics = false, customers_out = false;
  bool customer_periods = false;  // --customer-periods (implies customers_out)
  std::optional<long long> uncertainty;
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

void check_args(const RunArgs& a) {
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
  if (!std::filesystem::is_regular_file(a.input, ec)) throw core::InputError(fmt::format("{}: no such file", a.input));
}

// What `cxsim run` does (cmd_run.cpp), without its printing.
RunOutcome simulate(const RunArgs& a, const std::atomic<int>* stop) {
  check_args(a);
  app::RunOverrides ov;
  ov.customers = a.customers;
  ov.periods = a.periods;
  ov.seed = a.seed;
  ov.threads = core::threads_or_all_cores(a.threads);
  ov.chunk_size = a.chunk_size;
  ov.only_variants = a.variants;
  ov.no_sweeps = a.no_sweeps;
  ov.no_ranking = a.no_ranking;
  ov.no_analytics = a.no_analytics;
  ov.uncertainty = a.uncertainty;
  app::RunPlan plan = app::plan_from_file(a.input, ov, a.command_line);
  app::decide_analytics(plan, ov);
  const bool customers_out = a.customers_out || a.customer_periods;  // as the command: implied
  // The same refusal and message as the command's (sim/cli/cmd_run.cpp).
  if (a.customer_periods && !a.chunks.empty())
    throw core::InputError(
        "--customer-periods: not available with --chunks (a partial run's parts keep no "
        "per-period rows); run without --chunks, or use --customers-out alone");
  std::optional<app::ChunkRange> range;
  if (!a.chunks.empty()) {
    range = app::parse_chunk_range(a.chunks);
    app::check_partial_plan(plan, ov, *range, !a.events_out.empty());
    // As the command: a greedy portfolio's search is made by every part alike.
    engine::RunHooks search;
    search.stop = stop;
    app::search_portfolio(plan, search);
  }
  const std::filesystem::path out = app::run_output_path(a.input, a.output, range);
  app::check_run_outputs(plan, a.input, out, a.events_out, "output and events_out");
  RunOutcome o;
  o.output = out.string();
  o.title = plan.title;
  o.customers = plan.settings.customers;
  o.periods = plan.settings.periods;
  o.seed = plan.settings.seed;
  o.threads = plan.settings.threads;
  o.analytics_skipped = plan.analytics_skipped;
  o.warnings = plan.warnings;
  if (range) {
    engine::RunHooks hooks;
    hooks.stop = stop;
    const auto t0 = std::chrono::steady_clock::now();
    app::run_partial(plan, ov, a.input, *range, out, customers_out, hooks);
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    o.partial = true;
    o.chunk_first = range->first;
    o.chunk_last = range->last;
    o.chunks_total = engine::chunk_count(plan.settings);
    o.chunks = range->last - range->first;
    for (std::size_t v = 0; v < plan.named; ++v) o.variants.push_back(plan.variants[v].name);
    return o;
  }
  const std::vector<engine::Variant> named(plan.variants.begin(),
                                           plan.variants.begin() + static_cast<long>(plan.named));
  engine::ResultsWriter writer(out, plan.provenance, named, plan.settings, customers_out, a.customer_periods);
  app::write_run_attributes(writer, plan, 1);  // one process
  engine::RunHooks hooks;
  hooks.customer_records = customers_out;
  hooks.customer_periods = a.customer_periods;
  hooks.stop = stop;
  std::optional<engine::EventLogWriter> events;
  if (!a.events_out.empty()) events.emplace(a.events_out);
  hooks.event_log = events.has_value();
  hooks.on_chunk = [&](const engine::ChunkResult& c) {
    writer.on_chunk(c);
    if (events) events->append(c.events_csv, c.surveys_csv);
  };
  const auto t0 = std::chrono::steady_clock::now();
  app::PrecisionOutcome precision;
  engine::RunResult result = app::execute(plan, hooks, &precision);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  engine::UncertaintySummary uncertainty;
  if (plan.uncertainty_draws > 0) {
    engine::RunHooks uh;
    uh.stop = stop;
    uncertainty = app::execute_uncertainty(plan, result, uh);
  }
  app::write_all(writer, plan, result, precision);
  app::write_uncertainty(writer, plan, result, uncertainty);
  if (stop->load() != 0) throw core::Interrupted(stop->load());
  // As the command: the event log is complete and flushed before the results
  // file is committed, and renamed right after.
  if (events) {
    std::vector<double> survivors;
    double alive = static_cast<double>(plan.settings.customers);
    survivors.push_back(alive);
    for (const auto& p : result.variants[0].periods) survivors.push_back(alive -= p.churned);
    events->prepare(survivors);
  }
  writer.commit();
  if (events) {
    events->commit();
    o.events_out = a.events_out;
  }

  o.chunks = result.chunks;
  o.draws = uncertainty.draws;
  o.seconds = secs;
  o.precision = precision.requested ? precision.message : "";
  for (const auto& v : result.variants) {
    o.walks += v.headline.total(engine::kWalks);
    o.steps += v.headline.total(engine::kSteps);
  }
  for (std::size_t v = 0; v < plan.named; ++v) {
    const auto& m = plan.variants[v].model;
    o.variants.push_back(plan.variants[v].name);
    o.timeout_walks.push_back(
        result.variants[v].headline.total(engine::kFirstKind + static_cast<int>(m.timeout_kind())));
  }
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
std::string call_text(const RunArgs& a) {
  std::string s = "cxsim.run(" + quoted(a.input);
  if (!a.output.empty()) s += ", output=" + quoted(a.output);
  if (a.seed) s += fmt::format(", seed={}", *a.seed);
  if (a.customers) s += fmt::format(", customers={}", *a.customers);
  if (a.periods) s += fmt::format(", periods={}", *a.periods);
  if (a.threads) s += fmt::format(", threads={}", a.threads);
  if (a.chunk_size != 4096) s += fmt::format(", chunk_size={}", a.chunk_size);
  if (!a.variants.empty()) {
    s += ", variants=[";
    for (std::size_t i = 0; i < a.variants.size(); ++i) s += (i ? ", " : "") + quoted(a.variants[i]);
    s += "]";
  }
  if (a.no_sweeps) s += ", no_sweeps=True";
  if (a.no_ranking) s += ", no_ranking=True";
  if (a.no_analytics) s += ", no_analytics=True";
  if (a.customers_out) s += ", customers_out=True";
  if (a.customer_periods) s += ", customer_periods=True";
  if (a.uncertainty) s += fmt::format(", uncertainty={}", *a.uncertainty);
  if (!a.events_out.empty()) s += ", events_out=" + quoted(a.events_out);
  if (!a.chunks.empty()) s += ", chunks=" + quoted(a.chunks);
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
  a.input = input;
  a.output = output;
  a.seed = seed;
  a.customers = customers;
  a.periods = periods;
  a.threads = threads;
  a.chunk_size = chunk_size;
  a.variants = std::move(variants);
  a.no_sweeps = no_sweeps;
  a.no_ranking = no_ranking;
  a.no_analytics = no_analytics;
  a.customers_out = customers_out;
  a.customer_periods = customer_periods;
  a.uncertainty = uncertainty;
  a.events_out = events_out;
  a.chunks = chunk_text(chunks);
  a.command_line = command_line ? *command_line : call_text(a);

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
  d["command_line"] = a.command_line;
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
