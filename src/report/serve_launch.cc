#include "report/serve_launch.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace suanli::report {
namespace {

using perf::ServingDType;

// What every engine's command takes from the estimate.
struct Plan {
  int tp = 1, dp = 1, ep = 1;  // attention TP per group, attention groups, expert parallel
  int pp = 1;                  // pipeline stages
  int chips = 1;               // per instance
  int stage_chips = 1;         // per pipeline stage: tp x dp
  int nodes = 1;               // the instance's nodes
  long batch = 1;              // running sequences per attention group
  // The running-sequence cap the estimate ran with, per attention group: vLLM's --max-num-seqs,
  // TensorRT-LLM's max_batch_size and MindIE's maxBatchSize (each attention-DP rank's, S4430,
  // S4431, S4570); SGLang's --max-running-requests is the server's, cap x dp (S3014), or
  // server_cap where the cap was given as the server's (an engine whose max_num_seqs is the
  // instance's, SGLang's, dealt over the groups as the estimate deals it), printed as given: 0
  // where it was not.
  long cap = 1;
  long server_cap = 0;
  long step_tokens = 1;  // tokens per step per group (decode + prompt chunks)
  // A token budget given as the server's (SGLang's --chunked-prefill-size under attention DP,
  // dealt // dp over the groups: max_batched_tokens_per_instance), printed as given to SGLang; 0
  // where the budget is each group's.
  long server_tokens = 0;
  long prompt_tokens = 0;      // prompt tokens per step per group
  long context = 1;            // prompt + output
  double hbm_fraction = 0.9;   // weights + KV + workspace over HBM (vLLM, SGLang)
  double free_fraction = 0.9;  // KV over what the weights leave (TensorRT-LLM)
  ServingDType kv = ServingDType::kBf16;
};

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

double CeilTo2(double v) { return std::clamp(std::ceil(v * 100 - 1e-6) / 100, 0.01, 0.99); }

// Two places, or three where the fraction has them (SGLang's own rule rounds to three, S3740;
// a fraction given is printed as given), so the engine starts with the memory priced.
std::string Fraction(double v) {
  return std::abs(std::round(v * 100) / 100 - v) < 1e-9 ? fmt::format("{:.2f}", v)
                                                        : fmt::format("{:.3f}", v);
}
std::string Num(double v) { return fmt::format("{:.0f}", v); }

Plan MakePlan(const perf::InferenceJob& job, const perf::InferenceEstimate& e) {
  Plan p;
  p.tp = e.layout.tp;
  p.dp = e.layout.dp;
  p.ep = e.layout.ep;
  p.pp = e.layout.pp;
  p.chips = e.layout.chips();
  p.stage_chips = p.tp * p.dp;
  const int per_node = std::max(1, job.system.chips_per_node);
  p.nodes = (p.chips + per_node - 1) / per_node;
  p.batch = std::max(1, e.launch_batch);
  // Aggregated steps carry the prompts of the sequences they start: computed prompt tokens per
  // output token, per running sequence (the estimate's steady state).
  if (!e.disaggregated) {
    const double computed = job.input_tokens * (1 - job.prefix_cache_hit);
    p.prompt_tokens = static_cast<long>(std::ceil(p.batch * computed / job.output_tokens - 1e-9));
  }
  p.step_tokens = p.batch + p.prompt_tokens;
  // The engine's limits on this layout (trtllm-bench's offline where the user set none), each
  // group's: a server-wide budget is the group's // dp share, as SGLang deals it and the estimate
  // priced it (perf GroupTokenBudget), so vLLM's --max-num-batched-tokens and TensorRT-LLM's
  // --max_num_tokens (each rank's) get that share, and SGLang the server's figure.
  const auto limits = perf::LimitsAt(job, e.layout);
  if (limits.max_batched_tokens) {
    p.step_tokens = static_cast<long>(*limits.max_batched_tokens);
    if (limits.max_batched_tokens_per_instance && limits.chunked_prefill && p.dp > 1) {
      p.server_tokens = p.step_tokens;
      p.step_tokens = std::max(1L, p.step_tokens / p.dp);
    }
    p.prompt_tokens = p.step_tokens;
  }
  // The cap the estimate ran with: the engine's (its default where the request gave none,
  // trtllm-bench's or SGLang's KV-derived one where it derives one), else, with no cap of the
  // engine's, the estimate's own (launch_batch). Never the estimate's batch in place of the
  // engine's cap: vLLM sizes its KV pool after a start-up profile of max_num_seqs sequences
  // (profile_logit_bytes), so a command capped at the batch would start with more KV than was
  // priced and price differently.
  p.cap = p.batch;
  if (limits.max_num_seqs) {
    p.cap = *limits.max_num_seqs;
    if (limits.max_num_seqs_per_instance) {
      p.server_cap = p.cap;
      if (p.dp > 1) p.cap = std::max(1L, p.cap / p.dp);
    }
  }
  p.context = static_cast<long>(std::ceil(job.input_tokens + job.output_tokens - 1e-9));
  // What the engine keeps besides the weights and the KV pool when it starts with the
  // --max-num-seqs printed here: the estimate's own rule (perf::ServingReserveBytes), so the
  // fraction leaves the engine the KV pool the estimate assumed.
  const double workspace =
      perf::ServingReserveBytes(job, static_cast<int>(p.server_cap > 0 ? p.server_cap : p.cap)) /
      kGiB;
  const double memory = e.memory_capacity_gib;
  if (const auto reserve = perf::EngineReserveBytes(job, e.layout)) {
    // The engine's own rule for its fraction (SGLang's HBM less a reserve by layout, S3740): the
    // fraction it computes, which given back on the command line prices the same.
    p.hbm_fraction = 1 - *reserve / (*job.chip->memory_gib.value * kGiB);
  } else if (job.limits.kv_memory_fraction && !job.limits.fraction_of_free_memory) {
    p.hbm_fraction = *job.limits.kv_memory_fraction;
  } else {
    p.hbm_fraction =
        CeilTo2((e.weights_gib_per_chip + e.kv_cache_gib_per_chip + workspace) / memory);
  }
  if (job.limits.kv_memory_fraction && job.limits.fraction_of_free_memory) {
    p.free_fraction = *job.limits.kv_memory_fraction;
  } else {
    const double free =
        memory - job.calibration.memory_reserved_gib - workspace - e.weights_gib_per_chip;
    p.free_fraction = CeilTo2(e.kv_cache_gib_per_chip / free);
  }
  // The KV format the estimate used (the request's, the engine's default, else 8-bit with
  // 8-bit or smaller weights).
  p.kv = perf::KvDTypeOf(job, perf::ServingDTypeBytes(job.dtype));
  // The engines count the devices they see: on a chip whose dies are separate devices (the
  // Ascend 910C's two, the system's ranks_per_chip) each package is that many ("Cards: 4 on A3
  // means --tp-size 8", S3140). The dies go to the attention TP, else to the attention groups,
  // each then running its share of the package's sequences.
  if (const int dies = job.system.scale_up.ranks_per_chip; dies > 1) {
    if (p.tp > 1 || p.dp == 1) {
      p.tp *= dies;
    } else {
      p.dp *= dies;
      p.batch = (p.batch + dies - 1) / dies;
      p.cap = (p.cap + dies - 1) / dies;
      p.step_tokens = (p.step_tokens + dies - 1) / dies;
      p.prompt_tokens = (p.prompt_tokens + dies - 1) / dies;
    }
    if (p.ep > 1) p.ep *= dies;
    p.stage_chips = p.tp * p.dp;
  }
  return p;
}

// A weight format the engine reads from a pre-quantized checkpoint, not from a flag.
void CheckpointNote(const perf::InferenceJob& job, Launch& out) {
  const std::string name(perf::ServingDTypeName(job.dtype));
  out.notes.push_back(fmt::format(
      "{} weights: serve a {} checkpoint (its config.json quantization_config selects the "
      "kernels); the engine has no flag that quantizes to it at load",
      name, name));
}

void CommonNotes(const perf::InferenceJob& job, const perf::InferenceEstimate& e, const Plan& p,
                 int mtp, Launch& out) {
  // Without an engine's limits the estimate may fill HBM beyond what the engine leaves by
  // default for activations and graphs (vLLM 0.90 of HBM, SGLang about 0.88, TensorRT-LLM 0.90
  // of what the weights leave).
  const bool trtllm = out.stack == "trtllm";
  const double fraction = trtllm ? p.free_fraction : p.hbm_fraction;
  if (!job.limits.kv_memory_fraction && fraction > 0.9) {
    out.notes.push_back(
        fmt::format("the estimate fills {} of {} memory; the engine's default is 0.90 or less: "
                    "estimate with --engine {} to size the batch within its documented limits",
                    Fraction(fraction), trtllm ? "the free" : "HBM", out.stack));
  }
  out.notes.push_back("MODEL: the checkpoint of " + job.model->name +
                      " (a Hugging Face repo id or a local path)");
  if (mtp > 0 && job.model->mtp_layers == 0) {
    out.notes.push_back(job.model->name +
                        " ships no MTP module: the speculative flags need a draft model "
                        "(EAGLE) in its place");
  }
  if (e.disaggregated) {
    out.notes.push_back(fmt::format(
        "disaggregated: this is the decode instance; prefill runs on separate instances of tp {}, "
        "dp {}, ep {} ({:.2f} prefill chips per decode chip)",
        e.prefill_layout.tp, e.prefill_layout.dp, e.prefill_layout.ep,
        e.prefill_chips_per_decode_chip));
  }
}

// The all-to-all backend the engine's command names when the estimate priced the attention-DP
// expert exchange as an all-to-all (perf::AttentionDpAllToAll): the one the request named when
// this engine has it, else the engine's DeepEP (SGLang's deepep, whose --deepep-mode auto runs the
// low-latency kernels for decode; vLLM's deepep_low_latency for a decode instance, else
// deepep_high_throughput, as vLLM's expert-parallel guide pairs them). Empty: the engine's
// default gather, which the command leaves unnamed.
std::string AllToAllBackend(const perf::InferenceJob& job, const perf::InferenceEstimate& e,
                            const std::vector<std::string>& names, const std::string& fallback) {
  if (!perf::AttentionDpAllToAll(job, e.layout)) return "";
  const std::string& given = job.limits.moe_a2a_backend;
  if (std::find(names.begin(), names.end(), given) != names.end()) return given;
  return fallback;
}

// vLLM and SGLang name weight formats alike: --dtype for 16-bit, --quantization fp8; other
// formats come from the checkpoint.
template <typename Add>
void AddWeightFormat(const perf::InferenceJob& job, const Add& add, Launch& out) {
  switch (job.dtype) {
    case ServingDType::kBf16:
      add("--dtype", "bfloat16");
      break;
    case ServingDType::kFp16:
      add("--dtype", "float16");
      break;
    case ServingDType::kFp8:
    case ServingDType::kW8A16:  // FP8 weights: Marlin's W8A16 kernels where the GPU lacks FP8
      add("--quantization", "fp8");
      break;
    default:
      CheckpointNote(job, out);
  }
}

void VllmArgs(const perf::InferenceJob& job, const perf::InferenceEstimate& e, const Plan& p,
              int mtp, Launch& out) {
  auto add = [&](std::string flag, const std::string& value = "") {
    out.args.push_back(value.empty() ? flag : flag + " " + value);
  };
  add("--tensor-parallel-size", Num(p.tp));
  if (p.pp > 1) add("--pipeline-parallel-size", Num(p.pp));
  if (p.dp > 1) add("--data-parallel-size", Num(p.dp));
  if (p.ep > 1) add("--enable-expert-parallel");
  add("--max-model-len", Num(p.context));
  add("--max-num-seqs", Num(p.cap));
  add("--max-num-batched-tokens", Num(p.step_tokens));
  // Prompts whole, as priced: vLLM's BooleanOptionalAction spelling (S3861). Its SchedulerConfig
  // refuses a step budget below --max-model-len with chunking off (S3862).
  if (!job.limits.chunked_prefill) {
    add("--no-enable-chunked-prefill");
    if (p.step_tokens < p.context) {
      out.notes.push_back(fmt::format(
          "vLLM refuses --max-num-batched-tokens {} below --max-model-len {} with chunked prefill "
          "off: the estimate's step budget cannot start; give --max-batched-tokens {} or more, or "
          "chunk the prompts",
          p.step_tokens, p.context, p.context));
    }
  }
  if (job.limits.prefix_cache_off) add("--no-enable-prefix-caching");
  add("--gpu-memory-utilization", Fraction(p.hbm_fraction));
  AddWeightFormat(job, add, out);
  if (p.kv == ServingDType::kFp8) add("--kv-cache-dtype", "fp8");
  if (p.kv == ServingDType::kInt8) {
    out.notes.push_back("vLLM quantizes the KV cache to fp8, not int8: --kv-cache-dtype fp8");
    add("--kv-cache-dtype", "fp8");
  }
  if (mtp > 0) {
    add("--speculative-config",
        fmt::format("'{{\"method\":\"mtp\",\"num_speculative_tokens\":{}}}'", mtp));
  }
  // vLLM's --all2all-backend choices that are all-to-all kernels (S2760).
  static const std::vector<std::string> kVllmAllToAll = {
      "pplx", "deepep_high_throughput", "deepep_low_latency", "flashinfer_all2allv"};
  const std::string a2a = AllToAllBackend(
      job, e, kVllmAllToAll, e.disaggregated ? "deepep_low_latency" : "deepep_high_throughput");
  if (!a2a.empty()) add("--all2all-backend", a2a);
  // The graph mode priced: no graphs, or each decode step replayed as one full graph (vLLM's
  // CUDAGraphMode FULL_DECODE_ONLY, set through --compilation-config: S3734, S3520).
  if (job.limits.enforce_eager) {
    add("--enforce-eager");
  } else if (job.limits.full_decode_graph) {
    add("--compilation-config", "'{\"cudagraph_mode\":\"FULL_DECODE_ONLY\"}'");
  }
  // The scheduling priced, spelt out either way: vLLM's default changed in 0.14 (S2901). Multi-step
  // scheduling without async (vLLM V0 up to 0.10.1, which any value above 1 falls back to, S4341)
  // is its own flag, and those releases have no --no-async-scheduling.
  if (job.limits.scheduler_steps > 1 && !job.limits.async_scheduling) {
    add("--num-scheduler-steps", std::to_string(job.limits.scheduler_steps));
  } else if (job.limits.host_seq_us > 0) {
    add(job.limits.async_scheduling ? "--async-scheduling" : "--no-async-scheduling");
  }
  if (p.nodes > 1) {
    out.notes.push_back(fmt::format(
        "the instance spans {} nodes: with data parallel, start vLLM on each node with "
        "--data-parallel-size-local and --data-parallel-address (--headless on all but the "
        "first); tensor parallel across nodes needs a Ray cluster",
        p.nodes));
  }
}

void SglangArgs(const perf::InferenceJob& job, const perf::InferenceEstimate& e, const Plan& p,
                int mtp, Launch& out) {
  auto add = [&](std::string flag, const std::string& value = "") {
    out.args.push_back(value.empty() ? flag : flag + " " + value);
  };
  // SGLang's --tp-size counts every GPU of the instance; with DP attention, --dp-size groups
  // share them (attention TP = tp-size / dp-size).
  add("--tp-size", Num(p.stage_chips));
  if (p.pp > 1) add("--pp-size", Num(p.pp));
  if (p.dp > 1) {
    add("--dp-size", Num(p.dp));
    add("--enable-dp-attention");
  }
  if (p.ep > 1) add("--ep-size", Num(p.ep));
  // SGLang's --moe-a2a-backend choices that are all-to-all kernels (S2761).
  static const std::vector<std::string> kSglangAllToAll = {"deepep", "mooncake", "mori",
                                                           "ascend_fuseep", "flashinfer"};
  const std::string a2a = AllToAllBackend(job, e, kSglangAllToAll, "deepep");
  if (!a2a.empty()) add("--moe-a2a-backend", a2a);
  if (p.nodes > 1) {
    add("--nnodes", Num(p.nodes));
    add("--node-rank", "NODE_RANK");
    add("--dist-init-addr", "MASTER_ADDR:5000");
  }
  add("--context-length", Num(p.context));
  // The server-wide cap; SGLang divides it among the DP attention groups. Where the request gave
  // none it is SGLang's own default for this pool (perf::DefaultRunningRequests), printed because
  // SGLang derives that default over --context-length, which the command sets shorter than the
  // model's: pasted back, the command runs the cap that was priced.
  add("--max-running-requests", Num(p.server_cap > 0 ? p.server_cap : p.cap * p.dp));
  // Whole prompts are SGLang's --chunked-prefill-size -1 (its scheduler reads <= 0 as chunking
  // off, S3860); its prefill batches are then bounded by --max-prefill-tokens alone.
  if (!job.limits.chunked_prefill) {
    add("--chunked-prefill-size", "-1");
  } else if (p.prompt_tokens > 0) {
    // The server's budget: SGLang under attention DP deals it // dp over the groups (S3103).
    add("--chunked-prefill-size",
        Num(p.server_tokens > 0 ? p.server_tokens : p.prompt_tokens * p.dp));
  }
  if (job.limits.max_prefill_tokens)
    add("--max-prefill-tokens", Num(*job.limits.max_prefill_tokens));
  if (job.limits.prefix_cache_off) add("--disable-radix-cache");
  add("--mem-fraction-static", Fraction(p.hbm_fraction));
  AddWeightFormat(job, add, out);
  if (p.kv == ServingDType::kFp8 || p.kv == ServingDType::kInt8) {
    if (p.kv == ServingDType::kInt8)
      out.notes.push_back("SGLang quantizes the KV cache to fp8, not int8: fp8_e4m3");
    add("--kv-cache-dtype", "fp8_e4m3");
  }
  if (mtp > 0) {
    // SGLang runs a model's MTP module through its EAGLE path: one draft token per step of the
    // module, top-1, and the verified tokens = drafts + 1 (its DeepSeek-V3 recipe).
    add("--speculative-algorithm", "EAGLE");
    add("--speculative-num-steps", Num(mtp));
    add("--speculative-eagle-topk", "1");
    add("--speculative-num-draft-tokens", Num(mtp + 1));
  }
  // The graph settings priced: no graphs at all, or graphs up to a batch size above which a
  // step runs eagerly (S3042, S3356).
  if (job.limits.enforce_eager) {
    add("--disable-cuda-graph");
  } else if (job.limits.graph_max_batch > 0) {
    add("--cuda-graph-max-bs", Num(job.limits.graph_max_batch));
  }
  if (e.disaggregated) add("--disaggregation-mode", "decode");
}

void TrtllmArgs(const perf::InferenceJob& job, const perf::InferenceEstimate& e, const Plan& p,
                int mtp, Launch& out) {
  auto add = [&](std::string flag, const std::string& value = "") {
    out.args.push_back(value.empty() ? flag : flag + " " + value);
  };
  add("--backend", "pytorch");
  // tp_size counts every GPU; enable_attention_dp makes each a separate attention group.
  add("--tp_size", Num(p.stage_chips));
  if (p.pp > 1) add("--pp_size", Num(p.pp));
  if (p.ep > 1) add("--ep_size", Num(p.ep));
  add("--max_seq_len", Num(p.context));
  add("--max_batch_size", Num(p.cap));
  add("--max_num_tokens", Num(p.step_tokens));
  add("--kv_cache_free_gpu_memory_fraction", Fraction(p.free_fraction));
  // What trtllm-serve takes only from its extra options file. Its kv_cache_config replaces the
  // flag's, so the fraction is repeated there.
  std::string yaml;
  if (p.dp > 1) yaml += "enable_attention_dp: true\n";
  // trtllm-serve leaves chunked prefill off; the estimate's steps carry prompt chunks.
  if (!e.disaggregated && job.limits.chunked_prefill) yaml += "enable_chunked_prefill: true\n";
  if (job.dtype == ServingDType::kBf16 || job.dtype == ServingDType::kFp16) {
    yaml += job.dtype == ServingDType::kBf16 ? "dtype: bfloat16\n" : "dtype: float16\n";
  } else {
    CheckpointNote(job, out);
  }
  // KvCacheConfig: the cache format, block reuse (TensorRT-LLM's prefix cache, on by default:
  // enable_block_reuse, S3863) and the fraction, which the section replaces the flag's for.
  std::string kv;
  if (p.kv == ServingDType::kFp8 || p.kv == ServingDType::kInt8) kv += "  dtype: fp8\n";
  if (job.limits.prefix_cache_off) kv += "  enable_block_reuse: false\n";
  if (!kv.empty()) {
    yaml += "kv_cache_config:\n" + kv + "  free_gpu_memory_fraction: " + Fraction(p.free_fraction) +
            "\n";
  }
  // Admission on the prompt, pausing the latest request when the cache runs out, as simulated
  // (--kv-admission optimistic): TensorRT-LLM's MAX_UTILIZATION; its default reserves the output.
  // SGLang's retract admission has no policy of TensorRT-LLM's (S3141; a simulated estimate with it
  // is refused before this): the analytic estimate does not run it, and the file keeps the default.
  if (job.limits.optimistic_admission && !job.limits.retract_admission) {
    yaml += "scheduler_config:\n  capacity_scheduler_policy: MAX_UTILIZATION\n";
  }
  // The padded graph sizes priced (cuda_graph_config batch_sizes with enable_padding: S2360).
  if (!job.limits.graph_batch_sizes.empty()) {
    yaml += fmt::format("cuda_graph_config:\n  enable_padding: true\n  batch_sizes: [{}]\n",
                        fmt::join(job.limits.graph_batch_sizes, ", "));
  }
  if (mtp > 0) {
    yaml +=
        "speculative_config:\n  decoding_type: MTP\n  num_nextn_predict_layers: " + Num(mtp) + "\n";
  }
  // The MoE backend the estimate priced, as named (moe_config.backend takes upper case).
  if (!job.limits.moe_backend.empty()) {
    std::string backend = job.limits.moe_backend;
    for (auto& c : backend) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    yaml += "moe_config:\n  backend: " + backend + "\n";
  }
  if (!yaml.empty()) {
    out.config_file = "extra-llm-api-config.yml";
    out.config = yaml;
    add("--extra_llm_api_options", out.config_file);
  }
  if (p.nodes > 1) {
    out.notes.push_back(
        fmt::format("the instance spans {} nodes: start trtllm-serve under mpirun or srun "
                    "(trtllm-llmapi-launch) with one rank per GPU",
                    p.nodes));
  }
}

// MindIE Service (mindieservice_daemon) reads its deployment from conf/config.json (S3962):
// BackendConfig's ModelDeployConfig (maxSeqLen, maxInputTokenLen: the longest prompt, at most
// maxSeqLen - 1 and maxPrefillTokens), its ModelConfig (worldSize the devices, npuMemSize -1 a KV
// pool sized from NPU_MEMORY_FRACTION of each device less the weights and the runtime's, the
// parallel sizes tp / dp / moe_tp / moe_ep, plugin_params for MTP and SplitFuse) and
// ScheduleConfig (templateType Standard: prompts batched apart from the decodes, whole; Mix with
// the splitfuse plugin: chunked into the decode steps; maxPrefillTokens the prompt tokens of a
// step, maxBatchSize the decode batch, maxIterTimes the longest output). The fragment printed
// replaces those keys of the shipped file; the rest (ports, TLS, logs) stay.
void MindieConfig(const perf::InferenceJob& job, const perf::InferenceEstimate& e, const Plan& p,
                  int mtp, Launch& out) {
  const int world = p.stage_chips * p.pp;
  const int dies = std::max(1, job.system.scale_up.ranks_per_chip);
  const int node_devices = std::max(1, job.system.chips_per_node) * dies;
  const bool mix = job.limits.chunked_prefill && !e.disaggregated;
  nlohmann::ordered_json model = {{"modelInstanceType", "Standard"},
                                  {"modelName", job.model->id},
                                  {"modelWeightPath", "MODEL"},
                                  {"worldSize", world},
                                  {"npuMemSize", -1},
                                  {"backendType", "atb"},
                                  {"tp", p.tp},
                                  {"dp", p.dp}};
  if (p.pp > 1) model["pp"] = p.pp;
  if (job.model->is_moe()) {
    // Each expert group splits its experts over moe_tp devices: moe_tp x moe_ep = the stage's.
    const int ep = std::max(1, p.ep);
    model["moe_ep"] = ep;
    model["moe_tp"] = std::max(1, p.stage_chips / ep);
  }
  std::vector<std::string> plugins;
  if (mtp > 0) plugins.push_back("mtp");
  if (mix) plugins.push_back("splitfuse");
  if (!plugins.empty()) {
    std::string params = fmt::format("{{\"plugin_type\":\"{}\"", fmt::join(plugins, ","));
    if (mtp > 0) params += fmt::format(",\"num_speculative_tokens\":{}", mtp);
    model["plugin_params"] = params + "}";
  }
  const long prefill_tokens = std::max(1L, p.step_tokens);
  std::vector<int> devices;
  for (int d = 0; d < std::min(world, node_devices); ++d) devices.push_back(d);
  nlohmann::ordered_json backend = {
      {"npuDeviceIds", nlohmann::ordered_json::array({devices})},
      {"multiNodesInferEnabled", p.nodes > 1},
      {"ModelDeployConfig",
       {{"maxSeqLen", p.context},
        {"maxInputTokenLen", std::max(1L, std::min(p.context - 1, prefill_tokens))},
        {"ModelConfig", nlohmann::ordered_json::array({model})}}},
      {"ScheduleConfig",
       {{"templateType", mix ? "Mix" : "Standard"},
        {"maxPrefillTokens", prefill_tokens},
        {"maxBatchSize", p.cap},
        {"maxIterTimes", p.context}}}};
  out.config_file = "mindie-config-fragment.json";
  out.config = nlohmann::ordered_json{{"BackendConfig", backend}}.dump(2) + "\n";
  out.command = "NPU_MEMORY_FRACTION=" + Fraction(p.hbm_fraction) + " ./bin/mindieservice_daemon";
  out.notes.push_back(
      "merge " + out.config_file +
      " into {MindIE}/latest/mindie-service/conf/config.json (its keys replace the shipped "
      "file's; ports, TLS and logs stay) and start the daemon there; maxPrefillBatchSize (50 as "
      "shipped) is not priced");
  if (p.dp > 1) {
    out.notes.push_back(
        fmt::format("maxBatchSize {} is each attention-DP group's (each group schedules its own "
                    "decode batch), as priced",
                    p.cap));
  }
  if (job.dtype != ServingDType::kBf16 && job.dtype != ServingDType::kFp16)
    CheckpointNote(job, out);
  if (p.kv == ServingDType::kInt8 || p.kv == ServingDType::kFp8) {
    out.notes.push_back(
        "an 8-bit KV cache comes from a checkpoint quantized with it (msModelSlim's KV "
        "quantization): MindIE has no switch for it");
  }
  if (mix && mtp > 0) {
    out.notes.push_back("MindIE's SplitFuse does not run with MTP: prompts then go whole");
  }
  if (p.nodes > 1) {
    out.notes.push_back(
        fmt::format("the instance spans {} nodes: MindIE takes the devices from the rank table "
                    "(RANK_TABLE_FILE), not npuDeviceIds, and worldSize from it",
                    p.nodes));
  }
}

}  // namespace

std::vector<std::string> ServeEngines() { return {"vllm", "sglang", "trtllm", "mindie"}; }

Result<Launch> ServeLaunchFor(const std::string& engine, const perf::InferenceJob& job,
                              const perf::InferenceEstimate& estimate, int mtp,
                              double longest_request) {
  Launch out;
  out.stack = engine;
  Plan p = MakePlan(job, estimate);
  // Lengths that spread (a reasoning model's outputs) need the longest request's context: a
  // shorter --max-model-len cuts or refuses the long ones the estimate serves.
  p.context = std::max(p.context, static_cast<long>(std::ceil(longest_request - 1e-9)));
  if (engine == "vllm") {
    out.command = "vllm serve MODEL";
    VllmArgs(job, estimate, p, mtp, out);
  } else if (engine == "sglang") {
    out.command = "python -m sglang.launch_server --model-path MODEL";
    SglangArgs(job, estimate, p, mtp, out);
  } else if (engine == "trtllm") {
    out.command = "trtllm-serve MODEL";
    TrtllmArgs(job, estimate, p, mtp, out);
  } else if (engine == "mindie") {
    MindieConfig(job, estimate, p, mtp, out);
  } else {
    return MakeError(
        "unknown engine '" + engine.substr(0, 40) + "'; expected " + JoinOr(ServeEngines()), "", 0,
        "emit");
  }
  CommonNotes(job, estimate, p, mtp, out);
  for (const auto& a : out.args) out.command += " \\\n  " + a;
  return out;
}

}  // namespace suanli::report
