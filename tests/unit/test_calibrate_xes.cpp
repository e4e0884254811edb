// XES event logs (plain and gzip): the same journeys, counts and fit as the
// CSV twin, detection by content, malformed and truncated files refused
// with file:line:column (exit 2 from the CLI), lifecycle start/complete
// (--lifecycle), and a real public XES log.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "calibrate_helpers.h"
#include "cxsim/calibrate/calibrate.h"
#include "cxsim/calibrate/event_log.h"
#include "cxsim/calibrate/xes.h"
#include "cxsim/core/errors.h"
#include "event_log_helpers.h"

using namespace cxsim::calibrate;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() { return cxsim::testing::scratch_dir("calibrate_xes"); }

fs::path write(const std::string& name, const std::string& text) {
  return cxsim::testing::write_input("calibrate_xes", name, text);
}

fs::path write_gz(const std::string& name, const std::string& text) {
  const fs::path p = temp_dir() / name;
  gzFile gz = gzopen(p.c_str(), "wb");
  EXPECT_NE(gz, nullptr);
  EXPECT_EQ(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  gzclose(gz);
  return p;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// One event of a log: (journey, customer, segment, touchpoint, time, resource, lifecycle).
struct Ev {
  std::string journey, customer, segment, tp, ts, resource, lifecycle;
};

// A log with several journeys, rows out of order between journeys, a
// segment per customer and a resource on some events.
std::vector<Ev> sample_events() {
  std::vector<Ev> ev;
  const char* tps[] = {"search", "product", "cart", "checkout", "help"};
  for (int j = 0; j < 40; ++j) {
    const int len = 2 + j % 4;
    for (int k = 0; k < len; ++k) {
      Ev e;
      e.journey = fmt::format("j{:02}", j);
      e.customer = fmt::format("c{}", j / 2);
      e.segment = j % 3 == 0 ? "gold" : "basic";
      e.tp = tps[(j + k * (1 + j % 2)) % 5];
      e.ts = fmt::format("2026-01-{:02}T10:{:02}:{:02}.250+01:00", 1 + j % 20, k * 7 % 60, (j * 13) % 60);
      e.resource = k % 2 ? "web" : "";
      e.lifecycle = "complete";
      ev.push_back(e);
    }
  }
  return ev;
}

std::string csv_of(const std::vector<Ev>& ev) {
  std::string s =
      "case:concept:name,case:customer,case:segment,concept:name,time:timestamp,org:resource,"
      "lifecycle:transition\n";
  for (const auto& e : ev)
    s += fmt::format("{},{},{},{},{},{},{}\n", e.journey, e.customer, e.segment, e.tp, e.ts, e.resource, e.lifecycle);
  return s;
}

// The XES twin: one <trace> per journey (in order of first appearance),
// the case attributes once per trace (`attrs_last`: after its events).
std::string xes_of(const std::vector<Ev>& ev, bool attrs_last = false) {
  std::string s =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<log xes.version=\"1.0\" xmlns=\"http://www.xes-standard.org/\">\n"
      "  <extension name=\"Concept\" prefix=\"concept\" uri=\"http://www.xes-standard.org/concept.xesext\"/>\n"
      "  <global scope=\"event\"><string key=\"concept:name\" value=\"__INVALID__\"/></global>\n"
      "  <string key=\"concept:name\" value=\"the log's own name\"/>\n";
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Ev*>> by;
  for (const auto& e : ev) {
    if (!by.count(e.journey)) order.push_back(e.journey);
    by[e.journey].push_back(&e);
  }
  for (const auto& j : order) {
    const Ev& f = *by[j].front();
    const std::string attrs = fmt::format(
        "    <string key=\"concept:name\" value=\"{}\"/>\n    <string key=\"customer\" value=\"{}\"/>\n"
        "    <string key=\"segment\" value=\"{}\"/>\n",
        j, f.customer, f.segment);
    s += "  <trace>\n";
    if (!attrs_last) s += attrs;
    for (const Ev* e : by[j]) {
      s += "    <event>\n";
      s += fmt::format("      <string key=\"concept:name\" value=\"{}\"/>\n", e->tp);
      s += fmt::format("      <date key=\"time:timestamp\" value=\"{}\"/>\n", e->ts);
      if (!e->resource.empty()) s += fmt::format("      <string key=\"org:resource\" value=\"{}\"/>\n", e->resource);
      s += fmt::format("      <string key=\"lifecycle:transition\" value=\"{}\"/>\n", e->lifecycle);
      s += "      <list key=\"ignored\"><values><string key=\"concept:name\" value=\"nested\"/></values></list>\n";
      s += "    </event>\n";
    }
    if (attrs_last) s += attrs;
    s += "  </trace>\n";
  }
  s += "</log>\n";
  return s;
}

using Collected = cxsim::testing::CollectedLog;
Collected collect(const fs::path& p, EventReadOptions o = {}) { return cxsim::testing::collect_log(p, o); }

// Journeys as text: per journey its customer, segment and events (name, time, channel).
std::map<std::string, std::string> describe(const Collected& c) {
  std::map<std::string, std::string> out;
  for (const auto& [id, j] : c.journeys) {
    std::string s = j.customer + "|" + j.segment;
    for (const auto& e : j.events)
      s += fmt::format("|{}@{}/{}", c.tp[e.touchpoint], e.ts_us, e.channel == kNone ? "-" : c.ch[e.channel]);
    out[id] = s;
  }
  return out;
}

std::string error_of(const fs::path& p, EventReadOptions o = {}) {
  try {
    collect(p, o);
  } catch (const cxsim::core::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// Exit code and stderr of `cxsim calibrate --events FILE -o OUT`.
std::pair<int, std::string> cli_calibrate(const fs::path& events) {
  const fs::path err = temp_dir() / "cli.err";
  const std::string cmd = fmt::format("'{}' calibrate --events '{}' -o '{}' >/dev/null 2>'{}'", CXSIM_BINARY,
                                      events.string(), (temp_dir() / "cli.yaml").string(), err.string());
  const int st = std::system(cmd.c_str());
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, read_file(err)};
}

}  // namespace

TEST(CalibrateXes, DetectsTheFormatByContent) {
  EXPECT_EQ(detect_log_format(write("a.txt", "journey_id,timestamp,touchpoint\n").string()), LogFormat::csv);
  EXPECT_EQ(detect_log_format(write("a.csv", "\xEF\xBB\xBF  \n<?xml version='1.0'?><log/>").string()), LogFormat::xes);
  EXPECT_EQ(detect_log_format(write("b.csv", "<log></log>").string()), LogFormat::xes);
  EXPECT_EQ(detect_log_format(write_gz("c.dat", "<?xml version='1.0'?>\n<log/>").string()), LogFormat::xes_gzip);
}

TEST(CalibrateXes, SameJourneysAsTheCsvTwinPlainAndGzip) {
  const auto ev = sample_events();
  const auto csv = collect(write("twin.csv", csv_of(ev)));
  // Named .csv and .dat on purpose: detection is by content.
  const auto xes = collect(write("twin_xes.csv", xes_of(ev)));
  const auto gz = collect(write_gz("twin_xes.dat", xes_of(ev)));
  const auto late = collect(write("twin_late.xes", xes_of(ev, true)));
  EXPECT_EQ(csv.stats.format, "CSV");
  EXPECT_EQ(xes.stats.format, "XES");
  EXPECT_EQ(gz.stats.format, "XES (gzip)");
  EXPECT_EQ(csv.stats.journeys, 40u);
  EXPECT_EQ(xes.stats.events, ev.size());
  for (const auto* c : {&xes, &gz, &late}) {
    EXPECT_EQ(c->stats.rows, csv.stats.rows);
    EXPECT_EQ(c->stats.events_kept, csv.stats.events_kept);
    EXPECT_EQ(c->stats.journeys, csv.stats.journeys);
    EXPECT_EQ(c->stats.columns.name(Field::journey_id), "case:concept:name");
    EXPECT_EQ(c->stats.columns.name(Field::segment), "case:segment");
    EXPECT_EQ(c->stats.columns.name(Field::channel), "org:resource");
    EXPECT_EQ(describe(*c), describe(csv));
  }
  EXPECT_EQ(describe(csv).at("j00").substr(0, 9), "c0|gold|s");
}

TEST(CalibrateXes, CalibratesToTheSameFitAsTheCsvTwin) {
  const auto ev = sample_events();
  auto fit = [](const fs::path& p) {
    CalibrateOptions o;
    o.events = p.string();
    o.name = "twin";
    o.holdout = 0.2;
    auto r = cxsim::calibrate::calibrate(o);
    // The input's name appears in the YAML header and the summary: blank it.
    for (std::string* s : {&r.yaml, &r.summary}) {
      for (auto at = s->find(p.string()); at != std::string::npos; at = s->find(p.string()))
        s->replace(at, p.string().size(), "LOG");
      for (auto at = s->find(p.filename().string()); at != std::string::npos; at = s->find(p.filename().string()))
        s->replace(at, p.filename().string().size(), "LOG");
    }
    return r;
  };
  const auto c = fit(write("fit.csv", csv_of(ev)));
  const auto x = fit(write("fit.xes", xes_of(ev)));
  const auto g = fit(write_gz("fit.xes.gz", xes_of(ev)));
  EXPECT_EQ(x.yaml, c.yaml);
  EXPECT_EQ(g.yaml, c.yaml);
  EXPECT_NE(x.summary.find("XES; columns"), std::string::npos) << x.summary;
  EXPECT_NE(g.summary.find("XES (gzip); columns"), std::string::npos) << g.summary;
  EXPECT_NE(c.summary.find("timestamps: ISO 8601 with zone (140)"), std::string::npos) << c.summary;
  EXPECT_NE(x.summary.find("timestamps: ISO 8601 with zone (140)"), std::string::npos) << x.summary;
  EXPECT_NE(
      c.summary.find("lifecycle: --lifecycle complete (the default) on column 'lifecycle:transition' (140 complete)"),
      std::string::npos)
      << c.summary;
}

TEST(CalibrateXes, TruncatedAndMalformedFilesAreRefusedWithTheirPosition) {
  const std::string full = xes_of(sample_events());
  const std::string cut = full.substr(0, full.size() / 2);
  const auto t = write("cut.xes", cut);
  const int lines = static_cast<int>(std::count(cut.begin(), cut.end(), '\n')) + 1;
  std::string e = error_of(t);
  EXPECT_NE(e.find(fmt::format("cut.xes:{}:", lines)), std::string::npos) << e;
  EXPECT_NE(e.find("truncated XES log"), std::string::npos) << e;

  // A gzip stream cut short: zlib's "unexpected end of file", at expat's position.
  const std::string gz = read_file(write_gz("whole.xes.gz", full));
  e = error_of(write("cut.xes.gz", gz.substr(0, gz.size() * 2 / 3)));
  EXPECT_NE(e.find("cut.xes.gz:"), std::string::npos) << e;
  EXPECT_NE(e.find("truncated gzip data"), std::string::npos) << e;

  e = error_of(write("bad.xes", "<?xml version=\"1.0\"?>\n<log>\n  <trace><event></trace>\n</log>\n"));
  EXPECT_NE(e.find("bad.xes:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("not well-formed XML"), std::string::npos) << e;
  EXPECT_NE(e.find("mismatched tag"), std::string::npos) << e;

  e = error_of(write("page.html", "<!DOCTYPE html>\n<html><body>hi</body></html>\n"));
  EXPECT_NE(e.find("page.html:2:1: error: the root element is <html>: not an XES log (expected <log>)"),
            std::string::npos)
      << e;

  e = error_of(write("binary.h5", std::string("\x89HDF\r\n\x1a\n\0\0\0\0", 12)));
  EXPECT_NE(e.find("binary.h5: neither a CSV event log nor an XES log: binary content"), std::string::npos) << e;
  EXPECT_NE(e.find("starts with bytes 89 48 44 46"), std::string::npos) << e;
  e = error_of(write("utf16.csv", std::string("j\0o\0u\0r\0n\0e\0y\0\n\0", 16)));
  EXPECT_NE(e.find("neither a CSV event log nor an XES log"), std::string::npos) << e;
  // A NUL after the header is a CSV problem (the CSV reader's), not "binary".
  EXPECT_EQ(detect_log_format(write("nul.csv", std::string("journey_id,timestamp,touchpoint\nj1,\0\0", 37)).string()),
            LogFormat::csv);

  e = error_of(write_gz("events.csv.gz", "journey_id,timestamp,touchpoint\nj,1,a\n"));
  EXPECT_NE(e.find("gzip-compressed, but the content is not XML"), std::string::npos) << e;

  e = error_of(write("empty.xes", "<log><trace><string key=\"concept:name\" value=\"t\"/></trace></log>"));
  EXPECT_NE(e.find("no events: the XES log has 1 traces and no <event>"), std::string::npos) << e;

  // The CLI: exit 2 with the message.
  auto [rc, err] = cli_calibrate(t);
  EXPECT_EQ(rc, 2) << err;
  EXPECT_NE(err.find("truncated XES log"), std::string::npos) << err;
  std::tie(rc, err) = cli_calibrate(write("page2.xes", "<html></html>"));
  EXPECT_EQ(rc, 2) << err;
  EXPECT_NE(err.find("not an XES log"), std::string::npos) << err;
}

TEST(CalibrateXes, BadEventIsReportedAtItsLine) {
  const std::string x =
      "<log>\n"
      "<trace><string key=\"concept:name\" value=\"t1\"/>\n"
      "<event><string key=\"concept:name\" value=\"a\"/><date key=\"time:timestamp\" value=\"2020-01-01T00:00:00Z\"/>"
      "</event>\n"
      "<event><string key=\"concept:name\" value=\"b\"/><date key=\"time:timestamp\" value=\"soon\"/></event>\n"
      "</trace></log>\n";
  const std::string e = error_of(write("badts.xes", x));
  EXPECT_NE(e.find("badts.xes:4: error: column 'time:timestamp': 'soon' is not a timestamp"), std::string::npos) << e;
}

// Lifecycle: start/complete events of the same activity instances.
TEST(CalibrateXes, LifecyclePairGivesOneVisitPerInstanceWithItsDuration) {
  std::vector<Ev> ev;
  auto add = [&](const std::string& j, const std::string& tp, const std::string& ts, const std::string& lc) {
    ev.push_back({j, "c", "", tp, ts, "", lc});
  };
  add("j1", "a", "2026-01-01T10:00:00Z", "start");
  add("j1", "a", "2026-01-01T10:05:00Z", "complete");  // a: 300 s
  add("j1", "b", "2026-01-01T10:06:00Z", "start");
  add("j1", "c", "2026-01-01T10:07:00Z", "start");     // overlaps b
  add("j1", "b", "2026-01-01T10:08:30Z", "complete");  // b: 150 s
  add("j1", "c", "2026-01-01T10:17:00Z", "complete");  // c: 600 s
  add("j2", "a", "2026-01-01T11:00:00Z", "start");
  add("j2", "a", "2026-01-01T11:00:00Z", "schedule");  // another transition: dropped
  add("j2", "a", "2026-01-01T11:01:00Z", "complete");  // 60 s
  add("j2", "a", "2026-01-01T11:02:00Z", "start");     // second instance of a
  add("j2", "a", "2026-01-01T11:04:00Z", "complete");  // 120 s
  add("j2", "d", "2026-01-01T11:05:00Z", "complete");  // complete without a start: a visit, no duration
  for (bool as_xes : {false, true}) {
    SCOPED_TRACE(as_xes ? "xes" : "csv");
    const auto p = as_xes ? write("lc.xes", xes_of(ev)) : write("lc.csv", csv_of(ev));
    EventReadOptions o;
    o.lifecycle = Lifecycle::pair;
    const auto c = collect(p, o);
    const auto& j1 = c.journeys.at("j1");
    ASSERT_EQ(j1.events.size(), 3u);
    ASSERT_EQ(j1.duration_s.size(), 3u);
    EXPECT_EQ(c.tp[j1.events[0].touchpoint], "a");
    EXPECT_EQ(c.tp[j1.events[1].touchpoint], "b");
    EXPECT_EQ(c.tp[j1.events[2].touchpoint], "c");
    EXPECT_DOUBLE_EQ(j1.duration_s[0], 300);
    EXPECT_DOUBLE_EQ(j1.duration_s[1], 150);
    EXPECT_DOUBLE_EQ(j1.duration_s[2], 600);
    const auto& j2 = c.journeys.at("j2");
    ASSERT_EQ(j2.events.size(), 3u);
    EXPECT_DOUBLE_EQ(j2.duration_s[0], 60);
    EXPECT_DOUBLE_EQ(j2.duration_s[1], 120);
    EXPECT_TRUE(std::isnan(j2.duration_s[2]));
    EXPECT_EQ(c.stats.paired, 5u);
    EXPECT_EQ(c.stats.unpaired_completes, 1u);
    EXPECT_EQ(c.stats.unpaired_starts, 0u);
    EXPECT_EQ(c.stats.events_kept, 6u);
    EXPECT_EQ(c.stats.lifecycle_values.at("schedule"), 1u);

    // The default: complete events only (6 of 12), start: starts only (5).
    const auto d = collect(p);
    EXPECT_EQ(d.stats.events_kept, 6u);
    EXPECT_EQ(d.stats.lifecycle_dropped, 6u);
    EXPECT_TRUE(d.journeys.at("j1").duration_s.empty());
    o.lifecycle = Lifecycle::start;
    const auto s = collect(p, o);
    EXPECT_EQ(s.stats.events_kept, 5u);
  }
}

TEST(CalibrateXes, LifecyclePairDurationsReachTheFit) {
  // Every visit of 'a' lasts exactly 120 s between start and complete, and
  // the next visit starts an hour later: the fitted duration is the 120 s.
  std::vector<Ev> ev;
  for (int j = 0; j < 30; ++j) {
    const std::string id = fmt::format("j{}", j);
    const int h = j % 10;
    ev.push_back({id, "c", "", "a", fmt::format("2026-01-02T0{}:00:00Z", h), "", "start"});
    ev.push_back({id, "c", "", "a", fmt::format("2026-01-02T0{}:02:{:02}Z", h, j % 3), "", "complete"});
    ev.push_back({id, "c", "", "b", fmt::format("2026-01-02T1{}:00:00Z", h), "", "complete"});
  }
  const auto p = write("lcfit.xes", xes_of(ev));
  CalibrateOptions o;
  o.events = p.string();
  o.lifecycle = "pair";
  o.durations = "lognormal";
  o.time_unit = "seconds";
  const auto r = cxsim::calibrate::calibrate(o);
  EXPECT_NE(r.summary.find("30 visits paired start to complete, 0 starts and 30 completes unpaired"), std::string::npos)
      << r.summary;
  // The lognormal median of a's duration: between 120 and 122 s, not an hour.
  const auto at = r.yaml.find("\n  a:");
  ASSERT_NE(at, std::string::npos) << r.yaml;
  const auto dur = r.yaml.find("duration", at);
  ASSERT_NE(dur, std::string::npos) << r.yaml;
  const std::string line = r.yaml.substr(dur, r.yaml.find('\n', dur) - dur);
  EXPECT_NE(line.find("median: 12"), std::string::npos) << line;
  o.lifecycle = "complete";
  const auto d = cxsim::calibrate::calibrate(o);
  EXPECT_NE(d.yaml.substr(d.yaml.find("\n  a:")).find("median: 3"), std::string::npos);
}

TEST(CalibrateXes, ReadsARealPublicLog) {
  // pm4py-core tests/input_data/roadtraffic100traces.xes (the first 100
  // traces of the road-traffic fines log), in ../shared/data.
  const fs::path p = fs::path(CXSIM_SHARED_DIR) / "data" / "pm4py_roadtraffic100traces.xes";
  if (!fs::exists(p)) GTEST_SKIP() << p << " is absent";
  const auto c = collect(p);
  EXPECT_EQ(c.stats.format, "XES");
  EXPECT_EQ(c.stats.journeys, 100u);
  EXPECT_EQ(c.stats.events, 390u);
  EXPECT_EQ(c.stats.events_kept, 390u);
  EXPECT_EQ(c.stats.lifecycle_values.at("complete"), 390u);
  EXPECT_EQ(c.stats.columns.name(Field::timestamp), "time:timestamp");
  EXPECT_EQ(c.stats.columns.name(Field::touchpoint), "concept:name");
  EXPECT_EQ(c.stats.timestamp_forms, "ISO 8601 with zone (390)");
  const std::string n = describe(c).at("N77802");
  EXPECT_EQ(n.substr(0, n.find('@')), "N77802||Create Fine");
  // Gzipped, the same.
  const auto gz = collect(write_gz("roadtraffic.xes.gz", read_file(p)));
  EXPECT_EQ(describe(gz), describe(c));
}
