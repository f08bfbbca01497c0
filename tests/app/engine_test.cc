// The request layer: one set of rules for every front door.
#include "app/engine.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <tuple>

#include "app/internal.h"
#include "app/requests.h"
#include "catalog/catalog.h"
#include "core/atomic_file.h"
#include "core/calendar.h"
#include "perf/precision.h"
#include "testing.h"

#include <filesystem>

namespace suanli::app {
namespace {

const Engine& TheEngine() {
  static const Engine e = *Engine::Open({});
  return e;
}

RunContext Json() { return {Format::kJson, nullptr}; }

TrainRequest SmallTrain() {
  TrainRequest r;
  r.model = "llama-3-8b";
  r.chip = "h800";
  r.count = 64;
  r.tokens = 1e12;
  return r;
}

// The drift the request layer removes: infer used to run h800 in an H20 system that train
// refused. Both now go through one rule.
TEST(Engine, TrainAndInferRefuseTheSameSystemForAChip) {
  TrainRequest t = SmallTrain();
  t.system = "hgx-h20";
  auto tr = TheEngine().Train(t, Json());
  ASSERT_FALSE(tr);
  EXPECT_EQ(tr.error().field, "system");
  EXPECT_NE(tr.error().message.find("holds chip 'h20'"), std::string::npos) << tr.error().message;

  InferRequest i;
  i.model = "llama-3-70b";
  i.chip = {"h800"};
  i.system = "hgx-h20";
  auto ir = TheEngine().Infer(i, Json());
  ASSERT_FALSE(ir);
  EXPECT_EQ(ir.error().field, "system");
  EXPECT_EQ(ir.error().message, tr.error().message);

  // The chip's own system is accepted by both.
  t.system = "hgx-h800";
  i.system = "hgx-h800";
  ASSERT_TRUE(TheEngine().Train(t, Json())) << "train refused hgx-h800";
  ASSERT_TRUE(TheEngine().Infer(i, Json())) << "infer refused hgx-h800";
}

// An engine named for chips it does not run on is refused, field named, rather than priced as if
// TensorRT-LLM ran on an AMD GPU (data/engines.yaml runs_on: TensorRT-LLM NVIDIA's GPUs only,
// S2660; MindIE and vLLM-Ascend Ascend NPUs only). `--emit` is held to the same rule; an engine
// without runs_on (vLLM, SGLang) runs anywhere, SGLang on Ascend 910C as published (S2063).
// --use-graphs is NVIDIA's MLPerf harness setting (use_graphs: True): with --enforce-eager it
// contradicts itself, and with an engine that sets its own graphs it names nothing; both refused,
// field named.
TEST(Engine, InferRefusesUseGraphsOutsideTheHarness) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"b200"};
  r.mode = "analytic";
  r.use_graphs = true;
  r.engine = "none";
  ASSERT_TRUE(TheEngine().Infer(r, Json()));
  r.enforce_eager = true;
  auto out = TheEngine().Infer(r, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "use_graphs");
  EXPECT_NE(out.error().message.find("--enforce-eager"), std::string::npos) << out.error().message;
  r.enforce_eager = false;
  r.engine = "vllm";
  out = TheEngine().Infer(r, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "use_graphs");
  EXPECT_NE(out.error().message.find("vllm"), std::string::npos) << out.error().message;
}

TEST(Engine, InferRefusesAnEngineOnChipsItDoesNotRunOn) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"mi300x"};
  r.mode = "analytic";
  r.engine = "trtllm";
  auto out = TheEngine().Infer(r, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "engine");
  EXPECT_NE(out.error().message.find("mi300x is cdna3"), std::string::npos) << out.error().message;
  r.engine.clear();
  r.emit = "trtllm";
  out = TheEngine().Infer(r, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "emit");
  r.emit.clear();
  for (const char* engine : {"mindie", "vllm-ascend"}) {
    r.chip = {"h100"};
    r.engine = engine;
    out = TheEngine().Infer(r, Json());
    ASSERT_FALSE(out) << engine;
    EXPECT_EQ(out.error().field, "engine");
    EXPECT_NE(out.error().message.find("h100 is hopper"), std::string::npos) << engine;
    r.chip = {"ascend-910c"};
    EXPECT_TRUE(TheEngine().Infer(r, Json())) << engine << " on ascend-910c";
  }
  r.chip = {"ascend-910c"};
  r.engine = "sglang";
  EXPECT_TRUE(TheEngine().Infer(r, Json()));
  r.chip = {"l40s"};
  r.engine = "trtllm";
  EXPECT_TRUE(TheEngine().Infer(r, Json()));
}

// An infer request's JSON, or {"error": its message}.
nlohmann::json InferOutcome(const InferRequest& r) {
  auto out = TheEngine().Infer(r, Json());
  return out ? nlohmann::json::parse(out->body) : nlohmann::json{{"error", out.error().message}};
}

// The JSON of an infer request that must succeed.
nlohmann::json InferJson(const InferRequest& r) {
  auto j = InferOutcome(r);
  EXPECT_FALSE(j.contains("error")) << j.dump();
  return j;
}

// `--engine trtllm` with long prompts, as its users run it. Offline is trtllm-bench throughput,
// which sets max_batch_size / max_num_tokens from the workload (S1843, S3630; by hand in
// perf's TrtllmBenchLimitsByHand: Qwen3-235B FP4 on 4 x B200 at 8,192 / 1,024 runs 768 a rank
// and 8,960 tokens a step), so the simulated engine runs a full batch: its answer within a
// factor 2 of the analytic steady state, where trtllm-serve's 8,192 tokens ran one request at a
// time (28 against 1,368 tok/s per chip). In server mode trtllm-serve's defaults stand: an
// 8,192-token prompt enters only beside no decode (MicroBatchScheduler, S3631), so both the
// steady state and the simulator run one sequence, and the output says why and what to give; a
// 20,000-token prompt is rejected (LLM API, S3632) with the flags that let it run.
TEST(Engine, TrtllmLongPromptsAsItsUsersRunThem) {
  InferRequest r;
  r.model = "qwen3-235b-a22b";
  r.chip = {"b200"};
  r.count = 4;
  r.dtype = "fp4";
  r.input_tokens = 8192;
  r.output_tokens = 1024;
  r.engine = "trtllm";
  r.mode = "offline";
  r.requests = 2000;
  auto j = InferJson(r);
  const auto& sim = j["simulation"];
  const double analytic = j["output_tokens_per_s_per_chip"].get<double>();
  EXPECT_GT(sim["output_tokens_per_s_per_chip"].get<double>(), 0.5 * analytic) << j.dump();
  EXPECT_GT(sim["mean_running_seqs"].get<double>(), 100) << j.dump();
  ASSERT_TRUE(j.contains("assumptions")) << j.dump();
  EXPECT_NE(j["assumptions"][0].get<std::string>().find("trtllm-bench throughput"),
            std::string::npos)
      << j.dump();

  r.mode = "server";
  r.qps = 1;
  j = InferJson(r);
  EXPECT_EQ(j["engine_max_batch"], 1) << j.dump();
  ASSERT_TRUE(j.contains("assumptions")) << j.dump();
  const std::string note = j["assumptions"][0].get<std::string>();
  EXPECT_NE(note.find("at most 1 sequence runs at a time"), std::string::npos) << note;
  EXPECT_NE(note.find("--enable-chunked-prefill"), std::string::npos) << note;
  EXPECT_LE(j["simulation"]["max_running_seqs"].get<double>(), 1) << j.dump();

  r.input_tokens = 20000;
  auto out = TheEngine().Infer(r, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "max_batched_tokens");
  EXPECT_NE(out.error().message.find("rejects a prompt of 20000 tokens"), std::string::npos)
      << out.error().message;
  EXPECT_NE(out.error().message.find("--enable-chunked-prefill"), std::string::npos);
  r.enable_chunked_prefill = true;
  EXPECT_TRUE(TheEngine().Infer(r, Json()));
  // vLLM chunks prompts by default: the same prompt runs, no note.
  r.enable_chunked_prefill = false;
  r.engine = "vllm";
  j = InferJson(r);
  EXPECT_FALSE(j.contains("assumptions")) << j.dump();
}

// The serve command holds the longest request the estimate serves: DeepSeek-R1's outputs spread
// as MLPerf measured them, cut at 20,000 tokens (S1960), so 1,024 + 20,000 = 21,024, not the
// mean request's 1,024 + 256 (vLLM would cut the long answers at 1,280 tokens).
TEST(Engine, EmittedContextHoldsTheLongestRequest) {
  InferRequest r;
  r.model = "deepseek-r1";
  r.chip = {"h200"};
  r.count = 8;
  r.mode = "analytic";
  r.emit = "vllm";
  auto j = InferJson(r);
  const std::string command = j["launch"]["command"].get<std::string>();
  EXPECT_NE(command.find("--max-model-len 21024"), std::string::npos) << command;
  // Fixed lengths: the request as given.
  r.output_dist = "fixed";
  j = InferJson(r);
  EXPECT_NE(j["launch"]["command"].get<std::string>().find("--max-model-len 1280"),
            std::string::npos)
      << j["launch"].dump();
}

// Llama 3 8B with FP8 weights on 8 H100 (as NVIDIA's recipe: fp8_param_gather, bf16 gradients, tp 1
// pp 1 cp 1, full recomputation by block, here of 12 layers; S3220, S3221): the FP8 weight is
// its own row-wise copy, so a linear weight is 1 byte plus its 1-byte transpose, the embedding and
// the output head stay bf16: 2 bytes a parameter, 2 x 8.03e9 bytes = 14.96 GiB (3 bytes a linear
// weight, 21.5 GiB, counted the FP8 parameter beside a bf16 weight's two FP8 copies).
TEST(Engine, Fp8ParamsAreTheirOwnRowWiseCopyAndBlockRecomputeKeepsItsLayers) {
  TrainRequest t;
  t.model = "llama-3-8b";
  t.chip = "h100";
  t.count = 8;
  t.tokens = 1e12;
  t.seq_len = 8192;
  t.global_batch_size = 128;
  t.tp = 1;
  t.pp = 1;
  t.cp = 1;
  t.zero = 1;
  t.micro_batch = 1;
  t.precision = "fp8-current";
  t.param_dtype = "fp8";
  t.grad_dtype = "bf16";
  t.recompute = "full";
  t.recompute_method = "block";
  t.recompute_num_layers = 12;
  auto out = TheEngine().Train(t, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  const auto j = nlohmann::json::parse(out->body);
  EXPECT_NEAR(j["memory_breakdown_gib"]["weights"].get<double>(), 2 * 8.03e9 / (1 << 30), 0.02)
      << j.dump();
  EXPECT_EQ(j["parallel"]["recompute_layers"], 12) << j.dump();
  // Every layer recomputed (uniform) keeps less than 12 of 32 (block).
  t.recompute_method = "uniform";
  auto uniform = TheEngine().Train(t, Json());
  ASSERT_TRUE(uniform) << uniform.error().ToString();
  const auto ju = nlohmann::json::parse(uniform->body);
  EXPECT_FALSE(ju["parallel"].contains("recompute_layers"));
  EXPECT_LT(ju["memory_breakdown_gib"]["activations"].get<double>(),
            j["memory_breakdown_gib"]["activations"].get<double>());
}

// NVIDIA's H100 FP8 Llama 3 8B recipe pasted as Megatron flags (Megatron-Bridge's perf recipe
// for 8 H100: tp 1 pp 1 cp 1, mbs 1, seq 8192, fp8 params, bf16 gradients, dist-opt, the first 5
// layers of 32 recomputed, Transformer Engine's cross entropy; S3221) ran, so it fits in 80 GiB.
// The loss on its one stage, per logit (8,192 x 128,256 of them): TE's 2 bytes (the gradient
// written into the bf16 logits, S3223) against Megatron's native 6 (fp32 softmax + the bf16
// gradient, S3222): 4 x 8192 x 128256 bytes = 3.91 GiB apart; without a fused loss named, the
// model's 8 (PyTorch's fp32 log-softmax and its gradient), 6 x 8192 x 128256 = 5.87 GiB above.
TEST(Engine, NvidiasLlama3FP8RecipeFitsWithTheLossItRuns) {
  const auto& fields = TrainFields();
  auto line = [&](bool te, bool megatron, int layers) {
    TrainRequest t;
    t.model = "llama-3-8b";
    t.chip = "h100";
    t.count = 8;
    t.tokens = 1e12;
    t.seq_len = 8192;
    t.global_batch_size = 128;
    t.tp = 1;
    t.pp = 1;
    t.cp = 1;
    t.micro_batch = 1;
    t.zero = 1;
    t.precision = "fp8-current";
    t.param_dtype = "fp8";
    t.grad_dtype = "bf16";
    t.recompute = "full";
    t.recompute_method = "block";
    t.recompute_num_layers = layers;
    if (megatron) {
      EXPECT_TRUE(SetField(fields, t, "cross_entropy_loss_fusion", FieldValue{true}));
      EXPECT_TRUE(SetField(fields, t, "cross_entropy_fusion_impl",
                           FieldValue{std::string(te ? "te" : "native")}));
    }
    auto out = TheEngine().Train(t, Json());
    EXPECT_TRUE(out) << out.error().ToString();
    return out ? nlohmann::json::parse(out->body) : nlohmann::json{};
  };
  const auto te = line(true, true, 5);
  ASSERT_TRUE(te.contains("memory_gib_per_chip"));
  EXPECT_LE(te["memory_gib_per_chip"].get<double>(), 80.0) << te.dump();
  // Apart, at 12 recomputed layers, where all three fit.
  const auto te12 = line(true, true, 12), native = line(false, true, 12),
             own = line(false, false, 12);
  const double logits = 8192.0 * 128256 / (1 << 30);
  EXPECT_NEAR(native["memory_breakdown_gib"]["activations"].get<double>() -
                  te12["memory_breakdown_gib"]["activations"].get<double>(),
              4 * logits, 0.02);
  EXPECT_NEAR(own["memory_breakdown_gib"]["activations"].get<double>() -
                  te12["memory_breakdown_gib"]["activations"].get<double>(),
              6 * logits, 0.02);
}

// Megatron-LM counts the batch in sequences: GPT-3 175B at --global-batch-size 1536 and
// --seq-length 2048 steps on 1536 x 2048 = 3,145,728 tokens (Narayanan et al. 2021, Table 1).
TEST(Engine, MegatronGlobalBatchSizeIsSequences) {
  TrainRequest t;
  t.model = "gpt3-175b";
  t.chip = "a100";
  t.count = 1024;
  t.tokens = 300e9;
  t.seq_len = 2048;
  t.global_batch_size = 1536;
  t.tp = 8;
  t.pp = 8;
  auto out = TheEngine().Train(t, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  const auto j = nlohmann::json::parse(out->body);
  EXPECT_EQ(j["requested_batch_tokens"].get<double>(), 3145728.0) << j.dump();
  EXPECT_EQ(j["global_batch_tokens"].get<double>(), 3145728.0) << j.dump();
  // Without a sequence length, the model's (GPT-3: 2048) is the one counted.
  t.seq_len.reset();
  out = TheEngine().Train(t, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(out->body)["requested_batch_tokens"].get<double>(), 3145728.0);
  // Sequences and tokens both: which one is meant is unclear, and the error says so.
  t.global_batch_tokens = 4194304;
  auto both = TheEngine().Train(t, Json());
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().field, "global_batch_size");
  t.global_batch_tokens.reset();
  t.global_batch_size = 0;
  auto zero = TheEngine().Train(t, Json());
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().field, "global_batch_size");
}

// An analytic infer request's JSON, or {"error": its message}.
nlohmann::json AnalyticInfer(const std::string& model, const std::string& chip, int64_t count,
                             const std::string& dtype = "", std::optional<int64_t> tp = {}) {
  InferRequest r;
  r.model = model;
  r.chip = {chip};
  r.count = count;
  r.tp = tp;
  r.dtype = dtype;
  r.mode = "analytic";
  return InferOutcome(r);
}

// With no --dtype a model is served in its checkpoint's formats as released, each as the chip can.
TEST(Engine, InferServesTheCheckpointAsReleased) {
  // gpt-oss-120b "runs within a single 80 GB GPU" (OpenAI): MXFP4 experts as 4-bit weights with
  // 16-bit math on H100, the rest BF16. By hand: 114.62B expert parameters x 0.5 B = 53.37 GiB
  // plus 2.21B others x 2 B = 4.12 GiB: 57.49 GiB (the MXFP4 block scales not counted).
  const auto oss = AnalyticInfer("gpt-oss-120b", "h100", 1);
  ASSERT_FALSE(oss.contains("error")) << oss.dump();
  EXPECT_EQ(oss["dtype"], "bf16");
  EXPECT_EQ(oss["expert_dtype"], "int4");
  EXPECT_NE(oss["dtype_basis"].get<std::string>().find("h100 has no fp4 math"), std::string::npos);
  EXPECT_NEAR(oss["weights_gib_per_chip"].get<double>(), 57.49, 0.6);
  // All BF16, as asked, does not fit (233.7 GB).
  EXPECT_TRUE(AnalyticInfer("gpt-oss-120b", "h100", 1, "bf16").contains("error"));
  // On B200 the experts stay FP4.
  EXPECT_EQ(AnalyticInfer("gpt-oss-120b", "b200", 1)["expert_dtype"], "fp4");

  // DeepSeek-R1 ships FP8: FP8 on H20; W8A8 INT8 on Ascend 910B (no FP8 math).
  const auto h20 = AnalyticInfer("deepseek-ai/DeepSeek-R1", "h20", 16);
  EXPECT_EQ(h20["dtype"], "fp8") << h20.dump();
  EXPECT_EQ(h20["dtype_basis"], "as released");
  const auto ascend = AnalyticInfer("deepseek-r1", "ascend-910b", 32);
  EXPECT_EQ(ascend["dtype"], "int8") << ascend.dump();
  EXPECT_NE(ascend["dtype_basis"].get<std::string>().find("W8A8"), std::string::npos);
  // An FP8 release on an A100 (no FP8 math, compute capability 8.0) runs as vLLM runs it there:
  // weight-only W8A16 through its FP8 Marlin kernels (S3852), not INT8 W8A8. By hand, Qwen3-8B on
  // one A100: the same parameters at 1 byte, so the weights are half the BF16 release's; the math
  // is 16-bit, so a prompt (compute-bound) runs at the BF16 release's rate, where INT8 W8A8 runs
  // at the 624 TOPS peak.
  const auto a100_fp8 = AnalyticInfer("Qwen/Qwen3-8B-FP8", "a100", 1);
  ASSERT_FALSE(a100_fp8.contains("error")) << a100_fp8.dump();
  EXPECT_EQ(a100_fp8["dtype"], "w8a16") << a100_fp8.dump();
  EXPECT_NE(a100_fp8["dtype_basis"].get<std::string>().find("a100 has no fp8 math: w8a16"),
            std::string::npos)
      << a100_fp8.dump();
  EXPECT_NE(a100_fp8["dtype_basis"].get<std::string>().find("Marlin"), std::string::npos);
  const auto a100_bf16 = AnalyticInfer("Qwen/Qwen3-8B", "a100", 1);
  EXPECT_NEAR(a100_fp8["weights_gib_per_chip"].get<double>(),
              a100_bf16["weights_gib_per_chip"].get<double>() / 2, 0.05);
  EXPECT_NEAR(a100_fp8["prefill_tokens_per_s_per_chip"].get<double>(),
              a100_bf16["prefill_tokens_per_s_per_chip"].get<double>(),
              0.01 * a100_bf16["prefill_tokens_per_s_per_chip"].get<double>());
  EXPECT_LT(a100_fp8["prefill_tokens_per_s_per_chip"].get<double>(),
            0.8 * AnalyticInfer("Qwen/Qwen3-8B", "a100", 1, "int8")["prefill_tokens_per_s_per_chip"]
                      .get<double>());
  // Llama 3.1 70B (BF16, 141 GB) on one 80 GB A100 with no --dtype: 8-bit weights quantized on
  // load (vLLM's --quantization fp8), which vLLM runs on an A100 as W8A16 Marlin: w8a16.
  const auto a100_70b = AnalyticInfer("llama-3.1-70b", "a100", 1);
  ASSERT_FALSE(a100_70b.contains("error")) << a100_70b.dump();
  EXPECT_EQ(a100_70b["dtype"], "w8a16") << a100_70b.dump();
  // On H100 (FP8 math) the FP8 release stays FP8.
  EXPECT_EQ(AnalyticInfer("Qwen/Qwen3-8B-FP8", "h100", 1)["dtype"], "fp8");

  // A name's precision suffix is its checkpoint; a --dtype the user gives wins.
  EXPECT_EQ(AnalyticInfer("Qwen/Qwen3-235B-A22B-FP8", "h100", 8)["dtype"], "fp8");
  EXPECT_EQ(AnalyticInfer("Qwen/Qwen3-235B-A22B-FP8", "h100", 8, "bf16")["dtype"], "bf16");
  // A model with no stated release precision stays BF16 and says nothing about it.
  const auto llama = AnalyticInfer("llama-3.1-70b", "h100", 8);
  EXPECT_EQ(llama["dtype"], "bf16");
  EXPECT_TRUE(llama["dtype_basis"].is_null());

  // GLM-4.5 ships in BF16 and as GLM-4.5-FP8 (Z.ai's card: BF16 on 16 H100, FP8 on 8). By hand,
  // 355B x 2 B / 8 = 82.7 GiB a chip: no layout of 8 H800 (80 GB) holds it, so with no --dtype
  // the weights are FP8 (41.3 GiB a chip at tp 8, more with attention replicated over data-parallel
  // groups) and the answer says why; asked for BF16, it refuses.
  const auto glm = AnalyticInfer("glm-4.5", "h800", 8);
  ASSERT_FALSE(glm.contains("error")) << glm.dump();
  EXPECT_EQ(glm["dtype"], "fp8");
  EXPECT_NE(glm["dtype_basis"].get<std::string>().find("bf16 as released does not fit 8 chips"),
            std::string::npos)
      << glm.dump();
  EXPECT_GT(glm["weights_gib_per_chip"].get<double>(), 41.3 - 1.0);
  EXPECT_LT(glm["weights_gib_per_chip"].get<double>(), 70.0);
  EXPECT_NE(
      AnalyticInfer("glm-4.5", "h800", 8, "bf16")["error"].get<std::string>().find("do not fit"),
      std::string::npos);
  EXPECT_EQ(AnalyticInfer("glm-4.5", "h800", 16)["dtype"], "bf16");  // 16 chips hold BF16
  // Qwen3-30B-A3B on one 32 GB RTX 5090: 30.5B weights are 28.4 GiB in 8 bits against the
  // ~26 GiB the card leaves, so 4-bit weights with 16-bit math (an AWQ/GPTQ checkpoint, as the
  // model is run on such cards): 14.2 GiB and more for the 16-bit embeddings.
  const auto one_5090 = AnalyticInfer("Qwen/Qwen3-30B-A3B", "rtx-5090", 1);
  ASSERT_FALSE(one_5090.contains("error")) << one_5090.dump();
  EXPECT_EQ(one_5090["dtype"], "int4");
  EXPECT_NE(one_5090["dtype_basis"].get<std::string>().find("AWQ or GPTQ"), std::string::npos);
  EXPECT_GT(one_5090["weights_gib_per_chip"].get<double>(), 14.2 - 0.5);
  EXPECT_LT(one_5090["weights_gib_per_chip"].get<double>(), 20.0);
  // Llama 3.1 70B on one 24 GB 4090: 4-bit weights (33 GiB) do not fit either; BF16's refusal.
  const auto one_4090 = AnalyticInfer("llama-3.1-70b", "4090", 1);
  ASSERT_TRUE(one_4090.contains("error")) << one_4090.dump();
  EXPECT_NE(one_4090["error"].get<std::string>().find("do not fit"), std::string::npos);
}

// FP4 typed as a checkpoint names it (gpt-oss's MXFP4 experts) runs, on a chip without FP4 math,
// as 4-bit weights with 16-bit math, as vLLM runs gpt-oss on Hopper (InferenceMAX's H100/H200
// runs), and says so; the same weights as the checkpoint's own default (57.49 GiB on one H100).
TEST(Engine, InferServesATypedFp4AsTheChipCan) {
  InferRequest r;
  r.model = "openai/gpt-oss-120b";
  r.chip = {"h100"};
  r.count = 1;
  r.dtype = "bf16";
  r.expert_dtype = "fp4";
  r.mode = "analytic";
  auto out = TheEngine().Infer(r, Json());
  ASSERT_TRUE(out) << out.error().message;
  const auto j = nlohmann::json::parse(out->body);
  EXPECT_EQ(j["dtype"], "bf16");
  EXPECT_EQ(j["expert_dtype"], "int4");
  EXPECT_NE(j["dtype_basis"].get<std::string>().find("--expert-dtype: h100 has no fp4 math: int4"),
            std::string::npos)
      << j.dump();
  EXPECT_NEAR(j["weights_gib_per_chip"].get<double>(), 57.49, 0.6);
  // On B200 FP4 is served as typed, and said nothing about.
  r.chip = {"b200"};
  auto b200 = TheEngine().Infer(r, Json());
  ASSERT_TRUE(b200);
  const auto jb = nlohmann::json::parse(b200->body);
  EXPECT_EQ(jb["expert_dtype"], "fp4");
  EXPECT_TRUE(jb["dtype_basis"].is_null()) << jb.dump();
  // All-FP4 weights on A100: int4 likewise.
  InferRequest a;
  a.model = "llama-3.1-8b";
  a.chip = {"a100"};
  a.count = 1;
  a.dtype = "fp4";
  a.mode = "analytic";
  auto a4 = TheEngine().Infer(a, Json());
  ASSERT_TRUE(a4) << a4.error().message;
  EXPECT_EQ(nlohmann::json::parse(a4->body)["dtype"], "int4");
}

// vLLM and SGLang keep the KV cache in the model's data type unless --kv-cache-dtype names one
// (`auto`: 'will use model data type', S3310; 'the default model precision in BF16', S3311), so an
// FP8 checkpoint served there has a 16-bit cache. GLM-4.6-FP8 by hand: 92 layers x 8 KV heads x
// 128 x 2 (K and V) = 188,416 elements a token: 376,832 B in BF16, 188,416 B in FP8 (the cache of
// --engine none, NVIDIA's harness, and what --kv-cache-dtype fp8 asks for). DeepSeek-V3.2 keeps the
// FP8 cache vLLM defaults it to (S3310) and FlashMLA's sparse decode takes (S3312); SGLang sets
// DeepSeek NSA's `auto` cache to bfloat16 on Hopper and fp8_e4m3 from Blackwell on (S3410). V3.2 by
// hand, 61 layers of the 576-wide latent (512 + 64 rope) and the indexer's 128 FP8 keys with a
// 4-byte scale: 61 x (576 x 2 + 132) = 78,324 B a token in BF16; in FP8 FlashMLA's 656-byte token
// (512 FP8 + 4 float32 scales + 64 BF16 rope, S3805, S3806): 61 x (656 + 132) = 48,068 B. The
// serve command printed for the estimate names no --kv-cache-dtype where the cache is the engine's
// default.
TEST(Engine, VllmAndSglangKeepTheKvCacheInTheModelsDataType) {
  const auto kv_bytes = [](const std::string& model, const std::string& engine,
                           const std::string& kv_dtype, int64_t count,
                           const std::string& chip = "h200") {
    InferRequest r;
    r.model = model;
    r.chip = {chip};
    r.count = count;
    r.tp = count;
    r.dtype = "fp8";
    r.engine = engine;
    r.kv_dtype = kv_dtype;
    r.mode = "analytic";
    return InferJson(r)["kv_cache_bytes_per_token"].get<double>();
  };
  // Its maker's FP8 release declares no KV format (S3533): 16-bit on every engine whose default
  // follows the checkpoint, TensorRT-LLM's and the no-engine default's too.
  EXPECT_EQ(kv_bytes("zai-org/GLM-4.6-FP8", "", "", 4), 376832.0);
  EXPECT_EQ(kv_bytes("zai-org/GLM-4.6-FP8", "sglang", "", 4), 376832.0);
  EXPECT_EQ(kv_bytes("zai-org/GLM-4.6-FP8", "vllm", "", 4), 376832.0);
  EXPECT_EQ(kv_bytes("zai-org/GLM-4.6-FP8", "sglang", "fp8", 4), 188416.0);
  EXPECT_EQ(kv_bytes("zai-org/GLM-4.6-FP8", "trtllm", "", 4), 376832.0);
  EXPECT_EQ(kv_bytes("zai-org/GLM-4.6-FP8", "none", "", 4), 188416.0);
  const double v32 = kv_bytes("deepseek-ai/DeepSeek-V3.2", "", "", 8);
  EXPECT_EQ(v32, 48068.0);
  EXPECT_EQ(kv_bytes("deepseek-ai/DeepSeek-V3.2", "vllm", "", 8), v32);
  EXPECT_EQ(kv_bytes("deepseek-ai/DeepSeek-V3.2", "vllm", "bf16", 8), 78324.0);
  // SGLang on Hopper: the 16-bit cache; on Blackwell (B200) the FP8 one.
  EXPECT_EQ(kv_bytes("deepseek-ai/DeepSeek-V3.2", "sglang", "", 8), 78324.0);
  EXPECT_EQ(kv_bytes("deepseek-ai/DeepSeek-V3.2", "sglang", "fp8", 8), v32);
  EXPECT_EQ(kv_bytes("deepseek-ai/DeepSeek-V3.2", "sglang", "", 8, "b200"), v32);
  // The printed SGLang command: no FP8 cache asked for.
  InferRequest r;
  r.model = "zai-org/GLM-4.6-FP8";
  r.chip = {"h200"};
  r.count = 4;
  r.tp = 4;
  r.engine = "sglang";
  r.emit = "sglang";
  r.mode = "analytic";
  const auto j = InferJson(r);
  const std::string command = j["launch"]["command"].get<std::string>();
  EXPECT_EQ(command.find("--kv-cache-dtype"), std::string::npos) << command;
}

// --dtype naming the format a release is known by, its experts' ("gpt-oss in MXFP4", NVIDIA's
// DeepSeek-R1 FP4), is that release: the experts in it, the rest as released, the same job as no
// --dtype; every weight in it takes --attention-dtype too.
TEST(Engine, InferTakesADtypeNamingTheExpertsFormatAsTheRelease) {
  // gpt-oss-120b on one H100, --dtype fp4: as with no --dtype (the test above), the experts as
  // 4-bit weights with 16-bit math and the rest BF16, 57.49 GiB by hand; the KV cache BF16 (the
  // attention part's format), by hand 8 KV heads x 64 x 2 (K and V) x 2 B = 2,048 B a layer over
  // the 18 full-attention layers: 36,864 B a token (all-FP4 weights would take an 8-bit cache).
  const auto typed = AnalyticInfer("openai/gpt-oss-120b", "h100", 1, "fp4");
  ASSERT_FALSE(typed.contains("error")) << typed.dump();
  const auto released = AnalyticInfer("openai/gpt-oss-120b", "h100", 1);
  EXPECT_EQ(typed["dtype"], "bf16");
  EXPECT_EQ(typed["expert_dtype"], "int4");
  EXPECT_EQ(typed["attention_dtype"], nullptr);
  EXPECT_NEAR(typed["weights_gib_per_chip"].get<double>(), 57.49, 0.6);
  EXPECT_EQ(typed["weights_gib_per_chip"], released["weights_gib_per_chip"]);
  EXPECT_EQ(typed["kv_cache_bytes_per_token"].get<double>(), 36864.0);
  EXPECT_EQ(typed["kv_cache_bytes_per_token"], released["kv_cache_bytes_per_token"]);
  EXPECT_EQ(typed["output_tokens_per_s_per_chip"], released["output_tokens_per_s_per_chip"]);
  EXPECT_NE(typed["dtype_basis"].get<std::string>().find("--dtype fp4 is the experts' format"),
            std::string::npos)
      << typed.dump();
  // On B200 the experts stay FP4, the rest BF16.
  const auto b200 = AnalyticInfer("openai/gpt-oss-120b", "b200", 1, "fp4");
  EXPECT_EQ(b200["dtype"], "bf16");
  EXPECT_EQ(b200["expert_dtype"], "fp4");
  // NVIDIA's DeepSeek-R1 FP4 (its name's -FP4: experts NVFP4, the rest FP8 as DeepSeek released
  // it) with --dtype fp4 on 4 B200: FP8 attention, FP4 experts, as the checkpoint loads.
  const auto r1 = AnalyticInfer("nvidia/DeepSeek-R1-0528-FP4-V2", "b200", 4, "fp4");
  EXPECT_EQ(r1["dtype"], "fp8") << r1.dump();
  EXPECT_EQ(r1["expert_dtype"], "fp4");
  // Every weight in FP4 is asked for with --attention-dtype fp4: then the attention, the dense
  // layers and the embeddings are FP4 too, lighter than the release.
  InferRequest all;
  all.model = "openai/gpt-oss-120b";
  all.chip = {"b200"};
  all.count = 1;
  all.dtype = "fp4";
  all.attention_dtype = "fp4";
  all.mode = "analytic";
  const auto j = InferJson(all);
  EXPECT_EQ(j["dtype"], "fp4");
  EXPECT_EQ(j["attention_dtype"], "fp4");
  EXPECT_LT(j["weights_gib_per_chip"].get<double>(), b200["weights_gib_per_chip"].get<double>());
  // A format other than the experts' keeps its meaning, every weight in it: --dtype bf16 on
  // gpt-oss is all BF16 (and does not fit one H100), DeepSeek-R1's --dtype fp4 (released FP8,
  // no expert format apart) is all FP4.
  EXPECT_TRUE(AnalyticInfer("gpt-oss-120b", "h100", 1, "bf16").contains("error"));
  const auto r1_all = AnalyticInfer("deepseek-r1", "b200", 8, "fp4");
  EXPECT_EQ(r1_all["dtype"], "fp4") << r1_all.dump();
  EXPECT_EQ(r1_all["expert_dtype"], nullptr);
}

// A format the request names that the chip has no math for runs as the engines run it, not
// refused: FP8 on an A100 as vLLM's Marlin W8A16 kernels run it (FP8 weights, 16-bit math, S3852),
// FP8 on Ascend as W8A8 INT8, FP4
// on an H100 as 4-bit weights with 16-bit math; an unknown peak is still an error.
TEST(Engine, InferServesANamedFormatAtTheMathTheChipHas) {
  const auto infer = [](const std::string& chip, const std::string& dtype, int tp) {
    return AnalyticInfer("llama-3.1-70b", chip, tp, dtype, tp);
  };
  const auto fp8 = infer("a100", "fp8", 2);
  ASSERT_FALSE(fp8.contains("error")) << fp8.dump();
  EXPECT_EQ(fp8["dtype"], "w8a16");
  EXPECT_NE(fp8["dtype_basis"].get<std::string>().find("--dtype: a100 has no fp8 math"),
            std::string::npos);
  // By hand: 70.55B parameters x 1 byte over 2 chips = 32.85 GiB, half of BF16's.
  EXPECT_NEAR(fp8["weights_gib_per_chip"].get<double>(), 32.85, 0.1);
  const auto bf16 = infer("a100", "bf16", 2);
  EXPECT_NEAR(bf16["weights_gib_per_chip"].get<double>(), 65.71, 0.1);
  // The math is 16-bit: prompts (compute-bound) run at BF16's rate; W8A8 INT8 runs faster.
  EXPECT_NEAR(fp8["prefill_tokens_per_s_per_chip"].get<double>(),
              bf16["prefill_tokens_per_s_per_chip"].get<double>(), 1e-6);
  EXPECT_GT(infer("a100", "int8", 2)["prefill_tokens_per_s_per_chip"].get<double>(),
            1.2 * bf16["prefill_tokens_per_s_per_chip"].get<double>());
  // FP8 on Ascend 910B/910C (BF16 and INT8 math, no Marlin: CUDA kernels) as the engines there
  // serve FP8 checkpoints: converted to W8A8 INT8 by msModelSlim (vLLM-Ascend's quantization
  // guide, S3850; SGLang's Atlas 800I A3 DeepSeek-R1 runs are W8A8 INT8, S3851). Prompts run at
  // the INT8 peak (640 TFLOPS to BF16's 320 on 910B): never slower than BF16's.
  const auto ascend = infer("ascend-910b", "fp8", 4);  // BF16 70B needs 4 x 64 GB
  EXPECT_EQ(ascend["dtype"], "int8") << ascend.dump();
  EXPECT_NE(ascend["dtype_basis"].get<std::string>().find("W8A8"), std::string::npos)
      << ascend.dump();
  EXPECT_EQ(ascend["dtype_basis"].get<std::string>().find("Marlin"), std::string::npos);
  EXPECT_GE(ascend["prefill_tokens_per_s_per_chip"].get<double>(),
            infer("ascend-910b", "bf16", 4)["prefill_tokens_per_s_per_chip"].get<double>());
  EXPECT_NEAR(ascend["weights_gib_per_chip"].get<double>(), 32.85 / 2, 0.1);  // 1 byte, 4 chips
  EXPECT_EQ(infer("ascend-910c", "fp8", 2)["dtype"], "int8");
  // FP4 on H100 as int4.
  const auto fp4 = infer("h100", "fp4", 1);
  EXPECT_EQ(fp4["dtype"], "int4") << fp4.dump();
  EXPECT_NEAR(fp4["weights_gib_per_chip"].get<double>(), 70.55e9 * 0.5 / (1 << 30), 0.2);
  // Ascend 950PR has FP8 and FP4 math and no known 16-bit or INT8 peak: INT8 is a gap in the
  // catalog to fill, not a format to guess.
  const auto none = infer("ascend-950pr", "int8", 1);
  ASSERT_TRUE(none.contains("error"));
  EXPECT_NE(none["error"].get<std::string>().find("peak_tflops.int8 is unknown"), std::string::npos)
      << none.dump();
}

TEST(Engine, AmountsFromTextGiveTheSameAnswerAsNumbers) {
  TrainRequest typed = SmallTrain();
  typed.global_batch_tokens = 4'194'304;
  TrainRequest from_text;
  const auto& fields = TrainFields();
  ASSERT_TRUE(SetField(fields, from_text, "model", FieldValue{std::string("llama-3-8b")}));
  ASSERT_TRUE(SetField(fields, from_text, "chip", FieldValue{std::string("h800")}));
  ASSERT_TRUE(SetField(fields, from_text, "count", FieldValue{std::string("64")}));
  ASSERT_TRUE(SetField(fields, from_text, "tokens", FieldValue{std::string("1T")}));
  ASSERT_TRUE(SetField(fields, from_text, "global_batch_tokens", FieldValue{std::string("4Mi")}));
  auto a = TheEngine().Train(typed, Json());
  auto b = TheEngine().Train(from_text, Json());
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body, b->body);
  const auto j = nlohmann::json::parse(a->body);
  EXPECT_EQ(j["global_batch_tokens"].get<double>(), 4'194'304);
  EXPECT_EQ(j["chips"].get<long>(), 64);
}

TEST(Engine, ErrorsNameTheRequestField) {
  struct Case {
    const char* field;
    std::function<void(TrainRequest&)> spoil;
  };
  const Case cases[] = {
      {"count", [](TrainRequest& r) { r.count = 0; }},
      {"tokens", [](TrainRequest& r) { r.tokens = -1; }},
      {"model", [](TrainRequest& r) { r.model = "lama-3-8b"; }},
      {"model", [](TrainRequest& r) { r.model.clear(); }},
      {"chip", [](TrainRequest& r) { r.chip = "h8000"; }},
      {"dtype", [](TrainRequest& r) { r.dtype = "fp6"; }},
      {"tp", [](TrainRequest& r) { r.tp = 0; }},
      {"zero", [](TrainRequest& r) { r.zero = 4; }},
      {"recompute", [](TrainRequest& r) { r.recompute = "some"; }},
      {"schedule", [](TrainRequest& r) { r.schedule = "gpipe2"; }},
      {"global_batch_tokens", [](TrainRequest& r) { r.global_batch_tokens = 0; }},
      {"power_cap_w", [](TrainRequest& r) { r.power_cap_w = 5000; }},
  };
  for (const auto& c : cases) {
    TrainRequest r = SmallTrain();
    c.spoil(r);
    auto out = TheEngine().Train(r, Json());
    ASSERT_FALSE(out) << c.field;
    EXPECT_EQ(out.error().field, c.field) << out.error().ToString();
  }
}

// A count given is a count, as infer reads it: 0 chips (or fewer) is "at least 1 chip", not
// "is required", which is for a request that gives none (and no torchrun line that would).
TEST(Engine, TrainCountZeroIsTooFewNotMissing) {
  for (const int64_t given : {int64_t{0}, int64_t{-8}}) {
    TrainRequest r = SmallTrain();
    r.count = given;
    auto out = TheEngine().Train(r, Json());
    ASSERT_FALSE(out) << given;
    EXPECT_EQ(out.error().field, "count");
    EXPECT_EQ(out.error().message, "must be at least 1 chip") << given;
  }
  TrainRequest none = SmallTrain();
  none.count.reset();
  auto out = TheEngine().Train(none, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "count");
  EXPECT_EQ(out.error().message.rfind("is required", 0), 0u) << out.error().message;
  InferRequest infer;
  infer.model = none.model;
  infer.chip = {none.chip};
  infer.count = 0;
  auto served = TheEngine().Infer(infer, Json());
  ASSERT_FALSE(served);
  EXPECT_EQ(served.error().field, "count");
  EXPECT_EQ(served.error().message, "must be at least 1 chip");
}

// Issue 13, no refusal of a setup that ran: every chip of the shipped catalog serves and trains
// a small model with default flags, or is refused with a message naming what is missing. The
// refused chips are listed here with their reason, and each reason is checked against the
// chip's own catalog entry (not against what the program printed): an inference-only role, no
// peak of any format, no 16-bit or FP8 peak for training, no off-chip memory, no system listed.
TEST(Engine, EveryCatalogChipServesAndTrainsOrNamesWhatIsMissing) {
  constexpr const char* kNoPeak = "no peak_tflops figure (bf16, fp16, fp8, int8, fp4) is known";
  constexpr const char* kNoTrainingPeak = "no training peak (peak_tflops.bf16, fp16, fp8) is known";
  constexpr const char* kInferenceOnly = "is an inference-only part";
  constexpr const char* kNoSystem = "has no listed system";
  constexpr const char* kNoMemory = "has no off-chip memory";
  struct Refusal {
    const char* infer;  // nullptr: it serves
    const char* train;  // nullptr: it trains
  };
  const std::map<std::string, Refusal> refused = {
      // Inference parts: they serve, training is not modelled.
      {"rtx-pro-6000d", {nullptr, kInferenceOnly}},
      {"ascend-950pr", {nullptr, kInferenceOnly}},
      {"alibaba-ppu", {nullptr, kInferenceOnly}},
      // Hanguang 800: INT8 only, 192 MB of SRAM and no DRAM.
      {"hanguang-800", {kNoMemory, kInferenceOnly}},
      // Tencent Zixiao: announced (Nov 2021) without any figure.
      {"tencent-zixiao", {kNoPeak, kInferenceOnly}},
      // No public, citable peak of any format (session 15 and 16 searches).
      {"mlu690", {kNoPeak, kNoTrainingPeak}},
      {"hygon-bw1000", {kNoPeak, kNoTrainingPeak}},
      {"kunlun-p800", {kNoPeak, kNoTrainingPeak}},
      {"metax-c500", {kNoPeak, kNoTrainingPeak}},
      // Ascend 970 (Q4 2028 roadmap): chip figures only, no SuperPoD or server announced.
      {"ascend-970", {kNoSystem, kNoSystem}},
  };
  const auto& cat = TheEngine().catalog();
  auto no_peak = [](const catalog::Chip& c) {
    return std::none_of(c.peak_tflops.begin(), c.peak_tflops.end(),
                        [](const catalog::SourcedNumber& p) { return p.known(); });
  };
  int served = 0;
  int trained = 0;
  for (const catalog::Chip& chip : cat.chips()) {
    SCOPED_TRACE(chip.id);
    InferRequest i;
    i.model = "llama-3.2-1b";
    i.chip = {chip.id};
    i.count = 8;
    i.mode = "analytic";
    TrainRequest t;
    t.model = "llama-3.2-1b";
    t.chip = chip.id;
    t.count = 8;
    t.tokens = 1e9;
    auto in = TheEngine().Infer(i, Json());
    auto tr = TheEngine().Train(t, Json());
    const auto it = refused.find(chip.id);
    const Refusal why = it == refused.end() ? Refusal{nullptr, nullptr} : it->second;
    if (why.infer == nullptr) {
      ASSERT_TRUE(in) << in.error().ToString();
      EXPECT_GT(nlohmann::json::parse(in->body)["output_tokens_per_s_per_chip"].get<double>(), 0);
      ++served;
    } else {
      ASSERT_FALSE(in);
      EXPECT_NE(in.error().message.find(why.infer), std::string::npos) << in.error().ToString();
    }
    if (why.train == nullptr) {
      ASSERT_TRUE(tr) << tr.error().ToString();
      EXPECT_GT(nlohmann::json::parse(tr->body)["tokens_per_s"].get<double>(), 0);
      ++trained;
    } else {
      ASSERT_FALSE(tr);
      EXPECT_NE(tr.error().message.find(why.train), std::string::npos) << tr.error().ToString();
    }
    // Each listed reason is what the catalog entry says.
    for (const char* reason : {why.infer, why.train}) {
      if (reason == kInferenceOnly) {
        EXPECT_EQ(chip.role, catalog::ChipRole::kInferenceOnly);
      }
      if (reason == kNoPeak) {
        EXPECT_TRUE(no_peak(chip));
      }
      if (reason == kNoTrainingPeak) {
        for (auto d : {catalog::DType::kBf16, catalog::DType::kFp16, catalog::DType::kFp8})
          EXPECT_FALSE(chip.peak(d).known()) << catalog::DTypeName(d);
      }
      if (reason == kNoMemory) {
        EXPECT_FALSE(chip.memory_gib.known());
      }
      if (reason == kNoSystem) {
        EXPECT_TRUE(chip.default_system.empty());
        EXPECT_FALSE(chip.scale_out_gbit_s.known());
      }
    }
  }
  // Every listed chip is in the catalog (a renamed id would silently serve unchecked).
  for (const auto& [id, why] : refused) EXPECT_TRUE(cat.FindChip(id)) << id;
  // 7 refused serving, 10 training (11 listed: the inference parts serve).
  EXPECT_EQ(served, static_cast<int>(cat.chips().size()) - 7);
  EXPECT_EQ(trained, static_cast<int>(cat.chips().size()) - 10);
}

// --dtype as users type it: a framework's name is the format (bfloat16 is bf16), a precision
// recipe's name is that recipe (--dtype mxfp8 is --precision mxfp8), with the same output.
// A chip whose catalog entry has no 16-bit peak (Huawei gives the Ascend 950DT in FP8 and FP4
// only) is modelled in what it has: no --dtype picks its widest format with a known peak, a
// format it lacks is an error naming that format and the ones it has (issue 13).
TEST(Engine, ChipsWithoutA16BitPeakRunInTheFormatsTheyHave) {
  InferRequest r;
  r.model = "qwen3-32b";
  r.chip = {"ascend-950dt"};
  r.count = 8;
  r.mode = "analytic";
  auto out = TheEngine().Infer(r, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  const auto j = nlohmann::json::parse(out->body);
  EXPECT_EQ(j["dtype"], "fp8");
  const std::string basis = j["dtype_basis"].get<std::string>();
  EXPECT_NE(basis.find("no known 16-bit peak"), std::string::npos) << basis;
  EXPECT_NE(basis.find("attention at the fp8 peak"), std::string::npos) << basis;
  // By hand: Qwen3-32B has 32.8B parameters (model card), 1 byte each in FP8: 30.55 GiB, split
  // over the layout's tensor-parallel chips (the embeddings are not split: within 1 GiB).
  const double tp = j["layout"]["tp"].get<double>();
  EXPECT_NEAR(j["weights_gib_per_chip"].get<double>() * tp, 32.8e9 / (1 << 30), 1.0) << tp;

  // Asked for a format the chip has no peak for: an error on dtype naming both sides.
  for (const char* dtype : {"bf16", "int8", "int4"}) {
    InferRequest asked = r;
    asked.dtype = dtype;
    auto refused = TheEngine().Infer(asked, Json());
    ASSERT_FALSE(refused) << dtype;
    EXPECT_EQ(refused.error().field, "dtype") << dtype;
    EXPECT_NE(refused.error().message.find(dtype), std::string::npos) << refused.error().message;
    EXPECT_NE(refused.error().message.find("fp8 or fp4"), std::string::npos)
        << refused.error().message;
  }

  // Training: FP8 by default (the catalog's only training format for it), BF16 refused by name.
  TrainRequest t;
  t.model = "llama-3.1-8b";
  t.chip = "ascend-950dt";
  t.count = 64;
  t.tokens = 1e12;
  auto trained = TheEngine().Train(t, Json());
  ASSERT_TRUE(trained) << trained.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(trained->body)["dtype"], "fp8");
  t.dtype = "bf16";
  auto bf16 = TheEngine().Train(t, Json());
  ASSERT_FALSE(bf16);
  EXPECT_EQ(bf16.error().field, "dtype");
  EXPECT_NE(bf16.error().message.find("it trains in fp8"), std::string::npos)
      << bf16.error().message;

  // The Hanguang 800 is rated in INT8 only (825 TOPS, Hot Chips 2020) and has no DRAM: the
  // refusal says so, not that a 16-bit peak is missing.
  InferRequest npu = r;
  npu.chip = {"hanguang-800"};
  auto sram = TheEngine().Infer(npu, Json());
  ASSERT_FALSE(sram);
  EXPECT_NE(sram.error().message.find("no off-chip memory"), std::string::npos)
      << sram.error().message;
}

TEST(Engine, TrainTakesDTypesAsFrameworksNameThem) {
  auto run = [](const std::string& dtype, const std::string& precision) {
    TrainRequest r = SmallTrain();
    r.chip = "b200";
    r.dtype = dtype;
    r.precision = precision;
    auto out = TheEngine().Train(r, Json());
    EXPECT_TRUE(out) << dtype << precision << ": " << out.error().ToString();
    return out ? out->body : std::string();
  };
  EXPECT_EQ(run("bfloat16", ""), run("bf16", ""));
  // The names infer takes, where they name a training format (one list, perf::ParseServingDType).
  EXPECT_EQ(run("half", ""), run("fp16", ""));
  EXPECT_EQ(run("float8", ""), run("fp8", ""));
  EXPECT_EQ(run("fp8_e4m3", ""), run("fp8", ""));
  EXPECT_EQ(run("e4m3", ""), run("fp8", ""));
  EXPECT_EQ(run("mxfp8", ""), run("", "mxfp8"));
  EXPECT_EQ(run("fp8-current", ""), run("", "fp8-current"));
  EXPECT_NE(run("mxfp8", ""), run("bf16", ""));
  // A weight-only serving format is no training dtype: refused, naming the field.
  TrainRequest awq = SmallTrain();
  awq.chip = "b200";
  awq.dtype = "awq";
  auto out = TheEngine().Train(awq, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "dtype");
}

// What is wrong with an inference request names its field, whichever layer finds it: the CLI
// shows the flag, the server the field (the model's own checks used to say "--input-tokens must
// be ..." with no field). 0 chips given is an error, not "no limit".
TEST(Engine, InferErrorsNameTheField) {
  auto field_of = [](auto spoil) {
    InferRequest r;
    r.model = "llama-3-8b";
    r.chip = {"h100"};
    r.mode = "analytic";
    spoil(r);
    auto out = TheEngine().Infer(r, Json());
    EXPECT_FALSE(out);
    return out ? std::string("(no error)") : out.error().field;
  };
  EXPECT_EQ(field_of([](InferRequest& r) { r.input_tokens = 0; }), "input_tokens");
  EXPECT_EQ(field_of([](InferRequest& r) { r.output_tokens = 2e7; }), "output_tokens");
  EXPECT_EQ(field_of([](InferRequest& r) { r.input_tokens = 9000; }), "input_tokens");  // 8K ctx
  EXPECT_EQ(field_of([](InferRequest& r) { r.tpot_ms = 0; }), "tpot_ms");
  EXPECT_EQ(field_of([](InferRequest& r) { r.prefix_cache_hit = 1; }), "prefix_cache_hit");
  EXPECT_EQ(field_of([](InferRequest& r) { r.mtp_acceptance = 1.5; }), "mtp_acceptance");
  EXPECT_EQ(field_of([](InferRequest& r) { r.count = 0; }), "count");
  EXPECT_EQ(field_of([](InferRequest& r) { r.count = -8; }), "count");
}

// TensorRT-LLM's MoE backend as its users set it (moe_config.backend; --moe-backend): NVIDIA's
// min-latency DeepSeek-R1 recipe (S3664) runs TRTLLM, whose small-batch chain is 40 us an MoE
// layer on Blackwell (S3710) against the CUTLASS default's 109 at a few rows an expert (S4532;
// 280 above, data/engines.yaml): one sequence with MTP 3 on 8 B200s, 4 tokens a step.
// The names are TensorRT-LLM's in any case (AUTO: the default); another name, or an engine
// without the choice, is an error naming the field.
TEST(Engine, TrtllmMoeBackendAsItsUsersSetIt) {
  InferRequest r;
  r.model = "nvidia/DeepSeek-R1-FP4";
  r.chip = {"b200"};
  r.count = 8;
  r.tp = 8;
  r.dtype = "fp4";
  r.engine = "trtllm";
  r.mode = "analytic";
  r.max_num_seqs = 1;
  r.mtp = 3;
  r.mtp_acceptance = 0.77;
  r.input_tokens = 1041;
  r.output_tokens = 2046;
  const auto overhead = [&]() {
    const auto j = InferJson(r);
    return j["step_breakdown_ms"]["overhead"].get<double>();
  };
  const double cutlass = overhead();
  r.moe_backend = "AUTO";
  EXPECT_DOUBLE_EQ(overhead(), cutlass);
  r.moe_backend = "CUTLASS";
  EXPECT_DOUBLE_EQ(overhead(), cutlass);
  r.moe_backend = "TRTLLM";
  // A decode step runs the 58 MoE layers and the MTP block's one in each of its 3 draft passes,
  // each at 4 tokens or fewer (0.125 rows an expert): CUTLASS's small-batch chain (109 us, S4532)
  // against TRTLLM's (40 us, S3710), 61 x 69 us less. The reported step averages the decode steps
  // with the one that carries the 1,041-token prompt (1,045 tokens, 32.7 rows an expert: the
  // NVFP4 op's 58.5 us either way, S4630), one in 2,046 / 2.82 + 1 = 726: between 725 / 726 of that
  // and all; each overhead is reported to four digits (CUTLASS's ~10.2 ms to 0.01 ms, TRTLLM's
  // ~6.0 ms to 0.001 ms), so the difference of two carries up to 0.0055 ms of rounding beyond that.
  const double trtllm = overhead();
  EXPECT_GE(cutlass - trtllm, (58 + 3) * 0.069 * 725 / 726 - 6e-3);
  EXPECT_LE(cutlass - trtllm, (58 + 3) * 0.069 + 6e-3);
  // The emitted command runs the backend it was priced with.
  r.emit = "trtllm";
  const auto launch = InferJson(r)["launch"];
  EXPECT_NE(launch["config"].get<std::string>().find("moe_config:\n  backend: TRTLLM"),
            std::string::npos)
      << launch.dump();
  r.emit.clear();
  r.moe_backend = "fastest";
  auto bad = TheEngine().Infer(r, Json());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "moe_backend");
  EXPECT_NE(bad.error().message.find("cutlass, trtllm"), std::string::npos) << bad.error().message;
  r.moe_backend = "trtllm";
  r.engine = "vllm";
  bad = TheEngine().Infer(r, Json());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "moe_backend");
  r.engine.clear();
  bad = TheEngine().Infer(r, Json());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "moe_backend");
  EXPECT_NE(bad.error().message.find("--engine trtllm"), std::string::npos) << bad.error().message;
}

// The TRTLLM MoE chain's 40 us a layer (S3710) was measured on DeepSeek's MoE, group-limited
// routing over 256 experts (S3711); a model routing by plain top-k runs it inside its layers'
// graph gaps. gpt-oss-120b (top 4 of 128) on TensorRT-LLM 1.2.0rc2, 8 B200s at TP 8, 4 clients,
// 1,024 in / 8,192 out: 2.17 ms a token published (InferenceMAX, S4420). By hand, a GPU reads
// 1.28 GB a decode step: BF16 attention 36 x 2,880 x 9,216 x 2 B = 1.91 GB, the BF16 output head
// 201,088 x 2,880 x 2 B = 1.16 GB, 128 x (1 - (127/128)^16) = 15.1 experts a layer of 24.9 M
// MXFP4 weights (13.2 MB) = 7.19 GB, over 8 GPUs; 0.18 ms at 7.3 TB/s (the TP 2 / TP 4 rows'
// slope), which leaves 2.0 ms, 55 us a layer, for every fixed cost with the all-reduces: the
// graph gaps alone (graph_layer_us 55), no chain on top. With the 40 us chain the model ran 3.9
// ms (+81 %).
TEST(Engine, TrtllmGenChainChargedForGroupRoutingOnly) {
  InferRequest r;
  r.model = "gpt-oss-120b";
  r.chip = {"b200"};
  r.count = 8;
  r.tp = 8;
  r.dtype = "fp4";
  r.attention_dtype = "bf16";
  r.kv_dtype = "fp8";
  r.engine = "trtllm";
  r.mode = "analytic";
  r.max_num_seqs = 4;
  r.input_tokens = 1024;
  r.output_tokens = 8192;
  r.moe_backend = "CUTLASS";
  const double cutlass = InferJson(r)["step_breakdown_ms"]["overhead"].get<double>();
  r.moe_backend = "TRTLLM";
  const auto j = InferJson(r);
  const double trtllm = j["step_breakdown_ms"]["overhead"].get<double>();
  // The CUTLASS small-batch chain (109 us a layer at 0.125 rows an expert, S4532) goes whole,
  // nothing put in its place, but on the step carrying a prompt (1,028 tokens, 32 rows an
  // expert: the NVFP4 op's 58.5 us either way), one in 2,048 (0.5 prompt tokens a step over a
  // 1,024-token prompt): 36 x 0.109 x 2,047 / 2,048 = 3.922 ms, the step's figures rounded to
  // four digits in the JSON.
  EXPECT_NEAR(cutlass - trtllm, 36 * 0.109 * 2047 / 2048, 0.01);
  // Against the published 2.17 ms a token: within 20 % (the model runs +14 %).
  EXPECT_NEAR(j["tpot_ms"].get<double>(), 2.17, 0.2 * 2.17);
}

// With no backend named, TensorRT-LLM's moe_config.backend AUTO (the default since pull request
// 11074) runs gpt-oss's experts through TRTLLM on Blackwell (resolve_moe_backend: GptOssForCausalLM
// on SM 100-119, S4530; the deployment guide: 'For Blackwell, the default MoE backend is TRTLLM',
// S4531), every other architecture through CUTLASS. So `--engine trtllm` with gpt-oss on B200
// prices what naming TRTLLM does, and DeepSeek-R1 what naming CUTLASS does; the 1.1 entry
// (CUTLASS for all) what naming CUTLASS does. By hand, gpt-oss-120b at TP 2 with 32 running
// requests: 32 x 4 / 128 = 1 row an expert, within the small-batch chains (16 rows): TRTLLM's
// costs nothing beyond the graph gaps for plain top-4 routing, CUTLASS's 109 us a layer (S4532),
// x 36 layers = 3.9 ms of the decode step (a step carrying a 1,024-token prompt routes 33 rows an
// expert and runs the NVFP4 op's 58.5 us either way: the averaged step differs a bit less).
TEST(Engine, TrtllmAutoMoeBackendByArchitecture) {
  InferRequest r;
  r.model = "openai/gpt-oss-120b";
  r.chip = {"b200"};
  r.count = 2;
  r.tp = 2;
  r.dtype = "fp4";
  r.engine = "trtllm";
  r.mode = "analytic";
  r.concurrency = 32;
  r.input_tokens = 1024;
  r.output_tokens = 1024;
  const auto overhead = [&]() {
    return InferJson(r)["step_breakdown_ms"]["overhead"].get<double>();
  };
  const double picked = overhead();
  r.moe_backend = "TRTLLM";
  EXPECT_DOUBLE_EQ(picked, overhead());
  r.moe_backend = "CUTLASS";
  const double cutlass = overhead();
  EXPECT_GT(cutlass - picked, 36 * 0.109 * 0.9);
  EXPECT_LE(cutlass - picked, 36 * 0.109 + 1e-3);
  // The launch line names no backend: the user named none, and AUTO picks it.
  r.moe_backend.clear();
  r.emit = "trtllm";
  const auto launch = InferJson(r)["launch"];
  EXPECT_EQ(launch["config"].get<std::string>().find("moe_config"), std::string::npos)
      << launch.dump();
  r.emit.clear();
  // TensorRT-LLM before AUTO: CUTLASS for gpt-oss too.
  r.engine = "trtllm-1.1";
  const double old_default = overhead();
  r.moe_backend = "CUTLASS";
  EXPECT_DOUBLE_EQ(old_default, overhead());
  // Another architecture runs CUTLASS under AUTO.
  r.engine = "trtllm";
  r.model = "deepseek-r1";
  r.count = 8;
  r.tp = 8;
  r.concurrency = 1;
  const double deepseek_cutlass = overhead();
  r.moe_backend.clear();
  EXPECT_DOUBLE_EQ(deepseek_cutlass, overhead());
}

// vLLM runs FP4 experts on Blackwell through FlashInfer's TRTLLM-gen MoE (its NVFP4 oracle tries
// FLASHINFER_TRTLLM first, S4970), TensorRT-LLM's TRTLLM backend: the same small-batch chain, 40
// us a MoE layer for DeepSeek's group routing (S3710, S3711), where its 8- and 16-bit experts run
// the Triton chain's 42 us (S2320). By hand, DeepSeek-R1 on 8 B200s at TP 8, one sequence: 8
// routed copies over 256 experts, 0.03 rows an expert, within the 16-row small-batch chain; its
// 58 MoE layers cost 58 x 40 = 2.32 ms with FP4 experts and 58 x 42 = 2.436 ms with FP8 ones, 0.116
// ms apart, and the FP4 op's 8.3 passes over one 7,168-wide 16-bit token a layer (58 x 8.3 x
// 14,336 B at ~6 TB/s, 1 us) beside it; the rest of the step's fixed costs (graph gaps) are the
// same. Before, FP4 experts paid no chain at all: 2.4 ms apart. The reported step averages in the
// one step in 8,192 that carries the 1,024-token prompt (32 rows an expert: the op's 58.5 us).
// gpt-oss-120b (plain top 4 of 128) at one row an expert pays none (S4420).
TEST(Engine, VllmFp4ExpertsRunTheTrtllmGenChain) {
  InferRequest r;
  r.model = "deepseek-r1";
  r.chip = {"b200"};
  r.count = 8;
  r.tp = 8;
  r.engine = "vllm";
  r.mode = "analytic";
  r.max_num_seqs = 1;
  r.input_tokens = 1024;
  r.output_tokens = 8192;
  const auto overhead = [&]() {
    return InferJson(r)["step_breakdown_ms"]["overhead"].get<double>();
  };
  r.dtype = "fp4";
  const double fp4 = overhead();
  r.dtype = "fp8";
  const double fp8 = overhead();
  EXPECT_NEAR(fp8 - fp4, 58 * (0.042 - 0.040), 0.01);
  // gpt-oss-120b at TP 2 with 32 requests: 1 row an expert, plain top-k routing, no chain; the
  // step's fixed cost is its 36 layers' graph gaps (55 us each, 1.98 ms) and the host's, as
  // before, whatever the prompt step adds (one in 1,025 at 33 rows an expert: 36 x 58.5 us).
  r.model = "openai/gpt-oss-120b";
  r.dtype = "fp4";
  r.count = 2;
  r.tp = 2;
  r.max_num_seqs.reset();
  r.concurrency = 32;
  r.input_tokens = 1024;
  r.output_tokens = 1024;
  const double gptoss = overhead();
  EXPECT_GE(gptoss, 36 * 0.055 - 1e-3);
  EXPECT_LE(gptoss, 36 * 0.055 + 36 * 0.0585 / 1025 * 33 + 0.3);
}

// TensorRT-LLM's capacity scheduler policies are GUARANTEED_NO_EVICT, MAX_UTILIZATION and
// STATIC_BATCH (S3141): SGLang's retract admission is none of them, so a simulated estimate that
// ran it (given, or --engine sglang's) has no trtllm-serve command; reserve and optimistic do.
TEST(Engine, TrtllmLaunchHasNoRetractAdmission) {
  InferRequest r;
  r.model = "llama-3-8b";
  r.chip = {"h100"};
  r.count = 1;
  r.requests = 50;
  r.emit = "trtllm";
  r.kv_admission = "retract";
  auto given = TheEngine().Infer(r, Json());
  ASSERT_FALSE(given);
  EXPECT_EQ(given.error().field, "kv_admission");
  EXPECT_NE(given.error().message.find("MAX_UTILIZATION"), std::string::npos)
      << given.error().message;
  r.kv_admission.clear();
  r.engine = "sglang";
  auto engine = TheEngine().Infer(r, Json());
  ASSERT_FALSE(engine);
  EXPECT_EQ(engine.error().field, "emit");
  EXPECT_NE(engine.error().message.find("--engine sglang"), std::string::npos)
      << engine.error().message;
  r.kv_admission = "optimistic";
  const auto j = InferJson(r);
  EXPECT_NE(j["launch"]["config"].get<std::string>().find("MAX_UTILIZATION"), std::string::npos)
      << j["launch"].dump();
}

// vLLM's and Megatron-LM's names for a field set that field.
TEST(Fields, FrameworkNamesAreAliases) {
  InferRequest i;
  ASSERT_TRUE(SetField(InferFields(), i, "tensor_parallel_size", FieldValue{8.0}));
  ASSERT_TRUE(SetField(InferFields(), i, "gpu_memory_utilization", FieldValue{0.9}));
  ASSERT_TRUE(SetField(InferFields(), i, "max_num_batched_tokens", FieldValue{std::string("8k")}));
  EXPECT_EQ(i.tp, 8);
  EXPECT_EQ(i.kv_memory_fraction, 0.9);
  EXPECT_EQ(i.max_batched_tokens, 8000);
  TrainRequest t;
  ASSERT_TRUE(SetField(TrainFields(), t, "pipeline_model_parallel_size", FieldValue{4.0}));
  ASSERT_TRUE(SetField(TrainFields(), t, "micro_batch_size", FieldValue{2.0}));
  EXPECT_EQ(t.pp, 4);
  EXPECT_EQ(t.micro_batch, 2);
  // SGLang's and TensorRT-LLM's names where they mean the same field.
  ASSERT_TRUE(SetField(InferFields(), i, "ep_size", FieldValue{8.0}));
  ASSERT_TRUE(SetField(InferFields(), i, "mem_fraction_static", FieldValue{0.85}));
  ASSERT_TRUE(SetField(InferFields(), i, "max_batch_size", FieldValue{256.0}));
  ASSERT_TRUE(SetField(InferFields(), i, "max_num_tokens", FieldValue{8192.0}));
  EXPECT_EQ(i.ep, 8);
  EXPECT_EQ(i.kv_memory_fraction, 0.85);
  EXPECT_EQ(i.max_num_seqs, 256);
  EXPECT_EQ(i.max_batched_tokens, 8192);
  // Megatron-LM's and DeepSpeed's training names.
  ASSERT_TRUE(SetField(TrainFields(), t, "virtual_pipeline_model_parallel_size", FieldValue{2.0}));
  ASSERT_TRUE(SetField(TrainFields(), t, "global_batch_size", FieldValue{1536.0}));
  ASSERT_TRUE(SetField(TrainFields(), t, "zero_stage", FieldValue{3.0}));
  ASSERT_TRUE(SetField(TrainFields(), t, "train_micro_batch_size_per_gpu", FieldValue{1.0}));
  EXPECT_EQ(t.interleave, 2);
  EXPECT_EQ(t.global_batch_size, 1536);
  EXPECT_EQ(t.zero, 3);
  EXPECT_EQ(t.micro_batch, 1);
  ASSERT_TRUE(SetField(TrainFields(), t, "train_batch_size", FieldValue{512.0}));
  EXPECT_EQ(t.global_batch_size, 512);
  // Still strict: the alias's value is converted as the field's, and an error names the field.
  auto e = SetField(InferFields(), i, "tensor_parallel_size", FieldValue{2.5});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().field, "tp");
}

TEST(Fields, ConversionIsStrictAndNamesTheField) {
  TrainRequest r;
  const auto& fields = TrainFields();
  // Wrong JSON types.
  auto e = SetField(fields, r, "count", FieldValue{true});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().field, "count");
  EXPECT_FALSE(SetField(fields, r, "count", FieldValue{8.5}));
  EXPECT_FALSE(SetField(fields, r, "count", FieldValue{std::string("8abc")}));
  EXPECT_FALSE(SetField(fields, r, "model", FieldValue{3.0}));
  EXPECT_FALSE(SetField(fields, r, "no_sequence_parallel", FieldValue{std::string("yes")}));
  EXPECT_FALSE(SetField(fields, r, "tp", FieldValue{1e12}));  // beyond int
  // An unknown field suggests the nearest.
  auto u = SetField(fields, r, "global_batch_token", FieldValue{1.0});
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().message.find("global_batch_tokens"), std::string::npos);
  // Seeds are never wrapped: -1 is an error, not 2^64 - 1.
  ForecastRequest f;
  EXPECT_FALSE(SetField(ForecastFields(), f, "seed", FieldValue{std::string("-1")}));
  EXPECT_FALSE(SetField(ForecastFields(), f, "seed", FieldValue{-1.0}));
  ASSERT_TRUE(SetField(ForecastFields(), f, "seed", FieldValue{7.0}));
  EXPECT_EQ(f.seed, 7u);
  // Lists from text or JSON arrays.
  InferRequest i;
  ASSERT_TRUE(SetField(InferFields(), i, "chip", FieldValue{std::string("h20,h800")}));
  EXPECT_EQ(i.chip, (std::vector<std::string>{"h20", "h800"}));
  ASSERT_TRUE(
      SetField(InferFields(), i, "chip", FieldValue{std::vector<std::string>{"ascend-910c"}}));
  EXPECT_EQ(i.chip, (std::vector<std::string>{"ascend-910c"}));
  // Items lose the white space around them, as typed after a comma ("fifo, las": ' las' was an
  // unknown policy, audit round 15), from text or from a JSON array; blank items are dropped.
  ReplayRequest p;
  ASSERT_TRUE(SetField(ReplayFields(), p, "policy", FieldValue{std::string("fifo, las ,")}));
  EXPECT_EQ(p.policy, (std::vector<std::string>{"fifo", "las"}));
  ASSERT_TRUE(SetField(InferFields(), i, "chip",
                       FieldValue{std::vector<std::string>{" h20", "h800 ", " "}}));
  EXPECT_EQ(i.chip, (std::vector<std::string>{"h20", "h800"}));
}

TEST(Fields, EveryFieldNameIsSnakeCaseAndUnique) {
  auto check = [](const auto& fields) {
    std::set<std::string> seen;
    for (const auto& f : fields) {
      EXPECT_TRUE(seen.insert(f.name).second) << f.name;
      for (char c : f.name) EXPECT_TRUE(std::islower(c) || std::isdigit(c) || c == '_') << f.name;
      EXPECT_FALSE(f.help.empty()) << f.name;
    }
  };
  check(CatalogFields());
  check(TrainFields());
  check(InferFields());
  check(ForecastFields());
  check(LocalizeFields());
  check(ReplayFields());
  check(SynthFields());
}

TEST(Engine, FileRootKeepsRequestsInsideIt) {
  EngineOptions o;
  o.file_root = "/nonexistent-root";
  auto engine = Engine::Open(o);
  ASSERT_TRUE(engine);
  for (const char* path : {"/etc/passwd", "../secret.csv", "traces/../../x.csv"}) {
    ReplayRequest r;
    r.trace = path;
    r.cluster = "v100:8";
    auto out = engine->Replay(r, Json());
    ASSERT_FALSE(out) << path;
    EXPECT_EQ(out.error().field, "trace") << path;
  }
  ForecastRequest f;
  f.scenario = "/etc/passwd.yaml";
  auto out = engine->Forecast(f, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "scenario");
}

TEST(Engine, FilesOverTheServersCapAreRefusedBeforeReading) {
  const std::string dir =
      ::testing::TempDir() + "/suanli_cap_" + std::to_string(static_cast<long>(::getpid()));
  std::filesystem::create_directories(dir);
  std::string trace = "id,arrival_s,num_gpus,duration_s\n";
  for (int i = 1; i <= 200; ++i) trace += std::to_string(i) + ",0,1,10\n";
  ASSERT_TRUE(WriteFileAtomically(dir + "/t.csv", trace));
  EngineOptions o;
  o.file_root = dir;
  o.max_file_bytes = 1024;  // the trace is ~2.4 KB
  auto engine = Engine::Open(o);
  ReplayRequest r;
  r.trace = "t.csv";
  r.cluster = "v100:8";
  auto out = engine->Replay(r, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "trace");
  EXPECT_NE(out.error().message.find("at most"), std::string::npos) << out.error().message;
  o.max_file_bytes = 1 << 20;
  ASSERT_TRUE(Engine::Open(o)->Replay(r, Json()));
}

// --cluster as users type it: Gavel's trace names its types v100, p100 and k80; "V100:8, P100:8,
// K80:8" (capitals, a space after each comma) is that cluster, not one no job fits.
TEST(Engine, ClusterTypesTakeTheTracesSpelling) {
  const std::string trace =
      testing::SharedDataDir() + "/traces/gavel-fixtures/gavel_100jobs_lam600_seed0_single.trace";
  SUANLI_REQUIRE_SHARED_DATA(trace);
  EngineOptions o;
  o.data_dir = testing::SharedDataDir();
  auto engine = Engine::Open(o);
  ASSERT_TRUE(engine);
  ReplayRequest r;
  r.trace = trace;
  r.policy = {"fifo"};
  r.cluster = "v100:8,p100:8,k80:8";
  auto as_spelt = engine->Replay(r, Json());
  ASSERT_TRUE(as_spelt) << as_spelt.error().ToString();
  r.cluster = "V100:8, P100:8, K80:8";
  auto typed = engine->Replay(r, Json());
  ASSERT_TRUE(typed) << typed.error().ToString();
  EXPECT_EQ(typed->body, as_spelt->body);
}

// The same for a generic CSV trace, which is streamed (its jobs are not held): a hand-written
// file that says H800 (docs/trace-formats.md's own example writes V100|P100, T4) under
// --cluster h800:64 runs its jobs. By hand: job 1 (8 GPUs, 1 h) and job 2 (16 GPUs, 2 h, any type)
// both start at once on 64 GPUs, so neither waits and the mean JCT is 1.5 h; before, job 1 "runs
// only on H800; the cluster has none" and stayed pending.
TEST(Engine, StreamedCsvTypesTakeTheClustersSpelling) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("suanli-engine-spelling-" + std::to_string(static_cast<long>(::getpid())));
  std::filesystem::create_directories(dir);
  const auto trace = dir / "jobs.csv";
  {
    std::ofstream out(trace);
    out << "id,arrival_s,num_gpus,duration_s,gpu_types\n1,0,8,3600,H800\n2,0,16,7200,\n";
  }
  ReplayRequest r;
  r.trace = trace.string();
  r.policy = {"fifo"};
  r.cluster = "h800:64";
  auto lower = TheEngine().Replay(r, Json());
  ASSERT_TRUE(lower) << lower.error().ToString();
  const auto run = nlohmann::json::parse(lower->body);
  EXPECT_EQ(run["completed"].get<long>(), 2) << lower->body;
  EXPECT_FALSE(run.contains("never_fit")) << lower->body;
  EXPECT_NEAR(run["avg_jct_s"].get<double>(), 5400, 1e-6) << lower->body;
  r.cluster = "H800:64";
  auto upper = TheEngine().Replay(r, Json());
  ASSERT_TRUE(upper) << upper.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(upper->body)["avg_jct_s"], run["avg_jct_s"]);
  std::filesystem::remove_all(dir);
}

// One reading of a --cluster spec for replay and simulate (internal::ClusterNodes): nodes x GPUs
// is those nodes, as every chip count reads 2x8 (2 nodes of 8), the same as type:16:8; a count
// alone is one pool; a node size that contradicts the product is an error naming both forms.
TEST(Engine, ClusterSpecIsOneReading) {
  auto two_by_eight = internal::ClusterNodes("h800:2x8");
  auto sixteen_by_eight = internal::ClusterNodes("h800:16:8");
  ASSERT_TRUE(two_by_eight && sixteen_by_eight);
  ASSERT_EQ(two_by_eight->size(), 2u);  // two nodes of 8
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*two_by_eight)[i].gpus, 8);
    EXPECT_EQ((*two_by_eight)[i].gpus, (*sixteen_by_eight)[i].gpus);
    EXPECT_EQ((*two_by_eight)[i].type, "h800");
  }
  auto pool = internal::ClusterNodes("h800:16");
  ASSERT_TRUE(pool);
  ASSERT_EQ(pool->size(), 1u);
  EXPECT_EQ(pool->front().gpus, 16);
  auto k = internal::ClusterNodes("h800:2k:8, a100:4*8:8");  // 2,048 in 256 nodes; 4 nodes of 8
  ASSERT_TRUE(k) << k.error().ToString();
  EXPECT_EQ(k->size(), 256u + 4u);
  auto contradicts = internal::ClusterNodes("h800:2x8:4");
  ASSERT_FALSE(contradicts);
  EXPECT_EQ(contradicts.error().field, "cluster");
  EXPECT_TRUE(testing::Contains(contradicts.error().message,
                                "2x8 is 2 nodes of 8 GPUs, the node size says 4; give the GPUs and "
                                "their node size (h800:16:4) or the nodes (h800:2x8)"))
      << contradicts.error().message;
  auto bad = internal::ClusterNodes("h800:many");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "cluster");
  // Replayed, a 16-GPU job (a gang, on one node) fits h800:16 but neither two nodes of 8, however
  // written; a job of 8 runs on both.
  const auto dir = std::filesystem::temp_directory_path() /
                   ("suanli-engine-nodes-" + std::to_string(static_cast<long>(::getpid())));
  std::filesystem::create_directories(dir);
  const auto trace = dir / "jobs.csv";
  {
    std::ofstream out(trace);
    out << "id,arrival_s,num_gpus,duration_s\n1,0,8,3600\n2,0,16,7200\n";
  }
  ReplayRequest r;
  r.trace = trace.string();
  r.policy = {"fifo"};
  r.cluster = "h800:16";
  auto one_pool = TheEngine().Replay(r, Json());
  ASSERT_TRUE(one_pool) << one_pool.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(one_pool->body)["completed"].get<long>(), 2) << one_pool->body;
  r.cluster = "h800:2x8";
  auto nodes = TheEngine().Replay(r, Json());
  ASSERT_TRUE(nodes) << nodes.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(nodes->body)["completed"].get<long>(), 1) << nodes->body;
  r.cluster = "h800:16:8";
  auto written = TheEngine().Replay(r, Json());
  ASSERT_TRUE(written) << written.error().ToString();
  EXPECT_EQ(written->body, nodes->body);
  r.cluster = "h800:2x8:4";
  auto refused = TheEngine().Replay(r, Json());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "cluster");
  std::filesystem::remove_all(dir);
}

// One type listed twice as pools (no node size) was two pools of it under one "48 x h800" line:
// replayed, a 40-GPU job never fit h800:16,h800:32 though 48 GPUs showed. Refused, naming both
// entries, the one pool (16 + 32 = 48) and the two nodes spelt out; as nodes with their sizes the
// entries add up (one node of 16 and one of 32: 2 nodes, 48 GPUs), and so do nodes x GPUs.
TEST(Engine, ClusterTypeTwiceAsPoolsIsRefused) {
  for (const char* spec : {"h800:16,h800:32", "h800:16, H800:32", "h800:16,a100:8,h800:32"}) {
    SCOPED_TRACE(spec);
    auto twice = internal::ClusterNodes(spec);
    ASSERT_FALSE(twice);
    EXPECT_EQ(twice.error().field, "cluster");
    EXPECT_TRUE(testing::Contains(twice.error().message, "'h800:16' and '"))
        << twice.error().message;
    EXPECT_TRUE(testing::Contains(twice.error().message, ":48, one pool) or as nodes"))
        << twice.error().message;
    // Named as the later entry spells it (H800 in the second spec).
    EXPECT_TRUE(testing::Contains(twice.error().message, ":16:16,")) << twice.error().message;
  }
  // A pool and nodes of one type: refused too, without the spelt-out forms (2x8 is nodes).
  auto mixed = internal::ClusterNodes("h800:2x8,h800:32");
  ASSERT_FALSE(mixed);
  EXPECT_TRUE(testing::Contains(mixed.error().message, "'h800:2x8' and 'h800:32' both give h800"))
      << mixed.error().message;
  auto nodes = internal::ClusterNodes("h800:16:16,h800:32:32");
  ASSERT_TRUE(nodes) << nodes.error().ToString();
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[0].gpus + (*nodes)[1].gpus, 48);
  auto by_x = internal::ClusterNodes("h800:2x8,h800:16:8");  // 2 + 2 nodes of 8
  ASSERT_TRUE(by_x) << by_x.error().ToString();
  EXPECT_EQ(by_x->size(), 4u);
  // simulate reads the same spec: the same refusal.
  SimulateRequest s;
  s.durations = {"h800:10"};
  s.gpus = 8;
  s.cluster = "h800:16,h800:32";
  auto sim = TheEngine().Simulate(s, Json());
  ASSERT_FALSE(sim);
  EXPECT_EQ(sim.error().field, "cluster");
}

// simulate's durations: a type given twice ran the last (h800:10,h800:20 finished at 20 h) and
// one typed in another case than the cluster was "no type 'H800'" on h800:16. Now the first is
// refused naming the entry, the second is the cluster's h800 (8 GPUs on an empty 16: starts at
// 0, finishes at the given 10 h).
TEST(Engine, SimulateDurationsNameEachTypeOnceInAnyCase) {
  SimulateRequest s;
  s.gpus = 8;
  s.cluster = "h800:16";
  s.durations = {"h800:10", "h800:20"};
  auto twice = TheEngine().Simulate(s, Json());
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().field, "durations");
  EXPECT_EQ(twice.error().message, "'h800:20': h800 has a duration already; give each type once");
  s.durations = {"H800:10"};
  auto upper = TheEngine().Simulate(s, Json());
  ASSERT_TRUE(upper) << upper.error().ToString();
  const auto j = nlohmann::json::parse(upper->body);
  EXPECT_EQ(j["placement"]["type"], "h800") << upper->body;
  EXPECT_DOUBLE_EQ(j["placement"]["finish_h"].get<double>(), 10.0) << upper->body;
  s.durations = {"h800:10", "H800:20"};
  EXPECT_FALSE(TheEngine().Simulate(s, Json()));
}

// Absurd hours and prices: h800:1e9 "finished in 1000000000.0 h", 1e300 printed 300 digits in
// the table, a $1e300 chip-hour likewise. A million hours (114 years) and infer's $1e6 a chip-hour
// are the bounds; 1e6 itself still runs (8 GPUs on an empty 16 finish at the given 1e6 h).
TEST(Engine, SimulateRefusesAbsurdHoursAndPrices) {
  SimulateRequest s;
  s.gpus = 8;
  s.cluster = "h800:16";
  for (const char* d : {"h800:1e9", "h800:1e300", "h800:1000001"}) {
    s.durations = {d};
    auto out = TheEngine().Simulate(s, Json());
    ASSERT_FALSE(out) << d;
    EXPECT_EQ(out.error().field, "durations") << d;
    EXPECT_NE(out.error().message.find("at most 1,000,000 hours"), std::string::npos)
        << out.error().message;
  }
  s.durations = {"h800:1e6"};
  auto edge = TheEngine().Simulate(s, Json());
  ASSERT_TRUE(edge) << edge.error().ToString();
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(edge->body)["placement"]["finish_h"].get<double>(), 1e6);
  s.durations = {"h800:10"};
  s.deadline_h = 1e300;
  auto late = TheEngine().Simulate(s, Json());
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().field, "deadline_h");
  s.deadline_h.reset();
  s.chip_hour_usd = 1e300;
  auto dear = TheEngine().Simulate(s, Json());
  ASSERT_FALSE(dear);
  EXPECT_EQ(dear.error().field, "chip_hour_usd");
}

TEST(Engine, InlineScenarioWinsOverName) {
  ForecastRequest f;
  f.scenario_yaml = "not: [valid";
  f.samples = 10;
  auto out = TheEngine().Forecast(f, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().file, "scenario_yaml");
}

// Same inputs, same bytes: a replay's JSON and table carry no wall-clock reading unless the
// request asks for timing (sim_wall_s made two identical runs differ).
TEST(Engine, ReplayTwiceGivesTheSameBytes) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("suanli-engine-replay-" + std::to_string(static_cast<long>(::getpid())));
  std::filesystem::create_directories(dir);
  const auto trace = dir / "jobs.csv";
  {
    std::ofstream out(trace);
    out << "id,arrival_s,num_gpus,duration_s\n";
    for (int i = 0; i < 200; ++i)
      out << i << "," << i * 7 << "," << 1 + i % 3 << "," << 50 + i << "\n";
  }
  ReplayRequest r;
  r.trace = trace.string();
  r.cluster = "v100:4,k80:4";
  r.policy = {"fifo", "sjf", "srtf", "las"};
  for (const RunContext& c : {Json(), RunContext{Format::kText, nullptr}}) {
    auto first = TheEngine().Replay(r, c);
    auto second = TheEngine().Replay(r, c);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->body, second->body);
    EXPECT_EQ(first->body.find("wall"), std::string::npos) << first->body;
  }
  r.timing = true;
  auto timed = TheEngine().Replay(r, Json());
  ASSERT_TRUE(timed);
  const auto j = nlohmann::json::parse(timed->body);
  for (const auto& p : j["policies"]) EXPECT_GE(p["sim_wall_s"].get<double>(), 0) << p;
  auto table = TheEngine().Replay(r, {Format::kText, nullptr});
  ASSERT_TRUE(table);
  EXPECT_NE(table->body.find("wall s"), std::string::npos) << table->body;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace suanli::app

namespace suanli::app {
namespace {

// A what-if side by side: the licence event made certain can only bring the run forward
// (common random numbers: the same samples, the event fired in each), and the difference is
// the alternative's P50 minus the base's, in weeks.
TEST(ForecastWhatIf, SetMakesTheEventCertainAndShowsTheDifference) {
  ForecastRequest f;
  f.samples = 60;
  f.no_sensitivity = true;
  f.no_purchase_advice = true;
  f.set = {"events.h200-licensed-with-caps.probability=1"};
  auto out = TheEngine().Forecast(f, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  const auto j = nlohmann::json::parse(out->body);
  ASSERT_EQ(j["difference"]["runs"].size(), 1u);
  const auto& d = j["difference"]["runs"][0];
  const auto base = j["base"]["runs"][0]["finish_p50"].get<std::string>();
  const auto alt = j["alternative"]["runs"][0]["finish_p50"].get<std::string>();
  EXPECT_LE(alt, base);  // ISO dates order as strings
  const double days = static_cast<double>(Date::Parse(alt)->days - Date::Parse(base)->days);
  EXPECT_NEAR(d["delta_weeks_p50"].get<double>(), days / 7, 1e-3);
  EXPECT_GE(d["p_meet_target_alternative"].get<double>(), d["p_meet_target_base"].get<double>());
  EXPECT_EQ(j["settings"][0], "events.h200-licensed-with-caps.probability=1");
  // A list item by chip, and a number as YAML.
  f.set = {"fleet.h800.count=6000"};
  auto more = TheEngine().Forecast(f, Json());
  ASSERT_TRUE(more) << more.error().ToString();
  const auto m = nlohmann::json::parse(more->body);
  const auto& chips = m["alternative"]["chips"];
  const auto h800 = std::find(chips.begin(), chips.end(), "h800") - chips.begin();
  ASSERT_LT(h800, static_cast<std::ptrdiff_t>(chips.size()));
  EXPECT_EQ(m["alternative"]["fleet_mean"][0][h800], 6000);
}

TEST(ForecastWhatIf, BadSettingsNameThePath) {
  ForecastRequest f;
  f.samples = 5;
  struct Case {
    std::string setting, says;
  };
  const std::vector<Case> cases = {
      {"events.no-such-event.probability=1", "has no item 'no-such-event' (it has "},
      {"events.b30a-licensed=1", "name a field of the item"},
      {"scenario.nope.x=1", "scenario has no 'nope'"},
      {"probability", "expected PATH=VALUE"},
      {"events.b30a-licensed.probability=2", "probability"},  // the loader's range check
      {"events.b30a-licensed.probabilty=1", "probabilty"},    // an unknown key, as in a file
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.setting);
    f.set = {c.setting};
    auto out = TheEngine().Forecast(f, Json());
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().field, "set");
    EXPECT_NE(out.error().ToString().find(c.says), std::string::npos) << out.error().ToString();
  }
  // A second scenario that does not exist is named as such.
  f.set.clear();
  f.compare = "no-such-scenario";
  auto out = TheEngine().Forecast(f, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "compare");
}

// A setting's bad value is named by the setting, not at a line of the edited text the user never
// saw ("builtin:china-2026.yaml with --set:17: set: ..."); an index may be written as the errors
// write it (fleet[0]); a path set twice is refused (the second silently won). Audit round 20.
TEST(ForecastWhatIf, SettingsAreNamedAsGivenAndOnce) {
  ForecastRequest f;
  f.samples = 5;
  f.no_sensitivity = true;
  f.no_purchase_advice = true;
  f.set = {"fleet.0.count=-5"};
  auto out = TheEngine().Forecast(f, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "set");
  EXPECT_EQ(out.error().line, 0);
  EXPECT_TRUE(out.error().file.empty()) << out.error().ToString();
  EXPECT_EQ(
      out.error().message.rfind("'fleet.0.count=-5': fleet[0].count: value -5 out of range", 0), 0U)
      << out.error().ToString();
  // The second of two settings is the one named.
  f.set = {"fleet.0.count=100", "fleet.0.chip=nope"};
  out = TheEngine().Forecast(f, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message.rfind("'fleet.0.chip=nope': fleet[0].chip: unknown chip 'nope'", 0),
            0U)
      << out.error().ToString();
  // fleet[0].count is fleet.0.count: the same 6,000 chips in the first fleet entry's column.
  f.set = {"fleet[0].count=6000"};
  auto bracket = TheEngine().Forecast(f, Json());
  ASSERT_TRUE(bracket) << bracket.error().ToString();
  f.set = {"fleet.0.count=6000"};
  auto dotted = TheEngine().Forecast(f, Json());
  ASSERT_TRUE(dotted) << dotted.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(bracket->body)["alternative"]["fleet_mean"],
            nlohmann::json::parse(dotted->body)["alternative"]["fleet_mean"]);
  // Twice, in either spelling.
  f.set = {"fleet.0.count=100", "fleet[0].count=200"};
  out = TheEngine().Forecast(f, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "set");
  EXPECT_NE(out.error().message.find("set 'fleet.0.count' twice; give it once"), std::string::npos)
      << out.error().ToString();
}

}  // namespace
}  // namespace suanli::app

namespace suanli::app {
namespace {

// A layout the user gives (tp, pp) takes the model's error on runs set up as published; the
// same run with its layout searched takes the error of searched layouts (wider here: the search
// lands where the model is optimistic).
TEST(Engine, AGivenLayoutTakesTheErrorOfRunsSetUpAsPublished) {
  const auto cat = *catalog::Catalog::Builtin();
  TrainRequest r = SmallTrain();
  r.tp = 2;
  r.pp = 1;
  auto out = TheEngine().Train(r, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  const auto band = nlohmann::json::parse(out->body)["step_time_s_band"];
  const catalog::ModelError given = cat.ModelErrorFor("hopper", true, false, false);
  EXPECT_EQ(band["sigma"].get<double>(), std::round(given.sigma * 1e4) / 1e4);
  EXPECT_NE(band["basis"].get<std::string>().find("layout given"), std::string::npos);
  auto searched = TheEngine().Train(SmallTrain(), Json());
  ASSERT_TRUE(searched);
  EXPECT_NE(
      nlohmann::json::parse(searched->body)["step_time_s_band"]["basis"].get<std::string>().find(
          "layout searched"),
      std::string::npos);
}

// Every training estimate carries the band of the model's measured error (issue 12): with
// measured / predicted rate lognormal(bias, sigma) for the chip's family and the model's kind
// (Catalog::ModelErrorFor), a time's P10 and P90 are the prediction x exp(-bias -/+ 1.2816 sigma).
TEST(Engine, TrainingEstimatesCarryTheModelsErrorBand) {
  const auto cat = *catalog::Catalog::Builtin();
  for (const char* chip : {"h800", "ascend-910b"}) {
    SCOPED_TRACE(chip);
    TrainRequest r = SmallTrain();
    r.chip = chip;
    auto out = TheEngine().Train(r, Json());
    ASSERT_TRUE(out) << out.error().ToString();
    const auto j = nlohmann::json::parse(out->body);
    const bool moe = (*cat.FindModel(r.model))->is_moe();
    const catalog::ModelError e = cat.ModelErrorFor((*cat.FindChip(chip))->family, true, moe);
    ASSERT_GT(e.sigma, 0);
    for (const char* key : {"step_time_s", "train_days"}) {
      const double x = j[key].get<double>();
      const auto& band = j[std::string(key) + "_band"];
      EXPECT_NEAR(band["p10"].get<double>(), x * std::exp(-e.bias - 1.2815516 * e.sigma), 1e-3 * x)
          << key;
      EXPECT_NEAR(band["p90"].get<double>(), x * std::exp(-e.bias + 1.2815516 * e.sigma), 1e-3 * x)
          << key;
      EXPECT_EQ(band["sigma"].get<double>(), std::round(e.sigma * 1e4) / 1e4);
      EXPECT_FALSE(band["source"].get<std::string>().empty());
      EXPECT_FALSE(band["basis"].get<std::string>().empty());
    }
  }
}

}  // namespace
}  // namespace suanli::app

namespace suanli::app {
namespace {

InferRequest EightB() {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"h100"};
  r.count = 8;
  r.tp = 1;
  r.mode = "offline";
  return r;
}

// The batch never exceeds what the engine allows (issue 13): max_num_seqs per instance, and
// max_batched_tokens per step, each step carrying one token of every sequence plus its share of
// prompt chunks (input / output prompt tokens per output token).
TEST(EngineLimits, TheBatchStaysWithinTheEnginesLimits) {
  InferRequest unlimited = EightB();
  unlimited.engine = "cuda-graphs";  // the graph step with no engine's limits
  const auto free = InferJson(unlimited);
  const int memory = free["memory_max_batch"].get<int>();
  ASSERT_GT(memory, 64) << "the 8B model on an H100 holds many sequences";
  EXPECT_EQ(free["max_batch"], memory);
  InferRequest r = unlimited;
  r.max_num_seqs = 64;
  auto capped = InferJson(r);
  EXPECT_EQ(capped["max_batch"], 64);
  EXPECT_EQ(capped["engine_max_batch"], 64);
  EXPECT_EQ(capped["bound"], "engine-limit");
  // A larger limit never lowers offline throughput while memory allows.
  double last = 0;
  for (int seqs : {16, 64, 128, memory}) {
    r.max_num_seqs = seqs;
    const double tps = InferJson(r)["output_tokens_per_s_per_chip"].get<double>();
    EXPECT_GE(tps, last) << seqs;
    last = tps;
  }
  // 1,024 in / 256 out: 4 prompt tokens per output token, so 1,000 tokens a step run
  // 1000 / (1 + 4) = 200 sequences.
  r = unlimited;
  r.max_batched_tokens = 1000;
  EXPECT_EQ(InferJson(r)["max_batch"], 200);
}

// vLLM's batch defaults by device (EngineArgs batch defaults, S3522; vLLM's own
// test_defaults_with_usage_context asserts the same): 1,024 sequences and 8,192 batched tokens for
// the OpenAI server on a device of 70 GiB or more whose name holds no "a100", 256 and 2,048 below
// 70 GiB or on an A100 of any size. Llama 3.1 8B BF16 on one 40 GiB A100 at 100 in / 100 out:
// memory holds ~1,000 sequences ((0.9 x 40 - 15 GiB of weights - the start-up profile) over 150
// tokens x 128 KiB = 18.75 MiB), 2,048 tokens a step 2048 / (1 + 100 / 100) = 1,024, so the 256
// sequences bind. At 1,000 in / 100 out the token budget binds first: 2048 / (1 + 10) = 186.
TEST(EngineLimits, VllmTakesItsSmallDeviceDefaultsOnAnA100) {
  InferRequest r = EightB();
  r.chip = {"a100-40gb"};
  r.engine = "vllm";
  r.input_tokens = 100;
  r.output_tokens = 100;
  const auto j = InferJson(r);
  EXPECT_GT(j["memory_max_batch"].get<int>(), 900) << j.dump();
  EXPECT_EQ(j["engine_max_batch"], 256);
  EXPECT_EQ(j["max_batch"], 256);
  EXPECT_EQ(j["bound"], "engine-limit");
  // The answer says which defaults it took and why, in text and JSON.
  const std::string note =
      "vllm on a100-40gb starts with its small-device defaults, 256 sequences and 2048 batched "
      "tokens (its rule: below 70 GiB or a100 parts; on other devices 1024 and 8192)";
  ASSERT_TRUE(j.contains("assumptions")) << j.dump();
  EXPECT_NE(j["assumptions"].dump().find(note), std::string::npos) << j["assumptions"];
  auto text = TheEngine().Infer(r, {Format::kText, nullptr});
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_NE(text->body.find("note: " + note), std::string::npos) << text->body;
  InferRequest prompt = r;
  prompt.input_tokens = 1000;
  EXPECT_EQ(InferJson(prompt)["engine_max_batch"], 186);
  // The 80 GiB A100 too (vLLM matches the name); not the A800 (80 GB, no "a100" in its name),
  // an H100, nor a 48 GB L40S below 70 GiB (256 again).
  for (const auto& [chip, seqs] : std::vector<std::pair<std::string, int>>{
           {"a100", 256}, {"a800", 1024}, {"h100", 1024}, {"l40s", 256}}) {
    InferRequest other = r;
    other.chip = {chip};
    EXPECT_EQ(InferJson(other)["engine_max_batch"], seqs) << chip;
  }
  // Given, the flags stand, and the note names only what was not given.
  r.max_num_seqs = 512;
  const auto given = InferJson(r);
  EXPECT_EQ(given["engine_max_batch"], 512);
  EXPECT_NE(given["assumptions"].dump().find("small-device defaults, 2048 batched tokens ("),
            std::string::npos)
      << given["assumptions"];
  r.max_batched_tokens = 8192;
  EXPECT_FALSE(InferJson(r).contains("assumptions"));
  // Other engines keep their own limits on an A100 (SGLang's come from its memory).
  InferRequest sglang = EightB();
  sglang.chip = {"a100-40gb"};
  sglang.engine = "sglang";
  EXPECT_FALSE(InferJson(sglang).contains("assumptions"));
}

// vLLM's MoE layer on Blackwell as a chain of kernels for 8- and 16-bit experts too: its FP8 MoE
// backend runs DeepGEMM with the Triton fused_experts fallback at decode sizes
// (get_fp8_moe_backend / TritonOrDeepGemmExperts, S3642), unquantized experts the Triton chain,
// whose fixed part on B200 is 42 us a MoE layer (SGLang's port timed in a CUDA graph, S2320);
// FP4 experts run FlashInfer's TensorRT-LLM MoE (below). Qwen3-30B-A3B (48
// layers, every one MoE) on one B200 at batch 1: the step's fixed part is the graph's 48 x 55 us
// = 2.64 ms, plus 48 x 42 us = 2.016 ms for BF16 and for weight-only INT4 (Marlin's chain). On
// Hopper the 16-bit experts run the same Triton chain SGLang ported (S3249) and the weight-only
// ones Marlin's, each 29 us a MoE layer (S2321): 2.64 + 48 x 0.029 = 4.032 ms.
TEST(EngineLimits, VllmChainsItsEightAndSixteenBitExpertsOnBlackwell) {
  const auto overhead = [](const char* chip, const char* dtype) {
    InferRequest r;
    r.model = "qwen3-30b-a3b";
    r.chip = {chip};
    r.count = 1;
    r.tp = 1;
    r.dtype = dtype;
    r.engine = "vllm";
    r.max_num_seqs = 1;
    r.mode = "offline";
    r.analytic = true;
    r.input_tokens = 1000;
    r.output_tokens = 1000;
    const auto j = InferJson(r);
    return j["step_breakdown_ms"]["overhead"].get<double>();
  };
  EXPECT_NEAR(overhead("b200", "bf16"), 48 * 0.055 + 48 * 0.042, 1e-3);
  EXPECT_NEAR(overhead("b200", "int4"), 48 * 0.055 + 48 * 0.042, 1e-3);
  // FP4 on Blackwell (since the FP4 experts run TensorRT-LLM's TRTLLM-gen MoE, S4970): a decode
  // step's 1 row an expert is inside the small-batch chain, none for Qwen3's plain top-k routing;
  // the one step carrying the 1,000-token prompt (62.5 rows an expert) pays the op's own form,
  // 48 x 58.5 us = 2.808 ms and 8.3 passes x 2,048 x 2 B x 1,000 tokens x 48 layers / (8 TB/s x
  // 0.7) = 0.2914 ms, over the request's 1,000 steps: +3.1 us a step.
  EXPECT_NEAR(overhead("b200", "fp4"), 48 * 0.055 + (48 * 0.0585 + 0.2914) / 1000, 1e-3);
  EXPECT_NEAR(overhead("h100", "bf16"), 48 * 0.055 + 48 * 0.029, 1e-3);
  EXPECT_NEAR(overhead("h100", "int4"), 48 * 0.055 + 48 * 0.029, 1e-3);
}

// A request that names no engine runs the one its chips' family is deployed on (data/engines.yaml
// default_families: vLLM on NVIDIA GPUs, Volta to Blackwell, and on AMD Instinct parts,
// vLLM-Ascend 0.13 on Ascend 910, vLLM-Gaudi on Gaudi, none on an MI250X), and the answer says
// which and the ids that name another, in text and JSON (engine_assumed), for one chip and for a
// comparison; a request that names one (--engine none too) gets no such note.
TEST(EngineLimits, TheAnswerNamesTheEngineItAssumed) {
  const auto text = [](const InferRequest& q) {
    auto out = TheEngine().Infer(q, {Format::kText, nullptr});
    EXPECT_TRUE(out) << (out ? "" : out.error().message);
    return out ? out->body : std::string();
  };
  const InferRequest hopper = EightB();
  const auto j = InferJson(hopper);
  ASSERT_TRUE(j.contains("engine_assumed")) << j.dump();
  EXPECT_EQ(j["engine_assumed"]["engine"], "vllm");
  EXPECT_EQ(j["engine_assumed"]["choices"],
            nlohmann::json::array({"vllm-0.11", "vllm-0.13", "vllm-0.16", "vllm-v0-multistep",
                                   "sglang", "trtllm", "trtllm-1.1", "cuda-graphs", "none"}));
  const std::string t = text(hopper);
  EXPECT_NE(t.find("note: engine: none named, so vllm (vLLM (V1 engine, `vllm serve`), version "),
            std::string::npos)
      << t;
  // The older vLLM releases' entries are listed as the ids that price them.
  EXPECT_NE(
      t.find("what hopper chips run unless told otherwise; --engine vllm-0.11, vllm-0.13, "
             "vllm-0.16, vllm-v0-multistep, sglang, trtllm, trtllm-1.1, cuda-graphs or none for "
             "another"),
      std::string::npos)
      << t;
  EXPECT_NE(t.find(j["engine_assumed"]["note"].get<std::string>()), std::string::npos);
  // AMD: vLLM, with its version.
  InferRequest amd = EightB();
  amd.chip = {"mi300x"};
  const auto a = InferJson(amd)["engine_assumed"];
  EXPECT_EQ(a["engine"], "vllm");
  EXPECT_EQ(a["choices"], nlohmann::json::array({"vllm-0.11", "vllm-0.13", "vllm-0.16",
                                                 "vllm-v0-multistep", "sglang", "none"}));
  EXPECT_NE(a["note"].get<std::string>().find(
                "so vllm (vLLM (V1 engine, `vllm serve`), version 0.17 and later (the latest "
                "release read: 0.30, 2026-09)), what cdna3 chips run"),
            std::string::npos)
      << a;
  // Blackwell runs vLLM too, as every NVIDIA family does.
  InferRequest blackwell = EightB();
  blackwell.chip = {"b200"};
  EXPECT_EQ(InferJson(blackwell)["engine_assumed"]["engine"], "vllm");
  // An MI250X (CDNA 2) runs none by default: the note says so and lists what applies one.
  InferRequest cdna2 = EightB();
  cdna2.chip = {"mi250x"};
  const auto b = InferJson(cdna2)["engine_assumed"];
  EXPECT_TRUE(b["engine"].is_null());
  EXPECT_EQ(b["choices"], nlohmann::json::array({"vllm", "vllm-0.11", "vllm-0.13", "vllm-0.16",
                                                 "vllm-v0-multistep", "sglang"}));
  EXPECT_NE(b["note"].get<std::string>().find("cdna2 chips run none by default"), std::string::npos)
      << b;
  // Named, no note: --engine sglang, and --engine none.
  for (const char* engine : {"sglang", "none"}) {
    InferRequest named = EightB();
    named.engine = engine;
    EXPECT_FALSE(InferJson(named).contains("engine_assumed")) << engine;
    EXPECT_EQ(text(named).find("engine: none named"), std::string::npos) << engine;
  }
  // Compared chips whose defaults differ run none: said, with the engines that run on both.
  InferRequest both = EightB();
  both.chip = {"h100", "ascend-910c"};
  both.compare = true;
  auto compared = TheEngine().Infer(both, Json());
  ASSERT_TRUE(compared) << compared.error().message;
  const auto c = nlohmann::json::parse(compared->body)["engine_assumed"];
  EXPECT_TRUE(c["engine"].is_null()) << c;
  EXPECT_EQ(c["choices"], nlohmann::json::array({"vllm", "vllm-0.11", "vllm-0.13", "vllm-0.16",
                                                 "vllm-v0-multistep", "sglang"}));
  EXPECT_NE(c["note"].get<std::string>().find("default engines differ (h100 vllm, ascend-910c "
                                              "vllm-ascend-0.13)"),
            std::string::npos)
      << c;
  EXPECT_NE(text(both).find("note: engine: none named, and the chips' default engines differ"),
            std::string::npos);
}

// DeepSeek-V3.2 FP8 on 8 x H200 under vLLM at TP 8, 4,000 + 200 tokens: the MLA cache is whole
// on every rank (one latent, no heads to split), at 61 x (656 + 132) = 48,068 bytes a token
// (FlashMLA's FP8 token and the indexer's key). By hand: 141 GiB x 0.9 (gpu_memory_utilization)
// less the profile's logits (38.5 B x 1,024 sequences x 129,280 vocab = 4.747 GiB) less the
// weights (79.66 GiB a chip) = 42.49 GiB = 4.562e10 B; over 4,100 (4,000 + 200 / 2) x 48,068 =
// 1.9708e8 B a sequence: 231 sequences fit (at the 576-byte token it was 257).
TEST(EngineLimits, DsaFp8CacheSequencesFitByHand) {
  InferRequest r;
  r.model = "deepseek-v3.2";
  r.chip = {"h200"};
  r.count = 8;
  r.tp = 8;
  r.dtype = "fp8";
  r.engine = "vllm";
  r.input_tokens = 4000;
  r.output_tokens = 200;
  r.mode = "offline";
  const auto j = InferJson(r);
  EXPECT_DOUBLE_EQ(j["kv_cache_bytes_per_token"].get<double>(), 48068) << j;
  EXPECT_NEAR(j["weights_gib_per_chip"].get<double>(), 79.66, 0.01) << j;
  const double gib = 1024.0 * 1024 * 1024;
  const double capacity = (141 * 0.9 - 79.66) * gib - 38.5 * 1024 * 129280;
  EXPECT_NEAR(capacity / (4100 * 48068.0), 231.5, 0.1);
  EXPECT_EQ(j["memory_max_batch"].get<int>(), 231) << j;
}

// An engine's memory fraction sizes the KV cache: (HBM x fraction - workspace - weights) over the
// KV of one sequence at its mean context (input + output / 2 tokens), at tp 1.
TEST(EngineLimits, MemoryFractionSizesTheKvCacheByHand) {
  InferRequest r = EightB();
  r.engine = "cuda-graphs";  // no start-up profile: the fraction less weights and workspace
  r.kv_memory_fraction = 0.5;
  const auto j = InferJson(r);
  const double gib = 1024.0 * 1024 * 1024;
  const double per_seq = (1024 + 256 / 2) * j["kv_cache_bytes_per_token"].get<double>();
  const double kv = (80 * 0.5 - 2) * gib - j["weights_gib_per_chip"].get<double>() * gib;
  EXPECT_NEAR(j["memory_max_batch"].get<double>(), std::floor(kv / per_seq), 1);
  // vLLM's defaults: gpu_memory_utilization 0.9, 1,024 sequences, 8,192 tokens a step.
  r = EightB();
  r.engine = "vllm";
  const auto v = InferJson(r);
  EXPECT_EQ(v["engine"], "vllm");
  EXPECT_EQ(v["engine_max_batch"], 1024);  // 8192 / 5 = 1638 is not the binding one
}

// The engines size the KV cache from different bases (S2640, S2641): vLLM's
// gpu_memory_utilization and SGLang's mem_fraction_static are shares of all HBM for weights and
// KV (--kv-memory-fraction), TensorRT-LLM's free_gpu_memory_fraction a share of what the weights
// and the runtime leave (--kv-free-memory-fraction; the trtllm engine's default 0.9). A GB300
// running TensorRT-LLM at trtllm-bench's 0.95 holds 0.95 / 0.90 the sequences of the default and
// --emit trtllm passes 0.95 on; --emit vllm turns the same KV room into a share of HBM. 0.95 of
// HBM is another room, and giving both is refused.
TEST(EngineLimits, TensorRtLlmsFreeMemoryFractionIsOfWhatTheWeightsLeave) {
  InferRequest r;
  r.model = "llama-3.1-405b";
  r.chip = {"gb300"};
  r.count = 4;
  r.tp = 4;
  r.dtype = "fp4";
  r.mode = "analytic";
  r.engine = "trtllm";
  const auto base = InferJson(r);
  r.kv_free_memory_fraction = 0.95;
  r.emit = "trtllm";
  const auto free = InferJson(r);
  const double m90 = base["memory_max_batch"].get<double>();
  EXPECT_NEAR(free["memory_max_batch"].get<double>(), m90 * 0.95 / 0.9, 1.5);
  EXPECT_NE(free.dump().find("free_gpu_memory_fraction: 0.95"), std::string::npos) << free.dump();
  r.emit = "vllm";
  const auto vllm = InferJson(r);
  const double memory = vllm["memory_capacity_gib"].get<double>();
  const double weights = vllm["weights_gib_per_chip"].get<double>();
  const double kv = vllm["kv_cache_gib_per_chip"].get<double>();
  const double share = std::ceil((weights + kv + 2) / memory * 100 - 1e-9) / 100;
  char flag[64];
  std::snprintf(flag, sizeof flag, "--gpu-memory-utilization %.2f", share);
  EXPECT_NE(vllm.dump().find(flag), std::string::npos) << share << " " << vllm.dump();
  InferRequest hbm = r;
  hbm.emit.clear();
  hbm.kv_free_memory_fraction.reset();
  hbm.kv_memory_fraction = 0.95;
  const double of_hbm = InferJson(hbm)["memory_max_batch"].get<double>();
  EXPECT_GT(std::abs(of_hbm - free["memory_max_batch"].get<double>()), 2);
  hbm.kv_free_memory_fraction = 0.95;
  const auto both = InferOutcome(hbm);
  ASSERT_TRUE(both.contains("error"));
  EXPECT_NE(both.dump().find("kv_free_memory_fraction"), std::string::npos) << both.dump();
}

// vLLM sizes its KV pool after a start-up memory profile (S3321): gpu_memory_utilization of the
// HBM less the weights, the profile's torch peak (a forward of 8,192 tokens, then the sampler over
// max_num_seqs requests of whole-vocabulary logits) and the non-torch memory. vLLM's own log for
// Qwen3-32B in BF16 on one H100 (S3320): 0.9 x 79.18 GiB (what CUDA reports of the 80 GiB) =
// 71.26, less 61.03 of weights, 5.64 of peak and 0.14 non-torch: 4.45 GiB of KV. The model takes
// the catalog's 80 GiB, so it holds 0.9 x 0.82 = 0.74 GiB more, and its workspace covers the
// non-torch 0.14: 4.45 + 0.74 + 0.14 = 5.33 GiB (the model: 5.40), where a 2 GiB workspace
// alone left ~9.0 GiB.
// With --max-num-seqs 256 the sampler's peak (1.4 GiB) is under the workspace: 2 GiB again.
// SGLang sizes its pool otherwise (mem_fraction_static): no profile peak there.
TEST(EngineLimits, VllmKeepsItsStartUpProfilePeakOutOfTheKvPool) {
  InferRequest r;
  r.model = "Qwen/Qwen3-32B";
  r.chip = {"h100"};
  r.count = 1;
  r.tp = 1;
  r.dtype = "bf16";
  r.input_tokens = 2000;
  r.output_tokens = 100;
  r.engine = "vllm";
  r.mode = "server";
  r.concurrency = 4;
  r.requests = 8;
  auto kv_gib = [](const nlohmann::json& j) {
    return j["simulation"]["kv_capacity_tokens"].get<double>() *
           j["kv_cache_bytes_per_token"].get<double>() / (1024.0 * 1024 * 1024);
  };
  const auto vllm = InferJson(r);
  EXPECT_NEAR(vllm["weights_gib_per_chip"].get<double>(), 61.03, 0.1) << vllm.dump();
  EXPECT_NEAR(kv_gib(vllm), 4.45 + 0.9 * (80 - 79.18) + 0.14, 0.1) << vllm.dump();
  r.max_num_seqs = 256;
  const auto fewer = InferJson(r);
  EXPECT_NEAR(kv_gib(fewer), 0.9 * 80 - fewer["weights_gib_per_chip"].get<double>() - 2, 0.02);
}

// SGLang computes mem_fraction_static from the part and the layout where the user gives none
// (ServerArgs._handle_gpu_memory_settings, S3740): (HBM - reserve) / HBM rounded to three places,
// the reserve 512 MiB + 1.5 MiB x --chunked-prefill-size (8,192) + 2 MiB x cuda_graph_max_bs
// (512 from TP 4 on parts under 160 GB) + 1,024 MiB x tp / 8, at least 10 GiB, + 2 GiB with an
// NEXTN draft. DeepSeek-R1 FP8 on one 8 x H20 (96 GiB) node at TP 8, as Ant Group ran its
// prefill node under SGLang (S1980): 512 + 12,288 + 1,024 + 1,024 = 14,848 MiB, fraction
// round((98,304 - 14,848) / 98,304, 3) = 0.849, so the weights and pool get 81.50 GiB; less the
// 2 GiB workspace and the weights, the pool is what is left (0.6 GiB: a few sequences), where the
// fixed 0.835 of an 80 GB H100 (80.16 GiB) refused the setup. With an NEXTN draft the reserve is
// 16,896 MiB (0.828: 79.49 GiB, 77.49 after the workspace), under the weights: refused, naming
// the reserve and the flag. On an 80 GiB H100 at TP 1: 512 + 12,288 + 512 (256 slots below TP 4)
// + 128 = 13,440 MiB, 0.836 (the 0.835 the engine keeps elsewhere). A fraction the user gives
// replaces the rule.
TEST(EngineLimits, SglangMemoryFractionIsHbmLessAReserveByLayout) {
  auto kv_gib = [](const nlohmann::json& j) {
    return j["simulation"]["kv_capacity_tokens"].get<double>() *
           j["kv_cache_bytes_per_token"].get<double>() / (1024.0 * 1024 * 1024);
  };
  InferRequest r;
  r.model = "deepseek-r1";
  r.chip = {"h20"};
  r.count = 8;
  r.tp = 8;
  r.dtype = "fp8";
  r.engine = "sglang";
  r.mode = "server";
  r.concurrency = 2;
  r.requests = 4;
  const auto h20 = InferJson(r);
  const double weights = h20["weights_gib_per_chip"].get<double>();
  EXPECT_GT(weights, 78) << h20.dump();
  EXPECT_NEAR(kv_gib(h20), 0.849 * 96 - 2 - weights, 0.02) << h20.dump();
  r.mtp = 1;
  const auto draft = InferOutcome(r);
  ASSERT_TRUE(draft.contains("error")) << draft.dump();
  const std::string text = draft.dump();
  EXPECT_NE(text.find("77.5 GiB free"), std::string::npos) << text;
  EXPECT_NE(text.find("16.5 GiB reserve"), std::string::npos) << text;
  EXPECT_NE(text.find("mem_fraction_static 0.828"), std::string::npos) << text;
  EXPECT_NE(text.find("--mem-fraction-static"), std::string::npos) << text;
  r.kv_memory_fraction = 0.9;
  const auto given = InferJson(r);
  // The NEXTN block's own one-layer cache shares the pool: 62 layers' worth a token, 61 of them
  // the target's (kv_cache_bytes_per_token).
  EXPECT_NEAR(kv_gib(given) * 62 / 61, 0.9 * 96 - 2 - given["weights_gib_per_chip"].get<double>(),
              0.02)
      << given.dump();

  InferRequest h100;
  h100.model = "Qwen/Qwen3-32B";
  h100.chip = {"h100"};
  h100.count = 1;
  h100.tp = 1;
  h100.dtype = "bf16";
  h100.input_tokens = 2000;
  h100.output_tokens = 100;
  h100.engine = "sglang";
  h100.mode = "server";
  h100.concurrency = 4;
  h100.requests = 8;
  const auto one = InferJson(h100);
  EXPECT_NEAR(kv_gib(one), 0.836 * 80 - 2 - one["weights_gib_per_chip"].get<double>(), 0.02)
      << one.dump();
}

// The graph step of the three engines (cuda-graphs) keeps a KV pool of 0.9 of what the weights,
// the runtime's 4 GiB and the 2 GiB workspace leave: TensorRT-LLM's free_gpu_memory_fraction
// (S952), the largest pool of the three. Qwen3-32B BF16 on one 80 GiB H100: 0.9 x (80 - 4 - 2 -
// 61.03) = 11.67 GiB, where --engine none (NVIDIA's MLPerf harness, no fraction) keeps all 12.97,
// vLLM 0.9 x 80 - 61.03 - 5.6 (its start-up profile) = 5.4 and SGLang 0.835 x 80 - 61.03 - 2 =
// 3.8: that pool is the none pool x 0.9 exactly, and above the other two. A request naming no
// engine runs vLLM (data/engines.yaml vllm default_families, S2543, S4140): vLLM's pool, below
// 0.9 x 80 - 61.03 = 10.97 GiB before its profile, not the largest.
TEST(EngineLimits, NoEngineNamedTakesVllmsPoolNotTheLargest) {
  InferRequest r;
  r.model = "Qwen/Qwen3-32B";
  r.chip = {"h100"};
  r.count = 1;
  r.tp = 1;
  r.dtype = "bf16";
  r.input_tokens = 2000;
  r.output_tokens = 100;
  r.mode = "server";
  r.concurrency = 4;
  r.requests = 8;
  auto kv_gib = [](const nlohmann::json& j) {
    return j["simulation"]["kv_capacity_tokens"].get<double>() *
           j["kv_cache_bytes_per_token"].get<double>() / (1024.0 * 1024 * 1024);
  };
  const auto unnamed = InferJson(r);
  EXPECT_EQ(unnamed["engine"], "vllm");
  EXPECT_LT(kv_gib(unnamed), 0.9 * 80 - 61.03);
  r.engine = "cuda-graphs";
  const auto graphs = InferJson(r);
  EXPECT_NEAR(kv_gib(graphs), 0.9 * (80 - 4 - 2 - 61.03), 0.05) << graphs.dump();
  r.engine = "none";
  const auto none = InferJson(r);
  EXPECT_NEAR(kv_gib(none), 80 - 4 - 2 - 61.03, 0.05) << none.dump();
  EXPECT_NEAR(kv_gib(graphs) / kv_gib(none), 0.9, 1e-4);
  for (const char* engine : {"vllm", "sglang"}) {
    r.engine = engine;
    EXPECT_LT(kv_gib(InferJson(r)), kv_gib(graphs)) << engine;
  }
  r.engine = "vllm";
  EXPECT_DOUBLE_EQ(kv_gib(unnamed), kv_gib(InferJson(r)));
}

// The KV format with the flag unset follows the checkpoint on every engine whose default reads it
// (vLLM, SGLang, TensorRT-LLM, and cuda-graphs standing for them; vLLM is also what a request
// naming no engine runs): the makers' own FP8
// releases declare none (S3533), so their cache is 16-bit; an FP8 copy of a BF16 release on an
// NVIDIA GPU is NVIDIA's Model Optimizer export, which declares FP8 (S3530). By hand, from the
// released configs: Qwen3-32B's cache is 2 (K, V) x 64 layers x 8 KV heads x 128 = 131,072
// elements a token, 262,144 bytes in BF16 and 131,072 in FP8; MiniMax-M2.5's 2 x 62 x 8 x 128 =
// 126,976 elements, 253,952 bytes in BF16; Llama-3.3-70B's 2 x 80 x 8 x 128 = 163,840 elements,
// 327,680 bytes in BF16. `--engine none` (NVIDIA's MLPerf harness) keeps FP8
// under 8-bit weights; --kv-dtype decides over all of it.
TEST(EngineLimits, KvFormatFollowsTheCheckpointsDeclaration) {
  InferRequest r;
  r.chip = {"h100"};
  r.count = 4;
  r.input_tokens = 1000;
  r.output_tokens = 100;
  r.mode = "analytic";
  const auto kv_bytes = [&](const std::string& model, const std::string& dtype,
                            const std::string& engine) {
    InferRequest q = r;
    q.model = model;
    q.dtype = dtype;
    q.engine = engine;
    return InferJson(q)["kv_cache_bytes_per_token"].get<double>();
  };
  // The makers' FP8 releases: 16-bit whatever engine reads the checkpoint.
  for (const char* engine : {"", "vllm", "sglang", "trtllm", "cuda-graphs"}) {
    EXPECT_DOUBLE_EQ(kv_bytes("Qwen/Qwen3-32B-FP8", "", engine), 262144) << engine;
    EXPECT_DOUBLE_EQ(kv_bytes("MiniMaxAI/MiniMax-M2.5", "", engine), 253952) << engine;
  }
  // NVIDIA's Model Optimizer copy, named: FP8 on every engine.
  for (const char* engine : {"", "vllm", "sglang", "trtllm", "cuda-graphs"}) {
    EXPECT_DOUBLE_EQ(kv_bytes("nvidia/Llama-3.3-70B-Instruct-FP4", "", engine), 163840) << engine;
  }
  // Another organization's copy (RedHatAI's compressed-tensors): nothing the engines read.
  EXPECT_DOUBLE_EQ(kv_bytes("RedHatAI/Llama-3.3-70B-Instruct-FP8", "", "trtllm"), 327680);
  // A bare --dtype fp8 of the BF16 release: vLLM and SGLang quantize it as they load it
  // (--quantization fp8, S3534), no KV format declared, and so does a request naming no engine
  // (vLLM); TensorRT-LLM, and cuda-graphs, serve NVIDIA's pre-quantized copy, FP8 declared.
  for (const char* engine : {"", "vllm", "sglang"}) {
    EXPECT_DOUBLE_EQ(kv_bytes("qwen3-32b", "fp8", engine), 262144) << engine;
  }
  for (const char* engine : {"cuda-graphs", "trtllm"}) {
    EXPECT_DOUBLE_EQ(kv_bytes("qwen3-32b", "fp8", engine), 131072) << engine;
  }
  // The release itself in BF16: 16-bit.
  EXPECT_DOUBLE_EQ(kv_bytes("qwen3-32b", "bf16", ""), 262144);
  // NVIDIA's harness quantizes its own checkpoints with an FP8 cache.
  EXPECT_DOUBLE_EQ(kv_bytes("Qwen/Qwen3-32B-FP8", "", "none"), 131072);
  // The request's format decides.
  r.kv_dtype = "bf16";
  EXPECT_DOUBLE_EQ(kv_bytes("qwen3-32b", "fp8", "trtllm"), 262144);
  r.kv_dtype = "fp8";
  EXPECT_DOUBLE_EQ(kv_bytes("Qwen/Qwen3-32B-FP8", "", "vllm"), 131072);
  // Not an NVIDIA GPU: no Model Optimizer copy presumed.
  r.kv_dtype.clear();
  r.chip = {"mi300x"};
  r.count = 1;
  EXPECT_DOUBLE_EQ(kv_bytes("llama-3.3-70b-fp8", "", "vllm"), 327680);
}

// A typed `--dtype fp8` of a BF16 release under vLLM (what a request naming no engine runs on an
// NVIDIA GPU) is vLLM's --quantization fp8 as it loads the release (S3534): no KV format declared,
// so `--kv-cache-dtype auto` keeps the model's 16-bit cache (S3310), as Red Hat's vLLM MLPerf run
// of RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8 did unless told --kv-cache-dtype fp8 (S3970). NVIDIA's
// Model Optimizer copy declares an FP8 cache (S3530), which vLLM's auto reads (PR 30785, S3460,
// S4231), and the answer says how to get it. By hand, Llama 3.1 8B's cache is 2 (K, V) x 32
// layers x 8 KV heads x 128 = 65,536 elements a token: 131,072 bytes in BF16, 65,536 in FP8.
TEST(EngineLimits, TypedFp8UnderVllmSaysWhyItsCacheIs16Bit) {
  // dtype_basis is null where there is nothing to say.
  const auto basis = [](const nlohmann::json& j) {
    return j["dtype_basis"].is_string() ? j["dtype_basis"].get<std::string>() : std::string();
  };
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"h100"};
  r.count = 1;
  r.dtype = "fp8";
  r.input_tokens = 1024;
  r.output_tokens = 1024;
  r.mode = "analytic";
  const auto typed = InferJson(r);
  EXPECT_EQ(typed["engine_assumed"]["engine"], "vllm") << typed.dump();
  EXPECT_DOUBLE_EQ(typed["kv_cache_bytes_per_token"].get<double>(), 131072);
  const std::string why = basis(typed);
  EXPECT_NE(why.find("KV cache 16-bit: vllm quantizes the llama-3.1-8b release to fp8 as it loads "
                     "(--quantization fp8), which declares no KV format"),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("--model nvidia/<name>-FP8"), std::string::npos) << why;
  // What the note offers: NVIDIA's copy by name, or the flag; each an FP8 cache.
  InferRequest nvidia = r;
  nvidia.model = "nvidia/Llama-3.1-8B-Instruct-FP8";
  nvidia.dtype.clear();
  const auto named = InferJson(nvidia);
  EXPECT_DOUBLE_EQ(named["kv_cache_bytes_per_token"].get<double>(), 65536);
  EXPECT_NE(basis(named).find("KV cache fp8: NVIDIA's Model Optimizer fp8 copy of llama-3.1-8b "
                              "declares an FP8 cache"),
            std::string::npos)
      << basis(named);
  InferRequest flag = r;
  flag.kv_dtype = "fp8";
  const auto flagged = InferJson(flag);
  EXPECT_DOUBLE_EQ(flagged["kv_cache_bytes_per_token"].get<double>(), 65536);
  EXPECT_EQ(basis(flagged).find("KV cache"), std::string::npos) << flagged.dump();
  // SGLang quantizes as it loads as well; TensorRT-LLM has no such path and serves NVIDIA's copy.
  InferRequest sglang = r;
  sglang.engine = "sglang";
  EXPECT_NE(basis(InferJson(sglang)).find("KV cache 16-bit: sglang quantizes"), std::string::npos);
  InferRequest trtllm = r;
  trtllm.engine = "trtllm";
  const auto trt = InferJson(trtllm);
  EXPECT_DOUBLE_EQ(trt["kv_cache_bytes_per_token"].get<double>(), 65536);
  EXPECT_NE(basis(trt).find("KV cache fp8"), std::string::npos);
  // The release in its own format: nothing to say. Off NVIDIA: no NVIDIA copy offered.
  InferRequest bf16 = r;
  bf16.dtype = "bf16";
  EXPECT_EQ(basis(InferJson(bf16)).find("KV cache"), std::string::npos);
  InferRequest amd = r;
  amd.chip = {"mi300x"};
  const std::string amd_why = basis(InferJson(amd));
  EXPECT_NE(amd_why.find("KV cache 16-bit: vllm quantizes"), std::string::npos) << amd_why;
  EXPECT_EQ(amd_why.find("nvidia/"), std::string::npos) << amd_why;
}

// vLLM-Ascend v0.9.1 as `vllm serve` starts it (engine vllm-ascend-0.9.1, S3340): a model without
// MLA runs its prompts whole, the step's token budget raised to max_model_len (40,960 for Qwen3,
// its max_position_embeddings), so the dense Qwen3-8B runs exactly as the torchair entry told
// --no-chunked-prefill --max-batched-tokens 40960 (same floor, no MoE layer to charge).
// Qwen3-30B-A3B at tp 2 pays the v0.9.1 MoE chain in each of its 48 MoE layers: at 4 sequences the
// step's overhead is the family's 3.0 ms plus 48 x 2.29 ms = 112.92 ms, which puts the step near
// GPUStack's batch-4 measurement (mean TPOT 122.71 ms, S3342) where the torchair entry's floor
// gives 45.9 ms.
TEST(EngineLimits, VllmAscend091RunsPromptsWholeAndPaysItsMoeChain) {
  InferRequest dense;
  dense.model = "Qwen/Qwen3-8B";
  dense.chip = {"ascend-910b"};
  dense.count = 1;
  dense.tp = 1;
  dense.dtype = "bf16";
  dense.input_tokens = 4000;
  dense.output_tokens = 200;
  dense.requests = 40;
  dense.mode = "offline";
  dense.engine = "vllm-ascend-0.9.1";
  const auto v091 = InferJson(dense);
  dense.engine = "vllm-ascend";
  dense.no_chunked_prefill = true;
  dense.max_batched_tokens = 40960;
  const auto told = InferJson(dense);
  EXPECT_EQ(v091["engine"], "vllm-ascend-0.9.1");
  EXPECT_DOUBLE_EQ(v091["output_tokens_per_s_per_chip"].get<double>(),
                   told["output_tokens_per_s_per_chip"].get<double>());
  InferRequest moe;
  moe.model = "Qwen/Qwen3-30B-A3B";
  moe.chip = {"ascend-910b"};
  moe.count = 2;
  moe.tp = 2;
  moe.dtype = "bf16";
  moe.input_tokens = 217;
  moe.output_tokens = 202;
  moe.max_num_seqs = 4;
  moe.mode = "analytic";
  moe.engine = "vllm-ascend-0.9.1";
  const auto chain = InferJson(moe);
  moe.engine = "vllm-ascend";
  const auto torchair = InferJson(moe);
  // (the JSON rounds the breakdown to 0.1 ms) The mean step also carries its share of the
  // prompts' routing operators (moe_prompt_row_ns, 200 ns a routed row): 4 sequences x 217 / 202
  // prompt tokens a step x 8 x 48 rows x 200 ns = 0.33 ms, and the 4 decode tokens' own rows
  // through the same chain (moe_decode_routing): 4 x 8 x 48 x 200 ns = 0.31 ms.
  EXPECT_NEAR(chain["step_breakdown_ms"]["overhead"].get<double>(),
              3.0 + 48 * 2.29 + 4.0 * 217 / 202 * 8 * 48 * 200e-6 + 4.0 * 8 * 48 * 200e-6, 0.06);
  EXPECT_NEAR(chain["tpot_ms"].get<double>(), 122.71, 0.15 * 122.71);
  EXPECT_LT(torchair["tpot_ms"].get<double>(), 0.5 * 122.71);
}

// vLLM's Triton fused_experts on Hopper (8- and 16-bit experts) is the kernel chain SGLang ported
// kernel for kernel (S3249), so both engines charge its fixed time, 29 us a MoE layer on Hopper
// (SGLang's fused-MoE benchmark on H200, S2321). Qwen3-235B-A22B in BF16 at tp 8 on H20, one
// request: all 94 of its layers are MoE, so the step's fixed part is the CUDA graph's gaps, 55 us
// a layer, plus the chain: 94 x (55 + 29) us = 7.896 ms under either engine (vLLM's step had
// priced the same kernels at 94 x 55 us = 5.17 ms).
TEST(EngineLimits, VllmPaysSglangsTritonMoeChainOnHopper) {
  InferRequest r;
  r.model = "Qwen/Qwen3-235B-A22B";
  r.chip = {"h20"};
  r.count = 8;
  r.tp = 8;
  r.dtype = "bf16";
  r.input_tokens = 1;
  r.output_tokens = 2048;
  r.max_num_seqs = 1;
  r.mode = "analytic";
  for (const char* engine : {"vllm", "sglang"}) {
    r.engine = engine;
    const auto j = InferJson(r);
    EXPECT_NEAR(j["step_breakdown_ms"]["overhead"].get<double>(), 94 * (55 + 29) * 1e-3, 0.06)
        << engine;
  }
}

// SGLang's decode GEMMs on the 78-SM H20 at batch 1 (engines.yaml sglang bf16_gemm_sm_gb_s /
// fp8_gemm_sm_gb_s, hopper): Qwen's speed benchmark runs on one H20 under SGLang 0.4.6 that the
// scorecard does not score (S3263, 2,048 tokens after a 1-token prompt, speed = 2,049 tokens over
// the time): Qwen3-8B FP8 150.25 tokens/s, 6.66 ms a token, which the FP8 rate was not read off
// (DeepGEMM's own H20 benchmark, S3540, gives it); Qwen3-32B BF16 20.72 tokens/s, 48.3 ms, which
// the BF16 rate was read off. Without the rates both run at the H20's full 3.0 TB/s (+45 % and
// +90 % fast).
TEST(EngineLimits, SglangDecodeGemmsOnH20MatchQwensUnscoredRuns) {
  auto tpot = [](const char* model, const char* dtype) {
    InferRequest r;
    r.model = model;
    r.chip = {"h20"};
    r.count = 1;
    r.tp = 1;
    r.dtype = dtype;
    r.input_tokens = 1;
    r.output_tokens = 2048;
    r.concurrency = 1;
    r.mode = "analytic";
    r.engine = "sglang";
    return InferJson(r)["tpot_ms"].get<double>();
  };
  const double fp8_8b = 2049 / 150.25 / 2048 * 1e3;
  const double bf16_32b = 2049 / 20.72 / 2048 * 1e3;
  EXPECT_NEAR(fp8_8b, 6.66, 0.01);
  EXPECT_NEAR(bf16_32b, 48.29, 0.01);
  EXPECT_NEAR(tpot("Qwen/Qwen3-8B-FP8", "fp8") / fp8_8b, 1.0, 0.10);
  EXPECT_NEAR(tpot("Qwen/Qwen3-32B", "bf16") / bf16_32b, 1.0, 0.03);
}

// SGLang's activation-quantization kernels before its FP8 GEMMs (engines.yaml sglang
// fp8_quant_layer_us, hopper 13.4 us a layer, read off Qwen's unscored Qwen3-8B FP8 run, S3263):
// Qwen's other unscored FP8 run on one H20 under SGLang 0.4.6, Qwen3-30B-A3B FP8 at 155.55
// tokens/s (2,049 tokens, 6.43 ms a token), is met within 8 % (the model without the kernels:
// 5.40 ms, -16 %); the BF16 Qwen3-30B-A3B of the same page (137.18 tokens/s, 7.29 ms) keeps its
// step (no such kernel), within 5 %.
TEST(EngineLimits, SglangFp8QuantizationKernelsOnH20MatchQwensUnscoredRun) {
  auto tpot = [](const char* model, const char* dtype) {
    InferRequest r;
    r.model = model;
    r.chip = {"h20"};
    r.count = 1;
    r.tp = 1;
    r.dtype = dtype;
    r.input_tokens = 1;
    r.output_tokens = 2048;
    r.concurrency = 1;
    r.mode = "analytic";
    r.engine = "sglang";
    return InferJson(r)["tpot_ms"].get<double>();
  };
  const double fp8_30b = 2049 / 155.55 / 2048 * 1e3;
  const double bf16_30b = 2049 / 137.18 / 2048 * 1e3;
  EXPECT_NEAR(fp8_30b, 6.43, 0.01);
  EXPECT_NEAR(bf16_30b, 7.29, 0.01);
  EXPECT_NEAR(tpot("Qwen/Qwen3-30B-A3B-FP8", "fp8") / fp8_30b, 1.0, 0.08);
  EXPECT_NEAR(tpot("Qwen/Qwen3-30B-A3B", "bf16") / bf16_30b, 1.0, 0.05);
}

// SGLang's default decode attention on Hopper for Qwen3 (FlashAttention-3, S4670, S4671) reads
// the KV cache at 13 GB/s an SM (engines.yaml sglang decode_kv_sm_gb_s, S4672): on the 78-SM H20
// 1.014 TB/s, not the HBM's 3.0 achievable. Qwen3-8B's cache is 36 layers x 8 KV heads x 128 x 2
// (K, V) x 2 bytes = 147,456 bytes a token. One request of 30,720 + 2,048 tokens decodes at a mean
// context of 31,743.5 tokens (4.681 GB a step, 4.616 ms at 1.014 TB/s), one of 1 + 2,048 at
// 1,024.5 (0.151 GB, 0.149 ms): TPOT differs by 4.467 ms (1.51 ms at 3.0 TB/s).
TEST(EngineLimits, SglangFa3DecodeAttentionOnH20ReadsTheCacheAtItsRateAnSm) {
  auto tpot = [](double input) {
    InferRequest r;
    r.model = "Qwen/Qwen3-8B";
    r.chip = {"h20"};
    r.count = 1;
    r.tp = 1;
    r.dtype = "bf16";
    r.input_tokens = input;
    r.output_tokens = 2048;
    r.requests = 4;
    r.concurrency = 1;
    r.mode = "server";
    r.engine = "sglang";
    return InferJson(r)["simulation"]["tpot_ms"]["mean"].get<double>();
  };
  const double per_token = 36.0 * 8 * 128 * 2 * 2;
  EXPECT_EQ(per_token, 147456);
  const double rate = 78 * 13e9;
  const double expected = (31743.5 - 1024.5) * per_token / rate * 1e3;
  EXPECT_NEAR(expected, 4.467, 0.001);
  EXPECT_NEAR(tpot(30720) - tpot(1), expected, 0.05);
}

// The same FA3 decode rate reaches the Llama models now that they carry their config's class
// (LlamaForCausalLM, S4790; on SGLang's FA3-default list, S4671): Llama 3.1 8B's cache is 32 layers
// x 8 KV heads x 128 x 2 (K, V) x 2 bytes = 131,072 bytes a token; one request of 30,720 + 2,048
// tokens against one of 1 + 2,048 reads 30,719 tokens more a step on average: 30,719 x 131,072 /
// (78 x 13 GB/s) = 3.971 ms more a token (1.342 ms at the HBM's 3.0 TB/s, the rate it had without
// the class).
TEST(EngineLimits, SglangFa3DecodeRateReachesLlamaOnH20) {
  auto tpot = [](double input) {
    InferRequest r;
    r.model = "meta-llama/Llama-3.1-8B-Instruct";
    r.chip = {"h20"};
    r.count = 1;
    r.tp = 1;
    r.dtype = "bf16";
    r.input_tokens = input;
    r.output_tokens = 2048;
    r.requests = 4;
    r.concurrency = 1;
    r.mode = "server";
    r.engine = "sglang";
    return InferJson(r)["simulation"]["tpot_ms"]["mean"].get<double>();
  };
  const double per_token = 32.0 * 8 * 128 * 2 * 2;
  EXPECT_EQ(per_token, 131072);
  const double expected = 30719 * per_token / (78 * 13e9) * 1e3;
  EXPECT_NEAR(expected, 3.971, 0.001);
  EXPECT_NEAR(tpot(30720) - tpot(1), expected, 0.05);
}

// With no engine named on Hopper (vLLM; cuda-graphs, standing for vLLM, SGLang and TensorRT-LLM's
// PyTorch flow, the same) the decode GEMMs are the same kernels: torch's linear layers on cuBLAS
// for 16-bit weights in all three, DeepGEMM or CUTLASS for FP8 (engines.yaml cuda-graphs
// bf16_gemm_sm_gb_s / fp8_gemm_sm_gb_s, as vllm's and sglang's). On the 78-SM H20 a request naming
// no engine then reads Qwen3-8B's 36 layers and LM head (7.568e9 parameters, 15.14 GB in BF16) at
// 78 x 18.4 = 1.435 TB/s, 10.55 ms, not 5.05 ms at the HBM's 3.0 TB/s achievable; Qwen's unscored
// batch-1 runs on one H20 (S3263: Qwen3-32B BF16 20.72 tokens/s, Qwen3-8B FP8 150.25) come out as
// with
// --engine sglang, where without the rates they ran +90 % and +45 % fast.
TEST(EngineLimits, NoEngineNamedOnH20ReadsDecodeWeightsAtTheEnginesRateAnSm) {
  auto run = [](const char* model, const char* dtype, const char* engine) {
    InferRequest r;
    r.model = model;
    r.chip = {"h20"};
    r.count = 1;
    r.tp = 1;
    r.dtype = dtype;
    r.input_tokens = 1;
    r.output_tokens = 2048;
    r.concurrency = 1;
    r.mode = "analytic";
    r.engine = engine;
    return InferJson(r);
  };
  const auto graphs = run("Qwen/Qwen3-8B", "bf16", "");
  EXPECT_EQ(graphs["engine"], "vllm");
  EXPECT_NEAR(graphs["step_breakdown_ms"]["linear"].get<double>(), 15.14e9 / (78 * 18.4e9) * 1e3,
              0.05)
      << graphs.dump();
  EXPECT_NEAR(
      run("Qwen/Qwen3-32B", "bf16", "")["tpot_ms"].get<double>() / (2049 / 20.72 / 2048 * 1e3), 1.0,
      0.05);
  EXPECT_NEAR(
      run("Qwen/Qwen3-8B-FP8", "fp8", "")["tpot_ms"].get<double>() / (2049 / 150.25 / 2048 * 1e3),
      1.0, 0.10);
}

// vLLM's block-scaled FP8 linear layers run DeepGEMM on Hopper by default (VLLM_USE_DEEP_GEMM=1,
// should_use_deepgemm_for_fp8_linear; engines.yaml vllm fp8_gemm_sm_gb_s), the kernel measured on
// the 78-SM H20 at ~24 GB/s an SM (S3540, S3541): Qwen3-8B-FP8's 36 layers and its LM head, 7.57 GB
// read each step at 78 x 24 GB/s = 1.872 TB/s, take 4.04 ms, not the 2.52 ms the H20's 4.0 x 0.75
// TB/s would give. The whole token then comes within 10 % of Qwen's own batch-1 measurement of the
// same checkpoint on one H20 under SGLang (S3263: 150.25 tokens/s, 6.66 ms), the same kernels.
TEST(EngineLimits, VllmFp8DecodeGemmsOnH20StreamAtDeepGemmsRate) {
  InferRequest r;
  r.model = "Qwen/Qwen3-8B-FP8";
  r.chip = {"h20"};
  r.count = 1;
  r.tp = 1;
  r.dtype = "fp8";
  r.input_tokens = 1;
  r.output_tokens = 2048;
  r.concurrency = 1;
  r.mode = "analytic";
  r.engine = "vllm";
  const auto j = InferJson(r);
  EXPECT_GT(j["step_breakdown_ms"]["linear"].get<double>(), 7.57e9 / (78 * 24e9) * 1e3 * 0.99);
  EXPECT_NEAR(j["tpot_ms"].get<double>() / (2049 / 150.25 / 2048 * 1e3), 1.0, 0.10);
}

// Qwen's own Qwen3-32B-FP8 (config.json quantization_config weight_block_size [128, 128],
// models.yaml checkpoint qwen3-32b-fp8) runs block-scaled FP8 GEMMs, which promote their partial
// sums every block: hopper's low_precision_matmul_efficiency 0.45, where FP8 with one scale per
// tensor (the BF16 release served as --dtype fp8, NVIDIA's Model Optimizer copy) accumulates fast
// at 0.60. A prompt of 8,192 tokens on one H100 is compute-bound: the GEMMs' FLOPs (2 x 32.8e9 a
// token) at 0.45 instead of 0.60 of 1,979 TFLOP/s take 0.60 / 0.45 = 1.33x as long, the attention
// the same, so the block-scaled release prefills at between 0.75 and 1 of the per-tensor copy's
// rate.
TEST(EngineLimits, QwenFp8ReleaseRunsBlockScaledGemms) {
  auto prefill = [](const char* model) {
    InferRequest r;
    r.model = model;
    r.chip = {"h100"};
    r.count = 1;
    r.tp = 1;
    r.dtype = "fp8";
    r.kv_dtype = "bf16";
    r.input_tokens = 8192;
    r.output_tokens = 16;
    r.mode = "analytic";
    return InferJson(r)["prefill_tokens_per_s_per_chip"].get<double>();
  };
  const double block = prefill("Qwen/Qwen3-32B-FP8");
  const double per_tensor = prefill("Qwen/Qwen3-32B");
  EXPECT_GT(block / per_tensor, 0.75);
  EXPECT_LT(block / per_tensor, 0.90);
}

// An Ascend request that names no engine runs vLLM-Ascend as `vllm serve` starts it today (v0.13,
// ACL graph): vLLM's batch defaults for a platform that reports no memory, 256 sequences and
// 2,048 batched tokens (get_batch_defaults, S3522; NPUPlatform reports none, S3521), chunked
// prefill on, the piecewise graph's floor of 718 us a layer (S4040: vLLM-Ascend's own v0.13-era
// Qwen3-8B run on one A2 die, mean TPOT 25.85 ms over 36 layers), no v0.9.1 MoE chain (S3523,
// S3524).
// The torchair entry and v0.9.1 stay selectable by name.
TEST(EngineLimits, AscendDefaultIsTheCurrentVllmAscend) {
  InferRequest r;
  r.model = "Qwen/Qwen3-8B";
  r.chip = {"ascend-910b"};
  r.count = 1;
  r.tp = 1;
  r.dtype = "bf16";
  r.input_tokens = 100;
  r.output_tokens = 100;
  r.mode = "analytic";
  const auto typed = InferJson(r);
  EXPECT_EQ(typed["engine"], "vllm-ascend-0.13");
  EXPECT_EQ(typed["engine_max_batch"], 256);
  // 2,048 tokens a step over 1 decode + 2,000 / 100 prompt tokens a sequence: 2,048 / 21 = 97.
  r.input_tokens = 2000;
  EXPECT_EQ(InferJson(r)["engine_max_batch"], 97);
  // 36 layers x 718 us: no step under 25.85 ms, S4040's mean TPOT.
  EXPECT_GE(typed["tpot_ms"].get<double>(), 36 * 0.718 - 1e-6);
  r.engine = "vllm-ascend";
  EXPECT_EQ(InferJson(r)["engine"], "vllm-ascend");
  r.engine = "vllm-ascend-0.9.1";
  EXPECT_EQ(InferJson(r)["engine"], "vllm-ascend-0.9.1");
  // Qwen3-30B-A3B at tp 2 and 4 sequences: v0.9.1's chain (2.29 ms in each of 48 MoE layers) is
  // not v0.13's, whose AllGather path routes with its own operators; at batch 1 and tp 4 v0.11
  // stepped Qwen3-30B-A3B no slower than the dense Qwen3-4B (S3524). The step is the floor's.
  InferRequest moe;
  moe.model = "Qwen/Qwen3-30B-A3B";
  moe.chip = {"ascend-910b"};
  moe.count = 2;
  moe.tp = 2;
  moe.dtype = "bf16";
  moe.input_tokens = 217;
  moe.output_tokens = 202;
  moe.max_num_seqs = 4;
  moe.mode = "analytic";
  const auto current = InferJson(moe);
  EXPECT_EQ(current["engine"], "vllm-ascend-0.13");
  EXPECT_LT(current["step_breakdown_ms"]["overhead"].get<double>(), 48 * 2.29);
  EXPECT_NEAR(current["tpot_ms"].get<double>(), 48 * 0.718, 0.1 * 48 * 0.718);
}

// vLLM's cudagraph_mode FULL_DECODE_ONLY (--compilation-config '{"cudagraph_mode":
// "FULL_DECODE_ONLY"}', vLLM-Ascend's tutorials, S3520; --cudagraph-mode): each decode step one
// graph, at vLLM-Ascend v0.13's measured floor of 417 us a layer. S3524 (v0.11.0rc2, tp 4, one
// request, FULL_DECODE_ONLY): Qwen3-30B-A3B at 20+ ms a token, Qwen3-32B at 38 ms; the piecewise
// default floor (718 us, S4040) would give 34.5 and 46.0 ms. NONE is --enforce-eager (2,660 us a
// layer, S3470); an unknown mode or a non-JSON config is an error naming the field.
TEST(EngineLimits, VllmAscendFullDecodeGraphHasItsFloor) {
  InferRequest r;
  r.model = "Qwen/Qwen3-30B-A3B";
  r.chip = {"ascend-910b"};
  r.count = 4;
  r.tp = 4;
  r.dtype = "bf16";
  r.input_tokens = 15000;
  r.output_tokens = 200;
  r.max_num_seqs = 1;
  r.mode = "analytic";
  const double piecewise = InferJson(r)["tpot_ms"].get<double>();
  EXPECT_GE(piecewise, 48 * 0.718 - 1e-6);
  r.compilation_config = R"({"cudagraph_mode": "FULL_DECODE_ONLY"})";
  const double full = InferJson(r)["tpot_ms"].get<double>();
  EXPECT_GE(full, 48 * 0.417 - 1e-6);
  {
    // S3524's TPOT is one request's own decode steps; the analytic step above also carries the
    // next prompts' share, whose chunks run eagerly under FULL_DECODE_ONLY (S4250). One request
    // at a time, simulated: the decode steps alone.
    InferRequest one = r;
    one.mode = "server";
    one.concurrency = 1;
    one.requests = 3;
    one.output_dist = "fixed";
    EXPECT_NEAR(InferJson(one)["simulation"]["tpot_ms"]["p50"].get<double>(), 20.0, 0.15 * 20.0);
  }
  r.compilation_config.clear();
  r.cudagraph_mode = "full_decode_only";
  EXPECT_DOUBLE_EQ(InferJson(r)["tpot_ms"].get<double>(), full);
  r.model = "Qwen/Qwen3-32B";
  EXPECT_NEAR(InferJson(r)["tpot_ms"].get<double>(), 38.0, 0.2 * 38.0);
  r.model = "Qwen/Qwen3-30B-A3B";
  r.cudagraph_mode = "NONE";
  EXPECT_GE(InferJson(r)["tpot_ms"].get<double>(), 48 * 2.660 - 1e-6);
  r.cudagraph_mode = "PIECEWISE";
  EXPECT_DOUBLE_EQ(InferJson(r)["tpot_ms"].get<double>(), piecewise);
  r.cudagraph_mode = "halfway";
  auto bad = TheEngine().Infer(r, Json());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "cudagraph_mode");
  EXPECT_NE(bad.error().message.find("FULL_DECODE_ONLY"), std::string::npos);
  r.cudagraph_mode.clear();
  r.compilation_config = "{cudagraph_mode: FULL}";
  bad = TheEngine().Infer(r, Json());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "compilation_config");
  // Priced where the floor of the mode is measured; on vLLM on a GPU it is listed as not modelled.
  r.compilation_config.clear();
  r.cudagraph_mode = "full_decode_only";
  EXPECT_TRUE(InferJson(r).value("flags_not_modelled", nlohmann::json::array()).empty());
  InferRequest gpu;
  gpu.model = "llama-3.1-8b";
  gpu.chip = {"h100"};
  gpu.engine = "vllm";
  gpu.mode = "analytic";
  gpu.cudagraph_mode = "FULL_DECODE_ONLY";
  EXPECT_EQ(InferJson(gpu)["flags_not_modelled"], nlohmann::json::array({"--cudagraph-mode"}));
}

// vLLM's piecewise graphs end at min(2 x max_num_seqs, 512) tokens (S4170: 512 at vLLM-Ascend
// v0.13's 256 sequences); a chunked-prefill step of 2,048 tokens is above that and runs without a
// graph, its kernels launched from the host at the plugin's eager rate (2,660 us a layer, S3470),
// as every step does under --enforce-eager. One 4,000-token prompt at a time on two 910B at tp 2
// (simulated): two prompt steps (2,048 + 1,952 tokens), each at least 48 layers x 2.660 ms =
// 127.68 ms, so TTFT >= 255.36 ms, the same as --enforce-eager's; the decode-only steps keep the
// piecewise floor (48 x 0.718 = 34.46 ms), not the eager 127.68. With --max-batched-tokens 512
// every chunk fits the largest graph: 8 steps, each at least the 34.46 ms floor and under 127.68.
TEST(EngineLimits, VllmAscendPromptStepAboveTheCapturedSizesRunsEagerly) {
  InferRequest r;
  r.model = "Qwen/Qwen3-30B-A3B";
  r.chip = {"ascend-910b"};
  r.count = 2;
  r.tp = 2;
  r.dtype = "bf16";
  r.input_tokens = 4000;
  r.output_tokens = 50;
  r.output_dist = "fixed";
  r.requests = 2;
  r.concurrency = 1;
  r.mode = "server";
  auto sim = [&] {
    const auto j = InferJson(r)["simulation"];
    return std::pair{j["ttft_ms"]["p50"].get<double>(), j["tpot_ms"]["p50"].get<double>()};
  };
  const auto [ttft, tpot] = sim();
  EXPECT_GE(ttft, 2 * 48 * 2.660 - 1e-6);
  EXPECT_GE(tpot, 48 * 0.718 - 1e-6);
  EXPECT_LT(tpot, 48 * 2.660);
  r.enforce_eager = true;
  const auto [eager_ttft, eager_tpot] = sim();
  EXPECT_NEAR(eager_ttft, ttft, 1e-6 * ttft);
  EXPECT_GE(eager_tpot, 48 * 2.660 - 1e-6);
  r.enforce_eager = false;
  r.max_batched_tokens = 512;
  const auto [chunked_ttft, chunked_tpot] = sim();
  EXPECT_GE(chunked_ttft, 8 * 48 * 0.718 - 1e-6);
  EXPECT_LT(chunked_ttft, 8 * 48 * 2.660);
  EXPECT_DOUBLE_EQ(chunked_tpot, tpot);
}

// Under --cudagraph-mode full_decode_only vLLM captures full graphs for uniform decode batches
// and none for prefill or mixed ones (FULL_DECODE_ONLY = (FULL, NONE), S4250), so every step with
// a prompt token is launched from the host, whatever its size. The same 4,000-token prompt on two
// 910B at tp 2 with --max-batched-tokens 512 (8 chunks of at most 512 tokens, each within the
// largest captured size, so piecewise replays a graph for each, test above): now each chunk takes
// at least 48 layers x 2.660 ms = 127.68 ms, TTFT >= 8 x 127.68 = 1,021.44 ms, while decode steps
// keep the mode's floor, 48 x 0.417 = 20.02 ms, under the piecewise 48 x 0.718 = 34.46 ms.
TEST(EngineLimits, VllmAscendFullDecodeOnlyRunsPromptStepsEagerly) {
  InferRequest r;
  r.model = "Qwen/Qwen3-30B-A3B";
  r.chip = {"ascend-910b"};
  r.count = 2;
  r.tp = 2;
  r.dtype = "bf16";
  r.input_tokens = 4000;
  r.output_tokens = 50;
  r.output_dist = "fixed";
  r.requests = 2;
  r.concurrency = 1;
  r.mode = "server";
  r.max_batched_tokens = 512;
  auto sim = [&] {
    const auto j = InferJson(r)["simulation"];
    return std::pair{j["ttft_ms"]["p50"].get<double>(), j["tpot_ms"]["p50"].get<double>()};
  };
  const auto [piecewise_ttft, piecewise_tpot] = sim();
  EXPECT_LT(piecewise_ttft, 8 * 48 * 2.660);
  r.cudagraph_mode = "full_decode_only";
  const auto [ttft, tpot] = sim();
  EXPECT_GE(ttft, 8 * 48 * 2.660 - 0.05);  // the answer rounds to 0.1 ms
  EXPECT_GE(tpot, 48 * 0.417 - 1e-6);
  EXPECT_LT(tpot, 48 * 0.718);
  EXPECT_GE(piecewise_tpot, 48 * 0.718 - 1e-6);
}

// vLLM-Ascend v0.13.0 captures graphs up to min(max_num_seqs x (1 + draft tokens), 512) tokens
// (its patched _set_cudagraph_sizes, S4350), not vLLM's min(2 x max_num_seqs, 512): at the default
// 256 sequences a 400-token prompt, one step within the 2,048-token budget, is above the largest
// graph and launched eagerly, 48 layers x 2.660 ms = 127.7 ms of launches before its first token
// (Qwen3-30B-A3B at tp 2 on two 910B); with --max-num-seqs 512 the largest graph holds 512 tokens
// and the same step replays piecewise (48 x 0.718 = 34.5 ms of floor, the step's device work a
// few ms more), well under the launches.
TEST(EngineLimits, VllmAscend013CapturesGraphsUpToItsSequenceLimit) {
  InferRequest r;
  r.model = "Qwen/Qwen3-30B-A3B";
  r.chip = {"ascend-910b"};
  r.count = 2;
  r.tp = 2;
  r.dtype = "bf16";
  r.engine = "vllm-ascend-0.13";
  r.input_tokens = 400;
  r.output_tokens = 20;
  r.output_dist = "fixed";
  r.requests = 2;
  r.concurrency = 1;
  r.mode = "server";
  const auto ttft = [&] { return InferJson(r)["simulation"]["ttft_ms"]["p50"].get<double>(); };
  EXPECT_GE(ttft(), 48 * 2.660 - 0.05);  // the answer rounds to 0.1 ms
  r.max_num_seqs = 512;
  EXPECT_LT(ttft(), 48 * 2.660 * 0.6);
}

// What `vllm serve` runs on an Intel Gaudi, and what a Gaudi request naming no engine runs: the
// vLLM plugin, vllm-gaudi. Its platform reports no device memory (S3874), so vLLM's small-device
// batch defaults hold, 256 sequences (S3522); its worker keeps 0.9 (gpu_memory_utilization) x (1 -
// 0.1, VLLM_GRAPH_RESERVED_MEM) of what the weights leave for the KV cache (S3875). By hand,
// Llama 3.1 8B in BF16 on one Gaudi 3 (128 GiB): 14.96 GiB of weights, the family's 4 GiB reserve
// and the 2 GiB workspace: 0.81 x (128 - 4 - 2 - 14.96) = 86.70 GiB of cache at 131,072 B a token
// (32 layers x 8 KV heads x 128 x 2 x 2 B). Under FP8 weights an FP8 cache, 65,536 B a token, as
// its INC recipe runs them (--kv-cache-dtype fp8_inc, S3876). A pasted `vllm serve` reads as
// vllm-gaudi.
TEST(EngineLimits, VllmGaudiIsWhatAGaudiRuns) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"gaudi3"};
  r.count = 1;
  r.tp = 1;
  r.dtype = "bf16";
  r.input_tokens = 2048;
  r.output_tokens = 2048;
  r.mode = "server";
  r.concurrency = 2;
  r.requests = 4;
  const auto j = InferJson(r);
  EXPECT_EQ(j["engine_assumed"]["engine"], "vllm-gaudi") << j.dump();
  EXPECT_DOUBLE_EQ(j["kv_cache_bytes_per_token"].get<double>(), 131072);
  EXPECT_NEAR(j["weights_gib_per_chip"].get<double>(), 14.96, 0.01);
  const double pool =
      j["simulation"]["kv_capacity_tokens"].get<double>() * 131072 / (1024.0 * 1024 * 1024);
  EXPECT_NEAR(pool, 0.81 * (128 - 4 - 2 - j["weights_gib_per_chip"].get<double>()), 0.02)
      << j.dump();
  InferRequest offline = r;
  offline.mode = "analytic";
  offline.concurrency.reset();
  offline.requests.reset();
  offline.input_tokens = 128;
  offline.output_tokens = 128;
  EXPECT_EQ(InferJson(offline)["engine_max_batch"], 256);
  offline.dtype = "fp8";
  EXPECT_DOUBLE_EQ(InferJson(offline)["kv_cache_bytes_per_token"].get<double>(), 65536);
  InferRequest pasted = offline;
  pasted.launched_by = "vllm";
  EXPECT_EQ(InferJson(pasted)["engine"], "vllm-gaudi");
}

// The gaudi family's FP8 GEMM rate (data/calibration.yaml, low_precision_matmul_efficiency 0.36)
// is fitted on Intel's one prompt-bound Gaudi 3 run (S3354): Llama 3.1 70B FP8 on 2 HPUs at tp 2,
// 2,048 prompt and 128 output tokens, batch 223, 497 tok/s = 248.5 a card: 3.88 requests/s on
// the two cards, 0.258 s each, of which the prompt's GEMMs take 0.219 s (2,048 x 2 x 70.6 GFLOP
// over 2 x 0.36 x 1,835 TFLOPS), 85 %. At the default family's 0.4 the same request answers 273
// (+9.9 %), outside the 5 % here. The analytic steady state (prompts priced as a separate rate)
// within 15 %.
TEST(EngineLimits, GaudiFp8RateFitOnIntelsPromptBoundRun) {
  InferRequest r;
  r.model = "llama-3.1-70b";
  r.chip = {"gaudi3"};
  r.count = 2;
  r.tp = 2;
  r.dtype = "fp8";
  r.input_tokens = 2048;
  r.output_tokens = 128;
  r.max_num_seqs = 223;
  r.mode = "offline";
  const double intel = 497.0 / 2;
  const auto sim = InferJson(r);
  EXPECT_EQ(sim["engine_assumed"]["engine"], "vllm-gaudi") << sim.dump();
  EXPECT_NEAR(sim["answer"]["output_tokens_per_s_per_chip"].get<double>() / intel, 1.0, 0.05)
      << sim["answer"].dump();
  r.mode = "analytic";
  EXPECT_NEAR(InferJson(r)["output_tokens_per_s_per_chip"].get<double>() / intel, 1.0, 0.15);
}

// The answer's layout line says whether the layout was searched and how many instances share the
// chips, so a typed request's --max-num-seqs reads as each instance's (vLLM's is per engine):
// Llama 3.1 70B FP8 on 8 Gaudi 3 with no --tp is searched (tp 1, 2, 4, 8: 4 layouts) and answers
// tp 2, four two-card instances (a one-card instance's cache holds 259 sequences, which vLLM-Gaudi
// runs padded to its 340 bucket); --tp 1 is the user's, eight instances, not searched.
TEST(EngineLimits, TheLayoutLineSaysWhatWasSearchedAndTheInstances) {
  InferRequest r;
  r.model = "llama-3.1-70b";
  r.chip = {"gaudi3"};
  r.count = 8;
  r.dtype = "fp8";
  r.input_tokens = 128;
  r.output_tokens = 2048;
  r.max_num_seqs = 600;
  r.mode = "analytic";
  auto text = TheEngine().Infer(r, {Format::kText, nullptr});
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_NE(text->body.find("layout: tp 2 ep 1 dp 1 (2 chips per instance, 4 instances on the 8 "
                            "chips); searched over 4 layouts: --tp, --ep and --dp set one\n"),
            std::string::npos)
      << text->body;
  r.tp = 1;
  text = TheEngine().Infer(r, {Format::kText, nullptr});
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_NE(text->body.find("layout: tp 1 ep 1 dp 1 (1 chip per instance, 8 instances on the 8 "
                            "chips)\n"),
            std::string::npos)
      << text->body;
}

// A request that leaves vLLM-Ascend's graph mode unset runs its default, PIECEWISE (vLLM's
// FULL_AND_PIECEWISE becomes PIECEWISE on the NPU, S3521), and where that floor sets the decode
// step the answer says so and names the tutorials' FULL_DECODE_ONLY (S3520), which the
// maintainers say "can double output token throughput" (S3525). By hand, Qwen3-30B-A3B (48
// layers) at tp 4 and one sequence: at least 48 x 718 us = 34.5 ms a step piecewise, 48 x 417 us
// = 20.0 ms as one graph. Given any graph mode, or --enforce-eager, there is nothing to tell.
TEST(EngineLimits, VllmAscendPiecewiseDefaultIsSaidWhereItSetsTheStep) {
  InferRequest r;
  r.model = "Qwen/Qwen3-30B-A3B";
  r.chip = {"ascend-910b"};
  r.count = 4;
  r.tp = 4;
  r.dtype = "bf16";
  r.input_tokens = 15000;
  r.output_tokens = 200;
  r.max_num_seqs = 1;
  r.mode = "analytic";
  auto said = [&] {
    const auto j = InferJson(r);
    for (const auto& a : j.value("assumptions", nlohmann::json::array())) {
      if (a.get<std::string>().find("--cudagraph-mode full_decode_only") != std::string::npos) {
        return a.get<std::string>();
      }
    }
    return std::string();
  };
  const std::string note = said();
  EXPECT_NE(note.find("vllm-ascend-0.13 captures piecewise graphs by default"), std::string::npos)
      << note;
  EXPECT_NE(note.find("at least 718 us a layer, 34.5 ms"), std::string::npos) << note;
  EXPECT_NE(note.find("at least 417 us a layer (20.0 ms)"), std::string::npos) << note;
  r.cudagraph_mode = "full_decode_only";
  EXPECT_EQ(said(), "");
  r.cudagraph_mode = "PIECEWISE";
  EXPECT_EQ(said(), "");
  r.cudagraph_mode.clear();
  r.enforce_eager = true;
  EXPECT_EQ(said(), "");
  // The engines whose full decode graph is not measured say nothing of it (vLLM on a GPU).
  r.enforce_eager = false;
  r.model = "llama-3.1-8b";
  r.chip = {"h100"};
  r.count = 1;
  r.tp = 1;
  r.engine = "vllm";
  EXPECT_EQ(said(), "");
}

// vLLM-Ascend v0.13 splits a MoE model's experts by tensor parallelism unless started with
// --enable-expert-parallel (vLLM's enable_expert_parallel = False, S4081; the all-gather path
// 'without expert parallel', S3523): DeepSeek-R1 W8A8 on sixteen 910C dies (1,024 in, 1,024 out),
// with the engine named or left to the chip's default, keeps to ep 1 (attention DP with
// tensor-parallel experts stays open: before the rule the search took ep 16 with dp 16), while a
// given --ep 16 still runs.
TEST(EngineLimits, VllmAscendSearchesExpertParallelOnlyWhenGiven) {
  InferRequest r;
  r.model = "deepseek-r1";
  r.chip = {"ascend-910c"};
  r.count = 16;
  r.dtype = "int8";
  r.input_tokens = 1024;
  r.output_tokens = 1024;
  r.mode = "analytic";
  const auto chip_default = InferJson(r);
  EXPECT_EQ(chip_default["engine"], "vllm-ascend-0.13");
  EXPECT_EQ(chip_default["layout"]["ep"].get<int>(), 1);
  r.engine = "vllm-ascend-0.13";
  EXPECT_EQ(InferJson(r)["layout"]["ep"].get<int>(), 1);
  r.ep = 16;
  EXPECT_EQ(InferJson(r)["layout"]["ep"].get<int>(), 16);
}

// With no --engine a chip runs the engine its family is deployed on (data/engines.yaml
// default_families): vLLM-Ascend on an Ascend 910, with its step floor; vLLM on an MI300X, an H100
// and a B200 (cuda-graphs, no batch limits and a graph-replayed step, only when named); --engine
// none asks for no engine on any.
TEST(EngineLimits, AnAscendChipRunsVllmAscendByDefault) {
  InferRequest r;
  r.model = "deepseek-r1";
  r.chip = {"ascend-910c"};
  r.count = 8;
  r.tp = 8;
  r.dtype = "int8";
  r.input_tokens = 4096;
  r.output_tokens = 1536;
  r.max_num_seqs = 4;
  r.mode = "analytic";
  const auto ascend = InferJson(r);
  EXPECT_EQ(ascend["engine"], "vllm-ascend-0.13");
  // vLLM-Ascend's piecewise floor, 718 us in each of R1's 61 layers (43.8 ms), binds 4 sequences
  // (their device work at tp 8, mostly the all-reduces, is under it).
  EXPECT_GE(ascend["tpot_ms"].get<double>(), 61 * 0.718 - 1e-6);
  EXPECT_LT(ascend["tpot_ms"].get<double>(), 1.05 * 61 * 0.718);
  r.engine = "none";
  const auto bare = InferJson(r);
  EXPECT_TRUE(bare["engine"].is_null());
  EXPECT_LT(bare["tpot_ms"].get<double>(), ascend["tpot_ms"].get<double>());
  // An H100 runs vLLM; named, cuda-graphs is the step every NVIDIA engine's decode graph pays (55
  // us a layer), no limits.
  InferRequest hopper = EightB();
  EXPECT_EQ(InferJson(hopper)["engine"], "vllm");
  hopper.engine = "cuda-graphs";
  const auto graphs = InferJson(hopper);
  EXPECT_NEAR(graphs["step_breakdown_ms"]["overhead"].get<double>(), 32 * 0.055, 1e-6);
  hopper.engine = "none";
  const auto host = InferJson(hopper);
  EXPECT_TRUE(host["engine"].is_null());
  // No engine: the fixed 4.8 ms a step of an engine that launches every iteration from the host
  // (hopper serving_step_overhead_ms, MLPerf's TensorRT-LLM harness, S1820 / S4700).
  EXPECT_NEAR(host["step_breakdown_ms"]["overhead"].get<double>(), 4.8, 1e-9);
  // No batch limit either way: the memory's batch, in 0.9 of the pool none keeps (the KV share
  // of TensorRT-LLM's free_gpu_memory_fraction, S952).
  EXPECT_NEAR(graphs["max_batch"].get<double>(), 0.9 * host["max_batch"].get<double>(), 1.0);
  InferRequest blackwell = EightB();
  blackwell.chip = {"b200"};
  EXPECT_EQ(InferJson(blackwell)["engine"], "vllm");
  // An AMD Instinct part runs vLLM (AMD's validated ROCm image, S2460).
  InferRequest amd = EightB();
  amd.chip = {"mi300x"};
  EXPECT_EQ(InferJson(amd)["engine"], "vllm");
  amd.engine = "none";
  EXPECT_TRUE(InferJson(amd)["engine"].is_null());
}

// With no engine named on a B200 the request runs vLLM, as on every NVIDIA family (vllm
// default_families, S2543, S4140), not NVIDIA's MLPerf harness (`--engine none`). Its KV format
// follows the checkpoint: DeepSeek's own FP8 release of R1 declares none, so vLLM keeps a 16-bit
// cache (S3533): by hand, MLA's 512 + 64 = 576 cached elements a layer x 61 layers = 35,136 a
// token, 70,272 bytes in BF16, where the harness (8-bit under 8-bit weights) keeps 35,136; its
// pool is a share of the HBM, less than the harness's whole remainder. Its step is vLLM's graph
// step, 55 us in each of the 61 layers (S2200) and the MoE chain's 42 us in each of the 58 MoE
// layers on Blackwell (S2320): 3.355 + 2.436 = 5.791 ms, where the harness pays the family's 16.8.
TEST(EngineLimits, NoEngineNamedOnBlackwellRunsVllm) {
  InferRequest r;
  r.model = "deepseek-r1";
  r.chip = {"b200"};
  r.count = 8;
  r.tp = 8;
  r.dtype = "fp8";
  r.input_tokens = 1000;
  r.output_tokens = 1000;
  r.mode = "server";
  r.concurrency = 4;
  r.requests = 8;
  auto kv_gib = [](const nlohmann::json& j) {
    return j["simulation"]["kv_capacity_tokens"].get<double>() *
           j["kv_cache_bytes_per_token"].get<double>() / (1024.0 * 1024 * 1024);
  };
  const auto unnamed = InferJson(r);
  EXPECT_EQ(unnamed["engine"], "vllm");
  EXPECT_DOUBLE_EQ(unnamed["kv_cache_bytes_per_token"].get<double>(), 70272);
  r.engine = "none";
  const auto none = InferJson(r);
  EXPECT_DOUBLE_EQ(none["kv_cache_bytes_per_token"].get<double>(), 35136);
  EXPECT_LT(kv_gib(unnamed), kv_gib(none)) << unnamed.dump();
  EXPECT_NEAR(unnamed["step_breakdown_ms"]["overhead"].get<double>(), 61 * 0.055 + 58 * 0.042, 1e-3)
      << unnamed.dump();
  EXPECT_DOUBLE_EQ(none["step_breakdown_ms"]["overhead"].get<double>(), 16.8);
  // The request's format decides over both.
  r.kv_dtype = "fp8";
  r.engine.clear();
  EXPECT_DOUBLE_EQ(InferJson(r)["kv_cache_bytes_per_token"].get<double>(), 35136);
}

// MLA on an FP8 cache on Hopper runs FlashMLA's FP8 kernel under SGLang and vLLM (S2020, S2781):
// with no engine named the attention takes the same FP8 rate, 1 / 1.7 of the BF16-kernel time of
// an engine that does not list the kernel (TensorRT-LLM here: S1980, FlashMLA-FP8 ~70 % faster
// than BF16 FlashMLA, hopper's fp8_ and mla_decode_efficiency 0.567 x 1,979 / (0.667 x 989)
// = 1.70 on the H800; on the H20, whose tensor rate an SM is 0.2533 of the H800's, each at
// e / (e + (1 - e) 0.2533): 2 x 0.8379 / 0.8877 = 1.888), and no engine's fixed costs (Hopper's 4.8
// ms a step aside: hopper serving_step_overhead_ms). The H20 decode pool of Ant Group's SGLang
// deployment (S1980): attention DP 16 x EP 16, 48 a rank.
TEST(EngineLimits, MlaOnAnFp8CacheTakesTheFp8RateWithoutAnEngine) {
  InferRequest r;
  r.model = "deepseek-r1";
  r.chip = {"h20"};
  r.count = 16;
  r.tp = 1;
  r.ep = 16;
  r.dp = 16;
  r.dtype = "fp8";
  r.kv_dtype = "fp8";
  r.input_tokens = 4096;
  r.output_tokens = 1536;
  r.output_dist = "fixed";
  r.disaggregate = true;
  r.max_num_seqs = 48;
  r.mode = "analytic";
  r.engine = "none";  // the H20's default (cuda-graphs) lists Hopper too, with its graph cost
  const auto bare = InferJson(r);
  ASSERT_TRUE(bare["engine"].is_null());
  const double attention = bare["step_breakdown_ms"]["attention"].get<double>();
  EXPECT_NEAR(bare["step_breakdown_ms"]["overhead"].get<double>(), 4.8, 1e-9);  // hopper's
  for (const char* engine : {"sglang", "vllm"}) {
    r.engine = engine;
    // 48 a rank: SGLang's limit is the server's, each of the 16 ranks taking // 16 of it.
    r.max_num_seqs = std::string(engine) == "sglang" ? 48 * 16 : 48;
    EXPECT_NEAR(InferJson(r)["step_breakdown_ms"]["attention"].get<double>(), attention, 1e-6)
        << engine;
  }
  r.engine = "trtllm";
  EXPECT_NEAR(InferJson(r)["step_breakdown_ms"]["attention"].get<double>() / attention, 1.888,
              0.01);
  // A BF16 cache keeps the 16-bit kernel with no engine too.
  r.engine = "none";
  r.kv_dtype = "bf16";
  EXPECT_GT(InferJson(r)["step_breakdown_ms"]["attention"].get<double>(), 1.65 * attention);
}

// Llama 4 Maverick in FP8 on H200s, attention data parallel over every chip with the batch fixed
// by --max-num-seqs: its step's communication is the MoE exchange alone.
InferRequest MaverickDataParallelOnH200s() {
  InferRequest r;
  r.model = "llama-4-maverick";
  r.chip = {"h200"};
  r.dtype = "fp8";
  r.input_tokens = 1000;
  r.output_tokens = 1000;
  r.tp = 1;
  r.max_num_seqs = 64;
  r.mode = "analytic";
  return r;
}

// Attention DP + EP inside one HGX node: vLLM's default all2all backend all-gathers and
// reduce-scatters (S2760), SGLang's moe_a2a_backend none all-gathers (S2761), as with no engine
// named. Llama 4 Maverick at DEP 8 on eight H200s (the batch fixed by --max-num-seqs) communicates
// the same under either engine as with none (before, as an all-to-all of 7/8 of a copy a token:
// 1.0 ms a step against 8-9 ms gathered at 500 a rank); across two nodes (DEP 16, where
// deployments take DeepEP) the all-to-all stays, as with none. (Across nodes a decode-only step
// takes DeepEP's low-latency kernels and a step with prompt tokens the alpha-beta all-to-all, so
// the 16-chip comparison gives every engine the same token budget, prompts in steps of their own;
// SGLang's steps still mix in prompt tokens in another share, a few per cent apart, against the
// several times more a gather would cost.)
TEST(EngineLimits, VllmAndSglangGatherAttentionDpMoeInsideAnHgxNode) {
  InferRequest r = MaverickDataParallelOnH200s();
  const auto comm = [&r](int chips, const char* engine) {
    r.count = chips;
    r.ep = chips;
    r.dp = chips;
    r.engine = engine;
    // 64 a rank: SGLang's limit is the server's, each rank taking // dp of it.
    r.max_num_seqs = std::string(engine) == "sglang" ? 64 * chips : 64;
    r.max_batched_tokens.reset();
    if (chips > 8) r.max_batched_tokens = 8192;
    return InferJson(r)["step_breakdown_ms"]["communication"].get<double>();
  };
  const double none8 = comm(8, "none");
  const double none16 = comm(16, "none");
  EXPECT_GT(none8, 0.0);
  EXPECT_NEAR(comm(16, "vllm"), none16, 1e-9);
  EXPECT_NEAR(comm(16, "sglang") / none16, 1.0, 0.05);
  EXPECT_NEAR(comm(8, "vllm"), none8, 1e-9);
  // SGLang gathers a step with prompt tokens in it by all-reduces (DpPaddingMode SUM_LEN, S3600;
  // dp_prefill_gather_all_reduce): more than the gather, at most the all-reduce's 9/8 of the
  // buffer at the switch's measured 0.6 of the link (hgx-h200 in_network_efficiency) against the
  // gather's 7/8 at 0.8: 9/7 x 0.8/0.6 = 12/7.
  const double sglang8 = comm(8, "sglang");
  EXPECT_GT(sglang8, none8);
  EXPECT_LT(sglang8, none8 * 12 / 7);
}

// A recipe naming an all-to-all expert exchange (SGLang's --moe-a2a-backend deepep, vLLM's
// --all2all-backend deepep_low_latency or pplx) is priced as one inside the node too: Maverick at
// DEP 8 on eight H200s, 1.0 ms of communication a step as an all-to-all of 7/8 of a copy a token
// against 8-9 ms gathered (571c9dc's hand numbers). The gather backends change nothing; a name
// neither engine has is an error naming the field.
TEST(EngineLimits, AnAllToAllBackendReplacesTheInNodeGather) {
  InferRequest r = MaverickDataParallelOnH200s();
  r.count = 8;
  r.ep = 8;
  r.dp = 8;
  const auto comm = [&r](const char* engine, const char* backend) {
    r.engine = engine;
    r.moe_a2a_backend = backend;
    r.max_num_seqs = std::string(engine) == "sglang" ? 64 * 8 : 64;  // 64 a rank
    return InferJson(r)["step_breakdown_ms"]["communication"].get<double>();
  };
  const double gathered = comm("none", "");
  // SGLang's own gather (its prompt steps by all-reduce, SUM_LEN, S3600), unchanged by the names.
  const double sglang_gathered = comm("sglang", "");
  for (const char* engine : {"none", "sglang", "vllm"}) {
    for (const char* backend : {"none", "allgather_reducescatter", "naive"}) {
      EXPECT_NEAR(comm(engine, backend),
                  std::string(engine) == "sglang" ? sglang_gathered : gathered, 1e-9)
          << engine << " " << backend;
    }
  }
  const double all_to_all = comm("sglang", "deepep");
  EXPECT_LT(all_to_all, gathered / 4);
  EXPECT_GT(all_to_all, 0.0);
  for (const char* engine : {"none", "vllm"}) {
    for (const char* backend : {"deepep_low_latency", "pplx"}) {
      EXPECT_NEAR(comm(engine, backend), all_to_all, 1e-9) << engine << " " << backend;
    }
  }
  r.moe_a2a_backend = "deep_ep";
  auto bad = TheEngine().Infer(r, Json());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "moe_a2a_backend");
  EXPECT_NE(bad.error().message.find("deepep"), std::string::npos) << bad.error().message;
  // Both spellings are the one field, and it is not listed as unpriced.
  InferRequest a;
  ASSERT_TRUE(SetField(InferFields(), a, "all2all_backend", FieldValue{std::string("pplx")}));
  EXPECT_EQ(a.moe_a2a_backend, "pplx");
  EXPECT_TRUE(a.flags_not_modelled.empty());
}

// Every infer flag is listed under one of --help's headings, in InferGroups' order: a new flag
// left out would land under "Options" beside -h.
TEST(Engine, EveryInferFlagHasAHelpHeading) {
  const auto& groups = InferGroups();
  for (const auto& f : InferFields()) {
    EXPECT_NE(std::find(groups.begin(), groups.end(), f.group), groups.end()) << f.name;
  }
}

// The acceptance assumed for a draft head on a model with none published is catalog data
// (data/calibration.yaml inference.draft_head_acceptance, S2820), loaded and checked as the other
// figures: an overlay replaces it, and a probability outside [0, 1] is refused naming it.
TEST(Engine, AssumedDraftAcceptanceIsCatalogData) {
  InferRequest r;
  r.model = "llama-3-8b";
  r.chip = {"h100"};
  r.mode = "analytic";
  ASSERT_TRUE(
      SetField(InferFields(), r, "speculative_algorithm", FieldValue{std::string("EAGLE3")}));
  ASSERT_TRUE(SetField(InferFields(), r, "speculative_num_steps", FieldValue{std::string("2")}));
  const auto shipped = InferJson(r);
  EXPECT_EQ(shipped["mtp_acceptance"], 0.79) << shipped.dump();
  const std::string dir = ::testing::TempDir() + "/suanli_draft_acceptance_" +
                          std::to_string(static_cast<long>(::getpid()));
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(
      WriteFileAtomically(dir + "/calibration.yaml", "inference:\n  draft_head_acceptance: 0.5\n"));
  EngineOptions o;
  o.catalog_dir = dir;
  auto engine = Engine::Open(o);
  ASSERT_TRUE(engine) << engine.error().ToString();
  auto out = engine->Infer(r, Json());
  ASSERT_TRUE(out) << out.error().message;
  const auto j = nlohmann::json::parse(out->body);
  // 1 + 0.5 + 0.25 = 1.75 tokens a verify step of a depth-2 chain.
  EXPECT_EQ(j["mtp_acceptance"], 0.5) << j.dump();
  EXPECT_NEAR(j["tokens_per_decode_step"].get<double>(), 1.75, 1e-9);
  EXPECT_NE(j.value("mtp_acceptance_basis", "").find("assumed 0.5 a position"), std::string::npos)
      << j.dump();
  ASSERT_TRUE(
      WriteFileAtomically(dir + "/calibration.yaml", "inference:\n  draft_head_acceptance: 1.5\n"));
  auto bad = Engine::Open(o);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().ToString().find("draft_head_acceptance"), std::string::npos)
      << bad.error().ToString();
}

// infer --compare says what one deployment's answer says: the flags no row priced, and a draft
// acceptance assumed for want of a published one (the model's, so said once).
TEST(Engine, CompareListsFlagsNotModelledAndAnAssumedAcceptance) {
  InferRequest r;
  r.model = "llama-3-8b";
  r.chip = {"h100", "h200"};
  r.compare = true;
  r.mode = "analytic";
  ASSERT_TRUE(
      SetField(InferFields(), r, "speculative_algorithm", FieldValue{std::string("EAGLE3")}));
  ASSERT_TRUE(SetField(InferFields(), r, "disable_custom_all_reduce", FieldValue{true}));
  ASSERT_TRUE(SetField(InferFields(), r, "cuda_graph_max_bs", FieldValue{std::string("256")}));
  r.engine = "cuda-graphs";  // no engine's capture sizes to take --cuda-graph-max-bs into
  const auto j = InferJson(r);
  EXPECT_EQ(j["flags_not_modelled"],
            nlohmann::json::array({"--cuda-graph-max-bs", "--disable-custom-all-reduce"}));
  ASSERT_EQ(j["chips"].size(), 2u);
  for (const auto& chip : j["chips"]) {
    EXPECT_NE(chip.value("mtp_acceptance_basis", "").find("assumed 0.79"), std::string::npos)
        << chip.dump();
  }
  auto text = TheEngine().Infer(r, {Format::kText, nullptr});
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_NE(text->body.find("note: not modelled, accepted as given: --cuda-graph-max-bs, "
                            "--disable-custom-all-reduce\n"),
            std::string::npos)
      << text->body;
  const auto basis = text->body.find("note: draft acceptance assumed 0.79");
  ASSERT_NE(basis, std::string::npos) << text->body;
  EXPECT_EQ(text->body.find("note: draft acceptance", basis + 1), std::string::npos);
  // Without such flags the JSON has no key, as one deployment's.
  InferRequest plain;
  plain.model = "llama-3-8b";
  plain.chip = {"h100", "h200"};
  plain.compare = true;
  plain.mode = "analytic";
  EXPECT_FALSE(InferJson(plain).contains("flags_not_modelled"));
}

// vLLM replays HIP graphs on ROCm as CUDA graphs on NVIDIA (S2201, S2700): a decode step on an AMD
// Instinct part carries the graph's per-layer gaps, 55 us in each of Llama 2 70B's 80 layers,
// as under SGLang (vLLM schedules a step ahead by default, as from v0.14, S2901: no host loop).
TEST(EngineLimits, VllmOnRocmPaysTheGraphsLayerGaps) {
  InferRequest r;
  r.model = "llama-2-70b";
  r.chip = {"mi300x"};
  r.count = 1;
  r.dtype = "fp8";
  r.mode = "analytic";
  r.max_num_seqs = 1;
  for (const char* engine : {"vllm", "sglang"}) {
    r.engine = engine;
    EXPECT_NEAR(InferJson(r)["step_breakdown_ms"]["overhead"].get<double>(), 80 * 0.055, 1e-6)
        << engine;
  }
}

// vLLM's engine loop between steps (schedule, send the inputs, update each request with its
// token) keeps the GPU waiting 21 us per running request (data/engines.yaml host_seq_us, S2900)
// under --no-async-scheduling, vLLM's default up to 0.13: AMD's published Llama 3.1 70B run on
// vLLM 0.10.2, TP 8 on MI300X with 3,200 sequences, waits 3,200 x 21 us = 67.2 ms a step on top
// of the graph's 80 x 55 us; --scheduler-steps 8 calls the loop once in 8 steps (8.4 ms a step).
// Scheduling a step ahead (--async-scheduling, vLLM's default since 0.14, S2901, which the vllm
// entry prices) charges none of it, with or without the flag; the answer notes the host loop only
// where it is charged, and the command --emit prints spells out what was priced either way.
TEST(EngineLimits, VllmWaitsForItsHostLoopPerRunningRequest) {
  InferRequest r;
  r.model = "llama-3.1-70b";
  r.chip = {"mi300x"};
  r.count = 8;
  r.tp = 8;
  r.dtype = "fp8";
  r.kv_dtype = "fp8";
  r.input_tokens = 128;
  r.output_tokens = 2048;
  r.mode = "analytic";
  r.engine = "vllm";
  r.max_num_seqs = 3200;
  r.no_async_scheduling = true;
  r.emit = "vllm";
  const auto sync = InferJson(r);
  ASSERT_EQ(sync["max_batch"], 3200);
  EXPECT_NEAR(sync["step_breakdown_ms"]["overhead"].get<double>(), 80 * 0.055 + 3200 * 0.021, 1e-6);
  EXPECT_NE(sync.dump().find("vllm runs without async scheduling (vLLM's default up to 0.13)"),
            std::string::npos)
      << sync.dump();
  EXPECT_NE(sync.dump().find("--async-scheduling, vLLM's default from 0.14"), std::string::npos);
  r.scheduler_steps = 8;
  const auto multi = InferJson(r);
  EXPECT_NEAR(multi["step_breakdown_ms"]["overhead"].get<double>(), 80 * 0.055 + 3200 * 0.021 / 8,
              1e-6);
  EXPECT_NE(multi.dump().find("is charged once in 8 steps"), std::string::npos) << multi.dump();
  EXPECT_NE(sync.dump().find("--no-async-scheduling"), std::string::npos);
  r.scheduler_steps.reset();
  r.no_async_scheduling = false;
  const auto by_default = InferJson(r);
  EXPECT_NEAR(by_default["step_breakdown_ms"]["overhead"].get<double>(), 80 * 0.055, 1e-6);
  EXPECT_EQ(by_default.dump().find("without async scheduling"), std::string::npos)
      << by_default.dump();
  r.async_scheduling = true;
  const auto ahead = InferJson(r);
  EXPECT_NEAR(ahead["step_breakdown_ms"]["overhead"].get<double>(), 80 * 0.055, 1e-6);
  EXPECT_NE(ahead.dump().find("--async-scheduling"), std::string::npos);
  EXPECT_EQ(ahead.dump().find("--no-async-scheduling"), std::string::npos);
  EXPECT_EQ(ahead.dump().find("without async scheduling"), std::string::npos);
  EXPECT_LT(ahead["tpot_ms"].get<double>(), sync["tpot_ms"].get<double>() - 60);
  // Both flags contradict each other: an error naming the field.
  r.no_async_scheduling = true;
  auto both = TheEngine().Infer(r, {Format::kJson, nullptr});
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().field, "async_scheduling");
  EXPECT_NE(both.error().message.find("no_async_scheduling"), std::string::npos)
      << both.error().message;
}

// vLLM's V0 engine with multi-step scheduling as AMD's ROCm guide ran it (engine vllm-v0-multistep:
// --num-scheduler-steps 10, S4342; V0's defaults, S4341: 256 sequences, chunked prefill off, no
// async scheduling). The same Llama 3.1 70B TP 8 run on MI300X as above, left to the entry's
// defaults: 256 sequences run, and the host loop's 21 us a running request (S2900) is paid once in
// 10 steps, so the step's overhead is 80 x 55 us + 256 x 21 us / 10 = 4.9376 ms; --scheduler-steps
// 15 spreads it over 15. The entry prices exactly what vllm-0.11 (V1, sync) does when told those
// settings, in the analytic model and in the simulator (new requests admitted once a call); the
// command --emit prints is V0's: --num-scheduler-steps, no --no-async-scheduling (none before
// 0.10).
TEST(EngineLimits, VllmV0MultiStepPaysItsHostLoopOnceACall) {
  InferRequest r;
  r.model = "llama-3.1-70b";
  r.chip = {"mi300x"};
  r.count = 8;
  r.tp = 8;
  r.dtype = "fp8";
  r.kv_dtype = "fp8";
  r.input_tokens = 128;
  r.output_tokens = 2048;
  r.mode = "analytic";
  r.engine = "vllm-v0-multistep";
  r.emit = "vllm";
  const auto v0 = InferJson(r);
  ASSERT_EQ(v0["max_batch"], 256) << v0.dump();
  // (The JSON prints a step to the microsecond.)
  EXPECT_NEAR(v0["step_breakdown_ms"]["overhead"].get<double>(), 80 * 0.055 + 256 * 0.021 / 10,
              5e-4);
  EXPECT_NE(v0.dump().find("is charged once in 10 steps"), std::string::npos) << v0.dump();
  const std::string launch = v0.dump();
  EXPECT_NE(launch.find("--num-scheduler-steps 10"), std::string::npos) << launch;
  EXPECT_NE(launch.find("--no-enable-chunked-prefill"), std::string::npos) << launch;
  EXPECT_NE(launch.find("--max-num-seqs 256"), std::string::npos) << launch;
  EXPECT_EQ(launch.find("async-scheduling\""), std::string::npos) << launch;
  r.scheduler_steps = 15;
  EXPECT_NEAR(InferJson(r)["step_breakdown_ms"]["overhead"].get<double>(),
              80 * 0.055 + 256 * 0.021 / 15, 5e-4);
  r.scheduler_steps.reset();
  r.emit.clear();
  InferRequest told = r;
  told.engine = "vllm-0.11";
  told.scheduler_steps = 10;
  told.max_num_seqs = 256;
  told.no_chunked_prefill = true;
  EXPECT_DOUBLE_EQ(InferJson(told)["tpot_ms"].get<double>(), InferJson(r)["tpot_ms"].get<double>());
  // Simulated: the same admission cadence and step, so the same run.
  r.mode = "offline";
  r.requests = 600;
  r.output_tokens = 256;
  told.mode = "offline";
  told.requests = 600;
  told.output_tokens = 256;
  const auto sim_v0 = InferJson(r)["simulation"];
  const auto sim_told = InferJson(told)["simulation"];
  ASSERT_TRUE(sim_v0.contains("output_tokens_per_s_per_chip")) << sim_v0.dump();
  EXPECT_DOUBLE_EQ(sim_v0["output_tokens_per_s_per_chip"].get<double>(),
                   sim_told["output_tokens_per_s_per_chip"].get<double>());
  told.scheduler_steps = 1;
  EXPECT_NE(InferJson(told)["simulation"]["output_tokens_per_s_per_chip"].get<double>(),
            sim_v0["output_tokens_per_s_per_chip"].get<double>());
}

// vLLM 0.14-0.16 (vllm-0.16) schedule a step ahead and read a checkpoint's FP8 cache as the
// current release does, but run the fused-MoE kernel's two-branch default config for a shape with
// no tuned file: the batch-size-aware one (pull request 34846, S3210) first shipped in v0.17.0
// (its notes list #34846; v0.16.0 was branch cut on Feb 8, before the 2026-02-18 merge: S4440).
// GLM-4.6's BF16 experts at TP 8 on H200 (E=160, N=192: no tuned file, S3902) are that shape, so
// its prompt tokens cost more under vllm-0.16 than under vllm, and exactly what they cost under
// vllm-0.13 (v0.12-v0.13, the same two-branch default) once that is told to schedule ahead.
TEST(EngineLimits, Vllm014To016RunTheTwoBranchMoeDefaultConfig) {
  InferRequest r;
  r.model = "glm-4.6";
  r.chip = {"h200"};
  r.count = 8;
  r.tp = 8;
  r.dtype = "bf16";
  r.input_tokens = 4000;
  r.output_tokens = 200;
  r.mode = "analytic";
  const auto prefill = [&](const char* engine, bool async) {
    r.engine = engine;
    r.async_scheduling = async;
    const auto j = InferJson(r);
    EXPECT_TRUE(j.contains("prefill_tokens_per_s_per_chip")) << engine << ": " << j.dump();
    return j.value("prefill_tokens_per_s_per_chip", 0.0);
  };
  const double now = prefill("vllm", false);
  const double v016 = prefill("vllm-0.16", false);
  const double v013 = prefill("vllm-0.13", true);
  EXPECT_GT(v016, 0);
  EXPECT_LT(v016, 0.95 * now);  // the two-branch default: 0.32 of the peak against 0.75
  EXPECT_DOUBLE_EQ(v016, v013);
  EXPECT_DOUBLE_EQ(prefill("vllm-0.14", false), v016);  // the alias
}

// vLLM V0's multi-step call takes KV for its later steps up front: num_lookahead_slots =
// num_scheduler_steps - 1 (arg_utils), and the scheduler appends them beyond each running decode's
// next token at every call (a prompt none with chunked prefill off; S4441). Analytic: a running
// sequence holds half of them on average beyond its context, so at 10 steps the memory bound on
// the batch is the 1-step one times ctx / (ctx + 4.5). By hand, Llama 3.1 70B in FP8 with an FP8
// cache on one MI300X, 100 + 20 fixed tokens: ctx = 100 + 20 / 2 = 110, so 110 / 114.5 =
// 0.960699 of it (within the rounding of each bound to whole sequences). 17 steps: 110 / 118.
// Simulated, KV-bound (every request offered at once): fewer sequences run at once than in the
// same engine's run with the lookahead off (vllm-0.11 told the same steps, limits and chunking:
// S4341's V0 defaults). (Not fewer tokens a second: reserving ahead also preempts less.)
TEST(EngineLimits, VllmV0MultiStepReservesItsLookaheadSlots) {
  InferRequest r;
  r.model = "llama-3.1-70b";
  r.chip = {"mi300x"};
  r.count = 1;
  r.tp = 1;
  r.dtype = "fp8";
  r.kv_dtype = "fp8";
  r.input_tokens = 100;
  r.output_tokens = 20;
  r.output_dist = "fixed";
  r.max_num_seqs = 8192;
  r.mode = "analytic";
  r.engine = "vllm-v0-multistep";
  r.scheduler_steps = 1;
  const double one = InferJson(r)["memory_max_batch"].get<double>();
  ASSERT_GT(one, 1000);
  ASSERT_LT(one, 8000);  // below the batch search's ceiling (8,192)
  r.scheduler_steps = 10;
  const double ten = InferJson(r)["memory_max_batch"].get<double>();
  EXPECT_GE(ten, std::floor(one * 110 / 114.5));
  EXPECT_LE(ten, std::floor((one + 1) * 110 / 114.5));
  r.scheduler_steps = 17;
  const double seventeen = InferJson(r)["memory_max_batch"].get<double>();
  EXPECT_GE(seventeen, std::floor(one * 110 / 118));
  EXPECT_LE(seventeen, std::floor((one + 1) * 110 / 118));
  // The same engine told the V1 entry's way (no lookahead): the bound is the 1-step one.
  InferRequest told = r;
  told.engine = "vllm-0.11";
  told.no_chunked_prefill = true;
  EXPECT_DOUBLE_EQ(InferJson(told)["memory_max_batch"].get<double>(), one);
  // Simulated offline, every request at once and more of them than the KV holds (100 + 200
  // tokens: 6,000 requests against about 455,000 tokens of KV).
  r.mode = "offline";
  r.output_tokens = 200;
  r.requests = 6000;
  told.mode = "offline";
  told.output_tokens = 200;
  told.requests = 6000;
  const auto v0 = InferJson(r)["simulation"];
  const auto v1 = InferJson(told)["simulation"];
  ASSERT_TRUE(v0.contains("max_running_seqs") && v1.contains("max_running_seqs")) << v0.dump();
  ASSERT_GT(v1["preemptions"].get<double>(), 0) << v1.dump();  // KV-bound
  EXPECT_LT(v0["max_running_seqs"].get<double>(), v1["max_running_seqs"].get<double>());
  EXPECT_LT(v0["mean_running_seqs"].get<double>(), v1["mean_running_seqs"].get<double>());
}

// vLLM 0.11 ran block-scaled FP8 experts at TP 8 on DeepGEMM's grouped GEMM (DeepGEMM on by
// default from pull request 24462, S4442; Triton the TP 8 default from pull request 29346, in
// v0.12.0: S3400, S4443). No time of it at those shapes for 0.11 was found, so the step is the
// Triton one (vllm-0.11 and vllm-0.13 differ in nothing else for DeepSeek-R1 on H200) and the
// answer says what ran and what was priced. Not said at another TP, or for vllm-0.13.
TEST(EngineLimits, Vllm011SaysItsTp8ExpertsRanDeepGemm) {
  InferRequest r;
  r.model = "deepseek-r1";
  r.chip = {"h200"};
  r.count = 8;
  r.tp = 8;
  r.dtype = "fp8";
  r.input_tokens = 4000;
  r.output_tokens = 200;
  r.mode = "analytic";
  r.engine = "vllm-0.11";
  const auto v011 = InferJson(r);
  const std::string said = "computes block-FP8 experts at TP 8 with DeepGEMM's grouped GEMM";
  EXPECT_NE(v011.dump().find("vllm-0.11 (as vLLM 0.11 ran it) " + said), std::string::npos)
      << v011.dump();
  EXPECT_NE(v011.dump().find("pull request 29346"), std::string::npos);
  r.engine = "vllm-0.13";
  const auto v013 = InferJson(r);
  EXPECT_EQ(v013.dump().find(said), std::string::npos);
  EXPECT_DOUBLE_EQ(v011["tpot_ms"].get<double>(), v013["tpot_ms"].get<double>());
  EXPECT_DOUBLE_EQ(v011["prefill_tokens_per_s_per_chip"].get<double>(),
                   v013["prefill_tokens_per_s_per_chip"].get<double>());
  // Qwen's block-FP8 release at TP 4: DeepGEMM's there in every release from 0.11 (the pull
  // request kept it below TP 8), so not this note's.
  r.engine = "vllm-0.11";
  r.model = "Qwen/Qwen3-235B-A22B-FP8";
  r.count = 4;
  r.tp = 4;
  const auto tp4 = InferJson(r);
  ASSERT_TRUE(tp4.contains("tpot_ms")) << tp4.dump();
  EXPECT_EQ(tp4.dump().find(said), std::string::npos);
}

// A Model Optimizer checkpoint that declares an FP8 cache (NVIDIA's Llama-3.1-8B-Instruct-FP8,
// kv_cache_quant_algo FP8, S3530) gets it under `--kv-cache-dtype auto` only from vLLM 0.14, the
// first release with pull request 30785 (S3460, S4340): vllm-0.11 and vllm-0.13 keep the model's
// BF16 cache (2 x 32 layers x 8 KV heads x 128 x 2 bytes = 131,072 bytes a token, against 65,536 in
// FP8) and say which flag gives the declared one; --kv-dtype fp8 gives it on any release.
TEST(EngineLimits, VllmBefore014KeepsA16BitCacheForAModelOptCheckpoint) {
  const auto basis = [](const nlohmann::json& j) {
    return j["dtype_basis"].is_string() ? j["dtype_basis"].get<std::string>() : std::string();
  };
  InferRequest r;
  r.model = "nvidia/Llama-3.1-8B-Instruct-FP8";
  r.chip = {"h100"};
  r.count = 1;
  r.input_tokens = 1024;
  r.output_tokens = 1024;
  r.mode = "analytic";
  r.engine = "vllm";
  EXPECT_DOUBLE_EQ(InferJson(r)["kv_cache_bytes_per_token"].get<double>(), 65536);
  for (const char* old : {"vllm-0.11", "vllm-0.13", "vllm-v0-multistep"}) {
    r.engine = old;
    const auto j = InferJson(r);
    EXPECT_DOUBLE_EQ(j["kv_cache_bytes_per_token"].get<double>(), 131072) << old;
    EXPECT_NE(basis(j).find("KV cache 16-bit: the checkpoint declares an fp8 cache "
                            "(kv_cache_quant_algo), which " +
                            std::string(old)),
              std::string::npos)
        << basis(j);
    EXPECT_NE(basis(j).find("give --kv-dtype fp8"), std::string::npos) << basis(j);
  }
  r.engine = "vllm-0.11";
  r.kv_dtype = "fp8";
  const auto flagged = InferJson(r);
  EXPECT_DOUBLE_EQ(flagged["kv_cache_bytes_per_token"].get<double>(), 65536);
  EXPECT_EQ(basis(flagged).find("KV cache 16-bit"), std::string::npos) << basis(flagged);
}

// vLLM's front-end streams every running request's token each step (data/engines.yaml
// stream_host_us, 29 us a request, S3020) beside the device step, so an iteration takes the longer
// of the two. The measurement itself: gpt-oss-20b on one B200 at 1,024 concurrent requests, 1,024
// in and out, streamed: 34,079 output tok/s published; the device step alone would give ~66k. A
// handful of requests (8) is the device's step, and an offline run (whole outputs) pays none.
TEST(EngineLimits, VllmStreamsEachRunningRequestsTokenBesideTheStep) {
  InferRequest r;
  r.model = "gpt-oss-20b";
  r.chip = {"b200"};
  r.count = 1;
  r.tp = 1;
  r.input_tokens = 1024;
  r.output_tokens = 1024;
  r.engine = "vllm";
  r.concurrency = 1024;
  r.mode = "server";
  const auto streamed = InferJson(r);
  const double rate = streamed["simulation"]["output_tokens_per_s_per_chip"].get<double>();
  EXPECT_NEAR(rate, 34078.85, 0.05 * 34078.85);
  // The step is the front-end's: at least 1,024 x 29 us.
  EXPECT_GE(streamed["simulation"]["tpot_ms"]["mean"].get<double>(), 1024 * 0.029 * 0.95);
  r.mode = "offline";
  r.concurrency.reset();
  r.max_num_seqs = 1024;
  EXPECT_GT(InferJson(r)["simulation"]["output_tokens_per_s_per_chip"].get<double>(), 1.5 * rate);
  r.max_num_seqs.reset();
  r.mode = "analytic";
  r.concurrency = 8;
  const auto few = InferJson(r);
  EXPECT_LT(few["step_breakdown_ms"]["overhead"].get<double>(), 8 * 0.029 + 24 * 0.055 + 0.5);
}

// --stream-interval N: vLLM's OutputProcessor sends each request's tokens once every N steps
// (S3020), so the front-end's work is 1,024 x 29 us / N a step. The same run at interval 10:
// 1,024 x 2.9 us = 3.0 ms, under the device step, so the rate is the device's (vLLM's blog:
// 57 % more end to end at 10, S2884; here more than that, the device step alone); at interval 2
// the 14.8 ms front-end floor is about the device step. Under SGLang (no measured front-end
// cost) the flag changes nothing and is listed as not modelled.
TEST(EngineLimits, StreamIntervalDividesTheFrontEndsWork) {
  InferRequest r;
  r.model = "gpt-oss-20b";
  r.chip = {"b200"};
  r.count = 1;
  r.tp = 1;
  r.input_tokens = 1024;
  r.output_tokens = 1024;
  r.engine = "vllm";
  r.concurrency = 1024;
  r.mode = "server";
  const double every = InferJson(r)["simulation"]["output_tokens_per_s_per_chip"].get<double>();
  r.stream_interval = 10;
  const auto tenth = InferJson(r);
  const double ten = tenth["simulation"]["output_tokens_per_s_per_chip"].get<double>();
  EXPECT_GT(ten, 1.57 * every);
  EXPECT_FALSE(tenth.contains("flags_not_modelled") &&
               tenth["flags_not_modelled"].dump().find("stream-interval") != std::string::npos)
      << tenth["flags_not_modelled"].dump();
  // The device's rate: no streaming cost at all (offline returns whole outputs) is no faster.
  r.stream_interval = 1000;
  EXPECT_NEAR(InferJson(r)["simulation"]["output_tokens_per_s_per_chip"].get<double>(), ten,
              0.03 * ten);
  r.stream_interval = 2;
  const double two = InferJson(r)["simulation"]["output_tokens_per_s_per_chip"].get<double>();
  EXPECT_GT(two, 1.3 * every);
  EXPECT_LE(two, ten * 1.01);
  r.stream_interval = 0;
  EXPECT_NE(InferOutcome(r)["error"].get<std::string>().find("between 1"), std::string::npos);
  r.stream_interval = 10;
  r.engine = "sglang";
  const auto sglang = InferJson(r);
  EXPECT_NE(sglang["flags_not_modelled"].dump().find("--stream-interval"), std::string::npos)
      << sglang.dump();
}

// --analytic: the steady state alone in the mode's scenario. Offline returns whole outputs: no
// streamed front-end floor (vLLM's 29 us a running request, server mode only), no server
// headroom, so it is the same steady state the offline simulation reports at its top level, and
// above mode analytic's (the server's: 1,024 x 29 us = 29.7 ms a step, front-end bound).
// Interactive takes MLPerf's interactive limits (TTFT 450 ms, TPOT 40 ms, p99 as the server's:
// MLPerf runs it as LoadGen's Server scenario with tighter limits) where mode analytic takes none.
TEST(Engine, AnalyticRunsInTheModesScenario) {
  InferRequest r;
  r.model = "gpt-oss-20b";
  r.chip = {"b200"};
  r.count = 1;
  r.tp = 1;
  r.input_tokens = 1024;
  r.output_tokens = 1024;
  r.engine = "vllm";
  r.max_num_seqs = 1024;
  r.mode = "offline";
  r.requests = 2048;
  const auto simulated = InferJson(r);
  r.requests.reset();
  r.analytic = true;
  const auto offline = InferJson(r);
  EXPECT_DOUBLE_EQ(offline["output_tokens_per_s_per_chip"].get<double>(),
                   simulated["output_tokens_per_s_per_chip"].get<double>());
  EXPECT_FALSE(offline.contains("simulation"));
  r.analytic = false;
  r.mode = "analytic";
  const auto server = InferJson(r);
  EXPECT_GT(offline["output_tokens_per_s_per_chip"].get<double>(),
            1.3 * server["output_tokens_per_s_per_chip"].get<double>());
  EXPECT_TRUE(server["tpot_target_ms"].is_null()) << server["tpot_target_ms"];
  r.mode = "interactive";
  r.analytic = true;
  r.max_num_seqs.reset();
  const auto interactive = InferJson(r);
  EXPECT_EQ(interactive["tpot_target_ms"].get<double>(), 40);
  EXPECT_EQ(interactive["ttft_target_ms"].get<double>(), 450);
  EXPECT_FALSE(interactive.contains("simulation"));
  r.requests = 10;
  EXPECT_NE(InferOutcome(r)["error"].get<std::string>().find("no effect"), std::string::npos);
  r.requests.reset();
  r.mode = "analytic";
  auto twice = TheEngine().Infer(r, Json());
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().field, "analytic");
}

// vLLM's --enforce-eager as AMD's MLPerf configs run it: Llama 2 70B's 80 layers at vLLM's
// measured 375 us a layer (data/engines.yaml) put a floor of 30 ms under every step, which binds
// a one-sequence decode (70 GB of FP8 weights at ~4 TB/s: ~18 ms); the emitted command says so.
TEST(EngineLimits, EnforceEagerFloorsTheStepAtItsLaunches) {
  InferRequest r;
  r.model = "llama-2-70b";
  r.chip = {"mi300x"};
  r.count = 1;
  r.dtype = "fp8";
  r.mode = "analytic";
  r.engine = "vllm";
  r.max_num_seqs = 1;
  const auto graphs = InferJson(r);
  ASSERT_LT(graphs["tpot_ms"].get<double>(), 25);
  r.enforce_eager = true;
  r.emit = "vllm";
  const auto eager = InferJson(r);
  // The floor binds every decode-only step; one step in 256 (the default 256 output tokens of
  // the one sequence) also computes its 1,024-token prompt, ~0.15 s of FP8 math on one MI300X,
  // which lifts the mean by ~0.5 ms.
  EXPECT_GE(eager["tpot_ms"].get<double>(), 80 * 0.375);
  EXPECT_NEAR(eager["tpot_ms"].get<double>(), 80 * 0.375, 1.0);
  EXPECT_NE(eager.dump().find("--enforce-eager"), std::string::npos);
}

// A long prompt with the default (MLPerf) targets: no layout takes a 120,000-token prompt within
// the 2 s server TTFT, so the estimate takes MLPerf's long-context limit scaled to the prompt,
// 6 s x 120,000 / 9,400 = 76,595.7 ms, and answers; a TTFT the user gives stays a refusal.
TEST(Engine, ALongPromptTakesTheLongContextTtft) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"h100"};
  r.count = 8;
  r.input_tokens = 120000;
  r.output_tokens = 1000;
  r.mode = "server";
  r.requests = 200;
  const auto j = InferJson(r);
  EXPECT_NEAR(j["ttft_target_ms"].get<double>(), 6000.0 * 120000 / 9400, 0.1);
  EXPECT_LE(j["ttft_ms"].get<double>(), 6000.0 * 120000 / 9400);
  EXPECT_NE(j["simulation"]["slo_source"].get<std::string>().find("long-context"),
            std::string::npos);
  r.ttft_ms = 2000;
  EXPECT_FALSE(TheEngine().Infer(r, Json()));
}

// A TPOT target alone in the server and interactive modes takes the mode's TTFT limit beside it,
// as every MLPerf LLM run sets both (mlperf.conf, S4071: server TTFT 2,000 ms, interactive 450 ms
// for Llama 2 70B): with no TTFT limit, arrivals past what the server sustains queue while the
// running requests keep their TPOT, and the rate search could answer a rate that is not served.
// A TTFT target alone stays alone, and offline takes neither.
TEST(Engine, ATpotTargetAloneTakesTheModesTtftLimit) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"h100"};
  r.count = 1;
  r.dtype = "fp8";
  r.input_tokens = 1000;
  r.output_tokens = 200;
  r.tpot_ms = 50;
  r.mode = "server";
  r.requests = 400;
  const auto server = InferJson(r);
  EXPECT_EQ(server["ttft_target_ms"].get<double>(), 2000);
  EXPECT_EQ(server["tpot_target_ms"].get<double>(), 50);
  const auto& s = server["simulation"];
  EXPECT_LE(s["ttft_ms"]["p99"].get<double>(), 2000);
  EXPECT_LE(s["tpot_ms"]["p99"].get<double>(), 50);
  EXPECT_NE(s["slo_source"].get<std::string>().find("TTFT: MLPerf"), std::string::npos)
      << s["slo_source"];
  r.mode = "interactive";
  r.analytic = true;
  r.requests.reset();
  const auto interactive = InferJson(r);
  EXPECT_EQ(interactive["ttft_target_ms"].get<double>(), 450);
  EXPECT_EQ(interactive["tpot_target_ms"].get<double>(), 50);
  r.tpot_ms.reset();
  r.ttft_ms = 1000;
  const auto ttft_only = InferJson(r);
  EXPECT_EQ(ttft_only["ttft_target_ms"].get<double>(), 1000);
  EXPECT_TRUE(ttft_only["tpot_target_ms"].is_null()) << ttft_only["tpot_target_ms"];
  r.ttft_ms.reset();
  r.tpot_ms = 50;
  r.mode = "offline";
  const auto offline = InferJson(r);
  EXPECT_TRUE(offline["ttft_target_ms"].is_null()) << offline["ttft_target_ms"];
}

// A TPOT target the user gives that no layout meets is refused, not dropped, while the TTFT
// beside it is MLPerf's default (which alone may be relaxed or left out): 1 ms a token is below
// any step of a 70B model on one chip.
TEST(Engine, AGivenTpotNoLayoutMeetsIsRefusedBesideTheDefaultTtft) {
  InferRequest r;
  r.model = "llama-2-70b";
  r.chip = {"h100"};
  r.count = 1;
  r.dtype = "fp8";
  r.tpot_ms = 1;
  r.mode = "server";
  r.analytic = true;
  auto refused = TheEngine().Infer(r, Json());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "tpot_ms") << refused.error().message;
}

// Llama 3.1 70B in BF16 on eight A100 under MLPerf's server limits: the steady state puts tp 2
// (272 tokens/s a chip) just above tp 4 (255), but tp 2's KV cache holds few sequences and under
// Poisson arrivals its prompts queue past the 2 s TTFT (the simulation: 159 against tp 4's 272).
// The layout answered is the simulation's best of those the steady state cannot tell apart.
TEST(Engine, NearTiedLayoutsAreRankedBySimulation) {
  InferRequest r;
  r.model = "llama-3.1-70b";
  r.chip = {"a100"};
  r.count = 8;
  r.mode = "server";
  r.engine = "none";  // the step as measured there: no graph cost (the tie is the layouts')
  const auto chosen = InferJson(r);
  EXPECT_GE(chosen["simulation"]["layouts_simulated"].get<int>(), 2);
  const double best = chosen["simulation"]["output_tokens_per_s_per_chip"].get<double>();
  for (int tp : {2, 4}) {
    InferRequest fixed = r;
    fixed.tp = tp;
    const auto j = InferJson(fixed);
    EXPECT_EQ(j["simulation"]["layouts_simulated"].get<int>(), 1);
    EXPECT_LE(j["simulation"]["output_tokens_per_s_per_chip"].get<double>(), best) << tp;
  }
  // The steady state's own choice, tp 2, is not the answer.
  EXPECT_NE(chosen["layout"]["tp"].get<int>(), 2);
}

// The load is the deployment's (issue 13): with --count, --concurrency and --qps are what the
// client sends to all --count chips, and the instances share it. By hand: 8 in flight on 8 H100
// at tp 4 is 2 instances with 4 each, simulated as one instance of 4 (the same run as 4 chips
// with 4 in flight, so the same rate per chip); 4 requests/s on them is 2 each; a closed loop's
// --requests 100 is 50 an instance. Without --count the deployment is one instance.
// Disaggregated, the deployment's clients are dealt over the decode instances that fit in --count
// beside their prefill chips (perf::InferenceEstimate::instances; the hand calculation is
// InferenceClients.ADisaggregatedInstanceCountsItsPrefillChips): 32 on 16 H100 at tp 1, 8192 / 64
// tokens, are 8 decode instances of 4 (8 prefill chips), not 16 of 2.
TEST(Engine, ADisaggregatedDeploymentDealsItsClientsOverItsDecodeInstances) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"h100"};
  r.count = 16;
  r.tp = 1;
  r.input_tokens = 8192;
  r.output_tokens = 64;
  r.disaggregate = true;
  r.concurrency = 32;
  r.engine = "none";  // the hand calculation's step: no graph cost
  const auto j = InferJson(r);
  EXPECT_EQ(j["decode_instances"].get<int>(), 8);
  EXPECT_EQ(j["max_batch"].get<int>(), 4);
  EXPECT_FALSE(j["simulation"]["skipped"].get<std::string>().empty());
}

TEST(Engine, TheDeploymentsLoadIsSharedByItsInstances) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"h100"};
  r.count = 8;
  r.tp = 4;
  r.input_tokens = 1000;
  r.output_tokens = 200;
  r.mode = "server";
  r.concurrency = 8;
  const auto eight = InferJson(r);
  const auto& s = eight["simulation"];
  EXPECT_EQ(s["concurrency"].get<long>(), 4);
  EXPECT_EQ(s["concurrency_total"].get<long>(), 8);
  EXPECT_EQ(s["instances"].get<int>(), 2);
  EXPECT_EQ(eight["max_batch"].get<int>(), 4);
  InferRequest one = r;
  one.count = 4;
  one.concurrency = 4;
  const auto four = InferJson(one);
  EXPECT_DOUBLE_EQ(s["output_tokens_per_s_per_chip"].get<double>(),
                   four["simulation"]["output_tokens_per_s_per_chip"].get<double>());
  EXPECT_DOUBLE_EQ(eight["output_tokens_per_s_per_chip"].get<double>(),
                   four["output_tokens_per_s_per_chip"].get<double>());
  InferRequest sent = r;
  sent.requests = 100;
  EXPECT_EQ(InferJson(sent)["simulation"]["requests_per_run"].get<long>(), 50);
  InferRequest rate = r;
  rate.concurrency.reset();
  rate.qps = 4;
  rate.duration_s = 60;
  const auto q = InferJson(rate)["simulation"];
  EXPECT_DOUBLE_EQ(q["qps"].get<double>(), 2);
  EXPECT_DOUBLE_EQ(q["qps_total"].get<double>(), 4);
  InferRequest half = rate;
  half.count = 4;
  half.qps = 2;
  EXPECT_DOUBLE_EQ(q["output_tokens_per_s_per_chip"].get<double>(),
                   InferJson(half)["simulation"]["output_tokens_per_s_per_chip"].get<double>());
  InferRequest alone = r;
  alone.count.reset();
  const auto a = InferJson(alone)["simulation"];
  EXPECT_EQ(a["concurrency"].get<long>(), 8);
  EXPECT_TRUE(a["concurrency_total"].is_null());
  EXPECT_TRUE(a["instances"].is_null());
}

// A closed loop's rate in the answer's first line. Attention-DP groups are simulated together, in
// lockstep, on the instance's clients (one run for all dp groups), so the instance serves the
// run's completions over its makespan; the line multiplied that by dp again (audit round 12:
// DeepSeek-R1 on 16 H20 at 64 in flight said 5.81 requests/s per instance beside 107 output
// tokens/s per chip, 1.7 requests/s of ~1,000-token answers). By hand, the instance's requests/s
// times the tokens a request returns (200, fixed) is its output tokens/s: the rate per chip times
// its 2 chips (Qwen3-30B-A3B at attention DP 2, experts over both).
TEST(Engine, AClosedLoopsRatePerInstanceCountsEachAttentionGroupOnce) {
  InferRequest r;
  r.model = "qwen3-30b-a3b";
  r.chip = {"h100"};
  r.count = 2;
  r.tp = 1;
  r.dp = 2;
  r.ep = 2;
  r.input_tokens = 1000;
  r.output_tokens = 200;
  r.output_dist = "fixed";
  r.mode = "server";
  r.concurrency = 32;
  const auto j = InferJson(r);
  ASSERT_EQ(j["simulation"]["groups_per_instance"].get<int>(), 2) << j["simulation"].dump();
  const double chips = j["layout"]["chips"].get<double>();
  const double per_instance_tokens =
      j["simulation"]["output_tokens_per_s_per_chip"].get<double>() * chips;
  auto text = TheEngine().Infer(r, {Format::kText, nullptr});
  ASSERT_TRUE(text) << text.error().message;
  const std::string marker = "(a closed loop), ";
  const auto at = text->body.find(marker);
  ASSERT_NE(at, std::string::npos) << text->body;
  const double rate = std::stod(text->body.substr(at + marker.size()));
  EXPECT_NEAR(rate * 200, per_instance_tokens, 0.1 * per_instance_tokens) << text->body;
}

// A rate and a prompt count without a duration (vllm bench serve --request-rate 10 --num-prompts
// 1000) send those prompts: the run lasts requests / qps; a duration given wins.
TEST(Engine, RateAndPromptCountSetTheRunLength) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"h100"};
  r.count = 1;
  r.mode = "server";
  r.qps = 4;
  r.requests = 200;
  EXPECT_EQ(InferJson(r)["simulation"]["requests_per_run"].get<long>(), 200);
  // With --duration-s too one of the two would go unused (the run is 4 x 10 = 40 requests, not
  // 200): an error naming requests, nothing run.
  r.duration_s = 10;
  auto both = TheEngine().Infer(r, Json());
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().field, "requests");
  r.requests.reset();
  EXPECT_EQ(InferJson(r)["simulation"]["requests_per_run"].get<long>(), 40);
}

// A pasted `vllm serve MODEL --tensor-parallel-size 4` runs vLLM's layout for what it leaves out
// (dp 1, no expert parallel without --enable-expert-parallel; S3232): MiniMax-M2 on 8 H100, typed,
// may take "tp 4 ep 8 dp 2"; pasted it is tp 4 ep 1 dp 1 (two instances of 4). A model whose
// weights do not fit at the command's tp 1 (vLLM's default) is refused with the defaults named.
TEST(Engine, PastedServeCommandRunsItsServersLayout) {
  InferRequest r;
  r.model = "minimax-m2";
  r.chip = {"h100"};
  r.count = 8;
  r.mode = "analytic";
  r.tp = 4;
  r.launched_by = "vllm";
  const auto j = InferJson(r);
  EXPECT_EQ(j["layout"]["tp"], 4) << j["layout"].dump();
  EXPECT_EQ(j["layout"]["ep"], 1) << j["layout"].dump();
  EXPECT_EQ(j["layout"]["dp"], 1) << j["layout"].dump();
  InferRequest bare;
  bare.model = "deepseek-r1";
  bare.chip = {"h100"};
  bare.count = 8;
  bare.mode = "analytic";
  bare.launched_by = "vllm";
  const auto refused = InferOutcome(bare);
  ASSERT_TRUE(refused.contains("error"));
  EXPECT_NE(refused["error"].get<std::string>().find(
                "vLLM's defaults for what the command leaves out: tp 1, pp 1, dp 1, no expert "
                "parallel"),
            std::string::npos)
      << refused.dump();
}

// A pasted `vllm serve meta-llama/Llama-3.1-8B-Instruct` on one H100 runs vLLM's limits
// (max_num_seqs 1,024, gpu_memory_utilization 0.9: data/engines.yaml), the answer of the typed
// `--engine vllm --tp 1 --pp 1 --dp 1`; before it ran the chip's default engine (cuda-graphs).
// An SGLang command on a 910C runs SGLang's limits, not vLLM-Ascend's (the chip's default).
TEST(Engine, PastedServeCommandRunsItsEngine) {
  InferRequest pasted;
  pasted.model = "llama-3.1-8b";
  pasted.chip = {"h100"};
  pasted.mode = "analytic";
  pasted.launched_by = "vllm";
  InferRequest typed = pasted;
  typed.launched_by.clear();
  typed.engine = "vllm";
  typed.tp = 1;
  typed.pp = 1;
  typed.dp = 1;
  const auto p = InferJson(pasted);
  EXPECT_EQ(p["engine"], "vllm");
  EXPECT_EQ(p.dump(), InferJson(typed).dump());
  InferRequest untyped = typed;
  untyped.engine = "cuda-graphs";
  EXPECT_EQ(InferJson(untyped)["engine"], "cuda-graphs");
  InferRequest sglang;
  sglang.model = "qwen3-32b";
  sglang.chip = {"ascend-910c"};
  sglang.count = 2;
  sglang.mode = "analytic";
  sglang.launched_by = "python3 -m sglang.launch_server";
  sglang.tp_size = 4;  // 4 dies: 2 packages
  EXPECT_EQ(InferJson(sglang)["engine"], "sglang");
}

// torchtitan's README launches its own TOML files (`--job.config_file
// ./torchtitan/models/llama3/train_configs/llama3_70b.toml`); without a checkout the keys they
// set are the registered config of the same name (S3133): the same answer as `--config
// llama3_70b`. Any other missing file is still an error naming the file.
TEST(TrainLaunch, TorchtitanStockConfigFileWithoutACheckout) {
  TrainRequest r;
  r.model = "llama-3.1-70b";
  r.chip = "h100";
  r.count = 64;
  r.job_config_file = "./torchtitan/models/llama3/train_configs/llama3_70b.toml";
  auto stock = TheEngine().Train(r, Json());
  ASSERT_TRUE(stock) << stock.error().ToString();
  TrainRequest named = r;
  named.job_config_file.clear();
  ASSERT_TRUE(SetField(TrainFields(), named, "config", FieldValue{std::string("llama3_70b")}));
  auto registered = TheEngine().Train(named, Json());
  ASSERT_TRUE(registered) << registered.error().ToString();
  EXPECT_EQ(stock->body, registered->body);
  TrainRequest missing = r;
  missing.job_config_file = "./my_configs/llama3_70b.toml";
  auto refused = TheEngine().Train(missing, Json());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().ToString().find("./my_configs/llama3_70b.toml"), std::string::npos)
      << refused.error().ToString();
}

// A pasted vLLM command's --seed is vLLM's sampling seed: accepted, listed, and the simulated
// workload is the one without it; the workload's own seed is --workload-seed, which draws
// another workload (other arrivals and lengths: another simulated p99).
TEST(Engine, AServeCommandsSeedIsNotTheWorkloadsSeed) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"h100"};
  r.count = 1;
  r.mode = "server";
  r.qps = 4;
  r.duration_s = 60;
  ASSERT_TRUE(SetField(InferFields(), r, "input_dist", FieldValue{std::string("exp")}));
  const auto plain = InferJson(r)["simulation"];
  InferRequest pasted = r;
  ASSERT_TRUE(SetField(InferFields(), pasted, "seed", FieldValue{std::string("1024")}));
  EXPECT_EQ(pasted.workload_seed, 1u);
  const auto p = InferJson(pasted);
  EXPECT_EQ(p["flags_not_modelled"], nlohmann::json::array({"--seed"}));
  EXPECT_EQ(p["simulation"].dump(), plain.dump());
  InferRequest other = r;
  ASSERT_TRUE(SetField(InferFields(), other, "workload_seed", FieldValue{std::string("1024")}));
  EXPECT_EQ(other.workload_seed, 1024u);
  EXPECT_NE(InferJson(other)["simulation"].dump(), plain.dump());
}

// Clients dealt unevenly are simulated as they are: 8 on 6 H100 at tp 2 is 3 instances, 3 in
// flight on two and 2 on the third; the rate per chip is the mean of the two shares' runs
// (each the run of one tp-2 instance alone with that many), the percentiles the busiest's.
TEST(Engine, AnUnevenDealOfClientsIsSimulatedShareByShare) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"h100"};
  r.count = 6;
  r.tp = 2;
  r.input_tokens = 1000;
  r.output_tokens = 200;
  r.mode = "server";
  r.concurrency = 8;
  const auto s = InferJson(r)["simulation"];
  EXPECT_EQ(s["concurrency"].get<long>(), 3);
  EXPECT_EQ(s["runs"].get<int>(), 2);
  const auto alone = [&](int clients) {
    InferRequest one = r;
    one.count = 2;
    one.concurrency = clients;
    return InferJson(one)["simulation"];
  };
  const auto three = alone(3), two = alone(2);
  const double expected = (2 * three["output_tokens_per_s_per_chip"].get<double>() +
                           two["output_tokens_per_s_per_chip"].get<double>()) /
                          3;
  EXPECT_NEAR(s["output_tokens_per_s_per_chip"].get<double>(), expected, 1e-3 * expected);
  EXPECT_DOUBLE_EQ(s["tpot_ms"]["p99"].get<double>(), three["tpot_ms"]["p99"].get<double>());
  EXPECT_NE(s["workload"].get<std::string>().find("3 on 2, 2 on 1"), std::string::npos)
      << s["workload"];
}

// A reasoning model typed with a mean output length is simulated with its outputs' measured
// spread (issue 13, as users type it): DeepSeek-R1's MLPerf v5.1 outputs are lognormal, a
// censored fit of sigma 1.04 with 1.5 % at the 20,000-token cap (S1960). Said in the output; a
// given --output-dist wins; models without a measured spread keep fixed lengths.
TEST(Engine, AReasoningModelsOutputsSpreadAsMeasured) {
  InferRequest r;
  r.model = "deepseek-r1";
  r.chip = {"b200"};
  r.count = 8;
  r.tp = 8;
  r.ep = 8;
  r.dtype = "fp4";
  r.input_tokens = 803;
  r.output_tokens = 3736;
  r.mode = "offline";
  r.requests = 1000;
  const auto spread = InferJson(r)["simulation"];
  EXPECT_EQ(spread["output_dist"].get<std::string>(), "lognormal:1:20000");
  EXPECT_NE(spread["output_dist_source"].get<std::string>().find("S1960"), std::string::npos);
  // Every request completes and the mean is kept: the tokens made are 1,000 x 3,736 within the
  // sampling error of 1,000 draws (the cut lognormal's coefficient of variation ~1.2: 3.8 %).
  const auto made = [&](const nlohmann::json& s) {
    return s["output_tokens_per_s_per_chip"].get<double>() * 8 * s["makespan_s"].get<double>();
  };
  EXPECT_EQ(spread["requests_completed"].get<long>(), 1000);
  EXPECT_NEAR(made(spread) / (1000 * 3736.0), 1, 0.12);
  InferRequest fixed = r;
  fixed.output_dist = "fixed";
  const auto same = InferJson(fixed)["simulation"];
  EXPECT_EQ(same["output_dist"].get<std::string>(), "fixed");
  EXPECT_TRUE(same["output_dist_source"].is_null());
  EXPECT_NEAR(made(same) / (1000 * 3736.0), 1, 1e-3);
  // The long outputs hold the batch's KV and run on after the short ones: a lower rate.
  EXPECT_LT(spread["output_tokens_per_s_per_chip"].get<double>(),
            0.8 * same["output_tokens_per_s_per_chip"].get<double>());
  // A mean past the cap: uncut (the context cuts); analytic: no workload, no complaint.
  InferRequest longer = r;
  longer.output_tokens = 25000;
  longer.requests = 100;
  EXPECT_EQ(InferJson(longer)["simulation"]["output_dist"].get<std::string>(), "lognormal:1");
  InferRequest analytic = r;
  analytic.mode = "analytic";
  analytic.requests.reset();
  EXPECT_TRUE(TheEngine().Infer(analytic, Json()));
  InferRequest dense = r;
  dense.model = "llama-3.1-70b";
  dense.tp = 1;
  dense.ep.reset();
  const auto plain = InferJson(dense)["simulation"];
  EXPECT_EQ(plain["output_dist"].get<std::string>(), "fixed");
  EXPECT_TRUE(plain["output_dist_source"].is_null());
}

// --kv-admission overrides the engine's admission policy (NVIDIA's MLPerf harness runs
// TensorRT-LLM with MAX_UTILIZATION where trtllm-serve defaults to GUARANTEED_NO_EVICT). By hand,
// 200 requests of 1,024 + 4,096 tokens at once on one H100 with trtllm-serve's limits given
// (2,048 sequences, 8,192 tokens a step, prompts whole; offline without them the engine takes
// trtllm-bench's, 128 sequences here): reserving, each request holds
// ceil(5,120 / 16) = 320 blocks of the floor(capacity / 16) the cache has, so
// floor(blocks / 320) run at once and none is preempted; optimistic, each needs only its prompt's
// 64 blocks (66 once the last of the 25 admitting steps has run), so all 200 run, and their
// outputs (200 x 320 blocks) overflow the cache: the latest admitted are preempted.
TEST(EngineLimits, KvAdmissionOverridesTheEnginesPolicyByHand) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"h100"};
  r.count = 1;
  r.tp = 1;
  r.mode = "offline";
  r.engine = "trtllm";
  r.input_tokens = 1024;
  r.output_tokens = 4096;
  r.requests = 200;
  r.max_num_seqs = 2048;
  r.max_batched_tokens = 8192;
  const auto reserve = InferJson(r)["simulation"];  // the engine's default
  const long blocks = static_cast<long>(reserve["kv_capacity_tokens"].get<double>() / 16);
  ASSERT_LT(blocks / 320, 200) << "the cache must not hold every output";
  ASSERT_GE(blocks, 200 * 66) << "the cache must hold every prompt";
  EXPECT_EQ(reserve["max_running_seqs"].get<double>(), static_cast<double>(blocks / 320));
  EXPECT_EQ(reserve["preemptions"], 0);
  r.kv_admission = "reserve";
  EXPECT_EQ(InferJson(r)["simulation"], reserve);
  r.kv_admission = "optimistic";
  const auto optimistic = InferJson(r)["simulation"];
  EXPECT_EQ(optimistic["max_running_seqs"].get<double>(), 200);
  EXPECT_GT(optimistic["preemptions"].get<long>(), 0);
  EXPECT_EQ(optimistic["requests_completed"], 200);
  // SGLang's (retract): a new request reserves its whole output, a running one new_token_ratio
  // (0.7 at first) of what it has left, so more run than reserving lets and all finish.
  r.kv_admission = "retract";
  const auto retract = InferJson(r)["simulation"];
  EXPECT_GT(retract["max_running_seqs"].get<double>(), reserve["max_running_seqs"].get<double>());
  EXPECT_EQ(retract["requests_completed"], 200);
}

// SGLang's --max-running-requests is the server's: under attention DP each rank admits its share
// (S3014), where vLLM's --max-num-seqs is each rank's. 8 DP ranks, 64 clients, a cap of 16: 2 a
// rank under SGLang, 8 (the clients' share) under vLLM.
TEST(EngineLimits, SglangSplitsMaxRunningRequestsOverItsDpRanks) {
  InferRequest r;
  r.model = "deepseek-r1";
  r.chip = {"h200"};
  r.count = 8;
  r.tp = 1;
  r.ep = 8;
  r.dp = 8;
  r.mode = "server";
  r.input_tokens = 128;
  r.output_tokens = 16;
  r.requests = 128;
  r.concurrency = 64;
  r.max_num_seqs = 16;
  r.engine = "sglang";
  EXPECT_EQ(InferJson(r)["simulation"]["max_running_seqs"].get<double>(), 2);
  r.engine = "vllm";
  EXPECT_EQ(InferJson(r)["simulation"]["max_running_seqs"].get<double>(), 8);
}

// SGLang's --chunked-prefill-size is the server's: under --enable-dp-attention each rank chunks
// prompts by its // dp_size share (S3103), a given value as the default, where vLLM's
// --max-num-batched-tokens is each rank's. One 4,096-token prompt on 8 DP ranks: a budget of
// 32,768 or 65,536 gives a rank 4,096 or 8,192, the prompt in one step either way (the same
// TTFT); 8,192 gives it 1,024, four steps (a later first token). Under vLLM 8,192 is the rank's:
// one step, as 32,768.
TEST(EngineLimits, SglangSplitsChunkedPrefillSizeOverItsDpRanks) {
  InferRequest r;
  r.model = "deepseek-r1";
  r.chip = {"h200"};
  r.count = 8;
  r.tp = 1;
  r.ep = 8;
  r.dp = 8;
  r.mode = "server";
  r.input_tokens = 4096;
  r.output_tokens = 16;
  r.requests = 1;
  r.concurrency = 1;
  r.ttft_ms = 1e6;  // no latency target: the layout is given
  r.tpot_ms = 1e6;
  r.engine = "sglang";
  const auto ttft = [&](double budget) {
    r.max_batched_tokens = budget;
    return InferJson(r)["simulation"]["ttft_ms"]["mean"].get<double>();
  };
  EXPECT_EQ(ttft(32768), ttft(65536));
  EXPECT_GT(ttft(8192), ttft(32768));
  r.engine = "vllm";
  EXPECT_EQ(ttft(8192), ttft(32768));
}

// The steady state takes the outputs' spread too: DeepSeek-R1 typed with a mean gets its measured
// spread (E[L^2] / E[L]^2 = 2.12 for lognormal sigma 1 cut at 20,000, mean 3,748), a longer mean
// running context than fixed lengths and so fewer tokens per second; --output-dist fixed keeps
// the mean's half; a given spread is taken; a prompt's spread is still refused (it moves nothing
// the steady state computes).
TEST(Engine, TheSteadyStateTakesTheOutputsSpread) {
  InferRequest r;
  r.model = "deepseek-r1";
  r.chip = {"b200"};
  r.count = 8;
  r.tp = 1;
  r.ep = 8;
  r.dp = 8;
  r.dtype = "fp4";
  r.input_tokens = 803;
  r.output_tokens = 3748.4;
  r.mode = "analytic";
  r.tpot_ms = 80;
  r.engine = "none";  // no engine's batch cap: the KV memory bounds the batch
  const auto spread = InferJson(r);
  EXPECT_NEAR(spread["output_length_ratio"].get<double>(), 2.1155, 1e-3);
  EXPECT_NE(spread["output_lengths"].get<std::string>().find("S1960"), std::string::npos);
  InferRequest fixed = r;
  fixed.output_dist = "fixed";
  const auto same = InferJson(fixed);
  EXPECT_EQ(same["output_length_ratio"].get<double>(), 1);
  EXPECT_TRUE(same["output_lengths"].is_null());
  EXPECT_LT(spread["output_tokens_per_s_per_chip"].get<double>(),
            0.9 * same["output_tokens_per_s_per_chip"].get<double>());
  EXPECT_LT(spread["memory_max_batch"].get<int>(), same["memory_max_batch"].get<int>());
  InferRequest given = r;
  given.output_dist = "exp";
  EXPECT_NEAR(InferJson(given)["output_length_ratio"].get<double>(), 2, 0.01);
  InferRequest prompts = fixed;
  prompts.input_dist = "exp";
  const auto refused = TheEngine().Infer(prompts, Json());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().field, "input_dist");
}

TEST(EngineLimits, BadLimitsNameTheirField) {
  struct Case {
    std::string field;
    std::function<void(InferRequest&)> set;
  };
  const std::vector<Case> cases = {
      {"max_num_seqs", [](InferRequest& r) { r.max_num_seqs = 0; }},
      {"max_batched_tokens", [](InferRequest& r) { r.max_batched_tokens = 0; }},
      {"kv_memory_fraction", [](InferRequest& r) { r.kv_memory_fraction = 1.5; }},
      {"scheduler_steps", [](InferRequest& r) { r.scheduler_steps = 0; }},
      {"scheduler_steps",
       [](InferRequest& r) {
         r.mode = "analytic";
         r.scheduler_steps = 2000;
       }},
      {"cuda_graph_batch_sizes", [](InferRequest& r) { r.cuda_graph_batch_sizes = "0,128"; }},
      {"cuda_graph_batch_sizes", [](InferRequest& r) { r.cuda_graph_batch_sizes = "256,128"; }},
      {"cuda_graph_batch_sizes", [](InferRequest& r) { r.cuda_graph_batch_sizes = "128,"; }},
      {"cuda_graph_batch_sizes", [](InferRequest& r) { r.cuda_graph_batch_sizes = "128;256"; }},
      {"adp_balance_timeout_iters", [](InferRequest& r) { r.adp_balance_timeout_iters = -1; }},
      {"adp_balance_wait_iters", [](InferRequest& r) { r.adp_balance_wait_iters = 1000000; }},
      {"engine", [](InferRequest& r) { r.engine = "vlm"; }},
      {"kv_admission", [](InferRequest& r) { r.kv_admission = "max_util"; }},
      {"kv_admission",
       [](InferRequest& r) {
         r.mode = "analytic";
         r.kv_admission = "optimistic";
       }},
      // Eager launches are measured for vLLM only: not with --engine none, not for TensorRT-LLM.
      {"enforce_eager",
       [](InferRequest& r) {
         r.engine = "none";
         r.enforce_eager = true;
       }},
      {"enforce_eager",
       [](InferRequest& r) {
         r.engine = "trtllm";
         r.enforce_eager = true;
       }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.field);
    InferRequest r = EightB();
    c.set(r);
    auto out = TheEngine().Infer(r, Json());
    ASSERT_FALSE(out);
    EXPECT_EQ(out.error().field, c.field);
  }
  InferRequest r = EightB();
  r.engine = "vlm";
  EXPECT_NE(TheEngine().Infer(r, Json()).error().message.find("vllm"), std::string::npos);
}

}  // namespace
}  // namespace suanli::app

namespace suanli::app {
namespace {

// --emit prints the flags that run the chosen layout (issue 12 item 6). Llama 3 405B as Meta ran
// it (arXiv 2407.21783, Table 4): TP 8, PP 16, CP 1, DP 128 on 16,384 H100, 8,192-token
// sequences, 16M-token batches (2,048 sequences), GQA with 8 KV heads.
TEST(Emit, MegatronFlagsForThePublishedLlama3Layout) {
  TrainRequest r;
  r.model = "llama-3-405b";
  r.chip = "h100";
  r.count = 16384;
  r.tokens = 15.6e12;
  r.seq_len = 8192;
  r.global_batch_tokens = 16 * 1024 * 1024;
  r.tp = 8;
  r.pp = 16;
  r.cp = 1;
  r.dp = 128;
  r.emit = "megatron";
  auto out = TheEngine().Train(r, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  const auto j = nlohmann::json::parse(out->body);
  const auto args = j["launch"]["args"].get<std::vector<std::string>>();
  auto has = [&](const std::string& a) {
    return std::find(args.begin(), args.end(), a) != args.end();
  };
  for (const char* a : {"--tensor-model-parallel-size 8", "--pipeline-model-parallel-size 16",
                        "--seq-length 8192", "--global-batch-size 2048", "--num-layers 126",
                        "--hidden-size 16384", "--num-query-groups 8", "--group-query-attention",
                        "--bf16", "--train-samples 1904296875"}) {  // 15.6e12 / 8192
    EXPECT_TRUE(has(a)) << a << " in " << j["launch"]["command"];
  }
  EXPECT_FALSE(has("--context-parallel-size 1"));  // the default is left out
  // torchtitan: the same layout as its parallelism degrees.
  r.emit = "torchtitan";
  const auto t = nlohmann::json::parse(TheEngine().Train(r, Json())->body);
  const auto targs = t["launch"]["args"].get<std::vector<std::string>>();
  for (const char* a :
       {"--parallelism.data_parallel_shard_degree 128", "--parallelism.tensor_parallel_degree 8",
        "--parallelism.pipeline_parallel_degree 16", "--training.seq_len 8192",
        "--training.global_batch_size 2048"}) {
    EXPECT_NE(std::find(targs.begin(), targs.end(), a), targs.end()) << a;
  }
}

TEST(Emit, ContradictionsAreErrorsOnEmit) {
  TrainRequest r = SmallTrain();
  r.emit = "deepspeed-zero";
  auto out = TheEngine().Train(r, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "emit");
  EXPECT_NE(out.error().message.find("megatron"), std::string::npos);
  // MindSpeed runs on Ascend: no FP8.
  r.emit = "mindspeed";
  r.dtype = "fp8";
  out = TheEngine().Train(r, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "emit");
  EXPECT_NE(out.error().message.find("no FP8"), std::string::npos);
}

}  // namespace
}  // namespace suanli::app

namespace suanli::app {
namespace {

// A launch line over HTTP is the same fields as on the command line (one rule): Megatron's
// store_true --tp-comm-overlap is `true`, --train-samples gives the tokens, and a model-shape
// value that is not the catalog model's is an error naming the field and both values.
TEST(TrainLaunch, HttpValuesFollowTheCommandLineRules) {
  TrainRequest r;
  for (const auto& [key, value] : std::vector<std::pair<std::string, FieldValue>>{
           {"model", std::string("llama-3-8b")},
           {"chip", std::string("h100")},
           {"count", 16.0},
           {"tensor_model_parallel_size", 2.0},
           {"pipeline_model_parallel_size", 1.0},
           {"tp_comm_overlap", true},
           // A Megatron line runs ZeRO 0 without it, and Llama 3 8B's unsharded optimizer state
           // does not fit 16 H100 at tp 2.
           {"use_distributed_optimizer", true},
           {"seq_length", 8192.0},
           {"train_samples", 1000.0},
           {"num_layers", 32.0},
           {"moe_layer_freq", std::string("1")},
       }) {
    ASSERT_TRUE(SetField(TrainFields(), r, key, value)) << key;
  }
  EXPECT_EQ(r.tp_comm_overlap, "on");
  // A dense model has no experts, whatever the pattern says.
  auto out = TheEngine().Train(r, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "moe_layer_freq");
  r.moe_layer_freq.clear();
  out = TheEngine().Train(r, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(out->body)["tokens"].get<double>(), 1000.0 * 8192);
  r.num_layers = 40;
  out = TheEngine().Train(r, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "num_layers");
  EXPECT_NE(out.error().message.find("40, but model llama-3-8b has 32 layers"), std::string::npos)
      << out.error().message;
}

// On an Atlas A3 (Ascend 910C: two dies a package, each its own NPU device and rank, systems.yaml
// ranks_per_chip 2, S2063) MindSpeed's torchrun --nnodes 16 --nproc_per_node 16 is 256 ranks on
// 16 x 8 = 128 packages, and its --tensor-model-parallel-size 8 is 8 dies = 4 packages (hand:
// 256 / 2 = 128; 8 / 2 = 4). The answer says so. An H100 line is unchanged (16 x 8 = 128 GPUs).
TEST(TrainLaunch, A3LaunchRanksAreDies) {
  const catalog::Catalog& cat = TheEngine().catalog();
  TrainRequest r;
  r.model = "llama-3.1-70b";
  r.chip = "ascend-910c";
  r.tokens = 1e12;
  r.tp = 8;
  r.pp = 4;
  ASSERT_TRUE(SetField(TrainFields(), r, "nnodes", FieldValue{16.0}));
  ASSERT_TRUE(SetField(TrainFields(), r, "nproc_per_node", FieldValue{std::string("16")}));
  auto setup = internal::BuildTrainJob(cat, r);
  ASSERT_TRUE(setup) << setup.error().ToString();
  EXPECT_EQ(setup->job.chips, 128);
  EXPECT_EQ(setup->fixed.tp, 4);
  EXPECT_EQ(setup->fixed.pp, 4);
  EXPECT_NE(setup->dies_basis.find("256 ranks on 128 packages"), std::string::npos)
      << setup->dies_basis;
  TrainRequest counted = r;
  counted.count = 256;  // the ranks typed as chips: twice the packages the line runs on
  auto contradicted = internal::BuildTrainJob(cat, counted);
  ASSERT_FALSE(contradicted);
  EXPECT_EQ(contradicted.error().field, "count");
  TrainRequest gpu = r;
  gpu.chip = "h100";
  ASSERT_TRUE(SetField(TrainFields(), gpu, "nproc_per_node", FieldValue{std::string("8")}));
  auto h100 = internal::BuildTrainJob(cat, gpu);
  ASSERT_TRUE(h100) << h100.error().ToString();
  EXPECT_EQ(h100->job.chips, 128);
  EXPECT_EQ(h100->fixed.tp, 8);
  EXPECT_TRUE(h100->dies_basis.empty());
}

// A pasted torchrun line's --nnodes x --nproc_per_node is the job's chips where --count is not
// given (HTTP numbers too), a check where it is; without either the count is required.
TEST(TrainLaunch, TorchrunRanksAreTheCount) {
  const catalog::Catalog& cat = TheEngine().catalog();
  TrainRequest r;
  r.model = "llama-3-8b";
  r.chip = "h100";
  r.tokens = 1e12;
  ASSERT_TRUE(SetField(TrainFields(), r, "nnodes", FieldValue{4.0}));
  ASSERT_TRUE(SetField(TrainFields(), r, "nproc_per_node", FieldValue{std::string("8")}));
  auto setup = internal::BuildTrainJob(cat, r);
  ASSERT_TRUE(setup) << setup.error().ToString();
  EXPECT_EQ(setup->job.chips, 32);
  TrainRequest given = r;
  given.count = 32;
  EXPECT_TRUE(internal::BuildTrainJob(cat, given));
  given.count = 16;
  auto contradicted = internal::BuildTrainJob(cat, given);
  ASSERT_FALSE(contradicted);
  EXPECT_EQ(contradicted.error().field, "count");
  TrainRequest elastic = r;
  elastic.torchrun_nnodes = "1:4";
  auto range = internal::BuildTrainJob(cat, elastic);
  ASSERT_FALSE(range);
  EXPECT_EQ(range.error().field, "nnodes");
  TrainRequest none = r;
  none.torchrun_nnodes.clear();
  none.torchrun_nproc_per_node.clear();
  auto missing = internal::BuildTrainJob(cat, none);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().field, "count");
  EXPECT_NE(missing.error().message.find("is required"), std::string::npos);
}

// --max-steps is the Hugging Face Trainer's, torchtitan's and NeMo's run length in steps too: the
// same tokens as --train-iters (1000 x 512 x 8192 = 4,194,304,000 by hand) without making the
// line Megatron's (no Megatron defaults filled in); a --train-iters that differs is a clash.
TEST(TrainLaunch, MaxStepsDoesNotMakeALineMegatrons) {
  const catalog::Catalog& cat = TheEngine().catalog();
  TrainRequest r;
  r.model = "llama-3-8b";
  r.chip = "h100";
  r.count = 8;
  r.global_batch_size = 512;
  r.seq_len = 8192;
  ASSERT_TRUE(SetField(TrainFields(), r, "max_steps", FieldValue{1000.0}));
  auto setup = internal::BuildTrainJob(cat, r);
  ASSERT_TRUE(setup) << setup.error().ToString();
  EXPECT_DOUBLE_EQ(setup->job.tokens, 4'194'304'000.0);
  EXPECT_TRUE(setup->defaults_basis.empty()) << setup->defaults_basis;
  TrainRequest megatron = r;
  megatron.max_steps.reset();
  ASSERT_TRUE(SetField(TrainFields(), megatron, "train_iters", FieldValue{1000.0}));
  auto as_megatron = internal::BuildTrainJob(cat, megatron);
  if (as_megatron) {
    EXPECT_DOUBLE_EQ(as_megatron->job.tokens, 4'194'304'000.0);
    EXPECT_FALSE(as_megatron->defaults_basis.empty());
  } else {
    EXPECT_NE(as_megatron.error().message.find("Megatron's defaults"), std::string::npos);
  }
  TrainRequest both = r;
  both.train_iters = 900;
  auto clash = internal::BuildTrainJob(cat, both);
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().field, "max_steps");
}

// MindSpeed-LLM's Qwen3-235B-A22B script for Atlas A3 (S3750) pads the model's 94 layers with two
// no-op layers (--num-layers 96 --noop-layers 94,95) so that pp 4 x 8 layers a virtual stage
// divides them: 96 / (4 x 8) = 3 virtual stages by hand (94 / 32 would round to 2). Its
// --moe-intermediate-size is Megatron's --moe-ffn-hidden-size (1536, the model's), its
// --ffn-hidden-size 8192 builds nothing in a model with experts on every layer, and its Ascend
// kernel flags (--use-mc2, --moe-alltoall-overlap-comm, ...) are accepted.
TEST(TrainLaunch, MindSpeedNoopLayersPadThePipeline) {
  const catalog::Catalog& cat = TheEngine().catalog();
  TrainRequest r;
  r.model = "qwen3-235b-a22b";
  r.chip = "ascend-910c";
  r.count = 256;
  r.tokens = 1e12;
  for (const auto& [name, v] : std::vector<std::pair<std::string, FieldValue>>{
           {"num_layers", FieldValue{96.0}},
           {"noop_layers", FieldValue{std::string("94, 95")}},
           {"ffn_hidden_size", FieldValue{8192.0}},
           {"moe_intermediate_size", FieldValue{1536.0}},
           {"tensor_model_parallel_size", FieldValue{1.0}},
           {"pipeline_model_parallel_size", FieldValue{4.0}},
           {"expert_model_parallel_size", FieldValue{32.0}},
           {"num_layers_per_virtual_pipeline_stage", FieldValue{8.0}},
           {"use_mc2", FieldValue{true}},
           {"moe_alltoall_overlap_comm", FieldValue{true}},
           {"use_fused_moe_token_permute_and_unpermute", FieldValue{true}},
           {"reuse_fp32_param", FieldValue{true}}}) {
    ASSERT_TRUE(SetField(TrainFields(), r, name, v)) << name;
  }
  auto setup = internal::BuildTrainJob(cat, r);
  ASSERT_TRUE(setup) << setup.error().ToString();
  EXPECT_EQ(setup->fixed.interleave, 3);

  // The padded count less the no-op layers must be the model's: 96 less 1 is 95, not 94.
  TrainRequest one = r;
  one.noop_layers = "95";
  auto short_by_one = internal::BuildTrainJob(cat, one);
  ASSERT_FALSE(short_by_one);
  EXPECT_EQ(short_by_one.error().field, "num_layers");
  EXPECT_NE(short_by_one.error().message.find("is 95"), std::string::npos)
      << short_by_one.error().message;
  for (const auto& [list, says] : std::vector<std::pair<std::string, std::string>>{
           {"94,x", "not a layer number"}, {"94,94", "named twice"}, {"96", "not below"}}) {
    TrainRequest bad = r;
    bad.noop_layers = list;
    auto out = internal::BuildTrainJob(cat, bad);
    ASSERT_FALSE(out) << list;
    EXPECT_EQ(out.error().field, "noop_layers") << list;
    EXPECT_NE(out.error().message.find(says), std::string::npos) << out.error().message;
  }
  // A dense model's MLP width is still checked (Llama 3 8B's is 14336).
  TrainRequest dense = SmallTrain();
  dense.ffn_hidden_size = 8192;
  auto wrong = internal::BuildTrainJob(cat, dense);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().field, "ffn_hidden_size");
}

// What the model does not price is refused naming the field, not priced as a full-parameter
// step: veRL's GRPO trainer (rollouts between steps). LLaMA-Factory's LoRA is priced as LoRA
// (TrainLora below), and a full fine-tune through llamafactory-cli as before.
TEST(TrainLaunch, RlIsRefusedNotPricedAsFullTraining) {
  TrainRequest rl = SmallTrain();
  rl.launched_by = "verl.trainer.main_ppo";
  auto out = TheEngine().Train(rl, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "launched_by");
  EXPECT_NE(out.error().message.find("RL post-training"), std::string::npos) << out.error().message;
  // A full fine-tune through llamafactory-cli: LLaMA-Factory checkpoints every layer unless
  // disable_gradient_checkpointing is given (model_args.py, S3837), so its line prices as the
  // typed request with --recompute full; with the switch, as the typed request.
  TrainRequest full = SmallTrain();
  full.launched_by = "llamafactory-cli";
  full.finetuning_type = "full";
  auto priced = TheEngine().Train(full, Json());
  ASSERT_TRUE(priced) << priced.error().ToString();
  TrainRequest recomputed = SmallTrain();
  recomputed.recompute = "full";
  recomputed.seq_len = 2048;  // LLaMA-Factory's cutoff_len when none is given (S4060)
  const auto pj = nlohmann::json::parse(priced->body);
  EXPECT_EQ(pj["step_time_s"],
            nlohmann::json::parse(TheEngine().Train(recomputed, Json())->body)["step_time_s"]);
  EXPECT_NE(pj["defaults_basis"].get<std::string>().find("gradient checkpointing"),
            std::string::npos);
  // The launch names its stack (LLaMA-Factory runs on the Hugging Face Trainer), so the answer
  // says that rather than the catalogued stacks (Megatron-Core, DeepSpeed) that run the layout.
  EXPECT_TRUE(pj["stacks_running_it"].empty()) << pj["stacks_running_it"];
  EXPECT_NE(pj["stack_basis"].get<std::string>().find("LLaMA-Factory on the Hugging Face Trainer"),
            std::string::npos)
      << pj["stack_basis"];
  full.disable_gradient_checkpointing = true;
  priced = TheEngine().Train(full, Json());
  ASSERT_TRUE(priced) << priced.error().ToString();
  // Priced as the typed request; only the stack line differs (the launch named LLaMA-Factory).
  auto launched = nlohmann::json::parse(priced->body);
  TrainRequest at_cutoff = SmallTrain();
  at_cutoff.seq_len = 2048;
  auto typed = nlohmann::json::parse(TheEngine().Train(at_cutoff, Json())->body);
  EXPECT_NE(launched["defaults_basis"].get<std::string>().find("cutoff_len: 2048 tokens"),
            std::string::npos)
      << launched["defaults_basis"];
  for (auto* j : {&launched, &typed}) {
    j->erase("stack_basis");
    j->erase("stacks_running_it");
    j->erase("defaults_basis");
  }
  EXPECT_EQ(launched, typed);
  TrainRequest serving = SmallTrain();
  serving.launched_by = "sglang.launch_server";
  out = TheEngine().Train(serving, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "launched_by");
}

// A llamafactory-cli line without cutoff_len trains LLaMA-Factory's default 2,048-token sequences
// (hparams/data_args.py, S4060), not the model's pre-training length: the LoRA fine-tune of an 8B
// on one 24 GiB RTX 4090 that LLaMA-Factory's users run (its README: about 16 GB for a 7B in
// 16-bit LoRA, S3831) fits. Audit round 12: it was refused, sequences of 8,192 needing 30.2 GiB.
// By hand, its frozen bf16 weights are 8.03e9 x 2 B = 14.96 GiB.
TEST(TrainLaunch, LlamaFactoryRunsItsOwnCutoffLenUnlessGivenOne) {
  TrainRequest r;
  r.model = "meta-llama/Meta-Llama-3-8B-Instruct";
  r.chip = "rtx-4090";
  r.count = 1;
  r.tokens = 1e8;
  r.launched_by = "llamafactory-cli";
  auto out = TheEngine().Train(r, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  const auto j = nlohmann::json::parse(out->body);
  EXPECT_EQ(j["seq_len"].get<int>(), 2048) << out->body.substr(0, 600);
  EXPECT_EQ(j["finetuning"]["method"], "lora");
  EXPECT_LE(j["memory_gib_per_chip"].get<double>(), 24.0);
  EXPECT_NEAR(j["memory_breakdown_gib"]["weights"].get<double>(), 14.96, 0.1);
  EXPECT_NE(j["defaults_basis"].get<std::string>().find("cutoff_len: 2048 tokens"),
            std::string::npos);
  // cutoff_len given is the length; the typed request keeps the model's.
  TrainRequest given = r;
  given.seq_len = 1024;
  auto one_k = TheEngine().Train(given, Json());
  ASSERT_TRUE(one_k) << one_k.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(one_k->body)["seq_len"].get<int>(), 1024);
  TrainRequest typed = r;
  typed.launched_by.clear();
  typed.finetuning_type = "lora";
  typed.chip = "h100";
  auto own = TheEngine().Train(typed, Json());
  ASSERT_TRUE(own) << own.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(own->body)["seq_len"].get<int>(), 8192);
}

// A Megatron line that names no model (no Hugging Face tokenizer flag) trains the catalog model
// its shape flags give. Llama 2 7B's (32 layers, 4,096 wide, 32 heads, each its own key-value
// head, MLP 11,008: its Hugging Face config) is no other catalog model's; Llama 3 8B's (8 query
// groups, MLP 14,336) is also Mistral 7B v0.3's but for the vocabulary (128,256 against 32,768),
// which the line does not give, so the answer names both; Llama 3 8B and 3.1 8B differ in their
// context only and count as one. Without --num-experts Megatron builds a dense model, so
// Mixtral 8x7B (32 x 4,096 x 32, 8 query groups) is not among them.
TEST(TrainLaunch, AMegatronLineWithoutAModelTrainsTheCatalogModelOfItsShape) {
  TrainRequest r;
  r.chip = "h100";
  r.count = 8;
  r.tokens = 1e9;
  auto missing = TheEngine().Train(r, Json());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().field, "model");
  EXPECT_EQ(missing.error().message, "is required");
  r.num_layers = 32;
  r.hidden_size = 4096;
  r.num_attention_heads = 32;
  r.ffn_hidden_size = 11008;
  auto shaped = TheEngine().Train(r, Json());
  ASSERT_TRUE(shaped) << shaped.error().ToString();
  const auto j = nlohmann::json::parse(shaped->body);
  EXPECT_EQ(j["model"], "llama-2-7b");
  EXPECT_NE(j["defaults_basis"].get<std::string>().find("model llama-2-7b"), std::string::npos)
      << j["defaults_basis"];
  TrainRequest named = r;
  named.model = "llama-2-7b";
  auto by_name = TheEngine().Train(named, Json());
  ASSERT_TRUE(by_name) << by_name.error().ToString();
  EXPECT_EQ(j["tokens_per_s"], nlohmann::json::parse(by_name->body)["tokens_per_s"]);

  r.ffn_hidden_size = 14336;
  r.num_query_groups = 8;
  auto two = TheEngine().Train(r, Json());
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().field, "model");
  EXPECT_NE(two.error().message.find("llama-3-8b (alike: llama-3.1-8b) or mistral-7b-v0.3"),
            std::string::npos)
      << two.error().message;
  EXPECT_EQ(two.error().message.find("mixtral"), std::string::npos) << two.error().message;
  // The vocabulary parts them: Mistral 7B v0.3's is 32,768, Llama 3 8B's 128,256 (their
  // config.json vocab_size); a third no model of the shape has.
  r.vocab_size = 32768;
  auto mistral = TheEngine().Train(r, Json());
  ASSERT_TRUE(mistral) << mistral.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(mistral->body)["model"], "mistral-7b-v0.3");
  r.vocab_size = 128256;
  auto llama = TheEngine().Train(r, Json());
  ASSERT_TRUE(llama) << llama.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(llama->body)["model"], "llama-3-8b");
  r.vocab_size = 50257;
  auto no_vocab = TheEngine().Train(r, Json());
  ASSERT_FALSE(no_vocab);
  EXPECT_NE(no_vocab.error().message.find("--vocab-size 50257"), std::string::npos)
      << no_vocab.error().message;
  r.vocab_size.reset();

  r.hidden_size = 4000;
  auto none = TheEngine().Train(r, Json());
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find("no catalog model has the shape"), std::string::npos)
      << none.error().message;
}

// A launch line that names its model only where its framework does (audit round 14: each was
// "--model: is required"): Megatron's Hugging Face tokenizer (--tokenizer-model, which the
// scheduler extender already read as the model), torchtitan's registered config (--module llama3
// --config llama3_8b) and its job config's [model] name and flavor. Each trains what the request
// naming the model trains (the independent figure: the same engine asked by name).
TEST(TrainLaunch, ALineNamingItsModelByTokenizerOrTorchtitanConfigTrainsIt) {
  auto tokens_per_s = [](const TrainRequest& r) {
    auto out = TheEngine().Train(r, Json());
    EXPECT_TRUE(out) << out.error().ToString();
    return out ? nlohmann::json::parse(out->body)["tokens_per_s"].get<double>() : 0.0;
  };
  TrainRequest mega;
  mega.chip = "h800";
  mega.count = 64;
  mega.tokens = 1e11;
  mega.num_layers = 80;
  mega.hidden_size = 8192;
  mega.num_attention_heads = 64;
  mega.num_query_groups = 8;
  mega.ffn_hidden_size = 28672;
  auto shared = TheEngine().Train(mega, Json());
  ASSERT_FALSE(shared);  // Llama 2 70B's shape and Llama 3 70B's: name one
  EXPECT_NE(shared.error().message.find("name one"), std::string::npos) << shared.error().message;
  TrainRequest tokenizer = mega;
  tokenizer.tokenizer_model = "meta-llama/Llama-3.1-70B";
  auto by_tokenizer = TheEngine().Train(tokenizer, Json());
  ASSERT_TRUE(by_tokenizer) << by_tokenizer.error().ToString();
  const auto j = nlohmann::json::parse(by_tokenizer->body);
  EXPECT_EQ(j["model"], "llama-3.1-70b");
  EXPECT_NE(j["defaults_basis"].get<std::string>().find("Hugging Face tokenizer"),
            std::string::npos)
      << j["defaults_basis"];
  TrainRequest named = mega;
  named.model = "llama-3.1-70b";
  EXPECT_EQ(j["tokens_per_s"].get<double>(), tokens_per_s(named));
  // MindSpeed-LLM's folder of the model's Hugging Face files names it by its last part.
  TrainRequest folder = mega;
  folder.tokenizer_model = "/data/models/Llama-3.1-70B/";
  EXPECT_EQ(tokens_per_s(folder), tokens_per_s(named));
  // A tokenizer file the catalog cannot name leaves the shape to decide (here: name one).
  folder.tokenizer_model = "./tokenizer.model";
  EXPECT_FALSE(TheEngine().Train(folder, Json()));

  // torchtitan: the registered config, as run_train.sh's MODULE=llama3 CONFIG=llama3_8b.
  TrainRequest titan;
  titan.chip = "h100";
  titan.count = 8;
  titan.tokens = 1e9;
  const auto& fields = TrainFields();
  ASSERT_TRUE(SetField(fields, titan, "config", FieldValue{std::string("llama3_8b")}));
  auto registered = TheEngine().Train(titan, Json());
  ASSERT_TRUE(registered) << registered.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(registered->body)["model"], "llama-3.1-8b");
  TrainRequest titan_named = titan;
  titan_named.model = "llama-3.1-8b";
  EXPECT_EQ(nlohmann::json::parse(registered->body)["tokens_per_s"].get<double>(),
            tokens_per_s(titan_named));

  // Its TOML file's [model]: deepseek_v3 16B is DeepSeek-V2-Lite's shape (the file was refused
  // with --model deepseek-v2-lite too: "'deepseek_v3' is not model deepseek-v2-lite").
  const auto dir = std::filesystem::temp_directory_path() /
                   ("suanli-titan-model-" + std::to_string(static_cast<long>(::getpid())));
  std::filesystem::create_directories(dir);
  auto toml = [&](const std::string& name, const std::string& flavor) {
    const auto path = dir / (name + "_" + flavor + ".toml");
    std::ofstream(path) << "[model]\nname = \"" << name << "\"\nflavor = \"" << flavor
                        << "\"\n\n[training]\nlocal_batch_size = 2\nseq_len = 4096\n";
    TrainRequest r;
    r.chip = "h100";
    r.count = 64;
    r.tokens = 1e10;
    r.job_config_file = path.string();
    return r;
  };
  auto v3 = TheEngine().Train(toml("deepseek_v3", "16B"), Json());
  ASSERT_TRUE(v3) << v3.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(v3->body)["model"], "deepseek-v2-lite");
  TrainRequest lite = toml("deepseek_v3", "16B");
  lite.model = "deepseek-v2-lite";
  EXPECT_EQ(nlohmann::json::parse(v3->body)["tokens_per_s"].get<double>(), tokens_per_s(lite));
  auto debug = TheEngine().Train(toml("llama3", "debugmodel"), Json());
  ASSERT_FALSE(debug);
  EXPECT_EQ(debug.error().field, "model");
  EXPECT_NE(debug.error().message.find("torchtitan's model"), std::string::npos)
      << debug.error().message;
  std::filesystem::remove_all(dir);
}

// A run shorter than one sequence is refused at --tokens (audit round 14: "--tokens 2k" answered
// "time to train 0.0 days"); one of a sequence or more is priced.
TEST(TrainLaunch, FewerTokensThanOneSequenceIsAnError) {
  TrainRequest r;
  r.model = "llama-3.1-8b";
  r.chip = "h100";
  r.count = 8;
  r.tokens = 2000;
  auto out = TheEngine().Train(r, Json());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "tokens");
  // Llama 3.1 8B's default sequence: 8,192 tokens (its pre-training length).
  EXPECT_EQ(out.error().message, "2000 is less than one sequence of 8192 tokens");
  r.tokens = 8192;
  EXPECT_TRUE(TheEngine().Train(r, Json()));
}

// LoRA is priced, not refused, and every way of asking reaches the same rule: typed fields,
// LLaMA-Factory's line (whose finetuning_type defaults to lora, S3830), PEFT's --lora_r and
// MindSpeed-LLM's Megatron module names (S3834). The answer says what it priced. Bad input names
// its field.
TEST(TrainLora, PricedFromEveryEntryAndBadInputNamesItsField) {
  TrainRequest typed = SmallTrain();
  typed.finetuning_type = "lora";
  auto out = TheEngine().Train(typed, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  const auto j = nlohmann::json::parse(out->body);
  ASSERT_TRUE(j.contains("finetuning")) << out->body.substr(0, 400);
  EXPECT_EQ(j["finetuning"]["method"], "lora");
  EXPECT_EQ(j["finetuning"]["lora_rank"], 8);
  EXPECT_EQ(j["finetuning"]["lora_target"], "all");
  EXPECT_DOUBLE_EQ(j["finetuning"]["adapter_params"].get<double>(), 20971520.0);
  EXPECT_NE(j["finetuning"]["basis"].get<std::string>().find("taken by default"),
            std::string::npos);
  const double full_days =
      nlohmann::json::parse(TheEngine().Train(SmallTrain(), Json())->body)["train_days"];
  EXPECT_LT(j["train_days"].get<double>(), full_days);

  // LLaMA-Factory's own default method is lora: its line with no finetuning_type prices the same.
  TrainRequest factory = SmallTrain();
  factory.launched_by = "llamafactory-cli";
  auto same = TheEngine().Train(factory, Json());
  ASSERT_TRUE(same) << same.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(same->body)["finetuning"]["adapter_params"],
            j["finetuning"]["adapter_params"]);
  // PEFT's --lora_r alone means LoRA; MindSpeed's module names are the same all.
  TrainRequest peft = SmallTrain();
  ASSERT_TRUE(SetField(TrainFields(), peft, "lora_r", FieldValue{8.0}));
  ASSERT_TRUE(SetField(TrainFields(), peft, "lora_target_modules",
                       FieldValue{std::vector<std::string>{"linear_qkv", "linear_proj",
                                                           "linear_fc1", "linear_fc2"}}));
  auto by_peft = TheEngine().Train(peft, Json());
  ASSERT_TRUE(by_peft) << by_peft.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(by_peft->body)["train_days"], j["train_days"]);
  // QLoRA: the same adapters on a 4-bit base.
  TrainRequest q = SmallTrain();
  q.finetuning_type = "qlora";
  auto qo = TheEngine().Train(q, Json());
  ASSERT_TRUE(qo) << qo.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(qo->body)["finetuning"]["base_bits"], 4);

  auto bad = [&](TrainRequest r, const char* field) {
    auto o = TheEngine().Train(r, Json());
    ASSERT_FALSE(o) << field;
    EXPECT_EQ(o.error().field, field) << o.error().message;
  };
  TrainRequest r0 = SmallTrain();
  r0.lora_rank = 0;
  bad(r0, "lora_rank");
  TrainRequest unknown = SmallTrain();
  unknown.lora_target = {"q_proj", "qkv_proj_typo"};
  bad(unknown, "lora_target");
  TrainRequest bits = SmallTrain();
  bits.quantization_bit = 3;
  bad(bits, "quantization_bit");
  TrainRequest both = SmallTrain();
  both.finetuning_type = "full";
  both.lora_rank = 16;
  bad(both, "lora_rank");
  TrainRequest freeze = SmallTrain();
  freeze.finetuning_type = "freeze";
  bad(freeze, "finetuning_type");
}

// A model pre-trained in a catalogued recipe trains in it when typed with no --dtype: DeepSeek-V3
// was pre-trained with its fine-grained FP8 framework on H800s (arXiv 2412.19437, abstract and
// 3.3; S962, S3359), so `train --model deepseek-v3 --chip h800` means fp8-blockwise and says so.
// A --dtype given, a chip with no FP8 (A100) or a model with none catalogued keep the chip's BF16.
TEST(TrainDefaults, ModelPretrainingPrecision) {
  const catalog::Catalog& cat = TheEngine().catalog();
  TrainRequest r;
  r.model = "deepseek-v3";
  r.chip = "h800";
  r.count = 2048;
  r.tokens = 14.8e12;
  auto setup = internal::BuildTrainJob(cat, r);
  ASSERT_TRUE(setup) << setup.error().ToString();
  ASSERT_TRUE(setup->job.precision);
  EXPECT_EQ(setup->job.precision->recipe, "fp8-blockwise");
  EXPECT_EQ(setup->job.dtype, catalog::DType::kFp8);
  EXPECT_NE(setup->precision_basis.find("fp8-blockwise"), std::string::npos)
      << setup->precision_basis;
  EXPECT_NE(setup->precision_basis.find("pre-trained"), std::string::npos)
      << setup->precision_basis;

  TrainRequest bf16 = r;
  bf16.dtype = "bf16";
  auto given = internal::BuildTrainJob(cat, bf16);
  ASSERT_TRUE(given) << given.error().ToString();
  EXPECT_EQ(given->job.dtype, catalog::DType::kBf16);
  EXPECT_TRUE(given->precision_basis.empty()) << given->precision_basis;

  TrainRequest a100 = r;
  a100.chip = "a100";
  auto no_fp8 = internal::BuildTrainJob(cat, a100);
  ASSERT_TRUE(no_fp8) << no_fp8.error().ToString();
  EXPECT_EQ(no_fp8->job.dtype, catalog::DType::kBf16);
  EXPECT_NE(no_fp8->precision_basis.find("not taken"), std::string::npos)
      << no_fp8->precision_basis;

  TrainRequest llama = r;
  llama.model = "llama-3-8b";
  llama.count = 8;
  auto none = internal::BuildTrainJob(cat, llama);
  ASSERT_TRUE(none) << none.error().ToString();
  EXPECT_EQ(none->job.dtype, catalog::DType::kBf16);
  EXPECT_TRUE(none->precision_basis.empty()) << none->precision_basis;

  // Every catalogued pre-training precision is a recipe train knows (names are checked where
  // they are used, as stacks' precisions are).
  const auto recipes = perf::PrecisionRecipes();
  for (const auto& m : cat.models()) {
    if (!m.pretraining || m.pretraining->precision.empty()) continue;
    EXPECT_NE(std::find(recipes.begin(), recipes.end(), m.pretraining->precision), recipes.end())
        << m.id << ": " << m.pretraining->precision;
  }
}

// torchtitan's job config as TOML text: keys the flags did not give, torchtitan's defaults for
// the rest, and a bad value named by file, line and key.
TEST(TrainLaunch, TorchtitanJobConfig) {
  const catalog::Catalog& cat = TheEngine().catalog();
  TrainRequest r;
  r.model = "llama-3-8b";
  r.chip = "h100";
  r.count = 16;
  r.job_config_file = "llama3_8b.toml";
  r.tp = 4;  // a flag over the file's
  const std::string toml =
      "[training]\nlocal_batch_size = 2\nseq_len = 4096\nsteps = 1000\n"
      "[parallelism]\ntensor_parallel_degree = 2\n[model]\nconverters = [\"float8\"]\n";
  auto setup = internal::BuildTrainJob(cat, r, toml);
  ASSERT_TRUE(setup) << setup.error().ToString();
  EXPECT_EQ(setup->fixed.tp, 4);
  EXPECT_EQ(setup->fixed.pp, 1);
  EXPECT_EQ(setup->fixed.dp, 4);  // data_parallel_shard_degree -1: 16 / 4
  EXPECT_EQ(setup->fixed.zero_stage, 3);
  EXPECT_EQ(setup->fixed.micro_batch, 2);
  EXPECT_EQ(setup->job.seq_len, 4096);
  EXPECT_DOUBLE_EQ(setup->job.tokens, 1000.0 * 2 * 4 * 4096);  // steps x local x dp x seq_len
  EXPECT_EQ(setup->job.dtype, catalog::DType::kFp8);
  auto bad = internal::BuildTrainJob(cat, r, "[training]\n\nseq_len = 4096.5\n");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().file, "llama3_8b.toml");
  EXPECT_EQ(bad.error().line, 3);
  EXPECT_EQ(bad.error().field, "training.seq_len");
}

}  // namespace
// A prompt-heavy benchmark (GPUStack's vllm bench serve runs: thousands of prompt tokens, a few
// output tokens, every prompt sent at once) cannot meet MLPerf's default TPOT or TTFT even at
// batch 1, since each output token waits on prefill. Those are defaults the user never asked for,
// and a given load is measured, not searched: the run is answered, with the limit it leaves out
// named. Hand check of the rate: Qwen3-32B prefills at 2 x 32.8e9 FLOPs a token (64 layers,
// hidden 5,120, MLP 25,600), and one H100's 989 TFLOP/s dense BF16 bound that at 15.1k tokens/s;
// a 4,000-token prompt per request puts requests/s between 0.4 x and 1 x 15.1k / 4,000. A rate
// search with no limit left to search against keeps its refusal, and so does a target given with
// no load.
TEST(Engine, PromptHeavyGivenLoadIsAnsweredWithoutTheDefaultLimitsItCannotMeet) {
  InferRequest r;
  r.model = "Qwen/Qwen3-32B";
  r.chip = {"h100"};
  r.count = 1;
  r.dtype = "bf16";
  r.input_tokens = 4000;
  r.output_tokens = 2;
  r.concurrency = 16;
  r.mode = "server";
  const auto loaded = InferJson(r);
  const auto& s = loaded["simulation"];
  const double rps = s["goodput_requests_per_s"].get<double>();
  EXPECT_GT(rps, 0.4 * 15.1e3 / 4000);
  EXPECT_LT(rps, 15.1e3 / 4000);
  EXPECT_NE(s["slo_source"].get<std::string>().find("left out"), std::string::npos)
      << s["slo_source"];
  // A target the user gives with a load stays, reported against (one step: met).
  r.tpot_ms = 100;
  EXPECT_EQ(InferJson(r)["simulation"]["tpot_target_ms"].get<double>(), 100);
  // No load: the rate search has nothing left to search against, and says why.
  r.tpot_ms.reset();
  r.concurrency.reset();
  auto searched = TheEngine().Infer(r, Json());
  ASSERT_FALSE(searched);
  EXPECT_EQ(searched.error().field, "tpot_ms");
  r.tpot_ms = 100;
  searched = TheEngine().Infer(r, Json());
  ASSERT_FALSE(searched);
  EXPECT_EQ(searched.error().field, "tpot_ms");
}

// --emit vllm prints the command the estimate priced, and adding it changes no figure. vLLM's
// start-up profile runs max_num_seqs sequences (38.5 bytes a logit of max_num_seqs x vocabulary,
// S3320/S3321) and the KV pool is what is left: the typed request priced vLLM's default 1,024
// (engines.yaml, `vllm serve` on GPUs of 70 GiB or more), so the command says --max-num-seqs 1024,
// not the estimate's batch (a cap of the batch would profile fewer sequences, start with more KV
// and price another deployment). By hand, Qwen3-32B in BF16 on one H100: vLLM's 0.9 of 80 GiB is
// 72 GiB; the profile at 1,024 sequences is 38.5 x 1,024 x 151,936 B = 5.58 GiB, leaving
// 72 - 61.03 - 5.58 = 5.39 GiB of KV, 19 sequences of 1,152 tokens x 262,144 B (0.28125 GiB).
TEST(Engine, EmittedVllmCommandIsTheDeploymentPriced) {
  InferRequest r;
  r.model = "qwen3-32b";
  r.chip = {"h100"};
  r.count = 1;
  r.mode = "analytic";
  r.engine = "vllm";
  auto plain = InferJson(r);
  EXPECT_EQ(plain["memory_max_batch"], 19);
  r.emit = "vllm";
  auto emitted = InferJson(r);
  const std::string command = emitted["launch"]["command"].get<std::string>();
  EXPECT_NE(command.find("--max-num-seqs 1024 \\"), std::string::npos) << command;
  EXPECT_NE(command.find("--gpu-memory-utilization 0.90"), std::string::npos) << command;
  const double profile_gib = 38.5 * 1024 * 151936 / std::pow(1024.0, 3);
  EXPECT_LE(emitted["weights_gib_per_chip"].get<double>() +
                emitted["kv_cache_gib_per_chip"].get<double>() + profile_gib,
            0.9 * 80 + 1e-3);
  emitted.erase("launch");
  EXPECT_EQ(emitted, plain);
  // A --max-num-seqs given is printed as given (the profile priced), whatever the batch.
  r.max_num_seqs = 512;
  emitted = InferJson(r);
  EXPECT_NE(emitted["launch"]["command"].get<std::string>().find("--max-num-seqs 512 \\"),
            std::string::npos);
  EXPECT_LT(emitted["launch_batch"].get<int>(), 512);
  r.emit.clear();
  emitted.erase("launch");
  EXPECT_EQ(emitted, InferJson(r));
}

// vLLM-Ascend's --enforce-eager (graph mode off): every step at least the host's launch time,
// 2,660 us a layer (vLLM-Ascend issue 7723, S3470: Qwen3-Coder-480B's eager step flat at 165 ms
// over 62 layers from 256K to 768K prompts). Qwen3-8B's 36 layers: no step under 95.8 ms.
TEST(Engine, VllmAscendEnforceEagerIsPriced) {
  InferRequest r;
  r.model = "qwen3-8b";
  r.chip = {"ascend-910b"};
  r.count = 1;
  r.mode = "analytic";
  const auto graph = InferJson(r);
  EXPECT_EQ(graph["engine"], "vllm-ascend-0.13");
  r.enforce_eager = true;
  const auto eager = InferJson(r);
  EXPECT_GE(eager["tpot_ms"].get<double>(), 36 * 2.660 - 1e-6);
  EXPECT_GT(eager["tpot_ms"].get<double>(), graph["tpot_ms"].get<double>());
  r.engine = "vllm-ascend-0.9.1";
  EXPECT_GE(InferJson(r)["tpot_ms"].get<double>(), 36 * 2.660 - 1e-6);
}

// trtllm-bench throughput --dataset FILE (S3476): prepare_dataset.py's JSON Lines, one request a
// line with its input_ids and output_tokens; the mean lengths are the workload's, the requests
// its count, every request sent at once (no --concurrency): the typed answer with those lengths.
// A prompt given as text has tokens this tool cannot count: an error naming file:line.
TEST(Engine, TrtllmBenchDatasetIsItsMeanLengths) {
  const std::string dir = ::testing::TempDir() + "/suanli_trtllm_bench_" +
                          std::to_string(static_cast<long>(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/synthetic_128_128.txt";
  {
    std::ofstream out(file);
    for (int i = 0; i < 3; ++i) {
      out << "{\"task_id\": " << i << ", \"input_ids\": [";
      const int len = 100 + 28 * i;  // 100, 128, 156: a mean of 128
      for (int t = 0; t < len; ++t) out << (t ? ", " : "") << 1000 + t;
      out << "], \"output_tokens\": " << 64 * (i + 1) << "}\n";  // 64, 128, 192: 128
    }
  }
  InferRequest pasted;
  pasted.model = "llama-3.1-8b";
  pasted.chip = {"h100"};
  pasted.launched_by = "trtllm-bench";
  pasted.dataset = file;
  const auto p = InferJson(pasted);
  EXPECT_EQ(p["engine"], "trtllm");
  InferRequest typed = pasted;
  typed.dataset.clear();
  typed.input_tokens = 128;
  typed.output_tokens = 128;
  typed.input_tokens_given = typed.output_tokens_given = true;
  typed.requests = 3;
  EXPECT_EQ(p.dump(), InferJson(typed).dump());
  std::ofstream(file, std::ios::app) << "{\"task_id\": 3, \"prompt\": \"Hello\", "
                                        "\"output_tokens\": 8}\n";
  const auto text = InferOutcome(pasted);
  ASSERT_TRUE(text.contains("error"));
  EXPECT_NE(text["error"].get<std::string>().find("prompt given as text"), std::string::npos)
      << text.dump();
  auto refused = TheEngine().Infer(pasted, Json());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().line, 4);
  pasted.dataset = dir + "/missing.txt";
  const auto missing = InferOutcome(pasted);
  EXPECT_NE(missing["error"].get<std::string>().find("--input-tokens and --output-tokens"),
            std::string::npos)
      << missing.dump();
}

// NeMo's Hydra overrides (S3475) are the same run as the flags typed: trainer.max_steps is
// --max-steps, model.tensor_model_parallel_size --tp, model.global_batch_size
// --global-batch-size, trainer.precision=bf16-mixed --dtype bf16, trainer.num_nodes x
// trainer.devices the chips; a data path or learning rate is listed as not read.
TEST(TrainLaunch, NemoOverridesAreTheirFields) {
  TrainRequest nemo;
  nemo.model = "llama-3.1-8b";
  nemo.chip = "h100";
  nemo.overrides = {"trainer.num_nodes=2",
                    "trainer.devices=8",
                    "trainer.max_steps=1000",
                    "trainer.precision=bf16-mixed",
                    "model.tensor_model_parallel_size=2",
                    "model.pipeline_model_parallel_size=1",
                    "model.micro_batch_size=1",
                    "model.global_batch_size=128",
                    "model.encoder_seq_length=8192",
                    "model.virtual_pipeline_model_parallel_size=null",
                    "model.optim.lr=3e-4",
                    "+model.data.data_prefix=[1.0,/data/text_document]"};
  auto out = TheEngine().Train(nemo, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  const auto j = nlohmann::json::parse(out->body);
  EXPECT_EQ(j["overrides_not_read"],
            (std::vector<std::string>{"model.optim.lr", "model.data.data_prefix"}));
  TrainRequest typed;
  typed.model = "llama-3.1-8b";
  typed.chip = "h100";
  typed.count = 16;
  typed.max_steps = 1000;
  typed.dtype = "bf16";
  typed.tp = 2;
  typed.pp = 1;
  typed.micro_batch = 1;
  typed.global_batch_size = 128;
  typed.seq_len = 8192;
  auto t = TheEngine().Train(typed, Json());
  ASSERT_TRUE(t) << t.error().ToString();
  auto k = nlohmann::json::parse(t->body);
  auto without = j;
  without.erase("overrides_not_read");
  EXPECT_EQ(without.dump(), k.dump());
  nemo.overrides = {"trainer.precision=32"};
  auto fp32 = TheEngine().Train(nemo, Json());
  ASSERT_FALSE(fp32);
  EXPECT_EQ(fp32.error().field, "override");
}

// ZeRO-Offload from a DeepSpeed config (offload_optimizer to the CPU, or DeepSpeed 0.3's
// cpu_offload: true as the tutorial's 10B config writes it, S4373) is priced where the system's
// host DRAM bandwidth is known: Llama 2 7B (P = 6.738e9) on one V100 of a DGX-2 (dgx2-v100, 256
// GB/s) keeps no main weights or moments on the chip, and its optimizer's part is the link's 2 P /
// 16e9 = 0.842 s (PCIe Gen3 x16; the host's 30 P / 256e9 = 0.790 s runs behind it). On the V100's
// default DGX-1, whose host figure the catalog lacks, the key is listed as not read and the 7B (16
// bytes a parameter on the chip, 100 GiB) fits no layout, the refusal saying the offload is not
// modelled.
TEST(TrainLaunch, DeepSpeedZeroOffloadIsPricedWhereTheHostIsKnown) {
  const std::string dir = ::testing::TempDir() + "/suanli_deepspeed_offload_" +
                          std::to_string(static_cast<long>(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/ds_offload.json";
  for (const char* offload :
       {"\"offload_optimizer\": {\"device\": \"cpu\"}", "\"cpu_offload\": true"}) {
    std::ofstream(file) << "{\n  \"train_micro_batch_size_per_gpu\": 1,\n"
                           "  \"gradient_accumulation_steps\": 8,\n"
                           "  \"fp16\": {\"enabled\": true},\n"
                           "  \"zero_optimization\": {\"stage\": 2, "
                        << offload << "}\n}\n";
    TrainRequest r;
    r.model = "llama-2-7b";
    r.chip = "v100";
    r.system = "dgx2-v100";
    r.count = 1;
    r.tokens = 1e9;
    r.recompute = "full";
    r.deepspeed_config = file;
    auto out = TheEngine().Train(r, Json());
    ASSERT_TRUE(out) << offload << ": " << out.error().ToString();
    const auto j = nlohmann::json::parse(out->body);
    EXPECT_FALSE(j.contains("deepspeed_not_read")) << j.dump();
    EXPECT_TRUE(j.value("optimizer_on_host", false)) << offload;
    EXPECT_EQ(j["memory_breakdown_gib"]["main_params"].get<double>(), 0);
    EXPECT_EQ(j["memory_breakdown_gib"]["optimizer"].get<double>(), 0);
    EXPECT_NEAR(j["time_breakdown_s"]["optimizer"].get<double>(), 2 * 6.738e9 / 16e9, 0.005);
    // On an A100's default system, the DGX A100's host: 409.6 GB/s of DDR4 (S4470, S4472) and
    // PCIe Gen4 (32 GB/s, S4475). One rank steps all 6.738e9 parameters: 30 bytes each at
    // 409.6 GB/s = 0.494 s, longer than the weights' 2 x 6.738e9 / 32e9 = 0.421 s up the link.
    r.chip = "a100";
    r.system.clear();
    auto dgx_a100 = TheEngine().Train(r, Json());
    ASSERT_TRUE(dgx_a100) << offload << ": " << dgx_a100.error().ToString();
    const auto a = nlohmann::json::parse(dgx_a100->body);
    EXPECT_FALSE(a.contains("deepspeed_not_read")) << a.dump();
    EXPECT_TRUE(a.value("optimizer_on_host", false)) << offload;
    EXPECT_NEAR(a["time_breakdown_s"]["optimizer"].get<double>(), 30 * 6.738e9 / 409.6e9, 0.005);
    r.chip = "v100";
    r.system.clear();  // the V100's default system, a DGX-1: no host figure
    auto unpriced = TheEngine().Train(r, Json());
    ASSERT_FALSE(unpriced) << offload;
    EXPECT_TRUE(testing::Contains(unpriced.error().message, "is not modelled"))
        << unpriced.error().message;
  }
}

// DeepSpeed's JSON config (S3570) is the same run as its flags typed (DeepSpeed's engine alone:
// tp, pp, cp 1): train_batch_size is --global-batch-size, train_micro_batch_size_per_gpu
// --micro-batch, zero_optimization.stage
// --zero-stage, overlap_comm --dp-overlap on, bf16.enabled --dtype bf16; the optimizer and an
// offload are listed as not read; "auto" leaves a key to the flags. Round 7 of the user's-eye
// audit: `deepspeed --num_gpus 8 --num_nodes 2 train.py --deepspeed --deepspeed_config
// ds_config.json` was answered at the search's ZeRO stage and batch, the file unread.
TEST(TrainLaunch, DeepSpeedConfigIsItsFields) {
  const std::string dir =
      ::testing::TempDir() + "/suanli_deepspeed_" + std::to_string(static_cast<long>(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/ds_config.json";
  std::ofstream(file) << "{\n"
                         "  \"train_batch_size\": 512,\n"
                         "  \"train_micro_batch_size_per_gpu\": 4,\n"
                         "  \"gradient_accumulation_steps\": 8,\n"
                         "  \"optimizer\": {\"type\": \"AdamW\", \"params\": {\"lr\": 3e-4}},\n"
                         "  \"bf16\": {\"enabled\": true},\n"
                         "  \"fp16\": {\"enabled\": \"auto\"},\n"
                         "  \"zero_optimization\": {\n"
                         "    \"stage\": 3,\n"
                         "    \"overlap_comm\": true,\n"
                         "    \"offload_optimizer\": {\"device\": \"nvme\"},\n"
                         "    \"reduce_bucket_size\": 5e8\n"
                         "  }\n"
                         "}\n";
  TrainRequest ds;
  ds.model = "llama-2-13b";
  ds.chip = "a100";
  ds.count = 16;
  ds.tokens = 10e9;
  ds.deepspeed_config = file;
  auto out = TheEngine().Train(ds, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  const auto j = nlohmann::json::parse(out->body);
  EXPECT_EQ(j["deepspeed_not_read"],
            (std::vector<std::string>{"optimizer", "zero_optimization.offload_optimizer"}));
  TrainRequest typed;
  typed.model = "llama-2-13b";
  typed.chip = "a100";
  typed.count = 16;
  typed.tokens = 10e9;
  typed.global_batch_size = 512;  // 4 a GPU x 8 steps x 16 GPUs
  typed.tp = 1;                   // DeepSpeed alone: data parallel only
  typed.pp = 1;
  typed.cp = 1;
  typed.micro_batch = 4;
  typed.gradient_accumulation_steps = 8;
  typed.zero = 3;
  typed.dp_overlap = "on";
  typed.dtype = "bf16";
  auto t = TheEngine().Train(typed, Json());
  ASSERT_TRUE(t) << t.error().ToString();
  auto without = j;
  without.erase("deepspeed_not_read");
  EXPECT_EQ(without.dump(), nlohmann::json::parse(t->body).dump());
  // A flag that contradicts the file: an error at the key's line (stage, line 9).
  ds.zero = 1;
  auto clash = TheEngine().Train(ds, Json());
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().file, file);
  EXPECT_EQ(clash.error().line, 9);
  EXPECT_EQ(clash.error().field, "zero_optimization.stage");
  ds.zero.reset();
  // A stage DeepSpeed has not; a file that is not JSON (line 2).
  std::ofstream(file) << "{\n  \"zero_optimization\": {\"stage\": 4}\n}\n";
  auto stage = TheEngine().Train(ds, Json());
  ASSERT_FALSE(stage);
  EXPECT_EQ(stage.error().line, 2);
  std::ofstream(file) << "{\n  \"train_batch_size\": 512,,\n}\n";
  auto broken = TheEngine().Train(ds, Json());
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().file, file);
  EXPECT_EQ(broken.error().line, 2);
  // A line pasted where its config is not at hand: the line's flags alone, the file named.
  ds.deepspeed_config = dir + "/missing.json";
  auto missing = TheEngine().Train(ds, Json());
  ASSERT_TRUE(missing) << missing.error().ToString();
  EXPECT_NE(nlohmann::json::parse(missing->body)["deepspeed_not_read"][0].get<std::string>().find(
                "missing.json (not read"),
            std::string::npos);
}

// torchtitan's run_train.sh (S3576): one node of NGPU GPUs (default 8) running torchtitan.train
// with CONFIG_FILE as --job.config_file (the older script) or MODULE / CONFIG as --module /
// --config (the current one). `CONFIG_FILE=./torchtitan/models/llama3/train_configs/llama3_8b.toml
// ./run_train.sh --training.steps 100` is the same run as torchrun --nproc_per_node 8 with that
// file; round 7 of the user's-eye audit refused it ("--training.steps: needs the global batch").
TEST(TrainLaunch, RunTrainShIsTorchrunOfItsConfig) {
  const std::string file = "./torchtitan/models/llama3/train_configs/llama3_8b.toml";
  TrainRequest script;
  script.model = "llama-3.1-8b";
  script.chip = "h100";
  script.env = {"CONFIG_FILE=" + file, "run_train.sh"};
  script.titan_steps = 100;
  auto out = TheEngine().Train(script, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  TrainRequest typed = script;
  typed.env.clear();
  typed.count = 8;
  typed.job_config_file = file;
  auto t = TheEngine().Train(typed, Json());
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(out->body, t->body);
  // The current script: MODULE and CONFIG name the registered config; NGPU=4 is 4 GPUs.
  TrainRequest current = script;
  current.env = {"NGPU=4", "MODULE=llama3", "CONFIG=llama3_8b", "./run_train.sh"};
  auto c = TheEngine().Train(current, Json());
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(c->body)["chips"], 4);
  // A count the script's one node does not have: torchrun's error.
  current.count = 16;
  auto clash = TheEngine().Train(current, Json());
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().field, "count");
  // Without the script the variables are the shell's: nothing read.
  TrainRequest shell = script;
  shell.env = {"CONFIG_FILE=" + file};
  shell.count = 8;
  auto s = TheEngine().Train(shell, Json());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().field, "training.steps");
}

// NeMo 2's recipes (S3577): `nemo llm pretrain --factory llama3_8b` is its trainer's tp 1, pp 1,
// cp 2 on 1 node of 8 GPUs, seq_length 8192, global batch 512, micro-batch 1, 1,168,251 steps in
// bf16, the distributed optimizer (ZeRO 1); the line's overrides win (trainer.max_steps=1000).
// llama3_70b is tp 4, pp 4, virtual 5, cp 2 on 4 nodes; "llama3_70b(num_nodes=8)" 64 GPUs. Round 7
// of the user's-eye audit refused
// --factory.
TEST(TrainLaunch, NemoFactoryIsItsRecipe) {
  TrainRequest recipe;
  recipe.model = "llama-3.1-8b";
  recipe.chip = "h100";
  recipe.nemo_factory = "llama3_8b";
  recipe.overrides = {"trainer.max_steps=1000"};
  auto out = TheEngine().Train(recipe, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  TrainRequest typed;
  typed.model = "llama-3.1-8b";
  typed.chip = "h100";
  typed.count = 8;
  typed.tp = 1;
  typed.pp = 1;
  typed.cp = 2;
  typed.max_steps = 1000;
  typed.dtype = "bf16";
  typed.seq_len = 8192;
  typed.global_batch_size = 512;
  typed.micro_batch = 1;
  typed.zero = 1;  // distributed_fused_adam
  auto t = TheEngine().Train(typed, Json());
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_EQ(out->body, t->body);
  TrainRequest big;
  big.model = "llama-3.1-70b";
  big.chip = "h100";
  big.tokens = 1e12;
  big.nemo_factory = "llama3_70b(num_nodes=8, name='my_70b')";
  big.overrides = {"trainer.max_steps=null"};
  auto b = TheEngine().Train(big, Json());
  ASSERT_TRUE(b) << b.error().ToString();
  const auto j = nlohmann::json::parse(b->body);
  EXPECT_EQ(j["chips"], 64);
  EXPECT_EQ(j["parallel"]["tp"], 4);
  EXPECT_EQ(j["parallel"]["pp"], 4);
  EXPECT_EQ(j["parallel"]["cp"], 2);
  big.nemo_factory = "mixtral_8x7b";
  auto unknown = TheEngine().Train(big, Json());
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().field, "nemo_factory");
}

// The recipe names its model too: llama3_8b's model() is LlamaModel on Llama3Config8B (32 layers,
// hidden 4,096, FFN 14,336, 32 heads, seq 8,192: Llama 3 8B, S4364), llama3_70b's on
// Llama3Config70B. So `nemo llm pretrain --factory llama3_8b` without --model trains llama-3-8b,
// as the request naming it does (audit round 15: "--model: is required"); a recipe not read here
// says so at the recipe, not as a missing model.
TEST(TrainLaunch, NemoFactoryNamesItsModel) {
  TrainRequest recipe;
  recipe.chip = "h100";
  recipe.tokens = 1e11;
  recipe.nemo_factory = "llama3_8b";
  auto out = TheEngine().Train(recipe, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  TrainRequest named = recipe;
  named.model = "llama-3-8b";
  auto n = TheEngine().Train(named, Json());
  ASSERT_TRUE(n) << n.error().ToString();
  const auto j = nlohmann::json::parse(out->body);
  const auto k = nlohmann::json::parse(n->body);
  EXPECT_EQ(j["model"], "llama-3-8b");
  EXPECT_EQ(j["tokens_per_s"], k["tokens_per_s"]);
  EXPECT_EQ(j["parallel"]["cp"], 2);
  recipe.nemo_factory = "llama3_70b(num_nodes=8)";
  auto big = TheEngine().Train(recipe, Json());
  ASSERT_TRUE(big) << big.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(big->body)["model"], "llama-3-70b");
  recipe.nemo_factory = "mixtral_8x7b";
  auto unknown = TheEngine().Train(recipe, Json());
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().field, "nemo_factory");
  EXPECT_NE(unknown.error().message.find("'mixtral_8x7b' is not a recipe read here"),
            std::string::npos)
      << unknown.error().message;
}

// torchtitan's train_configs TOML files before the registry (S3474): each model's, where no
// checkout is, is the registered config of the same name: deepseek_v3_16b.toml is --config
// deepseek_v3_16b (4 x 4,096 tokens a rank, expert parallel 8, 1,000 steps), qwen3_0.6b.toml
// qwen3_0_6b.
TEST(TrainLaunch, TorchtitanStockConfigsOfEveryModel) {
  for (const auto& [model, file, config] :
       {std::tuple{"qwen3-1.7b", "./torchtitan/models/qwen3/train_configs/qwen3_1.7b.toml",
                   "qwen3_1_7b"},
        std::tuple{"qwen3-0.6b", "./torchtitan/models/qwen3/train_configs/qwen3_0.6b.toml",
                   "qwen3_0_6b"}}) {
    TrainRequest r;
    r.model = model;
    r.chip = "h100";
    r.count = 8;
    r.job_config_file = file;
    auto stock = TheEngine().Train(r, Json());
    ASSERT_TRUE(stock) << file << ": " << stock.error().ToString();
    TrainRequest named = r;
    named.job_config_file.clear();
    ASSERT_TRUE(SetField(TrainFields(), named, "config", FieldValue{std::string(config)}));
    EXPECT_EQ(named.seq_len, 4096);
    EXPECT_EQ(named.titan_local_batch_size, 4);
    auto registered = TheEngine().Train(named, Json());
    ASSERT_TRUE(registered) << registered.error().ToString();
    EXPECT_EQ(stock->body, registered->body);
  }
  // DeepSeek's: expert parallel 8 and 1,000 steps (16B), 2 and 10,000 (671B).
  TrainRequest ds;
  ASSERT_TRUE(SetField(TrainFields(), ds, "config", FieldValue{std::string("deepseek_v3_16b")}));
  EXPECT_EQ(ds.ep, 8);
  EXPECT_EQ(ds.titan_steps, 1000);
  TrainRequest v3;
  ASSERT_TRUE(SetField(TrainFields(), v3, "config", FieldValue{std::string("deepseek_v3_671b")}));
  EXPECT_EQ(v3.ep, 2);
  EXPECT_EQ(v3.titan_steps, 10000);
}

}  // namespace suanli::app

namespace suanli::app {
namespace {

// `suanli catalog chips h20`, `catalog models deepseek-ai/DeepSeek-V3.2-Exp`, `catalog models
// qwen3`: the entry a name selects (as --chip and --model read it: the Hugging Face repository
// is deepseek-v3.2), or every entry whose id or alias holds the text; none is an error naming the
// nearest ids.
TEST(Engine, CatalogNamesOneEntryOrAPartOfNames) {
  const auto ids = [](const std::string& body, const char* list) {
    std::vector<std::string> out;
    const auto j = nlohmann::json::parse(body);
    for (const auto& e : j[list]) out.push_back(e["id"]);
    return out;
  };
  auto h20 = TheEngine().Catalog({"chips", "h20"}, Json());
  ASSERT_TRUE(h20) << h20.error().ToString();
  EXPECT_EQ(ids(h20->body, "chips"), (std::vector<std::string>{"h20"}));
  auto v32 = TheEngine().Catalog({"models", "deepseek-ai/DeepSeek-V3.2-Exp"}, Json());
  ASSERT_TRUE(v32) << v32.error().ToString();
  EXPECT_EQ(ids(v32->body, "models"), (std::vector<std::string>{"deepseek-v3.2"}));
  auto qwen3 = TheEngine().Catalog({"models", "qwen3-2"}, Json());
  ASSERT_TRUE(qwen3) << qwen3.error().ToString();
  // qwen3-235b-a22b and its 2507 release: every id holding "qwen3-2".
  EXPECT_EQ(ids(qwen3->body, "models"),
            (std::vector<std::string>{"qwen3-235b-a22b", "qwen3-235b-a22b-2507"}));
  auto none = TheEngine().Catalog({"chips", "h2000x"}, Json());
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().field, "name");
  EXPECT_NE(none.error().message.find("nearest"), std::string::npos);
  // Without a name, every entry, as before.
  EXPECT_EQ(TheEngine().Catalog({"chips", ""}, Json())->body,
            TheEngine().Catalog({"chips", ""}, Json())->body);
}

// A torchtitan config's training.steps is its default length: `--tokens 1B` with Qwen3-1.7B's
// stock file (100 steps) is a run of 1B tokens (torchtitan's own flags override its file), where
// it was "contradicts --tokens". Steps typed must still agree: 100 steps of 4 sequences a rank
// x 8 ranks x 4,096 tokens are 13,107,200 tokens, said as 13.11M.
TEST(TrainLaunch, ConfigStepsYieldToTokensTyped) {
  TrainRequest r;
  r.model = "qwen3-1.7b";
  r.chip = "h100";
  r.count = 8;
  r.tokens = 1e9;
  r.job_config_file = "./torchtitan/models/qwen3/train_configs/qwen3_1.7b.toml";
  auto out = TheEngine().Train(r, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(out->body)["tokens"], 1e9);
  ASSERT_TRUE(SetField(TrainFields(), r, "training.steps", FieldValue{std::string("100")}));
  auto typed = TheEngine().Train(r, Json());
  ASSERT_FALSE(typed);
  EXPECT_EQ(typed.error().field, "training.steps");
  EXPECT_NE(typed.error().message.find("means 13.11M (13107200) tokens"), std::string::npos)
      << typed.error().message;
  EXPECT_NE(typed.error().message.find("--tokens 1B (1000000000)"), std::string::npos);
}

// A Hugging Face Trainer line (TrainingArguments, S3672) launched by DeepSpeed with its
// `--deepspeed ds_config.json` whose batch keys are "auto" (the Trainer fills them): the same
// run as the fields typed: micro-batch 2, 8 accumulation steps, ZeRO 2, 4,096-token sequences,
// bf16, full recomputation; the global batch 2 x 8 x 16 GPUs = 256 sequences. The Trainer's
// other arguments (output, schedule, epochs, logging) are accepted.
TEST(TrainLaunch, HuggingFaceTrainerArgumentsAreTheirFields) {
  const std::string dir =
      ::testing::TempDir() + "/suanli_hf_trainer_" + std::to_string(static_cast<long>(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/ds_z2.json";
  std::ofstream(file) << R"({"train_batch_size": "auto", "train_micro_batch_size_per_gpu": "auto",
  "gradient_accumulation_steps": "auto", "bf16": {"enabled": "auto"},
  "zero_optimization": {"stage": 2, "overlap_comm": true}})";
  TrainRequest hf;
  hf.chip = "a800";
  hf.count = 16;
  hf.tokens = 5e9;
  const std::vector<std::pair<const char*, std::string>> line = {
      {"model_name_or_path", "Qwen/Qwen3-8B"},
      {"deepspeed", file},
      {"per_device_train_batch_size", "2"},
      {"gradient_accumulation_steps", "8"},
      {"max_seq_length", "4096"},
      {"bf16", "True"},
      {"gradient_checkpointing", "True"},
      {"num_train_epochs", "1"},
      {"learning_rate", "2e-5"},
      {"output_dir", "/out"},
      {"lr_scheduler_type", "cosine"},
      {"report_to", "none"}};
  for (const auto& [field, value] : line) {
    ASSERT_TRUE(SetField(TrainFields(), hf, field, FieldValue{value})) << field;
  }
  EXPECT_EQ(hf.deepspeed_config, file);
  auto out = TheEngine().Train(hf, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  TrainRequest typed;
  typed.model = "qwen3-8b";
  typed.chip = "a800";
  typed.count = 16;
  typed.tokens = 5e9;
  typed.micro_batch = 2;
  typed.gradient_accumulation_steps = 8;
  typed.global_batch_size = 256;  // 2 x 8 x 16
  typed.seq_len = 4096;
  typed.tp = 1;  // DeepSpeed alone: data parallel only
  typed.pp = 1;
  typed.cp = 1;
  typed.zero = 2;
  typed.dp_overlap = "on";
  typed.dtype = "bf16";
  typed.recompute = "full";
  auto t = TheEngine().Train(typed, Json());
  ASSERT_TRUE(t) << t.error().ToString();
  auto j = nlohmann::json::parse(out->body);
  j.erase("deepspeed_not_read");
  EXPECT_EQ(j.dump(), nlohmann::json::parse(t->body).dump());
  // --bf16 False leaves it; a value that is not true or false is an error naming the flag.
  EXPECT_TRUE(SetField(TrainFields(), typed, "bf16", FieldValue{std::string("False")}));
  auto yes = SetField(TrainFields(), typed, "bf16", FieldValue{std::string("yes")});
  ASSERT_FALSE(yes);
  EXPECT_EQ(yes.error().field, "bf16");
}

// A Trainer line without --deepspeed runs the Trainer's own data parallelism (transformers
// trainer.py wraps the model in DistributedDataParallel, or FSDP as --fsdp says; S4553, S4460):
// the whole model on every rank (tp, pp, cp, ep 1), weights, gradients and Adam state whole
// (ZeRO 0) or sharded as --fsdp says (full_shard: ZeRO 3, shard_grad_op: ZeRO 2), no
// recomputation without --gradient_checkpointing. The same run as those fields typed, and the
// answer names the Trainer's DDP or FSDP, not a catalogued stack.
TEST(TrainLaunch, TrainerWithoutDeepSpeedIsDdpOrItsFsdp) {
  auto line = [](const std::string& fsdp) {
    TrainRequest hf;
    hf.chip = "h100";
    hf.count = 8;
    hf.tokens = 1e9;
    std::vector<std::pair<const char*, std::string>> flags = {
        {"model_name_or_path", "meta-llama/Llama-3.2-1B"},
        {"per_device_train_batch_size", "4"},
        {"gradient_accumulation_steps", "2"},
        {"max_seq_length", "2048"},
        {"bf16", "True"},
        {"output_dir", "/out"}};
    if (!fsdp.empty()) flags.emplace_back("fsdp", fsdp);
    for (const auto& [field, value] : flags) {
      EXPECT_TRUE(SetField(TrainFields(), hf, field, FieldValue{value})) << field;
    }
    return hf;
  };
  for (const auto& [fsdp, zero, named] :
       {std::tuple{std::string(), 0, "PyTorch DDP"},
        std::tuple{std::string("full_shard auto_wrap"), 3, "PyTorch FSDP"},
        std::tuple{std::string("shard_grad_op"), 2, "PyTorch FSDP"}}) {
    auto out = TheEngine().Train(line(fsdp), Json());
    ASSERT_TRUE(out) << fsdp << ": " << out.error().ToString();
    TrainRequest typed;
    typed.model = "llama-3.2-1b";
    typed.chip = "h100";
    typed.count = 8;
    typed.tokens = 1e9;
    typed.micro_batch = 4;
    typed.gradient_accumulation_steps = 2;
    typed.global_batch_size = 4 * 2 * 8;
    typed.seq_len = 2048;
    typed.dtype = "bf16";
    typed.tp = typed.pp = typed.cp = typed.ep = 1;
    typed.zero = zero;
    typed.recompute = "none";
    auto t = TheEngine().Train(typed, Json());
    ASSERT_TRUE(t) << t.error().ToString();
    const auto j = nlohmann::json::parse(out->body);
    const auto k = nlohmann::json::parse(t->body);
    EXPECT_EQ(j["parallel"].dump(), k["parallel"].dump()) << fsdp;
    EXPECT_EQ(j["step_time_s"], k["step_time_s"]) << fsdp;
    EXPECT_EQ(j["memory_gib_per_chip"], k["memory_gib_per_chip"]) << fsdp;
    EXPECT_TRUE(j["stacks_running_it"].empty()) << j.dump();
    EXPECT_NE(j["stack_basis"].get<std::string>().find(named), std::string::npos) << j.dump();
    EXPECT_NE(j["defaults_basis"].get<std::string>().find("ZeRO " + std::to_string(zero)),
              std::string::npos)
        << j.dump();
  }
  // FSDP's parameter offload is not priced; an unknown option and a contradicting --zero are
  // errors naming the flag.
  for (const std::string bad : {"full_shard offload", "zero_dp_3"}) {
    auto e = TheEngine().Train(line(bad), Json());
    ASSERT_FALSE(e) << bad;
    EXPECT_EQ(e.error().field, "fsdp") << bad;
  }
  TrainRequest both = line("");
  both.zero = 3;
  auto contradiction = TheEngine().Train(both, Json());
  ASSERT_FALSE(contradiction);
  EXPECT_EQ(contradiction.error().field, "zero");
  EXPECT_NE(contradiction.error().message.find("DDP"), std::string::npos);
}

// A Trainer line without --gradient_accumulation_steps accumulates 1 step (TrainingArguments'
// default, S4600): --per_device_train_batch_size 4 on 8 GPUs is 4 x 8 = 32 sequences of 2,048
// tokens a step, 65,536 tokens (by hand), not the search's default 4Mi-token batch.
TEST(TrainLaunch, TrainerLineWithoutAccumulationStepsTrainsItsPerDeviceBatch) {
  TrainRequest hf;
  hf.chip = "h100";
  hf.count = 8;
  hf.tokens = 1e9;
  for (const auto& [field, value] : std::vector<std::pair<const char*, std::string>>{
           {"model_name_or_path", "meta-llama/Llama-3.2-1B"},
           {"per_device_train_batch_size", "4"},
           {"max_seq_length", "2048"},
           {"bf16", "True"},
           {"output_dir", "/out"}}) {
    ASSERT_TRUE(SetField(TrainFields(), hf, field, FieldValue{value})) << field;
  }
  auto out = TheEngine().Train(hf, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  const auto j = nlohmann::json::parse(out->body);
  EXPECT_EQ(j["global_batch_tokens"].get<double>(), 4 * 8 * 2048.0) << j.dump();
  EXPECT_EQ(j["parallel"]["dp"].get<int>(), 8) << j.dump();
}

// A `trl sft` line runs SFTTrainer with SFTConfig's defaults where it leaves them (S4660):
// sequences of max_length 1,024 and gradient_checkpointing True. --per_device_train_batch_size 4
// on 8 GPUs, accumulating 1 step (S4600): 4 x 8 x 1,024 = 32,768 tokens a step (by hand), every
// layer recomputed, DDP: the same answer as those values typed. --max_length 2048 (TRL's name
// since max_seq_length) doubles the batch to 65,536; --gradient_checkpointing False recomputes
// nothing.
TEST(TrainLaunch, TrlSftLineTakesSftConfigDefaults) {
  auto line = [](std::vector<std::pair<const char*, std::string>> extra) {
    TrainRequest r;
    r.chip = "h100";
    r.count = 8;
    r.tokens = 1e9;
    r.launched_by = "trl sft";
    extra.emplace_back("model_name_or_path", "meta-llama/Llama-3.2-1B");
    extra.emplace_back("per_device_train_batch_size", "4");
    extra.emplace_back("dataset_name", "trl-lib/Capybara");
    for (const auto& [field, value] : extra) {
      EXPECT_TRUE(SetField(TrainFields(), r, field, FieldValue{value})) << field;
    }
    return r;
  };
  auto out = TheEngine().Train(line({}), Json());
  ASSERT_TRUE(out) << out.error().ToString();
  const auto j = nlohmann::json::parse(out->body);
  EXPECT_EQ(j["global_batch_tokens"].get<double>(), 4 * 8 * 1024.0) << j.dump();
  EXPECT_NE(j["defaults_basis"].get<std::string>().find("max_length 1024"), std::string::npos)
      << j.dump();
  TrainRequest typed;
  typed.model = "llama-3.2-1b";
  typed.chip = "h100";
  typed.count = 8;
  typed.tokens = 1e9;
  typed.micro_batch = 4;
  typed.global_batch_size = 32;
  typed.seq_len = 1024;
  typed.tp = typed.pp = typed.cp = typed.ep = 1;
  typed.zero = 0;
  typed.recompute = "full";
  auto t = TheEngine().Train(typed, Json());
  ASSERT_TRUE(t) << t.error().ToString();
  const auto k = nlohmann::json::parse(t->body);
  EXPECT_EQ(j["parallel"].dump(), k["parallel"].dump());
  EXPECT_EQ(j["step_time_s"], k["step_time_s"]);
  auto longer = TheEngine().Train(line({{"max_length", "2048"}}), Json());
  ASSERT_TRUE(longer) << longer.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(longer->body)["global_batch_tokens"].get<double>(),
            4 * 8 * 2048.0);
  auto off = TheEngine().Train(line({{"gradient_checkpointing", "False"}}), Json());
  ASSERT_TRUE(off) << off.error().ToString();
  typed.recompute = "none";
  auto t_off = TheEngine().Train(typed, Json());
  ASSERT_TRUE(t_off) << t_off.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(off->body)["parallel"].dump(),
            nlohmann::json::parse(t_off->body)["parallel"].dump());
  // TRL's other trainers: the RL ones (GRPO, RLOO) are refused as RL, DPO as a program not
  // read; each names launched_by.
  for (const auto& [program, says] :
       {std::pair{"trl grpo", "RL post-training"}, std::pair{"trl rloo", "RL post-training"},
        std::pair{"trl dpo", "trl sft"}}) {
    TrainRequest r = line({});
    r.launched_by = program;
    auto e = TheEngine().Train(r, Json());
    ASSERT_FALSE(e) << program;
    EXPECT_EQ(e.error().field, "launched_by") << program;
    EXPECT_NE(e.error().message.find(says), std::string::npos) << e.error().message;
  }
}

// run_clm.py's --block_size is the run's sequence length (S4661): 512-token blocks, 4 a device
// on 8 GPUs, 4 x 8 x 512 = 16,384 tokens a step. A Trainer line that gives no length says the
// model's default it takes as an assumption.
TEST(TrainLaunch, RunClmBlockSizeIsTheSequenceLength) {
  auto line = [](std::vector<std::pair<const char*, std::string>> extra) {
    TrainRequest r;
    r.chip = "h100";
    r.count = 8;
    r.tokens = 1e9;
    r.script = "examples/pytorch/language-modeling/run_clm.py";
    extra.emplace_back("model_name_or_path", "meta-llama/Llama-3.2-1B");
    extra.emplace_back("per_device_train_batch_size", "4");
    extra.emplace_back("output_dir", "/out");
    for (const auto& [field, value] : extra) {
      EXPECT_TRUE(SetField(TrainFields(), r, field, FieldValue{value})) << field;
    }
    return r;
  };
  auto out = TheEngine().Train(line({{"block_size", "512"}}), Json());
  ASSERT_TRUE(out) << out.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(out->body)["global_batch_tokens"].get<double>(), 4 * 8 * 512.0);
  // Without it, Llama 3.2's pre-training length (8,192) at 4 a device under DDP: 68 GiB of
  // activations do not fit, and the refusal says which length it assumed.
  auto bare = TheEngine().Train(line({}), Json());
  ASSERT_FALSE(bare);
  EXPECT_NE(bare.error().message.find("sequence 8192 tokens, the model's default"),
            std::string::npos)
      << bare.error().message;
}

// A Trainer line that gives no --per_device_train_batch_size runs the Trainer's default, 8 a
// device (TrainingArguments, S4782), one accumulation step: on 8 GPUs at block_size 2,048,
// 8 x 8 x 2,048 = 131,072 tokens a step, said in the answer. It took the search's 4Mi tokens.
// run_clm.py's README switches (--do_train, --do_eval) and --dataset_config_name are accepted.
TEST(TrainLaunch, TrainerLineWithoutABatchTakesTheTrainersEight) {
  TrainRequest r;
  r.chip = "h100";
  r.count = 8;
  r.tokens = 1e9;
  for (const auto& [field, value] : std::vector<std::pair<const char*, std::string>>{
           {"model_name_or_path", "meta-llama/Llama-3.2-1B"},
           {"dataset_config_name", "wikitext-2-raw-v1"},
           {"do_train", "true"},
           {"do_eval", "true"},
           {"output_dir", "/tmp/test-clm"},
           {"block_size", "2048"}}) {
    ASSERT_TRUE(SetField(TrainFields(), r, field, FieldValue{value})) << field;
  }
  auto out = TheEngine().Train(r, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  const auto j = nlohmann::json::parse(out->body);
  EXPECT_EQ(j["global_batch_tokens"].get<double>(), 8 * 8 * 2048.0) << j.dump();
  EXPECT_EQ(j["parallel"]["micro_batch"], 8);
  EXPECT_NE(j["defaults_basis"].get<std::string>().find("per_device_train_batch_size 8"),
            std::string::npos);
  // A batch given is kept: 2 a device, 2 x 8 x 2,048 = 32,768.
  ASSERT_TRUE(SetField(TrainFields(), r, "per_device_train_batch_size", FieldValue{"2"}));
  auto given = TheEngine().Train(r, Json());
  ASSERT_TRUE(given) << given.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(given->body)["global_batch_tokens"].get<double>(),
            2 * 8 * 2048.0);
}

// Megatron-Bridge's launch scripts take their run from files this estimate does not read: the
// example recipe script (S4554) and the performance launcher (S4555) are refused naming the
// script and what it leaves unread, not with "--model is required".
TEST(TrainLaunch, MegatronBridgeScriptsSayWhatIsMissing) {
  for (const auto& [script, says] :
       {std::pair{"examples/recipes/llama/pretrain_llama3_8b.py", "llama3_8b_pretrain_override"},
        std::pair{"scripts/performance/setup_experiment.py", "workload configs"}}) {
    TrainRequest r;
    r.chip = "h100";
    r.count = 8;
    r.tokens = 1e9;
    r.script = script;
    auto e = TheEngine().Train(r, Json());
    ASSERT_FALSE(e) << script;
    EXPECT_EQ(e.error().field, "script") << script;
    EXPECT_NE(e.error().message.find(says), std::string::npos) << e.error().message;
  }
  // Megatron-LM's own script is accepted as before.
  TrainRequest gpt;
  gpt.model = "llama-3-8b";
  gpt.chip = "h100";
  gpt.count = 8;
  gpt.tokens = 1e9;
  gpt.script = "pretrain_gpt.py";
  EXPECT_TRUE(TheEngine().Train(gpt, Json()));
}

// Hugging Face Accelerate's `accelerate launch --num_processes 16 --num_machines 2 ...` (S3673):
// --num_processes counts every machine's GPUs, the job's 16 chips; a --count that differs is an
// error naming both.
TEST(TrainLaunch, AccelerateNumProcessesIsTheChips) {
  TrainRequest r;
  r.model = "llama-3.1-8b";
  r.chip = "h100";
  r.tokens = 1e9;
  for (const auto& [field, value] :
       std::vector<std::pair<const char*, std::string>>{{"num_processes", "16"},
                                                        {"num_machines", "2"},
                                                        {"main_process_ip", "10.0.0.1"},
                                                        {"config_file", "fsdp.yaml"}}) {
    ASSERT_TRUE(SetField(TrainFields(), r, field, FieldValue{value})) << field;
  }
  auto out = TheEngine().Train(r, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  EXPECT_EQ(nlohmann::json::parse(out->body)["chips"], 16);
  r.count = 8;
  auto clash = TheEngine().Train(r, Json());
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().field, "count");
  EXPECT_NE(clash.error().message.find("--num_processes 16"), std::string::npos);
}

// Accelerate's config file (`accelerate launch --config_file`, TRL's --accelerate_config) is read:
// its distributed type and ZeRO stage or FSDP sharding, mixed precision and process count
// (S4780, S4781). The files are TRL's own trl/accelerate_configs/zero3.yaml and multi_gpu.yaml as
// shipped (zero_stage 3 on line 9, num_processes 8 on line 16), so the run is the one typed as
// flags: 8 chips, ZeRO 3 (or DDP, ZeRO 0), bf16. Before, the file was said as not read and the
// search chose ZeRO 2 for both.
TEST(TrainLaunch, AccelerateConfigFileIsRead) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("suanli-accelerate-" + std::to_string(static_cast<long>(::getpid())));
  std::filesystem::create_directories(dir);
  const std::string zero3 =
      "compute_environment: LOCAL_MACHINE\ndebug: false\ndeepspeed_config:\n"
      "  deepspeed_multinode_launcher: standard\n  offload_optimizer_device: none\n"
      "  offload_param_device: none\n  zero3_init_flag: true\n  zero3_save_16bit_model: true\n"
      "  zero_stage: 3\ndistributed_type: DEEPSPEED\ndowncast_bf16: 'no'\nmachine_rank: 0\n"
      "main_training_function: main\nmixed_precision: bf16\nnum_machines: 1\nnum_processes: 8\n"
      "rdzv_backend: static\nsame_network: true\ntpu_env: []\ntpu_use_cluster: false\n"
      "tpu_use_sudo: false\nuse_cpu: false\n";
  auto write = [&](const std::string& name, const std::string& text) {
    const auto path = (dir / name).string();
    std::ofstream(path) << text;
    return path;
  };
  auto line = [](const std::string& config) {
    TrainRequest r;
    r.chip = "h100";
    r.tokens = 1e9;
    for (const auto& [field, value] : std::vector<std::pair<const char*, std::string>>{
             {"config_file", config},
             {"model_name_or_path", "meta-llama/Llama-3.2-1B"},
             {"per_device_train_batch_size", "4"},
             {"block_size", "2048"}}) {
      EXPECT_TRUE(SetField(TrainFields(), r, field, FieldValue{value})) << field;
    }
    return r;
  };
  TrainRequest typed;
  typed.model = "llama-3.2-1b";
  typed.chip = "h100";
  typed.count = 8;
  typed.tokens = 1e9;
  typed.seq_len = 2048;
  typed.micro_batch = 4;
  typed.global_batch_size = 4 * 8;
  typed.dtype = "bf16";
  typed.tp = typed.pp = typed.cp = typed.ep = 1;
  typed.recompute = "none";
  auto same_as = [&](const TrainRequest& r, int zero, const char* says) {
    auto out = TheEngine().Train(r, Json());
    ASSERT_TRUE(out) << out.error().ToString();
    const auto j = nlohmann::json::parse(out->body);
    EXPECT_EQ(j["chips"], 8) << j.dump();
    EXPECT_EQ(j["parallel"]["zero_stage"], zero) << j.dump();
    EXPECT_NE(j["defaults_basis"].get<std::string>().find(says), std::string::npos) << j.dump();
    TrainRequest t = typed;
    t.zero = zero;
    auto k = TheEngine().Train(t, Json());
    ASSERT_TRUE(k) << k.error().ToString();
    EXPECT_EQ(j["step_time_s"], nlohmann::json::parse(k->body)["step_time_s"]);
  };
  same_as(line(write("zero3.yaml", zero3)), 3, "DeepSpeed ZeRO 3, bf16, 8 processes");
  // TRL's shipped names, where no such file is: zero3 as above; fsdp2 (reshard after forward:
  // FULL_SHARD, ZeRO 3); multi_gpu (DDP, ZeRO 0).
  same_as(line("zero3"), 3, "trl/accelerate_configs/zero3.yaml");
  same_as(line("fsdp2"), 3, "FSDP full_shard (ZeRO 3)");
  same_as(line("multi_gpu"), 0, "DDP (distributed_type MULTI_GPU)");
  // A file not at hand is still said as not read, and left to the search.
  TrainRequest not_here = line((dir / "none.yaml").string());
  not_here.count = 8;
  auto missing = TheEngine().Train(not_here, Json());
  ASSERT_TRUE(missing) << missing.error().ToString();
  EXPECT_NE(
      nlohmann::json::parse(missing->body)["defaults_basis"].get<std::string>().find("not read"),
      std::string::npos);
  // Bad values name the file, its line and the key.
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string t = zero3;
    t.replace(t.find(from), from.size(), to);
    return t;
  };
  for (const auto& [text, at, key] : std::vector<std::tuple<std::string, int, std::string>>{
           {replaced("zero_stage: 3", "zero_stage: 4"), 9, "deepspeed_config.zero_stage"},
           {replaced("DEEPSPEED", "MULTIGPU"), 10, "distributed_type"},
           {replaced("mixed_precision: bf16", "mixed_precision: 'no'"), 14, "mixed_precision"},
           {replaced("mixed_precision: bf16", "mixed_precision: fp4"), 14, "mixed_precision"},
           {"distributed_type: [a\n", 1, "config_file"}}) {
    const std::string path = write("bad.yaml", text);
    auto e = TheEngine().Train(line(path), Json());
    ASSERT_FALSE(e) << key;
    EXPECT_EQ(e.error().file, path) << e.error().ToString();
    EXPECT_EQ(e.error().line, at) << e.error().ToString();
    EXPECT_EQ(e.error().field, key) << e.error().ToString();
  }
  // The file's 8 processes against --count 16: an error at num_processes (line 16).
  TrainRequest sixteen = line(write("zero3.yaml", zero3));
  sixteen.count = 16;
  auto clash = TheEngine().Train(sixteen, Json());
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().line, 16) << clash.error().ToString();
  EXPECT_EQ(clash.error().field, "num_processes");
  // FSDP's parameters on the host are not priced: refused at the key.
  const std::string fsdp_offload =
      "distributed_type: FSDP\nfsdp_config:\n  fsdp_offload_params: true\n  fsdp_version: 2\n";
  auto offload = TheEngine().Train(line(write("fsdp.yaml", fsdp_offload)), Json());
  ASSERT_FALSE(offload);
  EXPECT_EQ(offload.error().line, 3);
  EXPECT_EQ(offload.error().field, "fsdp_config.fsdp_offload_params");
  std::filesystem::remove_all(dir);
}

// A percentile band contains its own median, for every answer that prints one (session 28 saw
// `train --chip b200 --dtype mxfp8` print 18.2 days next to P10-P90 14.9-17.7: the bare
// prediction next to a band shifted by the held-out bias). With measured / predicted rate
// lognormal(bias, sigma), P10 < P50 < P90 holds for any sigma > 0 and any bias; the grid holds
// cells whose |bias| exceeds 1.28 sigma (blackwell dense, layout searched: 0.114 vs 0.067).
TEST(Engine, EveryPrintedBandHoldsItsMedian) {
  // "2.664 s P50 (P10-P90 2.444-2.904 s: ..." and "16.3 days P50 (P10-P90 14.9-17.7; ..."
  const std::regex row(R"(([0-9.]+) (s|days) P50 \(P10-P90 ([0-9.]+)-([0-9.]+))");
  for (const char* chip : {"b200", "h100", "ascend-910b"}) {
    for (const char* dtype : {"bf16", "fp8", "mxfp8"}) {
      for (const char* model : {"llama-3-8b", "mixtral-8x7b"}) {
        SCOPED_TRACE(std::string(chip) + " " + dtype + " " + model);
        TrainRequest r = SmallTrain();
        r.chip = chip;
        r.dtype = dtype;
        r.model = model;
        auto json = TheEngine().Train(r, Json());
        if (!json) continue;  // a format the chip lacks is refused (tested elsewhere)
        const auto j = nlohmann::json::parse(json->body);
        for (const char* key : {"step_time_s_band", "train_days_band", "accelerator_hours_band"}) {
          const auto& b = j[key];
          EXPECT_LT(b["p10"].get<double>(), b["p50"].get<double>()) << key;
          EXPECT_LT(b["p50"].get<double>(), b["p90"].get<double>()) << key;
        }
        auto text = TheEngine().Train(r, RunContext{Format::kText, nullptr});
        ASSERT_TRUE(text) << text.error().ToString();
        int rows = 0;
        for (auto it = std::sregex_iterator(text->body.begin(), text->body.end(), row);
             it != std::sregex_iterator(); ++it, ++rows) {
          const double p50 = std::stod((*it)[1]), p10 = std::stod((*it)[3]),
                       p90 = std::stod((*it)[4]);
          EXPECT_LE(p10, p50) << it->str();
          EXPECT_LE(p50, p90) << it->str();
        }
        EXPECT_EQ(rows, 2) << text->body;  // step time and time to train
      }
    }
  }
  // A forecast's bands are quantiles of one Monte Carlo sample, model error included.
  ForecastRequest f;
  f.samples = 200;
  auto out = TheEngine().Forecast(f, Json());
  ASSERT_TRUE(out) << out.error().ToString();
  // Kept by name: a range-for over a temporary's member reads a freed object (C++20).
  const nlohmann::json forecast = nlohmann::json::parse(out->body);
  for (const auto& run : forecast["runs"]) {
    SCOPED_TRACE(run["name"].get<std::string>());
    const auto &p10 = run["progress_p10"], &p50 = run["progress_p50"], &p90 = run["progress_p90"];
    ASSERT_EQ(p10.size(), p50.size());
    for (size_t i = 0; i < p50.size(); ++i) {
      EXPECT_LE(p10[i].get<double>(), p50[i].get<double>() + 1e-9) << i;
      EXPECT_LE(p50[i].get<double>(), p90[i].get<double>() + 1e-9) << i;
    }
  }
}

// DeepSeek-R1 typed with no --mtp decodes one token a step: vLLM and SGLang run MTP only when asked
// (SGLang's DeepSeek usage page: "Add --speculative-algorithm EAGLE", S3920; vLLM's
// --speculative-config, S3922; SGLang's own two-node H20 recipe runs --tp 16 without it, S3921).
// The answer says so, with what --mtp 1 (and an FP8 cache with it, as Ant Group's H20 decode runs,
// S3924) gives on the same layout: the figures are those the flags themselves give there, and one
// draft at R1's published 0.85 verifies 1 + 0.85 = 1.85 tokens a step (by hand).
TEST(Engine, MtpModelTypedWithoutMtpSaysWhatMtpGives) {
  InferRequest r;
  r.model = "deepseek-r1";
  r.chip = {"h20"};
  r.count = 16;
  r.mode = "analytic";
  const auto j = InferJson(r);
  EXPECT_EQ(j["mtp"], 0) << j.dump();
  EXPECT_DOUBLE_EQ(j["tokens_per_decode_step"].get<double>(), 1.0);
  ASSERT_TRUE(j.contains("assumptions")) << j.dump();
  const std::string notes = j["assumptions"].dump();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      notes, m,
      std::regex("decode without MTP, as vLLM and SGLang run deepseek-r1 unless asked.*kept 0.85 "
                 "of the time.*--mtp 1 gives ([0-9]+) output tokens/s per chip on this layout "
                 "in the steady state, against ([0-9]+) without; its KV cache is bf16.*--mtp 1 "
                 "--kv-dtype fp8 gives ([0-9]+)")))
      << notes;
  EXPECT_EQ(std::stod(m[2]), std::round(j["output_tokens_per_s_per_chip"].get<double>()));
  InferRequest fixed = r;
  fixed.tp = j["layout"]["tp"].get<int>();
  fixed.ep = j["layout"]["ep"].get<int>();
  fixed.dp = j["layout"]["dp"].get<int>();
  fixed.pp = j["layout"]["pp"].get<int>();
  fixed.mtp = 1;
  const auto with = InferJson(fixed);
  EXPECT_DOUBLE_EQ(with["tokens_per_decode_step"].get<double>(), 1.85);
  EXPECT_EQ(std::stod(m[1]), std::round(with["output_tokens_per_s_per_chip"].get<double>()));
  // Asked for, nothing more to say.
  EXPECT_EQ(with.value("assumptions", nlohmann::json::array()).dump().find("without MTP"),
            std::string::npos);
  fixed.kv_dtype = "fp8";
  EXPECT_EQ(std::stod(m[3]),
            std::round(InferJson(fixed)["output_tokens_per_s_per_chip"].get<double>()));
  // An FP8 cache given: the MTP figure alone, on that cache.
  InferRequest kv8 = r;
  kv8.kv_dtype = "fp8";
  const std::string kv8_notes = InferJson(kv8)["assumptions"].dump();
  EXPECT_NE(kv8_notes.find("--mtp 1 gives"), std::string::npos) << kv8_notes;
  EXPECT_EQ(kv8_notes.find("--kv-dtype fp8"), std::string::npos) << kv8_notes;
  // A model with no MTP layers: no such note.
  InferRequest dense = r;
  dense.model = "llama-3.1-70b";
  dense.count = 8;
  EXPECT_EQ(InferJson(dense).value("assumptions", nlohmann::json::array()).dump().find("MTP"),
            std::string::npos);
}

// vLLM 0.14-0.16 on CDNA 4 charges the fixed step cost measured on AMD's MLPerf v6.0 harness
// (data/engines.yaml vllm-0.16 graph_layer_us_by_family, S4740): the Interactive and Server runs
// of Llama 2 70B on MI355X by four systems that are no card row lie on one line in tokens a step
// (samples/s a GPU x (222.3 + output tokens) x mean TPOT, Little's law). By hand from the logs:
// Dell 542.6 tokens at 34.42 ms and 3,175.3 at 147.08; Supermicro 550.8 / 34.35 and 3,270.1 /
// 149.07; Oracle 566.5 / 35.19 and 3,205.1 / 146.20; AMD's 87 GPUs 591.3 / 36.67 and 1,997.5 /
// 95.76: least squares 11.35 ms + 42.3 us a token, 11.35 / 80 layers = 142 us a layer. The
// model's own per-token cost (GEMMs and attention, linear in the tokens past the weight read) is
// 40.2 us on MI355X, within 5 % of the runs' 42.3; its fixed part was 55 x 80 = 4.4 ms.
TEST(Engine, Vllm016StepOnCdna4IsAmdHarnessRunsIntercept) {
  struct Run {
    double samples_per_s, gpus, tokens_per_s, tpot_ms;
  };
  const std::vector<Run> runs = {{249.68, 8, 70610.83, 34.42},    {341.80, 8, 96734.37, 147.08},
                                 {256.24, 8, 71295.53, 34.35},    {350.47, 8, 97586.97, 149.07},
                                 {254.94, 8, 72116.70, 35.19},    {347.04, 8, 98239.11, 146.20},
                                 {2776.29, 87, 785521.65, 36.67}, {3591.83, 87, 1016375.0, 95.76}};
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const Run& r : runs) {
    const double tokens =
        r.samples_per_s / r.gpus * (222.3 + r.tokens_per_s / r.samples_per_s) * r.tpot_ms / 1e3;
    sx += tokens;
    sy += r.tpot_ms;
    sxx += tokens * tokens;
    sxy += tokens * r.tpot_ms;
  }
  const double n = static_cast<double>(runs.size());
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const double intercept = (sy - slope * sx) / n;
  EXPECT_NEAR(intercept, 11.35, 0.01);
  EXPECT_NEAR(slope * 1e3, 42.3, 0.05);  // us a token
  EXPECT_NEAR(intercept / 80 * 1e3, 142, 0.5);

  // A decode step of Llama 2 70B in FP4 on one MI355X: 142 us x 80 layers through vllm-0.16,
  // the 55 us the other releases and families keep elsewhere.
  InferRequest r;
  r.model = "llama-2-70b";
  r.count = 1;
  r.tp = 1;
  r.dtype = "fp4";
  r.kv_dtype = "fp8";
  r.mode = "analytic";
  r.max_num_seqs = 64;
  r.input_tokens = 222.3;
  r.output_tokens = 283;
  const auto overhead = [&](const char* chip, const char* engine) {
    r.chip = {chip};
    r.engine = engine;
    return InferJson(r)["step_breakdown_ms"]["overhead"].get<double>();
  };
  EXPECT_NEAR(overhead("mi355x", "vllm-0.16"), 0.142 * 80, 1e-3);
  EXPECT_NEAR(overhead("mi355x", "vllm"), 0.055 * 80, 1e-3);
  EXPECT_NEAR(overhead("b200", "vllm-0.16"), 0.055 * 80, 1e-3);

  // Of the 142 us, 48 are device kernels that run at the chip's clock (S4740: Cisco's 16 x MI350X
  // runs of the same harness, no card row, lie on 12.29 ms + 52.1 us a token). The MI350X's
  // 16-bit rate at its sustained clock is 2,300 x 0.872 = 2,005.6 TFLOPS against the MI355X's
  // 2,500, so by hand 80 x (142 + 48 x (2,500 / 2,005.6 - 1)) = 80 x 153.83 us = 12.307 ms,
  // within 0.02 ms of Cisco's measured 12.29.
  // (step_breakdown_ms is printed to 0.01 ms.)
  EXPECT_NEAR(overhead("mi350x", "vllm-0.14"), 0.080 * (142 + 48 * (2500 / 2005.6 - 1)), 0.006);
  EXPECT_NEAR(overhead("mi350x", "vllm-0.14"), 12.29, 0.05);
  // An MI355X capped at 1,000 W: its clock ((1,000 - 280) / (1,400 - 280))^(1 / 2) = 0.80178
  // of the uncapped part's (perf/power.h, cdna4's exponent 2), so by hand 80 x (142 + 48 x
  // (1 / 0.80178 - 1)) = 12.309 ms; the host's 94 us a layer stays.
  r.power_cap_w = 1000;
  EXPECT_NEAR(overhead("mi355x", "vllm-0.16"),
              0.080 * (142 + 48 * (1 / std::sqrt(720.0 / 1120.0) - 1)), 0.006);
}

// DeepSeek-R1 chains its one MTP module beyond depth 1; the tokens a verify step TensorRT-LLM
// measured at each depth (models.yaml mtp_accept_lengths, S3665: 1.92, 2.58, 2.82, 2.99, 3.01)
// set the default acceptance from depth 2 on. By hand, depth 3: 1 + a + a^2 + a^3 = 2.82 gives
// a = 0.7700 (0.77 + 0.5929 + 0.4565 = 1.8194); depth 2: 1 + a + a^2 = 2.58, a = (-1 + sqrt(1 +
// 4 x 1.58)) / 2 = 0.8528; depth 8 takes depth 5's 3.01. Depth 1 keeps DeepSeek's own 0.85
// (1.85 tokens a step), and a given --mtp-acceptance wins.
TEST(Engine, DeepSeekMtpBeyondItsOneModuleTakesTheMeasuredAcceptLength) {
  InferRequest r;
  r.model = "deepseek-r1";
  r.chip = {"b200"};
  r.count = 8;
  r.tp = 8;
  r.dtype = "fp4";
  r.engine = "trtllm";
  r.mode = "analytic";
  r.input_tokens = 1024;
  r.output_tokens = 2048;
  r.mtp = 3;
  auto j = InferJson(r);
  EXPECT_NEAR(j["mtp_acceptance"].get<double>(), 0.7700, 5e-4) << j.dump();
  EXPECT_NEAR(j["tokens_per_decode_step"].get<double>(), 2.82, 1e-6) << j.dump();
  EXPECT_NE(j.value("mtp_acceptance_basis", "").find("2.82 tokens a verify step at depth 3"),
            std::string::npos)
      << j.dump();
  r.mtp = 2;
  j = InferJson(r);
  EXPECT_NEAR(j["mtp_acceptance"].get<double>(), 0.8528, 5e-4) << j.dump();
  r.mtp = 8;
  EXPECT_NEAR(InferJson(r)["tokens_per_decode_step"].get<double>(), 3.01, 1e-6);
  r.mtp = 1;
  j = InferJson(r);
  EXPECT_DOUBLE_EQ(j["mtp_acceptance"].get<double>(), 0.85);
  EXPECT_DOUBLE_EQ(j["tokens_per_decode_step"].get<double>(), 1.85);
  r.mtp = 3;
  r.mtp_acceptance = 0.9;
  j = InferJson(r);
  EXPECT_DOUBLE_EQ(j["mtp_acceptance"].get<double>(), 0.9);
  EXPECT_EQ(j.value("mtp_acceptance_basis", ""), "");
}

}  // namespace
}  // namespace suanli::app
