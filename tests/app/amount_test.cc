// The one amount parser: what users type, and what they mistype.
#include "app/amount.h"

#include "core/number.h"

#include <gtest/gtest.h>

namespace suanli::app {
namespace {

TEST(ParseAmount, SuffixesArePowersOfThousandAndIecOnesOf1024) {
  EXPECT_DOUBLE_EQ(*ParseAmount("4096", "f"), 4096);
  EXPECT_DOUBLE_EQ(*ParseAmount("1.5e7", "f"), 15'000'000);
  EXPECT_DOUBLE_EQ(*ParseAmount("16M", "f"), 16'000'000);
  EXPECT_DOUBLE_EQ(*ParseAmount("2T", "f"), 2e12);
  EXPECT_DOUBLE_EQ(*ParseAmount("15.6T", "f"), 15.6e12);
  EXPECT_DOUBLE_EQ(*ParseAmount("8k", "f"), 8000);
  EXPECT_DOUBLE_EQ(*ParseAmount("1B", "f"), 1e9);
  EXPECT_DOUBLE_EQ(*ParseAmount("1G", "f"), 1e9);
  EXPECT_DOUBLE_EQ(*ParseAmount("1P", "f"), 1e15);
  // Published "4M token" batches are 4 x 2^20 = 4,194,304 tokens.
  EXPECT_DOUBLE_EQ(*ParseAmount("4Mi", "f"), 4'194'304);
  EXPECT_DOUBLE_EQ(*ParseAmount("1Ki", "f"), 1024);
  EXPECT_DOUBLE_EQ(*ParseAmount("2Gi", "f"), 2147483648.0);
  // Chinese counts as Chinese reports write them: DeepSeek-V3's 14.8 万亿 (14.8 x 10^12) tokens,
  // 400 万 (4 x 10^6) tokens/s, 1.5 亿 (1.5 x 10^8), 1 万 (10^4) cards.
  EXPECT_DOUBLE_EQ(*ParseAmount("14.8万亿", "f"), 14.8e12);
  EXPECT_DOUBLE_EQ(*ParseAmount("400万", "f"), 4e6);
  EXPECT_DOUBLE_EQ(*ParseAmount("1.5亿", "f"), 1.5e8);
  EXPECT_DOUBLE_EQ(*ParseAmount("5千亿", "f"), 5e11);
  EXPECT_DOUBLE_EQ(*ParseAmount("3千", "f"), 3000);
  EXPECT_EQ(*ParseWholeAmount("1万", "count", 1, 1 << 24), 10000);
  EXPECT_FALSE(ParseAmount("万", "f"));
  EXPECT_FALSE(ParseAmount("4万万", "f"));
  // Amounts said in words (short scale): Llama 3's "15 trillion" training tokens are 15 x 10^12,
  // "1.5 billion" 1.5 x 10^9; one space may part a number from its suffix, as "14.8 万亿".
  EXPECT_DOUBLE_EQ(*ParseAmount("15 trillion", "f"), 15e12);
  EXPECT_DOUBLE_EQ(*ParseAmount("15trillion", "f"), 15e12);
  EXPECT_DOUBLE_EQ(*ParseAmount("15 Trillion", "f"), 15e12);
  EXPECT_DOUBLE_EQ(*ParseAmount("1.5 billion", "f"), 1.5e9);
  EXPECT_DOUBLE_EQ(*ParseAmount("2 million", "f"), 2e6);
  EXPECT_DOUBLE_EQ(*ParseAmount("3 thousand", "f"), 3000);
  EXPECT_DOUBLE_EQ(*ParseAmount("14.8 万亿", "f"), 14.8e12);
  // One space before a letter too, as before a word: "15 T" is "15T", "4 Mi" 4 x 2^20.
  EXPECT_DOUBLE_EQ(*ParseAmount("15 T", "f"), 15e12);
  EXPECT_DOUBLE_EQ(*ParseAmount("16 M", "f"), 16e6);
  EXPECT_DOUBLE_EQ(*ParseAmount("4 Mi", "f"), 4194304);
  EXPECT_FALSE(ParseAmount("15  T", "f"));
  EXPECT_FALSE(ParseAmount(" T", "f"));
  EXPECT_FALSE(ParseAmount("15  trillion", "f"));
  EXPECT_FALSE(ParseAmount("15 trillions", "f"));
  EXPECT_FALSE(ParseAmount("trillion", "f"));
  EXPECT_TRUE(IsAmountWord("trillion"));
  EXPECT_TRUE(IsAmountWord("MILLION"));
  EXPECT_TRUE(IsAmountWord("万亿"));
  EXPECT_FALSE(IsAmountWord("T"));
  EXPECT_FALSE(IsAmountWord("h100"));
  EXPECT_DOUBLE_EQ(*ParseAmount("+3", "f"), 3);
  EXPECT_DOUBLE_EQ(*ParseAmount("-0.5", "f"), -0.5);
}

// Context lengths are written in K of 1024: Llama 3's "8k context" is 8,192 tokens, Llama 3.1's
// "128K" is its max_position_embeddings 131,072, InferenceMAX's "8k/1k" shape is 8,192 prompt
// and 1,024 output tokens. Other fields keep K = 1000.
TEST(ParseFieldAmount, SequenceLengthsTakeKAs1024) {
  EXPECT_EQ(*ParseWholeAmount("8k", "seq_len", 1, 1 << 24), 8192);
  EXPECT_EQ(*ParseWholeAmount("128K", "seq_len", 1, 1 << 24), 131072);
  EXPECT_EQ(*ParseWholeAmount("4Ki", "seq_len", 1, 1 << 24), 4096);
  EXPECT_EQ(*ParseWholeAmount("4096", "seq_len", 1, 1 << 24), 4096);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("8k", "input_tokens"), 8192);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("1k", "output_tokens"), 1024);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("1.5k", "input_tokens"), 1536);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("8k", "max_batched_tokens"), 8000);
  // A job's chips likewise: Llama 3's "16K H100" ran as tp 8 x pp 16 x dp 128 = 16,384 (Llama 3
  // paper, section 3.3), DeepSeek-V3's "2K H800" are 2,048 (its report, section 3.1).
  EXPECT_EQ(*ParseWholeAmount("2K", "count", 1, 1 << 24), 2048);
  EXPECT_EQ(*ParseWholeAmount("16k", "count", 1, 1 << 24), 16384);
  EXPECT_EQ(*ParseWholeAmount("2000", "count", 1, 1 << 24), 2000);
  auto typo = ParseWholeAmount("8kk", "count", 1, 1 << 24);
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().message.find("'8kk'"), std::string::npos) << typo.error().message;
  auto bad = ParseWholeAmount("8kk", "seq_len", 1, 1 << 24);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "seq_len");
}

// Shares may be typed as percentages: localize --target 100%, --gpu-memory-utilization 90%.
TEST(ParseFieldAmount, SharesTakeAPercentSign) {
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("100%", "target"), 1.0);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("90%", "kv_memory_fraction"), 0.9);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("50%", "prefix_cache_hit"), 0.5);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("0.85", "mtp_acceptance"), 0.85);
  // Not a share: the sign is not part of a number.
  auto bad = ParseFieldAmount("50%", "tpot_ms");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "tpot_ms");
  bad = ParseFieldAmount("%", "target");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "target");
}

TEST(ParseAmount, RejectsWhatIsNotExactlyANumberAndNamesTheField) {
  for (const char* bad : {"", "abc", "8abc", "8.9.1", "nan", "inf", "-inf", "1e400", "M", "16MM",
                          "16 MM", " ", "\t", "0x10", "1,000"}) {
    auto r = ParseAmount(bad, "global_batch_tokens");
    ASSERT_FALSE(r) << "'" << bad << "' parsed as " << *r;
    EXPECT_EQ(r.error().field, "global_batch_tokens") << bad;
  }
  // The message quotes at most 40 characters of what was typed.
  auto r = ParseAmount(std::string(10'000, '9') + "x", "tokens");
  ASSERT_FALSE(r);
  EXPECT_LT(r.error().message.size(), 120u);
}

// White space around a number is dropped, as around a name (NormalizeId): `--count "8 "` (a
// value pasted with its trailing space), `{"tokens": " 16M"}`, a tab or a line end. Inside the
// number nothing changes: "1 000" and "15  T" stay errors.
TEST(ParseAmount, WhiteSpaceAroundTheNumberIsDropped) {
  EXPECT_DOUBLE_EQ(*ParseAmount(" 16", "f"), 16);
  EXPECT_DOUBLE_EQ(*ParseAmount("16Mi ", "f"), 16 * 1048576.0);
  EXPECT_DOUBLE_EQ(*ParseAmount("\t15 T\n", "f"), 15e12);
  EXPECT_EQ(*ParseWholeAmount("8 ", "count", 1, 10'000'000), 8);
  EXPECT_EQ(*ParseWholeAmount(" 2x8 ", "count", 1, 10'000'000), 16);
  EXPECT_EQ(*ParseWholeAmount(" 16K", "count", 1, 10'000'000), 16384);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount(" 50ms ", "tpot_ms"), 50);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("8k ", "seq_len"), 8192);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount(" 90%", "kv_memory_fraction"), 0.9);
  EXPECT_FALSE(ParseAmount("1 000", "f"));
  EXPECT_FALSE(ParseAmount(" 15  T ", "f"));
  auto blank = ParseWholeAmount("  ", "count", 1, 10);
  ASSERT_FALSE(blank);
  EXPECT_EQ(blank.error().field, "count");
  EXPECT_NE(blank.error().message.find("empty"), std::string::npos) << blank.error().message;
}

// A time with its unit, for fields whose name gives theirs (--tpot-ms 50ms, --ttft-ms 2s,
// --duration-s 600s); other fields and other units stay errors.
TEST(ParseFieldAmount, TimesTakeTheirUnit) {
  EXPECT_EQ(*ParseFieldAmount("50ms", "tpot_ms"), 50);
  EXPECT_EQ(*ParseFieldAmount("2s", "ttft_ms"), 2000);
  EXPECT_EQ(*ParseFieldAmount("0.1 s", "tpot_ms"), 100);
  EXPECT_EQ(*ParseFieldAmount("600s", "duration_s"), 600);
  EXPECT_EQ(*ParseFieldAmount("500ms", "duration_s"), 0.5);
  EXPECT_EQ(*ParseFieldAmount("16M", "tokens"), 16e6);
  EXPECT_FALSE(ParseFieldAmount("50us", "tpot_ms"));
  EXPECT_FALSE(ParseFieldAmount("ms", "tpot_ms"));
  EXPECT_FALSE(ParseFieldAmount("50ms", "tokens"));
  EXPECT_FALSE(ParseAmount("50ms", "tpot_ms"));  // measurements (calibrate) stay plain numbers
  EXPECT_EQ(ParseFieldAmount("50us", "tpot_ms").error().field, "tpot_ms");
  EXPECT_NE(ParseFieldAmount("ms", "tpot_ms").error().message.find("'ms'"), std::string::npos);
}

// A power cap as users type it: "700W", "1.2kW" (the amount's k), and only for a field in watts.
// Durations as they are written (Kubernetes' and Go's 5m, 1h, 30s; days): m is minutes in a
// time field, never milli (ms) or mega (M); a rate (per_s, gb_s) takes none of them.
TEST(ParseFieldAmount, DurationsTakeMinutesHoursAndDays) {
  EXPECT_EQ(*ParseFieldAmount("5m", "duration_s"), 300);     // 5 x 60
  EXPECT_EQ(*ParseFieldAmount("10min", "duration_s"), 600);  // 10 x 60
  EXPECT_EQ(*ParseFieldAmount("2h", "duration_s"), 7200);    // 2 x 3,600
  EXPECT_EQ(*ParseFieldAmount("30d", "deadline_h"), 720);    // 30 x 24
  EXPECT_EQ(*ParseFieldAmount("90m", "deadline_h"), 1.5);    // 90 / 60
  EXPECT_EQ(*ParseFieldAmount("1m", "tpot_ms"), 60000);
  EXPECT_EQ(*ParseFieldAmount("50ms", "tpot_ms"), 50);
  EXPECT_EQ(*ParseFieldAmount("1.5M", "demand_tokens_per_s"), 1.5e6);
  EXPECT_FALSE(ParseFieldAmount("1.5m", "demand_tokens_per_s"));
  EXPECT_FALSE(ParseFieldAmount("5m", "tokens"));
}

TEST(ParseFieldAmount, PowersTakeTheirWatts) {
  EXPECT_EQ(*ParseFieldAmount("500W", "power_cap_w"), 500);
  EXPECT_EQ(*ParseFieldAmount("1.2kW", "power_cap_w"), 1200);
  EXPECT_EQ(*ParseFieldAmount("350 W", "power_cap_w"), 350);
  EXPECT_EQ(*ParseFieldAmount("350", "power_cap_w"), 350);
  EXPECT_FALSE(ParseFieldAmount("W", "power_cap_w"));
  EXPECT_FALSE(ParseFieldAmount("500mW", "power_cap_w"));
  EXPECT_FALSE(ParseFieldAmount("500W", "tokens"));
  EXPECT_NE(ParseFieldAmount("W", "power_cap_w").error().message.find("'W'"), std::string::npos);
}

// Out of range names the value and, for a type's own bound, says it is too large rather than
// quoting int64 limits ("must be between -9223372036854775808 and ..." before).
TEST(ParseWholeAmount, BeyondTheTypeSaysTooLarge) {
  auto big = ParseWholeAmount("9223372036854775808", "count", INT64_MIN, INT64_MAX);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().message, "9223372036854775808 is too large");
  auto seq = ParseWholeAmount("1e12", "seq_len", INT32_MIN, INT32_MAX);
  ASSERT_FALSE(seq);
  EXPECT_EQ(seq.error().message, "1e12 is too large");
  auto seed = ParseWholeAmount("-1", "seed", 0, INT64_MAX);
  ASSERT_FALSE(seed);
  EXPECT_EQ(seed.error().message, "must be at least 0, got -1");
  auto tp = ParseWholeAmount("0", "tp", 1, 1'000'000);
  ASSERT_FALSE(tp);
  EXPECT_EQ(tp.error().message, "must be between 1 and 1000000, got 0");
  auto half = WholeNumber(256.5, "max_num_seqs", 1, 1 << 20);
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error().message, "expected a whole number, got 256.5");
}

TEST(ParseWholeAmount, WholeNumbersInRangeOnly) {
  EXPECT_EQ(*ParseWholeAmount("16M", "seq_len", 1, 100'000'000), 16'000'000);
  EXPECT_EQ(*ParseWholeAmount("1e3", "count", 1, 10'000'000), 1000);
  // Exact above 2^53: seeds must not round.
  EXPECT_EQ(*ParseWholeAmount("9007199254740993", "seed", 0, INT64_MAX), 9007199254740993LL);
  EXPECT_FALSE(ParseWholeAmount("8.9", "count", 1, 100));
  EXPECT_FALSE(ParseWholeAmount("1e9", "count", 1, 100));
  EXPECT_FALSE(ParseWholeAmount("-1", "seed", 0, INT64_MAX));
  EXPECT_FALSE(ParseWholeAmount("", "seed", 0, INT64_MAX));
  auto r = ParseWholeAmount("1e30", "seed", 0, INT64_MAX);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "seed");
}

// A fleet as it is written, nodes x chips per node: "2x8" H100 is 16 chips; only for counts, both
// factors whole and at least 1, the product within the field's bounds.
TEST(ParseWholeAmount, CountsTakeNodesTimesChipsPerNode) {
  EXPECT_EQ(*ParseWholeAmount("2x8", "count", 1, 10'000'000), 16);
  EXPECT_EQ(*ParseWholeAmount("128X8", "count", 1, 10'000'000), 1024);
  EXPECT_EQ(*ParseWholeAmount("4*8", "count", 1, 10'000'000), 32);
  for (const char* bad : {"0x8", "2x0", "2x", "x8", "2.5x8", "2x8x2", "-2x8"}) {
    auto r = ParseWholeAmount(bad, "count", 1, 10'000'000);
    ASSERT_FALSE(r) << bad << " parsed as " << *r;
    EXPECT_EQ(r.error().field, "count") << bad;
  }
  // 5,000,000 x 3 = 15,000,000 chips: over the bound, said as such.
  auto big = ParseWholeAmount("5000000x3", "count", 1, 10'000'000);
  ASSERT_FALSE(big);
  EXPECT_NE(big.error().message.find("10000000"), std::string::npos) << big.error().message;
  auto huge = ParseWholeAmount("9223372036854775807x2", "count", 1, INT64_MAX);
  ASSERT_FALSE(huge);
  // Other whole fields keep their meaning: 2x8 is no seed.
  EXPECT_FALSE(ParseWholeAmount("2x8", "seed", 0, INT64_MAX));
}

// simulate's --gpus is one job's chips, read as --count is: 1k is 1,024 (K as clusters are
// written, the same as its --cluster h800:2k:8 is 2,048) and 2x8 is 16. Round 7 of the user's-eye
// audit: `simulate --gpus 1k --cluster h800:2k:8` ran 1,000 GPUs of the cluster's 2,048.
TEST(ParseWholeAmount, SimulateGpusAreAChipCount) {
  EXPECT_EQ(*ParseWholeAmount("1k", "gpus", 1, 10'000'000), 1024);
  EXPECT_EQ(*ParseWholeAmount("16K", "gpus", 1, 10'000'000), 16384);
  EXPECT_EQ(*ParseWholeAmount("2x8", "gpus", 1, 10'000'000), 16);
  EXPECT_EQ(*ParseWholeAmount("1k", "count", 1, 10'000'000), 1024);
  // Elsewhere K stays 1000 (a sample count).
  EXPECT_EQ(*ParseWholeAmount("1k", "samples", 1, 10'000'000), 1000);
}

// A price with its dollar sign, for fields in dollars only.
TEST(ParseFieldAmount, PricesTakeTheirDollarSign) {
  EXPECT_EQ(*ParseFieldAmount("$2", "chip_hour_usd"), 2.0);
  EXPECT_EQ(*ParseFieldAmount("$2.50", "chip_hour_usd"), 2.5);
  EXPECT_FALSE(ParseFieldAmount("$", "chip_hour_usd"));
  EXPECT_FALSE(ParseFieldAmount("$2", "tokens"));
}

// A demand (or a request rate) typed over the time it is counted in: the day's average a second.
// 1B/day = 1e9 / 86,400 = 11,574.07 tokens/s; 1亿/天 = 1e8 / 86,400 = 1,157.4; 600/min = 10 a
// second. Audit round 19: `infer --demand-tokens-per-s 1B/day` was "not a number".
TEST(ParseFieldAmount, RatesTakeTheTimeTheyAreCountedIn) {
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("1B/day", "demand_tokens_per_s"), 1e9 / 86400);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("1B tokens/day", "demand_tokens_per_s"), 1e9 / 86400);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("1e9 per day", "demand_tokens_per_s"), 1e9 / 86400);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("1亿/天", "demand_tokens_per_s"), 1e8 / 86400);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("每天1B", "demand_tokens_per_s"), 1e9 / 86400);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("2M tok/s", "demand_tokens_per_s"), 2e6);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("7.2B/hours", "demand_tokens_per_s"), 2e6);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("600/min", "qps"), 10);
  EXPECT_DOUBLE_EQ(*ParseFieldAmount("16M", "demand_tokens_per_s"), 16e6);
  // An unknown unit or number: an error naming the field, with the forms it takes.
  for (const char* bad : {"1B/week", "x/day", "1B/"}) {
    auto e = ParseFieldAmount(bad, "demand_tokens_per_s");
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().field, "demand_tokens_per_s");
    EXPECT_NE(e.error().message.find("1B/day"), std::string::npos) << e.error().message;
  }
  // Not for other fields: a count of tokens has no time.
  EXPECT_FALSE(ParseFieldAmount("1B/day", "tokens"));
}

TEST(WholeNumber, JsonNumbers) {
  EXPECT_EQ(*WholeNumber(1024, "count", 1, 100'000), 1024);
  EXPECT_FALSE(WholeNumber(1024.5, "count", 1, 100'000));
  EXPECT_FALSE(WholeNumber(-3, "count", 1, 100'000));
  // A JSON 1e300 is named as sent, not with the 17 digits of its double (1.0000000000000001e+300).
  auto huge = WholeNumber(1e300, "count", 1, INT64_MAX);
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().message, "1e+300 is too large");
  // 2^63 + 2^11, the double after 2^63: too large for an int64, named by its shortest form.
  auto past = WholeNumber(9223372036854777856.0, "count", 1, INT64_MAX);
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().message, "9.223372036854778e+18 is too large");
}

}  // namespace
}  // namespace suanli::app
