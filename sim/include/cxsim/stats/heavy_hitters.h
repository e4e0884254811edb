#pragma once
// Most frequent paths with bounded memory: the Space-Saving sketch
// (Metwally, Agrawal & El Abbadi 2005), made mergeable (Agarwal et al. 2012;
// Cafaro et al. 2016) and deterministic.
//
// A path is a sequence of touchpoint indices. The sketch tracks at most
// `capacity` = m paths. Each tracked entry holds
//   count     an overestimate of the path's true frequency f,
//   error     so that count - error <= f <= count,
//   attached  sums of caller-supplied per-occurrence values (outcome-kind
//             indicators, NPS score sums, respondents, ...) over exactly the
//             observed() = count - error occurrences seen since the entry was
//             (re)inserted; attached / observed() is a per-path mean.
// Guarantees, for N = total() occurrences added (over all merged sketches):
//   - with fewer than m entries every count is exact (error 0);
//   - otherwise any path that is not tracked has f <= min_count() <= N/m, so
//     every path with f > N/m is tracked, and error <= min_count();
//   - memory is O(m * (path length + attached size)), whatever N is.
// Determinism: no std::hash; a path's hash is path_hash() (FNV-1a 64 and a
// fixed finalizer). Adding the same sequence gives the same sketch; merge
// keeps the top m by (count desc, hash asc, path lexicographic asc), so merging
// the same sketches in the same order gives the same result on every run.
// Not thread-safe: each chunk owns its sketch.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace cxsim::stats {

using Path = std::vector<std::uint16_t>;

// FNV-1a 64 over the path's values as little-endian byte pairs, followed by
// the MurmurHash3 fmix64 finalizer. Identical on every platform.
std::uint64_t path_hash(std::span<const std::uint16_t> path);

// The same hash built one value at a time (the engine hashes a path while it
// walks it): push every value in order, then finish() == path_hash(path).
class PathHasher {
 public:
  void push(std::uint16_t v) {
    h_ ^= static_cast<std::uint64_t>(v & 0xffu);
    h_ *= kPrime;
    h_ ^= static_cast<std::uint64_t>(v >> 8);
    h_ *= kPrime;
  }
  std::uint64_t finish() const {
    // MurmurHash3 fmix64: spreads FNV's weak low bits for the hash table.
    std::uint64_t h = h_;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
  }

 private:
  static constexpr std::uint64_t kPrime = 0x100000001b3ull;
  std::uint64_t h_ = 0xcbf29ce484222325ull;  // FNV-1a 64 offset basis
};

class HeavyHitters {
 public:
  struct Entry {
    Path path;
    std::uint64_t hash = 0;
    std::uint64_t count = 0;
    std::uint64_t error = 0;
    std::vector<double> attached;
    std::uint64_t observed() const { return count - error; }
  };

  // Throws core::InputError when capacity is 0 or above 2^30.
  HeavyHitters(std::size_t capacity, std::size_t attached_size);

  // Rebuild from entries (deserialization). Throws core::InputError when
  // there are more entries than capacity, an attached vector has the wrong
  // length, a path occurs twice or error > count. Hashes are recomputed.
  static HeavyHitters from_entries(std::size_t capacity, std::size_t attached_size, std::uint64_t total,
                                   std::vector<Entry> entries);

  // One occurrence of `path`; `attached` points at attached_size() values
  // (may be null when attached_size() is 0).
  void add(std::span<const std::uint16_t> path, const double* attached);
  // Same, with hash == path_hash(path) already computed (precondition, not
  // checked).
  void add(std::span<const std::uint16_t> path, std::uint64_t hash, const double* attached);

  // Combine with a sketch of another part of the stream: common paths add
  // counts, errors and sums; a path missing from one side is charged that
  // side's min_count() (as count and error); then the top m are kept.
  // Throws core::RuntimeError when capacity or attached size differ.
  void merge(const HeavyHitters& other);

  // The k (or all) tracked entries sorted by count desc, then hash asc, then
  // path lexicographically.
  std::vector<Entry> top(std::size_t k) const;
  std::vector<Entry> entries() const { return top(size()); }

  std::uint64_t total() const { return total_; }  // N
  std::size_t size() const { return slots_.size(); }
  std::size_t capacity() const { return capacity_; }
  std::size_t attached_size() const { return attached_size_; }
  bool full() const { return slots_.size() == capacity_; }
  // Smallest tracked count when full, else 0: the bound on the frequency of
  // any untracked path and on every entry's error.
  std::uint64_t min_count() const;

 private:
  struct Slot {
    Path path;
    std::uint64_t hash = 0;
    std::uint64_t count = 0;
    std::uint64_t error = 0;
  };
  static constexpr std::uint32_t kEmpty = 0xffffffffu;

  // Slot holding `path`, or kEmpty.
  std::uint32_t find(std::span<const std::uint16_t> path, std::uint64_t hash) const;
  void table_insert(std::uint32_t slot);
  // Grows the table (rehashing the slots) to a load factor <= 1/2 for `entries`.
  void reserve_table(std::size_t entries);
  void table_erase(std::uint32_t slot);
  void sift_up(std::size_t pos);
  void sift_down(std::size_t pos);
  void heap_swap(std::size_t a, std::size_t b);
  // Replace the whole content with `entries` (at most capacity, in order).
  void rebuild(std::vector<Entry>& entries);
  Entry entry_of(std::uint32_t slot) const;

  std::size_t capacity_;
  std::size_t attached_size_;
  std::uint64_t total_ = 0;
  std::vector<Slot> slots_;
  std::vector<double> attached_;         // size() * attached_size_
  std::vector<std::uint32_t> heap_;      // min-heap of slots by count
  std::vector<std::uint32_t> heap_pos_;  // slot -> position in heap_
  std::vector<std::uint32_t> table_;     // open addressing, hash -> slot
  std::size_t mask_;
};

}  // namespace cxsim::stats
