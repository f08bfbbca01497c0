#include "report/cluster_report.h"

#include <fmt/format.h>

#include "report/json_out.h"
#include "report/table.h"

namespace suanli::report {

std::string ClusterJson(const ClusterSummary& s) {
  nlohmann::json types = nlohmann::json::array();
  for (const auto& t : s.types) {
    types.push_back(
        {{"type", t.type},
         {"catalog_chip", t.chip.empty() ? nlohmann::json(nullptr) : nlohmann::json(t.chip)},
         {"resource", t.resource},
         {"nodes", t.nodes},
         {"gpus", t.gpus},
         {"free_gpus", static_cast<double>(t.free_milli) / 1000.0},
         {"unusable_gpus", t.unusable_gpus}});
  }
  nlohmann::json quotas = nlohmann::json::array();
  for (const auto& q : s.quotas) {
    quotas.push_back(
        {{"cluster_queue", q.cluster_queue},
         {"flavor", q.flavor},
         {"resource", q.resource},
         {"gpu_type", q.gpu_type.empty() ? nlohmann::json(nullptr) : nlohmann::json(q.gpu_type)},
         {"catalog_chip", q.chip.empty() ? nlohmann::json(nullptr) : nlohmann::json(q.chip)},
         {"nominal_quota", q.nominal}});
  }
  return Dump({{"types", types},
               {"quotas", quotas},
               {"running_gpu_pods", s.running_gpu_pods},
               {"pending_gpu_pods", s.pending_gpu_pods},
               {"objects_read", s.objects_read},
               {"objects_ignored", s.objects_ignored}});
}

std::string ClusterText(const ClusterSummary& s) {
  std::string out = fmt::format(
      "{} objects read ({} of other kinds ignored); {} pods hold accelerators, {} wait for them\n",
      s.objects_read, s.objects_ignored, s.running_gpu_pods, s.pending_gpu_pods);
  Table t({"type", "catalog chip", "resource", "nodes", "GPUs", "free", "not usable"});
  for (const auto& x : s.types) {
    t.AddRow({x.type, x.chip.empty() ? "-" : x.chip, x.resource, std::to_string(x.nodes),
              std::to_string(x.gpus),
              fmt::format("{:g}", static_cast<double>(x.free_milli) / 1000.0),
              std::to_string(x.unusable_gpus)});
  }
  out += t.Render();
  if (!s.quotas.empty()) {
    out += "\nKueue quotas:\n";
    Table q({"cluster queue", "flavor", "resource", "GPU type", "catalog chip", "nominal"});
    for (const auto& x : s.quotas) {
      q.AddRow({x.cluster_queue, x.flavor, x.resource, x.gpu_type.empty() ? "-" : x.gpu_type,
                x.chip.empty() ? "-" : x.chip, fmt::format("{:g}", x.nominal)});
    }
    out += q.Render();
  }
  return out;
}

}  // namespace suanli::report
