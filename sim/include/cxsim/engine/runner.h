#pragma once
// The chunked parallel runner. Customers are cut into fixed chunks
// (RunSettings::chunk_size); each chunk fills private accumulators for every
// variant; chunks are merged strictly in chunk order. Results are therefore
// bit-identical for any number of threads, and for any split of the chunk
// range across processes as long as the per-chunk results are merged in
// chunk order (run_chunks + merge_in_order).
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "cxsim/engine/accumulators.h"
#include "cxsim/engine/simulate.h"
#include "cxsim/engine/variant.h"

namespace cxsim::engine {

// Portfolio (docs/methods/portfolio.md): the run also keeps the cross
// moments, over customers, of these scores of these variants (per customer
// the vector [score_0(v_0), score_1(v_0), ..., score_0(v_1), ...]); each
// score is a linear form (component, coefficient) of a variant's headline
// vector. They change no other number.
struct CrossScores {
  std::vector<std::uint32_t> variants;
  std::vector<std::vector<std::pair<int, double>>> scores;
  bool empty() const { return variants.empty() || scores.empty(); }
};

struct ChunkResult {
  std::uint64_t chunk = 0;
  std::vector<VariantAccumulator> variants;
  std::vector<PairedAccumulator> paired;                    // paired[v-1]: variant v vs baseline (v >= 1)
  std::vector<std::vector<CustomerRecord>> customers;       // per variant, when requested
  std::vector<std::vector<PeriodRecord>> customer_periods;  // per variant, when requested (trajectories)
  std::optional<stats::MomentAccumulator> cross;            // RunHooks::cross's scores, when asked
  std::string events_csv, surveys_csv;                      // baseline's event log rows, when requested
};

struct RunResult {
  RunSettings settings;
  std::vector<VariantAccumulator> variants;
  std::vector<PairedAccumulator> paired;
  std::optional<stats::MomentAccumulator> cross;  // RunHooks::cross's scores, when asked
  std::uint64_t chunks = 0;
};

struct RunHooks {
  // Called with (customers done, customers total), from one thread at a time.
  std::function<void(std::uint64_t, std::uint64_t)> progress;
  // Per-customer records wanted? Then on_chunk gets them, in chunk order.
  bool customer_records = false;
  // Per-customer trajectories (one PeriodRecord per active period) wanted
  // in on_chunk? Memory: a chunk's rows, only when asked for.
  bool customer_periods = false;
  // Event log rows of the baseline (calibration formats) wanted in on_chunk?
  bool event_log = false;
  std::function<void(const ChunkResult&)> on_chunk;
  // When set and not empty: keep these cross moments (ChunkResult/RunResult::cross).
  const CrossScores* cross = nullptr;
  // When set and non-zero (a signal number, written by a signal handler),
  // the run stops at the next chunk boundary: no new chunk starts, the
  // workers finish theirs, and run()/run_range() throw core::Interrupted.
  const std::atomic<int>* stop = nullptr;
};

std::uint64_t chunk_count(const RunSettings& s);

// Simulates chunk `c` (all variants). Pure: depends only on its arguments.
ChunkResult run_chunk(const std::vector<Variant>& variants, const RunSettings& s, std::uint64_t c,
                      bool customer_records = false, bool event_log = false, const CrossScores* cross = nullptr,
                      bool customer_periods = false);

// Runs chunks [first, last) in this process (using s.threads threads) and
// returns their results in chunk order, unmerged.
std::vector<ChunkResult> run_chunks(const std::vector<Variant>& variants, const RunSettings& s, std::uint64_t first,
                                    std::uint64_t last);

// Merges per-chunk results in the order given (which must be chunk order).
RunResult merge_in_order(const std::vector<Variant>& variants, const RunSettings& s,
                         const std::vector<ChunkResult>& chunks);

// The whole run: all chunks, s.threads workers, merged in chunk order as they
// complete (memory bounded by a few chunks in flight).
RunResult run(const std::vector<Variant>& variants, const RunSettings& s, const RunHooks& hooks = {});

// Merges one chunk into `into` exactly as run() does (call in chunk order,
// starting from empty_result): the merger of partial runs (engine/partial.h).
void merge_chunk(RunResult& into, const ChunkResult& chunk);

// An empty result to merge chunks into.
RunResult empty_result(const std::vector<Variant>& variants, const RunSettings& s);

// Runs chunks [first, last) like run() and merges them, in chunk order, into
// `into` (which must already hold chunks [0, first)). Growing a population
// this way gives the same bits as one run of the final size.
void run_range(const std::vector<Variant>& variants, const RunSettings& s, std::uint64_t first, std::uint64_t last,
               RunResult& into, const RunHooks& hooks = {});

// Runs chunks [first, last) like run_range but merges nothing: each chunk's
// result goes to hooks.on_chunk, in chunk order, and is then dropped (memory
// bounded by the chunks in flight). The shape a partial run (`run --chunks`)
// or a rank of a distributed run needs: the merger, elsewhere, applies
// merge_chunk in chunk order.
void stream_range(const std::vector<Variant>& variants, const RunSettings& s, std::uint64_t first, std::uint64_t last,
                  const RunHooks& hooks);

}  // namespace cxsim::engine
