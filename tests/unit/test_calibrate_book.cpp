// The observed reference book of `cxsim calibrate` (issue 13 item 8): the
// most frequent observed paths, and the most favourable / unfavourable ones by
// the observed NPS of their answers (with the multinomial 95% CI) among paths
// with enough answers, in the fit report as
// calibration/reference_book/{frequent,favourable,unfavourable}.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "calibrate_helpers.h"
#include "cxsim/calibrate/calibrate.h"
#include "cxsim/core/errors.h"

using namespace cxsim;
using namespace cxsim::calibrate;
namespace fs = std::filesystem;

namespace {

fs::path write(const std::string& name, const std::string& text) {
  return cxsim::testing::write_input("calibrate_book", name, text);
}

// One kind of journey: its path, how many journeys, and the NPS answers of the
// first ones (promoters 10, passives 8, detractors 3).
struct Kind {
  std::vector<std::string> path;
  int journeys, promoters, passives, detractors;
};

// The crafted log: exact path counts and answers by journey_id.
const std::vector<Kind> kKinds = {
    {{"home", "buy"}, 80, 20, 0, 0},                    // NPS 100, only 20 answers
    {{"home", "search", "buy"}, 50, 30, 10, 10},        // NPS 40, 50 answers
    {{"home", "help", "buy"}, 40, 5, 15, 20},           // NPS -37.5, 40 answers
    {{"home", "search", "help", "buy"}, 35, 20, 10, 5}  // NPS 300/7, 35 answers
};

struct Files {
  fs::path events, surveys;
};

Files crafted() {
  std::string ev = "customer_id,journey_id,timestamp,touchpoint,status,outcome\n";
  std::string sv = "journey_id,nps\n";
  int n = 0;
  for (const Kind& k : kKinds)
    for (int i = 0; i < k.journeys; ++i, ++n) {
      const std::string j = fmt::format("j{:04d}", n);
      for (std::size_t t = 0; t < k.path.size(); ++t)
        ev += fmt::format("c{},{},2026-01-01T10:{:02d}:00Z,{},ok,{}\n", n, j, 2 * t, k.path[t],
                          t + 1 == k.path.size() ? "purchased" : "");
      const int score = i < k.promoters                               ? 10
                        : i < k.promoters + k.passives                ? 8
                        : i < k.promoters + k.passives + k.detractors ? 3
                                                                      : -1;
      if (score >= 0) sv += fmt::format("{},{}\n", j, score);
    }
  return {write("events.csv", ev), write("surveys.csv", sv)};
}

struct Row {
  std::string segment, path;
  double rank, length, count, count_error, share, respondents, promoters, detractors, nps, se, lo, hi;
};

std::vector<Row> rows(const CalibrationResult& r, const std::string& book) {
  const ReportTable* t = r.report.find("calibration/reference_book/" + book);
  if (!t) throw std::runtime_error("no table calibration/reference_book/" + book);
  auto col = [&](const std::string& name) -> const ReportColumn& {
    for (const auto& c : t->columns)
      if (c.name == name) return c;
    throw std::runtime_error("no column " + name);
  };
  std::vector<Row> out(t->rows());
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = {col("segment").strings[i],    col("path").strings[i],        col("rank").numbers[i],
              col("length").numbers[i],     col("count").numbers[i],       col("count_error").numbers[i],
              col("share").numbers[i],      col("respondents").numbers[i], col("promoters").numbers[i],
              col("detractors").numbers[i], col("nps").numbers[i],         col("nps_se").numbers[i],
              col("nps_ci_low").numbers[i], col("nps_ci_high").numbers[i]};
  }
  return out;
}

// NPS and its multinomial SE computed here independently.
void expect_nps(const Row& r, double p, double d, double n) {
  const double nps = 100 * (p - d) / n;
  const double fp = p / n, fd = d / n;
  const double se = 100 * std::sqrt((fp * (1 - fp) + fd * (1 - fd) + 2 * fp * fd) / n);
  EXPECT_NEAR(r.nps, nps, 1e-12) << r.path;
  EXPECT_NEAR(r.se, se, 1e-12) << r.path;
  EXPECT_NEAR(r.lo, nps - 1.959963984540054 * se, 1e-9) << r.path;
  EXPECT_NEAR(r.hi, nps + 1.959963984540054 * se, 1e-9) << r.path;
}

}  // namespace

// Failed before the feature: the fit report had no calibration/reference_book
// tables (rows() throws "no table").
TEST(CalibrateBook, ObservedBookHasExactCountsNpsAndSupport) {
  const Files f = crafted();
  CalibrateOptions o;
  o.events = f.events.string();
  o.surveys = f.surveys.string();
  const auto r = calibrate::calibrate(o);

  const auto fr = rows(r, "frequent");
  ASSERT_EQ(fr.size(), 4u);
  const char* order[] = {"home > buy", "home > search > buy", "home > help > buy", "home > search > help > buy"};
  const double counts[] = {80, 50, 40, 35};
  const double answers[] = {20, 50, 40, 35};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(fr[i].segment, "all");
    EXPECT_EQ(fr[i].rank, static_cast<double>(i + 1));
    EXPECT_EQ(fr[i].path, order[i]);
    EXPECT_EQ(fr[i].count, counts[i]);
    EXPECT_EQ(fr[i].count_error, 0);
    EXPECT_NEAR(fr[i].share, counts[i] / 205.0, 1e-15);
    EXPECT_EQ(fr[i].respondents, answers[i]);
  }
  EXPECT_EQ(fr[0].length, 2);
  EXPECT_EQ(fr[3].length, 4);
  expect_nps(fr[0], 20, 0, 20);  // se 0: CI [100, 100]
  EXPECT_EQ(fr[0].lo, 100);

  // Default support 30 answers: "home > buy" (20 answers, NPS 100) is left out.
  const auto fav = rows(r, "favourable");
  ASSERT_EQ(fav.size(), 3u);
  EXPECT_EQ(fav[0].path, "home > search > help > buy");
  EXPECT_EQ(fav[1].path, "home > search > buy");
  EXPECT_EQ(fav[2].path, "home > help > buy");
  expect_nps(fav[0], 20, 5, 35);
  expect_nps(fav[1], 30, 10, 50);
  expect_nps(fav[2], 5, 20, 40);
  EXPECT_EQ(fav[0].promoters, 20);
  EXPECT_EQ(fav[0].detractors, 5);
  EXPECT_NEAR(fav[1].nps, 40.0, 1e-12);
  EXPECT_NEAR(fav[2].nps, -37.5, 1e-12);
  const auto unf = rows(r, "unfavourable");
  ASSERT_EQ(unf.size(), 3u);
  EXPECT_EQ(unf[0].path, "home > help > buy");
  EXPECT_EQ(unf[1].path, "home > search > buy");
  EXPECT_EQ(unf[2].path, "home > search > help > buy");
  for (const auto& x : unf) EXPECT_GE(x.respondents, 30);

  // The printed summary names the extremes.
  EXPECT_NE(r.summary.find("most frequent: home > buy (80 journeys"), std::string::npos) << r.summary;
  EXPECT_NE(r.summary.find("most favourable: home > search > help > buy (NPS 42.9"), std::string::npos) << r.summary;
  EXPECT_NE(r.summary.find("most unfavourable: home > help > buy (NPS -37.5"), std::string::npos) << r.summary;
}

TEST(CalibrateBook, SupportAndSizeFlags) {
  const Files f = crafted();
  CalibrateOptions o;
  o.events = f.events.string();
  o.surveys = f.surveys.string();
  o.book_min_support = 20;  // now "home > buy" counts, and ranks first
  o.book_size = 2;
  const auto r = calibrate::calibrate(o);
  const auto fav = rows(r, "favourable");
  ASSERT_EQ(fav.size(), 2u);
  EXPECT_EQ(fav[0].path, "home > buy");
  expect_nps(fav[0], 20, 0, 20);
  EXPECT_EQ(rows(r, "frequent").size(), 2u);
  EXPECT_EQ(rows(r, "unfavourable").size(), 2u);

  o.book_min_support = 51;  // no path has 51 answers: empty tables, said in the summary
  const auto r2 = calibrate::calibrate(o);
  EXPECT_TRUE(rows(r2, "favourable").empty());
  EXPECT_TRUE(rows(r2, "unfavourable").empty());
  EXPECT_NE(r2.summary.find("no path has >= 51 NPS answers"), std::string::npos) << r2.summary;

  o.book_min_support = 0;
  EXPECT_THROW(calibrate::calibrate(o), core::InputError);
  o.book_min_support = 30;
  o.book_size = 0;
  EXPECT_THROW(calibrate::calibrate(o), core::InputError);
}

// Without surveys only the frequent table (no answers: NPS NaN).
TEST(CalibrateBook, WithoutSurveysOnlyFrequent) {
  const Files f = crafted();
  CalibrateOptions o;
  o.events = f.events.string();
  const auto r = calibrate::calibrate(o);
  const auto fr = rows(r, "frequent");
  ASSERT_EQ(fr.size(), 4u);
  EXPECT_EQ(fr[0].respondents, 0);
  EXPECT_TRUE(std::isnan(fr[0].nps));
  EXPECT_EQ(r.report.find("calibration/reference_book/favourable"), nullptr);
}

// Customer join: a customer's answer belongs to the latest journey (as in the
// survey fit); the earlier journey counts as unanswered.
TEST(CalibrateBook, CustomerJoinAnswersTheLatestJourney) {
  std::string ev = "customer_id,journey_id,timestamp,touchpoint,status,outcome\n";
  std::string sv = "customer_id,nps\n";
  for (int c = 0; c < 40; ++c) {
    // The later journey is read first (journey order), the earlier second.
    ev += fmt::format("c{0},a{0},2026-01-02T10:00:00Z,home,ok,\nc{0},a{0},2026-01-02T10:05:00Z,buy,ok,purchased\n", c);
    ev += fmt::format("c{0},b{0},2026-01-01T10:00:00Z,home,ok,\nc{0},b{0},2026-01-01T10:05:00Z,help,ok,left\n", c);
    sv += fmt::format("c{},{}\n", c, c < 30 ? 10 : 0);
  }
  CalibrateOptions o;
  o.events = write("cust_events.csv", ev).string();
  o.surveys = write("cust_surveys.csv", sv).string();
  const auto r = calibrate::calibrate(o);
  const auto fr = rows(r, "frequent");
  ASSERT_EQ(fr.size(), 2u);
  for (const auto& x : fr) {
    EXPECT_EQ(x.count, 40);
    EXPECT_EQ(x.respondents, x.path == "home > buy" ? 40 : 0) << x.path;
  }
  const auto fav = rows(r, "favourable");
  ASSERT_EQ(fav.size(), 1u);
  EXPECT_EQ(fav[0].path, "home > buy");
  expect_nps(fav[0], 30, 10, 40);
}

// More distinct paths than the sketch tracks (4096): counts are bounded,
// count - count_error <= true count <= count, and the frequent path stays first.
TEST(CalibrateBook, BoundedMemoryCountsAreBounds) {
  std::string ev = "customer_id,journey_id,timestamp,touchpoint\n";
  int n = 0;
  auto journey = [&](const std::vector<int>& tps) {
    for (std::size_t t = 0; t < tps.size(); ++t)
      ev += fmt::format("c{0},j{0},2026-01-01T10:{1:02d}:00Z,t{2}\n", n, t, tps[t]);
    ++n;
  };
  for (int a = 0; a < 10; ++a)
    for (int b = 0; b < 10; ++b)
      for (int c = 0; c < 10; ++c)
        for (int d = 0; d < 5; ++d) {
          journey({a, b, c, d});                           // 5000 distinct paths once each
          if ((a + b + c + d) % 10 == 0) journey({9, 9});  // and one 500 times, spread out
        }
  const int frequent = n - 5000;
  CalibrateOptions o;
  o.events = write("many_events.csv", ev).string();
  const auto r = calibrate::calibrate(o);
  const auto fr = rows(r, "frequent");
  ASSERT_FALSE(fr.empty());
  EXPECT_EQ(fr[0].path, "t9 > t9");
  EXPECT_LE(fr[0].count - fr[0].count_error, frequent);
  EXPECT_GE(fr[0].count, frequent);
  for (std::size_t i = 1; i < fr.size(); ++i) {
    EXPECT_LE(fr[i].count - fr[i].count_error, 1);  // every other path occurs once
    EXPECT_GE(fr[i].count, 1);
  }
  EXPECT_NE(r.summary.find("sketch full"), std::string::npos) << r.summary;
}
