#include "core/text.h"

#include <algorithm>
#include <cctype>
#include <numeric>

namespace suanli {

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string NormalizeId(std::string_view s) {
  // Spaces around a name say nothing ("h20, h800" as a list typed with a space after the comma).
  std::string out = ToLower(TrimSpace(s));
  for (char& c : out) {
    if (c == '_' || c == ' ') c = '-';
  }
  return out;
}

int EditDistance(std::string_view a, std::string_view b) {
  std::vector<int> prev(b.size() + 1);
  std::vector<int> cur(b.size() + 1);
  std::iota(prev.begin(), prev.end(), 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string> NearestNames(std::string_view query,
                                      const std::vector<std::string>& candidates, int limit) {
  const std::string q = NormalizeId(query);
  std::vector<std::pair<int, std::string>> scored;
  scored.reserve(candidates.size());
  for (const auto& c : candidates) {
    int score = EditDistance(q, c);
    // A candidate containing the query (or the reverse) is a strong hint.
    if (!q.empty() && (c.find(q) != std::string::npos || q.find(c) != std::string::npos)) {
      score = std::min(score, 1);
    }
    scored.emplace_back(score, c);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (const auto& [score, name] : scored) {
    if (static_cast<int>(out.size()) >= limit) break;
    out.push_back(name);
  }
  return out;
}

std::string JoinOr(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? " or " : ", ";
    out += items[i];
  }
  return out;
}

size_t FirstInvalidUtf8(std::string_view text) {
  const auto* b = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = b[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    // Length and the allowed range of the second byte (the rest are 0x80-0xBF).
    int len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // past U+10FFFF
    } else {
      return i;
    }
    if (i + len > n || b[i + 1] < lo || b[i + 1] > hi) return i;
    for (int k = 2; k < len; ++k) {
      if ((b[i + k] & 0xC0) != 0x80) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

std::string Quoted(std::string_view text, size_t max_bytes) {
  size_t end = std::min(text.find_first_of("\r\n"), text.size());
  bool cut = end < text.size();
  if (end > max_bytes) {
    end = max_bytes;
    // Back to the start of a UTF-8 sequence (continuation bytes are 10xxxxxx).
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    cut = true;
  }
  return "'" + std::string(text.substr(0, end)) + (cut ? "...'" : "'");
}

}  // namespace suanli
