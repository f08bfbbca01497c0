// JSON text parsed as nlohmann parses it, and the first key an object names twice.
#ifndef SUANLI_CORE_JSON_KEYS_H_
#define SUANLI_CORE_JSON_KEYS_H_

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace suanli {

// `text` parsed without exceptions (a discarded value on a syntax error, for the caller to
// explain); `*duplicate` is the first key some object of it names twice, "" when none. nlohmann
// keeps the last of two equal keys silently; every JSON this tool reads (request bodies, request
// traces, DeepSpeed's config, which DeepSpeed itself refuses so: S4260) calls that an error.
nlohmann::json ParseJsonKeysOnce(std::string_view text, std::string* duplicate);

}  // namespace suanli

#endif  // SUANLI_CORE_JSON_KEYS_H_
