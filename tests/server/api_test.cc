// The HTTP API without sockets: every route against the engine's JSON for the same request (the
// CLI's --json prints exactly that: tests/server/serve_test.sh checks it through a socket), and
// every kind of bad body against its documented status and field.
#include "server/api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <thread>
#include <utility>
#include <vector>

#include "app/engine.h"
#include "app/requests.h"

namespace suanli::server {
namespace {

using nlohmann::json;

// As `suanli serve` opens it: files only inside the data folder.
const app::Engine& TheEngine() {
  static const app::Engine e = [] {
    app::EngineOptions o;
    o.file_root = "/nonexistent-data";
    return *app::Engine::Open(o);
  }();
  return e;
}

ApiResponse Post(Api& api, const std::string& path, const std::string& body) {
  return api.Handle({"POST", path, body, ""});
}

ApiResponse Get(Api& api, const std::string& path) { return api.Handle({"GET", path, "", ""}); }

const app::RunContext kJson{app::Format::kJson, nullptr};

TEST(Api, TrainAnswersWhatTheEngineAnswers) {
  Api api(TheEngine(), {});
  auto r = Post(api, "/v1/train",
                R"({"model": "llama-3-70b", "chip": "h800", "count": 1024, "tokens": 15e12})");
  ASSERT_EQ(r.status, 200) << r.body;
  app::TrainRequest t;
  t.model = "llama-3-70b";
  t.chip = "h800";
  t.count = 1024;
  t.tokens = 15e12;
  EXPECT_EQ(r.body, TheEngine().Train(t, kJson)->body);
  // Amounts as users type them, over HTTP too.
  auto typed = Post(api, "/v1/train",
                    R"({"model": "llama-3-70b", "chip": "h800", "count": "2Ki", "tokens": "15T",
                        "global_batch_tokens": "4Mi"})");
  ASSERT_EQ(typed.status, 200) << typed.body;
  EXPECT_EQ(json::parse(typed.body)["global_batch_tokens"].get<double>(), 4194304.0);
  EXPECT_EQ(json::parse(typed.body)["chips"].get<long>(), 2048);
  // A space before the suffix, as "15 trillion" takes one: "15 T" is 15 x 10^12, "4 Mi" 2^22.
  auto spaced = Post(api, "/v1/train",
                     R"({"model": "llama-3-70b", "chip": "h800", "count": "2 Ki", "tokens": "15 T",
                         "global_batch_tokens": "4 Mi"})");
  ASSERT_EQ(spaced.status, 200) << spaced.body;
  EXPECT_EQ(json::parse(spaced.body)["tokens"].get<double>(), 15e12);
  EXPECT_EQ(json::parse(spaced.body)["global_batch_tokens"].get<double>(), 4194304.0);
  EXPECT_EQ(json::parse(spaced.body)["chips"].get<long>(), 2048);
}

// A pasted launch line's reading over HTTP, as the CLI reads it: the batch asked is the one typed
// (16M is 16,000,000, run as whole sequences), torchrun's nnodes x nproc_per_node is the count
// (a count that disagrees names both), and a Megatron line runs Megatron's defaults.
TEST(Api, TrainReadsALaunchLineAsTheCliDoes) {
  Api api(TheEngine(), {});
  auto r = Post(api, "/v1/train",
                R"({"model": "llama-3.2-3b", "chip": "h100", "nnodes": "2", "nproc_per_node": "8",
                    "seq_len": 8192, "global_batch_tokens": "16M",
                    "tensor_model_parallel_size": 1, "pipeline_model_parallel_size": 1,
                    "micro_batch_size": 1, "train_iters": 1000,
                    "use_distributed_optimizer": true})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = json::parse(r.body);
  EXPECT_EQ(j["chips"].get<long>(), 16);
  EXPECT_EQ(j["requested_batch_tokens"].get<double>(), 16e6);
  // 1,953.1 sequences of 8,192 at dp 16 and micro-batch 1: 1,952 (122 x 16) run.
  EXPECT_EQ(j["global_batch_tokens"].get<double>(), 1952.0 * 8192);
  EXPECT_EQ(j["parallel"]["cp"].get<int>(), 1);
  EXPECT_EQ(j["parallel"]["zero_stage"].get<int>(), 1);  // --use-distributed-optimizer
  EXPECT_EQ(j["parallel"]["recompute"].get<std::string>(), "none");
  EXPECT_FALSE(j["parallel"]["sequence_parallel"].get<bool>());
  EXPECT_NE(j["defaults_basis"].get<std::string>().find("cp 1, no recompute"), std::string::npos)
      << j["defaults_basis"];
  auto refused = Post(api, "/v1/train",
                      R"({"model": "llama-3-8b", "chip": "h100", "count": 32, "nnodes": 2,
                          "nproc_per_node": 8, "tokens": "1T"})");
  EXPECT_EQ(refused.status, 400) << refused.body;
  // Named as the body gave them (the JSON keys; the CLI says --nnodes, audit round 20).
  EXPECT_NE(refused.body.find("32 contradicts torchrun's nnodes 2 x nproc_per_node 8 = 16"),
            std::string::npos)
      << refused.body;
  auto none = Post(api, "/v1/train", R"({"model": "llama-3-8b", "chip": "h100", "tokens": "1T"})");
  EXPECT_EQ(none.status, 400) << none.body;
  EXPECT_NE(none.body.find("count"), std::string::npos) << none.body;
}

// The HTTP door takes the same deal of a disaggregated deployment's clients as the CLI.
TEST(Api, ADisaggregatedDeploymentsClientsAreDealtOverItsDecodeInstances) {
  Api api(TheEngine(), {});
  auto r = Post(api, "/v1/infer",
                R"({"model": "llama-3.1-8b", "chip": "h100", "count": 16, "tp": 1,
                    "input_tokens": 8192, "output_tokens": 64, "disaggregate": true,
                    "concurrency": 32, "engine": "none"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = json::parse(r.body);
  // 8 decode instances of 4 (InferenceClients.ADisaggregatedInstanceCountsItsPrefillChips).
  EXPECT_EQ(j["decode_instances"].get<int>(), 8);
  EXPECT_EQ(j["max_batch"].get<int>(), 4);
}

// An /infer body that names no engine gets the engine the answer assumed and the ids that name
// another, as the CLI's --json prints them (an H100's default is vllm, data/engines.yaml);
// one that names an engine gets none.
TEST(Api, InferSaysWhichEngineItAssumed) {
  Api api(TheEngine(), {});
  auto r = Post(api, "/v1/infer",
                R"({"model": "llama-3.1-8b", "chip": "h100", "count": 1, "mode": "analytic"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = json::parse(r.body);
  ASSERT_TRUE(j.contains("engine_assumed")) << r.body;
  EXPECT_EQ(j["engine_assumed"]["engine"], "vllm");
  EXPECT_EQ(j["engine_assumed"]["choices"],
            json::array({"vllm-0.11", "vllm-0.13", "vllm-0.16", "vllm-v0-multistep", "sglang",
                         "trtllm", "trtllm-1.1", "cuda-graphs", "none"}));
  EXPECT_NE(j["engine_assumed"]["note"].get<std::string>().find("engine: none named, so vllm ("),
            std::string::npos);
  app::InferRequest i;
  i.model = "llama-3.1-8b";
  i.chip = {"h100"};
  i.count = 1;
  i.mode = "analytic";
  EXPECT_EQ(r.body, TheEngine().Infer(i, kJson)->body);
  auto named = Post(api, "/v1/infer",
                    R"({"model": "llama-3.1-8b", "chip": "h100", "count": 1, "mode": "analytic",
                        "engine": "vllm"})");
  ASSERT_EQ(named.status, 200) << named.body;
  EXPECT_FALSE(json::parse(named.body).contains("engine_assumed"));
}

TEST(Api, EveryCommandRouteMatchesTheEngine) {
  Api api(TheEngine(), {});
  app::InferRequest i;
  i.model = "deepseek-r1";
  i.chip = {"h20", "ascend-910c"};
  i.compare = true;
  i.dtype = "int8";
  EXPECT_EQ(Post(api, "/v1/infer",
                 R"({"model": "deepseek-r1", "chip": ["h20", "ascend-910c"], "compare": true,
                     "dtype": "int8"})")
                .body,
            TheEngine().Infer(i, kJson)->body);
  app::ForecastRequest f;
  f.samples = 60;
  f.seed = 7;
  f.no_purchase_advice = true;
  EXPECT_EQ(Post(api, "/v1/forecast",
                 R"({"scenario": "china-2026", "samples": 60, "seed": 7,
                     "no_purchase_advice": true})")
                .body,
            TheEngine().Forecast(f, kJson)->body);
  app::LocalizeRequest l;
  l.sector = "ai-accelerators";
  l.target = 0.82;
  EXPECT_EQ(Post(api, "/v1/localize", R"({"sector": "ai-accelerators", "target": 0.82})").body,
            TheEngine().Localize(l, kJson)->body);
  // Every catalog the CLI lists, engines and stacks too (they were CLI-only until session 20).
  for (const char* what : {"chips", "models", "systems", "engines", "stacks"}) {
    auto r = Get(api, std::string("/v1/catalog/") + what);
    ASSERT_EQ(r.status, 200) << what;
    EXPECT_EQ(r.body, TheEngine().Catalog({what, ""}, kJson)->body);
  }
  // One entry's: the rest of the path is its name, a Hugging Face repository's too.
  auto h20 = Get(api, "/v1/catalog/chips/h20");
  ASSERT_EQ(h20.status, 200) << h20.body;
  EXPECT_EQ(h20.body, TheEngine().Catalog({"chips", "h20"}, kJson)->body);
  ASSERT_EQ(json::parse(h20.body)["chips"].size(), 1u);
  auto v32 = Get(api, "/v1/catalog/models/deepseek-ai/DeepSeek-V3.2-Exp");
  ASSERT_EQ(v32.status, 200) << v32.body;
  EXPECT_EQ(json::parse(v32.body)["models"][0]["id"], "deepseek-v3.2");
  auto none = Get(api, "/v1/catalog/chips/h2000x");
  EXPECT_EQ(none.status, 404) << none.body;
  EXPECT_EQ(json::parse(none.body)["field"], "name");
  auto s = Get(api, "/v1/scenarios");
  ASSERT_EQ(s.status, 200);
  EXPECT_EQ(json::parse(s.body)["scenarios"][0]["name"], "china-2026");
}

TEST(Api, CalibrateTakesMeasurementsInlineAndFilesOnlyInsideTheDataFolder) {
  Api api(TheEngine(), {});
  const std::string rows =
      "- {kind: train, model: llama-3-8b, chip: h100, count: 8, tp: 2, pp: 1, dp: 4, "
      "step_time_s: 3.1}\n";
  app::CalibrateRequest c;
  c.measurements_yaml = rows;
  c.date = "2026-12-01";
  auto r = Post(api, "/v1/calibrate",
                json({{"measurements_yaml", rows}, {"date", "2026-12-01"}}).dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, TheEngine().Calibrate(c, kJson)->body);
  auto outside = Post(api, "/v1/calibrate", R"({"measurements": ["/etc/passwd"]})");
  EXPECT_EQ(outside.status, 400);
  EXPECT_EQ(json::parse(outside.body)["field"], "measurements") << outside.body;
  // A file that is not there names the field and the path as the client gave it; the server's
  // folder ("/nonexistent-data") stays out of the answer.
  auto missing = Post(api, "/v1/calibrate", R"({"measurements": ["runs/none.yaml"]})");
  EXPECT_EQ(missing.status, 400);
  const auto m = json::parse(missing.body);
  EXPECT_EQ(m["field"], "measurements") << missing.body;
  EXPECT_EQ(m["file"], "runs/none.yaml") << missing.body;
  EXPECT_EQ(missing.body.find("nonexistent-data"), std::string::npos) << missing.body;
  // The overlay and the report are files the CLI writes: not offered over HTTP.
  EXPECT_EQ(Post(api, "/v1/calibrate", R"({"measurements_yaml": "x", "output": "/tmp/o"})").status,
            400);
}

TEST(Api, InlineScenarioAsAJsonObject) {
  Api api(TheEngine(), {});
  // An object with a key a scenario does not have: the error proves the inline scenario was
  // read (not the default), and names the object it came as, "scenario", with no line: the
  // lines are those of the YAML the server renders from it, which the sender never saw.
  auto r = Post(api, "/v1/forecast", R"({"scenario": {"name": "x"}, "samples": 10})");
  ASSERT_EQ(r.status, 400) << r.body;
  const json j = json::parse(r.body);
  EXPECT_EQ(j["file"], "scenario") << r.body;
  EXPECT_EQ(j["field"], "name") << r.body;
  EXPECT_FALSE(j.contains("line")) << r.body;
  // The same slip in scenario_yaml text keeps the text's name and its line (the page marks it).
  auto text = Post(api, "/v1/forecast", R"({"scenario_yaml": "scenario: {name: x}\nname: y\n"})");
  ASSERT_EQ(text.status, 400) << text.body;
  const json t = json::parse(text.body);
  EXPECT_EQ(t["file"], "scenario_yaml") << text.body;
  EXPECT_EQ(t["line"], 2) << text.body;
}

struct BadBody {
  const char* name;
  const char* path;
  std::string body;
  int status;
  const char* field;  // nullptr: the error names no field
};

TEST(Api, BadBodiesGetTheirStatusAndField) {
  ApiOptions options;
  options.max_body_bytes = 4096;
  Api api(TheEngine(), options);
  const BadBody cases[] = {
      // The text ends after "model": the slip follows that field.
      {"malformed JSON", "/v1/train", R"({"model": )", 400, "model"},
      {"not an object", "/v1/train", R"([1, 2])", 400, nullptr},
      {"empty body", "/v1/train", "", 400, nullptr},
      {"wrong type: count as bool", "/v1/train",
       R"({"model": "llama-3-8b", "chip": "h100", "count": true, "tokens": 1e12})", 400, "count"},
      {"wrong type: model as number", "/v1/train",
       R"({"model": 7, "chip": "h100", "count": 8, "tokens": 1e12})", 400, "model"},
      {"fractional count", "/v1/train",
       R"({"model": "llama-3-8b", "chip": "h100", "count": 8.5, "tokens": 1e12})", 400, "count"},
      {"negative count", "/v1/train",
       R"({"model": "llama-3-8b", "chip": "h100", "count": -8, "tokens": 1e12})", 400, "count"},
      {"unknown model", "/v1/train",
       R"({"model": "lama-3-8b", "chip": "h100", "count": 8, "tokens": 1e12})", 400, "model"},
      {"unknown chip", "/v1/infer", R"({"model": "llama-3-8b", "chip": "h1000"})", 400, "chip"},
      {"missing required", "/v1/train", R"({"model": "llama-3-8b", "chip": "h100"})", 400, "count"},
      {"unknown field", "/v1/train",
       R"({"model": "llama-3-8b", "chip": "h100", "count": 8, "tokens": 1e12, "tp_size": 2})", 400,
       "tp_size"},
      {"file-writing field is CLI only", "/v1/forecast", R"({"report": "/tmp/x.html"})", 400,
       "report"},
      {"amount with trailing text", "/v1/train",
       R"({"model": "llama-3-8b", "chip": "h100", "count": 8, "tokens": "1T tokens"})", 400,
       "tokens"},
      {"negative seed", "/v1/forecast", R"({"seed": -1, "samples": 10})", 400, "seed"},
      {"too many samples", "/v1/forecast", R"({"samples": 1000000})", 400, "samples"},
      {"object where a list is expected", "/v1/infer", R"({"model": "x", "chip": {"a": 1}})", 400,
       "chip"},
      // Numbers in a list are their text (audit round 14), so the chip field itself refuses them.
      {"list of non-strings", "/v1/infer", R"({"model": "llama-3.1-8b", "chip": [1, 2]})", 400,
       "chip"},
      // A key twice: nlohmann would keep the last one silently.
      {"duplicate key", "/v1/infer",
       R"({"model": "llama-3-8b", "chip": "h100", "mode": "analytic", "tp": 1, "tp": 2})", 400,
       "tp"},
      {"a field under its name and its alias", "/v1/infer",
       R"({"model": "llama-3-8b", "chip": "h100", "mode": "analytic", "tp": 1,
           "tensor_parallel_size": 2})",
       400, "tp"},
      // The model's own checks name the field, not a flag (was field null, "--input-tokens ...").
      {"zero prompt tokens", "/v1/infer",
       R"({"model": "llama-3-8b", "chip": "h100", "mode": "analytic", "input_tokens": 0})", 400,
       "input_tokens"},
      {"negative TPOT target", "/v1/infer",
       R"({"model": "llama-3-8b", "chip": "h100", "mode": "analytic", "tpot_ms": -1})", 400,
       "tpot_ms"},
      {"per-rank cap of 0", "/v1/infer",
       R"({"model": "llama-3-8b", "chip": "h100", "mode": "analytic",
           "max_num_seqs_per_rank": 0})",
       400, "max_num_seqs_per_rank"},
      {"per-rank cap beside the engine's own", "/v1/infer",
       R"({"model": "llama-3-8b", "chip": "h100", "mode": "analytic",
           "max_num_seqs_per_rank": 8, "max_num_seqs": 8})",
       400, "max_num_seqs_per_rank"},
      {"zero chips given", "/v1/infer",
       R"({"model": "llama-3-8b", "chip": "h100", "mode": "analytic", "count": 0})", 400, "count"},
      {"nesting too deep", "/v1/train", std::string(100, '[') + std::string(100, ']'), 400,
       nullptr},
      {"oversized", "/v1/train", "{\"model\": \"" + std::string(5000, 'x') + "\"}", 413, nullptr},
      {"unknown route", "/v1/trian", "{}", 404, nullptr},
      {"unknown catalog", "/v1/catalog/gpus", "", 404, nullptr},
      // localize's range checks name the field over HTTP too (were field null and said
      // "--target 80 ..."; a percentage, as the CLI's 80%, is the share: 80 is not).
      {"share over 1", "/v1/localize", R"({"target": 80})", 400, "target"},
      {"year before the base", "/v1/localize", R"({"by": 2020})", 400, "by"},
      {"last year out of range", "/v1/localize", R"({"until": 2200})", 400, "until"},
      {"trace outside the data folder", "/v1/replay",
       R"({"trace": "../../etc/passwd", "cluster": "v100:8"})", 400, "trace"},
      // A field given under an alias is named as the body spells it (it named seq_len, a key the
      // client never sent): in its conversion (block_size "x" is no number) and in the checks
      // after it is set (a sequence length is 1 to 2^24 = 16,777,216 tokens).
      {"alias not a number", "/v1/train",
       R"({"model": "llama-3-8b", "chip": "h100", "count": 8, "tokens": 1e9,
           "block_size": "x"})",
       400, "block_size"},
      {"alias checked after it is set", "/v1/train",
       R"({"model": "llama-3-8b", "chip": "h100", "count": 8, "tokens": 1e9,
           "max_seq_length": 0})",
       400, "max_seq_length"},
      {"LLaMA-Factory's alias too long", "/v1/train",
       R"({"model": "llama-3-8b", "chip": "h100", "count": 8, "tokens": 1e9,
           "cutoff_len": 16777217})",
       400, "cutoff_len"},
      {"the canonical name stays canonical", "/v1/train",
       R"({"model": "llama-3-8b", "chip": "h100", "count": 8, "tokens": 1e9, "seq_len": 0})", 400,
       "seq_len"},
      // vLLM's spellings (gpu_memory_utilization is a share of HBM in (0, 1]; a tensor-parallel
      // size is at least 1).
      {"serving alias out of range", "/v1/infer",
       R"({"model": "llama-3-8b", "chip": "h100", "mode": "analytic",
           "gpu_memory_utilization": 1.5})",
       400, "gpu_memory_utilization"},
      {"serving alias of 0", "/v1/infer",
       R"({"model": "llama-3-8b", "chip": "h100", "mode": "analytic",
           "tensor_parallel_size": 0})",
       400, "tensor_parallel_size"},
  };
  for (const auto& c : cases) {
    const bool get = std::string(c.path).rfind("/v1/catalog", 0) == 0;
    auto r = get ? Get(api, c.path) : Post(api, c.path, c.body);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    const json j = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(j.is_object() && j.contains("error") && j["error"].is_string()) << c.name;
    if (c.field) {
      EXPECT_EQ(j["field"], c.field) << c.name << ": " << r.body;
    } else {
      EXPECT_TRUE(j["field"].is_null()) << c.name << ": " << r.body;
    }
  }
  // An empty body (or only whitespace) says so, not "invalid JSON at line 1, column 1".
  for (const std::string body : {"", " \n"}) {
    const auto e = Post(api, "/v1/infer", body);
    EXPECT_EQ(e.status, 400);
    EXPECT_NE(e.body.find("the body is empty: POST a JSON object"), std::string::npos) << e.body;
  }
  // Wrong methods: 405 with Allow.
  auto m = api.Handle({"GET", "/v1/train", "", ""});
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.headers["Allow"], "POST");
  EXPECT_EQ(api.Handle({"POST", "/healthz", "", ""}).status, 200);  // liveness takes anything
  EXPECT_EQ(api.Handle({"DELETE", "/v1/catalog/chips", "", ""}).status, 405);
}

// A body that is not JSON says where (line and column, as an editor counts them), after which
// field, and the slip when it is a common one: a comma before the closing brace (line 5, column
// 1), a comma missing between two fields (line 1, column 39: the second quote of "mode" is the
// 39th character), a key without quotes (column 2).
TEST(Api, InvalidJsonSaysWhereAndAfterWhichField) {
  Api api(TheEngine(), {});
  auto trailing = Post(api, "/v1/infer",
                       "{\n  \"model\": \"qwen3-32b\",\n  \"chip\": \"h100\",\n  \"mode\": "
                       "\"analytic\",\n}");
  ASSERT_EQ(trailing.status, 400);
  json j = json::parse(trailing.body);
  EXPECT_EQ(j["line"], 5) << trailing.body;
  EXPECT_EQ(j["field"], "mode");
  const std::string t = j["error"];
  EXPECT_NE(t.find("line 5, column 1"), std::string::npos) << t;
  EXPECT_NE(t.find("a comma before a closing bracket"), std::string::npos) << t;
  auto missing =
      Post(api, "/v1/infer", R"({"model": "qwen3-32b", "chip": "h100" "mode": "analytic"})");
  ASSERT_EQ(missing.status, 400);
  j = json::parse(missing.body);
  EXPECT_EQ(j["line"], 1);
  EXPECT_EQ(j["field"], "chip");
  const std::string m = j["error"];
  EXPECT_NE(m.find("column 39"), std::string::npos) << m;
  EXPECT_NE(m.find("a comma missing between two fields"), std::string::npos) << m;
  auto unquoted = Post(api, "/v1/infer", R"({model: "qwen3-32b"})");
  j = json::parse(unquoted.body);
  const std::string u = j["error"];
  EXPECT_NE(u.find("column 2"), std::string::npos) << u;
  EXPECT_NE(u.find("keys take double quotes"), std::string::npos) << u;
  // A number no double holds (1e400; a double's largest is about 1.8e308) is the body's slip at
  // the number (column 56: `{"model": "qwen3-32b", "chip": "h100", "input_tokens": ` is 55
  // characters), not a 500: nlohmann throws out_of_range for it, not parse_error.
  auto huge =
      Post(api, "/v1/infer", R"({"model": "qwen3-32b", "chip": "h100", "input_tokens": 1e400})");
  ASSERT_EQ(huge.status, 400) << huge.body;
  j = json::parse(huge.body);
  EXPECT_EQ(j["field"], "input_tokens") << huge.body;
  const std::string h = j["error"];
  EXPECT_NE(h.find("column 56"), std::string::npos) << h;
  EXPECT_NE(h.find("1e400 is beyond what a double holds"), std::string::npos) << h;
}

// Audit round 14. A bad string is not a missing comma: an unpaired surrogate ("\ud800") was
// told "a comma missing between two fields". NaN and Infinity (Python's json.dumps writes them)
// are said to be no JSON. A list of numbers for a number field is a list, not "expected a list
// of strings".
TEST(Api, JsonSlipsAreSaidAsTheyAre) {
  Api api(TheEngine(), {});
  auto surrogate = Post(api, "/v1/infer", R"({"model": "\ud800", "chip": "h100"})");
  ASSERT_EQ(surrogate.status, 400) << surrogate.body;
  const std::string s = json::parse(surrogate.body)["error"];
  EXPECT_NE(s.find("surrogate"), std::string::npos) << s;
  EXPECT_EQ(s.find("comma"), std::string::npos) << s;
  for (const char* literal : {"NaN", "Infinity", "-Infinity"}) {
    auto nan = Post(
        api, "/v1/train",
        std::string(R"({"model": "llama-3.1-8b", "chip": "h100", "tokens": )") + literal + "}");
    ASSERT_EQ(nan.status, 400) << nan.body;
    const json j = json::parse(nan.body);
    EXPECT_EQ(j["field"], "tokens") << nan.body;
    EXPECT_NE(j["error"].get<std::string>().find("JSON has no NaN or Infinity"), std::string::npos)
        << nan.body;
  }
  auto listed = Post(api, "/v1/infer",
                     R"({"model": "llama-3.1-8b", "chip": "h100", "mode": "analytic", )"
                     R"("input_tokens": [1024]})");
  ASSERT_EQ(listed.status, 400) << listed.body;
  const json l = json::parse(listed.body);
  EXPECT_EQ(l["field"], "input_tokens");
  EXPECT_EQ(l["error"], "expected a number, got a list");
  auto nested = Post(api, "/v1/infer",
                     R"({"model": "llama-3.1-8b", "chip": [["h100"]], "mode": "analytic"})");
  ASSERT_EQ(nested.status, 400) << nested.body;
  EXPECT_EQ(json::parse(nested.body)["field"], "chip");
}

// Flags as vLLM and Megatron-LM spell them are the same fields: the same answer as the short name.
TEST(Api, FrameworkNamesAreTheSameFields) {
  Api api(TheEngine(), {});
  const std::string infer = R"({"model": "llama-3-70b", "chip": "h100", "mode": "analytic", )";
  auto as_vllm =
      Post(api, "/v1/infer", infer + R"("tensor_parallel_size": 8, "gpu_memory_utilization": 0.85,
                                 "max_num_batched_tokens": 8192})");
  ASSERT_EQ(as_vllm.status, 200) << as_vllm.body;
  EXPECT_EQ(as_vllm.body,
            Post(api, "/v1/infer",
                 infer + R"("tp": 8, "kv_memory_fraction": 0.85, "max_batched_tokens": 8192})")
                .body);
  EXPECT_EQ(json::parse(as_vllm.body)["layout"]["tp"], 8);
  const std::string train = R"({"model": "llama-3-70b", "chip": "h800", "count": 1024,
                                "tokens": "1T", )";
  auto as_megatron = Post(api, "/v1/train", train + R"("tensor_model_parallel_size": 4,
                                     "pipeline_model_parallel_size": 4, "seq_length": 4096,
                                     "recompute_granularity": "full"})");
  ASSERT_EQ(as_megatron.status, 200) << as_megatron.body;
  EXPECT_EQ(
      as_megatron.body,
      Post(api, "/v1/train", train + R"("tp": 4, "pp": 4, "seq_len": 4096, "recompute": "full"})")
          .body);
  // vLLM's speculative_config as a JSON object, as its Python API takes it, is the JSON text the
  // CLI's --speculative-config takes.
  auto as_object = Post(api, "/v1/infer", infer + R"("tp": 8,
      "speculative_config": {"method": "eagle3", "num_speculative_tokens": 2},
      "mtp_acceptance": 0.7})");
  ASSERT_EQ(as_object.status, 200) << as_object.body;
  EXPECT_EQ(as_object.body, Post(api, "/v1/infer", infer + R"("tp": 8,
      "speculative_config": "{\"method\": \"eagle3\", \"num_speculative_tokens\": 2}",
      "mtp_acceptance": 0.7})")
                                .body);
  // OpenAPI lists them, so a client validating against additionalProperties: false can send them.
  const json spec = json::parse(Get(api, "/v1/openapi.json").body);
  const json schema =
      spec["paths"]["/v1/infer"]["post"]["requestBody"]["content"]["application/json"]["schema"];
  EXPECT_TRUE(schema["properties"].contains("tensor_parallel_size")) << schema.dump();
}

// A serve recipe's tuning flags over HTTP are the CLI's: the same answer as the engine's for the
// same fields, the unpriced ones listed, the OpenAPI document offering every name, and a value of
// the wrong kind a 400 naming the field (a switch's "yes" included, the inert ones too).
TEST(Api, ServeRecipeFlagsAreTheCliFlags) {
  Api api(TheEngine(), {});
  // Under cuda-graphs (no engine's capture sizes), so --cuda-graph-max-bs is one it does not price.
  const std::string body = R"({"model": "llama-3-8b", "chip": "h100", "mode": "analytic",
      "engine": "cuda-graphs", "disable_custom_all_reduce": true, "disable_radix_cache": true, "speculative_algorithm": "EAGLE3",
      "speculative_draft_model_path": "x", "cuda_graph_max_bs": 256, "moe_a2a_backend": "none",
      "disable_log_requests": true, "served_model_name": ["a", "b"]})";
  auto r = Post(api, "/v1/infer", body);
  ASSERT_EQ(r.status, 200) << r.body;
  app::InferRequest typed;
  const auto& fields = app::InferFields();
  const auto set = [&](const char* name, app::FieldValue v) {
    ASSERT_TRUE(app::SetField(fields, typed, name, v)) << name;
  };
  set("model", std::string("llama-3-8b"));
  set("chip", std::string("h100"));
  set("mode", std::string("analytic"));
  set("engine", std::string("cuda-graphs"));
  set("disable_custom_all_reduce", true);
  set("disable_radix_cache", true);
  set("speculative_algorithm", std::string("EAGLE3"));
  set("speculative_draft_model_path", std::string("x"));
  set("cuda_graph_max_bs", std::string("256"));
  set("moe_a2a_backend", std::string("none"));
  auto direct = TheEngine().Infer(typed, kJson);
  ASSERT_TRUE(direct) << direct.error().message;
  EXPECT_EQ(r.body, direct->body);
  const json j = json::parse(r.body);
  EXPECT_EQ(j["flags_not_modelled"],
            json::array({"--cuda-graph-max-bs", "--disable-custom-all-reduce"}));
  EXPECT_NE(j["mtp_acceptance_basis"].get<std::string>().find("assumed"), std::string::npos);
  const json schema = json::parse(Api::OpenApi())["paths"]["/v1/infer"]["post"]["requestBody"]
                                                 ["content"]["application/json"]["schema"];
  for (const char* name : {"async_scheduling", "disable_radix_cache", "no_enable_prefix_caching",
                           "speculative_draft_model_path", "cuda_graph_max_bs", "moe_a2a_backend",
                           "all2all_backend", "enable_dbo", "disable_log_requests"}) {
    EXPECT_TRUE(schema["properties"].contains(name)) << name;
  }
  const std::string base = R"({"model": "llama-3-8b", "chip": "h100", "mode": "analytic", )";
  for (const auto& [extra, field] : std::vector<std::pair<std::string, std::string>>{
           {R"("async_scheduling": "yes"})", "async_scheduling"},
           // An alias's error names the key the body gave (session 39: it named the field,
           // no_prefix_cache, a key the client never sent).
           {R"("disable_radix_cache": 1})", "disable_radix_cache"},
           {R"("disable_log_requests": "yes"})", "disable_log_requests"},
           {R"("api_key": true})", "api_key"},
           {R"("moe_a2a_backend": "deep_ep"})", "moe_a2a_backend"},
           {R"("disable_radix_cache": true, "prefix_cache_hit": 0.5})", "prefix_cache_hit"}}) {
    auto bad = Post(api, "/v1/infer", base + extra);
    EXPECT_EQ(bad.status, 400) << extra << ": " << bad.body;
    EXPECT_EQ(json::parse(bad.body)["field"], field) << extra << ": " << bad.body;
  }
}

// TRL's accelerate_config names a config TRL ships (S4710, S4780): zero2 is DeepSpeed ZeRO 2 on 8
// processes in bf16, read into the layout (it was an unknown field, then named as not read).
TEST(Api, AccelerateConfigIsRead) {
  Api api(TheEngine(), {});
  auto r = Post(api, "/v1/train",
                R"({"model": "qwen2.5-7b", "chip": "h100", "count": 8, "tokens": 1e9,
                    "accelerate_config": "zero2"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("--accelerate_config 'zero2' (Accelerate's config): TRL's "
                        "trl/accelerate_configs/zero2.yaml, DeepSpeed ZeRO 2, bf16, 8 processes"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(nlohmann::json::parse(r.body)["parallel"]["zero_stage"], 2) << r.body;
  // Its 8 processes against 16 chips: a 400 naming the config and the key.
  auto clash = Post(api, "/v1/train",
                    R"({"model": "qwen2.5-7b", "chip": "h100", "count": 16, "tokens": 1e9,
                        "accelerate_config": "zero2"})");
  EXPECT_EQ(clash.status, 400) << clash.body;
  EXPECT_NE(clash.body.find("num_processes"), std::string::npos) << clash.body;
}

// Over HTTP an error names the JSON key, in its field and in another field's name in its text
// (the CLI names the flag as typed: cli_test.sh, `--max_steps 100 --train_iters 1000`).
TEST(Api, ErrorsNameTheJsonKey) {
  Api api(TheEngine(), {});
  auto no_batch = Post(api, "/v1/train",
                       R"({"model": "llama-3.1-8b", "chip": "h100", "count": 8, "tokens": 1e9,
                           "max_steps": 1000})");
  EXPECT_EQ(no_batch.status, 400) << no_batch.body;
  EXPECT_EQ(nlohmann::json::parse(no_batch.body)["field"], "max_steps") << no_batch.body;
  auto clash = Post(api, "/v1/train",
                    R"({"model": "llama-3.1-8b", "chip": "h100", "count": 8, "max_steps": 100,
                        "train_iters": 1000, "global_batch_size": 8})");
  EXPECT_EQ(clash.status, 400) << clash.body;
  const auto j = nlohmann::json::parse(clash.body);
  EXPECT_EQ(j["field"], "max_steps") << clash.body;
  EXPECT_NE(j["error"].get<std::string>().find("100 contradicts train_iters 1000"),
            std::string::npos)
      << clash.body;
  // infer compare: H100's static power (about 140 W) is above a 100 W cap, its row's error
  // names the key; the A100 runs capped.
  auto cap = Post(api, "/v1/infer",
                  R"({"model": "llama-3.1-8b", "chip": ["h100", "a100"], "compare": true,
                      "mode": "analytic", "power_cap_w": 100})");
  ASSERT_EQ(cap.status, 200) << cap.body;
  const auto rows = nlohmann::json::parse(cap.body)["chips"];
  ASSERT_EQ(rows.size(), 2U) << cap.body;
  EXPECT_EQ(rows[0]["error"].get<std::string>().rfind("power_cap_w: power cap 100 W", 0), 0U)
      << cap.body;
}

// A message that names another field than its own names it as the body can give it, the JSON
// key, not the command line's flag: the HTTP user has no --flags (audit round 20; each said
// "--tokens", "--compare", "--arrivals gamma", "--enforce-eager", "--engine none",
// "--fp8-format", "--recompute full", "--pp" before).
TEST(Api, MessagesNameOtherFieldsAsJsonKeys) {
  Api api(TheEngine(), {});
  struct Case {
    const char* path;
    const char* body;
    const char* field;
    const char* says;
  };
  const Case cases[] = {
      {"/v1/train", R"({"model": "llama-3.1-8b", "chip": "h100", "count": 8, "tokens": -1})",
       "tokens",
       "give tokens, or Megatron's train_samples or train_iters, torchtitan's training.steps or "
       "the Hugging Face Trainer's max_steps with the batch"},
      {"/v1/infer", R"({"model": "llama-3.1-8b", "chip": ["h100", "a100"], "mode": "analytic"})",
       "chip", "several chips need compare (compare)"},
      {"/v1/infer",
       R"({"model": "llama-3.1-8b", "chip": "h100", "mode": "analytic", "burstiness": 2})",
       "burstiness", "needs arrivals gamma"},
      {"/v1/infer",
       R"({"model": "llama-3.1-8b", "chip": "h100", "mode": "analytic", "use_graphs": true,
           "enforce_eager": true})",
       "use_graphs", "turns CUDA graphs on and enforce_eager turns them off: give one"},
      {"/v1/infer",
       R"({"model": "llama-3.1-8b", "chip": "h100", "mode": "analytic", "use_graphs": true,
           "engine": "vllm"})",
       "use_graphs",
       "is NVIDIA's MLPerf harness setting (engine none); engine 'vllm' sets its own graphs "
       "(enforce_eager turns them off)"},
      {"/v1/train",
       R"({"model": "llama-3.1-8b", "chip": "h100", "count": 8, "tokens": 1e9,
           "fp8_param_gather": true})",
       "fp8_param_gather", "needs fp8_format (FP8 weights need FP8 GEMMs)"},
      {"/v1/train",
       R"({"model": "llama-3.1-8b", "chip": "h100", "count": 8, "tokens": 1e9,
           "recompute": "selective", "recompute_method": "uniform"})",
       "recompute_method", "recomputes whole layers (recompute full), not selective"},
      {"/v1/train",
       R"({"model": "llama-3.1-8b", "chip": "h100", "count": 8, "tokens": 1e9,
           "num_layers_per_virtual_pipeline_stage": 4})",
       "num_layers_per_virtual_pipeline_stage",
       "needs pp: the virtual stages are the layers of a stage over this"},
      {"/v1/infer",
       R"({"model": "llama-3.1-8b", "chip": "h100", "mode": "analytic",
           "disaggregation_mode": "prefill"})",
       "disaggregation_mode", "give disaggregate (with count for both sides)"},
      {"/v1/infer",
       R"({"model": "llama-3.1-8b", "chip": "h100", "mode": "analytic",
           "random_prefix_len": 100, "prefix_cache_hit": 0.5})",
       "random_prefix_len", "give it or prefix_cache_hit, not both"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    const auto res = Post(api, c.path, c.body);
    ASSERT_EQ(res.status, 400) << res.body;
    const auto j = nlohmann::json::parse(res.body);
    EXPECT_EQ(j["field"], c.field) << res.body;
    const std::string error = j["error"].get<std::string>();
    EXPECT_NE(error.find(c.says), std::string::npos) << res.body;
    EXPECT_EQ(error.find("--"), std::string::npos) << res.body;
  }
  // A key given under an alias is named as given: pipeline_model_parallel_size is Megatron's
  // name for pp. The layout 'Et|(tt|)*29mL' is 1 + 29 + 1 = 31 stages, which 8 does not divide.
  const auto alias = Post(api, "/v1/train",
                          R"({"model": "deepseek-v3", "chip": "h100", "count": 1024,
                              "tokens": 1e12, "tp": 2, "ep": 64,
                              "pipeline_model_parallel_size": 8,
                              "pipeline_model_parallel_layout": "Et|(tt|)*29mL"})");
  ASSERT_EQ(alias.status, 400) << alias.body;
  EXPECT_NE(nlohmann::json::parse(alias.body)["error"].get<std::string>().find(
                "has 31 stages, which pipeline_model_parallel_size 8 does not divide"),
            std::string::npos)
      << alias.body;
}

// replay's messages that name another field name it as the body gives it (each said --nodes,
// --cluster, --fill over HTTP); a type given twice as pools names both entries.
TEST(Api, ReplayMessagesNameJsonKeys) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("suanli-api-replay-" + std::to_string(static_cast<long>(::getpid())));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "jobs.csv") << "id,arrival_s,num_gpus,duration_s\n1,0,8,3600\n";
  app::EngineOptions o;
  o.file_root = dir.string();
  const auto engine = app::Engine::Open(o);
  ASSERT_TRUE(engine) << engine.error().ToString();
  Api api(*engine, {});
  struct Case {
    const char* body;
    const char* field;
    const char* says;
  };
  const Case cases[] = {
      {R"({"trace": "jobs.csv"})", "cluster",
       "the replay needs a cluster: nodes FILE or cluster type:count"},
      {R"({"trace": "jobs.csv", "cluster": "h800:16,h800:32"})", "cluster",
       "'h800:16' and 'h800:32' both give h800, and a type without a node size is one pool; give "
       "it once (h800:48, one pool) or as nodes with their size in each entry "
       "(h800:16:16,h800:32:32)"},
      {R"({"trace": "jobs.csv", "format": "gavel", "cluster": "v100:8", "fill": 1.2})", "trace",
       "fill needs an openb or csv trace (pods with GPU shares), not gavel"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    const auto res = Post(api, "/v1/replay", c.body);
    ASSERT_EQ(res.status, 400) << res.body;
    const auto j = nlohmann::json::parse(res.body);
    EXPECT_EQ(j["field"], c.field) << res.body;
    const std::string error = j["error"].get<std::string>();
    EXPECT_NE(error.find(c.says), std::string::npos) << res.body;
    EXPECT_EQ(error.find("--"), std::string::npos) << res.body;
  }
  std::filesystem::remove_all(dir);
}

// An empty inline scenario forecast the default one (china-2026, 200) as if not given; an empty
// what-if setting forecast without the what-if.
TEST(Api, EmptyInlineScenarioIsRefused) {
  Api api(TheEngine(), {});
  for (const char* body : {R"({"scenario_yaml": ""})", R"({"scenario_yaml": " \n"})"}) {
    SCOPED_TRACE(body);
    const auto res = Post(api, "/v1/forecast", body);
    ASSERT_EQ(res.status, 400) << res.body;
    const auto j = nlohmann::json::parse(res.body);
    EXPECT_EQ(j["field"], "scenario_yaml") << res.body;
    EXPECT_EQ(j["error"].get<std::string>().rfind("is empty; give the scenario's YAML text", 0), 0U)
        << res.body;
  }
  const auto set = Post(api, "/v1/forecast", R"({"samples": 5, "set": [""]})");
  ASSERT_EQ(set.status, 400) << set.body;
  EXPECT_EQ(nlohmann::json::parse(set.body)["field"], "set") << set.body;
}

TEST(Api, TokenGuardsEverythingButHealthz) {
  ApiOptions options;
  options.token = "s3cret";
  Api api(TheEngine(), options);
  EXPECT_EQ(api.Handle({"GET", "/healthz", "", ""}).status, 200);
  EXPECT_EQ(api.Handle({"GET", "/v1/catalog/chips", "", ""}).status, 401);
  EXPECT_EQ(api.Handle({"GET", "/v1/catalog/chips", "", "Bearer wrong!"}).status, 401);
  EXPECT_EQ(api.Handle({"GET", "/metrics", "", "s3cret"}).status, 401);
  EXPECT_EQ(api.Handle({"GET", "/v1/catalog/chips", "", "Bearer s3cret"}).status, 200);
}

TEST(Api, MetricsCountRequestsErrorsAndLatency) {
  Api api(TheEngine(), {});
  Get(api, "/healthz");
  Get(api, "/healthz");
  Post(api, "/v1/train", "{");
  const std::string m = Get(api, "/metrics").body;
  EXPECT_NE(m.find("suanli_http_requests_total{route=\"/healthz\",status=\"200\"} 2"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("suanli_http_errors_total{route=\"/v1/train\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("suanli_http_request_duration_seconds_count{route=\"/healthz\"} 2"),
            std::string::npos);
  EXPECT_NE(m.find("suanli_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 2"),
            std::string::npos);
}

TEST(Api, HeavyRequestsBeyondTheCapGet503WithRetryAfter) {
  ApiOptions options;
  options.max_heavy = 1;
  options.heavy_wait = std::chrono::milliseconds(0);
  Api api(TheEngine(), options);
  // A forecast that holds the one slot for a while (500 samples with sensitivity and purchase
  // advice: `suanli forecast --samples 500 --seed 3` takes 0.7 s CPU in a release build, several
  // times that under ASan; the second comes 20 ms later), then a second that finds it taken; the
  // light routes keep answering meanwhile. It had 2,000 samples (1.9 s CPU in a release build):
  // the 503 came as early, and the test then waited for the first to finish.
  auto first = std::async(std::launch::async, [&] {
    return Post(api, "/v1/forecast", R"({"samples": 500, "seed": 3})");
  });
  ApiResponse second;
  for (int i = 0; i < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    second = Post(api, "/v1/forecast", R"({"samples": 10, "no_sensitivity": true,
                                           "no_purchase_advice": true})");
    if (second.status == 503) break;
  }
  EXPECT_EQ(second.status, 503) << second.body;
  EXPECT_EQ(second.headers["Retry-After"], "5");
  EXPECT_EQ(Get(api, "/healthz").status, 200);
  EXPECT_EQ(first.get().status, 200);
}

TEST(Api, SameRequestSameBytes) {
  Api api(TheEngine(), {});
  const std::string body = R"({"samples": 50, "seed": 11})";
  EXPECT_EQ(Post(api, "/v1/forecast", body).body, Post(api, "/v1/forecast", body).body);
}

TEST(Api, OpenApiDocumentsEveryRequestField) {
  const json doc = json::parse(Api::OpenApi());
  EXPECT_EQ(doc["openapi"], "3.0.3");
  const json& train =
      doc["paths"]["/v1/train"]["post"]["requestBody"]["content"]["application/json"]["schema"];
  for (const auto& f : app::TrainFields()) {
    EXPECT_TRUE(train["properties"].contains(f.name)) << f.name;
  }
  // The model may come from a LLaMA-Factory YAML (llamafactory_config's model_name_or_path), so
  // the schema does not require it; the request still fails without one ("model: is required").
  EXPECT_EQ(train["required"], json::array({"chip"}));
  // Fields that write local files are not offered over HTTP.
  const json& forecast =
      doc["paths"]["/v1/forecast"]["post"]["requestBody"]["content"]["application/json"]["schema"];
  EXPECT_FALSE(forecast["properties"].contains("report"));
  EXPECT_TRUE(forecast["properties"].contains("samples"));
  for (const char* p : {"/v1/infer", "/v1/localize", "/v1/replay", "/v1/catalog/chips",
                        "/v1/scenarios", "/healthz", "/metrics"}) {
    EXPECT_TRUE(doc["paths"].contains(p)) << p;
  }
}

}  // namespace
}  // namespace suanli::server
