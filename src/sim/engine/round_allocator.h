// Allocations for the round-based mechanism (Gavel, OSDI'20): a policy says
// which fraction of time each job should get on each accelerator type; the
// mechanism (gavel_rounds.cc) turns fractions into whole-GPU leases, round by
// round, giving each type's workers to the jobs furthest behind their share.
// The allocators themselves are in src/sim/policies/round_allocators.h.
#ifndef SUANLI_SIM_ENGINE_ROUND_ALLOCATOR_H_
#define SUANLI_SIM_ENGINE_ROUND_ALLOCATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"

namespace suanli::sim {

struct RoundJob {
  int64_t id = 0;  // arrival order: lower arrived first
  int scale = 1;   // GPUs per lease, all of one type
  double weight = 1;
  std::vector<double> steps_per_s;  // per cluster type; 0: cannot run there
};

struct RoundCluster {
  std::vector<std::string> types;  // in the cluster's order
  std::vector<int> workers;        // GPUs per type
};

// allocation[i][t]: fraction of time job i should hold type t, in [0, 1];
// rows sum to at most 1 and sum_i scale_i x allocation[i][t] <= workers[t].
using RoundAllocation = std::vector<std::vector<double>>;

class RoundAllocator {
 public:
  virtual ~RoundAllocator() = default;
  // `jobs` are the active jobs in arrival order. Called again whenever jobs
  // arrive or leave (at most every reset interval); may keep state.
  virtual Result<RoundAllocation> Allocate(const std::vector<RoundJob>& jobs,
                                           const RoundCluster& cluster) = 0;
  // Performance-aware policies visit types fastest first (the cluster's
  // order); the others in a shuffled order each round, as Gavel does.
  virtual bool performance_aware() const = 0;
  // FIFO never gives a worker to a job whose share of that type is zero.
  virtual bool only_allocated_types() const { return false; }
};

}  // namespace suanli::sim

#endif  // SUANLI_SIM_ENGINE_ROUND_ALLOCATOR_H_
