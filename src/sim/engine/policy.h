// What the replay engine asks of a scheduling policy: in which order waiting
// jobs go, where a job goes, and whether running jobs may be preempted. The
// policies themselves are plugins in src/sim/policies, made by name from its
// registry; the policy never touches the engine, the engine never names one.
#ifndef SUANLI_SIM_ENGINE_POLICY_H_
#define SUANLI_SIM_ENGINE_POLICY_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "sim/engine/cluster.h"
#include "sim/engine/round_allocator.h"

namespace suanli::sim {

// What a policy may know about a job.
struct JobView {
  const Job* job = nullptr;
  double remaining_fraction = 1;  // of its work
  double attained_gpu_s = 0;      // GPU-seconds received so far
  bool running = false;
};

class Policy {
 public:
  virtual ~Policy() = default;
  // Stable name, written into results.
  virtual std::string_view name() const = 0;
  // Lower runs first; the engine breaks ties by arrival, then id. The key
  // may depend on the job and its progress (never on the clock). A queued
  // job's progress stands still, so the engine takes its key once, when it
  // joins the queue; a running job's key (for preemption) is taken with its
  // progress at that moment. While a job runs its key falls in proportion
  // to the work it does (KeyFallPerWork) and rises only where KeyRisesAfter
  // says: the engine keeps a node's running jobs in key order with that.
  virtual double Key(const JobView& j) const = 0;
  // How much a running job's key falls for each fraction of its work done
  // (srtf: its fastest duration); 0, the default: it stays put between rises.
  virtual double KeyFallPerWork(const JobView& /*running*/) const { return 0; }
  // Seconds more of running after which this running job's key next rises
  // (infinity: never, the default). The engine then takes its key again.
  virtual double KeyRisesAfter(const JobView& /*running*/) const {
    return std::numeric_limits<double>::infinity();
  }
  // True when Key depends only on the job, not on its progress: the queue is
  // then one ordered list with a bounded backfill window.
  virtual bool static_key() const { return true; }
  // Strict order: nothing passes a waiting job that does not fit (FIFO).
  virtual bool strict_order() const { return false; }
  // May running jobs with a higher key be preempted for a waiting one?
  virtual bool preemptive() const { return false; }
  // Round-based mode: reconsider every running job at each round (Gavel's
  // performance-aware policies reset their allocation every round).
  virtual bool reallocate_each_round() const { return false; }
  // Where `job` goes now, if anywhere. Default: the first node that fits.
  // It fails only when ClusterState::FitOnNode fits `job` on no node, so the
  // engine skips jobs of a shape that just failed while the cluster is
  // unchanged. A failing call draws no random numbers.
  virtual std::optional<Placement> Place(const ClusterState& c, const Job& job) const;
  // Round-based mode: the policy's share allocation for Gavel's mechanism, or
  // nullptr to run in the event engine at round boundaries.
  virtual std::unique_ptr<RoundAllocator> MakeRoundAllocator(uint64_t /*seed*/) const {
    return nullptr;
  }
  // A permutation of node ids that breaks ties between equally good nodes,
  // for ClusterState's groups of identical nodes; nullptr: by node id.
  virtual std::shared_ptr<const std::vector<int>> TieRank(int /*nodes*/) const { return nullptr; }
  // True when placement reads the kinds of request running on a node
  // (ClusterState::shapes()): the engine then groups nodes by them too.
  virtual bool reads_running_kinds() const { return false; }
  // Only meaningful in rounds (kDefaultRoundS when none is given).
  virtual bool needs_rounds() const { return false; }
};

}  // namespace suanli::sim

#endif  // SUANLI_SIM_ENGINE_POLICY_H_
