// The shipped catalog and user catalogs. Figures are checked against
// reference/catalog.md (the sourced reference the data was transcribed from)
// and against published parameter counts, never against the code's output.
#include "catalog/catalog.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "perf/transformer.h"

namespace suanli::catalog {
namespace {

namespace fs = std::filesystem;

const Catalog& Builtin() {
  static const Catalog* c = [] {
    auto r = Catalog::Builtin();
    if (!r) {
      ADD_FAILURE() << "Catalog::Builtin() failed: " << r.error().ToString();
      return new Catalog();
    }
    return new Catalog(std::move(*r));
  }();
  return *c;
}

const Chip& ChipOrDie(const Catalog& c, std::string_view id) {
  auto r = c.FindChip(id);
  if (!r) {
    ADD_FAILURE() << r.error().ToString();
    static const Chip empty;
    return empty;
  }
  return **r;
}

const Model& ModelOrDie(const Catalog& c, std::string_view id) {
  auto r = c.FindModel(id);
  if (!r) {
    ADD_FAILURE() << r.error().ToString();
    static const Model empty;
    return empty;
  }
  return **r;
}

TEST(CatalogBuiltinTest, Loads) {
  auto r = Catalog::Builtin();
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_FALSE(r->chips().empty());
  EXPECT_FALSE(r->models().empty());
  EXPECT_FALSE(r->systems().empty());
  EXPECT_FALSE(r->sources().empty());
  // The shipped catalog is self-consistent.
  auto v = r->Validate();
  EXPECT_TRUE(v) << v.error().ToString();
}

TEST(CatalogBuiltinTest, HasEveryRequiredChip) {
  // The chips the planner must know about (reference/catalog.md section 2a
  // plus AMD MI300X as a non-NVIDIA reference).
  for (const char* id :
       {"a100",         "a800",         "h100",          "h800",       "h20",         "h200",
        "b200",         "b30a",         "rtx-pro-6000d", "mi300x",     "ascend-910b", "ascend-910c",
        "ascend-950pr", "ascend-950dt", "mlu590",        "hygon-k100", "kunlun-p800", "alibaba-ppu",
        "hanguang-800", "mtt-s4000",    "metax-c500",    "br100"}) {
    auto r = Builtin().FindChip(id);
    ASSERT_TRUE(r) << id << ": " << r.error().ToString();
    // Found by its own id, not through an alias of another chip.
    EXPECT_EQ((*r)->id, id);
  }
}

TEST(CatalogBuiltinTest, HasEveryRequiredModel) {
  for (const char* id :
       {"korthikanti-22b", "korthikanti-175b", "korthikanti-530b", "korthikanti-1t",
        "llama-2-7b",      "llama-2-13b",      "llama-2-34b",      "llama-2-70b",
        "llama-3-8b",      "llama-3-70b",      "llama-3-405b",     "bloom-176b",
        "deepseek-v3",     "deepseek-r1",      "qwen2.5-72b",      "gpt3-175b",
        "opt-175b",        "llama-1-65b",      "megatron-1t",      "deepseek-v2"}) {
    auto r = Builtin().FindModel(id);
    ASSERT_TRUE(r) << id << ": " << r.error().ToString();
    EXPECT_EQ((*r)->id, id);
  }
}

TEST(CatalogBuiltinTest, HasRequiredSystems) {
  for (const char* id : {"hgx-h100", "atlas-800t-a2", "cloudmatrix-384", "gb200-nvl72"}) {
    auto r = Builtin().FindSystem(id);
    ASSERT_TRUE(r) << id << ": " << r.error().ToString();
    EXPECT_EQ((*r)->id, id);
  }
  // Each system holds the chip it is built from.
  EXPECT_EQ((*Builtin().FindSystem("hgx-h100"))->chip, "h100");
  EXPECT_EQ((*Builtin().FindSystem("atlas-800t-a2"))->chip, "ascend-910b");
  EXPECT_EQ((*Builtin().FindSystem("cloudmatrix-384"))->chip, "ascend-910c");
  // The B200 as GB200 racks ship it (1,200 W, 2,500 BF16 TFLOPS dense), not the HGX part.
  EXPECT_EQ((*Builtin().FindSystem("gb200-nvl72"))->chip, "gb200");
  // CloudMatrix 384: 384 Ascend 910C in one scale-up domain (catalog.md 2b).
  EXPECT_EQ((*Builtin().FindSystem("cloudmatrix-384"))->scale_up_domain, 384);
  // GB200 NVL72: 72 GPUs in one NVLink domain (catalog.md 2b, B200 row).
  EXPECT_EQ((*Builtin().FindSystem("gb200-nvl72"))->scale_up_domain, 72);
}

// --- Spot checks against reference/catalog.md section 2a ------------------

TEST(CatalogFiguresTest, H100Bf16IsTheOfficialDensePeak) {
  // catalog.md 2a: H100 SXM5 BF16 dense 989 TFLOPS, tag O (the 1,979 figure
  // is the sparse one and must not be used).
  const auto& v = ChipOrDie(Builtin(), "h100").peak(DType::kBf16);
  ASSERT_TRUE(v.known());
  EXPECT_DOUBLE_EQ(*v.value, 989);
  EXPECT_EQ(v.confidence, Confidence::kOfficial);
  EXPECT_FALSE(v.unsupported);
}

TEST(CatalogFiguresTest, H20) {
  // catalog.md 2a: H20 148 BF16 / 296 FP8 dense, 96 GB HBM3, 4.0 TB/s.
  const Chip& h20 = ChipOrDie(Builtin(), "h20");
  ASSERT_TRUE(h20.peak(DType::kBf16).known());
  EXPECT_DOUBLE_EQ(*h20.peak(DType::kBf16).value, 148);
  ASSERT_TRUE(h20.peak(DType::kFp8).known());
  EXPECT_DOUBLE_EQ(*h20.peak(DType::kFp8).value, 296);
  ASSERT_TRUE(h20.memory_gib.known());
  EXPECT_DOUBLE_EQ(*h20.memory_gib.value, 96);
  ASSERT_TRUE(h20.memory_tb_s.known());
  EXPECT_DOUBLE_EQ(*h20.memory_tb_s.value, 4.0);
}

TEST(CatalogFiguresTest, A100Fp8IsUnsupportedNotUnknown) {
  // catalog.md 2a: A100 FP8 "n/a" (the format does not exist on Ampere),
  // which differs from "—" (not published).
  const auto& fp8 = ChipOrDie(Builtin(), "a100").peak(DType::kFp8);
  EXPECT_TRUE(fp8.unsupported);
  EXPECT_FALSE(fp8.known());
  EXPECT_FALSE(fp8.sources.empty());  // "unsupported" is itself a sourced claim
  // A100 BF16: 312 dense (catalog.md 2a).
  EXPECT_DOUBLE_EQ(*ChipOrDie(Builtin(), "a100").peak(DType::kBf16).value, 312);
}

TEST(CatalogFiguresTest, KunlunP800Bf16IsUnknownNotZero) {
  // catalog.md 2a: Kunlun P800 BF16 "— (not in any source read)": unknown,
  // never 0, and not "unsupported" either.
  const auto& bf16 = ChipOrDie(Builtin(), "kunlun-p800").peak(DType::kBf16);
  EXPECT_FALSE(bf16.known());
  EXPECT_FALSE(bf16.unsupported);
  EXPECT_FALSE(bf16.value.has_value());
}

TEST(CatalogFiguresTest, Ascend910CMemory) {
  // catalog.md 2a: 910C 128 GB HBM2E (8 stacks), 3.2 TB/s (Huawei's slide;
  // an aggregator's 96 GB / 1.8 TB/s is explicitly rejected).
  const Chip& c = ChipOrDie(Builtin(), "ascend-910c");
  ASSERT_TRUE(c.memory_gib.known());
  EXPECT_DOUBLE_EQ(*c.memory_gib.value, 128);
  ASSERT_TRUE(c.memory_tb_s.known());
  EXPECT_DOUBLE_EQ(*c.memory_tb_s.value, 3.2);
  // catalog.md 2a: FP8 n/a on 910C.
  EXPECT_TRUE(c.peak(DType::kFp8).unsupported);
}

TEST(CatalogFiguresTest, HanguangIsInferenceOnly) {
  // catalog.md 2a: Hanguang 800 is an inference NPU with no BF16/FP16 figure.
  const Chip& c = ChipOrDie(Builtin(), "hanguang-800");
  EXPECT_EQ(c.role, ChipRole::kInferenceOnly);
  EXPECT_FALSE(c.peak(DType::kBf16).known());
}

// Every known (or unsupported) figure carries at least one source id, and
// every source id resolves to an entry of sources.yaml.
TEST(CatalogFiguresTest, EveryKnownValueHasAResolvableSource) {
  const Catalog& cat = Builtin();
  auto check = [&](const std::string& where, const auto& v) {
    if (!v.known() && !v.unsupported) return;
    EXPECT_FALSE(v.sources.empty()) << where << " is known but has no source";
    for (const auto& s : v.sources) {
      EXPECT_NE(cat.FindSource(s), nullptr) << where << " cites unknown source " << s;
    }
  };
  int checked = 0;
  for (const Chip& c : cat.chips()) {
    for (int d = 0; d < kNumDTypes; ++d) {
      check(c.id + ".peak_tflops." + std::string(DTypeName(static_cast<DType>(d))),
            c.peak_tflops[d]);
    }
    check(c.id + ".memory_gib", c.memory_gib);
    check(c.id + ".memory_tb_s", c.memory_tb_s);
    check(c.id + ".scale_up_gb_s", c.scale_up_gb_s);
    check(c.id + ".scale_up_domain", c.scale_up_domain);
    check(c.id + ".scale_out_gbit_s", c.scale_out_gbit_s);
    check(c.id + ".host_link_gb_s", c.host_link_gb_s);
    check(c.id + ".tdp_w", c.tdp_w);
    check(c.id + ".sm_count", c.sm_count);
    check(c.id + ".serving_step_overhead_ms", c.serving_step_overhead_ms);
    check(c.id + ".process", c.process);
    check(c.id + ".foundry", c.foundry);
    check(c.id + ".price_usd", c.price_usd);
    for (const auto& e : c.export_status) {
      EXPECT_FALSE(e.sources.empty()) << c.id << " export event " << e.date << " has no source";
      for (const auto& s : e.sources) {
        EXPECT_NE(cat.FindSource(s), nullptr) << c.id << " export event cites unknown " << s;
      }
    }
    ++checked;
  }
  for (const System& s : cat.systems()) {
    for (const auto& id : s.sources) {
      EXPECT_NE(cat.FindSource(id), nullptr) << "system " << s.id << " cites unknown " << id;
    }
  }
  EXPECT_GE(checked, 22);  // at least the required chips
}

// --- Lookups --------------------------------------------------------------

TEST(CatalogLookupTest, CaseInsensitive) {
  auto r = Builtin().FindChip("H100");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ((*r)->id, "h100");
  auto m = Builtin().FindModel("LLAMA-3-70B");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ((*m)->id, "llama-3-70b");
  auto s = Builtin().FindSystem("HGX-H100");
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ((*s)->id, "hgx-h100");
}

// A name echoed in an "unknown <kind>" error is cut (core/text.h Quoted: 60 bytes and "..."): a
// 5,000-character --model gave a 5 KB message. By hand: "unknown model '" (15) + 60 + "...'" (4)
// is 79 bytes before "; nearest".
TEST(CatalogLookupTest, UnknownNamesAreEchoedCut) {
  const std::string name(5000, 'q');
  for (auto error : {Builtin().FindModel(name).error(), Builtin().FindChip(name).error(),
                     Builtin().FindSystem(name).error(), Builtin().FindEngine(name).error()}) {
    EXPECT_LT(error.message.size(), 400u) << error.message.substr(0, 200);
    EXPECT_NE(error.message.find("'" + std::string(60, 'q') + "...'"), std::string::npos)
        << error.message.substr(0, 200);
    EXPECT_EQ(error.message.find(std::string(61, 'q')), std::string::npos);
  }
  auto m = Builtin().FindModel(name);
  EXPECT_EQ(m.error().message.find("; nearest"), 79u) << m.error().message.substr(0, 200);
}

TEST(CatalogLookupTest, UnderscoresAsDashes) {
  auto r = Builtin().FindChip("ascend_910c");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ((*r)->id, "ascend-910c");
  auto m = Builtin().FindModel("Llama_3_8B");
  ASSERT_TRUE(m) << m.error().ToString();
  EXPECT_EQ((*m)->id, "llama-3-8b");
}

TEST(CatalogLookupTest, Aliases) {
  // Aliases listed in data/chips.yaml and data/models.yaml.
  struct Case {
    const char* query;
    const char* id;
  };
  for (const Case& c :
       {Case{"h100-sxm5", "h100"}, Case{"H100_SXM", "h100"}, Case{"910c", "ascend-910c"},
        Case{"b40", "rtx-pro-6000d"}, Case{"siyuan-590", "mlu590"}}) {
    auto r = Builtin().FindChip(c.query);
    ASSERT_TRUE(r) << c.query << ": " << r.error().ToString();
    EXPECT_EQ((*r)->id, c.id) << c.query;
  }
  for (const Case& c : {Case{"llama3-70b", "llama-3-70b"}, Case{"Llama-3.1-405B", "llama-3-405b"},
                        Case{"gpt-3", "gpt3-175b"}, Case{"dsv3", "deepseek-v3"},
                        Case{"mt-nlg-530b", "korthikanti-530b"}}) {
    auto r = Builtin().FindModel(c.query);
    ASSERT_TRUE(r) << c.query << ": " << r.error().ToString();
    EXPECT_EQ((*r)->id, c.id) << c.query;
  }
}

// Chips as nvidia-smi, cloud consoles and datasheets name them (nvidia-smi --query-gpu=name
// prints "NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-80GB", "NVIDIA GeForce RTX 4090").
TEST(CatalogLookupTest, ChipsAsTheirMakersNameThem) {
  struct Case {
    const char* query;
    const char* id;
  };
  for (const Case& c :
       {Case{"NVIDIA H100 80GB HBM3", "h100"}, Case{"NVIDIA A100-SXM4-80GB", "a100"},
        Case{"h100-sxm5-80gb", "h100"}, Case{"NVIDIA GeForce RTX 4090", "rtx-4090"},
        Case{"AMD Instinct MI300X", "mi300x"}, Case{"NVIDIA H20", "h20"},
        Case{"Huawei Ascend 910B", "ascend-910b"}, Case{"NVIDIA H200 141GB", "h200"},
        Case{"NVIDIA H100 PCIe", "h100-pcie"}, Case{"Tesla V100-SXM2-32GB", "v100"},
        Case{"Tesla V100-SXM2-16GB", "v100-16gb"}, Case{"NVIDIA A100-SXM4-40GB", "a100-40gb"},
        Case{"a100-40gb", "a100-40gb"}, Case{"Tesla T4", "t4"}, Case{"NVIDIA A10", "a10"},
        Case{"NVIDIA H200 NVL", "h200-nvl"}, Case{"NVIDIA H100 NVL", "h100-nvl"}}) {
    auto r = Builtin().FindChip(c.query);
    ASSERT_TRUE(r) << c.query << ": " << r.error().ToString();
    EXPECT_EQ((*r)->id, c.id) << c.query;
  }
  // A memory size that is no listed part's is another part, not the 80 GB one.
  auto r = Builtin().FindChip("h100-40gb");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("h100 has 80 GB of memory, not 40"), std::string::npos)
      << r.error().message;
}

// Models as serving engines name them: Hugging Face repositories with an organization and
// release suffixes of the same architecture.
TEST(CatalogLookupTest, HuggingFaceRepositoryNames) {
  struct Case {
    const char* query;
    const char* id;
  };
  for (const Case& c : {Case{"meta-llama/Llama-3.1-70B-Instruct", "llama-3.1-70b"},
                        Case{"meta-llama/Llama-2-7b-chat-hf", "llama-2-7b"},
                        Case{"deepseek-ai/DeepSeek-V3-Base", "deepseek-v3"},
                        Case{"deepseek-ai/DeepSeek-V3.2-Exp", "deepseek-v3.2"},
                        Case{"mistralai/Mixtral-8x7B-Instruct-v0.1", "mixtral-8x7b"},
                        Case{"Qwen/Qwen3-235B-A22B-Thinking-2507", "qwen3-235b-a22b-2507"},
                        Case{"deepseek-ai/DeepSeek-R1-0528", "deepseek-r1"},
                        Case{"moonshotai/Kimi-K2-Instruct", "kimi-k2"}}) {
    auto r = Builtin().FindModel(c.query);
    ASSERT_TRUE(r) << c.query << ": " << r.error().ToString();
    EXPECT_EQ((*r)->id, c.id) << c.query;
  }
  // An unknown name stays unknown, also with a precision suffix: the error names what was typed.
  for (const char* query : {"deepseek-ai/DeepSeek-V9-FP8", "meta-llama/Llama-9-70B-Instruct"}) {
    auto r = Builtin().FindModel(query);
    ASSERT_FALSE(r) << query;
    EXPECT_NE(r.error().message.find(query), std::string::npos) << r.error().message;
  }
}

// Quantized copies as their repositories name them select the model and the checkpoint's format.
TEST(CatalogLookupTest, CheckpointPrecisionFromTheName) {
  struct Case {
    const char* query;
    const char* id;
    const char* dtype;
    const char* expert_dtype;
  };
  for (const Case& c : {
           Case{"deepseek-ai/DeepSeek-R1", "deepseek-r1", "fp8", ""},  // released in FP8
           Case{"deepseek-ai/DeepSeek-V3-FP8", "deepseek-v3", "fp8", ""},
           Case{"Qwen/Qwen3-235B-A22B-FP8", "qwen3-235b-a22b", "fp8", ""},
           Case{"Qwen/Qwen3-30B-A3B-Instruct-2507-FP8", "qwen3-30b-a3b-2507", "fp8", ""},
           Case{"Qwen/Qwen3-Coder-30B-A3B-Instruct-FP8", "qwen3-coder-30b-a3b", "fp8", ""},
           Case{"RedHatAI/Meta-Llama-3.1-70B-Instruct-FP8-dynamic", "llama-3.1-70b", "fp8", ""},
           Case{"amd/Llama-3.1-70B-Instruct-FP8-KV", "llama-3.1-70b", "fp8", ""},
           Case{"Qwen/Qwen2.5-72B-Instruct-AWQ", "qwen2.5-72b", "int4", ""},
           Case{"Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4", "qwen2.5-7b", "int4", ""},
           Case{"Qwen/Qwen2.5-7B-Instruct-GPTQ-Int8", "qwen2.5-7b", "int8", ""},
           // A method and its bits (hugging-quants' AWQ copies): the last word decides.
           Case{"hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4", "llama-3.1-70b", "int4", ""},
           // Baidu's PaddlePaddle release of the same weights.
           Case{"baidu/ERNIE-4.5-300B-A47B-Paddle", "ernie-4.5-300b-a47b", "bf16", ""},
           // NVIDIA's FP4 DeepSeek-R1 quantizes the MoE layers; the rest stays as released (FP8).
           Case{"nvidia/DeepSeek-R1-FP4", "deepseek-r1", "fp8", "fp4"},
           // The quantized copies InferenceMAX serves (a revision, a preview): the same rule.
           Case{"nvidia/DeepSeek-R1-0528-FP4-V2", "deepseek-r1", "fp8", "fp4"},
           Case{"amd/DeepSeek-R1-0528-MXFP4-Preview", "deepseek-r1", "fp8", "fp4"},
           Case{"openai/gpt-oss-120b", "gpt-oss-120b", "bf16", "fp4"},
           Case{"moonshotai/Kimi-K2-Instruct", "kimi-k2", "fp8", ""},
           Case{"moonshotai/Kimi-K2-Thinking", "kimi-k2-thinking", "bf16", "int4"},  // by name
           Case{"kimi-k2-thinking", "kimi-k2-thinking", "bf16", "int4"},  // the id is the variant's
           // K2-Instruct-0905 is its own entry (256K context, FP8), not K2 Thinking's (INT4).
           Case{"moonshotai/Kimi-K2-Instruct-0905", "kimi-k2-instruct-0905", "fp8", ""},
           Case{"kimi-k2-0905", "kimi-k2-instruct-0905", "fp8", ""},
           Case{"meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b", "bf16", ""},
           // Z.ai releases GLM-4.5 in BF16 and as GLM-4.5-FP8 (an alias once swallowed the -FP8).
           Case{"zai-org/GLM-4.5-FP8", "glm-4.5", "fp8", ""},
           Case{"zai-org/GLM-4.5", "glm-4.5", "bf16", ""},
           Case{"zai-org/GLM-4.6-FP8", "glm-4.6", "fp8", ""},
           // Ascend's msModelSlim copies as SGLang's Ascend best practice serves them
           // (--quantization modelslim): W8A8 is int8, W4A8 4-bit weights with INT8
           // activations (S3113, S3260).
           Case{"Qwen3-32B-W8A8", "qwen3-32b", "int8", ""},
           Case{"DeepSeek-R1-W4A8", "deepseek-r1", "w4a8", ""},
       }) {
    auto r = Builtin().FindCheckpoint(c.query);
    ASSERT_TRUE(r) << c.query << ": " << r.error().ToString();
    EXPECT_EQ(r->model->id, c.id) << c.query;
    EXPECT_EQ(r->precision.dtype, c.dtype) << c.query;
    EXPECT_EQ(r->precision.expert_dtype, c.expert_dtype) << c.query;
  }
}

// The same repository name under two organizations is two checkpoints: Qwen/Qwen3-235B-A22B-FP8 is
// Qwen's release (128 x 128 weight blocks, no KV format declared, S3533),
// nvidia/Qwen3-235B-A22B-FP8 NVIDIA's Model Optimizer copy of the BF16 release (one of the
// TensorRT-LLM perf overview's FP8 models, S4232), whose export declares an FP8 cache (S3530).
TEST(CatalogLookupTest, AnNvidiaNameIsNvidiasCopyNotTheMakersVariant) {
  auto qwen = Builtin().FindCheckpoint("Qwen/Qwen3-235B-A22B-FP8");
  ASSERT_TRUE(qwen) << qwen.error().ToString();
  EXPECT_FALSE(qwen->copy);
  EXPECT_EQ(qwen->precision.weight_block_size, 128);
  auto nvidia = Builtin().FindCheckpoint("nvidia/Qwen3-235B-A22B-FP8");
  ASSERT_TRUE(nvidia) << nvidia.error().ToString();
  EXPECT_EQ(nvidia->model->id, "qwen3-235b-a22b");
  EXPECT_TRUE(nvidia->copy);
  EXPECT_EQ(nvidia->copy_org, "nvidia");
  EXPECT_EQ(nvidia->precision.dtype, "fp8");
  EXPECT_EQ(nvidia->precision.weight_block_size, 0);
  // The copies the TensorRT-LLM perf overview names resolve to the models they quantize.
  for (const auto& [name, id] :
       {std::pair{"nvidia/Llama-3.1-8B-Instruct-FP8", "llama-3.1-8b"},
        std::pair{"nvidia/Llama-3.3-70B-Instruct-FP8", "llama-3.1-70b"},
        std::pair{"nvidia/Llama-3.1-405B-Instruct-FP8", "llama-3-405b"},
        std::pair{"nvidia/Llama-4-Maverick-17B-128E-Instruct-FP8", "llama-4-maverick"}}) {
    auto r = Builtin().FindCheckpoint(name);
    ASSERT_TRUE(r) << name << ": " << r.error().ToString();
    EXPECT_EQ(r->model->id, id) << name;
    EXPECT_TRUE(r->copy) << name;
    EXPECT_EQ(r->precision.dtype, "fp8") << name;
  }
}

TEST(CatalogLookupTest, UnknownIdSuggestsTheNearest) {
  // "h1000" is one edit from "h100".
  auto r = Builtin().FindChip("h1000");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("h100"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("h1000"), std::string::npos) << r.error().message;
  // "llama-3-8c" is one substitution from "llama-3-8b".
  auto m = Builtin().FindModel("llama-3-8c");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("llama-3-8b"), std::string::npos) << m.error().message;
}

// --- Parameter counts -----------------------------------------------------

TEST(CatalogModelsTest, TotalParamsMatchReportedWithin3Percent) {
  int checked = 0;
  for (const Model& m : Builtin().models()) {
    if (!m.params_b_reported) continue;
    const double computed_b = perf::TotalParams(m) / 1e9;
    EXPECT_NEAR(computed_b, *m.params_b_reported, 0.03 * *m.params_b_reported)
        << m.id << ": architecture gives " << computed_b << "B, reported " << *m.params_b_reported
        << "B";
    ++checked;
  }
  EXPECT_GE(checked, 20);  // every required model reports its size
}

TEST(CatalogModelsTest, PublishedSizes) {
  // Published totals, independent of models.yaml: Llama 3 8B 8.03B (Meta,
  // safetensors metadata), Llama 3 70B 70.6B, GPT-3 175B (Brown et al.),
  // DeepSeek-V3 671B (arXiv 2412.19437, MTP excluded), Llama 3.1 405B.
  struct Case {
    const char* id;
    double billions;
  };
  for (const Case& c : {Case{"llama-3-8b", 8.03}, Case{"llama-3-70b", 70.6}, Case{"gpt3-175b", 175},
                        Case{"deepseek-v3", 671}, Case{"llama-3-405b", 405}}) {
    const double b = perf::TotalParams(ModelOrDie(Builtin(), c.id)) / 1e9;
    EXPECT_NEAR(b, c.billions, 0.03 * c.billions) << c.id;
  }
}

TEST(CatalogModelsTest, DeepSeekV2TotalAndActive) {
  // DeepSeek-V2 paper (arXiv 2405.04434): 236B total, 21B activated per token.
  // By hand: MLA attention ~149.2M per layer, expert 3*5120*1536 = 23.6M;
  // 59 MoE layers x (149.2M + 162 experts x 23.6M) ~ 234.4B, plus one dense
  // layer and 2 x 102400 x 5120 embeddings ~ 1.4B -> ~235.8B. Active: 8
  // experts per layer -> ~21.4B.
  const Model& m = ModelOrDie(Builtin(), "deepseek-v2");
  EXPECT_NEAR(perf::TotalParams(m) / 1e9, 236, 0.03 * 236);
  EXPECT_NEAR(perf::ActiveParams(m) / 1e9, 21, 0.03 * 21);
}

TEST(CatalogModelsTest, DeepSeekV3Active) {
  // DeepSeek-V3 paper: 37B activated per token.
  const Model& m = ModelOrDie(Builtin(), "deepseek-v3");
  EXPECT_NEAR(perf::ActiveParams(m) / 1e9, 37, 0.03 * 37);
}

// --- User catalogs --------------------------------------------------------

class UserCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) /
           ("suanli_usercat_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto r = Catalog::Builtin();
    ASSERT_TRUE(r) << r.error().ToString();
    catalog_ = std::move(*r);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }

  fs::path dir_;
  Catalog catalog_;
};

TEST_F(UserCatalogTest, AddsANewChip) {
  Write("extra.yaml",
        "chips:\n"
        "  - id: test-npu\n"
        "    name: Test NPU\n"
        "    vendor: Test\n"
        "    family: hopper\n"
        "    aliases: [tnpu]\n"
        "    peak_tflops:\n"
        "      bf16: {value: 500, source: [S2], confidence: estimate}\n"
        "    memory_gib: {value: 64, source: [S2], confidence: estimate}\n");
  const size_t before = catalog_.chips().size();
  auto r = catalog_.MergeDirectory(dir_.string());
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(catalog_.chips().size(), before + 1);
  auto c = catalog_.FindChip("test-npu");
  ASSERT_TRUE(c) << c.error().ToString();
  EXPECT_DOUBLE_EQ(*(*c)->peak(DType::kBf16).value, 500);
  EXPECT_DOUBLE_EQ(*(*c)->memory_gib.value, 64);
  // Its alias works too; shipped chips are still there.
  EXPECT_TRUE(catalog_.FindChip("TNPU"));
  EXPECT_TRUE(catalog_.FindChip("h100"));
}

TEST_F(UserCatalogTest, OverridesAShippedChipWhole) {
  Write("h100.yaml",
        "chips:\n"
        "  - id: h100\n"
        "    name: H100 (derated)\n"
        "    family: hopper\n"
        "    default_system: hgx-h100\n"
        "    peak_tflops:\n"
        "      bf16: {value: 800, source: [S2], confidence: estimate}\n"
        "    memory_gib: {value: 80, source: [S2], confidence: official}\n");
  const size_t before = catalog_.chips().size();
  auto r = catalog_.MergeDirectory(dir_.string());
  ASSERT_TRUE(r) << r.error().ToString();
  // Replaced, not added.
  EXPECT_EQ(catalog_.chips().size(), before);
  const Chip& h100 = ChipOrDie(catalog_, "h100");
  EXPECT_DOUBLE_EQ(*h100.peak(DType::kBf16).value, 800);
  EXPECT_EQ(h100.peak(DType::kBf16).confidence, Confidence::kEstimate);
  EXPECT_EQ(h100.name, "H100 (derated)");
  // "Replaces it whole" (docs/catalog-schema.md): fields the override does
  // not give are unknown, not inherited from the shipped entry.
  EXPECT_FALSE(h100.peak(DType::kFp8).known());
  EXPECT_FALSE(h100.memory_tb_s.known());
  // Only one h100 in the list.
  int count = 0;
  for (const Chip& c : catalog_.chips()) count += c.id == "h100";
  EXPECT_EQ(count, 1);
}

TEST_F(UserCatalogTest, SystemWithUnknownChipFailsNamingTheFile) {
  const fs::path p = Write("systems.yaml",
                           "systems:\n"
                           "  - id: my-pod\n"
                           "    name: My pod\n"
                           "    chip: no-such-chip\n"
                           "    chips_per_node: 8\n"
                           "    scale_up: {domain_chips: 8, bandwidth_gb_s: 400, latency_us: 3, "
                           "efficiency: 0.8}\n"
                           "    scale_out: {bandwidth_gb_s: 50, latency_us: 8, efficiency: 0.8}\n");
  auto r = catalog_.MergeDirectory(dir_.string());
  ASSERT_FALSE(r);
  // The error points at the user's file, at the entry (line 2, "- id: my-pod").
  EXPECT_EQ(fs::path(r.error().file).filename(), "systems.yaml") << r.error().ToString();
  EXPECT_EQ(r.error().line, 2);
  EXPECT_NE(r.error().ToString().find("systems.yaml"), std::string::npos);
  EXPECT_NE(r.error().message.find("no-such-chip"), std::string::npos) << r.error().message;
}

// A power-limited hall: a system capped below its chip's TDP loads; a cap
// above the TDP contradicts the chip and names the file, line and field.
TEST_F(UserCatalogTest, SystemPowerCapAboveTheChipsTdpFails) {
  auto pod = [](int cap) {
    return "systems:\n"
           "  - id: capped-a100\n"
           "    name: Capped A100 hall\n"
           "    chip: a100\n"
           "    chips_per_node: 8\n"
           "    power_cap_w: " +
           std::to_string(cap) +
           "\n"
           "    scale_up: {domain_chips: 8, bandwidth_gb_s: 300, latency_us: 3, efficiency: 0.8}\n"
           "    scale_out: {bandwidth_gb_s: 25, latency_us: 10, efficiency: 0.8}\n";
  };
  Write("systems.yaml", pod(350));
  ASSERT_TRUE(catalog_.MergeDirectory(dir_.string()));
  EXPECT_EQ((*catalog_.FindSystem("capped-a100"))->power_cap_w, 350);

  // Above the a100's 400 W TDP, and at its static power (0.2 x 400 = 80 W).
  for (const auto& [cap, says] : {std::pair{450, "400 W TDP"}, std::pair{80, "static power"}}) {
    Write("systems.yaml", pod(cap));
    auto r = catalog_.MergeDirectory(dir_.string());
    ASSERT_FALSE(r) << cap;
    EXPECT_EQ(fs::path(r.error().file).filename(), "systems.yaml") << r.error().ToString();
    EXPECT_EQ(r.error().line, 2);
    EXPECT_NE(r.error().field.find("power_cap_w"), std::string::npos) << r.error().ToString();
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
  }
}

TEST_F(UserCatalogTest, SameIdTwiceInOneFileFailsNamingTheLine) {
  Write("dup.yaml",
        "chips:\n"              // 1
        "  - id: twin\n"        // 2
        "    name: First\n"     // 3
        "  - id: twin\n"        // 4  <- second definition
        "    name: Second\n");  // 5
  auto r = catalog_.MergeDirectory(dir_.string());
  ASSERT_FALSE(r);
  EXPECT_EQ(fs::path(r.error().file).filename(), "dup.yaml") << r.error().ToString();
  EXPECT_EQ(r.error().line, 4) << r.error().ToString();
  EXPECT_NE(r.error().message.find("twin"), std::string::npos) << r.error().message;
  // The message also says where the first one was.
  EXPECT_NE(r.error().message.find(":2"), std::string::npos) << r.error().message;
}

TEST_F(UserCatalogTest, DirectoryWithoutYamlFails) {
  Write("README.txt", "not a catalog\n");
  auto r = catalog_.MergeDirectory(dir_.string());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().ToString().find(dir_.filename().string()), std::string::npos)
      << r.error().ToString();
}

TEST_F(UserCatalogTest, MissingDirectoryFails) {
  auto r = catalog_.MergeDirectory((dir_ / "nope").string());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().ToString().find("nope"), std::string::npos) << r.error().ToString();
}

TEST_F(UserCatalogTest, FailedMergeLeavesTheCatalogUnchanged) {
  // a.yaml is valid and sorts first; b.yaml then fails. Nothing of either may
  // remain.
  Write("a.yaml",
        "chips:\n"
        "  - id: good-chip\n"
        "    name: Good\n"
        "    peak_tflops:\n"
        "      bf16: {value: 100, source: [S2], confidence: estimate}\n"
        "  - id: h100\n"
        "    name: H100 overridden\n"
        "    peak_tflops:\n"
        "      bf16: {value: 1, source: [S2], confidence: estimate}\n");
  Write("b.yaml",
        "chips:\n"
        "  - id: bad-chip\n"
        "    name: Bad\n"
        "    memory_gib: 80\n");
  const size_t chips_before = catalog_.chips().size();
  const size_t models_before = catalog_.models().size();
  auto r = catalog_.MergeDirectory(dir_.string());
  ASSERT_FALSE(r);
  EXPECT_EQ(fs::path(r.error().file).filename(), "b.yaml") << r.error().ToString();
  EXPECT_EQ(catalog_.chips().size(), chips_before);
  EXPECT_EQ(catalog_.models().size(), models_before);
  EXPECT_FALSE(catalog_.FindChip("good-chip"));
  EXPECT_FALSE(catalog_.FindChip("bad-chip"));
  EXPECT_DOUBLE_EQ(*ChipOrDie(catalog_, "h100").peak(DType::kBf16).value, 989);
  EXPECT_EQ(ChipOrDie(catalog_, "h100").name, "NVIDIA H100 SXM5");

  // A failure found only by Validate (after both files parsed) also leaves
  // the catalog unchanged.
  fs::remove(dir_ / "b.yaml");
  Write("b.yaml",
        "systems:\n"
        "  - id: orphan\n"
        "    name: Orphan\n"
        "    chip: missing-chip\n"
        "    chips_per_node: 8\n"
        "    scale_up: {domain_chips: 8, bandwidth_gb_s: 400, latency_us: 3, efficiency: 0.8}\n"
        "    scale_out: {bandwidth_gb_s: 50, latency_us: 8, efficiency: 0.8}\n");
  auto r2 = catalog_.MergeDirectory(dir_.string());
  ASSERT_FALSE(r2);
  EXPECT_EQ(catalog_.chips().size(), chips_before);
  EXPECT_FALSE(catalog_.FindChip("good-chip"));
  EXPECT_FALSE(catalog_.FindSystem("orphan"));
  EXPECT_DOUBLE_EQ(*ChipOrDie(catalog_, "h100").peak(DType::kBf16).value, 989);
}

// Ada PCIe cards as users type them (issue 12/13, "chips as they ship"): the L20 of Chinese
// serving fleets and its neighbours. Figures from their sources (data/sources.yaml): the L20 and
// L2 sheet S1500, the L40/L40S datasheet S1504, the L4 datasheet figures S1506 (sparse halved),
// the Ada whitepaper S1507 (RTX 4090, FP32 accumulate).
TEST(CatalogFiguresTest, AdaPcieCardsAsSourced) {
  struct Case {
    const char* id;
    double bf16, fp8, int8, mem_gib, tb_s;
  };
  for (const Case& c :
       {Case{"l20", 119.5, 239, 239, 48, 0.864}, Case{"l2", 96.5, 193, 193, 24, 0.3},
        Case{"l40s", 362.05, 733, 733, 48, 0.864}, Case{"l40", 181.05, 362, 362, 48, 0.864},
        Case{"l4", 242.0 / 2, 485.0 / 2, 485.0 / 2, 24, 0.3},
        Case{"rtx-4090", 165.2, 330.3, 660.6, 24, 1.008}}) {
    const Chip& chip = ChipOrDie(Builtin(), c.id);
    ASSERT_TRUE(chip.peak(DType::kBf16).known()) << c.id;
    EXPECT_DOUBLE_EQ(*chip.peak(DType::kBf16).value, c.bf16) << c.id;
    EXPECT_DOUBLE_EQ(*chip.peak(DType::kFp8).value, c.fp8) << c.id;
    EXPECT_DOUBLE_EQ(*chip.peak(DType::kInt8).value, c.int8) << c.id;
    EXPECT_TRUE(chip.peak(DType::kFp4).unsupported) << c.id;
    EXPECT_DOUBLE_EQ(*chip.memory_gib.value, c.mem_gib) << c.id;
    EXPECT_DOUBLE_EQ(*chip.memory_tb_s.value, c.tb_s) << c.id;
    // No NVLink: the scale-up figure is "n/a", and the default system is an 8-card PCIe server
    // whose scale-up is one PCIe Gen4 x16 link per card, 64 GB/s bidirectional -> 32 one way.
    EXPECT_TRUE(chip.scale_up_gb_s.unsupported) << c.id;
    auto sys = Builtin().SystemFor(chip);
    ASSERT_TRUE(sys) << c.id << ": " << sys.error().ToString();
    EXPECT_EQ(sys->chip, c.id);
    EXPECT_EQ(sys->scale_up_domain, 8) << c.id;
    EXPECT_DOUBLE_EQ(sys->scale_up.bandwidth_gb_s, 32) << c.id;
  }
  // The RTX 4090 D is the 4090 with 114 of its 128 SMs at the same clock; its INT8 x 8 bits is
  // the TPP reported against the Oct 2023 rule's 4,800 limit (4,707, S1510).
  const Chip& d = ChipOrDie(Builtin(), "rtx-4090d");
  EXPECT_NEAR(*d.peak(DType::kInt8).value * 8, 4707, 1);
  EXPECT_NEAR(*d.peak(DType::kBf16).value, 165.2 * 114 / 128, 0.05);
  EXPECT_EQ(d.peak(DType::kBf16).confidence, Confidence::kEstimate);
  EXPECT_DOUBLE_EQ(*d.memory_gib.value, 24);
  // China status: the L20 and the 4090 D were built to pass the 17 Oct 2023 rule, which barred
  // the L40S, the L40 and the RTX 4090 (NVIDIA's 8-K, S1511).
  ASSERT_FALSE(d.export_status.empty());
  EXPECT_EQ(d.export_status.front().status, "unrestricted");
  EXPECT_EQ(d.export_status.front().date, "2023-12-28");
  const Chip& l20 = ChipOrDie(Builtin(), "l20");
  ASSERT_FALSE(l20.export_status.empty());
  EXPECT_EQ(l20.export_status.front().status, "unrestricted");
  for (const char* barred : {"l40s", "l40", "rtx-4090"}) {
    const Chip& chip = ChipOrDie(Builtin(), barred);
    ASSERT_FALSE(chip.export_status.empty()) << barred;
    EXPECT_EQ(chip.export_status.back().status, "barred") << barred;
    EXPECT_EQ(chip.export_status.back().date, "2023-10-17") << barred;
  }
}

// NVIDIA parts people run today (issue 13, "chips as they ship"), against their datasheets
// (data/sources.yaml): H100 PCIe S1530 (sparse 1,513 / 3,026 halved), H200 NVL S1533 (1,671 /
// 3,341 halved), A100 40GB S1532, V100 S1535, T4 S1537, A10 S1539 (250 / 500 sparse halved).
// A format the tensor cores lack is "n/a", never unknown: V100 and T4 have no BF16 (the model
// takes their FP16 peak), none of them FP8 before Hopper; the T4 has INT8, the V100 none.
TEST(CatalogFiguresTest, NvidiaPartsAsSourced) {
  struct Case {
    const char* id;
    double half;  // fp16 (= bf16 where the chip has it)
    bool bf16, fp8;
    double int8;  // 0: no INT8 tensor cores
    double mem_gib, tb_s, tdp_w;
    const char* system;
    double scale_up_gb_s;  // the system's, one direction
  };
  for (const Case& c :
       {Case{"h100-pcie", 1513.0 / 2, true, true, 3026.0 / 2, 80, 2.0, 350, "pcie-h100", 128.0 / 2},
        Case{"h200-nvl", 1671.0 / 2, true, true, 3341.0 / 2, 141, 4.8, 600, "pcie-h200-nvl",
             128.0 / 2},
        Case{"a100-40gb", 312, true, false, 624, 40, 1.555, 400, "hgx-a100-40gb", 600.0 / 2},
        Case{"v100", 125, false, false, 0, 32, 0.9, 300, "dgx1-v100", 300.0 / 2},
        Case{"v100-16gb", 125, false, false, 0, 16, 0.9, 300, "dgx1-v100-16gb", 300.0 / 2},
        Case{"t4", 65, false, false, 130, 16, 0.32, 70, "pcie-t4", 32.0 / 2},
        Case{"a10", 125, true, false, 500.0 / 2, 24, 0.6, 150, "pcie-a10", 64.0 / 2}}) {
    const Chip& chip = ChipOrDie(Builtin(), c.id);
    EXPECT_DOUBLE_EQ(*chip.peak(DType::kFp16).value, c.half) << c.id;
    if (c.bf16) {
      EXPECT_DOUBLE_EQ(*chip.peak(DType::kBf16).value, c.half) << c.id;
    } else {
      EXPECT_TRUE(chip.peak(DType::kBf16).unsupported) << c.id;
    }
    if (c.fp8) {
      EXPECT_DOUBLE_EQ(*chip.peak(DType::kFp8).value, c.int8) << c.id;
    } else {
      EXPECT_TRUE(chip.peak(DType::kFp8).unsupported) << c.id;
    }
    if (c.int8 > 0) {
      EXPECT_DOUBLE_EQ(*chip.peak(DType::kInt8).value, c.int8) << c.id;
    } else {
      EXPECT_TRUE(chip.peak(DType::kInt8).unsupported) << c.id;
    }
    EXPECT_TRUE(chip.peak(DType::kFp4).unsupported) << c.id;
    EXPECT_DOUBLE_EQ(*chip.memory_gib.value, c.mem_gib) << c.id;
    EXPECT_DOUBLE_EQ(*chip.memory_tb_s.value, c.tb_s) << c.id;
    EXPECT_DOUBLE_EQ(*chip.tdp_w.value, c.tdp_w) << c.id;
    auto sys = Builtin().SystemFor(chip);
    ASSERT_TRUE(sys) << c.id << ": " << sys.error().ToString();
    EXPECT_EQ(sys->id, c.system) << c.id;
    EXPECT_DOUBLE_EQ(sys->scale_up.bandwidth_gb_s, c.scale_up_gb_s) << c.id;
  }
  // The H100 NVL had no system (issue 13: `--chip h100-nvl` was refused): an 8-card PCIe Gen5
  // server, as the H100 PCIe.
  auto nvl = Builtin().SystemFor(ChipOrDie(Builtin(), "h100-nvl"));
  ASSERT_TRUE(nvl) << nvl.error().ToString();
  EXPECT_DOUBLE_EQ(nvl->scale_up.bandwidth_gb_s, 64);
}

// Blackwell parts users run that were refused (b300, rtx-pro-6000: no BF16 peak) or missing
// (rtx-5090), issues 12/13. Each figure from its source, computed here: NVIDIA's HGX B300 table
// gives 36 PFLOPS FP16/BF16 and 72 FP8 with sparsity for 8 GPUs (S1700); the RTX PRO 6000 runs
// 503.8 dense BF16 (S1701); the RTX 5090 838.4 FP16 with sparsity and FP16 accumulate, FP32
// accumulate at half that rate (S1703).
TEST(CatalogFiguresTest, BlackwellPartsAsSourced) {
  struct Case {
    const char* id;
    double bf16, fp8, mem_gib, tb_s;
    const char* system;
    double scale_up_gb_s;  // the system's, one direction
  };
  for (const Case& c :
       {Case{"b300", 36e3 / 8 / 2, 72e3 / 8 / 2, 288, 8.0, "hgx-b300", 1800.0 / 2},
        Case{"rtx-pro-6000", 503.8, 2 * 503.8, 96, 1.792, "pcie-rtx-pro-6000", 128.0 / 2},
        Case{"rtx-5090", 838.4 / 2 / 2, 1676.8 / 2 / 2, 32, 1.792, "pcie-rtx-5090", 128.0 / 2}}) {
    const Chip& chip = ChipOrDie(Builtin(), c.id);
    EXPECT_NEAR(*chip.peak(DType::kBf16).value, c.bf16, 0.1) << c.id;
    EXPECT_NEAR(*chip.peak(DType::kFp16).value, c.bf16, 0.1) << c.id;
    EXPECT_NEAR(*chip.peak(DType::kFp8).value, c.fp8, 0.1) << c.id;
    EXPECT_DOUBLE_EQ(*chip.memory_gib.value, c.mem_gib) << c.id;
    EXPECT_DOUBLE_EQ(*chip.memory_tb_s.value, c.tb_s) << c.id;
    auto sys = Builtin().SystemFor(chip);
    ASSERT_TRUE(sys) << c.id << ": " << sys.error().ToString();
    EXPECT_EQ(sys->id, c.system) << c.id;
    EXPECT_DOUBLE_EQ(sys->scale_up.bandwidth_gb_s, c.scale_up_gb_s) << c.id;
  }
  // The HGX part's dense FP4: 105 PFLOPS for 8 GPUs (S1700; Lockwood's per-GPU row 13,125,
  // S4282), below the GB300 part's 1.1 EF dense over 72 (15,278, S1308). Its TGP: 1,100 W in
  // NVIDIA's DGX B300 (S4280, 'B300 TGP 1100W'), where the GB300 part runs 1,400 W.
  const Chip& b300 = ChipOrDie(Builtin(), "b300");
  EXPECT_NEAR(*b300.peak(DType::kFp4).value, 105e3 / 8, 0.1);
  EXPECT_DOUBLE_EQ(*b300.tdp_w.value, 1100);
  EXPECT_LT(*b300.peak(DType::kFp4).value, *ChipOrDie(Builtin(), "gb300").peak(DType::kFp4).value);
  // As nvidia-smi names them.
  for (const auto& [name, id] : std::vector<std::pair<const char*, const char*>>{
           {"NVIDIA B300 SXM6 AC", "b300"},
           {"NVIDIA RTX PRO 6000 Blackwell Server Edition", "rtx-pro-6000"},
           {"NVIDIA RTX PRO 6000 Blackwell Workstation Edition", "rtx-pro-6000"},
           {"NVIDIA GeForce RTX 5090", "rtx-5090"}}) {
    auto r = Builtin().FindChip(name);
    ASSERT_TRUE(r) << name << ": " << r.error().ToString();
    EXPECT_EQ((*r)->id, id) << name;
  }
  // The China part has no published tensor figure: an estimate at the bound of the export rule
  // it was built to pass, TPP (dense TOPS x bit length) under 4,800: 4,800 / 16 = 300 BF16,
  // 4,800 / 8 = 600 FP8, 4,800 / 4 = 1,200 FP4, below what the RTX PRO 6000 scaled by SMs and
  // clock would give (503.8 x 156 / 188 x 2,430 / 2,617 = 388, TPP 6,211, over the limit).
  const Chip& d = ChipOrDie(Builtin(), "rtx-pro-6000d");
  EXPECT_DOUBLE_EQ(*d.peak(DType::kBf16).value, 4800.0 / 16);
  EXPECT_DOUBLE_EQ(*d.peak(DType::kFp8).value, 4800.0 / 8);
  EXPECT_DOUBLE_EQ(*d.peak(DType::kFp4).value, 4800.0 / 4);
  EXPECT_EQ(d.peak(DType::kBf16).confidence, Confidence::kEstimate);
  EXPECT_LT(*d.peak(DType::kBf16).value, 503.8 * 156 / 188 * 2430 / 2617);
  auto dsys = Builtin().SystemFor(d);
  ASSERT_TRUE(dsys) << dsys.error().ToString();
  EXPECT_EQ(dsys->id, "pcie-rtx-pro-6000d");
  EXPECT_DOUBLE_EQ(dsys->scale_up.bandwidth_gb_s, 128.0 / 2);  // PCIe Gen5 x16, one direction
}

// Huawei's announced systems (Huawei Connect 2025): the Atlas 960 SuperPoD joins 15,488 Ascend
// 960 with 34 PB/s of interconnect in all (S59), 2.2 TB/s a chip as Huawei quotes it (S56), read
// as bidirectional: 1,100 GB/s a direction, within 3 GB/s of 34e15 / 15,488 / 2. The 950PR ships in
// cards and SuperPoD servers; its server is assumed to use the 950 die's 2 TB/s the same way.
TEST(CatalogFiguresTest, AscendRoadmapSystemsAsAnnounced) {
  const Chip& a960 = ChipOrDie(Builtin(), "ascend-960");
  auto s960 = Builtin().SystemFor(a960);
  ASSERT_TRUE(s960) << s960.error().ToString();
  EXPECT_EQ(s960->id, "atlas-960-superpod");
  EXPECT_EQ(s960->scale_up_domain, 15488);
  EXPECT_NEAR(s960->scale_up.bandwidth_gb_s, 34e6 / 15488 / 2, 3);
  const Chip& pr = ChipOrDie(Builtin(), "ascend-950pr");
  auto spr = Builtin().SystemFor(pr);
  ASSERT_TRUE(spr) << spr.error().ToString();
  EXPECT_EQ(spr->id, "atlas-950pr-server");
  const Chip& dt = ChipOrDie(Builtin(), "ascend-950dt");
  EXPECT_DOUBLE_EQ(spr->scale_up.bandwidth_gb_s, Builtin().SystemFor(dt)->scale_up.bandwidth_gb_s);
  EXPECT_DOUBLE_EQ(*pr.tdp_w.value, 600);  // the Atlas 350 card (S1941)
  // The Ascend 970 has chip figures only: no system is listed, so it is refused by name.
  EXPECT_TRUE(ChipOrDie(Builtin(), "ascend-970").default_system.empty());
}

// Accelerators users run besides NVIDIA's (issues 12/13: they were missing): each vendor's own
// figures. Google's TPU docs give peak BF16 per chip, HBM and bidirectional ICI per chip, and
// all-reduce bandwidth per 256-chip Pod (v5e 51.2 TB/s, v6e 102.4: per chip and direction, the
// system's scale-up); AWS's Neuron docs Trainium2's (NeuronLink-v3 1.28 TB/s per chip); Intel's
// Hot Chips 2024 deck Gaudi 3's (21 of 24 200 GbE ports to the 7 peers of an 8-card server);
// AMD's MI200 table the MI250X's (per OAM of two dies).
TEST(CatalogFiguresTest, OtherVendorsPartsAsSourced) {
  struct Case {
    const char* id;
    double bf16, mem_gib, tb_s;
    const char* system;
    int domain;
    double scale_up_gb_s;  // the system's, one direction
  };
  for (const Case& c : {Case{"tpu-v5e", 197, 16, 0.819, "tpu-v5e-pod", 256, 51.2e3 / 256},
                        Case{"tpu-v5p", 459, 95, 2.765, "tpu-v5p-pod", 6144, 1200.0 / 2},
                        Case{"tpu-v6e", 918, 32, 1.638, "tpu-v6e-pod", 256, 102.4e3 / 256},
                        Case{"trainium2", 667, 96, 2.9, "trn2-48xlarge", 16, 1280.0 / 2},
                        Case{"gaudi3", 1835, 128, 3.67, "hls-gaudi3", 8, 21 * 200.0 / 8},
                        Case{"mi250x", 383, 128, 3.2, "mi250x-node", 4, 800.0 / 2 / 2}}) {
    const Chip& chip = ChipOrDie(Builtin(), c.id);
    EXPECT_DOUBLE_EQ(*chip.peak(DType::kBf16).value, c.bf16) << c.id;
    EXPECT_DOUBLE_EQ(*chip.memory_gib.value, c.mem_gib) << c.id;
    EXPECT_DOUBLE_EQ(*chip.memory_tb_s.value, c.tb_s) << c.id;
    auto sys = Builtin().SystemFor(chip);
    ASSERT_TRUE(sys) << c.id << ": " << sys.error().ToString();
    EXPECT_EQ(sys->id, c.system) << c.id;
    EXPECT_EQ(sys->scale_up_domain, c.domain) << c.id;
    EXPECT_DOUBLE_EQ(sys->scale_up.bandwidth_gb_s, c.scale_up_gb_s) << c.id;
  }
  EXPECT_DOUBLE_EQ(*ChipOrDie(Builtin(), "trainium2").peak(DType::kFp8).value, 1299);
  EXPECT_DOUBLE_EQ(*ChipOrDie(Builtin(), "gaudi3").peak(DType::kFp8).value, 1835);
  EXPECT_TRUE(ChipOrDie(Builtin(), "mi250x").peak(DType::kFp8).unsupported);
  // As rocm-smi, hl-smi, JAX and the clouds name them.
  for (const auto& [name, id] :
       std::vector<std::pair<const char*, const char*>>{{"AMD Instinct MI250X", "mi250x"},
                                                        {"HL-325L", "gaudi3"},
                                                        {"Intel Gaudi 3", "gaudi3"},
                                                        {"TPU v5 lite", "tpu-v5e"},
                                                        {"tpu-v5-lite-podslice", "tpu-v5e"},
                                                        {"TPU v5p", "tpu-v5p"},
                                                        {"TPU v6 lite", "tpu-v6e"},
                                                        {"Trillium", "tpu-v6e"},
                                                        {"trn2", "trainium2"}}) {
    auto r = Builtin().FindChip(name);
    ASSERT_TRUE(r) << name << ": " << r.error().ToString();
    EXPECT_EQ((*r)->id, id) << name;
  }
}

// The names users type for them: `--chip l20`, the vendor-prefixed id, the bare model number.
TEST(CatalogLookupTest, AdaCardsByTheNamesUsersType) {
  struct Case {
    const char* query;
    const char* id;
  };
  for (const Case& c : {Case{"l20", "l20"}, Case{"L20", "l20"}, Case{"nvidia-l20", "l20"},
                        Case{"NVIDIA_L20", "l20"}, Case{"L40S", "l40s"}, Case{"4090", "rtx-4090"},
                        Case{"RTX4090", "rtx-4090"}, Case{"4090d", "rtx-4090d"},
                        Case{"RTX-4090-D", "rtx-4090d"}, Case{"l4", "l4"}}) {
    auto r = Builtin().FindChip(c.query);
    ASSERT_TRUE(r) << c.query << ": " << r.error().ToString();
    EXPECT_EQ((*r)->id, c.id) << c.query;
  }
  // As clusters name them (device plugins, DRA).
  const Catalog& cat = Builtin();
  auto match = [&](const char* name) {
    const Chip* chip = cat.MatchChip(name);
    return chip ? chip->id : std::string("none");
  };
  EXPECT_EQ(match("NVIDIA L20"), "l20");
  EXPECT_EQ(match("NVIDIA-L40S"), "l40s");
  EXPECT_EQ(match("NVIDIA GeForce RTX 4090"), "rtx-4090");
  EXPECT_EQ(match("NVIDIA GeForce RTX 4090 D"), "rtx-4090d");
}

// vllm-0.16 (v0.14-v0.16, aliases vllm-0.14 / vllm-0.15) against its source: pull request 34846's
// batch-size-aware fused-MoE default config is listed in v0.17.0's notes, and v0.16.0 'was branch
// cut on Feb 8' (the pull request merged on 2026-02-18; S4440), so these releases run the
// two-branch default (S3900) and vllm is "0.17 and later". The rest is vllm's: async scheduling
// (the default from v0.14, S2901), the checkpoint's FP8 cache (from v0.14, S4340), the FP8
// E=160,N=192 H200 file (S3903, not listed as untuned), the batch defaults (S3522).
TEST(CatalogTest, Vllm014To016KeepTheTwoBranchMoeDefaultConfig) {
  const Catalog& c = Builtin();
  auto now = c.FindEngine("vllm");
  auto v016 = c.FindEngine("vllm-0.16");
  ASSERT_TRUE(now && v016);
  EXPECT_EQ((*v016)->triton_moe_default_config, "two_branch");
  EXPECT_EQ((*now)->triton_moe_default_config, "batch_aware");
  EXPECT_EQ((*now)->version.rfind("0.17 and later", 0), 0u) << (*now)->version;
  EXPECT_EQ((*v016)->version, "0.14-0.16");
  EXPECT_TRUE((*v016)->async_scheduling);
  EXPECT_TRUE((*v016)->checkpoint_kv_dtype);
  EXPECT_EQ((*v016)->max_num_seqs, 1024);
  EXPECT_DOUBLE_EQ((*v016)->max_batched_tokens, 8192);
  EXPECT_EQ((*v016)->untuned_moe_configs.size(), (*now)->untuned_moe_configs.size());
  EXPECT_TRUE((*v016)->default_families.empty());
  for (const char* alias : {"vllm-0.14", "vllm-0.15", "vllm-v0.16"}) {
    auto e = c.FindEngine(alias);
    ASSERT_TRUE(e) << alias;
    EXPECT_EQ(*e, *v016) << alias;
  }
}

}  // namespace
}  // namespace suanli::catalog

namespace suanli::catalog {
namespace {

// Models as released (issue 13): shape, vocabulary and context against the released config.json
// files, values copied here from them (meta-llama/Llama-3.1-8B, -70B, -405B: hidden_size,
// num_hidden_layers, num_attention_heads, num_key_value_heads, intermediate_size, vocab_size,
// max_position_embeddings). A 9.4K-token prompt on Llama 3.1 405B was refused at 8,192.
TEST(ReleasedModels, Llama31ConfigsAsReleased) {
  const auto cat = *Catalog::Builtin();
  struct Released {
    const char* id;
    int hidden, layers, heads, kv_heads, ffn, vocab, context;
  };
  for (const Released& r : {Released{"llama-3.1-8b", 4096, 32, 32, 8, 14336, 128256, 131072},
                            Released{"llama-3.1-70b", 8192, 80, 64, 8, 28672, 128256, 131072},
                            Released{"llama-3.1-405b", 16384, 126, 128, 8, 53248, 128256, 131072},
                            Released{"llama-3-8b", 4096, 32, 32, 8, 14336, 128256, 8192},
                            Released{"llama-3-70b", 8192, 80, 64, 8, 28672, 128256, 8192}}) {
    SCOPED_TRACE(r.id);
    auto m = cat.FindModel(r.id);
    ASSERT_TRUE(m) << m.error().ToString();
    EXPECT_EQ((*m)->hidden, r.hidden);
    EXPECT_EQ((*m)->layers, r.layers);
    EXPECT_EQ((*m)->heads, r.heads);
    EXPECT_EQ((*m)->kv_heads, r.kv_heads);
    EXPECT_EQ((*m)->ffn_hidden, r.ffn);
    EXPECT_EQ((*m)->vocab, r.vocab);
    EXPECT_EQ((*m)->max_seq_len, r.context);
  }
  // Llama 3.3 70B is the 3.1 70B shape.
  EXPECT_EQ((*cat.FindModel("llama-3.3-70b"))->id, "llama-3.1-70b");
}

// Which measured error a rate takes (Catalog::ModelErrorFor): the family's cell for the kind,
// else the kind over every family (widened to the family's own sigma when the family has no
// held-out runs of that workload), else the family's single sigma. An overlay's cell replaces
// the shipped one of the same family, workload and kind.
TEST(CatalogModelErrorTest, FamilyCellThenEveryFamilyThenTheFamilySigma) {
  Catalog c = *Catalog::Builtin();
  ASSERT_TRUE(c.MergeYaml(
      "model_errors:\n"
      "  source: test runs\n"
      "  cells:\n"
      "    - {family: hopper, workload: training-searched, kind: moe, cases: 5, bias: -0.2, sigma: "
      "0.15}\n"
      "    - {family: any, workload: training-searched, kind: moe, cases: 9, bias: -0.1, sigma: "
      "0.3}\n"
      "    - {family: any, workload: serving, kind: moe, cases: 9, bias: 0.05, sigma: 0.25}\n",
      "errors.yaml"));
  ModelError e = c.ModelErrorFor("hopper", true, true);
  EXPECT_EQ(e.bias, -0.2);
  EXPECT_EQ(e.sigma, 0.15);
  EXPECT_EQ(e.cases, 5);
  EXPECT_EQ(e.source, "test runs");
  EXPECT_NE(e.basis.find("hopper"), std::string::npos) << e.basis;
  // A family with a training cell (MoE) but none for dense: every family's dense cell, as is.
  ASSERT_TRUE(
      c.MergeYaml("model_errors:\n"
                  "  source: test runs\n"
                  "  cells:\n"
                  "    - {family: ampere, workload: training-searched, kind: moe, cases: 5, bias: "
                  "0, sigma: 0.2}\n"
                  "    - {family: any, workload: training-searched, kind: dense, cases: 9, bias: "
                  "0.1, sigma: 0.01}\n",
                  "errors2.yaml"));
  e = c.ModelErrorFor("ampere", true, false);
  EXPECT_EQ(e.bias, 0.1);
  EXPECT_EQ(e.sigma, 0.01);
  EXPECT_NE(e.basis.find("every family"), std::string::npos) << e.basis;
  // A family with no cell of the workload (a catalog with only these cells): the wider of
  // every family's and its own sigma.
  Catalog only;
  ASSERT_TRUE(only.MergeYaml(
      "families:\n  - {id: ampere, training_error_sigma: 0.07, inference_error_sigma: 0.2}\n"
      "model_errors:\n"
      "  source: test runs\n"
      "  cells:\n"
      "    - {family: any, workload: training-searched, kind: moe, cases: 9, bias: -0.1, sigma: "
      "0.01}\n"
      "    - {family: any, workload: serving, kind: moe, cases: 9, bias: 0.05, sigma: 2.5}\n",
      "errors3.yaml"));
  e = only.ModelErrorFor("ampere", true, true);
  EXPECT_EQ(e.bias, -0.1);
  EXPECT_EQ(e.sigma, 0.07);
  EXPECT_NE(e.basis.find("none on ampere"), std::string::npos) << e.basis;
  e = only.ModelErrorFor("ampere", false, true);  // every family's is the wider
  EXPECT_EQ(e.bias, 0.05);
  EXPECT_EQ(e.sigma, 2.5);
  // A kind with no cell anywhere: the family's single sigma, no bias. (The shipped cells may
  // cover it, so ask for a family and kind a fresh catalog has no cell of.)
  Catalog bare;
  ASSERT_TRUE(
      bare.MergeYaml("families:\n  - {id: ampere, training_error_sigma: 0.07}\n", "f.yaml"));
  e = bare.ModelErrorFor("ampere", true, false);
  EXPECT_EQ(e.sigma, 0.07);
  EXPECT_EQ(e.bias, 0);
  EXPECT_EQ(e.cases, 0);
  // An overlay replaces a cell.
  ASSERT_TRUE(
      c.MergeYaml("model_errors:\n"
                  "  cells:\n"
                  "    - {family: hopper, workload: training-searched, kind: moe, cases: 2, bias: "
                  "0, sigma: 0.05, "
                  "source: \"measured: runs.yaml\"}\n",
                  "overlay.yaml"));
  e = c.ModelErrorFor("hopper", true, true);
  EXPECT_EQ(e.sigma, 0.05);
  // Runs set up as published have their own cells: a given layout does not take a searched one.
  ASSERT_TRUE(c.MergeYaml(
      "model_errors:\n"
      "  source: as published\n"
      "  cells:\n"
      "    - {family: hopper, workload: training, kind: moe, cases: 7, bias: 0.02, sigma: 0.08}\n",
      "given.yaml"));
  const ModelError given = c.ModelErrorFor("hopper", true, true, /*searched_layout=*/false);
  EXPECT_EQ(given.sigma, 0.08);
  EXPECT_EQ(given.source, "as published");
  EXPECT_NE(given.basis.find("layout given"), std::string::npos) << given.basis;
  EXPECT_EQ(e.cases, 2);
  EXPECT_EQ(e.source, "measured: runs.yaml");
}

// Accelerator names as clusters write them (Kubernetes resources, npu-smi): the sub-variant when
// the catalog has it (CANN's 910B1-B4), else the nearest entry above it.
TEST(CatalogLookupTest, MatchChipTakesTheSubVariant) {
  const Catalog c = *Catalog::Builtin();
  auto id = [&](const char* name) {
    const Chip* chip = c.MatchChip(name);
    return chip ? chip->id : std::string("none");
  };
  EXPECT_EQ(id("Ascend910B3"), "ascend-910b3");
  EXPECT_EQ(id("Ascend910B2C"), "ascend-910b2");
  EXPECT_EQ(id("Ascend910B9"), "ascend-910b");
  EXPECT_EQ(id("Ascend910B"), "ascend-910b");
  EXPECT_EQ(id("NVIDIA-H800"), "h800");
  EXPECT_EQ(id("NVIDIA H100 80GB HBM3"), "h100");
  EXPECT_EQ(id("A100-SXM4-80GB"), "a100");
  EXPECT_EQ(id("Tesla-T4"), "t4");
  EXPECT_EQ(id("Tesla-P4"), "none");
  // CANN's figures: 24 cube cores x 4,096 MACs x 2 x 1.8 GHz for the B2; the B4 has 32 GiB.
  EXPECT_NEAR(*(*c.FindChip("ascend-910b2"))->peak_tflops[static_cast<int>(DType::kBf16)].value,
              24 * 4096 * 2 * 1.8e9 / 1e12, 0.05);
  EXPECT_EQ(*(*c.FindChip("ascend-910b4"))->memory_gib.value, 32);
}

// The vLLM entries by release, against their sources. vllm is what a user gets in 2026-12: async
// scheduling on (the default from v0.14, S2901), the batch-size-aware fused-MoE default config
// (pull request 34846, 2026-02-18, S3210), and the FP8 E=160,N=192 H200 tuned file of pull request
// 29182 (2025-11-21, S3903) kept, so that shape is not listed; GLM-4.5/4.6's BF16 shapes are (no
// file in any version read, S3902, S4220). vllm-0.11 (v0.9-v0.11): no async scheduling (off unless
// asked up to v0.13, S2901, S2725), the two-branch default config (S3900), and the FP8 file not yet
// shipped (listed). vllm-0.13 (v0.12-v0.13): as vllm-0.11 with the FP8 file. Both take the rest of
// vllm's fields (the batch defaults of S3522, the graph cost of S2200) and are no family's
// default: a request naming no engine on Hopper runs vllm.
TEST(CatalogTest, VllmEntriesByRelease) {
  const Catalog& c = Builtin();
  auto now = c.FindEngine("vllm");
  auto v011 = c.FindEngine("vllm-0.11");
  auto v013 = c.FindEngine("vllm-0.13");
  ASSERT_TRUE(now && v011 && v013);
  auto lists = [](const ServingEngine& e, int experts, int width, const std::string& chip,
                  const std::string& dtype) {
    for (const auto& k : e.untuned_moe_configs) {
      if (k.experts == experts && k.width == width && k.dtype == dtype &&
          std::find(k.chips.begin(), k.chips.end(), chip) != k.chips.end()) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE((*now)->async_scheduling);
  EXPECT_EQ((*now)->triton_moe_default_config, "batch_aware");
  EXPECT_FALSE(lists(**now, 160, 192, "h200", "fp8"));
  EXPECT_TRUE(lists(**now, 160, 192, "h200", "bf16"));
  EXPECT_TRUE(lists(**now, 160, 192, "h100", "bf16"));
  EXPECT_TRUE(lists(**now, 20, 1536, "h200", "bf16"));
  EXPECT_FALSE((*v011)->async_scheduling);
  EXPECT_EQ((*v011)->triton_moe_default_config, "two_branch");
  EXPECT_TRUE(lists(**v011, 160, 192, "h200", "fp8"));
  EXPECT_TRUE(lists(**v011, 160, 192, "h200", "bf16"));
  EXPECT_FALSE((*v013)->async_scheduling);
  EXPECT_EQ((*v013)->triton_moe_default_config, "two_branch");
  EXPECT_FALSE(lists(**v013, 160, 192, "h200", "fp8"));
  EXPECT_TRUE(lists(**v013, 160, 192, "h200", "bf16"));
  for (const auto* old : {*v011, *v013}) {
    EXPECT_EQ(old->max_num_seqs, 1024) << old->id;               // S3522
    EXPECT_DOUBLE_EQ(old->max_batched_tokens, 8192) << old->id;  // S3522
    EXPECT_DOUBLE_EQ(old->kv_memory_fraction, 0.9) << old->id;   // S950
    EXPECT_DOUBLE_EQ(old->graph_layer_us, 55) << old->id;        // S2200
    EXPECT_DOUBLE_EQ(old->host_seq_us, 21) << old->id;           // S2900
    EXPECT_TRUE(old->default_families.empty()) << old->id;
    EXPECT_FALSE(old->version.empty()) << old->id;
  }
  auto h100 = c.FindChip("h100");
  ASSERT_TRUE(h100);
  const ServingEngine* hopper = c.DefaultEngineOf(**h100);
  ASSERT_NE(hopper, nullptr);
  EXPECT_EQ(hopper->id, "vllm");
}

// The release fields beyond scheduling, against their sources: a Model Optimizer checkpoint's
// declared FP8 cache is read under `auto` from v0.14 on (pull request 30785; its map absent from
// v0.12.0's torch_utils, present in v0.14.0's: S4340), so vllm reads it and vllm-0.11 / vllm-0.13
// do not. vllm-v0-multistep is V0 as AMD's ROCm guide launched it: --num-scheduler-steps 10
// ('between 10 to 15 (--num-scheduler-steps 10)', S4342), and V0's own defaults (S4341): 256
// sequences on any device (no small-device rule: an A100 gets 256 too), chunked prefill off, no
// async scheduling; the rest (graph cost, host loop a request, KV pool) is vllm-0.11's.
TEST(CatalogTest, VllmReleaseFieldsAndTheV0MultiStepEntry) {
  const Catalog& c = Builtin();
  auto now = c.FindEngine("vllm");
  auto v011 = c.FindEngine("vllm-0.11");
  auto v013 = c.FindEngine("vllm-0.13");
  auto v0 = c.FindEngine("vllm-v0-multistep");
  ASSERT_TRUE(now && v011 && v013 && v0);
  EXPECT_TRUE((*now)->checkpoint_kv_dtype);
  EXPECT_FALSE((*v011)->checkpoint_kv_dtype);
  EXPECT_FALSE((*v013)->checkpoint_kv_dtype);
  EXPECT_EQ((*now)->scheduler_steps, 0);
  EXPECT_EQ((*v011)->scheduler_steps, 0);
  EXPECT_EQ((*v0)->scheduler_steps, 10);  // S4342
  // num_lookahead_slots = num_scheduler_steps - 1, appended for each decode at a call (S4441).
  EXPECT_TRUE((*v0)->multistep_lookahead_kv);
  EXPECT_FALSE((*v011)->multistep_lookahead_kv);
  EXPECT_FALSE((*now)->multistep_lookahead_kv);
  // Block-FP8 experts at TP 8 on DeepGEMM: 0.11 only (on by default from pull request 24462,
  // S4442; Triton at TP 8 from 29346 in v0.12.0, S4443); V0 (to 0.10.1) ran Triton.
  EXPECT_TRUE((*v011)->deepgemm_moe_at_tp8);
  EXPECT_FALSE((*v013)->deepgemm_moe_at_tp8);
  EXPECT_FALSE((*v0)->deepgemm_moe_at_tp8);
  EXPECT_FALSE((*now)->deepgemm_moe_at_tp8);
  EXPECT_FALSE((*c.FindEngine("vllm-0.16"))->deepgemm_moe_at_tp8);
  EXPECT_EQ((*v0)->max_num_seqs, 256);    // S4341
  EXPECT_FALSE((*v0)->chunked_prefill);   // S4341
  EXPECT_FALSE((*v0)->async_scheduling);  // V0 has none (S2725: V1's, from 0.10)
  EXPECT_TRUE((*v0)->batched_tokens_at_context);
  EXPECT_DOUBLE_EQ((*v0)->host_seq_us, 21);  // S2900
  EXPECT_DOUBLE_EQ((*v0)->graph_layer_us, 55);
  EXPECT_TRUE((*v0)->default_families.empty());
  auto a100 = c.FindChip("a100-80gb");
  ASSERT_TRUE(a100);
  EXPECT_TRUE(SmallDevice(**now, **a100));
  EXPECT_FALSE(SmallDevice(**v0, **a100));
  EXPECT_EQ(*c.FindEngine("vllm-v0"), *v0);
}

// Whose running-sequence cap a --max-num-seqs is under attention DP: each DP rank runs its own
// scheduler in vLLM (a core engine per rank, S4430), TensorRT-LLM (max_batch_size per attention-DP
// rank, S4431) and MindIE (an EnginePerDP per group, each given config.json's maxBatchSize
// unchanged, requests dealt round-robin, S4570); SGLang's --max-running-requests is the
// server's, dealt // dp (S3014).
TEST(CatalogTest, EachEnginesRunningCapUnderDataParallel) {
  const Catalog& c = Builtin();
  for (const char* id : {"vllm", "vllm-0.13", "vllm-ascend-0.13", "trtllm", "mindie"}) {
    auto e = c.FindEngine(id);
    ASSERT_TRUE(e) << id;
    EXPECT_FALSE((*e)->max_num_seqs_per_instance) << id;
  }
  auto mindie = c.FindEngine("mindie");
  EXPECT_EQ((*mindie)->max_num_seqs, 200);  // maxBatchSize's default (S3962)
  EXPECT_TRUE((*c.FindEngine("sglang"))->max_num_seqs_per_instance);
}

// Each engine's KV page (ServingEngine::kv_block_tokens): vLLM's CacheConfig DEFAULT_BLOCK_SIZE 16
// (S4980), its releases before 0.17 the same (base: vllm), SGLang's --page-size 1 (S4981),
// TensorRT-LLM's KvCacheConfig tokens_per_block 32 (S4982), 1.1 the same (base: trtllm).
TEST(CatalogTest, EachEnginesKvPageIsItsDocumentedDefault) {
  const Catalog& c = Builtin();
  for (const auto& [id, page] :
       {std::pair{"vllm", 16}, std::pair{"vllm-0.11", 16}, std::pair{"sglang", 1},
        std::pair{"trtllm", 32}, std::pair{"trtllm-1.1", 32}}) {
    auto e = c.FindEngine(id);
    ASSERT_TRUE(e) << id;
    EXPECT_EQ((*e)->kv_block_tokens, page) << id;
  }
}

}  // namespace
}  // namespace suanli::catalog
