#include "cxsim/core/strings.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace cxsim::core {

namespace {
std::string code_point_name(char32_t c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(c));
  return buf;
}
std::string fmt_invalid_byte(unsigned char b, std::size_t at) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "is not valid UTF-8 (byte 0x%02x at offset %zu)", static_cast<unsigned>(b), at);
  return buf;
}
}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    prev2.swap(prev);
    prev.swap(cur);
  }
  return prev[m];
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  const std::size_t limit = std::max<std::size_t>(1, std::max(word.size(), best.size()) / 3);
  if (best.empty() || best_d == 0 || best_d > limit) return {};
  return best;
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " and " : ", ";
    out += "'" + items[i] + "'";
  }
  return out;
}

std::string fmt_number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  // Prefer a short form that is still exact enough for a message.
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::general, prec);
    std::string s(buf, p);
    double back = std::strtod(s.c_str(), nullptr);
    if (back == x || std::fabs(back - x) <= 1e-12 * std::fabs(x)) return s;
  }
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, p);
}

std::optional<char32_t> decode_utf8(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  std::size_t len;
  char32_t cp, min;
  if ((b0 & 0xE0) == 0xC0) len = 2, cp = b0 & 0x1F, min = 0x80;
  else if ((b0 & 0xF0) == 0xE0) len = 3, cp = b0 & 0x0F, min = 0x800;
  else if ((b0 & 0xF8) == 0xF0) len = 4, cp = b0 & 0x07, min = 0x10000;
  else {
    ++i;
    return std::nullopt;
  }
  if (i + len > s.size()) {
    ++i;
    return std::nullopt;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return std::nullopt;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return std::nullopt;
  }
  i += len;
  return cp;
}

std::size_t first_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t at = i;
    if (!decode_utf8(s, i)) return at;
  }
  return std::string_view::npos;
}

namespace {
bool is_control(char32_t c) { return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F); }
// Zero-width and layout characters that make two ids look alike or reorder text.
bool is_invisible(char32_t c) {
  return c == 0x00AD || c == 0x034F || c == 0x061C || c == 0x180E || (c >= 0x200B && c <= 0x200F) ||
         (c >= 0x2028 && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x206F) || c == 0xFEFF ||
         (c >= 0xFFF9 && c <= 0xFFFB);
}
}  // namespace

std::optional<std::string> text_problem(std::string_view s, TextRule rule) {
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t at = i;
    const auto cp = decode_utf8(s, i);
    if (!cp) return fmt_invalid_byte(static_cast<unsigned char>(s[at]), at);
    if (rule == TextRule::text && (*cp == '\t' || *cp == '\n' || *cp == '\r')) continue;
    if (is_control(*cp)) return "contains a control character (" + code_point_name(*cp) + ")";
    if (rule == TextRule::id && is_invisible(*cp))
      return "contains an invisible character (" + code_point_name(*cp) + ")";
  }
  return std::nullopt;
}

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t at = i;
    const auto cp = decode_utf8(s, i);
    char buf[16];
    if (!cp) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(s[at])));
      out += buf;
    } else if (is_control(*cp) || is_invisible(*cp)) {
      std::snprintf(buf, sizeof buf, "\\u{%04X}", static_cast<unsigned>(*cp));
      out += buf;
    } else {
      out.append(s.substr(at, i - at));
    }
  }
  return out;
}

}  // namespace cxsim::core
