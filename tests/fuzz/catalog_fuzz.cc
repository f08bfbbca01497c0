// Fuzz target: the catalog YAML loader. Any bytes merged into the built-in catalog as one user
// file, then the whole catalog validated: no input may crash, hang or trip a sanitizer, and a
// refused file is an Error that names the file (its line when there is one).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "catalog/catalog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const suanli::catalog::Catalog builtin = *suanli::catalog::Catalog::Builtin();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  suanli::catalog::Catalog c = builtin;
  auto merged = c.MergeYaml(text, "fuzz.yaml");
  if (!merged) {
    if (merged.error().file != "fuzz.yaml" || merged.error().message.empty()) std::abort();
    return 0;
  }
  auto valid = c.Validate();
  if (!valid && valid.error().message.empty()) std::abort();
  return 0;
}
