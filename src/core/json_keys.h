// JSON text parsed as nlohmann parses it, and the first key an object names twice.
#ifndef SUANLI_CORE_JSON_KEYS_H_
#define SUANLI_CORE_JSON_KEYS_H_

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "core/error.h"

namespace suanli {

// `text` parsed without exceptions (a discarded value on a syntax error, for the caller to
// explain); `*duplicate` is the first key some object of it names twice, "" when none. nlohmann
// keeps the last of two equal keys silently; every JSON this tool reads (request bodies, request
// traces, DeepSpeed's config, which DeepSpeed itself refuses so: S4260) calls that an error.
nlohmann::json ParseJsonKeysOnce(std::string_view text, std::string* duplicate);

// Where and why `text` is not JSON: the 1-based line and column of the first character the parser
// could not take (line 0 when it parses, or nlohmann says no place), the last key before it
// (`field`), and what it expected there, the common slips named (a comma before a closing
// bracket, a missing comma between two fields, a key or string without double quotes, a number
// no double holds). `reason` is empty for text that parses.
struct JsonSlip {
  int line = 0;
  size_t column = 0;
  std::string field;
  std::string reason;
};
JsonSlip FindJsonSlip(std::string_view text);

// The slip as an Error: "<what> is not valid JSON at line L, column C (after "field"): reason",
// with Error::line and Error::field set. `what` names the text ("the body"). For text that
// parses, an error saying so.
Error JsonSyntaxError(std::string_view text, std::string_view what);

}  // namespace suanli

#endif  // SUANLI_CORE_JSON_KEYS_H_
