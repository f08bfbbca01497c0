// The queue-order policies (fifo, sjf, srtf, las, best-fit) and Gavel's
// (fifo-perf, max-min-fairness and their variants), each a few lines on top
// of the engine, registered by name in RegisterBuiltinPolicies.
#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/policies/registry.h"
#include "sim/policies/round_allocators.h"

namespace suanli::sim {

// The node of the fastest type for `job` that has room now.
std::optional<Placement> FastestFit(const ClusterState& c, const Job& job);

namespace {

double FastestDuration(const Job& j) {
  double best = std::numeric_limits<double>::infinity();
  for (const auto& [type, d] : j.duration_s) best = std::min(best, d);
  return best;
}

// First come, first served; the head of the queue blocks the rest.
class Fifo : public Policy {
 public:
  std::string_view name() const override { return "fifo"; }
  double Key(const JobView& j) const override { return j.job->arrival_s; }
  bool strict_order() const override { return true; }
  // In rounds: Gavel's FIFO and mechanism, to match its published results.
  std::unique_ptr<RoundAllocator> MakeRoundAllocator(uint64_t seed) const override {
    return MakeGavelFifoAllocator(false, seed);
  }
};

// Shortest job first with oracle durations; smaller jobs backfill.
class Sjf : public Policy {
 public:
  std::string_view name() const override { return "sjf"; }
  double Key(const JobView& j) const override { return FastestDuration(*j.job); }
};

// Shortest remaining time first, preemptive.
class Srtf : public Policy {
 public:
  std::string_view name() const override { return "srtf"; }
  double Key(const JobView& j) const override {
    return j.remaining_fraction * FastestDuration(*j.job);
  }
  double KeyFallPerWork(const JobView& j) const override { return FastestDuration(*j.job); }
  bool static_key() const override { return false; }
  bool preemptive() const override { return true; }
};

// Tiresias-style discretized two-dimensional least attained service: queues
// by GPU-seconds received (thresholds x10 from one GPU-hour), FIFO inside a
// queue, preemptive between queues: a running job drops a queue when it
// crosses a threshold, and jobs of the queues above may then evict it.
class Las : public Policy {
 public:
  std::string_view name() const override { return "las"; }
  double Key(const JobView& j) const override {
    return Queue(j.attained_gpu_s) * 1e12 + j.job->arrival_s;
  }
  double KeyRisesAfter(const JobView& j) const override {
    const int queue = Queue(j.attained_gpu_s);
    const double gpus = static_cast<double>(j.job->GpuMilli()) / kMilliPerGpu;
    if (queue >= kQueues - 1 || gpus <= 0) return std::numeric_limits<double>::infinity();
    return (kFirstThreshold * std::pow(10.0, queue) - j.attained_gpu_s) / gpus;
  }

 private:
  static constexpr int kQueues = 9;
  static constexpr double kFirstThreshold = 3600;  // GPU-seconds
  static int Queue(double attained_gpu_s) {
    int queue = 0;
    for (double t = kFirstThreshold; attained_gpu_s >= t && queue < kQueues - 1; t *= 10) ++queue;
    return queue;
  }
  bool static_key() const override { return false; }
  bool preemptive() const override { return true; }
};

// FIFO order with backfill; each job goes where it leaves the least GPU
// share free on its node (tightest packing).
class BestFit : public Policy {
 public:
  std::string_view name() const override { return "best-fit"; }
  double Key(const JobView& j) const override { return j.job->arrival_s; }
  std::optional<Placement> Place(const ClusterState& c, const Job& job) const override {
    std::optional<Placement> best;
    int64_t best_left = std::numeric_limits<int64_t>::max();
    auto consider = [&](int n) {
      auto p = c.FitOnNode(job, n);
      if (!p) return;
      const int64_t left = c.free_total(n) - static_cast<int64_t>(p->gpus.size()) *
                                                 std::min(job.gpu_milli, kMilliPerGpu);
      if (left < best_left || (left == best_left && n < best->node)) {
        best_left = left;
        best = std::move(p);
      }
    };
    // Identical nodes leave the same share free: one per group, the
    // lowest-numbered when ties go by node id.
    if (!c.tie_rank()) {
      c.ForEachGroup(consider);
    } else {
      for (int n = 0; n < static_cast<int>(c.nodes().size()); ++n) consider(n);
    }
    return best;
  }
};

// Gavel's FIFO_Perf: arrival order, head of line blocks, each job on the
// fastest type with room. In rounds, Gavel's mechanism with its allocation.
class FifoPerf : public Policy {
 public:
  std::string_view name() const override { return "fifo-perf"; }
  double Key(const JobView& j) const override { return j.job->arrival_s; }
  bool strict_order() const override { return true; }
  bool reallocate_each_round() const override { return true; }
  std::optional<Placement> Place(const ClusterState& c, const Job& job) const override {
    return FastestFit(c, job);
  }
  std::unique_ptr<RoundAllocator> MakeRoundAllocator(uint64_t seed) const override {
    return MakeGavelFifoAllocator(true, seed);
  }
};

// Gavel's max-min fairness: every active job gets an equal share of the
// cluster (GPU-time, weighted by priority), time-sliced in rounds; the
// "-perf" variant equalizes throughput relative to each job's fair share
// instead, so jobs go where they run best. Round-based only.
class MaxMinFairness : public Policy {
 public:
  explicit MaxMinFairness(bool perf) : perf_(perf) {}
  std::string_view name() const override {
    return perf_ ? "max-min-fairness-perf" : "max-min-fairness";
  }
  double Key(const JobView& j) const override { return j.job->arrival_s; }
  bool needs_rounds() const override { return true; }
  std::unique_ptr<RoundAllocator> MakeRoundAllocator(uint64_t) const override {
    return MakeMaxMinFairnessAllocator(perf_);
  }

 private:
  bool perf_;
};

// Ours for scarce, mixed fleets: shortest job first by its best-case time,
// each job on the fastest type that has room, and small jobs backfilling.
// On a fleet where old parts are several times slower, waiting a little for
// a fast part often beats starting at once on a slow one; the ordering keeps
// short jobs from queueing behind long ones. Metric: average JCT.
class SjfPerf : public Policy {
 public:
  std::string_view name() const override { return "sjf-perf"; }
  double Key(const JobView& j) const override { return FastestDuration(*j.job); }
  std::optional<Placement> Place(const ClusterState& c, const Job& job) const override {
    return FastestFit(c, job);
  }
};

}  // namespace

std::optional<Placement> FastestFit(const ClusterState& c, const Job& job) {
  // Types from fastest to slowest for this job; the first with room wins.
  std::vector<std::pair<double, std::string>> types;
  for (const auto& type : c.types()) {
    const double d = job.DurationOn(type);
    if (d >= 0) types.emplace_back(d, type);
  }
  std::sort(types.begin(), types.end());
  for (const auto& [d, type] : types) {
    if (auto p = c.FirstFit(job, &type)) return p;
  }
  return std::nullopt;
}

std::optional<Placement> Policy::Place(const ClusterState& c, const Job& job) const {
  return c.FirstFit(job);
}

namespace {

template <typename P>
PolicyFactory Factory() {
  return [](const PolicyContext&) -> Result<std::unique_ptr<Policy>> {
    return std::unique_ptr<Policy>(new P);
  };
}

}  // namespace

void RegisterBuiltinPolicies(PolicyRegistry& registry) {
  registry.Add("fifo", {}, Factory<Fifo>());
  registry.Add("fifo-perf", {"fifo_perf"}, Factory<FifoPerf>());
  registry.Add("sjf", {}, Factory<Sjf>());
  registry.Add("sjf-perf", {"sjf_perf"}, Factory<SjfPerf>());
  registry.Add("srtf", {}, Factory<Srtf>());
  registry.Add("las", {}, Factory<Las>());
  registry.Add("best-fit", {"bestfit"}, Factory<BestFit>());
  registry.Add("max-min-fairness", {"max_min_fairness"},
               [](const PolicyContext&) -> Result<std::unique_ptr<Policy>> {
                 return std::unique_ptr<Policy>(new MaxMinFairness(false));
               });
  registry.Add("max-min-fairness-perf", {"max_min_fairness_perf"},
               [](const PolicyContext&) -> Result<std::unique_ptr<Policy>> {
                 return std::unique_ptr<Policy>(new MaxMinFairness(true));
               });
}

}  // namespace suanli::sim
