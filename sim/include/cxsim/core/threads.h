#pragma once
// How many threads a run, a draw loop or the Python module uses when the
// user gave none: the one rule, read by every front end; and the one
// parallel loop over independent items (parameter draws) whose result and
// error do not depend on the thread count.

#include <cstdint>
#include <functional>

namespace cxsim::core {

// `requested` when it is positive, otherwise every core the machine reports
// (std::thread::hardware_concurrency), at least 1.
int threads_or_all_cores(int requested);

// Calls body(i) once for every i in [first, last), on up to `workers`
// threads (the calling thread is one of them), handing out the indices in
// increasing order. after_each(), when given, is called under a lock after
// each body that returned (a progress count). When a body throws, no
// further index is handed out; every body already running finishes; then
// the exception of the lowest failing index is rethrown. Every index below
// it was handed out before it and ran to its end, so which error is
// rethrown does not depend on the thread count or the timing. A thread the
// system refuses to start leaves fewer workers (the same results, slower).
void for_each_index(std::uint64_t first, std::uint64_t last, int workers,
                    const std::function<void(std::uint64_t)>& body, const std::function<void()>& after_each = {});

}  // namespace cxsim::core
