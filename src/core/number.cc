#include "core/number.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

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

std::optional<RateText> SplitRatePerTime(std::string_view text) {
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"s", 1},     {"sec", 1},     {"second", 1}, {"秒", 1},    {"min", 60},    {"minute", 60},
      {"分钟", 60}, {"分", 60},     {"h", 3600},   {"hr", 3600}, {"hour", 3600}, {"小时", 3600},
      {"d", 86400}, {"day", 86400}, {"天", 86400}, {"日", 86400}};
  const auto trim = [](std::string_view s) {
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    return s;
  };
  std::string_view number, unit;
  const std::string_view per_word = " per ";
  if (const size_t slash = text.rfind('/'); slash != std::string_view::npos) {
    number = text.substr(0, slash);
    unit = text.substr(slash + 1);
  } else if (const size_t per = text.rfind(per_word); per != std::string_view::npos) {
    number = text.substr(0, per);
    unit = text.substr(per + per_word.size());
  } else if (text.starts_with("每")) {
    // 每天1B: the unit first, then the number.
    const std::string_view rest = text.substr(std::string_view("每").size());
    for (const auto& [u, seconds] : kUnits) {
      if (rest.starts_with(u) && u.size() > 1) {
        return RateText{std::string(trim(rest.substr(u.size()))), seconds};
      }
    }
    return std::nullopt;
  } else {
    return std::nullopt;
  }
  unit = trim(unit);
  // "tokens/day" written with the plural unit ("per days") is not a rate's; a trailing s of the
  // word is (seconds, hours, days, minutes).
  std::string u(unit);
  for (char& c : u) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (u.size() > 3 && u.back() == 's') u.pop_back();
  for (const auto& [name, seconds] : kUnits) {
    if (u != name) continue;
    number = trim(number);
    for (std::string_view word : {"output tokens", "tokens", "token", "tok"}) {
      if (number.size() > word.size() && number.ends_with(word)) {
        number = trim(number.substr(0, number.size() - word.size()));
        break;
      }
    }
    return RateText{std::string(number), seconds};
  }
  return std::nullopt;
}

}  // namespace suanli
