// Names from the data reach the fitted YAML (channels and kinds quoted, the
// original names in comments): whatever bytes they hold, the YAML must be
// text the journey loader accepts. Found by tests/fuzz/fuzz_calibrate: an
// overlong sequence (0xE0 0x80 0x80) passed calibrate's own UTF-8 cleaning
// but not the loader's, and calibrate failed with "internal: the fitted
// journey does not load" (exit 1).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cxsim/calibrate/calibrate.h"
#include "cxsim/core/strings.h"
#include "cxsim/model/journey_loader.h"

using namespace cxsim;

namespace {

std::string write_events(const std::string& name, const std::string& rows) {
  const auto p = std::filesystem::temp_directory_path() / name;
  std::ofstream(p, std::ios::binary) << "customer_id,journey_id,timestamp,touchpoint,status,channel,outcome\n" << rows;
  return p.string();
}

TEST(CalibrateNamesText, IllFormedAndInvisibleCharactersGiveAJourneyThatLoads) {
  // Touchpoint with an overlong NUL, channel with a surrogate, outcome with a
  // zero-width space, another with a C1 control (U+0085) and a lone 0xFF.
  const std::string overlong = "caf\xe0\x80\x80";
  const std::string surrogate = "web\xed\xa0\x80";
  const std::string zero_width = "done\xe2\x80\x8b";
  const std::string c1 = "lost\xc2\x85\xff";
  const std::string rows = "1,j1,2026-01-01T10:00:00Z," + overlong + ",ok," + surrogate + ",\n" +
                           "1,j1,2026-01-01T10:05:00Z,pay,ok,web," + zero_width + "\n" + "2,j2,2026-01-02T10:00:00Z," +
                           overlong + ",friction," + surrogate + ",\n" + "2,j2,2026-01-02T10:07:00Z,pay,ok,web," + c1 +
                           "\n";
  calibrate::CalibrateOptions o;
  o.events = write_events("cxsim_test_names_text.csv", rows);
  const auto r = calibrate::calibrate(o);
  EXPECT_EQ(core::first_invalid_utf8(r.yaml), std::string::npos) << r.yaml;
  const auto j = model::load_journey_text(r.yaml, "fitted.yaml");
  for (const auto& t : j.spec.touchpoints) EXPECT_FALSE(core::text_problem(t.channel, core::TextRule::id)) << t.channel;
  for (const auto& oc : j.spec.outcomes) EXPECT_FALSE(core::text_problem(oc.kind, core::TextRule::id)) << oc.kind;
  std::filesystem::remove(o.events);
}

}  // namespace
