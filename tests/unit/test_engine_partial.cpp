// Partial runs (engine/partial.h): a chunk's accumulators survive the trip
// through words bit for bit, and chunks streamed in one place and merged in
// another, in chunk order, give the bits of the one-process run.
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include <gtest/gtest.h>

#include "bit_compare.h"
#include "cxsim/core/errors.h"
#include "cxsim/engine/partial.h"
#include "cxsim/engine/results.h"
#include "cxsim/engine/runner.h"
#include "cxsim/model/journey_loader.h"
#include "journey_fixtures.h"

namespace cxsim::engine {
namespace {

std::vector<Variant> variants_of(model::JourneySpec spec) {
  auto fixed = spec;
  for (auto& tp : fixed.touchpoints) tp.friction *= 0.5;
  return {Variant{"baseline", "", model::compile(spec), std::nullopt},
          Variant{"fix", "", model::compile(fixed), std::nullopt}};
}

std::vector<Variant> variants_of(const char* journey) { return variants_of(testing::spec_from_repo(journey)); }

using testing::expect_identical;
using testing::expect_same_bits;
using testing::same_bits;

// Streams chunks [first, last) and keeps their records (what a partial file holds).
std::vector<std::vector<std::int64_t>> records(const std::vector<Variant>& v, const RunSettings& s, std::uint64_t first,
                                               std::uint64_t last) {
  std::vector<std::vector<std::int64_t>> out;
  RunHooks hooks;
  hooks.on_chunk = [&](const ChunkResult& c) {
    EXPECT_EQ(c.chunk, first + out.size());  // in chunk order
    out.push_back(serialize_chunk(c));
  };
  stream_range(v, s, first, last, hooks);
  return out;
}

void merged_parts_equal_whole(const std::vector<Variant>& v, RunSettings s, std::uint64_t split) {
  const RunResult whole = run(v, s);
  const std::uint64_t n = chunk_count(s);
  ASSERT_LT(split, n);
  auto a = records(v, s, 0, split);
  auto b = records(v, s, split, n);  // another "process"
  RunResult merged = empty_result(v, s);
  std::uint64_t c = 0;
  for (const auto* part : {&a, &b})
    for (const auto& words : *part) {
      const ChunkResult chunk = deserialize_chunk(v, s, words, "test");
      EXPECT_EQ(chunk.chunk, c++);
      // The restored state serialises to the same words.
      EXPECT_EQ(serialize_chunk(chunk), words);
      merge_chunk(merged, chunk);
    }
  EXPECT_EQ(merged.chunks, n);
  expect_identical(whole, merged, v);
}

TEST(EnginePartial, MergedRecordsGiveTheBitsOfTheWholeRun) {
  RunSettings s;
  s.customers = 9000;
  s.periods = 3;
  s.seed = 11;
  s.chunk_size = 700;  // the last chunk is short
  s.threads = 2;
  s.discount_rate = 0.01;
  const auto v = variants_of("journeys/retail.yaml");
  merged_parts_equal_whole(v, s, 5);
  // retail has two segments: the per-segment moments travel in the records.
  EXPECT_EQ(run_chunk(v, s, 0).variants[0].segment_headline.size(), 2u);
  EXPECT_EQ(run_chunk(v, s, 0).paired[0].segment_joint.size(), 2u);
}

TEST(EnginePartial, SmallPathSketchAndLargeChunks) {
  // path_capacity 8: the heavy hitters evict and carry errors; chunks of
  // 30000 customers x 3 periods fold the time groups into dense counts.
  RunSettings s;
  s.customers = 70000;
  s.periods = 3;
  s.seed = 3;
  s.chunk_size = 30000;
  s.path_capacity = 8;
  s.threads = 2;
  merged_parts_equal_whole(variants_of("journeys/telecom_support.yaml"), s, 1);
}

// Journey frequency: idle periods and the walk-count table travel in the records too.
TEST(EnginePartial, EngagementIdlePeriodsAndWalkCountsMerge) {
  const auto spec = model::load_journey_text(R"(
journey: j
touchpoints:
  a:
    channel: web
    friction: 0.3
    satisfaction: {ok: 1, friction: -2}
    duration: {exponential: {mean: 3}}
    next: {ok: {done: 1}, friction: {lost: 0.5, a: 0.5}}
outcomes:
  done: {kind: converted, value: 10}
  lost: {kind: abandoned}
start: {a: 1}
retention: {sensitivity: 0.4}
segments:
  s:
    share: 1
    retention: {alpha: 1, beta: 4}
    engagement: {alpha: 2, beta: 3}
)",
                                             "engaged.yaml")
                        .spec;
  RunSettings s;
  s.customers = 5000;
  s.periods = 4;
  s.seed = 5;
  s.chunk_size = 600;
  s.threads = 2;
  const auto v = variants_of(spec);
  merged_parts_equal_whole(v, s, 3);
  // The test can fail: the run has idle periods and customers with every walk count.
  const RunResult whole = run(v, s);
  EXPECT_GT(whole.variants[0].periods[1].idle, 0.0);
  EXPECT_EQ(whole.variants[0].walk_counts.size(), 5u);
}

TEST(EnginePartial, DamagedOrMismatchedRecordsAreInputErrors) {
  const auto v = variants_of("journeys/retail.yaml");
  RunSettings s;
  s.customers = 300;
  s.chunk_size = 100;
  s.periods = 2;
  auto recs = records(v, s, 0, 1);
  ASSERT_EQ(recs.size(), 1u);
  auto truncated = recs[0];
  truncated.pop_back();
  EXPECT_THROW(deserialize_chunk(v, s, truncated, "t"), core::InputError);
  auto longer = recs[0];
  longer.push_back(0);
  EXPECT_THROW(deserialize_chunk(v, s, longer, "t"), core::InputError);
  auto magic = recs[0];
  magic[0] ^= 1;
  EXPECT_THROW(deserialize_chunk(v, s, magic, "t"), core::InputError);
  // Another shape: one variant only, or other periods.
  const std::vector<Variant> one(v.begin(), v.begin() + 1);
  EXPECT_THROW(deserialize_chunk(one, s, recs[0], "t"), core::InputError);
  RunSettings other = s;
  other.periods = 3;
  EXPECT_THROW(deserialize_chunk(v, other, recs[0], "t"), core::InputError);
}

TEST(EnginePartial, StreamRangeMatchesRunChunks) {
  const auto v = variants_of("journeys/retail.yaml");
  RunSettings s;
  s.customers = 2500;
  s.chunk_size = 400;
  s.threads = 2;
  const auto streamed = records(v, s, 2, 6);
  const auto direct = run_chunks(v, s, 2, 6);
  ASSERT_EQ(streamed.size(), direct.size());
  for (std::size_t i = 0; i < direct.size(); ++i) EXPECT_EQ(streamed[i], serialize_chunk(direct[i]));
}

TEST(EnginePartial, HexDigest) {
  EXPECT_EQ(hex_digest(""), "cbf29ce484222325");
  EXPECT_NE(hex_digest("a"), hex_digest("b"));
  EXPECT_EQ(hex_digest("a").size(), 16u);
}

}  // namespace
}  // namespace cxsim::engine
