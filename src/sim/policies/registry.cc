#include "sim/policies/registry.h"

#include <algorithm>

#include "core/text.h"

namespace suanli::sim {

void PolicyRegistry::Add(std::string name, std::vector<std::string> spellings, PolicyFactory make) {
  entries_.push_back({std::move(name), std::move(spellings), make});
}

std::vector<std::string> PolicyRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& e : entries_) names.push_back(e.name);
  return names;
}

Result<std::unique_ptr<Policy>> PolicyRegistry::Make(std::string_view name,
                                                     const PolicyContext& context) const {
  const std::string n = ToLower(name);
  for (const auto& e : entries_) {
    if (e.name == n || std::find(e.spellings.begin(), e.spellings.end(), n) != e.spellings.end())
      return e.make(context);
  }
  return MakeError("unknown policy '" + std::string(name) + "'; expected " + JoinOr(Names()));
}

const PolicyRegistry& Policies() {
  static const PolicyRegistry registry = [] {
    PolicyRegistry r;
    RegisterBuiltinPolicies(r);
    RegisterFragmentationPolicies(r);
    return r;
  }();
  return registry;
}

std::vector<std::string> PolicyNames() { return Policies().Names(); }

Result<std::unique_ptr<Policy>> MakePolicy(std::string_view name) {
  return MakePolicy(name, PolicyContext{});
}

Result<std::unique_ptr<Policy>> MakePolicy(std::string_view name, const PolicyContext& context) {
  return Policies().Make(name, context);
}

}  // namespace suanli::sim
