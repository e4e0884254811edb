// The portfolio section: the frontier of investment against the objective
// (every evaluated combination with its 95% CI, the frontier joined, the
// budget marked), the best combination within the budget with the
// probability that it is truly the best, and the pair interactions
// (docs/methods/portfolio.md, docs/reports.md).
#include <algorithm>
#include <cmath>

#include "html_page.h"

namespace cxsim::report::html {

namespace {

std::string objective_label(const PortfolioData& p) {
  if (p.objective == "delta_nps") return "Δ NPS (points)";
  if (p.objective == "delta_retention") return "Δ retention (share of customers)";
  return "net return (" + (p.unit.empty() ? std::string("units") : p.unit) + ")";
}

// Investment (x) against the objective (y): each combination a dot with its
// CI as a vertical bar, the frontier joined by a line, the best one ringed,
// the budget a dashed vertical line.
std::string frontier_chart(const PortfolioData& p, const std::string& id) {
  const io::Table& t = p.combinations;
  const auto& name = t.get_string("combination");
  const auto& inv = t.get_double("investment");
  const auto& est = t.get_double("objective");
  const auto& lo = t.get_double("objective_ci_low");
  const auto& hi = t.get_double("objective_ci_high");
  const auto& front = t.get_int64("on_frontier");
  const std::size_t n = name.size();
  double x0 = 0, x1 = std::isfinite(p.budget) ? p.budget : 0, y0 = 0, y1 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isfinite(inv[i])) x1 = std::max(x1, inv[i]);
    for (double y : {est[i], lo[i], hi[i]})
      if (std::isfinite(y)) y0 = std::min(y0, y), y1 = std::max(y1, y);
  }
  if (!(x1 > x0)) x1 = x0 + 1;
  if (!(y1 > y0)) y1 = y0 + 1;
  const double W = 640, H = 380, left = 78, right = 20, top = 34, bottom = 52;
  const LinearScale xs = LinearScale(x0, x1, left, W - right).nice();
  const LinearScale ys = LinearScale(y0, y1, H - bottom, top).nice();
  Svg svg(W, H, id, "Portfolio frontier: investment against " + objective_label(p),
          fmt::format("{} combinations; the frontier (not dominated in investment and objective) is joined; the best "
                      "combination within the budget is ringed.",
                      n));
  svg.text(W / 2, 18, "Investment against " + objective_label(p), "middle", "class=\"chart-title\"");
  for (double tx : xs.ticks()) {
    svg.line(xs(tx), H - bottom, xs(tx), H - bottom + 4, "class=\"axis\"");
    svg.text(xs(tx), H - bottom + 18, format_fixed(tx, 0), "middle", "class=\"tick\"");
  }
  for (double ty : ys.ticks()) {
    svg.line(left - 4, ys(ty), W - right, ys(ty), "class=\"grid\"");
    svg.text(left - 8, ys(ty) + 4, format_fixed(ty, std::fabs(y1 - y0) < 5 ? 3 : 0), "end", "class=\"tick\"");
  }
  svg.line(left, ys(0), W - right, ys(0), "class=\"zero\"");
  svg.text((left + W - right) / 2, H - 12, "discounted investment (" + (p.unit.empty() ? "units" : p.unit) + ")",
           "middle", "class=\"axis-label\"");
  if (std::isfinite(p.budget)) {
    svg.line(xs(p.budget), top, xs(p.budget), H - bottom,
             fmt::format("stroke=\"{}\" stroke-dasharray=\"6 4\"", okabe_ito::vermillion));
    svg.text(xs(p.budget) + 4, top + 12, "budget", "start", "class=\"tick\"");
  }
  // The frontier line, from funding nothing (0, 0) up by investment.
  std::vector<std::size_t> f;
  for (std::size_t i = 0; i < n; ++i)
    if (front[i]) f.push_back(i);
  std::sort(f.begin(), f.end(), [&](std::size_t a, std::size_t b) { return inv[a] < inv[b]; });
  std::string d = "M" + coord(xs(0)) + "," + coord(ys(0));
  for (std::size_t i : f) d += " L" + coord(xs(inv[i])) + "," + coord(ys(est[i]));
  svg.path(d, fmt::format("fill=\"none\" stroke=\"{}\" stroke-width=\"2\"", okabe_ito::blue));
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(est[i]) || !std::isfinite(inv[i])) continue;
    const bool fr = front[i] != 0, best = name[i] == p.best;
    const std::string colour = fr ? okabe_ito::blue : "#999999";
    svg.begin_group({}, fmt::format("{}: investment {}, objective {} [{}, {}]", name[i], format_fixed(inv[i], 0),
                                    format_fixed(est[i], 3), format_fixed(lo[i], 3), format_fixed(hi[i], 3)));
    if (std::isfinite(lo[i]) && std::isfinite(hi[i]))
      svg.error_bar_v(xs(inv[i]), ys(lo[i]), ys(hi[i]), 3, fmt::format("stroke=\"{}\"", colour));
    svg.circle(xs(inv[i]), ys(est[i]), fr ? 4 : 3, fmt::format("fill=\"{}\"", colour));
    if (best)
      svg.circle(xs(inv[i]), ys(est[i]), 8,
                 fmt::format("fill=\"none\" stroke=\"{}\" stroke-width=\"2\"", okabe_ito::vermillion));
    svg.end_group();
  }
  return svg.str();
}

}  // namespace

std::string Page::portfolio() {
  if (!d_.portfolio) return {};
  const PortfolioData& p = *d_.portfolio;
  const io::Table& t = p.combinations;
  const auto& name = t.get_string("combination");
  const auto& inv = t.get_double("investment");
  const auto& est = t.get_double("objective");
  const auto& se = t.has_column("objective_se") ? t.get_double("objective_se") : std::vector<double>(name.size(), kNaN);
  const auto& lo = t.get_double("objective_ci_low");
  const auto& hi = t.get_double("objective_ci_high");
  const auto& front = t.get_int64("on_frontier");
  const auto& within = t.get_int64("within_budget");
  const bool money = p.objective == "net_return" || p.objective.empty();
  auto amount = [&](double x, double s) { return money ? money_text(x, s, true) : signed_value(x, s); };
  auto interval = [&](double l, double u, double s) {
    return money ? money_interval(l, u, s) : "[" + signed_value(l, s) + ", " + signed_value(u, s) + "]";
  };
  std::string out;
  // The recommendation first.
  std::size_t best = name.size();
  for (std::size_t i = 0; i < name.size(); ++i)
    if (name[i] == p.best) best = i;
  std::string s = "<p class=\"lead\">";
  if (best < name.size()) {
    s += fmt::format("Within the budget{}, fund <b>{}</b>: {} {} (95% CI {}) for an investment of {}",
                     std::isfinite(p.budget) ? " of " + h(money_text(p.budget, kNaN)) : std::string(), h(name[best]),
                     h(money ? std::string("net return") : objective_label(p)), h(amount(est[best], se[best])),
                     h(interval(lo[best], hi[best], se[best])), h(money_text(inv[best], kNaN)));
    if (std::isfinite(p.best_probability))
      s +=
          "; the probability that it is truly the best combination within the budget is " +
          (p.best_probability >= 0.995 ? std::string("above 99.5%") : fmt::format("{:.0f}%", 100 * p.best_probability));
    s += ".";
  } else {
    s += "No combination within the budget has a positive " + h(objective_label(p)) + ": fund nothing.";
  }
  s += "</p>";
  out += s;
  std::string candidates;
  for (char c : p.candidates) candidates += c == ',' ? std::string(", ") : std::string(1, c);
  if (candidates.empty()) candidates = "the candidates";
  out += figure(frontier_chart(p, next_id()),
                fmt::format("Every combination of {} ({} search); each dot with its 95% CI, the frontier joined from "
                            "funding nothing (0, 0).",
                            h(candidates), h(p.search.empty() ? std::string("exhaustive") : p.search)),
                "");
  // The frontier table.
  std::vector<std::size_t> f;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (front[i]) f.push_back(i);
  std::sort(f.begin(), f.end(), [&](std::size_t a, std::size_t b) { return inv[a] < inv[b]; });
  std::vector<std::vector<Cell>> rows;
  for (std::size_t i : f) {
    const bool sig = excludes_zero(lo[i], hi[i]);
    rows.push_back({{h(name[i]) + (i == best ? " <b>(best)</b>" : ""), ""},
                    {h(money_text(inv[i], kNaN)), "num"},
                    {h(amount(est[i], se[i])), sig ? (est[i] > 0 ? "num sig-better" : "num sig-worse") : "num"},
                    {h(interval(lo[i], hi[i], se[i])), "num"},
                    {within[i] ? "yes" : "no", ""}});
  }
  out += table_html({"Combination (frontier)", "Investment", h(objective_label(p)), "95% CI", "Within budget"},
                    {false, true, true, true, false}, rows,
                    "The combinations no other one beats on both investment and objective.");
  // Interactions.
  if (p.interactions && p.interactions->rows() > 0 && p.interactions->has_column("interaction")) {
    const io::Table& it = *p.interactions;
    const auto& pair = it.get_string("pair");
    const auto& ie = it.get_double("interaction");
    const auto& is = it.get_double("interaction_se");
    const auto& il = it.get_double("interaction_ci_low");
    const auto& ih = it.get_double("interaction_ci_high");
    std::vector<std::vector<Cell>> ir;
    for (std::size_t i = 0; i < pair.size(); ++i) {
      const bool sig = is[i] > 0 && excludes_zero(il[i], ih[i]);
      ir.push_back({{h(pair[i]), ""},
                    {h(amount(ie[i], is[i])), sig ? (ie[i] > 0 ? "num sig-better" : "num sig-worse") : "num"},
                    {h(interval(il[i], ih[i], is[i])), "num"},
                    {sig ? (ie[i] > 0 ? "worth more than the sum of its parts" : "worth less than the sum of its parts")
                         : "not significant",
                     ""}});
    }
    out += details(
        "Interactions: is a pair worth more or less than the sum of its parts?",
        table_html({"Pair", "Pair − the two single effects", "95% CI", "Reading"}, {false, true, true, false}, ir));
  }
  return out;
}

}  // namespace cxsim::report::html
