// Fuzz harness: the CSV readers and the calibrate pipeline. The input is
// written to a scratch file and calibrated twice, once as an event log
// (--events) and once as aggregated paths (--paths), with the defaults of
// `cxsim calibrate`. Bad input must be a core::InputError; a calibration that
// succeeds must give YAML that load_journey_text accepts (the CLI loads it
// again before writing it).
#include <cstdint>
#include <string>

#include "cxsim/calibrate/calibrate.h"
#include "cxsim/core/errors.h"
#include "cxsim/model/journey_loader.h"
#include "fuzz_support.h"

namespace {

void calibrate_one(bool paths, const std::string& file) {
  using namespace cxsim;
  calibrate::CalibrateOptions o;
  (paths ? o.paths : o.events) = file;
  o.tmp_dir = fuzz::scratch_dir().string();
  o.memory_mb = 16;
  o.command_line = "fuzz";
  calibrate::CalibrationResult r;
  try {
    r = calibrate::calibrate(o);
  } catch (const core::InputError&) {
    return;
  }
  try {
    (void)model::load_journey_text(r.yaml, "calibrated.yaml");
  } catch (const core::InputError& e) {
    fuzz::fuzz_fail(std::string("calibrate wrote YAML that does not load: ") + e.what() + "\n" +
                    e.diagnostics().format() + "\n--- yaml ---\n" + r.yaml);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = cxsim::fuzz::write_scratch("input.csv", cxsim::fuzz::as_text(data, size)).string();
  calibrate_one(false, file);
  calibrate_one(true, file);
  return 0;
}
