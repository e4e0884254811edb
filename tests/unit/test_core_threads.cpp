#include "cxsim/core/threads.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

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

}  // namespace
}  // namespace cxsim::core
