// Gavel's share allocations (scheduler/policies/{fifo,max_min_fairness}.py),
// made by the policies that run in Gavel's round mechanism.
#ifndef SUANLI_SIM_POLICIES_ROUND_ALLOCATORS_H_
#define SUANLI_SIM_POLICIES_ROUND_ALLOCATORS_H_

#include <cstdint>
#include <memory>

#include "sim/engine/round_allocator.h"

namespace suanli::sim {

// Gavel's FIFO allocation, kept across calls: a job keeps its type until it
// finishes, and the first waiting job takes a finished job's type. Plain FIFO
// reproduces Gavel's choice of type (drawn with Python's RNG from `seed`,
// which its code then ignores in favour of the last type with free workers
// in name order: kept, since matching Gavel is the point); the
// performance-aware variant starts afresh each call and puts each job, in
// arrival order, on the fastest type with room.
std::unique_ptr<RoundAllocator> MakeGavelFifoAllocator(bool performance_aware, uint64_t seed);

// Gavel's max-min fairness as a linear program (COIN-OR CLP): maximize the
// smallest weighted share. Heterogeneity-agnostic: a job's share is its
// GPU-time, scale x sum of fractions. Performance-aware: its throughput
// relative to what the agnostic allocation would give it.
std::unique_ptr<RoundAllocator> MakeMaxMinFairnessAllocator(bool performance_aware);

}  // namespace suanli::sim

#endif  // SUANLI_SIM_POLICIES_ROUND_ALLOCATORS_H_
