#include "perf/training.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "catalog/catalog.h"
#include "core/text.h"
#include "perf/collectives.h"
#include "perf/power.h"
#include "perf/transformer.h"

namespace suanli::perf {
namespace {

using catalog::DType;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
constexpr double kTera = 1e12;
// Activations cross the wire in bf16 (tensor, context and pipeline parallel traffic), also in
// FP8 training; what is stored for the backward follows the precision recipe.
constexpr double kActivationBytes = 2;
constexpr double kFlashBackwardFactor = 2.5;  // flash-attention backward over forward
// LoRA's adapters (weights, gradients and Adam's two moments) are kept in fp32: LLaMA-Factory
// casts the trainable parameters up (model/adapter.py, S3832), 16 bytes a parameter in all.
constexpr double kAdapterBytes = 4;
// A QLoRA base weight: 4-bit NF4 codes in blocks of 64 with an FP8 constant each and an fp32
// second-level constant per 256 blocks, 4 + 8/64 + 32/(64 x 256) = 4.127 bits (arXiv 2305.14314,
// section 3, Double Quantization: 0.127 bits a parameter for the constants, S3833).
constexpr double kNf4Bits = 4.127;
// The default batch grows with the fleet as published runs did: Llama 2 used 4Mi tokens on up to
// 2,048 A100 (Touvron et al. 2023), Llama 3 405B 16M tokens on 16,384 H100 (Dubey et al. 2024,
// 3.4.1), i.e. about 1,024 tokens per chip; never below 4Mi, and never above the batch that
// converges best for the run's compute, B = 0.292 C^0.3271 tokens (DeepSeek LLM, Bi et al. 2024,
// 3.1; C the run's training FLOPs). Mixture-of-experts runs take that law's batch whatever the
// fleet: their published runs trained at or above it (DeepSeek-V3 ramped to 15,360 x 4K = 63M
// tokens on 2,048 H800, arXiv 2412.19437 4.2; Kimi K2 held 67M tokens throughout, S3121), where
// 1,024 tokens a chip leaves an expert-parallel step too few micro-batches to pipeline or to
// pair for the all-to-all overlap.
constexpr double kDefaultBatchTokens = 4194304;  // 4Mi tokens, the floor
constexpr double kDefaultBatchTokensPerChip = 1024;

// The default global batch in tokens for a run, and why.
std::pair<double, std::string> DefaultBatch(long chips, double run_flops, bool moe) {
  const double per_fleet = kDefaultBatchTokensPerChip * static_cast<double>(chips);
  const double converges = 0.292 * std::pow(std::max(run_flops, 1.0), 0.3271);
  if (moe && converges > kDefaultBatchTokens) {
    return {converges,
            "default: the DeepSeek LLM batch law for this run's compute, as mixture-of-experts "
            "runs train"};
  }
  if (per_fleet <= kDefaultBatchTokens) return {kDefaultBatchTokens, "default 4Mi"};
  if (per_fleet <= converges) {
    return {per_fleet, "default: 1,024 tokens per chip, as Llama 3 405B ran"};
  }
  return {std::max(kDefaultBatchTokens, converges),
          "default: the DeepSeek LLM batch law for this run's compute"};
}
constexpr int kDefaultMaxSeq = 8192;

std::vector<int> Divisors(long n, long limit) {
  std::vector<int> out;
  for (long d = 1; d <= std::min(n, limit); ++d) {
    if (n % d == 0) out.push_back(static_cast<int>(d));
  }
  return out;
}

// Tensor-parallel size of the routed experts. Megatron-Core's MoE parallel folding lays the
// expert-parallel group over the tensor- and data-parallel ranks together
// (--expert-tensor-parallel-size 1): an EP that does not divide dp (Qwen3-235B with TP 2 and EP 32
// on 16 data-parallel replicas, Megatron-Bridge's H100 recipe) runs with whole experts, each chip
// holding ep-th of them; an EP that divides dp keeps the experts split like the dense layers.
// Megatron's --expert-tensor-parallel-size (ParallelLayout::expert_tp) overrides it: 1, whole
// experts, the expert-parallel ranks neighbours (the expert rank order tp-ep-dp with the experts'
// own tp, S4772).
int ExpertTp(const ParallelLayout& l) {
  if (l.expert_tp > 0) return l.expert_tp;
  return l.dp % l.ep == 0 ? l.tp : 1;
}

// Data-parallel replicas of each expert: the chips of a pipeline stage (tp x dp; cp ranks
// shard the sequence and count apart) over the experts' own tensor x expert parallel split.
int ExpertDp(const ParallelLayout& l) { return l.tp * l.dp / (ExpertTp(l) * l.ep); }

// ZeRO-2/3 (FSDP) under a pipeline keeps the stage's gradients, and under ZeRO-3 its gathered
// weights, whole from the first micro-batch to the last: PyTorch's pipeline stages turn FSDP's
// gradient reduce-scatter off until the last backward (torch.distributed.pipelining
// set_requires_gradient_sync(last_backward)), and torchtitan's default keeps the weights gathered
// after the forward when pp > 1, "to avoid per-microbatch all-gathers" (fsdp_reshard_after_forward
// "default") [S2620]; DeepSpeed refuses ZeRO-2 and -3 with pipeline parallelism outright [S2621].
// The sharding then saves only the optimizer state and the master weights, as ZeRO-1 does.
bool HeldWhole(const ParallelLayout& l) { return l.pp > 1 && l.zero_stage >= 2; }

// Peak TFLOPS for a dtype, or an error naming the missing catalog value.
// Training computes in floating point only, so only those are offered.
Result<double> Peak(const catalog::Chip& chip, DType d) {
  const auto& v = chip.peak(d);
  if (v.known()) return *v.value;
  std::vector<std::string> supported;
  for (DType i : {DType::kBf16, DType::kFp16, DType::kFp8}) {
    if (chip.peak(i).known()) supported.emplace_back(catalog::DTypeName(i));
  }
  // No training format at all: the chip's figures are missing, whatever the dtype.
  if (supported.empty()) {
    return MakeError("chip '" + chip.id +
                         "': no training peak (peak_tflops.bf16, fp16, fp8) is known in the "
                         "catalog; add one with --catalog to model this chip",
                     "", 0, "chip");
  }
  const std::string trains = "; it trains in " + JoinOr(supported);
  if (v.unsupported) {
    return MakeError(
        "chip '" + chip.id + "' does not support " + std::string(catalog::DTypeName(d)) + trains,
        "", 0, "dtype");
  }
  return MakeError("chip '" + chip.id + "': peak_tflops." + std::string(catalog::DTypeName(d)) +
                       " is unknown in the catalog" + trains + ", or add it with --catalog",
                   "", 0, "dtype");
}

// Everything about a job that does not depend on the layout.
struct JobConstants {
  int seq = 0;
  double requested_tokens = 0;  // as given (16M is 16,000,000), or the default rule's
  long seqs_per_step = 0;
  std::string batch_basis;    // "given", or the rule the default came from
  double matmul_peak = 0;     // FLOP/s for GEMMs in the job's dtype
  double attention_peak = 0;  // FLOP/s for attention cores (bf16/fp16)
  double mem_bw = 0;          // B/s, achievable
  double capacity_gib = 0;
  LayerParams params;
  double flops_per_token = 0;           // training model FLOPs, causal
  double flops_per_token_megatron = 0;  // non-causal
  double mfu_peak = 0;                  // TFLOPS MFU is measured against
  double clock_fraction = 1;            // sustained clock under the system's power cap
  bool fp8 = false;
  Precision prec;
  // The chip's measured MXFP8 attention law (catalog::Chip::mxfp8_sdpa_*), seconds per score and
  // per query row, at the sustained clock; unset where the catalog has none.
  struct {
    bool known = false;
    double fwd_s_per_score = 0, fwd_s_per_query = 0, bwd_s_per_score = 0, bwd_s_per_query = 0;
  } mxfp8_sdpa;
};

Result<JobConstants> Prepare(const TrainingJob& job) {
  JobConstants c;
  const auto& m = *job.model;
  c.seq = job.seq_len > 0 ? job.seq_len : DefaultSeqLen(m);
  double gbt = job.global_batch_tokens;
  c.batch_basis = "given";
  if (gbt <= 0) {
    std::tie(gbt, c.batch_basis) = DefaultBatch(
        job.chips, TrainingFlopsPerToken(m, c.seq, true) * job.tokens, m.moe.has_value());
  }
  c.requested_tokens = gbt;
  c.seqs_per_step = std::max<long>(1, std::lround(gbt / c.seq));
  c.fp8 = job.dtype == DType::kFp8;
  auto mm = Peak(*job.chip, job.dtype);
  if (!mm) return tl::unexpected(mm.error());
  auto prec = PrecisionOf(job);
  if (!prec) return tl::unexpected(prec.error());
  c.prec = *prec;
  // Attention cores and element-wise work stay in 16-bit; on a chip with no known 16-bit peak
  // (Ascend 950DT: FP8 and FP4 only) they run at the GEMMs' FP8 peak, the one the catalog has
  // (FP8 attention, as FlashAttention-3 and Ascend's FP8/HiF8 kernels run it).
  auto half = Peak(*job.chip, job.dtype == DType::kFp16 ? DType::kFp16 : DType::kBf16);
  if (!half) half = Peak(*job.chip, DType::kFp16);
  if (!half && job.dtype == DType::kFp8) half = mm;
  if (!half) return tl::unexpected(half.error());
  // A power cap lowers the clock of compute-bound kernels; MFU stays measured
  // against the nominal peak, so a capped chip shows a lower MFU.
  auto clock = ComputeClockFraction(*job.chip, job.calibration, job.system.power_cap_w);
  if (!clock) return tl::unexpected(clock.error());
  c.clock_fraction = *clock;
  c.matmul_peak = *mm * kTera * c.clock_fraction;
  c.attention_peak = *half * kTera * c.clock_fraction;
  c.mfu_peak = *mm;
  if (!job.chip->memory_tb_s.known()) {
    return MakeError("chip '" + job.chip->id + "': memory_tb_s is unknown in the catalog");
  }
  if (!job.chip->memory_gib.known()) {
    return MakeError("chip '" + job.chip->id + "': memory_gib is unknown in the catalog");
  }
  c.mem_bw = *job.chip->memory_tb_s.value * kTera * job.calibration.memory_efficiency;
  c.capacity_gib = *job.chip->memory_gib.value;
  if (const auto& ch = *job.chip; ch.mxfp8_sdpa_fwd_ps_per_score.known()) {
    c.mxfp8_sdpa.known = true;
    c.mxfp8_sdpa.fwd_s_per_score = *ch.mxfp8_sdpa_fwd_ps_per_score.value * 1e-12 / c.clock_fraction;
    c.mxfp8_sdpa.fwd_s_per_query = *ch.mxfp8_sdpa_fwd_ns_per_query.value * 1e-9 / c.clock_fraction;
    c.mxfp8_sdpa.bwd_s_per_score = *ch.mxfp8_sdpa_bwd_ps_per_score.value * 1e-12 / c.clock_fraction;
    c.mxfp8_sdpa.bwd_s_per_query = *ch.mxfp8_sdpa_bwd_ns_per_query.value * 1e-9 / c.clock_fraction;
  }
  c.params = CountLayerParams(m);
  c.flops_per_token = TrainingFlopsPerToken(m, c.seq, true);
  c.flops_per_token_megatron = TrainingFlopsPerToken(m, c.seq, false);
  return c;
}

// Bytes a frozen base weight of `bits` takes: QLoRA's NF4 with its double-quantized constants,
// LLM.int8's one byte (its per-row scales are a row's, negligible), 16-bit two.
double QuantizedWeightBytes(int bits) {
  if (bits == 4) return kNf4Bits / 8;
  return bits / 8.0;
}

double GemmSeconds(double flops, int calls, double peak, double eff_max, double half_gflop) {
  if (flops <= 0) return 0;
  const double g = flops / calls / 1e9;
  const double eff = eff_max * g / (g + half_gflop);
  return flops / (peak * eff);
}

// The efficiency of forward GEMMs: FP8 recipes with one scale per tensor (delayed or current
// scaling) run them with fast accumulation (Transformer Engine's fprop GEMMs without split
// accumulator, torchao's output GEMM with use_fast_accum), at the family's
// fp8_fast_accum_matmul_efficiency where it has one; block-scaled recipes (MXFP8, 128-wide
// tiles) and every backward GEMM promote partial sums, at low_precision_matmul_efficiency.
double ForwardMatmulEfficiency(const JobConstants& c, const catalog::FamilyCalibration& cal) {
  if (!c.fp8) return cal.matmul_efficiency;
  const bool per_tensor =
      c.prec.scaling == Fp8Scaling::kDelayed || c.prec.scaling == Fp8Scaling::kCurrent;
  return per_tensor && cal.fp8_fast_accum_matmul_efficiency ? *cal.fp8_fast_accum_matmul_efficiency
                                                            : cal.low_precision_matmul_efficiency;
}

}  // namespace

std::pair<double, double> PlainExchangeRates(const catalog::TrainingCalibration& tc, int ep) {
  const auto& t = tc.ep_exchange_by_ep;
  if (t.empty()) return {tc.ep_dispatch_gb_s, tc.ep_combine_gb_s};
  if (ep <= t.front().ep) return {t.front().dispatch_gb_s, t.front().combine_gb_s};
  if (ep >= t.back().ep) return {t.back().dispatch_gb_s, t.back().combine_gb_s};
  std::size_t i = 1;
  while (t[i].ep < ep) ++i;
  const auto& a = t[i - 1];
  const auto& b = t[i];
  const double f = static_cast<double>(ep - a.ep) / (b.ep - a.ep);
  return {a.dispatch_gb_s + f * (b.dispatch_gb_s - a.dispatch_gb_s),
          a.combine_gb_s + f * (b.combine_gb_s - a.combine_gb_s)};
}

namespace {

// Costs of one layer for one micro-batch on one chip.
struct LayerCost {
  double compute_s = 0;  // forward + backward (+ recompute)
  double backward_s = 0;
  double tp_s = 0;
  double cp_s = 0;
  double ep_s = 0;
  // ep_s with Combined 1F1B's pairing (ParallelLayout::ep_a2a_overlap): what of one micro-batch's
  // exchange shows beside another micro-batch's compute, and the SMs the hidden part takes.
  double ep_paired_s = 0;
  // ep_s as the overlapping schedules' dispatch library moves it (Combined 1F1B, DualPipe): each
  // link at most the library's achieved rate for its SM budget (TrainingCalibration::
  // ep_overlap_dispatch_gb_s / ep_overlap_combine_gb_s).
  double ep_library_s = 0;
  double act_bytes = 0;  // stored activations
};

struct LayoutContext {
  const TrainingJob& job;
  const JobConstants& c;
  const ParallelLayout& l;
  double tokens;  // tokens per micro-batch per chip group (TP ranks share them)
};

// torchtitan's per-op selective recomputation applies to this layer: asked for, with selective
// recomputation of no named modules, on a plain dense layer (no experts, MLA, gated or linear
// attention, adapters), where its GEMMs run in the order SoftwareKnobs describes.
bool OpSelectiveRecompute(const TrainingJob& job, const ParallelLayout& l, bool moe) {
  const auto& m = *job.model;
  return job.software.op_selective_recompute && l.recompute == Recompute::kSelective &&
         l.recompute_modules == 0 && !moe && !m.moe && !m.mla && !m.attention_output_gate &&
         !m.sparse_attention && LinearAttentionLayers(m) == 0 &&
         job.adapters.method == FinetuneMethod::kFull;
}

LayerCost CostOfLayer(const LayoutContext& x, bool moe) {
  const auto& m = *x.job.model;
  const auto& cal = x.job.calibration;
  const auto& p = x.c.params;
  const auto& l = x.l;
  const double T = x.tokens;
  const double h = m.hidden;
  const double tp = l.tp;
  const bool sp = l.sequence_parallel && l.tp > 1;
  const double eff = x.c.fp8 ? cal.low_precision_matmul_efficiency : cal.matmul_efficiency;
  // Forward FP8 GEMMs of per-tensor recipes accumulate fast (ForwardMatmulEfficiency); the
  // backward ones promote, at `eff`.
  const double fwd_eff = ForwardMatmulEfficiency(x.c, cal);
  // The busiest expert-parallel rank's routed load over the mean: the trained router's
  // (training.moe_load_imbalance), or random routing's sampling noise (SoftwareKnobs::
  // moe_random_routing).
  const double imbalance = x.job.software.moe_random_routing && moe
                               ? RandomRoutingImbalance(T, x.c.params.top_k, l.ep)
                               : x.job.training.moe_load_imbalance;
  LayerCost cost;

  // Forward GEMMs (kept apart where a module can be recomputed on its own), at the forward
  // efficiency and, for the backward's two GEMMs per forward one, at `eff`.
  auto gemms = [&](double e) {
    struct {
      double all, attention, mlp, routed, shared;
    } g{};
    g.attention =
        GemmSeconds(2 * T * p.attention / tp, 3, x.c.matmul_peak, e, cal.matmul_half_gflop);
    g.all = g.attention;
    if (moe) {
      const double assignments = T * p.top_k * imbalance;
      const double tokens_per_expert =
          T * p.top_k * l.ep / std::max(1, p.routed_experts) * imbalance;
      const double expert_call = 2 * tokens_per_expert * p.expert / 3 / tp;
      const double routed_flops = 2 * assignments * p.expert / tp;
      g.routed = routed_flops / (x.c.matmul_peak * e * (expert_call / 1e9) /
                                 (expert_call / 1e9 + cal.matmul_half_gflop));
      g.shared = GemmSeconds(2 * T * p.shared_experts * p.expert / tp, 3, x.c.matmul_peak, e,
                             cal.matmul_half_gflop);
      g.all += g.routed + g.shared;
      g.all += GemmSeconds(2 * T * p.router / tp, 1, x.c.matmul_peak, e, cal.matmul_half_gflop);
    } else {
      g.mlp = GemmSeconds(2 * T * p.dense_mlp / tp, m.mlp == catalog::MlpKind::kSwiglu ? 3 : 2,
                          x.c.matmul_peak, e, cal.matmul_half_gflop);
      g.all += g.mlp;
    }
    return g;
  };
  const auto forward_gemms = gemms(fwd_eff);
  const double gemm = forward_gemms.all;
  const double backward_gemm = fwd_eff == eff ? gemm : gemms(eff).all;
  const double attention_gemm = forward_gemms.attention;
  const double mlp_gemm = forward_gemms.mlp, routed_gemm = forward_gemms.routed,
               shared_gemm = forward_gemms.shared;
  // Attention core, in 16-bit. Flash kernels skip the masked half; unfused
  // kernels compute the full score matrix with batched GEMMs and stream it
  // through softmax and dropout (9 bytes per score forward, 11 backward).
  double attn_fwd = 0;
  double attn_bwd = 0;
  double score_bytes_per_token = 0;  // stored score matrices (unfused only)
  const bool mxfp8_sdpa = x.job.attention == AttentionKernel::kFlash &&
                          x.job.software.mxfp8_attention && x.c.fp8 &&
                          x.c.prec.scaling == Fp8Scaling::kMxBlock && x.c.mxfp8_sdpa.known &&
                          !m.sparse_attention && LinearAttentionLayers(m) == 0;
  if (mxfp8_sdpa) {
    // cuDNN's MXFP8 SDPA at the chip's measured law, per layer on average (SoftwareKnobs::
    // mxfp8_attention): forward, the causal scores of full layers and the window's of windowed
    // ones; backward, every causal score of every layer.
    const double heads = m.heads / tp;
    const double causal_keys = (x.c.seq + 1) / 2.0;
    const double windowed = WindowedAttentionLayers(m);
    const double fwd_keys =
        ((m.layers - windowed) * causal_keys + windowed * WindowedKeysPerQuery(m, x.c.seq, true)) /
        m.layers;
    const double queries = T * heads;
    const auto& law = x.c.mxfp8_sdpa;
    attn_fwd = queries * (fwd_keys * law.fwd_s_per_score + law.fwd_s_per_query);
    attn_bwd = queries * (causal_keys * law.bwd_s_per_score + law.bwd_s_per_query);
  } else if (x.job.attention == AttentionKernel::kFlash) {
    // Per layer on average: DSA caps the keys, linear-attention layers pay a constant.
    const double core_flops = T * AttentionFlopsPerToken(m, x.c.seq, true) / m.layers / tp;
    const double attention_eff = x.job.software.sdpa_attention && cal.fa2_attention_efficiency
                                     ? *cal.fa2_attention_efficiency
                                     : cal.attention_efficiency;
    attn_fwd = core_flops / (x.c.attention_peak * attention_eff);
    attn_bwd = kFlashBackwardFactor * attn_fwd;
  } else {
    const double heads_local = m.heads / tp;
    const double scores = T * heads_local * x.c.seq;
    const double core_flops = T * AttentionFlopsPerToken(m, x.c.seq, false) / m.layers / tp;
    // Two batched GEMMs (QK^T, AV), each batched over heads and sequences.
    const double gemm_core = GemmSeconds(core_flops, 2, x.c.attention_peak, cal.matmul_efficiency,
                                         cal.matmul_half_gflop);
    attn_fwd = gemm_core + 9 * scores / x.c.mem_bw;
    attn_bwd = 2 * gemm_core + 11 * scores / x.c.mem_bw;
    score_bytes_per_token = 5 * heads_local * x.c.seq;
  }

  // Element-wise traffic per token, forward. Norms, residuals and dropout
  // run on the full hidden state unless sequence parallelism splits them.
  const double replicated = 8 * h + 12 * h + (m.dropout ? 10 * h : 0);
  double split = 0;
  const double f = m.ffn_hidden;
  const double fe = moe ? m.moe->expert_ffn : 0;
  if (moe) {
    split += 6 * fe * (p.top_k * imbalance + p.shared_experts) + 8 * p.top_k * h;
  } else {
    split += m.mlp == catalog::MlpKind::kSwiglu ? 6 * f : 4 * f;
  }
  if (!m.mla) split += 4.0 * (m.heads + m.kv_heads) * m.head_dim;  // rotary / bias
  const double elem_bytes = T * ((sp ? replicated / tp : replicated) + split / tp);
  const double elem = elem_bytes / x.c.mem_bw;
  // Per-tensor current scaling reads every bf16 GEMM input once more for its amax before the
  // cast: forward the inputs of QKV, O, the MLP's up and down projections (4h + f), backward
  // the gradients arriving at them (4h + 2f), 2 bytes each.
  double amax = 0;
  if (x.c.prec.scaling == Fp8Scaling::kCurrent) {
    const double f_eff = moe ? fe * (p.top_k * imbalance + p.shared_experts) : f;
    amax = T * 2 * (8 * h + 3 * f_eff) / tp / x.c.mem_bw;
  }

  // With several experts on a chip, the tokens an expert-parallel all-to-all delivers arrive
  // grouped by source rank and are sorted into expert order after the dispatch, and back into
  // rank order before the combine (Megatron-Core's all-to-all dispatcher, sort_chunks_by_idxs
  // when num_local_experts > 1 [S1334]): two more passes that read and write every routed copy,
  // forward, and again in the backward.
  double chunk_sort = 0;
  if (moe && l.ep > 1 && p.routed_experts / l.ep > 1) {
    chunk_sort = T * 2 * 4 * h * p.top_k * imbalance / tp / x.c.mem_bw;
  }
  // LoRA (Adapters): the frozen weights need no weight-gradient GEMM, only the activation
  // gradient's; the adapters add their own small GEMMs and, as PEFT runs them (unfused beside the
  // base layer, result = base(x) + lora_B(lora_A(x)) * scaling), their element-wise traffic per
  // token and adapted matrix: forward A reads x (2 d_in), B writes its output (2 d_out), the
  // scaling reads and writes it (4 d_out), the sum reads both and writes (6 d_out); backward the
  // scaling's gradient (4 d_out), B's weight and input gradients read the output gradient (4
  // d_out), A's weight gradient reads x (2 d_in) and its input gradient is written and added into
  // the base layer's (2 + 6 d_in). A rank-8 GEMM does 8 FLOPs a byte it reads: memory-bound.
  const auto& adapters = x.job.adapters;
  const bool lora = adapters.method == FinetuneMethod::kLora;
  double adapter_fwd = 0, adapter_bwd = 0;
  if (lora) {
    for (const auto& a : AdaptedMatrices(m, adapters.targets, moe)) {
      const double uses = T * a.per_token * (a.routed ? imbalance : 1.0) / tp;
      const double flops = 2.0 * adapters.rank * (a.d_in + a.d_out) * uses;
      const double gemm_f = GemmSeconds(flops, 2, x.c.matmul_peak, eff, cal.matmul_half_gflop);
      adapter_fwd += std::max(gemm_f, uses * (2 * a.d_in + 12 * a.d_out) / x.c.mem_bw);
      adapter_bwd += std::max(2 * gemm_f, uses * (10 * a.d_in + 8 * a.d_out) / x.c.mem_bw);
    }
  }
  // Transformer Engine's fused grouped MLP (SoftwareKnobs::fused_grouped_mlp; its kernels take
  // block-scaled FP8, MXFP8 here): the routed experts' SwiGLU runs in the GEMMs' epilogues, so
  // its element-wise passes leave the layer, forward 6 bytes per expert-FFN element of each
  // routed copy, backward 12 less the saved fc1 output (4) the data-gradient epilogue reads.
  double fused_mlp_fwd = 0, fused_mlp_bwd = 0;
  if (moe && x.job.software.fused_grouped_mlp && x.c.fp8 &&
      x.c.prec.scaling == Fp8Scaling::kMxBlock) {
    const double copies = T * fe * p.top_k * imbalance / tp;
    fused_mlp_fwd = copies * 6 / x.c.mem_bw;
    fused_mlp_bwd = copies * (12 - 4) / x.c.mem_bw;
  }
  const double fwd = gemm + attn_fwd + elem - fused_mlp_fwd + chunk_sort + adapter_fwd;
  const double bwd = (lora ? 1 : 2) * backward_gemm + attn_bwd + 2 * elem - fused_mlp_bwd +
                     chunk_sort + adapter_bwd;
  // Selective recomputation redoes what is cheap to redo and expensive to
  // store: the score matrices of unfused attention; with flash attention, the
  // norms and activation functions.
  const bool flash = x.job.attention == AttentionKernel::kFlash;
  const unsigned modules = l.recompute == Recompute::kSelective ? l.recompute_modules : 0;
  auto has = [&](unsigned module) { return (modules & module) != 0; };
  double recompute = 0;
  int extra_tp_collectives = 0;  // a recomputed MLP gathers its sequence-parallel input again
  const bool op_sac = OpSelectiveRecompute(x.job, l, moe);
  if (l.recompute == Recompute::kFull) {
    recompute = fwd;
  } else if (op_sac) {
    // torchtitan's per-op policy (SoftwareKnobs::op_selective_recompute) drops the output of
    // every second GEMM of the layer, k, o and the MLP's up (or, without SwiGLU, its down)
    // projection: their forward runs again in the backward, with every element-wise op; k and
    // up need their all-gathered inputs again (the gathers are not kept), one all-reduce's worth.
    const double dropped =
        h * m.kv_heads * m.head_dim + m.heads * m.head_dim * h + h * m.ffn_hidden;
    recompute = elem + GemmSeconds(2 * T * dropped / tp, 3, x.c.matmul_peak, fwd_eff,
                                   cal.matmul_half_gflop);
    if (l.tp > 1) ++extra_tp_collectives;
  } else if (l.recompute == Recompute::kSelective && modules == 0) {
    recompute = flash ? elem : attn_fwd;
  } else if (modules != 0) {
    const double norms = T * 8 * h / (sp ? tp : 1) / x.c.mem_bw;
    const double fe_all = moe ? fe * (p.top_k * imbalance + p.shared_experts) : 0;
    if (has(kRecomputeCoreAttn)) recompute += attn_fwd;
    if (has(kRecomputeLayernorm)) recompute += norms;
    if (has(kRecomputeMlp) && !moe) {
      recompute +=
          mlp_gemm + T * (m.mlp == catalog::MlpKind::kSwiglu ? 6 : 4) * f / tp / x.c.mem_bw;
      ++extra_tp_collectives;
    }
    if (has(kRecomputeMoe) && moe) {
      recompute += routed_gemm + T * 6 * fe * p.top_k * imbalance / tp / x.c.mem_bw;
      ++extra_tp_collectives;
    } else if (has(kRecomputeMoeAct) && moe) {
      recompute += T * 6 * fe_all / tp / x.c.mem_bw;
    }
    if (has(kRecomputeSharedExperts) && moe) {
      recompute += shared_gemm;
      ++extra_tp_collectives;
    }
    if (has(kRecomputeMlaUpProj) && m.mla) {
      const auto& mla = *m.mla;
      const double up = (mla.q_lora_rank > 0 ? mla.q_lora_rank * m.heads * QkHeadDim(m) : 0.0) +
                        mla.kv_lora_rank * m.heads * (mla.qk_nope_head_dim + VHeadDim(m));
      recompute += std::min(attention_gemm, GemmSeconds(2 * T * up / tp, 2, x.c.matmul_peak,
                                                        fwd_eff, cal.matmul_half_gflop));
    }
  }
  // Dropless MoE: after the router's device-to-host sync the host launches each local expert's
  // kernels in turn (data/calibration.yaml, expert_kernel_host_us), and that launch time shows:
  // its GEMMs, fc1 and fc2 forward, data- and weight-gradient (6 per expert, 8 when the experts'
  // forward is recomputed), and the FP8 quantization of each GEMM's activation input, the two
  // forward inputs and the two gradients arriving backward (4, 6 recomputed). Transformer
  // Engine quantizes a tensor in one kernel with delayed scaling (the scale is last step's),
  // MXFP8 or 128-wide tiles, in four with current scaling (the amax zeroed for its atomic max,
  // the amax, the scale from it, the cast [S1333, S4125]); 16-bit GEMMs quantize nothing.
  double expert_host = 0;
  // Under a full-iteration CUDA graph (SoftwareKnobs::full_iteration_graphs) the host issues
  // nothing during the step: no launch shows.
  if (moe && !x.job.software.full_iteration_graphs) {
    const bool experts_again =
        l.recompute == Recompute::kFull || (modules != 0 && has(kRecomputeMoe));
    const double local_experts = static_cast<double>(p.routed_experts) / l.ep;
    const Fp8Scaling scaling = x.c.fp8 ? x.c.prec.scaling : Fp8Scaling::kNone;
    const int per_quantization = scaling == Fp8Scaling::kNone      ? 0
                                 : scaling == Fp8Scaling::kCurrent ? 4
                                                                   : 1;
    // LoRA's frozen experts have no weight-gradient GEMMs (two fewer a step).
    const int kernels =
        (experts_again ? 8 : 6) - (lora ? 2 : 0) + (experts_again ? 6 : 4) * per_quantization;
    expert_host = local_experts * kernels * x.job.training.expert_kernel_host_s;
  }
  cost.compute_s = fwd + bwd + recompute + amax + expert_host;
  cost.backward_s = bwd;

  const auto& sys = x.job.system;
  const int domain = sys.scale_up_domain;
  // Tensor parallel: two all-reduce equivalents forward, two backward, two
  // more when the forward is recomputed.
  if (l.tp > 1) {
    const auto g = PlaceGroup(l.tp, 1, domain);
    const int collectives = (l.recompute == Recompute::kFull ? 6 : 4) + extra_tp_collectives;
    cost.tp_s = collectives * AllReduceSeconds(T * h * kActivationBytes, g, sys);
    // Overlapped (Transformer Engine userbuffers, async TP), a collective hides behind the GEMM
    // it feeds: only what exceeds the layer's GEMM time shows.
    if (x.job.software.tp_comm_overlap) cost.tp_s = std::max(0.0, cost.tp_s - 3 * gemm);
  }
  // Context parallel: all-gather K and V forward, reduce-scatter their
  // gradients backward.
  if (l.cp > 1 && x.job.software.sdpa_attention) {
    // torch's ring attention around SDPA (S3032): K and V enter SDPA widened to every query head
    // (repeat_kv) and are all-gathered once a pass, waited for after the first ring step's call
    // (its local block, 1/cp of the pass's attention); the backward gathers them again, and
    // passes each step's FP32 dK/dV to the next rank, waited for after the next step's call and,
    // for the last, after the loop.
    const auto g = PlaceGroup(l.cp, l.tp, domain);
    const double heads_local = std::max(1.0, static_cast<double>(m.heads) / tp);
    const double kv_bytes =
        x.tokens * heads_local * (QkHeadDim(m) + VHeadDim(m)) * kActivationBytes;
    const double gather = AllGatherSeconds(kv_bytes * l.cp, g, sys);
    const double shift = PointToPointSeconds(2 * kv_bytes, g.domains() == 1, sys);
    const double fwd_block = attn_fwd / l.cp;
    const double bwd_block = attn_bwd / l.cp;
    const int forwards = l.recompute == Recompute::kFull ? 2 : 1;
    cost.cp_s = forwards * std::max(0.0, gather - fwd_block) + std::max(0.0, gather - bwd_block) +
                (l.cp - 1) * std::max(0.0, shift - bwd_block) + shift;
    // Its element-wise work, bytes a local element. Forward, each step after the first: the
    // block's output cast to FP32 and merged by log-sum-exp (three passes over the running output;
    // on half of the steps half the queries, then the whole concatenated: 38 or 27, 32.5 on
    // average), K/V concatenated to pass on (4). Backward, each step: dK/dV added into FP32
    // accumulators (10; on half of the steps half of them, then concatenated: 13), concatenated
    // to send (8) and K/V (4); dQ likewise (11.5). Once a pass: the FP32 accumulators zeroed and
    // the results cast back (10).
    const double q_elems = x.tokens * heads_local * QkHeadDim(m);
    const double out_elems = x.tokens * heads_local * VHeadDim(m);
    const double kv_elems = q_elems + out_elems;
    const double bytes =
        forwards * ((l.cp - 1) * (32.5 * out_elems + 4 * kv_elems) + 6 * out_elems) +
        l.cp * (23.5 * kv_elems + 11.5 * q_elems) + 10 * (q_elems + kv_elems);
    cost.compute_s += bytes / x.c.mem_bw;
  } else if (l.cp > 1) {
    const auto g = PlaceGroup(l.cp, l.tp, domain);
    const double kv_heads_local =
        std::max(1.0, static_cast<double>(m.mla ? m.heads : m.kv_heads) / tp);
    const double kv_per_token = kv_heads_local * (QkHeadDim(m) + VHeadDim(m)) * kActivationBytes;
    const double full = x.tokens * l.cp * kv_per_token;
    const int passes = l.recompute == Recompute::kFull ? 3 : 2;
    cost.cp_s = passes * AllGatherSeconds(full, g, sys);
  }
  // Expert parallel: dispatch (fp8 when training in fp8) and combine (bf16),
  // forward and backward.
  // With node-limited routing a token crosses the scale-out network once per
  // remote domain it is routed to, then fans out over the scale-up network.
  if (moe && l.ep > 1) {
    // Folded (whole experts), the expert-parallel ranks are neighbours from the tensor-parallel
    // group on; else they are tp x cp apart.
    const int etp = ExpertTp(l);
    const auto g = PlaceGroup(l.ep, etp == 1 ? 1 : l.tp * l.cp, domain);
    const double n = g.size;
    const double tokens_out = T / tp;
    double inter_copies = p.top_k * (n - g.per_domain) / n;
    double intra_copies = p.top_k * (g.per_domain - 1) / n;
    const int max_domains = MaxDomainsPerToken(*m.moe, l.ep, g.per_domain);
    if (max_domains > 0 && g.domains() > 1) {
      const double remote = max_domains * (g.domains() - 1.0) / g.domains();
      if (remote < inter_copies) {
        inter_copies = remote;
        intra_copies = p.top_k * (g.per_domain - 1.0) / g.per_domain;
      }
    }
    const int passes = l.recompute == Recompute::kFull ? 3 : 2;
    const auto& tc = x.job.training;
    auto a2a_at = [&](double bytes_per_element, double library_gb_s) {
      // AllToAllSplitSeconds with each tier's rate capped at the library's (0: uncapped).
      auto tier = [&](double copies, const catalog::NetworkTier& t) {
        const double bytes = tokens_out * copies * h * bytes_per_element;
        if (bytes <= 0) return 0.0;
        double gb_s = t.bandwidth_gb_s;  // as collectives.cc's Bandwidth(): rate x efficiency
        if (library_gb_s > 0 && gb_s * t.efficiency > library_gb_s) {
          gb_s = library_gb_s / t.efficiency;
        }
        return bytes / (gb_s * 1e9 * t.efficiency) + t.latency_us * 1e-6;
      };
      return std::max(tier(intra_copies, sys.scale_up), tier(inter_copies, sys.scale_out));
    };
    // Alone, the exchange runs at what the dispatcher's kernels reach, each link at most
    // training.ep_dispatch_gb_s / ep_combine_gb_s: on NVLink 5 the fastest library measured
    // (HybridEP, 32 SMs, 4,096 tokens of 7,168 BF16 at top-8) moves 480-550 GB/s dispatch and
    // 450-570 combine of the link's 900 (S4540); NVLink 4 and NICs are slower than that.
    // Measured at several EP sizes (training.ep_exchange_by_ep), the rates at this one: fewer
    // ranks, fewer peers a kernel waits on (HybridEP on GB200: 546 / 569 received GB/s at EP8,
    // 484 / 465 at EP32, S4540).
    const auto [plain_dispatch_gb_s, plain_combine_gb_s] = PlainExchangeRates(tc, l.ep);
    const double dispatch = a2a_at(x.c.fp8 ? 1 : 2, plain_dispatch_gb_s);
    const double combine = a2a_at(kActivationBytes, plain_combine_gb_s);
    cost.ep_s = passes * (dispatch + combine);
    // The schedules that run the exchange beside compute (Combined 1F1B, DualPipe) move it with
    // a dispatch library's kernels on a fixed SM budget (DeepEP's normal kernels, 20-24 SMs),
    // which reach a link's rate on H800 (153-158 GB/s of NVLink's ~160, 43-58 of a 400 Gb/s NIC,
    // S3820) but not on NVLink 5 (GB200 NVL72 at EP32: ~400 GB/s dispatch, ~190 combine of 900,
    // S3821): each tier at most the library's rate, the backward's exchanges as the forward's.
    // On HybridEP's kernels (SoftwareKnobs::ep_overlap_hybridep) the exchange beside compute
    // moves at the rates measured for those kernels alone.
    const bool hybridep = x.job.software.ep_overlap_hybridep;
    const double lib_dispatch =
        a2a_at(x.c.fp8 ? 1 : 2, hybridep ? plain_dispatch_gb_s : tc.ep_overlap_dispatch_gb_s);
    const double lib_combine =
        a2a_at(kActivationBytes, hybridep ? plain_combine_gb_s : tc.ep_overlap_combine_gb_s);
    cost.ep_library_s = passes * (lib_dispatch + lib_combine);
    if (l.ep_a2a_overlap) {
      // Combined 1F1B's order for a forward layer paired with a backward one (S3120): the
      // backward's combine beside the forward's attention, the forward's dispatch beside the
      // backward's experts (data and weight gradients), the backward's dispatch beside the
      // forward's experts, the forward's combine beside the backward's attention. Each exchange
      // hides behind its partner only: what exceeds it shows, and while it runs its kernels hold
      // SMs the partner's GEMMs would use (training.ep_overlap_compute_slowdown).
      const double routed_bwd = 2 * (fwd_eff == eff ? routed_gemm : gemms(eff).routed);
      const double experts_fwd = routed_gemm + expert_host / 3;
      const double experts_bwd = routed_bwd + expert_host * 2 / 3;
      const double attention_fwd = fwd - routed_gemm;
      const double attention_bwd =
          std::max(0.0, cost.compute_s - experts_fwd - experts_bwd - attention_fwd);
      const double slowdown = x.job.training.ep_overlap_compute_slowdown;
      auto beside = [&](double comm, double compute) {
        return std::max(0.0, comm - compute) + slowdown * std::min(comm, compute);
      };
      cost.ep_paired_s = beside(lib_combine, attention_fwd) + beside(lib_dispatch, experts_bwd) +
                         beside(lib_dispatch, experts_fwd) + beside(lib_combine, attention_bwd);
    }
  }

  // Stored activations per token (bf16).
  double act_replicated = 8 * h + (m.dropout ? 2 * h : 0);
  double act_split = 0;
  if (m.mla) {
    const auto& mla = *m.mla;
    act_replicated += 2.0 * (mla.q_lora_rank + mla.kv_lora_rank + mla.qk_rope_head_dim);
    act_split += 2.0 * m.heads * (2 * QkHeadDim(m) + 2 * VHeadDim(m));
  } else {
    act_split += 2.0 * m.head_dim * (2 * m.heads + 2 * m.kv_heads);
  }
  // MLP: the first projection's output (kept) and the activation function's
  // output (dropped by selective recomputation with flash attention).
  const bool drop_cheap = flash && l.recompute == Recompute::kSelective && modules == 0;
  const double swiglu_kept = drop_cheap ? 4 : 6;
  // The routed experts' input: with the experts split over the tensor-parallel ranks
  // (ExpertTp), each rank all-gathers the tokens its tensor-parallel group routes to its experts
  // before the first expert GEMM and keeps them whole (Megatron-Core's token dispatcher,
  // gather_from_sequence_parallel_region over the expert tensor-parallel group [S2622]): per
  // token of the group, 2h bytes a routed copy on every rank, not 2h / tp.
  // Under a Transformer Engine FP8 recipe (its cached FP8 weights mark it) the routed experts'
  // GEMMs keep their inputs for the weight gradient as the FP8 column-wise copies alone, 1 byte
  // an element (MXFP8: one E8M0 scale a 32 more), not the 16-bit input: GroupedLinear drops the
  // row-wise data before save_for_backward unless save_original_input, which Megatron-Core sets
  // only for shared experts and with layernorm recomputation [S4127]. So fc1's input (the
  // dispatched token) and fc2's (the activation's output) are stored at that width; fc1's
  // output, which the activation's backward reads, stays 16-bit.
  const bool te_fp8_inputs = x.c.fp8 && x.c.prec.weight_cache_bytes > 0 &&
                             x.c.prec.activations == TensorFormat::kBf16 &&
                             !has(kRecomputeLayernorm);
  const double saved_input =
      te_fp8_inputs
          ? (x.c.prec.scaling == Fp8Scaling::kMxBlock ? 1 + 1.0 / 32 : 1.0) / kActivationBytes
          : 1.0;
  const double expert_input = 2 * h * ExpertTp(l) * saved_input;
  const double fc2_input = 2 * fe * saved_input;  // the activation's output, when kept
  if (moe) {
    act_split += (expert_input + 4 * fe + (drop_cheap ? 0 : fc2_input)) * p.top_k * imbalance +
                 swiglu_kept * fe * p.shared_experts;
  } else if (m.mlp == catalog::MlpKind::kSwiglu) {
    act_split += swiglu_kept * f;
  } else {
    act_split += drop_cheap ? 2 * f : 4 * f;
  }
  if (drop_cheap) act_replicated -= 4 * h;  // norm outputs are recomputed
  if (modules != 0) {
    // What each recomputed module no longer stores (its inputs stay: they are other modules'
    // outputs or the layer's input).
    if (has(kRecomputeLayernorm)) act_replicated -= 4 * h;
    if (has(kRecomputeCoreAttn) && flash) act_split -= 2.0 * m.heads * VHeadDim(m);
    if (has(kRecomputeMlaUpProj) && m.mla)
      act_split -= 2.0 * m.heads * (2 * QkHeadDim(m) + VHeadDim(m));
    if (has(kRecomputeMlp) && !moe) act_split -= m.mlp == catalog::MlpKind::kSwiglu ? 6 * f : 4 * f;
    if (moe) {
      if (has(kRecomputeMoe)) {
        act_split -= (expert_input + 4 * fe + fc2_input) * p.top_k * imbalance;
      } else if (has(kRecomputeMoeAct)) {
        act_split -= fc2_input * p.top_k * imbalance;
      }
      if (has(kRecomputeSharedExperts)) {
        act_split -= 6 * fe * p.shared_experts;
      } else if (has(kRecomputeMoeAct)) {
        act_split -= 2 * fe * p.shared_experts;
      }
    }
    act_split = std::max(0.0, act_split);
  }
  if (l.recompute == Recompute::kFull) {
    cost.act_bytes = T * 2 * h / (sp ? tp : 1);  // only the layer input is kept
  } else if (op_sac) {
    // What torchtitan's per-op policy keeps (S4180): the layer input, the outputs of the q, v,
    // gate and down GEMMs (of q k v o gate up down; without SwiGLU q, v and the MLP's first of
    // q k v o fc1 fc2), attention's output with its fp32 log-sum-exp, and with sequence
    // parallelism the two reduce-scatters' outputs. Under tensor parallelism the down GEMM's
    // output is the full-width partial sum before its reduce-scatter.
    const double qd = m.heads * m.head_dim, kvd = m.kv_heads * m.head_dim;
    const bool swiglu = m.mlp == catalog::MlpKind::kSwiglu;
    double kept =
        2 * h / (sp ? tp : 1) + 2 * (qd + kvd + f) / tp + 2 * qd / tp + 4.0 * m.heads / tp;
    if (swiglu) kept += 2 * h;
    if (sp) kept += 2 * 2 * h / tp;
    cost.act_bytes = T * kept;
  } else {
    // A recipe that caches GEMM inputs in FP8 (DeepSeek-V3) halves what the layer keeps.
    const double format = TensorFormatBytes(x.c.prec.activations) / kActivationBytes;
    cost.act_bytes = T * ((sp ? act_replicated / tp : act_replicated) + act_split / tp) * format;
    // Selective recomputation exists to drop the score matrices (core_attn, when modules are
    // named).
    if (l.recompute == Recompute::kNone || (modules != 0 && !has(kRecomputeCoreAttn))) {
      cost.act_bytes += T * score_bytes_per_token;
    }
  }
  return cost;
}

// Splits `layers` over `stages` with extra work `tail` on the last stage. The first stage holds
// the input embedding and, under 1F1B, the most micro-batches in flight (pp of them), so it sets
// the memory; the last holds the output head and the loss. Among the splits with the shortest
// busiest stage, the first stage gets the fewest layers: Meta trained Llama 3 405B with one
// layer fewer on the first and the last stage (Dubey et al. 2024, 3.3.2), Megatron-Core does the
// same with --decoder-first/last-pipeline-num-layers (or by counting the embedding and the loss
// as layers). The middle stages share the rest evenly, any remainder on the later ones.
struct StagePlan {
  int layers = 0;        // on the busiest stage
  bool last = false;     // the busiest stage is the last one
  int last_layers = 0;   // on the last stage
  int first_layers = 0;  // on the first stage (with stages > 1)
};

StagePlan BalanceStages(int layers, int stages, double layer_s, double tail_s) {
  if (stages == 1) return {layers, true, layers, layers};
  StagePlan best{layers, true, layers, layers};
  double best_time = std::numeric_limits<double>::infinity();
  auto consider = [&](int first, int last, int middle) {
    const double t_last = last * layer_s + tail_s;
    const double t_other = std::max(first, middle) * layer_s;
    const double t = std::max(t_last, t_other);
    const bool faster = t < best_time - 1e-15;
    if (faster || (t <= best_time + 1e-15 && first < best.first_layers)) {
      best_time = std::min(best_time, t);
      best = {t_last >= t_other ? last : std::max(first, middle), t_last >= t_other, last, first};
    }
  };
  const int even = (layers + stages - 1) / stages;
  for (int k = 0; k <= std::min(even, layers); ++k) {
    if (stages == 2) {
      consider(layers - k, k, 0);
      continue;
    }
    for (int j = 1; j <= even; ++j) {
      const int rest = layers - k - j;
      if (rest < stages - 2) break;
      consider(j, k, (rest + stages - 3) / (stages - 2));
    }
  }
  return best;
}

// How far a layout may move the requested batch to split it into whole micro-batches. Users give
// round numbers (16M, 4e6 tokens) that rarely divide into dp x micro-batch sequences; published
// runs round the same way (Llama 3's "16M" batch is 2,048 sequences of 8,192 = 16.8M tokens).
constexpr double kBatchTolerance = 0.10;

// Sequences per step for a layout: the requested batch rounded to the nearest multiple of
// dp x micro-batch (x pp for an interleaved schedule; DualPipe needs at least pp micro-batches),
// or 0 when that would move it by more than kBatchTolerance.
long StepSequences(const JobConstants& c, const ParallelLayout& l) {
  long unit = static_cast<long>(l.dp) * l.micro_batch;
  if (l.interleave > 1) unit *= l.pp;
  long seqs = std::max(unit, std::lround(static_cast<double>(c.seqs_per_step) / unit) * unit);
  if (l.schedule == PipelineSchedule::kDualPipe) {
    seqs = std::max(seqs, static_cast<long>(l.dp) * l.micro_batch * l.pp);
  }
  const double moved = std::abs(static_cast<double>(seqs - c.seqs_per_step));
  return moved <= kBatchTolerance * static_cast<double>(c.seqs_per_step) + 1e-9 ? seqs : 0;
}

Result<void> CheckLayout(const TrainingJob& job, const JobConstants& c, const ParallelLayout& l) {
  const auto& m = *job.model;
  auto bad = [](std::string msg) -> Result<void> { return MakeError(std::move(msg)); };
  if (l.tp < 1 || l.pp < 1 || l.dp < 1 || l.ep < 1 || l.cp < 1 || l.micro_batch < 1 ||
      l.interleave < 1) {
    return bad("parallel sizes must be at least 1");
  }
  if (static_cast<long>(l.chips()) != job.chips) {
    return bad("tp*pp*dp*cp = " + std::to_string(l.chips()) + " does not equal --count " +
               std::to_string(job.chips));
  }
  if (m.heads % l.tp != 0) {
    return bad("tp " + std::to_string(l.tp) + " does not divide the model's " +
               std::to_string(m.heads) + " attention heads");
  }
  if (!m.mla && m.kv_heads % l.tp != 0 && l.tp % m.kv_heads != 0) {
    return bad("tp " + std::to_string(l.tp) + " and the model's " + std::to_string(m.kv_heads) +
               " kv heads must divide one another");
  }
  if (l.pp * l.interleave > m.layers) {
    return bad("pp*interleave " + std::to_string(l.pp * l.interleave) + " exceeds the model's " +
               std::to_string(m.layers) + " layers");
  }
  if (l.ep > 1) {
    if (!m.moe) return bad("ep > 1 needs a mixture-of-experts model");
    if (l.dp % l.ep != 0 && (static_cast<long>(l.dp) * l.tp) % l.ep != 0) {
      return bad("ep " + std::to_string(l.ep) + " must divide dp " + std::to_string(l.dp) +
                 ", or dp x tp " + std::to_string(l.dp * l.tp) +
                 " (experts folded over the tensor-parallel ranks)");
    }
    if (m.moe->routed_experts % l.ep != 0) {
      return bad("ep " + std::to_string(l.ep) + " does not divide the model's " +
                 std::to_string(m.moe->routed_experts) + " routed experts");
    }
  }
  if (l.expert_tp > 0) {
    if (!m.moe) return bad("an expert tensor-parallel size needs a mixture-of-experts model");
    if (l.expert_tp != 1 && l.expert_tp != l.tp) {
      return bad(fmt::format(
          "expert tensor-parallel size {} is not modelled: the routed experts are split 1 way or "
          "like the dense layers (tp {})",
          l.expert_tp, l.tp));
    }
    // Megatron-Core builds the experts' groups over the ranks of a pipeline stage, tp x cp x dp
    // of them, as expert-tp x ep x expert-dp: they must divide (parallel_state.py, S4772).
    if ((static_cast<long>(l.tp) * l.dp) % (static_cast<long>(l.expert_tp) * l.ep) != 0) {
      return bad(fmt::format(
          "expert tensor-parallel size {} x ep {} does not divide the stage's tp x dp {} ranks",
          l.expert_tp, l.ep, l.tp * l.dp));
    }
  }
  if (job.stage_split.given()) {
    const int vpp = l.pp > 1 ? l.interleave : 1;
    auto stages =
        StagesFor(job.stage_split, m.layers, job.software.mtp ? m.mtp_layers : 0, l.pp, vpp);
    if (!stages) return bad(stages.error().message);
  }
  if (c.seq % l.cp != 0) {
    return bad("cp " + std::to_string(l.cp) + " does not divide the sequence length " +
               std::to_string(c.seq));
  }
  if (l.zero_stage < 0 || l.zero_stage > 3) return bad("zero stage must be 0, 1, 2 or 3");
  if (!job.software.uneven_stages && m.layers % (l.pp * l.interleave) != 0) {
    return bad(std::to_string(m.layers) + " layers do not split evenly into pp*interleave " +
               std::to_string(l.pp * l.interleave) +
               " stages, and the software has no uneven first/last stages");
  }
  if (c.prec.sharded_params && l.zero_stage != 3) {
    return bad("precision '" + c.prec.recipe +
               "' shards the fp32 parameters over data parallel (ZeRO-3, FSDP); zero " +
               std::to_string(l.zero_stage) + " contradicts it");
  }
  if (l.schedule == PipelineSchedule::kDualPipe &&
      (l.pp < 2 || l.pp % 2 != 0 || l.interleave != 1)) {
    return bad("the dualpipe schedule needs an even pp of at least 2 and no interleaving");
  }
  if (l.ep_a2a_overlap) {
    const char* what = "the expert all-to-all overlap (Combined 1F1B, ep_a2a_overlap) ";
    if (l.ep < 2) return bad(std::string(what) + "needs ep > 1");
    if (l.schedule != PipelineSchedule::k1F1B) return bad(std::string(what) + "runs on 1F1B only");
    if (l.pp > 1 && l.interleave < 2) {
      return bad(std::string(what) + "needs virtual pipeline stages (interleave > 1) when pp > 1");
    }
    if (l.recompute == Recompute::kFull) {
      return bad(std::string(what) + "does not run with full recomputation");
    }
    if (l.recompute == Recompute::kSelective && (l.recompute_modules & kRecomputeMoe)) {
      return bad(std::string(what) + "does not recompute the moe module");
    }
    // Megatron-FSDP (ZeRO 3) runs the combined schedule without a pipeline only: its
    // interleaved path does not manage FSDP's pre/post-backward hooks (Megatron-LM
    // docs/user-guide/features/moe_a2a_overlap.md, "Megatron-FSDP", S4020).
    if (l.zero_stage == 3 && l.pp > 1) {
      return bad(std::string(what) + "runs with ZeRO 3 (Megatron FSDP) only at pp 1");
    }
  }
  if (StepSequences(c, l) == 0) {
    const long unit = static_cast<long>(l.dp) * l.micro_batch * (l.interleave > 1 ? l.pp : 1);
    return bad("the global batch of " + std::to_string(c.seqs_per_step) +
               " sequences is too small for dp " + std::to_string(l.dp) + " x micro-batch " +
               std::to_string(l.micro_batch) +
               (l.interleave > 1 ? " x pp " + std::to_string(l.pp) + " (interleaved)" : "") +
               ": the nearest batch that splits, " + std::to_string(unit) +
               " sequences, is more than 10 % away; use a larger batch or fewer data-parallel "
               "replicas");
  }
  return {};
}

// A pipeline rank's share of the model under a given stage split: its decoder layers by kind,
// its MTP layers, and whether it holds the embedding or the loss.
struct RankShare {
  int dense = 0, moe = 0, mtp = 0;
  bool embedding = false, loss = false;
};
// Virtual stage i runs on rank i % pp; the decoder layers are numbered in stage order
// (Megatron's get_layer_offset), so the dense ones of a model whose first layers are dense fall
// on the first stages.
std::vector<RankShare> RanksOf(const std::vector<VirtualStage>& stages, const catalog::Model& m,
                               int pp) {
  std::vector<RankShare> out(static_cast<std::size_t>(pp));
  int start = 0;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    RankShare& r = out[i % static_cast<std::size_t>(pp)];
    const VirtualStage& v = stages[i];
    const int moe = MoeLayersIn(m, start, v.decoders);
    r.moe += moe;
    r.dense += v.decoders - moe;
    r.mtp += v.mtp;
    r.embedding = r.embedding || v.embedding;
    r.loss = r.loss || v.loss;
    start += v.decoders;
  }
  return out;
}

TrainingEstimate Estimate(const TrainingJob& job, const JobConstants& c, const ParallelLayout& l) {
  const auto& m = *job.model;
  const auto& cal = job.calibration;
  const auto& p = c.params;
  const auto& sys = job.system;
  const int domain = sys.scale_up_domain;
  TrainingEstimate e;
  e.layout = l;
  e.seq_len = c.seq;
  const long step_seqs = StepSequences(c, l);
  e.global_batch_tokens = static_cast<double>(step_seqs) * c.seq;
  e.requested_batch_tokens = c.requested_tokens;
  e.batch_basis = c.batch_basis;
  const long micro_batches = step_seqs / (static_cast<long>(l.dp) * l.micro_batch);
  e.micro_batches = static_cast<int>(micro_batches);

  const LayoutContext x{job, c, l, static_cast<double>(l.micro_batch) * c.seq / l.cp};
  const double T = x.tokens;
  LayerCost dense = CostOfLayer(x, false);
  LayerCost moe = m.moe ? CostOfLayer(x, true) : dense;
  // Block recomputation (Megatron's --recompute-method block, S3221): the first recompute_layers
  // of each virtual stage are recomputed, the others store their activations; per layer of a
  // stage, the share of each.
  // torchtitan's layer-wise selective checkpointing (recompute_every, S4183) counts the blocks
  // a rank wraps: floor(its layers / N) of them recomputed.
  double recomputed_share = l.recompute == Recompute::kFull ? 1.0 : 0.0;
  if (l.recompute == Recompute::kFull && (l.recompute_layers > 0 || l.recompute_every > 1)) {
    // Virtual stages exist only under a pipeline.
    const double chunk_layers =
        static_cast<double>(m.layers) / (l.pp * (l.pp > 1 ? l.interleave : 1));
    const int rank_layers = std::max(1, m.layers / l.pp);
    recomputed_share = l.recompute_every > 1
                           ? static_cast<double>(rank_layers / l.recompute_every) / rank_layers
                           : std::min(1.0, l.recompute_layers / chunk_layers);
    ParallelLayout stored = l;
    stored.recompute = Recompute::kNone;
    stored.recompute_layers = 0;
    stored.recompute_every = 0;
    const LayoutContext xs{job, c, stored, x.tokens};
    auto blend = [&](LayerCost& k, const LayerCost& whole) {
      const double f = recomputed_share;
      auto mix = [f](double a, double b) { return f * a + (1 - f) * b; };
      k.compute_s = mix(k.compute_s, whole.compute_s);
      k.backward_s = mix(k.backward_s, whole.backward_s);
      k.tp_s = mix(k.tp_s, whole.tp_s);
      k.cp_s = mix(k.cp_s, whole.cp_s);
      k.ep_s = mix(k.ep_s, whole.ep_s);
      k.ep_paired_s = mix(k.ep_paired_s, whole.ep_paired_s);
      k.ep_library_s = mix(k.ep_library_s, whole.ep_library_s);
      k.act_bytes = mix(k.act_bytes, whole.act_bytes);
    };
    blend(dense, CostOfLayer(xs, false));
    if (m.moe) blend(moe, CostOfLayer(xs, true));
  }
  auto layer_total = [](const LayerCost& k) { return k.compute_s + k.tp_s + k.cp_s + k.ep_s; };

  // The output layer (logits and cross-entropy, fp32) sits on the last stage
  // with any multi-token-prediction modules.
  const double eff = c.fp8 ? cal.low_precision_matmul_efficiency : cal.matmul_efficiency;
  // LoRA leaves the output head frozen: its backward is the activation gradient's GEMM alone.
  const bool lora = job.adapters.method == FinetuneMethod::kLora;
  const double logits_gemm =
      GemmSeconds(2 * T * p.embedding / l.tp, 1, c.matmul_peak, ForwardMatmulEfficiency(c, cal),
                  cal.matmul_half_gflop) +
      (lora ? 1 : 2) *
          GemmSeconds(2 * T * p.embedding / l.tp, 1, c.matmul_peak, eff, cal.matmul_half_gflop);
  const double logits_elem = T * m.vocab / l.tp * 4 * 4 / c.mem_bw;
  const double loss_tail = logits_gemm + 3 * logits_elem;
  const int mtp_layers = job.software.mtp ? m.mtp_layers : 0;
  const double mtp_layer = layer_total(p.moe_layers > 0 ? moe : dense) + logits_gemm;
  const double tail = loss_tail + mtp_layers * mtp_layer;

  const double avg_layer =
      (p.dense_layers * layer_total(dense) + p.moe_layers * layer_total(moe)) / m.layers;
  // Without uneven stages (a stack that has no --decoder-last-pipeline-num-layers) every stage
  // holds layers / pp and the last adds the head.
  StagePlan plan = job.software.uneven_stages || l.pp == 1
                       ? BalanceStages(m.layers, l.pp, avg_layer, tail)
                       : StagePlan{m.layers / l.pp, true, m.layers / l.pp, m.layers / l.pp};
  const double moe_share = static_cast<double>(p.moe_layers) / m.layers;
  // The stages as the user split them (Megatron's layout string or uneven first/last counts):
  // each rank's dense and MoE layers counted by where they fall in the model, the MTP layers and
  // the loss where the split puts them; the busiest rank sets the micro-batch's time.
  std::vector<RankShare> ranks;
  int busiest = -1;
  if (job.stage_split.given()) {
    auto stages =
        StagesFor(job.stage_split, m.layers, mtp_layers, l.pp, l.pp > 1 ? l.interleave : 1);
    ranks = RanksOf(*stages, m, l.pp);
    // A layer as the schedule runs it: under Combined 1F1B most micro-batches' exchanges are
    // paired with another's compute (ep_paired_s), not alone (ep_s).
    auto as_run = [&](const LayerCost& k) {
      return k.compute_s + k.tp_s + k.cp_s + (l.ep_a2a_overlap ? k.ep_paired_s : k.ep_s);
    };
    double slowest = -1;
    for (int r = 0; r < l.pp; ++r) {
      const RankShare& k = ranks[r];
      const double t = k.dense * as_run(dense) + k.moe * as_run(moe) + (k.loss ? loss_tail : 0.0) +
                       k.mtp * mtp_layer;
      if (t > slowest) {
        slowest = t;
        busiest = r;
      }
    }
    plan.layers = ranks[busiest].dense + ranks[busiest].moe;
  }
  auto per_stage = [&](double dense_v, double moe_v) {
    if (busiest >= 0) return ranks[busiest].dense * dense_v + ranks[busiest].moe * moe_v;
    return plan.layers * ((1 - moe_share) * dense_v + moe_share * moe_v);
  };
  const double last_tail =
      busiest >= 0 ? (ranks[busiest].loss ? loss_tail : 0.0) + ranks[busiest].mtp * mtp_layer
      : plan.last  ? tail
                   : 0;

  // Pipeline point-to-point: each micro-batch receives its activations
  // forward and its gradients backward at every virtual stage.
  double p2p = 0;
  if (l.pp > 1) {
    const bool same_domain = static_cast<long>(l.tp) * l.cp * l.dp < domain;
    // Each tensor-parallel rank sends its 1/tp slice (Megatron's scatter-gather).
    const double bytes = T * m.hidden * kActivationBytes / l.tp;
    p2p = 2.0 * l.interleave * PointToPointSeconds(bytes, same_domain, sys);
  }

  // QLoRA / 8-bit bases: every frozen linear weight is dequantized to 16 bits before its GEMM,
  // in the forward, the backward's activation-gradient GEMM and any recomputed forward (the
  // codes read, the 16-bit copy written; the GEMM's own read is in its time).
  double dequant = 0;
  if (lora && job.adapters.base_bits < 16) {
    const double bytes = QuantizedWeightBytes(job.adapters.base_bits) + 2;
    const double passes = 2 + recomputed_share;
    const double dense_w = (p.attention + p.dense_mlp) / l.tp;
    const double moe_w = m.moe ? (p.attention + p.shared_experts * p.expert) / l.tp +
                                     p.routed_experts * p.expert / l.ep / ExpertTp(l)
                               : dense_w;
    dequant = per_stage(dense_w, moe_w) * bytes * passes / c.mem_bw;
  }
  const double mb_compute = per_stage(dense.compute_s, moe.compute_s) + last_tail + dequant;
  const double mb_tp = per_stage(dense.tp_s, moe.tp_s);
  const double mb_cp = per_stage(dense.cp_s, moe.cp_s);
  double mb_ep = per_stage(dense.ep_s, moe.ep_s);
  const bool dualpipe = l.schedule == PipelineSchedule::kDualPipe;
  if (dualpipe) {
    // Expert and pipeline traffic of one stream hides behind the other
    // stream's compute; only what exceeds it shows, and while it runs its kernels hold SMs
    // (DeepSeek-V3 gives 20 of the H800's 132 to communication, arXiv 2412.19437 3.2.2):
    // training.ep_overlap_compute_slowdown of the hidden time.
    const double hidden_comm = per_stage(dense.ep_library_s, moe.ep_library_s) + p2p;
    mb_ep = std::max(0.0, hidden_comm - mb_compute) +
            job.training.ep_overlap_compute_slowdown * std::min(hidden_comm, mb_compute);
    p2p = 0;
  }
  const double mb_backward = per_stage(dense.backward_s, moe.backward_s);
  // Activation offload (Megatron-Core --cpu-offloading-num-layers): the stored activations of the
  // stage's first layers go to host memory during the forward and come back during the backward
  // over the chip's host link (nominal rate, one direction at a time); each copy hides behind
  // its pass's compute as far as it goes.
  double mb_offload = 0;
  if (const int off = std::min(job.software.offload_layers, plan.layers); off > 0) {
    const double per_layer = (1 - moe_share) * dense.act_bytes + moe_share * moe.act_bytes;
    const double copy_s = off * per_layer / (*job.chip->host_link_gb_s.value * 1e9);
    mb_offload =
        std::max(0.0, copy_s - (mb_compute - mb_backward)) + std::max(0.0, copy_s - mb_backward);
  }
  const double mb_total = mb_compute + mb_tp + mb_cp + mb_ep + p2p + mb_offload;

  TimeBreakdown& t = e.time;
  t.compute_s = micro_batches * mb_compute;
  t.tp_comm_s = micro_batches * mb_tp;
  t.cp_comm_s = micro_batches * mb_cp;
  t.ep_comm_s = micro_batches * mb_ep;
  if (l.ep_a2a_overlap && mb_ep > 0) {
    // Combined 1F1B (Megatron-Core --overlap-moe-expert-parallel-comm, S1332, S3120): in the
    // steady state each 1F1B step runs one micro-batch's forward with an earlier one's backward,
    // layer by layer on a compute and a communication stream, each exchange beside the other
    // micro-batch's compute (CostOfLayer's ep_paired_s). The warm-up forwards
    // (interleaved 1F1B's on the first stage, (pp - 1) x 2 + (v - 1) x pp chunks of 1/v
    // micro-batch, plus the one the schedule adds) and the cool-down backwards have no partner;
    // without a pipeline, the first forward and the last backward. Their exchange shows in full.
    const double warmup_chunks =
        l.pp == 1 ? 1.0 : (l.pp - 1.0) * 2 + (l.interleave - 1.0) * l.pp + 1;
    const double unpaired = std::min<double>(static_cast<double>(micro_batches),
                                             l.pp == 1 ? 1.0 : warmup_chunks / l.interleave);
    const double paired = static_cast<double>(micro_batches) - unpaired;
    // Without CUDA graphs a paired MoE layer waits on the host (SoftwareKnobs::
    // ep_a2a_overlap_layer_host_s): the forward's token-count sync before each dispatch lets the
    // GPU run no further ahead than the pair, so the pair takes at least the host's time to issue
    // it. Shown here, beside the exchange, as the part of the pairing that does not hide.
    double host_wait = 0;
    if (const double host = job.software.ep_a2a_overlap_layer_host_s;
        host > 0 && m.moe && !job.software.full_iteration_graphs) {
      const double pair = moe.compute_s + moe.tp_s + moe.cp_s + moe.ep_paired_s;
      host_wait = per_stage(0.0, std::max(0.0, host - pair));
    }
    // The unpaired ones' exchange runs on the same library, alone.
    t.ep_comm_s = unpaired * per_stage(dense.ep_library_s, moe.ep_library_s) +
                  paired * (per_stage(dense.ep_paired_s, moe.ep_paired_s) + host_wait);
  }
  t.pp_comm_s = micro_batches * p2p;
  t.offload_s = micro_batches * mb_offload;
  // DualPipe's bubble is (pp/2 - 1)(F&B + B - 3W); with F:B:W = 1:2:1 (of 3
  // units) that is (pp/2 - 1) x 2/3 of a micro-batch.
  t.pp_bubble_s =
      dualpipe ? (l.pp / 2.0 - 1) * (2.0 / 3.0) * mb_total : (l.pp - 1.0) / l.interleave * mb_total;

  // Every stage's share of the model: layers as balanced above (dense layers
  // lead), the input embedding on the first stage, the output head on the last.
  struct Stage {
    int dense = 0, moe = 0;
    double shared_params = 0, expert_params = 0;
    double embedding_params = 0;  // of shared_params: input embedding, output head
    // LoRA: the stage's trainable adapters, on every chip of its tensor-parallel group and, for
    // the routed experts', of its expert-parallel group.
    double shared_adapters = 0, expert_adapters = 0;
  };
  // LoRA's adapter parameters a layer: beside the replicated (tensor-split) weights and beside
  // the routed experts.
  double dense_adapters = 0, moe_shared_adapters = 0, moe_expert_adapters = 0;
  if (lora) {
    for (const auto& a : AdaptedMatrices(m, job.adapters.targets, false)) {
      dense_adapters += a.stored * (a.d_in + a.d_out) * job.adapters.rank;
    }
    if (m.moe) {
      for (const auto& a : AdaptedMatrices(m, job.adapters.targets, true)) {
        (a.routed ? moe_expert_adapters : moe_shared_adapters) +=
            a.stored * (a.d_in + a.d_out) * job.adapters.rank;
      }
    }
  }
  std::vector<Stage> stages(l.pp);
  auto fill_stage = [&](Stage& st, int dense_layers, int moe_layers, double embeddings) {
    const int n = dense_layers + moe_layers;
    st.moe = moe_layers;
    st.dense = dense_layers;
    st.shared_params =
        (n * (p.attention + p.norm) + st.dense * p.dense_mlp +
         st.moe * (p.router + p.shared_experts * p.expert) + embeddings * p.embedding) /
        l.tp;
    st.expert_params =
        st.moe * (static_cast<double>(p.routed_experts) / l.ep) * p.expert / ExpertTp(l);
    st.embedding_params = embeddings * p.embedding / l.tp;
    st.shared_adapters = (st.dense * dense_adapters + st.moe * moe_shared_adapters) / l.tp;
    st.expert_adapters = st.moe * moe_expert_adapters / l.ep / (m.moe ? ExpertTp(l) : 1);
  };
  if (busiest >= 0) {
    for (int s = 0; s < l.pp; ++s) {
      double embeddings = ranks[s].embedding ? 1 : 0;
      if (ranks[s].loss && (l.pp > 1 || !m.tied_embeddings)) embeddings += 1;
      fill_stage(stages[s], ranks[s].dense, ranks[s].moe, embeddings);
    }
  } else {
    const int middle_stages = l.pp - 2;
    const int rest = m.layers - plan.last_layers - plan.first_layers;
    int start = 0;
    for (int s = 0; s < l.pp; ++s) {
      int n = s == 0 ? plan.first_layers : plan.last_layers;
      if (s > 0 && s < l.pp - 1) {
        // The remainder on the later middle stages: they hold fewer micro-batches in flight.
        n = rest / middle_stages + (l.pp - 2 - s < rest % middle_stages ? 1 : 0);
      }
      const int moe_here = MoeLayersIn(m, start, n);
      double embeddings = s == 0 ? 1 : 0;
      if (s == l.pp - 1 && (l.pp > 1 || !m.tied_embeddings)) embeddings += 1;
      fill_stage(stages[s], n - moe_here, moe_here, embeddings);
      start += n;
    }
  }
  // Gradient sync and the optimizer step run on all stages at once: the
  // stage with the most parameters sets their time.
  const Stage& heaviest =
      *std::max_element(stages.begin(), stages.end(), [](const Stage& a, const Stage& b) {
        return a.shared_params + a.expert_params < b.shared_params + b.expert_params;
      });
  const double shared_params = heaviest.shared_params;
  const double expert_params = heaviest.expert_params;
  const int expert_dp = ExpertDp(l);

  // Data-parallel gradient reduction and parameter gather; hidden behind the
  // backward of the last micro-batch as far as it goes.
  const auto dp_group = PlaceGroup(l.dp * l.cp, l.tp, domain);
  const auto edp_group = PlaceGroup(expert_dp * l.cp, ExpertTp(l) * l.ep, domain);
  const Precision& prec = c.prec;
  const double reduce_bytes = TensorFormatBytes(prec.grad_reduce);
  // FSDP casts its fp32 shards to bf16 before gathering them; FP8 weights gather in FP8.
  const double gather_bytes =
      prec.params == TensorFormat::kFp32 ? 2 : TensorFormatBytes(prec.params);
  // The gradient reduction (all-reduce, or reduce-scatter under ZeRO) and the parameter
  // all-gather, apart: one can hide behind the backward, the other behind the next forward.
  auto reduce = [&](double params, const GroupPlacement& g) {
    if (g.size <= 1) return 0.0;
    return l.zero_stage == 0 ? AllReduceSeconds(params * reduce_bytes, g, sys)
                             : AllGatherSeconds(params * reduce_bytes, g, sys);
  };
  auto param_gather = [&](double params, const GroupPlacement& g) {
    if (g.size <= 1 || l.zero_stage == 0) return 0.0;
    return AllGatherSeconds(params * gather_bytes, g, sys);
  };
  // LoRA reduces only the adapters' gradients and, below ZeRO-3, gathers only their updated
  // values; ZeRO-3 / FSDP still gathers the frozen weights it shards.
  const double reduced_shared = lora ? heaviest.shared_adapters : shared_params;
  const double reduced_expert = lora ? heaviest.expert_adapters : expert_params;
  const bool gather_all = !lora || l.zero_stage == 3;
  const double dp_reduce = reduce(reduced_shared, dp_group) + reduce(reduced_expert, edp_group);
  const double dp_gather = param_gather(gather_all ? shared_params : reduced_shared, dp_group) +
                           param_gather(gather_all ? expert_params : reduced_expert, edp_group);
  // Under a pipeline, FSDP keeps each stage's weights gathered and its gradients whole from the
  // first micro-batch to the last (HeldWhole): the weights are gathered once a step, not once a
  // micro-batch.
  const bool held_whole = HeldWhole(l);
  double zero3_exposed = 0;
  if (l.zero_stage >= 2 && !held_whole) {
    // Sharded gradients cannot accumulate whole ones: every micro-batch's backward
    // reduce-scatters its gradients (Megatron-FSDP's grad_reduce_every_bprop for optim_grads and
    // optim_grads_params, S3822), beside that micro-batch's compute and, under ZeRO-3, its two
    // parameter gathers. The last micro-batch's is the step's reduction (dp_reduce below).
    const double gather = l.zero_stage == 3
                              ? AllGatherSeconds(shared_params * gather_bytes, dp_group, sys) +
                                    AllGatherSeconds(expert_params * gather_bytes, edp_group, sys)
                              : 0.0;
    zero3_exposed = (micro_batches - 1) * std::max(0.0, 2 * gather + dp_reduce - mb_compute) +
                    std::max(0.0, 2 * gather - mb_compute);
  }
  if (job.software.dp_overlap) {
    // Overlapped by the software: the reduction behind the last micro-batch's backward, the
    // gather behind the first micro-batch's forward of the next step.
    const double on = *job.software.dp_overlap ? 1 : 0;
    t.dp_comm_s = std::max(0.0, dp_reduce - on * mb_backward) +
                  std::max(0.0, dp_gather - on * (mb_compute - mb_backward)) + zero3_exposed;
  } else {
    t.dp_comm_s = std::max(0.0, dp_reduce + dp_gather - job.training.dp_overlap * mb_backward) +
                  zero3_exposed;
  }

  // Optimizer step over the local shard.
  const double opt_shard =
      l.zero_stage >= 1 ? reduced_shared / (l.dp * l.cp) + reduced_expert / (expert_dp * l.cp)
                        : reduced_shared + reduced_expert;
  // Adam reads the gradient, reads and writes the master weight and both moments, and writes
  // the working weight (bf16 recipe: 4 + 8 + 16 + 2 = 30 bytes per parameter).
  const double moment = TensorFormatBytes(prec.optimizer);
  const double grad_read =
      TensorFormatBytes(prec.main_grads != TensorFormat::kNone ? prec.main_grads : prec.grads);
  // LoRA's adapters are trained in fp32 (LLaMA-Factory casts the trainable parameters up,
  // S3832): gradient read, weight read and written, both moments read and written.
  const double optimizer_traffic =
      lora ? kAdapterBytes + 2 * kAdapterBytes + 4 * kAdapterBytes
      : prec.main_params != TensorFormat::kNone
          ? grad_read + 2 * TensorFormatBytes(prec.main_params) + 4 * moment +
                TensorFormatBytes(prec.params)
          : grad_read + 2 * TensorFormatBytes(prec.params) + 4 * moment;
  t.optimizer_s = opt_shard * optimizer_traffic / c.mem_bw;
  if (job.software.offload_optimizer) {
    // ZeRO-Offload: the same Adam traffic at the host's DRAM bandwidth, shared by the node's
    // ranks; the updated 16-bit weights go up the host link tile by tile while the host steps the
    // next tile (cpu_adam's double buffer on two streams), so the slower of the two is the step.
    // Each micro-batch's gradient shard goes down the link behind that micro-batch's backward
    // (DeepSpeed accumulates them on the host), exposed only where the copy outlasts it. It goes
    // in fp32 whatever the gradients' format: DeepSpeed upcasts on the GPU and copies into the
    // host's fp32 buffer, as converting 16-bit gradients on the CPU was slower (S4552).
    const double ranks_on_node =
        static_cast<double>(std::max(1L, std::min<long>(job.system.chips_per_node, job.chips)));
    const double host_bw = *job.system.host_memory_gb_s * 1e9 / ranks_on_node;
    const double link = *job.chip->host_link_gb_s.value * 1e9;
    const double host_step = opt_shard * optimizer_traffic / host_bw;
    const double up = opt_shard * TensorFormatBytes(prec.params) / link;
    const double down = opt_shard * TensorFormatBytes(TensorFormat::kFp32) / link;
    t.optimizer_s = std::max(host_step, up);
    t.offload_s += micro_batches * std::max(0.0, down - mb_backward);
  }

  e.step_time_s = t.total();
  e.tokens_per_s = e.global_batch_tokens / e.step_time_s;
  // LoRA's model FLOPs: the training step's less the frozen weights' gradient GEMMs (2 FLOPs a
  // weight a token), plus the adapters' (forward 2 r (d_in + d_out), backward twice that).
  double flops_per_token = c.flops_per_token, flops_per_token_megatron = c.flops_per_token_megatron;
  if (lora) {
    const double weight_grads =
        ForwardFlopsPerToken(m, c.seq, true) - AttentionFlopsPerToken(m, c.seq, true);
    double adapter = 0;
    for (int moe_layer = 0; moe_layer < 2; ++moe_layer) {
      const int layers = moe_layer ? p.moe_layers : p.dense_layers;
      if (layers == 0) continue;
      for (const auto& a : AdaptedMatrices(m, job.adapters.targets, moe_layer == 1)) {
        adapter += layers * 6.0 * job.adapters.rank * (a.d_in + a.d_out) * a.per_token;
      }
    }
    flops_per_token += adapter - weight_grads;
    flops_per_token_megatron += adapter - weight_grads;
    e.adapter_params = AdapterParams(m, job.adapters);
  }
  e.model_flops_per_token = flops_per_token;
  const int chips = l.chips();
  const double total_peak = static_cast<double>(chips) * c.mfu_peak * kTera;
  e.peak_tflops = c.mfu_peak;
  e.clock_fraction = c.clock_fraction;
  e.mfu = e.tokens_per_s * flops_per_token / total_peak;
  e.mfu_megatron = e.tokens_per_s * flops_per_token_megatron / total_peak;
  // Hardware FLOPs add what recomputation does again.
  double recompute_per_token = 0;
  if (l.recompute == Recompute::kFull) {
    recompute_per_token = recomputed_share * (ForwardFlopsPerToken(m, c.seq) - 2 * p.embedding);
  } else if (OpSelectiveRecompute(job, l, false)) {
    // The k, o and up (or down) projections run again (CostOfLayer).
    recompute_per_token = 2.0 * m.layers *
                          (m.hidden * m.kv_heads * m.head_dim + m.heads * m.head_dim * m.hidden +
                           m.hidden * m.ffn_hidden);
  } else if (l.recompute == Recompute::kSelective && job.attention == AttentionKernel::kUnfused) {
    // Unfused kernels recompute the full score matrix; with flash attention
    // selective recomputation redoes only element-wise work (no FLOPs).
    recompute_per_token = AttentionFlopsPerToken(m, c.seq, false);
  }
  e.hardware_flops_per_token = flops_per_token + recompute_per_token;
  e.hfu = e.tokens_per_s * e.hardware_flops_per_token / total_peak;
  e.achieved_tflops_per_chip = e.tokens_per_s * flops_per_token / chips / kTera;

  // Memory per chip on the fullest stage: early stages hold more in-flight
  // micro-batches (1F1B), the last holds the logits, MoE stages the experts.
  const double dp_shard = l.dp * l.cp;
  const double edp_shard = expert_dp * l.cp;
  const double copies = dualpipe ? 2 : 1;
  double working = 0;  // the layer being recomputed holds its full activations
  if (l.recompute == Recompute::kFull) {
    ParallelLayout no_rc = l;
    no_rc.recompute = Recompute::kNone;
    const LayoutContext xn{job, c, no_rc, x.tokens};
    working =
        std::max(CostOfLayer(xn, false).act_bytes, m.moe ? CostOfLayer(xn, true).act_bytes : 0.0);
  }
  const double interleave_factor =
      l.interleave > 1 ? 1 + (l.pp - 1.0) / (l.pp * l.interleave) : 1.0;
  MemoryBreakdown& mem = e.memory;
  for (int s = 0; s < l.pp; ++s) {
    const Stage& st = stages[s];
    auto sharded = [&](double bytes_per_param, bool shard) {
      return shard ? (st.shared_params / dp_shard + st.expert_params / edp_shard) * bytes_per_param
                   : (st.shared_params + st.expert_params) * bytes_per_param;
    };
    // Combined 1F1B with a pipeline runs one more forward chunk (1/v of a micro-batch) in its
    // warm-up; without one the backward frees layers as the paired forward fills them.
    const double overlap_chunk = l.ep_a2a_overlap && l.pp > 1 ? 1.0 / l.interleave : 0.0;
    const double in_flight =
        dualpipe ? std::min<double>(micro_batches, l.pp + 1)
                 : std::min<double>(micro_batches, l.pp - s) * interleave_factor + overlap_chunk;
    double stored = st.dense * dense.act_bytes + st.moe * moe.act_bytes;  // per micro-batch
    double in_transit = 0;
    if (const int off = std::min(job.software.offload_layers, st.dense + st.moe); off > 0) {
      // Offloaded layers wait in host memory; the one being copied keeps its buffer here.
      in_transit = stored / (st.dense + st.moe);
      stored -= off * in_transit;
    }
    double act = stored * in_flight + in_transit + working;
    if (s == l.pp - 1) {
      const double loss_bytes = l.tp > 1 && job.software.loss_parallel_bytes_per_logit
                                    ? *job.software.loss_parallel_bytes_per_logit
                                    : job.software.loss_bytes_per_logit;
      act += T * m.vocab / l.tp * loss_bytes;
    }
    MemoryBreakdown here;
    const bool shard_weights = l.zero_stage >= 3;
    if (lora) {
      // Frozen weights once in their format (QLoRA's linear weights in NF4, the embeddings and
      // head in 16 bits), the fp32 adapters with their gradients and Adam's moments; no master
      // copy, no gradient and no optimizer state for the frozen ones.
      const double frozen_linear = st.shared_params + st.expert_params - st.embedding_params;
      const double base_bytes = job.adapters.base_bits < 16
                                    ? QuantizedWeightBytes(job.adapters.base_bits)
                                    : TensorFormatBytes(prec.params);
      const double embed_bytes = job.adapters.base_bits < 16 ? 2 : TensorFormatBytes(prec.params);
      auto shard_of = [&](double shared, double expert, bool shard) {
        return shard ? shared / dp_shard + expert / edp_shard : shared + expert;
      };
      double weights =
          copies *
          (shard_of(st.shared_params - st.embedding_params, st.expert_params, shard_weights) *
               base_bytes +
           st.embedding_params / (shard_weights ? dp_shard : 1) * embed_bytes);
      if (shard_weights) {
        // FSDP / ZeRO-3 gathers a layer for use (the one running and the next prefetched), or
        // the stage's under a pipeline.
        const int layers_here = std::max(1, st.dense + st.moe);
        weights +=
            copies * (held_whole ? frozen_linear : 2 * frozen_linear / layers_here) * base_bytes;
      }
      weights +=
          copies * shard_of(st.shared_adapters, st.expert_adapters, shard_weights) * kAdapterBytes;
      here.weights_gib = weights / kGiB;
      here.gradients_gib = shard_of(st.shared_adapters, st.expert_adapters, l.zero_stage >= 2) *
                           kAdapterBytes / kGiB;
      here.main_params_gib = 0;
      here.optimizer_gib = shard_of(st.shared_adapters, st.expert_adapters, l.zero_stage >= 1) * 2 *
                           kAdapterBytes / kGiB;
      here.activations_gib = act / kGiB;
      here.reserved_gib = cal.memory_reserved_gib;
      if (s == 0 || here.total() > mem.total()) mem = here;
      continue;
    }
    double weights = copies * sharded(TensorFormatBytes(prec.params), shard_weights);
    if (prec.params == TensorFormat::kFp8) {
      // Embeddings and the output head are not FP8 GEMM operands: they stay in bf16.
      weights += copies * st.embedding_params / (shard_weights ? dp_shard : 1);
    }
    const double layer_params = st.shared_params + st.expert_params - st.embedding_params;
    if (shard_weights && held_whole) {
      // Gathered at the first micro-batch's forward and held to the last one's backward.
      weights += copies * layer_params * gather_bytes;
    } else if (shard_weights) {
      // Gathered for use: the layer running and the next one prefetched.
      const int layers_here = std::max(1, st.dense + st.moe);
      weights += copies * 2 * layer_params / layers_here * gather_bytes;
    } else {
      weights += copies * layer_params * prec.weight_cache_bytes;  // FP8 copies of the GEMMs
    }
    here.weights_gib = weights / kGiB;
    double grads =
        copies * sharded(TensorFormatBytes(prec.grads), l.zero_stage >= 2 && !held_whole) +
        sharded(TensorFormatBytes(prec.main_grads), l.zero_stage >= 1);
    if (l.zero_stage >= 2 && !held_whole) {
      // Each layer's gradients exist whole, in the reduction's format, from its backward until
      // its reduce-scatter ends: the layer reduced and the one computing (S3822, S3823).
      const int layers_here = std::max(1, st.dense + st.moe);
      grads += copies * 2 * layer_params / layers_here * reduce_bytes;
    }
    if (job.software.offload_optimizer) {
      // ZeRO-Offload: the gradient shard accumulates in host memory, bucket by bucket as the
      // backward makes them; here only the layer being copied out and the one computing, in the
      // reduction's format. The master weights and the moments live on the host.
      const int layers_here = std::max(1, st.dense + st.moe);
      grads = copies * 2 * layer_params / layers_here * reduce_bytes;
    }
    here.gradients_gib = grads / kGiB;
    here.main_params_gib =
        job.software.offload_optimizer
            ? 0
            : sharded(TensorFormatBytes(prec.main_params), l.zero_stage >= 1) / kGiB;
    here.optimizer_gib =
        job.software.offload_optimizer
            ? 0
            : sharded(2 * TensorFormatBytes(prec.optimizer), l.zero_stage >= 1) / kGiB;
    here.activations_gib = act / kGiB;
    here.reserved_gib = cal.memory_reserved_gib;
    if (s == 0 || here.total() > mem.total()) mem = here;
  }
  e.precision = prec;
  e.memory_capacity_gib = c.capacity_gib;
  e.fits = mem.total() <= c.capacity_gib;

  // Goodput: interruptions at a per-chip rate, a checkpoint interval chosen
  // by Young's rule, and a fixed restart cost.
  const double rate_per_s = chips * cal.failures_per_chip_day / 86400.0;
  // A LoRA checkpoint holds the adapters and their optimizer state, not the frozen base.
  const double state_bytes = lora ? e.adapter_params * 3 * kAdapterBytes
                                  : TotalParams(m) * (TensorFormatBytes(prec.params) +
                                                      TensorFormatBytes(prec.main_params) +
                                                      2 * TensorFormatBytes(prec.optimizer));
  const double ckpt_s =
      std::max(1.0, state_bytes / (chips * job.training.checkpoint_gb_s_per_chip * 1e9));
  const double restart_s = job.training.restart_minutes * 60;
  if (rate_per_s > 0) {
    const double mtbf = 1 / rate_per_s;
    const double interval = std::sqrt(2 * ckpt_s * mtbf);
    e.job_mtbf_hours = mtbf / 3600;
    e.checkpoint_interval_min = interval / 60;
    e.goodput = 1 / ((1 + ckpt_s / interval) * (1 + rate_per_s * (restart_s + interval / 2)));
  }
  e.goodput *= 1 - job.training.stall_fraction;
  const double ideal_s = job.tokens / e.tokens_per_s;
  e.train_days = ideal_s / e.goodput / 86400;
  e.ideal_accelerator_hours = ideal_s * chips / 3600;
  e.accelerator_hours = e.ideal_accelerator_hours / e.goodput;
  return e;
}

}  // namespace

Result<std::vector<VirtualStage>> ParsePipelineLayout(std::string_view text) {
  auto bad = [&](const std::string& why) -> Result<std::vector<VirtualStage>> {
    return MakeError("pipeline layout '" + std::string(text.substr(0, 80)) + "': " + why);
  };
  // What Megatron's parse_str_to_list does: commas removed, then every "(group)*n" unrolled, then
  // every "x*n" (S4770). Nested parentheses have no defined meaning there and are refused here.
  constexpr std::size_t kMaxChars = 100000;
  std::string s;
  for (char ch : text) {
    if (ch != ',') s += ch;
  }
  if (s.empty()) return bad("empty");
  // "*n" at in[i]: its n (capped past kMaxChars) and i moved past it.
  auto count_at = [](const std::string& in, std::size_t& i, std::size_t& n) {
    if (i + 1 >= in.size() || in[i] != '*' || !std::isdigit(static_cast<unsigned char>(in[i + 1])))
      return false;
    n = 0;
    for (++i; i < in.size() && std::isdigit(static_cast<unsigned char>(in[i])); ++i) {
      n = std::min<std::size_t>(kMaxChars + 1, n * 10 + static_cast<std::size_t>(in[i] - '0'));
    }
    return true;
  };
  std::string grouped;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == ')') return bad("a ')' without its '('");
    if (s[i] != '(') {
      grouped += s[i++];
      continue;
    }
    const std::size_t close = s.find(')', i + 1);
    if (close == std::string::npos) return bad("a '(' without its ')'");
    const std::string group = s.substr(i + 1, close - i - 1);
    if (group.empty()) return bad("an empty '()'");
    if (group.find('(') != std::string::npos) return bad("nested parentheses are not read");
    std::size_t j = close + 1, n = 0;
    if (!count_at(s, j, n)) return bad("'(" + group + ")' needs a repeat count (*n) after it");
    if (grouped.size() + group.size() * n > kMaxChars) {
      return bad("expands to more than 100,000 characters");
    }
    for (std::size_t k = 0; k < n; ++k) grouped += group;
    i = j;
  }
  std::string flat;
  for (std::size_t i = 0; i < grouped.size();) {
    std::size_t j = i + 1, n = 0;
    if (count_at(grouped, j, n)) {
      if (flat.size() + n > kMaxChars) return bad("expands to more than 100,000 characters");
      flat.append(n, grouped[i]);
      i = j;
    } else {
      flat += grouped[i++];
    }
  }
  std::vector<VirtualStage> stages(1);
  int embeddings = 0, losses = 0;
  bool mtp_seen = false, first = true;
  for (std::size_t i = 0; i < flat.size(); ++i) {
    const char ch = flat[i];
    if (ch == '|') {
      stages.emplace_back();
      continue;
    }
    // Megatron's validate_layer_layout: the embedding first, the loss last, each once; no
    // decoder layer after an MTP layer.
    if (losses > 0) return bad("the loss 'L' must be the last layer");
    VirtualStage& st = stages.back();
    switch (ch) {
      case 'E':
        if (!first) return bad("the embedding 'E' must be the first layer, and only once");
        st.embedding = true;
        ++embeddings;
        break;
      case 't':
        if (mtp_seen) return bad("decoder layers 't' must come before the MTP layers 'm'");
        ++st.decoders;
        break;
      case 'm':
        mtp_seen = true;
        ++st.mtp;
        break;
      case 'L':
        st.loss = true;
        ++losses;
        break;
      default:
        return bad(fmt::format(
            "unknown layer '{}' (E embedding, t decoder layer, m MTP layer, L loss, | a stage "
            "boundary, (...)*n and x*n repeats)",
            std::string(1, ch)));
    }
    if (first && ch != 'E') return bad("the first layer must be the embedding 'E'");
    first = false;
  }
  if (embeddings != 1) return bad("the embedding 'E' must be the first layer, and only once");
  if (losses != 1) return bad("the loss 'L' must be the last layer, once");
  return stages;
}

Result<std::vector<VirtualStage>> StagesFor(const StageSplit& split, int layers, int mtp_layers,
                                            int pp, int vpp) {
  auto bad = [](const std::string& why) -> Result<std::vector<VirtualStage>> {
    return MakeError(why);
  };
  const int total = pp * vpp;
  if (!split.layout.empty()) {
    const auto& stages = split.layout;
    if (static_cast<int>(stages.size()) != total) {
      return bad(
          fmt::format("the pipeline layout has {} stages; pp {} x {} virtual stages a rank need {}",
                      stages.size(), pp, vpp, total));
    }
    int decoders = 0, mtp = 0;
    for (const auto& st : stages) {
      decoders += st.decoders;
      mtp += st.mtp;
    }
    if (decoders != layers) {
      return bad(fmt::format("the pipeline layout has {} decoder layers 't'; the model has {}",
                             decoders, layers));
    }
    if (mtp != mtp_layers) {
      return bad(fmt::format(
          "the pipeline layout has {} MTP layers 'm'; the run trains {} (the model's, or 0 with "
          "--mtp off)",
          mtp, mtp_layers));
    }
    for (int i = 0; i < total; ++i) {
      // PipelineParallelLayerLayout.validate_layer_layout: the MTP layers all in one virtual
      // stage, the last of its rank.
      if (stages[i].mtp > 0 && (i / pp != vpp - 1 || stages[i].mtp != mtp_layers)) {
        return bad(fmt::format(
            "the pipeline layout's MTP layers must all be in one virtual stage, the last of its "
            "rank (stage {} is virtual stage {} of rank {})",
            i, i / pp, i % pp));
      }
    }
    return stages;
  }
  // Megatron's uneven first and last stages (TransformerConfig, S4771): each count divisible by
  // the virtual stages, the rest split evenly over the middle ranks and their virtual stages.
  const int first = split.first_layers, last = split.last_layers;
  if (pp < 2) return bad("uneven first/last pipeline stages need pp > 1");
  if (first % vpp != 0 || last % vpp != 0) {
    return bad(fmt::format(
        "the first/last stage's layers ({} / {}) must divide by the {} virtual stages a rank",
        first, last, vpp));
  }
  const int middle = layers - first - last;
  const int middle_ranks = pp - (first > 0 ? 1 : 0) - (last > 0 ? 1 : 0);
  if (middle < 0 || (middle_ranks == 0 && middle != 0) ||
      (middle_ranks > 0 && (middle % middle_ranks != 0 || (middle / middle_ranks) % vpp != 0))) {
    return bad(fmt::format(
        "the {} layers left after the first/last stages' {} / {} must split evenly over the {} "
        "middle ranks and their {} virtual stages",
        middle, first, last, middle_ranks, vpp));
  }
  std::vector<VirtualStage> stages(total);
  for (int v = 0; v < vpp; ++v) {
    for (int r = 0; r < pp; ++r) {
      VirtualStage& st = stages[v * pp + r];
      st.decoders = r == 0 && first > 0       ? first / vpp
                    : r == pp - 1 && last > 0 ? last / vpp
                                              : middle / middle_ranks / vpp;
    }
  }
  stages.front().embedding = true;
  stages.back().loss = true;
  stages.back().mtp = mtp_layers;
  return stages;
}

double RandomRoutingImbalance(double tokens, int top_k, int ep) {
  if (ep <= 1 || tokens <= 0 || top_k <= 0) return 1.0;
  const double relative_sd = std::sqrt((1.0 - 1.0 / ep) / (tokens * top_k));
  return 1.0 + std::sqrt(2.0 * std::log(static_cast<double>(ep))) * relative_sd;
}

std::string_view RecomputeName(Recompute r) {
  switch (r) {
    case Recompute::kNone:
      return "none";
    case Recompute::kSelective:
      return "selective";
    case Recompute::kFull:
      return "full";
  }
  return "none";
}

std::optional<Recompute> ParseRecompute(std::string_view s) {
  const std::string v = ToLower(s);
  if (v == "none") return Recompute::kNone;
  if (v == "selective") return Recompute::kSelective;
  if (v == "full") return Recompute::kFull;
  return std::nullopt;
}

namespace {
// The names a named-bit table accepts, in its order (for help texts and errors).
template <typename Table>
std::vector<std::string> NamesOf(const Table& table) {
  std::vector<std::string> out;
  for (const auto& [name, bit] : table) out.emplace_back(name);
  return out;
}

// A list of module names ("a,b c"; '-' reads as '_', case ignored) as the OR of their bits;
// on a name the table lacks, nullopt with the name in *unknown. Shared by the recompute and the
// LoRA-target lists, which differ only in their tables and separators.
template <typename Table>
std::optional<unsigned> ParseNamedBits(const Table& table, std::string_view list,
                                       std::string_view separators, std::string* unknown) {
  unsigned mask = 0;
  std::string word;
  auto flush = [&]() -> bool {
    if (word.empty()) return true;
    for (const auto& [name, bit] : table) {
      if (word == name) {
        mask |= bit;
        word.clear();
        return true;
      }
    }
    if (unknown) *unknown = word;
    return false;
  };
  for (char ch : ToLower(list)) {
    if (separators.find(ch) != std::string_view::npos) {
      if (!flush()) return std::nullopt;
    } else {
      word += ch == '-' ? '_' : ch;
    }
  }
  if (!flush()) return std::nullopt;
  return mask;
}

constexpr std::pair<const char*, unsigned> kRecomputeModules[] = {
    {"core_attn", kRecomputeCoreAttn},
    {"mlp", kRecomputeMlp},
    {"moe", kRecomputeMoe},
    {"moe_act", kRecomputeMoeAct},
    {"layernorm", kRecomputeLayernorm},
    {"mla_up_proj", kRecomputeMlaUpProj},
    {"shared_experts", kRecomputeSharedExperts}};
}  // namespace

std::vector<std::string> RecomputeModuleNames() { return NamesOf(kRecomputeModules); }

std::optional<unsigned> ParseRecomputeModules(std::string_view list, std::string* unknown) {
  return ParseNamedBits(kRecomputeModules, list, ", ", unknown);
}

std::string RecomputeModulesName(unsigned mask) {
  std::string out;
  for (const auto& [name, bit] : kRecomputeModules) {
    if (!(mask & bit)) continue;
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

namespace {
// Hugging Face's module names of a Llama-style layer (PEFT's target_modules, LLaMA-Factory's
// lora_target) and Megatron's fused ones (MindSpeed-LLM's and NeMo's --lora-target-modules).
constexpr std::pair<std::string_view, unsigned> kLoraTargets[] = {
    {"q_proj", kLoraQ},        {"k_proj", kLoraK},
    {"v_proj", kLoraV},        {"o_proj", kLoraO},
    {"gate_proj", kLoraGate},  {"up_proj", kLoraUp},
    {"down_proj", kLoraDown},  {"linear_qkv", kLoraQ | kLoraK | kLoraV},
    {"linear_proj", kLoraO},   {"linear_fc1", kLoraGate | kLoraUp},
    {"linear_fc2", kLoraDown}, {"all", kLoraAll},
    {"all_linear", kLoraAll},
};
}  // namespace

std::vector<std::string> LoraTargetNames() { return NamesOf(kLoraTargets); }

std::optional<unsigned> ParseLoraTargets(std::string_view list, std::string* unknown) {
  // A YAML or Python list pasted as text ("[q_proj, 'v_proj']") reads as its names.
  auto parsed = ParseNamedBits(kLoraTargets, list, ", []\"'", unknown);
  if (!parsed) return std::nullopt;
  const unsigned mask = *parsed;
  if (mask == 0) {
    if (unknown) unknown->clear();
    return std::nullopt;
  }
  return mask;
}

std::string LoraTargetsName(unsigned mask) {
  if ((mask & kLoraAll) == kLoraAll) return "all";
  std::string out;
  for (int i = 0; i < 7; ++i) {
    const auto& [name, bit] = kLoraTargets[i];
    if (!(mask & bit)) continue;
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

std::vector<AdaptedMatrix> AdaptedMatrices(const catalog::Model& m, unsigned targets, bool moe) {
  std::vector<AdaptedMatrix> out;
  const double h = m.hidden;
  const double a = m.heads;
  auto add = [&](unsigned bit, double d_in, double d_out, double stored = 1, double per_token = 1,
                 bool routed = false) {
    if ((targets & bit) && d_in > 0 && d_out > 0) {
      out.push_back({d_in, d_out, stored, per_token, routed});
    }
  };
  if (m.mla) {
    // DeepSeek's MLA: q_a_proj and q_b_proj (or one q_proj), kv_a_proj_with_mqa and kv_b_proj,
    // o_proj.
    const auto& c = *m.mla;
    const double qk = c.qk_nope_head_dim + c.qk_rope_head_dim;
    if (c.q_lora_rank > 0) {
      add(kLoraQ, h, c.q_lora_rank);
      add(kLoraQ, c.q_lora_rank, a * qk);
    } else {
      add(kLoraQ, h, a * qk);
    }
    add(kLoraK | kLoraV, h, c.kv_lora_rank + c.qk_rope_head_dim);
    add(kLoraK | kLoraV, c.kv_lora_rank, a * (c.qk_nope_head_dim + c.v_head_dim));
    add(kLoraO, a * c.v_head_dim, h);
  } else {
    const double d = m.head_dim;
    add(kLoraQ, h, a * d * (m.attention_output_gate ? 2 : 1));
    add(kLoraK, h, m.kv_heads * d);
    add(kLoraV, h, m.kv_heads * d);
    add(kLoraO, a * d, h);
  }
  auto mlp = [&](double ffn, double stored, double per_token, bool routed) {
    if (m.mlp == catalog::MlpKind::kSwiglu || moe)
      add(kLoraGate, h, ffn, stored, per_token, routed);
    add(kLoraUp, h, ffn, stored, per_token, routed);
    add(kLoraDown, ffn, h, stored, per_token, routed);
  };
  if (moe) {
    const auto& e = *m.moe;
    mlp(e.expert_ffn, e.routed_experts, e.top_k, true);
    if (e.shared_experts > 0) mlp(e.expert_ffn, e.shared_experts, e.shared_experts, false);
  } else {
    mlp(m.ffn_hidden, 1, 1, false);
  }
  return out;
}

double AdapterParams(const catalog::Model& m, const Adapters& ad) {
  if (ad.method != FinetuneMethod::kLora) return 0;
  const LayerParams p = CountLayerParams(m);
  auto layer = [&](bool moe) {
    double n = 0;
    for (const auto& x : AdaptedMatrices(m, ad.targets, moe)) n += x.stored * (x.d_in + x.d_out);
    return n * ad.rank;
  };
  return p.dense_layers * layer(false) + (p.moe_layers > 0 ? p.moe_layers * layer(true) : 0.0);
}

std::string_view ScheduleName(PipelineSchedule s) {
  return s == PipelineSchedule::kDualPipe ? "dualpipe" : "1f1b";
}

std::optional<PipelineSchedule> ParseSchedule(std::string_view s) {
  const std::string v = ToLower(s);
  if (v == "1f1b") return PipelineSchedule::k1F1B;
  if (v == "dualpipe") return PipelineSchedule::kDualPipe;
  return std::nullopt;
}

std::optional<AttentionKernel> ParseAttentionKernel(std::string_view s) {
  const std::string v = ToLower(s);
  if (v == "flash") return AttentionKernel::kFlash;
  if (v == "unfused") return AttentionKernel::kUnfused;
  return std::nullopt;
}

Result<Precision> PrecisionOf(const TrainingJob& job) {
  if (!job.chip) return MakeError("a chip is required");
  if (!job.precision) return PrecisionRecipe(RecipeForDType(job.dtype), *job.chip);
  if (job.precision->matmul != job.dtype) {
    return MakeError("precision '" + job.precision->recipe + "' computes in " +
                     std::string(catalog::DTypeName(job.precision->matmul)) + ", not --dtype " +
                     std::string(catalog::DTypeName(job.dtype)));
  }
  if (auto ok = CheckPrecision(*job.precision, *job.chip); !ok) return tl::unexpected(ok.error());
  return *job.precision;
}

MemoryFormats FormatsOf(const Precision& p) {
  auto name = [](TensorFormat f) { return std::string(TensorFormatName(f)); };
  MemoryFormats out;
  out.weights = name(p.params);
  if (p.weight_cache_bytes > 0) {
    out.weights += p.scaling == Fp8Scaling::kMxBlock ? " + mxfp8 copies"
                   : p.params == TensorFormat::kFp8  ? " + fp8 transpose"
                                                     : " + fp8 copy and transpose";
  }
  if (p.sharded_params) out.weights += " sharded, bf16 gathered";
  out.gradients = name(p.grads);
  if (p.main_grads != TensorFormat::kNone) out.gradients += " + " + name(p.main_grads) + " copy";
  out.main_params = name(p.main_params);
  out.optimizer = name(p.optimizer);
  out.activations = name(p.activations);
  return out;
}

int DefaultSeqLen(const catalog::Model& model) {
  // A model's own pre-training length where its report gives one (DeepSeek-V3 4,096 before its
  // context extension), else the released context up to 8,192.
  if (model.pretraining) return model.pretraining->seq_len;
  return std::min(model.max_seq_len, kDefaultMaxSeq);
}

TrainingJob TrainingJobFor(const catalog::Catalog& cat, const catalog::Model& model,
                           const catalog::Chip& chip) {
  TrainingJob job;
  job.model = &model;
  job.chip = &chip;
  job.calibration = AtChipTensorRate(cat.CalibrationFor(chip.family), chip);
  job.training = cat.training_calibration();
  job.model_error = cat.ModelErrorFor(chip.family, /*training=*/true, model.is_moe());
  // Chips without BF16 math (V100, T4) train in FP16 with loss scaling, as they always have.
  if (chip.peak(catalog::DType::kBf16).unsupported && chip.peak(catalog::DType::kFp16).known()) {
    job.dtype = catalog::DType::kFp16;
  }
  // Chips with no known 16-bit peak but a known FP8 one (Huawei gives the Ascend 950DT, a
  // training part, in FP8 and FP4 only) train in FP8, as DeepSeek-V3 was trained; the default
  // picks what the chip has rather than refuse. A --dtype the request names is kept.
  if (!chip.peak(catalog::DType::kBf16).known() && !chip.peak(catalog::DType::kFp16).known() &&
      chip.peak(catalog::DType::kFp8).known()) {
    job.dtype = catalog::DType::kFp8;
  }
  return job;
}

Result<void> ValidateJob(const TrainingJob& job) {
  // Errors name the request field (the CLI shows it as the flag, the server as `field`).
  const auto bad = [](const char* field, std::string message) {
    return MakeError(std::move(message), "", 0, field);
  };
  if (!job.model || !job.chip) return MakeError("a model and a chip are required");
  if (job.chips < 1) {
    return bad("count", "must be at least 1 chip, got " + std::to_string(job.chips));
  }
  if (job.chips > 10'000'000) {
    return bad("count", std::to_string(job.chips) + " is absurd (over 10 million chips)");
  }
  if (!(job.tokens >= 1) || !std::isfinite(job.tokens) || job.tokens > 1e18) {
    return bad("tokens", "must be between 1 and 1e18");
  }
  if (job.seq_len < 0 || job.seq_len > (1 << 24)) {
    return bad("seq_len", "must be between 1 and 16777216");
  }
  if (job.global_batch_tokens < 0 || job.global_batch_tokens > 1e12) {
    return bad("global_batch_tokens", "must be positive and at most 1e12");
  }
  if (job.dtype != DType::kBf16 && job.dtype != DType::kFp16 && job.dtype != DType::kFp8) {
    return MakeError("training --dtype must be bf16, fp16 or fp8");
  }
  if (job.software.offload_layers < 0 || job.software.offload_layers > job.model->layers) {
    return MakeError("must be between 0 and the model's layers", "", 0, "offload_layers");
  }
  if (job.software.offload_layers > 0 && !job.chip->host_link_gb_s.known()) {
    return MakeError("chip '" + job.chip->id +
                     "': host_link_gb_s is unknown in the catalog, so activations cannot be "
                     "offloaded (--offload-layers); add it with --catalog");
  }
  if (job.software.offload_optimizer &&
      (!job.chip->host_link_gb_s.known() || !job.system.host_memory_gb_s)) {
    return MakeError(
        "system '" + job.system.id + "': " +
            (job.system.host_memory_gb_s ? "the chip's host_link_gb_s" : "host_memory_gb_s") +
            " is unknown in the catalog, so the optimizer step on the host CPU "
            "(ZeRO-Offload) cannot be priced; add it with --catalog",
        "", 0, "offload_optimizer");
  }
  if (job.chip->role == catalog::ChipRole::kInferenceOnly) {
    return MakeError("chip '" + job.chip->id +
                     "' is an inference-only part; training on it is not modelled");
  }
  auto c = Prepare(job);
  if (!c) return tl::unexpected(c.error());
  if (job.global_batch_tokens > 0 && job.global_batch_tokens < c->seq) {
    // Tokens are whole: "2000 is less", not "2000.000000 is less".
    const double given = job.global_batch_tokens;
    return MakeError((given == std::floor(given) ? std::to_string(static_cast<int64_t>(given))
                                                 : std::to_string(given)) +
                         " is less than one sequence of " + std::to_string(c->seq) + " tokens",
                     "", 0, "global_batch_tokens");
  }
  return {};
}

Result<TrainingEstimate> EstimateLayout(const TrainingJob& job, const ParallelLayout& layout) {
  if (auto r = ValidateJob(job); !r) return tl::unexpected(r.error());
  auto c = Prepare(job);
  if (!c) return tl::unexpected(c.error());
  if (auto r = CheckLayout(job, *c, layout); !r) return tl::unexpected(r.error());
  return Estimate(job, *c, layout);
}

Result<SearchResult> SearchLayout(const TrainingJob& job, const LayoutConstraints& fixed) {
  if (auto r = ValidateJob(job); !r) return tl::unexpected(r.error());
  auto prepared = Prepare(job);
  if (!prepared) return tl::unexpected(prepared.error());
  const JobConstants& c = *prepared;
  const auto& m = *job.model;
  const long n = job.chips;
  const int domain = job.system.scale_up_domain;

  std::vector<int> tps = fixed.tp ? std::vector<int>{*fixed.tp} : Divisors(n, domain);
  std::vector<int> cps = {1};
  if (fixed.cp) {
    cps = {*fixed.cp};
  } else {
    for (int cp = 2; cp <= 32 && c.seq / cp >= 4096; cp *= 2) cps.push_back(cp);
  }
  auto allowed = [](auto all, const auto& offered) {
    if (offered.empty()) return all;
    decltype(all) out;
    for (const auto& v : all) {
      if (std::find(offered.begin(), offered.end(), v) != offered.end()) out.push_back(v);
    }
    return out;
  };
  std::vector<Recompute> recomputes =
      fixed.recompute ? std::vector<Recompute>{*fixed.recompute}
                      : allowed(std::vector<Recompute>{Recompute::kNone, Recompute::kSelective,
                                                       Recompute::kFull},
                                fixed.allowed_recompute);
  const std::vector<int> zeros =
      fixed.zero_stage
          ? std::vector<int>{*fixed.zero_stage}
          : allowed(c.prec.sharded_params ? std::vector<int>{3} : std::vector<int>{0, 1, 2, 3},
                    fixed.allowed_zero_stages);
  // DualPipe only where the software has it (LayoutConstraints::allowed_schedules).
  const std::vector<PipelineSchedule> schedules =
      fixed.schedule ? std::vector<PipelineSchedule>{*fixed.schedule}
      : fixed.allowed_schedules.empty()
          ? std::vector<PipelineSchedule>{PipelineSchedule::k1F1B}
          : allowed(
                std::vector<PipelineSchedule>{PipelineSchedule::k1F1B, PipelineSchedule::kDualPipe},
                fixed.allowed_schedules);

  const std::vector<bool> overlaps = fixed.ep_a2a_overlap ? std::vector<bool>{*fixed.ep_a2a_overlap}
                                     : m.moe && fixed.allow_ep_a2a_overlap
                                         ? std::vector<bool>{false, true}
                                         : std::vector<bool>{false};

  SearchResult result;
  bool have_best = false;
  bool have_closest = false;
  TrainingEstimate closest;  // the layout that misses memory by the least
  Error first_error;
  bool have_error = false;

  // A fixed knob that cannot split the chips is reported as such.
  auto note = [&](std::string message) {
    if (!have_error) first_error.message = std::move(message);
    have_error = true;
  };
  const std::string count = std::to_string(n);
  for (int tp : tps) {
    if (tp < 1 || n % tp != 0) {
      note("tp " + std::to_string(tp) + " does not divide --count " + count);
      continue;
    }
    for (int cp : cps) {
      if (cp < 1 || (n / tp) % cp != 0) {
        note("tp*cp " + std::to_string(tp * cp) + " does not divide --count " + count);
        continue;
      }
      const long rest = n / tp / cp;
      std::vector<int> pps = fixed.pp ? std::vector<int>{*fixed.pp} : Divisors(rest, m.layers);
      for (int pp : pps) {
        if (pp < 1 || rest % pp != 0) {
          note("tp*cp*pp " + std::to_string(tp * cp * pp) + " does not divide --count " + count);
          continue;
        }
        const int dp = static_cast<int>(rest / pp);
        if (fixed.dp && *fixed.dp != dp) {
          note("dp " + std::to_string(*fixed.dp) +
               " does not match --count / (tp*cp*pp) = " + std::to_string(dp));
          continue;
        }
        std::vector<int> eps = {1};
        if (fixed.ep) {
          eps = {*fixed.ep};
        } else if (m.moe) {
          eps = Divisors(static_cast<long>(dp) * tp, m.moe->routed_experts);
        }
        std::vector<int> mbs;
        if (fixed.micro_batch) {
          mbs = {*fixed.micro_batch};
        } else {
          for (int mb = 1; mb <= 64; mb *= 2) mbs.push_back(mb);
        }
        std::vector<int> vs = fixed.interleave         ? std::vector<int>{*fixed.interleave}
                              : fixed.allow_interleave ? Divisors(m.layers / pp, 16)
                                                       : std::vector<int>{1};
        for (int ep : eps) {
          for (int mb : mbs) {
            for (int v : vs) {
              for (int zero : zeros) {
                const auto& piped = fixed.allowed_pipeline_zero_stages;
                if (pp > 1 && !piped.empty() &&
                    std::find(piped.begin(), piped.end(), zero) == piped.end()) {
                  note("zero " + std::to_string(zero) + " does not run with pp " +
                       std::to_string(pp) + " on this software");
                  continue;
                }
                for (Recompute rc : recomputes) {
                  for (PipelineSchedule sched : schedules) {
                    if (sched == PipelineSchedule::kDualPipe && !fixed.schedule &&
                        (pp % 2 != 0 || v != 1)) {
                      continue;
                    }
                    for (bool overlap : overlaps) {
                      // The all-to-all overlap where the software has it and the layout allows it.
                      if (overlap && !fixed.ep_a2a_overlap &&
                          (ep < 2 || sched != PipelineSchedule::k1F1B || (pp > 1 && v < 2) ||
                           rc == Recompute::kFull ||
                           (fixed.recompute_modules.value_or(0) & kRecomputeMoe))) {
                        continue;
                      }
                      ParallelLayout l{tp, pp, dp, ep, cp, zero, mb, v, rc, true, sched};
                      l.sequence_parallel = fixed.sequence_parallel.value_or(tp > 1);
                      l.recompute_modules = fixed.recompute_modules.value_or(0);
                      l.ep_a2a_overlap = overlap;
                      l.expert_tp = fixed.expert_tp.value_or(0);
                      if (rc == Recompute::kFull) {
                        l.recompute_layers = fixed.recompute_layers.value_or(0);
                        l.recompute_every = fixed.recompute_every.value_or(0);
                      }
                      if (auto ok = CheckLayout(job, c, l); !ok) {
                        note(ok.error().message);
                        continue;
                      }
                      ++result.layouts_evaluated;
                      TrainingEstimate e = Estimate(job, c, l);
                      if (!e.fits) {
                        if (!have_closest || e.memory.total() < closest.memory.total()) {
                          closest = e;
                          have_closest = true;
                        }
                        continue;
                      }
                      ++result.layouts_fitting;
                      if (!have_best || e.tokens_per_s > result.best.tokens_per_s * (1 + 1e-12)) {
                        result.best = e;
                        have_best = true;
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  if (have_best) return result;
  if (have_closest) {
    const auto& mem = closest.memory;
    const auto& l = closest.layout;
    char buf[768];
    std::snprintf(buf, sizeof(buf),
                  "no layout fits in %.0f GiB per chip; the closest (tp %d, pp %d, dp %d, ep %d, "
                  "cp %d, zero %d, micro-batch %d, recompute %s) needs %.1f GiB, %.1f GiB too "
                  "much: weights %.1f, gradients %.1f, main weights %.1f, optimizer %.1f, "
                  "activations %.1f, reserved %.1f GiB (precision %s).%s",
                  closest.memory_capacity_gib, l.tp, l.pp, l.dp, l.ep, l.cp, l.zero_stage,
                  l.micro_batch, std::string(RecomputeName(l.recompute)).c_str(), mem.total(),
                  mem.total() - closest.memory_capacity_gib, mem.weights_gib, mem.gradients_gib,
                  mem.main_params_gib, mem.optimizer_gib, mem.activations_gib, mem.reserved_gib,
                  closest.precision.recipe.c_str(),
                  (l.zero_stage == 3 || l.dp * l.cp == 1) && l.recompute == Recompute::kFull
                      ? " Use more chips or a chip with more memory."
                      : " Use more chips, a higher --zero stage or --recompute full.");
    return MakeError(buf);
  }
  if (have_error) return MakeError("no valid layout: " + first_error.message);
  return MakeError("no valid layout for " + std::to_string(n) + " chips");
}

}  // namespace suanli::perf
