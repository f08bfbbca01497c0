// Cluster state from a real Kubernetes cluster: `kubectl get nodes,pods -o json` (a List, or
// single objects), Kueue ResourceFlavor and ClusterQueue objects (GPU quota per type) and DRA
// ResourceSlices (GPUs published by a DRA driver), read into one snapshot.
//
// GPUs are found as the device plugins name them: `nvidia.com/gpu` (type from the
// `nvidia.com/gpu.product` label), `huawei.com/Ascend910*` (type from the resource name),
// HAMi's `nvidia.com/gpumem` and `nvidia.com/gpucores` pod requests (a share of one GPU) and its
// `hami.io/node-nvidia-register` node annotation, and DRA devices (`productName` attribute).
#ifndef SUANLI_SIM_ENGINE_KUBE_H_
#define SUANLI_SIM_ENGINE_KUBE_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "sim/workload.h"

namespace suanli::sim {

struct KubeNode {
  std::string name;
  std::string gpu_type;  // as the cluster names it: "NVIDIA-H800", "Ascend910B3"; "" without GPUs
  std::string resource;  // the extended resource: "nvidia.com/gpu", "huawei.com/Ascend910B3"
  int gpus = 0;          // allocatable accelerators
  int cpu_milli = 0;
  int memory_mib = 0;
  bool ready = true;        // condition Ready is True
  bool schedulable = true;  // not cordoned
  std::string source;       // "device-plugin", "hami", "dra"
};

struct KubePod {
  std::string name, ns, uid, node, phase;
  std::string resource;       // the accelerator resource it requests, "" for none
  int gpus = 0;               // accelerators requested (whole, or 1 with a share)
  int gpu_milli = 1000;       // per accelerator; < 1000 for a HAMi share of one GPU (gpucores)
  double gpu_memory_mib = 0;  // HAMi nvidia.com/gpumem, when requested (not used for placement)
  int cpu_milli = 0;
  int memory_mib = 0;
  std::string wanted_type;  // from a node selector on the GPU product label, if any
  std::map<std::string, std::string> annotations;
  // The command and arguments of the container that requests the accelerators (Kubernetes runs
  // `command` in place of the image's entrypoint, then `args`).
  std::vector<std::string> command;
};

struct KubeQuota {
  std::string cluster_queue, flavor, resource;
  std::string gpu_type;  // from the flavor's node labels, "" when it names none
  double nominal = 0;
};

struct KubeCluster {
  std::vector<KubeNode> nodes;
  std::vector<KubePod> pods;  // not Succeeded or Failed
  std::vector<KubeQuota> quotas;
  long objects_read = 0, objects_ignored = 0;
};

// Reads one JSON document (a List with `items`, or one object) into `into`; objects of other
// kinds are counted and ignored. Errors name the file and the object. Text that does not start
// with { or [ is read as YAML, `kubectl get ... -o yaml`'s form of the same List (one document).
Result<void> ReadKubeObjects(std::string_view json_text, const std::string& file,
                             KubeCluster* into);

// A Kubernetes quantity ("8", "500m", "64Gi", "1.5k", "2e3") as a number.
Result<double> ParseKubeQuantity(std::string_view q);

// The GPU nodes as simulator nodes (one node per Kubernetes node with accelerators, its type
// the cluster's name for it), and the running pods bound to them as jobs that hold their
// accelerators from time 0.
std::vector<Node> KubeSimNodes(const KubeCluster& c);

// The pods that hold accelerators on ready, schedulable nodes now, as jobs arriving at 0 on their
// node's type (ids 1..n). A pod's `suanli.io/remaining-s` annotation says how long it still
// holds them; pods without one hold them `unknown_hold_s` if given, else are left out. Either
// way `*without_end` counts them.
std::vector<Job> KubeRunningJobs(const KubeCluster& c, std::optional<double> unknown_hold_s,
                                 long* without_end);

// Free accelerators of a node: allocatable minus what bound, unfinished pods request (in
// thousandths, so HAMi shares count as parts of a GPU).
int64_t KubeFreeMilli(const KubeCluster& c, const KubeNode& node);

}  // namespace suanli::sim

#endif  // SUANLI_SIM_ENGINE_KUBE_H_
