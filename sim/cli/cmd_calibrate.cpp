// cxsim calibrate: fit a journey model to event logs (or aggregated paths),
// survey answers and cohort retention; write the journey YAML and, with
// --report, the fit report (HDF5). See docs/calibration.md.
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>

#include <unistd.h>

#include <fmt/format.h>

#include "commands.h"
#include "cxsim/calibrate/calibrate.h"
#include "cxsim/core/atomic_output.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/json.h"
#include "cxsim/core/time.h"
#include "cxsim/core/version.h"
#include "cxsim/io/h5.h"
#include "cxsim/model/journey_loader.h"

namespace cxsim::cli {

namespace {

struct CalibrateCli {
  calibrate::CalibrateOptions o;
  std::string output;
  std::string report;
  std::string on_bad_row = "error";
  std::vector<std::string> kinds, values;
  bool quiet = false;
  bool json = false;
  bool require_pass = false;
  bool progress = false;
};

// The output rules (core/atomic_output.h) for -o and --report, checked
// before calibrating: folders created, only regular files replaced, never an
// input, and not both the same file.
void check_outputs(const CalibrateCli& c) {
  const std::filesystem::path inputs[] = {c.o.events,    c.o.paths,       c.o.surveys, c.o.cohorts,
                                          c.o.lifetimes, c.o.prior_model, c.o.repeat};
  core::check_output_path(c.output, inputs);
  if (c.report.empty()) return;
  core::check_output_path(c.report, inputs);
  std::error_code ec1, ec2;
  if (std::filesystem::weakly_canonical(c.output, ec1) == std::filesystem::weakly_canonical(c.report, ec2) && !ec1 &&
      !ec2)
    throw core::InputError(fmt::format("{}: -o and --report name the same file", c.output));
}

io::Table to_table(const calibrate::ReportTable& t) {
  io::Table out;
  for (const auto& c : t.columns) {
    if (c.is_string) {
      out.add_column(c.name, c.strings);
    } else if (c.is_integer) {
      std::vector<std::int64_t> v(c.numbers.size());
      for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::int64_t>(c.numbers[i]);
      out.add_column(c.name, std::move(v));
    } else {
      out.add_column(c.name, c.numbers);
    }
  }
  return out;
}

// Writes the report into `file`'s temporary (the caller commits it).
void write_report(io::AtomicFile& file, const calibrate::Report& r) {
  io::File& f = file.file();
  f.set_attribute("filetype", "cxsim-calibration");
  f.set_attribute("created_utc", core::utc_now_iso8601());
  for (const auto& a : r.attributes) {
    if (a.is_string) f.set_attribute(a.name, a.text);
    else if (a.is_integer) f.set_attribute(a.name, a.integer);
    else f.set_attribute(a.name, a.number);
  }
  io::Group model = f.require_group("model");
  io::write_string(model, "journey_yaml", r.journey_yaml, {"the fitted journey (as written with -o)", ""});
  for (const auto& t : r.tables) io::write_table(f, t.path, to_table(t), {t.description, ""});
}

int run_calibrate(CalibrateCli& c, const Context& ctx) {
  if (c.on_bad_row != "error" && c.on_bad_row != "skip")
    throw core::InputError(fmt::format("--on-bad-row '{}': expected error or skip", c.on_bad_row));
  c.o.skip_bad_rows = c.on_bad_row == "skip";
  c.o.command_line = ctx.command_line;
  c.o.stop = ctx.stop;
  if (c.progress)
    c.o.on_stage = [](const char* stage, bool done) {
      std::cerr << "calibrate: " << stage << (done ? " done" : " ...") << std::endl;
    };
  c.o.outcome_kinds = calibrate::parse_key_values(c.kinds, "--outcome-kind");
  for (const auto& [k, v] : calibrate::parse_key_values(c.values, "--outcome-value")) {
    try {
      std::size_t pos = 0;
      const double x = std::stod(v, &pos);
      if (pos != v.size() || !(x >= 0)) throw std::invalid_argument(v);
      c.o.outcome_values[k] = x;
    } catch (const std::exception&) {
      throw core::InputError(fmt::format("--outcome-value {}={}: expected a number >= 0", k, v));
    }
  }
  check_outputs(c);
  const auto t0 = std::chrono::steady_clock::now();
  calibrate::CalibrationResult r = calibrate::calibrate(c.o);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // The library already checked that the YAML loads; check again as a file
  // would be read, then write it.
  model::load_journey_text(r.yaml, c.output);
  // The outputs commit together (their targets were checked by check_outputs
  // before calibrating): both are written completely to temporaries first (a
  // failure there leaves every previous file as it was), then renamed into
  // place, the YAML last (its data already flushed, so its commit is a close
  // and a rename).
  core::AtomicOutputFile yaml_out(c.output);
  yaml_out.stream().write(r.yaml.data(), static_cast<std::streamsize>(r.yaml.size()));
  yaml_out.stream().flush();
  if (!yaml_out.stream())
    throw core::RuntimeError(fmt::format("{}: writing failed (disk full?)", yaml_out.temp_path().string()));
  std::optional<io::AtomicFile> report_out;
  if (!c.report.empty()) {
    r.report.attr("created_by", std::string("cxsim calibrate"));
    r.report.attr("seconds", secs);
    report_out.emplace(c.report);
    write_report(*report_out, r.report);
  }
  // Together or not at all: when the YAML's rename fails after the report's,
  // the report is rolled back to the previous file (core::commit_together).
  // A signal that arrived while writing still stops before any rename.
  if (ctx.stop != nullptr && ctx.stop->load() != 0) throw core::Interrupted(ctx.stop->load());
  if (report_out) {
    const std::filesystem::path targets[] = {c.report, c.output};
    const std::function<void()> commits[] = {[&] { report_out->commit(); }, [&] { yaml_out.commit(); }};
    core::commit_together(targets, commits);
  } else {
    yaml_out.commit();
  }
  if (c.json) {
    // Columnar: {"tables": {"calibration/transitions": {"source": [...], ...}}}
    core::JsonWriter j;
    j.begin_object();
    j.key("output").value(c.output);
    j.key("report").value(c.report);
    j.key("seconds").value(secs);
    j.key("holdout_pass").value(r.holdout_pass);
    j.key("warnings").begin_array();
    for (const auto& w : r.warnings) j.value(w);
    j.end_array();
    j.key("attributes").begin_object();
    for (const auto& a : r.report.attributes) {
      j.key(a.name);
      if (a.is_string) j.value(a.text);
      else if (a.is_integer) j.value(static_cast<long long>(a.integer));
      else j.value(a.number);
    }
    j.end_object();
    j.key("tables").begin_object();
    for (const auto& t : r.report.tables) {
      j.key(t.path).begin_object();
      for (const auto& col : t.columns) {
        j.key(col.name).begin_array();
        if (col.is_string)
          for (const auto& v : col.strings) j.value(v);
        else if (col.is_integer)
          for (double v : col.numbers) j.value(static_cast<long long>(v));
        else
          for (double v : col.numbers) j.value(v);
        j.end_array();
      }
      j.end_object();
    }
    j.end_object();
    j.end_object();
    std::cout << j.str() << "\n";
  } else if (!c.quiet) {
    std::cout << r.summary;
    std::cout << fmt::format("wrote {}{} in {:.2f} s\n", c.output, c.report.empty() ? "" : " and " + c.report, secs);
  }
  if (c.quiet || c.json)
    for (const auto& w : r.warnings) std::cerr << "warning: " << w << "\n";
  if (c.require_pass && !r.holdout_pass) {
    std::cerr << "cxsim: error: a holdout measure failed (--require-pass)\n";
    return static_cast<int>(core::ExitCode::runtime_failure);
  }
  return 0;
}

}  // namespace

void setup_calibrate(CLI::App& app, Context& ctx) {
  auto c = std::make_shared<CalibrateCli>();
  auto* sub = app.add_subcommand(
      "calibrate", "Fit a journey model to event logs (or aggregated paths), surveys and cohort retention");
  auto* ev = sub->add_option("--events", c->o.events,
                             "Event log, CSV (customer_id,journey_id,timestamp,touchpoint[,status,channel,outcome]) or "
                             "XES (.xes, .xes.gz; detected by content)")
                 ->check(CLI::ExistingFile);
  auto* pa = sub->add_option("--paths", c->o.paths,
                             "Aggregated paths CSV: path;total_conversions;total_conversion_value;total_null")
                 ->check(CLI::ExistingFile);
  ev->excludes(pa);
  sub->add_option("--surveys", c->o.surveys, "Survey answers CSV: journey_id or customer_id, nps[, csat, ces]")
      ->check(CLI::ExistingFile);
  auto* co = sub->add_option("--cohorts", c->o.cohorts, "Cohort survivors CSV: period,alive[,segment]")
                 ->check(CLI::ExistingFile);
  auto* li = sub->add_option("--lifetimes", c->o.lifetimes,
                             "Per-customer lifetimes CSV: customer_id,periods,churned[,segment] (churned 0 = censored)")
                 ->check(CLI::ExistingFile);
  co->excludes(li);
  auto* re = sub->add_option("--repeat", c->o.repeat,
                             "Non-contractual retention CSV: frequency,recency,periods (BG/BB) or frequency,recency,T "
                             "(BG/NBD)[,weights][,segment]")
                 ->check(CLI::ExistingFile);
  re->excludes(co);
  re->excludes(li);
  sub->add_option("--prior", c->o.prior,
                  "Dirichlet pseudo-count per observed target of the start and next maps (default 0.5; 0: maximum "
                  "likelihood, the observed frequencies)")
      ->check(CLI::Range(0.0, 1e6));
  sub->add_flag("--distributions", c->o.distributions,
                "Write every fitted parameter with its distribution (Dirichlet/Beta counts, {estimate, sd}, the "
                "retention covariance) for run --uncertainty");
  sub->add_option("--prior-model", c->o.prior_model,
                  "An earlier fit (YAML written by cxsim calibrate) whose counts are the prior: the new data's counts "
                  "add to them")
      ->check(CLI::ExistingFile);
  sub->add_option("-o,--output", c->output, "Fitted journey YAML to write")->required();
  sub->add_option("--report", c->report, "Fit report to write (HDF5)");
  sub->add_option("--map", c->o.map,
                  "Column mapping FIELD=COLUMN[,FIELD=COLUMN...] (e.g. journey_id=case:concept:name)");
  sub->add_option("--on-bad-row", c->on_bad_row,
                  "error (default: stop at the first bad row, exit 2) or skip (count per reason)");
  sub->add_option("--holdout", c->o.holdout, "Fraction of journeys held out (by a hash of journey_id) to check the fit")
      ->check(CLI::Range(0.0, 0.95));
  add_whole_number(sub, "--seed", c->o.seed, "Seed of the holdout assignment and of the noise thresholds (default 1)",
                   0, kMaxSeed);
  sub->add_option("--sep", c->o.separator, "CSV separator: auto (default), ',', ';', tab or '|'");
  add_whole_number(sub, "--max-line-bytes", c->o.max_line_bytes, "Longest CSV record accepted (default 1048576)", 64,
                   std::uint64_t{1} << 30);
  sub->add_option("--memory-mb", c->o.memory_mb,
                  "Event buffer budget before spilling sorted runs to disk (default 128)")
      ->check(CLI::Range(1, 1 << 20));
  sub->add_option("--tmp-dir", c->o.tmp_dir, "Directory for spilled runs (default: the system temporary directory)");
  sub->add_option("--time-unit", c->o.time_unit, "Time unit of the fitted durations (default minutes)");
  sub->add_option("--durations", c->o.durations,
                  "Duration family: aic (default: best AIC), lognormal, exponential, gamma");
  sub->add_option("--name", c->o.name, "Journey name (default: the input file's stem)");
  sub->add_option("--satisfaction0-sd", c->o.satisfaction0_sd,
                  "Known sd of initial satisfaction: undo the ordered logit's attenuation (default 0: no correction)");
  sub->add_option("--csat-scale", c->o.csat_scale, "CSAT scale (scores 1..scale, default 5)");
  sub->add_option("--ces-scale", c->o.ces_scale, "CES scale (scores 1..scale, default 7)");
  add_whole_number(sub, "--book-min-support", c->o.book_min_support,
                   "Reference book: NPS answers a path needs to be ranked by NPS (default 30)", 1,
                   std::uint64_t{1} << 40);
  add_whole_number(sub, "--book-size", c->o.book_size, "Reference book: paths per table (default 10)", 1, 1000);
  sub->add_option("--outcome-kind", c->kinds, "Outcome kinds OUTCOME=KIND[,...] (default: kind = outcome id)");
  sub->add_option("--outcome-value", c->values, "Outcome values OUTCOME=VALUE[,...] (default 0)");
  auto* keep = sub->add_flag("--keep-duplicates")
                   ->description("Keep exact duplicate rows as events (the default, PM4Py's convention)");
  auto* dedupe = sub->add_flag_callback(
      "--dedupe", [c] { c->o.keep_duplicates = false; }, "Drop exact duplicate rows (counted in the summary)");
  keep->excludes(dedupe);
  sub->add_option("--lifecycle", c->o.lifecycle,
                  "Lifecycle events that become visits: complete (default), start, or pair (start+complete -> one "
                  "visit with its duration)")
      ->check(CLI::IsMember({"complete", "start", "pair"}));
  sub->add_option("--time-format", c->o.time_format,
                  "Timestamp form, strptime-style (e.g. '%d/%m/%Y %H:%M'; default: recognised automatically)");
  sub->add_option("--timezone", c->o.timezone,
                  "Time zone of timestamps that name none, a tz database name (e.g. Europe/Amsterdam; default: UTC)");
  sub->add_flag("--require-pass", c->require_pass, "Exit 1 when a holdout measure fails");
  sub->add_flag("-q,--quiet", c->quiet, "Print only warnings");
  sub->add_flag("--json", c->json, "Print the fitted tables (as in the report) as JSON on stdout");
  sub->add_flag("--progress", c->progress, "Print each fitting stage on stderr as it starts and ends");
  sub->callback([c, &ctx] { ctx.action = [c, &ctx] { return run_calibrate(*c, ctx); }; });
}

}  // namespace cxsim::cli
