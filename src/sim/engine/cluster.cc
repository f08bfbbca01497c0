#include "sim/engine/cluster.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

namespace suanli::sim {

double Job::DurationOn(const std::string& type) const {
  if (!AllowsType(type)) return -1;
  auto it = duration_s.find(type);
  if (it != duration_s.end()) return it->second;
  it = duration_s.find("*");
  return it != duration_s.end() ? it->second : -1;
}

bool Job::AllowsType(const std::string& type) const {
  return allowed_types.empty() ||
         std::find(allowed_types.begin(), allowed_types.end(), type) != allowed_types.end();
}

std::vector<std::pair<std::string, long>> GpusPerType(const std::vector<Node>& nodes) {
  std::vector<std::pair<std::string, long>> types;
  for (const auto& n : nodes) {
    auto it =
        std::find_if(types.begin(), types.end(), [&](const auto& t) { return t.first == n.type; });
    if (it == types.end()) {
      types.emplace_back(n.type, n.gpus);
    } else {
      it->second += n.gpus;
    }
  }
  return types;
}

GpuFreeIndex::GpuFreeIndex(int gpus) : gpus_(gpus) {
  for (int g = 0; g < gpus; ++g) by_free_.emplace_hint(by_free_.end(), kMilliPerGpu, g);
  Add(kMilliPerGpu, gpus);
}

void GpuFreeIndex::Add(int milli, int count) {
  for (int i = milli + 1; i < static_cast<int>(count_.size()); i += i & -i) {
    count_[i] += count;
    sum_[i] += static_cast<int64_t>(count) * milli;
  }
}

template <typename T>
T GpuFreeIndex::Prefix(const std::array<T, kMilliPerGpu + 2>& tree, int end) {
  T s = 0;
  for (int i = std::min(end, kMilliPerGpu + 1); i > 0; i -= i & -i) s += tree[i];
  return s;
}

void GpuFreeIndex::Set(int gpu, int from_milli, int to_milli) {
  by_free_.erase({from_milli, gpu});
  by_free_.emplace(to_milli, gpu);
  Add(from_milli, -1);
  Add(to_milli, 1);
}

int GpuFreeIndex::CountAtLeast(int milli) const {
  return gpus_ - Prefix(count_, std::max(0, milli));
}

int GpuFreeIndex::NthShareAtLeast(int milli, int k) const {
  // Rank among all GPUs by free share; then the Fenwick descent to the largest prefix not past it.
  int rest = Prefix(count_, std::max(0, milli)) + k;
  int pos = 0;
  for (int step = 512; step > 0; step >>= 1) {
    if (pos + step <= kMilliPerGpu + 1 && count_[pos + step] <= rest) {
      pos += step;
      rest -= count_[pos];
    }
  }
  return pos;  // GPUs with less than `pos` free: at most the rank; with `pos`: past it
}

int64_t GpuFreeIndex::SumBelow(int milli) const { return Prefix(sum_, std::max(0, milli)); }

size_t ClusterState::KeyHash::operator()(const std::vector<int>& k) const {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (int x : k) h = (h ^ static_cast<uint32_t>(x)) * 0x100000001b3ULL;
  return static_cast<size_t>(h);
}

ClusterState::ClusterState(std::vector<Node> nodes,
                           std::shared_ptr<const std::vector<int>> tie_rank, bool group_by_kinds)
    : nodes_(std::move(nodes)), tie_rank_(std::move(tie_rank)), group_by_kinds_(group_by_kinds) {
  position_.resize(nodes_.size());
  shapes_.resize(nodes_.size());
  std::vector<std::tuple<std::string, int, int, int>> specs;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const auto& n = nodes_[i];
    free_milli_.emplace_back(n.gpus, kMilliPerGpu);
    free_cpu_.push_back(n.cpu_milli);
    free_memory_.push_back(n.memory_mib);
    free_total_.push_back(static_cast<int64_t>(n.gpus) * kMilliPerGpu);
    whole_free_.push_back(n.gpus);
    gpu_index_.push_back(n.gpus > kIndexedGpus ? std::make_unique<GpuFreeIndex>(n.gpus) : nullptr);
    total_milli_ += static_cast<int64_t>(n.gpus) * kMilliPerGpu;
    const std::tuple<std::string, int, int, int> spec{n.type, n.gpus, n.cpu_milli, n.memory_mib};
    auto sp = std::find(specs.begin(), specs.end(), spec);
    if (sp == specs.end()) sp = specs.insert(specs.end(), spec);
    spec_.push_back(static_cast<int>(sp - specs.begin()));
    auto it = std::find_if(types_.begin(), types_.end(),
                           [&](const TypeIndex& t) { return t.type == n.type; });
    if (it == types_.end()) {
      types_.push_back({n.type, {}, {}, {}, 1});
      it = types_.end() - 1;
    }
    position_[i] = {static_cast<int>(it - types_.begin()), static_cast<int>(it->nodes.size())};
    it->nodes.push_back(static_cast<int>(i));
  }
  for (auto& t : types_) {
    while (t.size < static_cast<int>(t.nodes.size())) t.size *= 2;
    t.whole.assign(2 * t.size, -1);
    t.single.assign(2 * t.size, -1);
  }
  group_.assign(nodes_.size(), -1);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Update(static_cast<int>(i));
    Regroup(static_cast<int>(i));
  }
}

std::vector<int> ClusterState::GroupKey(int node) const {
  if (gpu_index_[node]) return {-1 - node};
  std::vector<int> key = {spec_[node], free_cpu_[node], free_memory_[node]};
  const auto& free = free_milli_[node];
  key.insert(key.end(), free.begin(), free.end());
  std::sort(key.begin() + 3, key.end());
  if (group_by_kinds_) {  // the spec fixes the number of shares: the kinds follow them
    const size_t kinds = key.size();
    for (const auto& [shape, jobs] : shapes_[node]) key.push_back(shape);
    std::sort(key.begin() + static_cast<long>(kinds), key.end());
  }
  return key;
}

void ClusterState::Regroup(int node) {
  std::vector<int> key = GroupKey(node);
  const int old = group_[node];
  if (old >= 0) {
    if (groups_[old].key == key) return;
    groups_[old].members.erase({TieRank(node), node});
    if (groups_[old].members.empty()) {
      group_of_key_.erase(groups_[old].key);
      const int at = live_pos_[old];
      live_groups_[at] = live_groups_.back();
      live_pos_[live_groups_[at]] = at;
      live_groups_.pop_back();
      free_groups_.push_back(old);
    }
  }
  auto [it, inserted] = group_of_key_.try_emplace(key, -1);
  if (inserted) {
    if (free_groups_.empty()) {
      it->second = static_cast<int>(groups_.size());
      groups_.emplace_back();
      live_pos_.push_back(0);
    } else {
      it->second = free_groups_.back();
      free_groups_.pop_back();
    }
    groups_[it->second].key = std::move(key);
    live_pos_[it->second] = static_cast<int>(live_groups_.size());
    live_groups_.push_back(it->second);
  }
  groups_[it->second].members.emplace(TieRank(node), node);
  group_[node] = it->second;
}

void ClusterState::SetFree(int node, int gpu, int milli) {
  int& free = free_milli_[node][gpu];
  if (free == milli) return;
  if (gpu_index_[node]) gpu_index_[node]->Set(gpu, free, milli);
  whole_free_[node] += (milli == kMilliPerGpu) - (free == kMilliPerGpu);
  free_total_[node] += milli - free;
  free = milli;
}

int ClusterState::BestSingleFree(int node) const {
  int single = 0;
  if (const auto* index = gpu_index_[node].get()) {
    if (!index->by_free().empty()) single = index->by_free().rbegin()->first;
  } else {
    for (int m : free_milli_[node]) single = std::max(single, m);
  }
  return single;
}

void ClusterState::Update(int node) {
  auto& t = types_[position_[node].first];
  const int single = BestSingleFree(node);
  int i = position_[node].second + t.size;
  t.whole[i] = whole_free_[node];
  t.single[i] = single;
  for (i /= 2; i >= 1; i /= 2) {
    t.whole[i] = std::max(t.whole[2 * i], t.whole[2 * i + 1]);
    t.single[i] = std::max(t.single[2 * i], t.single[2 * i + 1]);
  }
}

int ClusterState::Find(const TypeIndex& t, int from, int w, int s) const {
  // Descend from the root, skipping subtrees that end before `from` or lack
  // capacity; the leftmost qualifying leaf wins.
  struct Frame {
    int node, lo, hi;
  };
  std::vector<Frame> stack = {{1, 0, t.size}};
  while (!stack.empty()) {
    const Frame f = stack.back();
    stack.pop_back();
    if (f.hi <= from || t.whole[f.node] < w || t.single[f.node] < s) continue;
    if (f.hi - f.lo == 1) return f.lo;
    const int mid = (f.lo + f.hi) / 2;
    stack.push_back({2 * f.node + 1, mid, f.hi});
    stack.push_back({2 * f.node, f.lo, mid});
  }
  return -1;
}

std::vector<std::string> ClusterState::types() const {
  std::vector<std::string> out;
  for (const auto& t : types_) out.push_back(t.type);
  return out;
}

std::optional<Placement> ClusterState::FirstFit(const Job& job,
                                                const std::string* only_type) const {
  const bool shared = job.num_gpus == 1 && job.gpu_milli < kMilliPerGpu;
  const int w = shared || job.num_gpus == 0 ? 0 : job.num_gpus;
  const int s = shared ? job.gpu_milli : 0;
  std::optional<Placement> best;
  for (const auto& t : types_) {
    if (job.DurationOn(t.type) < 0 || (only_type && t.type != *only_type)) continue;
    // CPU or memory can still refuse a node the index offers: move past it.
    for (int pos = Find(t, 0, w, s); pos >= 0; pos = Find(t, pos + 1, w, s)) {
      const int node = t.nodes[pos];
      if (best && best->node < node) break;
      if (auto p = FitOnNode(job, node)) {
        best = p;
        break;
      }
    }
  }
  return best;
}

namespace {

// The node's type suits `job`, and its free CPU and memory (where tracked) hold it.
bool FitsBesidesGpus(const Job& job, const Node& n, int free_cpu, int free_memory) {
  return job.DurationOn(n.type) >= 0 && (n.cpu_milli <= 0 || job.cpu_milli <= free_cpu) &&
         (n.memory_mib <= 0 || job.memory_mib <= free_memory);
}

// Where `job` goes on a node with these free resources (the definition; a
// large node's index gives the same answer).
std::optional<Placement> FitOnFree(const Job& job, const Node& n, int node, int free_cpu,
                                   int free_memory, const std::vector<int>& free) {
  if (!FitsBesidesGpus(job, n, free_cpu, free_memory)) return std::nullopt;
  Placement p;
  p.node = node;
  if (job.num_gpus == 0) return p;
  if (job.gpu_milli < kMilliPerGpu) {
    // Shared GPU: the fullest one that still fits leaves whole GPUs whole.
    int best = -1;
    for (int g = 0; g < n.gpus; ++g) {
      if (free[g] >= job.gpu_milli && (best < 0 || free[g] < free[best])) best = g;
    }
    if (best < 0) return std::nullopt;
    p.gpus.push_back(best);
    return p;
  }
  for (int g = 0; g < n.gpus && static_cast<int>(p.gpus.size()) < job.num_gpus; ++g) {
    if (free[g] == kMilliPerGpu) p.gpus.push_back(g);
  }
  if (static_cast<int>(p.gpus.size()) < job.num_gpus) return std::nullopt;
  return p;
}

}  // namespace

std::optional<Placement> ClusterState::FitOnNode(const Job& job, int node) const {
  const GpuFreeIndex* index = gpu_index_[node].get();
  if (!index) {
    return FitOnFree(job, nodes_[node], node, free_cpu_[node], free_memory_[node],
                     free_milli_[node]);
  }
  const Node& n = nodes_[node];
  if (!FitsBesidesGpus(job, n, free_cpu_[node], free_memory_[node])) return std::nullopt;
  Placement p;
  p.node = node;
  if (job.num_gpus == 0) return p;
  const auto& by_free = index->by_free();
  if (job.gpu_milli < kMilliPerGpu) {
    auto it = by_free.lower_bound({job.gpu_milli, -1});
    if (it == by_free.end()) return std::nullopt;
    p.gpus.push_back(it->second);
    return p;
  }
  if (whole_free_[node] < job.num_gpus) return std::nullopt;
  // Entirely free GPUs sort last, by GPU number: the lowest-numbered first.
  for (auto it = by_free.lower_bound({kMilliPerGpu, -1});
       static_cast<int>(p.gpus.size()) < job.num_gpus; ++it) {
    p.gpus.push_back(it->second);
  }
  return p;
}

std::optional<Placement> ClusterState::FitOnNodeAfter(
    const Job& job, int node,
    const std::vector<std::pair<const Job*, const Placement*>>& released) const {
  std::vector<int> free = free_milli_[node];
  int cpu = free_cpu_[node], memory = free_memory_[node];
  for (const auto& [j, p] : released) {
    for (int g : p->gpus) free[g] += std::min(j->gpu_milli, kMilliPerGpu);
    cpu += j->cpu_milli;
    memory += j->memory_mib;
  }
  return FitOnFree(job, nodes_[node], node, cpu, memory, free);
}

void ClusterState::RoomAfterRelease::Reset(const ClusterState& c, const Job& job, int node) {
  c_ = &c;
  job_ = &job;
  node_ = node;
  const Node& n = c.nodes_[node];
  cpu_ = c.free_cpu_[node];
  memory_ = c.free_memory_[node];
  whole_ = c.whole_free_[node];
  best_ = c.BestSingleFree(node);
  for (int g : touched_) added_[g] = 0;
  touched_.clear();
  if (added_.size() < static_cast<size_t>(n.gpus)) added_.resize(static_cast<size_t>(n.gpus), 0);
}

void ClusterState::RoomAfterRelease::Release(const Job& j, const Placement& p) {
  const std::vector<int>& free = c_->free_milli_[node_];
  for (int g : p.gpus) {
    if (added_[g] == 0) touched_.push_back(g);
    const int before = free[g] + added_[g];
    added_[g] += std::min(j.gpu_milli, kMilliPerGpu);
    const int after = free[g] + added_[g];
    whole_ += (after == kMilliPerGpu) - (before == kMilliPerGpu);
    best_ = std::max(best_, after);
  }
  cpu_ += j.cpu_milli;
  memory_ += j.memory_mib;
}

bool ClusterState::RoomAfterRelease::Fits() const {
  const Node& n = c_->nodes_[node_];
  if (!FitsBesidesGpus(*job_, n, cpu_, memory_)) return false;
  if (job_->num_gpus == 0) return true;
  if (n.gpus == 0) return false;
  if (job_->gpu_milli < kMilliPerGpu) return best_ >= job_->gpu_milli;
  return whole_ >= job_->num_gpus;
}

bool ClusterState::CouldEverFit(const Job& job) const {
  for (const auto& n : nodes_) {
    if (job.DurationOn(n.type) < 0) continue;
    if (n.cpu_milli > 0 && job.cpu_milli > n.cpu_milli) continue;
    if (n.memory_mib > 0 && job.memory_mib > n.memory_mib) continue;
    if (job.num_gpus <= n.gpus) return true;
  }
  return false;
}

std::string ClusterState::WhyNeverFits(const Job& job) const {
  // The nodes of a type the job may run on: their types, and the most of each resource one has
  // (CPU and memory limit only where every such node tracks them).
  std::vector<std::string> types;
  int gpus = 0, cpu_milli = 0, memory_mib = 0;
  bool cpu_limits = true, memory_limits = true;
  for (const auto& n : nodes_) {
    if (job.DurationOn(n.type) < 0) continue;
    if (std::find(types.begin(), types.end(), n.type) == types.end()) types.push_back(n.type);
    gpus = std::max(gpus, n.gpus);
    cpu_limits = cpu_limits && n.cpu_milli > 0;
    memory_limits = memory_limits && n.memory_mib > 0;
    cpu_milli = std::max(cpu_milli, n.cpu_milli);
    memory_mib = std::max(memory_mib, n.memory_mib);
  }
  auto join = [](const std::vector<std::string>& parts, const char* last) {
    std::string s;
    for (size_t k = 0; k < parts.size(); ++k) {
      s += k == 0 ? "" : (k + 1 == parts.size() ? last : ", ");
      s += parts[k];
    }
    return s;
  };
  if (types.empty()) {
    std::vector<std::string> asked = job.allowed_types;
    if (asked.empty()) {
      for (const auto& [type, seconds] : job.duration_s) {
        if (type != "*" && seconds >= 0) asked.push_back(type);
      }
    }
    return asked.empty() ? "no node of the cluster can run it"
                         : "runs only on " + join(asked, " or ") + "; the cluster has none";
  }
  const std::string node = types.size() <= 3 ? join(types, "/") + " node" : "node";
  const auto count = [](double n, const char* unit) {
    return fmt::format("{:g} {}{}", n, unit, n == 1 ? "" : "s");
  };
  const auto cpus = [&](int milli) { return count(milli / 1000.0, "CPU"); };
  const auto gib = [](int mib) { return fmt::format("{:g} GiB", mib / 1024.0); };
  std::vector<std::string> asks, have;
  if (job.num_gpus > gpus) {
    asks.push_back(count(job.num_gpus, "GPU"));
    have.push_back(count(gpus, "GPU"));
  }
  if (cpu_limits && job.cpu_milli > cpu_milli) {
    asks.push_back(cpus(job.cpu_milli));
    have.push_back(cpus(cpu_milli));
  }
  if (memory_limits && job.memory_mib > memory_mib) {
    asks.push_back(gib(job.memory_mib) + " of memory");
    have.push_back(gib(memory_mib));
  }
  if (!asks.empty()) {
    return "asks " + join(asks, " and ") + "; " + node + "s have at most " + join(have, " and ");
  }
  // Each alone fits some node; none has them all.
  asks = {count(job.num_gpus, "GPU")};
  if (cpu_limits && job.cpu_milli > 0) asks.push_back(cpus(job.cpu_milli));
  if (memory_limits && job.memory_mib > 0) asks.push_back(gib(job.memory_mib) + " of memory");
  return "asks " + join(asks, " and ") + "; no " + node + " has them all";
}

void ClusterState::Allocate(const Job& job, const Placement& p) {
  for (int g : p.gpus) {
    SetFree(p.node, g, free_milli_[p.node][g] - std::min(job.gpu_milli, kMilliPerGpu));
  }
  free_cpu_[p.node] -= job.cpu_milli;
  free_memory_[p.node] -= job.memory_mib;
  used_milli_ += static_cast<int64_t>(p.gpus.size()) * std::min(job.gpu_milli, kMilliPerGpu);
  CountShape(job, p.node, 1);
  Update(p.node);
  Regroup(p.node);
}

void ClusterState::Release(const Job& job, const Placement& p) {
  for (int g : p.gpus) {
    SetFree(p.node, g, free_milli_[p.node][g] + std::min(job.gpu_milli, kMilliPerGpu));
  }
  free_cpu_[p.node] += job.cpu_milli;
  free_memory_[p.node] += job.memory_mib;
  used_milli_ -= static_cast<int64_t>(p.gpus.size()) * std::min(job.gpu_milli, kMilliPerGpu);
  CountShape(job, p.node, -1);
  Update(p.node);
  Regroup(p.node);
}

void ClusterState::CountShape(const Job& job, int node, int delta) {
  if (job.num_gpus == 0) return;
  const int shape = job.num_gpus == 1 && job.gpu_milli < kMilliPerGpu ? 0 : job.num_gpus;
  auto& v = shapes_[node];
  auto it = std::find_if(v.begin(), v.end(), [&](const auto& s) { return s.first == shape; });
  if (it == v.end()) {
    v.emplace_back(shape, delta);
  } else if ((it->second += delta) == 0) {
    v.erase(it);
  }
}

}  // namespace suanli::sim
