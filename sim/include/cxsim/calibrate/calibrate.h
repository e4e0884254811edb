#pragma once
// `cxsim calibrate`: fit a journey model to real data (docs/model.md section 9;
// docs/calibration.md for the user's guide, docs/methods/calibration.md for
// the estimators).
//
//   events (or aggregated paths) -> start/next counts, Dirichlet posteriors,
//                                   friction (Beta), durations, outcomes
//   surveys joined to journeys   -> ordered-logit satisfaction deltas and
//                                   baselines (NPS, CSAT), effort (CES)
//   cohorts or lifetimes         -> sBG alpha, beta per segment
//   --repeat (x, t_x, n or T)    -> BG/BB engagement and retention per
//                                   segment; BG/NBD for comparison
//   --holdout                    -> outcome shares and path lengths of
//                                   held-out journeys vs the fitted model
//
// The library returns the YAML text and the report as plain tables; the CLI
// writes the files (the YAML after checking that it loads, the report
// through the HDF5 layer, both atomically).
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cxsim/calibrate/report.h"

namespace cxsim::calibrate {

// The fit report's format: root attributes format_version ("major.minor"),
// format_version_major and format_version_minor (int64). The minor number
// grows when tables or columns are added, the major one if one changes
// meaning or type (docs/calibration.md, "The fit report"). 2.0: integer
// columns and attributes are int64, data_quality has a source column. 2.1:
// attributes dirichlet_prior and prior_model, data_quality source prior_model;
// survey coefficients regularised/separated/collinear_with, fit prior_sd.
// 2.2: calibration/reference_book/{frequent,favourable,unfavourable}.
// 2.3: calibration/repeat (BG/BB and BG/NBD fits of --repeat).
inline constexpr int kFitReportFormatMajor = 2;
inline constexpr int kFitReportFormatMinor = 3;

struct CalibrateOptions {
  std::string events;            // event log: CSV or XES (.xes, .xes.gz), by content
  std::string paths;             // aggregated paths CSV (instead of events)
  std::string surveys;           // survey answers CSV (optional)
  std::string cohorts;           // period,alive[,segment] (optional)
  std::string lifetimes;         // customer_id,periods,churned[,segment] (optional)
  std::string repeat;            // frequency,recency,periods|T[,weights][,segment] (optional)
  std::string prior_model;       // an earlier fit (its calibration: block) as the prior (optional)
  std::vector<std::string> map;  // --map items (FIELD=COLUMN)
  bool skip_bad_rows = false;
  // Exact duplicate rows of the event log are kept (PM4Py's convention) and
  // counted; false (--dedupe): dropped and counted.
  bool keep_duplicates = true;
  std::string lifecycle = "complete";  // --lifecycle complete|start|pair
  std::string time_format;             // --time-format (strptime-style); empty: automatic
  std::string timezone;                // --timezone: zone of timestamps without one (tz name); empty: UTC
  double holdout = 0.0;
  // Dirichlet pseudo-count per observed target of the start and next maps
  // (--prior; 0: maximum likelihood, the observed frequencies).
  double prior = 0.5;
  // --distributions: write each fitted parameter with its distribution
  // (Dirichlet and Beta counts, {estimate, sd}, the retention covariance).
  bool distributions = false;
  std::uint64_t seed = 1;
  std::string separator = "auto";
  std::size_t max_line_bytes = std::size_t{1} << 20;
  std::size_t memory_mb = 128;
  std::string tmp_dir;
  std::string time_unit = "minutes";
  std::string durations = "aic";
  std::string name;               // journey name (default: from the input file)
  double satisfaction0_sd = 0.0;  // attenuation correction (docs/methods)
  int csat_scale = 5;
  int ces_scale = 7;
  // Observed reference book: paths ranked by NPS need at least this many
  // NPS answers (--book-min-support); each table keeps the top book_size.
  std::uint64_t book_min_support = 30;
  std::uint64_t book_size = 10;
  std::map<std::string, std::string> outcome_kinds;  // outcome (as in the data) -> kind
  std::map<std::string, double> outcome_values;      // outcome (as in the data) -> value
  std::string command_line;                          // provenance, written in the YAML header
  // Set by the CLI: non-zero (the signal number) once SIGINT/SIGTERM/SIGHUP
  // arrived. Polled while reading the event log and between the stages;
  // calibrate() then throws core::Interrupted (temporaries removed).
  const std::atomic<int>* stop = nullptr;
  // Called as each fitting stage starts (done false) and ends (done true),
  // with its name ("fit_journey", "fit_surveys", ..., "fit_joint", ...); may
  // be empty. The CLI's --progress prints them; tests stop inside a stage.
  std::function<void(const char* stage, bool done)> on_stage;
};

struct CalibrationResult {
  std::string yaml;                   // the fitted journey; load_journey_text accepts it
  std::string summary;                // human-readable, printed by the CLI
  std::vector<std::string> warnings;  // also in the summary
  Report report;                      // tables for FIT.h5
  bool holdout_pass = true;           // every holdout measure passed (true without --holdout)
};

// Throws core::InputError for bad input (exit 2) and core::RuntimeError for
// internal failures; nothing is written.
CalibrationResult calibrate(const CalibrateOptions& options);

// "purchased=converted,x=y" -> map; throws InputError naming `flag`.
std::map<std::string, std::string> parse_key_values(const std::vector<std::string>& items, const std::string& flag);

}  // namespace cxsim::calibrate
