// Data-driven: every published case in calibration_cases.yaml runs with its
// published layout and must land within the case's tolerance.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "perf/training.h"
#include "published_cases.h"
#include "testing.h"

namespace suanli::perf {
namespace {

class CalibrationTest : public ::testing::TestWithParam<testing::DataCase> {};

TEST_P(CalibrationTest, WithinPublishedTolerance) {
  const YAML::Node& n = GetParam().node;
  auto run = testing::RunTrainingCase(n);
  ASSERT_TRUE(run) << run.error().ToString();
  const auto& e = run->estimate;
  const double predicted = run->predicted;
  const std::string metric = n["metric"].as<std::string>();
  const double published = n["published"].as<double>();
  const double tolerance = n["tolerance"].as<double>();
  const double error = predicted / published - 1;
  std::printf(
      "calibration %-28s %-24s predicted %12.5g published %12.5g error %+6.1f%%  "
      "(tp %d pp %d dp %d ep %d cp %d v %d mb %d zero %d rc %s %s, mfu %.3f)\n",
      GetParam().name.c_str(), metric.c_str(), predicted, published, error * 100, e.layout.tp,
      e.layout.pp, e.layout.dp, e.layout.ep, e.layout.cp, e.layout.interleave, e.layout.micro_batch,
      e.layout.zero_stage, std::string(RecomputeName(e.layout.recompute)).c_str(),
      std::string(ScheduleName(e.layout.schedule)).c_str(), e.mfu);
  EXPECT_LE(std::fabs(error), tolerance)
      << metric << " predicted " << predicted << ", published " << published;
}

INSTANTIATE_TEST_SUITE_P(Published, CalibrationTest,
                         ::testing::ValuesIn(testing::LoadCases("perf/calibration_cases.yaml")),
                         testing::CaseName);

}  // namespace
}  // namespace suanli::perf

namespace suanli::perf {
namespace {

// The forecast samples each rate's error from the catalog's training_error_sigma and
// inference_error_sigma (plan/forecast.h, ModelError). For a family the suite has cases of, that
// sigma is the root mean square of log(predicted / published) over them: recomputed here, so the
// catalog can claim neither less nor more than the suite shows.
TEST(ModelErrorTest, SigmaIsTheSuitesResidualSpread) {
  const auto& cat = testing::BuiltinCatalog();
  std::map<std::string, std::vector<double>> training, inference;  // family -> log residuals
  for (const auto& c : testing::LoadCases("perf/calibration_cases.yaml")) {
    auto run = testing::RunTrainingCase(c.node);
    ASSERT_TRUE(run) << c.name;
    const auto& chip = **cat.FindChip(c.node["chip"].as<std::string>());
    training[chip.family].push_back(std::log(run->predicted / c.node["published"].as<double>()));
  }
  for (const auto& c : testing::LoadCases("perf/inference_cases.yaml")) {
    auto run = testing::RunInferenceCase(c.node);
    ASSERT_TRUE(run) << c.name;
    const auto& chip = **cat.FindChip(c.node["chip"].as<std::string>());
    inference[chip.family].push_back(std::log(run->predicted / c.node["published"].as<double>()));
  }
  auto rms = [](const std::vector<double>& v) {
    double sum = 0;
    for (double x : v) sum += x * x;
    return std::sqrt(sum / v.size());
  };
  ASSERT_FALSE(training.empty());
  ASSERT_FALSE(inference.empty());
  for (const auto& [family, residuals] : training) {
    EXPECT_NEAR(cat.CalibrationFor(family).training_error_sigma, rms(residuals), 0.002)
        << family << " training, " << residuals.size() << " cases";
  }
  for (const auto& [family, residuals] : inference) {
    EXPECT_NEAR(cat.CalibrationFor(family).inference_error_sigma, rms(residuals), 0.002)
        << family << " serving, " << residuals.size() << " cases";
  }
  // Families without cases take the default's held-out figures: ln(1 + median error) / 0.6745
  // (the median of |N(0, sigma)| is 0.6745 sigma) with the medians measured on unseen runs,
  // 38 % for training (issue 12) and, for serving, 31.85 %: the analytic model (what the forecast
  // rates use) on the 48 held-out MLPerf Inference v5.1 results of bench/serving_accuracy.py
  // (issue 13, 2026-12-02).
  const auto& unmeasured = cat.CalibrationFor("no-such-family");
  EXPECT_NEAR(unmeasured.training_error_sigma, std::log(1.38) / 0.6745, 0.002);
  EXPECT_NEAR(unmeasured.inference_error_sigma, std::log(1.3185) / 0.6745, 0.002);
}

}  // namespace
}  // namespace suanli::perf
