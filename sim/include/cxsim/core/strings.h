#pragma once
// Small string utilities shared by validation and the CLI.
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

}  // namespace cxsim::core
