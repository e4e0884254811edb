#include "cxsim/engine/uncertainty.h"

#include <algorithm>
#include <cmath>

#include "cxsim/core/errors.h"
#include "cxsim/core/threads.h"
#include "cxsim/stats/estimates.h"

namespace cxsim::engine {

using stats::quantile_sorted;

UncertaintySummary run_uncertainty(std::uint64_t draws, const DrawVariants& make, const DrawSettings& settings,
                                   const std::function<void(std::uint64_t, std::uint64_t)>& progress,
                                   const std::atomic<int>* stop, const DrawInputs* inputs) {
  UncertaintySummary out;
  out.draws = draws;
  if (draws == 0) return out;
  // The summary tables of draw d (every variant's, then every comparison's).
  const auto tables = [&](std::uint64_t d, int threads, std::vector<std::string>* names) {
    const std::vector<Variant> variants = make(d);
    RunSettings s = settings(d);
    s.threads = threads;
    RunHooks hooks;
    hooks.stop = stop;
    const RunResult r = run(variants, s, hooks);
    std::vector<io::Table> t;
    for (std::size_t v = 0; v < variants.size(); ++v) t.push_back(variant_tables(variants[v], r.variants[v]).summary);
    for (std::size_t v = 1; v < variants.size(); ++v)
      t.push_back(comparison_table(variants[v], variants[0], r.paired[v - 1], r.variants[v], r.variants[0], s));
    if (names != nullptr)
      for (const auto& v : variants) names->push_back(v.name);
    return t;
  };
  // Writes draw d's estimates and variances into the rows sized for every
  // draw by draw 0 (distinct elements per draw: no lock needed).
  const auto record = [&](std::uint64_t d, const std::vector<io::Table>& t) {
    const std::size_t V = out.variants.size();
    if (t.size() != V + out.comparisons.size())
      throw core::RuntimeError("internal: a parameter draw changed the variant list");
    for (std::size_t i = 0; i < t.size(); ++i) {
      auto& rows = i < V ? out.variants[i] : out.comparisons[i - V];
      const auto& names = t[i].get_string("metric");
      const auto& est = t[i].get_double(t[i].has_column("delta") ? "delta" : "estimate");
      const auto& se = t[i].get_double("se");
      if (names.size() != rows.size()) throw core::RuntimeError("internal: a parameter draw changed the metric list");
      for (std::size_t m = 0; m < rows.size(); ++m) {
        rows[m].estimates[d] = est[m];
        rows[m].inner_var[d] = se[m] * se[m];
      }
    }
    if (out.inputs.empty()) return;
    const std::vector<double> x = inputs->values(d);
    for (std::size_t k = 0; k < out.inputs.size(); ++k) out.inputs[k][d] = k < x.size() ? x[k] : std::nan("");
  };
  const int threads = std::max(1, settings(0).threads);
  // Draw 0 alone, with every thread: it fixes the rows' shape.
  {
    const std::vector<io::Table> t = tables(0, threads, &out.variant_names);
    const std::size_t V = out.variant_names.size();
    const auto shape = [&](const io::Table& table) {
      std::vector<MetricDraws> rows;
      for (const auto& n : table.get_string("metric"))
        rows.push_back({n, std::vector<double>(draws), std::vector<double>(draws)});
      return rows;
    };
    for (std::size_t i = 0; i < t.size(); ++i) (i < V ? out.variants : out.comparisons).push_back(shape(t[i]));
    if (inputs != nullptr && inputs->values) {
      out.input_names = inputs->names;
      out.inputs.assign(inputs->names.size(), std::vector<double>(draws));
    }
    record(0, t);
    if (progress) progress(1, draws);
  }
  // The others in parallel: up to `threads` draws at once.
  const auto workers = static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(threads), draws - 1));
  if (workers == 0) return out;
  const int inner = std::max(1, threads / workers);
  std::uint64_t done = 1;
  core::for_each_index(
      1, draws, workers, [&](std::uint64_t d) { record(d, tables(d, inner, nullptr)); },
      [&] {
        ++done;
        if (progress) progress(done, draws);
      });
  return out;
}

io::Table best_table(const UncertaintySummary& u) {
  const std::size_t V = u.variant_names.size();
  io::Table t;
  t.add_column("variant", u.variant_names);
  for (const char* metric : kBestMetrics) {
    std::vector<double> p(V, std::nan(""));
    // The metric's row in every comparison (all or none).
    std::vector<const MetricDraws*> rows;
    for (const auto& c : u.comparisons)
      for (const auto& r : c)
        if (r.metric == metric) rows.push_back(&r);
    if (u.draws > 0 && !u.comparisons.empty() && rows.size() == u.comparisons.size()) {
      std::fill(p.begin(), p.end(), 0.0);
      for (std::uint64_t d = 0; d < u.draws; ++d) {
        double best = 0;  // the baseline's delta
        for (const auto* r : rows) best = std::max(best, r->estimates[d]);
        std::size_t tied = best == 0 ? 1 : 0;
        for (const auto* r : rows) tied += r->estimates[d] == best ? 1 : 0;
        const double credit = 1.0 / static_cast<double>(tied);
        if (best == 0) p[0] += credit;
        for (std::size_t v = 0; v < rows.size(); ++v)
          if (rows[v]->estimates[d] == best) p[v + 1] += credit;
      }
      for (auto& x : p) x /= static_cast<double>(u.draws);
    }
    t.add_column(std::string("p_best_") + metric, std::move(p));
  }
  return t;
}

TotalInterval total_interval(const stats::Estimate& point, const MetricDraws& d) {
  TotalInterval t;
  t.estimate = point.estimate;
  t.mc_low = point.ci_low;
  t.mc_high = point.ci_high;
  t.total_low = point.ci_low;
  t.total_high = point.ci_high;
  t.draw_mean = point.estimate;
  const std::size_t n = d.estimates.size();
  if (n == 0) return t;
  double sum = 0, inner = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sum += d.estimates[i];
    inner += d.inner_var[i];
  }
  const double mean = sum / static_cast<double>(n);
  double ss = 0;
  for (double x : d.estimates) ss += (x - mean) * (x - mean);
  const double between = n > 1 ? ss / static_cast<double>(n - 1) : 0.0;
  const double inner_mean = inner / static_cast<double>(n);
  const double param = std::max(0.0, between - inner_mean);
  t.draw_mean = mean;
  t.between_sd = std::sqrt(between);
  t.inner_sd = std::sqrt(inner_mean);
  t.parameter_sd = std::sqrt(param);
  if (!(param > 0)) return t;  // no parameter spread beyond the inner noise: total = MC
  // Shrink the draws towards their mean so their spread is the parameter
  // spread alone (the inner-noise correction), then take quantiles.
  const double k = std::sqrt(param / between);
  std::vector<double> z(n);
  for (std::size_t i = 0; i < n; ++i) z[i] = mean + k * (d.estimates[i] - mean);
  std::sort(z.begin(), z.end());
  const double dlo = std::max(0.0, mean - quantile_sorted(z, 0.025));
  const double dhi = std::max(0.0, quantile_sorted(z, 0.975) - mean);
  const double hlo = point.estimate - point.ci_low, hhi = point.ci_high - point.estimate;
  if (dlo > 0) t.total_low = point.estimate - std::sqrt(dlo * dlo + hlo * hlo);
  if (dhi > 0) t.total_high = point.estimate + std::sqrt(dhi * dhi + hhi * hhi);
  return t;
}

io::Table uncertainty_table(const io::Table& point, const std::vector<MetricDraws>& rows) {
  const auto& names = point.get_string("metric");
  std::vector<std::string> metric;
  std::vector<double> est, mcl, mch, tl, th, dm, bsd, isd, psd;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const stats::Estimate e = find_metric(point, names[i]);
    MetricDraws none{names[i], {}, {}};
    const MetricDraws* d = &none;
    for (const auto& r : rows)
      if (r.metric == names[i]) d = &r;
    const TotalInterval t = total_interval(e, *d);
    metric.push_back(names[i]);
    est.push_back(t.estimate);
    mcl.push_back(t.mc_low);
    mch.push_back(t.mc_high);
    tl.push_back(t.total_low);
    th.push_back(t.total_high);
    dm.push_back(t.draw_mean);
    bsd.push_back(t.between_sd);
    isd.push_back(t.inner_sd);
    psd.push_back(t.parameter_sd);
  }
  io::Table t;
  t.add_column("metric", std::move(metric));
  t.add_column("estimate", std::move(est));
  t.add_column("mc_low", std::move(mcl));
  t.add_column("mc_high", std::move(mch));
  t.add_column("total_low", std::move(tl));
  t.add_column("total_high", std::move(th));
  t.add_column("draw_mean", std::move(dm));
  t.add_column("between_sd", std::move(bsd));
  t.add_column("inner_sd", std::move(isd));
  t.add_column("parameter_sd", std::move(psd));
  return t;
}

double first_order_variance(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = std::min(x.size(), y.size());
  if (n < 8) return std::nan("");
  for (std::size_t i = 0; i < n; ++i)
    if (std::isnan(x[i]) || std::isnan(y[i])) return std::nan("");
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  const auto bins = static_cast<std::size_t>(std::floor(std::sqrt(static_cast<double>(n))));
  double grand = 0;
  for (std::size_t i = 0; i < n; ++i) grand += y[i];
  grand /= static_cast<double>(n);
  double ssb = 0, ssw = 0, sum_n2 = 0;
  for (std::size_t b = 0; b < bins; ++b) {
    const std::size_t lo = b * n / bins, hi = (b + 1) * n / bins;
    const auto nb = static_cast<double>(hi - lo);
    double mean = 0;
    for (std::size_t i = lo; i < hi; ++i) mean += y[order[i]];
    mean /= nb;
    for (std::size_t i = lo; i < hi; ++i) ssw += (y[order[i]] - mean) * (y[order[i]] - mean);
    ssb += nb * (mean - grand) * (mean - grand);
    sum_n2 += nb * nb;
  }
  const auto N = static_cast<double>(n), B = static_cast<double>(bins);
  const double msb = ssb / (B - 1), msw = ssw / (N - B);
  const double n0 = (N - sum_n2 / N) / (B - 1);
  return std::max(0.0, (msb - msw) / n0);
}

io::Table sensitivity_table(const std::vector<MetricDraws>& rows, const std::vector<std::string>& input_names,
                            const std::vector<std::vector<double>>& inputs) {
  std::vector<std::string> metric, input;
  std::vector<double> first, csd;
  for (const auto& r : rows) {
    const TotalInterval t = total_interval(stats::Estimate{}, r);
    const double vp = t.parameter_sd * t.parameter_sd;
    for (std::size_t k = 0; k < input_names.size() && k < inputs.size(); ++k) {
      const double v = first_order_variance(inputs[k], r.estimates);
      metric.push_back(r.metric);
      input.push_back(input_names[k]);
      first.push_back(vp > 0 && !std::isnan(v) ? std::min(1.0, v / vp) : std::nan(""));
      csd.push_back(std::sqrt(v));
    }
  }
  io::Table t;
  t.add_column("metric", std::move(metric));
  t.add_column("input", std::move(input));
  t.add_column("first_order", std::move(first));
  t.add_column("conditional_sd", std::move(csd));
  return t;
}

}  // namespace cxsim::engine
