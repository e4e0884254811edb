// Non-contractual retention (repeat_fit.h): BG/BB and BG/NBD against the
// published fits on the public data sets in ../shared/data (Fader, Hardie &
// Shang 2010 donations; Fader, Hardie & Lee 2005 CDNOW), recovery of known
// BG/BB parameters from simulated data, and `calibrate --repeat` end to end
// (the YAML's engagement/retention, the report table, bad input).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "cxsim/calibrate/calibrate.h"
#include "cxsim/calibrate/repeat_fit.h"
#include "cxsim/core/errors.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/rng/samplers.h"
#include "cxsim/rng/stream.h"

using namespace cxsim;
using namespace cxsim::calibrate;
namespace fs = std::filesystem;

namespace {

const std::string kShared = std::string(CXSIM_SHARED_DIR) + "/data/";

fs::path tmp_dir() {
  const fs::path d = fs::temp_directory_path() / fmt::format("cxsim_test_calibrate_repeat_{}", ::getpid());
  fs::create_directories(d);
  return d;
}

fs::path write(const std::string& name, const std::string& text) {
  const fs::path p = tmp_dir() / name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

// A small CSV reader for the shared files (plain numbers, ',' separated).
std::vector<std::map<std::string, double>> read_csv(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  {
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, ',')) header.push_back(c);
  }
  std::vector<std::map<std::string, double>> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::string c;
    std::map<std::string, double> row;
    for (std::size_t i = 0; std::getline(ss, c, ','); ++i) row[header.at(i)] = std::stod(c);
    rows.push_back(row);
  }
  return rows;
}

std::vector<RepeatSummary> donations() {
  std::vector<RepeatSummary> d;
  for (auto& r : read_csv(kShared + "fhs2010_donations.csv"))
    d.push_back({r["frequency"], r["recency"], r["periods"], r["weights"]});
  return d;
}

std::vector<RepeatSummary> cdnow() {
  std::vector<RepeatSummary> d;
  for (auto& r : read_csv(kShared + "cdnow_customers_summary.csv"))
    d.push_back({r["frequency"], r["recency"], r["T"], 1});
  return d;
}

std::string error_of(const CalibrateOptions& o) {
  try {
    calibrate::calibrate(o);
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

// Fader, Hardie & Shang (2010), table 2: alpha 1.204, beta 0.750, gamma
// 0.657, delta 2.783, LL -33,225.6 on the 11,104 donors of the 1995 cohort.
TEST(CalibrateRepeat, BgbbReproducesDonationsFit) {
  const auto d = donations();
  const RepeatFit f = fit_bgbb(d);
  ASSERT_TRUE(f.converged) << f.note;
  EXPECT_DOUBLE_EQ(f.customers, 11104);
  EXPECT_NEAR(f.value(0), 1.204, 0.002);
  EXPECT_NEAR(f.value(1), 0.750, 0.002);
  EXPECT_NEAR(f.value(2), 0.657, 0.002);
  EXPECT_NEAR(f.value(3), 2.783, 0.002);
  EXPECT_NEAR(f.loglik, -33225.6, 0.1);
  EXPECT_NEAR(bgbb_loglik(d, f.value(0), f.value(1), f.value(2), f.value(3)), f.loglik, 1e-6);
  // The maximum: the published point rounds it, so its likelihood is lower.
  EXPECT_LT(bgbb_loglik(d, 1.204, 0.750, 0.657, 2.783), f.loglik);
  for (const auto& p : f.params) {
    EXPECT_GT(p.se, 0) << p.name;
    EXPECT_LT(p.se, 0.5 * p.value) << p.name;
    EXPECT_LT(p.lo, p.value);
    EXPECT_GT(p.hi, p.value);
  }
}

// Fader, Hardie & Lee (2005): r 0.243, alpha 4.414, a 0.793, b 2.426,
// LL -9,582.4 on the 2,357 CDNOW customers (weeks).
TEST(CalibrateRepeat, BgnbdReproducesCdnowFit) {
  const auto d = cdnow();
  ASSERT_EQ(d.size(), 2357u);
  const RepeatFit f = fit_bgnbd(d);
  ASSERT_TRUE(f.converged) << f.note;
  EXPECT_NEAR(f.value(0), 0.243, 0.002);
  EXPECT_NEAR(f.value(1), 4.414, 0.002);
  EXPECT_NEAR(f.value(2), 0.793, 0.002);
  EXPECT_NEAR(f.value(3), 2.426, 0.002);
  EXPECT_NEAR(f.loglik, -9582.4, 0.1);
  for (const auto& p : f.params) EXPECT_GT(p.se, 0) << p.name;
}

// The published SEs are not given in the papers; the observed information
// must agree with an independent Hessian of the likelihood in the natural
// parameters (not the log ones the fit uses), here for alpha of BG/BB.
TEST(CalibrateRepeat, StandardErrorsMatchNaturalScaleInformation) {
  const auto d = donations();
  const RepeatFit f = fit_bgbb(d);
  Eigen::Vector4d th(f.value(0), f.value(1), f.value(2), f.value(3));
  auto ll = [&](const Eigen::Vector4d& t) { return bgbb_loglik(d, t(0), t(1), t(2), t(3)); };
  Eigen::Matrix4d H;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      const double hi = 1e-4 * th(i), hj = 1e-4 * th(j);
      Eigen::Vector4d pp = th, pm = th, mp = th, mm = th;
      pp(i) += hi, pp(j) += hj;
      pm(i) += hi, pm(j) -= hj;
      mp(i) -= hi, mp(j) += hj;
      mm(i) -= hi, mm(j) -= hj;
      H(i, j) = (ll(pp) - ll(pm) - ll(mp) + ll(mm)) / (4 * hi * hj);
    }
  const Eigen::Matrix4d cov = (-H).inverse();
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(f.params[static_cast<std::size_t>(i)].se, std::sqrt(cov(i, i)), 1e-3 * std::sqrt(cov(i, i)));
}

// Data simulated from known BG/BB parameters (fixed seed, 20,000 customers
// over 8 opportunities, dropout at the start of an opportunity, then a
// transaction with probability p): the fit recovers them within 3.5 of its
// own standard errors, and the intervals cover them.
TEST(CalibrateRepeat, BgbbRecoversSimulatedParameters) {
  const double A = 0.9, B = 1.6, G = 0.5, D = 3.0;
  const int n = 8, N = 20000;
  std::map<std::tuple<int, int>, double> counts;
  for (int c = 0; c < N; ++c) {
    rng::Stream s(20261201, rng::Purpose::holdout, static_cast<std::uint64_t>(c), 0, 0);
    const double p = rng::beta(s, A, B), theta = rng::beta(s, G, D);
    int x = 0, tx = 0;
    for (int t = 1; t <= n; ++t) {
      if (rng::bernoulli(s, theta)) break;
      if (rng::bernoulli(s, p)) {
        ++x;
        tx = t;
      }
    }
    counts[{x, tx}] += 1;
  }
  std::vector<RepeatSummary> d;
  for (const auto& [k, w] : counts) d.push_back({double(std::get<0>(k)), double(std::get<1>(k)), double(n), w});
  const RepeatFit f = fit_bgbb(d);
  ASSERT_TRUE(f.converged) << f.note;
  const double truth[] = {A, B, G, D};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto& p = f.params[i];
    EXPECT_LT(std::fabs(p.value - truth[i]), 3.5 * p.se) << p.name << " " << p.value << " se " << p.se;
    EXPECT_LT(p.lo, truth[i]) << p.name;
    EXPECT_GT(p.hi, truth[i]) << p.name;
  }
}

TEST(CalibrateRepeat, NotIdentifiedSaysSo) {
  const RepeatFit none = fit_bgbb({{0, 0, 6, 100}});
  EXPECT_FALSE(none.converged);
  EXPECT_NE(none.note.find("nobody"), std::string::npos);
  const RepeatFit one = fit_bgbb({{0, 0, 1, 100}, {1, 1, 1, 50}});
  EXPECT_FALSE(one.converged);
  EXPECT_NE(one.note.find("one opportunity"), std::string::npos);
  EXPECT_FALSE(fit_bgnbd({{0, 0, 10, 5}}).converged);
}

// ---------------------------------------------------------------- calibrate --repeat

TEST(CalibrateRepeat, DonationsWriteEngagementAndRetention) {
  CalibrateOptions o;
  o.repeat = kShared + "fhs2010_donations.csv";
  const CalibrationResult r = calibrate::calibrate(o);
  const auto lj = model::load_journey_text(r.yaml, "fitted.yaml");
  ASSERT_EQ(lj.spec.segments.size(), 1u) << r.yaml;
  const auto& seg = lj.spec.segments[0];
  ASSERT_TRUE(seg.engagement.has_value()) << r.yaml;
  EXPECT_FALSE(seg.engagement->probability.has_value());
  EXPECT_NEAR(seg.engagement->alpha, 1.204, 0.002);
  EXPECT_NEAR(seg.engagement->beta, 0.750, 0.002);
  ASSERT_TRUE(seg.retention.has_value());
  EXPECT_NEAR(seg.retention->alpha, 0.657, 0.002);
  EXPECT_NEAR(seg.retention->beta, 2.783, 0.002);
  ASSERT_TRUE(lj.spec.population.periods.has_value());
  EXPECT_EQ(*lj.spec.population.periods, 6);
  const ReportTable* t = r.report.find("calibration/repeat");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->rows(), 4u);
  const auto* rt = r.report.find("calibration/retention");
  EXPECT_EQ(rt, nullptr);  // no sBG
  EXPECT_NE(r.summary.find("BG/BB"), std::string::npos) << r.summary;
}

TEST(CalibrateRepeat, CdnowGoesToTheReportOnly) {
  CalibrateOptions o;
  o.repeat = kShared + "cdnow_customers_summary.csv";
  const CalibrationResult r = calibrate::calibrate(o);
  const auto lj = model::load_journey_text(r.yaml, "fitted.yaml");
  for (const auto& s : lj.spec.segments) EXPECT_FALSE(s.engagement.has_value());
  const ReportTable* t = r.report.find("calibration/repeat");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->rows(), 4u);
  EXPECT_EQ(t->columns[1].strings[0], "bgnbd");
  EXPECT_EQ(t->columns[3].strings[0], "r");
  EXPECT_NEAR(t->columns[4].numbers[0], 0.243, 0.002);
}

TEST(CalibrateRepeat, SegmentsAreFittedSeparately) {
  // Two segments: the donations twice (one with doubled weights): the same
  // estimates, shares 1/3 and 2/3.
  std::string text = "frequency,recency,periods,weights,segment\n";
  for (auto& row : read_csv(kShared + "fhs2010_donations.csv")) {
    text += fmt::format("{},{},{},{},a\n", row["frequency"], row["recency"], row["periods"], row["weights"]);
    text += fmt::format("{},{},{},{},b\n", row["frequency"], row["recency"], row["periods"], 2 * row["weights"]);
  }
  CalibrateOptions o;
  o.repeat = write("two.csv", text).string();
  const CalibrationResult r = calibrate::calibrate(o);
  const auto lj = model::load_journey_text(r.yaml, "fitted.yaml");
  ASSERT_EQ(lj.spec.segments.size(), 2u);
  for (const auto& s : lj.spec.segments) {
    ASSERT_TRUE(s.engagement.has_value());
    EXPECT_NEAR(s.engagement->alpha, 1.204, 0.002) << s.id;
    EXPECT_NEAR(s.retention->beta, 2.783, 0.002) << s.id;
  }
  EXPECT_NEAR(lj.spec.segments[0].share, 1.0 / 3, 1e-9);
}

TEST(CalibrateRepeat, BadInputNamesFileLineAndColumn) {
  CalibrateOptions o;
  o.repeat = write("bad1.csv", "frequency,recency,periods\n1,1,6\n2,x,6\n").string();
  std::string e = error_of(o);
  EXPECT_NE(e.find("bad1.csv:3:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("recency"), std::string::npos) << e;
  o.repeat = write("bad2.csv", "frequency,recency,periods\n0,3,6\n").string();
  e = error_of(o);
  EXPECT_NE(e.find("bad2.csv:2:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("not the time since it"), std::string::npos) << e;
  o.repeat = write("bad3.csv", "frequency,recency,periods\n4,3,6\n").string();
  e = error_of(o);
  EXPECT_NE(e.find("outside frequency..periods"), std::string::npos) << e;
  o.repeat = write("bad4.csv", "frequency,last\n1,2\n").string();
  e = error_of(o);
  EXPECT_NE(e.find("bad4.csv:1:"), std::string::npos) << e;
  EXPECT_NE(e.find("missing column 'recency'"), std::string::npos) << e;
  o.repeat = write("bad5.csv", "frequency,recency,T\n1,5,4\n").string();
  e = error_of(o);
  EXPECT_NE(e.find("more than T"), std::string::npos) << e;
  o.repeat = write("bad6.csv", "frequency,recency,periods,weights\n1,1,6,-2\n").string();
  e = error_of(o);
  EXPECT_NE(e.find("bad6.csv:2:7:"), std::string::npos) << e;
  // --on-bad-row skip counts them instead.
  o.repeat = write("skip.csv", "frequency,recency,periods\n1,1,6\n2,x,6\n0,0,6\n2,2,6\n").string();
  o.skip_bad_rows = true;
  const CalibrationResult r = calibrate::calibrate(o);
  EXPECT_NE(r.summary.find("bad rows skipped: 1"), std::string::npos) << r.summary;
}

TEST(CalibrateRepeat, EngagementKeyIsValidated) {
  const std::string base =
      "journey: j\nstart: {a: 1}\ntouchpoints:\n  a: {channel: web, next: {done: 1}}\noutcomes:\n  done: {kind: end}\n"
      "segments:\n  s:\n    share: 1\n    engagement: ";
  auto err = [&](const std::string& e) {
    try {
      model::load_journey_text(base + e + "\n", "j.yaml");
    } catch (const core::InputError& x) {
      return std::string(x.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(err("{alpha: 1.2, beta: 0.75}"), "(no error)");
  EXPECT_EQ(err("{probability: 0.4}"), "(no error)");
  EXPECT_NE(err("{alpha: 1.2}").find("missing required key 'beta'"), std::string::npos);
  EXPECT_NE(err("{alpha: -1, beta: 1}").find("must be > 0"), std::string::npos);
  EXPECT_NE(err("{probability: 1.5}").find("(0, 1]"), std::string::npos);
  EXPECT_NE(err("{probability: 0.5, alpha: 1, beta: 1}").find("not both"), std::string::npos);
  EXPECT_NE(err("{alpah: 1, beta: 1}").find("alpha"), std::string::npos);
}

// The CLI: --repeat writes the YAML and the report; bad input is exit 2
// with file:line:col; --repeat with --cohorts is refused (exit 2).
TEST(CalibrateRepeat, CliExitCodes) {
  const fs::path d = tmp_dir();
  auto run = [&](const std::string& args, std::string* err = nullptr) {
    const fs::path e = d / "stderr.txt";
    const std::string cmd = fmt::format("'{}' calibrate {} -q -o '{}' >/dev/null 2>'{}'", CXSIM_BINARY, args,
                                        (d / "out.yaml").string(), e.string());
    const int st = std::system(cmd.c_str());
    if (err) {
      std::ifstream in(e);
      *err = std::string(std::istreambuf_iterator<char>(in), {});
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  };
  EXPECT_EQ(run(fmt::format("--repeat '{}fhs2010_donations.csv' --report '{}'", kShared, (d / "fit.h5").string())), 0);
  EXPECT_TRUE(fs::exists(d / "fit.h5"));
  std::string err;
  const fs::path bad = write("cli_bad.csv", "frequency,recency,periods\n1,1,6\n1,9,6\n");
  EXPECT_EQ(run(fmt::format("--repeat '{}'", bad.string()), &err), 2);
  EXPECT_NE(err.find("cli_bad.csv:3:3:"), std::string::npos) << err;
  const fs::path cohorts = write("cohorts.csv", "period,alive\n0,100\n1,80\n2,70\n");
  EXPECT_EQ(run(fmt::format("--repeat '{}fhs2010_donations.csv' --cohorts '{}'", kShared, cohorts.string()), &err), 2);
}

// Per-customer transactions aggregated by period: the donations written back
// as one row per donation (acquisition in period 0, x repeat donations
// ending at t_x, one of them twice in the same period) fit exactly as the
// summaries do.
TEST(CalibrateRepeat, TransactionsAggregateByPeriod) {
  std::string text = "customer_id,period\n";
  long long id = 0;
  for (auto& row : read_csv(kShared + "fhs2010_donations.csv")) {
    const int x = static_cast<int>(row["frequency"]), tx = static_cast<int>(row["recency"]);
    for (int c = 0; c < static_cast<int>(row["weights"]); ++c, ++id) {
      text += fmt::format("c{},0\n", id);
      for (int t = tx - x + 1; t <= tx; ++t) text += fmt::format("c{},{}\n", id, t);
      if (x > 0 && c == 0) text += fmt::format("c{},{}\n", id, tx);  // a second donation in the same year
    }
  }
  CalibrateOptions o;
  o.repeat = write("transactions.csv", text).string();
  const CalibrationResult r = calibrate::calibrate(o);
  const auto lj = model::load_journey_text(r.yaml, "fitted.yaml");
  ASSERT_EQ(lj.spec.segments.size(), 1u);
  const RepeatFit f = fit_bgbb(donations());
  EXPECT_NEAR(lj.spec.segments[0].engagement->alpha, f.value(0), 1e-5);
  EXPECT_NEAR(lj.spec.segments[0].engagement->beta, f.value(1), 1e-5);
  EXPECT_NEAR(lj.spec.segments[0].retention->alpha, f.value(2), 1e-5);
  EXPECT_NEAR(lj.spec.segments[0].retention->beta, f.value(3), 1e-5);
  EXPECT_NE(r.summary.find("aggregated by period"), std::string::npos) << r.summary;
}
