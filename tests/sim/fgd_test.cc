// FGD: the fragmentation measure and score on a hand-computed example, the
// fill experiment's sequence, and the published allocation curve on the
// openb trace.
#include "sim/policies/fgd.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "sim/engine/cluster.h"
#include "sim/engine/fill.h"
#include "sim/policies/registry.h"
#include "sim/trace/trace.h"
#include "testing.h"

namespace suanli::sim {
namespace {

Job Pod(int64_t id, int cpu, int gpus, int milli) {
  Job j;
  j.id = id;
  j.name = "pod-" + std::to_string(1000 + id);
  j.num_gpus = gpus;
  j.gpu_milli = milli;
  j.cpu_milli = cpu;
  j.duration_s["*"] = 1;
  return j;
}

// Target workload of the example: 5 pods of type A (half a GPU, 4 CPUs),
// 3 of type B (two whole GPUs, 8 CPUs), 2 of type C (CPU-only, 2 CPUs).
// All three are needed to cover 95 % of the 10 pods, so the shares are
// 0.5, 0.3 and 0.2.
std::vector<Job> ExampleJobs() {
  std::vector<Job> jobs;
  for (int i = 0; i < 5; ++i) jobs.push_back(Pod(i, 4000, 1, 500));
  for (int i = 5; i < 8; ++i) jobs.push_back(Pod(i, 8000, 2, 1000));
  for (int i = 8; i < 10; ++i) jobs.push_back(Pod(i, 2000, 0, 1000));
  return jobs;
}

TEST(FgdTest, TargetWorkloadSharesAndOrder) {
  auto t = TargetWorkload(ExampleJobs());
  ASSERT_TRUE(t) << t.error().ToString();
  ASSERT_EQ(t->size(), 3u);
  EXPECT_EQ((*t)[0].gpu_milli, 500);
  EXPECT_DOUBLE_EQ((*t)[0].share, 0.5);
  EXPECT_EQ((*t)[1].num_gpus, 2);
  EXPECT_DOUBLE_EQ((*t)[1].share, 0.3);
  EXPECT_EQ((*t)[2].gpu_milli, 0);  // CPU-only
  EXPECT_DOUBLE_EQ((*t)[2].share, 0.2);
  // Only CPU-only pods: nothing to measure GPU fragmentation against.
  EXPECT_FALSE(TargetWorkload({Pod(0, 1000, 0, 1000)}));
}

// Worked by hand (milli-GPU):
//   Node X: 4 GPUs free [1000, 300, 1000, 0], 16 CPUs free; 2,300 free.
//     A fits (two GPUs >= 500, CPU ok): cannot use 300 + 0      -> 0.5 x 300  = 150
//     B fits (two whole GPUs, CPU ok): cannot use 300            -> 0.3 x 300  =  90
//     C needs no GPU: all 2,300 is a fragment to it             -> 0.2 x 2300 = 460
//     fragmentation 700.
//   A on GPU 0 -> [500, 300, 1000, 0], 12 CPUs; 1,800 free:
//     A fits: 300 -> 150; B no longer fits: 0.3 x 1800 = 540; C: 360 -> 1,050.
//     Score: 100 x sigmoid((700 - 1050) / 1000) = 100 / (1 + e^0.35) = 41.34 -> 41.
//   Node Y: 2 GPUs free [500, 1000], 8 CPUs; 1,500 free:
//     A fits: 0; B does not: 0.3 x 1500 = 450; C: 300 -> 750.
//   A on GPU 0 -> [0, 1000], 4 CPUs; 1,000 free: A fits (4 CPUs suffice): 0;
//     B: 300; C: 200 -> 500. Score: 100 / (1 + e^-0.25) = 56.22 -> 56.
// FGD therefore puts A on Y, GPU 0: it fills the half-used GPU.
TEST(FgdTest, HandComputedFragmentationAndScore) {
  auto t = TargetWorkload(ExampleJobs());
  ASSERT_TRUE(t);
  EXPECT_DOUBLE_EQ(NodeFragmentation({"T", 16000, {1000, 300, 1000, 0}}, *t), 700);
  EXPECT_DOUBLE_EQ(NodeFragmentation({"T", 12000, {500, 300, 1000, 0}}, *t), 1050);
  EXPECT_DOUBLE_EQ(NodeFragmentation({"T", 8000, {500, 1000}}, *t), 750);
  EXPECT_DOUBLE_EQ(NodeFragmentation({"T", 4000, {0, 1000}}, *t), 500);
  EXPECT_EQ(FgdScore(700, 1050), 41);
  EXPECT_EQ(FgdScore(750, 500), 56);
  // Short of CPU, A cannot use even whole GPUs: with 3 CPUs Y's 1,000 free
  // is all fragment to A (0.5 x 1000) and to B and C (0.3 + 0.2) -> 1,000.
  EXPECT_DOUBLE_EQ(NodeFragmentation({"T", 3000, {0, 1000}}, *t), 1000);
  // A pod restricted to another GPU type cannot use any of this node.
  const std::vector<PodType> v100_only = {{0, 1000, 1, {"V100"}, 1.0}};
  EXPECT_DOUBLE_EQ(NodeFragmentation({"T", 8000, {1000}}, v100_only), 1000);
  EXPECT_DOUBLE_EQ(NodeFragmentation({"V100", 8000, {1000}}, v100_only), 0);
}

TEST(FgdTest, PolicyFollowsTheScore) {
  Workload w;
  w.jobs = ExampleJobs();
  w.nodes = {{0, "T", 4, 16000, 0}, {1, "T", 2, 12000, 0}};
  ClusterState c(w.nodes);
  // Bring X and Y to the states of the hand example.
  c.Allocate(Pod(100, 0, 1, 700), {0, {1}});
  c.Allocate(Pod(101, 0, 1, 1000), {0, {3}});
  c.Allocate(Pod(102, 4000, 1, 500), {1, {0}});
  auto fgd = MakePolicy("fgd", {&w, 42});
  ASSERT_TRUE(fgd) << fgd.error().ToString();
  auto p = (*fgd)->Place(c, Pod(103, 4000, 1, 500));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->node, 1);
  EXPECT_EQ(p->gpus, std::vector<int>{0});
  // Without the workload there is no target to measure against.
  EXPECT_FALSE(MakePolicy("fgd"));
}

TEST(FgdTest, FillSequenceStopsAtTheTarget) {
  Workload w;
  w.jobs = ExampleJobs();  // 5 x 0.5 + 3 x 2 = 8.5 GPUs requested
  w.nodes = {{0, "T", 4, 64000, 0}, {1, "T", 4, 64000, 0}};
  for (double tune : {0.5, 1.3, 3.0}) {
    auto seq = FillSequence(w, {tune, 7});
    ASSERT_TRUE(seq);
    int64_t requested = 0;
    for (size_t i : *seq) requested += w.jobs[i].GpuMilli();
    // Trimmed to at most the target, or grown until the next draw would
    // pass it (by its per-GPU share: a 2-GPU pod may overshoot by 1 GPU).
    EXPECT_LE(requested, tune * 8000 + 1000) << tune;
    EXPECT_GT(requested, tune * 8000 - 2000) << tune;
    auto again = FillSequence(w, {tune, 7});
    EXPECT_EQ(*seq, *again);  // deterministic for a seed
  }
  EXPECT_FALSE(FillSequence(w, {0, 7}));
  EXPECT_FALSE(FillSequence(w, {-1, 7}));
  Workload cpu_only = w;
  cpu_only.jobs = {Pod(0, 1000, 0, 1000)};
  EXPECT_FALSE(FillSequence(cpu_only, {1.3, 7}));
}

// FGD's headline experiment (Fig. 9a): the openb default pod list on its
// 1,213 GPU nodes, filled to 130 % of the 6,212 GPUs. Published means over
// seeds 42-51 (fgd-expected-results/analysis_allo_discrete.csv) at arrived
// 100 %: FGD 95.23, BestFit 92.86. Our seeds draw other orders (our RNG, not
// Go's), so means are compared. Measured over seeds 42-46: FGD 95.23,
// fgd-best-fit 92.82, best-fit 94.28; single seeds 42-51 span 95.09-95.37
// and 92.66-93.27. 0.3 points is about three times the spread of a 5-seed
// mean; docs/trace-formats.md has the table for four workloads.
TEST(FgdTest, OpenbDefaultMatchesPublishedCurve) {
  const std::string dir = testing::SharedDataDir() + "/traces/alibaba-gpu-v2023-openb/csv/";
  SUANLI_REQUIRE_SHARED_DATA(dir + "openb_pod_list_default.csv",
                             dir + "openb_node_list_gpu_node.csv");
  const std::string pods = testing::FileText(dir + "openb_pod_list_default.csv");
  const std::string nodes = testing::FileText(dir + "openb_node_list_gpu_node.csv");
  ASSERT_FALSE(pods.empty() || nodes.empty()) << "openb trace files under " << dir << " are empty";
  Workload w;
  auto jobs = ReadOpenbPods(pods, "default", nullptr, {true, true});
  ASSERT_TRUE(jobs) << jobs.error().ToString();
  auto n = ReadOpenbNodes(nodes, "nodes");
  ASSERT_TRUE(n) << n.error().ToString();
  w.jobs = std::move(*jobs);
  w.nodes = std::move(*n);
  auto mean_at_100 = [&](const char* policy) {
    double sum = 0;
    const int seeds = 5;
    for (uint64_t seed = 42; seed < 42 + seeds; ++seed) {
      auto p = MakePolicy(policy, {&w, seed});
      EXPECT_TRUE(p);
      auto r = Fill(w, **p, {1.3, seed});
      EXPECT_TRUE(r);
      EXPECT_EQ(r->total_gpus, 6212);
      sum += r->alloc_pct_by_arrived_pct.at(100);
    }
    return sum / seeds;
  };
  const double fgd = mean_at_100("fgd");
  const double best_fit = mean_at_100("fgd-best-fit");
  EXPECT_NEAR(fgd, 95.23, 0.3);
  EXPECT_NEAR(best_fit, 92.86, 0.3);
  EXPECT_GT(fgd, best_fit + 1.5);
  EXPECT_GT(fgd, mean_at_100("best-fit"));  // ours (GPU-only best fit) too
}

// random draws one node uniformly among those that fit (the reference's baseline), also when it
// looks at one node per group of identical nodes: here three idle 8-GPU nodes (one group) and one
// with 2 GPUs free. A 1-GPU pod fits all four: the busy node 1/4 of the time; a 4-GPU pod fits
// only the idle three. A shared pod takes each GPU with room alike. Tolerances: 4 standard errors
// of a frequency over 8,000 draws (sqrt(p (1 - p) / 8000) <= 0.0056).
TEST(FgdTest, RandomIsUniformOverFittingNodesAndGpus) {
  auto policy = MakePolicy("random", {nullptr, 5});
  ASSERT_TRUE(policy);
  std::vector<Node> nodes;
  for (int n = 0; n < 4; ++n) nodes.push_back({n, "v100", 8, 0, 0});
  ClusterState c(nodes, (*policy)->TieRank(4));
  c.Allocate(Pod(1, 0, 6, 1000), {3, {0, 1, 2, 3, 4, 5}});
  constexpr int kDraws = 8000;
  int busy = 0;
  std::vector<int> idle_seen(4, 0);
  for (int i = 0; i < kDraws; ++i) {
    auto p = (*policy)->Place(c, Pod(2, 0, 1, 1000));
    ASSERT_TRUE(p);
    busy += p->node == 3;
    auto q = (*policy)->Place(c, Pod(3, 0, 4, 1000));
    ASSERT_TRUE(q);
    ++idle_seen[q->node];
  }
  EXPECT_NEAR(busy / double(kDraws), 0.25, 4 * 0.0049);
  EXPECT_EQ(idle_seen[3], 0);
  EXPECT_EQ(idle_seen[0] + idle_seen[1] + idle_seen[2], kDraws);

  // One 4-GPU node with 1000, 200, 1000 and 500 thousandths free: a 400 pod fits GPUs 0, 2, 3.
  ClusterState one({{0, "v100", 4, 0, 0}}, (*policy)->TieRank(1));
  one.Allocate(Pod(4, 0, 1, 800), {0, {1}});
  one.Allocate(Pod(5, 0, 1, 500), {0, {3}});
  std::vector<int> gpu_seen(4, 0);
  for (int i = 0; i < kDraws; ++i) {
    auto p = (*policy)->Place(one, Pod(6, 0, 1, 400));
    ASSERT_TRUE(p);
    ASSERT_EQ(p->gpus.size(), 1u);
    ++gpu_seen[p->gpus[0]];
  }
  EXPECT_EQ(gpu_seen[1], 0);
  for (int g : {0, 2, 3}) EXPECT_NEAR(gpu_seen[g] / double(kDraws), 1.0 / 3, 4 * 0.0053) << g;
  // Nothing fits: no placement (and no draw).
  EXPECT_FALSE((*policy)->Place(one, Pod(7, 0, 3, 1000)));  // two whole GPUs free

  // A node of 32 GPUs (indexed, not scanned): 0-25 full, 26-28 with 500 free, 29 with 200, 30
  // idle, 31 with 450. A 400 pod fits five GPUs; GPUs with the same free share are alike, so it
  // takes the lowest-numbered of a share with the chance that share's GPUs have together: 450
  // (GPU 31) 1/5, 500 (GPU 26) 3/5, 1000 (GPU 30) 1/5.
  ClusterState large({{0, "v100", 32, 0, 0}}, (*policy)->TieRank(1));
  ASSERT_NE(large.gpu_index(0), nullptr);
  std::vector<int> full(26);
  for (int g = 0; g < 26; ++g) full[g] = g;
  large.Allocate(Pod(8, 0, 26, 1000), {0, full});
  for (int g : {26, 27, 28}) large.Allocate(Pod(10 + g, 0, 1, 500), {0, {g}});
  large.Allocate(Pod(9, 0, 1, 800), {0, {29}});
  large.Allocate(Pod(40, 0, 1, 550), {0, {31}});
  std::map<int, int> large_seen;
  for (int i = 0; i < kDraws; ++i) {
    auto p = (*policy)->Place(large, Pod(41, 0, 1, 400));
    ASSERT_TRUE(p);
    ASSERT_EQ(p->gpus.size(), 1u);
    ++large_seen[p->gpus[0]];
  }
  EXPECT_EQ(large_seen.size(), 3u);
  EXPECT_NEAR(large_seen[31] / double(kDraws), 0.2, 4 * 0.0045);  // sd sqrt(.2 x .8 / 8000)
  EXPECT_NEAR(large_seen[26] / double(kDraws), 0.6, 4 * 0.0055);
  EXPECT_NEAR(large_seen[30] / double(kDraws), 0.2, 4 * 0.0045);
}

}  // namespace
}  // namespace suanli::sim
