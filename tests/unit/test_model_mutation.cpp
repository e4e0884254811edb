// Mutation test of the journey reader: thousands of random edits of the
// example files (a fixed seed, so every run sees the same inputs) go through
// load_text + parse_journey + validate, as `cxsim validate` does. Each must end
// in "valid" or in diagnostics: nothing may throw, crash or hang (ctest's
// timeout guards the last). A mutant that validates must compile.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cxsim/core/diagnostics.h"
#include "cxsim/model/compiled_model.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/model/validate.h"
#include "cxsim/model/yaml_source.h"

namespace {

namespace fs = std::filesystem;
using cxsim::core::Diagnostics;
using namespace cxsim::model;

constexpr std::uint64_t kSeed = 20260321;
constexpr int kMutants = 4000;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> split_lines(const std::string& t) {
  std::vector<std::string> lines;
  std::size_t b = 0;
  while (b < t.size()) {
    std::size_t e = t.find('\n', b);
    if (e == std::string::npos) e = t.size();
    lines.push_back(t.substr(b, e - b));
    b = e + 1;
  }
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// Spans [begin, end) of scalar values written after ": " (block or flow).
std::vector<std::pair<std::size_t, std::size_t>> value_spans(const std::string& t) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t p = t.find(": "); p != std::string::npos; p = t.find(": ", p + 1)) {
    const std::size_t b = p + 2;
    std::size_t e = b;
    while (e < t.size() && std::string_view(",{}[]\n#").find(t[e]) == std::string_view::npos) ++e;
    while (e > b && t[e - 1] == ' ') --e;
    if (e > b) out.emplace_back(b, e);
  }
  return out;
}

// Spans of number-looking tokens.
std::vector<std::pair<std::size_t, std::size_t>> number_spans(const std::string& t) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t i = 0;
  while (i < t.size()) {
    const bool start = (std::isdigit(static_cast<unsigned char>(t[i])) != 0) &&
                       (i == 0 || std::string_view(" [{,:-").find(t[i - 1]) != std::string_view::npos);
    if (!start) {
      ++i;
      continue;
    }
    std::size_t b = (i > 0 && t[i - 1] == '-') ? i - 1 : i, e = i;
    while (e < t.size() && (std::isdigit(static_cast<unsigned char>(t[e])) || t[e] == '.' || t[e] == 'e')) ++e;
    out.emplace_back(b, e);
    i = e;
  }
  return out;
}

class Mutator {
 public:
  explicit Mutator(std::uint64_t seed) : rng_(seed) {}

  std::size_t pick(std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

  // Applies one random edit; `what` names it (for failure reports).
  std::string mutate(const std::string& in, std::string& what) {
    std::string t = in;
    switch (pick(11)) {
      case 0: {  // delete a line
        auto lines = split_lines(t);
        if (lines.empty()) break;
        const auto i = pick(lines.size());
        what += fmt::format("delete line {}; ", i + 1);
        lines.erase(lines.begin() + static_cast<long>(i));
        return join_lines(lines);
      }
      case 1: {  // duplicate a line
        auto lines = split_lines(t);
        if (lines.empty()) break;
        const auto i = pick(lines.size());
        what += fmt::format("duplicate line {}; ", i + 1);
        lines.insert(lines.begin() + static_cast<long>(i), lines[i]);
        return join_lines(lines);
      }
      case 2: {  // swap two lines
        auto lines = split_lines(t);
        if (lines.size() < 2) break;
        const auto i = pick(lines.size()), j = pick(lines.size());
        what += fmt::format("swap lines {} and {}; ", i + 1, j + 1);
        std::swap(lines[i], lines[j]);
        return join_lines(lines);
      }
      case 3: {  // swap two values
        const auto spans = value_spans(t);
        if (spans.size() < 2) break;
        auto a = spans[pick(spans.size())], b = spans[pick(spans.size())];
        if (a.first == b.first) break;
        if (a.first > b.first) std::swap(a, b);
        what += fmt::format("swap values at {} and {}; ", a.first, b.first);
        const std::string va = t.substr(a.first, a.second - a.first), vb = t.substr(b.first, b.second - b.first);
        t.replace(b.first, b.second - b.first, va);
        t.replace(a.first, a.second - a.first, vb);
        return t;
      }
      case 4:
      case 5: {  // replace a number
        const auto spans = number_spans(t);
        if (spans.empty()) break;
        const auto s = spans[pick(spans.size())];
        static const std::vector<std::string> odd = {"-1",
                                                     "0",
                                                     "1",
                                                     "1e308",
                                                     "-1e308",
                                                     "1e-320",
                                                     "1e999",
                                                     ".nan",
                                                     ".inf",
                                                     "-.inf",
                                                     "0x1F",
                                                     "abc",
                                                     "",
                                                     "99999999999999999999",
                                                     "2147483648",
                                                     "-0",
                                                     "1.0000000001",
                                                     "~",
                                                     "null",
                                                     "[1, 2]",
                                                     "{a: 1}",
                                                     "true",
                                                     "1_000",
                                                     "0.5.5",
                                                     "+.5",
                                                     "\"0.3\"",
                                                     "'x'",
                                                     "1e",
                                                     "- 1"};
        std::string rep;
        if (pick(2) == 0) {
          rep = fmt::format("{}", std::uniform_real_distribution<double>(-2.0, 2.0)(rng_));
        } else {
          rep = odd[pick(odd.size())];
        }
        what += fmt::format("number at {} -> '{}'; ", s.first, rep);
        t.replace(s.first, s.second - s.first, rep);
        return t;
      }
      case 6: {  // insert garbage bytes
        static const std::vector<std::string> junk = {std::string(1, '\0'),
                                                      "\xff\xfe",
                                                      "\xc3\x28",
                                                      "\xe2\x82",
                                                      "\xf0\x28\x8c\xbc",
                                                      "{",
                                                      "}",
                                                      "[",
                                                      "]",
                                                      ": ",
                                                      "- ",
                                                      "&a ",
                                                      "*a",
                                                      "*b ",
                                                      "!!binary ",
                                                      "%YAML 1.2\n",
                                                      "|\n",
                                                      ">",
                                                      "'",
                                                      "\"",
                                                      "\t",
                                                      "\r",
                                                      "\n",
                                                      "---\n",
                                                      "...\n",
                                                      "? ",
                                                      "#",
                                                      "@",
                                                      "`",
                                                      "<<: *a\n",
                                                      "\\u0000",
                                                      "\x7f",
                                                      "\xef\xbb\xbf"};
        const std::size_t n = 1 + pick(3);
        const std::size_t at = pick(t.size() + 1);
        std::string ins;
        for (std::size_t k = 0; k < n; ++k) {
          if (pick(4) == 0) ins += static_cast<char>(pick(256));
          else ins += junk[pick(junk.size())];
        }
        what += fmt::format("insert {} bytes at {}; ", ins.size(), at);
        t.insert(at, ins);
        return t;
      }
      case 7: {  // truncate
        const std::size_t at = pick(t.size() + 1);
        what += fmt::format("truncate at {}; ", at);
        t.resize(at);
        return t;
      }
      case 8: {  // change indentation
        auto lines = split_lines(t);
        if (lines.empty()) break;
        const auto i = pick(lines.size());
        std::string& l = lines[i];
        switch (pick(4)) {
          case 0: l.insert(0, std::string(1 + pick(4), ' ')); break;
          case 1: l.erase(0, std::min<std::size_t>(l.find_first_not_of(' '), 1 + pick(4))); break;
          case 2: l.insert(0, "\t"); break;
          default: l = std::string(pick(12), ' ') + l.substr(std::min(l.size(), l.find_first_not_of(' '))); break;
        }
        what += fmt::format("reindent line {}; ", i + 1);
        return join_lines(lines);
      }
      case 9: {  // delete one character
        if (t.empty()) break;
        const auto at = pick(t.size());
        what += fmt::format("delete byte {}; ", at);
        t.erase(at, 1);
        return t;
      }
      default: {  // change one character to a printable one
        if (t.empty()) break;
        const auto at = pick(t.size());
        const char c = static_cast<char>(32 + pick(95));
        what += fmt::format("byte {} -> '{}'; ", at, c);
        t[at] = c;
        return t;
      }
    }
    what += "no-op; ";
    return t;
  }

 private:
  std::mt19937_64 rng_;
};

struct Outcome {
  bool valid = false;
  std::string diagnostics;
};

// The in-memory pipeline of check_journey_file, plus compile() when valid.
Outcome process(const std::string& text, std::size_t line_count) {
  Diagnostics diags;
  YamlDocument doc = YamlDocument::load_text(text, "mutant.yaml", diags);
  JourneySpec spec = parse_journey(doc, diags);
  if (doc.ok() && doc.root.IsMap()) validate(spec, diags);
  diags.sort_and_dedupe();
  for (const auto& d : diags.items()) {
    EXPECT_EQ(d.loc.file, "mutant.yaml");
    EXPECT_FALSE(d.message.empty());
    EXPECT_GE(d.loc.line, 0);
    EXPECT_LE(static_cast<std::size_t>(d.loc.line), line_count + 1) << d.format();
    EXPECT_GE(d.loc.column, 0);
  }
  Outcome out{!diags.has_errors(), diags.format()};
  if (out.valid) {
    const CompiledModel m = compile(spec);  // must not throw
    EXPECT_EQ(m.num_touchpoints(), spec.touchpoints.size());
    EXPECT_EQ(m.kinds.back(), "timeout");
    EXPECT_EQ(m.segment_cum_share.back(), 1.0);
    EXPECT_EQ(m.cum[m.start.offset + m.start.count - 1], 1.0);
  }
  return out;
}

std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\n') out += "\\n\n";
    else if (c < 32 || c >= 127) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  return out;
}

TEST(ModelMutation, RandomEditsEndInDiagnosticsOrAValidModel) {
  std::vector<std::string> bases;
  for (const auto& p : {fs::path(CXSIM_SHARED_DIR) / "spec/examples/retail.yaml",
                        fs::path(CXSIM_SHARED_DIR) / "spec/examples/telecom_support.yaml",
                        fs::path(CXSIM_SOURCE_DIR) / "journeys/bank_account.yaml"}) {
    bases.push_back(read_text(p));
    ASSERT_FALSE(bases.back().empty()) << p;
  }
  Mutator mut(kSeed);
  int valid = 0, invalid = 0, failures = 0;
  for (int i = 0; i < kMutants && failures < 5; ++i) {
    const std::string& base = bases[mut.pick(bases.size())];
    std::string what;
    std::string text = base;
    const std::size_t edits = 1 + mut.pick(3);
    for (std::size_t k = 0; k < edits; ++k) text = mut.mutate(text, what);
    const std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    const int failures_before = ::testing::Test::HasFailure() ? 1 : 0;
    try {
      const Outcome o = process(text, lines);
      (o.valid ? valid : invalid)++;
      if (i % 16 == 0) {  // deterministic: the same input gives the same answer
        const Outcome again = process(text, lines);
        EXPECT_EQ(o.valid, again.valid);
        EXPECT_EQ(o.diagnostics, again.diagnostics);
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "mutant " << i << " (" << what << ") threw: " << e.what() << "\n" << printable(text);
      ++failures;
      continue;
    } catch (...) {
      ADD_FAILURE() << "mutant " << i << " (" << what << ") threw a non-std exception\n" << printable(text);
      ++failures;
      continue;
    }
    if (!failures_before && ::testing::Test::HasFailure()) {
      ADD_FAILURE() << "mutant " << i << " (" << what << "):\n" << printable(text);
      ++failures;
    }
  }
  std::cout << "mutants: " << valid << " valid, " << invalid << " with errors\n";
  EXPECT_EQ(valid + invalid, kMutants);
  // Both paths must be exercised substantially.
  EXPECT_GT(valid, kMutants / 20);
  EXPECT_GT(invalid, kMutants / 2);
}

// Hand-picked hostile inputs.
TEST(ModelMutation, HostileInputs) {
  const std::vector<std::string> inputs = {
      "",
      "\n",
      "---",
      "...",
      "~",
      "null",
      "42",
      "'just a string'",
      "[]",
      "{}",
      "- - - -",
      "a: &x [*x]",
      "journey: x\nstart: *nowhere\n",
      "<<: {a: 1}\n",
      "? [a, b]\n: c\n",
      "[a, b]: c\n",
      "touchpoints: {a: {channel: x, next: {a: 1}}}\nstart: {a: 1}\noutcomes: {o: }\n",
      "touchpoints: {a: {channel: [x], next: [1]}}\nstart: [a]\noutcomes: [o]\n",
      "touchpoints: {a: {channel: x, next: {o: 1}, duration: {fixed: {fixed: 1}}}}\nstart: {a: 1}\noutcomes: {o: }\n",
      "touchpoints: {a: {channel: x, next: {ok: {o: 1}, friction: 3}}}\nstart: {a: 1}\noutcomes: {o: }\n",
      "touchpoints: {a: {channel: x, next: {o: 1}}}\nstart: {a: 1}\noutcomes: {o: }\nsegments: {}\n",
      "touchpoints: {a: {channel: x, next: {o: 1}}}\nstart: {a: 1}\noutcomes: {o: }\nsegments: {s: {share: 1, "
      "overrides: {a: {next: {a: 1}}}}}\n",
      "touchpoints: {a: {channel: x, next: {o: 1}}}\nstart: {a: 1}\noutcomes: {o: }\nsurvey: {csat: {scale: 1000}}\n",
      "touchpoints: {a: {channel: x, next: {o: 1}}}\nstart: {a: 1}\noutcomes: {o: }\nsurvey: {ces: {scale: 3}}\n",
      "touchpoints: {a: {channel: x, next: {o: 1}}}\nstart: {a: 1}\noutcomes: {o: }\nmax_steps: 1e300\n",
      "touchpoints: {a: {channel: x, next: {o: 1}}}\nstart: {a: 1}\noutcomes: {o: }\nmax_steps: -1e300\n",
      "touchpoints: {a: {channel: x, next: {o: 1e-300, p: 1}}}\nstart: {a: 1}\noutcomes: {o: , p: }\n",
      "touchpoints: {a: {channel: x, next: {o: 0, p: 1}}}\nstart: {a: 0, b: 1}\noutcomes: {o: , p: }\n"
      "touchpoints: {b: {channel: y, next: {p: 1}}}\n",
      std::string(100000, '['),
      std::string(100000, '{'),
      std::string(50000, '-') + " x",
      "a:\n" + std::string(3000, ' ') + "b: 1\n",
  };
  for (const auto& text : inputs) {
    const std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    EXPECT_NO_THROW(process(text, lines)) << printable(text.substr(0, 200));
  }
}

}  // namespace
