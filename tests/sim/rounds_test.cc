// The round-based mechanism (Gavel's) and its allocation policies, on
// schedules worked out by hand, and the Python-compatible RNG against
// CPython's own output.
#include <gtest/gtest.h>

#include <numeric>

#include "sim/engine/python_random.h"
#include "sim/engine/replay.h"
#include "sim/policies/registry.h"
#include "sim/policies/round_allocators.h"

namespace suanli::sim {
namespace {

// Values printed by CPython 3.11: random.Random(0).random();
// [Random(0).randrange(3) for _ in range(10)]; Random(5).shuffle of
// ['v100','p100','k80'] four times; Random(2**40 + 7).getrandbits(32).
TEST(PythonRandomTest, MatchesCPython) {
  EXPECT_DOUBLE_EQ(PythonRandom(0).Random(), 0.8444218515250481);
  PythonRandom r0(0);
  std::vector<uint32_t> draws;
  for (int i = 0; i < 10; ++i) draws.push_back(r0.RandBelow(3));
  EXPECT_EQ(draws, (std::vector<uint32_t>{1, 1, 0, 1, 2, 1, 1, 1, 1, 1}));
  PythonRandom r5(5);
  const std::vector<std::vector<std::string>> expected = {{"v100", "p100", "k80"},
                                                          {"v100", "p100", "k80"},
                                                          {"p100", "v100", "k80"},
                                                          {"k80", "v100", "p100"}};
  for (const auto& e : expected) {
    std::vector<std::string> types = {"v100", "p100", "k80"};
    r5.Shuffle(types);
    EXPECT_EQ(types, e);
  }
  EXPECT_EQ(PythonRandom((uint64_t{1} << 40) + 7).GetRandBits(32), 2635837658U);
}

Job StepJob(int64_t id, double arrival, double steps, std::map<std::string, double> rate) {
  Job j;
  j.id = id;
  j.name = "j" + std::to_string(id);
  j.arrival_s = arrival;
  j.total_steps = steps;
  for (const auto& [type, r] : rate) {
    j.steps_per_s[type] = r;
    j.duration_s[type] = steps / r;
  }
  return j;
}

// One V100, 360 s rounds, 1 step/s. A (720 steps) arrives at 0, B (360) at
// 100. Round 0-360: A (the only job known at 0). At 360 B joins; FIFO
// allocates V100 to A, B gets none, so A runs again to 720 and finishes.
// At 720 the allocation is stale (reset at 360, next allowed at 2280), so
// nothing runs; with nothing left to arrive Gavel forces a reset, B gets
// the V100 and runs 720-1080. JCTs 720 and 980: mean 850. The event engine
// (no rounds) starts B at 720 too but counts from its arrival the same way.
TEST(RoundsTest, HandCheckedFifoRounds) {
  Workload w;
  w.nodes = {{0, "v100", 1, 0, 0}};
  w.jobs = {StepJob(0, 0, 720, {{"v100", 1}}), StepJob(1, 100, 360, {{"v100", 1}})};
  auto p = MakePolicy("fifo-perf");
  ASSERT_TRUE(p);
  ReplayOptions o;
  o.round_s = 360;
  auto r = Replay(w, **p, o);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_DOUBLE_EQ(r->outcomes[0].finish_s, 720);
  EXPECT_DOUBLE_EQ(r->outcomes[1].first_start_s, 720);
  EXPECT_DOUBLE_EQ(r->outcomes[1].finish_s, 1080);
  EXPECT_DOUBLE_EQ(r->avg_jct_s, 850);
}

// Leases count whole steps: 1.5 steps/s for a 360 s round is 540 steps; a
// 1,000-step job needs rounds of 540 then 460 steps: 360 s + 306.67 s.
TEST(RoundsTest, WholeStepsPerRound) {
  Workload w;
  w.nodes = {{0, "v100", 1, 0, 0}};
  w.jobs = {StepJob(0, 0, 1000, {{"v100", 1.5}})};
  auto p = MakePolicy("max-min-fairness");
  ASSERT_TRUE(p);
  auto r = Replay(w, **p);  // needs rounds: 360 s by default
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_NEAR(r->outcomes[0].finish_s, 360 + 460 / 1.5, 1e-9);
}

RoundJob Rj(int64_t id, int scale, std::vector<double> rate) {
  RoundJob j;
  j.id = id;
  j.scale = scale;
  j.steps_per_s = std::move(rate);
  return j;
}

void ExpectFeasible(const RoundAllocation& x, const std::vector<RoundJob>& jobs,
                    const RoundCluster& c) {
  for (size_t t = 0; t < c.types.size(); ++t) {
    double used = 0;
    for (size_t i = 0; i < jobs.size(); ++i) used += jobs[i].scale * x[i][t];
    EXPECT_LE(used, c.workers[t] + 1e-9);
  }
  for (const auto& row : x) EXPECT_LE(std::accumulate(row.begin(), row.end(), 0.0), 1 + 1e-9);
}

// Agnostic max-min: three one-GPU jobs on 1 V100 + 1 P100 get 2/3 of the
// time each. Aware: A runs 4 steps/s on V100, 1 on P100; B 2 on both. The
// agnostic split (1/2, 1/2) gives A 2.5 and B 2 steps/s; normalized by
// those, B can never exceed 1 (its whole time at 2), so the optimum is 1:
// B holds its full time, A reaches at least 1 (e.g. V100 alone: 4/2.5).
TEST(RoundsTest, MaxMinFairnessByHand) {
  RoundCluster c{{"v100", "p100"}, {1, 1}};
  std::vector<RoundJob> three = {Rj(0, 1, {1, 1}), Rj(1, 1, {1, 1}), Rj(2, 1, {1, 1})};
  auto x = MakeMaxMinFairnessAllocator(false)->Allocate(three, c);
  ASSERT_TRUE(x);
  for (const auto& row : *x) EXPECT_NEAR(row[0] + row[1], 2.0 / 3, 1e-9);
  ExpectFeasible(*x, three, c);

  std::vector<RoundJob> two = {Rj(0, 1, {4, 1}), Rj(1, 1, {2, 2})};
  auto y = MakeMaxMinFairnessAllocator(true)->Allocate(two, c);
  ASSERT_TRUE(y);
  ExpectFeasible(*y, two, c);
  EXPECT_NEAR((*y)[1][0] + (*y)[1][1], 1.0, 1e-9);
  EXPECT_GE((4 * (*y)[0][0] + 1 * (*y)[0][1]) / 2.5, 1.0 - 1e-9);
}

// Gavel's FIFO keeps a job on its type until it finishes and then hands
// that type to the first waiting job. Three jobs, 1 V100 + 1 P100, seed 0:
// A takes the last open type by name (v100); Python's randrange(2) draws 1,
// so the V100 entry leaves the open list; B takes the P100; C waits. When A
// finishes, C inherits the V100 and B keeps the P100. The performance-aware
// variant starts afresh each time: B, now first, takes the faster V100.
TEST(RoundsTest, GavelFifoAllocation) {
  RoundCluster c{{"v100", "p100"}, {1, 1}};
  const std::vector<RoundJob> abc = {Rj(0, 1, {3, 1}), Rj(1, 1, {3, 1}), Rj(2, 1, {3, 1})};
  const std::vector<RoundJob> bc(abc.begin() + 1, abc.end());
  using Row = std::vector<double>;
  for (bool perf : {false, true}) {
    auto fifo = MakeGavelFifoAllocator(perf, 0);
    auto x = fifo->Allocate(abc, c);
    ASSERT_TRUE(x);
    EXPECT_EQ((*x)[0], (Row{1, 0})) << perf;
    EXPECT_EQ((*x)[1], (Row{0, 1})) << perf;
    EXPECT_EQ((*x)[2], (Row{0, 0})) << perf;
    x = fifo->Allocate(bc, c);
    ASSERT_TRUE(x);
    EXPECT_EQ((*x)[0], perf ? (Row{1, 0}) : (Row{0, 1})) << perf;
    EXPECT_EQ((*x)[1], perf ? (Row{0, 1}) : (Row{1, 0})) << perf;
  }
}

}  // namespace
}  // namespace suanli::sim
