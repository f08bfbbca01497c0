// The summary both replay mechanisms (the event engine and Gavel's rounds)
// compute from their outcomes: JCT quantiles, queueing, makespan,
// utilization. Its own file so that neither mechanism calls into the other's.
#ifndef SUANLI_SIM_ENGINE_REPLAY_SUMMARY_H_
#define SUANLI_SIM_ENGINE_REPLAY_SUMMARY_H_

#include <vector>

#include "sim/engine/replay.h"

namespace suanli::sim {

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

#endif  // SUANLI_SIM_ENGINE_REPLAY_SUMMARY_H_
