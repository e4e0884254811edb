// Throughput of the per-customer kernel (walks, survey, churn) on the retail
// example: walks/s and touchpoint steps/s on one thread. No accumulator merge
// across threads here; the whole-process script measures that.
#include <benchmark/benchmark.h>

#include <string>

#include "cxsim/engine/runner.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"

namespace {

cxsim::engine::Variant load(const char* rel) {
  auto spec = cxsim::model::load_journey(std::string(CXSIM_SOURCE_DIR) + "/" + rel).spec;
  return {"baseline", "", cxsim::model::compile(spec), std::nullopt};
}

void BM_Chunk(benchmark::State& state, const char* rel) {
  std::vector<cxsim::engine::Variant> v = {load(rel)};
  cxsim::engine::RunSettings s;
  s.customers = 4096;
  s.chunk_size = 4096;
  s.periods = static_cast<int>(state.range(0));
  double walks = 0, steps = 0;
  for (auto _ : state) {
    auto r = cxsim::engine::run_chunk(v, s, 0);
    walks += r.variants[0].headline.total(cxsim::engine::kWalks);
    steps += r.variants[0].headline.total(cxsim::engine::kSteps);
    benchmark::DoNotOptimize(r);
  }
  state.counters["walks/s"] = benchmark::Counter(walks, benchmark::Counter::kIsRate);
  state.counters["steps/s"] = benchmark::Counter(steps, benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK_CAPTURE(BM_Chunk, retail, "journeys/retail.yaml")->Arg(1)->Arg(12)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Chunk, telecom, "journeys/telecom_support.yaml")->Arg(12)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
