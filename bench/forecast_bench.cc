// The forecast on the built-in default scenario. Targets: 1,000 samples under 5 s on 2 cores
// (issue 4); 10,000 samples with the sensitivity and the model error under 5 s on one core
// (issue 15; the forecast is single-threaded).
#include <benchmark/benchmark.h>

#include "catalog/catalog.h"
#include "plan/forecast.h"
#include "supply/scenario.h"

namespace {

void Forecast(benchmark::State& state, bool side_analyses, int samples = 1000) {
  static const auto catalog = *suanli::catalog::Catalog::Builtin();
  const auto scenario = *suanli::supply::BuiltinScenario("china-2026");
  suanli::plan::ForecastOptions options;
  options.samples = samples;
  options.sensitivity = side_analyses;
  options.purchase_advice = side_analyses;
  for (auto _ : state) {
    auto f = suanli::plan::RunForecast(scenario, catalog, options);
    if (!f) state.SkipWithError(f.error().message.c_str());
    benchmark::DoNotOptimize(f);
  }
}

void BM_ForecastChina2026_1000Samples(benchmark::State& state) { Forecast(state, false); }
void BM_ForecastChina2026_1000Samples_WithSensitivityAndPurchase(benchmark::State& state) {
  Forecast(state, true);
}

void BM_ForecastChina2026_10000Samples_WithSensitivityAndPurchase(benchmark::State& state) {
  Forecast(state, true, 10000);
}

BENCHMARK(BM_ForecastChina2026_1000Samples)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForecastChina2026_10000Samples_WithSensitivityAndPurchase)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);
BENCHMARK(BM_ForecastChina2026_1000Samples_WithSensitivityAndPurchase)
    ->Unit(benchmark::kMillisecond);

}  // namespace
