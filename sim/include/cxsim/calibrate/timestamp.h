#pragma once
// Timestamps in event logs -> microseconds since 1970-01-01T00:00:00Z.
//
// Recognised automatically (docs/calibration.md, "Timestamps"):
//   ISO-8601 / RFC 3339:  YYYY-MM-DD[(T| )hh:mm[:ss[(.|,)fraction]]][zone]
//       "2026-01-01T00:03:12.345Z", "2011-10-11 13:45:40.276000+02:00",
//       "2024-03-01" (midnight).
//   YYYY/MM/DD[ hh:mm[:ss[.fraction]]][zone]   "2014/10/22 11:15:41.000"
//   DD.MM.YYYY[ hh:mm[:ss[.fraction]]][zone]   "22.10.2014 11:15"
//   DD/MM/YYYY or MM/DD/YYYY [time][zone], only once a value settles which
//       (a day above 12: "22/10/2014" or "10/22/2014"); until then a value
//       such as "01/02/2020" is ambiguous and refused with both readings.
//   Epoch numbers: "1700000000", "1700000000.25" (seconds) and
//       "1700000000000" (milliseconds): a number whose absolute value is at
//       least 1e11 is read as milliseconds (1e11 s is the year 5138).
//   zone: Z, UTC, GMT, ±hh, ±hh:mm or ±hhmm (optionally after a space), or
//       after a space a tz database name, "2024-03-31 02:30 Europe/Amsterdam"
//       (calibrate/timezone.h: the system's zone files; DST gaps read shifted
//       forward, overlaps as the earlier instant, both counted). Without a
//       zone the time is taken as UTC, or in the --timezone zone. Fractions
//       beyond microseconds are truncated.
// Or given explicitly (--time-format, strptime-style): %Y %m %d %e %H %I %M
// %S %f %p %y %b %B %z %Z %j %T %F %s %%; a space matches any run of spaces;
// %Z also takes a zone name.
// Every form must fall in the years 0000..9999 (checked arithmetic: an
// 18-digit number is refused, never wrapped).
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cxsim/calibrate/timezone.h"

namespace cxsim::calibrate {

// ISO-8601 or an epoch number only (the forms above without the slash and
// dot dates and without any file state): nullopt when the text is not one
// (or a field is out of range: month 13, February 30, hour 24, ..., or the
// time is outside the years 0000..9999).
std::optional<std::int64_t> parse_timestamp_us(std::string_view text);

// The timestamps of one file: every recognised form (or --time-format),
// with the day/month order of slash dates settled by the first value that
// shows it, and the forms met counted for the report.
class TimestampParser {
 public:
  // `format` empty: automatic recognition. `timezone` (--timezone): the zone
  // of timestamps that name none (empty: UTC). `zone_dir`: the tz database
  // (empty: $TZDIR, else /usr/share/zoneinfo). Throws core::InputError for an
  // unknown directive in `format` or an unknown `timezone` (with did-you-mean).
  explicit TimestampParser(std::string format = {}, std::string timezone = {}, std::filesystem::path zone_dir = {});

  // unknown_zone: the value names a time zone the database does not have
  // (message with did-you-mean); a file-level error, never skipped.
  enum class Status { ok, not_a_timestamp, ambiguous, unknown_zone };
  struct Result {
    Status status = Status::not_a_timestamp;
    std::int64_t us = 0;
    std::string message;  // for not_a_timestamp / ambiguous: what was expected, the candidates
  };
  Result parse(std::string_view text);

  // The forms met, e.g. "ISO 8601 with zone (8577)"; "none" before any; then
  // the wall-clock times in a DST gap or overlap, with the first of each.
  std::string describe() const;
  std::uint64_t dst_gaps() const { return gaps_; }
  std::uint64_t dst_overlaps() const { return overlaps_; }
  // Count per form name (as in describe()).
  const std::map<std::string, std::uint64_t>& forms() const { return forms_; }
  const std::string& format() const { return format_; }
  bool any() const { return !forms_.empty(); }

 private:
  std::string format_;
  int day_first_ = -1;  // slash dates: -1 unsettled, 1 DD/MM/YYYY, 0 MM/DD/YYYY
  std::map<std::string, std::uint64_t> forms_;
  std::unique_ptr<ZoneDb> zones_;
  const TimeZone* default_zone_ = nullptr;  // --timezone; nullptr: UTC
  std::uint64_t gaps_ = 0, overlaps_ = 0;
  std::string first_gap_, first_overlap_;  // "'text' -> instant" of the first one
};

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

// "2026-01-01T00:03:12.345Z" (milliseconds, UTC).
std::string format_timestamp_ms(std::int64_t us);

}  // namespace cxsim::calibrate
