// The report from small fixture results files written with the io layer:
// sections appear only with their data, the page makes no external request,
// strings from the file are escaped, the Markdown summary, reading errors,
// atomic writing and the journey-map layout.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <regex>
#include <string>
#include <tuple>
#include <vector>

#include "cxsim/core/errors.h"
#include "cxsim/io/h5.h"
#include "cxsim/report/format.h"
#include "cxsim/report/journey_map.h"
#include "cxsim/report/report.h"
#include "cxsim/report/results_data.h"

namespace fs = std::filesystem;
using namespace cxsim;
using namespace cxsim::report;

namespace {

const char kInjection[] = "<script>alert('x')</script>";

io::Table estimates(const std::vector<std::string>& metrics, const std::vector<double>& est,
                    const std::vector<double>& se) {
  io::Table t;
  std::vector<double> lo, hi;
  for (std::size_t i = 0; i < est.size(); ++i) {
    lo.push_back(est[i] - 1.96 * se[i]);
    hi.push_back(est[i] + 1.96 * se[i]);
  }
  t.add_column("metric", metrics);
  t.add_column("estimate", est);
  t.add_column("se", se);
  t.add_column("ci_low", lo);
  t.add_column("ci_high", hi);
  return t;
}

// Adds name, name_se, name_ci_low, name_ci_high.
void add_estimate(io::Table& t, const std::string& name, const std::vector<double>& est, double se) {
  std::vector<double> s(est.size(), se), lo, hi;
  for (double e : est) {
    lo.push_back(e - 1.96 * se);
    hi.push_back(e + 1.96 * se);
  }
  t.add_column(name, est);
  t.add_column(name + "_se", s);
  t.add_column(name + "_ci_low", lo);
  t.add_column(name + "_ci_high", hi);
}

const std::vector<std::string> kMetrics{"nps_true",      "nps_measured",      "share_converted", "share_abandoned",
                                        "share_timeout", "retention_final",   "clv_mean",        "cost_mean",
                                        "time_mean",     "walks_per_customer"};

void write_variant(const io::Group& vg, const std::string& name, const std::string& description, int order,
                   double shift) {
  io::Group g = vg.require_group(name);
  g.set_attribute("description", description);
  g.set_attribute("order", static_cast<std::int64_t>(order));
  io::write_table(g, "summary",
                  estimates(kMetrics, {40 + shift, 48 + shift, 0.3, 0.7, 0.0, 0.5, 90 + shift, 4, 11.5, 2.5},
                            {0.6, 0.9, 0.003, 0.003, 0.0, 0.01, 1.2, 0.05, 0.1, 0.02}));
  std::vector<std::int64_t> hist{10, 10, 10, 20, 20, 30, 50, 100, 120, 200, 230,  // true
                                 2,  2,  2,  4,  5,  6,  10, 25,  30,  60,  70};  // measured
  io::write_array(g, "nps_histogram", hist, {2, 11});
  {
    io::Table s;
    s.add_column("period", std::vector<std::int64_t>{0, 1, 2, 3});
    s.add_column("alive", std::vector<double>{1, 0.8, 0.65, 0.5});
    s.add_column("se", std::vector<double>{0, 0.01, 0.01, 0.01});
    s.add_column("ci_low", std::vector<double>{1, 0.78, 0.63, 0.48});
    s.add_column("ci_high", std::vector<double>{1, 0.82, 0.67, 0.52});
    io::write_table(g, "survival_ci", s);
    io::write_array(g, "survival", std::vector<double>{1, 0.8, 0.65, 0.5});
  }
  {
    io::Table p;
    p.add_column("period", std::vector<std::int64_t>{1, 2, 3});
    p.add_column("active", std::vector<double>{1000, 800, 650});
    p.add_column("respondents", std::vector<double>{250, 200, 160});
    add_estimate(p, "nps_true", {40, 41, 42}, 1);
    add_estimate(p, "nps_measured", {48, 49, 50}, 2);
    add_estimate(p, "churn_rate", {0.2, 0.19, 0.23}, 0.01);
    io::write_table(g, "periods", p);
  }
  {
    io::Table t;
    t.add_column("touchpoint", std::vector<std::string>{"web_page", "checkout"});
    t.add_column("channel", std::vector<std::string>{"web", kInjection});
    t.add_column("stage", std::vector<std::string>{"look", "buy"});
    add_estimate(t, "visits_per_walk", {1.0, 0.4}, 0.01);
    add_estimate(t, "friction_rate", {0.05, 0.15}, 0.005);
    add_estimate(t, "satisfaction_change", {0.2, -0.1}, 0.01);
    t.add_column("exit_share_converted", std::vector<double>{0.0, 0.3});
    t.add_column("exit_share_abandoned", std::vector<double>{0.6, 0.1});
    io::write_table(g, "touchpoints", t);
  }
  {
    io::Table c;
    c.add_column("channel", std::vector<std::string>{"web"});
    add_estimate(c, "visits_per_walk", {1.4}, 0.01);
    add_estimate(c, "friction_rate", {0.08}, 0.004);
    add_estimate(c, "switches_into_per_walk", {0.0}, 0.0);
    io::write_table(g, "channels", c);
  }
  {
    io::Table o;
    o.add_column("outcome", std::vector<std::string>{"bought", "left", "timeout"});
    o.add_column("kind", std::vector<std::string>{"converted", "abandoned", "timeout"});
    o.add_column("value", std::vector<double>{50, 0, 0});
    o.add_column("walks", std::vector<double>{750, 1750, 0});
    add_estimate(o, "share", {0.3, 0.7, 0.0}, 0.003);
    io::write_table(g, "outcomes", o);
  }
  {
    io::Table p;
    p.add_column("book", std::vector<std::string>{"frequent", "frequent", "favourable", "unfavourable"});
    p.add_column("rank", std::vector<std::int64_t>{1, 2, 1, 1});
    p.add_column("path", std::vector<std::string>{"web_page", "web_page > checkout", "web_page > checkout",
                                                  std::string("web_page > ") + kInjection});
    p.add_column("length", std::vector<std::int64_t>{1, 2, 2, 2});
    p.add_column("count", std::vector<std::int64_t>{1500, 750, 750, 30});
    p.add_column("count_error", std::vector<std::int64_t>{0, 0, 0, 3});
    p.add_column("share", std::vector<double>{0.6, 0.3, 0.3, 0.012});
    add_estimate(p, "nps", {30, 60, 60, -20}, 2);
    p.add_column("share_converted", std::vector<double>{0, 1, 1, 0});
    p.add_column("share_abandoned", std::vector<double>{1, 0, 0, 1});
    io::write_table(g, "paths", p);
  }
}

// A results file as `cxsim run` writes it; with `scenario`, also a second
// variant, comparisons, a sweep and a friction ranking.
// `extra`, when given, replaces the ranking and adds to the file.
// `money`: the comparisons carry net_value_mean (results format 1.3).
void write_fixture(const fs::path& path, bool scenario, const std::function<void(io::File&)>& extra = {},
                   bool money = false) {
  io::AtomicFile out(path);
  io::File& f = out.file();
  f.set_attribute("filetype", "cxsim-results");
  f.set_attribute("format_version", "1.0");
  f.set_attribute("format_version_major", static_cast<std::int64_t>(1));
  f.set_attribute("tool_version", "0.1.0");
  f.set_attribute("seed", static_cast<std::int64_t>(7));
  f.set_attribute("customers", static_cast<std::int64_t>(1000));
  f.set_attribute("periods", static_cast<std::int64_t>(3));
  f.set_attribute("created_utc", "2026-01-02T03:04:05Z");
  f.set_attribute("command_line", std::string("cxsim run shop.yaml ") + kInjection);
  f.set_attribute("journey", "tiny_shop");
  io::Group model = f.require_group("model");
  io::write_string(model, "journey_yaml", std::string("journey: tiny_shop\n# a <b>comment</b> & more\n"));
  model.set_attribute("journey_path", "shop.yaml");
  model.set_attribute("time_unit", "minutes");
  io::Group vg = f.require_group("variants");
  write_variant(vg, "baseline", "the journey as written", 0, 0);
  if (scenario) {
    io::write_string(model, "scenario_yaml", std::string("scenario: s\n"));
    model.set_attribute("scenario_path", "s.yaml");
    write_variant(vg, "fix_checkout", std::string("Halve errors ") + kInjection, 1, 3);
    io::Group cg = f.require_group("comparisons");
    io::Table c;
    std::vector<std::string> cm = kMetrics;
    // nps_true significant up, share_converted not significant, cost significant up (worse).
    std::vector<double> cdelta{3, 3, 0.001, -0.001, 0, 0.01, 3, 0.2, -0.1, 0.0};
    std::vector<double> cse{0.5, 0.9, 0.002, 0.002, 0, 0.004, 1, 0.05, 0.1, 0.01};
    std::vector<double> clo{2.02, 1.2, -0.003, -0.005, 0, 0.002, 1.04, 0.1, -0.3, -0.02};
    std::vector<double> chi{3.98, 4.8, 0.005, 0.003, 0, 0.018, 4.96, 0.3, 0.1, 0.02};
    if (money) {  // the net value rises though the cost does (more customers kept)
      cm.push_back("net_value_mean");
      cdelta.push_back(2.0);
      cse.push_back(0.4);
      clo.push_back(1.216);
      chi.push_back(2.784);
    }
    c.add_column("metric", cm);
    c.add_column("baseline", std::vector<double>(cm.size(), 1.0));
    c.add_column("variant", std::vector<double>(cm.size(), 1.0));
    c.add_column("delta", cdelta);
    c.add_column("se", cse);
    c.add_column("ci_low", clo);
    c.add_column("ci_high", chi);
    io::write_table(cg, "fix_checkout", c);

    io::Table s;
    std::vector<double> value, est, se, lo, hi, d, dse, dlo, dhi;
    std::vector<std::string> metric;
    for (double v : {0.05, 0.15, 0.25})
      for (const char* m : {"nps_true", "share_converted"}) {
        const bool nps = std::string(m) == "nps_true";
        const double e = nps ? 45 - 30 * v : 0.35 - 0.3 * v;
        const double s0 = nps ? 0.6 : 0.003;
        const double delta = nps ? -30 * (v - 0.15) : -0.3 * (v - 0.15);
        const double ds = v == 0.15 ? 0.0 : s0 / 3;
        value.push_back(v);
        metric.push_back(m);
        est.push_back(e);
        se.push_back(s0);
        lo.push_back(e - 1.96 * s0);
        hi.push_back(e + 1.96 * s0);
        d.push_back(delta);
        dse.push_back(ds);
        dlo.push_back(delta - 1.96 * ds);
        dhi.push_back(delta + 1.96 * ds);
      }
    s.add_column("value", value);
    s.add_column("metric", metric);
    s.add_column("estimate", est);
    s.add_column("se", se);
    s.add_column("ci_low", lo);
    s.add_column("ci_high", hi);
    s.add_column("delta", d);
    s.add_column("delta_se", dse);
    s.add_column("delta_ci_low", dlo);
    s.add_column("delta_ci_high", dhi);
    io::Dataset sd = io::write_table(f, "sweeps/checkout_friction", s);
    sd.set_attribute("parameter", "checkout.friction");

    if (extra) extra(f);
    io::Table r;
    r.add_column("touchpoint", std::vector<std::string>{"checkout", "web_page", "checkout", "web_page"});
    r.add_column("friction", std::vector<double>{0.15, 0.05, 0.15, 0.05});
    r.add_column("metric", std::vector<std::string>{"nps_true", "nps_true", "share_converted", "share_converted"});
    r.add_column("delta", std::vector<double>{2.5, 0.4, 0.02, 0.004});
    r.add_column("se", std::vector<double>{0.3, 0.2, 0.002, 0.002});
    r.add_column("ci_low", std::vector<double>{1.9, 0.0, 0.016, 0.0});
    r.add_column("ci_high", std::vector<double>{3.1, 0.8, 0.024, 0.008});
    r.add_column("exact_first_order", std::vector<double>{std::nan(""), std::nan(""), 0.021, 0.0035});
    r.add_column("exact", std::vector<double>{std::nan(""), std::nan(""), 0.0205, 0.0036});
    r.add_column("rank", std::vector<std::int64_t>{1, 2, 1, 2});
    if (!extra) {
      io::Dataset rd = io::write_table(f, "ranking", r);
      rd.set_attribute("reduce_by", 0.5);
    }

    io::Table a;
    a.add_column("metric", std::vector<std::string>{"share_converted", "time_mean"});
    a.add_column("estimate", std::vector<double>{0.301, 11.49});
    io::write_table(f, "analytics/baseline/summary", a);
  } else if (extra) {
    extra(f);
  }
  out.commit();
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    dir_ = fs::temp_directory_path() / ("cxsim_report_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    fs::create_directories(dir_);
    journey_ = dir_ / "journey.h5";
    scenario_ = dir_ / "scenario.h5";
    write_fixture(journey_, false);
    write_fixture(scenario_, true);
  }
  void TearDown() override {
    EXPECT_EQ(io::open_object_count(), 0u) << "an HDF5 handle leaked";
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_, journey_, scenario_;
};

bool has(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

void expect_self_contained(const std::string& html) {
  for (const char* bad : {"http://", "https://", "//cdn", "<link", "@import", "<script", "<iframe", "<img", "<object",
                          "<embed", "src=", "@font-face"})
    EXPECT_FALSE(has(html, bad)) << "found " << bad;
  // url(...) only for data: or in-page fragments (the page uses none).
  const std::regex url(R"(url\(\s*['"]?(?!data:|#))");
  EXPECT_FALSE(std::regex_search(html, url));
  // The only href targets are in-page anchors.
  const std::regex href(R"re(href="([^"]*)")re");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), href); it != std::sregex_iterator(); ++it)
    EXPECT_EQ((*it)[1].str().rfind('#', 0), 0u) << (*it)[1].str();
  EXPECT_TRUE(has(html, "Content-Security-Policy"));
}

}  // namespace

TEST_F(ReportTest, ReadsTheFixture) {
  const ResultsData d = read_results(scenario_);
  ASSERT_EQ(d.variants.size(), 2u);
  EXPECT_EQ(d.baseline().name, "baseline");
  EXPECT_EQ(d.variants[1].name, "fix_checkout");
  EXPECT_EQ(d.variants[0].nps.categories, 11u);
  EXPECT_DOUBLE_EQ(d.variants[0].nps.true_counts[10], 230);
  EXPECT_DOUBLE_EQ(d.variants[0].nps.measured_counts[0], 2);
  EXPECT_TRUE(d.variants[0].csat.empty());
  ASSERT_NE(d.comparison("fix_checkout"), nullptr);
  ASSERT_EQ(d.sweeps.size(), 1u);
  EXPECT_EQ(d.sweeps[0].parameter, "checkout.friction");
  ASSERT_TRUE(d.ranking);
  EXPECT_DOUBLE_EQ(d.ranking->reduce_by, 0.5);
  ASSERT_TRUE(d.variants[0].analytics_summary);
  EXPECT_EQ(*d.provenance.seed, 7u);
  EXPECT_EQ(d.provenance.scenario_path, "s.yaml");
  const auto e = metric_estimate(d.baseline().summary, "nps_true");
  EXPECT_TRUE(e.found);
  EXPECT_DOUBLE_EQ(e.estimate, 40);
  EXPECT_FALSE(metric_estimate(d.baseline().summary, "no_such").found);
  EXPECT_DOUBLE_EQ(walks_total(d.baseline(), d.provenance), 2500);
  EXPECT_EQ(headline_metrics(d.baseline().summary),
            (std::vector<std::string>{"nps_true", "nps_measured", "share_converted", "retention_final", "clv_mean",
                                      "cost_mean", "time_mean"}));
}

TEST(ReportColumns, SuffixesSkipEstimateCompanions) {
  io::Table t;
  add_estimate(t, "exit_share_converted", {0.3}, 0.01);
  t.add_column("exit_share_abandoned", std::vector<double>{0.6});
  t.add_column("exit_share_odd_se", std::vector<double>{0.1});  // no exit_share_odd: a kind of its own
  t.add_column("visits", std::vector<double>{1});
  EXPECT_EQ(column_suffixes(t, "exit_share_"), (std::vector<std::string>{"converted", "abandoned", "odd_se"}));
}

TEST_F(ReportTest, JourneyOnlyRunHasNoScenarioSections) {
  const std::string html = render_html(read_results(journey_));
  for (const char* id : {"headline", "nps", "survival", "paths", "tables", "provenance"})
    EXPECT_TRUE(has(html, std::string("<section id=\"") + id + "\"")) << id;
  for (const char* id : {"deltas", "ranking", "sweeps", "map"})
    EXPECT_FALSE(has(html, std::string("id=\"") + id + "\"")) << id;
  EXPECT_FALSE(has(html, "Variants against the baseline"));
  EXPECT_FALSE(has(html, "Scenario YAML"));
  expect_self_contained(html);
}

TEST_F(ReportTest, ScenarioRunHasEverySection) {
  const std::string html = render_html(read_results(scenario_));
  for (const char* id : {"headline", "deltas", "nps", "survival", "ranking", "sweeps", "paths", "tables", "provenance"})
    EXPECT_TRUE(has(html, std::string("<section id=\"") + id + "\"")) << id;
  EXPECT_TRUE(has(html, "Variants against the baseline"));
  EXPECT_TRUE(has(html, "Scenario YAML"));
  EXPECT_TRUE(has(html, "checkout.friction"));
  // The significant NPS change is marked; the cost increase is marked worse.
  EXPECT_TRUE(has(html, "<td class=\"num sig-better\"><b>+3.00 ± 0.98</b>"));
  EXPECT_TRUE(has(html, "sig-worse"));
  // The analytics column and the exact markers appear.
  EXPECT_TRUE(has(html, "Exact (analytics)"));
  EXPECT_TRUE(has(html, "exact first-order"));
  expect_self_contained(html);
}

// A support journey without `converted`: its good kind is `solved` and its bad
// one `handoff`, as the journey declared them (the file's /model@kind_<kind>).
TEST_F(ReportTest, DirectionsComeFromTheFileNotFromKindNames) {
  const fs::path support = dir_ / "support.h5";
  write_fixture(support, true, [](io::File& f) {
    io::Group model = f.open_group("model");
    model.set_attribute("kind_solved", "good");
    model.set_attribute("kind_handoff", "bad");
    model.set_attribute("kind_converted", "neutral");
    io::Table r;
    r.add_column("touchpoint", std::vector<std::string>{"ivr", "agent", "ivr", "agent"});
    r.add_column("friction", std::vector<double>{0.4, 0.1, 0.4, 0.1});
    r.add_column("metric", std::vector<std::string>{"share_solved", "share_solved", "share_handoff", "share_handoff"});
    r.add_column("delta", std::vector<double>{0.1, 0.01, -0.1, -0.01});
    r.add_column("se", std::vector<double>{0.002, 0.002, 0.002, 0.002});
    r.add_column("ci_low", std::vector<double>{0.096, 0.006, -0.104, -0.014});
    r.add_column("ci_high", std::vector<double>{0.104, 0.014, -0.096, -0.006});
    r.add_column("exact_first_order", std::vector<double>{0.1, 0.01, -0.1, -0.01});
    r.add_column("exact", std::vector<double>{0.1, 0.01, -0.1, -0.01});
    r.add_column("rank", std::vector<std::int64_t>{1, 2, 1, 2});
    io::Dataset rd = io::write_table(f, "ranking", r);
    rd.set_attribute("reduce_by", 0.5);
    rd.set_attribute("notes", "touchpoint 'hidden' is not in the friction ranking: no customer reaches it");
  });
  const ResultsData d = read_results(support);
  EXPECT_EQ(d.kind_direction("solved"), 1);
  EXPECT_EQ(d.kind_direction("handoff"), -1);
  EXPECT_EQ(d.kind_direction("converted"), 0);   // the file's word beats the name
  EXPECT_EQ(d.kind_direction("abandoned"), -1);  // not in the file: the default table
  EXPECT_EQ(d.metric_direction("effort_mean"), -1);
  ASSERT_TRUE(d.ranking);
  EXPECT_EQ(d.ranking->notes.size(), 1u);
  const std::string html = render_html(d);
  // The conversion chart is the good kind's, though there is no share_converted.
  EXPECT_TRUE(has(html, "Δ Solved when friction is cut by 50%"));
  EXPECT_FALSE(has(html, "Δ Handoff when friction is cut by 50%"));
  // Fewer handoffs is better (blue, sig-better), more solved too.
  EXPECT_TRUE(has(html, "<td class=\"num sig-better\"><b>−10.00 ± 0.39</b>"));
  EXPECT_TRUE(has(html, "<td class=\"num sig-better\"><b>+10.00 ± 0.39</b>"));
  EXPECT_TRUE(has(html, "<b>Not ranked:</b> touchpoint &#39;hidden&#39; is not in the friction ranking"));
}

TEST_F(ReportTest, EveryStringFromTheFileIsEscaped) {
  const std::string html = render_html(read_results(scenario_));
  EXPECT_FALSE(has(html, kInjection));
  EXPECT_TRUE(has(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
  EXPECT_TRUE(has(html, "# a &lt;b&gt;comment&lt;/b&gt; &amp; more"));
}

TEST_F(ReportTest, NumbersCarryTheirUncertainty) {
  const std::string html = render_html(read_results(journey_));
  // Headline cards: estimate, ± half-width and the CI.
  EXPECT_TRUE(has(html, "40.0<span class=\"pm\"> ± 1.2</span>"));
  EXPECT_TRUE(has(html, "points · 95% CI [38.8, 41.2]</div>"));
  EXPECT_TRUE(has(html, "30.00<span class=\"pm\"> ± 0.59 %</span>"));
  // Survival table cells and path shares have intervals too.
  EXPECT_TRUE(has(html, "80.0 ± 2.0"));
  EXPECT_TRUE(has(html, "60.0 ± 1.9%"));
}

TEST_F(ReportTest, JourneyMapAppearsWithAGraph) {
  ResultsData d = read_results(journey_);
  JourneyGraph g;
  g.name = "tiny_shop";
  g.nodes = {{"web_page", false, "web", "look", 0.05, ""},
             {"checkout", false, "web", "buy", 0.15, ""},
             {"bought", true, "", "", 0, "converted"},
             {"left", true, "", "", 0, "abandoned"}};
  g.edges = {{0, 1, 0.4, 0.2}, {0, 3, 0.6, 0.8}, {1, 2, 1.0, 0.5}, {1, 1, 0.0, 0.3}, {1, 3, 0.0, 0.2}};
  g.start = {{0, 1.0}};
  d.graph = g;
  const std::string html = render_html(d);
  EXPECT_TRUE(has(html, "<section id=\"map\""));
  EXPECT_TRUE(has(html, ">web_page<"));
  EXPECT_TRUE(has(html, ">bought<"));
  expect_self_contained(html);
}

TEST_F(ReportTest, MarkdownSummary) {
  const std::string md = render_markdown(read_results(scenario_));
  EXPECT_EQ(md.rfind("# tiny_shop — cxsim report", 0), 0u);
  EXPECT_TRUE(has(md, "| Metric | Estimate ± 95% | 95% CI | Unit |"));
  EXPECT_TRUE(has(md, "| NPS, all walks (true) (`nps_true`) | 40.0 ± 1.2 | [38.8, 41.2] | points |"));
  EXPECT_TRUE(has(md, "## Variants against the baseline"));
  EXPECT_TRUE(has(md, "| fix_checkout | **+3.00 ± 0.98**\\* [2.02, 3.98] |"));
  EXPECT_TRUE(has(md, "## Most frequent paths"));
  EXPECT_TRUE(has(md, "| 2 | web_page → checkout | 30.0 ± 1.8% | 60.0 ± 3.9 |"));
  EXPECT_TRUE(has(md, "## Provenance"));
  EXPECT_TRUE(has(md, "- Seed: 7"));
  EXPECT_FALSE(has(md, "<table"));
  const std::string journey_md = render_markdown(read_results(journey_));
  EXPECT_FALSE(has(journey_md, "Variants against the baseline"));
}

// Issue 12 item 11: the Markdown summary replaced each " > " of a path by
// find-and-replace from the start, quadratic in the path's length (a 2M-step
// path ran past 300 s). The escaping is now one pass: by construction linear;
// here a 2M-character path full of separators, pipes and line breaks comes out
// exactly as escaped unit by unit, through the real summary.
TEST_F(ReportTest, MarkdownEscapesAHugePathInOnePass) {
  const std::string unit = "a|b > c\n > ";  // 12 characters: 2 separators, a pipe, a line break
  const std::string unit_md = "a\\|b → c  → ";
  const std::size_t n = 2'000'000 / unit.size();
  std::string path, want;
  path.reserve(n * unit.size());
  want.reserve(n * unit_md.size());
  for (std::size_t i = 0; i < n; ++i) {
    path += unit;
    want += unit_md;
  }
  ASSERT_GE(path.size(), 1'999'990u);
  EXPECT_EQ(markdown_cell(markdown_path(path)), want);
  EXPECT_EQ(markdown_cell("x > y|z"), "x > y\\|z");  // no arrows outside paths
  EXPECT_EQ(markdown_path("x > y|z >  > "), "x → y|z →  → ");
  ResultsData d = read_results(scenario_);
  io::Table p;
  p.add_column("book", std::vector<std::string>{"frequent"});
  p.add_column("rank", std::vector<std::int64_t>{1});
  p.add_column("path", std::vector<std::string>{path});
  p.add_column("count", std::vector<std::int64_t>{1});
  p.add_column("share", std::vector<double>{1.0});
  add_estimate(p, "nps", {10}, 1);
  d.variants[0].paths = p;
  const std::string md = render_markdown(d);
  EXPECT_TRUE(has(md, "| 1 | " + want + " |"));
}

TEST_F(ReportTest, RefusesWhatIsNotAResultsFile) {
  auto refused = [](const fs::path& p) {
    try {
      read_results(p);
    } catch (const core::InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_TRUE(has(refused(dir_ / "missing.h5"), "no such file"));
  { std::ofstream(dir_ / "text.h5") << "not hdf5\n"; }
  EXPECT_TRUE(has(refused(dir_ / "text.h5"), "is a text file, not an HDF5 results file"));
  {
    io::AtomicFile f(dir_ / "foreign.h5");
    f.file().set_attribute("filetype", "something-else");
    f.commit();
  }
  EXPECT_TRUE(has(refused(dir_ / "foreign.h5"), "not a cxsim results file"));
  {
    io::AtomicFile f(dir_ / "future.h5");
    f.file().set_attribute("filetype", "cxsim-results");
    f.file().set_attribute("format_version", "9.0");
    f.file().set_attribute("format_version_major", static_cast<std::int64_t>(9));
    f.commit();
  }
  EXPECT_TRUE(has(refused(dir_ / "future.h5"), "results format 9.0 is not supported"));
  {
    io::AtomicFile f(dir_ / "empty.h5");
    f.file().set_attribute("filetype", "cxsim-results");
    f.file().set_attribute("format_version_major", static_cast<std::int64_t>(1));
    f.commit();
  }
  EXPECT_TRUE(has(refused(dir_ / "empty.h5"), "no variant"));
  {
    io::AtomicFile f(dir_ / "odd.h5");
    f.file().set_attribute("filetype", "cxsim-results");
    f.file().set_attribute("format_version_major", static_cast<std::int64_t>(1));
    io::Table t;
    t.add_column("name", std::vector<std::string>{"nps_true"});
    t.add_column("value", std::vector<double>{1.0});
    io::write_table(f.file(), "variants/baseline/summary", t);
    f.commit();
  }
  EXPECT_TRUE(has(refused(dir_ / "odd.h5"), "/variants/baseline/summary has no metric"));
}

TEST_F(ReportTest, WritesAtomicallyNextToTheInput) {
  EXPECT_EQ(default_output("out/run.h5", Format::html), fs::path("out/run.html"));
  EXPECT_EQ(default_output("run.h5", Format::md), fs::path("run.md"));
  EXPECT_EQ(parse_format("md"), Format::md);
  EXPECT_THROW(parse_format("markdown"), core::InputError);  // one name per format, as the CLI
  EXPECT_THROW(parse_format("pdf"), core::InputError);

  const fs::path out = dir_ / "r.html";
  write_text_atomically(out, "first");
  write_text_atomically(out, "second");
  std::ifstream in(out);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "second");
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  // A missing folder is created (the rule for every output); one that
  // cannot be (a path through a file) is bad input.
  write_text_atomically(dir_ / "no_dir" / "r.html", "x");
  EXPECT_TRUE(fs::is_regular_file(dir_ / "no_dir" / "r.html"));
  EXPECT_THROW(write_text_atomically(out / "r.html", "x"), core::InputError);
}

TEST(ReportLayout, StagesBecomeColumnsInOrderOfFirstAppearance) {
  JourneyGraph g;
  g.nodes = {{"a", false, "web", "aware", 0.1, ""}, {"b", false, "web", "buy", 0.1, ""},
             {"c", false, "app", "aware", 0.1, ""}, {"d", false, "phone", "help", 0.2, ""},
             {"win", true, "", "", 0, "converted"}, {"lose", true, "", "", 0, "abandoned"}};
  g.edges = {{0, 1, 1, 1}, {2, 1, 1, 1}, {1, 4, 0.9, 0.3}, {1, 3, 0.1, 0.7}, {3, 1, 0.5, 0.5}, {3, 5, 0.5, 0.5}};
  g.start = {{0, 0.5}, {2, 0.5}};
  const MapLayout l = layout_journey(g);
  EXPECT_TRUE(l.by_stage);
  EXPECT_EQ(l.column_labels, (std::vector<std::string>{"aware", "buy", "help", "outcomes"}));
  EXPECT_EQ(l.column, (std::vector<int>{0, 1, 0, 2, 3, 3}));
  EXPECT_NE(l.row[0], l.row[2]);  // two nodes in one column do not overlap
}

TEST(ReportLayout, WithoutStagesLayersFollowTheLongestPathIgnoringCycles) {
  JourneyGraph g;
  g.nodes = {{"a", false, "web", "", 0, ""},
             {"b", false, "web", "", 0, ""},
             {"c", false, "web", "", 0, ""},
             {"end", true, "", "", 0, "done"}};
  // a -> b -> c, a -> c, c -> a (a cycle), c -> end.
  g.edges = {{0, 1, 1, 0}, {0, 2, 0, 1}, {1, 2, 1, 1}, {2, 0, 0.5, 0.5}, {2, 3, 0.5, 0.5}};
  g.start = {{0, 1.0}};
  const MapLayout l = layout_journey(g);
  EXPECT_FALSE(l.by_stage);
  EXPECT_EQ(l.column, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(l.column_labels.back(), "outcomes");
}

TEST(ReportLayout, FlowsFoldOkAndFrictionWithTheMeasuredRate) {
  JourneyGraph g;
  g.nodes = {{"a", false, "web", "s", 0.5, ""}, {"x", true, "", "", 0, "k"}, {"y", true, "", "", 0, "k"}};
  g.edges = {{0, 1, 1.0, 0.0}, {0, 2, 0.0, 1.0}};
  g.start = {{0, 1.0}};
  io::Table tp;
  tp.add_column("touchpoint", std::vector<std::string>{"a"});
  tp.add_column("visits_per_walk", std::vector<double>{2.0});
  tp.add_column("friction_rate", std::vector<double>{0.25});
  const MapFlows f = journey_flows(g, &tp);
  ASSERT_EQ(f.edge.size(), 2u);
  EXPECT_DOUBLE_EQ(f.edge[0], 2.0 * 0.75);
  EXPECT_DOUBLE_EQ(f.edge[1], 2.0 * 0.25);
  EXPECT_DOUBLE_EQ(f.start[0], 1.0);
  // Without results: the model's friction and no visits.
  const MapFlows none = journey_flows(g, nullptr);
  EXPECT_DOUBLE_EQ(none.edge[0], 0.0);
}

namespace {

// The "Exact (analytics)" column compares like with like: the pooled value
// (every walk of the run), "not exact" where the chain has none, and a file
// without `pooled` (one-walk values only) is comparable only for one period.
TEST(ReportExactValue, PooledNotExactAndOldFiles) {
  VariantData v;
  v.summary =
      estimates({"steps_mean", "cost_mean", "share_timeout", "nps_true"}, {2.0, 5.0, 0.01, 10}, {0.1, 0.1, 0.001, 1});
  io::Table a;
  a.add_column("metric", std::vector<std::string>{"steps_mean", "cost_mean", "timeout_prob_exact", "effort_mean"});
  a.add_column("estimate", std::vector<double>{1.5, std::nan(""), 0.011, 3.0});
  a.add_column("exact", std::vector<std::int64_t>{1, 0, 1, 1});
  a.add_column("pooled", std::vector<double>{2.05, std::nan(""), 0.0105, std::nan("")});
  v.analytics_summary = a;
  Provenance p;
  p.periods = 4;
  auto x = exact_value(v, "steps_mean", p);
  EXPECT_EQ(x.kind, ExactValue::Kind::value);
  EXPECT_DOUBLE_EQ(x.value, 2.05);  // pooled, not the one-walk 1.5
  EXPECT_EQ(exact_value(v, "cost_mean", p).kind, ExactValue::Kind::not_exact);
  x = exact_value(v, "share_timeout", p);  // the chain's timeout probability
  EXPECT_EQ(x.kind, ExactValue::Kind::value);
  EXPECT_DOUBLE_EQ(x.value, 0.0105);
  EXPECT_EQ(exact_value(v, "effort_mean", p).kind, ExactValue::Kind::not_comparable);
  EXPECT_EQ(exact_value(v, "nps_true", p).kind, ExactValue::Kind::absent);

  // A file written before `pooled` and `exact`: one-walk values.
  io::Table old;
  old.add_column("metric", std::vector<std::string>{"steps_mean"});
  old.add_column("estimate", std::vector<double>{1.5});
  v.analytics_summary = old;
  EXPECT_EQ(exact_value(v, "steps_mean", p).kind, ExactValue::Kind::not_comparable);
  p.periods = 1;
  x = exact_value(v, "steps_mean", p);
  EXPECT_EQ(x.kind, ExactValue::Kind::value);
  EXPECT_DOUBLE_EQ(x.value, 1.5);
}

// What the HTML page and the Markdown summary share: the Exact column's text,
// when to warn about timeouts, and the provenance lines (the page lists them
// all, the summary those marked in_summary).
TEST(ReportShared, ExactTextTimeoutAndProvenance) {
  EXPECT_EQ(exact_text({ExactValue::Kind::value, 2.0512}, 0.01, 1.0), "2.051");
  EXPECT_EQ(exact_text({ExactValue::Kind::value, 0.0105}, 0.001, 100.0), "1.05");
  EXPECT_EQ(exact_text({ExactValue::Kind::not_exact}, 0.01, 1.0), "not exact");
  EXPECT_EQ(exact_text({ExactValue::Kind::not_comparable}, 0.01, 1.0), "n/c");
  EXPECT_EQ(exact_text({}, 0.01, 1.0), "");

  VariantData v;
  v.summary = estimates({"nps_true", "share_timeout"}, {10, 0}, {1, 0});
  EXPECT_FALSE(timeout_share(v));
  v.summary = estimates({"nps_true"}, {10}, {1});
  EXPECT_FALSE(timeout_share(v));
  v.summary = estimates({"nps_true", "share_timeout"}, {10, 0.02}, {1, 0.001});
  ASSERT_TRUE(timeout_share(v));
  EXPECT_DOUBLE_EQ(timeout_share(v)->estimate, 0.02);

  ResultsData d;
  d.variants.push_back(v);
  d.variants.back().name = "baseline";
  d.variants.push_back(v);
  d.variants.back().name = "fix";
  d.provenance.seed = 7;
  d.provenance.discount_rate = 0.01;
  d.provenance.command_line = "cxsim run x.yaml";
  std::vector<std::string> labels, summary;
  for (const auto& it : provenance_items(d)) {
    labels.push_back(it.label);
    if (it.in_summary) summary.push_back(it.label);
  }
  // The results file is always named; lines without a value are left out.
  EXPECT_EQ(labels, (std::vector<std::string>{"Results file", "Seed", "Discount rate", "Time unit", "Variants",
                                              "Command line"}));
  EXPECT_EQ(summary, (std::vector<std::string>{"Results file", "Seed", "Command line"}));
  const auto items = provenance_items(d);
  EXPECT_TRUE(items[0].code);
  EXPECT_EQ(items[2].text, "0.01");
  EXPECT_EQ(items[4].text, "baseline, fix");
  EXPECT_TRUE(items[5].code);
}

}  // namespace

// ---------------------------------------------------------------- money and uncertainty (format 1.3)

namespace {

io::Table money_summary(double per_customer, double se, double base, double investment, double payback,
                        double payback_lo, double payback_hi) {
  const double total = per_customer * base, total_se = se * base;
  const double ret = total - investment;
  const double roi = investment > 0 ? ret / investment : std::nan("");
  const double roi_se = investment > 0 ? total_se / investment : std::nan("");
  io::Table t;
  t.add_column("metric", std::vector<std::string>{"net_value_delta_per_customer", "net_value_delta_total", "investment",
                                                  "net_return", "roi", "payback_period"});
  t.add_column("estimate", std::vector<double>{per_customer, total, investment, ret, roi, payback});
  t.add_column("se", std::vector<double>{se, total_se, 0, total_se, roi_se, std::nan("")});
  t.add_column("ci_low", std::vector<double>{per_customer - 1.96 * se, total - 1.96 * total_se, investment,
                                             ret - 1.96 * total_se, roi - 1.96 * roi_se, payback_lo});
  t.add_column("ci_high", std::vector<double>{per_customer + 1.96 * se, total + 1.96 * total_se, investment,
                                              ret + 1.96 * total_se, roi + 1.96 * roi_se, payback_hi});
  t.add_column("unit", std::vector<std::string>{"€ per customer", "€", "€", "€", "ratio", "period"});
  return t;
}

// The scenario fixture with money: a scenario title, a currency and a base of
// 250,000 customers; fix_checkout (Δ net value 2.0 ± 0.78 per customer, cost
// up, investment 200,000, payback in period 2 [1, 3]) and cheap_fix (Δ net
// value 0.1 ± 0.78: not significant, no investment). `draws` > 0 adds
// /uncertainty with total intervals wider than the MC ones.
void write_money_fixture(const fs::path& path, std::int64_t draws, const std::function<void(io::File&)>& more = {}) {
  write_fixture(
      path, true,
      [draws, &more](io::File& f) {
        if (more) more(f);
        f.set_attribute("title", "fund_or_not");
        f.set_attribute("currency", "€");
        f.set_attribute("customer_base", 250000.0);
        write_variant(f.open_group("variants"), "cheap_fix", "A cheap tweak", 2, 1);
        io::Table c;
        c.add_column("metric", std::vector<std::string>{"nps_true", "cost_mean", "net_value_mean"});
        c.add_column("baseline", std::vector<double>{40, 4, 86});
        c.add_column("variant", std::vector<double>{40.2, 4, 86.1});
        c.add_column("delta", std::vector<double>{0.2, 0.0, 0.1});
        c.add_column("se", std::vector<double>{0.5, 0.01, 0.4});
        c.add_column("ci_low", std::vector<double>{-0.78, -0.0196, -0.684});
        c.add_column("ci_high", std::vector<double>{1.18, 0.0196, 0.884});
        io::write_table(f.open_group("comparisons"), "cheap_fix", c);
        io::write_table(f.require_group("money/fix_checkout"), "summary",
                        money_summary(2.0, 0.4, 250000, 200000, 2, 1, 3));
        io::write_table(f.require_group("money/cheap_fix"), "summary",
                        money_summary(0.1, 0.4, 250000, 0, std::nan(""), std::nan(""), std::nan("")));
        if (draws > 0) {
          io::Group u = f.require_group("uncertainty");
          u.set_attribute("draws", draws);
          u.set_attribute("draws_requested", draws);
          u.set_attribute("description", "total: parameters and MC; mc: customer noise only");
          auto table = [](std::vector<std::string> m, std::vector<double> e, std::vector<double> lo,
                          std::vector<double> hi) {
            io::Table t;
            t.add_column("metric", m);
            t.add_column("estimate", e);
            t.add_column("mc_low", lo);
            t.add_column("mc_high", hi);
            std::vector<double> tlo, thi;
            for (std::size_t i = 0; i < e.size(); ++i) {
              tlo.push_back(e[i] - 4 * (e[i] - lo[i]));
              thi.push_back(e[i] + 4 * (hi[i] - e[i]));
            }
            t.add_column("total_low", tlo);
            t.add_column("total_high", thi);
            return t;
          };
          // Four times the MC half-widths: NPS 40 [35.296, 44.704]; Δ NPS 3
          // [-0.92, 6.92] (no longer significant); Δ net value 2.0 [-1.136,
          // 5.136].
          io::write_table(u.require_group("variants"), "baseline",
                          table({"nps_true"}, {40}, {40 - 1.96 * 0.6}, {40 + 1.96 * 0.6}));
          io::write_table(u.require_group("comparisons"), "fix_checkout",
                          table({"nps_true", "net_value_mean"}, {3, 2.0}, {2.02, 1.216}, {3.98, 2.784}));
        }
      },
      true);
}

}  // namespace

TEST(ReportFormat, NetValueIsHigherBetterAndNamed) {
  const MetricInfo mi = metric_info("net_value_mean");
  EXPECT_EQ(mi.better, 1);
  EXPECT_EQ(mi.short_label, "Net value");
}

TEST_F(ReportTest, ReadsMoneyTitleAndUncertainty) {
  const fs::path money = dir_ / "money.h5";
  write_money_fixture(money, 40);
  const ResultsData d = read_results(money);
  EXPECT_EQ(d.title(), "fund_or_not");
  EXPECT_EQ(d.provenance.currency, "€");
  ASSERT_TRUE(d.provenance.customer_base);
  EXPECT_DOUBLE_EQ(*d.provenance.customer_base, 250000);
  ASSERT_NE(d.money_of("fix_checkout"), nullptr);
  ASSERT_NE(d.money_of("cheap_fix"), nullptr);
  EXPECT_EQ(d.money_of("baseline"), nullptr);
  ASSERT_TRUE(d.uncertainty);
  EXPECT_EQ(d.uncertainty->draws, 40);
  const EstimateRow e = d.estimate("fix_checkout", "nps_true", true);
  EXPECT_DOUBLE_EQ(e.estimate, 3);
  EXPECT_DOUBLE_EQ(e.lo, 2.02);
  EXPECT_TRUE(e.has_total());
  EXPECT_DOUBLE_EQ(e.total_lo, 3 - 4 * 0.98);
  EXPECT_FALSE(d.estimate("cheap_fix", "nps_true", true).has_total());  // no row for it
  // Without /uncertainty the total is absent and the title falls back to the journey.
  EXPECT_FALSE(read_results(scenario_).estimate("fix_checkout", "nps_true", true).has_total());
  EXPECT_EQ(read_results(scenario_).title(), "tiny_shop");
}

TEST_F(ReportTest, FirstScreenRecommendsAndShowsTheMoneyTable) {
  const fs::path money = dir_ / "money.h5";
  write_money_fixture(money, 0);
  const std::string html = render_html(read_results(money));
  // The title is the scenario's name; the journey's is in the subtitle.
  EXPECT_TRUE(has(html, "<h1>fund_or_not</h1>"));
  EXPECT_TRUE(has(html, "journey tiny_shop"));
  // The summary comes first, then the money table, then the headline.
  const auto summary = html.find("<section id=\"summary\"");
  const auto money_at = html.find("<section id=\"money\"");
  const auto headline = html.find("<section id=\"headline\"");
  ASSERT_NE(summary, std::string::npos);
  ASSERT_NE(money_at, std::string::npos);
  EXPECT_LT(summary, money_at);
  EXPECT_LT(money_at, headline);
  // Net return 300,000 ± 196,000 [104,000, 496,000] over the base of
  // 250,000, net of 200,000 (amounts to two significant digits of the
  // half-width); payback in period 2 [1, 3]; cheap_fix is not significant.
  EXPECT_TRUE(has(html,
                  "<b>Fund fix_checkout first</b>: it returns <b>€300,000</b> (95% CI [€100,000, €500,000]) "
                  "over 3 periods across a customer base of 250,000"));
  EXPECT_TRUE(has(html, "net of its investment of €200,000"));
  EXPECT_TRUE(has(html, "it pays back in period 2 (95% CI 1–3)"));
  EXPECT_TRUE(has(html, "cheap_fix is not significant"));
  EXPECT_TRUE(has(html, "Without an investment (so without ROI or payback): cheap_fix."));
  // The money table: amounts in the currency, thousands grouped, ROI in %.
  EXPECT_TRUE(has(html, "Δ net value over the base<br><small>€, 250,000 customers</small>"));
  EXPECT_TRUE(has(html, "<td class=\"num sig-better\"><b>+300,000 ± 200,000</b>"));
  EXPECT_TRUE(has(html, "<td class=\"num\">200,000</td>"));                 // the investment
  EXPECT_TRUE(has(html, "<td class=\"num sig-better\"><b>+150 ± 98</b>"));  // ROI 1.5 = 150%
  EXPECT_TRUE(has(html, "<td class=\"num\"><b>2</b><br><span class=\"ci\">[1, 3]</span></td>"));
  EXPECT_TRUE(has(html, "<small>no investment</small>"));
  // Δ cost rises significantly (0.2 ± 0.098) with net value: not shaded as a
  // deterioration, anywhere; the net value beside it is shaded better.
  EXPECT_FALSE(has(html, "<td class=\"num sig-worse\"><b>+0.200 ± 0.098</b>"))
      << "a cost rise that comes with more net value is shaded as a deterioration";
  EXPECT_TRUE(has(html, "<td class=\"num\"><b>+0.200 ± 0.098</b>"));
  EXPECT_TRUE(has(html, "<td class=\"num sig-better\"><b>+2.00 ± 0.78</b>"));
  EXPECT_TRUE(has(html, "Δ Net value<br><small>€</small>"));  // the variant table's column, in the currency
  // Three variants: the baseline's NPS histogram shows, the others collapse.
  EXPECT_TRUE(has(html, "<summary>NPS score distributions of the other 2 variants (same scale)</summary>"));
  expect_self_contained(html);
}

TEST_F(ReportTest, WithoutMoneyTheSummaryRanksByNps) {
  const std::string html = render_html(read_results(scenario_));
  EXPECT_TRUE(has(html, "<section id=\"summary\""));
  EXPECT_FALSE(has(html, "<section id=\"money\""));
  EXPECT_TRUE(has(html, "<b>fix_checkout raises NPS most</b>: <b>+3.00 points</b> (95% CI [2.02, 3.98])"));
  // A journey-only run has nothing to recommend.
  EXPECT_FALSE(has(render_html(read_results(journey_)), "<section id=\"summary\""));
}

TEST_F(ReportTest, TotalIntervalLeadsWithTheMonteCarloOneBeside) {
  const fs::path money = dir_ / "money.h5";
  write_money_fixture(money, 40);
  const std::string html = render_html(read_results(money));
  // Headline card: the total interval first, the MC one beside it.
  EXPECT_TRUE(has(html, "points · 95% total [35.3, 44.7]</div><div class=\"ci mc\">MC only ± 1.2 [38.8, 41.2]</div>"));
  // Δ NPS: significant by MC alone, not by the total interval, so neither bold nor shaded.
  EXPECT_TRUE(has(html,
                  "<td class=\"num\">+3.00<br><span class=\"ci\" title=\"95% total interval: parameter and "
                  "Monte Carlo uncertainty\">total [−0.92, 6.92]</span><br><span class=\"ci mc\" title=\"95% "
                  "Monte Carlo interval: customer noise only\">MC only ± 0.98 [2.02, 3.98]</span></td>"));
  // The plain words for each interval.
  EXPECT_TRUE(has(html, "<b>95% total</b> (shown first): what we do not know about the journey's parameters"));
  EXPECT_TRUE(has(html, "<b>MC only</b> (beside it): the customer noise of this run alone"));
  // Money: the total interval of Δ net value mapped to the net return:
  // 300,000 + 250,000 × (−1.136 − 2) = −484,000 .. 300,000 + 250,000 × 3.136 =
  // 1,084,000 (to 10,000: two significant digits of the MC half-width).
  EXPECT_TRUE(has(html,
                  "<td class=\"num\">+300,000<br><span class=\"ci\" title=\"95% total interval: parameter and "
                  "Monte Carlo uncertainty\">total [−480,000, 1,080,000]</span><br><span class=\"ci mc\" "
                  "title=\"95% Monte Carlo interval: customer noise only\">MC only ± 200,000 [100,000, "
                  "500,000]</span></td>"));
  // The recommendation is no longer significant with the total interval.
  EXPECT_TRUE(has(html, "<b>No variant has a clearly positive return</b>"));
  EXPECT_TRUE(has(html, "95% total CI [−€480,000, €1,080,000]"));
  expect_self_contained(html);
}

namespace {

// The points of an SVG path of M, L and C commands (as the journey map writes
// them), each cubic sampled at 50 steps.
std::vector<std::pair<double, double>> sample_path(const std::string& d) {
  std::vector<std::pair<double, double>> out;
  std::size_t i = 0;
  auto number = [&] {
    std::size_t used = 0;
    const double x = std::stod(d.substr(i), &used);
    i += used;
    if (i < d.size() && (d[i] == ',' || d[i] == ' ')) ++i;
    return x;
  };
  std::pair<double, double> at{0, 0};
  while (i < d.size()) {
    const char cmd = d[i++];
    if (cmd == 'M' || cmd == 'L') {
      const double x = number(), y = number();
      if (cmd == 'L')
        for (int k = 1; k <= 50; ++k)
          out.emplace_back(at.first + (x - at.first) * k / 50, at.second + (y - at.second) * k / 50);
      at = {x, y};
      out.push_back(at);
    } else if (cmd == 'C') {
      const double x1 = number(), y1 = number(), x2 = number(), y2 = number(), x3 = number(), y3 = number();
      for (int k = 1; k <= 50; ++k) {
        const double t = k / 50.0, u = 1 - t;
        out.emplace_back(u * u * u * at.first + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x3,
                         u * u * u * at.second + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y3);
      }
      at = {x3, y3};
    } else {
      ADD_FAILURE() << "unexpected path command " << cmd << " in " << d;
      break;
    }
  }
  return out;
}

// The attribute `name` of the first element after `from` in `svg`.
double attribute_after(const std::string& svg, std::size_t from, const std::string& name) {
  const std::size_t at = svg.find(" " + name + "=\"", from);
  EXPECT_NE(at, std::string::npos) << name;
  return std::stod(svg.substr(at + name.size() + 3));
}

}  // namespace

// payout -> paid skips the complaint column; it used to be drawn straight
// through the complaint box (issue 15, item 5).
TEST(ReportJourneyMap, AnEdgeAcrossAColumnGoesAroundItsNodes) {
  JourneyGraph g;
  g.nodes = {{"payout", false, "web", "settle", 0.1, ""},
             {"complaint", false, "phone", "dispute", 0.1, ""},
             {"paid", true, "", "", 0, "resolved"},
             {"lost", true, "", "", 0, "churned"}};
  g.edges = {{0, 2, 0.8, 0.6}, {0, 1, 0.2, 0.4}, {1, 2, 0.5, 0.5}, {1, 3, 0.5, 0.5}};
  g.start = {{0, 1.0}};
  const std::string svg = journey_map_svg(g, nullptr, nullptr, "m");
  const std::size_t edge = svg.find("<title>payout → paid:");
  ASSERT_NE(edge, std::string::npos);
  const std::size_t d_at = svg.find("d=\"", edge) + 3;
  const auto points = sample_path(svg.substr(d_at, svg.find('"', d_at) - d_at));
  const std::size_t box = svg.find("<title>complaint (");
  ASSERT_NE(box, std::string::npos);
  const double x = attribute_after(svg, box, "x"), y = attribute_after(svg, box, "y");
  const double w = attribute_after(svg, box, "width"), hgt = attribute_after(svg, box, "height");
  ASSERT_GT(points.size(), 50u);
  bool crosses_the_column = false;
  for (const auto& [px, py] : points) {
    if (px < x || px > x + w) continue;
    crosses_the_column = true;
    EXPECT_FALSE(py >= y && py <= y + hgt)
        << "the payout → paid edge runs through the complaint box at (" << px << ", " << py << ")";
  }
  EXPECT_TRUE(crosses_the_column);
}

TEST_F(ReportTest, MarkdownHasTheMoneyTableAndTheScenarioTitle) {
  const fs::path money = dir_ / "money.h5";
  write_money_fixture(money, 0);
  const std::string md = render_markdown(read_results(money));
  EXPECT_EQ(md.rfind("# fund_or_not — cxsim report", 0), 0u);
  EXPECT_TRUE(has(md, "## Money (€, discounted, over a customer base of 250000)"));
  EXPECT_TRUE(has(md, "| fix_checkout | **+2.00 ± 0.78**\\* [1.22, 2.78] |"));
  EXPECT_TRUE(has(md, "| 2 [1, 3] |"));  // payback
  EXPECT_TRUE(has(md, "| cheap_fix | +0.10 ± 0.78 [−0.68, 0.88] |"));
}

// ---------------------------------------------------------------- per segment (format 1.6)

namespace {

// /segments/<variant>/... for `variants` as the engine writes them, for the
// segments `segs` (customers split evenly out of 1000): segment i's checkout
// friction is 0.10 + 0.05 i (web_page 0.05 everywhere), its baseline alive
// share 0.9 / 0.8 / (0.7 − 0.05 i), its NPS 40 + i; fix_checkout's Δ net value
// per customer in segment i is 2.0 + 0.5 i ± 0.4 (Δ cost +0.2 ± 0.05) and its
// Δ NPS 3 ± 0.5.
void write_segment_tables(io::File& f, const std::vector<std::string>& segs, const std::vector<std::string>& variants) {
  const std::size_t S = segs.size();
  const double n = 1000.0 / static_cast<double>(S), base = 250000;
  for (const auto& v : variants) {
    const bool delta = v != "baseline";
    io::Group g = f.require_group("segments/" + v);
    {
      io::Table t;
      std::vector<std::string> seg, metric, unit;
      std::vector<double> est, se;
      std::vector<std::int64_t> customers;
      std::vector<double> base_customers;
      for (std::size_t i = 0; i < S; ++i) {
        auto row = [&](const std::string& m, double e, double s, const std::string& u) {
          seg.push_back(segs[i]);
          metric.push_back(m);
          est.push_back(e);
          se.push_back(s);
          unit.push_back(u);
          customers.push_back(static_cast<std::int64_t>(n));
          base_customers.push_back(base * n / 1000);
        };
        const double x = static_cast<double>(i);
        row("value_per_customer", 90 + x, 1.0, "€ per customer");
        row("value_total", (90 + x) * base * n / 1000, 1000, "€");
        row("cost_per_customer", 4, 0.05, "€ per customer");
        row("cost_total", 4 * base * n / 1000, 50, "€");
        row("net_value_per_customer", 86 + x, 1.0, "€ per customer");
        row("net_value_total", (86 + x) * base * n / 1000, 1000, "€");
        if (!delta) continue;
        row("value_delta_per_customer", 2.2 + 0.5 * x, 0.4, "€ per customer");
        row("value_delta_total", (2.2 + 0.5 * x) * base * n / 1000, 400, "€");
        row("cost_delta_per_customer", 0.2, 0.05, "€ per customer");
        row("cost_delta_total", 0.2 * base * n / 1000, 50, "€");
        row("net_value_delta_per_customer", 2.0 + 0.5 * x, 0.4, "€ per customer");
        row("net_value_delta_total", (2.0 + 0.5 * x) * base * n / 1000, 400, "€");
      }
      std::vector<double> lo, hi;
      for (std::size_t i = 0; i < est.size(); ++i) {
        lo.push_back(est[i] - 1.96 * se[i]);
        hi.push_back(est[i] + 1.96 * se[i]);
      }
      t.add_column("segment", seg);
      t.add_column("metric", metric);
      t.add_column("estimate", est);
      t.add_column("se", se);
      t.add_column("ci_low", lo);
      t.add_column("ci_high", hi);
      t.add_column("unit", unit);
      t.add_column("customers", customers);
      t.add_column("base_customers", base_customers);
      io::write_table(g, "money", t);
    }
    if (delta) {
      io::Table c;
      std::vector<std::string> seg, metric;
      std::vector<double> d, se, lo, hi, b, var;
      std::vector<std::int64_t> customers;
      for (std::size_t i = 0; i < S; ++i)
        for (const auto& [m, dd, s] : std::vector<std::tuple<std::string, double, double>>{
                 {"nps_true", 3, 0.5},
                 {"share_converted", 0.001, 0.002},
                 {"retention_final", 0.01, 0.004},
                 {"clv_mean", 2.2, 0.4},
                 {"cost_mean", 0.2, 0.05},
                 {"net_value_mean", 2.0 + 0.5 * static_cast<double>(i), 0.4}}) {
          seg.push_back(segs[i]);
          metric.push_back(m);
          d.push_back(dd);
          se.push_back(s);
          lo.push_back(dd - 1.96 * s);
          hi.push_back(dd + 1.96 * s);
          b.push_back(1);
          var.push_back(1 + dd);
          customers.push_back(static_cast<std::int64_t>(n));
        }
      c.add_column("segment", seg);
      c.add_column("metric", metric);
      c.add_column("baseline", b);
      c.add_column("variant", var);
      c.add_column("delta", d);
      c.add_column("se", se);
      c.add_column("ci_low", lo);
      c.add_column("ci_high", hi);
      c.add_column("customers", customers);
      io::write_table(g, "comparison", c);
    }
    {
      io::Table p;
      std::vector<std::string> seg;
      std::vector<std::int64_t> period, customers;
      std::vector<double> alive, nps, churn;
      for (std::size_t i = 0; i < S; ++i)
        for (int t = 1; t <= 3; ++t) {
          seg.push_back(segs[i]);
          period.push_back(t);
          customers.push_back(static_cast<std::int64_t>(n));
          alive.push_back(t == 1 ? 0.9 : t == 2 ? 0.8 : 0.7 - 0.05 * static_cast<double>(i));
          nps.push_back(40 + static_cast<double>(i));
          churn.push_back(0.1);
        }
      p.add_column("segment", seg);
      p.add_column("period", period);
      p.add_column("customers", customers);
      p.add_column("active", std::vector<double>(seg.size(), n));
      p.add_column("respondents", std::vector<double>(seg.size(), n / 4));
      add_estimate(p, "alive", alive, 0.01);
      add_estimate(p, "nps_true", nps, 1);
      add_estimate(p, "nps_measured", nps, 2);
      add_estimate(p, "churn_rate", churn, 0.01);
      io::write_table(g, "periods", p);
    }
    {
      io::Table t;
      std::vector<std::string> seg, tp;
      std::vector<double> visits, fr, fr_se, fr_lo, fr_hi;
      for (std::size_t i = 0; i < S; ++i)
        for (const auto& [id, rate] : std::vector<std::pair<std::string, double>>{
                 {"web_page", 0.05}, {"checkout", 0.10 + 0.05 * static_cast<double>(i)}}) {
          seg.push_back(segs[i]);
          tp.push_back(id);
          visits.push_back(n);
          fr.push_back(rate);
          fr_se.push_back(0.01);
          fr_lo.push_back(rate - 0.0196);
          fr_hi.push_back(rate + 0.0196);
        }
      t.add_column("segment", seg);
      t.add_column("touchpoint", tp);
      t.add_column("visits", visits);
      add_estimate(t, "visits_per_walk", std::vector<double>(seg.size(), 1.0), 0.01);
      t.add_column("friction_rate", fr);
      t.add_column("friction_rate_se", fr_se);
      t.add_column("friction_rate_ci_low", fr_lo);
      t.add_column("friction_rate_ci_high", fr_hi);
      io::write_table(g, "touchpoints", t);
    }
  }
}

// The money fixture (write_money_fixture) with /segments for the baseline
// and fix_checkout (cheap_fix has none).
void write_segment_fixture(const fs::path& path, const std::vector<std::string>& segs, std::int64_t draws = 0,
                           const std::function<void(io::File&)>& more = {}) {
  write_money_fixture(path, draws, [&](io::File& f) {
    write_segment_tables(f, segs, {"baseline", "fix_checkout"});
    if (more) more(f);
  });
}

// The HTML of the section `id`.
std::string section_of(const std::string& html, const std::string& id) {
  const auto at = html.find("<section id=\"" + id + "\"");
  if (at == std::string::npos) return {};
  return html.substr(at, html.find("</section>", at) - at);
}

// The number of segment columns (<th> but the first) of each <table> in `s`.
std::vector<std::size_t> header_columns(const std::string& s) {
  std::vector<std::size_t> out;
  for (auto at = s.find("<table>"); at != std::string::npos; at = s.find("<table>", at + 1)) {
    const auto head = s.substr(at, s.find("</thead>", at) - at);
    std::size_t th = 0;
    for (auto p = head.find("<th"); p != std::string::npos; p = head.find("<th", p + 1))
      if (head.compare(p, 6, "<thead") != 0) ++th;
    out.push_back(th);
  }
  return out;
}

}  // namespace

TEST_F(ReportTest, ReadsTheSegmentTables) {
  const fs::path p = dir_ / "segments.h5";
  write_segment_fixture(p, {"new", "loyal"});
  const ResultsData d = read_results(p);
  const VariantData& b = d.baseline();
  ASSERT_TRUE(b.segment_money);
  ASSERT_TRUE(b.segment_periods);
  ASSERT_TRUE(b.segment_touchpoints);
  EXPECT_FALSE(b.segment_comparison);
  EXPECT_TRUE(b.has_segments());
  EXPECT_EQ(b.segment_periods->rows(), 6u);
  ASSERT_EQ(d.variants[1].name, "fix_checkout");
  EXPECT_TRUE(d.variants[1].segment_comparison);
  EXPECT_FALSE(d.variants[2].has_segments());  // cheap_fix
  // A table without a string `segment` column is left out, not misread.
  const fs::path q = dir_ / "segments_bad.h5";
  write_segment_fixture(q, {"new", "loyal"}, 0, [](io::File& f) {
    io::Table bad;
    bad.add_column("segment", std::vector<std::int64_t>{0});
    bad.add_column("period", std::vector<std::int64_t>{1});
    io::write_table(f.require_group("segments/cheap_fix"), "periods", bad);
  });
  EXPECT_FALSE(read_results(q).variants[2].segment_periods);
}

TEST_F(ReportTest, SegmentSectionShowsMoneyPeriodsAndTouchpoints) {
  const fs::path p = dir_ / "segments.h5";
  write_segment_fixture(p, {"new", kInjection});
  const std::string html = render_html(read_results(p));
  expect_self_contained(html);  // the segment named <script>... is escaped
  const std::string s = section_of(html, "segments");
  ASSERT_FALSE(s.empty());
  EXPECT_TRUE(has(s, "Per segment: which profile gains from which fix</h2>"));
  EXPECT_TRUE(has(s, "&lt;script&gt;"));
  // What the intervals cover: customer noise only (no /uncertainty here).
  EXPECT_TRUE(has(s, "cover the simulation&#39;s customer noise only"));
  EXPECT_FALSE(has(s, "no per-segment total interval"));
  // What each segment is worth (baseline levels), in the currency.
  EXPECT_TRUE(has(s, "<caption>What each segment is worth: baseline (discounted over the run)</caption>"));
  EXPECT_TRUE(has(s, "86.0 ± 2.0<br><span class=\"ci\">[84.0, 88.0]</span>"));
  // fix_checkout's Δ money per segment: net value shaded as a gain by its
  // direction, Δ cost beside it unshaded, the pooled row last, ROI/payback
  // for all customers only.
  EXPECT_TRUE(has(s, "<summary>Per segment: fix_checkout</summary>"));
  EXPECT_TRUE(has(s, "Δ money per segment against the baseline"));
  EXPECT_TRUE(has(s, "<td class=\"num sig-better\"><b>+2.50 ± 0.78</b>"));  // segment 2: 2.0 + 0.5
  EXPECT_TRUE(has(s, "<td class=\"num\"><b>+0.200 ± 0.098</b>"));
  EXPECT_FALSE(has(s, "sig-worse"));
  EXPECT_TRUE(has(s, "<i>All customers</i>"));
  EXPECT_TRUE(has(s,
                  "ROI and payback are for all customers only: ROI +150 ± 98 % (95% CI [52, 248]), payback in "
                  "period 2 (95% CI 1–3)"));
  // cheap_fix has no per-segment tables: no block.
  EXPECT_FALSE(has(s, "Per segment: cheap_fix"));
  // The Δ table: one row per metric, one column per segment.
  EXPECT_TRUE(has(s, "<caption>Δ per segment, paired by customer</caption>"));
  EXPECT_TRUE(has(s, "Δ NPS (true) by segment: fix_checkout"));
  // Retention and NPS across periods: one line per segment, the last period's table.
  EXPECT_TRUE(has(s, "Customers still active after each period, per segment: baseline"));
  EXPECT_TRUE(has(s, "NPS per period, per segment: baseline"));
  EXPECT_TRUE(has(s, "<summary>Per period: fix_checkout</summary>"));
  EXPECT_TRUE(has(s, "Alive after period 3 (%)"));
  EXPECT_TRUE(has(s, "65.0 ± 2.0"));  // the second segment: 0.7 − 0.05
  // Touchpoints where segments differ most: checkout (0.15 vs 0.10), the
  // difference 5.0 ± 2.8 pp marked but never shaded; web_page (no difference) after it.
  EXPECT_TRUE(has(s, "Touchpoints where segments differ most: baseline"));
  const auto checkout = s.find("<tr><td>checkout</td>");
  const auto web = s.find("<tr><td>web_page</td>");
  ASSERT_NE(checkout, std::string::npos);
  ASSERT_NE(web, std::string::npos);
  EXPECT_LT(checkout, web);
  EXPECT_TRUE(has(s, "<td class=\"num\"><b>+5.0 ± 2.8</b> <span class=\"mark\""));
}

TEST_F(ReportTest, PerSegmentTablesFitThePage) {
  // Seven segments: every table with one column per segment is split, at
  // most four segments each (the Δ table 4 + 3; before, one table with a
  // column per metric and a row per segment, wider than the page).
  const fs::path p = dir_ / "seven.h5";
  const std::vector<std::string> segs{"s1", "s2", "s3", "s4", "s5", "s6", "s7"};
  write_segment_fixture(p, segs);
  const std::string s = section_of(render_html(read_results(p)), "segments");
  EXPECT_TRUE(has(s, "<caption>Δ per segment, paired by customer (segments 1–4 of 7)</caption>"));
  EXPECT_TRUE(has(s, "<caption>Δ per segment, paired by customer (segments 5–7 of 7)</caption>"));
  for (std::size_t cols : header_columns(s)) EXPECT_LE(cols, 6u);  // label + ≤ 4 segments, or the fixed tables
  // The Δ table's rows are metrics: its widest table has 1 + 4 columns.
  const auto at = s.find("(segments 1–4 of 7)");
  ASSERT_NE(at, std::string::npos);
  EXPECT_EQ(header_columns(s.substr(s.rfind("<table>", at)))[0], 5u);
}

TEST_F(ReportTest, SegmentIntervalsSayTheyAreMonteCarloOnlyBesideTotalOnes) {
  const fs::path p = dir_ / "segments_u.h5";
  write_segment_fixture(p, {"new", "loyal"}, 40);
  const std::string s = section_of(render_html(read_results(p)), "segments");
  EXPECT_TRUE(has(s,
                  "the file has no per-segment total interval, so unlike the pooled figures elsewhere on the "
                  "page they leave out what we do not know about the journey&#39;s parameters"));
  // The pooled row leads with its total interval, the MC one beside it.
  EXPECT_TRUE(has(s, "<i>All customers</i>"));
  EXPECT_TRUE(has(s, "MC only ± 0.78"));
}

TEST_F(ReportTest, WithoutSegmentsNoSegmentSectionAndAJourneyRunShowsLevels) {
  // No /segments (one segment): no section, the rest renders.
  EXPECT_FALSE(has(render_html(read_results(scenario_)), "<section id=\"segments\""));
  EXPECT_FALSE(has(render_html(read_results(journey_)), "<section id=\"segments\""));
  // A journey-only run with two segments: levels, periods and touchpoints, no fixes.
  const fs::path p = dir_ / "journey_segments.h5";
  write_fixture(p, false, [](io::File& f) { write_segment_tables(f, {"new", "loyal"}, {"baseline"}); });
  const std::string html = render_html(read_results(p));
  expect_self_contained(html);
  const std::string s = section_of(html, "segments");
  ASSERT_FALSE(s.empty());
  EXPECT_TRUE(has(s, "Per segment</h2>"));
  EXPECT_TRUE(has(s, "What each segment is worth: baseline"));
  EXPECT_TRUE(has(s, "Retention and NPS across periods, per segment"));
  EXPECT_TRUE(has(s, "Touchpoints where segments differ most"));
  EXPECT_FALSE(has(s, "Which profile gains from which fix"));
}
