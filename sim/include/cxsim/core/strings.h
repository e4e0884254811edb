#pragma once
// Small string utilities shared by validation and the CLI.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cxsim::core {

// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The closest candidate to `word`, or "" when none is close enough to be a
// plausible typo (distance <= max(1, len/3)).
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// "a, b and c" (each quoted with '').
std::string quoted_list(const std::vector<std::string>& items);

// Shortest decimal that round-trips (for messages: 0.97, 1e-09).
std::string fmt_number(double x);

// Text hygiene. decode_utf8 reads one code point at s[i] (advancing i), or
// returns nullopt for an ill-formed sequence (overlong, surrogate, > U+10FFFF,
// truncated); i then points past the bad byte.
std::optional<char32_t> decode_utf8(std::string_view s, std::size_t& i);

// Offset of the first byte that is not well-formed UTF-8, or npos.
std::size_t first_invalid_utf8(std::string_view s);

enum class TextRule {
  text,  // free text (descriptions): printable characters plus tab and line breaks
  name,  // one line of printable text (letters of every script, spaces, emoji): no control character at all
  id,    // a name without invisible or layout characters (zero-width, bidi controls, BOM, line separators)
};

// What makes `s` unfit for its rule: "is not valid UTF-8 (byte 0xff at
// offset 3)", "contains a control character (U+001B)", ...; nullopt when fit.
// Control characters (C0 incl. NUL and ESC, DEL, C1) are refused by every rule
// (text allows tab, LF and CR).
std::optional<std::string> text_problem(std::string_view s, TextRule rule);

// `s` made safe to print on a terminal or in a one-line message: control and
// invisible characters as \u{XXXX}, invalid bytes as \xHH; clean text unchanged.
std::string printable(std::string_view s);

}  // namespace cxsim::core
