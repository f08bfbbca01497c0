// Simulate before submit, against hand calculations.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include "app/engine.h"
#include "testing.h"

namespace suanli::app {
namespace {

using nlohmann::json;

const Engine& TheEngine() {
  static const Engine e = *Engine::Open({});
  return e;
}

json SimulateJson(const SimulateRequest& r) {
  auto out = TheEngine().Simulate(r, {Format::kJson, nullptr});
  EXPECT_TRUE(out) << out.error().ToString();
  return out ? json::parse(out->body) : json();
}

TEST(Simulate, IdleClusterFastestTypeAndDeadlineOdds) {
  SimulateRequest r;
  r.durations = {"h800:10", "a100:30"};
  r.gpus = 8;
  r.cluster = "h800:8,a100:8";
  r.deadline_h = 11;
  r.chip_hour_usd = 2;
  const json j = SimulateJson(r);
  EXPECT_EQ(j["placement"]["type"], "h800");
  EXPECT_DOUBLE_EQ(j["placement"]["start_h"].get<double>(), 0);
  EXPECT_NEAR(j["placement"]["finish_h"].get<double>(), 10, 1e-9);
  // Lognormal run time, sigma 0.10: P = Phi(ln(11/10) / 0.10) = Phi(0.9531) = 0.8297.
  EXPECT_NEAR(j["p_meet_deadline"].get<double>(), 0.8297, 1e-4);
  // Cost alone: $2 x 8 GPUs x 10 h = $160 on H800, x 30 h = $480 on A100.
  EXPECT_NEAR(j["options"][0]["cost_usd"].get<double>(), 160, 1e-6);
  EXPECT_NEAR(j["options"][1]["cost_usd"].get<double>(), 480, 1e-6);
}

TEST(Simulate, WaitsForTheRunningPodToEnd) {
  // The fixture's H800 node runs pretrain-0 (8 GPUs); say it ends in 10 h. The 910B node has 4 of
  // 8 free, the other nodes are smaller than the job. fifo-perf waits for the H800 node:
  // start 10 h, finish 10 + 10 = 20 h.
  json objects = json::parse(
      testing::FileText(std::string(SUANLI_TEST_DATA_DIR) + "/sim/kube/nodes_pods.json"));
  for (auto& item : objects["items"]) {
    if (item["kind"] == "Pod" && item["metadata"]["name"] == "pretrain-0") {
      item["metadata"]["annotations"]["suanli.io/remaining-s"] = "36000";
    }
  }
  SimulateRequest r;
  r.durations = {"NVIDIA-H800:10", "Ascend910B3:40"};
  r.gpus = 8;
  r.kube_json = objects.dump();
  r.deadline_h = 20;
  const json j = SimulateJson(r);
  EXPECT_EQ(j["placement"]["type"], "NVIDIA-H800");
  EXPECT_NEAR(j["placement"]["start_h"].get<double>(), 10, 1e-9);
  EXPECT_NEAR(j["placement"]["finish_h"].get<double>(), 20, 1e-9);
  // Exactly at the deadline: Phi(0) = 0.5.
  EXPECT_NEAR(j["p_meet_deadline"].get<double>(), 0.5, 1e-9);
  EXPECT_EQ(j["running_jobs"], 3);
  // Two running pods still say nothing of their end: the output says what was assumed.
  EXPECT_NE(j["assumptions"][0].get<std::string>().find("2 running pods"), std::string::npos);
}

TEST(Simulate, ModelAndTokensUseTheTrainingModel) {
  SimulateRequest r;
  r.model = "llama-3-8b";
  r.tokens = 200e9;
  r.gpus = 8;
  r.cluster = "h800:8";
  const json j = SimulateJson(r);
  // Duration = tokens / (tokens/s per chip x chips).
  const double tps = j["options"][0]["tokens_per_s_per_chip"].get<double>();
  EXPECT_NEAR(j["options"][0]["duration_h"].get<double>(), 200e9 / (tps * 8) / 3600, 1e-6);
  EXPECT_NEAR(j["placement"]["finish_h"].get<double>(), j["options"][0]["duration_h"].get<double>(),
              1e-6);
}

// A cluster spec with its node size (type:count:gpus_per_node, `h800:2k:8`) and a job larger than
// a node: the job spans whole nodes, each type one pool, as for Kubernetes nodes. Round 7 of the
// user's-eye audit: `suanli simulate --gpus 1k --cluster h800:2k:8,h20:4k:8` said "the job can run
// on none of the cluster's types" (one node of 8 per job).
TEST(Simulate, SpecNodesPoolForAJobLargerThanANode) {
  SimulateRequest r;
  r.durations = {"h800:10", "a100:30"};
  r.gpus = 64;
  r.cluster = "h800:32:8,a100:128:8";
  const json j = SimulateJson(r);
  // 32 H800 (4 nodes of 8) cannot hold 64 GPUs; 128 A100 (16 nodes) can: 30 h from now.
  EXPECT_EQ(j["placement"]["type"], "a100");
  EXPECT_NEAR(j["placement"]["finish_h"].get<double>(), 30, 1e-9);
  EXPECT_FALSE(j["options"][0]["can_run"].get<bool>());
  EXPECT_NE(j["options"][0]["reason"].get<std::string>().find("this type has 32"),
            std::string::npos);
  EXPECT_NE(j["assumptions"][0].get<std::string>().find("larger than any node (8)"),
            std::string::npos);
  // Round numbers as typed: 1k GPUs of 2k H800 in nodes of 8.
  r.gpus = 1024;
  r.cluster = "h800:2k:8";
  r.durations = {"h800:10"};
  EXPECT_EQ(SimulateJson(r)["placement"]["type"], "h800");
  // Where no type's pool holds the job, the error says why for each type, and names the job's
  // GPUs (the field to change; it named durations, or the model when one was given).
  r.cluster = "h800:512:8";
  auto out = TheEngine().Simulate(r, {Format::kJson, nullptr});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "gpus");
  EXPECT_NE(out.error().message.find("h800: needs 1024 GPUs; this type has 512"), std::string::npos)
      << out.error().message;
  // Two nodes of 8 hold 16 GPUs however they are written (h800:2x8 is h800:16:8): a 32-GPU job
  // is refused alike.
  r.gpus = 32;
  for (const char* cluster : {"h800:2x8", "h800:16:8"}) {
    r.cluster = cluster;
    out = TheEngine().Simulate(r, {Format::kJson, nullptr});
    ASSERT_FALSE(out) << cluster;
    EXPECT_NE(out.error().message.find("h800: needs 32 GPUs; this type has 16"), std::string::npos)
        << out.error().message;
    EXPECT_EQ(out.error().field, "gpus") << cluster;
  }
  // The same with a model and tokens in place of durations (POST /v1/simulate {"model":
  // "llama-3-8b", "tokens": "20B", "gpus": 32, "cluster": "h100:16"} named the model).
  r.durations.clear();
  r.model = "llama-3-8b";
  r.tokens = 20e9;
  r.cluster = "h100:16";
  out = TheEngine().Simulate(r, {Format::kJson, nullptr});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "gpus") << out.error().ToString();
}

TEST(Simulate, BadRequestsNameTheField) {
  struct Case {
    const char* field;
    std::function<void(SimulateRequest&)> set;
  };
  const Case cases[] = {
      {"model", [](SimulateRequest& r) { r.cluster = "h800:8"; }},  // neither model nor durations
      {"model",
       [](SimulateRequest& r) {
         r.cluster = "h800:8";
         r.model = "llama-3-8b";
         r.tokens = 1e9;
         r.durations = {"h800:1"};
       }},
      {"tokens",
       [](SimulateRequest& r) {
         r.cluster = "h800:8";
         r.model = "llama-3-8b";
       }},
      {"durations",
       [](SimulateRequest& r) {
         r.cluster = "h800:8";
         r.durations = {"h800"};
       }},
      {"durations",
       [](SimulateRequest& r) {
         r.cluster = "h800:8";
         r.durations = {"h800:-1"};
       }},
      {"durations",
       [](SimulateRequest& r) {
         r.cluster = "h800:8";
         r.durations = {"b200:3"};
       }},
      {"cluster", [](SimulateRequest& r) { r.durations = {"h800:1"}; }},
      {"cluster",
       [](SimulateRequest& r) {
         r.durations = {"h800:1"};
         r.cluster = "h800:8";
         r.kube_json = "{}";
       }},
      {"deadline_h",
       [](SimulateRequest& r) {
         r.cluster = "h800:8";
         r.durations = {"h800:1"};
         r.deadline_h = -5;
       }},
      {"policy",
       [](SimulateRequest& r) {
         r.cluster = "h800:8";
         r.durations = {"h800:1"};
         r.policy = "fastest";
       }},
      {"gpus",
       [](SimulateRequest& r) {
         r.cluster = "h800:8";
         r.durations = {"h800:1"};
         r.gpus = 0;
       }},
      // 16 GPUs on nodes of 8: the job's size is what no type holds (it named durations).
      {"gpus",
       [](SimulateRequest& r) {
         r.cluster = "h800:8:8";
         r.durations = {"h800:1"};
         r.gpus = 16;
       }},
  };
  for (const auto& c : cases) {
    SimulateRequest r;
    c.set(r);
    auto out = TheEngine().Simulate(r, {Format::kJson, nullptr});
    ASSERT_FALSE(out) << c.field;
    EXPECT_EQ(out.error().field, c.field) << out.error().ToString();
  }
}

// No cluster at all is a missing field, not "not both" (what it said before).
TEST(Simulate, NoClusterSaysItIsRequired) {
  SimulateRequest r;
  r.model = "llama-3-8b";
  r.tokens = 1e12;
  auto out = TheEngine().Simulate(r, {Format::kJson, nullptr});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().field, "cluster");
  EXPECT_NE(out.error().message.find("is required"), std::string::npos) << out.error().message;
  EXPECT_EQ(out.error().message.find("not both"), std::string::npos) << out.error().message;
}

}  // namespace
}  // namespace suanli::app
