// Inference performance model: prefill and decode per chip, TTFT and TPOT,
// the largest batch that meets a latency target, disaggregated prefill and
// decode, layout search over TP/EP/DP, and cost per token.
//
// Pure functions of the catalog and the calibration, like the training model.
#ifndef SUANLI_PERF_INFERENCE_H_
#define SUANLI_PERF_INFERENCE_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/calibration.h"
#include "catalog/chip.h"
#include "catalog/engine.h"
#include "catalog/model.h"
#include "catalog/system.h"
#include "core/error.h"

namespace suanli::catalog {
class Catalog;
}

namespace suanli::perf {

// Formats weights are served in. 8- and 4-bit formats compute at that
// format's peak (W8A8, W4A4); int4 and w8a16 are weight-only (W4A16, W8A16: 16-bit compute).
// kW4A8: 4-bit weights with 8-bit integer math (the weights widened to INT8 in the GEMM, the
// activations quantized to INT8): Ascend's W4A8 (msModelSlim), served by SGLang and vLLM-Ascend.
enum class ServingDType { kBf16, kFp16, kFp8, kInt8, kFp4, kInt4, kW8A16, kW4A8 };
std::string_view ServingDTypeName(ServingDType d);
std::optional<ServingDType> ParseServingDType(std::string_view s);
double ServingDTypeBytes(ServingDType d);
// Whether the chip can serve weights in `d`: it has a peak for that format (16-bit and
// weight-only int4 run at the 16-bit peak).
bool ChipServes(const catalog::Chip& chip, ServingDType d);
// Whether the catalog knows the chip's BF16 or FP16 peak.
bool SixteenBitPeakKnown(const catalog::Chip& chip);
// The formats the chip serves, for errors: "bf16, fp16, fp8 or int4", or why there are none.
std::string ServingFormatsOf(const catalog::Chip& chip);
// The format a chip serves a checkpoint's weights in when the request names none (the rule of
// the default dtype), and why when that differs from the checkpoint's: its own where the chip has
// that math; FP8 on NVIDIA GPUs without FP8 math (Ampere, Turing) as w8a16, 8-bit weights with
// 16-bit math (vLLM's FP8 Marlin); FP8 as INT8 (W8A8) on other chips with INT8 math but no FP8
// (how Ascend deployments serve DeepSeek's FP8 checkpoints); FP4 as 4-bit weights with 16-bit
// math (gpt-oss's MXFP4 experts on Hopper); else 16-bit; on a chip with no known 16-bit peak
// (roadmap parts rated in FP8/FP4 only, NPUs rated in INT8 TOPS), the widest of fp8, int8, fp4
// with a known peak, the weights quantized to it. A format the request names is never changed:
// one the chip lacks is an error naming the formats it has. Attention cores run at the 16-bit
// peak, or, where none is known, at the peak of AttentionFormatOf.
struct ServedFormat {
  ServingDType dtype = ServingDType::kBf16;
  std::string note;  // empty: the checkpoint's own format
};
ServedFormat ServedFormatOf(const catalog::Chip& chip, ServingDType checkpoint);
// The format a chip serves weights the request names in: that format where the chip has its
// math; FP8 on a chip of another vendor than NVIDIA with INT8 math (Ascend 910B/910C) as int8,
// W8A8 with per-token dynamic activation scales (msModelSlim's conversion, which vLLM-Ascend
// and SGLang on Ascend serve: no Marlin there); an 8-bit format it lacks otherwise (FP8
// on Ampere, INT8 on Blackwell Ultra) as w8a16, 8-bit weights with 16-bit math (vLLM's FP8
// Marlin kernels on Ampere); FP4 it lacks as int4,
// 4-bit weights with 16-bit math (vLLM's FP4 Marlin, TensorRT-LLM's MXFP4 on Hopper): the bytes
// the request asked for, at the math the chip has. Only where the catalog marks the format
// unsupported; else unchanged: the estimate names the formats the chip has, or the unknown peak.
ServedFormat NamedFormatOf(const catalog::Chip& chip, ServingDType named);
// The format attention cores (QK^T, PV) run in: 16-bit where the chip's BF16 or FP16 peak is
// known; else its widest 8-bit format with a known peak (FP8 attention, as FlashAttention-3 and
// Ascend's FP8/HiF8 kernels run it; SageAttention's INT8 QK^T); never 4-bit. nullopt: none.
std::optional<ServingDType> AttentionFormatOf(const catalog::Chip& chip);

enum class ServingMode { kOffline, kServer };

// One serving instance: dp attention groups of tp chips; experts are spread whole
// over ep = tp * dp chips, or with ep = 1 split by tensor parallel over all tp * dp chips of a
// stage, every chip holding 1/(tp * dp) of each expert and running the tokens of all groups
// through it (SGLang's --enable-dp-attention without --ep-size, vLLM's --data-parallel-size
// without --enable-expert-parallel).
// Dense models use dp = 1: replicas are separate instances.
// With pp > 1 each attention group is a pipeline of pp stages of tp chips, each stage holding
// layers / pp, with pp micro-batches in flight.
struct InferenceLayout {
  int tp = 1;
  int ep = 1;
  int dp = 1;
  int pp = 1;
  int chips() const { return tp * dp * pp; }
  bool operator==(const InferenceLayout&) const = default;
};

struct InferenceConstraints {
  std::optional<int> tp, ep, dp, pp;
};

// What a serving engine allows (catalog engines: vLLM, SGLang, TensorRT-LLM, MindIE defaults,
// each overridable): the running batch never exceeds max_num_seqs sequences per engine instance
// (one per attention group) nor max_batched_tokens tokens per step, and the KV cache gets what is
// left of kv_memory_fraction of HBM after the weights. Unset: no limit (the analytic bound).
struct EngineLimits {
  std::string engine;  // catalog id, or empty
  std::optional<int> max_num_seqs;
  // Requests in flight from a closed loop of clients (infer --concurrency, as vLLM's and
  // SGLang's benchmarks --max-concurrency): the whole deployment's when InferenceJob::chips is
  // given, dealt over its instances (ClientsPerInstance), else one instance's; a group runs at
  // most its instance's share over dp x pp, rounded up.
  std::optional<int> clients;
  std::optional<double> max_batched_tokens;
  // Prompt tokens per prefill batch (catalog::ServingEngine::max_prefill_tokens): the serving
  // simulator's admission; the steady state's prompts per step stay below it.
  std::optional<double> max_prefill_tokens;
  std::optional<double> kv_memory_fraction;
  bool fraction_of_free_memory = false;  // of what the weights leave (TensorRT-LLM), not of HBM
  // The engine's own memory rule where the user gives no fraction (catalog::ServingEngine::
  // memory_reserve_mib, SGLang's mem_fraction_static from the part and the layout): on the chip
  // families listed it replaces kv_memory_fraction (EngineReserveBytes). Empty: none.
  std::map<std::string, double> memory_reserve_mib;
  std::vector<std::string> memory_reserve_families;
  // The engine's own running-request cap where the request gives none (catalog::ServingEngine::
  // running_requests_default, SGLang's from its KV pool; LimitsAt applies it), over the context
  // the engine is started with: context_tokens (--context-length), unset the model's.
  std::map<std::string, double> running_requests_default;
  std::optional<double> context_tokens;
  // The serving simulator's admission: false reserves KV for a request's whole output before
  // admitting it (no eviction); true admits on the prompt and preempts (catalog engines).
  bool optimistic_admission = false;
  // The engine's own scheduler is vLLM V1's, prefix cache on: a request it preempts finds what is
  // left of its own blocks cached when it comes back
  // (sim::SchedulerLimits::preempted_prefix_cached).
  bool preemption_keeps_prefix = false;
  // With optimistic_admission: SGLang's estimate-based admission and retraction
  // (sim::SchedulerLimits::retract), not vLLM's prompt-only admission and recompute.
  bool retract_admission = false;
  // Attention-DP arrivals dealt in turn (SGLang's round robin), not to the emptiest group.
  bool round_robin_dispatch = false;
  // Tokens in one KV page of the engine's cache (catalog::ServingEngine::kv_block_tokens, or the
  // request's --block-size): the serving simulator holds KV and counts prefix hits in them.
  int kv_block_tokens = 16;
  // max_num_seqs is the instance's, split over its attention DP groups in the simulator
  // (SGLang's --max-running-requests); false: each group's own.
  bool max_num_seqs_per_instance = false;
  // max_batched_tokens is the instance's, each attention DP group chunking prompts by its share
  // (SGLang's --chunked-prefill-size under --enable-dp-attention); false: each group's own.
  bool max_batched_tokens_per_instance = false;
  // SGLang's --schedule-conservativeness (the retract admission's margin: new_token_ratio starts
  // at 0.7 times it), and the factor the engine applies to it under attention data parallel.
  double schedule_conservativeness = 1;
  double dp_attention_conservativeness = 1;
  bool chunked_prefill = true;  // the simulator's: prompts in chunks, or whole
  // The engine's prefix cache turned off (vLLM --no-enable-prefix-caching, SGLang
  // --disable-radix-cache, TensorRT-LLM enable_block_reuse false): what the printed serve command
  // (report::ServeLaunchFor) says; the estimate reads it from the request.
  bool prefix_cache_off = false;
  // max_num_seqs and max_batched_tokens, where unset, are those trtllm-bench throughput computes
  // for the layout and the workload (catalog::ServingEngine::offline_bench_limits; LimitsAt).
  bool offline_bench_limits = false;
  // Host time per layer of an iteration that carries a prompt (run outside CUDA graphs),
  // microseconds: the engine's eager_layer_us (catalog::ServingEngine).
  double eager_layer_us = 0;
  // Chip families and the host's launch time per layer pass of an eager iteration (the model's
  // layers and its MTP draft passes), microseconds: the floor of an iteration carrying a prompt
  // (catalog::ServingEngine::eager_host_layer_us).
  std::map<std::string, double> eager_host_layer_us;
  // The same on a layout running attention data parallel (dp > 1), for the MoE backend the request
  // names, by chip family, in place of the above (catalog::ServingEngine::adp_eager_host_layer_us
  // of that backend); a family not listed: the above.
  std::map<std::string, double> adp_eager_host_layer_us;
  // Every iteration runs eagerly (vLLM's --enforce-eager): none is shorter than launching its
  // kernels, eager_launch_layer_us per layer of the stage (catalog::ServingEngine).
  bool enforce_eager = false;
  double eager_launch_layer_us = 0;
  // NVIDIA's MLPerf harness (no engine) with CUDA graphs on (its use_graphs: True): where the
  // engine charges the family's serving_step_overhead_ms, the chip's graphs-on step is charged
  // instead where it is measured (FamilyCalibration::serving_graph_step_overhead_ms).
  bool use_graphs = false;
  // The request's vLLM cudagraph_mode is FULL or FULL_DECODE_ONLY (each decode step replayed as
  // one graph): priced through step_floor_layer_us where the engine measures that mode, and
  // printed back by --emit vllm (report::ServeLaunchFor) so the command runs the mode priced.
  bool full_decode_graph = false;
  // The engine's start-up profile peak per logit (catalog::ServingEngine::profile_logit_bytes):
  // max_num_seqs x vocab x this per chip is kept from the KV pool where it exceeds the workspace.
  double profile_logit_bytes = 0;
  // The largest batch the engine replays from a captured CUDA graph (SGLang's --cuda-graph-max-bs;
  // 0: every batch): a step whose decode batch (under attention data parallel the largest
  // group's) is larger runs as under enforce_eager.
  int graph_max_batch = 0;
  // The most tokens an iteration replays from a captured piecewise graph (vLLM's
  // max_cudagraph_capture_size, catalog::ServingEngine::eager_above_capture_size; 0: no such
  // cap): an iteration scheduling more (decode slots with their draft tokens and prompt tokens,
  // the largest group's under attention data parallel) runs as under enforce_eager.
  double graph_max_tokens = 0;
  // Every iteration that carries a prompt token runs without a graph, as under enforce_eager:
  // vLLM's cudagraph_mode FULL_DECODE_ONLY is (FULL, NONE), full graphs for uniform decode
  // batches and none for prefill or mixed ones (S4250), where the engine launches an ungraphed
  // step at eager_launch_layer_us (catalog::ServingEngine::eager_above_capture_size with
  // full_decode_graph). Under attention data parallel a prompt on any group takes every group
  // out of its graph (the ranks agree on one mode).
  bool eager_prompt_steps = false;
  // No iteration is shorter than step_floor_layer_us per layer of the stage, graphs or not
  // (catalog::ServingEngine).
  double step_floor_layer_us = 0;
  // Passes over each decoded token's 16-bit hidden state (padded slots included) per MoE layer at
  // the achievable memory bandwidth that the roofline does not charge, on every rank that runs the
  // token's MoE: the engine's decode_token_passes (catalog::ServingEngine).
  double decode_token_passes = 0;
  // Chip families on which the engine replays CUDA graphs for decode: there the family's
  // serving_step_overhead_ms (an engine launching every iteration from the host) is not charged,
  // graph_layer_us per layer of the stage is (catalog::ServingEngine).
  std::vector<std::string> cuda_graph_families;
  double graph_layer_us = 0;
  // In place of graph_layer_us on the chip families listed (catalog::ServingEngine::
  // graph_layer_us_by_family: measured on the engine on that family).
  std::map<std::string, double> graph_layer_us_by_family;
  // Of graph_layer_us_by_family, the device kernels' part, microseconds a layer, scaled by the
  // chip's clock against the part it was measured on, whose 16-bit rate at its sustained clock
  // (TFLOPS) graph_layer_clock_tflops_by_family gives (catalog::ServingEngine).
  std::map<std::string, double> graph_layer_clocked_us_by_family;
  std::map<std::string, double> graph_layer_clock_tflops_by_family;
  // Host time per running request of an iteration the GPU waits for, microseconds, divided over
  // the decode steps of one scheduler call (catalog::ServingEngine::host_seq_us); not charged
  // under asynchronous scheduling (vLLM's --async-scheduling), which overlaps it with the step
  // before.
  double host_seq_us = 0;
  int scheduler_steps = 1;
  // A call of scheduler_steps > 1 reserves KV for its later steps at the call
  // (catalog::ServingEngine::multistep_lookahead_kv): scheduler_steps - 1 slots a running decode
  // beyond its next token (LookaheadKvTokens).
  bool multistep_lookahead_kv = false;
  // Host time per running request of a streamed iteration, microseconds, beside the device step
  // (catalog::ServingEngine::stream_host_us): an iteration takes the longer of the two.
  double stream_host_us = 0;
  // Steps between two sends of a request's tokens (--stream-interval): the front-end's work per
  // running request is stream_host_us once every stream_interval steps.
  int stream_interval = 1;
  bool async_scheduling = true;
  // Fixed time per MoE layer of the stage in every iteration (the engine's MoE kernel chain):
  // the engine's moe_layer_us (catalog::ServingEngine).
  double moe_layer_us = 0;
  // Chip families on which the engine runs MLA attention's matmuls in FP8 when the KV cache is
  // FP8 (catalog::ServingEngine::fp8_mla_families).
  std::vector<std::string> fp8_mla_families;
  // The KV cache, unnamed, in the format the checkpoint declares, else the model's 16-bit data
  // type whatever the weights' format (catalog::ServingEngine::kv_cache_model_dtype; KvDTypeOf).
  bool kv_cache_model_dtype = false;
  // Chip families on which a DSA model's unnamed cache is 16-bit too under kv_cache_model_dtype
  // (catalog::ServingEngine::sparse_kv_model_dtype_families).
  std::vector<std::string> sparse_kv_model_dtype_families;
  // Rows per tile of the engine's expert-parallel decode grouped GEMM (catalog::ServingEngine::
  // moe_gemm_block_m); 0: tokens computed as they come.
  int moe_gemm_block_m = 0;
  std::vector<std::string> moe_gemm_families;  // on these chip families only
  // Chip families on which the routed experts' activations pass through memory between the
  // engine's MoE kernels (catalog::ServingEngine::moe_activation_families; RoutedActivationBytes).
  std::vector<std::string> moe_activation_families;
  // Under expert parallelism without an all-to-all kernel, those buffers hold a row for every
  // routed copy of every token the rank holds, zeros written where the copy's expert is on another
  // rank (catalog::ServingEngine::moe_ep_all_route_rows; vLLM's fused_experts with an expert_map).
  bool moe_ep_all_route_rows = false;
  // Nanoseconds per routed prompt row the engine's own MoE routing operators take on one chip
  // under tensor-parallel experts (ep 1), by chip family (catalog::ServingEngine::
  // moe_prompt_row_ns); a family not listed: 0.
  std::map<std::string, double> moe_prompt_row_ns;
  // Decode rows (verified draft tokens and padded slots included) pay moe_prompt_row_ns too
  // (catalog::ServingEngine::moe_decode_routing).
  bool moe_decode_routing = false;
  // GB/s at which the engine's decode-sized GEMMs of the non-expert layer weights stream them, by
  // chip family (catalog::ServingEngine::dense_gemm_gb_s), for a block-scaled FP8 checkpoint
  // served in FP8; a family not listed, or other weights: the memory's.
  std::map<std::string, double> dense_gemm_gb_s;
  // GB/s one SM streams the non-expert layer weights and the LM head at through the engine's
  // decode-sized GEMMs, by chip family, weights in 16 bits and in FP8 (catalog::ServingEngine::
  // bf16_gemm_sm_gb_s, fp8_gemm_sm_gb_s): a chip with an sm_count reads them at most at
  // sm_count x this; a family not listed: the memory's rate.
  std::map<std::string, double> bf16_gemm_sm_gb_s;
  std::map<std::string, double> fp8_gemm_sm_gb_s;
  // Microseconds a layer the engine's activation-quantization kernels take in every iteration
  // where the layer weights are FP8, by chip family (catalog::ServingEngine::fp8_quant_layer_us);
  // a family not listed: 0.
  std::map<std::string, double> fp8_quant_layer_us;
  // GB/s one SM reads the cached keys and values of a model without MLA at through the engine's
  // decode attention kernel, by chip family (catalog::ServingEngine::decode_kv_sm_gb_s): a chip
  // with an sm_count reads the decode queries' KV at most at sm_count x this; a family not
  // listed: the memory's rate.
  std::map<std::string, double> decode_kv_sm_gb_s;
  // Query heads per tile of the engine's sparse-attention (DSA) kernels, by chip family
  // (catalog::ServingEngine::sparse_mla_head_tile): a chip's heads run rounded up to a whole tile,
  // over all top_k index slots of a query. A family not listed: the chip's heads over the
  // attended keys.
  std::map<std::string, int> sparse_mla_head_tile;
  // DSA prompt batches within top_k run dense attention over the up-projected heads, no indexer
  // (catalog::ServingEngine::dsa_short_prefill_mha).
  bool dsa_short_prefill_mha = false;
  // The attention peak's fraction the engine's sparse (DSA) prefill kernel runs at, by chip family
  // (catalog::ServingEngine::sparse_prefill_efficiency); a family not listed: attention_efficiency.
  std::map<std::string, double> sparse_prefill_efficiency;
  // DSA over an FP8 cache: fewer query heads a chip than this run their prompt tokens through the
  // FP8 sparse decode kernel with the decode tokens (catalog::ServingEngine::
  // dsa_fp8_prefill_min_heads); 0: through the 16-bit sparse prefill kernel.
  int dsa_fp8_prefill_min_heads = 0;
  // Microseconds per MoE layer of a step the engine's fused-MoE kernel chain takes beyond the
  // bytes it reads, by chip family (catalog::ServingEngine::moe_layer_us); a family not listed: 0.
  std::map<std::string, double> moe_layer_us_by_family;
  // The same where the routed experts are weight-only 4-bit (int4), by chip family, in place of
  // the above (catalog::ServingEngine::weight_only_moe_layer_us); a family not listed: the above.
  std::map<std::string, double> weight_only_moe_layer_us;
  // The MoE backend's own chain, by chip family, in place of the above for steps whose experts
  // receive at most backend_moe_max_expert_rows rows each on average (the routed tokens' top_k
  // copies over the routed experts): catalog::ServingEngine::moe_backend_layer_us of the backend
  // the request names (TensorRT-LLM's moe_config.backend TRTLLM). Empty: the above.
  std::map<std::string, double> backend_moe_layer_us;
  // The families whose backend chain above is charged for group-routed models only
  // (catalog::ServingEngine::moe_backend_group_routed); elsewhere for every MoE model.
  std::vector<std::string> backend_moe_group_routed_families;
  double backend_moe_max_expert_rows = 0;
  // The backend chain above charged for FP4 experts only (catalog::ServingEngine::
  // fp4_moe_backend: the kernels an engine with no backend choice runs FP4 experts through).
  bool backend_moe_fp4_only = false;
  std::string moe_backend;  // the backend as named (lower case), or empty: the engine's default
  // The same where the routed experts are 4-bit with 4-bit math, by chip family, in place of
  // moe_layer_us_by_family (catalog::ServingEngine::fp4_moe_layer_us); a family not listed: that.
  std::map<std::string, double> fp4_moe_layer_us;
  // The same for decode_token_passes (catalog::ServingEngine::fp4_decode_token_passes): the passes
  // over each decode slot's hidden state where the routed experts are 4-bit with 4-bit math, by
  // chip family; a family not listed: decode_token_passes.
  std::map<std::string, double> fp4_decode_token_passes;
  // Microseconds per MoE layer of an expert-parallel iteration that the engine's exchange path
  // takes beyond the bytes it moves, by chip family (catalog::ServingEngine::ep_moe_layer_us); a
  // family not listed, or ep 1: 0.
  std::map<std::string, double> ep_moe_layer_us;
  // Microseconds per decode token of a rank per MoE layer of an expert-parallel iteration beside
  // that (catalog::ServingEngine::ep_moe_token_us); a family not listed, or ep 1: 0.
  std::map<std::string, double> ep_moe_token_us;
  // Fraction of the chip's INT8 peak the engine's W8A8 GEMMs reach, by chip family
  // (catalog::ServingEngine::int8_matmul_efficiency); a family not listed: the family's
  // unpromoted 8-bit rate (fp8_fast_accum_matmul_efficiency: INT8 accumulates exactly in int32)
  // where it has one, else its low_precision_matmul_efficiency.
  std::map<std::string, double> int8_matmul_efficiency;
  // Chip families on which the engine runs 16- and 8-bit routed experts through the Triton
  // fused_moe kernel outside an all-to-all exchange (catalog::ServingEngine::triton_moe_families),
  // at the family's rate for it (FamilyCalibration::triton_moe_matmul_efficiency,
  // triton_moe_tile_k_overhead; FusedMoeEfficiency).
  std::vector<std::string> triton_moe_families;
  // Kernel shapes the engine release has no tuned config for (catalog::ServingEngine::
  // untuned_moe_configs): their routed GEMMs at the family's triton_moe_default_matmul_efficiency.
  std::vector<catalog::UntunedMoeConfig> untuned_moe_configs;
  // Which default config they run (catalog::ServingEngine::triton_moe_default_config):
  // "batch_aware" takes the family's triton_moe_batch_aware_default_matmul_efficiency.
  std::string triton_moe_default_config = "two_branch";
  // Attention-DP MoE exchange by all-gather and reduce-scatter (catalog::ServingEngine::
  // moe_dp_allgather); false: an all-to-all of each token's top_k copies.
  bool moe_dp_allgather = false;
  // Chip families where that exchange is the engine's one-sided NVLink all-to-all inside one
  // NVLink domain, and its fixed time per MoE layer, microseconds (catalog::ServingEngine::
  // one_sided_moe_layer_us; OneSidedMoeExchange).
  std::map<std::string, double> one_sided_moe_layer_us;
  // A step with prompt tokens gathers the attention-DP ranks' tokens by all-reduce and all-reduces
  // the MoE output (catalog::ServingEngine::dp_prefill_gather_all_reduce).
  bool dp_prefill_gather_all_reduce = false;
  // The in-node attention-DP MoE exchange by all-gather that no engine named also takes
  // (catalog::ServingEngine::in_node_moe_allgather).
  bool in_node_moe_allgather = false;
  // An iteration that runs a prefill batch runs no decodes (catalog::ServingEngine::prefill_apart,
  // unless SGLang's --enable-mixed-chunk): the simulator's running decodes wait a step.
  bool prefill_apart = false;
  // The expert exchange named an all-to-all (SGLang's --moe-a2a-backend deepep, vLLM's
  // --all2all-backend deepep_low_latency or pplx): no all-gather, inside a node or not.
  bool moe_all_to_all = false;
  std::string moe_a2a_backend;  // the backend as named (--emit prints it back), or empty
  // Attention data parallel only with one chip per attention group (catalog::ServingEngine::
  // attention_dp_per_gpu: TensorRT-LLM): the layout search skips tp > 1 with dp > 1, and such a
  // given layout is refused.
  bool attention_dp_per_gpu = false;
  // A mixture-of-experts model runs with tensor-parallel experts only unless enforce_eager
  // (catalog::ServingEngine::moe_tp_only_in_graph): the layout search skips ep > 1 and dp > 1,
  // and such a given layout is refused.
  bool moe_tp_only_in_graph = false;
  // Expert parallelism only when asked (catalog::ServingEngine::expert_parallel_opt_in: vLLM's
  // --enable-expert-parallel): the layout search skips ep > 1 unless --ep is given.
  bool expert_parallel_opt_in = false;
  // CUDA-graph batch sizes with padding (TensorRT-LLM's cuda_graph_config: batch_sizes,
  // enable_padding), ascending; empty: none. A decode-only iteration runs the graph of the
  // smallest size that holds its batch, under attention data parallel the largest batch of any
  // group (every rank replays the same graph), so the padded slots cost their share of the
  // token-proportional work (linear layers, experts, dispatch) but attend to no cache.
  std::vector<int> graph_batch_sizes;
  // The decodes of every iteration run as one batch of their own padded to graph_batch_sizes, a
  // prompt in the iteration or not, and the steady state's batch is padded alike (vLLM-Gaudi:
  // 'Decodes run as one single padded batch', its prompts in passes of their own; catalog::
  // ServingEngine::decode_batch_buckets).
  bool decode_batch_padded = false;
};

struct InferenceJob {
  const catalog::Model* model = nullptr;
  const catalog::Chip* chip = nullptr;
  catalog::System system;
  catalog::FamilyCalibration calibration;
  catalog::InferenceCalibration serving;
  long chips = 0;  // 0: not given; layouts are sized freely
  double input_tokens = 1024;
  double output_tokens = 256;
  // E[L^2] / E[L]^2 of the output lengths (1: every output `output_tokens` long). Continuous
  // batching holds a request for its length, so the running requests are the long ones more often
  // than their share of the requests: their mean decoded length is E[L^2] / (2 E[L]), output / 2
  // times this ratio (2.12 for DeepSeek-R1's MLPerf outputs, lognormal sigma 1 cut at 20,000),
  // and the mean running context, KV cache and attention grow with it.
  double output_length_ratio = 1;
  std::string output_lengths;  // the output distribution and its source (empty: fixed lengths)
  ServingDType dtype = ServingDType::kBf16;
  // Per-part formats (e.g. FP4 experts with FP8 attention); unset: `dtype`.
  std::optional<ServingDType> expert_dtype, attention_dtype;
  std::optional<ServingDType> kv_dtype;  // the request's; unset: KvDTypeOf
  // The KV format the served checkpoint declares (catalog CheckpointPrecision::kv_dtype, or FP8
  // for NVIDIA's ModelOpt copies): what an engine whose default follows the checkpoint
  // (EngineLimits::kv_cache_model_dtype) stores. Unset: none declared.
  std::optional<ServingDType> declared_kv_dtype;
  // The served checkpoint is a named release whose FP8 weights carry block scales (catalog
  // CheckpointPrecision::weight_block_size: Qwen's own Qwen3-*-FP8, [128, 128]): its FP8 GEMMs are
  // block-scaled, as a model's own block-scaled release (DeepSeek-V3's) is without this.
  bool fp8_block_scaled_checkpoint = false;
  std::string dtype_basis;  // why these formats when the user gave none (the checkpoint's)
  std::optional<double> tpot_ms;
  std::optional<double> ttft_ms;
  // Offline: batches kept full, latency targets bound the mean (benchmarks).
  // Server: live arrivals; --tpot-ms/--ttft-ms are p99 bounds.
  ServingMode mode = ServingMode::kServer;
  double prefix_cache_hit = 0;  // fraction of prompt tokens served from cache
  bool disaggregate = false;
  std::optional<double> demand_tokens_per_s;  // output tokens per second
  std::optional<double> chip_hour_usd;
  EngineLimits limits;
  // Multi-token prediction / speculative decoding: each decode step verifies `mtp_depth` draft
  // tokens per sequence; each is accepted with probability `mtp_acceptance` given the previous.
  int mtp_depth = 0;
  double mtp_acceptance = 0;
  std::string mtp_acceptance_basis;  // set when the acceptance is assumed, not the model's
  // A separate draft model proposes the mtp_depth tokens instead of MTP modules (it runs on the
  // same chips, with its own weights and KV cache).
  const catalog::Model* draft_model = nullptr;
};

struct InferenceEstimate {
  InferenceLayout layout;          // decode layout (the only one when aggregated)
  InferenceLayout prefill_layout;  // prefill layout (disaggregated; else = layout)
  bool disaggregated = false;
  // Input tokens per second one chip serves when it only prefills, cache
  // hits included (as DeepSeek reports).
  double prefill_tokens_per_s_per_chip = 0;
  // Output tokens per second of a decode chip.
  double decode_tokens_per_s_per_chip = 0;
  // End to end, prefill included (MLPerf's count): all chips of the deployment.
  double output_tokens_per_s_per_chip = 0;
  double input_tokens_per_s_per_chip = 0;
  double prefill_chips_per_decode_chip = 0;  // disaggregated only
  // With job.chips: the instances a closed loop's clients are dealt over (ClientsPerInstance).
  // Aggregated, job.chips / layout.chips(); disaggregated, the decode instances that fit in
  // job.chips with the whole prefill instances their prompts need. 0 without job.chips.
  int instances = 0;
  double ttft_ms = 0;
  double tpot_ms = 0;
  int max_batch = 0;  // concurrent sequences per attention group
  // The running-batch cap to launch an engine with (max_num_seqs / max_batch_size): the largest
  // batch whose steps meet the latency targets. Under live arrivals it is above max_batch, the
  // mean batch at the rate the prompt queue allows, to take the bursts.
  int launch_batch = 0;
  int memory_max_batch = 0;             // what the KV cache alone would allow
  int engine_max_batch = 0;             // what the engine's limits allow (0: no limit)
  double kv_cache_bytes_per_token = 0;  // whole model, at the KV dtype
  double kv_cache_gib_per_chip = 0;     // at max_batch
  double weights_gib_per_chip = 0;
  double memory_capacity_gib = 0;
  std::string bound;  // compute, memory-bandwidth, memory-capacity, communication, latency-target
  std::optional<double> chip_hour_usd;
  std::string price_basis;
  std::optional<double> cost_usd_per_million_output_tokens;
  std::optional<double> cost_usd_per_million_input_tokens;
  std::optional<long> chips_for_demand;
  std::optional<double> tokens_per_s_per_watt;
  // The decode step at max_batch, ms: weight GEMMs, attention, exposed
  // communication, fixed overhead (they add up to tpot_ms).
  double step_linear_ms = 0;
  double step_attention_ms = 0;
  double step_communication_ms = 0;
  double step_overhead_ms = 0;
  long layouts_evaluated = 0;
  // Other layouts whose analytic rate is within kNearLayoutShare of the chosen one's, best first
  // (at most kMaxNearLayouts): the steady state cannot rank them, a request-level simulation can.
  std::vector<InferenceLayout> near_layouts;
  double tokens_per_decode_step = 1;  // > 1 with MTP: 1 + expected accepted draft tokens
};

// The fraction of the peak a fused-MoE layer's two grouped GEMMs reach together, each output tile
// running its main loop over the reduction K beside a prologue and epilogue worth `k_overhead`
// elements of K: `efficiency` x K / (K + k_overhead) per GEMM, the gate/up GEMM (2/3 of the
// FLOPs) over `hidden`, the down GEMM (1/3) over `width`, an expert's intermediate columns on the
// chip: efficiency / (1 + k_overhead x (2 / (3 hidden) + 1 / (3 width))).
double FusedMoeEfficiency(double efficiency, double k_overhead, double hidden, double width);
// Time of a dense model's NVFP4 layer GEMMs at tensor parallel `tp` on `chip` over their time at
// Llama 2 70B's TP 1 layer shapes (where the family's fp4_matmul_efficiency holds), by the part's
// measured shape law (catalog::Chip::fp4_gemm_k_overhead, fp4_gemm_n_overhead); 1 without one,
// and for MoE, MLA and linear-attention models.
double Fp4DenseGemmShapeFactor(const catalog::Chip& chip, const catalog::Model& m, int tp);
// Whether the engine release ships no tuned fused_moe config for this kernel shape: `experts` on a
// chip, an expert's `width` columns on it, the chip's catalog id and the experts' format ("bf16" or
// "fp8" per tensor), as EngineLimits::untuned_moe_configs lists them.
bool UntunedMoeShape(const std::vector<catalog::UntunedMoeConfig>& untuned, int experts,
                     double width, const std::string& chip, const std::string& dtype);

// Rows a grouped GEMM computes for one expert that receives a Poisson number of tokens with mean
// `mean`, in tiles of `block` rows: block x E[ceil(X / block)]. Past 8 tiles the remainder is
// taken as uniform (mean + (block - 1) / 2).
double TiledRows(double mean, int block);

// Whether the served weights are FP8 with block scales: the model's own checkpoint ships them
// (DeepSeek-V3's weight_block_size [128, 128]) or the request names a release that does (Qwen's
// Qwen3-*-FP8, InferenceJob::fp8_block_scaled_checkpoint). Served in FP8, its GEMMs are
// block-scaled (DeepGEMM, CUTLASS blockwise, Triton's w8a8 block kernels).
bool Fp8BlockScaled(const InferenceJob& job);

// KV slots a running decode reserves at a scheduler call beyond its next token, for the call's
// later steps: scheduler_steps - 1 where the engine reserves them (vLLM V0's multi-step lookahead,
// EngineLimits::multistep_lookahead_kv), else 0.
int LookaheadKvTokens(const EngineLimits& limits);

// vLLM-Gaudi's decode batch buckets under its default exponential strategy for a batch cap of
// `max_num_seqs` (vllm_gaudi/extension/bucketing/exponential.py, get_decode_cfgs and
// warmup_range_with_limit, S3930): min 1, step 2, max max_num_seqs, limit = ceil(log2
// max_num_seqs) + 1; a min of 1 starts the spacing at the step and keeps 1 as a bucket of its own;
// bucket i of the limit is step x ceil(2 (max / 2)^(i / (limit - 1)) / step), duplicates dropped,
// the last at most max. Ascending; empty below 2.
std::vector<int> ExponentialDecodeBuckets(int max_num_seqs);

// Bytes the routed experts' activations move through memory on one chip in one MoE layer of a
// grouped-GEMM MoE pipeline whose kernels hand them over in memory (vLLM's fused_experts, S3248:
// a gate/up GEMM into intermediate_cache1, silu_and_mul into intermediate_cache2, a down GEMM
// into intermediate_cache3, moe_sum; SGLang's port, S3249; TensorRT-LLM's CUTLASS MoE expands
// the rows before and finalizes them after, S3250). `rows`: routed copies of tokens the chip's
// experts compute; `width`: an expert's intermediate columns on the chip (the whole expert's
// under expert parallelism, 1/tp of it under tensor-parallel experts); `token_bytes`: bytes an
// element of the GEMMs' inputs (1 for 8-bit math, 2 for 16-bit); outputs are 16-bit.
//   in_gemms: what the two GEMMs read and write beside their weights, each row's token in
//     (token_bytes x hidden), its gate and up outputs (2 x 2 x width), the activated
//     intermediate in (token_bytes x width), the down projection out (2 x hidden); inside
//     kernels that also do the math, so it shares the roofline with the weights.
//   between: the kernels that only move data: the activation (reads 2 x 2 x width, writes
//     token_bytes x width a row) and the top-k sum (reads 2 x hidden a row, writes 2 x hidden a
//     token, top_k rows a token); added to the step.
// The hidden-wide terms do not shrink with tensor-parallel experts (each rank's down projection
// is a partial sum of the whole hidden vector), which is what makes narrow expert slices slow.
struct RoutedActivationBytes {
  double in_gemms = 0;
  double between = 0;
};
RoutedActivationBytes RoutedActivationBytesOf(double rows, double top_k, double hidden,
                                              double width, double token_bytes);

// The KV cache's format: the request's; else, on an engine whose default follows the checkpoint
// (EngineLimits::kv_cache_model_dtype: vLLM's and SGLang's `--kv-cache-dtype auto`, TensorRT-LLM's
// KvCacheConfig dtype `auto`), the format the checkpoint declares (InferenceJob::
// declared_kv_dtype), or where it declares none the model's 16-bit type unless the model's sparse
// attention (DSA) takes an FP8 cache on this chip family (not where the engine lists it in
// sparse_kv_model_dtype_families); else (no engine's default: NVIDIA's MLPerf harness, which
// quantizes its own checkpoints) FP8 when the weights are `weight_bytes` < 2 bytes an element,
// 16-bit otherwise.
ServingDType KvDTypeOf(const InferenceJob& job, double weight_bytes);

// The running sequences and tokens a step an engine allows.
struct EngineBatchLimits {
  int max_num_seqs = 0;
  double max_batched_tokens = 0;
};

// The limits TensorRT-LLM's trtllm-bench throughput sets when it is given none, for a group of
// `l` serving the job's mean prompt and output (tensorrt_llm/bench/build/tuning.py
// calc_engine_setting and finetune_setting, benchmark/utils/general.py get_settings; S1843,
// S3630): max_batch_size from the requests of ISL + OSL tokens that 0.95 of the memory the
// weights leave holds, rounded up, max_num_tokens from it x (1 + ISL / OSL), and with chunked
// prefill off at least ISL + max_batch_size. `max_batch_size`: the user's, where given.
EngineBatchLimits TrtllmBenchLimits(const InferenceJob& job, const InferenceLayout& l,
                                    std::optional<int> max_batch_size = std::nullopt);
// The engine's limits on layout `l`: job.limits, with trtllm-bench's (TrtllmBenchLimits) where
// EngineLimits::offline_bench_limits asks for them and the user gave none, and the engine's own
// running-request cap (EngineLimits::running_requests_default, SGLang's: DefaultRunningRequests)
// where it has one and the user gave none.
EngineLimits LimitsAt(const InferenceJob& job, const InferenceLayout& l);

// SGLang's --max-running-requests where none is given, the server's (its ranks each taking
// // dp): per attention-DP rank min(clamp(pool tokens / context x 512, 2048, 4096), pool
// tokens / 2) over the KV pool of `l` (model_runner_kv_cache_mixin.py _resolve_max_num_reqs,
// S3960), or 48 for the server with speculative decoding (server_args.py, S3961); the numbers are
// EngineLimits::running_requests_default's. Unset: the engine has no such rule, the user gave a
// cap, or the pool is unknown.
std::optional<int> DefaultRunningRequests(const InferenceJob& job, const InferenceLayout& l);

// The memory, bytes a chip, an engine keeps out of its weights and KV pool by its own rule where
// the user gives no fraction (EngineLimits::memory_reserve_mib: SGLang's default
// mem_fraction_static, (HBM - reserve) / HBM rounded to three places, the reserve 512 MiB + 1.5
// MiB a prompt token of its largest prefill step + 2 MiB a captured decode batch slot + 1 GiB a
// eight ranks, at least 10 GiB on parts over 60 GiB, +2 GiB with a draft model); nullopt where
// the engine has none for the chip, or under attention data parallel (its recipes set both).
std::optional<double> EngineReserveBytes(const InferenceJob& job, const InferenceLayout& l);

// What an engine keeps of each chip's HBM besides the weights and the KV pool, bytes: the
// serving workspace (activations, graphs), or where larger the peak of the engine's start-up
// memory profile when it sizes its KV pool after one (EngineLimits::profile_logit_bytes x
// max_num_seqs x the model's vocabulary: vLLM's sampler over max_num_seqs dummy requests).
// The estimate's KV capacity keeps this at the job's max_num_seqs; the printed serve command
// (report::ServeLaunchFor) sizes its memory fraction with it, at the --max-num-seqs it prints.
double ServingReserveBytes(const InferenceJob& job, std::optional<int> max_num_seqs);

// A job for `model` on `chip` with the catalog's calibration for the chip's
// family and its serving parameters. No system: callers attach one.
InferenceJob InferenceJobFor(const catalog::Catalog& cat, const catalog::Model& model,
                             const catalog::Chip& chip);

// Whether some layout EstimateInference would try (pipeline stages added as it adds them) holds
// the weights with KV room left. False also for a job ValidateInferenceJob rejects.
bool WeightsFit(const InferenceJob& job, const InferenceConstraints& fixed);

// Whether the layout's expert exchange under attention data parallel (MoE, ep > 1, dp > 1) is
// priced as an all-to-all (DeepEP, pplx, ...) rather than as the all-gather and reduce-scatter
// the engines run by default inside one HGX node: named (EngineLimits::moe_all_to_all), or the
// expert group spans nodes or scale-up domains beyond one. False without attention DP or experts.
bool AttentionDpAllToAll(const InferenceJob& job, const InferenceLayout& l);
// Whether that all-to-all is the engine's one-sided NVLink exchange (EngineLimits::
// one_sided_moe_layer_us lists the chip's family, the chip has NVLink and the expert group fits
// in one scale-up domain): each token sent once to each of at most MaxRanksPerToken ranks.
bool OneSidedMoeExchange(const InferenceJob& job, const InferenceLayout& l);

// Checks the job (numbers, dtype support) before any layout is tried.
Result<void> ValidateInferenceJob(const InferenceJob& job);
// The checks that do not depend on the chip (token counts, targets, cache
// hits, demand, price): wrong for every chip alike.
Result<void> ValidateInferenceRequest(const InferenceJob& job);

// One engine iteration of an attention group, for a request-level simulator (sim/serving): the
// step model EstimateInference uses, on a batch the caller composes. Cheap to copy.
class ServingStepModel {
 public:
  // The job must pass ValidateInferenceJob; `layout` is the instance's (all dp groups run alike).
  static Result<ServingStepModel> Make(const InferenceJob& job, const InferenceLayout& layout);

  // Seconds of one iteration: `decode_seqs` running sequences each produce a token (verifying
  // their MTP drafts), attending to `decode_keys` cached tokens in all; `prefill_tokens` prompt
  // tokens are computed alongside, attending to `prefill_keys` tokens in all.
  double StepSeconds(double decode_seqs, double decode_keys, double prefill_tokens,
                     double prefill_keys) const;
  // One group's work in an iteration (the arguments of StepSeconds).
  struct GroupBatch {
    double decode_seqs = 0, decode_keys = 0, prefill_tokens = 0, prefill_keys = 0;
  };
  // Seconds of one iteration of an instance whose attention groups (attention data parallel)
  // each run their own batch, in lockstep through the MoE layers: the busiest group sets the
  // time, and the experts serve the tokens of all groups.
  double LockstepSeconds(const std::vector<GroupBatch>& groups) const;
  // KV-cache room of one attention group, in tokens: what the weights, the runtime and the
  // engine's memory fraction leave.
  double KvCapacityTokens() const;
  // Output tokens a running sequence gains per decode step on average (1 without MTP).
  double TokensPerDecodeStep() const;
  // KV-cache bytes one token takes on each chip of the group (its share of heads or the latent).
  double KvBytesPerTokenPerChip() const;
  // The KV cache a sequence `tokens` long holds, in tokens of KvBytesPerTokenPerChip: its tokens,
  // plus the last `window` of them in a sliding-window model's windowed layers.
  double KvHeldTokens(double tokens) const;
  // Whether KvHeldTokens(t) is t for every t (no sliding-window KV): a simulator may count blocks
  // without asking it.
  bool KvHeldIsTokens() const;
  int MtpDepth() const;
  double MtpAcceptance() const;

 private:
  struct State;
  std::shared_ptr<const State> state_;
};

// Searches the unset layout knobs and the batch for the highest output
// throughput per chip that meets the latency targets.
// How long a prompt waits behind the prompts that arrived before it, under Poisson arrivals with
// utilization `rho` (arrival rate x `service_s`, the time the group spends on one prompt): an
// M/D/1 queue. Mean: Pollaczek-Khinchine, rho S / (2 (1 - rho)). Tail: Cramer-Lundberg,
// P(wait > t) ~ C e^(-gamma t) with lambda (e^(gamma S) - 1) = gamma and C = (1 - rho) /
// (lambda S e^(gamma S) - 1), so the p99 is ln(100 C) / gamma (0 when at most 1 % of prompts
// wait; within 2 % of the exact M/D/1 p99 for rho >= 0.1, 12 % low at 0.05). Infinite at rho >= 1.
struct PromptQueue {
  double mean_s = 0, p99_s = 0;
};
PromptQueue PromptQueueOf(double rho, double service_s);

// A prompt's time to its first token under multi-step scheduling (EngineLimits::scheduler_steps):
// it arrives at a uniform point of a window of `window_s` (the call's k decode steps), waits out
// the rest of it, W ~ U(0, window_s), then runs in the call's iteration with the other prompts
// of its window, N ~ Poisson(`others`) of them (Poisson arrivals: independent of W), which takes
// iteration_s(1 + N). Mean window_s / 2 + E iteration_s(1 + N); p99 the t with
// P(W + iteration_s(1 + N) > t) = 1 % (N summed to 10 sd past its mean). `in_window`: the share of
// prompts that arrive in such a window (an engine that runs the call's prompts apart spends the
// rest of its time in their iterations: a prompt arriving then waits only for its end); the
// others' mean TTFT is `outside_mean_s` and none of them is taken past the p99.
PromptQueue MultiStepTtftOf(double window_s, double others,
                            const std::function<double(double)>& iteration_s, double in_window = 1,
                            double outside_mean_s = 0);

inline constexpr double kNearLayoutShare = 0.1;
inline constexpr int kMaxNearLayouts = 2;

// How a closed loop's clients (EngineLimits::clients) load the instances of `layout`. With
// job.chips given they are the deployment's (InferenceMAX's and benchmark_serving's
// --max-concurrency count the requests in flight against the whole endpoint), dealt out as
// evenly as whole requests go: 8 over 2 instances, 4 each; 8 over 3, 3 on two and 2 on one; 4
// over 8, 1 on four and none on the other four. Without job.chips, one instance's. Every layout
// the search compares thus carries the same total load. A disaggregated instance is a decode
// group and the prefill chips its prompts need, so a deployment of job.chips holds fewer decode
// instances than job.chips / layout.chips() (InferenceEstimate::instances; the second form deals
// over a given count).
struct ClientShare {
  int instances = 1;  // job.chips / layout.chips(), or 1 without job.chips
  int most = 0;       // clients of the busiest instances
  int busiest = 1;    // how many instances carry `most`
  int fewest = 0;     // clients of each other instance (most - 1; all carry `most` when even)
  bool even() const { return busiest == instances; }
  // The deployment's mean of a rate per instance: `most_rate` on the busiest instances,
  // `fewest_rate` on the others (0 for an instance with no client).
  double MeanRate(double most_rate, double fewest_rate) const {
    return (busiest * most_rate + (instances - busiest) * fewest_rate) / instances;
  }
};
ClientShare ClientsPerInstance(const InferenceJob& job, const InferenceLayout& layout);
ClientShare ClientsPerInstance(const InferenceJob& job, int instances);

Result<InferenceEstimate> EstimateInference(const InferenceJob& job,
                                            const InferenceConstraints& fixed);

}  // namespace suanli::perf

#endif  // SUANLI_PERF_INFERENCE_H_
