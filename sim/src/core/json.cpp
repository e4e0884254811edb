#include "cxsim/core/json.h"

#include <cmath>

#include <fmt/format.h>

#include "cxsim/core/strings.h"

namespace cxsim::core {

std::string JsonWriter::escape(std::string_view s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (c < 0x20) o += fmt::format("\\u{:04x}", c);
        else o += static_cast<char>(c);
    }
  }
  return o + "\"";
}

void JsonWriter::sep() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::begin_object() { sep(); out_ += '{'; first_.push_back(true); return *this; }
JsonWriter& JsonWriter::end_object() { out_ += '}'; first_.pop_back(); return *this; }
JsonWriter& JsonWriter::begin_array() { sep(); out_ += '['; first_.push_back(true); return *this; }
JsonWriter& JsonWriter::end_array() { out_ += ']'; first_.pop_back(); return *this; }
JsonWriter& JsonWriter::key(std::string_view k) {
  sep();
  out_ += escape(k);
  out_ += ':';
  after_key_ = true;
  return *this;
}
JsonWriter& JsonWriter::value(std::string_view s) { sep(); out_ += escape(s); return *this; }
JsonWriter& JsonWriter::value(double x) {
  sep();
  if (!std::isfinite(x)) out_ += "null";
  else out_ += fmt::format("{}", x);
  return *this;
}
JsonWriter& JsonWriter::value(long long x) { sep(); out_ += fmt::format("{}", x); return *this; }
JsonWriter& JsonWriter::value(unsigned long long x) { sep(); out_ += fmt::format("{}", x); return *this; }
JsonWriter& JsonWriter::value(bool b) { sep(); out_ += b ? "true" : "false"; return *this; }
JsonWriter& JsonWriter::null() { sep(); out_ += "null"; return *this; }

}  // namespace cxsim::core
