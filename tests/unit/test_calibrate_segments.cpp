// Per-segment fits of calibrate() from the event log's segment column
// (MODEL.md section 16, issue 13 item 3; docs/calibration.md "Segments"):
// where the likelihood-ratio test of equal values over the segments rejects,
// each segment gets its own start map, next map and duration (overrides);
// elsewhere the pooled fit stands. The surveys' segment column is checked
// against the journeys' (a counted warning). The log is generated here with
// known per-segment values.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "calibrate_helpers.h"
#include "cxsim/calibrate/calibrate.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/model/uncertain.h"

using namespace cxsim;
using namespace cxsim::calibrate;

namespace {

using cxsim::testing::col;
using cxsim::testing::loads;
using cxsim::testing::table;
using cxsim::testing::warned;

std::filesystem::path write(const std::string& name, const std::string& text) {
  return cxsim::testing::write_input("calibrate_segments", name, text);
}

// Two segments, one journey per customer. Truth (per segment a, b):
//   start:   search 0.8 / 0.4, ad 0.2 / 0.6
//   search:  product 0.7 / 0.4, else the journey ends (outcome left);
//            gap to the next event lognormal, median 60 s / 180 s
//   ad:      product always (gap median 30 s in both)
//   product: buy 0.5, else left, in both
struct Truth {
  double start_search, search_product, search_median;
};
const std::map<std::string, Truth> kTruth = {{"a", {0.8, 0.7, 60.0}}, {"b", {0.4, 0.4, 180.0}}};
constexpr int kCustomersPerSegment = 3000;

std::string generate_log(std::map<std::string, int>* journeys_per_segment = nullptr) {
  std::mt19937_64 rng(20261202);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> z(0.0, 1.0);
  std::ostringstream out;
  out << "customer_id,journey_id,timestamp,touchpoint,outcome,segment\n";
  int c = 0;
  for (int i = 0; i < kCustomersPerSegment; ++i)
    for (const auto& kv : kTruth) {
      const std::string& g = kv.first;  // clang 14 cannot capture a structured binding
      const Truth& t = kv.second;
      const std::string cust = fmt::format("c{}", c), jid = fmt::format("c{}-0", c);
      double ts = 1767225600.0 + 3600.0 * c;
      ++c;
      auto row = [&](const char* tp, const char* outcome) {
        out << fmt::format("{},{},{:.3f},{},{},{}\n", cust, jid, ts, tp, outcome, g);
      };
      auto gap = [&](double median) { ts += median * std::exp(0.5 * z(rng)); };
      if (journeys_per_segment) ++(*journeys_per_segment)[g];
      if (u(rng) < t.start_search) {
        if (u(rng) >= t.search_product) {
          row("search", "left");
          continue;
        }
        row("search", "");
        gap(t.search_median);
      } else {
        row("ad", "");
        gap(30.0);
      }
      row("product", u(rng) < 0.5 ? "buy" : "left");
    }
  return out.str();
}

double prob(const YAML::Node& map, const std::string& target) { return map[target] ? map[target].as<double>() : 0.0; }

TEST(CalibrateSegments, StartNextAndDurationOverridesWhereTheSegmentsDiffer) {
  CalibrateOptions o;
  o.events = write("events.csv", generate_log()).string();
  o.time_unit = "seconds";
  const CalibrationResult r = cxsim::calibrate::calibrate(o);
  const auto spec = loads(r);  // the per-segment fit loads and validates
  const YAML::Node y = YAML::Load(r.yaml);
  ASSERT_TRUE(y["segments"]["a"] && y["segments"]["b"]) << r.yaml;
  const double n = kCustomersPerSegment;
  for (const auto& [g, t] : kTruth) {
    const YAML::Node ov = y["segments"][g]["overrides"];
    ASSERT_TRUE(ov) << g << "\n" << r.yaml;
    // Start: its own entry mix, within 4 SE of the truth.
    ASSERT_TRUE(ov["start"]) << g << "\n" << r.yaml;
    const double ps = prob(ov["start"], "search");
    EXPECT_LT(std::fabs(ps - t.start_search), 4 * std::sqrt(t.start_search * (1 - t.start_search) / n)) << g;
    EXPECT_NEAR(ps + prob(ov["start"], "ad"), 1.0, 1e-12);
    // search's next map: within 4 SE (visits = n * start_search).
    ASSERT_TRUE(ov["search"] && ov["search"]["next"]) << g << "\n" << r.yaml;
    const double pp = prob(ov["search"]["next"], "product");
    const double visits = n * t.start_search;
    EXPECT_LT(std::fabs(pp - t.search_product), 4 * std::sqrt(t.search_product * (1 - t.search_product) / visits)) << g;
    // search's duration: lognormal median within 15% (sd of the log 0.5, >= 800 gaps).
    ASSERT_TRUE(ov["search"]["duration"]) << g << "\n" << r.yaml;
    ASSERT_TRUE(ov["search"]["duration"]["lognormal"]) << g << "\n" << r.yaml;
    const double median = ov["search"]["duration"]["lognormal"]["median"].as<double>();
    EXPECT_NEAR(median / t.search_median, 1.0, 0.15) << g;
    // Equal in the truth: product's next map and ad's duration stay pooled.
    EXPECT_FALSE(ov["product"]) << g << "\n" << r.yaml;
    EXPECT_FALSE(ov["ad"]) << g << "\n" << r.yaml;
  }
  // The loaded spec carries them as a user's overrides would.
  ASSERT_EQ(spec.segments.size(), 2u);
  for (const auto& seg : spec.segments) {
    EXPECT_TRUE(seg.start.has_value()) << seg.id;
    bool search = false;
    for (const auto& [tp, ov] : seg.overrides)
      if (tp == "search") search = ov.next.has_value() && ov.duration.has_value();
    EXPECT_TRUE(search) << seg.id;
  }
}

TEST(CalibrateSegments, SegmentsThatAgreeGetNoOverrides) {
  // Both segments walk segment a's journey: every test accepts (fixed seed).
  std::string log = generate_log();
  std::string same;
  std::istringstream in(log);
  std::string line;
  std::getline(in, line);
  same += line + "\n";
  int k = 0;
  std::string last_journey;
  while (std::getline(in, line)) {
    // Keep segment a's journeys only, relabelled a/b alternately by journey.
    if (line.substr(line.rfind(',') + 1) != "a") continue;
    const std::string jid = line.substr(line.find(',') + 1, line.find(',', line.find(',') + 1) - line.find(',') - 1);
    if (jid != last_journey) ++k, last_journey = jid;
    same += line.substr(0, line.rfind(',') + 1) + (k % 2 ? "a" : "b") + "\n";
  }
  CalibrateOptions o;
  o.events = write("same.csv", same).string();
  o.time_unit = "seconds";
  const CalibrationResult r = cxsim::calibrate::calibrate(o);
  const YAML::Node y = YAML::Load(r.yaml);
  ASSERT_TRUE(y["segments"]["a"] && y["segments"]["b"]) << r.yaml;
  EXPECT_FALSE(y["segments"]["a"]["overrides"]) << r.yaml;
  EXPECT_FALSE(y["segments"]["b"]["overrides"]) << r.yaml;
}

double quality(const CalibrationResult& r, const std::string& source, const std::string& item) {
  const auto& t = table(r, "calibration/data_quality");
  for (std::size_t i = 0; i < t.rows(); ++i)
    if (col(t, "source").strings[i] == source && col(t, "item").strings[i] == item) return col(t, "count").numbers[i];
  return -1;
}

TEST(CalibrateSegments, SurveySegmentColumnIsCheckedAgainstTheJourneys) {
  std::map<std::string, int> per;
  CalibrateOptions o;
  o.events = write("events2.csv", generate_log(&per)).string();
  o.time_unit = "seconds";
  // c0 is in a, c1 in b, ...: 40 answers, 3 of them naming the other segment.
  std::string sv = "journey_id,nps,segment\n";
  for (int c = 0; c < 40; ++c) {
    std::string g = c % 2 ? "b" : "a";
    if (c == 5 || c == 10 || c == 17) g = c % 2 ? "a" : "b";
    sv += fmt::format("c{}-0,{},{}\n", c, c % 11, g);
  }
  o.surveys = write("surveys.csv", sv).string();
  const CalibrationResult r = cxsim::calibrate::calibrate(o);
  EXPECT_EQ(quality(r, "surveys", "segments"), 2);
  EXPECT_EQ(quality(r, "surveys", "segment_mismatches"), 3);
  EXPECT_TRUE(warned(r, {"3 joined survey answers name another segment", "the event log's segment is used"}));
  // Without mismatches: no warning, the row says 0.
  std::string ok = "journey_id,nps,segment\n";
  for (int c = 0; c < 40; ++c) ok += fmt::format("c{}-0,{},{}\n", c, c % 11, c % 2 ? "b" : "a");
  o.surveys = write("surveys_ok.csv", ok).string();
  const CalibrationResult r2 = cxsim::calibrate::calibrate(o);
  EXPECT_EQ(quality(r2, "surveys", "segment_mismatches"), 0);
  EXPECT_FALSE(warned(r2, {"name another segment"}));
}

}  // namespace

namespace {

// Events and surveys of two segments: journeys visit a and/or b (each with
// friction 0.3); its NPS answer follows the engine's ordered
// logit on S = delta(a) + delta(b) (NPS baseline 0.3/0.35/0.35). Segment
// late's friction delta at b is `late_b_friction`, early's -0.5; every other
// delta is shared. A journey starts at a (60%, then b in 70%) or at b.
std::pair<std::string, std::string> generate_answers(double late_b_friction) {
  std::mt19937_64 rng(777);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> cut;  // logit of the cumulative baseline
  double F = 0;
  for (int c = 0; c < 10; ++c) {
    F += c <= 6 ? 0.30 / 7 : c <= 8 ? 0.35 / 2 : 0.35 / 2;
    cut.push_back(std::log(F / (1 - F)));
  }
  std::ostringstream ev, sv;
  ev << "customer_id,journey_id,timestamp,touchpoint,status,outcome,segment\n";
  sv << "journey_id,nps,segment\n";
  for (int i = 0; i < 6000; ++i) {
    const std::string g = i % 2 ? "late" : "early";
    const bool va = u(rng) < 0.6, vb = !va || u(rng) < 0.7;
    const bool fa = u(rng) < 0.3, fb = u(rng) < 0.3;
    const double S = (va ? (fa ? -0.8 : 0.3) : 0.0) + (vb ? (fb ? (g == "late" ? late_b_friction : -0.5) : 0.6) : 0.0);
    const std::string j = fmt::format("j{}", i);
    if (va)
      ev << fmt::format("c{},{},2026-01-01T00:00:00Z,a,{},{},{}\n", i, j, fa ? "friction" : "ok", vb ? "" : "done", g);
    if (vb) ev << fmt::format("c{},{},2026-01-01T00:01:00Z,b,{},done,{}\n", i, j, fb ? "friction" : "ok", g);
    const double v = u(rng);
    int score = 10;
    for (int c = 0; c < 10; ++c)
      if (v < 1 / (1 + std::exp(-(cut[static_cast<std::size_t>(c)] - S)))) {
        score = c;
        break;
      }
    sv << fmt::format("{},{},{}\n", j, score, g);
  }
  return {ev.str(), sv.str()};
}

}  // namespace

TEST(CalibrateSegments, SatisfactionDeltaOverridesWhereTheSegmentsDeltasDiffer) {
  // Before: the deltas were always pooled ("not yet per segment").
  for (double y_b : {-2.0, -0.5}) {
    const auto [ev, sv] = generate_answers(y_b);
    CalibrateOptions o;
    o.events = write(fmt::format("deltas_events_{}.csv", y_b), ev).string();
    o.surveys = write(fmt::format("deltas_surveys_{}.csv", y_b), sv).string();
    const auto r = calibrate::calibrate(o);
    const auto spec = loads(r);
    const auto& t = table(r, "calibration/segments/deltas");
    ASSERT_EQ(t.rows(), 2u);                 // NPS at a and b (no CES)
    std::map<std::string, std::string> sat;  // segment -> touchpoint with a satisfaction override
    std::map<std::string, double> b_friction;
    for (const auto& seg : spec.segments)
      for (const auto& [id, ov] : seg.overrides)
        if (ov.satisfaction) {
          sat[seg.id] += id;
          b_friction[seg.id] = ov.satisfaction->friction;
        }
    if (y_b == -2.0) {
      EXPECT_EQ(sat["early"], "b");
      EXPECT_EQ(sat["late"], "b");
      EXPECT_NEAR(b_friction["early"], -0.5, 0.3);
      EXPECT_NEAR(b_friction["late"], -2.0, 0.4);
      EXPECT_NE(r.yaml.find("equal satisfaction deltas (likelihood ratio) over the segments rejected: G2"),
                std::string::npos);
    } else {
      EXPECT_TRUE(sat.empty()) << r.yaml;
      EXPECT_EQ(r.yaml.find("equal satisfaction deltas"), std::string::npos);
    }
  }
}

// --distributions (issue 14): the shares as a Dirichlet over the segments'
// customers, and every override's posterior (its start and next maps as
// Dirichlet counts), which `run --uncertainty` then draws.
TEST(CalibrateSegments, DistributionsWriteTheSharesAndTheOverridesWithTheirPosteriors) {
  CalibrateOptions o;
  o.events = write("events_dist.csv", generate_log()).string();
  o.time_unit = "seconds";
  o.distributions = true;
  const CalibrationResult r = cxsim::calibrate::calibrate(o);
  const auto spec = loads(r);
  const YAML::Node y = YAML::Load(r.yaml);
  for (const char* g : {"a", "b"}) {
    const YAML::Node seg = y["segments"][g];
    ASSERT_TRUE(seg["share"]["dirichlet"]) << r.yaml;
    EXPECT_EQ(seg["share"]["dirichlet"].as<double>(), kCustomersPerSegment);
    ASSERT_TRUE(seg["overrides"]["start"]["dirichlet"]) << r.yaml;
    ASSERT_TRUE(seg["overrides"]["search"]["next"]["dirichlet"]) << r.yaml;
  }
  EXPECT_EQ(spec.segments[0].share, 0.5);  // the Dirichlet's mean: the customers' share
  using K = model::UncertainParam::Kind;
  int shares = 0, seg_start = 0, seg_next = 0;
  for (const auto& u : spec.uncertain) {
    shares += u.kind == K::segment_share_dirichlet;
    seg_start += u.kind == K::start_dirichlet && !u.segment.empty();
    seg_next += u.kind == K::next_ok_dirichlet && !u.segment.empty() && u.touchpoint == "search";
  }
  EXPECT_EQ(shares, 1);
  EXPECT_EQ(seg_start, 2);
  EXPECT_EQ(seg_next, 2);
  // A draw moves the shares and each segment's own maps; the estimates stay in the spec.
  const auto x = model::draw_parameters(spec, 7, 0);
  EXPECT_NE(x.segments[0].share, spec.segments[0].share);
  EXPECT_NE((*x.segments[0].start)[0].second, (*spec.segments[0].start)[0].second);
  EXPECT_NEAR((*x.segments[0].start)[0].second + (*x.segments[0].start)[1].second, 1.0, 1e-12);
  for (std::size_t g = 0; g < 2; ++g)
    for (const auto& [tp, ov] : x.segments[g].overrides)
      if (tp == "search") {
        const auto& base =
            std::find_if(spec.segments[g].overrides.begin(), spec.segments[g].overrides.end(), [](const auto& e) {
              return e.first == "search";
            })->second;
        EXPECT_NE(ov.next->ok[0].second, base.next->ok[0].second);
      }
}
