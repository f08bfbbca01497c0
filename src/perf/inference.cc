#include "perf/inference.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <unordered_map>
#include <vector>

#include "catalog/catalog.h"
#include "core/text.h"
#include "perf/collectives.h"
#include "perf/power.h"
#include "perf/transformer.h"

namespace suanli::perf {

PromptQueue PromptQueueOf(double rho, double service_s) {
  if (rho <= 0 || service_s <= 0) return {};
  if (rho >= 1) {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    return {kInf, kInf};
  }
  // u = gamma S solves rho (e^u - 1) = u, u > 0: bisection (the left side is convex, equal at 0,
  // with slope rho < 1 there).
  double lo = 1e-9, hi = 1;
  while (rho * std::expm1(hi) < hi) hi *= 2;
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2;
    (rho * std::expm1(mid) < mid ? lo : hi) = mid;
  }
  const double u = lo;
  const double c = (1 - rho) / (u + rho - 1);  // (1 - rho) / (lambda E[S e^(gamma S)] - 1)
  return {rho * service_s / (2 * (1 - rho)), 100 * c > 1 ? std::log(100 * c) * service_s / u : 0.0};
}

PromptQueue MultiStepTtftOf(double window_s, double others,
                            const std::function<double(double)>& iteration_s, double in_window,
                            double outside_mean_s) {
  const double m = std::max(0.0, others);
  const int most = static_cast<int>(std::ceil(m + 10 * std::sqrt(m) + 10));
  std::vector<double> weight, took;
  PromptQueue q;
  double pmf = std::exp(-m);
  for (int n = 0; n <= most; ++n) {
    if (n > 0) pmf *= m / n;
    weight.push_back(pmf);
    took.push_back(iteration_s(1.0 + n));
    q.mean_s += pmf * took.back();
  }
  q.mean_s += window_s / 2;
  in_window = std::clamp(in_window, 0.0, 1.0);
  q.mean_s = in_window * q.mean_s + (1 - in_window) * outside_mean_s;
  const auto beyond = [&](double t) {  // P(W + iteration_s(1 + N) > t), of all arrivals
    double p = 0;
    for (size_t n = 0; n < weight.size(); ++n) {
      const double rest = t - took[n];
      p += weight[n] *
           (window_s > 0 ? std::clamp(1 - rest / window_s, 0.0, 1.0) : (rest < 0 ? 1.0 : 0.0));
    }
    return in_window * p;
  };
  double lo = 0, hi = window_s + *std::max_element(took.begin(), took.end());
  for (int i = 0; i < 60; ++i) {
    const double mid = (lo + hi) / 2;
    (beyond(mid) > 0.01 ? lo : hi) = mid;
  }
  q.p99_s = hi;
  return q;
}

namespace {

using catalog::DType;

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
constexpr double kTera = 1e12;
constexpr double kActivationBytes = 2;
constexpr int kMaxBatch = 8192;
// A prefill-only chip runs large batches; this many prompt tokens per
// attention group per step is where its throughput is measured.
constexpr double kPrefillChunkTokens = 16384;

constexpr std::array<std::string_view, 8> kServingNames = {"bf16", "fp16", "fp8",   "int8",
                                                           "fp4",  "int4", "w8a16", "w4a8"};

// One part of the weights in its serving format, resolved against the chip.
struct WeightFormat {
  double bytes = 2;
  double peak = 0;  // FLOP/s of its GEMMs
  double eff = 0;
  // 4-bit weights with 16-bit math (int4): converted in the GEMM's main loop, at most the family's
  // weight_only_gweights_s at decode-sized batches.
  bool weight_only = false;
  // FP4 weights (NVFP4, MXFP4) served as they are stored: the format the engines' fused FP4 MoE
  // kernels take (EngineLimits::fp4_moe_layer_us).
  bool fp4 = false;
  double rate() const { return peak * eff; }
};

// Numeric formats resolved against the chip.
struct Formats {
  WeightFormat dense;    // attention, dense MLPs, embeddings (--attention-dtype, else --dtype)
  WeightFormat experts;  // MoE experts, routed and shared (--expert-dtype, else --dtype)
  double kv_bytes = 2;
  double attention_peak = 0;  // FLOP/s of attention's matmuls: 16-bit, or FP8 (fp8_attention)
  bool fp8_attention = false;
  // The 16-bit tensor peak (FLOP/s), where kernels that take an FP8 cache dequantize it to 16 bits
  // before their MMAs (DSA's sparse kernels); and whether the cache is FP8.
  double half_attention_peak = 0;
  bool fp8_kv = false;
  double mem_bw = 0;  // achievable B/s
  // FLOP/s the Triton fused_moe kernel's grouped GEMMs reach at a long reduction on this chip
  // where the engine runs it (FamilyCalibration::triton_moe_matmul_efficiency of the 16-bit
  // peak, or triton_moe_block_fp8_matmul_efficiency of the FP8 peak for block-scaled FP8 experts;
  // FusedMoeEfficiency); 0: the routed experts run at experts.rate().
  double fused_moe_peak = 0;
  // The same on the engine's default config, for the shapes the engine lists as having no tuned
  // one (EngineLimits::untuned_moe_configs; FamilyCalibration::
  // triton_moe_default_matmul_efficiency of the 16-bit peak); 0: the tuned rate everywhere.
  double fused_moe_default_peak = 0;
  // The experts' format as the kernel's config files name it: "bf16" (16-bit), "fp8" (FP8 with
  // one scale per tensor); empty for the block-scaled FP8 path, which no untuned entry covers.
  std::string fused_moe_dtype;
  // What the engine's per-layer graph time gains on this chip because its device part
  // (EngineLimits::graph_layer_clocked_us_by_family) runs at the chip's clock: measured on a part
  // whose 16-bit rate at its sustained clock is graph_layer_clock_tflops_by_family, it takes that
  // rate over this chip's (peak_tflops.bf16, else fp16, times ComputeClockFraction) times as long
  // (the same silicon at another power limit, or under a power cap); the rest is the host's.
  // Set once here: it is fixed by the job, and the step's hot path only adds it.
  double clocked_layer_extra_us = 0;
};

Result<double> PeakOf(const catalog::Chip& chip, DType d) {
  const auto& v = chip.peak(d);
  if (v.known()) return *v.value * kTera;
  return MakeError(std::string(catalog::DTypeName(d)));
}

std::vector<std::string> SupportedServing(const catalog::Chip& chip) {
  std::vector<std::string> out;
  for (DType d : {DType::kBf16, DType::kFp16, DType::kFp8, DType::kInt8, DType::kFp4}) {
    if (chip.peak(d).known()) out.emplace_back(catalog::DTypeName(d));
  }
  if (chip.peak(DType::kBf16).known() || chip.peak(DType::kFp16).known()) {
    out.emplace_back("int4");
    out.emplace_back("w8a16");
  }
  if (chip.peak(DType::kInt8).known()) out.emplace_back("w4a8");
  return out;
}

}  // namespace

double ServingReserveBytes(const InferenceJob& job, std::optional<int> max_num_seqs) {
  // Activations and workspace; an engine that sizes its KV pool after a start-up profile keeps
  // that profile's peak instead where it is larger (vLLM: the sampler's logits of max_num_seqs
  // requests, EngineLimits::profile_logit_bytes).
  double reserve = job.serving.serving_workspace_gib * kGiB;
  if (job.limits.profile_logit_bytes > 0 && max_num_seqs && job.model != nullptr) {
    reserve = std::max(reserve, job.limits.profile_logit_bytes * *max_num_seqs *
                                    static_cast<double>(job.model->vocab));
  }
  return reserve;
}

bool ChipServes(const catalog::Chip& chip, ServingDType d) {
  const auto names = SupportedServing(chip);
  return std::find(names.begin(), names.end(), ServingDTypeName(d)) != names.end();
}

bool SixteenBitPeakKnown(const catalog::Chip& chip) {
  return chip.peak(DType::kBf16).known() || chip.peak(DType::kFp16).known();
}

std::string ServingFormatsOf(const catalog::Chip& chip) {
  const auto names = SupportedServing(chip);
  return names.empty() ? std::string("none: no peak_tflops figure is known") : JoinOr(names);
}

std::optional<ServingDType> AttentionFormatOf(const catalog::Chip& chip) {
  for (ServingDType d :
       {ServingDType::kBf16, ServingDType::kFp16, ServingDType::kFp8, ServingDType::kInt8}) {
    if (chip.peak(*catalog::ParseDType(ServingDTypeName(d))).known()) return d;
  }
  return std::nullopt;
}

ServedFormat ServedFormatOf(const catalog::Chip& chip, ServingDType checkpoint) {
  if (ChipServes(chip, checkpoint)) return {checkpoint, ""};
  const std::string name(ServingDTypeName(checkpoint));
  const auto as = [&](ServingDType d, std::string_view how) {
    return ServedFormat{
        d, fmt::format("{} has no {} math: {}, {}", chip.id, name, ServingDTypeName(d), how)};
  };
  // FP8 on an NVIDIA GPU without FP8 math (compute capability below 8.9: Ampere, Turing): vLLM
  // runs the checkpoint weight-only, W8A16 through its FP8 Marlin kernels (S3852), not as INT8
  // W8A8, whatever the part's INT8 peak; as NamedFormatOf serves a named --dtype fp8 there.
  if (checkpoint == ServingDType::kFp8 && chip.vendor == "NVIDIA" &&
      ChipServes(chip, ServingDType::kW8A16)) {
    return as(ServingDType::kW8A16,
              "8-bit weights with 16-bit math, as vLLM's FP8 Marlin kernels run FP8 checkpoints "
              "below compute capability 8.9 (S3852)");
  }
  if (checkpoint == ServingDType::kFp8 && ChipServes(chip, ServingDType::kInt8)) {
    return as(ServingDType::kInt8, "8-bit weights and activations, W8A8");
  }
  if (checkpoint == ServingDType::kFp4 && ChipServes(chip, ServingDType::kInt4)) {
    return as(ServingDType::kInt4, "4-bit weights with 16-bit math");
  }
  for (ServingDType d : {ServingDType::kBf16, ServingDType::kFp16}) {
    if (ChipServes(chip, d)) return as(d, "16-bit weights");
  }
  // No 16-bit peak known (roadmap parts whose vendor gives FP8/FP4 only, inference NPUs rated
  // in INT8 TOPS): the widest format with a known peak, the checkpoint's weights quantized to
  // it, as deployments on such chips serve them (W8A8 on INT8 NPUs).
  for (ServingDType d : {ServingDType::kFp8, ServingDType::kInt8, ServingDType::kFp4}) {
    if (ServingDTypeBytes(d) <= ServingDTypeBytes(checkpoint) && ChipServes(chip, d)) {
      return ServedFormat{
          d, fmt::format("{} has no known 16-bit peak (peak_tflops.bf16, fp16): {}, its widest "
                         "format with a known peak, the weights quantized to it",
                         chip.id, ServingDTypeName(d))};
    }
  }
  return {checkpoint, ""};  // nothing it serves: the estimate names what the chip supports
}

ServedFormat NamedFormatOf(const catalog::Chip& chip, ServingDType named) {
  // Only where the catalog says the chip lacks the math: an unknown peak is a gap to fill.
  const auto compute = catalog::ParseDType(ServingDTypeName(named));
  if (ChipServes(chip, named) || !compute || !chip.peak(*compute).unsupported) return {named, ""};
  const auto as = [&](ServingDType d, std::string_view how) {
    return ServedFormat{d, fmt::format("{} has no {} math: {}, {}", chip.id,
                                       ServingDTypeName(named), ServingDTypeName(d), how)};
  };
  // FP8 off NVIDIA parts with INT8 math (Ascend 910B/910C): no Marlin there (CUDA kernels);
  // the engines serve FP8 checkpoints converted to W8A8 INT8 with per-token dynamic activation
  // scales (msModelSlim's w8a8_dynamic, which vLLM-Ascend loads with --quantization ascend;
  // SGLang's Atlas 800I A3 DeepSeek-R1 runs are W8A8 INT8; the vLLM-MindSpore plugin's R1 is
  // A8W8), at the INT8 peak (S3850, S3851, S3853).
  if (named == ServingDType::kFp8 && chip.vendor != "NVIDIA" &&
      ChipServes(chip, ServingDType::kInt8)) {
    return as(ServingDType::kInt8,
              "8-bit weights and activations (W8A8, per-token dynamic activation scales), as "
              "vLLM-Ascend and SGLang on Ascend serve FP8 checkpoints converted to it");
  }
  if ((named == ServingDType::kFp8 || named == ServingDType::kInt8) &&
      ChipServes(chip, ServingDType::kW8A16)) {
    return as(ServingDType::kW8A16,
              "8-bit weights with 16-bit math, as vLLM's Marlin kernels run FP8 on Ampere (S3852)");
  }
  if (named == ServingDType::kFp4 && ChipServes(chip, ServingDType::kInt4)) {
    return as(ServingDType::kInt4,
              "4-bit weights with 16-bit math, as vLLM's Marlin kernels and TensorRT-LLM on "
              "Hopper run FP4 checkpoints");
  }
  return {named, ""};
}

RoutedActivationBytes RoutedActivationBytesOf(double rows, double top_k, double hidden,
                                              double width, double token_bytes) {
  RoutedActivationBytes b;
  b.in_gemms = rows * (token_bytes * hidden + 4 * width + token_bytes * width + 2 * hidden);
  b.between = rows * (4 * width + token_bytes * width + 2 * hidden) +
              rows / std::max(1.0, top_k) * 2 * hidden;
  return b;
}

ServingDType KvDTypeOf(const InferenceJob& job, double weight_bytes) {
  if (job.kv_dtype) return *job.kv_dtype;
  if (job.limits.kv_cache_model_dtype) {
    if (job.declared_kv_dtype) return *job.declared_kv_dtype;
    const auto& sparse16 = job.limits.sparse_kv_model_dtype_families;
    if (!job.model->sparse_attention ||
        std::find(sparse16.begin(), sparse16.end(), job.chip->family) != sparse16.end()) {
      return ServingDType::kBf16;
    }
  }
  return weight_bytes < 2 ? ServingDType::kFp8 : ServingDType::kBf16;
}

double FusedMoeEfficiency(double efficiency, double k_overhead, double hidden, double width) {
  if (hidden <= 0 || width <= 0) return efficiency;
  return efficiency / (1 + k_overhead * (2 / (3 * hidden) + 1 / (3 * width)));
}

// Time of a dense model's NVFP4 layer GEMMs on `chip` over their time at the shapes where the
// family's fp4_matmul_efficiency holds, by the part's measured shape law (catalog::Chip::
// fp4_gemm_k_overhead, fp4_gemm_n_overhead: a GEMM of reduction K and output width N takes
// 1 + k0 / K + n0 / N times its MMAs' time). The reference is Llama 2 70B's layer at TP 1 (QKV
// 10,240 x 8,192, O 8,192 x 8,192, gate-up 57,344 x 8,192, down 8,192 x 28,672): the MLPerf
// runs the efficiency was checked on (B200's v5.1 rows; B300's v6.0 70B runs, 37.1 us a token
// measured against 39.1 priced, bench/RESULTS.md session 39 h2). Weighted by each GEMM's FLOPs.
// 1 where the part has no measured law or the model is not a plain dense transformer (MoE, MLA
// and linear-attention layers have GEMMs of other shapes).
double Fp4DenseGemmShapeFactor(const catalog::Chip& chip, const catalog::Model& m, int tp) {
  if (!chip.fp4_gemm_k_overhead.known() || !chip.fp4_gemm_n_overhead.known() || m.moe || m.mla ||
      m.linear_attention || m.hidden <= 0 || m.heads <= 0 || m.head_dim <= 0 || m.ffn_hidden <= 0 ||
      tp <= 0) {
    return 1.0;
  }
  const double k0 = *chip.fp4_gemm_k_overhead.value;
  const double n0 = *chip.fp4_gemm_n_overhead.value;
  struct Gemm {
    double n, k;
  };
  // Four GEMMs a layer, kept on the stack: this runs on each step evaluation of the search.
  const auto cost = [&](const std::array<Gemm, 4>& gemms) {
    double flops = 0, time = 0;
    for (const auto& g : gemms) {
      flops += g.n * g.k;
      time += g.n * g.k * (1 + k0 / g.k + n0 / g.n);
    }
    return time / flops;
  };
  const auto layer = [](double hidden, double heads, double kv_heads, double head_dim, double ffn,
                        bool gated, double t) {
    return std::array<Gemm, 4>{{{(heads + 2 * kv_heads) * head_dim / t, hidden},
                                {hidden, heads * head_dim / t},
                                {(gated ? 2 : 1) * ffn / t, hidden},
                                {hidden, ffn / t}}};
  };
  const double kv_heads = m.kv_heads > 0 ? m.kv_heads : m.heads;
  const double model = cost(layer(m.hidden, m.heads, kv_heads, m.head_dim, m.ffn_hidden,
                                  m.mlp == catalog::MlpKind::kSwiglu, tp));
  const double reference = cost(layer(8192, 64, 8, 128, 28672, true, 1));
  return model / reference;
}

bool UntunedMoeShape(const std::vector<catalog::UntunedMoeConfig>& untuned, int experts,
                     double width, const std::string& chip, const std::string& dtype) {
  return std::any_of(untuned.begin(), untuned.end(), [&](const catalog::UntunedMoeConfig& k) {
    return k.experts == experts && k.width == width && k.dtype == dtype &&
           std::find(k.chips.begin(), k.chips.end(), chip) != k.chips.end();
  });
}

bool Fp8BlockScaled(const InferenceJob& job) {
  if (job.fp8_block_scaled_checkpoint) return true;
  for (const auto& ck : job.model->checkpoints) {
    if (ck.names.empty() && ck.weight_block_size > 0) return true;
  }
  return false;
}

int LookaheadKvTokens(const EngineLimits& limits) {
  return limits.multistep_lookahead_kv ? std::max(0, limits.scheduler_steps - 1) : 0;
}

double TiledRows(double mean, int block) {
  if (mean <= 0) return 0;
  if (mean > 8.0 * block) return mean + (block - 1) / 2.0;
  // A pure function of its two arguments, asked once a simulated decode step for the few means a
  // batch size gives: kept by their exact values (bench/RESULTS.md, session 30).
  thread_local std::unordered_map<double, double> memo;
  thread_local int memo_block = 0;
  if (memo_block != block) {
    memo.clear();
    memo_block = block;
  }
  if (auto it = memo.find(mean); it != memo.end()) return it->second;
  if (memo.size() > 100'000) memo.clear();
  const int last = static_cast<int>(mean + 12 * std::sqrt(mean) + 2 * block);
  double pmf = std::exp(-mean), tiles = 0;
  for (int k = 1; k <= last; ++k) {
    pmf *= mean / k;
    tiles += pmf * std::ceil(static_cast<double>(k) / block);
  }
  return memo[mean] = tiles * block;
}

std::vector<int> ExponentialDecodeBuckets(int max_num_seqs) {
  if (max_num_seqs < 2) return {};
  constexpr double kStep = 2;  // decode_bs_bucket_cfg = [1, 2, max_num_seqs, limit]
  const int limit = static_cast<int>(std::ceil(std::log2(max_num_seqs))) + 1;
  std::vector<int> buckets = {1};
  for (int i = 0; i < limit; ++i) {
    const double power =
        kStep * std::pow(max_num_seqs / kStep, static_cast<double>(i) / (limit - 1));
    const int bucket = static_cast<int>(std::ceil(power / kStep) * kStep);
    if (bucket != buckets.back()) buckets.push_back(bucket);
  }
  buckets.back() = std::min(buckets.back(), max_num_seqs);
  return buckets;
}

EngineBatchLimits TrtllmBenchLimits(const InferenceJob& job, const InferenceLayout& l,
                                    std::optional<int> max_batch_size) {
  // TensorRT-LLM's BuildConfig defaults, which trtllm-bench keeps for a checkpoint whose
  // quantization its heuristic is not tuned for (weight-only 4- or 8-bit, MXFP4 experts:
  // build.py get_benchmark_engine_settings, TUNED_QUANTS NVFP4 / FP8 / FP8 block scales / none).
  constexpr int kDefaultBatch = 2048;
  constexpr double kDefaultTokens = 8192;
  const catalog::Model& m = *job.model;
  // The quantization of the bulk of the weights (the experts of an MoE model), as tuning.py's
  // BYTES_PER_ELEM prices it: NVFP4 0.5, FP8 1, unquantized 2 bytes an element.
  const ServingDType bulk =
      m.is_moe() ? job.expert_dtype.value_or(job.dtype) : job.attention_dtype.value_or(job.dtype);
  std::optional<double> weight_bytes;
  if (bulk == ServingDType::kFp4) weight_bytes = 0.5;
  if (bulk == ServingDType::kFp8) weight_bytes = 1;
  if (bulk == ServingDType::kBf16 || bulk == ServingDType::kFp16) weight_bytes = 2;
  EngineBatchLimits out{kDefaultBatch, kDefaultTokens};
  const double isl = job.input_tokens, osl = job.output_tokens;
  if (weight_bytes) {
    // calc_engine_setting: the group's HBM (device memory x tp x pp GPUs) less the checkpoint's
    // parameters at those bytes, 0.95 of it for the KV cache (kv_cache_free_gpu_mem_fraction's
    // default), at 2 x attention layers x max(tp, KV heads) x head size x the cache's bytes a
    // token, or for MLA the one compressed entry a layer (kv_lora_rank + qk_rope_head_dim, as the
    // runtime's KV cache manager holds it), for requests of ISL + OSL tokens. (The newest
    // heuristics.py also counts one rank's memory under attention data parallel; the 1.x tools
    // and the card's rows take the group's, as here.)
    constexpr double kGiBytes = 1024.0 * 1024 * 1024;
    constexpr double kKvFraction = 0.95;
    const double kv_bytes = [&] {
      const ServingDType kv = KvDTypeOf(job, *weight_bytes);
      return kv == ServingDType::kFp4 ? 0.5 : kv == ServingDType::kFp8 ? 1.0 : 2.0;
    }();
    const int gpus = l.chips();
    const int tp = std::max(1, gpus / std::max(1, l.pp));
    const int kv_heads = m.kv_heads > 0 ? m.kv_heads : m.heads;
    const double head_size = m.head_dim > 0
                                 ? m.head_dim
                                 : std::floor(static_cast<double>(m.hidden) / std::max(1, m.heads));
    const double per_token =
        m.mla ? m.layers * (m.mla->kv_lora_rank + m.mla->qk_rope_head_dim) * kv_bytes / kGiBytes
              : 2.0 * m.layers * std::max(tp, kv_heads) * head_size * kv_bytes / kGiBytes;
    const double memory = *job.chip->memory_gib.value * gpus;
    const double engine = TotalParams(m) * *weight_bytes / kGiBytes;
    const double requests = (memory - engine) * kKvFraction / (per_token * (isl + osl));
    if (requests >= 1) {
      // finetune_setting: the batch capped at 4,096 over the pipeline stages, rounded up (at
      // least 64, to 32s below 256, 128s below 1,024, else 256s); the tokens a step that batch
      // x (1 + ISL / OSL), capped at 32,768, rounded up (at least 2,048, to 256s below 4,096,
      // 512s below 8,192, else 1,024s).
      const double raw_bs = std::min(requests, 4096.0) / std::max(1, l.pp);
      const double raw_tokens = std::min(raw_bs * (1 + isl / osl), 32768.0);
      const auto up = [](double v, double step) { return step * std::ceil(v / step); };
      out.max_num_seqs = static_cast<int>(raw_bs < 256    ? std::max(64.0, up(raw_bs, 32))
                                          : raw_bs < 1024 ? up(raw_bs, 128)
                                                          : up(raw_bs, 256));
      out.max_batched_tokens = raw_tokens < 4096   ? std::max(2048.0, up(raw_tokens, 256))
                               : raw_tokens < 8192 ? up(raw_tokens, 512)
                                                   : up(raw_tokens, 1024);
    }
  }
  if (max_batch_size) out.max_num_seqs = *max_batch_size;
  // benchmark/utils/general.py get_settings: with chunked prefill off, max_num_tokens is raised
  // to at least the longest prompt plus max_batch_size, so that a prompt always fits beside the
  // running decodes.
  if (!job.limits.chunked_prefill) {
    out.max_batched_tokens = std::max(out.max_batched_tokens, std::ceil(isl) + out.max_num_seqs);
  }
  return out;
}

EngineLimits LimitsAt(const InferenceJob& job, const InferenceLayout& l) {
  EngineLimits limits = job.limits;
  if (!limits.max_num_seqs) {
    if (const auto cap = DefaultRunningRequests(job, l)) limits.max_num_seqs = *cap;
  }
  if (!limits.offline_bench_limits || job.model == nullptr || job.chip == nullptr ||
      !job.chip->memory_gib.known() || (limits.max_num_seqs && limits.max_batched_tokens)) {
    return limits;
  }
  const EngineBatchLimits bench = TrtllmBenchLimits(job, l, limits.max_num_seqs);
  if (!limits.max_num_seqs) limits.max_num_seqs = bench.max_num_seqs;
  if (!limits.max_batched_tokens) limits.max_batched_tokens = bench.max_batched_tokens;
  return limits;
}

namespace {

// Whether an engine's list of chip families (fp8_mla_families, cuda_graph_families, ...) names
// this one.
bool Lists(const std::vector<std::string>& families, const std::string& family) {
  return std::find(families.begin(), families.end(), family) != families.end();
}

// The harness's fixed cost of an iteration where the engine replays no graphs of its own on the
// family, seconds: NVIDIA's MLPerf harness with graphs on (use_graphs) pays the part's measured
// graphs-on step where it is known, otherwise (and with graphs off) serving_step_overhead_ms.
double HarnessStepSeconds(const InferenceJob& job) {
  const auto& cal = job.calibration;
  if (job.limits.use_graphs && cal.serving_graph_step_overhead_ms) {
    return *cal.serving_graph_step_overhead_ms / 1000;
  }
  return cal.serving_step_overhead_ms / 1000;
}

// The engine's per-SM rates of its decode-sized GEMMs for the layer weights' format: 16-bit
// weights (bf16_gemm_sm_gb_s) or FP8 ones (fp8_gemm_sm_gb_s); none for other formats (INT8,
// 4-bit weight-only: their own kernels).
const std::map<std::string, double>* LayerGemmSmRates(const InferenceJob& job, const Formats& f) {
  if (f.dense.weight_only) return nullptr;
  switch (job.attention_dtype.value_or(job.dtype)) {
    case ServingDType::kBf16:
    case ServingDType::kFp16:
      return &job.limits.bf16_gemm_sm_gb_s;
    case ServingDType::kFp8:
      return &job.limits.fp8_gemm_sm_gb_s;
    default:
      return nullptr;
  }
}

// The GEMM rate and bytes of weights served in `d`: 8- and 4-bit formats at that format's peak,
// 16-bit and weight-only int4 and w8a16 at the 16-bit peak. `flag` names the knob in errors.
Result<WeightFormat> ResolveWeights(const InferenceJob& job, ServingDType d,
                                    std::optional<double> half_peak, const char* flag,
                                    const char* field) {
  const auto& chip = *job.chip;
  const auto& cal = job.calibration;
  static constexpr DType kCompute[] = {DType::kBf16, DType::kFp16, DType::kFp8,  DType::kInt8,
                                       DType::kFp4,  DType::kBf16, DType::kBf16, DType::kInt8};
  const auto& v = chip.peak(kCompute[static_cast<int>(d)]);
  const std::string name(ServingDTypeName(d));
  WeightFormat w;
  w.bytes = ServingDTypeBytes(d);
  w.weight_only = d == ServingDType::kInt4;
  w.fp4 = d == ServingDType::kFp4;
  const bool sixteen_bit_math = d == ServingDType::kInt4 || d == ServingDType::kW8A16 ||
                                d == ServingDType::kBf16 || d == ServingDType::kFp16;
  if (sixteen_bit_math && (v.known() || half_peak)) {
    w.peak = v.known() ? *v.value * kTera : *half_peak;
    w.eff = d == ServingDType::kInt4 && cal.weight_only_matmul_efficiency
                ? *cal.weight_only_matmul_efficiency
                : cal.matmul_efficiency;
  } else if (sixteen_bit_math && !v.unsupported) {
    return MakeError(fmt::format("chip '{}': {} runs at the 16-bit peak, and neither "
                                 "peak_tflops.bf16 nor peak_tflops.fp16 is known in the "
                                 "catalog{}; it supports {}, or add the figure with --catalog",
                                 chip.id, name, flag, ServingFormatsOf(chip)),
                     "", 0, field);
  } else if (v.unsupported) {
    // FP4 checkpoints (gpt-oss's MXFP4 experts) run on such chips dequantized to 16-bit math.
    const std::string hint =
        d == ServingDType::kFp4 && ChipServes(chip, ServingDType::kInt4)
            ? " (4-bit weights with 16-bit math, as FP4 checkpoints run on chips without FP4: int4)"
            : "";
    return MakeError("chip '" + chip.id + "' does not support " + name + flag + "; it supports " +
                         ServingFormatsOf(chip) + hint,
                     "", 0, field);
  } else if (!v.known()) {
    return MakeError("chip '" + chip.id + "': peak_tflops." + name + " is unknown in the catalog" +
                         flag + "; it supports " + ServingFormatsOf(chip) +
                         ", or add the figure with --catalog",
                     "", 0, field);
  } else {
    w.peak = *v.value * kTera;
    w.eff = d == ServingDType::kFp4 && cal.fp4_matmul_efficiency
                ? *cal.fp4_matmul_efficiency
                : cal.low_precision_matmul_efficiency;
    // INT8 GEMMs (W8A8) accumulate in int32 on the tensor cores, exactly (integer MMA takes an
    // .s32 accumulator, S4662): no partial sums promoted to FP32 on the CUDA cores, the cost
    // low_precision_matmul_efficiency carries for FP8 on a family whose FP8 sum is short (Hopper,
    // S1602), and the per-token / per-channel scales apply once in the epilogue. They run at the
    // family's unpromoted 8-bit rate where it has one, as per-tensor FP8 does.
    if (d == ServingDType::kInt8 && cal.fp8_fast_accum_matmul_efficiency) {
      w.eff = *cal.fp8_fast_accum_matmul_efficiency;
    }
    // An engine whose W8A8 GEMMs are measured apart from the family's INT8 rate on this chip
    // family (EngineLimits::int8_matmul_efficiency: the open engines' torch_npu path on Ascend,
    // which quantizes each GEMM's activations in a kernel of its own).
    if (const auto it = job.limits.int8_matmul_efficiency.find(chip.family);
        (d == ServingDType::kInt8 || d == ServingDType::kW4A8) &&
        it != job.limits.int8_matmul_efficiency.end()) {
      w.eff = it->second;
    }
    // FP8 with one scale per tensor runs fast-accumulation GEMMs (TensorRT-LLM, vLLM, SGLang);
    // a checkpoint released with block-scaled FP8 weights runs block-scaled GEMMs, which promote
    // their partial sums to FP32 every block (DeepGEMM), at the promoted efficiency.
    if (d == ServingDType::kFp8 && cal.fp8_fast_accum_matmul_efficiency && !Fp8BlockScaled(job)) {
      w.eff = *cal.fp8_fast_accum_matmul_efficiency;
    }
  }
  return w;
}

Result<Formats> Resolve(const InferenceJob& job) {
  const auto& chip = *job.chip;
  const auto& cal = job.calibration;
  Formats f;
  if (SupportedServing(chip).empty()) {
    return MakeError("chip '" + chip.id +
                         "': no peak_tflops figure (bf16, fp16, fp8, int8, fp4) is known in the "
                         "catalog; add one with --catalog to model this chip",
                     "", 0, "chip");
  }
  std::optional<double> half;
  if (auto bf16 = PeakOf(chip, DType::kBf16)) {
    half = *bf16;
  } else if (auto fp16 = PeakOf(chip, DType::kFp16)) {
    half = *fp16;
  }
  auto dense = ResolveWeights(job, job.attention_dtype.value_or(job.dtype), half,
                              job.attention_dtype ? " (--attention-dtype)" : "",
                              job.attention_dtype ? "attention_dtype" : "dtype");
  if (!dense) return tl::unexpected(dense.error());
  auto experts = ResolveWeights(job, job.expert_dtype.value_or(job.dtype), half,
                                job.expert_dtype ? " (--expert-dtype)" : "",
                                job.expert_dtype ? "expert_dtype" : "dtype");
  if (!experts) return tl::unexpected(experts.error());
  f.dense = *dense;
  f.experts = *experts;
  // Attention cores run in 16-bit, or in the format AttentionFormatOf names.
  if (half) {
    f.attention_peak = *half;
  } else if (const auto attention = AttentionFormatOf(chip)) {
    f.attention_peak = *PeakOf(chip, *catalog::ParseDType(ServingDTypeName(*attention)));
  } else {
    return MakeError("chip '" + chip.id +
                     "': no 16- or 8-bit peak (peak_tflops.bf16, fp16, fp8, int8) is known in the "
                     "catalog to run attention at; add one with --catalog");
  }
  // A power cap lowers the clock of compute-bound kernels (perf/power.h).
  auto clock = ComputeClockFraction(chip, cal, job.system.power_cap_w);
  if (!clock) return tl::unexpected(clock.error());
  const ServingDType kv = KvDTypeOf(job, f.dense.bytes);
  f.kv_bytes = std::max(1.0, ServingDTypeBytes(kv));
  f.fp8_kv = kv == ServingDType::kFp8;
  f.half_attention_peak = f.attention_peak;
  // MLA attention on an FP8 cache, where the engine's kernel quantizes the query and runs QK^T
  // and PV on the FP8 tensor cores (FlashMLA's FP8 kernel on Hopper: ~1.7x the BF16 kernel,
  // S1980, S2020): the chip's FP8 rate at the family's attention efficiency.
  if (job.model->mla && kv == ServingDType::kFp8 &&
      Lists(job.limits.fp8_mla_families, chip.family)) {
    if (auto fp8 = PeakOf(chip, DType::kFp8); fp8 && *fp8 > f.attention_peak) {
      f.attention_peak = *fp8;
      f.fp8_attention = true;
    }
  }
  f.attention_peak *= *clock;
  f.half_attention_peak *= *clock;
  {
    const auto& family = chip.family;
    const auto& limits = job.limits;
    const auto device = limits.graph_layer_clocked_us_by_family.find(family);
    const auto measured = limits.graph_layer_clock_tflops_by_family.find(family);
    if (half && limits.graph_layer_us_by_family.contains(family) &&
        device != limits.graph_layer_clocked_us_by_family.end() &&
        measured != limits.graph_layer_clock_tflops_by_family.end()) {
      const double rate = *half * *clock / (measured->second * kTera);
      f.clocked_layer_extra_us = device->second * (1 / rate - 1);
    }
  }
  f.dense.peak *= *clock;
  f.experts.peak *= *clock;
  // The Triton fused_moe kernel, where the engine runs it on this family, for routed experts in a
  // 16- or 8-bit format (4-bit weights run other kernels: Marlin's weight-only GEMMs, FP4 grouped
  // GEMMs), at the family's rate for it.
  if (Lists(job.limits.triton_moe_families, chip.family) && cal.triton_moe_matmul_efficiency &&
      half && !f.experts.weight_only &&
      job.expert_dtype.value_or(job.dtype) != ServingDType::kFp4) {
    f.fused_moe_peak = *half * *clock * *cal.triton_moe_matmul_efficiency;
    const ServingDType moe_dtype = job.expert_dtype.value_or(job.dtype);
    const bool block_fp8 = moe_dtype == ServingDType::kFp8 && Fp8BlockScaled(job);
    // Block-scaled FP8 experts run the kernel's block path, which scales each block's partial
    // product on the CUDA cores: a fraction of the FP8 peak
    // (triton_moe_block_fp8_matmul_efficiency).
    if (block_fp8 && cal.triton_moe_block_fp8_matmul_efficiency) {
      if (auto fp8 = PeakOf(chip, DType::kFp8)) {
        f.fused_moe_peak = *fp8 * *clock * *cal.triton_moe_block_fp8_matmul_efficiency;
      }
    }
    // The 16-bit and per-tensor FP8 paths on the default config, where the engine release ships
    // no tuned one for the shape (decided per layout in StepTimeOfBatch). The block path's
    // default config is another (64 x 128 x 128 tiles with warps and stages set, S3900): not this.
    // Which default config: the two-branch one before vLLM's pull request 34846 (S3900) or the
    // batch-size-aware one after it (S3210), as the engine's version runs.
    const std::optional<double>& default_efficiency =
        job.limits.triton_moe_default_config == "batch_aware"
            ? cal.triton_moe_batch_aware_default_matmul_efficiency
            : cal.triton_moe_default_matmul_efficiency;
    if (!block_fp8 && default_efficiency) {
      if (moe_dtype == ServingDType::kBf16 || moe_dtype == ServingDType::kFp16) {
        f.fused_moe_dtype = "bf16";
      } else if (moe_dtype == ServingDType::kFp8) {
        f.fused_moe_dtype = "fp8";
      }
      if (!f.fused_moe_dtype.empty()) {
        f.fused_moe_default_peak = *half * *clock * *default_efficiency;
      }
    }
  }
  if (chip.memory_gib.unsupported) {
    return MakeError("chip '" + chip.id +
                     "' has no off-chip memory (memory_gib is n/a in the catalog); serving from "
                     "on-chip SRAM alone is not modelled");
  }
  if (!chip.memory_tb_s.known()) {
    return MakeError("chip '" + chip.id + "': memory_tb_s is unknown in the catalog");
  }
  if (!chip.memory_gib.known()) {
    return MakeError("chip '" + chip.id + "': memory_gib is unknown in the catalog");
  }
  f.mem_bw = *chip.memory_tb_s.value * kTera * cal.memory_efficiency;
  return f;
}

// Layout-dependent sizes, per chip.
struct Shape {
  LayerParams p;
  double nonexpert = 0;       // attention, dense MLPs, norms, router, embeddings
  double nonexpert_read = 0;  // read every step (the input embedding is only gathered)
  // Of nonexpert (and nonexpert_read): the projections every tensor-parallel rank holds whole and
  // runs on every token (TpReplicatedParams), not 1/tp of them.
  double replicated = 0;
  double shared = 0;            // shared experts, all layers
  double active_per_token = 0;  // linear parameters one token touches, expert part excluded
  double kv_per_token = 0;      // bytes, whole model
  double decode_key_flops = 0;  // attention FLOPs per query per key, all layers, decode
  double prefill_key_flops = 0;
  // Sparse attention (DSA): the main cache is read only for the attended keys, the indexer's
  // keys for all of them, at indexer_key_flops per key.
  double kv_attended_per_token = 0;  // bytes, the part read per attended key
  double kv_indexer_per_token = 0;   // bytes, the part read per visible key
  double indexer_key_flops = 0;
  // Linear attention: a fixed state per sequence, read and written each decode step.
  double state_bytes = 0;           // per sequence, all linear layers
  double linear_decode_flops = 0;   // per token, all linear layers
  double linear_prefill_flops = 0;  // per prompt token (state + intra-block)
  // Sliding-window layers: each query reads at most `window` cached keys of them, and a sequence
  // keeps at most `window` tokens of their KV cache.
  double window = 0;
  double window_key_flops = 0;     // attention FLOPs per query per key, all windowed layers
  double window_kv_per_token = 0;  // bytes per cached token, all windowed layers
  // An MTP module's 2h -> h projection (eh_proj), whole on every rank in 16 bits (MakeDraft).
  double mtp_projection = 0;
};

// The parameters of one attention layer that the engines replicate on every tensor-parallel rank
// instead of splitting: MLA's down projections, whose outputs (the compressed query and the KV
// latent with its rope key) every rank needs whole before its heads' up projections (vLLM's
// fused_qkv_a_proj, a MergedColumnParallelLinear with disable_tp=True, or kv_a_proj_with_mqa as a
// ReplicatedLinear without a query rank, S3510; SGLang's fused_qkv_a_proj_with_mqa
// ReplicatedLinear, S3511; TensorRT-LLM's kv_a_proj_with_mqa a Linear without a tensor-parallel
// mode, S3512), and DSA's lightning indexer's projections (wq_b, wk, weights_proj, S3301).
// DeepSeek-V3 at TP 8: 7,168 x 2,112 = 15.1 M of a layer's 187 M attention parameters, whole on
// each rank.
double TpReplicatedParams(const catalog::Model& m) {
  double r = 0;
  if (m.mla) {
    const auto& c = *m.mla;
    r += static_cast<double>(m.hidden) *
         ((c.q_lora_rank > 0 ? c.q_lora_rank : 0) + c.kv_lora_rank + c.qk_rope_head_dim);
  }
  if (m.sparse_attention) {
    const auto& sa = *m.sparse_attention;
    const double h = m.hidden;
    const double q_in = m.mla && m.mla->q_lora_rank > 0 ? m.mla->q_lora_rank : h;
    r += q_in * sa.indexer_heads * sa.indexer_head_dim + h * sa.indexer_head_dim +
         h * sa.indexer_heads;
  }
  return r;
}

// A chip's share of `params` of which `replicated` every one of the tp ranks holds whole.
double TpShare(double params, double replicated, double tp) {
  return (params - replicated) / tp + replicated;
}

Shape MakeShape(const catalog::Model& m, const Formats& f) {
  Shape s;
  s.p = CountLayerParams(m);
  const auto& p = s.p;
  s.nonexpert = p.dense_layers * (p.attention + p.norm + p.dense_mlp) +
                p.moe_layers * (p.attention + p.norm + p.router) +
                p.embedding * (m.tied_embeddings ? 1 : 2);
  s.nonexpert_read = s.nonexpert - (m.tied_embeddings ? 0 : p.embedding);
  s.shared = static_cast<double>(p.moe_layers) * p.shared_experts * p.expert;
  s.active_per_token = s.nonexpert_read;
  s.replicated = SoftmaxAttentionLayers(m) * TpReplicatedParams(m);
  s.kv_per_token = KvCacheBytesPerToken(m, f.kv_bytes);
  // Full-context softmax layers (a sliding-window model's windowed layers are counted apart).
  const double softmax_layers = FullAttentionLayers(m);
  s.kv_indexer_per_token = m.layers * IndexerCacheBytesPerToken(m);
  s.kv_attended_per_token = s.kv_per_token - s.kv_indexer_per_token;
  s.indexer_key_flops = softmax_layers * IndexerFlopsPerKey(m);
  s.prefill_key_flops = softmax_layers * AttentionCoreFlopsPerKey(m);
  if (m.mla) {
    // Absorbed MLA decode attends in the latent space: scores over
    // kv_lora_rank + rope, values over kv_lora_rank.
    s.decode_key_flops =
        softmax_layers * 2.0 * m.heads * (2 * m.mla->kv_lora_rank + m.mla->qk_rope_head_dim);
  } else {
    s.decode_key_flops = s.prefill_key_flops;
  }
  if (m.linear_attention) {
    const double linear_layers = LinearAttentionLayers(m);
    s.state_bytes = LinearAttentionStateBytes(m);
    s.linear_decode_flops = linear_layers * LinearAttentionStateFlopsPerToken(m);
    s.linear_prefill_flops = s.linear_decode_flops + linear_layers * LinearCoreFlopsPerKey(m) *
                                                         (m.linear_attention->block_size + 1) / 2.0;
  }
  if (m.sliding_window) {
    s.window = m.sliding_window->window;
    s.window_key_flops = WindowedAttentionLayers(m) * AttentionCoreFlopsPerKey(m);
    s.window_kv_per_token = WindowedKvBytesPerToken(m, f.kv_bytes);
  }
  return s;
}

// A tensor-parallel all-reduce of `bytes` over `tp` chips of one serving instance. Inside one
// scale-up domain of fully connected peers (NVLink through NVSwitch, Infinity Fabric) the serving
// engines reduce decode-sized messages with their own kernels that read the peers' buffers
// directly (vLLM's custom all-reduce for messages under 8 MiB, csrc/custom_all_reduce.cuh and
// vllm/distributed/device_communicators/custom_all_reduce.py: one stage for small messages, two
// stages, a reduce-scatter then an all-gather, for larger; TensorRT-LLM's ONESHOT/TWOSHOT
// AllReduceStrategy): one or two synchronisations instead of a ring's 2 (n - 1) latency steps,
// moving the ring's bytes (two stages) or every peer's whole buffer (one stage). For the large
// messages of prefill the latency is a few per cent of the transfer either way (NCCL pipelines
// its ring), so the cheapest of the three is taken at every size: no step in the cost at the
// engines' 8 MiB switch. Groups that span domains take the ring.
// Where the engines reduce through the collective library instead (NetworkTier::allreduce_step_us:
// Ascend, whose SGLang and vLLM-Ascend call HCCL), a decode-sized all-reduce over n ranks (tp chips
// of ranks_per_chip dies each) takes the library's 2 (n - 1) steps: a cost that grows with the
// group, not a one-shot kernel's one or two synchronisations.
double TpAllReduceSeconds(double bytes, int tp, const catalog::System& sys) {
  const auto g = PlaceGroup(tp, 1, sys.scale_up_domain);
  const double ring = AllReduceSeconds(bytes, g, sys);
  if (g.domains() > 1) return ring;
  if (sys.scale_up.allreduce_step_us > 0) {
    const double ranks = static_cast<double>(tp) * sys.scale_up.ranks_per_chip;
    const double rank_bw =
        sys.scale_up.bandwidth_gb_s * 1e9 * sys.scale_up.efficiency / sys.scale_up.ranks_per_chip;
    return 2 * (ranks - 1) * (bytes / ranks / rank_bw + sys.scale_up.allreduce_step_us * 1e-6);
  }
  const double n = tp;
  const double bw = sys.scale_up.bandwidth_gb_s * 1e9 * sys.scale_up.efficiency;
  const double step = sys.scale_up.latency_us * 1e-6;
  const double one_stage = (n - 1) * bytes / bw + step;
  const double two_stage = 2 * (n - 1) / n * bytes / bw + 2 * step;
  double best = std::min({ring, one_stage, two_stage});
  if (sys.scale_up.in_network_reduction) {
    // In-switch reduction (NVLink SHARP, NCCL's NVLS algorithm and TensorRT-LLM's multicast
    // kernels): each chip's share of the sum is reduced in the switch from every chip's buffer
    // (each chip sends its whole buffer once) and multicast back (each chip receives the whole
    // sum once): (n + 1) / n of the buffer each way, against 2 (n - 1) / n for two stages;
    // cheaper from three chips on (at eight, 1.125 against 1.75). At the link share the switch's
    // reduction reaches where it is measured (NetworkTier::in_network_efficiency: vLLM's pynccl
    // all-reduce of 128 MiB over 8 Hopper GPUs in 0.561 ms, ~0.6 of NVLink's 450 GB/s, S3610).
    const double in_switch_bw =
        sys.scale_up.bandwidth_gb_s * 1e9 *
        sys.scale_up.in_network_efficiency.value_or(sys.scale_up.efficiency);
    best = std::min(best, (n + 1) / n * bytes / in_switch_bw + 2 * step);
  }
  return best;
}

// The host time an iteration carrying a prompt adds when the engine runs such iterations outside
// CUDA graphs (EngineLimits::eager_layer_us): the kernels of every layer of this stage are
// launched one by one from the host while the GPU waits on them.
double EagerSeconds(const InferenceJob& job, const InferenceLayout& l) {
  return job.limits.eager_layer_us * 1e-6 * job.model->layers / l.pp;
}

// The host's own time to launch an eager iteration (EngineLimits::eager_host_layer_us, on the
// families where it is measured): one launch sequence per layer pass, the stage's layers and,
// where the model's MTP module drafts, each of its mtp_depth passes (one layer each); a draft
// model's passes, its layers each. An iteration that carries a prompt is launched eagerly (the
// engine captures graphs for decode-only iterations), so with few tokens on its GPUs it lasts
// as long as its launches: the floor of such an iteration, not a term added to its work. The time
// is a DeepSeek layer's (MLA and a routed MoE: its kernels, S4820), so it binds models with that
// layer only; another layer launches another count of kernels, not measured. A layout running
// attention data parallel (dp > 1) takes the engine's floor measured so with the MoE backend the
// request names (EngineLimits::adp_eager_host_layer_us) where it has one for the family: each
// rank's host launches its own passes and every MoE layer's exchange waits for the slowest.
double EagerHostSeconds(const InferenceJob& job, const InferenceLayout& l, int draft_layers) {
  if (!job.model->mla || !job.model->moe) return 0;
  const std::string& family = job.chip->family;
  const auto adp = job.limits.adp_eager_host_layer_us.find(family);
  const auto tp = job.limits.eager_host_layer_us.find(family);
  double us = 0;
  if (l.dp > 1 && adp != job.limits.adp_eager_host_layer_us.end()) {
    us = adp->second;
  } else if (tp != job.limits.eager_host_layer_us.end()) {
    us = tp->second;
  } else {
    return 0;
  }
  const double passes =
      static_cast<double>(job.model->layers) / l.pp + job.mtp_depth * std::max(0, draft_layers);
  return us * 1e-6 * passes;
}

// Whether a step of `decode` sequences and `tokens` scheduled tokens (the largest group's) has its
// kernels launched one by one from the host: every step under --enforce-eager
// (EngineLimits::enforce_eager), a step above the engine's largest captured graph
// (EngineLimits::graph_max_batch) on a family it replays graphs on: SGLang's CUDA-graph runner
// replays none for it and runs it eagerly (S3042), and a step of more tokens than vLLM's largest
// captured piecewise graph (EngineLimits::graph_max_tokens; S4170), and under vLLM's
// FULL_DECODE_ONLY any step with a prompt token (EngineLimits::eager_prompt_steps; S4250).
// tokens < 0: the decode batch. prompt: the step (any group of it) carries prompt tokens.
bool RunsEagerly(const InferenceJob& job, double decode, double tokens = -1, bool prompt = false) {
  return job.limits.enforce_eager || (prompt && job.limits.eager_prompt_steps) ||
         (job.limits.graph_max_batch > 0 && decode > job.limits.graph_max_batch &&
          Lists(job.limits.cuda_graph_families, job.chip->family)) ||
         (job.limits.graph_max_tokens > 0 &&
          (tokens < 0 ? decode : tokens) > job.limits.graph_max_tokens);
}

// The shortest an iteration can be. An eager step's launches run ahead of the GPU, so it takes
// the longer of the launches (eager_launch_layer_us a layer: vLLM's 12.0 ms eager step of Llama 2
// 7B at batch 1 against 10.5 ms replayed, S1750; SGLang's, S3041) and the device's work, whose
// kernels still wait on each other as they do in the graph: the graph's per-layer gaps
// (graph_layer_us, measured beyond the roofline under replay, where no host launch is in the way,
// S2200) are the GPU's own and stay in every eager step, --enforce-eager or above the graph cap
// alike (one rule, RunsEagerly). An engine's measured floor (EngineLimits::step_floor_layer_us)
// binds every iteration.
double EagerLaunchSeconds(const InferenceJob& job, const InferenceLayout& l, double decode = 0,
                          double tokens = -1, bool prompt = false) {
  const double launch_us =
      RunsEagerly(job, decode, tokens, prompt) ? job.limits.eager_launch_layer_us : 0;
  return std::max(launch_us, job.limits.step_floor_layer_us) * 1e-6 * job.model->layers / l.pp;
}

// The front-end's share of a streamed iteration: each of the instance's `running` requests gets
// its new token detokenized and sent (EngineLimits::stream_host_us). It runs beside the device
// step, so like the launches it is a floor under the step, not an added term. Offline runs
// return whole outputs. Under --stream-interval N the front-end sends each request's tokens once
// every N steps (vLLM's OutputProcessor buffers them, S3020), so its work is 1/N a step: the
// response object, serialization and send are per send, not per token, and a small interval
// "should close the gap between streaming and non-streaming" (TensorRT-LLM's blog, S2882).
double StreamHostSeconds(const InferenceJob& job, double running) {
  if (job.mode != ServingMode::kServer || running <= 0) return 0;
  return job.limits.stream_host_us * 1e-6 * running / std::max(1, job.limits.stream_interval);
}

struct Step {
  double linear_s = 0;
  double attention_s = 0;
  double comm_s = 0;  // exposed communication
  double overhead_s = 0;
  bool compute_bound = false;  // linear + attention limited by FLOPs rather than bytes
  double total() const { return linear_s + attention_s + comm_s + overhead_s; }
};

// What proposes the draft tokens of speculative decoding: a separate draft model (its job, no
// drafts of its own, and shape), or the model's own MTP module (mtp_module): one more transformer
// block of the model's kind, run over the running sequences once per draft position, sharing the
// model's embedding and LM head.
struct Draft {
  InferenceJob job;
  Shape s;
  bool mtp_module = false;
  // The module as a one-block model (job.model points at it).
  std::shared_ptr<const catalog::Model> module{};
  // The module's pass over each sequence's verified tokens (mtp_depth + 1 a sequence).
  InferenceJob extend{};
};

struct Context {
  const InferenceJob& job;
  const Formats& f;
  const Shape& s;
  const Draft* draft = nullptr;
  bool draft_pass = false;  // a pass of the draft itself: it proposes no drafts of its own
};

// The layers of one draft pass: the MTP module's one block, a draft model's layers, or one layer
// for a draft head the catalog does not describe (EagerHostSeconds' draft passes).
int DraftPassLayers(const Draft* draft) {
  if (!draft) return 1;
  return draft->mtp_module ? 1 : draft->job.model->layers;
}

// DeepSeek-V3's MTP module (arXiv 2412.19437 Sec. 2.2, S3870): a transformer block of the
// model's own kind (DeepSeek-V3/R1: MLA and a MoE layer of the same 256 + 1 experts; the released
// config's num_nextn_predict_layers 1, the checkpoint's layer 61, 14B of its 685B with its copies
// of the embedding and head, S3871) after a 2h -> h projection of the previous depth's hidden state
// and the next token's embedding, with the embedding and output head shared with the main model.
// The engines load it as a draft model of that one block and hand it the target's embedding and
// head (SGLang's EAGLE worker for NEXTN: set_embed_and_head, its own KV pool, S3872). So a pass of
// it streams the block's weights (the experts its tokens touch) and the LM head, attends to its
// own one-layer cache, and pays its layer's all-reduces, expert exchange and graph gaps: the
// full-model step of a one-block model whose head is the model's (tied: read once a pass, stored
// by the target). Before the block, its 2h -> h projection of the two normed inputs (eh_proj,
// 2 h^2: 102.8M parameters for DeepSeek-V3) runs on every token: the engines build it as a plain
// nn.Linear(2h, h) (SGLang's DeepseekModelNextN, vLLM's DeepSeekMultiTokenPredictorLayer, S3879),
// whole on every tensor-parallel rank in the model's 16-bit dtype, so Draft's shape carries it
// apart (Shape::mtp_projection): read in 16 bits, not in the block's format, and not split by tp.
catalog::Model MtpModuleOf(const catalog::Model& m) {
  catalog::Model module = m;
  module.layers = 1;
  if (module.moe) {
    module.moe->first_dense_layers = 0;
    module.moe->layer_step = 1;
  }
  module.tied_embeddings = true;
  module.mtp_layers = 0;
  return module;
}

std::optional<Draft> MakeDraft(const InferenceJob& job, const Formats& f) {
  if (!job.draft_model) {
    if (job.mtp_depth < 1 || job.model->mtp_layers < 1) return std::nullopt;
    auto module = std::make_shared<const catalog::Model>(MtpModuleOf(*job.model));
    Draft d{job, MakeShape(*module, f)};
    d.s.mtp_projection = 2.0 * module->hidden * module->hidden;
    d.mtp_module = true;
    d.module = module;
    d.job.model = module.get();
    d.job.mtp_depth = 0;
    d.extend = d.job;
    d.extend.mtp_depth = job.mtp_depth;
    return d;
  }
  Draft d{job, MakeShape(*job.draft_model, f)};
  d.job.model = job.draft_model;
  d.job.draft_model = nullptr;
  d.job.mtp_depth = 0;
  d.job.expert_dtype.reset();
  d.job.fp8_block_scaled_checkpoint = false;
  return d;
}

// KV-cache bytes per token on one chip of a stage (its share of the heads, or the whole latent),
// the draft model's included: what every running sequence holds per token.
double KvBytesPerTokenOnChip(const Context& x, const InferenceLayout& l) {
  auto share = [&](const catalog::Model& m, const Shape& s) {
    return s.kv_per_token / (m.mla ? 1.0 : std::min<double>(l.tp, m.kv_heads));
  };
  return share(*x.job.model, x.s) + (x.draft ? share(*x.draft->job.model, x.draft->s) : 0);
}

// Sliding-window KV bytes on one chip of a sequence `ctx` tokens long: at most `window` tokens of
// the windowed layers (the draft model's included).
double WindowKvBytesOnChip(const Context& x, const InferenceLayout& l, double ctx) {
  auto share = [&](const catalog::Model& m, const Shape& s) {
    return std::min(ctx, s.window) * s.window_kv_per_token / std::min<double>(l.tp, m.kv_heads);
  };
  return share(*x.job.model, x.s) + (x.draft ? share(*x.draft->job.model, x.draft->s) : 0);
}

// The chips each routed expert is split over by tensor parallelism: 1 under expert parallelism
// (ep > 1: whole experts, routed_experts / ep of them a chip); else every chip of the stage: tp,
// and under attention data parallel (dp > 1, ep 1) all tp x dp of them, the MoE running over the
// tokens gathered from every attention group with each chip holding 1/(tp x dp) of every expert.
// That is what the engines run for attention DP with no expert-parallel size: SGLang's
// --enable-dp-attention without --ep-size (moe_tp_size = tp_size / ep_size = tp_size, S3290; the
// tokens gathered and the outputs reduce-scattered around the MoE, S3600), vLLM's
// --data-parallel-size without --enable-expert-parallel ("expert layers form a tensor parallel
// group of size DP x TP", S3601), TensorRT-LLM's Mapping with no moe_ep_size (moe_tp_size =
// tp_size, S3234).
int ExpertTp(const InferenceLayout& l) { return l.ep > 1 ? 1 : l.tp * l.dp; }

// The chips the shared experts are split over: under attention DP with tensor-parallel experts
// they run inside the MoE block over the gathered tokens, split like the routed experts (SGLang's
// DeepseekV2MLP shared experts at the full tp_size unless an all-to-all backend replicates them,
// S3600); otherwise by the attention group's tp.
int SharedExpertTp(const InferenceLayout& l) { return l.ep > 1 ? l.tp : ExpertTp(l); }

double ExpertsPerChip(const Shape& s, const InferenceLayout& l) {
  if (s.p.moe_layers == 0) return 0;
  return l.ep > 1 ? std::ceil(static_cast<double>(s.p.routed_experts) / l.ep)
                  : static_cast<double>(s.p.routed_experts) / ExpertTp(l);
}

double WeightBytesPerChip(const Context& x, const InferenceLayout& l) {
  if (x.draft) {
    // The draft model rides along on every chip of the group.
    const Context target{x.job, x.f, x.s};
    const Context draft{x.draft->job, x.f, x.draft->s};
    // An MTP module reads the target's embedding and head, which the target stores.
    const double head =
        x.draft->mtp_module ? x.draft->s.p.embedding / l.tp * x.f.dense.bytes / l.pp : 0;
    return WeightBytesPerChip(target, l) + WeightBytesPerChip(draft, l) - head;
  }
  const auto& s = x.s;
  const double routed = s.p.moe_layers * ExpertsPerChip(s, l) * s.p.expert;
  return (TpShare(s.nonexpert, s.replicated, l.tp) * x.f.dense.bytes +
          (s.shared / SharedExpertTp(l) + routed) * x.f.experts.bytes +
          s.mtp_projection * kActivationBytes) /
         l.pp;
}

// Bytes per hidden element of a token as the routed experts take it in: FP8 with one scale per
// tensor and INT8 one byte, NVFP4 half a byte and one FP8 scale per 16 elements; 16-bit math
// (16-bit weights, weight-only int4 / w8a16) and block-scaled FP8 (quantized inside the fused MoE
// kernel) take the 16-bit token.
double MoeGatherBytes(const Context& x) {
  const ServingDType d = x.job.expert_dtype.value_or(x.job.dtype);
  if (d == ServingDType::kFp4) return 0.5 + 1.0 / 16;
  if (d == ServingDType::kInt8 || d == ServingDType::kW4A8 ||
      (d == ServingDType::kFp8 && !Fp8BlockScaled(x.job))) {
    return 1;
  }
  return kActivationBytes;
}

// std::pow(base, exponent), kept by the exact bits of its two arguments in a small direct-mapped
// table (a slot per hash, overwritten on a clash). The serving simulator prices the same batch
// shapes step after step (the dp groups of a lockstep iteration padded to one CUDA-graph size run
// the same tokens, and the routed experts' touched share depends on the instance's tokens
// alone), and pow was a quarter of its CPU time (bench/RESULTS.md, sessions 30 and 31). The value
// is pow's own, so no answer moves.
double MemoPow(double base, double exponent) {
  struct Slot {
    uint64_t base = 0, exponent = 0;
    double value = 0;
    bool used = false;
  };
  thread_local std::array<Slot, 1024> table{};
  const auto b = std::bit_cast<uint64_t>(base), e = std::bit_cast<uint64_t>(exponent);
  const uint64_t h = (b ^ (e * 0x9E3779B97F4A7C15ULL)) * 0xBF58476D1CE4E5B9ULL;
  Slot& slot = table[h >> 54];
  if (slot.used && slot.base == b && slot.exponent == e) return slot.value;
  slot = {b, e, std::pow(base, exponent), true};
  return slot.value;
}

// The time of work bound by two resources, `a` and `b` seconds each: max(a, b) when `n` is 0
// (the sharp roofline), else (a^n + b^n)^(1/n) (n = 1: their sum).
double SmoothRoofline(double a, double b, double n) {
  if (n <= 0 || a <= 0 || b <= 0) return std::max(a, b);
  const double hi = std::max(a, b);
  return hi * MemoPow(1 + MemoPow(std::min(a, b) / hi, n), 1 / n);
}

// Attention work of one step of a group of `tp` chips: `decode` sequences attending to
// `decode_keys` cached keys in all (`verify` query tokens each with MTP), `prefill` prompt tokens
// attending to `prefill_keys` in all.
// With DSA each query reads at most top_k keys (taken at the batch's mean context: an upper
// bound, min being concave) and the indexer scans them all; linear-attention layers read and
// write each sequence's state once.
// DSA's attention runs in MLA's absorbed (MQA) form for prompt tokens too: the sparse kernels
// take 576-wide keys (the 512 latent and the 64 rope) and 512-wide values per query head
// (FlashMLA's flash_mla_sparse_fwd, which vLLM calls for prefill and SGLang's flashmla_sparse;
// SGLang's fa3 NSA path the same, S3300), so a prompt token's attended key costs the decode
// form's FLOPs, not the 192 + 128 of the up-projected heads. The lightning indexer is not split
// across tensor-parallel ranks: vLLM, SGLang and DeepSeek's reference code keep its projections
// replicated and score all its heads on every rank (S3301), so each chip of the group runs all
// of it. `sparse_heads`: the query heads a chip computes over the heads it holds (the engine's
// kernel tile, EngineLimits::sparse_mla_head_tile); `full_top_k`: the kernel runs every one of
// the top_k index slots of a query whatever the context. `dense_prompt`: the prompt tokens run
// dense attention instead, over every key in the prefill form (the up-projected heads) with no
// indexer scores (an engine that switches to it below top_k, EngineLimits::dsa_short_prefill_mha).
struct AttentionWork {
  double flops = 0;  // per chip
  double bytes = 0;  // per chip
  // Of `flops`, the decode queries' (draft tokens verified included) over the cached keys of a
  // dense MLA model: the MLA decode kernel's (FamilyCalibration::mla_decode_efficiency).
  double mla_decode_flops = 0;
  // Of `flops`, the prompt tokens' attended keys through a DSA model's sparse kernel
  // (EngineLimits:: sparse_prefill_efficiency).
  double sparse_prefill_flops = 0;
  // Of `flops`, the decode queries' (draft tokens verified included) attended keys through a DSA
  // model's sparse decode kernel.
  double sparse_decode_flops = 0;
  // Of `bytes`, the decode queries' cached keys and values of a model without MLA (per-head K
  // and V, full and windowed layers): what the engine's paged decode kernel reads
  // (EngineLimits::decode_kv_sm_gb_s).
  double head_kv_bytes = 0;
};

AttentionWork AttentionOfStep(const catalog::Model& m, const Shape& s, double tp, double decode,
                              double decode_keys, double verify, double prefill,
                              double prefill_keys, double sparse_heads = 1, bool full_top_k = false,
                              bool dense_prompt = false) {
  const double kv_split = m.mla ? 1.0 : std::min<double>(tp, m.kv_heads);
  const double decode_attended = decode > 0 ? decode * AttendedKeys(m, decode_keys / decode) : 0;
  const bool dsa = m.mla && m.sparse_attention;
  const bool sparse_prompt = dsa && !dense_prompt;
  const double prefill_attended = prefill <= 0 ? 0
                                  : dsa && dense_prompt
                                      ? prefill_keys
                                      : prefill * AttendedKeys(m, prefill_keys / prefill);
  // The keys whose attention FLOPs a DSA query pays (all top_k slots where the kernel runs them).
  const double dsa_slots = dsa && full_top_k ? m.sparse_attention->top_k : 0;
  const double decode_computed = dsa_slots > 0 ? decode * dsa_slots : decode_attended;
  const double prefill_computed =
      dsa_slots > 0 && sparse_prompt ? prefill * dsa_slots : prefill_attended;
  const double decode_key_flops = dsa ? s.decode_key_flops * sparse_heads : s.decode_key_flops;
  const double prefill_key_flops =
      sparse_prompt ? s.decode_key_flops * sparse_heads : s.prefill_key_flops;
  // Sliding-window layers read at most `window` keys per query (at the mean context, as DSA).
  const double decode_windowed = decode > 0 ? decode * std::min(decode_keys / decode, s.window) : 0;
  const double prefill_windowed =
      prefill > 0 ? prefill * std::min(prefill_keys / prefill, s.window) : 0;
  AttentionWork w;
  const double decode_flops = decode_computed * decode_key_flops + decode * s.linear_decode_flops +
                              decode_windowed * s.window_key_flops;
  const double prefill_flops = prefill_computed * prefill_key_flops +
                               prefill * s.linear_prefill_flops +
                               prefill_windowed * s.window_key_flops;
  const double indexer_flops =
      (verify * decode_keys + (dense_prompt ? 0 : prefill_keys)) * s.indexer_key_flops;
  w.flops = (verify * decode_flops + prefill_flops) / tp + indexer_flops;
  if (sparse_prompt) w.sparse_prefill_flops = prefill_computed * prefill_key_flops / tp;
  if (dsa) w.sparse_decode_flops = verify * decode_computed * decode_key_flops / tp;
  if (m.mla && !m.sparse_attention)
    w.mla_decode_flops = verify * decode_attended * s.decode_key_flops / tp;
  // The indexer keeps one key per token (not split by heads); a linear state is split by heads.
  const double kv_read =
      (decode_attended * s.kv_attended_per_token + decode_windowed * s.window_kv_per_token) /
      kv_split;
  w.bytes = kv_read + decode_keys * s.kv_indexer_per_token + 2 * decode * s.state_bytes / tp;
  if (!m.mla) w.head_kv_bytes = kv_read;
  return w;
}

// One step of an attention group: `decode` sequences produce one token each (plus the
// draft tokens they verify with MTP), attending to `decode_keys` cached tokens in all, and
// `prefill` prompt tokens are computed alongside, attending to `prefill_keys` tokens in all.
// `instance_tokens`, when not negative, is what all dp groups of the instance compute in this step
// (each chip's experts serve them all); negative: the dp groups run alike.
// `padding`: empty decode slots of a padded CUDA-graph batch, computed through the linear
// layers, the experts and the dispatch like a running sequence but with no cache to attend to.
// `instance_padding`, when not negative, is how many of `instance_tokens` are such slots (all
// groups'); negative: the dp groups pad alike.
// The engine's host loop between two steps for `decode` running requests (schedule them, prepare
// their inputs, update each with its token), which the GPU waits for unless the engine schedules
// a step ahead; once per scheduler call.
double HostLoopSeconds(const EngineLimits& limits, double decode) {
  if (limits.host_seq_us <= 0 || limits.async_scheduling || decode <= 0) return 0;
  return limits.host_seq_us * 1e-6 * decode / std::max(1, limits.scheduler_steps);
}

Step StepTimeOfBatch(const Context& x, const InferenceLayout& l, double decode, double decode_keys,
                     double prefill, double prefill_keys, double instance_tokens_given = -1,
                     double padding = 0, double instance_padding = -1) {
  // An engine that runs its prompts in passes of their own beside one padded decode pass
  // (vLLM-Gaudi, decode_batch_padded: hpu_model_runner's PREFILLS, then 'Decodes run as one
  // single batch', S3930): an iteration with both is the two passes, each streaming the weights.
  if (x.job.limits.decode_batch_padded && prefill > 0 && decode + padding > 0) {
    const Step a = StepTimeOfBatch(x, l, 0, 0, prefill, prefill_keys, instance_tokens_given, 0,
                                   instance_tokens_given >= 0 ? instance_padding : 0);
    const Step b = StepTimeOfBatch(x, l, decode, decode_keys, 0, 0, instance_tokens_given, padding,
                                   instance_padding);
    Step both;
    both.linear_s = a.linear_s + b.linear_s;
    both.attention_s = a.attention_s + b.attention_s;
    both.comm_s = a.comm_s + b.comm_s;
    both.overhead_s = a.overhead_s + b.overhead_s;
    both.compute_bound = a.total() >= b.total() ? a.compute_bound : b.compute_bound;
    return both;
  }
  const auto& m = *x.job.model;
  const auto& s = x.s;
  const auto& p = s.p;
  const auto& cal = x.job.calibration;
  const auto& sys = x.job.system;
  const double tp = l.tp;
  // With MTP each running sequence verifies its draft tokens in the same pass.
  const double verify = 1.0 + x.job.mtp_depth;
  const double tokens = (decode + padding) * verify + prefill;  // per group
  const double instance_tokens = instance_tokens_given >= 0 ? instance_tokens_given : tokens * l.dp;
  // Tensor-parallel experts (ep 1) split over expert_tp chips, each running all the tokens its
  // MoE serves through its slice: the group's, or under attention data parallel the instance's
  // (ExpertTp). Shared experts over shared_tp chips (SharedExpertTp).
  const double expert_tp = ExpertTp(l);
  const double shared_tp = SharedExpertTp(l);
  const double moe_tokens = l.ep == 1 && l.dp > 1 ? instance_tokens : tokens;
  Step st;

  // Weights streamed once per step; routed experts only as far as touched.
  double routed_bytes = 0;
  double routed_flops = 0;
  RoutedActivationBytes activations;  // per step, all MoE layers
  if (p.moe_layers > 0) {
    const double pick = static_cast<double>(p.top_k) / p.routed_experts;
    // The padded slots are one dummy request repeated (TensorRT-LLM's CUDAGraphRunner extends the
    // batch with [padding_dummy_request] * padding_size, S4151): one input, so one set of top_k
    // experts for all of them (verify tokens a slot), not top_k fresh picks each.
    const double padded = instance_padding >= 0 ? instance_padding : padding * verify * l.dp;
    const double distinct = instance_tokens - padded + std::min(padded, verify);
    const double touched = 1 - MemoPow(1 - pick, distinct);
    routed_bytes = p.moe_layers * ExpertsPerChip(s, l) * touched * p.expert * x.f.experts.bytes;
    const double imbalance = x.job.serving.moe_load_imbalance;
    double assignments =
        l.ep > 1 ? instance_tokens * p.top_k * imbalance / l.ep : moe_tokens * p.top_k / expert_tp;
    const int block_m = x.job.limits.moe_gemm_block_m;
    if (l.ep > 1 && block_m > 1 && decode > 0 &&
        Lists(x.job.limits.moe_gemm_families, x.job.chip->family)) {
      // Expert-parallel decode through a grouped GEMM whose tiles hold block_m rows: each local
      // expert's tokens run in whole tiles (its count a Poisson draw about the mean).
      const double per_expert = instance_tokens * p.top_k / p.routed_experts;
      assignments = ExpertsPerChip(s, l) * TiledRows(per_expert, block_m) * imbalance;
    }
    routed_flops = 2 * p.moe_layers * assignments * p.expert;
    if (Lists(x.job.limits.moe_activation_families, x.job.chip->family)) {
      // `assignments` counts whole experts' work a chip does (1/expert_tp of each copy's under
      // tensor-parallel experts); each of those chips runs every copy through its slice.
      const double rows = assignments * expert_tp;
      const double width = m.moe->expert_ffn / expert_tp;
      const ServingDType d = x.job.expert_dtype.value_or(x.job.dtype);
      const double token_bytes =
          d == ServingDType::kFp8 || d == ServingDType::kInt8 || d == ServingDType::kW4A8
              ? 1
              : kActivationBytes;
      const auto b = RoutedActivationBytesOf(rows, p.top_k, m.hidden, width, token_bytes);
      activations.in_gemms = p.moe_layers * b.in_gemms;
      activations.between = p.moe_layers * b.between;
      // Expert parallelism without an all-to-all kernel (each rank holds its tensor-parallel
      // group's tokens, or under attention data parallel all groups' gathered ones): an engine
      // whose MoE kernels keep a row for every routed copy of those tokens (moe_ep_all_route_rows:
      // vLLM's fused_experts with an expert_map) writes zeros into both GEMMs' outputs for the
      // copies bound for other ranks' experts without reading their inputs, runs the activation
      // over them and sums them with the rest.
      if (l.ep > 1 && x.job.limits.moe_ep_all_route_rows && !x.job.limits.moe_all_to_all &&
          !AttentionDpAllToAll(x.job, l)) {
        const double others = std::max(0.0, instance_tokens * p.top_k - rows);
        const auto o = RoutedActivationBytesOf(others, p.top_k, m.hidden, width, token_bytes);
        activations.in_gemms +=
            p.moe_layers * (o.in_gemms - others * token_bytes * (m.hidden + width));
        activations.between += p.moe_layers * o.between;
      }
    }
  }
  const double weight_bytes = TpShare(s.nonexpert_read, s.replicated, tp) * x.f.dense.bytes +
                              s.shared / shared_tp * x.f.experts.bytes + routed_bytes +
                              s.mtp_projection * kActivationBytes;
  // The LM head's logits only for the last scheduled token of each request: a decode slot's (and
  // its verified draft tokens'), not every prompt token's. vLLM computes them at logits_indices,
  // one per request (gpu_model_runner: hidden_states[logits_indices], S3500); SGLang's
  // LogitsProcessor prunes a prefill to each sequence's last index unless input logprobs are
  // asked for (S3501). A prompt chunk's one row is left out (one of the chunk's tokens).
  // A draft pass (an MTP module's) takes logits at one position a sequence, the last: its pass
  // over the verified tokens runs the head on 1 of the mtp_depth + 1 (SGLang's
  // forward_draft_extend_after_decode: num_tokens_for_logprob_per_req 1, capture_hidden_mode LAST,
  // S3877; vLLM's EagleProposer.propose: compute_logits(last_hidden_states[last_token_indices]),
  // one index a request, S3878). The target's verifying pass needs them at all of them.
  const double headless = prefill + (x.draft_pass ? (decode + padding) * x.job.mtp_depth : 0.0);
  const double dense_flops =
      2 * (tokens * (TpShare(s.active_per_token, s.replicated, tp) + s.mtp_projection) -
           headless * p.embedding / tp);
  const double expert_flops =
      2 * (shared_tp == tp ? tokens : moe_tokens) * s.shared / shared_tp + routed_flops;
  // The routed experts through the Triton fused_moe kernel where the engine runs it on this family
  // (Formats::fused_moe_peak): a rate set by the GEMMs' reduction lengths, the down GEMM's an
  // expert's columns on the chip (1/expert_tp of them under tensor-parallel experts). Not where
  // an all-to-all exchanges the experts' tokens: DeepEP hands them to DeepGEMM's grouped GEMMs, at
  // the family's rate.
  double routed_rate = x.f.experts.rate();
  if (x.f.fused_moe_peak > 0 && routed_flops > 0 &&
      !(l.ep > 1 && l.dp > 1 && AttentionDpAllToAll(x.job, l))) {
    const double width = m.moe->expert_ffn / expert_tp;
    // The kernel's config key (vLLM's E=..,N=..,device_name=.. file): the experts on a chip and
    // an expert's columns on it.
    const int kernel_experts =
        l.ep > 1 ? static_cast<int>(std::ceil(static_cast<double>(p.routed_experts) / l.ep))
                 : p.routed_experts;
    const double peak = x.f.fused_moe_default_peak > 0 &&
                                UntunedMoeShape(x.job.limits.untuned_moe_configs, kernel_experts,
                                                width, x.job.chip->id, x.f.fused_moe_dtype)
                            ? x.f.fused_moe_default_peak
                            : x.f.fused_moe_peak;
    routed_rate = peak * FusedMoeEfficiency(1.0, cal.triton_moe_tile_k_overhead, m.hidden, width);
  }
  // Roofline per step: small batches are bound by streaming the weights. A family with a
  // smooth roofline (exponent n) charges (read^n + math^n)^(1/n): the read is only partly hidden
  // behind the math where the two are alike.
  // Dense NVFP4 GEMMs at the part's measured shape law (Fp4DenseGemmShapeFactor).
  const double dense_shape = x.f.dense.fp4 ? Fp4DenseGemmShapeFactor(*x.job.chip, m, tp) : 1.0;
  const double lin_compute =
      dense_flops * dense_shape / x.f.dense.rate() +
      (expert_flops > 0 ? (expert_flops - routed_flops) / x.f.experts.rate() : 0) +
      (routed_flops > 0 ? routed_flops / routed_rate : 0);
  double lin_memory = (weight_bytes + activations.in_gemms) / x.f.mem_bw;
  // An engine whose GEMMs of the non-expert layer weights (attention projections, dense MLPs,
  // shared experts; not the LM head, router or norms) stream them slower than the memory at
  // decode-sized batches on this chip family (EngineLimits::dense_gemm_gb_s: skinny GEMMs of too
  // few workgroups to reach HBM bandwidth) reads those bytes at its measured rate instead. The
  // rate is that of block-scaled FP8 GEMMs (aiter's A8W8 block-scale kernels), so it applies to a
  // checkpoint released in block-scaled FP8 whose layer weights are served in FP8; FP8 with one
  // scale per tensor runs hipBLASLt's GEMMs at the memory's rate.
  const bool block_scaled_fp8 =
      x.job.attention_dtype.value_or(x.job.dtype) == ServingDType::kFp8 && Fp8BlockScaled(x.job);
  if (const auto rate = x.job.limits.dense_gemm_gb_s.find(x.job.chip->family);
      block_scaled_fp8 && rate != x.job.limits.dense_gemm_gb_s.end() &&
      rate->second * 1e9 < x.f.mem_bw) {
    const double layer_bytes =
        TpShare(p.dense_layers * (p.attention + p.dense_mlp) + p.moe_layers * p.attention,
                s.replicated, tp) *
            x.f.dense.bytes +
        s.shared / shared_tp * x.f.experts.bytes;
    lin_memory += layer_bytes * (1 / (rate->second * 1e9) - 1 / x.f.mem_bw);
  } else if (const auto* per_sm = LayerGemmSmRates(x.job, x.f);
             per_sm != nullptr && x.job.chip->sm_count.known()) {
    // An engine whose decode-sized GEMMs keep a fixed number of bytes in flight an SM (cuBLAS's
    // 16-bit GEMMs, the block-scaled FP8 GEMMs: EngineLimits::bf16_gemm_sm_gb_s,
    // fp8_gemm_sm_gb_s) reads the non-expert layer weights, the shared experts in the same
    // format and the LM head at most at sm_count x its rate an SM: below the memory's on a part
    // with few SMs for its bandwidth (H20: 78 SMs on 4.0 TB/s).
    if (const auto it = per_sm->find(x.job.chip->family); it != per_sm->end()) {
      const double sms_rate = *x.job.chip->sm_count.value * it->second * 1e9;
      if (sms_rate < x.f.mem_bw) {
        const bool shared_alike = x.f.experts.bytes == x.f.dense.bytes && !x.f.experts.weight_only;
        const double layer_bytes =
            (TpShare(p.dense_layers * (p.attention + p.dense_mlp) + p.moe_layers * p.attention,
                     s.replicated, tp) +
             p.embedding / tp) *
                x.f.dense.bytes +
            (shared_alike ? s.shared / shared_tp * x.f.experts.bytes : 0);
        lin_memory += layer_bytes * (1 / sms_rate - 1 / x.f.mem_bw);
      }
    }
  }
  // Weight-only 4-bit weights (int4: gpt-oss's MXFP4 experts on Hopper, AWQ/GPTQ) are converted
  // to 16 bits once a step as they stream in; where the family's kernels convert fewer a second
  // (weight_only_gweights_s) than the memory delivers, those weights take the conversion's time.
  if (cal.weight_only_gweights_s) {
    const double rate = *cal.weight_only_gweights_s * 1e9;  // weights a second
    double weights = 0, bytes = 0;
    if (x.f.dense.weight_only) {
      weights += TpShare(s.nonexpert_read, s.replicated, tp);
      bytes += TpShare(s.nonexpert_read, s.replicated, tp) * x.f.dense.bytes;
    }
    if (x.f.experts.weight_only) {
      const double expert_weights = s.shared / shared_tp + routed_bytes / x.f.experts.bytes;
      weights += expert_weights;
      bytes += expert_weights * x.f.experts.bytes;
    }
    lin_memory += std::max(0.0, weights / rate - bytes / x.f.mem_bw);
  }
  st.linear_s = SmoothRoofline(lin_compute, lin_memory, cal.serving_roofline_exponent) +
                activations.between / x.f.mem_bw;

  // Attention: decode reads the KV cache; prefill is causal over the prompt.
  // DSA through kernels that compute whole tiles of query heads (EngineLimits::
  // sparse_mla_head_tile): a chip's heads / tp rounded up to the tile, over all top_k slots.
  double sparse_heads = 1;
  bool full_top_k = false;
  if (const auto tile = x.job.limits.sparse_mla_head_tile.find(x.job.chip->family);
      m.sparse_attention && tile != x.job.limits.sparse_mla_head_tile.end()) {
    const double heads = m.heads / tp;
    sparse_heads = std::ceil(heads / tile->second) * tile->second / heads;
    full_top_k = true;
  }
  // An engine that runs DSA prompt batches within the indexer's reach dense (EngineLimits::
  // dsa_short_prefill_mha: SGLang when every sequence of the batch is at most top_k long). The
  // batch's longest sequence is taken from its prompt tokens' mean context m and their count c as
  // min(m + c / 2, 2 m): exact for a chunk of one prompt (m + c / 2) and for whole prompts of one
  // length from their start (2 m).
  const double mean_context = prefill > 0 ? prefill_keys / prefill : 0;
  const bool dense_prompt =
      x.job.limits.dsa_short_prefill_mha && m.sparse_attention && prefill > 0 &&
      std::min(mean_context + prefill / 2, 2 * mean_context) <= m.sparse_attention->top_k;
  const AttentionWork attn = AttentionOfStep(m, s, tp, decode, decode_keys, verify, prefill,
                                             prefill_keys, sparse_heads, full_top_k, dense_prompt);
  // Dense MLA's decode queries run the MLA decode kernel, at its measured compute-bound rate
  // where the family has one; the rest (prefill, indexer, linear and windowed layers) at the
  // family's attention efficiency. Verified draft tokens add FLOPs, not cache reads.
  const std::optional<double> mla_eff =
      x.f.fp8_attention ? cal.fp8_mla_decode_efficiency : cal.mla_decode_efficiency;
  // A DSA model's prompt tokens through the engine's sparse kernel at its measured rate on the
  // family (EngineLimits::sparse_prefill_efficiency), where it has one.
  const auto sparse_eff = x.job.limits.sparse_prefill_efficiency.find(x.job.chip->family);
  const bool sparse_eff_listed = sparse_eff != x.job.limits.sparse_prefill_efficiency.end();
  double sparse_prefill_flops = sparse_eff_listed ? attn.sparse_prefill_flops : 0;
  double sparse_prefill_s = sparse_prefill_flops > 0
                                ? sparse_prefill_flops / (x.f.attention_peak * sparse_eff->second)
                                : 0;
  // DSA over an FP8 cache (FlashMLA's "FP8 with scale" format) where the family has the sparse
  // decode kernel's measured rate: that kernel dequantizes every attended key to 16 bits on the
  // CUDA cores and multiplies in 16 bits, so its FLOPs go at the 16-bit peak (not the FP8 one an
  // engine's dense MLA kernel reaches on the same cache), at its measured rate, over a query's
  // heads padded to the kernel's cluster (where the engine runs every top_k slot through a head
  // tile, sparse_mla_head_tile: FlashMLA's kernels). The decode queries take it; so do the prompt
  // tokens where the engine runs them in the same batch below dsa_fp8_prefill_min_heads heads a
  // chip; else the prompt tokens take the sparse prefill kernel over the keys upconverted to 16
  // bits, at the 16-bit peak too.
  double sparse_decode_flops = 0;
  double sparse_decode_s = 0;
  if (m.sparse_attention && x.f.fp8_kv && cal.fp8_sparse_mla_decode_efficiency) {
    const double heads = m.heads / tp;
    const double cluster = cal.fp8_sparse_mla_decode_head_cluster;
    const double repad = full_top_k && cluster > 0
                             ? std::ceil(heads / cluster) * cluster / heads / sparse_heads
                             : 1.0;
    sparse_decode_flops = attn.sparse_decode_flops;
    sparse_prefill_flops = attn.sparse_prefill_flops;
    if (heads < x.job.limits.dsa_fp8_prefill_min_heads) {
      sparse_decode_flops += sparse_prefill_flops;
      sparse_prefill_flops = 0;
    }
    sparse_decode_s = sparse_decode_flops * repad /
                      (x.f.half_attention_peak * *cal.fp8_sparse_mla_decode_efficiency);
    sparse_prefill_s = sparse_prefill_flops /
                       (x.f.half_attention_peak *
                        (sparse_eff_listed ? sparse_eff->second : cal.attention_efficiency));
  }
  const double attn_compute =
      (attn.flops - attn.mla_decode_flops - sparse_prefill_flops - sparse_decode_flops) /
          (x.f.attention_peak * cal.attention_efficiency) +
      attn.mla_decode_flops / (x.f.attention_peak * mla_eff.value_or(cal.attention_efficiency)) +
      sparse_prefill_s + sparse_decode_s;
  double attn_memory = attn.bytes / x.f.mem_bw;
  // An engine whose decode attention kernel keeps a fixed number of bytes in flight an SM
  // (EngineLimits::decode_kv_sm_gb_s: FlashAttention-3's paged decode, SGLang's default on
  // Hopper) reads the per-head KV cache at most at sm_count x its rate an SM: below the memory's
  // on a part with few SMs for its bandwidth (H20: 78 SMs on 4.0 TB/s).
  if (const auto it = x.job.limits.decode_kv_sm_gb_s.find(x.job.chip->family);
      attn.head_kv_bytes > 0 && it != x.job.limits.decode_kv_sm_gb_s.end() &&
      x.job.chip->sm_count.known()) {
    const double sms_rate = *x.job.chip->sm_count.value * it->second * 1e9;
    if (sms_rate < x.f.mem_bw) attn_memory += attn.head_kv_bytes * (1 / sms_rate - 1 / x.f.mem_bw);
  }
  st.attention_s = std::max(attn_compute, attn_memory);
  st.compute_bound = lin_compute + attn_compute > lin_memory + attn_memory;

  // Tensor parallel: two all-reduces per layer.
  if (l.tp > 1) {
    st.comm_s += 2 * m.layers * TpAllReduceSeconds(tokens * m.hidden * kActivationBytes, l.tp, sys);
  }
  // Expert parallel: dispatch and combine per MoE layer. Prefill batches use
  // node-limited routing (one scale-out copy per remote domain, then
  // scale-up forwarding); decode's low-latency kernels send every copy
  // directly. Measured serving systems do not hide this traffic behind
  // compute (DeepEP: 0.5 ms per layer for 128 tokens at EP64-256), so it adds.
  // With no engine named, an expert group inside one node whose NVLink domain is that node (an
  // HGX board) exchanges as the engines do by default there: vLLM's all2all backend
  // allgather_reducescatter (S2760), SGLang's moe_a2a_backend none, all-gather or all-reduce
  // dispatch (S2761), TensorRT-LLM's CutlassFusedMoE (S1901). The all-to-all kernels are opt-in
  // for expert groups across nodes (DeepEP: S2760, S2761) or taken over multi-node NVLink
  // (TensorRT-LLM's one-sided all-to-all on NVL72, S2260); there the all-to-all stays.
  double exchange_fixed_s = 0;  // the engine's all-to-all path, per iteration (below)
  if (p.moe_layers > 0 && l.dp > 1 && (l.ep == 1 || !AttentionDpAllToAll(x.job, l))) {
    // Attention data parallel by all-gather and reduce-scatter (TensorRT-LLM's CutlassFusedMoE,
    // S1901): every rank gathers all ranks' tokens in the format its experts take them (FP8 with
    // one scale per tensor and NVFP4 are quantized before the gather; block-scaled FP8 and 16-bit
    // math gather 16-bit tokens), runs its experts over them all and reduce-scatters the 16-bit
    // outputs: each rank moves ep - 1 ranks' tokens each way whatever top_k is.
    // Tensor-parallel experts under attention DP (ep 1) take the same two collectives over the
    // tp x dp chips, the outputs being each chip's partial sums of every token (SGLang's
    // dp_gather before the MoE and dp_reduce_scatter_tensor after it, "all_reduce is skipped after
    // MLP and MOE and reduce scatter is used here instead", S3600); the gather carries the 16-bit
    // hidden states the attention produced, the experts quantizing them inside their kernel.
    const int group = l.tp * l.dp;
    const auto g = PlaceGroup(group, 1, sys.scale_up_domain);
    const double gathered = tokens / tp * m.hidden * group;
    const double in_bytes = l.ep > 1 ? MoeGatherBytes(x) : kActivationBytes;
    if (prefill > 0 && x.job.limits.dp_prefill_gather_all_reduce) {
      // An engine that gathers a batch with prompt tokens in it by an all-reduce of a zeroed
      // buffer of all ranks' 16-bit rows, and all-reduces the MoE output before each rank copies
      // its rows back (SGLang's SUM_LEN padding, S3600): two all-reduces of the whole buffer, at
      // the cost of the tensor-parallel all-reduce over the group (the engines' kernels, or the
      // switch's reduction where the scale-up network has it).
      st.comm_s += p.moe_layers * 2 * TpAllReduceSeconds(gathered * kActivationBytes, group, sys);
    } else {
      st.comm_s += p.moe_layers * (AllGatherSeconds(gathered * in_bytes, g, sys) +
                                   AllGatherSeconds(gathered * kActivationBytes, g, sys));
    }
  } else if (p.moe_layers > 0 && l.ep > 1 && OneSidedMoeExchange(x.job, l)) {
    // The engine's one-sided NVLink all-to-all (TensorRT-LLM's NVLinkOneSided, its default inside
    // one NVLink domain from 1.2; tech blog 18, S2260): each token written once to each other rank
    // that holds one of its experts ("at most once per (src -> tgt) pair"), at most
    // MaxRanksPerToken ranks, quantized before the dispatch as the experts take it (NVFP4: 4,032
    // bytes a 7,168-wide token), the 16-bit outputs read back by the combine; the local rank's
    // share stays. At the scale-up tier's achievable bandwidth, plus the kernel pair's fixed time
    // (one_sided_moe_layer_us, charged with the iteration's fixed costs below).
    const double ranks = MaxRanksPerToken(*m.moe, l.ep);
    const double copies = tokens / tp * ranks * (l.ep - 1.0) / l.ep;
    st.comm_s +=
        p.moe_layers * OneSidedExchangeSeconds(copies, m.hidden * MoeGatherBytes(x),
                                               m.hidden * kActivationBytes, 0, sys.scale_up);
    exchange_fixed_s =
        x.job.limits.one_sided_moe_layer_us.at(x.job.chip->family) * 1e-6 * p.moe_layers / l.pp;
  } else if (p.moe_layers > 0 && l.ep > 1) {
    const auto g = PlaceGroup(l.ep, 1, sys.scale_up_domain);
    const double n = g.size;
    double inter = p.top_k * (n - g.per_domain) / n;
    double intra = p.top_k * (g.per_domain - 1) / n;
    const int max_domains = MaxDomainsPerToken(*m.moe, l.ep, g.per_domain);
    if (prefill > decode && max_domains > 0 && g.domains() > 1) {
      const double remote = max_domains * (g.domains() - 1.0) / g.domains();
      if (remote < inter) {
        inter = remote;
        intra = p.top_k * (g.per_domain - 1.0) / g.per_domain;
      }
    }
    const double dispatch_bytes = x.f.experts.bytes <= 1 ? 1 : 2;
    // A system with measured low-latency exchange kernels (DeepEP-Ascend on the A3, S2300) sends
    // each rank's decode tokens (a rank: a die of the chip) as top_k copies at the kernels'
    // measured rates, INT8 (or 16-bit) tokens out and 16-bit results back. Prompt tokens keep the
    // alpha-beta all-to-all below (CloudMatrix-Infer's prefill, calibrated, hides part of it
    // behind compute by micro-batches).
    double exchanged = tokens;
    const auto& up = sys.scale_up;
    // Where the tier also has the kernels' measured fixed time (moe_ll_fixed_us: CloudMatrix's
    // fused dispatch and combine, S3200), a decode-only attention-DP step takes the low-latency
    // pricing below (that fixed time plus the copies at the tier's bandwidth) in place of the
    // rates, which are 128-token averages and scale the kernels' latency down with the tokens:
    // unless the engine's own fixed time on the family (ep_moe_layer_us, SGLang's DeepEP-Ascend
    // path) already holds that latency, as it was read with the rates in place.
    // (The engine's map is looked up last: only steps on such a tier pay it.)
    const bool ll_fixed = up.moe_ll_fixed_us > 0 && prefill == 0 && l.dp > 1 && g.domains() == 1 &&
                          !x.job.limits.ep_moe_layer_us.contains(x.job.chip->family);
    if (up.moe_dispatch_gb_s > 0 && up.moe_combine_gb_s > 0 && g.domains() == 1 && !ll_fixed) {
      exchanged = prefill;
      const double copies = (tokens - prefill) / tp * p.top_k * m.hidden / up.ranks_per_chip;
      st.comm_s += p.moe_layers * copies *
                   (dispatch_bytes / (up.moe_dispatch_gb_s * 1e9) +
                    kActivationBytes / (up.moe_combine_gb_s * 1e9));
    }
    // A step of decode tokens only, attention data parallel, the expert group inside one scale-up
    // domain where the system has the low-latency kernels' measured fixed time there
    // (NetworkTier::moe_ll_fixed_us: DeepEP's low-latency dispatch and combine over NVLink, which
    // SGLang's wide-EP decode takes): every token's top_k copies, the rank's own among them (the
    // kernels write each through the same receive buffers, S4520), out in the experts' format and
    // back in 16 bits at the tier's achievable bandwidth, plus the pair's fixed time at the
    // group's size (LowLatencyFixedUs: grown from the measured group by log2 of the ranks), in
    // place of the alpha-beta all-to-all (whose 2 x latency_us a layer is the NCCL-style
    // collective's).
    if (exchanged > 0 && prefill == 0 && l.dp > 1 && g.domains() == 1 && up.moe_ll_fixed_us > 0) {
      st.comm_s += p.moe_layers *
                   OneSidedExchangeSeconds(exchanged / tp * p.top_k, m.hidden * dispatch_bytes,
                                           m.hidden * kActivationBytes,
                                           LowLatencyFixedUs(up, l.ep * up.ranks_per_chip), up);
      exchanged = 0;
    }
    // A step of decode tokens only across nodes where the system has measured low-latency
    // kernels between them (DeepEP's, scale_out.moe_ll_*; the engines take them for batches
    // with no prompt tokens: SGLang's deepep auto mode): each rank's copies to the other nodes
    // at the kernels' measured rate plus the pair's fixed time at the group's node count, in
    // place of the alpha-beta all-to-all (whose copies inside the node go over NVLink alongside).
    if (exchanged > 0 && prefill == 0 && g.domains() > 1) {
      const double cross = exchanged / tp * m.hidden * inter;  // a chip's, over its NIC share
      const double ll = LowLatencyExchangeSeconds(cross * (dispatch_bytes + kActivationBytes),
                                                  g.domains(), sys.scale_out);
      if (ll >= 0) {
        st.comm_s += p.moe_layers * ll;
        exchanged = 0;
      }
    }
    const double per_token = exchanged / tp * m.hidden;
    auto a2a = [&](double b) {
      return AllToAllSplitSeconds(per_token * intra * b, per_token * inter * b, sys);
    };
    if (exchanged > 0) st.comm_s += p.moe_layers * (a2a(dispatch_bytes) + a2a(kActivationBytes));
    // The engine's exchange path on this chip family beyond the bytes it moves: a fixed time per
    // MoE layer of every expert-parallel iteration (EngineLimits::ep_moe_layer_us), charged with
    // the iteration's fixed costs below.
    if (const auto us = x.job.limits.ep_moe_layer_us.find(x.job.chip->family);
        us != x.job.limits.ep_moe_layer_us.end()) {
      exchange_fixed_s = us->second * 1e-6 * p.moe_layers / l.pp;
    }
    // And a time per decode token each rank exchanges (EngineLimits::ep_moe_token_us): the
    // group's decode slots, verified draft tokens and padded ones included, over its tp chips and
    // each chip's ranks (dies).
    if (const auto us = x.job.limits.ep_moe_token_us.find(x.job.chip->family);
        us != x.job.limits.ep_moe_token_us.end()) {
      const double rank_tokens = (decode + padding) * verify / tp / up.ranks_per_chip;
      exchange_fixed_s += us->second * 1e-6 * rank_tokens * p.moe_layers / l.pp;
    }
  }
  if (l.pp > 1) {
    // The step's activations cross pp - 1 stage boundaries, inside the scale-up domain when the
    // whole pipeline fits in it.
    st.comm_s += (l.pp - 1) * PointToPointSeconds(tokens * m.hidden * kActivationBytes,
                                                  l.tp * l.pp <= sys.scale_up_domain, sys);
  }
  // The iteration's fixed cost: where the engine replays CUDA graphs on this chip family, the
  // graph's per-layer kernel gaps (graph_layer_us; an eager step keeps them under its launch
  // floor, EagerLaunchSeconds); elsewhere the family's, measured on an engine that launches every
  // iteration from the host (serving_step_overhead_ms).
  // graph_layer_us_by_family: the engine's own per-layer cost where it was measured on the
  // family (vLLM 0.14-0.16 on CDNA 4 under AMD's harness).
  if (Lists(x.job.limits.cuda_graph_families, x.job.chip->family)) {
    const auto& by_family = x.job.limits.graph_layer_us_by_family;
    const auto own = by_family.find(x.job.chip->family);
    // Its device part runs at the chip's clock (Formats::clocked_layer_extra_us).
    const double layer_us = own != by_family.end() ? own->second + x.f.clocked_layer_extra_us
                                                   : x.job.limits.graph_layer_us;
    st.overhead_s = layer_us * 1e-6 * m.layers / l.pp;
  } else {
    st.overhead_s = HarnessStepSeconds(x.job);
  }
  // The engine's host loop between steps, per running request (scheduling, input preparation,
  // output processing), while the GPU waits: once per scheduler call.
  st.overhead_s += HostLoopSeconds(x.job.limits, decode);
  // FP8 layer weights: the engine's activation-quantization kernels before each FP8 GEMM, a fixed
  // time a layer of the stage in every iteration (EngineLimits::fp8_quant_layer_us).
  if (const auto it = x.job.limits.fp8_quant_layer_us.find(x.job.chip->family);
      it != x.job.limits.fp8_quant_layer_us.end() &&
      x.job.attention_dtype.value_or(x.job.dtype) == ServingDType::kFp8) {
    st.overhead_s += it->second * 1e-6 * m.layers / l.pp;
  }
  // The engine's MoE layer as a chain of separate kernels: a fixed time per MoE layer of the stage
  // in every iteration, whatever its tokens; the chain of the kernel the engine runs weight-only
  // 4-bit experts through where it has its own (vLLM's Marlin MoE).
  if (p.moe_layers > 0) {
    const auto& family = x.job.chip->family;
    const auto& by_family = x.job.limits.moe_layer_us_by_family;
    const auto& weight_only = x.job.limits.weight_only_moe_layer_us;
    const auto listed = by_family.find(family);
    double us = listed != by_family.end() ? listed->second : x.job.limits.moe_layer_us;
    if (const auto it = weight_only.find(family);
        x.f.experts.weight_only && it != weight_only.end()) {
      us = it->second;
    }
    // FP4 experts, where the engine runs them through its own fused kernel.
    const auto& fp4 = x.job.limits.fp4_moe_layer_us;
    if (const auto it = fp4.find(family); x.f.experts.fp4 && it != fp4.end()) {
      us = it->second;
    }
    // A backend the request names with its own small-batch chain (TensorRT-LLM's TRTLLM MoE:
    // routing, quantize, gate/up GEMM with the activation fused, down GEMM, finalize) where each
    // routed expert receives few rows: the step's tokens through the MoE (under attention data
    // parallel all groups') x top_k copies over the routed experts, verified drafts and padded
    // slots included; expert-parallel, every group's tokens over all the experts. The chain's
    // time was measured on DeepSeek's MoE, group-limited routing over 256 experts (S3711: 8
    // groups, top 4 groups); a model routing by plain top-k (gpt-oss, Qwen3) shows no chain
    // beyond the layer's graph gaps (graph_layer_us) on the engine's own runs: gpt-oss-120b on
    // TensorRT-LLM 1.2 at 4 clients on 2, 4 and 8 B200s leaves 54-55 us a layer for every fixed
    // cost, the all-reduces included (S4420, bench/RESULTS.md session 37 h2). So that chain is
    // charged for grouped routing only (the backends in backend_moe_group_routed_families); the
    // default CUTLASS backend's small-batch chain (S4532, measured on Llama 4 Scout's plain top-1
    // routing) for every MoE model.
    const auto& backend = x.job.limits.backend_moe_layer_us;
    const double expert_rows =
        (l.ep > 1 ? instance_tokens : moe_tokens) * p.top_k / std::max(1, p.routed_experts);
    if (const auto it = backend.find(family);
        it != backend.end() && expert_rows <= x.job.limits.backend_moe_max_expert_rows &&
        (x.f.experts.fp4 || !x.job.limits.backend_moe_fp4_only)) {
      const bool group_routed_only = Lists(x.job.limits.backend_moe_group_routed_families, family);
      us = !group_routed_only || (m.moe && m.moe->routing_groups > 0) ? it->second : 0;
    }
    st.overhead_s += us * 1e-6 * p.moe_layers / l.pp;
  }
  // The engine's own routing operators on the prompt path, where the experts are
  // tensor-parallel: every rank sorts, gathers and reduces all of its group's prompt tokens'
  // top_k routed rows, at the engine's measured time per row (EngineLimits::moe_prompt_row_ns);
  // an engine that runs one chain for every batch (EngineLimits::moe_decode_routing) routes its
  // decode slots' rows too, verified draft tokens and padded graph slots included.
  // Under attention data parallel each rank routes the rows of every group's tokens (taken in
  // the group's proportion of prompt and decode tokens).
  const double routed_tokens =
      (prefill + (x.job.limits.moe_decode_routing ? (decode + padding) * verify : 0)) *
      (tokens > 0 ? moe_tokens / tokens : 1);
  if (p.moe_layers > 0 && l.ep == 1 && routed_tokens > 0) {
    if (const auto ns = x.job.limits.moe_prompt_row_ns.find(x.job.chip->family);
        ns != x.job.limits.moe_prompt_row_ns.end()) {
      st.overhead_s += ns->second * 1e-9 * routed_tokens * p.top_k * p.moe_layers / l.pp;
    }
  }
  st.overhead_s += exchange_fixed_s;
  // The engine's per-token MoE kernels the roofline does not charge, for every decode slot of the
  // step (padded ones too: the graph runs them), in every MoE layer of this stage: passes over the
  // slot's hidden state (16-bit) at the achievable memory bandwidth. Under attention data parallel
  // every rank gathers all groups' tokens and runs its MoE kernels over them all (TensorRT-LLM's
  // CutlassFusedMoE: allgather, fused_moe over the sum of the ranks' tokens, reduce-scatter), so a
  // rank pays for the dp groups' slots. Under the one-sided all-to-all it runs them over the
  // tokens dispatched to it: each slot reaches at most MaxRanksPerToken of the ep ranks
  // (DeepSeek's group routing at EP 8: 4, half the gathered slots).
  // FP4 experts where the engine lists the family's own count for them (EngineLimits::
  // fp4_decode_token_passes: TensorRT-LLM's NVFP4 MoE op timed apart from its exchange) take that.
  // The op's own count was timed on the tokens entering it, whatever their phase (S4630): an
  // iteration's prompt tokens pass through the same kernels (routing, quantize, finalize) as its
  // decode slots, so there every token the instance runs through the MoE, all groups' prompt
  // tokens with their decode slots (TensorRT-LLM's inflight batching runs context and generation
  // requests in one forward, S4830). The 1.0-era chain's count stays on decode slots: it was
  // fitted end to end on iterations whose prompts (half as many tokens as their decode slots,
  // 1,024 / 2,048) it did not count, so they are in it.
  double passes = x.job.limits.decode_token_passes;
  bool every_token = false;
  if (const auto it = x.job.limits.fp4_decode_token_passes.find(x.job.chip->family);
      p.moe_layers > 0 && x.f.experts.fp4 && it != x.job.limits.fp4_decode_token_passes.end()) {
    passes = it->second;
    every_token = true;
  }
  if (p.moe_layers > 0 && passes > 0) {
    double slots = (decode + padding) * verify * l.dp;
    if (every_token && prefill > 0) slots = std::max(slots, instance_tokens);
    if (OneSidedMoeExchange(x.job, l)) {
      slots *= static_cast<double>(MaxRanksPerToken(*m.moe, l.ep)) / l.ep;
    }
    st.overhead_s +=
        passes * m.hidden * kActivationBytes / x.f.mem_bw * slots * p.moe_layers / l.pp;
  }
  if (x.draft && prefill > 0) {
    // The draft model prefills the prompt too.
    const Context draft{x.draft->job, x.f, x.draft->s};
    const Step d = StepTimeOfBatch(draft, l, 0, 0, prefill, prefill_keys);
    st.linear_s += d.linear_s + d.attention_s;
    st.comm_s += d.comm_s;
  }
  if (x.job.mtp_depth > 0 && decode > 0 && x.draft) {
    // A draft model proposes the tokens one at a time: depth decode steps of its own. The model's
    // MTP module takes as many passes, the first over each sequence's tokens the verify accepted
    // (the engines' draft extend: SGLang's forward_draft_extend_after_decode runs the module over
    // num_steps + 1 tokens a request in a captured graph, then num_steps - 1 passes of one token,
    // S3872; vLLM's and TensorRT-LLM's MTP proposers alike, S3873), so depth + 1 tokens a sequence
    // there and one in each of the others.
    const Context draft{x.draft->job, x.f, x.draft->s};
    const Step d = StepTimeOfBatch(draft, l, decode, decode_keys, 0, 0);
    // The draft's passes run inside the engine's iteration: one host loop for all, and where the
    // engine replays no graphs on this family one launch overhead of the iteration
    // (serving_step_overhead_ms); each pass keeps its own layers' fixed costs.
    const double shared_s =
        HostLoopSeconds(x.draft->job.limits, decode) +
        (Lists(x.job.limits.cuda_graph_families, x.job.chip->family) ? 0
                                                                     : HarnessStepSeconds(x.job));
    const auto add = [&](const Step& pass, double times) {
      st.linear_s += times * (pass.linear_s + pass.attention_s);
      st.comm_s += times * pass.comm_s;
      st.overhead_s += times * (pass.overhead_s - shared_s);
    };
    if (x.draft->mtp_module) {
      const Context extend{x.draft->extend, x.f, x.draft->s, nullptr, true};
      add(StepTimeOfBatch(extend, l, decode, decode_keys, 0, 0), 1);
      add(d, x.job.mtp_depth - 1);
    } else {
      add(d, x.job.mtp_depth);
    }
  } else if (x.job.mtp_depth > 0 && decode > 0 && !x.draft_pass) {
    // A draft head the catalog does not describe (an EAGLE head for a model without MTP
    // modules): one more layer run over the running sequences, once per draft position, before
    // the verifying pass.
    const double one_layer = (st.linear_s + st.attention_s) / verify / m.layers;
    st.linear_s += x.job.mtp_depth * one_layer;
  }
  return st;
}

// The step with `decode` sequences at mean context `decode_ctx`, and `prefill` prompt tokens of
// prompts `prompt` long computed alongside. Computed prompt tokens are the uncached tail of the
// prompt: they attend to the cached prefix and, causally, to each other.
Step StepTime(const Context& x, const InferenceLayout& l, double decode, double decode_ctx,
              double prefill, double prompt) {
  const double prefill_keys = prompt * (1 + x.job.prefix_cache_hit) / 2;
  // An engine that pads its running decodes to its bucket grid in every iteration computes the
  // padded slots at the steady state's batch as well (decode_batch_padded).
  double padding = 0;
  if (x.job.limits.decode_batch_padded && decode > 0) {
    for (int size : x.job.limits.graph_batch_sizes) {
      if (size >= decode) {
        padding = size - decode;
        break;
      }
    }
  }
  return StepTimeOfBatch(x, l, decode, decode * decode_ctx, prefill, prefill * prefill_keys, -1,
                         padding);
}

// Output tokens a running sequence gains per decode step: 1, plus the draft tokens accepted in a
// row, each with probability `acceptance` given the one before (DeepSeek-V3 Sec. 5.4.3 reports
// the second token accepted 85-90 % of the time, 1.8x tokens per second).
double TokensPerDecodeStep(const InferenceJob& job) {
  double tokens = 1, p = 1;
  for (int i = 0; i < job.mtp_depth; ++i) tokens += (p *= job.mtp_acceptance);
  return tokens;
}

struct Candidate {
  InferenceLayout layout;
  int batch = 0;
  int memory_batch = 0;
  Step step;
  double step_s = 0;
  double out_per_chip = 0;         // output tokens/s per chip of this (decode or aggregated) group
  double ttft_s = 0;               // mean, the prompt queue's wait included
  double ttft_p99_s = 0;           // live arrivals: the p99 the targets bound
  double ttft_p99_unqueued_s = 0;  // the same without waiting for other prompts
  double weights_gib = 0;
  double kv_gib = 0;
  int instances = 1;  // the instances the clients are dealt over (ClientsPerInstance)
};

}  // namespace

std::optional<double> EngineReserveBytes(const InferenceJob& job, const InferenceLayout& l) {
  const auto& limits = job.limits;
  const auto& r = limits.memory_reserve_mib;
  if (r.empty() || job.chip == nullptr || !job.chip->memory_gib.known() ||
      std::find(limits.memory_reserve_families.begin(), limits.memory_reserve_families.end(),
                job.chip->family) == limits.memory_reserve_families.end()) {
    return std::nullopt;
  }
  const auto term = [&](const char* key) {
    const auto it = r.find(key);
    return it == r.end() ? 0.0 : it->second;
  };
  const double gib = *job.chip->memory_gib.value;
  // Under attention data parallel the rule adds 3-4.5 MiB a captured slot a rank, which every
  // published recipe bounds with its own --cuda-graph-max-bs and --mem-fraction-static (the
  // default 512 slots would reserve 53 GiB of an H20 at dp 16): the engine's fraction stands.
  if (gib <= term("above_gib") || l.dp > 1) return std::nullopt;
  const int ranks = l.tp;
  // The prompt tokens of its largest prefill step: --chunked-prefill-size, the server's (before
  // attention DP divides it), or with chunking off --max-prefill-tokens.
  const double prompt_tokens =
      limits.chunked_prefill
          ? limits.max_batched_tokens.value_or(0)
          : limits.max_prefill_tokens.value_or(limits.max_batched_tokens.value_or(0));
  // The largest captured decode batch: the sizes given, else the part's default (fewer below
  // small_tp ranks on parts under small_tp_below_gib).
  const double graph_bs = !limits.graph_batch_sizes.empty() ? limits.graph_batch_sizes.back()
                          : (ranks < term("small_tp") && gib < term("small_tp_below_gib"))
                              ? term("graph_bs_small_tp")
                              : term("graph_bs");
  double mib = term("base") +
               std::max(prompt_tokens, term("min_prompt_tokens")) * term("prompt_token") +
               graph_bs * term("graph_seq") + ranks * l.pp * term("rank");
  mib = std::max(mib, term("floor"));
  if (job.mtp_depth > 0) mib += term("speculative");
  // mem_fraction_static is rounded to three places (of the MiB the part reports).
  const double fraction = std::round((gib * 1024 - mib) / (gib * 1024) * 1000) / 1000;
  return (1 - fraction) * gib * kGiB;
}

namespace {

double CapacityBytes(const Context& x, const InferenceLayout& l) {
  const double memory = *x.job.chip->memory_gib.value * kGiB;
  const auto& limits = x.job.limits;
  const double workspace = ServingReserveBytes(x.job, limits.max_num_seqs);
  const double weights = WeightBytesPerChip(x, l);
  // The engine's own rule for its memory fraction (SGLang: HBM less a reserve for activations
  // and CUDA graphs that grows with the layout), where the user gives no fraction.
  if (const auto reserve = EngineReserveBytes(x.job, l)) {
    return memory - *reserve - workspace - weights;
  }
  // An engine's memory fraction replaces the runtime's own reserve (it is what the engine leaves
  // to everything else): of the whole HBM (vLLM, SGLang), or of what the weights leave
  // (TensorRT-LLM).
  if (limits.kv_memory_fraction && limits.fraction_of_free_memory) {
    return (memory - x.job.calibration.memory_reserved_gib * kGiB - workspace - weights) *
           *limits.kv_memory_fraction;
  }
  const double usable = limits.kv_memory_fraction
                            ? memory * *limits.kv_memory_fraction
                            : memory - x.job.calibration.memory_reserved_gib * kGiB;
  return usable - workspace - weights;
}

}  // namespace

std::optional<int> DefaultRunningRequests(const InferenceJob& job, const InferenceLayout& l) {
  const auto& rule = job.limits.running_requests_default;
  if (rule.empty() || job.limits.max_num_seqs || job.model == nullptr || job.chip == nullptr ||
      !job.chip->memory_gib.known()) {
    return std::nullopt;
  }
  const auto term = [&](const char* key) {
    const auto it = rule.find(key);
    return it == rule.end() ? 0.0 : it->second;
  };
  // The server's cap under speculative decoding (EAGLE, NEXTN, a draft model), whatever the pool.
  if ((job.mtp_depth > 0 || job.draft_model != nullptr) && term("speculative") > 0) {
    return static_cast<int>(term("speculative"));
  }
  const auto formats = Resolve(job);
  if (!formats) return std::nullopt;
  const Shape s = MakeShape(*job.model, *formats);
  const std::optional<Draft> draft = MakeDraft(job, *formats);
  const Context x{job, *formats, s, draft ? &*draft : nullptr};
  const double per_token = KvBytesPerTokenOnChip(x, l);
  const double capacity = CapacityBytes(x, l);
  if (!(per_token > 0) || !(capacity > 0)) return std::nullopt;
  // Each rank's pool in tokens (max_total_num_tokens) and the request slots SGLang sizes from it
  // over the context it was started with: clamp(pool / context x 512, 2048, 4096), at most
  // pool / 2 (a request holds at least two tokens).
  const double pool = std::floor(capacity / per_token);
  const double context = job.limits.context_tokens.value_or(job.model->max_seq_len);
  double slots = context > 0 ? std::floor(pool / context * term("context_requests")) : term("max");
  slots = std::clamp(slots, term("min"), std::max(term("min"), term("max")));
  if (term("tokens_a_request") > 0)
    slots = std::min(slots, std::floor(pool / term("tokens_a_request")));
  if (slots < 1) return std::nullopt;
  // The server's figure, as --max-running-requests counts it: each of the dp ranks its own.
  const double server = slots * (job.limits.max_num_seqs_per_instance ? l.dp : 1);
  return static_cast<int>(std::min<double>(server, std::numeric_limits<int>::max()));
}

namespace {

// The prompt-token budget of one group's step (max_batched_tokens): SGLang under attention data
// parallel chunks prompts by each rank's // dp share of --chunked-prefill-size (ServerArgs, S3103),
// as the simulator runs it; unset: none.
std::optional<double> GroupTokenBudget(const EngineLimits& limits, const InferenceLayout& l) {
  if (!limits.max_batched_tokens) return std::nullopt;
  if (limits.max_batched_tokens_per_instance && limits.chunked_prefill && l.dp > 1) {
    return std::max(1.0, std::floor(*limits.max_batched_tokens / l.dp));
  }
  return limits.max_batched_tokens;
}

double ComputedPrompt(const InferenceJob& job);

// The largest running batch of a group of `l` the engine (and the clients) allow, with
// `prompt_per_output` prompt tokens computed per output token in the same steps (0: none). 0
// when neither sets a limit. The clients are `instance_clients` in flight on the instance, or
// (-1) the busiest instance's share of the job's (ClientsPerInstance).
int EngineBatch(const InferenceJob& job, const InferenceLayout& l, double prompt_per_output,
                int instance_clients = -1) {
  const EngineLimits limits = LimitsAt(job, l);
  double cap = kMaxBatch;
  if (limits.max_num_seqs) {
    // SGLang's --max-running-requests is the server's: under attention data parallel each rank's
    // scheduler admits max_running_requests // dp (S3014, S2863), as the simulator runs it.
    const int share = limits.max_num_seqs_per_instance && l.dp > 1
                          ? std::max(1, *limits.max_num_seqs / l.dp)
                          : *limits.max_num_seqs;
    cap = std::min<double>(cap, share);
  }
  if (limits.clients) {
    const int groups = l.dp * l.pp;
    const int clients = instance_clients >= 0 ? instance_clients : ClientsPerInstance(job, l).most;
    cap = std::min<double>(cap, std::max(1, (clients + groups - 1) / groups));
  }
  // Each step carries one token of every running sequence plus the prompt chunks it prefills.
  if (const auto budget = GroupTokenBudget(limits, l)) {
    cap = std::min(cap, *budget / (1 + prompt_per_output));
    // Whole prompts (chunked prefill off) in the steps the decodes run in (not a prefill batch
    // apart): a prompt is scheduled only if it fits in the budget beside every running sequence's
    // token (TensorRT-LLM's MicroBatchScheduler takes the generation requests first and stops at
    // the first context request that does not fit, S3631; vLLM's scheduler likewise), so at most
    // budget - prompt sequences run when the next prompt enters, one when the prompt fills the
    // budget alone: the simulator's admission (sim::RunServing).
    if (!limits.chunked_prefill && !limits.prefill_apart && prompt_per_output > 0) {
      cap = std::min(cap, std::max(1.0, *budget - std::ceil(ComputedPrompt(job))));
    }
  }
  if (!limits.max_num_seqs && !limits.max_batched_tokens && !limits.clients) return 0;
  return std::max(1, static_cast<int>(cap));
}

// The mean context of a running sequence: its prompt and half its output, the output's mean
// weighted by length (InferenceJob::output_length_ratio), at most the model's context.
double RunningContext(const InferenceJob& job) {
  return std::min(job.input_tokens + job.output_tokens * job.output_length_ratio / 2,
                  static_cast<double>(job.model->max_seq_len));
}

// The prompt tokens a request actually computes.
double ComputedPrompt(const InferenceJob& job) {
  return job.input_tokens * (1 - job.prefix_cache_hit);
}

// Prefill-only throughput of a group (computed prompt tokens per second per chip).
double PrefillRate(const Context& x, const InferenceLayout& l) {
  const Step st = StepTime(x, l, 0, 0, kPrefillChunkTokens, x.job.input_tokens);
  return kPrefillChunkTokens / st.total() / l.tp;
}

// The batch search of a decode (or aggregated, with `prefill_per_output` prompt tokens computed
// per output token) group under the latency targets.
class BatchSearch {
 public:
  // `instance_clients`: the closed loop's requests in flight on the instance (-1: the busiest
  // instance's share, EngineBatch).
  BatchSearch(const Context& x, const InferenceLayout& l, double prefill_per_output,
              int instance_clients = -1)
      : x_(x),
        l_(l),
        prefill_per_output_(prefill_per_output),
        ctx_(RunningContext(x.job)),
        // A multi-step call's lookahead slots (LookaheadKvTokens, taken at the call and written
        // over its steps): half of them held on average beyond the running context.
        per_seq_((ctx_ + LookaheadKvTokens(x.job.limits) / 2.0) * KvBytesPerTokenOnChip(x, l) +
                 x.s.state_bytes / l.tp + WindowKvBytesOnChip(x, l, ctx_)),
        capacity_(CapacityBytes(x, l)),
        memory_batch_(capacity_ > per_seq_
                          ? static_cast<int>(std::min<double>(kMaxBatch, capacity_ / per_seq_))
                          : 0),
        engine_batch_(EngineBatch(x.job, l, prefill_per_output, instance_clients)),
        clients_(!x.job.limits.clients   ? -1
                 : instance_clients >= 0 ? instance_clients
                                         : ClientsPerInstance(x.job, l).most),
        tail_(x.job.mode == ServingMode::kServer ? x.job.serving.server_tail_ratio : 1.0),
        computed_prompt_(ComputedPrompt(x.job)),
        launch_s_(EagerLaunchSeconds(x.job, l)),
        host_floor_s_(EagerHostSeconds(x.job, l, DraftPassLayers(x.draft))),
        budget_(GroupTokenBudget(LimitsAt(x.job, l), l)) {}

  // No KV-cache room for one sequence.
  bool Fits() const { return capacity_ > per_seq_; }

  Candidate Evaluate(int b) const {
    const auto& job = x_.job;
    const auto& l = l_;
    Candidate c;
    c.layout = l;
    c.batch = b;
    c.memory_batch = memory_batch_;
    // Prompts arrive in whole requests, b / output_tokens per group and step: a step carries
    // one on some group with probability 1 - exp(-dp b / output) (Poisson), and such a step
    // runs outside CUDA graphs on engines that capture only decode-only steps.
    // With MTP a sequence finishes its output in fewer steps: prompts come TokensPerDecodeStep
    // times as often.
    const double prompts_per_step = l.dp * b * TokensPerDecodeStep(job) / job.output_tokens;
    const double carries = prefill_per_output_ > 0 ? -std::expm1(-prompts_per_step) : 0.0;
    const double eager_s = carries * EagerSeconds(job, l);
    // The iteration carrying a prompt (its own and the decodes beside it, its eager launch gaps),
    // no shorter than the host's launches of its layer passes (EagerHostSeconds, as the simulator
    // prices it): what the floor adds to the prompt's own iteration, in its TTFT. Not in the mean
    // step: the share 1 - e^-m of steps carrying a prompt counts every one as its own iteration,
    // where attention-DP engines gather prompts into one iteration in several (the simulator's
    // balance rule), so it would charge the floor to most steps of a large batch. Priced only
    // where the engine has the floor (the batch search's hot path elsewhere).
    const double floor_gap_s =
        prefill_per_output_ > 0 && host_floor_s_ > 0
            ? std::max(0.0,
                       host_floor_s_ - (FlooredStep(b, std::max(1.0, computed_prompt_)).total() +
                                        EagerSeconds(job, l)))
            : 0.0;
    c.step = MeanStep(b, eager_s);
    const bool multistep = prefill_per_output_ > 0 && job.limits.scheduler_steps > 1;
    std::optional<MultiStepCycle> cycle;
    if (multistep) {
      cycle = CycleOf(b);
      c.step = cycle->step;
    }
    c.step_s = c.step.total();
    // Live traffic arrives in bursts: a server keeps headroom to meet its
    // tail latency, so it runs below the full-batch rate.
    c.out_per_chip = b * TokensPerDecodeStep(job) / c.step_s / l.tp *
                     (job.mode == ServingMode::kServer ? job.serving.server_utilization : 1.0);
    // A closed loop with fewer clients than the instance's groups (attention data parallel ranks,
    // pipeline micro-batches) x b leaves some of them short: the groups step in lockstep at the
    // busiest one's b, and the instance produces its clients' tokens, not groups x b (one client
    // on DP 8 keeps one rank busy and seven idle, as the simulator runs it).
    if (const int groups = l.dp * l.pp; clients_ >= 0 && clients_ < groups * b) {
      c.out_per_chip *= static_cast<double>(clients_) / (groups * b);
    }
    if (cycle) {
      // Multi-step: the wait for the window's end and the call's iteration (CycleOf), the same
      // with or without other prompts queued (they are the window's, in N).
      c.ttft_s = cycle->ttft_mean_s;
      c.ttft_p99_s = c.ttft_p99_unqueued_s = cycle->ttft_p99_s;
    } else if (prefill_per_output_ > 0) {
      // Aggregated: a new prompt waits for the running step, then rides one
      // step alongside the decode batch.
      // That step no shorter than the host's launches (floor_gap_s), as the mean step has it.
      const double with_prompt =
          FlooredStep(b, std::max(1.0, computed_prompt_)).total() + floor_gap_s;
      c.ttft_s = c.step_s + with_prompt + EagerSeconds(job, l);
      c.ttft_p99_s = c.ttft_p99_unqueued_s = c.ttft_s * tail_;
      if (job.mode == ServingMode::kServer) {
        // Live arrivals: prompts also queue behind the prompts before them. Each holds the
        // group for what it adds to a decode step; they arrive at the rate the batch completes.
        const double prefill_s = std::max(0.0, with_prompt - FlooredStep(b, 0).total());
        const double arrivals = b * TokensPerDecodeStep(job) / job.output_tokens / c.step_s;
        const PromptQueue q = PromptQueueOf(arrivals * prefill_s, prefill_s);
        c.ttft_s += q.mean_s;
        c.ttft_p99_s += q.p99_s;
      }
    } else {
      c.ttft_s = c.step_s;  // plus the prefill side, added by the caller
      c.ttft_p99_s = c.ttft_p99_unqueued_s = c.ttft_s * tail_;
    }
    c.weights_gib = WeightBytesPerChip(x_, l) / kGiB;
    c.kv_gib = b * per_seq_ / kGiB;
    return c;
  }

  // p99 over mean of a request's TPOT (its steps' mean over its output) under live arrivals; 1
  // otherwise. Derived, not a constant: a request of the mean length runs `output /
  // TokensPerDecodeStep` steps, and under Poisson arrivals what differs between requests is what
  // shares their steps. (a) The prompts that enter the instance during its life, Poisson with
  // mean dp x b (Little's law: as many as run; dp lockstep groups share each prompt's step), each
  // adding e / (dp b) to its TPOT, e = the prompts' share of the mean step (MeanStep less the
  // decode-only step). (b) The running sequences, M/D/infinity: averaged over its life they vary
  // with variance 2b/3 (Campbell's theorem: an arrival at a overlaps the life by L - |a|, and
  // integral over -L..L of ((L - |a|) / L)^2 da = 2L / 3, at b / L arrivals a step), each costing
  // s = the decode step's growth per sequence. Both come from the same arrivals (a prompt entering
  // during the life also runs beside it), so Var = 2b s^2 / 3 + s e / dp + e^2 / (dp b), and
  // p99 = mean + 2.326 sd (normal). MLPerf's v5.1 Hopper Llama 2 70B Interactive runs keep p99 /
  // mean TPOT at 1.04-1.07 (bench/RESULTS.md, session 39 h1); this gives ~1.07-1.10 there. A
  // decode group fed by a prefill pool (e = 0) keeps only (b).
  double TpotTail(const Candidate& c) const {
    if (x_.job.mode != ServingMode::kServer || c.step_s <= 0) return 1.0;
    const double b = c.batch;
    const double decode_s = FlooredStep(b, 0).total();
    const double s = std::max(0.0, FlooredStep(b + 1, 0).total() - decode_s);
    const double e = std::max(0.0, c.step_s - decode_s);
    const double dp = l_.dp;
    const double var = 2.0 / 3.0 * b * s * s + s * e / dp + e * e / (dp * b);
    constexpr double kZ99 = 2.326;  // the standard normal's 99th percentile
    return 1 + kZ99 * std::sqrt(var) / c.step_s;
  }

  bool Meets(const Candidate& c, bool queued) const {
    const auto& job = x_.job;
    if (job.tpot_ms && c.step_s / TokensPerDecodeStep(job) * TpotTail(c) * 1000 > *job.tpot_ms) {
      return false;
    }
    const double ttft_p99 = queued ? c.ttft_p99_s : c.ttft_p99_unqueued_s;
    if (job.ttft_ms && prefill_per_output_ > 0 && ttft_p99 * 1000 > *job.ttft_ms) return false;
    return true;
  }

  // Latency grows with the batch: the largest batch that meets it (`queued`: with the prompt
  // queue's wait), within what memory and the engine allow. Call only when Fits().
  int Largest(bool queued) const {
    int lo = 1;
    int hi = engine_batch_ > 0 ? std::min(memory_batch_, engine_batch_) : memory_batch_;
    if (Meets(Evaluate(hi), queued)) return hi;
    while (hi - lo > 1) {
      const int mid = lo + (hi - lo) / 2;
      (Meets(Evaluate(mid), queued) ? lo : hi) = mid;
    }
    return lo;
  }

 private:
  const Context& x_;
  InferenceLayout l_;
  double prefill_per_output_;
  double ctx_;
  double per_seq_;
  double capacity_;
  int memory_batch_;
  int engine_batch_;
  int clients_;  // the closed loop's requests in flight on the instance; -1: no closed loop
  double tail_;  // the unqueued TTFT's p99 over its mean (server_tail_ratio); TPOT's: TpotTail
  double computed_prompt_;
  double launch_s_;  // an eager step's floor (EagerLaunchSeconds) at a batch within the graphs
  // The host floor of an iteration carrying a prompt (EagerHostSeconds): 0 where not measured.
  double host_floor_s_;
  // A group's token budget a step as the engine runs on this layout (LimitsAt: trtllm-bench's
  // where it sets it), so that a budget it derives chunks prompts as the same budget given does.
  std::optional<double> budget_;

  // Multi-step scheduling (EngineLimits::scheduler_steps k > 1, vLLM V0's num_scheduler_steps): the
  // engine admits prompts only at a scheduler call, once in k decode steps of the running batch b
  // (the decode-only step D). The prompts that arrive over a window, Poisson with mean
  // m = k b t / O (t output tokens a step, O the output: as many enter as finish), all enter at
  // its end: with chunked prefill off and prefill_apart (vLLM V0's _schedule_default runs them
  // in an iteration of their own while the decodes wait, and calls again after it, S4840) the
  // iteration F(n) of n prompts and no decode, which every running sequence waits out; else the
  // call's step beside the decodes, which adds F(n) = step(b, n prompts) - D. A window has one
  // with probability 1 - e^-m, of n = m / (1 - e^-m) prompts on average, so a running sequence's
  // mean time a step is D + (1 - e^-m) F(n) / k. A prompt arriving at a uniform point of a
  // window waits out the rest of it, W ~ U(0, k D), then runs in the call's iteration with the
  // 1 + N prompts of its window (N ~ Poisson(m), independent of W): TTFT = W + F'(1 + N), F'
  // the whole iteration (with the decodes where they share it); mean k D / 2 + E F'(1 + N), p99
  // the t where P(W + F'(1 + N) > t) = 1 %.
  struct MultiStepCycle {
    Step step;  // a running sequence's mean time a decode step, by part
    double ttft_mean_s = 0;
    double ttft_p99_s = 0;
  };
  MultiStepCycle CycleOf(double b) const {
    const auto& job = x_.job;
    const auto& limits = job.limits;
    const double k = limits.scheduler_steps;
    const bool apart = limits.prefill_apart && !limits.chunked_prefill;
    const double eager_s = EagerSeconds(job, l_);
    const Step d = FlooredStep(b, 0);
    const double prompt = std::max(1.0, computed_prompt_);
    // The call's iteration with n prompts: alone, or beside the decodes.
    const auto call = [&](double n) { return FlooredStep(apart ? 0 : b, n * prompt, eager_s); };
    const double m = k * b * TokensPerDecodeStep(job) / job.output_tokens;
    const double carries = m > 0 ? -std::expm1(-m) : 0.0;  // 1 - e^-m
    const Step f = call(m > 0 ? m / carries : 1.0);
    const double share = carries / k, keep = apart ? 1.0 : 0.0;
    MultiStepCycle cy;
    cy.step.linear_s = d.linear_s + share * (f.linear_s - (1 - keep) * d.linear_s);
    cy.step.attention_s = d.attention_s + share * (f.attention_s - (1 - keep) * d.attention_s);
    cy.step.comm_s = d.comm_s + share * (f.comm_s - (1 - keep) * d.comm_s);
    cy.step.overhead_s = d.overhead_s + share * (f.overhead_s - (1 - keep) * d.overhead_s);
    cy.step.compute_bound = d.compute_bound;
    // The window a prompt waits out. Beside the decodes, from one call's start to the next: the
    // call's step and k - 1 decode steps, k mean steps. Apart, the k decode steps; a prompt that
    // arrives during a prefill iteration (that share of the time) waits only for its end, and its
    // TTFT, the rest of that iteration and its own (the mean: half of F(n) and F(1)), is short
    // of the tail.
    const double cycle_s = k * cy.step.total();
    const double window_s = apart ? k * d.total() : cycle_s;
    const double in_window = apart && cycle_s > 0 ? k * d.total() / cycle_s : 1.0;
    const double outside_s = f.total() / 2 + call(1).total();
    const PromptQueue t = MultiStepTtftOf(
        window_s, m, [&](double n) { return call(n).total(); }, in_window, outside_s);
    cy.ttft_mean_s = t.mean_s;
    cy.ttft_p99_s = t.p99_s;
    return cy;
  }

  // The mean step of `decode` running sequences under continuous batching. Prompts arrive at
  // b x (prompt / output) tokens a step; an engine computes a prompt in the steps it enters, whole
  // or in chunks of its token budget (max_batched_tokens less the decodes), not spread thinly
  // over every step. So a share of the steps carries a chunk and the rest decode alone: the mean
  // of the two, not the step of the mean batch, which for a MoE model reads the experts that
  // the thin prompt share touches in every step (touched experts are concave in the tokens:
  // gpt-oss-120b on two H100s at 8 sequences, 5.5 ms against 3.5 ms decode-only) and hides
  // the prompt's math under the weight read. Where the steps carry a whole prompt or more each
  // (large batches), it is the step of the mean batch as before. Without an engine (no token
  // budget known) the prompt share stays spread over every step, as an engine with small chunks
  // would run it (the idealized steady state the MLPerf calibration assumes).
  Step MeanStep(double decode, double extra_overhead_s) const {
    // Each step gives every running sequence TokensPerDecodeStep output tokens (1 without MTP),
    // so the prompts that replace finished sequences come that much faster.
    const double prompt_tokens = decode * TokensPerDecodeStep(x_.job) * prefill_per_output_;
    const auto& limits = x_.job.limits;
    if (prompt_tokens <= 0 || (limits.engine.empty() && !budget_)) {
      return FlooredStep(decode, prompt_tokens, extra_overhead_s);
    }
    double chunk = std::max(1.0, computed_prompt_);
    if (limits.chunked_prefill && budget_) {
      chunk = std::min(chunk, std::max(1.0, *budget_ - decode));
    }
    if (prompt_tokens >= chunk) return FlooredStep(decode, prompt_tokens, extra_overhead_s);
    const double share = prompt_tokens / chunk;
    const Step alone = FlooredStep(decode, 0, extra_overhead_s);
    const Step with = FlooredStep(decode, chunk, extra_overhead_s);
    Step mean;
    mean.linear_s = (1 - share) * alone.linear_s + share * with.linear_s;
    mean.attention_s = (1 - share) * alone.attention_s + share * with.attention_s;
    mean.comm_s = (1 - share) * alone.comm_s + share * with.comm_s;
    mean.overhead_s = (1 - share) * alone.overhead_s + share * with.overhead_s;
    mean.compute_bound = share * with.total() >= (1 - share) * alone.total() ? with.compute_bound
                                                                             : alone.compute_bound;
    return mean;
  }

  // The step of `decode` sequences with `prefill` prompt tokens and `extra_overhead_s` of host
  // time, no shorter than its launches (the floor is overhead: the GPU waits on the host).
  Step FlooredStep(double decode, double prefill, double extra_overhead_s = 0) const {
    Step st = StepTime(x_, l_, decode, ctx_, prefill, x_.job.input_tokens);
    st.overhead_s += extra_overhead_s;
    const double tokens = decode * (1.0 + x_.job.mtp_depth) + prefill;
    const double launch_s = RunsEagerly(x_.job, decode, tokens, prefill > 0)
                                ? EagerLaunchSeconds(x_.job, l_, decode, tokens, prefill > 0)
                                : launch_s_;
    const double floor_s = std::max(launch_s, StreamHostSeconds(x_.job, decode * l_.dp));
    st.overhead_s += std::max(0.0, floor_s - st.total());
    return st;
  }
};

// Best batch of a group under the latency targets. The engine's launch cap (LaunchBatch) is a
// second search: the layout search runs it only for the candidate it keeps. A deployment's
// clients dealt unevenly over the instances (ClientsPerInstance): the candidate is the busiest
// instance's (its batch, step and latencies), its rate per chip the deployment's, the lighter
// instances' batch searched at their share and an instance with no client serving nothing.
// `instances`: the instances the clients are dealt over (0: job.chips / l.chips()).
std::optional<Candidate> BestBatch(const Context& x, const InferenceLayout& l,
                                   double prefill_per_output, int instances = 0) {
  const ClientShare share =
      instances > 0 ? ClientsPerInstance(x.job, instances) : ClientsPerInstance(x.job, l);
  const BatchSearch search(x, l, prefill_per_output, x.job.limits.clients ? share.most : -1);
  if (!search.Fits()) return std::nullopt;
  if (!search.Meets(search.Evaluate(1), true)) return std::nullopt;
  Candidate c = search.Evaluate(search.Largest(true));
  c.instances = share.instances;
  if (x.job.limits.clients && !share.even()) {
    double lighter = 0;
    if (share.fewest > 0) {
      const BatchSearch fewer(x, l, prefill_per_output, share.fewest);
      lighter = fewer.Evaluate(fewer.Largest(true)).out_per_chip;
    }
    c.out_per_chip = share.MeanRate(c.out_per_chip, lighter);
  }
  return c;
}

// Whole instances of `instance` chips for `chips` chips' worth of work.
long WholeInstances(double chips, long instance) {
  const long n = static_cast<long>(std::ceil(chips - 1e-9));
  return (n + instance - 1) / instance * instance;
}

// Disaggregated decode group `l` whose prompts prefill at `prefill_rate` tokens/s per chip on
// prefill instances of `prefill_chips`. A deployment of job.chips with a closed loop of clients
// deals them over its decode instances, and each decode instance needs prefill chips beside it:
// the decode instances are the most D whose D x l.chips() decode chips and the whole prefill
// instances for their prompts (D x l.chips() x out per chip x prompt per output / prefill rate)
// fit in job.chips. Fewer decode instances carry more clients each, a larger batch and more
// prompts per decode chip, so D is searched down from job.chips / l.chips(); at least 1.
std::optional<Candidate> DisaggregatedBestBatch(const Context& x, const InferenceLayout& l,
                                                double prefill_per_output, double prefill_rate,
                                                int prefill_chips) {
  const InferenceJob& job = x.job;
  if (!job.limits.clients || job.chips <= 0 || prefill_rate <= 0 || prefill_chips <= 0) {
    return BestBatch(x, l, 0);
  }
  long d = std::max<long>(1, job.chips / l.chips());
  for (;;) {
    std::optional<Candidate> c = BestBatch(x, l, 0, static_cast<int>(d));
    if (!c || d == 1) return c;
    const double ratio = c->out_per_chip * prefill_per_output / prefill_rate;
    const long decode = d * l.chips();
    if (decode + WholeInstances(decode * ratio, prefill_chips) <= job.chips) return c;
    d = std::clamp<long>(
        static_cast<long>(static_cast<double>(job.chips) / (l.chips() * (1 + ratio))), 1, d - 1);
  }
}

// The running-batch cap to launch the engine of the chosen candidate with: under live arrivals
// the largest batch whose steps meet the targets, the prompt queue's wait aside; else its batch.
int LaunchBatch(const Context& x, const Candidate& c, double prefill_per_output) {
  if (x.job.mode != ServingMode::kServer) return c.batch;
  const int clients = x.job.limits.clients ? ClientsPerInstance(x.job, c.instances).most : -1;
  return BatchSearch(x, c.layout, prefill_per_output, clients).Largest(false);
}

// The engine runs this mixture-of-experts model with tensor-parallel experts only (EngineLimits::
// moe_tp_only_in_graph: vLLM-Ascend 0.9.1's ACL graph, S3340), unless every step runs eagerly.
bool MoeTpOnly(const InferenceJob& job) {
  return job.model->moe && job.limits.moe_tp_only_in_graph && !job.limits.enforce_eager;
}

std::vector<InferenceLayout> Layouts(const InferenceJob& job, const InferenceConstraints& fixed,
                                     int pp) {
  const auto& m = *job.model;
  const int domain = job.system.scale_up_domain;
  std::vector<int> tps;
  for (int tp = 1; tp <= std::min(domain, 64); ++tp) {
    if (m.heads % tp == 0 && domain % tp == 0) tps.push_back(tp);
  }
  if (fixed.tp) tps = {*fixed.tp};
  std::vector<InferenceLayout> out;
  for (int tp : tps) {
    // Expert groups that split a node evenly, or whole nodes: an instance of 3 of an 8-GPU node's
    // GPUs straddles nodes or idles GPUs, and no engine recipe deploys one.
    std::vector<int> dps = {1};
    if (m.moe) {
      const int node = std::max(1, job.system.chips_per_node);
      for (int ep = 2 * tp; ep <= 512; ep += tp) {
        if ((ep <= node && node % ep == 0) || ep % node == 0) dps.push_back(ep / tp);
      }
    }
    if (fixed.dp) dps = {*fixed.dp};
    for (int dp : dps) {
      // Under attention data parallel the experts go whole over the instance (ep = tp x dp) or
      // split by tensor parallel across it (ep 1, ExpertTp).
      for (const int ep : dp > 1 ? std::vector<int>{tp * dp, 1} : std::vector<int>{1}) {
        InferenceLayout l{tp, ep, dp, pp};
        if (fixed.ep) l.ep = *fixed.ep;
        if (fixed.ep && !fixed.dp && *fixed.ep > 1) {
          if (*fixed.ep % tp != 0) continue;
          l.dp = *fixed.ep / tp;
        }
        if (l.ep > 1 && l.ep != l.tp * l.dp) continue;
        if (job.limits.attention_dp_per_gpu && l.tp > 1 && l.dp > 1) continue;
        if (MoeTpOnly(job) && (l.ep > 1 || l.dp > 1)) continue;
        if (job.limits.expert_parallel_opt_in && l.ep > 1 && !fixed.ep) continue;
        if (job.chips > 0 && job.chips % l.chips() != 0) continue;
        if (std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
      }
    }
  }
  return out;
}

Result<void> CheckLayout(const InferenceJob& job, const InferenceLayout& l) {
  const auto& m = *job.model;
  if (l.tp < 1 || l.ep < 1 || l.dp < 1 || l.pp < 1) {
    return MakeError("tp, ep, dp and pp must be at least 1");
  }
  if (l.pp > m.layers) {
    return MakeError("pp " + std::to_string(l.pp) + " exceeds the model's " +
                     std::to_string(m.layers) + " layers");
  }
  if (m.heads % l.tp != 0) {
    return MakeError("tp " + std::to_string(l.tp) + " does not divide the model's " +
                     std::to_string(m.heads) + " attention heads");
  }
  if (l.ep > 1 && !m.moe) return MakeError("ep > 1 needs a mixture-of-experts model");
  if (l.ep > 1 && l.ep != l.tp * l.dp) {
    return MakeError(
        "ep must equal tp * dp (experts spread whole over the instance), or be 1 (experts split by "
        "tensor parallel over its tp * dp chips)");
  }
  if (job.limits.attention_dp_per_gpu && l.tp > 1 && l.dp > 1) {
    return MakeError(
        "tp " + std::to_string(l.tp) + " with dp " + std::to_string(l.dp) +
        " is not a layout of the engine: its attention data parallel runs one GPU per attention "
        "group (TensorRT-LLM's enable_attention_dp: attention at tp 1); give tp 1 with dp " +
        std::to_string(l.tp * l.dp) + ", or dp 1");
  }
  if (MoeTpOnly(job) && (l.ep > 1 || l.dp > 1)) {
    return MakeError("ep " + std::to_string(l.ep) + " with dp " + std::to_string(l.dp) +
                     " is not a layout of the engine for a mixture-of-experts model: in graph "
                     "mode it runs the experts by tensor parallelism only (vLLM-Ascend 0.9.1: "
                     "'Aclgraph mode only work with tensor parallel. DP/EP doesn't work'); give "
                     "ep 1 and dp 1, or --enforce-eager");
  }
  if (job.chips > 0 && job.chips % l.chips() != 0) {
    return MakeError("an instance of " + std::to_string(l.chips()) +
                     " chips does not divide --count " + std::to_string(job.chips));
  }
  return {};
}

}  // namespace

ClientShare ClientsPerInstance(const InferenceJob& job, const InferenceLayout& layout) {
  return ClientsPerInstance(job,
                            job.chips > 0 && layout.chips() > 0
                                ? static_cast<int>(std::max<long>(1, job.chips / layout.chips()))
                                : 1);
}

ClientShare ClientsPerInstance(const InferenceJob& job, int instances) {
  ClientShare share;
  if (!job.limits.clients) return share;
  const long clients = *job.limits.clients;
  share.instances = std::max(1, instances);
  share.fewest = static_cast<int>(clients / share.instances);
  const int extra = static_cast<int>(clients % share.instances);
  share.most = share.fewest + (extra > 0 ? 1 : 0);
  share.busiest = extra > 0 ? extra : share.instances;
  return share;
}

std::string_view ServingDTypeName(ServingDType d) { return kServingNames[static_cast<int>(d)]; }

std::optional<ServingDType> ParseServingDType(std::string_view s) {
  const std::string v = NormalizeId(s);
  for (size_t i = 0; i < kServingNames.size(); ++i) {
    if (v == kServingNames[i]) return static_cast<ServingDType>(i);
  }
  // As the engines and checkpoints name them: vLLM's --dtype bfloat16 / --kv-cache-dtype
  // fp8_e4m3, NVFP4/MXFP4 checkpoints, W8A8 (INT8 weights and activations), AWQ/GPTQ (4-bit
  // weights, 16-bit math).
  static constexpr std::pair<std::string_view, ServingDType> kSynonyms[] = {
      {"bfloat16", ServingDType::kBf16},
      {"float16", ServingDType::kFp16},
      {"half", ServingDType::kFp16},
      {"fp8-e4m3", ServingDType::kFp8},
      {"fp8-e5m2", ServingDType::kFp8},
      {"e4m3", ServingDType::kFp8},
      {"nvfp4", ServingDType::kFp4},
      {"mxfp4", ServingDType::kFp4},
      {"w8a8", ServingDType::kInt8},
      {"int8-w8a8", ServingDType::kInt8},
      {"w4a16", ServingDType::kInt4},
      {"awq", ServingDType::kInt4},
      {"gptq", ServingDType::kInt4},
      {"int4-awq", ServingDType::kInt4},
      {"awq-int4", ServingDType::kInt4},
      {"gptq-int4", ServingDType::kInt4},
      {"int4-gptq", ServingDType::kInt4},
      {"w4a16-awq", ServingDType::kInt4},
      {"int8-weight-only", ServingDType::kW8A16},
      {"fp8-weight-only", ServingDType::kW8A16},
      {"int4-w4a8", ServingDType::kW4A8},
      {"w4a8-int8", ServingDType::kW4A8}};
  for (const auto& [name, dtype] : kSynonyms) {
    if (v == name) return dtype;
  }
  return std::nullopt;
}

double ServingDTypeBytes(ServingDType d) {
  // FP4 as NVFP4 stores it: a 4-bit E2M1 value per weight and one 8-bit E4M3 scale per 16
  // (4.5 bits; TensorRT-LLM tech blogs 14 and 24: the packed payload is 0.5 byte "before scale
  // overhead"). MXFP4's one 8-bit scale per 32 is 4.25 bits: counted at NVFP4's, 6 % more.
  constexpr std::array<double, 8> bytes = {2, 2, 1, 1, 0.5625, 0.5, 1, 0.5};
  return bytes[static_cast<int>(d)];
}

InferenceJob InferenceJobFor(const catalog::Catalog& cat, const catalog::Model& model,
                             const catalog::Chip& chip) {
  InferenceJob job;
  job.model = &model;
  job.chip = &chip;
  job.calibration = ServingCalibrationFor(cat.CalibrationFor(chip.family), chip);
  job.serving = cat.inference_calibration();
  return job;
}

Result<void> ValidateInferenceJob(const InferenceJob& job) {
  if (auto ok = ValidateInferenceRequest(job); !ok) return ok;
  if (!job.chip) return MakeError("a chip is required");
  if (auto f = Resolve(job); !f) return tl::unexpected(f.error());
  return {};
}

Result<void> ValidateInferenceRequest(const InferenceJob& job) {
  // Errors name the request field (the CLI shows it as the flag, the server as `field`).
  const auto bad = [](const char* field, std::string message) {
    return MakeError(std::move(message), "", 0, field);
  };
  if (!job.model) return MakeError("a model is required");
  if (job.chips < 0 || job.chips > 10'000'000) {
    return bad("count", "must be between 1 and 10,000,000 chips");
  }
  if (!(job.input_tokens >= 1) || job.input_tokens > 1e7) {
    return bad("input_tokens", "must be between 1 and 1e7");
  }
  if (!(job.output_tokens >= 1) || job.output_tokens > 1e7) {
    return bad("output_tokens", "must be between 1 and 1e7");
  }
  if (job.input_tokens + job.output_tokens > job.model->max_seq_len * 1.0 + 1e-9) {
    return bad("input_tokens",
               "input + output tokens (" +
                   std::to_string(static_cast<long>(job.input_tokens + job.output_tokens)) +
                   ") exceed the model's context of " + std::to_string(job.model->max_seq_len));
  }
  if (!(job.output_length_ratio >= 1) || job.output_length_ratio > 1e4) {
    return bad("output_dist", "E[L^2] / E[L]^2 of the output lengths must be from 1 to 1e4");
  }
  if (job.tpot_ms && !(*job.tpot_ms > 0)) return bad("tpot_ms", "must be positive");
  if (job.ttft_ms && !(*job.ttft_ms > 0)) return bad("ttft_ms", "must be positive");
  if (!(job.prefix_cache_hit >= 0 && job.prefix_cache_hit < 1)) {
    return bad("prefix_cache_hit", "must be in [0, 1)");
  }
  if (job.demand_tokens_per_s &&
      !(*job.demand_tokens_per_s > 0 && *job.demand_tokens_per_s <= 1e15)) {
    return bad("demand_tokens_per_s", "must be positive and at most 1e15");
  }
  if (job.chip_hour_usd && !(*job.chip_hour_usd > 0 && *job.chip_hour_usd <= 1e6)) {
    return bad("chip_hour_usd", "must be positive and at most 1e6");
  }
  if (job.limits.max_num_seqs &&
      !(*job.limits.max_num_seqs >= 1 && *job.limits.max_num_seqs <= 1 << 20))
    return bad("max_num_seqs", "must be between 1 and 1048576");
  if (job.limits.clients && !(*job.limits.clients >= 1 && *job.limits.clients <= 1 << 20))
    return bad("concurrency", "must be between 1 and 1048576");
  if (job.limits.max_batched_tokens &&
      !(*job.limits.max_batched_tokens >= 1 && *job.limits.max_batched_tokens <= 1e8))
    return bad("max_batched_tokens", "must be between 1 and 1e8");
  if (job.limits.kv_memory_fraction &&
      !(*job.limits.kv_memory_fraction > 0 && *job.limits.kv_memory_fraction <= 1))
    return bad("kv_memory_fraction", "must be in (0, 1]");
  if (job.draft_model) {
    if (job.draft_model->vocab != job.model->vocab) {
      return bad("draft_model", "'" + job.draft_model->id + "' has a vocabulary of " +
                                    std::to_string(job.draft_model->vocab) + " tokens and '" +
                                    job.model->id + "' " + std::to_string(job.model->vocab) +
                                    ": speculative decoding needs the same tokenizer");
    }
    if (job.mtp_depth < 1) return bad("draft_model", "needs mtp: N draft tokens per step");
  }
  if (job.expert_dtype && !job.model->moe) {
    return bad("expert_dtype",
               "needs a mixture-of-experts model; '" + job.model->id + "' is dense");
  }
  if (job.mtp_depth < 0 || job.mtp_depth > 8) {
    return bad("mtp", "must be between 0 and 8 draft tokens");
  }
  if (!(job.mtp_acceptance >= 0 && job.mtp_acceptance <= 1)) {
    return bad("mtp_acceptance", "must be in [0, 1]");
  }
  if (job.kv_dtype &&
      (ServingDTypeBytes(*job.kv_dtype) < 1 || *job.kv_dtype == ServingDType::kW8A16)) {
    return bad("kv_dtype", "must be bf16, fp16, fp8 or int8");
  }
  return {};
}

bool OneSidedMoeExchange(const InferenceJob& job, const InferenceLayout& l) {
  if (!job.model->moe || l.ep <= 1 || l.dp <= 1 || job.chip == nullptr) return false;
  return job.limits.one_sided_moe_layer_us.contains(job.chip->family) &&
         !job.chip->scale_up_gb_s.unsupported && job.system.scale_up_domain > 1 &&
         l.ep <= job.system.scale_up_domain;
}

bool AttentionDpAllToAll(const InferenceJob& job, const InferenceLayout& l) {
  if (!job.model->moe || l.ep <= 1 || l.dp <= 1) return false;
  if (job.limits.moe_all_to_all || OneSidedMoeExchange(job, l)) return true;
  // With no engine named, or one that gathers by default there (in_node_moe_allgather), an
  // expert group inside one node whose NVLink domain is that node (an HGX board) gathers.
  const auto& sys = job.system;
  const bool default_gather = (job.limits.engine.empty() || job.limits.in_node_moe_allgather) &&
                              l.ep <= sys.chips_per_node &&
                              sys.scale_up_domain <= sys.chips_per_node;
  return !(job.limits.moe_dp_allgather || default_gather);
}

bool WeightsFit(const InferenceJob& job, const InferenceConstraints& fixed) {
  if (!ValidateInferenceJob(job)) return false;
  const Formats f = *Resolve(job);
  const Shape s = MakeShape(*job.model, f);
  const std::optional<Draft> draft = MakeDraft(job, f);
  const Context x{job, f, s, draft ? &*draft : nullptr};
  const int last_pp = fixed.pp ? *fixed.pp : std::min(16, job.model->layers);
  for (int pp = fixed.pp.value_or(1); pp <= last_pp; pp *= 2) {
    for (const auto& l : Layouts(job, fixed, pp)) {
      if (CheckLayout(job, l) && CapacityBytes(x, l) > 0) return true;
    }
  }
  return false;
}

Result<InferenceEstimate> EstimateInference(const InferenceJob& job,
                                            const InferenceConstraints& fixed) {
  if (auto ok = ValidateInferenceJob(job); !ok) return tl::unexpected(ok.error());
  const Formats f = *Resolve(job);
  const Shape s = MakeShape(*job.model, f);
  const std::optional<Draft> draft = MakeDraft(job, f);
  const Context x{job, f, s, draft ? &*draft : nullptr};
  const double computed_prompt = ComputedPrompt(job);
  const double prefill_per_output = computed_prompt / job.output_tokens;

  std::vector<InferenceLayout> layouts = Layouts(job, fixed, fixed.pp.value_or(1));
  if (layouts.empty()) {
    InferenceLayout l{fixed.tp.value_or(1), fixed.ep.value_or(1), fixed.dp.value_or(1),
                      fixed.pp.value_or(1)};
    if (auto ok = CheckLayout(job, l); !ok) return tl::unexpected(ok.error());
    return MakeError("no layout matches the given --tp/--ep/--dp/--pp and --count");
  }
  for (const auto& l : layouts) {
    if (auto ok = CheckLayout(job, l); !ok) return tl::unexpected(ok.error());
  }

  InferenceEstimate e;
  e.disaggregated = job.disaggregate;
  std::optional<Candidate> best;
  std::vector<std::pair<double, InferenceLayout>> rates;  // every layout that serves, its rate
  double best_prefill_rate = 0;
  InferenceLayout best_prefill_layout;
  bool any_fits = false;
  // The prefill side first: a disaggregated decode group's instances count the prefill chips
  // beside it (DisaggregatedBestBatch).
  auto prefill = [&](const InferenceLayout& l) {
    if (CapacityBytes(x, l) > 0) any_fits = true;
    const double rate = PrefillRate(x, l);
    if (CapacityBytes(x, l) > 0 && rate > best_prefill_rate) {
      best_prefill_rate = rate;
      best_prefill_layout = l;
    }
  };
  auto consider = [&](const InferenceLayout& l) {
    ++e.layouts_evaluated;
    auto c = job.disaggregate ? DisaggregatedBestBatch(x, l, prefill_per_output, best_prefill_rate,
                                                       best_prefill_layout.chips())
                              : BestBatch(x, l, prefill_per_output);
    if (c) rates.emplace_back(c->out_per_chip, l);
    if (c && (!best || c->out_per_chip > best->out_per_chip)) best = c;
  };
  for (const auto& l : layouts) prefill(l);
  for (const auto& l : layouts) consider(l);
  // Weights too large for tensor parallelism inside one scale-up domain (Llama 3.1 405B in BF16
  // on 80 GB parts): split the layers into pipeline stages, as few as fit.
  for (int pp = 2; !any_fits && !fixed.pp && pp <= std::min(16, job.model->layers); pp *= 2) {
    std::vector<InferenceLayout> staged;
    for (const auto& l : Layouts(job, fixed, pp)) {
      if (CheckLayout(job, l)) staged.push_back(l);
    }
    for (const auto& l : staged) prefill(l);
    for (const auto& l : staged) {
      layouts.push_back(l);
      consider(l);
    }
  }
  if (!any_fits) {
    // The layout that splits the weights the most ways (the least per chip), to say by how much.
    const auto& l = *std::min_element(layouts.begin(), layouts.end(),
                                      [&](const InferenceLayout& a, const InferenceLayout& b) {
                                        return WeightBytesPerChip(x, a) < WeightBytesPerChip(x, b);
                                      });
    // What the weights may take: HBM less the runtime's reserve and workspace (or the engine's
    // memory fraction), i.e. where the KV room reaches zero.
    const auto& limits = job.limits;
    const double kv_scale = limits.kv_memory_fraction && limits.fraction_of_free_memory
                                ? *limits.kv_memory_fraction
                                : 1.0;
    const double room = WeightBytesPerChip(x, l) + CapacityBytes(x, l) / kv_scale;
    // An engine's own reserve rule (SGLang's mem_fraction_static) is named with its figure: the
    // flag that sets the fraction lets the weights have more.
    const auto reserve = EngineReserveBytes(job, l);
    const std::string less =
        reserve ? fmt::format(
                      "less the {} engine's {:.1f} GiB reserve for activations and CUDA "
                      "graphs at this layout (mem_fraction_static {:.3f}; "
                      "--mem-fraction-static sets it) and {:.1f} GiB of workspace",
                      job.limits.engine, *reserve / kGiB,
                      1 - *reserve / (*job.chip->memory_gib.value * kGiB),
                      ServingReserveBytes(job, job.limits.max_num_seqs) / kGiB)
                : std::string("less the runtime's reserve and workspace");
    return MakeError(fmt::format(
        "the weights do not fit: {:.1f} GiB per chip split the most ways (tp {}, ep {}{}) "
        "against {:.1f} GiB free for them ({:g} GiB HBM {}); use more chips per instance or a "
        "smaller --dtype",
        WeightBytesPerChip(x, l) / kGiB, l.tp, l.ep, l.pp > 1 ? fmt::format(", pp {}", l.pp) : "",
        room / kGiB, *job.chip->memory_gib.value, less));
  }
  if (!best) {
    // Say by how much: the lowest p99 TPOT and TTFT any layout reaches at batch 1, as the targets
    // are checked (BatchSearch::Meets), so that a target at that figure is met.
    struct Lowest {
      double ms = std::numeric_limits<double>::infinity();
      InferenceLayout layout;
    } tpot, ttft;
    bool room = false;
    for (const auto& l : layouts) {
      const BatchSearch search(x, l, job.disaggregate ? 0.0 : prefill_per_output);
      if (!search.Fits()) continue;
      room = true;
      const Candidate c = search.Evaluate(1);
      const double step_ms = c.step_s / TokensPerDecodeStep(job) * search.TpotTail(c) * 1000;
      if (step_ms < tpot.ms) tpot = {step_ms, l};
      if (c.ttft_p99_s * 1000 < ttft.ms) ttft = {c.ttft_p99_s * 1000, l};
    }
    if (!room) {
      return MakeError(fmt::format(
          "no layout has KV-cache room for one sequence of {:g} tokens; use more chips per "
          "instance, a smaller --dtype or --kv-cache-dtype, or shorter sequences",
          job.input_tokens + job.output_tokens));
    }
    const auto layout_text = [](const InferenceLayout& l) {
      return fmt::format("tp {}{}{}", l.tp, l.ep > 1 ? fmt::format(" ep {}", l.ep) : "",
                         l.pp > 1 ? fmt::format(" pp {}", l.pp) : "");
    };
    const char* p = job.mode == ServingMode::kServer ? "p99 " : "";
    if (job.tpot_ms && tpot.ms > *job.tpot_ms) {
      return MakeError(
          fmt::format("no layout meets {:g} ms even at batch 1: the lowest {}TPOT is {:.1f} ms "
                      "({}); relax the target or use a faster chip",
                      *job.tpot_ms, p, tpot.ms, layout_text(tpot.layout)),
          "", 0, "tpot_ms");
    }
    if (job.ttft_ms && !job.disaggregate && ttft.ms > *job.ttft_ms) {
      return MakeError(
          fmt::format("no layout meets {:g} ms even at batch 1: the lowest {}TTFT of a "
                      "{:g}-token prompt is {:.0f} ms ({}); relax the target or use a faster chip",
                      *job.ttft_ms, p, job.input_tokens, ttft.ms, layout_text(ttft.layout)),
          "", 0, "ttft_ms");
    }
    return MakeError(
        "no layout meets the latency targets even at batch 1 (or no KV-cache "
        "room is left); relax --tpot-ms/--ttft-ms or use a faster chip");
  }
  const Candidate& c = *best;
  e.layout = c.layout;
  std::stable_sort(rates.begin(), rates.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [rate, l] : rates) {
    if (static_cast<int>(e.near_layouts.size()) == kMaxNearLayouts) break;
    if (rate < (1 - kNearLayoutShare) * c.out_per_chip) break;
    if (l != c.layout) e.near_layouts.push_back(l);
  }
  e.max_batch = c.batch;
  e.launch_batch = LaunchBatch(x, c, job.disaggregate ? 0 : prefill_per_output);
  e.memory_max_batch = c.memory_batch;
  e.engine_max_batch =
      EngineBatch(job, c.layout, e.disaggregated ? 0.0 : ComputedPrompt(job) / job.output_tokens,
                  job.limits.clients ? ClientsPerInstance(job, c.instances).most : -1);
  if (job.chips > 0) {
    e.instances = job.limits.clients
                      ? c.instances
                      : static_cast<int>(std::max<long>(1, job.chips / c.layout.chips()));
  }
  e.tpot_ms = c.step_s / TokensPerDecodeStep(job) * 1000;
  e.tokens_per_decode_step = TokensPerDecodeStep(job);
  e.weights_gib_per_chip = c.weights_gib;
  e.kv_cache_gib_per_chip = c.kv_gib;
  e.kv_cache_bytes_per_token = s.kv_per_token;
  e.memory_capacity_gib = *job.chip->memory_gib.value;
  const double hit_scale = 1 / (1 - job.prefix_cache_hit);
  e.prefill_tokens_per_s_per_chip = best_prefill_rate * hit_scale;
  e.prefill_layout = job.disaggregate ? best_prefill_layout : c.layout;
  if (job.disaggregate) {
    e.decode_tokens_per_s_per_chip = c.out_per_chip;
    e.prefill_chips_per_decode_chip = c.out_per_chip * prefill_per_output / best_prefill_rate;
    e.output_tokens_per_s_per_chip = c.out_per_chip / (1 + e.prefill_chips_per_decode_chip);
    // TTFT: the prompt alone on a prefill group, its KV cache moved to the
    // decode side over the scale-out network, then the first decode step.
    const Step alone =
        StepTime(x, best_prefill_layout, 0, 0, std::max(1.0, computed_prompt), job.input_tokens);
    const double transfer = (job.input_tokens * s.kv_per_token +
                             std::min<double>(job.input_tokens, s.window) * s.window_kv_per_token) /
                            (job.system.scale_out.bandwidth_gb_s * 1e9 *
                             job.system.scale_out.efficiency * best_prefill_layout.chips());
    e.ttft_ms = (alone.total() + transfer + c.step_s) * 1000;
    const double tail = job.mode == ServingMode::kServer ? job.serving.server_tail_ratio : 1.0;
    if (job.ttft_ms && e.ttft_ms * tail > *job.ttft_ms) {
      return MakeError(
          "the TTFT latency target cannot be met: one prompt takes " +
          std::to_string(static_cast<int>(e.ttft_ms * tail + 0.5)) +
          " ms to prefill, move and start decoding on the best layout; relax --ttft-ms");
    }
  } else {
    e.decode_tokens_per_s_per_chip = c.out_per_chip;
    e.output_tokens_per_s_per_chip = c.out_per_chip;
    e.ttft_ms = c.ttft_s * 1000;
  }
  e.input_tokens_per_s_per_chip =
      e.output_tokens_per_s_per_chip * job.input_tokens / job.output_tokens;

  // What limits the decode step.
  const Step& st = c.step;
  e.step_linear_ms = st.linear_s * 1000;
  e.step_attention_ms = st.attention_s * 1000;
  e.step_communication_ms = st.comm_s * 1000;
  e.step_overhead_ms = st.overhead_s * 1000;
  const bool slo_binding =
      c.batch < c.memory_batch && (job.tpot_ms.has_value() || job.ttft_ms.has_value());
  if (!slo_binding && e.engine_max_batch > 0 && c.batch >= e.engine_max_batch &&
      c.batch < c.memory_batch) {
    e.bound = "engine-limit";
  } else if (!slo_binding && c.batch >= c.memory_batch) {
    e.bound = "memory-capacity";
  } else if (st.comm_s > st.linear_s + st.attention_s) {
    e.bound = "communication";
  } else {
    e.bound = st.compute_bound ? "compute" : "memory-bandwidth";
  }

  // Cost.
  if (job.chip_hour_usd) {
    e.chip_hour_usd = *job.chip_hour_usd;
    e.price_basis = "--chip-hour-usd";
  } else if (job.chip->price_usd.known()) {
    const double years = job.serving.chip_life_years;
    e.chip_hour_usd = *job.chip->price_usd.value / (years * 8760);
    e.price_basis =
        "catalog price $" + std::to_string(static_cast<long>(*job.chip->price_usd.value)) +
        " amortized over " + std::to_string(static_cast<int>(years)) + " years (hardware only)";
  }
  if (e.chip_hour_usd) {
    e.cost_usd_per_million_output_tokens =
        *e.chip_hour_usd / (e.output_tokens_per_s_per_chip * 3600) * 1e6;
    e.cost_usd_per_million_input_tokens =
        *e.chip_hour_usd / (e.prefill_tokens_per_s_per_chip * 3600) * 1e6;
  }
  if (job.demand_tokens_per_s) {
    // Whole instances: decode (or aggregated) chips for the output rate, and
    // when disaggregated, prefill chips for the prompts those produce.
    const long decode_chips =
        WholeInstances(*job.demand_tokens_per_s / e.decode_tokens_per_s_per_chip, e.layout.chips());
    long chips = decode_chips;
    if (job.disaggregate) {
      chips +=
          WholeInstances(decode_chips * e.prefill_chips_per_decode_chip, e.prefill_layout.chips());
    }
    e.chips_for_demand = chips;
  }
  if (job.chip->tdp_w.known()) {
    // Per watt of the power budget: the cap when there is one.
    const double watts = job.system.power_cap_w.value_or(*job.chip->tdp_w.value);
    e.tokens_per_s_per_watt = e.output_tokens_per_s_per_chip / watts;
  }
  return e;
}

struct ServingStepModel::State {
  InferenceJob job;
  Formats f;
  Shape s;
  std::optional<Draft> draft;
  InferenceLayout layout;
  uint64_t serial = 0;  // this model's own (StepMemo)
  Context context() const { return Context{job, f, s, draft ? &*draft : nullptr}; }
  // The layers of one draft pass: the MTP module's one block, a draft model's layers, or one
  // layer for a draft head the catalog does not describe (StepTimeOfBatch).
  int draft_layers() const { return DraftPassLayers(draft ? &*draft : nullptr); }
  // The host floor of an iteration carrying a prompt (EagerHostSeconds): fixed by the job, the
  // layout and the draft, so set once in Make rather than looked up on every prompt step.
  double eager_host_s = 0;
};

Result<ServingStepModel> ServingStepModel::Make(const InferenceJob& job,
                                                const InferenceLayout& layout) {
  if (auto ok = ValidateInferenceJob(job); !ok) return tl::unexpected(ok.error());
  if (auto ok = CheckLayout(job, layout); !ok) return tl::unexpected(ok.error());
  auto state = std::make_shared<State>();
  state->job = job;
  state->f = *Resolve(job);
  state->s = MakeShape(*job.model, state->f);
  state->draft = MakeDraft(job, state->f);
  state->layout = layout;
  state->eager_host_s = EagerHostSeconds(job, layout, state->draft_layers());
  static std::atomic<uint64_t> serials{0};
  state->serial = ++serials;
  if (CapacityBytes(state->context(), layout) <= 0) {
    return MakeError("the weights leave no room for the KV cache on this layout");
  }
  ServingStepModel m;
  m.state_ = std::move(state);
  return m;
}

namespace {

// The batch a decode-only iteration of `decode` sequences runs as: the smallest captured CUDA-graph
// size that holds it (TensorRT-LLM's cuda_graph_runner pads the batch with dummy requests), or
// nullopt when no size is given or none holds it (the batch runs as it is).
std::optional<double> GraphBatch(const EngineLimits& limits, double decode) {
  for (int size : limits.graph_batch_sizes) {
    if (size >= decode) return size;
  }
  return std::nullopt;
}

// The seconds of the iterations of one group a step model has priced (StepTimeOfBatch's total),
// kept by the model's serial and the exact bits of the batch, the instance's tokens and the
// padding in a thread-local direct-mapped table (a slot per hash, overwritten on a clash). Under
// a light load most groups of a wide instance are idle, iteration after iteration, at the same
// instance tokens: their iteration is priced once (bench/RESULTS.md "Session 31 (H5)").
// StepTimeOfBatch depends on nothing else (the job and layout are the model's, fixed at Make): an
// argument added to the call in LockstepSeconds must join the key.
class StepMemo {
 public:
  using Key = std::array<uint64_t, 7>;
  static Key KeyOf(double decode_seqs, double decode_keys, double prefill_tokens,
                   double prefill_keys, double instance_tokens, double padding,
                   double instance_padding) {
    return {std::bit_cast<uint64_t>(decode_seqs),     std::bit_cast<uint64_t>(decode_keys),
            std::bit_cast<uint64_t>(prefill_tokens),  std::bit_cast<uint64_t>(prefill_keys),
            std::bit_cast<uint64_t>(instance_tokens), std::bit_cast<uint64_t>(padding),
            std::bit_cast<uint64_t>(instance_padding)};
  }
  template <typename Price>
  static double Seconds(uint64_t serial, const Key& key, Price price) {
    struct Slot {
      uint64_t serial = 0;  // 0: empty (serials start at 1)
      Key key{};
      double seconds = 0;
    };
    thread_local std::array<Slot, 1024> table{};
    uint64_t h = serial * 0x9E3779B97F4A7C15ULL;
    for (const uint64_t k : key) h = (h ^ k) * 0xBF58476D1CE4E5B9ULL;
    Slot& slot = table[h >> 54];
    if (slot.serial == serial && slot.key == key) return slot.seconds;
    slot = {serial, key, price()};
    return slot.seconds;
  }
};

}  // namespace

double ServingStepModel::StepSeconds(double decode_seqs, double decode_keys, double prefill_tokens,
                                     double prefill_keys) const {
  const auto& limits = state_->job.limits;
  const auto graph = decode_seqs > 0 ? GraphBatch(limits, decode_seqs) : std::nullopt;
  const double padding =
      (prefill_tokens > 0 && !limits.decode_batch_padded) || !graph ? 0 : *graph - decode_seqs;
  const double gpu = StepTimeOfBatch(state_->context(), state_->layout, decode_seqs, decode_keys,
                                     prefill_tokens, prefill_keys, -1, padding)
                         .total();
  const double tokens = decode_seqs * (1.0 + state_->job.mtp_depth) + prefill_tokens;
  const double step = std::max({gpu,
                                EagerLaunchSeconds(state_->job, state_->layout, decode_seqs, tokens,
                                                   prefill_tokens > 0),
                                StreamHostSeconds(state_->job, decode_seqs)}) +
                      (prefill_tokens > 0 ? EagerSeconds(state_->job, state_->layout) : 0);
  // An iteration carrying a prompt runs eagerly: no shorter than the host's launches of it.
  return prefill_tokens > 0 ? std::max(step, state_->eager_host_s) : step;
}

double ServingStepModel::LockstepSeconds(const std::vector<GroupBatch>& groups) const {
  const double verify = 1.0 + state_->job.mtp_depth;
  double instance_tokens = 0;
  bool prompt = false;
  double largest = 0;
  double largest_tokens = 0;
  double running = 0;
  for (const GroupBatch& g : groups) {
    running += g.decode_seqs;
    instance_tokens += g.decode_seqs * verify + g.prefill_tokens;
    prompt = prompt || g.prefill_tokens > 0;
    largest = std::max(largest, g.decode_seqs);
    largest_tokens = std::max(largest_tokens, g.decode_seqs * verify + g.prefill_tokens);
  }
  const Context x = state_->context();
  // A decode-only iteration replays one CUDA graph on every rank, the one that holds the largest
  // group's batch (cuda_graph_runner._get_padded_batch: the batch sizes are all-gathered across
  // the attention data-parallel ranks and the maximum taken); the other groups pad up to it.
  // An engine that pads its decodes apart from its prompts (decode_batch_padded) pads them in
  // every iteration.
  const auto graph = (prompt && !state_->job.limits.decode_batch_padded) || largest <= 0
                         ? std::optional<double>{}
                         : GraphBatch(state_->job.limits, largest);
  auto padding = [&](const GroupBatch& g) { return graph ? *graph - g.decode_seqs : 0.0; };
  double instance_padding = 0;
  for (const GroupBatch& g : groups) instance_padding += padding(g) * verify;
  instance_tokens += instance_padding;
  // Every MoE layer's dispatch waits for the slowest group's attention and dense layers, and the
  // experts then serve all groups' tokens: the iteration takes the busiest group's time. Groups
  // with nothing to run still take part (the engines run a dummy batch on an idle rank).
  // A prompt on any group takes every group out of its CUDA graph (the engines capture graphs for
  // decode-only iterations, and the ranks must agree on one).
  // A group whose batch an earlier group of the iteration runs alike (the idle ones, mostly: a
  // light load leaves most groups of a wide instance idle) takes that group's time, already in
  // the maximum: priced once (bench/RESULTS.md "Session 31 (H5)").
  auto alike = [](const GroupBatch& a, const GroupBatch& b) {
    return std::bit_cast<uint64_t>(a.decode_seqs) == std::bit_cast<uint64_t>(b.decode_seqs) &&
           std::bit_cast<uint64_t>(a.decode_keys) == std::bit_cast<uint64_t>(b.decode_keys) &&
           std::bit_cast<uint64_t>(a.prefill_tokens) == std::bit_cast<uint64_t>(b.prefill_tokens) &&
           std::bit_cast<uint64_t>(a.prefill_keys) == std::bit_cast<uint64_t>(b.prefill_keys);
  };
  double slowest = 0;
  for (auto g = groups.begin(); g != groups.end(); ++g) {
    if (std::any_of(groups.begin(), g, [&](const GroupBatch& e) { return alike(e, *g); })) continue;
    const double pad = padding(*g);
    slowest = std::max(
        slowest, StepMemo::Seconds(
                     state_->serial,
                     StepMemo::KeyOf(g->decode_seqs, g->decode_keys, g->prefill_tokens,
                                     g->prefill_keys, instance_tokens, pad, instance_padding),
                     [&] {
                       return StepTimeOfBatch(x, state_->layout, g->decode_seqs, g->decode_keys,
                                              g->prefill_tokens, g->prefill_keys, instance_tokens,
                                              pad, instance_padding)
                           .total();
                     }));
  }
  // The ranks replay one graph or none: above the largest captured, every rank runs eagerly.
  const double step =
      std::max({slowest,
                EagerLaunchSeconds(state_->job, state_->layout, largest, largest_tokens, prompt),
                StreamHostSeconds(state_->job, running)}) +
      (prompt ? EagerSeconds(state_->job, state_->layout) : 0);
  // A prompt on any group: every rank runs the iteration eagerly, in lockstep, and none is
  // shorter than the host's launches of it (EagerHostSeconds).
  return prompt ? std::max(step, state_->eager_host_s) : step;
}

double ServingStepModel::KvCapacityTokens() const {
  return CapacityBytes(state_->context(), state_->layout) / KvBytesPerTokenPerChip();
}

double ServingStepModel::KvBytesPerTokenPerChip() const {
  // Per simulated stream: a pipeline's pp streams share each chip, each holding its layers.
  return KvBytesPerTokenOnChip(state_->context(), state_->layout);
}

double ServingStepModel::TokensPerDecodeStep() const {
  return perf::TokensPerDecodeStep(state_->job);
}

double ServingStepModel::KvHeldTokens(double tokens) const {
  const double per_token = KvBytesPerTokenPerChip();
  const double windowed = WindowKvBytesOnChip(state_->context(), state_->layout, tokens);
  return per_token > 0 ? tokens + windowed / per_token : tokens;
}

bool ServingStepModel::KvHeldIsTokens() const {
  // WindowKvBytesOnChip is then exactly 0 (no windowed bytes, over a positive share of heads).
  const InferenceLayout& l = state_->layout;
  auto plain = [&](const catalog::Model& m, const Shape& s) {
    return s.window_kv_per_token == 0 && std::min<double>(l.tp, m.kv_heads) > 0;
  };
  return plain(*state_->job.model, state_->s) &&
         (!state_->draft || plain(*state_->draft->job.model, state_->draft->s));
}

int ServingStepModel::MtpDepth() const { return state_->job.mtp_depth; }
double ServingStepModel::MtpAcceptance() const { return state_->job.mtp_acceptance; }

}  // namespace suanli::perf
