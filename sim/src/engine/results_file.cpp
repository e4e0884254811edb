#include "cxsim/engine/results_file.h"

#include <algorithm>
#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "cxsim/core/time.h"
#include "cxsim/core/version.h"
#include "cxsim/engine/queue.h"

namespace cxsim::engine {

namespace {
io::Schema customer_schema() {
  using io::ColumnType;
  return {{"customer", ColumnType::int64},
          {"segment", ColumnType::int64},
          {"satisfaction0", ColumnType::float64},
          {"churn_propensity", ColumnType::float64},
          {"walks", ColumnType::int64},
          {"churned_period", ColumnType::int64},
          {"satisfaction_final", ColumnType::float64},
          {"clv", ColumnType::float64},
          {"cost", ColumnType::float64},
          {"effort", ColumnType::float64},
          {"time", ColumnType::float64},
          {"responses", ColumnType::int64},
          {"last_nps", ColumnType::int64},
          // The lifetime in the convention of `calibrate --lifetimes`
          // (docs/model.md section 9): periods walked, and 1 if the churn
          // draw at the end of the last of them ended it.
          {"periods", ColumnType::int64},
          {"churned", ColumnType::int64}};
}
// The trajectory table (--customer-periods): one row per customer and
// active period.
io::Schema period_schema() {
  using io::ColumnType;
  return {{"customer", ColumnType::int64},       {"period", ColumnType::int64}, {"walked", ColumnType::int64},
          {"satisfaction", ColumnType::float64}, {"nps", ColumnType::int64},    {"nps_measured", ColumnType::int64},
          {"value", ColumnType::float64},        {"cost", ColumnType::float64}, {"churned", ColumnType::int64}};
}
}  // namespace

struct ResultsWriter::Impl {
  io::AtomicFile file;
  std::vector<Variant> const* variants;
  RunSettings settings;
  std::vector<io::TableAppender> customers;
  std::vector<io::TableAppender> periods;
  Impl(const std::filesystem::path& p) : file(p) {}
};

ResultsWriter::ResultsWriter(const std::filesystem::path& path, const Provenance& prov,
                             const std::vector<Variant>& variants, const RunSettings& s, bool customers_out,
                             bool customer_periods)
    : impl_(std::make_unique<Impl>(path)) {
  impl_->variants = &variants;
  impl_->settings = s;
  io::File& f = impl_->file.file();
  f.set_attribute("filetype", "cxsim-results");
  f.set_attribute("format_version", fmt::format("{}.{}", core::results_format_major, core::results_format_minor));
  f.set_attribute("format_version_major", static_cast<std::int64_t>(core::results_format_major));
  f.set_attribute("tool_version", core::tool_version);
  f.set_attribute("seed", static_cast<std::int64_t>(s.seed));
  f.set_attribute("customers", static_cast<std::int64_t>(s.customers));
  f.set_attribute("periods", static_cast<std::int64_t>(s.periods));
  f.set_attribute("discount_rate", s.discount_rate);
  f.set_attribute("currency", s.currency);
  f.set_attribute("chunk_size", static_cast<std::int64_t>(s.chunk_size));
  f.set_attribute("created_utc", core::utc_now_iso8601());
  f.set_attribute("command_line", prov.command_line);
  f.set_attribute("journey", variants.front().model.name);
  io::Group model = f.require_group("model");
  io::write_string(model, "journey_yaml", prov.journey_yaml, {"the journey text as loaded", ""});
  model.set_attribute("journey_path", prov.journey_path);
  model.set_attribute("time_unit", variants.front().model.time_unit);
  // Which way is better per outcome kind (the journey's `good`, else the
  // default for the name), so a reader needs no journey to colour or rank.
  const model::CompiledModel& cm = variants.front().model;
  for (std::size_t k = 0; k < cm.num_kinds(); ++k) {
    const int d = cm.kind_direction_of(k);
    model.set_attribute("kind_" + cm.kinds[k], d > 0 ? "good" : d < 0 ? "bad" : "neutral");
  }
  if (!prov.scenario_yaml.empty()) {
    io::write_string(model, "scenario_yaml", prov.scenario_yaml, {"the scenario text as loaded", ""});
    model.set_attribute("scenario_path", prov.scenario_path);
  }
  io::Group vg = f.require_group("variants");
  for (std::size_t v = 0; v < variants.size(); ++v) {
    io::Group g = vg.require_group(variants[v].name);
    g.set_attribute("description", variants[v].description);
    g.set_attribute("order", static_cast<std::int64_t>(v));
    if (variants[v].investment) {
      g.set_attribute("investment_once", variants[v].investment->once);
      g.set_attribute("investment_per_period", variants[v].investment->per_period);
    }
    if (customers_out) {
      impl_->customers.emplace_back(g, "customers", customer_schema(), 65536, 4);
      if (customer_periods) impl_->periods.emplace_back(g, "customer_periods", period_schema(), 65536, 4);
    }
  }
}

ResultsWriter::~ResultsWriter() = default;

io::File& ResultsWriter::file() { return impl_->file.file(); }

void ResultsWriter::on_chunk(const ChunkResult& chunk) {
  if (impl_->customers.empty()) return;
  for (std::size_t v = 0; v < std::min(chunk.customers.size(), impl_->customers.size()); ++v) {
    io::Table t(customer_schema());
    auto& cust = t.int64s("customer");
    auto& seg = t.int64s("segment");
    auto& s0 = t.doubles("satisfaction0");
    auto& th = t.doubles("churn_propensity");
    auto& w = t.int64s("walks");
    auto& cp = t.int64s("churned_period");
    auto& sf = t.doubles("satisfaction_final");
    auto& clv = t.doubles("clv");
    auto& cost = t.doubles("cost");
    auto& eff = t.doubles("effort");
    auto& tim = t.doubles("time");
    auto& resp = t.int64s("responses");
    auto& nps = t.int64s("last_nps");
    auto& per = t.int64s("periods");
    auto& ch = t.int64s("churned");
    for (const auto& r : chunk.customers[v]) {
      cust.push_back(static_cast<std::int64_t>(r.customer));
      seg.push_back(r.segment);
      s0.push_back(r.satisfaction0);
      th.push_back(r.churn_propensity);
      w.push_back(r.walks);
      cp.push_back(r.churned_period);
      sf.push_back(r.satisfaction_final);
      clv.push_back(r.clv);
      cost.push_back(r.cost);
      eff.push_back(r.effort);
      tim.push_back(r.time);
      resp.push_back(r.responses);
      nps.push_back(r.last_nps);
      per.push_back(r.walks);
      ch.push_back(r.churned_period >= 0 ? 1 : 0);
    }
    impl_->customers[v].append(t);
  }
  for (std::size_t v = 0; v < std::min(chunk.customer_periods.size(), impl_->periods.size()); ++v) {
    io::Table t(period_schema());
    auto& cust = t.int64s("customer");
    auto& per = t.int64s("period");
    auto& walked = t.int64s("walked");
    auto& sat = t.doubles("satisfaction");
    auto& nps = t.int64s("nps");
    auto& npm = t.int64s("nps_measured");
    auto& value = t.doubles("value");
    auto& cost = t.doubles("cost");
    auto& ch = t.int64s("churned");
    for (const auto& r : chunk.customer_periods[v]) {
      cust.push_back(static_cast<std::int64_t>(r.customer));
      per.push_back(r.period + 1);
      walked.push_back(r.walked ? 1 : 0);
      sat.push_back(r.satisfaction);
      nps.push_back(r.nps);
      npm.push_back(r.nps_measured);
      value.push_back(r.value);
      cost.push_back(r.cost);
      ch.push_back(r.churned ? 1 : 0);
    }
    impl_->periods[v].append(t);
  }
}

void ResultsWriter::write_run(const RunResult& result) {
  const auto& variants = *impl_->variants;
  io::File& f = impl_->file.file();
  io::Group vg = f.require_group("variants");
  std::vector<VariantTables> tables;
  double timeout_walks = 0;
  for (std::size_t v = 0; v < variants.size(); ++v) {
    VariantTables t = variant_tables(variants[v], result.variants[v]);
    io::Group g = vg.require_group(variants[v].name);
    io::write_table(g, "summary", t.summary, {"headline metrics with standard errors and 95% CIs", ""});
    io::write_array(g, "nps_histogram", t.nps_histogram, {2, 11},
                    {"NPS score counts 0..10: row 0 true, row 1 measured", "walks"});
    if (!t.csat_histogram.empty())
      io::write_array(g, "csat_histogram", t.csat_histogram, {2, t.csat_histogram.size() / 2},
                      {"CSAT score counts 1..scale: row 0 true, row 1 measured", "walks"});
    if (!t.ces_histogram.empty())
      io::write_array(g, "ces_histogram", t.ces_histogram, {2, t.ces_histogram.size() / 2},
                      {"CES score counts 1..scale: row 0 true, row 1 measured", "walks"});
    io::write_array(g, "survival", t.survival, {t.survival.size()}, {"share alive after t periods, t = 0..P", "share"});
    io::write_table(g, "survival_ci", t.survival_ci, {"survival with standard errors and 95% CIs", ""});
    io::write_table(g, "periods", t.periods, {"per period: active customers, NPS, churn, outcome shares", ""});
    io::write_table(g, "touchpoints", t.touchpoints,
                    {"per touchpoint: visits, friction rate, satisfaction, exits", ""});
    io::write_table(g, "channels", t.channels, {"per channel: visits, friction rate, switches into it", ""});
    io::write_table(g, "outcomes", t.outcomes, {"per outcome: walks and share", ""});
    io::write_table(g, "segments", t.segments, {"per segment: model share and customers drawn", ""});
    if (t.walk_counts.rows() > 0)
      io::write_table(g, "walk_counts", t.walk_counts, {"customers by number of walks (engagement)", ""});
    io::write_table(g, "paths", t.paths, {"reference book: frequent, favourable and unfavourable paths", ""});
    g.set_attribute("customers", static_cast<std::int64_t>(result.variants[v].headline.count()));
    // Walks that hit max_steps (outcome `timeout`), so a reader is warned
    // without scanning the tables (cxsim inspect, docs/results-format.md).
    const double timeouts =
        result.variants[v].headline.total(kFirstKind + static_cast<int>(variants[v].model.timeout_kind()));
    g.set_attribute("walks", static_cast<std::int64_t>(result.variants[v].headline.total(kWalks)));
    g.set_attribute("timeout_walks", static_cast<std::int64_t>(timeouts));
    g.set_attribute("max_steps", static_cast<std::int64_t>(variants[v].model.max_steps));
    timeout_walks += timeouts;
    tables.push_back(std::move(t));
  }
  f.set_attribute("timeout_walks", static_cast<std::int64_t>(timeout_walks));
  // Per segment (docs/model.md section 13): with two or more segments only.
  if (variants.front().model.segments.size() >= 2) {
    io::Group sg = f.require_group("segments");
    for (std::size_t v = 0; v < variants.size(); ++v) {
      io::Group g = sg.require_group(variants[v].name);
      io::write_table(g, "summary", segment_summary_table(variants[v], result.variants[v]),
                      {"headline metrics per segment with standard errors and 95% CIs", ""});
      io::Dataset md = io::write_table(
          g, "money",
          segment_money_table(variants[v], result.variants[v], v == 0 ? nullptr : &result.paired[v - 1],
                              result.settings),
          {"money per segment: value, cost, net value (and their Δ, paired) per customer and over the base", ""});
      md.set_attribute("currency", result.settings.currency);
      md.set_attribute("customer_base", customer_base(result.settings));
      const SegmentTables st = segment_tables(variants[v], result.variants[v]);
      io::write_table(g, "periods", st.periods,
                      {"per segment and period: active, alive, NPS, churn, outcome shares, value and cost", ""});
      io::write_table(g, "touchpoints", st.touchpoints, {"per segment and touchpoint: visits, friction rate", ""});
      io::write_table(g, "outcomes", st.outcomes, {"per segment and outcome: walks and share", ""});
      if (v == 0) continue;
      io::Dataset d =
          io::write_table(g, "comparison", segment_comparison_table(variants[v], variants[0], result.paired[v - 1]),
                          {"variant minus baseline per (baseline) segment, paired by customer", ""});
      d.set_attribute("baseline", variants[0].name);
    }
  }
  // Queues (capacity): the solved model per queue and period, for each variant
  // with a queue (docs/results-format.md, "/queues").
  if (std::any_of(variants.begin(), variants.end(), [](const Variant& v) { return !v.model.queues.empty(); })) {
    io::Group qg = f.require_group("queues");
    for (const auto& v : variants) {
      if (v.model.queues.empty()) continue;
      const QueueTables q = queues_stale(v, result.settings) ? solve_queues(v, result.settings) : *v.queues;
      io::Dataset d = io::write_table(
          qg, v.name, queue_table(v.model, q),
          {"per queue and period: arrivals, offered load, utilisation, P(wait > 0), mean wait, abandonment", ""});
      d.set_attribute("population", q.population);
    }
  }
  // After any precision growth: the default base is the customers simulated.
  f.set_attribute("customer_base", customer_base(result.settings));
  if (variants.size() > 1) {
    io::Group cg = f.require_group("comparisons");
    for (std::size_t v = 1; v < variants.size(); ++v) {
      io::Table t = comparison_table(variants[v], variants[0], result.paired[v - 1], result.variants[v],
                                     result.variants[0], result.settings);
      io::Dataset d = io::write_table(cg, variants[v].name, t,
                                      {"variant minus baseline, paired by customer (common random numbers)", ""});
      d.set_attribute("baseline", variants[0].name);
    }
    io::Group mg = f.require_group("money");
    for (std::size_t v = 1; v < variants.size(); ++v) {
      const MoneyTables m = money_tables(variants[v], variants[0], result.paired[v - 1], result.settings);
      io::Group g = mg.require_group(variants[v].name);
      io::Dataset d = io::write_table(g, "summary", m.summary,
                                      {"money: Δ net value, investment, net return, ROI, payback (paired)", ""});
      d.set_attribute("baseline", variants[0].name);
      d.set_attribute("currency", result.settings.currency);
      d.set_attribute("customer_base", m.customer_base);
      io::write_table(g, "periods", m.periods,
                      {"money per period: cumulative Δ net value, investment and net return", ""});
    }
  }
}

void ResultsWriter::commit() {
  for (auto& c : impl_->customers) c.flush();
  for (auto& c : impl_->periods) c.flush();
  impl_->customers.clear();
  impl_->periods.clear();
  impl_->file.commit();
}

}  // namespace cxsim::engine
