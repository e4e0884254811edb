#include "cxsim/calibrate/calibrate.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>
#include <unordered_map>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "cxsim/calibrate/csv.h"
#include "cxsim/calibrate/durations.h"
#include "cxsim/calibrate/event_log.h"
#include "cxsim/calibrate/journey_writer.h"
#include "cxsim/calibrate/ordered_logit.h"
#include "cxsim/calibrate/posterior.h"
#include "cxsim/calibrate/sbg.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"
#include "cxsim/core/version.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/rng/samplers.h"
#include "cxsim/rng/stream.h"
#include "stages.h"

namespace cxsim::calibrate {

using namespace stages;

namespace {

// ------------------------------------------------------------ helpers

std::string stem_name(const std::string& path) {
  std::string s = std::filesystem::path(path).stem().string();
  return sanitize_id(s.empty() ? "calibrated" : s);
}

double nps_of(const std::vector<double>& p) {
  double prom = 0, det = 0;
  for (int c = 0; c <= 10; ++c) {
    if (c >= 9) prom += p[static_cast<std::size_t>(c)];
    if (c <= 6) det += p[static_cast<std::size_t>(c)];
  }
  return 100 * (prom - det);
}

}  // namespace

std::map<std::string, std::string> parse_key_values(const std::vector<std::string>& items, const std::string& flag) {
  std::map<std::string, std::string> out;
  for (const auto& raw : items) {
    std::size_t start = 0;
    while (start <= raw.size()) {
      std::size_t end = raw.find(',', start);
      if (end == std::string::npos) end = raw.size();
      const std::string item = raw.substr(start, end - start);
      start = end + 1;
      if (item.empty()) continue;
      const auto eq = item.find('=');
      if (eq == std::string::npos || eq == 0)
        throw core::InputError(fmt::format("{} '{}': expected NAME=VALUE", flag, item));
      out[item.substr(0, eq)] = item.substr(eq + 1);
    }
  }
  return out;
}

CalibrationResult calibrate(const CalibrateOptions& o) {
  CalibrationResult res;
  Report& rep = res.report;
  std::string& sum = res.summary;
  auto warn = [&](const std::string& w) { res.warnings.push_back(w); };

  // ---- options
  if (o.events.empty() == o.paths.empty())
    throw core::InputError("give exactly one of --events EVENTS.csv and --paths PATHS.csv");
  if (!o.cohorts.empty() && !o.lifetimes.empty())
    throw core::InputError("give at most one of --cohorts and --lifetimes");
  if (!o.surveys.empty() && o.events.empty())
    throw core::InputError("--surveys needs --events (answers are joined to journeys by journey_id or customer_id)");
  if (!(o.holdout >= 0 && o.holdout < 1)) throw core::InputError("--holdout must be in [0, 1)");
  if (o.satisfaction0_sd < 0) throw core::InputError("--satisfaction0-sd must be >= 0");
  if (o.csat_scale < 2 || o.csat_scale > 100) throw core::InputError("--csat-scale must be in 2..100");
  if (o.ces_scale < 2 || o.ces_scale > 100) throw core::InputError("--ces-scale must be in 2..100");
  if (o.max_line_bytes < 64) throw core::InputError("--max-line-bytes must be >= 64");
  const double unit_s = seconds_per_unit(o.time_unit);
  const DurationChoice dchoice = parse_duration_choice(o.durations);
  CsvOptions csvo;
  csvo.separator = parse_separator(o.separator);
  csvo.max_record_bytes = o.max_line_bytes;
  const ColumnMap map = parse_column_map(o.map);
  std::map<std::string, double> values = o.outcome_values;

  rep.attr("format_version", fmt::format("{}.{}", kFitReportFormatMajor, kFitReportFormatMinor));
  rep.attr_int("format_version_major", kFitReportFormatMajor);
  rep.attr_int("format_version_minor", kFitReportFormatMinor);
  rep.attr("tool_version", std::string(core::tool_version));
  rep.attr("command_line", o.command_line);
  rep.attr_int("seed", static_cast<std::int64_t>(o.seed));
  rep.attr("holdout_fraction", o.holdout);
  rep.attr("input", o.events.empty() ? o.paths : o.events);

  // Data quality of every input file: one table, a row per (source, item).
  auto& dq = rep.table("calibration/data_quality", "row counts and bad rows by reason, per input file");
  dq.str("source").str("item").integer("count");
  auto dqa = [&](const std::string& source, const std::string& item, double v) {
    dq.add("source", source);
    dq.add("item", item);
    dq.add("count", v);
  };
  // The summary lines and data-quality rows of skipped bad rows.
  auto bad_rows = [&](const std::string& source, std::uint64_t n, const std::map<std::string, std::uint64_t>& by,
                      const std::vector<std::string>& examples) {
    dqa(source, "bad_rows", static_cast<double>(n));
    for (const auto& [k, v] : by) dqa(source, "bad_rows: " + k, static_cast<double>(v));
    if (!n) return;
    sum += fmt::format("  bad rows skipped: {} ({})\n", n, reasons(by));
    for (const auto& e : examples) sum += "    " + e + "\n";
  };

  // ---- surveys first (the join needs them while journeys stream by)
  std::optional<SurveyData> sv;
  if (!o.surveys.empty()) sv = read_surveys(o, map, csvo);
  std::vector<Respondent> respondents;
  struct Pending {
    std::int64_t end_ts = std::numeric_limits<std::int64_t>::min();
    Covariates x;
    bool holdout = false;
  };
  std::unordered_map<std::string, Pending> pending;  // customer join

  Aggregate train, hold;
  Dictionary tp_names, oc_names;  // aggregator dictionaries (raw names)
  std::vector<std::uint32_t> end_outcome;  // per touchpoint: "end_<name>" outcome index
  bool has_status = false, has_channel = false, has_outcome_col = false;
  std::vector<std::string> channel_names;
  std::string input_desc;
  std::uint64_t timeouts = 0;
  auto end_of = [&](std::uint32_t tp) {
    if (end_outcome.size() <= tp) end_outcome.resize(tp + 1, kNone);
    if (end_outcome[tp] == kNone) end_outcome[tp] = oc_names.intern("end_" + tp_names.name(tp));
    return end_outcome[tp];
  };

  if (!o.events.empty()) {
    EventReadOptions eo;
    eo.csv = csvo;
    eo.map = map;
    eo.skip_bad_rows = o.skip_bad_rows;
    eo.keep_duplicates = o.keep_duplicates;
    eo.memory_budget_bytes = o.memory_mb << 20;
    eo.tmp_dir = o.tmp_dir;
    EventLogReader reader(o.events, eo);
    std::vector<std::uint32_t> oc_map;  // reader outcome -> aggregator outcome
    std::uint32_t timeout_id = kNone;
    std::vector<Visit> visits;
    const auto st = reader.read([&](const JourneyEvents& j) {
      // Touchpoint indices: the reader's dictionary order is the aggregator's.
      while (tp_names.size() < reader.touchpoints().size())
        tp_names.intern(reader.touchpoints().name(static_cast<std::uint32_t>(tp_names.size())));
      while (oc_map.size() < reader.outcomes().size()) {
        const auto& n = reader.outcomes().name(static_cast<std::uint32_t>(oc_map.size()));
        if (n == "timeout") {
          timeout_id = static_cast<std::uint32_t>(oc_map.size());
          oc_map.push_back(kNone);
        } else {
          oc_map.push_back(oc_names.intern(n));
        }
      }
      visits.clear();
      std::uint32_t out_raw = kNone;
      for (std::size_t i = 0; i < j.events.size(); ++i) {
        const Event& e = j.events[i];
        const double gap = i + 1 < j.events.size()
                               ? static_cast<double>(j.events[i + 1].ts_us - e.ts_us) * 1e-6
                               : kNaN;
        visits.push_back({e.touchpoint, e.status, e.channel, gap});
        if (e.outcome != kNone) out_raw = e.outcome;
      }
      std::uint32_t outcome;
      if (out_raw == timeout_id && out_raw != kNone) {
        outcome = kNone;
        ++timeouts;
      } else if (out_raw != kNone) {
        outcome = oc_map[out_raw];
      } else {
        outcome = end_of(visits.back().tp);
      }
      const bool in_holdout = o.holdout > 0 && hash_uniform(j.id, o.seed) < o.holdout;
      (in_holdout ? hold : train).add(visits, outcome, 1.0);
      if (sv) {
        if (sv->by_journey) {
          auto it = sv->answers.find(j.id);
          if (it != sv->answers.end()) {
            Covariates x = covariates_of(visits);
            for (const auto& a : it->second) respondents.push_back({a, x, in_holdout});
          }
        } else if (sv->answers.count(j.customer)) {
          auto& p = pending[j.customer];
          const std::int64_t end_ts = j.events.back().ts_us;
          if (end_ts >= p.end_ts) {
            p.end_ts = end_ts;
            p.x = covariates_of(visits);
            p.holdout = in_holdout;
          }
        }
      }
    });
    has_status = st.columns.has(Field::status);
    has_channel = st.columns.has(Field::channel);
    has_outcome_col = st.columns.has(Field::outcome);
    channel_names = reader.channels().names();
    std::string colmap;
    for (Field f : {Field::customer_id, Field::journey_id, Field::timestamp, Field::touchpoint, Field::status,
                    Field::channel, Field::outcome})
      if (st.columns.has(f)) colmap += fmt::format("{}{}={}", colmap.empty() ? "" : ", ", field_name(f), st.columns.name(f));
    const char* sepname = st.separator == '\t' ? "tab" : st.separator == ';' ? "';'" : st.separator == '|' ? "'|'" : "','";
    sum += fmt::format("events: {}: {} rows, {} events, {} journeys, {} touchpoints (separator {}; columns {})\n",
                       o.events, st.rows, st.events - st.duplicates, st.journeys, reader.touchpoints().size(), sepname,
                       colmap);
    bad_rows("events", st.bad_rows, st.bad_by_reason, st.bad_examples);
    if (st.duplicates) sum += fmt::format("  exact duplicate rows dropped: {}\n", st.duplicates);
    if (st.runs)
      sum += fmt::format("  external merge: {} sorted runs spilled (buffer budget {} MiB)\n", st.runs, o.memory_mb);
    if (timeouts) sum += fmt::format("  journeys ending in 'timeout' (censored: no exit counted): {}\n", timeouts);
    if (st.customer_conflicts)
      warn(fmt::format("{} journeys name more than one customer_id; the first one is used", st.customer_conflicts));
    if (!has_outcome_col)
      sum += "  no outcome column: each journey ends in outcome end_<its last touchpoint>\n";
    dqa("events", "rows", static_cast<double>(st.rows));
    dqa("events", "events_kept", static_cast<double>(st.events - st.duplicates));
    dqa("events", "journeys", static_cast<double>(st.journeys));
    dqa("events", "duplicates_dropped", static_cast<double>(st.duplicates));
    dqa("events", "timeout_journeys", static_cast<double>(timeouts));
    dqa("events", "customer_conflicts", static_cast<double>(st.customer_conflicts));
    dqa("events", "spill_runs", static_cast<double>(st.runs));
    dqa("events", "peak_buffer_bytes", static_cast<double>(st.peak_buffer_bytes));
    rep.attr_int("rows", static_cast<std::int64_t>(st.rows));
    rep.attr("journeys", static_cast<double>(st.journeys));
    input_desc = fmt::format("{} ({} journeys)", std::filesystem::path(o.events).filename().string(), st.journeys);
  } else {
    // ---- aggregated paths: path;total_conversions;total_conversion_value;total_null
    CsvReader csv(o.paths, csvo);
    std::vector<std::string> f;
    csv.read_header(f, "path;total_conversions;total_conversion_value;total_null");
    auto find = [&](std::initializer_list<const char*> names) -> int {
      for (const char* n : names)
        for (std::size_t i = 0; i < f.size(); ++i) {
          std::string h(trim(f[i]));
          for (char& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          if (h == n) return static_cast<int>(i);
        }
      return -1;
    };
    const int c_path = find({"path", "paths", "journey", "sequence"});
    const int c_conv = find({"total_conversions", "conversions", "total_conversion", "conv"});
    const int c_val = find({"total_conversion_value", "conversion_value", "value", "revenue"});
    const int c_null = find({"total_null", "null", "nulls", "total_nulls", "non_conversions"});
    if (c_path < 0 || (c_conv < 0 && c_null < 0)) {
      core::Diagnostics d;
      d.error({o.paths, 1, 0}, "",
              fmt::format("expected columns path and total_conversions and/or total_null (columns: {})",
                          core::quoted_list(f)));
      throw core::InputError(std::move(d));
    }
    const std::uint32_t conv_id = oc_names.intern("converted");
    const std::uint32_t null_id = oc_names.intern("abandoned");
    BadRowSink sink(o.paths, o.skip_bad_rows);
    std::vector<Visit> visits;
    double total_value = 0, total_conv = 0, rows = 0;
    const std::size_t nf = f.size();
    while (csv.next(f)) {
      ++rows;
      const std::uint64_t line = csv.record_line();
      if (f.size() != nf) {
        sink.bad(line, "", "wrong number of fields", fmt::format("expected {} fields, found {}", nf, f.size()));
        continue;
      }
      const std::string& path = f[static_cast<std::size_t>(c_path)];
      visits.clear();
      bool bad = false;
      std::size_t s = 0;
      while (s <= path.size()) {
        std::size_t e = path.find('>', s);
        if (e == std::string::npos) e = path.size();
        const std::string_view step = trim(std::string_view(path).substr(s, e - s));
        if (step.empty()) {
          bad = true;
          break;
        }
        const auto tp = tp_names.intern(step);
        visits.push_back({tp, Status::none, tp, kNaN});
        s = e + 1;
      }
      if (bad || visits.empty()) {
        sink.bad(line, f.size() > 0 ? "path" : "", "empty path step",
                 fmt::format("'{}' has an empty step (expected 'a > b > c')", shorten(path)));
        continue;
      }
      auto num = [&](int c, const char* what, double& out) -> bool {
        out = 0;
        if (c < 0) return true;
        auto v = parse_number(f[static_cast<std::size_t>(c)]);
        if (!v || *v < 0) {
          sink.bad(line, what, fmt::format("{} not a number >= 0", what),
                   fmt::format("'{}' is not a number >= 0", shorten(f[static_cast<std::size_t>(c)])));
          return false;
        }
        out = *v;
        return true;
      };
      double conv, val, nul;
      if (!num(c_conv, "total_conversions", conv) || !num(c_val, "total_conversion_value", val) ||
          !num(c_null, "total_null", nul))
        continue;
      // Holdout: each of the row's journeys is held out independently with
      // probability --holdout, i.e. an exact binomial split of its counts
      // (Philox stream (seed, Purpose::holdout, customer = data row, period 1)).
      double hc = 0, hn = 0;
      if (o.holdout > 0) {
        rng::Stream stream(o.seed, rng::Purpose::holdout, static_cast<std::uint64_t>(rows), 1, 0);
        auto split = [&](double n) {
          if (n != std::floor(n) || n > 1e15) return n * o.holdout;
          return static_cast<double>(rng::binomial(stream, static_cast<std::int64_t>(n), o.holdout));
        };
        hc = split(conv);
        hn = split(nul);
      }
      train.add(visits, conv_id, conv - hc);
      train.add(visits, null_id, nul - hn);
      hold.add(visits, conv_id, hc);
      hold.add(visits, null_id, hn);
      total_value += val;
      total_conv += conv;
    }
    if (rows == 0) {
      core::Diagnostics d;
      d.error({o.paths, 0, 0}, "", "no paths: the file has a header but no rows");
      throw core::InputError(std::move(d));
    }
    if (total_conv > 0 && !values.count("converted")) values["converted"] = total_value / total_conv;
    channel_names = tp_names.names();
    has_channel = true;
    has_outcome_col = true;
    sum += fmt::format("paths: {}: {} rows, {} journeys, {} touchpoints\n", o.paths, rows, train.journeys + hold.journeys,
                       tp_names.size());
    dqa("paths", "rows", rows);
    dqa("paths", "rows_kept", rows - static_cast<double>(sink.count()));
    dqa("paths", "journeys", std::round(train.journeys + hold.journeys));
    bad_rows("paths", sink.count(), sink.by_reason(), sink.examples());
    rep.attr_int("rows", static_cast<std::int64_t>(rows));
    rep.attr("journeys", train.journeys + hold.journeys);
    input_desc = fmt::format("{} ({} journeys, aggregated paths)", std::filesystem::path(o.paths).filename().string(),
                             train.journeys + hold.journeys);
  }
  if (sv && !sv->by_journey) {
    for (auto& [cust, p] : pending) {
      for (const auto& a : sv->answers.at(cust)) respondents.push_back({a, p.x, p.holdout});
    }
  }
  if (!(train.journeys > 0)) throw core::InputError("no journeys left for fitting (is --holdout too large?)");
  train.ensure_tp(tp_names.size());
  hold.ensure_tp(tp_names.size());
  train.ensure_oc(oc_names.size());
  hold.ensure_oc(oc_names.size());

  // ---- the fitted model
  FittedModel m;
  m.name = o.name.empty() ? stem_name(o.events.empty() ? o.paths : o.events) : sanitize_id(o.name);
  m.time_unit = o.time_unit;
  IdMaker ids;
  const std::size_t T = tp_names.size(), O = oc_names.size();
  std::vector<std::string> tp_id(T), oc_id(O);
  std::vector<int> tp_index(T, -1);  // -> m.touchpoints
  for (std::uint32_t k = 0; k < T; ++k)
    if (train.visits[k] > 0) {
      tp_id[k] = ids.make(tp_names.name(k));
    }
  for (std::uint32_t k = 0; k < O; ++k)
    if (train.outcome_count[k] > 0) oc_id[k] = ids.make(oc_names.name(k));
  long max_len = 0;
  for (const auto& [len, w] : train.lengths) max_len = std::max(max_len, len);
  m.max_steps = static_cast<int>(std::max<long>(1000, 2 * max_len));

  // Maps: collect per (source, status) the observed targets.
  struct RawMap {
    std::vector<std::pair<std::string, double>> t;  // id -> count
    double total = 0;
  };
  std::map<std::uint64_t, RawMap> raw;  // (tp << 1 | friction)
  for (const auto& [key, w] : train.trans) {
    const auto src = static_cast<std::uint32_t>(key >> 34);
    const bool fr = (key >> 33) & 1;
    const bool is_oc = (key >> 32) & 1;
    const auto tgt = static_cast<std::uint32_t>(key & 0xFFFFFFFFu);
    const std::string& id = is_oc ? oc_id[tgt] : tp_id[tgt];
    auto& rm = raw[(static_cast<std::uint64_t>(src) << 1) | (fr ? 1u : 0u)];
    rm.t.emplace_back(id, w);
    rm.total += w;
  }
  for (auto& [k, rm] : raw)
    std::sort(rm.t.begin(), rm.t.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
  auto make_map = [](const RawMap& rm, const std::vector<std::string>& extra_prior_only) {
    FittedMap fm;
    std::vector<double> counts;
    for (const auto& [id, c] : rm.t) {
      fm.targets.push_back({id, c, 0, {}});
      counts.push_back(c);
    }
    // Prior-only targets (a trap's way out): pseudo-count alpha0 and no data.
    const double eps_total = rm.total;
    for (const auto& id : extra_prior_only) fm.targets.push_back({id, 0, 0, {}});
    const std::size_t J = fm.targets.size();
    double a_sum = eps_total + kDirichletAlpha0 * static_cast<double>(J);
    for (std::size_t j = 0; j < J; ++j) {
      const double a = fm.targets[j].count + kDirichletAlpha0;
      fm.targets[j].prob = a / a_sum;
      fm.targets[j].ci = J == 1 ? Interval{1, 1} : beta_interval(a, a_sum - a);
    }
    fm.total = rm.total;
    return fm;
  };

  // Which touchpoints split their next map, and the reachability of outcomes.
  std::vector<std::uint32_t> order;
  for (std::uint32_t k = 0; k < T; ++k)
    if (train.visits[k] > 0) order.push_back(k);
  std::vector<bool> split(T, false);
  for (auto k : order) {
    const auto ok = raw.find(static_cast<std::uint64_t>(k) << 1), fr = raw.find((static_cast<std::uint64_t>(k) << 1) | 1);
    split[k] = has_status && ok != raw.end() && fr != raw.end() && ok->second.total > 0 && fr->second.total > 0;
  }
  // Reverse reachability from outcomes over observed arcs.
  std::map<std::string, std::vector<std::uint32_t>> preds;  // target tp id -> sources
  std::vector<bool> reaches(T, false);
  for (const auto& [key, w] : train.trans) {
    const auto src = static_cast<std::uint32_t>(key >> 34);
    const bool is_oc = (key >> 32) & 1;
    if (is_oc) reaches[src] = true;
    else preds[tp_id[static_cast<std::uint32_t>(key & 0xFFFFFFFFu)]].push_back(src);
  }
  {
    std::vector<std::uint32_t> stack;
    for (auto k : order)
      if (reaches[k]) stack.push_back(k);
    while (!stack.empty()) {
      const auto k = stack.back();
      stack.pop_back();
      for (auto s : preds[tp_id[k]])
        if (!reaches[s]) {
          reaches[s] = true;
          stack.push_back(s);
        }
    }
  }
  bool need_unobserved = false;
  for (auto k : order)
    if (!reaches[k]) need_unobserved = true;
  std::string unobserved_id;
  if (need_unobserved) unobserved_id = ids.make("unobserved");

  // Channels: the most frequent per touchpoint.
  std::vector<std::pair<double, std::uint32_t>> best_channel(T, {0.0, kNone});
  for (const auto& [key, w] : train.channel_counts) {
    const auto tp = static_cast<std::uint32_t>(key >> 32);
    const auto ch = static_cast<std::uint32_t>(key & 0xFFFFFFFFu);
    auto& b = best_channel[tp];
    if (w > b.first || (w == b.first && ch < b.second)) b = {w, ch};
  }

  auto& t_tp = rep.table("calibration/touchpoints", "per touchpoint: visits, friction (Beta posterior), channel");
  t_tp.str("id").str("name").str("channel").num("visits").num("friction_visits").num("friction").num("friction_ci_low")
      .num("friction_ci_high").num("exits").num("journeys_started");
  auto& t_tr = rep.table("calibration/transitions",
                         "next-map counts and Dirichlet posterior (prior 0.5 per observed target): mean, 95% CrI");
  t_tr.str("source").str("status").str("target").num("count").num("total").num("probability").num("ci_low").num("ci_high");
  auto& t_du = rep.table("calibration/durations", "duration fits per touchpoint and status (time unit of the journey)");
  t_du.str("touchpoint").str("status").str("family").integer("gaps").integer("zero_gaps").num("lognormal_median")
      .num("lognormal_p90").num("lognormal_aic").num("exponential_mean").num("exponential_aic").num("gamma_mean")
      .num("gamma_sd").num("gamma_aic");
  auto add_tr = [&](const std::string& src, const std::string& status, const FittedMap& fm) {
    for (const auto& t : fm.targets) {
      t_tr.add("source", src);
      t_tr.add("status", status);
      t_tr.add("target", t.id);
      t_tr.add("count", t.count);
      t_tr.add("total", fm.total);
      t_tr.add("probability", t.prob);
      t_tr.add("ci_low", t.ci.lo);
      t_tr.add("ci_high", t.ci.hi);
    }
  };
  auto add_du = [&](const std::string& tp, const std::string& status, const DurationFit& d) {
    t_du.add("touchpoint", tp);
    t_du.add("status", status);
    t_du.add("family", d.family);
    t_du.add("gaps", d.n + d.zeros);
    t_du.add("zero_gaps", d.zeros);
    t_du.add("lognormal_median", d.ln_median);
    t_du.add("lognormal_p90", d.ln_p90);
    t_du.add("lognormal_aic", d.ln_aic);
    t_du.add("exponential_mean", d.exp_mean);
    t_du.add("exponential_aic", d.exp_aic);
    t_du.add("gamma_mean", d.gamma_mean);
    t_du.add("gamma_sd", d.gamma_sd);
    t_du.add("gamma_aic", d.gamma_aic);
  };

  {
    RawMap sm;
    for (auto k : order)
      if (train.start[k] > 0) sm.t.emplace_back(tp_id[k], train.start[k]), sm.total += train.start[k];
    std::sort(sm.t.begin(), sm.t.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    m.start = make_map(sm, {});
    add_tr("start", "", m.start);
  }
  std::vector<std::string> trap_ids;
  for (auto k : order) {
    FittedTouchpoint t;
    t.id = tp_id[k];
    t.name = tp_names.name(k);
    t.channel = best_channel[k].second != kNone ? channel_names[best_channel[k].second] : "unknown";
    t.visits = train.visits[k];
    t.friction_visits = train.fr_visits[k];
    t.has_status = has_status;
    if (has_status) t.friction = beta_posterior(t.friction_visits, t.visits);
    std::vector<std::string> extra;
    if (!reaches[k]) {
      extra.push_back(unobserved_id);
      trap_ids.push_back(t.id);
    }
    const RawMap empty;
    auto get = [&](bool fr) -> const RawMap& {
      auto it = raw.find((static_cast<std::uint64_t>(k) << 1) | (fr ? 1u : 0u));
      return it == raw.end() ? empty : it->second;
    };
    t.split = split[k];
    if (t.split) {
      t.ok = make_map(get(false), extra);
      t.fr = make_map(get(true), extra);
      add_tr(t.id, "ok", t.ok);
      add_tr(t.id, "friction", t.fr);
    } else {
      // Pooled over ok and friction visits.
      RawMap pooled;
      std::map<std::string, double> acc;
      for (bool fr : {false, true})
        for (const auto& [id, c] : get(fr).t) acc[id] += c;
      for (const auto& [id, c] : acc) pooled.t.emplace_back(id, c), pooled.total += c;
      std::sort(pooled.t.begin(), pooled.t.end(), [](const auto& a, const auto& b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
      });
      t.ok = make_map(pooled, extra);
      add_tr(t.id, has_status ? "any" : "", t.ok);
    }
    // Durations.
    const DurationStats& d0 = train.dur[0][k];
    const DurationStats& d1 = train.dur[1][k];
    t.dur_split = has_status && d0.total() >= 5 && d1.total() >= 5;
    if (t.dur_split) {
      t.dur_ok = fit_durations(d0, dchoice, unit_s);
      t.dur_fr = fit_durations(d1, dchoice, unit_s);
      add_du(t.id, "ok", t.dur_ok);
      add_du(t.id, "friction", t.dur_fr);
    } else {
      DurationStats pooled = d0;
      pooled.merge(d1);
      t.dur_ok = fit_durations(pooled, dchoice, unit_s);
      add_du(t.id, "any", t.dur_ok);
    }
    tp_index[k] = static_cast<int>(m.touchpoints.size());
    m.touchpoints.push_back(std::move(t));
  }
  // Outcomes.
  auto& t_oc = rep.table("calibration/outcomes", "outcomes reached by training journeys");
  t_oc.str("id").str("name").str("kind").num("journeys").num("share").num("value");
  for (std::uint32_t k = 0; k < O; ++k) {
    if (oc_id[k].empty()) continue;
    FittedOutcome oc;
    oc.id = oc_id[k];
    oc.name = oc_names.name(k);
    auto kit = o.outcome_kinds.find(oc.name);
    if (kit == o.outcome_kinds.end()) kit = o.outcome_kinds.find(oc.id);
    oc.kind = kit != o.outcome_kinds.end() ? kit->second : oc.id;
    auto vit = values.find(oc.name);
    if (vit == values.end()) vit = values.find(oc.id);
    oc.value = vit != values.end() ? vit->second : 0.0;
    oc.count = train.outcome_count[k];
    t_oc.add("id", oc.id);
    t_oc.add("name", oc.name);
    t_oc.add("kind", oc.kind);
    t_oc.add("journeys", oc.count);
    t_oc.add("share", oc.count / train.journeys);
    t_oc.add("value", oc.value);
    m.outcomes.push_back(std::move(oc));
  }
  if (need_unobserved) {
    m.outcomes.push_back({unobserved_id, "(no exit observed)", "unobserved", 0.0, 0.0});
    warn(fmt::format("no exit was ever observed from {} (only censored journeys pass there): an outcome '{}' with "
                     "prior-only probability was added so that the model has no trap",
                     core::quoted_list(trap_ids), unobserved_id));
  }
  {
    // The kinds must fit the results tables (model::kKindColumnBudget), or the
    // fitted journey would not validate (and a run could not write it).
    std::set<std::string> kinds;
    for (const auto& oc : m.outcomes) kinds.insert(oc.kind);
    const std::size_t cost = model::kind_column_cost({kinds.begin(), kinds.end()});
    if (cost > model::kKindColumnBudget)
      throw core::InputError(fmt::format(
          "{}: the data have {} distinct outcome kinds, too many for a journey's results tables ((name length + {}) "
          "summed over the kinds and 'timeout' is {}, more than {}: about 190 kinds of 10 characters); merge outcomes "
          "into fewer kinds with --outcome-kind OUTCOME=KIND[,...]",
          o.events.empty() ? o.paths : o.events, kinds.size(), model::kKindColumnCost, cost, model::kKindColumnBudget));
  }
  for (const auto& t : m.touchpoints) {
    t_tp.add("id", t.id);
    t_tp.add("name", t.name);
    t_tp.add("channel", t.channel);
    t_tp.add("visits", t.visits);
    t_tp.add("friction_visits", t.friction_visits);
    t_tp.add("friction", t.has_status ? t.friction.mean : kNaN);
    t_tp.add("friction_ci_low", t.has_status ? t.friction.interval.lo : kNaN);
    t_tp.add("friction_ci_high", t.has_status ? t.friction.interval.hi : kNaN);
  }
  for (auto k : order) {
    double exits = 0;
    for (bool fr : {false, true}) {
      auto it = raw.find((static_cast<std::uint64_t>(k) << 1) | (fr ? 1u : 0u));
      if (it == raw.end()) continue;
      for (const auto& [id, c] : it->second.t)
        for (const auto& oc : m.outcomes)
          if (oc.id == id) exits += c;
    }
    t_tp.add("exits", exits);
    t_tp.add("journeys_started", train.start[k]);
  }

  // ---- surveys: ordered logits
  OrderedLogitFit nps_fit, csat_fit, ces_fit;
  std::vector<std::size_t> train_resp, hold_resp;
  Eigen::MatrixXd X;
  const std::size_t P = 2 * T + 1;  // ok/friction per touchpoint + switches
  const double attenuation = std::sqrt(1.0 + kAttenuationC2 * o.satisfaction0_sd * o.satisfaction0_sd);
  auto dense = [&](const Covariates& c, auto&& row) {
    row.setZero();
    for (const auto& [col, v] : c) {
      if (col == kSwitchColumn) row(static_cast<Eigen::Index>(P - 1)) = v;
      else if (col < P - 1) row(static_cast<Eigen::Index>(col)) = v;
    }
  };
  if (sv) {
    for (std::size_t i = 0; i < respondents.size(); ++i) (respondents[i].holdout ? hold_resp : train_resp).push_back(i);
    double matched_keys = 0;
    if (sv->by_journey) {
      matched_keys = static_cast<double>(respondents.size());
    } else {
      for (auto& [c, p] : pending) matched_keys += static_cast<double>(sv->answers.at(c).size());
    }
    const double answers_total = static_cast<double>(sv->rows - sv->bad_rows);
    sum += fmt::format("surveys: {}: {} answers ({}{}{}), {} joined to journeys by {} (column '{}'); {} used for "
                       "fitting\n",
                       o.surveys, answers_total, "nps", sv->has_csat ? ", csat" : "", sv->has_ces ? ", ces" : "",
                       matched_keys, sv->by_journey ? "journey_id" : "customer_id (that customer's last journey)",
                       sv->join_column, train_resp.size());
    if (answers_total > matched_keys)
      warn(fmt::format("{} survey answers match no journey of the event log and are ignored",
                       answers_total - matched_keys));
    dqa("surveys", "rows", static_cast<double>(sv->rows));
    dqa("surveys", "answers_joined", matched_keys);
    dqa("surveys", "answers_used_for_fitting", static_cast<double>(train_resp.size()));
    bad_rows("surveys", sv->bad_rows, sv->bad_by_reason, sv->bad_examples);
    X.resize(static_cast<Eigen::Index>(train_resp.size()), static_cast<Eigen::Index>(P));
    for (std::size_t r = 0; r < train_resp.size(); ++r)
      dense(respondents[train_resp[r]].x, X.row(static_cast<Eigen::Index>(r)));
    auto fit_scale = [&](int Answer::*field, int categories, int offset, Eigen::MatrixXd& Xs) {
      std::vector<int> y;
      std::vector<Eigen::Index> rows;
      for (std::size_t r = 0; r < train_resp.size(); ++r) {
        const int v = respondents[train_resp[r]].a.*field;
        if (v < 0) continue;
        y.push_back(v - offset);
        rows.push_back(static_cast<Eigen::Index>(r));
      }
      Xs.resize(static_cast<Eigen::Index>(rows.size()), X.cols());
      for (std::size_t i = 0; i < rows.size(); ++i) Xs.row(static_cast<Eigen::Index>(i)) = X.row(rows[i]);
      return fit_ordered_logit(y, Xs, categories);
    };
    Eigen::MatrixXd Xn, Xc, Xe;
    nps_fit = fit_scale(&Answer::nps, 11, 0, Xn);
    if (sv->has_csat) csat_fit = fit_scale(&Answer::csat, o.csat_scale, 1, Xc);
    if (sv->has_ces) ces_fit = fit_scale(&Answer::ces, o.ces_scale, 1, Xe);
    if (!nps_fit.converged) warn("NPS ordered logit: " + nps_fit.note);
    if (sv->has_csat && !csat_fit.converged && !csat_fit.note.empty()) warn("CSAT ordered logit: " + csat_fit.note);
    if (sv->has_ces && !ces_fit.converged && !ces_fit.note.empty()) warn("CES ordered logit: " + ces_fit.note);

    std::vector<std::string> separated;
    auto coefficient = [&](const OrderedLogitFit& f, std::size_t col, double sign, const std::string& what) {
      Coefficient c;
      if (col < f.beta.size() && !f.dropped[col] && std::isfinite(f.beta[col])) {
        c.identified = true;
        c.estimate = sign * f.beta[col] * attenuation;
        c.se = f.beta_se[col] * attenuation;
        // (Quasi-)separation: the likelihood keeps rising along this
        // coefficient; the estimate is only a bound.
        if (!(c.se < 25.0)) separated.push_back(what);
      }
      return c;
    };
    const bool nps_ok = !nps_fit.observed.empty() && nps_fit.observed.size() >= 2;
    for (auto k : order) {
      auto& t = m.touchpoints[static_cast<std::size_t>(tp_index[k])];
      if (nps_ok) {
        t.has_sat = true;
        t.sat_ok = coefficient(nps_fit, 2 * k, 1.0, "NPS " + tp_id[k] + ".ok");
        t.sat_fr = coefficient(nps_fit, 2 * k + 1, 1.0, "NPS " + tp_id[k] + ".friction");
        if (!has_status) t.sat_fr = t.sat_ok;
      }
      if (sv->has_ces && ces_fit.observed.size() >= 2) {
        t.has_eff = true;
        t.eff_ok = coefficient(ces_fit, 2 * k, -1.0, "CES " + tp_id[k] + ".ok");
        t.eff_fr = coefficient(ces_fit, 2 * k + 1, -1.0, "CES " + tp_id[k] + ".friction");
        if (!has_status) t.eff_fr = t.eff_ok;
      }
    }
    if (has_channel && nps_ok) {
      m.has_switch = true;
      m.switch_sat = coefficient(nps_fit, P - 1, 1.0, "NPS channel_switch");
      if (sv->has_ces && ces_fit.observed.size() >= 2)
        m.switch_eff = coefficient(ces_fit, P - 1, -1.0, "CES channel_switch");
    }
    if (!separated.empty())
      warn(fmt::format("(quasi-)separation, estimates are bounds only and their standard errors huge: {}",
                       core::quoted_list(separated)));
    m.has_survey = true;
    m.response_rate = train.journeys > 0 ? static_cast<double>(train_resp.size()) / train.journeys : 1.0;
    auto baseline = [&](const OrderedLogitFit& f, FittedScale& s, int scale, double respondents_n) {
      if (f.observed.size() < 2) {
        if (f.observed.size() == 1) {
          s.present = true;
          s.scale = scale;
          s.baseline.assign(static_cast<std::size_t>(scale), 0.0);
          s.baseline[static_cast<std::size_t>(f.observed[0])] = 1.0;
          s.respondents = respondents_n;
        }
        return;
      }
      s.present = true;
      s.scale = scale;
      s.respondents = respondents_n;
      // Corrected cut-points when --satisfaction0-sd is given.
      OrderedLogitFit g = f;
      for (double& c : g.cut) c *= attenuation;
      s.baseline = g.baseline();
    };
    baseline(nps_fit, m.nps, 11, static_cast<double>(Xn.rows()));
    if (sv->has_csat) baseline(csat_fit, m.csat, o.csat_scale, static_cast<double>(Xc.rows()));
    if (sv->has_ces) baseline(ces_fit, m.ces, o.ces_scale, static_cast<double>(Xe.rows()));
    if (o.satisfaction0_sd > 0) {
      FittedSegment seg;
      seg.id = "all";
      seg.name = "all";
      seg.share = 1;
      seg.s0_sd = o.satisfaction0_sd;
      m.segments.push_back(seg);
    }

    // Coefficient tables.
    auto coef_table = [&](const std::string& name, const OrderedLogitFit& f, double sign, const char* what, double n_resp) {
      auto& t = rep.table("calibration/survey/" + name + "/coefficients",
                          fmt::format("ordered logit of {} on per-journey visit counts: {} (estimate, se from the "
                                      "observed information, Wald 95% CI)",
                                      name, what));
      t.str("parameter").str("touchpoint").str("term").num("estimate").num("se").num("ci_low").num("ci_high")
          .num("corrected");
      // `corrected`: times sqrt(1 + c^2 sd^2) for --satisfaction0-sd (= estimate without it).
      auto row = [&](const std::string& p, const std::string& tp, const std::string& term, double e, double se) {
        t.add("parameter", p);
        t.add("touchpoint", tp);
        t.add("term", term);
        t.add("estimate", e);
        t.add("se", se);
        t.add("ci_low", e - kZ95 * se);
        t.add("ci_high", e + kZ95 * se);
        t.add("corrected", e * attenuation);
      };
      for (std::size_t c = 0; c < f.cut.size(); ++c)
        row(fmt::format("cut_{}_{}", f.observed[c], f.observed[c + 1]), "", "cut-point", f.cut[c], f.cut_se[c]);
      for (auto k : order) {
        for (int fr = 0; fr < 2; ++fr) {
          if (fr && !has_status) continue;
          const std::size_t col = 2 * k + static_cast<std::size_t>(fr);
          const bool idf = col < f.dropped.size() && !f.dropped[col];
          row(fmt::format("{}.{}", tp_id[k], fr ? "friction" : "ok"), tp_id[k], fr ? "friction" : "ok",
              idf ? sign * f.beta[col] : kNaN, idf ? f.beta_se[col] : kNaN);
        }
      }
      if (has_channel) {
        const bool idf = P - 1 < f.dropped.size() && !f.dropped[P - 1];
        row("channel_switch", "", "switch", idf ? sign * f.beta[P - 1] : kNaN, idf ? f.beta_se[P - 1] : kNaN);
      }
      auto& s = rep.table("calibration/survey/" + name + "/fit", "fit statistics");
      s.integer("respondents").num("loglik").num("loglik_null").integer("iterations").integer("converged").integer("parameters");
      s.add("respondents", n_resp);
      s.add("loglik", f.loglik);
      s.add("loglik_null", f.loglik_null);
      s.add("iterations", f.iterations);
      s.add("converged", f.converged ? 1.0 : 0.0);
      s.add("parameters", static_cast<double>(f.covariance.rows()));
    };
    coef_table("nps", nps_fit, 1.0, "satisfaction deltas (ok, friction), channel switch and cut-points",
               static_cast<double>(Xn.rows()));
    if (sv->has_csat)
      coef_table("csat", csat_fit, 1.0, "satisfaction deltas as seen by CSAT (a check of the NPS fit)",
                 static_cast<double>(Xc.rows()));
    if (sv->has_ces)
      coef_table("ces", ces_fit, -1.0, "effort per visit (minus the CES coefficients, CES slope fixed to 1)",
                 static_cast<double>(Xe.rows()));

    // Key drivers: NPS cost of friction.
    if (nps_ok && has_status) {
      auto& kd = rep.table("calibration/survey/key_drivers",
                           "touchpoints ranked by the NPS cost of friction: (b - a) x friction visits per journey, "
                           "and the NPS points gained if every friction visit of the touchpoint had been ok");
      kd.integer("rank").str("touchpoint").num("a_ok").num("b_friction").num("b_minus_a").num("b_minus_a_se")
          .num("friction_visits_per_journey").num("satisfaction_cost_per_journey").num("nps_points");
      struct Row {
        std::string id;
        double a, b, d, dse, fv, cost, nps;
      };
      std::vector<Row> rows;
      // Predicted NPS of the training respondents, as fitted and with tp k's
      // friction visits turned ok.
      const Eigen::Index nn = Xn.rows();
      auto mean_nps = [&](const Eigen::MatrixXd& Xm) {
        double s = 0;
        for (Eigen::Index i = 0; i < nn; ++i) s += nps_of(nps_fit.probabilities(Xm.row(i).transpose()));
        return nn > 0 ? s / static_cast<double>(nn) : kNaN;
      };
      const double base = mean_nps(Xn);
      for (auto k : order) {
        const std::size_t ca = 2 * k, cb = 2 * k + 1;
        if (nps_fit.dropped[ca] || nps_fit.dropped[cb] || train.fr_visits[k] <= 0) continue;
        Row r;
        r.id = tp_id[k];
        r.a = nps_fit.beta[ca];
        r.b = nps_fit.beta[cb];
        r.d = r.b - r.a;
        // Covariance indices: cut-points first, then kept columns in order.
        Eigen::Index ia = -1, ib = -1, pos = static_cast<Eigen::Index>(nps_fit.cut.size());
        for (std::size_t c = 0; c < nps_fit.dropped.size(); ++c) {
          if (nps_fit.dropped[c]) continue;
          if (c == ca) ia = pos;
          if (c == cb) ib = pos;
          ++pos;
        }
        r.dse = std::sqrt(nps_fit.covariance(ia, ia) + nps_fit.covariance(ib, ib) - 2 * nps_fit.covariance(ia, ib));
        r.fv = train.fr_visits[k] / train.journeys;
        r.cost = r.d * r.fv;
        Eigen::MatrixXd Xm = Xn;
        Xm.col(static_cast<Eigen::Index>(ca)) += Xm.col(static_cast<Eigen::Index>(cb));
        Xm.col(static_cast<Eigen::Index>(cb)).setZero();
        r.nps = mean_nps(Xm) - base;
        rows.push_back(r);
      }
      std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.nps > b.nps; });
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        kd.add("rank", static_cast<double>(i + 1));
        kd.add("touchpoint", r.id);
        kd.add("a_ok", r.a);
        kd.add("b_friction", r.b);
        kd.add("b_minus_a", r.d);
        kd.add("b_minus_a_se", r.dse);
        kd.add("friction_visits_per_journey", r.fv);
        kd.add("satisfaction_cost_per_journey", r.cost);
        kd.add("nps_points", r.nps);
      }
      if (!rows.empty()) {
        sum += "  key drivers (NPS points if the touchpoint's friction visits had been ok):\n";
        for (std::size_t i = 0; i < std::min<std::size_t>(rows.size(), 5); ++i)
          sum += fmt::format("    {}. {:<28} +{:.2f} NPS   (b - a = {:.3f} +- {:.3f}, {:.3f} friction visits/journey)\n",
                             i + 1, rows[i].id, rows[i].nps, rows[i].d, kZ95 * rows[i].dse, rows[i].fv);
      }
    }
  }

  // ---- retention
  if (!o.cohorts.empty() || !o.lifetimes.empty()) {
    const RetentionInput rin = !o.cohorts.empty() ? read_cohorts(o, map, csvo) : read_lifetimes(o, map, csvo);
    const auto& segs = rin.segments;
    const std::string rsource = !o.cohorts.empty() ? "cohorts" : "lifetimes";
    auto& rt = rep.table("calibration/retention",
                         "sBG maximum likelihood per segment: alpha, beta, se (observed information), 95% CI (log "
                         "scale)");
    rt.str("segment").num("customers").integer("horizon").num("alpha").num("alpha_se").num("alpha_ci_low")
        .num("alpha_ci_high").num("beta").num("beta_se").num("beta_ci_low").num("beta_ci_high").num("loglik")
        .integer("converged").num("mean_churn");
    std::vector<FittedSegment> fs;
    IdMaker seg_ids;
    double total = 0;
    int horizon = 0;
    for (const auto& s : segs) total += s.customers;
    sum += fmt::format("retention: {} ({}):\n", !o.cohorts.empty() ? o.cohorts : o.lifetimes,
                       !o.cohorts.empty() ? "cohort survivors" : "individual lifetimes, right-censored");
    dqa(rsource, "rows", static_cast<double>(rin.counts.rows));
    dqa(rsource, "segments", static_cast<double>(segs.size()));
    bad_rows(rsource, rin.counts.bad_rows, rin.counts.bad_by_reason, rin.counts.bad_examples);
    for (const auto& s : segs) {
      const SbgFit f = fit_sbg(s.counts);
      FittedSegment seg;
      seg.name = s.name;
      seg.id = seg_ids.make(s.name);
      seg.customers = s.customers;
      seg.share = total > 0 ? s.customers / total : 1.0;
      seg.s0_sd = o.satisfaction0_sd;
      seg.has_retention = f.converged && std::isfinite(f.alpha);
      seg.alpha = f.alpha;
      seg.beta = f.beta;
      seg.se_alpha = f.se_alpha;
      seg.se_beta = f.se_beta;
      seg.note = f.note;
      horizon = std::max(horizon, f.horizon);
      rt.add("segment", seg.id);
      rt.add("customers", s.customers);
      rt.add("horizon", f.horizon);
      rt.add("alpha", f.alpha);
      rt.add("alpha_se", f.se_alpha);
      rt.add("alpha_ci_low", f.alpha_lo);
      rt.add("alpha_ci_high", f.alpha_hi);
      rt.add("beta", f.beta);
      rt.add("beta_se", f.se_beta);
      rt.add("beta_ci_low", f.beta_lo);
      rt.add("beta_ci_high", f.beta_hi);
      rt.add("loglik", f.loglik);
      rt.add("converged", f.converged ? 1.0 : 0.0);
      rt.add("mean_churn", f.alpha / (f.alpha + f.beta));
      if (seg.has_retention)
        sum += fmt::format("  {:<12} {} customers: alpha = {:.4g} (95% CI {:.4g}..{:.4g}), beta = {:.4g} "
                           "({:.4g}..{:.4g}), mean churn {:.3f}\n",
                           seg.id, s.customers, f.alpha, f.alpha_lo, f.alpha_hi, f.beta, f.beta_lo, f.beta_hi,
                           f.alpha / (f.alpha + f.beta));
      else {
        sum += fmt::format("  {:<12} {} customers: no fit ({})\n", seg.id, s.customers, f.note);
        warn(fmt::format("segment '{}': sBG not fitted: {}", seg.id, f.note));
      }
      fs.push_back(seg);
    }
    m.segments = fs;
    m.periods = std::max(1, horizon);
  }

  // ---- header, YAML, check
  m.header.push_back(fmt::format("Fitted by cxsim calibrate {} from {}", core::tool_version, input_desc));
  if (!o.command_line.empty()) m.header.push_back("command: " + o.command_line);
  m.header.push_back("Counts, 95% credible intervals (Dirichlet/Beta posteriors, prior 0.5 per observed target) and");
  m.header.push_back("standard errors are in the comments; see docs/methods/calibration.md.");
  if (o.holdout > 0)
    m.header.push_back(fmt::format("Fitted on {} training journeys ({:.0f}% held out journey by journey, seed {}).",
                                   train.journeys, 100 * o.holdout, o.seed));
  m.header.push_back("Ids are sanitized from the data's names (originals in comments).");
  res.yaml = write_yaml(m);
  rep.journey_yaml = res.yaml;
  model::LoadedJourney lj = [&] {
    try {
      return model::load_journey_text(res.yaml, m.name + ".yaml");
    } catch (const core::InputError& e) {
      throw core::RuntimeError(std::string("internal: the fitted journey does not load:\n") + e.what() + "\n" +
                               res.yaml);
    }
  }();
  sum += fmt::format("model: {} touchpoints, {} outcomes, {} start entries, max_steps {}\n", m.touchpoints.size(),
                     m.outcomes.size(), m.start.targets.size(), m.max_steps);

  // ---- holdout
  if (o.holdout > 0) {
    auto& fit_t = rep.table("fit/holdout",
                            "held-out journeys vs the fitted model: total-variation distance, threshold (max(0.01, "
                            "the 1 - 0.01/m quantile of sampling noise, m measures)), pass");
    fit_t.str("measure").num("tv_distance").num("threshold").integer("pass").num("n_holdout").num("n_train");
    std::vector<Measure> measures;
    if (hold.journeys <= 0) {
      warn("--holdout: no journey fell into the holdout; nothing to compare");
    } else {
      const ChainResult cr = exact_chain(lj.spec);
      const bool nps_measure = sv && nps_fit.observed.size() >= 2 && !hold_resp.empty();
      const std::size_t n_measures = nps_measure ? 3 : 2;
      // Outcomes: the fitted ones, then timeout/censored, then any other.
      std::vector<std::string> bins;
      std::vector<double> obs, mod;
      std::unordered_map<std::string, std::size_t> spec_oc;
      const auto spec_ocs = lj.spec.outcome_ids();
      for (std::size_t i = 0; i < spec_ocs.size(); ++i) {
        spec_oc[spec_ocs[i]] = i;
        bins.push_back(spec_ocs[i]);
        obs.push_back(0);
        mod.push_back(cr.outcome[i]);
      }
      bins.push_back("timeout");
      obs.push_back(hold.censored);
      mod.push_back(cr.timeout);
      double other = 0;
      for (std::uint32_t k = 0; k < hold.outcome_count.size(); ++k) {
        if (hold.outcome_count[k] <= 0) continue;
        if (k < oc_id.size() && !oc_id[k].empty()) obs[spec_oc.at(oc_id[k])] += hold.outcome_count[k];
        else other += hold.outcome_count[k];
      }
      bins.push_back("(not in the model)");
      obs.push_back(other);
      mod.push_back(0);
      measures.push_back(compare("outcome_shares", bins, obs, mod, train.journeys, o.seed, 0, n_measures));
      // Path lengths 1..K and a tail bin.
      long K = 1;
      for (const auto& [len, w] : hold.lengths) K = std::max(K, len);
      K = std::min<long>(K, 50);
      bins.clear();
      obs.assign(static_cast<std::size_t>(K) + 1, 0.0);
      mod.assign(static_cast<std::size_t>(K) + 1, 0.0);
      for (long n = 1; n <= K; ++n) bins.push_back(fmt::format("{}", n));
      bins.push_back(fmt::format(">{}", K));
      for (const auto& [len, w] : hold.lengths) obs[static_cast<std::size_t>(std::min(len, K + 1) - 1)] += w;
      double tail = cr.timeout;
      for (std::size_t n = 1; n < cr.length.size(); ++n) {
        if (static_cast<long>(n) <= K) mod[n - 1] += cr.length[n];
        else tail += cr.length[n];
      }
      mod[static_cast<std::size_t>(K)] = tail;
      measures.push_back(compare("path_length", bins, obs, mod, train.journeys, o.seed, 1, n_measures));
      // NPS distribution of held-out respondents vs the fit's prediction for them.
      if (nps_measure) {
        std::vector<double> o11(11, 0.0), m11(11, 0.0);
        Eigen::RowVectorXd row(static_cast<Eigen::Index>(P));
        for (auto i : hold_resp) {
          o11[static_cast<std::size_t>(respondents[i].a.nps)] += 1;
          dense(respondents[i].x, row);
          const auto p = nps_fit.probabilities(row.transpose());
          for (int c = 0; c < 11; ++c) m11[static_cast<std::size_t>(c)] += p[static_cast<std::size_t>(c)];
        }
        std::vector<std::string> nb;
        for (int c = 0; c <= 10; ++c) nb.push_back(fmt::format("{}", c));
        measures.push_back(compare("nps_distribution", nb, o11, m11, static_cast<double>(train_resp.size()), o.seed, 2, n_measures));
      }
      sum += fmt::format("holdout: {} journeys ({:.0f}%) vs the fitted model (total variation; pass when <= threshold):\n",
                         hold.journeys, 100 * o.holdout);
      for (const auto& me : measures) {
        fit_t.add("measure", me.name);
        fit_t.add("tv_distance", me.tv);
        fit_t.add("threshold", me.threshold);
        fit_t.add("pass", me.pass ? 1.0 : 0.0);
        fit_t.add("n_holdout", me.n_holdout);
        fit_t.add("n_train", me.n_train);
        auto& d = rep.table("fit/" + me.name, "observed (holdout) and model shares per bin");
        d.str("bin").num("observed").num("model");
        for (std::size_t i = 0; i < me.bins.size(); ++i) {
          d.add("bin", me.bins[i]);
          d.add("observed", me.observed[i]);
          d.add("model", me.model[i]);
        }
        sum += fmt::format("  {:<18} TV {:.4f}  threshold {:.4f}  {}\n", me.name, me.tv, me.threshold,
                           me.pass ? "PASS" : "FAIL");
        if (!me.pass) res.holdout_pass = false;
      }
    }
  }
  for (const auto& w : res.warnings) sum += "warning: " + w + "\n";
  return res;
}

}  // namespace cxsim::calibrate
