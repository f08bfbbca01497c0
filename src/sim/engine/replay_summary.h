// The summary both replay mechanisms (the event engine and Gavel's rounds)
// compute from their outcomes: JCT quantiles, queueing, makespan,
// utilization. Its own file so that neither mechanism calls into the other's.
#ifndef SUANLI_SIM_ENGINE_REPLAY_SUMMARY_H_
#define SUANLI_SIM_ENGINE_REPLAY_SUMMARY_H_

#include <vector>

#include "sim/engine/replay.h"

namespace suanli::sim {

class ClusterState;

// What a replay accumulates over time, for Summarize().
struct ReplayIntegrals {
  double first_arrival_s = 0, end_s = 0;
  double capacity = 0;           // in the unit of the integrals (GPUs or thousandths)
  double used_integral = 0;      // allocated capacity x time
  double stranded_integral = 0;  // free capacity x time while jobs waited
  double waiting_s = 0;          // time during which jobs waited
};

// Fills the JCT, queue, makespan, utilization and timeline fields of `r`
// from the completed jobs' times (`jct_s`, `queue_s`: in job order, so sums
// add up in one order whatever order jobs finished in) and the integrals.
// Shared by both mechanisms.
// Without `keep_jct`, r->jct_s stays empty and the JCTs are sorted in place.
void Summarize(const ReplayIntegrals& in, std::vector<double> jct_s, std::vector<double> queue_s,
               const std::vector<UtilizationSample>& timeline, ReplayResult* r,
               bool keep_jct = true);

// A job that could never fit `cluster` (CouldEverFit false): counted in r->never_fit, and listed
// with why while fewer than kNeverFitListed are.
void CountNeverFit(const ClusterState& cluster, const Job& job, ReplayResult* r);

// The completed jobs' JCT and queueing times from outcomes, for Summarize.
void CompletedTimes(const std::vector<JobOutcome>& outcomes, std::vector<double>* jct_s,
                    std::vector<double>* queue_s);

}  // namespace suanli::sim

#endif  // SUANLI_SIM_ENGINE_REPLAY_SUMMARY_H_
