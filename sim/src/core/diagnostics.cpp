#include "cxsim/core/diagnostics.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "cxsim/core/strings.h"

namespace cxsim::core {

std::string Diagnostic::format() const {
  std::string out;
  if (!loc.file.empty()) {
    out += loc.file;
    if (loc.line > 0) {
      out += fmt::format(":{}", loc.line);
      if (loc.column > 0) out += fmt::format(":{}", loc.column);
    }
    out += ": ";
  }
  out += severity == Severity::error ? "error: " : "warning: ";
  if (!key_path.empty()) out += key_path + ": ";
  out += message;
  if (!suggestion.empty()) out += fmt::format(" (did you mean '{}'?)", suggestion);
  // One line of printable text whatever the input held (a file name, an id
  // with an escape sequence): control and invisible characters are shown
  // escaped, never sent to the terminal.
  return printable(out);
}

void Diagnostics::add(Diagnostic d) { items_.push_back(std::move(d)); }

void Diagnostics::error(SourceLoc loc, std::string key_path, std::string message, std::string suggestion) {
  items_.push_back({Severity::error, std::move(loc), std::move(key_path), std::move(message), std::move(suggestion)});
}

void Diagnostics::warning(SourceLoc loc, std::string key_path, std::string message, std::string suggestion) {
  items_.push_back({Severity::warning, std::move(loc), std::move(key_path), std::move(message), std::move(suggestion)});
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const { return error_count() > 0; }

std::size_t Diagnostics::error_count() const {
  return static_cast<std::size_t>(
      std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) { return d.severity == Severity::error; }));
}

std::size_t Diagnostics::warning_count() const { return items_.size() - error_count(); }

void Diagnostics::sort_and_dedupe() {
  auto key = [](const Diagnostic& d) { return std::tie(d.loc.file, d.loc.line, d.loc.column); };
  std::stable_sort(items_.begin(), items_.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  // Remove repeats (same place, path and message) wherever they stand.
  std::vector<Diagnostic> kept;
  for (auto& d : items_) {
    const bool dup = std::any_of(kept.begin(), kept.end(), [&](const Diagnostic& k) {
      return k.severity == d.severity && k.loc.file == d.loc.file && k.loc.line == d.loc.line &&
             k.loc.column == d.loc.column && k.key_path == d.key_path && k.message == d.message;
    });
    if (!dup) kept.push_back(std::move(d));
  }
  items_ = std::move(kept);
}

std::string Diagnostics::format() const {
  Diagnostics copy = *this;
  copy.sort_and_dedupe();
  std::string out;
  for (const auto& d : copy.items_) {
    out += d.format();
    out += '\n';
  }
  return out;
}

}  // namespace cxsim::core
