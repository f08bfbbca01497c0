#include "core/number.h"

#include <charconv>
#include <cmath>

namespace suanli {

std::span<const NumberSuffix> AmountSuffixes() {
  // Longest first, so "Mi" is not read as "M" followed by "i".
  static constexpr NumberSuffix kSuffixes[] = {{"Ki", 1024.0},
                                               {"Mi", 1024.0 * 1024},
                                               {"Gi", 1024.0 * 1024 * 1024},
                                               {"Ti", 1024.0 * 1024 * 1024 * 1024},
                                               {"K", 1e3},
                                               {"k", 1e3},
                                               {"M", 1e6},
                                               {"B", 1e9},
                                               {"G", 1e9},
                                               {"T", 1e12},
                                               {"P", 1e15},
                                               // Chinese counts: 万 10^4, 亿 10^8, compounds
                                               // before their last character ("40万亿" tokens).
                                               {"万亿", 1e12},
                                               {"千亿", 1e11},
                                               {"亿", 1e8},
                                               {"万", 1e4},
                                               {"千", 1e3}};
  return kSuffixes;
}

ScaledNumber ParseScaledNumber(std::string_view text, std::span<const NumberSuffix> suffixes) {
  double scale = 1;
  std::string_view digits = text;
  for (const auto& s : suffixes) {
    if (digits.size() > s.text.size() && digits.ends_with(s.text)) {
      scale = s.scale;
      digits.remove_suffix(s.text.size());
      break;
    }
  }
  // from_chars does not take a leading '+', which users do type.
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec == std::errc::result_out_of_range) return {NumberStatus::kOutOfRange, 0};
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
      !std::isfinite(value)) {
    return {NumberStatus::kNotANumber, 0};
  }
  const double scaled = value * scale;
  if (!std::isfinite(scaled)) return {NumberStatus::kOutOfRange, 0};
  return {NumberStatus::kOk, scaled};
}

std::string SequenceLengthText(std::string_view text, std::string_view field) {
  const bool length = field == "seq_len" || field == "input_tokens" || field == "output_tokens";
  if (!length || text.size() < 2 || (text.back() != 'k' && text.back() != 'K')) {
    return std::string(text);
  }
  return std::string(text.substr(0, text.size() - 1)) + "Ki";
}

}  // namespace suanli
