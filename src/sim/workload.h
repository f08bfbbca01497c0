// Jobs and clusters for trace replay. Accelerator types are strings: trace
// types (V100, T4, G2, ...) need not be in the catalog.
#ifndef SUANLI_SIM_WORKLOAD_H_
#define SUANLI_SIM_WORKLOAD_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

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

// Jobs one at a time, in arrival order (then id), so a replay holds only the
// jobs that have arrived and not finished, never the whole trace.
class JobStream {
 public:
  virtual ~JobStream() = default;
  // The next job into *job (its old contents are overwritten); false at the end.
  virtual Result<bool> Next(Job* job) = 0;
};

// Calls `visit` on every job of a workload once (a trace read as a stream
// is read again); errors are the trace's.
using JobVisitor = std::function<Result<void>(const std::function<void(const Job&)>& visit)>;

// The jobs of a vector, in its order (a Workload's jobs are sorted).
class VectorJobStream : public JobStream {
 public:
  explicit VectorJobStream(const std::vector<Job>& jobs) : jobs_(jobs) {}
  Result<bool> Next(Job* job) override {
    if (next_ >= jobs_.size()) return false;
    *job = jobs_[next_++];
    return true;
  }

 private:
  const std::vector<Job>& jobs_;
  size_t next_ = 0;
};

}  // namespace suanli::sim

#endif  // SUANLI_SIM_WORKLOAD_H_
