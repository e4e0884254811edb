#include "cxsim/engine/runner.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "cxsim/core/errors.h"
#include "cxsim/engine/event_log.h"
#include "cxsim/engine/queue.h"
#include <optional>

namespace cxsim::engine {

RunResult empty_result(const std::vector<Variant>& variants, const RunSettings& s) {
  RunResult r;
  r.settings = s;
  for (const auto& v : variants) r.variants.emplace_back(v.model, s.periods, s.path_capacity, v.lean, v.lean_pairs);
  for (std::size_t v = 1; v < variants.size(); ++v)
    r.paired.emplace_back(variants.front().model, variants[v].lean, variants[v].lean_pairs);
  return r;
}

namespace {

void run_range_into(const std::vector<Variant>& variants, const RunSettings& s, std::uint64_t first_chunk,
                    std::uint64_t last_chunk, RunResult* into, const RunHooks& hooks);

void merge_into(RunResult& r, const ChunkResult& c) {
  for (std::size_t v = 0; v < r.variants.size(); ++v) r.variants[v].merge(c.variants[v]);
  for (std::size_t v = 0; v < r.paired.size(); ++v) r.paired[v].merge(c.paired[v]);
  if (c.cross) {
    if (r.cross) r.cross->merge(*c.cross);
    else r.cross = *c.cross;
  }
  ++r.chunks;
}

void check(const std::vector<Variant>& variants, const RunSettings& s) {
  if (variants.empty()) throw core::RuntimeError("internal: run() needs at least one variant");
  const int k = headline_size(variants.front().model);
  for (const auto& v : variants)
    if (headline_size(v.model) != k || v.model.num_touchpoints() != variants.front().model.num_touchpoints())
      throw core::RuntimeError("internal: variant '" + v.name + "' changes the journey's shape");
  if (s.customers < 1) throw core::InputError("customers must be >= 1");
  if (s.periods < 1) throw core::InputError("periods must be >= 1");
  if (s.periods > 65535) throw core::InputError("periods must be <= 65535");
  if (s.customers > (std::uint64_t{1} << 40)) throw core::InputError("customers must be <= 2^40");
  if (s.chunk_size < 1) throw core::RuntimeError("internal: chunk_size must be >= 1");
}

// Starts threads - 1 workers (the caller is the last one). When the system
// refuses a thread, `refused` is called (under no lock) with the message,
// every started worker is joined and the error is rethrown by the caller's
// error path; never std::terminate with joinable threads.
template <class Worker, class Refused>
std::vector<std::thread> start_workers(int threads, Worker& worker, Refused refused) {
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(std::max(0, threads - 1)));
  for (int t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error& e) {
      refused(
          fmt::format("cannot start worker thread {} of {}: {} (use fewer --threads, or raise the limit on "
                      "processes/threads, ulimit -u)",
                      t + 1, threads, e.code().message()));
      for (auto& th : pool) th.join();
      pool.clear();
      return pool;
    }
  }
  return pool;
}

}  // namespace

void merge_chunk(RunResult& into, const ChunkResult& chunk) { merge_into(into, chunk); }

std::uint64_t chunk_count(const RunSettings& s) { return (s.customers + s.chunk_size - 1) / s.chunk_size; }

ChunkResult run_chunk(const std::vector<Variant>& variants_in, const RunSettings& s, std::uint64_t c,
                      bool customer_records, bool event_log, const CrossScores* cross, bool customer_periods) {
  std::vector<Variant> solved;  // the runner's entry points solve queues once; a direct call solves them here
  const std::vector<Variant>& variants = with_queues(variants_in, s, solved);
  ChunkResult out;
  if (cross != nullptr && cross->empty()) cross = nullptr;
  if (cross != nullptr)
    for (auto v : cross->variants)
      if (v >= variants.size()) throw core::RuntimeError("internal: cross scores name a variant outside the run");
  out.chunk = c;
  const std::size_t V = variants.size();
  for (const auto& v : variants) out.variants.emplace_back(v.model, s.periods, s.path_capacity, v.lean, v.lean_pairs);
  const int k = headline_size(variants.front().model);
  for (std::size_t v = 1; v < V; ++v)
    out.paired.emplace_back(variants.front().model, variants[v].lean, variants[v].lean_pairs);
  if (customer_records) out.customers.resize(V);
  if (customer_periods) out.customer_periods.resize(V);

  std::vector<CustomerScratch> scratch;
  for (const auto& v : variants) scratch.emplace_back(v.model, s.periods);
  std::vector<double> joint(static_cast<std::size_t>(2 * k));
  std::optional<ChunkEventBuffer> ev;
  EventSink sink;
  if (event_log) {
    ev.emplace(variants.front().model, s.seed);
    sink = ev->sink();
  }
  const std::uint64_t first = c * s.chunk_size;
  const std::uint64_t last = std::min(s.customers, first + s.chunk_size);
  const std::size_t n_scores = cross != nullptr ? cross->scores.size() : 0;
  std::vector<double> cross_x(cross != nullptr ? cross->variants.size() * n_scores : 0);
  if (!cross_x.empty()) out.cross.emplace(static_cast<int>(cross_x.size()));
  for (std::uint64_t i = first; i < last; ++i) {
    for (std::size_t v = 0; v < V; ++v) {
      if (customer_records) {
        CustomerRecord rec;
        simulate_customer(variants[v], s, i, out.variants[v], scratch[v], &rec, v == 0 && event_log ? &sink : nullptr,
                          customer_periods ? &out.customer_periods[v] : nullptr);
        out.customers[v].push_back(rec);
      } else {
        simulate_customer(variants[v], s, i, out.variants[v], scratch[v], nullptr,
                          v == 0 && event_log ? &sink : nullptr);
      }
      // With segments, each customer is added to its segment's moments only;
      // the pooled moments are their merge at the end of the chunk
      // (finish_chunk: one accumulation per customer, not two).
      auto& acc = out.variants[v];
      if (acc.segment_headline.empty()) acc.headline.add(scratch[v].x.data());
      else acc.segment_headline[static_cast<std::size_t>(scratch[v].segment)].add(scratch[v].x.data());
    }
    for (std::size_t v = 1; v < V; ++v) {
      std::copy(scratch[v].x.begin(), scratch[v].x.end(), joint.begin());
      std::copy(scratch[0].x.begin(), scratch[0].x.end(), joint.begin() + k);
      // Grouped by the baseline's segment: the same customers under both.
      auto& pr = out.paired[v - 1];
      if (pr.segment_joint.empty()) pr.joint.add(joint.data());
      else pr.segment_joint[static_cast<std::size_t>(scratch[0].segment)].add(joint.data());
      out.paired[v - 1].add_periods(scratch[v].period_net, scratch[0].period_net);
    }
    if (!cross_x.empty()) {
      for (std::size_t j = 0; j < cross->variants.size(); ++j)
        for (std::size_t q = 0; q < n_scores; ++q) {
          double z = 0.0;
          for (const auto& [comp, coef] : cross->scores[q])
            z += coef * scratch[cross->variants[j]].x[static_cast<std::size_t>(comp)];
          cross_x[j * n_scores + q] = z;
        }
      out.cross->add(cross_x.data());
    }
  }
  for (auto& acc : out.variants) {
    acc.finish_chunk();
  }
  for (auto& pr : out.paired)
    for (const auto& g : pr.segment_joint) pr.joint.merge(g);
  if (ev) {
    out.events_csv = std::move(ev->events);
    out.surveys_csv = std::move(ev->surveys);
  }
  return out;
}

std::vector<ChunkResult> run_chunks(const std::vector<Variant>& variants_in, const RunSettings& s, std::uint64_t first,
                                    std::uint64_t last) {
  check(variants_in, s);
  std::vector<Variant> solved;
  const std::vector<Variant>& variants = with_queues(variants_in, s, solved);
  std::vector<ChunkResult> out(last > first ? last - first : 0);
  std::atomic<std::uint64_t> next{first};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    try {
      for (std::uint64_t c = next++; c < last; c = next++) out[c - first] = run_chunk(variants, s, c);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      next = last;
    }
  };
  const int threads = std::max(1, s.threads);
  bool refused = false;
  std::vector<std::thread> pool = start_workers(threads, worker, [&](const std::string& msg) {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (!error) error = std::make_exception_ptr(core::RuntimeError(msg));
    next = last;
    refused = true;
  });
  if (!refused) worker();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  return out;
}

RunResult merge_in_order(const std::vector<Variant>& variants, const RunSettings& s,
                         const std::vector<ChunkResult>& chunks) {
  RunResult r = empty_result(variants, s);
  for (const auto& c : chunks) merge_into(r, c);
  return r;
}

RunResult run(const std::vector<Variant>& variants, const RunSettings& s, const RunHooks& hooks) {
  check(variants, s);
  RunResult result = empty_result(variants, s);
  run_range(variants, s, 0, chunk_count(s), result, hooks);
  return result;
}

void run_range(const std::vector<Variant>& variants_in, const RunSettings& s, std::uint64_t first_chunk,
               std::uint64_t last_chunk, RunResult& result, const RunHooks& hooks) {
  check(variants_in, s);
  std::vector<Variant> solved;  // queues solved once, before any customer (utilisation errors first)
  const std::vector<Variant>& variants = with_queues(variants_in, s, solved);
  if (result.chunks != first_chunk)
    throw core::RuntimeError("internal: run_range must continue where the result stopped");
  result.settings = s;
  run_range_into(variants, s, first_chunk, last_chunk, &result, hooks);
}

void stream_range(const std::vector<Variant>& variants_in, const RunSettings& s, std::uint64_t first_chunk,
                  std::uint64_t last_chunk, const RunHooks& hooks) {
  check(variants_in, s);
  std::vector<Variant> solved;
  const std::vector<Variant>& variants = with_queues(variants_in, s, solved);
  run_range_into(variants, s, first_chunk, last_chunk, nullptr, hooks);
}

namespace {

// run_range and stream_range: chunks [first_chunk, last_chunk) on s.threads
// workers, handed to hooks.on_chunk (and merged into `into`, when given) in
// chunk order.
void run_range_into(const std::vector<Variant>& variants, const RunSettings& s, std::uint64_t first_chunk,
                    std::uint64_t last_chunk, RunResult* into, const RunHooks& hooks) {
  const std::uint64_t n_chunks = std::min(last_chunk, chunk_count(s));
  const int threads = std::max(1, s.threads);
  const std::uint64_t window = static_cast<std::uint64_t>(2 * threads);  // chunks in flight at most

  std::mutex mutex;
  std::condition_variable cv;
  std::map<std::uint64_t, ChunkResult> pending;
  std::uint64_t next_to_merge = first_chunk;
  std::uint64_t next_to_start = first_chunk;
  bool merging = false;  // a worker is merging (only it touches result and the hooks)
  std::uint64_t customers_done = std::min(s.customers, first_chunk * s.chunk_size);
  std::exception_ptr error;
  const auto stop_signal = [&] { return hooks.stop != nullptr ? hooks.stop->load(std::memory_order_relaxed) : 0; };

  auto worker = [&] {
    while (true) {
      std::uint64_t c;
      {
        std::unique_lock<std::mutex> lock(mutex);
        cv.wait(lock, [&] {
          return error || stop_signal() != 0 || next_to_start >= n_chunks || next_to_start < next_to_merge + window;
        });
        if (!error && stop_signal() != 0) error = std::make_exception_ptr(core::Interrupted(stop_signal()));
        if (error || next_to_start >= n_chunks) {
          cv.notify_all();
          return;
        }
        c = next_to_start++;
      }
      ChunkResult r;
      try {
        r = run_chunk(variants, s, c, hooks.customer_records, hooks.event_log, hooks.cross, hooks.customer_periods);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
        cv.notify_all();
        return;
      }
      std::unique_lock<std::mutex> lock(mutex);
      pending.emplace(c, std::move(r));
      // One merger at a time, in chunk order, outside the lock: the other
      // workers only queue their chunk and go on simulating. The merger
      // looks for the next chunk under the lock before it stops, so a chunk
      // queued while it merged is never left behind.
      if (merging) {
        cv.notify_all();
        continue;
      }
      merging = true;
      try {
        for (auto it = pending.find(next_to_merge); it != pending.end() && !error; it = pending.find(next_to_merge)) {
          const std::uint64_t index = it->first;
          ChunkResult chunk = std::move(it->second);
          pending.erase(it);
          lock.unlock();
          if (into != nullptr) merge_into(*into, chunk);
          if (hooks.on_chunk) hooks.on_chunk(chunk);
          const std::uint64_t first = index * s.chunk_size;
          customers_done += std::min(s.customers, first + s.chunk_size) - first;
          if (hooks.progress) hooks.progress(customers_done, s.customers);
          lock.lock();
          ++next_to_merge;
          cv.notify_all();
        }
      } catch (...) {
        if (!lock.owns_lock()) lock.lock();
        if (!error) error = std::current_exception();
      }
      merging = false;
      cv.notify_all();
    }
  };
  bool refused = false;
  std::vector<std::thread> pool = start_workers(threads, worker, [&](const std::string& msg) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!error) error = std::make_exception_ptr(core::RuntimeError(msg));
    refused = true;
    cv.notify_all();
  });
  if (!refused) worker();
  for (auto& t : pool) t.join();
  if (!error && stop_signal() != 0) error = std::make_exception_ptr(core::Interrupted(stop_signal()));
  if (error) std::rethrow_exception(error);
}

}  // namespace

}  // namespace cxsim::engine
