#pragma once
// The journey as written: a plain mirror of the YAML file (docs/model.md sections
// 1-4), before any checking beyond types. Validation (validate.h) checks it;
// compile() (compiled_model.h) turns a valid spec into the engine's tables.
// Scenario changes edit a copy of this spec and re-validate it.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cxsim/core/diagnostics.h"
#include "cxsim/core/time.h"

namespace cxsim::model {

using core::SourceLoc;

// Where each key of the file is, by key path ("checkout.next.ok.payment",
// "segments.new.share"); used to place diagnostics. Missing paths fall back to
// the nearest parent path.
class LocationIndex {
 public:
  void set(const std::string& key_path, SourceLoc loc) { locs_[key_path] = std::move(loc); }
  SourceLoc find(const std::string& key_path) const;
  const std::string& file() const { return file_; }
  void set_file(std::string f) { file_ = std::move(f); }

 private:
  std::map<std::string, SourceLoc> locs_;
  std::string file_;
};

// A duration distribution as written; its families (names, parameters,
// checks, mean, sampler) are described in duration_family.h.
struct DurationSpec {
  enum class Kind { fixed, exponential, lognormal, gamma };  // duration_families() order
  Kind kind = Kind::fixed;
  double a = 0.0;  // fixed: value; exponential: mean; lognormal: median; gamma: mean
  double b = 0.0;  // lognormal: p90; gamma: sd
  bool operator==(const DurationSpec&) const = default;
};

template <class T>
struct OkFriction {
  T ok{};
  T friction{};
  bool operator==(const OkFriction&) const = default;
};

// An ordered {target: probability} map (order as written).
using TransitionMap = std::vector<std::pair<std::string, double>>;

struct NextSpec {
  bool split = false;  // false: `ok` is used after both ok and friction visits
  TransitionMap ok;
  TransitionMap friction;  // only when split
  const TransitionMap& after(bool friction_visit) const { return split && friction_visit ? friction : ok; }
};

// `waiting: {tolerance, satisfaction_per_unit}` (MODEL.md section 11, "Time
// hurts"): after a visit of duration d, S changes by c·max(0, d − t).
struct WaitingSpec {
  double tolerance = 0.0;              // t >= 0, in the journey's time unit
  double satisfaction_per_unit = 0.0;  // c (usually <= 0), per time unit beyond t
  bool operator==(const WaitingSpec&) const = default;
};

// `capacity: {servers, service, period_length}` (MODEL.md section 11,
// "Capacity"; docs/methods/queues.md): the touchpoint is a queue with c
// servers and the given service-time distribution, its load offered over a
// period of length L (the journey's time unit). servers is kept as a number
// (scenario changes set numbers); validate() requires a whole number >= 1.
inline constexpr long long kMaxServers = 1000000;  // Erlang C costs O(servers) per evaluation
struct CapacitySpec {
  double servers = 1;
  DurationSpec service;
  double period_length = 1;
  bool operator==(const CapacitySpec&) const = default;
};

struct TouchpointSpec {
  std::string id;
  std::string channel;
  std::string stage;
  double friction = 0.0;
  OkFriction<double> satisfaction;
  OkFriction<double> effort;
  OkFriction<DurationSpec> duration;  // same distribution twice when not split
  double cost = 0.0;
  NextSpec next;
  // MODEL.md section 11: a waiting penalty and a patience distribution (none:
  // the visit is not timed; the engine draws nothing more).
  std::optional<WaitingSpec> waiting;
  std::optional<DurationSpec> patience;
  std::optional<CapacitySpec> capacity;  // none: no queue, no wait drawn
};

struct OutcomeSpec {
  std::string id;
  std::string kind;
  double value = 0.0;
  // `good: true|false`: the direction of this outcome's kind (more walks
  // ending in it is better / worse). None: the default for the kind's name
  // (default_kind_direction), unless another outcome of the kind declares it.
  std::optional<bool> good;
};

// Per-touchpoint replacement of some fields, for one segment.
struct OverrideSpec {
  std::optional<double> friction;
  std::optional<OkFriction<double>> satisfaction;
  std::optional<OkFriction<double>> effort;
  std::optional<OkFriction<DurationSpec>> duration;
  std::optional<NextSpec> next;
  // MODEL.md section 11 for this segment: its own waiting penalty and patience
  // (replacing the touchpoint's, or adding them where it has none).
  std::optional<WaitingSpec> waiting;
  std::optional<DurationSpec> patience;
};

struct RetentionParams {
  double alpha = 0.0;
  double beta = 0.0;
};

// Journey frequency (MODEL.md section 11): in each period an active customer
// walks with probability p_i, p_i = probability for every customer, or
// p_i ~ Beta(alpha, beta) drawn once per customer.
struct Engagement {
  std::optional<double> probability;
  double alpha = 0, beta = 0;
};

struct SegmentSpec {
  std::string id;
  double share = 1.0;
  double satisfaction0_mean = 0.0;
  double satisfaction0_sd = 0.0;
  std::optional<RetentionParams> retention;                     // none: never churns
  std::optional<Engagement> engagement;                         // none: walks every period
  std::vector<std::pair<std::string, OverrideSpec>> overrides;  // touchpoint id -> fields
  // `overrides: {start: {...}}`: this segment's own entry mix (none: the journey's start).
  std::optional<TransitionMap> start;
};

struct ScaleSpec {
  bool present = false;
  int scale = 0;                 // number of categories
  std::vector<double> baseline;  // P(score = c) at S = 0, c = 0..scale-1
  double slope = 1.0;
};

// `survey.cx_index` (docs/methods/survey.md, "CX index"): a composite of
// effectiveness (the walk ended in a good outcome kind), ease (CES) and
// emotion (CSAT, or NPS when there is no CSAT), with these weights (>= 0,
// not all 0; normalised to sum 1).
struct CxIndexSpec {
  bool present = false;
  double effectiveness = 1.0;
  double ease = 1.0;
  double emotion = 1.0;
};

struct SurveySpec {
  double response_rate = 1.0;
  double response_extremity = 0.0;
  ScaleSpec nps;   // always present: 11 categories, scores 0..10
  ScaleSpec csat;  // scores 1..scale
  ScaleSpec ces;   // scores 1..scale, on -effort
  CxIndexSpec cx_index;
};

struct RetentionSpec {
  double sensitivity = 0.0;
  double carryover = 0.5;
  std::optional<RetentionParams> default_params;  // top-level alpha/beta (extension)
};

// The most customers one run simulates: the random streams number customers
// in 40 bits (docs/methods/rng.md); journey and scenario files, -n and the
// engine all refuse more.
inline constexpr long long kMaxCustomers = 1LL << 40;
inline constexpr const char* kMaxCustomersNote = " (2^40: the random streams number customers in 40 bits)";

// The most parameter draws of `run --uncertainty` (each is a full run).
inline constexpr long long kMaxUncertaintyDraws = 1000000;

struct PopulationSpec {
  std::optional<long long> customers;
  std::optional<int> periods;
  std::optional<unsigned long long> seed;
  std::optional<double> discount_rate;
  std::optional<long long> uncertainty_draws;  // population.uncertainty: {draws: N}
  // Money (docs/model.md section 12): a label printed beside every value,
  // cost and net value (none: unnamed units), and the number of real
  // customers the simulated population stands for (none: the simulated
  // population itself).
  std::optional<std::string> currency;
  std::optional<double> customer_base;
};

// A parameter given with its uncertainty (model/uncertain.h; docs/journey-format.md,
// "Uncertainty"). The spec's ordinary field holds the estimate.
struct UncertainParam {
  enum class Kind {
    friction_beta,
    start_dirichlet,
    next_ok_dirichlet,
    next_friction_dirichlet,
    retention_lognormal,
    satisfaction_normal,        // a touchpoint's satisfaction delta ~ Normal(estimate, sd)
    effort_gamma,               // a touchpoint's effort ~ Gamma with mean estimate and sd (never negative)
    sensitivity_normal,         // retention.sensitivity ~ Normal(estimate, sd)
    carryover_beta,             // retention.carryover ~ Beta(a, b)
    segment_share_dirichlet,    // the segments' shares ~ Dirichlet(counts), counts in segment order
    duration_gamma,             // a touchpoint's duration parameter `param` ~ Gamma(mean estimate, sd)
    response_rate_beta,         // survey.response.rate ~ Beta(a, b)
    response_extremity_normal,  // survey.response.extremity ~ Normal(estimate, sd)
    survey_slope_normal,        // survey.<scale>.slope ~ Normal(estimate, sd)
    survey_baseline_dirichlet,  // survey.<scale>.baseline ~ Dirichlet(counts), one per score
  };
  enum class Branch { ok, friction, both };  // satisfaction/effort: which delta(s) the draw sets
  Kind kind = Kind::friction_beta;
  Branch branch = Branch::both;
  std::string touchpoint;               // friction, next maps
  std::string segment;                  // retention: the segment id; empty: the top-level retention
  std::string scale;                    // survey slope/baseline: nps, csat or ces
  int param = 0;                        // duration: the parameter's index in its family (duration_param)
  std::vector<double> counts;           // Beta: {a, b}; Dirichlet: one per target, in the map's order;
                                        // satisfaction/effort/sensitivity/duration/extremity/slope:
                                        // {estimate, sd}
  double cov[2][2] = {{0, 0}, {0, 0}};  // retention: covariance of (alpha, beta)
  std::string path;                     // key path, for messages
};

struct ChannelSwitchSpec {
  double satisfaction = 0.0;
  double effort = 0.0;
};

struct JourneySpec {
  std::string name;
  std::string time_unit{core::kDefaultTimeUnit};
  int max_steps = 1000;
  TransitionMap start;
  std::vector<TouchpointSpec> touchpoints;
  std::vector<OutcomeSpec> outcomes;
  ChannelSwitchSpec channel_switch;
  std::vector<SegmentSpec> segments;  // never empty after loading (default `all`)
  bool segments_given = false;
  SurveySpec survey;
  RetentionSpec retention;
  PopulationSpec population;
  std::vector<UncertainParam> uncertain;  // in file order; empty: a point-estimate journey

  std::string source_path;  // as given by the user
  std::string source_text;  // the file's text (embedded in results)
  LocationIndex locations;

  const TouchpointSpec* find_touchpoint(const std::string& id) const;
  TouchpointSpec* find_touchpoint(const std::string& id);
  const OutcomeSpec* find_outcome(const std::string& id) const;
  const SegmentSpec* find_segment(const std::string& id) const;
  std::vector<std::string> touchpoint_ids() const;
  std::vector<std::string> outcome_ids() const;
  std::vector<std::string> node_ids() const;  // touchpoints then outcomes
  // Which way is better for outcome kind `kind` (see Direction below): the
  // `good` an outcome of that kind declares, else default_kind_direction.
  int kind_direction(std::string_view kind) const;
};

// Ids that may not name a touchpoint, outcome or segment.
const std::vector<std::string>& reserved_ids();

// Default survey baselines (docs/model.md section 3 for NPS; ours for CSAT/CES).
std::vector<double> default_nps_baseline();
std::vector<double> default_csat_baseline(int scale);  // empty when no default
std::vector<double> default_ces_baseline(int scale);

// Direction of a quantity: +1 more is better, -1 less is better, 0 neither
// (no direction declared or known). The one source of truth for "which way is
// better" (rankings, report colours, removal effects, charts).
inline constexpr int kHigherBetter = +1;
inline constexpr int kLowerBetter = -1;
inline constexpr int kNoDirection = 0;

// The direction of an outcome kind nobody declared (docs/journey-format.md,
// "Outcomes"): +1 for converted, conversion, purchased, resolved, retained,
// won, success; -1 for abandoned, unresolved, escalated, churned, failed,
// lost and the reserved `timeout`; 0 for every other name.
int default_kind_direction(std::string_view kind);

// The direction of a results metric (docs/model.md section 6 names): NPS, CSAT,
// CES, retention, CLV, satisfaction change, recovered: +1; effort, time,
// frictions, switches, cost: -1; share_<kind>: kind_direction(kind); anything
// else (steps, walks, response rate, unknown names): 0.
// An empty kind_direction means default_kind_direction.
using KindDirectionFn = std::function<int(std::string_view)>;
int metric_direction(std::string_view metric, const KindDirectionFn& kind_direction);

// Outcome kinds become columns of the results tables (share_<kind> with _se,
// _ci_low, _ci_high; exit_share_<kind>...), and HDF5 keeps a table's column
// list in one object-header message of at most 64 KB. So the distinct kinds,
// with the reserved `timeout`, must fit: the sum of (name length + 67) over
// them is at most kKindColumnBudget (e.g. 190 kinds of 10 characters, or 113
// of 64). Measured: the first table to overflow takes about 15,300.
inline constexpr std::size_t kKindColumnBudget = 15000;
inline constexpr std::size_t kKindColumnCost = 67;
// The cost of these distinct kinds (plus `timeout` unless listed).
std::size_t kind_column_cost(const std::vector<std::string>& distinct_kinds);

}  // namespace cxsim::model

namespace cxsim::model {
// The touchpoint as segment `seg` sees it (its overrides applied).
TouchpointSpec effective_touchpoint(const JourneySpec& spec, std::size_t seg, std::size_t tp);
// The entry distribution segment `seg` uses (its start override, else the journey's start).
const TransitionMap& effective_start(const JourneySpec& spec, std::size_t seg);
// Retention parameters segment `seg` uses (its own, else the top-level ones), if any.
std::optional<RetentionParams> effective_retention(const JourneySpec& spec, std::size_t seg);
}  // namespace cxsim::model
