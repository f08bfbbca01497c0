// The event mechanism of Replay(), internal to src/sim/engine: called by
// Replay() (replay.cc) after it has checked the workload, as Gavel's round
// mechanism (gavel_rounds.h) is; neither mechanism calls the other.
#ifndef SUANLI_SIM_ENGINE_EVENT_ENGINE_H_
#define SUANLI_SIM_ENGINE_EVENT_ENGINE_H_

#include "core/error.h"
#include "sim/engine/cluster.h"
#include "sim/engine/policy.h"
#include "sim/engine/replay.h"
#include "sim/workload.h"

namespace suanli::sim {

// Decisions at every event, or only at multiples of options.round_s when it
// is positive. `cluster` holds the nodes, empty, with the policy's tie rank.
// Jobs are taken from `jobs` (in arrival order, then id; `total_jobs` of
// them) as the replay reaches their arrival and dropped when they finish.
Result<ReplayResult> ReplayEvents(JobStream& jobs, long total_jobs, const Policy& policy,
                                  const ReplayOptions& options, ClusterState& cluster);

}  // namespace suanli::sim

#endif  // SUANLI_SIM_ENGINE_EVENT_ENGINE_H_
