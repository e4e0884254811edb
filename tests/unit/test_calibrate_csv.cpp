// The hand-written streaming CSV reader and the timestamp parser.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "cxsim/calibrate/csv.h"
#include "cxsim/calibrate/timestamp.h"
#include "cxsim/core/errors.h"

using namespace cxsim::calibrate;
namespace fs = std::filesystem;

namespace {

fs::path temp_file(const std::string& name, const std::string& content) {
  const fs::path dir = fs::temp_directory_path() / ("cxsim_test_calibrate_csv_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path p = dir / name;
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

std::vector<std::vector<std::string>> read_all(const fs::path& p, CsvOptions o = {}) {
  CsvReader r(p.string(), o);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> f;
  while (r.next(f)) rows.push_back(f);
  return rows;
}

long max_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

TEST(CalibrateCsv, QuotedFieldsWithSeparatorsNewlinesAndEscapes) {
  const auto p = temp_file("q.csv", "a,b,c\n\"x, y\",\"he said \"\"hi\"\"\",\"two\nlines\"\nplain,,end\n");
  const auto rows = read_all(p);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1][0], "x, y");
  EXPECT_EQ(rows[1][1], "he said \"hi\"");
  EXPECT_EQ(rows[1][2], "two\nlines");
  EXPECT_EQ(rows[2], (std::vector<std::string>{"plain", "", "end"}));
}

TEST(CalibrateCsv, LineNumbersCountEmbeddedNewlines) {
  const auto p = temp_file("lines.csv", "a,b\n\"1\n2\n3\",x\nlast,y\n");
  CsvReader r(p.string());
  std::vector<std::string> f;
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(r.record_line(), 1u);
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(r.record_line(), 2u);
  ASSERT_TRUE(r.next(f));
  EXPECT_EQ(r.record_line(), 5u);
  EXPECT_EQ(f[0], "last");
}

TEST(CalibrateCsv, BomCrlfAndBlankLines) {
  const auto p = temp_file("bom.csv", "\xEF\xBB\xBFjourney_id,touchpoint\r\n\r\nj1,a\r\nj2,b\r\n\r\n");
  const auto rows = read_all(p);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][0], "journey_id");
  EXPECT_EQ(rows[2], (std::vector<std::string>{"j2", "b"}));
}

TEST(CalibrateCsv, NoFinalNewline) {
  const auto rows = read_all(temp_file("nonl.csv", "a,b\n1,2"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][1], "2");
}

TEST(CalibrateCsv, DetectsSeparator) {
  {
    CsvReader r(temp_file("semi.csv", "path;total_conversions;x\na > b;1;2\n").string());
    EXPECT_EQ(r.separator(), ';');
  }
  {
    CsvReader r(temp_file("tab.csv", "a\tb\tc\n1\t2\t3\n").string());
    EXPECT_EQ(r.separator(), '\t');
  }
  {
    // Separators inside quotes do not count.
    CsvReader r(temp_file("comma.csv", "\"a;b;c;d\",e\n").string());
    EXPECT_EQ(r.separator(), ',');
  }
  {
    CsvOptions o;
    o.separator = ';';
    const auto rows = read_all(temp_file("forced.csv", "a,b;c\n"), o);
    EXPECT_EQ(rows[0], (std::vector<std::string>{"a,b", "c"}));
  }
  EXPECT_EQ(parse_separator("tab"), '\t');
  EXPECT_EQ(parse_separator("auto"), 0);
  EXPECT_THROW(parse_separator("xx"), cxsim::core::InputError);
}

TEST(CalibrateCsv, UnterminatedQuoteIsAnError) {
  const auto p = temp_file("open.csv", "a,b\n1,\"never closed\n2,3\n");
  try {
    read_all(p);
    FAIL() << "expected InputError";
  } catch (const cxsim::core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("open.csv:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("never closed"), std::string::npos) << e.what();
  }
}

TEST(CalibrateCsv, RecordLongerThanLimitIsRefused) {
  std::string body = "a,b\nshort,1\n" + std::string(5000, 'x') + ",2\n";
  CsvOptions o;
  o.max_record_bytes = 1000;
  try {
    read_all(temp_file("long.csv", body), o);
    FAIL() << "expected InputError";
  } catch (const cxsim::core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("long.csv:3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("longer than 1000 bytes"), std::string::npos) << e.what();
  }
  // The same inside quotes.
  o.max_record_bytes = 100;
  EXPECT_THROW(read_all(temp_file("longq.csv", "a\n\"" + std::string(500, 'y') + "\"\n"), o), cxsim::core::InputError);
}

TEST(CalibrateCsv, OneGigabyteLineIsRefusedWithoutReadingIt) {
  // A sparse 1 GiB file: a header, then one line of NUL bytes with no newline.
  const fs::path p = temp_file("giga.csv", "journey_id,timestamp,touchpoint\nj1,");
  fs::resize_file(p, std::uintmax_t{1} << 30);
  const long rss0 = max_rss_kib();
  const auto t0 = std::chrono::steady_clock::now();
  CsvReader r(p.string());  // default limit: 1 MiB
  std::vector<std::string> f;
  ASSERT_TRUE(r.next(f));
  try {
    r.next(f);
    FAIL() << "expected InputError";
  } catch (const cxsim::core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("giga.csv:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("1048576"), std::string::npos) << e.what();
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(r.bytes_read(), std::uint64_t{2} << 20) << "read far past the limit";
  EXPECT_LT(secs, 2.0);
  EXPECT_LT(max_rss_kib() - rss0, 16 * 1024) << "memory grew by more than 16 MiB";
  fs::remove(p);
}

TEST(CalibrateCsv, MissingFileIsInputError) { EXPECT_THROW(CsvReader("/nonexistent/x.csv"), cxsim::core::InputError); }

// ------------------------------------------------------------ timestamps

TEST(CalibrateTimestamp, Iso8601Forms) {
  EXPECT_EQ(parse_timestamp_us("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_timestamp_us("2026-01-01T00:03:12.345Z"),
            (days_from_civil(2026, 1, 1) * 86400 + 192) * 1000000 + 345000);
  // A UTC offset: 13:45:40.276 at +02:00 is 11:45:40.276Z.
  EXPECT_EQ(parse_timestamp_us("2011-10-11 13:45:40.276000+02:00"), parse_timestamp_us("2011-10-11T11:45:40.276Z"));
  EXPECT_EQ(parse_timestamp_us("2011-10-11T13:45:40-0130"), parse_timestamp_us("2011-10-11T15:15:40Z"));
  EXPECT_EQ(parse_timestamp_us("2011-10-11T13:45:40+01"), parse_timestamp_us("2011-10-11T12:45:40Z"));
  EXPECT_EQ(parse_timestamp_us("2024-02-29"), days_from_civil(2024, 2, 29) * 86400 * 1000000);
  EXPECT_EQ(parse_timestamp_us("2024-02-29 10:00"), (days_from_civil(2024, 2, 29) * 86400 + 36000) * 1000000);
  EXPECT_EQ(parse_timestamp_us("2024-01-01T00:00:00.123456789Z"), parse_timestamp_us("2024-01-01T00:00:00.123456Z"));
  EXPECT_EQ(parse_timestamp_us(" 2024-01-01T00:00:00,5Z "), parse_timestamp_us("2024-01-01T00:00:00.5Z"));
}

TEST(CalibrateTimestamp, EpochSecondsAndMilliseconds) {
  EXPECT_EQ(parse_timestamp_us("1700000000"), 1700000000LL * 1000000);
  EXPECT_EQ(parse_timestamp_us("1700000000.25"), 1700000000LL * 1000000 + 250000);
  EXPECT_EQ(parse_timestamp_us("1700000000123"), 1700000000123LL * 1000);
  EXPECT_EQ(parse_timestamp_us("0"), 0);
}

TEST(CalibrateTimestamp, RejectsGarbageAndImpossibleDates) {
  for (const char* s : {"", "yesterday", "2023-02-29", "2024-13-01", "2024-01-32", "2024-01-01T24:00:00",
                        "2024-01-01T10:61", "2024-01-01T10:00:00+25:00", "2024-01-01X10:00", "12:00:00",
                        "2024-01-01T10:00:00Zjunk", "1.2.3", "2024-01-01T10:00:00."})
    EXPECT_FALSE(parse_timestamp_us(s).has_value()) << s;
}

// Issue 12 item 15: 17-18 digit epoch numbers used to overflow `ip * 1000`
// (undefined behaviour; in practice they wrapped to negative times and
// reordered events). Now refused, as is anything outside the years 0000..9999.
TEST(CalibrateTimestamp, RefusesEpochsThatOverflowOrLeaveTheYears0To9999) {
  for (const char* s : {"999999999999999999", "-999999999999999999", "99999999999999999", "9223372036854775",
                        "9223372036854776", "253402300800000", "10000-01-01", "-62167219200001"})
    EXPECT_FALSE(parse_timestamp_us(s).has_value()) << s;
  EXPECT_EQ(parse_timestamp_us("253402300799999"), 253402300799999LL * 1000);  // 9999-12-31T23:59:59.999Z
  EXPECT_EQ(parse_timestamp_us("9999-12-31T23:59:59Z"), 253402300799LL * 1000000);
  EXPECT_EQ(parse_timestamp_us("0000-01-01"), -62167219200LL * 1000000);
  EXPECT_EQ(parse_timestamp_us("-62167219200000"), -62167219200LL * 1000000);
}

TEST(CalibrateTimestamp, FormatRoundTrip) {
  const auto t = parse_timestamp_us("2026-01-01T00:03:12.345Z");
  EXPECT_EQ(format_timestamp_ms(*t), "2026-01-01T00:03:12.345Z");
  EXPECT_EQ(format_timestamp_ms(0), "1970-01-01T00:00:00.000Z");
}
