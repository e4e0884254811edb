#pragma once
// Internal to the HTML report (not installed): the page elements every
// section uses and the Page that assembles the sections. The files:
//   html_style.cpp       the CSS (colours, layout, print and small screens)
//   html_elements.cpp    tables, figures, <details>, estimate and Δ cells, paths
//   html_page.cpp        the page skeleton: head, header, navigation, footer
//   html_money.cpp       1. plain-language summary (what to fund), 2. the money table
//   html_portfolio.cpp   the portfolio frontier and the best combination within the budget
//   html_headline.cpp    3. headline cards and the variant comparison table
//   html_exact.cpp       every metric of a variant with its exact (analytic) value
//   html_comparisons.cpp 4. Δ charts, 8. friction ranking, 9. sweeps
//   html_scores.cpp      5. NPS / CSAT / CES score distributions
//   html_retention.cpp   6. survival across periods and per-period table
//   html_queues.cpp      each queue's solved mean wait per period (journeys with capacity)
//   html_journey.cpp     7. journey map, 10. reference book of paths, 11. touchpoint/channel/outcome/segment tables
//   html_segments.cpp    per segment: each variant's Δ money and Δ metrics per segment (tables and charts),
//                        retention and NPS across periods per segment, touchpoints where segments differ most
//   html_tornado.cpp     which uncertain input drives a Δ (tornado of /uncertainty/sensitivity)
//   html_notes.cpp       warnings and notes (timeouts, touchpoints left out of the ranking), 12. provenance
#include <algorithm>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "cxsim/report/format.h"
#include "cxsim/report/results_data.h"
#include "cxsim/report/svg.h"

namespace cxsim::report::html {

// The page's style sheet (html_style.cpp).
extern const char kStyle[];

// ------------------------------------------------------------------ elements

inline std::string h(std::string_view s) { return escape_html(s); }

struct Cell {
  std::string html;
  std::string cls;  // "num", "num sig-better", ...
};

// A table in a scrolling wrapper; `numeric[i]` right-aligns column i (a cell
// with its own class keeps it). Headers are HTML already.
std::string table_html(const std::vector<std::string>& headers, const std::vector<bool>& numeric,
                       const std::vector<std::vector<Cell>>& rows, std::string_view caption = {});
// A collapsed (or open) <details> block; `summary` is text.
std::string details(std::string_view summary, const std::string& body, bool open = false);
// A chart with an optional caption and its data table in a <details>.
std::string figure(const std::string& svg, const std::string& caption_html, const std::string& data_table,
                   std::string_view extra_class = {});
// "12.3 ± 0.4" over a small "[11.9, 12.7]"; "n/a" when missing. With a total
// interval (e.has_total()): the value over "total [lo, hi]" and "MC only ± h
// [lo, hi]", the total one first (docs/reports.md, "Two intervals").
std::string est_cell(const EstimateRow& e, double scale = 1.0, bool with_ci = true);
// The interval lines est_cell puts under the value (each after a <br>).
std::string intervals_html(const EstimateRow& e, double scale);
// A difference, marked when its CI (the total one when there is one) excludes
// 0; better/worse by the metric.
Cell delta_cell(const EstimateRow& d, const MetricInfo& info);
// "+3.1" / "-0.4" with the decimals plus_minus would use.
std::string signed_value(double estimate, double se, double scale = 1.0);
// " (unit)" of a metric's value or difference; empty without a unit.
std::string unit_suffix(const MetricInfo& info, bool delta);
// An amount with the precision its 95% half-width `hw` supports: from hw 10 on,
// rounded to two significant digits of hw (hw 195,996: a multiple of 10,000),
// below it the decimals plus_minus would use; without an hw (a known
// constant), whole units from 100 on, else cents. Thousands grouped
// (html_money.cpp).
std::string amount_text(double x, double hw);
// A money Δ as delta_cell shows any Δ (bold ▲*/▼* when its interval, the
// total one when there is one, excludes 0; shaded by `better`, the metric's
// direction), with amount_text's rounding (html_money.cpp).
Cell money_cell(const EstimateRow& e, double scale = 1.0, int better = +1);
// A path "a > b > c" as steps with arrows.
std::string path_html(const std::string& path);
// A whole number ("12"), or "" when `x` is not finite (ranks).
std::string rank_text(double x);
// One bar of an interval or tornado chart: the difference `e` scaled for
// display, emphasised when its CI excludes 0, with the tooltip
// "label: Δ ± unit [CI]". The colour is the caller's.
IntervalRow delta_interval_row(const std::string& label, const EstimateRow& e, const MetricInfo& mi);

// ------------------------------------------------------------------ page

class Page {
 public:
  explicit Page(const ResultsData& d) : d_(d) {}

  std::string render();

 private:
  std::string next_id() { return fmt::format("fig{}", ++figures_); }
  void add_section(std::string id, std::string title, std::string body) {
    if (!body.empty()) sections_.push_back({std::move(id), std::move(title), std::move(body)});
  }
  // The metric's label, unit and direction; money metrics in the file's currency.
  MetricInfo info(std::string_view metric) const {
    MetricInfo mi = metric_info(metric, d_.provenance.time_unit, kinds());
    if (mi.unit == "value units") mi.unit = mi.delta_unit = currency_label();
    return mi;
  }
  // info() for a Δ among `compared` metrics: Δ cost has no colour of its own
  // when Δ net value is compared beside it (a change that keeps customers
  // raises their cost with their value; net value says which way the company goes).
  MetricInfo delta_info(std::string_view metric, const std::vector<std::string>& compared) const {
    MetricInfo mi = info(metric);
    if (metric == "cost_mean" && std::find(compared.begin(), compared.end(), "net_value_mean") != compared.end())
      mi.better = 0;
    return mi;
  }
  std::function<int(std::string_view)> kinds() const {
    return [this](std::string_view k) { return d_.kind_direction(k); };
  }
  std::size_t variant_index(const std::string& name) const {
    for (std::size_t i = 0; i < d_.variants.size(); ++i)
      if (d_.variants[i].name == name) return i;
    return 0;
  }
  // The metrics charted from a table with a `metric` column (ranking, a
  // sweep): its key metrics, else its first metric.
  std::vector<std::string> charted_metrics(const io::Table& t) const;
  // `block` of the baseline, then each other variant's in a <details> titled
  // "`title`: <variant>" (those with a block); empty when the baseline has none.
  std::string every_variant(const std::function<std::string(const VariantData&)>& block, std::string_view title) const;
  std::string summary();
  std::string money();
  std::string portfolio();
  std::string headline();
  std::string delta_chart();
  std::string segment_effects();  // html_segments.cpp, with the blocks below
  std::string segment_ci_words() const;
  std::string segment_worth(const VariantData& v);
  std::string segment_money_deltas(const VariantData& v);
  std::string segment_delta_tables(const VariantData& v);
  std::string segment_delta_charts(const VariantData& v);
  std::string segment_periods(const VariantData& v);
  std::string segment_touchpoints(const VariantData& v);
  std::string nps_distribution();
  std::string survival();
  std::string queues();  // html_queues.cpp
  std::string journey_map();
  std::string ranking();
  std::string sweeps();
  std::string tornado();  // html_tornado.cpp
  std::string reference_book();
  std::string tables();
  std::string provenance();

  // Money (html_money.cpp): the currency ("value units" when the file names
  // none), an amount with its currency and thousands grouped ("€1,234",
  // "1,234 EUR"; `sign`: "+" on gains) and an interval of amounts.
  std::string currency_label() const;
  std::string money_text(double x, double se, bool sign = false) const;
  std::string money_interval(double lo, double hi, double se) const;
  // One variant's money against the baseline (/money/<variant>/summary), with
  // total intervals when the file has /uncertainty, and its Δ cost and Δ NPS.
  struct MoneyRow {
    std::string variant, description;
    EstimateRow per_customer, total, net_return, roi, cost, nps;
    double investment = kNaN, payback = kNaN, payback_lo = kNaN, payback_hi = kNaN;
  };
  std::vector<MoneyRow> money_rows() const;
  // What the total and the MC-only intervals cover, in plain words (empty
  // without /uncertainty).
  std::string uncertainty_words() const;

  std::string timeout_warning() const;
  std::string ranking_notes() const;
  std::string score_chart(const VariantData& v, const ScoreHistogram& hist, const std::string& what, bool nps,
                          double y_max);
  std::string path_tables(const VariantData& v);
  std::string touchpoint_tables(const VariantData& v);
  std::string all_metrics(const VariantData& v);

  struct Section {
    std::string id, title, body;
  };
  const ResultsData& d_;
  std::vector<Section> sections_;
  int figures_ = 0;
};

}  // namespace cxsim::report::html
