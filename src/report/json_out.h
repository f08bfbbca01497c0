// JSON helpers private to the report layer (includes nlohmann/json; do not
// include from other layers' headers).
#ifndef SUANLI_REPORT_JSON_OUT_H_
#define SUANLI_REPORT_JSON_OUT_H_

#include <nlohmann/json.hpp>
#include <optional>

#include "catalog/sourced.h"

namespace suanli::report {

// {value, unsupported?, source, confidence, note?}; unknown is null.
nlohmann::json SourcedJson(const catalog::SourcedNumber& v);
nlohmann::json SourcedJson(const catalog::SourcedText& v);

// Rounds to `digits` significant digits so that output is stable and readable.
double Round(double v, int digits = 6);

// The rounded value, or null when there is none.
nlohmann::json Optional(const std::optional<double>& v, int digits = 6);

// Pretty JSON text with a trailing newline.
std::string Dump(const nlohmann::json& j);

}  // namespace suanli::report

#endif  // SUANLI_REPORT_JSON_OUT_H_
