#include "sim/engine/replay_summary.h"

#include <algorithm>
#include <numeric>

#include "core/stats.h"

namespace suanli::sim {

void Summarize(const ReplayIntegrals& in, const std::vector<UtilizationSample>& timeline,
               ReplayResult* r) {
  std::vector<double> jct, queue;
  for (const auto& o : r->outcomes) {
    if (o.finish_s < 0) continue;
    jct.push_back(o.finish_s - o.arrival_s);
    queue.push_back(o.first_start_s - o.arrival_s);
  }
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
