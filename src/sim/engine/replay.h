// Trace replay: jobs arriving, waiting, running and finishing on a cluster
// under a policy, by one of two mechanisms, the event engine
// (event_engine.cc: events ordered by (time, sequence number), so
// simultaneous events always run in the same order) or Gavel's rounds
// (gavel_rounds.cc). Neither reads a clock.
#ifndef SUANLI_SIM_ENGINE_REPLAY_H_
#define SUANLI_SIM_ENGINE_REPLAY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "sim/engine/policy.h"
#include "sim/workload.h"

namespace suanli::sim {

struct JobOutcome {
  int64_t id = 0;
  double arrival_s = 0;
  double first_start_s = -1;
  double finish_s = -1;
  int preemptions = 0;
  std::string last_type;  // the accelerator type it last started on
};

// A job that fits no node of the cluster even when it is empty, and why
// (ClusterState::WhyNeverFits).
struct NeverFitJob {
  int64_t id = 0;
  std::string name;
  std::string why;
};
// How many of those a ReplayResult lists (it counts them all).
inline constexpr size_t kNeverFitListed = 5;

struct UtilizationSample {
  double time_s = 0;
  double utilization = 0;  // allocated GPU share
};

struct ReplayResult {
  std::string policy;
  // How it ran: "events" (decisions at every event, or at round ends when
  // round_s > 0) or "gavel-rounds" (Gavel's round mechanism).
  std::string mechanism = "events";
  double round_s = 0;
  long jobs = 0;  // in the trace, never_fit included
  long completed = 0;
  // Jobs that could never fit the cluster (more GPUs, CPU or memory than any node of a type they
  // may run on: openb-pod-1639 asks 120 CPUs of 96-CPU G2 nodes). A real scheduler leaves them
  // pending: they never start, take no part in any decision or time below, and are counted here;
  // the first kNeverFitListed of them (in arrival order) are listed with why.
  long never_fit = 0;
  std::vector<NeverFitJob> never_fit_listed;
  double avg_jct_s = 0, p50_jct_s = 0, p99_jct_s = 0;
  double avg_queue_s = 0;
  double makespan_s = 0;
  double utilization = 0;  // allocated GPU-time over capacity x makespan
  // Time-average share of GPU capacity left unallocated while jobs waited
  // (stranded by fragmentation or by the policy).
  double unallocated_gpu_fraction = 0;
  long events = 0;
  double peak_utilization = 0;  // never above 1: capacity is never exceeded
  // Per job, by job order: only with ReplayOptions::keep_outcomes (a trace
  // replayed as a stream keeps no record of the jobs that finished).
  std::vector<JobOutcome> outcomes;
  std::vector<double> jct_s;                // of the completed jobs, by job order; keep_jct
  std::vector<UtilizationSample> timeline;  // at most ~500 points; see keep_timeline
};

struct ReplayOptions {
  // 0: decide at every event. > 0: Gavel's round-based mode: decisions only
  // at multiples of round_s; arrivals wait for the next round, and workers
  // freed inside a round stay idle until it ends.
  double round_s = 0;
  // Round-based mode with a policy that allocates shares (Gavel's): the
  // allocation is recomputed at most this often when jobs come and go
  // (Gavel's minimum_time_between_allocation_resets).
  double allocation_reset_s = 1920;
  // Seeds the randomness some policies draw (Gavel's --seed).
  uint64_t seed = 0;
  // Called with (completed, total jobs, simulated time in seconds since the
  // first arrival) at most once every progress_every events and once at the
  // end. The engine reads no clock: the caller decides whether and when to
  // show anything, so results stay deterministic.
  // `arrived`: jobs taken from the trace so far.
  std::function<void(long arrived, long completed, long total, double simulated_s)> progress;
  long progress_every = 10000;
  // Keep a JobOutcome per job (ReplayResult::outcomes). Without, a replay
  // keeps 16 bytes per job (JCT and queueing time, for exact quantiles and
  // sums) besides the jobs waiting or running.
  bool keep_outcomes = true;
  // Keep ReplayResult::timeline (16 bytes per event until it is thinned at
  // the end: only the HTML report draws it).
  bool keep_timeline = true;
  // Keep ReplayResult::jct_s (8 bytes per job: only the HTML report draws
  // the JCT distribution; the quantiles need the JCTs either way).
  bool keep_jct = true;
  // For tests: a preemptive policy's queued job looks at every node at every try, not only at
  // those changed since it (or a job of its shape that outranks more) found no room. The
  // decisions must be the same; only the time differs. Also checks every victim against a full
  // sort of the node's running jobs by key: the replay fails if one is out of order.
  bool preempt_without_memo = false;
};

// Round length used when a policy needs rounds and none is given (Gavel's).
inline constexpr double kDefaultRoundS = 360;

// With rounds (options.round_s > 0, or a policy that needs them) and a
// policy that gives a RoundAllocator, Gavel's round-based mechanism runs
// (gavel_rounds.h); other policies run in the event engine, deciding at round
// boundaries only.
// Errors: an empty workload. A job that could never fit the cluster is left
// pending (ReplayResult::never_fit), not an error.
Result<ReplayResult> Replay(const Workload& w, const Policy& policy,
                            const ReplayOptions& options = {});

// The same on jobs taken from `jobs` as the replay reaches their arrival
// (they must come in arrival order, then id; `total_jobs` of them). Only
// jobs that have arrived and not finished are held, so a trace larger than
// memory replays. A job that could never fit is counted when it is read.
// Gavel's round mechanism reads all jobs first (its allocation needs them).
Result<ReplayResult> Replay(const std::vector<Node>& nodes, JobStream& jobs, long total_jobs,
                            const Policy& policy, const ReplayOptions& options = {});

}  // namespace suanli::sim

#endif  // SUANLI_SIM_ENGINE_REPLAY_H_
