#pragma once
// The fitted model and its YAML text (docs/model.md sections 1-4), with counts and
// intervals kept as comments and original names of sanitized ids.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cxsim/calibrate/durations.h"
#include "cxsim/calibrate/posterior.h"
#include "cxsim/core/time.h"

namespace cxsim::calibrate {

// Makes model ids from names found in data: lower-case ASCII, every run of
// other bytes -> '_', trimmed; empty -> "x"; a reserved word (docs/model.md
// section 7) or a YAML keyword (null, true, yes, ...) gets a trailing '_';
// duplicates get _2, _3, ... (all ids share one namespace). Ids are cut to
// their first kMaxIdLength characters (names of any length stay loadable:
// YAML keys are limited to 1,024).
inline constexpr std::size_t kMaxIdLength = 64;
class IdMaker {
 public:
  std::string make(const std::string& name);
  bool used(const std::string& id) const { return used_.count(id) > 0; }

 private:
  std::set<std::string> used_;
};
std::string sanitize_id(const std::string& name);

struct FittedTarget {
  std::string id;
  double count = 0;
  double prob = 0;
  Interval ci;
  double alpha = 0;  // the posterior Dirichlet count (count + prior): written with --distributions
};

struct FittedMap {
  std::vector<FittedTarget> targets;
  double total = 0;
};

struct Coefficient {
  double estimate = 0;
  double se = 0;
  bool identified = false;
  // Appended to the comment: "regularised" (a penalised fit, separation) or
  // how a collinear group was split.
  std::string label;
};

struct FittedTouchpoint {
  std::string id, name, channel;
  double visits = 0, friction_visits = 0;
  bool has_status = false;
  RatePosterior friction;
  bool split = false;
  FittedMap ok, fr;  // fr only when split
  bool dur_split = false;
  DurationFit dur_ok, dur_fr;
  Coefficient sat_ok, sat_fr, eff_ok, eff_fr;
  bool has_sat = false, has_eff = false;
};

struct FittedOutcome {
  std::string id, name, kind;
  double value = 0;
  double count = 0;
};

// A likelihood-ratio test of equal values over the segments (G2, chi-square
// with df degrees of freedom) that chose a segment override.
struct SegmentTest {
  double g2 = 0, df = 0, p_value = 1;
};

// A segment's touchpoint fields where they differ from the pooled ones
// (docs/calibration.md, "Segments"): friction (the Beta posterior of its own
// visits), the next map(s) (Dirichlet posteriors of its own transitions) and
// the duration(s) (fitted to its own gaps), each with the test that chose it.
struct FittedOverride {
  std::string touchpoint;  // id
  bool has_friction = false;
  double visits = 0, friction_visits = 0;
  RatePosterior friction;
  double g2 = 0, p_value = 1;  // likelihood-ratio test of equal friction over the segments
  bool has_next = false, next_split = false;
  FittedMap next_ok, next_fr;  // next_fr only when next_split
  SegmentTest next_test;
  bool has_duration = false, dur_split = false;
  DurationFit dur_ok, dur_fr;  // dur_fr only when dur_split
  SegmentTest dur_test;
  // Satisfaction (NPS) and effort (CES) deltas of this segment at the
  // touchpoint, when equal deltas over the segments were rejected.
  bool has_sat = false, has_eff = false;
  Coefficient sat_ok, sat_fr, eff_ok, eff_fr;
  SegmentTest sat_test, eff_test;
};

struct FittedSegment {
  std::string id, name;
  double share = 1, customers = 0;
  double share_se = 0;  // binomial, when the share comes from the event log's customers
  bool share_from_events = false;
  std::vector<FittedOverride> overrides;
  // `overrides: {start: ...}`: its own entry mix, when equal start maps over
  // the segments were rejected.
  bool has_start = false;
  FittedMap start;
  SegmentTest start_test;
  double s0_sd = 0;
  bool has_retention = false;
  double alpha = 0, beta = 0, se_alpha = 0, se_beta = 0;
  bool has_cov = false;  // cov_alpha_beta is the fit's (sBG): --distributions writes the covariance
  double cov_alpha_beta = 0;
  std::string retention_model = "sBG";  // or "BG/BB" (--repeat: the dropout Beta(gamma, delta))
  // --repeat's BG/BB: the per-period walk probability ~ Beta(alpha, beta)
  // (docs/model.md section 11, `engagement`).
  bool has_engagement = false;
  double eng_alpha = 0, eng_beta = 0, eng_se_alpha = 0, eng_se_beta = 0;
  std::string note;
};

struct FittedScale {
  bool present = false;
  int scale = 0;
  std::vector<double> baseline;
  double respondents = 0;
};

// One parameter of the joint fit (retention.sensitivity, retention.carryover,
// survey.response.extremity): estimated (value, se) or a default with the
// reason it was not identified.
struct FittedDynamic {
  bool estimated = false;
  double value = 0, se = 0;
  std::string note;  // why not estimated (then `value` is the default written)
};

struct FittedDynamics {
  bool present = false;
  FittedDynamic sensitivity, carryover, extremity;
  double response_se = 0;  // of the response rate, when the joint fit estimated it
};

struct FittedModel {
  std::vector<std::string> header;  // comment lines at the top
  std::string name;
  std::string time_unit{core::kDefaultTimeUnit};
  int max_steps = 1000;
  FittedMap start;
  std::vector<FittedTouchpoint> touchpoints;
  std::vector<FittedOutcome> outcomes;
  bool has_switch = false;
  Coefficient switch_sat, switch_eff;
  std::vector<FittedSegment> segments;  // empty: default segment
  bool has_survey = false;
  double response_rate = 1.0;
  FittedScale nps, csat, ces;
  std::optional<int> periods;
  FittedDynamics dyn;  // joint fit (written when present)
  // --distributions: every fitted parameter written with its uncertainty
  // (docs/journey-format.md, "Uncertainty"; docs/calibration.md) so that
  // `run --uncertainty` uses the calibration's uncertainty directly.
  bool distributions = false;
};

std::string write_yaml(const FittedModel& m);

// Probabilities formatted so that they sum to 1 within 1e-12 when parsed
// back: each at full precision (the shortest text that reads back as the
// same double, so a fitted model holds exactly the estimate); the largest is
// 1 minus the others as read back.
std::vector<std::string> format_probabilities(const std::vector<double>& p);

}  // namespace cxsim::calibrate
