// The forecast on the built-in default scenario. Target (issue 4): 1,000
// samples under 5 s on 2 cores.
#include <benchmark/benchmark.h>

#include "catalog/catalog.h"
#include "plan/forecast.h"
#include "supply/scenario.h"

namespace {

void Forecast(benchmark::State& state, bool side_analyses) {
  static const auto catalog = *suanli::catalog::Catalog::Builtin();
  const auto scenario = *suanli::supply::BuiltinScenario("china-2026");
  suanli::plan::ForecastOptions options;
  options.samples = 1000;
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

BENCHMARK(BM_ForecastChina2026_1000Samples)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForecastChina2026_1000Samples_WithSensitivityAndPurchase)
    ->Unit(benchmark::kMillisecond);

}  // namespace
