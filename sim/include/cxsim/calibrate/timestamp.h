#pragma once
// Timestamps in event logs -> microseconds since 1970-01-01T00:00:00Z.
//
// Accepted (docs/calibration.md, "Timestamps"):
//   ISO-8601 / RFC 3339:  YYYY-MM-DD[(T| )hh:mm[:ss[(.|,)fraction]]][Z|±hh[:mm]|±hhmm]
//       "2026-01-01T00:03:12.345Z", "2011-10-11 13:45:40.276000+02:00",
//       "2024-03-01" (midnight). Without an offset the time is taken as UTC.
//       Fractions beyond microseconds are truncated.
//   Epoch numbers: "1700000000", "1700000000.25" (seconds) and
//       "1700000000000" (milliseconds): a number whose absolute value is at
//       least 1e11 is read as milliseconds (1e11 s is the year 5138).
//   Either form must fall in the years 0000..9999 (checked arithmetic: an
//   18-digit number is refused, never wrapped).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cxsim::calibrate {

// nullopt when the text is not a timestamp in one of the forms above (or a
// field is out of range: month 13, February 30, hour 24, ..., or the time is
// outside the years 0000..9999).
std::optional<std::int64_t> parse_timestamp_us(std::string_view text);

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

// "2026-01-01T00:03:12.345Z" (milliseconds, UTC).
std::string format_timestamp_ms(std::int64_t us);

}  // namespace cxsim::calibrate
