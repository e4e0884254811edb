// Unit tests of cxsim::rng::Stream: determinism, stream separation, the
// documented counter layout, known answers, and the bits-to-double maps.
#include "cxsim/rng/stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <set>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cxsim/core/errors.h"

namespace {

using cxsim::rng::Purpose;
using cxsim::rng::Stream;

std::vector<std::uint64_t> take(Stream s, int n) {
  std::vector<std::uint64_t> out;
  for (int i = 0; i < n; ++i) out.push_back(s.next_u64());
  return out;
}

// --- Random123's own known-answer vectors (kat_vectors, philox4x32 10) ------
TEST(RngPhilox, Random123KnownAnswers) {
  using E = r123::Philox4x32;
  struct Kat {
    E::ctr_type ctr;
    E::key_type key;
    std::array<std::uint32_t, 4> expect;
  };
  const Kat kats[] = {
      {{{0, 0, 0, 0}}, {{0, 0}}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}},
       {{0xffffffff, 0xffffffff}},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}},
       {{0xa4093822, 0x299f31d0}},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const auto& k : kats) {
    const auto r = E{}(k.ctr, k.key);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(r.v[i], k.expect[i]) << "word " << i;
  }
}

// --- The documented layout (stream.h header comment) ------------------------
TEST(RngStream, MatchesDocumentedCounterLayout) {
  const std::uint64_t seed = 0x0123456789abcdefULL;
  const std::uint64_t customer = 0xAB12345678ULL;  // uses all 40 bits
  const std::uint32_t period = 0xBEEF, step = 0xCAFEF00D;
  Stream s(seed, Purpose::events, customer, period, step);
  using E = r123::Philox4x32;
  const E::key_type key = {{0x89abcdefu, 0x01234567u}};
  for (std::uint32_t block = 0; block < 3; ++block) {
    const E::ctr_type ctr = {{block, step, 0xAB0CBEEFu /* 0xAB<<24 | 12<<16 | 0xBEEF */, 0x12345678u}};
    const auto r = E{}(ctr, key);
    EXPECT_EQ(s.next_u64(), std::uint64_t{r.v[0]} | (std::uint64_t{r.v[1]} << 32));
    EXPECT_EQ(s.next_u64(), std::uint64_t{r.v[2]} | (std::uint64_t{r.v[3]} << 32));
  }
  EXPECT_EQ(s.draws(), 6u);
}

// --- Regression: exact outputs for one tuple, recorded 2024 from this code.
// A change here changes every simulation result; it must be deliberate.
TEST(RngStream, RegressionValues) {
  Stream s(20240601ULL, Purpose::step, 123456789ULL, 3, 17);
  const std::uint64_t expect[] = {
      0xcd9cfa6a0b814f1cULL, 0x91e917221077bf1bULL, 0x08e3d37a0a8b70ebULL, 0xe8a18cfccda138b2ULL, 0x0759e052b7d0138eULL,
  };
  const auto got = take(s, 5);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(got[i], expect[i]) << "draw " << i << std::hex << " got 0x" << got[i];
}

TEST(RngStream, SameTupleSameBits) {
  const auto a = take(Stream(42, Purpose::step, 7, 2, 11), 64);
  const auto b = take(Stream(42, Purpose::step, 7, 2, 11), 64);
  EXPECT_EQ(a, b);
  // A copy continues from the same position.
  Stream s(42, Purpose::step, 7, 2, 11);
  s.next_u64();
  s.next_u64();
  s.next_u64();
  Stream t = s;
  EXPECT_EQ(take(s, 10), take(t, 10));
  EXPECT_EQ(take(s, 10), std::vector<std::uint64_t>(a.begin() + 3, a.begin() + 13));
}

TEST(RngStream, EveryFieldSeparatesStreams) {
  const std::uint64_t seed = 99, customer = 1000;
  const std::uint32_t period = 4, step = 9;
  std::vector<Stream> streams = {
      Stream(seed, Purpose::step, customer, period, step),
      Stream(seed + 1, Purpose::step, customer, period, step),
      Stream(seed | (1ULL << 63), Purpose::step, customer, period, step),
      Stream(seed, Purpose::recovery, customer, period, step),
      Stream(seed, Purpose::step, customer + 1, period, step),
      Stream(seed, Purpose::step, customer | (1ULL << 39), period, step),
      Stream(seed, Purpose::step, customer, period + 1, step),
      Stream(seed, Purpose::step, customer, period, step + 1),
      Stream(seed, Purpose::step, customer, period, step | (1u << 31)),
  };
  std::set<std::uint64_t> firsts;
  std::set<std::vector<std::uint64_t>> seqs;
  for (auto& s : streams) {
    const auto v = take(s, 8);
    firsts.insert(v[0]);
    seqs.insert(v);
  }
  EXPECT_EQ(firsts.size(), streams.size());
  EXPECT_EQ(seqs.size(), streams.size());
}

TEST(RngStream, FieldsDoNotAlias) {
  // Neighbouring fields must not overlap: a high customer bit is not a
  // purpose bit, a purpose bit is not a period bit, and so on.
  const std::uint64_t seed = 5;
  std::set<std::uint64_t> firsts;
  int n = 0;
  auto add = [&](Purpose p, std::uint64_t c, std::uint32_t per, std::uint32_t st) {
    firsts.insert(Stream(seed, p, c, per, st).next_u64());
    ++n;
  };
  add(Purpose::segment, 0, 0, 0);
  add(Purpose::segment, 1ULL << 32, 0, 0);
  add(Purpose::segment, 0, 1u << 15, 0);
  add(Purpose::satisfaction0, 0, 0, 0);  // purpose 2
  add(Purpose::events, 0, 0, 0);         // purpose 12
  add(Purpose::segment, 0, 0, 1);
  add(Purpose::segment, 1, 0, 0);
  add(Purpose::segment, 0, 1, 0);
  add(Purpose::segment, 1ULL << 31, 0, 0);
  add(Purpose::segment, 0, 0, 1u << 31);
  EXPECT_EQ(static_cast<int>(firsts.size()), n);
}

TEST(RngStream, DrawsCounter) {
  Stream s(1, Purpose::entry, 2);
  EXPECT_EQ(s.draws(), 0u);
  s.uniform();
  EXPECT_EQ(s.draws(), 1u);
  s.uniform();
  EXPECT_EQ(s.draws(), 2u);
  s.uniform_closed_open();
  EXPECT_EQ(s.draws(), 3u);
}

TEST(RngStream, RangeChecks) {
  EXPECT_NO_THROW(Stream(1, Purpose::step, cxsim::rng::kMaxCustomer, cxsim::rng::kMaxPeriod, 0xFFFFFFFFu));
  EXPECT_THROW(Stream(1, Purpose::step, cxsim::rng::kMaxCustomer + 1), cxsim::core::RuntimeError);
  EXPECT_THROW(Stream(1, Purpose::step, ~0ULL), cxsim::core::RuntimeError);
  EXPECT_THROW(Stream(1, Purpose::step, 0, cxsim::rng::kMaxPeriod + 1), cxsim::core::RuntimeError);
}

TEST(RngStream, CheapToConstruct) {
  static_assert(sizeof(Stream) <= 64, "Stream should stay small");
  static_assert(std::is_trivially_copyable_v<Stream>);
  static_assert(std::is_trivially_destructible_v<Stream>);
}

// --- Purposes ----------------------------------------------------------------
TEST(RngPurpose, ValuesAreTheContract) {
  // These numbers are part of every stored result's reproducibility: a
  // change here must be deliberate.
  EXPECT_EQ(static_cast<int>(Purpose::segment), 1);
  EXPECT_EQ(static_cast<int>(Purpose::satisfaction0), 2);
  EXPECT_EQ(static_cast<int>(Purpose::churn_propensity), 3);
  EXPECT_EQ(static_cast<int>(Purpose::entry), 4);
  EXPECT_EQ(static_cast<int>(Purpose::step), 5);
  EXPECT_EQ(static_cast<int>(Purpose::recovery), 9);
  EXPECT_EQ(static_cast<int>(Purpose::replication), 10);
  EXPECT_EQ(static_cast<int>(Purpose::holdout), 11);
  EXPECT_EQ(static_cast<int>(Purpose::events), 12);
  EXPECT_EQ(static_cast<int>(Purpose::engagement_propensity), 13);
  EXPECT_EQ(static_cast<int>(Purpose::patience), 14);
  EXPECT_EQ(static_cast<int>(Purpose::engagement), 15);
  EXPECT_EQ(static_cast<int>(Purpose::queue), 16);
  EXPECT_EQ(static_cast<int>(Purpose::portfolio_best), 17);
  EXPECT_EQ(cxsim::rng::kAllPurposes.size(), 14u);
  // Retired: 6 (duration), 7 (survey), 8 (churn); never to be reused.
  EXPECT_EQ(cxsim::rng::kRetiredPurposeValues, (std::array<unsigned, 3>{6, 7, 8}));
  std::set<int> values;
  std::set<std::string_view> names;
  for (Purpose p : cxsim::rng::kAllPurposes) {
    values.insert(static_cast<int>(p));
    names.insert(cxsim::rng::purpose_name(p));
    EXPECT_NE(cxsim::rng::purpose_description(p), "unknown");
  }
  EXPECT_EQ(values.size(), cxsim::rng::kAllPurposes.size());
  EXPECT_EQ(names.size(), cxsim::rng::kAllPurposes.size());
  EXPECT_EQ(cxsim::rng::purpose_name(Purpose::step), "step");
  EXPECT_EQ(cxsim::rng::purpose_name(static_cast<Purpose>(200)), "unknown");
}

// --- Bits to doubles ---------------------------------------------------------
TEST(RngConvert, OpenIntervalExtremes) {
  using cxsim::rng::u64_to_open01;
  const double lo = u64_to_open01(0);
  const double hi = u64_to_open01(~0ULL);
  EXPECT_EQ(lo, 0x1.0p-53);
  EXPECT_EQ(hi, 1.0 - 0x1.0p-53);
  EXPECT_GT(lo, 0.0);
  EXPECT_LT(hi, 1.0);
  EXPECT_EQ(1.0 - hi, lo);  // symmetric grid
  // Every value whose top 52 bits are all ones, whatever the low 12 bits.
  EXPECT_LT(u64_to_open01(0xFFFFFFFFFFFFF000ULL), 1.0);
  EXPECT_EQ(u64_to_open01(0x8000000000000000ULL), 0.5 + 0x1.0p-53);
  EXPECT_EQ(u64_to_open01(0x7FFFFFFFFFFFFFFFULL), 0.5 - 0x1.0p-53);
  // The low 12 bits are ignored.
  EXPECT_EQ(u64_to_open01(0xFFF), lo);
  // Symmetry: u(x) + u(~x) == 1 exactly.
  for (std::uint64_t x : {0x0123456789abcdefULL, 0xdeadbeefcafef00dULL, 1ULL << 40}) {
    EXPECT_EQ(u64_to_open01(x) + u64_to_open01(~x), 1.0);
  }
  static_assert(cxsim::rng::u64_to_open01(0) > 0.0);
  static_assert(cxsim::rng::u64_to_open01(~0ULL) < 1.0);
}

TEST(RngConvert, ClosedOpenExtremes) {
  using cxsim::rng::u64_to_closed_open01;
  EXPECT_EQ(u64_to_closed_open01(0), 0.0);
  EXPECT_EQ(u64_to_closed_open01(~0ULL), 1.0 - 0x1.0p-53);
  EXPECT_EQ(u64_to_closed_open01(1ULL << 63), 0.5);
  static_assert(cxsim::rng::u64_to_closed_open01(~0ULL) < 1.0);
}

TEST(RngStream, UniformStaysInsideOpenInterval) {
  double lo = 1.0, hi = 0.0;
  for (std::uint64_t c = 0; c < 2000; ++c) {
    Stream s(3, Purpose::step, c);
    for (int i = 0; i < 100; ++i) {
      const double u = s.uniform();
      ASSERT_GT(u, 0.0);
      ASSERT_LT(u, 1.0);
      lo = std::min(lo, u);
      hi = std::max(hi, u);
    }
  }
  EXPECT_LT(lo, 1e-4);
  EXPECT_GT(hi, 1.0 - 1e-4);
}

TEST(RngStream, UniformUsesSameBitsAsNextU64) {
  Stream a(8, Purpose::entry, 77, 1, 2);
  Stream b(8, Purpose::entry, 77, 1, 2);
  for (int i = 0; i < 9; ++i) {
    const std::uint64_t x = a.next_u64();
    if (i % 2 == 0) EXPECT_EQ(b.uniform(), cxsim::rng::u64_to_open01(x));
    else EXPECT_EQ(b.uniform_closed_open(), cxsim::rng::u64_to_closed_open01(x));
  }
}

}  // namespace
