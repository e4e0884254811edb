#include "cxsim/stats/heavy_hitters.h"

#include <algorithm>
#include <string>
#include <utility>

#include "cxsim/core/errors.h"

namespace cxsim::stats {

std::uint64_t path_hash(std::span<const std::uint16_t> path) {
  PathHasher h;
  for (std::uint16_t v : path) h.push(v);
  return h.finish();
}

namespace {

// Sort order of reported and retained entries.
bool entry_before(const HeavyHitters::Entry& a, const HeavyHitters::Entry& b) {
  if (a.count != b.count) return a.count > b.count;
  if (a.hash != b.hash) return a.hash < b.hash;
  return a.path < b.path;
}

// An inline loop: paths are a few values long, where a memcmp call costs
// more than the comparison.
bool same_path(std::span<const std::uint16_t> a, const Path& b) {
  if (a.size() != b.size()) return false;
  const std::uint16_t* pb = b.data();
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != pb[i]) return false;
  return true;
}

}  // namespace

HeavyHitters::HeavyHitters(std::size_t capacity, std::size_t attached_size)
    : capacity_(capacity), attached_size_(attached_size) {
  if (capacity == 0 || capacity > (std::size_t{1} << 30)) {
    throw core::InputError("HeavyHitters: capacity must be in 1..2^30, got " + std::to_string(capacity));
  }
  // Everything grows with the entries held (up to capacity), so a sketch
  // that sees few distinct paths (a variant of a small run) stays small.
  table_.assign(16, kEmpty);
  mask_ = table_.size() - 1;
}

void HeavyHitters::reserve_table(std::size_t entries) {
  std::size_t table_size = table_.size();
  while (table_size < 2 * entries) table_size *= 2;  // load factor <= 1/2
  if (table_size == table_.size()) return;
  table_.assign(table_size, kEmpty);
  mask_ = table_size - 1;
  for (std::uint32_t s = 0; s < slots_.size(); ++s) table_insert(s);
}

std::uint32_t HeavyHitters::find(std::span<const std::uint16_t> path, std::uint64_t hash) const {
  for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
    const std::uint32_t s = table_[i];
    if (s == kEmpty) return kEmpty;
    if (slots_[s].hash == hash && same_path(path, slots_[s].path)) return s;
  }
}

void HeavyHitters::table_insert(std::uint32_t slot) {
  std::size_t i = slots_[slot].hash & mask_;
  while (table_[i] != kEmpty) i = (i + 1) & mask_;
  table_[i] = slot;
}

void HeavyHitters::table_erase(std::uint32_t slot) {
  std::size_t i = slots_[slot].hash & mask_;
  while (table_[i] != slot) i = (i + 1) & mask_;
  // Backward-shift deletion for linear probing: move later members of the
  // cluster into the hole when their home position allows it.
  std::size_t j = i;
  for (;;) {
    j = (j + 1) & mask_;
    const std::uint32_t s = table_[j];
    if (s == kEmpty) break;
    const std::size_t home = slots_[s].hash & mask_;
    const bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
    if (!stays) {
      table_[i] = s;
      i = j;
    }
  }
  table_[i] = kEmpty;
}

void HeavyHitters::heap_swap(std::size_t a, std::size_t b) {
  std::swap(heap_[a], heap_[b]);
  heap_pos_[heap_[a]] = static_cast<std::uint32_t>(a);
  heap_pos_[heap_[b]] = static_cast<std::uint32_t>(b);
}

void HeavyHitters::sift_up(std::size_t pos) {
  while (pos > 0) {
    const std::size_t parent = (pos - 1) / 2;
    if (!(slots_[heap_[pos]].count < slots_[heap_[parent]].count)) break;
    heap_swap(pos, parent);
    pos = parent;
  }
}

void HeavyHitters::sift_down(std::size_t pos) {
  const std::size_t n = heap_.size();
  for (;;) {
    const std::size_t l = 2 * pos + 1;
    if (l >= n) break;
    std::size_t c = l;
    const std::size_t r = l + 1;
    if (r < n && slots_[heap_[r]].count < slots_[heap_[l]].count) c = r;
    if (!(slots_[heap_[c]].count < slots_[heap_[pos]].count)) break;
    heap_swap(pos, c);
    pos = c;
  }
}

std::uint64_t HeavyHitters::min_count() const {
  if (!full() || heap_.empty()) return 0;
  return slots_[heap_[0]].count;
}

void HeavyHitters::add(std::span<const std::uint16_t> path, const double* attached) {
  add(path, path_hash(path), attached);
}

void HeavyHitters::add(std::span<const std::uint16_t> path, std::uint64_t h, const double* attached) {
  ++total_;
  std::uint32_t s = find(path, h);
  if (s != kEmpty) {
    ++slots_[s].count;
    sift_down(heap_pos_[s]);
  } else if (!full()) {
    s = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(Slot{Path(path.begin(), path.end()), h, 1, 0});
    attached_.resize(slots_.size() * attached_size_, 0.0);
    heap_.push_back(s);
    heap_pos_.push_back(static_cast<std::uint32_t>(heap_.size() - 1));
    reserve_table(slots_.size());
    table_insert(s);
    sift_up(heap_.size() - 1);
  } else {
    // Evict the minimum: the newcomer inherits its count as error.
    s = heap_[0];
    table_erase(s);
    Slot& slot = slots_[s];
    slot.path.assign(path.begin(), path.end());
    slot.hash = h;
    slot.error = slot.count;
    ++slot.count;
    table_insert(s);
    std::fill_n(attached_.begin() + static_cast<std::ptrdiff_t>(s * attached_size_), attached_size_, 0.0);
    sift_down(0);
  }
  double* a = attached_.data() + static_cast<std::size_t>(s) * attached_size_;
  for (std::size_t i = 0; i < attached_size_; ++i) a[i] += attached[i];
}

HeavyHitters::Entry HeavyHitters::entry_of(std::uint32_t s) const {
  const Slot& slot = slots_[s];
  const double* a = attached_.data() + static_cast<std::size_t>(s) * attached_size_;
  return Entry{slot.path, slot.hash, slot.count, slot.error, std::vector<double>(a, a + attached_size_)};
}

std::vector<HeavyHitters::Entry> HeavyHitters::top(std::size_t k) const {
  std::vector<Entry> out;
  out.reserve(slots_.size());
  for (std::uint32_t s = 0; s < slots_.size(); ++s) out.push_back(entry_of(s));
  std::sort(out.begin(), out.end(), entry_before);
  if (out.size() > k) out.resize(k);
  return out;
}

void HeavyHitters::rebuild(std::vector<Entry>& entries) {
  slots_.clear();
  heap_.clear();
  heap_pos_.clear();
  reserve_table(entries.size());
  std::fill(table_.begin(), table_.end(), kEmpty);
  attached_.assign(entries.size() * attached_size_, 0.0);
  for (Entry& e : entries) {
    const auto s = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(Slot{std::move(e.path), e.hash, e.count, e.error});
    std::copy(e.attached.begin(), e.attached.end(),
              attached_.begin() + static_cast<std::ptrdiff_t>(s * attached_size_));
    table_insert(s);
    heap_.push_back(s);
    heap_pos_.push_back(s);
  }
  for (std::size_t pos = heap_.size() / 2; pos-- > 0;) sift_down(pos);
}

void HeavyHitters::merge(const HeavyHitters& other) {
  if (other.capacity_ != capacity_ || other.attached_size_ != attached_size_) {
    throw core::RuntimeError("HeavyHitters::merge: capacity or attached size differ");
  }
  const std::uint64_t mu_this = min_count();
  const std::uint64_t mu_other = other.min_count();
  std::vector<Entry> all;
  all.reserve(slots_.size() + other.slots_.size());
  for (std::uint32_t s = 0; s < slots_.size(); ++s) {
    Entry e = entry_of(s);
    const std::uint32_t o = other.find(e.path, e.hash);
    if (o != kEmpty) {
      e.count += other.slots_[o].count;
      e.error += other.slots_[o].error;
      const double* a = other.attached_.data() + static_cast<std::size_t>(o) * attached_size_;
      for (std::size_t i = 0; i < attached_size_; ++i) e.attached[i] += a[i];
    } else {
      e.count += mu_other;
      e.error += mu_other;
    }
    all.push_back(std::move(e));
  }
  for (std::uint32_t o = 0; o < other.slots_.size(); ++o) {
    const Slot& os = other.slots_[o];
    if (find(os.path, os.hash) != kEmpty) continue;
    Entry e = other.entry_of(o);
    e.count += mu_this;
    e.error += mu_this;
    all.push_back(std::move(e));
  }
  std::sort(all.begin(), all.end(), entry_before);
  if (all.size() > capacity_) all.resize(capacity_);
  total_ += other.total_;
  rebuild(all);
}

HeavyHitters HeavyHitters::from_entries(std::size_t capacity, std::size_t attached_size, std::uint64_t total,
                                        std::vector<Entry> entries) {
  HeavyHitters hh(capacity, attached_size);
  if (entries.size() > capacity) {
    throw core::InputError("HeavyHitters: " + std::to_string(entries.size()) + " entries exceed capacity " +
                           std::to_string(capacity));
  }
  for (Entry& e : entries) {
    if (e.attached.size() != attached_size) {
      throw core::InputError("HeavyHitters: entry with " + std::to_string(e.attached.size()) +
                             " attached values, expected " + std::to_string(attached_size));
    }
    if (e.error > e.count) throw core::InputError("HeavyHitters: entry with error > count");
    e.hash = path_hash(e.path);
  }
  std::vector<const Entry*> by_key;
  by_key.reserve(entries.size());
  for (const Entry& e : entries) by_key.push_back(&e);
  std::sort(by_key.begin(), by_key.end(),
            [](const Entry* a, const Entry* b) { return a->hash != b->hash ? a->hash < b->hash : a->path < b->path; });
  for (std::size_t i = 1; i < by_key.size(); ++i) {
    if (by_key[i]->hash == by_key[i - 1]->hash && by_key[i]->path == by_key[i - 1]->path) {
      throw core::InputError("HeavyHitters: a path occurs twice");
    }
  }
  std::sort(entries.begin(), entries.end(), entry_before);
  hh.total_ = total;
  hh.rebuild(entries);
  return hh;
}

}  // namespace cxsim::stats
