// Section 3: NPS (and CSAT / CES) score distributions, true against measured.
#include "html_page.h"

#include <algorithm>
#include <cmath>

namespace cxsim::report::html {

namespace {

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

}  // namespace

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
  std::string desc = fmt::format(
      "{} score distribution for variant {}: share of all walks (true) and of survey "
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
                                            Axis{"share of walks or answers (%)", 0, y_max}, {st, sm}, bands, 480, 300);
  return figure(svg, h(sub),
                table_html({"Score", "True count", "True % ± 95%", "Measured count", "Measured % ± 95%"},
                           {true, true, true, true, true}, trows));
}

std::string Page::nps_distribution() {
  std::string charts, others;
  double y_max = 0;  // one scale for every variant's chart
  for (const auto& v : d_.variants)
    if (!v.nps.empty()) y_max = std::max(y_max, score_share_max(v.nps));
  // Two charts side by side; beyond that the baseline stays open and the other
  // variants' charts collapse, so the page stays readable.
  std::size_t with_nps = 0;
  for (const auto& v : d_.variants) with_nps += v.nps.empty() ? 0 : 1;
  std::size_t shown = 0;
  for (const auto& v : d_.variants) {
    if (v.nps.empty()) continue;
    const std::string c = score_chart(v, v.nps, "NPS", true, y_max);
    if (with_nps <= 2 || shown == 0) charts += c;
    else others += c;
    ++shown;
  }
  if (charts.empty()) return {};
  std::string out =
      "<p class=\"help\">How often each NPS score (0–10) was given. <b>True</b> counts every walk's score, whether or "
      "not the customer answered the survey; <b>measured</b> counts survey respondents only. A gap between them is "
      "non-response bias. Error bars: 95% binomial intervals with walks as the unit.</p>";
  out += "<div class=\"grid2\">" + charts + "</div>";
  if (!others.empty())
    out += details(fmt::format("NPS score distributions of the other {} variants (same scale)", with_nps - 1),
                   "<div class=\"grid2\">" + others + "</div>");
  const VariantData& b = d_.baseline();
  std::string extra;
  if (!b.csat.empty()) extra += score_chart(b, b.csat, "CSAT", false, score_share_max(b.csat));
  if (!b.ces.empty()) extra += score_chart(b, b.ces, "CES", false, score_share_max(b.ces));
  if (!extra.empty())
    out += details("CSAT and CES score distributions (" + b.name + ")", "<div class=\"grid2\">" + extra + "</div>");
  return out;
}

}  // namespace cxsim::report::html
