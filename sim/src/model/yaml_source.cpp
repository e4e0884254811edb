#include "cxsim/model/yaml_source.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>

#include "cxsim/core/input_file.h"
#include "cxsim/core/strings.h"
#include "cxsim/model/messages.h"

namespace cxsim::model {

using core::Diagnostics;

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

SourceLoc loc_of(const YAML::Node& node, const std::string& file) {
  SourceLoc loc{file, 0, 0};
  if (node.IsDefined()) {
    const YAML::Mark m = node.Mark();
    if (m.line >= 0) {
      loc.line = m.line + 1;
      loc.column = m.column + 1;
    }
  }
  return loc;
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  std::string s = node.Scalar();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return "'" + s + "'";
}

SourceLoc LocationIndex::find(const std::string& key_path) const {
  std::string p = key_path;
  while (true) {
    auto it = locs_.find(p);
    if (it != locs_.end()) return it->second;
    // strip a trailing [i] or .key
    const auto dot = p.find_last_of(".[");
    if (dot == std::string::npos) break;
    p.resize(dot);
  }
  return SourceLoc{file_, 0, 0};
}

namespace {

// First pass over the event stream: refuses documents whose aliases would
// expand past a node budget (billion laughs) or whose nesting is too deep,
// before anything walks the tree.
class BudgetHandler : public YAML::EventHandler {
 public:
  struct Exceeded {
    std::string message;
    YAML::Mark mark;
  };
  explicit BudgetHandler(const YamlLimits& l) : limits_(l) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t a) override { leaf(m, a, 1); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t a) override {
    aliases_ = true;
    auto it = sizes_.find(a);
    leaf(m, 0, it == sizes_.end() ? 1 : it->second);
  }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t a, const std::string&) override {
    leaf(m, a, 1);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a);
  }
  void OnMapEnd() override { close(); }

 private:
  void add(const YAML::Mark& m, double n) {
    total_ += n;
    if (!stack_.empty()) stack_.back().count += n;
    if (total_ > static_cast<double>(limits_.max_expanded_nodes)) throw too_many(m);
  }
  void leaf(const YAML::Mark& m, YAML::anchor_t a, double n) {
    if (a) sizes_[a] = n;
    add(m, n);
  }
  void open(const YAML::Mark& m, YAML::anchor_t a) {
    if (static_cast<int>(stack_.size()) >= limits_.max_depth)
      throw Exceeded{
          fmt::format("nesting deeper than {} levels; refusing it (a journey needs only a few)", limits_.max_depth), m};
    stack_.push_back({a, 0.0, m});
  }
  void close() {
    Frame f = stack_.back();
    stack_.pop_back();
    const double n = f.count + 1;
    if (f.anchor) sizes_[f.anchor] = n;
    total_ += 1;
    if (!stack_.empty()) stack_.back().count += n;
    if (total_ > static_cast<double>(limits_.max_expanded_nodes)) throw too_many(f.mark);
  }
  struct Frame {
    YAML::anchor_t anchor;
    double count;
    YAML::Mark mark;
  };
  Exceeded too_many(const YAML::Mark& m) const {
    if (aliases_)
      return {fmt::format("aliases expand this document to more than {} nodes; refusing it (an alias bomb?)",
                          limits_.max_expanded_nodes),
              m};
    return {fmt::format("document has more than {} nodes; refusing it", limits_.max_expanded_nodes), m};
  }
  const YamlLimits& limits_;
  bool aliases_ = false;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, double> sizes_;
  double total_ = 0;
};

// Stops at the start of a document (used for the one after the first).
class FurtherDocument : public YAML::EventHandler {
 public:
  struct Found {
    YAML::Mark mark;
  };
  void OnDocumentStart(const YAML::Mark& m) override { throw Found{m}; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// yaml-cpp's message, with a hint in the user's terms for the common ones.
std::string explain_yaml_error(const std::string& raw) {
  static const std::vector<std::pair<std::string, std::string>> hints = {
      {"end of map flow not found", "a '{' is not closed by a matching '}'"},
      {"end of sequence flow not found", "a '[' is not closed by a matching ']'"},
      {"end of map not found", "a mapping ends unexpectedly; check the indentation"},
      {"end of sequence not found", "a list ends unexpectedly; check the indentation"},
      {"illegal map value", "unexpected ':'; check the indentation, or quote a value that contains ': '"},
      {"illegal flow end", "a '}' or ']' without a matching opening bracket"},
      {"illegal block entry", "a '- ' list entry where a mapping was expected; check the indentation"},
      {"the referenced anchor is not defined",
       "an alias (*name) refers to an anchor (&name) defined nowhere before it"},
  };
  std::string msg = raw;
  if (!msg.empty()) msg[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(msg[0])));
  for (const auto& [from, hint] : hints)
    if (msg == from) return hint + " (" + msg + ")";
  return msg;
}

// One unit for both sizes: MiB (2^20 bytes), as the limit is set.
std::string too_large_message(std::size_t size, std::size_t limit) {
  constexpr double kMiB = 1024.0 * 1024.0;
  return fmt::format("file is {:.1f} MiB; input files are limited to {:g} MiB", static_cast<double>(size) / kMiB,
                     static_cast<double>(limit) / kMiB);
}

}  // namespace

YamlDocument YamlDocument::load_file(const std::string& path, Diagnostics& diags, const YamlLimits& limits) {
  // One open, one bounded read: pipes, FIFOs and devices work, /dev/zero stops at the limit.
  std::string text;
  try {
    text = core::read_input_file(path, limits.max_bytes, "a YAML file");
  } catch (const core::InputFileError& e) {
    diags.error({path, 0, 0}, "", e.reason());
    return {path, {}, {}, false};
  }
  return load_text(std::move(text), path, diags, limits);
}

YamlDocument YamlDocument::load_text(std::string text, std::string name, Diagnostics& diags, const YamlLimits& limits) {
  YamlDocument doc{std::move(name), std::move(text), {}, false};
  const std::string& t = doc.text;
  if (t.size() > limits.max_bytes) {
    diags.error({doc.file, 0, 0}, "", too_large_message(t.size(), limits.max_bytes));
    return doc;
  }
  if (t.find('\0') != std::string::npos) {
    const auto pos = t.find('\0');
    const int line = 1 + static_cast<int>(std::count(t.begin(), t.begin() + static_cast<long>(pos), '\n'));
    diags.error({doc.file, line, 0}, "", "file contains a NUL byte; expected YAML text");
    return doc;
  }
  if (const auto bad = core::first_invalid_utf8(t); bad != std::string::npos) {
    const auto nl = t.rfind('\n', bad == 0 ? 0 : bad - 1);
    const int line = 1 + static_cast<int>(std::count(t.begin(), t.begin() + static_cast<long>(bad), '\n'));
    const int col = static_cast<int>(nl == std::string::npos || bad == 0 ? bad + 1 : bad - nl);
    diags.error({doc.file, line, col}, "",
                fmt::format("file is not valid UTF-8 (byte 0x{:02x}); save it as UTF-8 text",
                            static_cast<unsigned>(static_cast<unsigned char>(t[bad]))));
    return doc;
  }
  // Tabs in indentation: YAML forbids them, and yaml-cpp's message is cryptic.
  {
    int line = 1, tab_lines = 0;
    bool bad = false;
    std::size_t i = 0;
    while (i < t.size()) {
      std::size_t col = 0, tab_col = 0;
      bool tab = false;
      while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) {
        if (t[i] == '\t' && !tab) {
          tab = true;
          tab_col = col;
        }
        ++i;
        ++col;
      }
      // Tabs before a comment or on a blank line are harmless.
      const bool content = i < t.size() && t[i] != '\n' && t[i] != '\r' && t[i] != '#';
      if (tab && content && ++tab_lines <= 10) {
        diags.error({doc.file, line, static_cast<int>(tab_col + 1)}, "",
                    "tab character in indentation; YAML indents with spaces only");
        bad = true;
      }
      while (i < t.size() && t[i] != '\n') ++i;
      ++i;
      ++line;
    }
    if (bad) return doc;
  }
  // Empty (or comments only)?
  {
    bool any = false;
    std::istringstream ls(t);
    std::string l;
    while (std::getline(ls, l)) {
      const auto p = l.find_first_not_of(" \t\r");
      if (p != std::string::npos && l[p] != '#' && l.compare(p, 3, "---") != 0) {
        any = true;
        break;
      }
    }
    if (!any) {
      diags.error({doc.file, 1, 1}, "", "file is empty; expected a YAML mapping");
      return doc;
    }
  }
  try {
    {
      std::istringstream s1(t);
      YAML::Parser parser(s1);
      BudgetHandler budget(limits);
      parser.HandleNextDocument(budget);
      // A file is one document: a further one after '---' would be silently
      // ignored (YAML::Load reads the first), so it is an error at its start.
      // The handler stops at the document's first event, before reading it.
      FurtherDocument further;
      try {
        parser.HandleNextDocument(further);
      } catch (const FurtherDocument::Found& f) {
        diags.error({doc.file, f.mark.line + 1, f.mark.column + 1}, "",
                    "a second YAML document (after '---'); a file holds one document: remove the '---' line and "
                    "what follows, or put it in its own file");
        return doc;
      }
    }
    doc.root = YAML::Load(t);
    doc.parsed = true;
  } catch (const BudgetHandler::Exceeded& e) {
    diags.error({doc.file, e.mark.line + 1, e.mark.column + 1}, "", e.message);
  } catch (const YAML::Exception& e) {
    std::string msg = explain_yaml_error(e.msg);
    if (e.mark.line >= 0) diags.error({doc.file, e.mark.line + 1, e.mark.column + 1}, "", "YAML syntax error: " + msg);
    else diags.error({doc.file, 0, 0}, "", "YAML syntax error: " + msg);
  }
  return doc;
}

void NodeReader::error(const YAML::Node& at, const std::string& path, std::string message, std::string suggestion) {
  diags_.error(loc(at), path, std::move(message), std::move(suggestion));
}

void NodeReader::warning(const YAML::Node& at, const std::string& path, std::string message) {
  diags_.warning(loc(at), path, std::move(message));
}

bool NodeReader::expect_map(const YAML::Node& node, const std::string& path, const char* what) {
  if (node.IsMap()) return true;
  error(node, path, fmt::format("expected {}, got {}", what, describe(node)));
  return false;
}

std::vector<NodeReader::Entry> NodeReader::entries(const YAML::Node& map, const std::string& path) {
  std::vector<Entry> out;
  if (!map.IsMap()) return out;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node k = it->first;
    if (!k.IsScalar()) {
      error(k, path, fmt::format("keys must be plain names, got {}", describe(k)));
      continue;
    }
    out.push_back({k.Scalar(), k, it->second});
  }
  return out;
}

std::optional<std::vector<NodeReader::NumberEntry>> NodeReader::number_map(
    const YAML::Node& map, const std::string& path, const std::string& key_base,
    const std::function<bool(const YAML::Node& value, const std::string& key_path, double v)>& accept) {
  std::vector<NumberEntry> out;
  std::set<std::string> seen;
  bool ok = true;
  for (const auto& e : entries(map, path)) {
    const std::string kp = join_path(key_base, e.key);
    if (!seen.insert(e.key).second) {
      error(e.key_node, kp, "duplicate target");
      ok = false;
      continue;
    }
    locs_.set(kp, loc(e.key_node));
    auto v = number(e.value, kp);
    if (!v || (accept && !accept(e.value, kp, *v))) {
      ok = false;
      continue;
    }
    out.push_back({e.key, *v});
  }
  if (!ok) return std::nullopt;
  return out;
}

void NodeReader::check_keys(const YAML::Node& map, const std::string& path, const std::vector<std::string>& allowed,
                            const std::vector<std::string>& handled) {
  std::set<std::string> seen;
  for (const auto& e : entries(map, path)) {
    const std::string kp = join_path(path, e.key);
    if (!seen.insert(e.key).second) {
      error(e.key_node, kp, "duplicate key");
      continue;
    }
    if (std::find(handled.begin(), handled.end(), e.key) != handled.end()) continue;
    if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end()) {
      std::string msg = fmt::format("unknown key '{}'", e.key);
      std::string sug = core::did_you_mean(e.key, allowed);
      if (sug.empty()) msg += fmt::format("; expected one of {}", core::quoted_list(allowed));
      error(e.key_node, kp, msg, sug);
      continue;
    }
    locs_.set(kp, loc(e.key_node));
  }
}

void NodeReader::require_keys(const YAML::Node& map, const std::string& path, const std::vector<std::string>& required,
                              const YAML::Node* at) {
  for (const auto& r : required) {
    if (!map[r]) error(at ? *at : map, path, fmt::format("missing required key '{}'", r));
  }
}

std::optional<double> NodeReader::number(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) {
    error(node, path, expected_number(describe(node)));
    return std::nullopt;
  }
  const std::string& s = node.Scalar();
  // Numbers are plain YAML numbers (docs/journey-format.md): a quoted "0.5"
  // is a string, refused like a quoted "true" is where a boolean goes.
  if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") {
    error(node, path,
          fmt::format("expected a number, got the quoted string {}; write numbers without quotes", describe(node)));
    return std::nullopt;
  }
  // Parse strictly: the whole scalar must be a number (yaml-cpp accepts some oddities).
  const char* b = s.c_str();
  char* end = nullptr;
  double v = std::strtod(b, &end);
  bool ok = end != b && *end == '\0' && !s.empty() && !std::isspace(static_cast<unsigned char>(s[0]));
  if (!ok) {
    if (s == ".inf" || s == "+.inf" || s == ".Inf") v = INFINITY, ok = true;
    else if (s == "-.inf" || s == "-.Inf") v = -INFINITY, ok = true;
    else if (s == ".nan" || s == ".NaN" || s == ".NAN") v = NAN, ok = true;
  }
  if (!ok || s.find_first_of("xXpP") != std::string::npos) {
    error(node, path, expected_number(describe(node)));
    return std::nullopt;
  }
  if (!std::isfinite(v)) {
    error(node, path, fmt::format("expected a finite number, got {}", describe(node)));
    return std::nullopt;
  }
  return v;
}

std::optional<long long> NodeReader::integer(const YAML::Node& node, const std::string& path) {
  auto v = number(node, path);
  if (!v) return std::nullopt;
  if (*v != std::floor(*v) || std::fabs(*v) > 9.0e15) {
    error(node, path, fmt::format("expected a whole number, got {}", describe(node)));
    return std::nullopt;
  }
  return static_cast<long long>(*v);
}

std::optional<std::string> NodeReader::string(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) {
    error(node, path, fmt::format("expected a name, got {}", describe(node)));
    return std::nullopt;
  }
  // Escapes in quoted scalars ("\0", "\e", "\uD800") can still make control
  // characters or broken UTF-8: refuse them so results stay valid text.
  if (auto problem = core::text_problem(node.Scalar(), core::TextRule::text)) {
    error(node, path, fmt::format("'{}' {}", node.Scalar(), *problem));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<std::vector<double>> NodeReader::number_list(const YAML::Node& node, const std::string& path) {
  if (!node.IsSequence()) {
    error(node, path, fmt::format("expected a list of numbers, got {}", describe(node)));
    return std::nullopt;
  }
  std::vector<double> out;
  bool ok = true;
  std::size_t i = 0;
  for (const auto& el : node) {
    const std::string p = fmt::format("{}[{}]", path, i++);
    auto v = number(el, p);
    if (v) {
      out.push_back(*v);
      locs_.set(p, loc(el));
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace cxsim::model
