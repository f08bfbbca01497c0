// Training performance model: step time, memory and communication for a
// parallel layout, the best layout when knobs are left open, and expected
// wall time with failures (goodput).
//
// Pure functions: no I/O, no randomness. Inputs come from the catalog; every
// efficiency is a FamilyCalibration parameter, never a per-model constant.
#ifndef SUANLI_PERF_TRAINING_H_
#define SUANLI_PERF_TRAINING_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "catalog/calibration.h"
#include "catalog/chip.h"
#include "catalog/model.h"
#include "catalog/system.h"
#include "core/error.h"
#include "perf/precision.h"

namespace suanli::catalog {
class Catalog;
}

namespace suanli::perf {

enum class Recompute { kNone, kSelective, kFull };
std::string_view RecomputeName(Recompute r);
std::optional<Recompute> ParseRecompute(std::string_view s);

// Pipeline schedule. 1F1B (optionally interleaved) as in Megatron; DualPipe
// (DeepSeek-V3) runs two micro-batch streams from both pipeline ends and
// overlaps each chunk's communication with the other stream's compute, at the
// cost of a second copy of the weights.
enum class PipelineSchedule { k1F1B, kDualPipe };
std::string_view ScheduleName(PipelineSchedule s);
std::optional<PipelineSchedule> ParseSchedule(std::string_view s);

// How attention is computed: fused (FlashAttention: causal blocks skipped, no
// score matrix stored) or unfused (Megatron before 2022: the full s x s score
// matrix is computed, soft-maxed, dropped out and stored).
enum class AttentionKernel { kFlash, kUnfused };
std::optional<AttentionKernel> ParseAttentionKernel(std::string_view s);

// Megatron's --recompute-modules: what selective recomputation redoes instead of storing.
enum RecomputeModule : unsigned {
  kRecomputeCoreAttn = 1,       // the attention core (unfused: the score matrices)
  kRecomputeMlp = 2,            // dense MLPs
  kRecomputeMoe = 4,            // routed experts, token dispatch included
  kRecomputeMoeAct = 8,         // experts' activation functions
  kRecomputeLayernorm = 16,     // norms
  kRecomputeMlaUpProj = 32,     // MLA's query and key/value up-projections
  kRecomputeSharedExperts = 64  // shared experts
};
// "core_attn,mlp" or "core_attn mlp" -> a mask; nullopt names nothing known.
std::optional<unsigned> ParseRecomputeModules(std::string_view list, std::string* unknown);
std::string RecomputeModulesName(unsigned mask);  // "core_attn,mlp"
std::vector<std::string> RecomputeModuleNames();

struct ParallelLayout {
  int tp = 1;           // tensor parallel
  int pp = 1;           // pipeline stages
  int dp = 1;           // data parallel (experts are sharded across ep of these)
  int ep = 1;           // expert parallel, divides dp
  int cp = 1;           // context parallel
  int zero_stage = 1;   // 0-3: what of the optimizer state, grads, weights is sharded over dp
  int micro_batch = 1;  // sequences per micro-batch
  int interleave = 1;   // virtual pipeline stages per chip
  Recompute recompute = Recompute::kNone;
  bool sequence_parallel = true;  // only meaningful when tp > 1
  PipelineSchedule schedule = PipelineSchedule::k1F1B;
  // With Recompute::kSelective: the modules recomputed; 0: the cheap parts (norms and activation
  // functions with flash attention, the score matrices without).
  unsigned recompute_modules = 0;
  // Megatron-Core's Combined 1F1B (--overlap-moe-expert-parallel-comm, data/sources.yaml S1332):
  // the forward of one micro-batch runs with the backward of the one before, each one's expert
  // all-to-all behind the other's compute. Needs ep > 1, 1F1B, virtual stages when pp > 1, no
  // full recomputation and at least two micro-batches.
  bool ep_a2a_overlap = false;
  // With Recompute::kFull: Megatron's --recompute-method block --recompute-num-layers N, the
  // first N layers of each virtual stage recomputed, the rest stored whole [S3221]; 0: every layer.
  int recompute_layers = 0;
  // With Recompute::kFull: torchtitan's layer-wise selective checkpointing (activation_checkpoint
  // selective_ac_option N > 1): of the blocks a rank builds, every Nth (the Nth, 2Nth, ...)
  // recomputed whole, the rest stored whole (S4183); 0: every layer.
  int recompute_every = 0;
  // Megatron's --expert-tensor-parallel-size: the routed experts split over 1 rank (whole
  // experts) or over the tensor-parallel group (tp); 0: the model's default (ExpertTp: whole
  // experts where ep does not divide dp, else split like the dense layers).
  int expert_tp = 0;

  int chips() const { return tp * pp * dp * cp; }
};

// What the user fixed; unset knobs are searched.
struct LayoutConstraints {
  std::optional<int> tp, pp, dp, ep, cp, zero_stage, micro_batch, interleave;
  std::optional<Recompute> recompute;
  std::optional<bool> sequence_parallel;
  std::optional<PipelineSchedule> schedule;
  std::optional<unsigned> recompute_modules;
  std::optional<bool> ep_a2a_overlap;
  std::optional<int> recompute_layers;  // ParallelLayout::recompute_layers, with full recompute
  std::optional<int> recompute_every;   // ParallelLayout::recompute_every, with full recompute
  std::optional<int> expert_tp;         // ParallelLayout::expert_tp (1 or tp)
  // What the software offers (a stack); empty or true: everything, except that an empty
  // allowed_schedules means 1F1B (plain or interleaved) only: DualPipe is searched only where
  // the software has it (a stack that lists it, e.g. MindSpeed's DualPipeV) or when asked for.
  // Megatron-LM and torchtitan have no DualPipe schedule (data/sources.yaml S1330, S1331), so a
  // user who names no stack does not get it.
  std::vector<PipelineSchedule> allowed_schedules;
  bool allow_interleave = true;
  // Combined 1F1B (ParallelLayout::ep_a2a_overlap) is searched, as DualPipe, only where the
  // software has it (a stack's ep_a2a_overlap: Megatron-Core) or when asked for.
  bool allow_ep_a2a_overlap = false;
  std::vector<int> allowed_zero_stages;
  // The ZeRO stages the software runs with pipeline parallelism (pp > 1); empty: as
  // allowed_zero_stages (catalog TrainingStack::pipeline_zero_stages).
  std::vector<int> allowed_pipeline_zero_stages;
  std::vector<Recompute> allowed_recompute;
};

// What the training software does with a layout (a --stack, or each knob on its own).
struct SoftwareKnobs {
  // Gradient reduce-scatter hidden behind the backward and parameter all-gather behind the next
  // forward (Megatron's --overlap-grad-reduce/--overlap-param-gather, FSDP prefetch). Unset: the
  // calibrated training.dp_overlap (data/calibration.yaml).
  std::optional<bool> dp_overlap;
  bool tp_comm_overlap = false;  // TP collectives overlapped with the GEMMs they feed
  bool uneven_stages = true;     // the last stage may hold fewer layers (it holds the head)
  bool mtp = true;               // train the model's multi-token-prediction layers
  // Layers per pipeline stage whose activations wait in host memory between forward and
  // backward (Megatron-Core --cpu-offloading-num-layers): copied out over the chip's host link
  // during the forward and back during the backward, behind compute as far as it goes.
  int offload_layers = 0;
  // ZeRO-Offload (DeepSpeed's zero_optimization.offload_optimizer to the CPU, Ren et al. 2021):
  // the rank's shard of the fp32 master weights, gradients and Adam moments lives in host memory
  // and the Adam step runs on the host CPU, streaming that state through the node's DRAM
  // (System::host_memory_gb_s, shared by the node's ranks); gradients go down the chip's host link
  // as the backward makes them, and the updated 16-bit weights come back up while the host steps
  // the next tile (DeepSpeed's cpu_adam double buffer). Needs both figures (ValidateJob).
  bool offload_optimizer = false;
  // Attention through PyTorch's scaled_dot_product_attention (torchtitan): FlashAttention-2's
  // kernels, at the family's fa2_attention_efficiency where it has one; with context parallelism
  // torch's ring attention, which exchanges K and V widened to every query head and passes dK/dV
  // round the ring in FP32 (data/sources.yaml S3032).
  bool sdpa_attention = false;
  // The loss's memory per logit on the last stage at its peak: PyTorch's cross_entropy on fp32
  // logits keeps the log-softmax and its gradient (4 + 4); Megatron's vocab-parallel cross
  // entropy (--cross-entropy-loss-fusion) keeps the fp32 softmax, turns it into the gradient in
  // place and casts that to bf16 for the output layer (4 + 2, S3222); Transformer Engine's
  // (--cross-entropy-fusion-impl te) writes the gradient into the bf16 logits it keeps (2, S3223).
  double loss_bytes_per_logit = 8;
  // With tensor parallelism the vocabulary split over the ranks (torchtitan's loss_parallel):
  // the loss's peak bytes per local logit when it differs from loss_bytes_per_logit. unset: the
  // same.
  std::optional<double> loss_parallel_bytes_per_logit;
  // torchtitan's per-op selective activation checkpointing (activation_checkpoint.mode selective,
  // selective_ac_option op): a layer keeps the outputs of its GEMMs but every second one, in the
  // order they run (q, v, gate, down of q k v o gate up down), and attention's output, and
  // recomputes the rest (the k, o and up GEMMs and every element-wise op) in the backward.
  // Dense layers without MLA and without adapters; others keep Megatron's selective.
  bool op_selective_recompute = false;
  // Combined 1F1B (ParallelLayout::ep_a2a_overlap) without CUDA graphs: the host's time to issue
  // one MoE layer of the paired schedule, one micro-batch's forward with another's backward.
  // Each pair waits on the host for the forward's token counts (a device-to-host sync before the
  // dispatch), so the GPU cannot run ahead of the host across pairs, and the host issues both
  // passes' kernels on two streams, each schedule node's backward as its own autograd call
  // (data/stacks.yaml). A paired MoE layer takes at least this long. 0: not priced.
  double ep_a2a_overlap_layer_host_s = 0;
  // Sync-free MoE under a full-iteration CUDA graph (Megatron-Core 26.x --cuda-graph-impl
  // full_iteration with HybridEP, the Transformer Engine op fuser and
  // --moe-expert-rank-capacity-factor; data/sources.yaml S4860): the dispatch and expert buffers
  // are sized from the capacity factor, not from token counts read back to the host, so the whole
  // forward-backward is one graph replay and the host launches no expert kernel. The dropless
  // layer's per-expert host time (training.expert_kernel_host_us) and Combined 1F1B's host floor
  // are not paid.
  bool full_iteration_graphs = false;
  // Combined 1F1B's exchange on HybridEP's kernels (Megatron-Core's flex dispatcher,
  // moe_flex_dispatcher_backend hybridep, 32 SMs in NVIDIA's recipes): the rates measured for
  // them alone (PlainExchangeRates: training.ep_exchange_by_ep, S4540), not DeepEP's normal
  // kernels' (training.ep_overlap_dispatch_gb_s / ep_overlap_combine_gb_s, S3821).
  bool ep_overlap_hybridep = false;
  // Transformer Engine's fused grouped MLP for the routed experts (block-scaled FP8, SM100+;
  // S4861): the forward's fc1 grouped GEMM computes SwiGLU in its epilogue and writes fc2's
  // quantized input, the backward's fc2 data-gradient GEMM computes dSwiGLU in its epilogue from
  // the saved fc1 output. The element-wise passes of the routed experts' activation function are
  // gone: forward 6 bytes per expert-FFN element (read 4, write 2), backward 12 less the 4 the
  // epilogue still reads.
  bool fused_grouped_mlp = false;
  // FP8 dot-product attention (Megatron-Bridge's fp8_dot_product_attention): under an MXFP8
  // recipe, on a chip with a measured MXFP8 attention law (catalog::Chip::mxfp8_sdpa_*), flash
  // attention runs as cuDNN's block-scaled FP8 SDPA at that law's time, each pass its scores
  // times the per-score cost plus its query rows times the per-query cost. Its backward computes
  // every causal tile of a sliding-window layer (measured: the time grows with the square of the
  // sequence, not with the window). Elsewhere attention stays 16-bit.
  bool mxfp8_attention = false;
  // The MoE router's logits are random (Megatron's --moe-router-force-load-balancing, set by
  // benchmark runs on mock data): every assignment goes to a uniformly drawn expert, so the
  // busiest expert-parallel rank carries the mean load plus sampling noise
  // (RandomRoutingImbalance) in place of training.moe_load_imbalance.
  bool moe_random_routing = false;
};

// The busiest of `ep` ranks' routed assignments over the mean when each of `tokens` tokens per
// rank sends its `top_k` assignments to uniformly drawn experts: a rank's count is a sum of
// tokens x ep independent draws, mean tokens x top_k, variance tokens x top_k x (1 - 1/ep)
// (binomial), and the largest of ep such counts lies about sqrt(2 ln ep) standard deviations
// above the mean. 1 at ep 1.
double RandomRoutingImbalance(double tokens, int top_k, int ep);

// The rates, GB/s a chip one direction in the model's bytes (dispatch, combine), at which a
// dispatch library runs an expert exchange among `ep` ranks alone (no overlap): interpolated in
// training.ep_exchange_by_ep when given, else training.ep_dispatch_gb_s / ep_combine_gb_s. 0: the
// link's rate.
std::pair<double, double> PlainExchangeRates(const catalog::TrainingCalibration& tc, int ep);

// Adapter fine-tuning. LoRA (Hu et al. 2021, arXiv 2106.09685) freezes the base weights and
// trains a rank-r pair beside each adapted matrix (A: d_in x r, B: r x d_out, so r (d_in + d_out)
// parameters); QLoRA (Dettmers et al. 2023, arXiv 2305.14314) keeps the frozen linear weights in
// 4-bit NF4 with double-quantized block constants and dequantizes them to 16 bits for each
// GEMM. The step then has no weight-gradient GEMMs for the frozen weights (forward 2N plus
// activation gradients 2N, and the adapters' own small GEMMs), keeps no gradients, master weights
// or optimizer state for them, and reduces over data parallelism only the adapters' gradients.
enum class FinetuneMethod { kFull, kLora };
// The linear modules an adapter can sit on, by the Hugging Face names of a Llama-style layer;
// Megatron's fused ones (linear_qkv, linear_proj, linear_fc1, linear_fc2) are their unions. In an
// MLA layer q_proj is the query's projections and k_proj / v_proj the key-value ones; in an MoE
// layer gate/up/down_proj are every expert's (routed and shared) as well as any dense MLP's.
enum LoraTarget : unsigned {
  kLoraQ = 1,
  kLoraK = 2,
  kLoraV = 4,
  kLoraO = 8,
  kLoraGate = 16,
  kLoraUp = 32,
  kLoraDown = 64,
  kLoraAll = 127
};
// "q_proj,v_proj", "all", "linear_qkv linear_proj" -> a mask; nullopt names the unknown one.
std::optional<unsigned> ParseLoraTargets(std::string_view list, std::string* unknown);
std::string LoraTargetsName(unsigned mask);  // "q_proj,v_proj" or "all"
std::vector<std::string> LoraTargetNames();
struct Adapters {
  FinetuneMethod method = FinetuneMethod::kFull;
  int rank = 8;
  unsigned targets = kLoraAll;
  // Bits a frozen linear weight is stored in: 16 (LoRA), 8 (LLM.int8) or 4 (QLoRA's NF4).
  int base_bits = 16;
};
// One adapted matrix of a layer: its input and output widths, and how many of it a token runs
// through (a routed expert's: top_k; stored: every expert's).
struct AdaptedMatrix {
  double d_in = 0, d_out = 0;
  double stored = 1;     // copies in the layer (routed experts: all of them)
  double per_token = 1;  // copies a token runs through
  bool routed = false;   // a routed expert's (split over expert parallelism)
};
std::vector<AdaptedMatrix> AdaptedMatrices(const catalog::Model& m, unsigned targets, bool moe);
// Trainable adapter parameters of the whole model (every layer, rank r).
double AdapterParams(const catalog::Model& m, const Adapters& a);

// One virtual pipeline stage of Megatron-Core's pipeline layout (--pipeline-model-parallel-layout,
// megatron/core/transformer/pipeline_parallel_layer_layout.py): its decoder layers ('t'),
// multi-token-prediction layers ('m'), and whether it holds the input embedding ('E') or the
// loss with the output head ('L').
struct VirtualStage {
  int decoders = 0;
  int mtp = 0;
  bool embedding = false;
  bool loss = false;
};
// Megatron's layout string: stages split by '|', "(...)*n" and "x*n" repeat, ',' is cosmetic
// ("Et|(tt|)*30mL": 32 virtual stages). Stages in layer order; an error names what is wrong.
Result<std::vector<VirtualStage>> ParsePipelineLayout(std::string_view text);

// How the layers are split over the pipeline's stages when the user says so: Megatron's layout
// string, or its --decoder-first/last-pipeline-num-layers. Neither: the model balances the stages
// itself (the busiest stage as short as it can be).
struct StageSplit {
  std::vector<VirtualStage> layout;  // parsed --pipeline-model-parallel-layout; empty: none
  std::string text;                  // the layout as given (for --emit)
  int first_layers = 0;              // --decoder-first-pipeline-num-layers; 0: not given
  int last_layers = 0;               // --decoder-last-pipeline-num-layers; 0: not given
  bool given() const { return !layout.empty() || first_layers > 0 || last_layers > 0; }
};
// The virtual stages in layer order (virtual stage i on pipeline rank i % pp), for `pp` ranks of
// `vpp` virtual stages each, checked as Megatron-Core checks them (TransformerConfig and
// PipelineParallelLayerLayout.validate_layer_layout): the layout's stage count pp x vpp, one
// embedding first and one loss last, `layers` decoders and `mtp_layers` MTP layers after them, in
// the last virtual stage of one rank; uneven first/last counts divisible by vpp, the rest split
// evenly over the middle ranks and their virtual stages.
Result<std::vector<VirtualStage>> StagesFor(const StageSplit& split, int layers, int mtp_layers,
                                            int pp, int vpp);

struct TrainingJob {
  const catalog::Model* model = nullptr;
  const catalog::Chip* chip = nullptr;
  catalog::System system;  // its power_cap_w slows compute-bound kernels (perf/power.h)
  catalog::FamilyCalibration calibration;
  catalog::TrainingCalibration training;
  catalog::ModelError model_error;  // the model's measured error on this family and model kind
  long chips = 0;
  double tokens = 0;  // tokens to train on
  int seq_len = 0;    // 0: the model's pre-training length, else max_seq_len up to 8192
  double global_batch_tokens = 0;                // 0: 4Mi tokens (rounded to whole sequences)
  catalog::DType dtype = catalog::DType::kBf16;  // matmul dtype: bf16, fp16 or fp8
  // What every tensor is kept in; unset: the recipe --dtype means (RecipeForDType). When set,
  // its matmul format must equal `dtype`.
  std::optional<Precision> precision;
  AttentionKernel attention = AttentionKernel::kFlash;
  SoftwareKnobs software;
  Adapters adapters;       // kFull: every weight trained
  StageSplit stage_split;  // the pipeline's layers per stage as given; none: balanced
};

struct MemoryBreakdown {
  double weights_gib = 0;      // as the forward reads them, with any cached FP8 copies
  double gradients_gib = 0;    // the gradient buffer (and an fp32 copy of a 16-bit one)
  double main_params_gib = 0;  // the optimizer's master weights
  double optimizer_gib = 0;    // Adam's moments
  double activations_gib = 0;
  double reserved_gib = 0;
  double total() const {
    return weights_gib + gradients_gib + main_params_gib + optimizer_gib + activations_gib +
           reserved_gib;
  }
};

// The format of each memory part, for reports ("bf16 + fp8 copies", "fp32", "none").
struct MemoryFormats {
  std::string weights, gradients, main_params, optimizer, activations;
};
MemoryFormats FormatsOf(const Precision& p);

// Seconds per step; the parts add up to the step time.
struct TimeBreakdown {
  double compute_s = 0;    // matmuls, attention and element-wise work
  double tp_comm_s = 0;    // tensor-parallel collectives (not overlapped)
  double cp_comm_s = 0;    // context-parallel K/V exchange
  double ep_comm_s = 0;    // expert all-to-all, exposed part
  double pp_comm_s = 0;    // pipeline point-to-point
  double pp_bubble_s = 0;  // pipeline fill and drain
  double dp_comm_s = 0;    // gradient reduction not hidden behind backward
  double optimizer_s = 0;  // optimizer update
  double offload_s = 0;    // activation copies to and from host memory not hidden by compute
  double total() const {
    return compute_s + tp_comm_s + cp_comm_s + ep_comm_s + pp_comm_s + pp_bubble_s + dp_comm_s +
           optimizer_s + offload_s;
  }
};

struct TrainingEstimate {
  ParallelLayout layout;
  int seq_len = 0;
  double global_batch_tokens = 0;     // as run: whole micro-batches for this layout
  double requested_batch_tokens = 0;  // as asked (16M: 16,000,000), or the default rule's
  std::string batch_basis;            // "given", or the rule the default batch came from
  int micro_batches = 0;              // per pipeline per step
  double step_time_s = 0;
  double tokens_per_s = 0;
  double model_flops_per_token = 0;     // training, causal attention
  double hardware_flops_per_token = 0;  // adds recomputation
  double mfu = 0;
  double mfu_megatron = 0;    // same, attention counted non-causally (Megatron's formula)
  double adapter_params = 0;  // LoRA: the trainable adapter parameters (whole model)
  double hfu = 0;
  double achieved_tflops_per_chip = 0;  // model FLOPs
  double peak_tflops = 0;               // the dense peak MFU is measured against
  double clock_fraction = 1;            // compute clock sustained under the power cap
  double train_days = 0;
  double ideal_accelerator_hours = 0;
  double accelerator_hours = 0;
  double goodput = 1;
  double job_mtbf_hours = 0;
  double checkpoint_interval_min = 0;
  Precision precision;  // the recipe the estimate used
  MemoryBreakdown memory;
  double memory_capacity_gib = 0;
  bool fits = false;
  TimeBreakdown time;
};

// The precision a job runs with: its own, or the recipe its dtype means.
Result<Precision> PrecisionOf(const TrainingJob& job);

// A job for `model` on `chip` with the catalog's calibration for the chip's
// family and its training parameters. No system: callers attach one.
// The sequence length a job trains at when it names none: the model's, at most 8,192.
int DefaultSeqLen(const catalog::Model& model);

TrainingJob TrainingJobFor(const catalog::Catalog& cat, const catalog::Model& model,
                           const catalog::Chip& chip);

// Checks the job itself (model, chip, numbers) before any layout is tried.
Result<void> ValidateJob(const TrainingJob& job);

// Estimates one fully specified layout. Returns an error when the layout is
// not valid for the job (does not divide, exceeds the model, ...); a layout
// that is valid but does not fit memory returns an estimate with fits=false.
Result<TrainingEstimate> EstimateLayout(const TrainingJob& job, const ParallelLayout& layout);

struct SearchResult {
  TrainingEstimate best;  // highest throughput among layouts that fit
  long layouts_evaluated = 0;
  long layouts_fitting = 0;
};

// Searches every unset knob. Error when nothing fits: the message names the
// closest layout, its memory breakdown and by how much it exceeds capacity.
Result<SearchResult> SearchLayout(const TrainingJob& job, const LayoutConstraints& fixed);

}  // namespace suanli::perf

#endif  // SUANLI_PERF_TRAINING_H_
