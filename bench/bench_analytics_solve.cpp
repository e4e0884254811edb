// Exact analytics on a large journey: a random sparse journey of 10,000
// touchpoints (2-5 successors each, ~5% of each touchpoint's mass to
// outcomes), built directly as a CompiledModel and solved with the sparse LU
// path. Two graph shapes: successors drawn uniformly over all touchpoints
// ("random", the worst case for LU fill-in) and near the touchpoint in stage
// order ("local", like a real journey's funnel). No assertion on time.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "cxsim/analytics/absorbing_chain.h"
#include "cxsim/model/compiled_model.h"

namespace {

using cxsim::model::Categorical;
using cxsim::model::CompiledModel;

CompiledModel random_journey(std::size_t T, bool local, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  CompiledModel m;
  m.name = local ? "local" : "random";
  m.time_unit = "minutes";
  m.max_steps = 1000;
  const std::size_t C = 6;
  for (std::size_t c = 0; c < C; ++c) m.channels.push_back(fmt::format("ch{}", c));
  for (std::size_t k = 0; k < T; ++k) {
    m.touchpoint_ids.push_back(fmt::format("t{}", k));
    m.touchpoint_stage.push_back("");
    m.touchpoint_channel.push_back(static_cast<std::uint16_t>(rng() % C));
  }
  m.outcome_ids = {"converted", "abandoned"};
  m.kinds = {"converted", "abandoned", "timeout"};
  m.outcome_kind = {0, 1, 2};
  m.outcome_value = {50.0, 0.0, 0.0};
  const auto converted = static_cast<std::uint32_t>(T), abandoned = static_cast<std::uint32_t>(T + 1);

  auto add_map = [&m](const std::vector<std::pair<std::uint32_t, double>>& entries) {
    Categorical c{static_cast<std::uint32_t>(m.cum.size()), 0};
    double total = 0, acc = 0;
    for (const auto& e : entries) total += e.second;
    for (const auto& [t, p] : entries) {
      acc += p / total;
      m.cum.push_back(acc);
      m.prob.push_back(p / total);
      m.target.push_back(t);
      ++c.count;
    }
    m.cum.back() = 1.0;
    return c;
  };
  auto successor = [&](std::size_t k) -> std::uint32_t {
    if (!local) return static_cast<std::uint32_t>(rng() % T);
    // Mostly forward within a window, sometimes back.
    const long off = static_cast<long>(rng() % 60) - 15;
    long j = static_cast<long>(k) + (off == 0 ? 1 : off);
    j = std::max(0L, std::min(static_cast<long>(T) - 1, j));
    return static_cast<std::uint32_t>(j);
  };
  auto touchpoint_map = [&](std::size_t k, double out_mass) {
    std::vector<std::pair<std::uint32_t, double>> e;
    const int succ = 2 + static_cast<int>(rng() % 4);
    for (int i = 0; i < succ; ++i) e.emplace_back(successor(k), (1 - out_mass) * (0.2 + u(rng)));
    double s = 0;
    for (auto& x : e) s += x.second;
    for (auto& x : e) x.second *= (1 - out_mass) / s;
    const double conv = out_mass * u(rng);
    e.emplace_back(converted, conv);
    e.emplace_back(abandoned, out_mass - conv);
    return add_map(e);
  };

  std::vector<std::pair<std::uint32_t, double>> start;
  for (int i = 0; i < 20; ++i)
    start.emplace_back(static_cast<std::uint32_t>(local ? rng() % 200 : rng() % T), u(rng) + 0.1);
  m.start = add_map(start);
  m.segment_cum_share = {1.0};
  cxsim::model::CompiledSegment seg;
  seg.id = "all";
  seg.share = 1.0;
  for (std::size_t k = 0; k < T; ++k) {
    cxsim::model::CompiledTouchpoint t;
    t.friction = 0.3 * u(rng);
    t.sat_ok = u(rng);
    t.sat_fr = -2 * u(rng);
    t.eff_ok = u(rng);
    t.eff_fr = 3 * u(rng);
    t.dur_ok.mean = 5 * u(rng);
    t.dur_fr.mean = 15 * u(rng);
    t.cost = u(rng) < 0.2 ? 5 * u(rng) : 0;
    t.next_ok = touchpoint_map(k, 0.02 + 0.06 * u(rng));
    t.next_fr = touchpoint_map(k, 0.05 + 0.10 * u(rng));
    t.channel = m.touchpoint_channel[k];
    seg.tp.push_back(t);
  }
  m.segments.push_back(std::move(seg));
  return m;
}

// arg0: touchpoints, arg1: 0 random / 1 local, arg2: 0 expectations only,
// 1 + sensitivities, 2 + removal effects (one extra solve per touchpoint),
// arg3: 0 sparse LU / 1 iterative (BiCGSTAB).
void BM_AnalyzeLarge(benchmark::State& state) {
  const auto T = static_cast<std::size_t>(state.range(0));
  const bool local = state.range(1) == 1;
  const int level = static_cast<int>(state.range(2));
  const bool iterative = state.range(3) == 1;
  const CompiledModel m = random_journey(T, local, 42);
  cxsim::analytics::AnalyzeOptions opt;
  opt.solver = iterative ? cxsim::analytics::AnalyzeOptions::Solver::iterative
                         : cxsim::analytics::AnalyzeOptions::Solver::sparse;
  opt.sensitivities = level >= 1;
  opt.removal = level >= 2;
  std::vector<double> kinds;
  std::string solver;
  for (auto _ : state) {
    const auto a = cxsim::analytics::analyze(m, opt);
    benchmark::DoNotOptimize(a);
    kinds = a.population.kind_prob;
    solver = a.solver.front();
  }
  state.counters["touchpoints"] = static_cast<double>(T);
  state.counters["p_converted"] = kinds.at(0);
  state.SetLabel(std::string(local ? "local " : "random ") + solver +
                 (level == 0   ? " expectations"
                  : level == 1 ? " +sensitivities"
                               : " +removal"));
}

BENCHMARK(BM_AnalyzeLarge)
    ->Args({10000, 1, 0, 0})
    ->Args({10000, 1, 1, 0})
    ->Args({10000, 1, 2, 0})
    ->Args({10000, 0, 1, 0})
    ->Args({10000, 1, 1, 1})
    ->Args({10000, 0, 1, 1})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

// The dense path at its limit, for comparison.
void BM_AnalyzeDense300(benchmark::State& state) {
  const CompiledModel m = random_journey(300, state.range(0) == 1, 7);
  cxsim::analytics::AnalyzeOptions opt;
  opt.solver = cxsim::analytics::AnalyzeOptions::Solver::dense;
  for (auto _ : state) {
    const auto a = cxsim::analytics::analyze(m, opt);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_AnalyzeDense300)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// A journey of `segments` segments with the same chain (they differ only in
// share, as segments that override retention or the satisfaction start do):
// one solve serves them all.
CompiledModel with_segments(CompiledModel m, std::size_t segments) {
  const auto seg = m.segments.front();
  m.segments.clear();
  m.segment_cum_share.clear();
  for (std::size_t s = 0; s < segments; ++s) {
    m.segments.push_back(seg);
    m.segments.back().id = fmt::format("s{}", s);
    m.segments.back().share = 1.0 / static_cast<double>(segments);
    m.segment_cum_share.push_back(static_cast<double>(s + 1) / static_cast<double>(segments));
  }
  return m;
}

// arg0: segments. 10,000 touchpoints, local, sparse LU, + sensitivities.
void BM_AnalyzeSegments(benchmark::State& state) {
  const CompiledModel m = with_segments(random_journey(10000, true, 42), static_cast<std::size_t>(state.range(0)));
  cxsim::analytics::AnalyzeOptions opt;
  opt.solver = cxsim::analytics::AnalyzeOptions::Solver::sparse;
  opt.removal = false;
  for (auto _ : state) {
    const auto a = cxsim::analytics::analyze(m, opt);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_AnalyzeSegments)->Arg(1)->Arg(4)->Unit(benchmark::kMillisecond)->Iterations(1);

// `cxsim analyze`'s friction ranking: one re-solve per touchpoint with
// friction. arg0: touchpoints (dense path), arg1: segments.
void BM_FrictionRanking(benchmark::State& state) {
  const CompiledModel m = with_segments(random_journey(static_cast<std::size_t>(state.range(0)), true, 7),
                                        static_cast<std::size_t>(state.range(1)));
  cxsim::analytics::AnalyzeOptions opt;
  opt.removal = false;
  const auto a = cxsim::analytics::analyze(m, opt);
  for (auto _ : state) {
    const auto r = cxsim::analytics::friction_ranking(m, a, 0.5, opt);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_FrictionRanking)->Args({100, 1})->Args({100, 3})->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
