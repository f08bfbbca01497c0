// Fuzz target: the Sia/Pollux workload reader, with a small hand-written profile folder made
// once (cifar10 on aws and azure). An input with a NUL byte is the workload before it and the
// aws placements profile after it (written for that run); without one, the whole input is the
// workload and the profiles are the fixed ones.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "sim/trace/trace.h"

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPlacements =
    "placement,local_bsz,step_time,sync_time\n"
    "2,32,0.10,0.02\n2,64,0.16,0.04\n44,32,0.20,0.05\n44,64,0.30,0.10\n";

void WriteAll(const fs::path& path, std::string_view text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// Two profile folders (fixed, and one whose aws placements each run rewrites), removed at exit.
struct Profiles {
  fs::path fixed, variable;
  Profiles() {
    const fs::path root =
        fs::temp_directory_path() / ("suanli-sia-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(root);
    fixed = root / "fixed";
    variable = root / "variable";
    for (const fs::path& dir : {fixed, variable}) {
      const fs::path app = dir / "cifar10";
      fs::create_directories(app);
      // Sia trains cifar10 for 100 epochs: the 100th row's iteration counts.
      for (int bsz : {128, 256}) {
        std::string v = "progress,iteration,metric,grad_sqr,grad_var\n";
        for (int e = 1; e <= 100; ++e)
          v += std::to_string(e) + "," + std::to_string(e * 40000 / bsz) + ",0.5,1,1\n";
        WriteAll(app / ("validation-" + std::to_string(bsz) + ".csv"), v);
      }
      WriteAll(app / "placements-aws.csv", kPlacements);
      WriteAll(app / "scalability-aws.csv",
               "num_nodes,num_replicas,local_bsz,step_time,sync_time\n"
               "3,12,16,0.40,0.20\n3,12,32,0.50,0.30\n");
      WriteAll(app / "placements-azure.csv",
               "placement,local_bsz,step_time,sync_time\n8,32,0.05,0.01\n8,64,0.08,0.02\n");
    }
  }
  ~Profiles() {
    std::error_code ec;
    fs::remove_all(fixed.parent_path(), ec);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Profiles profiles;
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t nul = all.find('\0');
  const std::string_view workload = all.substr(0, nul);
  fs::path dir = profiles.fixed;
  if (nul != std::string_view::npos) {
    dir = profiles.variable;
    WriteAll(dir / "cifar10" / "placements-aws.csv", all.substr(nul + 1));
  }
  suanli::sim::TraceStats stats;
  auto jobs = suanli::sim::ReadSiaWorkload(workload, "fuzz.csv", dir.string(), &stats);
  if (!jobs) {
    if (jobs.error().message.empty()) std::abort();
    return 0;
  }
  for (const auto& j : *jobs) {
    if (j.num_gpus < 1 || j.duration_s.empty()) std::abort();
  }
  return 0;
}
