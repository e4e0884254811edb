// The Markdown summary: headline table, variant differences, top paths and
// provenance, from the same data as the HTML page.
#include <cmath>

#include <fmt/format.h>

#include "cxsim/report/format.h"
#include "cxsim/report/report.h"

namespace cxsim::report {

// Both in one pass, appending to one string: linear in s.size(). (Replacing
// " > " by repeated find-and-replace from the start was quadratic: a report
// on a 2M-step path took minutes.)
std::string markdown_path(std::string_view path) {
  std::string out;
  out.reserve(path.size() + path.size() / 2);
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == ' ' && path.compare(i, 3, " > ") == 0) {
      out += " → ";
      i += 2;
    } else {
      out += path[i];
    }
  }
  return out;
}

std::string markdown_cell(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

namespace {

std::string row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const auto& c : cells) {
    out += ' ';
    out += markdown_cell(c);
    out += " |";
  }
  return out + "\n";
}

std::string rule(const std::vector<bool>& numeric) {
  std::string out = "|";
  for (bool n : numeric) out += n ? " ---: |" : " --- |";
  return out + "\n";
}

}  // namespace

std::string render_markdown(const ResultsData& d) {
  const Provenance& p = d.provenance;
  const std::string tu = p.time_unit;
  std::string out = fmt::format("# {} — cxsim report\n\n", d.title().empty() ? "cxsim results" : d.title());
  std::string sub;
  if (p.customers) sub += fmt::format("{} customers", *p.customers);
  if (p.periods) sub += fmt::format(" × {} period{}", *p.periods, *p.periods == 1 ? "" : "s");
  if (d.variants.size() > 1) sub += fmt::format(", {} variants", d.variants.size());
  if (!sub.empty()) out += sub + ". ";
  out += "Every estimate is shown as estimate ± 95% half-width with its 95% confidence interval.\n\n";

  const VariantData& b = d.baseline();
  out += d.has_variants() ? fmt::format("## Headline ({})\n\n", b.name) : "## Headline\n\n";
  // With analytics, the exact counterpart of each estimate (see exact_value:
  // pooled over the run's walks, like the estimate).
  const bool with_exact = b.analytics_summary.has_value();
  std::vector<std::string> head{"Metric", "Estimate ± 95%", "95% CI", "Unit"};
  std::vector<bool> numeric{false, true, true, false};
  if (with_exact) {
    head.push_back("Exact (analytics)");
    numeric.push_back(true);
  }
  out += row(head);
  out += rule(numeric);
  const auto& names = b.summary.get_string("metric");
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto e = table_estimate(b.summary, i);
    const MetricInfo mi = metric_info(names[i], tu);
    std::vector<std::string> r{mi.label + " (`" + names[i] + "`)", plus_minus(e.estimate, e.se, mi.scale),
                               interval(e.lo, e.hi, e.se, mi.scale), mi.unit};
    if (with_exact) {
      r.push_back(exact_text(exact_value(b, names[i], p), e.se, mi.scale));
    }
    out += row(r);
  }
  if (with_exact)
    out +=
        "\nExact: the absorbing-chain expectation over every walk of the run's periods (segments weighted by "
        "their expected walks), comparable with the estimate within about 4 standard errors; *not exact*: the "
        "chain has none (a recovery program triggered by satisfaction, or a per-customer metric whose churn depends "
        "on the walks); *n/c*: churn depends on the walks and segments differ, so no exact pooled value exists.\n";
  if (const auto timeout = timeout_share(b))
    out += fmt::format("\n**Warning:** {}% of walks ended in `timeout` (the step limit).\n",
                       plus_minus(timeout->estimate, timeout->se, 100));
  out += "\n";

  if (d.has_variants()) {
    const io::Table* first = d.comparisons.begin()->second.rows() ? &d.comparisons.begin()->second : nullptr;
    const auto metrics = first ? delta_metrics(*first, [&d](std::string_view k) { return d.kind_direction(k); })
                               : std::vector<std::string>{};
    out += "## Variants against the baseline\n\n";
    out += "Δ = variant − baseline, paired by customer; **bold\\*** = the 95% CI excludes 0.\n\n";
    std::vector<std::string> head{"Variant"};
    std::vector<bool> num{false};
    for (const auto& m : metrics) {
      const MetricInfo mi = metric_info(m, tu);
      head.push_back("Δ " + mi.short_label + " (" + mi.delta_unit + ")");
      num.push_back(true);
    }
    out += row(head) + rule(num);
    for (const auto& v : d.variants) {
      const io::Table* c = d.comparison(v.name);
      if (!c) continue;
      std::vector<std::string> r{v.name};
      for (const auto& m : metrics) {
        const MetricInfo mi = metric_info(m, tu);
        const auto e = metric_estimate(*c, m);
        const std::string pm = signed_plus_minus(e.estimate, e.se, mi.scale);
        const std::string ci = interval(e.lo, e.hi, e.se, mi.scale);
        r.push_back(excludes_zero(e.lo, e.hi) ? fmt::format("**{}**\\* {}", pm, ci) : fmt::format("{} {}", pm, ci));
      }
      out += row(r);
    }
    out += "\n";
    for (const auto& v : d.variants)
      if (d.comparison(v.name) && !v.description.empty()) out += fmt::format("- **{}**: {}\n", v.name, v.description);
    out += "\n";
  }

  if (!d.money.empty()) {
    // The money table (results format 1.3), as on the page; Monte Carlo intervals.
    const std::string cur = p.currency.empty() ? std::string("value units") : p.currency;
    out +=
        fmt::format("## Money ({}, discounted, over a customer base of {})\n\n", cur,
                    p.customer_base ? fmt::format("{:.0f}", *p.customer_base) : std::string("the simulated customers"));
    out += row({"Variant", "Δ net value per customer", "Δ net value over the base", "Investment", "Net return",
                "ROI (%)", "Payback period"});
    out += rule({false, true, true, true, true, true, true});
    for (const auto& v : d.variants) {
      auto it = d.money.find(v.name);
      if (it == d.money.end()) continue;
      const io::Table& t = it->second.summary;
      auto cell = [&](std::string_view metric, double scale) {
        const auto e = metric_estimate(t, metric);
        if (!e.found || std::isnan(e.estimate)) return std::string("–");
        const std::string pm = signed_plus_minus(e.estimate, e.se, scale);
        const std::string ci = interval(e.lo, e.hi, e.se, scale);
        return excludes_zero(e.lo, e.hi) ? fmt::format("**{}**\\* {}", pm, ci) : fmt::format("{} {}", pm, ci);
      };
      const auto inv = metric_estimate(t, "investment");
      const auto pb = metric_estimate(t, "payback_period");
      auto period = [&](double x) {
        return std::isfinite(x) ? fmt::format("{:g}", x) : p.periods ? fmt::format("> {}", *p.periods) : "beyond";
      };
      std::string payback = "–";
      if (inv.found && inv.estimate > 0)
        payback = (std::isfinite(pb.estimate) ? period(pb.estimate) : std::string("not within the horizon")) + " [" +
                  period(pb.lo) + ", " + period(pb.hi) + "]";
      out += row({v.name, cell("net_value_delta_per_customer", 1), cell("net_value_delta_total", 1),
                  inv.found ? value_only(inv.estimate, 0) : "–", cell("net_return", 1), cell("roi", 100), payback});
    }
    out += "\n";
  }

  if (b.paths && b.paths->rows() > 0) {
    const io::Table& t = *b.paths;
    out += "## Most frequent paths\n\n";
    out += row({"#", "Path", "Share of walks ± 95%", "Mean NPS ± 95%"});
    out += rule({true, false, true, true});
    int shown = 0;
    for (std::size_t r = 0; r < t.rows() && shown < 10; ++r) {
      if (table_string(t, "book", r) != "frequent") continue;
      ++shown;
      const double share = table_number(t, "share", r);
      const double count = table_number(t, "count", r);
      const double se = binomial_se(share, share > 0 ? count / share : std::nan(""));
      const std::string path = markdown_path(table_string(t, "path", r));
      const auto nps = table_estimate(t, r, "nps");
      out += row({fmt::format("{:.0f}", table_number(t, "rank", r)), path, plus_minus(share, se, 100) + "%",
                  plus_minus(nps.estimate, nps.se)});
    }
    out += "\n";
  }

  out += "## Provenance\n\n";
  for (const auto& it : provenance_items(d))
    if (it.in_summary) out += fmt::format("- {}: {}\n", it.label, it.code ? "`" + it.text + "`" : it.text);
  return out;
}

}  // namespace cxsim::report
