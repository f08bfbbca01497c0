// Cluster state from Kubernetes objects shaped as the projects document them; counts by hand.
#include "sim/engine/kube.h"

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
}

}  // namespace
}  // namespace suanli::sim
