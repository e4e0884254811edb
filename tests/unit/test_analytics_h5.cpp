// The exact analytics written to a results file (/analytics/<variant>/) and
// read back through the io layer.
#include "cxsim/analytics/analytics_h5.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "cxsim/io/h5.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"

namespace {

namespace fs = std::filesystem;
using cxsim::io::read_table;

TEST(AnalyticsH5, WritesSummaryTouchpointsSegmentsOutcomesChannels) {
  const auto spec = cxsim::model::load_journey(std::string(CXSIM_SHARED_DIR) + "/spec/examples/retail.yaml").spec;
  const auto m = cxsim::model::compile(spec);
  cxsim::analytics::AnalyzeOptions opt;
  opt.friction_overridden = cxsim::analytics::friction_override_mask(spec);
  const auto a = cxsim::analytics::analyze(m, opt);

  const fs::path dir = fs::temp_directory_path() / ("cxsim_analytics_h5_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path path = dir / "a.h5";
  {
    cxsim::io::AtomicFile out(path);
    cxsim::analytics::write_analytics(out.file().require_group("analytics/baseline"), m, a);
    out.commit();
  }
  {
    const auto f = cxsim::io::File::open(path);
    const auto g = f.open_group("analytics/baseline");
    EXPECT_EQ(g.attribute_string("removal_outcome"), "abandoned");
    EXPECT_EQ(g.attribute_int64("max_steps"), 200);

    const auto s = read_table(g, "summary");
    const auto& metric = s.get_string("metric");
    const auto& est = s.get_double("estimate");
    auto value = [&](const std::string& name) {
      const auto it = std::find(metric.begin(), metric.end(), name);
      EXPECT_NE(it, metric.end()) << name;
      return it == metric.end() ? NAN : est[it - metric.begin()];
    };
    EXPECT_DOUBLE_EQ(value("share_converted"), a.population.kind_prob[0]);
    EXPECT_DOUBLE_EQ(value("share_timeout"), 0.0);
    EXPECT_DOUBLE_EQ(value("effort_mean"), a.population.effort);
    EXPECT_DOUBLE_EQ(value("steps_sd"), std::sqrt(a.population.steps_variance));
    EXPECT_DOUBLE_EQ(value("value_per_walk"), a.population.value);
    for (const char* name : {"satisfaction_change_mean", "time_mean", "frictions_mean", "switches_mean", "steps_mean",
                             "cost_per_walk", "timeout_prob_exact"})
      (void)value(name);

    const auto t = read_table(g, "touchpoints");
    EXPECT_EQ(t.rows(), m.num_touchpoints());
    EXPECT_EQ(t.get_string("touchpoint"), m.touchpoint_ids);
    EXPECT_EQ(t.get_double("visits"), a.population.visits);
    EXPECT_EQ(t.get_double("reach_prob"), a.population_removal.reach_prob);
    EXPECT_EQ(t.get_double("d_satisfaction_df"), a.population_sensitivity.satisfaction_change);
    for (const char* col : {"removal_converted", "removal_abandoned", "d_share_converted_df", "exit_resolved",
                            "friction_visits", "d_effort_df", "d_value_df"})
      EXPECT_TRUE(t.has_column(col)) << col;
    EXPECT_FALSE(t.has_column("removal_timeout"));

    const auto seg = read_table(g, "segments");
    EXPECT_EQ(seg.rows(), 2u);
    EXPECT_EQ(seg.get_string("segment"), (std::vector<std::string>{"new", "loyal"}));
    EXPECT_DOUBLE_EQ(seg.get_double("share_converted")[1], a.segments[1].kind_prob[0]);

    EXPECT_EQ(read_table(g, "outcomes").get_double("prob"), a.population.outcome_prob);
    EXPECT_EQ(read_table(g, "channels").get_double("switches_into"), a.population.switches_into);
    const auto loyal = read_table(g, "segment_touchpoints/loyal");
    EXPECT_EQ(loyal.get_double("visits"), a.segments[1].visits);
    EXPECT_DOUBLE_EQ(loyal.get_double("friction")[3], 0.08);  // checkout, overridden
  }
  fs::remove_all(dir);
}

}  // namespace
