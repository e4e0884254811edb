#pragma once
// A fresh directory under the system temporary folder for one test, removed
// with everything in it when the object goes out of scope.
#include <stdlib.h>  // mkdtemp

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace cxsim::test {

struct TempDir {
  std::filesystem::path path;
  // `prefix` names the directory (prefix_XXXXXX), so a leftover says which test made it.
  explicit TempDir(const std::string& prefix = "cxsim_test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  // Writes `text` to path/name and returns that path as a string.
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name, std::ios::binary) << text;
    return (path / name).string();
  }
};

}  // namespace cxsim::test
