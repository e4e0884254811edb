// The page's building blocks: tables, figures, <details>, estimate and Δ
// cells, paths.
#include "html_page.h"

#include <cmath>

namespace cxsim::report::html {

std::string table_html(const std::vector<std::string>& headers, const std::vector<bool>& numeric,
                       const std::vector<std::vector<Cell>>& rows, std::string_view caption) {
  std::string out = "<div class=\"table-wrap\"><table>";
  if (!caption.empty()) out += "<caption>" + h(caption) + "</caption>";
  out += "<thead><tr>";
  for (std::size_t i = 0; i < headers.size(); ++i)
    out += fmt::format("<th scope=\"col\"{}>{}</th>", i < numeric.size() && numeric[i] ? " class=\"num\"" : "",
                       headers[i]);
  out += "</tr></thead><tbody>";
  for (const auto& r : rows) {
    out += "<tr>";
    for (std::size_t i = 0; i < r.size(); ++i) {
      std::string cls = r[i].cls;
      if (cls.empty() && i < numeric.size() && numeric[i]) cls = "num";
      out += fmt::format("<td{}>{}</td>", cls.empty() ? "" : " class=\"" + cls + "\"", r[i].html);
    }
    out += "</tr>";
  }
  out += "</tbody></table></div>";
  return out;
}

std::string details(std::string_view summary, const std::string& body, bool open) {
  return fmt::format("<details{}><summary>{}</summary>{}</details>", open ? " open" : "", h(summary), body);
}

std::string figure(const std::string& svg, const std::string& caption_html, const std::string& data_table,
                   std::string_view extra_class) {
  std::string out = fmt::format("<figure{}><div class=\"scroll\">{}</div>",
                                extra_class.empty() ? "" : " class=\"" + std::string(extra_class) + "\"", svg);
  if (!caption_html.empty()) out += "<figcaption>" + caption_html + "</figcaption>";
  if (!data_table.empty()) out += details("Data table", data_table);
  out += "</figure>";
  return out;
}

// The intervals under a value: "[11.9, 12.7]"; with a total interval, "total
// [lo, hi]" and beneath it "MC only ± h [lo, hi]".
std::string intervals_html(const EstimateRow& e, double scale) {
  std::string s;
  if (e.has_total()) {
    s += "<br><span class=\"ci\" title=\"95% total interval: parameter and Monte Carlo uncertainty\">total " +
         h(interval(e.total_lo, e.total_hi, e.se, scale)) + "</span>";
    s += "<br><span class=\"ci mc\" title=\"95% Monte Carlo interval: customer noise only\">MC only ± " +
         h(value_only(kZ95 * e.se, e.se, scale)) +
         (std::isfinite(e.lo) && std::isfinite(e.hi) ? " " + h(interval(e.lo, e.hi, e.se, scale)) : std::string()) +
         "</span>";
  } else if (std::isfinite(e.lo) && std::isfinite(e.hi)) {
    s += "<br><span class=\"ci\">" + h(interval(e.lo, e.hi, e.se, scale)) + "</span>";
  }
  return s;
}

// "12.3 ± 0.4" over a small "[11.9, 12.7]"; with a total interval the value
// over "total [..]" and "MC only ± h [..]".
std::string est_cell(const EstimateRow& e, double scale, bool with_ci) {
  if (!e.found || std::isnan(e.estimate)) return "n/a";
  if (e.has_total()) return h(value_only(e.estimate, e.se, scale)) + intervals_html(e, scale);
  std::string s = h(plus_minus(e.estimate, e.se, scale));
  if (with_ci) s += intervals_html(e, scale);
  return s;
}

// A difference, marked when its CI (the total one when there is one)
// excludes 0; better/worse by the metric.
Cell delta_cell(const EstimateRow& d, const MetricInfo& info) {
  if (!d.found || std::isnan(d.estimate)) return {"n/a", "num"};
  std::string s = d.has_total() ? h(signed_value(d.estimate, d.se, info.scale))
                                : h(signed_plus_minus(d.estimate, d.se, info.scale));
  std::string cls = "num";
  if (excludes_zero(d.low(), d.high())) {
    const int dir = d.estimate > 0 ? 1 : -1;
    const char* arrow = dir > 0 ? "▲" : "▼";
    s = "<b>" + s + "</b> <span class=\"mark\" title=\"95% " + (d.has_total() ? "total " : "") + "CI excludes 0\">" +
        arrow + "*</span>";
    if (info.better != 0) cls += dir == info.better ? " sig-better" : " sig-worse";
  }
  s += intervals_html(d, info.scale);
  return {s, cls};
}

std::string signed_value(double estimate, double se, double scale) {
  const std::string v = value_only(estimate, se, scale);
  return estimate * scale > 0 ? "+" + v : v;
}

std::string unit_suffix(const MetricInfo& info, bool delta) {
  const std::string& u = delta ? info.delta_unit : info.unit;
  return u.empty() ? std::string() : " (" + u + ")";
}

std::string rank_text(double x) { return std::isfinite(x) ? fmt::format("{:.0f}", x) : ""; }

IntervalRow delta_interval_row(const std::string& label, const EstimateRow& e, const MetricInfo& mi) {
  IntervalRow r;
  r.label = label;
  r.estimate = e.estimate * mi.scale;
  // The whisker is the interval the page leads with (the total one when there is one).
  r.lo = e.low() * mi.scale;
  r.hi = e.high() * mi.scale;
  r.emphasis = excludes_zero(e.low(), e.high());
  r.tooltip = fmt::format("{}: Δ {} {} {}", label, signed_plus_minus(e.estimate, e.se, mi.scale), mi.delta_unit,
                          interval(e.lo, e.hi, e.se, mi.scale));
  if (e.has_total())
    r.tooltip = fmt::format("{}: Δ {} {}, 95% total {}, MC only {}", label, signed_value(e.estimate, e.se, mi.scale),
                            mi.delta_unit, interval(e.total_lo, e.total_hi, e.se, mi.scale),
                            interval(e.lo, e.hi, e.se, mi.scale));
  return r;
}

std::string path_html(const std::string& path) {
  std::string out = "<span class=\"path\">";
  std::size_t pos = 0;
  bool first = true;
  while (pos <= path.size()) {
    std::size_t next = path.find(" > ", pos);
    const std::string step = path.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    if (!first) out += "<span class=\"sep\">→</span>";
    out += "<span class=\"step\">" + h(step) + "</span>";
    first = false;
    if (next == std::string::npos) break;
    pos = next + 3;
  }
  return out + "</span>";
}

}  // namespace cxsim::report::html
