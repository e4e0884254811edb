#pragma once
// Diagnostics: every problem found in an input, with where it is and what to do.
#include <string>
#include <vector>

namespace cxsim::core {

// A place in a source file; line and column are 1-based (0 = unknown).
struct SourceLoc {
  std::string file;
  int line = 0;
  int column = 0;
};

enum class Severity { error, warning };

struct Diagnostic {
  Severity severity = Severity::error;
  SourceLoc loc;
  std::string key_path;    // e.g. "checkout.next.ok" (may be empty)
  std::string message;     // what is wrong and what was expected
  std::string suggestion;  // a close valid alternative, or empty

  // "file:line:col: error: key.path: message (did you mean 'x'?)"
  std::string format() const;
};

// An ordered collection of diagnostics; everything found is kept, so the
// user sees all problems at once.
class Diagnostics {
 public:
  void add(Diagnostic d);
  void error(SourceLoc loc, std::string key_path, std::string message, std::string suggestion = {});
  void warning(SourceLoc loc, std::string key_path, std::string message, std::string suggestion = {});
  void append(const Diagnostics& other);

  bool has_errors() const;
  std::size_t error_count() const;
  std::size_t warning_count() const;
  bool empty() const { return items_.empty(); }
  const std::vector<Diagnostic>& items() const { return items_; }

  // Sorted by file, line, column (stable), then formatted one per line.
  std::string format() const;
  // Sort by location (stable); removes exact duplicates.
  void sort_and_dedupe();

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace cxsim::core
