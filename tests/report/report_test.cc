// Report layer: plain tables and the JSON documents other tools consume.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "perf/training.h"
#include "report/catalog_report.h"
#include "report/json_out.h"
#include "report/table.h"
#include "report/train_report.h"

namespace suanli::report {
namespace {

using nlohmann::json;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

const catalog::Catalog& Builtin() {
  static const catalog::Catalog c = *catalog::Catalog::Builtin();
  return c;
}

const json* FindById(const json& array, const std::string& id) {
  for (const auto& e : array) {
    if (e.value("id", "") == id) return &e;
  }
  return nullptr;
}

TEST(ReportTableTest, RightAlignsNumericColumnsAndPads) {
  Table t({"id", "mixed", "num"});
  t.AddRow({"a", "x", "1"});
  t.AddRow({"bbb", "12", "22.5"});
  const auto lines = Lines(t.Render());
  // Header, a rule, two rows.
  ASSERT_EQ(lines.size(), 4u) << t.Render();
  // Widths: id 3 ("bbb"), mixed 5 ("mixed"), num 4 ("22.5"); two spaces
  // between columns. "id" and "mixed" (has "x") are text: left-aligned and
  // padded. "num" is all numbers: right-aligned.
  EXPECT_EQ(lines[2], "a    x         1");
  EXPECT_EQ(lines[3], "bbb  12     22.5");
  // The rule spans the full width: 3 + 2 + 5 + 2 + 4 = 16.
  EXPECT_EQ(lines[1], std::string(16, '-'));
  EXPECT_EQ(lines[0].rfind("id   mixed  ", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find("num"), std::string::npos);
}

TEST(ReportTableTest, UnknownMarkerKeepsAColumnNumeric) {
  // "-" (unknown) in a column of numbers: still right-aligned.
  Table t({"chip", "TF"});
  t.AddRow({"h100", "989"});
  t.AddRow({"p800", "-"});
  t.AddRow({"h20", "148"});
  const auto lines = Lines(t.Render());
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[2], "h100  989");
  EXPECT_EQ(lines[3], "p800    -");
  EXPECT_EQ(lines[4], "h20   148");
}

// Text that is not UTF-8 (a --cluster type typed in Latin-1) failed the whole output with
// nlohmann's type_error.316 ("internal error", exit 1); it is shown with U+FFFD instead.
TEST(ReportJsonTest, InvalidUtf8IsReplacedNotFatal) {
  const std::string out = Dump(json{{"type", "caf\xe9"}, {"ok", "\xe7\xae\x97"}});
  EXPECT_NE(out.find("caf\xef\xbf\xbd"), std::string::npos) << out;
  EXPECT_NE(out.find("\xe7\xae\x97"), std::string::npos) << out;
  EXPECT_NO_THROW(json::parse(out));
}

TEST(ReportChipsJsonTest, ParsesAndCarriesSourcedFigures) {
  const json j = json::parse(ChipsJson(Builtin()));
  ASSERT_TRUE(j.contains("chips"));
  ASSERT_TRUE(j["chips"].is_array());
  EXPECT_EQ(j["chips"].size(), Builtin().chips().size());

  const json* h100 = FindById(j["chips"], "h100");
  ASSERT_NE(h100, nullptr);
  // reference/catalog.md 2a: H100 SXM5 BF16 dense 989 TFLOPS, official (S2).
  const json& bf16 = (*h100)["peak_tflops"]["bf16"];
  EXPECT_EQ(bf16["value"].get<double>(), 989);
  EXPECT_EQ(bf16["confidence"], "official");
  ASSERT_TRUE(bf16["source"].is_array());
  EXPECT_EQ(bf16["source"][0], "S2");
  // Cited sources are listed with their titles.
  ASSERT_TRUE(j.contains("sources"));
  EXPECT_TRUE(j["sources"].contains("S2"));
  EXPECT_TRUE(j["sources"]["S2"].contains("url"));
}

TEST(ReportChipsJsonTest, UnknownIsNullAndUnsupportedIsFlagged) {
  const json j = json::parse(ChipsJson(Builtin()));
  // reference/catalog.md 2a: Kunlun P800 BF16 "—" (unknown): null, never 0.
  const json* p800 = FindById(j["chips"], "kunlun-p800");
  ASSERT_NE(p800, nullptr);
  EXPECT_TRUE((*p800)["peak_tflops"]["bf16"]["value"].is_null());
  EXPECT_FALSE((*p800)["peak_tflops"]["bf16"].contains("unsupported"));
  EXPECT_TRUE((*p800)["memory_gib"]["value"].is_null());
  // A100 FP8 "n/a": null value, flagged unsupported.
  const json* a100 = FindById(j["chips"], "a100");
  ASSERT_NE(a100, nullptr);
  EXPECT_TRUE((*a100)["peak_tflops"]["fp8"]["value"].is_null());
  EXPECT_EQ((*a100)["peak_tflops"]["fp8"]["unsupported"], true);
}

// The chip families that run an engine when a request names none are part of what the catalog
// says about it (data/engines.yaml: vLLM-Ascend as `vllm serve` starts it today on the Ascend 910
// family, S2240, S3461; the torchair entry by name only).
TEST(ReportEnginesTest, ShowDefaultFamilies) {
  const json j = json::parse(EnginesJson(Builtin()));
  const json* ascend = FindById(j["engines"], "vllm-ascend-0.13");
  ASSERT_NE(ascend, nullptr);
  EXPECT_EQ((*ascend)["default_families"], json::array({"ascend-910"}));
  const json* torchair = FindById(j["engines"], "vllm-ascend");
  ASSERT_NE(torchair, nullptr);
  EXPECT_TRUE((*torchair)["default_families"].empty());
  const json* sglang = FindById(j["engines"], "sglang");
  ASSERT_NE(sglang, nullptr);
  EXPECT_TRUE((*sglang)["default_families"].empty());
  // The families an engine runs on at all: TensorRT-LLM NVIDIA's (S2660), SGLang any (empty).
  EXPECT_TRUE((*sglang)["runs_on"].empty());
  const json* trtllm = FindById(j["engines"], "trtllm");
  ASSERT_NE(trtllm, nullptr);
  EXPECT_EQ((*trtllm)["runs_on"],
            json::array({"volta", "turing", "ampere", "ada", "hopper", "blackwell"}));
  const std::string table = EnginesTable(Builtin());
  EXPECT_NE(table.find("default on"), std::string::npos);
  bool ascend_row = false;
  for (const auto& line : Lines(table)) {
    if (line.rfind("vllm-ascend-0.13 ", 0) == 0) {
      ascend_row = true;
      EXPECT_NE(line.find("ascend-910"), std::string::npos) << line;
    }
  }
  EXPECT_TRUE(ascend_row);
}

TEST(ReportModelsJsonTest, ParsesWithModels) {
  const json j = json::parse(ModelsJson(Builtin()));
  ASSERT_TRUE(j["models"].is_array());
  const json* m = FindById(j["models"], "llama-3-8b");
  ASSERT_NE(m, nullptr);
  // Llama 3 8B: 32 layers, hidden 4096, 8.03B parameters (Meta).
  EXPECT_EQ((*m)["layers"], 32);
  EXPECT_EQ((*m)["hidden"], 4096);
  EXPECT_NEAR((*m)["params_b"].get<double>(), 8.03, 0.03 * 8.03);
}

TEST(ReportTrainingJsonTest, HasEveryFieldAndConsistentNumbers) {
  const auto& cat = Builtin();
  const catalog::Chip* chip = *cat.FindChip("h100");
  perf::TrainingJob job = perf::TrainingJobFor(cat, **cat.FindModel("llama-3-8b"), *chip);
  job.system = *cat.SystemFor(*chip);
  job.chips = 64;
  job.tokens = 1e12;
  auto result = perf::SearchLayout(job, {});
  ASSERT_TRUE(result) << result.error().ToString();

  TrainingReport report;
  report.job = &job;
  report.estimate = result->best;
  report.searched = true;
  report.layouts_evaluated = result->layouts_evaluated;
  report.layouts_fitting = result->layouts_fitting;
  const json j = json::parse(TrainingJson(report));

  for (const char* key : {"tp", "pp", "dp", "ep", "cp", "zero_stage", "micro_batch", "recompute"}) {
    EXPECT_TRUE(j["parallel"].contains(key)) << "parallel." << key;
  }
  for (const char* key :
       {"step_time_s", "global_batch_tokens", "tokens_per_s", "mfu", "hfu",
        "achieved_tflops_per_chip", "train_days", "ideal_accelerator_hours", "accelerator_hours",
        "goodput", "memory_gib_per_chip", "memory_breakdown_gib", "time_breakdown_s"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  if (::testing::Test::HasFailure()) return;

  const json& p = j["parallel"];
  // The layout uses exactly the 64 chips.
  EXPECT_EQ(p["tp"].get<int>() * p["pp"].get<int>() * p["dp"].get<int>() * p["cp"].get<int>(), 64);
  EXPECT_EQ(j["chips"], 64);
  // Llama 3 8B's 8192 context (the default cap is 8192) and the default
  // 4Mi-token batch: 4194304 / 8192 = 512 whole sequences = 4194304 tokens.
  EXPECT_EQ(j["seq_len"], 8192);
  EXPECT_EQ(j["global_batch_tokens"].get<double>(), 4194304);
  // tokens/s = batch tokens / step time.
  const double tps = j["tokens_per_s"].get<double>();
  EXPECT_NEAR(tps, 4194304 / j["step_time_s"].get<double>(), 1e-4 * tps);
  // MFU is achieved model TFLOPS over the 989 TFLOPS dense BF16 peak of H100.
  const double mfu = j["mfu"].get<double>();
  EXPECT_GT(mfu, 0);
  EXPECT_LT(mfu, 1);
  EXPECT_NEAR(j["achieved_tflops_per_chip"].get<double>(), mfu * 989, 1e-3 * 989);
  EXPECT_GE(j["hfu"].get<double>(), mfu - 1e-4);  // recomputation only adds FLOPs
  // Ideal accelerator-hours = 1e12 tokens / (tokens/s) x 64 chips / 3600.
  const double ideal = 1e12 / tps * 64 / 3600;
  EXPECT_NEAR(j["ideal_accelerator_hours"].get<double>(), ideal, 1e-3 * ideal);
  // Failures only lose time: goodput in (0, 1], hours and days scale by it.
  const double goodput = j["goodput"].get<double>();
  EXPECT_GT(goodput, 0);
  EXPECT_LE(goodput, 1);
  EXPECT_NEAR(j["accelerator_hours"].get<double>(), ideal / goodput, 2e-3 * ideal / goodput);
  const double days = 1e12 / tps / goodput / 86400;
  EXPECT_NEAR(j["train_days"].get<double>(), days, 2e-3 * days);
  // Hours and days are one estimate: every quantile of the hours' band is 64 chips x 24 h x
  // the same quantile of the days' band (the P50 printed for one is the P50 of the other).
  for (const char* q : {"p10", "p50", "p90"}) {
    const double d = j["train_days_band"][q].get<double>();
    EXPECT_NEAR(j["accelerator_hours_band"][q].get<double>(), 64 * 24 * d, 2e-3 * 64 * 24 * d) << q;
  }
  // Fits in the 80 GB of an H100 (catalog.md 2a) and the parts add up.
  const double mem = j["memory_gib_per_chip"].get<double>();
  EXPECT_LE(mem, 80);
  double parts = 0;
  for (const auto& [k, v] : j["memory_breakdown_gib"].items()) parts += v.get<double>();
  EXPECT_NEAR(parts, mem, 1e-3 * mem);
  double times = 0;
  for (const auto& [k, v] : j["time_breakdown_s"].items()) times += v.get<double>();
  EXPECT_NEAR(times, j["step_time_s"].get<double>(), 1e-3 * times);
}

}  // namespace
}  // namespace suanli::report
