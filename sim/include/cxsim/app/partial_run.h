#pragma once
// Partial runs and their merge (docs/results-format.md, "Partial files";
// user guide: docs/array-jobs.md): `cxsim run --chunks A:B` runs the
// chunks [A, B) of a plan and keeps their accumulators, one record per chunk;
// `cxsim merge` checks that the parts belong to one run and cover its chunks
// exactly once, merges the records in chunk order and writes the results file
// of the whole run, bit-identical to the one-process run.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cxsim/app/run_plan.h"

namespace cxsim::app {

struct ChunkRange {
  std::uint64_t first = 0, last = 0;
};

// "A:B" with whole numbers A < B. Throws core::InputError naming --chunks.
ChunkRange parse_chunk_range(const std::string& text);

// The results file of a run: `output`, else outputs/<input's stem>.h5
// (outputs/<stem>.chunks-A-B.h5 for a partial run).
std::filesystem::path run_output_path(const std::string& input, const std::string& output,
                                      const std::optional<ChunkRange>& range);

// The output rules (core/atomic_output.h) checked before simulating, for
// `out` and, when `events_out` is not empty, the three CSVs in it: the folder
// is created, only a regular file is replaced, never one of the plan's inputs,
// and no CSV is `out` itself (core::InputError naming `options`, e.g.
// "-o and --events-out").
void check_run_outputs(const RunPlan& plan, const std::string& input, const std::filesystem::path& out,
                       const std::string& events_out, std::string_view options);

// Checks that the plan can run as parts and that the range lies within its
// chunks (InputError otherwise): no precision target (it decides the
// population while running), no parameter draws, no event log.
void check_partial_plan(const RunPlan& plan, const RunOverrides& o, ChunkRange range, bool event_log);

// Runs chunks [range.first, range.last) of the plan and writes the partial
// file `out` (atomically): the run's inputs and settings, one accumulator
// record per chunk, and the per-customer rows of those chunks when
// `customers_out`. `input` is the journey or scenario file as given.
void run_partial(const RunPlan& plan, const RunOverrides& o, const std::string& input, ChunkRange range,
                 const std::filesystem::path& out, bool customers_out, const engine::RunHooks& hooks);

struct MergeOutcome {
  std::uint64_t customers = 0, chunks = 0;
  std::size_t parts = 0;
  std::filesystem::path output;
};

// Merges partial files into the results file `out` (atomically). Refuses
// (core::InputError, exit 2) parts of different runs (inputs, seed, periods,
// chunk size, variants, options, cxsim version), overlapping chunks and
// missing chunks. Parts run with fewer customers than the others (an
// extension) are accepted when each of their chunks is complete in the
// larger run: the result is then that of the larger run.
MergeOutcome merge_parts(const std::vector<std::filesystem::path>& parts, const std::filesystem::path& out,
                         const std::string& command_line, const engine::RunHooks& hooks);

}  // namespace cxsim::app
