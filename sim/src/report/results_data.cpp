#include "cxsim/report/results_data.h"

#include <algorithm>
#include <cmath>
#include <system_error>

#include <fmt/format.h>

#include "cxsim/core/errors.h"
#include "cxsim/core/version.h"
#include "cxsim/io/h5.h"
#include "cxsim/io/open_results.h"
#include "cxsim/model/journey_spec.h"
#include "cxsim/report/format.h"

namespace cxsim::report {

namespace {

std::optional<std::string> attr_string(const io::Object& o, std::string_view name) {
  if (!o.has_attribute(name) || o.attribute_type(name) != io::AttributeType::string) return std::nullopt;
  return o.attribute_string(name);
}

std::optional<double> attr_number(const io::Object& o, std::string_view name) {
  if (!o.has_attribute(name)) return std::nullopt;
  switch (o.attribute_type(name)) {
    case io::AttributeType::float64: return o.attribute_double(name);
    case io::AttributeType::int64: return static_cast<double>(o.attribute_int64(name));
    default: return std::nullopt;
  }
}

std::optional<std::int64_t> attr_int(const io::Object& o, std::string_view name) {
  if (!o.has_attribute(name) || o.attribute_type(name) != io::AttributeType::int64) return std::nullopt;
  return o.attribute_int64(name);
}

bool is_table(const io::Group& g, std::string_view name) {
  return g.is_dataset(name) && g.open_dataset(name).kind() == io::DatasetKind::table;
}

std::optional<io::Table> optional_table(const io::Group& g, std::string_view name) {
  if (!is_table(g, name)) return std::nullopt;
  return io::read_table(g, name);
}

ScoreHistogram read_histogram(const io::Group& g, std::string_view name, int min_score) {
  ScoreHistogram h;
  if (!g.is_dataset(name)) return h;
  const auto kind = g.open_dataset(name).kind();
  std::vector<double> values;
  std::vector<std::size_t> dims;
  if (kind == io::DatasetKind::int_array) {
    auto a = io::read_array_int64(g, name);
    values.assign(a.values.begin(), a.values.end());
    dims = a.dims;
  } else if (kind == io::DatasetKind::float_array) {
    auto a = io::read_array_double(g, name);
    values = std::move(a.values);
    dims = a.dims;
  } else {
    return h;
  }
  if (dims.size() != 2 || dims[0] != 2 || dims[1] == 0) return h;
  h.categories = dims[1];
  h.min_score = min_score;
  h.true_counts.assign(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(h.categories));
  h.measured_counts.assign(values.begin() + static_cast<std::ptrdiff_t>(h.categories), values.end());
  return h;
}

// A named table that may be stored as a dataset or as a group holding one
// table dataset; its attributes come from whichever holds them.
struct NamedTable {
  io::Table table;
  std::optional<std::string> parameter;
  std::optional<double> reduce_by;
  std::vector<std::string> notes;  // attribute `notes`, one per line
};

std::vector<std::string> notes_of(const io::Object& o) {
  std::vector<std::string> out;
  const std::string all = attr_string(o, "notes").value_or("");
  std::size_t pos = 0;
  while (pos < all.size()) {
    std::size_t nl = all.find('\n', pos);
    if (nl == std::string::npos) nl = all.size();
    if (nl > pos) out.push_back(all.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

void read_attributes(const io::Object& o, NamedTable& nt) {
  nt.parameter = attr_string(o, "parameter");
  nt.reduce_by = attr_number(o, "reduce_by");
  nt.notes = notes_of(o);
}

std::optional<NamedTable> read_named_table(const io::Group& parent, const std::string& name) {
  NamedTable nt;
  if (is_table(parent, name)) {
    read_attributes(parent.open_dataset(name), nt);
    nt.table = io::read_table(parent, name);
    return nt;
  }
  if (!parent.is_group(name)) return std::nullopt;
  io::Group g = parent.open_group(name);
  read_attributes(g, nt);
  for (const auto& child : g.list()) {
    if (!is_table(g, child)) continue;
    io::Dataset d = g.open_dataset(child);
    if (!nt.parameter) nt.parameter = attr_string(d, "parameter");
    if (!nt.reduce_by) nt.reduce_by = attr_number(d, "reduce_by");
    nt.table = io::read_table(g, child);
    return nt;
  }
  return std::nullopt;
}

}  // namespace

int ResultsData::kind_direction(std::string_view kind) const {
  auto it = kind_directions.find(kind);
  return it != kind_directions.end() ? it->second : model::default_kind_direction(kind);
}

int ResultsData::metric_direction(std::string_view metric) const {
  return model::metric_direction(metric, [this](std::string_view k) { return kind_direction(k); });
}

std::vector<std::string> ResultsData::key_metrics(const std::vector<std::string>& metrics) const {
  std::vector<std::string> want = {"nps_true"};
  for (const auto& m : metrics)
    if (m.starts_with("share_") && metric_direction(m) == model::kHigherBetter) want.push_back(m);
  want.push_back("retention_final");
  want.push_back("clv_mean");
  std::vector<std::string> out;
  for (const auto& w : want)
    if (std::find(metrics.begin(), metrics.end(), w) != metrics.end() &&
        std::find(out.begin(), out.end(), w) == out.end())
      out.push_back(w);
  return out;
}

const io::Table* ResultsData::comparison(const std::string& variant) const {
  auto it = comparisons.find(variant);
  return it == comparisons.end() ? nullptr : &it->second;
}

const MoneyData* ResultsData::money_of(const std::string& variant) const {
  auto it = money.find(variant);
  return it == money.end() ? nullptr : &it->second;
}

EstimateRow ResultsData::estimate(const std::string& variant, std::string_view metric, bool delta) const {
  EstimateRow e;
  if (delta) {
    const io::Table* c = comparison(variant);
    if (!c) return e;
    e = metric_estimate(*c, metric);
  } else {
    for (const auto& v : variants)
      if (v.name == variant) e = metric_estimate(v.summary, metric);
  }
  if (!e.found || !uncertainty || uncertainty->draws <= 0) return e;
  const auto& tables = delta ? uncertainty->comparisons : uncertainty->variants;
  auto it = tables.find(variant);
  if (it == tables.end()) return e;
  const std::size_t r = find_row(it->second, "metric", metric);
  if (r == static_cast<std::size_t>(-1)) return e;
  e.total_lo = table_number(it->second, "total_low", r);
  e.total_hi = table_number(it->second, "total_high", r);
  return e;
}

std::string ResultsData::title() const {
  if (!provenance.title.empty()) return provenance.title;
  return provenance.journey;
}

namespace {
ResultsData read_opened(const std::filesystem::path& path, const io::File& f);
}  // namespace

ResultsData read_results(const std::filesystem::path& path) {
  // Every check of the file (type, integrity, version, links) is
  // open_results'; anything malformed found while reading is bad input too.
  const io::OpenedResults r = io::open_results(path, {"cxsim-results"});
  return io::reading_results(path, [&] { return read_opened(path, r.file); });
}

namespace {
ResultsData read_opened(const std::filesystem::path& path, const io::File& f) {
  ResultsData data;
  data.source = path.string();
  Provenance& p = data.provenance;
  p.tool_version = attr_string(f, "tool_version").value_or("");
  p.format_version = attr_string(f, "format_version").value_or("");
  p.created_utc = attr_string(f, "created_utc").value_or("");
  p.command_line = attr_string(f, "command_line").value_or("");
  p.journey = attr_string(f, "journey").value_or("");
  if (auto s = attr_int(f, "seed")) p.seed = static_cast<std::uint64_t>(*s);
  p.customers = attr_int(f, "customers");
  p.periods = attr_int(f, "periods");
  p.discount_rate = attr_number(f, "discount_rate");
  p.title = attr_string(f, "title").value_or("");
  p.currency = attr_string(f, "currency").value_or("");
  p.customer_base = attr_number(f, "customer_base");
  if (f.is_group("model")) {
    io::Group m = f.open_group("model");
    p.journey_path = attr_string(m, "journey_path").value_or("");
    p.scenario_path = attr_string(m, "scenario_path").value_or("");
    if (auto tu = attr_string(m, "time_unit"); tu && !tu->empty()) p.time_unit = *tu;
    if (m.is_dataset("journey_yaml")) p.journey_yaml = io::read_string(m, "journey_yaml");
    if (m.is_dataset("scenario_yaml")) p.scenario_yaml = io::read_string(m, "scenario_yaml");
    for (const auto& a : m.attribute_names()) {
      if (!a.starts_with("kind_") || a.size() == 5) continue;
      const std::string d = attr_string(m, a).value_or("");
      if (d == "good" || d == "bad" || d == "neutral")
        data.kind_directions[a.substr(5)] = d == "good"  ? model::kHigherBetter
                                            : d == "bad" ? model::kLowerBetter
                                                         : model::kNoDirection;
    }
  }

  if (f.is_group("variants")) {
    io::Group vg = f.open_group("variants");
    for (const auto& name : vg.list()) {
      if (!vg.is_group(name)) continue;
      io::Group g = vg.open_group(name);
      if (!g.exists("summary")) continue;
      // Read first: a summary of the wrong kind is the io layer's error, worded as in `inspect`.
      io::Table summary = io::read_table(g, "summary");
      auto column = [&](const char* c, io::ColumnType type) {
        return summary.has_column(c) && summary.column_type(c) == type;
      };
      if (!column("metric", io::ColumnType::string) || !column("estimate", io::ColumnType::float64))
        throw core::InputError(
            fmt::format("{}: /variants/{}/summary has no metric (string) and estimate (float) "
                        "columns",
                        path.string(), name));
      VariantData v;
      v.name = name;
      v.description = attr_string(g, "description").value_or("");
      v.order = attr_int(g, "order").value_or(name == "baseline" ? 0 : 1000);
      v.summary = std::move(summary);
      v.survival_ci = optional_table(g, "survival_ci");
      v.periods = optional_table(g, "periods");
      v.touchpoints = optional_table(g, "touchpoints");
      v.channels = optional_table(g, "channels");
      v.outcomes = optional_table(g, "outcomes");
      v.segments = optional_table(g, "segments");
      v.paths = optional_table(g, "paths");
      if (g.is_dataset("survival") && g.open_dataset("survival").kind() == io::DatasetKind::float_array)
        v.survival = io::read_array_double(g, "survival").values;
      v.nps = read_histogram(g, "nps_histogram", 0);
      v.csat = read_histogram(g, "csat_histogram", 1);
      v.ces = read_histogram(g, "ces_histogram", 1);
      const std::string an = "analytics/" + name;
      if (f.is_group(an)) {
        io::Group a = f.open_group(an);
        v.analytics_summary = optional_table(a, "summary");
        v.analytics_touchpoints = optional_table(a, "touchpoints");
      }
      if (const std::string sg = "segments/" + name; f.is_group(sg)) {
        io::Group s = f.open_group(sg);
        v.segment_summary = optional_table(s, "summary");
        v.segment_comparison = optional_table(s, "comparison");
        v.segment_money = optional_table(s, "money");
        v.segment_periods = optional_table(s, "periods");
        v.segment_touchpoints = optional_table(s, "touchpoints");
        v.segment_outcomes = optional_table(s, "outcomes");
        // Readable only with the columns the report uses (a string `segment`
        // and the table's key).
        auto keep = [](std::optional<io::Table>& t, const char* key) {
          if (!t) return;
          for (const char* c : {"segment", key})
            if (!t->has_column(c) || t->column_type(c) != io::ColumnType::string) {
              t.reset();
              return;
            }
        };
        keep(v.segment_summary, "metric");
        keep(v.segment_comparison, "metric");
        keep(v.segment_money, "metric");
        keep(v.segment_touchpoints, "touchpoint");
        keep(v.segment_outcomes, "outcome");
        if (v.segment_periods && (!v.segment_periods->has_column("segment") ||
                                  v.segment_periods->column_type("segment") != io::ColumnType::string ||
                                  !v.segment_periods->has_column("period")))
          v.segment_periods.reset();
      }
      if (f.is_group("queues")) {
        io::Group q = f.open_group("queues");
        if (is_table(q, name)) v.queues = io::read_table(q, name);
        // Readable only with the columns the report uses.
        bool usable = v.queues.has_value();
        for (const char* c : {"touchpoint", "period", "mean_wait", "utilisation", "p_wait", "abandonment_share"})
          usable = usable && v.queues->has_column(c);
        if (!usable) v.queues.reset();
      }
      data.variants.push_back(std::move(v));
    }
  }
  if (data.variants.empty())
    throw core::InputError(path.string() +
                           ": the results file has no variant with a summary table (an incomplete "
                           "or foreign file?)");
  std::stable_sort(data.variants.begin(), data.variants.end(),
                   [](const VariantData& a, const VariantData& b) { return a.order < b.order; });

  if (f.is_group("comparisons")) {
    io::Group c = f.open_group("comparisons");
    for (const auto& v : data.variants)
      if (is_table(c, v.name)) data.comparisons.emplace(v.name, io::read_table(c, v.name));
  }
  if (f.is_group("sweeps")) {
    io::Group s = f.open_group("sweeps");
    for (const auto& name : s.list()) {
      auto nt = read_named_table(s, name);
      if (!nt || !nt->table.has_column("value") || !nt->table.has_column("metric")) continue;
      data.sweeps.push_back({name, nt->parameter.value_or(name), std::move(nt->table)});
    }
  }
  if (f.is_group("money")) {  // format 1.3
    io::Group mg = f.open_group("money");
    for (const auto& v : data.variants) {
      if (!mg.is_group(v.name)) continue;
      io::Group g = mg.open_group(v.name);
      if (!is_table(g, "summary")) continue;
      MoneyData m;
      m.summary = io::read_table(g, "summary");
      if (!m.summary.has_column("metric") || !m.summary.has_column("estimate")) continue;
      m.periods = optional_table(g, "periods");
      data.money.emplace(v.name, std::move(m));
    }
  }
  if (f.is_group("portfolio") && is_table(f.open_group("portfolio"), "combinations")) {
    io::Group pg = f.open_group("portfolio");
    PortfolioData pd;
    pd.combinations = io::read_table(pg, "combinations");
    pd.interactions = optional_table(pg, "interactions");
    auto text = [&](const char* key) { return pg.has_attribute(key) ? pg.attribute_string(key) : std::string(); };
    auto number = [&](const char* key) {
      return pg.has_attribute(key) ? pg.attribute_double(key) : std::numeric_limits<double>::quiet_NaN();
    };
    pd.objective = text("objective");
    pd.unit = text("unit");
    pd.search = text("search");
    pd.best = text("best");
    pd.candidates = text("candidates");
    pd.budget = number("budget");
    pd.best_probability = number("best_probability");
    if (pd.combinations.has_column("combination") && pd.combinations.has_column("investment") &&
        pd.combinations.has_column("objective") && pd.combinations.has_column("objective_ci_low") &&
        pd.combinations.has_column("objective_ci_high") && pd.combinations.has_column("on_frontier") &&
        pd.combinations.has_column("within_budget"))
      data.portfolio = std::move(pd);
  }
  if (f.is_group("uncertainty")) {  // run --uncertainty N
    io::Group ug = f.open_group("uncertainty");
    UncertaintyData u;
    u.draws = attr_int(ug, "draws").value_or(0);
    u.draws_requested = attr_int(ug, "draws_requested").value_or(u.draws);
    u.description = attr_string(ug, "description").value_or("");
    for (auto [part, into] : {std::pair{"variants", &u.variants}, std::pair{"comparisons", &u.comparisons}}) {
      if (!ug.is_group(part)) continue;
      io::Group g = ug.open_group(part);
      for (const auto& v : data.variants)
        if (is_table(g, v.name)) {
          io::Table t = io::read_table(g, v.name);
          if (t.has_column("metric") && t.has_column("total_low") && t.has_column("total_high"))
            into->emplace(v.name, std::move(t));
        }
    }
    if (ug.is_group("sensitivity")) {
      io::Group sg = ug.open_group("sensitivity");
      for (auto [part, into] :
           {std::pair{"variants", &u.sensitivity_variants}, std::pair{"comparisons", &u.sensitivity_comparisons}}) {
        if (!sg.is_group(part)) continue;
        io::Group g = sg.open_group(part);
        for (const auto& v : data.variants)
          if (is_table(g, v.name)) {
            io::Table t = io::read_table(g, v.name);
            if (t.has_column("metric") && t.has_column("input") && t.has_column("conditional_sd"))
              into->emplace(v.name, std::move(t));
          }
      }
    }
    data.uncertainty = std::move(u);
  }
  if (f.exists("ranking")) {
    auto nt = read_named_table(f, "ranking");
    if (nt && nt->table.has_column("touchpoint") && nt->table.has_column("metric")) {
      RankingData r;
      r.reduce_by = nt->reduce_by.value_or(std::nan(""));
      r.notes = std::move(nt->notes);
      r.table = std::move(nt->table);
      data.ranking = std::move(r);
    }
  }
  return data;
}

}  // namespace

double table_number(const io::Table& t, std::string_view column, std::size_t row) {
  if (!t.has_column(column) || row >= t.rows()) return std::nan("");
  switch (t.column_type(column)) {
    case io::ColumnType::float64: return t.get_double(column)[row];
    case io::ColumnType::int64: return static_cast<double>(t.get_int64(column)[row]);
    default: return std::nan("");
  }
}

std::string table_string(const io::Table& t, std::string_view column, std::size_t row) {
  if (!t.has_column(column) || row >= t.rows() || t.column_type(column) != io::ColumnType::string) return {};
  return t.get_string(column)[row];
}

std::size_t find_row(const io::Table& t, std::string_view key, std::string_view value) {
  if (!t.has_column(key) || t.column_type(key) != io::ColumnType::string) return static_cast<std::size_t>(-1);
  const auto& col = t.get_string(key);
  for (std::size_t i = 0; i < col.size(); ++i)
    if (col[i] == value) return i;
  return static_cast<std::size_t>(-1);
}

EstimateRow table_estimate(const io::Table& t, std::size_t row, std::string_view prefix) {
  EstimateRow e;
  if (row >= t.rows()) return e;
  const std::string p(prefix);
  const std::string sep = p.empty() ? "" : "_";
  std::string est = p.empty() ? "estimate" : p;
  if (p.empty() && !t.has_column("estimate") && t.has_column("delta")) est = "delta";
  if (!t.has_column(est)) return e;
  e.found = true;
  e.estimate = table_number(t, est, row);
  e.se = table_number(t, p + sep + "se", row);
  e.lo = table_number(t, p + sep + "ci_low", row);
  e.hi = table_number(t, p + sep + "ci_high", row);
  return e;
}

EstimateRow metric_estimate(const io::Table& t, std::string_view metric) {
  return table_estimate(t, find_row(t, "metric", metric));
}

std::vector<std::string> column_suffixes(const io::Table& t, std::string_view prefix) {
  const auto names = t.column_names();
  auto has = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  std::vector<std::string> out;
  for (const auto& c : names) {
    if (!c.starts_with(prefix)) continue;
    bool companion = false;
    for (std::string_view tail : {"_se", "_ci_low", "_ci_high"})
      if (c.ends_with(tail) && has(c.substr(0, c.size() - tail.size()))) companion = true;
    if (!companion) out.push_back(c.substr(prefix.size()));
  }
  return out;
}

namespace {
std::string conversion_metric(const io::Table& t, const std::function<int(std::string_view)>& kind_direction) {
  if (!t.has_column("metric") || t.column_type("metric") != io::ColumnType::string) return {};
  std::string first;
  for (const auto& m : t.get_string("metric")) {
    if (!m.starts_with("share_") || m == "share_timeout") continue;
    if (model::metric_direction(m, kind_direction) == model::kHigherBetter) return m;
    if (first.empty()) first = m;
  }
  return first;
}

std::vector<std::string> present(const io::Table& t, std::initializer_list<std::string> names) {
  std::vector<std::string> out;
  for (const auto& n : names)
    if (!n.empty() && find_row(t, "metric", n) != static_cast<std::size_t>(-1)) out.push_back(n);
  return out;
}
}  // namespace

std::vector<std::string> headline_metrics(const io::Table& summary,
                                          const std::function<int(std::string_view)>& kind_direction) {
  return present(summary, {"nps_true", "nps_measured", conversion_metric(summary, kind_direction), "retention_final",
                           "clv_mean", "cost_mean", "net_value_mean", "time_mean"});
}

std::vector<std::string> delta_metrics(const io::Table& table,
                                       const std::function<int(std::string_view)>& kind_direction) {
  return present(table, {"nps_true", conversion_metric(table, kind_direction), "retention_final", "clv_mean",
                         "cost_mean", "net_value_mean"});
}

ExactValue exact_value(const VariantData& v, std::string_view metric, const Provenance& p) {
  ExactValue out;
  if (!v.analytics_summary) return out;
  const io::Table& t = *v.analytics_summary;
  const std::size_t r = find_row(t, "metric", metric == "share_timeout" ? "timeout_prob_exact" : metric);
  if (r == static_cast<std::size_t>(-1)) return out;
  if (t.has_column("exact") && table_number(t, "exact", r) == 0) {
    out.kind = ExactValue::Kind::not_exact;
    return out;
  }
  // Files without `pooled` hold one-walk values: comparable with pooled Monte
  // Carlo estimates only for one period.
  const double x = t.has_column("pooled")           ? table_number(t, "pooled", r)
                   : (p.periods && *p.periods == 1) ? table_number(t, "estimate", r)
                                                    : std::nan("");
  out.kind = std::isfinite(x) ? ExactValue::Kind::value : ExactValue::Kind::not_comparable;
  out.value = x;
  return out;
}

std::string exact_text(const ExactValue& x, double se, double scale) {
  switch (x.kind) {
    case ExactValue::Kind::value: return value_only(x.value, se, scale);
    case ExactValue::Kind::not_exact: return "not exact";
    case ExactValue::Kind::not_comparable: return "n/c";
    case ExactValue::Kind::absent: break;
  }
  return {};
}

std::optional<EstimateRow> timeout_share(const VariantData& v) {
  const auto e = metric_estimate(v.summary, "share_timeout");
  if (e.found && e.estimate > 0) return e;
  return std::nullopt;
}

std::vector<ProvenanceItem> provenance_items(const ResultsData& d) {
  const Provenance& p = d.provenance;
  std::vector<ProvenanceItem> out;
  auto add = [&](std::string label, std::string text, bool code = false, bool in_summary = true) {
    if (!text.empty() || out.empty()) out.push_back({std::move(label), std::move(text), code, in_summary});
  };
  add("Results file", d.source, true);
  add("Journey", p.journey, false, false);
  add("Tool version", p.tool_version.empty() ? "" : "cxsim " + p.tool_version);
  add("Results format", p.format_version);
  add("Created (UTC)", p.created_utc);
  add("Seed", p.seed ? std::to_string(*p.seed) : "");
  add("Customers", p.customers ? std::to_string(*p.customers) : "");
  add("Periods", p.periods ? std::to_string(*p.periods) : "");
  add("Discount rate", p.discount_rate ? plain_number(*p.discount_rate) : "", false, false);
  add("Time unit", p.time_unit, false, false);
  std::string variants;
  for (const auto& v : d.variants) variants += (variants.empty() ? "" : ", ") + v.name;
  add("Variants", variants, false, false);
  add("Command line", p.command_line, true);
  add("Journey file", p.journey_path, true);
  add("Scenario file", p.scenario_path, true);
  return out;
}

double walks_total(const VariantData& v, const Provenance& p) {
  if (v.outcomes && v.outcomes->has_column("walks")) {
    double w = 0;
    for (std::size_t i = 0; i < v.outcomes->rows(); ++i) {
      const double x = table_number(*v.outcomes, "walks", i);
      if (std::isfinite(x)) w += x;
    }
    if (w > 0) return w;
  }
  const auto wpc = metric_estimate(v.summary, "walks_per_customer");
  if (wpc.found && p.customers) return wpc.estimate * static_cast<double>(*p.customers);
  return std::nan("");
}

double binomial_se(double p, double n) {
  if (!(n > 0) || !std::isfinite(p)) return std::nan("");
  return std::sqrt(std::max(0.0, p * (1 - p)) / n);
}

}  // namespace cxsim::report
