#pragma once
// The simulated event log and survey answers, in the calibration formats of
// docs/model.md section 9 (`cxsim run --events-out DIR`). Rows are produced per
// chunk (in worker threads) and written in chunk order, so the files are
// identical for any thread count.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cxsim/core/atomic_output.h"
#include "cxsim/engine/simulate.h"

namespace cxsim::engine {

// Simulated clock: period t starts at 2026-01-01T00:00:00Z + t·30 days; a
// walk starts at a deterministic offset within the first 29 days of its
// period (its own stream, Purpose::events).
inline constexpr std::int64_t kEventEpochMs = 1767225600000;  // 2026-01-01T00:00:00Z
inline constexpr std::int64_t kPeriodMs = 30LL * 24 * 3600 * 1000;

// Milliseconds per unit of a journey's time_unit.
double time_unit_ms(const std::string& time_unit);
// "2026-01-01T00:03:12.345Z"
std::string iso8601_ms(std::int64_t epoch_ms);

// Builds one chunk's CSV rows. Use sink() as the kernel's EventSink.
class ChunkEventBuffer {
 public:
  ChunkEventBuffer(const model::CompiledModel& m, std::uint64_t seed);
  EventSink sink();
  std::string events;   // rows of events.csv (no header)
  std::string surveys;  // rows of surveys.csv (no header)

 private:
  void flush_pending(const char* outcome);
  const model::CompiledModel& m_;
  std::uint64_t seed_;
  double unit_ms_;
  bool pending_ = false;
  std::uint64_t p_customer_ = 0;
  int p_period_ = 0;
  std::uint32_t p_tp_ = 0;
  bool p_friction_ = false;
  std::int64_t p_ms_ = 0;
  std::int64_t walk_start_ms_ = 0;
  const std::string* segment_ = nullptr;  // the current customer's segment id
  std::uint64_t cur_customer_ = ~0ull;
  int cur_period_ = -1;
};

// Writes DIR/events.csv, DIR/surveys.csv and DIR/cohorts.csv atomically:
// temporaries, renamed by commit(). The folder is created if missing; a file
// in its place, or a folder that cannot be created or written, is an
// InputError.
class EventLogWriter {
 public:
  explicit EventLogWriter(const std::filesystem::path& dir);
  ~EventLogWriter();
  void append(const std::string& events, const std::string& surveys);
  // Writes cohorts.csv (survivors[t] = customers alive after t periods,
  // t = 0..P) and flushes all three temporaries (RuntimeError if that fails);
  // afterwards commit() only closes and renames them. So another output can
  // be committed in between, and the outputs of one run commit together.
  void prepare(const std::vector<double>& survivors);
  void commit();
  // prepare() then commit().
  void commit(const std::vector<double>& survivors);

 private:
  std::filesystem::path dir_;
  std::unique_ptr<core::AtomicOutputFile> ev_, sv_, co_;
};

}  // namespace cxsim::engine
