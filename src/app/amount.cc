#include "app/amount.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/number.h"
#include "core/text.h"

namespace suanli::app {
namespace {

Error NotANumber(std::string_view text, std::string_view field) {
  std::string shown(text.substr(0, 40));
  if (text.size() > 40) shown += "...";
  return Error{"'" + shown +
                   "' is not a number (examples: 4096, 1.5e7, 16M, 2T, 4Mi, 15 trillion, 14.8万亿)",
               "", 0, std::string(field)};
}

Error OutOfRange(std::string_view text, std::string_view field) {
  return Error{fmt::format("'{}' is out of range", text.substr(0, 40)), "", 0, std::string(field)};
}

// `s` ends with `end` and has something before it.
bool EndsWith(std::string_view s, std::string_view end) {
  return s.size() > end.size() && s.substr(s.size() - end.size()) == end;
}

// A time typed with its unit, for a field whose name gives its unit: "50ms" or "0.05s" for a
// field in milliseconds (tpot_ms), "600s" or "500ms" for one in seconds (duration_s). Returns the
// number's text and the factor to the field's unit.
std::pair<std::string_view, double> WithoutTimeUnit(std::string_view text, std::string_view field) {
  const auto trim = [](std::string_view s) {
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  // Watts likewise: "700W", "1.2kW" (the k is the amount's own suffix) for power_cap_w.
  if (EndsWith(field, "_w")) {
    if (EndsWith(text, "W")) return {trim(text.substr(0, text.size() - 1)), 1.0};
    return {text, 1.0};
  }
  // The field's unit in seconds, from its name: tpot_ms, duration_s, deadline_h.
  double field_s = 0;
  // Rates (demand_tokens_per_s, host_link_gb_s) are not times: "1.5m" there is no minute.
  const bool rate = field.find("per_s") != std::string_view::npos || EndsWith(field, "gb_s");
  if (rate) {
    field_s = 0;
  } else if (EndsWith(field, "_ms")) {
    field_s = 1e-3;
  } else if (EndsWith(field, "_s")) {
    field_s = 1;
  } else if (EndsWith(field, "_min")) {
    field_s = 60;
  } else if (EndsWith(field, "_h")) {
    field_s = 3600;
  }
  if (field_s == 0) return {text, 1.0};
  // The unit typed, as durations are written (Kubernetes' and Go's "5m", "1h", "30s"; "2d"):
  // m is minutes here, never milli (ms) or mega (M, which is upper case).
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"ms", 1e-3}, {"sec", 1}, {"s", 1}, {"min", 60}, {"m", 60}, {"h", 3600}, {"d", 86400}};
  for (const auto& [unit, seconds] : kUnits) {
    if (EndsWith(text, unit)) {
      return {trim(text.substr(0, text.size() - unit.size())), seconds / field_s};
    }
  }
  return {text, 1.0};
}

// A whole number outside [min, max]. The bounds of a field's type (a count's int64) mean nothing
// to a user: "--seq-len: 1e12 is too large" says what is wrong; the request's own check then says
// what the field takes.
Error Beyond(const std::string& shown, bool low, std::string_view field, int64_t min, int64_t max) {
  constexpr int64_t kTypeBound = int64_t{1} << 31;
  std::string message;
  if (low) {
    message = min <= -kTypeBound ? fmt::format("{} is too small", shown)
                                 : fmt::format("must be at least {}, got {}", min, shown);
  } else {
    message = max >= kTypeBound - 1 ? fmt::format("{} is too large", shown)
                                    : fmt::format("must be at most {}, got {}", max, shown);
  }
  if (min > -kTypeBound && max < kTypeBound - 1) {
    message = fmt::format("must be between {} and {}, got {}", min, max, shown);
  }
  return Error{message, "", 0, std::string(field)};
}

// A price typed with its currency sign, for a field in dollars: "$2" or "$2.50" for
// chip_hour_usd, as a price is written.
std::string_view WithoutDollarSign(std::string_view text, std::string_view field) {
  if (EndsWith(field, "_usd") && text.size() > 1 && text.front() == '$') text.remove_prefix(1);
  return text;
}

// A chip count typed as nodes x chips per node, as fleets are written ("2x8" H100 = 16): two
// whole numbers joined by x, X or *. nullopt: not of that form.
std::optional<std::pair<int64_t, int64_t>> NodesTimesChips(std::string_view text) {
  const auto sep = text.find_first_of("xX*");
  if (sep == std::string_view::npos || sep == 0 || sep + 1 >= text.size()) return std::nullopt;
  const auto whole = [](std::string_view s) -> std::optional<int64_t> {
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
  };
  const auto a = whole(text.substr(0, sep)), b = whole(text.substr(sep + 1));
  if (!a || !b) return std::nullopt;
  return std::make_pair(*a, *b);
}

}  // namespace

Result<double> ParseAmount(std::string_view typed, std::string_view field) {
  // White space around a number says nothing, as around a name (core NormalizeId): "8 " is 8.
  const std::string_view text = TrimSpace(typed);
  if (text.empty()) return MakeError("empty value; expected a number", "", 0, std::string(field));
  const ScaledNumber n = ParseScaledNumber(text, AmountSuffixes());
  if (n.status == NumberStatus::kOutOfRange) return tl::unexpected(OutOfRange(text, field));
  if (n.status != NumberStatus::kOk) return tl::unexpected(NotANumber(text, field));
  return n.value;
}

// A share typed as a percentage, for a field that is a fraction: "100%" is 1 for localize's
// target, "90%" 0.9 for kv_memory_fraction.
std::pair<std::string_view, double> WithoutPercent(std::string_view text, std::string_view field) {
  const bool share = field == "target" || field == "prefix_cache_hit" ||
                     field == "kv_memory_fraction" || field == "mtp_acceptance";
  if (share && text.size() > 1 && text.back() == '%')
    return {text.substr(0, text.size() - 1), 0.01};
  return {text, 1.0};
}

Result<double> ParseFieldAmount(std::string_view as_typed, std::string_view field) {
  const std::string_view typed = TrimSpace(as_typed);
  // A rate of tokens or requests may be typed over the time it is counted in ("1B/day", a
  // provider's daily volume; "600/min"): the same rate per second, the day's average.
  const bool per_time = field.find("tokens_per_s") != std::string_view::npos || field == "qps";
  if (per_time) {
    if (const auto rate = SplitRatePerTime(typed)) {
      auto v = ParseAmount(rate->number, field);
      if (!v) {
        return MakeError(fmt::format("'{}' is not a rate (examples: 4096, 16M, 2M tok/s, 1B/day, "
                                     "1亿/天, 600/min)",
                                     typed.substr(0, 40)),
                         "", 0, std::string(field));
      }
      return *v / rate->seconds;
    }
    if (auto v = ParseAmount(typed, field); !v) {
      return MakeError(fmt::format("'{}' is not a rate (examples: 4096, 16M, 2M tok/s, 1B/day, "
                                   "1亿/天, 600/min)",
                                   typed.substr(0, 40)),
                       "", 0, std::string(field));
    }
  }
  const auto [shown, percent] = WithoutPercent(typed, field);
  const auto [text, time_unit] = WithoutTimeUnit(WithoutDollarSign(shown, field), field);
  const double unit = time_unit * percent;
  auto v = ParseAmount(SequenceLengthText(text, field), field);
  if (!v) return tl::unexpected(text == typed ? v.error() : NotANumber(typed, field));
  return *v * unit;
}

Result<int64_t> WholeNumber(double value, std::string_view field, int64_t min, int64_t max) {
  if (!std::isfinite(value) || value != std::floor(value)) {
    return MakeError(fmt::format("expected a whole number, got {:g}", value), "", 0,
                     std::string(field));
  }
  // static_cast<double>(INT64_MAX) rounds up to 2^63, which then passed the bound and wrapped to
  // INT64_MIN (--count 9223372036854775808 was "must be at least 1 chip").
  if (value < static_cast<double>(min) || value >= 0x1p63 || static_cast<int64_t>(value) > max) {
    // The shortest text that reads back as the value: a body's 1e300 is "1e+300", never
    // "1.0000000000000001e+300" (17 digits show the double's binary error).
    return tl::unexpected(Beyond(fmt::format("{}", value), value < 0, field, min, max));
  }
  return static_cast<int64_t>(value);
}

Result<int64_t> ParseWholeAmount(std::string_view typed, std::string_view field, int64_t min,
                                 int64_t max) {
  const std::string_view text = TrimSpace(typed);
  // Chips of one job: train's and infer's --count, simulate's --gpus (`--gpus 1k --cluster
  // h800:2k:8` is 1,024 of 2,048, as the cluster's own counts are read).
  const bool chips = field == "count" || field == "gpus";
  if (chips) {
    if (const auto nodes = NodesTimesChips(text)) {
      const auto [n, per_node] = *nodes;
      // Both factors are below 2^63 and non-negative here; their product may not be.
      if (n < 1 || per_node < 1) {
        return MakeError(
            fmt::format("'{}': nodes x chips per node must both be at least 1", text.substr(0, 40)),
            "", 0, std::string(field));
      }
      if (n > max / per_node) {
        return tl::unexpected(Beyond(std::string(text.substr(0, 40)), false, field, min, max));
      }
      return n * per_node < min
                 ? tl::unexpected(Beyond(std::string(text.substr(0, 40)), true, field, min, max))
                 : Result<int64_t>(n * per_node);
    }
  }
  // A job's chips are counted as clusters are written, K of 1024: Llama 3's "16K H100" are 16,384
  // (8 x 16 x 128 in its published layout), DeepSeek-V3's "2K H800" 2,048. A fleet's count in a
  // scenario (chips bought) keeps K = 1000.
  std::string number(text);
  if (chips && text.size() >= 2 && (text.back() == 'k' || text.back() == 'K')) {
    number = std::string(text.substr(0, text.size() - 1)) + "Ki";
  }
  // Plain integers are read exactly (seeds above 2^53 must not round).
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  int64_t exact = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), exact);
  if (ec == std::errc() && end == digits.data() + digits.size() && !digits.empty()) {
    if (exact < min || exact > max) {
      return tl::unexpected(Beyond(std::to_string(exact), exact < min, field, min, max));
    }
    return exact;
  }
  auto v = ParseAmount(SequenceLengthText(number, field), field);
  if (!v) return tl::unexpected(number == text ? v.error() : NotANumber(text, field));
  auto whole = WholeNumber(*v, field, min, max);
  if (!whole && *v == std::floor(*v)) {
    // Name the number as given: 9223372036854775808 printed as a double is 9.2233720368547758e+18.
    return tl::unexpected(Beyond(std::string(text.substr(0, 40)), *v < 0, field, min, max));
  }
  return whole;
}

}  // namespace suanli::app
