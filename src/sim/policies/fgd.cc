#include "sim/policies/fgd.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <memory>
#include <tuple>
#include <unordered_map>

#include "core/rng.h"
#include "sim/engine/cluster.h"
#include "sim/engine/policy.h"
#include "sim/policies/registry.h"

namespace suanli::sim {
namespace {

// The reference simulator normalizes by the largest node it knows.
constexpr double kMaxSpecCpuMilli = 128000;
constexpr double kMaxSpecGpuMilli = 8000;

// Per-GPU share as the reference sees it: 0 for a CPU-only job.
int PerGpuMilli(const Job& j) { return j.num_gpus == 0 ? 0 : std::min(j.gpu_milli, kMilliPerGpu); }

bool Allows(const std::vector<std::string>& allowed, const std::string& type) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), type) != allowed.end();
}

// CPU left on a node; a node that does not track CPU never runs short.
int CpuLeft(const ClusterState& c, int node) {
  return c.nodes()[node].cpu_milli > 0 ? c.free_cpu(node) : INT_MAX;
}

// Fragmentation against a fixed target, fast: pod types are grouped by
// their GPU request (share, count, allowed types); inside a group only the
// CPU request differs, so one prefix sum over CPU answers "which members fit
// the CPU left". A node's fragmentation is its free GPU share minus, per
// fitting group, the share its members could use.
class FragModel {
 public:
  FragModel(const std::vector<PodType>& target, const std::vector<Node>& nodes) {
    std::map<std::tuple<int, int, std::vector<std::string>>, std::vector<std::pair<int, double>>>
        by_request;
    for (const auto& t : target) {
      if (t.gpu_milli == 0) continue;  // CPU-only: all free GPU share is a fragment
      by_request[{t.gpu_milli, t.num_gpus, t.allowed_types}].emplace_back(t.cpu_milli, t.share);
    }
    for (auto& [key, members] : by_request) {
      std::sort(members.begin(), members.end());
      Group g;
      g.milli = std::get<0>(key);
      g.num = std::get<1>(key);
      g.allowed = std::get<2>(key);
      double cum = 0;
      for (const auto& [cpu, share] : members) {
        g.cpu.push_back(cpu);
        g.cum.push_back(cum += share);
      }
      groups_.push_back(std::move(g));
    }
    for (const auto& n : nodes) {
      auto it = std::find(types_.begin(), types_.end(), n.type);
      if (it == types_.end()) {
        types_.push_back(n.type);
        std::vector<int> fits;
        for (size_t g = 0; g < groups_.size(); ++g) {
          if (Allows(groups_[g].allowed, n.type)) fits.push_back(static_cast<int>(g));
        }
        accessible_.push_back(std::move(fits));
        it = types_.end() - 1;
      }
      node_type_.push_back(static_cast<int>(it - types_.begin()));
    }
  }

  // Fragmentation of `node` if it had `cpu_left` and `left` (any order).
  double Frag(int node, int cpu_left, const std::vector<int>& left) const {
    const int type = node_type_[node];
    // Memoized by (type, CPU left, sorted free shares): many nodes share a
    // state, and one placement changes only one node.
    std::vector<int>& sorted = scratch_;
    sorted.assign(left.begin(), left.end());
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    const bool memo = sorted.size() <= 8 && type < 4096 && cpu_left >= 0;
    Key key{};
    if (memo) {
      for (size_t i = 0; i < sorted.size(); ++i) {
        if (i < 6) {
          key.a |= static_cast<uint64_t>(sorted[i]) << (10 * i);
        } else {
          key.b |= static_cast<uint64_t>(sorted[i]) << (10 * (i - 6));
        }
      }
      key.a |= static_cast<uint64_t>(sorted.size()) << 60;
      key.b |= static_cast<uint64_t>(type) << 20 | static_cast<uint64_t>(cpu_left) << 32;
      if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    }
    double total = 0;
    for (int x : sorted) total += x;
    double frag = total;
    if (total > 0) {
      for (int g : accessible_[type]) {
        const Group& grp = groups_[g];
        int fitting = 0;
        double small = 0;
        for (int x : sorted) {
          if (x >= grp.milli) {
            ++fitting;
          } else {
            small += x;
          }
        }
        if (fitting < grp.num) continue;
        const auto k = std::upper_bound(grp.cpu.begin(), grp.cpu.end(), cpu_left) - grp.cpu.begin();
        if (k > 0) frag -= grp.cum[k - 1] * (total - small);
      }
    }
    if (memo) {
      if (memo_.size() > (1u << 22)) memo_.clear();
      memo_.emplace(key, frag);
    }
    return frag;
  }

  // The same for a node with a GPU index, as if `count` of its GPUs went
  // from `from` to `to` thousandths free: O(groups x log), not a sort of
  // the node's GPUs. Sums are of integers, exact in a double, so the result
  // equals Frag's to the bit.
  double FragIndexed(int node, int cpu_left, const GpuFreeIndex& index, int from, int to,
                     int count) const {
    const double total =
        static_cast<double>(index.total() + static_cast<int64_t>(count) * (to - from));
    double frag = total;
    if (total > 0) {
      for (int g : accessible_[node_type_[node]]) {
        const Group& grp = groups_[g];
        int64_t fitting = index.CountAtLeast(grp.milli);
        int64_t small = index.SumBelow(grp.milli);
        if (from >= grp.milli) {
          fitting -= count;
        } else {
          small -= static_cast<int64_t>(count) * from;
        }
        if (to >= grp.milli) {
          fitting += count;
        } else {
          small += static_cast<int64_t>(count) * to;
        }
        if (fitting < grp.num) continue;
        const auto k = std::upper_bound(grp.cpu.begin(), grp.cpu.end(), cpu_left) - grp.cpu.begin();
        if (k > 0) frag -= grp.cum[k - 1] * (total - static_cast<double>(small));
      }
    }
    return frag;
  }

 private:
  struct Group {
    int milli = 0, num = 0;
    std::vector<std::string> allowed;
    std::vector<int> cpu;     // ascending
    std::vector<double> cum;  // shares of members [0, i]
  };
  struct Key {
    uint64_t a = 0, b = 0;
    bool operator==(const Key& o) const { return a == o.a && b == o.b; }
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return k.a * 0x9E3779B97F4A7C15ULL ^ k.b; }
  };
  std::vector<Group> groups_;
  std::vector<std::string> types_;
  std::vector<std::vector<int>> accessible_;  // per node type: groups it may host
  std::vector<int> node_type_;
  mutable std::vector<int> scratch_;
  mutable std::unordered_map<Key, double, KeyHash> memo_;
};

// A node-scoring policy: FIFO with backfill like best-fit; every node that
// fits gets an integer score and the highest wins. Ties go to the node that
// comes first in a random order of the nodes drawn once per seed: the
// reference names nodes "<random rank>-<name>" and its scheduler picks the
// lexicographically smallest of the best (for reproducibility), which packs
// tied jobs onto the same few nodes instead of spreading them.
class ScoredPolicy : public Policy {
 public:
  explicit ScoredPolicy(uint64_t seed) : rng_(seed, 0x46474400) {}
  double Key(const JobView& j) const override { return j.job->arrival_s; }
  std::shared_ptr<const std::vector<int>> TieRank(int nodes) const override {
    if (!rank_ || static_cast<int>(rank_->size()) != nodes) {
      auto rank = std::make_shared<std::vector<int>>(nodes);
      for (int i = 0; i < nodes; ++i) (*rank)[i] = i;
      rng_.Shuffle(*rank);
      rank_ = std::move(rank);
    }
    return rank_;
  }
  std::optional<Placement> Place(const ClusterState& c, const Job& job) const override {
    const int nodes = static_cast<int>(c.nodes().size());
    const std::vector<int>& rank = *TieRank(nodes);
    std::optional<Placement> best;
    long best_score = LONG_MIN;
    auto consider = [&](int n) {
      auto p = c.FitOnNode(job, n);
      if (!p) return;
      const long s = Score(c, job, *p);
      if (s > best_score || (s == best_score && rank[n] < rank[best->node])) {
        best_score = s;
        best = std::move(p);
      }
    };
    // A score that depends only on the node's state is the same on identical
    // nodes: score the first of each group in the tie order.
    if (state_scored() && c.tie_rank() == &rank &&
        (!reads_running_kinds() || c.groups_by_kinds())) {
      c.ForEachGroup(consider);
    } else {
      for (int n = 0; n < nodes; ++n) consider(n);
    }
    return best;
  }

 protected:
  // Score of `job` on p.node; may change p.gpus (the GPUs it would take).
  virtual long Score(const ClusterState& c, const Job& job, Placement& p) const = 0;
  // True when Score depends only on what ClusterState's groups compare
  // (spec, free CPU, memory and GPU shares, and the kinds of jobs running
  // when reads_running_kinds()) and draws no random numbers.
  virtual bool state_scored() const { return true; }
  int Below(int n) const { return static_cast<int>(rng_.Below(static_cast<size_t>(n))); }

 private:
  mutable Rng rng_;
  mutable std::shared_ptr<std::vector<int>> rank_;  // node -> place in the tie-break order
};

class Fgd : public ScoredPolicy {
 public:
  Fgd(const std::vector<PodType>& target, const std::vector<Node>& nodes, uint64_t seed)
      : ScoredPolicy(seed), model_(target, nodes) {}
  std::string_view name() const override { return "fgd"; }

 protected:
  long Score(const ClusterState& c, const Job& job, Placement& p) const override {
    const int n = p.node;
    if (const GpuFreeIndex* index = c.gpu_index(n)) return ScoreIndexed(c, job, p, *index);
    const auto& free = c.free_milli(n);
    const int cpu = CpuLeft(c, n);
    const double before = model_.Frag(n, cpu, free);
    const int cpu_after = cpu == INT_MAX ? cpu : cpu - job.cpu_milli;
    after_.assign(free.begin(), free.end());
    const int milli = PerGpuMilli(job);
    if (job.num_gpus == 1 && milli < kMilliPerGpu) {
      // A shared GPU: the one whose use lowers fragmentation most (the first
      // of equals); GPUs with the same free share score the same.
      long best = LONG_MIN;
      int pick = -1;
      for (int g = 0; g < static_cast<int>(free.size()); ++g) {
        if (free[g] < milli) continue;
        bool seen = false;
        for (int h = 0; h < g && !seen; ++h) seen = free[h] == free[g];
        if (seen) continue;
        after_[g] -= milli;
        const long s = FgdScore(before, model_.Frag(n, cpu_after, after_));
        after_[g] += milli;
        if (s > best) {
          best = s;
          pick = g;
        }
      }
      p.gpus = {pick};
      return best;
    }
    for (int g : p.gpus) after_[g] -= milli;  // whole GPUs, lowest-numbered first
    return FgdScore(before, model_.Frag(n, cpu_after, after_));
  }

 private:
  // Score for a large node, the same decisions: per distinct free share
  // instead of per GPU.
  long ScoreIndexed(const ClusterState& c, const Job& job, Placement& p,
                    const GpuFreeIndex& index) const {
    const int n = p.node;
    const int cpu = CpuLeft(c, n);
    const double before = model_.FragIndexed(n, cpu, index, 0, 0, 0);
    const int cpu_after = cpu == INT_MAX ? cpu : cpu - job.cpu_milli;
    const int milli = PerGpuMilli(job);
    if (job.num_gpus == 1 && milli < kMilliPerGpu) {
      // Equal scores go to the GPU that comes first, as in the scan.
      const auto& by_free = index.by_free();
      long best = LONG_MIN;
      int pick = -1;
      for (auto it = by_free.lower_bound({milli, -1}); it != by_free.end();
           it = by_free.lower_bound({it->first + 1, -1})) {
        const long s = FgdScore(
            before, model_.FragIndexed(n, cpu_after, index, it->first, it->first - milli, 1));
        if (s > best || (s == best && it->second < pick)) {
          best = s;
          pick = it->second;
        }
      }
      p.gpus = {pick};
      return best;
    }
    return FgdScore(before,
                    model_.FragIndexed(n, cpu_after, index, kMilliPerGpu, kMilliPerGpu - milli,
                                       static_cast<int>(p.gpus.size())));
  }

  FragModel model_;
  mutable std::vector<int> after_;
};

// Free CPU and GPU share on a node (thousandths), for the BestFit and
// DotProduct scores; an untracked CPU counts as none free, as before.
struct FreeMilli {
  double cpu, gpu;
};
FreeMilli FreeOn(const ClusterState& c, int node) {
  return {c.nodes()[node].cpu_milli > 0 ? static_cast<double>(c.free_cpu(node)) : 0.0,
          static_cast<double>(c.free_total(node))};
}

// FGD's BestFitScore: the least CPU and GPU left after placement, each
// normalized by the largest node spec and weighted equally.
class FgdBestFit : public ScoredPolicy {
 public:
  using ScoredPolicy::ScoredPolicy;
  std::string_view name() const override { return "fgd-best-fit"; }

 protected:
  long Score(const ClusterState& c, const Job& job, Placement& p) const override {
    const FreeMilli free = FreeOn(c, p.node);
    const double left = 0.5 * (free.cpu - job.cpu_milli) / kMaxSpecCpuMilli +
                        0.5 * (free.gpu - static_cast<double>(job.GpuMilli())) / kMaxSpecGpuMilli;
    return static_cast<long>((1.0 - left) * 100);
  }
};

// Tetris-style dot product of free and requested (CPU, GPU), normalized by
// the largest node spec; the reference scores 1 - dot / 2, so the node whose
// free resources align least with the request wins.
class DotProduct : public ScoredPolicy {
 public:
  using ScoredPolicy::ScoredPolicy;
  std::string_view name() const override { return "dot-product"; }

 protected:
  long Score(const ClusterState& c, const Job& job, Placement& p) const override {
    const FreeMilli free = FreeOn(c, p.node);
    const double dot =
        free.cpu / kMaxSpecCpuMilli * job.cpu_milli / kMaxSpecCpuMilli +
        free.gpu / kMaxSpecGpuMilli * static_cast<double>(job.GpuMilli()) / kMaxSpecGpuMilli;
    return static_cast<long>(100.0 * (1 - dot / 2));
  }
};

// Prefer, in order: partly used GPUs (the fuller the better), whole free
// GPUs on a partly used node (the fewer the better), then idle nodes.
class GpuPacking : public ScoredPolicy {
 public:
  using ScoredPolicy::ScoredPolicy;
  std::string_view name() const override { return "gpu-packing"; }

 protected:
  long Score(const ClusterState& c, const Job& job, Placement& p) const override {
    const int milli = PerGpuMilli(job);
    if (milli == 0) return 0;
    const auto& free = c.free_milli(p.node);
    const int gpus = static_cast<int>(free.size());
    const int idle = c.whole_free(p.node);
    if (idle == gpus) return std::max(100 / 3 - idle, idle);
    int need = job.num_gpus, idle_used = 0;
    long shared_free_pct = 0;
    auto take = [&](int milli_free) {
      --need;
      idle_used += milli_free == kMilliPerGpu;
      shared_free_pct += milli_free * 100 / kMilliPerGpu;
    };
    if (const GpuFreeIndex* index = c.gpu_index(p.node)) {
      // The index holds the GPUs in the order the sort below makes.
      for (auto it = index->by_free().lower_bound({milli, -1});
           need > 0 && it != index->by_free().end(); ++it) {
        take(it->first);
      }
      return PackingScore(idle_used, shared_free_pct);
    }
    std::vector<int> order(gpus);
    for (int g = 0; g < gpus; ++g) order[g] = g;
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return free[a] < free[b]; });
    for (int g : order) {
      if (need == 0) break;
      if (free[g] < milli) continue;
      take(free[g]);
    }
    return PackingScore(idle_used, shared_free_pct);
  }

 private:
  static long PackingScore(int idle_used, long shared_free_pct) {
    if (idle_used > 0) return std::max(100 / 2 - idle_used, 100 / 3);
    return std::max(100 - shared_free_pct / 10, 100L / 2);
  }
};

// Keep jobs of one kind (shared GPU, k whole GPUs) together: nodes running
// only that kind first, then mixed nodes with it, idle nodes, other nodes;
// fuller nodes first within each band.
class GpuClustering : public ScoredPolicy {
 public:
  using ScoredPolicy::ScoredPolicy;
  std::string_view name() const override { return "gpu-clustering"; }

 protected:
  long Score(const ClusterState& c, const Job& job, Placement& p) const override {
    if (job.num_gpus == 0) return 0;
    const int shape = job.num_gpus == 1 && job.gpu_milli < kMilliPerGpu ? 0 : job.num_gpus;
    const auto& shapes = c.shapes(p.node);
    const long fill = 100 / 4 * (static_cast<long>(kMaxSpecGpuMilli) - c.free_total(p.node)) /
                      static_cast<long>(kMaxSpecGpuMilli);
    const bool has =
        std::any_of(shapes.begin(), shapes.end(), [&](const auto& s) { return s.first == shape; });
    if (has) return fill + (shapes.size() == 1 ? 75 : 50);
    return fill + (shapes.empty() ? 25 : 0);
  }
  // Its score reads the kinds of jobs running, and the free share: the same
  // on every node of a group when groups also compare the kinds.
  bool reads_running_kinds() const override { return true; }
};

// Any node that fits, uniformly; a shared job takes any GPU that fits, uniformly. The reference
// draws one node among those that fit. Nodes in one of ClusterState's groups are in the same state
// (spec, free CPU, memory and GPU shares), so drawing a group with a chance proportional to its
// size and taking its first node (in the seeded tie order) gives the cluster the same next state,
// with the same chance, as drawing among all nodes: one draw per placement and a look at one node
// per group, not a draw per node.
class RandomFit : public ScoredPolicy {
 public:
  using ScoredPolicy::ScoredPolicy;
  std::string_view name() const override { return "random"; }

  std::optional<Placement> Place(const ClusterState& c, const Job& job) const override {
    const std::vector<int>& rank = *TieRank(static_cast<int>(c.nodes().size()));
    if (c.tie_rank() != &rank) return ScoredPolicy::Place(c, job);  // groups in another order
    std::vector<std::pair<Placement, int>> fits;  // per group that fits: placement, nodes
    int nodes = 0;
    c.ForEachGroupSized([&](int n, int size) {
      if (auto p = c.FitOnNode(job, n)) {
        fits.emplace_back(std::move(*p), size);
        nodes += size;
      }
    });
    if (fits.empty()) return std::nullopt;  // a failing call draws nothing (policy.h)
    int k = Below(nodes);
    size_t g = 0;
    while (k >= fits[g].second) k -= fits[g++].second;
    Placement p = std::move(fits[g].first);
    ChooseGpu(c, job, p);
    return p;
  }

 protected:
  long Score(const ClusterState& c, const Job& job, Placement& p) const override {
    ChooseGpu(c, job, p);
    return static_cast<long>(Below(1 << 30));
  }
  bool state_scored() const override { return false; }  // Score draws

 private:
  // A shared job: one of the node's GPUs with room, uniformly.
  void ChooseGpu(const ClusterState& c, const Job& job, Placement& p) const {
    if (job.num_gpus != 1 || job.gpu_milli >= kMilliPerGpu) return;
    if (const GpuFreeIndex* index = c.gpu_index(p.node)) {
      // A large node (a pool of 100,000 GPUs) is not scanned: the same draw picks the k-th GPU
      // with room by free share, not by number, and GPUs with the same free share are alike, so
      // each next state of the node has the chance it had; of those, the lowest-numbered.
      const int k = Below(index->CountAtLeast(job.gpu_milli));
      const int share = index->NthShareAtLeast(job.gpu_milli, k);
      p.gpus = {index->by_free().lower_bound({share, -1})->second};
      return;
    }
    const auto& free = c.free_milli(p.node);
    int room = 0;
    for (int f : free) room += f >= job.gpu_milli;
    int k = Below(room);
    for (int g = 0; g < static_cast<int>(free.size()); ++g) {
      if (free[g] >= job.gpu_milli && k-- == 0) {
        p.gpus = {g};
        return;
      }
    }
  }
};

// The reference's tie order for equally popular shapes: the larger request
// first (it sorts ascending by (CPU, GPU share, GPUs, types) and reverses).
bool MorePopular(const std::pair<std::tuple<int, int, int, std::string>, long>& a,
                 const std::pair<std::tuple<int, int, int, std::string>, long>& b) {
  if (a.second != b.second) return a.second > b.second;
  return a.first > b.first;
}

}  // namespace

Result<std::vector<PodType>> TargetWorkload(const std::vector<Job>& jobs, double coverage) {
  return TargetWorkload(
      [&jobs](const std::function<void(const Job&)>& visit) -> Result<void> {
        for (const auto& j : jobs) visit(j);
        return {};
      },
      coverage);
}

Result<std::vector<PodType>> TargetWorkload(const JobVisitor& for_each_job, double coverage) {
  std::map<std::tuple<int, int, int, std::string>, long> counts;
  long gpu_jobs = 0, jobs = 0;
  auto visited = for_each_job([&](const Job& j) {
    std::string types;
    for (const auto& t : j.allowed_types) types += (types.empty() ? "" : "|") + t;
    ++counts[{j.cpu_milli, PerGpuMilli(j), j.num_gpus, types}];
    gpu_jobs += j.num_gpus > 0;
    ++jobs;
  });
  if (!visited) return tl::unexpected(visited.error());
  if (gpu_jobs == 0) {
    return MakeError(
        "the workload has no GPU jobs, so FGD has no target workload to measure "
        "fragmentation against");
  }
  std::vector<std::pair<std::tuple<int, int, int, std::string>, long>> sorted(counts.begin(),
                                                                              counts.end());
  std::sort(sorted.begin(), sorted.end(), MorePopular);
  const double total = static_cast<double>(jobs);
  double covered = 0;
  std::vector<PodType> out;
  for (const auto& [key, count] : sorted) {
    if (covered >= coverage * total) break;
    covered += static_cast<double>(count);
    PodType t;
    std::tie(t.cpu_milli, t.gpu_milli, t.num_gpus, std::ignore) = key;
    if (!std::get<3>(key).empty()) {
      std::string rest = std::get<3>(key);
      for (size_t at; (at = rest.find('|')) != std::string::npos; rest.erase(0, at + 1))
        t.allowed_types.push_back(rest.substr(0, at));
      t.allowed_types.push_back(rest);
    }
    t.share = static_cast<double>(count);
    out.push_back(std::move(t));
  }
  for (auto& t : out) t.share /= covered;
  return out;
}

double NodeFragmentation(const NodeView& node, const std::vector<PodType>& target) {
  // Straight from the definition, one type at a time; the policy uses the
  // grouped FragModel, which the tests check against this.
  double total = 0;
  for (int x : node.gpu_left) total += x;
  double frag = 0;
  for (const auto& t : target) {
    if (t.gpu_milli == 0 || !Allows(t.allowed_types, node.type)) {
      frag += t.share * total;
      continue;
    }
    int fitting = 0;
    double small = 0;
    for (int x : node.gpu_left) {
      if (x >= t.gpu_milli) {
        ++fitting;
      } else {
        small += x;
      }
    }
    const bool fits = fitting >= t.num_gpus && node.cpu_left >= t.cpu_milli;
    frag += t.share * (fits ? small : total);
  }
  return frag;
}

int FgdScore(double frag_before, double frag_after) {
  const double x = (frag_before - frag_after) / kMilliPerGpu;
  return static_cast<int>(1.0 / (1.0 + std::exp(-x)) * 100);
}

namespace {

template <typename P>
PolicyFactory Scored() {
  return [](const PolicyContext& context) -> Result<std::unique_ptr<Policy>> {
    return std::unique_ptr<Policy>(new P(context.seed));
  };
}

}  // namespace

void RegisterFragmentationPolicies(PolicyRegistry& registry) {
  registry.Add("fgd", {}, [](const PolicyContext& context) -> Result<std::unique_ptr<Policy>> {
    if (!context.workload) {
      return MakeError("policy 'fgd' needs the workload: its pod shapes are the target workload");
    }
    auto target = context.for_each_job ? TargetWorkload(context.for_each_job)
                                       : TargetWorkload(context.workload->jobs);
    if (!target) return tl::unexpected(target.error());
    return std::unique_ptr<Policy>(new Fgd(*target, context.workload->nodes, context.seed));
  });
  registry.Add("fgd-best-fit", {}, Scored<FgdBestFit>());
  registry.Add("dot-product", {}, Scored<DotProduct>());
  registry.Add("gpu-packing", {}, Scored<GpuPacking>());
  registry.Add("gpu-clustering", {}, Scored<GpuClustering>());
  registry.Add("random", {}, Scored<RandomFit>());
}

}  // namespace suanli::sim
