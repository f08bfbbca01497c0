// Request fields described once, read by every front door.
//
// Each request type lists its fields (name, kind, help, default) bound to its members. The CLI
// makes its flags from the list (`--global-batch-tokens` for `global_batch_tokens`), the HTTP
// server decodes JSON bodies with it, and the OpenAPI document is written from it, so a field
// cannot exist in one front door and not the other. Values arrive as text (flags, JSON strings),
// numbers or booleans (JSON), or lists, and all go through the same conversion and the one
// amount parser; errors name the field.
#ifndef SUANLI_APP_FIELDS_H_
#define SUANLI_APP_FIELDS_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "app/amount.h"
#include "core/error.h"
#include "core/json_keys.h"

namespace suanli::app {

enum class FieldKind { kString, kBool, kInteger, kNumber, kList };

// A value as a front door received it.
using FieldValue = std::variant<bool, double, std::string, std::vector<std::string>>;

template <typename Request>
struct Field {
  std::string name;  // snake_case; the CLI flag is --name-with-dashes
  FieldKind kind = FieldKind::kString;
  std::string help;
  bool required = false;
  bool positional = false;  // the CLI takes it without a flag (forecast's scenario)
  bool flag_too = false;    // positional, and its flag as well (infer's model: --model X or X)
  bool cli_only = false;    // names a local file to write: not offered over HTTP
  // A framework's list flag that takes every value after it, as argparse's nargs does
  // (--cuda-graph-bs 1 2 4 8). suanli's own lists take one value (or a comma list) per flag, so
  // that `--chip h100 MODEL` leaves the model to the command.
  bool nargs = false;
  // A value field that may also be given bare on the command line (Megatron's store_true
  // spelling of an on/off field): the value it then has.
  std::string bare;
  // Other names for the same field, as the frameworks users copy flags from spell it
  // (vLLM's tensor_parallel_size for tp): flags and JSON keys alike.
  std::vector<std::string> aliases;
  // The heading --help lists the flag under (empty: Options); the command's group list
  // (InferGroups) orders the headings.
  std::string group;
  std::function<Result<void>(Request&, const FieldValue&)> set;
};

// "global_batch_tokens" -> "--global-batch-tokens".
std::string FlagName(std::string_view field);

namespace detail {

template <typename T>
struct IsOptional : std::false_type {
  using type = T;
};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {
  using type = T;
};

Result<std::string> AsString(const FieldValue& v, std::string_view field);
Result<bool> AsBool(const FieldValue& v, std::string_view field);
Result<double> AsNumber(const FieldValue& v, std::string_view field);
Result<int64_t> AsInteger(const FieldValue& v, std::string_view field, int64_t min, int64_t max);
Result<std::vector<std::string>> AsList(const FieldValue& v, std::string_view field);

template <typename T>
constexpr FieldKind KindOf() {
  if constexpr (std::is_same_v<T, bool>) {
    return FieldKind::kBool;
  } else if constexpr (std::is_integral_v<T>) {
    return FieldKind::kInteger;
  } else if constexpr (std::is_floating_point_v<T>) {
    return FieldKind::kNumber;
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    return FieldKind::kList;
  } else {
    return FieldKind::kString;
  }
}

template <typename T>
Result<T> Convert(const FieldValue& v, std::string_view field) {
  if constexpr (std::is_same_v<T, bool>) {
    return AsBool(v, field);
  } else if constexpr (std::is_integral_v<T>) {
    // Counts and seeds: a negative value is an error for unsigned fields, never a wrap-around.
    constexpr int64_t lo = std::is_signed_v<T> ? std::numeric_limits<T>::min() : 0;
    constexpr int64_t hi = static_cast<int64_t>(
        std::min<uint64_t>(std::numeric_limits<T>::max(), std::numeric_limits<int64_t>::max()));
    auto i = AsInteger(v, field, lo, hi);
    if (!i) return tl::unexpected(i.error());
    return static_cast<T>(*i);
  } else if constexpr (std::is_floating_point_v<T>) {
    return AsNumber(v, field);
  } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
    return AsList(v, field);
  } else {
    return AsString(v, field);
  }
}

}  // namespace detail

// A field bound to a member: std::string, bool, integers, double, std::vector<std::string>, or
// std::optional of one of them (unset means "not given": the default applies).
template <typename Request, typename Member>
Field<Request> Bind(std::string name, Member Request::*member, std::string help) {
  using Value = typename detail::IsOptional<Member>::type;
  Field<Request> f;
  f.kind = detail::KindOf<Value>();
  f.help = std::move(help);
  f.set = [member, field = name](Request& r, const FieldValue& v) -> Result<void> {
    auto converted = detail::Convert<Value>(v, field);
    if (!converted) return tl::unexpected(converted.error());
    r.*member = std::move(*converted);
    return {};
  };
  f.name = std::move(name);
  return f;
}

template <typename Request>
Field<Request> Required(Field<Request> f) {
  f.required = true;
  return f;
}
template <typename Request>
Field<Request> Positional(Field<Request> f) {
  f.positional = true;
  return f;
}
// A serve command names its model without a flag (`vllm serve MODEL`, `trtllm-serve MODEL`):
// the CLI takes the value either way.
template <typename Request>
Field<Request> PositionalOrFlag(Field<Request> f) {
  f.positional = true;
  f.flag_too = true;
  return f;
}
template <typename Request>
Field<Request> CliOnly(Field<Request> f) {
  f.cli_only = true;
  return f;
}

template <typename Request>
Field<Request> Aliases(Field<Request> f, std::vector<std::string> names) {
  f.aliases = std::move(names);
  return f;
}

// Whether `name` is the field's name or one of its aliases.
template <typename Request>
bool NamedAs(const Field<Request>& f, std::string_view name) {
  return f.name == name || std::find(f.aliases.begin(), f.aliases.end(), name) != f.aliases.end();
}

// An error for a field name the request does not have, with the nearest known names.
Error UnknownField(std::string_view name, const std::vector<std::string>& known);

// The field `name` names (its name or an alias), or the unknown-field error with the nearest
// known names.
template <typename Request>
Result<const Field<Request>*> FindField(const std::vector<Field<Request>>& fields,
                                        std::string_view name) {
  std::vector<std::string> known;
  for (const auto& f : fields) {
    if (NamedAs(f, name)) return &f;
    known.push_back(f.name);
  }
  return tl::unexpected(UnknownField(name, known));
}

// Sets one field by name.
template <typename Request>
Result<void> SetField(const std::vector<Field<Request>>& fields, Request& r, std::string_view name,
                      const FieldValue& value) {
  auto field = FindField(fields, name);
  if (!field) return tl::unexpected(field.error());
  return (*field)->set(r, value);
}

// The names a front door's user gave fields by other than their own (field name -> the name as
// typed: "--block_size" on the command line, "block_size" in a JSON body), so that an error about
// the field, from its conversion or from a check after it is set, names what the user wrote
// rather than the canonical --seq-len they never typed.
// `json` marks the front door: set by the HTTP server's decoder, so that a field the user did not
// give is named as its JSON key ("global_batch_size") there and as its flag on the command line.
struct TypedNames : std::map<std::string, std::string> {
  bool json = false;
};

// Sets field `f` given under `typed` (its name or an alias, as the user spelt it). A conversion
// error names `typed`; unless `typed` is the field's canonical flag it is kept in r.typed_as for
// later errors (NamedAsTyped, FlagAsTyped).
template <typename Request>
Result<void> SetAsTyped(const Field<Request>& f, Request& r, const FieldValue& value,
                        const std::string& typed) {
  const bool own_name = typed.empty() || typed == f.name || typed == FlagName(f.name);
  if (auto ok = f.set(r, value); !ok) {
    Error e = ok.error();
    if (!own_name && e.field == f.name) e.field = typed;
    return tl::unexpected(std::move(e));
  }
  // Kept unless it is what FlagAsTyped says anyway (the flag's own canonical spelling): a JSON
  // key, an alias, a flag typed with underscores (`--max_steps`) all are.
  if constexpr (requires { r.typed_as; }) {
    if (typed.empty() || typed == FlagName(f.name)) {
      r.typed_as.erase(f.name);
    } else {
      r.typed_as[f.name] = typed;
    }
  }
  return {};
}

// Field `field` named as the user gave it (typed_as: "--max_steps", "-tp", the JSON key
// "max_steps"), else as its front door names it: its flag ("--global-batch-size") on the command
// line, its JSON key ("global_batch_size") over HTTP (typed_as.json). For a message that names
// another field than the error's own ("needs --global-batch-size", "contradicts --train_iters
// 100").
std::string FlagAsTyped(const TypedNames& typed_as, std::string_view field);
// FlagAsTyped with a value: "--tp 4" on the command line, "tp 4" over HTTP.
std::string FlagAsTyped(const TypedNames& typed_as, std::string_view field, std::string_view value);

// An error about a field the user gave under an alias, named as the user typed it.
Error NamedAsTyped(Error e, const TypedNames& typed_as);

// An error for a missing required field.
Error MissingField(std::string_view field);

// Why a JSON text is not JSON, where (core/json_keys.h).
using ::suanli::JsonSyntaxError;

}  // namespace suanli::app

#endif  // SUANLI_APP_FIELDS_H_
