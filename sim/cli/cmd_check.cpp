// cxsim check MODEL.yaml --events E.csv [--surveys S.csv] [--lifetimes L.csv |
// --cohorts C.csv] [-o check.h5]: backtest a model against observed data, a
// table of every compared quantity sorted by |z| (docs/calibration.md,
// "Checking a model against data"; docs/check-format.md for the file).
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "cxsim/check/check.h"
#include "cxsim/core/atomic_output.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/time.h"
#include "cxsim/core/version.h"
#include "cxsim/io/h5.h"

namespace cxsim::cli {

namespace {

struct CheckCli {
  check::CheckOptions o;
  std::string output;
  std::string on_bad_row = "error";
  std::size_t top = 20;
  bool all = false;
  bool quiet = false;
  bool require_pass = false;
  bool json = false;
};

void write_check_file(const std::string& path, const check::CheckResult& r, const check::CheckOptions& o,
                      const Context& ctx) {
  io::AtomicFile out(path);
  io::File& f = out.file();
  f.set_attribute("filetype", "cxsim-check");
  f.set_attribute("format_version", fmt::format("{}.{}", check::kCheckFormatMajor, check::kCheckFormatMinor));
  f.set_attribute("format_version_major", static_cast<std::int64_t>(check::kCheckFormatMajor));
  f.set_attribute("format_version_minor", static_cast<std::int64_t>(check::kCheckFormatMinor));
  f.set_attribute("tool_version", core::tool_version);
  f.set_attribute("created_utc", core::utc_now_iso8601());
  f.set_attribute("command_line", ctx.command_line);
  f.set_attribute("model", o.model);
  f.set_attribute("events", o.events);
  f.set_attribute("surveys", o.surveys);
  f.set_attribute("lifetimes", o.lifetimes);
  f.set_attribute("cohorts", o.cohorts);
  f.set_attribute("seed", static_cast<std::int64_t>(o.seed));
  f.set_attribute("seed_simulation", static_cast<std::int64_t>(r.seed_simulation));
  f.set_attribute("customers_sims", static_cast<std::int64_t>(o.customers_sims));
  f.set_attribute("customers_observed", static_cast<std::int64_t>(r.customers_observed));
  f.set_attribute("customers_simulated", static_cast<std::int64_t>(r.customers_simulated));
  f.set_attribute("journeys_observed", static_cast<std::int64_t>(r.journeys_observed));
  f.set_attribute("walks_simulated", static_cast<std::int64_t>(r.walks_simulated));
  f.set_attribute("periods", static_cast<std::int64_t>(r.periods));
  f.set_attribute("alpha", o.alpha);
  f.set_attribute("threshold_z", r.threshold);
  f.set_attribute("rows_tested", static_cast<std::int64_t>(r.tested));
  f.set_attribute("rows_failed", static_cast<std::int64_t>(r.failed));
  f.set_attribute("pass", static_cast<std::int64_t>(r.pass ? 1 : 0));

  std::vector<std::string> metric, key, result;
  std::vector<double> cols[10];
  std::vector<double> z;
  std::vector<std::int64_t> tested, pass;
  for (const auto& x : r.rows) {
    metric.push_back(x.metric);
    key.push_back(x.key);
    const check::Estimate* e[2] = {&x.observed, &x.simulated};
    for (int s = 0; s < 2; ++s) {
      cols[5 * s + 0].push_back(e[s]->value);
      cols[5 * s + 1].push_back(e[s]->lo);
      cols[5 * s + 2].push_back(e[s]->hi);
      cols[5 * s + 3].push_back(e[s]->se);
      cols[5 * s + 4].push_back(e[s]->n);
    }
    z.push_back(x.z);
    tested.push_back(x.tested ? 1 : 0);
    pass.push_back(x.pass ? 1 : 0);
    result.push_back(!x.tested ? "untested" : x.pass ? "pass" : "fail");
  }
  io::Table t;
  t.add_column("metric", metric);
  t.add_column("key", key);
  const char* names[10] = {"observed",  "observed_lo",  "observed_hi",  "observed_se",  "observed_n",
                           "simulated", "simulated_lo", "simulated_hi", "simulated_se", "simulated_n"};
  for (int i = 0; i < 10; ++i) t.add_column(names[i], cols[i]);
  t.add_column("z", z);
  t.add_column("tested", tested);
  t.add_column("pass", pass);
  t.add_column("result", result);
  io::write_table(f, "check/rows", t, {"every compared quantity, sorted by |z| (untested rows last)", ""});
  io::Table w;
  w.add_column("message", r.warnings);
  io::write_table(f, "check/warnings", w, {"warnings about the inputs", ""});
  io::write_string(f, "check/summary", r.summary, {"the inputs read and the simulation run", ""});
  io::write_string(f, "model/journey_yaml", r.model_yaml, {"the model file checked, as read", ""});
  out.commit();
}

int run_check(CheckCli& c, const Context& ctx) {
  if (c.on_bad_row != "error" && c.on_bad_row != "skip")
    throw core::InputError(fmt::format("--on-bad-row '{}': expected error or skip", c.on_bad_row));
  c.o.skip_bad_rows = c.on_bad_row == "skip";
  if (!c.output.empty()) {
    const std::filesystem::path inputs[] = {c.o.model, c.o.events, c.o.surveys, c.o.cohorts, c.o.lifetimes};
    core::check_output_path(c.output, inputs);
  }
  const check::CheckResult r = check::check(c.o);
  if (!c.output.empty()) write_check_file(c.output, r, c.o, ctx);
  if (c.json) {
    std::cout << check::format_json(r, c.o);
  } else if (!c.quiet) {
    std::cout << r.summary;
    std::cout << check::format_table(r, c.all ? 0 : c.top);
    if (!c.output.empty()) std::cout << "wrote " << c.output << "\n";
  }
  for (const auto& w : r.warnings) std::cerr << "warning: " << w << "\n";
  if (c.require_pass && !r.pass) {
    std::cerr << fmt::format("cxsim: error: {} of {} rows fail (--require-pass)\n", r.failed, r.tested);
    return static_cast<int>(core::ExitCode::runtime_failure);
  }
  return 0;
}

}  // namespace

void setup_check(CLI::App& app, Context& ctx) {
  auto c = std::make_shared<CheckCli>();
  auto* sub = app.add_subcommand("check", "Backtest a journey model against observed data: every rate with a z-score");
  sub->add_option("model", c->o.model, "Journey YAML to check")->required()->check(CLI::ExistingFile);
  sub->add_option("--events", c->o.events,
                  "Event log CSV: customer_id,journey_id,timestamp,touchpoint[,status,channel,outcome]")
      ->required()
      ->check(CLI::ExistingFile);
  sub->add_option("--surveys", c->o.surveys, "Survey answers CSV: journey_id or customer_id, nps[, csat, ces]")
      ->check(CLI::ExistingFile);
  auto* co = sub->add_option("--cohorts", c->o.cohorts, "Cohort survivors CSV: period,alive[,segment]")
                 ->check(CLI::ExistingFile);
  auto* li = sub->add_option("--lifetimes", c->o.lifetimes,
                             "Per-customer lifetimes CSV: customer_id,periods,churned[,segment]")
                 ->check(CLI::ExistingFile);
  co->excludes(li);
  sub->add_option("-o,--output", c->output, "Check file to write (HDF5, docs/check-format.md)");
  add_whole_number(sub, "--seed", c->o.seed, "Seed of the simulation (default 1)", 0, kMaxSeed);
  add_whole_number(sub, "--customers-sims", c->o.customers_sims,
                   "Simulated customers per observed customer (default 10)", 1, 1000);
  sub->add_option("--periods", c->o.periods,
                  "Periods simulated (default: the model's population.periods, else the retention data's horizon, "
                  "else the most journeys of one customer)")
      ->check(CLI::Range(1, 65535));
  sub->add_option("--alpha", c->o.alpha, "Family-wise error rate of the Bonferroni rule (default 0.05)")
      ->check(CLI::Range(1e-12, 0.5));
  add_whole_number(sub, "--top", c->top, "Rows printed, largest |z| first (default 20)", 1, 1u << 30);
  sub->add_flag("--all", c->all, "Print every row");
  sub->add_flag("--require-pass", c->require_pass, "Exit 1 when a row fails");
  sub->add_option("--map", c->o.map, "Column mapping FIELD=COLUMN[,FIELD=COLUMN...] (as for calibrate)");
  sub->add_option("--on-bad-row", c->on_bad_row, "error (default, exit 2) or skip (count per reason)");
  sub->add_option("--sep", c->o.separator, "CSV separator: auto (default), ',', ';', tab or '|'");
  add_whole_number(sub, "--max-line-bytes", c->o.max_line_bytes, "Longest CSV record accepted (default 1048576)", 64,
                   std::uint64_t{1} << 30);
  sub->add_option("--memory-mb", c->o.memory_mb, "Event buffer budget before spilling to disk (default 128)")
      ->check(CLI::Range(1, 1 << 20));
  sub->add_option("--tmp-dir", c->o.tmp_dir, "Directory for spilled runs (default: the system temporary directory)");
  sub->add_option("--csat-scale", c->o.csat_scale, "CSAT scale of the survey file (default 5)");
  sub->add_option("--ces-scale", c->o.ces_scale, "CES scale of the survey file (default 7)");
  auto* keep = sub->add_flag("--keep-duplicates")
                   ->description("Keep exact duplicate rows as events (the default, as in calibrate)");
  auto* dedupe = sub->add_flag_callback(
      "--dedupe", [c] { c->o.keep_duplicates = false; }, "Drop exact duplicate rows (counted in the summary)");
  keep->excludes(dedupe);
  sub->add_option("--lifecycle", c->o.lifecycle,
                  "Lifecycle events that become visits, as in calibrate: complete (default), start, or pair")
      ->check(CLI::IsMember({"complete", "start", "pair"}));
  sub->add_option("--time-format", c->o.time_format,
                  "Timestamp form, strptime-style (default: recognised automatically)");
  sub->add_option("--timezone", c->o.timezone,
                  "Time zone of timestamps that name none, as in calibrate (default: UTC)");
  sub->add_flag("-q,--quiet", c->quiet, "Print only warnings");
  sub->add_flag(
      "--json", c->json,
      "Print every row as JSON on stdout (statistic, both estimates, z, p-value, result) instead of the table");
  sub->add_flag_callback(
      "--no-durations", [c] { c->o.durations = false; },
      "Do not compare durations (the log of the time from a visit to the next), e.g. for day-only timestamps");
  sub->callback([c, &ctx] { ctx.action = [c, &ctx] { return run_check(*c, ctx); }; });
}

}  // namespace cxsim::cli
