#pragma once
// A small inline-SVG toolkit for the report: "nice" ticks, linear scales, a
// string builder for SVG elements, and the chart types the report draws
// (interval bars with error bars, tornado, lines with CI bands, a histogram
// pair). Everything is drawn by the project: no external fonts, scripts or
// images, so the page makes no network request.
//
// Charts take data already in display units (a share shown as % is passed
// multiplied by 100) and axis labels that name the unit. Every chart is an
// <svg role="img"> with a viewBox (it scales to 100% of its container), a
// <title> and a <desc> referenced by aria-labelledby / aria-describedby.
// The report puts a data table beside each chart (see html_elements.cpp, figure()).
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace cxsim::report {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Escapes & < > " ' for use in HTML/SVG text and attribute values.
std::string escape_html(std::string_view text);

// ------------------------------------------------------------------ ticks

// The tick spacing for about `target` intervals over [lo, hi]: 1, 2 or 5
// times a power of ten, the one closest (geometrically) to (hi - lo)/target.
double tick_step(double lo, double hi, int target);

// Evenly spaced round ticks covering [lo, hi] with spacing tick_step: the
// first tick is <= lo and the last >= hi ([0, 0.87] -> 0, 0.2, ..., 1.0).
// lo == hi is widened around the value; non-finite bounds give {0, 1}.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

// Decimals needed to print ticks spaced `step` apart (0.2 -> 1, 5 -> 0).
int tick_decimals(double step);

// Fixed-point text with a true minus sign (U+2212) and no "-0".
std::string format_fixed(double x, int decimals);

// A coordinate for SVG output: at most 2 decimals, trailing zeros dropped.
std::string coord(double x);

// Maps a domain [d0, d1] linearly onto a range [r0, r1] (pixels; r0 > r1
// for a y axis pointing up). A degenerate domain maps to the range's middle.
class LinearScale {
 public:
  LinearScale() = default;
  LinearScale(double d0, double d1, double r0, double r1) : d0_(d0), d1_(d1), r0_(r0), r1_(r1) {}
  double operator()(double x) const;
  // The same scale with its domain widened to nice_ticks(d0, d1, target).
  LinearScale nice(int target = 5) const;
  std::vector<double> ticks(int target = 5) const { return nice_ticks(d0_, d1_, target); }
  double domain_min() const { return d0_; }
  double domain_max() const { return d1_; }
  double range_min() const { return r0_; }
  double range_max() const { return r1_; }

 private:
  double d0_ = 0, d1_ = 1, r0_ = 0, r1_ = 1;
};

// ------------------------------------------------------------------ palette

// Okabe & Ito (2008), safe for the common colour-vision deficiencies.
namespace okabe_ito {
inline constexpr const char* black = "#000000";
inline constexpr const char* orange = "#E69F00";
inline constexpr const char* sky_blue = "#56B4E9";
inline constexpr const char* bluish_green = "#009E73";
inline constexpr const char* yellow = "#F0E442";
inline constexpr const char* blue = "#0072B2";
inline constexpr const char* vermillion = "#D55E00";
inline constexpr const char* reddish_purple = "#CC79A7";
}  // namespace okabe_ito

// Series colour i (0 = black for a baseline, then blue, orange, green, ...),
// cycling; and a dash pattern so lines differ without colour ("" = solid).
const char* series_colour(std::size_t i);
const char* series_dash(std::size_t i);

// A sequential light-to-dark ramp for t in [0, 1] (pale yellow to deep
// vermillion), used for friction rates; "#rrggbb".
std::string sequential_colour(double t);

// ------------------------------------------------------------------ builder

// Accumulates SVG elements. Attribute values passed as `extra` are inserted
// verbatim (callers build them from numbers and escaped text only).
class Svg {
 public:
  // id: unique in the page (used for the title/desc ids); title and desc are
  // plain text (escaped here).
  Svg(double width, double height, std::string id, std::string_view title, std::string_view desc);

  void rect(double x, double y, double w, double h, std::string_view extra = {});
  void line(double x1, double y1, double x2, double y2, std::string_view extra = {});
  void path(std::string_view d, std::string_view extra = {});
  void circle(double cx, double cy, double r, std::string_view extra = {});
  // text is plain (escaped here); anchor: start, middle, end.
  void text(double x, double y, std::string_view text, std::string_view anchor = "start", std::string_view extra = {});
  // A tooltip-bearing group: open with a plain-text <title>, close after.
  void begin_group(std::string_view extra = {}, std::string_view tooltip = {});
  void end_group();
  void raw(std::string_view markup) { body_ += markup; }

  // A vertical error bar at x from y(lo) to y(hi) with caps of half-width
  // cap; a horizontal one at y from x(lo) to x(hi).
  void error_bar_v(double x, double y_lo, double y_hi, double cap, std::string_view extra = {});
  void error_bar_h(double y, double x_lo, double x_hi, double cap, std::string_view extra = {});

  std::string str() const;
  double width() const { return width_; }
  double height() const { return height_; }

 private:
  double width_, height_;
  std::string id_, title_, desc_;
  std::string body_;
};

// ------------------------------------------------------------------ charts

struct Axis {
  std::string label;  // with its unit, e.g. "Δ NPS (points)"
  // Force the domain to include these (NaN: no constraint).
  double min = kNaN;
  double max = kNaN;
  bool include_zero = false;
};

struct ChartText {
  std::string id;     // unique in the page
  std::string title;  // <title>, also drawn at the top
  std::string desc;   // <desc>: a sentence summarising the data
};

// One horizontal bar from 0 to `estimate` with an error bar [lo, hi] and
// optional markers (e.g. an exact prediction).
struct IntervalRow {
  std::string label;
  double estimate = kNaN;
  double lo = kNaN;
  double hi = kNaN;
  double marker = kNaN;   // drawn as a diamond
  double marker2 = kNaN;  // drawn as a ring
  std::string colour;     // bar colour; "" = blue
  bool emphasis = false;  // significant: solid bar, else hatched-light
  std::string tooltip;    // plain text
};

struct IntervalChartOptions {
  std::string marker_label;   // legend text for `marker` ("" = no legend entry)
  std::string marker2_label;  // legend text for `marker2`
  double width = 560;
  double row_height = 28;
};

// Rows top to bottom as given; x axis at the bottom, a zero line.
std::string interval_chart(const ChartText& text, const Axis& x, const std::vector<IntervalRow>& rows,
                           const IntervalChartOptions& options = {});

// A tornado: rows sorted by |estimate| (largest on top), else as interval_chart.
std::string tornado_chart(const ChartText& text, const Axis& x, std::vector<IntervalRow> rows,
                          const IntervalChartOptions& options = {});

// Lines with optional CI bands (lo/hi may be empty or NaN per point).
struct Series {
  std::string name;
  std::string colour;
  std::string dash;  // stroke-dasharray, "" = solid
  std::vector<double> x, y, lo, hi;
  bool markers = false;
  // Points to highlight with a larger ring (e.g. the baseline value).
  std::vector<bool> highlight;
};

struct LineChartOptions {
  double width = 640;
  double height = 360;
  std::string highlight_label;  // legend entry for highlighted points
};

std::string line_chart(const ChartText& text, const Axis& x, const Axis& y, const std::vector<Series>& series,
                       const LineChartOptions& options = {});

// Grouped vertical bars: categories along x, two series side by side, each
// value with an error bar. Optional background bands over category ranges
// (e.g. NPS detractors 0-6, passives 7-8, promoters 9-10).
struct BarSeries {
  std::string name;
  std::string colour;
  std::vector<double> value, lo, hi;
};
struct CategoryBand {
  std::size_t first, last;  // inclusive category indices
  std::string label;
  std::string fill;
};

std::string grouped_bar_chart(const ChartText& text, const std::vector<std::string>& categories, const Axis& x,
                              const Axis& y, const std::vector<BarSeries>& series,
                              const std::vector<CategoryBand>& bands = {}, double width = 480, double height = 300);

}  // namespace cxsim::report
