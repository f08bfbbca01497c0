// The round-based mechanism of Gavel (OSDI'20), used by Replay() when rounds
// are asked for and the policy gives a RoundAllocator. Internal to src/sim.
#ifndef SUANLI_SIM_GAVEL_ROUNDS_H_
#define SUANLI_SIM_GAVEL_ROUNDS_H_

#include "sim/engine.h"
#include "sim/round_allocator.h"

namespace suanli::sim {

// Rounds of options.round_s: at each round the allocation (recomputed when
// jobs arrived or left, at most every options.allocation_reset_s) ranks each
// type's jobs by allocated share over received share, the highest get whole
// GPUs of that type, and each leased job runs for the round (or until done).
// A round ends when its last lease ends; arrivals join at round ends. Work
// is counted in whole steps, as Gavel does.
Result<ReplayResult> ReplayInRounds(const Workload& w, const Policy& policy,
                                    RoundAllocator& allocator, const ReplayOptions& options);

// What a replay accumulates over time, for Summarize().
struct ReplayIntegrals {
  double first_arrival_s = 0, end_s = 0;
  double capacity = 0;           // in the unit of the integrals (GPUs or thousandths)
  double used_integral = 0;      // allocated capacity x time
  double stranded_integral = 0;  // free capacity x time while jobs waited
  double waiting_s = 0;          // time during which jobs waited
};

// Fills the JCT, queue, makespan, utilization and timeline fields of `r`
// from its outcomes and the integrals. Shared by both mechanisms.
void Summarize(const ReplayIntegrals& in, const std::vector<UtilizationSample>& timeline,
               ReplayResult* r);

}  // namespace suanli::sim

#endif  // SUANLI_SIM_GAVEL_ROUNDS_H_
