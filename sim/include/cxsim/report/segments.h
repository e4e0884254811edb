#pragma once
// The per-segment tables of a results file (/segments/<variant>/..., docs/
// results-format.md "/segments") turned into what the HTML report and `cxsim
// inspect` show: the segments in order, a (segment, key) lookup, the last
// period of each segment, each segment's curve across periods, and the
// touchpoints whose friction rate differs most between segments. Plain
// functions of io::Table (no HDF5), shared by both so they say the same.
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cxsim/io/table.h"
#include "cxsim/report/results_data.h"

namespace cxsim::report {

inline constexpr std::size_t kNoRow = static_cast<std::size_t>(-1);

// The segments of a long per-segment table (a string `segment` column), in the
// order they first appear (the journey's order as the engine writes them).
// Empty without the column.
std::vector<std::string> segment_names(const io::Table& t);

// The row whose `segment` is `segment` and whose string column `key` is
// `value` (metric, touchpoint, outcome), kNoRow when there is none.
std::size_t segment_row(const io::Table& t, std::string_view segment, std::string_view key, std::string_view value);

// estimate/se/ci_low/ci_high (a comparison's delta as the estimate) of that
// row; not found when there is no such row.
EstimateRow segment_estimate(const io::Table& t, std::string_view segment, std::string_view metric);

// `n` columns split into consecutive groups of at most `max_per_group` (>= 1),
// as equal in size as possible (7 by 4 -> [0, 4), [4, 7); 8 by 3 -> 3, 3, 2):
// [first, last) pairs. Empty for n = 0. A wide per-segment table becomes one
// table per group so that each fits the page.
std::vector<std::pair<std::size_t, std::size_t>> column_groups(std::size_t n, std::size_t max_per_group);

// One segment's last period of a /segments/<variant>/periods table: the
// share of its customers alive after it (its retention curve's end), NPS
// (true, measured) and churn rate in that period, with their intervals.
struct SegmentPeriod {
  std::string segment;
  double period = std::numeric_limits<double>::quiet_NaN(), customers = std::numeric_limits<double>::quiet_NaN();
  EstimateRow alive, nps_true, nps_measured, churn_rate;
};
// The last period's row of each segment, segments in order; empty without
// the `segment` and `period` columns.
std::vector<SegmentPeriod> final_periods(const io::Table& periods);

// One segment's curve of a periods-table column (`alive`, `nps_true`, ...
// with its _se/_ci_low/_ci_high), periods in the table's order.
struct SegmentCurve {
  std::string segment;
  std::vector<double> period;
  std::vector<EstimateRow> value;
};
// Every segment's curve of `column`; empty when the table lacks it.
std::vector<SegmentCurve> segment_curves(const io::Table& periods, std::string_view column);

// A touchpoint's friction rate in each segment and how far apart the
// segments are: `spread` = the highest segment's rate − the lowest's, with
// the standard error of that difference, √(se_high² + se_low²) (the segments'
// customers are disjoint, so their estimates are independent) and the 95%
// interval ± kZ95·se. Only segments whose customers visited the touchpoint
// count. `friction` and `visits` are in the order of segment_names().
struct TouchpointSpread {
  std::string touchpoint;
  std::vector<EstimateRow> friction;
  std::vector<double> visits;
  std::size_t lowest = kNoRow, highest = kNoRow;  // indices into the segments
  EstimateRow spread;
};
// The touchpoints of a /segments/<variant>/touchpoints table that at least
// two segments visited and where some segment met friction, largest spread
// first (ties in the table's order); at most `limit`.
std::vector<TouchpointSpread> touchpoint_spread(const io::Table& touchpoints, std::size_t limit = kNoRow);

}  // namespace cxsim::report
