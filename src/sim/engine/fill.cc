#include "sim/engine/fill.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/rng.h"

namespace suanli::sim {

Result<std::vector<size_t>> FillSequence(const Workload& w, const FillOptions& options) {
  if (!(options.tune > 0) || !std::isfinite(options.tune))
    return MakeError("--fill must be a positive ratio of GPU capacity, e.g. 1.3");
  int64_t capacity = 0;
  for (const auto& n : w.nodes) capacity += static_cast<int64_t>(n.gpus) * kMilliPerGpu;
  if (capacity == 0) return MakeError("the cluster has no GPUs to fill");
  std::vector<size_t> by_name(w.jobs.size());
  std::iota(by_name.begin(), by_name.end(), 0);
  std::stable_sort(by_name.begin(), by_name.end(),
                   [&](size_t a, size_t b) { return w.jobs[a].name < w.jobs[b].name; });
  int64_t requested = 0;
  for (const auto& j : w.jobs) requested += j.GpuMilli();
  if (requested == 0) return MakeError("the trace has no GPU pods to fill the cluster with");

  Rng rng(options.seed, 0);
  std::vector<size_t> seq = by_name;
  rng.Shuffle(seq);
  const double target = options.tune * static_cast<double>(capacity);
  while (static_cast<double>(requested) > target) {
    const size_t at = rng.Below(seq.size());
    requested -= w.jobs[seq[at]].GpuMilli();
    seq.erase(seq.begin() + static_cast<long>(at));
  }
  if (static_cast<double>(requested) < target) {
    for (;;) {
      const size_t i = by_name[rng.Below(by_name.size())];
      const Job& j = w.jobs[i];
      // As the reference: the stop test adds the pod's per-GPU share, not
      // its total, so a multi-GPU pod may overshoot the target a little.
      const int per_gpu = j.num_gpus == 0 ? 0 : std::min(j.gpu_milli, kMilliPerGpu);
      if (static_cast<double>(requested + per_gpu) > target) break;
      requested += j.GpuMilli();
      seq.push_back(i);
    }
  }
  return seq;
}

Result<FillResult> Fill(const Workload& w, const Policy& policy, const FillOptions& options) {
  auto seq = FillSequence(w, options);
  if (!seq) return tl::unexpected(seq.error());
  ClusterState cluster(w.nodes, policy.TieRank(static_cast<int>(w.nodes.size())),
                       policy.reads_running_kinds());
  FillResult r;
  r.policy = std::string(policy.name());
  r.seed = options.seed;
  for (const auto& n : w.nodes) r.total_gpus += n.gpus;
  const double scale = static_cast<double>(r.total_gpus) * 10;  // milli -> % of GPUs
  const int buckets = static_cast<int>(std::ceil(options.tune * 100)) + 2;
  std::vector<double> sum(buckets, 0);
  std::vector<long> count(buckets, 0);
  int64_t arrived = 0;
  for (size_t i : *seq) {
    const Job& job = w.jobs[i];
    arrived += job.GpuMilli();
    if (auto p = policy.Place(cluster, job)) {
      cluster.Allocate(job, *p);
      ++r.placed;
    } else {
      ++r.failed;
    }
    // One sample per pod, rounded as the reference's pandas analysis does.
    const int at = static_cast<int>(std::nearbyint(static_cast<double>(arrived) / scale));
    const double alloc = std::round(static_cast<double>(cluster.used_milli()) / scale * 100) / 100;
    if (at >= 0 && at < buckets) {
      sum[at] += alloc;
      ++count[at];
    }
  }
  r.pods = static_cast<long>(seq->size());
  r.arrived_gpu_pct = static_cast<double>(arrived) / scale;
  r.allocated_gpu_pct = static_cast<double>(cluster.used_milli()) / scale;
  const int last = static_cast<int>(std::floor(options.tune * 100 + 1e-9));
  for (int x = 0; x <= last; ++x) {
    double s = sum[x];
    long c = count[x];
    if (c == 0) {
      for (int y = std::max(0, x - 1); y <= std::min(buckets - 1, x + 1); ++y) {
        s += sum[y];
        c += count[y];
      }
    }
    r.alloc_pct_by_arrived_pct.push_back(c > 0 ? std::round(s / c * 100) / 100
                                               : std::numeric_limits<double>::quiet_NaN());
  }
  return r;
}

}  // namespace suanli::sim
