#pragma once
// Writes a run into the results file (docs/model.md section 10). The file is
// created under a temporary name and renamed by commit(): a crash or an
// error never leaves a half file under the final name.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "cxsim/io/h5.h"

namespace cxsim::engine {

struct Provenance {
  std::string command_line;
  std::string journey_path;
  std::string journey_yaml;
  std::string scenario_path;
  std::string scenario_yaml;  // empty when there is no scenario
};

class ResultsWriter {
 public:
  // `customers_out`: stream the per-customer table of every variant;
  // `customer_periods` (with it): also the per-customer, per-period table.
  ResultsWriter(const std::filesystem::path& path, const Provenance& prov, const std::vector<Variant>& variants,
                const RunSettings& s, bool customers_out, bool customer_periods = false);
  ~ResultsWriter();
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;

  // Appends one chunk's per-customer rows (call in chunk order).
  void on_chunk(const ChunkResult& chunk);
  // Writes every variant's tables and the comparisons.
  void write_run(const RunResult& result);
  // The open file, for other writers (analytics, sweeps, ranking).
  io::File& file();
  // Flushes, closes and renames onto the final path.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cxsim::engine
