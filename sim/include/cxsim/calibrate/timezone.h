#pragma once
// Named time zones for event-log timestamps ("2024-03-31 02:30 Europe/Amsterdam",
// --timezone): the IANA tz database as the system installs it (Debian's
// tzdata: /usr/share/zoneinfo, TZif files, RFC 8536), read here because
// gcc 12's libstdc++ has no std::chrono::tzdb.
//
// A zone is its transitions (UTC instant -> UTC offset after it) from the
// file's 64-bit data (version 2+; the 32-bit block of a version 1 file),
// continued past the last one by the footer's POSIX TZ rule
// ("CET-1CEST,M3.5.0,M10.5.0/3") up to the year 9999.
//
// A wall-clock time maps to one instant, except around a transition
// (docs/calibration.md, "Time zones"):
//   gap (clocks go forward, e.g. 02:30 on 2024-03-31 in Europe/Amsterdam
//       does not exist): read with the offset before the transition, i.e.
//       shifted forward by the gap (02:30 -> 03:30 CEST = 01:30Z), as
//       java.time and Python's fold=0 do;
//   overlap (clocks go back, 02:30 on 2024-10-27 happens twice): the earlier
//       instant (the first 02:30, CEST = 00:30Z).
// Both are counted and named in the calibration report.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cxsim::calibrate {

class TimeZone {
 public:
  // Parses the bytes of a TZif file; nullopt when they are not one (or
  // malformed). `name` is kept for messages.
  static std::optional<TimeZone> from_tzif(std::string name, std::string_view bytes);
  // A zone of one fixed offset (seconds east of UTC), e.g. UTC.
  static TimeZone fixed(std::string name, std::int32_t offset_s);

  const std::string& name() const { return name_; }
  // The UTC offset (seconds east) in force at instant t (seconds since 1970-01-01T00:00:00Z).
  std::int32_t offset_at(std::int64_t t) const;

  enum class Kind { unique, gap, overlap };
  struct Resolved {
    Kind kind = Kind::unique;
    std::int64_t utc = 0;    // the instant chosen (gap: shifted forward; overlap: the earlier one)
    std::int64_t later = 0;  // overlap: the later instant (else = utc)
  };
  // A wall-clock time in this zone, as seconds since 1970-01-01T00:00 read
  // as if it were UTC, to the instant.
  Resolved resolve(std::int64_t local) const;

 private:
  std::string name_;
  std::int32_t initial_ = 0;          // offset before the first transition
  std::vector<std::int64_t> at_;      // transition instants, ascending
  std::vector<std::int32_t> offset_;  // offset from each transition on
};

// The POSIX TZ rule of a TZif footer, e.g. "CET-1CEST,M3.5.0,M10.5.0/3".
// Exposed for tests; nullopt when `text` is not one.
struct PosixRule {
  std::int32_t std_offset = 0, dst_offset = 0;  // seconds east of UTC
  bool has_dst = false;
  struct Date {
    char form = 'M';  // 'M' (month.week.day), 'J' (1..365, no 29 February) or 'n' (0..365)
    int month = 0, week = 0, day = 0;
    std::int32_t time = 7200;  // seconds after local midnight (may be negative or above 24 h)
  };
  Date start, end;  // DST starts (local standard time) and ends (local DST time)
  // The two transitions of `year`, as (instant, offset after), in time order.
  std::vector<std::pair<std::int64_t, std::int32_t>> transitions(int year) const;
};
std::optional<PosixRule> parse_posix_tz(std::string_view text);

// The zones of one tz database directory, loaded on first use. Not
// thread-safe (one per parser).
class ZoneDb {
 public:
  // `dir` empty: $TZDIR when set, else /usr/share/zoneinfo.
  explicit ZoneDb(std::filesystem::path dir = {});
  const std::filesystem::path& dir() const { return dir_; }
  // The zone, or nullptr when there is no such zone file. "UTC", "Z" and
  // "GMT" are always known (also without a database).
  const TimeZone* find(std::string_view name);
  // Every zone name of the database (for did-you-mean; listed on first use).
  const std::vector<std::string>& names();
  // " (did you mean 'Europe/Amsterdam'?)", or "" when nothing is close.
  std::string suggestion(std::string_view name);

 private:
  std::filesystem::path dir_;
  std::map<std::string, std::unique_ptr<TimeZone>, std::less<>> cache_;  // nullptr: looked up, absent
  std::optional<std::vector<std::string>> names_;
};

// True when `name` has the shape of a tz database name: letters, digits,
// '_', '+', '-' in '/'-separated parts, starting with a letter, no "..".
bool looks_like_zone_name(std::string_view name);

}  // namespace cxsim::calibrate
