// A catalog value with its provenance. Unknown is std::nullopt, never 0.
#ifndef SUANLI_CATALOG_SOURCED_H_
#define SUANLI_CATALOG_SOURCED_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace suanli::catalog {

// How much a value can be trusted (reference/catalog.md: O, R, Ru, E, L).
enum class Confidence { kOfficial, kReported, kRumoured, kEstimate, kLow };

std::string_view ConfidenceName(Confidence c);
std::optional<Confidence> ParseConfidence(std::string_view s);

template <typename T>
struct Sourced {
  std::optional<T> value;            // nullopt: unknown (or unsupported)
  bool unsupported = false;          // the chip lacks the feature ("n/a")
  std::vector<std::string> sources;  // ids into the source list
  Confidence confidence = Confidence::kLow;
  std::string note;

  bool known() const { return value.has_value(); }
};

using SourcedNumber = Sourced<double>;
using SourcedText = Sourced<std::string>;

}  // namespace suanli::catalog

#endif  // SUANLI_CATALOG_SOURCED_H_
