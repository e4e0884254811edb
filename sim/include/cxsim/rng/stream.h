#pragma once
// Counter-based random streams: every draw is a pure function of
// (seed, purpose, customer, period, step, draw index), never of thread,
// process, or creation order. See docs/methods/rng.md.
//
// Generator: Philox4x32-10 (Salmon et al., SC'11; Random123).
//
//   key (64 bits)      key[0] = seed bits  0..31
//                      key[1] = seed bits 32..63
//
//   counter (128 bits) ctr[0] = block index (bits 0..31), advanced by the
//                               stream itself, starts at 0
//                      ctr[1] = step (32 bits)
//                      ctr[2] = period (bits 0..15)
//                             | purpose (bits 16..23)
//                             | customer bits 32..39 (bits 24..31)
//                      ctr[3] = customer bits 0..31
//
//   output             one Philox call gives a block of four 32-bit words
//                      w0..w3; next_u64() returns w0 | w1<<32, then
//                      w2 | w3<<32, then computes the next block.
//
// Field limits: customer < 2^40, period < 2^16, step < 2^32, and at most
// 2^32 blocks (2^33 u64 draws) per stream. Every tuple maps to a distinct
// counter, so distinct tuples never share a Philox block.
#include <Random123/philox.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace cxsim::rng {

// ---------------------------------------------------------------------------
// Stream purposes: the one place that lists them. Value 0 is reserved
// (never a valid purpose). Values are part of the reproducibility contract:
// never renumber or reuse one; append new purposes with a fresh value.
// Retired values (listed in kRetiredPurposeValues, never to be reused): 6
// (duration: durations are drawn last in the step stream), 7 (survey) and 8
// (churn: both live in the entry stream).
// X(name, value, description)
#define CXSIM_RNG_PURPOSES(X)                                               \
  X(segment, 1, "segment assignment of a customer")                         \
  X(satisfaction0, 2, "initial latent satisfaction S0")                     \
  X(churn_propensity, 3, "churn propensity theta ~ Beta(alpha, beta)")      \
  X(entry, 4, "one period: entry, survey and churn draws of a walk")        \
  X(step, 5, "one visit: friction Bernoulli and next-node draw")            \
  X(recovery, 9, "recovery-program draws")                                  \
  X(replication, 10, "parameter draws of one replication")                  \
  X(holdout, 11, "holdout assignment")                                      \
  X(events, 12, "event-log synthesis")                                      \
  X(engagement_propensity, 13, "engagement probability p ~ Beta(a, b)")     \
  X(patience, 14, "patience draw of a visit to a touchpoint with patience") \
  X(engagement, 15, "one period: does an active customer walk")             \
  X(queue, 16, "queue wait of a visit to a touchpoint with capacity")       \
  X(portfolio_best, 17, "one parametric-bootstrap draw of a portfolio's P(best)")

enum class Purpose : std::uint8_t {
#define CXSIM_RNG_X(name, value, desc) name = value,
  CXSIM_RNG_PURPOSES(CXSIM_RNG_X)
#undef CXSIM_RNG_X
};

inline constexpr std::array kAllPurposes = {
#define CXSIM_RNG_X(name, value, desc) Purpose::name,
    CXSIM_RNG_PURPOSES(CXSIM_RNG_X)
#undef CXSIM_RNG_X
};

inline constexpr std::array<unsigned, 3> kRetiredPurposeValues = {6, 7, 8};

namespace detail {
constexpr bool purposes_are_unique_and_nonzero() {
  for (std::size_t i = 0; i < kAllPurposes.size(); ++i) {
    if (static_cast<unsigned>(kAllPurposes[i]) == 0) return false;
    for (unsigned r : kRetiredPurposeValues)
      if (static_cast<unsigned>(kAllPurposes[i]) == r) return false;
    for (std::size_t j = i + 1; j < kAllPurposes.size(); ++j)
      if (kAllPurposes[i] == kAllPurposes[j]) return false;
  }
  return true;
}
}  // namespace detail
static_assert(detail::purposes_are_unique_and_nonzero(),
              "cxsim::rng::Purpose values must be unique, non-zero and not retired");

// Short name ("step"), for diagnostics and docs; "unknown" otherwise.
constexpr std::string_view purpose_name(Purpose p) {
  switch (p) {
#define CXSIM_RNG_X(name, value, desc) \
  case Purpose::name: return #name;
    CXSIM_RNG_PURPOSES(CXSIM_RNG_X)
#undef CXSIM_RNG_X
  }
  return "unknown";
}

constexpr std::string_view purpose_description(Purpose p) {
  switch (p) {
#define CXSIM_RNG_X(name, value, desc) \
  case Purpose::name: return desc;
    CXSIM_RNG_PURPOSES(CXSIM_RNG_X)
#undef CXSIM_RNG_X
  }
  return "unknown";
}

// ---------------------------------------------------------------------------
// Bits to doubles. Exposed so tests can check the extremes.

// Open interval (0,1): the top 52 bits k give (2k+1)/2^53, i.e. the midpoints
// of a 2^52-cell grid. Every value is exact in binary64; the smallest is
// 2^-53, the largest 1-2^-53, and the set is symmetric under u -> 1-u (so
// 1-u is exact and never 0). (A 53-bit (k+0.5)/2^53 would need 54
// significant bits and rounds the largest value up to exactly 1.0.)
// A 32-bit uniform in the open interval (0, 1): (k + 0.5) / 2^32. The engine
// splits one 64-bit draw into two of these where 32 bits of resolution are
// plenty (a Bernoulli, a categorical, a survey score).
constexpr double u32_to_open01(std::uint32_t k) noexcept { return (static_cast<double>(k) + 0.5) * 0x1p-32; }
constexpr double u64_hi_open01(std::uint64_t x) noexcept { return u32_to_open01(static_cast<std::uint32_t>(x >> 32)); }
constexpr double u64_lo_open01(std::uint64_t x) noexcept { return u32_to_open01(static_cast<std::uint32_t>(x)); }

constexpr double u64_to_open01(std::uint64_t x) noexcept {
  return static_cast<double>(((x >> 12) << 1) | 1u) * 0x1.0p-53;
}

// Half-open [0,1): the top 53 bits k give k/2^53; max 1-2^-53.
constexpr double u64_to_closed_open01(std::uint64_t x) noexcept { return static_cast<double>(x >> 11) * 0x1.0p-53; }

// ---------------------------------------------------------------------------
inline constexpr std::uint64_t kMaxCustomer = (std::uint64_t{1} << 40) - 1;
inline constexpr std::uint32_t kMaxPeriod = (std::uint32_t{1} << 16) - 1;

namespace detail {
// Cold paths, defined in stream.cpp; throw cxsim::core::RuntimeError.
[[noreturn]] void throw_stream_out_of_range(std::uint64_t customer, std::uint32_t period);
[[noreturn]] void throw_stream_exhausted();
}  // namespace detail

// One random stream. Cheap: about 50 bytes on the stack, no heap, no
// virtual calls; constructing one does no Philox work (the first block is
// computed on the first draw). Copying a Stream copies its position.
class Stream {
 public:
  using Engine = r123::Philox4x32;  // Philox4x32, 10 rounds

  // Throws cxsim::core::RuntimeError if customer > kMaxCustomer or
  // period > kMaxPeriod (a single never-taken branch in normal use).
  Stream(std::uint64_t seed, Purpose purpose, std::uint64_t customer, std::uint32_t period = 0, std::uint32_t step = 0)
      : key_{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}},
        ctr_{{0u, step,
              period | (std::uint32_t{static_cast<std::uint8_t>(purpose)} << 16) |
                  (static_cast<std::uint32_t>(customer >> 32) << 24),
              static_cast<std::uint32_t>(customer)}} {
    if (((customer >> 40) | (period >> 16)) != 0) [[unlikely]]
      detail::throw_stream_out_of_range(customer, period);
  }

  // 64 uniformly distributed bits; consumes half a Philox block. Always
  // inlined (the walk kernel calls it per step; out of line it cost ~5% of a
  // run once the kernel grew past the compiler's inlining budget), while the
  // block refill stays out of line.
  [[gnu::always_inline]] inline std::uint64_t next_u64() {
    if (half_ == 2) refill();
    const std::uint64_t r = std::uint64_t{block_.v[2 * half_]} | (std::uint64_t{block_.v[2 * half_ + 1]} << 32);
    ++half_;
    return r;
  }

  // Uniform on the open interval (0,1); see u64_to_open01.
  [[gnu::always_inline]] inline double uniform() { return u64_to_open01(next_u64()); }

  // Uniform on [0,1); see u64_to_closed_open01.
  [[gnu::always_inline]] inline double uniform_closed_open() { return u64_to_closed_open01(next_u64()); }

  // Number of u64 draws taken so far.
  std::uint64_t draws() const { return (blocks_ == 0) ? 0 : 2 * (blocks_ - 1) + half_; }

 private:
  [[gnu::always_inline]] inline void refill() {
    // The counter's block word starts at 0; stop before it would wrap and
    // repeat the stream (2^32 blocks, never reached in practice).
    if (blocks_ > 0xFFFFFFFFull) [[unlikely]]
      detail::throw_stream_exhausted();
    ctr_.v[0] = static_cast<std::uint32_t>(blocks_);
    block_ = Engine{}(ctr_, key_);
    ++blocks_;
    half_ = 0;
  }

  Engine::key_type key_;
  Engine::ctr_type ctr_;
  Engine::ctr_type block_{};
  std::uint64_t blocks_ = 0;  // blocks computed so far
  std::uint32_t half_ = 2;    // next half of block_ to hand out; 2 = empty
};

}  // namespace cxsim::rng
