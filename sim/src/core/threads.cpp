#include "cxsim/core/threads.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace cxsim::core {

int threads_or_all_cores(int requested) {
  if (requested > 0) return requested;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void for_each_index(std::uint64_t first, std::uint64_t last, int workers,
                    const std::function<void(std::uint64_t)>& body, const std::function<void()>& after_each) {
  if (first >= last) return;
  const std::uint64_t n = last - first;
  const auto count = static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(std::max(1, workers)), n));
  std::atomic<std::uint64_t> next{first};
  std::mutex mutex;
  std::exception_ptr error;
  std::uint64_t error_index = last;
  auto worker = [&] {
    for (std::uint64_t i = next++; i < last; i = next++) {
      try {
        body(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (i < error_index) {
          error = std::current_exception();
          error_index = i;
        }
        next = last;
        return;
      }
      if (after_each) {
        std::lock_guard<std::mutex> lock(mutex);
        after_each();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < count; ++t) {
    try {
      pool.emplace_back(worker);
    } catch (const std::system_error&) {
      break;  // fewer workers: the same results, only slower
    }
  }
  worker();
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace cxsim::core
