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

std::string FlagAsTyped(const TypedNames& typed_as, std::string_view field) {
  if (const auto it = typed_as.find(std::string(field)); it != typed_as.end()) return it->second;
  return typed_as.json ? std::string(field) : FlagName(field);
}

std::string FlagAsTyped(const TypedNames& typed_as, std::string_view field,
                        std::string_view value) {
  return FlagAsTyped(typed_as, field) + " " + std::string(value);
}

Error NamedAsTyped(Error e, const TypedNames& typed_as) {
  // An error at a file's line names the file's key, not the flag.
  if (e.line > 0) return e;
  if (const auto it = typed_as.find(e.field); it != typed_as.end()) e.field = it->second;
  return e;
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
  // Items without the white space around them ("fifo, las" typed with a space after the comma:
  // ' las' was an unknown policy); items left empty are dropped.
  const auto trimmed = [](std::string_view item) {
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) {
      item.remove_prefix(1);
    }
    while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) {
      item.remove_suffix(1);
    }
    return std::string(item);
  };
  if (const auto* l = std::get_if<std::vector<std::string>>(&v)) {
    std::vector<std::string> out;
    for (const std::string& item : *l) {
      if (std::string t = trimmed(item); !t.empty()) out.push_back(std::move(t));
    }
    return out;
  }
  if (const auto* s = std::get_if<std::string>(&v)) {
    // "a,b,c" as the CLI takes it.
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s->size()) {
      const size_t comma = s->find(',', start);
      std::string item = trimmed(std::string_view(*s).substr(
          start, comma == std::string::npos ? std::string::npos : comma - start));
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
