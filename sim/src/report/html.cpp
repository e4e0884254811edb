// The HTML report: one self-contained page, sections shown only when the
// results file has their data (see docs/reports.md for what each shows).
#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "cxsim/report/format.h"
#include "cxsim/report/journey_map.h"
#include "cxsim/report/report.h"
#include "cxsim/report/svg.h"

namespace cxsim::report {

namespace {

constexpr std::size_t npos = static_cast<std::size_t>(-1);

std::string h(std::string_view s) { return escape_html(s); }

const char kStyle[] = R"CSS(
:root{--fg:#1b1f24;--muted:#5b6470;--line:#dde1e6;--accent:#0072B2;--better:#0072B2;--worse:#D55E00}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:#f3f4f6}
main{max-width:1140px;margin:0 auto;padding:20px 28px 56px;background:#fff}
h1{font-size:1.65rem;margin:.2em 0 .1em;line-height:1.25}
h2{font-size:1.3rem;margin:0 0 .4em}
h3{font-size:1.05rem;margin:1.2em 0 .4em}
p{margin:.4em 0 .8em}
.sub{color:var(--muted);margin:0 0 .6em}
nav.toc{margin:14px 0 6px;padding:8px 12px;background:#f6f8fa;border-radius:8px}
nav.toc ol{display:flex;flex-wrap:wrap;gap:2px 18px;margin:0;padding:0;list-style:none}
nav.toc a{color:var(--accent);text-decoration:none}
nav.toc a:hover{text-decoration:underline}
section{margin-top:34px;padding-top:10px;border-top:2px solid var(--line)}
.help{color:var(--muted);font-size:.92rem;max-width:78ch}
.warn{background:#fff4e0;border-left:4px solid #E69F00;padding:8px 12px;border-radius:4px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(175px,100%),1fr));gap:12px;margin:12px 0 16px}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 12px;background:#fbfcfd}
.card .k{font-size:.82rem;color:var(--muted)}
.card .v{font-size:1.45rem;font-weight:650;font-variant-numeric:tabular-nums;white-space:nowrap}
.card .pm{font-size:.95rem;font-weight:400;color:var(--muted)}
.card .ci{font-size:.8rem;color:var(--muted);font-variant-numeric:tabular-nums}
.table-wrap{overflow-x:auto;margin:6px 0 12px}
table{border-collapse:collapse;font-size:.87rem;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:4px 0}
th,td{padding:4px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}
td .ci,td small{color:var(--muted);font-size:.8rem}
td.sig-better{background:#e2eff8}
td.sig-worse{background:#fbe8dc}
.mark{font-size:.8rem}
.path .step{display:inline-block;padding:0 5px;margin:1px 0;border:1px solid var(--line);border-radius:4px;background:#f8f9fb;white-space:nowrap}
.path .sep{color:var(--muted);padding:0 2px}
.grid2{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(460px,100%),1fr));gap:10px 26px}
figure{margin:14px 0 18px;break-inside:avoid}
figcaption{color:var(--muted);font-size:.88rem;margin-top:2px}
details{margin:4px 0 8px}
summary{cursor:pointer;color:var(--accent);font-size:.9rem}
.scroll{overflow-x:auto}
svg.chart{display:block;width:100%;height:auto}
.map svg.chart{min-width:900px}
svg .axis{stroke:#555;stroke-width:1}
svg .grid{stroke:#e6e8eb;stroke-width:1}
svg .zero{stroke:#222;stroke-width:1.3}
svg .err{stroke:#111;stroke-width:1.4;fill:none}
svg .tick{font-size:11px;fill:#444}
svg .axis-label{font-size:12px;fill:#222}
svg .chart-title{font-size:14px;font-weight:600;fill:#1b1f24}
svg .legend{font-size:11.5px;fill:#333}
svg .row-label{font-size:12px;fill:#222}
svg .band-label{font-size:11px;fill:#555}
svg .col-label{font-size:12.5px;font-weight:600;fill:#333}
svg .col-rule{stroke:#ccd1d7}
svg .edge path{fill:none;stroke:#4d6478;stroke-opacity:.42}
svg .edge path.arrow{fill:#4d6478;fill-opacity:.75;stroke:none}
svg .edge:hover path{stroke-opacity:.8}
svg .edge-sample{stroke:#4d6478;stroke-opacity:.42}
svg .node rect{stroke:#3a3f45;stroke-width:1}
svg .outcome rect{fill:#e9eef4;stroke:#3a3f45;stroke-width:1.4}
svg .node-id{font-size:12px;font-weight:650;fill:#1b1f24}
svg .node-sub{font-size:10.5px;fill:#1b1f24}
svg .start{fill:#1b1f24}
pre{background:#f6f8fa;padding:10px 12px;border-radius:6px;overflow-x:auto;font-size:.8rem;line-height:1.4}
dl.prov{display:grid;grid-template-columns:max-content 1fr;gap:3px 16px;font-size:.9rem}
dl.prov dt{color:var(--muted)}
dl.prov dd{margin:0;word-break:break-word}
code{font-size:.88em}
footer{margin-top:40px;color:var(--muted);font-size:.82rem}
@media (max-width:700px){
 body{font-size:14px}
 main{padding:12px 12px 40px}
 .cards{grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px}
 .card{padding:8px}
 .card .v{font-size:1.15rem}
 .scroll svg.chart{min-width:540px}
 dl.prov{grid-template-columns:1fr}
}
@media print{
 body{background:#fff;font-size:11pt}
 main{max-width:none;padding:0}
 nav.toc{display:none}
 section{border-top:1px solid #999;break-inside:auto}
 figure,.card,tr{break-inside:avoid}
 h2,h3{break-after:avoid}
 .map svg.chart{min-width:0}
 .scroll,.table-wrap{overflow:visible}
 summary{color:#000}
 a{color:inherit;text-decoration:none}
}
)CSS";

// ------------------------------------------------------------------ html helpers

struct Cell {
  std::string html;
  std::string cls;  // "num", "num sig-better", ...
};

std::string table_html(const std::vector<std::string>& headers, const std::vector<bool>& numeric,
                       const std::vector<std::vector<Cell>>& rows, std::string_view caption = {}) {
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

std::string details(std::string_view summary, const std::string& body, bool open = false) {
  return fmt::format("<details{}><summary>{}</summary>{}</details>", open ? " open" : "", h(summary), body);
}

std::string figure(const std::string& svg, const std::string& caption_html, const std::string& data_table,
                   std::string_view extra_class = {}) {
  std::string out = fmt::format("<figure{}><div class=\"scroll\">{}</div>",
                                extra_class.empty() ? "" : " class=\"" + std::string(extra_class) + "\"", svg);
  if (!caption_html.empty()) out += "<figcaption>" + caption_html + "</figcaption>";
  if (!data_table.empty()) out += details("Data table", data_table);
  out += "</figure>";
  return out;
}

// "12.3 ± 0.4" over a small "[11.9, 12.7]".
std::string est_cell(const EstimateRow& e, double scale = 1.0, bool with_ci = true) {
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
  MetricInfo info(std::string_view metric) const { return metric_info(metric, d_.provenance.time_unit, kinds()); }
  std::function<int(std::string_view)> kinds() const {
    return [this](std::string_view k) { return d_.kind_direction(k); };
  }
  std::size_t variant_index(const std::string& name) const {
    for (std::size_t i = 0; i < d_.variants.size(); ++i)
      if (d_.variants[i].name == name) return i;
    return 0;
  }

  std::string headline();
  std::string delta_chart();
  std::string nps_distribution();
  std::string survival();
  std::string journey_map();
  std::string ranking();
  std::string ranking_notes() const;
  std::string sweeps();
  std::string reference_book();
  std::string tables();
  std::string provenance();

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

// Every metric of a variant's summary, with the exact (analytic) value where
// there is one.
std::string Page::all_metrics(const VariantData& b) {
  const Provenance& p = d_.provenance;
  const io::Table* exact = b.analytics_summary ? &*b.analytics_summary : nullptr;
  std::vector<std::string> headers{"Metric", "Estimate ± 95%", "95% CI", "Unit"};
  if (exact) headers.push_back("Exact (analytics)");
  std::vector<std::vector<Cell>> rows;
  const auto& names = b.summary.get_string("metric");
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto e = table_estimate(b.summary, i);
    const MetricInfo mi = info(names[i]);
    std::vector<Cell> r{{h(mi.label) + "<br><small><code>" + h(names[i]) + "</code></small>", ""},
                        {h(plus_minus(e.estimate, e.se, mi.scale)), "num"},
                        {h(interval(e.lo, e.hi, e.se, mi.scale)), "num"},
                        {h(mi.unit), ""}};
    if (exact) {
      // Like with like: the exact value over every walk of the run's periods
      // (weighted by the expected walks per segment), not one walk.
      const ExactValue x = exact_value(b, names[i], p);
      switch (x.kind) {
        case ExactValue::Kind::value: r.push_back({h(value_only(x.value, e.se, mi.scale)), "num"}); break;
        case ExactValue::Kind::not_exact: r.push_back({"<small>not exact</small>", "num"}); break;
        case ExactValue::Kind::not_comparable: r.push_back({"<small>n/c</small>", "num"}); break;
        case ExactValue::Kind::absent: r.push_back({"", "num"}); break;
      }
    }
    rows.push_back(std::move(r));
  }
  std::vector<bool> num{false, true, true, false, true};
  std::string out = table_html(headers, num, rows);
  if (exact)
    out +=
        "<p class=\"help\">Exact values solve the absorbing Markov chain of the walk. Per-walk metrics pool every "
        "walk of every period, so the exact value beside them weights each segment by its expected walks over the "
        "periods (its share × its expected survival), and per-customer metrics (walks, retention, CLV, cost) are "
        "exact over the periods; the Monte Carlo estimates should then lie within about 4 standard errors of them. "
        "<i>not exact</i>: the chain has no exact value (a recovery program triggered by satisfaction, which the "
        "chain does not track, or a per-customer metric whose churn depends on the walks). <i>n/c</i>: not "
        "comparable — churn depends on the walks (<code>retention.sensitivity</code> ≠ 0) and segments differ, so "
        "the mix of walks over the periods has no exact value.</p>";
  return out;
}

// 1. Headline ---------------------------------------------------------------

std::string Page::headline() {
  const VariantData& b = d_.baseline();
  std::string out;
  const auto& p = d_.provenance;
  out += "<p class=\"help\">Estimates are Monte Carlo means with 95% confidence intervals (± half-width, and "
         "[low, high]); standard errors treat the customer as the unit. ";
  if (d_.has_variants())
    out += "Variants are compared with the baseline paired by customer (common random numbers), so a difference "
           "reflects the change, not sampling noise. ";
  out += "</p>";
  const auto timeout = metric_estimate(b.summary, "share_timeout");
  if (timeout.found && timeout.estimate > 0)
    out += fmt::format("<p class=\"warn\">Warning: {}% of walks hit the step limit and ended in <code>timeout</code> "
                       "(see the journey's <code>max_steps</code>).</p>",
                       h(plus_minus(timeout.estimate, timeout.se, 100)));

  if (d_.has_variants())
    out += "<h3>Baseline" + (b.name == "baseline" ? std::string() : ": " + h(b.name)) + "</h3>";
  out += "<div class=\"cards\">";
  for (const auto& m : headline_metrics(b.summary, kinds())) {
    const auto e = metric_estimate(b.summary, m);
    MetricInfo mi = info(m);
    if (m == "retention_final" && p.periods)
      mi.label = fmt::format("Customers retained after {} period{}", *p.periods, *p.periods == 1 ? "" : "s");
    const int dec = decimals_for(kZ95 * e.se * mi.scale, e.estimate * mi.scale);
    // "%" stays on the value line; longer units go with the interval.
    const bool pct = mi.unit == "%";
    out += fmt::format(
        "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}<span class=\"pm\"> ± {}{}</span></div>"
        "<div class=\"ci\">{}95% CI {}</div></div>",
        h(mi.label), h(format_fixed(e.estimate * mi.scale, dec)),
        h(std::isfinite(e.se) ? format_fixed(kZ95 * e.se * mi.scale, dec) : "n/a"), pct ? " %" : "",
        pct || mi.unit.empty() ? std::string() : h(mi.unit) + " · ", h(interval(e.lo, e.hi, e.se, mi.scale)));
  }
  out += "</div>";

  // All metrics, with the exact (analytic) value where there is one.
  out += details(d_.has_variants() ? "All baseline metrics" : "All metrics", all_metrics(b));

  if (d_.has_variants()) {
    const io::Table* first = nullptr;
    for (const auto& v : d_.variants)
      if (auto c = d_.comparison(v.name)) {
        first = c;
        break;
      }
    const auto metrics = delta_metrics(*first, kinds());
    std::vector<std::string> headers{"Variant"};
    std::vector<bool> num{false};
    for (const auto& m : metrics) {
      const MetricInfo mi = info(m);
      headers.push_back("Δ " + h(mi.short_label) + "<br><small>" + h(mi.delta_unit) + "</small>");
      num.push_back(true);
    }
    std::vector<std::vector<Cell>> rows;
    for (const auto& v : d_.variants) {
      const io::Table* c = d_.comparison(v.name);
      if (!c) continue;
      std::vector<Cell> r{{"<b>" + h(v.name) + "</b>" +
                               (v.description.empty() ? std::string() : "<br><small>" + h(v.description) + "</small>"),
                           ""}};
      for (const auto& m : metrics) r.push_back(delta_cell(metric_estimate(*c, m), info(m)));
      rows.push_back(std::move(r));
    }
    out += "<h3>Variants against the baseline</h3>";
    out += table_html(headers, num, rows);
    out += "<p class=\"help\">Δ = variant − baseline with ± 95% half-width and [CI]. <b>Bold ▲*/▼*</b>: the 95% CI "
           "excludes 0; shaded blue where the change is an improvement, orange where it is a deterioration. "
           "pp = percentage points.</p>";

    // Every variant's estimates side by side.
    std::vector<std::string> vh{"Metric"};
    std::vector<bool> vn{false};
    for (const auto& v : d_.variants) {
      vh.push_back(h(v.name));
      vn.push_back(true);
    }
    std::vector<std::vector<Cell>> vrows;
    for (const auto& m : headline_metrics(b.summary, kinds())) {
      const MetricInfo mi = info(m);
      std::vector<Cell> r{{h(mi.label) + unit_suffix(mi, false), ""}};
      for (const auto& v : d_.variants) r.push_back({est_cell(metric_estimate(v.summary, m), mi.scale), "num"});
      vrows.push_back(std::move(r));
    }
    out += details("Headline metrics of every variant", table_html(vh, vn, vrows));
    for (const auto& v : d_.variants)
      if (&v != &b && v.analytics_summary) out += details("All metrics of " + v.name, all_metrics(v));
  }
  return out;
}

// 2. Δ chart ----------------------------------------------------------------

std::string Page::delta_chart() {
  if (!d_.has_variants()) return {};
  const io::Table* first = d_.comparison(d_.comparisons.begin()->first);
  std::string out =
      "<p class=\"help\">Each bar is a variant's difference from the baseline (one colour per variant, as in the "
      "retention chart) with its 95% confidence interval as a whisker. A solid bar's interval excludes 0 (a "
      "significant change); a pale bar's does not.</p><div class=\"grid2\">";
  for (const auto& m : delta_metrics(*first, kinds())) {
    const MetricInfo mi = info(m);
    std::vector<IntervalRow> rows;
    std::vector<std::vector<Cell>> trows;
    for (const auto& v : d_.variants) {
      const io::Table* c = d_.comparison(v.name);
      if (!c) continue;
      const auto e = metric_estimate(*c, m);
      IntervalRow r;
      r.label = v.name;
      r.estimate = e.estimate * mi.scale;
      r.lo = e.lo * mi.scale;
      r.hi = e.hi * mi.scale;
      r.colour = series_colour(variant_index(v.name));
      r.emphasis = excludes_zero(e.lo, e.hi);
      r.tooltip = fmt::format("{}: Δ {} {} {}", v.name, signed_plus_minus(e.estimate, e.se, mi.scale), mi.delta_unit,
                              interval(e.lo, e.hi, e.se, mi.scale));
      rows.push_back(r);
      trows.push_back({{h(v.name), ""},
                       delta_cell(e, mi),
                       {excludes_zero(e.lo, e.hi) ? "yes" : "no", ""}});
    }
    ChartText t{next_id(), "Δ " + mi.short_label + " against the baseline", ""};
    t.desc = fmt::format("Difference from the baseline in {} for {} variants, with 95% confidence intervals.",
                         mi.label, rows.size());
    const std::string svg = interval_chart(t, Axis{"Δ " + mi.short_label + unit_suffix(mi, true)}, rows);
    out += figure(svg, "",
                  table_html({"Variant", "Δ ± 95% [CI]" + h(unit_suffix(mi, true)), "CI excludes 0"},
                             {false, true, false}, trows));
  }
  out += "</div>";
  return out;
}

// 3. Score distributions ------------------------------------------------------

// Each score's share of its row, with a binomial 95% interval (walks as the unit).
std::vector<EstimateRow> score_shares(const std::vector<double>& counts) {
  double n = 0;
  for (double x : counts) n += x;
  std::vector<EstimateRow> out;
  for (double x : counts) {
    const double p = n > 0 ? x / n : std::nan("");
    const double se = binomial_se(p, n);
    out.push_back({p, se, p - kZ95 * se, p + kZ95 * se, true});
  }
  return out;
}

// The largest upper 95% bound of a score share (in %), to give charts one scale.
double score_share_max(const ScoreHistogram& hist) {
  double out = 0;
  for (const auto* row : {&hist.true_counts, &hist.measured_counts})
    for (const auto& e : score_shares(*row))
      if (std::isfinite(e.hi)) out = std::max(out, 100 * e.hi);
  return out;
}

std::string Page::score_chart(const VariantData& v, const ScoreHistogram& hist, const std::string& what, bool nps,
                              double y_max) {
  const auto shares_true = score_shares(hist.true_counts);
  const auto shares_measured = score_shares(hist.measured_counts);
  std::vector<std::string> cats;
  BarSeries st{"true (all walks)", okabe_ito::blue, {}, {}, {}};
  BarSeries sm{"measured (respondents)", okabe_ito::orange, {}, {}, {}};
  auto push = [](BarSeries& s, const EstimateRow& e) {
    s.value.push_back(100 * e.estimate);
    s.lo.push_back(100 * e.lo);
    s.hi.push_back(100 * e.hi);
  };
  std::vector<std::vector<Cell>> trows;
  for (std::size_t c = 0; c < hist.categories; ++c) {
    cats.push_back(std::to_string(static_cast<int>(c) + hist.min_score));
    const auto& et = shares_true[c];
    const auto& em = shares_measured[c];
    push(st, et);
    push(sm, em);
    trows.push_back({{cats.back(), "num"},
                     {fmt::format("{:.0f}", hist.true_counts[c]), "num"},
                     {h(plus_minus(et.estimate, et.se, 100)), "num"},
                     {fmt::format("{:.0f}", hist.measured_counts[c]), "num"},
                     {h(plus_minus(em.estimate, em.se, 100)), "num"}});
  }
  std::vector<CategoryBand> bands;
  if (nps && hist.categories == 11)
    bands = {{0, 6, "detractors", "#fbeee6"}, {7, 8, "passives", "#f1f2f4"}, {9, 10, "promoters", "#e6f1f8"}};
  std::string desc = fmt::format("{} score distribution for variant {}: share of all walks (true) and of survey "
                                 "respondents (measured) at each score.",
                                 what, v.name);
  std::string sub;
  if (nps) {
    const auto t = metric_estimate(v.summary, "nps_true");
    const auto m = metric_estimate(v.summary, "nps_measured");
    sub = fmt::format("NPS true {} · measured {}", plus_minus(t.estimate, t.se), plus_minus(m.estimate, m.se));
    desc += " " + sub + ".";
  }
  ChartText text{next_id(), d_.variants.size() > 1 ? what + " scores: " + v.name : what + " scores", desc};
  const std::string svg = grouped_bar_chart(text, cats, Axis{what + " score"},
                                            Axis{"share of walks or answers (%)", 0, y_max}, {st, sm},
                                            bands, 480, 300);
  return figure(svg, h(sub),
                table_html({"Score", "True count", "True % ± 95%", "Measured count", "Measured % ± 95%"},
                           {true, true, true, true, true}, trows));
}

std::string Page::nps_distribution() {
  std::string charts;
  double y_max = 0;  // one scale for every variant's chart
  for (const auto& v : d_.variants)
    if (!v.nps.empty()) y_max = std::max(y_max, score_share_max(v.nps));
  for (const auto& v : d_.variants)
    if (!v.nps.empty()) charts += score_chart(v, v.nps, "NPS", true, y_max);
  if (charts.empty()) return {};
  std::string out =
      "<p class=\"help\">How often each NPS score (0–10) was given. <b>True</b> counts every walk's score, whether or "
      "not the customer answered the survey; <b>measured</b> counts survey respondents only. A gap between them is "
      "non-response bias. Error bars: 95% binomial intervals with walks as the unit.</p>";
  out += "<div class=\"grid2\">" + charts + "</div>";
  const VariantData& b = d_.baseline();
  std::string extra;
  if (!b.csat.empty()) extra += score_chart(b, b.csat, "CSAT", false, score_share_max(b.csat));
  if (!b.ces.empty()) extra += score_chart(b, b.ces, "CES", false, score_share_max(b.ces));
  if (!extra.empty())
    out += details("CSAT and CES score distributions (" + b.name + ")", "<div class=\"grid2\">" + extra + "</div>");
  return out;
}

// 4. Survival ----------------------------------------------------------------

std::string Page::survival() {
  std::vector<Series> series;
  std::map<std::int64_t, std::vector<Cell>> by_period;
  std::vector<std::string> headers{"Period"};
  bool any_churn = false;
  for (std::size_t i = 0; i < d_.variants.size(); ++i) {
    const auto& v = d_.variants[i];
    Series s{v.name, series_colour(i), series_dash(i), {}, {}, {}, {}, true, {}};
    if (v.survival_ci && v.survival_ci->has_column("period")) {
      const auto& t = *v.survival_ci;
      for (std::size_t r = 0; r < t.rows(); ++r) {
        const double period = table_number(t, "period", r);
        // survival_ci: period, alive, se, ci_low, ci_high.
        const EstimateRow e{table_number(t, "alive", r), table_number(t, "se", r), table_number(t, "ci_low", r),
                            table_number(t, "ci_high", r), true};
        s.x.push_back(period);
        s.y.push_back(100 * e.estimate);
        s.lo.push_back(100 * e.lo);
        s.hi.push_back(100 * e.hi);
        any_churn = any_churn || e.estimate < 1;
        by_period[static_cast<std::int64_t>(period)].push_back({est_cell(e, 100), "num"});
      }
    } else if (!v.survival.empty()) {
      for (std::size_t t = 0; t < v.survival.size(); ++t) {
        s.x.push_back(static_cast<double>(t));
        s.y.push_back(100 * v.survival[t]);
        any_churn = any_churn || v.survival[t] < 1;
        by_period[static_cast<std::int64_t>(t)].push_back({h(value_only(v.survival[t], std::nan(""), 100)), "num"});
      }
    }
    if (s.x.size() >= 2) {
      series.push_back(std::move(s));
      headers.push_back(h(v.name) + " alive (%)");
    }
  }
  if (series.empty() || !any_churn) return {};
  // One row per period; every variant of a run has the same periods.
  std::vector<std::vector<Cell>> rows;
  for (auto& [period, cells] : by_period) {
    std::vector<Cell> r{{std::to_string(period), "num"}};
    for (auto& c : cells) r.push_back(std::move(c));
    rows.push_back(std::move(r));
  }
  std::vector<bool> num(headers.size(), true);
  const auto last = series.front().y.back();
  ChartText t{next_id(), "Customers still active after each period", ""};
  t.desc = fmt::format("Share of customers alive after t periods for {} variant(s), with 95% confidence bands; "
                       "{} keeps {}% after {} periods.",
                       series.size(), series.front().name, format_fixed(last, 1),
                       format_fixed(series.front().x.back(), 0));
  LineChartOptions o;
  o.width = 960;
  o.height = 420;
  const std::string svg =
      line_chart(t, Axis{"period"}, Axis{"customers alive (%)", 0, 100, true}, series, o);
  std::string out =
      "<p class=\"help\">Retention across periods: the share of customers who have not churned after each period. "
      "A customer's churn chance after each walk depends on how the walk went; bands are 95% confidence intervals.</p>";
  out += figure(svg, "", table_html(headers, num, rows));
  // Per-period details for the baseline.
  const VariantData& b = d_.baseline();
  if (b.periods && b.periods->rows() > 0) {
    const auto& pt = *b.periods;
    std::vector<std::vector<Cell>> pr;
    for (std::size_t r = 0; r < pt.rows(); ++r)
      pr.push_back({{fmt::format("{:.0f}", table_number(pt, "period", r)), "num"},
                    {fmt::format("{:.0f}", table_number(pt, "active", r)), "num"},
                    {est_cell(table_estimate(pt, r, "nps_true")), "num"},
                    {est_cell(table_estimate(pt, r, "nps_measured")), "num"},
                    {est_cell(table_estimate(pt, r, "churn_rate"), 100), "num"}});
    out += details("Per period (" + b.name + "): active customers, NPS and churn",
                   table_html({"Period", "Active", "NPS true", "NPS measured", "Churn rate (%)"},
                              {true, true, true, true, true}, pr));
  }
  return out;
}

// 5. Journey map -------------------------------------------------------------

std::string Page::journey_map() {
  if (!d_.graph) return {};
  const JourneyGraph& g = *d_.graph;
  const VariantData& b = d_.baseline();
  const io::Table* tp = b.touchpoints ? &*b.touchpoints : nullptr;
  const io::Table* oc = b.outcomes ? &*b.outcomes : nullptr;
  const std::string svg = journey_map_svg(g, tp, oc, next_id());
  const MapFlows flows = journey_flows(g, tp);
  std::vector<std::vector<Cell>> rows;
  for (std::size_t i = 0; i < g.start.size(); ++i)
    rows.push_back({{"start", ""},
                    {h(g.nodes[g.start[i].first].id), ""},
                    {h(format_fixed(flows.start[i], 3)), "num"},
                    {h(format_fixed(g.start[i].second, 3)), "num"},
                    {"", "num"}});
  for (std::size_t i = 0; i < g.edges.size(); ++i) {
    const auto& e = g.edges[i];
    rows.push_back({{h(g.nodes[e.from].id), ""},
                    {h(g.nodes[e.to].id), ""},
                    {h(format_fixed(flows.edge[i], 3)), "num"},
                    {h(format_fixed(e.p_ok, 3)), "num"},
                    {h(format_fixed(e.p_fr, 3)), "num"}});
  }
  std::string out =
      "<p class=\"help\">The journey as a graph (" + h(d_.variants.size() > 1 ? "baseline " : "") +
      "model and results). Customers enter at <b>start</b> and move left to right through the " +
      std::string(layout_journey(g).by_stage ? "stages" : "steps") +
      "; arcs below the nodes go back to an earlier stage, loops above a node repeat it. Edge width is "
      "proportional to the flow (customers per walk taking that edge: visits × the transition probability, "
      "ok and friction visits weighted by the measured friction rate). Touchpoints are coloured by their measured "
      "friction rate (darker = more friction); each shows its channel, visits per walk and friction rate ± 95%. "
      "Outcomes show their share of walks. Hover an edge or node for details.</p>";
  out += figure(svg, "",
                table_html({"From", "To", "Flow per walk", "P after ok", "P after friction"},
                           {false, false, true, true, true}, rows),
                "map");
  return out;
}

// 6. Friction ranking ---------------------------------------------------------

std::string Page::ranking_notes() const {
  std::string out;
  for (const auto& n : d_.ranking->notes) out += "<p class=\"help\"><b>Not ranked:</b> " + h(n) + "</p>";
  return out;
}

std::string Page::ranking() {
  if (d_.ranking && d_.ranking->table.rows() == 0 && !d_.ranking->notes.empty()) return ranking_notes();
  if (!d_.ranking || d_.ranking->table.rows() == 0) return {};
  const io::Table& t = d_.ranking->table;
  std::vector<std::string> metrics;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const std::string m = table_string(t, "metric", r);
    if (std::find(metrics.begin(), metrics.end(), m) == metrics.end()) metrics.push_back(m);
  }
  std::vector<std::string> shown = d_.key_metrics(metrics);
  if (shown.empty()) shown.push_back(metrics.front());
  const double reduce = d_.ranking->reduce_by;
  const std::string cut =
      std::isfinite(reduce) ? fmt::format("cut by {}%", format_fixed(100 * reduce, 0)) : std::string("reduced");
  std::string out = fmt::format(
      "<p class=\"help\">Driver analysis: for each touchpoint with friction, a variant with its friction {} for "
      "every customer (the base value and every segment's override alike) and everything else unchanged. Bars are "
      "the simulated change (paired by customer) with 95% CIs, largest effect on top; ◇ is the exact first-order "
      "prediction from the Markov-chain analytics (derivative × change) and ○ the exact re-solve of the changed "
      "journey, where available. Rank 1 is the most valuable fix for that metric; blue bars are improvements and "
      "orange ones losses, by the direction the journey declares for each outcome kind (rank 0: no direction).</p>"
      "{}<div class=\"grid2\">",
      h(cut), ranking_notes());
  for (const auto& m : shown) {
    const MetricInfo mi = info(m);
    std::vector<IntervalRow> rows;
    for (std::size_t r = 0; r < t.rows(); ++r) {
      if (table_string(t, "metric", r) != m) continue;
      const auto e = table_estimate(t, r);
      const double f = table_number(t, "friction", r);
      IntervalRow ir;
      ir.label = table_string(t, "touchpoint", r) +
                 (std::isfinite(f) ? " (" + format_fixed(100 * f, f < 0.1 ? 1 : 0) + "%)" : std::string());
      ir.estimate = e.estimate * mi.scale;
      ir.lo = e.lo * mi.scale;
      ir.hi = e.hi * mi.scale;
      ir.marker = table_number(t, "exact_first_order", r) * mi.scale;
      ir.marker2 = table_number(t, "exact", r) * mi.scale;
      ir.emphasis = excludes_zero(e.lo, e.hi);
      ir.colour = mi.better == 0 || !std::isfinite(e.estimate) ? okabe_ito::blue
                  : (e.estimate > 0) == (mi.better > 0)          ? okabe_ito::blue
                                                                 : okabe_ito::vermillion;
      ir.tooltip = fmt::format("{}: Δ {} {} {}", ir.label, signed_plus_minus(e.estimate, e.se, mi.scale),
                               mi.delta_unit, interval(e.lo, e.hi, e.se, mi.scale));
      rows.push_back(ir);
    }
    ChartText ct{next_id(), "Δ " + mi.short_label + " when friction is " + cut, ""};
    ct.desc = fmt::format("Tornado chart of {} touchpoints ranked by the change in {} when their friction is {}.",
                          rows.size(), mi.label, cut);
    IntervalChartOptions o;
    o.marker_label = "exact first-order";
    o.marker2_label = "exact re-solve";
    o.width = 540;
    out += figure(tornado_chart(ct, Axis{"Δ " + mi.short_label + unit_suffix(mi, true)}, rows, o), "", "");
  }
  out += "</div>";
  // The whole ranking table.
  std::vector<std::vector<Cell>> rows;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const std::string m = table_string(t, "metric", r);
    const MetricInfo mi = info(m);
    const auto e = table_estimate(t, r);
    // Exact values to the precision of the simulated change they sit beside.
    auto exact = [&](std::string_view col) -> Cell {
      const double x = table_number(t, col, r);
      return {std::isfinite(x) ? h(value_only(x, e.se, mi.scale)) : std::string(), "num"};
    };
    const double rank = table_number(t, "rank", r);
    rows.push_back({{h(mi.label) + unit_suffix(mi, true), ""},
                    {std::isfinite(rank) ? fmt::format("{:.0f}", rank) : "", "num"},
                    {h(table_string(t, "touchpoint", r)), ""},
                    {h(format_fixed(100 * table_number(t, "friction", r), 1)), "num"},
                    delta_cell(e, mi),
                    exact("exact_first_order"),
                    exact("exact")});
  }
  out += details("Full ranking (every metric)",
                 table_html({"Metric", "Rank", "Touchpoint", "Friction (%)", "Δ ± 95% [CI]", "Exact first-order",
                             "Exact re-solve"},
                            {false, true, false, true, true, true, true}, rows));
  return out;
}

// 7. Sweeps ------------------------------------------------------------------

std::string Page::sweeps() {
  if (d_.sweeps.empty()) return {};
  std::string out =
      "<p class=\"help\">A sweep runs one parameter over a list of values. Each curve is a metric's estimate with "
      "its 95% confidence band; the ringed point is the journey's own value (the baseline, where the change is "
      "exactly zero). A band is that value's own uncertainty; the change against the baseline, paired by customer, "
      "is known much more precisely (see the sweep table).</p>";
  for (const auto& s : d_.sweeps) {
    const io::Table& t = s.table;
    out += fmt::format("<h3>Sweep <code>{}</code>: <code>{}</code></h3><div class=\"grid2\">", h(s.name),
                       h(s.parameter));
    std::vector<std::string> metrics;
    for (std::size_t r = 0; r < t.rows(); ++r) {
      const std::string m = table_string(t, "metric", r);
      if (std::find(metrics.begin(), metrics.end(), m) == metrics.end()) metrics.push_back(m);
    }
    std::vector<std::string> shown = d_.key_metrics(metrics);
    if (shown.empty() && !metrics.empty()) shown.push_back(metrics.front());
    for (const auto& m : shown) {
      const MetricInfo mi = info(m);
      std::vector<std::size_t> idx;
      for (std::size_t r = 0; r < t.rows(); ++r)
        if (table_string(t, "metric", r) == m) idx.push_back(r);
      std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
        return table_number(t, "value", a) < table_number(t, "value", b);
      });
      Series ser{mi.label, okabe_ito::blue, "", {}, {}, {}, {}, true, {}};
      bool any_hl = false;
      for (std::size_t r : idx) {
        const auto e = table_estimate(t, r);
        ser.x.push_back(table_number(t, "value", r));
        ser.y.push_back(e.estimate * mi.scale);
        ser.lo.push_back(e.lo * mi.scale);
        ser.hi.push_back(e.hi * mi.scale);
        const bool base = table_number(t, "delta", r) == 0 && table_number(t, "delta_se", r) == 0;
        ser.highlight.push_back(base);
        any_hl = any_hl || base;
      }
      ChartText ct{next_id(), mi.short_label + " vs " + s.parameter, ""};
      ct.desc = fmt::format("{} as {} varies over {} values, with 95% confidence band.", mi.label, s.parameter,
                            ser.x.size());
      LineChartOptions o;
      o.width = 520;
      o.height = 320;
      o.highlight_label = any_hl ? "baseline value" : "";
      out += figure(line_chart(ct, Axis{s.parameter}, Axis{mi.short_label + unit_suffix(mi, false)}, {ser}, o), "", "");
    }
    out += "</div>";
    std::vector<std::vector<Cell>> rows;
    for (std::size_t r = 0; r < t.rows(); ++r) {
      const std::string m = table_string(t, "metric", r);
      const MetricInfo mi = info(m);
      const double v = table_number(t, "value", r);
      rows.push_back({{h(plain_number(v)), "num"},
                      {h(mi.label) + unit_suffix(mi, false), ""},
                      {est_cell(table_estimate(t, r), mi.scale), "num"},
                      delta_cell(table_estimate(t, r, "delta"), mi)});
    }
    out += details("Sweep table: every value and metric, with the paired change from the baseline",
                   table_html({"Value", "Metric", "Estimate ± 95% [CI]", "Δ vs baseline ± 95% [CI]"},
                              {true, false, true, true}, rows));
  }
  return out;
}

// 8. Reference book ------------------------------------------------------------

std::string Page::path_tables(const VariantData& v) {
  if (!v.paths || v.paths->rows() == 0) return {};
  const io::Table& t = *v.paths;
  const auto kinds = column_suffixes(t, "share_");
  std::string out;
  struct Book {
    const char* key;
    const char* title;
    const char* help;
  };
  static const Book books[] = {
      {"frequent", "Most frequent paths", "The touchpoint sequences walked most often."},
      {"favourable", "Most favourable paths", "Highest mean NPS among paths with enough walks."},
      {"unfavourable", "Most unfavourable paths", "Lowest mean NPS among paths with enough walks."}};
  for (const auto& bk : books) {
    std::vector<std::vector<Cell>> rows;
    for (std::size_t r = 0; r < t.rows(); ++r) {
      if (table_string(t, "book", r) != bk.key) continue;
      const double share = table_number(t, "share", r);
      const double count = table_number(t, "count", r);
      const double err = table_number(t, "count_error", r);
      const double walks = share > 0 ? count / share : std::nan("");
      const double se = binomial_se(share, walks);
      std::string ends;
      for (const auto& k : kinds) {
        const double x = table_number(t, "share_" + k, r);
        if (!(x > 0.0005)) continue;
        if (!ends.empty()) ends += "<br>";
        ends += h(k) + (x >= 1 ? std::string(" (all)") : " " + h(plus_minus(x, binomial_se(x, count), 100)) + "%");
      }
      std::string share_s = h(plus_minus(share, se, 100)) + "%";
      if (std::isfinite(err) && err > 0)
        share_s += fmt::format("<br><small title=\"heavy-hitters sketch: the count may be over-stated by up to "
                               "this many walks\">count may be over by ≤ {:.0f}</small>",
                               err);
      const double rank = table_number(t, "rank", r);
      rows.push_back({{std::isfinite(rank) ? fmt::format("{:.0f}", rank) : "", "num"},
                      {path_html(table_string(t, "path", r)), ""},
                      {share_s, "num"},
                      {est_cell(table_estimate(t, r, "nps")), "num"},
                      {ends, "num"}});
    }
    if (rows.empty()) continue;
    out += fmt::format("<h3>{}</h3><p class=\"help\">{}</p>", bk.title, bk.help);
    out += table_html({"#", "Path", "Share of walks ± 95%", "Mean NPS ± 95% [CI]", "Ends in (± 95%)"},
                      {true, false, true, true, true}, rows);
  }
  return out;
}

std::string Page::reference_book() {
  std::string out = path_tables(d_.baseline());
  if (out.empty()) return {};
  out = "<p class=\"help\">Paths are touchpoint sequences of one walk, counted with a bounded-memory heavy-hitters "
        "sketch. Shares and outcome shares use 95% binomial intervals with walks as the unit; mean NPS is over "
        "every walk on the path (true scores), with its 95% CI.</p>" +
        (d_.variants.size() > 1 ? "<p><b>Baseline</b></p>" : std::string()) + out;
  for (std::size_t i = 1; i < d_.variants.size(); ++i) {
    const std::string t = path_tables(d_.variants[i]);
    if (!t.empty()) out += details("Reference book: " + d_.variants[i].name, t);
  }
  return out;
}

// 9. Touchpoints and channels ----------------------------------------------------

std::string Page::touchpoint_tables(const VariantData& v) {
  std::string out;
  if (v.touchpoints && v.touchpoints->rows() > 0) {
    const io::Table& t = *v.touchpoints;
    const auto kinds = column_suffixes(t, "exit_share_");
    const double walks = walks_total(v, d_.provenance);
    std::vector<std::string> headers{"Touchpoint", "Channel", "Stage", "Visits per walk", "Friction rate (%)",
                                     "Satisfaction Δ per visit", "Last touchpoint of (% of walks)"};
    std::vector<bool> num{false, false, false, true, true, true, true};
    std::vector<std::vector<Cell>> rows;
    for (std::size_t r = 0; r < t.rows(); ++r) {
      std::string exits;
      for (const auto& k : kinds) {
        const double x = table_number(t, "exit_share_" + k, r);
        if (!(x > 0)) continue;
        // The file's SE when it has one, else binomial over walks.
        double se = table_number(t, "exit_share_" + k + "_se", r);
        if (!std::isfinite(se)) se = binomial_se(x, walks);
        if (!exits.empty()) exits += "<br>";
        exits += h(k) + " " + h(plus_minus(x, se, 100));
      }
      rows.push_back({{"<b>" + h(table_string(t, "touchpoint", r)) + "</b>", ""},
                      {h(table_string(t, "channel", r)), ""},
                      {h(table_string(t, "stage", r)), ""},
                      {est_cell(table_estimate(t, r, "visits_per_walk")), "num"},
                      {est_cell(table_estimate(t, r, "friction_rate"), 100), "num"},
                      {est_cell(table_estimate(t, r, "satisfaction_change")), "num"},
                      {exits.empty() ? "—" : exits, "num"}});
    }
    out += "<h3>Touchpoints</h3>" + table_html(headers, num, rows);
    out += "<p class=\"help\">Visits per walk count repeat visits. Friction rate is friction visits ÷ visits. "
           "Satisfaction Δ: the mean change of latent satisfaction per visit. Last touchpoint of: the share of all "
           "walks that ended right after this touchpoint, by the outcome kind they reached (binomial 95% intervals, "
           "walks as the unit).</p>";
  }
  if (v.channels && v.channels->rows() > 0) {
    const io::Table& t = *v.channels;
    std::vector<std::vector<Cell>> rows;
    for (std::size_t r = 0; r < t.rows(); ++r)
      rows.push_back({{"<b>" + h(table_string(t, "channel", r)) + "</b>", ""},
                      {est_cell(table_estimate(t, r, "visits_per_walk")), "num"},
                      {est_cell(table_estimate(t, r, "friction_rate"), 100), "num"},
                      {est_cell(table_estimate(t, r, "switches_into_per_walk")), "num"}});
    out += "<h3>Channels</h3>" + table_html({"Channel", "Visits per walk", "Friction rate (%)", "Switches into it per walk"},
                                            {false, true, true, true}, rows);
  }
  if (v.outcomes && v.outcomes->rows() > 0) {
    const io::Table& t = *v.outcomes;
    std::vector<std::vector<Cell>> rows;
    for (std::size_t r = 0; r < t.rows(); ++r) {
      const double value = table_number(t, "value", r);
      rows.push_back({{"<b>" + h(table_string(t, "outcome", r)) + "</b>", ""},
                      {h(table_string(t, "kind", r)), ""},
                      {std::isfinite(value) ? h(plain_number(value)) : "", "num"},
                      {fmt::format("{:.0f}", table_number(t, "walks", r)), "num"},
                      {est_cell(table_estimate(t, r, "share"), 100), "num"}});
    }
    out += "<h3>Outcomes</h3>" + table_html({"Outcome", "Kind", "Value", "Walks", "Share of walks (%)"},
                                            {false, false, true, true, true}, rows);
  }
  if (v.segments && v.segments->rows() > 0) {
    const io::Table& t = *v.segments;
    std::vector<std::vector<Cell>> rows;
    for (std::size_t r = 0; r < t.rows(); ++r)
      rows.push_back({{"<b>" + h(table_string(t, "segment", r)) + "</b>", ""},
                      {h(format_fixed(100 * table_number(t, "share_model", r), 1)), "num"},
                      {fmt::format("{:.0f}", table_number(t, "customers", r)), "num"},
                      {est_cell(table_estimate(t, r, "share_drawn"), 100), "num"}});
    out += "<h3>Segments</h3>" + table_html({"Segment", "Share in the model (%)", "Customers drawn", "Share drawn (%)"},
                                            {false, true, true, true}, rows);
  }
  return out;
}

std::string Page::tables() {
  std::string out = touchpoint_tables(d_.baseline());
  if (out.empty()) return {};
  if (d_.variants.size() > 1) out = "<p><b>Baseline</b></p>" + out;
  for (std::size_t i = 1; i < d_.variants.size(); ++i) {
    const std::string t = touchpoint_tables(d_.variants[i]);
    if (!t.empty()) out += details("Tables: " + d_.variants[i].name, t);
  }
  return out;
}

// 10. Provenance ------------------------------------------------------------------

std::string Page::provenance() {
  const Provenance& p = d_.provenance;
  std::string out = "<dl class=\"prov\">";
  auto row = [&](std::string_view k, const std::string& v) {
    if (!v.empty()) out += fmt::format("<dt>{}</dt><dd>{}</dd>", h(k), v);
  };
  row("Results file", "<code>" + h(d_.source) + "</code>");
  row("Journey", h(p.journey));
  row("Tool version", h(p.tool_version.empty() ? "" : "cxsim " + p.tool_version));
  row("Results format", h(p.format_version));
  row("Created (UTC)", h(p.created_utc));
  row("Seed", p.seed ? std::to_string(*p.seed) : "");
  row("Customers", p.customers ? std::to_string(*p.customers) : "");
  row("Periods", p.periods ? std::to_string(*p.periods) : "");
  row("Discount rate", p.discount_rate ? h(plain_number(*p.discount_rate)) : "");
  row("Time unit", h(p.time_unit));
  row("Variants", [&] {
    std::string s;
    for (const auto& v : d_.variants) s += (s.empty() ? "" : ", ") + h(v.name);
    return s;
  }());
  row("Command line", p.command_line.empty() ? "" : "<code>" + h(p.command_line) + "</code>");
  row("Journey file", p.journey_path.empty() ? "" : "<code>" + h(p.journey_path) + "</code>");
  row("Scenario file", p.scenario_path.empty() ? "" : "<code>" + h(p.scenario_path) + "</code>");
  out += "</dl>";
  if (!p.scenario_yaml.empty())
    out += details("Scenario YAML" + (p.scenario_path.empty() ? std::string() : " (" + p.scenario_path + ")"),
                   "<pre>" + h(p.scenario_yaml) + "</pre>");
  if (!p.journey_yaml.empty())
    out += details("Journey YAML" + (p.journey_path.empty() ? std::string() : " (" + p.journey_path + ")"),
                   "<pre>" + h(p.journey_yaml) + "</pre>");
  return out;
}

std::string Page::render() {
  add_section("headline", "Headline", headline());
  add_section("deltas", "Changes against the baseline", delta_chart());
  add_section("nps", "NPS score distribution", nps_distribution());
  add_section("survival", "Retention (survival) across periods", survival());
  add_section("map", "Journey map", journey_map());
  add_section("ranking", "Friction ranking", ranking());
  add_section("sweeps", "Sweeps", sweeps());
  add_section("paths", "Reference book: paths", reference_book());
  add_section("tables", "Touchpoints, channels and outcomes", tables());
  add_section("provenance", "Provenance", provenance());

  const Provenance& p = d_.provenance;
  const std::string name = p.journey.empty() ? std::string("cxsim results") : p.journey;
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  // Nothing may be fetched: inline styles only, no scripts, images only as data:.
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "img-src data:\">";
  out += "<meta name=\"generator\" content=\"cxsim " + h(p.tool_version) + "\">";
  out += "<title>" + h(name) + " — cxsim report</title><style>" + std::string(kStyle) + "</style></head><body><main>";
  out += "<header><h1>" + h(name) + "</h1>";
  std::string sub = "Customer-journey simulation report";
  if (p.customers) sub += fmt::format(" · {} customers", *p.customers);
  if (p.periods) sub += fmt::format(" × {} period{}", *p.periods, *p.periods == 1 ? "" : "s");
  if (d_.variants.size() > 1) sub += fmt::format(" · {} variants", d_.variants.size());
  if (!p.created_utc.empty()) sub += " · " + p.created_utc;
  out += "<p class=\"sub\">" + h(sub) + "</p></header>";
  out += "<nav class=\"toc\" aria-label=\"Sections\"><ol>";
  for (std::size_t i = 0; i < sections_.size(); ++i)
    out += fmt::format("<li><a href=\"#{}\">{}. {}</a></li>", sections_[i].id, i + 1, h(sections_[i].title));
  out += "</ol></nav>";
  for (std::size_t i = 0; i < sections_.size(); ++i)
    out += fmt::format("<section id=\"{}\" aria-labelledby=\"{}-h\"><h2 id=\"{}-h\">{}. {}</h2>{}</section>",
                       sections_[i].id, sections_[i].id, sections_[i].id, i + 1, h(sections_[i].title),
                       sections_[i].body);
  out += "<footer>Generated by cxsim " + h(p.tool_version) +
         " from the results file alone. Every estimate is shown with its 95% confidence interval.</footer>";
  out += "</main></body></html>\n";
  return out;
}

}  // namespace

std::string render_html(const ResultsData& data) { return Page(data).render(); }

}  // namespace cxsim::report
