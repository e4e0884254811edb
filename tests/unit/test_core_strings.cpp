// Text hygiene helpers (core/strings): UTF-8 decoding, the id/name/text rules
// and the escaping used for every diagnostic.
#include "cxsim/core/strings.h"

#include <gtest/gtest.h>

namespace cxsim::core {
namespace {

TEST(Utf8, WellFormedTextIsAccepted) {
  EXPECT_EQ(first_invalid_utf8("plain ascii"), std::string_view::npos);
  EXPECT_EQ(first_invalid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), std::string_view::npos);  // é € 😀
  std::size_t i = 0;
  EXPECT_EQ(decode_utf8("\xe2\x82\xac", i), char32_t{0x20AC});
  EXPECT_EQ(i, 3u);
}

TEST(Utf8, IllFormedSequencesAreFound) {
  EXPECT_EQ(first_invalid_utf8("ab\xff"), 2u);              // not a lead byte
  EXPECT_EQ(first_invalid_utf8("a\xc0\x80"), 1u);           // overlong NUL
  EXPECT_EQ(first_invalid_utf8("\xed\xa0\x80"), 0u);        // surrogate U+D800
  EXPECT_EQ(first_invalid_utf8("xy\xf4\x90\x80\x80"), 2u);  // above U+10FFFF
  EXPECT_EQ(first_invalid_utf8("abc\xe2\x82"), 3u);         // truncated
  EXPECT_EQ(first_invalid_utf8("\xe2\x28\xa1"), 0u);        // bad continuation
}

TEST(TextRules, ControlCharactersAreRefusedByEveryRuleButTextKeepsLineBreaks) {
  using std::string_literals::operator""s;
  for (auto rule : {TextRule::text, TextRule::name, TextRule::id}) {
    EXPECT_TRUE(text_problem("check\x1bout", rule).has_value());
    EXPECT_TRUE(text_problem("check\0out"s, rule).has_value());
    EXPECT_TRUE(text_problem("bad\xff", rule).has_value());
    EXPECT_FALSE(text_problem("Caf\xc3\xa9 checkout", rule).has_value());
  }
  EXPECT_FALSE(text_problem("two\nlines\tand tab", TextRule::text).has_value());
  EXPECT_TRUE(text_problem("two\nlines", TextRule::name).has_value());
  EXPECT_EQ(*text_problem("a\x1b", TextRule::id), "contains a control character (U+001B)");
}

TEST(TextRules, InvisibleCharactersAreRefusedInIdsOnly) {
  const std::string zwsp = "check\xe2\x80\x8bout";  // U+200B zero-width space
  const std::string rlo =
      "abc\xe2\x80\xae"
      "def";  // U+202E right-to-left override
  EXPECT_EQ(*text_problem(zwsp, TextRule::id), "contains an invisible character (U+200B)");
  EXPECT_TRUE(text_problem(rlo, TextRule::id).has_value());
  EXPECT_FALSE(text_problem(zwsp, TextRule::name).has_value());
}

TEST(Printable, EscapesWhatATerminalWouldInterpretAndKeepsTheRest) {
  using std::string_literals::operator""s;
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(printable("a\x1b[31mb"), "a\\u{001B}[31mb");
  EXPECT_EQ(printable("x\0y"s), "x\\u{0000}y");
  EXPECT_EQ(printable("bad\xff"), "bad\\xff");
  EXPECT_EQ(printable("zw\xe2\x80\x8b"), "zw\\u{200B}");
  // Idempotent: escaping escaped text changes nothing.
  EXPECT_EQ(printable(printable("a\x1b")), printable("a\x1b"));
}

}  // namespace
}  // namespace cxsim::core
