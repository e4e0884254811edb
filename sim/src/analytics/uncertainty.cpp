#include "cxsim/analytics/uncertainty.h"

#include <algorithm>
#include <cmath>

#include "cxsim/analytics/analytics_h5.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/threads.h"
#include "cxsim/stats/estimates.h"

namespace cxsim::analytics {

namespace {

using stats::quantile_sorted;

void add_rows(std::vector<ExactDraws>& rows, const std::vector<std::pair<std::string, double>>& values) {
  if (rows.empty())
    for (const auto& [name, x] : values) rows.push_back({name, {}});
  if (rows.size() != values.size()) throw core::RuntimeError("internal: a parameter draw changed the metric list");
  for (std::size_t i = 0; i < values.size(); ++i) rows[i].values.push_back(values[i].second);
}

}  // namespace

std::vector<std::pair<std::string, double>> summary_values(const model::CompiledModel& m, const JourneyAnalytics& a) {
  const io::Table t = summary_table(m, a);
  const auto& names = t.get_string("metric");
  const auto& est = t.get_double("estimate");
  std::vector<std::pair<std::string, double>> out;
  for (std::size_t i = 0; i < names.size(); ++i) out.emplace_back(names[i], est[i]);
  return out;
}

UncertainAnalytics analyze_uncertainty(std::uint64_t draws, const DrawModels& make, int threads) {
  UncertainAnalytics out;
  out.draws = draws;
  if (draws == 0) return out;
  struct Slot {
    std::vector<std::string> names;
    std::vector<std::vector<std::pair<std::string, double>>> values;  // [variant]
  };
  std::vector<Slot> slots(draws);
  core::for_each_index(0, draws, threads, [&](std::uint64_t d) {
    Slot& slot = slots[d];
    for (const auto& dm : make(d)) {
      slot.names.push_back(dm.name);
      slot.values.push_back(summary_values(dm.model, analyze(dm.model, dm.options)));
    }
  });
  out.variant_names = slots[0].names;
  const std::size_t V = out.variant_names.size();
  out.variants.resize(V);
  out.comparisons.resize(V > 0 ? V - 1 : 0);
  for (std::uint64_t d = 0; d < draws; ++d) {
    const Slot& slot = slots[d];
    if (slot.names != out.variant_names) throw core::RuntimeError("internal: a parameter draw changed the variants");
    for (std::size_t v = 0; v < V; ++v) add_rows(out.variants[v], slot.values[v]);
    for (std::size_t v = 1; v < V; ++v) {
      std::vector<std::pair<std::string, double>> delta;
      for (const auto& [name, x] : slot.values[v])
        for (const auto& [bname, b] : slot.values[0])
          if (bname == name) delta.emplace_back(name, x - b);
      add_rows(out.comparisons[v - 1], delta);
    }
  }
  return out;
}

io::Table exact_uncertainty_table(const std::vector<std::string>& metrics, const std::vector<double>& point,
                                  const std::vector<ExactDraws>& rows) {
  std::vector<double> mean, sd, q025, q975;
  for (const auto& name : metrics) {
    const ExactDraws* r = nullptr;
    for (const auto& x : rows)
      if (x.metric == name) r = &x;
    double m = std::nan(""), s = std::nan(""), lo = std::nan(""), hi = std::nan("");
    if (r != nullptr && !r->values.empty() &&
        std::none_of(r->values.begin(), r->values.end(), [](double x) { return std::isnan(x); })) {
      const auto n = static_cast<double>(r->values.size());
      double sum = 0;
      for (double x : r->values) sum += x;
      m = sum / n;
      double ss = 0;
      for (double x : r->values) ss += (x - m) * (x - m);
      s = r->values.size() > 1 ? std::sqrt(ss / (n - 1)) : 0.0;
      std::vector<double> sorted = r->values;
      std::sort(sorted.begin(), sorted.end());
      lo = quantile_sorted(sorted, 0.025);
      hi = quantile_sorted(sorted, 0.975);
    }
    mean.push_back(m);
    sd.push_back(s);
    q025.push_back(lo);
    q975.push_back(hi);
  }
  io::Table t;
  t.add_column("metric", metrics);
  t.add_column("point", point);
  t.add_column("mean", std::move(mean));
  t.add_column("sd", std::move(sd));
  t.add_column("q025", std::move(q025));
  t.add_column("q975", std::move(q975));
  return t;
}

}  // namespace cxsim::analytics
