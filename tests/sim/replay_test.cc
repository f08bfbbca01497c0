// The replay engine: hand-checked schedules, and one conformance suite run
// against every policy (ns-3 style).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "core/rng.h"
#include "sim/engine/replay.h"
#include "sim/policies/registry.h"
#include "sim/trace/trace.h"
#include "testing.h"

namespace suanli::sim {
namespace {

Job MakeJob(int64_t id, double arrival, int gpus, double seconds) {
  Job j;
  j.id = id;
  j.name = "j" + std::to_string(id);
  j.arrival_s = arrival;
  j.num_gpus = gpus;
  j.duration_s["*"] = seconds;
  return j;
}

Workload TwoGpus(std::vector<Job> jobs) {
  Workload w;
  w.nodes = {{0, "v100", 1, 0, 0}, {1, "v100", 1, 0, 0}};
  w.jobs = std::move(jobs);
  return w;
}

ReplayResult ReplayWith(const Workload& w, const char* policy) {
  auto p = MakePolicy(policy, {&w, 1});  // fgd needs the workload
  EXPECT_TRUE(p) << policy << ": " << p.error().ToString();
  auto r = Replay(w, **p);
  EXPECT_TRUE(r) << r.error().ToString();
  return *r;
}

// Three one-GPU jobs of 100, 200 and 50 s arrive together on two GPUs.
// FIFO: 100 and 200 start at 0; 50 starts at 100, ends at 150: JCTs 100,
// 200, 150 -> mean 150. SJF: 50 and 100 first; 200 starts at 50, ends at
// 250: JCTs 50, 100, 250 -> mean 133.33.
TEST(ReplayTest, HandCheckedFifoAndSjf) {
  const Workload w = TwoGpus({MakeJob(1, 0, 1, 100), MakeJob(2, 0, 1, 200), MakeJob(3, 0, 1, 50)});
  EXPECT_DOUBLE_EQ(ReplayWith(w, "fifo").avg_jct_s, 150);
  EXPECT_NEAR(ReplayWith(w, "sjf").avg_jct_s, 400.0 / 3, 1e-9);
  EXPECT_DOUBLE_EQ(ReplayWith(w, "fifo").makespan_s, 200);
}

// SRTF preempts: a 1,000 s job runs alone from 0; at 100 a 10 s job arrives
// on the single GPU and runs at once: it ends at 110, the long job at 1,010.
TEST(ReplayTest, SrtfPreemptsTheLongerJob) {
  Workload w;
  w.nodes = {{0, "v100", 1, 0, 0}};
  w.jobs = {MakeJob(1, 0, 1, 1000), MakeJob(2, 100, 1, 10)};
  const ReplayResult r = ReplayWith(w, "srtf");
  EXPECT_DOUBLE_EQ(r.outcomes[1].finish_s, 110);
  EXPECT_DOUBLE_EQ(r.outcomes[0].finish_s, 1010);
  EXPECT_EQ(r.outcomes[0].preemptions, 1);
  // FIFO lets the long job finish first: 1,000 and 1,010.
  const ReplayResult f = ReplayWith(w, "fifo");
  EXPECT_DOUBLE_EQ(f.outcomes[1].finish_s, 1010);
}

// Where SRTF preempts, by hand, on two 2-GPU nodes. Jobs arrive one a second and go to the lowest
// node with room; a running job ranks by its remaining time now.
TEST(ReplayTest, SrtfPreemptsTheFewestWorstJobsOnTheLowestNodeWithRoom) {
  Workload w;
  w.nodes = {{0, "v100", 2, 0, 0}, {1, "v100", 2, 0, 0}};
  // Node 0 runs A (1,000 s) and B (50 s), node 1 C (2,000 s) and D (3,000 s). At 10 s the 2-GPU
  // job E (100 s) outranks A (990 s left), C and D: evicting A leaves node 0 one GPU short; on node
  // 1, evicting the worst, D, is not enough, D and C are. E runs 10-110. C (1,992 s left) starts
  // when B ends at 51 and ends at 2,043; D (2,993 s left) starts at 110 and ends at 3,103.
  w.jobs = {MakeJob(1, 0, 1, 1000), MakeJob(2, 1, 1, 50), MakeJob(3, 2, 1, 2000),
            MakeJob(4, 3, 1, 3000), MakeJob(5, 10, 2, 100)};
  ReplayResult r = ReplayWith(w, "srtf");
  EXPECT_DOUBLE_EQ(r.outcomes[4].finish_s, 110);
  EXPECT_DOUBLE_EQ(r.outcomes[2].finish_s, 2043);
  EXPECT_DOUBLE_EQ(r.outcomes[3].finish_s, 3103);
  EXPECT_DOUBLE_EQ(r.outcomes[0].finish_s, 1000);
  EXPECT_EQ(r.outcomes[0].preemptions, 0);
  EXPECT_EQ(r.outcomes[2].preemptions, 1);
  EXPECT_EQ(r.outcomes[3].preemptions, 1);

  // Room that comes later: node 0 runs F (20 s) and A, node 1 B and C (3,000 s). At 10 s E finds
  // no room (A or C alone frees one GPU); at 20 F ends and evicting A makes room on node 0: E
  // runs 20-120. A (981 s left) at once evicts C (2,983 s left) on node 1 and ends at 1,001; C
  // resumes when B ends at 52 and ends at 3,035.
  w.jobs = {MakeJob(1, 0, 1, 20), MakeJob(2, 1, 1, 1000), MakeJob(3, 2, 1, 50),
            MakeJob(4, 3, 1, 3000), MakeJob(5, 10, 2, 100)};
  r = ReplayWith(w, "srtf");
  EXPECT_DOUBLE_EQ(r.outcomes[4].finish_s, 120);
  EXPECT_DOUBLE_EQ(r.outcomes[1].finish_s, 1001);
  EXPECT_EQ(r.outcomes[1].preemptions, 1);
  EXPECT_DOUBLE_EQ(r.outcomes[3].finish_s, 3035);
  EXPECT_EQ(r.outcomes[3].preemptions, 1);
}

// SRTF compares a running job by what it has left now, not what it had when it started: a
// 1,000 s job at 600 s has 400 s left, so a 500 s job arriving then waits (1,000-1,500).
TEST(ReplayTest, SrtfComparesTheTimeLeftNow) {
  Workload w;
  w.nodes = {{0, "v100", 1, 0, 0}};
  w.jobs = {MakeJob(1, 0, 1, 1000), MakeJob(2, 600, 1, 500)};
  const ReplayResult r = ReplayWith(w, "srtf");
  EXPECT_DOUBLE_EQ(r.outcomes[0].finish_s, 1000);
  EXPECT_DOUBLE_EQ(r.outcomes[1].finish_s, 1500);
  EXPECT_EQ(r.outcomes[0].preemptions, 0);
}

// srtf's key is the time left on the job's fastest type, so on a slower type it falls slower
// than the clock. One node of two v100: job 1 (80 s on v100, its fastest) and job 2 (100 s on
// v100, 50 s on k80) start at 0; at 70 their keys are 80 - 70 = 10 and 50 x (1 - 70/100) = 15,
// though job 1's was the higher at the start. Job 3 (12 s) arrives at 70 and outranks job 2
// only: job 2 is evicted (not job 1), job 3 ends at 82, job 1 at 80, and job 2 resumes at 80
// with 30 s left on v100 and ends at 110.
TEST(ReplayTest, SrtfComparesJobsWhoseKeysFallAtDifferentRates) {
  Workload w;
  w.nodes = {{0, "v100", 2, 0, 0}};
  Job fast = MakeJob(1, 0, 1, 0), slow = MakeJob(2, 0, 1, 0), small = MakeJob(3, 70, 1, 0);
  fast.duration_s = {{"v100", 80}};
  slow.duration_s = {{"v100", 100}, {"k80", 50}};
  small.duration_s = {{"v100", 12}};
  w.jobs = {fast, slow, small};
  const ReplayResult r = ReplayWith(w, "srtf");
  EXPECT_EQ(r.outcomes[0].preemptions, 0);
  EXPECT_EQ(r.outcomes[1].preemptions, 1);
  EXPECT_DOUBLE_EQ(r.outcomes[0].finish_s, 80);
  EXPECT_DOUBLE_EQ(r.outcomes[1].finish_s, 110);
  EXPECT_DOUBLE_EQ(r.outcomes[2].finish_s, 82);
}

// A preemptive policy's queued job skips nodes where nothing changed since it, or a job of its
// shape that outranks more, found no room there. The decisions must be those of looking at every
// node every time: a busy random workload on two types (so srtf keys fall at several rates on a
// node), fractional and gang jobs, CPU and memory tracked on some nodes, a 40-GPU node, and every
// job's start, finish and preemptions compared. The run without memos also checks each victim
// against a full sort of its node's running jobs by key (the lanes' order).
TEST(ReplayTest, PreemptionMemosDecideAsLookingEverywhere) {
  Workload w;
  for (int n = 0; n < 10; ++n) {
    const bool tracked = n % 3 == 0;
    w.nodes.push_back({n, n < 6 ? "a" : "b", 8, tracked ? 32000 : 0, tracked ? 256000 : 0});
  }
  w.nodes.push_back({10, "a", 40, 0, 0});
  Rng rng(23, 0);
  double t = 0;
  for (int k = 0; k < 600; ++k) {
    t += static_cast<double>(rng.Below(8));
    Job j = MakeJob(k + 1, t, 1, 0);
    if (rng.Below(2) == 0) {
      j.gpu_milli = 100 * static_cast<int>(1 + rng.Below(9));
    } else {
      j.num_gpus = static_cast<int>(1 + rng.Below(4));
    }
    j.cpu_milli = 1000 * static_cast<int>(rng.Below(12));
    j.memory_mib = 16000 * static_cast<int>(rng.Below(12));
    const double d = static_cast<double>(50 + rng.Below(3000));
    j.duration_s.clear();
    if (rng.Below(4) != 0) j.duration_s["a"] = d;
    if (rng.Below(4) != 0 || j.duration_s.empty()) {
      j.duration_s["b"] = d * static_cast<double>(5 + rng.Below(16)) / 10;
    }
    w.jobs.push_back(j);
  }
  for (const char* name : {"srtf", "las"}) {
    auto policy = MakePolicy(name, {&w, 1});
    ASSERT_TRUE(policy);
    ReplayOptions everywhere;
    everywhere.preempt_without_memo = true;
    auto fast = Replay(w, **policy), slow = Replay(w, **policy, everywhere);
    ASSERT_TRUE(fast) << fast.error().ToString();
    ASSERT_TRUE(slow) << slow.error().ToString();  // victims in the order a full sort gives
    ASSERT_EQ(fast->outcomes.size(), slow->outcomes.size());
    int preemptions = 0;
    for (size_t k = 0; k < fast->outcomes.size(); ++k) {
      const JobOutcome &a = fast->outcomes[k], &b = slow->outcomes[k];
      ASSERT_EQ(a.first_start_s, b.first_start_s) << name << " job " << a.id;
      ASSERT_EQ(a.finish_s, b.finish_s) << name << " job " << a.id;
      ASSERT_EQ(a.preemptions, b.preemptions) << name << " job " << a.id;
      preemptions += a.preemptions;
    }
    EXPECT_GT(preemptions, 100) << name;  // busy enough to decide something
  }
}

// LAS (Tiresias' discretized queues, the first threshold one GPU-hour): a 10,000 s job alone on
// one GPU from 0 keeps it while a 100 s job that came at 100 waits in the same queue behind it;
// at 3,600 s it has had a GPU-hour and drops a queue, the waiting job evicts it and runs
// 3,600-3,700, and the long job ends at 10,100. With 2 GPUs each, the long job drops at 1,800.
TEST(ReplayTest, LasDemotesARunningJobWhenItCrossesAThreshold) {
  Workload w;
  w.nodes = {{0, "v100", 1, 0, 0}};
  w.jobs = {MakeJob(1, 0, 1, 10000), MakeJob(2, 100, 1, 100)};
  ReplayResult r = ReplayWith(w, "las");
  EXPECT_DOUBLE_EQ(r.outcomes[1].finish_s, 3700);
  EXPECT_DOUBLE_EQ(r.outcomes[0].finish_s, 10100);
  EXPECT_EQ(r.outcomes[0].preemptions, 1);

  w.nodes = {{0, "v100", 2, 0, 0}};
  w.jobs = {MakeJob(1, 0, 2, 10000), MakeJob(2, 100, 2, 100)};
  r = ReplayWith(w, "las");
  EXPECT_DOUBLE_EQ(r.outcomes[1].finish_s, 1900);
  EXPECT_DOUBLE_EQ(r.outcomes[0].finish_s, 10100);
}

// Strict FIFO: a 2-GPU job at the head blocks a 1-GPU job behind it.
TEST(ReplayTest, FifoHeadOfLineBlocksButBestFitBackfills) {
  Workload w;
  w.nodes = {{0, "v100", 2, 0, 0}};
  w.jobs = {MakeJob(1, 0, 1, 100), MakeJob(2, 1, 2, 100), MakeJob(3, 2, 1, 10)};
  // fifo: job 3 waits for job 2 (starts at 100, ends 200): job 3 runs 200-210.
  EXPECT_DOUBLE_EQ(ReplayWith(w, "fifo").outcomes[2].finish_s, 210);
  // best-fit backfills: job 3 runs 2-12 on the free GPU.
  EXPECT_DOUBLE_EQ(ReplayWith(w, "best-fit").outcomes[2].finish_s, 12);
}

// Fractional GPUs: four 250-milli jobs share one GPU at once.
TEST(ReplayTest, FractionalGpusShare) {
  Workload w;
  w.nodes = {{0, "t4", 1, 0, 0}};
  for (int i = 0; i < 4; ++i) {
    Job j = MakeJob(i, 0, 1, 100);
    j.gpu_milli = 250;
    w.jobs.push_back(j);
  }
  const ReplayResult r = ReplayWith(w, "fifo");
  EXPECT_DOUBLE_EQ(r.makespan_s, 100);
  EXPECT_DOUBLE_EQ(r.peak_utilization, 1.0);
}

TEST(ReplayTest, ErrorsNameTheProblem) {
  auto p = MakePolicy("fifo");
  EXPECT_FALSE(Replay(TwoGpus({}), **p));
  EXPECT_FALSE(MakePolicy("round-robin"));
}

// A job that could never fit (more GPUs, CPU or memory than any node of its types has) stays
// pending, as a real scheduler leaves it: counted, listed with why, and no part of any decision or
// time. By hand: one node of 2 GPUs and 8 CPUs; job 1 (2 GPUs, 100 s) at 0, job 2 (1 GPU, 16 CPUs)
// at 10, job 3 (1 GPU, 50 s) at 20. Job 3 waits for job 1: it runs 100-150. JCTs 100 and 130
// (mean 115), queues 0 and 80 (mean 40), makespan 150, utilization (2 x 100 + 50) / (2 x 150),
// 4 events (two arrivals, two finishes). Every policy gives what the trace without job 2 gives.
TEST(ReplayTest, JobThatNeverFitsStaysPending) {
  Workload w;
  w.nodes = {{0, "v100", 2, 8000, 0}};
  Job big = MakeJob(2, 10, 1, 10);
  big.cpu_milli = 16000;
  w.jobs = {MakeJob(1, 0, 2, 100), big, MakeJob(3, 20, 1, 50)};
  const ReplayResult r = ReplayWith(w, "fifo");
  EXPECT_EQ(r.jobs, 3);
  EXPECT_EQ(r.completed, 2);
  EXPECT_EQ(r.never_fit, 1);
  ASSERT_EQ(r.never_fit_listed.size(), 1u);
  EXPECT_EQ(r.never_fit_listed[0].id, 2);
  EXPECT_EQ(r.never_fit_listed[0].name, "j2");
  EXPECT_EQ(r.never_fit_listed[0].why, "asks 16 CPUs; v100 nodes have at most 8 CPUs");
  EXPECT_DOUBLE_EQ(r.avg_jct_s, 115);
  EXPECT_DOUBLE_EQ(r.avg_queue_s, 40);
  EXPECT_DOUBLE_EQ(r.makespan_s, 150);
  EXPECT_NEAR(r.utilization, 250.0 / 300, 1e-12);
  EXPECT_EQ(r.events, 4);
  ASSERT_EQ(r.outcomes.size(), 3u);  // by job order, the pending one too
  EXPECT_EQ(r.outcomes[1].id, 2);
  EXPECT_LT(r.outcomes[1].first_start_s, 0);
  EXPECT_LT(r.outcomes[1].finish_s, 0);
  EXPECT_DOUBLE_EQ(r.outcomes[2].finish_s, 150);

  Workload fits = w;
  fits.jobs.erase(fits.jobs.begin() + 1);
  for (const auto& name : PolicyNames()) {
    for (double round_s : {0.0, 360.0}) {
      auto policy = MakePolicy(name, {&w, 1});
      ASSERT_TRUE(policy) << name;
      ReplayOptions options;
      options.round_s = round_s;
      auto a = Replay(w, **policy, options);
      ASSERT_TRUE(a) << name << ": " << a.error().ToString();
      auto b = Replay(fits, **policy, options);
      ASSERT_TRUE(b) << name;
      EXPECT_EQ(a->never_fit, 1) << name;
      EXPECT_EQ(a->jobs, 3) << name;
      EXPECT_EQ(a->completed, 2) << name << " " << round_s;
      EXPECT_EQ(a->avg_jct_s, b->avg_jct_s) << name << " " << round_s;
      EXPECT_EQ(a->makespan_s, b->makespan_s) << name << " " << round_s;
      EXPECT_EQ(a->events, b->events) << name << " " << round_s;
      ASSERT_EQ(a->outcomes.size(), 3u) << name;
      EXPECT_EQ(a->outcomes[2].finish_s, b->outcomes[1].finish_s) << name << " " << round_s;
    }
  }
}

// Why a job never fits names what it asks beyond every node of its types, or that no node has
// all it asks at once, or that none is of its types; and a trace where no job fits replays to
// nothing run, not an error.
TEST(ReplayTest, NeverFitSaysWhy) {
  Workload w;
  w.nodes = {{0, "G2", 8, 96000, 393216}, {1, "T4", 2, 104000, 524288}};
  Job pod = MakeJob(1639, 0, 8, 100);  // openb-pod-1639 of gpuspec10
  pod.cpu_milli = 120000;
  pod.memory_mib = 737280;
  pod.allowed_types = {"G2"};
  Job wide = MakeJob(2, 0, 4, 100);  // 4 GPUs fit G2, 100 CPUs only T4
  wide.cpu_milli = 100000;
  Job elsewhere = MakeJob(3, 0, 1, 100);
  elsewhere.allowed_types = {"A100", "H800"};
  w.jobs = {pod, wide, elsewhere};
  const ReplayResult r = ReplayWith(w, "best-fit");
  EXPECT_EQ(r.jobs, 3);
  EXPECT_EQ(r.completed, 0);
  EXPECT_EQ(r.never_fit, 3);
  EXPECT_EQ(r.events, 0);
  ASSERT_EQ(r.never_fit_listed.size(), 3u);
  EXPECT_EQ(r.never_fit_listed[0].why,
            "asks 120 CPUs and 720 GiB of memory; G2 nodes have at most 96 CPUs and 384 GiB");
  EXPECT_EQ(r.never_fit_listed[1].why, "asks 4 GPUs and 100 CPUs; no G2/T4 node has them all");
  EXPECT_EQ(r.never_fit_listed[2].why, "runs only on A100 or H800; the cluster has none");
}

// A node of more than ClusterState::kIndexedGpus GPUs answers from its index; the scan over
// its GPUs (FitOnNodeAfter with nothing released) is the definition. Random allocations and
// releases on a 40-GPU node and 8-GPU nodes must agree with it, and with sums and counts of
// the free shares taken here, at every step.
TEST(ClusterTest, IndexAndGroupsAgreeWithTheScan) {
  ClusterState c({{0, "a", 40, 0, 0}, {1, "a", 8, 0, 0}, {2, "a", 8, 0, 0}, {3, "b", 8, 0, 0}});
  Rng rng(7, 0);
  auto random_job = [&]() {
    Job j = MakeJob(0, 0, 1, 1);
    if (rng.Below(2) == 0) {
      j.gpu_milli = 100 * static_cast<int>(1 + rng.Below(9));  // a shared GPU
    } else {
      j.num_gpus = static_cast<int>(1 + rng.Below(4));
    }
    return j;
  };
  std::vector<std::pair<Job, Placement>> running;
  for (int step = 0; step < 3000; ++step) {
    if (!running.empty() && rng.Below(3) == 0) {
      const size_t k = rng.Below(running.size());
      c.Release(running[k].first, running[k].second);
      running.erase(running.begin() + static_cast<long>(k));
    } else {
      const Job j = random_job();
      const int node = static_cast<int>(rng.Below(4));
      if (auto p = c.FitOnNode(j, node)) {
        c.Allocate(j, *p);
        running.emplace_back(j, *p);
      }
    }
    const Job probe = random_job();
    std::set<std::vector<int>> states;
    for (int n = 0; n < 4; ++n) {
      const auto fast = c.FitOnNode(probe, n);
      const auto scan = c.FitOnNodeAfter(probe, n, {});
      ASSERT_EQ(fast.has_value(), scan.has_value()) << "step " << step << " node " << n;
      if (fast) {
        EXPECT_EQ(fast->gpus, scan->gpus) << "step " << step << " node " << n;
      }
      const auto& free = c.free_milli(n);
      int64_t sum = 0;
      int whole = 0;
      for (int m : free) {
        sum += m;
        whole += m == kMilliPerGpu;
      }
      EXPECT_EQ(c.free_total(n), sum);
      EXPECT_EQ(c.whole_free(n), whole);
      if (const GpuFreeIndex* index = c.gpu_index(n)) {
        for (int v : {0, 1, 250, 500, 999, 1000}) {
          EXPECT_EQ(index->CountAtLeast(v),
                    std::count_if(free.begin(), free.end(), [&](int m) { return m >= v; }));
          int64_t below = 0;
          for (int m : free) below += m < v ? m : 0;
          EXPECT_EQ(index->SumBelow(v), below);
          // The k-th GPU with room, by free share: the sorted shares at or above v, in order.
          std::vector<int> room;
          for (int m : free) {
            if (m >= v) room.push_back(m);
          }
          std::sort(room.begin(), room.end());
          for (size_t k = 0; k < room.size(); ++k)
            EXPECT_EQ(index->NthShareAtLeast(v, static_cast<int>(k)), room[k]) << v << " " << k;
        }
      }
      // Nodes 1 and 2 are alike: one group when their free shares match in any order.
      std::vector<int> state(free.begin(), free.end());
      std::sort(state.begin(), state.end());
      state.push_back(n == 0 ? -1 : (n == 3 ? -2 : -3));  // node 0 alone; type b apart
      states.insert(state);
    }
    ASSERT_EQ(c.group_count(), states.size()) << "step " << step;
  }
}

// Preemption asks whether a job fits as running jobs leave one at a time; the copy-and-scan of
// FitOnNodeAfter is the definition. On a 40-GPU node (indexed), 8-GPU nodes, CPU and memory
// tracked on one: random running jobs leave in random order, and at every step the answers agree.
TEST(ClusterTest, RoomAfterReleaseAgreesWithTheScan) {
  ClusterState c({{0, "a", 40, 0, 0}, {1, "a", 8, 64000, 512000}, {2, "b", 8, 0, 0}});
  Rng rng(11, 0);
  auto random_job = [&]() {
    Job j = MakeJob(0, 0, 1, 1);
    if (rng.Below(2) == 0) {
      j.gpu_milli = 100 * static_cast<int>(1 + rng.Below(9));
    } else {
      j.num_gpus = static_cast<int>(1 + rng.Below(4));
    }
    j.cpu_milli = 1000 * static_cast<int>(rng.Below(16));
    j.memory_mib = 16000 * static_cast<int>(rng.Below(16));
    return j;
  };
  std::vector<std::pair<Job, Placement>> running;
  for (int k = 0; k < 400; ++k) {
    const Job j = random_job();
    if (auto p = c.FitOnNode(j, static_cast<int>(rng.Below(3)))) {
      c.Allocate(j, *p);
      running.emplace_back(j, *p);
    }
  }
  ClusterState::RoomAfterRelease room;
  int fits = 0, checks = 0;
  for (int trial = 0; trial < 300; ++trial) {
    Job probe = random_job();
    if (trial % 5 == 0) probe.duration_s = {{"a", 1}};  // never fits node 2 (type b)
    const int node = static_cast<int>(rng.Below(3));
    std::vector<size_t> here;
    for (size_t k = 0; k < running.size(); ++k) {
      if (running[k].second.node == node) here.push_back(k);
    }
    for (size_t k = here.size(); k > 1; --k) std::swap(here[k - 1], here[rng.Below(k)]);
    room.Reset(c, probe, node);
    std::vector<std::pair<const Job*, const Placement*>> released;
    ASSERT_EQ(room.Fits(), c.FitOnNodeAfter(probe, node, released).has_value()) << trial;
    for (size_t k : here) {
      room.Release(running[k].first, running[k].second);
      released.emplace_back(&running[k].first, &running[k].second);
      const bool scan = c.FitOnNodeAfter(probe, node, released).has_value();
      ASSERT_EQ(room.Fits(), scan) << "trial " << trial << " after " << released.size();
      fits += scan;
      ++checks;
    }
  }
  // Both answers occur (a test that cannot fail is no test).
  EXPECT_GT(fits, checks / 10);
  EXPECT_LT(fits, checks);
}

TEST(TraceTest, CsvErrorsNameFileLineAndField) {
  auto r =
      ReadCsvTrace("id,arrival_s,num_gpus,duration_s\n1,0,1,100\n2,abc,1,100\n", "t.csv", nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().file, "t.csv");
  EXPECT_EQ(r.error().line, 3);
  EXPECT_EQ(r.error().field, "arrival_s");
  r = ReadCsvTrace("id,arrival_s,num_gpus\n1,0,1\n", "t.csv", nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("duration_s"), std::string::npos);
  EXPECT_FALSE(ReadCsvTrace("", "t.csv", nullptr));
  r = ReadCsvTrace("id,arrival_s,num_gpus,duration_s,gpu_milli\n1,0,2,100,500\n", "t.csv", nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("shared GPU"), std::string::npos);
  // Per-type durations.
  auto ok =
      ReadCsvTrace("id,arrival_s,num_gpus,duration_s\n1,0,1,v100=10;k80=70\n", "t.csv", nullptr);
  ASSERT_TRUE(ok);
  EXPECT_DOUBLE_EQ((*ok)[0].DurationOn("k80"), 70);
  EXPECT_LT((*ok)[0].DurationOn("p100"), 0);
}

TEST(TraceTest, IdsAreUniqueWholeNumbersAndCountsWhole) {
  auto r =
      ReadCsvTrace("id,arrival_s,num_gpus,duration_s\n1,0,1,100\n1,5,1,100\n", "t.csv", nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().line, 3);
  EXPECT_NE(r.error().message.find("used twice"), std::string::npos);
  r = ReadCsvTrace("id,arrival_s,num_gpus,duration_s\n1,0,1.5,100\n", "t.csv", nullptr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "num_gpus");
  r = ReadCsvTrace("id,arrival_s,num_gpus,duration_s\n1,0,1e12,100\n", "t.csv", nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("whole number"), std::string::npos);
}

// Jobs equal in key, arrival and id (possible from other readers) are still
// all run: the engine breaks the last tie by position.
TEST(ReplayTest, IdenticalJobsAllRun) {
  Workload w;
  w.nodes = {{0, "v100", 1, 0, 0}};
  w.jobs = {MakeJob(1, 0, 1, 10), MakeJob(1, 0, 1, 10)};
  for (const char* policy : {"fifo", "sjf"}) {
    auto p = MakePolicy(policy);
    ReplayOptions rounds;
    rounds.round_s = 360;
    auto r = Replay(w, **p, rounds);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->completed, 2) << policy;
  }
}

TEST(TraceTest, ClusterSpec) {
  auto nodes = ParseClusterSpec("v100:3,k80:16:8");
  ASSERT_TRUE(nodes);
  EXPECT_EQ(nodes->size(), 1u + 2u);  // v100 is one pool of 3; k80 two nodes of 8
  EXPECT_EQ((*nodes)[0].gpus, 3);
  EXPECT_EQ((*nodes)[2].gpus, 8);
  EXPECT_FALSE(ParseClusterSpec("v100"));
  EXPECT_FALSE(ParseClusterSpec("v100:x"));
  EXPECT_FALSE(ParseClusterSpec("v100:-1"));
  // A type with no GPUs adds no node (Gavel's 8:0:8); no GPUs at all is an error.
  auto with_zero = ParseClusterSpec("v100:8,p100:0,k80:8");
  ASSERT_TRUE(with_zero);
  EXPECT_EQ(with_zero->size(), 2u);
  EXPECT_EQ((*with_zero)[1].type, "k80");
  EXPECT_FALSE(ParseClusterSpec("v100:0,k80:0"));
  // An empty entry or field was dropped: h800::16 read as a pool of 16, h800:16: as no node size,
  // h800:16,,v100:8 as two entries. Each is named now.
  for (const char* spec : {"h800::16", "h800:16:", "h800:16,,v100:8", "h800:16,"}) {
    auto bad = ParseClusterSpec(spec);
    ASSERT_FALSE(bad) << spec;
    EXPECT_EQ(bad.error().field, "--cluster") << spec;
    EXPECT_NE(bad.error().message.find("empty"), std::string::npos) << bad.error().message;
  }
}

// Random workloads for the conformance suite.
Workload RandomWorkload(uint64_t seed) {
  Rng rng(seed, 0);
  Workload w;
  for (int n = 0; n < 6; ++n) w.nodes.push_back({n, n < 3 ? "v100" : "k80", n % 2 ? 4 : 2, 0, 0});
  double t = 0;
  for (int i = 0; i < 120; ++i) {
    t += rng.Uniform() * 60;
    const int gpus = rng.Uniform() < 0.7 ? 1 : (rng.Uniform() < 0.5 ? 2 : 4);
    Job j = MakeJob(i, t, gpus, 0);
    j.duration_s.clear();
    j.duration_s["v100"] = 100 + rng.Uniform() * 1000;
    j.duration_s["k80"] = j.duration_s["v100"] * 3;
    if (gpus == 1 && rng.Uniform() < 0.3) j.gpu_milli = 250 + static_cast<int>(rng.Uniform() * 500);
    w.jobs.push_back(j);
  }
  return w;
}

class PolicyConformance : public ::testing::TestWithParam<std::string> {};

TEST_P(PolicyConformance, EveryJobRunsOnceWithinCapacityAndDeterministically) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const Workload w = RandomWorkload(seed);
    const ReplayResult a = ReplayWith(w, GetParam().c_str());
    // No job lost or run twice: each finishes exactly once, after it arrives
    // and no sooner than its fastest duration.
    EXPECT_EQ(a.completed, a.jobs);
    for (size_t i = 0; i < w.jobs.size(); ++i) {
      const auto& o = a.outcomes[i];
      ASSERT_GE(o.finish_s, 0) << "job " << i << " never finished";
      EXPECT_GE(o.first_start_s, o.arrival_s);
      EXPECT_GE(o.finish_s - o.arrival_s + 1e-6, w.jobs[i].duration_s.at("v100"));
    }
    EXPECT_LE(a.peak_utilization, 1.0 + 1e-12);
    EXPECT_GT(a.utilization, 0);
    // Same input, same output.
    const ReplayResult b = ReplayWith(w, GetParam().c_str());
    ASSERT_EQ(a.outcomes.size(), b.outcomes.size());
    for (size_t i = 0; i < a.outcomes.size(); ++i) {
      EXPECT_EQ(a.outcomes[i].finish_s, b.outcomes[i].finish_s);
    }
    EXPECT_EQ(a.events, b.events);
  }
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, PolicyConformance, ::testing::ValuesIn(PolicyNames()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string s = param_info.param;
                           for (char& c : s) {
                             if (c == '-') c = '_';
                           }
                           return s;
                         });

// The openb trace from the shared data (SUANLI_DATA, default ../shared/data):
// every GPU pod is replayed on the 1,213 GPU nodes.
TEST(SharedTraceTest, OpenbDefaultReplays) {
  const std::string dir = testing::SharedDataDir() + "/traces/alibaba-gpu-v2023-openb/csv/";
  SUANLI_REQUIRE_SHARED_DATA(dir + "openb_pod_list_default.csv",
                             dir + "openb_node_list_gpu_node.csv");
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream b;
    b << in.rdbuf();
    return b.str();
  };
  TraceStats stats;
  auto jobs = ReadOpenbPods(read(dir + "openb_pod_list_default.csv"), "pods", &stats);
  ASSERT_TRUE(jobs) << jobs.error().ToString();
  auto nodes = ReadOpenbNodes(read(dir + "openb_node_list_gpu_node.csv"), "nodes");
  ASSERT_TRUE(nodes) << nodes.error().ToString();
  // reference/traces.md: 8,152 pods of which 1,088 have no GPU; 1,213 GPU nodes.
  EXPECT_EQ(stats.rows, 8152);
  EXPECT_EQ(stats.skipped, 1088);
  EXPECT_EQ(nodes->size(), 1213u);
  long gpus = 0;
  for (const auto& n : *nodes) gpus += n.gpus;
  EXPECT_EQ(gpus, 6212);  // reference/traces.md inventory
  Workload w{*nodes, *jobs};
  auto r = Replay(w, **MakePolicy("best-fit"));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->completed, r->jobs);
}

// Jobs made one at a time, as a trace read as a stream gives them.
class MadeJobs : public JobStream {
 public:
  MadeJobs(long n, double every_s, double seconds) : n_(n), every_s_(every_s), s_(seconds) {}
  Result<bool> Next(Job* job) override {
    if (made_ >= n_) return false;
    ++made_;
    *job = MakeJob(made_, static_cast<double>(made_) * every_s_, 1, s_);
    return true;
  }
  long made() const { return made_; }

 private:
  long n_, made_ = 0;
  double every_s_, s_;
};

// 10,000 one-GPU jobs of 10 s, one every 100 s, on one GPU: each runs alone
// (JCT 10 s, queue 0), and the replay takes each job when it reaches its
// arrival: at every event at most the job present and the next one are read.
TEST(ReplayTest, StreamedJobsAreTakenAsTheyArrive) {
  MadeJobs jobs(10000, 100, 10);
  auto policy = MakePolicy("fifo");
  ReplayOptions options;
  options.progress_every = 1;
  long most_ahead = 0;
  options.progress = [&](long arrived, long completed, long total, double) {
    EXPECT_EQ(total, 10000);
    EXPECT_LE(arrived, jobs.made());
    EXPECT_LE(jobs.made() - arrived, 1);  // at most the next arrival read ahead
    most_ahead = std::max(most_ahead, arrived - completed);
  };
  auto r = Replay({{0, "v100", 1, 0, 0}}, jobs, 10000, **policy, options);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->completed, 10000);
  EXPECT_DOUBLE_EQ(r->avg_jct_s, 10);
  EXPECT_DOUBLE_EQ(r->avg_queue_s, 0);
  EXPECT_EQ(most_ahead, 1);
  EXPECT_EQ(r->jct_s.size(), 10000u);
  EXPECT_EQ(r->events, 20000);  // an arrival and a finish per job
}

// Every policy gives the same result from a stream as from the workload in
// memory, with or without the per-job records.
TEST(ReplayTest, StreamedReplayEqualsTheWorkloadReplay) {
  Rng rng(11, 0);
  Workload w;
  w.nodes = {{0, "v100", 4, 0, 0}, {1, "v100", 4, 0, 0}, {2, "k80", 8, 0, 0}};
  double t = 0;
  for (int i = 1; i <= 600; ++i) {
    t += std::floor(rng.Uniform() * 40);  // ties at one time too
    Job j = MakeJob(i, t, rng.Uniform() < 0.7 ? 1 : 4, 50 + std::floor(rng.Uniform() * 900));
    if (j.num_gpus == 1 && rng.Uniform() < 0.4) j.gpu_milli = 500;
    w.jobs.push_back(j);
  }
  for (const auto& name : PolicyNames()) {
    auto p = MakePolicy(name, {&w, 3});
    ASSERT_TRUE(p) << name;
    auto whole = Replay(w, **p);
    ASSERT_TRUE(whole) << name << ": " << whole.error().ToString();
    auto fresh = MakePolicy(name, {&w, 3});  // a policy draws from its own generator
    ASSERT_TRUE(fresh) << name;
    VectorJobStream stream(w.jobs);
    ReplayOptions lean;
    lean.keep_outcomes = false;
    lean.keep_timeline = false;
    lean.keep_jct = false;
    auto streamed = Replay(w.nodes, stream, static_cast<long>(w.jobs.size()), **fresh, lean);
    ASSERT_TRUE(streamed) << name << ": " << streamed.error().ToString();
    EXPECT_EQ(streamed->avg_jct_s, whole->avg_jct_s) << name;
    EXPECT_EQ(streamed->p99_jct_s, whole->p99_jct_s) << name;
    EXPECT_EQ(streamed->utilization, whole->utilization) << name;
    EXPECT_EQ(streamed->events, whole->events) << name;
    EXPECT_EQ(streamed->p50_jct_s, whole->p50_jct_s) << name;
    EXPECT_EQ(streamed->avg_queue_s, whole->avg_queue_s) << name;
    EXPECT_TRUE(streamed->jct_s.empty()) << name;
    EXPECT_EQ(whole->jct_s.size(), static_cast<size_t>(whole->completed)) << name;
    EXPECT_TRUE(streamed->outcomes.empty()) << name;
    EXPECT_TRUE(streamed->timeline.empty()) << name;
  }
}

TEST(ReplayTest, StreamedJobsOutOfOrderAreErrorsNeverFittingPending) {
  auto policy = MakePolicy("fifo");
  const std::vector<Node> nodes = {{0, "v100", 2, 0, 0}};
  std::vector<Job> late = {MakeJob(1, 100, 1, 10), MakeJob(2, 50, 1, 10)};
  VectorJobStream out_of_order(late);
  auto r = Replay(nodes, out_of_order, 2, **policy);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("'j2' arrives before"), std::string::npos) << r.error().message;
  // Out of order behind a job that never fits is still out of order.
  std::vector<Job> late_behind = {MakeJob(1, 100, 4, 10), MakeJob(2, 50, 1, 10)};
  VectorJobStream out_of_order_behind(late_behind);
  r = Replay(nodes, out_of_order_behind, 2, **policy);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("'j2' arrives before"), std::string::npos) << r.error().message;
  // Out of order behind a job that took a finished job's slot: j1 runs 0-10 on one GPU and
  // frees its slot, j2 arrives at 100 and takes it; j3 at 50 comes after j2 (100), not after the
  // j1 (0) the slot held before.
  std::vector<Job> late_after_reuse = {MakeJob(1, 0, 1, 10), MakeJob(2, 100, 1, 10),
                                       MakeJob(3, 50, 1, 10)};
  VectorJobStream out_of_order_after_reuse(late_after_reuse);
  r = Replay(nodes, out_of_order_after_reuse, 3, **policy);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("'j3' arrives before"), std::string::npos) << r.error().message;
  // A job that never fits, first, in the middle and last: as the whole trace replays.
  std::vector<Job> big = {MakeJob(1, 0, 4, 10), MakeJob(2, 1, 1, 10), MakeJob(3, 5, 4, 10),
                          MakeJob(4, 6, 2, 10), MakeJob(5, 9, 3, 10)};
  VectorJobStream never(big);
  r = Replay(nodes, never, 5, **policy);
  ASSERT_TRUE(r) << r.error().ToString();
  const Workload w{nodes, big};
  auto whole = Replay(w, **policy);
  ASSERT_TRUE(whole);
  EXPECT_EQ(r->jobs, 5);
  EXPECT_EQ(r->never_fit, 3);
  EXPECT_EQ(r->completed, 2);
  // Job 2 runs 1-11; job 4 (both GPUs) waits for it, runs 11-21: makespan 20, JCTs 10 and 15.
  EXPECT_DOUBLE_EQ(r->makespan_s, 20);
  EXPECT_DOUBLE_EQ(r->avg_jct_s, 12.5);
  EXPECT_EQ(r->avg_jct_s, whole->avg_jct_s);
  EXPECT_EQ(r->makespan_s, whole->makespan_s);
  EXPECT_EQ(r->events, whole->events);
  ASSERT_EQ(r->never_fit_listed.size(), 3u);
  EXPECT_EQ(r->never_fit_listed[2].name, "j5");
  EXPECT_EQ(r->never_fit_listed[2].why, "asks 3 GPUs; v100 nodes have at most 2 GPUs");
}

// The openb traces whose pods ask for more than any node of their type has (gpuspec10 and 33:
// openb-pod-1639, 8 G2 GPUs with 120 CPUs, on 96-CPU G2 nodes; its phase in the trace is
// Failed): replayed, with those pods pending, under every event-mode policy FGD compares.
TEST(SharedTraceTest, OpenbGpuSpecTracesReplayWithPodsThatNeverFit) {
  const std::string dir = testing::SharedDataDir() + "/traces/alibaba-gpu-v2023-openb/csv/";
  SUANLI_REQUIRE_SHARED_DATA(
      dir + "openb_pod_list_gpuspec10.csv", dir + "openb_pod_list_gpuspec25.csv",
      dir + "openb_pod_list_gpuspec33.csv", dir + "openb_node_list_gpu_node.csv");
  auto nodes = ReadOpenbNodes(testing::FileText(dir + "openb_node_list_gpu_node.csv"), "nodes");
  ASSERT_TRUE(nodes) << nodes.error().ToString();
  struct Case {
    const char* trace;
    long never_fit;
    const char* first;
  };
  for (const Case& c :
       {Case{"gpuspec10", 2, "openb-pod-1639"}, Case{"gpuspec25", 1, "openb-pod-3362"},
        Case{"gpuspec33", 1, "openb-pod-1639"}}) {
    const std::string path = dir + "openb_pod_list_" + c.trace + ".csv";
    TraceStats stats;
    auto jobs = ReadOpenbPods(testing::FileText(path), path, &stats);
    ASSERT_TRUE(jobs) << jobs.error().ToString();
    const Workload w{*nodes, *jobs};
    for (const char* name : {"fifo", "best-fit", "fgd"}) {
      auto policy = MakePolicy(name, {&w, 42});
      ASSERT_TRUE(policy);
      auto r = Replay(w, **policy);
      ASSERT_TRUE(r) << c.trace << " " << name << ": " << r.error().ToString();
      EXPECT_EQ(r->jobs, static_cast<long>(jobs->size())) << c.trace;
      EXPECT_EQ(r->never_fit, c.never_fit) << c.trace;
      EXPECT_EQ(r->completed, r->jobs - r->never_fit) << c.trace << " " << name;
      ASSERT_FALSE(r->never_fit_listed.empty());
      EXPECT_EQ(r->never_fit_listed[0].name, c.first) << c.trace;
    }
  }
}

}  // namespace
}  // namespace suanli::sim

namespace suanli::sim {
namespace {

// Our policy's claim (docs/trace-formats.md, bench/RESULTS.md): on a scarce,
// mixed fleet under contention, sjf-perf gives the lowest average JCT of the
// non-preemptive policies and beats fifo-perf.
TEST(SjfPerfTest, LowestAverageJctUnderContention) {
  Rng rng(7, 0);
  Workload w;
  // Slow parts listed first, as an inventory often is: first fit lands on them.
  for (int n = 0; n < 4; ++n) w.nodes.push_back({n, "k80", 4, 0, 0});
  for (int n = 4; n < 6; ++n) w.nodes.push_back({n, "v100", 4, 0, 0});
  double t = 0;
  for (int i = 0; i < 400; ++i) {
    t += rng.Uniform() * 120;  // offered load above capacity: a queue builds
    Job j;
    j.id = i;
    j.name = "j" + std::to_string(i);
    j.arrival_s = t;
    j.num_gpus = rng.Uniform() < 0.8 ? 1 : 2;
    const double v100 = 600 * std::pow(10, rng.Uniform() * 1.5);
    j.duration_s["v100"] = v100;
    j.duration_s["k80"] = v100 * (2 + 5 * rng.Uniform());  // 2-7x slower
    w.jobs.push_back(j);
  }
  auto avg = [&](const char* name) {
    auto p = MakePolicy(name);
    auto r = Replay(w, **p);
    EXPECT_TRUE(r);
    return r->avg_jct_s;
  };
  const double ours = avg("sjf-perf");
  for (const char* other : {"fifo", "fifo-perf", "sjf", "best-fit"}) {
    EXPECT_LT(ours, avg(other)) << "sjf-perf against " << other;
  }
}

}  // namespace
}  // namespace suanli::sim
