// Parameter, FLOP and KV-cache counts against published figures and
// closed-form formulas.
#include "perf/transformer.h"

#include <gtest/gtest.h>

#include "catalog/catalog.h"

namespace suanli::perf {
namespace {

const catalog::Model& M(const char* id) {
  static const catalog::Catalog c = *catalog::Catalog::Builtin();
  return **c.FindModel(id);
}

// "Insights into DeepSeek-V3" (ISCA'25) Table 1, checked by hand:
// DeepSeek-V3 61 x (512 + 64) x 2 B; Qwen2.5 80 x 8 x 128 x 2 x 2 B;
// Llama 3.1 405B 126 x 8 x 128 x 2 x 2 B.
TEST(TransformerTest, KvCacheBytesPerTokenMatchPublished) {
  EXPECT_DOUBLE_EQ(KvCacheBytesPerToken(M("deepseek-v3"), 2), 70272);
  EXPECT_DOUBLE_EQ(KvCacheBytesPerToken(M("qwen2.5-72b"), 2), 327680);
  EXPECT_DOUBLE_EQ(KvCacheBytesPerToken(M("llama-3-405b"), 2), 516096);
}

// Korthikanti et al. model FLOPs per sequence: 72 B s l h^2 (1 + s/6h + V/12lh),
// attention counted non-causally. Our non-causal count must equal it exactly
// for a GPT model with tied embeddings.
// DeepSeek-V3's routing (HF config, S3911): 8 of 256 experts from 4 of 8 groups of 32. With 8
// ranks a node and the experts in order over the EP ranks, by hand:
//   EP 64 (8 nodes):   32 experts a node = one group a node -> at most 4 nodes (the paper's M);
//   EP 32 (4 nodes):   64 a node, two groups               -> 4 (every node);
//   EP 128 (16 nodes): 16 a node, a group on 2 nodes       -> 4 x 2 = 8;
//   EP 256 (32 nodes):  8 a node, a group on 4 nodes       -> min(top-8, 16) = 8.
// Without routing groups the limit counts nodes whatever the layout; no limit: 0.
TEST(TransformerTest, GroupLimitedRoutingSpansTheNodesItsGroupsSitOn) {
  const auto& moe = *M("deepseek-v3").moe;
  EXPECT_EQ(MaxDomainsPerToken(moe, 64, 8), 4);
  EXPECT_EQ(MaxDomainsPerToken(moe, 32, 8), 4);
  EXPECT_EQ(MaxDomainsPerToken(moe, 128, 8), 8);
  EXPECT_EQ(MaxDomainsPerToken(moe, 256, 8), 8);
  catalog::MoeConfig nodes = moe;
  nodes.routing_groups = 0;
  EXPECT_EQ(MaxDomainsPerToken(nodes, 256, 8), 4);
  nodes.max_nodes_per_token = 0;
  EXPECT_EQ(MaxDomainsPerToken(nodes, 64, 8), 0);
}

// The ranks a token's experts can sit on, against DeepSeek-V3's config.json (S3911: 256 routed
// experts, num_experts_per_tok 8, n_group 8, topk_group 4), experts placed in order over the ranks:
// at EP 8 a rank holds 256 / 8 = 32 experts, one group, so a token reaches its 4 groups' 4 ranks;
// at EP 16 a group of 32 spans 2 ranks of 16, 4 x 2 = 8 = top_k; at EP 4 a rank holds two groups
// and the 4 groups can sit on all 4 ranks; at EP 64, top_k. Without groups (Qwen3-235B's 128
// experts, top 8): min(ep, top_k).
TEST(TransformerTest, GroupLimitedRoutingBoundsTheRanksATokenReaches) {
  const auto& moe = *M("deepseek-v3").moe;
  ASSERT_EQ(moe.routed_experts, 256);
  ASSERT_EQ(moe.top_k, 8);
  ASSERT_EQ(moe.routing_groups, 8);
  ASSERT_EQ(moe.max_nodes_per_token, 4);
  EXPECT_EQ(MaxRanksPerToken(moe, 8), 4);
  EXPECT_EQ(MaxRanksPerToken(moe, 16), 8);
  EXPECT_EQ(MaxRanksPerToken(moe, 4), 4);
  EXPECT_EQ(MaxRanksPerToken(moe, 2), 2);
  EXPECT_EQ(MaxRanksPerToken(moe, 64), 8);
  const auto& qwen = *M("qwen3-235b-a22b").moe;
  ASSERT_EQ(qwen.routing_groups, 0);
  EXPECT_EQ(MaxRanksPerToken(qwen, 4), 4);
  EXPECT_EQ(MaxRanksPerToken(qwen, 8), 8);
  EXPECT_EQ(MaxRanksPerToken(qwen, 32), 8);
}

TEST(TransformerTest, NonCausalFlopsEqualMegatronFormula) {
  for (const char* id : {"korthikanti-22b", "korthikanti-175b", "korthikanti-530b"}) {
    const auto& m = M(id);
    const double s = 2048, l = m.layers, h = m.hidden, v = m.vocab;
    const double megatron = 72 * s * l * h * h * (1 + s / (6 * h) + v / (12 * l * h)) / s;
    EXPECT_NEAR(TrainingFlopsPerToken(m, 2048, false) / megatron, 1.0, 1e-3) << id;
  }
}

// MFU check from reference B.5: 175B at 13.75 s/iteration, 64 GPUs, batch 64
// x 2048 gives 51.4 % of 312 TFLOPS with Megatron's count.
TEST(TransformerTest, MegatronMfuReproducesPublishedTable) {
  const double flops = TrainingFlopsPerToken(M("korthikanti-175b"), 2048, false) * 64 * 2048;
  EXPECT_NEAR(flops / (13.75 * 64 * 312e12), 0.514, 0.002);
}

// DeepSeek-V3: 671B total, 37B active (arXiv 2412.19437); ~250 GFLOPs per
// training token at 4K context (ISCA'25 Table 2, causal attention).
TEST(TransformerTest, DeepSeekV3CountsMatchPublished) {
  const auto& m = M("deepseek-v3");
  EXPECT_NEAR(TotalParams(m) / 671e9, 1.0, 0.01);
  EXPECT_NEAR(ActiveParams(m) / 37e9, 1.0, 0.03);
  EXPECT_NEAR(TrainingFlopsPerToken(m, 4096) / 250e9, 1.0, 0.06);
}

// Causal attention counts (s+1)/2 keys per query instead of s.
TEST(TransformerTest, CausalAttentionHalvesTheCore) {
  const auto& m = M("llama-3-8b");
  const double core_full = AttentionCoreFlopsPerKey(m) * 8192 * m.layers;
  const double diff = ForwardFlopsPerToken(m, 8192, false) - ForwardFlopsPerToken(m, 8192, true);
  EXPECT_NEAR(diff / (core_full * (8192 - 1) / 2 / 8192), 1.0, 1e-9);
}

}  // namespace
}  // namespace suanli::perf
