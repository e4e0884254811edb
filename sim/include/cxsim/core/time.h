#pragma once
// Calendar arithmetic and ISO-8601 formatting shared by the event-log writer,
// calibration and provenance attributes (proleptic Gregorian, UTC).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cxsim::core {

// The time units a journey's durations may be in (docs/journey-format.md,
// `time_unit`): the one table the validator, the event log and calibration
// read. No aliases: a unit is written exactly as named here.
struct TimeUnit {
  std::string_view name;
  double seconds;  // seconds per unit
};
inline constexpr std::array<TimeUnit, 5> kTimeUnits = {
    {{"seconds", 1.0}, {"minutes", 60.0}, {"hours", 3600.0}, {"days", 86400.0}, {"weeks", 604800.0}}};
inline constexpr std::string_view kDefaultTimeUnit = "minutes";

// The unit named `name`, or nullptr.
const TimeUnit* find_time_unit(std::string_view name);
// The unit names in table order ("seconds", ..., "weeks").
std::vector<std::string> time_unit_names();

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

// "2026-01-01T00:03:12.345Z" for milliseconds since the epoch (floor for negatives).
std::string iso8601_utc_ms(std::int64_t epoch_ms);

// The current time as "2026-11-22T10:00:00Z".
std::string utc_now_iso8601();

}  // namespace cxsim::core
