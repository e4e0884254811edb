#pragma once
// Numbers with their uncertainty, and what each metric is called and
// measured in, for the report's text (HTML and Markdown alike).
#include <functional>
#include <string>
#include <string_view>

namespace cxsim::report {

// Two-sided 95% normal quantile.
inline constexpr double kZ95 = 1.959963984540054;

// Decimals that show a 95% half-width `hw` with two significant digits
// (hw 0.63 -> 2, 6.3 -> 1, 63 -> 0), clamped to [0, 6]; when hw is 0 or not
// finite, decimals suited to the value's magnitude.
int decimals_for(double hw, double value);

// "51.22 ± 0.63" for an estimate and its standard error, both multiplied by
// `scale` first (100 for a share shown in %). "n/a" for NaN; without a
// finite se, the value alone.
std::string plus_minus(double estimate, double se, double scale = 1.0);
// A number as plainly as it round-trips: 60, 0.01, 2.5e-07.
std::string plain_number(double x);
// "[50.60, 51.85]" with the decimals plus_minus would use for that se.
std::string interval(double lo, double hi, double se, double scale = 1.0);
// As plus_minus with an explicit "+" on positive values (for differences).
std::string signed_plus_minus(double estimate, double se, double scale = 1.0);
// Just the value, with the decimals plus_minus would use.
std::string value_only(double estimate, double se, double scale = 1.0);

// True when a 95% CI excludes zero (both ends finite and on one side).
bool excludes_zero(double lo, double hi);

struct MetricInfo {
  std::string label;        // "NPS, all walks"
  std::string unit;         // shown after the value: "points", "%", "minutes"
  std::string delta_unit;   // for differences: "points", "pp", "minutes"
  double scale = 1.0;       // display = stored value * scale
  int better = 0;           // +1 higher is better, -1 lower is better, 0 neither
  std::string short_label;  // for column headers and axes: "NPS (true)", "CLV"
};

// What a `metric` name of a summary/comparison/ranking table means
// (docs/model.md section 6). Unknown names come back as themselves, scale 1.
// `better` is model::metric_direction with `kind_direction` (the file's
// declared kinds, ResultsData::kind_direction; empty: the default table).
MetricInfo metric_info(std::string_view metric, std::string_view time_unit = "minutes",
                       const std::function<int(std::string_view)>& kind_direction = {});

}  // namespace cxsim::report
