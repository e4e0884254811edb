// Sources of calibrate(): the survey, cohort and lifetime readers, and the
// text helpers they share with the event and path readers (stages.h).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "cxsim/core/errors.h"
#include "cxsim/core/strings.h"
#include "stages.h"

namespace cxsim::calibrate::stages {

namespace {
// The largest period a fitted model can simulate: population.periods of a
// journey file is limited to this (journey_loader.cpp), so a row beyond it
// could never be used and is refused where it is read.
constexpr long long kMaxPeriods = 65535;
// Lifetimes are counted in one dense table per segment (sbg.h) whose length is
// the segment's largest `periods`; their total length is bounded so that
// memory follows the file's size, not the values it claims (16 bytes each:
// at most 64 MB).
constexpr std::size_t kMaxLifetimeCells = std::size_t{1} << 22;
}  // namespace

[[noreturn]] void throw_file_error(const std::string& file, int line, const std::string& message) {
  core::Diagnostics d;
  d.error({file, line, 0}, "", message);
  throw core::InputError(std::move(d));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string shorten(std::string_view s) {
  if (s.size() <= 60) return std::string(s);
  return std::string(s.substr(0, 57)) + "...";
}

std::optional<double> parse_number(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  if (s.front() == '+') s.remove_prefix(1);
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<long long> parse_integer(std::string_view s) {
  auto v = parse_number(s);
  if (!v || *v != std::floor(*v) || std::fabs(*v) > 1e15) return std::nullopt;
  return static_cast<long long>(*v);
}

std::string reasons(const std::map<std::string, std::uint64_t>& m) {
  std::string s;
  for (const auto& [k, v] : m) s += fmt::format("{}{}: {}", s.empty() ? "" : ", ", k, v);
  return s;
}

SurveyData read_surveys(const CalibrateOptions& o, const ColumnMap& map, const CsvOptions& csvo) {
  SurveyData s;
  s.file = o.surveys;
  CsvReader csv(o.surveys, csvo);
  std::vector<std::string> f;
  csv.read_header(f, "journey_id or customer_id, nps, csat, ces");
  const auto cols =
      resolve_columns(f, {Field::journey_id, Field::customer_id, Field::nps, Field::csat, Field::ces, Field::segment},
                      {Field::nps}, map, o.surveys);
  if (!cols.has(Field::journey_id) && !cols.has(Field::customer_id)) {
    throw_file_error(
        o.surveys, 1,
        fmt::format("missing column 'journey_id' or 'customer_id' to join answers to journeys (columns: {}; "
                    "map one with --map journey_id=COLUMN)",
                    core::quoted_list(f)));
  }
  s.by_journey = cols.has(Field::journey_id);
  const int key = s.by_journey ? cols[Field::journey_id] : cols[Field::customer_id];
  s.join_column = cols.header[static_cast<std::size_t>(key)];
  s.has_csat = cols.has(Field::csat);
  s.has_ces = cols.has(Field::ces);
  s.has_segment = cols.has(Field::segment);
  std::unordered_map<std::string, int> segment_index;
  const std::size_t nf = f.size();
  BadRowSink sink(o.surveys, o.skip_bad_rows);
  bool any_csat = false, any_ces = false;
  auto score = [&](std::uint64_t line, Field fld, int lo, int hi, bool required, int& out) -> bool {
    const std::string& col = cols.name(fld);
    const std::string_view v = trim(f[static_cast<std::size_t>(cols[fld])]);
    if (v.empty()) {
      if (!required) return true;
      sink.bad(line, col, fmt::format("empty {}", field_name(fld)), "empty score");
      return false;
    }
    auto n = parse_number(v);
    if (!n) {
      sink.bad(line, col, fmt::format("{} not a number", field_name(fld)),
               fmt::format("'{}' is not a number (expected an integer {}..{})", shorten(v), lo, hi));
      return false;
    }
    if (*n != std::floor(*n) || *n < lo || *n > hi) {
      sink.bad(line, col, fmt::format("{} out of range", field_name(fld)),
               fmt::format("'{}' is outside {}..{} (integer scores)", shorten(v), lo, hi));
      return false;
    }
    out = static_cast<int>(*n);
    return true;
  };
  while (csv.next(f)) {
    ++s.rows;
    const std::uint64_t line = csv.record_line();
    if (!sink.field_count_ok(line, f.size(), nf)) continue;
    const std::string_view id = trim(f[static_cast<std::size_t>(key)]);
    if (id.empty()) {
      sink.bad(line, s.join_column, "empty id", "empty id");
      continue;
    }
    Answer a;
    if (!score(line, Field::nps, 0, 10, true, a.nps)) continue;
    if (s.has_csat && !score(line, Field::csat, 1, o.csat_scale, false, a.csat)) continue;
    if (s.has_ces && !score(line, Field::ces, 1, o.ces_scale, false, a.ces)) continue;
    if (s.has_segment) {
      const std::string_view g = trim(f[static_cast<std::size_t>(cols[Field::segment])]);
      if (!g.empty()) {
        const auto [it, fresh] = segment_index.try_emplace(std::string(g), static_cast<int>(s.segments.size()));
        if (fresh) s.segments.emplace_back(g);
        a.segment = it->second;
      }
    }
    if (a.csat >= 0) any_csat = true;
    if (a.ces >= 0) any_ces = true;
    s.answers[std::string(id)].push_back(a);
  }
  // A CSAT/CES column that is empty throughout is treated as absent.
  s.has_csat = s.has_csat && any_csat;
  s.has_ces = s.has_ces && any_ces;
  if (s.rows == 0) {
    throw_file_error(o.surveys, 0, "no answers: the file has a header but no rows");
  }
  s.bad_rows = sink.count();
  s.bad_by_reason = sink.by_reason();
  s.bad_examples = sink.examples();
  return s;
}

// ------------------------------------------------------------ retention

RetentionInput read_cohorts(const CalibrateOptions& o, const ColumnMap& map, const CsvOptions& csvo) {
  RetentionInput in;
  CsvReader csv(o.cohorts, csvo);
  std::vector<std::string> f;
  csv.read_header(f, "period,alive[,segment]");
  const auto cols =
      resolve_columns(f, {Field::period, Field::alive, Field::segment}, {Field::period, Field::alive}, map, o.cohorts);
  BadRowSink sink(o.cohorts, o.skip_bad_rows);
  std::map<std::string, std::map<long long, std::pair<double, std::uint64_t>>> data;
  const std::size_t nf = f.size();
  while (csv.next(f)) {
    ++in.counts.rows;
    const std::uint64_t line = csv.record_line();
    if (f.size() != nf) {
      sink.bad(line, "", "wrong number of fields", fmt::format("expected {} fields, found {}", nf, f.size()));
      continue;
    }
    const std::string seg =
        cols.has(Field::segment) ? std::string(trim(f[static_cast<std::size_t>(cols[Field::segment])])) : "all";
    auto t = parse_integer(f[static_cast<std::size_t>(cols[Field::period])]);
    if (!t || *t < 0) {
      sink.bad(line, cols.name(Field::period), "period not an integer >= 0",
               fmt::format("'{}' is not a period (an integer >= 0)",
                           shorten(f[static_cast<std::size_t>(cols[Field::period])])));
      continue;
    }
    if (*t > kMaxPeriods) {
      sink.bad(line, cols.name(Field::period), "period too large",
               fmt::format("period {} is more than {} (the most periods a journey can simulate)", *t, kMaxPeriods));
      continue;
    }
    auto a = parse_number(f[static_cast<std::size_t>(cols[Field::alive])]);
    if (!a || *a < 0) {
      sink.bad(
          line, cols.name(Field::alive), "alive not a number >= 0",
          fmt::format("'{}' is not a count (a number >= 0)", shorten(f[static_cast<std::size_t>(cols[Field::alive])])));
      continue;
    }
    auto& m = data[seg.empty() ? "all" : seg];
    if (m.count(*t)) {
      sink.bad(line, cols.name(Field::period), "duplicate period",
               fmt::format("period {} already given on line {}", *t, m[*t].second));
      continue;
    }
    m[*t] = {*a, line};
  }
  std::vector<SegmentSurvival> out;
  core::Diagnostics diags;
  for (auto& [seg, m] : data) {
    if (m.empty()) continue;
    std::vector<double> alive;
    long long expect = 0;
    bool ok = true;
    for (auto& [t, v] : m) {
      if (t != expect) {
        diags.error({o.cohorts, static_cast<int>(v.second), 0}, "",
                    fmt::format("segment '{}': period {} follows {} (periods must run 0, 1, 2, ... without gaps)", seg,
                                t, expect - 1));
        ok = false;
        break;
      }
      if (!alive.empty() && v.first > alive.back()) {
        diags.error({o.cohorts, static_cast<int>(v.second), 0}, "",
                    fmt::format("segment '{}': alive {} at period {} is more than {} at period {} (survivors cannot "
                                "increase)",
                                seg, v.first, t, alive.back(), t - 1));
        ok = false;
        break;
      }
      alive.push_back(v.first);
      ++expect;
    }
    if (!ok) continue;
    if (alive.size() < 2) {
      diags.error({o.cohorts, 0, 0}, "", fmt::format("segment '{}': need periods 0 and at least 1", seg));
      continue;
    }
    out.push_back({seg, survival_from_cohort(alive), alive[0]});
  }
  if (diags.has_errors()) throw core::InputError(std::move(diags));
  if (out.empty()) {
    throw_file_error(o.cohorts, 0, "no cohort rows");
  }
  in.segments = std::move(out);
  in.counts.take(sink);
  return in;
}

RetentionInput read_lifetimes(const CalibrateOptions& o, const ColumnMap& map, const CsvOptions& csvo) {
  RetentionInput in;
  CsvReader csv(o.lifetimes, csvo);
  std::vector<std::string> f;
  csv.read_header(f, "customer_id,periods,churned[,segment]");
  const auto cols = resolve_columns(f, {Field::customer_id, Field::periods, Field::churned, Field::segment},
                                    {Field::periods, Field::churned}, map, o.lifetimes);
  BadRowSink sink(o.lifetimes, o.skip_bad_rows);
  std::map<std::string, SegmentSurvival> segs;
  std::size_t cells = 0;  // total length of the per-segment tables
  const std::size_t nf = f.size();
  while (csv.next(f)) {
    ++in.counts.rows;
    const std::uint64_t line = csv.record_line();
    if (f.size() != nf) {
      sink.bad(line, "", "wrong number of fields", fmt::format("expected {} fields, found {}", nf, f.size()));
      continue;
    }
    const std::string_view ptxt = f[static_cast<std::size_t>(cols[Field::periods])];
    auto t = parse_integer(ptxt);
    if (!t || *t < 0) {
      sink.bad(line, cols.name(Field::periods), "periods not an integer >= 0",
               fmt::format("'{}' is not a number of periods (an integer >= 0)", shorten(ptxt)));
      continue;
    }
    if (*t > kMaxPeriods) {
      sink.bad(line, cols.name(Field::periods), "periods too large",
               fmt::format("periods {} is more than {} (the most periods a journey can simulate)", *t, kMaxPeriods));
      continue;
    }
    std::string c(trim(f[static_cast<std::size_t>(cols[Field::churned])]));
    for (char& ch : c) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    int churned;
    if (c == "1" || c == "true" || c == "yes" || c == "y" || c == "churned") churned = 1;
    else if (c == "0" || c == "false" || c == "no" || c == "n" || c == "alive" || c == "active") churned = 0;
    else {
      sink.bad(line, cols.name(Field::churned), "churned not 0/1",
               fmt::format("'{}' is not a churn flag (expected 1/0, true/false, yes/no)", shorten(c)));
      continue;
    }
    if (churned && *t < 1) {
      sink.bad(line, cols.name(Field::periods), "churned after 0 periods",
               "a churned customer must have periods >= 1 (the period at whose end it churned)");
      continue;
    }
    const std::string seg =
        cols.has(Field::segment) ? std::string(trim(f[static_cast<std::size_t>(cols[Field::segment])])) : "all";
    const std::string seg_name = seg.empty() ? "all" : seg;
    const auto tt = static_cast<std::size_t>(*t);
    auto found = segs.find(seg_name);
    const std::size_t have = found == segs.end() ? 0 : found->second.counts.churned.size();
    if (tt + 1 > have && cells + (tt + 1 - have) > kMaxLifetimeCells) {
      sink.bad(line, cols.name(Field::periods), "too many periods over all segments",
               fmt::format("segment '{}' with periods {}: the segments' largest periods (plus one each) add up to "
                           "more than {}; use fewer segments or shorter lifetimes",
                           shorten(seg_name), *t, kMaxLifetimeCells));
      continue;
    }
    auto& s = segs[seg_name];
    s.name = seg_name;
    if (s.counts.churned.size() <= tt) {
      cells += tt + 1 - s.counts.churned.size();
      s.counts.churned.resize(tt + 1, 0.0);
      s.counts.censored.resize(tt + 1, 0.0);
    }
    if (churned) s.counts.churned[tt] += 1;
    else s.counts.censored[tt] += 1;
    s.customers += 1;
    if (cols.has(Field::customer_id)) {
      const std::string_view id = trim(f[static_cast<std::size_t>(cols[Field::customer_id])]);
      if (!id.empty() && !in.by_customer.emplace(std::string(id), Lifetime{*t, churned == 1, line}).second)
        ++in.repeated_customers;
    }
  }
  std::vector<SegmentSurvival> out;
  for (auto& [k, v] : segs) out.push_back(std::move(v));
  if (out.empty()) {
    throw_file_error(o.lifetimes, 0, "no lifetimes: the file has a header but no usable rows");
  }
  in.segments = std::move(out);
  in.counts.take(sink);
  return in;
}

}  // namespace cxsim::calibrate::stages
