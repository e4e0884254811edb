#include "cxsim/core/threads.h"

#include <algorithm>
#include <thread>

namespace cxsim::core {

int threads_or_all_cores(int requested) {
  if (requested > 0) return requested;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

}  // namespace cxsim::core
