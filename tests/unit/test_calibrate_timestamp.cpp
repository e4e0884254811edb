// Timestamps of event logs: every recognised form gives the same instant,
// zones are applied, slash dates settle their day/month order or are
// refused as ambiguous with both readings, --time-format (strptime-style),
// and the hints a bad timestamp gives lead somewhere.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "cxsim/calibrate/calibrate.h"
#include "cxsim/calibrate/event_log.h"
#include "cxsim/calibrate/timestamp.h"
#include "cxsim/core/errors.h"

using namespace cxsim::calibrate;
namespace fs = std::filesystem;

namespace {

// 2014-10-22T11:15:41Z
constexpr std::int64_t kT = 1413976541LL * 1000000;

std::int64_t us(TimestampParser& p, std::string_view s) {
  const auto r = p.parse(s);
  EXPECT_EQ(r.status, TimestampParser::Status::ok) << s << ": " << r.message;
  return r.us;
}

std::int64_t auto_us(std::string_view s) {
  TimestampParser p;
  return us(p, s);
}

fs::path write(const std::string& name, const std::string& text) {
  const fs::path d = fs::temp_directory_path() / fmt::format("cxsim_test_calibrate_ts_{}", ::getpid());
  fs::create_directories(d);
  const fs::path p = d / name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

std::string error_of(const fs::path& p, EventReadOptions o = {}) {
  try {
    EventLogReader r(p.string(), o);
    r.read([](const JourneyEvents&) {});
  } catch (const cxsim::core::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(CalibrateTimestamp, EveryFormGivesTheSameInstant) {
  for (const char* s :
       {"2014-10-22T11:15:41Z", "2014-10-22T11:15:41", "2014-10-22 11:15:41", "2014-10-22T11:15:41.000Z",
        "2014-10-22T13:15:41+02:00", "2014-10-22T13:15:41+0200", "2014-10-22 06:15:41 -05:00",
        "2014-10-22T11:15:41 UTC", "2014/10/22 11:15:41.000", "2014/10/22 11:15:41", "2014/10/22 13:15:41+02:00",
        "22.10.2014 11:15:41", "22.10.2014 13:15:41+02:00", "22/10/2014 11:15:41", "10/22/2014 11:15:41", "1413976541",
        "1413976541000", "1413976541.0"}) {
    EXPECT_EQ(auto_us(s), kT) << s;
  }
  // Minutes only, dates only.
  EXPECT_EQ(auto_us("22.10.2014 11:15"), kT - 41 * 1000000);
  EXPECT_EQ(auto_us("22.10.2014"), kT - (11 * 3600 + 15 * 60 + 41) * 1000000LL);
  EXPECT_EQ(auto_us("2014/10/22"), auto_us("2014-10-22"));
  EXPECT_EQ(auto_us("2.3.2020"), auto_us("2020-03-02"));
  // Fractions.
  EXPECT_EQ(auto_us("2014/10/22 11:15:41.25"), kT + 250000);
  EXPECT_EQ(auto_us("22.10.2014 11:15:41,5"), kT + 500000);
  // The old entry point: ISO and epoch only, unchanged.
  EXPECT_EQ(parse_timestamp_us("2014-10-22T13:15:41+02:00"), kT);
  EXPECT_EQ(parse_timestamp_us("1413976541000"), kT);
  EXPECT_FALSE(parse_timestamp_us("2014/10/22 11:15:41"));
}

TEST(CalibrateTimestamp, ExplicitFormats) {
  auto with = [](const std::string& f, std::string_view s) {
    TimestampParser p(f);
    return us(p, s);
  };
  EXPECT_EQ(with("%d/%m/%Y %H:%M:%S", "22/10/2014 11:15:41"), kT);
  EXPECT_EQ(with("%m/%d/%y %I:%M:%S %p", "10/22/14 11:15:41 AM"), kT);
  EXPECT_EQ(with("%m/%d/%y %I:%M:%S %p", "10/22/14 01:15:41 pm"), kT + 2 * 3600 * 1000000LL);
  EXPECT_EQ(with("%d-%b-%Y %T%z", "22-Oct-2014 13:15:41+02:00"), kT);
  EXPECT_EQ(with("%B %e, %Y %H:%M:%S", "October 22, 2014 11:15:41"), kT);
  EXPECT_EQ(with("%F %T.%f", "2014-10-22 11:15:41.123456"), kT + 123456);
  EXPECT_EQ(with("%Y%m%d%H%M%S", "20141022111541"), kT);
  EXPECT_EQ(with("%Y-%j %H:%M:%S", "2014-295 11:15:41"), kT);
  EXPECT_EQ(with("%s", "1413976541"), kT);
  EXPECT_EQ(with("[%Y.%m.%d %H:%M:%S %Z]", "[2014.10.22 11:15:41 UTC]"), kT);
  TimestampParser p("%d/%m/%Y");
  const auto r = p.parse("2014-10-22");
  EXPECT_EQ(r.status, TimestampParser::Status::not_a_timestamp);
  EXPECT_EQ(r.message, "does not match --time-format '%d/%m/%Y'");
  EXPECT_EQ(p.parse("31/02/2020").status, TimestampParser::Status::not_a_timestamp);  // no 31 February
  EXPECT_EQ(p.describe(), "none");
  us(p, "01/02/2020");
  EXPECT_EQ(p.describe(), "--time-format '%d/%m/%Y' (1)");
  try {
    TimestampParser bad("%Y-%q");
    FAIL() << "accepted %q";
  } catch (const cxsim::core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--time-format '%Y-%q': unknown directive %q"), std::string::npos) << e.what();
  }
}

TEST(CalibrateTimestamp, SlashDatesSettleTheirOrderOrAreRefusedAsAmbiguous) {
  TimestampParser p;
  auto r = p.parse("01/02/2020 10:00");
  EXPECT_EQ(r.status, TimestampParser::Status::ambiguous);
  EXPECT_EQ(r.message,
            "is ambiguous: DD/MM/YYYY (2020-02-01) or MM/DD/YYYY (2020-01-02); say which with --time-format "
            "'%d/%m/%Y %H:%M' or --time-format '%m/%d/%Y %H:%M'");
  EXPECT_EQ(p.parse("05/05/2020").status, TimestampParser::Status::ok);  // either reading: the same day
  // A day above 12 settles the order for the rest of the file.
  us(p, "13/02/2020");
  EXPECT_EQ(us(p, "01/02/2020"), auto_us("2020-02-01"));
  EXPECT_EQ(p.parse("02/13/2020").status, TimestampParser::Status::not_a_timestamp);
  TimestampParser q;
  us(q, "02/13/2020");
  EXPECT_EQ(us(q, "01/02/2020"), auto_us("2020-01-02"));
  EXPECT_EQ(q.describe(), "MM/DD/YYYY without zone (read as UTC) (2)");
}

TEST(CalibrateTimestamp, TheFormIsReported) {
  TimestampParser p;
  us(p, "2014-10-22T11:15:41Z");
  us(p, "2014-10-22T11:15:41Z");
  us(p, "2014-10-22 11:15:41");
  us(p, "1413976541000");
  EXPECT_EQ(p.describe(), "ISO 8601 with zone (2), ISO 8601 without zone (read as UTC) (1), epoch milliseconds (1)");
  const auto log = write("form.csv",
                         "journey_id,timestamp,touchpoint\nj1,2014/10/22 11:15:41.000,a\n"
                         "j1,2014/10/22 11:16:41.000,b\n");
  CalibrateOptions o;
  o.events = log.string();
  const auto r = cxsim::calibrate::calibrate(o);
  EXPECT_NE(r.summary.find("timestamps: YYYY/MM/DD without zone (read as UTC) (2) (recognised automatically"),
            std::string::npos)
      << r.summary;
}

TEST(CalibrateTimestamp, NoHintThatDropsEveryRow) {
  // Before: '2014/10/22 11:15:41.000' was refused and the message said to
  // use --on-bad-row skip, which then dropped every row.
  const auto slash = write("slash.csv", "journey_id,timestamp,touchpoint\nj1,2014/10/22 11:15:41.000,a\n");
  EXPECT_EQ(error_of(slash), "(no error)");
  // A form nothing recognises, on the first row: the way out is
  // --time-format, never skipping.
  const auto odd =
      write("odd.csv", "journey_id,timestamp,touchpoint\nj1,22-Oct-2014 11:15,a\nj1,23-Oct-2014 11:15,b\n");
  std::string e = error_of(odd);
  EXPECT_NE(e.find("odd.csv:2: error: column 'timestamp': '22-Oct-2014 11:15' is not a timestamp"), std::string::npos)
      << e;
  EXPECT_NE(e.find("--time-format"), std::string::npos) << e;
  EXPECT_EQ(e.find("--on-bad-row"), std::string::npos) << e;
  EventReadOptions o;
  o.time_format = "%d-%b-%Y %H:%M";
  EXPECT_EQ(error_of(odd, o), "(no error)");
  // After good rows a bad one may be skipped: the hint is given.
  const auto later = write("later.csv", "journey_id,timestamp,touchpoint\nj1,2020-01-01,a\nj1,soon,b\n");
  e = error_of(later);
  EXPECT_NE(e.find("later.csv:3: error: column 'timestamp': 'soon' is not a timestamp"), std::string::npos) << e;
  EXPECT_NE(e.find("--on-bad-row skip"), std::string::npos) << e;
  // Skipping every row: the reasons and the way out.
  o = {};
  o.skip_bad_rows = true;
  e = error_of(odd, o);
  EXPECT_NE(e.find("no usable events: all 2 rows were bad (timestamp does not parse: 2); if no timestamp parses, "
                   "give its form with --time-format"),
            std::string::npos)
      << e;
  // Ambiguous: refused even when skipping, with both readings.
  const auto amb = write("amb.csv", "journey_id,timestamp,touchpoint\nj1,01/02/2020,a\nj1,13/02/2020,b\n");
  e = error_of(amb, o);
  EXPECT_NE(e.find("amb.csv:2: error: column 'timestamp': '01/02/2020' is ambiguous: DD/MM/YYYY (2020-02-01) or "
                   "MM/DD/YYYY (2020-01-02)"),
            std::string::npos)
      << e;
}
