// The request-level serving simulator (issue 13): a 10-minute server run at 100 requests/s
// (60,000 requests) under 2 s on one core, and the highest-rate-at-SLO search under 10 s.
// Real-shaped lengths: lognormal around chat means (sigma 0.8: coefficient of variation near 1).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "app/engine.h"
#include "app/requests.h"
#include "catalog/catalog.h"
#include "perf/inference.h"
#include "sim/serving/serving_sim.h"

namespace {

using suanli::catalog::Catalog;
namespace perf = suanli::perf;
namespace sim = suanli::sim;

struct Setup {
  perf::InferenceJob job;
  perf::InferenceEstimate estimate;
};

// The deployment `infer` would choose: the analytic layout search, then its layout.
Setup Deploy(const char* model, const char* chip, perf::ServingDType dtype) {
  static const Catalog catalog = *Catalog::Builtin();
  Setup s;
  s.job = perf::InferenceJobFor(catalog, **catalog.FindModel(model), **catalog.FindChip(chip));
  s.job.system = *catalog.SystemFor(*s.job.chip);
  s.job.dtype = dtype;
  s.job.input_tokens = 1024;
  s.job.output_tokens = 256;
  s.estimate = *perf::EstimateInference(s.job, {});
  return s;
}

sim::WorkloadSpec Chat(long requests, double qps) {
  sim::WorkloadSpec spec;
  spec.requests = requests;
  spec.qps = qps;
  spec.input = *sim::LengthDistribution::Parse("lognormal", 1024);
  spec.output = *sim::LengthDistribution::Parse("lognormal", 256);
  return spec;
}

void Server(benchmark::State& state, const char* model, const char* chip, perf::ServingDType dtype,
            double qps) {
  const Setup s = Deploy(model, chip, dtype);
  const sim::StepModelCost cost(*perf::ServingStepModel::Make(s.job, s.estimate.layout));
  // Per attention group: the instance's rate split over its dp groups.
  const double group_qps = qps / s.estimate.layout.dp;
  const auto requests =
      sim::MakeServingRequests(Chat(static_cast<long>(group_qps * 600), group_qps));
  long steps = 0;
  double p99 = 0;
  for (auto _ : state) {
    auto r = sim::SimulateServing(cost, {}, requests, {});
    if (!r) state.SkipWithError(r.error().message.c_str());
    steps = r ? r->steps : 0;
    p99 = r ? r->ttft_ms.p99 : 0;
    benchmark::DoNotOptimize(r);
  }
  state.counters["requests"] = static_cast<double>(requests.size());
  state.counters["steps"] = static_cast<double>(steps);
  state.counters["ttft_p99_ms"] = p99;
}

void Search(benchmark::State& state, const char* model, const char* chip,
            perf::ServingDType dtype) {
  const Setup s = Deploy(model, chip, dtype);
  const sim::StepModelCost cost(*perf::ServingStepModel::Make(s.job, s.estimate.layout));
  sim::SloTargets slo;
  slo.ttft_ms = 2000;
  slo.tpot_ms = 200;
  double qps = 0;
  int runs = 0;
  for (auto _ : state) {
    auto r = sim::MaxQpsAtSlo(cost, {}, Chat(2000, 0), slo);
    if (!r) state.SkipWithError(r.error().message.c_str());
    qps = r ? r->max_qps : 0;
    runs = r ? r->simulations : 0;
  }
  state.counters["max_qps_per_group"] = qps;
  state.counters["simulations"] = runs;
}

// DeepSeek-R1 on 72 GB200 offline as `suanli infer --model deepseek-r1 --chip gb200 --count 72
// --dtype fp4 --input-tokens 803 --output-tokens 3714.5 --mode offline` types it: the layout the
// analytic search chooses (every chip an attention group, in lockstep), as many requests as infer
// sends (8 x the batch per group, at least 1,000), R1's measured output spread (lognormal, sigma
// 1, cut at 20,000 tokens). About 1.1 million requests of 3,700 tokens on 72 groups of 1,900
// running sequences: what made infer take minutes. One run per iteration.
void BM_OfflineDeepSeekR1_72xGB200_Fp4_Lognormal(benchmark::State& state) {
  static const Catalog catalog = *Catalog::Builtin();
  perf::InferenceJob job = perf::InferenceJobFor(catalog, **catalog.FindModel("deepseek-r1"),
                                                 **catalog.FindChip("gb200"));
  job.system = *catalog.SystemFor(*job.chip);
  job.chips = 72;
  job.dtype = perf::ServingDType::kFp4;
  job.input_tokens = 803;
  job.output_tokens = 3714.5;
  job.mode = perf::ServingMode::kOffline;
  const perf::InferenceEstimate e = *perf::EstimateInference(job, {});
  const sim::StepModelCost cost(*perf::ServingStepModel::Make(job, e.layout));
  sim::SchedulerLimits limits;
  limits.attention_groups = e.layout.dp;
  sim::WorkloadSpec spec;
  spec.input = *sim::LengthDistribution::Parse("fixed", 803);
  spec.output = *sim::LengthDistribution::Parse("lognormal:1:20000", 3714.5);
  spec.max_context = job.model->max_seq_len;
  spec.requests = std::clamp<long>(8L * e.max_batch, 1000, 100'000) * e.layout.dp;
  const auto requests = sim::MakeServingRequests(spec);
  double tokens_per_s = 0;
  long steps = 0;
  for (auto _ : state) {
    auto r = sim::SimulateServing(cost, limits, requests, {});
    if (!r) state.SkipWithError(r.error().message.c_str());
    tokens_per_s = r ? r->output_tokens_per_s : 0;
    steps = r ? r->steps : 0;
  }
  state.counters["groups"] = e.layout.dp;
  state.counters["requests"] = static_cast<double>(requests.size());
  state.counters["steps"] = static_cast<double>(steps);
  state.counters["tokens_per_s_per_group"] = tokens_per_s;
}

// DeepSeek-R1 on 16 H20 under SGLang as a user types it, the whole command: `suanli infer
// --model deepseek-r1 --chip h20 --count 16 --engine sglang --json` (server mode, MLPerf's
// targets). The analytic search, then the max_qps_at_slo search on its layout (attention DP 4 in
// lockstep, 8,000 requests a run of R1's lognormal outputs) with the max_num_seqs widening, and
// the same on the near layout the simulation disagrees with: 52 runs, four of them the
// bisection's ceiling/64 trickle of 1.5-2.9 million iterations. 21.3 s of CPU at session 30's
// start, 15.9 s at session 31's (bench/RESULTS.md "Session 31 (H5)"); issue 13 asks under 10 s.
void BM_InferDeepSeekR1_16xH20_SGLang_MaxQpsAtSlo(benchmark::State& state) {
  static const auto engine = suanli::app::Engine::Open({});
  if (!engine) {
    state.SkipWithError(engine.error().message.c_str());
    return;
  }
  suanli::app::InferRequest r;
  r.model = "deepseek-r1";
  r.chip = {"h20"};
  r.count = 16;
  r.engine = "sglang";
  suanli::app::RunContext c;
  c.format = suanli::app::Format::kJson;
  nlohmann::json sim;
  for (auto _ : state) {
    auto out = engine->Infer(r, c);
    if (!out) {
      state.SkipWithError(out.error().message.c_str());
      return;
    }
    sim = nlohmann::json::parse(out->body)["simulation"];
  }
  state.counters["layouts_simulated"] = sim.value("layouts_simulated", 0);
  state.counters["runs"] = sim.value("runs", 0);
  state.counters["max_qps_at_slo"] = sim.value("max_qps_at_slo", 0.0);
}

void BM_ServeLlama31_8B_H100_100qps_10min(benchmark::State& state) {
  Server(state, "llama-3.1-8b", "h100", perf::ServingDType::kBf16, 100);
}
void BM_ServeLlama31_70B_H100_Fp8_10qps_10min(benchmark::State& state) {
  Server(state, "llama-3.1-70b", "h100", perf::ServingDType::kFp8, 10);
}
void BM_MaxQpsAtSlo_Llama31_8B_H100(benchmark::State& state) {
  Search(state, "llama-3.1-8b", "h100", perf::ServingDType::kBf16);
}
void BM_MaxQpsAtSlo_DeepSeekV3_H800_Fp8(benchmark::State& state) {
  Search(state, "deepseek-v3", "h800", perf::ServingDType::kFp8);
}

BENCHMARK(BM_ServeLlama31_8B_H100_100qps_10min)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ServeLlama31_70B_H100_Fp8_10qps_10min)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MaxQpsAtSlo_Llama31_8B_H100)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MaxQpsAtSlo_DeepSeekV3_H800_Fp8)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InferDeepSeekR1_16xH20_SGLang_MaxQpsAtSlo)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_OfflineDeepSeekR1_72xGB200_Fp4_Lognormal)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
