// Fuzz target: the scenario YAML loader and the planner's cross-reference checks against the
// built-in catalog. A scenario that passes both and is small is forecast with one sample, so
// values the loader accepts but the planner cannot take (the LP abort of reliability finding H1)
// are found too. No input may crash, hang or trip a sanitizer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "catalog/catalog.h"
#include "plan/forecast.h"
#include "supply/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const suanli::catalog::Catalog catalog = *suanli::catalog::Catalog::Builtin();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto s = suanli::supply::ParseScenario(text, "fuzz.yaml");
  if (!s) {
    if (s.error().file != "fuzz.yaml" || s.error().message.empty()) std::abort();
    return 0;
  }
  auto valid = suanli::plan::ValidateScenario(*s, catalog);
  if (!valid) {
    if (valid.error().message.empty()) std::abort();
    return 0;
  }
  // Layout searches for training runs cost about 0.1 s each under the sanitizers: only small
  // scenarios are forecast, so the fuzzer keeps its pace.
  if (s->horizon > 12 || s->training.size() + s->services.size() > 3) return 0;
  suanli::plan::ForecastOptions o;
  o.samples = 1;
  o.sensitivity = false;
  o.purchase_advice = false;
  auto f = suanli::plan::RunForecast(*s, catalog, o);
  if (!f && f.error().message.empty()) std::abort();
  return 0;
}
