// The round-based mechanism of Gavel (OSDI'20), used by Replay() when rounds
// are asked for and the policy gives a RoundAllocator. Internal to src/sim.
#ifndef SUANLI_SIM_ENGINE_GAVEL_ROUNDS_H_
#define SUANLI_SIM_ENGINE_GAVEL_ROUNDS_H_

#include "sim/engine/replay.h"
#include "sim/engine/round_allocator.h"

namespace suanli::sim {

// Rounds of options.round_s: at each round the allocation (recomputed when
// jobs arrived or left, at most every options.allocation_reset_s) ranks each
// type's jobs by allocated share over received share, the highest get whole
// GPUs of that type, and each leased job runs for the round (or until done).
// A round ends when its last lease ends; arrivals join at round ends. Work
// is counted in whole steps, as Gavel does.
Result<ReplayResult> ReplayInRounds(const Workload& w, const Policy& policy,
                                    RoundAllocator& allocator, const ReplayOptions& options);

}  // namespace suanli::sim

#endif  // SUANLI_SIM_ENGINE_GAVEL_ROUNDS_H_
