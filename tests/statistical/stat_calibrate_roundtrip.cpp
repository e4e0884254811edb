// Round trip: simulate event logs and survey answers from a known journey,
// calibrate, and check that the 95% intervals of the fit cover the true
// transition probabilities, friction rates and satisfaction deltas in at
// least 90% of the parameters (pooled over fixed seeds).
//
// The simulator here follows docs/model.md sections 1 and 3 and writes exactly
// the format of `cxsim run --events-out` (tests/e2e/e2e_calibrate.sh runs the
// same round trip through the real engine).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include <fmt/format.h>

#include "cxsim/calibrate/calibrate.h"
#include "cxsim/calibrate/timestamp.h"
#include "cxsim/model/journey_loader.h"

using namespace cxsim;
using namespace cxsim::calibrate;
namespace fs = std::filesystem;

namespace {

struct TrueTp {
  std::string id, channel;
  double friction, sat_ok, sat_fr;
  double median, p90;  // lognormal duration, minutes
  std::vector<std::pair<std::string, double>> ok, fr;
};

const std::vector<std::pair<std::string, double>> kStart = {{"search", 0.6}, {"social_ad", 0.4}};
const std::vector<TrueTp> kTps = {
    {"search",
     "web",
     0.10,
     0.2,
     -0.8,
     2,
     6,
     {{"product_page", 0.7}, {"abandoned", 0.3}},
     {{"search", 0.3}, {"abandoned", 0.7}}},
    {"social_ad",
     "social",
     0.05,
     0.1,
     -0.3,
     0.5,
     1.5,
     {{"product_page", 0.6}, {"abandoned", 0.4}},
     {{"product_page", 0.6}, {"abandoned", 0.4}}},
    {"product_page",
     "web",
     0.15,
     0.4,
     -1.0,
     4,
     12,
     {{"checkout", 0.6}, {"search", 0.1}, {"abandoned", 0.3}},
     {{"support_call", 0.5}, {"abandoned", 0.5}}},
    {"checkout",
     "web",
     0.20,
     0.6,
     -1.5,
     3,
     8,
     {{"purchased", 1.0}},
     {{"checkout", 0.3}, {"support_call", 0.4}, {"abandoned", 0.3}}},
    {"support_call", "phone", 0.25, 0.5, -1.2, 15, 40, {{"checkout", 0.5}, {"resolved", 0.5}}, {{"unresolved", 1.0}}},
};
constexpr double kSwitch = -0.2;

const TrueTp* tp_of(const std::string& id) {
  for (const auto& t : kTps)
    if (t.id == id) return &t;
  return nullptr;
}

std::string pick(const std::vector<std::pair<std::string, double>>& m, double u) {
  double c = 0;
  for (const auto& [id, p] : m) {
    c += p;
    if (u < c) return id;
  }
  return m.back().first;
}

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

// Writes events.csv (shuffled, with a few exact duplicate rows) and surveys.csv.
void simulate(const fs::path& dir, int journeys, std::uint64_t seed, double response_rate) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> U(0, 1);
  std::normal_distribution<double> N(0, 1);
  // NPS cut-points from the default baseline (30/35/35 spread evenly).
  std::vector<double> base;
  for (int c = 0; c <= 10; ++c) base.push_back(c <= 6 ? 0.30 / 7 : c <= 8 ? 0.35 / 2 : 0.35 / 2);
  std::vector<double> cut;
  double F = 0;
  for (int c = 0; c < 10; ++c) {
    F += base[static_cast<std::size_t>(c)];
    cut.push_back(std::log(F / (1 - F)));
  }
  std::vector<std::string> rows;
  std::ofstream sv(dir / "surveys.csv");
  sv << "customer_id,journey_id,nps,csat,ces\n";
  const std::int64_t t0 = parse_timestamp_us("2026-01-01T00:00:00Z").value();
  for (int i = 0; i < journeys; ++i) {
    const std::string cust = fmt::format("c{}", i), jid = fmt::format("c{}-0", i);
    std::int64_t ts = t0 + static_cast<std::int64_t>(i) * 3600 * 1000000LL;
    std::string node = pick(kStart, U(rng));
    double S = 0;
    std::string prev_channel;
    std::vector<std::string> jrows;
    int steps = 0;
    while (const TrueTp* t = tp_of(node)) {
      const bool fr = U(rng) < t->friction;
      if (!prev_channel.empty() && prev_channel != t->channel) S += kSwitch;
      S += fr ? t->sat_fr : t->sat_ok;
      const double sigma = std::log(t->p90 / t->median) / 1.2815515655446004;
      const double dur_min = t->median * std::exp(sigma * N(rng));
      jrows.push_back(fmt::format("{},{},{},{},{},{},", cust, jid, format_timestamp_ms(ts), t->id,
                                  fr ? "friction" : "ok", t->channel));
      ts += static_cast<std::int64_t>(dur_min * 60e6);
      prev_channel = t->channel;
      node = pick(fr ? t->fr : t->ok, U(rng));
      if (++steps > 200) {
        node = "timeout";
        break;
      }
    }
    jrows.back() += node;
    for (auto& r : jrows) rows.push_back(std::move(r));
    // Survey.
    const double u = U(rng);
    int nps = 10;
    for (int c = 0; c < 10; ++c)
      if (u < sigmoid(cut[static_cast<std::size_t>(c)] - S)) {
        nps = c;
        break;
      }
    if (U(rng) < response_rate) sv << fmt::format("{},{},{},,\n", cust, jid, nps);
  }
  // A few exact duplicates, then shuffle: the reader must regroup and reorder.
  for (int k = 0; k < 25; ++k) rows.push_back(rows[static_cast<std::size_t>(k * 7)]);
  std::shuffle(rows.begin(), rows.end(), rng);
  std::ofstream ev(dir / "events.csv");
  ev << "customer_id,journey_id,timestamp,touchpoint,status,channel,outcome\n";
  for (const auto& r : rows) ev << r << "\n";
}

const ReportTable& table(const Report& r, const std::string& path) {
  const ReportTable* t = r.find(path);
  if (!t) throw std::runtime_error("no table " + path);
  return *t;
}
const std::vector<double>& nums(const ReportTable& t, const std::string& c) {
  for (const auto& col : t.columns)
    if (col.name == c) return col.numbers;
  throw std::runtime_error("no column " + c);
}
const std::vector<std::string>& strs(const ReportTable& t, const std::string& c) {
  for (const auto& col : t.columns)
    if (col.name == c) return col.strings;
  throw std::runtime_error("no column " + c);
}

struct Coverage {
  int covered = 0, total = 0;
  std::vector<std::string> misses;
  void check(bool ok, const std::string& what) {
    ++total;
    if (ok) ++covered;
    else misses.push_back(what);
  }
};

void check_fit(const CalibrationResult& r, Coverage& cov) {
  // Transitions (skip degenerate single-target maps: their interval is [1, 1]).
  const auto& tr = table(r.report, "calibration/transitions");
  const auto &src = strs(tr, "source"), &st = strs(tr, "status"), &tg = strs(tr, "target");
  const auto &lo = nums(tr, "ci_low"), &hi = nums(tr, "ci_high");
  std::map<std::string, int> seen;
  for (std::size_t i = 0; i < src.size(); ++i) {
    double truth = 0;
    bool single = false;
    if (src[i] == "start") {
      for (const auto& [id, p] : kStart)
        if (id == tg[i]) truth = p;
    } else {
      const TrueTp* t = tp_of(src[i]);
      ASSERT_NE(t, nullptr) << src[i];
      ASSERT_TRUE(st[i] == "ok" || st[i] == "friction") << src[i] << " has no split map";
      const auto& m = st[i] == "ok" ? t->ok : t->fr;
      single = m.size() == 1;
      for (const auto& [id, p] : m)
        if (id == tg[i]) truth = p;
      ASSERT_GT(truth, 0) << "fitted an arc that does not exist: " << src[i] << " -> " << tg[i];
    }
    ++seen[src[i] + "/" + st[i]];
    if (single) continue;
    cov.check(truth >= lo[i] && truth <= hi[i],
              fmt::format("{}.{}.{} true {} CrI [{:.4f}, {:.4f}]", src[i], st[i], tg[i], truth, lo[i], hi[i]));
  }
  // Friction rates.
  const auto& tps = table(r.report, "calibration/touchpoints");
  const auto& ids = strs(tps, "id");
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const TrueTp* t = tp_of(ids[i]);
    ASSERT_NE(t, nullptr);
    const double l = nums(tps, "friction_ci_low")[i], h = nums(tps, "friction_ci_high")[i];
    cov.check(t->friction >= l && t->friction <= h,
              fmt::format("{}.friction true {} CrI [{:.4f}, {:.4f}]", ids[i], t->friction, l, h));
  }
  // Satisfaction deltas and the channel-switch penalty.
  const auto& co = table(r.report, "calibration/survey/nps/coefficients");
  const auto &tp = strs(co, "touchpoint"), &term = strs(co, "term");
  const auto &clo = nums(co, "ci_low"), &chi = nums(co, "ci_high");
  int n_sat = 0;
  for (std::size_t i = 0; i < tp.size(); ++i) {
    double truth;
    if (term[i] == "switch") truth = kSwitch;
    else if (term[i] == "ok" || term[i] == "friction") {
      const TrueTp* t = tp_of(tp[i]);
      ASSERT_NE(t, nullptr);
      truth = term[i] == "ok" ? t->sat_ok : t->sat_fr;
    } else {
      continue;
    }
    ++n_sat;
    cov.check(truth >= clo[i] && truth <= chi[i],
              fmt::format("{}.{} satisfaction true {} CI [{:.4f}, {:.4f}]", tp[i], term[i], truth, clo[i], chi[i]));
  }
  EXPECT_EQ(n_sat, 11);
}

}  // namespace

TEST(CalibrateRoundTrip, RecoversKnownJourneyWithinIntervals) {
  const fs::path base = fs::temp_directory_path() / fmt::format("cxsim_stat_calibrate_{}", ::getpid());
  Coverage all;
  for (std::uint64_t seed : {11u, 12u, 13u, 14u, 15u}) {
    const fs::path dir = base / fmt::format("seed{}", seed);
    fs::create_directories(dir);
    simulate(dir, 20000, seed, 0.6);
    CalibrateOptions o;
    o.events = (dir / "events.csv").string();
    o.keep_duplicates = false;  // --dedupe: the duplicates written above are not events
    o.surveys = (dir / "surveys.csv").string();
    o.memory_mb = 1;  // force spilled runs and the k-way merge
    o.tmp_dir = dir.string();
    const CalibrationResult r = calibrate::calibrate(o);
    EXPECT_NO_THROW(model::load_journey_text(r.yaml, "fitted.yaml"));
    EXPECT_NE(r.summary.find("exact duplicate rows dropped: 25"), std::string::npos) << r.summary;
    EXPECT_NE(r.summary.find("external merge"), std::string::npos) << r.summary;
    Coverage c;
    check_fit(r, c);
    if (HasFatalFailure()) return;
    std::cout << fmt::format("seed {}: {}/{} parameters inside their 95% intervals\n", seed, c.covered, c.total);
    for (const auto& m : c.misses) std::cout << "  outside: " << m << "\n";
    all.covered += c.covered;
    all.total += c.total;
    // Durations: lognormal median and p90 within 4 standard errors of the
    // truth (se of the log-median sigma/sqrt(n); of the log-p90 about 1.25 times that).
    const auto spec = model::load_journey_text(r.yaml, "fitted.yaml").spec;
    const auto& du = table(r.report, "calibration/durations");
    for (const auto& t : kTps) {
      const auto* f = spec.find_touchpoint(t.id);
      ASSERT_NE(f, nullptr);
      double n = 0;
      for (std::size_t i = 0; i < strs(du, "touchpoint").size(); ++i)
        if (strs(du, "touchpoint")[i] == t.id && strs(du, "status")[i] != "friction") n = nums(du, "gaps")[i];
      const double sigma = std::log(t.p90 / t.median) / 1.2815515655446004;
      const double se = sigma / std::sqrt(std::max(n, 1.0));
      ASSERT_EQ(f->duration.ok.kind, model::DurationSpec::Kind::lognormal) << t.id;
      EXPECT_NEAR(std::log(f->duration.ok.a), std::log(t.median), 4 * se) << t.id << " n=" << n;
      EXPECT_NEAR(std::log(f->duration.ok.b), std::log(t.p90), 4 * 1.25 * se) << t.id << " n=" << n;
    }
  }
  if (!std::getenv("CXSIM_KEEP")) fs::remove_all(base);
  const double share = static_cast<double>(all.covered) / all.total;
  std::cout << fmt::format("pooled: {}/{} = {:.1f}% inside their 95% intervals\n", all.covered, all.total, 100 * share);
  EXPECT_GE(share, 0.90);
}
