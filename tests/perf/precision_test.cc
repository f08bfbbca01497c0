// Precision recipes: bytes per parameter against Megatron's distributed-optimizer table and the
// recipes' sources, contradictions as errors, and published setups that must fit.
#include "perf/precision.h"

#include <gtest/gtest.h>

#include "catalog/catalog.h"
#include "perf/training.h"
#include "published_cases.h"
#include "testing.h"

namespace suanli::perf {
namespace {

const catalog::Catalog& Cat() { return testing::BuiltinCatalog(); }

using testing::TrainingJobOn;

TrainingJob WithRecipe(TrainingJob job, const char* recipe) {
  auto p = PrecisionRecipe(recipe, *job.chip);
  EXPECT_TRUE(p) << p.error().message;
  job.precision = *p;
  job.dtype = p->matmul;
  return job;
}

constexpr double kGiB = 1024.0 * 1024 * 1024;

// Korthikanti's 175B on tp 8, pp 8, dp 2: the first stage holds 12 layers of 12 h^2 + 2 h
// parameters and the 51,200 x h embedding, all over tp 8. Megatron's distributed optimizer
// (Megatron-Core guide): bf16 params with fp32 grads 6 + 12/d bytes per parameter, fp16 4 + 16/d.
TEST(Precision, BytesPerParameterFollowTheRecipes) {
  const double h = 12288;
  const double layers = 12 * (12 * h * h + 2 * h) / 8;  // linear and norm parameters
  const double params = layers + 51200 * h / 8;         // with the embedding
  const double d = 2;
  ParallelLayout l{8, 8, 2, 1, 1, 1, 1, 1, Recompute::kSelective, true};
  auto run = [&](const char* recipe, const char* chip = "h100") {
    TrainingJob job = WithRecipe(TrainingJobOn("korthikanti-175b", chip, 128), recipe);
    job.seq_len = 2048;
    job.global_batch_tokens = 128 * 2048;
    auto e = EstimateLayout(job, l);
    EXPECT_TRUE(e) << recipe << ": " << e.error().message;
    return e ? e->memory : MemoryBreakdown{};
  };
  auto expect = [&](const MemoryBreakdown& m, double w, double g, double mp, double opt) {
    EXPECT_NEAR(m.weights_gib * kGiB, w, params * 1e-6);
    EXPECT_NEAR(m.gradients_gib * kGiB, g, params * 1e-6);
    EXPECT_NEAR(m.main_params_gib * kGiB, mp, params * 1e-6);
    EXPECT_NEAR(m.optimizer_gib * kGiB, opt, params * 1e-6);
  };
  const MemoryBreakdown bf16 = run("bf16");
  expect(bf16, 2 * params, 4 * params, 4 * params / d, 8 * params / d);  // 6 + 12/d
  expect(run("fp16"), 2 * params, (2 + 4 / d) * params, 4 * params / d, 8 * params / d);
  // Transformer Engine caches an FP8 weight and its transpose per linear parameter (Hopper).
  expect(run("fp8-delayed"), 2 * params + 2 * layers, 4 * params, 4 * params / d, 8 * params / d);
  // Blackwell: row- and column-wise MXFP8 copies with a scale byte per 32 elements.
  expect(run("mxfp8", "b200"), 2 * params + 2 * 33.0 / 32 * layers, 4 * params, 4 * params / d,
         8 * params / d);
  // FP8 weights and their transpose; the embedding stays bf16.
  expect(run("fp8-params"), 2 * layers + 2 * (params - layers), 4 * params, 4 * params / d,
         8 * params / d);
  // DeepSeek-V3: BF16 moments, and half the stored activations (FP8-cached GEMM inputs).
  const MemoryBreakdown ds = run("fp8-blockwise");
  expect(ds, 2 * params, 4 * params, 4 * params / d, 4 * params / d);
  EXPECT_NEAR(ds.activations_gib / bf16.activations_gib, 0.5, 1e-9);

  // FSDP2 mixed precision shards the fp32 master (it is the parameter) and Adam: 12/d bytes per
  // parameter. Under this pipeline (pp 8) the stage's fp32 gradients stay whole until the last
  // backward and its 12 layers stay gathered in bf16 (PyTorch's pipeline stages and torchtitan's
  // reshard_after_forward for pp > 1, S2620): 4 bytes per parameter and 2 per layer parameter.
  ParallelLayout z3 = l;
  z3.zero_stage = 3;
  TrainingJob fsdp = WithRecipe(TrainingJobOn("korthikanti-175b", "h100", 128), "fsdp2-mixed");
  fsdp.seq_len = 2048;
  fsdp.global_batch_tokens = 128 * 2048;
  auto e = EstimateLayout(fsdp, z3);
  ASSERT_TRUE(e) << e.error().message;
  expect(e->memory, 4 * params / d + 2 * layers, 4 * params, 0, 8 * params / d);
  // And it contradicts a replicated layout.
  auto z1 = EstimateLayout(fsdp, l);
  ASSERT_FALSE(z1);
  EXPECT_NE(z1.error().message.find("zero 1 contradicts it"), std::string::npos)
      << z1.error().message;
}

TEST(Precision, ContradictionsNameTheChip) {
  const auto& a100 = **Cat().FindChip("a100");
  const auto& h100 = **Cat().FindChip("h100");
  auto p = PrecisionRecipe("fp8-params", a100);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("chip 'a100' has no FP8"), std::string::npos)
      << p.error().message;
  p = PrecisionRecipe("mxfp8", h100);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("needs block-scaled FP8 (MXFP8)"), std::string::npos);
  EXPECT_NE(p.error().message.find("'h100' does not have"), std::string::npos);
  EXPECT_TRUE(PrecisionRecipe("mxfp8", **Cat().FindChip("b200")));
  p = PrecisionRecipe("fp7", h100);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("expected bf16, fp16"), std::string::npos);
}

// Current scaling reads each bf16 GEMM input once more for its amax: slower than delayed
// scaling by a few per cent of memory-bound work, never by a GEMM's worth.
TEST(Precision, CurrentScalingCostsAnAmaxPass) {
  TrainingJob job = TrainingJobOn("llama-3-70b", "h100", 64);
  job.seq_len = 8192;
  job.global_batch_tokens = 64.0 * 8192;
  ParallelLayout l{8, 8, 1, 1, 1, 1, 1, 1, Recompute::kSelective, true};
  auto delayed = EstimateLayout(WithRecipe(job, "fp8-delayed"), l);
  auto current = EstimateLayout(WithRecipe(job, "fp8-current"), l);
  ASSERT_TRUE(delayed && current);
  EXPECT_GT(current->step_time_s, delayed->step_time_s);
  EXPECT_LT(current->step_time_s, delayed->step_time_s * 1.05);
}

// Setups that ran must fit. Llama 3 405B as Meta ran it on 16,384 H100 (Dubey et al. 2024, Table
// 4: TP 8, PP 16, DP 128, 16M-token batch of 8,192-token sequences), with Megatron's distributed
// optimizer (ZeRO 1) in bf16. By hand, per layer: attention 16,384 x (16,384 + 2 x 8 x 128) +
// 16,384^2 = 570,425,344, SwiGLU 3 x 16,384 x 53,248 = 2,617,245,696, norms 32,768: 3,187,703,808;
// the embedding 128,256 x 16,384 = 2,101,346,304. As Meta split it (3.3.2: one layer fewer on the
// first and the last stage), the first stage holds 7 layers and the embedding, 3,051,909,120
// parameters over TP 8, the 14 middle stages 8 layers each; the fullest is then the second stage
// (8 layers, 15 micro-batches in flight against the first's 16): 8 x 3,187,703,808 / 8 =
// 3,187,703,808 parameters = 5.94 GiB in bf16, 11.88 GiB of fp32 gradients, (4 + 8) / 128 bytes
// of main weights and moments = 0.28 GiB.
TEST(Precision, PublishedSetupsFit) {
  TrainingJob llama = WithRecipe(TrainingJobOn("llama-3-405b", "h100", 16384), "bf16");
  llama.seq_len = 8192;
  llama.global_batch_tokens = 2048.0 * 8192;
  LayoutConstraints meta;
  meta.tp = 8;
  meta.pp = 16;
  meta.dp = 128;
  meta.zero_stage = 1;
  auto r = SearchLayout(llama, meta);
  ASSERT_TRUE(r) << r.error().message;
  const double stage0 = 8 * 3187703808.0 / 8;
  EXPECT_NEAR(r->best.memory.weights_gib * kGiB, 2 * stage0, 1e-6 * stage0);
  EXPECT_NEAR(r->best.memory.gradients_gib * kGiB, 4 * stage0, 1e-6 * stage0);
  EXPECT_NEAR((r->best.memory.main_params_gib + r->best.memory.optimizer_gib) * kGiB,
              12 * stage0 / 128, 1e-6 * stage0);
  EXPECT_LE(r->best.memory.total(), 80);

  // DeepSeek-V3 with its published layout (PP 16 DualPipe, EP 64, ZeRO-1 DP 128, no TP) and its
  // own recipe (fp8-blockwise) fits without recomputing whole layers; with Transformer Engine's
  // per-tensor recipe (bf16 activations, cached FP8 weights) only full recomputation fits.
  TrainingJob ds = TrainingJobOn("deepseek-v3", "h800", 2048);
  ds.seq_len = 4096;
  ds.global_batch_tokens = 15360.0 * 4096;
  LayoutConstraints published;
  published.tp = 1;
  published.pp = 16;
  published.dp = 128;
  published.ep = 64;
  published.zero_stage = 1;
  published.micro_batch = 1;
  published.schedule = PipelineSchedule::kDualPipe;
  published.recompute = Recompute::kSelective;
  auto own = SearchLayout(WithRecipe(ds, "fp8-blockwise"), published);
  ASSERT_TRUE(own) << own.error().message;
  EXPECT_LE(own->best.memory.total(), 80);
  auto te = SearchLayout(WithRecipe(ds, "fp8-delayed"), published);
  ASSERT_FALSE(te);
  EXPECT_NE(te.error().message.find("no layout fits in 80 GiB"), std::string::npos);
}

}  // namespace
}  // namespace suanli::perf
