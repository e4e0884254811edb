#pragma once
// `cxsim check MODEL.yaml --events E.csv [--surveys S.csv] [--lifetimes L.csv
// | --cohorts C.csv]`: backtest and drift (docs/model.md section 16). The
// model is simulated on the observed population (the log's customers, times
// --customers-sims) and every observed quantity is compared with its
// simulated counterpart, one row per metric and key, each with a 95%
// interval on both sides and a z-score; rows beyond a Bonferroni threshold
// fail (docs/methods/check.md for the maths, docs/check-format.md for the
// HDF5 file, docs/calibration.md "Checking a model against data" for use).
//
// The library reads the inputs (the calibrate readers) and simulates (the
// engine); the CLI prints the table and writes the file through the io layer.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cxsim::check {

// The check file's format: root attributes format_version ("major.minor"),
// format_version_major, format_version_minor (docs/check-format.md).
inline constexpr int kCheckFormatMajor = 1;
inline constexpr int kCheckFormatMinor = 0;

struct CheckOptions {
  std::string model;             // journey YAML
  std::string events;            // event log CSV (required)
  std::string surveys;           // survey answers CSV (optional)
  std::string lifetimes;         // customer_id,periods,churned (optional)
  std::string cohorts;           // period,alive (optional; not with lifetimes)
  std::vector<std::string> map;  // --map items (FIELD=COLUMN)
  std::string separator = "auto";
  std::size_t max_line_bytes = std::size_t{1} << 20;
  std::size_t memory_mb = 128;
  std::string tmp_dir;
  bool skip_bad_rows = false;
  bool keep_duplicates = true;         // as calibrate: kept (PM4Py's convention); --dedupe drops them
  std::string lifecycle = "complete";  // as calibrate's --lifecycle complete|start|pair
  std::string time_format;             // as calibrate's --time-format; empty: automatic
  std::string timezone;                // as calibrate's --timezone; empty: UTC
  std::uint64_t seed = 1;
  // Simulated customers per observed customer (K): the simulation's standard
  // errors are about 1/sqrt(K) of the data's.
  std::uint64_t customers_sims = 10;
  // Periods simulated (0: the model's population.periods, else the retention
  // data's horizon, else the most journeys of one customer in the log).
  int periods = 0;
  double alpha = 0.05;  // family-wise error rate of the Bonferroni rule
  // Compare the log of the time from each visit to the next (--no-durations:
  // not, e.g. for a log whose timestamps are dates only).
  bool durations = true;
  int csat_scale = 5, ces_scale = 7;
};

// One side (observed or simulated) of a row.
struct Estimate {
  double value = 0;       // the point estimate (a share, an NPS, a survival)
  double se = 0;          // its standard error (continuity-corrected for shares)
  double lo = 0, hi = 0;  // 95% interval
  double n = 0;           // the denominator (visits, journeys, answers, customers at risk)
};

struct Row {
  std::string metric;  // journeys_per_customer, start, transition, friction, duration_log_mean,
                       // duration_log_sd, channel, outcome, response_rate, nps, nps_score,
                       // csat, csat_score, ces, ces_score, survival
  std::string key;     // "checkout -> delivery", "checkout", "converted", "9", "t=3"
  Estimate observed, simulated;
  double z = 0;         // (observed - simulated) / sqrt(se_obs^2 + se_sim^2); NaN when untested
  bool tested = false;  // both sides have n > 0
  bool pass = true;     // |z| <= threshold (true when untested)
};

struct CheckResult {
  std::vector<Row> rows;  // sorted by |z| decreasing, untested rows last
  double threshold = 0;   // Bonferroni |z| threshold over the tested rows
  std::size_t tested = 0, failed = 0;
  bool pass = true;
  std::uint64_t customers_observed = 0, customers_simulated = 0;
  std::uint64_t journeys_observed = 0, walks_simulated = 0;
  std::uint64_t seed_simulation = 0;  // the engine seed derived from options.seed
  int periods = 1;
  std::string periods_source;  // where `periods` came from
  std::string model_yaml;      // the model file's text
  std::vector<std::string> warnings;
  std::string summary;  // inputs read, printed by the CLI above the table
};

// ---- the maths (docs/methods/check.md), public for tests

// Share x/n: value x/n; se from the continuity-corrected p~ = (x + 1/2)/(n + 1),
// sqrt(p~(1 - p~)/n), never 0 for 0 or n successes; Wilson 95% interval.
Estimate proportion(double x, double n);
// NPS = 100 (promoters - detractors)/n, se from the multinomial variance with
// the same correction on both shares; normal 95% interval clipped to [-100, 100].
Estimate nps(double promoters, double detractors, double n);
// Kaplan-Meier survival after each period t = 1..T from churned[t] and
// censored[t] (the sbg.h counts: censored customers leave after period t),
// Greenwood standard errors (binomial, continuity-corrected, when nothing is
// censored: cohorts); returns T estimates (index t-1).
std::vector<Estimate> survival(const std::vector<double>& churned, const std::vector<double>& censored, int T);
// A mean of n values from its running moments (m2 = sum of squared
// deviations): se = sd/sqrt(n), normal 95% interval.
Estimate mean(double n, double mean, double m2);
// A standard deviation of n values from their running central moments (m2,
// m4: sums of squared and fourth-power deviations): s = sqrt(m2/(n-1)), se by
// the delta method from Var(s^2) ~ (mu4 - sigma^4)/n; normal 95% interval.
Estimate standard_deviation(double n, double m2, double m4);
// The two-sided normal p-value of a z-score, 2 (1 - Phi(|z|)); NaN for NaN.
double p_value(double z);
// The statistic a metric's rows compare ("share", "mean", "nps",
// "log-duration mean", "log-duration sd", "kaplan-meier survival").
const char* statistic_of(const std::string& metric);
// (obs - sim)/sqrt(se_obs^2 + se_sim^2); NaN when the combined se is 0.
double z_score(const Estimate& observed, const Estimate& simulated);
// The two-sided Bonferroni threshold: Phi^-1(1 - alpha/(2 m)); m >= 1.
double bonferroni_threshold(std::size_t m, double alpha);
// Fills z, tested, pass of every row, sorts them and sets threshold, tested,
// failed and pass.
void decide(CheckResult& r, double alpha);

// Throws core::InputError for bad input (exit 2), core::RuntimeError for
// internal failures.
CheckResult check(const CheckOptions& options);

// The table as printed: the `top` rows of largest |z| (0: all).
std::string format_table(const CheckResult& r, std::size_t top);
// Every row as JSON (docs/check-format.md, "JSON"): the verdict, the
// threshold and per row its statistic, both estimates, z, the two-sided
// p-value, its Bonferroni-adjusted value and the result.
std::string format_json(const CheckResult& r, const CheckOptions& o);

}  // namespace cxsim::check
