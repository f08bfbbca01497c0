// Cluster state from Kubernetes, and how fast a job runs on each accelerator type in it.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "app/amount.h"
#include "app/engine.h"
#include "app/internal.h"
#include "catalog/catalog.h"
#include "core/atomic_file.h"
#include "core/text.h"
#include "perf/training.h"
#include "report/cluster_report.h"
#include "sim/engine/kube.h"
#include "sim/trace/trace.h"

namespace suanli::app {

using internal::FieldError;

namespace {

// One entry of a --cluster spec (type:count[:gpus_per_node]) as typed, split once for both the
// counts and the pool note.
struct ClusterEntry {
  std::string text;        // the entry as typed
  size_t count_begin = 0;  // the count field is text[count_begin, count_end), up to the
  size_t count_end = 0;    // node size's ':' or the end
  bool has_count = false;  // the entry has a ':'
  bool has_node_size = false;
  std::string Type() const { return Trim(text.substr(0, count_begin - 1)); }
  std::string Count() const { return Trim(text.substr(count_begin, count_end - count_begin)); }

  static std::string Trim(std::string t) {
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.erase(0, 1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
    return t;
  }
};

std::vector<ClusterEntry> SplitClusterSpec(const std::string& spec) {
  std::vector<ClusterEntry> out;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find(',', start);
    if (end == std::string::npos) end = spec.size();
    ClusterEntry e;
    e.text = spec.substr(start, end - start);
    if (const size_t colon = e.text.find(':'); colon != std::string::npos) {
      const size_t next = e.text.find(':', colon + 1);
      e.has_count = true;
      e.has_node_size = next != std::string::npos;
      e.count_begin = colon + 1;
      e.count_end = e.has_node_size ? next : e.text.size();
    }
    out.push_back(std::move(e));
    start = end + 1;
  }
  return out;
}

}  // namespace

Result<std::vector<sim::Node>> internal::ClusterNodes(const std::string& spec) {
  std::string plain;
  // Entries so far (as typed) by their type in lower case, and whether each gave nodes (a node
  // size, or nodes x GPUs): a type without a node size is one pool, so a type listed twice where
  // either entry is a pool was two pools of it (h800:16,h800:32 placed no job of 17 to 32 GPUs
  // on the "48 x h800" the answer showed).
  struct Seen {
    std::string type, text;       // lower case; the entry as typed
    bool nodes = false;           // a node size, or nodes x GPUs
    std::optional<int64_t> gpus;  // a pool's GPUs, when its count reads
  };
  std::vector<Seen> seen;
  for (const ClusterEntry& e : SplitClusterSpec(spec)) {
    std::string part = e.text;
    if (e.has_count) {
      const std::string count = e.Count();
      Seen now{.type = ToLower(e.Type()),
               .text = ClusterEntry::Trim(e.text).substr(0, 60),
               .nodes = e.has_node_size || count.find_first_of("xX*") != std::string::npos,
               .gpus = std::nullopt};
      if (auto n = ParseWholeAmount(count, "count", 0, 10'000'000); n && !now.nodes) now.gpus = *n;
      for (const Seen& other : seen) {
        if (other.type != now.type || (now.nodes && other.nodes)) continue;
        // Both pools with counts that read: the one pool and the two nodes, spelt out.
        const std::string t = e.Type().substr(0, 60);
        const bool spelt = other.gpus && now.gpus && *other.gpus > 0 && *now.gpus > 0;
        return tl::unexpected(FieldError(
            "cluster",
            fmt::format("'{}' and '{}' both give {}, and a type without a node size is one pool; "
                        "give it once ({}) or as nodes with their size in each entry ({})",
                        other.text, now.text, t,
                        spelt ? fmt::format("{}:{}, one pool", t, *other.gpus + *now.gpus)
                              : "one pool of all its GPUs",
                        spelt ? fmt::format("{}:{}:{},{}:{}:{}", t, *other.gpus, *other.gpus, t,
                                            *now.gpus, *now.gpus)
                              : "type:gpus:gpus_per_node")));
      }
      seen.push_back(std::move(now));
    }
    if (e.has_count) {
      const std::string count = e.Count();
      const std::string node_size =
          e.has_node_size ? ClusterEntry::Trim(e.text.substr(e.count_end + 1)) : "";
      const size_t x = count.find_first_of("xX*");
      std::optional<int64_t> nodes, per;
      if (x != std::string::npos) {
        if (auto n = ParseWholeAmount(count.substr(0, x), "count", 1, 10'000'000)) nodes = *n;
        if (auto g = ParseWholeAmount(count.substr(x + 1), "count", 1, 1024)) per = *g;
      }
      if (nodes && per) {
        // Nodes x GPUs a node, as every chip count is typed ("2x8 is 2 nodes of 8"): the nodes
        // themselves, never one pool of their product (which is type:16).
        if (!node_size.empty() && node_size != std::to_string(*per)) {
          return tl::unexpected(FieldError(
              "cluster",
              fmt::format("'{}': {} is {} nodes of {} GPUs, the node size says {}; give the GPUs "
                          "and their node size ({}:{}:{}) or the nodes ({}:{}x{})",
                          ClusterEntry::Trim(e.text).substr(0, 60), count, *nodes, *per,
                          node_size.substr(0, 20), e.Type(), *nodes * *per, node_size.substr(0, 20),
                          e.Type(), *nodes, *per)));
        }
        part = fmt::format("{}:{}:{}", e.Type(), *nodes * *per, *per);
      } else if (auto n = ParseWholeAmount(count, "count", 0, 10'000'000)) {
        part = e.text.substr(0, e.count_begin) + std::to_string(*n) + e.text.substr(e.count_end);
      }
      // A count that is no number is left for the spec parser to name.
    }
    plain += part + ",";
  }
  plain.pop_back();  // the separator after the last entry (there is always one entry)
  auto nodes = sim::ParseClusterSpec(plain);
  if (!nodes) {
    Error e = nodes.error();
    e.field = "cluster";  // the request's field, as the CLI and the server name it
    return tl::unexpected(std::move(e));
  }
  return nodes;
}

namespace {

Result<double> TrainingSpeed(const catalog::Catalog& cat, const catalog::Model& model,
                             const catalog::Chip& chip, catalog::DType dtype, int chips) {
  perf::TrainingJob job = perf::TrainingJobFor(cat, model, chip);
  job.chips = std::max(1, chips);
  job.tokens = 1e9;
  job.dtype = dtype;
  auto system = cat.SystemFor(chip);
  Result<perf::SearchResult> r =
      perf::ValidateJob(job).and_then([&]() -> Result<perf::SearchResult> {
        if (!system) return tl::unexpected(system.error());
        job.system = *system;
        return perf::SearchLayout(job, {});
      });
  if (!r) return tl::unexpected(r.error());
  return r->best.tokens_per_s / job.chips;
}

Result<double> ServingSpeed(const catalog::Catalog& cat, const catalog::Model& model,
                            const catalog::Chip& chip, const std::string& dtype, int chips) {
  // The analytic estimate of `suanli infer --model M --chip C --count N --mode analytic`: the
  // engine the chip runs by default, its defaults, the best layout within the chips.
  InferRequest q;
  q.model = model.id;
  q.chip = {chip.id};
  q.count = std::max(1, chips);
  q.mode = "analytic";
  q.dtype = dtype;
  auto setup = internal::BuildInferJob(cat, q);
  if (!setup) return tl::unexpected(setup.error());
  internal::LatencyTargets targets;
  auto e = internal::EstimateAtTargets(q, setup->job, setup->fixed, &targets);
  if (!e) return tl::unexpected(e.error());
  return e->output_tokens_per_s_per_chip;
}

// The words a pod's hint uses for what its job does, and whether that is serving. Pre-training
// and fine-tuning (supervised, LLaMA-Factory's stage sft) are training: they were "unknown" once
// and the pod ranked by the chips' peaks.
std::optional<bool> JobKindServes(const std::string& kind) {
  static constexpr std::pair<std::string_view, bool> kWords[] = {
      {"infer", true},     {"inference", true},  {"serve", true},       {"serving", true},
      {"train", false},    {"training", false},  {"pretrain", false},   {"pretraining", false},
      {"finetune", false}, {"fine-tune", false}, {"finetuning", false}, {"fine-tuning", false},
      {"sft", false}};
  for (const auto& [word, serving] : kWords) {
    if (kind == word) return serving;
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<TypeSpeed>> Engine::SpeedOfTypes(const std::vector<std::string>& types,
                                                    const JobHint& hint) const {
  // What the job does: the hint's word for it, else its command (a serving engine's launcher
  // serves; anything else trains).
  const std::string kind = NormalizeId(hint.kind);
  bool serving = false;
  if (kind.empty()) {
    serving = internal::ServesAModel(hint.command);
  } else if (auto known = JobKindServes(kind)) {
    serving = *known;
  } else {
    return tl::unexpected(FieldError(
        "kind", "unknown job kind '" + hint.kind.substr(0, 20) + "'; expected train or infer"));
  }
  const catalog::Model* model = nullptr;
  if (!hint.model.empty()) {
    auto m = internal::WithField(catalog_->FindModel(hint.model), "model");
    if (!m) return tl::unexpected(m.error());
    model = *m;
  } else if (serving) {
    // The model the serving command launches (`vllm serve Qwen/Qwen3-235B-A22B-Instruct-2507`)
    // is the job's: ranked by the chip's peak instead, an H20 (148 bf16 TFLOPS, 4.0 TB/s) came
    // 1 against an H800's 10 for a decode-bound job. One the catalog lacks leaves the peaks.
    const std::string named = internal::ServedModelOf(hint.command);
    if (!named.empty()) {
      if (auto m = catalog_->FindModel(named)) model = *m;
    }
  } else {
    // A training command's model (`--model_name_or_path meta-llama/Meta-Llama-3-8B`) likewise:
    // its training tokens/s per chip, not the chip's peak.
    std::string named = internal::TrainedModelOf(hint.command);
    // A Megatron line with no Hugging Face tokenizer: the catalog model of its shape flags, when
    // one is (`suanli train` takes the same line so).
    if (named.empty()) {
      auto shaped =
          internal::ModelOfShape(*catalog_, internal::TrainedShapeOf(hint.command), nullptr);
      if (shaped) named = *shaped;
    }
    if (!named.empty()) {
      if (auto m = catalog_->FindModel(named)) model = *m;
    }
  }
  // A serving job's weights are as released unless a format is given; training and peaks: bf16.
  const std::string dtype_name = hint.dtype.empty() && !(serving && model) ? "bf16" : hint.dtype;
  const auto dtype = catalog::ParseDType(dtype_name.empty() ? "bf16" : dtype_name);
  if (!dtype) {
    return tl::unexpected(FieldError(
        "dtype", "unknown dtype '" + hint.dtype.substr(0, 20) + "'; expected bf16, fp16 or fp8"));
  }
  std::vector<TypeSpeed> out;
  bool only_the_pods_chips_too_few = false;
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
    Result<double> speed = serving ? ServingSpeed(*catalog_, *model, *chip, dtype_name, hint.chips)
                                   : TrainingSpeed(*catalog_, *model, *chip, *dtype, hint.chips);
    if (speed) {
      t.speed = *speed;
      t.reason = model->id + (serving ? " output tokens/s per chip, served on " +
                                            std::to_string(hint.chips) + " (analytic)"
                                      : " training tokens/s per chip");
    } else if (speed.error().field.empty() && !hint.chips_are_the_job) {
      // Memory: the model does not fit in the chips this pod holds, but a job of several pods
      // (a multi-node training run, a serving instance over nodes) holds more. Nothing is ruled
      // out; every type is then ranked by its peak.
      only_the_pods_chips_too_few = true;
      t.reason = "does not fit in the pod's " + std::to_string(hint.chips) +
                 " accelerators alone; a job of several pods may (ranked by peak)";
    } else {
      t.can_run = false;
      t.reason = speed.error().message.substr(0, 200);
    }
    out.push_back(std::move(t));
  }
  if (only_the_pods_chips_too_few && serving) {
    // A serving instance over several pods: its decode steps read the weights and the KV cache
    // once per step, so they run at the memory bandwidth, not the peak (an H20's 4.0 TB/s serves
    // R1 faster than an H800's 3.35 TB/s although its BF16 peak is 148 TFLOPS to 989). Speeds of
    // one kind only: every type's HBM bandwidth.
    for (auto& t : out) {
      if (!t.can_run) continue;
      const catalog::Chip* chip = catalog_->MatchChip(t.type);
      const bool known = chip != nullptr && chip->memory_tb_s.known();
      t.speed = known ? *chip->memory_tb_s.value : 0;
      const std::string why =
          known ? fmt::format(
                      "memory bandwidth {:g} TB/s (decode reads the weights and KV each "
                      "step)",
                      *chip->memory_tb_s.value)
                : std::string("memory bandwidth unknown");
      t.reason = t.reason.find("does not fit") != std::string::npos
                     ? "does not fit in the pod's " + std::to_string(hint.chips) +
                           " accelerators alone; an instance of several pods may (ranked by " +
                           why + ")"
                     : why + " (another type cannot hold the model in one pod)";
    }
  } else if (only_the_pods_chips_too_few) {
    // Speeds of one kind only: the peak of the training format (bf16 when serving as released).
    JobHint peaks;
    peaks.dtype = dtype_name.empty() ? "bf16" : dtype_name;
    auto by_peak = SpeedOfTypes(types, peaks);
    if (!by_peak) return tl::unexpected(by_peak.error());
    for (size_t i = 0; i < out.size(); ++i) {
      if (!out[i].can_run) continue;
      out[i].speed = (*by_peak)[i].speed;
      if (out[i].reason.find("does not fit") == std::string::npos)
        out[i].reason = (*by_peak)[i].reason + " (another type cannot hold the model in one pod)";
    }
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
    auto text = internal::ReadRequestFile(*path, options_.max_file_bytes, "files", file);
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
