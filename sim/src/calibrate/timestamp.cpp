#include "cxsim/calibrate/timestamp.h"
#include "cxsim/core/time.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "cxsim/core/errors.h"

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
  // min..max digits (as many as there are, up to max).
  bool digits_between(int min, int max, int& out) {
    int n = 0, v = 0;
    while (n < max && i < s.size() && s[i] >= '0' && s[i] <= '9') {
      v = v * 10 + (s[i] - '0');
      ++i;
      ++n;
    }
    if (n < min) return false;
    out = v;
    return true;
  }
  bool eat(char c) {
    if (peek() != c) return false;
    ++i;
    return true;
  }
  // Case-insensitive word.
  bool eat_word(std::string_view w) {
    if (s.size() - i < w.size()) return false;
    for (std::size_t k = 0; k < w.size(); ++k)
      if (std::tolower(static_cast<unsigned char>(s[i + k])) != std::tolower(static_cast<unsigned char>(w[k])))
        return false;
    i += w.size();
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

std::optional<std::int64_t> parse_epoch(std::string_view s, bool* ms_out = nullptr) {
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
  if (ms_out) *ms_out = ms;
  // Checked: 18 digits times 1000 overflows int64 (it used to wrap).
  std::int64_t us = 0;
  const std::int64_t unit = ms ? 1000 : 1000000;
  const auto fraction = static_cast<std::int64_t>(std::llround(frac * static_cast<double>(unit)));
  if (__builtin_mul_overflow(ip, unit, &us) || __builtin_add_overflow(us, fraction, &us)) return std::nullopt;
  return in_range(neg ? -us : us);
}

// A fraction of a second after '.' or ',': at least one digit, microseconds kept.
bool fraction(Cursor& c, std::int64_t& frac_us) {
  int n = 0;
  std::int64_t scale = 100000;
  frac_us = 0;
  while (!c.done() && c.peek() >= '0' && c.peek() <= '9') {
    if (n < 6) frac_us += (c.peek() - '0') * scale;
    scale /= 10;
    ++n;
    ++c.i;
  }
  return n > 0;
}

// A zone at the cursor: Z, UTC, GMT, ±hh, ±hh:mm, ±hhmm.
bool zone(Cursor& c, std::int64_t& offset_s) {
  const char z = c.peek();
  if (z == 'Z' || z == 'z') {
    ++c.i;
    offset_s = 0;
    return true;
  }
  if (c.eat_word("UTC") || c.eat_word("GMT")) {
    offset_s = 0;
    if (c.peek() != '+' && c.peek() != '-') return true;  // "UTC+02:00" reads on as an offset
  }
  const char sign = c.peek();
  if (sign != '+' && sign != '-') return false;
  ++c.i;
  int oh = 0, om = 0;
  if (!c.digits(2, oh)) return false;
  if (c.peek() == ':') {
    ++c.i;
    if (!c.digits(2, om)) return false;
  } else if (!c.done() && c.peek() >= '0' && c.peek() <= '9') {
    if (!c.digits(2, om)) return false;
  }
  if (oh > 23 || om > 59) return false;
  offset_s = (oh * 3600 + om * 60) * (sign == '-' ? -1 : 1);
  return true;
}

struct Parsed {
  std::int64_t us = 0;  // with a zone name: the wall-clock time read as UTC
  bool zoned = false;
  std::string_view zone_name;  // a tz database name, resolved by the parser
};

// A zone name at the cursor (%Z): letters, digits, '_', '+', '-', '/'.
bool zone_name(Cursor& c, std::string_view& name) {
  const std::size_t start = c.i;
  while (!c.done() && (std::isalnum(static_cast<unsigned char>(c.peek())) || c.peek() == '_' || c.peek() == '+' ||
                       c.peek() == '-' || c.peek() == '/'))
    ++c.i;
  name = c.s.substr(start, c.i - start);
  if (looks_like_zone_name(name)) return true;
  c.i = start;
  return false;
}

// The optional time and zone after a date, then the instant.
std::optional<Parsed> finish_date(Cursor& c, int y, int mo, int d) {
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo)) return std::nullopt;
  int hh = 0, mm = 0, ss = 0;
  std::int64_t frac_us = 0;
  std::int64_t offset_s = 0;
  bool zoned = false;
  std::string_view name;
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
        if (!fraction(c, frac_us)) return std::nullopt;
      }
    }
    if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
    if (c.peek() == ' ') ++c.i;  // "2024-01-01 10:00:00 +02:00"
    if (!c.done()) {
      const std::size_t at = c.i;
      if (!zone(c, offset_s) || !c.done()) {
        // "2024-03-31 02:30 Europe/Amsterdam" (also "Zulu", "UTCfoo": names, looked up later)
        c.i = at;
        offset_s = 0;
        if (!zone_name(c, name)) return std::nullopt;
      }
      zoned = true;
    }
    if (!c.done()) return std::nullopt;
  }
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const std::int64_t secs = days * 86400 + hh * 3600 + mm * 60 + ss - offset_s;
  const auto us = in_range(secs * 1000000 + frac_us);
  if (!us) return std::nullopt;
  return Parsed{*us, zoned, name};
}

// YYYY-MM-DD... (sep '-') or YYYY/MM/DD... (sep '/', one or two digit month and day).
std::optional<Parsed> parse_ymd(std::string_view s, char sep) {
  Cursor c{s};
  int y = 0, mo = 0, d = 0;
  if (!c.digits(4, y) || !c.eat(sep)) return std::nullopt;
  if (sep == '-') {
    if (!c.digits(2, mo) || !c.eat('-') || !c.digits(2, d)) return std::nullopt;
  } else if (!c.digits_between(1, 2, mo) || !c.eat(sep) || !c.digits_between(1, 2, d)) {
    return std::nullopt;
  }
  return finish_date(c, y, mo, d);
}

// a<sep>b<sep>YYYY..., a and b one or two digits; `day_first` says which is the day.
std::optional<Parsed> parse_abY(std::string_view s, char sep, bool day_first) {
  Cursor c{s};
  int a = 0, b = 0, y = 0;
  if (!c.digits_between(1, 2, a) || !c.eat(sep) || !c.digits_between(1, 2, b) || !c.eat(sep) || !c.digits(4, y))
    return std::nullopt;
  return day_first ? finish_date(c, y, b, a) : finish_date(c, y, a, b);
}

// ------------------------------------------------------------ --time-format

const char* const kDirectives = "%Y %m %d %e %H %I %M %S %f %p %y %b %B %h %z %Z %j %T %F %R %s %%";

bool known_directive(char c) { return std::strchr("YmdeHIMSfpybBhzZjTFRs%", c) != nullptr; }

std::optional<Parsed> parse_with_format(std::string_view fmt, std::string_view s) {
  static const char* const kMonths[] = {"january", "february", "march",     "april",   "may",      "june",
                                        "july",    "august",   "september", "october", "november", "december"};
  Cursor c{s};
  int y = 1970, mo = 1, d = 1, hh = 0, mm = 0, ss = 0, yday = -1, pm = -1;
  std::int64_t frac_us = 0, offset_s = 0;
  bool zoned = false, have_epoch = false;
  std::string_view name;
  std::int64_t epoch = 0;
  // %T, %F and %R expand in place.
  std::string f;
  for (std::size_t k = 0; k < fmt.size(); ++k) {
    if (fmt[k] == '%' && k + 1 < fmt.size()) {
      const char x = fmt[k + 1];
      if (x == 'T') f += "%H:%M:%S";
      else if (x == 'F') f += "%Y-%m-%d";
      else if (x == 'R') f += "%H:%M";
      else f += fmt.substr(k, 2);
      ++k;
    } else {
      f += fmt[k];
    }
  }
  for (std::size_t k = 0; k < f.size(); ++k) {
    const char fc = f[k];
    if (std::isspace(static_cast<unsigned char>(fc))) {
      while (!c.done() && std::isspace(static_cast<unsigned char>(c.peek()))) ++c.i;
      continue;
    }
    if (fc != '%') {
      if (!c.eat(fc)) return std::nullopt;
      continue;
    }
    const char x = f[++k];
    switch (x) {
      case 'Y':
        if (!c.digits(4, y)) return std::nullopt;
        break;
      case 'y': {
        int yy = 0;
        if (!c.digits(2, yy)) return std::nullopt;
        y = yy < 69 ? 2000 + yy : 1900 + yy;  // POSIX
        break;
      }
      case 'm':
        if (!c.digits_between(1, 2, mo)) return std::nullopt;
        break;
      case 'e':
        if (c.peek() == ' ') ++c.i;
        [[fallthrough]];
      case 'd':
        if (!c.digits_between(1, 2, d)) return std::nullopt;
        break;
      case 'H':
      case 'I':
        if (!c.digits_between(1, 2, hh)) return std::nullopt;
        break;
      case 'M':
        if (!c.digits_between(1, 2, mm)) return std::nullopt;
        break;
      case 'S':
        if (!c.digits_between(1, 2, ss)) return std::nullopt;
        break;
      case 'f':
        if (!fraction(c, frac_us)) return std::nullopt;
        break;
      case 'j':
        if (!c.digits_between(1, 3, yday)) return std::nullopt;
        break;
      case 'p':
        if (c.eat_word("AM")) pm = 0;
        else if (c.eat_word("PM")) pm = 1;
        else return std::nullopt;
        break;
      case 'b':
      case 'B':
      case 'h': {
        bool found = false;
        for (int m = 0; m < 12 && !found; ++m) {
          const std::string_view full = kMonths[m];
          if (c.eat_word(full) || c.eat_word(full.substr(0, 3))) {
            mo = m + 1;
            found = true;
          }
        }
        if (!found) return std::nullopt;
        break;
      }
      case 'z':
        if (!zone(c, offset_s)) return std::nullopt;
        zoned = true;
        break;
      case 'Z': {
        // An offset or UTC/GMT, else a zone name ("Europe/Amsterdam").
        const std::size_t at = c.i;
        const bool offset = zone(c, offset_s);
        const bool ends = c.done() || std::isspace(static_cast<unsigned char>(c.peek())) || c.peek() == f[k + 1];
        if (!offset || !ends) {
          c.i = at;
          offset_s = 0;
          if (!zone_name(c, name)) return std::nullopt;
        }
        zoned = true;
        break;
      }
      case 's': {
        const std::size_t start = c.i;
        if (c.peek() == '-') ++c.i;
        while (!c.done() && c.peek() >= '0' && c.peek() <= '9') ++c.i;
        const auto e = parse_epoch(s.substr(start, c.i - start));
        if (!e || c.i - start > 12) return std::nullopt;
        epoch = *e;
        have_epoch = true;
        zoned = true;
        break;
      }
      case '%':
        if (!c.eat('%')) return std::nullopt;
        break;
      default: return std::nullopt;
    }
  }
  if (!c.done()) return std::nullopt;
  if (have_epoch) return Parsed{epoch + frac_us, zoned};
  if (pm >= 0) {
    if (hh < 1 || hh > 12) return std::nullopt;
    hh = hh % 12 + (pm ? 12 : 0);
  }
  if (yday >= 0) {
    if (yday < 1 || yday > (is_leap(y) ? 366 : 365)) return std::nullopt;
    mo = 1;
    d = yday;
    while (d > days_in_month(y, mo)) d -= days_in_month(y, mo++);
  }
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const auto us = in_range((days * 86400 + hh * 3600 + mm * 60 + ss - offset_s) * 1000000 + frac_us);
  if (!us) return std::nullopt;
  return Parsed{*us, zoned, name};
}

// A --time-format suggestion for a slash date's time part: " %H:%M:%S.%f" etc.
std::string time_suggestion(std::string_view rest) {
  if (rest.empty()) return {};
  std::string t = " %H:%M";
  if (std::count(rest.begin(), rest.end(), ':') >= 2) t += ":%S";
  if (rest.find('.') != std::string_view::npos || rest.find(',') != std::string_view::npos) t += ".%f";
  const auto z = rest.find_first_of("+Zz", 1);
  if (z != std::string_view::npos) t += "%z";
  return t;
}

}  // namespace

std::optional<std::int64_t> parse_timestamp_us(std::string_view text) {
  const std::string_view s = trim(text);
  if (s.empty()) return std::nullopt;
  // ISO dates have '-' at position 4.
  if (s.size() < 10 || s[4] != '-') return parse_epoch(s);
  const auto p = parse_ymd(s, '-');
  if (!p || !p->zone_name.empty()) return std::nullopt;  // zone names need the parser's database
  return p->us;
}

TimestampParser::TimestampParser(std::string format, std::string timezone, std::filesystem::path zone_dir)
    : format_(std::move(format)), zones_(std::make_unique<ZoneDb>(std::move(zone_dir))) {
  if (!timezone.empty()) {
    default_zone_ = zones_->find(timezone);
    if (default_zone_ == nullptr)
      throw core::InputError(fmt::format("--timezone '{}': no such time zone in {}{}", timezone, zones_->dir().string(),
                                         zones_->suggestion(timezone)));
  }
  for (std::size_t k = 0; k < format_.size(); ++k) {
    if (format_[k] != '%') continue;
    if (k + 1 == format_.size())
      throw core::InputError(
          fmt::format("--time-format '{}': a '%' at the end (directives: {})", format_, kDirectives));
    if (!known_directive(format_[k + 1]))
      throw core::InputError(fmt::format("--time-format '{}': unknown directive %{} (directives: {})", format_,
                                         format_[k + 1], kDirectives));
    ++k;
  }
}

TimestampParser::Result TimestampParser::parse(std::string_view text) {
  const std::string_view s = trim(text);
  Result r;
  auto ok = [&](Parsed p, const std::string& form, bool zone_suffix) {
    // A wall-clock time in a named zone (the value's, else --timezone) to the instant.
    const TimeZone* tz = nullptr;
    if (!p.zone_name.empty()) {
      tz = zones_->find(p.zone_name);
      if (tz == nullptr) {
        const std::string close = zones_->suggestion(p.zone_name);
        if (close.empty() && p.zone_name.find('/') == std::string_view::npos) {
          // A trailing word that is no zone and close to none ("PM", "abc"):
          // the value is not a timestamp of these forms, as before names.
          r.message =
              fmt::format("'{}' is not a time zone in {}; {}", p.zone_name, zones_->dir().string(),
                          r.message.empty() ? fmt::format("does not match --time-format '{}'", format_) : r.message);
          return r;
        }
        r.status = Status::unknown_zone;
        r.message =
            fmt::format("names the time zone '{}', which is not in {}{}", p.zone_name, zones_->dir().string(), close);
        return r;
      }
    } else if (!p.zoned) {
      tz = default_zone_;
    }
    if (tz != nullptr) {
      const std::int64_t frac = p.us - (p.us >= 0 ? p.us / 1000000 : -((-p.us + 999999) / 1000000)) * 1000000;
      const std::int64_t local = (p.us - frac) / 1000000;
      const TimeZone::Resolved z = tz->resolve(local);
      const auto us = in_range(z.utc * 1000000 + frac);
      if (!us) {
        r.message = "is outside the years 0000 to 9999 once read in its time zone";
        return r;
      }
      p.us = *us;
      if (z.kind != TimeZone::Kind::unique) {
        std::string& first = z.kind == TimeZone::Kind::gap ? first_gap_ : first_overlap_;
        ++(z.kind == TimeZone::Kind::gap ? gaps_ : overlaps_);
        if (first.empty())
          first = z.kind == TimeZone::Kind::gap ? fmt::format("'{}' -> {}", s, format_timestamp_ms(p.us))
                                                : fmt::format("'{}' -> {}, not {}", s, format_timestamp_ms(p.us),
                                                              format_timestamp_ms(z.later * 1000000 + frac));
      }
    }
    r.status = Status::ok;
    r.us = p.us;
    std::string zone_words;
    if (zone_suffix)
      zone_words = !p.zone_name.empty() ? " with a zone name"
                   : p.zoned            ? " with zone"
                   : default_zone_      ? fmt::format(" without zone (read in {})", default_zone_->name())
                                        : " without zone (read as UTC)";
    else if (!p.zone_name.empty()) zone_words = " with a zone name";
    else if (!p.zoned && default_zone_) zone_words = fmt::format(" (read in {})", default_zone_->name());
    ++forms_[form + zone_words];
    return r;
  };
  if (!format_.empty()) {
    if (const auto p = parse_with_format(format_, s)) return ok(*p, fmt::format("--time-format '{}'", format_), false);
    r.message = fmt::format("does not match --time-format '{}'", format_);
    return r;
  }
  r.message =
      "expected ISO-8601 like 2026-01-01T00:03:12.345Z or 2011-10-11 13:45:40.276000+02:00, YYYY/MM/DD hh:mm:ss[.fff], "
      "DD.MM.YYYY[ hh:mm[:ss]], DD/MM/YYYY or MM/DD/YYYY, or epoch seconds/milliseconds, in the years 0000 to 9999; "
      "or give the form with --time-format, e.g. '%d-%b-%Y %H:%M'";
  if (s.empty()) return r;
  if (s.size() >= 10 && s[4] == '-') {
    if (const auto p = parse_ymd(s, '-')) return ok(*p, "ISO 8601", true);
    return r;
  }
  if (s.size() >= 8 && s[4] == '/') {
    if (const auto p = parse_ymd(s, '/')) return ok(*p, "YYYY/MM/DD", true);
    return r;
  }
  // One or two digit day/month, then '.' or '/'.
  const std::size_t sep_at = s.find_first_of("./");
  if (sep_at == 1 || sep_at == 2) {
    const char sep = s[sep_at];
    if (sep == '.') {
      if (const auto p = parse_abY(s, '.', true)) return ok(*p, "DD.MM.YYYY", true);
      bool ms = false;
      if (const auto e = parse_epoch(s, &ms))
        return ok(Parsed{*e, true, {}}, ms ? "epoch milliseconds" : "epoch seconds", false);
      return r;
    }
    if (day_first_ >= 0) {
      const bool df = day_first_ == 1;
      if (const auto p = parse_abY(s, '/', df)) return ok(*p, df ? "DD/MM/YYYY" : "MM/DD/YYYY", true);
      r.message =
          fmt::format("expected {} (as the first slash date of the file settled)", df ? "DD/MM/YYYY" : "MM/DD/YYYY");
      return r;
    }
    const auto dmy = parse_abY(s, '/', true);
    const auto mdy = parse_abY(s, '/', false);
    if (dmy && mdy && dmy->us != mdy->us) {
      // Where the date ends: after the second '/' and four digits.
      const std::size_t second = s.find('/', sep_at + 1);
      const std::string_view rest = second == std::string_view::npos ? "" : s.substr(std::min(s.size(), second + 5));
      const std::string t = time_suggestion(rest);
      r.status = Status::ambiguous;
      r.message = fmt::format(
          "is ambiguous: DD/MM/YYYY ({}) or MM/DD/YYYY ({}); say which with --time-format '%d/%m/%Y{}' or "
          "--time-format '%m/%d/%Y{}'",
          format_timestamp_ms(dmy->us).substr(0, 10), format_timestamp_ms(mdy->us).substr(0, 10), t, t);
      return r;
    }
    if (dmy && (!mdy || dmy->us == mdy->us)) {
      if (!mdy) day_first_ = 1;  // same day and month (e.g. 05/05): nothing settled
      return ok(*dmy, "DD/MM/YYYY", true);
    }
    if (mdy) {
      day_first_ = 0;
      return ok(*mdy, "MM/DD/YYYY", true);
    }
    return r;
  }
  bool ms = false;
  if (const auto e = parse_epoch(s, &ms))
    return ok(Parsed{*e, true, {}}, ms ? "epoch milliseconds" : "epoch seconds", false);
  return r;
}

std::string TimestampParser::describe() const {
  if (forms_.empty()) return "none";
  std::string out;
  for (const auto& [k, n] : forms_) out += fmt::format("{}{} ({})", out.empty() ? "" : ", ", k, n);
  if (gaps_ > 0)
    out += fmt::format(
        "; {} in a DST gap (a wall-clock time that does not exist), read shifted forward by the gap, "
        "first {}",
        gaps_, first_gap_);
  if (overlaps_ > 0)
    out += fmt::format(
        "; {} in a DST overlap (a wall-clock time that happens twice), read as the earlier instant, "
        "first {}",
        overlaps_, first_overlap_);
  return out;
}

std::string format_timestamp_ms(std::int64_t us) {
  return core::iso8601_utc_ms(us >= 0 ? us / 1000 : -((-us + 999) / 1000));
}

}  // namespace cxsim::calibrate
