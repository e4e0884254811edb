// Every file in tests/data/invalid/ breaks one rule of the journey format and
// states, in its leading `# expect: ` lines, exactly what cxsim reports for it
// (Diagnostic::format(), with the file shown by its bare name). The test loads
// each file by its path (check_journey_file, as `cxsim validate` does), shows
// each diagnostic under the bare file name, and compares the whole list: the
// expected lines, in order, and nothing else.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cxsim/core/diagnostics.h"
#include "cxsim/core/errors.h"
#include "cxsim/model/journey_loader.h"
#include "cxsim/model/validate.h"
#include "cxsim/model/yaml_source.h"
#include "temp_dir.h"

namespace {

namespace fs = std::filesystem;
using cxsim::core::Diagnostics;
using cxsim::core::Severity;
using cxsim::model::YamlDocument;
using cxsim::test::TempDir;

const fs::path kInvalidDir = fs::path(CXSIM_TEST_DATA_DIR) / "invalid";
constexpr const char* kExpect = "# expect: ";

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The leading `# expect: ` lines of a file, without the prefix.
std::vector<std::string> expectations(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line) && line.rfind(kExpect, 0) == 0) out.push_back(line.substr(std::string(kExpect).size()));
  return out;
}

// Formatted diagnostics, each shown under `shown_as` instead of its path.
std::vector<std::string> formatted(const Diagnostics& diags, const std::string& shown_as) {
  std::vector<std::string> out;
  for (auto d : diags.items()) {
    d.loc.file = shown_as;
    out.push_back(d.format());
  }
  return out;
}

std::vector<std::string> invalid_files() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kInvalidDir))
    if (e.path().extension() == ".yaml") names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// In-memory path: the same pipeline as check_journey_file, on text.
Diagnostics check_text(const std::string& text, const std::string& name) {
  Diagnostics diags;
  YamlDocument doc = YamlDocument::load_text(text, name, diags);
  auto spec = cxsim::model::parse_journey(doc, diags);
  if (doc.ok() && doc.root.IsMap()) cxsim::model::validate(spec, diags);
  diags.sort_and_dedupe();
  return diags;
}

// A fresh directory under the system temp dir, removed at scope exit.
class InvalidJourney : public ::testing::TestWithParam<std::string> {};

TEST_P(InvalidJourney, ReportsExactlyWhatItExpects) {
  const std::string name = GetParam();
  const fs::path path = kInvalidDir / name;
  const auto expected = expectations(read_text(path));
  ASSERT_FALSE(expected.empty()) << name << ": first line must be '# expect: <diagnostic>'";

  Diagnostics diags;
  cxsim::model::check_journey_file(path.string(), diags);
  EXPECT_EQ(formatted(diags, name), expected) << "all diagnostics:\n" << diags.format();
  EXPECT_TRUE(diags.has_errors());
  std::size_t expected_errors = 0;
  for (const auto& e : expected)
    if (e.find(": error: ") != std::string::npos) ++expected_errors;
  EXPECT_EQ(diags.error_count(), expected_errors);
}

TEST_P(InvalidJourney, SameDiagnosticsFromTextAsFromFile) {
  const std::string name = GetParam();
  const std::string text = read_text(kInvalidDir / name);
  EXPECT_EQ(formatted(check_text(text, name), name), expectations(text));
}

TEST_P(InvalidJourney, LoadJourneyThrowsInputErrorWithAllDiagnostics) {
  const std::string name = GetParam();
  const fs::path path = kInvalidDir / name;
  try {
    cxsim::model::load_journey(path.string());
    FAIL() << name << " loaded without error";
  } catch (const cxsim::core::InputError& e) {
    EXPECT_EQ(formatted(e.diagnostics(), name), expectations(read_text(path)));
    EXPECT_EQ(e.exit_code(), cxsim::core::ExitCode::bad_input);
  }
}

INSTANTIATE_TEST_SUITE_P(Files, InvalidJourney, ::testing::ValuesIn(invalid_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return fs::path(info.param).stem().string();
                         });

TEST(InvalidJourneys, EnoughFilesEachWithOneRule) {
  const auto files = invalid_files();
  EXPECT_GE(files.size(), 34u);
  std::size_t single = 0;
  for (const auto& f : files)
    if (expectations(read_text(kInvalidDir / f)).size() == 1) ++single;
  EXPECT_GE(single, 34u);
}

TEST(InvalidJourneys, SeveralIndependentProblemsAreReportedAtOnce) {
  const std::string name = "multi_error.yaml";
  const auto expected = expectations(read_text(kInvalidDir / name));
  ASSERT_GE(expected.size(), 4u);
  Diagnostics diags;
  cxsim::model::check_journey_file((kInvalidDir / name).string(), diags);
  EXPECT_EQ(diags.error_count(), expected.size());
  EXPECT_EQ(formatted(diags, name), expected);
}

TEST(InvalidJourneys, FiveMegabyteFileIsRefused) {
  TempDir tmp;
  const fs::path big = tmp.path / "big.yaml";
  std::string text = "journey: big\ndescription: >\n";
  while (text.size() < 5u * 1024 * 1024) text += "  " + std::string(76, 'x') + "\n";
  {
    std::ofstream out(big, std::ios::binary);
    out << text;
  }
  const std::string expected = "big.yaml: error: file is 5.0 MiB; input files are limited to 4 MiB";
  Diagnostics diags;
  cxsim::model::check_journey_file(big.string(), diags);
  EXPECT_EQ(formatted(diags, "big.yaml"), std::vector<std::string>{expected});
  EXPECT_EQ(formatted(check_text(text, "big.yaml"), "big.yaml"), std::vector<std::string>{expected});
}

TEST(InvalidJourneys, TooManyNodesWithoutAliases) {
  std::string text = "journey: many\ndescription: [";
  for (int i = 0; i < 1100000; ++i) text += "1,";
  text += "1]\n";
  const auto d = check_text(text, "many.yaml");
  ASSERT_EQ(d.error_count(), 1u) << d.format();
  EXPECT_EQ(d.items()[0].message, "document has more than 1000000 nodes; refusing it");
  EXPECT_EQ(d.items()[0].loc.line, 2);
}

TEST(InvalidJourneys, ZeroByteFileIsEmpty) {
  TempDir tmp;
  const fs::path f = tmp.path / "nothing.yaml";
  { std::ofstream out(f); }
  Diagnostics diags;
  cxsim::model::check_journey_file(f.string(), diags);
  EXPECT_EQ(formatted(diags, "nothing.yaml"),
            std::vector<std::string>{"nothing.yaml:1:1: error: file is empty; expected a YAML mapping"});
}

TEST(InvalidJourneys, MissingFileAndDirectory) {
  Diagnostics diags;
  cxsim::model::check_journey_file((kInvalidDir / "no_such_file.yaml").string(), diags);
  EXPECT_EQ(formatted(diags, "no_such_file.yaml"), std::vector<std::string>{"no_such_file.yaml: error: no such file"});
  Diagnostics d2;
  cxsim::model::check_journey_file(kInvalidDir.string(), d2);
  EXPECT_EQ(formatted(d2, "invalid"), std::vector<std::string>{"invalid: error: is a directory, expected a YAML file"});
}

TEST(InvalidJourneys, NulByteIsRefused) {
  std::string text = "journey: x\nstart: {a: 1}\n";
  text += '\0';
  const auto d = check_text(text, "nul.yaml");
  EXPECT_EQ(formatted(d, "nul.yaml"),
            std::vector<std::string>{"nul.yaml:3: error: file contains a NUL byte; expected YAML text"});
}

// --- warnings are not errors -------------------------------------------------

const char* kUnreachable = R"(journey: warn
start: {browse: 1.0}
touchpoints:
  browse:
    channel: web
    next: {bought: 1.0}
  forgotten:
    channel: phone
    next: {bought: 1.0}
outcomes:
  bought: {kind: converted}
  lost: {kind: abandoned}
)";

TEST(JourneyWarnings, UnreachableTouchpointIsAWarningAndTheFileIsValid) {
  const auto d = check_text(kUnreachable, "warn.yaml");
  EXPECT_FALSE(d.has_errors());
  EXPECT_EQ(d.error_count(), 0u);
  EXPECT_EQ(d.warning_count(), 2u);
  EXPECT_EQ(
      formatted(d, "warn.yaml"),
      (std::vector<std::string>{"warn.yaml:7:3: warning: forgotten: touchpoint 'forgotten' is unreachable from start",
                                "warn.yaml:12:3: warning: lost: outcome 'lost' is never reached"}));
  for (const auto& item : d.items()) EXPECT_EQ(item.severity, Severity::warning);

  // load_journey_text accepts it and hands the warnings back.
  cxsim::model::LoadedJourney lj = cxsim::model::load_journey_text(kUnreachable, "warn.yaml");
  EXPECT_EQ(lj.diagnostics.warning_count(), 2u);
  EXPECT_EQ(lj.spec.touchpoints.size(), 2u);
}

TEST(JourneyWarnings, WarningsAndErrorsTogether) {
  std::string text = kUnreachable;
  text.replace(text.find("    channel: web\n"), 17, "    channel: web\n    cost: -1\n");
  const auto d = check_text(text, "warn.yaml");
  EXPECT_EQ(d.error_count(), 1u);
  EXPECT_EQ(d.warning_count(), 2u);
  EXPECT_EQ(
      formatted(d, "warn.yaml"),
      (std::vector<std::string>{"warn.yaml:6:5: error: browse.cost: cost must be >= 0, got -1",
                                "warn.yaml:8:3: warning: forgotten: touchpoint 'forgotten' is unreachable from start",
                                "warn.yaml:13:3: warning: lost: outcome 'lost' is never reached"}));
  EXPECT_THROW(cxsim::model::load_journey_text(text, "warn.yaml"), cxsim::core::InputError);
}

}  // namespace
