#include "sim/cluster.h"

#include <algorithm>

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

ClusterState::ClusterState(std::vector<Node> nodes) : nodes_(std::move(nodes)) {
  position_.resize(nodes_.size());
  shapes_.resize(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const auto& n = nodes_[i];
    free_milli_.emplace_back(n.gpus, kMilliPerGpu);
    free_cpu_.push_back(n.cpu_milli);
    free_memory_.push_back(n.memory_mib);
    total_milli_ += static_cast<int64_t>(n.gpus) * kMilliPerGpu;
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
  for (size_t i = 0; i < nodes_.size(); ++i) Update(static_cast<int>(i));
}

void ClusterState::Update(int node) {
  auto& t = types_[position_[node].first];
  int whole = 0, single = 0;
  for (int m : free_milli_[node]) {
    whole += m == kMilliPerGpu;
    single = std::max(single, m);
  }
  int i = position_[node].second + t.size;
  t.whole[i] = whole;
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

std::optional<Placement> ClusterState::FitOnNode(const Job& job, int node) const {
  const Node& n = nodes_[node];
  if (job.DurationOn(n.type) < 0) return std::nullopt;
  if (n.cpu_milli > 0 && job.cpu_milli > free_cpu_[node]) return std::nullopt;
  if (n.memory_mib > 0 && job.memory_mib > free_memory_[node]) return std::nullopt;
  const auto& free = free_milli_[node];
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

bool ClusterState::CouldEverFit(const Job& job) const {
  for (const auto& n : nodes_) {
    if (job.DurationOn(n.type) < 0) continue;
    if (n.cpu_milli > 0 && job.cpu_milli > n.cpu_milli) continue;
    if (n.memory_mib > 0 && job.memory_mib > n.memory_mib) continue;
    if (job.num_gpus <= n.gpus) return true;
  }
  return false;
}

void ClusterState::Allocate(const Job& job, const Placement& p) {
  for (int g : p.gpus) free_milli_[p.node][g] -= std::min(job.gpu_milli, kMilliPerGpu);
  free_cpu_[p.node] -= job.cpu_milli;
  free_memory_[p.node] -= job.memory_mib;
  used_milli_ += static_cast<int64_t>(p.gpus.size()) * std::min(job.gpu_milli, kMilliPerGpu);
  CountShape(job, p.node, 1);
  Update(p.node);
}

void ClusterState::Release(const Job& job, const Placement& p) {
  for (int g : p.gpus) free_milli_[p.node][g] += std::min(job.gpu_milli, kMilliPerGpu);
  free_cpu_[p.node] += job.cpu_milli;
  free_memory_[p.node] += job.memory_mib;
  used_milli_ -= static_cast<int64_t>(p.gpus.size()) * std::min(job.gpu_milli, kMilliPerGpu);
  CountShape(job, p.node, -1);
  Update(p.node);
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
