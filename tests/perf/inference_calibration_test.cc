// Data-driven: every published serving result in inference_cases.yaml runs
// with its published deployment and must land within the case's tolerance.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "catalog/catalog.h"
#include "perf/inference.h"
#include "testing.h"

namespace suanli::perf {
namespace {

class InferenceCalibrationTest : public ::testing::TestWithParam<testing::DataCase> {};

TEST_P(InferenceCalibrationTest, WithinPublishedTolerance) {
  const YAML::Node& n = GetParam().node;
  const auto& cat = testing::BuiltinCatalog();
  InferenceJob job = InferenceJobFor(cat, **cat.FindModel(n["model"].as<std::string>()),
                                     **cat.FindChip(n["chip"].as<std::string>()));
  job.system = *cat.SystemFor(*job.chip);
  job.chips = n["count"].as<long>();
  job.input_tokens = n["input"].as<double>();
  job.output_tokens = n["output"].as<double>();
  job.dtype = *ParseServingDType(n["dtype"].as<std::string>());
  if (n["kv_dtype"]) job.kv_dtype = ParseServingDType(n["kv_dtype"].as<std::string>());
  job.mode =
      n["mode"].as<std::string>() == "offline" ? ServingMode::kOffline : ServingMode::kServer;
  if (n["tpot_ms"]) job.tpot_ms = n["tpot_ms"].as<double>();
  if (n["ttft_ms"]) job.ttft_ms = n["ttft_ms"].as<double>();
  if (n["prefix_cache_hit"]) job.prefix_cache_hit = n["prefix_cache_hit"].as<double>();
  job.disaggregate = n["disaggregate"] && n["disaggregate"].as<bool>();
  InferenceConstraints fixed;
  if (n["tp"]) fixed.tp = n["tp"].as<int>();
  if (n["ep"]) fixed.ep = n["ep"].as<int>();

  auto r = EstimateInference(job, fixed);
  ASSERT_TRUE(r) << r.error().ToString();
  const std::string metric = n["metric"].as<std::string>();
  double predicted = NAN;
  if (metric == "output_tokens_per_s_per_chip") predicted = r->output_tokens_per_s_per_chip;
  if (metric == "prefill_tokens_per_s_per_chip") predicted = r->prefill_tokens_per_s_per_chip;
  if (metric == "decode_tokens_per_s_per_chip") predicted = r->decode_tokens_per_s_per_chip;
  const double published = n["published"].as<double>();
  const double error = predicted / published - 1;
  std::printf(
      "inference %-26s %-30s predicted %9.1f published %9.1f error %+6.1f%%  (tp %d ep %d "
      "batch %d/%d tpot %.1f ms ttft %.0f ms, %s)\n",
      GetParam().name.c_str(), metric.c_str(), predicted, published, error * 100, r->layout.tp,
      r->layout.ep, r->max_batch, r->memory_max_batch, r->tpot_ms, r->ttft_ms, r->bound.c_str());
  EXPECT_LE(std::fabs(error), n["tolerance"].as<double>());
}

INSTANTIATE_TEST_SUITE_P(Published, InferenceCalibrationTest,
                         ::testing::ValuesIn(testing::LoadCases("perf/inference_cases.yaml")),
                         testing::CaseName);

}  // namespace
}  // namespace suanli::perf
