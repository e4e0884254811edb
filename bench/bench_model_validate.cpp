// Loading and validating a large journey: a chain of N touchpoints (each to
// the next or to an outcome), parsed from YAML text and validated (targets,
// sums, graph). Google Benchmark fits the growth (BigO): validation must stay
// near-linear in the number of touchpoints (it was quadratic while target ids
// were looked up by a linear scan). Sizes stay under the 4 MB input limit.
// No assertion on time.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <string>

#include "cxsim/model/journey_loader.h"

namespace {

std::string chain_journey(std::size_t n) {
  std::string y = "journey: big\ntime_unit: minutes\nmax_steps: 200\nstart: {t0: 1.0}\ntouchpoints:\n";
  for (std::size_t i = 0; i < n; ++i) {
    const std::string next = i + 1 < n ? fmt::format("t{}", i + 1) : std::string("done");
    y += fmt::format("  t{}: {{channel: web, friction: 0.1, duration: {{fixed: 1}}, next: {{{}: 0.9, lost: 0.1}}}}\n",
                     i, next);
  }
  y += "outcomes:\n  done: {kind: converted}\n  lost: {kind: abandoned}\n";
  return y;
}

void BM_LoadAndValidateChain(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::string text = chain_journey(n);
  for (auto _ : state) {
    auto j = cxsim::model::load_journey_text(text, "chain.yaml");
    benchmark::DoNotOptimize(j.spec.touchpoints.size());
  }
  state.SetComplexityN(state.range(0));
  state.counters["touchpoints_per_s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_LoadAndValidateChain)
    ->Arg(2000)
    ->Arg(4000)
    ->Arg(8000)
    ->Arg(16000)
    ->Unit(benchmark::kMillisecond)
    ->Complexity();

}  // namespace

BENCHMARK_MAIN();
