// Text helpers used by id lookups and "did you mean" messages. Expected values
// are worked out by hand from the documented behaviour in core/text.h.
#include "core/text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace suanli {
namespace {

TEST(text, NormalizeIdLowerCasesAndTurnsUnderscoresAndSpacesIntoDashes) {
  // Documented: lower case, "_" and " " become "-".
  EXPECT_EQ(NormalizeId("H100"), "h100");
  EXPECT_EQ(NormalizeId("Ascend_910C"), "ascend-910c");
  EXPECT_EQ(NormalizeId("RTX PRO 6000D"), "rtx-pro-6000d");
  EXPECT_EQ(NormalizeId("llama_3 70B"), "llama-3-70b");
}

TEST(text, NormalizeIdKeepsDotsAndDashesAndIsIdempotent) {
  // "." is kept so that qwen2.5-72b stays distinct from qwen25-72b.
  EXPECT_EQ(NormalizeId("Qwen2.5-72B"), "qwen2.5-72b");
  EXPECT_EQ(NormalizeId("already-normal"), "already-normal");
  EXPECT_EQ(NormalizeId(NormalizeId("Mixed_Case Id")), NormalizeId("Mixed_Case Id"));
  EXPECT_EQ(NormalizeId(""), "");
}

// White space around a name is dropped before the inner spaces become dashes: "h20, h800" split at
// its comma is "h20" and " h800", and " h800" was looked up as "-h800" (audit round 15).
TEST(text, NormalizeIdDropsWhiteSpaceAroundTheName) {
  EXPECT_EQ(NormalizeId(" h800"), "h800");
  EXPECT_EQ(NormalizeId("llama-3-8b \t"), "llama-3-8b");
  EXPECT_EQ(NormalizeId("  NVIDIA H100 80GB HBM3 "), "nvidia-h100-80gb-hbm3");
  EXPECT_EQ(NormalizeId(" "), "");
}

TEST(text, EditDistanceClassicExamples) {
  // kitten -> sitten (k->s) -> sittin (e->i) -> sitting (+g): 3 edits, the
  // textbook Levenshtein example.
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
  // flaw -> law (delete f) -> lawn (insert n): 2.
  EXPECT_EQ(EditDistance("flaw", "lawn"), 2);
  // Against the empty string the distance is the other string's length.
  EXPECT_EQ(EditDistance("", "abc"), 3);
  EXPECT_EQ(EditDistance("abc", ""), 3);
  EXPECT_EQ(EditDistance("", ""), 0);
  // Identical strings: 0. One substitution: 1.
  EXPECT_EQ(EditDistance("h100", "h100"), 0);
  EXPECT_EQ(EditDistance("h100", "h200"), 1);
  // One insertion: h100 -> h1000.
  EXPECT_EQ(EditDistance("h100", "h1000"), 1);
}

TEST(text, EditDistanceIsSymmetric) {
  // Insertions and deletions cost the same, so d(a, b) == d(b, a).
  EXPECT_EQ(EditDistance("sitting", "kitten"), EditDistance("kitten", "sitting"));
  EXPECT_EQ(EditDistance("ascend-910b", "910c"), EditDistance("910c", "ascend-910b"));
}

TEST(text, NearestNamesClosestByEditDistanceFirst) {
  const std::vector<std::string> chips = {"a100", "h200", "h100", "mi300x", "ascend-910c"};
  // "h1000" is one deletion from h100; h200 and a100 need two edits.
  const auto nearest = NearestNames("h1000", chips);
  ASSERT_FALSE(nearest.empty());
  EXPECT_EQ(nearest.front(), "h100");
  EXPECT_EQ(nearest.size(), 3u);  // default limit is 3
}

TEST(text, NearestNamesNormalizesTheQuery) {
  const std::vector<std::string> chips = {"h20", "h100", "ascend-910c"};
  // "H100" normalizes to the candidate "h100": distance 0.
  EXPECT_EQ(NearestNames("H100", chips).front(), "h100");
  // "Ascend_910C" normalizes to "ascend-910c": distance 0.
  EXPECT_EQ(NearestNames("Ascend_910C", chips).front(), "ascend-910c");
}

TEST(text, NearestNamesSubstringMatchBeatsShortEditDistance) {
  // "910c" is 7 edits from "ascend-910c" but only 3 from "h20"; a candidate
  // containing the query is the better hint.
  const std::vector<std::string> chips = {"h20", "a100", "ascend-910c"};
  EXPECT_EQ(NearestNames("910c", chips).front(), "ascend-910c");
}

TEST(text, NearestNamesRespectsLimitAndEmptyInput) {
  const std::vector<std::string> chips = {"a100", "a800", "h100", "h800", "h20"};
  EXPECT_EQ(NearestNames("h100", chips, 2).size(), 2u);
  EXPECT_EQ(NearestNames("h100", chips, 1), std::vector<std::string>{"h100"});
  EXPECT_TRUE(NearestNames("h100", {}).empty());
  // Fewer candidates than the limit: all of them.
  EXPECT_EQ(NearestNames("x", {"a", "b"}, 5).size(), 2u);
}

TEST(text, JoinOrEnglishList) {
  // "a, b or c": commas between, "or" before the last item.
  EXPECT_EQ(JoinOr({}), "");
  EXPECT_EQ(JoinOr({"bf16"}), "bf16");
  EXPECT_EQ(JoinOr({"bf16", "fp16"}), "bf16 or fp16");
  EXPECT_EQ(JoinOr({"bf16", "fp16", "fp8"}), "bf16, fp16 or fp8");
  EXPECT_EQ(JoinOr({"a", "b", "c", "d"}), "a, b, c or d");
}

TEST(text, FirstInvalidUtf8) {
  constexpr size_t kOk = std::string_view::npos;
  EXPECT_EQ(FirstInvalidUtf8(""), kOk);
  EXPECT_EQ(FirstInvalidUtf8("plain ascii\n"), kOk);
  EXPECT_EQ(FirstInvalidUtf8("\xe7\xae\x97\xe5\x8a\x9b"), kOk);   // 算力
  EXPECT_EQ(FirstInvalidUtf8("\xf0\x9f\x98\x80 \xc3\xa9"), kOk);  // U+1F600, é
  EXPECT_EQ(FirstInvalidUtf8("caf\xe9"), 3u);                     // Latin-1 é
  EXPECT_EQ(FirstInvalidUtf8("ab\xe7\xae"), 2u);                  // cut short
  EXPECT_EQ(FirstInvalidUtf8("\xc0\xaf"), 0u);                    // overlong '/'
  EXPECT_EQ(FirstInvalidUtf8("\xe0\x80\xaf"), 0u);                // overlong
  EXPECT_EQ(FirstInvalidUtf8("\xed\xa0\x80"), 0u);                // surrogate U+D800
  EXPECT_EQ(FirstInvalidUtf8("\xf4\x90\x80\x80"), 0u);            // past U+10FFFF
  EXPECT_EQ(FirstInvalidUtf8("x\x80"), 1u);                       // lone continuation
  EXPECT_EQ(FirstInvalidUtf8("\xff"), 0u);
}

TEST(text, QuotedKeepsOneLineCutToAFixedLength) {
  EXPECT_EQ(Quoted("1e9"), "'1e9'");
  EXPECT_EQ(Quoted(""), "''");
  // The first line only, marked as cut.
  EXPECT_EQ(Quoted("12,3\n4,5,6\n"), "'12,3...'");
  EXPECT_EQ(Quoted("a\r\nb"), "'a...'");
  // At most kMaxQuotedBytes of text however long the input (a whole file after a stray quote).
  const std::string big(10'000'000, '9');
  EXPECT_EQ(Quoted(big), "'" + std::string(kMaxQuotedBytes, '9') + "...'");
  EXPECT_EQ(Quoted(std::string(kMaxQuotedBytes, 'x')),
            "'" + std::string(kMaxQuotedBytes, 'x') + "'");
  // Never half a UTF-8 character: 30 three-byte characters are 90 bytes; 20 fit in 60.
  std::string han;
  for (int i = 0; i < 30; ++i) han += "\xe7\xae\x97";
  EXPECT_EQ(Quoted(han), "'" + han.substr(0, 60) + "...'");
  EXPECT_EQ(Quoted("x" + han), "'x" + han.substr(0, 57) + "...'");
}

}  // namespace
}  // namespace suanli

#include "core/number.h"

namespace suanli {
namespace {

TEST(ScaledNumber, OneParserForEverySuffixTable) {
  static constexpr NumberSuffix kTable[] = {{"Mi", 1048576.0}, {"m", 1e-3}, {"M", 1e6}};
  EXPECT_DOUBLE_EQ(ParseScaledNumber("4Mi", kTable).value, 4194304.0);
  EXPECT_DOUBLE_EQ(ParseScaledNumber("500m", kTable).value, 0.5);
  EXPECT_DOUBLE_EQ(ParseScaledNumber("+16M", kTable).value, 16e6);
  EXPECT_DOUBLE_EQ(ParseScaledNumber("2e3", kTable).value, 2000);
  // One space before a suffix is how users write amounts ("15 T"); two is a typo.
  EXPECT_DOUBLE_EQ(ParseScaledNumber("8 M", kTable).value, 8e6);
  for (const char* bad : {"", "M", "nan", "inf", "8  M", "8 ", "8Mx", "0x10", "+"}) {
    EXPECT_EQ(ParseScaledNumber(bad, kTable).status, NumberStatus::kNotANumber) << bad;
  }
  EXPECT_EQ(ParseScaledNumber("1e308M", kTable).status, NumberStatus::kOutOfRange);
  EXPECT_EQ(ParseScaledNumber("1e400", kTable).status, NumberStatus::kOutOfRange);
}

}  // namespace
}  // namespace suanli
