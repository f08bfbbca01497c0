// Gavel's published fixture results (tests/sim/gavel_reference.yaml) against
// our round-based replay of the same traces. Needs the shared data (fails without it under CI).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdlib>

#include "sim/engine/replay.h"
#include "sim/policies/registry.h"
#include "sim/trace/trace.h"
#include "testing.h"

namespace suanli::sim {
namespace {

TEST(GavelFixturesTest, AverageJctAgainstGavelsSimulator) {
  const std::string fixtures = testing::SharedDataDir() + "/traces/gavel-fixtures/";
  const std::string throughputs =
      testing::SharedDataDir() + "/traces/gavel/simulation_throughputs.json";
  SUANLI_REQUIRE_SHARED_DATA(throughputs, fixtures);
  const YAML::Node cases =
      YAML::LoadFile(SUANLI_TEST_DATA_DIR "/sim/gavel_reference.yaml")["cases"];
  const std::string tput = testing::FileText(throughputs);
  for (const auto& c : cases) {
    const std::string trace = c["trace"].as<std::string>();
    auto jobs =
        ReadGavelTrace(testing::FileText(fixtures + trace), trace, tput, throughputs, nullptr);
    ASSERT_TRUE(jobs) << jobs.error().ToString();
    auto nodes = ParseClusterSpec(c["cluster"].as<std::string>());
    ASSERT_TRUE(nodes);
    auto policy = MakePolicy(c["policy"].as<std::string>());
    ASSERT_TRUE(policy);
    ReplayOptions rounds;
    rounds.round_s = 360;  // Gavel's default round
    auto r = Replay({*nodes, *jobs}, **policy, rounds);
    ASSERT_TRUE(r) << r.error().ToString();
    const double published = c["avg_jct_s"].as<double>();
    const double error = r->avg_jct_s / published - 1;
    const double tolerance = c["tolerance"].as<double>();
    std::printf("gavel %-40s %-22s avg JCT %11.3f s, Gavel %11.3f s, error %+6.2f%%\n",
                trace.c_str(), c["policy"].as<std::string>().c_str(), r->avg_jct_s, published,
                error * 100);
    EXPECT_LE(std::fabs(error), tolerance) << trace << " " << c["policy"].as<std::string>();
    // The order types are listed in must not matter (Gavel's order is by speed).
    std::string spec = c["cluster"].as<std::string>(), reversed;
    for (size_t end = spec.size(); end != std::string::npos && end > 0;) {
      const size_t comma = spec.rfind(',', end - 1);
      const size_t begin = comma == std::string::npos ? 0 : comma + 1;
      reversed += (reversed.empty() ? "" : ",") + spec.substr(begin, end - begin);
      end = comma;
    }
    auto other_nodes = ParseClusterSpec(reversed);
    ASSERT_TRUE(other_nodes) << reversed;
    auto again = Replay({*other_nodes, *jobs}, **policy, rounds);
    ASSERT_TRUE(again);
    EXPECT_DOUBLE_EQ(again->avg_jct_s, r->avg_jct_s) << reversed;
  }
}

}  // namespace
}  // namespace suanli::sim
