// The distributed run (app/mpi_run.h; docs/distributed.md). Compiled only
// with -DCXSIM_MPI=ON: the one place that includes mpi.h.
//
// Messages, all on MPI_COMM_WORLD, from a rank to rank 0 in the order sent
// (MPI keeps the order between two ranks):
//   kTagChunk  int64 words: one chunk (see encode_chunk), in chunk order
//   kTagDone   one int: this rank sent all its chunks (or stopped as told)
//   then, with parameter draws (--uncertainty), a second stage:
//   kTagDraw   int64 words: one draw's rows (see encode_draw), in draw order
//   kTagDone   one int: this rank sent all its draws (or stopped as told)
//   kTagError  chars "CODE\nTEXT": this rank failed (exit code, message)
//   kTagStartError  the same, for a failure before the run started
// and from rank 0 to each other rank, exactly once:
//   kTagFinal  one int: 0 the run succeeded, else it failed with this exit code (stop)
#include "cxsim/app/mpi_run.h"

#include <fcntl.h>
#include <unistd.h>

// The C API only: no C++ bindings (deprecated, and noisy under -Wextra).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "cxsim/core/errors.h"
#include "cxsim/engine/partial.h"
#include "cxsim/engine/uncertainty.h"

namespace cxsim::app {

namespace {

enum Tag : int {
  kTagChunk = 101,
  kTagDone = 102,
  kTagError = 103,
  kTagStartError = 104,
  kTagFinal = 105,
  kTagDraw = 106
};

// Chunks per block (per thread of rank 0): blocks are dealt round-robin, so
// a rank simulates several contiguous chunks with its threads, then the
// next of its blocks while rank 0 merges.
constexpr std::uint64_t kBlockChunksPerThread = 4;

// A waiting rank sleeps between polls (from 20 us up to 1 ms) instead of
// spinning a core in a blocking MPI call: on an oversubscribed machine, or
// while rank 0 writes the file, a spinning rank would slow the others.
class Backoff {
 public:
  void pause() {
    std::this_thread::sleep_for(wait_);
    wait_ = std::min(wait_ * 2, std::chrono::microseconds(1000));
  }

 private:
  std::chrono::microseconds wait_{20};
};

int stop_value(const std::atomic<int>* stop) { return stop != nullptr ? stop->load() : 0; }

// Waits for a message from `source` with `tag` (MPI_ANY_TAG: any).
// Throws core::Interrupted when `stop` becomes non-zero while waiting.
MPI_Status wait_message(int source, int tag, const std::atomic<int>* stop) {
  Backoff backoff;
  while (true) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(source, tag, MPI_COMM_WORLD, &flag, &st);
    if (flag) return st;
    if (const int sig = stop_value(stop); sig != 0) throw core::Interrupted(sig);
    backoff.pause();
  }
}

void wait_request(MPI_Request& req) {
  Backoff backoff;
  while (true) {
    int flag = 0;
    MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
    if (flag) return;
    backoff.pause();
  }
}

std::vector<std::int64_t> recv_words(const MPI_Status& st) {
  int n = 0;
  MPI_Get_count(&st, MPI_INT64_T, &n);
  std::vector<std::int64_t> w(static_cast<std::size_t>(n));
  MPI_Recv(w.data(), n, MPI_INT64_T, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return w;
}

std::string recv_text(const MPI_Status& st) {
  int n = 0;
  MPI_Get_count(&st, MPI_CHAR, &n);
  std::string s(static_cast<std::size_t>(n), '\0');
  MPI_Recv(s.data(), n, MPI_CHAR, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return s;
}

int recv_int(const MPI_Status& st) {
  int v = 0;
  MPI_Recv(&v, 1, MPI_INT, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return v;
}

void send_int(int dest, int tag, int v) { MPI_Send(&v, 1, MPI_INT, dest, tag, MPI_COMM_WORLD); }

void send_text(int dest, int tag, const std::string& s) {
  MPI_Send(s.data(), static_cast<int>(s.size()), MPI_CHAR, dest, tag, MPI_COMM_WORLD);
}

// An exception as "CODE\nTEXT" (the exit code main() would give it).
std::string describe(const std::exception_ptr& err) {
  try {
    std::rethrow_exception(err);
  } catch (const core::InputError& e) {
    std::string text = e.diagnostics().empty() ? std::string(e.what()) : e.diagnostics().format();
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return fmt::format("{}\n{}", static_cast<int>(e.exit_code()), text);
  } catch (const core::Error& e) {
    return fmt::format("{}\n{}", static_cast<int>(e.exit_code()), e.what());
  } catch (const std::bad_alloc&) {
    return "1\nout of memory";
  } catch (const std::exception& e) {
    return fmt::format("1\ninternal error: {}", e.what());
  } catch (...) {
    return "1\ninternal error: unknown exception";
  }
}

int code_of(const std::string& described) { return std::atoi(described.substr(0, described.find('\n')).c_str()); }

// An error that main() maps to exit code `code`: every rank of a failed run
// exits with the same code (mpirun returns the code of the first rank to
// exit non-zero).
[[noreturn]] void throw_with_code(int code, const std::string& text) {
  if (code == static_cast<int>(core::ExitCode::bad_input)) throw core::InputError(text);
  if (code > 128) throw core::Interrupted(code - 128);
  throw core::RuntimeError(text);
}

// The error rank `rank` reported, to be rethrown (and printed) on rank 0.
[[noreturn]] void throw_reported(int rank, const std::string& described) {
  const auto nl = described.find('\n');
  throw_with_code(code_of(described),
                  fmt::format("rank {}: {}", rank, nl == std::string::npos ? std::string() : described.substr(nl + 1)));
}

// On a rank that did not fail itself: the failure, with the failed run's code
// (it prints nothing: its stderr is silenced).
std::exception_ptr another_rank_failed(int code) {
  try {
    throw_with_code(code, "another rank failed");
  } catch (...) {
    return std::current_exception();
  }
}

// One chunk as words: [L, the accumulator record (L words, engine/partial.h),
// V, then per variant: n, n customer records of 13 words, then the
// portfolio's cross moments (RunHooks::cross): 0 (none), or 1, k, count,
// then shift, sums and packed cross products, each as its length and values].
std::vector<std::int64_t> encode_chunk(const engine::ChunkResult& c, std::size_t named) {
  const std::vector<std::int64_t> record = engine::serialize_chunk(c);
  std::vector<std::int64_t> w;
  const std::size_t V = std::min(named, c.customers.size());
  std::size_t rows = 0;
  for (std::size_t v = 0; v < V; ++v) rows += c.customers[v].size();
  w.reserve(record.size() + 2 + V + 13 * rows);
  w.push_back(static_cast<std::int64_t>(record.size()));
  w.insert(w.end(), record.begin(), record.end());
  w.push_back(static_cast<std::int64_t>(V));
  auto bits = [](double x) { return std::bit_cast<std::int64_t>(x); };
  for (std::size_t v = 0; v < V; ++v) {
    w.push_back(static_cast<std::int64_t>(c.customers[v].size()));
    for (const auto& r : c.customers[v]) {
      w.insert(w.end(), {static_cast<std::int64_t>(r.customer), r.segment, bits(r.satisfaction0),
                         bits(r.churn_propensity), r.walks, r.churned_period, bits(r.satisfaction_final), bits(r.clv),
                         bits(r.cost), bits(r.effort), bits(r.time), r.responses, r.last_nps});
    }
  }
  w.push_back(c.cross ? 1 : 0);
  if (c.cross) {
    w.push_back(c.cross->size());
    w.push_back(c.cross->count());
    for (const auto part : {c.cross->raw_shift(), c.cross->raw_sums(), c.cross->raw_cross()}) {
      w.push_back(static_cast<std::int64_t>(part.size()));
      for (double x : part) w.push_back(bits(x));
    }
  }
  return w;
}

engine::ChunkResult decode_chunk(const RunPlan& plan, const std::vector<std::int64_t>& w, int source) {
  const std::string what = fmt::format("the chunk message from rank {}", source);
  auto bad = [&] { return core::RuntimeError(what + " is truncated or damaged"); };
  if (w.empty() || w[0] < 0 || static_cast<std::uint64_t>(w[0]) + 2 > w.size()) throw bad();
  const std::size_t L = static_cast<std::size_t>(w[0]);
  engine::ChunkResult c =
      engine::deserialize_chunk(plan.variants, plan.settings, std::span<const std::int64_t>(w.data() + 1, L), what);
  std::size_t i = 1 + L;
  const std::size_t V = static_cast<std::size_t>(w[i++]);
  if (V > plan.named) throw bad();
  c.customers.resize(V);
  auto dbl = [](std::int64_t x) { return std::bit_cast<double>(x); };
  for (std::size_t v = 0; v < V; ++v) {
    if (i >= w.size()) throw bad();
    const std::size_t n = static_cast<std::size_t>(w[i++]);
    if (n > (w.size() - i) / 13) throw bad();
    auto& recs = c.customers[v];
    recs.resize(n);
    for (auto& r : recs) {
      const std::int64_t* x = w.data() + i;
      r.customer = static_cast<std::uint64_t>(x[0]);
      r.segment = static_cast<int>(x[1]);
      r.satisfaction0 = dbl(x[2]);
      r.churn_propensity = dbl(x[3]);
      r.walks = static_cast<int>(x[4]);
      r.churned_period = static_cast<int>(x[5]);
      r.satisfaction_final = dbl(x[6]);
      r.clv = dbl(x[7]);
      r.cost = dbl(x[8]);
      r.effort = dbl(x[9]);
      r.time = dbl(x[10]);
      r.responses = static_cast<int>(x[11]);
      r.last_nps = static_cast<int>(x[12]);
      i += 13;
    }
  }
  if (i >= w.size()) throw bad();
  if (w[i++] != 0) {
    if (w.size() - i < 2 || w[i] < 1 || w[i] > (1 << 20)) throw bad();
    stats::MomentAccumulator m(static_cast<int>(w[i]));
    const std::int64_t count = w[i + 1];
    i += 2;
    std::vector<double> parts[3];
    const std::size_t sizes[3] = {m.raw_shift().size(), m.raw_sums().size(), m.raw_cross().size()};
    for (int k = 0; k < 3; ++k) {
      if (i >= w.size() || static_cast<std::uint64_t>(w[i]) != sizes[k] || w.size() - i - 1 < sizes[k]) throw bad();
      ++i;
      for (std::size_t j = 0; j < sizes[k]; ++j) parts[k].push_back(dbl(w[i++]));
    }
    m.restore(count, parts[0], parts[1], parts[2]);
    c.cross = std::move(m);
  }
  if (i != w.size()) throw bad();
  return c;
}

// What every rank must agree on: the population, the seed and the inputs'
// texts (a rank on a machine with other input files would merge garbage).
std::uint64_t plan_fingerprint(const RunPlan& plan) {
  const auto& s = plan.settings;
  const std::string text = fmt::format("{} {} {} {} {} {} {}\n{}\n--\n{}", s.customers, s.chunk_size, s.periods, s.seed,
                                       plan.variants.size(), plan.named, plan.uncertainty_draws,
                                       plan.provenance.journey_yaml, plan.provenance.scenario_yaml);
  return std::stoull(engine::hex_digest(text), nullptr, 16);
}

// A test hook for the fault tests (tests/e2e/e2e_mpi.sh), read from the
// environment: CXSIM_MPI_TEST_FAULT=R:throw|input|kill makes rank R fail at
// its first chunk (a runtime error, a bad-input error, SIGKILL); R:draw at
// its first parameter draw (a runtime error).
struct Fault {
  int rank = -1;
  std::string kind;
};

Fault fault_from_environment() {
  Fault f;
  const char* v = std::getenv("CXSIM_MPI_TEST_FAULT");
  if (v == nullptr) return f;
  const std::string s(v);
  const auto colon = s.find(':');
  if (colon == std::string::npos) return f;
  f.rank = std::atoi(s.substr(0, colon).c_str());
  f.kind = s.substr(colon + 1);
  return f;
}

// One parameter draw d alone (engine::run_uncertainty of that draw, with
// settings(d).threads threads): its rows hold one estimate and one variance.
engine::UncertaintySummary one_draw(std::uint64_t d, const engine::DrawVariants& make,
                                    const engine::DrawSettings& settings, const std::atomic<int>* stop) {
  return engine::run_uncertainty(
      1, [&](std::uint64_t) { return make(d); }, [&](std::uint64_t) { return settings(d); }, {}, stop, nullptr);
}

// A one-draw summary's rows (every variant's, then every comparison's), as
// (estimate, variance) pairs.
std::vector<double> draw_values(const engine::UncertaintySummary& one) {
  std::vector<double> v;
  for (const auto* group : {&one.variants, &one.comparisons})
    for (const auto& rows : *group)
      for (const auto& r : rows) {
        v.push_back(r.estimates.at(0));
        v.push_back(r.inner_var.at(0));
      }
  return v;
}

// One draw as words: [d, n, then n doubles by their bits (draw_values)].
std::vector<std::int64_t> encode_draw(std::uint64_t d, const std::vector<double>& values) {
  std::vector<std::int64_t> w;
  w.reserve(values.size() + 2);
  w.push_back(static_cast<std::int64_t>(d));
  w.push_back(static_cast<std::int64_t>(values.size()));
  for (double x : values) w.push_back(std::bit_cast<std::int64_t>(x));
  return w;
}

// The summary of every draw, shaped by draw 0 (as engine::run_uncertainty):
// each row sized for all draws, each draw's values stored at its index.
class DrawSummary {
 public:
  DrawSummary(std::uint64_t draws, const engine::UncertaintySummary& first, const engine::DrawInputs* inputs) {
    out_.draws = draws;
    out_.variant_names = first.variant_names;
    const auto shape = [&](const std::vector<std::vector<engine::MetricDraws>>& from,
                           std::vector<std::vector<engine::MetricDraws>>& to) {
      for (const auto& rows : from) {
        auto& t = to.emplace_back();
        for (const auto& r : rows) t.push_back({r.metric, std::vector<double>(draws), std::vector<double>(draws)});
        values_ += 2 * rows.size();
      }
    };
    shape(first.variants, out_.variants);
    shape(first.comparisons, out_.comparisons);
    if (inputs != nullptr && inputs->values) {
      inputs_ = inputs;
      out_.input_names = inputs->names;
      out_.inputs.assign(inputs->names.size(), std::vector<double>(draws));
    }
  }
  std::size_t values() const { return values_; }
  // Stores draw d's values (draw_values); false when they do not fit the shape.
  bool store(std::uint64_t d, std::span<const double> v) {
    if (v.size() != values_ || d >= out_.draws) return false;
    std::size_t i = 0;
    for (auto* group : {&out_.variants, &out_.comparisons})
      for (auto& rows : *group)
        for (auto& r : rows) {
          r.estimates[d] = v[i++];
          r.inner_var[d] = v[i++];
        }
    if (inputs_ != nullptr && !out_.inputs.empty()) {
      const std::vector<double> x = inputs_->values(d);
      for (std::size_t k = 0; k < out_.inputs.size(); ++k) out_.inputs[k][d] = k < x.size() ? x[k] : std::nan("");
    }
    return true;
  }
  engine::UncertaintySummary take() { return std::move(out_); }

 private:
  engine::UncertaintySummary out_;
  std::size_t values_ = 0;
  const engine::DrawInputs* inputs_ = nullptr;
};

}  // namespace

struct MpiRun::State {
  int rank = 0, ranks = 1;
  int phase = 0;  // 0 before start(), 1 running, 2 settled (the outcome known everywhere)
  std::uint64_t block = 1;
  // Ranks other than 0: the verdict from rank 0 (kTagFinal), once received.
  bool final_received = false;
  int final_verdict = 0;
  // Rank 0: ranks whose kTagDone or kTagError has arrived.
  std::vector<char> settled;

  // Ranks other than 0: takes rank 0's verdict when it has arrived.
  bool poll_final() {
    if (final_received) return true;
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(0, kTagFinal, MPI_COMM_WORLD, &flag, &st);
    if (!flag) return false;
    final_verdict = recv_int(st);
    final_received = true;
    return true;
  }

  // Collective: every rank reports whether it got to start() (ok) and with
  // which plan; the first failing rank's error is rethrown on rank 0.
  void sync(bool ok, std::uint64_t fingerprint, std::uint64_t my_block, const std::exception_ptr& own) {
    std::int64_t mine[3] = {ok ? 1 : 0, static_cast<std::int64_t>(fingerprint), static_cast<std::int64_t>(my_block)};
    std::vector<std::int64_t> all(3 * static_cast<std::size_t>(ranks));
    MPI_Allgather(mine, 3, MPI_INT64_T, all.data(), 3, MPI_INT64_T, MPI_COMM_WORLD);
    int failing = -1;
    bool mismatch = false;
    for (int r = 0; r < ranks && failing < 0; ++r) {
      if (all[3 * r] == 0) failing = r;
      else if (all[0] != 0 && all[3 * r + 1] != all[1]) failing = r, mismatch = true;
    }
    if (failing < 0) {
      block = static_cast<std::uint64_t>(all[2]);
      phase = 1;
      return;
    }
    phase = 2;
    int code = mismatch ? static_cast<int>(core::ExitCode::bad_input) : rank == failing ? code_of(describe(own)) : 0;
    if (!mismatch) MPI_Bcast(&code, 1, MPI_INT, failing, MPI_COMM_WORLD);
    if (rank == failing && failing != 0 && !mismatch) send_text(0, kTagStartError, describe(own));
    if (own) std::rethrow_exception(own);
    if (rank != 0) std::rethrow_exception(another_rank_failed(code));
    if (mismatch)
      throw core::InputError(fmt::format(
          "rank {} loaded another run than rank 0 (other input files or options on its machine?): every rank must "
          "read the same journey and scenario",
          failing));
    throw_reported(failing, recv_text(wait_message(failing, kTagStartError, nullptr)));
  }

  // Rank 0 after a failure: tells every rank to stop, then receives and
  // drops what they still send until each has said it is done (so none is
  // left blocked in a send). Gives up at once when a signal is pending.
  void stop_and_drain(int code, const std::atomic<int>* stop) {
    for (int r = 1; r < ranks; ++r) send_int(r, kTagFinal, code);
    for (int r = 1; r < ranks; ++r) {
      while (!settled[static_cast<std::size_t>(r)]) {
        MPI_Status st;
        try {
          st = wait_message(r, MPI_ANY_TAG, stop);
        } catch (const core::Interrupted&) {
          return;
        }
        if (st.MPI_TAG == kTagChunk || st.MPI_TAG == kTagDraw) recv_words(st);
        else if (st.MPI_TAG == kTagDone) recv_int(st), settled[static_cast<std::size_t>(r)] = 1;
        else if (st.MPI_TAG == kTagError) recv_text(st), settled[static_cast<std::size_t>(r)] = 1;
        else recv_text(st);
      }
    }
  }
};

MpiRun::MpiRun(int rank, int ranks) : st_(std::make_unique<State>()) {
  st_->rank = rank;
  st_->ranks = ranks;
  st_->settled.assign(static_cast<std::size_t>(ranks), 0);
}

MpiRun::~MpiRun() { MPI_Finalize(); }

int MpiRun::rank() const { return st_->rank; }
int MpiRun::ranks() const { return st_->ranks; }

std::unique_ptr<MpiRun> MpiRun::start_if_launched() {
  if (std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr && std::getenv("PMIX_RANK") == nullptr &&
      std::getenv("PMI_RANK") == nullptr)
    return nullptr;
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS)
    throw core::RuntimeError("MPI_Init_thread failed");
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  std::unique_ptr<MpiRun> m(new MpiRun(rank, ranks));
  if (provided < MPI_THREAD_SERIALIZED)
    throw core::RuntimeError(
        "the MPI library does not support MPI_THREAD_SERIALIZED (needed: the rank's threads "
        "send their chunks one at a time)");
  // One voice: rank 0 prints the warnings, the progress bar, the tables and
  // the one error message; the other ranks' are dropped.
  if (rank != 0) {
    const int devnull = ::open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
      ::dup2(devnull, STDOUT_FILENO);
      ::dup2(devnull, STDERR_FILENO);
      ::close(devnull);
    }
  }
  return m;
}

int MpiRun::guard(const std::function<int()>& body) {
  State& s = *st_;
  std::exception_ptr err;
  int rc = 0;
  try {
    rc = body();
  } catch (...) {
    err = std::current_exception();
  }
  try {
    if (s.phase == 0) {
      // Failed (or returned) before start(): every rank still meets in sync.
      s.sync(!err, 0, 0, err);
    } else if (s.phase == 1) {
      const bool ok = !err && rc == 0;
      if (s.rank == 0) {
        if (ok) {
          for (int r = 1; r < s.ranks; ++r) send_int(r, kTagFinal, 0);
        } else {
          s.stop_and_drain(err ? code_of(describe(err)) : rc, nullptr);
        }
      } else {
        Backoff backoff;
        while (!s.poll_final()) backoff.pause();
        if (s.final_verdict != 0 && !err) err = another_rank_failed(s.final_verdict);
      }
      s.phase = 2;
    }
  } catch (...) {
    if (!err) err = std::current_exception();
  }
  if (err) std::rethrow_exception(err);
  return rc;
}

void MpiRun::start(const RunPlan& plan, bool event_log, bool partial) {
  if (partial)
    throw core::InputError(
        "--chunks: a partial run is one process's share of an array job; under mpirun the ranks "
        "share the chunks themselves (drop --chunks)");
  if (event_log) throw core::InputError("--events-out is not available under mpirun yet (run it in one process)");
  if (plan.precision.present)
    throw core::InputError(
        "the scenario sets a precision target, which decides the population while it runs; a run under mpirun needs "
        "a fixed population (remove `precision`, or run in one process)");
  const std::uint64_t block = kBlockChunksPerThread * static_cast<std::uint64_t>(std::max(1, plan.settings.threads));
  st_->sync(true, plan_fingerprint(plan), block, nullptr);
}

void MpiRun::work(const RunPlan& plan, bool customer_records, const std::atomic<int>* stop) {
  State& st = *st_;
  const engine::RunSettings& s = plan.settings;
  const std::uint64_t n = engine::chunk_count(s);
  const std::uint64_t B = st.block;
  const std::size_t window = static_cast<std::size_t>(2 * B);  // chunks sent but not yet received, at most
  const Fault fault = fault_from_environment();
  struct Pending {
    MPI_Request request = MPI_REQUEST_NULL;
    std::vector<std::int64_t> words;
  };
  std::deque<Pending> sends;
  auto complete_sends = [&](std::size_t keep) {
    while (sends.size() > keep) {
      wait_request(sends.front().request);
      sends.pop_front();
    }
  };
  std::atomic<int> halt{0};
  engine::RunHooks h;
  h.customer_records = customer_records;
  h.stop = &halt;
  if (plan.portfolio.present && !plan.portfolio.cross.empty()) h.cross = &plan.portfolio.cross;
  bool first_chunk = true;
  h.on_chunk = [&](const engine::ChunkResult& c) {
    if (const int sig = stop_value(stop); sig != 0) halt = sig;
    if (st.poll_final()) halt = SIGTERM;  // rank 0 failed: stop
    if (halt != 0) return;
    if (first_chunk && fault.rank == st.rank && fault.kind != "draw") {
      if (fault.kind == "kill") ::raise(SIGKILL);
      if (fault.kind == "input")
        throw core::InputError(fmt::format("injected bad input at chunk {} (CXSIM_MPI_TEST_FAULT)", c.chunk));
      throw core::RuntimeError(fmt::format("injected failure at chunk {} (CXSIM_MPI_TEST_FAULT)", c.chunk));
    }
    first_chunk = false;
    sends.emplace_back();
    Pending& p = sends.back();
    p.words = encode_chunk(c, plan.named);
    MPI_Isend(p.words.data(), static_cast<int>(p.words.size()), MPI_INT64_T, 0, kTagChunk, MPI_COMM_WORLD, &p.request);
    complete_sends(window);
  };
  try {
    for (std::uint64_t b = static_cast<std::uint64_t>(st.rank); b * B < n; b += static_cast<std::uint64_t>(st.ranks)) {
      engine::stream_range(plan.variants, s, b * B, std::min(n, (b + 1) * B), h);
    }
    complete_sends(0);
    send_int(0, kTagDone, 0);
  } catch (...) {
    const std::exception_ptr err = std::current_exception();
    complete_sends(0);                                 // rank 0 receives them (in order, or while draining)
    if (st.final_received && st.final_verdict != 0) {  // stopped as told: rank 0's failure, rank 0's code
      send_int(0, kTagDone, 1);
      std::rethrow_exception(another_rank_failed(st.final_verdict));
    }
    send_text(0, kTagError, describe(err));
    std::rethrow_exception(err);
  }
}

engine::RunResult MpiRun::execute_root(const RunPlan& plan, const engine::RunHooks& hooks) {
  State& st = *st_;
  const engine::RunSettings& s = plan.settings;
  const std::uint64_t n = engine::chunk_count(s);
  const std::uint64_t B = st.block;
  const int K = st.ranks;
  engine::RunResult result = engine::empty_result(plan.variants, s);
  std::uint64_t done = 0;
  auto merge = [&](const engine::ChunkResult& c) {
    engine::merge_chunk(result, c);
    if (hooks.on_chunk) hooks.on_chunk(c);
    const std::uint64_t first = c.chunk * s.chunk_size;
    done += std::min(s.customers, first + s.chunk_size) - first;
    if (hooks.progress) hooks.progress(done, s.customers);
  };
  engine::RunHooks own;
  own.customer_records = hooks.customer_records;
  own.stop = hooks.stop;
  if (plan.portfolio.present && !plan.portfolio.cross.empty()) own.cross = &plan.portfolio.cross;
  own.on_chunk = merge;
  for (std::uint64_t b = 0; b * B < n; ++b) {
    const std::uint64_t first = b * B, last = std::min(n, first + B);
    const int owner = static_cast<int>(b % static_cast<std::uint64_t>(K));
    if (owner == 0) {
      engine::stream_range(plan.variants, s, first, last, own);
      continue;
    }
    for (std::uint64_t c = first; c < last; ++c) {
      const MPI_Status m = wait_message(owner, MPI_ANY_TAG, hooks.stop);
      if (m.MPI_TAG == kTagError) {
        st.settled[static_cast<std::size_t>(owner)] = 1;
        throw_reported(owner, recv_text(m));
      }
      if (m.MPI_TAG == kTagDone) {
        recv_int(m);
        st.settled[static_cast<std::size_t>(owner)] = 1;
        throw core::RuntimeError(fmt::format("rank {} stopped before sending chunk {}", owner, c));
      }
      if (m.MPI_TAG != kTagChunk)
        throw core::RuntimeError(fmt::format("unexpected message (tag {}) from rank {}", m.MPI_TAG, owner));
      const engine::ChunkResult chunk = decode_chunk(plan, recv_words(m), owner);
      if (chunk.chunk != c)
        throw core::RuntimeError(
            fmt::format("rank {} sent chunk {} where chunk {} was next (protocol error)", owner, chunk.chunk, c));
      merge(chunk);
    }
  }
  for (int r = 1; r < K; ++r) {
    const MPI_Status m = wait_message(r, MPI_ANY_TAG, hooks.stop);
    st.settled[static_cast<std::size_t>(r)] = 1;
    if (m.MPI_TAG == kTagError) throw_reported(r, recv_text(m));
    if (m.MPI_TAG != kTagDone) {
      st.settled[static_cast<std::size_t>(r)] = 0;
      throw core::RuntimeError(fmt::format("rank {} sent more chunks than it was given (protocol error)", r));
    }
    recv_int(m);
  }
  return result;
}

DrawRunner MpiRun::draw_runner() {
  return [this](std::uint64_t draws, const engine::DrawVariants& make, const engine::DrawSettings& settings,
                const std::function<void(std::uint64_t, std::uint64_t)>& progress, const std::atomic<int>* stop,
                const engine::DrawInputs* inputs) -> engine::UncertaintySummary {
    State& st = *st_;
    const auto K = static_cast<std::uint64_t>(st.ranks);
    const auto me = static_cast<std::uint64_t>(st.rank);
    if (draws == 0) return engine::UncertaintySummary{};
    const Fault fault = fault_from_environment();
    auto inject = [&](std::uint64_t d) {
      if (fault.rank == st.rank && fault.kind == "draw")
        throw core::RuntimeError(fmt::format("injected failure at parameter draw {} (CXSIM_MPI_TEST_FAULT)", d));
    };
    if (!root()) {
      struct Pending {
        MPI_Request request = MPI_REQUEST_NULL;
        std::vector<std::int64_t> words;
      };
      std::deque<Pending> sends;
      auto complete_sends = [&](bool all) {
        while (!sends.empty()) {
          if (all) {
            wait_request(sends.front().request);
          } else {
            int flag = 0;
            MPI_Test(&sends.front().request, &flag, MPI_STATUS_IGNORE);
            if (!flag) return;
          }
          sends.pop_front();
        }
      };
      try {
        for (std::uint64_t d = me; d < draws; d += K) {
          if (const int sig = stop_value(stop); sig != 0) throw core::Interrupted(sig);
          if (st.poll_final()) break;  // rank 0 failed: stop
          inject(d);
          const std::vector<double> v = draw_values(one_draw(d, make, settings, stop));
          sends.emplace_back();
          Pending& p = sends.back();
          p.words = encode_draw(d, v);
          MPI_Isend(p.words.data(), static_cast<int>(p.words.size()), MPI_INT64_T, 0, kTagDraw, MPI_COMM_WORLD,
                    &p.request);
          complete_sends(false);
        }
        complete_sends(true);
        const bool told = st.final_received && st.final_verdict != 0;
        send_int(0, kTagDone, told ? 1 : 0);  // told to stop: guard() takes rank 0's verdict
      } catch (...) {
        const std::exception_ptr err = std::current_exception();
        complete_sends(true);
        if (st.final_received && st.final_verdict != 0) {
          send_int(0, kTagDone, 1);
          std::rethrow_exception(another_rank_failed(st.final_verdict));
        }
        send_text(0, kTagError, describe(err));
        std::rethrow_exception(err);
      }
      return engine::UncertaintySummary{};
    }
    // Rank 0: every rank owes a kTagDone again (stop_and_drain waits for it).
    for (int r = 1; r < st.ranks; ++r) st.settled[static_cast<std::size_t>(r)] = 0;
    std::uint64_t done = 0;
    auto count = [&] {
      ++done;
      if (progress) progress(done, draws);
    };
    std::optional<DrawSummary> summary;
    for (std::uint64_t d = 0; d < draws; d += K) {
      if (const int sig = stop_value(stop); sig != 0) throw core::Interrupted(sig);
      inject(d);
      const engine::UncertaintySummary one = one_draw(d, make, settings, stop);
      if (!summary) summary.emplace(draws, one, inputs);
      if (!summary->store(d, draw_values(one)))
        throw core::RuntimeError(fmt::format("internal: parameter draw {} changed the variant or metric list", d));
      count();
    }
    for (int r = 1; r < st.ranks; ++r) {
      for (std::uint64_t d = static_cast<std::uint64_t>(r); d < draws; d += K) {
        const MPI_Status m = wait_message(r, MPI_ANY_TAG, stop);
        if (m.MPI_TAG == kTagError) {
          st.settled[static_cast<std::size_t>(r)] = 1;
          throw_reported(r, recv_text(m));
        }
        if (m.MPI_TAG == kTagDone) {
          recv_int(m);
          st.settled[static_cast<std::size_t>(r)] = 1;
          throw core::RuntimeError(fmt::format("rank {} stopped before sending parameter draw {}", r, d));
        }
        if (m.MPI_TAG != kTagDraw)
          throw core::RuntimeError(fmt::format("unexpected message (tag {}) from rank {}", m.MPI_TAG, r));
        const std::vector<std::int64_t> w = recv_words(m);
        if (w.size() < 2 || static_cast<std::uint64_t>(w[0]) != d || w[1] < 0 ||
            static_cast<std::size_t>(w[1]) + 2 != w.size())
          throw core::RuntimeError(
              fmt::format("rank {} sent a damaged parameter draw where draw {} was next (protocol error)", r, d));
        std::vector<double> v(w.size() - 2);
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::bit_cast<double>(w[i + 2]);
        if (!summary->store(d, v))
          throw core::RuntimeError(fmt::format("parameter draw {} from rank {} does not fit draw 0's rows", d, r));
        count();
      }
    }
    for (int r = 1; r < st.ranks; ++r) {
      const MPI_Status m = wait_message(r, MPI_ANY_TAG, stop);
      st.settled[static_cast<std::size_t>(r)] = 1;
      if (m.MPI_TAG == kTagError) throw_reported(r, recv_text(m));
      if (m.MPI_TAG != kTagDone) {
        st.settled[static_cast<std::size_t>(r)] = 0;
        throw core::RuntimeError(
            fmt::format("rank {} sent more parameter draws than it was given (protocol error)", r));
      }
      recv_int(m);
    }
    return summary->take();
  };
}

}  // namespace cxsim::app
