#include "report/replay_report.h"

#include <fmt/format.h>

#include "report/json_out.h"
#include "report/table.h"

namespace suanli::report {
namespace {

nlohmann::json RunJson(const ReplayRun& run) {
  const auto& r = run.result;
  return {{"policy", r.policy},
          {"jobs", r.jobs},
          {"completed", r.completed},
          {"avg_jct_s", Round(r.avg_jct_s)},
          {"p50_jct_s", Round(r.p50_jct_s)},
          {"p99_jct_s", Round(r.p99_jct_s)},
          {"avg_queue_s", Round(r.avg_queue_s)},
          {"makespan_s", Round(r.makespan_s)},
          {"utilization", Round(r.utilization, 4)},
          {"unallocated_gpu_fraction", Round(r.unallocated_gpu_fraction, 4)},
          {"events", r.events},
          {"sim_wall_s", Round(run.sim_wall_s, 3)}};
}

}  // namespace

std::string ReplayJson(const std::vector<ReplayRun>& runs) {
  if (runs.size() == 1) return Dump(RunJson(runs[0]));
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& r : runs) arr.push_back(RunJson(r));
  return Dump({{"policies", arr}});
}

std::string ReplayTable(const std::vector<ReplayRun>& runs) {
  Table t({"policy", "jobs", "avg JCT h", "p50 JCT h", "p99 JCT h", "avg queue h", "makespan h",
           "utilization", "unallocated", "events"});
  for (const auto& run : runs) {
    const auto& r = run.result;
    t.AddRow({r.policy, std::to_string(r.jobs), fmt::format("{:.2f}", r.avg_jct_s / 3600),
              fmt::format("{:.2f}", r.p50_jct_s / 3600), fmt::format("{:.2f}", r.p99_jct_s / 3600),
              fmt::format("{:.2f}", r.avg_queue_s / 3600),
              fmt::format("{:.1f}", r.makespan_s / 3600),
              fmt::format("{:.1f} %", r.utilization * 100),
              fmt::format("{:.1f} %", r.unallocated_gpu_fraction * 100), std::to_string(r.events)});
  }
  return t.Render();
}

}  // namespace suanli::report
