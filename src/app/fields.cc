#include "app/fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace suanli::app {

std::string FlagName(std::string_view field) {
  std::string flag = "--";
  for (char c : field) flag += c == '_' ? '-' : c;
  return flag;
}

Error UnknownField(std::string_view name, const std::vector<std::string>& known) {
  std::string message = "unknown field '" + std::string(name.substr(0, 60)) + "'";
  const auto nearest = NearestNames(name, known);
  if (!nearest.empty()) message += "; nearest: " + JoinOr(nearest);
  return Error{message, "", 0, std::string(name.substr(0, 60))};
}

Error MissingField(std::string_view field) {
  return Error{"is required", "", 0, std::string(field)};
}

Error JsonSyntaxError(std::string_view text, std::string_view what) {
  size_t byte = 0;  // nlohmann's: 1-based, the character it stopped at
  std::string reason;
  try {
    const nlohmann::json parsed = nlohmann::json::parse(text.begin(), text.end());
    if (parsed.is_discarded()) return Error{std::string(what) + " is not valid JSON"};
    return Error{std::string(what) + " is valid JSON"};
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
  std::string message =
      fmt::format("{} is not valid JSON at line {}, column {}", what, line, column);
  if (!field.empty()) message += fmt::format(" (after \"{}\")", field.substr(0, 60));
  message += ": " + reason + hint;
  return Error{message, "", line, field.substr(0, 60)};
}

namespace detail {
namespace {

const char* TypeName(const FieldValue& v) {
  switch (v.index()) {
    case 0:
      return "a boolean";
    case 1:
      return "a number";
    case 2:
      return "a string";
    default:
      return "a list";
  }
}

Error WrongType(const FieldValue& v, std::string_view field, std::string_view expected) {
  return Error{"expected " + std::string(expected) + ", got " + TypeName(v), "", 0,
               std::string(field)};
}

}  // namespace

Result<std::string> AsString(const FieldValue& v, std::string_view field) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return tl::unexpected(WrongType(v, field, "a string"));
}

Result<bool> AsBool(const FieldValue& v, std::string_view field) {
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  if (const auto* s = std::get_if<std::string>(&v)) {
    if (*s == "true") return true;
    if (*s == "false") return false;
  }
  return tl::unexpected(WrongType(v, field, "true or false"));
}

Result<double> AsNumber(const FieldValue& v, std::string_view field) {
  if (const auto* d = std::get_if<double>(&v)) {
    if (!std::isfinite(*d)) return MakeError("expected a finite number", "", 0, std::string(field));
    return *d;
  }
  if (const auto* s = std::get_if<std::string>(&v)) return ParseFieldAmount(*s, field);
  return tl::unexpected(WrongType(v, field, "a number"));
}

Result<int64_t> AsInteger(const FieldValue& v, std::string_view field, int64_t min, int64_t max) {
  if (const auto* d = std::get_if<double>(&v)) return WholeNumber(*d, field, min, max);
  if (const auto* s = std::get_if<std::string>(&v)) return ParseWholeAmount(*s, field, min, max);
  return tl::unexpected(WrongType(v, field, "a whole number"));
}

Result<std::vector<std::string>> AsList(const FieldValue& v, std::string_view field) {
  if (const auto* l = std::get_if<std::vector<std::string>>(&v)) return *l;
  if (const auto* s = std::get_if<std::string>(&v)) {
    // "a,b,c" as the CLI takes it; empty items are dropped.
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s->size()) {
      const size_t comma = s->find(',', start);
      std::string item =
          s->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!item.empty()) out.push_back(std::move(item));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return out;
  }
  return tl::unexpected(WrongType(v, field, "a list of strings"));
}

}  // namespace detail
}  // namespace suanli::app
