#include "report/json_out.h"

#include <cmath>

namespace suanli::report {
namespace {

template <typename T>
nlohmann::json Sourced(const catalog::Sourced<T>& v) {
  nlohmann::json j;
  if (v.value) {
    if constexpr (std::is_same_v<T, double>) {
      j["value"] = Round(*v.value);
    } else {
      j["value"] = *v.value;
    }
  } else {
    j["value"] = nullptr;
  }
  if (v.unsupported) j["unsupported"] = true;
  if (v.known() || v.unsupported) {
    j["source"] = v.sources;
    j["confidence"] = catalog::ConfidenceName(v.confidence);
  }
  if (!v.note.empty()) j["note"] = v.note;
  return j;
}

}  // namespace

nlohmann::json SourcedJson(const catalog::SourcedNumber& v) { return Sourced(v); }
nlohmann::json SourcedJson(const catalog::SourcedText& v) { return Sourced(v); }

double Round(double v, int digits) {
  if (v == 0 || !std::isfinite(v)) return v;
  const double scale =
      std::pow(10.0, digits - 1 - static_cast<int>(std::floor(std::log10(std::fabs(v)))));
  return std::round(v * scale) / scale;
}

nlohmann::json Optional(const std::optional<double>& v, int digits) {
  return v ? nlohmann::json(Round(*v, digits)) : nlohmann::json(nullptr);
}

// Text that is not UTF-8 (a name typed in GBK on the command line, a trace's job name) is shown
// with U+FFFD rather than failing the whole output (nlohmann's type_error.316).
std::string Dump(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace suanli::report
