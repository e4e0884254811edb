// The prior of calibrate() is a choice (MODEL.md section 16; issue 13 items
// 4, 5, 7):
//   --prior 0        maximum-likelihood transitions: PM4Py's directly-follows
//                    frequencies, ChannelAttribution's first-order chain;
//   retention alone  --cohorts / --lifetimes without an event log (Fader &
//                    Hardie 2007's published sBG fits);
//   --prior-model    an earlier fit's counts are the prior: two halves of a
//                    log give the fit of the whole log.
// Every expected value is computed here, independently of the library.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "calibrate_helpers.h"
#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/calibrate/calibrate.h"
#include "cxsim/core/errors.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"

using namespace cxsim;
using namespace cxsim::calibrate;
namespace fs = std::filesystem;

namespace {

using cxsim::testing::col;
using cxsim::testing::error_of;
using cxsim::testing::table;

const std::string kData = std::string(CXSIM_TEST_DATA_DIR) + "/calibrate/";
const std::string kShared = std::string(CXSIM_SHARED_DIR) + "/data/";

fs::path dir() {
  const fs::path d = fs::temp_directory_path() / fmt::format("cxsim_test_calibrate_prior_{}", ::getpid());
  fs::create_directories(d);
  return d;
}

fs::path write(const std::string& name, const std::string& text) {
  std::ofstream(dir() / name, std::ios::binary) << text;
  return dir() / name;
}

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> f;
  std::string cur;
  for (char c : line) {
    if (c == sep) f.push_back(cur), cur.clear();
    else if (c != '\r') cur += c;
  }
  f.push_back(cur);
  return f;
}

// id -> name of the fitted touchpoints and outcomes (report tables).
std::map<std::string, std::string> names_of(const CalibrationResult& r) {
  std::map<std::string, std::string> n;
  for (const char* path : {"calibration/touchpoints", "calibration/outcomes"}) {
    const auto& t = table(r, path);
    for (std::size_t i = 0; i < t.rows(); ++i) n[col(t, "id").strings[i]] = col(t, "name").strings[i];
  }
  return n;
}

// (source name, status, target name) -> probability, from the report and from
// the YAML text (parsed with yaml-cpp: what a model loads).
using Probs = std::map<std::tuple<std::string, std::string, std::string>, double>;
Probs report_probs(const CalibrationResult& r) {
  const auto n = names_of(r);
  const auto& t = table(r, "calibration/transitions");
  Probs p;
  for (std::size_t i = 0; i < t.rows(); ++i) {
    const std::string& src = col(t, "source").strings[i];
    p[{src == "start" ? "start" : n.at(src), col(t, "status").strings[i], n.at(col(t, "target").strings[i])}] =
        col(t, "probability").numbers[i];
  }
  return p;
}
Probs yaml_probs(const CalibrationResult& r) {
  const auto n = names_of(r);
  const YAML::Node y = YAML::Load(r.yaml);
  Probs p;
  for (const auto& e : y["start"]) p[{"start", "", n.at(e.first.as<std::string>())}] = e.second.as<double>();
  for (const auto& tp : y["touchpoints"]) {
    const std::string src = n.at(tp.first.as<std::string>());
    const YAML::Node next = tp.second["next"];
    const bool split = next["ok"] && next["ok"].IsMap();
    for (const char* st : {"ok", "friction"}) {
      if (!split) break;
      for (const auto& e : next[st]) p[{src, st, n.at(e.first.as<std::string>())}] = e.second.as<double>();
    }
    if (!split)
      for (const auto& e : next) p[{src, "", n.at(e.first.as<std::string>())}] = e.second.as<double>();
  }
  return p;
}

// "2011-10-11 13:45:40.276000+02:00" -> microseconds since the epoch (UTC).
long long utc_us(const std::string& s) {
  int Y, M, D, h, m, sec;
  if (std::sscanf(s.c_str(), "%d-%d-%d %d:%d:%d", &Y, &M, &D, &h, &m, &sec) != 6) throw std::runtime_error(s);
  std::size_t i = 19;
  long long frac = 0;
  if (i < s.size() && s[i] == '.') {
    int digits = 0;
    for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i, ++digits)
      if (digits < 6) frac = frac * 10 + (s[i] - '0');
    for (; digits < 6; ++digits) frac *= 10;
  }
  long long off = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    const int oh = std::stoi(s.substr(i + 1, 2)), om = std::stoi(s.substr(i + 4, 2));
    off = (s[i] == '+' ? 1 : -1) * (oh * 3600LL + om * 60LL);
  }
  // days from civil (H. Hinnant)
  const int y = Y - (M <= 2);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * static_cast<unsigned>(M + (M > 2 ? -3 : 9)) + 2) / 5 + static_cast<unsigned>(D) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const long long days = era * 146097LL + static_cast<long long>(doe) - 719468;
  return ((days * 86400 + h * 3600LL + m * 60LL + sec) - off) * 1000000LL + frac;
}

// PM4Py's directly-follows graph of an XES-style CSV (case:concept:name,
// concept:name, time:timestamp), events of a case in time order, as
// transition probabilities: P(a -> b) = df(a, b) / (sum_b df(a, b) + end(a)),
// P(a -> end) = end(a) / (...), P(start -> a) = start(a) / cases.
Probs directly_follows(const std::string& file) {
  std::ifstream f(file);
  std::string line;
  std::getline(f, line);
  const auto head = split(line, ',');
  auto at = [&](const char* n) {
    return static_cast<std::size_t>(std::find(head.begin(), head.end(), n) - head.begin());
  };
  const std::size_t c_case = at("case:concept:name"), c_act = at("concept:name"), c_ts = at("time:timestamp");
  std::map<std::string, std::vector<std::pair<long long, std::string>>> cases;
  while (std::getline(f, line)) {
    const auto r = split(line, ',');
    cases[r.at(c_case)].emplace_back(utc_us(r.at(c_ts)), r.at(c_act));
  }
  std::map<std::string, std::map<std::string, double>> df;
  std::map<std::string, double> start;
  for (auto& [id, ev] : cases) {
    std::stable_sort(ev.begin(), ev.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    start[ev.front().second] += 1;
    for (std::size_t i = 0; i + 1 < ev.size(); ++i) df[ev[i].second][ev[i + 1].second] += 1;
    df[ev.back().second]["end_" + ev.back().second] += 1;  // cxsim's outcome for a log without outcomes
  }
  Probs p;
  for (const auto& [a, n] : start) p[{"start", "", a}] = n / static_cast<double>(cases.size());
  for (const auto& [a, row] : df) {
    double tot = 0;
    for (const auto& [b, n] : row) tot += n;
    for (const auto& [b, n] : row) p[{a, "", b}] = n / tot;
  }
  return p;
}

void expect_probs_equal(const Probs& got, const Probs& want, double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (const auto& [k, v] : want) {
    auto it = got.find(k);
    ASSERT_NE(it, got.end()) << what << ": no " << std::get<0>(k) << " -> " << std::get<2>(k);
    EXPECT_NEAR(it->second, v, tol) << what << ": " << std::get<0>(k) << " [" << std::get<1>(k) << "] -> "
                                    << std::get<2>(k);
  }
}

}  // namespace

// ------------------------------------------------------------ --prior 0

TEST(CalibratePrior, MaximumLikelihoodEqualsPm4pyDirectlyFollows) {
  for (const char* file : {"pm4py_receipt.csv", "pm4py_running-example.csv"}) {
    CalibrateOptions o;
    o.events = kShared + file;
    o.prior = 0;
    const auto r = calibrate::calibrate(o);
    model::load_journey_text(r.yaml, "fitted.yaml");
    const Probs want = directly_follows(kShared + file);
    expect_probs_equal(report_probs(r), want, 1e-12, std::string(file) + " (report)");
    expect_probs_equal(yaml_probs(r), want, 1e-12, std::string(file) + " (YAML)");
    EXPECT_NE(r.yaml.find("maximum-likelihood transitions"), std::string::npos);
  }
}

TEST(CalibratePrior, DefaultPriorIsHalfAPseudoCount) {
  // The default stays Dirichlet(counts + 1/2) over the observed targets.
  CalibrateOptions o;
  o.events = kShared + "pm4py_running-example.csv";
  const auto r = calibrate::calibrate(o);
  const auto p = report_probs(r);
  // "register request" -> 3 x examine casually, 2 x check ticket, 1 x examine thoroughly.
  EXPECT_NEAR((p.at({"register request", "", "examine casually"})), 3.5 / 7.5, 1e-15);
  EXPECT_NEAR((p.at({"register request", "", "examine thoroughly"})), 1.5 / 7.5, 1e-15);
  EXPECT_NEAR((yaml_probs(r).at({"register request", "", "check ticket"})), 2.5 / 7.5, 1e-15);
}

TEST(CalibratePrior, NegativePriorIsRefused) {
  CalibrateOptions o;
  o.events = kShared + "pm4py_running-example.csv";
  o.prior = -1;
  EXPECT_NE(error_of(o).find("--prior must be in [0, 1e6]"), std::string::npos);
}

TEST(CalibratePrior, MaximumLikelihoodRemovalEffectsEqualFirstOrderChain) {
  // ChannelAttribution's first-order Markov model of the aggregated paths:
  // start -> first channel, channel -> next channel, last channel ->
  // conversion (total_conversions) or null (total_null). Removal effect of k:
  // 1 - P(conv | walks entering k are lost) / P(conv).
  std::ifstream f(kShared + "ChannelAttribution_Data.csv");
  std::string line;
  std::getline(f, line);
  std::map<std::string, int> idx;
  std::vector<std::string> names;
  auto id = [&](const std::string& n) {
    auto [it, fresh] = idx.emplace(n, static_cast<int>(names.size()));
    if (fresh) names.push_back(n);
    return it->second;
  };
  std::map<std::pair<int, int>, double> tr;  // -1: conversion, -2: null
  std::map<int, double> st;
  while (std::getline(f, line)) {
    const auto r = split(line, ';');
    const double conv = std::stod(r[1]), nul = std::stod(r[3]);
    const double w = conv + nul;
    if (!(w > 0)) continue;  // no journey
    std::vector<int> path;
    std::stringstream ss(r[0]);
    std::string step;
    while (std::getline(ss, step, '>')) {
      step.erase(0, step.find_first_not_of(' '));
      step.erase(step.find_last_not_of(' ') + 1);
      path.push_back(id(step));
    }
    st[path[0]] += w;
    for (std::size_t i = 0; i + 1 < path.size(); ++i) tr[{path[i], path[i + 1]}] += w;
    tr[{path.back(), -1}] += conv;
    tr[{path.back(), -2}] += nul;
  }
  const int T = static_cast<int>(names.size());
  std::vector<double> out(T, 0.0);
  for (const auto& [k, w] : tr) out[k.first] += w;
  double starts = 0;
  for (const auto& [k, w] : st) starts += w;
  // P(conversion) with touchpoint `removed` (-1: none) absorbing: solve
  // (I - Q) x = b by Gaussian elimination with partial pivoting.
  auto p_conv = [&](int removed) {
    std::vector<std::vector<double>> A(T, std::vector<double>(T + 1, 0.0));
    for (int i = 0; i < T; ++i) A[i][i] = 1;
    for (const auto& [k, w] : tr) {
      if (k.first == removed) continue;
      if (k.second == -1) A[k.first][T] += w / out[k.first];
      else if (k.second >= 0) A[k.first][k.second] -= w / out[k.first];
    }
    for (int c = 0; c < T; ++c) {
      int piv = c;
      for (int r = c + 1; r < T; ++r)
        if (std::fabs(A[r][c]) > std::fabs(A[piv][c])) piv = r;
      std::swap(A[c], A[piv]);
      for (int r = 0; r < T; ++r) {
        if (r == c || A[r][c] == 0) continue;
        const double m = A[r][c] / A[c][c];
        for (int j = c; j <= T; ++j) A[r][j] -= m * A[c][j];
      }
    }
    double p = 0;
    for (const auto& [k, w] : st)
      if (k != removed) p += w / starts * A[k][T] / A[k][k];
    return p;
  };
  const double base = p_conv(-1);

  CalibrateOptions o;
  o.paths = kShared + "ChannelAttribution_Data.csv";
  o.prior = 0;
  o.outcome_kinds = {{"converted", "converted"}, {"abandoned", "abandoned"}};
  const auto r = calibrate::calibrate(o);
  const auto spec = model::load_journey_text(r.yaml, "fitted.yaml").spec;
  const model::CompiledModel m = model::compile(spec);
  const auto a = analytics::analyze(m);
  ASSERT_TRUE(a.has_removal);
  const auto conv_kind =
      static_cast<std::size_t>(std::find(m.kinds.begin(), m.kinds.end(), "converted") - m.kinds.begin());
  ASSERT_LT(conv_kind, m.kinds.size());
  const auto conv_oc = static_cast<std::size_t>(std::find(m.outcome_ids.begin(), m.outcome_ids.end(), "converted") -
                                                m.outcome_ids.begin());
  EXPECT_NEAR(a.population.outcome_prob.at(conv_oc), base, 1e-12);
  ASSERT_EQ(static_cast<int>(m.num_touchpoints()), T);
  for (int k = 0; k < T; ++k) {
    const auto tk = static_cast<std::size_t>(std::find(m.touchpoint_ids.begin(), m.touchpoint_ids.end(), names[k]) -
                                             m.touchpoint_ids.begin());
    ASSERT_LT(tk, m.num_touchpoints()) << names[k];
    const double want = 1 - p_conv(k) / base;
    EXPECT_NEAR(a.population_removal.relative_drop[tk][conv_kind], want, 1e-9) << names[k];
  }
}

// ------------------------------------------------------------ retention alone

namespace {
// Survivors of 1000 customers at the start of years 0..7 (Fader & Hardie 2007,
// "How to project customer retention", Table 1).
const std::vector<int> kHighEnd = {1000, 869, 743, 653, 593, 551, 517, 491};
const std::vector<int> kRegular = {1000, 631, 468, 382, 326, 289, 262, 241};

const ReportTable& retention(const CalibrationResult& r) { return table(r, "calibration/retention"); }
double retention_value(const CalibrationResult& r, const std::string& seg, const std::string& c) {
  const auto& t = retention(r);
  for (std::size_t i = 0; i < t.rows(); ++i)
    if (col(t, "segment").strings[i] == seg) return col(t, c).numbers[i];
  throw std::runtime_error("no segment " + seg);
}
}  // namespace

TEST(CalibratePrior, RetentionAloneFromCohortsReproducesFaderHardie) {
  std::string csv = "period,alive,segment\n";
  for (std::size_t t = 0; t < kHighEnd.size(); ++t) csv += fmt::format("{},{},high_end\n", t, kHighEnd[t]);
  for (std::size_t t = 0; t < kRegular.size(); ++t) csv += fmt::format("{},{},regular\n", t, kRegular[t]);
  CalibrateOptions o;
  o.cohorts = write("fh2007_cohorts.csv", csv).string();
  const auto r = calibrate::calibrate(o);
  // A minimal journey that loads (what cxsim validate checks) and carries the fit.
  const auto lj = model::load_journey_text(r.yaml, "r.yaml");
  EXPECT_NE(r.yaml.find("Retention only (no event log)"), std::string::npos);
  EXPECT_EQ(r.yaml.find("calibration:"), std::string::npos);  // nothing to update from
  ASSERT_EQ(lj.spec.segments.size(), 2u);
  EXPECT_NEAR(retention_value(r, "high_end", "alpha"), 0.668, 0.0015);
  EXPECT_NEAR(retention_value(r, "high_end", "beta"), 3.806, 0.0015);
  EXPECT_NEAR(retention_value(r, "regular", "alpha"), 0.704, 0.0015);
  EXPECT_NEAR(retention_value(r, "regular", "beta"), 1.182, 0.0015);
  const YAML::Node y = YAML::Load(r.yaml);
  EXPECT_NEAR(y["segments"]["high_end"]["retention"]["alpha"].as<double>(), 0.668, 0.0015);
  EXPECT_NEAR(y["segments"]["regular"]["retention"]["beta"].as<double>(), 1.182, 0.0015);
  EXPECT_EQ(y["population"]["periods"].as<int>(), 7);
  EXPECT_DOUBLE_EQ(y["segments"]["high_end"]["share"].as<double>(), 0.5);
  // No journey tables in the report for retention alone.
  EXPECT_EQ(r.report.find("calibration/transitions"), nullptr);
}

TEST(CalibratePrior, RetentionAloneFromLifetimes) {
  // The high-end cohort as individual lifetimes: churned in year t, or
  // censored after year 7; the same fit as the cohort.
  std::string csv = "customer_id,periods,churned\n";
  int id = 0;
  for (std::size_t t = 1; t < kHighEnd.size(); ++t)
    for (int i = 0; i < kHighEnd[t - 1] - kHighEnd[t]; ++i) csv += fmt::format("{},{},1\n", id++, t);
  for (int i = 0; i < kHighEnd.back(); ++i) csv += fmt::format("{},7,0\n", id++);
  CalibrateOptions o;
  o.lifetimes = write("fh2007_lifetimes.csv", csv).string();
  const auto r = calibrate::calibrate(o);
  model::load_journey_text(r.yaml, "r.yaml");
  EXPECT_NEAR(retention_value(r, "all", "alpha"), 0.668, 0.0015);
  EXPECT_NEAR(retention_value(r, "all", "beta"), 3.806, 0.0015);
}

TEST(CalibratePrior, RetentionAloneOptionErrors) {
  CalibrateOptions o;
  o.cohorts = kData + "shop_cohorts.csv";
  o.holdout = 0.2;
  EXPECT_NE(error_of(o).find("--holdout needs --events or --paths"), std::string::npos);
  o.holdout = 0;
  o.surveys = kData + "shop_surveys.csv";
  EXPECT_NE(error_of(o).find("--surveys needs --events"), std::string::npos);
  o.surveys.clear();
  o.outcome_kinds = {{"purchased", "converted"}};
  EXPECT_NE(error_of(o).find("--outcome-kind and --outcome-value need --events or --paths"), std::string::npos);
}

// ------------------------------------------------------------ --prior-model

namespace {

// The event log split by journey: the first `frac` of the journeys (in file
// order of first appearance) and the rest, each with the header.
std::pair<std::string, std::string> halves(const std::string& file, const std::string& journey_col, double frac) {
  std::ifstream f(file);
  std::string head, line;
  std::getline(f, head);
  const auto h = split(head, ',');
  const auto c = static_cast<std::size_t>(std::find(h.begin(), h.end(), journey_col) - h.begin());
  std::vector<std::string> rows;
  std::vector<std::string> order;
  std::map<std::string, int> seen;
  while (std::getline(f, line)) {
    rows.push_back(line);
    const std::string j = split(line, ',').at(c);
    if (seen.emplace(j, static_cast<int>(order.size())).second) order.push_back(j);
  }
  const int cut = static_cast<int>(frac * static_cast<double>(order.size()));
  std::string a = head + "\n", b = head + "\n";
  for (const auto& r : rows) (seen.at(split(r, ',').at(c)) < cut ? a : b) += r + "\n";
  return {a, b};
}

void expect_update_equals_whole(const std::string& file, const std::string& journey_col, double prior) {
  const auto [a, b] = halves(file, journey_col, 0.5);
  const std::string stem = fs::path(file).stem().string();
  CalibrateOptions whole;
  whole.events = file;
  whole.prior = prior;
  whole.name = "j";
  const auto rw = calibrate::calibrate(whole);

  CalibrateOptions first = whole;
  first.events = write(stem + "_a.csv", a).string();
  const auto ra = calibrate::calibrate(first);
  const fs::path ya = write(stem + "_a.yaml", ra.yaml);

  CalibrateOptions second = whole;
  second.events = write(stem + "_b.csv", b).string();
  second.prior_model = ya.string();
  const auto rb = calibrate::calibrate(second);
  model::load_journey_text(rb.yaml, "updated.yaml");

  expect_probs_equal(report_probs(rb), report_probs(rw), 1e-12, file + " update (report)");
  expect_probs_equal(yaml_probs(rb), yaml_probs(rw), 1e-12, file + " update (YAML)");
  // Friction, visits and the duration fits agree too.
  const auto& tw = table(rw, "calibration/touchpoints");
  const auto& tb = table(rb, "calibration/touchpoints");
  ASSERT_EQ(tw.rows(), tb.rows());
  std::map<std::string, std::size_t> row_b;
  for (std::size_t i = 0; i < tb.rows(); ++i) row_b[col(tb, "name").strings[i]] = i;
  for (std::size_t i = 0; i < tw.rows(); ++i) {
    const std::size_t j = row_b.at(col(tw, "name").strings[i]);
    for (const char* c : {"visits", "friction_visits", "exits", "journeys_started"})
      EXPECT_EQ(col(tw, c).numbers[i], col(tb, c).numbers[j]) << c;
    const double fw = col(tw, "friction").numbers[i], fb = col(tb, "friction").numbers[j];
    if (std::isnan(fw)) EXPECT_TRUE(std::isnan(fb));
    else EXPECT_NEAR(fw, fb, 1e-12);
    EXPECT_EQ(col(tw, "channel").strings[i], col(tb, "channel").strings[j]);
  }
  const auto& dw = table(rw, "calibration/durations");
  const auto& db = table(rb, "calibration/durations");
  ASSERT_EQ(dw.rows(), db.rows());
  const auto nw = names_of(rw), nb = names_of(rb);
  std::map<std::pair<std::string, std::string>, std::size_t> dur_b;
  for (std::size_t j = 0; j < db.rows(); ++j)
    dur_b[{nb.at(col(db, "touchpoint").strings[j]), col(db, "status").strings[j]}] = j;
  for (std::size_t i = 0; i < dw.rows(); ++i) {
    const std::size_t j = dur_b.at({nw.at(col(dw, "touchpoint").strings[i]), col(dw, "status").strings[i]});
    EXPECT_EQ(col(dw, "family").strings[i], col(db, "family").strings[j]);
    EXPECT_EQ(col(dw, "gaps").numbers[i], col(db, "gaps").numbers[j]);
    for (const char* c : {"lognormal_median", "exponential_mean", "gamma_mean"}) {
      const double x = col(dw, c).numbers[i], y = col(db, c).numbers[j];
      if (std::isnan(x)) EXPECT_TRUE(std::isnan(y));
      else EXPECT_NEAR(y, x, 1e-9 * std::fabs(x)) << c;
    }
  }
  // And the cumulative counts go on: the updated YAML's block is the whole log's.
  EXPECT_EQ(rb.yaml.substr(rb.yaml.find("calibration:")).find("journeys: "),
            rw.yaml.substr(rw.yaml.find("calibration:")).find("journeys: "));
  EXPECT_EQ(YAML::Load(rb.yaml)["calibration"]["journeys"].as<double>(),
            YAML::Load(rw.yaml)["calibration"]["journeys"].as<double>());
  EXPECT_EQ(YAML::Load(rb.yaml)["max_steps"].as<int>(), YAML::Load(rw.yaml)["max_steps"].as<int>());
}

}  // namespace

TEST(CalibratePrior, UpdateWithTwoHalvesEqualsOneFit) {
  expect_update_equals_whole(kShared + "pm4py_receipt.csv", "case:concept:name", 0.5);
  // With friction status, channels and outcomes, and maximum likelihood.
  expect_update_equals_whole(kData + "shop_events.csv", "journey_id", 0.5);
  expect_update_equals_whole(kData + "shop_events.csv", "journey_id", 0.0);
}

TEST(CalibratePrior, UpdateMismatchesAreClear) {
  CalibrateOptions run;
  run.events = kShared + "pm4py_running-example.csv";
  const fs::path other = write("running.yaml", calibrate::calibrate(run).yaml);
  CalibrateOptions o;
  o.events = kData + "shop_events.csv";
  o.prior_model = other.string();
  // Another journey: no touchpoint in common.
  EXPECT_NE(error_of(o).find("no touchpoint in common with the new data"), std::string::npos) << error_of(o);
  // A status column in one and not the other.
  CalibrateOptions shop;
  shop.events = kData + "shop_events.csv";
  const fs::path with_status = write("shop.yaml", calibrate::calibrate(shop).yaml);
  CalibrateOptions no_status;
  no_status.events = write("shop_no_status.csv",
                           "journey_id,timestamp,touchpoint\nx,2026-01-01T00:00:00Z,search\n"
                           "x,2026-01-01T00:01:00Z,product_page\n")
                         .string();
  no_status.prior_model = with_status.string();
  EXPECT_NE(error_of(no_status).find("calibration.status"), std::string::npos) << error_of(no_status);
  // A journey without the block (hand-written, or edited).
  o.prior_model = (fs::path(CXSIM_SOURCE_DIR) / "tests/data/calibrate/roundtrip_journey.yaml").string();
  EXPECT_NE(error_of(o).find("no calibration: block"), std::string::npos) << error_of(o);
  // Not YAML at all: the journey reader's limits and messages.
  o.prior_model = write("broken.yaml", "a: [1, 2\n").string();
  EXPECT_NE(error_of(o).find("broken.yaml:2:1: error: YAML syntax error"), std::string::npos) << error_of(o);
  // Over the journey files' 4 MiB limit: refused before parsing.
  o.prior_model = write("huge.yaml", std::string(5u << 20, '#')).string();
  EXPECT_NE(error_of(o).find("input files are limited to 4 MiB"), std::string::npos) << error_of(o);
  // A damaged block: file:line:column and the key path.
  std::string y = calibrate::calibrate(shop).yaml;
  const auto at = y.find("  transitions:");
  const auto eol = y.find('\n', y.find("    - [", at));
  y.replace(y.find("    - [", at), eol - y.find("    - [", at), "    - [0, 0, x, 1, 3]");
  o.prior_model = write("damaged.yaml", y).string();
  const std::string e = error_of(o);
  EXPECT_NE(e.find("calibration.transitions[0][2]"), std::string::npos) << e;
  EXPECT_NE(e.find("damaged.yaml:"), std::string::npos) << e;
  // Touchpoints only on one side are counted in a warning, not an error.
  CalibrateOptions part;
  part.events = write("shop_part.csv",
                      "journey_id,timestamp,touchpoint,status\nx,2026-01-01T00:00:00Z,search,ok\n"
                      "x,2026-01-01T00:01:00Z,brand_new_step,ok\n")
                    .string();
  part.prior_model = with_status.string();
  const auto rp = calibrate::calibrate(part);
  bool warned_new = false, warned_old = false;
  for (const auto& w : rp.warnings) {
    warned_new |=
        w.find("not in the prior model") != std::string::npos && w.find("brand_new_step") != std::string::npos;
    warned_old |= w.find("are not in the new data") != std::string::npos;
  }
  EXPECT_TRUE(warned_new);
  EXPECT_TRUE(warned_old);
  model::load_journey_text(rp.yaml, "part.yaml");
}

TEST(CalibratePrior, UpdateAddsRetentionCounts) {
  // Lifetimes split by customer: the sBG fitted on the prior model's counts
  // plus the new file's equals the fit on all lifetimes.
  std::ifstream f(kData + "shop_lifetimes.csv");
  std::string head, line, a, b;
  std::getline(f, head);
  a = b = head + "\n";
  int i = 0;
  while (std::getline(f, line)) (i++ % 2 ? b : a) += line + "\n";
  CalibrateOptions whole;
  whole.events = kData + "shop_events.csv";
  whole.lifetimes = kData + "shop_lifetimes.csv";
  const auto rw = calibrate::calibrate(whole);
  CalibrateOptions first = whole;
  first.lifetimes = write("life_a.csv", a).string();
  const fs::path ya = write("life_a.yaml", calibrate::calibrate(first).yaml);
  CalibrateOptions second;
  second.events = kData + "shop_events.csv";
  second.lifetimes = write("life_b.csv", b).string();
  second.prior_model = ya.string();
  const auto rb = calibrate::calibrate(second);
  for (const char* c : {"alpha", "beta", "alpha_se", "customers", "horizon"})
    EXPECT_EQ(retention_value(rb, "all", c), retention_value(rw, "all", c)) << c;
  // Without a retention file the prior model's retention is kept (refitted on its counts).
  CalibrateOptions keep;
  keep.events = kData + "shop_events.csv";
  keep.prior_model = ya.string();
  const auto rk = calibrate::calibrate(keep);
  const auto ra = calibrate::calibrate(first);
  EXPECT_EQ(retention_value(rk, "all", "alpha"), retention_value(ra, "all", "alpha"));
  EXPECT_EQ(retention_value(rk, "all", "beta"), retention_value(ra, "all", "beta"));
  EXPECT_NE(rk.yaml.find("retention: {alpha:"), std::string::npos);
  model::load_journey_text(rk.yaml, "kept.yaml");
}

TEST(CalibratePrior, CountsThatWouldPassTheInputLimitAreLeftOutWithAWarning) {
  // 265 x 150 transitions: the model alone is under the 4 MiB limit of a
  // journey file, with its calibration: block it would be over it.
  std::string csv = "path;total_conversions;total_conversion_value;total_null\n";
  const int T = 265, K = 150;
  for (int a = 0; a < T; ++a)
    for (int j = 0; j < K; ++j) csv += fmt::format("c{} > c{};1;1;{}\n", a, (a + 1 + j) % T, (a * 7 + j) % 5);
  CalibrateOptions o;
  o.paths = write("big_paths.csv", csv).string();
  const auto r = calibrate::calibrate(o);
  EXPECT_EQ(r.yaml.find("calibration:"), std::string::npos);
  EXPECT_LT(r.yaml.size(), std::size_t{4} << 20);
  EXPECT_GT(r.yaml.size(), std::size_t{3} << 20);
  bool warned = false;
  for (const auto& w : r.warnings) warned |= w.find("cannot be updated with --prior-model") != std::string::npos;
  EXPECT_TRUE(warned);
  model::load_journey_text(r.yaml, "big.yaml");
}

TEST(CalibratePrior, UpdateWithAggregatedPaths) {
  // Aggregated paths have no durations (an empty list in the block): the
  // halves of ChannelAttribution_Data.csv by rows give the whole file's fit.
  std::ifstream f(kShared + "ChannelAttribution_Data.csv");
  std::string head, line, a, b;
  std::getline(f, head);
  a = b = head + "\n";
  for (int i = 0; std::getline(f, line); ++i) (i < 5000 ? a : b) += line + "\n";
  for (double prior : {0.5, 0.0}) {
    CalibrateOptions whole;
    whole.paths = kShared + "ChannelAttribution_Data.csv";
    whole.prior = prior;
    whole.name = "j";
    const auto rw = calibrate::calibrate(whole);
    CalibrateOptions first = whole;
    first.paths = write("paths_a.csv", a).string();
    const fs::path ya = write("paths_a.yaml", calibrate::calibrate(first).yaml);
    CalibrateOptions second = whole;
    second.paths = write("paths_b.csv", b).string();
    second.prior_model = ya.string();
    const auto rb = calibrate::calibrate(second);
    expect_probs_equal(report_probs(rb), report_probs(rw), 1e-12, "paths update (report)");
    expect_probs_equal(yaml_probs(rb), yaml_probs(rw), 1e-12, "paths update (YAML)");
  }
}

// ------------------------------------------------------------ --prior-model: survey deltas

namespace {

// The calibration block's deltas: (touchpoint, s|e, friction) -> (estimate, se).
using DeltaKey = std::tuple<std::string, std::string, int>;
std::map<DeltaKey, std::pair<double, double>> deltas_of(const std::string& yaml) {
  const YAML::Node cal = YAML::Load(yaml)["calibration"];
  std::map<DeltaKey, std::pair<double, double>> out;
  for (const auto& r : cal["deltas"])
    out[{cal["touchpoints"][r[0].as<std::size_t>()][0].as<std::string>(), r[1].as<std::string>(), r[2].as<int>()}] = {
        r[3].as<double>(), r[4].as<double>()};
  for (const auto& r : cal["channel_switch"])
    out[{"(switch)", r[0].as<std::string>(), 0}] = {r[1].as<double>(), r[2].as<double>()};
  return out;
}

// The surveys of the journeys in `events` (journey_id is column 1 of both).
std::string surveys_of(const std::string& events, const std::string& surveys_file) {
  std::set<std::string> ids;
  std::istringstream ev(events);
  std::string line;
  std::getline(ev, line);
  while (std::getline(ev, line)) ids.insert(split(line, ',').at(1));
  std::ifstream sv(surveys_file);
  std::string out;
  std::getline(sv, line);
  out = line + "\n";
  while (std::getline(sv, line))
    if (ids.count(split(line, ',').at(1))) out += line + "\n";
  return out;
}

}  // namespace

TEST(CalibratePrior, UpdateCombinesSurveyDeltasWithThePriorModel) {
  // The prior: the whole shop log's deltas moved by +1 with twice their se
  // (a prior that disagrees with the data, of a known precision). An update
  // on a sample is each delta's precision-weighted combination of the prior
  // and the sample's own fit: a small sample (15% of the journeys) is pulled
  // most of the way to the prior, the whole log only a little.
  CalibrateOptions whole;
  whole.events = kData + "shop_events.csv";
  whole.surveys = kData + "shop_surveys.csv";
  whole.name = "shop";
  const auto rw = calibrate::calibrate(whole);
  const auto dw = deltas_of(rw.yaml);
  ASSERT_GE(dw.size(), 8u) << rw.yaml.substr(rw.yaml.find("calibration:"));
  YAML::Node cal = YAML::Load(rw.yaml)["calibration"];
  std::map<DeltaKey, std::pair<double, double>> prior;
  for (auto r : cal["deltas"]) {
    const DeltaKey k{cal["touchpoints"][r[0].as<std::size_t>()][0].as<std::string>(), r[1].as<std::string>(),
                     r[2].as<int>()};
    prior[k] = {dw.at(k).first + 1.0, 2.0 * dw.at(k).second};
    r[3] = fmt::format("{:.17g}", prior[k].first);
    r[4] = fmt::format("{:.17g}", prior[k].second);
  }
  for (auto r : cal["channel_switch"]) {
    const DeltaKey k{"(switch)", r[0].as<std::string>(), 0};
    prior[k] = {dw.at(k).first + 1.0, 2.0 * dw.at(k).second};
    r[1] = fmt::format("{:.17g}", prior[k].first);
    r[2] = fmt::format("{:.17g}", prior[k].second);
  }
  YAML::Node root;
  root["calibration"] = cal;
  YAML::Emitter em;
  em << root;
  const fs::path prior_file = write("shop_prior_deltas.yaml", em.c_str());

  const auto [small_events, rest] = halves(kData + "shop_events.csv", "journey_id", 0.15);
  CalibrateOptions small = whole;
  small.events = write("shop_small.csv", small_events).string();
  small.surveys = write("shop_small_surveys.csv", surveys_of(small_events, whole.surveys)).string();

  // Median over the deltas of |updated - prior| / |own fit - prior|: 1 when
  // the prior is ignored, 0 when it is taken as is.
  auto check = [&](const CalibrateOptions& data, const char* label) {
    const auto own = deltas_of(calibrate::calibrate(data).yaml);
    CalibrateOptions up = data;
    up.prior_model = prior_file.string();
    const auto ru = calibrate::calibrate(up);
    model::load_journey_text(ru.yaml, "updated.yaml");
    EXPECT_NE(ru.summary.find("survey deltas: "), std::string::npos) << ru.summary;
    const auto upd = deltas_of(ru.yaml);
    std::vector<double> ratio;
    for (const auto& [k, p] : prior) {
      if (!own.count(k)) continue;
      const auto [e, se] = own.at(k);
      const double w0 = 1 / (p.second * p.second), w1 = 1 / (se * se);
      if (!upd.count(k)) {
        ADD_FAILURE() << label << ": no updated delta for " << std::get<0>(k);
        continue;
      }
      EXPECT_NEAR(upd.at(k).first, (w0 * p.first + w1 * e) / (w0 + w1), 1e-9) << label << " " << std::get<0>(k);
      EXPECT_NEAR(upd.at(k).second, 1 / std::sqrt(w0 + w1), 1e-12) << label << " " << std::get<0>(k);
      ratio.push_back(std::fabs(upd.at(k).first - p.first) / std::fabs(e - p.first));
    }
    EXPECT_GE(ratio.size(), 8u) << label;
    std::sort(ratio.begin(), ratio.end());
    return ratio.empty() ? 0.0 : ratio[ratio.size() / 2];
  };
  const double r_small = check(small, "15% sample");
  const double r_whole = check(whole, "whole log");
  EXPECT_LT(r_small, 0.5) << "the small sample is not pulled toward the prior";
  EXPECT_GT(r_whole, 0.75) << "the whole log is pulled toward the prior";
  // The whole log's own precision is 4x the prior's: 4/5 of the way back to its own fit.
  EXPECT_NEAR(r_whole, 0.8, 1e-9);
}
