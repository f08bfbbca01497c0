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

INSTANTIATE_TEST_SUITE_P(Published, InferenceCalibrationTest,
                         ::testing::ValuesIn(testing::LoadCases("perf/inference_cases.yaml")),
                         testing::CaseName);

}  // namespace
}  // namespace suanli::perf
