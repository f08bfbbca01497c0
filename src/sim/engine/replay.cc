// Replay(): checks the workload, then hands it to one of two mechanisms,
// Gavel's rounds or the event engine. The mechanisms share only the summary
// (replay_summary.h); neither calls the other or this file.
#include "sim/engine/replay.h"

#include <string>

#include "sim/engine/cluster.h"
#include "sim/engine/event_engine.h"
#include "sim/engine/gavel_rounds.h"
#include "sim/engine/replay_summary.h"

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
  if (options.round_s > 0) {
    if (auto allocator = policy.MakeRoundAllocator(options.seed)) {
      // Jobs that could never fit stay pending: the rounds run on the others, as the event engine
      // passes them over (its read_next).
      ReplayResult never;
      for (const auto& j : w.jobs) {
        if (!cluster.CouldEverFit(j)) CountNeverFit(cluster, j, &never);
      }
      if (never.never_fit == 0) return ReplayInRounds(w, policy, *allocator, options);
      Workload fits{w.nodes, {}};
      fits.jobs.reserve(w.jobs.size() - static_cast<size_t>(never.never_fit));
      for (const auto& j : w.jobs) {
        if (cluster.CouldEverFit(j)) fits.jobs.push_back(j);
      }
      ReplayResult r;
      if (!fits.jobs.empty()) {
        auto ran = ReplayInRounds(fits, policy, *allocator, options);
        if (!ran) return ran;
        r = std::move(*ran);
      } else {
        r.policy = std::string(policy.name());
        r.mechanism = "gavel-rounds";
        r.round_s = options.round_s;
      }
      if (options.keep_outcomes) {  // by job order, those that never fit included
        std::vector<JobOutcome> all;
        all.reserve(w.jobs.size());
        size_t ran = 0;
        for (const auto& j : w.jobs) {
          if (cluster.CouldEverFit(j)) {
            all.push_back(std::move(r.outcomes[ran++]));
          } else {
            all.push_back({j.id, j.arrival_s, -1, -1, 0, ""});
          }
        }
        r.outcomes = std::move(all);
      }
      r.jobs = static_cast<long>(w.jobs.size());
      r.never_fit = never.never_fit;
      r.never_fit_listed = std::move(never.never_fit_listed);
      return r;
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
