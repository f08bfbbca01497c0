// Full inference layout searches (TP/EP/DP and batch open). Target (issue 3):
// DeepSeek-V3 on one chip type in under 100 ms.
#include <benchmark/benchmark.h>

#include "catalog/catalog.h"
#include "perf/inference.h"

namespace {

using suanli::catalog::Catalog;

void Search(benchmark::State& state, const char* model, const char* chip,
            suanli::perf::ServingDType dtype, bool disaggregate) {
  static const Catalog catalog = *Catalog::Builtin();
  suanli::perf::InferenceJob job;
  job.model = *catalog.FindModel(model);
  job.chip = *catalog.FindChip(chip);
  job.system = *catalog.SystemFor(*job.chip);
  job.calibration = catalog.CalibrationFor(job.chip->family);
  job.serving = catalog.inference_calibration();
  job.input_tokens = 2048;
  job.output_tokens = 512;
  job.dtype = dtype;
  job.tpot_ms = 50;
  job.disaggregate = disaggregate;
  long layouts = 0;
  for (auto _ : state) {
    auto r = suanli::perf::EstimateInference(job, {});
    if (!r) state.SkipWithError(r.error().message.c_str());
    layouts = r ? r->layouts_evaluated : 0;
    benchmark::DoNotOptimize(r);
  }
  state.counters["layouts"] = static_cast<double>(layouts);
}

void BM_InferDeepSeekV3_H800_Disaggregated(benchmark::State& state) {
  Search(state, "deepseek-v3", "h800", suanli::perf::ServingDType::kFp8, true);
}
void BM_InferDeepSeekV3_Ascend910C_Int8(benchmark::State& state) {
  Search(state, "deepseek-v3", "ascend-910c", suanli::perf::ServingDType::kInt8, false);
}
void BM_InferLlama3_70B_H20(benchmark::State& state) {
  Search(state, "llama-3-70b", "h20", suanli::perf::ServingDType::kFp8, false);
}

BENCHMARK(BM_InferDeepSeekV3_H800_Disaggregated)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InferDeepSeekV3_Ascend910C_Int8)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_InferLlama3_70B_H20)->Unit(benchmark::kMillisecond);

}  // namespace
