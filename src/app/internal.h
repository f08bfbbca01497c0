// Helpers shared by the command implementations in src/app; not part of its API.
#ifndef SUANLI_APP_INTERNAL_H_
#define SUANLI_APP_INTERNAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/requests.h"
#include "catalog/catalog.h"
#include "core/error.h"
#include "perf/inference.h"
#include "perf/training.h"
#include "sim/workload.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace suanli::app::internal {

// The error, with `field` set when it names none yet.
Error WithField(Error e, const std::string& field);

template <typename T>
Result<T> WithField(Result<T> r, const std::string& field) {
  if (!r) return tl::unexpected(WithField(r.error(), field));
  return r;
}

Error FieldError(const std::string& field, std::string message);

// The most running sequences a group's (an attention-DP rank's) scheduler is given.
constexpr int kMaxRunningRequests = 1 << 20;

// The system a job runs in: the one named (it must hold the chip) or the chip's default.
// Train and infer share it, so they accept and refuse the same pairs.
Result<catalog::System> ResolveSystem(const catalog::Catalog& c, const catalog::Chip& chip,
                                      const std::string& system_id);
// The same, run under a per-chip power cap when one is given (the tighter of it and the
// system's); a cap the chip cannot take is an error on power_cap_w.
Result<catalog::System> ResolveCappedSystem(const catalog::Catalog& c, const catalog::Chip& chip,
                                            const std::string& system_id,
                                            const catalog::FamilyCalibration& calibration,
                                            std::optional<double> power_cap_w);

// A system's name typed as the chip, as servers and racks are sold ("--chip gb200-nvl72",
// "hgx-h100", "cloudmatrix-384"): `chip` becomes the system's chip and, where no system is
// named, `system` the system. A chip's own name, or a name that is neither, is left as it is.
void ChipFromSystemName(const catalog::Catalog& c, std::string& chip, std::string& system);

// A file a request names: refused if it is a directory, or above `max_bytes` (0: no limit).
// Errors name `field` and show the file as `shown` (the path as the client gave it, not the
// server's resolved one; empty: `path`).
Result<void> CheckRequestFile(const std::string& path, uint64_t max_bytes, const std::string& field,
                              const std::string& shown = {});
// A whole file a request names, refused above `max_bytes` (0: no limit) before it is read; a
// file that cannot be read names `field` and shows `shown` as CheckRequestFile does.
Result<std::string> ReadRequestFile(const std::string& path, uint64_t max_bytes,
                                    const std::string& field, const std::string& shown = {});

// The engine whose limits an infer request runs under: the one named (none: "none"), else the
// one every chip of the request runs by default, else "" (no engine).
std::string EngineIdOf(const catalog::Catalog& cat, const InferRequest& r);
// With no --engine, on chips with no default engine: the engine whose KV format and pool the
// request takes (catalog kv_default_families), when every chip has the same; nullptr: none.
const catalog::ServingEngine* KvDefaultEngineOf(const catalog::Catalog& cat, const InferRequest& r);

// Parallel sizes a user gives: each in [1, limit], else an error naming the field.
Result<void> CheckSizes(const std::vector<std::pair<const char*, std::optional<int>>>& sizes,
                        long limit);

// A train request as a job and the layout knobs it fixes: everything `train` checks.
struct TrainSetup {
  perf::TrainingJob job;
  perf::LayoutConstraints fixed;
  std::string defaults_basis;  // a pasted Megatron line: the Megatron defaults it runs
  // No --dtype or --precision: the precision taken by default and why (the model's catalogued
  // pre-training recipe, or bf16 when the chip or stack does not run that); empty otherwise.
  std::string precision_basis;
  // A launch line on a chip of several dies a package (the 910C): its ranks read as dies.
  std::string dies_basis;
  // LoRA / QLoRA: what was priced (rank, modules, trainable parameters, the base's format) and
  // where each default came from; empty for full training.
  std::string finetune_basis;
};
// `job_config`: the text of the request's torchtitan job config file, when it names one.
Result<TrainSetup> BuildTrainJob(const catalog::Catalog& cat, const TrainRequest& r,
                                 const std::string& job_config = "");

// Megatron's model-shape flags against the catalog model (train_flags.cc): an error naming the
// flag, its value and the model's where they differ. `seq_len`: the run's.
Result<void> CheckModelShape(const catalog::Model& m, const TrainRequest& r, int seq_len);

// A launch line that names no model (a Megatron line with the HuggingFace tokenizer left out):
// the catalog model whose shape its --num-layers, --hidden-size and --num-attention-heads (and
// --num-query-groups, --ffn-hidden-size, experts, --vocab-size where given) give, models alike in
// everything the estimate reads counting as one. "model: is required" naming the candidates
// otherwise. `basis` (may be null): which model and why.
Result<std::string> ModelOfShape(const catalog::Catalog& cat, const TrainRequest& r,
                                 std::string* basis);

// The model a launch line trains where it gives no --model: the catalog model its Hugging Face
// tokenizer names (Megatron's --tokenizer-model, MindSpeed-LLM's --tokenizer-name-or-path), else
// the one torchtitan builds for its registered config or its job config's [model] name and flavor
// (`job_config`: the TOML text), else ModelOfShape's. `basis` (may be null): which and why.
Result<std::string> ModelOfLaunch(const catalog::Catalog& cat, const TrainRequest& r,
                                  const std::string& job_config, std::string* basis);

// How many no-op layers MindSpeed-LLM's --noop-layers names (0 when not given): distinct
// non-negative layer numbers, below --num-layers where that is given; an error names the field.
Result<int> NoopLayerCount(const TrainRequest& r);
// Whether the request gives torchtitan's job config (its file or any of its keys).
bool HasJobConfig(const TrainRequest& r);
// Megatron's --train-samples / --train-iters as the request's tokens (given tokens must agree).
Result<void> TokensFromRunLength(TrainRequest& r, int seq_len);
// torchtitan's job config (its TOML text, and its --section.key flags over it) turned into the
// request's fields. Bad TOML and bad values from it are errors naming file:line:key.
Result<TrainRequest> WithJobConfig(const catalog::Catalog& cat, const catalog::Model& m,
                                   TrainRequest r, const std::string& config_text);

// torchtitan's run_train.sh in the request's env (the script and the variables it reads):
// CONFIG_FILE, MODULE, CONFIG, NGPU into the job config and the chips; nothing without the script.
Result<void> ReadTrainEnvironment(TrainRequest& r);

// DeepSpeed's JSON config (`text` of r.deepspeed_config) into the request's batch sizes, ZeRO
// stage, overlap and 16-bit format where no flag gave them; a flag that contradicts a key and a
// bad value are errors naming file:line:key. `not_read`: the keys the estimate does not price.
// LLaMA-Factory's training YAML (`llamafactory-cli train FILE.yaml`, S3830): every key is the
// field of the same name (finetuning_type, lora_rank, lora_target, quantization_bit, cutoff_len,
// per_device_train_batch_size, deepspeed, ...), set as LLaMA-Factory reads it; keys the estimate
// does not price (dataset, learning rate, output) go to `not_read`. `file` names it in errors.
Result<void> ReadLlamaFactoryConfig(TrainRequest& r, const std::string& text,
                                    const std::string& file, std::vector<std::string>& not_read);

// How an engine's or a trainer's YAML file gives a field its value (FieldValueOfYaml).
enum class YamlValues {
  // LLaMA-Factory's training YAML (S3830), as its argument parser reads it: a switch takes true or
  // false, and false (a switch not given) and a null / None value leave the field unset; a list
  // keeps its scalar items; a mapping or a bare null is not read.
  kLenient,
  // vLLM's --config (S3676), each of its long flags: every value is read or refused. A bare null,
  // a list holding a non-scalar and a switch that is not a YAML boolean are errors; a mapping is
  // the JSON text the flag takes; a list for a field of one value is its items joined by commas.
  kStrict,
};
// A YAML value for a field of `kind`: `value`, or none (kLenient: the field is left unset), or
// `not_read` (kLenient: nothing the field can take). Errors name `file`, the line (the key's,
// `line`, or a list item's) and `key`.
struct YamlField {
  std::optional<FieldValue> value;
  bool not_read = false;
};
Result<YamlField> FieldValueOfYaml(const YAML::Node& v, FieldKind kind, YamlValues policy,
                                   const std::string& file, int line, const std::string& key);
Result<void> ReadDeepSpeedConfig(TrainRequest& r, const std::string& text,
                                 std::vector<std::string>& not_read);

// Hugging Face Accelerate's config YAML (`accelerate launch --config_file`, TRL's
// --accelerate_config; accelerate's config_args.py and dataclasses.py, S4781): distributed_type
// (NO one process; MULTI_GPU and the other MULTI_ devices DDP; DEEPSPEED its
// deepspeed_config.zero_stage, offload devices and deepspeed_config_file; FSDP its
// fsdp_config sharding, activation checkpointing and parameter offload), mixed_precision and
// num_processes, where the line's own flags do not give them. `read`: what was read, for the
// answer; `not_read`: what is not priced. Bad values are errors naming file:line:key.
Result<void> ReadAccelerateConfig(TrainRequest& r, const std::string& text, const std::string& file,
                                  std::vector<std::string>& not_read, std::string& read);
// The keys TRL's named Accelerate config sets (zero1-3, fsdp1/2, multi_gpu, single_gpu: S4780) as
// YAML text; nullopt for another name.
std::optional<std::string> TrlAccelerateConfig(const std::string& name);

// An infer request's model and formats, after the checks that do not depend on the chip.
struct InferFormats {
  const catalog::Model* model = nullptr;
  // The formats the request gives; without dtype, each chip serves the checkpoint's formats
  // as it can (perf::ServedFormatOf).
  std::optional<perf::ServingDType> dtype;
  std::optional<perf::ServingDType> kv_dtype, expert_dtype, attention_dtype;
  catalog::ModelCheckpoint checkpoint;
  perf::EngineLimits limits;  // the serving engine's, with the request's overrides
  const catalog::Model* draft_model = nullptr;
};
// The request with the launch flags engines spell their own way (SGLang's --tp-size,
// vLLM's --speculative-config, ...) turned into its fields; first, before any check.
// `llm_api_options`: the text of the request's extra_llm_api_options file, when it names one.
// Whether a command (a container's command and arguments, as Kubernetes runs them) starts a
// serving engine: a word that is a server's launcher (vllm serve, python3 -m
// sglang.launch_server, trtllm-serve, Dynamo's workers) or a benchmark running the engine in its
// own process. A path's directories and a shell line's other words are looked through.
bool ServesAModel(const std::vector<std::string>& command);
// The model a serving command launches: `vllm serve MODEL`, `trtllm-serve MODEL`, or the value
// of --model / --model-path / --model_path (SGLang's launch_server, Dynamo's workers), also
// inside `sh -c "..."`; "" when it names none.
std::string ServedModelOf(const std::vector<std::string>& command);
// The model a training command trains: the value of --model_name_or_path (the Hugging Face
// Trainer, LLaMA-Factory), else of Megatron's --tokenizer-model or MindSpeed-LLM's
// --tokenizer-name-or-path (the model's Hugging Face folder), a trailing '/' dropped; "" when none.
std::string TrainedModelOf(const std::vector<std::string>& command);
// The Megatron shape flags a training command gives (--num-layers, --hidden-size, ...), set on an
// otherwise empty request for ModelOfShape; a value that is no number is left out.
TrainRequest TrainedShapeOf(const std::vector<std::string>& command);

Result<InferRequest> ResolveFrameworkFlags(const catalog::Catalog& cat, InferRequest r,
                                           const std::string& llm_api_options = "");

// The request's --dataset: under vllm bench serve or sglang.bench_serving their ShareGPT file
// (--dataset-name sharegpt); else trtllm-bench's JSON Lines (`text`, as read or why not), whose
// mean prompt (input_ids) and output (output_tokens) lengths become the lengths not given.
Result<void> ReadBenchDataset(InferRequest& r, const Result<std::string>& text);

Result<InferFormats> CheckInferRequest(const catalog::Catalog& cat, const InferRequest& r);
perf::InferenceJob InferJobFor(const catalog::Catalog& cat, const InferRequest& r,
                               const InferFormats& formats, const catalog::Chip& chip);

// Without --dtype, 16-bit weights that fit no layout of `job` (its system attached) are served in
// the chip's 8-bit format, as vLLM and SGLang serve a BF16 checkpoint with --quantization fp8
// (and as labs release FP8 copies: GLM-4.5-FP8, Qwen3-235B-A22B-FP8), or where those do not fit
// either in 4-bit weights with 16-bit math (AWQ/GPTQ checkpoints, as a 30B MoE runs on one 32 GB
// card); the dtype basis says so. Unchanged when the request gives a dtype, the weights fit, or
// 4-bit weights do not fit either.
void FitWeightsInFewerBits(const InferRequest& r, const perf::InferenceConstraints& fixed,
                           perf::InferenceJob& job);

// An infer request for one chip as a job with its system and power cap, and the layout knobs
// it fixes: everything `infer` checks.
struct InferSetup {
  perf::InferenceJob job;
  perf::InferenceConstraints fixed;
};
Result<InferSetup> BuildInferJob(const catalog::Catalog& cat, const InferRequest& r);

// The latency targets an infer request is estimated and simulated under: those given, else in the
// server and interactive modes MLPerf's for the mode, with what they say of themselves.
struct LatencyTargets {
  std::optional<double> ttft_ms, tpot_ms;
  std::string source;  // empty when given
  // Which of the two are MLPerf's defaults rather than the request's (a default may be relaxed
  // or left out where no layout meets it; a given one never is).
  bool ttft_defaulted = false, tpot_defaulted = false;
};

// The estimate of `job` (whose targets InferJobFor set) within `fixed`. MLPerf's default TTFT
// suits prompts of a few hundred tokens: when no layout meets it and the user gave no target, a
// long prompt takes MLPerf's long-context TTFT scaled to its length, and `job.ttft_ms` is relaxed
// to it. `targets` receives the targets the estimate is under, for the simulation and the report.
Result<perf::InferenceEstimate> EstimateAtTargets(const InferRequest& r, perf::InferenceJob& job,
                                                  const perf::InferenceConstraints& fixed,
                                                  LatencyTargets* targets);

// The nodes of a --cluster spec, the one reading replay and simulate (CLI and HTTP) share
// (docs/trace-formats.md, Clusters): "type:count" is one pool of count GPUs (Gavel's model);
// "type:count:gpus_per_node" nodes of that size; "type:NxG" N nodes of G (type:N*G:G), as every
// chip count reads "2x8" (a node size other than G is an error). A count is a chip count as users
// type it (ParseWholeAmount's field count: "h100:2k" is 2,048). Errors name the field cluster.
Result<std::vector<sim::Node>> ClusterNodes(const std::string& spec);

// vLLM's `--config FILE` (under a pasted `vllm serve`): the YAML's keys are the long flags
// (max-model-len or max_model_len), read as the fields they name; the command line wins over the
// file and the file over the defaults (docs.vllm.ai serve_args, S3676), so a key whose field the
// front door set (r.fields_given) is skipped. An unknown key or a value its field refuses is an
// error naming the file, the line and the key. Returns false (and leaves `r`) when `r` is not a
// pasted vLLM server, whose --config is TensorRT-LLM's file of LLM API options.
Result<bool> MergeVllmConfig(InferRequest& r, const std::string& text);

// NeMo 2's recipes read here (`nemo llm pretrain --factory NAME`, nemo/collections/llm/recipes,
// S3577, S4364): the layout each pretrain_recipe sets and the catalog model its model() builds.
struct NemoRecipe {
  std::string_view name;
  std::string_view model;  // catalog model id
  int tp, pp, vp, cp, nodes;
  bool overlap;
};
// The recipe name a --factory gives ("llama3_8b" of "llama3_8b.pretrain_recipe(num_nodes=2)",
// spaces dropped), and the recipe it names or nullptr; kNemoRecipeNames lists them for errors.
std::string NemoRecipeName(const std::string& factory);
const NemoRecipe* FindNemoRecipe(const std::string& factory);
inline constexpr std::string_view kNemoRecipeNames = "llama3_8b, llama3_70b";

}  // namespace suanli::app::internal

#endif  // SUANLI_APP_INTERNAL_H_
