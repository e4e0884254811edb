// cxsim run JOURNEY|SCENARIO: simulate a population and write the results file.
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "cxsim/app/mpi_run.h"
#include "cxsim/app/partial_run.h"
#include "cxsim/app/portfolio.h"
#include "cxsim/app/run_plan.h"
#include "cxsim/app/run_session.h"
#include "cxsim/core/atomic_output.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/json.h"
#include "cxsim/engine/results_file.h"
#include "cxsim/engine/runner.h"
#include "cxsim/model/journey_loader.h"
#include "print.h"
#include "progress.h"

namespace cxsim::cli {

namespace {

struct RunOptions {
  app::RunRequest req;  // threads 0: every core
  bool json = false;
  bool quiet = false;
};

// `mpi`: the distributed run's session under mpirun (app/mpi_run.h; only in
// a -DCXSIM_MPI=ON build), else nullptr.
int run_run(const RunOptions& o, const Context& ctx, [[maybe_unused]] app::MpiRun* mpi) {
  const app::RunRequest& r = o.req;
  app::PreparedRun p = app::load_run(r);
  app::RunPlan& plan = p.plan;
  if (!o.quiet) std::cerr << plan.warnings.format();
  // A skip the user did not ask for is always said (also with --quiet).
  if (!plan.analytics_skipped.empty() && !r.overrides.no_analytics)
    std::cerr << "cxsim: note: exact analytics skipped: " << plan.analytics_skipped << '\n';
  app::check_run(p, r, mpi != nullptr, ctx.stop);
  const std::filesystem::path& out = p.out;
  const std::optional<app::ChunkRange>& range = p.range;

  int ranks = 1;
#ifdef CXSIM_MPI
  if (mpi != nullptr) {
    // A greedy portfolio's search (pilot runs of the population) is made by
    // every rank alike before the ranks meet: the combinations it chooses
    // are variants of the plan, the same on every rank.
    {
      engine::RunHooks search;
      search.stop = ctx.stop;
      if (!range) app::search_portfolio(plan, search);
    }
    mpi->start(plan, !r.events_out.empty(), range.has_value());
    if (!mpi->root()) {
      mpi->work(plan, p.customers_out, ctx.stop);
      if (plan.uncertainty_draws > 0) {  // this rank's parameter draws, sent to rank 0
        engine::RunResult point;
        point.settings = plan.settings;
        engine::RunHooks uh;
        uh.stop = ctx.stop;
        app::execute_uncertainty(plan, point, uh, mpi->draw_runner());
      }
      return 0;
    }
    ranks = mpi->ranks();
  }
#endif

  if (range) {
    ProgressBar bar("simulating", !o.quiet && !o.json);
    engine::RunHooks hooks;
    hooks.progress = [&](std::uint64_t d, std::uint64_t t) { bar.update(d, t); };
    hooks.stop = ctx.stop;
    app::run_partial(plan, p.overrides, r.input, *range, out, p.customers_out, hooks);
    bar.finish();
    if (o.json) {
      core::JsonWriter j;
      j.begin_object();
      j.key("output").value(out.string());
      j.key("partial").value(true);
      j.key("chunk_first").value(static_cast<unsigned long long>(range->first));
      j.key("chunk_last").value(static_cast<unsigned long long>(range->last));
      j.key("chunks_total").value(static_cast<unsigned long long>(engine::chunk_count(plan.settings)));
      j.end_object();
      std::cout << j.str() << '\n';
    } else if (!o.quiet) {
      std::cout << fmt::format(
          "{}: chunks {}:{} of {} ({} customers in chunks of {}); partial results: {}\n"
          "merge all parts with: cxsim merge PART... -o FILE\n",
          plan.title, range->first, range->last, engine::chunk_count(plan.settings), plan.settings.customers,
          plan.settings.chunk_size, out.string());
    }
    return 0;
  }

  ProgressBar bar("simulating", !o.quiet && !o.json);
  std::optional<ProgressBar> draw_bar;
  app::RunCallbacks cb;
  cb.progress = [&](std::uint64_t d, std::uint64_t t) { bar.update(d, t); };
  cb.simulated = [&] {
    bar.finish();
    if (plan.uncertainty_draws > 0) draw_bar.emplace("parameter draws", !o.quiet && !o.json);
  };
  cb.draw_progress = [&](std::uint64_t d, std::uint64_t t) {
    if (draw_bar) draw_bar->update(d, t);
  };
  cb.drawn = [&] {
    if (draw_bar) draw_bar->finish();
  };
  cb.stop = ctx.stop;
  cb.mpi_ranks = ranks;
#ifdef CXSIM_MPI
  if (mpi != nullptr) {
    cb.execute = [mpi](app::RunPlan& pl, const engine::RunHooks& h) { return mpi->execute_root(pl, h); };
    cb.draw_runner = mpi->draw_runner();
  }
#endif
  const app::FinishedRun f = app::run_whole(p, r, cb);
  const engine::RunResult& result = f.result;
  const engine::UncertaintySummary& uncertainty = f.uncertainty;
  const app::PrecisionOutcome& precision = f.precision;
  const double secs = f.seconds, walks = f.walks, steps = f.steps;
  const auto& s = plan.settings;
  // Walks that hit max_steps (outcome `timeout`): always warned on stderr
  // (even with --quiet), listed in --json and stored as attributes.
  const std::vector<double>& timeouts = f.timeout_walks;
  std::vector<std::string> warnings;
  for (std::size_t v = 0; v < plan.named; ++v) {
    const std::string w =
        timeout_warning(plan.variants[v].name, timeouts[v], result.variants[v].headline.total(engine::kWalks),
                        plan.variants[v].model.max_steps);
    if (!w.empty()) warnings.push_back(w.substr(0, w.size() - 1));
    std::cerr << w;
  }
  if (o.json) {
    core::JsonWriter j;
    j.begin_object();
    j.key("output").value(out.string());
    j.key("customers").value(static_cast<unsigned long long>(s.customers));
    j.key("periods").value(s.periods);
    j.key("seed").value(static_cast<unsigned long long>(s.seed));
    j.key("seconds").value(secs);
    j.key("walks").value(walks);
    j.key("steps").value(steps);
    j.key("threads").value(s.threads);
    j.key("mpi_ranks").value(ranks);
    if (precision.requested) j.key("precision").value(precision.message);
    j.key("timeout_walks").begin_object();
    for (std::size_t v = 0; v < plan.named; ++v) j.key(plan.variants[v].name).value(timeouts[v]);
    j.end_object();
    j.key("warnings").begin_array();
    for (const auto& w : warnings) j.value(w);
    j.end_array();
    j.key("variants").begin_object();
    for (std::size_t v = 0; v < plan.named; ++v) {
      const auto t = engine::variant_tables(plan.variants[v], result.variants[v]);
      j.key(plan.variants[v].name).begin_object();
      j.key("summary");
      write_table_json(j, t.summary);
      j.end_object();
    }
    j.end_object();
    j.key("comparisons").begin_object();
    for (std::size_t v = 1; v < plan.named; ++v) {
      const auto c = engine::comparison_table(plan.variants[v], plan.variants[0], result.paired[v - 1],
                                              result.variants[v], result.variants[0], s);
      j.key(plan.variants[v].name);
      write_table_json(j, c);
    }
    j.end_object();
    if (plan.uncertainty_draws > 0) {
      j.key("uncertainty").begin_object();
      j.key("draws").value(static_cast<unsigned long long>(uncertainty.draws));
      j.key("variants").begin_object();
      for (std::size_t v = 0; v < uncertainty.variants.size(); ++v) {
        const auto t = engine::variant_tables(plan.variants[v], result.variants[v]);
        j.key(plan.variants[v].name);
        write_table_json(j, engine::uncertainty_table(t.summary, uncertainty.variants[v]));
      }
      j.end_object();
      j.key("comparisons").begin_object();
      for (std::size_t v = 1; v <= uncertainty.comparisons.size(); ++v) {
        const auto c = engine::comparison_table(plan.variants[v], plan.variants[0], result.paired[v - 1],
                                                result.variants[v], result.variants[0], s);
        j.key(plan.variants[v].name);
        write_table_json(j, engine::uncertainty_table(c, uncertainty.comparisons[v - 1]));
      }
      j.end_object();
      if (uncertainty.draws > 0) {
        j.key("sensitivity").begin_object();
        j.key("variants").begin_object();
        for (std::size_t v = 0; v < uncertainty.variants.size(); ++v) {
          j.key(plan.variants[v].name);
          write_table_json(
              j, engine::sensitivity_table(uncertainty.variants[v], uncertainty.input_names, uncertainty.inputs));
        }
        j.end_object();
        j.key("comparisons").begin_object();
        for (std::size_t v = 0; v < uncertainty.comparisons.size(); ++v) {
          j.key(plan.variants[v + 1].name);
          write_table_json(
              j, engine::sensitivity_table(uncertainty.comparisons[v], uncertainty.input_names, uncertainty.inputs));
        }
        j.end_object();
        j.end_object();
      }
      if (!uncertainty.comparisons.empty()) {
        j.key("best");
        write_table_json(j, engine::best_table(uncertainty));
      }
      j.end_object();
    }
    j.key("money").begin_object();
    j.key("currency").value(s.currency);
    j.key("customer_base").value(engine::customer_base(s));
    for (std::size_t v = 1; v < plan.named; ++v) {
      const auto mt = engine::money_tables(plan.variants[v], plan.variants[0], result.paired[v - 1], s);
      j.key(plan.variants[v].name);
      write_table_json(j, mt.summary);
    }
    j.end_object();
    if (plan.portfolio.present) {
      j.key("portfolio");
      app::portfolio_json(app::portfolio_result(plan, result), j);
    }
    j.end_object();
    std::cout << j.str() << '\n';
    return 0;
  }
  if (!o.quiet) {
    std::cout << fmt::format(
        "{}: {} customers x {} period{}, seed {}, {} variant run{}, {} walks in {:.2f} s "
        "({:.2f} M walks/s)\n",
        plan.title, s.customers, s.periods, s.periods == 1 ? "" : "s", s.seed, plan.variants.size(),
        plan.variants.size() == 1 ? "" : "s", walks, secs, walks / secs / 1e6);
    if (precision.requested) std::cout << precision.message << "\n";
    const auto t = engine::variant_tables(plan.variants[0], result.variants[0]);
    std::cout << "\nbaseline\n" << format_summary(t.summary);
    for (std::size_t v = 1; v < plan.named; ++v) {
      const auto c = engine::comparison_table(plan.variants[v], plan.variants[0], result.paired[v - 1],
                                              result.variants[v], result.variants[0], s);
      std::cout << fmt::format("\n{} vs baseline{} (paired; * = 95% CI excludes 0)\n", plan.variants[v].name,
                               plan.variants[v].description.empty() ? "" : ": " + plan.variants[v].description);
      std::cout << format_comparison(c);
      const auto mt = engine::money_tables(plan.variants[v], plan.variants[0], result.paired[v - 1], s);
      std::cout << fmt::format("\n  money ({}; totals over a customer base of {:g}; discounted)\n", mt.unit,
                               mt.customer_base)
                << format_money(mt.summary, s.periods);
    }
    if (plan.uncertainty_draws > 0 && uncertainty.draws == 0) {
      std::cout << "\nuncertainty: the journey has no parameter with uncertainty; the total interval is the Monte "
                   "Carlo one\n";
    } else if (uncertainty.draws > 0) {
      std::cout << "\n" << uncertainty_words(uncertainty.draws, s.customers);
      for (std::size_t v = 0; v < plan.named; ++v) {
        const auto t = engine::variant_tables(plan.variants[v], result.variants[v]);
        std::cout << "\n"
                  << plan.variants[v].name << "\n"
                  << format_uncertainty(engine::uncertainty_table(t.summary, uncertainty.variants[v]));
      }
      for (std::size_t v = 1; v < plan.named; ++v) {
        const auto c = engine::comparison_table(plan.variants[v], plan.variants[0], result.paired[v - 1],
                                                result.variants[v], result.variants[0], s);
        std::cout << "\n"
                  << plan.variants[v].name << " vs baseline (delta)\n"
                  << format_uncertainty(engine::uncertainty_table(c, uncertainty.comparisons[v - 1]));
      }
      std::cout << "\nsensitivity: " << sensitivity_words();
      if (uncertainty.comparisons.empty())
        std::cout << "\n"
                  << plan.variants[0].name << "\n"
                  << format_sensitivity(engine::sensitivity_table(uncertainty.variants[0], uncertainty.input_names,
                                                                  uncertainty.inputs));
      for (std::size_t v = 0; v < uncertainty.comparisons.size(); ++v)
        std::cout << "\n"
                  << plan.variants[v + 1].name << " vs baseline (delta)\n"
                  << format_sensitivity(engine::sensitivity_table(uncertainty.comparisons[v], uncertainty.input_names,
                                                                  uncertainty.inputs));
      if (!uncertainty.comparisons.empty())
        std::cout << "\n" << best_words(uncertainty.draws) << format_best(engine::best_table(uncertainty));
    }
    if (plan.portfolio.present) std::cout << "\n" << app::portfolio_text(app::portfolio_result(plan, result));
    std::cout << "\nresults: " << out.string() << "\n";
  }
  return 0;
}

}  // namespace

void setup_run(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<RunOptions>();
  o->req.overrides.threads = 0;  // every core unless -t says otherwise
  auto* sub = app.add_subcommand("run", "Simulate a journey (or a scenario's variants) and write the results file");
  sub->add_option("input", o->req.input, "Journey or scenario YAML file")->required()->check(CLI::ExistingFile);
  sub->add_option("-n,--customers", o->req.overrides.customers,
                  "Customers to simulate (default: the file's population, else 10000)");
  sub->add_option("-p,--periods", o->req.overrides.periods,
                  "Periods per customer (default: the file's population, else 1)");
  add_whole_number(sub, "-s,--seed", o->req.overrides.seed, "Random seed (default: the file's population, else 1)", 0,
                   kMaxSeed);
  sub->add_option("-t,--threads", o->req.overrides.threads,
                  "Worker threads (default: all cores); results do not depend on it")
      ->check(CLI::Range(0, 1024));
  sub->add_option("-o,--output", o->req.output, "Results file (default: outputs/<input stem>.h5)");
  sub->add_flag("--json", o->json, "Print the headline table as JSON on stdout");
  sub->add_flag("-q,--quiet", o->quiet, "No progress bar, no table");
  sub->add_flag("--customers-out", o->req.customers_out, "Also write the per-customer table (streamed, compressed)");
  sub->add_flag("--customer-periods", o->req.customer_periods,
                "With --customers-out (implied): also one row per customer and active period (satisfaction, NPS, "
                "survey answer, value, cost, churn), streamed");
  sub->add_option("--variant", o->req.overrides.only_variants,
                  "Run only these variants of a scenario (repeatable; baseline always runs)");
  sub->add_flag("--no-sweeps", o->req.overrides.no_sweeps, "Skip the scenario's sweeps");
  sub->add_flag("--no-ranking", o->req.overrides.no_ranking, "Skip the scenario's friction ranking");
  sub->add_flag("--no-analytics", o->req.overrides.no_analytics,
                "Skip the exact analytics (/analytics; skipped anyway above 5000 touchpoints)");
  sub->add_option("--events-out", o->req.events_out,
                  "Write the simulated event log, survey answers and cohort survival as CSV into this folder");
  sub->add_option("--uncertainty", o->req.overrides.uncertainty,
                  "Parameter draws: run the population under N draws of the journey's uncertain parameters and "
                  "report total (parameter + Monte Carlo) intervals (default: population.uncertainty.draws, else 0)")
      ->check(CLI::Range(0LL, model::kMaxUncertaintyDraws));
  sub->add_option("--chunks", o->req.chunks,
                  "Run only chunks A..B-1 (A:B) and write a partial results file, to be joined by `cxsim merge` "
                  "(array jobs; docs/array-jobs.md)")
      ->type_name("A:B");
  sub->add_option("--chunk-size", o->req.overrides.chunk_size, "Customers per work chunk (part of the reduction order)")
      ->check(CLI::Range(1, 1 << 24));
  sub->callback([o, &ctx] {
    ctx.action = [o, &ctx] {
      o->req.command_line = ctx.command_line;
#ifdef CXSIM_MPI
      if (std::shared_ptr<app::MpiRun> mpi = app::MpiRun::start_if_launched()) {
        ctx.session = mpi;  // finalised when main() returns (commands.h)
        return mpi->guard([&] { return run_run(*o, ctx, mpi.get()); });
      }
#endif
      return run_run(*o, ctx, nullptr);
    };
  });
}

}  // namespace cxsim::cli
