// FGD's "fill" experiment (Weng et al., ATC'23, section 6): pods arrive one
// by one and never leave, until the GPU they requested reaches `tune` times
// the cluster's GPUs; the result is the share of GPUs allocated as a
// function of the share requested so far. A pod that does not fit when it
// arrives fails and is not retried.
#ifndef SUANLI_SIM_ENGINE_FILL_H_
#define SUANLI_SIM_ENGINE_FILL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "sim/engine/policy.h"
#include "sim/workload.h"

namespace suanli::sim {

struct FillOptions {
  double tune = 1.3;  // stop when requested GPU would exceed tune x capacity
  uint64_t seed = 42;
};

struct FillResult {
  std::string policy;
  uint64_t seed = 0;
  long pods = 0, placed = 0, failed = 0;
  long total_gpus = 0;
  double arrived_gpu_pct = 0;    // GPU requested by all pods, % of capacity
  double allocated_gpu_pct = 0;  // GPU allocated at the end, % of capacity
  // Index x: mean allocation % over the moments when the arrived request
  // rounded to x %, as FGD's analysis scripts compute it (a window of
  // +-1 % where no moment rounds to x); NaN where there is none.
  std::vector<double> alloc_pct_by_arrived_pct;
};

// The arrival sequence (indices into w.jobs) for one seed, as FGD's
// simulator builds it: all pods in name order, shuffled, then either pods
// removed at random or pods drawn at random with replacement appended until
// the requested GPU reaches tune x capacity. Errors: tune not positive, no
// GPUs in the cluster, no GPU pods.
Result<std::vector<size_t>> FillSequence(const Workload& w, const FillOptions& options);

// Runs the sequence under `policy`, whose ties should be seeded by
// options.seed for a reproducible run.
Result<FillResult> Fill(const Workload& w, const Policy& policy, const FillOptions& options);

}  // namespace suanli::sim

#endif  // SUANLI_SIM_ENGINE_FILL_H_
