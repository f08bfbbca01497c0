// Data-driven: every published case in calibration_cases.yaml runs with its
// published layout and must land within the case's tolerance.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <string>

#include "catalog/catalog.h"
#include "perf/training.h"
#include "testing.h"

namespace suanli::perf {
namespace {

std::optional<int> OptInt(const YAML::Node& n, const char* key) {
  if (!n[key]) return std::nullopt;
  return n[key].as<int>();
}

double Metric(const TrainingEstimate& e, const std::string& metric) {
  if (metric == "step_time_s") return e.step_time_s;
  if (metric == "achieved_tflops_per_chip") return e.achieved_tflops_per_chip;
  if (metric == "accelerator_hours") return e.accelerator_hours;
  ADD_FAILURE() << "unknown metric " << metric;
  return NAN;
}

class CalibrationTest : public ::testing::TestWithParam<testing::DataCase> {};

TEST_P(CalibrationTest, WithinPublishedTolerance) {
  const YAML::Node& n = GetParam().node;
  const auto& cat = testing::BuiltinCatalog();
  TrainingJob job = TrainingJobFor(cat, **cat.FindModel(n["model"].as<std::string>()),
                                   **cat.FindChip(n["chip"].as<std::string>()));
  job.system = *cat.SystemFor(*job.chip);
  if (n["power_cap_w"]) job.system.power_cap_w = n["power_cap_w"].as<double>();
  job.chips = n["count"].as<long>();
  job.tokens = n["tokens"] ? n["tokens"].as<double>() : 1e9;
  job.seq_len = n["seq_len"].as<int>();
  job.global_batch_tokens = n["global_batch_seqs"].as<double>() * job.seq_len;
  job.dtype = *catalog::ParseDType(n["dtype"].as<std::string>());
  LayoutConstraints fixed;
  fixed.tp = OptInt(n, "tp");
  fixed.pp = OptInt(n, "pp");
  fixed.dp = OptInt(n, "dp");
  fixed.ep = OptInt(n, "ep");
  fixed.cp = OptInt(n, "cp");
  fixed.zero_stage = OptInt(n, "zero");
  fixed.micro_batch = OptInt(n, "micro_batch");
  fixed.interleave = OptInt(n, "interleave");
  if (n["recompute"]) fixed.recompute = ParseRecompute(n["recompute"].as<std::string>());
  if (n["sequence_parallel"]) fixed.sequence_parallel = n["sequence_parallel"].as<bool>();
  if (n["schedule"]) fixed.schedule = ParseSchedule(n["schedule"].as<std::string>());
  if (n["attention"]) job.attention = *ParseAttentionKernel(n["attention"].as<std::string>());

  auto result = SearchLayout(job, fixed);
  ASSERT_TRUE(result) << result.error().ToString();
  const auto& e = result->best;
  const std::string metric = n["metric"].as<std::string>();
  const double predicted = Metric(e, metric);
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
