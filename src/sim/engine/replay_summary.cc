#include "sim/engine/replay_summary.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "core/stats.h"
#include "sim/engine/cluster.h"

namespace suanli::sim {

void CountNeverFit(const ClusterState& cluster, const Job& job, ReplayResult* r) {
  ++r->never_fit;
  if (r->never_fit_listed.size() < kNeverFitListed) {
    r->never_fit_listed.push_back({job.id, job.name, cluster.WhyNeverFits(job)});
  }
}

void CompletedTimes(const std::vector<JobOutcome>& outcomes, std::vector<double>* jct_s,
                    std::vector<double>* queue_s) {
  for (const auto& o : outcomes) {
    if (o.finish_s < 0) continue;
    jct_s->push_back(o.finish_s - o.arrival_s);
    queue_s->push_back(o.first_start_s - o.arrival_s);
  }
}

void Summarize(const ReplayIntegrals& in, std::vector<double> jct_s, std::vector<double> queue_s,
               const std::vector<UtilizationSample>& timeline, ReplayResult* r, bool keep_jct) {
  // Sums in job order, whatever order jobs finished in; then one sort for both quantiles.
  r->avg_jct_s = jct_s.empty() ? 0
                               : std::accumulate(jct_s.begin(), jct_s.end(), 0.0) /
                                     static_cast<double>(jct_s.size());
  r->avg_queue_s = queue_s.empty() ? 0
                                   : std::accumulate(queue_s.begin(), queue_s.end(), 0.0) /
                                         static_cast<double>(queue_s.size());
  std::vector<double>().swap(queue_s);
  std::vector<double> sorted;
  if (keep_jct) {
    sorted = jct_s;
    r->jct_s = std::move(jct_s);
  } else {
    sorted = std::move(jct_s);
  }
  std::sort(sorted.begin(), sorted.end());
  r->p50_jct_s = QuantileOfSorted(sorted, 0.5);
  r->p99_jct_s = QuantileOfSorted(sorted, 0.99);
  r->makespan_s = in.end_s - in.first_arrival_s;
  r->utilization = r->makespan_s > 0 ? in.used_integral / (in.capacity * r->makespan_s) : 0;
  r->unallocated_gpu_fraction =
      in.waiting_s > 0 ? in.stranded_integral / (in.capacity * in.waiting_s) : 0;
  // Thin the timeline to at most ~500 points for reports.
  const size_t step = std::max<size_t>(1, timeline.size() / 500);
  for (size_t i = 0; i < timeline.size(); i += step) r->timeline.push_back(timeline[i]);
}

}  // namespace suanli::sim
