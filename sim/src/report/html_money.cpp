// The first screen: the plain-language summary (which fix to fund, what it
// returns) and the money table of every variant against the baseline.
#include <algorithm>
#include <cmath>

#include "html_page.h"

namespace cxsim::report::html {

namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

// "1234567.8" -> "1,234,567.8" (the integer part grouped by thousands).
std::string group_thousands(const std::string& s) {
  std::size_t start = s.starts_with('-') || s.starts_with('+') ? 1 : 0;
  std::size_t end = s.find('.', start);
  if (end == std::string::npos) end = s.size();
  for (std::size_t i = start; i < end; ++i)
    if (s[i] < '0' || s[i] > '9') return s;  // "nan", "inf"
  std::string out = s.substr(0, start);
  for (std::size_t i = start; i < end; ++i) {
    out += s[i];
    const std::size_t left = end - i - 1;
    if (left > 0 && left % 3 == 0) out += ',';
  }
  return out + s.substr(end);
}

// Every run of more than three digits in `s` that is not a fraction (after a
// '.') grouped by thousands: "+1234567.891 [1200000, 1300000]" ->
// "+1,234,567.891 [1,200,000, 1,300,000]".
std::string group_numbers(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] < '0' || s[i] > '9') {
      out += s[i++];
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
    const bool fraction = i > 0 && s[i - 1] == '.';
    out += fraction ? s.substr(i, j - i) : group_thousands(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// A currency label written before the amount (€12) rather than after it (12 EUR).
bool is_symbol(const std::string& c) { return c == "€" || c == "$" || c == "£" || c == "¥" || c == "₹" || c == "₩"; }

}  // namespace

std::string amount_text(double x, double hw) {
  if (!std::isfinite(x)) return format_fixed(x, 0);
  if (std::isfinite(hw) && hw >= 10) {
    const double step = std::pow(10.0, std::floor(std::log10(hw)) - 1);
    return group_numbers(format_fixed(std::round(x / step) * step, 0));
  }
  const int d = std::isfinite(hw) && hw > 0 ? decimals_for(hw, x) : (std::fabs(x) >= 100 ? 0 : 2);
  return group_numbers(format_fixed(x, d));
}

Cell money_cell(const EstimateRow& e, double scale, int better) {
  if (!e.found || std::isnan(e.estimate)) return {"n/a", "num"};
  const double x = e.estimate * scale, hw = kZ95 * e.se * scale;
  auto signed_amount = [&](double v) { return (v > 0 ? "+" : "") + amount_text(v, hw); };
  auto range = [&](double lo, double hi) {
    return "[" + amount_text(lo * scale, hw) + ", " + amount_text(hi * scale, hw) + "]";
  };
  std::string s = h(signed_amount(x));
  if (!e.has_total() && std::isfinite(hw)) s += " ± " + h(amount_text(hw, hw));
  std::string cls = "num";
  if (excludes_zero(e.low(), e.high())) {
    const int dir = x > 0 ? 1 : -1;
    s = "<b>" + s + "</b> <span class=\"mark\" title=\"95% " + (e.has_total() ? "total " : "") + "CI excludes 0\">" +
        (dir > 0 ? "▲" : "▼") + "*</span>";
    if (better != 0) cls += dir == better ? " sig-better" : " sig-worse";
  }
  if (e.has_total()) {
    s += "<br><span class=\"ci\" title=\"95% total interval: parameter and Monte Carlo uncertainty\">total " +
         h(range(e.total_lo, e.total_hi)) + "</span>";
    s += "<br><span class=\"ci mc\" title=\"95% Monte Carlo interval: customer noise only\">MC only ± " +
         h(amount_text(hw, hw)) + (std::isfinite(e.lo) ? " " + h(range(e.lo, e.hi)) : std::string()) + "</span>";
  } else if (std::isfinite(e.lo) && std::isfinite(e.hi)) {
    s += "<br><span class=\"ci\">" + h(range(e.lo, e.hi)) + "</span>";
  }
  return {s, cls};
}

namespace {

// "a", "a and b", "a, b and c".
std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
  return out;
}

}  // namespace

std::string Page::currency_label() const {
  return d_.provenance.currency.empty() ? std::string("value units") : d_.provenance.currency;
}

std::string Page::money_text(double x, double se, bool sign) const {
  if (!std::isfinite(x)) return "n/a";
  std::string v = amount_text(std::fabs(x), kZ95 * se);
  const std::string minus = x < 0 && v.find_first_not_of("0.,") != std::string::npos ? "−" : (sign && x > 0 ? "+" : "");
  const std::string& c = d_.provenance.currency;
  if (is_symbol(c)) return minus + c + v;
  return minus + v + " " + currency_label();
}

std::string Page::money_interval(double lo, double hi, double se) const {
  if (is_symbol(d_.provenance.currency)) return "[" + money_text(lo, se) + ", " + money_text(hi, se) + "]";
  // A unit written after the amount is written once: "[245,100, 264,600] EUR".
  auto plain = [&](double x) {
    return (x < 0 && amount_text(std::fabs(x), kZ95 * se).find_first_not_of("0.,") != std::string::npos ? "−" : "") +
           amount_text(std::fabs(x), kZ95 * se);
  };
  return "[" + plain(lo) + ", " + plain(hi) + "] " + currency_label();
}

std::vector<Page::MoneyRow> Page::money_rows() const {
  std::vector<MoneyRow> out;
  const double base = d_.provenance.customer_base.value_or(static_cast<double>(d_.provenance.customers.value_or(0)));
  for (const auto& v : d_.variants) {
    const MoneyData* m = d_.money_of(v.name);
    if (!m) continue;
    MoneyRow r;
    r.variant = v.name;
    r.description = v.description;
    auto row = [&](std::string_view metric) { return metric_estimate(m->summary, metric); };
    r.per_customer = row("net_value_delta_per_customer");
    r.total = row("net_value_delta_total");
    r.investment = row("investment").estimate;
    r.net_return = row("net_return");
    r.roi = row("roi");
    const std::size_t pb = find_row(m->summary, "metric", "payback_period");
    if (pb != kNone) {
      r.payback = table_number(m->summary, "estimate", pb);
      r.payback_lo = table_number(m->summary, "ci_low", pb);
      r.payback_hi = table_number(m->summary, "ci_high", pb);
    }
    // The total interval of Δ net value (parameter + MC uncertainty), when the
    // file has one, carried to the totals: each is linear in the per-customer
    // Δ (× the base, − the investment, / the investment), so its interval is
    // the per-customer one mapped through.
    const EstimateRow nv = d_.estimate(v.name, "net_value_mean", true);
    if (nv.has_total()) {
      auto attach = [&](EstimateRow& e, double a) {
        if (!e.found || !std::isfinite(e.estimate)) return;
        e.total_lo = e.estimate + a * (nv.total_lo - nv.estimate);
        e.total_hi = e.estimate + a * (nv.total_hi - nv.estimate);
      };
      attach(r.per_customer, 1);
      attach(r.total, base);
      attach(r.net_return, base);
      if (r.investment > 0) attach(r.roi, base / r.investment);
    }
    r.cost = d_.estimate(v.name, "cost_mean", true);
    r.nps = d_.estimate(v.name, "nps_true", true);
    out.push_back(std::move(r));
  }
  return out;
}

// 0. Summary ------------------------------------------------------------------

std::string Page::uncertainty_words() const {
  if (!d_.uncertainty) return {};
  const UncertaintyData& u = *d_.uncertainty;
  if (u.draws <= 0)
    return "<p class=\"help\">The run asked for parameter uncertainty, but the journey has no parameter with a "
           "distribution: every interval is the Monte Carlo one (customer noise only).</p>";
  return fmt::format(
      "<p class=\"help uncertainty\"><b>Two intervals.</b> <b>95% total</b> (shown first): what we do not know about "
      "the journey's parameters — as stated by their distributions in the journey file, {} parameter draws — plus "
      "the customer noise of the simulation. <b>MC only</b> (beside it): the customer noise of this run alone; it "
      "shrinks with more customers and says nothing about whether the journey's numbers are right. A change is "
      "called significant when its total interval excludes 0.</p>",
      u.draws);
}

std::string Page::summary() {
  if (!d_.has_variants()) return {};
  const auto& p = d_.provenance;
  const std::string periods =
      p.periods ? fmt::format("{} period{}", *p.periods, *p.periods == 1 ? "" : "s") : std::string("the run");
  const bool totals = d_.uncertainty && d_.uncertainty->draws > 0;
  const std::string ci = totals ? "95% total CI " : "95% CI ";
  std::vector<std::string> lines;

  const auto rows = money_rows();
  if (!rows.empty()) {
    // What a variant brings: its net return (Δ net value over the base minus
    // its investment; without an investment, the Δ net value over the base).
    std::vector<std::size_t> order(rows.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto gain = [&](const MoneyRow& r) { return r.net_return.found ? r.net_return : r.total; };
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const double x = gain(rows[a]).estimate, y = gain(rows[b]).estimate;
      return (std::isnan(y) ? -INFINITY : y) < (std::isnan(x) ? -INFINITY : x);
    });
    auto amount = [&](const EstimateRow& e) {
      return fmt::format("<b>{}</b> ({}{})", h(money_text(e.estimate, e.se)), ci,
                         h(money_interval(e.low(), e.high(), e.se)));
    };
    auto payback = [&](const MoneyRow& r) -> std::string {
      if (!(r.investment > 0)) return "";  // said once, below
      auto per = [&](double x) {
        return std::isfinite(x) ? fmt::format("{:g}", x) : fmt::format("> {}", p.periods.value_or(0));
      };
      if (!std::isfinite(r.payback)) return "it does not pay back within " + periods;
      return fmt::format("it pays back in period {} (95% CI {}–{})", per(r.payback), per(r.payback_lo),
                         per(r.payback_hi));
    };
    const MoneyRow& best = rows[order.front()];
    const EstimateRow g = gain(best);
    const bool best_good = excludes_zero(g.low(), g.high()) && g.estimate > 0;
    const std::string over_base =
        p.customer_base
            ? fmt::format(" across a customer base of {}", group_thousands(fmt::format("{:.0f}", *p.customer_base)))
            : std::string();
    if (best_good) {
      std::string s = fmt::format("<b>Fund {} first</b>: it returns {} over {}{}", h(best.variant), amount(g),
                                  h(periods), h(over_base));
      if (best.investment > 0) s += fmt::format(", net of its investment of {}", h(money_text(best.investment, 0)));
      s += payback(best).empty() ? "." : "; " + h(payback(best)) + ".";
      lines.push_back(s);
    } else if (excludes_zero(g.low(), g.high())) {  // every variant loses money
      lines.push_back(fmt::format("<b>No variant pays for itself</b>: the best, {}, has a net return of {} over {}.",
                                  h(best.variant), amount(g), h(periods)));
    } else {
      lines.push_back(fmt::format(
          "<b>No variant has a clearly positive return</b>: the best, {}, returns {} over {}, and its interval "
          "contains 0.",
          h(best.variant), amount(g), h(periods)));
    }
    std::vector<std::string> not_sig;
    for (std::size_t k = 1; k < order.size(); ++k) {
      const MoneyRow& r = rows[order[k]];
      const EstimateRow e = gain(r);
      if (!excludes_zero(e.low(), e.high())) not_sig.push_back(h(r.variant));
      else if (e.estimate > 0)
        lines.push_back(fmt::format("Then <b>{}</b>: it returns {}{}.", h(r.variant), amount(e),
                                    payback(r).empty() ? std::string() : "; " + h(payback(r))));
      else lines.push_back(fmt::format("<b>{}</b> loses money: its net return is {}.", h(r.variant), amount(e)));
    }
    if (!not_sig.empty()) {
      const std::string names = join_names(not_sig);
      lines.push_back(fmt::format("{} {} not significant (the {}contains 0).", names,
                                  not_sig.size() == 1 ? "is" : "are", totals ? "total interval " : "95% CI "));
    }
    std::vector<std::string> free;
    for (const auto& r : rows)
      if (!(r.investment > 0)) free.push_back(h(r.variant));
    if (free.size() == rows.size())
      lines.push_back(
          "<small>No variant states what making it costs (<code>investment: {once, per_period}</code> in the "
          "scenario), so a return is its Δ net value over the customer base, with no ROI or payback period.</small>");
    else if (!free.empty())
      lines.push_back("<small>Without an investment (so without ROI or payback): " + join_names(free) + ".</small>");
  } else {
    // No money in the file (written before format 1.3): the largest Δ NPS.
    const MetricInfo mi = info("nps_true");
    std::vector<std::pair<std::string, EstimateRow>> nps;
    for (const auto& v : d_.variants)
      if (d_.comparison(v.name)) {
        const EstimateRow e = d_.estimate(v.name, "nps_true", true);
        if (e.found && std::isfinite(e.estimate)) nps.emplace_back(v.name, e);
      }
    if (nps.empty()) return {};
    std::stable_sort(nps.begin(), nps.end(),
                     [](const auto& a, const auto& b) { return b.second.estimate < a.second.estimate; });
    auto delta = [&](const EstimateRow& e) {
      return fmt::format("<b>{} points</b> ({}{})", h(signed_value(e.estimate, e.se)), ci,
                         h(interval(e.low(), e.high(), e.se)));
    };
    const auto& [name, e] = nps.front();
    if (excludes_zero(e.low(), e.high()) && e.estimate > 0)
      lines.push_back(fmt::format("<b>{} raises NPS most</b>: {}.", h(name), delta(e)));
    else
      lines.push_back(
          fmt::format("<b>No variant raises NPS clearly</b>: the best, {}, changes it by {}.", h(name), delta(e)));
    std::vector<std::string> not_sig;
    for (std::size_t k = 1; k < nps.size(); ++k) {
      const EstimateRow& x = nps[k].second;
      if (!excludes_zero(x.low(), x.high())) not_sig.push_back(h(nps[k].first));
      else lines.push_back(fmt::format("<b>{}</b>: {}.", h(nps[k].first), delta(x)));
    }
    if (!not_sig.empty()) {
      lines.push_back(join_names(not_sig) + (not_sig.size() == 1 ? " is" : " are") + " not significant.");
    }
    lines.push_back("The results file has no money table (written before format 1.3), so this ranks by Δ NPS; " +
                    h(mi.delta_unit) + " = NPS points.");
  }
  std::string out = "<div class=\"verdict\">";
  for (const auto& l : lines) out += "<p>" + l + "</p>";
  out += "</div>";
  out += uncertainty_words();
  return out;
}

// Money table -------------------------------------------------------------------

std::string Page::money() {
  const auto rows = money_rows();
  if (rows.empty()) return {};
  const auto& p = d_.provenance;
  const std::string cur = currency_label();
  const std::string base = p.customer_base ? group_thousands(fmt::format("{:.0f}", *p.customer_base)) + " customers"
                                           : std::string("the base");
  const std::string periods =
      p.periods ? fmt::format("{} period{}", *p.periods, *p.periods == 1 ? "" : "s") : std::string("the run");
  // Investment, net return, ROI and payback only when some variant states an
  // investment (otherwise the net return is the Δ over the base again).
  bool any_investment = false;
  for (const auto& r : rows) any_investment = any_investment || r.investment > 0;
  std::vector<std::string> headers{"Variant", "Δ net value<br><small>" + h(cur) + " per customer</small>",
                                   "Δ cost<br><small>" + h(cur) + " per customer</small>",
                                   "Δ net value over the base<br><small>" + h(cur) + ", " + h(base) + "</small>"};
  if (any_investment)
    for (std::string x :
         {"Investment<br><small>" + h(cur) + ", discounted</small>", "Net return<br><small>" + h(cur) + "</small>",
          std::string("ROI<br><small>% of the investment</small>"),
          std::string("Payback<br><small>period [95% CI]</small>")})
      headers.push_back(x);
  std::vector<bool> num(headers.size(), true);
  num[0] = false;
  MetricInfo cost_info = info("cost_mean");
  cost_info.better = 0;  // coloured by net value, never by cost alone
  std::vector<std::vector<Cell>> trows;
  for (const auto& r : rows) {
    // The name only (the description is in the variant table): the table is wide.
    std::vector<Cell> row{{"<b>" + h(r.variant) + "</b>", ""}};
    row.push_back(money_cell(r.per_customer));
    row.push_back(delta_cell(r.cost, cost_info));
    row.push_back(money_cell(r.total));
    if (!any_investment) {
      trows.push_back(std::move(row));
      continue;
    }
    row.push_back({!std::isfinite(r.investment) ? std::string("n/a")
                   : r.investment > 0           ? h(amount_text(r.investment, kNaN))
                                                : std::string("<small>none</small>"),
                   "num"});
    row.push_back(money_cell(r.net_return));
    if (r.investment > 0 && r.roi.found && std::isfinite(r.roi.estimate)) row.push_back(money_cell(r.roi, 100.0));
    else row.push_back({"<small>no investment</small>", "num"});
    std::string pb;
    if (!(r.investment > 0)) {
      pb = "<small>no investment</small>";
    } else {
      auto per = [&](double x) {
        return std::isfinite(x) ? fmt::format("{:g}", x)
                                : (p.periods ? fmt::format("&gt; {}", *p.periods) : std::string("beyond"));
      };
      pb = std::isfinite(r.payback) ? "<b>" + per(r.payback) + "</b>" : "not within " + h(periods);
      if (std::isfinite(r.payback_lo) || std::isfinite(r.payback_hi))
        pb += "<br><span class=\"ci\">[" + per(r.payback_lo) + ", " + per(r.payback_hi) + "]</span>";
    }
    row.push_back({pb, "num"});
    trows.push_back(std::move(row));
  }
  std::string out = fmt::format(
      "<p class=\"help\">What each variant is worth to the company against the baseline over {}, in {} (amounts "
      "discounted at the run's discount rate). <b>Net value</b> per customer = CLV − cost; over the base = × {}. "
      "<b>Net return</b> = Δ net value over the base − investment; <b>ROI</b> = net return / investment; "
      "<b>payback</b>: the first period whose cumulative net return reaches 0. Cells are coloured by net value "
      "(blue: the company gains, orange: it loses; bold ▲*/▼*: the 95% interval excludes 0). Δ cost is shown beside "
      "it but never coloured on its own: a fix that keeps customers raises their cost as well as their value.</p>",
      h(periods), h(cur), h(base));
  out += table_html(headers, num, trows);
  if (!any_investment)
    out +=
        "<p class=\"help\">No variant states an investment (<code>investment: {once, per_period}</code> in the "
        "scenario), so there is no net return, ROI or payback to show.</p>";
  if (d_.uncertainty && d_.uncertainty->draws > 0)
    out +=
        "<p class=\"help\">Total intervals of the money figures are the total interval of Δ net value per customer "
        "mapped through (each is linear in it); the payback interval is Monte Carlo only.</p>";
  return out;
}

}  // namespace cxsim::report::html
