#include "cxsim/calibrate/timestamp.h"
#include "cxsim/core/time.h"

#include <cmath>

#include <fmt/format.h>

namespace cxsim::calibrate {

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) { return core::days_from_civil(y, m, d); }

namespace {

struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return i < s.size() ? s[i] : '\0'; }
  bool digits(int n, int& out) {
    if (i + static_cast<std::size_t>(n) > s.size()) return false;
    int v = 0;
    for (int k = 0; k < n; ++k) {
      const char c = s[i + static_cast<std::size_t>(k)];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    i += static_cast<std::size_t>(n);
    out = v;
    return true;
  }
};

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

// Timestamps are limited to the years 0000..9999 (as ISO dates are): epoch
// numbers beyond them (e.g. 17-18 digit milliseconds, year 300,000+) are
// refused rather than wrapped, and differences of two accepted timestamps
// never overflow.
constexpr std::int64_t kMinUs = -62167219200LL * 1000000;  // 0000-01-01T00:00:00Z
constexpr std::int64_t kEndUs = 253402300800LL * 1000000;  // 10000-01-01T00:00:00Z

std::optional<std::int64_t> in_range(std::int64_t us) {
  if (us < kMinUs || us >= kEndUs) return std::nullopt;
  return us;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<std::int64_t> parse_epoch(std::string_view s) {
  // [-]digits[.digits]
  std::size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  const std::size_t int_start = i;
  std::int64_t ip = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    if (i - int_start > 17) return std::nullopt;
    ip = ip * 10 + (s[i] - '0');
    ++i;
  }
  if (i == int_start) return std::nullopt;
  double frac = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    double scale = 0.1;
    const std::size_t fs = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      frac += (s[i] - '0') * scale;
      scale *= 0.1;
      ++i;
    }
    if (i == fs) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  const bool ms = static_cast<double>(ip) >= 1e11;
  // Checked: 18 digits times 1000 overflows int64 (it used to wrap).
  std::int64_t us = 0;
  const std::int64_t unit = ms ? 1000 : 1000000;
  const auto fraction = static_cast<std::int64_t>(std::llround(frac * static_cast<double>(unit)));
  if (__builtin_mul_overflow(ip, unit, &us) || __builtin_add_overflow(us, fraction, &us)) return std::nullopt;
  return in_range(neg ? -us : us);
}

}  // namespace

std::optional<std::int64_t> parse_timestamp_us(std::string_view text) {
  const std::string_view s = trim(text);
  if (s.empty()) return std::nullopt;
  // ISO dates have '-' at position 4.
  if (s.size() < 10 || s[4] != '-') return parse_epoch(s);
  Cursor c{s};
  int y = 0, mo = 0, d = 0;
  if (!c.digits(4, y) || c.peek() != '-') return std::nullopt;
  ++c.i;
  if (!c.digits(2, mo) || c.peek() != '-') return std::nullopt;
  ++c.i;
  if (!c.digits(2, d)) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return std::nullopt;
  int hh = 0, mm = 0, ss = 0;
  std::int64_t frac_us = 0;
  std::int64_t offset_s = 0;
  if (!c.done()) {
    if (c.peek() != 'T' && c.peek() != 't' && c.peek() != ' ') return std::nullopt;
    ++c.i;
    if (!c.digits(2, hh) || c.peek() != ':') return std::nullopt;
    ++c.i;
    if (!c.digits(2, mm)) return std::nullopt;
    if (c.peek() == ':') {
      ++c.i;
      if (!c.digits(2, ss)) return std::nullopt;
      if (c.peek() == '.' || c.peek() == ',') {
        ++c.i;
        int n = 0;
        std::int64_t scale = 100000;
        while (!c.done() && c.peek() >= '0' && c.peek() <= '9') {
          if (n < 6) frac_us += (c.peek() - '0') * scale;
          scale /= 10;
          ++n;
          ++c.i;
        }
        if (n == 0) return std::nullopt;
      }
    }
    if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
    if (c.peek() == ' ') ++c.i;  // "2024-01-01 10:00:00 +02:00"
    if (!c.done()) {
      const char z = c.peek();
      if (z == 'Z' || z == 'z') {
        ++c.i;
      } else if (z == '+' || z == '-') {
        ++c.i;
        int oh = 0, om = 0;
        if (!c.digits(2, oh)) return std::nullopt;
        if (c.peek() == ':') {
          ++c.i;
          if (!c.digits(2, om)) return std::nullopt;
        } else if (!c.done()) {
          if (!c.digits(2, om)) return std::nullopt;
        }
        if (oh > 23 || om > 59) return std::nullopt;
        offset_s = (oh * 3600 + om * 60) * (z == '-' ? -1 : 1);
      } else {
        return std::nullopt;
      }
    }
    if (!c.done()) return std::nullopt;
  }
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const std::int64_t secs = days * 86400 + hh * 3600 + mm * 60 + ss - offset_s;
  return in_range(secs * 1000000 + frac_us);
}

std::string format_timestamp_ms(std::int64_t us) {
  return core::iso8601_utc_ms(us >= 0 ? us / 1000 : -((-us + 999) / 1000));
}

}  // namespace cxsim::calibrate
