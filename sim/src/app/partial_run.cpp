#include "cxsim/app/partial_run.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "cxsim/app/portfolio.h"
#include "cxsim/core/atomic_output.h"
#include "cxsim/core/errors.h"
#include "cxsim/core/version.h"
#include "cxsim/engine/partial.h"
#include "cxsim/engine/uncertainty.h"
#include "cxsim/io/open_results.h"

namespace cxsim::app {

namespace {

constexpr const char* kPartialType = "cxsim-partial";

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Everything that changes the bits of a chunk, or what the merge writes, one
// "key: value" per line (the input texts by their digest). Two parts belong
// to one run when these agree; `customers` is kept apart (an extension).
std::string identity_text(const RunPlan& plan, const RunOverrides& o, bool customers_out) {
  const auto& s = plan.settings;
  std::vector<std::string> names;
  for (const auto& v : plan.variants) names.push_back(v.name);
  std::string t;
  t += fmt::format("cxsim version: {}\n", core::tool_version);
  t += fmt::format("results format: {}.{}\n", core::results_format_major, core::results_format_minor);
  t += fmt::format("chunk record layout: {}\n", engine::kChunkRecordLayout);
  t += fmt::format("journey text digest: {}\n", engine::hex_digest(plan.provenance.journey_yaml));
  t += fmt::format("scenario text digest: {}\n",
                   plan.provenance.scenario_yaml.empty() ? "none" : engine::hex_digest(plan.provenance.scenario_yaml));
  t += fmt::format("seed: {}\n", s.seed);
  t += fmt::format("periods: {}\n", s.periods);
  t += fmt::format("chunk size: {}\n", s.chunk_size);
  t += fmt::format("path capacity: {}\n", s.path_capacity);
  t += fmt::format("path max length: {}\n", s.path_max_length);
  t += fmt::format("--variant: {}\n", join(o.only_variants, ", "));
  t += fmt::format("--no-sweeps: {}\n", o.no_sweeps ? "yes" : "no");
  t += fmt::format("--no-ranking: {}\n", o.no_ranking ? "yes" : "no");
  t += fmt::format("--no-analytics: {}\n", o.no_analytics ? "yes" : "no");
  t += fmt::format("--customers-out: {}\n", customers_out ? "yes" : "no");
  t += fmt::format("--uncertainty: {}\n", plan.uncertainty_draws);
  t += fmt::format("variants run: {}\n", join(names, ", "));
  return t;
}

std::uint64_t chunks_of(std::uint64_t customers, std::uint64_t chunk_size) {
  return (customers + chunk_size - 1) / chunk_size;
}

std::string chunk_dataset(std::uint64_t c) { return fmt::format("partial/chunks/{}", c); }
// Chunk c's cross moments of a portfolio's objective scores (RunHooks::cross).
std::string cross_dataset(std::uint64_t c) { return fmt::format("partial/cross/{}", c); }

// Cross moments as words: [k, count, then shift, sums and packed cross
// products, each as its length and its doubles by their bits].
std::vector<std::int64_t> encode_cross(const stats::MomentAccumulator& m) {
  std::vector<std::int64_t> w{m.size(), m.count()};
  for (const auto part : {m.raw_shift(), m.raw_sums(), m.raw_cross()}) {
    w.push_back(static_cast<std::int64_t>(part.size()));
    for (double x : part) w.push_back(std::bit_cast<std::int64_t>(x));
  }
  return w;
}

stats::MomentAccumulator decode_cross(const std::vector<std::int64_t>& w, std::size_t expected_k,
                                      const std::string& what) {
  auto bad = [&] { return core::InputError(what + ": damaged or mismatched cross moments"); };
  if (w.size() < 2 || w[0] < 1 || static_cast<std::size_t>(w[0]) != expected_k) throw bad();
  stats::MomentAccumulator m(static_cast<int>(w[0]));
  std::size_t i = 2;
  std::vector<double> parts[3];
  const std::size_t sizes[3] = {m.raw_shift().size(), m.raw_sums().size(), m.raw_cross().size()};
  for (int k = 0; k < 3; ++k) {
    if (i >= w.size() || static_cast<std::uint64_t>(w[i]) != sizes[k] || w.size() - i - 1 < sizes[k]) throw bad();
    ++i;
    for (std::size_t j = 0; j < sizes[k]; ++j) parts[k].push_back(std::bit_cast<double>(w[i++]));
  }
  if (i != w.size()) throw bad();
  m.restore(w[1], parts[0], parts[1], parts[2]);
  return m;
}

// Chunk c of parameter draw d (--uncertainty): the record of that chunk in
// the draw's run (its drawn journey, its customer seed).
std::string draw_chunk_dataset(std::uint64_t d, std::uint64_t c) { return fmt::format("partial/draws/{}/{}", d, c); }

// What merge_parts reads from one part.
struct Part {
  std::filesystem::path path;
  std::optional<io::File> file;
  std::string identity, digest;
  std::uint64_t customers = 0, chunk_size = 0, first = 0, last = 0;
  std::string input, input_absolute;
  std::vector<std::string> only_variants;
  bool no_sweeps = false, no_ranking = false, no_analytics = false, customers_out = false;
  std::int64_t seed = 0, periods = 0;
  std::int64_t uncertainty = 0;  // parameter draws requested (partial_uncertainty)
  std::string journey_path, scenario_path;
};

Part open_part(const std::filesystem::path& path) {
  Part p;
  p.path = path;
  io::OpenedResults r = io::open_results(path, {kPartialType});
  p.file.emplace(std::move(r.file));
  const io::File& f = *p.file;
  io::reading_results(path, [&] {
    p.identity = f.attribute_string("partial_identity");
    p.digest = f.attribute_string("partial_digest");
    if (engine::hex_digest(p.identity) != p.digest)
      throw core::InputError(path.string() + ": partial_identity does not match partial_digest (damaged)");
    p.customers = static_cast<std::uint64_t>(f.attribute_int64("customers"));
    p.chunk_size = static_cast<std::uint64_t>(f.attribute_int64("chunk_size"));
    p.seed = f.attribute_int64("seed");
    p.periods = f.attribute_int64("periods");
    p.first = static_cast<std::uint64_t>(f.attribute_int64("partial_chunk_first"));
    p.last = static_cast<std::uint64_t>(f.attribute_int64("partial_chunk_last"));
    p.input = f.attribute_string("partial_input");
    p.input_absolute = f.attribute_string("partial_input_absolute");
    const std::string only = f.attribute_string("partial_variant_options");
    p.only_variants = split_lines(only);
    p.no_sweeps = f.attribute_int64("partial_no_sweeps") != 0;
    p.no_ranking = f.attribute_int64("partial_no_ranking") != 0;
    p.no_analytics = f.attribute_int64("partial_no_analytics") != 0;
    p.customers_out = f.attribute_int64("partial_customers_out") != 0;
    if (f.has_attribute("partial_uncertainty")) p.uncertainty = f.attribute_int64("partial_uncertainty");
    const io::Group model = f.open_group("model");
    p.journey_path = model.attribute_string("journey_path");
    if (model.has_attribute("scenario_path")) p.scenario_path = model.attribute_string("scenario_path");
    return 0;
  });
  if (p.chunk_size < 1 || p.customers < 1 || p.first >= p.last || p.last > chunks_of(p.customers, p.chunk_size))
    throw core::InputError(fmt::format("{}: chunk range {}:{} does not fit its run of {} customers in chunks of {}",
                                       path.string(), p.first, p.last, p.customers, p.chunk_size));
  return p;
}

// The first line where two identities differ, as "what: a vs b".
std::string first_difference(const std::string& a, const std::string& b) {
  const auto la = split_lines(a), lb = split_lines(b);
  for (std::size_t i = 0; i < std::max(la.size(), lb.size()); ++i) {
    const std::string x = i < la.size() ? la[i] : "", y = i < lb.size() ? lb[i] : "";
    if (x == y) continue;
    const auto colon = x.find(": ");
    const std::string key = colon == std::string::npos ? x : x.substr(0, colon);
    const std::string vx = colon == std::string::npos ? x : x.substr(colon + 2);
    const auto colon_y = y.find(": ");
    const std::string vy = colon_y == std::string::npos ? y : y.substr(colon_y + 2);
    return fmt::format("{}: '{}' vs '{}'", key, vx, vy);
  }
  return "their digests";
}

std::string range_text(const Part& p) { return fmt::format("chunks {}:{}", p.first, p.last); }

std::string cxsim_input_for(const Part& p) {
  std::error_code ec;
  if (!p.input_absolute.empty() && std::filesystem::exists(p.input_absolute, ec)) return p.input_absolute;
  if (std::filesystem::exists(p.input, ec)) return p.input;
  throw core::InputError(fmt::format(
      "{}: cannot find the run's input '{}' (nor '{}'): the merge re-reads it for the sweeps, ranking and analytics",
      p.path.string(), p.input, p.input_absolute));
}

}  // namespace

std::filesystem::path run_output_path(const std::string& input, const std::string& output,
                                      const std::optional<ChunkRange>& range) {
  if (!output.empty()) return output;
  const std::string stem = std::filesystem::path(input).stem().string();
  return std::filesystem::path("outputs") /
         (range ? fmt::format("{}.chunks-{}-{}.h5", stem, range->first, range->last) : stem + ".h5");
}

void check_run_outputs(const RunPlan& plan, const std::string& input, const std::filesystem::path& out,
                       const std::string& events_out, std::string_view options) {
  const std::filesystem::path inputs[] = {input, plan.provenance.journey_path, plan.provenance.scenario_path};
  core::check_output_path(out, inputs);
  if (events_out.empty()) return;
  for (const char* name : {"events.csv", "surveys.csv", "cohorts.csv"}) {
    const std::filesystem::path p = std::filesystem::path(events_out) / name;
    core::check_output_path(p, inputs);
    std::error_code ec1, ec2;
    if (std::filesystem::weakly_canonical(p, ec1) == std::filesystem::weakly_canonical(out, ec2) && !ec1 && !ec2)
      throw core::InputError(fmt::format("{}: {} name the same file", out.string(), options));
  }
}

ChunkRange parse_chunk_range(const std::string& text) {
  const auto colon = text.find(':');
  auto number = [&](std::string_view t, std::uint64_t& v) {
    const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    return !t.empty() && ec == std::errc() && ptr == t.data() + t.size();
  };
  ChunkRange r;
  if (colon == std::string::npos || !number(std::string_view(text).substr(0, colon), r.first) ||
      !number(std::string_view(text).substr(colon + 1), r.last))
    throw core::InputError(
        fmt::format("--chunks: expected A:B with whole numbers A < B (chunks A..B-1), got '{}'", text));
  if (r.first >= r.last)
    throw core::InputError(fmt::format("--chunks {}: the range is empty (expected A < B: chunks A..B-1)", text));
  return r;
}

void check_partial_plan(const RunPlan& plan, const RunOverrides&, ChunkRange range, bool event_log) {
  const auto& s = plan.settings;
  const std::uint64_t n = chunks_of(s.customers, s.chunk_size);
  if (range.last > n)
    throw core::InputError(fmt::format(
        "--chunks {}:{}: the run has {} chunk{} ({} customers in chunks of {}: chunks 0:{}); expected B <= {}",
        range.first, range.last, n, n == 1 ? "" : "s", s.customers, s.chunk_size, n, n));
  if (plan.precision.present)
    throw core::InputError(
        "--chunks: the scenario sets a precision target, which decides the population while it runs; partial runs "
        "need a fixed population (remove `precision`, or run in one process)");
  if (event_log) throw core::InputError("--chunks: --events-out is not available for partial runs");
}

void run_partial(const RunPlan& plan, const RunOverrides& o, const std::string& input, ChunkRange range,
                 const std::filesystem::path& out, bool customers_out, const engine::RunHooks& hooks) {
  const std::vector<engine::Variant> named(plan.variants.begin(),
                                           plan.variants.begin() + static_cast<long>(plan.named));
  engine::ResultsWriter writer(out, plan.provenance, named, plan.settings, customers_out);
  io::File& f = writer.file();
  const std::string identity = identity_text(plan, o, customers_out);
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::weakly_canonical(std::filesystem::absolute(input, ec), ec);
  f.set_attribute("filetype", kPartialType);
  f.set_attribute("partial", static_cast<std::int64_t>(1));
  f.set_attribute("partial_chunk_first", static_cast<std::int64_t>(range.first));
  f.set_attribute("partial_chunk_last", static_cast<std::int64_t>(range.last));
  f.set_attribute("partial_chunks_total",
                  static_cast<std::int64_t>(chunks_of(plan.settings.customers, plan.settings.chunk_size)));
  f.set_attribute("partial_identity", identity);
  f.set_attribute("partial_digest", engine::hex_digest(identity));
  f.set_attribute("partial_input", input);
  f.set_attribute("partial_input_absolute", ec ? std::string() : absolute.string());
  f.set_attribute("partial_variant_options", join(o.only_variants, "\n"));
  f.set_attribute("partial_no_sweeps", static_cast<std::int64_t>(o.no_sweeps));
  f.set_attribute("partial_no_ranking", static_cast<std::int64_t>(o.no_ranking));
  f.set_attribute("partial_no_analytics", static_cast<std::int64_t>(o.no_analytics));
  f.set_attribute("partial_customers_out", static_cast<std::int64_t>(customers_out));
  f.set_attribute("partial_uncertainty", static_cast<std::int64_t>(plan.uncertainty_draws));
  f.set_attribute("partial_record_layout", engine::kChunkRecordLayout);
  f.set_attribute("title", plan.title);
  io::Group chunks = f.require_group("partial/chunks");
  chunks.set_attribute("description", std::string("one accumulator record per chunk (engine/partial.h layout "
                                                  "partial_record_layout): merged in chunk order by cxsim merge"));

  engine::RunHooks h = hooks;
  h.customer_records = customers_out;
  h.event_log = false;
  if (plan.portfolio.present && !plan.portfolio.cross.empty()) h.cross = &plan.portfolio.cross;
  h.on_chunk = [&](const engine::ChunkResult& c) {
    writer.on_chunk(c);
    io::write_array_compressed(f, chunk_dataset(c.chunk), engine::serialize_chunk(c));
    if (c.cross) io::write_array_compressed(f, cross_dataset(c.chunk), encode_cross(*c.cross));
  };
  engine::stream_range(plan.variants, plan.settings, range.first, range.last, h);
  if (plan.uncertainty_draws > 0) {
    // The same chunks of every parameter draw's run, one record each
    // (execute_uncertainty builds each draw's variants and settings).
    std::uint64_t draws_run = 0;
    const DrawRunner runner = [&](std::uint64_t draws, const engine::DrawVariants& make,
                                  const engine::DrawSettings& settings,
                                  const std::function<void(std::uint64_t, std::uint64_t)>&,
                                  const std::atomic<int>* stop, const engine::DrawInputs*) {
      for (std::uint64_t d = 0; d < draws; ++d) {
        engine::RunHooks dh;
        dh.stop = stop;
        dh.on_chunk = [&](const engine::ChunkResult& c) {
          io::write_array_compressed(f, draw_chunk_dataset(d, c.chunk), engine::serialize_chunk(c));
        };
        engine::stream_range(make(d), settings(d), range.first, range.last, dh);
        if (stop != nullptr && stop->load() != 0) throw core::Interrupted(stop->load());
      }
      draws_run = draws;
      return engine::UncertaintySummary{};
    };
    engine::RunResult point;
    point.settings = plan.settings;
    engine::RunHooks uh;
    uh.stop = hooks.stop;
    execute_uncertainty(plan, point, uh, runner);
    io::Group g = f.require_group("partial/draws");
    g.set_attribute("draws", static_cast<std::int64_t>(draws_run));
    g.set_attribute("description",
                    std::string("per parameter draw d (--uncertainty), /partial/draws/d/c: the record of chunk c in "
                                "draw d's run; draws: 0 when the journey has no uncertain parameter"));
  }
  if (hooks.stop != nullptr && hooks.stop->load() != 0) throw core::Interrupted(hooks.stop->load());
  writer.commit();
}

MergeOutcome merge_parts(const std::vector<std::filesystem::path>& paths, const std::filesystem::path& out,
                         const std::string& command_line, const engine::RunHooks& hooks) {
  if (paths.empty()) throw core::InputError("merge: no parts given");
  std::vector<Part> parts;
  for (const auto& p : paths) parts.push_back(open_part(p));
  // One run: the same identity; the population may differ (an extension).
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].digest != parts[0].digest)
      throw core::InputError(fmt::format("merge: {} and {} are parts of different runs ({})", parts[0].path.string(),
                                         parts[i].path.string(),
                                         first_difference(parts[0].identity, parts[i].identity)));
  }
  std::uint64_t customers = 0;
  for (const auto& p : parts) customers = std::max(customers, p.customers);
  const std::uint64_t chunk_size = parts[0].chunk_size;
  const std::uint64_t total = chunks_of(customers, chunk_size);
  for (const auto& p : parts) {
    if (p.customers == customers) continue;
    // A part of a smaller run: each of its chunks must hold the same customers
    // as in the larger run, i.e. be complete.
    if (p.last * chunk_size > p.customers)
      throw core::InputError(fmt::format(
          "merge: {} ({}, a run of {} customers) ends in an incomplete chunk {} that holds other customers in the run "
          "of {}; extend a run only from parts whose chunks are complete (customers a multiple of the chunk size {}), "
          "or run chunk {} again",
          p.path.string(), range_text(p), p.customers, p.last - 1, customers, chunk_size, p.last - 1));
  }
  std::vector<std::size_t> order(parts.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return parts[a].first != parts[b].first ? parts[a].first < parts[b].first : parts[a].last < parts[b].last;
  });
  std::uint64_t next = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Part& p = parts[order[k]];
    if (p.first < next) {
      const Part& prev = parts[order[k - 1]];
      throw core::InputError(fmt::format("merge: {} ({}) and {} ({}) overlap in chunk {}", prev.path.string(),
                                         range_text(prev), p.path.string(), range_text(p), p.first));
    }
    if (p.first > next)
      throw core::InputError(
          fmt::format("merge: chunks {}:{} are in no part (the run has {} chunks: 0:{})", next, p.first, total, total));
    next = p.last;
  }
  if (next != total)
    throw core::InputError(
        fmt::format("merge: chunks {}:{} are in no part (the run has {} chunks: 0:{})", next, total, total, total));

  // The plan again, from the run's input, with the parts' options.
  const Part& p0 = parts[order[0]];
  RunOverrides o;
  o.customers = static_cast<long long>(customers);
  o.periods = static_cast<int>(p0.periods);
  o.seed = static_cast<unsigned long long>(p0.seed);
  o.threads = 1;
  o.chunk_size = chunk_size;
  for (const auto& v : p0.only_variants)
    if (!v.empty()) o.only_variants.push_back(v);
  o.no_sweeps = p0.no_sweeps;
  o.no_ranking = p0.no_ranking;
  o.no_analytics = p0.no_analytics;
  o.uncertainty = p0.uncertainty;
  const std::string input = cxsim_input_for(p0);
  RunPlan plan = plan_from_file(input, o, command_line);
  decide_analytics(plan, o);
  {
    engine::RunHooks search;  // a greedy portfolio's combinations, as each part chose them
    search.stop = hooks.stop;
    search_portfolio(plan, search);
  }
  if (identity_text(plan, o, p0.customers_out) != p0.identity)
    throw core::InputError(fmt::format("merge: the run's input {} has changed since the parts ran ({})", input,
                                       first_difference(p0.identity, identity_text(plan, o, p0.customers_out))));
  plan.provenance.journey_path = p0.journey_path;
  plan.provenance.scenario_path = p0.scenario_path;

  {
    std::vector<std::filesystem::path> inputs(paths.begin(), paths.end());
    inputs.push_back(input);
    core::check_output_path(out, inputs);
  }
  const std::vector<engine::Variant> named(plan.variants.begin(),
                                           plan.variants.begin() + static_cast<long>(plan.named));
  engine::ResultsWriter writer(out, plan.provenance, named, plan.settings, p0.customers_out);
  engine::RunResult result = engine::empty_result(plan.variants, plan.settings);
  std::uint64_t done = 0;
  for (std::size_t k : order) {
    Part& p = parts[k];
    io::reading_results(p.path, [&] {
      for (std::uint64_t c = p.first; c < p.last; ++c) {
        if (hooks.stop != nullptr && hooks.stop->load() != 0) throw core::Interrupted(hooks.stop->load());
        const std::string name = chunk_dataset(c);
        if (!p.file->is_dataset(name))
          throw core::InputError(
              fmt::format("{}: no record for chunk {} ({} holds {})", p.path.string(), c, name, range_text(p)));
        const auto words = io::read_array_int64(*p.file, name);
        engine::ChunkResult chunk =
            engine::deserialize_chunk(plan.variants, plan.settings, words.values, p.path.string() + ":/" + name);
        if (chunk.chunk != c)
          throw core::InputError(
              fmt::format("{}: the record at /{} is of chunk {} (damaged)", p.path.string(), name, chunk.chunk));
        if (const std::string xname = cross_dataset(c); p.file->is_dataset(xname))
          chunk.cross = decode_cross(io::read_array_int64(*p.file, xname).values,
                                     plan.portfolio.cross.variants.size() * plan.portfolio.cross.scores.size(),
                                     p.path.string() + ":/" + xname);
        engine::merge_chunk(result, chunk);
        done += std::min(customers, (c + 1) * chunk_size) - c * chunk_size;
        if (hooks.progress) hooks.progress(done, customers);
      }
      if (!p0.customers_out) return 0;
      // The per-customer rows, in chunk order, in blocks.
      for (std::size_t v = 0; v < named.size(); ++v) {
        const std::string tname = "variants/" + named[v].name + "/customers";
        const std::size_t rows = p.file->open_dataset(tname).dims().at(0);
        constexpr std::size_t kBlock = 65536;
        for (std::size_t first = 0; first < rows; first += kBlock) {
          const io::Table t = io::read_table(*p.file, tname, first, kBlock);
          engine::ChunkResult rows_of;
          rows_of.customers.resize(v + 1);
          auto& recs = rows_of.customers[v];
          const auto& cust = t.get_int64("customer");
          const auto& seg = t.get_int64("segment");
          const auto& s0 = t.get_double("satisfaction0");
          const auto& th = t.get_double("churn_propensity");
          const auto& w = t.get_int64("walks");
          const auto& cp = t.get_int64("churned_period");
          const auto& sf = t.get_double("satisfaction_final");
          const auto& clv = t.get_double("clv");
          const auto& cost = t.get_double("cost");
          const auto& eff = t.get_double("effort");
          const auto& tim = t.get_double("time");
          const auto& resp = t.get_int64("responses");
          const auto& nps = t.get_int64("last_nps");
          recs.resize(t.rows());
          for (std::size_t i = 0; i < t.rows(); ++i) {
            auto& r = recs[i];
            r.customer = static_cast<std::uint64_t>(cust[i]);
            r.segment = static_cast<int>(seg[i]);
            r.satisfaction0 = s0[i];
            r.churn_propensity = th[i];
            r.walks = static_cast<int>(w[i]);
            r.churned_period = static_cast<int>(cp[i]);
            r.satisfaction_final = sf[i];
            r.clv = clv[i];
            r.cost = cost[i];
            r.effort = eff[i];
            r.time = tim[i];
            r.responses = static_cast<int>(resp[i]);
            r.last_nps = static_cast<int>(nps[i]);
          }
          writer.on_chunk(rows_of);
        }
      }
      return 0;
    });
  }
  write_all(writer, plan, result, PrecisionOutcome{});
  // The parameter draws: each draw's records merged in chunk order into its
  // run, summarised as engine::run_uncertainty summarises a run of the draw.
  engine::UncertaintySummary uncertainty;
  if (plan.uncertainty_draws > 0) {
    const DrawRunner runner = [&](std::uint64_t draws, const engine::DrawVariants& make,
                                  const engine::DrawSettings& settings,
                                  const std::function<void(std::uint64_t, std::uint64_t)>&,
                                  const std::atomic<int>* stop, const engine::DrawInputs* inputs) {
      engine::UncertaintySummary u;
      u.draws = draws;
      for (std::uint64_t d = 0; d < draws; ++d) {
        const std::vector<engine::Variant> variants = make(d);
        const engine::RunSettings s = settings(d);
        engine::RunResult r = engine::empty_result(variants, s);
        for (std::size_t k : order) {
          Part& p = parts[k];
          io::reading_results(p.path, [&] {
            for (std::uint64_t c = p.first; c < p.last; ++c) {
              if (stop != nullptr && stop->load() != 0) throw core::Interrupted(stop->load());
              const std::string name = draw_chunk_dataset(d, c);
              if (!p.file->is_dataset(name))
                throw core::InputError(fmt::format("{}: no record for chunk {} of parameter draw {} ({} holds {})",
                                                   p.path.string(), c, d, name, range_text(p)));
              const auto words = io::read_array_int64(*p.file, name);
              engine::ChunkResult chunk =
                  engine::deserialize_chunk(variants, s, words.values, p.path.string() + ":/" + name);
              if (chunk.chunk != c)
                throw core::InputError(
                    fmt::format("{}: the record at /{} is of chunk {} (damaged)", p.path.string(), name, chunk.chunk));
              engine::merge_chunk(r, chunk);
            }
            return 0;
          });
        }
        // The tables of engine::run_uncertainty: every variant's summary, then
        // every comparison's, one estimate and one variance per row.
        std::vector<io::Table> t;
        for (std::size_t v = 0; v < variants.size(); ++v)
          t.push_back(engine::variant_tables(variants[v], r.variants[v]).summary);
        for (std::size_t v = 1; v < variants.size(); ++v)
          t.push_back(
              engine::comparison_table(variants[v], variants[0], r.paired[v - 1], r.variants[v], r.variants[0], s));
        const std::size_t V = variants.size();
        if (d == 0) {
          for (const auto& v : variants) u.variant_names.push_back(v.name);
          for (std::size_t i = 0; i < t.size(); ++i) {
            auto& rows = (i < V ? u.variants : u.comparisons).emplace_back();
            for (const auto& n : t[i].get_string("metric"))
              rows.push_back({n, std::vector<double>(draws), std::vector<double>(draws)});
          }
          if (inputs != nullptr && inputs->values) {
            u.input_names = inputs->names;
            u.inputs.assign(inputs->names.size(), std::vector<double>(draws));
          }
        }
        if (t.size() != V + u.comparisons.size() || V != u.variants.size())
          throw core::RuntimeError("internal: a parameter draw changed the variant list");
        for (std::size_t i = 0; i < t.size(); ++i) {
          auto& rows = i < V ? u.variants[i] : u.comparisons[i - V];
          const auto& names = t[i].get_string("metric");
          const auto& est = t[i].get_double(t[i].has_column("delta") ? "delta" : "estimate");
          const auto& se = t[i].get_double("se");
          if (names.size() != rows.size())
            throw core::RuntimeError("internal: a parameter draw changed the metric list");
          for (std::size_t m = 0; m < rows.size(); ++m) {
            rows[m].estimates[d] = est[m];
            rows[m].inner_var[d] = se[m] * se[m];
          }
        }
        if (!u.inputs.empty()) {
          const std::vector<double> x = inputs->values(d);
          for (std::size_t k = 0; k < u.inputs.size(); ++k) u.inputs[k][d] = k < x.size() ? x[k] : std::nan("");
        }
      }
      return u;
    };
    engine::RunHooks uh;
    uh.stop = hooks.stop;
    uncertainty = execute_uncertainty(plan, result, uh, runner);
  }
  for (auto& p : parts) p.file.reset();
  write_uncertainty(writer, plan, result, uncertainty);
  if (hooks.stop != nullptr && hooks.stop->load() != 0) throw core::Interrupted(hooks.stop->load());
  writer.commit();
  MergeOutcome mo;
  mo.customers = customers;
  mo.chunks = total;
  mo.parts = parts.size();
  mo.output = out;
  return mo;
}

}  // namespace cxsim::app
