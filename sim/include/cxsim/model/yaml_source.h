#pragma once
// Reading YAML with diagnostics: guarded loading (size, tabs, alias bombs,
// depth) and typed, located reads that record every problem instead of
// stopping at the first.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "cxsim/core/diagnostics.h"
#include "cxsim/model/journey_spec.h"

namespace cxsim::model {

struct YamlLimits {
  std::size_t max_bytes = 4u << 20;          // 4 MiB
  std::size_t max_expanded_nodes = 1000000;  // after alias expansion
  int max_depth = 64;
};

// A parsed YAML document. `ok()` is false when it could not be parsed; the
// reasons are in the Diagnostics passed to load.
struct YamlDocument {
  std::string file;  // as shown in diagnostics
  std::string text;
  YAML::Node root;
  bool ok() const { return parsed; }
  bool parsed = false;

  static YamlDocument load_file(const std::string& path, core::Diagnostics& diags, const YamlLimits& limits = {});
  static YamlDocument load_text(std::string text, std::string display_name, core::Diagnostics& diags,
                                const YamlLimits& limits = {});
};

SourceLoc loc_of(const YAML::Node& node, const std::string& file);

// Typed reads from YAML nodes. Each read that fails adds an error and returns
// nullopt; each read that succeeds records the node's location under its key
// path in the LocationIndex.
class NodeReader {
 public:
  NodeReader(std::string file, core::Diagnostics& diags, LocationIndex& locs)
      : file_(std::move(file)), diags_(diags), locs_(locs) {}

  const std::string& file() const { return file_; }
  core::Diagnostics& diags() { return diags_; }
  LocationIndex& locations() { return locs_; }
  SourceLoc loc(const YAML::Node& n) const { return loc_of(n, file_); }

  void error(const YAML::Node& at, const std::string& path, std::string message, std::string suggestion = {});
  void warning(const YAML::Node& at, const std::string& path, std::string message);

  // `node` must be a mapping; reports "expected a mapping" otherwise.
  bool expect_map(const YAML::Node& node, const std::string& path, const char* what = "a mapping");
  // Reports every key not in `allowed` (with a suggestion) and every
  // duplicated key; records each key's location under path.key. Keys in
  // `handled` are accepted silently (the caller reports them its own way) and
  // are not offered as suggestions.
  void check_keys(const YAML::Node& map, const std::string& path, const std::vector<std::string>& allowed,
                  const std::vector<std::string>& handled = {});
  // Reports each of `required` missing from `map`, placed at `at` when given
  // (e.g. the key naming the mapping), else at the mapping itself.
  void require_keys(const YAML::Node& map, const std::string& path, const std::vector<std::string>& required,
                    const YAML::Node* at = nullptr);

  std::optional<double> number(const YAML::Node& node, const std::string& path);
  std::optional<long long> integer(const YAML::Node& node, const std::string& path);
  std::optional<std::string> string(const YAML::Node& node, const std::string& path);
  std::optional<std::vector<double>> number_list(const YAML::Node& node, const std::string& path);

  // The map's entries in file order (key text, key node, value node); keys
  // that are not scalars are reported.
  struct Entry {
    std::string key;
    YAML::Node key_node;
    YAML::Node value;
  };
  std::vector<Entry> entries(const YAML::Node& map, const std::string& path);

  // A mapping {name: number, ...} in file order: duplicate names and values
  // that are not numbers are reported, each entry's location is recorded
  // under `key_base`.name, and `accept` (when given) may refuse a value (it
  // reports its own error). Empty when anything was refused; the caller
  // checks for an empty map.
  struct NumberEntry {
    std::string key;
    double value;
  };
  std::optional<std::vector<NumberEntry>> number_map(
      const YAML::Node& map, const std::string& path, const std::string& key_base,
      const std::function<bool(const YAML::Node& value, const std::string& key_path, double v)>& accept = {});

 private:
  std::string file_;
  core::Diagnostics& diags_;
  LocationIndex& locs_;
};

// "a.b" + "c" -> "a.b.c"; "" + "c" -> "c".
std::string join_path(const std::string& parent, const std::string& key);

// A short description of a node's type for messages: "a mapping", "a list", "'abc'".
std::string describe(const YAML::Node& node);

}  // namespace cxsim::model
