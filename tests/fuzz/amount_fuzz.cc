// Fuzz target: the one amount parser. It must never crash, and what it accepts is finite.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "app/amount.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto v = suanli::app::ParseAmount(text, "f");
  if (v && !std::isfinite(*v)) std::abort();
  auto w = suanli::app::ParseWholeAmount(text, "f", 0, 1'000'000);
  if (w && (*w < 0 || *w > 1'000'000)) std::abort();
  // A rate typed over a time ("1B/day", "每天1B"): finite whatever the text.
  auto rate = suanli::app::ParseFieldAmount(text, "demand_tokens_per_s");
  if (rate && !std::isfinite(*rate)) std::abort();
  return 0;
}
