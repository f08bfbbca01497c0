#include "core/json_keys.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace suanli {

nlohmann::json ParseJsonKeysOnce(std::string_view text, std::string* duplicate) {
  using nlohmann::json;
  std::vector<std::set<std::string>> keys;  // one set an open object
  duplicate->clear();
  return json::parse(
      text,
      [&](int, json::parse_event_t event, json& parsed) {
        if (event == json::parse_event_t::object_start) keys.emplace_back();
        if (event == json::parse_event_t::object_end && !keys.empty()) keys.pop_back();
        if (event == json::parse_event_t::key && !keys.empty() &&
            !keys.back().insert(parsed.get<std::string>()).second && duplicate->empty()) {
          *duplicate = parsed.get<std::string>();
        }
        return true;
      },
      /*allow_exceptions=*/false);
}

JsonSlip FindJsonSlip(std::string_view text) {
  size_t byte = 0;  // nlohmann's: 1-based, the character it stopped at
  std::string reason;
  try {
    const nlohmann::json parsed = nlohmann::json::parse(text.begin(), text.end());
    return JsonSlip{0, 0, "", parsed.is_discarded() ? "not valid JSON" : ""};
  } catch (const nlohmann::json::parse_error& e) {
    byte = e.byte;
    reason = e.what();
  } catch (const nlohmann::json::out_of_range& e) {
    // "[json.exception.out_of_range.406] number overflow parsing '1e400'": a number no double
    // holds. nlohmann says no byte; the number's first occurrence is where it stands.
    std::string what_is = e.what();
    const size_t open = what_is.find('\'');
    const size_t close = what_is.rfind('\'');
    const std::string token =
        open != std::string::npos && close > open ? what_is.substr(open + 1, close - open - 1) : "";
    const size_t found = token.empty() ? std::string_view::npos : text.find(token);
    byte = found == std::string_view::npos ? 0 : found + 1;
    reason = fmt::format("the number {} is beyond what a double holds (about 1.8e308)",
                         token.substr(0, 40));
  } catch (const nlohmann::json::exception& e) {
    reason = e.what();
  }
  // "[json.exception.parse_error.101] parse error at line 5, column 1: syntax error while
  // parsing object key - unexpected '}'; expected string literal": the part after the position.
  if (const size_t colon = reason.find(": ", reason.find("parse error"));
      colon != std::string::npos) {
    reason = reason.substr(colon + 2);
  }
  if (const size_t dash = reason.find(" - "); dash != std::string::npos) {
    reason = reason.substr(dash + 3);
  }
  size_t at = std::min(text.size(), byte > 0 ? byte - 1 : 0);
  // nlohmann stops after a whole token: an unexpected string is said where it begins.
  if (reason.find("unexpected string literal") != std::string::npos && at < text.size() &&
      text[at] == '"' && at > 0) {
    if (const size_t open = text.rfind('"', at - 1); open != std::string_view::npos) at = open;
  }
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  const size_t column = at - line_start + 1;
  // The last character before the slip that is not white space, and the one at it.
  size_t before = at;
  while (before > 0 && std::isspace(static_cast<unsigned char>(text[before - 1]))) --before;
  const char prev = before > 0 ? text[before - 1] : '\0';
  const char here = at < text.size() ? text[at] : '\0';
  std::string hint;
  if (prev == ',' && (here == '}' || here == ']')) {
    hint = "; a comma before a closing bracket: JSON takes none after the last item";
  } else if (here == '"' && reason.find("unexpected string literal") != std::string::npos &&
             (prev == '"' || std::isalnum(static_cast<unsigned char>(prev)) || prev == '}' ||
              prev == ']' || prev == 'e')) {
    // A string where a comma or a closing bracket belongs; not a bad string (an unpaired
    // surrogate, a control character), which nlohmann also reports at the closing quote.
    hint = "; a comma missing between two fields";
  } else if ((reason.find("invalid literal") != std::string::npos ||
              reason.find("invalid number") != std::string::npos) &&
             (text.substr(at, 3) == "NaN" || text.substr(at, 8) == "Infinity" ||
              (at > 0 && text.substr(at - 1, 3) == "NaN") ||
              (at > 0 && text.substr(at - 1, 8) == "Infinity"))) {
    // Python's json.dumps writes NaN and Infinity; JSON has neither.
    hint = "; JSON has no NaN or Infinity: give a number, or null for \"not given\"";
  } else if (here == '\'') {
    hint = "; strings and keys take double quotes";
  } else if (std::isalpha(static_cast<unsigned char>(here)) && (prev == '{' || prev == ',')) {
    hint = "; keys take double quotes";
  } else if (at >= text.size()) {
    hint = "; the text ends before its brackets close";
  }
  // The field it follows: the last quoted key (a string followed by a colon) before the slip.
  std::string field;
  for (size_t k = before; k-- > 0;) {
    if (text[k] != ':') continue;
    size_t q = k;
    while (q > 0 && std::isspace(static_cast<unsigned char>(text[q - 1]))) --q;
    if (q < 2 || text[q - 1] != '"') continue;
    const size_t close = q - 1;
    const size_t open = text.rfind('"', close - 1);
    if (open == std::string_view::npos) continue;
    field = std::string(text.substr(open + 1, close - open - 1));
    break;
  }
  return JsonSlip{line, column, field.substr(0, 60), reason + hint};
}

Error JsonSyntaxError(std::string_view text, std::string_view what) {
  const JsonSlip slip = FindJsonSlip(text);
  if (slip.line == 0) {
    return Error{std::string(what) +
                 (slip.reason.empty() ? " is valid JSON" : " is not valid JSON")};
  }
  std::string message =
      fmt::format("{} is not valid JSON at line {}, column {}", what, slip.line, slip.column);
  if (!slip.field.empty()) message += fmt::format(" (after \"{}\")", slip.field);
  message += ": " + slip.reason;
  return Error{message, "", slip.line, slip.field};
}

}  // namespace suanli
