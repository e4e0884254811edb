// Two-segment round trip (MODEL.md section 16, issue 13 item 3): a journey
// whose segments differ in their entry mix, in checkout's friction, in
// browse's next map and duration and in retention
// (tests/data/calibrate/segments_journey.yaml) is simulated by the engine
// into the files of `cxsim run --events-out` (events.csv and surveys.csv
// carry the segment), its lifetimes are read off the event log (every active
// customer walks every period: a customer seen in n < 8 periods churned at
// the end of period n, one seen in all 8 is censored after 7), and it is
// calibrated back. Then
//  - every segment gets its own start map, checkout friction, browse next map
//    and browse duration (overrides), each within 3 SE of the truth, and its
//    own sBG retention (alpha, beta) within 3 SE;
//  - the 95% intervals of these parameters cover the truth in >= 90% of them;
//  - what the segments share (support, checkout's next map) stays pooled;
//  - the shares are within 3 SE and the surveys' segments agree with the log.
// Fixed seed; 10,000 customers, 8 periods.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "cxsim/calibrate/calibrate.h"
#include "cxsim/engine/event_log.h"
#include "cxsim/engine/runner.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"
#include "simulated_log.h"

using namespace cxsim;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kCustomers = 10000;
constexpr int kPeriods = 8;

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> f;
  std::string cur;
  for (char c : line) {
    if (c == ',') f.push_back(cur), cur.clear();
    else if (c != '\r') cur += c;
  }
  f.push_back(cur);
  return f;
}

// What the truth's standard errors need, counted from the event log per segment.
struct Counts {
  double customers = 0, journeys = 0;
  double checkout = 0, checkout_friction = 0;
  double browse_ok = 0;
  double browse_gaps[2] = {0, 0};  // ok, friction visits with a next event
};

struct Row {
  std::string journey, touchpoint, status, segment;
};

std::map<std::string, Counts> count_log(const fs::path& events, const fs::path& lifetimes) {
  std::ifstream in(events);
  std::string line;
  std::getline(in, line);
  const auto head = split(line);
  auto index = [&](const std::string& name) {
    for (std::size_t i = 0; i < head.size(); ++i)
      if (head[i] == name) return i;
    ADD_FAILURE() << "no column " << name;
    return std::size_t{0};
  };
  const std::size_t cj = index("journey_id"), ct = index("touchpoint"), cs = index("status"), cg = index("segment"),
                    cc = index("customer_id");
  std::map<std::string, Counts> out;
  std::map<std::string, std::pair<int, std::string>> customer;  // journeys, segment
  std::vector<Row> rows;
  auto flush = [&] {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      Counts& c = out[rows[i].segment];
      const bool fr = rows[i].status == "friction";
      if (i == 0) c.journeys += 1;
      if (rows[i].touchpoint == "checkout") c.checkout += 1, c.checkout_friction += fr;
      if (rows[i].touchpoint == "browse") {
        if (!fr) c.browse_ok += 1;
        if (i + 1 < rows.size()) c.browse_gaps[fr ? 1 : 0] += 1;
      }
    }
    rows.clear();
  };
  std::string last;
  while (std::getline(in, line)) {
    const auto f = split(line);
    if (f[cj] != last) {
      flush();
      last = f[cj];
      auto& cu = customer[f[cc]];
      ++cu.first;
      cu.second = f[cg];
    }
    rows.push_back({f[cj], f[ct], f[cs], f[cg]});
  }
  flush();
  std::ofstream life(lifetimes);
  life << "customer_id,periods,churned,segment\n";
  for (const auto& [id, c] : customer) {
    // Seen in n < P periods: churned at the end of period n. Seen in all P:
    // alive after P - 1 periods (the P-th churn draw is not in the log;
    // docs/calibration.md, "Periods").
    const bool churned = c.first < kPeriods;
    life << fmt::format("{},{},{},{}\n", id, churned ? c.first : kPeriods - 1, churned ? 1 : 0, c.second);
    out[c.second].customers += 1;
  }
  return out;
}

double quality(const calibrate::CalibrationResult& r, const std::string& source, const std::string& item) {
  const auto* t = r.report.find("calibration/data_quality");
  for (std::size_t i = 0; t && i < t->rows(); ++i)
    if (t->columns[0].strings[i] == source && t->columns[1].strings[i] == item) return t->columns[2].numbers[i];
  return -1;
}

TEST(CalibrateSegments, TwoSegmentRoundTripRecoversEachSegmentsParameters) {
  const model::JourneySpec truth =
      model::load_journey(std::string(CXSIM_TEST_DATA_DIR) + "/calibrate/segments_journey.yaml").spec;
  const fs::path dir = fs::temp_directory_path() / fmt::format("cxsim_stat_segments_{}", ::getpid());
  fs::remove_all(dir);
  cxsim::testing::simulate_log(truth, kCustomers, kPeriods, 21, dir);
  const auto counts = count_log(dir / "events.csv", dir / "lifetimes.csv");
  ASSERT_EQ(counts.size(), 2u);

  calibrate::CalibrateOptions o;
  o.events = (dir / "events.csv").string();
  o.surveys = (dir / "surveys.csv").string();
  o.lifetimes = (dir / "lifetimes.csv").string();
  o.durations = "exponential";
  const calibrate::CalibrationResult r = calibrate::calibrate(o);
  std::cout << r.summary;
  EXPECT_EQ(quality(r, "surveys", "segment_mismatches"), 0);
  const model::JourneySpec fitted = model::load_journey_text(r.yaml, "fitted.yaml").spec;  // loads and validates
  EXPECT_EQ(fitted.segments.size(), 2u);
  const YAML::Node y = YAML::Load(r.yaml);

  struct SegTruth {
    double share, start_browse, checkout_friction, browse_checkout, browse_mean, alpha, beta;
  };
  const std::map<std::string, SegTruth> truths = {{"new", {0.6, 0.75, 0.3, 0.6, 3.0, 1.2, 2.0}},
                                                  {"loyal", {0.4, 0.4, 0.12, 0.9, 8.0, 1.2, 6.0}}};
  std::vector<double> z;  // every parameter's (estimate - truth) / se
  auto check = [&z](const std::string& what, double est, double truth_value, double se) {
    ASSERT_TRUE(std::isfinite(est) && se > 0) << what << " " << est << " " << se;
    const double zz = (est - truth_value) / se;
    std::cout << fmt::format("{:<28} {:10.5g} truth {:8.4g} se {:8.3g} z {:+.2f}\n", what, est, truth_value, se, zz);
    EXPECT_LT(std::fabs(zz), 3.0) << what << ": " << est << " truth " << truth_value << " se " << se;
    z.push_back(zz);
  };
  auto bin_se = [](double p, double n) { return std::sqrt(p * (1 - p) / n); };

  const auto* ret = r.report.find("calibration/retention");
  ASSERT_NE(ret, nullptr);
  for (const auto& [g, t] : truths) {
    const Counts& c = counts.at(g);
    const YAML::Node seg = y["segments"][g];
    ASSERT_TRUE(seg) << g << "\n" << r.yaml;
    check(g + " share", seg["share"].as<double>(), t.share, bin_se(t.share, static_cast<double>(kCustomers)));
    const YAML::Node ov = seg["overrides"];
    ASSERT_TRUE(ov && ov["start"] && ov["checkout"] && ov["browse"]) << g << "\n" << r.yaml;
    check(g + " start browse", ov["start"]["browse"].as<double>(), t.start_browse, bin_se(t.start_browse, c.journeys));
    check(g + " checkout friction", ov["checkout"]["friction"].as<double>(), t.checkout_friction,
          bin_se(t.checkout_friction, c.checkout));
    ASSERT_TRUE(ov["browse"]["next"] && ov["browse"]["next"]["ok"]) << g << "\n" << r.yaml;
    check(g + " browse ok -> checkout", ov["browse"]["next"]["ok"]["checkout"].as<double>(), t.browse_checkout,
          bin_se(t.browse_checkout, c.browse_ok));
    ASSERT_TRUE(ov["browse"]["duration"]) << g << "\n" << r.yaml;
    const YAML::Node d = ov["browse"]["duration"];
    for (int fr = 0; fr < 2; ++fr) {
      const YAML::Node df = d[fr ? "friction" : "ok"] ? d[fr ? "friction" : "ok"] : d;
      ASSERT_TRUE(df["exponential"]) << g << "\n" << r.yaml;
      check(g + (fr ? " browse duration (friction)" : " browse duration (ok)"), df["exponential"]["mean"].as<double>(),
            t.browse_mean, t.browse_mean / std::sqrt(c.browse_gaps[fr]));
    }
    // The same in both segments: pooled.
    EXPECT_FALSE(ov["support"]) << g << "\n" << r.yaml;
    EXPECT_FALSE(ov["checkout"]["next"]) << g << "\n" << r.yaml;
    // Retention: the segment's sBG row.
    bool found = false;
    for (std::size_t i = 0; i < ret->rows(); ++i) {
      std::map<std::string, const calibrate::ReportColumn*> cols;
      for (const auto& col : ret->columns) cols[col.name] = &col;
      if (cols.at("segment")->strings[i] != g) continue;
      found = true;
      check(g + " retention alpha", cols.at("alpha")->numbers[i], t.alpha, cols.at("alpha_se")->numbers[i]);
      check(g + " retention beta", cols.at("beta")->numbers[i], t.beta, cols.at("beta_se")->numbers[i]);
    }
    EXPECT_TRUE(found) << g;
  }
  std::size_t covered = 0;
  for (double zz : z) covered += std::fabs(zz) < 1.959963984540054;
  EXPECT_GE(static_cast<double>(covered), 0.9 * static_cast<double>(z.size()))
      << covered << " of " << z.size() << " 95% intervals cover the truth";
  fs::remove_all(dir);
}

}  // namespace
