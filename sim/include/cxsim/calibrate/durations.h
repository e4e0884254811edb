#pragma once
// Duration fits per touchpoint from the gaps between consecutive events of a
// journey (docs/methods/calibration.md, "Durations"). Only sufficient
// statistics are kept, so memory does not grow with the number of events.
#include <limits>
#include <string>

#include "cxsim/model/journey_spec.h"

namespace cxsim::calibrate {

// Sufficient statistics of positive gaps (Welford on log x) plus the count
// of zero gaps.
struct DurationStats {
  double n = 0;         // positive gaps
  double zeros = 0;     // gaps of exactly 0
  double sum = 0;       // sum of x
  double mean_log = 0;  // running mean of log x
  double m2_log = 0;    // running sum of squared deviations of log x
  double min = 0, max = 0;
  void add(double x);
  void merge(const DurationStats& o);
  double total() const { return n + zeros; }
};

enum class DurationChoice { aic, lognormal, exponential, gamma };
// "aic", "lognormal", "exponential", "gamma"; throws InputError otherwise.
DurationChoice parse_duration_choice(const std::string& s);

struct DurationFit {
  model::DurationSpec spec;  // what goes into the YAML
  std::string family;        // "lognormal", "exponential", "gamma", "fixed"
  double n = 0, zeros = 0;
  // Maximum-likelihood fits of the positive gaps (NaN when not computable).
  double ln_median = 0, ln_p90 = 0, ln_loglik = 0, ln_aic = 0;
  double exp_mean = 0, exp_loglik = 0, exp_aic = 0;
  double gamma_mean = 0, gamma_sd = 0, gamma_shape = 0, gamma_loglik = 0, gamma_aic = 0;
  std::string note;  // why a fixed value was written, ...
  // Standard errors of spec's parameters (a, b in the family's order, e.g.
  // lognormal median and p90; NaN: none, as for `fixed`), from the Fisher
  // information of the chosen family (docs/methods/calibration.md,
  // "Durations"): written as distributions by calibrate --distributions.
  double se_a = std::numeric_limits<double>::quiet_NaN(), se_b = std::numeric_limits<double>::quiet_NaN();
};

// `scale` divides the gaps (seconds -> the journey's time unit).
DurationFit fit_durations(const DurationStats& s, DurationChoice choice, double scale);

// Seconds per time unit ("seconds" 1, "minutes" 60, ... "weeks" 604800);
// throws InputError for an unknown unit.
double seconds_per_unit(const std::string& unit);

}  // namespace cxsim::calibrate
