#pragma once
// Helpers shared by the calibration unit tests: scratch input files, loading a
// fitted model, finding fit-report tables and catching input errors.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "cxsim/calibrate/calibrate.h"
#include "cxsim/core/errors.h"
#include "cxsim/model/journey_loader.h"

namespace cxsim::testing {

// The per-process scratch directory of the test file `test` (created).
inline std::filesystem::path scratch_dir(const std::string& test) {
  const std::filesystem::path d =
      std::filesystem::temp_directory_path() / fmt::format("cxsim_test_{}_{}", test, ::getpid());
  std::filesystem::create_directories(d);
  return d;
}

// Writes `text` to `name` in the scratch directory of the test file `test`.
inline std::filesystem::path write_input(const std::string& test, const std::string& name, const std::string& text) {
  const std::filesystem::path d = scratch_dir(test);
  std::ofstream(d / name, std::ios::binary) << text;
  return d / name;
}

// The fitted journey, loaded as a user would load it (a load error fails the test and shows the YAML).
inline model::JourneySpec loads(const calibrate::CalibrationResult& r) {
  try {
    return model::load_journey_text(r.yaml, "fitted.yaml").spec;
  } catch (const core::InputError& e) {
    ADD_FAILURE() << e.what() << "\n" << r.yaml;
    throw;
  }
}

inline const calibrate::ReportTable& table(const calibrate::CalibrationResult& r, const std::string& path) {
  const calibrate::ReportTable* t = r.report.find(path);
  if (!t) throw std::runtime_error("no table " + path);
  return *t;
}

inline const calibrate::ReportColumn& col(const calibrate::ReportTable& t, const std::string& name) {
  for (const auto& c : t.columns)
    if (c.name == name) return c;
  throw std::runtime_error("no column " + name);
}

// The input error calibrating `o` raises, or "(no error)".
inline std::string error_of(const calibrate::CalibrateOptions& o) {
  try {
    calibrate::calibrate(o);
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

// Some warning contains every one of `parts`.
inline bool warned(const calibrate::CalibrationResult& r, const std::vector<std::string>& parts) {
  for (const auto& w : r.warnings) {
    bool all = true;
    for (const auto& p : parts) all = all && w.find(p) != std::string::npos;
    if (all) return true;
  }
  return false;
}

}  // namespace cxsim::testing
