#include "cxsim/calibrate/timezone.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "cxsim/core/strings.h"
#include "cxsim/core/time.h"

namespace cxsim::calibrate {

namespace {

constexpr std::int64_t kDay = 86400;
constexpr int kLastYear = 9999;  // timestamps end there (timestamp.h)

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(std::int64_t y, int m) {
  static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// The proleptic Gregorian year of a day count since 1970-01-01 (H. Hinnant).
std::int64_t year_of_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return yoe + era * 400 + (m <= 2 ? 1 : 0);
}

struct Bytes {
  std::string_view s;
  std::size_t i = 0;
  bool have(std::size_t n) const { return s.size() - i >= n && i <= s.size(); }
  std::uint32_t u32() {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data() + i);
    i += 4;
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
  }
  std::int64_t i64() {
    const std::uint64_t hi = u32();
    const std::uint64_t lo = u32();
    return static_cast<std::int64_t>((hi << 32) | lo);
  }
  std::uint8_t u8() { return static_cast<std::uint8_t>(s[i++]); }
};

struct Header {
  char version = 0;
  std::uint32_t isut = 0, isstd = 0, leap = 0, time = 0, type = 0, chars = 0;
};

bool header(Bytes& b, Header& h) {
  if (!b.have(44) || b.s.substr(b.i, 4) != "TZif") return false;
  h.version = b.s[b.i + 4];
  b.i += 20;
  h.isut = b.u32();
  h.isstd = b.u32();
  h.leap = b.u32();
  h.time = b.u32();
  h.type = b.u32();
  h.chars = b.u32();
  // RFC 8536 section 3.1: at least one type; the indicator counts are 0 or typecnt.
  if (h.type == 0 || (h.isut != 0 && h.isut != h.type) || (h.isstd != 0 && h.isstd != h.type)) return false;
  if (h.time > 1000000 || h.type > 256 || h.chars > 100000 || h.leap > 100000) return false;
  return true;
}

// hh[:mm[:ss]] with an optional sign; hours up to 167 (RFC 8536 section 3.3.1).
bool posix_time(std::string_view s, std::size_t& i, std::int32_t& out) {
  int sign = 1;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) sign = s[i++] == '-' ? -1 : 1;
  int part[3] = {0, 0, 0};
  for (int k = 0; k < 3; ++k) {
    if (k > 0) {
      if (i >= s.size() || s[i] != ':') break;
      ++i;
    }
    const std::size_t start = i;
    int v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - start < 3) v = v * 10 + (s[i++] - '0');
    if (i == start) return false;
    part[k] = v;
  }
  if (part[0] > 167 || part[1] > 59 || part[2] > 59) return false;
  out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
  return true;
}

bool posix_name(std::string_view s, std::size_t& i) {
  if (i < s.size() && s[i] == '<') {
    const std::size_t close = s.find('>', i);
    if (close == std::string_view::npos || close - i < 4) return false;
    i = close + 1;
    return true;
  }
  const std::size_t start = i;
  while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
  return i - start >= 3;
}

bool posix_date(std::string_view s, std::size_t& i, PosixRule::Date& d) {
  auto number = [&](int& v) {
    const std::size_t start = i;
    v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - start < 3) v = v * 10 + (s[i++] - '0');
    return i > start;
  };
  if (i < s.size() && s[i] == 'M') {
    ++i;
    d.form = 'M';
    if (!number(d.month) || i >= s.size() || s[i++] != '.' || !number(d.week) || i >= s.size() || s[i++] != '.' ||
        !number(d.day))
      return false;
    if (d.month < 1 || d.month > 12 || d.week < 1 || d.week > 5 || d.day > 6) return false;
  } else if (i < s.size() && s[i] == 'J') {
    ++i;
    d.form = 'J';
    if (!number(d.day) || d.day < 1 || d.day > 365) return false;
  } else {
    d.form = 'n';
    if (!number(d.day) || d.day > 365) return false;
  }
  d.time = 7200;
  if (i < s.size() && s[i] == '/') {
    ++i;
    if (!posix_time(s, i, d.time)) return false;
  }
  return true;
}

// Days since 1970-01-01 of a rule date in `year`.
std::int64_t rule_day(const PosixRule::Date& d, int year) {
  const std::int64_t jan1 = core::days_from_civil(year, 1, 1);
  if (d.form == 'J') return jan1 + d.day - 1 + (is_leap(year) && d.day >= 60 ? 1 : 0);
  if (d.form == 'n') return jan1 + d.day;
  const std::int64_t first = core::days_from_civil(year, static_cast<unsigned>(d.month), 1);
  const std::int64_t wd = ((first + 4) % 7 + 7) % 7;  // 1970-01-01 was a Thursday (4)
  std::int64_t day = (d.day - wd + 7) % 7 + 7 * (d.week - 1);
  while (day >= days_in_month(year, d.month)) day -= 7;  // week 5: the last such day
  return first + day;
}

}  // namespace

std::optional<PosixRule> parse_posix_tz(std::string_view s) {
  PosixRule r;
  std::size_t i = 0;
  std::int32_t posix_std = 0;
  if (!posix_name(s, i) || !posix_time(s, i, posix_std)) return std::nullopt;
  r.std_offset = -posix_std;  // POSIX offsets are west of Greenwich
  if (i == s.size()) return r;
  if (!posix_name(s, i)) return std::nullopt;
  r.has_dst = true;
  r.dst_offset = r.std_offset + 3600;
  if (i < s.size() && s[i] != ',') {
    std::int32_t posix_dst = 0;
    if (!posix_time(s, i, posix_dst)) return std::nullopt;
    r.dst_offset = -posix_dst;
  }
  if (i == s.size()) {  // no rule: POSIX leaves it to the implementation; the US rule is the usual one
    r.start = {'M', 3, 2, 0, 7200};
    r.end = {'M', 11, 1, 0, 7200};
    return r;
  }
  if (s[i++] != ',' || !posix_date(s, i, r.start) || i >= s.size() || s[i++] != ',' || !posix_date(s, i, r.end))
    return std::nullopt;
  if (i != s.size()) return std::nullopt;
  return r;
}

std::vector<std::pair<std::int64_t, std::int32_t>> PosixRule::transitions(int year) const {
  if (!has_dst) return {};
  const std::int64_t on = rule_day(start, year) * kDay + start.time - std_offset;
  const std::int64_t off = rule_day(end, year) * kDay + end.time - dst_offset;
  std::vector<std::pair<std::int64_t, std::int32_t>> out = {{on, dst_offset}, {off, std_offset}};
  if (off < on) std::swap(out[0], out[1]);
  return out;
}

std::optional<TimeZone> TimeZone::from_tzif(std::string name, std::string_view bytes) {
  Bytes b{bytes};
  Header h;
  if (!header(b, h)) return std::nullopt;
  int width = 4;
  if (h.version >= '2') {
    // Skip the 32-bit block; the 64-bit one follows with its own header.
    const std::size_t v1 =
        std::size_t{h.time} * 5 + std::size_t{h.type} * 6 + h.chars + std::size_t{h.leap} * 8 + h.isstd + h.isut;
    if (!b.have(v1)) return std::nullopt;
    b.i += v1;
    if (!header(b, h)) return std::nullopt;
    width = 8;
  }
  const std::size_t block = std::size_t{h.time} * (static_cast<std::size_t>(width) + 1) + std::size_t{h.type} * 6 +
                            h.chars + std::size_t{h.leap} * (static_cast<std::size_t>(width) + 4) + h.isstd + h.isut;
  if (!b.have(block)) return std::nullopt;
  TimeZone z;
  z.name_ = std::move(name);
  std::vector<std::int64_t> at(h.time);
  for (auto& t : at) t = width == 8 ? b.i64() : static_cast<std::int32_t>(b.u32());
  std::vector<std::uint8_t> idx(h.time);
  for (auto& x : idx) x = b.u8();
  std::vector<std::int32_t> utoff(h.type);
  for (auto& o : utoff) {
    o = static_cast<std::int32_t>(b.u32());
    b.i += 2;                                          // isdst, desigidx
    if (o < -89999 || o > 93599) return std::nullopt;  // RFC 8536 section 3.2 (-2^31 is invalid)
  }
  b.i += h.chars + std::size_t{h.leap} * (static_cast<std::size_t>(width) + 4) + h.isstd + h.isut;
  z.initial_ = utoff[0];
  for (std::size_t k = 0; k < at.size(); ++k) {
    if (idx[k] >= h.type) return std::nullopt;
    if (k > 0 && at[k] <= at[k - 1]) return std::nullopt;
    z.at_.push_back(at[k]);
    z.offset_.push_back(utoff[idx[k]]);
  }
  // The footer: "\n" POSIX-TZ "\n" (version 2+).
  if (width == 8 && b.have(2) && b.s[b.i] == '\n') {
    const std::size_t end = b.s.find('\n', b.i + 1);
    if (end == std::string_view::npos) return std::nullopt;
    const std::string_view tz = b.s.substr(b.i + 1, end - b.i - 1);
    if (!tz.empty()) {
      const auto rule = parse_posix_tz(tz);
      if (!rule) return std::nullopt;
      if (!rule->has_dst) {
        if (z.at_.empty()) z.initial_ = rule->std_offset;
      } else {
        const std::int64_t last = z.at_.empty() ? std::numeric_limits<std::int64_t>::min() : z.at_.back();
        const int from = z.at_.empty() ? 1900 : static_cast<int>(year_of_days(floor_div(last, kDay)));
        for (int y = from; y <= kLastYear; ++y)
          for (const auto& [t, o] : rule->transitions(y)) {
            if (t <= last || (!z.at_.empty() && t <= z.at_.back())) continue;
            z.at_.push_back(t);
            z.offset_.push_back(o);
          }
      }
    }
  }
  return z;
}

TimeZone TimeZone::fixed(std::string name, std::int32_t offset_s) {
  TimeZone z;
  z.name_ = std::move(name);
  z.initial_ = offset_s;
  return z;
}

std::int32_t TimeZone::offset_at(std::int64_t t) const {
  const auto it = std::upper_bound(at_.begin(), at_.end(), t);
  if (it == at_.begin()) return initial_;
  return offset_[static_cast<std::size_t>(it - at_.begin()) - 1];
}

TimeZone::Resolved TimeZone::resolve(std::int64_t local) const {
  // Offsets stay within ±26 h and transitions are days apart: the instant
  // lies within three days of the wall-clock reading.
  const std::int64_t lo = local - 3 * kDay, hi = local + 3 * kDay;
  std::vector<std::int32_t> candidates = {offset_at(lo)};
  auto first = std::upper_bound(at_.begin(), at_.end(), lo);
  const auto last = std::upper_bound(at_.begin(), at_.end(), hi);
  for (auto it = first; it != last; ++it) candidates.push_back(offset_[static_cast<std::size_t>(it - at_.begin())]);
  std::set<std::int64_t> valid;
  for (const std::int32_t o : candidates)
    if (offset_at(local - o) == o) valid.insert(local - o);
  Resolved r;
  if (valid.size() == 1) {
    r.utc = r.later = *valid.begin();
    return r;
  }
  if (valid.size() >= 2) {
    r.kind = Kind::overlap;
    r.utc = *valid.begin();
    r.later = *valid.rbegin();
    return r;
  }
  // A gap: the reading falls between the transition's old and new local times.
  r.kind = Kind::gap;
  for (auto it = first; it != last; ++it) {
    const auto k = static_cast<std::size_t>(it - at_.begin());
    const std::int32_t before = k == 0 ? initial_ : offset_[k - 1];
    if (local >= at_[k] + before && local < at_[k] + offset_[k]) {
      r.utc = r.later = local - before;
      return r;
    }
  }
  r.utc = r.later = local - offset_at(local);  // not reached for a well-formed zone
  return r;
}

bool looks_like_zone_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || !std::isalpha(static_cast<unsigned char>(name.front()))) return false;
  if (name.find("..") != std::string_view::npos || name.back() == '/') return false;
  char prev = '\0';
  for (const char c : name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-' || c == '/';
    if (!ok || (c == '/' && prev == '/')) return false;
    prev = c;
  }
  return true;
}

ZoneDb::ZoneDb(std::filesystem::path dir) : dir_(std::move(dir)) {
  if (dir_.empty()) {
    const char* env = std::getenv("TZDIR");
    dir_ = env != nullptr && *env != '\0' ? std::filesystem::path(env) : std::filesystem::path("/usr/share/zoneinfo");
  }
}

const TimeZone* ZoneDb::find(std::string_view name) {
  if (const auto it = cache_.find(name); it != cache_.end()) return it->second.get();
  std::unique_ptr<TimeZone> zone;
  if (name == "UTC" || name == "Z" || name == "GMT" || name == "Etc/UTC") {
    zone = std::make_unique<TimeZone>(TimeZone::fixed(std::string(name), 0));
  } else if (looks_like_zone_name(name)) {
    const std::filesystem::path p = dir_ / std::string(name);
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec) && std::filesystem::file_size(p, ec) < (1u << 20) && !ec) {
      std::ifstream in(p, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (auto z = TimeZone::from_tzif(std::string(name), bytes)) zone = std::make_unique<TimeZone>(std::move(*z));
    }
  }
  const TimeZone* out = zone.get();
  cache_.emplace(std::string(name), std::move(zone));
  return out;
}

const std::vector<std::string>& ZoneDb::names() {
  if (names_) return *names_;
  names_.emplace();
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    const std::string rel = std::filesystem::relative(it->path(), dir_, ec).generic_string();
    if (it->is_directory(ec)) {
      if (rel == "posix" || rel == "right") it.disable_recursion_pending();  // copies of the same zones
      continue;
    }
    if (!looks_like_zone_name(rel) || rel == "posixrules" || rel == "localtime") continue;
    std::ifstream in(it->path(), std::ios::binary);
    char magic[4] = {};
    if (in.read(magic, 4) && std::string_view(magic, 4) == "TZif") names_->push_back(rel);
  }
  std::sort(names_->begin(), names_->end());
  return *names_;
}

std::string ZoneDb::suggestion(std::string_view name) {
  // Case slips first ("europe/amsterdam"), then spelling.
  for (const auto& n : names())
    if (n.size() == name.size() &&
        std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
      return fmt::format(" (did you mean '{}'?)", n);
  const std::string s = core::did_you_mean(name, names());
  return s.empty() ? "" : fmt::format(" (did you mean '{}'?)", s);
}

}  // namespace cxsim::calibrate
