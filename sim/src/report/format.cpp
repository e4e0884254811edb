#include "cxsim/report/format.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "cxsim/model/journey_spec.h"
#include "cxsim/report/svg.h"

namespace cxsim::report {

int decimals_for(double hw, double value) {
  if (std::isfinite(hw) && hw > 0) return std::clamp(1 - static_cast<int>(std::floor(std::log10(hw))), 0, 6);
  const double a = std::fabs(value);
  if (!std::isfinite(a) || a == 0) return 0;
  if (a >= 100) return 1;
  if (a >= 1) return 2;
  return std::clamp(2 - static_cast<int>(std::floor(std::log10(a))), 0, 6);
}

namespace {
int decimals(double estimate, double se, double scale) { return decimals_for(kZ95 * se * scale, estimate * scale); }
}  // namespace

std::string plus_minus(double estimate, double se, double scale) {
  if (std::isnan(estimate)) return "n/a";
  const int d = decimals(estimate, se, scale);
  if (!std::isfinite(se)) return format_fixed(estimate * scale, d);
  return fmt::format("{} ± {}", format_fixed(estimate * scale, d), format_fixed(kZ95 * se * scale, d));
}

std::string signed_plus_minus(double estimate, double se, double scale) {
  std::string s = plus_minus(estimate, se, scale);
  if (std::isfinite(estimate) && estimate > 0 && s.find_first_of("123456789") < s.find(' ')) return "+" + s;
  return s;
}

std::string interval(double lo, double hi, double se, double scale) {
  if (std::isnan(lo) || std::isnan(hi)) return "n/a";
  const int d = decimals(std::max(std::fabs(lo), std::fabs(hi)), se, scale);
  return fmt::format("[{}, {}]", format_fixed(lo * scale, d), format_fixed(hi * scale, d));
}

std::string value_only(double estimate, double se, double scale) {
  if (std::isnan(estimate)) return "n/a";
  return format_fixed(estimate * scale, decimals(estimate, se, scale));
}

bool excludes_zero(double lo, double hi) { return std::isfinite(lo) && std::isfinite(hi) && (lo > 0 || hi < 0); }

MetricInfo metric_info(std::string_view metric, std::string_view time_unit,
                       const std::function<int(std::string_view)>& kind_direction) {
  const std::string tu(time_unit.empty() ? "minutes" : time_unit);
  // Which way is better comes from the model layer only (one source of truth).
  const int better = model::metric_direction(metric, kind_direction);
  auto m = [better](std::string label, std::string short_label, std::string unit, double scale = 1.0) {
    const std::string delta_unit = scale == 100.0 ? "pp" : unit;
    return MetricInfo{std::move(label), std::move(unit), delta_unit, scale, better, std::move(short_label)};
  };
  if (metric == "nps_true") return m("NPS, all walks (true)", "NPS (true)", "points");
  if (metric == "nps_measured") return m("NPS, respondents (measured)", "NPS (measured)", "points");
  if (metric.starts_with("share_")) {
    const std::string kind(metric.substr(6));
    std::string short_label = kind;
    if (!short_label.empty() && short_label[0] >= 'a' && short_label[0] <= 'z') short_label[0] -= 'a' - 'A';
    return m("Walks ending " + kind, short_label, "%", 100.0);
  }
  if (metric == "csat_true") return m("CSAT mean, all walks", "CSAT (true)", "score");
  if (metric == "csat_measured") return m("CSAT mean, respondents", "CSAT (measured)", "score");
  if (metric == "ces_true") return m("CES mean, all walks (high = easy)", "CES (true)", "score");
  if (metric == "ces_measured") return m("CES mean, respondents (high = easy)", "CES (measured)", "score");
  if (metric == "cx_index_true") return m("CX index, all walks (0-100)", "CX index (true)", "index");
  if (metric == "cx_index_measured") return m("CX index, respondents (0-100)", "CX index (measured)", "index");
  if (metric == "effort_mean") return m("Effort per walk", "Effort", "effort units");
  if (metric == "time_mean") return m("Journey time, mean", "Time (mean)", tu);
  if (metric == "time_p50") return m("Journey time, median", "Time (median)", tu);
  if (metric == "time_p90") return m("Journey time, 90th percentile", "Time (p90)", tu);
  if (metric.starts_with("time_mean_"))
    return m("Time to resolution, mean, walks ending " + std::string(metric.substr(10)),
             "TTR mean " + std::string(metric.substr(10)), tu);
  if (metric.starts_with("time_p90_"))
    return m("Time to resolution, 90th percentile, walks ending " + std::string(metric.substr(9)),
             "TTR p90 " + std::string(metric.substr(9)), tu);
  if (metric == "frictions_mean") return m("Friction visits per walk", "Frictions", "visits");
  if (metric == "switches_mean") return m("Channel switches per walk", "Switches", "switches");
  if (metric == "steps_mean") return m("Touchpoint visits per walk", "Visits", "visits");
  if (metric == "satisfaction_change_mean") return m("Satisfaction change per walk", "Satisfaction Δ", "latent units");
  if (metric == "walks_per_customer") return m("Walks per customer", "Walks", "walks");
  if (metric == "retention_final") return m("Customers retained at the end", "Retention", "%", 100.0);
  if (metric == "clv_mean") return m("Customer lifetime value (CLV)", "CLV", "value units");
  if (metric == "cost_mean") return m("Cost per customer", "Cost", "value units");
  if (metric == "net_value_mean") return m("Net value per customer (CLV − cost)", "Net value", "value units");
  if (metric == "response_rate") return m("Survey response rate", "Response rate", "%", 100.0);
  if (metric == "recovery_triggered_rate")
    return m("Walks meeting the recovery trigger", "Recovery triggered", "%", 100.0);
  if (metric == "recovery_reached_rate")
    return m("Walks reached by the recovery program", "Recovery reached", "%", 100.0);
  if (metric == "recovery_succeeded_rate") return m("Walks recovered", "Recovered", "%", 100.0);
  return m(std::string(metric), std::string(metric), "");
}

std::string plain_number(double x) {
  if (!std::isfinite(x)) return format_fixed(x, 0);
  if (x == 0) return "0";
  return fmt::format("{}", x);
}

}  // namespace cxsim::report
