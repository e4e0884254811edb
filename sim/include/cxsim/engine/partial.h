#pragma once
// Mergeable partial runs (docs/results-format.md, "Partial files"):
// `cxsim run --chunks A:B` keeps the accumulators of every chunk in [A, B),
// one serialised record per chunk, and `cxsim merge` merges the records of
// all parts in chunk order (runner.h: merge_chunk), which gives the bits of
// the one-process run. The records are kept per chunk, never pre-merged:
// floating-point sums are not associative, so (c0 + c1) + (c2 + c3) is not
// ((c0 + c1) + c2) + c3.
//
// A record is a flat sequence of 64-bit words (doubles by their bits), so
// it round-trips through an int64 dataset exactly. No HDF5 here: the files
// are written through io/h5.h by ResultsWriter and app/partial_run.h.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cxsim/engine/runner.h"

namespace cxsim::engine {

// Version of the record layout; a part with another layout is refused.
// 2: idle periods, per-kind time histograms, walk counts; 3: per-segment headline and paired moments;
// 4: per-segment periods, touchpoint visits and frictions, outcomes; 5: the total walk-time groups
// are no longer filled (their walks are in the per-kind groups; VariantAccumulator::all_time_groups)
inline constexpr std::int64_t kChunkRecordLayout = 5;

// The accumulators of one chunk (every variant and every paired comparison;
// not its per-customer records or event log rows) as words. The chunk's
// accumulators must be flushed (run_chunk flushes them).
std::vector<std::int64_t> serialize_chunk(const ChunkResult& chunk);

// The inverse, for the variants and settings the chunk was run with: every
// accumulator is built for them and its state restored bit for bit. Throws
// core::InputError when the record does not fit them (another layout, another
// number of variants, periods, touchpoints, ...) or is truncated; `what`
// names the record in the message (file and dataset).
ChunkResult deserialize_chunk(const std::vector<Variant>& variants, const RunSettings& s,
                              std::span<const std::int64_t> words, const std::string& what);

// A 64-bit FNV-1a hash, as 16 hex digits: the identity digest of a partial
// run (its inputs and every setting that changes the bits).
std::string hex_digest(const std::string& text);

}  // namespace cxsim::engine
