#pragma once
// XES event logs (IEEE 1849, the process-mining standard), plain or gzip
// compressed, read as rows like the CSV event log's (docs/calibration.md,
// "XES logs").
//
// Streaming on expat (and zlib for .xes.gz): no document tree is built.
// The file is read twice: the first pass collects the attribute keys (the
// "header": each event attribute by its key, e.g. concept:name,
// time:timestamp, lifecycle:transition, org:resource, and each trace
// attribute as case:<key>, e.g. case:concept:name, case:segment), so that
// column detection and --map work as for a CSV header; the second pass
// yields one row per event, its trace's attributes filled in. Memory is
// one read buffer, the keys, and the events of one trace.
//
// Only attributes directly inside <trace> and <event> are read (string,
// date, int, float, boolean, id; nested attributes, lists, containers and
// log-level attributes are ignored). A malformed or truncated file (XML or
// gzip) is a core::InputError "file:line:column: error: ..." from expat's
// position.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cxsim::calibrate {

enum class LogFormat { csv, xes, xes_gzip };

// By content, not by name: gzip magic (1f 8b; its content must then be XML),
// '<' (after a byte-order mark and white space) for XML, anything else is
// CSV; a binary file (a NUL byte in the first line, a control byte or a
// byte no UTF-8 text starts with first, a zip) is neither: core::InputError.
// A file that cannot be opened, and a pipe or device (which cannot be
// looked at without consuming it), are csv (the CSV reader then says why).
LogFormat detect_log_format(const std::string& path);
const char* log_format_name(LogFormat f);  // "CSV", "XES", "XES (gzip)"

class XesReader {
 public:
  // Opens the file and runs the first pass (throws InputError when the file
  // is not well-formed XML, its root is not <log>, or it has no events).
  explicit XesReader(const std::string& path, std::string display = {});
  ~XesReader();
  XesReader(const XesReader&) = delete;
  XesReader& operator=(const XesReader&) = delete;

  // The keys: event attributes as named, trace attributes as case:<key>.
  const std::vector<std::string>& header() const { return header_; }
  // The next event as a row of header().size() fields (absent: empty).
  bool next(std::vector<std::string>& fields);
  // The line of the event's <event> tag.
  std::uint64_t record_line() const { return record_line_; }
  // Uncompressed bytes parsed (both passes).
  std::uint64_t bytes_read() const { return bytes_; }
  std::uint64_t traces() const { return traces_; }

  struct Row {
    std::uint64_t line = 0;
    std::vector<std::pair<int, std::string>> values;  // (column, value)
  };
  struct Parser;

 private:
  void open(bool collect);
  bool pump();  // parses one more chunk; false at the end
  std::string path_, display_;
  std::vector<std::string> header_;
  std::unordered_map<std::string, int> keys_;  // header_ -> index
  std::unique_ptr<Parser> p_;
  std::deque<Row> ready_;
  std::uint64_t record_line_ = 0, bytes_ = 0, traces_ = 0;
};

}  // namespace cxsim::calibrate
