#include "cxsim/engine/partial.h"

#include <bit>

#include <fmt/format.h>

#include "cxsim/core/errors.h"

namespace cxsim::engine {

namespace {

constexpr std::int64_t kMagic = 0x63787369'6d636b31;  // "cxsimck1"

class Words {
 public:
  void i(std::int64_t v) { w_.push_back(v); }
  void u(std::uint64_t v) { w_.push_back(static_cast<std::int64_t>(v)); }
  void d(double v) { w_.push_back(std::bit_cast<std::int64_t>(v)); }
  void ds(std::span<const double> v) {
    u(v.size());
    for (double x : v) d(x);
  }
  void ratio(const RatioSums& r) {
    d(r.y);
    d(r.yy);
    d(r.xy);
  }
  void moments(const stats::MomentAccumulator& m) {
    i(m.count());
    ds(m.raw_shift());
    ds(m.raw_sums());
    ds(m.raw_cross());
  }
  std::vector<std::int64_t> take() { return std::move(w_); }

 private:
  std::vector<std::int64_t> w_;
};

class Reader {
 public:
  Reader(std::span<const std::int64_t> w, const std::string& what) : w_(w), what_(what) {}
  [[noreturn]] void fail(const std::string& why) const {
    throw core::InputError(fmt::format("{}: damaged or mismatched chunk record (word {}): {}", what_, pos_, why));
  }
  std::int64_t i() {
    if (pos_ >= w_.size()) fail("truncated");
    return w_[pos_++];
  }
  std::uint64_t u() { return static_cast<std::uint64_t>(i()); }
  double d() { return std::bit_cast<double>(i()); }
  // A length that must equal `expected` (the accumulator's own size).
  std::size_t length(std::size_t expected, const char* field) {
    const std::uint64_t n = u();
    if (n != expected) fail(fmt::format("{} has {} values, expected {}", field, n, expected));
    return expected;
  }
  std::vector<double> ds(std::size_t expected, const char* field) {
    const std::size_t n = length(expected, field);
    std::vector<double> v(n);
    for (auto& x : v) x = d();
    return v;
  }
  void into(std::vector<double>& v, const char* field) { v = ds(v.size(), field); }
  // A length read from the record, bounded by what is left of it.
  // `per_word` entries are packed into each word.
  std::size_t count(const char* field, std::uint64_t per_word = 1) {
    const std::uint64_t n = u();
    if (n / per_word > w_.size() - pos_) fail(fmt::format("{}: {} entries, more than the record holds", field, n));
    return static_cast<std::size_t>(n);
  }
  void ratio(RatioSums& r) {
    r.y = d();
    r.yy = d();
    r.xy = d();
  }
  void moments(stats::MomentAccumulator& m, const char* field) {
    const std::int64_t n = i();
    const auto shift = ds(m.raw_shift().size(), field);
    const auto sums = ds(m.raw_sums().size(), field);
    const auto cross = ds(m.raw_cross().size(), field);
    m.restore(n, shift, sums, cross);
  }
  bool done() const { return pos_ == w_.size(); }

 private:
  std::span<const std::int64_t> w_;
  std::size_t pos_ = 0;
  const std::string& what_;
};

// A time histogram and its per-customer-group counts.
void put_times(Words& w, const stats::LogHistogram& hist, const stats::HistogramGroups& groups) {
  w.ds(hist.raw_counts());
  w.d(hist.min());
  w.d(hist.max());
  w.ds(groups.raw_counts());
  const auto pending = groups.raw_pending();
  w.u(pending.size());
  for (std::size_t k = 0; k < pending.size(); k += 2) {
    const std::uint64_t lo = pending[k], hi = k + 1 < pending.size() ? pending[k + 1] : 0;
    w.u(lo | (hi << 32));
  }
}

void get_times(Reader& r, stats::LogHistogram& hist, stats::HistogramGroups& groups) {
  {
    const auto counts = r.ds(hist.bin_count(), "time histogram");
    const double lo = r.d(), hi = r.d();
    hist.restore(counts, lo, hi);
  }
  const std::uint64_t n = r.u();
  const std::size_t full = static_cast<std::size_t>(groups.groups()) * groups.bins();
  if (n != 0 && n != full) r.fail(fmt::format("time groups have {} counts, expected 0 or {}", n, full));
  std::vector<double> counts(static_cast<std::size_t>(n));
  for (auto& x : counts) x = r.d();
  const std::size_t np = r.count("time group pending entries", 2);
  std::vector<std::uint32_t> pending(np);
  for (std::size_t k = 0; k < np; k += 2) {
    const std::uint64_t packed = r.u();
    pending[k] = static_cast<std::uint32_t>(packed & 0xffffffffu);
    if (k + 1 < np) pending[k + 1] = static_cast<std::uint32_t>(packed >> 32);
  }
  groups.restore(std::move(counts), std::move(pending));
}

void put_period(Words& w, const PeriodAcc& p) {
  for (double x : {p.active, p.churned, p.respondents, p.idle, p.promoters, p.detractors, p.promoters_measured,
                   p.detractors_measured})
    w.d(x);
  w.ds(p.kinds);
  w.d(p.value);
  w.d(p.cost);
}

void get_period(Reader& r, PeriodAcc& p) {
  for (double* x : {&p.active, &p.churned, &p.respondents, &p.idle, &p.promoters, &p.detractors, &p.promoters_measured,
                    &p.detractors_measured})
    *x = r.d();
  r.into(p.kinds, "period kinds");
  p.value = r.d();
  p.cost = r.d();
}

void put_variant(Words& w, const VariantAccumulator& a) {
  if (a.has_pending()) throw core::RuntimeError("internal: serialising an accumulator with unflushed walk times");
  w.moments(a.headline);
  for (const auto* h : {&a.nps_hist_true, &a.nps_hist_measured, &a.csat_hist_true, &a.csat_hist_measured,
                        &a.ces_hist_true, &a.ces_hist_measured})
    w.ds(*h);
  put_times(w, a.time_hist, a.time_groups);
  w.u(a.kind_time_hist.size());
  for (std::size_t k = 0; k < a.kind_time_hist.size(); ++k) put_times(w, a.kind_time_hist[k], a.kind_time_groups[k]);
  w.u(a.periods.size());
  for (const auto& p : a.periods) put_period(w, p);
  w.u(a.touchpoints.size());
  for (const auto& t : a.touchpoints) {
    w.ratio(t.visits);
    w.ratio(t.frictions);
    w.ratio(t.satisfaction);
    w.ds(t.exits);
  }
  w.u(a.channels.size());
  for (const auto& c : a.channels) {
    w.ratio(c.visits);
    w.ratio(c.frictions);
    w.ratio(c.switches_into);
  }
  w.u(a.outcomes.size());
  for (const auto& o : a.outcomes) w.ratio(o);
  w.ds(a.segment_customers);
  w.u(a.segment_headline.size());
  for (const auto& m : a.segment_headline) w.moments(m);
  // Per-segment periods, touchpoints and outcomes (sizes fixed by the model).
  w.u(a.segment_periods.size());
  for (std::size_t g = 0; g < a.segment_periods.size(); ++g) {
    for (const auto& p : a.segment_periods[g]) put_period(w, p);
    for (const auto& x : a.segment_tp_visits[g]) w.ratio(x);
    for (const auto& x : a.segment_tp_frictions[g]) w.ratio(x);
    for (const auto& x : a.segment_outcomes[g]) w.ratio(x);
    w.d(a.segment_walks_sq[g]);
  }
  w.ds(a.walk_counts);
  w.d(a.walks_sq);
  // The heavy hitters by their entries: HeavyHitters::merge depends on the
  // entries alone (it sorts them by a total order), so from_entries gives a
  // sketch that merges to the same bits.
  const auto entries = a.paths.entries();
  w.u(a.paths.total());
  w.u(entries.size());
  for (const auto& e : entries) {
    w.u(e.path.size());
    for (std::size_t k = 0; k < e.path.size(); k += 4) {
      std::uint64_t packed = 0;
      for (std::size_t j = 0; j < 4 && k + j < e.path.size(); ++j) packed |= std::uint64_t{e.path[k + j]} << (16 * j);
      w.u(packed);
    }
    w.u(e.count);
    w.u(e.error);
    w.ds(e.attached);
  }
}

void get_variant(Reader& r, VariantAccumulator& a) {
  r.moments(a.headline, "headline moments");
  r.into(a.nps_hist_true, "nps histogram");
  r.into(a.nps_hist_measured, "nps histogram");
  r.into(a.csat_hist_true, "csat histogram");
  r.into(a.csat_hist_measured, "csat histogram");
  r.into(a.ces_hist_true, "ces histogram");
  r.into(a.ces_hist_measured, "ces histogram");
  get_times(r, a.time_hist, a.time_groups);
  r.length(a.kind_time_hist.size(), "outcome kinds' time histograms");
  for (std::size_t k = 0; k < a.kind_time_hist.size(); ++k) get_times(r, a.kind_time_hist[k], a.kind_time_groups[k]);
  r.length(a.periods.size(), "periods");
  for (auto& p : a.periods) get_period(r, p);
  r.length(a.touchpoints.size(), "touchpoints");
  for (auto& t : a.touchpoints) {
    r.ratio(t.visits);
    r.ratio(t.frictions);
    r.ratio(t.satisfaction);
    r.into(t.exits, "touchpoint exits");
  }
  r.length(a.channels.size(), "channels");
  for (auto& c : a.channels) {
    r.ratio(c.visits);
    r.ratio(c.frictions);
    r.ratio(c.switches_into);
  }
  r.length(a.outcomes.size(), "outcomes");
  for (auto& o : a.outcomes) r.ratio(o);
  r.into(a.segment_customers, "segment customers");
  r.length(a.segment_headline.size(), "per-segment headline moments");
  for (auto& m : a.segment_headline) r.moments(m, "per-segment headline moments");
  r.length(a.segment_periods.size(), "per-segment periods");
  for (std::size_t g = 0; g < a.segment_periods.size(); ++g) {
    for (auto& p : a.segment_periods[g]) get_period(r, p);
    for (auto& x : a.segment_tp_visits[g]) r.ratio(x);
    for (auto& x : a.segment_tp_frictions[g]) r.ratio(x);
    for (auto& x : a.segment_outcomes[g]) r.ratio(x);
    a.segment_walks_sq[g] = r.d();
  }
  r.into(a.walk_counts, "walk counts");
  a.walks_sq = r.d();
  const std::uint64_t total = r.u();
  const std::size_t n = r.count("paths");
  if (n > a.paths.capacity())
    r.fail(fmt::format("{} paths, more than the sketch's capacity {}", n, a.paths.capacity()));
  std::vector<stats::HeavyHitters::Entry> entries(n);
  for (auto& e : entries) {
    const std::size_t len = r.count("path length", 4);
    e.path.resize(len);
    for (std::size_t k = 0; k < len; k += 4) {
      const std::uint64_t packed = r.u();
      for (std::size_t j = 0; j < 4 && k + j < len; ++j) e.path[k + j] = static_cast<std::uint16_t>(packed >> (16 * j));
    }
    e.count = r.u();
    e.error = r.u();
    e.attached = r.ds(a.paths.attached_size(), "path attached sums");
  }
  a.paths = stats::HeavyHitters::from_entries(a.paths.capacity(), a.paths.attached_size(), total, std::move(entries));
}

}  // namespace

std::vector<std::int64_t> serialize_chunk(const ChunkResult& c) {
  Words w;
  w.i(kMagic);
  w.i(kChunkRecordLayout);
  w.u(c.chunk);
  w.u(c.variants.size());
  w.u(c.paired.size());
  for (const auto& v : c.variants) put_variant(w, v);
  for (const auto& p : c.paired) {
    w.moments(p.joint);
    w.ds(p.cum_net_delta);
    w.ds(p.cum_net_delta_sq);
    w.u(p.segment_joint.size());
    for (const auto& m : p.segment_joint) w.moments(m);
  }
  return w.take();
}

ChunkResult deserialize_chunk(const std::vector<Variant>& variants, const RunSettings& s,
                              std::span<const std::int64_t> words, const std::string& what) {
  Reader r(words, what);
  if (r.i() != kMagic) r.fail("not a chunk record");
  if (const std::int64_t layout = r.i(); layout != kChunkRecordLayout)
    r.fail(fmt::format("record layout {}, this cxsim reads {}", layout, kChunkRecordLayout));
  ChunkResult out;
  out.chunk = r.u();
  r.length(variants.size(), "variants");
  r.length(variants.empty() ? 0 : variants.size() - 1, "paired comparisons");
  for (const auto& v : variants) out.variants.emplace_back(v.model, s.periods, s.path_capacity, v.lean, v.lean_pairs);
  for (std::size_t v = 1; v < variants.size(); ++v)
    out.paired.emplace_back(variants.front().model, variants[v].lean, variants[v].lean_pairs);
  for (auto& a : out.variants) get_variant(r, a);
  for (auto& p : out.paired) {
    r.moments(p.joint, "paired moments");
    // Empty while the chunk had no customer (PairedAccumulator::add_periods).
    p.cum_net_delta.resize(r.count("money sums"));
    for (auto& x : p.cum_net_delta) x = r.d();
    p.cum_net_delta_sq = r.ds(p.cum_net_delta.size(), "money sums of squares");
    r.length(p.segment_joint.size(), "per-segment paired moments");
    for (auto& m : p.segment_joint) r.moments(m, "per-segment paired moments");
  }
  if (!r.done()) r.fail("words left over after the last accumulator");
  return out;
}

std::string hex_digest(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return fmt::format("{:016x}", h);
}

}  // namespace cxsim::engine
