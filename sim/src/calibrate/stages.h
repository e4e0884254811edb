#pragma once
// Internal to sim/src/calibrate: the types and stage functions that
// calibrate() (calibrate.cpp) orchestrates. The pipeline:
//
//   calibrate.cpp      options, then the stages below in order over one State
//   sources.cpp        read the survey, cohort and lifetime files
//   journey_source.cpp stream the event log or the aggregated paths into the
//                      training and holdout aggregates (read_events, read_paths)
//   prior_model.cpp    --prior-model: add an earlier fit's counts (its YAML's
//                      calibration: block) to the training aggregate
//   aggregate.cpp      per-journey counts (Aggregate, below), survey
//                      covariates, the customer join (finish_aggregates)
//   journey_fit.cpp    start/next maps, friction, durations, outcomes (fit_journey)
//   survey_fit.cpp     ordered logits and key drivers (fit_surveys)
//   retention_fit.cpp  sBG per segment (fit_retention)
//   repeat_fit.cpp     --repeat: BG/BB (engagement and retention) and BG/NBD
//                      per segment (fit_repeat)
//   joint_fit.cpp      one likelihood per customer over walks, answers,
//                      non-answers and lifetimes: deltas, cut-points,
//                      carryover, response, churn heterogeneity and
//                      sensitivity (fit_joint)
//   writer.cpp         the YAML and the fit report tables (write_model)
//   key_drivers.cpp    the key drivers' what-ifs simulated on the fitted YAML
//   holdout.cpp        exact chain distributions and the noise-calibrated
//                      check of held-out journeys (check_holdout)
//   reference_book.cpp the observed reference book: the journeys' paths in a
//                      bounded sketch as they stream by (book_journey), its
//                      tables and summary lines (write_reference_book)
//
// Not installed: nothing outside sim/src/calibrate includes it.
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cxsim/calibrate/calibrate.h"
#include "cxsim/calibrate/columns.h"
#include "cxsim/calibrate/csv.h"
#include "cxsim/calibrate/durations.h"
#include "cxsim/calibrate/event_log.h"
#include "cxsim/calibrate/journey_writer.h"
#include "cxsim/calibrate/ordered_logit.h"
#include "cxsim/calibrate/repeat_fit.h"
#include "cxsim/calibrate/sbg.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/model/journey_spec.h"
#include "cxsim/stats/heavy_hitters.h"

namespace cxsim::calibrate::stages {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kZ95 = 1.959963984540054;
// Zeger, Liang & Albert (1988): a normal random intercept with sd s shrinks
// logit coefficients by about 1/sqrt(1 + c^2 s^2), c = 16 sqrt(3) / (15 pi).
inline constexpr double kAttenuationC2 =
    (16.0 * 1.7320508075688772 / (15.0 * M_PI)) * (16.0 * 1.7320508075688772 / (15.0 * M_PI));
inline constexpr std::uint32_t kSwitchColumn = 0xFFFFFFFEu;
// A segment override is written where the likelihood-ratio test of equal
// values over the segments has a p-value below this (docs/calibration.md).
inline constexpr double kSegmentTestLevel = 0.01;

// ------------------------------------------------------------ text

// Throws InputError with one error at file:line (0: the whole file).
[[noreturn]] void throw_file_error(const std::string& file, int line, const std::string& message);
std::string_view trim(std::string_view s);
// At most 60 characters ("..." when cut), for messages.
std::string shorten(std::string_view s);
// A finite number (leading '+' allowed, surrounding spaces ignored).
std::optional<double> parse_number(std::string_view s);
// An integral number of magnitude <= 1e15.
std::optional<long long> parse_integer(std::string_view s);
// "reason: n, reason: n".
std::string reasons(const std::map<std::string, std::uint64_t>& m);

// ------------------------------------------------------------ aggregation

struct Visit {
  std::uint32_t tp;
  Status status;
  std::uint32_t channel;
  double gap_s;  // seconds to the next event of the journey; NaN for the last
};

inline std::uint64_t tkey(std::uint32_t src, bool friction, bool outcome, std::uint32_t target) {
  return (static_cast<std::uint64_t>(src) << 34) | (static_cast<std::uint64_t>(friction) << 33) |
         (static_cast<std::uint64_t>(outcome) << 32) | target;
}

struct Aggregate {
  std::vector<double> start, visits, fr_visits;
  std::vector<DurationStats> dur[2];
  std::unordered_map<std::uint64_t, double> trans;
  std::unordered_map<std::uint64_t, double> channel_counts;
  std::vector<double> outcome_count;
  double censored = 0, journeys = 0;
  std::map<long, double> lengths;

  void ensure_tp(std::size_t T) {
    if (start.size() >= T) return;
    start.resize(T, 0.0);
    visits.resize(T, 0.0);
    fr_visits.resize(T, 0.0);
    dur[0].resize(T);
    dur[1].resize(T);
  }
  void ensure_oc(std::size_t O) {
    if (outcome_count.size() < O) outcome_count.resize(O, 0.0);
  }
  // `outcome` kNone: censored (timeout or no exit observed).
  void add(const std::vector<Visit>& v, std::uint32_t outcome, double w) {
    if (v.empty() || w <= 0) return;
    std::uint32_t maxtp = 0;
    for (const auto& x : v) maxtp = std::max(maxtp, x.tp);
    ensure_tp(maxtp + 1);
    journeys += w;
    lengths[static_cast<long>(v.size())] += w;
    start[v[0].tp] += w;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const auto& x = v[i];
      const bool fr = x.status == Status::friction;
      visits[x.tp] += w;
      if (fr) fr_visits[x.tp] += w;
      if (x.channel != kNone) channel_counts[(static_cast<std::uint64_t>(x.tp) << 32) | x.channel] += w;
      if (i + 1 < v.size()) {
        trans[tkey(x.tp, fr, false, v[i + 1].tp)] += w;
        if (std::isfinite(x.gap_s)) dur[fr ? 1 : 0][x.tp].add(x.gap_s);
      } else if (outcome != kNone) {
        trans[tkey(x.tp, fr, true, outcome)] += w;
      }
    }
    if (outcome == kNone) censored += w;
    else {
      ensure_oc(outcome + 1);
      outcome_count[outcome] += w;
    }
  }
};

// Sparse survey covariates: column 2*tp (+1 for friction), or kSwitchColumn.
using Covariates = std::vector<std::pair<std::uint32_t, float>>;
Covariates covariates_of(const std::vector<Visit>& v);

// ------------------------------------------------------------ surveys

struct Answer {
  int nps = -1, csat = -1, ces = -1;  // scores as given (nps 0..10, csat/ces 1..scale)
  int segment = -1;                   // index into SurveyData::segments (-1: none given)
};

struct SurveyData {
  std::string file;
  bool by_journey = true;
  bool has_csat = false, has_ces = false;
  std::unordered_map<std::string, std::vector<Answer>> answers;
  std::uint64_t rows = 0, bad_rows = 0;
  std::map<std::string, std::uint64_t> bad_by_reason;
  std::vector<std::string> bad_examples;
  std::string join_column;
  // The optional `segment` column: its distinct values (Answer::segment).
  bool has_segment = false;
  std::vector<std::string> segments;
};

struct Respondent {
  Answer a;
  Covariates x;
  bool holdout = false;
  std::string segment;  // the event log's segment of its journey (customer join: its customer's); "" none
};

SurveyData read_surveys(const CalibrateOptions& o, const ColumnMap& map, const CsvOptions& csvo);

// ------------------------------------------------------------ retention

struct SegmentSurvival {
  std::string name;
  SurvivalCounts counts;
  double customers = 0;
};

// Rows read and rows skipped (--on-bad-row skip) of one input file.
struct RowCounts {
  std::uint64_t rows = 0, bad_rows = 0;
  std::map<std::string, std::uint64_t> bad_by_reason;
  std::vector<std::string> bad_examples;
  void take(const BadRowSink& sink) {
    bad_rows = sink.count();
    bad_by_reason = sink.by_reason();
    bad_examples = sink.examples();
  }
};

// One customer's row of --lifetimes (for the joint fit's join by customer_id).
struct Lifetime {
  long long periods = 0;
  bool churned = false;
  std::uint64_t line = 0;
};

struct RetentionInput {
  std::vector<SegmentSurvival> segments;
  RowCounts counts;
  // --lifetimes with a customer_id column: each customer's row (the first
  // when an id repeats; repeats counted).
  std::unordered_map<std::string, Lifetime> by_customer;
  std::uint64_t repeated_customers = 0;
};

RetentionInput read_cohorts(const CalibrateOptions& o, const ColumnMap& map, const CsvOptions& csvo);
RetentionInput read_lifetimes(const CalibrateOptions& o, const ColumnMap& map, const CsvOptions& csvo);
// Adds `add`'s counts to `into`'s segment of the same name (appended when new).
void merge_survival(std::vector<SegmentSurvival>& into, const std::vector<SegmentSurvival>& add);

// ------------------------------------------------------------ holdout

// TV distance between two distributions on the same bins.
double total_variation(const std::vector<double>& p, const std::vector<double>& q);

struct ChainResult {
  std::vector<double> outcome;  // by spec outcome index
  double timeout = 0;
  std::vector<double> length;  // P(L = n), n = 0..max_steps
};

// Exact outcome and path-length distributions of one walk of the fitted model
// (default segment; the absorbing chain with friction folded in), truncated
// at max_steps like the engine.
ChainResult exact_chain(const model::JourneySpec& spec);

struct Measure {
  std::string name;
  double tv = kNaN, threshold = kNaN, n_holdout = 0, n_train = 0;
  bool pass = true;
  std::vector<std::string> bins;
  std::vector<double> observed, model;
};

// One holdout measure: observed counts vs model probabilities on the same
// bins, TV distance and its noise threshold (measure-th of `measures`).
Measure compare(const std::string& name, std::vector<std::string> bins, std::vector<double> obs_counts,
                std::vector<double> model_p, double n_train, std::uint64_t seed, std::uint64_t measure,
                std::size_t measures);

// ------------------------------------------------------------ reference book

// The observed reference book (reference_book.cpp): per segment ("all": the
// event log has no segment column yet), a Space-Saving sketch of the
// journeys' paths (as the engine records them: at most 64 touchpoints, then
// a "..." marker). Attached per tracked path: NPS answers, promoters and
// detractors of its journeys (kBook* below).
struct ObservedBook {
  static constexpr std::size_t kCapacity = 4096;  // per segment, as the engine's sketch
  static constexpr std::size_t kMaxLength = 64;   // as the engine's path_max_length
  static constexpr std::size_t kAnswers = 0, kPromoters = 1, kDetractors = 2, kAttached = 3;
  // A surveyed customer's latest journey (customer join): its answers go to
  // it, known only when the log has been read.
  struct Last {
    std::int64_t end_ts = std::numeric_limits<std::int64_t>::min();
    stats::Path path;
    std::string segment;
  };
  std::map<std::string, stats::HeavyHitters> sketches;  // by segment
  std::unordered_map<std::string, Last> last;           // by customer_id
  std::map<std::string, double> journeys;               // by segment: journeys added
  std::uint64_t skipped = 0;                            // journeys with a touchpoint index beyond 16 bits
  stats::Path scratch;                                  // the current journey's path
};

// ------------------------------------------------------------ pipeline state

// A survey answer joined by customer_id waits for that customer's last
// journey.
struct Pending {
  std::int64_t end_ts = std::numeric_limits<std::int64_t>::min();
  Covariates x;
  bool holdout = false;
};

// One journey of a customer, kept for the joint fit (joint_fit.cpp).
struct CustomerWalk {
  std::string journey;
  std::int64_t start_ts = 0;
  Covariates x;
};

// One row of the key drivers (survey fit; sim_*: key_drivers.cpp).
struct KeyDriver {
  std::string id;
  double a, b, d, dse, fv, cost, nps;
  double sim_nps = kNaN, sim_nps_se = kNaN;  // simulated Δ NPS (true) with friction 0, and its se
};

// At most this many key-driver what-ifs are simulated (one variant each).
inline constexpr std::size_t kMaxKeyDriverSimulations = 200;

// The sBG fit of one segment (retention fit).
struct RetentionRow {
  std::string id;
  double customers = 0;
  SbgFit fit;
};

// A BG/BB or BG/NBD fit of one segment (--repeat).
struct RepeatRow {
  std::string id;
  double customers = 0;
  RepeatFit fit;
};

// What the stages share: each stage reads what earlier ones filled in and
// adds its own part (in the order of the members).
struct State {
  State(const CalibrateOptions& options, CalibrationResult& result) : o(options), res(result) {}
  const CalibrateOptions& o;
  CalibrationResult& res;  // summary, warnings, report

  // Options, parsed.
  double unit_s = 60;
  DurationChoice dchoice{};
  CsvOptions csvo;
  ColumnMap map;
  std::map<std::string, double> values;  // outcome values (the paths add converted's)

  // Data quality of every input file: one table, a row per (source, item).
  ReportTable* dq = nullptr;
  void warn(const std::string& w) { res.warnings.push_back(w); }
  void dqa(const std::string& source, const std::string& item, double v);
  // The summary lines and data-quality rows of skipped bad rows.
  void bad_rows(const std::string& source, std::uint64_t n, const std::map<std::string, std::uint64_t>& by,
                const std::vector<std::string>& examples);

  // Sources and aggregation.
  bool retention_only = false;  // --cohorts or --lifetimes without --events or --paths
  std::optional<SurveyData> sv;
  std::vector<Respondent> respondents;
  std::unordered_map<std::string, Pending> pending;  // customer join
  Aggregate train, hold;
  Dictionary tp_names, oc_names;  // aggregator dictionaries (raw names)
  bool has_status = false, has_channel = false, has_outcome_col = false, has_customer_col = false;
  // Every journey by customer_id, when surveys are joined by journey_id (the
  // joint fit needs who did not answer and the order of a customer's walks).
  std::unordered_map<std::string, std::vector<CustomerWalk>> walks;
  std::vector<std::string> channel_names;
  std::string input_desc;
  // The event log's segment column (docs/calibration.md, "Segments"): the
  // training journeys per segment and each customer's segment (its first).
  bool has_segment_col = false;
  std::map<std::string, Aggregate> seg_train;
  std::unordered_map<std::string, std::string> customer_segment;
  std::uint64_t segment_customer_conflicts = 0;  // customers whose journeys name several segments
  std::uint64_t journeys_without_segment = 0;
  // Survey answers whose `segment` is not their journey's (customer join:
  // their customer's); the journey's is used.
  std::uint64_t survey_segment_mismatches = 0;

  // Journey fit.
  FittedModel m;
  IdMaker ids;
  std::size_t T = 0, O = 0;
  std::vector<std::string> tp_id, oc_id;
  std::vector<int> tp_index;           // -> m.touchpoints
  std::vector<std::uint32_t> order;    // touchpoints with training visits
  std::size_t data_outcomes = 0;       // m.outcomes seen in the data (then 'unobserved')
  std::vector<double> exits, started;  // per m.touchpoints: training exits and starts

  // Survey fit.
  OrderedLogitFit nps_fit, csat_fit, ces_fit;
  std::vector<std::size_t> train_resp, hold_resp;
  std::size_t P = 0;  // covariate columns: ok/friction per touchpoint + switches
  double attenuation = 1;
  double respondents_nps = 0, respondents_csat = 0, respondents_ces = 0;  // training answers per scale
  bool has_key_drivers = false;
  std::vector<KeyDriver> key_drivers;  // by simulated Δ NPS, decreasing (after simulate_key_drivers)
  double key_driver_customers = 0;     // population of the simulated what-ifs
  std::uint64_t key_driver_seed = 0;

  // --prior-model's satisfaction and effort deltas (its calibration: block),
  // combined with the survey and joint fits' by combine_prior_deltas.
  struct PriorDelta {
    std::uint32_t tp = 0;  // aggregator index (tp_names); kSwitchColumn: the channel switch
    bool effort = false, friction = false;
    double estimate = 0, se = 0;
  };
  std::vector<PriorDelta> prior_deltas;

  // Retention fit.
  std::vector<SegmentSurvival> prior_retention;   // --prior-model's counts (added to the file's)
  std::vector<SegmentSurvival> retention_counts;  // what the sBG was fitted on (the calibration: block)
  bool has_retention = false;                     // --cohorts or --lifetimes, or the prior model's
  std::vector<RetentionRow> retention;
  std::unordered_map<std::string, Lifetime> lifetimes;  // --lifetimes by customer_id (may be empty)
  bool has_repeat = false;                              // --repeat given
  std::vector<RepeatRow> repeat;                        // its fits, by segment (BG/BB before BG/NBD)

  // Writer (the YAML) and holdout.
  std::optional<model::LoadedJourney> lj;
  bool has_holdout = false;  // --holdout given: a fit/holdout table, maybe empty
  std::vector<Measure> measures;

  // Observed reference book (filled while the event log streams by).
  ObservedBook book;
};

// Dense covariate row of P columns.
template <class Row>
void dense(const Covariates& c, std::size_t P, Row&& row) {
  row.setZero();
  for (const auto& [col, v] : c) {
    if (col == kSwitchColumn) row(static_cast<Eigen::Index>(P - 1)) = v;
    else if (col < P - 1) row(static_cast<Eigen::Index>(col)) = v;
  }
}

// The stages, in order.
void read_events(State& s);
void read_paths(State& s);
void add_prior_model(State& s);
// The fitted YAML's calibration: block (the training counts, for --prior-model).
std::string calibration_block(const State& s);
void finish_aggregates(State& s);
void fit_journey(State& s);
void fit_surveys(State& s);
void fit_retention(State& s);
// --repeat: BG/BB per segment into the segments (engagement, retention), BG/NBD for the report.
void fit_repeat(State& s);
// Per-segment fits from the event log's segment column: shares and friction
// overrides, joined with the retention segments by name (journey_fit.cpp).
void fit_segments(State& s);
// Per-segment satisfaction (NPS) and effort (CES) deltas where the
// likelihood-ratio test of equal deltas over the segments rejects, per
// touchpoint (survey_fit.cpp; called by fit_segments once the segments exist).
void fit_segment_deltas(State& s);
// The likelihood-ratio tests of fit_segments (docs/methods/calibration.md,
// section 10): equal categorical distributions over the rows of a segments x
// targets count table (G2 of independence), and equal means of the log
// durations over the groups (normal, one variance; groups with >= 5 gaps).
SegmentTest homogeneity_test(const std::vector<std::vector<double>>& table);
SegmentTest log_mean_test(const std::vector<const DurationStats*>& groups);
void fit_joint(State& s);
// --prior-model: each satisfaction/effort delta (and the channel switch's)
// becomes the precision-weighted combination of the prior model's normal
// approximation and this fit's (prior_model.cpp; docs/methods/calibration.md).
void combine_prior_deltas(State& s);
void write_model(State& s);
void simulate_key_drivers(State& s);
void check_holdout(State& s);
void write_report(State& s);
// The observed reference book: one journey of the event log (every journey,
// training and holdout) as read_events passes it, then its tables.
void book_journey(State& s, const JourneyEvents& j, const std::vector<Visit>& v);
void write_reference_book(State& s);

}  // namespace cxsim::calibrate::stages
