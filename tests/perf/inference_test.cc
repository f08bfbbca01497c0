// Inference model behaviour: KV-cache and weight sizes against hand counts
// from the architecture, memory-limited batch, the memory-bound decode
// roofline, monotonicity in the knobs, disaggregation and cost arithmetic,
// and errors for impossible jobs. Every expected number is derived by hand
// in the comments from the catalog's architecture and datasheet figures,
// never copied from the program's output.
#include "perf/inference.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "perf/transformer.h"
#include "testing.h"

namespace suanli::perf {
namespace {

const catalog::Catalog& Cat() { return testing::BuiltinCatalog(); }

InferenceJob Job(const char* model, const char* chip, ServingDType dtype = ServingDType::kBf16) {
  InferenceJob job = InferenceJobFor(Cat(), **Cat().FindModel(model), **Cat().FindChip(chip));
  if (auto s = Cat().SystemFor(*job.chip)) job.system = *s;
  job.dtype = dtype;
  return job;
}

InferenceConstraints Tp(int tp) {
  InferenceConstraints c;
  c.tp = tp;
  return c;
}

// Attention data parallel with expert parallel MoE (DEP): one chip per attention group.
InferenceConstraints Dep(int ranks) {
  InferenceConstraints c;
  c.tp = 1;
  c.ep = ranks;
  c.dp = ranks;
  return c;
}

constexpr double kGiB = 1024.0 * 1024 * 1024;

void ExpectError(const InferenceJob& job, const InferenceConstraints& c, const std::string& text) {
  auto r = EstimateInference(job, c);
  ASSERT_FALSE(r) << "expected an error containing '" << text << "'";
  // The field and the message: "tpot_ms: must be positive".
  EXPECT_NE(r.error().ToString().find(text), std::string::npos) << r.error().ToString();
}

// Llama 2 70B from its architecture (data/models.yaml: 80 layers, hidden
// 8192, 64 heads, 8 KV heads, head_dim 128, SwiGLU ffn 28672, vocab 32000,
// untied embeddings):
//   attention per layer  Q 8192*8192 + K,V 2*8192*(8*128) + O 8192*8192
//                        = 67,108,864 + 16,777,216 + 67,108,864 = 150,994,944
//   MLP per layer        3 * 8192 * 28672                        = 704,643,072
//   norms per layer      2 * 8192                                =      16,384
//   per layer                                                    = 855,654,400
//   80 layers                                                = 68,452,352,000
//   embeddings           2 * 32000 * 8192                        = 524,288,000
//   total                                                    = 68,976,640,000
// (HF safetensors: 68,976,648,192, the difference being the final 8192 norm.)
constexpr double kLlama2_70bParams = 68'976'640'000.0;

// ---------------------------------------------------------------------------
// KV cache per token.

// MLA stores the compressed latent (kv_lora_rank 512) and the rope key (64)
// per layer: DeepSeek-V3 61 x (512 + 64) x 2 B = 61 x 1152 = 70,272 B at
// bf16, half that (35,136 B) at fp8.
TEST(InferenceTest, KvBytesPerTokenDeepSeekV3) {
  InferenceJob bf16 = Job("deepseek-v3", "h800", ServingDType::kFp8);
  bf16.kv_dtype = ServingDType::kBf16;
  auto a = EstimateInference(bf16, {});
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_DOUBLE_EQ(a->kv_cache_bytes_per_token, 70'272.0);

  // fp8 weights default to an 8-bit KV cache.
  auto b = EstimateInference(Job("deepseek-v3", "h800", ServingDType::kFp8), {});
  ASSERT_TRUE(b) << b.error().ToString();
  EXPECT_DOUBLE_EQ(b->kv_cache_bytes_per_token, 35'136.0);

  // And an explicit fp8 KV cache under bf16 weights.
  InferenceJob fp8kv = Job("deepseek-v3", "h800", ServingDType::kBf16);
  fp8kv.kv_dtype = ServingDType::kFp8;
  auto c = EstimateInference(fp8kv, {});
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_DOUBLE_EQ(c->kv_cache_bytes_per_token, 35'136.0);
}

// GQA: layers x 2 (K and V) x kv_heads x head_dim x bytes.
//   Llama 3.1 405B: 126 x 2 x 8 x 128 x 2 B = 516,096 B
//   Qwen2.5 72B:     80 x 2 x 8 x 128 x 2 B = 327,680 B
// 405B in bf16 is 405.85e9 x 2 B / 8 = 94.5 GiB per chip even at tp 8, more
// than an H100 holds, so its weights are served in fp8 (47.2 GiB at tp 8)
// with the KV cache kept at bf16.
TEST(InferenceTest, KvBytesPerTokenGqa) {
  InferenceJob job405 = Job("llama-3-405b", "h100", ServingDType::kFp8);
  job405.kv_dtype = ServingDType::kBf16;
  auto a = EstimateInference(job405, {});
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_DOUBLE_EQ(a->kv_cache_bytes_per_token, 516'096.0);

  auto b = EstimateInference(Job("qwen2.5-72b", "h100"), {});
  ASSERT_TRUE(b) << b.error().ToString();
  EXPECT_DOUBLE_EQ(b->kv_cache_bytes_per_token, 327'680.0);

  // Weights at 8 bits default the KV cache to 8 bits: half of 327,680.
  auto c = EstimateInference(Job("qwen2.5-72b", "h100", ServingDType::kFp8), {});
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_DOUBLE_EQ(c->kv_cache_bytes_per_token, 163'840.0);
}

// ---------------------------------------------------------------------------
// Weights and the memory-limited batch.

// fp8 is 1 byte per parameter; tp 2 splits every non-expert weight (both
// embeddings included) in half: 68,976,640,000 / 2 B = 34,488,320,000 B
// = 32.12 GiB per chip.
TEST(InferenceTest, WeightsPerChipLlama2_70bFp8Tp2) {
  auto e = EstimateInference(Job("llama-2-70b", "h100", ServingDType::kFp8), Tp(2));
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_EQ(e->layout.tp, 2);
  const double expect_gib = kLlama2_70bParams * 1.0 / 2 / kGiB;
  EXPECT_NEAR(e->weights_gib_per_chip / expect_gib, 1.0, 1e-3);
}

// memory_max_batch = floor((capacity - weights - reserved - workspace) /
//                          (ctx x kv_per_token / kv_split)).
// H100: 80 GiB (data/chips.yaml); hopper memory_reserved_gib 4
// (data/calibration.yaml); serving_workspace_gib 2. Llama 2 70B fp8, tp 2:
//   weights 34,488,320,000 B (above)
//   room    (80 - 4 - 2) x 2^30 - 34,488,320,000
//           = 79,456,894,976 - 34,488,320,000 = 44,968,574,976 B
//   KV      fp8 (default under 8-bit weights): 80 x 2 x 8 x 128 x 1 = 163,840 B
//           per token, split over min(tp, kv_heads) = 2 chips
//   ctx     input 1024 + output 256 / 2 = 1152 tokens
//   per seq 1152 x 163,840 / 2 = 94,371,840 B
//   batch   44,968,574,976 / 94,371,840 = 476.5 -> 476
TEST(InferenceTest, MemoryMaxBatchFollowsTheHandFormula) {
  InferenceJob job = Job("llama-2-70b", "h100", ServingDType::kFp8);
  // The inputs of the hand formula, as the data files give them.
  ASSERT_DOUBLE_EQ(*job.chip->memory_gib.value, 80.0);
  ASSERT_DOUBLE_EQ(job.calibration.memory_reserved_gib, 4.0);
  ASSERT_DOUBLE_EQ(job.serving.serving_workspace_gib, 2.0);
  ASSERT_EQ(job.input_tokens, 1024);
  ASSERT_EQ(job.output_tokens, 256);

  auto e = EstimateInference(job, Tp(2));
  ASSERT_TRUE(e) << e.error().ToString();
  const double room = (80.0 - 4 - 2) * kGiB - kLlama2_70bParams / 2;
  const double per_seq = (1024 + 256 / 2.0) * (80.0 * 2 * 8 * 128 * 1) / 2;
  EXPECT_EQ(e->memory_max_batch, 476);
  EXPECT_EQ(e->memory_max_batch, static_cast<int>(std::floor(room / per_seq)));
  EXPECT_LE(e->max_batch, e->memory_max_batch);
  // KV at the chosen batch: batch x per-sequence bytes.
  EXPECT_NEAR(e->kv_cache_gib_per_chip, e->max_batch * per_seq / kGiB, 1e-6);
  // Weights + KV + reserved + workspace stay within the 80 GiB.
  EXPECT_LE(e->weights_gib_per_chip + e->kv_cache_gib_per_chip + 4 + 2, 80.0);
}

// Outputs of spread lengths: the running requests are the long ones (a request runs for its
// length), so their mean context is input + E[L^2] / (2 E[L]) = input + ratio x output / 2. Hand
// check on the formula above: ratio 2 doubles the output's half, per sequence (1024 + 256) x
// 163,840 / 2 B: 74 GiB less the weights hold 428 sequences, not 476.
TEST(InferenceTest, SpreadOutputsHoldLongerContexts) {
  InferenceJob job = Job("llama-2-70b", "h100", ServingDType::kFp8);
  auto fixed = EstimateInference(job, Tp(2));
  ASSERT_TRUE(fixed) << fixed.error().ToString();
  job.output_length_ratio = 2;
  auto spread = EstimateInference(job, Tp(2));
  ASSERT_TRUE(spread) << spread.error().ToString();
  const double room = (80.0 - 4 - 2) * kGiB - kLlama2_70bParams / 2;
  const double per_seq = (1024 + 2 * 256 / 2.0) * (80.0 * 2 * 8 * 128 * 1) / 2;
  EXPECT_EQ(spread->memory_max_batch, static_cast<int>(std::floor(room / per_seq)));
  EXPECT_EQ(spread->memory_max_batch, 428);
  // The same as fixed outputs twice as long, as far as the running context goes.
  InferenceJob longer = Job("llama-2-70b", "h100", ServingDType::kFp8);
  longer.output_tokens = 512;
  EXPECT_EQ(EstimateInference(longer, Tp(2))->memory_max_batch, spread->memory_max_batch);
  // Longer contexts: more attention a step, so no more tokens per second.
  EXPECT_LE(spread->output_tokens_per_s_per_chip, fixed->output_tokens_per_s_per_chip);
  EXPECT_GT(spread->step_attention_ms / spread->max_batch,
            fixed->step_attention_ms / fixed->max_batch);
  job.output_length_ratio = 0.5;
  ExpectError(job, Tp(2), "output_dist");
}

// ---------------------------------------------------------------------------
// Decode roofline.

// Llama 3 8B bf16 on one H100 at a tiny batch streams its weights once per
// step: 8.03e9 params x 2 B = 16.06e9 B at 3.35e12 B/s x 0.75 (hopper
// memory_efficiency) = 2.5125e12 B/s -> 6.39 ms. Offline, a 6.5 ms mean
// TPOT leaves room only for a few sequences (each adds 1152 x 131,072 B =
// 0.15 GB of KV, 0.06 ms).
TEST(InferenceTest, SmallBatchDecodeIsWeightStreaming) {
  InferenceJob job = Job("llama-3-8b", "h100");
  ASSERT_DOUBLE_EQ(job.calibration.memory_efficiency, 0.75);
  ASSERT_DOUBLE_EQ(*job.chip->memory_tb_s.value, 3.35);
  job.mode = ServingMode::kOffline;
  // The weight read plus the harness's fixed 4.8 ms a step (hopper serving_step_overhead_ms).
  job.tpot_ms = 11.3;
  auto e = EstimateInference(job, Tp(1));
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_EQ(e->layout.tp, 1);
  EXPECT_GE(e->max_batch, 1);
  EXPECT_LE(e->max_batch, 8);
  EXPECT_LT(e->max_batch, e->memory_max_batch);
  EXPECT_EQ(e->bound, "memory-bandwidth");
  const double hand_ms = 8.03e9 * 2 / (3.35e12 * 0.75) * 1e3 + 4.8;  // 6.39 + 4.8 ms
  EXPECT_NEAR(e->tpot_ms / hand_ms, 1.0, 0.10) << "tpot " << e->tpot_ms << " ms";
  EXPECT_NEAR(e->step_overhead_ms, 4.8, 1e-9);
  EXPECT_LE(e->tpot_ms, 11.3);
  // The step breakdown adds up to the TPOT.
  EXPECT_NEAR(
      e->step_linear_ms + e->step_attention_ms + e->step_communication_ms + e->step_overhead_ms,
      e->tpot_ms, 1e-9 * e->tpot_ms);
  // Throughput per chip is batch / step (offline: no utilization discount).
  EXPECT_NEAR(e->decode_tokens_per_s_per_chip, e->max_batch / (e->tpot_ms / 1e3),
              1e-9 * e->decode_tokens_per_s_per_chip);
}

// The same on one NVIDIA L20 (data/chips.yaml: 48 GB GDDR6 at 0.864 TB/s, S1500), the China
// serving card; the 'ada' family has no fit, so the default memory_efficiency 0.7 applies. A
// decode step streams every weight but the input embedding (a lookup reads one row per token):
// Llama 3.1 8B has 8,030,261,248 parameters (HF safetensors), 128,256 x 4,096 = 525,336,576 of
// them the input embedding, so 7,504,924,672 x 2 B = 15.010e9 B at 0.864e12 x 0.7 =
// 0.6048e12 B/s -> 24.82 ms (3.9x the H100's step above: the bandwidth ratio 3.35 / 0.864 = 3.88
// times the efficiency ratio 0.75 / 0.7). Each sequence adds its KV: 1152 tokens (1024 in +
// 256 / 2 out) x 131,072 B = 150,994,944 B -> 0.2497 ms. A 27.5 ms mean TPOT then holds
// floor((27.5 - 24.82) / 0.2497) = floor(10.74) = 10 sequences, a 27.31 ms step.
TEST(InferenceTest, SmallBatchDecodeOnOneL20IsWeightStreaming) {
  InferenceJob job = Job("llama-3.1-8b", "l20");
  ASSERT_DOUBLE_EQ(job.calibration.memory_efficiency, 0.7);
  ASSERT_DOUBLE_EQ(*job.chip->memory_tb_s.value, 0.864);
  job.mode = ServingMode::kOffline;
  job.tpot_ms = 27.5;
  auto e = EstimateInference(job, Tp(1));
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_EQ(e->layout.tp, 1);
  EXPECT_EQ(e->bound, "memory-bandwidth");
  const double bytes_per_s = 0.864e12 * 0.7;
  const double weights_ms = (8'030'261'248.0 - 128'256.0 * 4096) * 2 / bytes_per_s * 1e3;
  const double kv_ms = (1024 + 256 / 2.0) * 131'072 / bytes_per_s * 1e3;
  EXPECT_NEAR(weights_ms, 24.82, 0.01);
  EXPECT_EQ(e->max_batch, static_cast<int>(std::floor((27.5 - weights_ms) / kv_ms)));  // 10
  EXPECT_NEAR(e->tpot_ms / (weights_ms + e->max_batch * kv_ms), 1.0, 0.01)
      << "tpot " << e->tpot_ms << " ms";
  EXPECT_LE(e->tpot_ms, 27.5);
  // The whole model fits one card with room for KV: 16.06e9 B = 14.96 GiB of 48.
  EXPECT_NEAR(e->weights_gib_per_chip, 8'030'261'248.0 * 2 / kGiB, 0.05);
}

// The weight GEMMs of a step on hopper take the smooth roofline (data/calibration.yaml
// serving_roofline_exponent 1.5, fitted on the MLPerf v5.0 H100 / H200 Llama-2-70B cases):
// (read^1.5 + math^1.5)^(1/1.5) instead of max(read, math). Llama 3 8B in BF16 on one H100,
// 256 decoding sequences with no cached keys (no attention): the read is the 7,504,924,672
// weights but the input embedding x 2 B at 3.35e12 x 0.75 B/s = 5.974 ms; the math is 256 x 2 x
// 7,504,924,672 FLOP at 989e12 x 0.65 (hopper matmul_efficiency) = 5.977 ms, the ridge point,
// where the smooth roofline charges 2^(1/1.5) = 1.587 times the sharp one's max: 9.486 ms.
TEST(InferenceTest, HopperWeightGemmsTakeTheSmoothRoofline) {
  InferenceJob job = Job("llama-3-8b", "h100");
  ASSERT_DOUBLE_EQ(job.calibration.serving_roofline_exponent, 1.5);
  ASSERT_DOUBLE_EQ(job.calibration.matmul_efficiency, 0.65);
  const InferenceLayout layout{1, 1, 1, 1};
  const double weights = 8'030'261'248.0 - 128'256.0 * 4096;
  const double read_ms = weights * 2 / (3.35e12 * 0.75) * 1e3;
  const double math_ms = 256 * 2 * weights / (989e12 * 0.65) * 1e3;
  EXPECT_NEAR(read_ms, 5.974, 0.001);
  EXPECT_NEAR(math_ms, 5.977, 0.001);
  // Each step also pays the harness's fixed 4.8 ms (hopper serving_step_overhead_ms; no engine
  // here), outside the GEMMs: taken off before the GEMM terms are compared.
  ASSERT_DOUBLE_EQ(job.calibration.serving_step_overhead_ms, 4.8);
  const auto gemm_ms = [](const ServingStepModel& m, double decode) {
    return m.StepSeconds(decode, 0, 0, 0) * 1e3 - 4.8;
  };
  auto smooth = ServingStepModel::Make(job, layout);
  ASSERT_TRUE(smooth) << smooth.error().message;
  EXPECT_NEAR(
      gemm_ms(*smooth, 256) / std::pow(std::pow(read_ms, 1.5) + std::pow(math_ms, 1.5), 1 / 1.5),
      1.0, 0.01);
  // Exponent 0 is the sharp roofline (every family without the field); 1 charges both in full.
  InferenceJob sharp = job;
  sharp.calibration.serving_roofline_exponent = 0;
  auto max_rule = ServingStepModel::Make(sharp, layout);
  ASSERT_TRUE(max_rule) << max_rule.error().message;
  EXPECT_NEAR(gemm_ms(*max_rule, 256) / std::max(read_ms, math_ms), 1.0, 0.01);
  InferenceJob sum = job;
  sum.calibration.serving_roofline_exponent = 1;
  auto sum_rule = ServingStepModel::Make(sum, layout);
  ASSERT_TRUE(sum_rule) << sum_rule.error().message;
  EXPECT_NEAR(gemm_ms(*sum_rule, 256) / (read_ms + math_ms), 1.0, 0.01);
  // Far from the ridge the two agree: at 4,096 sequences the read adds 1.0 % to the math.
  EXPECT_NEAR(gemm_ms(*smooth, 4096) / gemm_ms(*max_rule, 4096),
              std::pow(1 + std::pow(read_ms / (16 * math_ms), 1.5), 1 / 1.5), 1e-3);
}

// ---------------------------------------------------------------------------
// Monotonicity.

TEST(InferenceTest, TighterTpotMeansSmallerBatchAndLowerThroughput) {
  InferenceJob job = Job("llama-3-70b", "h100");
  job.mode = ServingMode::kOffline;
  double last_batch = 1e9, last_rate = 1e18;
  for (double tpot : {200.0, 60.0, 40.0, 30.0, 25.0}) {
    job.tpot_ms = tpot;
    auto e = EstimateInference(job, Tp(4));
    ASSERT_TRUE(e) << "tpot " << tpot << ": " << e.error().ToString();
    EXPECT_LE(e->tpot_ms, tpot);
    EXPECT_LE(e->max_batch, last_batch) << "tpot " << tpot;
    EXPECT_LE(e->decode_tokens_per_s_per_chip, last_rate) << "tpot " << tpot;
    last_batch = e->max_batch;
    last_rate = e->decode_tokens_per_s_per_chip;
  }
  // Strictly: 25 ms against an unconstrained (memory-limited) run.
  job.tpot_ms.reset();
  auto loose = EstimateInference(job, Tp(4));
  job.tpot_ms = 25;
  auto tight = EstimateInference(job, Tp(4));
  ASSERT_TRUE(loose && tight);
  EXPECT_LT(tight->max_batch, loose->max_batch);
  EXPECT_LT(tight->decode_tokens_per_s_per_chip, loose->decode_tokens_per_s_per_chip);

  // With the layout searched too, a tighter target never raises throughput.
  job.tpot_ms = 60;
  auto searched_loose = EstimateInference(job, {});
  job.tpot_ms = 25;
  auto searched_tight = EstimateInference(job, {});
  ASSERT_TRUE(searched_loose && searched_tight);
  EXPECT_LE(searched_tight->output_tokens_per_s_per_chip,
            searched_loose->output_tokens_per_s_per_chip);
}

TEST(InferenceTest, ServerThroughputIsAtMostOffline) {
  for (const char* model : {"llama-3-8b", "llama-3-70b"}) {
    for (bool with_target : {false, true}) {
      InferenceJob job = Job(model, "h100");
      if (with_target) job.tpot_ms = 50;
      job.mode = ServingMode::kOffline;
      auto offline = EstimateInference(job, {});
      job.mode = ServingMode::kServer;
      auto server = EstimateInference(job, {});
      ASSERT_TRUE(offline && server) << model;
      EXPECT_LE(server->output_tokens_per_s_per_chip, offline->output_tokens_per_s_per_chip)
          << model << (with_target ? " with --tpot-ms 50" : "");
      EXPECT_LE(server->decode_tokens_per_s_per_chip, offline->decode_tokens_per_s_per_chip)
          << model;
    }
  }
}

TEST(InferenceTest, PrefixCacheHitsRaisePrefillThroughput) {
  for (const char* model : {"llama-3-70b", "deepseek-v3"}) {
    double last = 0;
    for (double hit : {0.0, 0.25, 0.5, 0.9}) {
      InferenceJob job = Job(model, "h800", ServingDType::kFp8);
      job.prefix_cache_hit = hit;
      auto e = EstimateInference(job, {});
      ASSERT_TRUE(e) << model << " hit " << hit << ": " << e.error().ToString();
      EXPECT_GT(e->prefill_tokens_per_s_per_chip, last) << model << " hit " << hit;
      last = e->prefill_tokens_per_s_per_chip;
    }
  }
}

// 4-bit GEMMs take the family's fp4_matmul_efficiency where it is set (blackwell: its 8-bit
// efficiency is fitted on FP8 training, its 4-bit one is not), 8-bit ones never do, and a family
// without it runs 4-bit at low_precision_matmul_efficiency.
TEST(InferenceTest, Fp4GemmsTakeTheirOwnEfficiencyWhereSet) {
  const auto& bw = Cat().CalibrationFor("blackwell");
  ASSERT_TRUE(bw.fp4_matmul_efficiency.has_value());
  ASSERT_NE(*bw.fp4_matmul_efficiency, bw.low_precision_matmul_efficiency);
  auto prefill = [](ServingDType d, std::optional<double> fp4) {
    InferenceJob job = Job("llama-3-70b", "b200", d);
    job.calibration.fp4_matmul_efficiency = fp4;
    auto e = EstimateInference(job, Tp(8));
    EXPECT_TRUE(e) << e.error().ToString();
    return e ? e->prefill_tokens_per_s_per_chip : NAN;
  };
  const double lp = bw.low_precision_matmul_efficiency;
  // Unset and set to the 8-bit value are the same model.
  EXPECT_DOUBLE_EQ(prefill(ServingDType::kFp4, std::nullopt), prefill(ServingDType::kFp4, lp));
  // A lower 4-bit efficiency slows FP4 prefill (compute-bound), and leaves FP8 alone.
  EXPECT_LT(prefill(ServingDType::kFp4, lp / 2), 0.9 * prefill(ServingDType::kFp4, lp));
  EXPECT_DOUBLE_EQ(prefill(ServingDType::kFp8, lp / 2), prefill(ServingDType::kFp8, lp));
  EXPECT_FALSE(Cat().CalibrationFor("hopper").fp4_matmul_efficiency.has_value());
}

// 4-bit weights with 16-bit math (int4: gpt-oss's MXFP4 experts on Hopper) take the family's
// weight_only_matmul_efficiency where it is set, of the 16-bit peak; BF16 GEMMs keep
// matmul_efficiency. By hand, gpt-oss-20b on one H100 prefilling 8,192 tokens: the routed experts
// (24 MoE layers x 4 of 32 experts x 3 x 2,880 x 2,880 = 2.389e9 parameters a token) take
// 2 x 8,192 x 2.389e9 / (989e12 x e) seconds; hopper's e = 0.257 (S2000) against 0.65 is
// 153.9 - 60.9 = 93.1 ms more, all of it in the experts (the step is compute-bound).
TEST(InferenceTest, WeightOnlyGemmsTakeTheirOwnEfficiencyWhereSet) {
  const auto& hopper = Cat().CalibrationFor("hopper");
  ASSERT_TRUE(hopper.weight_only_matmul_efficiency.has_value());
  EXPECT_DOUBLE_EQ(*hopper.weight_only_matmul_efficiency, 0.257);
  EXPECT_DOUBLE_EQ(hopper.matmul_efficiency, 0.65);
  auto step = [](std::optional<ServingDType> experts, std::optional<double> eff) {
    InferenceJob job = Job("gpt-oss-20b", "h100");
    job.expert_dtype = experts;
    job.calibration.weight_only_matmul_efficiency = eff;
    job.input_tokens = 8192;
    job.output_tokens = 1;
    auto m = ServingStepModel::Make(job, InferenceLayout{1, 1, 1, 1});
    EXPECT_TRUE(m) << m.error().message;
    return m ? m->StepSeconds(0, 0, 8192, 8192.0 * 8192 / 2) : NAN;
  };
  const double experts_s = 2 * 8192 * 2.389e9 / 989e12;
  EXPECT_NEAR((step(ServingDType::kInt4, 0.257) - step(ServingDType::kInt4, std::nullopt)) * 1e3,
              (experts_s / 0.257 - experts_s / 0.65) * 1e3, 0.5);
  EXPECT_NEAR((experts_s / 0.257 - experts_s / 0.65) * 1e3, 93.1, 0.1);
  // BF16 experts do not take it.
  EXPECT_DOUBLE_EQ(step(std::nullopt, 0.257), step(std::nullopt, std::nullopt));
  // Blackwell: the same issue-bound kernel (Marlin) on 148 SMs against H100's 132 at similar
  // clocks (S3450): 0.257 x 989 TFLOPS x 148 / 132 = 285 TFLOPS, of B200's 2,250 BF16 peak.
  const auto& blackwell = Cat().CalibrationFor("blackwell");
  ASSERT_TRUE(blackwell.weight_only_matmul_efficiency.has_value());
  EXPECT_NEAR(0.257 * 989 * 148 / 132 / 2250, 0.1266, 0.0001);
  EXPECT_NEAR(*blackwell.weight_only_matmul_efficiency, 0.257 * 989 * 148 / 132 / 2250, 0.001);
}

// At decode the weight-only kernels stream 4-bit weights no faster than they convert them
// (hopper weight_only_gweights_s 4,850: vLLM's Marlin W4A16 GEMM at M = 1 on H200, S3212). By hand,
// gpt-oss-120b at TP 2, one sequence decoding (sharp roofline, so the step's linear part is its
// read): the token's 4 experts of 36 layers, half of each on a chip, 36 x 4 x 3 x 2,880 x 2,880 / 2
// = 1.7916e9 weights a chip, half a byte each: read at 4.8 TB/s x 0.75 on H200 in 0.2488 ms,
// converted at 4.85e12 a second in 0.3694 ms: 0.1206 ms more. On H100 (3.35 TB/s x 0.75) the read
// takes 0.3566 ms: 0.0128 ms more. BF16 experts and FP4 (native on Blackwell) do not take it.
// Blackwell (weight_only_gweights_s 5,440: the same kernel on 148 SMs against 132, S3450): on B200
// the read takes 1.7916e9 x 0.5 / (8 TB/s x 0.7) = 0.1600 ms, the conversion 0.3293 ms: 0.1693 ms
// more, the larger share because B200's memory is faster still.
TEST(InferenceTest, WeightOnlyDecodeStreamsNoFasterThanItsKernelsConvert) {
  const auto& hopper = Cat().CalibrationFor("hopper");
  ASSERT_TRUE(hopper.weight_only_gweights_s.has_value());
  EXPECT_DOUBLE_EQ(*hopper.weight_only_gweights_s, 4850);
  const auto& blackwell = Cat().CalibrationFor("blackwell");
  ASSERT_TRUE(blackwell.weight_only_gweights_s.has_value());
  EXPECT_NEAR(*blackwell.weight_only_gweights_s, 4850.0 * 148 / 132, 5);
  auto step = [](const char* chip, ServingDType experts, std::optional<double> rate) {
    InferenceJob job = Job("gpt-oss-120b", chip);
    job.expert_dtype = experts;
    job.calibration.weight_only_gweights_s = rate;
    job.calibration.serving_roofline_exponent = 0;
    job.input_tokens = 1024;
    job.output_tokens = 1024;
    auto m = ServingStepModel::Make(job, InferenceLayout{2, 1, 1, 1});
    EXPECT_TRUE(m) << m.error().message;
    return m ? m->StepSeconds(1, 1024, 0, 0) : NAN;
  };
  const double weights = 36.0 * 4 * 3 * 2880 * 2880 / 2;
  EXPECT_NEAR(weights, 1.7916e9, 0.0001e9);
  const double h200 = weights / 4.85e12 - weights * 0.5 / (4.8e12 * 0.75);
  const double h100 = weights / 4.85e12 - weights * 0.5 / (3.35e12 * 0.75);
  EXPECT_NEAR(h200 * 1e3, 0.1206, 0.0005);
  EXPECT_NEAR(h100 * 1e3, 0.0128, 0.0005);
  EXPECT_NEAR(
      (step("h200", ServingDType::kInt4, 4850) - step("h200", ServingDType::kInt4, std::nullopt)) *
          1e3,
      h200 * 1e3, 0.002);
  EXPECT_NEAR(
      (step("h100", ServingDType::kInt4, 4850) - step("h100", ServingDType::kInt4, std::nullopt)) *
          1e3,
      h100 * 1e3, 0.002);
  EXPECT_DOUBLE_EQ(step("h200", ServingDType::kBf16, 4850),
                   step("h200", ServingDType::kBf16, std::nullopt));
  EXPECT_DOUBLE_EQ(step("b200", ServingDType::kFp4, 4850),
                   step("b200", ServingDType::kFp4, std::nullopt));
  const double b200 = weights / 5.44e12 - weights * 0.5 / (8e12 * 0.7);
  EXPECT_NEAR(b200 * 1e3, 0.1693, 0.0005);
  EXPECT_NEAR(
      (step("b200", ServingDType::kInt4, 5440) - step("b200", ServingDType::kInt4, std::nullopt)) *
          1e3,
      b200 * 1e3, 0.002);
}

// An engine's decode-sized GEMMs stream the layer weights and the LM head at most at the chip's
// SMs times their rate an SM (bf16_gemm_sm_gb_s for 16-bit weights, fp8_gemm_sm_gb_s for FP8).
// By hand, Qwen3-8B decoding one sequence on one H20 (78 SMs, S3431; 4.0 TB/s x 0.75 = 3.0 TB/s
// achievable): the step reads 36 layers x (4,096 x (4,096 + 2 x 1,024 + 4,096) + 3 x 4,096 x
// 12,288) = 6.946e9 weights plus the 151,936 x 4,096 = 0.622e9 of the LM head (norms aside),
// 7.568e9: in BF16 15.14 GB, 5.05 ms at 3.0 TB/s and 10.55 ms at 78 x 18.4 = 1.435 TB/s, 5.50 ms
// more; in FP8 7.57 GB, 2.52 ms at 3.0 TB/s and 4.04 ms at 78 x 24 = 1.872 TB/s, 1.52 ms more.
// Each rate reaches its own format only; the H100 (132 x 24 = 3.17 TB/s against 3.35 x 0.75 =
// 2.51) and a family the engine does not list do not move.
TEST(InferenceTest, EngineGemmRateAnSmCapsTheLayerWeightStream) {
  ASSERT_TRUE((*Cat().FindChip("h20"))->sm_count.known());
  EXPECT_DOUBLE_EQ(*(*Cat().FindChip("h20"))->sm_count.value, 78);
  auto step = [](const char* chip, ServingDType d, std::map<std::string, double> bf16,
                 std::map<std::string, double> fp8) {
    InferenceJob job = Job("qwen3-8b", chip, d);
    job.limits.bf16_gemm_sm_gb_s = std::move(bf16);
    job.limits.fp8_gemm_sm_gb_s = std::move(fp8);
    job.calibration.serving_roofline_exponent = 0;
    job.input_tokens = 1;
    job.output_tokens = 2048;
    auto m = ServingStepModel::Make(job, InferenceLayout{1, 1, 1, 1});
    EXPECT_TRUE(m) << m.error().message;
    return m ? m->StepSeconds(1, 1, 0, 0) : NAN;
  };
  const double weights =
      36.0 * (4096.0 * (4096 + 2 * 1024 + 4096) + 3.0 * 4096 * 12288) + 151936.0 * 4096;
  EXPECT_NEAR(weights, 7.568e9, 0.001e9);
  const double bf16_more = weights * 2 * (1 / (78 * 18.4e9) - 1 / (4.0e12 * 0.75));
  const double fp8_more = weights * (1 / (78 * 24e9) - 1 / (4.0e12 * 0.75));
  EXPECT_NEAR(bf16_more * 1e3, 5.50, 0.01);
  EXPECT_NEAR(fp8_more * 1e3, 1.52, 0.01);
  const std::map<std::string, double> bf16{{"hopper", 18.4}}, fp8{{"hopper", 24}};
  const auto kBf16 = ServingDType::kBf16, kFp8 = ServingDType::kFp8;
  EXPECT_NEAR((step("h20", kBf16, bf16, fp8) - step("h20", kBf16, {}, {})) * 1e3, bf16_more * 1e3,
              0.01);
  EXPECT_NEAR((step("h20", kFp8, bf16, fp8) - step("h20", kFp8, {}, {})) * 1e3, fp8_more * 1e3,
              0.01);
  EXPECT_DOUBLE_EQ(step("h20", kBf16, {}, fp8), step("h20", kBf16, {}, {}));
  EXPECT_DOUBLE_EQ(step("h20", kFp8, bf16, {}), step("h20", kFp8, {}, {}));
  EXPECT_DOUBLE_EQ(step("h100", kFp8, {}, fp8), step("h100", kFp8, {}, {}));
  EXPECT_DOUBLE_EQ(step("h20", kBf16, {{"blackwell", 18.4}}, {}), step("h20", kBf16, {}, {}));
}

// An engine's activation-quantization kernels before its FP8 GEMMs (fp8_quant_layer_us) take a
// fixed time a layer in every step where the layer weights are FP8, whatever the tokens. By hand:
// Qwen3-8B's 36 layers x 13.4 us = 0.4824 ms a step at 1 and at 64 sequences, 2 layers of 36
// fewer at pp 2 (18 x 13.4 = 0.2412 ms); BF16 weights and a family not listed do not move.
TEST(InferenceTest, Fp8QuantizationKernelsTakeAFixedTimeALayer) {
  auto step = [](ServingDType d, std::map<std::string, double> quant, int pp, double seqs) {
    InferenceJob job = Job("qwen3-8b", "h20", d);
    job.limits.fp8_quant_layer_us = std::move(quant);
    job.input_tokens = 1;
    job.output_tokens = 2048;
    auto m = ServingStepModel::Make(job, InferenceLayout{1, 1, 1, pp});
    EXPECT_TRUE(m) << m.error().message;
    return m ? m->StepSeconds(seqs, seqs, 0, 0) : NAN;
  };
  const std::map<std::string, double> hopper{{"hopper", 13.4}};
  const auto kBf16 = ServingDType::kBf16, kFp8 = ServingDType::kFp8;
  EXPECT_NEAR((step(kFp8, hopper, 1, 1) - step(kFp8, {}, 1, 1)) * 1e3, 36 * 13.4e-3, 1e-9);
  EXPECT_NEAR((step(kFp8, hopper, 1, 64) - step(kFp8, {}, 1, 64)) * 1e3, 36 * 13.4e-3, 1e-9);
  EXPECT_NEAR((step(kFp8, hopper, 2, 1) - step(kFp8, {}, 2, 1)) * 1e3, 18 * 13.4e-3, 1e-9);
  EXPECT_DOUBLE_EQ(step(kBf16, hopper, 1, 1), step(kBf16, {}, 1, 1));
  EXPECT_DOUBLE_EQ(step(kFp8, {{"blackwell", 13.4}}, 1, 1), step(kFp8, {}, 1, 1));
}

// FP8 served with one scale per tensor takes the family's fp8_fast_accum_matmul_efficiency where
// it is set (hopper), a model released with block-scaled FP8 weights (DeepSeek-R1's
// weight_block_size 128) keeps low_precision_matmul_efficiency, and BF16 never moves. INT8
// (W8A8) accumulates exactly in int32 (S4662) and takes the unpromoted rate too.
TEST(InferenceTest, PerTensorFp8AccumulatesFastBlockScaledFp8Promotes) {
  const auto& hopper = Cat().CalibrationFor("hopper");
  ASSERT_TRUE(hopper.fp8_fast_accum_matmul_efficiency.has_value());
  EXPECT_GT(*hopper.fp8_fast_accum_matmul_efficiency, hopper.low_precision_matmul_efficiency);
  auto prefill = [](const char* model, int tp, ServingDType d, std::optional<double> fast) {
    InferenceJob job = Job(model, std::string_view(model) == "deepseek-r1" ? "h200" : "h100", d);
    job.calibration.fp8_fast_accum_matmul_efficiency = fast;
    auto e = EstimateInference(job, Tp(tp));
    EXPECT_TRUE(e) << e.error().ToString();
    return e ? e->prefill_tokens_per_s_per_chip : NAN;
  };
  const double lp = hopper.low_precision_matmul_efficiency;
  EXPECT_DOUBLE_EQ(prefill("llama-3-70b", 8, ServingDType::kFp8, std::nullopt),
                   prefill("llama-3-70b", 8, ServingDType::kFp8, lp));
  // Compute-bound prefill: twice the efficiency halves the matmul time; attention and the TP 8
  // all-reduces do not move (160 a token of 8,192 x 2 B through the switch at 450 x 0.6 GB/s:
  // 160 x 1.125 x 16,384 B / 270 GB/s = 10.9 us, against ~20 us of matmul a token: 2 x 70e9 / 8
  // FLOP at 1,979 x 0.45 TFLOP/s), so the rate rises by well over 1.4x, not 2x.
  EXPECT_GT(prefill("llama-3-70b", 8, ServingDType::kFp8, 2 * lp),
            1.4 * prefill("llama-3-70b", 8, ServingDType::kFp8, lp));
  EXPECT_DOUBLE_EQ(prefill("llama-3-70b", 8, ServingDType::kBf16, 2 * lp),
                   prefill("llama-3-70b", 8, ServingDType::kBf16, lp));
  // INT8 on Hopper: unset, the promoted rate; set, it moves as per-tensor FP8 does, and at the
  // same rate (H100's dense INT8 and FP8 peaks are both 1,979 TOPS, one byte a weight each), the
  // two prefills are the same.
  EXPECT_DOUBLE_EQ(prefill("llama-3-70b", 8, ServingDType::kInt8, std::nullopt),
                   prefill("llama-3-70b", 8, ServingDType::kInt8, lp));
  EXPECT_GT(prefill("llama-3-70b", 8, ServingDType::kInt8, 2 * lp),
            1.4 * prefill("llama-3-70b", 8, ServingDType::kInt8, lp));
  EXPECT_NEAR(prefill("llama-3-70b", 8, ServingDType::kInt8, 1.33 * lp),
              prefill("llama-3-70b", 8, ServingDType::kFp8, 1.33 * lp),
              1e-9 * prefill("llama-3-70b", 8, ServingDType::kFp8, 1.33 * lp));
  ASSERT_GT((*Cat().FindModel("deepseek-r1"))->checkpoints.at(0).weight_block_size, 0);
  EXPECT_DOUBLE_EQ(prefill("deepseek-r1", 8, ServingDType::kFp8, 2 * lp),
                   prefill("deepseek-r1", 8, ServingDType::kFp8, lp));
  // A named release with block scales (Qwen's Qwen3-*-FP8: the job's fp8_block_scaled_checkpoint,
  // set from the served checkpoint's weight_block_size) promotes as DeepSeek-R1's own does.
  auto named = [](std::optional<double> fast) {
    InferenceJob job = Job("llama-3-70b", "h100", ServingDType::kFp8);
    job.fp8_block_scaled_checkpoint = true;
    job.calibration.fp8_fast_accum_matmul_efficiency = fast;
    auto e = EstimateInference(job, Tp(8));
    EXPECT_TRUE(e) << e.error().ToString();
    return e ? e->prefill_tokens_per_s_per_chip : NAN;
  };
  EXPECT_DOUBLE_EQ(named(2 * lp), named(lp));
  EXPECT_DOUBLE_EQ(named(2 * lp), prefill("llama-3-70b", 8, ServingDType::kFp8, lp));
}

// ---------------------------------------------------------------------------
// Disaggregated prefill and decode.

// Let D be a decode chip's output rate, P a prefill chip's rate in prompt
// tokens per second cache hits included, h the hit rate, I/O the input and
// output tokens per request. Each output token needs I (1 - h) / O computed
// prompt tokens; a prefill chip computes P (1 - h) of them per second. So
// one decode chip needs r = D x I (1 - h) / O / (P (1 - h)) prefill chips,
// and 1 + r chips together emit D output tokens/s: D / (1 + r) per chip.
// Ascend's collectives as measured (data/systems.yaml cloudmatrix-384: the 910C's two dies are two
// HCCL ranks; HCCL reduces in 2 (n - 1) steps of 4.8 us, S2500 / S2063's batch-1 runs). Qwen3-32B
// at tp 4 (8 dies), one sequence a step: an all-reduce of 5,120 x 2 = 10,240 B takes
// 2 x 7 x (10,240 / 8 / (392e9 x 0.8 / 2) + 4.8e-6) = 14 x (8.16e-9 + 4.8e-6) = 67.31 us (the
// one-shot kernel priced 3.1 us), two a layer over 64 layers: 8.62 ms a step. At tp 8 (16 dies):
// 30 x 4.8 = 144 us, the ~145 us session 19 read off S2063's 235B TP 16 batch-1 run.
TEST(InferenceTest, AscendTpAllReduceTakesHcclStepsPerDie) {
  for (const int tp : {4, 8}) {
    InferenceJob job = Job("qwen3-32b", "ascend-910c");
    ASSERT_EQ(job.system.id, "cloudmatrix-384");
    ASSERT_EQ(job.system.scale_up.ranks_per_chip, 2);
    ASSERT_DOUBLE_EQ(job.system.scale_up.allreduce_step_us, 4.8);
    job.mode = ServingMode::kOffline;
    job.limits.max_num_seqs = 1;
    job.input_tokens = 1;  // the reported step is a decode step: one prompt token in 20,000 steps
    job.output_tokens = 20000;
    auto e = EstimateInference(job, Tp(tp));
    ASSERT_TRUE(e) << e.error().ToString();
    ASSERT_EQ(e->max_batch, 1);
    const double ranks = 2.0 * tp;
    const double per_rank_bw = 392e9 * 0.8 / 2;
    const double one_us = 2 * (ranks - 1) * (5120 * 2 / ranks / per_rank_bw + 4.8e-6) * 1e6;
    EXPECT_NEAR(one_us, tp == 4 ? 67.31 : 144.1, 0.05);
    EXPECT_NEAR(e->step_communication_ms / (2 * 64 * one_us / 1e3), 1.0, 1e-3);
  }
  // Elsewhere the one-shot kernel: the same group on H100s costs a few us an all-reduce.
  InferenceJob h100 = Job("qwen3-32b", "h100");
  h100.mode = ServingMode::kOffline;
  h100.limits.max_num_seqs = 1;
  auto e = EstimateInference(h100, Tp(4));
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_LT(e->step_communication_ms, 2 * 64 * 10e-3);
}

// CloudMatrix-Infer's decode exchange pays its kernels' fixed time (data/systems.yaml
// cloudmatrix-384, S3200): FusedDispatch + FusedCombine at 128 tokens a rank take 234 us at EP 8
// and 301 at EP 256, whose copies (128 x 8 x 7,168 x 3 bytes at 0.8 x 392 GB/s / 2 dies) take
// 140.4 us: 93.6 us above them at EP 8 and 13.4 a doubling, so EP 320 dies pay
// 93.6 + 13.4 x log2(40) = 164.92 us a MoE layer. DeepSeek-R1 on 160 packages (one attention-DP
// rank each), 4 decode sequences a package (2 a die): copies at the UB's bandwidth,
// 4 x 8 x 7,168 x 3 / 313.6e9 = 2.194 us a package, in place of the measured 128-token rates'
// 2 x 8 x 7,168 x (1 / 55e9 + 2 / 109e9) = 4.190 us a die: 162.93 us more a layer, 9.450 ms
// over the 58 MoE layers. SGLang's own fixed time on the 910 (ep_moe_layer_us, read with the
// rates in place) keeps the rates: no change there.
TEST(InferenceTest, CloudMatrixDecodeExchangePaysFusedKernelsFixedTime) {
  InferenceJob job = Job("deepseek-r1", "ascend-910c", ServingDType::kInt8);
  ASSERT_EQ(job.system.id, "cloudmatrix-384");
  ASSERT_DOUBLE_EQ(job.system.scale_up.moe_ll_fixed_us, 93.6);
  job.limits = {};
  auto step_s = [](const InferenceJob& j) -> double {
    auto step = ServingStepModel::Make(j, InferenceLayout{1, 160, 160, 1});
    EXPECT_TRUE(step) << step.error().message;
    return step ? step->StepSeconds(4, 4 * 4096, 0, 0) : NAN;
  };
  InferenceJob rates = job;
  rates.system.scale_up.moe_ll_fixed_us = 0;
  const double fixed_us = 93.6 + 13.4 * std::log2(320.0 / 8);
  EXPECT_NEAR(fixed_us, 164.92, 0.01);
  const double tier_us = 4 * 8 * 7168 * 3 / (392e9 * 0.8) * 1e6;
  const double rate_us = 2 * 8 * 7168 * (1 / 55e9 + 2 / 109e9) * 1e6;
  EXPECT_NEAR(tier_us, 2.194, 0.001);
  EXPECT_NEAR(rate_us, 4.190, 0.001);
  EXPECT_NEAR((step_s(job) - step_s(rates)) * 1e3, 58 * (fixed_us + tier_us - rate_us) / 1e3, 1e-6);
  EXPECT_NEAR((step_s(job) - step_s(rates)) * 1e3, 9.450, 0.001);
  // An engine whose own fixed time on the 910 holds the kernels' latency keeps the rates.
  InferenceJob sglang = job;
  sglang.limits.ep_moe_layer_us = {{"ascend-910", 390}};
  InferenceJob sglang_rates = sglang;
  sglang_rates.system.scale_up.moe_ll_fixed_us = 0;
  EXPECT_DOUBLE_EQ(step_s(sglang), step_s(sglang_rates));
}

// The Atlas 800 A2 reduces through HCCL too (data/systems.yaml atlas-800t-a2: a 910B is one die,
// one rank; 5.8 us a step, read off SGLang's batch-1 A2 run, S3440). Qwen3-32B, one sequence a
// step: at tp 8 an all-reduce of 10,240 B takes 2 x 7 x (10,240 / 8 / (196e9 x 0.8) + 5.8e-6) =
// 14 x (8.16e-9 + 5.8e-6) = 81.31 us, at tp 4 2 x 3 x (10,240 / 4 / 156.8e9 + 5.8e-6) = 34.90 us;
// two a layer over 64 layers: 10.41 / 4.47 ms a step (the one-shot kernel priced 0.68 ms at tp 8).
TEST(InferenceTest, AscendA2TpAllReduceTakesHcclStepsPerChip) {
  for (const int tp : {4, 8}) {
    InferenceJob job = Job("qwen3-32b", "ascend-910b");
    ASSERT_EQ(job.system.id, "atlas-800t-a2");
    ASSERT_EQ(job.system.scale_up.ranks_per_chip, 1);
    ASSERT_DOUBLE_EQ(job.system.scale_up.allreduce_step_us, 5.8);
    job.mode = ServingMode::kOffline;
    job.limits.max_num_seqs = 1;
    job.input_tokens = 1;  // the reported step is a decode step: one prompt token in 20,000 steps
    job.output_tokens = 20000;
    auto e = EstimateInference(job, Tp(tp));
    ASSERT_TRUE(e) << e.error().ToString();
    ASSERT_EQ(e->max_batch, 1);
    const double one_us = tp == 4 ? 34.90 : 81.31;
    EXPECT_NEAR(e->step_communication_ms / (2 * 64 * one_us / 1e3), 1.0, 1e-3);
  }
}

// The MoE exchange of decode tokens on the A3 at DeepEP-Ascend's measured rates (S2300, EP 16:
// low-latency dispatch 55 GB/s INT8, combine 109 GB/s BF16). Qwen3-235B-A22B W8A8 in attention DP
// over 8 cards (16 dies), 8 sequences a card a decode step: a die sends 4 tokens x top-8 x 4,096 =
// 131,072 copies' elements, 131,072 / 55e9 + 131,072 x 2 / 109e9 = 2.383 + 2.405 = 4.788 us a
// layer, 450.1 us over 94 layers (the alpha-beta all-to-all over the card's 392 GB/s priced ~12 us
// a layer).
TEST(InferenceTest, AscendMoeExchangeTakesDeepEpAscendRates) {
  InferenceJob job = Job("qwen3-235b-a22b", "ascend-910c", ServingDType::kInt8);
  job.mode = ServingMode::kOffline;
  job.limits.max_num_seqs = 8;
  job.input_tokens = 1;       // decode steps: one prompt token a sequence in 20,000 steps, computed
  job.output_tokens = 20000;  // in steps of its own (a token budget: not spread over every step)
  job.limits.max_batched_tokens = 8192;
  // An engine with its own fixed exchange time on the 910 (SGLang's DeepEP-Ascend path,
  // ep_moe_layer_us, charged with the step's fixed costs) keeps the rates.
  InferenceJob sglang = job;
  sglang.limits.ep_moe_layer_us = {{"ascend-910", 390}};
  auto e = EstimateInference(sglang, Dep(8));
  ASSERT_TRUE(e) << e.error().ToString();
  ASSERT_EQ(e->max_batch, 8);
  const double copies = 8.0 / 2 * 8 * 4096;
  const double layer_us = (copies / 55e9 + copies * 2 / 109e9) * 1e6;
  EXPECT_NEAR(layer_us, 4.788, 0.001);
  EXPECT_NEAR(e->step_communication_ms / (94 * layer_us / 1e3), 1.0, 1e-3);
  // The default engine (vLLM-Ascend, none of its own) pays the fused kernels' fixed time at 16
  // dies, 93.6 + 13.4 x log2(16 / 8) = 107.0 us (data/systems.yaml cloudmatrix-384, S3200), and
  // a card's copies at 0.8 x 392 GB/s, 8 x 8 x 4,096 x 3 / 313.6e9 = 2.508 us: 109.5 us a layer.
  auto vllm = EstimateInference(job, Dep(8));
  ASSERT_TRUE(vllm) << vllm.error().ToString();
  ASSERT_EQ(vllm->max_batch, 8);
  const double ll_us = 93.6 + 13.4 + 8.0 * 8 * 4096 * 3 / 313.6e9 * 1e6;
  EXPECT_NEAR(ll_us, 109.508, 0.001);
  EXPECT_NEAR(vllm->step_communication_ms / (94 * ll_us / 1e3), 1.0, 1e-3);
}

// RTX PRO 6000 (GB202) serving steps carry none of Blackwell's 16.8 ms (the family's
// serving_step_overhead_ms, measured on B200 under NVIDIA's MLPerf harness, S1606): data/chips.yaml
// gives the part its own, 0, from seven MLPerf v6.0 Llama 3.1 8B runs of that harness (graphs off)
// outside the scored rows (S4483), which lie on 4.9-5.7 ms + 19.3-20.4 us a token. HPE DL385 x4
// (TensorRT 10.14): Interactive 155.96 / 4 = 39.0 samples/s a GPU x 996 tokens x 23.93 ms = 929
// tokens a step, Server 45.0 x 996 x 54.92 ms = 2,462: slope (54.92 - 23.93) / (2,462 - 929) =
// 20.2 us a token, intercept 23.93 - 929 x 0.0202 = 5.1 ms. So a one-sequence decode step (no
// engine, FP4) takes at most that 5.1 ms, and at least the weight read at the card's full
// bandwidth, 8.03e9 parameters x 0.5625 bytes / 1.792e12 B/s = 2.52 ms (with B200's cost: 19 ms).
TEST(InferenceTest, RtxPro6000StepCarriesNoB200HarnessCost) {
  EXPECT_EQ(Job("llama-3.1-8b", "b200").calibration.serving_step_overhead_ms, 16.8);
  InferenceJob job = Job("llama-3.1-8b", "rtx-pro-6000", ServingDType::kFp4);
  EXPECT_EQ(job.calibration.serving_step_overhead_ms, 0);
  job.mode = ServingMode::kOffline;
  job.limits.max_num_seqs = 1;
  job.input_tokens = 1;
  job.output_tokens = 64;
  auto e = EstimateInference(job, Tp(1));
  ASSERT_TRUE(e) << e.error().ToString();
  ASSERT_EQ(e->max_batch, 1);
  EXPECT_EQ(e->step_overhead_ms, 0);
  EXPECT_LT(e->tpot_ms, 5.1);
  EXPECT_GT(e->tpot_ms, 8.03e9 * 0.5625 / 1.792e12 * 1e3);
}

// Hopper's fixed step cost under NVIDIA's MLPerf harness (hopper serving_step_overhead_ms), from
// the in-sample v5.0 H200 Llama 2 70B runs (S1820) less what NVIDIA's aiconfigurator measured for
// the weight GEMMs on H200 (S4700) and the KV read. Tokens a step a GPU = samples/s / 8 x (222.3 +
// output) x mean TPOT: Interactive 66.504 / 8 x 514.4 x 33.72 ms = 144.2, Server 113.04 / 8 x
// 514.9 x 169.96 ms = 1,236.6. GEMMs (80 layers at tp 1, per-tensor FP8): 25.40 ms at 144 tokens,
// 134.89 ms at 1,236. KV read: 83 and 712 running (Little's law) x 368 tokens x 163,840 B (80
// layers x 8 KV heads x 128 x 2 x 1 B) at 0.75 x 4.8 TB/s = 1.39 and 11.93 ms. Left: 33.72 - 25.40
// - 1.39 = 6.93 ms and 169.96 - 134.89 - 11.93 = 23.15 ms: the line through them is 4.79 ms +
// 14.8 us a token. The fixed part is charged to every Hopper step without an engine's graphs; an
// engine replaying CUDA graphs there pays its graph's per-layer gaps instead.
TEST(InferenceTest, HopperStepCostIsTheV50RunsLeftOverTheMeasuredGemms) {
  const double kv_bytes_s = 0.75 * 4.8e12;
  const double per_seq = 368 * 80 * 8 * 128 * 2.0;
  EXPECT_DOUBLE_EQ(per_seq, 368 * 163840.0);
  const double t1 = 66.504 / 8 * (222.3 + 292.1) * 33.72e-3;
  const double t2 = 113.04 / 8 * (222.3 + 292.6) * 169.96e-3;
  EXPECT_NEAR(t1, 144.2, 0.1);
  EXPECT_NEAR(t2, 1236.6, 0.5);
  const double left1 = 33.72 - 25.40 - 83 * per_seq / kv_bytes_s * 1e3;
  const double left2 = 169.96 - 134.89 - 712 * per_seq / kv_bytes_s * 1e3;
  EXPECT_NEAR(left1, 6.93, 0.01);
  EXPECT_NEAR(left2, 23.15, 0.01);
  const double slope = (left2 - left1) / (t2 - t1);
  EXPECT_NEAR(slope * 1e3, 14.8, 0.1);  // us a token
  EXPECT_NEAR(left1 - slope * t1, 4.8, 0.05);
  for (const char* chip : {"h100", "h200", "h200-nvl", "h20"}) {
    EXPECT_DOUBLE_EQ(Job("llama-2-70b", chip).calibration.serving_step_overhead_ms, 4.8) << chip;
  }
  // On the v5.0 H200 Interactive run's own step (83 running, 222.3 / 292.1 tokens): the model's
  // step at its batch lies within 10 % of the log's 33.72 ms, where without the fixed cost it
  // was ~14 % short (bench/RESULTS.md, session 39 h1).
  InferenceJob job = Job("llama-2-70b", "h200", ServingDType::kFp8);
  job.mode = ServingMode::kOffline;
  job.input_tokens = 222.3;
  job.output_tokens = 292.1;
  job.limits.max_num_seqs = 83;
  auto e = EstimateInference(job, Tp(1));
  ASSERT_TRUE(e) << e.error().ToString();
  ASSERT_EQ(e->max_batch, 83);
  EXPECT_NEAR(e->step_overhead_ms, 4.8, 1e-9);
  EXPECT_NEAR(e->tpot_ms / 33.72, 1.0, 0.10) << e->tpot_ms;
}

// Under live arrivals the TPOT bound is a p99 over requests, and the analytic's p99 over mean
// follows from what shares a request's steps (BatchSearch::TpotTail), not a constant. The v5.0
// H200 Llama 2 70B Interactive run (S1820: p99 TPOT <= 40 ms, p99 TTFT <= 450 ms; 8.31 samples/s
// a GPU at a mean TPOT of 33.72 ms, 83 running by Little's law) and the v5.1 Hopper runs of the
// scenario (p99 / mean 1.04-1.07, bench/RESULTS.md session 39 h1): at the largest batch that
// meets 40 ms the mean lies at 40 / 1.04-1.12 = 35.7-38.5 ms and the batch within 20 % of the
// published 83 running; the constant 1.29 held it to 31 ms. A decode pool fed by prefill chips
// (no prompt in its steps) keeps a smaller tail than the aggregated group at the same target.
TEST(InferenceTest, InteractiveTpotTailIsWhatSharesARequestsSteps) {
  InferenceJob job = Job("llama-2-70b", "h200", ServingDType::kFp8);
  job.input_tokens = 222.3;
  job.output_tokens = 292.1;
  job.tpot_ms = 40;
  job.ttft_ms = 450;
  auto e = EstimateInference(job, Tp(1));
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_GE(e->tpot_ms, 40 / 1.12);
  EXPECT_LE(e->tpot_ms, 40 / 1.04);
  EXPECT_NEAR(e->max_batch / 83.0, 1.0, 0.20) << e->max_batch;
  // The disaggregated decode pool at the same p99 target runs closer to it.
  InferenceJob decode = job;
  decode.disaggregate = true;
  decode.ttft_ms.reset();
  auto d = EstimateInference(decode, Tp(1));
  ASSERT_TRUE(d) << d.error().ToString();
  EXPECT_GT(d->tpot_ms, e->tpot_ms);
  EXPECT_LE(d->tpot_ms, 40);
  // Offline the target bounds the mean itself.
  job.mode = ServingMode::kOffline;
  job.ttft_ms.reset();
  auto off = EstimateInference(job, Tp(1));
  ASSERT_TRUE(off) << off.error().ToString();
  EXPECT_LE(off->tpot_ms, 40);
  EXPECT_GT(off->tpot_ms, e->tpot_ms);
}

// Blackwell Ultra's step cost under NVIDIA's MLPerf harness, measured on the parts themselves
// (data/chips.yaml serving_step_overhead_ms) in place of B200's 16.8 ms. B300 (S4620): Dell's and
// GigaComputing's MLPerf v6.0 Llama 2 70B Interactive and Server runs (TensorRT engines, graphs
// off, none a scored row), tokens a step = samples/s a GPU x (222.3 + output) x mean TPOT:
// Dell 258.26 / 8 x 496.1 x 31.80 ms = 509.3 and 396.85 / 8 x 495.4 x 129.02 ms = 3,170.7;
// GigaComputing 238.01 / 8 x 497.4 x 29.31 ms = 433.7 and 377.25 / 8 x 499.6 x 119.65 ms =
// 2,818.9. The least-squares line through the four: 13.2 ms + 37.1 us a token. GB300 (S4621, an
// estimate): NVIDIA's v6.0 GB200 runs of the harness GB300 ran, 2,779.68 / 72 x 493.9 x 26.80 ms =
// 511.0 and 2,983.09 / 72 x 493.9 x 44.30 ms = 906.5 tokens: slope (44.30 - 26.80) / (906.5 -
// 511.0) = 44.25 us, intercept 26.80 - 511.0 x 0.04425 = 4.19 ms; GB300's own Server run, 3,187.3
// / 72 x 494.7 x 27.02 ms = 591.7 tokens, lies on 4.2 ms + 38.6 us (GB200's slope over GB300's
// 1.15x NVFP4 GEMM rate: 44.25 / 1.154 = 38.3).
TEST(InferenceTest, BlackwellUltraStepCostIsItsOwnHarnessRunsIntercept) {
  struct Run {
    double samples_per_s_per_gpu, tokens_per_sample, tpot_ms;
  };
  const std::vector<Run> b300 = {{258.26 / 8, 222.3 + 273.8, 31.80},
                                 {396.85 / 8, 222.3 + 273.1, 129.02},
                                 {238.01 / 8, 222.3 + 275.1, 29.31},
                                 {377.25 / 8, 222.3 + 277.3, 119.65}};
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const Run& r : b300) {
    const double tokens = r.samples_per_s_per_gpu * r.tokens_per_sample * r.tpot_ms / 1e3;
    sx += tokens;
    sy += r.tpot_ms;
    sxx += tokens * tokens;
    sxy += tokens * r.tpot_ms;
  }
  const double n = static_cast<double>(b300.size());
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const double intercept = (sy - slope * sx) / n;
  EXPECT_NEAR(slope * 1e3, 37.1, 0.05);  // us a token
  EXPECT_NEAR(intercept, 13.2, 0.05);
  EXPECT_EQ(Job("llama-2-70b", "b300").calibration.serving_step_overhead_ms, 13.2);

  const double gb200_lo = 2779.68 / 72 * (222.3 + 271.6) * 26.80 / 1e3;
  const double gb200_hi = 2983.09 / 72 * (222.3 + 271.6) * 44.30 / 1e3;
  const double gb200_slope = (44.30 - 26.80) / (gb200_hi - gb200_lo);
  const double gb200_intercept = 26.80 - gb200_lo * gb200_slope;
  EXPECT_NEAR(gb200_intercept, 4.2, 0.05);
  EXPECT_EQ(Job("llama-2-70b", "gb300").calibration.serving_step_overhead_ms, 4.2);
  const double gb300_server = 3187.3 / 72 * (222.3 + 272.4) * 27.02 / 1e3;
  EXPECT_NEAR((27.02 - 4.2) / gb300_server * 1e3, gb200_slope * 1e3 / 1.154, 0.5);

  // B200 keeps its family's; the step of a Llama 2 70B engine without graphs on B300 and GB300
  // charges the parts' own.
  EXPECT_EQ(Job("llama-2-70b", "b200").calibration.serving_step_overhead_ms, 16.8);
  for (const char* chip : {"b300", "gb300"}) {
    InferenceJob job = Job("llama-2-70b", chip, ServingDType::kFp4);
    job.mode = ServingMode::kOffline;
    job.limits.max_num_seqs = 1;
    job.input_tokens = 1;
    job.output_tokens = 64;
    auto e = EstimateInference(job, Tp(1));
    ASSERT_TRUE(e) << e.error().ToString();
    EXPECT_NEAR(e->step_overhead_ms, std::string(chip) == "b300" ? 13.2 : 4.2, 1e-9) << chip;
  }
}

// A dense model's NVFP4 GEMMs on Blackwell run at the part's measured shape law (data/chips.yaml
// fp4_gemm_k_overhead, fp4_gemm_n_overhead; aiconfigurator's TensorRT-LLM 1.3 GEMM tables,
// S4750-S4753): 1 + k0 / K + n0 / N times the MMAs' time, relative to Llama 2 70B's TP 1 layer.
// By hand on B300 (k0 3,500, n0 4,640), each GEMM's N x K weight and its cost:
//   70B: QKV 10,240 x 8,192 1.88037, O 8,192 x 8,192 1.99365, gate+up 57,344 x 8,192 1.50817,
//        down 8,192 x 28,672 1.68848 -> 1,396.600 / 855.638 = 1.63223
//   8B:  QKV 6,144 x 4,096 2.60970, O 4,096 x 4,096 2.98730, gate+up 28,672 x 4,096 2.01632,
//        down 4,096 x 14,336 2.37695 -> 492.168 / 218.104 = 2.25657; 2.25657 / 1.63223 = 1.3825.
// Measured in the table itself (S4751): the 8B layer 497.2 us at m 4,096, the 70B's 1,428.7 us,
// a FLOP (497.2 / 218.104) / (1,428.7 / 855.638) = 1.365x. B200 (k0 830, n0 2,320): 1.180 by the
// law, 1.188 measured (S4750).
TEST(InferenceTest, BlackwellFp4GemmsOfASmallModelRunAtTheirShapesRate) {
  const catalog::Model& l8 = **Cat().FindModel("llama-3.1-8b");
  const catalog::Model& l70 = **Cat().FindModel("llama-2-70b");
  const catalog::Chip& b300 = **Cat().FindChip("b300");
  const catalog::Chip& b200 = **Cat().FindChip("b200");
  EXPECT_NEAR(Fp4DenseGemmShapeFactor(b300, l8, 1), 1.3825, 0.001);
  EXPECT_NEAR(Fp4DenseGemmShapeFactor(b300, l8, 1), (497.2 / 218.104) / (1428.7 / 855.638), 0.03);
  EXPECT_NEAR(Fp4DenseGemmShapeFactor(b200, l8, 1), 1.188, 0.02);
  EXPECT_NEAR(Fp4DenseGemmShapeFactor(b300, l70, 1), 1.0, 1e-12);
  // A part with no measured law, and models whose GEMMs have other shapes, keep the family's rate.
  EXPECT_EQ(Fp4DenseGemmShapeFactor(**Cat().FindChip("rtx-pro-6000"), l8, 1), 1.0);
  EXPECT_EQ(Fp4DenseGemmShapeFactor(b300, **Cat().FindModel("deepseek-r1"), 8), 1.0);

  // The step: the 8B's GEMM time on B300 grows by the factor where the step is compute-bound (512
  // sequences of 867 + 129 tokens: ~3,950 tokens a step), and 16-bit weights are not touched.
  const auto linear_ms = [](const catalog::Chip* chip, ServingDType dtype) {
    InferenceJob job = Job("llama-3.1-8b", "b300", dtype);
    job.chip = chip;
    job.mode = ServingMode::kOffline;
    job.limits.max_num_seqs = 512;
    job.input_tokens = 867;
    job.output_tokens = 129;
    auto e = EstimateInference(job, Tp(1));
    EXPECT_TRUE(e) << e.error().ToString();
    return e ? e->step_linear_ms : 0.0;
  };
  catalog::Chip bare = b300;
  bare.fp4_gemm_k_overhead = {};
  bare.fp4_gemm_n_overhead = {};
  const double ratio = linear_ms(&b300, ServingDType::kFp4) / linear_ms(&bare, ServingDType::kFp4);
  EXPECT_GT(ratio, 1.3);
  EXPECT_LT(ratio, 1.3826);
  EXPECT_DOUBLE_EQ(linear_ms(&b300, ServingDType::kFp8), linear_ms(&bare, ServingDType::kFp8));
}

// NVIDIA's MLPerf TensorRT-LLM harness with CUDA graphs on (use_graphs True, every Blackwell Llama
// 3.1 8B config, S4756) pays a smaller fixed step than its graphs-off TensorRT-engine runs (the
// blackwell family's 16.8 ms; B300's own 13.2). The v6.0 B200 8B runs outside the card, each
// submitter's Interactive and Server pair (tokens a step = samples/s a GPU x 996 x mean TPOT):
// HPE (S4754) 977.85 / 8 x 996 x 21.941852 ms = 2,671.3 tokens, 1,017.60 / 8 x 996 x 23.278027 =
// 2,949.1 -> slope 1.336 / 277.8 = 4.81 us, intercept 21.94 - 2,671.3 x 0.00481 = 9.10 ms; Lambda
// (S4755) 2,053.1 at 16.52, 2,129.8 at 16.97 -> 5.87 us, 4.46 ms; their mean 6.78 ms.
TEST(InferenceTest, MlperfHarnessWithGraphsOnPaysItsGraphsOnStep) {
  const auto line = [](double qps1, double tpot1, double qps2, double tpot2) {
    const double n1 = qps1 / 8 * 996 * tpot1 / 1000;
    const double n2 = qps2 / 8 * 996 * tpot2 / 1000;
    const double slope = (tpot2 - tpot1) / (n2 - n1);
    return tpot1 - n1 * slope;
  };
  const double hpe = line(977.85, 21.941852, 1017.60, 23.278027);
  const double lambda = line(998.06, 16.522737, 1007.85, 16.973127);
  EXPECT_NEAR(hpe, 9.10, 0.02);
  EXPECT_NEAR(lambda, 4.46, 0.02);
  const catalog::Chip& b200 = **Cat().FindChip("b200");
  ASSERT_TRUE(b200.serving_graph_step_overhead_ms.known());
  EXPECT_NEAR(*b200.serving_graph_step_overhead_ms.value, (hpe + lambda) / 2, 0.05);

  const auto overhead_ms = [](const char* chip, bool graphs) {
    InferenceJob job = Job("llama-3.1-8b", chip, ServingDType::kFp4);
    job.mode = ServingMode::kOffline;
    job.limits.max_num_seqs = 512;
    job.input_tokens = 867;
    job.output_tokens = 129;
    job.limits.use_graphs = graphs;
    auto e = EstimateInference(job, Tp(1));
    EXPECT_TRUE(e) << e.error().ToString();
    return e ? e->step_overhead_ms : 0.0;
  };
  // Graphs off: the family's 16.8 on B200, B300's own 13.2; on: the graphs-on step, 6.8 on both
  // (B300's the B200 value, no B300 pair outside the card).
  EXPECT_NEAR(overhead_ms("b200", false), 16.8, 1e-9);
  EXPECT_NEAR(overhead_ms("b300", false), 13.2, 1e-9);
  EXPECT_NEAR(overhead_ms("b200", true), 6.8, 1e-9);
  EXPECT_NEAR(overhead_ms("b300", true), 6.8, 1e-9);
  // A part with no graphs-on measurement keeps its graphs-off step: GB300's own (its rack flow,
  // 4.2 ms), GB200's the family's 16.8.
  EXPECT_NEAR(overhead_ms("gb300", true), 4.2, 1e-9);
  EXPECT_NEAR(overhead_ms("gb200", true), 16.8, 1e-9);
}

// The H200 NVL (600 W, PCIe) runs dense GEMMs at its datasheet peak's clock, with no power-limit
// loss beyond it: data/chips.yaml gemm_clock_ratio 1 (S4610). Its datasheet FP8 peak is 1,670.5
// TFLOPS against the H200 SXM's 1,979 (0.844) at the same 4.8 TB/s and 141 GB. The MLPerf v5.1
// Llama 2 70B Offline runs (FP8, one GPU an instance, 1,536 batched tokens) of the three submitters
// that ran both parts, per GPU: ASUSTeK 30,487 / 8 = 3,810.9 over 35,075.1 / 8 = 4,384.4 -> 0.869;
// Dell 31,267.4 / 8 = 3,908.4 over 4,414.6 -> 0.885; QCT 15,057.6 / 4 = 3,764.4 over 4,386.4 ->
// 0.858; mean 0.871. A sustained clock below the datasheet's (the power-cap rule at 600 of 700 W)
// would put the ratio under the peaks' 0.844; the memory-bound share of the step (the same
// bandwidth) lifts it above.
TEST(InferenceTest, H200NvlRunsDenseGemmsAtItsDatasheetClock) {
  const catalog::Chip& nvl = **Cat().FindChip("h200-nvl");
  ASSERT_TRUE(nvl.gemm_clock_ratio.known());
  EXPECT_EQ(*nvl.gemm_clock_ratio.value, 1.0);
  const auto offline = [](const char* chip) {
    InferenceJob job = Job("llama-2-70b", chip, ServingDType::kFp8);
    job.mode = ServingMode::kOffline;
    job.input_tokens = 222.3;
    job.output_tokens = 293.4;
    job.limits.max_num_seqs = 2048;
    job.limits.max_batched_tokens = 1536;
    auto e = EstimateInference(job, Tp(1));
    EXPECT_TRUE(e) << e.error().ToString();
    return e ? e->output_tokens_per_s_per_chip : 0.0;
  };
  const double ratio = offline("h200-nvl") / offline("h200");
  const double published = (3810.9 / 4384.4 + 3908.4 / 4414.6 + 3764.4 / 4386.4) / 3;
  EXPECT_NEAR(published, 0.871, 0.001);
  EXPECT_GT(ratio, 1670.5 / 1979);
  EXPECT_NEAR(ratio, published, 0.02);  // the three pairs span 0.858-0.885
}

// Decode steps of an expert group over four H20 nodes take DeepEP's low-latency kernels at their
// measured floor and rate (data/systems.yaml hgx-h20 scale_out: 52.1 us a MoE layer at 4 nodes,
// copies to other nodes at 0.92 of the H20's 25 GB/s a GPU: 4 x 400 Gb/s per 8 GPUs, S1980).
// DeepSeek-R1 FP8 under attention DP over 32 H20s (EP 32), 8 sequences a rank: a rank sends 8
// tokens x top-8 x 7,168 x 3/4 of them to other nodes, FP8 out and BF16 back, 1,032,192 bytes:
// 52.1 + 1,032,192 / 23e9 s = 52.1 + 44.88 = 96.98 us a layer, 5.625 ms over 58 MoE layers (the
// alpha-beta all-to-all priced (344,064 / 20e9 + 8e-6) + (688,128 / 20e9 + 8e-6) = 67.6 us).
TEST(InferenceTest, H20DecodeExchangeAcrossNodesTakesDeepEpLowLatencyFloor) {
  InferenceJob job = Job("deepseek-r1", "h20", ServingDType::kFp8);
  ASSERT_EQ(job.system.id, "hgx-h20");
  job.mode = ServingMode::kOffline;
  job.limits.max_num_seqs = 8;
  job.input_tokens = 1;       // decode steps: one prompt token a sequence in 20,000 steps, computed
  job.output_tokens = 20000;  // in steps of its own (a token budget: not spread over every step)
  job.limits.max_batched_tokens = 8192;
  auto e = EstimateInference(job, Dep(32));
  ASSERT_TRUE(e) << e.error().ToString();
  ASSERT_EQ(e->max_batch, 8);
  const double cross = 8.0 * 8 * 7168 * 3 * 24 / 32;
  EXPECT_DOUBLE_EQ(cross, 1032192);
  const double layer_us = 52.1 + cross / (25e9 * 0.92) * 1e6;
  EXPECT_NEAR(layer_us, 96.98, 0.005);
  EXPECT_NEAR(e->step_communication_ms / (58 * layer_us / 1e3), 1.0, 1e-3);
}

// Decode steps of an expert group inside one NVLink domain take DeepEP's low-latency kernels at
// their fixed time there for the group's size (data/systems.yaml gb200-nvl72 scale_up: 32.7 us a
// MoE layer measured on a 4-GPU tray, S4520, +6.9 us a doubling of the ranks beyond it, S4640)
// plus every top-8 copy at 0.8 of 900 GB/s. DeepSeek-R1 FP8 under attention DP over 48 GB200s
// (EP 48 across 12 trays, one NVLink domain), 8 sequences a rank: a rank sends 8 tokens x top-8 x
// 7,168, FP8 out and BF16 back, 1,376,256 bytes: 32.7 + 6.9 x log2(48 / 4) = 57.44 us fixed +
// 1,376,256 / 720e9 s = 1.91 us, 59.35 us a layer, 3.442 ms over 58 MoE layers (the alpha-beta
// all-to-all priced 47/48 of the copies plus 2 x 3 us: 7.9 us a layer).
TEST(InferenceTest, Gb200DecodeExchangeInsideNvlinkTakesDeepEpLowLatencyAtItsSize) {
  InferenceJob job = Job("deepseek-r1", "gb200", ServingDType::kFp8);
  ASSERT_EQ(job.system.id, "gb200-nvl72");
  job.mode = ServingMode::kOffline;
  job.limits.max_num_seqs = 8;
  job.input_tokens = 1;
  job.output_tokens = 20000;
  job.limits.max_batched_tokens = 8192;
  auto e = EstimateInference(job, Dep(48));
  ASSERT_TRUE(e) << e.error().ToString();
  ASSERT_EQ(e->max_batch, 8);
  const double bytes = 8.0 * 8 * 7168 * 3;
  EXPECT_DOUBLE_EQ(bytes, 1376256);
  const double layer_us = 32.7 + 6.9 * 3.5849625 + bytes / (900e9 * 0.8) * 1e6;
  EXPECT_NEAR(layer_us, 59.35, 0.005);
  EXPECT_NEAR(e->step_communication_ms / (58 * layer_us / 1e3), 1.0, 1e-3);
  // Four GB200s (one tray, the measured group): the measured 32.7 us alone.
  auto tray = EstimateInference(job, Dep(4));
  ASSERT_TRUE(tray) << tray.error().ToString();
  ASSERT_EQ(tray->max_batch, 8);
  EXPECT_NEAR(tray->step_communication_ms / (58 * (32.7 + bytes / 720e9 * 1e6) / 1e3), 1.0, 1e-3);
}

// TensorRT-LLM 1.2+'s NVFP4 MoE op on Blackwell (data/engines.yaml trtllm: fp4_moe_layer_us 58.5,
// fp4_decode_token_passes 8.3, fitted on aiconfigurator's 1.3.0rc20 op tables, S4630) in place of
// the 1.0-era chain (moe_layer_us 280, decode_token_passes 40). DeepSeek-R1 FP4 on 8 B300s,
// attention DP 8 with EP 8, 1,024 sequences a rank, decode steps, the experts' tokens gathered
// (no one-sided exchange here): every rank runs the MoE over 8,192 tokens. A pass over a token's
// 16-bit hidden state is 7,168 x 2 B at 0.7 x 8 TB/s = 2.56 ns, so a MoE layer's fixed and
// per-token part is 58.5 + 8.3 x 8,192 x 2.56 ns = 58.5 + 174.06 = 232.56 us against 280 + 40 x
// 8,192 x 2.56 ns = 280 + 838.86 = 1,118.86 us; 58 MoE layers: 51.41 ms less a step. With the
// grouped GEMMs as the step prices them (the larger of 32 local experts x 44.04 M NVFP4 weights x
// 0.5625 B at 5.6 TB/s = 141.6 us and 8,192 routed rows x 88.08 MFLOP at 4,118 TFLOPS = 175.2 us)
// the op is 407.8 us a layer at 8,192 tokens, against the B300 table's 417.0 (-2.2 %; 4,096
// tokens: 287.1 against 283.1, +1.4 %); the 1.0-era terms gave 1,294 us (+210 %).
TEST(InferenceTest, TrtllmFp4MoeOpFromOpTables) {
  const double pass_s = 7168 * 2 / (8e12 * 0.7);
  EXPECT_NEAR(pass_s * 1e9, 2.56, 1e-9);
  const double tokens = 8192;
  const double measured_us = 58.5 + 8.3 * tokens * pass_s * 1e6;
  EXPECT_NEAR(measured_us, 232.56, 0.01);
  const double era_us = 280 + 40 * tokens * pass_s * 1e6;
  EXPECT_NEAR(era_us, 1118.86, 0.01);
  const double gemm_us =
      std::max(32 * 3 * 7168.0 * 2048 * 0.5625 / 5.6e12, tokens * 6 * 7168.0 * 2048 / 4118e12) *
      1e6;
  EXPECT_NEAR(gemm_us, 175.2, 0.05);
  EXPECT_NEAR((measured_us + gemm_us) / 417.0 - 1, -0.022, 0.001);  // the table's 417.0 us

  InferenceJob job = Job("deepseek-r1", "b300", ServingDType::kFp4);
  job.mode = ServingMode::kOffline;
  job.limits.max_num_seqs = 1024;
  job.input_tokens = 1;
  job.output_tokens = 2000;  // ~1,000 cached tokens a sequence: 1,024 fit
  job.limits.max_batched_tokens = 8192;
  job.limits.moe_layer_us = 280;
  job.limits.decode_token_passes = 40;
  ASSERT_TRUE(job.limits.one_sided_moe_layer_us.empty());
  auto era = EstimateInference(job, Dep(8));
  ASSERT_TRUE(era) << era.error().ToString();
  ASSERT_EQ(era->max_batch, 1024);
  job.limits.fp4_moe_layer_us = {{"blackwell", 58.5}};
  job.limits.fp4_decode_token_passes = {{"blackwell", 8.3}};
  auto op = EstimateInference(job, Dep(8));
  ASSERT_TRUE(op) << op.error().ToString();
  ASSERT_EQ(op->max_batch, 1024);
  // Within 1e-3: one step in 2,000 carries the prompts (fewer decode slots, the same chain).
  EXPECT_NEAR((era->step_overhead_ms - op->step_overhead_ms) / (58 * (era_us - measured_us) / 1e3),
              1.0, 1e-3);
  EXPECT_NEAR(58 * (era_us - measured_us) / 1e3, 51.41, 0.01);
  // Other families, and experts that are not 4-bit, keep the engine's chain and passes.
  job.limits.fp4_moe_layer_us = {{"hopper", 58.5}};
  job.limits.fp4_decode_token_passes = {{"hopper", 8.3}};
  auto other = EstimateInference(job, Dep(8));
  ASSERT_TRUE(other) << other.error().ToString();
  EXPECT_DOUBLE_EQ(other->step_overhead_ms, era->step_overhead_ms);
}

// The NVFP4 MoE op's passes (fp4_decode_token_passes, timed on the tokens entering the op, S4630)
// over every token an iteration runs through the MoE: under inflight batching its prompt tokens
// go through the same op as its decode slots (S4830). DeepSeek-R1 FP4 on 8 B300s, attention DP 8
// with EP 8 (the experts' tokens gathered: no engine, no one-sided exchange), 64 decoding
// sequences a group and one 803-token prompt on group 0: every rank runs the op over 8 x 64 + 803
// = 1,315 tokens. A pass over a token's 16-bit hidden state is 2.56 ns (7,168 x 2 B at 0.7 x 8
// TB/s), so 8.3 passes in 58 MoE layers over 1,315 tokens add 8.3 x 2.56 ns x 58 x 1,315 =
// 1.6206 ms to the step against the same op without them; a decode-only step's 512 tokens 0.6310.
TEST(InferenceTest, TrtllmFp4MoeOpPassesCountPromptTokens) {
  const double pass_s = 7168 * 2 / (8e12 * 0.7);
  EXPECT_NEAR(8.3 * pass_s * 58 * 1315 * 1e3, 1.6206, 1e-4);
  EXPECT_NEAR(8.3 * pass_s * 58 * 512 * 1e3, 0.6310, 1e-4);
  InferenceJob job = Job("deepseek-r1", "b300", ServingDType::kFp4);
  job.limits.fp4_moe_layer_us = {{"blackwell", 58.5}};
  job.limits.fp4_decode_token_passes = {{"blackwell", 8.3}};
  ASSERT_TRUE(job.limits.one_sided_moe_layer_us.empty());
  InferenceJob none = job;
  none.limits.fp4_decode_token_passes = {{"blackwell", 0.0}};
  const InferenceLayout layout{1, 8, 8, 1};
  auto with = ServingStepModel::Make(job, layout);
  auto without = ServingStepModel::Make(none, layout);
  ASSERT_TRUE(with && without);
  std::vector<ServingStepModel::GroupBatch> groups(8, {.decode_seqs = 64, .decode_keys = 64000});
  EXPECT_NEAR((with->LockstepSeconds(groups) - without->LockstepSeconds(groups)) * 1e3,
              8.3 * pass_s * 58 * 512 * 1e3, 1e-6);
  groups[0].prefill_tokens = 803;
  groups[0].prefill_keys = 803.0 * 804 / 2;
  EXPECT_NEAR((with->LockstepSeconds(groups) - without->LockstepSeconds(groups)) * 1e3,
              8.3 * pass_s * 58 * 1315 * 1e3, 1e-6);
}

// The analytic estimate prices the iteration carrying a prompt as the simulator does: no shorter
// than the host's launches of its layer passes (eager_host_layer_us). DeepSeek-V2-Lite (27 MLA +
// MoE layers) on one H100 (tp 1, dp 1), 8 sequences, offline: at 1,258 us a pass the floor is
// 27 x 1,258 us = 33.966 ms, above the prompt's iteration without it (TTFT - TPOT there: TTFT is
// a step's wait plus the prompt's iteration). With it the TTFT is the mean step plus the floor;
// the mean step itself (the TPOT) is unchanged.
TEST(InferenceTest, AnalyticPromptIterationLastsAtLeastItsHostLaunches) {
  InferenceJob job = Job("deepseek-v2-lite", "h100");
  job.mode = ServingMode::kOffline;
  job.input_tokens = 128;
  job.output_tokens = 1000;
  job.limits.engine = "trtllm";
  job.limits.max_num_seqs = 8;
  job.limits.eager_layer_us = 370;
  InferenceConstraints one = Tp(1);
  one.dp = 1;
  auto gaps = EstimateInference(job, one);
  ASSERT_TRUE(gaps) << gaps.error().ToString();
  ASSERT_EQ(gaps->max_batch, 8);
  const double floor_ms = 27 * 1.258;
  ASSERT_LT(gaps->ttft_ms - gaps->tpot_ms, floor_ms);
  job.limits.eager_host_layer_us = {{"hopper", 1258}};
  auto host = EstimateInference(job, one);
  ASSERT_TRUE(host) << host.error().ToString();
  ASSERT_EQ(host->max_batch, 8);
  EXPECT_DOUBLE_EQ(host->tpot_ms, gaps->tpot_ms);
  EXPECT_NEAR(host->ttft_ms, gaps->tpot_ms + floor_ms, 1e-9);
}

TEST(InferenceTest, DisaggregationArithmetic) {
  for (double hit : {0.0, 0.5}) {
    InferenceJob job = Job("deepseek-v3", "h800", ServingDType::kFp8);
    job.disaggregate = true;
    job.input_tokens = 2000;
    job.output_tokens = 500;
    job.prefix_cache_hit = hit;
    auto e = EstimateInference(job, {});
    ASSERT_TRUE(e) << e.error().ToString();
    EXPECT_TRUE(e->disaggregated);
    const double d = e->decode_tokens_per_s_per_chip;
    const double p = e->prefill_tokens_per_s_per_chip;
    const double computed_per_output = 2000 * (1 - hit) / 500;
    const double r = d * computed_per_output / (p * (1 - hit));
    EXPECT_GT(e->prefill_chips_per_decode_chip, 0);
    EXPECT_NEAR(e->prefill_chips_per_decode_chip / r, 1.0, 1e-9) << "hit " << hit;
    EXPECT_NEAR(e->output_tokens_per_s_per_chip / (d / (1 + e->prefill_chips_per_decode_chip)), 1.0,
                1e-9)
        << "hit " << hit;
    EXPECT_LT(e->output_tokens_per_s_per_chip, d);
    // Input tokens per chip follow the request shape: I / O per output token.
    EXPECT_NEAR(e->input_tokens_per_s_per_chip, e->output_tokens_per_s_per_chip * 2000 / 500,
                1e-9 * e->input_tokens_per_s_per_chip);
  }
}

// Under expert parallelism the busiest chip sets the pace: a more skewed
// router (moe_load_imbalance) makes compute-bound prefill of an MoE model
// slower, and a dense model does not notice.
TEST(InferenceTest, MoeLoadImbalanceSlowsExpertParallelPrefill) {
  InferenceJob job = Job("deepseek-v3", "h800", ServingDType::kFp8);
  job.input_tokens = 4000;
  job.output_tokens = 100;
  InferenceConstraints ep32;
  ep32.tp = 1;
  ep32.ep = 32;
  ep32.dp = 32;
  auto balanced = EstimateInference(job, ep32);
  job.serving.moe_load_imbalance = 2.0;
  auto skewed = EstimateInference(job, ep32);
  ASSERT_TRUE(balanced && skewed) << (balanced ? skewed.error() : balanced.error()).ToString();
  EXPECT_LT(skewed->prefill_tokens_per_s_per_chip, 0.9 * balanced->prefill_tokens_per_s_per_chip);

  InferenceJob dense = Job("llama-3-70b", "h100");
  auto a = EstimateInference(dense, {});
  dense.serving.moe_load_imbalance = 2.0;
  auto b = EstimateInference(dense, {});
  ASSERT_TRUE(a && b);
  EXPECT_DOUBLE_EQ(a->output_tokens_per_s_per_chip, b->output_tokens_per_s_per_chip);
}

// The search's expert groups split an 8-GPU node evenly or take whole nodes: Qwen3-30B-A3B on
// H100 picked "tp 1 ep 3 dp 3", 128 experts over 3 of a node's 8 GPUs (session 24 audit).
TEST(InferenceTest, SearchedExpertGroupsTileNodes) {
  const auto tiles = [](const InferenceLayout& l) {
    return l.ep <= 8 ? 8 % l.ep == 0 : l.ep % 8 == 0;
  };
  for (const char* model : {"qwen3-30b-a3b", "qwen3-235b-a22b", "gpt-oss-120b", "deepseek-v3"}) {
    auto e = EstimateInference(Job(model, "h100", ServingDType::kFp8), {});
    ASSERT_TRUE(e) << model << ": " << e.error().ToString();
    EXPECT_TRUE(tiles(e->layout)) << model << " ep " << e->layout.ep;
    for (const auto& l : e->near_layouts) EXPECT_TRUE(tiles(l)) << model << " near ep " << l.ep;
  }
}

// Aggregated serving has no separate prefill pool.
TEST(InferenceTest, AggregatedOutputRateIsTheDecodeRate) {
  auto e = EstimateInference(Job("llama-3-70b", "h100"), {});
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_FALSE(e->disaggregated);
  EXPECT_EQ(e->prefill_chips_per_decode_chip, 0);
  EXPECT_DOUBLE_EQ(e->output_tokens_per_s_per_chip, e->decode_tokens_per_s_per_chip);
}

// Server mode: --tpot-ms bounds the p99, the mean step times its tail under Poisson arrivals
// (BatchSearch::TpotTail: the prompts and the running sequences a request's steps share, ~1.1 at
// batch ~180); the reported TPOT is the mean. The published runs' p99 / mean are 1.04-1.07 (the
// v5.1 Hopper Llama 2 70B Interactive logs, bench/RESULTS.md session 39 h1), 1.12 on B200: the
// mean sits within 1.02-1.15 of the bound, not the 1.29 of the constant used before.
TEST(InferenceTest, ServerTpotTargetIsAP99Bound) {
  InferenceJob job = Job("llama-3-70b", "h100");
  job.tpot_ms = 50;
  auto e = EstimateInference(job, Tp(8));
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_LE(e->tpot_ms * 1.02, 50);
  EXPECT_GE(e->tpot_ms * 1.15, 50);
  // Offline, the same target bounds the mean itself.
  job.mode = ServingMode::kOffline;
  auto off = EstimateInference(job, Tp(8));
  ASSERT_TRUE(off) << off.error().ToString();
  EXPECT_LE(off->tpot_ms, 50 + 1e-9);
  EXPECT_GE(off->max_batch, e->max_batch);
}

// Server mode: --ttft-ms is a p99 bound too, met when the mean TTFT times
// the tail ratio 1.29 is within it. Aggregated serving meets it or refuses.
TEST(InferenceTest, AggregatedTtftTargetIsHonoured) {
  InferenceJob job = Job("llama-3-70b", "h100");
  job.ttft_ms = 2000;
  auto e = EstimateInference(job, {});
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_LE(e->ttft_ms * 1.29, 2000 + 1e-9);
  job.ttft_ms = 1;
  // The error names the field and the lowest p99 TTFT any layout reaches (at batch 1), and that
  // figure is a target the estimate meets.
  ExpectError(job, {}, "ttft_ms: no layout meets 1 ms even at batch 1: the lowest p99 TTFT of a");
  auto low = EstimateInference(job, {});
  ASSERT_FALSE(low);
  const std::string text = low.error().message;
  const auto at = text.find(" is ");
  ASSERT_NE(at, std::string::npos) << text;
  job.ttft_ms = std::stod(text.substr(at + 4)) + 1;
  EXPECT_TRUE(EstimateInference(job, {})) << *job.ttft_ms;
}

// The same target binds the disaggregated deployment: its TTFT is the
// prompt alone on a prefill group, the KV transfer and the first decode
// step, and a target below that must be met or refused, not ignored.
TEST(InferenceTest, DisaggregatedTtftTargetIsHonoured) {
  for (double ttft : {1.0, 100.0}) {
    InferenceJob job = Job("deepseek-v3", "h800", ServingDType::kFp8);
    job.disaggregate = true;
    job.ttft_ms = ttft;
    auto e = EstimateInference(job, {});
    if (e) {
      EXPECT_LE(e->ttft_ms * 1.29, ttft + 1e-9)
          << "--disaggregate --ttft-ms " << ttft << " returned ttft_ms " << e->ttft_ms;
    } else {
      EXPECT_NE(e.error().message.find("latency"), std::string::npos) << e.error().message;
    }
  }
}

// Disaggregated demand: decode chips D_n = ceil(demand / D) in whole decode
// instances, then prefill chips ceil(D_n x r) in whole prefill instances.
TEST(InferenceTest, DisaggregatedChipsForDemand) {
  for (double demand : {1.0, 5e4, 1e6}) {
    InferenceJob job = Job("deepseek-v3", "h800", ServingDType::kFp8);
    job.disaggregate = true;
    job.demand_tokens_per_s = demand;
    auto e = EstimateInference(job, {});
    ASSERT_TRUE(e) << e.error().ToString();
    ASSERT_TRUE(e->chips_for_demand);
    const long dec_inst = e->layout.chips(), pre_inst = e->prefill_layout.chips();
    auto whole = [](double n, long inst) {
      const long c = static_cast<long>(std::ceil(n));
      return (c + inst - 1) / inst * inst;
    };
    const long decode = whole(demand / e->decode_tokens_per_s_per_chip, dec_inst);
    const long prefill = whole(decode * e->prefill_chips_per_decode_chip, pre_inst);
    EXPECT_EQ(*e->chips_for_demand, decode + prefill) << "demand " << demand;
    // At least one whole instance of each kind, however small the demand.
    EXPECT_GE(*e->chips_for_demand, dec_inst + pre_inst);
    // And enough end-to-end capacity.
    EXPECT_GE(*e->chips_for_demand * e->output_tokens_per_s_per_chip, demand * (1 - 1e-9));
  }
}

// ---------------------------------------------------------------------------
// Cost.

// $2 per chip-hour buys 3600 x R output tokens at R tokens/s per chip:
// 2 / (3600 R) x 1e6 dollars per million.
TEST(InferenceTest, CostPerMillionTokensFromChipHourPrice) {
  InferenceJob job = Job("llama-3-70b", "h100");
  job.chip_hour_usd = 2;
  auto e = EstimateInference(job, {});
  ASSERT_TRUE(e) << e.error().ToString();
  ASSERT_TRUE(e->chip_hour_usd && e->cost_usd_per_million_output_tokens &&
              e->cost_usd_per_million_input_tokens);
  EXPECT_DOUBLE_EQ(*e->chip_hour_usd, 2.0);
  const double out = e->output_tokens_per_s_per_chip;
  EXPECT_NEAR(*e->cost_usd_per_million_output_tokens, 2 / (out * 3600) * 1e6,
              1e-9 * *e->cost_usd_per_million_output_tokens);
  const double in = e->prefill_tokens_per_s_per_chip;
  EXPECT_NEAR(*e->cost_usd_per_million_input_tokens, 2 / (in * 3600) * 1e6,
              1e-9 * *e->cost_usd_per_million_input_tokens);
  // H100 has no catalog price: --chip-hour-usd is the only basis.
  EXPECT_FALSE(EstimateInference(Job("llama-3-70b", "h100"), {})->chip_hour_usd);
}

// Chips for a demand: ceil(demand / per-chip rate), rounded up to whole
// instances of tp x dp chips.
TEST(InferenceTest, ChipsForDemandRoundUpToInstances) {
  for (double demand : {1.0, 1000.0, 12345.0, 1e6}) {
    InferenceJob job = Job("llama-3-70b", "h20");
    job.demand_tokens_per_s = demand;
    auto e = EstimateInference(job, Tp(4));
    ASSERT_TRUE(e) << e.error().ToString();
    ASSERT_TRUE(e->chips_for_demand);
    const long instance = e->layout.chips();
    EXPECT_EQ(instance, 4);
    const long raw = static_cast<long>(std::ceil(demand / e->output_tokens_per_s_per_chip));
    const long expect = (raw + instance - 1) / instance * instance;
    EXPECT_EQ(*e->chips_for_demand, expect) << "demand " << demand;
    EXPECT_EQ(*e->chips_for_demand % instance, 0);
    // Enough, and not a whole instance more than needed.
    EXPECT_GE(*e->chips_for_demand * e->output_tokens_per_s_per_chip, demand);
    EXPECT_LT((*e->chips_for_demand - instance) * e->output_tokens_per_s_per_chip, demand);
  }
  // Demand of 1 token/s still needs one whole 4-chip instance.
  InferenceJob job = Job("llama-3-70b", "h20");
  job.demand_tokens_per_s = 1;
  EXPECT_EQ(*EstimateInference(job, Tp(4))->chips_for_demand, 4);
}

// A demand beyond what any fleet could be is refused or sized, never
// turned into a negative chip count: 1e30 tokens/s over a few hundred
// tokens/s per chip is ~1e27 chips, beyond a 64-bit count.
TEST(InferenceTest, HugeDemandIsRefusedOrPositive) {
  for (double demand : {1e30, static_cast<double>(INFINITY)}) {
    InferenceJob job = Job("llama-3-70b", "h20");
    job.demand_tokens_per_s = demand;
    auto e = EstimateInference(job, {});
    if (e) {
      ASSERT_TRUE(e->chips_for_demand);
      EXPECT_GT(*e->chips_for_demand, 0) << "--demand-tokens-per-s " << demand;
    } else {
      EXPECT_EQ(e.error().field, "demand_tokens_per_s") << e.error().ToString();
    }
  }
}

// A chip-hour price must be a finite positive number; an infinite one
// either is refused or must still give a finite cost.
TEST(InferenceTest, NonFiniteChipHourPriceIsRefused) {
  InferenceJob job = Job("llama-3-70b", "h100");
  job.chip_hour_usd = INFINITY;
  auto e = EstimateInference(job, {});
  if (e) {
    ASSERT_TRUE(e->cost_usd_per_million_output_tokens);
    EXPECT_TRUE(std::isfinite(*e->cost_usd_per_million_output_tokens))
        << "--chip-hour-usd inf gave cost " << *e->cost_usd_per_million_output_tokens;
  } else {
    EXPECT_EQ(e.error().field, "chip_hour_usd") << e.error().ToString();
  }
}

// H20's catalog price is $12,500; amortized over 4 years of 8760 hours:
// 12,500 / 35,040 = $0.35674 per chip-hour.
TEST(InferenceTest, CatalogPriceIsAmortizedOverFourYears) {
  InferenceJob job = Job("llama-3-70b", "h20");
  ASSERT_DOUBLE_EQ(*job.chip->price_usd.value, 12'500.0);
  ASSERT_DOUBLE_EQ(job.serving.chip_life_years, 4.0);
  auto e = EstimateInference(job, {});
  ASSERT_TRUE(e) << e.error().ToString();
  ASSERT_TRUE(e->chip_hour_usd);
  EXPECT_NEAR(*e->chip_hour_usd, 12'500.0 / (4 * 8760), 1e-12);
  EXPECT_NEAR(*e->chip_hour_usd, 0.35674, 1e-5);
  EXPECT_NE(e->price_basis.find("12500"), std::string::npos) << e->price_basis;
  ASSERT_TRUE(e->cost_usd_per_million_output_tokens);
  EXPECT_NEAR(*e->cost_usd_per_million_output_tokens,
              12'500.0 / 35'040 / (e->output_tokens_per_s_per_chip * 3600) * 1e6,
              1e-9 * *e->cost_usd_per_million_output_tokens);
  // Tokens per watt: H20 TDP 400 W.
  ASSERT_TRUE(e->tokens_per_s_per_watt);
  EXPECT_NEAR(*e->tokens_per_s_per_watt, e->output_tokens_per_s_per_chip / 400, 1e-12);
}

// ---------------------------------------------------------------------------
// Errors.

// A100: bf16 312, fp16 312, int8 624, fp8 and fp4 unsupported; int4 is
// weight-only on 16-bit compute.
TEST(InferenceTest, Fp8OnA100NamesSupportedFormats) {
  InferenceJob job = Job("llama-3-8b", "a100", ServingDType::kFp8);
  ExpectError(job, {}, "does not support fp8; it supports bf16, fp16, int8, int4, w8a16 or w4a8");
  EXPECT_FALSE(ValidateInferenceJob(job));
  // fp4 is refused the same way, naming int4 for 4-bit weights on 16-bit math; int8 and int4
  // are served.
  ExpectError(
      Job("llama-3-8b", "a100", ServingDType::kFp4), {},
      "does not support fp4; it supports bf16, fp16, int8, int4, w8a16 or w4a8 (4-bit weights with "
      "16-bit math, as FP4 checkpoints run on chips without FP4: int4)");
  EXPECT_TRUE(EstimateInference(Job("llama-3-8b", "a100", ServingDType::kInt8), {}));
  EXPECT_TRUE(EstimateInference(Job("llama-3-8b", "a100", ServingDType::kInt4), {}));
}

// Kunlun P800: no peak figure is known, so neither the int8 GEMMs nor the
// 16-bit attention can be modelled; the message names the missing figures.
TEST(InferenceTest, UnknownPeakSaysWhichFigure) {
  // No peak of any format is known for it: the message says so, naming the figures.
  ExpectError(Job("llama-3-8b", "kunlun-p800", ServingDType::kInt8), {},
              "no peak_tflops figure (bf16, fp16, fp8, int8, fp4) is known");
  ExpectError(Job("llama-3-8b", "kunlun-p800", ServingDType::kInt8), {}, "kunlun-p800");
}

// A chip whose 16-bit peak is known but whose int8 peak is not: the
// message names peak_tflops.int8.
TEST(InferenceTest, UnknownLowPrecisionPeakIsNamed) {
  catalog::Chip chip = **Cat().FindChip("h100");
  chip.peak_tflops[static_cast<int>(catalog::DType::kInt8)] = catalog::SourcedNumber{};
  InferenceJob job = Job("llama-3-8b", "h100", ServingDType::kInt8);
  job.chip = &chip;
  ExpectError(job, {}, "peak_tflops.int8 is unknown");
}

// Llama 2 70B's context is 4096: 4000 + 200 = 4200 is too long.
TEST(InferenceTest, SequenceBeyondModelContext) {
  InferenceJob job = Job("llama-2-70b", "h100");
  job.input_tokens = 4000;
  job.output_tokens = 200;
  ExpectError(job, {}, "exceed the model's context of 4096");
  job.output_tokens = 96;  // exactly 4096 is allowed
  EXPECT_TRUE(EstimateInference(job, {}));
}

TEST(InferenceTest, BadNumbersAreRejected) {
  InferenceJob job = Job("llama-3-8b", "h100");
  job.prefix_cache_hit = 1.0;
  ExpectError(job, {}, "prefix_cache_hit: must be in [0, 1)");
  job.prefix_cache_hit = -0.1;
  ExpectError(job, {}, "prefix_cache_hit: ");

  job = Job("llama-3-8b", "h100");
  job.input_tokens = 0;
  ExpectError(job, {}, "input_tokens: must be between 1 and 1e7");
  job = Job("llama-3-8b", "h100");
  job.output_tokens = 0;
  ExpectError(job, {}, "output_tokens: must be between 1 and 1e7");
  job = Job("llama-3-8b", "h100");
  job.tpot_ms = 0;
  ExpectError(job, {}, "tpot_ms: must be positive");
  job = Job("llama-3-8b", "h100");
  job.ttft_ms = -1;
  ExpectError(job, {}, "ttft_ms: must be positive");
  job = Job("llama-3-8b", "h100");
  job.demand_tokens_per_s = 0;
  ExpectError(job, {}, "demand_tokens_per_s: must be positive");
  job = Job("llama-3-8b", "h100");
  job.chip_hour_usd = 0;
  ExpectError(job, {}, "chip_hour_usd: must be positive");
}

// Llama 3 8B has 32 heads: tp 3 does not divide them.
TEST(InferenceTest, TpMustDivideHeads) {
  ExpectError(Job("llama-3-8b", "h100"), Tp(3),
              "tp 3 does not divide the model's 32 attention heads");
}

TEST(InferenceTest, ExpertParallelNeedsMoe) {
  InferenceConstraints c;
  c.ep = 8;
  ExpectError(Job("llama-3-8b", "h100"), c, "ep > 1 needs a mixture-of-experts model");
}

TEST(InferenceTest, LayoutMustDivideCount) {
  InferenceJob job = Job("llama-3-70b", "h100");
  job.chips = 6;
  ExpectError(job, Tp(4), "does not divide --count 6");
}

// DeepSeek-V3 from its architecture (h 7168, 128 heads, MLA q_lora 1536,
// kv_lora 512, nope 128, rope 64, v 128; 3 dense layers with ffn 18432, 58
// MoE layers of 256 routed + 1 shared expert of ffn 2048; vocab 129,280):
//   attention  7168*1536 + 1536*128*192 + 7168*576 + 512*128*256 + 128*128*7168
//              = 48,758,784 + 4,128,768 + 16,777,216 + 117,440,512 = 187,105,280
//   norms      2*7168 + 512 + 1536 = 16,384
//   dense MLP  3*7168*18432 = 396,361,728;  expert 3*7168*2048 = 44,040,192
//   router     7168*256 = 1,835,008
//   3 dense    3 * 583,483,392 = 1,750,450,176
//   58 MoE     58 * (187,105,280 + 16,384 + 1,835,008 + 257 * 44,040,192)
//              = 667,422,588,928
//   embeddings 2 * 129,280 * 7168 = 1,853,358,080
//   total      671,026,397,184 params; x 2 B / 2^30 = 1249.88 GiB.
// At tp 1, ep 1, dp 1 every chip holds them all, against 80 GiB (with dp > 1 beside ep 1 the
// experts would be split by tensor parallel over the dp groups' chips).
TEST(InferenceTest, WeightsThatDoNotFitSaySo) {
  InferenceConstraints c;
  c.tp = 1;
  c.ep = 1;
  c.dp = 1;
  auto r = EstimateInference(Job("deepseek-v3", "h100"), c);
  ASSERT_FALSE(r);
  const std::string& msg = r.error().message;
  const std::string lead = "the weights do not fit: ";
  ASSERT_EQ(msg.find(lead), 0u) << msg;
  // With tp, ep and dp fixed at 1 the search tries up to 16 pipeline stages (layers / 16 per chip):
  // the largest still holds 671,026,397,184 x 2 B / 16 = 78.1 GiB, over what 80 GiB leaves.
  const double gib = std::stod(msg.substr(lead.size()));
  EXPECT_NEAR(gib / (671'026'397'184.0 * 2 / 16 / kGiB), 1.0, 1e-3) << msg;
  EXPECT_NE(msg.find("pp 16"), std::string::npos) << msg;
  // 78.1 GiB is under 80 GiB HBM but over what the weights may take: 80 less the 4 GiB runtime
  // reserve and 2 GiB serving workspace (data/calibration.yaml) = 74.0 GiB.
  EXPECT_NE(msg.find("against 74.0 GiB free for them (80 GiB HBM"), std::string::npos) << msg;

  // Free to split, the message names the split that holds the least: Llama 3 405B in BF16 on
  // 8 H100 only at tp 8 (810 GB / 8 = 94 GiB a chip), not a layout that splits fewer ways.
  InferenceJob big = Job("llama-3-405b", "h100");
  big.chips = 8;
  InferenceConstraints free_pp;
  free_pp.pp = 1;
  auto b = EstimateInference(big, free_pp);
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("split the most ways (tp 8, ep 1)"), std::string::npos)
      << b.error().message;
}

TEST(InferenceTest, UnreachableLatencyTargetIsAnError) {
  // 6.39 ms is the weight-streaming floor for Llama 3 8B bf16 on one H100
  // (above); 1 ms cannot be met at any batch.
  InferenceJob job = Job("llama-3-8b", "h100");
  job.tpot_ms = 1;
  // Named with the lowest p99 TPOT reached: not below the floor, and met as a target.
  ExpectError(job, Tp(1), "tpot_ms: no layout meets 1 ms even at batch 1: the lowest p99 TPOT is");
  auto low = EstimateInference(job, Tp(1));
  ASSERT_FALSE(low);
  const auto at = low.error().message.find(" is ");
  ASSERT_NE(at, std::string::npos);
  const double lowest = std::stod(low.error().message.substr(at + 4));
  EXPECT_GE(lowest, 6.39) << low.error().message;
  job.tpot_ms = lowest + 0.1;
  EXPECT_TRUE(EstimateInference(job, Tp(1))) << lowest;
}

TEST(InferenceTest, ServingDTypeNamesRoundTrip) {
  for (auto d : {ServingDType::kBf16, ServingDType::kFp16, ServingDType::kFp8, ServingDType::kInt8,
                 ServingDType::kFp4, ServingDType::kInt4}) {
    EXPECT_EQ(ParseServingDType(ServingDTypeName(d)), d);
  }
  EXPECT_EQ(ParseServingDType("FP8"), ServingDType::kFp8);
  EXPECT_FALSE(ParseServingDType("fp6"));
  EXPECT_DOUBLE_EQ(ServingDTypeBytes(ServingDType::kInt4), 0.5);
  // NVFP4: 4 bits a weight plus an 8-bit E4M3 scale per 16 weights = 4.5 bits.
  EXPECT_DOUBLE_EQ(ServingDTypeBytes(ServingDType::kFp4), (4 + 8.0 / 16) / 8);
  EXPECT_DOUBLE_EQ(ServingDTypeBytes(ServingDType::kInt8), 1);
  EXPECT_DOUBLE_EQ(ServingDTypeBytes(ServingDType::kBf16), 2);
}

TEST(InferenceTest, EstimateIsDeterministic) {
  InferenceJob job = Job("deepseek-v3", "h800", ServingDType::kFp8);
  auto a = EstimateInference(job, {});
  auto b = EstimateInference(job, {});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->output_tokens_per_s_per_chip, b->output_tokens_per_s_per_chip);
  EXPECT_EQ(a->layout.ep, b->layout.ep);
  EXPECT_EQ(a->layout.tp * a->layout.dp, a->layout.chips());
}

// Per-part formats: DeepSeek-V3 on B200 at tp 1, ep 8 (dp 8). An expert is 3 x 7,168 x 2,048 =
// 44,040,192 parameters; a chip holds 256 / 8 = 32 routed experts and the shared one in each of
// the 58 MoE layers: 33 x 58 x 44,040,192 = 84,292,927,488 expert parameters. FP4 experts take
// 0.5625 byte each instead of FP8's one (NVFP4: a 4-bit value and an 8-bit scale per 16):
// 0.4375 x 84,292,927,488 = 36,878,155,776 B = 34.345 GiB less per chip; the rest of the
// weights stay FP8.
TEST(InferenceTest, ExpertDtypeShrinksOnlyTheExperts) {
  InferenceConstraints c;
  c.tp = 1;
  c.ep = 8;
  InferenceJob fp8 = Job("deepseek-v3", "b200", ServingDType::kFp8);
  InferenceJob fp4_experts = fp8;
  fp4_experts.expert_dtype = ServingDType::kFp4;
  auto a = EstimateInference(fp8, c);
  auto b = EstimateInference(fp4_experts, c);
  ASSERT_TRUE(a && b) << (a ? b.error().message : a.error().message);
  EXPECT_NEAR(a->weights_gib_per_chip - b->weights_gib_per_chip, 36'878'155'776.0 / kGiB, 1e-3);
  // Smaller experts stream faster and compute at the FP4 peak: never slower.
  EXPECT_GE(b->output_tokens_per_s_per_chip, a->output_tokens_per_s_per_chip);
  // Naming every part as --dtype changes nothing.
  InferenceJob same = fp8;
  same.expert_dtype = ServingDType::kFp8;
  same.attention_dtype = ServingDType::kFp8;
  auto d = EstimateInference(same, c);
  ASSERT_TRUE(d);
  EXPECT_DOUBLE_EQ(d->weights_gib_per_chip, a->weights_gib_per_chip);
  EXPECT_NEAR(d->output_tokens_per_s_per_chip, a->output_tokens_per_s_per_chip,
              a->output_tokens_per_s_per_chip * 1e-12);
}

TEST(InferenceTest, PartFormatsAreCheckedAgainstTheModelAndChip) {
  InferenceJob dense = Job("llama-2-70b", "b200", ServingDType::kFp8);
  dense.expert_dtype = ServingDType::kFp4;
  ExpectError(dense, {}, "expert_dtype: needs a mixture-of-experts model");
  InferenceJob hopper = Job("deepseek-v3", "h100", ServingDType::kFp8);
  hopper.expert_dtype = ServingDType::kFp4;
  ExpectError(hopper, {}, "does not support fp4 (--expert-dtype)");
}

// MTP: a step verifies 1 + depth tokens per sequence and gains 1 + a + ... + a^depth.
TEST(InferenceTest, MtpGainsTheExpectedTokensPerStep) {
  InferenceJob job = Job("deepseek-v3", "h800", ServingDType::kFp8);
  job.mtp_depth = 2;
  job.mtp_acceptance = 0.8;
  auto e = EstimateInference(job, {});
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_NEAR(e->tokens_per_decode_step, 1 + 0.8 + 0.64, 1e-12);
  job.mtp_acceptance = 1.5;
  ExpectError(job, {}, "mtp_acceptance: must be in [0, 1]");
}

// With MTP a sequence ends its output in fewer steps, so prompts replace finished sequences that
// much more often: the steps carry TokensPerDecodeStep times the prompt tokens. Counted as one
// token a step, DeepSeek-R1 on 8 x H200 at a full batch gained 1.8x from three draft tokens with an
// infinite TTFT (the prompt queue past saturation). DeepSeek-V3's own MTP figure (Sec. 5.4.3:
// 1.8x tokens per second) is at most the gain, and a full, compute-bound batch gains less.
TEST(InferenceTest, MtpPromptsComeFasterAndTheQueueStaysFinite) {
  InferenceJob plain = Job("deepseek-r1", "h200", ServingDType::kFp8);
  plain.chips = 8;
  auto base = EstimateInference(plain, {});
  ASSERT_TRUE(base) << base.error().message;
  for (int depth : {1, 3}) {
    InferenceJob job = plain;
    job.mtp_depth = depth;
    job.mtp_acceptance = 0.85;
    auto e = EstimateInference(job, {});
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_TRUE(std::isfinite(e->ttft_ms)) << depth;
    EXPECT_LE(e->output_tokens_per_s_per_chip, 1.8 * base->output_tokens_per_s_per_chip) << depth;
  }
}

// Pipeline stages split the layers: at tp 8 each of 2 stages holds half of a tp-8 chip's weights
// (Llama 3.1 405B in BF16: ~812 GB / 8 = ~101 GB per chip at pp 1, which fits a 141 GB H200 but
// not an 80 GB H100). On H100 the search, finding no tensor-parallel layout that fits, takes the
// fewest stages that do: pp 2 over 16 chips.
TEST(InferenceTest, PipelineStagesSplitTheWeights) {
  InferenceConstraints c;
  c.tp = 8;
  auto one = EstimateInference(Job("llama-3.1-405b", "h200"), c);
  c.pp = 2;
  auto two = EstimateInference(Job("llama-3.1-405b", "h200"), c);
  ASSERT_TRUE(one && two);
  EXPECT_NEAR(two->weights_gib_per_chip, one->weights_gib_per_chip / 2, 1e-6);
  EXPECT_EQ(two->layout.chips(), 16);

  InferenceJob h100 = Job("llama-3.1-405b", "h100");
  h100.chips = 16;
  auto searched = EstimateInference(h100, {});
  ASSERT_TRUE(searched) << searched.error().message;
  EXPECT_EQ(searched->layout.pp, 2);
  EXPECT_EQ(searched->layout.tp, 8);

  InferenceConstraints too_deep;
  too_deep.pp = 200;
  ExpectError(Job("llama-3.1-8b", "h100"), too_deep, "pp 200 exceeds the model's 32 layers");
}

// DeepSeek-V3's MTP module is one more transformer block of its own kind (MLA and a MoE layer of
// 256 routed + 1 shared experts; num_nextn_predict_layers 1) with the model's embedding and head
// shared (S3870-S3872). By hand, its weights: MLA q_a 7,168 x 1,536 = 11,010,048, q_b 1,536 x 128 x
// 192 = 37,748,736, kv_a 7,168 x 576 = 4,128,768, kv_b 512 x 128 x 256 = 16,777,216, o 128 x 128 x
// 7,168 = 117,440,512 (187,105,280); router 256 x 7,168 = 1,835,008; experts 257 x 3 x 7,168 x
// 2,048 = 11,318,329,344: 11.507e9, in FP8 at tp 8 1.4384e9 B; and its 2h -> h projection, a
// plain nn.Linear whole on every rank in 16 bits (S3879): 14,336 x 7,168 = 102,760,448 x 2 B =
// 0.2055e9 B; together 1.6439e9 B = 1.531 GiB a chip (the head is the target's: not stored twice).
// A pass of it replays its one layer's graph: 55 us; with three draft tokens three passes (one over
// the verified tokens, two of one token): 165 us. The old charge (one average layer's linear and
// attention time) stored nothing and replayed nothing.
TEST(InferenceTest, MtpModuleIsOneBlockOfTheModelSharingItsHead) {
  InferenceJob plain = Job("deepseek-v3", "h200", ServingDType::kFp8);
  plain.mode = ServingMode::kOffline;
  plain.limits.max_num_seqs = 8;
  plain.limits.cuda_graph_families = {"hopper"};
  plain.limits.graph_layer_us = 55;
  InferenceConstraints tp8 = Tp(8);
  tp8.ep = 1;
  tp8.dp = 1;
  tp8.pp = 1;
  auto base = EstimateInference(plain, tp8);
  ASSERT_TRUE(base) << base.error().message;
  for (int depth : {1, 3}) {
    InferenceJob job = plain;
    job.mtp_depth = depth;
    job.mtp_acceptance = 0.8;
    auto e = EstimateInference(job, tp8);
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_NEAR(e->weights_gib_per_chip - base->weights_gib_per_chip, 1.6439e9 / kGiB, 0.02)
        << depth;
    EXPECT_NEAR(e->step_overhead_ms - base->step_overhead_ms, 0.055 * depth, 1e-9) << depth;
  }
  // A model without MTP modules keeps the one-layer charge: nothing stored.
  InferenceJob dense = Job("llama-3.1-70b", "h200", ServingDType::kFp8);
  dense.mode = ServingMode::kOffline;
  auto d0 = EstimateInference(dense, tp8);
  dense.mtp_depth = 2;
  dense.mtp_acceptance = 0.7;
  auto d2 = EstimateInference(dense, tp8);
  ASSERT_TRUE(d0 && d2);
  EXPECT_DOUBLE_EQ(d2->weights_gib_per_chip, d0->weights_gib_per_chip);
}

// The MTP module takes logits at one position a sequence in each of its passes, its pass over the
// verified tokens included (SGLang: num_tokens_for_logprob_per_req 1, S3877; vLLM: logits at
// last_token_indices, S3878); the target's verify takes them at all N + 1. With the memory made
// free (every linear part compute-bound, roofline max) the step's linear time grows with the
// vocabulary only through the head GEMMs: 2 x dV x h / tp FLOPs a token with logits. A decode
// step at depth 0 has b such tokens; at depth 3 the verify has 4b, the extend pass b and the two
// one-token passes b each: 7b, so the growth is 7x depth 0's (charging the extend pass all its
// 4b tokens would make it 10x). Prefill tokens take no logits in either.
TEST(InferenceTest, MtpDraftPassesTakeLogitsAtOnePositionASequence) {
  auto growth = [](int depth) {
    double linear[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
      InferenceJob job = Job("deepseek-v3", "h200", ServingDType::kFp8);
      catalog::Model model = *job.model;
      model.vocab += i * 64'000;
      job.model = &model;
      job.mode = ServingMode::kOffline;
      job.limits.max_num_seqs = 16;
      job.calibration.memory_efficiency = 1e6;
      job.calibration.serving_roofline_exponent = 0;
      job.mtp_depth = depth;
      job.mtp_acceptance = 0.8;
      InferenceConstraints tp8 = Tp(8);
      tp8.ep = 1;
      tp8.dp = 1;
      tp8.pp = 1;
      auto e = EstimateInference(job, tp8);
      EXPECT_TRUE(e) << e.error().message;
      if (!e) return 0.0;
      EXPECT_EQ(e->max_batch, 16);
      linear[i] = e->step_linear_ms;
    }
    return linear[1] - linear[0];
  };
  const double one = growth(0);
  ASSERT_GT(one, 0);
  EXPECT_NEAR(growth(3) / one, 7.0, 0.05);
}

// A separate draft model rides on every chip: Llama 3.1 8B (32 layers of 4,096 hidden, 32 heads,
// 8 KV heads of 128, SwiGLU 14,336, 128,256-token vocabulary, untied) has 32 x (41,943,040
// attention + 176,160,768 MLP + 8,192 norm) + 2 x 128,256 x 4,096 embeddings = 8,030,257,152
// parameters; in FP8 at tp 4 that is 2,007,564,288 B = 1.870 GiB more weights per chip.
TEST(InferenceTest, DraftModelAddsItsWeightsAndItsSteps) {
  InferenceConstraints c;
  c.tp = 4;
  InferenceJob plain = Job("llama-3.1-70b", "h100", ServingDType::kFp8);
  plain.tpot_ms = 30;
  InferenceJob drafted = plain;
  drafted.draft_model = *Cat().FindModel("llama-3.1-8b");
  drafted.mtp_depth = 3;
  drafted.mtp_acceptance = 0.7;
  auto a = EstimateInference(plain, c);
  auto b = EstimateInference(drafted, c);
  ASSERT_TRUE(a && b) << (a ? b.error().message : a.error().message);
  EXPECT_NEAR(b->weights_gib_per_chip - a->weights_gib_per_chip, 2'007'564'288.0 / kGiB, 2e-3);
  EXPECT_NEAR(b->tokens_per_decode_step, 1 + 0.7 + 0.49 + 0.343, 1e-12);
  // Rejected drafts are pure cost.
  drafted.mtp_acceptance = 0;
  auto z = EstimateInference(drafted, c);
  ASSERT_TRUE(z);
  EXPECT_LT(z->output_tokens_per_s_per_chip, a->output_tokens_per_s_per_chip);
  // A draft model with another tokenizer cannot propose tokens.
  InferenceJob other = drafted;
  other.draft_model = *Cat().FindModel("deepseek-v3");
  ExpectError(other, c, "speculative decoding needs the same tokenizer");
}

// The KV cache a sequence holds, by hand, for Llama 4 Maverick (48 layers, 8 KV heads of 128,
// every 4th layer full attention, the other 36 chunked over 8,192 tokens) in FP8 at tp 1:
// 12 full layers x 8 x 128 x 2 x 1 byte = 24,576 bytes a token, and 36 x 2,048 = 73,728 more a
// token of the last 8,192. A 2,000-token sequence holds 2,000 x (1 + 3) = 8,000 tokens' worth
// (all of it in every layer); a 10,000-token one 10,000 + 8,192 x 3 = 34,576.
TEST(InferenceTest, AWindowedModelsSequenceHoldsItsWindowInTheWindowedLayers) {
  InferenceJob job = Job("llama-4-maverick", "h200", ServingDType::kFp8);
  job.input_tokens = 1000;
  job.output_tokens = 1000;
  const InferenceLayout layout{1, 8, 8, 1};
  auto model = ServingStepModel::Make(job, layout);
  ASSERT_TRUE(model) << model.error().message;
  EXPECT_DOUBLE_EQ(model->KvBytesPerTokenPerChip(), 24576);
  EXPECT_DOUBLE_EQ(model->KvHeldTokens(2000), 8000);
  EXPECT_DOUBLE_EQ(model->KvHeldTokens(10000), 34576);
  EXPECT_FALSE(model->KvHeldIsTokens());
  // A model without windows holds its tokens (and says so: the simulator then counts them).
  InferenceJob dense = Job("llama-3-70b", "h100", ServingDType::kFp8);
  auto plain = ServingStepModel::Make(dense, InferenceLayout{8, 1, 1, 1});
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_DOUBLE_EQ(plain->KvHeldTokens(2000), 2000);
  EXPECT_TRUE(plain->KvHeldIsTokens());
  // MLA's one latent a token (DeepSeek-R1 at tp 8) too.
  auto mla = ServingStepModel::Make(Job("deepseek-r1", "h200", ServingDType::kFp8),
                                    InferenceLayout{8, 1, 1, 1});
  ASSERT_TRUE(mla) << mla.error().message;
  EXPECT_DOUBLE_EQ(mla->KvHeldTokens(2000), 2000);
  EXPECT_TRUE(mla->KvHeldIsTokens());
}

// In-switch reduction (NVLink SHARP on the HGX H100's NVSwitch): a tensor-parallel all-reduce of
// B bytes over n = 8 chips moves (n + 1) / n of B each way instead of two stages' 2 (n - 1) / n.
// A prefill step of 8,192 prompt tokens of Llama 3.1 405B (hidden 16,384, 126 layers) in FP8 at
// tp 8: B = 8,192 x 16,384 x 2 = 268,435,456 bytes per all-reduce, 2 x 126 = 252 of them. Two
// stages at 450 GB/s x 0.8 = 360 GB/s: 1.75 B / 360 GB/s = 1.304895 ms; through the switch at
// the share of the link NCCL's NVLS reaches on Hopper (hgx-h100 in_network_efficiency 0.6, read
// off vLLM's measured 128 MiB all-reduce, S3610): 1.125 B / 270 GB/s = 1.118481 ms; the same two
// synchronisations either way, so the step is shorter by 252 x 0.186414 ms = 46.98 ms (at the
// link's 0.8 it would be 117.44 ms). Nothing else in the step depends on the switch.
TEST(InferenceTest, InSwitchReductionShortensTensorParallelAllReduce) {
  InferenceJob job = Job("llama-3-405b", "h100", ServingDType::kFp8);
  job.input_tokens = 8192;
  job.output_tokens = 128;
  ASSERT_TRUE(job.system.scale_up.in_network_reduction);
  const InferenceLayout layout{8, 1, 1, 1};
  auto with = ServingStepModel::Make(job, layout);
  ASSERT_TRUE(with) << with.error().message;
  InferenceJob plain = job;
  plain.system.scale_up.in_network_reduction = false;
  auto without = ServingStepModel::Make(plain, layout);
  ASSERT_TRUE(without) << without.error().message;
  const double keys = 8192.0 * 8192 / 2;
  const double saved = without->StepSeconds(0, 0, 8192, keys) - with->StepSeconds(0, 0, 8192, keys);
  EXPECT_NEAR(saved * 1000, 46.98, 0.05);
  InferenceJob link_rate = job;
  link_rate.system.scale_up.in_network_efficiency.reset();  // the tier's 0.8
  const double saved_at_link =
      without->StepSeconds(0, 0, 8192, keys) -
      ServingStepModel::Make(link_rate, layout)->StepSeconds(0, 0, 8192, keys);
  EXPECT_NEAR(saved_at_link * 1000, 117.44, 0.05);
  // Two chips gain nothing: (n + 1) / n = 1.5 against two stages' 1.0.
  const InferenceLayout two{2, 1, 1, 1};
  InferenceJob small = Job("llama-2-70b", "h100", ServingDType::kFp8);
  InferenceJob small_plain = small;
  small_plain.system.scale_up.in_network_reduction = false;
  EXPECT_DOUBLE_EQ(
      ServingStepModel::Make(small, two)->StepSeconds(0, 0, 4096, 4096.0 * 2048),
      ServingStepModel::Make(small_plain, two)->StepSeconds(0, 0, 4096, 4096.0 * 2048));
}

// Formats as the engines and checkpoints name them (vLLM --dtype bfloat16, --kv-cache-dtype
// fp8_e4m3; NVFP4/MXFP4 checkpoints; W8A8; AWQ/GPTQ 4-bit weights with 16-bit math).
TEST(InferenceTest, ServingFormatsAsEnginesNameThem) {
  const std::pair<const char*, ServingDType> cases[] = {
      {"BF16", ServingDType::kBf16},    {"bfloat16", ServingDType::kBf16},
      {"float16", ServingDType::kFp16}, {"fp8_e4m3", ServingDType::kFp8},
      {"fp8_e5m2", ServingDType::kFp8}, {"NVFP4", ServingDType::kFp4},
      {"mxfp4", ServingDType::kFp4},    {"W8A8", ServingDType::kInt8},
      {"awq", ServingDType::kInt4},     {"GPTQ-Int4", ServingDType::kInt4},
      {"int4_awq", ServingDType::kInt4}};
  for (const auto& [name, dtype] : cases) {
    auto d = ParseServingDType(name);
    ASSERT_TRUE(d) << name;
    EXPECT_EQ(*d, dtype) << name;
  }
  EXPECT_FALSE(ParseServingDType("fp6"));
  EXPECT_EQ(ParseServingDType("w4a8"), ServingDType::kW4A8);  // 4-bit weights, INT8 math
  EXPECT_EQ(ParseServingDType("W4A8"), ServingDType::kW4A8);
}

// W4A8 (4-bit weights, INT8 math: SGLang's and vLLM-Ascend's W4A8 on the Ascend 910C, S3113,
// S3114): the weights take half the bytes of W8A8 and the GEMMs the INT8 rate, so a prefill-bound
// estimate keeps W8A8's prompt rate while the weights' memory halves.
TEST(InferenceTest, W4a8HalvesWeightBytesAtTheInt8Rate) {
  InferenceJob job = Job("qwen3-32b", "ascend-910c", ServingDType::kInt8);
  job.mode = ServingMode::kOffline;
  auto w8a8 = EstimateInference(job, Tp(2));
  job.dtype = ServingDType::kW4A8;
  auto w4a8 = EstimateInference(job, Tp(2));
  ASSERT_TRUE(w8a8 && w4a8) << (w4a8 ? "" : w4a8.error().ToString());
  EXPECT_NEAR(w4a8->weights_gib_per_chip, w8a8->weights_gib_per_chip / 2,
              0.05 * w8a8->weights_gib_per_chip);
  EXPECT_NEAR(w4a8->prefill_tokens_per_s_per_chip, w8a8->prefill_tokens_per_s_per_chip,
              0.02 * w8a8->prefill_tokens_per_s_per_chip);
  EXPECT_TRUE(ChipServes(**Cat().FindChip("ascend-910c"), ServingDType::kW4A8));
}

// ---------------------------------------------------------------------------
// Prompts queueing under live arrivals (M/D/1).

// The waits of n Poisson arrivals at rate rho / S on one server taking S per prompt, by Lindley's
// recursion W' = max(0, W + S - A): an exact simulation of the queue, apart from the formulas.
std::vector<double> LindleyWaits(double rho, double service_s, int n) {
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> gap(rho / service_s);
  std::vector<double> w(n);
  double wait = 0;
  for (int i = 0; i < n; ++i) w[i] = wait = std::max(0.0, wait + service_s - gap(rng));
  std::sort(w.begin(), w.end());
  return w;
}

// Multi-step scheduling's TTFT: the rest of the window, W ~ U(0, window), then the call's
// iteration with the 1 + N prompts of the window, N ~ Poisson(m). By hand: (1) no other prompt
// (m = 0), window 80 ms, iteration 20 ms: mean 40 + 20 = 60 ms, p99 0.99 x 80 + 20 = 99.2 ms.
// (2) m = 1, iteration 10 ms a prompt, window 100 ms: mean 50 + 10 x (1 + 1) = 70 ms; at
// t = 130.45 ms, P(W > t - 10 (1 + n)) is 0 for n <= 2 and, with P(N = n) = e^-1 / n!,
// 0.0955 x 0.06131 + 0.1955 x 0.01533 + 0.2955 x 0.00307 + 0.3955 x 0.000511 + 0.4955 x 0.000073
// + ... = 0.005855 + 0.002997 + 0.000907 + 0.000202 + 0.000036 + 0.000005 = 1.000 %: the p99.
TEST(InferenceTest, MultiStepTtftIsTheWindowsRestAndItsCall) {
  const PromptQueue alone = MultiStepTtftOf(0.080, 0, [](double) { return 0.020; });
  EXPECT_NEAR(alone.mean_s, 0.060, 1e-12);
  EXPECT_NEAR(alone.p99_s, 0.0992, 1e-9);
  const PromptQueue shared = MultiStepTtftOf(0.100, 1, [](double n) { return 0.010 * n; });
  EXPECT_NEAR(shared.mean_s, 0.070, 1e-9);
  EXPECT_NEAR(shared.p99_s, 0.13045, 2e-5);
  // Half the prompts arrive outside a window (during a prefill iteration apart), with a mean TTFT
  // of 10 ms: mean 0.5 x 60 + 0.5 x 10 = 35 ms; p99 where 0.5 x P(W > t - 20 ms) = 1 %, W 2 % from
  // its top: 0.98 x 80 + 20 = 98.4 ms.
  const PromptQueue half = MultiStepTtftOf(
      0.080, 0, [](double) { return 0.020; }, 0.5, 0.010);
  EXPECT_NEAR(half.mean_s, 0.035, 1e-12);
  EXPECT_NEAR(half.p99_s, 0.0984, 1e-9);
  // No window (a call every step): the iteration's own p99 over N.
  const PromptQueue every = MultiStepTtftOf(0, 0, [](double) { return 0.020; });
  EXPECT_NEAR(every.mean_s, 0.020, 1e-12);
  EXPECT_NEAR(every.p99_s, 0.020, 1e-9);
}

TEST(InferenceTest, PromptQueueMatchesTheMD1Queue) {
  // Pollaczek-Khinchine by hand: rho 0.5, S 2 s: 0.5 x 2 / (2 x 0.5) = 1.0 s.
  EXPECT_NEAR(PromptQueueOf(0.5, 2.0).mean_s, 1.0, 1e-12);
  EXPECT_EQ(PromptQueueOf(0, 2.0).p99_s, 0);
  EXPECT_TRUE(std::isinf(PromptQueueOf(1.0, 2.0).p99_s));
  // Against the simulated queue (2,000,000 prompts): p99 and mean within 3 % from 10 % to 90 %
  // utilization (the Cramer-Lundberg tail is asymptotic: 12 % low at 5 %).
  for (double rho : {0.1, 0.25, 0.5, 0.8, 0.9}) {
    const auto w = LindleyWaits(rho, 0.7, 2'000'000);
    const double p99 = w[static_cast<size_t>(0.99 * w.size())];
    double mean = 0;
    for (double x : w) mean += x / w.size();
    const PromptQueue q = PromptQueueOf(rho, 0.7);
    EXPECT_NEAR(q.p99_s / p99, 1.0, 0.03) << "rho " << rho;
    EXPECT_NEAR(q.mean_s / mean, 1.0, 0.03) << "rho " << rho;
  }
}

// A prompt that takes most of a second on the chip (Qwen3-32B, 1,024 tokens, BF16 on one H20:
// 2 x 32.8e9 x 1024 = 67 TFLOP at 148 TFLOPS) queues under live arrivals: a 2 s p99 TTFT then
// bounds the mean batch far below what the 200 ms TPOT allows, and the engine's cap
// (launch_batch) stays at the TPOT's batch to take the bursts.
TEST(InferenceTest, PromptQueueBindsTheBatchUnderATtftTarget) {
  InferenceJob job = Job("qwen3-32b", "h20");
  job.input_tokens = 1024;
  job.output_tokens = 256;
  job.tpot_ms = 200;
  auto tpot_only = EstimateInference(job, Tp(1));
  ASSERT_TRUE(tpot_only) << tpot_only.error().message;
  job.ttft_ms = 2000;
  auto both = EstimateInference(job, Tp(1));
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_LT(both->max_batch, tpot_only->max_batch / 2);
  EXPECT_EQ(both->launch_batch, tpot_only->max_batch);
  // Offline sends everything at once: no queue of arrivals, the same batch as without TTFT.
  job.mode = ServingMode::kOffline;
  job.ttft_ms.reset();
  auto offline = EstimateInference(job, Tp(1));
  ASSERT_TRUE(offline);
  EXPECT_EQ(offline->launch_batch, offline->max_batch);
}

}  // namespace
// FP8 MLA (FlashMLA's FP8 kernel on Hopper, data/engines.yaml sglang): with an FP8 KV cache on a
// family the engine lists, MLA attention runs at the chip's FP8 peak. DeepSeek-R1 decode on H20
// is compute-bound in attention: absorbed MLA does 61 x 2 x 128 x (2 x 512 + 64) = 16,990,208
// FLOP per cached key and reads 35,136 B of it, 483.6 FLOP/B, against 148e12 x 0.5 / (4e12 x
// 0.75) = 24.7 FLOP/B at BF16 and 49.3 at FP8 (attention_efficiency 0.5, memory_efficiency
// 0.75): so the attention time halves at 296 / 148 TFLOPS, at the same batch. A BF16 cache, an
// unlisted family or a model without MLA keeps the 16-bit rate.
TEST(InferenceTest, Fp8MlaRunsAttentionAtTheFp8Peak) {
  auto decode = [](const char* model, std::optional<ServingDType> kv,
                   std::vector<std::string> families) {
    InferenceJob job = Job(model, "h20", ServingDType::kFp8);
    job.kv_dtype = kv;
    job.mode = ServingMode::kOffline;
    job.limits.max_num_seqs = 16;
    job.limits.fp8_mla_families = std::move(families);
    // The peak alone (the MLA decode kernel's own rates are MlaDecodeRunsAtTheKernelsRate's).
    job.calibration.mla_decode_efficiency.reset();
    job.calibration.fp8_mla_decode_efficiency.reset();
    InferenceConstraints c;
    c.tp = 8;
    auto e = EstimateInference(job, c);
    EXPECT_TRUE(e) << e.error().ToString();
    EXPECT_EQ(e->max_batch, 16);
    return e->step_attention_ms;
  };
  const double bf16_rate = decode("deepseek-r1", ServingDType::kFp8, {});
  EXPECT_NEAR(decode("deepseek-r1", ServingDType::kFp8, {"hopper"}) / bf16_rate, 148.0 / 296.0,
              1e-9);
  EXPECT_DOUBLE_EQ(decode("deepseek-r1", ServingDType::kFp8, {"blackwell"}), bf16_rate);
  EXPECT_DOUBLE_EQ(decode("deepseek-r1", ServingDType::kBf16, {"hopper"}),
                   decode("deepseek-r1", ServingDType::kBf16, {}));
  EXPECT_DOUBLE_EQ(decode("llama-3.1-70b", ServingDType::kFp8, {"hopper"}),
                   decode("llama-3.1-70b", ServingDType::kFp8, {}));
}

// Dense MLA decode at the MLA decode kernel's measured rate (FlashMLA, deepseek-ai/FlashMLA
// docs/20250422-new-kernel-deep-dive.md, S3204: 660 TFLOPS compute-bound on H800 SXM5, whose BF16
// peak is 989 TFLOPS: 0.667; its FP8 kernel ~1.7x the BF16 one, S1980: 1,122 of 1,979, 0.567).
// The deep dive's own analysis: FLOPs 2 h_q s_q s_k (d_k + d_v), bytes ~2 s_k d_k, ratio
// ~2 h_q s_q, compute-bound on H800 when h_q s_q >= 128. DeepSeek-R1 on H200 (BF16 cache): per
// cached key and query token 61 x 2 x 128 x (2 x 512 + 64) = 16,990,208 FLOP, 61 x 576 x 2 =
// 70,272 B read, 241.8 FLOP/B with all 128 heads on a chip (attention data parallel) against
// 0.667 x 989e12 / (4.8e12 x 0.75) = 183 at the kernel's rate: compute-bound already at one query
// token, so one draft token verified in the same pass (s_q = 2) doubles the attention time.
// Under TP 8 each chip has 16 heads and reads the whole latent cache: 30.2 FLOP/B, 60.4 with the
// draft, memory-bound either way, so the draft adds no attention time (the cache is read once).
// Unset (attention_efficiency 0.5) the compute-bound time is 0.667 / 0.5 of the kernel's.
TEST(InferenceTest, MlaDecodeRunsAtTheKernelsRate) {
  const auto& hopper = Cat().CalibrationFor("hopper");
  ASSERT_TRUE(hopper.mla_decode_efficiency && hopper.fp8_mla_decode_efficiency);
  EXPECT_NEAR(*hopper.mla_decode_efficiency * 989, 660, 1);
  EXPECT_NEAR(*hopper.fp8_mla_decode_efficiency * 1979, 1.7 * 660, 2);
  auto attention = [](const InferenceConstraints& c, int mtp, std::optional<double> eff) {
    InferenceJob job = Job("deepseek-r1", "h200", ServingDType::kFp8);
    job.kv_dtype = ServingDType::kBf16;
    job.disaggregate = true;  // the decode step alone (no prompt tokens beside it)
    job.limits.max_num_seqs = 64;
    job.mtp_depth = mtp;
    job.mtp_acceptance = 0.8;
    job.calibration.mla_decode_efficiency = eff;
    auto e = EstimateInference(job, c);
    EXPECT_TRUE(e) << e.error().ToString();
    return e ? e->step_attention_ms : NAN;
  };
  const double flashmla = *hopper.mla_decode_efficiency;
  EXPECT_NEAR(attention(Dep(8), 1, flashmla) / attention(Dep(8), 0, flashmla), 2.0, 1e-9);
  EXPECT_NEAR(attention(Tp(8), 1, flashmla) / attention(Tp(8), 0, flashmla), 1.0, 1e-9);
  EXPECT_NEAR(attention(Dep(8), 0, std::nullopt) / attention(Dep(8), 0, flashmla), 0.667 / 0.5,
              0.002);
  // A GQA model does not run the MLA kernel.
  auto gqa = [](std::optional<double> eff) {
    InferenceJob job = Job("llama-3.1-70b", "h200", ServingDType::kFp8);
    job.calibration.mla_decode_efficiency = eff;
    auto e = EstimateInference(job, Tp(8));
    EXPECT_TRUE(e) << e.error().ToString();
    return e ? e->step_attention_ms : NAN;
  };
  EXPECT_DOUBLE_EQ(gqa(0.9), gqa(std::nullopt));
}

// TensorRT-LLM (1.2 and later) runs MLA decode on an FP8 cache in FP8 on Blackwell (FP8 Q and KV,
// tech blog 3, S4410) at its TRTLLM-gen kernel's measured rate: FlashInfer's timing on B200
// (S4411: 128 heads, one query token, 8,192 keys, FP8 cache) 0.2852 ms for 256 sequences. By
// hand: 256 x 8,192 keys x 128 heads x 2 x (576 + 512) = 584.1 GFLOP a layer, at 0.455 of the
// 4,500 FP8 TFLOPS 285.3 us; it reads 256 x 8,192 x 576 B = 1.208 GB, 216 us at 8 TB/s x 0.7:
// compute-bound. The same table's 128 sequences (0.1450 ms published, not used to set the rate):
// 142.6 us (-1.6 %). TensorRT-LLM 0.20-1.1 keeps the 16-bit rate, 0.45 of 2,250: 576.9 us at 256.
TEST(InferenceTest, TrtllmFp8MlaDecodeOnBlackwellAtTheKernelsRate) {
  const auto& blackwell = Cat().CalibrationFor("blackwell");
  ASSERT_TRUE(blackwell.fp8_mla_decode_efficiency);
  const double flop = 256 * 8192 * 128 * 2.0 * (576 + 512);
  EXPECT_NEAR(flop, 584.1e9, 0.1e9);
  EXPECT_NEAR(flop / (*blackwell.fp8_mla_decode_efficiency * 4500e12) * 1e6, 285.2, 3);
  auto layer_us = [](const char* engine, double seqs) -> double {
    const auto& e = **Cat().FindEngine(engine);
    InferenceJob job = Job("deepseek-r1", "b200", ServingDType::kFp4);
    job.attention_dtype = ServingDType::kFp8;
    job.kv_dtype = ServingDType::kFp8;
    job.limits.fp8_mla_families = e.fp8_mla_families;
    auto step = ServingStepModel::Make(job, InferenceLayout{1, 8, 8, 1});
    EXPECT_TRUE(step) << step.error().message;
    if (!step) return NAN;
    // The keys' share of the decode step (attention alone), per layer of DeepSeek-R1's 61.
    return (step->StepSeconds(seqs, seqs * 8192, 0, 0) - step->StepSeconds(seqs, 0, 0, 0)) / 61 *
           1e6;
  };
  EXPECT_NEAR(layer_us("trtllm", 256) / 285.2, 1.0, 0.02);
  EXPECT_NEAR(layer_us("trtllm", 128) / 145.0, 1.0, 0.03);
  EXPECT_NEAR(layer_us("trtllm-1.1", 256), flop / (0.45 * 2250e12) * 1e6, 3);
}

// vLLM-Gaudi's decode batch buckets (exponential strategy, S3930): min 1, step 2, max
// max_num_seqs, limit ceil(log2 n) + 1, bucket i = 2 ceil((n / 2)^(i / (limit - 1))), 1 kept. By
// hand for 600 (limit 11, 300^0.1 = 1.7689): 2 x 1.7689^i = 2, 3.54, 6.26, 11.07, 19.58, 34.64,
// 61.28, 108.4, 191.75, 339.19, 600 -> 2, 4, 8, 12, 20, 36, 62, 110, 192, 340, 600. For 256
// (limit 9, 128^0.125 = 1.8340): 2, 3.67, 6.73, 12.34, 22.63, 41.50, 76.11, 139.58, 256 -> 2, 4,
// 8, 14, 24, 42, 78, 140, 256.
TEST(InferenceTest, VllmGaudiDecodeBucketsAreExponential) {
  EXPECT_EQ(ExponentialDecodeBuckets(600),
            (std::vector<int>{1, 2, 4, 8, 12, 20, 36, 62, 110, 192, 340, 600}));
  EXPECT_EQ(ExponentialDecodeBuckets(256),
            (std::vector<int>{1, 2, 4, 8, 14, 24, 42, 78, 140, 256}));
  EXPECT_EQ(ExponentialDecodeBuckets(2), (std::vector<int>{1, 2}));
  EXPECT_TRUE(ExponentialDecodeBuckets(1).empty());
}

// An engine that pads its decodes to its buckets in every iteration (vLLM-Gaudi: 'Decodes run as
// one single padded batch', prompts in passes of their own, S3930) computes the bucket's rows
// through the linear layers, a prompt in the iteration or not, and runs an iteration with a prompt
// as two passes; a decode-only padding (CUDA graphs) does not pad an iteration with a prompt.
// Llama 3 8B in FP8 on one Gaudi 3 (family gaudi: 0.36 of 1,835 TFLOPS for FP8 GEMMs, max of
// read and math), 341 decodes with no cached keys: padded to the 600 bucket, the step is 600
// rows' math, 600 x 2 x 7,504,924,672 FLOP / (1,835e12 x 0.36) = 13.63 ms (the 7.5 GB of weights
// read in 2.9 ms), not 341 rows' 7.75 ms. With a 512-token prompt chunk: that pass (512 rows'
// math without the LM head, whose logits a prompt's tokens skip: 512 x 2 x (7,504,924,672 -
// 128,256 x 4,096) FLOP / (1,835e12 x 0.36) = 10.82 ms, and the chunk's attention) plus the
// 600-row decode pass.
TEST(InferenceTest, VllmGaudiPadsItsDecodesInEveryIteration) {
  InferenceJob job = Job("llama-3-8b", "gaudi3", ServingDType::kFp8);
  const InferenceLayout layout{1, 1, 1, 1};
  auto plain = ServingStepModel::Make(job, layout);
  ASSERT_TRUE(plain) << plain.error().message;
  InferenceJob gaudi = job;
  gaudi.limits.graph_batch_sizes = ExponentialDecodeBuckets(600);
  gaudi.limits.decode_batch_padded = true;
  auto padded = ServingStepModel::Make(gaudi, layout);
  ASSERT_TRUE(padded) << padded.error().message;
  InferenceJob graphs = gaudi;
  graphs.limits.decode_batch_padded = false;
  auto decode_only = ServingStepModel::Make(graphs, layout);
  ASSERT_TRUE(decode_only) << decode_only.error().message;
  const double math_ms = 600 * 2 * 7'504'924'672.0 / (1835e12 * 0.36) * 1e3;
  EXPECT_NEAR(math_ms, 13.63, 0.01);
  EXPECT_NEAR(padded->StepSeconds(341, 0, 0, 0) * 1e3 / math_ms, 1.0, 0.02);
  EXPECT_DOUBLE_EQ(padded->StepSeconds(341, 0, 0, 0), plain->StepSeconds(600, 0, 0, 0));
  EXPECT_DOUBLE_EQ(decode_only->StepSeconds(341, 0, 0, 0), plain->StepSeconds(600, 0, 0, 0));
  // With a 512-token prompt chunk in the iteration: the prompt's pass and the padded decodes',
  // unless only decode-only iterations pad (one pass of 341 + 512 rows).
  const double prompt_ms = 512 * 2 * (7'504'924'672.0 - 128'256.0 * 4096) / (1835e12 * 0.36) * 1e3;
  EXPECT_NEAR(prompt_ms, 10.82, 0.01);
  EXPECT_NEAR(plain->StepSeconds(0, 0, 512, 512 * 256) * 1e3 / prompt_ms, 1.0, 0.05);
  EXPECT_NEAR(padded->StepSeconds(341, 0, 512, 512 * 256),
              plain->StepSeconds(0, 0, 512, 512 * 256) + plain->StepSeconds(600, 0, 0, 0), 1e-12);
  EXPECT_DOUBLE_EQ(decode_only->StepSeconds(341, 0, 512, 512 * 256),
                   plain->StepSeconds(341, 0, 512, 512 * 256));
  // A prompt-only iteration has no decodes to pad.
  EXPECT_DOUBLE_EQ(padded->StepSeconds(0, 0, 512, 512 * 256),
                   plain->StepSeconds(0, 0, 512, 512 * 256));
  // The steady state pads its batch too: a decode pool (disaggregated: no prompt pass in its
  // steps) capped at 341 sequences in buckets of 340 and 600 prices 600 rows' linear work and
  // 341 sequences' attention.
  InferenceJob capped = gaudi;
  capped.limits.max_num_seqs = 341;
  capped.limits.graph_batch_sizes = {340, 600};
  InferenceJob full = job;
  full.limits.max_num_seqs = 600;
  full.input_tokens = capped.input_tokens = 128;
  full.output_tokens = capped.output_tokens = 128;
  full.mode = capped.mode = ServingMode::kOffline;
  full.disaggregate = capped.disaggregate = true;
  auto at_cap = EstimateInference(capped, Tp(1));
  auto at_600 = EstimateInference(full, Tp(1));
  ASSERT_TRUE(at_cap && at_600);
  EXPECT_EQ(at_cap->max_batch, 341);
  EXPECT_EQ(at_600->max_batch, 600);
  EXPECT_NEAR(at_cap->step_linear_ms / at_600->step_linear_ms, 1.0, 1e-9);
  EXPECT_NEAR(at_cap->step_attention_ms / at_600->step_attention_ms, 341.0 / 600, 0.01);
}

// A grouped GEMM in tiles of `block` rows computes block x E[ceil(X / block)] rows for an expert
// receiving X ~ Poisson(mean) tokens. Mean 8, tiles of 32: one tile unless no token comes
// (e^-8) or more than 32 do (P < 1e-10): 32 x (1 - e^-8) = 31.98926. Tiles of one row: the mean.
// Past 8 tiles: the mean plus half a tile less half a row, 1,000 + 15.5.
TEST(InferenceTest, ExpertTilesRoundEachExpertsTokensUp) {
  EXPECT_NEAR(TiledRows(8, 32), 32 * (1 - std::exp(-8.0)), 1e-6);
  EXPECT_NEAR(TiledRows(8, 1), 8, 1e-9);
  EXPECT_NEAR(TiledRows(0.5, 1), 0.5, 1e-9);
  EXPECT_DOUBLE_EQ(TiledRows(1000, 32), 1015.5);
  EXPECT_DOUBLE_EQ(TiledRows(0, 32), 0);
  // Tiles cost an expert-parallel decode step FLOPs; a step of one group's 8 sequences on 16
  // H20s (16 experts a chip, 16 x 8 x 8 / 256 = 4 tokens an expert) is slower with them.
  InferenceJob job = Job("deepseek-r1", "h20", ServingDType::kFp8);
  job.mode = ServingMode::kOffline;
  job.limits.max_num_seqs = 8;
  const InferenceConstraints c = Dep(16);
  auto plain = EstimateInference(job, c);
  job.limits.moe_gemm_block_m = 32;
  auto elsewhere = EstimateInference(job, c);  // no family listed: tokens as they come
  job.limits.moe_gemm_families = {"hopper"};
  auto tiled = EstimateInference(job, c);
  ASSERT_TRUE(plain && tiled && elsewhere);
  EXPECT_GT(tiled->step_linear_ms, plain->step_linear_ms);
  EXPECT_DOUBLE_EQ(tiled->step_attention_ms, plain->step_attention_ms);
  EXPECT_DOUBLE_EQ(elsewhere->step_linear_ms, plain->step_linear_ms);
}

// The routed experts' activations between an engine's MoE kernels (moe_activation_families;
// vLLM's fused_experts S3248, SGLang's port S3249, TensorRT-LLM's CUTLASS MoE S3250). By hand for
// the Gemma 4 MoE shape of S3161 (E 128, top 8, hidden 2,816, 704 wide, BF16, M = 4,096 tokens:
// 32,768 routed rows):
//   in the GEMMs: 32,768 x (2 x 2,816 in + 4 x 704 gate/up out + 2 x 704 down in + 2 x 2,816
//     down out) = 32,768 x 15,488 = 507,510,784 bytes;
//   between: 32,768 x (4 x 704 + 2 x 704 activation + 2 x 2,816 sum in) + 4,096 x 2 x 2,816 sum
//     out = 322,961,408 + 23,068,672 = 346,030,080 bytes.
// Against the published kernel times, the model's terms for one fused_experts call (FLOPs at 0.65
// of the BF16 peak 989 TFLOP/s, bytes at 0.75 of HBM, Hopper's smooth roofline of exponent 1.5):
//   Gemma 4 on H200 (S3161, 4.8 TB/s): 390.0 GFLOP -> 606.6 us, touched weights 761.3 MB ->
//     211.5 us: 823 us without the activations, (606.6^1.5 + 352.5^1.5)^(2/3) + 96.1 = 1,025 us
//     with them; published 1,189.6 us (-31 % -> -14 %); at M = 2,048: 580 -> 689 us, published
//     728.2 (-20 % -> -5 %).
//   Mixtral 8x7B at TP 2 on H100 (S3160, E 8, top 2, hidden 4,096, 7,168 wide, 3.35 TB/s), M =
//     1,536: 1,124 -> 1,244 us, published 1,122.9 (+0 % -> +11 %): a wide slice is left near
//     its FLOPs, a narrow one is not.
// In a step: a listed family pays them on the linear layers, attention unchanged; a family not
// listed pays nothing; the narrow TP 8 slice of DeepSeek-R1's experts (256 columns a GPU, the
// hidden-wide partial sums whole on each) pays more of its step than expert parallelism's whole
// 2,048-wide experts.
TEST(InferenceTest, RoutedActivationsBetweenMoeKernelsByHand) {
  const RoutedActivationBytes b = RoutedActivationBytesOf(32768, 8, 2816, 704, 2);
  EXPECT_DOUBLE_EQ(b.in_gemms, 507510784.0);
  EXPECT_DOUBLE_EQ(b.between, 346030080.0);
  const RoutedActivationBytes fp8 = RoutedActivationBytesOf(8, 8, 100, 10, 1);
  EXPECT_DOUBLE_EQ(fp8.in_gemms, 8 * (100 + 40 + 10 + 200));  // 8-bit inputs, 16-bit outputs
  EXPECT_DOUBLE_EQ(fp8.between, 8 * (40 + 10 + 200) + 1 * 200);

  auto share = [](InferenceConstraints c, std::vector<std::string> families) {
    InferenceJob job = Job("deepseek-r1", "h200", ServingDType::kFp8);
    job.mode = ServingMode::kOffline;
    job.limits.max_num_seqs = 64;
    job.limits.moe_activation_families = std::move(families);
    return EstimateInference(job, c);
  };
  InferenceConstraints tp8;
  tp8.tp = 8;
  tp8.ep = 1;  // the experts sliced 8 ways, not spread over expert-parallel replicas
  for (const auto& c : {tp8, Dep(8)}) {
    const auto plain = share(c, {});
    const auto elsewhere = share(c, {"blackwell"});
    const auto listed = share(c, {"hopper"});
    ASSERT_TRUE(plain && elsewhere && listed);
    EXPECT_GT(listed->step_linear_ms, plain->step_linear_ms);
    EXPECT_DOUBLE_EQ(listed->step_attention_ms, plain->step_attention_ms);
    EXPECT_DOUBLE_EQ(elsewhere->step_linear_ms, plain->step_linear_ms);
  }
  const auto tp_plain = share(tp8, {}), tp_listed = share(tp8, {"hopper"});
  const auto ep_plain = share(Dep(8), {}), ep_listed = share(Dep(8), {"hopper"});
  ASSERT_TRUE(tp_plain && tp_listed && ep_plain && ep_listed);
  EXPECT_GT(tp_listed->step_linear_ms / tp_plain->step_linear_ms,
            ep_listed->step_linear_ms / ep_plain->step_linear_ms);
}

// Expert parallelism without an all-to-all kernel in an engine whose MoE kernels keep a row for
// every routed copy of the rank's tokens (moe_ep_all_route_rows: vLLM's fused_experts with an
// expert_map, S4331, S4330): the copies bound for other ranks' experts are written as zeros by
// both GEMMs (gate/up 2 x 1,536 wide and down 4,096 wide, 16-bit), run through the activation and
// summed, their inputs never read. By hand, Qwen3-235B-A22B (hidden 4,096, experts 1,536 wide,
// top 8 of 128, 94 MoE layers) in FP8 at DEP 8 on H100, one sequence a rank, 1,024 / 256 tokens:
// the steady state's step carries the rank's decode token and its prompts' share, 1,024 / 256 = 4
// tokens, so 5 tokens a rank, 40 on each rank after the all-gather, 320 routed copies, of which
// 320 x 1.1 / 8 = 44 are its own (moe_load_imbalance 1.1): 276 others a layer.
//   zero writes in the GEMMs: 276 x (4 x 1,536 + 2 x 4,096) = 3,956,736 bytes;
//   activation and sum: 276 x (4 x 1,536 + 1 x 1,536 + 2 x 4,096) + 276 / 8 x 2 x 4,096
//     = 4,663,296 bytes;
//   x 94 layers = 810,283,008 bytes at 3.35 TB/s x 0.75 (Hopper's memory_efficiency) = 322.5 us
//     more linear time a step (the GEMMs' share inside the smooth roofline, which the weight
//     reads bind at this batch).
// Tensor-parallel experts (ep 1), an all-to-all backend and a family the engine does not list pay
// nothing.
TEST(InferenceTest, ExpertParallelAllRouteRowsByHand) {
  auto run = [](InferenceConstraints c, bool all_routes, bool all_to_all, const char* family) {
    InferenceJob job = Job("qwen3-235b-a22b", "h100", ServingDType::kFp8);
    job.mode = ServingMode::kOffline;
    job.input_tokens = 1024;
    job.output_tokens = 256;
    job.limits.max_num_seqs = 1;
    job.limits.moe_activation_families = {family};
    job.limits.moe_ep_all_route_rows = all_routes;
    job.limits.moe_all_to_all = all_to_all;
    return EstimateInference(job, c);
  };
  const auto plain = run(Dep(8), false, false, "hopper");
  const auto rows = run(Dep(8), true, false, "hopper");
  ASSERT_TRUE(plain && rows);
  ASSERT_EQ(plain->max_batch, 1);
  ASSERT_EQ(rows->max_batch, 1);
  const double expected_ms = 810283008.0 / (3.35e12 * 0.75) * 1e3;  // 0.3225 ms
  EXPECT_NEAR(rows->step_linear_ms - plain->step_linear_ms, expected_ms, 0.01 * expected_ms);
  EXPECT_DOUBLE_EQ(rows->step_attention_ms, plain->step_attention_ms);

  InferenceConstraints tp8 = Tp(8);
  tp8.ep = 1;
  const auto tp_plain = run(tp8, false, false, "hopper"), tp_rows = run(tp8, true, false, "hopper");
  const auto a2a_plain = run(Dep(8), false, true, "hopper");
  const auto a2a_rows = run(Dep(8), true, true, "hopper");
  const auto elsewhere = run(Dep(8), true, false, "blackwell");
  const auto elsewhere_plain = run(Dep(8), false, false, "blackwell");
  ASSERT_TRUE(tp_plain && tp_rows && a2a_plain && a2a_rows && elsewhere && elsewhere_plain);
  EXPECT_DOUBLE_EQ(tp_rows->step_linear_ms, tp_plain->step_linear_ms);
  EXPECT_DOUBLE_EQ(a2a_rows->step_linear_ms, a2a_plain->step_linear_ms);
  EXPECT_DOUBLE_EQ(elsewhere->step_linear_ms, elsewhere_plain->step_linear_ms);
}

// An engine's routing operators on the prompt path (moe_prompt_row_ns: vLLM-Ascend 0.9.1's and
// SGLang's npu_moe_init_routing / npu_moe_compute_expert_tokens / npu_moe_finalize_routing,
// S3341, S3420), by hand: Qwen3-30B-A3B at tp 2 on two 910B, experts tensor-parallel, so each
// rank routes all 8 copies of every prompt token in each of the 48 MoE layers: at 200 ns a row
// a prompt token costs each chip 200 ns x 8 x 48 = 76.8 us more, and the per-chip prefill rate
// (tokens / (time x 2 chips)) loses 2 x 76.8 = 153.6 us a token. A family the engine does not
// list, and expert parallelism (DeepEP routes the rows), pay nothing.
TEST(InferenceTest, EnginePromptRoutingRowsByHand) {
  InferenceJob job = Job("qwen3-30b-a3b", "ascend-910b", ServingDType::kBf16);
  job.mode = ServingMode::kOffline;
  job.limits.max_num_seqs = 64;
  InferenceConstraints tp2 = Tp(2), dep2 = Dep(2);
  tp2.pp = dep2.pp = 1;  // two chips, no pipeline stages
  tp2.ep = 1;            // the experts split by tp, not spread
  auto plain = EstimateInference(job, tp2);
  auto ep_plain = EstimateInference(job, dep2);
  job.limits.moe_prompt_row_ns = {{"hopper", 200}};
  auto elsewhere = EstimateInference(job, tp2);
  job.limits.moe_prompt_row_ns = {{"ascend-910", 200}};
  auto routed = EstimateInference(job, tp2);
  auto ep_routed = EstimateInference(job, dep2);
  ASSERT_TRUE(plain && ep_plain && elsewhere && routed && ep_routed);
  EXPECT_DOUBLE_EQ(elsewhere->prefill_tokens_per_s_per_chip, plain->prefill_tokens_per_s_per_chip);
  EXPECT_NEAR(1 / routed->prefill_tokens_per_s_per_chip - 1 / plain->prefill_tokens_per_s_per_chip,
              153.6e-6, 1e-9);
  EXPECT_DOUBLE_EQ(ep_routed->prefill_tokens_per_s_per_chip,
                   ep_plain->prefill_tokens_per_s_per_chip);
}

// An engine that routes decode tokens through the same chain (moe_decode_routing: vLLM-Ascend
// 0.9.1's AllGather MoE runs npu_moe_init_routing / compute_expert_tokens / finalize_routing for
// every batch, S3341), by hand: Qwen3-30B-A3B at tp 2 on two 910B with 64 sequences, each rank
// routes all 8 copies of every decode token in each of the 48 MoE layers, 64 x 8 x 48 = 24,576
// rows x 200 ns = 4.9152 ms more a step; with MTP each sequence's 1 + 2 verified tokens are rows
// too (14.7456 ms). Expert parallelism (the rows go to DeepEP) pays nothing.
TEST(InferenceTest, EngineDecodeRoutingRowsByHand) {
  InferenceJob job = Job("qwen3-30b-a3b", "ascend-910b", ServingDType::kBf16);
  job.mode = ServingMode::kOffline;
  job.limits.max_num_seqs = 64;
  job.limits.moe_prompt_row_ns = {{"ascend-910", 200}};
  InferenceConstraints tp2 = Tp(2), dep2 = Dep(2);
  tp2.pp = dep2.pp = 1;
  tp2.ep = 1;
  auto prompt_only = EstimateInference(job, tp2);
  auto ep_prompt_only = EstimateInference(job, dep2);
  job.limits.moe_decode_routing = true;
  auto routed = EstimateInference(job, tp2);
  auto ep_routed = EstimateInference(job, dep2);
  ASSERT_TRUE(prompt_only && routed && ep_prompt_only && ep_routed);
  ASSERT_EQ(routed->max_batch, 64);
  ASSERT_EQ(prompt_only->max_batch, 64);
  EXPECT_NEAR(routed->step_overhead_ms - prompt_only->step_overhead_ms, 4.9152, 1e-9);
  EXPECT_DOUBLE_EQ(ep_routed->step_overhead_ms, ep_prompt_only->step_overhead_ms);
  job.mtp_depth = 2;
  job.mtp_acceptance = 0.5;
  auto mtp_routed = EstimateInference(job, tp2);
  job.limits.moe_decode_routing = false;
  auto mtp_prompt_only = EstimateInference(job, tp2);
  ASSERT_TRUE(mtp_routed && mtp_prompt_only);
  ASSERT_EQ(mtp_routed->max_batch, 64);
  EXPECT_NEAR(mtp_routed->step_overhead_ms - mtp_prompt_only->step_overhead_ms, 14.7456, 1e-9);
}

// An engine's expert-parallel exchange time per decode token of a rank (ep_moe_token_us: SGLang's
// DeepEP / fused-EP decode on the 910C, 2.9 us a token a layer, S3000), by hand: Qwen3-235B-A22B
// W8A8 over 8 910C at tp 1, dp 8, ep 8 (each attention group one chip of two dies, each die a rank
// of the exchange), 32 sequences a group: 16 decode tokens a die x 94 MoE layers x 2.9 us =
// 4.3616 ms more a step; with EAGLE3's 3 draft tokens each sequence sends 4 (17.4464 ms). The
// same engine with its experts tensor-parallel (ep 1), and a family it does not list, pay nothing.
TEST(InferenceTest, EngineEpExchangeTimePerDecodeTokenByHand) {
  InferenceJob job = Job("qwen3-235b-a22b", "ascend-910c", ServingDType::kInt8);
  job.mode = ServingMode::kOffline;
  job.limits.max_num_seqs = 32;
  InferenceConstraints dep8 = Dep(8), tp8 = Tp(8);
  dep8.pp = tp8.pp = 1;
  tp8.ep = 1;
  auto plain = EstimateInference(job, dep8);
  auto tp_plain = EstimateInference(job, tp8);
  job.limits.ep_moe_token_us = {{"hopper", 2.9}};
  auto elsewhere = EstimateInference(job, dep8);
  job.limits.ep_moe_token_us = {{"ascend-910", 2.9}};
  auto charged = EstimateInference(job, dep8);
  auto tp_charged = EstimateInference(job, tp8);
  ASSERT_TRUE(plain && tp_plain && elsewhere && charged && tp_charged);
  ASSERT_EQ(plain->max_batch, 32);
  ASSERT_EQ(charged->max_batch, 32);
  EXPECT_DOUBLE_EQ(elsewhere->step_overhead_ms, plain->step_overhead_ms);
  EXPECT_NEAR(charged->step_overhead_ms - plain->step_overhead_ms, 4.3616, 1e-9);
  EXPECT_DOUBLE_EQ(tp_charged->step_overhead_ms, tp_plain->step_overhead_ms);
  job.mtp_depth = 3;
  job.mtp_acceptance = 0.8;
  auto mtp_charged = EstimateInference(job, dep8);
  job.limits.ep_moe_token_us.clear();
  auto mtp_plain = EstimateInference(job, dep8);
  ASSERT_TRUE(mtp_charged && mtp_plain);
  ASSERT_EQ(mtp_charged->max_batch, 32);
  EXPECT_NEAR(mtp_charged->step_overhead_ms - mtp_plain->step_overhead_ms, 17.4464, 1e-9);
}

// vLLM-Ascend 0.9.1 runs a MoE model under ACL graph with tensor-parallel experts only ('DP/EP
// doesn't work in this release', S3340; moe_tp_only_in_graph): the search over Qwen3-30B-A3B on
// two 910B keeps to ep 1 and dp 1, a given ep 2 with dp 2 is refused with what it can run, and
// under --enforce-eager (no graph) the same layout runs. A dense model is not affected.
TEST(InferenceTest, MoeTpOnlyInGraphKeepsTheSearchToTensorParallel) {
  InferenceJob job = Job("qwen3-30b-a3b", "ascend-910b", ServingDType::kBf16);
  job.mode = ServingMode::kOffline;
  job.chips = 2;
  job.limits.moe_tp_only_in_graph = true;
  auto kept = EstimateInference(job, {});
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->layout.ep, 1);
  EXPECT_EQ(kept->layout.dp, 1);
  ExpectError(job, Dep(2), "give ep 1 and dp 1, or --enforce-eager");
  job.limits.enforce_eager = true;
  EXPECT_TRUE(EstimateInference(job, Dep(2)));
  InferenceJob dense = Job("qwen3-8b", "ascend-910b", ServingDType::kBf16);
  dense.mode = ServingMode::kOffline;
  dense.chips = 2;
  dense.limits.moe_tp_only_in_graph = true;
  EXPECT_TRUE(EstimateInference(dense, {}));
}

// vLLM splits a MoE model's experts by tensor parallelism unless started with
// --enable-expert-parallel (ParallelConfig enable_expert_parallel = False, S4081;
// expert_parallel_opt_in): the search over Qwen3-235B-A22B FP8 on eight H100s (1,024 in, 8,192
// out), which takes expert parallel 8 when the engine has no such rule, keeps to ep 1 (attention
// DP with tensor-parallel experts stays open, as vLLM's -dp runs it), and a given ep 8 still runs.
// A dense model's search is the same either way.
TEST(InferenceTest, ExpertParallelOptInSearchesEpOnlyWhenGiven) {
  InferenceJob job = Job("qwen3-235b-a22b", "h100", ServingDType::kFp8);
  job.mode = ServingMode::kOffline;
  job.chips = 8;
  job.input_tokens = 1024;
  job.output_tokens = 8192;
  auto searched = EstimateInference(job, {});
  job.limits.expert_parallel_opt_in = true;
  auto kept = EstimateInference(job, {});
  auto given = EstimateInference(job, Dep(8));
  ASSERT_TRUE(searched && kept && given);
  EXPECT_GT(searched->layout.ep, 1);
  EXPECT_EQ(kept->layout.ep, 1);
  EXPECT_EQ(given->layout.ep, 8);
  InferenceJob dense = Job("qwen3-32b", "h200", ServingDType::kBf16);
  dense.mode = ServingMode::kOffline;
  dense.chips = 8;
  auto dense_free = EstimateInference(dense, {});
  dense.limits.expert_parallel_opt_in = true;
  auto dense_kept = EstimateInference(dense, {});
  ASSERT_TRUE(dense_free && dense_kept);
  EXPECT_EQ(dense_kept->layout, dense_free->layout);
  auto vllm = Cat().FindEngine("vllm");
  ASSERT_TRUE(vllm);
  EXPECT_TRUE((*vllm)->expert_parallel_opt_in);
}

// An engine's W8A8 GEMM rate (int8_matmul_efficiency, the open engines' torch_npu path on Ascend,
// S3110-S3112): Qwen3-32B W8A8 at tp 2 on the 910C prefills slower at 0.31 of the INT8 peak than
// at the family's 0.5 - by less than the 0.5 / 0.31 of its GEMMs alone, since attention and the
// all-reduces keep their times - while a family the engine does not list, and BF16 weights (no
// INT8 math), keep theirs.
TEST(InferenceTest, EngineInt8GemmEfficiencyOnListedFamiliesOnly) {
  InferenceJob job = Job("qwen3-32b", "ascend-910c", ServingDType::kInt8);
  job.mode = ServingMode::kOffline;
  auto plain = EstimateInference(job, Tp(2));
  job.limits.int8_matmul_efficiency = {{"hopper", 0.31}};
  auto elsewhere = EstimateInference(job, Tp(2));
  job.limits.int8_matmul_efficiency = {{"ascend-910", 0.31}};
  auto slow = EstimateInference(job, Tp(2));
  ASSERT_TRUE(plain && elsewhere && slow);
  EXPECT_DOUBLE_EQ(elsewhere->prefill_tokens_per_s_per_chip, plain->prefill_tokens_per_s_per_chip);
  const double ratio = plain->prefill_tokens_per_s_per_chip / slow->prefill_tokens_per_s_per_chip;
  EXPECT_GT(ratio, 1.2);
  EXPECT_LT(ratio, 0.5 / 0.31);
  job.dtype = ServingDType::kBf16;
  auto bf16 = EstimateInference(job, Tp(2));
  job.limits.int8_matmul_efficiency.clear();
  auto bf16_plain = EstimateInference(job, Tp(2));
  ASSERT_TRUE(bf16 && bf16_plain);
  EXPECT_DOUBLE_EQ(bf16->prefill_tokens_per_s_per_chip, bf16_plain->prefill_tokens_per_s_per_chip);
}

// The fused-MoE kernel's rate by the GEMMs' reduction lengths (FusedMoeEfficiency), by hand at
// vLLM's Hopper figures (0.80 of the peak at a long reduction, a tile overhead of 650 elements):
//   DeepSeek-V3's experts at TP 8 (hidden 7,168; 2,048 / 8 = 256 columns): 650 x (2 / 21,504 +
//     1 / 768) = 650 x 0.00139509 = 0.906808, 0.8 / 1.906808 = 0.419549;
//   the same experts whole under expert parallelism (2,048): 650 x (0.0000930060 + 0.000162760)
//     = 0.166248, 0.8 / 1.166248 = 0.685960;
//   Mixtral-8x7B at TP 2 (hidden 4,096; 7,168 columns; S3160): 650 x 0.000209263 = 0.136021,
//     0.704212; Gemma 4 (hidden 2,816; 704 columns; S3161): 650 x 0.000710227 = 0.461648,
//     0.547328; GLM-4.6 at TP 8 (hidden 5,120; 1,536 / 8 = 192 columns): 650 x 0.00186632 =
//     1.213108, 0.361483.
// No overhead: the efficiency itself.
TEST(InferenceTest, FusedMoeEfficiencyByTheReductionLengths) {
  EXPECT_NEAR(FusedMoeEfficiency(0.8, 650, 7168, 256), 0.419549, 1e-6);
  EXPECT_NEAR(FusedMoeEfficiency(0.8, 650, 7168, 2048), 0.685960, 1e-6);
  EXPECT_NEAR(FusedMoeEfficiency(0.8, 650, 4096, 7168), 0.704212, 1e-6);
  EXPECT_NEAR(FusedMoeEfficiency(0.8, 650, 2816, 704), 0.547328, 1e-6);
  EXPECT_NEAR(FusedMoeEfficiency(0.8, 650, 5120, 192), 0.361483, 1e-6);
  EXPECT_DOUBLE_EQ(FusedMoeEfficiency(0.8, 0, 7168, 256), 0.8);
}

// The Triton fused_moe kernel where the engine runs it (triton_moe_families: vLLM and SGLang on
// Hopper), at the family's rate for it (triton_moe_matmul_efficiency 0.80 of the 16-bit peak, tile
// overhead 650): DeepSeek-R1 FP8 at tp 8 on H200 prefills slower, its routed GEMMs at 989 x 0.420
// = 415 TFLOP/s instead of the block-scaled FP8 rate 1,979 x 0.45 = 891 - by less than that
// 2.15x, since its other GEMMs, attention and all-reduces keep their times. Under expert
// parallelism gathered in the node (ep 8: each expert's 2,048 columns whole, 0.686 x 989 = 678
// TFLOP/s) the loss is smaller; exchanged by an all-to-all (DeepEP hands the tokens to DeepGEMM)
// there is none. A family the engine does not list, a family with no rate for the kernel, and
// 4-bit experts (other kernels) keep their rates.
TEST(InferenceTest, TritonMoeKernelRateWhereTheEngineRunsIt) {
  InferenceJob job = Job("deepseek-r1", "h200", ServingDType::kFp8);
  job.mode = ServingMode::kOffline;
  job.calibration.triton_moe_matmul_efficiency = 0.8;
  job.calibration.triton_moe_tile_k_overhead = 650;
  // The kernel's 16-bit rule here; its block-FP8 path is the next test's.
  job.calibration.triton_moe_block_fp8_matmul_efficiency.reset();
  auto plain = EstimateInference(job, Tp(8));
  auto plain_ep = EstimateInference(job, Dep(8));
  job.limits.triton_moe_families = {"blackwell"};
  auto elsewhere = EstimateInference(job, Tp(8));
  job.limits.triton_moe_families = {"hopper"};
  auto fused = EstimateInference(job, Tp(8));
  auto fused_ep = EstimateInference(job, Dep(8));
  ASSERT_TRUE(plain && plain_ep && elsewhere && fused && fused_ep);
  EXPECT_DOUBLE_EQ(elsewhere->prefill_tokens_per_s_per_chip, plain->prefill_tokens_per_s_per_chip);
  const double tp_ratio =
      plain->prefill_tokens_per_s_per_chip / fused->prefill_tokens_per_s_per_chip;
  EXPECT_GT(tp_ratio, 1.15);
  EXPECT_LT(tp_ratio, 1979 * 0.45 / (989 * 0.419549));
  const double ep_ratio =
      plain_ep->prefill_tokens_per_s_per_chip / fused_ep->prefill_tokens_per_s_per_chip;
  EXPECT_GT(ep_ratio, 1.0);
  EXPECT_LT(ep_ratio, tp_ratio);
  job.limits.moe_all_to_all = true;
  auto a2a = EstimateInference(job, Dep(8));
  job.limits.triton_moe_families.clear();
  auto a2a_plain = EstimateInference(job, Dep(8));
  ASSERT_TRUE(a2a && a2a_plain);
  EXPECT_DOUBLE_EQ(a2a->prefill_tokens_per_s_per_chip, a2a_plain->prefill_tokens_per_s_per_chip);
  job.limits.moe_all_to_all = false;
  job.limits.triton_moe_families = {"hopper"};
  job.calibration.triton_moe_matmul_efficiency.reset();
  auto unrated = EstimateInference(job, Tp(8));
  ASSERT_TRUE(unrated);
  EXPECT_DOUBLE_EQ(unrated->prefill_tokens_per_s_per_chip, plain->prefill_tokens_per_s_per_chip);
  job.calibration.triton_moe_matmul_efficiency = 0.8;
  job.expert_dtype = ServingDType::kInt4;
  auto int4 = EstimateInference(job, Tp(8));
  job.limits.triton_moe_families.clear();
  auto int4_plain = EstimateInference(job, Tp(8));
  ASSERT_TRUE(int4 && int4_plain);
  EXPECT_DOUBLE_EQ(int4->prefill_tokens_per_s_per_chip, int4_plain->prefill_tokens_per_s_per_chip);
}

// One rule for 16- and 8-bit experts: the kernel's FLOP rate is the same for both (FP8 tuned
// against BF16 tuned is only 10-17 % faster, S3211, from its fewer bytes). GLM-4.6-FP8 at tp 4
// on H200 (hidden 5,120; 1,536 / 4 = 384 columns a chip: 650 x (2 / 15,360 + 1 / 1,152) =
// 0.648880, 0.8 / 1.648880 = 0.485178): its routed GEMMs at 989 x 0.485 = 480 TFLOP/s instead of
// the family's block-scaled 1,979 x 0.45 = 891, so prefill slows, by less than 891 / 480 = 1.86x.
// GLM-4.6 in BF16 at tp 8 (192 columns, 0.361483, by hand in the test above): 357.5 TFLOP/s
// instead of the family's 989 x 0.65 = 643, by less than 643 / 357.5 = 1.80x.
TEST(InferenceTest, TritonMoeKernelRunsEightAndSixteenBitExpertsAtOneRate) {
  struct Case {
    ServingDType dtype;
    int tp;
    double routed;  // TFLOP/s through the kernel
    double plain;   // TFLOP/s at the family's GEMM rate
  };
  for (const Case& c : {Case{ServingDType::kFp8, 4, 989 * 0.485178, 1979 * 0.45},
                        Case{ServingDType::kBf16, 8, 989 * 0.361483, 989 * 0.65}}) {
    InferenceJob job = Job("glm-4.6", "h200", c.dtype);
    job.mode = ServingMode::kOffline;
    job.calibration.triton_moe_matmul_efficiency = 0.8;
    job.calibration.triton_moe_tile_k_overhead = 650;
    auto plain = EstimateInference(job, Tp(c.tp));
    job.limits.triton_moe_families = {"hopper"};
    auto fused = EstimateInference(job, Tp(c.tp));
    ASSERT_TRUE(plain && fused) << c.tp;
    const double ratio =
        plain->prefill_tokens_per_s_per_chip / fused->prefill_tokens_per_s_per_chip;
    EXPECT_GT(ratio, 1.05) << c.tp;
    EXPECT_LT(ratio, c.plain / c.routed) << c.tp;
  }
}

// Block-scaled FP8 experts run the kernel's block path, which scales each 128-long step's partial
// product by the activation and weight block scales on the CUDA cores before the FP32 add (vLLM's
// fused_moe_kernel, S3700): vLLM's Triton block-FP8 GEMM of the same loop reaches 406.5 TFLOP/s on
// H100 at 8,192 x 2,112 x 7,168 (S3701), 0.205 of the 1,979 FP8 peak. DeepSeek-R1 at tp 8 on H200
// (hidden 7,168, 2,048 / 8 = 256 columns a chip: 1 + 650 x (2 / 21,504 + 1 / 768) = 1.906809):
// its routed GEMMs at 1,979 x 0.205 / 1.906809 = 212.76 TFLOP/s instead of the 16-bit rule's
// 989 x 0.8 / 1.906809 = 414.93, so prefill slows, by less than 414.93 / 212.76 = 1.950x (the
// attention, the other GEMMs and the all-reduces keep their times) and by more than 1.2x (the
// routed experts are 41.85 of the ~83 TFLOP a chip an 8,192-token step runs: bench/RESULTS.md
// session 29 H2). The same path for a per-tensor FP8 checkpoint is not taken (its loop
// accumulates in the tensor cores: same speed with or without the field), and is taken when the
// request names a block-scaled release (Qwen's Qwen3-30B-A3B-FP8); BF16 experts keep the 16-bit
// rule.
TEST(InferenceTest, TritonMoeBlockScaledFp8ExpertsRunTheBlockPath) {
  InferenceJob job = Job("deepseek-r1", "h200", ServingDType::kFp8);
  job.mode = ServingMode::kOffline;
  job.calibration.triton_moe_matmul_efficiency = 0.8;
  job.calibration.triton_moe_tile_k_overhead = 650;
  job.limits.triton_moe_families = {"hopper"};
  // Tensor-parallel experts (ep 1): each chip holds 1/8 of every expert.
  InferenceConstraints tp8 = Tp(8);
  tp8.ep = 1;
  tp8.dp = 1;
  job.calibration.triton_moe_block_fp8_matmul_efficiency.reset();
  auto sixteen_bit_rule = EstimateInference(job, tp8);
  job.calibration.triton_moe_block_fp8_matmul_efficiency = 0.205;
  auto block = EstimateInference(job, tp8);
  ASSERT_TRUE(sixteen_bit_rule && block);
  const double ratio =
      sixteen_bit_rule->prefill_tokens_per_s_per_chip / block->prefill_tokens_per_s_per_chip;
  EXPECT_GT(ratio, 1.2);
  EXPECT_LT(ratio, (989 * 0.8) / (1979 * 0.205));

  // BF16 experts: the 16-bit rule, the field or not.
  job.dtype = ServingDType::kBf16;
  auto bf16 = EstimateInference(job, tp8);
  job.calibration.triton_moe_block_fp8_matmul_efficiency.reset();
  auto bf16_unset = EstimateInference(job, tp8);
  ASSERT_TRUE(bf16 && bf16_unset);
  EXPECT_DOUBLE_EQ(bf16->prefill_tokens_per_s_per_chip, bf16_unset->prefill_tokens_per_s_per_chip);

  // Qwen3-30B-A3B in FP8 with one scale per tensor, then as Qwen's block-scaled release.
  InferenceJob qwen = Job("qwen3-30b-a3b", "h200", ServingDType::kFp8);
  qwen.mode = ServingMode::kOffline;
  qwen.limits.triton_moe_families = {"hopper"};
  qwen.calibration.triton_moe_matmul_efficiency = 0.8;
  qwen.calibration.triton_moe_tile_k_overhead = 650;
  qwen.calibration.triton_moe_block_fp8_matmul_efficiency.reset();
  auto per_tensor_unset = EstimateInference(qwen, Tp(1));
  qwen.calibration.triton_moe_block_fp8_matmul_efficiency = 0.205;
  auto per_tensor = EstimateInference(qwen, Tp(1));
  qwen.fp8_block_scaled_checkpoint = true;
  auto released = EstimateInference(qwen, Tp(1));
  ASSERT_TRUE(per_tensor_unset && per_tensor && released);
  EXPECT_DOUBLE_EQ(per_tensor->prefill_tokens_per_s_per_chip,
                   per_tensor_unset->prefill_tokens_per_s_per_chip);
  EXPECT_LT(released->prefill_tokens_per_s_per_chip, per_tensor->prefill_tokens_per_s_per_chip);
}

// The engines compute logits for the last scheduled token of each request only (vLLM's
// logits_indices, S3500; SGLang's pruned prefill states, S3501), so a prompt token does not run
// the LM head. By hand, Llama 3.1 8B: the layers hold 32 x (4,096 x 6,144 + 4,096 x 4,096 +
// 3 x 4,096 x 14,336) = 6.98e9 parameters a token runs through, the LM head 128,256 x 4,096 =
// 0.525e9; a copy with twice the vocabulary would prefill 7.5 % slower if each prompt token paid
// its logits ((6.98 + 1.05) / (6.98 + 0.525)), and prefills at the same rate (within 1 %: only the
// head's bytes, read once a step, differ) when none does. Its decode, which computes logits for
// every running sequence and streams the whole head, is slower.
TEST(InferenceTest, PromptTokensDoNotRunTheLmHead) {
  const catalog::Model& base = **Cat().FindModel("llama-3.1-8b");
  catalog::Model wide = base;
  wide.vocab = 2 * base.vocab;
  InferenceJob job = Job("llama-3.1-8b", "h100");
  job.mode = ServingMode::kOffline;
  auto plain = EstimateInference(job, Tp(1));
  job.model = &wide;
  auto widened = EstimateInference(job, Tp(1));
  ASSERT_TRUE(plain && widened);
  EXPECT_NEAR(widened->prefill_tokens_per_s_per_chip / plain->prefill_tokens_per_s_per_chip, 1,
              0.01);
  EXPECT_LT(widened->output_tokens_per_s_per_chip, 0.99 * plain->output_tokens_per_s_per_chip);
}

// An engine's dense-GEMM rate (dense_gemm_gb_s, SGLang's aiter block-scaled GEMMs on ROCm): a
// decode step of DeepSeek-R1 FP8 at tp 8 on MI300X reads its non-expert layer weights (attention
// in all 61 layers, the 3 dense MLPs, the 58 shared experts; an eighth a chip, one byte each) at
// 99 GB/s instead of the memory's 5.3 TB/s x 0.75: the step's linear time grows by exactly that
// difference (the step stays bound by its reads). The fused q_a / kv_a projection is whole on each
// chip (S3510, S3511): 61 x 7,168 x (1,536 + 512 + 64) parameters, 7/8 of them beyond the eighth.
// Prefill, bound by its FLOPs, does not move; a family the engine does not list (cdna4 only)
// streams them at the memory's rate.
TEST(InferenceTest, DenseGemmRateSlowsDecodeReadsOnListedFamiliesOnly) {
  InferenceJob job = Job("deepseek-r1", "mi300x", ServingDType::kFp8);
  job.mode = ServingMode::kOffline;
  job.limits.max_num_seqs = 8;
  auto plain = EstimateInference(job, Tp(8));
  job.limits.dense_gemm_gb_s = {{"cdna4", 404}};
  auto elsewhere = EstimateInference(job, Tp(8));
  job.limits.dense_gemm_gb_s = {{"cdna3", 99}};
  auto slow = EstimateInference(job, Tp(8));
  ASSERT_TRUE(plain && elsewhere && slow);
  const auto p = CountLayerParams(**Cat().FindModel("deepseek-r1"));
  const double bytes = (p.dense_layers * (p.attention + p.dense_mlp) +
                        p.moe_layers * (p.attention + p.shared_experts * p.expert)) /
                           8 +
                       61.0 * 7168 * (1536 + 512 + 64) * 7 / 8;
  const double mem_bw = 5.3e12 * 0.75;
  const double expected_ms = bytes * (1 / 99e9 - 1 / mem_bw) * 1e3;
  EXPECT_GT(expected_ms, 25);  // 2.7 GB a step: ~27 ms
  EXPECT_NEAR(slow->step_linear_ms - plain->step_linear_ms, expected_ms, 1e-6 * expected_ms);
  EXPECT_DOUBLE_EQ(elsewhere->step_linear_ms, plain->step_linear_ms);
  EXPECT_DOUBLE_EQ(slow->prefill_tokens_per_s_per_chip, plain->prefill_tokens_per_s_per_chip);
}

// cdna3's one FP8 rate (0.31 of 2,614.9 TFLOPS) against AMD's measured GEMMs at the narrow TP 8
// shards of Llama 3.1 70B (S2560: aiter's tuned CK FP8 GEMMs on a 304-CU MI300X, M 3,200): QKV
// N 1,280 x K 8,192 92.84 us, O-proj 8,192 x 1,024 90.08 us, gate/up 7,168 x 8,192 425.82 us, down
// 8,192 x 3,584 220.68 us, 829.42 us a layer, 66.35 ms for 80 layers; the LM head (128,256 / 8 x
// 8,192) at the model's rate adds 1.04 ms. A decode step of 3,200 sequences at tp 8 prices its
// linear part within 3 % of that (the model: 68.6 ms), so the narrow shards are not what makes
// AMD's vLLM TP 8 rows slower than the model (bench/RESULTS.md, session 20).
TEST(InferenceTest, Cdna3Fp8RateMatchesMeasuredTp8GemmsOfLlama70b) {
  InferenceJob job = Job("llama-3.1-70b", "mi300x", ServingDType::kFp8);
  job.mode = ServingMode::kOffline;
  job.input_tokens = 1;
  job.output_tokens = 2048;
  job.limits.max_num_seqs = 3200;
  auto r = EstimateInference(job, Tp(8));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->max_batch, 3200);
  const double m = 3200;
  const double lm_head_ms = 2 * m * 8192 * (128256 / 8.0) / (0.31 * 2614.9e12) * 1e3;
  const double measured_ms = 80 * (92.84 + 90.08 + 425.82 + 220.68) * 1e-3 + lm_head_ms;
  EXPECT_NEAR(lm_head_ms, 1.04, 0.01);
  EXPECT_NEAR(r->step_linear_ms / measured_ms, 1.0, 0.03) << r->step_linear_ms << " ms";
}

// The dense-GEMM rate is that of block-scaled FP8 GEMMs (aiter's A8W8 block-scale kernels, which
// vLLM on ROCm runs as SGLang does): Llama 2 70B in FP8 (one scale per tensor, hipBLASLt) and
// DeepSeek-R1 served in BF16 read their layer weights at the memory's rate on a listed family.
TEST(InferenceTest, DenseGemmRateIsTheBlockScaledFp8Kernels) {
  for (const auto& [model, dtype] : {std::pair{"llama-2-70b", ServingDType::kFp8},
                                     std::pair{"deepseek-r1", ServingDType::kBf16}}) {
    InferenceJob job = Job(model, "mi300x", dtype);
    job.mode = ServingMode::kOffline;
    job.limits.max_num_seqs = 8;
    auto plain = EstimateInference(job, Tp(8));
    job.limits.dense_gemm_gb_s = {{"cdna3", 99}};
    auto listed = EstimateInference(job, Tp(8));
    ASSERT_TRUE(plain && listed) << model;
    EXPECT_DOUBLE_EQ(listed->step_linear_ms, plain->step_linear_ms) << model;
  }
}

// An engine's fused-MoE kernel chain (moe_layer_us, SGLang's Triton fused MoE): every step of
// DeepSeek-R1 (58 MoE layers of 61) on B200 at tp 8 pays 42 us a MoE layer on top of its roofline,
// 58 x 42 us = 2.436 ms, in the step's overhead; the linear and attention parts do not move. A
// family the engine does not list (hopper only) pays nothing, nor does a dense model.
TEST(InferenceTest, MoeLayerChainAddsPerMoeLayerOnListedFamiliesOnly) {
  InferenceJob job = Job("deepseek-r1", "b200", ServingDType::kFp8);
  job.mode = ServingMode::kOffline;
  job.limits.max_num_seqs = 8;
  auto plain = EstimateInference(job, Tp(8));
  job.limits.moe_layer_us_by_family = {{"hopper", 29}};
  auto elsewhere = EstimateInference(job, Tp(8));
  job.limits.moe_layer_us_by_family = {{"blackwell", 42}};
  auto chained = EstimateInference(job, Tp(8));
  ASSERT_TRUE(plain && elsewhere && chained);
  const auto p = CountLayerParams(**Cat().FindModel("deepseek-r1"));
  EXPECT_EQ(p.moe_layers, 58);
  EXPECT_NEAR(chained->step_overhead_ms - plain->step_overhead_ms, 58 * 42e-3, 1e-9);
  EXPECT_DOUBLE_EQ(chained->step_linear_ms, plain->step_linear_ms);
  EXPECT_DOUBLE_EQ(chained->step_attention_ms, plain->step_attention_ms);
  EXPECT_DOUBLE_EQ(elsewhere->step_overhead_ms, plain->step_overhead_ms);
  InferenceJob dense = Job("llama-2-70b", "b200", ServingDType::kFp8);
  dense.mode = ServingMode::kOffline;
  dense.limits.max_num_seqs = 8;
  auto dense_plain = EstimateInference(dense, Tp(2));
  dense.limits.moe_layer_us_by_family = {{"blackwell", 42}};
  auto dense_chained = EstimateInference(dense, Tp(2));
  ASSERT_TRUE(dense_plain && dense_chained);
  EXPECT_DOUBLE_EQ(dense_chained->step_overhead_ms, dense_plain->step_overhead_ms);
}

// A MoE backend's own small-batch chain (backend_moe_layer_us: TensorRT-LLM's TRTLLM MoE, 40 us a
// layer on Blackwell where each expert receives at most 16 rows, S3710) in place of the engine's
// chain (280 us here, trtllm's CUTLASS default). DeepSeek-R1 (58 MoE layers, 256 routed experts,
// top 8) on B200 at tp 8, one sequence with MTP 3: 4 tokens a step, 4 x 8 / 256 = 0.125 rows an
// expert, so the step's overhead falls by 58 x (280 - 40) us = 13.92 ms, and by 240 us more in each
// of MTP's three draft passes (its module's MoE layer runs the same backend at as few rows):
// 61 x 240 us = 14.64 ms; the linear and attention parts do not move. At 1,024 sequences (1,024 x 8
// / 256 = 32 rows an expert, past the 16) the engine's chain stands; a family the backend does not
// list (hopper only) keeps it too.
TEST(InferenceTest, MoeBackendSmallBatchChainBelowItsRowsOnly) {
  auto step = [](int seqs, int mtp, std::map<std::string, double> backend) {
    InferenceJob job = Job("deepseek-r1", "b200", ServingDType::kFp4);
    job.mode = ServingMode::kOffline;
    job.limits.max_num_seqs = seqs;
    job.mtp_depth = mtp;
    job.mtp_acceptance = 0.77;
    job.limits.moe_layer_us = 280;
    job.limits.backend_moe_layer_us = std::move(backend);
    job.limits.backend_moe_max_expert_rows = 16;
    auto e = EstimateInference(job, Tp(8));
    EXPECT_TRUE(e) << e.error().message;
    return e ? *e : InferenceEstimate{};
  };
  const auto cutlass = step(1, 3, {});
  const auto trtllm = step(1, 3, {{"blackwell", 40}});
  const auto hopper_only = step(1, 3, {{"hopper", 40}});
  EXPECT_EQ(cutlass.max_batch, 1);
  EXPECT_NEAR(cutlass.step_overhead_ms - trtllm.step_overhead_ms, (58 + 3) * 0.240, 1e-9);
  EXPECT_DOUBLE_EQ(trtllm.step_linear_ms, cutlass.step_linear_ms);
  EXPECT_DOUBLE_EQ(trtllm.step_attention_ms, cutlass.step_attention_ms);
  EXPECT_DOUBLE_EQ(hopper_only.step_overhead_ms, cutlass.step_overhead_ms);
  const auto wide = step(1024, 0, {});
  const auto wide_trtllm = step(1024, 0, {{"blackwell", 40}});
  EXPECT_EQ(wide.max_batch, 1024);
  EXPECT_DOUBLE_EQ(wide_trtllm.step_overhead_ms, wide.step_overhead_ms);
}

// An engine whose MoE kernel depends on the experts' format (weight_only_moe_layer_us: vLLM runs
// weight-only 4-bit experts through Marlin's five-kernel MoE, S3451): DeepSeek-R1 (58 MoE layers)
// on B200 at tp 8 with INT4 experts pays the weight-only chain, 58 x 42 us = 2.436 ms, in place of
// the engine's chain for other experts (10 us here: 0.58 ms); FP8 experts keep the 10 us; a family
// the weight-only chain does not list (hopper only) keeps it too. Shipped: vLLM lists Hopper and
// Blackwell at SGLang's measured Triton-chain times, 29 and 42 us (S2321, S2320).
TEST(InferenceTest, WeightOnlyExpertsTakeTheirKernelsChain) {
  auto overhead = [](ServingDType experts, std::map<std::string, double> weight_only) {
    InferenceJob job = Job("deepseek-r1", "b200", ServingDType::kFp8);
    job.expert_dtype = experts;
    job.mode = ServingMode::kOffline;
    job.limits.max_num_seqs = 8;
    job.limits.moe_layer_us_by_family = {{"blackwell", 10}};
    job.limits.weight_only_moe_layer_us = std::move(weight_only);
    auto e = EstimateInference(job, Tp(8));
    EXPECT_TRUE(e) << e.error().message;
    return e ? e->step_overhead_ms : NAN;
  };
  const double none = overhead(ServingDType::kInt4, {{"blackwell", 0}});
  EXPECT_NEAR(overhead(ServingDType::kInt4, {{"blackwell", 42}}) - none, 58 * 42e-3, 1e-9);
  EXPECT_NEAR(overhead(ServingDType::kInt4, {{"hopper", 42}}) - none, 58 * 10e-3, 1e-9);
  EXPECT_NEAR(overhead(ServingDType::kFp8, {{"blackwell", 42}}) - none, 58 * 10e-3, 1e-9);
  auto vllm = Cat().FindEngine("vllm");
  ASSERT_TRUE(vllm);
  const std::map<std::string, double> shipped = {{"blackwell", 42}, {"hopper", 29}};
  EXPECT_EQ((*vllm)->weight_only_moe_layer_us, shipped);
}

// An engine's expert-parallel exchange path (ep_moe_layer_us, SGLang's DeepEP-Ascend decode on the
// 910C, S3000): Qwen3-235B-A22B W8A8 in attention DP and EP over 8 cards pays 415 us in each of its
// 94 MoE layers, 94 x 0.415 = 39.01 ms a step, in the step's overhead; the linear, attention and
// communication parts do not move. The same experts tensor-parallel (tp 8, ep 1) pay nothing, nor
// does a family the engine does not list.
TEST(InferenceTest, ExpertParallelExchangePathAddsPerMoeLayerUnderEpOnly) {
  InferenceJob job = Job("qwen3-235b-a22b", "ascend-910c", ServingDType::kInt8);
  job.mode = ServingMode::kOffline;
  job.limits.max_num_seqs = 8;
  job.input_tokens = 1;
  job.output_tokens = 20000;
  job.limits.max_batched_tokens = 8192;
  // The exchange at DeepEP-Ascend's rates in every run here, as under SGLang's own fixed time (an
  // engine without one pays the fused kernels' fixed time instead: CloudMatrixDecodeExchange...).
  job.system.scale_up.moe_ll_fixed_us = 0;
  auto plain = EstimateInference(job, Dep(8));
  auto plain_tp = EstimateInference(job, Tp(8));
  job.limits.ep_moe_layer_us = {{"hopper", 415}};
  auto elsewhere = EstimateInference(job, Dep(8));
  job.limits.ep_moe_layer_us = {{"ascend-910", 415}};
  auto ep = EstimateInference(job, Dep(8));
  auto tp = EstimateInference(job, Tp(8));
  ASSERT_TRUE(plain && plain_tp && elsewhere && ep && tp);
  EXPECT_EQ(CountLayerParams(**Cat().FindModel("qwen3-235b-a22b")).moe_layers, 94);
  EXPECT_NEAR(ep->step_overhead_ms - plain->step_overhead_ms, 94 * 0.415, 1e-9);
  EXPECT_DOUBLE_EQ(ep->step_linear_ms, plain->step_linear_ms);
  EXPECT_DOUBLE_EQ(ep->step_attention_ms, plain->step_attention_ms);
  EXPECT_DOUBLE_EQ(ep->step_communication_ms, plain->step_communication_ms);
  EXPECT_DOUBLE_EQ(elsewhere->step_overhead_ms, plain->step_overhead_ms);
  EXPECT_DOUBLE_EQ(tp->step_overhead_ms, plain_tp->step_overhead_ms);
}

// Attention data parallel beside tensor-parallel experts (tp 1, ep 1, dp 8: SGLang's
// --enable-dp-attention without --ep-size, vLLM's --data-parallel-size without
// --enable-expert-parallel; S3290, S3600, S3601), by hand for DeepSeek-V3 in FP8 on one HGX H200.
// Memory: every GPU holds 1/8 of each of the 256 routed experts (32 experts' worth, as under DEP 8)
// and 1/8 of the shared expert instead of all of it, the attention whole on each rank in both:
// 7/8 x 58 layers x 44,040,192 parameters x 1 B = 2,235,039,744 B = 2.0816 GiB less a chip.
// Collectives: in each MoE layer every rank all-gathers the 8 groups' 16-bit hidden states and
// reduce-scatters the 16-bit outputs (partial sums of every token). At 64 decode tokens a group the
// buffer is 64 x 7,168 x 8 x 2 B = 7,340,032 B, each collective 7/8 of it over 450 GB/s x 0.8 =
// 17.84 us plus 7 x 3 us: 38.84 us, 4.505 ms a step over 58 x 2 of them; at twice NVLink's
// bandwidth the step is 58 x 2 x 8.92 us = 1.035 ms shorter. Under DEP 8 an all-to-all engine
// exchanges top_k copies instead; tensor-parallel experts never do (no whole experts to send to).
TEST(InferenceTest, TensorParallelExpertsBesideAttentionDpByHand) {
  InferenceJob job = Job("deepseek-v3", "h200", ServingDType::kFp8);
  job.mode = ServingMode::kOffline;
  job.limits.max_num_seqs = 64;
  ASSERT_EQ(job.system.scale_up.bandwidth_gb_s, 450);
  ASSERT_DOUBLE_EQ(job.system.scale_up.efficiency, 0.8);
  ASSERT_DOUBLE_EQ(job.system.scale_up.latency_us, 3);
  InferenceConstraints tp_experts;
  tp_experts.tp = 1;
  tp_experts.ep = 1;
  tp_experts.dp = 8;
  auto tpe = EstimateInference(job, tp_experts);
  auto dep = EstimateInference(job, Dep(8));
  ASSERT_TRUE(tpe && dep) << (tpe ? dep.error().message : tpe.error().message);
  EXPECT_EQ(tpe->layout, (InferenceLayout{1, 1, 8, 1}));
  EXPECT_NEAR(dep->weights_gib_per_chip - tpe->weights_gib_per_chip, 2'235'039'744.0 / kGiB, 1e-6);

  const InferenceLayout layout{1, 1, 8, 1};
  auto base = ServingStepModel::Make(job, layout);
  InferenceJob fast = job;
  fast.system.scale_up.bandwidth_gb_s = 900;
  auto wide = ServingStepModel::Make(fast, layout);
  ASSERT_TRUE(base && wide);
  const double buffer = 64.0 * 7168 * 8 * 2;
  const double per_collective_bw_s = 7.0 / 8 * buffer / (450e9 * 0.8);
  EXPECT_NEAR(per_collective_bw_s * 1e6, 17.84, 0.01);
  EXPECT_NEAR(
      (base->StepSeconds(64, 64 * 1024, 0, 0) - wide->StepSeconds(64, 64 * 1024, 0, 0)) * 1e3,
      58 * 2 * per_collective_bw_s / 2 * 1e3, 1e-6);
  // A named all-to-all backend does not apply: the experts are not whole anywhere.
  InferenceJob a2a = job;
  a2a.limits.moe_all_to_all = true;
  EXPECT_FALSE(AttentionDpAllToAll(a2a, layout));
  auto a2a_step = ServingStepModel::Make(a2a, layout);
  ASSERT_TRUE(a2a_step);
  EXPECT_DOUBLE_EQ(a2a_step->StepSeconds(64, 64 * 1024, 0, 0),
                   base->StepSeconds(64, 64 * 1024, 0, 0));

  // SGLang gathers a batch with prompt tokens in it by an all-reduce of a zeroed buffer of all
  // ranks' rows and all-reduces the MoE output (DpPaddingMode SUM_LEN, S3600): at 1,024 prompt
  // tokens a group the buffer is 1,024 x 7,168 x 8 x 2 = 117,440,512 B; through NVLink SHARP each
  // all-reduce moves 9/8 of it at the switch's measured 0.6 of the link (hgx-h200
  // in_network_efficiency, S3610) with two synchronisations, 489.3 + 6 us, against the
  // all-gather's and reduce-scatter's 7/8 at 0.8 and 7 steps, 285.4 + 21 us each: 58 x 2 x
  // 188.89 us = 21.91 ms more a step. Decode-only steps keep the all-gather.
  InferenceJob sum_len = job;
  sum_len.limits.dp_prefill_gather_all_reduce = true;
  ASSERT_TRUE(job.system.scale_up.in_network_reduction);
  auto reduced = ServingStepModel::Make(sum_len, layout);
  ASSERT_TRUE(reduced);
  const double prompt = 1024.0 * 7168 * 8 * 2;
  ASSERT_EQ(job.system.scale_up.in_network_efficiency.value_or(0.0), 0.6);
  const double all_reduce_s = 9.0 / 8 * prompt / (450e9 * 0.6) + 2 * 3e-6;
  const double gather_s = 7.0 / 8 * prompt / (450e9 * 0.8) + 7 * 3e-6;
  EXPECT_NEAR((all_reduce_s - gather_s) * 1e6, 188.89, 0.01);
  EXPECT_NEAR(
      (reduced->StepSeconds(0, 0, 1024, 1024 * 512) - base->StepSeconds(0, 0, 1024, 1024 * 512)) *
          1e3,
      58 * 2 * (all_reduce_s - gather_s) * 1e3, 1e-6);
  EXPECT_DOUBLE_EQ(reduced->StepSeconds(64, 64 * 1024, 0, 0),
                   base->StepSeconds(64, 64 * 1024, 0, 0));
}

// Attention data parallel by all-gather and reduce-scatter: each rank moves the other ep - 1
// ranks' tokens each way whatever top_k is. Llama 4 Maverick (one routed expert) at DEP 8 moves
// 7 ranks' tokens against an all-to-all's 7/8 of a copy: more communication; the compute is the
// same. Without attention DP (dp 1) the flag changes nothing. (A named engine without the flag
// exchanges by all-to-all; with no engine named an HGX node gathers, the next test.)
TEST(InferenceTest, AttentionDpAllGatherMovesEveryRanksTokens) {
  InferenceJob job = Job("llama-4-maverick", "h200", ServingDType::kFp8);
  job.mode = ServingMode::kOffline;
  job.limits.max_num_seqs = 256;
  job.limits.engine = "sglang";
  InferenceConstraints c = Dep(8);
  auto a2a = EstimateInference(job, c);
  job.limits.moe_dp_allgather = true;
  auto gathered = EstimateInference(job, c);
  ASSERT_TRUE(a2a && gathered);
  EXPECT_GT(gathered->step_communication_ms, 4 * a2a->step_communication_ms);
  EXPECT_DOUBLE_EQ(gathered->step_linear_ms, a2a->step_linear_ms);
  c.tp = 8;
  c.dp = 1;
  auto tp_plain = EstimateInference(job, c);
  job.limits.moe_dp_allgather = false;
  auto tp_a2a = EstimateInference(job, c);
  ASSERT_TRUE(tp_plain && tp_a2a);
  EXPECT_DOUBLE_EQ(tp_plain->step_communication_ms, tp_a2a->step_communication_ms);
}

// SGLang's --max-running-requests and --chunked-prefill-size are the server's: under attention
// data parallel each rank's scheduler admits max_running_requests // dp (S3014, S2863) and chunks
// prompts by chunked_prefill_size // dp (S3103), as the simulator runs them, so the analytic
// group's batch cap is its share. By hand, Maverick on eight H200s at DEP 8: 260 server-wide //
// 8 = 32 a group (not 260); at tp 8 (one group) 260. A 16,384-token budget // 8 = 2,048 a group,
// which at 1,024 prompt tokens per 1,024 output tokens (one prompt token a decode token) carries
// 2,048 / (1 + 1) = 1,024 running sequences (not 16,384 / 2 = 8,192); with chunking off SGLang
// keeps the budget whole (8,192).
TEST(InferenceTest, SglangServerWideLimitsAreEachAttentionGroupsShare) {
  InferenceJob job = Job("llama-4-maverick", "h200", ServingDType::kFp8);
  job.mode = ServingMode::kOffline;
  job.input_tokens = 1024;
  job.output_tokens = 1024;
  job.limits.engine = "sglang";
  job.limits.max_num_seqs = 260;
  job.limits.max_num_seqs_per_instance = true;
  auto dep = EstimateInference(job, Dep(8));
  ASSERT_TRUE(dep);
  EXPECT_EQ(dep->engine_max_batch, 32);
  EXPECT_LE(dep->max_batch, 32);
  auto tp8 = EstimateInference(job, Tp(8));
  ASSERT_TRUE(tp8);
  EXPECT_EQ(tp8->engine_max_batch, 260);
  job.limits.max_num_seqs_per_instance = false;
  auto own = EstimateInference(job, Dep(8));
  ASSERT_TRUE(own);
  EXPECT_EQ(own->engine_max_batch, 260);

  job.limits.max_num_seqs.reset();
  job.limits.max_batched_tokens = 16384;
  job.limits.max_batched_tokens_per_instance = true;
  auto budget = EstimateInference(job, Dep(8));
  ASSERT_TRUE(budget);
  EXPECT_EQ(budget->engine_max_batch, 1024);
  job.limits.max_batched_tokens_per_instance = false;
  auto whole = EstimateInference(job, Dep(8));
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->engine_max_batch, 8192);
  // Chunking off (--chunked-prefill-size -1): SGLang leaves the budget undivided.
  job.limits.max_batched_tokens_per_instance = true;
  job.limits.chunked_prefill = false;
  auto unchunked = EstimateInference(job, Dep(8));
  ASSERT_TRUE(unchunked);
  EXPECT_EQ(unchunked->engine_max_batch, 8192);
}

// With no engine named, an expert group inside one HGX node exchanges by all-gather and
// reduce-scatter, as vLLM (allgather_reducescatter, S2760), SGLang (moe_a2a_backend none, S2761)
// and TensorRT-LLM (S1901) do by default there: Maverick at DEP 8 on H200 communicates exactly as
// under an engine with moe_dp_allgather. Across two nodes (DEP 16) the all-to-all kernels are
// what deployments opt into (DeepEP), and on GB200 NVL72 TensorRT-LLM's one-sided all-to-all over
// multi-node NVLink (S2260): there no engine communicates as an all-to-all engine does.
TEST(InferenceTest, NoEngineGathersInsideAnHgxNodeOnly) {
  const auto comm = [](const char* chip, int ranks, const char* engine, bool gather) {
    InferenceJob job = Job("llama-4-maverick", chip, ServingDType::kFp8);
    job.mode = ServingMode::kOffline;
    job.limits.max_num_seqs = 256;
    job.limits.engine = engine;
    job.limits.moe_dp_allgather = gather;
    auto e = EstimateInference(job, Dep(ranks));
    EXPECT_TRUE(e) << chip << " " << ranks;
    return e ? e->step_communication_ms : -1.0;
  };
  const double none8 = comm("h200", 8, "", false);
  EXPECT_DOUBLE_EQ(none8, comm("h200", 8, "trtllm", true));
  EXPECT_GT(none8, 4 * comm("h200", 8, "sglang", false));
  EXPECT_DOUBLE_EQ(comm("h200", 16, "", false), comm("h200", 16, "sglang", false));
  EXPECT_DOUBLE_EQ(comm("gb200", 8, "", false), comm("gb200", 8, "sglang", false));
}

// TensorRT-LLM's attention data parallel gives every GPU its own attention group (Mapping.dp_size
// = tp_size, S2762): with attention_dp_per_gpu the search over Qwen3-235B on eight H100s keeps to
// tp 1 under dp > 1 (without it, the search takes tp 4 with dp 2 here), and a given tp 2 with dp 4
// is refused, naming the layouts it can run.
TEST(InferenceTest, AttentionDpPerGpuKeepsTheSearchToItsLayouts) {
  InferenceJob job = Job("qwen3-235b-a22b", "h100", ServingDType::kFp8);
  job.mode = ServingMode::kOffline;
  job.chips = 8;
  job.input_tokens = 1024;
  job.output_tokens = 8192;
  auto free = EstimateInference(job, {});
  ASSERT_TRUE(free);
  EXPECT_TRUE(free->layout.tp > 1 && free->layout.dp > 1)
      << free->layout.tp << " " << free->layout.dp;
  job.limits.attention_dp_per_gpu = true;
  auto kept = EstimateInference(job, {});
  ASSERT_TRUE(kept);
  EXPECT_TRUE(kept->layout.tp == 1 || kept->layout.dp == 1)
      << kept->layout.tp << " " << kept->layout.dp;
  InferenceConstraints c;
  c.tp = 2;
  c.dp = 4;
  ExpectError(job, c, "give tp 1 with dp 8, or dp 1");
  EXPECT_TRUE(EstimateInference(job, Dep(8)));
}

// A closed loop's clients (infer --concurrency) with --count are the deployment's (issue 13: "8
// GPUs, concurrency 8" is 8 requests in flight against the whole endpoint, InferenceMAX's and
// benchmark_serving's --max-concurrency), dealt over the instances as evenly as whole requests go.
// By hand: 8 on 8 chips at tp 4 is 2 instances of 4; at tp 1, 8 of 1; 8 on 6 chips at tp 2 is 3
// instances, 3 on two and 2 on one; 4 on 8 chips at tp 1 is 1 on four and none on four; without
// a count, one instance's 8.
TEST(InferenceClients, TheDeploymentsClientsAreDealtOverItsInstances) {
  InferenceJob job = Job("llama-3.1-8b", "h100");
  job.limits.clients = 8;
  job.chips = 8;
  const auto share = [&](int tp) { return ClientsPerInstance(job, {tp, 1, 1, 1}); };
  ClientShare s = share(4);
  EXPECT_EQ(s.instances, 2);
  EXPECT_EQ(s.most, 4);
  EXPECT_TRUE(s.even());
  s = share(1);
  EXPECT_EQ(s.instances, 8);
  EXPECT_EQ(s.most, 1);
  EXPECT_TRUE(s.even());
  job.chips = 6;
  s = share(2);
  EXPECT_EQ(s.instances, 3);
  EXPECT_EQ(s.most, 3);
  EXPECT_EQ(s.busiest, 2);
  EXPECT_EQ(s.fewest, 2);
  EXPECT_FALSE(s.even());
  job.chips = 8;
  job.limits.clients = 4;
  s = share(1);
  EXPECT_EQ(s.most, 1);
  EXPECT_EQ(s.busiest, 4);
  EXPECT_EQ(s.fewest, 0);
  job.chips = 0;
  job.limits.clients = 8;
  s = share(4);
  EXPECT_EQ(s.instances, 1);
  EXPECT_EQ(s.most, 8);
}

// The layout search compares layouts at the same total load: on 8 H100 with 8 clients every
// layout's instances together hold 8 requests in flight (the engine cap of each instance's one
// group times the instances), tp 1 one each, tp 8 all 8; and so does the layout it chooses. Before,
// each instance took all 8: tp 1 ran 64 in flight against tp 8's 8.
TEST(InferenceClients, EveryLayoutCarriesTheSameTotalConcurrency) {
  InferenceJob job = Job("llama-3.1-8b", "h100");
  job.limits.clients = 8;
  job.chips = 8;
  for (int tp : {1, 2, 4, 8}) {
    auto e = EstimateInference(job, Tp(tp));
    ASSERT_TRUE(e) << tp;
    EXPECT_EQ(e->engine_max_batch, tp) << tp;     // 8 clients over 8 / tp instances
    EXPECT_EQ(e->max_batch * (8 / tp), 8) << tp;  // no latency target: the batch is the clients'
  }
  auto chosen = EstimateInference(job, {});
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->max_batch * (8 / chosen->layout.chips()), 8);
}

// Clients dealt unevenly: the deployment's rate per chip is its instances' mean, each at its
// share. 8 clients on 6 chips at tp 2 (3, 3, 2): (2 r(3) + r(2)) / 3, r(k) the rate per chip of
// one tp-2 instance with k in flight; 4 clients on 8 chips at tp 1: four serve 1 each and four
// nothing, 4 r(1) / 8.
TEST(InferenceClients, AnUnevenDealIsTheInstancesMean) {
  const auto rate = [](long chips, int clients, int tp) {
    InferenceJob job = Job("llama-3.1-8b", "h100");
    job.chips = chips;
    job.limits.clients = clients;
    auto e = EstimateInference(job, Tp(tp));
    EXPECT_TRUE(e) << chips << " " << clients << " " << tp;
    return e ? e->output_tokens_per_s_per_chip : 0.0;
  };
  EXPECT_NEAR(rate(6, 8, 2), (2 * rate(2, 3, 2) + rate(2, 2, 2)) / 3, 1e-9 * rate(2, 3, 2));
  EXPECT_NEAR(rate(8, 4, 1), 4 * rate(1, 1, 1) / 8, 1e-9 * rate(1, 1, 1));
  // And the busiest instance's batch is the one reported.
  InferenceJob job = Job("llama-3.1-8b", "h100");
  job.chips = 6;
  job.limits.clients = 8;
  auto e = EstimateInference(job, Tp(2));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->max_batch, 3);
}

// Fewer clients than an instance's attention data parallel ranks x their batch: the ranks step
// in lockstep at the busiest one's batch and the instance produces its clients' tokens (the
// simulator's run). By hand, DeepSeek-V3 on 8 H200 at DEP 8, one instance: 1 client keeps one
// rank busy, so it gives 1/8 of 8 clients' rate (each rank at batch 1, the same step); 12 clients
// put 2 on four ranks and 1 on four, batch 2 a rank: 12/16 of 16 clients' rate. Before, 1 client
// was priced as 8 (one a rank): TensorRT-LLM's DeepSeek-R1 min-latency run at concurrency 1
// (bench/serving_heldout_cases.yaml trtllm-b200-dsr1-fp4-tp8-minlat-bs1), typed, searched DEP 8
// at 8 x the one client's tokens.
TEST(InferenceClients, FewerClientsThanAttentionRanksLeaveRanksIdle) {
  const auto rate = [](int clients) {
    InferenceJob job = Job("deepseek-v3", "h200", ServingDType::kFp8);
    job.chips = 8;
    job.limits.clients = clients;
    auto e = EstimateInference(job, Dep(8));
    EXPECT_TRUE(e) << clients;
    return e ? e->output_tokens_per_s_per_chip : 0.0;
  };
  EXPECT_NEAR(rate(1), rate(8) / 8, 1e-9 * rate(8));
  EXPECT_NEAR(rate(12), rate(16) * 12 / 16, 1e-9 * rate(16));
  // At a multiple of the ranks every rank is full: 16 clients are twice 8's tokens a step.
  EXPECT_GT(rate(16), rate(8));
}

// Disaggregated, an instance is a decode group and the prefill chips its prompts need, so a
// deployment's clients are dealt over fewer decode instances than --count / decode chips. By hand:
// Llama 3.1 8B on 16 H100 at tp 1, 8192 in / 64 out (128 prompt tokens per output token), 32
// clients, prefill 16,384 tokens a step at 38,331 tokens/s per chip (no LM head on prompt tokens)
// plus the harness's fixed 4.8 ms a step (hopper serving_step_overhead_ms, no engine): 16,384 /
// (16,384 / 38,331 + 0.0048) = 37,908; r(k) the decode rate per chip of one instance with k in
// flight. 9 decode instances (4 x 5 + 3 x 4 clients): 9 x mean r x 128 / 37,908 -> more than 7
// prefill chips, 17 > 16. 8 (4 each): 8 x r(4) x 128 / 37,908 <= 8 prefill chips, 16 <= 16: 8
// decode instances, at most 4 clients each. Before: 16 of 2 each.
TEST(InferenceClients, ADisaggregatedInstanceCountsItsPrefillChips) {
  const auto job_of = [](long chips, int clients) {
    InferenceJob job = Job("llama-3.1-8b", "h100");
    job.disaggregate = true;
    job.input_tokens = 8192;
    job.output_tokens = 64;
    job.chips = chips;
    job.limits.clients = clients;
    return job;
  };
  const auto r = [&](int clients) {
    auto e = EstimateInference(job_of(0, clients), Tp(1));
    EXPECT_TRUE(e) << clients;
    return e ? e->decode_tokens_per_s_per_chip : 0.0;
  };
  auto e = EstimateInference(job_of(16, 32), Tp(1));
  ASSERT_TRUE(e);
  const double prefill = e->prefill_tokens_per_s_per_chip;
  EXPECT_NEAR(prefill, 16384 / (16384 / 38331.0 + 0.0048), 1);
  EXPECT_EQ(e->instances, 8);
  EXPECT_EQ(e->engine_max_batch, 4);
  EXPECT_EQ(e->max_batch, 4);
  const double eight = r(4);
  EXPECT_NEAR(e->decode_tokens_per_s_per_chip, eight, 1e-9 * eight);
  EXPECT_LE(8 + std::ceil(8 * eight * 128 / prefill), 16);
  const double nine = (5 * r(4) + 4 * r(3)) / 9;
  EXPECT_GT(9 + std::ceil(9 * nine * 128 / prefill), 16);
  EXPECT_NEAR(e->prefill_chips_per_decode_chip, eight * 128 / prefill, 1e-9);
  // Without --count, one decode instance takes every client, as aggregated.
  auto one = EstimateInference(job_of(0, 8), Tp(1));
  ASSERT_TRUE(one);
  EXPECT_EQ(one->instances, 0);
  EXPECT_EQ(one->engine_max_batch, 8);
  // Aggregated, the instances are --count / chips per instance.
  InferenceJob agg = job_of(16, 32);
  agg.disaggregate = false;
  auto a = EstimateInference(agg, Tp(1));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->instances, 16);
  EXPECT_EQ(a->engine_max_batch, 2);
}

// DeepSeek-V3.2's sparse attention through FlashMLA's sparse kernels (EngineLimits::
// sparse_mla_head_tile; vLLM: S3302, the SM90 kernel S3303): query heads in tiles of 64 on
// Hopper, over every one of the 2,048 top-k slots of a query. By hand, a prompt token of a
// 4,000-token prompt (2,000 keys on average) in MLA's absorbed form costs 61 layers x 2 x heads x
// (512 + 64 + 512) = 16,990,208 FLOPs per head-set per key, 2,123,776 per chip at TP 8 (16 heads):
// with the tile the 16 heads run as 64 over 2,048 slots, 4 x 2,048 - 2,000 = 6,192 keys' worth
// more, at the BF16 attention rate 989 x 0.5 TFLOPS: 8 chips x 6,192 x 2,123,776 / 494.5e12 =
// 2.1275e-4 chip-seconds more a prompt token. Under attention DP (128 heads a chip, a whole
// number of tiles) only the slots past the context: 48 x 16,990,208 / 494.5e12 = 1.6492e-6 s.
// A family the engine does not list keeps the plain rate.
TEST(InferenceTest, SparseMlaHeadTilesAndTopKSlotsByHand) {
  InferenceJob job = Job("deepseek-v3.2", "h200", ServingDType::kFp8);
  job.mode = ServingMode::kOffline;
  job.input_tokens = 4000;
  job.output_tokens = 200;
  job.limits.max_num_seqs = 64;
  auto seconds_a_token = [&](const InferenceConstraints& c) {
    const auto e = EstimateInference(job, c);
    EXPECT_TRUE(e.has_value());
    return e ? 1 / e->prefill_tokens_per_s_per_chip : 0.0;
  };
  const double tp_plain = seconds_a_token(Tp(8)), dep_plain = seconds_a_token(Dep(8));
  job.limits.sparse_mla_head_tile = {{"blackwell", 128}};
  EXPECT_DOUBLE_EQ(seconds_a_token(Tp(8)), tp_plain);
  job.limits.sparse_mla_head_tile = {{"hopper", 64}};
  EXPECT_NEAR((seconds_a_token(Tp(8)) - tp_plain) / 2.1275e-4, 1, 1e-3);
  EXPECT_NEAR((seconds_a_token(Dep(8)) - dep_plain) / 1.6492e-6, 1, 1e-3);
}

// MLA's down projections are whole on every tensor-parallel rank (vLLM's fused_qkv_a_proj with
// disable_tp=True, SGLang's and TensorRT-LLM's replicated kv_a projection, S3510-S3512), and so are
// DSA's indexer projections (S3301). Pipeline stages split every weight by the stage count, so
// a TP 8 chip holds 7/8 of the replicated matrices more than a PP 8 chip (both 1/8 of the rest):
//   DeepSeek-V3:   61 layers x 7,168 x (1,536 + 512 + 64) = 923,467,776 parameters;
//                  x 7/8 x 1 B (FP8)                         = 808,034,304 B
//   DeepSeek-V3.2: adds wq_b 1,536 x 64 x 128 + wk 7,168 x 128 + weights_proj 7,168 x 64
//                  = 13,959,168 a layer: 61 x (15,138,816 + 13,959,168) = 1,774,977,024;
//                  x 7/8                                     = 1,553,104,896 B
TEST(InferenceTest, MlaDownProjectionsAreWholeOnEveryTpRank) {
  auto per_chip = [&](const char* model, int tp, int pp) {
    InferenceConstraints c;
    c.tp = tp;
    c.pp = pp;
    c.ep = 1;
    c.dp = 1;
    auto e = EstimateInference(Job(model, "h200", ServingDType::kFp8), c);
    EXPECT_TRUE(e) << (e ? "" : e.error().ToString());
    if (e) {
      EXPECT_EQ(e->layout.chips(), 8);
    }
    return e ? e->weights_gib_per_chip * kGiB : 0.0;
  };
  EXPECT_NEAR(per_chip("deepseek-v3", 8, 1) - per_chip("deepseek-v3", 1, 8), 808'034'304.0, 1e3);
  EXPECT_NEAR(per_chip("deepseek-v3.2", 8, 1) - per_chip("deepseek-v3.2", 1, 8), 1'553'104'896.0,
              1e3);
}

// An engine's sparse (DSA) prefill kernel at its own rate on the family (EngineLimits::
// sparse_prefill_efficiency; SGLang's fa3 NSA prefill on Hopper, S3561, S3562). By hand, a prompt
// token of a 4,000-token prompt under attention DP (128 heads a chip) attends 2,000 keys on average
// (under top_k 2,048) at 61 x 2 x 128 x (512 + 64 + 512) = 16,990,208 FLOPs a key in the absorbed
// form: 33,980,416,000 FLOPs, 6.8717e-5 s at the BF16 attention rate 989 x 0.5 TFLOPS and
// 1.04116e-4 s at 989 x 0.33: 3.5400e-5 chip-seconds more a prompt token. The indexer keeps the
// family's rate; a family the engine does not list keeps the plain one.
TEST(InferenceTest, SparsePrefillKernelRateByHand) {
  InferenceJob job = Job("deepseek-v3.2", "h200", ServingDType::kFp8);
  job.mode = ServingMode::kOffline;
  job.input_tokens = 4000;
  job.output_tokens = 200;
  job.limits.max_num_seqs = 64;
  auto seconds_a_token = [&] {
    const auto e = EstimateInference(job, Dep(8));
    EXPECT_TRUE(e.has_value());
    return e ? 1 / e->prefill_tokens_per_s_per_chip : 0.0;
  };
  const double plain = seconds_a_token();
  job.limits.sparse_prefill_efficiency = {{"blackwell", 0.33}};
  EXPECT_DOUBLE_EQ(seconds_a_token(), plain);
  job.limits.sparse_prefill_efficiency = {{"hopper", 0.33}};
  EXPECT_NEAR((seconds_a_token() - plain) / 3.5400e-5, 1, 1e-3);
}

// DSA over an FP8 cache through FlashMLA's sparse decode kernel (calibration hopper
// fp8_sparse_mla_decode_efficiency 0.415 of the BF16 peak, 410 TFLOPS on H800, S3800; the
// kernel's two-CTA cluster of 128 heads a query, S3802; vLLM runs a TP 8 rank's prompt tokens
// through it, dsa_fp8_prefill_min_heads 32, S3803, S3804). The engine's dense MLA rule
// (fp8_mla_families) had raised this attention to the FP8 peak; the sparse kernels multiply in
// BF16. By hand, a prompt token at TP 8 (16 heads a chip, vLLM's 64-head tile) costs 61 x 2 x 64
// x (512 + 64 + 512) x 2,048 slots = 17,397,972,992 FLOPs a chip:
//  - at the FP8 peak, 1,979 x 0.5 TFLOPS (before): 1.758259e-5 s a chip, 1.406607e-4 s for the 8;
//  - through the prefill kernel at the BF16 peak, 989 x 0.5: 3.518296e-5 s, 2.814637e-4 for the 8
//    (1.408030e-4 more);
//  - through the decode kernel, heads run as 128: twice the FLOPs, 34,795,945,984, at 989 x
//    0.415 = 410.435 TFLOPS: 8.477822e-5 s, 6.782258e-4 for the 8 (5.375651e-4 more).
// The indexer (FP8 logits) keeps the FP8 rate in all three.
TEST(InferenceTest, Fp8SparseMlaDecodeKernelByHand) {
  InferenceJob job = Job("deepseek-v3.2", "h200", ServingDType::kFp8);
  job.mode = ServingMode::kOffline;
  job.input_tokens = 4000;
  job.output_tokens = 200;
  job.kv_dtype = ServingDType::kFp8;
  job.limits.max_num_seqs = 64;
  job.limits.fp8_mla_families = {"hopper"};
  job.limits.sparse_mla_head_tile = {{"hopper", 64}};
  ASSERT_TRUE(job.calibration.fp8_sparse_mla_decode_efficiency);
  EXPECT_NEAR(*job.calibration.fp8_sparse_mla_decode_efficiency * 989, 410, 1);
  EXPECT_EQ(job.calibration.fp8_sparse_mla_decode_head_cluster, 128);
  auto seconds_a_token = [&] {
    const auto e = EstimateInference(job, Tp(8));
    EXPECT_TRUE(e.has_value());
    return e ? 1 / e->prefill_tokens_per_s_per_chip : 0.0;
  };
  InferenceJob before = job;
  before.calibration.fp8_sparse_mla_decode_efficiency.reset();
  const double fp8_peak = [&] {
    const auto e = EstimateInference(before, Tp(8));
    EXPECT_TRUE(e.has_value());
    return e ? 1 / e->prefill_tokens_per_s_per_chip : 0.0;
  }();
  const double prefill_kernel = seconds_a_token();
  EXPECT_NEAR((prefill_kernel - fp8_peak) / 1.408030e-4, 1, 1e-3);
  job.limits.dsa_fp8_prefill_min_heads = 32;
  EXPECT_NEAR((seconds_a_token() - fp8_peak) / 5.375651e-4, 1, 1e-3);
  // A 16-bit cache keeps the engine's rate: no FP8 sparse kernel runs.
  job.kv_dtype = ServingDType::kBf16;
  before.kv_dtype = ServingDType::kBf16;
  const double bf16_cache = seconds_a_token();
  const auto e = EstimateInference(before, Tp(8));
  ASSERT_TRUE(e.has_value());
  EXPECT_DOUBLE_EQ(bf16_cache, 1 / e->prefill_tokens_per_s_per_chip);
}

// SGLang's NSA backend runs a DSA prompt batch whose sequences all fit in top_k (2,048) as standard
// MHA over the up-projected heads with no indexer scores (MHA_ONE_SHOT, S3560, S3561;
// EngineLimits::dsa_short_prefill_mha). By hand, a token of a 1,000-token prompt attends 500 keys
// on average: sparse, 500 x (16,990,208 absorbed + 61 x 2 x 64 x 128 = 999,424 indexer) =
// 8,994,816,000 FLOPs; dense, 500 x 61 x 2 x 128 x (192 + 128) = 2,498,560,000: 6,496,256,000
// fewer, 1.31370e-5 s at 989 x 0.5 TFLOPS. 4,000-token prompts (sequences to 4,000 > 2,048) keep
// the sparse path.
TEST(InferenceTest, DsaShortPromptsRunDenseByHand) {
  InferenceJob job = Job("deepseek-v3.2", "h200", ServingDType::kFp8);
  job.mode = ServingMode::kOffline;
  job.input_tokens = 1000;
  job.output_tokens = 200;
  job.limits.max_num_seqs = 64;
  auto seconds_a_token = [&] {
    const auto e = EstimateInference(job, Dep(8));
    EXPECT_TRUE(e.has_value());
    return e ? 1 / e->prefill_tokens_per_s_per_chip : 0.0;
  };
  const double sparse_short = seconds_a_token();
  job.input_tokens = 4000;
  const double sparse_long = seconds_a_token();
  job.limits.dsa_short_prefill_mha = true;
  EXPECT_DOUBLE_EQ(seconds_a_token(), sparse_long);
  job.input_tokens = 1000;
  EXPECT_NEAR((sparse_short - seconds_a_token()) / 1.31370e-5, 1, 1e-3);
}

// trtllm-bench throughput's own limits (TrtllmBenchLimits; tuning.py and general.py, S1843,
// S3630), by hand from the catalog's architecture and datasheet memory; the same three pairs the
// scorecard's TensorRT-LLM rows carry as set up (bench/serving_heldout_cases.yaml, computed in
// session 14 from the same rule):
//  - Llama 3.3 70B FP8 on 2 x H200 (TP 2), 8,192 / 1,024, FP8 cache: 2 x 141 = 282 GiB less
//    70.6e9 B = 65.75 GiB of weights, x 0.95 = 205.4 GiB; a token 2 x 80 x max(2, 8) x 128 x 1 B =
//    163,840 B, a request 9,216 tokens = 1.406 GiB: 146.1 requests, rounded up to 32s: 160;
//    tokens 146.1 x (1 + 8) = 1,315 -> 2,048, raised to 8,192 + 160 = 8,352 (chunked prefill off).
//  - Qwen3 235B-A22B FP4 on 4 x B200 (DEP 4), 8,192 / 1,024, FP8 cache: 720 GiB less 235e9 x 0.5
//    B = 109.4 GiB, x 0.95 = 580.1 GiB; a token 2 x 94 x max(4, 4) x 128 B = 96,256 B, a request
//    0.8262 GiB: 702 requests, to 128s: 768; tokens 702 x 9 = 6,319 -> 512s: 6,656, raised to
//    8,192 + 768 = 8,960.
//  - Llama 3.1 8B FP8 on one H200, 20,000 / 2,000: 141 GiB less 8.03e9 B = 7.48 GiB, x 0.95 =
//    126.9 GiB; a token 2 x 32 x 8 x 128 B = 65,536 B, a request 22,000 tokens = 1.343 GiB: 94.5
//    requests -> 96; tokens 94.5 x 11 = 1,039 -> 2,048, raised to 20,000 + 96 = 20,096.
// With chunked prefill on the token count stays the heuristic's (2,048 for the 70B); a given
// max_batch_size replaces the heuristic's in the prompt rule.
TEST(InferenceTest, TrtllmBenchLimitsByHand) {
  const auto limits = [](const char* model, const char* chip, ServingDType dtype, double in,
                         double out, InferenceLayout l, bool chunked = false,
                         std::optional<int> bs = std::nullopt) {
    InferenceJob job = Job(model, chip, dtype);
    job.kv_dtype = ServingDType::kFp8;
    job.input_tokens = in;
    job.output_tokens = out;
    job.limits.chunked_prefill = chunked;
    return TrtllmBenchLimits(job, l, bs);
  };
  auto a = limits("llama-3.3-70b", "h200", ServingDType::kFp8, 8192, 1024, {2, 1, 1, 1});
  EXPECT_EQ(a.max_num_seqs, 160);
  EXPECT_EQ(a.max_batched_tokens, 8352);
  auto b = limits("qwen3-235b-a22b", "b200", ServingDType::kFp4, 8192, 1024, {1, 4, 4, 1});
  EXPECT_EQ(b.max_num_seqs, 768);
  EXPECT_EQ(b.max_batched_tokens, 8960);
  auto c = limits("llama-3.1-8b", "h200", ServingDType::kFp8, 20000, 2000, {1, 1, 1, 1});
  EXPECT_EQ(c.max_num_seqs, 96);
  EXPECT_EQ(c.max_batched_tokens, 20096);
  auto d = limits("llama-3.3-70b", "h200", ServingDType::kFp8, 8192, 1024, {2, 1, 1, 1}, true);
  EXPECT_EQ(d.max_num_seqs, 160);
  EXPECT_EQ(d.max_batched_tokens, 2048);
  auto e = limits("llama-3.3-70b", "h200", ServingDType::kFp8, 8192, 1024, {2, 1, 1, 1}, false, 64);
  EXPECT_EQ(e.max_num_seqs, 64);
  EXPECT_EQ(e.max_batched_tokens, 8192 + 64);
  // A quantization the heuristic is not tuned for (weight-only INT4): BuildConfig's 2,048 /
  // 8,192, the tokens raised to 8,192 + 2,048.
  auto f = limits("llama-3.1-8b", "h200", ServingDType::kInt4, 8192, 1024, {1, 1, 1, 1});
  EXPECT_EQ(f.max_num_seqs, 2048);
  EXPECT_EQ(f.max_batched_tokens, 8192 + 2048);
}

// TensorRT-LLM's scheduler without chunked prefill (S3631): the decodes' tokens first, then a
// whole prompt only if it fits beside them. Under trtllm-serve's 8,192 tokens an 8,192-token
// prompt fits only beside no decode, so one sequence runs (the analytic batch is 1, as the
// simulator runs it), where the memory holds hundreds; 8,352 tokens leave 160 beside a prompt.
TEST(InferenceTest, WholePromptsLeaveTheirBudgetsRestToDecodes) {
  InferenceJob job = Job("llama-3.3-70b", "h200", ServingDType::kFp8);
  job.kv_dtype = ServingDType::kFp8;
  job.mode = ServingMode::kOffline;
  job.input_tokens = 8192;
  job.output_tokens = 1024;
  job.limits.engine = "trtllm";
  job.limits.chunked_prefill = false;
  job.limits.max_num_seqs = 2048;
  job.limits.max_batched_tokens = 8192;
  auto e = EstimateInference(job, Tp(2));
  ASSERT_TRUE(e.has_value()) << e.error().message;
  EXPECT_EQ(e->engine_max_batch, 1);
  EXPECT_EQ(e->max_batch, 1);
  EXPECT_GT(e->memory_max_batch, 100);
  job.limits.max_batched_tokens = 8352;
  e = EstimateInference(job, Tp(2));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->engine_max_batch, 160);
  // Chunked prefill: the budget's share, 8,352 / (1 + 8) = 928 a step.
  job.limits.chunked_prefill = true;
  e = EstimateInference(job, Tp(2));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->engine_max_batch, 928);
}

// The fused_moe kernel on the default config an engine release falls back to where it ships no
// tuned file for the shape (EngineLimits::untuned_moe_configs; vLLM v0.11 has none for GLM-4.6's
// BF16 experts at TP 8, E=160,N=192 on H200, S3902), at the family's
// triton_moe_default_matmul_efficiency (0.32 of the BF16 peak at a long K, from vLLM's own
// old-default times, S3160) in place of the tuned 0.80. By hand:
//   the rate at GLM-4.6's TP 8 shape (hidden 5,120; 1,536 / 8 = 192 columns): 0.32 / 2.213108 =
//     0.144593 of 989 TFLOP/s = 143.0 TFLOP/s, against 0.361483 x 989 = 357.5 tuned;
//   a prompt token's routed FLOPs: 2 x 89 MoE layers x 8 experts x 3 x 5,120 x 1,536 =
//     33,597,382,656, so its chip-seconds through the kernel grow by 33.597e9 x (1 / 143.003e12 -
//     1 / 357.507e12) = 140.97 us (234.94 against 93.98 us). The step's smooth roofline hands a
//     prompt-bound step nearly all of it: between 0.9 and 1 of that.
// A chip, width (TP 4: 384 columns), format or expert count (expert parallelism: 20 experts a
// chip, 1,536 columns) the list does not name, and a family with no default rate, keep the tuned
// rate.
TEST(InferenceTest, UntunedFusedMoeShapeRunsTheDefaultConfig) {
  EXPECT_NEAR(FusedMoeEfficiency(0.32, 650, 5120, 192), 0.144593, 1e-6);
  InferenceJob job = Job("glm-4.6", "h200", ServingDType::kBf16);
  job.mode = ServingMode::kOffline;
  job.limits.triton_moe_families = {"hopper"};
  job.calibration.triton_moe_matmul_efficiency = 0.8;
  job.calibration.triton_moe_tile_k_overhead = 650;
  job.calibration.triton_moe_default_matmul_efficiency = 0.32;
  auto tuned = EstimateInference(job, Tp(8));
  auto tuned_ep = EstimateInference(job, Dep(8));
  job.limits.untuned_moe_configs = {{160, 192, {"h100", "h200"}, "bf16"}};
  auto untuned = EstimateInference(job, Tp(8));
  auto ep = EstimateInference(job, Dep(8));
  ASSERT_TRUE(tuned && tuned_ep && untuned && ep);
  const double added =
      1 / untuned->prefill_tokens_per_s_per_chip - 1 / tuned->prefill_tokens_per_s_per_chip;
  const double by_hand = 33597382656.0 * (1 / (989e12 * 0.144593) - 1 / (989e12 * 0.361483));
  EXPECT_NEAR(by_hand, 140.97e-6, 0.01e-6);
  EXPECT_GT(added, 0.9 * by_hand);
  EXPECT_LT(added, 1.0001 * by_hand);
  EXPECT_DOUBLE_EQ(ep->prefill_tokens_per_s_per_chip, tuned_ep->prefill_tokens_per_s_per_chip);
  job.limits.untuned_moe_configs = {{20, 1536, {"h200"}, "bf16"}};
  auto ep_listed = EstimateInference(job, Dep(8));
  ASSERT_TRUE(ep_listed);
  EXPECT_LT(ep_listed->prefill_tokens_per_s_per_chip, tuned_ep->prefill_tokens_per_s_per_chip);
  for (const catalog::UntunedMoeConfig& other :
       {catalog::UntunedMoeConfig{160, 192, {"h100"}, "bf16"},
        catalog::UntunedMoeConfig{160, 384, {"h200"}, "bf16"},
        catalog::UntunedMoeConfig{160, 192, {"h200"}, "fp8"},
        catalog::UntunedMoeConfig{128, 192, {"h200"}, "bf16"}}) {
    job.limits.untuned_moe_configs = {other};
    auto kept = EstimateInference(job, Tp(8));
    ASSERT_TRUE(kept);
    EXPECT_DOUBLE_EQ(kept->prefill_tokens_per_s_per_chip, tuned->prefill_tokens_per_s_per_chip);
  }
  job.limits.untuned_moe_configs = {{160, 192, {"h200"}, "bf16"}};
  job.calibration.triton_moe_default_matmul_efficiency.reset();
  auto unrated = EstimateInference(job, Tp(8));
  ASSERT_TRUE(unrated);
  EXPECT_DOUBLE_EQ(unrated->prefill_tokens_per_s_per_chip, tuned->prefill_tokens_per_s_per_chip);
}

// The shapes the shipped vLLM entry lists against vLLM's fused_moe config directory (S3902, S4080):
// GLM-4.5 / 4.6 (160 experts of 1,536 columns) on H200 at TP 8 (E=160,N=192 BF16: no file) and
// under --enable-expert-parallel over 8 GPUs (E=160 / 8 = 20 whole experts, N 1,536: no
// E=20,N=1536,device_name=NVIDIA_H200 file in BF16 or FP8) run the default config; shapes vLLM
// ships a file for keep the tuned rate: E=128,N=192,device_name=NVIDIA_H200.json (Qwen3-30B-A3B's
// 768 columns at TP 4) and E=20,N=1536 on the RTX PRO 6000 in FP8.
TEST(InferenceTest, ShippedVllmListsGlmShapesWithoutTunedFileOnH200) {
  auto vllm = Cat().FindEngine("vllm");
  ASSERT_TRUE(vllm);
  const auto& untuned = (*vllm)->untuned_moe_configs;
  EXPECT_TRUE(UntunedMoeShape(untuned, 160, 1536.0 / 8, "h200", "bf16"));
  EXPECT_TRUE(UntunedMoeShape(untuned, 160 / 8, 1536, "h200", "bf16"));
  EXPECT_TRUE(UntunedMoeShape(untuned, 160 / 8, 1536, "h200", "fp8"));
  EXPECT_FALSE(UntunedMoeShape(untuned, 128, 192, "h200", "bf16"));
  EXPECT_FALSE(UntunedMoeShape(untuned, 160 / 8, 1536, "rtx-pro-6000", "fp8"));
}

// The batch-size-aware default config vLLM runs since its pull request 34846 (S3210; the current
// vllm entry's triton_moe_default_config batch_aware) at the family's
// triton_moe_batch_aware_default_matmul_efficiency. The shipped hopper figure against vLLM's own
// times of that config on H200 (S3161, S4222: Gemma 4's BF16 experts run 1.020 / 1.031 / 1.050x
// their tuned file's time at 2,048 / 3,072 / 4,096 tokens): with the tuned rule's tile overhead,
// activation bytes and smooth roofline those ratios ask for 0.758 / 0.751 / 0.732 of the peak
// (data/calibration.yaml), so the figure lies in that band. By hand at GLM-4.6's TP 8 shape
// (hidden 5,120, 192 columns: 650 x 0.00186632 = 1.213108): 0.75 / 2.213108 = 0.338890 of
// 989 TFLOP/s against the tuned 0.361483, so a prompt token's 33.597 GFLOP of routed experts take
// 33.597e9 x (1 / 335.16e12 - 1 / 357.51e12) = 6.27 us longer, not the 140.97 of the two-branch
// default; the smooth roofline hands a prompt-bound step between 0.9 and 1 of it. An engine whose
// default config is two_branch keeps the 0.32 rate whatever the batch-aware one; a family with no
// batch-aware rate keeps the tuned rate.
TEST(InferenceTest, BatchAwareDefaultConfigRate) {
  const auto& hopper = Cat().CalibrationFor("hopper");
  ASSERT_TRUE(hopper.triton_moe_batch_aware_default_matmul_efficiency);
  EXPECT_GE(*hopper.triton_moe_batch_aware_default_matmul_efficiency, 0.732);
  EXPECT_LE(*hopper.triton_moe_batch_aware_default_matmul_efficiency, 0.758);
  EXPECT_NEAR(FusedMoeEfficiency(0.75, 650, 5120, 192), 0.338890, 1e-6);
  InferenceJob job = Job("glm-4.6", "h200", ServingDType::kBf16);
  job.mode = ServingMode::kOffline;
  job.limits.triton_moe_families = {"hopper"};
  job.calibration.triton_moe_matmul_efficiency = 0.8;
  job.calibration.triton_moe_tile_k_overhead = 650;
  job.calibration.triton_moe_default_matmul_efficiency = 0.32;
  job.calibration.triton_moe_batch_aware_default_matmul_efficiency = 0.75;
  auto tuned = EstimateInference(job, Tp(8));
  job.limits.untuned_moe_configs = {{160, 192, {"h100", "h200"}, "bf16"}};
  job.limits.triton_moe_default_config = "two_branch";
  auto two_branch = EstimateInference(job, Tp(8));
  job.limits.triton_moe_default_config = "batch_aware";
  auto batch_aware = EstimateInference(job, Tp(8));
  ASSERT_TRUE(tuned && two_branch && batch_aware);
  const double added =
      1 / batch_aware->prefill_tokens_per_s_per_chip - 1 / tuned->prefill_tokens_per_s_per_chip;
  const double by_hand = 33597382656.0 * (1 / (989e12 * 0.338890) - 1 / (989e12 * 0.361483));
  EXPECT_NEAR(by_hand, 6.27e-6, 0.01e-6);
  EXPECT_GT(added, 0.9 * by_hand);
  EXPECT_LT(added, 1.0001 * by_hand);
  const double two_branch_added =
      1 / two_branch->prefill_tokens_per_s_per_chip - 1 / tuned->prefill_tokens_per_s_per_chip;
  EXPECT_GT(two_branch_added, 0.9 * 140.97e-6);
  job.calibration.triton_moe_batch_aware_default_matmul_efficiency.reset();
  auto unrated = EstimateInference(job, Tp(8));
  ASSERT_TRUE(unrated);
  EXPECT_DOUBLE_EQ(unrated->prefill_tokens_per_s_per_chip, tuned->prefill_tokens_per_s_per_chip);
}

}  // namespace suanli::perf
