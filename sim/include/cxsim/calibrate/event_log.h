#pragma once
// Streaming event-log reader: CSV rows (or XES events, xes.h) -> complete
// journeys, each with its events ordered by timestamp (ties in file order),
// exact duplicate rows kept (PM4Py's convention) or dropped, and lifecycle
// start/complete events chosen or paired (docs/calibration.md, "Memory",
// "Lifecycle", "Duplicates").
//
// Rows may come in any order. Open journeys are buffered in memory as compact
// 32-byte events keyed by journey_id. When the buffer passes the memory
// budget it is written, sorted by journey_id, to a temporary run file and
// cleared; at the end the runs are merged (a k-way merge by journey_id), so
// memory is bounded by the budget plus one journey per run whatever the row
// order and the file size. Without a spill (the log fits the budget) nothing
// touches the disk.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cxsim/calibrate/columns.h"
#include "cxsim/calibrate/csv.h"

namespace cxsim::calibrate {

inline constexpr std::uint32_t kNone = 0xFFFFFFFFu;

// Transparent hashing: look strings up by string_view without allocating.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

// Interned strings (touchpoints, channels, outcomes).
class Dictionary {
 public:
  std::uint32_t intern(std::string_view s);
  std::uint32_t find(std::string_view s) const;  // kNone when absent
  const std::string& name(std::uint32_t i) const { return names_[i]; }
  std::size_t size() const { return names_.size(); }
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
  StringMap<std::uint32_t> index_;
};

// The segment of an event whose row has none (or the log no segment column).
inline constexpr std::uint16_t kNoSegment = 0xFFFFu;

enum class Status : std::uint8_t { ok = 0, friction = 1, none = 2 };

struct Event {
  std::int64_t ts_us = 0;      // microseconds since the epoch (UTC)
  std::uint64_t row_hash = 0;  // hash of every field of the row (duplicate detection)
  std::uint32_t touchpoint = 0;
  std::uint32_t channel = kNone;
  std::uint32_t outcome = kNone;
  Status status = Status::none;
  std::uint8_t lifecycle = 0;          // 0 complete (or none), 1 start, 2 another transition
  std::uint16_t segment = kNoSegment;  // index into EventLogReader::segments()
};
static_assert(sizeof(Event) == 32, "events are kept compact");

struct JourneyEvents {
  std::string id;
  std::string customer;       // the first non-empty customer_id (else the journey id)
  std::string segment;        // the first non-empty segment of its rows (empty: none)
  std::vector<Event> events;  // sorted by time (stable), duplicates dropped unless kept
  // --lifecycle pair: per event, seconds from its start to its complete
  // event (NaN: unpaired); empty otherwise.
  std::vector<double> duration_s;
};

// Which lifecycle transitions become visits (the lifecycle column, e.g.
// XES lifecycle:transition; without one every row is a complete event):
// complete (default) keeps complete events, start keeps start events, pair
// makes one visit of each start and the next complete of the same
// touchpoint in the journey, at the start's time, with the duration between
// them. Other transitions (schedule, suspend, ...) are dropped and counted.
enum class Lifecycle { complete, start, pair };
// "complete", "start", "pair"; throws InputError naming --lifecycle.
Lifecycle parse_lifecycle(const std::string& text);
const char* lifecycle_name(Lifecycle l);

struct EventReadOptions {
  CsvOptions csv;
  ColumnMap map;
  bool skip_bad_rows = false;
  bool keep_duplicates = false;
  Lifecycle lifecycle = Lifecycle::complete;
  std::string time_format;  // --time-format (strptime-style); empty: automatic
  std::string timezone;     // --timezone (tz database name); empty: UTC
  std::size_t memory_budget_bytes = std::size_t{128} << 20;
  std::filesystem::path tmp_dir;  // for spill runs (default: the system temp dir)
  // Non-zero (a signal number) once the command should stop: polled every
  // few thousand rows and journeys; the reader then throws core::Interrupted
  // and its spill runs are removed as it unwinds.
  const std::atomic<int>* stop = nullptr;
};

struct EventReadStats {
  std::uint64_t rows = 0;    // data rows read (bad ones included)
  std::uint64_t events = 0;  // rows kept
  std::uint64_t bad_rows = 0;
  std::uint64_t duplicates = 0;       // exact duplicate rows dropped
  std::uint64_t duplicates_kept = 0;  // exact duplicate rows kept (keep_duplicates)
  std::uint64_t events_kept = 0;      // events passed on in journeys (after duplicates and lifecycle)
  std::string format = "CSV";         // "CSV", "XES", "XES (gzip)" (by content)
  std::string timestamp_forms;        // TimestampParser::describe()
  std::map<std::string, std::uint64_t> timestamp_form_counts;
  std::uint64_t dst_gaps = 0, dst_overlaps = 0;  // wall-clock times in a DST gap / overlap (timezone.h)
  // Lifecycle (with a lifecycle column): values as found (lower case) and
  // what --lifecycle did with them.
  std::map<std::string, std::uint64_t> lifecycle_values;
  std::uint64_t lifecycle_dropped = 0;  // events not kept (the other transition, or not start/complete)
  std::uint64_t paired = 0, unpaired_starts = 0, unpaired_completes = 0;
  std::uint64_t empty_journeys = 0;  // journeys left without events by --lifecycle (not passed on)
  std::uint64_t journeys = 0;
  std::uint64_t customer_conflicts = 0;  // journeys whose rows name several customers
  std::uint64_t segment_conflicts = 0;   // journeys whose rows name several segments
  std::uint64_t runs = 0;                // spill runs written
  std::uint64_t peak_buffer_bytes = 0;   // peak estimated size of the in-memory buffer
  std::uint64_t bytes = 0;               // file bytes read
  std::map<std::string, std::uint64_t> bad_by_reason;
  std::vector<std::string> bad_examples;  // the first few formatted messages
  ResolvedColumns columns;
  char separator = ',';
};

class EventLogReader {
 public:
  EventLogReader(std::string path, EventReadOptions options);
  // Streams the log and calls `on_journey` once per journey, in the same
  // order (by a hash of journey_id, then journey_id) whether or not runs were
  // spilled, so results never depend on the memory budget.
  // Throws core::InputError for a bad row (unless skip_bad_rows), a missing
  // column, an empty file or a log without events.
  EventReadStats read(const std::function<void(const JourneyEvents&)>& on_journey);

  const Dictionary& touchpoints() const { return touchpoints_; }
  const Dictionary& channels() const { return channels_; }
  const Dictionary& outcomes() const { return outcomes_; }
  const Dictionary& segments() const { return segments_; }

 private:
  std::string path_;
  EventReadOptions opt_;
  Dictionary touchpoints_, channels_, outcomes_, segments_;
};

// Bad rows: "file:line: column 'x': message" as an error, or counted by reason.
class BadRowSink {
 public:
  BadRowSink(std::string file, bool skip) : file_(std::move(file)), skip_(skip) {}
  // A row error that skipping would not help (e.g. an ambiguous timestamp
  // form): always an InputError, without the --on-bad-row hint.
  [[noreturn]] void fatal(std::uint64_t line, const std::string& column, const std::string& message);
  // Throws InputError unless skipping; `reason` is the short key counted.
  void bad(std::uint64_t line, const std::string& column, const std::string& reason, const std::string& message);
  // False (after bad()) when a row has `found` fields where the header has `expected`.
  bool field_count_ok(std::uint64_t line, std::size_t found, std::size_t expected);
  std::uint64_t count() const { return count_; }
  const std::map<std::string, std::uint64_t>& by_reason() const { return by_reason_; }
  const std::vector<std::string>& examples() const { return examples_; }

 private:
  std::string file_;
  bool skip_;
  std::uint64_t count_ = 0;
  std::map<std::string, std::uint64_t> by_reason_;
  std::vector<std::string> examples_;
};

// 64-bit FNV-1a, and a deterministic uniform in (0,1) from (text, seed) used
// to assign journeys to the holdout: the first draw of the Philox stream
// (seed, Purpose::holdout, customer = bits 0..39 of fnv1a64(text), period 0,
// step = bits 40..63), so the same seed gives the same split on any platform
// (docs/methods/calibration.md, "Holdout").
std::uint64_t fnv1a64(std::string_view s, std::uint64_t h = 0xcbf29ce484222325ull);
double hash_uniform(std::string_view s, std::uint64_t seed);

}  // namespace cxsim::calibrate
