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

// "12.3 ± 0.4" over a small "[11.9, 12.7]".
std::string est_cell(const EstimateRow& e, double scale, bool with_ci) {
  if (!e.found || std::isnan(e.estimate)) return "n/a";
  std::string s = h(plus_minus(e.estimate, e.se, scale));
  if (with_ci && std::isfinite(e.lo) && std::isfinite(e.hi))
    s += "<br><span class=\"ci\">" + h(interval(e.lo, e.hi, e.se, scale)) + "</span>";
  return s;
}

// A difference, marked when its CI excludes 0; better/worse by the metric.
Cell delta_cell(const EstimateRow& d, const MetricInfo& info) {
  if (!d.found || std::isnan(d.estimate)) return {"n/a", "num"};
  std::string s = h(signed_plus_minus(d.estimate, d.se, info.scale));
  std::string cls = "num";
  if (excludes_zero(d.lo, d.hi)) {
    const int dir = d.estimate > 0 ? 1 : -1;
    const char* arrow = dir > 0 ? "▲" : "▼";
    s = "<b>" + s + "</b> <span class=\"mark\" title=\"95% CI excludes 0\">" + arrow + "*</span>";
    if (info.better != 0) cls += dir == info.better ? " sig-better" : " sig-worse";
  }
  if (std::isfinite(d.lo) && std::isfinite(d.hi))
    s += "<br><span class=\"ci\">" + h(interval(d.lo, d.hi, d.se, info.scale)) + "</span>";
  return {s, cls};
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
  r.lo = e.lo * mi.scale;
  r.hi = e.hi * mi.scale;
  r.emphasis = excludes_zero(e.lo, e.hi);
  r.tooltip = fmt::format("{}: Δ {} {} {}", label, signed_plus_minus(e.estimate, e.se, mi.scale), mi.delta_unit,
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
