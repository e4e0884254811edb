// Calibration speed and memory on a large event log.
//
//   bench/bench_calibrate_events [--rows N] [--memory-mb M[,M2...]] [--concurrent K] [--keep]
//                                [google-benchmark flags]
//
// 1. Generates an N-row event log (default 10 million rows) in the engine's
//    --events-out format into a temporary directory (not committed): journeys
//    of the retail-like graph below, interleaved K at a time (default 10000
//    open journeys) with a global clock, so the file is sorted by time and
//    NOT grouped by journey - the hard case for the reader.
// 2. For each memory budget M (default 32, 128 and 512 MiB), calibrates it in a
//    child process (fork) and prints wall time, rows/s and the child's peak
//    RSS (wait4 ru_maxrss): the memory bound of the streaming reader.
// 3. Runs the Google Benchmark micro-benchmarks (CSV parsing, timestamps).
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cxsim/calibrate/calibrate.h"
#include "cxsim/calibrate/csv.h"
#include "cxsim/calibrate/timestamp.h"

namespace fs = std::filesystem;
using namespace cxsim::calibrate;

namespace {

struct Tp {
  const char* id;
  const char* channel;
  double friction;
  std::vector<std::pair<int, double>> ok, fr;  // target index (>= 100: outcome 100+k)
};
// 0 search, 1 social_ad, 2 product_page, 3 checkout, 4 support_call, 5 delivery
const std::vector<Tp> kTps = {
    {"search", "web", 0.10, {{2, 0.7}, {100, 0.3}}, {{0, 0.3}, {100, 0.7}}},
    {"social_ad", "social", 0.05, {{2, 0.6}, {100, 0.4}}, {{2, 0.6}, {100, 0.4}}},
    {"product_page", "web", 0.15, {{3, 0.6}, {0, 0.1}, {100, 0.3}}, {{4, 0.5}, {100, 0.5}}},
    {"checkout", "web", 0.20, {{5, 1.0}}, {{3, 0.3}, {4, 0.4}, {100, 0.3}}},
    {"support_call", "phone", 0.25, {{3, 0.5}, {102, 0.5}}, {{103, 1.0}}},
    {"delivery", "logistics", 0.10, {{101, 1.0}}, {{4, 0.6}, {101, 0.4}}},
};
const char* kOutcomes[] = {"abandoned", "purchased", "resolved", "unresolved"};

int pick(const std::vector<std::pair<int, double>>& m, double u) {
  double c = 0;
  for (const auto& [t, p] : m) {
    c += p;
    if (u < c) return t;
  }
  return m.back().first;
}

struct Open {
  std::uint64_t customer;
  int node;
};

// Returns the number of rows written.
std::uint64_t generate(const fs::path& file, std::uint64_t rows, int concurrent, std::uint64_t seed) {
  std::FILE* f = std::fopen(file.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + file.string());
  std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
  std::fputs("customer_id,journey_id,timestamp,touchpoint,status,channel,outcome\n", f);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> U(0, 1);
  std::exponential_distribution<double> gap_ms(1.0 / 150.0);
  std::vector<Open> open;
  std::uint64_t next_customer = 0, written = 0;
  std::int64_t clock_us = cxsim::calibrate::parse_timestamp_us("2026-01-01T00:00:00Z").value();
  auto start = [&]() { return Open{next_customer++, U(rng) < 0.6 ? 0 : 1}; };
  for (int k = 0; k < concurrent; ++k) open.push_back(start());
  std::string line;
  while (written < rows) {
    const std::size_t i = static_cast<std::size_t>(U(rng) * static_cast<double>(open.size()));
    Open& j = open[i];
    const Tp& t = kTps[static_cast<std::size_t>(j.node)];
    const bool fr = U(rng) < t.friction;
    const int next = pick(fr ? t.fr : t.ok, U(rng));
    clock_us += static_cast<std::int64_t>(gap_ms(rng) * 1000);
    line = fmt::format("{},{}-0,{},{},{},{},{}\n", j.customer, j.customer, format_timestamp_ms(clock_us), t.id,
                       fr ? "friction" : "ok", t.channel, next >= 100 ? kOutcomes[next - 100] : "");
    std::fwrite(line.data(), 1, line.size(), f);
    ++written;
    if (next >= 100) j = start();
    else j.node = next;
  }
  std::fclose(f);
  return written;
}

long peak_rss_child_kib(const std::function<void()>& work, double& seconds, double& cpu_seconds, int& status) {
  std::fflush(stdout);
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    try {
      work();
      std::fflush(stdout);
      _exit(0);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      _exit(1);
    }
  }
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                1e-6 * static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
  return ru.ru_maxrss;
}

// ---------------------------------------------------------------- micro
fs::path g_micro_file;

void BM_CsvParse(benchmark::State& state) {
  std::vector<std::string> f;
  std::uint64_t bytes = 0, rows = 0;
  for (auto _ : state) {
    CsvReader r(g_micro_file.string());
    while (r.next(f)) ++rows;
    bytes += r.bytes_read();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CsvParse)->Unit(benchmark::kMillisecond);

void BM_Timestamp(benchmark::State& state) {
  const std::string a = "2026-01-01T00:03:12.345Z", b = "2011-10-11 13:45:40.276000+02:00";
  for (auto _ : state) {
    benchmark::DoNotOptimize(parse_timestamp_us(a));
    benchmark::DoNotOptimize(parse_timestamp_us(b));
  }
  state.SetItemsProcessed(2 * state.iterations());
}
BENCHMARK(BM_Timestamp);

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t rows = 10'000'000;
  std::vector<std::size_t> budgets = {32, 128, 512};
  int concurrent = 10000;
  bool keep = false;
  std::vector<char*> rest{argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rows" && i + 1 < argc) rows = std::stoull(argv[++i]);
    else if (a == "--concurrent" && i + 1 < argc) concurrent = std::stoi(argv[++i]);
    else if (a == "--keep") keep = true;
    else if (a == "--memory-mb" && i + 1 < argc) {
      budgets.clear();
      std::string s = argv[++i];
      std::size_t p = 0;
      while (p < s.size()) {
        std::size_t e = s.find(',', p);
        if (e == std::string::npos) e = s.size();
        budgets.push_back(std::stoull(s.substr(p, e - p)));
        p = e + 1;
      }
    } else rest.push_back(argv[i]);
  }
  const fs::path dir = fs::temp_directory_path() / fmt::format("cxsim-bench-calibrate-{}", ::getpid());
  fs::create_directories(dir);
  const fs::path file = dir / "events.csv";
  auto t0 = std::chrono::steady_clock::now();
  generate(file, rows, concurrent, 42);
  const double gen_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double mib = static_cast<double>(fs::file_size(file)) / (1 << 20);
  std::printf("generated %llu rows (%.0f MiB, %d journeys open at a time, sorted by time) in %.1f s: %s\n",
              static_cast<unsigned long long>(rows), mib, concurrent, gen_s, file.c_str());
  for (std::size_t budget : budgets) {
    double secs = 0, cpu = 0;
    int status = 0;
    const long rss = peak_rss_child_kib(
        [&] {
          CalibrateOptions o;
          o.events = file.string();
          o.memory_mb = budget;
          o.tmp_dir = dir.string();
          o.holdout = 0.2;
          const CalibrationResult r = calibrate(o);
          std::printf("%s", r.summary.c_str());
        },
        secs, cpu, status);
    std::printf(
        "calibrate --memory-mb %zu: %s, %.2f s wall (%.2f s CPU), %.2f M rows/s (%.2f M rows per CPU second), "
        "%.1f MiB/s, peak RSS %.1f MiB\n",
        budget, WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "ok" : "FAILED", secs, cpu,
        static_cast<double>(rows) / secs / 1e6, static_cast<double>(rows) / cpu / 1e6, mib / secs,
        static_cast<double>(rss) / 1024.0);
    std::fflush(stdout);
  }
  // Micro-benchmarks on the first 200k rows.
  {
    g_micro_file = dir / "micro.csv";
    std::FILE* in = std::fopen(file.c_str(), "rb");
    std::FILE* out = std::fopen(g_micro_file.c_str(), "wb");
    char buf[4096];
    int lines = 0;
    while (lines < 200000 && std::fgets(buf, sizeof buf, in)) {
      std::fputs(buf, out);
      ++lines;
    }
    std::fclose(in);
    std::fclose(out);
  }
  int bargc = static_cast<int>(rest.size());
  benchmark::Initialize(&bargc, rest.data());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (!keep) fs::remove_all(dir);
  return 0;
}
