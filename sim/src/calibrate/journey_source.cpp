// Sources of calibrate(): the event log (one journey at a time, in journey
// order, from EventLogReader) or the aggregated paths stream into the
// training and holdout aggregates, and the survey answers are joined to the
// journeys as they pass (docs/methods/calibration.md, sections 1 and 8).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
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

namespace cxsim::calibrate::stages {

void read_events(State& s) {
  const CalibrateOptions& o = s.o;
  Report& rep = s.res.report;
  std::string& sum = s.res.summary;
  std::vector<std::uint32_t> end_outcome;  // per touchpoint: "end_<name>" outcome index
  std::uint64_t timeouts = 0;
  auto end_of = [&](std::uint32_t tp) {
    if (end_outcome.size() <= tp) end_outcome.resize(tp + 1, kNone);
    if (end_outcome[tp] == kNone) end_outcome[tp] = s.oc_names.intern("end_" + s.tp_names.name(tp));
    return end_outcome[tp];
  };

  EventReadOptions eo;
  eo.csv = s.csvo;
  eo.map = s.map;
  eo.skip_bad_rows = o.skip_bad_rows;
  eo.keep_duplicates = o.keep_duplicates;
  eo.lifecycle = parse_lifecycle(o.lifecycle);
  eo.time_format = o.time_format;
  eo.timezone = o.timezone;
  eo.memory_budget_bytes = o.memory_mb << 20;
  eo.tmp_dir = o.tmp_dir;
  eo.stop = o.stop;
  EventLogReader reader(o.events, eo);
  std::vector<std::uint32_t> oc_map;  // reader outcome -> aggregator outcome
  std::uint32_t timeout_id = kNone;
  std::vector<Visit> visits;
  const auto st = reader.read([&](const JourneyEvents& j) {
    // Touchpoint indices: the reader's dictionary order is the aggregator's.
    while (s.tp_names.size() < reader.touchpoints().size())
      s.tp_names.intern(reader.touchpoints().name(static_cast<std::uint32_t>(s.tp_names.size())));
    while (oc_map.size() < reader.outcomes().size()) {
      const auto& n = reader.outcomes().name(static_cast<std::uint32_t>(oc_map.size()));
      if (n == "timeout") {
        timeout_id = static_cast<std::uint32_t>(oc_map.size());
        oc_map.push_back(kNone);
      } else {
        oc_map.push_back(s.oc_names.intern(n));
      }
    }
    visits.clear();
    std::uint32_t out_raw = kNone;
    for (std::size_t i = 0; i < j.events.size(); ++i) {
      const Event& e = j.events[i];
      double gap = i + 1 < j.events.size() ? static_cast<double>(j.events[i + 1].ts_us - e.ts_us) * 1e-6 : kNaN;
      // --lifecycle pair: a paired visit's duration is its start-to-complete time.
      if (!j.duration_s.empty() && std::isfinite(j.duration_s[i])) gap = j.duration_s[i];
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
    (in_holdout ? s.hold : s.train).add(visits, outcome, 1.0);
    if (!j.segment.empty()) {
      if (!in_holdout) s.seg_train[j.segment].add(visits, outcome, 1.0);
      const auto [it, fresh] = s.customer_segment.try_emplace(j.customer, j.segment);
      if (!fresh && it->second != j.segment) ++s.segment_customer_conflicts;
    } else {
      ++s.journeys_without_segment;
    }
    book_journey(s, j, visits);
    if (s.sv && s.sv->by_journey) s.walks[j.customer].push_back({j.id, j.events.front().ts_us, covariates_of(visits)});
    if (s.sv) {
      if (s.sv->by_journey) {
        auto it = s.sv->answers.find(j.id);
        if (it != s.sv->answers.end()) {
          Covariates x = covariates_of(visits);
          for (const auto& a : it->second) {
            if (a.segment >= 0 && s.sv->segments[static_cast<std::size_t>(a.segment)] != j.segment)
              ++s.survey_segment_mismatches;
            s.respondents.push_back({a, x, in_holdout, j.segment});
          }
        }
      } else if (s.sv->answers.count(j.customer)) {
        auto& p = s.pending[j.customer];
        const std::int64_t end_ts = j.events.back().ts_us;
        if (end_ts >= p.end_ts) {
          p.end_ts = end_ts;
          p.x = covariates_of(visits);
          p.holdout = in_holdout;
        }
      }
    }
  });
  s.has_status = st.columns.has(Field::status);
  s.has_channel = st.columns.has(Field::channel);
  s.has_outcome_col = st.columns.has(Field::outcome);
  s.has_customer_col = st.columns.has(Field::customer_id);
  s.has_segment_col = st.columns.has(Field::segment);
  s.channel_names = reader.channels().names();
  std::string colmap;
  for (Field f : {Field::customer_id, Field::journey_id, Field::timestamp, Field::touchpoint, Field::status,
                  Field::channel, Field::outcome, Field::segment, Field::lifecycle})
    if (st.columns.has(f))
      colmap += fmt::format("{}{}={}", colmap.empty() ? "" : ", ", field_name(f), st.columns.name(f));
  const char* sepname = st.separator == '\t'  ? "tab"
                        : st.separator == ';' ? "';'"
                        : st.separator == '|' ? "'|'"
                                              : "','";
  sum += fmt::format("events: {}: {} rows, {} events, {} journeys, {} touchpoints ({}; columns {})\n", o.events,
                     st.rows, st.events_kept, st.journeys, reader.touchpoints().size(),
                     st.format == "CSV" ? fmt::format("separator {}", sepname) : st.format, colmap);
  sum += fmt::format("  timestamps: {}{}\n", st.timestamp_forms,
                     o.time_format.empty() ? " (recognised automatically; --time-format gives the form)" : "");
  s.bad_rows("events", st.bad_rows, st.bad_by_reason, st.bad_examples);
  if (st.duplicates) sum += fmt::format("  exact duplicate rows dropped: {} (--dedupe)\n", st.duplicates);
  if (st.duplicates_kept)
    s.warn(fmt::format("{} exact duplicate rows kept as events (PM4Py's convention; --dedupe drops them)",
                       st.duplicates_kept));
  if (st.columns.has(Field::lifecycle)) {
    std::string vals;
    for (const auto& [k, n] : st.lifecycle_values) vals += fmt::format("{}{} {}", vals.empty() ? "" : ", ", n, k);
    sum += fmt::format("  lifecycle: --lifecycle {}{} on column '{}' ({})", o.lifecycle,
                       o.lifecycle == "complete" ? " (the default)" : "", st.columns.name(Field::lifecycle), vals);
    if (o.lifecycle == "pair")
      sum += fmt::format(": {} visits paired start to complete, {} starts and {} completes unpaired", st.paired,
                         st.unpaired_starts, st.unpaired_completes);
    sum += "\n";
    if (st.lifecycle_dropped && o.lifecycle != "pair")
      s.warn(
          fmt::format("{} events with another lifecycle transition than '{}' dropped (--lifecycle pair pairs start "
                      "and complete into one visit)",
                      st.lifecycle_dropped, o.lifecycle));
    else if (o.lifecycle == "pair" && st.lifecycle_dropped > st.paired)
      s.warn(fmt::format("{} events with a lifecycle transition other than start and complete dropped",
                         st.lifecycle_dropped - st.paired));
    if (st.empty_journeys)
      s.warn(fmt::format("{} journeys have no event left with --lifecycle {}: not counted", st.empty_journeys,
                         o.lifecycle));
  }
  if (st.runs)
    sum += fmt::format("  external merge: {} sorted runs spilled (buffer budget {} MiB)\n", st.runs, o.memory_mb);
  if (timeouts) sum += fmt::format("  journeys ending in 'timeout' (censored: no exit counted): {}\n", timeouts);
  if (st.customer_conflicts)
    s.warn(fmt::format("{} journeys name more than one customer_id; the first one is used", st.customer_conflicts));
  if (s.has_segment_col) {
    if (st.segment_conflicts)
      s.warn(fmt::format("{} journeys name more than one segment; the first one is used", st.segment_conflicts));
    if (s.segment_customer_conflicts)
      s.warn(
          fmt::format("{} journeys name another segment than their customer's first journey; the customer "
                      "keeps the first",
                      s.segment_customer_conflicts));
    if (s.journeys_without_segment)
      s.warn(fmt::format("{} journeys have no segment: they count in the pooled fit only", s.journeys_without_segment));
    s.dqa("events", "segments", static_cast<double>(reader.segments().size()));
    s.dqa("events", "segment_conflicts", static_cast<double>(st.segment_conflicts + s.segment_customer_conflicts));
    s.dqa("events", "journeys_without_segment", static_cast<double>(s.journeys_without_segment));
  }
  if (!s.has_outcome_col) sum += "  no outcome column: each journey ends in outcome end_<its last touchpoint>\n";
  s.dqa("events", "rows", static_cast<double>(st.rows));
  s.dqa("events", "events_kept", static_cast<double>(st.events_kept));
  s.dqa("events", "journeys", static_cast<double>(st.journeys));
  s.dqa("events", "duplicates_dropped", static_cast<double>(st.duplicates));
  s.dqa("events", "duplicates_kept", static_cast<double>(st.duplicates_kept));
  for (const auto& [form, n] : st.timestamp_form_counts) s.dqa("events", "timestamps: " + form, static_cast<double>(n));
  if (st.dst_gaps > 0) s.dqa("events", "timestamps_in_dst_gap", static_cast<double>(st.dst_gaps));
  if (st.dst_overlaps > 0) s.dqa("events", "timestamps_in_dst_overlap", static_cast<double>(st.dst_overlaps));
  if (st.columns.has(Field::lifecycle)) {
    for (const auto& [v, n] : st.lifecycle_values) s.dqa("events", "lifecycle: " + v, static_cast<double>(n));
    s.dqa("events", "lifecycle_dropped", static_cast<double>(st.lifecycle_dropped));
    if (o.lifecycle == "pair") {
      s.dqa("events", "lifecycle_paired", static_cast<double>(st.paired));
      s.dqa("events", "lifecycle_unpaired_starts", static_cast<double>(st.unpaired_starts));
      s.dqa("events", "lifecycle_unpaired_completes", static_cast<double>(st.unpaired_completes));
    }
  }
  s.dqa("events", "timeout_journeys", static_cast<double>(timeouts));
  s.dqa("events", "customer_conflicts", static_cast<double>(st.customer_conflicts));
  s.dqa("events", "spill_runs", static_cast<double>(st.runs));
  s.dqa("events", "peak_buffer_bytes", static_cast<double>(st.peak_buffer_bytes));
  rep.attr_int("rows", static_cast<std::int64_t>(st.rows));
  rep.attr("journeys", static_cast<double>(st.journeys));
  s.input_desc = fmt::format("{} ({} journeys)", std::filesystem::path(o.events).filename().string(), st.journeys);
}

// Aggregated paths: path;total_conversions;total_conversion_value;total_null
void read_paths(State& s) {
  const CalibrateOptions& o = s.o;
  Report& rep = s.res.report;
  std::string& sum = s.res.summary;
  CsvReader csv(o.paths, s.csvo);
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
    throw_file_error(o.paths, 1,
                     fmt::format("expected columns path and total_conversions and/or total_null (columns: {})",
                                 core::quoted_list(f)));
  }
  const std::uint32_t conv_id = s.oc_names.intern("converted");
  const std::uint32_t null_id = s.oc_names.intern("abandoned");
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
    std::size_t start = 0;
    while (start <= path.size()) {
      std::size_t e = path.find('>', start);
      if (e == std::string::npos) e = path.size();
      const std::string_view step = trim(std::string_view(path).substr(start, e - start));
      if (step.empty()) {
        bad = true;
        break;
      }
      const auto tp = s.tp_names.intern(step);
      visits.push_back({tp, Status::none, tp, kNaN});
      start = e + 1;
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
    s.train.add(visits, conv_id, conv - hc);
    s.train.add(visits, null_id, nul - hn);
    s.hold.add(visits, conv_id, hc);
    s.hold.add(visits, null_id, hn);
    total_value += val;
    total_conv += conv;
  }
  if (rows == 0) {
    throw_file_error(o.paths, 0, "no paths: the file has a header but no rows");
  }
  if (total_conv > 0 && !s.values.count("converted")) s.values["converted"] = total_value / total_conv;
  s.channel_names = s.tp_names.names();
  s.has_channel = true;
  s.has_outcome_col = true;
  sum += fmt::format("paths: {}: {} rows, {} journeys, {} touchpoints\n", o.paths, rows,
                     s.train.journeys + s.hold.journeys, s.tp_names.size());
  s.dqa("paths", "rows", rows);
  s.dqa("paths", "rows_kept", rows - static_cast<double>(sink.count()));
  s.dqa("paths", "journeys", std::round(s.train.journeys + s.hold.journeys));
  s.bad_rows("paths", sink.count(), sink.by_reason(), sink.examples());
  rep.attr_int("rows", static_cast<std::int64_t>(rows));
  rep.attr("journeys", s.train.journeys + s.hold.journeys);
  s.input_desc = fmt::format("{} ({} journeys, aggregated paths)", std::filesystem::path(o.paths).filename().string(),
                             s.train.journeys + s.hold.journeys);
}

}  // namespace cxsim::calibrate::stages
