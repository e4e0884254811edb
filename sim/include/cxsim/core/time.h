#pragma once
// Calendar arithmetic and ISO-8601 formatting shared by the event-log writer,
// calibration and provenance attributes (proleptic Gregorian, UTC).
#include <cstdint>
#include <string>

namespace cxsim::core {

// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

// "2026-01-01T00:03:12.345Z" for milliseconds since the epoch (floor for negatives).
std::string iso8601_utc_ms(std::int64_t epoch_ms);

// The current time as "2026-11-22T10:00:00Z".
std::string utc_now_iso8601();

}  // namespace cxsim::core
