// Replay(): checks the workload, then hands it to one of two mechanisms,
// Gavel's rounds or the event engine. The mechanisms share only the summary
// (replay_summary.h); neither calls the other or this file.
#include "sim/engine/replay.h"

#include <string>

#include "sim/engine/cluster.h"
#include "sim/engine/event_engine.h"
#include "sim/engine/gavel_rounds.h"

namespace suanli::sim {

Result<ReplayResult> Replay(const Workload& w, const Policy& policy,
                            const ReplayOptions& given_options) {
  ReplayOptions options = given_options;
  if (options.round_s < 0) return MakeError("--round-s must be positive");
  if (options.round_s == 0 && policy.needs_rounds()) options.round_s = kDefaultRoundS;
  if (w.jobs.empty()) return MakeError("the trace has no jobs");
  if (w.nodes.empty()) return MakeError("the cluster has no nodes");
  ClusterState cluster(w.nodes, policy.TieRank(static_cast<int>(w.nodes.size())),
                       policy.reads_running_kinds());
  for (const auto& j : w.jobs) {
    if (!cluster.CouldEverFit(j)) {
      return MakeError("job '" + j.name + "' (" + std::to_string(j.num_gpus) + " GPU, types " +
                       (j.allowed_types.empty() ? std::string("any") : j.allowed_types[0]) +
                       ") can never fit on this cluster");
    }
  }
  if (options.round_s > 0) {
    if (auto allocator = policy.MakeRoundAllocator(options.seed)) {
      return ReplayInRounds(w, policy, *allocator, options);
    }
  }
  return ReplayEvents(w, policy, options, cluster);
}

}  // namespace suanli::sim
