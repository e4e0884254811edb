// Calibration of whole files: the public data sets (pm4py receipt log with
// XES columns, ChannelAttribution aggregated paths), the documented samples
// (tests/data/calibrate), survey joins, retention inputs, censored journeys,
// and bad inputs. Every fitted YAML must load unchanged.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "calibrate_helpers.h"
#include "cxsim/calibrate/calibrate.h"
#include "cxsim/core/errors.h"
#include "cxsim/model/journey_loader.h"

using namespace cxsim;
using namespace cxsim::calibrate;
namespace fs = std::filesystem;

namespace {

fs::path write(const std::string& name, const std::string& text) {
  return cxsim::testing::write_input("calibrate_files", name, text);
}
using cxsim::testing::error_of;
using cxsim::testing::loads;
using cxsim::testing::table;

const std::string kData = std::string(CXSIM_TEST_DATA_DIR) + "/calibrate/";
const std::string kShared = std::string(CXSIM_SHARED_DIR) + "/data/";

}  // namespace

TEST(CalibrateFiles, Pm4pyReceiptWithXesColumns) {
  CalibrateOptions o;
  o.events = kShared + "pm4py_receipt.csv";
  o.holdout = 0.2;
  const auto r = calibrate::calibrate(o);
  const auto spec = loads(r);
  EXPECT_NE(r.summary.find("1434 journeys"), std::string::npos) << r.summary;
  EXPECT_NE(r.summary.find("journey_id=case:concept:name"), std::string::npos);
  EXPECT_NE(r.summary.find("touchpoint=concept:name"), std::string::npos);
  EXPECT_NE(r.summary.find("timestamp=time:timestamp"), std::string::npos);
  ASSERT_NE(spec.find_touchpoint("t02_check_confirmation_of_receipt"), nullptr);
  EXPECT_NE(r.yaml.find("# \"T02 Check confirmation of receipt\""), std::string::npos);
  // No outcome column: one outcome per last activity.
  EXPECT_NE(spec.find_outcome("end_t10_determine_necessity_to_stop_indication"), nullptr);
  EXPECT_EQ(spec.start.size(), 1u);
  EXPECT_EQ(spec.start[0].first, "confirmation_of_receipt");
  // The channel comes from case:channel.
  EXPECT_EQ(spec.find_touchpoint("confirmation_of_receipt")->channel, "Internet");
  // The holdout table is there.
  EXPECT_EQ(table(r, "fit/holdout").rows(), 2u);
  // Deterministic: the same run gives the same text.
  EXPECT_EQ(calibrate::calibrate(o).yaml, r.yaml);
}

TEST(CalibrateFiles, RunningExampleWithPandasIndexColumn) {
  CalibrateOptions o;
  o.events = kShared + "pm4py_running-example.csv";
  const auto r = calibrate::calibrate(o);
  const auto spec = loads(r);
  EXPECT_NE(r.summary.find("6 journeys"), std::string::npos) << r.summary;
  EXPECT_NE(spec.find_touchpoint("register_request"), nullptr);
}

TEST(CalibrateFiles, ChannelAttributionPaths) {
  CalibrateOptions o;
  o.paths = kShared + "ChannelAttribution_Data.csv";
  o.outcome_kinds = {{"converted", "converted"}, {"abandoned", "abandoned"}};
  const auto r = calibrate::calibrate(o);
  const auto spec = loads(r);
  const auto* conv = spec.find_outcome("converted");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->kind, "converted");
  EXPECT_GT(conv->value, 0);
  ASSERT_NE(spec.find_outcome("abandoned"), nullptr);
  for (const char* ch : {"alpha", "beta", "eta", "iota", "theta"}) EXPECT_NE(spec.find_touchpoint(ch), nullptr) << ch;
  // Counts are conversions + nulls per path: the start counts add up to all journeys.
  const auto& tr = table(r, "calibration/transitions");
  double starts = 0;
  for (std::size_t i = 0; i < tr.rows(); ++i)
    if (tr.columns[0].strings[i] == "start") starts += tr.columns[3].numbers[i];
  double conv_n = 0, null_n = 0;
  {
    std::ifstream f(kShared + "ChannelAttribution_Data.csv");
    std::string line;
    std::getline(f, line);
    while (std::getline(f, line)) {
      auto a = line.find(';'), b = line.find(';', a + 1), c = line.find(';', b + 1);
      conv_n += std::stod(line.substr(a + 1, b - a - 1));
      null_n += std::stod(line.substr(c + 1));
    }
  }
  EXPECT_DOUBLE_EQ(starts, conv_n + null_n);
}

TEST(CalibrateFiles, PathsHoldoutSplitIsPortableAndPinned) {
  // --paths --holdout splits each row's counts with the project's binomial
  // sampler on Philox streams (no std::binomial_distribution): the same seed
  // gives the same split everywhere. Pinned held-out sizes for two seeds
  // (expected 0.2 x 88,387 = 17,677 +- 119).
  CalibrateOptions o;
  o.paths = kShared + "ChannelAttribution_Data.csv";
  o.holdout = 0.2;
  for (const auto& [seed, expect] : {std::pair<std::uint64_t, double>{1, 17936}, {2, 17569}}) {
    o.seed = seed;
    const auto r = calibrate::calibrate(o);
    const auto& h = table(r, "fit/holdout");
    double n_hold = -1;
    for (const auto& c : h.columns)
      if (c.name == "n_holdout") n_hold = c.numbers.at(0);
    EXPECT_EQ(n_hold, expect) << "seed " << seed;
  }
}

TEST(CalibrateFiles, ShopSamplesWithSurveysAndRetention) {
  CalibrateOptions o;
  o.events = kData + "shop_events.csv";
  o.surveys = kData + "shop_surveys.csv";
  o.cohorts = kData + "shop_cohorts.csv";
  o.outcome_kinds = {{"purchased", "converted"}};
  o.outcome_values = {{"purchased", 60}};
  const auto r = calibrate::calibrate(o);
  const auto spec = loads(r);
  EXPECT_EQ(spec.find_outcome("purchased")->kind, "converted");
  EXPECT_EQ(spec.find_outcome("purchased")->value, 60);
  ASSERT_EQ(spec.segments.size(), 1u);
  ASSERT_TRUE(spec.segments[0].retention.has_value());
  EXPECT_GT(spec.segments[0].retention->alpha, 0.3);
  EXPECT_LT(spec.segments[0].retention->alpha, 1.5);
  EXPECT_TRUE(spec.survey.csat.present);
  EXPECT_TRUE(spec.survey.ces.present);
  EXPECT_NE(r.report.find("calibration/survey/key_drivers"), nullptr);
  EXPECT_EQ(spec.population.periods.value_or(0), 4);
  // Lifetimes instead of cohorts.
  o.cohorts.clear();
  o.lifetimes = kData + "shop_lifetimes.csv";
  const auto r2 = calibrate::calibrate(o);
  EXPECT_TRUE(loads(r2).segments[0].retention.has_value());
}

TEST(CalibrateFiles, SurveysJoinedByCustomerUseTheLastJourney) {
  const auto ev = write("cust_events.csv",
                        "customer_id,journey_id,timestamp,touchpoint,status\n"
                        "a,a-0,2026-01-01T00:00:00Z,x,ok\n"
                        "a,a-1,2026-02-01T00:00:00Z,x,friction\n"
                        "b,b-0,2026-01-01T00:00:00Z,x,ok\n"
                        "c,c-0,2026-01-01T00:00:00Z,x,friction\n"
                        "d,d-0,2026-01-01T00:00:00Z,x,ok\n");
  const auto sv = write("cust_surveys.csv", "customer_id,nps\na,2\nb,9\nc,3\nd,10\nzz,5\n");
  CalibrateOptions o;
  o.events = ev.string();
  o.surveys = sv.string();
  const auto r = calibrate::calibrate(o);
  loads(r);
  EXPECT_NE(r.summary.find("4 joined to journeys by customer_id"), std::string::npos) << r.summary;
  bool warned = false;
  for (const auto& w : r.warnings) warned = warned || w.find("1 survey answers match no journey") != std::string::npos;
  EXPECT_TRUE(warned) << r.summary;
}

TEST(CalibrateFiles, TimeoutJourneysAreCensoredAndTrapsGetAnExit) {
  // j2 loops on b and times out: its last visit has no exit. b's only exit is
  // censored, so b would be a trap without the prior-only 'unobserved' outcome.
  const auto ev = write("timeout.csv",
                        "journey_id,timestamp,touchpoint,outcome\n"
                        "j1,2026-01-01T00:00:00Z,a,\n"
                        "j1,2026-01-01T00:01:00Z,a,done\n"
                        "j2,2026-01-01T00:00:00Z,a,\n"
                        "j2,2026-01-01T00:01:00Z,b,\n"
                        "j2,2026-01-01T00:02:00Z,b,timeout\n");
  CalibrateOptions o;
  o.events = ev.string();
  const auto r = calibrate::calibrate(o);
  const auto spec = loads(r);
  EXPECT_NE(r.summary.find("journeys ending in 'timeout' (censored: no exit counted): 1"), std::string::npos)
      << r.summary;
  ASSERT_NE(spec.find_outcome("unobserved"), nullptr);
  EXPECT_EQ(spec.find_outcome("timeout"), nullptr);
  EXPECT_FALSE(r.warnings.empty());
}

TEST(CalibrateFiles, AttenuationCorrectionScalesTheDeltas) {
  CalibrateOptions o;
  o.events = kData + "shop_events.csv";
  o.surveys = kData + "shop_surveys.csv";
  const auto plain = loads(calibrate::calibrate(o));
  o.satisfaction0_sd = 1.0;
  const auto corrected = loads(calibrate::calibrate(o));
  const double factor = std::sqrt(1 + std::pow(16 * std::sqrt(3.0) / (15 * M_PI), 2));
  const auto* a = plain.find_touchpoint("checkout");
  const auto* b = corrected.find_touchpoint("checkout");
  ASSERT_TRUE(a && b);
  // The fitted model's deltas come from the joint fit, which integrates S0 ~
  // Normal(0, 1) by Gauss-Hermite quadrature; the Zeger-Liang-Albert factor
  // (the ordered logit's correction, its starting point) approximates that
  // within a few per cent.
  EXPECT_NEAR(b->satisfaction.friction / a->satisfaction.friction, factor, 0.1 * factor);
  EXPECT_GT(std::fabs(b->satisfaction.friction), std::fabs(a->satisfaction.friction) * 1.05);
  EXPECT_EQ(corrected.segments[0].satisfaction0_sd, 1.0);
}

TEST(CalibrateFiles, BadInputsAreInputErrors) {
  const std::string b = kData + "bad/";
  CalibrateOptions o;
  o.events = b + "events_missing_columns.csv";
  EXPECT_NE(error_of(o).find("missing column 'timestamp'"), std::string::npos);
  o.events = b + "events_bad_timestamp.csv";
  EXPECT_NE(error_of(o).find("events_bad_timestamp.csv:3: error: column 'timestamp'"), std::string::npos);
  o.events = b + "events_empty.csv";
  EXPECT_NE(error_of(o).find("empty file"), std::string::npos);
  o.events = kData + "shop_events.csv";
  o.surveys = b + "surveys_nps_11.csv";
  EXPECT_NE(error_of(o).find("surveys_nps_11.csv:3: error: column 'nps': '11' is outside 0..10"), std::string::npos);
  o.surveys = b + "surveys_nps_not_numeric.csv";
  EXPECT_NE(error_of(o).find("'nine' is not a number"), std::string::npos);
  o.surveys.clear();
  o.cohorts = b + "cohorts_increasing.csv";
  EXPECT_NE(error_of(o).find("survivors cannot increase"), std::string::npos);
  // Option errors.
  CalibrateOptions none;
  EXPECT_NE(error_of(none).find("give one of --events EVENTS.csv and --paths PATHS.csv (or, to fit retention alone"),
            std::string::npos);
  CalibrateOptions both;
  both.events = kData + "shop_events.csv";
  both.paths = kShared + "ChannelAttribution_Data.csv";
  EXPECT_NE(error_of(both).find("exactly one of --events"), std::string::npos);
  CalibrateOptions unit;
  unit.events = kData + "shop_events.csv";
  unit.time_unit = "fortnights";
  EXPECT_NE(error_of(unit).find("--time-unit"), std::string::npos);
}

TEST(CalibrateFiles, SkipBadRowsKeepsTheRest) {
  const auto ev = write("skip.csv",
                        "journey_id,timestamp,touchpoint\n"
                        "j1,2026-01-01T00:00:00Z,a\n"
                        "j1,garbage,b\n"
                        "j1,2026-01-01T00:02:00Z,c\n");
  CalibrateOptions o;
  o.events = ev.string();
  o.skip_bad_rows = true;
  const auto r = calibrate::calibrate(o);
  loads(r);
  EXPECT_NE(r.summary.find("bad rows skipped: 1 (timestamp does not parse: 1)"), std::string::npos) << r.summary;
  EXPECT_NE(r.summary.find("skip.csv:3: column 'timestamp'"), std::string::npos) << r.summary;
}

namespace {
// The data_quality count of (source, item); -1 when absent.
double quality(const CalibrationResult& r, const std::string& source, const std::string& item) {
  const auto& t = table(r, "calibration/data_quality");
  for (std::size_t i = 0; i < t.rows(); ++i)
    if (t.columns[0].strings[i] == source && t.columns[1].strings[i] == item) return t.columns[2].numbers[i];
  return -1;
}
}  // namespace

TEST(CalibrateFiles, SkippedRetentionRowsAreCountedAndReported) {
  // Before: --on-bad-row skip dropped bad cohort and lifetime rows silently
  // (no count in the summary, no data_quality rows).
  const auto cohorts = write("bad_cohorts.csv",
                             "period,alive\n"
                             "0,100\n"
                             "1,x\n"
                             "1,80\n"
                             "2,60\n"
                             "-3,50\n");
  CalibrateOptions o;
  o.events = kData + "shop_events.csv";
  o.cohorts = cohorts.string();
  o.skip_bad_rows = true;
  const auto r = calibrate::calibrate(o);
  EXPECT_NE(r.summary.find("bad rows skipped: 2 (alive not a number >= 0: 1, period not an integer >= 0: 1)"),
            std::string::npos)
      << r.summary;
  EXPECT_EQ(quality(r, "cohorts", "rows"), 5);
  EXPECT_EQ(quality(r, "cohorts", "bad_rows"), 2);
  EXPECT_EQ(quality(r, "cohorts", "bad_rows: alive not a number >= 0"), 1);
  EXPECT_EQ(quality(r, "cohorts", "segments"), 1);

  const auto lifetimes = write("bad_lifetimes.csv",
                               "customer_id,periods,churned\n"
                               "a,3,1\n"
                               "b,2,maybe\n"
                               "c,4,0\n"
                               "d,0,1\n");
  o.cohorts.clear();
  o.lifetimes = lifetimes.string();
  const auto l = calibrate::calibrate(o);
  EXPECT_NE(l.summary.find("bad rows skipped: 2 (churned after 0 periods: 1, churned not 0/1: 1)"), std::string::npos)
      << l.summary;
  EXPECT_EQ(quality(l, "lifetimes", "rows"), 4);
  EXPECT_EQ(quality(l, "lifetimes", "bad_rows"), 2);
}

TEST(CalibrateFiles, DataQualityForEverySourceAndVersionedIntegers) {
  // Before: /calibration/data_quality was written for --events only, and
  // every number (seed, counts, flags) was a float64 with a float
  // format_version.
  CalibrateOptions o;
  o.paths = kShared + "ChannelAttribution_Data.csv";
  const auto p = calibrate::calibrate(o);
  EXPECT_EQ(quality(p, "paths", "rows"), 10000);
  EXPECT_EQ(quality(p, "paths", "journeys"), 88387);
  EXPECT_EQ(quality(p, "paths", "bad_rows"), 0);

  CalibrateOptions e;
  e.events = kData + "shop_events.csv";
  e.surveys = kData + "shop_surveys.csv";
  e.cohorts = kData + "shop_cohorts.csv";
  const auto r = calibrate::calibrate(e);
  EXPECT_EQ(quality(r, "events", "rows"), 1755);
  EXPECT_EQ(quality(r, "surveys", "rows"), 442);
  EXPECT_EQ(quality(r, "surveys", "answers_joined"), 442);
  EXPECT_GE(quality(r, "cohorts", "rows"), 2);
  const auto& dq = table(r, "calibration/data_quality");
  EXPECT_TRUE(dq.columns[2].is_integer);
  std::map<std::string, const ReportAttribute*> attrs;
  for (const auto& a : r.report.attributes) attrs[a.name] = &a;
  ASSERT_TRUE(attrs.count("format_version") && attrs.count("format_version_major") && attrs.count("seed"));
  EXPECT_TRUE(attrs["format_version"]->is_string);
  EXPECT_EQ(attrs["format_version"]->text, fmt::format("{}.{}", kFitReportFormatMajor, kFitReportFormatMinor));
  EXPECT_TRUE(attrs["format_version_major"]->is_integer);
  EXPECT_EQ(attrs["format_version_major"]->integer, 2);
  EXPECT_TRUE(attrs["seed"]->is_integer);
  EXPECT_TRUE(attrs["rows"]->is_integer);
  for (const char* path : {"calibration/durations", "fit/holdout", "calibration/retention"}) {
    const ReportTable* t = r.report.find(path);
    if (!t) continue;
    for (const auto& c : t->columns) {
      if (c.name == "gaps" || c.name == "pass" || c.name == "horizon" || c.name == "converged") {
        EXPECT_TRUE(c.is_integer) << path << " " << c.name;
      }
    }
  }
}

TEST(CalibrateFiles, JointFitLabelsWhatTheDataCannotIdentify) {
  // Events and surveys without lifetimes or cohorts: no retention sensitivity
  // (the YAML says so), and the carryover and extremity the fit estimated are
  // written, never the loader's silent default 0.5.
  CalibrateOptions o;
  o.events = kData + "shop_events.csv";
  o.surveys = kData + "shop_surveys.csv";
  const auto r = calibrate::calibrate(o);
  EXPECT_NE(r.yaml.find("sensitivity: 0  # default: not identified by the data (no lifetimes or cohorts)"),
            std::string::npos)
      << r.yaml;
  EXPECT_NE(r.yaml.find("carryover: "), std::string::npos);
  EXPECT_EQ(r.yaml.find("carryover: 0.5"), std::string::npos);
  const auto* t = r.report.find("calibration/joint");
  ASSERT_NE(t, nullptr);
  const auto lj = model::load_journey_text(r.yaml, "fitted.yaml");
  EXPECT_EQ(lj.spec.retention.sensitivity, 0.0);
  EXPECT_LT(lj.spec.retention.carryover, 0.5);
}

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

bool has_warning(const CalibrationResult& r, const std::string& text) {
  for (const auto& w : r.warnings)
    if (w.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST(CalibrateFiles, ShopJointFitConvergesWithFiniteStandardErrors) {
  // The shop sample's observed information is not positive definite (the
  // kinks of |S_end|): the standard errors come from the per-customer scores
  // (BHHH), and the fit converges with --cohorts and --lifetimes alike. Before:
  // "se nan" for every parameter and, with retention, not converged after
  // 299 iterations; with --lifetimes every censored customer (4 journeys,
  // censored at 3 periods) was left out of the churn part.
  CalibrateOptions o;
  o.events = kData + "shop_events.csv";
  o.surveys = kData + "shop_surveys.csv";
  std::map<std::string, double> gamma;
  for (const char* which : {"cohorts", "lifetimes", "none"}) {
    o.cohorts = std::string(which) == "cohorts" ? kData + "shop_cohorts.csv" : "";
    o.lifetimes = std::string(which) == "lifetimes" ? kData + "shop_lifetimes.csv" : "";
    const auto r = calibrate::calibrate(o);
    loads(r);
    EXPECT_FALSE(has_warning(r, "not converged")) << which << "\n" << r.summary;
    EXPECT_FALSE(has_warning(r, "left out of the joint fit")) << which << "\n" << r.summary;
    EXPECT_EQ(r.summary.find("se nan"), std::string::npos) << which << "\n" << r.summary;
    const auto& jt = table(r, "calibration/joint");
    std::size_t estimated = 0;
    for (std::size_t i = 0; i < jt.rows(); ++i) {
      const std::string& name = jt.columns[0].strings[i];
      if (jt.columns[5].strings[i].rfind("estimated", 0) != 0) continue;
      ++estimated;
      EXPECT_TRUE(std::isfinite(jt.columns[2].numbers[i]) && jt.columns[2].numbers[i] > 0) << which << " " << name;
      if (name == "retention.sensitivity") gamma[which] = jt.columns[1].numbers[i];
    }
    EXPECT_GE(estimated, 20u) << which;
  }
  // The same customers as cohorts or as lifetimes: the same churn likelihood.
  ASSERT_TRUE(gamma.count("cohorts") && gamma.count("lifetimes"));
  EXPECT_NEAR(gamma["cohorts"], gamma["lifetimes"], 1e-3);
}

TEST(CalibrateFiles, LifetimesAreJoinedByCustomer) {
  // Customer 1 has 4 journeys; its lifetime says churned after 2 periods
  // (shorter than its journeys); 'nobody' matches no customer; customer 2's
  // row is repeated. Each is a counted warning naming the first line.
  std::string lt = slurp(kData + "shop_lifetimes.csv");
  const auto at = lt.find("\n1,3,0\n");
  ASSERT_NE(at, std::string::npos);
  lt.replace(at, 7, "\n1,2,1\n");
  lt += "nobody,2,1\n2,1,1\n";
  const auto path = write("lifetimes_join.csv", lt);
  CalibrateOptions o;
  o.events = kData + "shop_events.csv";
  o.surveys = kData + "shop_surveys.csv";
  o.lifetimes = path.string();
  const auto r = calibrate::calibrate(o);
  loads(r);
  EXPECT_TRUE(has_warning(r, "1 customers have more journeys than their lifetime's periods allow (first: " +
                                 path.string() + ":3: customer '1' has 4 journeys but periods 2 (churned))"))
      << r.summary;
  EXPECT_TRUE(
      has_warning(r, "1 lifetimes match no customer of the event log (first: " + path.string() + ":302: customer "))
      << r.summary;
  EXPECT_TRUE(has_warning(r, "1 customer ids appear on more than one row")) << r.summary;
  // Refused when no id matches: nothing to join, the wrong column or format.
  const auto none = write("lifetimes_none.csv", "customer_id,periods,churned\nx,2,1\ny,3,0\n");
  o.lifetimes = none.string();
  EXPECT_NE(error_of(o).find("lifetimes_none.csv: error: none of the 2 customer ids matches a customer_id of the "
                             "event log (e.g. line 2: customer 'x')"),
            std::string::npos)
      << error_of(o);
}

TEST(CalibrateFiles, SurveysForUnknownJourneys) {
  // Some answers for journeys the log does not have: a counted warning; none
  // matching: refused (exit 2), nothing fitted.
  const auto some =
      write("surveys_some_unknown.csv", slurp(kData + "shop_surveys.csv") + "1,1-99,5,3,3\n999,999-0,7,4,2\n");
  CalibrateOptions o;
  o.events = kData + "shop_events.csv";
  o.surveys = some.string();
  const auto r = calibrate::calibrate(o);
  loads(r);
  EXPECT_TRUE(has_warning(r, "2 survey answers match no journey of the event log and are ignored")) << r.summary;
  const auto none = write("surveys_none_known.csv", "customer_id,journey_id,nps\nx,nope-1,5\ny,nope-2,9\n");
  o.surveys = none.string();
  EXPECT_NE(error_of(o).find("surveys_none_known.csv: error: none of the 2 survey ids in column 'journey_id' matches a "
                             "journey_id of the event log (e.g. 'nope-1')"),
            std::string::npos)
      << error_of(o);
  const auto none_c = write("surveys_none_known_c.csv", "customer_id,nps\nx,5\ny,9\n");
  o.surveys = none_c.string();
  EXPECT_NE(error_of(o).find("none of the 2 survey ids in column 'customer_id' matches a customer_id"),
            std::string::npos)
      << error_of(o);
}

TEST(CalibrateFiles, JointFitHasCsatAndCesAndUnattenuatedEffort) {
  // The shop's surveys have csat and ces: their cut-points and the effort
  // deltas are in the joint likelihood (calibration/joint, each with a
  // standard error). CES reads -E, which has no latent part, so the joint
  // effort deltas equal the CES ordered logit's (minus its coefficients)
  // without the attenuation factor even with --satisfaction0-sd 1: before,
  // the YAML got them (and the CES baseline's cut-points) times 1.23 and the
  // joint table had no CSAT/CES rows.
  CalibrateOptions o;
  o.events = kData + "shop_events.csv";
  o.surveys = kData + "shop_surveys.csv";
  o.satisfaction0_sd = 1.0;
  const auto r = calibrate::calibrate(o);
  const auto spec = loads(r);
  const auto& jt = table(r, "calibration/joint");
  const auto &jp = cxsim::testing::col(jt, "parameter"), &je = cxsim::testing::col(jt, "estimate"),
             &js = cxsim::testing::col(jt, "se"), &jst = cxsim::testing::col(jt, "status");
  std::map<std::string, std::pair<double, double>> joint;
  for (std::size_t i = 0; i < jt.rows(); ++i) {
    joint[jp.strings[i]] = {je.numbers[i], js.numbers[i]};
    if (jp.strings[i].find("csat.") == 0 || jp.strings[i].find("ces.") == 0 ||
        jp.strings[i].find(".effort.") != std::string::npos) {
      EXPECT_EQ(jst.strings[i].rfind("estimated", 0), 0u) << jp.strings[i] << ": " << jst.strings[i];
      EXPECT_TRUE(std::isfinite(js.numbers[i]) && js.numbers[i] > 0) << jp.strings[i];
    }
  }
  for (const char* name : {"csat.cut_0", "csat.cut_3", "ces.cut_0", "ces.cut_5"})
    EXPECT_TRUE(joint.count(name)) << name;
  const auto& ct = table(r, "calibration/survey/ces/coefficients");
  const auto &cp = cxsim::testing::col(ct, "parameter"), &ce = cxsim::testing::col(ct, "estimate");
  std::size_t compared = 0;
  for (std::size_t i = 0; i < ct.rows(); ++i) {
    const std::string& name = cp.strings[i];
    const auto dot = name.rfind('.');
    if (dot == std::string::npos || name.rfind("cut_", 0) == 0) continue;
    const std::string key = name.substr(0, dot) + ".effort" + name.substr(dot);
    if (!joint.count(key)) continue;
    ++compared;
    EXPECT_NEAR(joint[key].first, ce.numbers[i], 2e-3) << key;
    if (name == "checkout.friction") {
      const auto* cko = spec.find_touchpoint("checkout");
      ASSERT_NE(cko, nullptr);
      EXPECT_NEAR(cko->effort.friction, std::max(0.0, joint[key].first), 1e-5 * std::fabs(joint[key].first));
      EXPECT_GT(std::fabs(ce.numbers[i]), 0.05);
    }
  }
  EXPECT_GE(compared, 6u);
  ASSERT_TRUE(spec.survey.csat.present && spec.survey.ces.present);
}

TEST(CalibrateFiles, JointFitEstimatesEachRetentionSegment) {
  // The shop sample with a segment column (customer id parity) in the event
  // log and the lifetimes: two retention segments. The joint fit estimates
  // each segment's (alpha, beta) and one shared sensitivity, and writes them
  // into each segment of the YAML. Before: "several retention segments: the
  // joint fit handles one", sensitivity 0 written as the default.
  auto with_segment = [](const std::string& text) {
    std::istringstream in(text);
    std::string line, out;
    std::getline(in, line);
    out = line + ",segment\n";
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      const long id = std::stol(line.substr(0, line.find(',')));
      out += line + (id % 2 ? ",odd\n" : ",even\n");
    }
    return out;
  };
  CalibrateOptions o;
  o.events = write("seg_shop_events.csv", with_segment(slurp(kData + "shop_events.csv"))).string();
  o.surveys = kData + "shop_surveys.csv";
  o.lifetimes = write("seg_shop_lifetimes.csv", with_segment(slurp(kData + "shop_lifetimes.csv"))).string();
  const auto r = calibrate::calibrate(o);
  const auto spec = loads(r);
  EXPECT_EQ(r.yaml.find("the joint fit handles one"), std::string::npos) << r.summary;
  const auto& jt = table(r, "calibration/joint");
  std::map<std::string, std::pair<double, std::string>> rows;
  for (std::size_t i = 0; i < jt.rows(); ++i)
    rows[cxsim::testing::col(jt, "parameter").strings[i]] = {cxsim::testing::col(jt, "estimate").numbers[i],
                                                             cxsim::testing::col(jt, "status").strings[i]};
  ASSERT_TRUE(rows.count("retention.sensitivity"));
  EXPECT_EQ(rows["retention.sensitivity"].second, "estimated");
  ASSERT_EQ(spec.segments.size(), 2u);
  for (const auto& seg : spec.segments) {
    for (const char* what : {"alpha", "beta"}) {
      const std::string name = fmt::format("segments.{}.retention.{}", seg.id, what);
      ASSERT_TRUE(rows.count(name)) << name;
      EXPECT_EQ(rows[name].second, "estimated") << name;
    }
    ASSERT_TRUE(seg.retention.has_value()) << seg.id;
    EXPECT_NEAR(seg.retention->alpha, rows["segments." + seg.id + ".retention.alpha"].first,
                1e-4 * seg.retention->alpha);
  }
  EXPECT_NEAR(spec.retention.sensitivity, rows["retention.sensitivity"].first, 1e-5);
}
