// Data-driven: every published serving result in inference_cases.yaml runs
// with its published deployment and must land within the case's tolerance.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "catalog/catalog.h"
#include "perf/inference.h"
#include "published_cases.h"
#include "sim/serving/serving_sim.h"
#include "testing.h"

namespace suanli::perf {
namespace {

class InferenceCalibrationTest : public ::testing::TestWithParam<testing::DataCase> {};

TEST_P(InferenceCalibrationTest, WithinPublishedTolerance) {
  const YAML::Node& n = GetParam().node;
  auto run = testing::RunInferenceCase(n);
  ASSERT_TRUE(run) << run.error().ToString();
  const perf::InferenceEstimate* r = &run->estimate;
  const double predicted = run->predicted;
  const std::string metric = n["metric"].as<std::string>();
  const double published = n["published"].as<double>();
  const double error = predicted / published - 1;
  std::printf(
      "inference %-26s %-30s predicted %9.1f published %9.1f error %+6.1f%%  (tp %d ep %d "
      "batch %d/%d tpot %.1f ms ttft %.0f ms, %s)\n",
      GetParam().name.c_str(), metric.c_str(), predicted, published, error * 100, r->layout.tp,
      r->layout.ep, r->max_batch, r->memory_max_batch, r->tpot_ms, r->ttft_ms, r->bound.c_str());
  EXPECT_LE(std::fabs(error), n["tolerance"].as<double>());
}

// The aggregated cases again through the request-level simulator in their MLPerf scenario, on the
// layout the analytic model chose: offline sends every request at once; server searches the
// highest Poisson rate whose p99 TTFT and TPOT meet the case's limits, each run lasting MLPerf's
// minimum 600 s at the offline rate, as `suanli infer` runs it. Lengths spread around the
// published means (lognormal, sigma 0.8: OpenOrca's outputs run from a few tokens to the cap),
// cut at 1,024 tokens as the benchmark cuts them: prompts padded to max_seq_len 1024, outputs
// max_new_tokens 1024 (mlcommons/inference@0257f68 language/llama2-70b/SUT.py). Uncut, 2.4 % of the
// outputs ran past 1,024 tokens (0.05 % past 3,000), and the last of them, decoding in a small
// batch after the others had finished, cut the offline rate by 8 % on H100 (2,778 against 3,005
// tokens/s per chip).
TEST(InferenceCalibrationSimulated, AggregatedCasesWithinTolerance) {
  int simulated = 0;
  for (const auto& c : testing::LoadCases("perf/inference_cases.yaml")) {
    const YAML::Node& n = c.node;
    if (n["disaggregate"] && n["disaggregate"].as<bool>()) continue;  // not simulated
    auto run = testing::RunInferenceCase(n);
    ASSERT_TRUE(run) << run.error().ToString();
    const auto& cat = testing::BuiltinCatalog();
    InferenceJob job = InferenceJobFor(cat, **cat.FindModel(n["model"].as<std::string>()),
                                       **cat.FindChip(n["chip"].as<std::string>()));
    job.system = *cat.SystemFor(*job.chip);
    job.dtype = *ParseServingDType(n["dtype"].as<std::string>());
    auto model = ServingStepModel::Make(job, run->estimate.layout);
    ASSERT_TRUE(model) << model.error().message;
    const sim::StepModelCost cost(*model);
    sim::WorkloadSpec spec;
    spec.input = *sim::LengthDistribution::Parse("lognormal:0.8:1024", n["input"].as<double>());
    spec.output = *sim::LengthDistribution::Parse("lognormal:0.8:1024", n["output"].as<double>());
    spec.max_context = job.model->max_seq_len;
    double predicted = 0;
    if (n["mode"].as<std::string>() == "offline") {
      spec.requests = 8000;
      auto r = sim::SimulateServing(cost, {}, sim::MakeServingRequests(spec), {});
      ASSERT_TRUE(r) << r.error().message;
      predicted = r->output_tokens_per_s;
    } else {
      spec.requests = 2000;
      spec.min_duration_s = 600;
      sim::SloTargets slo;
      slo.ttft_ms = n["ttft_ms"].as<double>();
      slo.tpot_ms = n["tpot_ms"].as<double>();
      // As `suanli infer` runs it with no engine given (src/app/infer.cc): at most the
      // estimate's launch batch running (the largest whose steps meet the targets), then the
      // larger caps a user tuning for the SLO tries, up to what the KV cache holds.
      sim::SchedulerLimits limits;
      limits.max_num_seqs = run->estimate.launch_batch;
      auto r = sim::MaxQpsAtSloOverCaps(cost, limits, spec, slo, run->estimate.memory_max_batch);
      ASSERT_TRUE(r) << r.error().message;
      predicted = r->at_max.output_tokens_per_s;
    }
    predicted /= run->estimate.layout.tp;
    const double published = n["published"].as<double>();
    const double error = predicted / published - 1;
    std::printf("simulated %-26s predicted %9.1f published %9.1f error %+6.1f%%\n", c.name.c_str(),
                predicted, published, error * 100);
    EXPECT_LE(std::fabs(error), n["tolerance"].as<double>()) << c.name;
    ++simulated;
  }
  EXPECT_EQ(simulated, 11);  // the MLPerf Llama-2-70B cases: offline and server, v4.1 on H200 and
                             // MI300X, v5.0 on H100, H200 and MI325X; v5.0 interactive on H200
}

INSTANTIATE_TEST_SUITE_P(Published, InferenceCalibrationTest,
                         ::testing::ValuesIn(testing::LoadCases("perf/inference_cases.yaml")),
                         testing::CaseName);

}  // namespace
}  // namespace suanli::perf
