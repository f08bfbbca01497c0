// Small text helpers shared by id lookups and messages.
#ifndef SUANLI_CORE_TEXT_H_
#define SUANLI_CORE_TEXT_H_

#include <string>
#include <string_view>
#include <vector>

namespace suanli {

// Lower-case ASCII copy.
std::string ToLower(std::string_view s);

// `s` without the white space (std::isspace: spaces, tabs, line ends) around it: a value typed or
// pasted with a stray space ("--count '8 '", "h20, h800" split at the comma) means the same.
std::string_view TrimSpace(std::string_view s);

// Normalizes an id for lookup: without white space around it, lower case, with "_" and " "
// inside turned into "-"
// ("." is kept: qwen2.5-72b).
std::string NormalizeId(std::string_view s);

// Levenshtein edit distance.
int EditDistance(std::string_view a, std::string_view b);

// Up to `limit` candidates nearest to `query` (edit distance, then substring
// match first), for "did you mean" messages.
std::vector<std::string> NearestNames(std::string_view query,
                                      const std::vector<std::string>& candidates, int limit = 3);

// "a, b or c".
std::string JoinOr(const std::vector<std::string>& items);

// The offset of the first byte that is not part of well-formed UTF-8 (RFC 3629: no overlong
// forms, surrogates or code points past U+10FFFF), or std::string_view::npos.
size_t FirstInvalidUtf8(std::string_view text);

// Input echoed in an error message, in single quotes: its first line only, cut to `max_bytes`
// (at a UTF-8 character boundary) with "..." when anything was left out. A stray quote in a CSV
// made one field of the whole rest of a file, and the message megabytes long.
constexpr size_t kMaxQuotedBytes = 60;
std::string Quoted(std::string_view text, size_t max_bytes = kMaxQuotedBytes);

}  // namespace suanli

#endif  // SUANLI_CORE_TEXT_H_
