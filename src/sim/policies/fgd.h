// FGD, Fragmentation Gradient Descent (Weng et al., "Beware of
// Fragmentation: Scheduling GPU-Sharing Workloads with Fragmentation Gradient
// Descent", USENIX ATC'23), and the node-scoring baselines it is compared
// against, as placement policies of the replay engine (registered in
// RegisterFragmentationPolicies: fgd, fgd-best-fit, dot-product, gpu-packing,
// gpu-clustering, random). Semantics follow the
// authors' simulator (hkust-adsl/kubernetes-scheduler-simulator): integer
// node scores, the highest wins, ties broken at random.
#ifndef SUANLI_SIM_POLICIES_FGD_H_
#define SUANLI_SIM_POLICIES_FGD_H_

#include <string>
#include <vector>

#include "core/error.h"
#include "sim/workload.h"

namespace suanli::sim {

// One pod shape of the target workload (FGD's "typical pod").
struct PodType {
  int cpu_milli = 0;
  int gpu_milli = 0;  // per GPU; 0: CPU-only
  int num_gpus = 0;
  std::vector<std::string> allowed_types;  // empty: any
  double share = 0;                        // popularity; sums to 1 over the target
};

// The most popular pod shapes of `jobs` by count (CPU-only jobs included),
// most popular first, taken until they cover `coverage` of the jobs; shares
// are renormalized to 1. Errors: no job requests a GPU.
Result<std::vector<PodType>> TargetWorkload(const std::vector<Job>& jobs, double coverage = 0.95);
// The same over the jobs a visitor shows (a trace read as a stream).
Result<std::vector<PodType>> TargetWorkload(const JobVisitor& for_each_job, double coverage = 0.95);

// What FGD sees of a node.
struct NodeView {
  std::string type;
  int cpu_left = 0;
  std::vector<int> gpu_left;  // thousandths free per GPU
};

// Expected fragmentation of a node in thousandths of a GPU: per pod type,
// the free GPU share that type could not use, weighted by its share. A type
// that fits the node (type allowed, enough GPUs with its share free, enough
// CPU) cannot use GPUs with less than its share free; a type that does not
// fit, or needs no GPU, can use none of them.
double NodeFragmentation(const NodeView& node, const std::vector<PodType>& target);

// FGD's node score for a placement that takes the node from `before` to
// `after` fragmentation: 100 x sigmoid(decrease in GPUs), truncated to an
// integer as in the reference simulator.
int FgdScore(double frag_before, double frag_after);

}  // namespace suanli::sim

#endif  // SUANLI_SIM_POLICIES_FGD_H_
