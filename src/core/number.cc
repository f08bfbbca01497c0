#include "core/number.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace suanli {

std::span<const NumberSuffix> AmountSuffixes() {
  // Longest first, so "Mi" is not read as "M" followed by "i".
  static constexpr NumberSuffix kSuffixes[] = {// The words, as amounts are said ("15 trillion
                                               // tokens").
                                               {"thousand", 1e3},
                                               {"Thousand", 1e3},
                                               {"million", 1e6},
                                               {"Million", 1e6},
                                               {"billion", 1e9},
                                               {"Billion", 1e9},
                                               {"trillion", 1e12},
                                               {"Trillion", 1e12},
                                               {"Ki", 1024.0},
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
      // One space may part the number from its suffix, as amounts are written: "15 trillion",
      // "14.8 万亿", and so "15 T" or "4 Mi" as well.
      if (digits.size() > 1 && digits.back() == ' ') digits.remove_suffix(1);
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

bool IsAmountWord(std::string_view text) {
  if (text.empty() || static_cast<unsigned char>(text.front()) < 0x80) {
    for (std::string_view w : {"thousand", "million", "billion", "trillion"}) {
      if (text.size() == w.size() &&
          std::equal(text.begin(), text.end(), w.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == b;
          })) {
        return true;
      }
    }
    return false;
  }
  // The Chinese counts, typed apart from their number ("15 万亿").
  for (const auto& s : AmountSuffixes()) {
    if (static_cast<unsigned char>(s.text.front()) >= 0x80 && s.text == text) return true;
  }
  return false;
}

std::string SequenceLengthText(std::string_view text, std::string_view field) {
  const bool length = field == "seq_len" || field == "input_tokens" || field == "output_tokens";
  if (!length || text.size() < 2 || (text.back() != 'k' && text.back() != 'K')) {
    return std::string(text);
  }
  return std::string(text.substr(0, text.size() - 1)) + "Ki";
}

}  // namespace suanli
