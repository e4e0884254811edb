#pragma once
// How many threads a run, a draw loop or the Python module uses when the
// user gave none: the one rule, read by every front end.

namespace cxsim::core {

// `requested` when it is positive, otherwise every core the machine reports
// (std::thread::hardware_concurrency), at least 1.
int threads_or_all_cores(int requested);

}  // namespace cxsim::core
