#pragma once
// Everything the report shows, read from a results file (docs/model.md section
// 10) and nothing else: the report never re-simulates and never reads
// engine memory. Optional parts (comparisons, sweeps, ranking, analytics,
// CSAT/CES histograms, ...) are simply absent when the file has none, and
// the report leaves their sections out.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cxsim/io/table.h"
#include "cxsim/report/journey_map.h"

namespace cxsim::report {

struct EstimateRow {
  double estimate = std::numeric_limits<double>::quiet_NaN();
  double se = std::numeric_limits<double>::quiet_NaN();
  double lo = std::numeric_limits<double>::quiet_NaN();  // the Monte Carlo 95% CI
  double hi = std::numeric_limits<double>::quiet_NaN();
  bool found = false;
  // The 95% total interval (parameter + Monte Carlo uncertainty, from
  // /uncertainty), NaN when the file has none: the report then leads with it.
  double total_lo = std::numeric_limits<double>::quiet_NaN();
  double total_hi = std::numeric_limits<double>::quiet_NaN();
  bool has_total() const { return std::isfinite(total_lo) && std::isfinite(total_hi); }
  // The interval significance is judged by: the total one when there is one.
  double low() const { return has_total() ? total_lo : lo; }
  double high() const { return has_total() ? total_hi : hi; }
};

// A [2][categories] count array: row 0 true (every walk), row 1 measured
// (respondents). Empty when absent.
struct ScoreHistogram {
  std::size_t categories = 0;
  int min_score = 0;  // 0 for NPS, 1 for CSAT and CES
  std::vector<double> true_counts, measured_counts;
  bool empty() const { return categories == 0; }
};

struct VariantData {
  std::string name;
  std::string description;
  std::int64_t order = 0;
  io::Table summary;  // metric, estimate, se, ci_low, ci_high
  std::optional<io::Table> survival_ci, periods, touchpoints, channels, outcomes, segments, paths;
  std::vector<double> survival;  // [P+1], when there is no survival_ci
  ScoreHistogram nps, csat, ces;
  // /analytics/<name>/summary and /touchpoints (exact results), when present.
  std::optional<io::Table> analytics_summary, analytics_touchpoints;
  // /segments/<name>/summary and /comparison (two or more segments): long
  // tables with a `segment` column (engine::segment_summary_table and
  // segment_comparison_table; the baseline has no comparison).
  std::optional<io::Table> segment_summary, segment_comparison;
  // /segments/<name>/money, /periods, /touchpoints and /outcomes (format
  // 1.6): money per segment (levels; Δ rows for every variant but the
  // baseline), the periods table, visits and friction per touchpoint, walks
  // per outcome, each per segment (cxsim/report/segments.h reads them).
  std::optional<io::Table> segment_money, segment_periods, segment_touchpoints, segment_outcomes;
  bool has_segments() const {
    return segment_summary || segment_comparison || segment_money || segment_periods || segment_touchpoints;
  }
  // /queues/<name> (journeys with capacity): touchpoint, period, mean_wait, ...
  std::optional<io::Table> queues;
};

struct SweepData {
  std::string name;
  std::string parameter;  // dotted path, e.g. "checkout.friction"
  io::Table table;        // value, metric, estimate, se, ci_low, ci_high, delta, delta_se, ...
};

struct RankingData {
  double reduce_by = std::numeric_limits<double>::quiet_NaN();
  io::Table table;  // touchpoint, friction, metric, delta, se, ci_low, ci_high, exact_first_order, exact, rank
  std::vector<std::string> notes;  // attribute `notes`: touchpoints left out of the ranking, and why
};

struct Provenance {
  std::string tool_version, format_version, created_utc, command_line;
  std::string journey, journey_path, scenario_path, time_unit = "minutes";
  std::optional<std::uint64_t> seed;
  std::optional<std::int64_t> customers, periods;
  std::optional<double> discount_rate;
  std::string journey_yaml, scenario_yaml;
  std::string title;                    // root `title`: the scenario's name (or the journey's); may be empty
  std::string currency;                 // root `currency` (1.3); empty: unnamed units
  std::optional<double> customer_base;  // root `customer_base` (1.3)
};

// /money/<variant> (format 1.3): the money table of a comparison and its
// per-period cumulative table (docs/results-format.md).
struct MoneyData {
  io::Table summary;  // metric, estimate, se, ci_low, ci_high, unit
  std::optional<io::Table> periods;
};

// /uncertainty (run --uncertainty N): per variant and per comparison, one row
// per headline metric with the MC-only and the total 95% intervals.
struct UncertaintyData {
  std::int64_t draws = 0;  // 0: no uncertain parameter (total == MC)
  std::int64_t draws_requested = 0;
  std::string description;
  std::map<std::string, io::Table> variants, comparisons;
  // /uncertainty/sensitivity/{variants,comparisons}/<name>: metric, input,
  // first_order, conditional_sd (empty when the file has none).
  std::map<std::string, io::Table> sensitivity_variants, sensitivity_comparisons;
};

// /portfolio (scenarios with a portfolio; docs/results-format.md).
struct PortfolioData {
  io::Table combinations;  // combination, size, investment, objective(+_se/_ci_low/_ci_high), within_budget, ...
  std::optional<io::Table> interactions;
  std::string objective, unit, search, best, candidates;
  double budget = std::numeric_limits<double>::quiet_NaN(), best_probability = std::numeric_limits<double>::quiet_NaN();
};

struct ResultsData {
  std::string source;  // the file as named by the user
  Provenance provenance;
  std::vector<VariantData> variants;             // by `order`, baseline first
  std::map<std::string, io::Table> comparisons;  // by variant name
  std::vector<SweepData> sweeps;
  std::optional<RankingData> ranking;
  std::map<std::string, MoneyData> money;  // by variant name (every variant but the baseline)
  std::optional<UncertaintyData> uncertainty;
  std::optional<PortfolioData> portfolio;
  std::optional<JourneyGraph> graph;  // filled by attach_journey_graph()
  // /model@kind_<kind>: "good" +1, "bad" -1, "neutral" 0 (the journey's `good`).
  std::map<std::string, int, std::less<>> kind_directions;

  // Which way is better: a kind's direction as the file states it, else (a
  // file written before it did) model::default_kind_direction; a metric's by
  // model::metric_direction with those kinds.
  int kind_direction(std::string_view kind) const;
  int metric_direction(std::string_view metric) const;
  // The metrics charted first (ranking, sweeps): nps_true, share_<kind> of
  // every good kind, retention_final, clv_mean; those among `metrics`, in
  // that order.
  std::vector<std::string> key_metrics(const std::vector<std::string>& metrics) const;

  const VariantData& baseline() const { return variants.front(); }
  const io::Table* comparison(const std::string& variant) const;
  bool has_variants() const { return !comparisons.empty(); }
  const MoneyData* money_of(const std::string& variant) const;
  // The estimate of `metric` in `variant`'s summary, or (`delta`) in its
  // comparison with the baseline, with the total interval attached when the
  // file has one (/uncertainty with draws > 0).
  EstimateRow estimate(const std::string& variant, std::string_view metric, bool delta) const;
  // The page's name: the scenario's (root `title`), else the journey's.
  std::string title() const;
};

// Reads a results file. Throws core::InputError (exit 2) when the file is
// missing, not HDF5, not a cxsim results file, of an unsupported major
// format version or without any variant; core::RuntimeError when a dataset
// that is there cannot be read.
ResultsData read_results(const std::filesystem::path& path);

// Parses /model/journey_yaml into data.graph for the journey map. Leaves
// data.graph empty (the map section out) when the text does not load.
// Needs the model area (journey_graph.cpp).
void attach_journey_graph(ResultsData& data);

// Defensive accessors: a number from a float64 or int64 column (NaN when
// the column is missing), a string (empty when missing), and the row whose
// `key` column equals `value` (npos when none).
double table_number(const io::Table& t, std::string_view column, std::size_t row);
std::string table_string(const io::Table& t, std::string_view column, std::size_t row);
std::size_t find_row(const io::Table& t, std::string_view key, std::string_view value);

// The estimate columns of `row`: `prefix` ("" for estimate/se/ci_low/ci_high,
// "visits_per_walk" for visits_per_walk/_se/_ci_low/_ci_high); a comparison
// table's "delta" is read as the estimate when there is no "estimate".
EstimateRow table_estimate(const io::Table& t, std::size_t row, std::string_view prefix = {});
// Looks a metric up in a summary or comparison table.
EstimateRow metric_estimate(const io::Table& t, std::string_view metric);

// The X of every column named prefix + X ("exit_share_converted" ->
// "converted"), leaving out the _se / _ci_low / _ci_high companions of
// another such column.
std::vector<std::string> column_suffixes(const io::Table& t, std::string_view prefix);

// What the report puts first. The headline metrics of a summary table that
// it has, in this order: nps_true, nps_measured, the conversion share (the
// first share_<kind> of a good kind by `kind_direction`, empty meaning
// model::default_kind_direction; else the first kind but timeout),
// retention_final, clv_mean, cost_mean, net_value_mean, time_mean.
std::vector<std::string> headline_metrics(const io::Table& summary,
                                          const std::function<int(std::string_view)>& kind_direction = {});
// The metrics compared across variants: nps_true, the conversion share,
// retention_final, clv_mean, cost_mean, net_value_mean (those the table has).
std::vector<std::string> delta_metrics(const io::Table& table,
                                       const std::function<int(std::string_view)>& kind_direction = {});

// The exact counterpart of a Monte Carlo estimate of `metric`, for the
// report's "Exact (analytics)" column (docs/reports.md): the analytics'
// `pooled` value, i.e. the per-walk expectation over every walk of the run's
// periods weighted by the expected walks of each segment, or the per-customer
// expectation over the run — what the Monte Carlo estimate estimates.
//  - absent: the file has no analytics, or none for this metric;
//  - value: comparable, within a few standard errors of the estimate;
//  - not_exact: the chain has no exact value (`exact` = 0: a recovery program
//    triggered by satisfaction);
//  - not_comparable: an exact one-walk value exists but no exact pooled one
//    (churn depends on the walks and segments differ, or a file written before
//    `pooled` existed with P > 1).
// share_timeout is compared with timeout_prob_exact (the chain's shares are
// those of the untruncated walk).
struct ExactValue {
  enum class Kind { absent, value, not_exact, not_comparable };
  Kind kind = Kind::absent;
  double value = std::numeric_limits<double>::quiet_NaN();
};
ExactValue exact_value(const VariantData& v, std::string_view metric, const Provenance& p);
// The report's text for it (HTML and Markdown alike): the value with the
// decimals of the estimate beside it (`se`, `scale` as for plus_minus),
// "not exact", "n/c", or "" when absent.
std::string exact_text(const ExactValue& x, double se, double scale);

// The share of a variant's walks that hit the step limit, when the summary
// has it and it is above 0 (the reports then warn); nullopt otherwise.
std::optional<EstimateRow> timeout_share(const VariantData& v);

// One line of the reports' provenance list: `text` is plain (the renderer
// escapes it), `code` asks for code formatting (file names, the command
// line), and `in_summary` is false for lines only the HTML page shows.
struct ProvenanceItem {
  std::string label, text;
  bool code = false;
  bool in_summary = true;
};
// Every provenance line with a value, in the order the reports list them
// (the results file always).
std::vector<ProvenanceItem> provenance_items(const ResultsData& d);

// Walks simulated in a variant (sum of the outcomes table's walks; else
// walks_per_customer x customers; NaN when unknown).
double walks_total(const VariantData& v, const Provenance& p);

// Standard error of a share p of n independent units (NaN when n <= 0).
// Used where the file gives a share without a standard error (score
// histograms, exit shares, path shares); walks are then the unit, which
// slightly understates the uncertainty when customers walk several times.
double binomial_se(double p, double n);

}  // namespace cxsim::report
