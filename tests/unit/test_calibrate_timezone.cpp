// Named time zones in event-log timestamps (calibrate/timezone.h): TZif files
// (the fixed copies in tests/data/tzdata, Debian tzdata 2025b), the POSIX
// rule of their footer past the last transition, DST gaps (shifted forward)
// and overlaps (the earlier instant), --timezone, and unknown names refused
// with a did-you-mean. Expected instants are Python's zoneinfo (fold=0) on
// the same files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "cxsim/calibrate/event_log.h"
#include "cxsim/calibrate/timestamp.h"
#include "cxsim/calibrate/timezone.h"
#include "cxsim/core/errors.h"

using namespace cxsim::calibrate;
namespace fs = std::filesystem;

namespace {

const fs::path kZones = fs::path(CXSIM_TEST_DATA_DIR) / "tzdata";

std::int64_t sec(TimestampParser& p, std::string_view s) {
  const auto r = p.parse(s);
  EXPECT_EQ(r.status, TimestampParser::Status::ok) << s << ": " << r.message;
  return r.us / 1000000;
}

std::int64_t utc(std::string_view iso) {
  TimestampParser p;
  return sec(p, iso);
}

TimeZone load(const std::string& name) {
  ZoneDb db(kZones);
  const TimeZone* z = db.find(name);
  EXPECT_NE(z, nullptr) << name;
  return z ? *z : TimeZone::fixed(name, 0);
}

// A TZif file: version, transitions (instant, type), types (offsets), footer.
std::string tzif(char version, const std::vector<std::pair<std::int64_t, int>>& trans,
                 const std::vector<std::int32_t>& types, const std::string& footer) {
  auto be32 = [](std::string& s, std::uint32_t v) {
    for (int k = 3; k >= 0; --k) s += static_cast<char>((v >> (8 * k)) & 0xff);
  };
  auto block = [&](int width) {
    std::string s = "TZif";
    s += version;
    s += std::string(15, '\0');
    for (const std::uint32_t n :
         {0u, 0u, 0u, static_cast<std::uint32_t>(trans.size()), static_cast<std::uint32_t>(types.size()), 4u})
      be32(s, n);
    for (const auto& t : trans) {
      if (width == 8) be32(s, static_cast<std::uint32_t>(static_cast<std::uint64_t>(t.first) >> 32));
      be32(s, static_cast<std::uint32_t>(t.first));
    }
    for (const auto& t : trans) s += static_cast<char>(t.second);
    for (const auto o : types) {
      be32(s, static_cast<std::uint32_t>(o));
      s += '\0';
      s += '\0';
    }
    s += std::string("XXX\0", 4);
    return s;
  };
  std::string out = block(4);
  if (version >= '2') out += block(8) + "\n" + footer + "\n";
  return out;
}

}  // namespace

TEST(CalibrateTimezone, NamedZonesGiveTheInstantsOfTheTzDatabase) {
  TimestampParser p({}, {}, kZones);
  // Standard and summer time, either side of the spring transition.
  EXPECT_EQ(sec(p, "2024-01-15 12:00 Europe/Amsterdam"), utc("2024-01-15T11:00:00Z"));
  EXPECT_EQ(sec(p, "2024-07-01T12:00:00 Europe/Amsterdam"), utc("2024-07-01T10:00:00Z"));
  EXPECT_EQ(sec(p, "2024-03-31 01:59:59 Europe/Amsterdam"), utc("2024-03-31T00:59:59Z"));
  EXPECT_EQ(sec(p, "2024-03-31 03:00 Europe/Amsterdam"), utc("2024-03-31T01:00:00Z"));
  EXPECT_EQ(sec(p, "2024-07-01 12:00 Asia/Kolkata"), utc("2024-07-01T06:30:00Z"));  // +05:30, no DST
  EXPECT_EQ(sec(p, "2099-07-04 12:00 America/New_York"), utc("2099-07-04T16:00:00Z"));
  // Local mean time before the first standard offset (Amsterdam +00:19:32 in 1900).
  EXPECT_EQ(sec(p, "1900-01-01 00:00 Europe/Amsterdam"), -2208989972);
  EXPECT_EQ(sec(p, "1850-06-01 00:00 America/New_York"), -3773761438);
  // The other recognised forms take a name too; fractions are kept.
  EXPECT_EQ(sec(p, "2024/07/01 12:00:00 Europe/Amsterdam"), utc("2024-07-01T10:00:00Z"));
  EXPECT_EQ(sec(p, "01.07.2024 12:00 Europe/Amsterdam"), utc("2024-07-01T10:00:00Z"));
  EXPECT_EQ(p.parse("2024-07-01 12:00:00.25 Europe/Amsterdam").us, utc("2024-07-01T10:00:00Z") * 1000000 + 250000);
  // Offsets and UTC still read as before.
  EXPECT_EQ(sec(p, "2024-07-01 12:00 UTC"), utc("2024-07-01T12:00:00Z"));
  EXPECT_EQ(sec(p, "2024-07-01 14:00 +02:00"), utc("2024-07-01T12:00:00Z"));
  EXPECT_NE(p.describe().find("ISO 8601 with a zone name (9)"), std::string::npos) << p.describe();
}

TEST(CalibrateTimezone, TheFooterRuleContinuesPastTheLastTransition) {
  // The files list transitions up to 2037; later years come from the footer
  // ("CET-1CEST,M3.5.0,M10.5.0/3", "AEST-10AEDT,M10.1.0,M4.1.0/3").
  TimestampParser p({}, {}, kZones);
  EXPECT_EQ(sec(p, "2050-07-01 12:00 Europe/Amsterdam"), 2540282400);
  EXPECT_EQ(sec(p, "2050-12-01 12:00 Europe/Amsterdam"), utc("2050-12-01T11:00:00Z"));
  EXPECT_EQ(sec(p, "2061-01-15 12:00 Australia/Sydney"), 2872976400);  // southern summer: +11
  EXPECT_EQ(sec(p, "2061-07-15 12:00 Australia/Sydney"), utc("2061-07-15T02:00:00Z"));
  // Every instant of 2024 and 2061 (15-minute steps) reads back from its wall clock.
  for (const char* name : {"Europe/Amsterdam", "America/New_York", "Australia/Sydney", "Asia/Kolkata"}) {
    const TimeZone z = load(name);
    for (const std::int64_t start : {utc("2024-01-01T00:00:00Z"), utc("2061-01-01T00:00:00Z")})
      for (std::int64_t t = start; t < start + 366 * 86400; t += 900) {
        const auto r = z.resolve(t + z.offset_at(t));
        ASSERT_NE(r.kind, TimeZone::Kind::gap) << name << " " << t;
        ASSERT_TRUE(r.utc == t || r.later == t) << name << " " << t;
      }
  }
}

TEST(CalibrateTimezone, GapsShiftForwardAndOverlapsTakeTheEarlierInstant) {
  TimestampParser p({}, {}, kZones);
  // 2024-03-31 02:30 does not exist in Amsterdam (02:00 CET -> 03:00 CEST):
  // read with the offset before the gap, i.e. as 03:30 CEST.
  EXPECT_EQ(sec(p, "2024-03-31 02:30 Europe/Amsterdam"), utc("2024-03-31T01:30:00Z"));
  EXPECT_EQ(sec(p, "2024-03-31 02:30 Europe/Amsterdam"), sec(p, "2024-03-31 03:30 Europe/Amsterdam"));
  // 2024-10-27 02:30 happens twice (CEST, then CET): the first.
  EXPECT_EQ(sec(p, "2024-10-27 02:30 Europe/Amsterdam"), utc("2024-10-27T00:30:00Z"));
  EXPECT_EQ(sec(p, "2024-10-27 03:00 Europe/Amsterdam"), utc("2024-10-27T02:00:00Z"));  // after the overlap
  // New York and, from the footer, the southern hemisphere and 2050.
  EXPECT_EQ(sec(p, "2024-03-10 02:30 America/New_York"), 1710055800);
  EXPECT_EQ(sec(p, "2024-11-03 01:30 America/New_York"), 1730611800);
  EXPECT_EQ(sec(p, "2050-03-27 02:30 Europe/Amsterdam"), 2531957400);
  EXPECT_EQ(sec(p, "2050-10-30 02:30 Europe/Amsterdam"), 2550702600);
  EXPECT_EQ(sec(p, "2061-10-02 02:30 Australia/Sydney"), 2895409800);
  EXPECT_EQ(sec(p, "2061-04-03 02:30 Australia/Sydney"), 2879681400);
  EXPECT_EQ(p.dst_gaps(), 5u);
  EXPECT_EQ(p.dst_overlaps(), 4u);
  const std::string d = p.describe();
  EXPECT_NE(d.find("; 5 in a DST gap (a wall-clock time that does not exist), read shifted forward by the gap, first "
                   "'2024-03-31 02:30 Europe/Amsterdam' -> 2024-03-31T01:30:00.000Z"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("; 4 in a DST overlap (a wall-clock time that happens twice), read as the earlier instant, first "
                   "'2024-10-27 02:30 Europe/Amsterdam' -> 2024-10-27T00:30:00.000Z, not 2024-10-27T01:30:00.000Z"),
            std::string::npos)
      << d;
  const TimeZone z = load("Europe/Amsterdam");
  const auto o = z.resolve(utc("2024-10-27T02:30:00Z"));
  EXPECT_EQ(o.kind, TimeZone::Kind::overlap);
  EXPECT_EQ(o.utc, utc("2024-10-27T00:30:00Z"));
  EXPECT_EQ(o.later, utc("2024-10-27T01:30:00Z"));
  EXPECT_EQ(z.resolve(utc("2024-03-31T02:30:00Z")).kind, TimeZone::Kind::gap);
}

TEST(CalibrateTimezone, TimezoneOptionReadsTimestampsWithoutAZone) {
  TimestampParser p({}, "Europe/Amsterdam", kZones);
  EXPECT_EQ(sec(p, "2024-07-01 12:00"), utc("2024-07-01T10:00:00Z"));
  EXPECT_EQ(sec(p, "2024/01/15 12:00"), utc("2024-01-15T11:00:00Z"));
  EXPECT_EQ(sec(p, "2024-07-01 12:00Z"), utc("2024-07-01T12:00:00Z"));                  // a zone of its own wins
  EXPECT_EQ(sec(p, "2024-07-01 12:00 America/New_York"), utc("2024-07-01T16:00:00Z"));  // so does a name
  EXPECT_EQ(sec(p, "1719835200"), utc("2024-07-01T12:00:00Z"));                         // epoch: an instant
  EXPECT_EQ(sec(p, "2024-03-31 02:30"), utc("2024-03-31T01:30:00Z"));                   // gap
  EXPECT_NE(p.describe().find("ISO 8601 without zone (read in Europe/Amsterdam) (2)"), std::string::npos)
      << p.describe();
  // --time-format: without a zone, the --timezone; %Z takes a name.
  TimestampParser f("%d.%m.%Y %H:%M", "America/New_York", kZones);
  EXPECT_EQ(sec(f, "04.07.2024 12:00"), utc("2024-07-04T16:00:00Z"));
  TimestampParser g("%d.%m.%Y %H:%M %Z", {}, kZones);
  EXPECT_EQ(sec(g, "31.03.2024 03:30 Europe/Amsterdam"), utc("2024-03-31T01:30:00Z"));
  EXPECT_EQ(sec(g, "31.03.2024 03:30 UTC"), utc("2024-03-31T03:30:00Z"));
  EXPECT_EQ(g.describe(),
            "--time-format '%d.%m.%Y %H:%M %Z' (1), --time-format '%d.%m.%Y %H:%M %Z' with a zone name (1)");
}

TEST(CalibrateTimezone, UnknownZonesAreRefusedWithASuggestion) {
  TimestampParser p({}, {}, kZones);
  auto r = p.parse("2024-03-31 02:30 Europe/Amsterdm");
  EXPECT_EQ(r.status, TimestampParser::Status::unknown_zone);
  EXPECT_EQ(r.message, fmt::format("names the time zone 'Europe/Amsterdm', which is not in {} (did you mean "
                                   "'Europe/Amsterdam'?)",
                                   kZones.string()));
  r = p.parse("2024-03-31 02:30 europe/amsterdam");
  EXPECT_EQ(r.status, TimestampParser::Status::unknown_zone);
  EXPECT_NE(r.message.find("(did you mean 'Europe/Amsterdam'?)"), std::string::npos) << r.message;
  r = p.parse("2024-03-31 02:30 Mars/Olympus_Mons");
  EXPECT_EQ(r.status, TimestampParser::Status::unknown_zone);
  EXPECT_EQ(r.message.find("did you mean"), std::string::npos) << r.message;
  // A word that is no zone and close to none ("PM" of a 12-hour clock): not
  // a timestamp (a bad row, with the usual hint), not a zone error.
  r = p.parse("2024-03-31 02:30 PM");
  EXPECT_EQ(r.status, TimestampParser::Status::not_a_timestamp);
  EXPECT_EQ(r.message.find(fmt::format("'PM' is not a time zone in {}; expected ISO-8601", kZones.string())), 0u)
      << r.message;
  // Not a name at all (a path, garbage): not a timestamp.
  EXPECT_EQ(p.parse("2024-03-31 02:30 ../../etc/passwd").status, TimestampParser::Status::not_a_timestamp);
  EXPECT_EQ(p.parse("2024-03-31 02:30 Europe//Amsterdam").status, TimestampParser::Status::not_a_timestamp);
  try {
    TimestampParser bad({}, "America/NewYork", kZones);
    FAIL() << "accepted an unknown --timezone";
  } catch (const cxsim::core::InputError& e) {
    EXPECT_EQ(std::string(e.what()), fmt::format("--timezone 'America/NewYork': no such time zone in {} (did you "
                                                 "mean 'America/New_York'?)",
                                                 kZones.string()));
  }
  // A file that is not TZif is no zone.
  ZoneDb db(kZones);
  EXPECT_EQ(db.find("README.md"), nullptr);
  EXPECT_NE(db.find("UTC"), nullptr);  // always known
  EXPECT_EQ(db.names(),
            (std::vector<std::string>{"America/New_York", "Asia/Kolkata", "Australia/Sydney", "Europe/Amsterdam"}));
}

TEST(CalibrateTimezone, UnknownZoneInALogIsAFileError) {
  // In an event log an unknown zone stops the read (exit 2) at its line,
  // also with --on-bad-row skip (skipping would drop every such row).
  const fs::path d = fs::temp_directory_path() / fmt::format("cxsim_test_calibrate_tz_{}", ::getpid());
  fs::create_directories(d);
  const fs::path log = d / "events.csv";
  std::ofstream(log) << "journey_id,timestamp,touchpoint\nj1,2024-03-31 01:00 UTC,a\n"
                        "j1,2024-03-31 02:30 Europe/Amsterdm,b\n";
  ::setenv("TZDIR", kZones.c_str(), 1);
  for (const bool skip : {false, true}) {
    EventReadOptions o;
    o.skip_bad_rows = skip;
    try {
      EventLogReader r(log.string(), o);
      r.read([](const JourneyEvents&) {});
      ADD_FAILURE() << "read a misspelt zone";
    } catch (const cxsim::core::InputError& e) {
      const std::string w = e.what();
      EXPECT_NE(w.find(log.string() + ":3"), std::string::npos) << w;
      EXPECT_NE(w.find("(did you mean 'Europe/Amsterdam'?)"), std::string::npos) << w;
    }
  }
  // --timezone: the reader's parser, the same database.
  EventReadOptions o;
  o.timezone = "Europe/Amsterdm";
  EXPECT_THROW(EventLogReader(log.string(), o).read([](const JourneyEvents&) {}), cxsim::core::InputError);
  ::unsetenv("TZDIR");
  fs::remove_all(d);
}

TEST(CalibrateTimezone, TzifFilesOfEveryVersionAndTheirFooters) {
  // A version 1 file: 32-bit transitions, no footer.
  const auto v1 = TimeZone::from_tzif("v1", tzif('\0', {{1000000, 1}, {2000000, 0}}, {3600, 7200}, ""));
  ASSERT_TRUE(v1);
  EXPECT_EQ(v1->offset_at(0), 3600);
  EXPECT_EQ(v1->offset_at(1000000), 7200);
  EXPECT_EQ(v1->offset_at(1999999), 7200);
  EXPECT_EQ(v1->offset_at(2000000), 3600);
  // A "slim" version 2 file: no transitions, only the footer's rule; it
  // equals the fat Amsterdam file in 2024 and 2050.
  const auto slim = TimeZone::from_tzif("slim", tzif('2', {}, {3600}, "CET-1CEST,M3.5.0,M10.5.0/3"));
  ASSERT_TRUE(slim);
  const TimeZone fat = load("Europe/Amsterdam");
  for (const std::int64_t start : {utc("2024-01-01T00:00:00Z"), utc("2050-01-01T00:00:00Z")})
    for (std::int64_t t = start; t < start + 366 * 86400; t += 1800)
      ASSERT_EQ(slim->offset_at(t), fat.offset_at(t)) << t;
  // Not TZif, truncated, bad footer: refused.
  EXPECT_FALSE(TimeZone::from_tzif("x", "not a zone file at all, but long enough to hold a header......"));
  const std::string good = tzif('2', {{1000000, 0}}, {3600}, "CET-1");
  EXPECT_TRUE(TimeZone::from_tzif("x", good));
  EXPECT_FALSE(TimeZone::from_tzif("x", good.substr(0, good.size() - 20)));
  EXPECT_FALSE(TimeZone::from_tzif("x", tzif('2', {}, {3600}, "CET-1CEST,M13.5.0,M10.5.0")));
}

TEST(CalibrateTimezone, PosixRules) {
  const auto us = parse_posix_tz("EST5EDT,M3.2.0,M11.1.0");
  ASSERT_TRUE(us);
  EXPECT_EQ(us->std_offset, -5 * 3600);
  EXPECT_EQ(us->dst_offset, -4 * 3600);
  const auto t = us->transitions(2024);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].first, utc("2024-03-10T07:00:00Z"));  // 02:00 EST
  EXPECT_EQ(t[1].first, utc("2024-11-03T06:00:00Z"));  // 02:00 EDT
  const auto india = parse_posix_tz("<+0530>-5:30");
  ASSERT_TRUE(india);
  EXPECT_EQ(india->std_offset, 5 * 3600 + 1800);
  EXPECT_FALSE(india->has_dst);
  // Negative transition times (America/Nuuk) and Julian days.
  const auto nuuk = parse_posix_tz("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
  ASSERT_TRUE(nuuk);
  EXPECT_EQ(nuuk->transitions(2024)[0].first, utc("2024-03-31T01:00:00Z"));  // Saturday 23:00 -02
  const auto j = parse_posix_tz("XXX0YYY,J60,J300");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->transitions(2024)[0].first, utc("2024-03-01T02:00:00Z"));  // J60 is 1 March, leap year or not
  const auto n = parse_posix_tz("XXX0YYY,59,299");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->transitions(2024)[0].first, utc("2024-02-29T02:00:00Z"));  // zero-based, counting 29 February
  for (const char* bad : {"", "C", "CET", "CET-1CEST,M3.5", "CET-1CEST,M3.5.0,M10.5.0/3x", "CET-200"})
    EXPECT_FALSE(parse_posix_tz(bad)) << bad;
}
