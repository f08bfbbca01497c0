// Cluster state during a replay: free GPU share per GPU (thousandths), CPU
// and memory per node.
#ifndef SUANLI_SIM_ENGINE_CLUSTER_H_
#define SUANLI_SIM_ENGINE_CLUSTER_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/workload.h"

namespace suanli::sim {

struct Placement {
  int node = -1;
  std::vector<int> gpus;  // GPU indices on the node
};

// The GPUs of a large node ordered by free share, with counts and sums by
// share, so that placing on a node of 100,000 GPUs costs O(log GPUs), not a
// scan. Small nodes are scanned: it is as fast and needs no memory.
class GpuFreeIndex {
 public:
  explicit GpuFreeIndex(int gpus);
  void Set(int gpu, int from_milli, int to_milli);
  // (free thousandths, GPU), ascending: the first entry at or above a share
  // is the fullest GPU that fits it, lowest-numbered among equals.
  const std::set<std::pair<int, int>>& by_free() const { return by_free_; }
  int CountAtLeast(int milli) const;  // GPUs with at least `milli` free
  // The free share of the k-th GPU (from 0), by free share ascending, among
  // those with at least `milli` free (k < CountAtLeast(milli)): O(log 1000).
  int NthShareAtLeast(int milli, int k) const;
  int64_t SumBelow(int milli) const;  // free thousandths on GPUs with less
  int64_t total() const { return SumBelow(kMilliPerGpu + 1); }

 private:
  std::set<std::pair<int, int>> by_free_;
  // Fenwick trees over free thousandths 0..1000 (shifted by one).
  std::array<int, kMilliPerGpu + 2> count_{};
  std::array<int64_t, kMilliPerGpu + 2> sum_{};
  int gpus_ = 0;
  void Add(int milli, int count);
  template <typename T>
  static T Prefix(const std::array<T, kMilliPerGpu + 2>& tree, int end);
};

class ClusterState {
 public:
  // Nodes with more GPUs than this get a GpuFreeIndex.
  static constexpr int kIndexedGpus = 16;

  // `tie_rank`, if given, is a permutation of node ids: inside a group of
  // identical nodes (groups()), the lowest rank comes first. Default: node id.
  // `group_by_kinds`: nodes in one group also run the same kinds of GPU
  // request (shapes(), as a set), for a policy whose score reads them.
  explicit ClusterState(std::vector<Node> nodes,
                        std::shared_ptr<const std::vector<int>> tie_rank = nullptr,
                        bool group_by_kinds = false);

  const std::vector<Node>& nodes() const { return nodes_; }
  // Free thousandths of each GPU of a node.
  const std::vector<int>& free_milli(int node) const { return free_milli_[node]; }
  int free_cpu(int node) const { return free_cpu_[node]; }
  int free_memory(int node) const { return free_memory_[node]; }
  // Kinds of GPU request running on a node, as (shape, jobs): shape 0 is a
  // shared GPU, k is k whole GPUs; CPU-only jobs are not counted. FGD's
  // GPU-clustering baseline groups jobs of one kind on a node.
  const std::vector<std::pair<int, int>>& shapes(int node) const { return shapes_[node]; }
  // Sum of free thousandths over the node's GPUs.
  int64_t free_total(int node) const { return free_total_[node]; }
  int whole_free(int node) const { return whole_free_[node]; }  // GPUs entirely free
  // The node's index, or nullptr for a node of at most kIndexedGpus GPUs.
  const GpuFreeIndex* gpu_index(int node) const { return gpu_index_[node].get(); }

  // Nodes in the same state (same type, GPUs, CPU and memory, same free CPU
  // and memory, same free shares up to the order of the GPUs; with
  // group_by_kinds, the same kinds of request running) fit every job alike
  // and score alike under any policy that looks only at that state, so such
  // a policy scores one node per group. Calls f(node) once per group
  // with its first node by tie rank; the order of the groups is arbitrary.
  template <typename F>
  void ForEachGroup(F&& f) const {
    for (int g : live_groups_) f(groups_[g].members.begin()->second);
  }
  // The same, with the group's size: f(first node by tie rank, nodes in it).
  template <typename F>
  void ForEachGroupSized(F&& f) const {
    for (int g : live_groups_) {
      f(groups_[g].members.begin()->second, static_cast<int>(groups_[g].members.size()));
    }
  }
  size_t group_count() const { return live_groups_.size(); }
  // The tie order given at construction (nullptr: node id).
  const std::vector<int>* tie_rank() const { return tie_rank_.get(); }
  int TieRank(int node) const { return tie_rank_ ? (*tie_rank_)[node] : node; }
  bool groups_by_kinds() const { return group_by_kinds_; }

  // GPUs of `node` that could take `job` now (first fit inside the node:
  // whole GPUs for gang jobs, the fullest GPU that fits for shared ones).
  std::optional<Placement> FitOnNode(const Job& job, int node) const;
  // The same, as if the jobs in `released` (running on `node`) had ended.
  std::optional<Placement> FitOnNodeAfter(
      const Job& job, int node,
      const std::vector<std::pair<const Job*, const Placement*>>& released) const;
  // Whether `job` fits on `node` as running jobs there leave one at a time (preemption):
  // Fits() agrees with FitOnNodeAfter for the jobs released so far, at O(GPUs of a released
  // job) a step instead of a copy of the node. Valid while the cluster does not change.
  class RoomAfterRelease {
   public:
    void Reset(const ClusterState& c, const Job& job, int node);
    void Release(const Job& j, const Placement& p);
    bool Fits() const;

   private:
    const ClusterState* c_ = nullptr;
    const Job* job_ = nullptr;
    int node_ = -1;
    int cpu_ = 0, memory_ = 0;  // free, with what was released
    int whole_ = 0;             // GPUs entirely free
    int best_ = 0;              // the most free share on one GPU
    std::vector<int> added_;    // per GPU of the node: thousandths released
    std::vector<int> touched_;  // GPUs with something added
  };
  // The lowest-numbered node that can take `job` now. Indexed per type (a
  // segment tree of free capacity), so it costs O(types x log nodes) rather
  // than a scan.
  // `only_type`, if given, restricts the search to that accelerator type.
  std::optional<Placement> FirstFit(const Job& job, const std::string* only_type = nullptr) const;
  // Accelerator types present, in order of first appearance.
  std::vector<std::string> types() const;
  bool CouldEverFit(const Job& job) const;  // on an empty cluster
  // Why a job that could never fit does not: what it asks more of than every node of a type it
  // may run on has, e.g. "asks 120 CPUs and 720 GiB of memory; a G2 node has at most 96 CPUs and
  // 384 GiB" (or that no node has all it asks at once, or that no node is of its types).
  std::string WhyNeverFits(const Job& job) const;

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
  std::vector<int64_t> free_total_;
  std::vector<int> whole_free_;  // GPUs entirely free, per node
  std::vector<std::unique_ptr<GpuFreeIndex>> gpu_index_;
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
  // Groups of identical nodes, keyed by spec, free CPU and memory and sorted
  // free shares (a large node is a group of its own).
  struct KeyHash {
    size_t operator()(const std::vector<int>& k) const;
  };
  struct Group {
    std::vector<int> key;
    std::set<std::pair<int, int>> members;  // (tie rank, node)
  };
  std::shared_ptr<const std::vector<int>> tie_rank_;
  bool group_by_kinds_ = false;
  std::vector<int> spec_;  // node -> index of its (type, GPUs, CPU, memory)
  std::unordered_map<std::vector<int>, int, KeyHash> group_of_key_;
  std::vector<Group> groups_;
  std::vector<int> free_groups_;  // ids of empty groups, for reuse
  std::vector<int> live_groups_;  // ids of non-empty groups
  std::vector<int> live_pos_;     // group -> position in live_groups_
  std::vector<int> group_;        // node -> group
  std::vector<int> GroupKey(int node) const;
  void Regroup(int node);
  void SetFree(int node, int gpu, int milli);

  void Update(int node);
  int BestSingleFree(int node) const;  // the most free share on one GPU
  void CountShape(const Job& job, int node, int delta);
  // First position >= `from` in `t` whose whole >= w and single >= s.
  int Find(const TypeIndex& t, int from, int w, int s) const;
};

}  // namespace suanli::sim

#endif  // SUANLI_SIM_ENGINE_CLUSTER_H_
