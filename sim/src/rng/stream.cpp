#include "cxsim/rng/stream.h"

#include <string>

#include "cxsim/core/errors.h"

namespace cxsim::rng::detail {

void throw_stream_out_of_range(std::uint64_t customer, std::uint32_t period) {
  std::string msg = "rng::Stream: ";
  if (customer > kMaxCustomer)
    msg += "customer index " + std::to_string(customer) + " exceeds the 40-bit limit " + std::to_string(kMaxCustomer);
  else msg += "period " + std::to_string(period) + " exceeds the 16-bit limit " + std::to_string(kMaxPeriod);
  throw core::RuntimeError(msg);
}

void throw_stream_exhausted() {
  throw core::RuntimeError("rng::Stream: more than 2^32 Philox blocks drawn from one stream");
}

}  // namespace cxsim::rng::detail
