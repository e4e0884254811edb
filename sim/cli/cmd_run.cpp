// cxsim run JOURNEY|SCENARIO: simulate a population and write the results file.
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "commands.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/json.h"
#include "cxsim/engine/event_log.h"
#include "cxsim/engine/results_file.h"
#include "cxsim/engine/runner.h"
#include "cxsim/model/journey_loader.h"
#include "print.h"
#include "progress.h"

namespace cxsim::cli {

namespace {

struct RunOptions {
  std::string input;
  std::optional<long long> customers;
  std::optional<int> periods;
  std::optional<unsigned long long> seed;
  int threads = 0;
  std::string output;
  bool json = false;
  bool quiet = false;
  bool customers_out = false;
  std::string events_out;
  std::uint64_t chunk_size = 4096;
};

int run_run(const RunOptions& o, const Context& ctx) {
  model::LoadedJourney lj = model::load_journey(o.input);
  if (!o.quiet) std::cerr << lj.diagnostics.format();
  const model::JourneySpec& spec = lj.spec;

  engine::RunSettings s;
  s.customers = static_cast<std::uint64_t>(o.customers.value_or(spec.population.customers.value_or(10000)));
  s.periods = o.periods.value_or(spec.population.periods.value_or(1));
  s.seed = o.seed.value_or(spec.population.seed.value_or(1));
  s.discount_rate = spec.population.discount_rate.value_or(0.0);
  s.threads = o.threads > 0 ? o.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  s.chunk_size = o.chunk_size;
  if (o.customers && *o.customers < 1) throw core::InputError("--customers must be >= 1");
  if (o.periods && *o.periods < 1) throw core::InputError("--periods must be >= 1");

  std::vector<engine::Variant> variants;
  variants.push_back({"baseline", "the journey as written", model::compile(spec), std::nullopt});

  std::filesystem::path out = o.output;
  if (out.empty()) {
    const std::string stem = std::filesystem::path(o.input).stem().string();
    out = std::filesystem::path("outputs") / (stem + ".h5");
  }
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());

  engine::Provenance prov;
  prov.command_line = ctx.command_line;
  prov.journey_path = o.input;
  prov.journey_yaml = spec.source_text;

  engine::ResultsWriter writer(out, prov, variants, s, o.customers_out);
  ProgressBar bar("simulating", !o.quiet && !o.json);
  engine::RunHooks hooks;
  hooks.progress = [&](std::uint64_t d, std::uint64_t t) { bar.update(d, t); };
  hooks.customer_records = o.customers_out;
  std::optional<engine::EventLogWriter> events;
  if (!o.events_out.empty()) events.emplace(o.events_out);
  hooks.event_log = events.has_value();
  hooks.on_chunk = [&](const engine::ChunkResult& c) {
    writer.on_chunk(c);
    if (events) events->append(c.events_csv, c.surveys_csv);
  };
  const auto t0 = std::chrono::steady_clock::now();
  engine::RunResult result = engine::run(variants, s, hooks);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  bar.finish();
  writer.write_run(result);
  writer.commit();
  if (events) {
    std::vector<double> survivors;
    double alive = static_cast<double>(s.customers);
    survivors.push_back(alive);
    for (const auto& p : result.variants[0].periods) survivors.push_back(alive -= p.churned);
    events->commit(survivors);
  }

  const auto tables = engine::variant_tables(variants[0], result.variants[0], s);
  if (o.json) {
    core::JsonWriter j;
    j.begin_object();
    j.key("output").value(out.string());
    j.key("customers").value(static_cast<unsigned long long>(s.customers));
    j.key("periods").value(s.periods);
    j.key("seed").value(static_cast<unsigned long long>(s.seed));
    j.key("seconds").value(secs);
    j.end_object();
    std::string head = j.str();
    head.pop_back();
    std::cout << head << ",\"variants\":{\"baseline\":{\"summary\":" << table_json(tables.summary) << "}}}\n";
    return 0;
  }
  if (!o.quiet) {
    const double walks = result.variants[0].headline.total(engine::kWalks);
    std::cout << fmt::format("{}: {} customers x {} period{}, seed {}, {} walks in {:.2f} s ({:.2f} M walks/s)\n",
                             spec.name, s.customers, s.periods, s.periods == 1 ? "" : "s", s.seed, walks, secs,
                             walks / secs / 1e6);
    std::cout << format_summary(tables.summary);
    std::cout << "results: " << out.string() << "\n";
  }
  return 0;
}

}  // namespace

void setup_run(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<RunOptions>();
  auto* sub = app.add_subcommand("run", "Simulate a journey (or a scenario's variants) and write the results file");
  sub->add_option("input", o->input, "Journey or scenario YAML file")->required()->check(CLI::ExistingFile);
  sub->add_option("-n,--customers", o->customers, "Customers to simulate (default: the file's population, else 10000)");
  sub->add_option("-p,--periods", o->periods, "Periods per customer (default: the file's population, else 1)");
  sub->add_option("-s,--seed", o->seed, "Random seed (default: the file's population, else 1)");
  sub->add_option("-t,--threads", o->threads, "Worker threads (default: all cores); results do not depend on it")
      ->check(CLI::Range(0, 1024));
  sub->add_option("-o,--output", o->output, "Results file (default: outputs/<input stem>.h5)");
  sub->add_flag("--json", o->json, "Print the headline table as JSON on stdout");
  sub->add_flag("-q,--quiet", o->quiet, "No progress bar, no table");
  sub->add_flag("--customers-out", o->customers_out, "Also write the per-customer table (streamed, compressed)");
  sub->add_option("--events-out", o->events_out,
                  "Write the simulated event log, survey answers and cohort survival as CSV into this folder");
  sub->add_option("--chunk-size", o->chunk_size, "Customers per work chunk (part of the reduction order)")
      ->check(CLI::Range(1, 1 << 24));
  sub->callback([o, &ctx] { ctx.action = [o, &ctx] { return run_run(*o, ctx); }; });
}

}  // namespace cxsim::cli
