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
  VectorJobStream jobs(w.jobs);
  return ReplayEvents(jobs, static_cast<long>(w.jobs.size()), policy, options, cluster);
}

Result<ReplayResult> Replay(const std::vector<Node>& nodes, JobStream& jobs, long total_jobs,
                            const Policy& policy, const ReplayOptions& given_options) {
  ReplayOptions options = given_options;
  if (options.round_s < 0) return MakeError("--round-s must be positive");
  if (options.round_s == 0 && policy.needs_rounds()) options.round_s = kDefaultRoundS;
  if (total_jobs <= 0) return MakeError("the trace has no jobs");
  if (nodes.empty()) return MakeError("the cluster has no nodes");
  if (options.round_s > 0) {
    if (auto allocator = policy.MakeRoundAllocator(options.seed)) {
      // Gavel's allocation looks at all jobs: read them whole.
      Workload w{nodes, {}};
      Job j;
      for (;;) {
        auto more = jobs.Next(&j);
        if (!more) return tl::unexpected(more.error());
        if (!*more) break;
        w.jobs.push_back(std::move(j));
      }
      return Replay(w, policy, options);
    }
  }
  ClusterState cluster(nodes, policy.TieRank(static_cast<int>(nodes.size())),
                       policy.reads_running_kinds());
  return ReplayEvents(jobs, total_jobs, policy, options, cluster);
}

}  // namespace suanli::sim
