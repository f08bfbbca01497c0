// Cluster state during a replay: free GPU share per GPU (thousandths), CPU
// and memory per node.
#ifndef SUANLI_SIM_CLUSTER_H_
#define SUANLI_SIM_CLUSTER_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/workload.h"

namespace suanli::sim {

struct Placement {
  int node = -1;
  std::vector<int> gpus;  // GPU indices on the node
};

class ClusterState {
 public:
  explicit ClusterState(std::vector<Node> nodes);

  const std::vector<Node>& nodes() const { return nodes_; }
  // Free thousandths of each GPU of a node.
  const std::vector<int>& free_milli(int node) const { return free_milli_[node]; }
  int free_cpu(int node) const { return free_cpu_[node]; }
  int free_memory(int node) const { return free_memory_[node]; }
  // Kinds of GPU request running on a node, as (shape, jobs): shape 0 is a
  // shared GPU, k is k whole GPUs; CPU-only jobs are not counted. FGD's
  // GPU-clustering baseline groups jobs of one kind on a node.
  const std::vector<std::pair<int, int>>& shapes(int node) const { return shapes_[node]; }

  // GPUs of `node` that could take `job` now (first fit inside the node:
  // whole GPUs for gang jobs, the fullest GPU that fits for shared ones).
  std::optional<Placement> FitOnNode(const Job& job, int node) const;
  // The lowest-numbered node that can take `job` now. Indexed per type (a
  // segment tree of free capacity), so it costs O(types x log nodes) rather
  // than a scan.
  // `only_type`, if given, restricts the search to that accelerator type.
  std::optional<Placement> FirstFit(const Job& job, const std::string* only_type = nullptr) const;
  // Accelerator types present, in order of first appearance.
  std::vector<std::string> types() const;
  bool CouldEverFit(const Job& job) const;  // on an empty cluster

  void Allocate(const Job& job, const Placement& p);
  void Release(const Job& job, const Placement& p);

  int64_t total_milli() const { return total_milli_; }
  int64_t used_milli() const { return used_milli_; }

 private:
  std::vector<Node> nodes_;
  std::vector<std::vector<int>> free_milli_;
  std::vector<int> free_cpu_;
  std::vector<int> free_memory_;
  std::vector<std::vector<std::pair<int, int>>> shapes_;
  int64_t total_milli_ = 0;
  int64_t used_milli_ = 0;

  // Per accelerator type, over that type's nodes in id order: the most
  // whole free GPUs and the most free share on one GPU, as max-segment trees.
  struct TypeIndex {
    std::string type;
    std::vector<int> nodes;   // node ids
    std::vector<int> whole;   // tree over whole free GPUs
    std::vector<int> single;  // tree over the best single GPU's free milli
    int size = 1;
  };
  std::vector<TypeIndex> types_;
  std::vector<std::pair<int, int>> position_;  // node -> (type index, position)
  void Update(int node);
  void CountShape(const Job& job, int node, int delta);
  // First position >= `from` in `t` whose whole >= w and single >= s.
  int Find(const TypeIndex& t, int from, int w, int s) const;
};

}  // namespace suanli::sim

#endif  // SUANLI_SIM_CLUSTER_H_
