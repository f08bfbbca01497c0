// `infer --emit vllm|sglang|trtllm|mindie`: the serve command for a chosen layout, against command
// lines written by hand from the engines' documented flags (vLLM `vllm serve` engine arguments,
// SGLang server arguments, trtllm-serve options and LLM API YAML keys).
#include "report/serve_launch.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "catalog/catalog.h"
#include "testing.h"

namespace suanli::report {
namespace {

const catalog::Catalog& Cat() { return testing::BuiltinCatalog(); }

// A job and estimate written by hand: only what the command reads.
struct Case {
  perf::InferenceJob job;
  perf::InferenceEstimate e;
};

// Llama 3.1 70B, bf16, TP 4, 64 sequences, prompts of 2,000 and outputs of 500 tokens.
// Weights 33 GiB + KV 30 GiB + workspace 2 GiB of 80 GiB = 0.8125 -> 0.82. Each step carries
// 64 decode tokens and 64 x 2000 / 500 = 256 prompt tokens: 320.
Case Dense() {
  Case c;
  c.job.model = *Cat().FindModel("llama-3.1-70b");
  c.job.input_tokens = 2000;
  c.job.output_tokens = 500;
  c.job.dtype = perf::ServingDType::kBf16;
  c.job.serving.serving_workspace_gib = 2;
  c.job.calibration.memory_reserved_gib = 3;
  c.job.system.chips_per_node = 8;
  c.e.layout = {4, 1, 1};
  c.e.max_batch = 64;
  c.e.launch_batch = 64;
  c.e.weights_gib_per_chip = 33;
  c.e.kv_cache_gib_per_chip = 30;
  c.e.memory_capacity_gib = 80;
  return c;
}

// DeepSeek-V3, FP8, 8 attention groups of TP 1 with EP 8 on one 8-GPU H200 node, 128 sequences
// per group, 1,000 in / 1,000 out, one MTP draft token. HBM: (80 + 40 + 2) / 141 = 0.8652 ->
// 0.87. TensorRT-LLM's fraction of what the weights leave: 40 / (141 - 3 - 2 - 80) = 0.714 ->
// 0.72. Steps: 128 decode + 128 x 1000 / 1000 prompt tokens = 256.
Case Moe() {
  Case c;
  c.job.model = *Cat().FindModel("deepseek-v3");
  c.job.input_tokens = 1000;
  c.job.output_tokens = 1000;
  c.job.dtype = perf::ServingDType::kFp8;
  c.job.serving.serving_workspace_gib = 2;
  c.job.calibration.memory_reserved_gib = 3;
  c.job.system.chips_per_node = 8;
  c.e.layout = {1, 8, 8};
  c.e.max_batch = 128;
  c.e.launch_batch = 128;
  c.e.weights_gib_per_chip = 80;
  c.e.kv_cache_gib_per_chip = 40;
  c.e.memory_capacity_gib = 141;
  return c;
}

TEST(ServeLaunch, VllmDense) {
  const Case c = Dense();
  auto l = ServeLaunchFor("vllm", c.job, c.e);
  ASSERT_TRUE(l) << l.error().ToString();
  EXPECT_EQ(l->command,
            "vllm serve MODEL \\\n"
            "  --tensor-parallel-size 4 \\\n"
            "  --max-model-len 2500 \\\n"
            "  --max-num-seqs 64 \\\n"
            "  --max-num-batched-tokens 320 \\\n"
            "  --gpu-memory-utilization 0.82 \\\n"
            "  --dtype bfloat16");
  EXPECT_TRUE(l->config.empty());
}

// vLLM keeps the peak of its start-up profile from the KV pool, the sampler's FP32 logits of
// --max-num-seqs requests at 38.5 bytes a logit (data/engines.yaml, S3320/S3321); the printed
// memory fraction makes room for the larger of it and the workspace, as the estimate's KV
// capacity does (perf::ServingReserveBytes). Qwen3-32B in BF16 on one 80 GiB GPU, weights 61 GiB,
// KV 10 GiB. At 512 sequences: 38.5 x 512 x 151,936 = 2,994,962,432 bytes = 2.789 GiB, so
// (61 + 10 + 2.789) / 80 = 0.9224 -> 0.93 (the flat 2 GiB would print 73 / 80 = 0.9125 -> 0.92
// and leave vLLM 0.79 GiB less KV than the estimate's). At 64 sequences the profile is
// 38.5 x 64 x 151,936 = 0.349 GiB, under the 2 GiB workspace: 0.92.
TEST(ServeLaunch, VllmFractionKeepsTheStartupProfile) {
  Case c = Dense();
  c.job.model = *Cat().FindModel("qwen3-32b");
  ASSERT_EQ(c.job.model->vocab, 151936);
  c.job.limits.profile_logit_bytes = 38.5;
  c.e.layout = {1, 1, 1};
  c.e.weights_gib_per_chip = 61;
  c.e.kv_cache_gib_per_chip = 10;
  c.e.launch_batch = 512;
  auto l = ServeLaunchFor("vllm", c.job, c.e);
  ASSERT_TRUE(l) << l.error().ToString();
  EXPECT_NE(l->command.find("--max-num-seqs 512 \\"), std::string::npos) << l->command;
  EXPECT_NE(l->command.find("--gpu-memory-utilization 0.93 \\"), std::string::npos) << l->command;
  c.e.launch_batch = 64;
  l = ServeLaunchFor("vllm", c.job, c.e);
  ASSERT_TRUE(l) << l.error().ToString();
  EXPECT_NE(l->command.find("--gpu-memory-utilization 0.92 \\"), std::string::npos) << l->command;
}

TEST(ServeLaunch, VllmMoeWithExpertParallelAndMtp) {
  const Case c = Moe();
  auto l = ServeLaunchFor("vllm", c.job, c.e, 1);
  ASSERT_TRUE(l) << l.error().ToString();
  EXPECT_EQ(l->command,
            "vllm serve MODEL \\\n"
            "  --tensor-parallel-size 1 \\\n"
            "  --data-parallel-size 8 \\\n"
            "  --enable-expert-parallel \\\n"
            "  --max-model-len 2000 \\\n"
            "  --max-num-seqs 128 \\\n"
            "  --max-num-batched-tokens 256 \\\n"
            "  --gpu-memory-utilization 0.87 \\\n"
            "  --quantization fp8 \\\n"
            "  --kv-cache-dtype fp8 \\\n"
            "  --speculative-config '{\"method\":\"mtp\",\"num_speculative_tokens\":1}'");
}

TEST(ServeLaunch, SglangMoeWithDpAttentionAndMtp) {
  const Case c = Moe();
  auto l = ServeLaunchFor("sglang", c.job, c.e, 1);
  ASSERT_TRUE(l) << l.error().ToString();
  // --max-running-requests is server-wide: 8 groups x 128; so is --chunked-prefill-size, which
  // SGLang deals // dp over the groups (S3103): 8 x each group's 128 prompt tokens a step.
  EXPECT_EQ(l->command,
            "python -m sglang.launch_server --model-path MODEL \\\n"
            "  --tp-size 8 \\\n"
            "  --dp-size 8 \\\n"
            "  --enable-dp-attention \\\n"
            "  --ep-size 8 \\\n"
            "  --context-length 2000 \\\n"
            "  --max-running-requests 1024 \\\n"
            "  --chunked-prefill-size 1024 \\\n"
            "  --mem-fraction-static 0.87 \\\n"
            "  --quantization fp8 \\\n"
            "  --kv-cache-dtype fp8_e4m3 \\\n"
            "  --speculative-algorithm EAGLE \\\n"
            "  --speculative-num-steps 1 \\\n"
            "  --speculative-eagle-topk 1 \\\n"
            "  --speculative-num-draft-tokens 2");
}

// A cap given as SGLang's own, server-wide (the engine's max_num_seqs_per_instance: 1,024 over
// the 8 groups is 128 a group, S3014), is written in each engine's own count: SGLang's as given,
// vLLM's --max-num-seqs and TensorRT-LLM's max_batch_size a rank's, 1024 / 8 = 128 (S4430,
// S4431); 1,020 is 1020 // 8 = 127 a rank, SGLang's 1,020 still as given.
TEST(ServeLaunch, AServerWideCapIsWrittenInEachEnginesCount) {
  Case c = Moe();
  c.job.limits.max_num_seqs = 1024;
  c.job.limits.max_num_seqs_per_instance = true;
  const std::pair<const char*, const char*> expected[] = {
      {"sglang", "--max-running-requests 1024 \\"},
      {"vllm", "--max-num-seqs 128 \\"},
      {"trtllm", "--max_batch_size 128 \\"}};
  for (const auto& [engine, flag] : expected) {
    auto l = ServeLaunchFor(engine, c.job, c.e);
    ASSERT_TRUE(l) << engine;
    EXPECT_NE(l->command.find(flag), std::string::npos) << l->command;
  }
  c.job.limits.max_num_seqs = 1020;
  auto sglang = ServeLaunchFor("sglang", c.job, c.e);
  auto vllm = ServeLaunchFor("vllm", c.job, c.e);
  ASSERT_TRUE(sglang && vllm);
  EXPECT_NE(sglang->command.find("--max-running-requests 1020 \\"), std::string::npos)
      << sglang->command;
  EXPECT_NE(vllm->command.find("--max-num-seqs 127 \\"), std::string::npos) << vllm->command;
  // Each group's own cap (vLLM's, TensorRT-LLM's): SGLang's is the groups' sum, 8 x 1,020.
  c.job.limits.max_num_seqs_per_instance = false;
  sglang = ServeLaunchFor("sglang", c.job, c.e);
  ASSERT_TRUE(sglang);
  EXPECT_NE(sglang->command.find("--max-running-requests 8160 \\"), std::string::npos)
      << sglang->command;
}

// Attention DP beside tensor-parallel experts (tp 1, ep 1, dp 8): each engine's line for it is its
// DP flags without the expert-parallel one, which is what each runs then (vLLM: experts TP over
// DP x TP, S3601; SGLang: moe_tp_size = tp_size without --ep-size, S3290; trtllm-serve: the
// Mapping's moe_tp_size = tp_size without --ep_size, S3234).
TEST(ServeLaunch, TensorParallelExpertsBesideAttentionDp) {
  Case c = Moe();
  c.e.layout = {1, 1, 8};
  auto v = ServeLaunchFor("vllm", c.job, c.e);
  ASSERT_TRUE(v) << v.error().ToString();
  EXPECT_NE(v->command.find("  --tensor-parallel-size 1 \\\n  --data-parallel-size 8 \\\n"
                            "  --max-model-len"),
            std::string::npos)
      << v->command;
  EXPECT_EQ(v->command.find("--enable-expert-parallel"), std::string::npos) << v->command;
  auto s = ServeLaunchFor("sglang", c.job, c.e);
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_NE(s->command.find("  --tp-size 8 \\\n  --dp-size 8 \\\n  --enable-dp-attention \\\n"
                            "  --context-length"),
            std::string::npos)
      << s->command;
  EXPECT_EQ(s->command.find("--ep-size"), std::string::npos) << s->command;
  auto t = ServeLaunchFor("trtllm", c.job, c.e);
  ASSERT_TRUE(t) << t.error().ToString();
  EXPECT_NE(t->command.find("  --tp_size 8 \\\n  --max_seq_len"), std::string::npos) << t->command;
  EXPECT_NE(t->config.find("enable_attention_dp: true\n"), std::string::npos) << t->config;
}

TEST(ServeLaunch, TrtllmMoeWritesItsExtraOptions) {
  const Case c = Moe();
  auto l = ServeLaunchFor("trtllm", c.job, c.e, 1);
  ASSERT_TRUE(l) << l.error().ToString();
  EXPECT_EQ(l->command,
            "trtllm-serve MODEL \\\n"
            "  --backend pytorch \\\n"
            "  --tp_size 8 \\\n"
            "  --ep_size 8 \\\n"
            "  --max_seq_len 2000 \\\n"
            "  --max_batch_size 128 \\\n"
            "  --max_num_tokens 256 \\\n"
            "  --kv_cache_free_gpu_memory_fraction 0.72 \\\n"
            "  --extra_llm_api_options extra-llm-api-config.yml");
  EXPECT_EQ(l->config_file, "extra-llm-api-config.yml");
  EXPECT_EQ(l->config,
            "enable_attention_dp: true\n"
            "enable_chunked_prefill: true\n"
            "kv_cache_config:\n"
            "  dtype: fp8\n"
            "  free_gpu_memory_fraction: 0.72\n"
            "speculative_config:\n"
            "  decoding_type: MTP\n"
            "  num_nextn_predict_layers: 1\n");
  // FP8 weights come from a pre-quantized checkpoint on TensorRT-LLM.
  bool checkpoint_note = false;
  for (const auto& n : l->notes) checkpoint_note |= n.find("fp8 checkpoint") != std::string::npos;
  EXPECT_TRUE(checkpoint_note);
}

// The engine's own limits, when the request gives them, are what the command passes on.
TEST(ServeLaunch, GivenLimitsPassThrough) {
  Case c = Dense();
  c.job.limits.max_batched_tokens = 8192;
  c.job.limits.kv_memory_fraction = 0.9;
  auto l = ServeLaunchFor("vllm", c.job, c.e);
  ASSERT_TRUE(l);
  EXPECT_NE(l->command.find("--max-num-batched-tokens 8192 \\"), std::string::npos) << l->command;
  EXPECT_NE(l->command.find("--gpu-memory-utilization 0.90 \\"), std::string::npos) << l->command;
}

TEST(ServeLaunch, MultiNodeSglangNamesItsRanks) {
  Case c = Moe();
  c.e.layout = {2, 32, 16};  // tp 2, ep 32, dp 16: 32 GPUs over 4 nodes of 8
  auto l = ServeLaunchFor("sglang", c.job, c.e);
  ASSERT_TRUE(l);
  // An expert group across nodes exchanges by all-to-all (perf::AttentionDpAllToAll), which the
  // command names: SGLang's DeepEP.
  EXPECT_NE(l->command.find("--tp-size 32 \\\n  --dp-size 16 \\\n  --enable-dp-attention \\\n"
                            "  --ep-size 32 \\\n  --moe-a2a-backend deepep \\\n  --nnodes 4 \\\n"
                            "  --node-rank NODE_RANK"),
            std::string::npos)
      << l->command;
}

// Pipeline stages: each engine's own flag, and the stage's GPUs for SGLang's and TensorRT-LLM's
// tp size (tp 4 x pp 2).
TEST(ServeLaunch, PipelineStages) {
  Case c = Dense();
  c.e.layout = {4, 1, 1, 2};
  auto v = ServeLaunchFor("vllm", c.job, c.e);
  ASSERT_TRUE(v);
  EXPECT_NE(v->command.find("--tensor-parallel-size 4 \\\n  --pipeline-parallel-size 2 \\"),
            std::string::npos)
      << v->command;
  auto s = ServeLaunchFor("sglang", c.job, c.e);
  ASSERT_TRUE(s);
  EXPECT_NE(s->command.find("--tp-size 4 \\\n  --pp-size 2 \\"), std::string::npos) << s->command;
  auto t = ServeLaunchFor("trtllm", c.job, c.e);
  ASSERT_TRUE(t);
  EXPECT_NE(t->command.find("--tp_size 4 \\\n  --pp_size 2 \\"), std::string::npos) << t->command;
}

// A request simulated with optimistic admission (--kv-admission optimistic, as NVIDIA's MLPerf
// harness runs) launches TensorRT-LLM with MAX_UTILIZATION, set in the LLM API's scheduler_config;
// without it the file leaves TensorRT-LLM's default (GUARANTEED_NO_EVICT).
TEST(ServeLaunch, TrtllmOptimisticAdmissionIsMaxUtilization) {
  Case c = Moe();
  const std::string policy = "scheduler_config:\n  capacity_scheduler_policy: MAX_UTILIZATION\n";
  auto reserve = ServeLaunchFor("trtllm", c.job, c.e);
  ASSERT_TRUE(reserve);
  EXPECT_EQ(reserve->config.find("capacity_scheduler_policy"), std::string::npos)
      << reserve->config;
  c.job.limits.optimistic_admission = true;
  auto optimistic = ServeLaunchFor("trtllm", c.job, c.e);
  ASSERT_TRUE(optimistic);
  EXPECT_NE(optimistic->config.find(policy), std::string::npos) << optimistic->config;
  // SGLang's retract (optimistic in the simulator's terms) is no policy of TensorRT-LLM's (S3141):
  // the file keeps its default (a simulated estimate with it is refused in app).
  c.job.limits.retract_admission = true;
  auto retract = ServeLaunchFor("trtllm", c.job, c.e);
  ASSERT_TRUE(retract);
  EXPECT_EQ(retract->config.find("capacity_scheduler_policy"), std::string::npos)
      << retract->config;
}

// On a chip whose dies are separate devices (the Ascend 910C: 2 HCCL ranks a package) the engines
// count dies: SGLang's "Cards: 4 on A3 means --tp-size 8" (S3140). 8 packages at tp 1 dp 8 ep 8
// are 16 dies: --tp-size 16 --dp-size 16 --ep-size 16, each die's group running half the
// package's 128 sequences, so the server-wide cap stays 8 x 128 = 1,024 = 16 x 64. A TP
// instance doubles its TP: tp 4 on 4 packages is --tensor-parallel-size 8.
TEST(ServeLaunch, AscendDiesAreTheEnginesDevices) {
  Case c = Moe();
  c.job.system.scale_up.ranks_per_chip = 2;
  auto l = ServeLaunchFor("sglang", c.job, c.e);
  ASSERT_TRUE(l) << l.error().ToString();
  EXPECT_NE(l->command.find("--tp-size 16 \\\n  --dp-size 16 \\\n  --enable-dp-attention "
                            "\\\n  --ep-size 16"),
            std::string::npos)
      << l->command;
  EXPECT_NE(l->command.find("--max-running-requests 1024"), std::string::npos) << l->command;
  Case d = Dense();
  d.job.system.scale_up.ranks_per_chip = 2;
  auto v = ServeLaunchFor("vllm", d.job, d.e);
  ASSERT_TRUE(v) << v.error().ToString();
  EXPECT_NE(v->command.find("--tensor-parallel-size 8"), std::string::npos) << v->command;
}

TEST(ServeLaunch, UnknownEngineNamesTheField) {
  const Case c = Dense();
  auto l = ServeLaunchFor("tgi", c.job, c.e);
  ASSERT_FALSE(l);
  EXPECT_EQ(l.error().field, "emit");
  EXPECT_NE(l.error().message.find("vllm, sglang, trtllm or mindie"), std::string::npos)
      << l.error().message;
}

// MindIE's config.json fragment (MindIE-LLM's service parameter page, S3962): Llama 3.1 70B at TP 4
// is worldSize 4 on devices 0-3; the context 2,000 + 500 = 2,500 is maxSeqLen and maxIterTimes;
// the estimate's 320 tokens a step (64 decodes + 256 prompt tokens, chunked: SplitFuse's Mix
// template and plugin) are maxPrefillTokens, which bounds maxInputTokenLen; maxBatchSize 64; the
// fraction (33 + 30 + 2) / 80 -> 0.82 is NPU_MEMORY_FRACTION.
TEST(ServeLaunch, MindieDenseWritesItsConfig) {
  const Case c = Dense();
  auto l = ServeLaunchFor("mindie", c.job, c.e);
  ASSERT_TRUE(l) << l.error().ToString();
  EXPECT_EQ(l->command, "NPU_MEMORY_FRACTION=0.82 ./bin/mindieservice_daemon");
  EXPECT_EQ(l->config_file, "mindie-config-fragment.json");
  const nlohmann::json j = nlohmann::json::parse(l->config);
  const auto& b = j["BackendConfig"];
  EXPECT_EQ(b["npuDeviceIds"], nlohmann::json::parse("[[0, 1, 2, 3]]"));
  EXPECT_EQ(b["multiNodesInferEnabled"], false);
  const auto& d = b["ModelDeployConfig"];
  EXPECT_EQ(d["maxSeqLen"], 2500);
  EXPECT_EQ(d["maxInputTokenLen"], 320);
  const auto& m = d["ModelConfig"][0];
  EXPECT_EQ(m["worldSize"], 4);
  EXPECT_EQ(m["npuMemSize"], -1);
  EXPECT_EQ(m["tp"], 4);
  EXPECT_EQ(m["dp"], 1);
  EXPECT_FALSE(m.contains("moe_ep"));
  EXPECT_EQ(m["plugin_params"], "{\"plugin_type\":\"splitfuse\"}");
  const auto& s = b["ScheduleConfig"];
  EXPECT_EQ(s["templateType"], "Mix");
  EXPECT_EQ(s["maxPrefillTokens"], 320);
  EXPECT_EQ(s["maxBatchSize"], 64);
  EXPECT_EQ(s["maxIterTimes"], 2500);
}

// DeepSeek-V3 on 8 attention groups with EP 8 and one MTP draft, prompts whole: dp 8, tp 1,
// moe_ep 8 x moe_tp 1 = the 8 devices; the Standard template (prompts batched apart); the MTP
// plugin with one speculative token; maxBatchSize each group's 128; an FP8 checkpoint and FP8 KV
// said in notes (MindIE takes both from the checkpoint).
TEST(ServeLaunch, MindieMoeWithDpAndMtp) {
  Case c = Moe();
  c.job.limits.chunked_prefill = false;
  auto l = ServeLaunchFor("mindie", c.job, c.e, 1);
  ASSERT_TRUE(l) << l.error().ToString();
  EXPECT_EQ(l->command, "NPU_MEMORY_FRACTION=0.87 ./bin/mindieservice_daemon");
  const nlohmann::json j = nlohmann::json::parse(l->config);
  const auto& m = j["BackendConfig"]["ModelDeployConfig"]["ModelConfig"][0];
  EXPECT_EQ(m["worldSize"], 8);
  EXPECT_EQ(m["tp"], 1);
  EXPECT_EQ(m["dp"], 8);
  EXPECT_EQ(m["moe_ep"], 8);
  EXPECT_EQ(m["moe_tp"], 1);
  EXPECT_EQ(m["plugin_params"], "{\"plugin_type\":\"mtp\",\"num_speculative_tokens\":1}");
  const auto& s = j["BackendConfig"]["ScheduleConfig"];
  EXPECT_EQ(s["templateType"], "Standard");
  EXPECT_EQ(s["maxBatchSize"], 128);
  std::string notes;
  for (const auto& n : l->notes) notes += n + "\n";
  EXPECT_NE(notes.find("each attention-DP group's"), std::string::npos) << notes;
  EXPECT_NE(notes.find("8-bit KV cache"), std::string::npos) << notes;
}

// A step's token budget goes to each engine as its own flag counts it (layout dp 8): SGLang's
// --chunked-prefill-size is the server's, each attention-DP rank chunking by its // dp share
// (ServerArgs, S3103); vLLM's --max-num-batched-tokens and TensorRT-LLM's --max_num_tokens are
// each rank's. A server budget of 16,384 is 2,048 a rank; a rank's 4,096 is 32,768 for SGLang.
TEST(ServeLaunch, TokenBudgetPerRankOrServerAsEachEngineCountsIt) {
  Case c = Moe();
  c.job.limits.max_batched_tokens = 16384;
  c.job.limits.max_batched_tokens_per_instance = true;  // given as SGLang's
  auto vllm = ServeLaunchFor("vllm", c.job, c.e);
  ASSERT_TRUE(vllm) << vllm.error().ToString();
  EXPECT_NE(vllm->command.find("--max-num-batched-tokens 2048 \\"), std::string::npos)
      << vllm->command;
  auto trt = ServeLaunchFor("trtllm", c.job, c.e);
  ASSERT_TRUE(trt) << trt.error().ToString();
  EXPECT_NE(trt->command.find("--max_num_tokens 2048"), std::string::npos) << trt->command;
  auto sglang = ServeLaunchFor("sglang", c.job, c.e);
  ASSERT_TRUE(sglang) << sglang.error().ToString();
  EXPECT_NE(sglang->command.find("--chunked-prefill-size 16384 \\"), std::string::npos)
      << sglang->command;
  c.job.limits.max_batched_tokens = 4096;
  c.job.limits.max_batched_tokens_per_instance = false;  // given as vLLM's, a rank's
  sglang = ServeLaunchFor("sglang", c.job, c.e);
  ASSERT_TRUE(sglang) << sglang.error().ToString();
  EXPECT_NE(sglang->command.find("--chunked-prefill-size 32768 \\"), std::string::npos)
      << sglang->command;
  vllm = ServeLaunchFor("vllm", c.job, c.e);
  ASSERT_TRUE(vllm) << vllm.error().ToString();
  EXPECT_NE(vllm->command.find("--max-num-batched-tokens 4096 \\"), std::string::npos)
      << vllm->command;
}

}  // namespace
}  // namespace suanli::report
