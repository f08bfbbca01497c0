// MergeYaml error paths: each bad input must name the file, the 1-based line
// where the problem is (counted by hand in the literals below: the trailing
// comment on each line is its number), and the field or problem.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "testing.h"

namespace suanli::catalog {
namespace {

constexpr const char* kFile = "user/extra.yaml";

Error MergeError(const std::string& text) {
  Catalog c;
  auto r = c.MergeYaml(text, kFile);
  if (r) {
    ADD_FAILURE() << "expected an error for:\n" << text;
    return Error{};
  }
  return r.error();
}

using testing::Contains;

// A chip entry whose line 7 is `memory_gib_line`.
std::string ChipWithMemory(const std::string& memory_gib_line) {
  std::string text =
      "# user chips\n"                                                        // 1
      "chips:\n"                                                              // 2
      "  - id: my-npu\n"                                                      // 3
      "    name: My NPU\n"                                                    // 4
      "    vendor: Me\n"                                                      // 5
      "    memory_tb_s: {value: 1.6, source: [S2], confidence: estimate}\n";  // 6
  text += "    " + memory_gib_line + "\n";                                    // 7
  text += "    tdp_w: {value: 400, source: [S2], confidence: estimate}\n";    // 8
  return text;
}

// A valid GQA model; `replace` swaps one line (by its 1-based number) and
// `extra` is appended after line 13.
std::string Model(int replace_line = 0, const std::string& replacement = "",
                  const std::string& extra = "") {
  const char* lines[] = {
      "models:",                // 1
      "  - id: my-model",       // 2
      "    name: My model",     // 3
      "    layers: 32",         // 4
      "    hidden: 4096",       // 5
      "    heads: 32",          // 6
      "    kv_heads: 8",        // 7
      "    head_dim: 128",      // 8
      "    ffn_hidden: 14336",  // 9
      "    mlp: swiglu",        // 10
      "    attention: gqa",     // 11
      "    vocab: 32000",       // 12
      "    max_seq_len: 4096",  // 13
  };
  std::string out;
  for (int i = 0; i < 13; ++i) {
    out += (i + 1 == replace_line ? "    " + replacement : std::string(lines[i])) + "\n";
  }
  return out + extra;
}

TEST(YamlErrorsTest, BaselinesAreValid) {
  // The literals below differ from these in one place only.
  Catalog c;
  auto r = c.MergeYaml(
      ChipWithMemory("memory_gib: {value: 64, source: [S2], confidence: official}"), kFile);
  EXPECT_TRUE(r) << r.error().ToString();
  auto m = c.MergeYaml(Model(), kFile);
  EXPECT_TRUE(m) << m.error().ToString();
  ASSERT_EQ(c.chips().size(), 1u);
  EXPECT_DOUBLE_EQ(*c.chips()[0].memory_gib.value, 64);
  ASSERT_EQ(c.models().size(), 1u);
  EXPECT_EQ(c.models()[0].kv_heads, 8);
}

TEST(YamlErrorsTest, MalformedYamlUnclosedBracket) {
  const std::string text =
      "chips:\n"              // 1
      "  - id: my-npu\n"      // 2
      "    aliases: [a, b\n"  // 3  <- "[" never closed
      "    name: My NPU\n";   // 4
  const Error e = MergeError(text);
  EXPECT_EQ(e.file, kFile);
  // The bracket opens on line 3; a parser can only notice on line 4, where a
  // mapping key appears inside the flow sequence. Either line is useful.
  EXPECT_GE(e.line, 3) << e.ToString();
  EXPECT_LE(e.line, 4) << e.ToString();
  EXPECT_FALSE(e.message.empty());
}

TEST(YamlErrorsTest, MalformedYamlUnclosedBracketAtEndPointsInsideTheFile) {
  const std::string text =
      "chips:\n"               // 1
      "  - id: my-npu\n"       // 2
      "    name: My NPU\n"     // 3
      "    aliases: [a, b\n";  // 4  <- "[" never closed; the file has 4 lines
  const Error e = MergeError(text);
  EXPECT_EQ(e.file, kFile);
  // The error must point at a line that exists (1..4), ideally the bracket's.
  EXPECT_GE(e.line, 1) << e.ToString();
  EXPECT_LE(e.line, 4) << e.ToString();
}

TEST(YamlErrorsTest, UnknownFieldTypo) {
  const Error e = MergeError(Model(5, "hiden: 4096"));  // line 5
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 5);
  EXPECT_EQ(e.field, "models[0].hiden");
  EXPECT_TRUE(Contains(e.message, "unknown field")) << e.message;
  // The list of expected fields contains the intended one.
  EXPECT_TRUE(Contains(e.message, "hidden")) << e.message;
}

// The overlapped exchange's library rates (training.ep_overlap_*_gb_s): not negative.
TEST(YamlErrorsTest, OverlapLibraryRatesAreChecked) {
  const Error e = MergeError(
      "training:\n"                          // 1
      "  ep_overlap_dispatch_gb_s: 400\n"    // 2
      "  ep_overlap_combine_gb_s: -190\n");  // 3
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 3) << e.ToString();
  EXPECT_EQ(e.field, "training.ep_overlap_combine_gb_s") << e.ToString();
  Catalog c;
  ASSERT_TRUE(c.MergeYaml("training:\n  ep_overlap_dispatch_gb_s: 300\n", kFile));
  EXPECT_DOUBLE_EQ(c.training_calibration().ep_overlap_dispatch_gb_s, 300);
}

// The plain exchange's dispatcher rates (training.ep_dispatch_gb_s, ep_combine_gb_s) likewise.
TEST(YamlErrorsTest, PlainDispatcherRatesAreChecked) {
  const Error e = MergeError(
      "training:\n"                   // 1
      "  ep_dispatch_gb_s: -520\n");  // 2
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 2) << e.ToString();
  EXPECT_EQ(e.field, "training.ep_dispatch_gb_s") << e.ToString();
  Catalog c;
  ASSERT_TRUE(c.MergeYaml("training:\n  ep_combine_gb_s: 450\n", kFile));
  EXPECT_DOUBLE_EQ(c.training_calibration().ep_combine_gb_s, 450);
}

// The rates by EP size (training.ep_exchange_by_ep): each entry's fields checked, the sizes in
// increasing order.
TEST(YamlErrorsTest, PlainDispatcherRatesByEpAreChecked) {
  Error e = MergeError(
      "training:\n"                                               // 1
      "  ep_exchange_by_ep:\n"                                    // 2
      "    - {ep: 8, dispatch_gb_s: 703, combine_gb_s: 733}\n"    // 3
      "    - {ep: 8, dispatch_gb_s: 595, combine_gb_s: 593}\n");  // 4
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 4) << e.ToString();
  EXPECT_EQ(e.field, "training.ep_exchange_by_ep[1].ep") << e.ToString();
  e = MergeError(
      "training:\n"                                             // 1
      "  ep_exchange_by_ep:\n"                                  // 2
      "    - {ep: 8, dispatch_gb_s: 0, combine_gb_s: 733}\n");  // 3
  EXPECT_EQ(e.line, 3) << e.ToString();
  EXPECT_EQ(e.field, "training.ep_exchange_by_ep[0].dispatch_gb_s") << e.ToString();
  e = MergeError("training:\n  ep_exchange_by_ep: 520\n");
  EXPECT_EQ(e.line, 2) << e.ToString();
  EXPECT_EQ(e.field, "training.ep_exchange_by_ep") << e.ToString();
  Catalog c;
  ASSERT_TRUE(c.MergeYaml(
      "training:\n  ep_exchange_by_ep:\n    - {ep: 4, dispatch_gb_s: 600, combine_gb_s: 610}\n",
      kFile));
  ASSERT_EQ(c.training_calibration().ep_exchange_by_ep.size(), 1u);
  EXPECT_EQ(c.training_calibration().ep_exchange_by_ep[0].ep, 4);
  EXPECT_DOUBLE_EQ(c.training_calibration().ep_exchange_by_ep[0].combine_gb_s, 610);
}

// A model's pre-training length (the training default): within the model's context, with a
// source; no other key.
TEST(YamlErrorsTest, PretrainingRecipeIsChecked) {
  Error e = MergeError(Model(0, "", "    pretraining: {seq_len: 8192, source: x}\n"));  // 14
  EXPECT_EQ(e.line, 14);
  EXPECT_EQ(e.field, "models[0].pretraining.seq_len") << e.ToString();
  e = MergeError(Model(0, "", "    pretraining: {seq_len: 2048}\n"));
  EXPECT_EQ(e.field, "models[0].pretraining.source") << e.ToString();
  e = MergeError(Model(0, "", "    pretraining: {seq_len: 2048, batch: 4M, source: x}\n"));
  EXPECT_EQ(e.field, "models[0].pretraining.batch") << e.ToString();
  // The schedule is one `train --schedule` has.
  e = MergeError(Model(0, "", "    pretraining: {seq_len: 2048, schedule: zb-v, source: x}\n"));
  EXPECT_EQ(e.line, 14);
  EXPECT_EQ(e.field, "models[0].pretraining.schedule") << e.ToString();
  EXPECT_TRUE(Contains(e.message, "dualpipe")) << e.message;
  Catalog c;
  ASSERT_TRUE(c.MergeYaml(Model(0, "", "    pretraining: {seq_len: 2048, source: x}\n"), kFile));
  auto found = c.FindModel("my-model");
  ASSERT_TRUE(found && (*found)->pretraining);
  EXPECT_EQ((*found)->pretraining->seq_len, 2048);
}

TEST(YamlErrorsTest, BareNumberInsteadOfValueRecord) {
  const Error e = MergeError(ChipWithMemory("memory_gib: 80"));
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 7);
  EXPECT_EQ(e.field, "chips[0].memory_gib");
  // Says what is expected instead: a record with value and source.
  EXPECT_TRUE(Contains(e.message, "value")) << e.message;
  EXPECT_TRUE(Contains(e.message, "source")) << e.message;
}

TEST(YamlErrorsTest, KnownValueWithoutSource) {
  const Error e = MergeError(ChipWithMemory("memory_gib: {value: 80, confidence: official}"));
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 7);
  EXPECT_TRUE(Contains(e.field, "memory_gib")) << e.field;
  EXPECT_TRUE(Contains(e.field + " " + e.message, "source")) << e.ToString();
}

TEST(YamlErrorsTest, UnknownConfidenceWord) {
  const Error e =
      MergeError(ChipWithMemory("memory_gib: {value: 80, source: [S2], confidence: sure}"));
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 7);
  EXPECT_EQ(e.field, "chips[0].memory_gib.confidence");
  EXPECT_TRUE(Contains(e.message, "sure")) << e.message;
  // Lists the accepted words (docs/catalog-schema.md).
  EXPECT_TRUE(Contains(e.message, "official")) << e.message;
  EXPECT_TRUE(Contains(e.message, "rumoured")) << e.message;
}

TEST(YamlErrorsTest, NegativeMemory) {
  const Error e =
      MergeError(ChipWithMemory("memory_gib: {value: -80, source: [S2], confidence: official}"));
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 7);
  EXPECT_TRUE(Contains(e.field, "memory_gib")) << e.field;
  EXPECT_TRUE(Contains(e.message, "-80")) << e.message;
}

// A chip's SM count (the per-SM memory bound's multiplier) is a whole part of at least one.
TEST(YamlErrorsTest, SmCountOutOfRange) {
  const Error e =
      MergeError(ChipWithMemory("sm_count: {value: 0, source: [S2], confidence: official}"));
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 7);
  EXPECT_TRUE(Contains(e.field, "sm_count")) << e.field;
}

// A part's own serving step cost is a time: none (0) or more, never negative.
TEST(YamlErrorsTest, NegativeChipStepOverhead) {
  const Error e = MergeError(
      ChipWithMemory("serving_step_overhead_ms: {value: -1, source: [S2], confidence: reported}"));
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 7);
  EXPECT_TRUE(Contains(e.field, "serving_step_overhead_ms")) << e.field;
  EXPECT_TRUE(Contains(e.message, "-1")) << e.message;
}

// The graphs-on harness step is a time as well: a negative one names its line and field.
TEST(YamlErrorsTest, NegativeChipGraphStepOverhead) {
  const Error e = MergeError(ChipWithMemory(
      "serving_graph_step_overhead_ms: {value: -6.8, source: [S2], confidence: reported}"));
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 7);
  EXPECT_TRUE(Contains(e.field, "serving_graph_step_overhead_ms")) << e.field;
  EXPECT_TRUE(Contains(e.message, "-6.8")) << e.message;
}

// A part's NVFP4 GEMM shape law: both overheads are elements of a GEMM's reduction or width (0 or
// more), and they are one fit, so one without the other names the line and asks for both.
TEST(YamlErrorsTest, Fp4GemmShapeLawIsBothOverheadsNeverNegative) {
  Error e = MergeError(
      ChipWithMemory("fp4_gemm_k_overhead: {value: -3500, source: [S2], confidence: reported}\n"
                     "    fp4_gemm_n_overhead: {value: 4640, source: [S2], confidence: reported}"));
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 7);
  EXPECT_TRUE(Contains(e.field, "fp4_gemm_k_overhead")) << e.field;
  e = MergeError(
      ChipWithMemory("fp4_gemm_n_overhead: {value: 4640, source: [S2], confidence: reported}"));
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 7);
  EXPECT_TRUE(Contains(e.field, "fp4_gemm_n_overhead")) << e.field;
  EXPECT_TRUE(Contains(e.message, "give both")) << e.message;
}

// A part's MXFP8 attention law is one fit of four terms: three of them name the first given field
// at its line and the missing one; a negative term names itself.
TEST(YamlErrorsTest, Mxfp8AttentionLawIsAllFourTerms) {
  Catalog c;
  ASSERT_TRUE(c.MergeYaml(
      ChipWithMemory(
          "mxfp8_sdpa_fwd_ps_per_score: {value: 0.18, source: [S2], confidence: reported}\n"
          "    mxfp8_sdpa_fwd_ns_per_query: {value: 0.115, source: [S2], confidence: reported}\n"
          "    mxfp8_sdpa_bwd_ps_per_score: {value: 0.745, source: [S2], confidence: reported}\n"
          "    mxfp8_sdpa_bwd_ns_per_query: {value: 0.745, source: [S2], confidence: reported}"),
      kFile));
  Error e = MergeError(ChipWithMemory(
      "mxfp8_sdpa_fwd_ps_per_score: {value: 0.18, source: [S2], confidence: reported}\n"
      "    mxfp8_sdpa_bwd_ps_per_score: {value: 0.745, source: [S2], "
      "confidence: reported}\n"
      "    mxfp8_sdpa_bwd_ns_per_query: {value: 0.745, source: [S2], "
      "confidence: reported}"));
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 7);
  EXPECT_TRUE(Contains(e.field, "mxfp8_sdpa_fwd_ps_per_score")) << e.field;
  EXPECT_TRUE(Contains(e.message, "mxfp8_sdpa_fwd_ns_per_query")) << e.message;
  e = MergeError(ChipWithMemory(
      "mxfp8_sdpa_bwd_ns_per_query: {value: -0.7, source: [S2], confidence: reported}"));
  EXPECT_EQ(e.line, 7);
  EXPECT_TRUE(Contains(e.field, "mxfp8_sdpa_bwd_ns_per_query")) << e.field;
}

TEST(YamlErrorsTest, NonIntegerLayers) {
  const Error e = MergeError(Model(4, "layers: 32.5"));  // line 4
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 4);
  EXPECT_EQ(e.field, "models[0].layers");
  EXPECT_TRUE(Contains(e.message, "whole")) << e.message;
}

TEST(YamlErrorsTest, KvHeadsMustDivideHeads) {
  // 32 heads cannot be shared evenly by 5 KV heads (32 = 6 x 5 + 2).
  const Error e = MergeError(Model(7, "kv_heads: 5"));  // line 7
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 7);
  EXPECT_EQ(e.field, "models[0].kv_heads");
  EXPECT_TRUE(Contains(e.message, "5")) << e.message;
  EXPECT_TRUE(Contains(e.message, "32")) << e.message;
}

TEST(YamlErrorsTest, TopKExceedsRoutedExperts) {
  // A token cannot be routed to 9 distinct experts out of 8.
  const Error e = MergeError(Model(0, "",
                                   "    moe:\n"                   // 14
                                   "      routed_experts: 8\n"    // 15
                                   "      top_k: 9\n"             // 16
                                   "      expert_ffn: 1024\n"));  // 17
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 16);
  EXPECT_EQ(e.field, "models[0].moe.top_k");
  EXPECT_TRUE(Contains(e.message, "9")) << e.message;
  EXPECT_TRUE(Contains(e.message, "8")) << e.message;
}

// Routing groups split the routed experts evenly and need the groups a token picks from.
TEST(YamlErrorsTest, RoutingGroupsAreChecked) {
  Error e = MergeError(Model(0, "",
                             "    moe:\n"                      // 14
                             "      routed_experts: 256\n"     // 15
                             "      top_k: 8\n"                // 16
                             "      expert_ffn: 2048\n"        // 17
                             "      max_nodes_per_token: 4\n"  // 18
                             "      routing_groups: 7\n"));    // 19
  EXPECT_EQ(e.line, 19) << e.ToString();
  EXPECT_EQ(e.field, "models[0].moe.routing_groups") << e.ToString();
  EXPECT_TRUE(Contains(e.message, "does not divide")) << e.message;
  e = MergeError(Model(0, "",
                       "    moe:\n"                    // 14
                       "      routed_experts: 256\n"   // 15
                       "      top_k: 8\n"              // 16
                       "      expert_ffn: 2048\n"      // 17
                       "      routing_groups: 8\n"));  // 18
  EXPECT_EQ(e.line, 18) << e.ToString();
  EXPECT_TRUE(Contains(e.message, "max_nodes_per_token")) << e.message;
}

TEST(YamlErrorsTest, CheckpointFormatsAreNamed) {
  // An unknown format, named at its line.
  Error e = MergeError(Model(0, "",
                             "    checkpoints:\n"                                  // 14
                             "      - {dtype: fp6, source: \"config.json\"}\n"));  // 15
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 15) << e.ToString();
  EXPECT_EQ(e.field, "models[0].checkpoints[0].dtype");
  EXPECT_TRUE(Contains(e.message, "fp6")) << e.message;
  // Experts in another format on a dense model.
  e = MergeError(
      Model(0, "",
            "    checkpoints:\n"                                                      // 14
            "      - {dtype: bf16, expert_dtype: fp4, source: \"config.json\"}\n"));  // 15
  EXPECT_EQ(e.field, "models[0].checkpoints[0].expert_dtype");
  EXPECT_TRUE(Contains(e.message, "MoE")) << e.message;
  // A variant without the names that select it.
  e = MergeError(Model(0, "",
                       "    checkpoints:\n"                                  // 14
                       "      - {dtype: fp8, source: \"config.json\"}\n"     // 15
                       "      - {dtype: int4, source: \"model card\"}\n"));  // 16
  EXPECT_EQ(e.line, 16) << e.ToString();
  EXPECT_TRUE(Contains(e.message, "names")) << e.message;
  // FP8 block scales on a checkpoint without FP8 weights.
  e = MergeError(
      Model(0, "",
            "    checkpoints:\n"                                                           // 14
            "      - {dtype: bf16, weight_block_size: 128, source: \"config.json\"}\n"));  // 15
  EXPECT_EQ(e.line, 15) << e.ToString();
  EXPECT_EQ(e.field, "models[0].checkpoints[0].weight_block_size");
  EXPECT_TRUE(Contains(e.message, "fp8"))
      << e.message;  // A declared KV format no checkpoint declares (kv_cache_quant_algo is FP8 or
                     // INT8).
  e = MergeError(
      Model(0, "",
            "    checkpoints:\n"                                                     // 14
            "      - {dtype: fp8, kv_dtype: fp4, source: \"hf_quant_config\"}\n"));  // 15
  EXPECT_EQ(e.line, 15) << e.ToString();
  EXPECT_EQ(e.field, "models[0].checkpoints[0].kv_dtype");
  EXPECT_TRUE(Contains(e.message, "fp4")) << e.message;
}

TEST(YamlErrorsTest, MlaAttentionWithoutMlaMapping) {
  const Error e = MergeError(Model(11, "attention: mla"));  // line 11, no mla: mapping
  EXPECT_EQ(e.file, kFile);
  // A missing mapping has no line of its own: the error points at the entry
  // that lacks it, which starts on line 2.
  EXPECT_EQ(e.line, 2) << e.ToString();
  EXPECT_EQ(e.field, "models[0].mla");
  EXPECT_TRUE(Contains(e.message, "mla")) << e.message;
}

TEST(YamlErrorsTest, UpperCaseId) {
  const std::string text =
      "chips:\n"             // 1
      "  - id: my-npu\n"     // 2
      "    name: Fine\n"     // 3
      "  - id: H100X\n"      // 4  <- ids are lower case
      "    name: Shouty\n";  // 5
  const Error e = MergeError(text);
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 4);
  EXPECT_EQ(e.field, "chips[1].id");
  EXPECT_TRUE(Contains(e.message, "H100X")) << e.message;
  EXPECT_TRUE(Contains(e.message, "lower case")) << e.message;
}

TEST(YamlErrorsTest, DuplicateKeysAreErrors) {
  // A chip with two memory_gib entries used the first one silently.
  const Error e =
      MergeError(ChipWithMemory("memory_tb_s: {value: 3.2, source: [S2], "
                                "confidence: estimate}"));
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 7);
  EXPECT_EQ(e.field, "chips[0].memory_tb_s");
  EXPECT_TRUE(Contains(e.message, "duplicate key (first at line 6)")) << e.message;
  // A second top-level list was dropped.
  const Error top = MergeError(Model() + "models:\n  - id: other\n");
  EXPECT_EQ(top.field, "models");
  EXPECT_TRUE(Contains(top.message, "first at line 1")) << top.message;
  // Inside a value record too.
  const Error inner = MergeError(
      ChipWithMemory("memory_gib: {value: 80, value: 96, source: [S2], confidence: estimate}"));
  EXPECT_EQ(inner.line, 7);
  EXPECT_EQ(inner.field, "chips[0].memory_gib.value");
}

TEST(YamlErrorsTest, AnAliasUsedTwiceIsNotADuplicate) {
  Catalog c;
  auto r = c.MergeYaml(
      "sources:\n"
      "  - &src {id: S900, title: t, url: 'https://example.com'}\n"
      "chips:\n"
      "  - id: npu-a\n"
      "    name: A\n"
      "    vendor: Me\n"
      "    memory_gib: &mem {value: 64, source: [S900], confidence: estimate}\n"
      "  - id: npu-b\n"
      "    name: B\n"
      "    vendor: Me\n"
      "    memory_gib: *mem\n",
      kFile);
  EXPECT_TRUE(r) << r.error().ToString();
}

// An alias names the release as it is; "-fp8" in one would serve BF16 weights under an FP8 name.
TEST(YamlErrorsTest, AnAliasMayNotEndInAPrecisionSuffix) {
  Catalog c;
  ASSERT_TRUE(
      c.MergeYaml(Model(3, "name: My model\n    aliases: [my-model-v2, my-model-fp8]"), kFile));
  auto r = c.Validate();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().file, kFile);
  EXPECT_EQ(r.error().line, 2);  // the entry's `- id:` line
  EXPECT_EQ(r.error().field, "model my-model.aliases");
  EXPECT_NE(r.error().message.find("'my-model-fp8' ends in a precision suffix"), std::string::npos)
      << r.error().message;
  Catalog fine;
  ASSERT_TRUE(fine.MergeYaml(Model(3, "name: My model\n    aliases: [my-model-v2]"), kFile));
  EXPECT_TRUE(fine.Validate());
}

// A family's KV rules for a request naming no engine (kv_default_families) come from one engine,
// and never beside a default engine of that family (whose own rules apply): either error names the
// second entry's `- id:` line and the field.
TEST(YamlErrorsTest, KvDefaultFamiliesAreOnePerFamilyAndNotBesideADefaultEngine) {
  const std::string engines =
      "engines:\n"                              // 1
      "  - id: engine-a\n"                      // 2
      "    name: A\n"                           // 3
      "    kv_default_families: [blackwell]\n"  // 4
      "  - id: engine-b\n"                      // 5
      "    name: B\n";                          // 6
  Catalog twice;
  ASSERT_TRUE(twice.MergeYaml(engines + "    kv_default_families: [blackwell]\n", kFile));
  auto r = twice.Validate();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().file, kFile);
  EXPECT_EQ(r.error().line, 5);
  EXPECT_EQ(r.error().field, "engine engine-b.kv_default_families");
  EXPECT_TRUE(Contains(r.error().message, "one per family")) << r.error().message;
  Catalog beside;
  ASSERT_TRUE(beside.MergeYaml(engines + "    default_families: [blackwell]\n", kFile));
  r = beside.Validate();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().line, 2);
  EXPECT_EQ(r.error().field, "engine engine-a.kv_default_families");
  EXPECT_TRUE(Contains(r.error().message, "runs engine 'engine-b' by default"))
      << r.error().message;
  Catalog fine;
  ASSERT_TRUE(fine.MergeYaml(engines, kFile));
  EXPECT_TRUE(fine.Validate());
  ASSERT_EQ(fine.engines().size(), 2u);
  EXPECT_EQ(fine.engines()[0].kv_default_families, std::vector<std::string>{"blackwell"});
}

TEST(YamlErrorsTest, OneDocumentPerFile) {
  const Error e = MergeError(Model() + "---\nchips: []\n");  // 13 lines, then the `---`
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 14);
  EXPECT_TRUE(Contains(e.message, "more than one YAML document")) << e.message;
}

// yaml-cpp 0.7's LoadAll looped forever (allocating) on a ',' where a document starts; found by
// the catalog/scenario fuzz targets (tests/fuzz/corpus/*/regress-leading-comma).
TEST(YamlErrorsTest, StrayCommaIsASyntaxError) {
  Error e = MergeError(",");
  EXPECT_EQ(e.line, 1);
  EXPECT_TRUE(Contains(e.message, "unexpected ','")) << e.message;
  e = MergeError("# a catalog\n\n, 2027-09]\nchips: []\n");  // what the fuzzer found, cut
  EXPECT_EQ(e.line, 3);
  EXPECT_TRUE(Contains(e.message, "unexpected ','")) << e.message;
}

// yaml-cpp's own message for its nesting limit was "bad file" (reliability finding L5).
TEST(YamlErrorsTest, DeepNestingIsNamed) {
  const Error e = MergeError("chips: " + std::string(100000, '['));
  EXPECT_EQ(e.line, 1);
  EXPECT_TRUE(Contains(e.message, "nesting deeper than")) << e.message;
}

// Without head_dim a head is hidden / heads wide: 2 / 4 gave 0, unchecked (finding L6).
TEST(YamlErrorsTest, HeadDimFallbackMustBeWhole) {
  std::string text = Model(5, "hidden: 2");
  text.replace(text.find("    head_dim: 128\n"), 18, "");  // line 8 gone: 12 lines
  const Error e = MergeError(text);
  EXPECT_EQ(e.line, 2);  // the model
  EXPECT_EQ(e.field, "models[0].head_dim");
  EXPECT_TRUE(Contains(e.message, "hidden / heads = 2 / 32")) << e.message;
}

// export_status took any date and any status (finding L6); reports show the last as current.
TEST(YamlErrorsTest, ExportStatusDatesAndStatuses) {
  auto chip = [](const std::string& events) {
    return ChipWithMemory("memory_gib: {value: 64, source: [S2], confidence: official}") +
           "    export_status:\n" + events;  // events from line 10
  };
  const std::string ok =
      "      - {date: \"2023-10\", status: barred, source: [S2], "
      "confidence: reported}\n";
  Error e = MergeError(chip("      - {date: not-a-date, status: barred}\n"));
  EXPECT_EQ(e.line, 10);
  EXPECT_EQ(e.field, "chips[0].export_status[0].date");
  EXPECT_TRUE(Contains(e.message, "not a date")) << e.message;
  e = MergeError(chip("      - {date: 2023-02-30, status: barred}\n"));
  EXPECT_TRUE(Contains(e.message, "not a valid calendar date")) << e.message;
  e = MergeError(chip("      - {date: 2023-10, status: bogus}\n"));
  EXPECT_EQ(e.field, "chips[0].export_status[0].status");
  EXPECT_TRUE(Contains(e.message, "unknown status 'bogus'")) << e.message;
  e = MergeError(chip(ok + "      - {date: 2022-01-05, status: unrestricted}\n"));
  EXPECT_EQ(e.line, 11);
  EXPECT_EQ(e.field, "chips[0].export_status[1].date");
  EXPECT_TRUE(Contains(e.message, "oldest first")) << e.message;
}

TEST(YamlErrorsTest, TextMustBeUtf8) {
  const Error e = MergeError(ChipWithMemory("note: caf\xe9 au lait"));
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 7);
  EXPECT_TRUE(Contains(e.message, "not valid UTF-8 (byte 0xE9 at column 14)")) << e.message;
}

TEST(YamlErrorsTest, FailedMergeLeavesCatalogUnchanged) {
  Catalog c;
  ASSERT_TRUE(c.MergeYaml(Model(), "first.yaml"));
  // The first chip is fine, the second is not: neither may be added.
  const std::string text =
      "chips:\n"
      "  - id: ok-npu\n"
      "    name: OK\n"
      "  - id: bad-npu\n"
      "    name: Bad\n"
      "    memory_gib: 80\n";
  ASSERT_FALSE(c.MergeYaml(text, kFile));
  EXPECT_TRUE(c.chips().empty());
  EXPECT_EQ(c.models().size(), 1u);
  EXPECT_FALSE(c.FindChip("ok-npu"));
}

// data/model_error.yaml's cells: a wrong workload or kind names its line and field.
// An engine's weight-only MoE chain is a map of chip family to microseconds: a number, or a
// negative time, is an error naming the field and its line.
TEST(YamlErrorsTest, WeightOnlyMoeLayerTimesAreAMapOfFamilies) {
  const std::string head =
      "engines:\n"              // 1
      "  - id: my-engine\n"     // 2
      "    name: My engine\n";  // 3
  Catalog c;
  auto ok = c.MergeYaml(head + "    weight_only_moe_layer_us: {blackwell: 42}\n", kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  ASSERT_EQ(c.engines().size(), 1u);
  EXPECT_DOUBLE_EQ(c.engines()[0].weight_only_moe_layer_us.at("blackwell"), 42);
  Error e = MergeError(head + "    weight_only_moe_layer_us: 42\n");  // 4
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "weight_only_moe_layer_us")) << e.field;
  EXPECT_TRUE(Contains(e.message, "map of chip family")) << e.message;
  e = MergeError(head + "    weight_only_moe_layer_us: {blackwell: -1}\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "weight_only_moe_layer_us.blackwell")) << e.field;
}

// An engine's eager host launch time is a map of chip family to microseconds a layer pass: a bare
// number, or a negative time, is an error naming the field and its line.
TEST(YamlErrorsTest, EagerHostLayerTimesAreAMapOfFamilies) {
  const std::string head =
      "engines:\n"              // 1
      "  - id: my-engine\n"     // 2
      "    name: My engine\n";  // 3
  Catalog c;
  auto ok = c.MergeYaml(head + "    eager_host_layer_us: {blackwell: 1258}\n", kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  ASSERT_EQ(c.engines().size(), 1u);
  EXPECT_DOUBLE_EQ(c.engines()[0].eager_host_layer_us.at("blackwell"), 1258);
  Error e = MergeError(head + "    eager_host_layer_us: 1258\n");  // 4
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "eager_host_layer_us")) << e.field;
  EXPECT_TRUE(Contains(e.message, "map of chip family")) << e.message;
  e = MergeError(head + "    eager_host_layer_us: {blackwell: -1}\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "eager_host_layer_us.blackwell")) << e.field;
}

// The attention-data-parallel eager floor is a map of a backend the engine lists to a map of chip
// family to microseconds: another backend, a bare number or a negative time is an error naming
// its line and field.
TEST(YamlErrorsTest, AttentionDataParallelEagerFloorsNameListedBackends) {
  const std::string head =
      "engines:\n"                               // 1
      "  - id: my-engine\n"                      // 2
      "    name: My engine\n"                    // 3
      "    moe_backends: [cutlass, CuteDSL]\n";  // 4
  Catalog c;
  auto ok =
      c.MergeYaml(head + "    adp_eager_host_layer_us: {cutedsl: {blackwell: 2866}}\n", kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  ASSERT_EQ(c.engines().size(), 1u);
  EXPECT_DOUBLE_EQ(c.engines()[0].adp_eager_host_layer_us.at("cutedsl").at("blackwell"), 2866);
  Error e = MergeError(head + "    adp_eager_host_layer_us: {trtllm: {blackwell: 2866}}\n");  // 5
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 5);
  EXPECT_TRUE(Contains(e.field, "adp_eager_host_layer_us.trtllm")) << e.field;
  EXPECT_TRUE(Contains(e.message, "not in the engine's moe_backends")) << e.message;
  e = MergeError(head + "    adp_eager_host_layer_us: 2866\n");  // 5
  EXPECT_EQ(e.line, 5);
  EXPECT_TRUE(Contains(e.field, "adp_eager_host_layer_us")) << e.field;
  EXPECT_TRUE(Contains(e.message, "map of MoE backend")) << e.message;
  e = MergeError(head + "    adp_eager_host_layer_us: {cutedsl: {blackwell: -1}}\n");  // 5
  EXPECT_EQ(e.line, 5);
  EXPECT_TRUE(Contains(e.field, "adp_eager_host_layer_us.cutedsl.blackwell")) << e.field;
}

// A MoE backend's own chain names a backend the engine lists, with a map of chip family to
// microseconds; another backend, or a bad time, is an error naming its line and field.
TEST(YamlErrorsTest, MoeBackendChainsNameListedBackends) {
  const std::string head =
      "engines:\n"                              // 1
      "  - id: my-engine\n"                     // 2
      "    name: My engine\n"                   // 3
      "    moe_backends: [cutlass, TRTLLM]\n";  // 4
  Catalog c;
  auto ok = c.MergeYaml(head + "    moe_backend_layer_us: {trtllm: {blackwell: 40}}\n" +
                            "    moe_backend_max_expert_rows: 16\n",
                        kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  const auto& e = c.engines()[0];
  EXPECT_EQ(e.moe_backends, (std::vector<std::string>{"cutlass", "trtllm"}));
  EXPECT_DOUBLE_EQ(e.moe_backend_layer_us.at("trtllm").at("blackwell"), 40);
  EXPECT_DOUBLE_EQ(e.moe_backend_max_expert_rows, 16);
  Error err = MergeError(head + "    moe_backend_layer_us: {deepgemm: {blackwell: 40}}\n");  // 5
  EXPECT_EQ(err.line, 5);
  EXPECT_TRUE(Contains(err.field, "moe_backend_layer_us.deepgemm")) << err.field;
  EXPECT_TRUE(Contains(err.message, "not in the engine's moe_backends")) << err.message;
  err = MergeError(head + "    moe_backend_layer_us: {trtllm: {blackwell: -1}}\n");  // 5
  EXPECT_EQ(err.line, 5);
  EXPECT_TRUE(Contains(err.field, "moe_backend_layer_us.trtllm.blackwell")) << err.field;
}

// The backend an engine picks by architecture (TensorRT-LLM's AUTO) is one it lists, per chip
// family; another backend, or a family given no name, is an error naming its line and field.
TEST(YamlErrorsTest, AutoMoeBackendNamesListedBackends) {
  const std::string head =
      "engines:\n"                              // 1
      "  - id: my-engine\n"                     // 2
      "    name: My engine\n"                   // 3
      "    moe_backends: [cutlass, TRTLLM]\n";  // 4
  Catalog c;
  auto ok =
      c.MergeYaml(head + "    auto_moe_backend: {GptOssForCausalLM: {blackwell: TRTLLM}}\n", kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(c.engines()[0].auto_moe_backend.at("GptOssForCausalLM").at("blackwell"), "trtllm");
  Error err = MergeError(head + "    auto_moe_backend: {GptOssForCausalLM: {hopper: triton}}\n");
  EXPECT_EQ(err.line, 5);
  EXPECT_TRUE(Contains(err.field, "auto_moe_backend.GptOssForCausalLM.hopper")) << err.field;
  EXPECT_TRUE(Contains(err.message, "not in the engine's moe_backends")) << err.message;
  err = MergeError(head + "    auto_moe_backend: {GptOssForCausalLM: trtllm}\n");
  EXPECT_EQ(err.line, 5);
  EXPECT_TRUE(Contains(err.message, "map of chip family to backend")) << err.message;
  // The backends whose chain is charged for group-routed models only: listed ones.
  Catalog routed;
  ok = routed.MergeYaml(head + "    moe_backend_group_routed: [TRTLLM]\n", kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(routed.engines()[0].moe_backend_group_routed, (std::vector<std::string>{"trtllm"}));
  err = MergeError(head + "    moe_backend_group_routed: [deepgemm]\n");
  EXPECT_EQ(err.line, 5);
  EXPECT_TRUE(Contains(err.field, "moe_backend_group_routed")) << err.field;
}

// An engine with no backend choice names the backend its FP4 experts run through
// (fp4_moe_backend: vLLM's NVFP4 oracle takes FlashInfer's TRTLLM-gen MoE first, S4970), whose
// small-batch chain moe_backend_layer_us may then give; beside a moe_backends list it is an error
// naming its line, and a chain for a backend neither lists still is.
TEST(YamlErrorsTest, Fp4MoeBackendOfAnEngineWithoutBackendChoice) {
  const std::string head =
      "engines:\n"                      // 1
      "  - id: my-engine\n"             // 2
      "    name: My engine\n"           // 3
      "    fp4_moe_backend: TRTLLM\n";  // 4
  Catalog c;
  auto ok = c.MergeYaml(head + "    moe_backend_layer_us: {trtllm: {blackwell: 40}}\n" +
                            "    moe_backend_group_routed: [trtllm]\n",
                        kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  const auto& e = c.engines()[0];
  EXPECT_EQ(e.fp4_moe_backend, "trtllm");
  EXPECT_TRUE(e.moe_backends.empty());
  EXPECT_DOUBLE_EQ(e.moe_backend_layer_us.at("trtllm").at("blackwell"), 40);
  EXPECT_EQ(e.moe_backend_group_routed, (std::vector<std::string>{"trtllm"}));
  Error err = MergeError(head + "    moe_backend_layer_us: {cutlass: {blackwell: 109}}\n");  // 5
  EXPECT_EQ(err.line, 5);
  EXPECT_TRUE(Contains(err.field, "moe_backend_layer_us.cutlass")) << err.field;
  EXPECT_TRUE(Contains(err.message, "not in the engine's moe_backends")) << err.message;
  err = MergeError(
      "engines:\n"                             // 1
      "  - id: my-engine\n"                    // 2
      "    name: My engine\n"                  // 3
      "    moe_backends: [cutlass, trtllm]\n"  // 4
      "    fp4_moe_backend: trtllm\n");        // 5
  EXPECT_EQ(err.file, kFile);
  EXPECT_EQ(err.line, 5);
  EXPECT_TRUE(Contains(err.field, "fp4_moe_backend")) << err.field;
  EXPECT_TRUE(Contains(err.message, "takes no backend choice")) << err.message;
}

// The passes of an engine's NVFP4 MoE op per chip family (fp4_decode_token_passes: TensorRT-LLM
// 1.3's op tables, S4630): a map of family to a count in [0, 1e4]; a bad value names its line and
// the family's key, a number where the map belongs names the field.
TEST(YamlErrorsTest, Fp4DecodeTokenPassesByFamily) {
  const std::string head =
      "engines:\n"                      // 1
      "  - id: my-engine\n"             // 2
      "    name: My engine\n"           // 3
      "    decode_token_passes: 40\n";  // 4
  Catalog c;
  auto ok = c.MergeYaml(head + "    fp4_decode_token_passes: {blackwell: 8.3}\n", kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_DOUBLE_EQ(c.engines()[0].fp4_decode_token_passes.at("blackwell"), 8.3);
  EXPECT_DOUBLE_EQ(c.engines()[0].decode_token_passes, 40);
  for (const std::string bad : {"{blackwell: -1}", "{blackwell: 1e9}", "{blackwell: many}"}) {
    const Error err = MergeError(head + "    fp4_decode_token_passes: " + bad + "\n");
    EXPECT_EQ(err.file, kFile) << bad;
    EXPECT_EQ(err.line, 5) << bad;
    EXPECT_TRUE(Contains(err.field, "fp4_decode_token_passes.blackwell"))
        << bad << ": " << err.field;
  }
  const Error err = MergeError(head + "    fp4_decode_token_passes: 8.3\n");
  EXPECT_EQ(err.line, 5);
  EXPECT_TRUE(Contains(err.field, "fp4_decode_token_passes")) << err.field;
}

// An engine's decode attention rate an SM and the architectures it runs that kernel for
// (data/engines.yaml sglang: FlashAttention-3's paged decode at 13 GB/s an SM on Hopper for the
// Qwen3 / Llama / GLM checkpoints): a rate outside 0.1-1e4 GB/s, a rate that is not a number, a
// map where a list belongs, and a list item that is not text each name line 5 and the field.
TEST(YamlErrorsTest, DecodeKvRateAnSmAndItsArchitectures) {
  const std::string head =
      "engines:\n"              // 1
      "  - id: my-engine\n"     // 2
      "    name: My engine\n"   // 3
      "    max_num_seqs: 8\n";  // 4
  Catalog c;
  auto ok =
      c.MergeYaml(head +
                      "    decode_kv_sm_gb_s: {hopper: 13}\n"
                      "    decode_kv_sm_architectures: [Qwen3ForCausalLM, LlamaForCausalLM]\n",
                  kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_DOUBLE_EQ(c.engines()[0].decode_kv_sm_gb_s.at("hopper"), 13);
  EXPECT_EQ(c.engines()[0].decode_kv_sm_architectures,
            (std::vector<std::string>{"Qwen3ForCausalLM", "LlamaForCausalLM"}));
  for (const std::string bad : {"{hopper: 0}", "{hopper: 2e4}", "{hopper: fast}"}) {
    const Error err = MergeError(head + "    decode_kv_sm_gb_s: " + bad + "\n");
    EXPECT_EQ(err.file, kFile) << bad;
    EXPECT_EQ(err.line, 5) << bad;
    EXPECT_TRUE(Contains(err.field, "decode_kv_sm_gb_s.hopper")) << bad << ": " << err.field;
  }
  for (const std::string bad : {"{Qwen3ForCausalLM: 1}", "[[Qwen3ForCausalLM]]"}) {
    const Error err = MergeError(head + "    decode_kv_sm_architectures: " + bad + "\n");
    EXPECT_EQ(err.line, 5) << bad;
    EXPECT_TRUE(Contains(err.field, "decode_kv_sm_architectures")) << bad << ": " << err.field;
  }
}

TEST(YamlErrorsTest, ModelErrorCellsNameTheLine) {
  const std::string head =
      "model_errors:\n"                // 1
      "  source: \"held-out runs\"\n"  // 2
      "  cells:\n";                    // 3
  Error e = MergeError(head +
                       "    - {family: hopper, workload: training, kind: dense, cases: 4, "
                       "bias: 0, sigma: 0.1}\n"  // 4
                       "    - {family: hopper, workload: inference, kind: dense, cases: 4, "
                       "bias: 0, sigma: 0.1}\n");  // 5
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 5);
  EXPECT_EQ(e.field, "model_errors.cells[1].workload");
  EXPECT_TRUE(Contains(e.message, "training, training-searched or serving")) << e.message;
  e = MergeError(head +
                 "    - {family: hopper, workload: serving, kind: mixture, cases: 4, bias: 0, "
                 "sigma: 0.1}\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_EQ(e.field, "model_errors.cells[0].kind");
  e = MergeError(head +
                 "    - {family: hopper, workload: serving, kind: moe, cases: 4, bias: 0, "
                 "sigma: -0.1}\n");  // 4
  EXPECT_EQ(e.field, "model_errors.cells[0].sigma");
  EXPECT_TRUE(Contains(e.message, "out of range")) << e.message;
  // Without the section's source a cell needs its own.
  e = MergeError(
      "model_errors:\n"
      "  cells:\n"
      "    - {family: hopper, workload: serving, kind: moe, cases: 4, bias: 0, sigma: 0.1}\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.field, "model_errors.cells[0].source");
}

// A family's tensor rate an SM (the parts its kernel efficiencies were measured on) is a positive
// rate in TFLOPS: zero, a negative rate or text each name the line and the field.
TEST(YamlErrorsTest, TensorRateBySmIsAPositiveRate) {
  const std::string family =
      "families:\n"        // 1
      "  - id: hopper\n";  // 2
  for (const char* bad : {"0", "-7.49", "fast"}) {
    const Error e = MergeError(family + "    tensor_tflops_per_sm: " + bad + "\n");  // 3
    EXPECT_EQ(e.file, kFile) << bad;
    EXPECT_EQ(e.line, 3) << bad;
    EXPECT_TRUE(Contains(e.field, "tensor_tflops_per_sm")) << bad << ": " << e.field;
  }
}

// A family's 4-bit over 16-bit peak (the parts its FP4 GEMM efficiency was measured on) is a
// positive ratio: zero, a negative ratio or text each name the line and the field.
TEST(YamlErrorsTest, Fp4Over16BitPeakIsAPositiveRatio) {
  const std::string family =
      "families:\n"           // 1
      "  - id: blackwell\n";  // 2
  for (const char* bad : {"0", "-4", "fast"}) {
    const Error e = MergeError(family + "    fp4_over_16bit_peak: " + bad + "\n");  // 3
    EXPECT_EQ(e.file, kFile) << bad;
    EXPECT_EQ(e.line, 3) << bad;
    EXPECT_TRUE(Contains(e.field, "fp4_over_16bit_peak")) << bad << ": " << e.field;
  }
}

// The Triton fused_moe kernel's rate is a family's (a fraction of the 16-bit peak and a tile
// overhead in reduction elements), and an engine only lists the families it runs the kernel on:
// a fraction above 1, a negative overhead, a map of rates where the engine's list belongs, and
// the engine-level rate fields this replaced each name the line and field.
TEST(YamlErrorsTest, TritonMoeRateIsTheFamilysAndTheEngineListsFamilies) {
  const std::string family =
      "families:\n"                                                          // 1
      "  - id: hopper\n";                                                    // 2
  Error e = MergeError(family + "    triton_moe_matmul_efficiency: 1.5\n");  // 3
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 3);
  EXPECT_TRUE(Contains(e.field, "triton_moe_matmul_efficiency")) << e.field;
  EXPECT_TRUE(Contains(e.message, "out of range")) << e.message;
  e = MergeError(family + "    triton_moe_tile_k_overhead: -5\n");  // 3
  EXPECT_EQ(e.line, 3);
  EXPECT_TRUE(Contains(e.field, "triton_moe_tile_k_overhead")) << e.field;
  e = MergeError(family + "    triton_moe_block_fp8_matmul_efficiency: 0\n");  // 3
  EXPECT_EQ(e.line, 3);
  EXPECT_TRUE(Contains(e.field, "triton_moe_block_fp8_matmul_efficiency")) << e.field;
  EXPECT_TRUE(Contains(e.message, "out of range")) << e.message;
  e = MergeError(family + "    fp8_sparse_mla_decode_efficiency: 1.5\n");  // 3
  EXPECT_EQ(e.line, 3);
  EXPECT_TRUE(Contains(e.field, "fp8_sparse_mla_decode_efficiency")) << e.field;
  EXPECT_TRUE(Contains(e.message, "out of range")) << e.message;
  e = MergeError(family + "    fp8_sparse_mla_decode_head_cluster: -64\n");  // 3
  EXPECT_EQ(e.line, 3);
  EXPECT_TRUE(Contains(e.field, "fp8_sparse_mla_decode_head_cluster")) << e.field;
  const std::string engine =
      "engines:\n"                                                      // 1
      "  - id: my-engine\n"                                             // 2
      "    name: My engine\n";                                          // 3
  e = MergeError(engine + "    triton_moe_families: {hopper: 0.8}\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "triton_moe_families")) << e.field;
  EXPECT_TRUE(Contains(e.message, "list")) << e.message;
  for (const char* gone :
       {"moe_matmul_efficiency", "moe_tile_k_overhead", "fp8_moe_matmul_efficiency"}) {
    e = MergeError(engine + "    " + gone + ": {hopper: 0.8}\n");  // 4
    EXPECT_EQ(e.line, 4) << gone;
    EXPECT_TRUE(Contains(e.field, gone)) << e.field;
  }
}

// An engine's decode-GEMM rates an SM are maps of chip family to GB/s: a bare number, or a rate of
// zero, each name the line and field.
TEST(YamlErrorsTest, EngineGemmRateAnSmFields) {
  const std::string head =
      "engines:\n"                                               // 1
      "  - id: my-engine\n"                                      // 2
      "    name: My engine\n";                                   // 3
  Error e = MergeError(head + "    bf16_gemm_sm_gb_s: 18.4\n");  // 4
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "bf16_gemm_sm_gb_s")) << e.field;
  EXPECT_TRUE(Contains(e.message, "map")) << e.message;
  e = MergeError(head + "    fp8_gemm_sm_gb_s: {hopper: 0}\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "fp8_gemm_sm_gb_s")) << e.field;
  EXPECT_TRUE(Contains(e.field, "hopper")) << e.field;
}

// An engine's FP8 activation-quantization time a layer is a map of chip family to microseconds,
// none negative: the file, line and field (with the family) are named.
TEST(YamlErrorsTest, EngineFp8QuantLayerUsIsAFamilyMapOfMicroseconds) {
  const std::string head =
      "engines:\n"                                                // 1
      "  - id: my-engine\n"                                       // 2
      "    name: My engine\n";                                    // 3
  Error e = MergeError(head + "    fp8_quant_layer_us: 13.4\n");  // 4
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "fp8_quant_layer_us")) << e.field;
  EXPECT_TRUE(Contains(e.message, "map")) << e.message;
  e = MergeError(head + "    fp8_quant_layer_us: {hopper: -1}\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "fp8_quant_layer_us")) << e.field;
  EXPECT_TRUE(Contains(e.field, "hopper")) << e.field;
}

// An engine's decode batch buckets name a strategy the model prices (exponential, vLLM-Gaudi's
// default): another names the line and field and says what is expected.
TEST(YamlErrorsTest, EngineDecodeBatchBuckets) {
  const std::string head =
      "engines:\n"                                                    // 1
      "  - id: my-engine\n"                                           // 2
      "    name: My engine\n";                                        // 3
  Error e = MergeError(head + "    decode_batch_buckets: linear\n");  // 4
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "decode_batch_buckets")) << e.field;
  EXPECT_TRUE(Contains(e.message, "expected exponential")) << e.message;
}

// An engine's memory-reserve rule (SGLang's mem_fraction_static, session 30) is a map of named
// terms to MiB: a term the rule does not have, or a bare number, each name the line and field.
TEST(YamlErrorsTest, EngineMemoryReserveTerms) {
  const std::string head =
      "engines:\n"                                                                      // 1
      "  - id: my-engine\n"                                                             // 2
      "    name: My engine\n";                                                          // 3
  Error e = MergeError(head + "    memory_reserve_mib: {base: 512, graph_slot: 2}\n");  // 4
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "memory_reserve_mib")) << e.field;
  EXPECT_TRUE(Contains(e.message, "graph_slot")) << e.message;
  EXPECT_TRUE(Contains(e.message, "prompt_token")) << e.message;
  e = MergeError(head + "    memory_reserve_mib: 512\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.message, "map")) << e.message;
}

// The Ascend decode fields (session 28): the exchange time per decode token is a map of chip
// family to microseconds, the decode routing and the graph's tensor-parallel-only MoE are yes or
// no; a bare number, a negative time or a word each name the line and field.
TEST(YamlErrorsTest, EngineDecodeRoutingAndEpTokenFields) {
  const std::string head =
      "engines:\n"              // 1
      "  - id: my-engine\n"     // 2
      "    name: My engine\n";  // 3
  Catalog c;
  auto ok = c.MergeYaml(head +
                            "    ep_moe_token_us: {ascend-910: 2.9}\n"
                            "    moe_decode_routing: true\n"
                            "    moe_tp_only_in_graph: true\n"
                            "    expert_parallel_opt_in: true\n",
                        kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  ASSERT_EQ(c.engines().size(), 1u);
  EXPECT_DOUBLE_EQ(c.engines()[0].ep_moe_token_us.at("ascend-910"), 2.9);
  EXPECT_TRUE(c.engines()[0].moe_decode_routing);
  EXPECT_TRUE(c.engines()[0].moe_tp_only_in_graph);
  EXPECT_TRUE(c.engines()[0].expert_parallel_opt_in);
  Error e = MergeError(head + "    ep_moe_token_us: 2.9\n");  // 4
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "ep_moe_token_us")) << e.field;
  EXPECT_TRUE(Contains(e.message, "map of chip family")) << e.message;
  e = MergeError(head + "    ep_moe_token_us: {ascend-910: -1}\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "ep_moe_token_us.ascend-910")) << e.field;
  e = MergeError(head + "    moe_decode_routing: sometimes\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "moe_decode_routing")) << e.field;
  e = MergeError(head + "    moe_tp_only_in_graph: 3\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "moe_tp_only_in_graph")) << e.field;
  e = MergeError(head + "    expert_parallel_opt_in: when-asked\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "expert_parallel_opt_in")) << e.field;
}

// A scale-up tier's in-switch reduction rate (in_network_efficiency) is a fraction of its
// bandwidth and only means something where the switch reduces: read where given, a value above
// 1 or one on a tier without in_network_reduction names the line and field.
TEST(YamlErrorsTest, InNetworkEfficiencyNeedsInNetworkReduction) {
  auto system = [](const std::string& reduction_line, const std::string& efficiency_line) {
    return std::string(
               "systems:\n"                   // 1
               "  - id: my-node\n"            // 2
               "    name: My node\n"          // 3
               "    chip: h100\n"             // 4
               "    chips_per_node: 8\n"      // 5
               "    scale_up:\n"              // 6
               "      domain_chips: 8\n"      // 7
               "      bandwidth_gb_s: 450\n"  // 8
               "      latency_us: 3\n"        // 9
               "      efficiency: 0.8\n") +   // 10
           "      " +
           reduction_line + "\n" +                                                   // 11
           "      " + efficiency_line + "\n" +                                       // 12
           "    scale_out: {bandwidth_gb_s: 50, latency_us: 8, efficiency: 0.8}\n";  // 13
  };
  Catalog c;
  auto ok = c.MergeYaml(system("in_network_reduction: true", "in_network_efficiency: 0.6"), kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  ASSERT_EQ(c.systems().size(), 1u);
  ASSERT_TRUE(c.systems()[0].scale_up.in_network_efficiency.has_value());
  EXPECT_DOUBLE_EQ(*c.systems()[0].scale_up.in_network_efficiency, 0.6);
  Error e = MergeError(system("in_network_reduction: false", "in_network_efficiency: 0.6"));
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 12);
  EXPECT_TRUE(Contains(e.field, "scale_up.in_network_efficiency")) << e.field;
  EXPECT_TRUE(Contains(e.message, "in_network_reduction")) << e.message;
  e = MergeError(system("in_network_reduction: true", "in_network_efficiency: 1.5"));
  EXPECT_EQ(e.line, 12);
  EXPECT_TRUE(Contains(e.field, "in_network_efficiency")) << e.field;
}

// A scale-out tier's low-latency MoE exchange (moe_ll_layer_us by node count, with
// moe_ll_efficiency): read where given; a node count below 2, a key that is not a whole number,
// a negative time, a table without its efficiency or an efficiency without its table each name
// the line and field.
TEST(YamlErrorsTest, ScaleOutLowLatencyExchangeFields) {
  auto system = [](const std::string& table_line, const std::string& efficiency_line) {
    return std::string(
               "systems:\n"               // 1
               "  - id: my-node\n"        // 2
               "    name: My node\n"      // 3
               "    chip: h100\n"         // 4
               "    chips_per_node: 8\n"  // 5
               "    scale_up: {domain_chips: 8, bandwidth_gb_s: 450, latency_us: 3, "
               "efficiency: 0.8}\n"          // 6
               "    scale_out:\n"            // 7
               "      bandwidth_gb_s: 50\n"  // 8
               "      latency_us: 8\n"       // 9
               "      efficiency: 0.8\n") +  // 10
           "      " +
           table_line + "\n" +                 // 11
           "      " + efficiency_line + "\n";  // 12
  };
  Catalog c;
  auto ok =
      c.MergeYaml(system("moe_ll_layer_us: {2: 44.4, 4: 52.1}", "moe_ll_efficiency: 0.92"), kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  ASSERT_EQ(c.systems().size(), 1u);
  const auto& out = c.systems()[0].scale_out;
  ASSERT_EQ(out.moe_ll_layer_us.size(), 2u);
  EXPECT_DOUBLE_EQ(out.moe_ll_layer_us.at(4), 52.1);
  EXPECT_DOUBLE_EQ(out.moe_ll_efficiency, 0.92);
  Error e = MergeError(system("moe_ll_layer_us: {1: 20, 4: 52.1}", "moe_ll_efficiency: 0.92"));
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 11);
  EXPECT_TRUE(Contains(e.field, "scale_out.moe_ll_layer_us.1")) << e.field;
  EXPECT_TRUE(Contains(e.message, "2 or more")) << e.message;
  e = MergeError(system("moe_ll_layer_us: {two: 44.4}", "moe_ll_efficiency: 0.92"));
  EXPECT_EQ(e.line, 11);
  EXPECT_TRUE(Contains(e.message, "whole number")) << e.message;
  e = MergeError(system("moe_ll_layer_us: {2: -1}", "moe_ll_efficiency: 0.92"));
  EXPECT_EQ(e.line, 11);
  EXPECT_TRUE(Contains(e.field, "moe_ll_layer_us.2")) << e.field;
  e = MergeError(system("moe_ll_layer_us: 44.4", "moe_ll_efficiency: 0.92"));
  EXPECT_EQ(e.line, 11);
  EXPECT_TRUE(Contains(e.message, "mapping of node count")) << e.message;
  e = MergeError(system("moe_ll_layer_us: {2: 44.4}", "in_network_reduction: false"));
  EXPECT_EQ(e.line, 11);
  EXPECT_TRUE(Contains(e.message, "needs moe_ll_efficiency")) << e.message;
  e = MergeError(system("in_network_reduction: false", "moe_ll_efficiency: 0.92"));
  EXPECT_EQ(e.line, 12);
  EXPECT_TRUE(Contains(e.field, "scale_out.moe_ll_efficiency")) << e.field;
  e = MergeError(system("moe_ll_layer_us: {2: 44.4}", "moe_ll_efficiency: 1.5"));
  EXPECT_EQ(e.line, 12);
  EXPECT_TRUE(Contains(e.field, "moe_ll_efficiency")) << e.field;
}

// A scale-up tier's low-latency MoE exchange inside the domain (moe_ll_fixed_us, the kernel
// pair's fixed time a MoE layer): read where given, 0 where not; a negative or absurd time names
// the line and field.
TEST(YamlErrorsTest, ScaleUpLowLatencyExchangeFixedTime) {
  auto system = [](const std::string& fixed) {
    return std::string(
               "systems:\n"                   // 1
               "  - id: my-rack\n"            // 2
               "    name: My rack\n"          // 3
               "    chip: b200\n"             // 4
               "    chips_per_node: 4\n"      // 5
               "    scale_up:\n"              // 6
               "      domain_chips: 72\n"     // 7
               "      bandwidth_gb_s: 900\n"  // 8
               "      latency_us: 3\n"        // 9
               "      efficiency: 0.8\n"      // 10
               "      ") +
           fixed + "\n" +  // 11
           "    scale_out: {bandwidth_gb_s: 50, latency_us: 8, efficiency: 0.8}\n";
  };
  Catalog c;
  auto ok = c.MergeYaml(system("moe_ll_fixed_us: 32.7"), kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  ASSERT_EQ(c.systems().size(), 1u);
  EXPECT_DOUBLE_EQ(c.systems()[0].scale_up.moe_ll_fixed_us, 32.7);
  EXPECT_EQ(c.systems()[0].scale_out.moe_ll_fixed_us, 0);
  for (const std::string bad :
       {"moe_ll_fixed_us: -1", "moe_ll_fixed_us: 1e9", "moe_ll_fixed_us: fast"}) {
    Error e = MergeError(system(bad));
    EXPECT_EQ(e.file, kFile) << bad;
    EXPECT_EQ(e.line, 11) << bad;
    EXPECT_TRUE(Contains(e.field, "scale_up.moe_ll_fixed_us")) << bad << ": " << e.field;
  }
}

// The group size the scale-up low-latency fixed time was measured at and its growth a doubling
// beyond it (moe_ll_fixed_ranks, moe_ll_fixed_us_per_doubling): read where given, 0 where not; a
// size below 1, a fraction of a rank, a negative growth, a growth with no size to grow from, or
// either with no moe_ll_fixed_us names the line and field.
TEST(YamlErrorsTest, ScaleUpLowLatencyExchangeGrowthWithTheGroup) {
  auto system = [](const std::string& line11, const std::string& line12) {
    return std::string(
               "systems:\n"                   // 1
               "  - id: my-rack\n"            // 2
               "    name: My rack\n"          // 3
               "    chip: b200\n"             // 4
               "    chips_per_node: 4\n"      // 5
               "    scale_up:\n"              // 6
               "      domain_chips: 72\n"     // 7
               "      bandwidth_gb_s: 900\n"  // 8
               "      latency_us: 3\n"        // 9
               "      efficiency: 0.8\n"      // 10
               "      ") +
           line11 + "\n      " + line12 + "\n" +  // 11, 12
           "    scale_out: {bandwidth_gb_s: 50, latency_us: 8, efficiency: 0.8}\n";
  };
  Catalog c;
  auto ok = c.MergeYaml(system("moe_ll_fixed_us: 32.7",
                               "moe_ll_fixed_ranks: 4\n      moe_ll_fixed_us_per_doubling: 6.9"),
                        kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  ASSERT_EQ(c.systems().size(), 1u);
  EXPECT_EQ(c.systems()[0].scale_up.moe_ll_fixed_ranks, 4);
  EXPECT_DOUBLE_EQ(c.systems()[0].scale_up.moe_ll_fixed_us_per_doubling, 6.9);
  EXPECT_EQ(c.systems()[0].scale_out.moe_ll_fixed_ranks, 0);
  EXPECT_EQ(c.systems()[0].scale_out.moe_ll_fixed_us_per_doubling, 0);
  struct Bad {
    std::string line11, line12;
    int line;
    std::string field;
  };
  for (const Bad& bad : {
           Bad{"moe_ll_fixed_us: 32.7", "moe_ll_fixed_ranks: 0", 12, "moe_ll_fixed_ranks"},
           Bad{"moe_ll_fixed_us: 32.7", "moe_ll_fixed_ranks: 2.5", 12, "moe_ll_fixed_ranks"},
           Bad{"moe_ll_fixed_us: 32.7", "moe_ll_fixed_ranks: four", 12, "moe_ll_fixed_ranks"},
           Bad{"moe_ll_fixed_ranks: 4", "moe_ll_fixed_us_per_doubling: -1", 12,
               "moe_ll_fixed_us_per_doubling"},
           Bad{"moe_ll_fixed_us: 32.7", "moe_ll_fixed_us_per_doubling: 6.9", 12,
               "moe_ll_fixed_us_per_doubling"},
           Bad{"moe_ll_fixed_ranks: 4", "in_network_reduction: true", 11, "moe_ll_fixed_ranks"},
       }) {
    // The first three give moe_ll_fixed_us; the fourth gives it too (below), the sixth does not.
    const std::string text = bad.line == 12 && bad.line11 == "moe_ll_fixed_ranks: 4"
                                 ? system(bad.line11, bad.line12 + "\n      moe_ll_fixed_us: 32.7")
                                 : system(bad.line11, bad.line12);
    Error e = MergeError(text);
    EXPECT_EQ(e.file, kFile) << bad.line12;
    EXPECT_EQ(e.line, bad.line) << bad.line11 << " / " << bad.line12;
    EXPECT_TRUE(Contains(e.field, "scale_up." + bad.field)) << bad.line12 << ": " << e.field;
  }
}

// An engine's sparse (DSA) prefill kernel rate is a map of chip family to a fraction of the
// attention peak, and its short-prompt MHA switch a boolean: a bare number, a fraction above 1 or a
// word that is not a boolean each name the line and field.
TEST(YamlErrorsTest, EngineDsaPrefillFields) {
  const std::string head =
      "engines:\n"                                                       // 1
      "  - id: my-engine\n"                                              // 2
      "    name: My engine\n";                                           // 3
  Error e = MergeError(head + "    sparse_prefill_efficiency: 0.33\n");  // 4
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "sparse_prefill_efficiency")) << e.field;
  e = MergeError(head + "    sparse_prefill_efficiency: {hopper: 1.5}\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "sparse_prefill_efficiency")) << e.field;
  EXPECT_TRUE(Contains(e.field, "hopper")) << e.field;
  e = MergeError(head + "    dsa_short_prefill_mha: sometimes\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "dsa_short_prefill_mha")) << e.field;
  e = MergeError(head + "    dsa_fp8_prefill_min_heads: -1\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "dsa_fp8_prefill_min_heads")) << e.field;
  // SGLang's SUM_LEN prefill gather (session 29): a yes/no field.
  e = MergeError(head + "    dp_prefill_gather_all_reduce: prefill\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "dp_prefill_gather_all_reduce")) << e.field;
}

// The default-config rate of the fused_moe kernel is a family's fraction of the peak, and an
// engine's untuned shapes a list of {experts, width, chips, dtype}: a fraction above 1, a list
// written as a map, a misspelt key, an empty chip list, a format the kernel's default path does not
// cover (block-scaled FP8 is another config) and a fractional width each name the line and field.
TEST(YamlErrorsTest, UntunedFusedMoeShapes) {
  Error e = MergeError(
      "families:\n"                                        // 1
      "  - id: hopper\n"                                   // 2
      "    triton_moe_default_matmul_efficiency: 1.5\n");  // 3
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 3);
  EXPECT_TRUE(Contains(e.field, "triton_moe_default_matmul_efficiency")) << e.field;
  EXPECT_TRUE(Contains(e.message, "out of range")) << e.message;
  const std::string head =
      "engines:\n"                   // 1
      "  - id: my-engine\n"          // 2
      "    name: My engine\n"        // 3
      "    untuned_moe_configs:\n";  // 4
  e = MergeError(
      "engines:\n"
      "  - id: my-engine\n"
      "    name: My engine\n"
      "    untuned_moe_configs: {experts: 160}\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "untuned_moe_configs")) << e.field;
  EXPECT_TRUE(Contains(e.message, "expected a list")) << e.message;
  e = MergeError(head + "      - {experts: 160, widht: 192, chips: [h200], dtype: bf16}\n");  // 5
  EXPECT_EQ(e.line, 5);
  EXPECT_TRUE(Contains(e.field, "untuned_moe_configs[0].widht")) << e.field;
  e = MergeError(head + "      - {experts: 160, width: 192, chips: [], dtype: bf16}\n");  // 5
  EXPECT_EQ(e.line, 5);
  EXPECT_TRUE(Contains(e.field, "untuned_moe_configs[0].chips")) << e.field;
  e = MergeError(head +
                 "      - {experts: 160, width: 192, chips: [h200], dtype: bf16}\n"         // 5
                 "      - {experts: 256, width: 256, chips: [h200], dtype: fp8-block}\n");  // 6
  EXPECT_EQ(e.line, 6);
  EXPECT_TRUE(Contains(e.field, "untuned_moe_configs[1].dtype")) << e.field;
  EXPECT_TRUE(Contains(e.message, "expected bf16 or fp8")) << e.message;
  e = MergeError(head + "      - {experts: 160, width: 191.5, chips: [h200], dtype: bf16}\n");  // 5
  EXPECT_EQ(e.line, 5);
  EXPECT_TRUE(Contains(e.field, "untuned_moe_configs[0].width")) << e.field;
}

// An engine version entry (`base: ID`, data/engines.yaml's vllm-0.11): a base not defined above it
// in the same file, or defined only below it, a misspelt field of the versioned entry and a
// default fused-MoE config that is neither two_branch nor batch_aware each name the line and field.
TEST(YamlErrorsTest, EngineVersionBase) {
  const std::string current =
      "engines:\n"           // 1
      "  - id: eng\n"        // 2
      "    name: Engine\n";  // 3
  Error e = MergeError(current +
                       "  - id: eng-old\n"        // 4
                       "    name: Old\n"          // 5
                       "    base: eng-older\n");  // 6
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 6);
  EXPECT_TRUE(Contains(e.field, "engines[1].base")) << e.field;
  EXPECT_TRUE(Contains(e.message, "unknown base engine 'eng-older'")) << e.message;
  e = MergeError(
      "engines:\n"            // 1
      "  - id: eng-old\n"     // 2
      "    name: Old\n"       // 3
      "    base: eng\n"       // 4
      "  - id: eng\n"         // 5
      "    name: Engine\n");  // 6
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "engines[0].base")) << e.field;
  e = MergeError(current +
                 "  - id: eng-old\n"                // 4
                 "    name: Old\n"                  // 5
                 "    base: eng\n"                  // 6
                 "    asnyc_scheduling: false\n");  // 7
  EXPECT_EQ(e.line, 7);
  EXPECT_TRUE(Contains(e.field, "asnyc_scheduling")) << e.field;
  e = MergeError(current + "    triton_moe_default_config: tuned\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "triton_moe_default_config")) << e.field;
  EXPECT_TRUE(Contains(e.message, "expected two_branch or batch_aware")) << e.message;
}

// An engine's scheduler_steps (vLLM V0's --num-scheduler-steps, data/engines.yaml's
// vllm-v0-multistep) outside 1-1024 names its line and field.
TEST(YamlErrorsTest, EngineSchedulerStepsOutOfRange) {
  const std::string head =
      "engines:\n"           // 1
      "  - id: eng\n"        // 2
      "    name: Engine\n";  // 3
  for (const char* bad : {"0", "2000", "ten"}) {
    const Error e = MergeError(head + "    scheduler_steps: " + bad + "\n");  // 4
    EXPECT_EQ(e.file, kFile) << bad;
    EXPECT_EQ(e.line, 4) << bad;
    EXPECT_TRUE(Contains(e.field, "engines[0].scheduler_steps")) << e.field;
  }
  const Error e = MergeError(head + "    checkpoint_kv_dtype: maybe\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "checkpoint_kv_dtype")) << e.field;
}

// What a versioned entry takes from its base: every field it does not set (the batch limit, the
// graph cost), its own where it sets them (async scheduling, the default config), and its own
// name, aliases and default families (none: the base stays the family's default); its sources are
// the base's then its own.
TEST(YamlErrorsTest, EngineVersionTakesItsBaseFields) {
  Catalog c;
  ASSERT_TRUE(
      c.MergeYaml("engines:\n"
                  "  - id: eng\n"
                  "    name: Engine\n"
                  "    aliases: [eng-current]\n"
                  "    max_num_seqs: 1024\n"
                  "    graph_layer_us: 55\n"
                  "    triton_moe_default_config: batch_aware\n"
                  "    default_families: [hopper]\n"
                  "    source: [S1, S2]\n"
                  "  - id: eng-old\n"
                  "    name: Old\n"
                  "    base: eng\n"
                  "    async_scheduling: false\n"
                  "    triton_moe_default_config: two_branch\n"
                  "    source: [S3]\n",
                  kFile));
  auto old = c.FindEngine("eng-old");
  ASSERT_TRUE(old);
  EXPECT_EQ((*old)->name, "Old");
  EXPECT_EQ((*old)->max_num_seqs, 1024);
  EXPECT_DOUBLE_EQ((*old)->graph_layer_us, 55);
  EXPECT_FALSE((*old)->async_scheduling);
  EXPECT_EQ((*old)->triton_moe_default_config, "two_branch");
  EXPECT_TRUE((*old)->aliases.empty());
  EXPECT_TRUE((*old)->default_families.empty());
  EXPECT_EQ((*old)->sources, (std::vector<std::string>{"S1", "S2", "S3"}));
  auto current = c.FindEngine("eng-current");
  ASSERT_TRUE(current);
  EXPECT_EQ((*current)->id, "eng");
  EXPECT_TRUE((*current)->async_scheduling);
}

// A stack's loss bytes a logit (torchtitan's 12 and, with loss_parallel, 16: S4181): a number
// from 1 to 64, named with its line.
TEST(YamlErrorsTest, StackLossBytesPerLogit) {
  const std::string head =
      "stacks:\n"                            // 1
      "  - id: my-stack\n"                   // 2
      "    name: My stack\n"                 // 3
      "    schedules: [1f1b]\n"              // 4
      "    zero_stages: [3]\n"               // 5
      "    op_selective_recompute: true\n";  // 6
  Catalog c;
  ASSERT_TRUE(c.MergeYaml(head + "    loss_parallel_bytes_per_logit: 16\n", kFile));
  Error e = MergeError(head + "    loss_bytes_per_logit: 0\n");  // 7
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 7);
  EXPECT_TRUE(Contains(e.field, "loss_bytes_per_logit")) << e.field;
  e = MergeError(head + "    loss_parallel_bytes_per_logit: many\n");  // 7
  EXPECT_EQ(e.line, 7);
  EXPECT_TRUE(Contains(e.field, "loss_parallel_bytes_per_logit")) << e.field;
}

// A stack's ZeRO stages under a pipeline are some of its ZeRO stages, named with their line.
TEST(YamlErrorsTest, StackPipelineZeroStages) {
  const std::string head =
      "stacks:\n"                      // 1
      "  - id: my-stack\n"             // 2
      "    name: My stack\n"           // 3
      "    schedules: [1f1b]\n"        // 4
      "    zero_stages: [0, 1, 3]\n";  // 5
  Catalog c;
  ASSERT_TRUE(c.MergeYaml(head + "    pipeline_zero_stages: [0, 1]\n", kFile));
  Error e = MergeError(head + "    pipeline_zero_stages: [1, 2]\n");  // 6
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 6);
  EXPECT_TRUE(Contains(e.field, "pipeline_zero_stages")) << e.field;
  EXPECT_TRUE(Contains(e.message, "ZeRO stage 2 is not one of the stack's zero_stages"))
      << e.message;
  e = MergeError(head + "    pipeline_zero_stages: [4]\n");  // 6
  EXPECT_EQ(e.line, 6);
  EXPECT_TRUE(Contains(e.field, "pipeline_zero_stages")) << e.field;
}

// A stack's models table (torchtitan's llama3_8b -> llama-3.1-8b) names catalog model ids: an
// unknown one is an error at its own row, not the stack's `- id:` line; a model of the catalog
// passes and the table is read in order.
TEST(YamlErrorsTest, AStacksModelsNameCatalogModels) {
  const std::string head =
      "stacks:\n"                 // 1
      "  - id: my-stack\n"        // 2
      "    name: My stack\n"      // 3
      "    schedules: [1f1b]\n"   // 4
      "    zero_stages: [0]\n"    // 5
      "    models:\n"             // 6
      "      my_7b: my-model\n";  // 7
  Catalog bad;
  ASSERT_TRUE(bad.MergeYaml(Model(), kFile));
  ASSERT_TRUE(bad.MergeYaml(head + "      my_70b: my-model-70b\n", "user/stacks.yaml"));  // 8
  auto r = bad.Validate();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().file, "user/stacks.yaml");
  EXPECT_EQ(r.error().line, 8);
  EXPECT_EQ(r.error().field, "stack my-stack.models.my_70b");
  EXPECT_TRUE(Contains(r.error().message, "'my-model-70b' is not a catalog model id"))
      << r.error().message;
  Catalog fine;
  ASSERT_TRUE(fine.MergeYaml(Model(), kFile));
  ASSERT_TRUE(fine.MergeYaml(head, "user/stacks.yaml"));
  EXPECT_TRUE(fine.Validate());
  ASSERT_EQ(fine.stacks().size(), 1u);
  ASSERT_EQ(fine.stacks()[0].models.size(), 1u);
  EXPECT_EQ(fine.stacks()[0].models[0].name, "my_7b");
  EXPECT_EQ(fine.stacks()[0].models[0].model, "my-model");
  // A row that is no model id: at its line, when the file is read.
  Error e = MergeError(head + "      my_8b: [a, b]\n");  // 8
  EXPECT_EQ(e.line, 8);
  EXPECT_TRUE(Contains(e.field, "models.my_8b")) << e.field;
}

// A stack's Combined 1F1B host floor: milliseconds from 0 to 1,000, only on a stack that runs the
// schedule, named with its line.
TEST(YamlErrorsTest, StackOverlapHostTime) {
  const std::string head =
      "stacks:\n"                   // 1
      "  - id: my-stack\n"          // 2
      "    name: My stack\n"        // 3
      "    schedules: [1f1b]\n"     // 4
      "    zero_stages: [0, 1]\n";  // 5
  Catalog c;
  ASSERT_TRUE(c.MergeYaml(head + "    ep_a2a_overlap: true\n    ep_a2a_overlap_layer_host_ms: 12\n",
                          kFile));
  auto s = c.FindStack("my-stack");
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->ep_a2a_overlap_layer_host_s);
  EXPECT_DOUBLE_EQ(*(*s)->ep_a2a_overlap_layer_host_s, 0.012);
  Error e = MergeError(head + "    ep_a2a_overlap_layer_host_ms: 12\n");  // 6
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 6);
  EXPECT_TRUE(Contains(e.field, "ep_a2a_overlap_layer_host_ms")) << e.field;
  EXPECT_TRUE(Contains(e.message, "needs ep_a2a_overlap: true")) << e.message;
  e = MergeError(head + "    ep_a2a_overlap: true\n    ep_a2a_overlap_layer_host_ms: -1\n");  // 7
  EXPECT_EQ(e.line, 7);
  EXPECT_TRUE(Contains(e.field, "ep_a2a_overlap_layer_host_ms")) << e.field;
}

// The 26.x stack's knobs: a host floor measured without graphs contradicts full-iteration graphs,
// and HybridEP's overlap rates need the schedule they price; each named with its line.
TEST(YamlErrorsTest, StackGraphAndHybridEpKnobs) {
  const std::string head =
      "stacks:\n"                   // 1
      "  - id: my-stack\n"          // 2
      "    name: My stack\n"        // 3
      "    schedules: [1f1b]\n"     // 4
      "    zero_stages: [0, 1]\n";  // 5
  Catalog c;
  ASSERT_TRUE(c.MergeYaml(head + "    ep_a2a_overlap: true\n    full_iteration_graphs: true\n"
                                 "    ep_overlap_hybridep: true\n    fused_grouped_mlp: true\n",
                          kFile));
  auto s = c.FindStack("my-stack");
  ASSERT_TRUE(s);
  EXPECT_TRUE((*s)->full_iteration_graphs);
  EXPECT_TRUE((*s)->ep_overlap_hybridep);
  EXPECT_TRUE((*s)->fused_grouped_mlp);
  Error e = MergeError(head +
                       "    ep_a2a_overlap: true\n    ep_a2a_overlap_layer_host_ms: 12\n"  // 6, 7
                       "    full_iteration_graphs: true\n");                               // 8
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 8);
  EXPECT_TRUE(Contains(e.field, "full_iteration_graphs")) << e.field;
  EXPECT_TRUE(Contains(e.message, "measured without CUDA graphs")) << e.message;
  e = MergeError(head + "    ep_overlap_hybridep: true\n");  // 6
  EXPECT_EQ(e.line, 6);
  EXPECT_TRUE(Contains(e.field, "ep_overlap_hybridep")) << e.field;
  EXPECT_TRUE(Contains(e.message, "needs ep_a2a_overlap: true")) << e.message;
  e = MergeError(head + "    fused_grouped_mlp: sometimes\n");  // 6
  EXPECT_EQ(e.line, 6);
  EXPECT_TRUE(Contains(e.field, "fused_grouped_mlp")) << e.field;
  ASSERT_TRUE(c.MergeYaml(head + "    fp8_attention: true\n", kFile));
  s = c.FindStack("my-stack");
  ASSERT_TRUE(s);
  EXPECT_TRUE((*s)->fp8_attention);
  e = MergeError(head + "    fp8_attention: mxfp8\n");  // 6
  EXPECT_EQ(e.line, 6);
  EXPECT_TRUE(Contains(e.field, "fp8_attention")) << e.field;
}

// An engine's per-layer graph cost on the families it was measured on is a map of chip family to
// microseconds: a number, or a negative time, is an error naming the field and its line.
TEST(YamlErrorsTest, GraphLayerTimesByFamilyAreAMapOfFamilies) {
  const std::string head =
      "engines:\n"              // 1
      "  - id: my-engine\n"     // 2
      "    name: My engine\n";  // 3
  Catalog c;
  auto ok = c.MergeYaml(head + "    graph_layer_us_by_family: {cdna4: 142}\n", kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  ASSERT_EQ(c.engines().size(), 1u);
  EXPECT_DOUBLE_EQ(c.engines()[0].graph_layer_us_by_family.at("cdna4"), 142);
  Error e = MergeError(head + "    graph_layer_us_by_family: 142\n");  // 4
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "graph_layer_us_by_family")) << e.field;
  EXPECT_TRUE(Contains(e.message, "map of chip family")) << e.message;
  e = MergeError(head + "    graph_layer_us_by_family: {cdna4: -1}\n");  // 4
  EXPECT_EQ(e.line, 4);
  EXPECT_TRUE(Contains(e.field, "graph_layer_us_by_family.cdna4")) << e.field;
}

// The device part of an engine's per-layer graph cost on a family comes with the whole time it
// is part of (no more than it) and the rate it was measured at; either missing, or a rate with
// no device part, is an error naming the field and its line.
TEST(YamlErrorsTest, GraphLayerClockedPartNeedsItsWholeAndItsRate) {
  const std::string head =
      "engines:\n"                                     // 1
      "  - id: my-engine\n"                            // 2
      "    name: My engine\n"                          // 3
      "    graph_layer_us_by_family: {cdna4: 142}\n";  // 4
  Catalog c;
  auto ok = c.MergeYaml(head +
                            "    graph_layer_clocked_us_by_family: {cdna4: 48}\n"
                            "    graph_layer_clock_tflops_by_family: {cdna4: 2500}\n",
                        kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_DOUBLE_EQ(c.engines()[0].graph_layer_clocked_us_by_family.at("cdna4"), 48);
  EXPECT_DOUBLE_EQ(c.engines()[0].graph_layer_clock_tflops_by_family.at("cdna4"), 2500);
  // No rate.
  Error e = MergeError(head + "    graph_layer_clocked_us_by_family: {cdna4: 48}\n");  // 5
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 5);
  EXPECT_TRUE(Contains(e.field, "graph_layer_clocked_us_by_family.cdna4")) << e.field;
  EXPECT_TRUE(Contains(e.message, "graph_layer_clock_tflops_by_family")) << e.message;
  // More than the whole.
  e = MergeError(head +
                 "    graph_layer_clocked_us_by_family: {cdna4: 150}\n"  // 5
                 "    graph_layer_clock_tflops_by_family: {cdna4: 2500}\n");
  EXPECT_EQ(e.line, 5);
  EXPECT_TRUE(Contains(e.message, "at least 150")) << e.message;
  // A family with no whole time.
  e = MergeError(head +
                 "    graph_layer_clocked_us_by_family: {cdna3: 10}\n"  // 5
                 "    graph_layer_clock_tflops_by_family: {cdna3: 1300}\n");
  EXPECT_EQ(e.line, 5);
  EXPECT_TRUE(Contains(e.field, "graph_layer_clocked_us_by_family.cdna3")) << e.field;
  // A rate with no device part.
  e = MergeError(head + "    graph_layer_clock_tflops_by_family: {cdna4: 2500}\n");  // 5
  EXPECT_EQ(e.line, 5);
  EXPECT_TRUE(Contains(e.field, "graph_layer_clock_tflops_by_family.cdna4")) << e.field;
  // A rate of zero.
  e = MergeError(head +
                 "    graph_layer_clocked_us_by_family: {cdna4: 48}\n"
                 "    graph_layer_clock_tflops_by_family: {cdna4: 0}\n");  // 6
  EXPECT_EQ(e.line, 6);
}

// mtp_accept_lengths: tokens a verify step at draft depth 1, 2, ...; depth d verifies at most
// d + 1 tokens, never fewer than one nor than the depth before it accepted.
TEST(YamlErrorsTest, MtpAcceptLengthsAreChecked) {
  Error e = MergeError(Model(0, "", "    mtp_accept_lengths: [1.9, 3.5]\n"));  // line 14
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.line, 14) << e.ToString();
  EXPECT_EQ(e.field, "models[0].mtp_accept_lengths[1]");
  EXPECT_TRUE(Contains(e.message, "3.5")) << e.message;  // depth 2: at most 3 tokens
  e = MergeError(Model(0, "", "    mtp_accept_lengths: [1.9, 1.8]\n"));  // line 14
  EXPECT_EQ(e.field, "models[0].mtp_accept_lengths[1]") << e.ToString();
  EXPECT_TRUE(Contains(e.message, "not below")) << e.message;       // 1.8 under depth 1's 1.9
  e = MergeError(Model(0, "", "    mtp_accept_lengths: [0.9]\n"));  // line 14
  EXPECT_EQ(e.field, "models[0].mtp_accept_lengths[0]") << e.ToString();
  e = MergeError(Model(0, "", "    mtp_accept_lengths: []\n"));  // line 14
  EXPECT_EQ(e.field, "models[0].mtp_accept_lengths") << e.ToString();
}

// An engine's KV page is a whole number of tokens from 1 to 4,096: 0, a fraction or 1e300 is
// named at its line and field; 1 (SGLang's page) is read.
TEST(YamlErrorsTest, AnEnginesKvPageIsAWholeNumberOfTokens) {
  const std::string head =
      "engines:\n"              // 1
      "  - id: my-engine\n"     // 2
      "    name: My engine\n";  // 3
  Catalog c;
  auto ok = c.MergeYaml(head + "    kv_block_tokens: 1\n", kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(c.engines()[0].kv_block_tokens, 1);
  for (const char* bad : {"0", "16.5", "1e300"}) {
    const Error e = MergeError(head + "    kv_block_tokens: " + bad + "\n");  // 4
    EXPECT_EQ(e.file, kFile) << bad;
    EXPECT_EQ(e.line, 4) << bad;
    EXPECT_TRUE(Contains(e.field, "kv_block_tokens")) << bad << " " << e.field;
  }
}

}  // namespace
}  // namespace suanli::catalog
