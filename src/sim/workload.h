// Jobs and clusters for trace replay. Accelerator types are strings: trace
// types (V100, T4, G2, ...) need not be in the catalog.
#ifndef SUANLI_SIM_WORKLOAD_H_
#define SUANLI_SIM_WORKLOAD_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace suanli::sim {

inline constexpr int kMilliPerGpu = 1000;

struct Job {
  int64_t id = 0;
  std::string name;
  double arrival_s = 0;
  int num_gpus = 1;      // gang: all at once, on one node
  int gpu_milli = 1000;  // per GPU; < 1000 only for one shared GPU
  int cpu_milli = 0;
  int memory_mib = 0;
  std::vector<std::string> allowed_types;  // empty: any type
  // Run time alone on each type; "*" applies to every type not listed.
  std::map<std::string, double> duration_s;
  // Work in steps, when the trace gives it (Gavel): total steps and steps per
  // second per type. The round-based mechanism counts whole steps as Gavel does.
  double total_steps = 0;
  std::map<std::string, double> steps_per_s;
  double priority = 1;

  // Duration on `type`, or a negative number if the job cannot run there.
  double DurationOn(const std::string& type) const;
  bool AllowsType(const std::string& type) const;
  // Accelerator demand in thousandths of a GPU.
  int64_t GpuMilli() const { return static_cast<int64_t>(num_gpus) * gpu_milli; }
};

struct Node {
  int id = 0;
  std::string type;
  int gpus = 0;
  int cpu_milli = 0;   // 0: not tracked
  int memory_mib = 0;  // 0: not tracked
};

// Accelerator types in order of first appearance, with their GPU counts.
std::vector<std::pair<std::string, long>> GpusPerType(const std::vector<Node>& nodes);

struct Workload {
  std::vector<Node> nodes;
  std::vector<Job> jobs;  // sorted by arrival, then id
};

}  // namespace suanli::sim

#endif  // SUANLI_SIM_WORKLOAD_H_
