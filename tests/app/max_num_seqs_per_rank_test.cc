// `infer --max-num-seqs-per-rank N`: each attention-DP rank's running-sequence cap, whatever the
// engine's own flag counts and whatever layout the search picks. The engines' own counts, which
// the expectations below are written from: vLLM's --max-num-seqs is each DP rank's (every rank a
// core engine with its own scheduler, S4430), TensorRT-LLM's max_batch_size each attention-DP
// rank's (S4431), SGLang's --max-running-requests the server's, each rank admitting // dp of it
// (S3014, S2863).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "app/engine.h"
#include "app/requests.h"

namespace suanli::app {
namespace {

const Engine& TheEngine() {
  static const Engine e = *Engine::Open({});
  return e;
}

// An infer request's JSON, or {"error": its message, "field": its field}.
nlohmann::json Outcome(const InferRequest& r) {
  auto out = TheEngine().Infer(r, {Format::kJson, nullptr});
  if (!out) return {{"error", out.error().message}, {"field", out.error().field}};
  return nlohmann::json::parse(out->body);
}

nlohmann::json Json(const InferRequest& r) {
  auto j = Outcome(r);
  EXPECT_FALSE(j.contains("error")) << j.dump();
  return j;
}

// DeepSeek-R1 FP8 on one 8-GPU H200 node, priced as the offline steady state (the analytic
// model: the batch is the engine's cap, well below the 263 sequences a rank's KV cache holds at
// these lengths).
InferRequest R1OnEightH200s(const std::string& engine, int tp, int dp) {
  InferRequest r;
  r.model = "deepseek-r1";
  r.chip = {"h200"};
  r.count = 8;
  r.dtype = "fp8";
  r.tp = tp;
  r.dp = dp;
  r.ep = 8;
  r.engine = engine;
  r.mode = "offline";
  r.analytic = true;
  return r;
}

// Two layouts, one per-rank cap of 16: each rank runs 16 whatever the engine, so the instance
// runs 16 at attention TP 8 (one rank) and 16 x 8 = 128 at attention DP 8. Under SGLang that is
// the run its own flag gives with --max-running-requests 16 at dp 1 and 128 at dp 8 (128 // 8 =
// 16 a rank), the same price; under vLLM and TensorRT-LLM --max-num-seqs 16 on either layout.
TEST(MaxNumSeqsPerRank, TheInstancesLimitScalesWithItsRanks) {
  for (const char* engine : {"sglang", "vllm", "trtllm"}) {
    for (const int dp : {1, 8}) {
      InferRequest per_rank = R1OnEightH200s(engine, 8 / dp, dp);
      per_rank.max_num_seqs_per_rank = 16;
      const auto j = Json(per_rank);
      EXPECT_EQ(j["engine_max_batch"], 16) << engine << " dp " << dp;
      EXPECT_EQ(j["max_batch"], 16) << engine << " dp " << dp;
      InferRequest own = R1OnEightH200s(engine, 8 / dp, dp);
      own.max_num_seqs = std::string(engine) == "sglang" ? 16 * dp : 16;
      EXPECT_DOUBLE_EQ(Json(own)["output_tokens_per_s_per_chip"].get<double>(),
                       j["output_tokens_per_s_per_chip"].get<double>())
          << engine << " dp " << dp;
    }
  }
  // SGLang's own flag at 16 over 8 ranks is 16 // 8 = 2 a rank: the reading the per-rank flag
  // is there to avoid when the layout is not the user's.
  InferRequest server = R1OnEightH200s("sglang", 1, 8);
  server.max_num_seqs = 16;
  EXPECT_EQ(Json(server)["engine_max_batch"], 2);
}

// The layout searched (no --tp, --dp, --ep): whichever the search picks, each of its ranks runs
// the cap given, and the instance that many times its ranks.
TEST(MaxNumSeqsPerRank, HoldsOnTheLayoutTheSearchPicks) {
  for (const char* engine : {"sglang", "vllm"}) {
    InferRequest r = R1OnEightH200s(engine, 1, 1);
    r.tp.reset();
    r.dp.reset();
    r.ep.reset();
    r.count = 16;
    r.max_num_seqs_per_rank = 12;
    const auto j = Json(r);
    ASSERT_GT(j["layouts_evaluated"].get<int>(), 1) << j.dump();
    EXPECT_EQ(j["engine_max_batch"], 12) << engine << " " << j["layout"].dump();
    // The engine's own flag at 12: vLLM's is a rank's too, the same answer; SGLang's is the
    // server's, 12 // dp a rank on every layout with dp ranks, never more than 12 a rank, so
    // the best layout under it is never better than under 12 a rank.
    InferRequest own = r;
    own.max_num_seqs_per_rank.reset();
    own.max_num_seqs = 12;
    const double per_rank = j["output_tokens_per_s_per_chip"].get<double>();
    const double as_own = Json(own)["output_tokens_per_s_per_chip"].get<double>();
    if (std::string(engine) == "vllm") {
      EXPECT_DOUBLE_EQ(as_own, per_rank);
    } else {
      EXPECT_LE(as_own, per_rank);
    }
  }
}

// --emit writes the cap in each engine's own count: SGLang's --max-running-requests the ranks'
// sum (16 x 8 = 128), vLLM's --max-num-seqs and TensorRT-LLM's max_batch_size a rank's (16).
TEST(MaxNumSeqsPerRank, EmitWritesEachEnginesOwnFlag) {
  const struct {
    const char* emit;
    const char* flag;
  } cases[] = {{"sglang", "--max-running-requests 128 \\"},
               {"vllm", "--max-num-seqs 16 \\"},
               {"trtllm", "--max_batch_size 16 \\"}};
  for (const auto& c : cases) {
    for (const char* engine : {"sglang", "vllm", "trtllm"}) {
      InferRequest r = R1OnEightH200s(engine, 1, 8);
      r.max_num_seqs_per_rank = 16;
      r.emit = c.emit;
      const auto j = Json(r);
      const std::string command = j["launch"]["command"].get<std::string>();
      EXPECT_NE(command.find(c.flag), std::string::npos) << engine << " -> " << c.emit << "\n"
                                                         << command;
    }
  }
  // SGLang's server-wide cap given as its own (--max-num-seqs under --engine sglang, 128 over 8
  // ranks: 16 a rank) is written to vLLM as a rank's, not the server's 128.
  InferRequest r = R1OnEightH200s("sglang", 1, 8);
  r.max_num_seqs = 128;
  r.emit = "vllm";
  const std::string command = Json(r)["launch"]["command"].get<std::string>();
  EXPECT_NE(command.find("--max-num-seqs 16 \\"), std::string::npos) << command;
}

TEST(MaxNumSeqsPerRank, BadValuesAndTwoCapsAreRefusedNamingTheField) {
  InferRequest r = R1OnEightH200s("sglang", 1, 8);
  for (const int bad : {0, -3, (1 << 20) + 1}) {
    r.max_num_seqs_per_rank = bad;
    const auto j = Outcome(r);
    EXPECT_EQ(j.value("field", ""), "max_num_seqs_per_rank") << bad << " " << j.dump();
    EXPECT_NE(j.value("error", "").find("must be between 1 and 1048576"), std::string::npos)
        << j.dump();
  }
  // Two caps would need a rule for which binds: one of them, whichever engine.
  r.max_num_seqs_per_rank = 16;
  r.max_num_seqs = 128;
  auto j = Outcome(r);
  EXPECT_EQ(j.value("field", ""), "max_num_seqs_per_rank") << j.dump();
  EXPECT_NE(j.value("error", "").find("give it or max_num_seqs, not both"), std::string::npos)
      << j.dump();
  r.max_num_seqs.reset();
  r.max_running_requests = 128;
  j = Outcome(r);
  EXPECT_NE(j.value("error", "").find("give it or max_running_requests, not both"),
            std::string::npos)
      << j.dump();
}

// SGLang's --max-running-requests is the server's: each attention-DP rank of the layout admits
// max_running_requests // dp (S3014, S2863). With no layout given the dp is the search's, whatever
// the engine named, so it is dealt over the ranks of each layout the search tries (64 // 8 = 8 a
// rank at dp 8), not handed whole to every rank (vLLM's dp 8 ran 64 a rank, 512 in all, while
// the same request with dp 8 typed ran 8 a rank).
TEST(MaxRunningRequests, IsTheServersOnTheLayoutTheSearchPicks) {
  for (const char* engine : {"vllm", "sglang"}) {
    InferRequest r = R1OnEightH200s(engine, 1, 8);
    r.tp.reset();
    r.dp.reset();
    r.ep.reset();
    r.count = 16;
    r.max_running_requests = 64;
    const auto j = Json(r);
    ASSERT_GT(j["layouts_evaluated"].get<int>(), 1) << j.dump();
    const int dp = j["layout"]["dp"].get<int>();
    EXPECT_EQ(j["engine_max_batch"], 64 / dp) << engine << " " << j["layout"].dump();
    // The layout typed gives the same run.
    InferRequest typed = r;
    typed.tp = j["layout"]["tp"].get<int>();
    typed.ep = j["layout"]["ep"].get<int>();
    typed.dp = dp;
    const auto t = Json(typed);
    EXPECT_EQ(t["engine_max_batch"], 64 / dp) << engine;
    EXPECT_DOUBLE_EQ(t["output_tokens_per_s_per_chip"].get<double>(),
                     j["output_tokens_per_s_per_chip"].get<double>())
        << engine;
  }
  // At tp 1 and ep 8 the only instance is dp 8 (ep <= tp x dp): 64 // 8 = 8 a rank under vLLM.
  InferRequest r = R1OnEightH200s("vllm", 1, 8);
  r.dp.reset();
  r.max_running_requests = 64;
  const auto j = Json(r);
  ASSERT_EQ(j["layout"]["dp"], 8) << j.dump();
  EXPECT_EQ(j["engine_max_batch"], 8) << j.dump();
}

// Its range is its own: a figure no rank takes names max_running_requests, not the engine cap
// it is turned into.
TEST(MaxRunningRequests, OutOfRangeNamesItsOwnField) {
  for (const bool layout : {true, false}) {
    InferRequest r = R1OnEightH200s("vllm", 1, 8);
    if (!layout) r.dp.reset();
    for (const int64_t bad : {int64_t{0}, int64_t{10'000'000}}) {
      r.max_running_requests = bad;
      const auto j = Outcome(r);
      EXPECT_EQ(j.value("field", ""), "max_running_requests") << bad << " " << j.dump();
    }
  }
}

}  // namespace
}  // namespace suanli::app
