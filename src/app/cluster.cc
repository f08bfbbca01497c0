// Cluster state from Kubernetes, and how fast a job runs on each accelerator type in it.
#include <algorithm>
#include <cmath>

#include "app/amount.h"
#include "app/engine.h"
#include "app/internal.h"
#include "catalog/catalog.h"
#include "core/atomic_file.h"
#include "perf/training.h"
#include "report/cluster_report.h"
#include "sim/engine/kube.h"

namespace suanli::app {

using internal::FieldError;

std::string internal::ClusterCounts(const std::string& spec) {
  std::string out;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find(',', start);
    if (end == std::string::npos) end = spec.size();
    std::string part = spec.substr(start, end - start);
    const size_t colon = part.find(':');
    if (colon != std::string::npos) {
      const size_t next = part.find(':', colon + 1);
      std::string count =
          part.substr(colon + 1, next == std::string::npos ? std::string::npos : next - colon - 1);
      while (!count.empty() && (count.front() == ' ' || count.front() == '\t')) count.erase(0, 1);
      while (!count.empty() && (count.back() == ' ' || count.back() == '\t')) count.pop_back();
      if (auto n = ParseWholeAmount(count, "count", 0, 10'000'000)) {
        part = part.substr(0, colon + 1) + std::to_string(*n) +
               (next == std::string::npos ? "" : part.substr(next));
      }
    }
    out += (start > 0 ? "," : "") + part;
    start = end + 1;
  }
  return out;
}

Result<std::vector<TypeSpeed>> Engine::SpeedOfTypes(const std::vector<std::string>& types,
                                                    const JobHint& hint) const {
  const catalog::Model* model = nullptr;
  if (!hint.model.empty()) {
    auto m = internal::WithField(catalog_->FindModel(hint.model), "model");
    if (!m) return tl::unexpected(m.error());
    model = *m;
  }
  const auto dtype = catalog::ParseDType(hint.dtype);
  if (!dtype) {
    return tl::unexpected(FieldError(
        "dtype", "unknown dtype '" + hint.dtype.substr(0, 20) + "'; expected bf16, fp16 or fp8"));
  }
  std::vector<TypeSpeed> out;
  for (const auto& type : types) {
    TypeSpeed t;
    t.type = type;
    const catalog::Chip* chip = catalog_->MatchChip(type);
    if (!chip) {
      t.reason = "not in the catalog: speed unknown";
      out.push_back(std::move(t));
      continue;
    }
    t.chip = chip->id;
    if (!model) {
      const auto& peak = chip->peak_tflops[static_cast<int>(*dtype)];
      if (peak.known()) {
        t.speed = *peak.value;
        t.reason = "peak " + std::string(catalog::DTypeName(*dtype)) + " TFLOPS";
      } else {
        t.reason = "peak " + std::string(catalog::DTypeName(*dtype)) + " unknown";
      }
      out.push_back(std::move(t));
      continue;
    }
    perf::TrainingJob job = perf::TrainingJobFor(*catalog_, *model, *chip);
    job.chips = std::max(1, hint.chips);
    job.tokens = 1e9;
    job.dtype = *dtype;
    auto system = catalog_->SystemFor(*chip);
    Result<perf::SearchResult> r =
        perf::ValidateJob(job).and_then([&]() -> Result<perf::SearchResult> {
          if (!system) return tl::unexpected(system.error());
          job.system = *system;
          return perf::SearchLayout(job, {});
        });
    if (!r) {
      t.can_run = false;
      t.reason = r.error().message.substr(0, 200);
    } else {
      t.speed = r->best.tokens_per_s / job.chips;
      t.reason = model->id + " training tokens/s per chip";
    }
    out.push_back(std::move(t));
  }
  double fastest = 0;
  for (const auto& t : out) fastest = std::max(fastest, t.can_run ? t.speed : 0);
  for (auto& t : out) t.relative = fastest > 0 && t.can_run ? t.speed / fastest : 0;
  return out;
}

Result<sim::KubeCluster> Engine::ReadCluster(const ClusterImportRequest& r) const {
  if (r.files.empty() && r.kube_json.empty()) {
    return tl::unexpected(
        FieldError("files", "give the JSON of `kubectl get nodes,pods -o json` (files or inline)"));
  }
  sim::KubeCluster cluster;
  for (const auto& file : r.files) {
    auto path = RequestPath(file, "files");
    if (!path) return tl::unexpected(path.error());
    auto text = internal::ReadRequestFile(*path, options_.max_file_bytes, "kube");
    if (!text) return tl::unexpected(text.error());
    if (auto ok = sim::ReadKubeObjects(*text, file, &cluster); !ok)
      return tl::unexpected(ok.error());
  }
  if (!r.kube_json.empty()) {
    if (auto ok = sim::ReadKubeObjects(r.kube_json, "kube_json", &cluster); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  return cluster;
}

Result<Output> Engine::ClusterImport(const ClusterImportRequest& r, const RunContext& c) const {
  auto read = ReadCluster(r);
  if (!read) return tl::unexpected(read.error());
  const sim::KubeCluster& cluster = *read;
  report::ClusterSummary summary;
  for (const auto& n : cluster.nodes) {
    if (n.gpus <= 0) continue;
    auto it = std::find_if(summary.types.begin(), summary.types.end(),
                           [&](const auto& t) { return t.type == n.gpu_type; });
    if (it == summary.types.end()) {
      const auto* chip = catalog_->MatchChip(n.gpu_type);
      summary.types.push_back({n.gpu_type, chip ? chip->id : "", n.resource, 0, 0, 0, 0});
      it = summary.types.end() - 1;
    }
    ++it->nodes;
    it->gpus += n.gpus;
    const bool usable = n.ready && n.schedulable;
    if (usable) it->free_milli += sim::KubeFreeMilli(cluster, n);
    if (!usable) it->unusable_gpus += n.gpus;
  }
  for (const auto& p : cluster.pods) {
    if (p.resource.empty()) continue;
    ++(p.node.empty() ? summary.pending_gpu_pods : summary.running_gpu_pods);
  }
  for (const auto& q : cluster.quotas) {
    const auto* chip = q.gpu_type.empty() ? nullptr : catalog_->MatchChip(q.gpu_type);
    summary.quotas.push_back(
        {q.cluster_queue, q.flavor, q.resource, q.gpu_type, chip ? chip->id : "", q.nominal});
  }
  summary.objects_read = cluster.objects_read;
  summary.objects_ignored = cluster.objects_ignored;
  Output out;
  out.inputs = r.files;
  out.body =
      c.format == Format::kJson ? report::ClusterJson(summary) : report::ClusterText(summary);
  return out;
}

}  // namespace suanli::app
