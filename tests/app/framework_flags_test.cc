// Serve-command flags as the engines spell them: each engine's own rule for counting GPUs,
// groups and requests, checked by hand against its documentation (the comments cite it).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/internal.h"
#include "app/requests.h"
#include "catalog/catalog.h"

namespace suanli::app::internal {
namespace {

const catalog::Catalog& Cat() {
  static const catalog::Catalog c = *catalog::Catalog::Builtin();
  return c;
}

InferRequest R1OnEightGpus() {
  InferRequest r;
  r.model = "deepseek-r1";
  r.chip = {"h200"};
  r.count = 8;
  return r;
}

InferRequest Resolved(const InferRequest& r, const std::string& yaml = "") {
  auto out = ResolveFrameworkFlags(Cat(), r, yaml);
  EXPECT_TRUE(out) << out.error().ToString();
  return out ? *out : r;
}

std::string ErrorOf(const InferRequest& r, const std::string& yaml = "") {
  auto out = ResolveFrameworkFlags(Cat(), r, yaml);
  EXPECT_FALSE(out);
  return out ? "" : out.error().ToString();
}

// SGLang: --tp-size 8 --dp-size 8 --enable-dp-attention is eight attention groups of one GPU
// (attention TP = tp-size / dp-size), and --max-running-requests is server-wide: 512 over 8
// groups is 64 a group.
TEST(FrameworkFlags, SglangDpAttentionSplitsTpSizeAndRunningRequests) {
  InferRequest r = R1OnEightGpus();
  r.tp_size = 8;
  r.dp_size = 8;
  r.enable_dp_attention = true;
  r.max_running_requests = 512;
  const InferRequest out = Resolved(r);
  EXPECT_EQ(out.tp, 1);
  EXPECT_EQ(out.dp, 8);
  EXPECT_EQ(out.max_num_seqs, 64);
  // Under --engine sglang max_num_seqs is the server's (its engine field
  // max_num_seqs_per_instance; the simulator deals it to the groups): 512 stays 512, not 64
  // divided again into 8 a group.
  InferRequest sglang = r;
  sglang.engine = "sglang";
  EXPECT_EQ(Resolved(sglang).max_num_seqs, 512);
  // 2 groups of 4: attention TP 4; 101 requests over 2 groups, rounded down as SGLang's
  // scheduler does (max_running_requests // dp_size).
  r.dp_size = 2;
  r.max_running_requests = 101;
  const InferRequest two = Resolved(r);
  EXPECT_EQ(two.tp, 4);
  EXPECT_EQ(two.dp, 2);
  EXPECT_EQ(two.max_num_seqs, 50);
  // Fewer than one a group: no group could run a request.
  r.max_running_requests = 1;
  EXPECT_NE(ErrorOf(r).find("max_running_requests: 1 server-wide leaves each of 2 attention "
                            "groups none"),
            std::string::npos);
  r.dp_size = 3;
  EXPECT_NE(ErrorOf(r).find("3 attention groups do not divide --tp-size 8"), std::string::npos);
}

// TensorRT-LLM: tp_size 8 with enable_attention_dp makes each GPU its own attention group.
TEST(FrameworkFlags, TrtllmAttentionDpMakesEachGpuAGroup) {
  InferRequest r = R1OnEightGpus();
  r.tp_size = 8;
  r.enable_attention_dp = true;
  const InferRequest out = Resolved(r);
  EXPECT_EQ(out.tp, 1);
  EXPECT_EQ(out.dp, 8);
  // Without it, tp_size is tp.
  r.enable_attention_dp = false;
  EXPECT_EQ(Resolved(r).tp, 8);
  EXPECT_FALSE(Resolved(r).dp);
}

// vLLM: --data-parallel-size with --enable-expert-parallel spreads experts over tp x dp; on a
// dense model data parallel is replicas, so the deployment is tp x dp chips of dp 1 each.
TEST(FrameworkFlags, VllmExpertParallelAndDenseReplicas) {
  InferRequest r = R1OnEightGpus();
  r.tp = 2;
  r.dp = 4;
  r.enable_expert_parallel = true;
  EXPECT_EQ(Resolved(r).ep, 8);
  InferRequest dense;
  dense.model = "llama-3.1-70b";
  dense.chip = {"h100"};
  dense.tp = 4;
  dense.dp = 2;
  const InferRequest out = Resolved(dense);
  EXPECT_EQ(out.dp, 1);
  EXPECT_EQ(out.count, 8);
  // enable_expert_parallel on a dense model changes nothing (vLLM ignores it too).
  dense.enable_expert_parallel = true;
  EXPECT_FALSE(Resolved(dense).ep);
}

TEST(FrameworkFlags, QuantizationIsTheWeightsFormat) {
  InferRequest r = R1OnEightGpus();
  r.dtype = "bfloat16";  // vLLM's --dtype: the activations' once quantization is given
  r.quantization = "fp8";
  EXPECT_EQ(Resolved(r).dtype, "fp8");
  r.dtype = "auto";
  r.quantization = "modelopt_fp4";
  EXPECT_EQ(Resolved(r).dtype, "fp4");
  r.quantization = "awq_marlin";
  EXPECT_EQ(Resolved(r).dtype, "int4");
  r.quantization = "w8a8_int8";  // SGLang's
  EXPECT_EQ(Resolved(r).dtype, "int8");
  // msModelSlim's W8A8 checkpoints: vllm-ascend's Qwen3-235B-A22B tutorial passes
  // --quantization ascend, SGLang on Ascend --quantization modelslim.
  r.quantization = "ascend";
  EXPECT_EQ(Resolved(r).dtype, "int8");
  r.quantization = "modelslim";
  EXPECT_EQ(Resolved(r).dtype, "int8");
  r.dtype = "fp8";
  EXPECT_NE(ErrorOf(r).find("contradicts --dtype fp8"), std::string::npos);
  r.dtype.clear();
  r.quantization = "bitsandbytes";
  EXPECT_NE(ErrorOf(r).find("quantization"), std::string::npos);
  // auto is the checkpoint's, the default.
  InferRequest a = R1OnEightGpus();
  a.dtype = "auto";
  a.kv_dtype = "auto";
  EXPECT_EQ(Resolved(a).dtype, "");
  EXPECT_EQ(Resolved(a).kv_dtype, "");
}

// vLLM's --speculative-config and SGLang's EAGLE flags are MTP depth: DeepSeek's recipe in
// SGLang is EAGLE with 3 steps, top-1, 4 draft tokens; vLLM's deepseek_mtp with 1 token.
TEST(FrameworkFlags, SpeculativeFlagsAreMtpDepth) {
  InferRequest v = R1OnEightGpus();
  v.speculative_config = R"({"method": "deepseek_mtp", "num_speculative_tokens": 1})";
  EXPECT_EQ(Resolved(v).mtp, 1);
  v.speculative_config = R"({"method": "ngram", "num_speculative_tokens": 3})";
  EXPECT_NE(ErrorOf(v).find("ngram"), std::string::npos);
  v.speculative_config = "{method: mtp}";
  EXPECT_NE(ErrorOf(v).find("JSON object"), std::string::npos);
  v.speculative_config = R"({"method": "draft_model", "model": "llama-3.2-1b",
                             "num_speculative_tokens": 4})";
  EXPECT_EQ(Resolved(v).draft_model, "llama-3.2-1b");
  InferRequest s = R1OnEightGpus();
  s.speculative_algorithm = "EAGLE";
  EXPECT_EQ(Resolved(s).mtp, 3);
  s.speculative_num_draft_tokens = 3;
  EXPECT_EQ(Resolved(s).mtp, 2);
  s.speculative_num_steps = 1;
  EXPECT_EQ(Resolved(s).mtp, 1);
  s.mtp = 2;
  EXPECT_NE(ErrorOf(s).find("not both"), std::string::npos);
  InferRequest orphan = R1OnEightGpus();
  orphan.speculative_num_steps = 2;
  EXPECT_NE(ErrorOf(orphan).find("speculative_algorithm"), std::string::npos);
}

TEST(FrameworkFlags, MaxModelLenMustHoldTheWorkload) {
  InferRequest r = R1OnEightGpus();
  r.input_tokens = 1024;
  r.output_tokens = 1024;
  r.max_model_len = 2048;
  EXPECT_TRUE(ResolveFrameworkFlags(Cat(), r));
  r.max_model_len = 2047;
  EXPECT_NE(ErrorOf(r).find("max_model_len"), std::string::npos);
}

// trtllm-serve's --extra_llm_api_options file wins over its flags, as trtllm-serve reads it.
TEST(FrameworkFlags, TrtllmLlmApiOptionsFile) {
  InferRequest r = R1OnEightGpus();
  r.extra_llm_api_options = "extra.yml";
  r.tp_size = 8;
  r.max_num_seqs = 16;
  r.kv_memory_fraction = 0.9;
  const std::string yaml =
      "enable_attention_dp: true\n"
      "max_batch_size: 128\n"
      "max_num_tokens: 3072\n"
      "enable_chunked_prefill: true\n"
      "kv_cache_config:\n"
      "  dtype: fp8\n"
      "  free_gpu_memory_fraction: 0.85\n"
      "  enable_block_reuse: false\n"
      "speculative_config:\n"
      "  decoding_type: MTP\n"
      "  num_nextn_predict_layers: 3\n"
      "scheduler_config:\n"
      "  capacity_scheduler_policy: MAX_UTILIZATION\n"
      "cuda_graph_config:\n"
      "  enable_padding: true\n"
      "  batch_sizes: [1, 2, 4, 8, 16, 32, 64, 128]\n"
      "attention_dp_config:\n"
      "  enable_balance: true\n"
      "  batching_wait_iters: 10\n"
      "  timeout_iters: 50\n"
      "moe_config:\n"
      "  backend: TRTLLM\n"
      "print_iter_log: true\n";
  const InferRequest out = Resolved(r, yaml);
  EXPECT_EQ(out.tp, 1);
  EXPECT_EQ(out.dp, 8);
  EXPECT_EQ(out.max_num_seqs, 128);
  EXPECT_EQ(out.max_batched_tokens, 3072);
  EXPECT_TRUE(out.enable_chunked_prefill);
  EXPECT_EQ(out.kv_dtype, "fp8");
  EXPECT_EQ(out.kv_free_memory_fraction, 0.85);
  EXPECT_FALSE(out.kv_memory_fraction);
  EXPECT_EQ(out.mtp, 3);
  EXPECT_EQ(out.kv_admission, "optimistic");
  EXPECT_EQ(out.cuda_graph_batch_sizes, "1,2,4,8,16,32,64,128");
  EXPECT_EQ(out.adp_balance_timeout_iters, 50);
  EXPECT_EQ(out.adp_balance_wait_iters, 10);
  EXPECT_EQ(out.moe_backend, "TRTLLM");
  // What only the simulator runs is left out of an analytic estimate.
  r.mode = "analytic";
  const InferRequest analytic = Resolved(r, yaml);
  EXPECT_EQ(analytic.kv_admission, "");
  EXPECT_EQ(analytic.cuda_graph_batch_sizes, "");
  EXPECT_EQ(analytic.mtp, 3);
  // Errors name the file, the line and the key.
  EXPECT_EQ(ErrorOf(r, "kv_cache_config:\n  free_gpu_memory_fraction: most\n"),
            "extra.yml:2: extra_llm_api_options.kv_cache_config.free_gpu_memory_fraction: "
            "expected a number");
  EXPECT_NE(ErrorOf(r, "speculative_config:\n  decoding_type: NGram\n").find("extra.yml:2:"),
            std::string::npos);
  EXPECT_NE(ErrorOf(r, "enable_attention_dp: [\n").find("extra.yml:"), std::string::npos);
}

TEST(FrameworkFlags, ContradictionsNameBothFields) {
  InferRequest r = R1OnEightGpus();
  r.tp = 8;
  r.tp_size = 8;
  EXPECT_NE(ErrorOf(r).find("tp_size: give it or tp"), std::string::npos);
  InferRequest n = R1OnEightGpus();
  n.enable_dp_attention = true;
  EXPECT_NE(ErrorOf(n).find("needs --tp-size"), std::string::npos);
  InferRequest m = R1OnEightGpus();
  m.max_running_requests = 64;
  m.max_num_seqs = 8;
  EXPECT_NE(ErrorOf(m).find("max_running_requests"), std::string::npos);
  InferRequest b = R1OnEightGpus();
  b.backend = "onnx";
  EXPECT_NE(ErrorOf(b).find("pytorch or tensorrt"), std::string::npos);
}

// SGLang's recipes spell --tp-size and --dp-size --tp and --dp (--tp 8 --dp 8
// --enable-dp-attention): beside --enable-dp-attention they are SGLang's, not this tool's.
TEST(FrameworkFlags, SglangTpAndDpBesideDpAttentionAreItsOwn) {
  InferRequest r = R1OnEightGpus();
  r.tp = 8;
  r.dp = 8;
  r.enable_dp_attention = true;
  r.max_running_requests = 512;
  const InferRequest out = Resolved(r);
  EXPECT_EQ(out.tp, 1);
  EXPECT_EQ(out.dp, 8);
  EXPECT_EQ(out.max_num_seqs, 64);
  // Without DP attention --tp 8 is this tool's tp 8 as it always was.
  InferRequest plain = R1OnEightGpus();
  plain.tp = 8;
  EXPECT_EQ(Resolved(plain).tp, 8);
  EXPECT_FALSE(Resolved(plain).dp);
}

// Replicas (SGLang's --dp-size without DP attention, vLLM's --data-parallel-size on a dense
// model) are GPUs the count must hold: 8 replicas of TP 8 are 64 GPUs, not 8.
TEST(FrameworkFlags, ReplicasMustFitTheCount) {
  InferRequest r = R1OnEightGpus();
  r.tp_size = 8;
  r.dp_size = 8;
  EXPECT_NE(ErrorOf(r).find("dp_size: 8 replicas of 8 GPUs are 64 GPUs, which --count 8"),
            std::string::npos);
  r.count = 128;  // two sets of the 8 replicas
  EXPECT_EQ(Resolved(r).tp, 8);
  InferRequest v;
  v.model = "llama-3.1-70b";
  v.chip = {"h100"};
  v.count = 8;
  v.tp = 4;
  v.dp = 4;
  EXPECT_NE(ErrorOf(v).find("dp: 4 replicas of 4 GPUs are 16 GPUs"), std::string::npos);
  v.dp = 2;
  EXPECT_EQ(Resolved(v).tp, 4);
}

// SGLang's draft steps when none are given depend on the architecture
// (_auto_choose_speculative_params): 5 for LlamaForCausalLM, 3 for DeepSeek and the rest.
// SGLang's Ascend best practice launches on one Atlas 800I A3 of 8 Ascend 910C cards of 2 dies
// each, every die a device: --tp 16 (S3140: "Cards: 4 on A3 means --tp-size 8"). suanli's 910C
// is the package, so a launch of --count x 2 devices is read in dies: tp 16 is tp 8 packages;
// --tp 16 --dp-size 16 --enable-dp-attention with --max-running-requests 272 is 8 groups of one
// package, 34 sequences each (the 235B runs' tp 1 dp 8 on packages; under SGLang the server's
// 272, which its simulator deals to the groups); vLLM-Ascend's
// --tensor-parallel-size 16 --enable-expert-parallel is tp 8 ep 8. A layout in packages (tp 8,
// 8 devices on --count 8) is left as given, and on a one-die chip tp 16 on 8 stays refused.
TEST(FrameworkFlags, AscendLaunchInDiesIsReadOnPackages) {
  InferRequest r;
  r.model = "qwen3-235b-a22b";
  r.chip = {"ascend-910c"};
  r.count = 8;
  r.tp = 16;
  EXPECT_EQ(Resolved(r).tp, 8);
  InferRequest dpa = r;
  dpa.tp.reset();
  dpa.tp_size = 16;
  dpa.dp_size = 16;
  dpa.enable_dp_attention = true;
  dpa.max_running_requests = 272;
  const InferRequest groups = Resolved(dpa);
  EXPECT_EQ(groups.tp, 1);
  EXPECT_EQ(groups.dp, 8);
  EXPECT_EQ(groups.max_num_seqs, 34);
  dpa.engine = "sglang";
  EXPECT_EQ(Resolved(dpa).max_num_seqs, 272);
  InferRequest vllm = r;
  vllm.model = "deepseek-r1";
  vllm.enable_expert_parallel = true;
  const InferRequest ep = Resolved(vllm);
  EXPECT_EQ(ep.tp, 8);
  EXPECT_EQ(ep.ep, 8);
  InferRequest packages = r;
  packages.tp = 8;
  EXPECT_EQ(Resolved(packages).tp, 8);
  InferRequest dense = r;
  dense.model = "qwen3-32b";
  dense.count = 2;
  dense.tp = 4;
  EXPECT_EQ(Resolved(dense).tp, 2);
  InferRequest one_die = r;
  one_die.chip = {"ascend-910b"};
  EXPECT_EQ(Resolved(one_die).tp, 16);
}

// A key named twice in an engine's YAML keeps its last value, as PyYAML's safe_load does in
// trtllm-serve (--extra_llm_api_options) and in vLLM's load_config_file (--config) (S4363): the
// first was read (audit round 15: max_batch_size 128 then 64 served 128; a second
// kv_cache_config section was ignored).
TEST(FrameworkFlags, AKeyNamedTwiceInAnEngineFileKeepsItsLastValue) {
  InferRequest r = R1OnEightGpus();
  r.extra_llm_api_options = "extra.yml";
  r.tp_size = 8;
  const InferRequest out = Resolved(r,
                                    "max_batch_size: 128\n"
                                    "kv_cache_config:\n"
                                    "  free_gpu_memory_fraction: 0.9\n"
                                    "  dtype: fp8\n"
                                    "max_batch_size: 64\n"
                                    "kv_cache_config:\n"
                                    "  free_gpu_memory_fraction: 0.5\n");
  EXPECT_EQ(out.max_num_seqs, 64);
  EXPECT_EQ(out.kv_free_memory_fraction, 0.5);
  // The whole second section stands, as a Python dict's value: not merged with the first.
  EXPECT_EQ(out.kv_dtype, "");
  InferRequest v;
  v.model = "llama-3.1-8b";
  v.chip = {"h100"};
  v.launched_by = "vllm";
  v.extra_llm_api_options = "v.yaml";
  ASSERT_TRUE(
      MergeVllmConfig(v, "max-num-seqs: 64\ngpu-memory-utilization: 0.8\nmax-num-seqs: 16\n"));
  EXPECT_EQ(v.max_num_seqs, 16);
  // Other slips in the file still fail at their line.
  InferRequest w = v;
  w.max_num_seqs.reset();
  w.extra_llm_api_options = "v.yaml";
  auto two = MergeVllmConfig(w, "max-num-seqs: 64\n---\nmax-num-seqs: 16\n");
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().file, "v.yaml");
  EXPECT_NE(two.error().ToString().find("config: more than one YAML document"), std::string::npos)
      << two.error().ToString();
}

// A pasted server on a 910C counts devices, and vLLM-Ascend's devices are the dies (an Atlas 800
// A3 of 8 cards is 16 devices of 64 GB, /dev/davinci0-15, S3471): `vllm serve` with no
// --tensor-parallel-size is one die, half a package, which the model does not price; the answer
// is both dies of one package (tp 1 package, --tensor-parallel-size 2), said with it.
// --tensor-parallel-size 4 is 2 packages whatever --count; typed, tp counts packages as before.
TEST(FrameworkFlags, PastedServerOnA910cCountsDies) {
  InferRequest r;
  r.model = "qwen3-8b";
  r.chip = {"ascend-910c"};
  r.launched_by = "vllm";
  InferRequest out = Resolved(r);
  EXPECT_EQ(out.tp, 1);
  ASSERT_EQ(out.assumptions.size(), 1u);
  EXPECT_NE(out.assumptions[0].find("vLLM-Ascend counts each of a ascend-910c's 2 dies as a "
                                    "device: tensor parallel 1 is 1 die"),
            std::string::npos)
      << out.assumptions[0];
  EXPECT_NE(out.assumptions[0].find("--tensor-parallel-size 2"), std::string::npos);
  r.count = 4;
  r.tp = 4;
  out = Resolved(r);
  EXPECT_EQ(out.tp, 2);
  EXPECT_TRUE(out.assumptions.empty());
  InferRequest sglang = r;
  sglang.launched_by = "sglang";
  sglang.tp.reset();
  EXPECT_EQ(Resolved(sglang).tp, 1);
  EXPECT_NE(Resolved(sglang).assumptions.at(0).find("SGLang counts"), std::string::npos);
  InferRequest typed = r;
  typed.launched_by.clear();
  EXPECT_EQ(Resolved(typed).tp, 4);
  // On a chip of one die a pasted tp is as given.
  InferRequest a2 = r;
  a2.chip = {"ascend-910b"};
  EXPECT_EQ(Resolved(a2).tp, 4);
}

TEST(FrameworkFlags, SglangDefaultStepsFollowTheArchitecture) {
  InferRequest llama;
  llama.model = "llama-3.1-8b";
  llama.chip = {"h100"};
  llama.count = 1;
  llama.speculative_algorithm = "EAGLE3";
  EXPECT_EQ(Resolved(llama).mtp, 5);
  InferRequest r1 = R1OnEightGpus();
  r1.speculative_algorithm = "EAGLE";
  EXPECT_EQ(Resolved(r1).mtp, 3);
}

// TensorRT-LLM's defaults where the file leaves a key out: MTP's num_nextn_predict_layers 1,
// attention_dp_config's timeout_iters 50 and batching_wait_iters 10; a section that is not a
// mapping is an error naming it (it would otherwise mean nothing).
TEST(FrameworkFlags, TrtllmDefaultsAndSectionShapes) {
  InferRequest r = R1OnEightGpus();
  r.extra_llm_api_options = "extra.yml";
  r.tp_size = 8;
  const InferRequest out = Resolved(r,
                                    "enable_attention_dp: true\n"
                                    "speculative_config:\n"
                                    "  decoding_type: MTP\n"
                                    "attention_dp_config:\n"
                                    "  enable_balance: true\n");
  EXPECT_EQ(out.mtp, 1);
  EXPECT_EQ(out.adp_balance_timeout_iters, 50);
  EXPECT_EQ(out.adp_balance_wait_iters, 10);
  EXPECT_NE(ErrorOf(r, "speculative_config:\n  decoding_type: Eagle3\n").find("max_draft_len"),
            std::string::npos);
  EXPECT_NE(ErrorOf(r, "kv_cache_config: 0.9\n")
                .find("extra.yml:1: extra_llm_api_options.kv_cache_config: expected a mapping"),
            std::string::npos);
  EXPECT_NE(ErrorOf(r, "speculative_config: []\n").find("speculative_config: expected a mapping"),
            std::string::npos);
  EXPECT_NE(ErrorOf(r, "- a\n- b\n").find("expected a mapping of LLM API options"),
            std::string::npos);
}

// A published recipe pastes whole: flags for how the server is reached or logs are taken and
// change nothing; SGLang's --model-path is the model.
TEST(FrameworkFlags, LaunchOnlyFlagsAreAcceptedAndInert) {
  InferRequest r;
  for (const char* name : {"host", "port", "served_model_name", "reasoning_parser",
                           "tool_call_parser", "dist_init_addr", "nnodes", "node_rank"}) {
    EXPECT_TRUE(SetField(InferFields(), r, name, FieldValue{std::string("0")})) << name;
  }
  EXPECT_TRUE(SetField(InferFields(), r, "port", FieldValue{30000.0}));
  EXPECT_TRUE(SetField(InferFields(), r, "trust_remote_code", FieldValue{true}));
  ASSERT_TRUE(
      SetField(InferFields(), r, "model_path", FieldValue{std::string("deepseek-ai/DeepSeek-R1")}));
  EXPECT_EQ(r.model, "deepseek-ai/DeepSeek-R1");
  InferRequest plain;
  plain.model = r.model;
  EXPECT_EQ(r.chip, plain.chip);
  EXPECT_EQ(r.count, plain.count);
  EXPECT_FALSE(SetField(InferFields(), r, "trust_remote_cod", FieldValue{true}));
}

// Tuning flags the estimate does not price are accepted (a recipe pastes whole) and listed once
// each, as the user typed them; a switch given as off is not listed.
TEST(FrameworkFlags, TuningFlagsNotModelledAreListed) {
  InferRequest r;
  EXPECT_TRUE(SetField(InferFields(), r, "disable_custom_all_reduce", FieldValue{true}));
  EXPECT_TRUE(SetField(InferFields(), r, "attention_backend", FieldValue{std::string("fa3")}));
  EXPECT_TRUE(SetField(InferFields(), r, "enable_torch_compile", FieldValue{false}));
  EXPECT_TRUE(SetField(InferFields(), r, "schedule_policy", FieldValue{std::string("lpm")}));
  EXPECT_TRUE(
      SetField(InferFields(), r, "disable_custom_all_reduce", FieldValue{std::string("true")}));
  EXPECT_EQ(r.flags_not_modelled,
            (std::vector<std::string>{"--attention-backend", "--disable-custom-all-reduce",
                                      "--schedule-policy"}));
  // vLLM's --async-scheduling is priced (the host loop it hides, EngineLimits.VllmWaitsFor...):
  // a field, not listed.
  EXPECT_TRUE(SetField(InferFields(), r, "async_scheduling", FieldValue{true}));
  EXPECT_TRUE(r.async_scheduling);
  EXPECT_EQ(r.flags_not_modelled.size(), 3u);
  // --stream-interval is priced where the engine's front-end cost is measured (vLLM's): a field,
  // listed only at the answer when the engine has none (EngineLimits.StreamIntervalDivides...).
  EXPECT_TRUE(SetField(InferFields(), r, "stream_interval", FieldValue{10.0}));
  EXPECT_EQ(r.stream_interval, 10);
  EXPECT_EQ(r.flags_not_modelled.size(), 3u);
  EXPECT_FALSE(
      SetField(InferFields(), r, "enable_two_batch_overlap", FieldValue{std::string("maybe")}));
}

// SGLang's --disable-radix-cache and vLLM's --no-enable-prefix-caching turn the prefix cache off;
// a cache hit beside them contradicts it.
TEST(FrameworkFlags, PrefixCacheOffExcludesAHitRate) {
  for (const char* name : {"disable_radix_cache", "no_enable_prefix_caching"}) {
    InferRequest r = R1OnEightGpus();
    ASSERT_TRUE(SetField(InferFields(), r, name, FieldValue{true})) << name;
    EXPECT_TRUE(r.no_prefix_cache);
    EXPECT_TRUE(Resolved(r).no_prefix_cache);
    r.prefix_cache_hit = 0.5;
    EXPECT_NE(ErrorOf(r).find("prefix_cache_hit"), std::string::npos) << name;
  }
}

// The serving benchmarks' flags, as vllm bench serve, sglang.bench_serving and genai-perf spell
// them (S3152): --num-prompts / --request-count are requests, --random-input / --random-output
// and genai-perf's means the lengths; --request-rate R is --qps R, inf (their default, every
// prompt at time 0) the offline mode, or with --max-concurrency its closed loop.
TEST(FrameworkFlags, ServingBenchmarkFlags) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"h100"};
  ASSERT_TRUE(SetField(InferFields(), r, "num_prompts", FieldValue{1000.0}));
  EXPECT_EQ(r.requests, 1000);
  ASSERT_TRUE(SetField(InferFields(), r, "request_count", FieldValue{std::string("640")}));
  EXPECT_EQ(r.requests, 640);
  ASSERT_TRUE(SetField(InferFields(), r, "random_input", FieldValue{std::string("2k")}));
  ASSERT_TRUE(SetField(InferFields(), r, "output_tokens_mean", FieldValue{512.0}));
  EXPECT_DOUBLE_EQ(r.input_tokens, 2048);  // a sequence length: K is 1024
  EXPECT_DOUBLE_EQ(r.output_tokens, 512);
  ASSERT_TRUE(SetField(InferFields(), r, "dataset_name", FieldValue{std::string("random")}));
  ASSERT_TRUE(SetField(InferFields(), r, "backend", FieldValue{std::string("sglang")}));
  ASSERT_TRUE(SetField(InferFields(), r, "ignore_eos", FieldValue{true}));
  ASSERT_TRUE(SetField(InferFields(), r, "request_rate", FieldValue{10.0}));
  InferRequest rate = Resolved(r);
  EXPECT_EQ(rate.qps, 10);
  EXPECT_EQ(rate.mode, "server");
  ASSERT_TRUE(SetField(InferFields(), r, "request_rate", FieldValue{std::string("inf")}));
  InferRequest burst = Resolved(r);
  EXPECT_FALSE(burst.qps);
  EXPECT_EQ(burst.mode, "offline");
  r.concurrency = 64;
  InferRequest loop = Resolved(r);
  EXPECT_EQ(loop.mode, "server");
  EXPECT_EQ(loop.concurrency, 64);
  r.concurrency.reset();
  r.qps = 5;
  EXPECT_NE(ErrorOf(r).find("request_rate"), std::string::npos);
  r.qps.reset();
  ASSERT_TRUE(SetField(InferFields(), r, "request_rate", FieldValue{0.0}));
  EXPECT_NE(ErrorOf(r).find("request_rate"), std::string::npos);
  // ShareGPT is read as its mean lengths (PastedBenchmarkRunsItsDefaults); another dataset's
  // lengths are a trace.
  ASSERT_TRUE(SetField(InferFields(), r, "dataset_name", FieldValue{std::string("sharegpt")}));
  auto sonnet = SetField(InferFields(), r, "dataset_name", FieldValue{std::string("sonnet")});
  ASSERT_FALSE(sonnet);
  EXPECT_EQ(sonnet.error().field, "dataset_name");
  EXPECT_NE(sonnet.error().message.find("--requests-trace"), std::string::npos);
  r.request_rate.reset();
  r.backend = "foo";
  EXPECT_NE(ErrorOf(r).find("backend"), std::string::npos);
}

// vLLM's --quantization experts_int8 (MiniMax-M1's card, S3151): the experts' weights int8 with
// 16-bit math, the rest at --dtype.
TEST(FrameworkFlags, ExpertsInt8IsTheExpertsWeightOnlyFormat) {
  InferRequest r;
  r.model = "minimax-m1";
  r.chip = {"h800"};
  r.quantization = "experts_int8";
  r.dtype = "bfloat16";
  const InferRequest out = Resolved(r);
  EXPECT_EQ(out.expert_dtype, "w8a16");
  EXPECT_EQ(out.dtype, "bfloat16");
  EXPECT_TRUE(out.quantization.empty());
  r.expert_dtype = "fp8";
  EXPECT_NE(ErrorOf(r).find("expert_dtype"), std::string::npos);
}

// A chip named twice is one row: `--chip h100 --chip h100,h200,H100` compares h100 and h200.
TEST(FrameworkFlags, AChipNamedTwiceIsOneRow) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"h100", "h100", "h200", "H100", "h100-sxm"};
  r.compare = true;
  EXPECT_EQ(Resolved(r).chip, (std::vector<std::string>{"h100", "h200"}));
}

// Recipe flags that change nothing a text request costs: Llama 4's vLLM recipe
// (--override-generation-config), SGLang's --enable-multimodal and --speculative-algo (its
// Qwen3-Next docs' spelling), vllm-ascend's --additional-config (listed as not modelled).
TEST(FrameworkFlags, RecipeFlagsOfLlama4QwenNextAndAscend) {
  InferRequest r;
  EXPECT_TRUE(SetField(InferFields(), r, "override_generation_config",
                       FieldValue{std::string("{\"attn_temperature_tuning\": true}")}));
  EXPECT_TRUE(SetField(InferFields(), r, "enable_multimodal", FieldValue{true}));
  ASSERT_TRUE(SetField(InferFields(), r, "speculative_algo", FieldValue{std::string("NEXTN")}));
  EXPECT_EQ(r.speculative_algorithm, "NEXTN");
  EXPECT_TRUE(SetField(InferFields(), r, "additional_config",
                       FieldValue{std::string("{\"torchair_graph_config\":{\"enabled\":true}}")}));
  EXPECT_EQ(r.flags_not_modelled, (std::vector<std::string>{"--additional-config"}));
}

}  // namespace
}  // namespace suanli::app::internal

namespace suanli::app::internal {
namespace {

// A pasted server command runs its server's defaults for what it leaves out (S3232-S3234): vLLM's
// --tensor-parallel-size 4 alone is tp 4 with --data-parallel-size 1 and, without
// --enable-expert-parallel, the experts split by TP (ep 1), not the DP/EP the search would pick;
// tp 1 where the command gives none. A typed request (no launcher) keeps the search.
TEST(FrameworkFlags, PastedServerRunsItsDefaultLayout) {
  InferRequest r;
  r.model = "minimax-m2";
  r.chip = {"h100"};
  r.tp = 4;
  r.launched_by = "vllm serve";
  InferRequest out = Resolved(r);
  EXPECT_EQ(out.launched_by, "vllm");
  EXPECT_EQ(out.tp, 4);
  EXPECT_EQ(out.dp, 1);
  EXPECT_EQ(out.ep, 1);
  EXPECT_EQ(out.pp, 1);
  EXPECT_EQ(out.launcher_defaults,
            "vLLM's defaults for what the command leaves out: pp 1, dp 1, no expert parallel");
  // --enable-expert-parallel: ep = tp x dp = 4 (vLLM's rule), dp still vLLM's 1.
  r.enable_expert_parallel = true;
  out = Resolved(r);
  EXPECT_EQ(out.ep, 4);
  EXPECT_EQ(out.dp, 1);
  // No tp at all: vLLM's --tensor-parallel-size 1.
  InferRequest bare;
  bare.model = "qwen3-8b";
  bare.chip = {"h100"};
  bare.launched_by = "python3 -m sglang.launch_server";
  out = Resolved(bare);
  EXPECT_EQ(out.launched_by, "sglang");
  EXPECT_EQ(out.tp, 1);
  EXPECT_EQ(out.launcher_defaults,
            "SGLang's defaults for what the command leaves out: tp 1, pp 1, dp 1");
  // SGLang's DP attention: 8 groups over --tp-size 8; no --ep-size, so SGLang's moe_tp_size =
  // tp_size: the experts split by tensor parallel over the 8 GPUs (ep 1 beside dp 8; S3290,
  // S3600), as GPUStack ran DeepSeek-V3.2 (S3240).
  InferRequest adp = R1OnEightGpus();
  adp.launched_by = "sglang";
  adp.tp_size = 8;
  adp.dp_size = 8;
  adp.enable_dp_attention = true;
  out = Resolved(adp);
  EXPECT_EQ(out.tp, 1);
  EXPECT_EQ(out.dp, 8);
  EXPECT_EQ(out.ep, 1);
  EXPECT_EQ(out.launcher_defaults,
            "SGLang's defaults for what the command leaves out: pp 1, no expert parallel (the "
            "experts split by tensor parallel over the 8 attention groups' GPUs)");
  // --moe-a2a-backend deepep: SGLang sets ep_size = tp_size (S3602), experts whole over the 8.
  InferRequest deepep = adp;
  deepep.moe_a2a_backend = "deepep";
  EXPECT_EQ(Resolved(deepep).ep, 8);
  // Its default backend named changes nothing; --ep-size 8 given is kept.
  deepep.moe_a2a_backend = "none";
  EXPECT_EQ(Resolved(deepep).ep, 1);
  InferRequest ep8 = adp;
  ep8.ep = 8;
  EXPECT_EQ(Resolved(ep8).ep, 8);
  // The same SGLang flags typed without its launcher mean what SGLang runs for them.
  InferRequest typed_adp = adp;
  typed_adp.launched_by.clear();
  out = Resolved(typed_adp);
  EXPECT_EQ(out.tp, 1);
  EXPECT_EQ(out.dp, 8);
  EXPECT_EQ(out.ep, 1);
  typed_adp.moe_a2a_backend = "deepep";
  EXPECT_EQ(Resolved(typed_adp).ep, 8);
  // vLLM's --data-parallel-size 8 without --enable-expert-parallel: "expert layers form a tensor
  // parallel group of size DP x TP" (S3601): tp 1, dp 8, ep 1; with it, ep 8.
  InferRequest vdp = R1OnEightGpus();
  vdp.launched_by = "vllm";
  vdp.dp = 8;
  out = Resolved(vdp);
  EXPECT_EQ(out.tp, 1);
  EXPECT_EQ(out.dp, 8);
  EXPECT_EQ(out.ep, 1);
  vdp.enable_expert_parallel = true;
  EXPECT_EQ(Resolved(vdp).ep, 8);
  // Typed: nothing filled in.
  InferRequest typed = r;
  typed.launched_by.clear();
  typed.enable_expert_parallel = false;
  out = Resolved(typed);
  EXPECT_FALSE(out.dp);
  EXPECT_FALSE(out.ep);
  EXPECT_TRUE(out.launcher_defaults.empty());
  InferRequest bad = r;
  bad.launched_by = "ollama";
  EXPECT_NE(ErrorOf(bad).find("launched_by"), std::string::npos);
}

// --random-range-ratio as the pasted benchmark reads it. vLLM (S3230): uniform in
// [L(1-r), L(1+r)], so r 0.5 on 1,024 / 256 keeps the means and spreads +-50 %: uniform:0.5.
// SGLang (S3231): uniform in [rL, L]; r 0.5 on 1,024 is [512, 1024], mean 768, half-width
// 256 / 768 = 1/3; outputs of 256: [128, 256], mean 192, 64 / 192 = 1/3. SGLang's default 0:
// prompts [1, 1024] mean 512.5, half-width 511.5 / 512.5 = 0.998049; outputs [0, 256] mean 128,
// half-width 1.
TEST(FrameworkFlags, RandomRangeRatioIsTheBenchmarksSpread) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"h100"};
  // The lengths as given (a pasted benchmark without them takes its own: PastedBenchmark...).
  r.input_tokens_given = r.output_tokens_given = true;
  r.dataset_name = "random";
  r.random_range_ratio = 0.5;
  r.launched_by = "vllm bench serve";
  InferRequest out = Resolved(r);
  EXPECT_DOUBLE_EQ(out.input_tokens, 1024);
  EXPECT_DOUBLE_EQ(out.output_tokens, 256);
  EXPECT_EQ(out.input_dist, "uniform:0.5");
  EXPECT_EQ(out.output_dist, "uniform:0.5");
  // Typed without the benchmark: vLLM's reading.
  r.launched_by.clear();
  EXPECT_EQ(Resolved(r).input_dist, "uniform:0.5");
  r.launched_by = "python3 -m sglang.bench_serving";
  out = Resolved(r);
  EXPECT_DOUBLE_EQ(out.input_tokens, 768);
  EXPECT_DOUBLE_EQ(out.output_tokens, 192);
  EXPECT_EQ(out.input_dist, "uniform:0.333333");
  EXPECT_EQ(out.output_dist, "uniform:0.333333");
  r.random_range_ratio.reset();
  out = Resolved(r);
  EXPECT_DOUBLE_EQ(out.input_tokens, 512.5);
  EXPECT_DOUBLE_EQ(out.output_tokens, 128);
  EXPECT_EQ(out.input_dist, "uniform:0.998049");
  EXPECT_EQ(out.output_dist, "uniform:1");
  // r 1: SGLang's fixed lengths; vLLM refuses 1 (its range is [0, 1)).
  r.random_range_ratio = 1;
  out = Resolved(r);
  EXPECT_DOUBLE_EQ(out.input_tokens, 1024);
  EXPECT_EQ(out.input_dist, "fixed");
  EXPECT_EQ(out.output_dist, "fixed");
  r.launched_by = "vllm-bench";
  EXPECT_NE(ErrorOf(r).find("random_range_ratio"), std::string::npos);
  // With a spread of its own: a clash naming both.
  r.random_range_ratio = 0.2;
  r.input_dist = "exp";
  EXPECT_NE(ErrorOf(r).find("input-dist"), std::string::npos);
}

}  // namespace
}  // namespace suanli::app::internal

namespace suanli::app::internal {
namespace {

// trtllm-serve --tp_size 8 --ep_size 4 (TensorRT-LLM's Mapping: moe_tp_size = 8 / 4 = 2, S3234):
// each GPU holds 1/8 of the expert weights either way (4 groups x 2-way TP, or TP over 8), so it
// is priced as tp 8 with the experts split by TP (ep 1) and --ep_size listed as not modelled;
// before, "ep must equal tp * dp" refused the command. ep equal to tp is expert parallel as
// before.
TEST(FrameworkFlags, TrtllmExpertTpInsideExpertGroups) {
  InferRequest r;
  r.model = "qwen3-235b-a22b";
  r.chip = {"h100"};
  r.launched_by = "trtllm-serve";
  r.tp_size = 8;
  r.ep = 4;
  InferRequest out = Resolved(r);
  EXPECT_EQ(out.tp, 8);
  EXPECT_EQ(out.ep, 1);
  EXPECT_EQ(out.flags_not_modelled, (std::vector<std::string>{"--ep_size"}));
  r.ep = 8;
  out = Resolved(r);
  EXPECT_EQ(out.ep, 8);
  EXPECT_TRUE(out.flags_not_modelled.empty());
  // SGLang's parallel state derives the same moe_tp_size = tp_size // ep_size (S3290), pasted
  // (python3 -m sglang.launch_server --tp-size 8 --ep-size 4) or typed with its flags alone.
  for (const char* launcher : {"sglang", ""}) {
    r.launched_by = launcher;
    r.ep = 4;
    out = Resolved(r);
    EXPECT_EQ(out.tp, 8) << launcher;
    EXPECT_EQ(out.ep, 1) << launcher;
    EXPECT_EQ(out.flags_not_modelled, (std::vector<std::string>{"--ep-size"})) << launcher;
  }
  // trtllm-bench's --tp 8 --ep 2 (and SGLang's --tp 8 --ep 4) are the same Mapping: NVIDIA's R1
  // min-latency layout on 8 B200 (experts TP 4 x EP 2) runs, priced as the experts split by TP.
  InferRequest bench;
  bench.model = "deepseek-r1";
  bench.chip = {"b200"};
  bench.count = 8;
  bench.tp = 8;
  bench.ep = 2;
  for (const char* launcher : {"trtllm-bench-latency", "trtllm-bench", "sglang"}) {
    bench.launched_by = launcher;
    out = Resolved(bench);
    EXPECT_EQ(out.tp, 8) << launcher;
    EXPECT_EQ(out.ep, 1) << launcher;
    EXPECT_EQ(out.flags_not_modelled.size(), 1u) << launcher;
  }
}

// A pasted server command runs its own engine's limits (data/engines.yaml), as it runs its own
// layout defaults: `vllm serve` vLLM (on an Ascend NPU the vLLM plugin it runs through,
// vLLM-Ascend), `python3 -m sglang.launch_server` SGLang, `trtllm-serve` TensorRT-LLM. Before,
// the chip's default engine ran (cuda-graphs on an H100, vLLM-Ascend under an SGLang command on a
// 910C). --engine given wins; typed flags and the benchmark clients keep the chip's default.
TEST(FrameworkFlags, PastedServerRunsItsEngine) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"h100"};
  r.launched_by = "vllm serve";
  EXPECT_EQ(Resolved(r).engine, "vllm");
  r.chip = {"ascend-910b"};
  EXPECT_EQ(Resolved(r).engine, "vllm-ascend-0.13");
  r.launched_by = "python3 -m sglang.launch_server";
  EXPECT_EQ(Resolved(r).engine, "sglang");
  r.chip = {"b200"};
  r.launched_by = "trtllm-serve";
  EXPECT_EQ(Resolved(r).engine, "trtllm");
  r.engine = "vllm";
  EXPECT_EQ(Resolved(r).engine, "vllm");
  r.engine.clear();
  r.launched_by = "vllm bench serve";
  EXPECT_EQ(Resolved(r).engine, "");
  r.launched_by.clear();
  EXPECT_EQ(Resolved(r).engine, "");
  // Chips that run vLLM through different engines: each its own default.
  r.launched_by = "vllm";
  r.chip = {"h100", "ascend-910b"};
  r.compare = true;
  EXPECT_EQ(Resolved(r).engine, "");
}

// What a pasted benchmark leaves out is its own default (S3360, S3231): `vllm bench serve` draws
// 1,024 prompt and 128 output tokens; sglang.bench_serving --dataset-name random 1,024 and 1,024
// (with its range ratio 0: means (1 + 1024) / 2 = 512.5 and (0 + 1024) / 2 = 512), and without
// --dataset-name it runs ShareGPT: its mean lengths as vLLM's benchmark samples them, GPUStack's
// 1,000 prompts of 217,393 prompt and 201,847 output tokens (S3342), said with the answer.
// Typed (no benchmark): this tool's 1,024 / 256. Lengths given are kept, under any of their
// names.
TEST(FrameworkFlags, PastedBenchmarkRunsItsDefaults) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"h100"};
  r.launched_by = "vllm bench serve";
  InferRequest out = Resolved(r);
  EXPECT_DOUBLE_EQ(out.input_tokens, 1024);
  EXPECT_DOUBLE_EQ(out.output_tokens, 128);
  InferRequest given = r;
  ASSERT_TRUE(SetField(InferFields(), given, "random_output_len", FieldValue{2048.0}));
  EXPECT_DOUBLE_EQ(Resolved(given).output_tokens, 2048);
  InferRequest sglang = r;
  sglang.launched_by = "python3 -m sglang.bench_serving";
  out = Resolved(sglang);
  EXPECT_DOUBLE_EQ(out.input_tokens, 217.393);
  EXPECT_DOUBLE_EQ(out.output_tokens, 201.847);
  ASSERT_EQ(out.assumptions.size(), 1u);
  EXPECT_NE(out.assumptions[0].find("ShareGPT"), std::string::npos) << out.assumptions[0];
  // vllm bench serve --dataset-name sharegpt the same; --sharegpt-output-len sets the outputs.
  InferRequest vllm_sharegpt = r;
  ASSERT_TRUE(
      SetField(InferFields(), vllm_sharegpt, "dataset_name", FieldValue{std::string("sharegpt")}));
  ASSERT_TRUE(SetField(InferFields(), vllm_sharegpt, "sharegpt_output_len", FieldValue{256.0}));
  out = Resolved(vllm_sharegpt);
  EXPECT_DOUBLE_EQ(out.input_tokens, 217.393);
  EXPECT_DOUBLE_EQ(out.output_tokens, 256);
  ASSERT_TRUE(SetField(InferFields(), sglang, "dataset_name", FieldValue{std::string("random")}));
  out = Resolved(sglang);
  EXPECT_DOUBLE_EQ(out.input_tokens, 512.5);
  EXPECT_DOUBLE_EQ(out.output_tokens, 512);
  // A trace gives the lengths: no dataset needed.
  InferRequest traced = r;
  traced.launched_by = "sglang-bench";
  traced.requests_trace = "trace.csv";
  EXPECT_TRUE(ResolveFrameworkFlags(Cat(), traced, ""));
  InferRequest typed = r;
  typed.launched_by.clear();
  out = Resolved(typed);
  EXPECT_DOUBLE_EQ(out.input_tokens, 1024);
  EXPECT_DOUBLE_EQ(out.output_tokens, 256);
}

// vllm bench serve --random-prefix-len 512 --random-input-len 1024 (S3360): every prompt is the
// one 512-token prefix plus 1,024 random tokens, 1,536 in all, the prefix served from vLLM's
// prefix cache: a hit of 512 / 1,536 = 1/3. With --random-range-ratio 0.5 the random part spreads
// +-512 tokens, +-512 / 1,536 = 0.333333 of the longer mean. The cache off: no hit. With
// --prefix-cache-hit too: an error naming the flag.
TEST(FrameworkFlags, RandomPrefixIsASharedCachedPrefix) {
  InferRequest r;
  r.model = "qwen3-8b";
  r.chip = {"h100"};
  r.launched_by = "vllm-bench";
  ASSERT_TRUE(SetField(InferFields(), r, "random_input_len", FieldValue{1024.0}));
  ASSERT_TRUE(SetField(InferFields(), r, "random_prefix_len", FieldValue{512.0}));
  InferRequest out = Resolved(r);
  EXPECT_DOUBLE_EQ(out.input_tokens, 1536);
  EXPECT_DOUBLE_EQ(out.prefix_cache_hit, 1.0 / 3);
  InferRequest spread = r;
  spread.random_range_ratio = 0.5;
  EXPECT_EQ(Resolved(spread).input_dist, "uniform:0.333333");
  InferRequest off = r;
  off.no_prefix_cache = true;
  EXPECT_DOUBLE_EQ(Resolved(off).prefix_cache_hit, 0);
  InferRequest both = r;
  both.prefix_cache_hit = 0.5;
  EXPECT_NE(ErrorOf(both).find("random_prefix_len"), std::string::npos);
  InferRequest bad = r;
  bad.random_prefix_len = -1;
  EXPECT_NE(ErrorOf(bad).find("random_prefix_len"), std::string::npos);
}

// A pasted command's environment (VLLM_USE_DEEP_GEMM=1 vllm serve ...) is accepted and each
// variable listed as not modelled by name; ASCEND_RT_VISIBLE_DEVICES=0,1,2,3 arrives split at its
// commas and names one variable. trtllm-serve's --config is its --extra_llm_api_options file
// (TensorRT-LLM pull request 9104, S3361).
TEST(FrameworkFlags, PastedEnvironmentAndTrtllmConfig) {
  InferRequest r;
  ASSERT_TRUE(SetField(InferFields(), r, "env",
                       FieldValue{std::string("VLLM_USE_DEEP_GEMM=1,ASCEND_RT_VISIBLE_DEVICES=0,"
                                              "1,2,3")}));
  EXPECT_EQ(r.flags_not_modelled,
            (std::vector<std::string>{"ASCEND_RT_VISIBLE_DEVICES", "VLLM_USE_DEEP_GEMM"}));
  InferRequest t;
  ASSERT_TRUE(SetField(InferFields(), t, "config", FieldValue{std::string("max_throughput.yaml")}));
  EXPECT_EQ(t.extra_llm_api_options, "max_throughput.yaml");
}

// The benchmarks that start the engine in their own process run it at its defaults (tp 1) and
// send their requests as they do: `vllm bench latency` one batch of --batch-size 8 prompts of 32
// tokens, 128 out, prefix caching off (latency.py, S3571); sglang.bench_one_batch one static
// batch, 1 x 1,024 in, 16 out (S3573); `vllm bench throughput` every prompt at once, 1,000 of
// them, random prompts needing --input-len, 128 out (throughput.py, S3572), ShareGPT with a
// dataset file; sglang.bench_offline_throughput sglang.bench_serving's dataset (ShareGPT), all
// at once (S3574); `trtllm-bench latency` batch 1, one request at a time, chunking off,
// GUARANTEED_NO_EVICT (low_latency.py, S3575). Round 7 of the user's-eye audit: each was refused.
TEST(FrameworkFlags, InProcessBenchmarksRunTheirBatches) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"h100"};
  InferRequest latency = r;
  latency.launched_by = "vllm-bench-latency";
  InferRequest out = Resolved(latency);
  EXPECT_EQ(out.engine, "vllm");
  EXPECT_EQ(out.tp, 1);
  EXPECT_EQ(out.mode, "offline");
  EXPECT_EQ(out.requests, 8);
  EXPECT_DOUBLE_EQ(out.input_tokens, 32);
  EXPECT_DOUBLE_EQ(out.output_tokens, 128);
  EXPECT_TRUE(out.no_prefix_cache);
  // sglang.bench_one_batch as its docs run it: --batch 32 --input-len 256 --output-len 32.
  InferRequest one = r;
  one.launched_by = "python3 -m sglang.bench_one_batch";
  out = Resolved(one);
  EXPECT_EQ(out.engine, "sglang");
  EXPECT_EQ(out.requests, 1);
  EXPECT_DOUBLE_EQ(out.input_tokens, 1024);
  EXPECT_DOUBLE_EQ(out.output_tokens, 16);
  ASSERT_TRUE(SetField(InferFields(), one, "batch", FieldValue{32.0}));
  ASSERT_TRUE(SetField(InferFields(), one, "input_len", FieldValue{256.0}));
  ASSERT_TRUE(SetField(InferFields(), one, "output_len", FieldValue{32.0}));
  out = Resolved(one);
  EXPECT_EQ(out.requests, 32);
  EXPECT_DOUBLE_EQ(out.input_tokens, 256);
  EXPECT_DOUBLE_EQ(out.output_tokens, 32);
  // The analytic steady state takes the batch as its bound, not as a request count.
  one.mode = "analytic";
  out = Resolved(one);
  EXPECT_EQ(out.concurrency, 32);
  EXPECT_FALSE(out.requests);
  // vllm bench throughput: random prompts need --input-len; outputs 128 unless given.
  InferRequest throughput = r;
  throughput.launched_by = "vllm bench throughput";
  EXPECT_NE(ErrorOf(throughput).find("input_tokens"), std::string::npos);
  ASSERT_TRUE(SetField(InferFields(), throughput, "input_len", FieldValue{1024.0}));
  out = Resolved(throughput);
  EXPECT_EQ(out.mode, "offline");
  EXPECT_EQ(out.requests, 1000);
  EXPECT_DOUBLE_EQ(out.output_tokens, 128);
  // Under the analytic mode the prompt count is the run's length: set aside and said.
  InferRequest analytic = throughput;
  analytic.mode = "analytic";
  analytic.requests = 1000;
  out = Resolved(analytic);
  EXPECT_FALSE(out.requests);
  ASSERT_EQ(out.assumptions.size(), 1u);
  EXPECT_NE(out.assumptions[0].find("1000 prompts"), std::string::npos) << out.assumptions[0];
  InferRequest sharegpt = r;
  sharegpt.launched_by = "vllm-bench-throughput";
  sharegpt.dataset_path = "ShareGPT_V3_unfiltered_cleaned_split.json";
  out = Resolved(sharegpt);
  EXPECT_DOUBLE_EQ(out.input_tokens, 217.393);
  EXPECT_DOUBLE_EQ(out.output_tokens, 201.847);
  InferRequest offline = r;
  offline.launched_by = "python3 -m sglang.bench_offline_throughput";
  out = Resolved(offline);
  EXPECT_EQ(out.engine, "sglang");
  EXPECT_EQ(out.mode, "offline");
  EXPECT_DOUBLE_EQ(out.input_tokens, 217.393);
  // trtllm-bench latency: batch 1, one request at a time.
  InferRequest trt = r;
  trt.launched_by = "trtllm-bench-latency";
  out = Resolved(trt);
  EXPECT_EQ(out.engine, "trtllm");
  EXPECT_EQ(out.max_num_seqs, 1);
  EXPECT_EQ(out.concurrency, 1);
  EXPECT_TRUE(out.no_chunked_prefill);
  EXPECT_EQ(out.kv_admission, "reserve");
  trt.mode = "analytic";  // the simulator's admission has no meaning there
  EXPECT_TRUE(Resolved(trt).kv_admission.empty());
  trt.mode = "server";
  trt.max_num_seqs = 4;
  EXPECT_NE(ErrorOf(trt).find("max_num_seqs"), std::string::npos);
  // --batch-size means nothing to another command: an error naming it.
  InferRequest served = r;
  served.launched_by = "vllm";
  served.batch_size = 8;
  EXPECT_NE(ErrorOf(served).find("batch_size"), std::string::npos);
}

// SGLang's --disaggregation-mode prefill (or decode) is one side of a prefill/decode pair, whose
// output the pair makes: an error that says to size both with --disaggregate (round 7 of the
// user's-eye audit: "unknown flag"); null, SGLang's default, is an ordinary server.
TEST(FrameworkFlags, DisaggregationModeSaysToSizeThePair) {
  InferRequest r;
  EXPECT_TRUE(SetField(InferFields(), r, "disaggregation_mode", FieldValue{std::string("null")}));
  EXPECT_TRUE(
      SetField(InferFields(), r, "disaggregation_ib_device", FieldValue{std::string("mlx5_1")}));
  auto prefill =
      SetField(InferFields(), r, "disaggregation_mode", FieldValue{std::string("prefill")});
  ASSERT_FALSE(prefill);
  EXPECT_EQ(prefill.error().field, "disaggregation_mode");
  EXPECT_NE(prefill.error().message.find("--disaggregate"), std::string::npos);
  auto other = SetField(InferFields(), r, "disaggregation_mode", FieldValue{std::string("both")});
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("null, prefill or decode"), std::string::npos);
}

// vLLM's --kv-transfer-config as llm-d's prefill and decode pods and vLLM's NixlConnector guide
// (S3670) pass it: a KV transfer connector is one side of a prefill/decode pair, so the error
// says to size the pair (--disaggregate), as SGLang's --disaggregation-mode does; a producer or
// consumer role likewise; an offloading connector keeps one aggregated server (listed as not
// modelled). Dynamo's --is-prefill-worker (S3671) is the prefill side.
TEST(FrameworkFlags, KvTransferConnectorsSayToSizeThePair) {
  InferRequest r;
  const auto set = [&](const char* field, const std::string& v) {
    return SetField(InferFields(), r, field, FieldValue{v});
  };
  auto nixl = set("kv_transfer_config", R"({"kv_connector":"NixlConnector","kv_role":"kv_both"})");
  ASSERT_FALSE(nixl);
  EXPECT_EQ(nixl.error().field, "kv_transfer_config");
  EXPECT_NE(nixl.error().message.find("NixlConnector (kv_both)"), std::string::npos);
  EXPECT_NE(nixl.error().message.find("--disaggregate"), std::string::npos);
  auto producer =
      set("kv_transfer_config", R"({"kv_connector":"LMCacheConnectorV1","kv_role":"kv_producer"})");
  ASSERT_FALSE(producer);
  EXPECT_NE(producer.error().message.find("--disaggregate"), std::string::npos);
  EXPECT_TRUE(
      set("kv_transfer_config", R"({"kv_connector":"OffloadingConnector","kv_role":"kv_both"})"));
  EXPECT_EQ(r.flags_not_modelled, (std::vector<std::string>{"--kv-transfer-config"}));
  // Not JSON: where, as the HTTP body's error says it (line 1, column 17: the single quote).
  auto bad = set("kv_transfer_config", "{\"kv_connector\":'Nixl'}");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "kv_transfer_config");
  EXPECT_NE(bad.error().message.find("column 17"), std::string::npos) << bad.error().message;
  EXPECT_TRUE(SetField(InferFields(), r, "is_prefill_worker", FieldValue{false}));
  auto prefill = SetField(InferFields(), r, "is_prefill_worker", FieldValue{true});
  ASSERT_FALSE(prefill);
  EXPECT_NE(prefill.error().message.find("--disaggregate"), std::string::npos);
  EXPECT_FALSE(SetField(InferFields(), r, "is_decode_worker", FieldValue{true}));
}

// NVIDIA Dynamo's workers run the engines with their own argument parsers (S3671): a pasted
// `python3 -m dynamo.sglang ...` is SGLang's server, `dynamo.vllm` vLLM's, `dynamo.trtllm`
// TensorRT-LLM's, as `python3 -m sglang.launch_server` and `vllm serve` are.
TEST(FrameworkFlags, DynamoWorkersAreTheirEngines) {
  InferRequest r;
  r.model = "llama-3.1-8b";
  r.chip = {"h100"};
  r.launched_by = "dynamo.sglang";
  EXPECT_EQ(Resolved(r).engine, "sglang");
  r.launched_by = "python3 -m dynamo.vllm";
  EXPECT_EQ(Resolved(r).engine, "vllm");
  r.launched_by = "dynamo.trtllm";
  EXPECT_EQ(Resolved(r).engine, "trtllm");
  for (const char* f : {"migration_limit", "dyn_tool_call_parser", "dyn_reasoning_parser"}) {
    EXPECT_TRUE(SetField(InferFields(), r, f, FieldValue{std::string("3")})) << f;
  }
  EXPECT_TRUE(r.flags_not_modelled.empty());
}

}  // namespace
}  // namespace suanli::app::internal
