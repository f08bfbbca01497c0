#include <array>

#include "catalog/chip.h"
#include "catalog/sourced.h"
#include "core/text.h"

namespace suanli::catalog {
namespace {

constexpr std::array<std::string_view, 5> kConfidenceNames = {"official", "reported", "rumoured",
                                                              "estimate", "low"};
constexpr std::array<std::string_view, kNumDTypes> kDTypeNames = {"bf16", "fp16", "fp8", "int8",
                                                                  "fp4"};
constexpr std::array<double, kNumDTypes> kDTypeBytes = {2, 2, 1, 1, 0.5};

}  // namespace

std::string_view ConfidenceName(Confidence c) { return kConfidenceNames[static_cast<int>(c)]; }

std::optional<Confidence> ParseConfidence(std::string_view s) {
  const std::string lower = ToLower(s);
  for (size_t i = 0; i < kConfidenceNames.size(); ++i) {
    if (lower == kConfidenceNames[i]) return static_cast<Confidence>(i);
  }
  return std::nullopt;
}

std::string_view DTypeName(DType d) { return kDTypeNames[static_cast<int>(d)]; }

std::optional<DType> ParseDType(std::string_view s) {
  const std::string lower = ToLower(s);
  for (size_t i = 0; i < kDTypeNames.size(); ++i) {
    if (lower == kDTypeNames[i]) return static_cast<DType>(i);
  }
  return std::nullopt;
}

double DTypeBytes(DType d) { return kDTypeBytes[static_cast<int>(d)]; }

}  // namespace suanli::catalog
