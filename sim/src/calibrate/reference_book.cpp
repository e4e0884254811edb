// Observed reference book of calibrate() (issue 13 item 8; docs/calibration.md
// "The fit report", docs/methods/calibration.md section 10): the most
// frequent paths of the event log, and the most favourable and unfavourable
// ones by the observed NPS of their journeys' answers, beside the simulated
// book of `cxsim run` (results /variants/<v>/paths, same definitions).
//
// Memory: one Space-Saving sketch (stats::HeavyHitters, 4096 paths) per
// segment, fed one journey at a time while the log streams by; with the
// customer join, one pending path per surveyed customer (the survey file is
// in memory already). Counts are exact while a segment has at most 4096
// distinct paths; beyond, count overestimates a path's journeys by at most
// count_error, and its answers, promoters and detractors are exact sums over
// the count - count_error journeys seen since it was last tracked (so the
// answers can be underestimated; the NPS is that of those journeys).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cxsim/core/errors.h"
#include "cxsim/stats/estimates.h"
#include "stages.h"

namespace cxsim::calibrate::stages {

namespace {

constexpr std::uint16_t kTruncated = 0xFFFF;  // as the engine's marker: "..."
using B = ObservedBook;

// The segment of a journey: its segment column's value, "all" without one.
std::string segment_of(const JourneyEvents& j) { return j.segment.empty() ? "all" : j.segment; }

stats::HeavyHitters& sketch(ObservedBook& b, const std::string& segment) {
  auto it = b.sketches.find(segment);
  if (it == b.sketches.end()) it = b.sketches.emplace(segment, stats::HeavyHitters(B::kCapacity, B::kAttached)).first;
  return it->second;
}

void add(ObservedBook& b, const std::string& segment, const stats::Path& path, const std::vector<Answer>* answers) {
  double att[B::kAttached] = {0, 0, 0};
  if (answers)
    for (const Answer& a : *answers) {
      if (a.nps < 0) continue;
      att[B::kAnswers] += 1;
      att[B::kPromoters] += a.nps >= 9;
      att[B::kDetractors] += a.nps <= 6;
    }
  sketch(b, segment).add(path, att);
  b.journeys[segment] += 1;
}

// 100 (promoters - detractors) / answers with its multinomial standard error
// (the engine's nps_from_counts).
stats::Estimate nps_of(double p, double d, double n) {
  if (!(n > 0)) return stats::make_estimate(kNaN, kNaN);
  const double fp = p / n, fd = d / n;
  const double var = std::max(0.0, fp + fd - (fp - fd) * (fp - fd)) / n;
  return stats::make_estimate(100 * (fp - fd), 100 * std::sqrt(var));
}

}  // namespace

void book_journey(State& s, const JourneyEvents& j, const std::vector<Visit>& v) {
  if (v.empty()) return;
  stats::Path& path = s.book.scratch;  // reused: no allocation per journey
  path.clear();
  for (const Visit& x : v) {
    if (x.tp >= kTruncated) {  // beyond 16 bits: not representable in the sketch
      ++s.book.skipped;
      return;
    }
    if (path.size() == B::kMaxLength) {
      path.push_back(kTruncated);
      break;
    }
    path.push_back(static_cast<std::uint16_t>(x.tp));
  }
  const std::string seg = segment_of(j);
  if (!s.sv) return add(s.book, seg, path, nullptr);
  if (s.sv->by_journey) {
    const auto it = s.sv->answers.find(j.id);
    return add(s.book, seg, path, it == s.sv->answers.end() ? nullptr : &it->second);
  }
  // Customer join: the answers belong to the customer's latest journey (as
  // the survey fit's join, aggregate.cpp); an earlier one is added unanswered.
  if (!s.sv->answers.count(j.customer)) return add(s.book, seg, path, nullptr);
  auto& last = s.book.last[j.customer];
  const std::int64_t end_ts = j.events.back().ts_us;
  if (end_ts >= last.end_ts) {
    if (!last.path.empty()) add(s.book, last.segment, last.path, nullptr);
    last = {end_ts, path, seg};
  } else {
    add(s.book, seg, path, nullptr);
  }
}

void write_reference_book(State& s) {
  if (s.retention_only || s.o.events.empty()) return;  // needs an event log (not --paths)
  const CalibrateOptions& o = s.o;
  ObservedBook& b = s.book;
  // The customer join's latest journeys, in customer order (deterministic).
  {
    std::vector<const std::string*> customers;
    for (const auto& [c, l] : b.last) customers.push_back(&c);
    std::sort(customers.begin(), customers.end(), [](auto* x, auto* y) { return *x < *y; });
    for (const std::string* c : customers) {
      auto& l = b.last.at(*c);
      add(b, l.segment, l.path, &s.sv->answers.at(*c));
    }
    b.last.clear();
  }
  if (b.skipped) s.warn(fmt::format("reference book: {} journeys skipped (touchpoint index beyond 65534)", b.skipped));

  Report& rep = s.res.report;
  std::string& sum = s.res.summary;
  const bool surveyed = s.sv.has_value();
  const double support = static_cast<double>(o.book_min_support);
  const std::size_t K = static_cast<std::size_t>(o.book_size);
  const char* cut = "count - count_error <= journeys <= count (Space-Saving, 4096 paths per segment)";
  auto make = [&](const char* name, const std::string& what) -> ReportTable& {
    auto& t = rep.table(std::string("calibration/reference_book/") + name, what + "; " + cut);
    t.str("segment").integer("rank").str("path").integer("length").integer("count").integer("count_error");
    t.num("share").integer("respondents").integer("promoters").integer("detractors");
    t.num("nps").num("nps_se").num("nps_ci_low").num("nps_ci_high");
    return t;
  };
  ReportTable& fr = make("frequent", fmt::format("observed paths: the top {} by journeys", K));
  ReportTable* fav = nullptr;
  ReportTable* unf = nullptr;
  if (surveyed) {
    const auto crit = fmt::format("among paths with >= {} NPS answers", o.book_min_support);
    fav = &make("favourable", fmt::format("observed paths: the top {} by NPS, decreasing, {}", K, crit));
    unf = &make("unfavourable", fmt::format("observed paths: the top {} by NPS, increasing, {}", K, crit));
  }

  auto text = [&](const stats::Path& p) {
    std::string t;
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (i) t += " > ";
      t += p[i] == kTruncated ? std::string("...") : s.tp_names.name(p[i]);
    }
    return t;
  };
  auto npsv = [](const stats::HeavyHitters::Entry& e) {
    const double n = e.attached[B::kAnswers];
    return n > 0 ? (e.attached[B::kPromoters] - e.attached[B::kDetractors]) / n : 0.0;
  };
  auto describe = [&](const stats::HeavyHitters::Entry& e) {
    const auto est = nps_of(e.attached[B::kPromoters], e.attached[B::kDetractors], e.attached[B::kAnswers]);
    return fmt::format("{} (NPS {:.1f} [{:.1f}, {:.1f}], {} answers)", text(e.path), est.estimate, est.ci_low,
                       est.ci_high, e.attached[B::kAnswers]);
  };

  sum += fmt::format("reference book (observed, every journey{}):\n",
                     surveyed ? fmt::format("; NPS ranks need >= {} answers", o.book_min_support) : "");
  for (const auto& [seg_key, sk] : b.sketches) {
    const std::string& seg = seg_key;  // clang 14 cannot capture a structured binding
    const double journeys = b.journeys[seg];
    const auto all = sk.entries();
    auto push = [&](ReportTable& t, std::size_t rank, const stats::HeavyHitters::Entry& e) {
      t.add("segment", seg);
      t.add("rank", static_cast<double>(rank));
      t.add("path", text(e.path));
      t.add("length", static_cast<double>(e.path.size()));
      t.add("count", static_cast<double>(e.count));
      t.add("count_error", static_cast<double>(e.error));
      t.add("share", journeys > 0 ? static_cast<double>(e.count) / journeys : kNaN);
      t.add("respondents", e.attached[B::kAnswers]);
      t.add("promoters", e.attached[B::kPromoters]);
      t.add("detractors", e.attached[B::kDetractors]);
      const auto est = nps_of(e.attached[B::kPromoters], e.attached[B::kDetractors], e.attached[B::kAnswers]);
      t.add("nps", est.estimate);
      t.add("nps_se", est.se);
      t.add("nps_ci_low", est.ci_low);
      t.add("nps_ci_high", est.ci_high);
    };
    for (std::size_t r = 0; r < std::min(K, all.size()); ++r) push(fr, r + 1, all[r]);
    const std::string pre = b.sketches.size() > 1 ? "  " + seg + ": " : "  ";
    sum += fmt::format(
        "{}{} journeys, {} distinct paths{}\n", pre, journeys, all.size(),
        sk.full() ? fmt::format(" tracked (sketch full: counts may exceed the truth by <= {})", sk.min_count()) : "");
    if (!all.empty())
      sum += fmt::format("{}most frequent: {} ({} journeys, {:.1f}%)\n", pre, text(all[0].path), all[0].count,
                         100.0 * static_cast<double>(all[0].count) / journeys);
    if (!surveyed) continue;
    std::vector<const stats::HeavyHitters::Entry*> sup;
    for (const auto& e : all)
      if (e.attached[B::kAnswers] >= support) sup.push_back(&e);
    auto best = sup;
    std::stable_sort(best.begin(), best.end(), [&](auto* x, auto* y) { return npsv(*x) > npsv(*y); });
    for (std::size_t r = 0; r < std::min(K, best.size()); ++r) push(*fav, r + 1, *best[r]);
    auto worst = sup;
    std::stable_sort(worst.begin(), worst.end(), [&](auto* x, auto* y) { return npsv(*x) < npsv(*y); });
    for (std::size_t r = 0; r < std::min(K, worst.size()); ++r) push(*unf, r + 1, *worst[r]);
    if (sup.empty()) {
      sum += fmt::format("{}no path has >= {} NPS answers (--book-min-support)\n", pre, o.book_min_support);
    } else {
      sum += fmt::format("{}most favourable: {}\n", pre, describe(*best[0]));
      sum += fmt::format("{}most unfavourable: {}\n", pre, describe(*worst[0]));
    }
  }
}

}  // namespace cxsim::calibrate::stages
