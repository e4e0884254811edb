// The report's SVG toolkit and number formatting on known data.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cxsim/report/format.h"
#include "cxsim/report/svg.h"

using namespace cxsim::report;

namespace {

std::size_t count(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

IntervalRow row(const std::string& label, double estimate, double lo, double hi) {
  IntervalRow r;
  r.label = label;
  r.estimate = estimate;
  r.lo = lo;
  r.hi = hi;
  return r;
}

void expect_ticks(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_DOUBLE_EQ(got[i], want[i]) << "tick " << i;
}

}  // namespace

TEST(ReportTicks, ZeroToPointEightySevenGivesTenthsByTwo) {
  expect_ticks(nice_ticks(0, 0.87), {0, 0.2, 0.4, 0.6, 0.8, 1.0});
}

TEST(ReportTicks, KnownRanges) {
  expect_ticks(nice_ticks(0, 12, 6), {0, 2, 4, 6, 8, 10, 12});
  expect_ticks(nice_ticks(0, 100, 5), {0, 20, 40, 60, 80, 100});
  expect_ticks(nice_ticks(-3.2, 7.9, 5), {-4, -2, 0, 2, 4, 6, 8});
  expect_ticks(nice_ticks(0.02, 0.25, 5), {0, 0.05, 0.1, 0.15, 0.2, 0.25});
  expect_ticks(nice_ticks(-0.013, 0.004, 4), {-0.015, -0.01, -0.005, 0, 0.005});
  // Ticks cover the data and are exact decimals (no 0.6000000000000001).
  const auto t = nice_ticks(0.1, 0.7, 6);
  EXPECT_LE(t.front(), 0.1);
  EXPECT_GE(t.back(), 0.7);
  for (double x : t) EXPECT_EQ(x, std::round(x * 10) / 10);
}

TEST(ReportTicks, DegenerateAndNonFiniteRanges) {
  const auto same = nice_ticks(5, 5);
  EXPECT_LE(same.front(), 5);
  EXPECT_GE(same.back(), 5);
  EXPECT_GT(same.back(), same.front());
  const auto zero = nice_ticks(0, 0);
  EXPECT_LT(zero.front(), 0);
  EXPECT_GT(zero.back(), 0);
  expect_ticks(nice_ticks(std::nan(""), 1), {0, 1});
  // Reversed bounds are accepted.
  expect_ticks(nice_ticks(0.87, 0), {0, 0.2, 0.4, 0.6, 0.8, 1.0});
}

TEST(ReportTicks, StepAndDecimals) {
  EXPECT_DOUBLE_EQ(tick_step(0, 0.87, 5), 0.2);
  EXPECT_DOUBLE_EQ(tick_step(0, 12, 6), 2);
  EXPECT_DOUBLE_EQ(tick_step(0, 1000, 4), 200);
  EXPECT_EQ(tick_decimals(0.2), 1);
  EXPECT_EQ(tick_decimals(0.05), 2);
  EXPECT_EQ(tick_decimals(5), 0);
  EXPECT_EQ(tick_decimals(200), 0);
}

TEST(ReportScale, MapsLinearlyAndInverts) {
  const LinearScale x(0, 10, 100, 300);
  EXPECT_DOUBLE_EQ(x(0), 100);
  EXPECT_DOUBLE_EQ(x(5), 200);
  EXPECT_DOUBLE_EQ(x(10), 300);
  EXPECT_DOUBLE_EQ(x(-5), 0);          // extrapolates
  const LinearScale y(0, 1, 250, 50);  // y axis pointing up
  EXPECT_DOUBLE_EQ(y(0), 250);
  EXPECT_DOUBLE_EQ(y(0.25), 200);
  EXPECT_DOUBLE_EQ(y(1), 50);
  // A degenerate domain maps to the middle of the range.
  EXPECT_DOUBLE_EQ(LinearScale(3, 3, 0, 100)(3), 50);
  const LinearScale n = LinearScale(0, 0.87, 0, 500).nice();
  EXPECT_DOUBLE_EQ(n.domain_min(), 0);
  EXPECT_DOUBLE_EQ(n.domain_max(), 1.0);
  EXPECT_DOUBLE_EQ(n(0.5), 250);
}

TEST(ReportSvg, ErrorBarCoordinates) {
  Svg v(100, 100, "e", "t", "d");
  const LinearScale y(0, 10, 90, 10);
  // Interval [2, 7] at x = 40 with caps of half-width 3.
  v.error_bar_v(40, y(2), y(7), 3);
  EXPECT_NE(v.str().find("d=\"M40,74V34M37,74H43M37,34H43\""), std::string::npos) << v.str();

  Svg hz(100, 100, "e2", "t", "d");
  const LinearScale x(-1, 1, 0, 200);
  hz.error_bar_h(50, x(-0.5), x(0.25), 4);
  EXPECT_NE(hz.str().find("d=\"M50,50H125M50,46V54M125,46V54\""), std::string::npos) << hz.str();
}

TEST(ReportSvg, CoordinatesAreCompact) {
  EXPECT_EQ(coord(12.0), "12");
  EXPECT_EQ(coord(12.5), "12.5");
  EXPECT_EQ(coord(1.0 / 3), "0.33");
  EXPECT_EQ(coord(-0.001), "0");
  EXPECT_EQ(coord(std::nan("")), "0");
}

TEST(ReportSvg, EscapesText) {
  EXPECT_EQ(escape_html("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
  EXPECT_EQ(escape_html("plain ± text"), "plain ± text");
  Svg s(10, 10, "id\"x", "<title>", "a & b");
  s.text(1, 2, "<script>alert(1)</script>");
  const std::string out = s.str();
  EXPECT_EQ(out.find("<script>"), std::string::npos);
  EXPECT_NE(out.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(out.find("<title id=\"id&quot;x-t\">&lt;title&gt;</title>"), std::string::npos);
  EXPECT_NE(out.find("<desc id=\"id&quot;x-d\">a &amp; b</desc>"), std::string::npos);
}

TEST(ReportSvg, ChartsAreAccessibleAndScale) {
  std::vector<IntervalRow> rows{row("a", 2, 1, 3), row("b", -1, -2.5, 0.5), row("c", 0.5, 0.2, 0.8)};
  const std::string svg = interval_chart({"c1", "Δ NPS", "three variants"}, Axis{"Δ NPS (points)"}, rows);
  EXPECT_EQ(svg.rfind("<svg viewBox=\"0 0 ", 0), 0u);
  EXPECT_NE(svg.find("width=\"100%\""), std::string::npos);
  EXPECT_NE(svg.find("role=\"img\""), std::string::npos);
  EXPECT_NE(svg.find("aria-labelledby=\"c1-t\""), std::string::npos);
  EXPECT_NE(svg.find("aria-describedby=\"c1-d\""), std::string::npos);
  EXPECT_NE(svg.find("<title id=\"c1-t\">Δ NPS</title>"), std::string::npos);
  EXPECT_NE(svg.find("Δ NPS (points)"), std::string::npos);  // axis label with unit
  EXPECT_EQ(count(svg, "class=\"err\""), 3u);
  EXPECT_EQ(svg.find("http"), std::string::npos);  // no xmlns or links needed inline
  EXPECT_EQ(svg.find("url("), std::string::npos);
}

TEST(ReportSvg, TornadoSortsByMagnitude) {
  std::vector<IntervalRow> rows{row("small", 0.1, 0, 0.2), row("big", -3, -4, -2), row("mid", 1, 0.5, 1.5)};
  const std::string svg = tornado_chart({"t", "ranking", "d"}, Axis{"Δ"}, rows, {"exact", "", 500, 28});
  const auto big = svg.find(">big<"), mid = svg.find(">mid<"), small = svg.find(">small<");
  ASSERT_NE(big, std::string::npos);
  EXPECT_LT(big, mid);
  EXPECT_LT(mid, small);
}

TEST(ReportSvg, LineChartDrawsBandsBeneathLines) {
  Series s{"baseline", okabe_ito::black, "", {0, 1, 2}, {100, 80, 70}, {100, 78, 67}, {100, 82, 73}, true, {}};
  const std::string svg = line_chart({"l", "Survival", "d"}, Axis{"period"}, Axis{"alive (%)", 0, 100, true}, {s});
  const auto band = svg.find("class=\"band\"");
  const auto line = svg.find("stroke-width=\"2.2\"");
  ASSERT_NE(band, std::string::npos);
  ASSERT_NE(line, std::string::npos);
  EXPECT_LT(band, line);
  EXPECT_EQ(count(svg, "<circle"), 3u);  // markers
  EXPECT_NE(svg.find("alive (%)"), std::string::npos);
}

TEST(ReportSvg, GroupedBarsHaveErrorBarsPerValue) {
  BarSeries a{"true", okabe_ito::blue, {10, 20, 70}, {9, 19, 68}, {11, 21, 72}};
  BarSeries b{"measured", okabe_ito::orange, {5, 15, 80}, {4, 13, 78}, {6, 17, 82}};
  const std::string svg = grouped_bar_chart({"g", "scores", "d"}, {"1", "2", "3"}, Axis{"score"}, Axis{"share (%)"},
                                            {a, b}, {{0, 1, "low", "#eee"}});
  EXPECT_EQ(count(svg, "class=\"err\""), 6u);
  EXPECT_NE(svg.find(">low<"), std::string::npos);
}

TEST(ReportFormat, UncertaintyDecidesDecimals) {
  EXPECT_EQ(plus_minus(51.2234, 0.32), "51.22 ± 0.63");
  EXPECT_EQ(plus_minus(0.31104, 0.00137, 100), "31.10 ± 0.27");
  EXPECT_EQ(plus_minus(106.71, 0.78), "106.7 ± 1.5");
  EXPECT_EQ(plus_minus(1234.6, 40), "1235 ± 78");
  EXPECT_EQ(plus_minus(std::nan(""), 1), "n/a");
  EXPECT_EQ(plus_minus(2.5, std::nan("")), "2.50");
  EXPECT_EQ(interval(50.6, 51.85, 0.32), "[50.60, 51.85]");
  EXPECT_EQ(signed_plus_minus(2.1, 0.2), "+2.10 ± 0.39");
  EXPECT_EQ(signed_plus_minus(-2.1, 0.2), "\u22122.10 ± 0.39");
  EXPECT_EQ(signed_plus_minus(0.0001, 0.2), "0.00 ± 0.39");
  EXPECT_EQ(format_fixed(-0.0001, 2), "0.00");
  EXPECT_EQ(format_fixed(-1.5, 2), "\u22121.50");
  EXPECT_TRUE(excludes_zero(0.1, 0.4));
  EXPECT_TRUE(excludes_zero(-0.4, -0.1));
  EXPECT_FALSE(excludes_zero(-0.1, 0.4));
  EXPECT_FALSE(excludes_zero(std::nan(""), 0.4));
}

TEST(ReportFormat, MetricInfo) {
  const auto nps = metric_info("nps_true");
  EXPECT_EQ(nps.unit, "points");
  EXPECT_EQ(nps.better, 1);
  const auto conv = metric_info("share_converted");
  EXPECT_EQ(conv.unit, "%");
  EXPECT_EQ(conv.delta_unit, "pp");
  EXPECT_DOUBLE_EQ(conv.scale, 100);
  EXPECT_EQ(metric_info("share_abandoned").better, -1);
  EXPECT_EQ(metric_info("cost_mean").better, -1);
  EXPECT_EQ(metric_info("time_p90", "hours").unit, "hours");
  EXPECT_EQ(metric_info("something_new").label, "something_new");
}

TEST(ReportPalette, SequentialRampGoesLightToDark) {
  auto lum = [](const std::string& c) {
    const int r = std::stoi(c.substr(1, 2), nullptr, 16), g = std::stoi(c.substr(3, 2), nullptr, 16),
              b = std::stoi(c.substr(5, 2), nullptr, 16);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  double prev = 1e9;
  for (double t = 0; t <= 1.0001; t += 0.1) {
    const double l = lum(sequential_colour(t));
    EXPECT_LT(l, prev) << t;
    prev = l;
  }
  EXPECT_EQ(sequential_colour(-1), sequential_colour(0));
  EXPECT_EQ(std::string(series_colour(0)), okabe_ito::black);
  EXPECT_EQ(std::string(series_colour(1)), okabe_ito::blue);
}
