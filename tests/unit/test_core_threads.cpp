#include "cxsim/core/threads.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace cxsim::core {
namespace {

TEST(Threads, RequestedCountIsKept) {
  EXPECT_EQ(threads_or_all_cores(1), 1);
  EXPECT_EQ(threads_or_all_cores(7), 7);
}

TEST(Threads, ZeroOrNegativeMeansEveryCoreAtLeastOne) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_EQ(threads_or_all_cores(0), cores);
  EXPECT_EQ(threads_or_all_cores(-3), cores);
  EXPECT_GE(threads_or_all_cores(0), 1);
}

TEST(ForEachIndex, EveryIndexOnceForAnyWorkerCount) {
  for (int workers : {1, 2, 3, 7, 64}) {
    std::vector<std::atomic<int>> seen(100);
    int after = 0;
    for_each_index(
        10, 100, workers, [&](std::uint64_t i) { ++seen[i]; }, [&] { ++after; });
    for (std::uint64_t i = 0; i < 100; ++i) EXPECT_EQ(seen[i].load(), i < 10 ? 0 : 1) << i << " workers " << workers;
    EXPECT_EQ(after, 90);
  }
  int calls = 0;
  for_each_index(5, 5, 4, [&](std::uint64_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(ForEachIndex, RethrowsTheLowestFailingIndexWhateverTheThreadCount) {
  // Indices 13 and 40 fail; 40 may fail first on another thread, but 13 is
  // handed out before 40 and runs to its end, so its error is the one seen.
  for (int workers : {1, 2, 4, 8}) {
    for (int repeat = 0; repeat < 20; ++repeat) {
      std::vector<std::atomic<int>> seen(64);
      try {
        for_each_index(0, 64, workers, [&](std::uint64_t i) {
          ++seen[i];
          if (i == 40) throw std::runtime_error("forty");
          if (i == 13) {
            std::this_thread::yield();
            throw std::runtime_error("thirteen");
          }
        });
        ADD_FAILURE() << "no exception";
      } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "thirteen") << "workers " << workers;
      }
      for (std::uint64_t i = 0; i <= 13; ++i) EXPECT_EQ(seen[i].load(), 1) << i;
    }
  }
}

}  // namespace
}  // namespace cxsim::core
