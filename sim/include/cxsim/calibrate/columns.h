#pragma once
// Column names: the logical fields calibration reads, the header aliases it
// auto-detects, and `--map field=COLUMN` overrides (docs/calibration.md,
// "Column mapping").
#include <map>
#include <string>
#include <vector>

namespace cxsim::calibrate {

enum class Field {
  customer_id,
  journey_id,
  timestamp,
  touchpoint,
  status,
  channel,
  outcome,  // events
  nps,
  csat,
  ces,  // surveys
  period,
  alive,
  periods,
  churned,
  segment,    // retention (and every input)
  lifecycle,  // events: start/complete (XES lifecycle:transition)
};
inline constexpr int kNumFields = 16;

const char* field_name(Field f);
// The header names tried for a field, in priority order (compared after
// lower-casing and trimming).
const std::vector<std::string>& field_aliases(Field f);

// The non-empty items of repeated comma-separated options ("a=b,c=d" in one
// item counts as two), in order.
std::vector<std::string> split_items(const std::vector<std::string>& items);

// `--map k=v,k2=v2`: field name -> header name. An empty value ("channel=")
// means "do not use this field even if a column matches". Throws InputError
// for an unknown field name or a malformed item.
using ColumnMap = std::map<Field, std::string>;
ColumnMap parse_column_map(const std::vector<std::string>& items);

// Column index per field for one file's header (-1: absent).
struct ResolvedColumns {
  int index[kNumFields];
  std::vector<std::string> header;
  ResolvedColumns() {
    for (int& i : index) i = -1;
  }
  int operator[](Field f) const { return index[static_cast<int>(f)]; }
  bool has(Field f) const { return (*this)[f] >= 0; }
  const std::string& name(Field f) const { return header[static_cast<std::size_t>((*this)[f])]; }
};

// Resolves `wanted` against a header: an explicit mapping wins when the
// file has that column (an explicit mapping naming a column the file lacks
// is an error for a field in `required`), else the first alias present.
// Missing required fields -> InputError "file:1: missing column 'x' (looked
// for: ...; map one with --map x=COLUMN)".
ResolvedColumns resolve_columns(const std::vector<std::string>& header, const std::vector<Field>& wanted,
                                const std::vector<Field>& required, const ColumnMap& map, const std::string& file);

}  // namespace cxsim::calibrate
