// The streaming event-log reader: grouping of unsorted rows, ordering by
// time (stable for ties), duplicates, bad rows, column detection and the
// spill/merge path (identical results whatever the memory budget).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include <fmt/format.h>

#include "calibrate_helpers.h"
#include "cxsim/calibrate/calibrate.h"
#include "cxsim/calibrate/columns.h"
#include "cxsim/calibrate/event_log.h"
#include "cxsim/core/errors.h"
#include "cxsim/rng/stream.h"
#include "event_log_helpers.h"

using namespace cxsim::calibrate;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() { return cxsim::testing::scratch_dir("calibrate_ev"); }

fs::path write(const std::string& name, const std::string& text) {
  return cxsim::testing::write_input("calibrate_ev", name, text);
}

using Collected = cxsim::testing::CollectedLog;
Collected collect(const fs::path& p, EventReadOptions o = {}) { return cxsim::testing::collect_log(p, o); }

std::vector<std::string> path_of(const Collected& c, const std::string& id) {
  std::vector<std::string> out;
  for (const auto& e : c.journeys.at(id).events) out.push_back(c.tp[e.touchpoint]);
  return out;
}

}  // namespace

TEST(CalibrateEventLog, GroupsUnsortedRowsAndOrdersByTime) {
  const auto p = write("unsorted.csv",
                       "customer_id,journey_id,timestamp,touchpoint\n"
                       "c2,j2,2026-01-01T00:05:00Z,b\n"
                       "c1,j1,2026-01-01T00:02:00Z,checkout\n"
                       "c1,j1,2026-01-01T00:00:00Z,search\n"
                       "c2,j2,2026-01-01T00:01:00Z,a\n"
                       "c1,j1,2026-01-01T00:01:00.5Z,product\n"
                       // ties keep file order
                       "c3,j3,1767225600,x\n"
                       "c3,j3,1767225600,y\n"
                       "c3,j3,1767225600000,z\n");
  const auto c = collect(p);
  EXPECT_EQ(c.stats.journeys, 3u);
  EXPECT_EQ(path_of(c, "j1"), (std::vector<std::string>{"search", "product", "checkout"}));
  EXPECT_EQ(path_of(c, "j2"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(path_of(c, "j3"), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(c.journeys.at("j1").customer, "c1");
}

TEST(CalibrateEventLog, DropsExactDuplicateRowsOnly) {
  const auto p = write("dups.csv",
                       "journey_id,timestamp,touchpoint,status\n"
                       "j1,2026-01-01T00:00:00Z,a,ok\n"
                       "j1,2026-01-01T00:00:00Z,a,ok\n"        // exact duplicate
                       "j1,2026-01-01T00:00:00Z,a,friction\n"  // differs: kept
                       "j1,2026-01-01T00:01:00Z,a,ok\n");      // another time: kept
  auto c = collect(p);
  EXPECT_EQ(c.stats.duplicates, 1u);
  EXPECT_EQ(c.journeys.at("j1").events.size(), 3u);
  EXPECT_EQ(c.journeys.at("j1").customer, "j1");  // no customer column: the journey id
  EventReadOptions keep;
  keep.keep_duplicates = true;
  c = collect(p, keep);
  EXPECT_EQ(c.stats.duplicates, 0u);
  EXPECT_EQ(c.journeys.at("j1").events.size(), 4u);
}

TEST(CalibrateEventLog, AutoDetectsXesColumnsAndHonoursMap) {
  const auto p = write("xes.csv",
                       "case:concept:name,concept:name,time:timestamp,org:resource,case:channel\n"
                       "c1,\"T02 Check, twice\",2011-10-11 13:45:40.276000+02:00,R1,Internet\n");
  auto c = collect(p);
  EXPECT_EQ(c.stats.columns.name(Field::journey_id), "case:concept:name");
  EXPECT_EQ(c.stats.columns.name(Field::touchpoint), "concept:name");
  EXPECT_EQ(c.stats.columns.name(Field::timestamp), "time:timestamp");
  EXPECT_EQ(c.stats.columns.name(Field::channel), "case:channel");
  EXPECT_EQ(c.tp[0], "T02 Check, twice");
  EventReadOptions o;
  o.map = parse_column_map({"channel=org:resource"});
  c = collect(p, o);
  EXPECT_EQ(c.stats.columns.name(Field::channel), "org:resource");
  o.map = parse_column_map({"channel="});  // disabled
  c = collect(p, o);
  EXPECT_FALSE(c.stats.columns.has(Field::channel));
}

TEST(CalibrateEventLog, ColumnMapParsing) {
  const auto m = parse_column_map({"journey_id=case:concept:name,touchpoint=concept:name", "timestamp=time:timestamp"});
  EXPECT_EQ(m.at(Field::journey_id), "case:concept:name");
  EXPECT_EQ(m.at(Field::touchpoint), "concept:name");
  EXPECT_EQ(m.at(Field::timestamp), "time:timestamp");
  EXPECT_THROW(parse_column_map({"journey=case"}), cxsim::core::InputError);
  EXPECT_THROW(parse_column_map({"journey_id"}), cxsim::core::InputError);
}

TEST(CalibrateEventLog, BadRowsErrorWithLocationOrAreCounted) {
  const auto p = write("bad.csv",
                       "journey_id,timestamp,touchpoint,status\n"
                       "j1,2026-01-01T00:00:00Z,a,ok\n"
                       "j1,soon,b,ok\n"
                       "j1,2026-01-01T00:02:00Z,c,meh\n"
                       ",2026-01-01T00:02:00Z,c,ok\n"
                       "j1,2026-01-01T00:02:00Z,,ok\n"
                       "j1,2026-01-01T00:03:00Z,d\n"
                       "j1,2026-01-01T00:04:00Z,e,ok\n");
  try {
    collect(p);
    FAIL() << "expected InputError";
  } catch (const cxsim::core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:3: error: column 'timestamp': 'soon' is not a timestamp"),
              std::string::npos)
        << e.what();
  }
  EventReadOptions o;
  o.skip_bad_rows = true;
  const auto c = collect(p, o);
  EXPECT_EQ(c.stats.bad_rows, 5u);
  EXPECT_EQ(c.stats.bad_by_reason.at("timestamp does not parse"), 1u);
  EXPECT_EQ(c.stats.bad_by_reason.at("status not ok/friction"), 1u);
  EXPECT_EQ(c.stats.bad_by_reason.at("empty journey_id"), 1u);
  EXPECT_EQ(c.stats.bad_by_reason.at("empty touchpoint"), 1u);
  EXPECT_EQ(c.stats.bad_by_reason.at("wrong number of fields"), 1u);
  EXPECT_EQ(path_of(c, "j1"), (std::vector<std::string>{"a", "e"}));
}

TEST(CalibrateEventLog, SpilledRunsGiveTheSameJourneys) {
  // 30000 rows of 6000 interleaved journeys; a 1 MiB budget spills several runs.
  std::mt19937_64 rng(5);
  std::string text = "customer_id,journey_id,timestamp,touchpoint,status\n";
  std::vector<std::string> rows;
  for (int j = 0; j < 6000; ++j)
    for (int k = 0; k < 5; ++k)
      rows.push_back(fmt::format("c{},j{},{},tp{},{}", j % 1000, j, 1767225600 + k * 60 + (j % 7), (j * 3 + k) % 11,
                                 (j + k) % 4 ? "ok" : "friction"));
  std::shuffle(rows.begin(), rows.end(), rng);
  for (const auto& r : rows) text += r + "\n";
  const auto p = write("many.csv", text);
  const auto mem = collect(p);
  EventReadOptions o;
  o.memory_budget_bytes = 64 * 1024;
  o.tmp_dir = temp_dir();
  const auto disk = collect(p, o);
  EXPECT_EQ(mem.stats.runs, 0u);
  EXPECT_GT(disk.stats.runs, 3u);
  EXPECT_LE(disk.stats.peak_buffer_bytes, 64 * 1024 + 4096);
  ASSERT_EQ(mem.journeys.size(), 6000u);
  ASSERT_EQ(disk.journeys.size(), 6000u);
  for (const auto& [id, j] : mem.journeys) {
    const auto& d = disk.journeys.at(id);
    ASSERT_EQ(j.events.size(), d.events.size()) << id;
    EXPECT_EQ(j.customer, d.customer);
    for (std::size_t i = 0; i < j.events.size(); ++i) {
      EXPECT_EQ(j.events[i].ts_us, d.events[i].ts_us);
      EXPECT_EQ(mem.tp[j.events[i].touchpoint], disk.tp[d.events[i].touchpoint]);
      EXPECT_EQ(j.events[i].status, d.events[i].status);
    }
  }
  // The spill directory is removed.
  for (const auto& e : fs::directory_iterator(temp_dir()))
    EXPECT_EQ(e.path().filename().string().rfind("cxsim-calibrate-", 0), std::string::npos) << e.path();
  // And the whole calibration is identical (journeys are processed in id order either way).
  CalibrateOptions a;
  a.events = p.string();
  CalibrateOptions b = a;
  b.memory_mb = 1;
  b.tmp_dir = temp_dir().string();
  EXPECT_EQ(cxsim::calibrate::calibrate(a).yaml, cxsim::calibrate::calibrate(b).yaml);
}

TEST(CalibrateEventLog, EmptyAndHeaderOnlyFiles) {
  EXPECT_THROW(collect(write("empty.csv", "")), cxsim::core::InputError);
  EXPECT_THROW(collect(write("header.csv", "journey_id,timestamp,touchpoint\n")), cxsim::core::InputError);
  try {
    collect(write("cols.csv", "journey_id,when,touchpoint\nj,2026-01-01,a\n"));
    FAIL();
  } catch (const cxsim::core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("cols.csv:1: error: missing column 'timestamp'"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("--map timestamp=COLUMN"), std::string::npos) << e.what();
  }
}

TEST(CalibrateEventLog, HoldoutHashIsDeterministicAndUniform) {
  EXPECT_EQ(hash_uniform("case-10011", 1), hash_uniform("case-10011", 1));
  EXPECT_NE(hash_uniform("case-10011", 1), hash_uniform("case-10011", 2));
  int below = 0;
  for (int i = 0; i < 100000; ++i) below += hash_uniform(fmt::format("{}-0", i), 7) < 0.2;
  EXPECT_NEAR(below / 100000.0, 0.2, 0.005);
  // Pinned: the first uniform of the Philox stream (seed, holdout, low 40
  // bits of the FNV-1a hash, period 0, high 24 bits), the same on every
  // platform (no standard-library generator or distribution involved).
  EXPECT_EQ(hash_uniform("case-10011", 1), 0x1.cc63811df4ffcp-3);
  EXPECT_EQ(hash_uniform("c7-0", 3), 0x1.88bc3e9f8c6e1p-1);
  const std::uint64_t h = fnv1a64("case-10011");
  cxsim::rng::Stream s(1, cxsim::rng::Purpose::holdout, h & cxsim::rng::kMaxCustomer, 0,
                       static_cast<std::uint32_t>(h >> 40));
  EXPECT_EQ(hash_uniform("case-10011", 1), s.uniform());
}
