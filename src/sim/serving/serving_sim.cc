#include "sim/serving/serving_sim.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <list>
#include <nlohmann/json.hpp>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "core/calendar.h"
#include "core/json_keys.h"
#include "core/number.h"
#include "core/rng.h"
#include "core/stats.h"
#include "core/text.h"
#include "sim/trace/csv_rows.h"

namespace suanli::sim {
namespace {

// Marsaglia and Tsang's gamma variate of shape k, scaled to mean 1 (k < 1: a shape k + 1 variate
// times U^(1/k)).
double GammaUnitMean(Rng& rng, double k) {
  const double shape = k < 1 ? k + 1 : k;
  const double boost = k < 1 ? std::pow(std::max(rng.Uniform(), 1e-300), 1 / k) : 1;
  const double d = shape - 1.0 / 3, c = 1 / std::sqrt(9 * d);
  for (;;) {
    double x, v;
    do {
      x = rng.Normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = rng.Uniform();
    if (u < 1 - 0.0331 * x * x * x * x || std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) {
      return d * v * boost / k;
    }
  }
}

double Draw(const LengthDistribution& d, Rng& rng) {
  using S = LengthDistribution::Shape;
  switch (d.shape) {
    case S::kFixed:
      return d.mean;
    case S::kExponential:
      return -d.mean * std::log(1 - rng.Uniform());
    case S::kUniform:
      return d.mean * (1 + d.spread * (2 * rng.Uniform() - 1));
    case S::kLognormal: {
      const double v = std::exp(d.log_median + d.spread * rng.Normal());
      return d.max > 0 ? std::min(v, d.max) : v;
    }
  }
  return d.mean;
}

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// E[min(X, cap)] for X lognormal(mu, sigma): the uncut part's partial mean plus the cut mass at
// the cap.
double CutLognormalMean(double mu, double sigma, double cap) {
  const double l = std::log(cap);
  return std::exp(mu + sigma * sigma / 2) * NormalCdf((l - mu - sigma * sigma) / sigma) +
         cap * (1 - NormalCdf((l - mu) / sigma));
}

// E[min(X, cap)^2] for X lognormal(mu, sigma), as CutLognormalMean.
double CutLognormalSquare(double mu, double sigma, double cap) {
  const double l = std::log(cap);
  return std::exp(2 * mu + 2 * sigma * sigma) * NormalCdf((l - mu - 2 * sigma * sigma) / sigma) +
         cap * cap * (1 - NormalCdf((l - mu) / sigma));
}

int ToTokens(double v) { return static_cast<int>(std::clamp(std::round(v), 1.0, 1e9)); }

// "YYYY-MM-DD HH:MM:SS[.fraction][Z|+HH:MM|-HH:MM]" (the Azure LLM inference traces' TIMESTAMP,
// S4664) in seconds since 1970-01-01 UTC; nullopt for anything else.
std::optional<double> DateTimeSeconds(std::string_view s) {
  if (s.size() < 19 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':') {
    return std::nullopt;
  }
  auto date = Date::Parse(s.substr(0, 10));
  if (!date) return std::nullopt;
  auto two = [&](size_t i) {
    const bool ok = s[i] >= '0' && s[i] <= '9' && s[i + 1] >= '0' && s[i + 1] <= '9';
    return ok ? (s[i] - '0') * 10 + (s[i + 1] - '0') : -1;
  };
  const int h = two(11), m = two(14), sec = two(17);
  if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60) return std::nullopt;
  double t = date->days * 86400.0 + h * 3600.0 + m * 60.0 + sec;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    double scale = 0.1;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, scale /= 10)
      t += (s[i] - '0') * scale;
  }
  if (i < s.size() && s[i] == 'Z') {
    ++i;
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    const int oh = two(i + 1), om = two(i + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::nullopt;
    t -= (s[i] == '+' ? 1 : -1) * (oh * 3600.0 + om * 60.0);
    i += 6;
  }
  if (i != s.size()) return std::nullopt;
  return t;
}

}  // namespace

Result<LengthDistribution> LengthDistribution::Parse(std::string_view shape, double mean) {
  LengthDistribution d;
  d.mean = mean;
  const size_t colon = shape.find(':');
  const std::string_view kind = shape.substr(0, colon);
  std::optional<double> given, cap;
  if (colon != std::string_view::npos) {
    std::string_view rest = shape.substr(colon + 1);
    const size_t second = rest.find(':');
    if (second != std::string_view::npos) {
      if (kind != "lognormal") {
        return MakeError(
            fmt::format("{}: only lognormal takes a maximum (lognormal:SIGMA:MAX)", Quoted(shape)));
      }
      const ScaledNumber m = ParseScaledNumber(rest.substr(second + 1), {});
      if (m.status != NumberStatus::kOk) {
        return MakeError(
            fmt::format("{}: the maximum after the second ':' is not a number", Quoted(shape)));
      }
      cap = m.value;
      rest = rest.substr(0, second);
    }
    const ScaledNumber n = ParseScaledNumber(rest, {});
    if (n.status != NumberStatus::kOk) {
      return MakeError(fmt::format("{}: the spread after ':' is not a number", Quoted(shape)));
    }
    given = n.value;
  }
  if (kind == "fixed" && !given) return d;
  if ((kind == "exp" || kind == "exponential") && !given) {
    d.shape = Shape::kExponential;
    return d;
  }
  if (kind == "uniform") {
    d.shape = Shape::kUniform;
    d.spread = given.value_or(0.5);
    if (!(d.spread > 0 && d.spread <= 1)) {
      return MakeError(fmt::format("{}: the half-width must be in (0, 1]", Quoted(shape)));
    }
    return d;
  }
  if (kind == "lognormal") {
    d.shape = Shape::kLognormal;
    d.spread = given.value_or(0.8);
    if (!(d.spread > 0 && d.spread <= 3)) {
      return MakeError(fmt::format("{}: sigma must be in (0, 3]", Quoted(shape)));
    }
    d.log_median = std::log(mean) - d.spread * d.spread / 2;
    if (cap) {
      if (!(*cap > mean && *cap <= 1e9)) {
        return MakeError(fmt::format(
            "{}: the maximum must be above the mean ({:g}) and at most 1e9", Quoted(shape), mean));
      }
      d.max = *cap;
      // Cutting lowers the mean: find the mu that gives `mean` after the cut (the cut mean
      // grows with mu, from 0 to the cap).
      double lo = std::log(mean) - 20, hi = std::log(*cap) + 20 * d.spread;
      for (int i = 0; i < 200 && hi - lo > 1e-12; ++i) {
        const double mid = (lo + hi) / 2;
        (CutLognormalMean(mid, d.spread, *cap) < mean ? lo : hi) = mid;
      }
      d.log_median = (lo + hi) / 2;
    }
    return d;
  }
  return MakeError(
      fmt::format("unknown length distribution {}; expected fixed, exp, uniform[:HALF_WIDTH] or "
                  "lognormal[:SIGMA[:MAX]]",
                  Quoted(shape)));
}

std::string LengthDistribution::ToString() const {
  switch (shape) {
    case Shape::kFixed:
      return "fixed";
    case Shape::kExponential:
      return "exp";
    case Shape::kUniform:
      return fmt::format("uniform:{:g}", spread);
    case Shape::kLognormal:
      return max > 0 ? fmt::format("lognormal:{:g}:{:g}", spread, max)
                     : fmt::format("lognormal:{:g}", spread);
  }
  return {};
}

double LengthDistribution::SecondMomentRatio(double cut) const {
  using S = Shape;
  const double c = cut > 0 ? cut : std::numeric_limits<double>::infinity();
  switch (shape) {
    case S::kFixed:
      return 1;
    case S::kExponential: {
      // E[min(X, c)] = m (1 - e^(-c/m)), E[min(X, c)^2] = 2 m^2 (1 - e^(-c/m) (1 + c/m)).
      const double t = std::isinf(c) ? 0 : std::exp(-c / mean);
      const double first = 1 - t, second = 2 * (1 - t * (1 + (std::isinf(c) ? 0 : c / mean)));
      return second / (first * first);
    }
    case S::kUniform:
      return 1 + spread * spread / 3;
    case S::kLognormal: {
      const double cap = std::min(max > 0 ? max : c, c);
      if (std::isinf(cap)) return std::exp(spread * spread);
      const double first = CutLognormalMean(log_median, spread, cap);
      return CutLognormalSquare(log_median, spread, cap) / (first * first);
    }
  }
  return 1;
}

std::vector<ServingRequest> MakeServingRequests(const WorkloadSpec& spec) {
  Rng gaps(spec.seed, 1), lengths(spec.seed, 2);
  const double shape = 1 / (spec.burstiness_cv * spec.burstiness_cv);
  std::vector<ServingRequest> out(static_cast<size_t>(std::max(0L, spec.requests)));
  double t = 0;
  for (auto& r : out) {
    if (spec.qps > 0) {
      const double gap = spec.arrivals == ArrivalProcess::kGamma && spec.burstiness_cv != 1
                             ? GammaUnitMean(gaps, shape)
                             : -std::log(1 - gaps.Uniform());
      t += gap / spec.qps;
    }
    r.arrival_s = t;
    r.input_tokens = std::min(ToTokens(Draw(spec.input, lengths)), spec.max_context - 1);
    r.output_tokens =
        std::min(ToTokens(Draw(spec.output, lengths)), spec.max_context - r.input_tokens);
    r.cached_tokens = static_cast<int>(std::floor(r.input_tokens * spec.prefix_cache_hit));
    r.cached_tokens = std::min(r.cached_tokens, r.input_tokens - 1);
    r.ignore_eos = spec.ignore_eos;
  }
  return out;
}

Result<std::vector<ServingRequest>> ReadServingTrace(std::string_view text, const std::string& file,
                                                     int max_context,
                                                     const TraceReadOptions& options) {
  std::vector<ServingRequest> out;
  // A JSON Lines file opens with an object, after a byte-order mark where an editor wrote one.
  const std::string_view body =
      text.substr(0, 3) == "\xEF\xBB\xBF" ? text.substr(3) : std::string_view(text);
  const size_t first = body.find_first_not_of(" \t\r\n");
  const bool jsonl = first != std::string_view::npos && body[first] == '{';
  if (first != std::string_view::npos && body[first] == '[') {
    return MakeError(
        fmt::format("{}:1: a JSON array; a request trace is JSON Lines, one object "
                    "a line ({{\"arrival_s\": 0, \"input_tokens\": 1024, "
                    "\"output_tokens\": 256}}), or CSV",
                    file));
  }
  std::vector<std::string> columns;
  std::unordered_set<std::string> shared_prefixes;
  // Mooncake's trace format (Kimi's published traces, also Dynamo's and AIPerf's replay input,
  // S4663): a line's hash_ids are its prompt's 512-token blocks (options.block_tokens: the
  // generators that write the format take another), the same id where two prompts share the
  // block and all before it. Each id seen is in the prefix cache.
  std::unordered_set<int64_t> mooncake_blocks;
  const int trace_block_tokens = std::max(1, options.block_tokens);
  bool any_hash_ids = false;
  int first_format_line = 0;  // JSON Lines: the first line, and whether it is Mooncake's
  bool first_mooncake = false;
  // A prefix id's blocks (prefix_id, prefix_tokens): as Mooncake's published traces size them.
  constexpr int kMooncakeBlockTokens = 512;
  constexpr uint64_t kIdMask = (uint64_t{1} << 62) - 1;
  std::vector<int64_t> block_ids;  // the line's hash_ids, for `add`
  int line = 0;
  auto where = [&](std::string_view field) { return fmt::format("{}:{}: {}", file, line, field); };
  auto number = [&](std::string_view cell, std::string_view field) -> Result<double> {
    const ScaledNumber n = ParseScaledNumber(cell, {});
    if (n.status != NumberStatus::kOk) {
      return MakeError(fmt::format("{}: {} is not a number", where(field), Quoted(cell)));
    }
    return n.value;
  };
  // arrival_s, input_tokens, output_tokens, cached_tokens, prefix_tokens
  static constexpr std::string_view kNames[] = {"arrival_s", "input_tokens", "output_tokens",
                                                "cached_tokens", "prefix_tokens"};
  // The same, as the Azure LLM inference traces' header names them (S4664).
  static constexpr std::string_view kAzureNames[] = {
      "TIMESTAMP", "ContextTokens", "GeneratedTokens", "cached_tokens", "prefix_tokens"};
  bool azure = false;
  std::optional<double> azure_start;
  std::string azure_first;  // the first row's TIMESTAMP, as written
  // The same, as Mooncake's lines name them (the cached tokens come from its hash_ids).
  static constexpr std::string_view kMooncakeNames[] = {
      "timestamp", "input_length", "output_length", "hash_ids", "prefix_tokens"};
  // One request from its values, checked against the ones before it.
  auto add = [&](const double(&values)[5], const std::string& prefix_id,
                 const std::string_view* names) -> Result<void> {
    // Times as the file writes them (Mooncake's in milliseconds), counts as whole numbers: `{}`
    // prints 12345678 where `{:g}` gave 1.23457e+07, which reads as another, fractional, count.
    const bool ms = names[0] == "timestamp";
    const double scale = ms ? 1000 : 1;
    const char* unit = ms ? "ms" : "s";
    if (!(values[0] >= 0 && values[0] <= 1e9)) {
      return MakeError(fmt::format("{}: must be between 0 and {} {}", where(names[0]),
                                   ms ? "1e12" : "1e9", unit));
    }
    if (!out.empty() && values[0] < out.back().arrival_s) {
      return MakeError(fmt::format(
          "{}: {} {} is before the previous row's {} {} (rows must be in "
          "arrival order)",
          where(names[0]), values[0] * scale, unit, out.back().arrival_s * scale, unit));
    }
    for (int k = 1; k < 5; ++k) {
      const double lo = k >= 3 ? 0 : 1;
      const double v = values[k];
      if (v != std::floor(v)) {
        return MakeError(fmt::format("{}: {} is not a whole number of tokens", where(names[k]), v));
      }
      if (v < lo) {
        return MakeError(fmt::format("{}: {} tokens; {}", where(names[k]), v,
                                     lo > 0 ? "needs at least 1" : "must not be negative"));
      }
      if (v > 1e7) {
        return MakeError(
            fmt::format("{}: {} tokens is more than 10,000,000 (the most a request "
                        "trace's row may give)",
                        where(names[k]), v));
      }
    }
    ServingRequest r;
    r.arrival_s = values[0];
    r.input_tokens = static_cast<int>(values[1]);
    r.output_tokens = static_cast<int>(values[2]);
    r.cached_tokens = static_cast<int>(values[3]);
    if (r.cached_tokens >= r.input_tokens) {
      return MakeError(
          fmt::format("{}: {} is not below {} ({}): the prompt's last token is always computed",
                      where(names[3]), r.cached_tokens, names[1], r.input_tokens));
    }
    if (values[4] > 0 && prefix_id.empty()) {
      return MakeError(
          fmt::format("{}: needs a prefix_id (which requests share it)", where("prefix_tokens")));
    }
    if (values[4] > r.input_tokens) {
      return MakeError(fmt::format("{}: {} is longer than the prompt ({} {})",
                                   where("prefix_tokens"), values[4], names[1], r.input_tokens));
    }
    // A shared prefix is computed by the first request that carries it; later ones find it in
    // the prefix cache (the whole prompt never: its last token is computed to sample).
    if (!prefix_id.empty() && !shared_prefixes.insert(prefix_id).second) {
      r.cached_tokens =
          std::max(r.cached_tokens, std::min(static_cast<int>(values[4]), r.input_tokens - 1));
    }
    // Its blocks, for a cache that holds what fits (SchedulerLimits::bounded_prefix_cache):
    // Mooncake's hash_ids, or the prefix id's blocks (the id's hash and the block's index).
    if (!block_ids.empty()) {
      r.prefix_blocks = std::move(block_ids);
      r.prefix_block_tokens = trace_block_tokens;
      r.prefix_tokens = r.input_tokens;
    } else if (!prefix_id.empty() && values[4] > 0) {
      // Unsigned: the id's hash times 131 wraps (a signed product would overflow).
      const uint64_t id_hash = std::hash<std::string>{}(prefix_id);
      const int n = (static_cast<int>(values[4]) + kMooncakeBlockTokens - 1) / kMooncakeBlockTokens;
      r.prefix_blocks.reserve(static_cast<size_t>(n));
      // Negative: never one of Mooncake's ids (whole numbers from 0) in the same file.
      for (int k = 0; k < n; ++k) {
        const uint64_t block_id = (id_hash * 131u + static_cast<uint64_t>(k)) & kIdMask;
        r.prefix_blocks.push_back(-1 - static_cast<int64_t>(block_id));
      }
      r.prefix_block_tokens = kMooncakeBlockTokens;
      r.prefix_tokens = static_cast<int>(values[4]);
    }
    block_ids.clear();
    if (static_cast<long>(r.input_tokens) + r.output_tokens > max_context) {
      return MakeError(
          fmt::format("{}: input {} + output {} tokens exceed the model's context of {}",
                      where(names[1]), r.input_tokens, r.output_tokens, max_context));
    }
    out.push_back(r);
    if (out.size() > 10'000'000) {
      return MakeError(fmt::format("{}: more than 10,000,000 requests", file));
    }
    return {};
  };
  if (jsonl) {
    // JSON lines: one object a line (the row reader's quoting is CSV's, not JSON's), with the
    // same BOM and NUL rules.
    size_t pos = 0;
    if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view row = text.substr(pos, end - pos);
      pos = end + 1;
      ++line;
      if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
      if (row.find_first_not_of(" \t") == std::string_view::npos) continue;
      if (row.find('\0') != std::string_view::npos) {
        return MakeError(fmt::format("{}:{}: not a text file: it holds a NUL byte", file, line));
      }
      double values[5] = {0, 0, 0, 0, 0};
      std::string prefix_id;
      std::string twice;
      const nlohmann::json j = ParseJsonKeysOnce(row, &twice);
      if (j.is_discarded()) {
        // Where on the line and why, as a request body's syntax error says it (a number no
        // double holds, `1e400`, is said as that, at its field).
        const JsonSlip slip = FindJsonSlip(row);
        return MakeError(fmt::format("{}:{}: {}not valid JSON at column {}: {}", file, line,
                                     slip.field.empty() ? "" : slip.field + ": ", slip.column,
                                     slip.reason));
      }
      if (!j.is_object()) {
        return MakeError(fmt::format("{}:{}: not a JSON object", file, line));
      }
      if (!twice.empty()) {
        return MakeError(
            fmt::format("{}: the line names this key twice", where(twice.substr(0, 60))));
      }
      const bool mooncake = j.contains("input_length") && !j.contains("input_tokens");
      // One format a file: Mooncake's times are milliseconds, the others' seconds, so a file
      // that mixes them put a line's arrival 1,000 times off.
      if (!first_format_line) {
        first_format_line = line;
        first_mooncake = mooncake;
      } else if (mooncake != first_mooncake) {
        constexpr std::string_view kMooncakeFormat =
            "Mooncake's format (timestamp in milliseconds)";
        constexpr std::string_view kOwnFormat = "the arrival_s format (seconds)";
        return MakeError(fmt::format("{}:{}: {}, but line {} is in {}; give one format a file",
                                     file, line, mooncake ? kMooncakeFormat : kOwnFormat,
                                     first_format_line,
                                     first_mooncake ? kMooncakeFormat : kOwnFormat));
      }
      // A line's shared prefix is named one way: its blocks (hash_ids) or a prefix id and its
      // length. Both would count the prefix twice over, one of them unseen by the other's cache.
      if (const auto h = j.find("hash_ids"), p = j.find("prefix_id");
          h != j.end() && !h->is_null() && p != j.end() && !p->is_null()) {
        return MakeError(fmt::format(
            "{}: the line also gives hash_ids; name a prompt's shared prefix by its blocks "
            "(hash_ids) or by prefix_id and prefix_tokens, not both",
            where("prefix_id")));
      }
      if (mooncake) {
        // Mooncake's: timestamp in milliseconds since the first request, input_length,
        // output_length, hash_ids (S4663). The leading blocks an earlier request carried are
        // prefix-cache hits (an unbounded cache, as the format's own analyzer reckons them).
        for (int k = 0; k < 3; ++k) {
          const auto it = j.find(kMooncakeNames[k]);
          if (it == j.end()) {
            return MakeError(fmt::format("{}: missing", where(kMooncakeNames[k])));
          }
          if (!it->is_number()) {
            return MakeError(fmt::format("{}: not a number", where(kMooncakeNames[k])));
          }
          values[k] = it->get<double>();
        }
        values[0] /= 1000;  // milliseconds
        if (const auto it = j.find("hash_ids"); it != j.end() && !it->is_null()) {
          if (!it->is_array()) {
            return MakeError(fmt::format("{}: not a list of block ids", where("hash_ids")));
          }
          // One id a 512-token block, the last one partly filled (S4663: 6,755 tokens, ids 0 to
          // 13): more ids than that are blocks of another size, each of which was counted as 512
          // cached tokens (16-token blocks: a 32-token shared prefix read as 1,024).
          any_hash_ids = true;
          const double blocks = std::ceil(values[1] / trace_block_tokens);
          if (values[1] >= 1 && static_cast<double>(it->size()) > blocks) {
            return MakeError(fmt::format(
                "{}: {} block ids, but input_length {} fills {} of the trace's {}-token blocks "
                "(one id a block, the last one partly filled){}",
                where("hash_ids"), it->size(), values[1], blocks, trace_block_tokens,
                options.block_flag.empty()
                    ? std::string()
                    : fmt::format("; a trace written with smaller blocks needs their size ({} "
                                  "N)",
                                  options.block_flag)));
          }
          bool hit = true;
          double cached = 0;
          for (const auto& id : *it) {
            // Whole numbers from 0, as the format writes them (a negative one would be taken for
            // a prefix_id's block, which are negative here).
            const bool whole = id.is_number_unsigned()
                                   ? id.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)
                                   : id.is_number_integer() && id.get<int64_t>() >= 0;
            if (!whole) {
              return MakeError(fmt::format("{}: {} is not a block id (a whole number from 0)",
                                           where("hash_ids"), Quoted(id.dump().substr(0, 40))));
            }
            block_ids.push_back(id.get<int64_t>());
            const bool seen = !mooncake_blocks.insert(block_ids.back()).second;
            hit = hit && seen;
            if (hit) cached += trace_block_tokens;
          }
          // An id names a block and every block before it: one id twice in a prompt is two
          // blocks in one place (sorted, a copy: a prompt of 16-token blocks has thousands).
          if (block_ids.size() > 1) {
            std::vector<int64_t> sorted = block_ids;
            std::sort(sorted.begin(), sorted.end());
            if (const auto repeat = std::adjacent_find(sorted.begin(), sorted.end());
                repeat != sorted.end()) {
              return MakeError(fmt::format("{}: block id {} is named twice in one prompt",
                                           where("hash_ids"), *repeat));
            }
          }
          // The whole prompt never: its last token is computed to sample.
          if (values[1] >= 1 && values[1] == std::floor(values[1])) {
            values[3] = std::min(cached, values[1] - 1);
          }
        }
      } else {
        for (int k = 0; k < 5; ++k) {
          const auto it = j.find(kNames[k]);
          if (it == j.end()) {
            if (k >= 3) continue;
            return MakeError(fmt::format("{}: missing", where(kNames[k])));
          }
          if (!it->is_number()) {
            return MakeError(fmt::format("{}: not a number", where(kNames[k])));
          }
          values[k] = it->get<double>();
        }
      }
      if (const auto it = j.find("prefix_id"); it != j.end() && !it->is_null()) {
        prefix_id = it->is_string() ? it->get<std::string>() : it->dump();
      }
      if (auto ok = add(values, prefix_id, mooncake ? kMooncakeNames : kNames); !ok) {
        return tl::unexpected(ok.error());
      }
    }
  } else {
    // CSV: the trace readers' rows (sim/trace/csv_rows.h: quotes, BOM, NUL, field length, a
    // row cut off), cells trimmed of spaces.
    RowReader rows(text, ',', file);
    Row csv_row;
    for (;;) {
      auto more = rows.Next(&csv_row);
      // Every error of this reader says its file:line in the message, as the callers show it
      // (the row reader's kept them in Error::file and ::line, which the answer dropped).
      if (!more) return MakeError(more.error().ToString());
      if (!*more) break;
      line = csv_row.line;
      if (csv_row.fields.size() == 1 &&
          csv_row.fields[0].find_first_not_of(" \t") == std::string::npos) {
        continue;  // a line of blanks
      }
      std::vector<std::string_view> cells;
      for (const std::string& field : csv_row.fields) {
        std::string_view cell = field;
        while (!cell.empty() && cell.front() == ' ') cell.remove_prefix(1);
        while (!cell.empty() && cell.back() == ' ') cell.remove_suffix(1);
        cells.push_back(cell);
      }
      double values[5] = {0, 0, 0, 0, 0};
      std::string prefix_id;
      if (columns.empty()) {
        for (auto c : cells) {
          if (std::find(columns.begin(), columns.end(), c) != columns.end()) {
            return MakeError(fmt::format("{}: column named twice", where(c.substr(0, 60))));
          }
          columns.emplace_back(c);
        }
        // The Azure LLM inference traces' header (S4664): TIMESTAMP (a date and time),
        // ContextTokens, GeneratedTokens; arrivals are seconds after the first row's.
        azure = std::find(columns.begin(), columns.end(), "arrival_s") == columns.end();
        for (int k = 0; k < 3 && azure; ++k) {
          azure = std::find(columns.begin(), columns.end(), kAzureNames[k]) != columns.end();
        }
        for (int k = 0; k < 3 && !azure; ++k) {
          if (std::find(columns.begin(), columns.end(), kNames[k]) == columns.end()) {
            return MakeError(
                fmt::format("{}:{}: the header has no column '{}' (it needs "
                            "arrival_s, input_tokens, output_tokens; or the Azure LLM "
                            "traces' TIMESTAMP, ContextTokens, GeneratedTokens)",
                            file, line, kNames[k]));
          }
        }
        continue;
      }
      if (cells.size() != columns.size()) {
        return MakeError(fmt::format("{}:{}: {} fields where the header has {}", file, line,
                                     cells.size(), columns.size()));
      }
      const std::string_view* names = azure ? kAzureNames : kNames;
      for (size_t c = 0; c < columns.size(); ++c) {
        if (columns[c] == "prefix_id") prefix_id = std::string(cells[c]);
        for (int k = 0; k < 5; ++k) {
          if (columns[c] != names[k]) continue;
          if (azure && k == 0) {
            const auto t = DateTimeSeconds(cells[c]);
            if (!t) {
              return MakeError(fmt::format("{}: {} is not a date and time (YYYY-MM-DD HH:MM:SS)",
                                           where(names[0]), Quoted(cells[c].substr(0, 40))));
            }
            if (!azure_start) {
              azure_start = *t;
              azure_first = std::string(cells[c].substr(0, 40));
            }
            values[0] = *t - *azure_start;
            // Times are counted from the first row's: one before it was "must be between 0 and
            // 1e9 seconds", which names no cause.
            if (values[0] < 0) {
              return MakeError(fmt::format(
                  "{}: {} is before the first row's {} (rows must be in "
                  "arrival order)",
                  where(names[0]), Quoted(cells[c].substr(0, 40)), Quoted(azure_first)));
            }
            continue;
          }
          auto v = number(cells[c], names[k]);
          if (!v) return tl::unexpected(v.error());
          values[k] = *v;
        }
      }
      if (auto ok = add(values, prefix_id, names); !ok) return tl::unexpected(ok.error());
    }
  }
  if (out.empty()) return MakeError(fmt::format("{}: no requests", file));
  if (options.block_tokens_given && !any_hash_ids) {
    return MakeError(fmt::format(
        "{}: no line names hash_ids, so {} sizes nothing (it is the size of Mooncake's blocks)",
        file, options.block_flag.empty() ? "a block size" : options.block_flag));
  }
  return out;
}

namespace {

// A request in the engine. Its KV cache holds the computed prompt (cached prefix excluded: it is
// shared) and the tokens decoded since; a preempted request recomputes prompt and output so far.
struct Live {
  int prefill_target = 0;  // tokens to compute before the next token is sampled
  int prefilled = 0;
  int decoded = 0;  // tokens fed back through decode steps since the prefill
  int generated = 0;
  long blocks = 0;
  long swapped = 0;  // KV tokens held in the host tier while it waits
  // Preempted with the prefix cache on (SchedulerLimits::preempted_prefix_cached): the full blocks
  // it held, still hashed in the free queue, and the group's count of allocated blocks past which
  // they start to be evicted (the blocks ahead of them in the queue taken first).
  long own_cached_blocks = 0;
  long own_cached_until = 0;
  // The prompt tokens it found in the prefix cache at its admission (the trace's cached_tokens, or
  // with SchedulerLimits::bounded_prefix_cache the leading blocks resident): its prompt is computed
  // from there. Bounded: the leading prefix blocks it holds a reference to, the blocks it computed
  // and put in the cache (while it runs their memory is its own), and whether it was admitted.
  int cached = 0;
  int hit_blocks = 0;
  std::vector<int64_t> owned;
  bool admitted = false;
  int first_cached = 0;  // `cached` at its first admission
  bool started = false;  // its first token was sampled
  double first_token_s = 0;
  double finish_s = 0;
  bool done = false;
};

long BlocksFor(long tokens, int block) { return (tokens + block - 1) / block; }

// MTP / EAGLE acceptance differs from request to request: how well the draft predicts the target
// depends on the prompt and its continuation. EAGLE's own MT-bench answers (S2820: LLaMA2-Chat 70B,
// 160 turns, greedy) take 0.75-1.39x the mean verify steps per output token, a spread of 13.8 %
// (coefficient of variation), 12 % once the per-step draws' own noise is taken out; DeepSeek-V3's
// MTP accepts its second token 85-90 % of the time depending on the topic (S2821). Each request's
// chance that a draft token is rejected is a common chance (SpreadRejection) times a log-normal
// factor of mean 1 and this sigma: 12 % in steps per token at EAGLE's depth 5 and 0.79 acceptance.
constexpr double kRejectionSpreadSigma = 0.24;

// SGLang's admission estimate (S3011: global_config): the share of a running request's remaining
// output the scheduler reserves starts at min(0.7 x schedule_conservativeness, 1) and falls by
// (start - start x 0.14) / 600 a decode step to start x 0.14; a retraction sets it to the
// survivors' (decoded + 20 each) / output (retract_decode_steps 20, S3010); outputs count up to
// 4,096 tokens (CLIP_MAX_NEW_TOKENS, S3012).
constexpr double kInitNewTokenRatio = 0.7;
constexpr double kMinNewTokenRatioFactor = 0.14;
constexpr int kNewTokenRatioDecaySteps = 600;
constexpr int kRetractDecodeSteps = 20;
constexpr int kClipMaxNewTokens = 4096;

double TokensPerStep(double acceptance, int depth) {
  double tokens = 1, p = 1;
  for (int i = 0; i < depth; ++i) tokens += (p *= acceptance);
  return tokens;
}

// The acceptance of a request whose rejection factor is exp(sigma z - sigma^2 / 2), z standard
// normal, around a rejection chance `r0`.
double RequestAcceptance(double r0, double z) {
  const double s = kRejectionSpreadSigma;
  return std::clamp(1 - r0 * std::exp(s * z - s * s / 2), 0.0, 1.0);
}

// The rejection chance around which the requests' acceptances spread so that the mean verify steps
// per token over them is the acceptance's own, 1 / TokensPerStep(acceptance): the accept length an
// engine reports (tokens over verify steps) and the analytic model's tokens per step stay as they
// are. By quadrature over z in [-6, 6] and bisection (the mean steps per token grows with r0).
double SpreadRejection(double acceptance, int depth) {
  const double target = 1 / TokensPerStep(acceptance, depth);
  auto steps_per_token = [&](double r0) {
    constexpr int kPoints = 481;
    double sum = 0, weights = 0;
    for (int i = 0; i < kPoints; ++i) {
      const double z = -6 + 12.0 * i / (kPoints - 1), w = std::exp(-z * z / 2);
      sum += w / TokensPerStep(RequestAcceptance(r0, z), depth);
      weights += w;
    }
    return sum / weights;
  };
  double lo = 0, hi = 1 - acceptance;
  while (steps_per_token(hi) < target && hi < 1e6) hi *= 2;
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2;
    (steps_per_token(mid) < target ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

}  // namespace

double StepCost::LockstepSeconds(
    const std::vector<perf::ServingStepModel::GroupBatch>& groups) const {
  double slowest = 0;
  for (const auto& g : groups) {
    slowest = std::max(slowest,
                       StepSeconds(g.decode_seqs, g.decode_keys, g.prefill_tokens, g.prefill_keys));
  }
  return slowest;
}

Result<ServingSimResult> SimulateServing(const StepCost& model, const SchedulerLimits& limits,
                                         const std::vector<ServingRequest>& requests,
                                         const SloTargets& slo, uint64_t seed, long clients) {
  ServingSimResult res;
  res.requests = static_cast<long>(requests.size());
  if (requests.empty()) return MakeError("no requests to simulate");
  if (clients < 0) return MakeError("clients must not be negative");
  // When each request is sent: as given, or in a closed loop the first `clients` at the first
  // arrival and the rest as completions free a client (infinity until then; sends only grow, so
  // the order by arrival holds).
  const bool closed_loop = clients > 0;
  std::vector<double> sent(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    sent[i] = !closed_loop                     ? requests[i].arrival_s
              : static_cast<long>(i) < clients ? requests.front().arrival_s
                                               : std::numeric_limits<double>::infinity();
  }
  size_t next_send = std::min(requests.size(), static_cast<size_t>(clients));
  double last_send_s = -1, last_send_tokens = 0;  // closed loop: when the last request went
  if (limits.host_kv_tokens > 0 && !(limits.host_tokens_per_s > 0)) {
    return MakeError("a host KV tier needs the host link's rate");
  }
  const int block = std::max(1, limits.block_tokens);
  // The blocks a sequence `tokens` long holds: its tokens, and in a sliding-window model the last
  // window of them in the windowed layers.
  // Asked for every running request every iteration, so counted without the step model's call
  // where it would return the tokens as they are, and by a shift where a block is a power of two
  // (the same whole numbers: bench/RESULTS.md "Session 31 (H5)").
  const bool kv_held_is_tokens = model.KvHeldIsTokens();
  const int block_shift =
      (block & (block - 1)) == 0 ? std::countr_zero(static_cast<unsigned>(block)) : -1;
  auto blocks_for = [&](long tokens) {
    const long held =
        kv_held_is_tokens ? tokens : static_cast<long>(std::ceil(model.KvHeldTokens(tokens)));
    return block_shift >= 0 && held >= 0 ? (held + block - 1) >> block_shift
                                         : BlocksFor(held, block);
  };
  res.kv_capacity_tokens = model.KvCapacityTokens();
  const long capacity_blocks = static_cast<long>(res.kv_capacity_tokens / block);
  const int max_seqs = limits.max_num_seqs > 0 ? limits.max_num_seqs : 1 << 20;
  const double budget_per_step = limits.max_batched_tokens > 0
                                     ? limits.max_batched_tokens
                                     : std::numeric_limits<double>::infinity();
  const int mtp_depth = model.MtpDepth();
  const double mtp_acceptance = model.MtpAcceptance();
  const int lookahead = std::max(0, limits.lookahead_kv_tokens);
  // Requests whose prefix hits come from the blocks resident (none cached until admitted).
  const bool bounded = limits.bounded_prefix_cache;
  auto uses_cache = [&](size_t id) { return bounded && !requests[id].prefix_blocks.empty(); };
  // A hit is whole engine blocks: vLLM hashes full blocks only, and looks up at most the prompt
  // less its last token (get_computed_blocks, S3731), so a 1,024-token prompt found whole in
  // 16-token blocks computes its last 16 (1,008 hit), a 400-token shared prefix hits 400 and one
  // of 399 hits 384. The trace's count where it names its blocks; cached_tokens given as a
  // column (or drawn) stand as they are.
  auto whole_blocks = [&](int tokens) { return tokens / block * block; };
  auto unbounded_cached = [&](size_t id) {
    const ServingRequest& r = requests[id];
    return r.prefix_blocks.empty() ? r.cached_tokens : whole_blocks(r.cached_tokens);
  };
  auto given_cached = [&](size_t id) { return uses_cache(id) ? 0 : unbounded_cached(id); };
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    const int given = given_cached(i);
    if (blocks_for(r.input_tokens - given + r.output_tokens + mtp_depth + lookahead) >
        capacity_blocks) {
      return MakeError(fmt::format(
          "request {} ({} input + {} output tokens) needs more KV cache than the {:.0f} tokens "
          "the chips leave; use more chips per instance, a smaller dtype or shorter requests",
          i + 1, r.input_tokens, r.output_tokens, res.kv_capacity_tokens));
    }
  }
  // MTP: each draft position is accepted with the request's probability if the one before was
  // (the law whose mean perf::ServingStepModel::TokensPerDecodeStep gives), drawn per sequence;
  // each request's probability is drawn once around the model's (SpreadRejection above).
  Rng accept_rng(seed, 7);
  std::vector<double> acceptance(requests.size(), mtp_acceptance);
  if (mtp_depth > 0 && mtp_acceptance > 0 && mtp_acceptance < 1) {
    const double r0 = SpreadRejection(mtp_acceptance, mtp_depth);
    Rng spread_rng(seed, 8);
    for (double& a : acceptance) a = RequestAcceptance(r0, spread_rng.Normal());
  }

  std::vector<Live> live(requests.size());
  // An attention group's engine: its running batch, its queue, its KV blocks and host tier.
  struct Chunk {
    size_t id;
    int tokens;
  };
  // A prefix block in HBM: owned (its memory the computing request's, which runs), held (requests
  // use it, its memory the cache's) or free (no request uses it: evictable), with the requests that
  // use it and its engine blocks.
  enum class BlockState { kOwned, kHeld, kFree };
  struct CachedBlock {
    BlockState state = BlockState::kOwned;
    long refs = 0;
    long blocks = 0;
    std::list<int64_t>::iterator at;  // in the free list
  };
  struct HostBlock {
    long blocks = 0;
    std::list<int64_t>::iterator at;
  };
  // Decoding sequences held in bulk (`lazy` below): how many, the tokens they attend to in all,
  // the decode steps the group has run, and when each finishes (in those steps).
  struct Group {
    std::vector<size_t> running;  // lazy: only those not decoding
    long decoding = 0;
    long decoding_keys = 0;
    long ticks = 0;
    std::priority_queue<std::pair<long, size_t>, std::vector<std::pair<long, size_t>>,
                        std::greater<>>
        finishing;
    std::deque<size_t> waiting;
    long used_blocks = 0;
    long allocated = 0;  // blocks allocated so far (the free queue's pops, for own_cached_until)
    double host_used = 0;
    double swap_tokens = 0;  // tokens moved over the host link this iteration
    int steps_since_call = 0;
    double new_token_ratio = 0;  // SGLang's (limits.retract): init_new_token_ratio below
    std::vector<Chunk> prefills;
    std::vector<size_t> decodes;
    bool decodes_wait = false;  // this iteration is a prefill batch of its own (prefill_apart)
    // The bounded prefix cache (limits.bounded_prefix_cache): its blocks by id; those no request
    // uses, in HBM least recently used first and their engine blocks; the host tier's the same.
    std::unordered_map<int64_t, CachedBlock> cache;
    std::list<int64_t> lru;
    long lru_blocks = 0;
    std::unordered_map<int64_t, HostBlock> host;
    std::list<int64_t> host_lru;
    double host_cached_tokens = 0;
  };
  const int group_count = std::max(1, limits.attention_groups);
  std::vector<Group> groups(static_cast<size_t>(group_count));
  const double init_new_token_ratio =
      std::min(kInitNewTokenRatio * limits.schedule_conservativeness, 1.0);
  const double min_new_token_ratio = init_new_token_ratio * kMinNewTokenRatioFactor;
  const double new_token_ratio_decay =
      (init_new_token_ratio - min_new_token_ratio) / kNewTokenRatioDecaySteps;
  const int scheduler_steps = std::max(1, limits.scheduler_steps);
  for (Group& g : groups) {
    g.new_token_ratio = init_new_token_ratio;
    g.steps_since_call = scheduler_steps;  // the first iteration calls
  }
  // Decoding sequences in bulk, where that changes nothing: without MTP drafts, with a token
  // budget per step that holds a token of every sequence the engine runs, and with the whole
  // output's KV reserved at admission (no preemption, no host tier), every running sequence that
  // has its prompt computed decodes one token every iteration and never needs a block. The
  // prompts in progress then always come after them in admission order (a later prompt gets
  // budget only once the earlier one is done), so they still see the budget the decodes leave.
  // A group's decoding sequences are a count, the sum of the tokens they attend to and a queue of
  // when each finishes: an iteration costs the events (admissions, prompts, completions), not the
  // running batch (72 attention groups of 1,900 sequences: about 140,000 a step). The same
  // iterations, the same times, the same results.
  const bool lazy = mtp_depth == 0 && limits.reserve_output && !(limits.host_kv_tokens > 0) &&
                    static_cast<double>(max_seqs) <= budget_per_step;
  auto running_count = [](const Group& g) { return g.running.size() + g.decoding; };
  size_t next_arrival = 0, dealt = 0;
  double now = sent.front();
  double busy_seq_s = 0, busy_s = 0;
  long completed = 0;
  int idle_steps = 0;
  // Live traffic is measured while requests arrive (the drain after the last one would count
  // a tail no steady server has), from the first completion on: before it the running batch is
  // still filling (no request has left yet), a ramp a steady server does not have (counting it
  // cut the rate by about E2E / (2 x the arrival window): 2-10 % on the held-out MLPerf server
  // cases of bench/serving_accuracy.py). At most half the window is skipped. An offline batch is
  // measured over its whole makespan.
  const double last_arrival =
      closed_loop ? std::numeric_limits<double>::infinity() : requests.back().arrival_s;
  const double ramp_limit = sent.front() + (last_arrival - sent.front()) / 2;
  // Tokens generated so far (every step), and up to the last arrival (the live window).
  double tokens = 0, window_tokens = 0;
  double ramp_end_s = -1, ramp_tokens = 0;  // where the measured window starts, tokens before it
  // A rate above what the server serves leaves a queue at the last arrival; measured in the
  // window, the work done before it (prompts admitted during the ramp) would count as served
  // inside it: 2.2x the rate the server sustains on a 60 s run at twice its capacity. Such a run
  // is measured from the ramp's end until the queue has been admitted, the batch full all along.
  double backlog_end_s = -1, backlog_tokens = 0;

  // The bounded prefix cache. A request's k-th prefix block: its tokens and engine blocks.
  auto prefix_blocks_of = [&](size_t id) {
    const ServingRequest& r = requests[id];
    const long n = (static_cast<long>(r.prefix_tokens) + r.prefix_block_tokens - 1) /
                   std::max(1, r.prefix_block_tokens);
    return static_cast<int>(std::min<long>(n, static_cast<long>(r.prefix_blocks.size())));
  };
  auto block_tokens_of = [&](size_t id, int k) {
    const ServingRequest& r = requests[id];
    return std::min(r.prefix_block_tokens, r.prefix_tokens - k * r.prefix_block_tokens);
  };
  // The host tier holds what the swapped-out KV leaves, its least recently used blocks dropped.
  auto trim_host = [&](Group& g) {
    while (!g.host_lru.empty() && g.host_cached_tokens + g.host_used > limits.host_kv_tokens) {
      const auto it = g.host.find(g.host_lru.front());
      g.host_cached_tokens -= static_cast<double>(it->second.blocks * block);
      g.host.erase(it);
      g.host_lru.pop_front();
    }
  };
  // The free blocks hold only the room no request holds: the least recently used go first (to the
  // host tier when there is one).
  auto trim = [&](Group& g) {
    while (!g.lru.empty() && g.lru_blocks > capacity_blocks - g.used_blocks) {
      const int64_t h = g.lru.front();
      g.lru.pop_front();
      const auto it = g.cache.find(h);
      const long blocks = it->second.blocks;
      g.lru_blocks -= blocks;
      g.cache.erase(it);
      if (limits.host_kv_tokens > 0) {
        g.host_lru.push_back(h);
        g.host[h] = {.blocks = blocks, .at = std::prev(g.host_lru.end())};
        g.host_cached_tokens += static_cast<double>(blocks * block);
      }
    }
    if (limits.host_kv_tokens > 0) trim_host(g);
  };
  // What request `id` would find: its leading blocks resident (in HBM or on the host), the prompt
  // tokens they give (never the whole prompt), the engine blocks it would take from the free room
  // (free cached blocks and those loaded from the host) and the tokens loaded.
  struct PrefixHit {
    int blocks = 0;
    int tokens = 0;
    long take = 0;
    double host_tokens = 0;
  };
  auto peek = [&](Group& g, size_t id) {
    trim(g);
    PrefixHit hit;
    const ServingRequest& r = requests[id];
    const int n = prefix_blocks_of(id);
    for (int k = 0; k < n; ++k) {
      const int64_t h = r.prefix_blocks[static_cast<size_t>(k)];
      if (const auto it = g.cache.find(h); it != g.cache.end()) {
        if (it->second.state == BlockState::kFree) hit.take += it->second.blocks;
      } else if (const auto hi = g.host.find(h); hi != g.host.end()) {
        hit.take += hi->second.blocks;
        hit.host_tokens += block_tokens_of(id, k);
      } else {
        break;
      }
      ++hit.blocks;
    }
    hit.tokens = whole_blocks(std::max(
        0, std::min({hit.blocks * r.prefix_block_tokens, r.prefix_tokens, r.input_tokens - 1})));
    return hit;
  };
  auto acquire = [&](Group& g, size_t id, const PrefixHit& hit) {
    const ServingRequest& r = requests[id];
    for (int k = 0; k < hit.blocks; ++k) {
      const int64_t h = r.prefix_blocks[static_cast<size_t>(k)];
      if (auto it = g.cache.find(h); it != g.cache.end()) {
        CachedBlock& b = it->second;
        if (b.state == BlockState::kFree) {
          g.lru.erase(b.at);
          g.lru_blocks -= b.blocks;
          g.used_blocks += b.blocks;
          b.state = BlockState::kHeld;
        }
        ++b.refs;
        continue;
      }
      // From the host tier, over its link.
      const auto hi = g.host.find(h);
      const long blocks = hi->second.blocks;
      g.host_lru.erase(hi->second.at);
      g.host_cached_tokens -= static_cast<double>(blocks * block);
      g.host.erase(hi);
      g.cache[h] = {.state = BlockState::kHeld, .refs = 1, .blocks = blocks, .at = {}};
      g.used_blocks += blocks;
      g.swap_tokens += block_tokens_of(id, k);
    }
    live[id].hit_blocks = hit.blocks;
  };
  // Its prompt computed, a request puts the blocks it computed in the cache (a block another
  // request put there first stays that one's).
  auto put = [&](Group& g, size_t id) {
    Live& l = live[id];
    const ServingRequest& r = requests[id];
    const int n = prefix_blocks_of(id);
    for (int k = l.hit_blocks; k < n; ++k) {
      const int64_t h = r.prefix_blocks[static_cast<size_t>(k)];
      if (g.cache.count(h) > 0 || g.host.count(h) > 0) continue;
      g.cache[h] = {.state = BlockState::kOwned,
                    .refs = 1,
                    .blocks = BlocksFor(block_tokens_of(id, k), block),
                    .at = {}};
      l.owned.push_back(h);
    }
  };
  auto unref = [&](Group& g, int64_t h, bool memory_leaves) {
    CachedBlock& b = g.cache.find(h)->second;
    --b.refs;
    if (b.refs > 0) {
      // Others use it: its memory stays, the cache's now.
      if (memory_leaves && b.state == BlockState::kOwned) {
        b.state = BlockState::kHeld;
        g.used_blocks += b.blocks;
      }
      return;
    }
    if (b.state == BlockState::kHeld) g.used_blocks -= b.blocks;
    b.state = BlockState::kFree;
    g.lru.push_back(h);
    b.at = std::prev(g.lru.end());
    g.lru_blocks += b.blocks;
  };
  // A request leaving (done, or preempted to recompute) gives its blocks back, the last first (so
  // that they are evicted first: vLLM frees a request's blocks in reverse order, S3731). Its own
  // KV memory is already freed.
  auto release = [&](Group& g, size_t id) {
    Live& l = live[id];
    for (auto it = l.owned.rbegin(); it != l.owned.rend(); ++it) unref(g, *it, true);
    l.owned.clear();
    const ServingRequest& r = requests[id];
    for (int k = l.hit_blocks - 1; k >= 0; --k)
      unref(g, r.prefix_blocks[static_cast<size_t>(k)], false);
    l.hit_blocks = 0;
  };
  double host_hit_tokens = 0;  // loaded from the host tier at first admissions

  auto preempt = [&](Group& g, size_t id) {
    Live& l = live[id];
    const long free_before = capacity_blocks - g.used_blocks;
    const long held_blocks = l.blocks;
    g.used_blocks -= l.blocks;
    l.blocks = 0;
    const long held = l.prefilled + l.decoded;
    if (held > 0 && g.host_used + held <= limits.host_kv_tokens) {
      // Swapped out: it resumes where it was once its blocks come back.
      l.swapped = held;
      g.host_used += held;
      g.swap_tokens += held;
      ++res.swaps;
      if (uses_cache(id)) {
        // The blocks it computed go with it, unless others use them; the prefix it found stays
        // held for its return.
        for (const int64_t h : l.owned) {
          auto it = g.cache.find(h);
          if (--it->second.refs > 0) {
            it->second.state = BlockState::kHeld;
            g.used_blocks += it->second.blocks;
          } else {
            g.cache.erase(it);
          }
        }
        l.owned.clear();
        trim_host(g);
      }
    } else if (uses_cache(id)) {
      // Its blocks back to the cache; readmitted, it looks them up again.
      release(g, id);
      l.cached = 0;
      l.prefill_target = requests[id].input_tokens + l.generated;
      l.prefilled = 0;
      l.decoded = 0;
    } else {
      if (limits.preempted_prefix_cached) {
        // vLLM V1 frees its blocks to the tail of the free queue, last block first, keeping their
        // hashes (S3731): they are evicted only once the blocks already free ahead of them have
        // been allocated, its last blocks first, so what is left of it is a prefix.
        l.own_cached_blocks = std::min<long>(held_blocks, (l.prefilled + l.decoded) / block);
        l.own_cached_until = g.allocated + free_before;
      }
      l.prefill_target = requests[id].input_tokens - given_cached(id) + l.generated;
      l.prefilled = 0;
      l.decoded = 0;
    }
    // vLLM puts a preempted request first in line; SGLang re-queues a retracted one behind the
    // waiting requests (Scheduler._extend_requests_to_queue, S3011).
    if (limits.retract) {
      g.waiting.push_back(id);
    } else {
      g.waiting.push_front(id);
    }
    ++res.preemptions;
  };
  const bool retract = limits.retract && !limits.reserve_output;
  // SGLang's retract_decode (S3010): before a decode step, if the decoding sequences' next tokens
  // do not all fit, retract them one by one (at least one) until the others' do, and set the
  // group's new_token_ratio from the survivors; otherwise the ratio decays a step.
  std::vector<size_t> decoding_ids;  // retract_decode's, kept between calls (no allocation a step)
  auto retract_decode = [&](Group& g) {
    decoding_ids.clear();
    long need = 0;
    auto step_blocks = [&](size_t id) {
      const Live& l = live[id];
      return std::max(0L, blocks_for(l.prefilled + l.decoded + 1 + mtp_depth) - l.blocks);
    };
    for (size_t id : g.running) {
      const Live& l = live[id];
      if (l.prefilled != l.prefill_target) continue;
      decoding_ids.push_back(id);
      need += step_blocks(id);
    }
    if (decoding_ids.empty()) return false;
    if (need <= capacity_blocks - g.used_blocks) {
      g.new_token_ratio = std::max(g.new_token_ratio - new_token_ratio_decay, min_new_token_ratio);
      return false;
    }
    // The order retract_decode pops them: with drafts the batch's own (the latest admitted
    // last), else by outputs, most first, and among equals the shortest prompt first.
    if (mtp_depth == 0) {
      std::stable_sort(decoding_ids.begin(), decoding_ids.end(), [&](size_t a, size_t b) {
        if (live[a].generated != live[b].generated) return live[a].generated > live[b].generated;
        return requests[a].input_tokens < requests[b].input_tokens;
      });
    }
    std::unordered_set<size_t> retracted;
    bool first = true;
    while (decoding_ids.size() > 1 && (first || need > capacity_blocks - g.used_blocks)) {
      first = false;
      const size_t victim = decoding_ids.back();
      decoding_ids.pop_back();
      need -= step_blocks(victim);
      retracted.insert(victim);
      preempt(g, victim);
    }
    g.running.erase(std::remove_if(g.running.begin(), g.running.end(),
                                   [&](size_t id) { return retracted.count(id) > 0; }),
                    g.running.end());
    double decoded = 0, outputs = 0;
    for (size_t id : decoding_ids) {
      decoded += live[id].generated;
      outputs += requests[id].output_tokens;
    }
    g.new_token_ratio = std::min(
        1.0, (decoded + kRetractDecodeSteps * static_cast<double>(decoding_ids.size())) / outputs);
    return true;
  };

  // SGLang's PrefillAdder.add_one_req_ignore_eos (S3100) for waiting request `id` in group `g`,
  // whose running requests (those admitted this iteration too) hold their blocks:
  // `estimate_free` is what is free less the running requests' new_token_ratio estimate (the
  // adder's rem_total_tokens). The prompt must fit what is free and that; then, the running
  // requests and it sorted by the tokens each has left (an EOS-ignoring one its output less what
  // it decoded, another new_token_ratio of its output less that), at the i-th to end the KV free
  // now less the prompt, plus what the i earlier ones held (prompt and outputs: they are freed),
  // less its tokens left times the n - i requests then running, must stay above one token each
  // (IGNORE_EOS_RESERVE_TOKENS).
  // (tokens left, tokens held), in the adder's order before its stable sort: the new request,
  // then the running ones.
  std::vector<std::pair<double, double>> eos_states;
  auto ignore_eos_fits = [&](const Group& g, size_t id, double estimate_free) {
    const Live& l = live[id];
    const double prompt = static_cast<double>(blocks_for(l.prefill_target - l.prefilled) * block);
    const double free_now = static_cast<double>((capacity_blocks - g.used_blocks) * block);
    if (prompt > std::min(free_now, estimate_free)) return false;
    eos_states.clear();
    auto add = [&](size_t r) {
      const double ratio = requests[r].ignore_eos ? 1.0 : g.new_token_ratio;
      const double left = ratio * requests[r].output_tokens - live[r].generated;
      if (left > 0) eos_states.emplace_back(left, requests[r].input_tokens + live[r].generated);
    };
    add(id);
    for (size_t r : g.running) add(r);
    std::stable_sort(eos_states.begin(), eos_states.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    const double rest = free_now - prompt;
    double freed = 0;
    for (size_t i = 0; i < eos_states.size(); ++i) {
      const double running = static_cast<double>(eos_states.size() - i);
      if (rest + freed - eos_states[i].first * running <= running) return false;
      freed += eos_states[i].second;
    }
    return true;
  };

  // Schedules one iteration of a group: running requests first, in admission order (decode a
  // token, or the next prompt chunk), preempting the latest admitted when the KV cache is full;
  // then new requests while sequences, tokens and KV blocks allow (none after a preemption).
  // hold: the attention-DP balance holds prompts this iteration (decodes still run).
  auto schedule = [&](Group& g, bool hold) {
    // Held in bulk, the decoding sequences come first in admission order: their tokens first.
    double budget = budget_per_step - static_cast<double>(g.decoding);
    // The prompts' budget. A prefill batch apart (SGLang without --enable-mixed-chunk) has the
    // whole chunk (chunked_prefill_size / max_prefill_tokens): its PrefillAdder starts from them
    // and the running decodes, which wait, spend none of it (S3264, S3330); with vLLM's chunked
    // prefill or mixed chunks the decodes' tokens come off the one step budget.
    double apart_budget = budget_per_step;
    double& prompt_budget = limits.prefill_apart ? apart_budget : budget;
    g.prefills.clear();
    g.decodes.clear();
    g.swap_tokens = 0;
    bool preempted = retract && retract_decode(g);
    // A scheduler call of several steps: each decoding sequence takes KV slots for the call's later
    // steps now (vLLM V0's lookahead slots, S4441), held until they are written.
    const int ahead = g.steps_since_call >= scheduler_steps ? lookahead : 0;
    // SGLang's PrefillAdder (S3012): the KV the running requests are still expected to take,
    // tokens: a decoding one new_token_ratio of its remaining output, a prompt in progress the rest
    // of its prompt and its whole remaining output (at most kClipMaxNewTokens each).
    double reserved = 0;
    auto& running = g.running;
    for (size_t k = 0; k < running.size(); ++k) {
      const size_t id = running[k];
      Live& l = live[id];
      const bool decoding = l.prefilled == l.prefill_target;
      // A decoding sequence feeds its last token and verifies its draft tokens: KV slots and
      // step tokens for all of them.
      const int want =
          decoding
              ? 1 + mtp_depth
              : static_cast<int>(std::min<double>(l.prefill_target - l.prefilled, prompt_budget));
      if (retract) {
        const double rest = std::min(requests[id].output_tokens - l.generated, kClipMaxNewTokens);
        reserved += decoding ? g.new_token_ratio * rest
                             : l.prefill_target - l.prefilled - std::max(0, want) + rest;
      }
      if (want <= 0 || (decoding && budget < want) || (hold && !decoding)) continue;
      const long need = blocks_for(l.prefilled + l.decoded + want + (decoding ? ahead : 0)) -
                        l.blocks;  // more blocks to hold it
      bool self_preempted = false;
      while (need > capacity_blocks - g.used_blocks) {
        const size_t victim = running.back();
        running.pop_back();
        preempt(g, victim);
        preempted = true;
        if (victim == id) {
          self_preempted = true;
          break;
        }
      }
      if (self_preempted) break;
      l.blocks += std::max(0L, need);
      g.used_blocks += std::max(0L, need);
      g.allocated += std::max(0L, need);
      (decoding ? budget : prompt_budget) -= want;
      if (decoding) {
        g.decodes.push_back(id);
      } else {
        g.prefills.push_back({id, want});
      }
    }
    // With multi-step scheduling only a scheduler call admits; an idle engine calls at once.
    const bool scheduler_call = g.steps_since_call >= scheduler_steps || running_count(g) == 0;
    if (scheduler_call) g.steps_since_call = 0;
    if (preempted || !scheduler_call || hold) return;
    // What is free when the admission starts, in tokens (SGLang's available_size).
    const double free_tokens = static_cast<double>((capacity_blocks - g.used_blocks) * block);
    double prefilling = 0;  // the prompt tokens of the step so far
    for (const Chunk& c : g.prefills) prefilling += c.tokens;
    while (!g.waiting.empty() && running_count(g) < static_cast<size_t>(max_seqs) &&
           prompt_budget >= 1) {
      const size_t id = g.waiting.front();
      Live& l = live[id];
      if (l.swapped > 0) {
        // Swapped in: its blocks come back over the host link; it runs from the next iteration.
        const long need = blocks_for(l.swapped + 1 + mtp_depth);
        if (need > capacity_blocks - g.used_blocks) break;
        g.waiting.pop_front();
        running.push_back(id);
        l.blocks = need;
        g.used_blocks += need;
        g.allocated += need;
        g.host_used -= l.swapped;
        g.swap_tokens += l.swapped;
        l.swapped = 0;
        continue;
      }
      // A preempted request finds what is left of its own blocks in the prefix cache: its
      // prompt resumes after them (at least the last token computed again, as vLLM's
      // get_computed_blocks leaves it, S3731). Those blocks are allocated again with the chunk.
      int own_hit = 0;
      if (l.own_cached_blocks > 0 && l.prefilled == 0) {
        const long evicted = std::clamp(g.allocated - l.own_cached_until, 0L, l.own_cached_blocks);
        own_hit = static_cast<int>(
            std::min<long>((l.own_cached_blocks - evicted) * block, l.prefill_target - 1));
        own_hit = std::max(0, own_hit);
      }
      // With the bounded prefix cache, the leading blocks resident.
      PrefixHit hit;
      if (uses_cache(id) && l.prefilled == 0) hit = peek(g, id);
      const int remaining = l.prefill_target - l.prefilled - own_hit - hit.tokens;
      // SGLang's PrefillAdder: a prompt longer than what the batch has left ends the batch.
      if (limits.max_prefill_tokens > 0 && !g.prefills.empty() &&
          remaining > limits.max_prefill_tokens - prefilling) {
        break;
      }
      int want = static_cast<int>(std::min<double>(remaining, prompt_budget));
      if (!limits.chunked_prefill && want < remaining) {
        // Longer than the step's budget: vLLM runs it in a step of its own. SGLang's PrefillAdder
        // accepts the first prompt of a prefill batch whatever its length, and that batch is its
        // own (the running decodes do not spend its budget without --enable-mixed-chunk; S3264).
        const bool first_prefill =
            g.prefills.empty() && (limits.retract || prompt_budget == budget_per_step);
        if (!first_prefill) break;
        want = remaining;  // longer than any step's budget: it runs alone
      }
      // Reserving: every block the request will hold (prompt, the rest of its output and the
      // drafts of its last step), so that running requests never need one that is not free.
      const long need = limits.reserve_output
                            ? blocks_for(static_cast<long>(l.prefill_target) - hit.tokens +
                                         requests[id].output_tokens - l.generated + mtp_depth)
                            : blocks_for(own_hit + want);
      if (need + hit.take > capacity_blocks - g.used_blocks) break;
      if (retract) {
        // SGLang: its prompt (a retracted request's with its outputs so far) and its whole
        // remaining output, against what is free less the running requests' estimate; with the
        // radix cache off an EOS-ignoring request by its own path (ignore_eos_admission).
        const double total =
            remaining + std::min(requests[id].output_tokens - l.generated, kClipMaxNewTokens);
        // (An idle group takes a request that fits at all: the check above.)
        if (running_count(g) > 0) {
          const bool fits = limits.ignore_eos_admission && requests[id].ignore_eos
                                ? ignore_eos_fits(g, id, free_tokens - reserved)
                                : total < free_tokens - reserved;
          if (!fits) break;
        }
        reserved += total;
      }
      g.waiting.pop_front();
      running.push_back(id);
      if (uses_cache(id) && l.prefilled == 0) {
        acquire(g, id, hit);
        l.cached = hit.tokens;
        l.prefill_target -= hit.tokens;
        if (!l.admitted) host_hit_tokens += std::min<double>(hit.host_tokens, hit.tokens);
      }
      if (!l.admitted) {
        l.admitted = true;
        l.first_cached = l.cached;
      }
      l.prefilled += own_hit;
      l.own_cached_blocks = 0;
      l.blocks = need;
      g.used_blocks += need;
      g.allocated += need;
      prompt_budget -= want;
      prefilling += want;
      g.prefills.push_back({id, want});
    }
  };

  // What a group would schedule this iteration, for the attention-DP balance: its decoding
  // sequences, and whether it would run a prompt (a prompt in progress, or the first waiting
  // request if a scheduler call admits it: a sequence slot, the token budget left by the decodes
  // and its KV blocks free).
  struct Outlook {
    size_t decoding = 0;
    bool prompt = false;
  };
  auto outlook = [&](const Group& g) {
    Outlook o;
    o.decoding = static_cast<size_t>(g.decoding);
    for (size_t id : g.running) {
      const Live& l = live[id];
      if (l.prefilled == l.prefill_target) {
        ++o.decoding;
      } else {
        o.prompt = true;
      }
    }
    const bool call = g.steps_since_call >= scheduler_steps || running_count(g) == 0;
    if (o.prompt || !call || g.waiting.empty() || running_count(g) >= static_cast<size_t>(max_seqs))
      return o;
    const size_t id = g.waiting.front();
    const Live& l = live[id];
    if (l.swapped > 0) return o;  // swapped back in: it decodes
    const double budget = limits.prefill_apart
                              ? budget_per_step
                              : budget_per_step - static_cast<double>(o.decoding) * (1 + mtp_depth);
    const int remaining = l.prefill_target - l.prefilled;
    if (budget < 1 ||
        (!limits.chunked_prefill && budget < remaining && o.decoding > 0 && !limits.retract)) {
      return o;
    }
    const long need = limits.reserve_output
                          ? blocks_for(static_cast<long>(l.prefill_target) +
                                       requests[id].output_tokens - l.generated + mtp_depth)
                          : blocks_for(static_cast<long>(std::min<double>(remaining, budget)));
    o.prompt = need <= capacity_blocks - g.used_blocks;
    return o;
  };
  const bool adp_balance = limits.adp_balance && group_count > 1;
  int adp_waiting_iters = 0, adp_batching_iters = 0;  // the executor's two counts

  std::vector<perf::ServingStepModel::GroupBatch> batches(groups.size());
  while (completed < res.requests) {
    while (next_arrival < requests.size() && sent[next_arrival] <= now) {
      Live& l = live[next_arrival];
      l.cached = given_cached(next_arrival);
      l.prefill_target = requests[next_arrival].input_tokens - l.cached;
      // To the group with the fewest requests in it (the engines' attention-DP dispatch), or to
      // each in turn (SGLang's round robin).
      Group* to = &groups.front();
      if (limits.round_robin_dispatch) {
        to = &groups[dealt++ % groups.size()];
      } else {
        for (Group& g : groups) {
          if (running_count(g) + g.waiting.size() < running_count(*to) + to->waiting.size())
            to = &g;
        }
      }
      to->waiting.push_back(next_arrival++);
    }
    bool empty = true;
    for (const Group& g : groups) empty = empty && running_count(g) == 0 && g.waiting.empty();
    if (empty) {
      if (next_arrival == requests.size() || !std::isfinite(sent[next_arrival]))
        return MakeError("serving simulator: requests lost");
      now = sent[next_arrival];
      continue;
    }
    bool work = false;
    double swap_s = 0;
    bool hold = false;
    if (adp_balance) {
      bool all_room = true, all_prompt = true, all_decoding = true;
      for (const Group& g : groups) {
        const Outlook o = outlook(g);
        all_room = all_room && o.decoding < static_cast<size_t>(max_seqs);
        all_prompt = all_prompt && o.prompt;
        all_decoding = all_decoding && o.decoding > 0;
      }
      if (all_room && all_prompt) {
        adp_waiting_iters = 0;
        if (all_decoding) {
          hold = adp_batching_iters < limits.adp_balance_wait_iters;
          adp_batching_iters = hold ? adp_batching_iters + 1 : 0;
        }
      } else {
        hold = ++adp_waiting_iters < limits.adp_balance_timeout_iters && all_decoding;
        if (!hold) adp_waiting_iters = 0;
      }
    }
    for (Group& g : groups) {
      schedule(g, hold);
      if (bounded) trim(g);  // what the iteration took of the room
      work =
          work || !g.decodes.empty() || g.decoding > 0 || !g.prefills.empty() || g.swap_tokens > 0;
      // Swaps hold the iteration up (vLLM's swap blocks the step); none without a host tier.
      if (g.swap_tokens > 0) swap_s = std::max(swap_s, g.swap_tokens / limits.host_tokens_per_s);
    }
    if (!work) {
      if (++idle_steps > 3) return MakeError("the serving simulator made no progress (KV cache)");
      continue;
    }
    idle_steps = 0;

    bool compute = false;
    double running_seqs = 0;
    for (size_t gi = 0; gi < groups.size(); ++gi) {
      Group& g = groups[gi];
      ++g.steps_since_call;
      running_seqs += static_cast<double>(running_count(g));
      auto& b = batches[gi];
      b = {};
      // An engine that runs a prefill batch apart (SGLang without --enable-mixed-chunk, S3330):
      // the iteration is the prompts' alone and the running decodes wait for the next one.
      g.decodes_wait = limits.prefill_apart && !g.prefills.empty();
      // vLLM V0's multi-step engine caches a call's schedule for its later steps only when it has
      // lookahead slots, which a prefill call without chunking does not take: the iteration after
      // a prefill-only one calls the scheduler again (more prompts, or the next decode window;
      // S4840).
      if (g.decodes_wait) g.steps_since_call = std::max(g.steps_since_call, scheduler_steps);
      if (!g.decodes_wait) {
        b.decode_seqs = static_cast<double>(g.decodes.size() + g.decoding);
        b.decode_keys = static_cast<double>(g.decoding_keys);
        for (size_t id : g.decodes) b.decode_keys += requests[id].input_tokens + live[id].generated;
      }
      for (const Chunk& c : g.prefills) {
        // Positions [a, b) of the sequence, each attending to itself and everything before it.
        const double a = live[c.id].cached + live[c.id].prefilled, e = a + c.tokens;
        b.prefill_tokens += c.tokens;
        b.prefill_keys += (e - a) * (a + e + 1) / 2;
      }
      compute = compute || !g.decodes.empty() || g.decoding > 0 || !g.prefills.empty();
    }
    const double dt =
        (!compute           ? 0
         : group_count == 1 ? model.StepSeconds(batches[0].decode_seqs, batches[0].decode_keys,
                                                batches[0].prefill_tokens, batches[0].prefill_keys)
                            : model.LockstepSeconds(batches)) +
        swap_s;
    busy_seq_s += dt * running_seqs;
    busy_s += dt;
    for (const Group& g : groups) {
      res.max_running_seqs = std::max(res.max_running_seqs, static_cast<double>(running_count(g)));
    }
    now += dt;
    ++res.steps;
    const bool in_window = now <= last_arrival;

    for (Group& g : groups) {
      auto finish_if_done = [&](size_t id) {
        Live& l = live[id];
        if (l.generated < requests[id].output_tokens) return;
        l.done = true;
        l.finish_s = now;
        g.used_blocks -= l.blocks;
        l.blocks = 0;
        if (uses_cache(id)) release(g, id);
        ++completed;
        if (closed_loop && next_send < requests.size()) sent[next_send++] = now;
      };
      for (size_t id : g.decodes) {
        if (g.decodes_wait) break;
        Live& l = live[id];
        int gained = 1;
        while (gained <= mtp_depth && accept_rng.Uniform() < acceptance[id]) ++gained;
        gained = std::min(gained, requests[id].output_tokens - l.generated);
        tokens += gained;
        l.decoded += gained;
        l.generated += gained;
        finish_if_done(id);
      }
      if (g.decoding > 0 && !g.decodes_wait) {
        // Every decoding sequence gains its token; those at their last finish.
        ++g.ticks;
        tokens += static_cast<double>(g.decoding);
        g.decoding_keys += g.decoding;
        while (!g.finishing.empty() && g.finishing.top().first <= g.ticks) {
          const size_t id = g.finishing.top().second;
          g.finishing.pop();
          live[id].generated = requests[id].output_tokens;
          finish_if_done(id);
          --g.decoding;
          g.decoding_keys -= requests[id].input_tokens + requests[id].output_tokens;
        }
      }
      for (const Chunk& c : g.prefills) {
        Live& l = live[c.id];
        l.prefilled += c.tokens;
        if (l.prefilled < l.prefill_target) continue;
        if (uses_cache(c.id) && l.owned.empty()) put(g, c.id);
        ++l.generated;  // the prompt's last position samples the next token
        ++tokens;
        if (!l.started) {
          l.started = true;
          l.first_token_s = now;
        }
        finish_if_done(c.id);
        if (lazy && !l.done) {
          // Decoding from the next iteration: its last token comes in as many steps as it lacks.
          ++g.decoding;
          g.decoding_keys += requests[c.id].input_tokens + l.generated;
          g.finishing.emplace(g.ticks + requests[c.id].output_tokens - l.generated, c.id);
        }
      }
      g.running.erase(std::remove_if(g.running.begin(), g.running.end(),
                                     [&](size_t id) {
                                       const Live& l = live[id];
                                       return l.done || (lazy && l.prefilled == l.prefill_target);
                                     }),
                      g.running.end());
    }
    if (in_window) window_tokens = tokens;
    if (!in_window && backlog_end_s < 0 && next_arrival == requests.size()) {
      bool queued = false;
      for (const Group& g : groups) queued = queued || !g.waiting.empty();
      if (!queued) {
        backlog_end_s = now;
        backlog_tokens = tokens;
      }
    }
    if (ramp_end_s < 0 && in_window && (completed > 0 || now >= ramp_limit)) {
      ramp_end_s = now;
      ramp_tokens = window_tokens;
    }
    if (closed_loop && last_send_s < 0 && next_send == requests.size()) {
      last_send_s = now;
      last_send_tokens = window_tokens;
    }
  }

  std::vector<double> ttft, tpot, e2e;
  ttft.reserve(requests.size());
  e2e.reserve(requests.size());
  double first = sent.front(), last = first, out_tokens = 0;
  long good = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    const Live& l = live[i];
    const ServingRequest& r = requests[i];
    const double t = (l.first_token_s - sent[i]) * 1000;
    ttft.push_back(t);
    e2e.push_back(l.finish_s - sent[i]);
    double per_token = 0;
    if (r.output_tokens > 1) {
      per_token = (l.finish_s - l.first_token_s) * 1000 / (r.output_tokens - 1);
      tpot.push_back(per_token);
    }
    last = std::max(last, l.finish_s);
    out_tokens += r.output_tokens;
    if ((!slo.ttft_ms || t <= *slo.ttft_ms) && (!slo.tpot_ms || per_token <= *slo.tpot_ms)) {
      ++good;
    }
  }
  auto summarize = [](std::vector<double>& v) {
    Percentiles p;
    if (v.empty()) return p;
    std::sort(v.begin(), v.end());
    p.p50 = QuantileOfSorted(v, 0.50);
    p.p90 = QuantileOfSorted(v, 0.90);
    p.p99 = QuantileOfSorted(v, 0.99);
    double sum = 0;
    for (double x : v) sum += x;
    p.mean = sum / static_cast<double>(v.size());
    return p;
  };
  res.ttft_ms = summarize(ttft);
  res.tpot_ms = summarize(tpot);
  res.e2e_s = summarize(e2e);
  res.requests_completed = completed;
  double input = 0, cached = 0, unbounded = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    input += requests[i].input_tokens;
    unbounded += unbounded_cached(i);
    cached += uses_cache(i) ? live[i].first_cached : given_cached(i);
  }
  res.prefix_hit = input > 0 ? cached / input : 0;
  res.prefix_hit_unbounded = input > 0 ? unbounded / input : 0;
  res.prefix_hit_host = input > 0 ? host_hit_tokens / input : 0;
  res.makespan_s = last - first;
  const double window = last_arrival - first;
  if (closed_loop) {
    // While every client has a request in flight; a run too short for that, over its makespan.
    // A window shorter than one request's life (a run of two or three waves at fixed lengths)
    // spans only the boundary between waves, the next wave's prompts, and not a steady server:
    // 2 x 80 requests of 3,584 / 1,536 tokens on 2 x 910C measured 97 tokens/s a chip there
    // against 849 with one wave and 831 with four. Such a run is measured as its client measures
    // it (bench_serving: the output tokens over the benchmark's duration).
    if (ramp_end_s >= 0 && last_send_s - ramp_end_s >= res.e2e_s.mean &&
        last_send_tokens > ramp_tokens) {
      res.output_tokens_per_s = (last_send_tokens - ramp_tokens) / (last_send_s - ramp_end_s);
    } else if (res.makespan_s > 0) {
      res.output_tokens_per_s = out_tokens / res.makespan_s;
    }
  } else if (window > 0 && ramp_end_s >= 0 && backlog_end_s > last_arrival &&
             backlog_tokens > ramp_tokens) {
    // A server that keeps up has admitted the last request a step after it came: the window.
    res.output_tokens_per_s = (backlog_tokens - ramp_tokens) / (backlog_end_s - ramp_end_s);
  } else if (window > 0 && ramp_end_s >= 0 && last_arrival - ramp_end_s > 0 &&
             window_tokens > ramp_tokens) {
    res.output_tokens_per_s = (window_tokens - ramp_tokens) / (last_arrival - ramp_end_s);
  } else if (window > 0 && window_tokens > 0) {
    res.output_tokens_per_s = window_tokens / window;
  } else if (res.makespan_s > 0) {
    res.output_tokens_per_s = out_tokens / res.makespan_s;
  }
  if (res.makespan_s > 0) {
    res.goodput_requests_per_s = static_cast<double>(good) / res.makespan_s;
    res.completed_requests_per_s = static_cast<double>(res.requests_completed) / res.makespan_s;
  }
  if (!closed_loop && ramp_end_s >= 0 && last_arrival > ramp_end_s) {
    // Over the measured window, so that the arrivals' spread cancels out of the comparison.
    double offered = 0;
    for (const auto& r : requests) {
      if (r.arrival_s >= ramp_end_s) offered += r.output_tokens;
    }
    res.offered_output_tokens_per_s = offered / (last_arrival - ramp_end_s);
  }
  res.mean_running_seqs = busy_s > 0 ? busy_seq_s / busy_s : 0;
  // Groups in lockstep: rates and the running batch per group.
  res.output_tokens_per_s /= group_count;
  res.goodput_requests_per_s /= group_count;
  res.completed_requests_per_s /= group_count;
  res.offered_output_tokens_per_s /= group_count;
  res.mean_running_seqs /= group_count;
  return res;
}

Result<QpsSearchResult> MaxQpsAtSlo(const StepCost& model, const SchedulerLimits& limits,
                                    WorkloadSpec spec, const SloTargets& slo) {
  if (!slo.ttft_ms && !slo.tpot_ms) {
    return MakeError("the highest rate at an SLO needs --ttft-ms or --tpot-ms");
  }
  QpsSearchResult out;
  auto meets = [&](const ServingSimResult& r) {
    return (!slo.ttft_ms || r.ttft_ms.p99 <= *slo.ttft_ms) &&
           (!slo.tpot_ms || r.tpot_ms.p99 <= *slo.tpot_ms) &&
           // Without a TTFT target nothing else sees the queue grow: a capped engine keeps its
           // TPOT while what it cannot serve waits (71 s p50 TTFT at 1.25 x the rate it serves).
           (slo.ttft_ms ||
            r.output_tokens_per_s >= kSustainedShare * r.offered_output_tokens_per_s);
  };
  // The offline rate bounds what any arrival rate can sustain.
  spec.qps = 0;
  const std::vector<ServingRequest> base = MakeServingRequests(spec);
  auto offline = SimulateServing(model, limits, base, slo, spec.seed);
  if (!offline) return tl::unexpected(offline.error());
  ++out.simulations;
  double mean_output = 0;
  for (const auto& r : base) mean_output += r.output_tokens;
  mean_output /= static_cast<double>(base.size());
  // The offline rate is per group; the arrivals feed all groups in lockstep.
  const double ceiling =
      offline->output_tokens_per_s * std::max(1, limits.attention_groups) / mean_output;
  if (spec.min_duration_s > 0 && ceiling > 0) {
    const double wanted = std::min<double>(kMaxSearchRequests, ceiling * spec.min_duration_s);
    spec.requests = std::max(spec.requests, std::lround(wanted));
  }
  spec.qps = 1;
  const std::vector<ServingRequest> unit = MakeServingRequests(spec);
  auto at = [&](double qps) {
    std::vector<ServingRequest> reqs = unit;
    for (auto& r : reqs) r.arrival_s /= qps;
    ++out.simulations;
    return SimulateServing(model, limits, reqs, slo, spec.seed);
  };
  double lo = 0, hi = ceiling * 1.25;
  std::optional<ServingSimResult> best;
  for (int i = 0; i < 14 && hi - lo > 1e-3 * hi; ++i) {
    const double mid = lo == 0 && !best ? hi / 64 : (lo + hi) / 2;
    auto r = at(mid);
    if (!r) return tl::unexpected(r.error());
    if (meets(*r)) {
      lo = mid;
      best = *r;
    } else {
      hi = mid;
      if (!best && mid < ceiling * 1e-4) break;
    }
  }
  if (!best) return out;  // max_qps 0: even a trickle misses the SLO
  out.max_qps = lo;
  out.at_max = *best;
  return out;
}

Result<QpsSearchResult> MaxQpsAtSloOverCaps(const StepCost& model, SchedulerLimits& limits,
                                            const WorkloadSpec& spec, const SloTargets& slo,
                                            int most) {
  auto search = MaxQpsAtSlo(model, limits, spec, slo);
  if (!search) return search;
  const int launch = limits.max_num_seqs;
  for (const double factor : {1.5, 2.0, 3.0}) {
    const int cap =
        std::min(static_cast<int>(std::lround(factor * launch)), std::max(launch, most));
    if (cap <= limits.max_num_seqs) break;
    SchedulerLimits wider = limits;
    wider.max_num_seqs = cap;
    auto tried = MaxQpsAtSlo(model, wider, spec, slo);
    if (!tried) return tried;
    tried->simulations += search->simulations;
    if (tried->max_qps <= search->max_qps) {
      search->simulations = tried->simulations;
      break;
    }
    search = std::move(tried);
    limits = wider;
  }
  return search;
}

}  // namespace suanli::sim
