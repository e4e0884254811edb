#include "cxsim/engine/event_log.h"

#include <cerrno>
#include <cmath>
#include <cstring>

#include <unistd.h>

#include <fmt/format.h>

#include "cxsim/core/errors.h"
#include "cxsim/core/time.h"
#include "cxsim/rng/stream.h"

namespace cxsim::engine {

double time_unit_ms(const std::string& u) {
  const auto* unit = core::find_time_unit(u);
  if (!unit) unit = core::find_time_unit(core::kDefaultTimeUnit);
  return unit->seconds * 1e3;
}

std::string iso8601_ms(std::int64_t ms) { return core::iso8601_utc_ms(ms); }

ChunkEventBuffer::ChunkEventBuffer(const model::CompiledModel& m, std::uint64_t seed)
    : m_(m), seed_(seed), unit_ms_(time_unit_ms(m.time_unit)) {}

void ChunkEventBuffer::flush_pending(const char* outcome) {
  if (!pending_) return;
  fmt::format_to(std::back_inserter(events), "{},{}-{},{},{},{},{},{},{}\n", p_customer_, p_customer_, p_period_,
                 iso8601_ms(p_ms_), m_.touchpoint_ids[p_tp_], p_friction_ ? "friction" : "ok",
                 m_.channels[m_.touchpoint_channel[p_tp_]], outcome, *segment_);
  pending_ = false;
}

EventSink ChunkEventBuffer::sink() {
  EventSink s;
  segment_ = &m_.segments.front().id;
  s.customer = [this](std::uint64_t, int segment) { segment_ = &m_.segments[static_cast<std::size_t>(segment)].id; };
  s.visit = [this](std::uint64_t customer, int period, int, std::uint32_t tp, bool friction, double clock,
                   std::uint32_t outcome) {
    if (customer != cur_customer_ || period != cur_period_) {
      cur_customer_ = customer;
      cur_period_ = period;
      rng::Stream st(seed_, rng::Purpose::events, customer, static_cast<std::uint32_t>(period));
      walk_start_ms_ =
          kEventEpochMs + period * kPeriodMs + static_cast<std::int64_t>(st.uniform() * 29.0 * 24 * 3600 * 1000);
    }
    if (outcome != 0xffffffffu) {
      const bool timeout = outcome >= m_.num_outcomes();
      flush_pending(timeout ? "timeout" : m_.outcome_ids[outcome].c_str());
      return;
    }
    flush_pending("");
    pending_ = true;
    p_customer_ = customer;
    p_period_ = period;
    p_tp_ = tp;
    p_friction_ = friction;
    p_ms_ = walk_start_ms_ + static_cast<std::int64_t>(std::llround(clock * unit_ms_));
  };
  s.survey = [this](std::uint64_t customer, int period, int nps, int csat, int ces) {
    fmt::format_to(std::back_inserter(surveys), "{},{}-{},{},{},{},{}\n", customer, customer, period, nps,
                   csat >= 0 ? fmt::format("{}", csat) : std::string(),
                   ces >= 0 ? fmt::format("{}", ces) : std::string(), *segment_);
  };
  return s;
}

EventLogWriter::EventLogWriter(const std::filesystem::path& dir) : dir_(dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::status(dir_, ec);
  if (fs::exists(st) && !fs::is_directory(st))
    throw core::InputError(
        fmt::format("--events-out {}: is a file, not a folder; give a folder (it receives "
                    "events.csv, surveys.csv and cohorts.csv)",
                    dir_.string()));
  ec.clear();
  fs::create_directories(dir_, ec);
  if (ec)
    throw core::InputError(fmt::format("--events-out {}: cannot create the folder: {}", dir_.string(), ec.message()));
  if (::access(dir_.c_str(), W_OK | X_OK) != 0)
    throw core::InputError(
        fmt::format("--events-out {}: cannot write into the folder: {}", dir_.string(), std::strerror(errno)));
  ev_ = std::make_unique<core::AtomicOutputFile>(dir_ / "events.csv");
  sv_ = std::make_unique<core::AtomicOutputFile>(dir_ / "surveys.csv");
  ev_->stream() << "customer_id,journey_id,timestamp,touchpoint,status,channel,outcome,segment\n";
  sv_->stream() << "customer_id,journey_id,nps,csat,ces,segment\n";
}

EventLogWriter::~EventLogWriter() = default;

void EventLogWriter::append(const std::string& events, const std::string& surveys) {
  ev_->stream() << events;
  sv_->stream() << surveys;
  if (!ev_->stream() || !sv_->stream())
    throw core::RuntimeError("writing the event log in " + dir_.string() + " failed (disk full?)");
}

void EventLogWriter::prepare(const std::vector<double>& survivors) {
  std::string cohorts = "period,alive\n";
  for (std::size_t t = 0; t < survivors.size(); ++t)
    cohorts += fmt::format("{},{}\n", t, static_cast<long long>(survivors[t]));
  co_ = std::make_unique<core::AtomicOutputFile>(dir_ / "cohorts.csv");
  co_->stream() << cohorts;
  for (auto* f : {ev_.get(), sv_.get(), co_.get()}) {
    f->stream().flush();
    if (!f->stream()) throw core::RuntimeError(fmt::format("{}: writing failed (disk full?)", f->temp_path().string()));
  }
}

void EventLogWriter::commit() {
  if (!co_) throw core::RuntimeError("EventLogWriter::commit() before prepare()");
  ev_->commit();
  sv_->commit();
  co_->commit();
}

void EventLogWriter::commit(const std::vector<double>& survivors) {
  prepare(survivors);
  commit();
}

}  // namespace cxsim::engine
