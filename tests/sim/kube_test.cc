// Cluster state from Kubernetes objects shaped as the projects document them; counts by hand.
#include "sim/engine/kube.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "testing.h"

namespace suanli::sim {
namespace {

KubeCluster Fixtures() {
  KubeCluster c;
  for (const char* f : {"nodes_pods.json", "kueue.json", "dra.json"}) {
    const std::string path = std::string(SUANLI_TEST_DATA_DIR) + "/sim/kube/" + f;
    auto ok = ReadKubeObjects(testing::FileText(path), path, &c);
    EXPECT_TRUE(ok) << ok.error().ToString();
  }
  return c;
}

const KubeNode& NodeNamed(const KubeCluster& c, const std::string& name) {
  for (const auto& n : c.nodes) {
    if (n.name == name) return n;
  }
  ADD_FAILURE() << "no node " << name;
  static const KubeNode none;
  return none;
}

TEST(Kube, NodesAndTheirAccelerators) {
  const KubeCluster c = Fixtures();
  // 5 Nodes in the List and 1 from the DRA ResourceSlice.
  ASSERT_EQ(c.nodes.size(), 6u);
  const auto& h800 = NodeNamed(c, "gpu-h800-0");
  EXPECT_EQ(h800.gpu_type, "NVIDIA-H800");
  EXPECT_EQ(h800.resource, "nvidia.com/gpu");
  EXPECT_EQ(h800.gpus, 8);
  EXPECT_EQ(h800.cpu_milli, 190'000);
  EXPECT_EQ(h800.memory_mib, 2014679);  // 2063030800 Ki / 1024 = 2014678.5 MiB, rounded
  EXPECT_FALSE(NodeNamed(c, "gpu-h800-1").schedulable);  // cordoned
  const auto& npu = NodeNamed(c, "npu-910b-0");
  EXPECT_EQ(npu.gpu_type, "Ascend910B3");  // from the resource name
  EXPECT_EQ(npu.gpus, 8);                  // the -memory resource is not a card
  // HAMi advertises nvidia.com/gpu: 40 (4 devices x 10 splits); the annotation lists 4.
  const auto& hami = NodeNamed(c, "hami-a100-0");
  EXPECT_EQ(hami.gpus, 4);
  EXPECT_EQ(hami.source, "hami");
  EXPECT_EQ(hami.gpu_type, "NVIDIA-A100-SXM4-80GB");
  EXPECT_EQ(NodeNamed(c, "cpu-0").gpus, 0);
  // DRA: two GPUs, the MIG device is not a whole GPU.
  const auto& dra = NodeNamed(c, "dra-h100-0");
  EXPECT_EQ(dra.gpus, 2);
  EXPECT_EQ(dra.gpu_type, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(dra.source, "dra");
}

TEST(Kube, PodsAndFreeAccelerators) {
  const KubeCluster c = Fixtures();
  // 7 pods listed; the Succeeded one is gone.
  EXPECT_EQ(c.pods.size(), 5u);
  // H800 node 0: 8 - 8 (pretrain-0; eval-old finished) = 0 free.
  EXPECT_EQ(KubeFreeMilli(c, NodeNamed(c, "gpu-h800-0")), 0);
  // 910B node: 8 - 4 = 4 free.
  EXPECT_EQ(KubeFreeMilli(c, NodeNamed(c, "npu-910b-0")), 4000);
  // HAMi: gpucores 30 % of one GPU: 4000 - 300 = 3700.
  EXPECT_EQ(KubeFreeMilli(c, NodeNamed(c, "hami-a100-0")), 3700);
  for (const auto& p : c.pods) {
    if (p.name == "finetune-3") {
      EXPECT_TRUE(p.node.empty());
      EXPECT_EQ(p.gpus, 4);
      EXPECT_EQ(p.wanted_type, "NVIDIA-H800");
    }
    if (p.name == "pretrain-0") {
      EXPECT_EQ(p.annotations.at("suanli.io/model"), "llama-3-70b");
    }
  }
  // Simulator nodes: ready, schedulable nodes with accelerators (the cordoned one is not).
  const auto sim_nodes = KubeSimNodes(c);
  int gpus = 0;
  for (const auto& n : sim_nodes) gpus += n.gpus;
  EXPECT_EQ(sim_nodes.size(), 4u);
  EXPECT_EQ(gpus, 8 + 8 + 4 + 2);
}

TEST(Kube, KueueQuotasPerGpuType) {
  const KubeCluster c = Fixtures();
  // cpu and memory quotas are not accelerators: 2 quota rows.
  ASSERT_EQ(c.quotas.size(), 2u);
  EXPECT_EQ(c.quotas[0].cluster_queue, "llm-training");
  EXPECT_EQ(c.quotas[0].flavor, "h800");
  EXPECT_EQ(c.quotas[0].gpu_type, "NVIDIA-H800");  // the flavor's node label
  EXPECT_EQ(c.quotas[0].nominal, 16);
  EXPECT_EQ(c.quotas[1].gpu_type, "Ascend910B3");  // the resource names the card
  EXPECT_EQ(c.quotas[1].nominal, 8);               // "8" as a string quantity
}

TEST(Kube, Quantities) {
  EXPECT_DOUBLE_EQ(*ParseKubeQuantity("8"), 8);
  EXPECT_DOUBLE_EQ(*ParseKubeQuantity("500m"), 0.5);
  EXPECT_DOUBLE_EQ(*ParseKubeQuantity("64Gi"), 64.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*ParseKubeQuantity("1.5k"), 1500);
  EXPECT_DOUBLE_EQ(*ParseKubeQuantity("2e3"), 2000);
  EXPECT_FALSE(ParseKubeQuantity("eight"));
  EXPECT_FALSE(ParseKubeQuantity("-1"));
  EXPECT_FALSE(ParseKubeQuantity(""));
}

TEST(Kube, BadInputNamesTheFileAndObject) {
  KubeCluster c;
  auto r = ReadKubeObjects("{not json", "nodes.json", &c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().file, "nodes.json");
  r = ReadKubeObjects(
      R"({"items": [{"kind": "Node", "metadata": {"name": "n1"},
          "status": {"allocatable": {"nvidia.com/gpu": "lots"}}}]})",
      "nodes.json", &c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().ToString().find("node n1"), std::string::npos) << r.error().ToString();
  EXPECT_NE(r.error().ToString().find("nvidia.com/gpu"), std::string::npos);
  r = ReadKubeObjects("[1, 2]", "x.json", &c);
  EXPECT_FALSE(r);
  // JSON that is no Kubernetes output (no kind, no items) read as an empty cluster with exit 0
  // ("0 objects read (1 of other kinds ignored)"); an item without its kind likewise (audit 20).
  KubeCluster none;
  r = ReadKubeObjects(R"({"name": "my-app", "version": "1.0.0"})", "package.json", &none);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().file, "package.json");
  EXPECT_NE(r.error().message.find("not Kubernetes output"), std::string::npos)
      << r.error().ToString();
  r = ReadKubeObjects(R"({"kind": "List", "items": [{"metadata": {"name": "n1"}}]})", "l.json",
                      &none);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().ToString().find("l.json: items[0]"), 0U) << r.error().ToString();
  EXPECT_EQ(r.error().field, "kind");
  // An empty List (kubectl's answer where there is nothing) and other kinds stay fine.
  EXPECT_TRUE(ReadKubeObjects(R"({"kind": "List", "items": []})", "e.json", &none));
  EXPECT_TRUE(
      ReadKubeObjects(R"({"kind": "ConfigMap", "metadata": {"name": "x"}})", "m.json", &none));
}

// `kubectl get nodes,pods -o yaml` prints the List `-o json` prints, as YAML: read into the same
// cluster. nodes_pods.yaml is nodes_pods.json dumped as YAML (strings such as '8' and 'True'
// quoted, as kubectl quotes them), so every node and pod must equal the JSON's.
TEST(Kube, KubectlYamlIsTheSameListAsItsJson) {
  const std::string dir = std::string(SUANLI_TEST_DATA_DIR) + "/sim/kube/";
  KubeCluster from_json, from_yaml;
  ASSERT_TRUE(ReadKubeObjects(testing::FileText(dir + "nodes_pods.json"), "j", &from_json));
  auto ok = ReadKubeObjects(testing::FileText(dir + "nodes_pods.yaml"), "y", &from_yaml);
  ASSERT_TRUE(ok) << ok.error().ToString();
  ASSERT_EQ(from_yaml.nodes.size(), 5u);  // the List's five Nodes (the hand count above)
  ASSERT_EQ(from_yaml.nodes.size(), from_json.nodes.size());
  for (size_t i = 0; i < from_json.nodes.size(); ++i) {
    const auto &a = from_json.nodes[i], &b = from_yaml.nodes[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.gpu_type, b.gpu_type) << a.name;
    EXPECT_EQ(a.gpus, b.gpus) << a.name;
    EXPECT_EQ(a.cpu_milli, b.cpu_milli) << a.name;
    EXPECT_EQ(a.memory_mib, b.memory_mib) << a.name;
    EXPECT_EQ(a.ready, b.ready) << a.name;
    EXPECT_EQ(a.schedulable, b.schedulable) << a.name;
  }
  EXPECT_FALSE(NodeNamed(from_yaml, "gpu-h800-1").schedulable);  // `unschedulable: true`
  ASSERT_EQ(from_yaml.pods.size(), from_json.pods.size());
  for (size_t i = 0; i < from_json.pods.size(); ++i) {
    const auto &a = from_json.pods[i], &b = from_yaml.pods[i];
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.node, b.node) << a.name;
    EXPECT_EQ(a.gpus, b.gpus) << a.name;
    EXPECT_EQ(a.gpu_milli, b.gpu_milli) << a.name;
    EXPECT_EQ(a.command, b.command) << a.name;
  }
  EXPECT_EQ(from_yaml.objects_read, from_json.objects_read);

  // As kubectl prints one Node (double quotes, lists at their key's indent; a real
  // `kubectl get nodes -o yaml`'s shape): 8 H100, 96 CPUs, Ready.
  KubeCluster one;
  ok = ReadKubeObjects(R"(apiVersion: v1
items:
- apiVersion: v1
  kind: Node
  metadata:
    creationTimestamp: "2026-11-30T08:00:00Z"
    labels:
      nvidia.com/gpu.product: NVIDIA-H100-80GB-HBM3
    name: node-a
  status:
    allocatable:
      cpu: "96"
      memory: 2113464128Ki
      nvidia.com/gpu: "8"
    conditions:
    - lastHeartbeatTime: "2026-12-07T09:00:00Z"
      status: "True"
      type: Ready
kind: List
metadata:
  resourceVersion: ""
)",
                       "nodes.yaml", &one);
  ASSERT_TRUE(ok) << ok.error().ToString();
  ASSERT_EQ(one.nodes.size(), 1u);
  EXPECT_EQ(one.nodes[0].gpus, 8);
  EXPECT_EQ(one.nodes[0].cpu_milli, 96'000);
  EXPECT_EQ(one.nodes[0].gpu_type, "NVIDIA-H100-80GB-HBM3");
  EXPECT_TRUE(one.nodes[0].ready);
}

// A field of the wrong type is an error naming it, never nlohmann's type_error (which was an
// internal error, exit 1, and a 500 over HTTP and from the scheduler extender); counts that do
// not fit what they count are errors too (1e12 GPUs wrapped to a negative count and the node
// vanished; 4.5 GPUs became 5: Kubernetes' extended resources are integers).
TEST(Kube, FieldsOfTheWrongTypeAreErrorsNamingThem) {
  const auto error_of = [](const std::string& text) {
    KubeCluster c;
    Result<void> r;
    EXPECT_NO_THROW(r = ReadKubeObjects(text, "k.json", &c)) << text;
    EXPECT_FALSE(r) << text;
    return r ? std::string() : r.error().ToString();
  };
  const std::string node = R"({"kind": "Node", "metadata": {"name": "n1"}, )";
  EXPECT_NE(error_of(node + R"("spec": {"unschedulable": "yes"}})").find("spec.unschedulable"),
            std::string::npos);
  EXPECT_NE(error_of(node + R"("status": {"conditions": "Ready"}})").find("status.conditions"),
            std::string::npos);
  EXPECT_NE(error_of(node + R"("status": {"allocatable": {"nvidia.com/gpu": "1e12"}}})")
                .find("whole number of accelerators"),
            std::string::npos);
  EXPECT_NE(error_of(node + R"("status": {"allocatable": {"nvidia.com/gpu": 4.5}}})")
                .find("whole number of accelerators"),
            std::string::npos);
  EXPECT_NE(error_of(node + R"("status": {"allocatable": {"cpu": "1e300"}}})").find("cpu"),
            std::string::npos);
  const std::string pod = R"({"kind": "Pod", "metadata": {"name": "p", "namespace": "d"}, )";
  EXPECT_NE(error_of(pod + R"("spec": {"containers": "vllm"}})").find("spec.containers"),
            std::string::npos);
  EXPECT_NE(error_of(pod + R"("spec": {"containers": [{"command": "vllm serve m",
                "resources": {"limits": {"nvidia.com/gpu": "1"}}}]}})")
                .find("spec.containers[].command"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind": "ClusterQueue", "metadata": {"name": "q"},
                   "spec": {"resourceGroups": [{"flavors": {"name": "f"}}]}})")
                .find("flavors"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind": "ResourceSlice", "spec": {"nodeName": "n", "devices": 3}})")
                .find("spec.devices"),
            std::string::npos);
  // A list item that is no object reads as nothing, as a missing field does.
  KubeCluster c;
  EXPECT_TRUE(ReadKubeObjects(R"({"kind": "Pod", "metadata": {"name": "p"},
                                  "spec": {"containers": ["x", 1]}})",
                              "k.json", &c));
}

// YAML that is not a List names its line; text that is neither says what was expected; a billion
// laughs is refused before it expands.
TEST(Kube, BadYamlNamesItsLine) {
  KubeCluster c;
  auto r = ReadKubeObjects("items:\n- kind: Node\n  metadata: {name: [x\n", "n.yaml", &c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().file, "n.yaml");
  EXPECT_GE(r.error().line, 3) << r.error().ToString();
  EXPECT_NE(r.error().message.find("-o yaml"), std::string::npos) << r.error().ToString();
  r = ReadKubeObjects("just some text", "t.txt", &c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("expected a Kubernetes object or a List"), std::string::npos)
      << r.error().ToString();
  std::string laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char k = 'b'; k <= 'j'; ++k) {
    laughs += fmt::format("{}: &{} [*{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}, *{}]\n", k, k,
                          char(k - 1), char(k - 1), char(k - 1), char(k - 1), char(k - 1),
                          char(k - 1), char(k - 1), char(k - 1), char(k - 1), char(k - 1));
  }
  r = ReadKubeObjects(laughs, "l.yaml", &c);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("aliases"), std::string::npos) << r.error().ToString();
  // Broken JSON names its line and column still.
  r = ReadKubeObjects("{\"items\": [\n  {\"kind\": \"Node\",}\n]}", "b.json", &c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().line, 2) << r.error().ToString();
}

}  // namespace
}  // namespace suanli::sim
