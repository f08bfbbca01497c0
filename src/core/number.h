// A decimal number with a magnitude suffix ("16M", "4Mi", "500m"), the one place such text is
// turned into a double. Callers bring their own suffix table (amounts, Kubernetes quantities)
// and their own messages.
#ifndef SUANLI_CORE_NUMBER_H_
#define SUANLI_CORE_NUMBER_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace suanli {

struct NumberSuffix {
  std::string_view text;
  double scale;
};

enum class NumberStatus { kOk, kNotANumber, kOutOfRange };

struct ScaledNumber {
  NumberStatus status = NumberStatus::kNotANumber;
  double value = 0;
};

// The whole text must be a finite number (a leading '+' allowed, no spaces), optionally followed
// by one suffix of `suffixes`, tried in order (list "Mi" before "M"), with at most one space
// before the suffix ("15 trillion", "14.8 万亿", "15 T"). NaN, infinities, trailing text and
// results beyond a double are not numbers.
ScaledNumber ParseScaledNumber(std::string_view text, std::span<const NumberSuffix> suffixes);

// The suffixes of amounts users type, on the command line, in HTTP bodies and in scenario files:
// K (or k), M, B or G, T, P are powers of 1000; Ki, Mi, Gi, Ti powers of 1024 (4Mi = 4,194,304);
// the words thousand, million, billion, trillion (or Thousand, ...: 10^3 to 10^12, short scale);
// the Chinese 千 10^3, 万 10^4, 亿 10^8, 千亿 10^11, 万亿 10^12 (DeepSeek-V3's "14.8万亿" tokens).
std::span<const NumberSuffix> AmountSuffixes();
// A word of AmountSuffixes that a shell passes as its own argument when typed after its number
// ("--tokens 15 trillion", "15 万亿"): thousand, million, billion, trillion in any case, or a
// Chinese count. Single letters (15 T) are not: a lone "T" is more likely something else.
bool IsAmountWord(std::string_view text);

// Sequence lengths are written in K of 1024, as context lengths are: "8k context" is 8,192 tokens
// (Llama 3), "128K" 131,072 (Llama 3.1's max_position_embeddings), InferenceMAX's "8k/1k" shape
// 8,192 prompt and 1,024 output tokens. For a field that is one (seq_len, input_tokens,
// output_tokens) a final k or K becomes Ki; any other text is returned as it is.
std::string SequenceLengthText(std::string_view text, std::string_view field);

// A rate typed with the time it is counted over, as token volumes are reported: "1B/day" or
// "1B tokens/day" (a provider's daily tokens), "2M tok/s", "50万/分钟", "16.4万亿 tokens per day".
// The number's text (any "tokens" / "tok" word before the unit dropped) and the seconds of the
// unit: s / sec / second, min / minute, h / hr / hour, d / day, and 秒, 分钟, 小时, 天 / 日,
// after '/' or " per " (or 每 before the unit: "每天1B"). nullopt: the text names no such unit.
struct RateText {
  std::string number;
  double seconds = 1;
};
std::optional<RateText> SplitRatePerTime(std::string_view text);

}  // namespace suanli

#endif  // SUANLI_CORE_NUMBER_H_
