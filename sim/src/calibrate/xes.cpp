#include "cxsim/calibrate/xes.h"

#include <expat.h>
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <unordered_map>

#include <fmt/format.h>

#include "cxsim/core/errors.h"

namespace cxsim::calibrate {

namespace {

[[noreturn]] void fail(const std::string& file, std::uint64_t line, std::uint64_t column, const std::string& message) {
  core::Diagnostics d;
  d.error({file, static_cast<int>(line), static_cast<int>(column)}, "", message);
  throw core::InputError(std::move(d));
}

// Past a UTF-8 byte-order mark and white space.
std::size_t content_start(const unsigned char* b, std::size_t n) {
  std::size_t i = n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF ? 3 : 0;
  while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')) ++i;
  return i;
}

std::string leading_bytes(const unsigned char* b, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < std::min<std::size_t>(n, 8); ++i) out += fmt::format("{}{:02x}", i ? " " : "", b[i]);
  return out;
}

// The local part of an element name ("xes:log" -> "log").
std::string_view local_name(const char* name) {
  std::string_view s(name);
  const auto colon = s.rfind(':');
  return colon == std::string_view::npos ? s : s.substr(colon + 1);
}

bool is_attribute(std::string_view n) {
  return n == "string" || n == "date" || n == "int" || n == "float" || n == "boolean" || n == "id";
}

constexpr std::size_t kMaxKeys = 10000;
constexpr std::size_t kChunk = 1 << 16;

}  // namespace

LogFormat detect_log_format(const std::string& path) {
  // A pipe or device cannot be looked at without consuming it (and XES is
  // read twice): it is read as CSV.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return LogFormat::csv;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return LogFormat::csv;
  unsigned char b[4096];
  const std::size_t n = std::fread(b, 1, sizeof b, f);
  std::fclose(f);
  if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
    gzFile gz = gzopen(path.c_str(), "rb");
    if (!gz) throw core::InputError(fmt::format("{}: cannot open the gzip file", path));
    const int m = gzread(gz, b, sizeof b);
    gzclose(gz);
    const std::size_t got = m > 0 ? static_cast<std::size_t>(m) : 0;
    const std::size_t i = content_start(b, got);
    if (i >= got || b[i] != '<')
      throw core::InputError(
          fmt::format("{}: gzip-compressed, but the content is not XML: only XES logs (.xes.gz) are read compressed; "
                      "decompress a CSV event log first (gunzip)",
                      path));
    return LogFormat::xes_gzip;
  }
  const std::size_t i = content_start(b, n);
  if (i < n && b[i] == '<') return LogFormat::xes;
  // Text starts with a printable character or the lead byte of a UTF-8
  // sequence, and has no NUL byte in its first line (the header): else the
  // file is binary (HDF5 starts 89 'H' 'D' 'F', zip 'P' 'K' 03 04, UTF-16 has
  // a NUL in every other byte).
  const unsigned char* eol = static_cast<const unsigned char*>(std::memchr(b, '\n', n));
  const std::size_t first_line = eol ? static_cast<std::size_t>(eol - b) : n;
  const void* nul = std::memchr(b, 0, first_line);
  const bool binary_start =
      i < n && ((b[i] < 0x20 && b[i] != '\t') || b[i] == 0x7F || (b[i] >= 0x80 && b[i] < 0xC2) || b[i] > 0xF4);
  if (n >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4) nul = b;
  if (nul != nullptr || binary_start)
    throw core::InputError(
        fmt::format("{}: neither a CSV event log nor an XES log: binary content (the file starts with bytes {})", path,
                    leading_bytes(b, n)));
  return LogFormat::csv;
}

const char* log_format_name(LogFormat f) {
  switch (f) {
    case LogFormat::csv: return "CSV";
    case LogFormat::xes: return "XES";
    case LogFormat::xes_gzip: return "XES (gzip)";
  }
  return "?";
}

struct XesReader::Parser {
  enum Kind { log, trace, event, attr, other };
  XML_Parser xml = nullptr;
  gzFile gz = nullptr;
  bool collect = true;
  bool done = false;
  std::string display;
  std::vector<char> buf = std::vector<char>(kChunk);
  std::unordered_map<std::string, int>* keys = nullptr;
  std::vector<std::string>* header = nullptr;
  std::deque<Row>* ready = nullptr;
  std::vector<Kind> stack;
  std::vector<std::pair<int, std::string>> trace_attrs;
  std::vector<Row> trace_events;
  Row cur;
  std::string error;  // set by a callback, which then stops the parser
  std::uint64_t error_line = 0, error_column = 0;
  std::uint64_t events = 0, traces = 0;
  std::string scratch;

  ~Parser() {
    if (xml) XML_ParserFree(xml);
    if (gz) gzclose(gz);
  }

  void stop(std::string message) {
    error = std::move(message);
    error_line = XML_GetCurrentLineNumber(xml);
    error_column = XML_GetCurrentColumnNumber(xml) + 1;
    XML_StopParser(xml, XML_FALSE);
  }

  void record(Kind parent, const char* key, const char* value) {
    scratch.clear();
    if (parent == trace) scratch = "case:";
    scratch += key;
    auto it = keys->find(scratch);
    if (collect) {
      if (it == keys->end()) {
        if (keys->size() >= kMaxKeys) {
          stop(fmt::format("more than {} distinct attribute keys", kMaxKeys));
          return;
        }
        keys->emplace(scratch, static_cast<int>(header->size()));
        header->push_back(scratch);
      }
      return;
    }
    if (it == keys->end()) return;  // not seen in the first pass (cannot happen for the same file)
    if (parent == trace) trace_attrs.emplace_back(it->second, value);
    else cur.values.emplace_back(it->second, value);
  }

  static void XMLCALL on_start(void* data, const XML_Char* name, const XML_Char** atts) {
    auto* p = static_cast<Parser*>(data);
    const std::string_view n = local_name(name);
    Kind k = other;
    if (p->stack.empty()) {
      if (n != "log") {
        p->stop(fmt::format("the root element is <{}>: not an XES log (expected <log>)", name));
        return;
      }
      k = log;
    } else {
      const Kind parent = p->stack.back();
      if (parent == log && n == "trace") {
        k = trace;
        ++p->traces;
        p->trace_attrs.clear();
        p->trace_events.clear();
      } else if (parent == trace && n == "event") {
        k = event;
        ++p->events;
        p->cur.line = XML_GetCurrentLineNumber(p->xml);
        p->cur.values.clear();
      } else if ((parent == trace || parent == event) && is_attribute(n)) {
        k = attr;
        const char* key = nullptr;
        const char* value = nullptr;
        for (int i = 0; atts[i] != nullptr; i += 2) {
          if (std::strcmp(atts[i], "key") == 0) key = atts[i + 1];
          else if (std::strcmp(atts[i], "value") == 0) value = atts[i + 1];
        }
        if (key != nullptr && value != nullptr) p->record(parent, key, value);
      }
    }
    p->stack.push_back(k);
  }

  static void XMLCALL on_end(void* data, const XML_Char*) {
    auto* p = static_cast<Parser*>(data);
    const Kind k = p->stack.back();
    p->stack.pop_back();
    if (p->collect) return;
    if (k == event) {
      p->trace_events.push_back(std::move(p->cur));
      p->cur = Row{};
    } else if (k == trace) {
      for (Row& r : p->trace_events) {
        r.values.insert(r.values.begin(), p->trace_attrs.begin(), p->trace_attrs.end());
        p->ready->push_back(std::move(r));
      }
      p->trace_events.clear();
    }
  }
};

XesReader::XesReader(const std::string& path, std::string display)
    : path_(path), display_(display.empty() ? path : std::move(display)) {
  open(true);
  while (pump()) {
  }
  if (p_->events == 0)
    fail(display_, 0, 0, fmt::format("no events: the XES log has {} traces and no <event> in any of them", p_->traces));
  traces_ = p_->traces;
  open(false);
}

XesReader::~XesReader() = default;

void XesReader::open(bool collect) {
  p_ = std::make_unique<Parser>();
  p_->collect = collect;
  p_->display = display_;
  p_->keys = &keys_;
  p_->header = &header_;
  p_->ready = &ready_;
  p_->gz = gzopen(path_.c_str(), "rb");
  if (!p_->gz) throw core::InputError(fmt::format("{}: cannot open: {}", display_, std::strerror(errno)));
  gzbuffer(p_->gz, 1 << 17);
  p_->xml = XML_ParserCreate(nullptr);
  if (!p_->xml) throw core::RuntimeError("cannot create an XML parser (out of memory)");
  XML_SetUserData(p_->xml, p_.get());
  XML_SetElementHandler(p_->xml, &Parser::on_start, &Parser::on_end);
}

bool XesReader::pump() {
  Parser& p = *p_;
  if (p.done) return false;
  const int n = gzread(p.gz, p.buf.data(), static_cast<unsigned>(p.buf.size()));
  int zerr = Z_OK;
  const char* zmsg = gzerror(p.gz, &zerr);
  if (n < 0 || (zerr != Z_OK && zerr != Z_BUF_ERROR))
    fail(display_, XML_GetCurrentLineNumber(p.xml), XML_GetCurrentColumnNumber(p.xml) + 1,
         fmt::format("cannot read the gzip data: {}", zmsg));
  if (n == 0 && zerr == Z_BUF_ERROR)
    fail(display_, XML_GetCurrentLineNumber(p.xml), XML_GetCurrentColumnNumber(p.xml) + 1,
         "truncated gzip data: the compressed stream ends early (an incomplete download or copy?)");
  bytes_ += static_cast<std::uint64_t>(n);
  const bool final = n == 0;
  if (XML_Parse(p.xml, p.buf.data(), n, final ? 1 : 0) == XML_STATUS_ERROR) {
    if (!p.error.empty()) fail(display_, p.error_line, p.error_column, p.error);
    const XML_Error code = XML_GetErrorCode(p.xml);
    const auto line = XML_GetCurrentLineNumber(p.xml);
    const auto column = XML_GetCurrentColumnNumber(p.xml) + 1;
    const bool truncated = final && (code == XML_ERROR_NO_ELEMENTS || code == XML_ERROR_UNCLOSED_TOKEN ||
                                     code == XML_ERROR_PARTIAL_CHAR || code == XML_ERROR_UNCLOSED_CDATA_SECTION);
    if (truncated)
      fail(display_, line, column,
           fmt::format("truncated XES log: the file ends before <log> is closed (XML: {})", XML_ErrorString(code)));
    fail(display_, line, column, fmt::format("not well-formed XML (expected an XES log): {}", XML_ErrorString(code)));
  }
  if (final) p.done = true;
  return !final || !ready_.empty();
}

bool XesReader::next(std::vector<std::string>& fields) {
  while (ready_.empty())
    if (!pump()) return false;
  Row r = std::move(ready_.front());
  ready_.pop_front();
  fields.resize(header_.size());
  for (auto& f : fields) f.clear();
  for (auto& [c, v] : r.values) fields[static_cast<std::size_t>(c)] = std::move(v);
  record_line_ = r.line;
  return true;
}

}  // namespace cxsim::calibrate
