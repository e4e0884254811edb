#pragma once
// A streaming CSV reader written by hand (docs/calibration.md, "Input files").
//
//  * RFC 4180 quoting: a field that starts with '"' may hold separators,
//    newlines and "" (an escaped quote). Text after a closing quote and before
//    the next separator is kept (lenient).
//  * UTF-8 byte-order mark skipped; line ends LF, CRLF or a lone CR.
//  * Separator given, or auto-detected from the header line: the most
//    frequent of ',' ';' '\t' outside quotes (ties in that order; none: ',').
//  * Blank lines are skipped.
//  * Memory is one read buffer (256 KiB) plus the current record. A record
//    longer than `max_record_bytes` (default 1 MiB) is refused with an
//    InputError as soon as the limit is passed, without reading the rest of
//    it; the same for a quoted field never closed before the end of file.
//
// Errors are core::InputError "file:line: ..." (line = the record's first
// physical line, 1-based).
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace cxsim::calibrate {

struct CsvOptions {
  char separator = 0;                       // 0: auto-detect
  std::size_t max_record_bytes = 1u << 20;  // 1 MiB
};

// "auto", ",", ";", "tab" (or "\t") -> separator char (0 for auto). Throws
// InputError for anything else.
char parse_separator(const std::string& text);

class CsvReader {
 public:
  // Opens the file (throws InputError when it cannot be opened). `display`
  // is the name used in messages (default: the path).
  CsvReader(const std::string& path, CsvOptions options = {}, std::string display = {});
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next record into `fields` (reusing its strings). Returns false
  // at end of file.
  bool next(std::vector<std::string>& fields);
  // The header record; an empty file is an InputError saying what header was
  // expected (e.g. "period,alive[,segment]").
  void read_header(std::vector<std::string>& fields, const std::string& expected);

  // The first physical line of the record last returned by next().
  std::uint64_t record_line() const { return record_line_; }
  // Bytes of the record last returned (raw, including quotes).
  std::size_t record_bytes() const { return record_bytes_; }
  char separator() const { return sep_; }
  const std::string& display_name() const { return display_; }
  std::uint64_t bytes_read() const { return bytes_consumed_; }

 private:
  int peek();
  int get();
  bool fill();
  void detect_separator();
  [[noreturn]] void too_long();

  std::FILE* f_ = nullptr;
  std::string display_;
  CsvOptions opt_;
  char sep_ = ',';
  std::vector<char> buf_;
  std::size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  std::uint64_t line_ = 1;
  std::uint64_t record_line_ = 0;
  std::size_t record_bytes_ = 0;
  std::uint64_t bytes_consumed_ = 0;
};

}  // namespace cxsim::calibrate
