// The per-segment table helpers the report and `cxsim inspect` share
// (cxsim/report/segments.h): segment order, lookups, column groups that keep
// a per-segment table within the page, each segment's last period and curve,
// and the touchpoints whose friction rate differs most between segments.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cxsim/io/table.h"
#include "cxsim/report/format.h"
#include "cxsim/report/segments.h"

using namespace cxsim;
using namespace cxsim::report;

namespace {

// name, name_se, name_ci_low, name_ci_high with CI = estimate ± 1.96 se.
void add_estimate(io::Table& t, const std::string& name, const std::vector<double>& est,
                  const std::vector<double>& se) {
  std::vector<double> lo, hi;
  for (std::size_t i = 0; i < est.size(); ++i) {
    lo.push_back(est[i] - 1.96 * se[i]);
    hi.push_back(est[i] + 1.96 * se[i]);
  }
  t.add_column(name, est);
  t.add_column(name + "_se", se);
  t.add_column(name + "_ci_low", lo);
  t.add_column(name + "_ci_high", hi);
}

// Segments b, a (not alphabetical), three periods each (b's rows out of order).
io::Table periods_table() {
  io::Table t;
  t.add_column("segment", std::vector<std::string>{"b", "b", "b", "a", "a", "a"});
  t.add_column("period", std::vector<std::int64_t>{1, 3, 2, 1, 2, 3});
  t.add_column("customers", std::vector<std::int64_t>{600, 600, 600, 400, 400, 400});
  add_estimate(t, "alive", {0.9, 0.7, 0.8, 0.95, 0.9, 0.85}, {0.01, 0.02, 0.015, 0.01, 0.012, 0.014});
  add_estimate(t, "nps_true", {10, 14, 12, 30, 31, 32}, {1, 1.2, 1.1, 2, 2.1, 2.2});
  add_estimate(t, "nps_measured", {12, 16, 14, 33, 34, 35}, {2, 2.2, 2.1, 3, 3.1, 3.2});
  add_estimate(t, "churn_rate", {0.1, 0.125, 0.11, 0.05, 0.053, 0.056}, {0.01, 0.01, 0.01, 0.01, 0.01, 0.01});
  return t;
}

}  // namespace

TEST(ReportSegments, NamesInOrderOfFirstAppearanceAndLookups) {
  io::Table t;
  t.add_column("segment", std::vector<std::string>{"new", "new", "loyal", "loyal"});
  t.add_column("metric", std::vector<std::string>{"nps_true", "clv_mean", "nps_true", "clv_mean"});
  t.add_column("delta", std::vector<double>{3, 4, 5, 6});
  t.add_column("se", std::vector<double>{0.5, 0.6, 0.7, 0.8});
  t.add_column("ci_low", std::vector<double>{2, 3, 4, 5});
  t.add_column("ci_high", std::vector<double>{4, 5, 6, 7});
  EXPECT_EQ(segment_names(t), (std::vector<std::string>{"new", "loyal"}));
  EXPECT_EQ(segment_row(t, "loyal", "metric", "clv_mean"), 3u);
  EXPECT_EQ(segment_row(t, "loyal", "metric", "no_such"), kNoRow);
  EXPECT_EQ(segment_row(t, "loyal", "no_column", "clv_mean"), kNoRow);
  // A comparison's delta is read as the estimate.
  const EstimateRow e = segment_estimate(t, "loyal", "nps_true");
  EXPECT_TRUE(e.found);
  EXPECT_DOUBLE_EQ(e.estimate, 5);
  EXPECT_DOUBLE_EQ(e.se, 0.7);
  EXPECT_DOUBLE_EQ(e.lo, 4);
  EXPECT_FALSE(segment_estimate(t, "vip", "nps_true").found);
  // Without a string segment column: no segments, no rows.
  io::Table bad;
  bad.add_column("segment", std::vector<std::int64_t>{0, 1});
  bad.add_column("metric", std::vector<std::string>{"a", "b"});
  EXPECT_TRUE(segment_names(bad).empty());
  EXPECT_EQ(segment_row(bad, "0", "metric", "a"), kNoRow);
}

TEST(ReportSegments, ColumnGroupsAreAtMostTheLimitAndEven) {
  using G = std::vector<std::pair<std::size_t, std::size_t>>;
  EXPECT_EQ(column_groups(0, 4), G{});
  EXPECT_EQ(column_groups(2, 4), (G{{0, 2}}));
  EXPECT_EQ(column_groups(4, 4), (G{{0, 4}}));
  EXPECT_EQ(column_groups(5, 4), (G{{0, 3}, {3, 5}}));
  EXPECT_EQ(column_groups(7, 4), (G{{0, 4}, {4, 7}}));
  EXPECT_EQ(column_groups(8, 3), (G{{0, 3}, {3, 6}, {6, 8}}));
  EXPECT_EQ(column_groups(3, 0), (G{{0, 1}, {1, 2}, {2, 3}}));  // a limit of 0 is taken as 1
  for (std::size_t n = 1; n <= 20; ++n)
    for (std::size_t m = 1; m <= 6; ++m) {
      const auto g = column_groups(n, m);
      ASSERT_FALSE(g.empty());
      EXPECT_EQ(g.front().first, 0u);
      EXPECT_EQ(g.back().second, n);
      std::size_t smallest = n, largest = 0;
      for (std::size_t i = 0; i < g.size(); ++i) {
        if (i > 0) {
          EXPECT_EQ(g[i].first, g[i - 1].second);
        }
        const std::size_t size = g[i].second - g[i].first;
        EXPECT_LE(size, m) << n << " by " << m;
        smallest = std::min(smallest, size);
        largest = std::max(largest, size);
      }
      EXPECT_LE(largest - smallest, 1u) << n << " by " << m;
      EXPECT_EQ(g.size(), (n + m - 1) / m);
    }
}

TEST(ReportSegments, FinalPeriodIsTheLastPeriodOfEachSegment) {
  const auto f = final_periods(periods_table());
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].segment, "b");
  EXPECT_DOUBLE_EQ(f[0].period, 3);  // the row of period 3, not the last row of b
  EXPECT_DOUBLE_EQ(f[0].customers, 600);
  EXPECT_DOUBLE_EQ(f[0].alive.estimate, 0.7);
  EXPECT_DOUBLE_EQ(f[0].alive.se, 0.02);
  EXPECT_DOUBLE_EQ(f[0].nps_true.estimate, 14);
  EXPECT_DOUBLE_EQ(f[0].nps_measured.estimate, 16);
  EXPECT_DOUBLE_EQ(f[0].churn_rate.estimate, 0.125);
  EXPECT_EQ(f[1].segment, "a");
  EXPECT_DOUBLE_EQ(f[1].alive.estimate, 0.85);
  EXPECT_DOUBLE_EQ(f[1].alive.lo, 0.85 - 1.96 * 0.014);
  io::Table no_period;
  no_period.add_column("segment", std::vector<std::string>{"a"});
  EXPECT_TRUE(final_periods(no_period).empty());
}

TEST(ReportSegments, CurvesFollowTheTable) {
  const auto c = segment_curves(periods_table(), "nps_true");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].segment, "b");
  EXPECT_EQ(c[0].period, (std::vector<double>{1, 3, 2}));
  ASSERT_EQ(c[0].value.size(), 3u);
  EXPECT_DOUBLE_EQ(c[0].value[1].estimate, 14);
  EXPECT_DOUBLE_EQ(c[0].value[1].se, 1.2);
  EXPECT_EQ(c[1].period, (std::vector<double>{1, 2, 3}));
  EXPECT_TRUE(segment_curves(periods_table(), "no_such").empty());
}

TEST(ReportSegments, TouchpointSpreadRanksByDifferenceWithItsInterval) {
  io::Table t;
  // Four touchpoints, three segments. `pay`: 0.10 / 0.30 / 0.20 (spread 0.20
  // between s2 and s1); `look`: no friction anywhere (left out); `call`: only
  // s3 visits it (left out); `ship`: 0.05 / 0.06, s3 not visiting (spread 0.01).
  t.add_column("segment",
               std::vector<std::string>{"s1", "s1", "s1", "s1", "s2", "s2", "s2", "s2", "s3", "s3", "s3", "s3"});
  t.add_column("touchpoint", std::vector<std::string>{"look", "ship", "pay", "call", "look", "ship", "pay", "call",
                                                      "look", "ship", "pay", "call"});
  t.add_column("visits", std::vector<double>{100, 80, 50, 0, 90, 70, 40, 0, 10, 0, 30, 5});
  add_estimate(t, "friction_rate",
               {0, 0.05, 0.10, std::nan(""), 0, 0.06, 0.30, std::nan(""), 0, std::nan(""), 0.20, 0.4},
               {0, 0.01, 0.03, std::nan(""), 0, 0.012, 0.04, std::nan(""), 0, std::nan(""), 0.05, 0.1});
  const auto all = touchpoint_spread(t);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].touchpoint, "pay");
  EXPECT_EQ(all[0].highest, 1u);  // s2
  EXPECT_EQ(all[0].lowest, 0u);   // s1
  EXPECT_NEAR(all[0].spread.estimate, 0.20, 1e-15);
  EXPECT_NEAR(all[0].spread.se, 0.05, 1e-15);  // sqrt(0.04² + 0.03²)
  EXPECT_NEAR(all[0].spread.lo, 0.20 - kZ95 * 0.05, 1e-15);
  EXPECT_NEAR(all[0].spread.hi, 0.20 + kZ95 * 0.05, 1e-15);
  ASSERT_EQ(all[0].friction.size(), 3u);
  EXPECT_DOUBLE_EQ(all[0].friction[2].estimate, 0.20);
  EXPECT_DOUBLE_EQ(all[0].visits[2], 30);
  EXPECT_EQ(all[1].touchpoint, "ship");
  EXPECT_EQ(all[1].highest, 1u);
  EXPECT_EQ(all[1].lowest, 0u);  // s3 did not visit: not the lowest despite no rate
  EXPECT_NEAR(all[1].spread.estimate, 0.01, 1e-15);
  EXPECT_DOUBLE_EQ(all[1].visits[2], 0);
  // A limit keeps the largest.
  const auto one = touchpoint_spread(t, 1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].touchpoint, "pay");
  // Without a friction_rate column: nothing.
  io::Table bare;
  bare.add_column("segment", std::vector<std::string>{"s1"});
  bare.add_column("touchpoint", std::vector<std::string>{"a"});
  EXPECT_TRUE(touchpoint_spread(bare).empty());
}
