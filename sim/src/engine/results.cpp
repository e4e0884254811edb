#include "cxsim/engine/results.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "cxsim/core/errors.h"

namespace cxsim::engine {

using stats::Estimate;
using stats::make_estimate;
using stats::Ratio;

std::vector<MetricDef> headline_metrics(const model::CompiledModel& m, bool with_recovery) {
  std::vector<MetricDef> d;
  auto per_walk = [&](const char* name, int c, const char* desc) {
    d.push_back({name, Ratio::ratio_of(c, kWalks), desc});
  };
  d.push_back({"nps_true", Ratio::nps_of(kPromotersTrue, kDetractorsTrue, kWalks), "NPS over every walk's score"});
  d.push_back({"nps_measured", Ratio::nps_of(kPromotersMeasured, kDetractorsMeasured, kRespondents),
               "NPS over survey respondents"});
  for (std::size_t k = 0; k < m.num_kinds(); ++k)
    d.push_back({"share_" + m.kinds[k], Ratio::ratio_of(kFirstKind + static_cast<int>(k), kWalks),
                 "share of walks ending in kind " + m.kinds[k]});
  if (m.csat.present) {
    per_walk("csat_true", kCsatTrue, "mean CSAT over every walk");
    d.push_back({"csat_measured", Ratio::ratio_of(kCsatMeasured, kRespondents), "mean CSAT over respondents"});
  }
  if (m.ces.present) {
    per_walk("ces_true", kCesTrue, "mean CES over every walk");
    d.push_back({"ces_measured", Ratio::ratio_of(kCesMeasured, kRespondents), "mean CES over respondents"});
  }
  if (m.cx.present) {
    const int c = cx_component(m);
    d.push_back({"cx_index_true", Ratio::ratio_of(c, kWalks), "mean CX index (0-100) over every walk"});
    d.push_back({"cx_index_measured", Ratio::ratio_of(c + 1, kRespondents), "mean CX index over respondents"});
  }
  per_walk("effort_mean", kEffort, "effort per walk");
  per_walk("time_mean", kTime, "journey time per walk");
  for (std::size_t k = 0; k < m.num_kinds(); ++k) {
    const int c = static_cast<int>(k);
    d.push_back({"time_mean_" + m.kinds[k], Ratio::ratio_of(kind_time_component(m, c), kFirstKind + c),
                 "journey time per walk ending in kind " + m.kinds[k] + " (time to resolution)"});
  }
  per_walk("frictions_mean", kFrictions, "friction visits per walk");
  per_walk("switches_mean", kSwitches, "channel switches per walk");
  per_walk("steps_mean", kSteps, "touchpoint visits per walk");
  per_walk("satisfaction_change_mean", kSatisfactionChange, "S_end - S_start per walk");
  d.push_back({"walks_per_customer", Ratio::mean_of(kWalks), "walks per customer"});
  d.push_back({"retention_final", Ratio::mean_of(kAlive), "share alive after the last period"});
  d.push_back({"clv_mean", Ratio::mean_of(kClv), "discounted value per customer"});
  d.push_back({"cost_mean", Ratio::mean_of(kCost), "discounted cost per customer"});
  d.push_back({"net_value_mean", Ratio{{{kClv, 1.0}, {kCost, -1.0}}, {}, 1.0}, "discounted value - cost per customer"});
  per_walk("response_rate", kRespondents, "share of walks answered");
  if (with_recovery) {
    per_walk("recovery_triggered_rate", kRecoveryTriggered, "share of walks that met the trigger");
    per_walk("recovery_reached_rate", kRecoveryReached, "share of walks reached by the program");
    per_walk("recovery_succeeded_rate", kRecoverySucceeded, "share of walks recovered");
  }
  return d;
}

std::vector<std::pair<int, int>> headline_pairs(const model::CompiledModel& m) {
  std::vector<std::pair<int, int>> pairs;
  for (const auto& d : headline_metrics(m, true)) stats::append_pairs(d.ratio.components(), pairs);
  // The gap measured − true NPS (response bias) on one accumulator.
  const int gap[] = {kPromotersMeasured, kDetractorsMeasured, kRespondents, kPromotersTrue, kDetractorsTrue, kWalks};
  stats::append_pairs(gap, pairs);
  return pairs;
}

std::vector<std::pair<int, int>> paired_pairs(const model::CompiledModel& m) {
  const int k = headline_size(m);
  std::vector<std::pair<int, int>> pairs;
  for (const auto& d : headline_metrics(m, true)) {
    std::vector<int> c = d.ratio.components();
    const std::vector<int> b = d.ratio.shifted(k).components();
    c.insert(c.end(), b.begin(), b.end());
    stats::append_pairs(c, pairs);
  }
  return pairs;
}

namespace {

// Linearized SE of ΣY/ΣX from per-customer sums (n customers).
Estimate ratio_from_sums(double sy, double syy, double sxy, double sx, double sxx, double n) {
  if (sx <= 0) return make_estimate(std::nan(""), std::nan(""));
  const double r = sy / sx;
  if (n < 2) return make_estimate(r, std::nan(""));
  double ss = syy - 2 * r * sxy + r * r * sxx;
  if (ss < 0) ss = 0;
  const double xbar = sx / n;
  const double var = ss / (n * (n - 1)) / (xbar * xbar);
  return make_estimate(r, std::sqrt(var));
}

Estimate proportion(double k, double n) {
  if (n <= 0) return make_estimate(std::nan(""), std::nan(""));
  const double p = k / n;
  return make_estimate(p, std::sqrt(std::max(0.0, p * (1 - p)) / n));
}

Estimate nps_from_counts(double p, double d, double n) {
  if (n <= 0) return make_estimate(std::nan(""), std::nan(""));
  const double fp = p / n, fd = d / n;
  const double var = std::max(0.0, fp + fd - (fp - fd) * (fp - fd)) / n;
  return make_estimate(100 * (fp - fd), 100 * std::sqrt(var));
}

// True when some segment has `engagement` (the walk_counts table and the
// periods' walked / idle columns are written).
bool engaged(const model::CompiledModel& m) {
  return std::any_of(m.segments.begin(), m.segments.end(), [](const auto& g) { return g.engages; });
}

// The kind index of a time_mean_<kind> metric, -1 for any other metric.
int time_mean_kind(const model::CompiledModel& m, const std::string& metric) {
  if (!metric.starts_with("time_mean_")) return -1;
  for (std::size_t k = 0; k < m.num_kinds(); ++k)
    if (metric.size() == 10 + m.kinds[k].size() && metric.ends_with(m.kinds[k])) return static_cast<int>(k);
  return -1;
}

// Effective sample size of a kind's time quantile: the customers, or fewer
// when fewer walks ended in the kind (docs/methods/estimators.md).
double kind_n_eff(const VariantAccumulator& acc, int kind) {
  return std::min(static_cast<double>(acc.headline.count()), acc.headline.total(kFirstKind + kind));
}

std::string path_text(const stats::Path& p, const model::CompiledModel& m) {
  std::string s;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (i) s += " > ";
    s += p[i] == 0xFFFF ? std::string("...") : m.touchpoint_ids[p[i]];
  }
  return s;
}

}  // namespace

void EstimateColumns::add_to(io::Table& t, const std::string& name) const {
  t.add_column(name, est);
  t.add_column(name + "_se", se);
  t.add_column(name + "_ci_low", lo);
  t.add_column(name + "_ci_high", hi);
}

void EstimateColumns::add_plain(io::Table& t, const std::string& name) const {
  t.add_column(name, est);
  t.add_column("se", se);
  t.add_column("ci_low", lo);
  t.add_column("ci_high", hi);
}

Estimate find_metric(const io::Table& t, const std::string& metric) {
  const auto& names = t.get_string("metric");
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] != metric) continue;
    const bool cmp = t.has_column("delta");
    const double e = t.get_double(cmp ? "delta" : "estimate")[i];
    return Estimate{e, t.get_double("se")[i], t.get_double("ci_low")[i], t.get_double("ci_high")[i]};
  }
  throw core::RuntimeError("no metric '" + metric + "' in table");
}

VariantTables variant_tables(const Variant& v, const VariantAccumulator& acc) {
  if (acc.lean) throw core::RuntimeError("internal: variant tables of the lean variant '" + v.name + "'");
  const model::CompiledModel& m = v.model;
  VariantTables out;
  const double n = static_cast<double>(acc.headline.count());
  const double walks_total = acc.headline.total(kWalks);

  // Summary.
  {
    std::vector<std::string> names;
    EstimateColumns c;
    for (const auto& d : headline_metrics(m, v.recovery.has_value())) {
      names.push_back(d.name);
      c.push(stats::ratio(acc.headline, d.ratio));
      if (d.name == "time_mean") {
        for (double p : {0.5, 0.9}) {
          names.push_back(p == 0.5 ? "time_p50" : "time_p90");
          // n_eff = customers: conservative when customers walk several times.
          c.push(acc.time_hist.quantile_ci(p, n));
        }
      }
      if (const int k = time_mean_kind(m, d.name); k >= 0) {
        names.push_back("time_p90_" + m.kinds[static_cast<std::size_t>(k)]);
        c.push(acc.kind_time_hist[static_cast<std::size_t>(k)].quantile_ci(0.9, kind_n_eff(acc, k)));
      }
    }
    out.summary.add_column("metric", names);
    c.add_plain(out.summary, "estimate");
  }

  // Survival and periods.
  {
    std::vector<std::int64_t> period;
    EstimateColumns alive;
    double churned = 0;
    out.survival.push_back(1.0);
    period.push_back(0);
    alive.push(make_estimate(1.0, 0.0));
    std::vector<std::int64_t> p_idx;
    std::vector<double> active, respondents, walked_col, idle;
    EstimateColumns nps_t, nps_m, churn;
    std::vector<EstimateColumns> kinds(m.num_kinds());
    std::vector<double> value_mean, cost_mean, net_mean;
    for (std::size_t t = 0; t < acc.periods.size(); ++t) {
      const auto& pa = acc.periods[t];
      churned += pa.churned;
      const Estimate a = proportion(n - churned, n);
      out.survival.push_back(a.estimate);
      period.push_back(static_cast<std::int64_t>(t + 1));
      alive.push(a);
      p_idx.push_back(static_cast<std::int64_t>(t + 1));
      active.push_back(pa.active);
      respondents.push_back(pa.respondents);
      // Per-walk figures over the customers who walked (active − idle).
      const double walked = pa.active - pa.idle;
      nps_t.push(nps_from_counts(pa.promoters, pa.detractors, walked));
      nps_m.push(nps_from_counts(pa.promoters_measured, pa.detractors_measured, pa.respondents));
      churn.push(proportion(pa.churned, pa.active));
      for (std::size_t k = 0; k < m.num_kinds(); ++k) kinds[k].push(proportion(pa.kinds[k], walked));
      walked_col.push_back(walked);
      idle.push_back(pa.idle);
      // Per simulated customer (churned ones count 0): the periods sum to
      // clv_mean and cost_mean up to rounding.
      value_mean.push_back(n > 0 ? pa.value / n : std::nan(""));
      cost_mean.push_back(n > 0 ? pa.cost / n : std::nan(""));
      net_mean.push_back(n > 0 ? (pa.value - pa.cost) / n : std::nan(""));
    }
    out.survival_ci.add_column("period", period);
    alive.add_plain(out.survival_ci, "alive");
    out.periods.add_column("period", p_idx);
    out.periods.add_column("active", active);
    if (engaged(m)) {
      out.periods.add_column("walked", walked_col);
      out.periods.add_column("idle", idle);
    }
    out.periods.add_column("respondents", respondents);
    nps_t.add_to(out.periods, "nps_true");
    nps_m.add_to(out.periods, "nps_measured");
    churn.add_to(out.periods, "churn_rate");
    for (std::size_t k = 0; k < m.num_kinds(); ++k) kinds[k].add_to(out.periods, "share_" + m.kinds[k]);
    out.periods.add_column("value_mean", value_mean);
    out.periods.add_column("cost_mean", cost_mean);
    out.periods.add_column("net_value_mean", net_mean);
  }

  // Walks per customer (with engagement).
  if (engaged(m)) {
    std::vector<std::int64_t> walks;
    std::vector<double> customers;
    EstimateColumns share;
    for (std::size_t w = 0; w < acc.walk_counts.size(); ++w) {
      walks.push_back(static_cast<std::int64_t>(w));
      customers.push_back(acc.walk_counts[w]);
      share.push(proportion(acc.walk_counts[w], n));
    }
    out.walk_counts.add_column("walks", walks);
    out.walk_counts.add_column("customers", customers);
    share.add_to(out.walk_counts, "share");
  }

  // Touchpoints.
  {
    std::vector<std::string> id, channel, stage;
    EstimateColumns visits, fr, sat;
    std::vector<EstimateColumns> exits(m.num_kinds());
    for (std::size_t k = 0; k < m.num_touchpoints(); ++k) {
      const auto& ta = acc.touchpoints[k];
      id.push_back(m.touchpoint_ids[k]);
      channel.push_back(m.channels[m.touchpoint_channel[k]]);
      stage.push_back(m.touchpoint_stage[k]);
      visits.push(ratio_from_sums(ta.visits.y, ta.visits.yy, ta.visits.xy, walks_total, acc.walks_sq, n));
      fr.push(ratio_from_sums(ta.frictions.y, ta.frictions.yy, ta.frictions.xy, ta.visits.y, ta.visits.yy, n));
      sat.push(
          ratio_from_sums(ta.satisfaction.y, ta.satisfaction.yy, ta.satisfaction.xy, ta.visits.y, ta.visits.yy, n));
      // Binomial over walks (a walk ends once): slightly optimistic under
      // customer clustering, stated in docs/results-format.md.
      for (std::size_t c = 0; c < m.num_kinds(); ++c) exits[c].push(proportion(ta.exits[c], walks_total));
    }
    out.touchpoints.add_column("touchpoint", id);
    out.touchpoints.add_column("channel", channel);
    out.touchpoints.add_column("stage", stage);
    visits.add_to(out.touchpoints, "visits_per_walk");
    fr.add_to(out.touchpoints, "friction_rate");
    sat.add_to(out.touchpoints, "satisfaction_change");
    for (std::size_t c = 0; c < m.num_kinds(); ++c) exits[c].add_to(out.touchpoints, "exit_share_" + m.kinds[c]);
  }

  // Channels.
  {
    EstimateColumns visits, fr, sw;
    for (std::size_t c = 0; c < m.channels.size(); ++c) {
      const auto& ca = acc.channels[c];
      visits.push(ratio_from_sums(ca.visits.y, ca.visits.yy, ca.visits.xy, walks_total, acc.walks_sq, n));
      fr.push(ratio_from_sums(ca.frictions.y, ca.frictions.yy, ca.frictions.xy, ca.visits.y, ca.visits.yy, n));
      sw.push(
          ratio_from_sums(ca.switches_into.y, ca.switches_into.yy, ca.switches_into.xy, walks_total, acc.walks_sq, n));
    }
    out.channels.add_column("channel", m.channels);
    visits.add_to(out.channels, "visits_per_walk");
    fr.add_to(out.channels, "friction_rate");
    sw.add_to(out.channels, "switches_into_per_walk");
  }

  // Outcomes (timeout last).
  {
    std::vector<std::string> id, kind;
    std::vector<double> value, count;
    EstimateColumns share;
    for (std::size_t o = 0; o <= m.num_outcomes(); ++o) {
      id.push_back(o < m.num_outcomes() ? m.outcome_ids[o] : std::string("timeout"));
      kind.push_back(m.kinds[m.outcome_kind[o]]);
      value.push_back(m.outcome_value[o]);
      const auto& oa = acc.outcomes[o];
      count.push_back(oa.y);
      share.push(ratio_from_sums(oa.y, oa.yy, oa.xy, walks_total, acc.walks_sq, n));
    }
    out.outcomes.add_column("outcome", id);
    out.outcomes.add_column("kind", kind);
    out.outcomes.add_column("value", value);
    out.outcomes.add_column("walks", count);
    share.add_to(out.outcomes, "share");
  }

  // Segments.
  {
    std::vector<std::string> id;
    std::vector<double> share_in, customers;
    EstimateColumns drawn;
    for (std::size_t g = 0; g < m.segments.size(); ++g) {
      id.push_back(m.segments[g].id);
      share_in.push_back(m.segments[g].share);
      customers.push_back(acc.segment_customers[g]);
      drawn.push(proportion(acc.segment_customers[g], n));
    }
    out.segments.add_column("segment", id);
    out.segments.add_column("share_model", share_in);
    out.segments.add_column("customers", customers);
    drawn.add_to(out.segments, "share_drawn");
  }

  // Reference book: frequent, favourable, unfavourable.
  {
    const std::size_t nk = m.num_kinds();
    const auto all = acc.paths.entries();
    const double support = std::max(30.0, std::floor(walks_total / 1000.0));
    std::vector<std::string> book, path;
    std::vector<std::int64_t> rank, count, error, length;
    std::vector<double> share;
    EstimateColumns nps;
    std::vector<std::vector<double>> kind_share(nk);
    auto push = [&](const char* b, std::size_t r, const stats::HeavyHitters::Entry& e) {
      book.push_back(b);
      rank.push_back(static_cast<std::int64_t>(r));
      path.push_back(path_text(e.path, m));
      length.push_back(static_cast<std::int64_t>(e.path.size()));
      count.push_back(static_cast<std::int64_t>(e.count));
      error.push_back(static_cast<std::int64_t>(e.error));
      share.push_back(walks_total > 0 ? static_cast<double>(e.count) / walks_total : std::nan(""));
      // Attached sums cover the walks observed since the entry was tracked.
      double tracked = 0;
      for (std::size_t k = 0; k < nk; ++k) tracked += e.attached[k];
      for (std::size_t k = 0; k < nk; ++k)
        kind_share[k].push_back(tracked > 0 ? e.attached[k] / tracked : std::nan(""));
      nps.push(nps_from_counts(e.attached[nk], e.attached[nk + 1], tracked));
    };
    const std::size_t top_n = 20;
    for (std::size_t r = 0; r < std::min(top_n, all.size()); ++r) push("frequent", r + 1, all[r]);
    std::vector<const stats::HeavyHitters::Entry*> supported;
    for (const auto& e : all)
      if (static_cast<double>(e.observed()) >= support) supported.push_back(&e);
    auto nps_of = [nk](const stats::HeavyHitters::Entry* e) {
      double tracked = 0;
      for (std::size_t k = 0; k < nk; ++k) tracked += e->attached[k];
      return tracked > 0 ? (e->attached[nk] - e->attached[nk + 1]) / tracked : 0.0;
    };
    std::vector<const stats::HeavyHitters::Entry*> fav = supported;
    std::stable_sort(fav.begin(), fav.end(), [&](auto* a, auto* b) { return nps_of(a) > nps_of(b); });
    for (std::size_t r = 0; r < std::min<std::size_t>(10, fav.size()); ++r) push("favourable", r + 1, *fav[r]);
    std::vector<const stats::HeavyHitters::Entry*> unf = supported;
    std::stable_sort(unf.begin(), unf.end(), [&](auto* a, auto* b) { return nps_of(a) < nps_of(b); });
    for (std::size_t r = 0; r < std::min<std::size_t>(10, unf.size()); ++r) push("unfavourable", r + 1, *unf[r]);
    out.paths.add_column("book", book);
    out.paths.add_column("rank", rank);
    out.paths.add_column("path", path);
    out.paths.add_column("length", length);
    out.paths.add_column("count", count);
    out.paths.add_column("count_error", error);
    out.paths.add_column("share", share);
    nps.add_to(out.paths, "nps");
    for (std::size_t k = 0; k < nk; ++k) out.paths.add_column("share_" + m.kinds[k], kind_share[k]);
  }

  auto hist2 = [](const std::vector<double>& a, const std::vector<double>& b) {
    std::vector<std::int64_t> h;
    for (double x : a) h.push_back(static_cast<std::int64_t>(x));
    for (double x : b) h.push_back(static_cast<std::int64_t>(x));
    return h;
  };
  out.nps_histogram = hist2(acc.nps_hist_true, acc.nps_hist_measured);
  if (m.csat.present) out.csat_histogram = hist2(acc.csat_hist_true, acc.csat_hist_measured);
  if (m.ces.present) out.ces_histogram = hist2(acc.ces_hist_true, acc.ces_hist_measured);
  return out;
}

io::Table comparison_table(const Variant& variant, const Variant& baseline, const PairedAccumulator& paired,
                           const VariantAccumulator& acc_v, const VariantAccumulator& acc_b, const RunSettings&) {
  if (acc_v.lean || acc_b.lean)
    throw core::RuntimeError("internal: comparison table of the lean variant '" + variant.name + "'");
  const int k = headline_size(baseline.model);
  std::vector<std::string> names;
  std::vector<double> base, var;
  EstimateColumns delta;
  for (const auto& d : headline_metrics(baseline.model, variant.recovery.has_value())) {
    names.push_back(d.name);
    base.push_back(stats::ratio(acc_b.headline, d.ratio).estimate);
    var.push_back(stats::ratio(acc_v.headline, d.ratio).estimate);
    delta.push(stats::ratio_difference(paired.joint, d.ratio, d.ratio.shifted(k)));
    if (d.name == "time_mean") {
      // Quantiles: difference of the two estimates, with a paired SE from
      // the customer groups of the two histograms (the same customers in the
      // same group under both): docs/methods/comparisons.md. Exactly 0 with
      // SE 0 when the histograms agree.
      const double n = static_cast<double>(acc_b.headline.count());
      const stats::HistogramGroups groups_v = acc_v.all_time_groups(), groups_b = acc_b.all_time_groups();
      for (double p : {0.5, 0.9}) {
        names.push_back(p == 0.5 ? "time_p50" : "time_p90");
        base.push_back(acc_b.time_hist.quantile(p));
        var.push_back(acc_v.time_hist.quantile(p));
        delta.push(stats::paired_quantile_difference(acc_v.time_hist, groups_v, acc_b.time_hist, groups_b, p, n));
      }
    }
    if (const int c = time_mean_kind(baseline.model, d.name); c >= 0) {
      const auto kc = static_cast<std::size_t>(c);
      names.push_back("time_p90_" + baseline.model.kinds[kc]);
      base.push_back(acc_b.kind_time_hist[kc].quantile(0.9));
      var.push_back(acc_v.kind_time_hist[kc].quantile(0.9));
      delta.push(stats::paired_quantile_difference(acc_v.kind_time_hist[kc], acc_v.kind_time_groups[kc],
                                                   acc_b.kind_time_hist[kc], acc_b.kind_time_groups[kc], 0.9,
                                                   std::min(kind_n_eff(acc_b, c), kind_n_eff(acc_v, c))));
    }
  }
  io::Table t;
  t.add_column("metric", names);
  t.add_column("baseline", base);
  t.add_column("variant", var);
  delta.add_plain(t, "delta");
  return t;
}

double ratio_denominator_total(const stats::MomentAccumulator& acc, const Ratio& r) {
  if (r.den.empty()) return static_cast<double>(acc.count());
  if (acc.count() == 0) return 0.0;
  double t = 0;
  for (const auto& term : r.den) t += term.weight * acc.total(term.index);
  return t;
}

namespace {
// w / pooled, NaN when the pooled denominator is 0.
double share_of(double w, double pooled) { return pooled != 0 ? w / pooled : std::nan(""); }
}  // namespace

io::Table segment_summary_table(const Variant& v, const VariantAccumulator& acc) {
  const model::CompiledModel& m = v.model;
  io::Table t;
  if (acc.segment_headline.size() < 2) return t;
  std::vector<std::string> seg, names;
  std::vector<std::int64_t> customers;
  std::vector<double> weight;
  EstimateColumns c;
  const auto defs = headline_metrics(m, v.recovery.has_value());
  for (std::size_t g = 0; g < acc.segment_headline.size(); ++g) {
    const auto& sa = acc.segment_headline[g];
    for (const auto& d : defs) {
      seg.push_back(m.segments[g].id);
      names.push_back(d.name);
      c.push(stats::ratio(sa, d.ratio));
      customers.push_back(sa.count());
      weight.push_back(share_of(ratio_denominator_total(sa, d.ratio), ratio_denominator_total(acc.headline, d.ratio)));
    }
  }
  t.add_column("segment", seg);
  t.add_column("metric", names);
  c.add_plain(t, "estimate");
  t.add_column("customers", customers);
  t.add_column("weight", weight);
  return t;
}

io::Table segment_comparison_table(const Variant& variant, const Variant& baseline, const PairedAccumulator& paired) {
  const model::CompiledModel& m = baseline.model;
  io::Table t;
  if (paired.segment_joint.size() < 2) return t;
  const int k = headline_size(m);
  std::vector<std::string> seg, names;
  std::vector<std::int64_t> customers;
  std::vector<double> base, var, w_base, w_var;
  EstimateColumns delta;
  const auto defs = headline_metrics(m, variant.recovery.has_value());
  for (std::size_t g = 0; g < paired.segment_joint.size(); ++g) {
    const auto& j = paired.segment_joint[g];
    for (const auto& d : defs) {
      const Ratio rb = d.ratio.shifted(k);
      seg.push_back(m.segments[g].id);
      names.push_back(d.name);
      base.push_back(stats::ratio(j, rb).estimate);
      var.push_back(stats::ratio(j, d.ratio).estimate);
      delta.push(stats::ratio_difference(j, d.ratio, rb));
      customers.push_back(j.count());
      w_base.push_back(share_of(ratio_denominator_total(j, rb), ratio_denominator_total(paired.joint, rb)));
      w_var.push_back(share_of(ratio_denominator_total(j, d.ratio), ratio_denominator_total(paired.joint, d.ratio)));
    }
  }
  t.add_column("segment", seg);
  t.add_column("metric", names);
  t.add_column("baseline", base);
  t.add_column("variant", var);
  delta.add_plain(t, "delta");
  t.add_column("customers", customers);
  t.add_column("weight_baseline", w_base);
  t.add_column("weight_variant", w_var);
  return t;
}

namespace {
// The segment's part of a total over the customer base: base × Σ_{i in s} y_i
// / n, from the segment's mean `e` of y over its n_s customers, with the SE
// of the mean of z_i = 1[i in s]·y_i over all n customers (the customer is
// the unit; the segment's size is random too).
Estimate segment_total(const Estimate& e, double n_s, double n, double base) {
  if (n_s <= 0 || n <= 0) return make_estimate(0.0, 0.0);
  const double sum = n_s * e.estimate;
  const double var_s = n_s >= 2 ? e.se * e.se * n_s : 0.0;  // within-segment sample variance
  const double sum_sq = var_s * (n_s - 1) + n_s * e.estimate * e.estimate;
  if (n < 2) return make_estimate(base * sum / n, std::nan(""));
  const double var_z = std::max(0.0, sum_sq - sum * sum / n) / (n - 1);
  return make_estimate(base * sum / n, base * std::sqrt(var_z / n));
}
}  // namespace

SegmentTables segment_tables(const Variant& v, const VariantAccumulator& acc) {
  const model::CompiledModel& m = v.model;
  SegmentTables out;
  if (acc.segment_periods.size() < 2) return out;
  const std::size_t S = acc.segment_periods.size();
  const bool eng = engaged(m);
  // Periods.
  {
    std::vector<std::string> seg;
    std::vector<std::int64_t> period, customers;
    std::vector<double> active, walked_col, idle, respondents, value_mean, cost_mean, net_mean;
    EstimateColumns alive, nps_t, nps_m, churn;
    std::vector<EstimateColumns> kinds(m.num_kinds());
    for (std::size_t g = 0; g < S; ++g) {
      const double n = static_cast<double>(acc.segment_headline[g].count());
      double churned = 0;
      for (std::size_t t = 0; t < acc.segment_periods[g].size(); ++t) {
        const PeriodAcc& pa = acc.segment_periods[g][t];
        churned += pa.churned;
        const double walked = pa.active - pa.idle;
        seg.push_back(m.segments[g].id);
        period.push_back(static_cast<std::int64_t>(t + 1));
        customers.push_back(static_cast<std::int64_t>(n));
        active.push_back(pa.active);
        walked_col.push_back(walked);
        idle.push_back(pa.idle);
        respondents.push_back(pa.respondents);
        alive.push(proportion(n - churned, n));
        nps_t.push(nps_from_counts(pa.promoters, pa.detractors, walked));
        nps_m.push(nps_from_counts(pa.promoters_measured, pa.detractors_measured, pa.respondents));
        churn.push(proportion(pa.churned, pa.active));
        for (std::size_t k = 0; k < m.num_kinds(); ++k) kinds[k].push(proportion(pa.kinds[k], walked));
        value_mean.push_back(n > 0 ? pa.value / n : std::nan(""));
        cost_mean.push_back(n > 0 ? pa.cost / n : std::nan(""));
        net_mean.push_back(n > 0 ? (pa.value - pa.cost) / n : std::nan(""));
      }
    }
    io::Table& t = out.periods;
    t.add_column("segment", seg);
    t.add_column("period", period);
    t.add_column("customers", customers);
    t.add_column("active", active);
    if (eng) {
      t.add_column("walked", walked_col);
      t.add_column("idle", idle);
    }
    t.add_column("respondents", respondents);
    alive.add_to(t, "alive");
    nps_t.add_to(t, "nps_true");
    nps_m.add_to(t, "nps_measured");
    churn.add_to(t, "churn_rate");
    for (std::size_t k = 0; k < m.num_kinds(); ++k) kinds[k].add_to(t, "share_" + m.kinds[k]);
    t.add_column("value_mean", value_mean);
    t.add_column("cost_mean", cost_mean);
    t.add_column("net_value_mean", net_mean);
  }
  // Touchpoints: visits and friction rate.
  {
    std::vector<std::string> seg, id;
    std::vector<double> visits_col;
    EstimateColumns visits, fr;
    for (std::size_t g = 0; g < S; ++g) {
      const auto& sa = acc.segment_headline[g];
      const double n = static_cast<double>(sa.count());
      const double walks = sa.total(kWalks);
      for (std::size_t k = 0; k < m.num_touchpoints(); ++k) {
        const RatioSums& vi = acc.segment_tp_visits[g][k];
        const RatioSums& f = acc.segment_tp_frictions[g][k];
        seg.push_back(m.segments[g].id);
        id.push_back(m.touchpoint_ids[k]);
        visits_col.push_back(vi.y);
        visits.push(ratio_from_sums(vi.y, vi.yy, vi.xy, walks, acc.segment_walks_sq[g], n));
        fr.push(ratio_from_sums(f.y, f.yy, f.xy, vi.y, vi.yy, n));
      }
    }
    io::Table& t = out.touchpoints;
    t.add_column("segment", seg);
    t.add_column("touchpoint", id);
    t.add_column("visits", visits_col);
    visits.add_to(t, "visits_per_walk");
    fr.add_to(t, "friction_rate");
  }
  // Outcomes (timeout last).
  {
    std::vector<std::string> seg, id, kind;
    std::vector<double> count;
    EstimateColumns share;
    for (std::size_t g = 0; g < S; ++g) {
      const auto& sa = acc.segment_headline[g];
      const double n = static_cast<double>(sa.count());
      const double walks = sa.total(kWalks);
      for (std::size_t o = 0; o <= m.num_outcomes(); ++o) {
        const RatioSums& oa = acc.segment_outcomes[g][o];
        seg.push_back(m.segments[g].id);
        id.push_back(o < m.num_outcomes() ? m.outcome_ids[o] : std::string("timeout"));
        kind.push_back(m.kinds[m.outcome_kind[o]]);
        count.push_back(oa.y);
        share.push(ratio_from_sums(oa.y, oa.yy, oa.xy, walks, acc.segment_walks_sq[g], n));
      }
    }
    io::Table& t = out.outcomes;
    t.add_column("segment", seg);
    t.add_column("outcome", id);
    t.add_column("kind", kind);
    t.add_column("walks", count);
    share.add_to(t, "share");
  }
  return out;
}

io::Table segment_money_table(const Variant& v, const VariantAccumulator& acc, const PairedAccumulator* paired,
                              const RunSettings& s) {
  const model::CompiledModel& m = v.model;
  io::Table t;
  if (acc.segment_headline.size() < 2) return t;
  if (paired != nullptr && paired->segment_joint.size() != acc.segment_headline.size()) return t;
  const int k = headline_size(m);
  const double base = customer_base(s);
  const std::string unit = money_unit(s);
  const Ratio value = Ratio::mean_of(kClv), cost = Ratio::mean_of(kCost);
  const Ratio net{{{kClv, 1.0}, {kCost, -1.0}}, {}, 1.0};
  const struct {
    const char* name;
    const Ratio& r;
  } items[] = {{"value", value}, {"cost", cost}, {"net_value", net}};
  std::vector<std::string> seg, names, units;
  std::vector<std::int64_t> customers;
  std::vector<double> base_customers;
  EstimateColumns c;
  const double n = static_cast<double>(acc.headline.count());
  const double n_paired = paired != nullptr ? static_cast<double>(paired->joint.count()) : 0.0;
  for (std::size_t g = 0; g < acc.segment_headline.size(); ++g) {
    auto row = [&](const std::string& name, const Estimate& e, const std::string& u, double count, double of) {
      seg.push_back(m.segments[g].id);
      names.push_back(name);
      c.push(e);
      units.push_back(u);
      customers.push_back(static_cast<std::int64_t>(count));
      base_customers.push_back(of > 0 ? base * count / of : std::nan(""));
    };
    const auto& sa = acc.segment_headline[g];
    const double n_s = static_cast<double>(sa.count());
    for (const auto& it : items) {
      const Estimate e = stats::ratio(sa, it.r);
      row(std::string(it.name) + "_per_customer", e, unit + " per customer", n_s, n);
      row(std::string(it.name) + "_total", segment_total(e, n_s, n, base), unit, n_s, n);
    }
    if (paired == nullptr) continue;
    const auto& j = paired->segment_joint[g];
    const double n_j = static_cast<double>(j.count());
    for (const auto& it : items) {
      const Estimate d = stats::paired_difference(j, it.r, k);
      row(std::string(it.name) + "_delta_per_customer", d, unit + " per customer", n_j, n_paired);
      row(std::string(it.name) + "_delta_total", segment_total(d, n_j, n_paired, base), unit, n_j, n_paired);
    }
  }
  t.add_column("segment", seg);
  t.add_column("metric", names);
  c.add_plain(t, "estimate");
  t.add_column("unit", units);
  t.add_column("customers", customers);
  t.add_column("base_customers", base_customers);
  return t;
}

std::string money_unit(const RunSettings& s) { return s.currency.empty() ? std::string("units") : s.currency; }

double customer_base(const RunSettings& s) {
  return s.customer_base > 0 ? s.customer_base : static_cast<double>(s.customers);
}

double discounted_investment(const Variant& v, const RunSettings& s, int periods) {
  if (!v.investment) return 0.0;
  double total = v.investment->once, discount = 1.0;
  for (int t = 0; t < periods; ++t) {
    total += v.investment->per_period * discount;
    discount /= (1.0 + s.discount_rate);
  }
  return total;
}

MoneyTables money_tables(const Variant& variant, const Variant& baseline, const PairedAccumulator& paired,
                         const RunSettings& s) {
  MoneyTables out;
  const int k = headline_size(baseline.model);
  const double n = static_cast<double>(paired.joint.count());
  const double base = customer_base(s);
  const std::string unit = money_unit(s);
  const int P = s.periods;

  // Per period: cumulative Δ net value per customer (paired), investment and
  // net return over the base.
  std::vector<std::int64_t> period;
  std::vector<double> invest_cum;
  EstimateColumns delta_cum, return_cum;
  double inv = variant.investment ? variant.investment->once : 0.0, discount = 1.0;
  for (int t = 0; t < P; ++t) {
    inv += variant.investment ? variant.investment->per_period * discount : 0.0;
    discount /= (1.0 + s.discount_rate);
    const auto ti = static_cast<std::size_t>(t);
    const double sy = ti < paired.cum_net_delta.size() ? paired.cum_net_delta[ti] : 0.0;
    const double syy = ti < paired.cum_net_delta_sq.size() ? paired.cum_net_delta_sq[ti] : 0.0;
    Estimate d = make_estimate(std::nan(""), std::nan(""));
    if (n >= 2) {
      const double mean = sy / n;
      const double var = std::max(0.0, syy - sy * mean) / (n * (n - 1));
      d = make_estimate(mean, std::sqrt(var));
    } else if (n >= 1) {
      d = make_estimate(sy / n, std::nan(""));
    }
    period.push_back(t + 1);
    invest_cum.push_back(inv);
    delta_cum.push(d);
    return_cum.push(make_estimate(base * d.estimate - inv, base * d.se));
  }
  out.periods.add_column("period", period);
  delta_cum.add_to(out.periods, "net_value_delta_per_customer_cumulative");
  out.periods.add_column("investment_cumulative", invest_cum);
  return_cum.add_to(out.periods, "net_return_cumulative");

  // Summary.
  const Ratio net{{{kClv, 1.0}, {kCost, -1.0}}, {}, 1.0};
  const Estimate per = stats::paired_difference(paired.joint, net, k);
  const double invest = discounted_investment(variant, s, P);
  std::vector<std::string> names, units;
  EstimateColumns c;
  auto row = [&](const char* name, const Estimate& e, const std::string& u) {
    names.push_back(name);
    c.push(e);
    units.push_back(u);
  };
  row("net_value_delta_per_customer", per, unit + " per customer");
  row("net_value_delta_total", make_estimate(base * per.estimate, base * per.se), unit);
  row("investment", make_estimate(invest, 0.0), unit);
  row("net_return", make_estimate(base * per.estimate - invest, base * per.se), unit);
  row("roi",
      invest > 0 ? make_estimate((base * per.estimate - invest) / invest, base * per.se / invest)
                 : make_estimate(std::nan(""), std::nan("")),
      "ratio");
  // Payback: the first period whose cumulative net return is >= 0; its 95%
  // interval inverts the per-period intervals (earliest period whose upper
  // bound reaches 0, earliest whose lower bound does): comparisons.md.
  auto first = [&](const std::vector<double>& col) {
    for (std::size_t t = 0; t < col.size(); ++t)
      if (col[t] >= 0) return static_cast<double>(t + 1);
    return std::nan("");
  };
  Estimate pay{std::nan(""), std::nan(""), std::nan(""), std::nan("")};
  if (invest > 0) pay = Estimate{first(return_cum.est), std::nan(""), first(return_cum.hi), first(return_cum.lo)};
  row("payback_period", pay, "period");
  out.summary.add_column("metric", names);
  c.add_plain(out.summary, "estimate");
  out.summary.add_column("unit", units);
  out.customer_base = base;
  out.investment = invest;
  out.unit = unit;
  return out;
}

}  // namespace cxsim::engine
