// The one registry of scheduling policies by name. Each policy file
// registers its policies (name, other spellings, factory) in one Register
// function, as SimGrid's plugins declare themselves to its kernel; the
// engine never names a policy. The registry calls the Register functions
// once, in a fixed order, which is the order PolicyNames() lists.
//
// Registration is explicit rather than by static initializers: suanli_sim is
// a static library, and the linker drops an object file nothing references,
// with its initializers; a fixed order also keeps the listing stable.
#ifndef SUANLI_SIM_POLICIES_REGISTRY_H_
#define SUANLI_SIM_POLICIES_REGISTRY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "sim/engine/policy.h"
#include "sim/workload.h"

namespace suanli::sim {

// What some policies need besides their name.
struct PolicyContext {
  // The workload whose pod shapes define FGD's target workload; fgd fails
  // without it.
  const Workload* workload = nullptr;
  // Breaks ties between equally scored nodes (the FGD family breaks them at
  // random, like the Kubernetes scheduler it was evaluated in).
  uint64_t seed = 1;
  // The workload's jobs when `workload` holds only its nodes (a trace read
  // as a stream).
  JobVisitor for_each_job = nullptr;  // (initialized: callers write {&w, seed})
};

using PolicyFactory = Result<std::unique_ptr<Policy>> (*)(const PolicyContext& context);

class PolicyRegistry {
 public:
  // Adds a policy under `name` and its other `spellings` (all lower case).
  void Add(std::string name, std::vector<std::string> spellings, PolicyFactory make);
  // Names in registration order.
  std::vector<std::string> Names() const;
  // The policy named `name` (any case, or one of its spellings).
  Result<std::unique_ptr<Policy>> Make(std::string_view name, const PolicyContext& context) const;

 private:
  struct Entry {
    std::string name;
    std::vector<std::string> spellings;
    PolicyFactory make;
  };
  std::vector<Entry> entries_;
};

// Every policy of suanli, registered once.
const PolicyRegistry& Policies();

std::vector<std::string> PolicyNames();
Result<std::unique_ptr<Policy>> MakePolicy(std::string_view name);
Result<std::unique_ptr<Policy>> MakePolicy(std::string_view name, const PolicyContext& context);

// The Register functions of the policy files, called by Policies().
// builtin.cc: the queue-order policies and Gavel's (fifo ... max-min-fairness-perf).
void RegisterBuiltinPolicies(PolicyRegistry& registry);
// fgd.cc: FGD and the node-scoring baselines it is compared against.
void RegisterFragmentationPolicies(PolicyRegistry& registry);

}  // namespace suanli::sim

#endif  // SUANLI_SIM_POLICIES_REGISTRY_H_
