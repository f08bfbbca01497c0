// The kube-scheduler extender with payloads shaped as kube-scheduler sends them
// (k8s.io/kube-scheduler/extender/v1: Go field names, no json tags), in both shapes: the full
// NodeList, and NodeNames when the extender is registered nodeCacheCapable.
#include "server/extender.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "app/engine.h"
#include "testing.h"

namespace suanli::server {
namespace {

using nlohmann::json;

const app::Engine& TheEngine() {
  static const app::Engine e = *app::Engine::Open({});
  return e;
}

json NodeObject(const std::string& name, const std::string& product, const std::string& resource,
                int count) {
  json labels = json::object();
  if (!product.empty()) labels["nvidia.com/gpu.product"] = product;
  return {
      {"metadata", {{"name", name}, {"labels", labels}}},
      {"spec", json::object()},
      {"status",
       {{"allocatable", {{"cpu", "96"}, {"memory", "1000Gi"}, {resource, std::to_string(count)}}},
        {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
}

// kube-scheduler marshals a v1.Pod without TypeMeta.
json PodObject(int gpus, const std::string& model = "", json annotations = json::object(),
               json command = nullptr) {
  json meta = {
      {"name", "trainer-0"}, {"namespace", "llm"}, {"uid", "6c1f0000-0000-4000-8000-00000000abcd"}};
  if (!model.empty()) annotations["suanli.io/model"] = model;
  if (!annotations.empty()) meta["annotations"] = annotations;
  json container = {{"name", "t"},
                    {"resources", {{"limits", {{"nvidia.com/gpu", std::to_string(gpus)}}}}}};
  if (!command.is_null()) container["command"] = command;
  return {{"metadata", meta},
          {"spec", {{"containers", json::array({container})}}},
          {"status", {{"phase", "Pending"}}}};
}

json FourNodes() {
  return {{"metadata", json::object()},
          {"items", json::array({NodeObject("h800-a", "NVIDIA-H800", "nvidia.com/gpu", 8),
                                 NodeObject("h100-a", "NVIDIA-H100-80GB-HBM3", "nvidia.com/gpu", 8),
                                 NodeObject("a100-a", "NVIDIA-A100-SXM4-80GB", "nvidia.com/gpu", 8),
                                 NodeObject("npu-a", "", "huawei.com/Ascend910B3", 8)})}};
}

std::map<std::string, long> Scores(const ApiResponse& r) {
  std::map<std::string, long> out;
  for (const auto& h : json::parse(r.body)) out[h["Host"]] = h["Score"];
  return out;
}

TEST(Extender, PrioritizeScoresByPeakWithoutAModel) {
  const json args = {{"Pod", PodObject(8)}, {"Nodes", FourNodes()}, {"NodeNames", nullptr}};
  auto r = HandleExtender(TheEngine(), nullptr, "prioritize", args.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const auto s = Scores(r);
  // bf16 peaks from the catalog: H800 989, H100 989, A100 312 TFLOPS. 10 x 312/989 = 3.15 -> 3.
  EXPECT_EQ(s.at("h800-a"), 10);
  EXPECT_EQ(s.at("h100-a"), 10);
  EXPECT_EQ(s.at("a100-a"), 3);
  // The Ascend node has no nvidia.com/gpu: 0. Every input node gets a score.
  EXPECT_EQ(s.at("npu-a"), 0);
  EXPECT_EQ(s.size(), 4u);
}

TEST(Extender, PrioritizeByTheModelsTrainingSpeed) {
  const json args = {{"Pod", PodObject(8, "llama-3-8b")}, {"Nodes", FourNodes()}};
  auto r = HandleExtender(TheEngine(), nullptr, "prioritize", args.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const auto s = Scores(r);
  // The training model's tokens/s: Hopper well ahead of the A100, and one Hopper the fastest.
  EXPECT_EQ(std::max(s.at("h800-a"), s.at("h100-a")), 10);
  EXPECT_GT(s.at("h800-a"), s.at("a100-a"));
  EXPECT_GT(s.at("a100-a"), 0);
  EXPECT_EQ(s.at("npu-a"), 0);
}

TEST(Extender, FilterWithFullNodesDropsOnlyWhatCannotRun) {
  // 405B on one 80 GB GPU, the pod being the whole job (suanli.io/chips: 1), fits nowhere:
  // every NVIDIA node fails with suanli's reason; the NPU node fails for its resource.
  const json args = {{"Pod", PodObject(1, "llama-3-405b", {{"suanli.io/chips", "1"}})},
                     {"Nodes", FourNodes()}};
  auto r = HandleExtender(TheEngine(), nullptr, "filter", args.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = json::parse(r.body);
  EXPECT_EQ(j["Error"], "");
  EXPECT_TRUE(j["NodeNames"].is_null());
  EXPECT_EQ(j["Nodes"]["items"].size(), 0u);
  EXPECT_EQ(j["FailedNodes"].size(), 4u);
  EXPECT_NE(j["FailedNodes"]["a100-a"].get<std::string>().find("suanli:"), std::string::npos);
  EXPECT_NE(j["FailedNodes"]["npu-a"].get<std::string>().find("no nvidia.com/gpu"),
            std::string::npos);
  // A job that fits: the NVIDIA nodes pass, returned as the objects that came in.
  const json ok_args = {{"Pod", PodObject(8, "llama-3-8b")}, {"Nodes", FourNodes()}};
  const json ok = json::parse(HandleExtender(TheEngine(), nullptr, "filter", ok_args.dump()).body);
  ASSERT_EQ(ok["Nodes"]["items"].size(), 3u);
  EXPECT_EQ(ok["Nodes"]["items"][0], FourNodes()["items"][0]);
  EXPECT_EQ(ok["FailedNodes"].size(), 1u);
}

TEST(Extender, APodOfALargerTrainingJobIsNotRefusedForMemory) {
  // Llama 3 405B trained on 16,384 H100 (Meta, The Llama 3 Herd of Models), one pod of 8 a node
  // (a PyTorchJob worker): 405B x 18 bytes of bf16 weights, fp32 grads, main weights and Adam =
  // 7.3 TB, which 8 x 80 GB cannot hold whatever the layout, but the job's 16,384 can. Without
  // suanli.io/chips the pod's 8 are not the job's: no node is dropped, the types rank by peak.
  const json args = {{"Pod", PodObject(8, "llama-3-405b")}, {"Nodes", FourNodes()}};
  auto f = HandleExtender(TheEngine(), nullptr, "filter", args.dump());
  ASSERT_EQ(f.status, 200) << f.body;
  const json j = json::parse(f.body);
  EXPECT_EQ(j["Nodes"]["items"].size(), 3u) << f.body;
  EXPECT_EQ(j["FailedNodes"].size(), 1u);  // the NPU node: no nvidia.com/gpu
  const auto s = Scores(HandleExtender(TheEngine(), nullptr, "prioritize", args.dump()));
  // bf16 peaks: H800 989, H100 989, A100 312 TFLOPS (10 x 312/989 = 3.2 -> 3).
  EXPECT_EQ(s.at("h800-a"), 10);
  EXPECT_EQ(s.at("a100-a"), 3);
  // Annotated as the whole job on 8, the same pod fits nowhere.
  const json whole = {{"Pod", PodObject(8, "llama-3-405b", {{"suanli.io/chips", "8"}})},
                      {"Nodes", FourNodes()}};
  const json w = json::parse(HandleExtender(TheEngine(), nullptr, "filter", whole.dump()).body);
  EXPECT_EQ(w["Nodes"]["items"].size(), 0u);
  EXPECT_EQ(w["FailedNodes"].size(), 4u);
}

json ServingNodes() {
  return {{"items", json::array({NodeObject("h20-a", "NVIDIA-H20", "nvidia.com/gpu", 8),
                                 NodeObject("h200-a", "NVIDIA-H200", "nvidia.com/gpu", 8),
                                 NodeObject("h800-a", "NVIDIA-H800", "nvidia.com/gpu", 8),
                                 NodeObject("l20-a", "NVIDIA-L20", "nvidia.com/gpu", 8)})}};
}

TEST(Extender, AServingPodIsJudgedAsServingNotTraining) {
  // DeepSeek-R1 in FP8 served on one node of 8 H20 (Ant Group's SGLang runs; SGLang's R1 docs:
  // 8 x H200, or 2 nodes of 8 H20/H800). The pod runs vLLM's server, so it is served, not
  // trained: R1's 671B FP8 weights (~642 GiB, ~80 GiB a GPU over 8) fit 8 x 96 GB H20 and 8 x
  // 141 GB H200, not 8 x 80 GB H800 (74 GiB free each) nor 8 x 48 GB L20. As training the pod
  // failed on every node (1.4 TB of state on 8 GPUs).
  const json cmd =
      json::array({"/bin/sh", "-c", "vllm serve deepseek-ai/DeepSeek-R1 --tensor-parallel-size 8"});
  const json annotations = {{"suanli.io/dtype", "fp8"}, {"suanli.io/chips", "8"}};
  const json args = {{"Pod", PodObject(8, "deepseek-r1", annotations, cmd)},
                     {"Nodes", ServingNodes()}};
  auto f = HandleExtender(TheEngine(), nullptr, "filter", args.dump());
  ASSERT_EQ(f.status, 200) << f.body;
  const json j = json::parse(f.body);
  ASSERT_EQ(j["Nodes"]["items"].size(), 2u) << f.body;
  EXPECT_EQ(j["Nodes"]["items"][0]["metadata"]["name"], "h20-a");
  EXPECT_EQ(j["Nodes"]["items"][1]["metadata"]["name"], "h200-a");
  EXPECT_NE(j["FailedNodes"]["h800-a"].get<std::string>().find("weights do not fit"),
            std::string::npos)
      << f.body;
  EXPECT_TRUE(j["FailedNodes"].contains("l20-a"));
  // Prioritize: output tokens/s per chip; H200 (4.8 TB/s, 989 TFLOPS) serves well ahead of H20
  // (4.0 TB/s, 148 TFLOPS).
  const auto s = Scores(HandleExtender(TheEngine(), nullptr, "prioritize", args.dump()));
  EXPECT_EQ(s.at("h200-a"), 10);
  EXPECT_GT(s.at("h20-a"), 0);
  EXPECT_LT(s.at("h20-a"), 10);
  EXPECT_EQ(s.at("h800-a"), 0);
  // The annotation says so too, and the python -m spelling of SGLang's server.
  for (const json& pod :
       {PodObject(
            8, "deepseek-r1",
            {{"suanli.io/dtype", "fp8"}, {"suanli.io/chips", "8"}, {"suanli.io/job", "infer"}}),
        PodObject(8, "deepseek-r1", annotations,
                  json::array({"python3", "-m", "sglang.launch_server", "--tp", "8"}))}) {
    const json a = {{"Pod", pod}, {"Nodes", ServingNodes()}};
    const json r = json::parse(HandleExtender(TheEngine(), nullptr, "filter", a.dump()).body);
    EXPECT_EQ(r["Nodes"]["items"].size(), 2u) << r.dump();
  }
  // Without suanli.io/chips (an instance may span two nodes of 8: SGLang's --nnodes 2), memory
  // rules out no node.
  const json spans = {{"Pod", PodObject(8, "deepseek-r1", {{"suanli.io/dtype", "fp8"}}, cmd)},
                      {"Nodes", ServingNodes()}};
  const json sp = json::parse(HandleExtender(TheEngine(), nullptr, "filter", spans.dump()).body);
  EXPECT_EQ(sp["Nodes"]["items"].size(), 4u) << sp.dump();
  // Ranked by what decode runs at, the HBM bandwidth (the weights and KV read once a step), not
  // the peak: H200 4.8 TB/s, H20 4.0, H800 3.35, L20 0.864 (NVIDIA's sheets), so the H20 pod
  // comes before the H800's although its BF16 peak is 148 TFLOPS to 989: 10 x 4.0 / 4.8 = 8.3,
  // 10 x 3.35 / 4.8 = 7.0, 10 x 0.864 / 4.8 = 1.8.
  const auto by_bw = Scores(HandleExtender(TheEngine(), nullptr, "prioritize", spans.dump()));
  EXPECT_EQ(by_bw.at("h200-a"), 10);
  EXPECT_GT(by_bw.at("h20-a"), by_bw.at("h800-a"));
  EXPECT_GE(by_bw.at("h20-a"), 8);
  EXPECT_LE(by_bw.at("h20-a"), 9);
  EXPECT_GE(by_bw.at("h800-a"), 6);
  EXPECT_LE(by_bw.at("h800-a"), 7);
  EXPECT_GT(by_bw.at("h800-a"), by_bw.at("l20-a"));
}

// A mixed fleet (H20 + Ascend 910C, China's two serving parts): a pod asking nvidia.com/gpu can
// use only the NVIDIA nodes, and the fastest of those scores 10 (MaxExtenderPriority). The 910C
// serves Qwen3-235B faster per chip than an H800, and set the scale: H800 6, H20 4.
TEST(Extender, TheFastestNodeThePodCanUseScoresTen) {
  const json nodes = {
      {"items", json::array({NodeObject("h20-a", "NVIDIA-H20", "nvidia.com/gpu", 8),
                             NodeObject("h800-a", "NVIDIA-H800", "nvidia.com/gpu", 8),
                             NodeObject("npu-a", "", "huawei.com/Ascend910C", 16)})}};
  const json args = {
      {"Pod", PodObject(8, "Qwen/Qwen3-235B-A22B-Instruct-2507", {{"suanli.io/chips", "8"}},
                        json::array({"vllm", "serve", "Qwen/Qwen3-235B-A22B-Instruct-2507",
                                     "--tensor-parallel-size", "8"}))},
      {"Nodes", nodes}};
  const auto s = Scores(HandleExtender(TheEngine(), nullptr, "prioritize", args.dump()));
  EXPECT_EQ(std::max(s.at("h20-a"), s.at("h800-a")), 10);
  EXPECT_GT(s.at("h20-a"), 0);
  EXPECT_EQ(s.at("npu-a"), 0);
  // The same pod with no suanli.io/model: its command names the model it serves, so it is
  // scored as that job, not by the bf16 peak (H20 10 x 148/989 = 1.5 -> 1 against H800 10).
  // SGLang's --model-path and the `sh -c` spelling likewise.
  for (const json& cmd :
       {json::array({"vllm", "serve", "Qwen/Qwen3-235B-A22B-Instruct-2507", "-tp", "8"}),
        json::array({"python3", "-m", "sglang.launch_server", "--model-path",
                     "Qwen/Qwen3-235B-A22B-Instruct-2507", "--tp", "8"}),
        json::array({"/bin/sh", "-c",
                     "exec vllm serve 'Qwen/Qwen3-235B-A22B-Instruct-2507' --port 8000"})}) {
    const json unannotated = {{"Pod", PodObject(8, "", {{"suanli.io/chips", "8"}}, cmd)},
                              {"Nodes", nodes}};
    EXPECT_EQ(Scores(HandleExtender(TheEngine(), nullptr, "prioritize", unannotated.dump())), s)
        << cmd.dump();
  }
  // A model the catalog lacks leaves the peaks, and schedules.
  const json unknown = {
      {"Pod",
       PodObject(8, "", json::object(), json::array({"vllm", "serve", "my-org/private-model-7b"}))},
      {"Nodes", nodes}};
  const auto by_peak = Scores(HandleExtender(TheEngine(), nullptr, "prioritize", unknown.dump()));
  EXPECT_EQ(by_peak.at("h800-a"), 10);
  EXPECT_EQ(by_peak.at("h20-a"), 1);
}

// A training pod with no suanli.io/model is ranked by the model its command trains, as a serving
// pod is by the model it serves (audit round 12: a LLaMA-Factory / HF Trainer pod ranked by the
// bf16 peak). The Hugging Face Trainer's --model_name_or_path, LLaMA-Factory's CLI form,
// Megatron's Hugging Face --tokenizer-model and MindSpeed-LLM's --tokenizer-name-or-path folder.
TEST(Extender, ATrainingPodIsRankedByTheModelItsCommandTrains) {
  const auto scores = [](const json& pod) {
    const json args = {{"Pod", pod}, {"Nodes", FourNodes()}};
    return Scores(HandleExtender(TheEngine(), nullptr, "prioritize", args.dump()));
  };
  const auto annotated = scores(PodObject(8, "llama-3-8b"));
  // The peaks rank the A100 10 x 312/989 = 3 (PrioritizeScoresByPeakWithoutAModel); the model's
  // training speed ranks it otherwise, so an unread command shows.
  ASSERT_NE(annotated, scores(PodObject(8)));
  for (const json& cmd :
       {json::array({"torchrun", "--nproc_per_node", "8", "run_clm.py", "--model_name_or_path",
                     "meta-llama/Meta-Llama-3-8B", "--bf16"}),
        json::array({"llamafactory-cli", "train", "--model_name_or_path=meta-llama/Meta-Llama-3-8B",
                     "--stage", "sft"}),
        json::array({"/bin/sh", "-c",
                     "torchrun pretrain_gpt.py --tokenizer-type HuggingFaceTokenizer "
                     "--tokenizer-model meta-llama/Meta-Llama-3-8B --num-layers 32"}),
        json::array({"bash", "-c",
                     "torchrun pretrain_gpt.py --tokenizer-type PretrainedFromHF "
                     "--tokenizer-name-or-path ./model_from_hf/Meta-Llama-3-8B/"})}) {
    EXPECT_EQ(scores(PodObject(8, "", json::object(), cmd)), annotated) << cmd.dump();
  }
  // A model the catalog lacks leaves the peaks.
  EXPECT_EQ(scores(PodObject(8, "", json::object(),
                             json::array({"python", "train.py", "--model_name_or_path",
                                          "/data/my-private-model"}))),
            scores(PodObject(8)));
}

// Two training commands that name their model only in ways `suanli train` reads: LLaMA-Factory's
// key=value overrides after its YAML file (hparams/parser.py read_args: OmegaConf.from_cli of the
// words after the file, S4160), and a Megatron line with no Hugging Face tokenizer, whose shape
// flags are Llama 2 7B's (32 layers, 4,096 wide, 32 heads, MLP 11,008) and no other catalog
// model's. Both score as the annotated pod; a shape two catalog models share leaves the peaks.
TEST(Extender, ATrainingPodsModelFromItsOverridesOrItsShape) {
  const auto scores = [](const json& pod) {
    const json args = {{"Pod", pod}, {"Nodes", FourNodes()}};
    return Scores(HandleExtender(TheEngine(), nullptr, "prioritize", args.dump()));
  };
  const auto peaks = scores(PodObject(8));
  const auto llama3 = scores(PodObject(8, "llama-3-8b"));
  const auto llama2 = scores(PodObject(8, "llama-2-7b"));
  ASSERT_NE(llama3, peaks);
  ASSERT_NE(llama2, peaks);
  EXPECT_EQ(scores(PodObject(8, "", json::object(),
                             json::array({"llamafactory-cli", "train", "llama3_lora_sft.yaml",
                                          "model_name_or_path=meta-llama/Meta-Llama-3-8B"}))),
            llama3);
  const std::string megatron =
      "torchrun --nproc_per_node 8 pretrain_gpt.py --tensor-model-parallel-size 2 "
      "--num-layers 32 --hidden-size 4096 --num-attention-heads 32 --seq-length 4096 "
      "--max-position-embeddings 4096 --tokenizer-type Llama2Tokenizer ";
  EXPECT_EQ(scores(PodObject(8, "", json::object(),
                             json::array({"bash", "-c", megatron + "--ffn-hidden-size 11008"}))),
            llama2);
  // A fine-tuning or pre-training job is a training job (suanli.io/job: sft, finetune, ...), not
  // an unknown kind ranked by the peaks.
  for (const char* kind : {"sft", "finetune", "fine-tuning", "pretrain"}) {
    EXPECT_EQ(scores(PodObject(8, "llama-3-8b", json{{"suanli.io/job", kind}})), llama3) << kind;
  }
  // Llama 3 8B's shape is Mistral 7B v0.3's too (they differ in the vocabulary): the peaks.
  EXPECT_EQ(scores(PodObject(8, "", json::object(),
                             json::array({"bash", "-c",
                                          megatron + "--ffn-hidden-size 14336 "
                                                     "--group-query-attention "
                                                     "--num-query-groups 8"}))),
            peaks);
}

TEST(Extender, NodeNamesFromTheSnapshotAndLegacyLowerCaseKeys) {
  sim::KubeCluster snapshot;
  const std::string path = std::string(SUANLI_TEST_DATA_DIR) + "/sim/kube/nodes_pods.json";
  ASSERT_TRUE(sim::ReadKubeObjects(testing::FileText(path), path, &snapshot));
  // Legacy spelling (pkg/scheduler/api/v1): pod, nodenames. Unknown names pass (advisory).
  const json args = {{"pod", PodObject(8)},
                     {"nodes", nullptr},
                     {"nodenames", {"gpu-h800-0", "npu-910b-0", "hami-a100-0", "not-in-snapshot"}}};
  auto f = HandleExtender(TheEngine(), &snapshot, "filter", args.dump());
  ASSERT_EQ(f.status, 200) << f.body;
  const json j = json::parse(f.body);
  EXPECT_TRUE(j["Nodes"].is_null());
  EXPECT_EQ(j["NodeNames"], json({"gpu-h800-0", "hami-a100-0", "not-in-snapshot"}));
  EXPECT_TRUE(j["FailedNodes"].contains("npu-910b-0"));
  auto p = HandleExtender(TheEngine(), &snapshot, "prioritize", args.dump());
  const auto s = Scores(p);
  EXPECT_EQ(s.at("gpu-h800-0"), 10);
  EXPECT_EQ(s.at("hami-a100-0"), 3);
  EXPECT_EQ(s.at("npu-910b-0"), 0);
  EXPECT_EQ(s.at("not-in-snapshot"), 0);
}

TEST(Extender, BadArgsAre400NotACrash) {
  for (const std::string body :
       {"", "[]", "{}", R"({"Pod": 3, "NodeNames": []})", R"({"Pod": {}, "NodeNames": [1]})",
        R"({"Pod": {}, "Nodes": {"items": 3}})",
        // A node item that is no object threw from operator[] (a 500); a pod's unschedulable
        // node and a container list that is no list threw or were misread (audit round 16).
        R"({"Pod": {"spec": {"containers": [{"resources": {"limits": {"nvidia.com/gpu": "1"}}}]}},
            "Nodes": {"items": [true]}})",
        R"({"Pod": {"spec": {"containers": "x"}}, "NodeNames": ["a"]})",
        R"({"Pod": {}, "Nodes": {"items": [{"metadata": {"name": "n"},
            "spec": {"unschedulable": "yes"}}]}})"}) {
    auto r = HandleExtender(TheEngine(), nullptr, "filter", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
  }
  // A wrong model annotation does not block scheduling: scores fall back to peaks.
  const json args = {{"Pod", PodObject(8, "no-such-model")}, {"Nodes", FourNodes()}};
  auto r = HandleExtender(TheEngine(), nullptr, "prioritize", args.dump());
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Scores(r).at("a100-a"), 3);
}

// Kubernetes expands $(VAR) in a container's command and args from its env (S4261): a Helm
// chart's `vllm serve $(MODEL)` or `--model_name_or_path $(MODEL_NAME)` names its model, and the
// pod scores as the one that names it outright (audit round 14: both ranked by the peaks).
// $$(VAR) is the text $(VAR), and a variable from a secret (valueFrom) is not known: the peaks.
TEST(Extender, AModelInTheContainersEnvIsTheCommandsModel) {
  const auto scores = [](const json& pod) {
    const json args = {{"Pod", pod}, {"Nodes", FourNodes()}};
    return Scores(HandleExtender(TheEngine(), nullptr, "prioritize", args.dump()));
  };
  auto with_env = [](json pod, json env) {
    pod["spec"]["containers"][0]["env"] = std::move(env);
    return pod;
  };
  const auto peaks = scores(PodObject(8));
  const auto trained =
      scores(PodObject(8, "", json::object(),
                       json::array({"torchrun", "--nproc_per_node", "8", "train.py",
                                    "--model_name_or_path", "meta-llama/Meta-Llama-3-8B"})));
  ASSERT_NE(trained, peaks);
  const json from_env = json::array({"torchrun", "--nproc_per_node", "8", "train.py",
                                     "--model_name_or_path", "$(ORG)/$(MODEL_NAME)"});
  // ORG from a literal, MODEL_NAME from a value that uses a variable defined before it.
  EXPECT_EQ(scores(with_env(PodObject(8, "", json::object(), from_env),
                            json::array({{{"name", "ORG"}, {"value", "meta-llama"}},
                                         {{"name", "BASE"}, {"value", "Meta-Llama-3"}},
                                         {{"name", "MODEL_NAME"}, {"value", "$(BASE)-8B"}}}))),
            trained);
  EXPECT_EQ(scores(with_env(PodObject(8, "", json::object(), from_env),
                            json::array({{{"name", "ORG"}, {"value", "meta-llama"}},
                                         {{"name", "MODEL_NAME"},
                                          {"valueFrom", {{"secretKeyRef", {{"name", "m"}}}}}}}))),
            peaks);
  const json escaped = json::array({"torchrun", "train.py", "--model_name_or_path", "$$(M)"});
  EXPECT_EQ(
      scores(with_env(PodObject(8, "", json::object(), escaped),
                      json::array({{{"name", "M"}, {"value", "meta-llama/Meta-Llama-3-8B"}}}))),
      peaks);
  // A serving pod likewise: `vllm serve $(MODEL)` as `vllm serve Qwen/Qwen3-32B`.
  const auto served =
      scores(PodObject(8, "", json::object(), json::array({"vllm", "serve", "Qwen/Qwen3-32B"})));
  ASSERT_NE(served, peaks);
  EXPECT_EQ(
      scores(with_env(PodObject(8, "", json::object(), json::array({"vllm", "serve", "$(MODEL)"})),
                      json::array({{{"name", "MODEL"}, {"value", "Qwen/Qwen3-32B"}}}))),
      served);
}

// A shell's $VAR in `sh -c "..."`: the shell expands it from its environment, which is the
// container's env (S4361, S4362), after Kubernetes has expanded $(VAR) (S4261). So
// `sh -c "vllm serve $MODEL"` serves the env's model, as the literal pod does; single quotes, a
// variable from a secret, and a command run without a shell keep the text, and the peaks decide.
TEST(Extender, AShellScriptsVariableIsTheContainersEnv) {
  const auto scores = [](const json& pod) {
    const json args = {{"Pod", pod}, {"Nodes", FourNodes()}};
    return Scores(HandleExtender(TheEngine(), nullptr, "prioritize", args.dump()));
  };
  auto with_env = [](json pod, json env) {
    pod["spec"]["containers"][0]["env"] = std::move(env);
    return pod;
  };
  const json model = json::array({{{"name", "MODEL"}, {"value", "Qwen/Qwen3-32B"}}});
  const auto peaks = scores(PodObject(8));
  const auto served =
      scores(PodObject(8, "", json::object(), json::array({"vllm", "serve", "Qwen/Qwen3-32B"})));
  ASSERT_NE(served, peaks);
  for (const json& command : {
           json::array({"sh", "-c", "vllm serve $MODEL --tensor-parallel-size 8"}),
           json::array({"/bin/bash", "-lc", "ray start --head & vllm serve \"${MODEL}\" -tp 8"}),
           json::array({"/bin/sh", "-ec", "exec vllm serve $MODEL"}),
       }) {
    EXPECT_EQ(scores(with_env(PodObject(8, "", json::object(), command), model)), served)
        << command.dump();
  }
  // The script in args, the shell in command.
  json split = with_env(PodObject(8, "", json::object(), json::array({"/bin/sh"})), model);
  split["spec"]["containers"][0]["args"] = json::array({"-c", "vllm serve $MODEL"});
  EXPECT_EQ(scores(split), served);
  for (const json& command : {
           json::array({"sh", "-c", "vllm serve '$MODEL'"}),     // single quotes: literal
           json::array({"vllm", "serve", "$MODEL"}),             // no shell: vLLM gets $MODEL
           json::array({"sh", "-c", "vllm serve $MODEL_NAME"}),  // not in the env
           json::array({"sh", "-c", "vllm serve \\$MODEL"}),     // escaped
       }) {
    EXPECT_EQ(scores(with_env(PodObject(8, "", json::object(), command), model)), peaks)
        << command.dump();
  }
  EXPECT_EQ(
      scores(with_env(
          PodObject(8, "", json::object(), json::array({"sh", "-c", "vllm serve $MODEL"})),
          json::array({{{"name", "MODEL"}, {"valueFrom", {{"secretKeyRef", {{"name", "m"}}}}}}}))),
      peaks);
}

}  // namespace
}  // namespace suanli::server
