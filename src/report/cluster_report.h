// The accelerators of a Kubernetes cluster as `suanli cluster import` shows them.
#ifndef SUANLI_REPORT_CLUSTER_REPORT_H_
#define SUANLI_REPORT_CLUSTER_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

namespace suanli::report {

struct ClusterSummary {
  struct Type {
    std::string type;      // as the cluster names it
    std::string chip;      // catalog chip, "" when none
    std::string resource;  // extended resource or DRA driver
    long nodes = 0;
    long gpus = 0;
    int64_t free_milli = 0;  // on ready, schedulable nodes
    long unusable_gpus = 0;  // on nodes not ready or cordoned
  };
  struct Quota {
    std::string cluster_queue, flavor, resource, gpu_type, chip;
    double nominal = 0;
  };
  std::vector<Type> types;
  std::vector<Quota> quotas;
  long running_gpu_pods = 0, pending_gpu_pods = 0;
  long objects_read = 0, objects_ignored = 0;
};

std::string ClusterJson(const ClusterSummary& s);
std::string ClusterText(const ClusterSummary& s);

}  // namespace suanli::report

#endif  // SUANLI_REPORT_CLUSTER_REPORT_H_
