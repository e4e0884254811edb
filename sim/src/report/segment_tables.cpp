// The per-segment tables of a results file as the report and `cxsim inspect`
// show them (cxsim/report/segments.h).
#include <algorithm>
#include <cmath>

#include "cxsim/report/format.h"
#include "cxsim/report/segments.h"

namespace cxsim::report {

namespace {

bool has_string_column(const io::Table& t, std::string_view c) {
  return t.has_column(c) && t.column_type(c) == io::ColumnType::string;
}

}  // namespace

std::vector<std::string> segment_names(const io::Table& t) {
  std::vector<std::string> out;
  if (!has_string_column(t, "segment")) return out;
  for (const auto& s : t.get_string("segment"))
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  return out;
}

std::size_t segment_row(const io::Table& t, std::string_view segment, std::string_view key, std::string_view value) {
  if (!has_string_column(t, "segment") || !has_string_column(t, key)) return kNoRow;
  const auto& seg = t.get_string("segment");
  const auto& k = t.get_string(key);
  for (std::size_t r = 0; r < t.rows(); ++r)
    if (seg[r] == segment && k[r] == value) return r;
  return kNoRow;
}

EstimateRow segment_estimate(const io::Table& t, std::string_view segment, std::string_view metric) {
  const std::size_t r = segment_row(t, segment, "metric", metric);
  return r == kNoRow ? EstimateRow{} : table_estimate(t, r);
}

std::vector<std::pair<std::size_t, std::size_t>> column_groups(std::size_t n, std::size_t max_per_group) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  if (n == 0) return out;
  const std::size_t m = std::max<std::size_t>(1, max_per_group);
  const std::size_t groups = (n + m - 1) / m;
  // The first n % groups groups get one column more.
  const std::size_t size = n / groups, extra = n % groups;
  std::size_t first = 0;
  for (std::size_t g = 0; g < groups; ++g) {
    const std::size_t last = first + size + (g < extra ? 1 : 0);
    out.emplace_back(first, last);
    first = last;
  }
  return out;
}

std::vector<SegmentPeriod> final_periods(const io::Table& periods) {
  std::vector<SegmentPeriod> out;
  if (!has_string_column(periods, "segment") || !periods.has_column("period")) return out;
  const auto& seg = periods.get_string("segment");
  for (const auto& s : segment_names(periods)) {
    std::size_t last = kNoRow;
    for (std::size_t r = 0; r < periods.rows(); ++r)
      if (seg[r] == s &&
          (last == kNoRow || table_number(periods, "period", r) >= table_number(periods, "period", last)))
        last = r;
    SegmentPeriod p;
    p.segment = s;
    p.period = table_number(periods, "period", last);
    p.customers = table_number(periods, "customers", last);
    p.alive = table_estimate(periods, last, "alive");
    p.nps_true = table_estimate(periods, last, "nps_true");
    p.nps_measured = table_estimate(periods, last, "nps_measured");
    p.churn_rate = table_estimate(periods, last, "churn_rate");
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<SegmentCurve> segment_curves(const io::Table& periods, std::string_view column) {
  std::vector<SegmentCurve> out;
  if (!has_string_column(periods, "segment") || !periods.has_column("period") || !periods.has_column(column))
    return out;
  const auto& seg = periods.get_string("segment");
  for (const auto& s : segment_names(periods)) {
    SegmentCurve c;
    c.segment = s;
    for (std::size_t r = 0; r < periods.rows(); ++r) {
      if (seg[r] != s) continue;
      c.period.push_back(table_number(periods, "period", r));
      c.value.push_back(table_estimate(periods, r, column));
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<TouchpointSpread> touchpoint_spread(const io::Table& touchpoints, std::size_t limit) {
  std::vector<TouchpointSpread> out;
  if (!has_string_column(touchpoints, "touchpoint") || !touchpoints.has_column("friction_rate")) return out;
  const auto segments = segment_names(touchpoints);
  // Touchpoints in the table's order.
  std::vector<std::string> ids;
  for (const auto& id : touchpoints.get_string("touchpoint"))
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  for (const auto& id : ids) {
    TouchpointSpread t;
    t.touchpoint = id;
    bool friction = false;
    std::size_t visited = 0;
    for (std::size_t g = 0; g < segments.size(); ++g) {
      const std::size_t r = segment_row(touchpoints, segments[g], "touchpoint", id);
      const EstimateRow e = r == kNoRow ? EstimateRow{} : table_estimate(touchpoints, r, "friction_rate");
      const double v = r == kNoRow ? std::nan("") : table_number(touchpoints, "visits", r);
      t.friction.push_back(e);
      t.visits.push_back(v);
      if (!(v > 0) || !std::isfinite(e.estimate)) continue;
      ++visited;
      friction = friction || e.estimate > 0;
      if (t.lowest == kNoRow || e.estimate < t.friction[t.lowest].estimate) t.lowest = g;
      if (t.highest == kNoRow || e.estimate > t.friction[t.highest].estimate) t.highest = g;
    }
    if (visited < 2 || !friction) continue;
    const EstimateRow& lo = t.friction[t.lowest];
    const EstimateRow& hi = t.friction[t.highest];
    t.spread.found = true;
    t.spread.estimate = hi.estimate - lo.estimate;
    t.spread.se = std::sqrt(hi.se * hi.se + lo.se * lo.se);
    t.spread.lo = t.spread.estimate - kZ95 * t.spread.se;
    t.spread.hi = t.spread.estimate + kZ95 * t.spread.se;
    out.push_back(std::move(t));
  }
  std::stable_sort(out.begin(), out.end(), [](const TouchpointSpread& a, const TouchpointSpread& b) {
    return a.spread.estimate > b.spread.estimate;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace cxsim::report
