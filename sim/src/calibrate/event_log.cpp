#include "cxsim/calibrate/event_log.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <queue>

#include <fmt/format.h>

#include "cxsim/calibrate/timestamp.h"
#include "cxsim/calibrate/xes.h"
#include "cxsim/core/errors.h"
#include "cxsim/rng/stream.h"
#include "stages.h"

namespace cxsim::calibrate {

std::uint32_t Dictionary::intern(std::string_view s) {
  auto it = index_.find(s);
  if (it != index_.end()) return it->second;
  const auto i = static_cast<std::uint32_t>(names_.size());
  names_.emplace_back(s);
  index_.emplace(names_.back(), i);
  return i;
}

std::uint32_t Dictionary::find(std::string_view s) const {
  auto it = index_.find(s);
  return it == index_.end() ? kNone : it->second;
}

std::uint64_t fnv1a64(std::string_view s, std::uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

double hash_uniform(std::string_view s, std::uint64_t seed) {
  const std::uint64_t h = fnv1a64(s);
  rng::Stream stream(seed, rng::Purpose::holdout, h & rng::kMaxCustomer, 0, static_cast<std::uint32_t>(h >> 40));
  return stream.uniform();
}

void BadRowSink::bad(std::uint64_t line, const std::string& column, const std::string& reason,
                     const std::string& message) {
  const std::string text = column.empty() ? message : fmt::format("column '{}': {}", column, message);
  if (!skip_) {
    core::Diagnostics d;
    d.error({file_, static_cast<int>(line), 0}, "", text + " (use --on-bad-row skip to skip such rows)");
    throw core::InputError(std::move(d));
  }
  ++count_;
  ++by_reason_[reason];
  if (examples_.size() < 5) examples_.push_back(fmt::format("{}:{}: {}", file_, line, text));
}

void BadRowSink::fatal(std::uint64_t line, const std::string& column, const std::string& message) {
  core::Diagnostics d;
  d.error({file_, static_cast<int>(line), 0}, "",
          column.empty() ? message : fmt::format("column '{}': {}", column, message));
  throw core::InputError(std::move(d));
}

Lifecycle parse_lifecycle(const std::string& text) {
  if (text == "complete") return Lifecycle::complete;
  if (text == "start") return Lifecycle::start;
  if (text == "pair") return Lifecycle::pair;
  throw core::InputError(fmt::format("--lifecycle '{}': expected complete (the default), start or pair", text));
}

const char* lifecycle_name(Lifecycle l) {
  switch (l) {
    case Lifecycle::complete: return "complete";
    case Lifecycle::start: return "start";
    case Lifecycle::pair: return "pair";
  }
  return "?";
}

bool BadRowSink::field_count_ok(std::uint64_t line, std::size_t found, std::size_t expected) {
  if (found == expected) return true;
  bad(line, "", "wrong number of fields",
      fmt::format("expected {} fields (as in the header), found {}", expected, found));
  return false;
}

namespace {

using stages::shorten;  // sources.cpp
using stages::trim;

struct Open {
  std::string customer;
  std::vector<Event> events;
  std::uint64_t key = 0;  // fnv1a64 of the journey id: journeys are ordered by (key, id)
  bool conflict = false;
};

// The order in which journeys leave the reader (in memory and in the merge).
inline bool before(std::uint64_t ka, const std::string& a, std::uint64_t kb, const std::string& b) {
  return ka != kb ? ka < kb : a < b;
}

// The buffered journeys in the order they leave the reader.
std::vector<std::pair<const std::string*, Open*>> in_order(StringMap<Open>& open) {
  std::vector<std::pair<const std::string*, Open*>> order;
  order.reserve(open.size());
  for (auto& [k, v] : open) order.emplace_back(&k, &v);
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return before(a.second->key, *a.first, b.second->key, *b.first); });
  return order;
}

// Memory accounting of the buffer (what --memory-mb bounds): per journey the
// hash node with its key and value, malloc headers, the bucket pointer and
// the pointer pair of the sort at spill time; strings longer than the small
// string buffer and the event vectors' capacity on top.
constexpr std::size_t kJourneyOverhead = sizeof(std::pair<const std::string, Open>) + 16 + 16 + 8 + 16;
std::size_t heap_bytes(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 + 16 : 0; }

// A directory of spill runs, removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(const std::filesystem::path& parent) {
    static std::atomic<unsigned> counter{0};
    std::filesystem::path base = parent.empty() ? std::filesystem::temp_directory_path() : parent;
    path_ = base / fmt::format("cxsim-calibrate-{}-{}", ::getpid(), counter++);
    std::error_code ec;
    std::filesystem::create_directories(path_, ec);
    if (ec)
      throw core::RuntimeError(fmt::format("cannot create temporary directory {}: {}", path_.string(), ec.message()));
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

void write_all(std::FILE* f, const void* p, std::size_t n, const std::filesystem::path& path) {
  if (n && std::fwrite(p, 1, n, f) != n)
    throw core::RuntimeError(fmt::format("cannot write temporary run {}: {}", path.string(), std::strerror(errno)));
}

class RunReader {
 public:
  RunReader(const std::filesystem::path& p, std::size_t index) : path_(p), index_(index) {
    f_.reset(std::fopen(p.c_str(), "rb"));
    if (!f_) throw core::RuntimeError(fmt::format("cannot open temporary run {}", p.string()));
    std::setvbuf(f_.get(), nullptr, _IOFBF, 1 << 16);
    advance();
  }
  bool done() const { return done_; }
  const std::string& id() const { return id_; }
  std::uint64_t key() const { return key_; }
  std::size_t index() const { return index_; }
  std::string customer;
  bool conflict = false;
  std::vector<Event> events;
  void advance() {
    std::uint32_t len = 0;
    if (std::fread(&len, sizeof len, 1, f_.get()) != 1) {
      done_ = true;
      return;
    }
    id_.resize(len);
    read(id_.data(), len);
    read(&key_, sizeof key_);
    read(&len, sizeof len);
    customer.resize(len);
    read(customer.data(), len);
    std::uint8_t c = 0;
    read(&c, 1);
    conflict = c != 0;
    std::uint64_t n = 0;
    read(&n, sizeof n);
    events.resize(n);
    read(events.data(), n * sizeof(Event));
  }

 private:
  void read(void* p, std::size_t n) {
    if (n && std::fread(p, 1, n, f_.get()) != n)
      throw core::RuntimeError(fmt::format("temporary run {} is truncated", path_.string()));
  }
  std::filesystem::path path_;
  std::size_t index_;
  FilePtr f_;
  std::string id_;
  std::uint64_t key_ = 0;
  bool done_ = false;
};

// Sort by time (stable: ties keep file order) and find exact duplicate rows
// (same row hash at the same timestamp): dropped unless kept; their number.
std::uint64_t finalize(std::vector<Event>& ev, bool keep_duplicates) {
  auto by_time = [](const Event& a, const Event& b) { return a.ts_us < b.ts_us; };
  if (!std::is_sorted(ev.begin(), ev.end(), by_time)) std::stable_sort(ev.begin(), ev.end(), by_time);
  std::uint64_t dropped = 0;
  std::size_t out = 0;
  std::size_t group_start = 0;
  for (std::size_t i = 0; i < ev.size(); ++i) {
    if (out > 0 && ev[out - 1].ts_us != ev[i].ts_us) group_start = out;
    bool dup = false;
    for (std::size_t k = group_start; k < out; ++k)
      if (ev[k].row_hash == ev[i].row_hash && ev[k].touchpoint == ev[i].touchpoint) {
        dup = true;
        break;
      }
    if (dup) {
      ++dropped;
      if (!keep_duplicates) continue;
    }
    ev[out++] = ev[i];
  }
  ev.resize(out);
  return dropped;
}

// --lifecycle on one journey's sorted events (docs/calibration.md, "Lifecycle").
void apply_lifecycle(JourneyEvents& j, Lifecycle mode, EventReadStats& st) {
  auto& ev = j.events;
  if (mode != Lifecycle::pair) {
    const std::uint8_t want = mode == Lifecycle::start ? 1 : 0;
    const auto before = ev.size();
    ev.erase(std::remove_if(ev.begin(), ev.end(), [&](const Event& e) { return e.lifecycle != want; }), ev.end());
    st.lifecycle_dropped += before - ev.size();
    return;
  }
  std::vector<Event> out;
  out.reserve(ev.size());
  auto& dur = j.duration_s;
  dur.clear();
  std::vector<std::size_t> open;  // indices into out of starts not yet completed, in time order
  for (const Event& e : ev) {
    if (e.lifecycle == 1) {
      open.push_back(out.size());
      out.push_back(e);
      dur.push_back(std::numeric_limits<double>::quiet_NaN());
    } else if (e.lifecycle == 0) {
      auto it =
          std::find_if(open.begin(), open.end(), [&](std::size_t k) { return out[k].touchpoint == e.touchpoint; });
      if (it == open.end()) {
        ++st.unpaired_completes;
        out.push_back(e);
        dur.push_back(std::numeric_limits<double>::quiet_NaN());
        continue;
      }
      Event& s = out[*it];
      dur[*it] = static_cast<double>(e.ts_us - s.ts_us) * 1e-6;
      if (e.outcome != kNone) s.outcome = e.outcome;
      if (e.status == Status::friction || s.status == Status::none) s.status = e.status;
      if (s.channel == kNone) s.channel = e.channel;
      if (s.segment == kNoSegment) s.segment = e.segment;
      ++st.paired;
      open.erase(it);
      ++st.lifecycle_dropped;  // the complete event is folded into its start's visit
    } else {
      ++st.lifecycle_dropped;
    }
  }
  st.unpaired_starts += open.size();
  ev = std::move(out);
}

}  // namespace

EventLogReader::EventLogReader(std::string path, EventReadOptions options)
    : path_(std::move(path)), opt_(std::move(options)) {}

EventReadStats EventLogReader::read(const std::function<void(const JourneyEvents&)>& on_journey) {
  EventReadStats st;
  // A stop request (a signal): checked every kStopEvery rows and journeys.
  constexpr std::uint64_t kStopEvery = 4096;
  std::uint64_t until_check = kStopEvery;
  const auto check_stop = [&] {
    if (--until_check != 0) return;
    until_check = kStopEvery;
    if (opt_.stop != nullptr && opt_.stop->load(std::memory_order_relaxed) != 0)
      throw core::Interrupted(opt_.stop->load());
  };
  // By content: CSV or XES (plain or gzip).
  const LogFormat format = detect_log_format(path_);
  st.format = log_format_name(format);
  std::unique_ptr<CsvReader> csv;
  std::unique_ptr<XesReader> xes;
  std::vector<std::string> fields;
  if (format == LogFormat::csv) {
    csv = std::make_unique<CsvReader>(path_, opt_.csv);
    csv->read_header(fields, "customer_id,journey_id,timestamp,touchpoint,...");
    st.separator = csv->separator();
  } else {
    xes = std::make_unique<XesReader>(path_);
    fields = xes->header();
  }
  auto next_row = [&] { return csv ? csv->next(fields) : xes->next(fields); };
  TimestampParser tsp(opt_.time_format, opt_.timezone);
  const std::vector<Field> wanted = {Field::customer_id, Field::journey_id, Field::timestamp,
                                     Field::touchpoint,  Field::status,     Field::channel,
                                     Field::outcome,     Field::segment,    Field::lifecycle};
  st.columns =
      resolve_columns(fields, wanted, {Field::journey_id, Field::timestamp, Field::touchpoint}, opt_.map, path_);
  const ResolvedColumns& cols = st.columns;
  const std::size_t nfields = fields.size();
  const int c_j = cols[Field::journey_id], c_t = cols[Field::timestamp], c_tp = cols[Field::touchpoint];
  const int c_c = cols[Field::customer_id], c_s = cols[Field::status], c_ch = cols[Field::channel],
            c_o = cols[Field::outcome], c_seg = cols[Field::segment], c_lc = cols[Field::lifecycle];
  auto colname = [&](int c) { return cols.header[static_cast<std::size_t>(c)]; };

  BadRowSink sink(path_, opt_.skip_bad_rows);
  StringMap<Open> open;
  std::size_t buffered = 0;
  std::unique_ptr<TempDir> tmp;
  std::vector<std::filesystem::path> runs;
  Open* last = nullptr;
  std::string last_id;

  auto spill = [&]() {
    if (!tmp) tmp = std::make_unique<TempDir>(opt_.tmp_dir);
    const auto p = tmp->path() / fmt::format("run-{:05}.bin", runs.size());
    FilePtr f(std::fopen(p.c_str(), "wb"));
    if (!f) throw core::RuntimeError(fmt::format("cannot create temporary run {}", p.string()));
    std::setvbuf(f.get(), nullptr, _IOFBF, 1 << 20);
    const auto order = in_order(open);
    for (auto& [k, v] : order) {
      const auto idlen = static_cast<std::uint32_t>(k->size());
      const auto clen = static_cast<std::uint32_t>(v->customer.size());
      const std::uint8_t c = v->conflict ? 1 : 0;
      const std::uint64_t n = v->events.size();
      write_all(f.get(), &idlen, sizeof idlen, p);
      write_all(f.get(), k->data(), idlen, p);
      write_all(f.get(), &v->key, sizeof v->key, p);
      write_all(f.get(), &clen, sizeof clen, p);
      write_all(f.get(), v->customer.data(), clen, p);
      write_all(f.get(), &c, 1, p);
      write_all(f.get(), &n, sizeof n, p);
      write_all(f.get(), v->events.data(), n * sizeof(Event), p);
    }
    if (std::fflush(f.get()) != 0)
      throw core::RuntimeError(fmt::format("cannot write temporary run {}: {}", p.string(), std::strerror(errno)));
    runs.push_back(p);
    open.clear();
    open.rehash(0);
    buffered = 0;
    last = nullptr;
    last_id.clear();
  };

  while (next_row()) {
    check_stop();
    ++st.rows;
    const std::uint64_t line = csv ? csv->record_line() : xes->record_line();
    if (!sink.field_count_ok(line, fields.size(), nfields)) continue;
    const std::string_view jid = trim(fields[static_cast<std::size_t>(c_j)]);
    if (jid.empty()) {
      sink.bad(line, colname(c_j), "empty journey_id", "empty journey id");
      continue;
    }
    const std::string_view tp = trim(fields[static_cast<std::size_t>(c_tp)]);
    if (tp.empty()) {
      sink.bad(line, colname(c_tp), "empty touchpoint", "empty touchpoint");
      continue;
    }
    const std::string_view ts_text = fields[static_cast<std::size_t>(c_t)];
    const auto ts = tsp.parse(ts_text);
    if (ts.status == TimestampParser::Status::ambiguous || ts.status == TimestampParser::Status::unknown_zone)
      sink.fatal(line, colname(c_t), fmt::format("'{}' {}", shorten(ts_text), ts.message));
    if (ts.status != TimestampParser::Status::ok) {
      const std::string msg = fmt::format("'{}' is not a timestamp ({})", shorten(ts_text), ts.message);
      // Before any timestamp has parsed, skipping would most likely drop
      // every row: the way out is the form (--time-format), not the skip.
      if (!tsp.any() && !opt_.skip_bad_rows) sink.fatal(line, colname(c_t), msg);
      sink.bad(line, colname(c_t), "timestamp does not parse", msg);
      continue;
    }
    Event e;
    e.ts_us = ts.us;
    if (c_lc >= 0) {
      std::string lc(trim(fields[static_cast<std::size_t>(c_lc)]));
      for (char& ch : lc) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      e.lifecycle = lc.empty() || lc == "complete" ? 0 : lc == "start" ? 1 : 2;
      if (st.lifecycle_values.size() < 64 || st.lifecycle_values.count(lc))
        ++st.lifecycle_values[lc.empty() ? "(empty)" : lc];
      else ++st.lifecycle_values["(other)"];
    }
    if (c_s >= 0) {
      const std::string_view sv = trim(fields[static_cast<std::size_t>(c_s)]);
      if (sv.size() == 2 && std::tolower(static_cast<unsigned char>(sv[0])) == 'o' &&
          std::tolower(static_cast<unsigned char>(sv[1])) == 'k') {
        e.status = Status::ok;
      } else {
        std::string low(sv);
        for (char& ch : low) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (low == "friction") e.status = Status::friction;
        else {
          sink.bad(line, colname(c_s), "status not ok/friction",
                   fmt::format("'{}' is not a status (expected ok or friction)", shorten(sv)));
          continue;
        }
      }
    }
    e.touchpoint = touchpoints_.intern(tp);
    if (c_ch >= 0) {
      const std::string_view ch = trim(fields[static_cast<std::size_t>(c_ch)]);
      if (!ch.empty()) e.channel = channels_.intern(ch);
    }
    if (c_o >= 0) {
      const std::string_view oc = trim(fields[static_cast<std::size_t>(c_o)]);
      if (!oc.empty()) e.outcome = outcomes_.intern(oc);
    }
    if (c_seg >= 0) {
      const std::string_view sg = trim(fields[static_cast<std::size_t>(c_seg)]);
      if (!sg.empty()) {
        if (segments_.find(sg) == kNone && segments_.size() >= kNoSegment) {
          sink.bad(line, colname(c_seg), "too many segments",
                   fmt::format("segment '{}': more than {} segments", shorten(sg), kNoSegment));
          continue;
        }
        e.segment = static_cast<std::uint16_t>(segments_.intern(sg));
      }
    }
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (const auto& fld : fields) {
      h = fnv1a64(fld, h);
      h = fnv1a64(std::string_view("\x1f", 1), h);
    }
    e.row_hash = h;
    Open* o;
    if (last && jid == last_id) {
      o = last;
    } else {
      auto it = open.find(jid);
      if (it == open.end()) {
        it = open.try_emplace(std::string(jid)).first;
        it->second.events.reserve(4);
        it->second.key = fnv1a64(jid);
        buffered += kJourneyOverhead + heap_bytes(it->first) + 4 * sizeof(Event) + 16;
      }
      o = &it->second;
      last = o;
      last_id.assign(jid);
    }
    if (c_c >= 0) {
      const std::string_view cust = trim(fields[static_cast<std::size_t>(c_c)]);
      if (!cust.empty()) {
        if (o->customer.empty()) {
          o->customer.assign(cust);
          buffered += heap_bytes(o->customer);
        } else if (!o->conflict && o->customer != cust) {
          o->conflict = true;
        }
      }
    }
    const std::size_t cap = o->events.capacity();
    o->events.push_back(e);
    buffered += (o->events.capacity() - cap) * sizeof(Event);
    ++st.events;
    st.peak_buffer_bytes = std::max<std::uint64_t>(st.peak_buffer_bytes, buffered);
    if (buffered > opt_.memory_budget_bytes) spill();
  }
  st.bytes = csv ? csv->bytes_read() : xes->bytes_read();
  st.timestamp_forms = tsp.describe();
  st.timestamp_form_counts = tsp.forms();
  st.dst_gaps = tsp.dst_gaps();
  st.dst_overlaps = tsp.dst_overlaps();
  st.bad_rows = sink.count();
  st.bad_by_reason = sink.by_reason();
  st.bad_examples = sink.examples();
  if (st.events == 0) {
    core::Diagnostics d;
    d.error({path_, 0, 0}, "",
            st.rows == 0 ? "no events: the file has a header but no rows"
                         : fmt::format(
                               "no usable events: all {} rows were bad ({}){}", st.rows,
                               [&] {
                                 std::string r;
                                 for (const auto& [k, n] : st.bad_by_reason)
                                   r += fmt::format("{}{}: {}", r.empty() ? "" : ", ", k, n);
                                 return r;
                               }(),
                               st.bad_by_reason.count("timestamp does not parse")
                                   ? "; if no timestamp parses, give its form with --time-format"
                                   : ""));
    throw core::InputError(std::move(d));
  }

  // --lifecycle can leave nothing (e.g. start on a log of complete events).
  const auto no_journeys_left = [&] {
    if (st.journeys > 0 || c_lc < 0) return;
    std::string vals;
    for (const auto& [k, n] : st.lifecycle_values) vals += fmt::format("{}{}: {}", vals.empty() ? "" : ", ", k, n);
    core::Diagnostics d;
    d.error({path_, 0, 0}, "",
            fmt::format("no events left with --lifecycle {} (column '{}' has {})", lifecycle_name(opt_.lifecycle),
                        colname(c_lc), vals));
    throw core::InputError(std::move(d));
  };
  JourneyEvents j;
  auto emit = [&](JourneyEvents& je, bool conflict) {
    if (je.customer.empty()) je.customer = je.id;
    if (conflict) ++st.customer_conflicts;
    (opt_.keep_duplicates ? st.duplicates_kept : st.duplicates) += finalize(je.events, opt_.keep_duplicates);
    je.duration_s.clear();
    if (c_lc >= 0) apply_lifecycle(je, opt_.lifecycle, st);
    if (je.events.empty()) {
      ++st.empty_journeys;
      return;
    }
    st.events_kept += je.events.size();
    // The segment: the first (in time) row's that names one.
    je.segment.clear();
    bool seg_conflict = false;
    std::uint16_t seg = kNoSegment;
    for (const Event& e : je.events) {
      if (e.segment == kNoSegment) continue;
      if (seg == kNoSegment) seg = e.segment;
      else if (e.segment != seg) seg_conflict = true;
    }
    if (seg != kNoSegment) je.segment = segments_.name(seg);
    if (seg_conflict) ++st.segment_conflicts;
    ++st.journeys;
    on_journey(je);
  };
  if (runs.empty()) {
    // Everything fitted in memory: emit in order of first appearance? The
    // unordered_map has no such order; sort by id for determinism.
    const auto order = in_order(open);
    for (auto& [k, v] : order) {
      check_stop();
      j.id = *k;
      j.customer = std::move(v->customer);
      j.events = std::move(v->events);
      emit(j, v->conflict);
    }
    open.clear();
    no_journeys_left();
    return st;
  }
  if (!open.empty()) spill();
  st.runs = runs.size();
  // k-way merge by journey id; ties by run index (file order).
  std::vector<std::unique_ptr<RunReader>> readers;
  for (std::size_t r = 0; r < runs.size(); ++r) readers.push_back(std::make_unique<RunReader>(runs[r], r));
  auto cmp = [](const RunReader* a, const RunReader* b) {
    if (a->key() != b->key()) return a->key() > b->key();
    const int c = a->id().compare(b->id());
    return c != 0 ? c > 0 : a->index() > b->index();
  };
  std::priority_queue<RunReader*, std::vector<RunReader*>, decltype(cmp)> pq(cmp);
  for (auto& r : readers)
    if (!r->done()) pq.push(r.get());
  while (!pq.empty()) {
    check_stop();
    RunReader* top = pq.top();
    pq.pop();
    j.id = top->id();
    const std::uint64_t top_key = top->key();
    j.customer.clear();
    j.events.clear();
    bool conflict = false;
    auto take = [&](RunReader* r) {
      if (j.customer.empty()) j.customer = r->customer;
      else if (!r->customer.empty() && r->customer != j.customer) conflict = true;
      conflict = conflict || r->conflict;
      j.events.insert(j.events.end(), r->events.begin(), r->events.end());
      r->advance();
      if (!r->done()) pq.push(r);
    };
    take(top);
    while (!pq.empty() && pq.top()->key() == top_key && pq.top()->id() == j.id) {
      RunReader* r = pq.top();
      pq.pop();
      take(r);
    }
    emit(j, conflict);
  }
  no_journeys_left();
  return st;
}

}  // namespace cxsim::calibrate
