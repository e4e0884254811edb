// calibrate(): the options, then the pipeline over one State (stages.h):
//   sources -> aggregate -> journey fit -> survey fit -> retention fit ->
//   joint fit -> writer -> key drivers -> holdout -> report -> reference book.
#include "cxsim/calibrate/calibrate.h"

#include <filesystem>

#include <fmt/format.h>

#include "cxsim/calibrate/columns.h"
#include "cxsim/calibrate/csv.h"
#include "cxsim/calibrate/durations.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/version.h"
#include "stages.h"

namespace cxsim::calibrate {

using namespace stages;

namespace stages {

void State::dqa(const std::string& source, const std::string& item, double v) {
  dq->add("source", source);
  dq->add("item", item);
  dq->add("count", v);
}

void State::bad_rows(const std::string& source, std::uint64_t n, const std::map<std::string, std::uint64_t>& by,
                     const std::vector<std::string>& examples) {
  dqa(source, "bad_rows", static_cast<double>(n));
  for (const auto& [k, v] : by) dqa(source, "bad_rows: " + k, static_cast<double>(v));
  if (!n) return;
  res.summary += fmt::format("  bad rows skipped: {} ({})\n", n, reasons(by));
  for (const auto& e : examples) res.summary += "    " + e + "\n";
}

}  // namespace stages

std::map<std::string, std::string> parse_key_values(const std::vector<std::string>& items, const std::string& flag) {
  std::map<std::string, std::string> out;
  for (const std::string& item : split_items(items)) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw core::InputError(fmt::format("{} '{}': expected NAME=VALUE", flag, item));
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

CalibrationResult calibrate(const CalibrateOptions& o) {
  // Between the stages: stop when a signal arrived (the CLI's handler).
  const auto check_stop = [&o] {
    if (o.stop != nullptr && o.stop->load() != 0) throw core::Interrupted(o.stop->load());
  };
  check_stop();
  CalibrationResult res;
  State s(o, res);
  Report& rep = res.report;

  // ---- options
  const bool journeys = !o.events.empty() || !o.paths.empty();
  const bool retention_only = !journeys && (!o.cohorts.empty() || !o.lifetimes.empty() || !o.repeat.empty());
  if (!o.events.empty() && !o.paths.empty())
    throw core::InputError("give exactly one of --events EVENTS.csv and --paths PATHS.csv");
  if (!journeys && !retention_only)
    throw core::InputError(
        "give one of --events EVENTS.csv and --paths PATHS.csv (or, to fit retention alone, --cohorts, --lifetimes or "
        "--repeat)");
  if (!o.cohorts.empty() && !o.lifetimes.empty())
    throw core::InputError("give at most one of --cohorts and --lifetimes");
  if (!o.repeat.empty() && (!o.cohorts.empty() || !o.lifetimes.empty()))
    throw core::InputError(
        "give at most one of --repeat (non-contractual: BG/BB) and --cohorts/--lifetimes (contractual: sBG)");
  if (retention_only && o.holdout > 0) throw core::InputError("--holdout needs --events or --paths");
  if (retention_only && !o.prior_model.empty()) throw core::InputError("--prior-model needs --events or --paths");
  if (!(o.prior >= 0 && o.prior <= 1e6)) throw core::InputError("--prior must be in [0, 1e6]");
  if (!o.surveys.empty() && o.events.empty())
    throw core::InputError("--surveys needs --events (answers are joined to journeys by journey_id or customer_id)");
  if (!(o.holdout >= 0 && o.holdout < 1)) throw core::InputError("--holdout must be in [0, 1)");
  if (o.satisfaction0_sd < 0) throw core::InputError("--satisfaction0-sd must be >= 0");
  if (o.csat_scale < 2 || o.csat_scale > 100) throw core::InputError("--csat-scale must be in 2..100");
  if (o.ces_scale < 2 || o.ces_scale > 100) throw core::InputError("--ces-scale must be in 2..100");
  if (o.max_line_bytes < 64) throw core::InputError("--max-line-bytes must be >= 64");
  if (o.book_min_support < 1) throw core::InputError("--book-min-support must be >= 1");
  if (o.book_size < 1 || o.book_size > 1000) throw core::InputError("--book-size must be in 1..1000");
  s.unit_s = seconds_per_unit(o.time_unit);
  s.dchoice = parse_duration_choice(o.durations);
  s.csvo.separator = parse_separator(o.separator);
  s.csvo.max_record_bytes = o.max_line_bytes;
  s.map = parse_column_map(o.map);
  s.values = o.outcome_values;

  rep.attr("format_version", fmt::format("{}.{}", kFitReportFormatMajor, kFitReportFormatMinor));
  rep.attr_int("format_version_major", kFitReportFormatMajor);
  rep.attr_int("format_version_minor", kFitReportFormatMinor);
  rep.attr("tool_version", std::string(core::tool_version));
  rep.attr("command_line", o.command_line);
  rep.attr_int("seed", static_cast<std::int64_t>(o.seed));
  rep.attr("holdout_fraction", o.holdout);
  rep.attr("input", !o.events.empty()    ? o.events
                    : !o.paths.empty()   ? o.paths
                    : !o.cohorts.empty() ? o.cohorts
                    : !o.repeat.empty()  ? o.repeat
                                         : o.lifetimes);
  rep.attr("dirichlet_prior", o.prior);
  if (!o.prior_model.empty()) rep.attr("prior_model", o.prior_model);

  // Data quality of every input file: one table, a row per (source, item).
  auto& dq = rep.table("calibration/data_quality", "row counts and bad rows by reason, per input file");
  dq.str("source").str("item").integer("count");
  s.dq = &dq;

  // ---- sources (surveys first: the join needs them while journeys stream by)
  if (!o.surveys.empty()) s.sv = read_surveys(o, s.map, s.csvo);
  s.retention_only = retention_only;
  if (!o.events.empty()) read_events(s);
  else if (!o.paths.empty()) read_paths(s);
  if (!o.prior_model.empty()) add_prior_model(s);
  check_stop();
  finish_aggregates(s);

  // ---- the fits, the YAML (header, model), its simulated key drivers, the
  // holdout check and the fit report, in this order; a stop request (signal)
  // is honoured between any two stages.
  using Stage = void (*)(State&);
  const std::pair<const char*, Stage> pipeline[] = {{"fit_journey", fit_journey},
                                                    {"fit_surveys", fit_surveys},
                                                    {"fit_retention", fit_retention},
                                                    {"fit_repeat", fit_repeat},
                                                    {"fit_segments", fit_segments},
                                                    {"fit_joint", fit_joint},
                                                    {"combine_prior_deltas", combine_prior_deltas},
                                                    {"write_model", write_model},
                                                    {"simulate_key_drivers", simulate_key_drivers},
                                                    {"check_holdout", check_holdout},
                                                    {"write_report", write_report},
                                                    {"write_reference_book", write_reference_book}};
  for (const auto& [name, stage] : pipeline) {
    check_stop();
    if (o.on_stage) o.on_stage(name, false);
    stage(s);
    if (o.on_stage) o.on_stage(name, true);
  }
  check_stop();

  for (const auto& w : res.warnings) res.summary += "warning: " + w + "\n";
  return res;
}

}  // namespace cxsim::calibrate
