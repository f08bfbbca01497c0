// Fuzz target: the Alibaba openb readers. The first byte picks the pod list (with each
// combination of OpenbOptions) or the node list; the rest is the file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sim/trace/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const int mode = data[0] % 5;
  if (mode == 4) {
    auto nodes = suanli::sim::ReadOpenbNodes(text, "nodes.csv");
    if (!nodes && nodes.error().message.empty()) std::abort();
    if (nodes) {
      for (const auto& n : *nodes) {
        if (n.gpus < 0) std::abort();
      }
    }
    return 0;
  }
  suanli::sim::OpenbOptions o;
  o.keep_cpu_only = (mode & 1) != 0;
  o.times_optional = (mode & 2) != 0;
  suanli::sim::TraceStats stats;
  auto jobs = suanli::sim::ReadOpenbPods(text, "pods.csv", &stats, o);
  if (!jobs) {
    if (jobs.error().file != "pods.csv" || jobs.error().message.empty()) std::abort();
    return 0;
  }
  for (const auto& j : *jobs) {
    if (j.num_gpus < 0 || j.arrival_s < 0) std::abort();
  }
  return 0;
}
