#include "core/json_keys.h"

#include <nlohmann/json.hpp>
#include <set>
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

}  // namespace suanli
