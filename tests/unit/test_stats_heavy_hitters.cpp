// HeavyHitters (Space-Saving): exactness below capacity, the N/m guarantee
// and count bounds on a Zipf stream, deterministic merging and ordering.
#include <gtest/gtest.h>

#include "splitmix.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <vector>

#include "cxsim/core/errors.h"
#include "cxsim/stats/heavy_hitters.h"

namespace {

using namespace cxsim::stats;

using cxsim::testing::SplitMix64;

// Item id -> a path of touchpoint indices (base-37 digits, variable length).
Path path_of(std::uint32_t id) {
  Path p = {0};
  do {
    p.push_back(static_cast<std::uint16_t>(1 + id % 37));
    id /= 37;
  } while (id > 0);
  p.push_back(999);
  return p;
}

std::vector<std::uint32_t> zipf_stream(std::size_t n, std::uint32_t distinct, double s, std::uint64_t seed) {
  std::vector<double> cdf(distinct);
  double acc = 0;
  for (std::uint32_t i = 0; i < distinct; ++i) cdf[i] = (acc += std::pow(i + 1.0, -s));
  for (double& c : cdf) c /= acc;
  SplitMix64 g{seed};
  std::vector<std::uint32_t> out(n);
  for (auto& x : out) {
    const double u = g.uniform();
    x = static_cast<std::uint32_t>(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
    if (x >= distinct) x = distinct - 1;
  }
  return out;
}

// attached = {1, id % 11}: sums must equal observed() and observed()*(id%11).
void add_item(HeavyHitters& hh, std::uint32_t id) {
  const double a[2] = {1.0, static_cast<double>(id % 11)};
  hh.add(path_of(id), a);
}

void check_guarantees(const HeavyHitters& hh, const std::map<Path, std::uint64_t>& truth, std::uint64_t n) {
  const std::size_t m = hh.capacity();
  EXPECT_EQ(hh.total(), n);
  EXPECT_LE(hh.size(), m);
  EXPECT_LE(static_cast<double>(hh.min_count()), static_cast<double>(n) / m);
  std::map<Path, const HeavyHitters::Entry*> tracked;
  const auto entries = hh.entries();
  std::uint64_t sum_counts = 0;
  for (const auto& e : entries) {
    tracked[e.path] = &e;
    sum_counts += e.count;
    const std::uint64_t f = truth.count(e.path) ? truth.at(e.path) : 0;
    EXPECT_LE(e.count - e.error, f);
    EXPECT_GE(e.count, f);
    EXPECT_LE(e.error, hh.min_count());
    ASSERT_EQ(e.attached.size(), 2u);
    EXPECT_EQ(e.attached[0], static_cast<double>(e.observed()));
  }
  EXPECT_LE(sum_counts, n);
  int heavy = 0;
  for (const auto& [path, f] : truth) {
    if (static_cast<double>(f) > static_cast<double>(n) / m) {
      ++heavy;
      EXPECT_TRUE(tracked.count(path)) << "heavy path with f = " << f << " missing";
    } else if (!tracked.count(path)) {
      EXPECT_LE(f, hh.min_count());
    }
  }
  EXPECT_GT(heavy, 10);  // the test exercises the guarantee
}

TEST(HeavyHitters, PathHashIsFixed) {
  // Values computed independently (FNV-1a 64 over little-endian byte pairs,
  // then MurmurHash3 fmix64).
  EXPECT_EQ(path_hash(Path{}), 0xefd01f60ba992926ull);
  EXPECT_EQ(path_hash(Path{1, 2, 3}), 0xf93abd4bc44ba603ull);
  EXPECT_EQ(path_hash(Path{513, 65535}), 0x15173c8e8f16cd76ull);
}

TEST(HeavyHitters, ExactBelowCapacity) {
  HeavyHitters hh(100, 2);
  std::map<Path, std::uint64_t> truth;
  SplitMix64 g{1};
  for (int i = 0; i < 10000; ++i) {
    const auto id = static_cast<std::uint32_t>(g.uniform() * 60);
    add_item(hh, id);
    ++truth[path_of(id)];
  }
  EXPECT_EQ(hh.size(), 60u);
  EXPECT_FALSE(hh.full());
  EXPECT_EQ(hh.min_count(), 0u);
  for (const auto& e : hh.entries()) {
    EXPECT_EQ(e.error, 0u);
    EXPECT_EQ(e.count, truth[e.path]);
    EXPECT_EQ(e.attached[0], static_cast<double>(e.count));
  }
}

TEST(HeavyHitters, ZipfStreamGuarantees) {
  const std::size_t n = 1000000;
  const auto stream = zipf_stream(n, 200000, 1.1, 7);
  std::map<Path, std::uint64_t> truth;
  for (auto id : stream) ++truth[path_of(id)];
  HeavyHitters hh(512, 2);
  const auto t0 = std::chrono::steady_clock::now();
  for (auto id : stream) add_item(hh, id);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(hh.full());
  check_guarantees(hh, truth, n);
  // Per-entry attached sums are exact over the observed occurrences.
  for (const auto& e : hh.entries()) {
    std::uint32_t id = 0, mul = 1;
    for (std::size_t i = 1; i + 1 < e.path.size(); ++i, mul *= 37) id += (e.path[i] - 1u) * mul;
    EXPECT_EQ(e.attached[1], static_cast<double>(e.observed() * (id % 11)));
  }
  // The top of a Zipf stream is recovered in order with exact-ish counts.
  const auto top = hh.top(5);
  ASSERT_EQ(top.size(), 5u);
  EXPECT_EQ(top[0].path, path_of(0));
  EXPECT_EQ(top[1].path, path_of(1));
  EXPECT_LT(secs, 5.0);  // ~1e6 adds; generous bound, catches quadratic behaviour
}

TEST(HeavyHitters, MergedChunksKeepGuaranteesAndAreDeterministic) {
  const std::size_t n = 600000;
  const auto stream = zipf_stream(n, 100000, 1.05, 11);
  std::map<Path, std::uint64_t> truth;
  for (auto id : stream) ++truth[path_of(id)];
  auto chunked = [&](std::size_t chunk) {
    HeavyHitters total(256, 2);
    for (std::size_t from = 0; from < n; from += chunk) {
      HeavyHitters part(256, 2);
      for (std::size_t i = from; i < std::min(n, from + chunk); ++i) add_item(part, stream[i]);
      total.merge(part);
    }
    return total;
  };
  const HeavyHitters a = chunked(37000);
  check_guarantees(a, truth, n);
  const HeavyHitters b = chunked(37000);
  const auto ea = a.entries(), eb = b.entries();
  ASSERT_EQ(ea.size(), eb.size());
  for (std::size_t i = 0; i < ea.size(); ++i) {
    EXPECT_EQ(ea[i].path, eb[i].path);
    EXPECT_EQ(ea[i].count, eb[i].count);
    EXPECT_EQ(ea[i].error, eb[i].error);
    EXPECT_EQ(ea[i].attached, eb[i].attached);
  }
  // Small chunks (below capacity per chunk) too.
  check_guarantees(chunked(200), truth, n);
  // Adding after a merge keeps the guarantees.
  HeavyHitters c = chunked(100000);
  for (std::size_t i = 0; i < 50000; ++i) add_item(c, stream[i]);
  auto truth2 = truth;
  for (std::size_t i = 0; i < 50000; ++i) ++truth2[path_of(stream[i])];
  check_guarantees(c, truth2, n + 50000);
}

TEST(HeavyHitters, MergeOfDisjointSmallSketchesIsExact) {
  HeavyHitters a(10, 2), b(10, 2);
  for (int i = 0; i < 3; ++i) add_item(a, 1);
  add_item(a, 2);
  for (int i = 0; i < 5; ++i) add_item(b, 3);
  add_item(b, 1);
  a.merge(b);
  const auto e = a.entries();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].path, path_of(3));
  EXPECT_EQ(e[0].count, 5u);
  EXPECT_EQ(e[1].path, path_of(1));
  EXPECT_EQ(e[1].count, 4u);
  EXPECT_EQ(e[1].attached[0], 4.0);
  EXPECT_EQ(e[2].count, 1u);
  for (const auto& x : e) EXPECT_EQ(x.error, 0u);
  EXPECT_EQ(a.total(), 10u);
}

TEST(HeavyHitters, TiesAreBrokenByHashThenPath) {
  HeavyHitters hh(64, 0);
  for (std::uint32_t id = 0; id < 20; ++id) {
    hh.add(path_of(id), nullptr);
    hh.add(path_of(id), nullptr);
  }
  const auto e = hh.entries();
  for (std::size_t i = 1; i < e.size(); ++i) {
    EXPECT_EQ(e[i].count, 2u);
    EXPECT_LT(e[i - 1].hash, e[i].hash);
  }
  EXPECT_EQ(hh.top(3).size(), 3u);
}

TEST(HeavyHitters, EvictionResetsAttachedSums) {
  HeavyHitters hh(2, 1);
  const double one = 1.0, ten = 10.0;
  hh.add(Path{1}, &one);
  hh.add(Path{1}, &one);
  hh.add(Path{2}, &ten);
  hh.add(Path{3}, &one);  // evicts {2} (count 1)
  const auto e = hh.entries();
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].path, Path{1});
  EXPECT_EQ(e[1].path, Path{3});
  EXPECT_EQ(e[1].count, 2u);
  EXPECT_EQ(e[1].error, 1u);
  EXPECT_EQ(e[1].attached[0], 1.0);
  EXPECT_EQ(hh.min_count(), 2u);
}

TEST(HeavyHitters, RoundTripThroughEntries) {
  const auto stream = zipf_stream(20000, 5000, 1.2, 3);
  HeavyHitters hh(128, 2);
  for (auto id : stream) add_item(hh, id);
  const HeavyHitters back = HeavyHitters::from_entries(128, 2, hh.total(), hh.entries());
  const auto a = hh.entries(), b = back.entries();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].path, b[i].path);
    EXPECT_EQ(a[i].count, b[i].count);
    EXPECT_EQ(a[i].attached, b[i].attached);
  }
  EXPECT_EQ(back.min_count(), hh.min_count());
  auto dup = hh.top(2);
  dup[1].path = dup[0].path;
  EXPECT_THROW(HeavyHitters::from_entries(128, 2, 10, dup), cxsim::core::InputError);
  EXPECT_THROW(HeavyHitters(0, 1), cxsim::core::InputError);
  HeavyHitters other(64, 2);
  EXPECT_THROW(hh.merge(other), cxsim::core::RuntimeError);
}

TEST(HeavyHitters, ManyDistinctPathsKeepMemoryBounded) {
  HeavyHitters hh(100, 1);
  const double one = 1.0;
  for (std::uint32_t id = 0; id < 200000; ++id) hh.add(path_of(id), &one);
  EXPECT_EQ(hh.size(), 100u);
  EXPECT_EQ(hh.total(), 200000u);
  EXPECT_EQ(hh.min_count(), 2000u);  // all distinct: counts spread evenly
}

}  // namespace
