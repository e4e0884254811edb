#pragma once
// A minimal streaming JSON writer for `--json` outputs (no parsing). Every
// JSON the CLI prints goes through it: strings are always escaped (and bytes
// that are not UTF-8 become U+FFFD), so any path or name gives valid JSON.
#include <string>
#include <string_view>
#include <vector>

namespace cxsim::core {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(double x);  // NaN/inf -> null
  JsonWriter& value(long long x);
  JsonWriter& value(int x) { return value(static_cast<long long>(x)); }
  JsonWriter& value(unsigned long long x);
  JsonWriter& value(std::size_t x) { return value(static_cast<unsigned long long>(x)); }
  JsonWriter& value(bool b);
  JsonWriter& null();
  const std::string& str() const { return out_; }

 private:
  static std::string escape(std::string_view s);
  void sep();
  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace cxsim::core
