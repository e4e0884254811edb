#include "cxsim/report/svg.h"

#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

namespace cxsim::report {

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// ------------------------------------------------------------------ ticks

double tick_step(double lo, double hi, int target) {
  target = std::max(target, 1);
  const double raw = std::fabs(hi - lo) / target;
  if (!(raw > 0) || !std::isfinite(raw)) return 1.0;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / power;
  const double m = f >= std::sqrt(50.0) ? 10 : f >= std::sqrt(10.0) ? 5 : f >= std::sqrt(2.0) ? 2 : 1;
  return m * power;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {0.0, 1.0};
  if (lo > hi) std::swap(lo, hi);
  if (lo == hi) {
    const double pad = lo == 0 ? 1.0 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double step = tick_step(lo, hi, target);
  // Snap to the step grid with a little tolerance so that rounding noise
  // (0.6000000000000001) does not add a tick.
  const double eps = 1e-9;
  const double first = std::floor(lo / step + eps) * step;
  const double last = std::ceil(hi / step - eps) * step;
  const int d = tick_decimals(step);
  const double p = std::pow(10.0, d);
  std::vector<double> ticks;
  const long n = std::lround((last - first) / step);
  for (long i = 0; i <= n; ++i) {
    double t = std::round((first + static_cast<double>(i) * step) * p) / p;
    if (t == 0) t = 0;  // no -0
    ticks.push_back(t);
  }
  return ticks;
}

int tick_decimals(double step) {
  if (!(step > 0) || !std::isfinite(step)) return 0;
  return std::clamp(static_cast<int>(-std::floor(std::log10(step) + 1e-9)), 0, 10);
}

std::string format_fixed(double x, int decimals) {
  if (std::isnan(x)) return "n/a";
  if (std::isinf(x)) return x > 0 ? "∞" : "\u2212∞";
  std::string s = fmt::format("{:.{}f}", x, std::max(decimals, 0));
  if (!s.empty() && s[0] == '-') {
    // "-0.00" is zero.
    if (s.find_first_not_of("-0.") == std::string::npos) return s.substr(1);
    return "\u2212" + s.substr(1);
  }
  return s;
}

std::string coord(double x) {
  if (!std::isfinite(x)) return "0";
  std::string s = fmt::format("{:.2f}", x);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0" || s.empty()) s = "0";
  return s;
}

double LinearScale::operator()(double x) const {
  if (d1_ == d0_) return (r0_ + r1_) / 2;
  return r0_ + (x - d0_) / (d1_ - d0_) * (r1_ - r0_);
}

LinearScale LinearScale::nice(int target) const {
  const auto t = nice_ticks(d0_, d1_, target);
  return LinearScale(t.front(), t.back(), r0_, r1_);
}

// ------------------------------------------------------------------ palette

const char* series_colour(std::size_t i) {
  static const char* colours[] = {okabe_ito::black,        okabe_ito::blue,       okabe_ito::orange,
                                  okabe_ito::bluish_green, okabe_ito::vermillion, okabe_ito::reddish_purple,
                                  okabe_ito::sky_blue};
  return colours[i % (sizeof colours / sizeof colours[0])];
}

const char* series_dash(std::size_t i) {
  static const char* dashes[] = {"", "6 3", "2 3", "8 3 2 3", "12 4", "4 4", "1 2"};
  return dashes[i % (sizeof dashes / sizeof dashes[0])];
}

std::string sequential_colour(double t) {
  if (!std::isfinite(t)) t = 0;
  t = std::clamp(t, 0.0, 1.0);
  struct Stop {
    double t;
    int r, g, b;
  };
  static const Stop stops[] = {
      {0.0, 0xFF, 0xF6, 0xD5}, {0.35, 0xF0, 0xC8, 0x4A}, {0.7, 0xE0, 0x7B, 0x00}, {1.0, 0x9C, 0x3A, 0x00}};
  std::size_t i = 0;
  while (i + 2 < std::size(stops) && t > stops[i + 1].t) ++i;
  const Stop& a = stops[i];
  const Stop& b = stops[i + 1];
  const double u = (t - a.t) / (b.t - a.t);
  auto mix = [u](int x, int y) { return static_cast<int>(std::lround(x + (y - x) * std::clamp(u, 0.0, 1.0))); };
  return fmt::format("#{:02X}{:02X}{:02X}", mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b));
}

// ------------------------------------------------------------------ builder

Svg::Svg(double width, double height, std::string id, std::string_view title, std::string_view desc)
    : width_(width), height_(height), id_(std::move(id)), title_(title), desc_(desc) {}

static std::string sp(std::string_view extra) { return extra.empty() ? std::string() : " " + std::string(extra); }

void Svg::rect(double x, double y, double w, double h, std::string_view extra) {
  body_ += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{}/>", coord(x), coord(y),
                       coord(std::max(w, 0.0)), coord(std::max(h, 0.0)), sp(extra));
}

void Svg::line(double x1, double y1, double x2, double y2, std::string_view extra) {
  body_ += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"{}/>", coord(x1), coord(y1), coord(x2), coord(y2),
                       sp(extra));
}

void Svg::path(std::string_view d, std::string_view extra) { body_ += fmt::format("<path d=\"{}\"{}/>", d, sp(extra)); }

void Svg::circle(double cx, double cy, double r, std::string_view extra) {
  body_ += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"{}\"{}/>", coord(cx), coord(cy), coord(r), sp(extra));
}

void Svg::text(double x, double y, std::string_view text, std::string_view anchor, std::string_view extra) {
  body_ += fmt::format("<text x=\"{}\" y=\"{}\"{}{}>{}</text>", coord(x), coord(y),
                       anchor == "start" ? std::string() : fmt::format(" text-anchor=\"{}\"", anchor), sp(extra),
                       escape_html(text));
}

void Svg::begin_group(std::string_view extra, std::string_view tooltip) {
  body_ += fmt::format("<g{}>", sp(extra));
  if (!tooltip.empty()) body_ += fmt::format("<title>{}</title>", escape_html(tooltip));
}

void Svg::end_group() { body_ += "</g>"; }

void Svg::error_bar_v(double x, double y_lo, double y_hi, double cap, std::string_view extra) {
  body_ +=
      fmt::format("<path d=\"M{},{}V{}M{},{}H{}M{},{}H{}\" class=\"err\"{}/>", coord(x), coord(y_lo), coord(y_hi),
                  coord(x - cap), coord(y_lo), coord(x + cap), coord(x - cap), coord(y_hi), coord(x + cap), sp(extra));
}

void Svg::error_bar_h(double y, double x_lo, double x_hi, double cap, std::string_view extra) {
  body_ +=
      fmt::format("<path d=\"M{},{}H{}M{},{}V{}M{},{}V{}\" class=\"err\"{}/>", coord(x_lo), coord(y), coord(x_hi),
                  coord(x_lo), coord(y - cap), coord(y + cap), coord(x_hi), coord(y - cap), coord(y + cap), sp(extra));
}

std::string Svg::str() const {
  const std::string id = escape_html(id_);
  return fmt::format(
      "<svg viewBox=\"0 0 {} {}\" width=\"100%\" role=\"img\" aria-labelledby=\"{}-t\" aria-describedby=\"{}-d\" "
      "class=\"chart\" font-family=\"system-ui, sans-serif\" font-size=\"12\">"
      "<title id=\"{}-t\">{}</title><desc id=\"{}-d\">{}</desc>{}</svg>",
      coord(width_), coord(height_), id, id, id, escape_html(title_), id, escape_html(desc_), body_);
}

// ------------------------------------------------------------------ helpers

namespace {

constexpr double kCharWidth = 6.6;  // average glyph advance at 12px, for layout

double text_width(std::string_view s, double font = 12) {
  // Count code points, not bytes.
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return static_cast<double>(n) * kCharWidth * font / 12;
}

// Extends [lo, hi] by the finite values given.
struct Extent {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  void apply(const Axis& a) {
    if (std::isfinite(a.min)) lo = std::min(lo, a.min);
    if (std::isfinite(a.max)) hi = std::max(hi, a.max);
    if (a.include_zero) add(0.0);
    if (!std::isfinite(lo)) lo = hi = 0;
  }
};

// Legend entries laid out left to right, wrapping at `width`; returns the
// height used. kind: "line", "box", "diamond", "ring".
struct LegendItem {
  std::string label, colour, dash, kind;
};

double draw_legend(Svg& svg, const std::vector<LegendItem>& items, double x0, double y0, double width) {
  if (items.empty()) return 0;
  double x = x0, y = y0;
  const double row = 18;
  for (const auto& it : items) {
    const double w = 26 + text_width(it.label) + 16;
    if (x > x0 && x + w > x0 + width) {
      x = x0;
      y += row;
    }
    const double cy = y + 9;
    if (it.kind == "line") {
      svg.line(x, cy, x + 20, cy,
               fmt::format("stroke=\"{}\" stroke-width=\"2.5\"{}", it.colour,
                           it.dash.empty() ? std::string() : fmt::format(" stroke-dasharray=\"{}\"", it.dash)));
    } else if (it.kind == "diamond") {
      svg.path(fmt::format("M{},{}l5,5l-5,5l-5,-5z", coord(x + 10), coord(cy - 5)),
               "fill=\"#fff\" stroke=\"#000\" stroke-width=\"1.5\"");
    } else if (it.kind == "ring") {
      svg.circle(x + 10, cy, 4.5, fmt::format("fill=\"none\" stroke=\"{}\" stroke-width=\"2\"", it.colour));
    } else if (it.kind == "band") {
      svg.rect(x, cy - 6, 20, 12, fmt::format("fill=\"{}\" fill-opacity=\"0.18\"", it.colour));
      svg.line(x, cy, x + 20, cy, fmt::format("stroke=\"{}\" stroke-width=\"2\"", it.colour));
    } else {
      svg.rect(x + 2, cy - 6, 16, 12, fmt::format("fill=\"{}\"", it.colour));
    }
    svg.text(x + 26, cy + 4, it.label, "start", "class=\"legend\"");
    x += w;
  }
  return y - y0 + row;
}

// Height the legend will take, without drawing.
double legend_height(const std::vector<LegendItem>& items, double width) {
  if (items.empty()) return 0;
  double x = 0, rows = 1;
  for (const auto& it : items) {
    const double w = 26 + text_width(it.label) + 16;
    if (x > 0 && x + w > width) {
      x = 0;
      ++rows;
    }
    x += w;
  }
  return rows * 18;
}

void draw_x_axis(Svg& svg, const LinearScale& x, const std::vector<double>& ticks, double y_top, double y_bottom,
                 const std::string& label, bool grid) {
  const int dec = ticks.size() > 1 ? tick_decimals(ticks[1] - ticks[0]) : 0;
  for (double t : ticks) {
    const double px = x(t);
    if (grid) svg.line(px, y_top, px, y_bottom, "class=\"grid\"");
    svg.line(px, y_bottom, px, y_bottom + 4, "class=\"axis\"");
    svg.text(px, y_bottom + 17, format_fixed(t, dec), "middle", "class=\"tick\"");
  }
  svg.line(x.range_min(), y_bottom, x.range_max(), y_bottom, "class=\"axis\"");
  svg.text((x.range_min() + x.range_max()) / 2, y_bottom + 36, label, "middle", "class=\"axis-label\"");
}

void draw_y_axis(Svg& svg, const LinearScale& y, const std::vector<double>& ticks, double x_left, double x_right,
                 const std::string& label, bool grid) {
  const int dec = ticks.size() > 1 ? tick_decimals(ticks[1] - ticks[0]) : 0;
  for (double t : ticks) {
    const double py = y(t);
    if (grid) svg.line(x_left, py, x_right, py, "class=\"grid\"");
    svg.line(x_left - 4, py, x_left, py, "class=\"axis\"");
    svg.text(x_left - 7, py + 4, format_fixed(t, dec), "end", "class=\"tick\"");
  }
  svg.line(x_left, y.range_min(), x_left, y.range_max(), "class=\"axis\"");
  const double cy = (y.range_min() + y.range_max()) / 2;
  svg.text(0, 0, label, "middle",
           fmt::format("class=\"axis-label\" transform=\"translate({},{}) rotate(-90)\"", coord(14), coord(cy)));
}

void draw_title(Svg& svg, const std::string& title) { svg.text(0, 16, title, "start", "class=\"chart-title\""); }

}  // namespace

// ------------------------------------------------------------------ interval chart

std::string interval_chart(const ChartText& text, const Axis& x_axis, const std::vector<IntervalRow>& rows,
                           const IntervalChartOptions& o) {
  double label_w = 60;
  for (const auto& r : rows) label_w = std::max(label_w, text_width(r.label) + 14);
  label_w = std::min(label_w, o.width * 0.42);

  std::vector<LegendItem> legend;
  bool any_m1 = false, any_m2 = false;
  for (const auto& r : rows) {
    any_m1 = any_m1 || std::isfinite(r.marker);
    any_m2 = any_m2 || std::isfinite(r.marker2);
  }
  // A legend only when there are markers to tell apart from the bars.
  if ((any_m1 && !o.marker_label.empty()) || (any_m2 && !o.marker2_label.empty()))
    legend.push_back({"simulated Δ, 95% CI", okabe_ito::blue, "", "box"});
  if (any_m1 && !o.marker_label.empty()) legend.push_back({o.marker_label, "#000", "", "diamond"});
  if (any_m2 && !o.marker2_label.empty()) legend.push_back({o.marker2_label, okabe_ito::vermillion, "", "ring"});

  const double left = label_w, right = 18;
  const double lh = legend_height(legend, o.width);
  const double top = 26 + lh + (lh > 0 ? 6 : 4);
  const double plot_h = std::max<double>(1, static_cast<double>(rows.size())) * o.row_height;
  const double bottom = top + plot_h;
  const double height = bottom + 46;

  Extent e;
  for (const auto& r : rows) {
    e.add(r.estimate);
    e.add(r.lo);
    e.add(r.hi);
    e.add(r.marker);
    e.add(r.marker2);
  }
  Axis xa = x_axis;
  xa.include_zero = true;
  e.apply(xa);
  const auto ticks = nice_ticks(e.lo, e.hi, 6);
  const LinearScale x(ticks.front(), ticks.back(), left, o.width - right);

  Svg svg(o.width, height, text.id, text.title, text.desc);
  draw_title(svg, text.title);
  draw_legend(svg, legend, 0, 26, o.width);
  draw_x_axis(svg, x, ticks, top, bottom, x_axis.label, true);
  svg.line(x(0), top - 4, x(0), bottom, "class=\"zero\"");

  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const double cy = top + (static_cast<double>(i) + 0.5) * o.row_height;
    const std::string colour = r.colour.empty() ? okabe_ito::blue : r.colour;
    svg.begin_group("class=\"row\"", r.tooltip.empty() ? r.label : r.tooltip);
    svg.text(left - 8, cy + 4, r.label, "end", "class=\"row-label\"");
    if (std::isfinite(r.estimate)) {
      const double x0 = x(0), x1 = x(r.estimate);
      const double bh = o.row_height * 0.56;
      svg.rect(
          std::min(x0, x1), cy - bh / 2, std::fabs(x1 - x0), bh,
          fmt::format("fill=\"{}\" fill-opacity=\"{}\" stroke=\"{}\"", colour, r.emphasis ? "0.85" : "0.3", colour));
    }
    if (std::isfinite(r.lo) && std::isfinite(r.hi)) svg.error_bar_h(cy, x(r.lo), x(r.hi), 5);
    if (std::isfinite(r.marker2))
      svg.circle(x(r.marker2), cy, 5,
                 fmt::format("fill=\"none\" stroke=\"{}\" stroke-width=\"2\"", okabe_ito::vermillion));
    if (std::isfinite(r.marker))
      svg.path(fmt::format("M{},{}l5,5l-5,5l-5,-5z", coord(x(r.marker)), coord(cy - 5)),
               "fill=\"#fff\" stroke=\"#000\" stroke-width=\"1.5\"");
    svg.end_group();
  }
  return svg.str();
}

std::string tornado_chart(const ChartText& text, const Axis& x, std::vector<IntervalRow> rows,
                          const IntervalChartOptions& options) {
  auto mag = [](const IntervalRow& r) { return std::isfinite(r.estimate) ? std::fabs(r.estimate) : -1.0; };
  std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) { return mag(a) > mag(b); });
  return interval_chart(text, x, rows, options);
}

// ------------------------------------------------------------------ line chart

std::string line_chart(const ChartText& text, const Axis& x_axis, const Axis& y_axis, const std::vector<Series>& series,
                       const LineChartOptions& o) {
  std::vector<LegendItem> legend;
  bool any_band = false, any_hl = false;
  for (const auto& s : series) {
    bool band = false;
    for (std::size_t i = 0; i < s.lo.size() && i < s.hi.size(); ++i)
      band = band || (std::isfinite(s.lo[i]) && std::isfinite(s.hi[i]) && s.lo[i] != s.hi[i]);
    any_band = any_band || band;
    for (bool h : s.highlight) any_hl = any_hl || h;
    if (series.size() > 1) legend.push_back({s.name, s.colour, s.dash, "line"});
  }
  if (any_band) legend.push_back({"95% CI band", "#777", "", "band"});
  if (any_hl && !o.highlight_label.empty()) legend.push_back({o.highlight_label, "#000", "", "ring"});

  const double left = 62, right = 18;
  const double lh = legend_height(legend, o.width);
  const double top = 26 + lh + 8;
  const double bottom = o.height - 46;

  Extent ex, ey;
  for (const auto& s : series) {
    for (double v : s.x) ex.add(v);
    for (double v : s.y) ey.add(v);
    for (double v : s.lo) ey.add(v);
    for (double v : s.hi) ey.add(v);
  }
  ex.apply(x_axis);
  ey.apply(y_axis);
  // The x range is the data's (periods 0..P, a sweep's values), with the
  // round ticks that fall inside it.
  auto xt = nice_ticks(ex.lo, ex.hi, 7);
  double xlo = xt.front(), xhi = xt.back();
  if (ex.hi > ex.lo) {
    xlo = ex.lo;
    xhi = ex.hi;
    std::erase_if(xt, [&](double t) { return t < xlo - 1e-9 * (xhi - xlo) || t > xhi + 1e-9 * (xhi - xlo); });
  }
  auto yt = nice_ticks(ey.lo, ey.hi, 6);
  // Clip to hard limits given (a share never below its axis min).
  if (std::isfinite(y_axis.min) && yt.front() < y_axis.min) yt.front() = y_axis.min;
  if (std::isfinite(y_axis.max) && yt.back() > y_axis.max) yt.back() = y_axis.max;
  const LinearScale x(xlo, xhi, left, o.width - right);
  const LinearScale y(yt.front(), yt.back(), bottom, top);

  Svg svg(o.width, o.height, text.id, text.title, text.desc);
  draw_title(svg, text.title);
  if (lh > 0) draw_legend(svg, legend, 0, 26, o.width);
  draw_x_axis(svg, x, xt, top, bottom, x_axis.label, true);
  draw_y_axis(svg, y, yt, left, o.width - right, y_axis.label, true);

  auto point_path = [&](const std::vector<double>& xs, const std::vector<double>& ys) {
    std::string d;
    bool pen = false;
    for (std::size_t i = 0; i < xs.size() && i < ys.size(); ++i) {
      if (!std::isfinite(ys[i]) || !std::isfinite(xs[i])) {
        pen = false;
        continue;
      }
      if (!pen) {
        d += fmt::format("M{},{}", coord(x(xs[i])), coord(y(ys[i])));
        pen = true;
      } else {
        d += fmt::format("L{},{}", coord(x(xs[i])), coord(y(ys[i])));
      }
    }
    return d;
  };

  // Bands first (beneath every line).
  for (const auto& s : series) {
    if (s.lo.size() != s.x.size() || s.hi.size() != s.x.size()) continue;
    // One polygon per run of finite points.
    std::size_t i = 0;
    while (i < s.x.size()) {
      while (i < s.x.size() && !(std::isfinite(s.lo[i]) && std::isfinite(s.hi[i]))) ++i;
      std::size_t j = i;
      while (j < s.x.size() && std::isfinite(s.lo[j]) && std::isfinite(s.hi[j])) ++j;
      if (j > i) {
        std::string d;
        for (std::size_t k = i; k < j; ++k)
          d += fmt::format("{}{},{}", k == i ? "M" : "L", coord(x(s.x[k])), coord(y(s.hi[k])));
        for (std::size_t k = j; k-- > i;) d += fmt::format("L{},{}", coord(x(s.x[k])), coord(y(s.lo[k])));
        d += "Z";
        svg.path(d, fmt::format("fill=\"{}\" fill-opacity=\"0.16\" stroke=\"none\" class=\"band\"", s.colour));
      }
      i = j;
    }
  }
  for (const auto& s : series) {
    svg.begin_group("class=\"series\"", s.name);
    svg.path(point_path(s.x, s.y),
             fmt::format("fill=\"none\" stroke=\"{}\" stroke-width=\"2.2\"{}", s.colour,
                         s.dash.empty() ? std::string() : fmt::format(" stroke-dasharray=\"{}\"", s.dash)));
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      if (s.markers) svg.circle(x(s.x[i]), y(s.y[i]), 2.8, fmt::format("fill=\"{}\"", s.colour));
      if (i < s.highlight.size() && s.highlight[i])
        svg.circle(x(s.x[i]), y(s.y[i]), 6, "fill=\"none\" stroke=\"#000\" stroke-width=\"1.6\"");
    }
    svg.end_group();
  }
  return svg.str();
}

// ------------------------------------------------------------------ grouped bars

std::string grouped_bar_chart(const ChartText& text, const std::vector<std::string>& categories, const Axis& x_axis,
                              const Axis& y_axis, const std::vector<BarSeries>& series,
                              const std::vector<CategoryBand>& bands, double width, double height) {
  std::vector<LegendItem> legend;
  for (const auto& s : series) legend.push_back({s.name, s.colour, "", "box"});
  const double left = 56, right = 10;
  const double lh = legend_height(legend, width);
  const double top = 26 + lh + (bands.empty() ? 6 : 20);
  const double bottom = height - 46;

  Extent ey;
  for (const auto& s : series) {
    for (double v : s.value) ey.add(v);
    for (double v : s.hi) ey.add(v);
  }
  Axis ya = y_axis;
  ya.include_zero = true;
  ey.apply(ya);
  auto yt = nice_ticks(ey.lo, ey.hi, 5);
  const LinearScale y(yt.front(), yt.back(), bottom, top);
  const double n = std::max<double>(1, static_cast<double>(categories.size()));
  const double band_w = (width - left - right) / n;
  auto cat_x = [&](std::size_t c) { return left + band_w * static_cast<double>(c); };

  Svg svg(width, height, text.id, text.title, text.desc);
  draw_title(svg, text.title);
  draw_legend(svg, legend, 0, 26, width);
  for (const auto& b : bands) {
    const double x0 = cat_x(b.first), x1 = cat_x(b.last + 1);
    svg.rect(x0, top - 14, x1 - x0, bottom - top + 14, fmt::format("fill=\"{}\"", b.fill));
    svg.text((x0 + x1) / 2, top - 3, b.label, "middle", "class=\"band-label\"");
  }
  draw_y_axis(svg, y, yt, left, width - right, y_axis.label, true);
  // Category axis.
  svg.line(left, bottom, width - right, bottom, "class=\"axis\"");
  for (std::size_t c = 0; c < categories.size(); ++c)
    svg.text(cat_x(c) + band_w / 2, bottom + 16, categories[c], "middle", "class=\"tick\"");
  svg.text((left + width - right) / 2, bottom + 36, x_axis.label, "middle", "class=\"axis-label\"");

  const double inner = band_w * 0.8;
  const double bw = inner / std::max<double>(1, static_cast<double>(series.size()));
  for (std::size_t c = 0; c < categories.size(); ++c) {
    for (std::size_t s = 0; s < series.size(); ++s) {
      const auto& ser = series[s];
      if (c >= ser.value.size() || !std::isfinite(ser.value[c])) continue;
      const double bx = cat_x(c) + (band_w - inner) / 2 + bw * static_cast<double>(s);
      const double v = ser.value[c];
      std::string tip = fmt::format("{} {}: {}", categories[c], ser.name, format_fixed(v, 1));
      if (c < ser.lo.size() && c < ser.hi.size() && std::isfinite(ser.lo[c]))
        tip += fmt::format(" [{}, {}]", format_fixed(ser.lo[c], 1), format_fixed(ser.hi[c], 1));
      svg.begin_group("", tip);
      svg.rect(bx, y(v), bw - 1, y(yt.front()) - y(v), fmt::format("fill=\"{}\"", ser.colour));
      if (c < ser.lo.size() && c < ser.hi.size() && std::isfinite(ser.lo[c]) && std::isfinite(ser.hi[c]))
        svg.error_bar_v(bx + (bw - 1) / 2, y(ser.lo[c]), y(ser.hi[c]), std::min(3.0, bw / 3));
      svg.end_group();
    }
  }
  return svg.str();
}

}  // namespace cxsim::report
