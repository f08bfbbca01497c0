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

ClusterState::ClusterState(std::vector<Node> nodes) : nodes_(std::move(nodes)) {
  for (const auto& n : nodes_) {
    free_milli_.emplace_back(n.gpus, kMilliPerGpu);
    free_cpu_.push_back(n.cpu_milli);
    free_memory_.push_back(n.memory_mib);
    total_milli_ += static_cast<int64_t>(n.gpus) * kMilliPerGpu;
  }
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
}

void ClusterState::Release(const Job& job, const Placement& p) {
  for (int g : p.gpus) free_milli_[p.node][g] += std::min(job.gpu_milli, kMilliPerGpu);
  free_cpu_[p.node] += job.cpu_milli;
  free_memory_[p.node] += job.memory_mib;
  used_milli_ -= static_cast<int64_t>(p.gpus.size()) * std::min(job.gpu_milli, kMilliPerGpu);
}

}  // namespace suanli::sim
