// Queues (journeys with `capacity`): the solved mean wait of each queue per
// period, one line per variant, with the per-period table (utilisation,
// P(wait), abandonment, the sensitivities) beside it. The values are the
// model's, not Monte Carlo estimates (docs/results-format.md, "/queues").
#include <cmath>
#include <map>
#include <set>

#include "html_page.h"

namespace cxsim::report::html {

namespace {

std::string num(double x, int decimals) {
  return std::isfinite(x) ? fmt::format("{:.{}f}", x, decimals) : std::string("n/a");
}

}  // namespace

std::string Page::queues() {
  // The queues, in the order of the first table that names them.
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (const auto& v : d_.variants) {
    if (!v.queues) continue;
    for (std::size_t r = 0; r < v.queues->rows(); ++r) {
      const std::string id = table_string(*v.queues, "touchpoint", r);
      if (seen.insert(id).second) ids.push_back(id);
    }
  }
  if (ids.empty()) return {};
  const std::string unit = d_.provenance.time_unit.empty() ? std::string("time units") : d_.provenance.time_unit;
  std::string out =
      "<p class=\"help\">Each queue's mean wait before service in every period, from the solved queue model (the "
      "expected load of the population the run stands for, Erlang C or its Allen–Cunneen approximation): the "
      "waits the simulated customers drew from. They are model values, not estimates, so they carry no "
      "confidence band. Fewer active customers (churn) or a change that moves visits away shortens the wait; "
      "fewer servers lengthen it.</p>";
  for (const auto& id : ids) {
    std::vector<Series> series;
    std::vector<std::string> headers{"Period"};
    std::map<std::int64_t, std::vector<Cell>> by_period;
    double last = kNaN;
    for (std::size_t i = 0; i < d_.variants.size(); ++i) {
      const auto& v = d_.variants[i];
      if (!v.queues) continue;
      const io::Table& t = *v.queues;
      Series s{v.name, series_colour(i), series_dash(i), {}, {}, {}, {}, true, {}};
      const bool sens = t.has_column("d_mean_wait_d_servers") && t.has_column("d_mean_wait_d_arrivals");
      for (std::size_t r = 0; r < t.rows(); ++r) {
        if (table_string(t, "touchpoint", r) != id) continue;
        const double period = table_number(t, "period", r), wait = table_number(t, "mean_wait", r);
        s.x.push_back(period);
        s.y.push_back(wait);
        auto& cells = by_period[static_cast<std::int64_t>(period)];
        cells.push_back({num(wait, 4), "num"});
        cells.push_back({num(100 * table_number(t, "utilisation", r), 1), "num"});
        cells.push_back({num(100 * table_number(t, "p_wait", r), 1), "num"});
        cells.push_back({num(100 * table_number(t, "abandonment_share", r), 1), "num"});
        cells.push_back({sens ? num(table_number(t, "d_mean_wait_d_servers", r), 4) : "n/a", "num"});
        cells.push_back({sens ? num(table_number(t, "d_mean_wait_d_arrivals", r), 6) : "n/a", "num"});
      }
      if (s.x.empty()) continue;
      if (series.empty()) last = s.y.back();
      for (const char* c : {" mean wait", " utilisation (%)", " P(wait) (%)", " abandonment (%)", " Δ wait per server",
                            " Δ wait per arrival"})
        headers.push_back(h(v.name) + c);
      series.push_back(std::move(s));
    }
    if (series.empty()) continue;
    std::vector<std::vector<Cell>> rows;
    for (auto& [period, cells] : by_period) {
      std::vector<Cell> r{{std::to_string(period), "num"}};
      for (auto& c : cells) r.push_back(std::move(c));
      rows.push_back(std::move(r));
    }
    const std::vector<bool> numeric(headers.size(), true);
    const std::string table = table_html(headers, numeric, rows);
    out += "<h3>Queue '" + h(id) + "'</h3>";
    if (series.front().x.size() < 2) {  // one period: no line to draw
      out += table;
      continue;
    }
    ChartText text{next_id(), "Mean wait at '" + id + "' per period", ""};
    text.desc = fmt::format(
        "The solved mean wait before service at queue '{}' in each period for {} variant(s); {} "
        "waits {} {} on average in the last period.",
        id, series.size(), series.front().name, num(last, 3), unit);
    LineChartOptions o;
    o.width = 960;
    o.height = 380;
    const std::string svg =
        line_chart(text, Axis{"period"}, Axis{"mean wait (" + unit + ")", kNaN, kNaN, true}, series, o);
    out += figure(svg, "", table);
  }
  return out;
}

}  // namespace cxsim::report::html
