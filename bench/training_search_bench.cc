// Full parallel-layout searches (every knob open). Target (issue 2): the
// DeepSeek-V3 search on 16,384 chips in under 1 s.
#include <benchmark/benchmark.h>

#include "catalog/catalog.h"
#include "perf/training.h"

namespace {

using suanli::catalog::Catalog;

void Search(benchmark::State& state, const char* model, const char* chip, long chips,
            suanli::catalog::DType dtype, int seq, double batch_seqs) {
  static const Catalog catalog = *Catalog::Builtin();
  suanli::perf::TrainingJob job;
  job.model = *catalog.FindModel(model);
  job.chip = *catalog.FindChip(chip);
  job.system = *catalog.SystemFor(*job.chip);
  job.calibration = catalog.CalibrationFor(job.chip->family);
  job.training = catalog.training_calibration();
  job.chips = chips;
  job.tokens = 15e12;
  job.dtype = dtype;
  job.seq_len = seq;
  job.global_batch_tokens = batch_seqs * seq;
  long evaluated = 0;
  for (auto _ : state) {
    auto r = suanli::perf::SearchLayout(job, {});
    if (!r) state.SkipWithError(r.error().message.c_str());
    evaluated = r ? r->layouts_evaluated : 0;
    benchmark::DoNotOptimize(r);
  }
  state.counters["layouts"] = static_cast<double>(evaluated);
}

void BM_SearchDeepSeekV3_16384xH800(benchmark::State& state) {
  Search(state, "deepseek-v3", "h800", 16384, suanli::catalog::DType::kFp8, 4096, 15360);
}
void BM_SearchLlama3_405B_16384xH100(benchmark::State& state) {
  Search(state, "llama-3-405b", "h100", 16384, suanli::catalog::DType::kBf16, 8192, 2048);
}
void BM_SearchLlama3_70B_1024xAscend910C(benchmark::State& state) {
  Search(state, "llama-3-70b", "ascend-910c", 1024, suanli::catalog::DType::kBf16, 8192, 512);
}

BENCHMARK(BM_SearchDeepSeekV3_16384xH800)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SearchLlama3_405B_16384xH100)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SearchLlama3_70B_1024xAscend910C)->Unit(benchmark::kMillisecond);

}  // namespace
