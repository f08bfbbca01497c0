// Alpha-beta collective costs against hand calculations.
#include "perf/collectives.h"

#include <gtest/gtest.h>

#include <cmath>

#include "catalog/catalog.h"
#include "testing.h"

namespace suanli::perf {
namespace {

catalog::System TwoTier() {
  catalog::System s;
  s.scale_up_domain = 8;
  // 100 GB/s inside, 10 GB/s across; no latency, full efficiency (the tier's defaults).
  s.scale_up.bandwidth_gb_s = 100;
  s.scale_out.bandwidth_gb_s = 10;
  return s;
}

TEST(CollectivesTest, PlacementFollowsStride) {
  EXPECT_EQ(PlaceGroup(8, 1, 8).per_domain, 8);
  EXPECT_EQ(PlaceGroup(16, 8, 8).per_domain, 1);
  EXPECT_EQ(PlaceGroup(64, 1, 8).domains(), 8);
  EXPECT_EQ(PlaceGroup(4, 2, 8).per_domain, 4);
}

// Ring all-reduce of 1 GB over 8 ranks at 100 GB/s: 2 x 7/8 x 1e9 / 1e11 s.
TEST(CollectivesTest, RingAllReduceInsideDomain) {
  EXPECT_NEAR(AllReduceSeconds(1e9, PlaceGroup(8, 1, 8), TwoTier()), 0.0175, 1e-12);
}

// 16 ranks in 2 domains: all-gather = 7/8 x B at 100 GB/s inside, then each
// member moves B/8 across: 1/2 x B/8 at 10 GB/s.
TEST(CollectivesTest, HierarchicalAllGather) {
  const double b = 1e9;
  const double expect = 7.0 / 8 * b / 100e9 + 0.5 * (b / 8) / 10e9;
  EXPECT_NEAR(AllGatherSeconds(b, PlaceGroup(16, 1, 8), TwoTier()), expect, 1e-12);
}

// All-to-all over 16 ranks in 2 domains: 7/16 of the data stays inside,
// 8/16 leaves; the slower tier decides.
TEST(CollectivesTest, AllToAllSlowerTierDecides) {
  const double b = 1.6e9;
  const double inter = b * 8 / 16 / 10e9;
  EXPECT_NEAR(AllToAllSeconds(b, PlaceGroup(16, 1, 8), TwoTier()), inter, 1e-12);
}

TEST(CollectivesTest, LatencyAddsPerRingStep) {
  auto s = TwoTier();
  s.scale_up.latency_us = 5;
  // 7 steps of reduce-scatter and 7 of all-gather.
  EXPECT_NEAR(AllReduceSeconds(0, PlaceGroup(8, 1, 8), s), 14 * 5e-6, 1e-15);
}

// The shipped MI300X and MI325X platforms against RCCL's measured all-reduce over one node's 8
// GPUs (rccl-tests all_reduce_perf, float sum, out of place; S1920). 8 GiB on MI300X took
// 47,617 us: bus bandwidth 2 x 7/8 x 8,589,934,592 B / 47,617 us = 315.7 GB/s. The catalog's
// ring: 2 x (7/8 x S / (448 GB/s x 0.70) + 7 x 3 us) = 47,943 + 42 us = 47,985 us (+0.8 %).
// 64 MiB took 432.5 us; the ring gives 1.75 x 67,108,864 / 313.6e9 s + 42 us = 416.5 us (-3.7 %:
// what RCCL's pipeline adds at mid sizes beyond 14 latency steps). MI325X, 8 GiB: 47,217 us
// measured (318.4 GB/s); the catalog's 47,985 us (+1.6 %).
TEST(CollectivesTest, AmdPlatformsMatchMeasuredRcclAllReduce) {
  const auto& cat = testing::BuiltinCatalog();
  const auto& mi300x = **cat.FindSystem("mi300x-platform");
  const auto& mi325x = **cat.FindSystem("mi325x-platform");
  const auto group = PlaceGroup(8, 1, 8);
  const double big = 8589934592.0;
  EXPECT_NEAR(AllReduceSeconds(big, group, mi300x) / 47617e-6, 1.0, 0.02);
  EXPECT_NEAR(AllReduceSeconds(67108864.0, group, mi300x) / 432.5e-6, 1.0, 0.05);
  EXPECT_NEAR(AllReduceSeconds(big, group, mi325x) / 47217e-6, 1.0, 0.02);
}

// DeepEP's low-latency dispatch + combine between Hopper nodes (data/systems.yaml scale_out
// moe_ll_*: 44.4 / 52.1 / 52.9 us a MoE layer at 2 / 4 / 8 nodes, copies to other nodes at 0.92 of
// the 50 GB/s NIC = 46 GB/s). A rank of t tokens at DeepSeek's shape (hidden 7,168, top-8; FP8
// out, BF16 back: 3 bytes an element) sends t x 8 x 7,168 x 3 x (nodes - 1) / nodes bytes to the
// other nodes. Against SGLang's measured H100 table (S3810), 16 and 256 tokens a rank:
//   2 nodes: 44.4 + 16 x 86,016 / 46e9 s = 44.4 + 29.9 = 74.3 us (76.0 measured); 44.4 + 478.7 =
//            523.1 us (520.5)
//   4 nodes: 52.1 + 44.9 = 97.0 us (96.9); 52.1 + 718.1 = 770.2 us (764.7)
//   8 nodes: 52.9 + 52.4 = 105.3 us (105.3); 52.9 + 837.7 = 890.6 us (880.7)
// and DeepEP's own H800 table at 128 tokens a rank (S3811, dispatch + combine: 313 / 428 / 487 /
// 561 us at EP 16 / 32 / 64 / 128; its pure-RDMA kernels sent the node's own copies over the NIC
// too): 283.8 / 411.2 / 471.8 / 501.7 us, the 16-node figure held at 8 nodes' fixed time. Between
// listed node counts the fixed time follows log2 of the nodes: 3 nodes 44.4 + 0.585 x 7.7 =
// 48.9 us. Inside one node (or a tier without the figures) there is no such exchange: -1.
TEST(CollectivesTest, DeepEpLowLatencyAcrossNodesByHand) {
  const auto& cat = testing::BuiltinCatalog();
  const auto& h100 = (*cat.FindSystem("hgx-h100"))->scale_out;
  const auto& h800 = (*cat.FindSystem("hgx-h800"))->scale_out;
  auto bytes = [](double tokens, int nodes) {
    return tokens * 8 * 7168 * 3 * (nodes - 1.0) / nodes;
  };
  struct Point {
    int nodes;
    double tokens, measured_us;
  };
  for (const Point pt : {Point{2, 16, 76.0}, Point{2, 256, 520.5}, Point{4, 16, 96.9},
                         Point{4, 256, 764.7}, Point{8, 16, 105.3}, Point{8, 256, 880.7}}) {
    const double us = LowLatencyExchangeSeconds(bytes(pt.tokens, pt.nodes), pt.nodes, h100) * 1e6;
    EXPECT_NEAR(us / pt.measured_us, 1.0, 0.05) << pt.nodes << " nodes, " << pt.tokens;
  }
  EXPECT_NEAR(LowLatencyExchangeSeconds(bytes(16, 2), 2, h100) * 1e6, 74.3, 0.05);
  EXPECT_NEAR(LowLatencyExchangeSeconds(bytes(256, 8), 8, h100) * 1e6, 890.6, 0.05);
  for (const Point pt :
       {Point{2, 128, 313}, Point{4, 128, 428}, Point{8, 128, 487}, Point{16, 128, 561}}) {
    const double us = LowLatencyExchangeSeconds(bytes(pt.tokens, pt.nodes), pt.nodes, h800) * 1e6;
    EXPECT_NEAR(us / pt.measured_us, 1.0, 0.11) << "EP " << 8 * pt.nodes;
  }
  EXPECT_NEAR(LowLatencyExchangeSeconds(bytes(128, 16), 16, h800) * 1e6, 501.7, 0.05);
  EXPECT_NEAR(LowLatencyExchangeSeconds(0, 3, h100) * 1e6, 48.9, 0.05);
  EXPECT_EQ(LowLatencyExchangeSeconds(1e6, 1, h100), -1);
  EXPECT_EQ(LowLatencyExchangeSeconds(1e6, 2, TwoTier().scale_out), -1);
}

// DeepEP's low-latency dispatch + combine inside one NVLink domain (data/systems.yaml scale_up
// moe_ll_fixed_us): every top-8 copy of a rank's t tokens at DeepSeek's shape, FP8 out and BF16
// back (t x 8 x 7,168 x 3 bytes), at 0.8 of 900 GB/s, plus the pair's fixed time (GB200 NVL72 32.7
// us, HGX B200 43.6). Against SGLang v0.5.12's measured tables (S4520, dispatch + combine):
//   GB200 (one tray): 1 token 32.7 + 0.24 = 32.9 us (34.7 measured), 16: 32.7 + 3.82 = 36.5
//   (36.6), 128: 32.7 + 30.6 = 63.3 (63.1), 1,024: 32.7 + 244.7 = 277.4 (281.2)
//   B200 (8 GPUs): 16: 43.6 + 3.82 = 47.4 (46.4), 256: 43.6 + 61.2 = 104.8 (107.4); at 1,024
//   tokens 288.3 against 318.9 (B200's copies slow down there; decode pools run far fewer).
TEST(CollectivesTest, DeepEpLowLatencyInsideNvlinkByHand) {
  const auto& cat = testing::BuiltinCatalog();
  const auto& gb200 = (*cat.FindSystem("gb200-nvl72"))->scale_up;
  const auto& b200 = (*cat.FindSystem("hgx-b200"))->scale_up;
  ASSERT_EQ(gb200.moe_ll_fixed_us, 32.7);
  ASSERT_EQ(b200.moe_ll_fixed_us, 43.6);
  auto us = [](double tokens, const catalog::NetworkTier& t) {
    return OneSidedExchangeSeconds(tokens * 8, 7168, 7168 * 2, t.moe_ll_fixed_us, t) * 1e6;
  };
  EXPECT_NEAR(us(16, gb200), 32.7 + 16 * 8 * 7168 * 3 / 720e9 * 1e6, 1e-9);
  EXPECT_NEAR(us(16, gb200), 36.52, 0.01);
  struct Point {
    double tokens, measured_us;
  };
  for (const Point pt : {Point{1, 34.7}, Point{16, 36.6}, Point{32, 38.6}, Point{128, 63.1},
                         Point{256, 92.2}, Point{1024, 281.2}}) {
    EXPECT_NEAR(us(pt.tokens, gb200) / pt.measured_us, 1.0, 0.06) << "GB200, " << pt.tokens;
  }
  for (const Point pt :
       {Point{1, 44.1}, Point{16, 46.4}, Point{32, 50.7}, Point{128, 73.8}, Point{256, 107.4}}) {
    EXPECT_NEAR(us(pt.tokens, b200) / pt.measured_us, 1.0, 0.03) << "B200, " << pt.tokens;
  }
}

// The low-latency pair's fixed time grows with the expert group inside one NVLink domain
// (data/systems.yaml gb200-nvl72: 32.7 us measured on one 4-GPU tray, S4520, and 6.9 us a
// doubling of the ranks beyond it, S4640). By hand:
//   EP 2 and 4: 32.7 (held at or below the measured tray); EP 8: 32.7 + 6.9 = 39.6;
//   EP 32: 32.7 + 3 x 6.9 = 53.4; EP 48: 32.7 + 6.9 x log2(12) = 32.7 + 6.9 x 3.58496 = 57.44.
// Independent numbers: TensorRT-LLM's one-sided NVLink all-to-all on GB200 (S4640, dispatch +
// combine, medians over 1-32 tokens a rank) grows 33.7 -> 56.1 us from EP 4 to EP 32 (+22.4; the
// model +20.7), and HGX B200's measured 8-GPU DeepEP pair (S4520) is 43.6 us (the model's GB200 EP
// 8: 39.6, -9 %). HGX B200's figure, measured at its whole 8-GPU domain, is held below it.
TEST(CollectivesTest, DeepEpLowLatencyFixedTimeGrowsWithTheGroup) {
  const auto& cat = testing::BuiltinCatalog();
  const auto& gb200 = (*cat.FindSystem("gb200-nvl72"))->scale_up;
  const auto& gb300 = (*cat.FindSystem("gb300-nvl72"))->scale_up;
  const auto& b200 = (*cat.FindSystem("hgx-b200"))->scale_up;
  ASSERT_EQ(gb200.moe_ll_fixed_ranks, 4);
  ASSERT_EQ(gb200.moe_ll_fixed_us_per_doubling, 6.9);
  EXPECT_DOUBLE_EQ(LowLatencyFixedUs(gb200, 2), 32.7);
  EXPECT_DOUBLE_EQ(LowLatencyFixedUs(gb200, 4), 32.7);
  EXPECT_NEAR(LowLatencyFixedUs(gb200, 8), 39.6, 1e-9);
  EXPECT_NEAR(LowLatencyFixedUs(gb200, 32), 53.4, 1e-9);
  EXPECT_NEAR(LowLatencyFixedUs(gb200, 48), 57.44, 0.005);
  EXPECT_NEAR(LowLatencyFixedUs(gb300, 48), 32.9 + 6.9 * std::log2(12.0), 1e-9);
  EXPECT_NEAR((LowLatencyFixedUs(gb200, 32) - LowLatencyFixedUs(gb200, 4)) / (56.1 - 33.7), 1.0,
              0.1);
  EXPECT_NEAR(LowLatencyFixedUs(gb200, 8) / 43.6, 1.0, 0.1);
  EXPECT_DOUBLE_EQ(LowLatencyFixedUs(b200, 8), 43.6);
  EXPECT_DOUBLE_EQ(LowLatencyFixedUs(b200, 4), 43.6);
  // A tier with no measured group size holds its figure at every size.
  catalog::NetworkTier held = b200;
  held.moe_ll_fixed_ranks = 0;
  held.moe_ll_fixed_us_per_doubling = 6.9;
  EXPECT_DOUBLE_EQ(LowLatencyFixedUs(held, 64), 43.6);
}

// Audit (session 38 h6): an HGX H800 expert group of 8 with no engine named gathers its tokens
// and reduce-scatters the outputs (inference.cc: the engines' default inside an HGX board), each
// a ring over the 8 GPUs at 0.8 of the export-capped 200 GB/s NVLink, 7 steps of 3 us. At
// DeepSeek's shape (hidden 7,168, block-scaled FP8 gathering 16-bit tokens) and 128 tokens a rank:
//   each collective moves 7/8 x 8 x 128 x 7,168 x 2 = 12,845,056 B / 160 GB/s = 80.28 us + 21 us
//   = 101.28 us; the pair 202.56 us a MoE layer.
// DeepEP's measured low-latency pair on H800 at EP 8 and 128 tokens a rank, the same shape: 77 +
// 114 = 191 us (S3811) and 116 + 118 = 234 us (S3200); and its normal kernels reach 153-158 GB/s
// over H800 NVLink (S3820; the tier's 160). So the exchange priced ~79 us a collective on the
// page's compare is the bytes at the measured rate: that step carries 47 decode and ~188 prompt
// tokens a rank (2,048 / 512 in the analytic steady state), not 43 decode tokens.
TEST(CollectivesTest, H800GatherExchangeAgainstDeepEpOnH800) {
  const auto& cat = testing::BuiltinCatalog();
  const auto& h800 = **cat.FindSystem("hgx-h800");
  ASSERT_EQ(h800.scale_up.bandwidth_gb_s, 200);
  const auto g = PlaceGroup(8, 1, h800.scale_up_domain);
  const double gathered = 8.0 * 128 * 7168 * 2;
  const double one = AllGatherSeconds(gathered, g, h800) * 1e6;
  EXPECT_NEAR(one, 7.0 / 8 * gathered / 160e9 * 1e6 + 7 * 3, 1e-9);
  EXPECT_NEAR(one, 101.28, 0.005);
  EXPECT_GT(2 * one, 191.0);
  EXPECT_LT(2 * one, 234.0);
}

TEST(CollectivesTest, SingleRankCostsNothing) {
  EXPECT_EQ(AllReduceSeconds(1e9, PlaceGroup(1, 1, 8), TwoTier()), 0);
  EXPECT_EQ(AllToAllSeconds(1e9, PlaceGroup(1, 1, 8), TwoTier()), 0);
}

// TensorRT-LLM's one-sided NVLink all-to-all (NVLinkOneSided) against tech blog 18's EP 8 table
// (S4310: GB200 NVL72, DeepSeek-V3's 7,168-wide tokens, a router sending each token to 8 ranks,
// BF16 both ways, 14,336 bytes a token). A rank of t tokens writes t x 8 x 7/8 copies to its 7
// peers and reads as many back, at NVLink's 900 GB/s x 0.8 (the gb200-nvl72 scale-up tier), plus
// the trtllm entry's fixed time, the table's one-token row 18.9 + 31.0 = 49.9 us:
//   1,024 tokens: 7,168 x 28,672 B / 720 GB/s = 285.4 us + 49.9 = 335.3 us (166.3 + 175.6 = 341.9)
//   2,048 tokens: 570.9 + 49.9 = 620.8 us (311.8 + 322.6 = 634.4)
//   512 tokens: 142.7 + 49.9 = 192.6 us (89.5 + 91.7 = 181.2: +6 %, the fixed part overlaps)
// and the NVFP4 dispatch (4,032 bytes a token) at 2,048 tokens alone: 12,544 x 4,032 / 720 GB/s =
// 70.2 us + the dispatch's 18.9 = 89.1 us (101.7 published, -12 %).
TEST(CollectivesTest, OneSidedAllToAllMatchesTensorRtLlmBlog18) {
  const auto& cat = testing::BuiltinCatalog();
  const auto& nvl = (*cat.FindSystem("gb200-nvl72"))->scale_up;
  const auto& trtllm = **cat.FindEngine("trtllm");
  ASSERT_TRUE(trtllm.one_sided_moe_layer_us.contains("blackwell"));
  const double fixed = trtllm.one_sided_moe_layer_us.at("blackwell");
  EXPECT_DOUBLE_EQ(fixed, 18.9 + 31.0);
  const double bf16 = 7168 * 2.0;
  auto copies = [](double tokens) { return tokens * 8 * 7.0 / 8; };
  struct Point {
    double tokens, measured_us;
  };
  for (const Point pt : {Point{1, 18.9 + 31.0}, Point{512, 89.5 + 91.7}, Point{1024, 166.3 + 175.6},
                         Point{2048, 311.8 + 322.6}}) {
    const double us = OneSidedExchangeSeconds(copies(pt.tokens), bf16, bf16, fixed, nvl) * 1e6;
    EXPECT_NEAR(us / pt.measured_us, 1.0, pt.tokens == 512 ? 0.07 : 0.03) << pt.tokens;
  }
  const double nvfp4 = OneSidedExchangeSeconds(copies(2048), 4032, 0, 18.9, nvl) * 1e6;
  EXPECT_NEAR(nvfp4 / 101.7, 1.0, 0.13);
}

}  // namespace
}  // namespace suanli::perf
