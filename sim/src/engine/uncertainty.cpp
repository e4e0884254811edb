#include "cxsim/engine/uncertainty.h"

#include <algorithm>
#include <cmath>

#include "cxsim/core/errors.h"

namespace cxsim::engine {

namespace {

void add_rows(std::vector<MetricDraws>& rows, const io::Table& t) {
  const auto& names = t.get_string("metric");
  const auto& est = t.get_double(t.has_column("delta") ? "delta" : "estimate");
  const auto& se = t.get_double("se");
  if (rows.empty())
    for (const auto& n : names) rows.push_back({n, {}, {}});
  if (rows.size() != names.size()) throw core::RuntimeError("internal: a parameter draw changed the metric list");
  for (std::size_t i = 0; i < names.size(); ++i) {
    rows[i].estimates.push_back(est[i]);
    rows[i].inner_var.push_back(se[i] * se[i]);
  }
}

// Type-7 (linear interpolation) quantile of sorted values.
double quantile_sorted(const std::vector<double>& x, double p) {
  if (x.empty()) return std::nan("");
  const double h = (static_cast<double>(x.size()) - 1) * p;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, x.size() - 1);
  return x[lo] + (h - static_cast<double>(lo)) * (x[hi] - x[lo]);
}

}  // namespace

UncertaintySummary run_uncertainty(std::uint64_t draws, const DrawVariants& make, const DrawSettings& settings,
                                   const std::function<void(std::uint64_t, std::uint64_t)>& progress,
                                   const std::atomic<int>* stop) {
  UncertaintySummary out;
  out.draws = draws;
  for (std::uint64_t d = 0; d < draws; ++d) {
    const std::vector<Variant> variants = make(d);
    const RunSettings s = settings(d);
    RunHooks hooks;
    hooks.stop = stop;
    const RunResult r = run(variants, s, hooks);
    if (d == 0) {
      for (const auto& v : variants) out.variant_names.push_back(v.name);
      out.variants.resize(variants.size());
      out.comparisons.resize(variants.size() - 1);
    }
    for (std::size_t v = 0; v < variants.size(); ++v)
      add_rows(out.variants[v], variant_tables(variants[v], r.variants[v]).summary);
    for (std::size_t v = 1; v < variants.size(); ++v)
      add_rows(out.comparisons[v - 1],
               comparison_table(variants[v], variants[0], r.paired[v - 1], r.variants[v], r.variants[0], s));
    if (progress) progress(d + 1, draws);
  }
  return out;
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

}  // namespace cxsim::engine
