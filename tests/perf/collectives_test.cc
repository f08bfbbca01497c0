// Alpha-beta collective costs against hand calculations.
#include "perf/collectives.h"

#include <gtest/gtest.h>

namespace suanli::perf {
namespace {

catalog::System TwoTier() {
  catalog::System s;
  s.scale_up_domain = 8;
  s.scale_up = {100, 0, 1};  // 100 GB/s, no latency, full efficiency
  s.scale_out = {10, 0, 1};
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

TEST(CollectivesTest, SingleRankCostsNothing) {
  EXPECT_EQ(AllReduceSeconds(1e9, PlaceGroup(1, 1, 8), TwoTier()), 0);
  EXPECT_EQ(AllToAllSeconds(1e9, PlaceGroup(1, 1, 8), TwoTier()), 0);
}

}  // namespace
}  // namespace suanli::perf
