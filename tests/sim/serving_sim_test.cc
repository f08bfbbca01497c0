// The request-level serving simulator. Scheduling is checked by hand on a stand-in step model
// whose every iteration costs a fixed time (so TTFT, TPOT, preemptions and completion times are
// step counts worked out in the comments); the statistical parts (arrivals, lengths) against
// their closed forms; and the properties issue 13 asks for on the real step model.
#include "sim/serving/serving_sim.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "catalog/catalog.h"
#include "perf/inference.h"

namespace suanli::sim {
namespace {

// Every iteration takes `step_s`, whatever it holds; `kv_tokens` of KV room.
class FixedStep : public StepCost {
 public:
  FixedStep(double step_s, double kv_tokens, int mtp = 0, double acceptance = 0)
      : step_s_(step_s), kv_(kv_tokens), mtp_(mtp), acceptance_(acceptance) {}
  double StepSeconds(double, double, double, double) const override { return step_s_; }
  double KvCapacityTokens() const override { return kv_; }
  int MtpDepth() const override { return mtp_; }
  double MtpAcceptance() const override { return acceptance_; }

 private:
  double step_s_, kv_;
  int mtp_;
  double acceptance_;
};

ServingRequest Req(double at, int in, int out) {
  ServingRequest r;
  r.arrival_s = at;
  r.input_tokens = in;
  r.output_tokens = out;
  return r;
}

// A closed loop of 4 clients, by hand with 10 ms iterations: 40 requests of a 1-token prompt and
// 10 output tokens, their arrival times ignored (100 s apart). Each request takes one prefill
// iteration (its first token, TTFT 10 ms) and nine decodes: 100 ms end to end, and the four
// clients run in step, so 10 rounds end at 1 s. Measured from the first completion (0.1 s) to
// the last send (0.9 s): 8 rounds x 4 x 10 tokens / 0.8 s = 400 tokens/s. Never more than 4 run.
TEST(ServingSim, ClosedLoopKeepsItsClientsInFlightByHand) {
  const FixedStep model(0.010, 1e6);
  std::vector<ServingRequest> reqs;
  for (int i = 0; i < 40; ++i) reqs.push_back(Req(100.0 * i, 1, 10));
  auto r = SimulateServing(model, {}, reqs, {}, 1, 4);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->requests_completed, 40);
  EXPECT_EQ(r->max_running_seqs, 4);
  EXPECT_NEAR(r->ttft_ms.p99, 10, 1e-6);
  EXPECT_NEAR(r->e2e_s.p50, 0.100, 1e-9);
  EXPECT_NEAR(r->makespan_s, 1.0, 1e-9);
  EXPECT_NEAR(r->output_tokens_per_s, 400, 1e-6);
  // More clients than requests: all at once, as offline.
  auto all = SimulateServing(model, {}, reqs, {}, 1, 100);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->max_running_seqs, 40);
  EXPECT_NEAR(all->makespan_s, 0.100, 1e-9);
}

// 1 ms a decoding sequence and 10 ms a prompt token: which group carries what shows in the time.
class PerTokenStep : public StepCost {
 public:
  double StepSeconds(double decode, double, double prefill, double) const override {
    return 0.001 * decode + 0.01 * prefill;
  }
  double KvCapacityTokens() const override { return 1e6; }
};

// A closed loop of two waves is measured as its client measures it: over the makespan. By hand
// with the step above (1 ms a decoding sequence, 10 ms a prompt token), 2 clients, 4 requests
// of 100-token prompts, r1 one output token longer (12) than the others (11). Iteration 1
// prefills r0 and r1 (2 s): first tokens at 2.000; ten decodes of 2 ms: r0 ends at 2.020 and
// r2 goes. Iteration 12 decodes r1's last token and prefills r2 (1.001 s): r1 ends at 3.021, r3
// goes (the last send). Iteration 13 decodes r2 and prefills r3 (1.001 s, to 4.022); nine
// decodes of 2 ms end r2 at 4.040, one of 1 ms r3 at 4.041. From the first completion (2.020)
// to the last send (3.021) only iteration 12's 2 tokens come: 2.0 tokens/s, shorter than one
// request's life (mean end to end (2.020 + 3.021 + 2.020 + 1.020) / 4 = 2.020 s). Over the
// makespan: 45 tokens / 4.041 s = 11.14 tokens/s.
TEST(ServingSim, ClosedLoopOfTwoWavesOverItsMakespanByHand) {
  const PerTokenStep model;
  std::vector<ServingRequest> reqs = {Req(0, 100, 11), Req(0, 100, 12), Req(0, 100, 11),
                                      Req(0, 100, 11)};
  auto r = SimulateServing(model, {}, reqs, {}, 1, 2);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->requests_completed, 4);
  EXPECT_NEAR(r->makespan_s, 4.041, 1e-9);
  EXPECT_NEAR(r->e2e_s.mean, 2.02025, 1e-9);
  EXPECT_NEAR(r->output_tokens_per_s, 45 / 4.041, 1e-6);
}

// Attention data parallel: groups pass every MoE layer together, so a long prompt in one group
// holds up the other's tokens. By hand: r0 (1 + 11 tokens) goes to group 0, r1 (100 + 2) to the
// emptier group 1. Iteration 1 prefills both: max(10 ms, 1,000 ms) = 1 s, so r0's first token
// comes at 1 s, not at 10 ms as it would alone; then ten 1 ms decode steps: r0 ends at 1.010 s,
// TPOT 1 ms. The output rate is per group: 13 tokens / 1.010 s / 2 groups.
TEST(ServingSim, GroupsInLockstepWaitForTheBusiestGroup) {
  const PerTokenStep model;
  SchedulerLimits limits;
  limits.attention_groups = 2;
  const std::vector<ServingRequest> both = {Req(0, 1, 11), Req(0, 100, 2)};
  auto r = SimulateServing(model, limits, both, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->requests_completed, 2);
  EXPECT_NEAR(r->ttft_ms.p50, 1000, 1e-6);  // both first tokens at 1 s
  EXPECT_NEAR(r->e2e_s.mean, (1.010 + 1.001) / 2, 1e-9);
  EXPECT_NEAR(r->output_tokens_per_s, 13 / 1.010 / 2, 1e-9);
  // Alone, r0 takes 10 ms to its first token.
  auto alone = SimulateServing(model, {}, {Req(0, 1, 11)}, {});
  ASSERT_TRUE(alone);
  EXPECT_NEAR(alone->ttft_ms.p50, 10, 1e-9);
}

// TensorRT-LLM's attention-DP balance (PyExecutor._balance_adp_requests), by hand on four groups
// and 10 ms iterations, iteration k running from (k - 1) x 10 ms. Four long requests at t = 0
// (1-token prompts, 100 tokens) take one group each; no group decodes yet, so iteration 1
// prefills them at once (first tokens at 10 ms). From iteration 2 on every group decodes and the
// executor counts the iterations in which not every group has a prompt, whether or not one
// waits: 1 at iteration 2, 2 at iteration 3, and at the timeout (3) in iteration 4 (t = 30 ms)
// the prompts go and the count starts again (1 at iteration 5, 2 at 6, release at 7).
// A prompt arriving at 15 ms (group 0) is held in iteration 3, goes in iteration 4: first token
// at 40 ms, TTFT 25 ms (15 ms without the balance: admitted at 20 ms). One arriving at 35 ms is
// held in iterations 5 and 6, goes in 7 (60-70 ms): TTFT 35 ms (15 without).
// Four prompts at 45 ms, one a group (dispatched to the emptiest): iteration 5 (t = 40 ms) counts
// 1, iteration 6 (50 ms) sees a prompt in every group, resets the count and holds them the
// batching wait: iterations 6 and 7 (wait 2), they go in iteration 8 (70-80 ms): TTFT 35 ms each
// (15 without). With one group idle (three long requests) nothing is held: no group may lack
// decodes while prompts wait.
TEST(ServingSim, AttentionDpBalanceHoldsPromptsByHand) {
  SchedulerLimits limits;
  limits.attention_groups = 4;
  SchedulerLimits balanced = limits;
  balanced.adp_balance = true;
  balanced.adp_balance_timeout_iters = 3;
  balanced.adp_balance_wait_iters = 2;
  const FixedStep model(0.010, 1e6);
  auto with = [&](int long_requests, std::vector<ServingRequest> late) {
    std::vector<ServingRequest> reqs;
    for (int i = 0; i < long_requests; ++i) reqs.push_back(Req(0, 1, 100));
    for (const auto& r : late) reqs.push_back(r);
    return reqs;
  };
  struct Case {
    const char* name;
    int long_requests;
    std::vector<ServingRequest> late;
    double late_ttft_ms, late_ttft_plain_ms;
  };
  const std::vector<Case> cases = {
      {"a prompt at 15 ms goes at the timeout count", 4, {Req(0.015, 1, 2)}, 25, 15},
      {"a prompt at 35 ms waits the whole count", 4, {Req(0.035, 1, 2)}, 35, 15},
      {"a prompt in every group waits the batching iterations",
       4,
       {Req(0.045, 1, 2), Req(0.045, 1, 2), Req(0.045, 1, 2), Req(0.045, 1, 2)},
       35,
       15},
      {"a group without decodes holds nothing", 3, {Req(0.015, 1, 2)}, 15, 15},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const auto reqs = with(c.long_requests, c.late);
    auto on = SimulateServing(model, balanced, reqs, {});
    auto off = SimulateServing(model, limits, reqs, {});
    ASSERT_TRUE(on && off);
    const double n_long = c.long_requests, n_late = static_cast<double>(c.late.size());
    // The long requests' first tokens come at 10 ms either way.
    EXPECT_NEAR(on->ttft_ms.mean, (n_long * 10 + n_late * c.late_ttft_ms) / (n_long + n_late),
                1e-9);
    EXPECT_NEAR(off->ttft_ms.mean,
                (n_long * 10 + n_late * c.late_ttft_plain_ms) / (n_long + n_late), 1e-9);
  }
  // One group: there is nothing to balance, the same run as without.
  balanced.attention_groups = 1;
  limits.attention_groups = 1;
  const auto reqs = with(1, {Req(0.015, 1, 2)});
  auto on = SimulateServing(model, balanced, reqs, {});
  auto off = SimulateServing(model, limits, reqs, {});
  ASSERT_TRUE(on && off);
  EXPECT_EQ(on->ttft_ms.mean, off->ttft_ms.mean);
}

TEST(ServingSim, OneRequestIsOnePrefillStepThenOneStepPerToken) {
  // 100 prompt tokens in one step (no token budget) samples token 1 at 10 ms; tokens 2..11 take
  // one decode step each: done at 11 steps = 110 ms; TPOT (110 - 10) / 10 = 10 ms.
  auto r = SimulateServing(FixedStep(0.010, 1e6), {}, {Req(0, 100, 11)}, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->steps, 11);
  EXPECT_NEAR(r->ttft_ms.p50, 10, 1e-9);
  EXPECT_NEAR(r->tpot_ms.p50, 10, 1e-9);
  EXPECT_NEAR(r->e2e_s.p50, 0.110, 1e-12);
  EXPECT_NEAR(r->output_tokens_per_s, 11 / 0.110, 1e-9);
  EXPECT_EQ(r->preemptions, 0);
}

TEST(ServingSim, LiveTrafficIsMeasuredFromTheFirstCompletion) {
  // A request every step (1/128 s, exact in binary) from t = 0 to 99/128: a 1-token prompt,
  // then 20 tokens. Request i samples token 1 in the step it arrives in and token k at
  // (i + k) / 128; request 0 completes at 20/128. From then on 20 requests run and each step
  // yields 20 tokens: 2,560 tokens/s, the arrival rate (128/s) times 20. Counted from t = 0
  // the filling batch (1, 2, ... 20 tokens in the first 20 steps) would lower it to
  // (210 + 79 x 20) / (99/128) = 2,314.
  const double step = 1.0 / 128;
  std::vector<ServingRequest> reqs;
  for (int i = 0; i < 100; ++i) reqs.push_back(Req(i * step, 1, 20));
  auto r = SimulateServing(FixedStep(step, 1e6), {}, reqs, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NEAR(r->output_tokens_per_s, 2560, 1e-6);
}

// Offered twice what it serves, the server's rate is what it sustains, as all requests at once
// (offline) measure it. 20 sequences at a time, each a 50-token prompt and 20 output tokens: a
// batch's prompts take one 10 s step (10 ms a token) that samples token 1, its other 19 tokens
// 19 steps of 20 ms: 400 tokens per 10.38 s. Measured only while requests arrive (15.6 s), from the
// ramp's end (the first step past half of it, at 10 s), the window would hold the first batch's
// decodes and not all of its prompts: 1.35x the rate.
TEST(ServingSim, AnOverloadedServerServesWhatItSustains) {
  const PerTokenStep model;
  SchedulerLimits limits;
  limits.max_num_seqs = 20;
  std::vector<ServingRequest> at_once, live;
  for (int i = 0; i < 60; ++i) at_once.push_back(Req(0, 50, 20));
  auto offline = SimulateServing(model, limits, at_once, {});
  ASSERT_TRUE(offline) << offline.error().message;
  const double sustained = offline->output_tokens_per_s;
  EXPECT_NEAR(sustained, 400 / 10.38, 1e-9);
  const double gap = 20 / (2 * sustained);  // twice the sustained rate, in requests
  for (int i = 0; i < 60; ++i) live.push_back(Req(i * gap, 50, 20));
  auto r = SimulateServing(model, limits, live, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NEAR(r->output_tokens_per_s / sustained, 1, 0.1);
  EXPECT_NEAR(r->offered_output_tokens_per_s / sustained, 2, 0.1);
}

TEST(ServingSim, MultiStepSchedulingAdmitsOnlyAtASchedulerCall) {
  // A at t = 0 (1-token prompt, 10 tokens), B at 5 ms; steps of 10 ms. Every step a call: B joins
  // the step starting at 10 ms, first token at 20 ms, TTFT 15 ms. Four steps per call: the call
  // at t = 0 admits A, steps 2-4 (10-40 ms) only decode, the next call at 40 ms admits B: first
  // token at 50 ms, TTFT 45 ms. A is unaffected (10 tokens in 100 ms either way).
  const std::vector<ServingRequest> reqs = {Req(0, 1, 10), Req(0.005, 1, 10)};
  SchedulerLimits limits;
  auto every = SimulateServing(FixedStep(0.010, 1e6), limits, reqs, {});
  limits.scheduler_steps = 4;
  auto multi = SimulateServing(FixedStep(0.010, 1e6), limits, reqs, {});
  ASSERT_TRUE(every && multi);
  EXPECT_NEAR(every->ttft_ms.mean, (10 + 15) / 2.0, 1e-9);
  EXPECT_NEAR(multi->ttft_ms.mean, (10 + 45) / 2.0, 1e-9);
  EXPECT_NEAR(multi->e2e_s.mean, (0.100 + 0.135) / 2, 1e-12);
}

TEST(ServingSim, MultiStepPrefillOnlyIterationCallsAgain) {
  // vLLM V0 (S4840): a call that admits prompts runs them alone (prefill_apart) and takes no
  // lookahead slots, so the engine calls again after it. A at t = 0, B at 5 ms (1-token prompts,
  // 10 tokens), steps of 10 ms, 4 steps a call. 0-10 ms: A's prefill (first token at 10 ms);
  // 10-20: the next call runs B's prefill while A waits (TTFT 15 ms); 20-60 and 60-100: two
  // windows decoding both (A's tokens 2-9, B's 2-9); 100-110: the last tokens: both done at
  // 110 ms, e2e (110 + 105) / 2 ms. Were the prefill call kept for 4 steps, B would wait for the
  // call at 40 ms (TTFT 45 ms).
  const std::vector<ServingRequest> reqs = {Req(0, 1, 10), Req(0.005, 1, 10)};
  SchedulerLimits limits;
  limits.scheduler_steps = 4;
  limits.prefill_apart = true;
  auto r = SimulateServing(FixedStep(0.010, 1e6), limits, reqs, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NEAR(r->ttft_ms.mean, (10 + 15) / 2.0, 1e-9);
  EXPECT_NEAR(r->e2e_s.mean, (0.110 + 0.105) / 2, 1e-12);
}

TEST(ServingSim, ChunkedPrefillSplitsThePromptByTheTokenBudget) {
  // A budget of 40 tokens per step: 40 + 40 + 20 prompt tokens, first token after 3 steps.
  SchedulerLimits limits;
  limits.max_batched_tokens = 40;
  auto r = SimulateServing(FixedStep(0.010, 1e6), limits, {Req(0, 100, 2)}, {});
  ASSERT_TRUE(r);
  EXPECT_NEAR(r->ttft_ms.p50, 30, 1e-9);
  EXPECT_EQ(r->steps, 4);  // and one decode step for the second token
}

TEST(ServingSim, WithoutChunkingAPromptWaitsForABudgetThatHoldsIt) {
  // Budget 40. A (10-token prompt, 5 tokens) and B (100-token prompt) at t = 0. Chunked: B takes
  // 30, 39 and 31 tokens in steps 1-3 beside A: first token at 30 ms. Whole prompts: B fits no
  // step while A decodes (steps 1-5); step 6 is empty of decodes and B, longer than any budget,
  // runs alone: first token at 60 ms.
  SchedulerLimits limits;
  limits.max_batched_tokens = 40;
  const std::vector<ServingRequest> reqs = {Req(0, 10, 5), Req(0, 100, 2)};
  auto chunked = SimulateServing(FixedStep(0.010, 1e6), limits, reqs, {});
  limits.chunked_prefill = false;
  auto whole = SimulateServing(FixedStep(0.010, 1e6), limits, reqs, {});
  ASSERT_TRUE(chunked && whole);
  EXPECT_NEAR(chunked->ttft_ms.mean, (10 + 30) / 2.0, 1e-9);
  EXPECT_NEAR(whole->ttft_ms.mean, (10 + 60) / 2.0, 1e-9);
  // SGLang's PrefillAdder accepts the first prompt of a prefill batch whatever its length
  // (schedule_policy.py: 'if the can_run_list is empty, always accept the first prefill request',
  // S3264): step 1 takes A, and B (100 over the 30 left) waits; step 2's prefill batch starts with
  // B, beside A's decode: first token at 20 ms, not at 60.
  limits.retract = true;
  limits.reserve_output = false;
  auto sglang = SimulateServing(FixedStep(0.010, 1e6), limits, reqs, {});
  ASSERT_TRUE(sglang) << sglang.error().message;
  EXPECT_NEAR(sglang->ttft_ms.mean, (10 + 20) / 2.0, 1e-9);
}

TEST(ServingSim, APrefillBatchApartMakesTheRunningDecodesWaitByHand) {
  // SGLang's scheduler runs a new prefill batch first and on its own; the decodes run only in an
  // iteration without one (Scheduler.get_next_batch_to_run; --enable-mixed-chunk merges them,
  // S3330). 10 ms steps: A (1-token prompt, 5 tokens) at t = 0, B (10-token prompt, 2 tokens) at
  // 25 ms. Shared iterations: A's prompt (1), A's tokens 2 and 3 (2, 3), B's prompt beside A's
  // token 4 (4: B's first token at 40 ms), A's token 5 and B's second (5): both done at 50 ms in
  // 5 steps. Apart: step 4 is B's prompt alone, A's token 4 waits for step 5 (with B's second
  // token: B done at 50 ms) and its token 5 for step 6: A done at 60 ms, 6 steps.
  SchedulerLimits limits;
  const std::vector<ServingRequest> reqs = {Req(0, 1, 5), Req(0.025, 10, 2)};
  auto shared = SimulateServing(FixedStep(0.010, 1e6), limits, reqs, {});
  limits.prefill_apart = true;
  auto apart = SimulateServing(FixedStep(0.010, 1e6), limits, reqs, {});
  ASSERT_TRUE(shared && apart);
  EXPECT_EQ(shared->steps, 5);
  EXPECT_EQ(apart->steps, 6);
  EXPECT_NEAR(shared->makespan_s, 0.050, 1e-9);
  EXPECT_NEAR(apart->makespan_s, 0.060, 1e-9);
  // B's first token at 40 ms either way (15 ms after it came); A's end to end 50 -> 60 ms.
  EXPECT_NEAR(shared->ttft_ms.mean, (10 + 15) / 2.0, 1e-9);
  EXPECT_NEAR(apart->ttft_ms.mean, (10 + 15) / 2.0, 1e-9);
  EXPECT_NEAR(shared->e2e_s.mean, (0.050 + 0.025) / 2, 1e-9);
  EXPECT_NEAR(apart->e2e_s.mean, (0.060 + 0.025) / 2, 1e-9);
}

TEST(ServingSim, APrefillBatchApartHasTheWholeChunkByHand) {
  // SGLang's PrefillAdder starts a prefill batch from the whole chunked_prefill_size; the running
  // decodes take none of it unless --enable-mixed-chunk (S3264, S3330). Budget 10, 10 ms steps:
  // A1-A4 (1-token prompts, 6 tokens each) at t = 0, B (10-token prompt, 2 tokens) at 15 ms.
  // Step 1: the four prompts (first tokens at 10 ms); step 2: their decodes; B arrives.
  // Shared budget (vLLM): step 3 runs the 4 decodes and 6 of B's tokens, step 4 the decodes and
  // B's last 4: B's first token at 40 ms (TTFT 25), the A's end in step 6 and B's second token
  // in step 5: 6 steps. Apart: step 3 is B's whole prompt alone (10 tokens: TTFT 15 ms), the
  // decodes wait a step: the A's end in step 7, 7 steps. (Had the decodes taken 4 of the 10,
  // B would run 6 then 4 tokens in two prefill batches: TTFT 25 ms, 8 steps.)
  SchedulerLimits limits;
  limits.max_batched_tokens = 10;
  const std::vector<ServingRequest> reqs = {Req(0, 1, 6), Req(0, 1, 6), Req(0, 1, 6), Req(0, 1, 6),
                                            Req(0.015, 10, 2)};
  auto shared = SimulateServing(FixedStep(0.010, 1e6), limits, reqs, {});
  limits.prefill_apart = true;
  auto apart = SimulateServing(FixedStep(0.010, 1e6), limits, reqs, {});
  ASSERT_TRUE(shared && apart);
  EXPECT_NEAR(shared->ttft_ms.mean, (4 * 10 + 25) / 5.0, 1e-9);
  EXPECT_NEAR(apart->ttft_ms.mean, (4 * 10 + 15) / 5.0, 1e-9);
  EXPECT_EQ(shared->steps, 6);
  EXPECT_EQ(apart->steps, 7);
  EXPECT_NEAR(apart->makespan_s, 0.070, 1e-9);
}

TEST(ServingSim, MaxPrefillTokensEndsThePrefillBatchAtThePromptThatDoesNotFit) {
  // SGLang's PrefillAdder (S3040), 10 ms steps, budget 100, 50 prompt tokens a prefill batch. A,
  // B (30-token prompts) and C (10) at t = 0, 2 output tokens each. Step 1 takes A (30); B's 30
  // exceed the 20 left and end the batch, though C's 10 would fit. Step 2 takes B first and C in
  // the 20 left (A decodes): TTFT 10, 20, 20 ms. Without the cap all three fit the budget of
  // step 1: 10 ms each.
  SchedulerLimits limits;
  limits.max_batched_tokens = 100;
  const std::vector<ServingRequest> reqs = {Req(0, 30, 2), Req(0, 30, 2), Req(0, 10, 2)};
  auto open = SimulateServing(FixedStep(0.010, 1e6), limits, reqs, {});
  limits.max_prefill_tokens = 50;
  auto capped = SimulateServing(FixedStep(0.010, 1e6), limits, reqs, {});
  ASSERT_TRUE(open && capped);
  EXPECT_NEAR(open->ttft_ms.mean, 10, 1e-9);
  EXPECT_NEAR(capped->ttft_ms.mean, (10 + 20 + 20) / 3.0, 1e-9);
  // A step's first prompt always goes, chunked by the budget only: 80 tokens over a cap of 50 in
  // one step, TTFT 10 ms.
  auto first = SimulateServing(FixedStep(0.010, 1e6), limits, {Req(0, 80, 2)}, {});
  ASSERT_TRUE(first);
  EXPECT_NEAR(first->ttft_ms.p50, 10, 1e-9);
}

TEST(ServingSim, MaxNumSeqsQueuesTheRest) {
  // One sequence at a time: the second request starts when the first ends (step 5, 50 ms),
  // prefills in step 6: TTFT 60 ms, done after 10 steps.
  SchedulerLimits limits;
  limits.max_num_seqs = 1;
  auto r = SimulateServing(FixedStep(0.010, 1e6), limits, {Req(0, 10, 5), Req(0, 10, 5)}, {});
  ASSERT_TRUE(r);
  EXPECT_NEAR(r->ttft_ms.mean, (10 + 60) / 2.0, 1e-9);
  EXPECT_NEAR(r->makespan_s, 0.100, 1e-12);
  EXPECT_EQ(r->max_running_seqs, 1);
}

TEST(ServingSim, AFullKvCachePreemptsTheLatestAndRecomputesIt) {
  // Room for 2 blocks of 16 tokens. A and B (16-token prompts, 10 outputs) are prefilled in
  // step 1 (one block each, first tokens at 10 ms). In step 2, A's 17th token needs a second
  // block: B (admitted last) is preempted. A then decodes alone: its 10th token at step 10.
  // B waits for 2 free blocks; step 11 recomputes its 16 + 1 tokens and samples its 2nd token;
  // tokens 3..10 take steps 12-19: done at 190 ms.
  SchedulerLimits optimistic;  // vLLM's admission
  optimistic.reserve_output = false;
  auto r = SimulateServing(FixedStep(0.010, 32), optimistic, {Req(0, 16, 10), Req(0, 16, 10)}, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->preemptions, 1);
  EXPECT_EQ(r->requests_completed, 2);
  EXPECT_NEAR(r->ttft_ms.p50, 10, 1e-9);  // both first tokens came in step 1
  EXPECT_NEAR(r->e2e_s.mean, (0.100 + 0.190) / 2, 1e-12);
  EXPECT_EQ(r->steps, 19);
}

// vLLM V1's admission under KV pressure, by hand (S3730, S3731): room for 4 blocks of 16 tokens,
// 40 tokens a step, A (16 + 3) then B (48 + 10). Step 1: A's prompt and B's first 24 tokens (1 +
// 2 blocks). Step 2: A's 17th token takes the last free block; B's next 24 tokens need a 3rd
// block: none is free, so B (the latest admitted) is preempted, and nothing is admitted that
// step. Its 2 blocks go to the free queue with their hashes; one is full (16 of its 24 tokens).
// Step 3: B would take 3 blocks, 2 are free (A holds 2); A ends. Step 4: no block was allocated
// since B's went back, so its full block is still cached: B computes its last 32 tokens (3
// blocks) and samples its first token at 40 ms, its 10th in step 13 (130 ms). Recomputing from
// the first token instead: 40 tokens in step 4, 8 in step 5 (first token 50 ms, done at 140 ms).
TEST(ServingSim, APreemptedRequestFindsItsOwnBlocksInThePrefixCacheByHand) {
  SchedulerLimits vllm;
  vllm.reserve_output = false;
  vllm.max_batched_tokens = 40;
  vllm.preempted_prefix_cached = true;
  const std::vector<ServingRequest> reqs = {Req(0, 16, 3), Req(0, 48, 10)};
  auto r = SimulateServing(FixedStep(0.010, 64), vllm, reqs, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->preemptions, 1);
  EXPECT_EQ(r->requests_completed, 2);
  EXPECT_NEAR(r->ttft_ms.mean, (10 + 40) / 2.0, 1e-9);
  EXPECT_NEAR(r->e2e_s.mean, (0.030 + 0.130) / 2, 1e-9);
  EXPECT_EQ(r->steps, 13);
  vllm.preempted_prefix_cached = false;
  auto cold = SimulateServing(FixedStep(0.010, 64), vllm, reqs, {});
  ASSERT_TRUE(cold) << cold.error().message;
  EXPECT_EQ(cold->preemptions, 1);
  EXPECT_NEAR(cold->ttft_ms.mean, (10 + 50) / 2.0, 1e-9);
  EXPECT_NEAR(cold->e2e_s.mean, (0.030 + 0.140) / 2, 1e-9);
  EXPECT_EQ(cold->steps, 14);
}

// SGLang's admission and retraction (SchedulerLimits::retract), by hand with 10 ms steps and 12
// blocks of 16 tokens. A (16 + 100) is admitted in step 1: 116 < 192 free. B (1 + 89, 90 tokens)
// is not beside it (90 >= 192 - 116: a new request reserves its whole output). In step 2 A holds 2
// blocks and is expected to take new_token_ratio (0.7 less one decay step, 0.6990) of its 99 left:
// 90 < 160 - 69.2, so B is admitted (first token at 20 ms). Both grow a token a step: in step 82 A
// needs its 7th block and B its 6th, 13 > 12, so B (80 outputs against A's 81) is retracted, and
// the ratio goes to min(1, (81 + 20) / 100). B, re-queued with its 81 tokens to recompute and 9 to
// go, waits while A runs (at step 100 A holds 8 blocks: 64 free); A's 100th token comes in step
// 100, B recomputes in step 101 and ends in step 109.
TEST(ServingSim, RetractionAdmitsOnTheEstimateAndRetractsTheFewestOutputsByHand) {
  SchedulerLimits sglang;
  sglang.reserve_output = false;
  sglang.retract = true;
  auto r = SimulateServing(FixedStep(0.010, 192), sglang, {Req(0, 16, 100), Req(0, 1, 89)}, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->preemptions, 1);
  EXPECT_EQ(r->requests_completed, 2);
  EXPECT_NEAR(r->ttft_ms.mean, (10 + 20) / 2.0, 1e-9);
  EXPECT_NEAR(r->e2e_s.mean, (1.00 + 1.09) / 2, 1e-9);
  EXPECT_EQ(r->steps, 109);
  // vLLM's admission (the prompt only) runs both from step 1 and preempts B when they collide.
  SchedulerLimits vllm;
  vllm.reserve_output = false;
  auto v = SimulateServing(FixedStep(0.010, 192), vllm, {Req(0, 16, 100), Req(0, 1, 89)}, {});
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_NEAR(v->ttft_ms.mean, 10, 1e-9);
}

// SGLang's --schedule-conservativeness under --enable-dp-attention (x 0.3, S3103), by hand with
// the requests above but B (1 + 120, 121 tokens). In step 2 A holds 2 blocks and has 99 tokens
// left. At 1 (new_token_ratio 0.7 less a decay step, 0.6990) B does not fit: 121 >= 160 - 69.2;
// nor later (the free room falls a block every 16 steps, 160 at most), so B waits for A (done in
// step 100), prefills in step 101 (TTFT 1,010 ms) and ends in step 220, never retracted. At 0.3
// the ratio starts at 0.21 (0.2097 in step 2): 121 < 160 - 20.8, B is admitted in step 2; in
// step 82 A (81 + 16 tokens: 7 blocks) and B (81: 6 blocks) need 13 of 12, B (80 outputs) is
// retracted with 40 to go, waits for A (the ratio now min(1, (81 + 20) / 100) = 1), recomputes in
// step 101 and ends in step 140.
TEST(ServingSim, ScheduleConservativenessScalesTheAdmissionEstimateByHand) {
  SchedulerLimits sglang;
  sglang.reserve_output = false;
  sglang.retract = true;
  const std::vector<ServingRequest> reqs = {Req(0, 16, 100), Req(0, 1, 120)};
  auto one = SimulateServing(FixedStep(0.010, 192), sglang, reqs, {});
  ASSERT_TRUE(one) << one.error().message;
  EXPECT_EQ(one->preemptions, 0);
  EXPECT_NEAR(one->ttft_ms.mean, (10 + 1010) / 2.0, 1e-9);
  EXPECT_NEAR(one->e2e_s.mean, (1.00 + 2.20) / 2, 1e-9);
  EXPECT_EQ(one->steps, 220);
  sglang.schedule_conservativeness = 0.3;
  auto dp = SimulateServing(FixedStep(0.010, 192), sglang, reqs, {});
  ASSERT_TRUE(dp) << dp.error().message;
  EXPECT_EQ(dp->preemptions, 1);
  EXPECT_EQ(dp->requests_completed, 2);
  EXPECT_NEAR(dp->ttft_ms.mean, (10 + 20) / 2.0, 1e-9);
  EXPECT_NEAR(dp->e2e_s.mean, (1.00 + 1.40) / 2, 1e-9);
  EXPECT_EQ(dp->steps, 140);
}

// SGLang's ignore_eos admission (its radix cache off), by hand with the requests above: 192 tokens
// of room (12 blocks of 16), A (16 + 100) and B (1 + 89) at 0 s. A goes first (the group is idle).
// For B, sorted by tokens left: in step k A has 101 - k left and holds blocks for k + 15 tokens.
// While B (89 left) would end first, the room free now less B's prompt block (at most 144) less
// 89 x 2 running is never above 2. From step 13 A ends first: its 101 - k left times 2 must leave
// above 2 of the room less B's block, (12 - 4) x 16 - 16 = 112 in steps 34-49: 112 - 2 x 55 = 2
// in step 46 is not, 112 - 2 x 54 = 4 in step 47 is; then B with A's 62 freed, 112 + 62 - 89 > 1.
// So B prefills in step 47 (TTFT 470 ms) and ends in step 135, and nothing is retracted (step
// 100: A's 8 blocks and B's 4, all 12). A request that may stop at EOS takes the estimate path.
TEST(ServingSim, IgnoreEosAdmissionReservesTheRunningOutputsInTheOrderTheyEnd) {
  SchedulerLimits sglang;
  sglang.reserve_output = false;
  sglang.retract = true;
  sglang.ignore_eos_admission = true;
  auto r = SimulateServing(FixedStep(0.010, 192), sglang, {Req(0, 16, 100), Req(0, 1, 89)}, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->preemptions, 0);
  EXPECT_EQ(r->requests_completed, 2);
  EXPECT_NEAR(r->ttft_ms.mean, (10 + 470) / 2.0, 1e-9);
  EXPECT_NEAR(r->e2e_s.mean, (1.00 + 1.35) / 2, 1e-9);
  EXPECT_EQ(r->steps, 135);
  std::vector<ServingRequest> stopping = {Req(0, 16, 100), Req(0, 1, 89)};
  for (auto& q : stopping) q.ignore_eos = false;
  auto e = SimulateServing(FixedStep(0.010, 192), sglang, stopping, {});
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->preemptions, 1);
  EXPECT_EQ(e->steps, 109);
  // The order they end in counts, where reserving every output at once does not: A (16 + 10) and
  // B (64 + 78) at 0 s with 160 tokens (10 blocks). In step 1 A is admitted, then B: the room
  // free now, 144, less B's 64, is 80; A ends first (10 left): 80 - 10 x 2 = 60 > 2; then B with
  // A's 16 freed: 80 + 16 - 78 = 18 > 1, so both prefill at once and B ends in step 78. Reserving
  // (TensorRT-LLM's), 26 + 142 > 160 tokens: B waits for A (step 10) and ends in step 88.
  const std::vector<ServingRequest> two = {Req(0, 16, 10), Req(0, 64, 78)};
  auto both = SimulateServing(FixedStep(0.010, 160), sglang, two, {});
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ(both->preemptions, 0);
  EXPECT_EQ(both->steps, 78);
  auto reserving = SimulateServing(FixedStep(0.010, 160), {}, two, {});
  ASSERT_TRUE(reserving) << reserving.error().message;
  EXPECT_EQ(reserving->steps, 88);
}

// Attention data parallel dealing, by hand with 10 ms steps and one sequence a group: r0 (1 + 10)
// and r1 (1 + 2) go to groups 0 and 1 at 0 s; r1 is done at 20 ms. r2 (1 + 2) comes at 45 ms:
// to the group with the fewest requests (1, empty) it prefills in step 6 (TTFT 15 ms); dealt in
// turn (SGLang's round robin) it goes to group 0, behind r0 (done in step 10), prefills in step 11
// (TTFT 65 ms) and ends in step 12.
TEST(ServingSim, RoundRobinDealsInTurnWhateverTheGroupsHold) {
  SchedulerLimits fewest;
  fewest.attention_groups = 2;
  fewest.max_num_seqs = 1;
  const std::vector<ServingRequest> reqs = {Req(0, 1, 10), Req(0, 1, 2), Req(0.045, 1, 2)};
  auto f = SimulateServing(FixedStep(0.010, 1e6), fewest, reqs, {});
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_NEAR(f->ttft_ms.mean, (10 + 10 + 15) / 3.0, 1e-9);
  SchedulerLimits turn = fewest;
  turn.round_robin_dispatch = true;
  auto t = SimulateServing(FixedStep(0.010, 1e6), turn, reqs, {});
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_NEAR(t->ttft_ms.mean, (10 + 10 + 65) / 3.0, 1e-9);
  EXPECT_NEAR(t->makespan_s, 0.120, 1e-9);
}

TEST(ServingSim, ReservingAdmitsOnlyWhatCanFinishWithoutEviction) {
  // The same two requests, reserving (TensorRT-LLM's default): A needs 16 + 10 tokens, 2 blocks,
  // all the room; B waits. A is done at step 10 (100 ms); B prefills in step 11 (TTFT 110 ms)
  // and is done at step 20 (200 ms). No preemption.
  auto r = SimulateServing(FixedStep(0.010, 32), {}, {Req(0, 16, 10), Req(0, 16, 10)}, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->preemptions, 0);
  EXPECT_NEAR(r->ttft_ms.mean, (10 + 110) / 2.0, 1e-9);
  EXPECT_NEAR(r->makespan_s, 0.200, 1e-12);
}

// A sliding-window model: full-attention layers hold every token, the windowed ones (here as
// many bytes a token as the full ones) the last 8 tokens. By hand, reserving, with 64 tokens of
// room (4 blocks): a 16 + 10 token request holds 26 + min(26, 8) = 34 token-equivalents, 3
// blocks, so B waits for A as in ReservingAdmitsOnlyWhatCanFinishWithoutEviction (200 ms);
// counted as 26 tokens (2 blocks) both would run at once (100 ms).
class WindowedStep : public FixedStep {
 public:
  WindowedStep() : FixedStep(0.010, 64) {}
  double KvHeldTokens(double tokens) const override { return tokens + std::min(tokens, 8.0); }
};

TEST(ServingSim, SlidingWindowLayersHoldTheirWindowToo) {
  auto r = SimulateServing(WindowedStep(), {}, {Req(0, 16, 10), Req(0, 16, 10)}, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->max_running_seqs, 1);
  EXPECT_NEAR(r->makespan_s, 0.200, 1e-12);
  auto plain = SimulateServing(FixedStep(0.010, 64), {}, {Req(0, 16, 10), Req(0, 16, 10)}, {});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->max_running_seqs, 2);
  EXPECT_NEAR(plain->makespan_s, 0.100, 1e-12);
}

// The simulator counts a request's blocks itself where the step model says a sequence holds its
// tokens and no more (StepCost::KvHeldIsTokens), in blocks of any size. By hand, reserving, with
// 64 tokens of room and three 16 + 10 token requests: in blocks of 16, 26 tokens take 2 of the 4
// blocks; in blocks of 10 (not a power of two), 3 of the 6 (64 / 10 rounded down). Either way two
// run at once (ten 10 ms iterations) and the third waits for them: 200 ms, counted or asked.
class CountedStep : public FixedStep {
 public:
  CountedStep() : FixedStep(0.010, 64) {}
  bool KvHeldIsTokens() const override { return true; }
};

TEST(ServingSim, BlocksCountedWithoutAskingTheModelAreTheSame) {
  const std::vector<ServingRequest> three = {Req(0, 16, 10), Req(0, 16, 10), Req(0, 16, 10)};
  for (const int block : {16, 10}) {
    SchedulerLimits limits;
    limits.block_tokens = block;
    for (const bool counted : {true, false}) {
      auto r = counted ? SimulateServing(CountedStep(), limits, three, {})
                       : SimulateServing(FixedStep(0.010, 64), limits, three, {});
      ASSERT_TRUE(r) << r.error().message;
      EXPECT_EQ(r->max_running_seqs, 2) << block << " " << counted;
      EXPECT_NEAR(r->makespan_s, 0.200, 1e-12) << block << " " << counted;
    }
  }
}

TEST(ServingSim, AHostTierSwapsInsteadOfRecomputing) {
  // As above (optimistic, 2 blocks), with a host tier moving 1,600 tokens/s: B's 16 tokens go out
  // in step 2 (10 ms + 16 / 1,600 s = 20 ms), so A's steps 3-10 end at 110 ms. Step 11 only swaps
  // B back in (10 ms, to 120 ms); B had 1 token and decodes tokens 2..10 in steps 12-20: 210 ms.
  SchedulerLimits limits;
  limits.reserve_output = false;
  limits.host_kv_tokens = 100;
  limits.host_tokens_per_s = 1600;
  auto r = SimulateServing(FixedStep(0.010, 32), limits, {Req(0, 16, 10), Req(0, 16, 10)}, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->preemptions, 1);
  EXPECT_EQ(r->swaps, 1);
  EXPECT_NEAR(r->e2e_s.mean, (0.110 + 0.210) / 2, 1e-12);
  EXPECT_EQ(r->steps, 20);
  // No room in the host tier: recompute, as without one.
  limits.host_kv_tokens = 10;
  auto full = SimulateServing(FixedStep(0.010, 32), limits, {Req(0, 16, 10), Req(0, 16, 10)}, {});
  ASSERT_TRUE(full);
  EXPECT_EQ(full->swaps, 0);
  EXPECT_NEAR(full->e2e_s.mean, (0.100 + 0.190) / 2, 1e-12);
}

TEST(ServingSim, ATraceSharedPrefixIsCachedAfterItsFirstRequest) {
  auto r = ReadServingTrace(
      "arrival_s,input_tokens,output_tokens,prefix_id,prefix_tokens\n"
      "0,500,10,sys,400\n1,600,10,sys,400\n2,300,10,other,200\n3,400,10,sys,400\n",
      "p.csv", 4096);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)[0].cached_tokens, 0);  // the first computes the prefix
  EXPECT_EQ((*r)[1].cached_tokens, 400);
  EXPECT_EQ((*r)[2].cached_tokens, 0);
  EXPECT_EQ((*r)[3].cached_tokens, 399);  // never the whole prompt: its last token samples
  // Simulated, in whole 16-token engine blocks: 400 is 25 of them, 399 hits 24 (384).
  auto sim = SimulateServing(FixedStep(0.010, 1e6), {}, *r, {});
  ASSERT_TRUE(sim);
  EXPECT_NEAR(sim->prefix_hit, (400.0 + 384) / (500 + 600 + 300 + 400), 1e-12);
  auto bad = ReadServingTrace("arrival_s,input_tokens,output_tokens,prefix_tokens\n0,5,1,3\n",
                              "p.csv", 4096);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("p.csv:2: prefix_tokens: needs a prefix_id"),
            std::string::npos)
      << bad.error().message;
}

TEST(ServingSim, ARequestLargerThanTheKvCacheIsAnError) {
  auto r = SimulateServing(FixedStep(0.010, 100), {}, {Req(0, 90, 20)}, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("needs more KV cache"), std::string::npos) << r.error().message;
}

TEST(ServingSim, MtpWithFullAcceptanceGainsDepthPlusOneTokensPerStep) {
  // Depth 2, every draft accepted: the prefill step samples token 1, then 3 tokens per decode
  // step: 4, 7, 10. Three decode steps (30 ms) for 9 tokens: TPOT 30 / 9 ms.
  auto r = SimulateServing(FixedStep(0.010, 1e6, 2, 1.0), {}, {Req(0, 50, 10)}, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->steps, 4);
  EXPECT_NEAR(r->tpot_ms.p50, 30.0 / 9, 1e-9);
  // Acceptance 0: one token per step, as without MTP.
  auto none = SimulateServing(FixedStep(0.010, 1e6, 2, 0.0), {}, {Req(0, 50, 10)}, {});
  ASSERT_TRUE(none);
  EXPECT_EQ(none->steps, 10);
}

TEST(ServingSim, MtpAcceptanceMatchesItsMeanOverManySteps) {
  // Depth 1, acceptance 0.85: 1.85 tokens per decode step on average (DeepSeek-V3's 1.8x). Each
  // request draws its own acceptance around it, the mean verify steps per token kept: one request
  // at a time, 300 requests of 200 tokens take 300 prefills and about 300 x 199 / 1.85 = 32,270
  // decode steps (+-1.5 % for the draws and the last step's unused drafts).
  SchedulerLimits limits;
  limits.max_num_seqs = 1;
  const std::vector<ServingRequest> reqs(300, Req(0, 10, 200));
  auto r = SimulateServing(FixedStep(0.001, 1e7, 1, 0.85), limits, reqs, {});
  ASSERT_TRUE(r);
  EXPECT_NEAR(static_cast<double>(r->steps - 300), 300 * 199 / 1.85, 300 * 199 / 1.85 * 0.015);
}

TEST(ServingSim, MtpAcceptanceSpreadsAcrossRequests) {
  // 576 requests of 2,000 tokens in one batch, depth 3, acceptance 0.8 (2.95 tokens a step, about
  // 680 steps). One acceptance for all would end them within ~3 % of each other; drawn per request
  // (S2820's spread), the slowest of 576 (z ~ 2.9: acceptance ~0.6, 2.2 tokens a step) takes about
  // 1.3x the mean request's steps.
  const std::vector<ServingRequest> reqs(576, Req(0, 10, 2000));
  auto r = SimulateServing(FixedStep(0.001, 1e8, 3, 0.8), {}, reqs, {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->requests_completed, 576);
  EXPECT_GT(r->makespan_s / r->e2e_s.mean, 1.2);
  EXPECT_LT(r->makespan_s / r->e2e_s.mean, 1.6);
  // The mean steps per token is the acceptance's: 1,999 / 2.952 = 677 decode steps a request.
  EXPECT_NEAR(r->e2e_s.mean / 0.001 - 1, 1999 / 2.952, 1999 / 2.952 * 0.02);
}

TEST(ServingSim, GoodputCountsRequestsWithinBothTargets) {
  // max_num_seqs 1, three requests of 10 + 2 tokens at t = 0: first tokens at 10, 30, 50 ms.
  // With TTFT <= 35 ms two of three meet it, over a makespan of 60 ms.
  SchedulerLimits limits;
  limits.max_num_seqs = 1;
  SloTargets slo;
  slo.ttft_ms = 35;
  auto r = SimulateServing(FixedStep(0.010, 1e6), limits,
                           {Req(0, 10, 2), Req(0, 10, 2), Req(0, 10, 2)}, slo);
  ASSERT_TRUE(r);
  EXPECT_NEAR(r->makespan_s, 0.060, 1e-12);
  EXPECT_NEAR(r->goodput_requests_per_s, 2 / 0.060, 1e-9);
}

TEST(ServingSim, PoissonArrivalsHaveTheirRateAndTheSameSeedScalesWithIt) {
  WorkloadSpec spec;
  spec.requests = 100000;
  spec.qps = 50;
  auto a = MakeServingRequests(spec);
  // Mean gap 1 / 50 s: the last of 100,000 arrivals near 2,000 s (sd sqrt(n)/qps = 6.3 s).
  EXPECT_NEAR(a.back().arrival_s, 2000, 4 * 6.4);
  spec.qps = 100;
  auto b = MakeServingRequests(spec);
  EXPECT_NEAR(b[500].arrival_s * 2, a[500].arrival_s, 1e-9);  // common random numbers
}

TEST(ServingSim, GammaArrivalsHaveMeanGapOneOverRateAndTheirSpread) {
  WorkloadSpec spec;
  spec.requests = 200000;
  spec.qps = 10;
  spec.arrivals = ArrivalProcess::kGamma;
  spec.burstiness_cv = 2;
  auto a = MakeServingRequests(spec);
  double sum = 0, sq = 0;
  for (size_t i = 1; i < a.size(); ++i) {
    const double g = a[i].arrival_s - a[i - 1].arrival_s;
    sum += g;
    sq += g * g;
  }
  const double n = static_cast<double>(a.size() - 1), mean = sum / n;
  const double cv = std::sqrt(sq / n - mean * mean) / mean;
  EXPECT_NEAR(mean, 0.1, 0.1 * 0.02);
  EXPECT_NEAR(cv, 2, 0.1);
}

TEST(ServingSim, LengthDistributionsKeepTheirMean) {
  for (const char* shape : {"exp", "uniform", "uniform:0.2", "lognormal", "lognormal:1.2"}) {
    auto d = LengthDistribution::Parse(shape, 1000);
    ASSERT_TRUE(d) << shape;
    WorkloadSpec spec;
    spec.requests = 100000;
    spec.input = *d;
    spec.output = *d;
    double sum = 0;
    for (const auto& r : MakeServingRequests(spec)) sum += r.input_tokens;
    EXPECT_NEAR(sum / 100000, 1000, 1000 * 0.03) << shape;
  }
  EXPECT_FALSE(LengthDistribution::Parse("normal", 10));
  EXPECT_FALSE(LengthDistribution::Parse("uniform:2", 10));
  EXPECT_FALSE(LengthDistribution::Parse("lognormal:x", 10));
  EXPECT_FALSE(LengthDistribution::Parse("exp:3", 10));
  EXPECT_FALSE(LengthDistribution::Parse("uniform:0.2:100", 10));
  EXPECT_FALSE(LengthDistribution::Parse("lognormal:1:x", 10));
  EXPECT_FALSE(LengthDistribution::Parse("lognormal:1:10", 10));  // the maximum is the mean
}

// The running batch holds each request for its length, so its mean decoded length is
// E[L^2] / (2 E[L]): SecondMomentRatio in closed form, checked against the draws the simulator
// makes. Hand values: fixed 1, exponential 2, uniform +-50 % 1 + 0.25 / 3 = 1.083, lognormal
// sigma 0.8 uncut e^0.64 = 1.896; DeepSeek-R1's MLPerf outputs (sigma 1 cut at 20,000, mean
// 3,748) 2.12, below the uncut e^1 = 2.72 as the cut takes the longest.
TEST(ServingSim, LengthSecondMomentMatchesTheDraws) {
  const struct {
    const char* shape;
    double mean, cut, ratio;
  } cases[] = {{"fixed", 1000, 0, 1},
               {"exp", 1000, 0, 2},
               {"uniform", 1000, 0, 1.0833},
               {"lognormal", 1000, 0, 1.8965},
               {"lognormal:1.0:20000", 3748.4, 0, 2.1155},
               {"exp", 1000, 2000, 0}};
  for (const auto& c : cases) {
    auto d = LengthDistribution::Parse(c.shape, c.mean);
    ASSERT_TRUE(d) << c.shape;
    const double ratio = d->SecondMomentRatio(c.cut);
    if (c.ratio > 0) {
      EXPECT_NEAR(ratio, c.ratio, 1e-3) << c.shape;
    }
    WorkloadSpec spec;
    spec.requests = 200000;
    spec.output = *d;
    spec.input = *LengthDistribution::Parse("fixed", 1);
    if (c.cut > 0) spec.max_context = static_cast<int>(c.cut) + 1;  // outputs cut at c.cut
    double sum = 0, sq = 0;
    for (const auto& r : MakeServingRequests(spec)) {
      sum += r.output_tokens;
      sq += static_cast<double>(r.output_tokens) * r.output_tokens;
    }
    const double n = static_cast<double>(spec.requests);
    EXPECT_NEAR(sq / n / ((sum / n) * (sum / n)), ratio, 0.03 * ratio) << c.shape;
  }
}

// A generation limit cuts outputs: draws above the maximum become the maximum, and the mean asked
// for is the mean after the cut. Hand check of the cut: with sigma 1 and the maximum at 4x the
// mean, the uncut lognormal of that mean has P(X > 4 mean) = 1 - Phi((ln 4 + 1/2) / 1)
// = 1 - Phi(1.886) = 3.0 %, so a few percent of draws sit at the maximum.
TEST(ServingSim, CutLognormalKeepsItsMeanAndMaximum) {
  auto d = LengthDistribution::Parse("lognormal:1.0:4000", 1000);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->ToString(), "lognormal:1:4000");
  WorkloadSpec spec;
  spec.requests = 100000;
  spec.output = *d;
  double sum = 0;
  long at_max = 0;
  int longest = 0;
  for (const auto& r : MakeServingRequests(spec)) {
    sum += r.output_tokens;
    at_max += r.output_tokens == 4000;
    longest = std::max(longest, r.output_tokens);
  }
  EXPECT_NEAR(sum / 100000, 1000, 1000 * 0.02);
  EXPECT_EQ(longest, 4000);
  // The cut lifts mu above the uncut ln(1000) - 1/2, so slightly more than 3.0 % reach the cap.
  EXPECT_GT(at_max, 100000 * 0.030);
  EXPECT_LT(at_max, 100000 * 0.05);
}

TEST(ServingSim, TraceReaderTakesCsvAndJsonLines) {
  auto csv = ReadServingTrace("arrival_s,input_tokens,output_tokens\n0,100,10\n0.5,200,20\n",
                              "t.csv", 4096);
  ASSERT_TRUE(csv) << csv.error().message;
  ASSERT_EQ(csv->size(), 2u);
  EXPECT_EQ((*csv)[1].input_tokens, 200);
  EXPECT_EQ((*csv)[1].arrival_s, 0.5);
  auto jsonl = ReadServingTrace(
      "{\"arrival_s\": 0, \"input_tokens\": 5, \"output_tokens\": 7, \"cached_tokens\": 2}\n",
      "t.jsonl", 4096);
  ASSERT_TRUE(jsonl) << jsonl.error().message;
  EXPECT_EQ((*jsonl)[0].cached_tokens, 2);
}

// Mooncake's trace format (S4663), the format's own example lines: timestamps in milliseconds
// (3,052 ms is 3.052 s), 512-token blocks. The first prompt computes blocks 0-13; the second
// shares block 0 only (512 tokens cached), the third too; a fourth repeating the first's blocks
// 0-13 (7,168 tokens) finds them all, capped at its prompt less the last token (6,755 - 1).
// A bad hash_ids (more ids than the prompt fills blocks) or a missing length names file:line
// and the key.
TEST(ServingSim, TraceReaderTakesMooncakesFormat) {
  auto r = ReadServingTrace(
      "{\"timestamp\": 0, \"input_length\": 6755, \"output_length\": 500, \"hash_ids\": "
      "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]}\n"
      "{\"timestamp\": 0, \"input_length\": 7319, \"output_length\": 490, \"hash_ids\": "
      "[0, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27]}\n"
      "{\"timestamp\": 3052, \"input_length\": 7234, \"output_length\": 794, \"hash_ids\": "
      "[0, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41]}\n"
      "{\"timestamp\": 3052, \"input_length\": 6755, \"output_length\": 10, \"hash_ids\": "
      "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]}\n",
      "m.jsonl", 131072);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].cached_tokens, 0);
  EXPECT_EQ((*r)[0].input_tokens, 6755);
  EXPECT_EQ((*r)[0].output_tokens, 500);
  EXPECT_EQ((*r)[1].cached_tokens, 512);
  EXPECT_DOUBLE_EQ((*r)[2].arrival_s, 3.052);
  EXPECT_EQ((*r)[2].cached_tokens, 512);
  EXPECT_EQ((*r)[3].cached_tokens, 6754);
  for (const auto& [text, fragment] :
       {std::pair{"{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1, "
                  "\"hash_ids\": 3}\n",
                  "m.jsonl:1: hash_ids: not a list"},
        std::pair{"{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1, "
                  "\"hash_ids\": [\"a\"]}\n",
                  "m.jsonl:1: hash_ids"},
        std::pair{"{\"timestamp\": 0, \"input_length\": 5}\n", "m.jsonl:1: output_length: missing"},
        // 1,000 tokens fill 2 blocks of 512 (ceil(1000 / 512)): 3 ids are blocks of another
        // size, whose shared ones were each counted as 512 cached tokens.
        std::pair{"{\"timestamp\": 0, \"input_length\": 1000, \"output_length\": 1, "
                  "\"hash_ids\": [0, 1, 2]}\n",
                  "m.jsonl:1: hash_ids: 3 block ids, but input_length 1000 fills 2 of the "
                  "trace's 512-token blocks"},
        std::pair{"{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1}\n"
                  "{\"timestamp\": -10, \"input_length\": 5, \"output_length\": 1}\n",
                  "m.jsonl:2: timestamp"},
        // Ids are whole numbers from 0 (negative ones are a prefix_id's blocks here), and one
        // names a block and all before it: twice in one prompt is no prefix.
        std::pair{"{\"timestamp\": 0, \"input_length\": 1024, \"output_length\": 1, "
                  "\"hash_ids\": [-1, -2]}\n",
                  "m.jsonl:1: hash_ids: '-1' is not a block id (a whole number from 0)"},
        std::pair{"{\"timestamp\": 0, \"input_length\": 1024, \"output_length\": 1, "
                  "\"hash_ids\": [18446744073709551615]}\n",
                  "is not a block id"},
        std::pair{"{\"timestamp\": 0, \"input_length\": 1024, \"output_length\": 1, "
                  "\"hash_ids\": [4, 4]}\n",
                  "m.jsonl:1: hash_ids: block id 4 is named twice in one prompt"},
        // Mooncake's milliseconds after a line of seconds: one format a file.
        std::pair{"{\"arrival_s\": 0, \"input_tokens\": 5, \"output_tokens\": 1}\n"
                  "{\"timestamp\": 1000, \"input_length\": 5, \"output_length\": 1}\n",
                  "m.jsonl:2: Mooncake's format (timestamp in milliseconds), but line 1 is in "
                  "the arrival_s format (seconds); give one format a file"}}) {
    auto bad = ReadServingTrace(text, "m.jsonl", 131072);
    ASSERT_FALSE(bad) << text;
    EXPECT_NE(bad.error().message.find(fragment), std::string::npos) << bad.error().message;
  }
}

// The Azure LLM inference traces (S4664), the code trace's first three rows: arrivals in seconds
// after the first row's, 18:17:04.0319600 - 18:17:03.9799600 = 0.052 s and 04.0781490 -
// 03.9799600 = 0.098189 s; a cell that is no date and time names the file, line and column.
TEST(ServingSim, TraceReaderTakesTheAzureLlmTraces) {
  auto r = ReadServingTrace(
      "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03.9799600,4808,10\n"
      "2023-11-16 18:17:04.0319600,3180,8\n2023-11-16 18:17:04.0781490,110,27\n",
      "a.csv", 131072);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_DOUBLE_EQ((*r)[0].arrival_s, 0);
  EXPECT_NEAR((*r)[1].arrival_s, 0.052, 1e-6);
  EXPECT_NEAR((*r)[2].arrival_s, 0.098189, 1e-6);
  EXPECT_EQ((*r)[0].input_tokens, 4808);
  EXPECT_EQ((*r)[2].output_tokens, 27);
  // The 2024 traces' offset form (+00:00) and a day's turn (23:59:59.5 to 00:00:00.25: 0.75 s).
  auto turn = ReadServingTrace(
      "TIMESTAMP,ContextTokens,GeneratedTokens\n2024-05-10 23:59:59.5+00:00,10,1\n"
      "2024-05-11 00:00:00.25+00:00,10,1\n",
      "a.csv", 131072);
  ASSERT_TRUE(turn) << turn.error().message;
  EXPECT_NEAR((*turn)[1].arrival_s, 0.75, 1e-9);
  for (const auto& [text, fragment] :
       {std::pair{"TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 25:00:00,10,1\n",
                  "a.csv:2: TIMESTAMP: '2023-11-16 25:00:00' is not a date and time"},
        std::pair{"TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:01,10,1\n"
                  "2023-11-16 18:00:00,10,1\n",
                  // Said as what it is (it was "must be between 0 and 1e9 seconds").
                  "a.csv:3: TIMESTAMP: '2023-11-16 18:00:00' is before the first row's "
                  "'2023-11-16 18:00:01' (rows must be in arrival order)"},
        std::pair{"TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:00:00,0,1\n",
                  "a.csv:2: ContextTokens"}}) {
    auto bad = ReadServingTrace(text, "a.csv", 131072);
    ASSERT_FALSE(bad) << text;
    EXPECT_NE(bad.error().message.find(fragment), std::string::npos) << bad.error().message;
  }
}

// A header typed with a space after each comma reads as the same columns, cells too (the same
// two requests as the plain header: 0 s 100 -> 10, 0.5 s 200 -> 20).
TEST(ServingSim, TraceHeaderWithSpacesAfterTheCommas) {
  auto csv = ReadServingTrace("arrival_s, input_tokens, output_tokens\n0, 100, 10\n0.5, 200, 20\n",
                              "t.csv", 4096);
  ASSERT_TRUE(csv) << csv.error().message;
  ASSERT_EQ(csv->size(), 2u);
  EXPECT_EQ((*csv)[1].arrival_s, 0.5);
  EXPECT_EQ((*csv)[1].input_tokens, 200);
  EXPECT_EQ((*csv)[1].output_tokens, 20);
}

TEST(ServingSim, TraceReaderNamesFileLineAndField) {
  const std::string head = "arrival_s,input_tokens,output_tokens\n";
  struct Case {
    std::string text, fragment;
  };
  for (const Case& c : {
           Case{head + "0,-5,10\n", "t.csv:2: input_tokens"},
           Case{head + "1,5,10\n0,5,10\n", "t.csv:3: arrival_s"},
           Case{head + "0,4000,200\n", "exceed the model's context of 4096"},
           Case{head + "0,5.5,10\n", "t.csv:2: input_tokens"},
           Case{head + "0,5,x\n", "t.csv:2: output_tokens: 'x' is not a number"},
           // A time with a unit: the column is plain seconds, refused where it stands.
           Case{head + "0,5,10\n30m,5,10\n", "t.csv:3: arrival_s: '30m' is not a number"},
           Case{"arrival_s,input_tokens\n0,5\n", "no column 'output_tokens'"},
           Case{head + "0,5\n", "t.csv:2: 2 fields"},
           Case{head, "no requests"},
           Case{"{\"arrival_s\": 0, \"input_tokens\": 5}\n", "t.csv:1: output_tokens: missing"},
           // A line that is not JSON says where on the line and why: a number no double holds
           // (1e400 > about 1.8e308) at its field, its column counted by hand (was "not a JSON
           // object" for both lines).
           Case{"{\"arrival_s\": 0, \"input_tokens\": 5, \"output_tokens\": 1}\n"
                "{\"arrival_s\": 1, \"input_tokens\": 1e400, \"output_tokens\": 1}\n",
                "t.csv:2: input_tokens: not valid JSON at column 34: the number 1e400 is beyond "
                "what a double holds"},
           Case{"{\"arrival_s\": 0, \"input_tokens\": 5 \"output_tokens\": 1}\n",
                "t.csv:1: input_tokens: not valid JSON at column 36: unexpected string literal"},
           Case{"{\"arrival_s\": 0, \"input_tokens\": 5, \"output_tokens\": 1}\n[1, 2]\n",
                "t.csv:2: not a JSON object"},
       }) {
    auto r = ReadServingTrace(c.text, "t.csv", 4096);
    ASSERT_FALSE(r) << c.text;
    EXPECT_NE(r.error().message.find(c.fragment), std::string::npos)
        << r.error().message << " (wanted " << c.fragment << ")";
  }
}

// The CSV rows are the trace readers' (sim/trace/csv_rows.h): quotes, a byte order mark, a NUL
// byte and a last row cut off follow the same rules as replay traces.
TEST(ServingSim, TraceReaderSharesTheTraceReadersRowRules) {
  const std::string head = "arrival_s,input_tokens,output_tokens\n";
  auto quoted = ReadServingTrace("\xEF\xBB\xBF" + head + "0,\"100\",10\n", "q.csv", 4096);
  ASSERT_TRUE(quoted) << quoted.error().ToString();
  EXPECT_EQ((*quoted)[0].input_tokens, 100);
  auto nul = ReadServingTrace(head + "0,5,10\n" + std::string(1, '\0') + "1,5,10\n", "n.csv", 4096);
  ASSERT_FALSE(nul);
  EXPECT_EQ(nul.error().ToString(), "n.csv:3: not a text file: it holds a NUL byte");
  auto cut = ReadServingTrace(head + "0,5,10\n1,5", "c.csv", 4096);
  ASSERT_FALSE(cut);
  EXPECT_NE(cut.error().ToString().find("c.csv:3: the file ends in the middle of a row"),
            std::string::npos)
      << cut.error().ToString();
}

// The real step model: Llama 3.1 8B in BF16 on one H100.
class RealModel : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto& cat = Cat();
    job_ = perf::InferenceJobFor(cat, **cat.FindModel("llama-3.1-8b"), **cat.FindChip("h100"));
    job_.system = *cat.SystemFor(*job_.chip);
  }
  static const catalog::Catalog& Cat() {
    static const catalog::Catalog c = *catalog::Catalog::Builtin();
    return c;
  }
  StepModelCost Cost(const perf::InferenceJob& job) const {
    return StepModelCost(*perf::ServingStepModel::Make(job, perf::InferenceLayout{}));
  }
  // An MoE model beside job_'s dense one: Mixtral 8x7B (32 MoE layers) on an H200.
  static perf::InferenceJob MixtralOnH200() {
    const auto& cat = Cat();
    perf::InferenceJob moe =
        perf::InferenceJobFor(cat, **cat.FindModel("mixtral-8x7b"), **cat.FindChip("h200"));
    moe.system = *cat.SystemFor(*moe.chip);
    return moe;
  }
  perf::InferenceJob job_;
};

TEST_F(RealModel, PercentilesAreOrderedAndLatencyGrowsWithTheRate) {
  const auto cost = Cost(job_);
  WorkloadSpec spec;
  spec.requests = 1500;
  spec.input = *LengthDistribution::Parse("exp", 1024);
  spec.output = *LengthDistribution::Parse("exp", 256);
  // Reserving (the default), and SGLang's estimate-based admission with retraction.
  SchedulerLimits sglang;
  sglang.reserve_output = false;
  sglang.retract = true;
  for (const SchedulerLimits& limits : {SchedulerLimits{}, sglang}) {
    double last_ttft = 0, last_tpot = 0;
    for (double qps : {2.0, 8.0, 16.0, 32.0}) {
      spec.qps = qps;
      auto r = SimulateServing(cost, limits, MakeServingRequests(spec), {});
      ASSERT_TRUE(r) << r.error().message;
      for (const Percentiles* p : {&r->ttft_ms, &r->tpot_ms, &r->e2e_s}) {
        EXPECT_LE(p->p50, p->p90);
        EXPECT_LE(p->p90, p->p99);
      }
      EXPECT_GE(r->ttft_ms.p99, last_ttft * 0.98) << qps;  // a lower rate never gives worse p99
      EXPECT_GE(r->tpot_ms.p99, last_tpot * 0.98) << qps;
      last_ttft = r->ttft_ms.p99;
      last_tpot = r->tpot_ms.p99;
    }
  }
}

// The simulator holds a group's decoding sequences in bulk (a count, their keys, when each
// finishes) when no MTP, a whole-output KV reserve and a step budget that holds every sequence's
// token make each of them decode one token every step. A host KV tier turns that off without
// changing the schedule (with the reserve nothing is ever preempted, so nothing is swapped): each
// run below, offline, at a Poisson rate, in a closed loop, with one group or four in lockstep
// (with and without the attention-DP balance), with a token budget and chunked prompts or without,
// gives the same result both ways, to the last bit.
TEST_F(RealModel, DecodingHeldInBulkChangesNothing) {
  const auto cost = Cost(job_);
  WorkloadSpec spec;
  spec.requests = 600;
  spec.input = *LengthDistribution::Parse("lognormal", 700);
  spec.output = *LengthDistribution::Parse("lognormal:1.0:4000", 500);
  for (double qps : {0.0, 6.0}) {
    spec.qps = qps;
    const auto requests = MakeServingRequests(spec);
    for (int groups : {1, 4}) {
      for (int variant = 0; variant < 4; ++variant) {
        SchedulerLimits bulk;
        bulk.attention_groups = groups;
        if (variant >= 1) {
          bulk.max_num_seqs = 64;
          bulk.max_batched_tokens = 512;
        }
        if (variant == 2) bulk.chunked_prefill = false;
        if (variant == 3) {
          bulk.adp_balance = true;
          bulk.adp_balance_timeout_iters = 5;
          bulk.adp_balance_wait_iters = 2;
        }
        SchedulerLimits each = bulk;
        each.host_kv_tokens = 1e12;
        each.host_tokens_per_s = 1e12;
        for (long clients : {0L, 24L}) {
          if (clients > 0 && qps > 0) continue;
          const auto a = SimulateServing(cost, bulk, requests, {}, 1, clients);
          const auto b = SimulateServing(cost, each, requests, {}, 1, clients);
          ASSERT_TRUE(a && b);
          const std::string at = "qps " + std::to_string(qps) + " groups " +
                                 std::to_string(groups) + " variant " + std::to_string(variant) +
                                 " clients " + std::to_string(clients);
          EXPECT_EQ(b->swaps, 0) << at;
          EXPECT_EQ(a->requests_completed, 600) << at;
          EXPECT_EQ(a->steps, b->steps) << at;
          EXPECT_EQ(a->makespan_s, b->makespan_s) << at;
          EXPECT_EQ(a->output_tokens_per_s, b->output_tokens_per_s) << at;
          EXPECT_EQ(a->goodput_requests_per_s, b->goodput_requests_per_s) << at;
          EXPECT_EQ(a->mean_running_seqs, b->mean_running_seqs) << at;
          EXPECT_EQ(a->max_running_seqs, b->max_running_seqs) << at;
          for (auto [x, y] :
               {std::pair{&a->ttft_ms, &b->ttft_ms}, std::pair{&a->tpot_ms, &b->tpot_ms},
                std::pair{&a->e2e_s, &b->e2e_s}}) {
            EXPECT_EQ(x->p50, y->p50) << at;
            EXPECT_EQ(x->p99, y->p99) << at;
            EXPECT_EQ(x->mean, y->mean) << at;
          }
        }
      }
    }
  }
}

TEST_F(RealModel, MoreSequencesNeverLowerOfflineThroughput) {
  const auto cost = Cost(job_);
  WorkloadSpec spec;
  spec.requests = 2000;
  spec.input.mean = 512;
  spec.output.mean = 128;
  const auto requests = MakeServingRequests(spec);
  double last = 0;
  for (int seqs : {8, 32, 128, 512}) {
    SchedulerLimits limits;
    limits.max_num_seqs = seqs;
    auto r = SimulateServing(cost, limits, requests, {});
    ASSERT_TRUE(r);
    EXPECT_GE(r->output_tokens_per_s, last) << seqs;
    last = r->output_tokens_per_s;
  }
}

TEST_F(RealModel, MtpWithAcceptanceZeroIsNeverFaster) {
  WorkloadSpec spec;
  spec.requests = 500;
  const auto requests = MakeServingRequests(spec);
  auto plain = SimulateServing(Cost(job_), {}, requests, {});
  perf::InferenceJob mtp = job_;
  mtp.mtp_depth = 2;
  mtp.mtp_acceptance = 0;
  auto drafted = SimulateServing(Cost(mtp), {}, requests, {});
  ASSERT_TRUE(plain && drafted);
  EXPECT_LE(drafted->output_tokens_per_s, plain->output_tokens_per_s);
  // And the analytic model agrees.
  auto a = perf::EstimateInference(job_, {});
  auto b = perf::EstimateInference(mtp, {});
  ASSERT_TRUE(a && b);
  EXPECT_LE(b->output_tokens_per_s_per_chip, a->output_tokens_per_s_per_chip);
  EXPECT_GE(b->tpot_ms, a->tpot_ms);
}

// A search run lasts as long as its workload asks, not a fixed request count. By hand, with every
// iteration 100 ms and no cap: a 1-token prompt and 200 output tokens take 200 iterations, 20 s.
// Offline, 2,000 requests run as one batch: 400,000 tokens in 20 s, 100 requests/s, so the search
// bisects up to 1.25 x 100 = 125 requests/s, and every rate meets the targets (TPOT 100 ms, no
// queue). A stable server's output rate is its arrival rate x 200 tokens: 25,000 tokens/s at 125/s.
// With 2,000 requests a run at 125/s ends its arrivals at 16 s, before any request has finished:
// the batch grows through the whole run, and the window measured is its second half (at most
// half is skipped), where a request arrived at t has gained 10 tokens a second since:
// 125 x (16^2 - 8^2) / 2 x 10 / 8 = 15,000 tokens/s, 40 % short. Runs of at least 120 s at the
// offline rate: 100 x 120 = 12,000 requests, 96 s of arrivals at 125/s; from the first completion
// (20 s) the batch holds the last 20 s of arrivals, 2,500 requests, and the rate is 25,000
// (Poisson noise on 2,500 running: about 2 %).
TEST(ServingSim, SearchRunsLastTheMinimumDurationAtTheOfflineRate) {
  const FixedStep model(0.1, 1e12);
  WorkloadSpec spec;
  spec.requests = 2000;
  spec.input = *LengthDistribution::Parse("fixed", 1);
  spec.output = *LengthDistribution::Parse("fixed", 200);
  SloTargets slo;
  slo.ttft_ms = 2000;
  slo.tpot_ms = 150;
  auto short_runs = MaxQpsAtSlo(model, {}, spec, slo);
  ASSERT_TRUE(short_runs) << short_runs.error().message;
  EXPECT_NEAR(short_runs->max_qps, 125, 0.2);
  EXPECT_EQ(short_runs->at_max.requests, 2000);
  EXPECT_NEAR(short_runs->at_max.output_tokens_per_s / 15'000, 1, 0.03);
  spec.min_duration_s = 120;
  auto found = MaxQpsAtSlo(model, {}, spec, slo);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->at_max.requests, 12'000);
  EXPECT_NEAR(found->max_qps, 125, 0.2);
  EXPECT_NEAR(found->at_max.output_tokens_per_s / (found->max_qps * 200), 1, 0.03);
}

// With a TPOT target and none for TTFT, a capped engine keeps its TPOT at any rate: what it
// cannot serve waits. By hand: every iteration 100 ms, at most 10 running, a 1-token prompt and
// 100 output tokens (100 iterations, 10 s a request): the engine serves 10 requests per 10 s,
// 1 request/s (100 tokens/s), and every request's TPOT is 100 ms. The search used to bisect up to
// 1.25 x the offline rate (1.25 requests/s), every rate "meeting" TPOT <= 150 ms while the queue
// grew by 0.25 requests/s (TTFT in minutes). A rate the server sustains serves at least
// kSustainedShare of what arrives: at most 1 / 0.9 = 1.11 requests/s, and 0.9 (below capacity)
// passes.
TEST(ServingSim, TheSearchWithoutATtftTargetKeepsToWhatTheServerSustains) {
  const FixedStep model(0.1, 1e12);
  SchedulerLimits limits;
  limits.max_num_seqs = 10;
  WorkloadSpec spec;
  spec.requests = 2000;
  spec.input = *LengthDistribution::Parse("fixed", 1);
  spec.output = *LengthDistribution::Parse("fixed", 100);
  SloTargets slo;
  slo.tpot_ms = 150;
  auto found = MaxQpsAtSlo(model, limits, spec, slo);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_LE(found->max_qps, 1.0 / kSustainedShare + 0.01);
  EXPECT_GE(found->max_qps, 0.9);
  EXPECT_GE(found->at_max.output_tokens_per_s,
            kSustainedShare * found->at_max.offered_output_tokens_per_s);
  // With a TTFT target the queue shows in it: 2 s p99 holds only below the capacity.
  slo.ttft_ms = 2000;
  auto bounded = MaxQpsAtSlo(model, limits, spec, slo);
  ASSERT_TRUE(bounded) << bounded.error().message;
  EXPECT_LE(bounded->max_qps, 1.0);
  EXPECT_LE(bounded->at_max.ttft_ms.p99, 2000);
}

TEST_F(RealModel, TheSearchFindsTheEdgeOfTheSlo) {
  const auto cost = Cost(job_);
  WorkloadSpec spec;
  spec.requests = 800;
  SloTargets slo;
  slo.ttft_ms = 500;
  slo.tpot_ms = 30;
  auto found = MaxQpsAtSlo(cost, {}, spec, slo);
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_GT(found->max_qps, 0);
  EXPECT_LE(found->at_max.ttft_ms.p99, 500);
  EXPECT_LE(found->at_max.tpot_ms.p99, 30);
  // 10 % above the edge misses one of the targets.
  spec.qps = 1;
  auto reqs = MakeServingRequests(spec);
  for (auto& r : reqs) r.arrival_s /= found->max_qps * 1.10;
  auto above = SimulateServing(cost, {}, reqs, slo);
  ASSERT_TRUE(above);
  EXPECT_TRUE(above->ttft_ms.p99 > 500 || above->tpot_ms.p99 > 30)
      << found->max_qps << " " << found->at_max.tpot_ms.p99 << " " << above->tpot_ms.p99 << " "
      << above->ttft_ms.p99 << " " << found->simulations;
}

// An engine that replays CUDA graphs only for decode-only iterations (TensorRT-LLM's PyTorch flow)
// runs an iteration carrying a prompt eagerly: its host time per layer, here 370 us, adds to that
// iteration alone, on every group in lockstep when any one group carries a prompt. Llama 3.1 8B
// has 32 layers: 32 x 370 us = 11.84 ms.
TEST_F(RealModel, APromptOnAnyGroupTakesTheIterationOutOfItsCudaGraph) {
  const auto plain = Cost(job_);
  perf::InferenceJob eager = job_;
  eager.limits.eager_layer_us = 370;
  const auto graphs = Cost(eager);
  EXPECT_DOUBLE_EQ(graphs.StepSeconds(64, 64 * 1000, 0, 0), plain.StepSeconds(64, 64 * 1000, 0, 0));
  EXPECT_NEAR(graphs.StepSeconds(64, 64 * 1000, 512, 512 * 256) -
                  plain.StepSeconds(64, 64 * 1000, 512, 512 * 256),
              32 * 370e-6, 1e-12);
  std::vector<perf::ServingStepModel::GroupBatch> decode_only(2, {64, 64 * 1000, 0, 0});
  auto one_prompt = decode_only;
  one_prompt[1].prefill_tokens = 512;
  one_prompt[1].prefill_keys = 512 * 256;
  EXPECT_DOUBLE_EQ(graphs.LockstepSeconds(decode_only), plain.LockstepSeconds(decode_only));
  EXPECT_NEAR(graphs.LockstepSeconds(one_prompt) - plain.LockstepSeconds(one_prompt), 32 * 370e-6,
              1e-12);
}

// The host's own launches bound an eager iteration from below (eager_host_layer_us): a prompt
// among a few decodes leaves the GPUs little work, and the iteration lasts as long as launching
// it, one launch sequence a layer pass. The time is a DeepSeek layer's (MLA and routed experts),
// so DeepSeek-V2-Lite (27 such layers) takes it: at 1,258 us a pass (the catalog's Blackwell
// figure, set here on the H100's family) 27 x 1,258 us = 33.966 ms, above its plain step with
// 27 x 370 us = 9.99 ms of eager gaps. Three draft passes of a head the catalog does not
// describe (one layer each) make 30 passes: 37.74 ms. A decode-only iteration replays its graph,
// an iteration whose work outlasts the launches costs its work, and Llama 3.1 8B's layer (no
// MLA, no experts: another count of kernels, not measured) takes no floor.
TEST_F(RealModel, AnEagerIterationLastsAtLeastItsHostLaunches) {
  const auto& cat = Cat();
  perf::InferenceJob eager =
      perf::InferenceJobFor(cat, **cat.FindModel("deepseek-v2-lite"), **cat.FindChip("h100"));
  eager.system = *cat.SystemFor(*eager.chip);
  eager.limits.eager_layer_us = 370;
  const auto gaps = Cost(eager);
  eager.limits.eager_host_layer_us = {{"hopper", 1258}};
  const auto host = Cost(eager);
  const double small = gaps.StepSeconds(2, 2 * 1000, 128, 128 * 64);
  ASSERT_LT(small, 27 * 1258e-6);
  EXPECT_NEAR(host.StepSeconds(2, 2 * 1000, 128, 128 * 64), 27 * 1258e-6, 1e-12);
  EXPECT_DOUBLE_EQ(host.StepSeconds(64, 64 * 1000, 0, 0), gaps.StepSeconds(64, 64 * 1000, 0, 0));
  const double large = gaps.StepSeconds(64, 64 * 1000, 16384, 16384.0 * 8192);
  ASSERT_GT(large, 27 * 1258e-6);
  EXPECT_DOUBLE_EQ(host.StepSeconds(64, 64 * 1000, 16384, 16384.0 * 8192), large);
  // In lockstep: a prompt on one group of two puts both under the floor.
  std::vector<perf::ServingStepModel::GroupBatch> decode_only(2, {2, 2 * 1000, 0, 0});
  auto one_prompt = decode_only;
  one_prompt[1].prefill_tokens = 128;
  one_prompt[1].prefill_keys = 128 * 64;
  EXPECT_DOUBLE_EQ(host.LockstepSeconds(decode_only), gaps.LockstepSeconds(decode_only));
  EXPECT_NEAR(host.LockstepSeconds(one_prompt), 27 * 1258e-6, 1e-12);
  // Three draft passes of one layer each.
  perf::InferenceJob drafts = eager;
  drafts.mtp_depth = 3;
  drafts.mtp_acceptance = 0.7;
  EXPECT_NEAR(Cost(drafts).StepSeconds(2, 2 * 1000, 128, 128 * 64), 30 * 1258e-6, 1e-12);
  // Llama 3.1 8B's layer: no floor.
  perf::InferenceJob llama = job_;
  llama.limits.eager_layer_us = 370;
  const double plain = Cost(llama).StepSeconds(2, 2 * 1000, 128, 128 * 64);
  llama.limits.eager_host_layer_us = {{"hopper", 1258}};
  EXPECT_DOUBLE_EQ(Cost(llama).StepSeconds(2, 2 * 1000, 128, 128 * 64), plain);
}

// With attention data parallel the floor is the engine's measured so with the MoE backend named
// (adp_eager_host_layer_us, resolved into the limits for the backend): DeepSeek-V2-Lite's 27
// layers on two groups (dp 2, ep 2) at 2,866 us a pass (the catalog's CuTe DSL figure, set here on
// the H100's family) take 27 x 2,866 us = 77.382 ms for an iteration carrying a small prompt, in
// place of 27 x 1,258 us = 33.966 ms; three draft passes make 30 x 2,866 = 85.98 ms. The same
// job on one group (dp 1, tp 2) keeps the attention-TP floor, 33.966 ms, and a decode-only
// iteration replays its graph on either.
TEST_F(RealModel, AnAttentionDataParallelEagerIterationTakesItsOwnFloor) {
  const auto& cat = Cat();
  perf::InferenceJob job =
      perf::InferenceJobFor(cat, **cat.FindModel("deepseek-v2-lite"), **cat.FindChip("h100"));
  job.system = *cat.SystemFor(*job.chip);
  job.limits.eager_layer_us = 370;
  const perf::InferenceLayout adp{1, 2, 2, 1}, tp{2, 2, 1, 1};
  const auto plain = perf::ServingStepModel::Make(job, adp);
  ASSERT_TRUE(plain) << plain.error().message;
  job.limits.eager_host_layer_us = {{"hopper", 1258}};
  job.limits.adp_eager_host_layer_us = {{"hopper", 2866}};
  const auto floored = perf::ServingStepModel::Make(job, adp);
  ASSERT_TRUE(floored) << floored.error().message;
  std::vector<perf::ServingStepModel::GroupBatch> decode_only(2, {2, 2 * 1000, 0, 0});
  auto one_prompt = decode_only;
  one_prompt[1].prefill_tokens = 128;
  one_prompt[1].prefill_keys = 128 * 64;
  ASSERT_LT(plain->LockstepSeconds(one_prompt), 27 * 2866e-6);
  EXPECT_NEAR(floored->LockstepSeconds(one_prompt), 27 * 2866e-6, 1e-12);
  EXPECT_DOUBLE_EQ(floored->LockstepSeconds(decode_only), plain->LockstepSeconds(decode_only));
  perf::InferenceJob drafts = job;
  drafts.mtp_depth = 3;
  drafts.mtp_acceptance = 0.7;
  const auto drafted = perf::ServingStepModel::Make(drafts, adp);
  ASSERT_TRUE(drafted) << drafted.error().message;
  EXPECT_NEAR(drafted->LockstepSeconds(one_prompt), 30 * 2866e-6, 1e-12);
  const auto one_group = perf::ServingStepModel::Make(job, tp);
  ASSERT_TRUE(one_group) << one_group.error().message;
  EXPECT_NEAR(one_group->StepSeconds(2, 2 * 1000, 128, 128 * 64), 27 * 1258e-6, 1e-12);
}

// Groups in lockstep are priced by their batches, not their order: the iteration takes the
// busiest group's time over the instance's tokens, so any order of the same batches (two alike,
// one other, one idle: a group alike an earlier one is priced once) takes the same time, and it
// is at least the time with the other groups idle. Mixtral 8x7B on an H200, four groups.
TEST_F(RealModel, LockstepGroupsArePricedByTheirBatchesNotTheirOrder) {
  auto moe = perf::ServingStepModel::Make(MixtralOnH200(), perf::InferenceLayout{1, 1, 4, 1});
  ASSERT_TRUE(moe) << moe.error().message;
  using Batch = perf::ServingStepModel::GroupBatch;
  const Batch a{32, 32 * 2000, 0, 0}, b{8, 8 * 500, 256, 256 * 128}, idle{};
  const double t = moe->LockstepSeconds({a, idle, a, b});
  EXPECT_EQ(moe->LockstepSeconds({b, a, idle, a}), t);
  EXPECT_EQ(moe->LockstepSeconds({idle, a, b, a}), t);
  EXPECT_EQ(moe->LockstepSeconds({a, a, b, idle}), t);
  EXPECT_GE(t, moe->LockstepSeconds({a, idle, idle, idle}));
  EXPECT_GE(t, moe->LockstepSeconds({b, idle, idle, idle}));
}

// An engine's per-token MoE decode kernels (decode_token_passes): each decode slot costs that many
// passes over its 16-bit hidden state in each MoE layer at the chip's achievable memory bandwidth,
// a padded CUDA-graph slot as much as a running sequence, prompt tokens nothing, and a dense model
// (Llama 3.1 8B) nothing; under attention data parallel each rank pays for every group's slots
// (it runs the MoE over all of them). By hand, Mixtral 8x7B on H200: 4,096 x 2 = 8,192 bytes a
// token and layer, 4.8 TB/s x 0.75 (hopper memory_efficiency) = 3.6e12 B/s; 50 passes, 64
// sequences, 32 MoE layers: 50 x 8,192 x 64 x 32 / 3.6e12 = 0.23302 ms more; padded to the graph
// of 128, twice that; with two attention groups (dp 2, ep 2), twice that too.
TEST_F(RealModel, EveryDecodeSlotCostsTheEnginesPerTokenKernels) {
  perf::InferenceJob dense = job_;
  dense.limits.decode_token_passes = 50;
  EXPECT_DOUBLE_EQ(Cost(dense).StepSeconds(64, 64 * 1000, 0, 0),
                   Cost(job_).StepSeconds(64, 64 * 1000, 0, 0));
  const perf::InferenceJob moe = MixtralOnH200();
  const auto plain = Cost(moe);
  perf::InferenceJob kernels = moe;
  kernels.limits.decode_token_passes = 50;
  const auto charged = Cost(kernels);
  const double by_hand = 50.0 * 8192 * 64 * 32 / 3.6e12;
  EXPECT_NEAR(by_hand, 0.23302e-3, 1e-8);
  EXPECT_NEAR(charged.StepSeconds(64, 64 * 1000, 0, 0) - plain.StepSeconds(64, 64 * 1000, 0, 0),
              by_hand, 1e-12);
  EXPECT_NEAR(charged.StepSeconds(0, 0, 512, 512 * 256) - plain.StepSeconds(0, 0, 512, 512 * 256),
              0, 1e-12);
  perf::InferenceJob padded = moe;
  padded.limits.graph_batch_sizes = {128};
  perf::InferenceJob padded_kernels = padded;
  padded_kernels.limits.decode_token_passes = 50;
  EXPECT_NEAR(Cost(padded_kernels).StepSeconds(64, 64 * 1000, 0, 0) -
                  Cost(padded).StepSeconds(64, 64 * 1000, 0, 0),
              2 * by_hand, 1e-12);
  const perf::InferenceLayout dp2{.tp = 1, .ep = 2, .dp = 2};
  const StepModelCost plain_dp2(*perf::ServingStepModel::Make(moe, dp2));
  const StepModelCost charged_dp2(*perf::ServingStepModel::Make(kernels, dp2));
  EXPECT_NEAR(
      charged_dp2.StepSeconds(64, 64 * 1000, 0, 0) - plain_dp2.StepSeconds(64, 64 * 1000, 0, 0),
      2 * by_hand, 1e-12);
}

// An engine's fixed time per MoE layer (moe_layer_us): every iteration, decode or prompt, costs
// that much per MoE layer whatever its tokens, and a dense model (Llama 3.1 8B) nothing. Mixtral
// 8x7B has 32 MoE layers: 280 us each is 8.96 ms more a step at 1 or 64 sequences, and for a
// prompt alone.
TEST_F(RealModel, EveryIterationCostsTheEnginesFixedMoeLayerTime) {
  perf::InferenceJob dense = job_;
  dense.limits.moe_layer_us = 280;
  EXPECT_DOUBLE_EQ(Cost(dense).StepSeconds(64, 64 * 1000, 0, 0),
                   Cost(job_).StepSeconds(64, 64 * 1000, 0, 0));
  const perf::InferenceJob moe = MixtralOnH200();
  const auto plain = Cost(moe);
  perf::InferenceJob fixed = moe;
  fixed.limits.moe_layer_us = 280;
  const auto charged = Cost(fixed);
  for (const double seqs : {1.0, 64.0}) {
    EXPECT_NEAR(
        charged.StepSeconds(seqs, seqs * 1000, 0, 0) - plain.StepSeconds(seqs, seqs * 1000, 0, 0),
        32 * 280e-6, 1e-12);
  }
  EXPECT_NEAR(charged.StepSeconds(0, 0, 512, 512 * 256) - plain.StepSeconds(0, 0, 512, 512 * 256),
              32 * 280e-6, 1e-12);
}

// vLLM's --enforce-eager: the host launches every layer's kernels ahead of the GPU, so a step
// takes the longer of the GPU's work and the launches. Llama 3.1 8B has 32 layers: at 375 us a
// layer no step is shorter than 32 x 375 us = 12 ms; a batch whose GPU work is longer than that
// costs what it costs with CUDA graphs, prompt or no prompt; in lockstep, the slowest group's
// time is floored the same way, once.
TEST_F(RealModel, AnEagerStepTakesAtLeastItsKernelLaunches) {
  const auto plain = Cost(job_);
  perf::InferenceJob eager = job_;
  eager.limits.enforce_eager = true;
  eager.limits.eager_launch_layer_us = 375;
  const auto launched = Cost(eager);
  const double floor_s = 32 * 375e-6;
  ASSERT_LT(plain.StepSeconds(1, 1000, 0, 0), floor_s);
  EXPECT_NEAR(launched.StepSeconds(1, 1000, 0, 0), floor_s, 1e-12);
  // A batch of prompt tokens whose GPU work is longer than the launches.
  const double big = plain.StepSeconds(64, 64 * 1000, 8192, 8192 * 4096);
  ASSERT_GT(big, floor_s);
  EXPECT_DOUBLE_EQ(launched.StepSeconds(64, 64 * 1000, 8192, 8192 * 4096), big);
  std::vector<perf::ServingStepModel::GroupBatch> small(2, {1, 1000, 0, 0});
  EXPECT_NEAR(launched.LockstepSeconds(small), floor_s, 1e-12);
  // Off, or on with no measured launch time: no floor.
  eager.limits.eager_launch_layer_us = 0;
  EXPECT_DOUBLE_EQ(Cost(eager).StepSeconds(1, 1000, 0, 0), plain.StepSeconds(1, 1000, 0, 0));
}

// SGLang's --cuda-graph-max-bs (S3042): a step whose batch is above the largest captured graph
// runs eagerly: no shorter than its launches, 32 layers x 257 us = 8.224 ms for Llama 3.1 8B at
// SGLang's eager_launch_layer_us (S3041), its kernels' gaps as in the graph (never faster than
// replayed). At or below the cap the step is the graph's; in lockstep the largest group decides.
TEST_F(RealModel, AStepAboveTheLargestCapturedGraphRunsEagerly) {
  perf::InferenceJob graphs = job_;
  graphs.limits.cuda_graph_families = {job_.chip->family};
  graphs.limits.graph_layer_us = 55;
  graphs.limits.eager_launch_layer_us = 257;
  perf::InferenceJob capped = graphs;
  capped.limits.graph_max_batch = 4;
  const auto replayed = Cost(graphs), beyond = Cost(capped);
  const double floor_s = 32 * 257e-6;
  EXPECT_DOUBLE_EQ(beyond.StepSeconds(4, 4 * 1000, 0, 0), replayed.StepSeconds(4, 4 * 1000, 0, 0));
  ASSERT_LT(replayed.StepSeconds(5, 5 * 1000, 0, 0), floor_s);
  EXPECT_NEAR(beyond.StepSeconds(5, 5 * 1000, 0, 0), floor_s, 1e-12);
  // A large batch's device work is longer than the launches: eager, it costs what it costs
  // replayed.
  ASSERT_GT(replayed.StepSeconds(256, 256 * 1000, 0, 0), floor_s);
  EXPECT_DOUBLE_EQ(beyond.StepSeconds(256, 256 * 1000, 0, 0),
                   replayed.StepSeconds(256, 256 * 1000, 0, 0));
  std::vector<perf::ServingStepModel::GroupBatch> groups = {{4, 4000, 0, 0}, {5, 5000, 0, 0}};
  ASSERT_LT(replayed.LockstepSeconds(groups), floor_s);
  EXPECT_NEAR(beyond.LockstepSeconds(groups), floor_s, 1e-12);
  groups[1] = {4, 4000, 0, 0};
  EXPECT_DOUBLE_EQ(beyond.LockstepSeconds(groups), replayed.LockstepSeconds(groups));
}

// The two eager paths are one rule (perf RunsEagerly / EagerLaunchSeconds): a step launched from
// the host, under --enforce-eager or above the largest captured graph, takes the longer of its
// launches and the device's work with the graph's per-layer gaps (graph_layer_us, the GPU's own:
// S2200 measured them under replay, no host in the way). So at 5 sequences both are the launch
// floor and at 256 both cost what the replayed step costs, gaps included; before, the
// --enforce-eager step dropped the 32 x 55 us gaps and came out faster than the graph's.
TEST_F(RealModel, EnforceEagerAndAboveTheGraphCapAreOneRule) {
  perf::InferenceJob graphs = job_;
  graphs.limits.cuda_graph_families = {job_.chip->family};
  graphs.limits.graph_layer_us = 55;
  graphs.limits.eager_launch_layer_us = 257;
  perf::InferenceJob capped = graphs;
  capped.limits.graph_max_batch = 4;
  perf::InferenceJob eager = graphs;
  eager.limits.enforce_eager = true;
  const auto replayed = Cost(graphs), beyond = Cost(capped), launched = Cost(eager);
  for (double b : {5.0, 256.0}) {
    EXPECT_DOUBLE_EQ(launched.StepSeconds(b, b * 1000, 0, 0), beyond.StepSeconds(b, b * 1000, 0, 0))
        << b;
    EXPECT_GE(launched.StepSeconds(b, b * 1000, 0, 0), replayed.StepSeconds(b, b * 1000, 0, 0))
        << b;
  }
  EXPECT_DOUBLE_EQ(launched.StepSeconds(256, 256 * 1000, 0, 0),
                   replayed.StepSeconds(256, 256 * 1000, 0, 0));
}

// An engine's measured step floor (step_floor_layer_us, vLLM-Ascend's 957 us a layer): no
// iteration, graph or eager, prompt or not, is shorter than the layers times the floor. Llama 3.1
// 8B's 32 layers at 957 us: 30.6 ms; a step whose device work is longer is unchanged; with
// --enforce-eager too the larger of the two floors binds (375 us a layer is under 957).
TEST_F(RealModel, AnEnginesStepFloorBindsEveryShortIteration) {
  const auto plain = Cost(job_);
  perf::InferenceJob floored = job_;
  floored.limits.step_floor_layer_us = 957;
  const auto f = Cost(floored);
  const double floor_s = 32 * 957e-6;
  ASSERT_LT(plain.StepSeconds(24, 24 * 4096, 0, 0), floor_s);
  EXPECT_NEAR(f.StepSeconds(24, 24 * 4096, 0, 0), floor_s, 1e-12);
  std::vector<perf::ServingStepModel::GroupBatch> small(2, {1, 1000, 0, 0});
  EXPECT_NEAR(f.LockstepSeconds(small), floor_s, 1e-12);
  const double big = plain.StepSeconds(64, 64 * 1000, 8192, 8192 * 4096);
  ASSERT_GT(big, floor_s);
  EXPECT_DOUBLE_EQ(f.StepSeconds(64, 64 * 1000, 8192, 8192 * 4096), big);
  floored.limits.enforce_eager = true;
  floored.limits.eager_launch_layer_us = 375;
  EXPECT_NEAR(Cost(floored).StepSeconds(1, 1000, 0, 0), floor_s, 1e-12);
}

// CUDA-graph padding (TensorRT-LLM's cuda_graph_runner, enable_padding): a decode-only
// iteration runs the smallest captured batch size that holds its batch, the empty slots computed
// like running sequences with no cache to attend to. So 150 sequences under sizes {128, 256} cost
// what 256 sequences attending to the same keys cost; a batch above the largest size and an
// iteration carrying a prompt run as they are. Under attention data parallel every group pads to
// the graph of the largest group's batch.
TEST_F(RealModel, ADecodeBatchPadsToTheNextCapturedCudaGraph) {
  const auto plain = Cost(job_);
  perf::InferenceJob padded = job_;
  padded.limits.graph_batch_sizes = {128, 256};
  const auto graphs = Cost(padded);
  EXPECT_DOUBLE_EQ(graphs.StepSeconds(150, 150 * 1000, 0, 0),
                   plain.StepSeconds(256, 150 * 1000, 0, 0));
  EXPECT_GT(graphs.StepSeconds(150, 150 * 1000, 0, 0), plain.StepSeconds(150, 150 * 1000, 0, 0));
  EXPECT_DOUBLE_EQ(graphs.StepSeconds(128, 128 * 1000, 0, 0),
                   plain.StepSeconds(128, 128 * 1000, 0, 0));
  EXPECT_DOUBLE_EQ(graphs.StepSeconds(300, 300 * 1000, 0, 0),
                   plain.StepSeconds(300, 300 * 1000, 0, 0));
  EXPECT_DOUBLE_EQ(graphs.StepSeconds(150, 150 * 1000, 512, 512 * 256),
                   plain.StepSeconds(150, 150 * 1000, 512, 512 * 256));
  using G = perf::ServingStepModel::GroupBatch;
  const std::vector<G> groups = {{150, 150 * 1000, 0, 0}, {100, 100 * 2000, 0, 0}};
  const std::vector<G> full = {{256, 150 * 1000, 0, 0}, {256, 100 * 2000, 0, 0}};
  EXPECT_DOUBLE_EQ(graphs.LockstepSeconds(groups), plain.LockstepSeconds(full));
  auto one_prompt = groups;
  one_prompt[1].prefill_tokens = 512;
  one_prompt[1].prefill_keys = 512 * 256;
  EXPECT_DOUBLE_EQ(graphs.LockstepSeconds(one_prompt), plain.LockstepSeconds(one_prompt));
}

// The padded slots of a CUDA graph are one dummy request repeated (TensorRT-LLM's
// CUDAGraphRunner: batch.generation_requests.extend([padding_dummy_request] * padding_size),
// S4151): one token's hidden state, routed to one set of top_k experts, so they add at most top_k
// experts' weights to the step's read, not top_k fresh picks each. DeepSeek-V3 in FP8 on eight
// H200s (tp 8, ep 8: 32 of the 256 experts a chip, top 8), no cached keys: one sequence padded to
// the graph of 128 touches the experts of 2 distinct tokens, 1 - (31/32)^2 of them, where 128
// running sequences touch 1 - (31/32)^128. By hand, the expert bytes a chip reads the fewer:
// 58 MoE layers x 32 experts x 3 x 7,168 x 2,048 parameters x 1 byte x ((31/32)^2 - (31/32)^128)
// = 81,738,596,352 x 0.921294 = 75.31 GB, at 4.8 TB/s x 0.75 (hopper memory_efficiency) 20.92 ms;
// everything else (the slots through the dense layers, dispatch, per-token kernels) costs alike.
// The step is bound by the read (37 B active parameters x 2 x 128 tokens / 8 chips is about 1.2
// TFLOP a chip, 2 ms), so the saving is nearly all of that and cannot exceed it.
TEST_F(RealModel, PaddedGraphSlotsRouteAsOneToken) {
  const auto& cat = Cat();
  perf::InferenceJob v3 =
      perf::InferenceJobFor(cat, **cat.FindModel("deepseek-v3"), **cat.FindChip("h200"));
  v3.system = *cat.SystemFor(*v3.chip);
  v3.dtype = perf::ServingDType::kFp8;
  const perf::InferenceLayout layout{.tp = 8, .ep = 8};
  perf::InferenceJob padded = v3;
  padded.limits.graph_batch_sizes = {128};
  const StepModelCost plain(*perf::ServingStepModel::Make(v3, layout));
  const StepModelCost graphs(*perf::ServingStepModel::Make(padded, layout));
  const double fewer = std::pow(31.0 / 32, 2) - std::pow(31.0 / 32, 128);
  EXPECT_NEAR(fewer, 0.921294, 1e-6);
  const double by_hand = 58.0 * 32 * 3 * 7168 * 2048 * fewer / (4.8e12 * 0.75);
  EXPECT_NEAR(by_hand, 20.92e-3, 0.01e-3);
  const double saved = plain.StepSeconds(128, 0, 0, 0) - graphs.StepSeconds(1, 0, 0, 0);
  EXPECT_GT(saved, 0.8 * by_hand);
  EXPECT_LT(saved, 1.001 * by_hand);
}

// The bounded prefix cache by hand (SchedulerLimits::bounded_prefix_cache). Four requests in
// Mooncake's format (512-token blocks), each alone (a second apart, one output token: done in its
// prefill step of 10 ms), 1,024-token prompts of two blocks: r0 [1, 2], r1 [3, 4], r2 [1, 2], r3
// [3, 4]. An unbounded cache gives r2 and r3 1,008 tokens each (at most 1,023, the last computed,
// in whole 16-token engine blocks: 63 x 16): 2,016 / 4,096. A request reserves 1,025 tokens, 65
// blocks of 16; a prefix block is 32.
// - 3,072 tokens of KV (192 blocks): everything stays; r2 and r3 hit 1,008 each, as unbounded.
// - 2,048 tokens (128 blocks): r0 frees [2, 1] (its last block first) to the free list (64
//   blocks). r1 takes 65: 63 left, so block 2 is evicted; r1 frees [4, 3]: list [1, 4, 3]. r2
//   finds block 1, not 2: 512 tokens; it takes block 1 (32) and 33 of its own, 63 left, so block 4
//   goes; r2 frees [2, 1]: list [3, 2, 1]. r3 finds 3, not 4: 512. Hits 1,024 / 4,096 = 0.25.
// - The same with a host tier of 1,024 tokens at 512,000 tokens/s: the evicted blocks 2 and 4 go
//   there, and r2 and r3 find both blocks again (1,008 tokens each, as unbounded), loading 512
//   tokens each over the link: 1 ms on their step (TTFT 11 ms, the others 10 ms). From the host:
//   1,024 / 4,096 = 0.25.
TEST(ServingSim, ABoundedPrefixCacheEvictsTheLeastRecentlyUsedBlocksByHand) {
  auto trace = ReadServingTrace(
      "{\"timestamp\": 0, \"input_length\": 1024, \"output_length\": 1, \"hash_ids\": [1, 2]}\n"
      "{\"timestamp\": 1000, \"input_length\": 1024, \"output_length\": 1, \"hash_ids\": [3, 4]}\n"
      "{\"timestamp\": 2000, \"input_length\": 1024, \"output_length\": 1, \"hash_ids\": [1, 2]}\n"
      "{\"timestamp\": 3000, \"input_length\": 1024, \"output_length\": 1, \"hash_ids\": [3, 4]}\n",
      "m.jsonl", 1 << 20);
  ASSERT_TRUE(trace) << trace.error().message;
  EXPECT_EQ((*trace)[2].prefix_blocks, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ((*trace)[2].prefix_tokens, 1024);
  SchedulerLimits limits;
  limits.bounded_prefix_cache = true;
  auto roomy = SimulateServing(FixedStep(0.010, 3072), limits, *trace, {});
  ASSERT_TRUE(roomy) << roomy.error().message;
  EXPECT_NEAR(roomy->prefix_hit_unbounded, 2016.0 / 4096, 1e-12);
  EXPECT_NEAR(roomy->prefix_hit, 2016.0 / 4096, 1e-12);
  auto tight = SimulateServing(FixedStep(0.010, 2048), limits, *trace, {});
  ASSERT_TRUE(tight) << tight.error().message;
  EXPECT_NEAR(tight->prefix_hit, 1024.0 / 4096, 1e-12);
  EXPECT_NEAR(tight->prefix_hit_unbounded, 2016.0 / 4096, 1e-12);
  EXPECT_EQ(tight->prefix_hit_host, 0);
  limits.host_kv_tokens = 1024;
  limits.host_tokens_per_s = 512000;
  auto host = SimulateServing(FixedStep(0.010, 2048), limits, *trace, {});
  ASSERT_TRUE(host) << host.error().message;
  EXPECT_NEAR(host->prefix_hit, 2016.0 / 4096, 1e-12);
  EXPECT_NEAR(host->prefix_hit_host, 1024.0 / 4096, 1e-12);
  EXPECT_NEAR(host->ttft_ms.mean, (10 + 10 + 11 + 11) / 4.0, 1e-9);
  EXPECT_EQ(host->requests_completed, 4);
  // Off, the trace's hits stand (an unbounded cache).
  auto given = SimulateServing(FixedStep(0.010, 2048), {}, *trace, {});
  ASSERT_TRUE(given);
  EXPECT_NEAR(given->prefix_hit, 2016.0 / 4096, 1e-12);
}

// A Mooncake trace written with 20-token blocks (TraceReadOptions::block_tokens; AIPerf's and
// Dynamo's generators take a block size). By hand: two 60-token prompts, ceil(60 / 20) = 3 ids
// each, [1, 2, 3] and [1, 2, 7] a second apart: the second shares 2 blocks, 40 tokens, as the
// trace counts them. A hit is whole 16-token engine blocks: 40 -> 32 (2 x 16), bounded (both
// resident) and unbounded alike: 32 / 120 of prompt tokens. Read at the default 512 the 3 ids are
// more than 60 tokens fill (1 block) and the message names the setting; a size given to a trace
// with no hash_ids sizes nothing and is refused.
TEST(ServingSim, ATraceBlockSizeReadsOtherBlocksAndHitsWholeEngineBlocksByHand) {
  const std::string text =
      "{\"timestamp\": 0, \"input_length\": 60, \"output_length\": 1, \"hash_ids\": [1, 2, 3]}\n"
      "{\"timestamp\": 1000, \"input_length\": 60, \"output_length\": 1, \"hash_ids\": [1, 2, "
      "7]}\n";
  const TraceReadOptions twenty{
      .block_tokens = 20, .block_flag = "--trace-block-size", .block_tokens_given = true};
  auto r = ReadServingTrace(text, "m.jsonl", 4096, twenty);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)[1].cached_tokens, 40);
  EXPECT_EQ((*r)[1].prefix_block_tokens, 20);
  SchedulerLimits limits;
  limits.bounded_prefix_cache = true;
  auto bounded = SimulateServing(FixedStep(0.010, 1e6), limits, *r, {});
  ASSERT_TRUE(bounded) << bounded.error().message;
  EXPECT_NEAR(bounded->prefix_hit, 32.0 / 120, 1e-12);
  EXPECT_NEAR(bounded->prefix_hit_unbounded, 32.0 / 120, 1e-12);
  auto unbounded = SimulateServing(FixedStep(0.010, 1e6), {}, *r, {});
  ASSERT_TRUE(unbounded) << unbounded.error().message;
  EXPECT_NEAR(unbounded->prefix_hit, 32.0 / 120, 1e-12);
  // Engine blocks of 8: 40 is 5 of them, all of it hits.
  limits.block_tokens = 8;
  auto eights = SimulateServing(FixedStep(0.010, 1e6), limits, *r, {});
  ASSERT_TRUE(eights) << eights.error().message;
  EXPECT_NEAR(eights->prefix_hit, 40.0 / 120, 1e-12);

  auto at512 = ReadServingTrace(text, "m.jsonl", 4096, {.block_flag = "--trace-block-size"});
  ASSERT_FALSE(at512);
  EXPECT_EQ(at512.error().message,
            "m.jsonl:1: hash_ids: 3 block ids, but input_length 60 fills 1 of the trace's "
            "512-token blocks (one id a block, the last one partly filled); a trace written with "
            "smaller blocks needs their size (--trace-block-size N)");
  auto no_ids =
      ReadServingTrace("arrival_s,input_tokens,output_tokens\n0,60,1\n", "t.csv", 4096, twenty);
  ASSERT_FALSE(no_ids);
  EXPECT_EQ(no_ids.error().message,
            "t.csv: no line names hash_ids, so --trace-block-size sizes nothing (it is the size of "
            "Mooncake's blocks)");
}

// Counts as whole numbers, times in the file's units: 12,345,678 tokens was "1.23457e+07 is not a
// whole number of tokens from 1 to 1e7" (it is whole; it is too many), and a Mooncake timestamp
// (milliseconds) out of order was said in seconds.
TEST(ServingSim, TraceMessagesSayCountsWholeAndTimesInTheFilesUnits) {
  const std::string head = "arrival_s,input_tokens,output_tokens\n";
  for (const auto& [text, message] : {
           std::pair{head + "0,12345678,10\n",
                     "t.csv:2: input_tokens: 12345678 tokens is more than 10,000,000 (the most a "
                     "request trace's row may give)"},
           std::pair{head + "0,100.5,10\n",
                     "t.csv:2: input_tokens: 100.5 is not a whole number "
                     "of tokens"},
           std::pair{head + "0,100,0\n", "t.csv:2: output_tokens: 0 tokens; needs at least 1"},
           std::pair{head + "1234567.5,100,1\n1234567,100,1\n",
                     "t.csv:3: arrival_s: 1234567 s is before the previous row's 1234567.5 s "
                     "(rows must be in arrival order)"},
           std::pair{std::string("{\"timestamp\": 1500, \"input_length\": 5, \"output_length\": "
                                 "1}\n{\"timestamp\": 1000, \"input_length\": 5, "
                                 "\"output_length\": 1}\n"),
                     "t.csv:2: timestamp: 1000 ms is before the previous row's 1500 ms (rows must "
                     "be in arrival order)"},
           std::pair{head.substr(0, head.size() - 1) + ",cached_tokens\n0,100,1,100\n",
                     "t.csv:2: cached_tokens: 100 is not below input_tokens (100): the prompt's "
                     "last token is always computed"},
       }) {
    auto bad = ReadServingTrace(text, "t.csv", 1 << 30);
    ASSERT_FALSE(bad) << text;
    EXPECT_EQ(bad.error().message, message);
  }
}

// Two requests sharing a prefix while both run hold it once. By hand: a 1,024-token system prompt
// (prefix_id "sys", two blocks) in two prompts of 1,040 tokens, 100 output tokens each, at 0 and
// 0.505 s, 10 ms a step. r0 computes its prompt in its first step and puts both blocks in the
// cache; r1 arrives while r0 decodes (its 100 tokens end at 1.0 s), is admitted at 0.51, finds the
// 1,024 tokens and reserves 16 + 100 tokens (8 blocks); r0 reserved 1,140 (72 blocks). 80 blocks
// of 16 = 1,280 tokens of KV are enough: TTFT 10 and 15 ms. Without the sharing r1 would need 72
// blocks more and wait for r0 to end (TTFT 505 ms).
TEST(ServingSim, ABoundedPrefixCacheHoldsASharedPrefixOnceByHand) {
  auto trace = ReadServingTrace(
      "arrival_s,input_tokens,output_tokens,prefix_id,prefix_tokens\n"
      "0,1040,100,sys,1024\n0.505,1040,100,sys,1024\n",
      "p.csv", 1 << 20);
  ASSERT_TRUE(trace) << trace.error().message;
  ASSERT_EQ((*trace)[0].prefix_blocks.size(), 2u);
  EXPECT_EQ((*trace)[0].prefix_blocks, (*trace)[1].prefix_blocks);
  SchedulerLimits limits;
  limits.bounded_prefix_cache = true;
  auto r = SimulateServing(FixedStep(0.010, 1280), limits, *trace, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NEAR(r->prefix_hit, 1024.0 / 2080, 1e-12);
  EXPECT_EQ(r->max_running_seqs, 2);
  EXPECT_NEAR(r->ttft_ms.mean, (10 + 15) / 2.0, 1e-6);
  // An unbounded given hit does not hold the prefix at all: the same here.
  auto given = SimulateServing(FixedStep(0.010, 1280), {}, *trace, {});
  ASSERT_TRUE(given);
  EXPECT_NEAR(given->ttft_ms.mean, (10 + 15) / 2.0, 1e-6);
  // Off (no blocks named): r1 computes its whole prompt and waits for r0's room.
  auto alone = *trace;
  for (auto& q : alone) {
    q.prefix_blocks.clear();
    q.cached_tokens = 0;
  }
  auto waits = SimulateServing(FixedStep(0.010, 1280), limits, alone, {});
  ASSERT_TRUE(waits);
  EXPECT_NEAR(waits->ttft_ms.mean, (10 + 505) / 2.0, 1e-6);
}

// The engine's KV page sets both the prefix hit and the paging (SchedulerLimits::block_tokens:
// SGLang's page of 1, vLLM's block of 16, TensorRT-LLM's 32). By hand: two 1,024-token prompts of
// the same two 512-token Mooncake blocks a second apart, one output token each. The second finds
// both and looks up at most 1,023 tokens (its last computed): pages of 1 hit 1,023, of 16 hit
// 63 x 16 = 1,008, of 32 hit 31 x 32 = 992, of 2,048 prompt tokens. Paging: a request holds its
// 1,025 tokens in whole pages of a pool of floor(1,030 / page) pages: pages of 1 fit (1,025 of
// 1,030); of 16 it needs 65 of 64, of 32 33 of 32, so the run is refused.
TEST(ServingSim, TheEnginesPageSetsPrefixHitsAndPagingByHand) {
  const std::string text =
      "{\"timestamp\": 0, \"input_length\": 1024, \"output_length\": 1, \"hash_ids\": [1, 2]}\n"
      "{\"timestamp\": 1000, \"input_length\": 1024, \"output_length\": 1, \"hash_ids\": [1, "
      "2]}\n";
  auto r = ReadServingTrace(text, "m.jsonl", 4096);
  ASSERT_TRUE(r) << r.error().message;
  for (const auto& [page, hit] :
       {std::pair{1, 1023.0}, std::pair{16, 1008.0}, std::pair{32, 992.0}}) {
    for (const bool bounded : {false, true}) {
      SchedulerLimits limits;
      limits.block_tokens = page;
      limits.bounded_prefix_cache = bounded;
      auto sim = SimulateServing(FixedStep(0.010, 1e6), limits, *r, {});
      ASSERT_TRUE(sim) << sim.error().message;
      EXPECT_NEAR(sim->prefix_hit, hit / 2048, 1e-12) << page << " " << bounded;
    }
  }
  for (const auto& [page, fits] :
       {std::pair{1, true}, std::pair{16, false}, std::pair{32, false}}) {
    SchedulerLimits limits;
    limits.block_tokens = page;
    auto sim = SimulateServing(FixedStep(0.010, 1030), limits, *r, {});
    EXPECT_EQ(sim.has_value(), fits) << page;
  }
}

// A line names its shared prefix one way: by its blocks (hash_ids) or by prefix_id (and
// prefix_tokens); both would count it twice, so the line is refused at its file:line.
TEST(ServingSim, ATraceLineWithBothHashIdsAndAPrefixIdIsRefused) {
  auto bad = ReadServingTrace(
      "{\"timestamp\": 0, \"input_length\": 8, \"output_length\": 1}\n"
      "{\"timestamp\": 0, \"input_length\": 1024, \"output_length\": 1, \"hash_ids\": [1, 2], "
      "\"prefix_id\": \"sys\", \"prefix_tokens\": 512}\n",
      "m.jsonl", 4096);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "m.jsonl:2: prefix_id: the line also gives hash_ids; name a prompt's shared prefix by "
            "its blocks (hash_ids) or by prefix_id and prefix_tokens, not both");
}

}  // namespace
}  // namespace suanli::sim
