// Per segment (docs/reports.md, "Per segment"), from /segments/<variant>/...:
// what each segment is worth; for every variant its Δ money and Δ metrics in
// each segment ("which profile gains from which fix") with charts; each
// segment's retention and NPS across periods; and the touchpoints whose
// friction rate differs most between segments. The tables that name one
// column per segment are split so that each fits the page.
#include <algorithm>
#include <cmath>
#include <map>

#include "cxsim/report/segments.h"
#include "html_page.h"

namespace cxsim::report::html {

namespace {

// Segments per table of a table with one column per segment: with the label
// column, four columns of "Δ ± h [CI]" fit the page's width.
constexpr std::size_t kSegmentsPerTable = 4;
// Touchpoints listed as those where segments differ most.
constexpr std::size_t kSpreadRows = 8;

// An amount with its 95% half-width and interval, thousands grouped (a level,
// not a difference: no sign, never shaded).
Cell amount_cell(const EstimateRow& e) {
  if (!e.found || !std::isfinite(e.estimate)) return {"n/a", "num"};
  const double hw = kZ95 * e.se;
  std::string s = h(amount_text(e.estimate, hw));
  if (std::isfinite(hw)) s += " ± " + h(amount_text(hw, hw));
  if (std::isfinite(e.lo) && std::isfinite(e.hi))
    s += "<br><span class=\"ci\">[" + h(amount_text(e.lo, hw)) + ", " + h(amount_text(e.hi, hw)) + "]</span>";
  return {s, "num"};
}

// "Segment<br><small>1,234 customers</small>" for a column header.
std::string segment_header(const std::string& segment, double customers, std::string_view whose) {
  std::string out = h(segment);
  if (std::isfinite(customers))
    out += fmt::format("<br><small>{} customers{}</small>", rank_text(customers), std::string(whose));
  return out;
}

}  // namespace

std::string Page::segment_ci_words() const {
  std::string s =
      "95% confidence intervals per segment cover the simulation's customer noise only (Monte Carlo, the customer as "
      "the unit)";
  if (d_.uncertainty && d_.uncertainty->draws > 0)
    s += ": the file has no per-segment total interval, so unlike the pooled figures elsewhere on the page they leave "
         "out what we do not know about the journey's parameters";
  return s + ".";
}

// What each segment is worth under `v` (/segments/<v>/money, level rows).
std::string Page::segment_worth(const VariantData& v) {
  if (!v.segment_money) return {};
  const io::Table& t = *v.segment_money;
  const auto segments = segment_names(t);
  if (segments.empty()) return {};
  const std::string cur = h(currency_label());
  const auto& p = d_.provenance;
  const std::string base =
      p.customer_base ? amount_text(*p.customer_base, kNaN) + " customers" : std::string("the customer base");
  std::vector<std::string> headers{
      "Segment",
      "Customers",
      "Value (CLV)<br><small>" + cur + " per customer</small>",
      "Cost<br><small>" + cur + " per customer</small>",
      "Net value<br><small>" + cur + " per customer</small>",
      "Net value, the segment's part of the base<br><small>" + cur + ", of " + h(base) + "</small>"};
  std::vector<bool> num(headers.size(), true);
  num[0] = false;
  std::vector<std::vector<Cell>> rows;
  for (const auto& s : segments) {
    const std::size_t r = segment_row(t, s, "metric", "net_value_per_customer");
    rows.push_back({{h(s), ""},
                    {rank_text(table_number(t, "customers", r)), "num"},
                    amount_cell(segment_estimate(t, s, "value_per_customer")),
                    amount_cell(segment_estimate(t, s, "cost_per_customer")),
                    amount_cell(segment_estimate(t, s, "net_value_per_customer")),
                    amount_cell(segment_estimate(t, s, "net_value_total"))});
  }
  return table_html(headers, num, rows, "What each segment is worth: " + v.name + " (discounted over the run)");
}

// `v`'s Δ money per segment (/segments/<v>/money, Δ rows) and, as the last
// row, over all customers (/money/<v>/summary, as in the money table).
std::string Page::segment_money_deltas(const VariantData& v) {
  if (!v.segment_money) return {};
  const io::Table& t = *v.segment_money;
  const auto segments = segment_names(t);
  if (segments.empty() || segment_row(t, segments.front(), "metric", "net_value_delta_per_customer") == kNoRow)
    return {};
  const std::string cur = h(currency_label());
  const auto& p = d_.provenance;
  const std::string base =
      p.customer_base ? amount_text(*p.customer_base, kNaN) + " customers" : std::string("the customer base");
  const int better = info("net_value_mean").better;
  MetricInfo cost_info = info("cost_mean");
  cost_info.better = 0;  // coloured by net value, never by cost alone (as in the money table)
  std::vector<std::string> headers{
      "Segment", "Customers<br><small>under the baseline</small>",
      "Δ net value<br><small>" + cur + " per customer</small>", "Δ cost<br><small>" + cur + " per customer</small>",
      "Δ net value, the segment's part of the base<br><small>" + cur + ", of " + h(base) + "</small>"};
  std::vector<bool> num(headers.size(), true);
  num[0] = false;
  std::vector<std::vector<Cell>> rows;
  for (const auto& s : segments) {
    const std::size_t r = segment_row(t, s, "metric", "net_value_delta_per_customer");
    rows.push_back({{h(s), ""},
                    {rank_text(table_number(t, "customers", r)), "num"},
                    money_cell(segment_estimate(t, s, "net_value_delta_per_customer"), 1.0, better),
                    delta_cell(segment_estimate(t, s, "cost_delta_per_customer"), cost_info),
                    money_cell(segment_estimate(t, s, "net_value_delta_total"), 1.0, better)});
  }
  std::string roi;
  for (const auto& m : money_rows()) {
    if (m.variant != v.name) continue;
    rows.push_back({{"<i>All customers</i>", ""},
                    {p.customers ? rank_text(static_cast<double>(*p.customers)) : std::string(), "num"},
                    money_cell(m.per_customer, 1.0, better),
                    delta_cell(m.cost, cost_info),
                    money_cell(m.total, 1.0, better)});
    if (m.investment > 0) {
      auto per = [&](double x) {
        return std::isfinite(x) ? fmt::format("{:g}", x) : fmt::format("> {}", p.periods.value_or(0));
      };
      // The ROI's interval as the money table leads with it (the total one
      // when the file has one); the payback's is Monte Carlo only.
      roi = fmt::format(
          "<p class=\"help\">The investment ({}, discounted) is not split between segments, so ROI and payback are "
          "for all customers only: ROI {} % ({}), payback {} (95% CI {}–{}).</p>",
          h(money_text(m.investment, 0)),
          h(!m.roi.found        ? std::string("n/a")
            : m.roi.has_total() ? signed_value(m.roi.estimate, m.roi.se, 100)
                                : signed_plus_minus(m.roi.estimate, m.roi.se, 100)),
          h((m.roi.has_total() ? "95% total CI " : "95% CI ") + interval(m.roi.low(), m.roi.high(), m.roi.se, 100)),
          h(std::isfinite(m.payback) ? "in period " + per(m.payback) : std::string("not within the run")),
          h(per(m.payback_lo)), h(per(m.payback_hi)));
    }
  }
  return table_html(headers, num, rows,
                    "Δ money per segment against the baseline (paired by customer; coloured by net value)") +
         roi;
}

// `v`'s Δ of every compared metric per segment: one row per metric, one
// column per segment, at most kSegmentsPerTable columns per table.
std::string Page::segment_delta_tables(const VariantData& v) {
  if (!v.segment_comparison) return {};
  const io::Table& t = *v.segment_comparison;
  const auto segments = segment_names(t);
  const auto metrics = delta_metrics(t, kinds());
  if (segments.empty() || metrics.empty()) return {};
  std::string out;
  const auto groups = column_groups(segments.size(), kSegmentsPerTable);
  for (const auto& [first, last] : groups) {
    std::vector<std::string> headers{"Δ against the baseline"};
    std::vector<bool> num{false};
    for (std::size_t g = first; g < last; ++g) {
      const std::size_t r = segment_row(t, segments[g], "metric", metrics.front());
      headers.push_back(segment_header(segments[g], table_number(t, "customers", r), " under the baseline"));
      num.push_back(true);
    }
    std::vector<std::vector<Cell>> rows;
    for (const auto& m : metrics) {
      const MetricInfo mi = delta_info(m, metrics);
      std::vector<Cell> row{{"Δ " + h(mi.short_label) + h(unit_suffix(mi, true)), ""}};
      for (std::size_t g = first; g < last; ++g) row.push_back(delta_cell(segment_estimate(t, segments[g], m), mi));
      rows.push_back(std::move(row));
    }
    const std::string caption =
        groups.size() > 1
            ? fmt::format("Δ per segment, paired by customer (segments {}–{} of {})", first + 1, last, segments.size())
            : std::string("Δ per segment, paired by customer");
    out += table_html(headers, num, rows, caption);
  }
  return out;
}

// `v`'s Δ NPS (the first compared metric) and Δ net value by segment.
std::string Page::segment_delta_charts(const VariantData& v) {
  if (!v.segment_comparison) return {};
  const io::Table& t = *v.segment_comparison;
  const auto segments = segment_names(t);
  const auto metrics = delta_metrics(t, kinds());
  if (segments.empty() || metrics.empty()) return {};
  std::vector<std::string> charted = {metrics.front()};
  if (metrics.front() != "net_value_mean" &&
      std::find(metrics.begin(), metrics.end(), "net_value_mean") != metrics.end())
    charted.push_back("net_value_mean");
  std::string out = "<div class=\"grid2\">";
  for (const auto& m : charted) {
    const MetricInfo mi = delta_info(m, metrics);
    std::vector<IntervalRow> bars;
    for (const auto& s : segments) {
      IntervalRow r = delta_interval_row(s, segment_estimate(t, s, m), mi);
      r.colour = series_colour(variant_index(v.name));
      bars.push_back(r);
    }
    ChartText ct{next_id(), "Δ " + mi.short_label + " by segment: " + v.name, ""};
    ct.desc = fmt::format("Difference from the baseline in {} for each of {} segments under {}, with 95% CIs.",
                          mi.label, bars.size(), v.name);
    out += figure(interval_chart(ct, Axis{"Δ " + mi.short_label + unit_suffix(mi, true)}, bars), "", "");
  }
  return out + "</div>";
}

// `v`'s per-segment retention and NPS across periods (/segments/<v>/periods):
// one line per segment with its 95% band, and the last period's table.
std::string Page::segment_periods(const VariantData& v) {
  if (!v.segment_periods) return {};
  const io::Table& t = *v.segment_periods;
  const auto finals = final_periods(t);
  if (finals.empty()) return {};
  std::string out;
  struct Curve {
    const char* column;
    std::string axis;
    double scale;
    bool from_one;  // alive: everyone is alive before period 1
  };
  const Curve curves[] = {{"alive", "customers alive (%)", 100.0, true},
                          {"nps_true", "NPS of the period's walks (points)", 1.0, false}};
  std::string charts;
  for (const auto& c : curves) {
    const auto cs = segment_curves(t, c.column);
    std::vector<Series> series;
    // The data table: one row per period, one column per segment.
    std::map<double, std::vector<Cell>> by_period;
    for (std::size_t g = 0; g < cs.size(); ++g) {
      Series s{cs[g].segment, series_colour(g), series_dash(g), {}, {}, {}, {}, true, {}};
      if (c.from_one) {
        s.x.push_back(0);
        s.y.push_back(c.scale);
        s.lo.push_back(c.scale);
        s.hi.push_back(c.scale);
      }
      for (std::size_t i = 0; i < cs[g].period.size(); ++i) {
        const EstimateRow& e = cs[g].value[i];
        s.x.push_back(cs[g].period[i]);
        s.y.push_back(c.scale * e.estimate);
        s.lo.push_back(c.scale * e.lo);
        s.hi.push_back(c.scale * e.hi);
        auto& row = by_period[cs[g].period[i]];
        row.resize(cs.size(), {"n/a", "num"});
        row[g] = {est_cell(e, c.scale), "num"};
      }
      series.push_back(std::move(s));
    }
    if (series.empty() || series.front().x.size() < 2) continue;
    std::string data;
    for (const auto& [first, last] : column_groups(cs.size(), kSegmentsPerTable)) {
      std::vector<std::string> headers{"Period"};
      for (std::size_t g = first; g < last; ++g) headers.push_back(h(cs[g].segment));
      std::vector<std::vector<Cell>> rows;
      for (const auto& [period, cells] : by_period) {
        std::vector<Cell> r{{fmt::format("{:.0f}", period), "num"}};
        for (std::size_t g = first; g < last; ++g) r.push_back(cells[g]);
        rows.push_back(std::move(r));
      }
      data += table_html(headers, std::vector<bool>(headers.size(), true), rows);
    }
    const bool alive = std::string_view(c.column) == "alive";
    ChartText ct{
        next_id(),
        (alive ? "Customers still active after each period, per segment: " : "NPS per period, per segment: ") + v.name,
        ""};
    ct.desc = fmt::format("{} for each of {} segments under {}, one line per segment with its 95% confidence band.",
                          alive ? "Share of the segment's customers alive after t periods"
                                : "NPS over every walk of the period (true scores)",
                          series.size(), v.name);
    LineChartOptions o;
    o.width = 560;
    o.height = 340;
    Axis y{c.axis};
    if (alive) y = Axis{c.axis, 0, 100, true};
    charts += figure(line_chart(ct, Axis{"period"}, y, series, o), "", data);
  }
  if (!charts.empty()) out += "<div class=\"grid2\">" + charts + "</div>";
  // The last period of each segment.
  const std::string last = fmt::format("{:.0f}", finals.front().period);
  std::vector<std::vector<Cell>> rows;
  for (const auto& f : finals)
    rows.push_back({{h(f.segment), ""},
                    {rank_text(f.customers), "num"},
                    {est_cell(f.alive, 100), "num"},
                    {est_cell(f.nps_true), "num"},
                    {est_cell(f.nps_measured), "num"},
                    {est_cell(f.churn_rate, 100), "num"}});
  out += table_html({"Segment", "Customers", "Alive after period " + last + " (%)", "NPS true, period " + last,
                     "NPS measured, period " + last, "Churn rate, period " + last + " (%)"},
                    {false, true, true, true, true, true}, rows, "Each segment at the end of the run: " + v.name);
  return out;
}

// The touchpoints of `v` whose friction rate differs most between segments
// (/segments/<v>/touchpoints), and every touchpoint's rate per segment.
std::string Page::segment_touchpoints(const VariantData& v) {
  if (!v.segment_touchpoints) return {};
  const io::Table& t = *v.segment_touchpoints;
  const auto segments = segment_names(t);
  const auto all = touchpoint_spread(t);
  if (segments.size() < 2 || all.empty()) return {};
  // The spread has no direction (neither segment's rate is the better one to
  // have): never shaded, marked when its interval excludes 0.
  const MetricInfo spread_info{"Difference in friction rate", "%", "pp", 100.0, 0, "Friction rate"};
  auto rate = [&](const TouchpointSpread& s, std::size_t g) -> std::string {
    return "<b>" + h(segments[g]) + "</b> " + est_cell(s.friction[g], 100);
  };
  std::vector<std::vector<Cell>> rows;
  for (std::size_t i = 0; i < all.size() && i < kSpreadRows; ++i) {
    const TouchpointSpread& s = all[i];
    rows.push_back({{h(s.touchpoint), ""},
                    {rate(s, s.highest), "num"},
                    {rate(s, s.lowest), "num"},
                    delta_cell(s.spread, spread_info)});
  }
  std::string out = table_html(
      {"Touchpoint", "Highest friction rate<br><small>segment, %</small>",
       "Lowest friction rate<br><small>segment, %</small>", "Difference<br><small>highest − lowest, pp</small>"},
      {false, true, true, true}, rows,
      fmt::format("Touchpoints where segments differ most: {} (largest difference first{})", v.name,
                  all.size() > kSpreadRows ? fmt::format("; {} of {}", kSpreadRows, all.size()) : std::string()));
  // Every touchpoint with friction, its rate in each segment.
  std::string full;
  for (const auto& [first, last] : column_groups(segments.size(), kSegmentsPerTable)) {
    std::vector<std::string> headers{"Touchpoint"};
    for (std::size_t g = first; g < last; ++g)
      headers.push_back(h(segments[g]) + "<br><small>friction rate, %</small>");
    std::vector<std::vector<Cell>> trows;
    for (const auto& s : all) {
      std::vector<Cell> r{{h(s.touchpoint), ""}};
      for (std::size_t g = first; g < last; ++g)
        r.push_back({s.visits[g] > 0 ? est_cell(s.friction[g], 100) +
                                           fmt::format("<br><small>{} visits</small>", rank_text(s.visits[g]))
                                     : std::string("<small>not visited</small>"),
                     "num"});
      trows.push_back(std::move(r));
    }
    std::vector<bool> num(headers.size(), true);
    num[0] = false;
    full += table_html(headers, num, trows);
  }
  out += details("Friction rate per segment at every touchpoint with friction (" + v.name + ")", full);
  return out;
}

std::string Page::segment_effects() {
  bool any = false;
  for (const auto& v : d_.variants) any = any || v.has_segments();
  if (!any) return {};
  std::string out =
      "<p class=\"help\">The journey's customer profiles (segments) side by side. " + h(segment_ci_words()) + "</p>";
  const VariantData& b = d_.baseline();
  out += segment_worth(b);

  // Which profile gains from which fix.
  std::string fixes;
  for (const auto& v : d_.variants) {
    if (&v == &b) continue;
    std::string block;
    if (!v.description.empty()) block += "<p>" + h(v.description) + "</p>";
    block += segment_money_deltas(v);
    block += segment_delta_charts(v);
    block += segment_delta_tables(v);
    if (block.empty() || (!v.segment_comparison && !v.segment_money)) continue;
    fixes += details("Per segment: " + v.name, block, fixes.empty());
  }
  if (!fixes.empty())
    out +=
        "<h3>Which profile gains from which fix</h3><p class=\"help\">Each variant's difference from the baseline "
        "within each segment, paired by customer (customers are grouped by their segment under the baseline). A bold "
        "▲*/▼* cell's interval excludes 0; cells are shaded by what is good for the company (net value up, a bad "
        "outcome's share down, ...; Δ cost beside Δ net value is never shaded on its own). The segments' "
        "differences, weighted by each segment's share of the metric's denominator (walks, respondents or "
        "customers), add up to the pooled difference; the money Δs over the base add up exactly.</p>" +
        fixes;

  const std::string periods = every_variant([this](const VariantData& v) { return segment_periods(v); }, "Per period");
  if (!periods.empty())
    out +=
        "<h3>Retention and NPS across periods, per segment</h3><p class=\"help\">Each segment's share of its "
        "customers still active after each period and the NPS of the period's walks (true scores, every walk), one "
        "line per segment with its 95% band.</p>" +
        periods;
  const std::string tps = every_variant([this](const VariantData& v) { return segment_touchpoints(v); }, "Touchpoints");
  if (!tps.empty())
    out +=
        "<h3>Touchpoints where segments differ most</h3><p class=\"help\">For each touchpoint with friction that "
        "customers of two or more segments visited: the segment with the highest friction rate (friction visits per "
        "visit) and the one with the lowest, and the difference with its 95% interval (the segments' customers are "
        "disjoint, so the two rates' errors add in quadrature). A bold ▲* difference's interval excludes 0; no "
        "colour, since neither rate is a change.</p>" +
        tps;
  return out;
}

}  // namespace cxsim::report::html
