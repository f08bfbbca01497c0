#include "sim/engine/replay_summary.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "core/stats.h"

namespace suanli::sim {

void CompletedTimes(const std::vector<JobOutcome>& outcomes, std::vector<double>* jct_s,
                    std::vector<double>* queue_s) {
  for (const auto& o : outcomes) {
    if (o.finish_s < 0) continue;
    jct_s->push_back(o.finish_s - o.arrival_s);
    queue_s->push_back(o.first_start_s - o.arrival_s);
  }
}

void Summarize(const ReplayIntegrals& in, std::vector<double> jct_s,
               const std::vector<double>& queue_s, const std::vector<UtilizationSample>& timeline,
               ReplayResult* r) {
  r->jct_s = std::move(jct_s);
  const std::vector<double>& jct = r->jct_s;
  const std::vector<double>& queue = queue_s;
  r->avg_jct_s = jct.empty() ? 0 : std::accumulate(jct.begin(), jct.end(), 0.0) / jct.size();
  r->p50_jct_s = Quantile(jct, 0.5);
  r->p99_jct_s = Quantile(jct, 0.99);
  r->avg_queue_s =
      queue.empty() ? 0 : std::accumulate(queue.begin(), queue.end(), 0.0) / queue.size();
  r->makespan_s = in.end_s - in.first_arrival_s;
  r->utilization = r->makespan_s > 0 ? in.used_integral / (in.capacity * r->makespan_s) : 0;
  r->unallocated_gpu_fraction =
      in.waiting_s > 0 ? in.stranded_integral / (in.capacity * in.waiting_s) : 0;
  // Thin the timeline to at most ~500 points for reports.
  const size_t step = std::max<size_t>(1, timeline.size() / 500);
  for (size_t i = 0; i < timeline.size(); i += step) r->timeline.push_back(timeline[i]);
}

}  // namespace suanli::sim
