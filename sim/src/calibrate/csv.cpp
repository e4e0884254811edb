#include "cxsim/calibrate/csv.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "cxsim/core/errors.h"

namespace cxsim::calibrate {

namespace {
constexpr std::size_t kBufferBytes = 256 * 1024;

[[noreturn]] void fail(const std::string& file, std::uint64_t line, const std::string& msg) {
  core::Diagnostics d;
  d.error({file, static_cast<int>(line), 0}, "", msg);
  throw core::InputError(std::move(d));
}
}  // namespace

char parse_separator(const std::string& text) {
  if (text.empty() || text == "auto") return 0;
  if (text == "," || text == "comma") return ',';
  if (text == ";" || text == "semicolon") return ';';
  if (text == "\t" || text == "\\t" || text == "tab") return '\t';
  if (text == "|" || text == "pipe") return '|';
  throw core::InputError(fmt::format("--sep '{}': expected auto, ',', ';', tab or '|'", text));
}

CsvReader::CsvReader(const std::string& path, CsvOptions options, std::string display)
    : display_(display.empty() ? path : std::move(display)), opt_(options), buf_(kBufferBytes) {
  f_ = std::fopen(path.c_str(), "rb");
  if (!f_) {
    throw core::InputError(fmt::format("{}: cannot open: {}", display_, std::strerror(errno)));
  }
  fill();
  // UTF-8 byte-order mark.
  if (end_ - pos_ >= 3 && static_cast<unsigned char>(buf_[pos_]) == 0xEF &&
      static_cast<unsigned char>(buf_[pos_ + 1]) == 0xBB && static_cast<unsigned char>(buf_[pos_ + 2]) == 0xBF) {
    pos_ += 3;
    bytes_consumed_ += 3;
  }
  if (opt_.separator) sep_ = opt_.separator;
  else detect_separator();
}

CsvReader::~CsvReader() {
  if (f_) std::fclose(f_);
}

bool CsvReader::fill() {
  if (eof_) return false;
  if (pos_ < end_) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
  } else {
    end_ = 0;
  }
  pos_ = 0;
  const std::size_t n = std::fread(buf_.data() + end_, 1, buf_.size() - end_, f_);
  if (n == 0) {
    if (std::ferror(f_)) fail(display_, line_, fmt::format("read error: {}", std::strerror(errno)));
    eof_ = true;
    return false;
  }
  end_ += n;
  return true;
}

inline int CsvReader::peek() {
  if (pos_ >= end_ && !fill()) return EOF;
  return static_cast<unsigned char>(buf_[pos_]);
}

inline int CsvReader::get() {
  if (pos_ >= end_ && !fill()) return EOF;
  ++bytes_consumed_;
  return static_cast<unsigned char>(buf_[pos_++]);
}

void CsvReader::detect_separator() {
  // Count candidates outside quotes on the first line in the buffer.
  std::size_t commas = 0, semis = 0, tabs = 0;
  bool quoted = false;
  for (std::size_t i = pos_; i < end_; ++i) {
    const char c = buf_[i];
    if (c == '"') quoted = !quoted;
    else if (!quoted && (c == '\n' || c == '\r')) break;
    else if (!quoted && c == ',') ++commas;
    else if (!quoted && c == ';') ++semis;
    else if (!quoted && c == '\t') ++tabs;
  }
  sep_ = ',';
  std::size_t best = commas;
  if (semis > best) {
    sep_ = ';';
    best = semis;
  }
  if (tabs > best) {
    sep_ = '\t';
  }
}

void CsvReader::too_long() {
  fail(display_, record_line_,
       fmt::format("record longer than {} bytes (the limit; raise it with --max-line-bytes); refusing to read "
                   "the rest of it",
                   opt_.max_record_bytes));
}

void CsvReader::read_header(std::vector<std::string>& fields, const std::string& expected) {
  if (next(fields)) return;
  core::Diagnostics d;
  d.error({display_, 0, 0}, "", "empty file: expected a header line (" + expected + ")");
  throw core::InputError(std::move(d));
}

bool CsvReader::next(std::vector<std::string>& fields) {
  for (;;) {
    int c = peek();
    if (c == EOF) return false;
    record_line_ = line_;
    record_bytes_ = 0;
    std::size_t nf = 0;
    auto field = [&]() -> std::string& {
      if (nf == fields.size()) fields.emplace_back();
      std::string& s = fields[nf++];
      s.clear();
      return s;
    };
    const std::size_t limit = opt_.max_record_bytes;
    bool end_record = false;
    bool blank = true;
    while (!end_record) {
      std::string& s = field();
      c = peek();
      if (c == '"') {
        blank = false;
        get();
        ++record_bytes_;
        const std::uint64_t open_line = line_;
        for (;;) {
          c = get();
          if (c == EOF) {
            fail(display_, record_line_,
                 fmt::format("quoted field opened on line {} is never closed before the end of the file", open_line));
          }
          if (++record_bytes_ > limit) too_long();
          if (c == '"') {
            if (peek() == '"') {
              get();
              ++record_bytes_;
              s.push_back('"');
            } else {
              break;
            }
          } else {
            if (c == '\n') ++line_;
            s.push_back(static_cast<char>(c));
          }
        }
      }
      // Unquoted field (or the rest after a closing quote).
      for (;;) {
        // Fast path: scan the buffer for the next special byte.
        if (pos_ < end_) {
          const char* p = buf_.data() + pos_;
          const char* e = buf_.data() + end_;
          const char* q = p;
          while (q < e && *q != sep_ && *q != '\n' && *q != '\r') ++q;
          const std::size_t n = static_cast<std::size_t>(q - p);
          if (n) {
            record_bytes_ += n;
            if (record_bytes_ > limit) too_long();
            s.append(p, n);
            pos_ += n;
            bytes_consumed_ += n;
            blank = false;
            continue;
          }
        }
        c = peek();
        if (c == EOF) {
          end_record = true;
          break;
        }
        if (c == sep_) {
          get();
          ++record_bytes_;
          blank = false;
          break;
        }
        if (c == '\n' || c == '\r') {
          get();
          if (c == '\r' && peek() == '\n') get();
          ++line_;
          end_record = true;
          break;
        }
      }
    }
    if (blank && nf == 1 && fields[0].empty()) continue;  // a blank line
    fields.resize(nf);
    return true;
  }
}

}  // namespace cxsim::calibrate
