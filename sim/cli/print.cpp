#include "print.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cxsim/core/json.h"
#include "cxsim/engine/uncertainty.h"
#include "cxsim/report/segments.h"
#include "cxsim/stats/estimates.h"

namespace cxsim::cli {

std::string format_value(double x, double se) {
  if (std::isnan(x)) return "n/a";
  int decimals = 3;
  if (std::isfinite(se) && se > 0) {
    // two significant digits of the standard error
    decimals = std::clamp(1 - static_cast<int>(std::floor(std::log10(se))), 0, 8);
  } else if (std::fabs(x) >= 100) {
    decimals = 1;
  }
  return fmt::format("{:.{}f}", x, decimals);
}

std::string timeout_warning(const std::string& variant, double timeouts, double walks, long long max_steps) {
  if (!(timeouts > 0)) return {};
  return fmt::format(
      "warning: variant '{}': {:.0f} of {:.0f} walks ({:.3g}%) hit the step limit (max_steps = {}) and ended in "
      "'timeout'; their outcome, time and value are cut short (raise the journey's max_steps)\n",
      variant, timeouts, walks, walks > 0 ? 100.0 * timeouts / walks : 0.0, max_steps);
}

namespace {

// "± h" for the 95% half-width of an estimate with standard error `se`.
std::string pm95(double se) { return std::isfinite(se) ? "± " + format_value(stats::kZ95 * se, se) : "n/a"; }

// "[lo, hi]" in the precision `se` calls for.
std::string ci95(double lo, double hi, double se) {
  return fmt::format("[{}, {}]", format_value(lo, se), format_value(hi, se));
}

// The interval excludes zero.
bool excludes_zero(double lo, double hi) { return std::isfinite(lo) && (lo > 0 || hi < 0); }

}  // namespace

std::string format_summary(const io::Table& t) {
  std::string out;
  const auto& m = t.get_string("metric");
  const auto& e = t.get_double("estimate");
  const auto& se = t.get_double("se");
  const auto& lo = t.get_double("ci_low");
  const auto& hi = t.get_double("ci_high");
  out += fmt::format("  {:<26} {:>14} {:>12}   {}\n", "metric", "estimate", "± 95%", "95% CI");
  for (std::size_t i = 0; i < t.rows(); ++i)
    out += fmt::format("  {:<26} {:>14} {:>12}   {}\n", m[i], format_value(e[i], se[i]), pm95(se[i]),
                       ci95(lo[i], hi[i], se[i]));
  return out;
}

std::string format_comparison(const io::Table& t) {
  std::string out;
  const auto& m = t.get_string("metric");
  const auto& b = t.get_double("baseline");
  const auto& v = t.get_double("variant");
  const auto& d = t.get_double("delta");
  const auto& se = t.get_double("se");
  const auto& lo = t.get_double("ci_low");
  const auto& hi = t.get_double("ci_high");
  out += fmt::format("  {:<26} {:>12} {:>12} {:>12} {:>12}   {}\n", "metric", "baseline", "variant", "delta", "± 95%",
                     "95% CI");
  for (std::size_t i = 0; i < t.rows(); ++i)
    out += fmt::format("  {:<26} {:>12} {:>12} {:>12} {:>12}   {}{}\n", m[i], format_value(b[i], se[i]),
                       format_value(v[i], se[i]), format_value(d[i], se[i]), pm95(se[i]), ci95(lo[i], hi[i], se[i]),
                       excludes_zero(lo[i], hi[i]) ? " *" : "");
  return out;
}

std::string format_money(const io::Table& t, int periods) {
  std::string out;
  const auto& m = t.get_string("metric");
  const auto& e = t.get_double("estimate");
  const auto& se = t.get_double("se");
  const auto& lo = t.get_double("ci_low");
  const auto& hi = t.get_double("ci_high");
  const auto& u = t.get_string("unit");
  out += fmt::format("  {:<30} {:>14} {:>12}   {:<28} {}\n", "money", "estimate", "± 95%", "95% CI", "unit");
  for (std::size_t i = 0; i < t.rows(); ++i) {
    if (m[i] == "payback_period") {
      // NaN estimate: not within the horizon; NaN bound: beyond the horizon.
      if (u[i] != "period" || !(std::isfinite(e[i]) || std::isfinite(lo[i]))) {
        if (std::isfinite(lo[i]) || std::isfinite(hi[i]) || !std::isnan(se[i]) || e.size() < 3 || !(e[2] > 0))
          continue;  // no investment
        out += fmt::format("  {:<30} {:>14}\n", m[i], fmt::format("not within {} periods", periods));
        continue;
      }
      auto p = [&](double x) { return std::isfinite(x) ? fmt::format("{:g}", x) : fmt::format("> {}", periods); };
      const std::string est = std::isfinite(e[i]) ? p(e[i]) : fmt::format("not within {}", periods);
      out += fmt::format("  {:<30} {:>14} {:>12}   {:<28} {}\n", m[i], est, "",
                         fmt::format("[{}, {}]", p(lo[i]), p(hi[i])), u[i]);
      continue;
    }
    if (m[i] == "roi" && !std::isfinite(e[i])) continue;  // no investment
    const bool sig = excludes_zero(lo[i], hi[i]) && se[i] > 0;
    out += fmt::format("  {:<30} {:>14} {:>12}   {:<28} {}\n", m[i], format_value(e[i], se[i]), pm95(se[i]),
                       ci95(lo[i], hi[i], se[i]) + (sig ? " *" : ""), u[i]);
  }
  return out;
}

void write_table_json(core::JsonWriter& j, const io::Table& t) {
  j.begin_array();
  const auto names = t.column_names();
  for (std::size_t r = 0; r < t.rows(); ++r) {
    j.begin_object();
    for (const auto& n : names) {
      j.key(n);
      switch (t.column_type(n)) {
        case io::ColumnType::float64: j.value(t.get_double(n)[r]); break;
        case io::ColumnType::int64: j.value(static_cast<long long>(t.get_int64(n)[r])); break;
        case io::ColumnType::string: j.value(t.get_string(n)[r]); break;
      }
    }
    j.end_object();
  }
  j.end_array();
}

// The total (parameter + Monte Carlo) intervals beside the Monte Carlo ones.
std::string format_uncertainty(const io::Table& t) {
  const auto& m = t.get_string("metric");
  const auto& e = t.get_double("estimate");
  const auto& ml = t.get_double("mc_low");
  const auto& mh = t.get_double("mc_high");
  const auto& tl = t.get_double("total_low");
  const auto& th = t.get_double("total_high");
  std::string out = fmt::format("  {:<26} {:>12} {:>27} {:>27}\n", "metric", "estimate", "95% MC only", "95% total");
  for (std::size_t i = 0; i < m.size(); ++i) {
    out += fmt::format("  {:<26} {:>12.6g} [{:>12.6g}, {:>12.6g}] [{:>12.6g}, {:>12.6g}]\n", m[i], e[i], ml[i], mh[i],
                       tl[i], th[i]);
  }
  return out;
}

std::string format_best(const io::Table& t) {
  const auto& v = t.get_string("variant");
  std::size_t w = 12;
  for (const auto& n : v) w = std::max(w, n.size());
  std::string out =
      fmt::format("  {:<{}} {:>10} {:>10} {:>10} {:>10}\n", "variant", w, "NPS", "retention", "CLV", "net value");
  for (std::size_t i = 0; i < v.size(); ++i) {
    out += fmt::format("  {:<{}}", v[i], w);
    for (const char* m : engine::kBestMetrics) {
      const double p = t.get_double(std::string("p_best_") + m)[i];
      out += std::isnan(p) ? fmt::format(" {:>10}", "-") : fmt::format(" {:>9.1f}%", 100 * p);
    }
    out += "\n";
  }
  return out;
}

std::string format_sensitivity(const io::Table& t) {
  const auto& metric = t.get_string("metric");
  const auto& input = t.get_string("input");
  const auto& first = t.get_double("first_order");
  // Columns: the first share_ metric, then the metrics P(best) ranks by (those present).
  std::vector<std::string> cols;
  for (const auto& m : metric)
    if (m.rfind("share_", 0) == 0) {
      cols.push_back(m);
      break;
    }
  for (const char* m : engine::kBestMetrics)
    if (std::find(metric.begin(), metric.end(), m) != metric.end()) cols.emplace_back(m);
  std::vector<std::string> inputs;
  for (const auto& i : input)
    if (std::find(inputs.begin(), inputs.end(), i) == inputs.end()) inputs.push_back(i);
  std::size_t w = 12;
  for (const auto& i : inputs) w = std::max(w, i.size());
  std::string out = fmt::format("  {:<{}}", "input", w);
  for (const auto& c : cols) out += fmt::format(" {:>16}", c);
  out += "\n";
  for (const auto& in : inputs) {
    out += fmt::format("  {:<{}}", in, w);
    for (const auto& c : cols) {
      double x = std::nan("");
      for (std::size_t r = 0; r < metric.size(); ++r)
        if (metric[r] == c && input[r] == in) x = first[r];
      out += std::isnan(x) ? fmt::format(" {:>16}", "-") : fmt::format(" {:>15.1f}%", 100 * x);
    }
    out += "\n";
  }
  return out;
}

std::string sensitivity_words() {
  return "share of the parameter variance explained by each uncertain input alone (first-order Sobol index, "
         "binned conditional means over the draws; \"-\": no parameter variance; docs/methods/uncertainty.md)\n";
}

std::string best_words(std::uint64_t draws) {
  return fmt::format(
      "probability that each variant is best, across {} parameter draws (by the draw's paired delta vs "
      "baseline; the baseline's delta is 0)\n",
      draws);
}

std::string uncertainty_words(std::uint64_t draws, std::uint64_t customers) {
  return fmt::format(
      "uncertainty ({} parameter draws of {} customers each). \"95% MC only\": customer noise of the point-estimate "
      "run; \"95% total\": what we do not know about the journey's parameters plus that noise "
      "(docs/methods/uncertainty.md)\n",
      draws, customers);
}

}  // namespace cxsim::cli

namespace cxsim::cli {

namespace {
// The metrics of the per-segment Δ table: NPS, the outcome shares (not
// timeout), retention and money, those the table has.
bool segment_table_metric(const std::string& m) {
  return m == "nps_true" || m == "nps_measured" || (m.starts_with("share_") && m != "share_timeout") ||
         m == "retention_final" || m == "clv_mean" || m == "cost_mean" || m == "net_value_mean";
}
}  // namespace

namespace {

// A grid with one row per label and one column per segment (at least
// `width` wide, wider for a long segment name), the cell of (label, segment)
// from `cell`.
std::string segment_grid(const std::string& title, const std::vector<std::string>& segments,
                         const std::vector<std::string>& labels,
                         const std::function<std::string(const std::string&, const std::string&)>& cell,
                         std::size_t width = 20) {
  for (const auto& s : segments) width = std::max(width, s.size() + 2);
  std::size_t label_width = 26;
  for (const auto& l : labels) label_width = std::max(label_width, l.size());
  std::string out = fmt::format("  {:<{}}", title, label_width);
  for (const auto& s : segments) out += fmt::format(" {:>{}}", s, width);
  out += "\n";
  for (const auto& l : labels) {
    out += fmt::format("  {:<{}}", l, label_width);
    for (const auto& s : segments) out += fmt::format(" {:>{}}", cell(l, s), width);
    out += "\n";
  }
  return out;
}

// "12.3 ± 0.4" (`sign`: "+" on positive values; `mark`: " *" when the CI
// excludes 0, else two spaces), values times `scale`; "n/a" when missing.
std::string estimate_text(const report::EstimateRow& e, double scale = 1.0, bool sign = false, bool mark = false) {
  if (!e.found || std::isnan(e.estimate)) return "n/a";
  const double x = scale * e.estimate, se = scale * e.se;
  std::string out = fmt::format("{}{} {}", sign && x > 0 ? "+" : "", format_value(x, se), pm95(se));
  if (mark) out += excludes_zero(e.lo, e.hi) && e.se > 0 ? " *" : "  ";
  return out;
}

}  // namespace

std::string format_segment_money(const io::Table& t, bool delta) {
  const auto segments = report::segment_names(t);
  if (segments.empty()) return {};
  std::vector<std::string> metrics;
  for (const char* m : {"value", "cost", "net_value"})
    metrics.push_back(std::string(m) + (delta ? "_delta_per_customer" : "_per_customer"));
  metrics.push_back(delta ? "net_value_delta_total" : "net_value_total");
  std::vector<std::string> present;
  for (const auto& m : metrics)
    if (report::segment_row(t, segments.front(), "metric", m) != report::kNoRow) present.push_back(m);
  if (present.empty()) return {};
  present.emplace_back("customers");
  const std::string key = present.front();
  return segment_grid(delta ? "money delta by segment" : "money by segment", segments, present,
                      [&](const std::string& m, const std::string& s) {
                        if (m == "customers") {
                          const std::size_t r = report::segment_row(t, s, "metric", key);
                          return r == report::kNoRow ? std::string("n/a")
                                                     : fmt::format("{:.0f}", report::table_number(t, "customers", r));
                        }
                        return estimate_text(report::segment_estimate(t, s, m), 1.0, delta, delta);
                      });
}

std::string format_segment_periods(const io::Table& t) {
  const auto finals = report::final_periods(t);
  if (finals.empty()) return {};
  std::vector<std::string> segments;
  for (const auto& f : finals) segments.push_back(f.segment);
  const std::string p = fmt::format("{:.0f}", finals.front().period);
  const std::vector<std::string> labels{"alive after period " + p + " (%)", "nps_true in period " + p,
                                        "nps_measured in period " + p, "churn_rate in period " + p + " (%)",
                                        "customers"};
  return segment_grid("last period by segment", segments, labels, [&](const std::string& l, const std::string& s) {
    const auto it = std::find_if(finals.begin(), finals.end(), [&](const auto& f) { return f.segment == s; });
    if (l == labels[0]) return estimate_text(it->alive, 100);
    if (l == labels[1]) return estimate_text(it->nps_true);
    if (l == labels[2]) return estimate_text(it->nps_measured);
    if (l == labels[3]) return estimate_text(it->churn_rate, 100);
    return fmt::format("{:.0f}", it->customers);
  });
}

std::string format_segment_touchpoints(const io::Table& t, std::size_t limit) {
  const auto segments = report::segment_names(t);
  const auto spread = report::touchpoint_spread(t, limit);
  if (segments.size() < 2 || spread.empty()) return {};
  std::vector<std::string> columns = segments, labels;
  columns.emplace_back("difference (pp)");
  for (const auto& s : spread) labels.push_back(s.touchpoint);
  return segment_grid(
      "friction rate (%) by segment", columns, labels, [&](const std::string& tp, const std::string& col) {
        const auto it = std::find_if(spread.begin(), spread.end(), [&](const auto& s) { return s.touchpoint == tp; });
        if (col == columns.back()) return estimate_text(it->spread, 100, false, true);
        const auto g = static_cast<std::size_t>(std::find(segments.begin(), segments.end(), col) - segments.begin());
        return it->visits[g] > 0 ? estimate_text(it->friction[g], 100) : std::string("not visited");
      });
}

std::string format_segment_comparison(const io::Table& t) {
  if (t.rows() == 0) return {};
  const auto& seg = t.get_string("segment");
  const auto& m = t.get_string("metric");
  const auto& d = t.get_double("delta");
  const auto& se = t.get_double("se");
  const auto& lo = t.get_double("ci_low");
  const auto& hi = t.get_double("ci_high");
  std::vector<std::string> segments, metrics;
  for (std::size_t i = 0; i < t.rows(); ++i) {
    if (std::find(segments.begin(), segments.end(), seg[i]) == segments.end()) segments.push_back(seg[i]);
    if (segment_table_metric(m[i]) && std::find(metrics.begin(), metrics.end(), m[i]) == metrics.end())
      metrics.push_back(m[i]);
  }
  std::size_t width = 20;
  for (const auto& s : segments) width = std::max(width, s.size() + 2);
  std::string out = fmt::format("  {:<26}", "delta by segment");
  for (const auto& s : segments) out += fmt::format(" {:>{}}", s, width);
  out += "\n";
  for (const auto& metric : metrics) {
    out += fmt::format("  {:<26}", metric);
    for (const auto& s : segments) {
      std::string cell = "n/a";
      for (std::size_t i = 0; i < t.rows(); ++i) {
        if (seg[i] != s || m[i] != metric) continue;
        if (!std::isnan(d[i]))
          cell = fmt::format("{}{} {}{}", d[i] > 0 ? "+" : "", format_value(d[i], se[i]), pm95(se[i]),
                             excludes_zero(lo[i], hi[i]) ? " *" : "  ");
      }
      out += fmt::format(" {:>{}}", cell, width);
    }
    out += "\n";
  }
  std::vector<std::int64_t> customers(segments.size(), 0);
  out += fmt::format("  {:<26}", "customers (baseline)");
  for (std::size_t k = 0; k < segments.size(); ++k) {
    for (std::size_t i = 0; i < t.rows(); ++i)
      if (seg[i] == segments[k]) customers[k] = t.get_int64("customers")[i];
    out += fmt::format(" {:>{}}", customers[k], width);
  }
  return out + "\n";
}

}  // namespace cxsim::cli
