// The catalog's models against their released configs (issue 13 item 5). The table below is
// copied from each model's config.json (the URL next to it), independent of data/models.yaml:
// context (max_position_embeddings), vocabulary, shape, and the MoE, MLA, DSA and hybrid
// attention fields. Then the attention variants by hand: KV bytes per token, parameter totals,
// DSA's bounded decode attention.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "perf/inference.h"
#include "perf/transformer.h"

namespace suanli::catalog {
namespace {

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

const Model& M(const char* id) {
  auto r = Builtin().FindModel(id);
  if (!r) {
    ADD_FAILURE() << r.error().ToString();
    static const Model empty;
    return empty;
  }
  return **r;
}

// One released config.json. MoE: routed, shared, top-k, expert FFN, leading dense layers
// (n_routed_experts / num_experts, n_shared_experts, num_experts_per_tok, moe_intermediate_size,
// first_k_dense_replace); 0 routed = dense. MLA: q_lora_rank, kv_lora_rank, qk_nope, qk_rope,
// v_head_dim; 0 kv_lora = no MLA. DSA: index_topk, index_n_heads, index_head_dim. Hybrid: the
// period of softmax layers in attn_type_list.
struct Released {
  const char* id;
  const char* url;
  int context, vocab, layers, hidden, heads, kv_heads, head_dim;
  int routed = 0, shared = 0, top_k = 0, expert_ffn = 0, first_dense = 0;
  int q_lora = 0, kv_lora = 0, qk_nope = 0, qk_rope = 0, v_head = 0;
  int dsa_top_k = 0, dsa_heads = 0, dsa_dim = 0;
  int full_attention_every = 0;
};

const std::vector<Released>& Configs() {
  static const std::vector<Released> r = {
      {"llama-2-7b", "https://huggingface.co/meta-llama/Llama-2-7b-hf/blob/main/config.json", 4096,
       32000, 32, 4096, 32, 32, 128},
      {"llama-2-13b", "https://huggingface.co/meta-llama/Llama-2-13b-hf/blob/main/config.json",
       4096, 32000, 40, 5120, 40, 40, 128},
      {"llama-2-70b", "https://huggingface.co/meta-llama/Llama-2-70b-hf/blob/main/config.json",
       4096, 32000, 80, 8192, 64, 8, 128},
      {"llama-3-8b", "https://huggingface.co/meta-llama/Meta-Llama-3-8B/blob/main/config.json",
       8192, 128256, 32, 4096, 32, 8, 128},
      {"llama-3-70b", "https://huggingface.co/meta-llama/Meta-Llama-3-70B/blob/main/config.json",
       8192, 128256, 80, 8192, 64, 8, 128},
      {"llama-3.1-8b", "https://huggingface.co/meta-llama/Llama-3.1-8B/blob/main/config.json",
       131072, 128256, 32, 4096, 32, 8, 128},
      {"llama-3.1-70b", "https://huggingface.co/meta-llama/Llama-3.1-70B/blob/main/config.json",
       131072, 128256, 80, 8192, 64, 8, 128},
      {"llama-3-405b", "https://huggingface.co/meta-llama/Llama-3.1-405B/blob/main/config.json",
       131072, 128256, 126, 16384, 128, 8, 128},
      {"qwen2.5-72b", "https://huggingface.co/Qwen/Qwen2.5-72B-Instruct/blob/main/config.json",
       32768, 152064, 80, 8192, 64, 8, 128},
      {"qwen3-8b", "https://huggingface.co/Qwen/Qwen3-8B/blob/main/config.json", 40960, 151936, 36,
       4096, 32, 8, 128},
      {"qwen3-32b", "https://huggingface.co/Qwen/Qwen3-32B/blob/main/config.json", 40960, 151936,
       64, 5120, 64, 8, 128},
      {"mixtral-8x7b", "https://huggingface.co/mistralai/Mixtral-8x7B-v0.1/blob/main/config.json",
       32768, 32000, 32, 4096, 32, 8, 128, 8, 0, 2, 14336, 0},
      {"qwen3-30b-a3b", "https://huggingface.co/Qwen/Qwen3-30B-A3B/blob/main/config.json", 40960,
       151936, 48, 2048, 32, 4, 128, 128, 0, 8, 768, 0},
      {"qwen3-235b-a22b", "https://huggingface.co/Qwen/Qwen3-235B-A22B/blob/main/config.json",
       40960, 151936, 94, 4096, 64, 4, 128, 128, 0, 8, 1536, 0},
      {"llama-3.2-1b", "https://huggingface.co/meta-llama/Llama-3.2-1B/blob/main/config.json",
       131072, 128256, 16, 2048, 32, 8, 64},
      {"llama-3.2-3b", "https://huggingface.co/meta-llama/Llama-3.2-3B/blob/main/config.json",
       131072, 128256, 28, 3072, 24, 8, 128},
      {"qwen2.5-7b", "https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/config.json", 32768,
       152064, 28, 3584, 28, 4, 128},
      {"qwen2.5-14b", "https://huggingface.co/Qwen/Qwen2.5-14B-Instruct/blob/main/config.json",
       32768, 152064, 48, 5120, 40, 8, 128},
      {"qwen2.5-32b", "https://huggingface.co/Qwen/Qwen2.5-32B-Instruct/blob/main/config.json",
       32768, 152064, 64, 5120, 40, 8, 128},
      {"qwen3-0.6b", "https://huggingface.co/Qwen/Qwen3-0.6B/blob/main/config.json", 40960, 151936,
       28, 1024, 16, 8, 128},
      {"qwen3-1.7b", "https://huggingface.co/Qwen/Qwen3-1.7B/blob/main/config.json", 40960, 151936,
       28, 2048, 16, 8, 128},
      {"qwen3-4b", "https://huggingface.co/Qwen/Qwen3-4B/blob/main/config.json", 40960, 151936, 36,
       2560, 32, 8, 128},
      {"qwen3-4b-instruct-2507",
       "https://huggingface.co/Qwen/Qwen3-4B-Thinking-2507/blob/main/config.json", 262144, 151936,
       36, 2560, 32, 8, 128},
      {"qwen3-14b", "https://huggingface.co/Qwen/Qwen3-14B/blob/main/config.json", 40960, 151936,
       40, 5120, 40, 8, 128},
      {"mixtral-8x22b",
       "https://huggingface.co/mistralai/Mixtral-8x22B-Instruct-v0.1/blob/main/config.json", 65536,
       32768, 56, 6144, 48, 8, 128, 8, 0, 2, 16384, 0},
      {"qwen3-30b-a3b-instruct-2507",
       "https://huggingface.co/Qwen/Qwen3-30B-A3B-Thinking-2507/blob/main/config.json", 262144,
       151936, 48, 2048, 32, 4, 128, 128, 0, 8, 768, 0},
      {"qwen3-235b-a22b-instruct-2507",
       "https://huggingface.co/Qwen/Qwen3-235B-A22B-Thinking-2507/blob/main/config.json", 262144,
       151936, 94, 4096, 64, 4, 128, 128, 0, 8, 1536, 0},
      {"qwen3-coder-480b-a35b-instruct",
       "https://huggingface.co/Qwen/Qwen3-Coder-480B-A35B-Instruct/blob/main/config.json", 262144,
       151936, 62, 6144, 96, 8, 128, 160, 0, 8, 2560, 0},
      {"qwen3-coder-30b-a3b-instruct",
       "https://huggingface.co/Qwen/Qwen3-Coder-30B-A3B-Instruct/blob/main/config.json", 262144,
       151936, 48, 2048, 32, 4, 128, 128, 0, 8, 768, 0},
      {"deepseek-v3.1", "https://huggingface.co/deepseek-ai/DeepSeek-V3.1/blob/main/config.json",
       163840, 129280, 61, 7168, 128, 128, 128, 256, 1, 8, 2048, 3, 1536, 512, 128, 64, 128},
      {"gpt-oss-120b", "https://huggingface.co/openai/gpt-oss-120b/blob/main/config.json", 131072,
       201088, 36, 2880, 64, 8, 64, 128, 0, 4, 2880, 0},
      {"gpt-oss-20b", "https://huggingface.co/openai/gpt-oss-20b/blob/main/config.json", 131072,
       201088, 24, 2880, 64, 8, 64, 32, 0, 4, 2880, 0},
      {"deepseek-v2", "https://huggingface.co/deepseek-ai/DeepSeek-V2/blob/main/config.json",
       163840, 102400, 60, 5120, 128, 128, 128, 160, 2, 6, 1536, 1, 1536, 512, 128, 64, 128},
      {"deepseek-v3", "https://huggingface.co/deepseek-ai/DeepSeek-V3/blob/main/config.json",
       163840, 129280, 61, 7168, 128, 128, 128, 256, 1, 8, 2048, 3, 1536, 512, 128, 64, 128},
      {"deepseek-r1", "https://huggingface.co/deepseek-ai/DeepSeek-R1/blob/main/config.json",
       163840, 129280, 61, 7168, 128, 128, 128, 256, 1, 8, 2048, 3, 1536, 512, 128, 64, 128},
      {"deepseek-v3.2",
       "https://huggingface.co/deepseek-ai/DeepSeek-V3.2-Exp/blob/main/config.json",
       163840,
       129280,
       61,
       7168,
       128,
       128,
       128,
       256,
       1,
       8,
       2048,
       3,
       1536,
       512,
       128,
       64,
       128,
       2048,
       64,
       128},
      {"kimi-k2", "https://huggingface.co/moonshotai/Kimi-K2-Instruct/blob/main/config.json",
       131072, 163840, 61, 7168, 64, 64, 128, 384, 1, 8, 2048, 1, 1536, 512, 128, 64, 128},
      {"glm-4.5", "https://huggingface.co/zai-org/GLM-4.5/blob/main/config.json", 131072, 151552,
       92, 5120, 96, 8, 128, 160, 1, 8, 1536, 3},
      {"glm-4.6", "https://huggingface.co/zai-org/GLM-4.6/blob/main/config.json", 202752, 151552,
       92, 5120, 96, 8, 128, 160, 1, 8, 1536, 3},
      // Looked up by the Hugging Face names users type (issues 12/13, "models as released").
      {"MiniMaxAI/MiniMax-M2", "https://huggingface.co/MiniMaxAI/MiniMax-M2/blob/main/config.json",
       196608, 200064, 62, 3072, 48, 8, 128, 256, 0, 8, 1536, 0},
      {"MiniMaxAI/MiniMax-M2.1",
       "https://huggingface.co/MiniMaxAI/MiniMax-M2.1/blob/main/config.json", 196608, 200064, 62,
       3072, 48, 8, 128, 256, 0, 8, 1536, 0},
      {"moonshotai/Kimi-K2-Thinking",
       "https://huggingface.co/moonshotai/Kimi-K2-Thinking/blob/main/config.json", 262144, 163840,
       61, 7168, 64, 64, 128, 384, 1, 8, 2048, 1, 1536, 512, 128, 64, 128},
      {"moonshotai/Kimi-K2-Instruct-0905",
       "https://huggingface.co/moonshotai/Kimi-K2-Instruct-0905/blob/main/config.json", 262144,
       163840, 61, 7168, 64, 64, 128, 384, 1, 8, 2048, 1, 1536, 512, 128, 64, 128},
      // Models as released (issue 13 item 5): the names users type.
      {"deepseek-ai/DeepSeek-R1-Distill-Llama-8B",
       "https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Llama-8B/blob/main/config.json",
       131072, 128256, 32, 4096, 32, 8, 128},
      {"deepseek-ai/DeepSeek-R1-Distill-Llama-70B",
       "https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Llama-70B/blob/main/config.json",
       131072, 128256, 80, 8192, 64, 8, 128},
      {"mistralai/Mistral-7B-Instruct-v0.3",
       "https://huggingface.co/mistralai/Mistral-7B-Instruct-v0.3/blob/main/config.json", 32768,
       32768, 32, 4096, 32, 8, 128},
      {"microsoft/phi-4", "https://huggingface.co/microsoft/phi-4/blob/main/config.json", 16384,
       100352, 40, 5120, 40, 10, 128},
      {"google/gemma-3-27b-it",
       "https://huggingface.co/google/gemma-3-27b-it/blob/main/config.json", 131072, 262208, 62,
       5376, 32, 16, 128},
      {"google/gemma-3-12b-it",
       "https://huggingface.co/google/gemma-3-12b-it/blob/main/config.json", 131072, 262208, 48,
       3840, 16, 8, 256},
      {"google/gemma-3-4b-it", "https://huggingface.co/google/gemma-3-4b-it/blob/main/config.json",
       131072, 262208, 34, 2560, 8, 4, 256},
      {"meta-llama/Llama-4-Scout-17B-16E-Instruct",
       "https://huggingface.co/meta-llama/Llama-4-Scout-17B-16E-Instruct/blob/main/config.json",
       10485760, 202048, 48, 5120, 40, 8, 128, 16, 1, 1, 8192, 0},
      {"meta-llama/Llama-4-Maverick-17B-128E-Instruct",
       "https://huggingface.co/meta-llama/Llama-4-Maverick-17B-128E-Instruct/blob/main/config.json",
       1048576, 202048, 48, 5120, 40, 8, 128, 128, 1, 1, 8192, 0},
      {"deepseek-ai/DeepSeek-V2-Lite",
       "https://huggingface.co/deepseek-ai/DeepSeek-V2-Lite/blob/main/config.json", 163840, 102400,
       27, 2048, 16, 16, 128, 64, 2, 6, 1408, 1, 0, 512, 128, 64, 128},
      {"zai-org/GLM-4.5-Air", "https://huggingface.co/zai-org/GLM-4.5-Air/blob/main/config.json",
       131072, 151552, 46, 4096, 96, 8, 128, 128, 1, 8, 1408, 1},
      {"baidu/ERNIE-4.5-300B-A47B-PT",
       "https://huggingface.co/baidu/ERNIE-4.5-300B-A47B-PT/blob/main/config.json", 131072, 103424,
       54, 8192, 64, 8, 128, 64, 0, 8, 3584, 3},
      {"baidu/ERNIE-4.5-21B-A3B-PT",
       "https://huggingface.co/baidu/ERNIE-4.5-21B-A3B-PT/blob/main/config.json", 131072, 103424,
       28, 2560, 20, 4, 128, 64, 2, 6, 1536, 1},
      {"deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
       "https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B/blob/main/config.json",
       131072, 152064, 28, 3584, 28, 4, 128},
      {"Qwen/QwQ-32B", "https://huggingface.co/Qwen/QwQ-32B/blob/main/config.json", 40960, 152064,
       64, 5120, 40, 8, 128},
      {"THUDM/glm-4-9b-chat", "https://huggingface.co/THUDM/glm-4-9b-chat/blob/main/config.json",
       131072, 151552, 40, 4096, 32, 2, 128},
      {"01-ai/Yi-34B", "https://huggingface.co/01-ai/Yi-34B/blob/main/config.json", 4096, 64000, 60,
       7168, 56, 8, 128},
      // Models as released, third step (issue 13 item 5): Mistral, the R1 distills of Qwen,
      // Qwen2.5-VL's language models, Gemma 2, Phi-3.5-MoE, Hunyuan-A13B (its context is the
      // card's 256K: the config's max_position_embeddings was not read).
      {"mistralai/Mistral-Large-Instruct-2411",
       "https://huggingface.co/mistralai/Mistral-Large-Instruct-2411/blob/main/config.json", 131072,
       32768, 88, 12288, 96, 8, 128},
      {"mistralai/Mistral-Large-Instruct-2407",
       "https://huggingface.co/mistralai/Mistral-Large-Instruct-2407/blob/main/config.json", 131072,
       32768, 88, 12288, 96, 8, 128},
      {"mistralai/Mistral-Nemo-Instruct-2407",
       "https://huggingface.co/mistralai/Mistral-Nemo-Instruct-2407/blob/main/config.json", 1024000,
       131072, 40, 5120, 32, 8, 128},
      {"mistralai/Mistral-Nemo-Base-2407",
       "https://huggingface.co/mistralai/Mistral-Nemo-Base-2407/blob/main/config.json", 128000,
       131072, 40, 5120, 32, 8, 128},
      {"mistralai/Mistral-Small-3.1-24B-Instruct-2503",
       "https://huggingface.co/mistralai/Mistral-Small-3.1-24B-Instruct-2503/blob/main/config.json",
       131072, 131072, 40, 5120, 32, 8, 128},
      {"mistralai/Mistral-Small-3.2-24B-Instruct-2506",
       "https://huggingface.co/mistralai/Mistral-Small-3.2-24B-Instruct-2506/blob/main/config.json",
       131072, 131072, 40, 5120, 32, 8, 128},
      {"mistralai/Mistral-Small-24B-Instruct-2501",
       "https://huggingface.co/mistralai/Mistral-Small-24B-Instruct-2501/blob/main/config.json",
       32768, 131072, 40, 5120, 32, 8, 128},
      {"deepseek-ai/DeepSeek-R1-Distill-Qwen-32B",
       "https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-32B/blob/main/config.json",
       131072, 152064, 64, 5120, 40, 8, 128},
      {"deepseek-ai/DeepSeek-R1-Distill-Qwen-14B",
       "https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-14B/blob/main/config.json",
       131072, 152064, 48, 5120, 40, 8, 128},
      {"deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B",
       "https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B/blob/main/config.json",
       131072, 151936, 28, 1536, 12, 2, 128},
      {"Qwen/Qwen2.5-VL-72B-Instruct",
       "https://huggingface.co/Qwen/Qwen2.5-VL-72B-Instruct/blob/main/config.json", 128000, 152064,
       80, 8192, 64, 8, 128},
      {"Qwen/Qwen2.5-VL-7B-Instruct",
       "https://huggingface.co/Qwen/Qwen2.5-VL-7B-Instruct/blob/main/config.json", 128000, 152064,
       28, 3584, 28, 4, 128},
      {"google/gemma-2-27b-it",
       "https://huggingface.co/google/gemma-2-27b-it/blob/main/config.json", 8192, 256000, 46, 4608,
       32, 16, 128},
      {"google/gemma-2-9b-it", "https://huggingface.co/google/gemma-2-9b-it/blob/main/config.json",
       8192, 256000, 42, 3584, 16, 8, 256},
      {"microsoft/Phi-3.5-MoE-instruct",
       "https://huggingface.co/microsoft/Phi-3.5-MoE-instruct/blob/main/config.json", 131072, 32064,
       32, 4096, 32, 8, 128, 16, 0, 2, 6400, 0},
      {"tencent/Hunyuan-A13B-Instruct",
       "https://huggingface.co/tencent/Hunyuan-A13B-Instruct/blob/main/config.json", 262144, 128167,
       32, 4096, 32, 8, 128, 64, 1, 8, 3072, 0},
      {"Qwen/Qwen3-Next-80B-A3B-Instruct",
       "https://huggingface.co/Qwen/Qwen3-Next-80B-A3B-Instruct/blob/main/config.json",
       262144,
       151936,
       48,
       2048,
       16,
       2,
       256,
       512,
       1,
       10,
       512,
       0,
       0,
       0,
       0,
       0,
       0,
       0,
       0,
       0,
       4},
      // Served and trained in 2026 (issue 17): GLM-4.7 and Kimi-K2.5 are GLM-4.6's and Kimi K2
      // Thinking's configs (S2100, S2102); Ling-1T from its config as llama.cpp reads it into GGUF
      // (S2103: block_count 80, embedding_length 8192, head_count 64 / 8, key_length 128,
      // expert_count 256, expert_shared_count 1, expert_used_count 8, expert_feed_forward_length
      // 2048, leading_dense_block_count 4, vocab 157184, context_length 32768); Ring-1T the same
      // shape with 65,536 context (S2105).
      {"zai-org/GLM-4.7", "https://huggingface.co/zai-org/GLM-4.7/blob/main/config.json", 202752,
       151552, 92, 5120, 96, 8, 128, 160, 1, 8, 1536, 3},
      {"moonshotai/Kimi-K2.5", "https://huggingface.co/moonshotai/Kimi-K2.5/blob/main/config.json",
       262144, 163840, 61, 7168, 64, 64, 128, 384, 1, 8, 2048, 1, 1536, 512, 128, 64, 128},
      {"inclusionAI/Ling-1T", "https://huggingface.co/inclusionAI/Ling-1T/blob/main/config.json",
       32768, 157184, 80, 8192, 64, 8, 128, 256, 1, 8, 2048, 4},
      {"inclusionAI/Ring-1T", "https://huggingface.co/inclusionAI/Ring-1T/blob/main/config.json",
       65536, 157184, 80, 8192, 64, 8, 128, 256, 1, 8, 2048, 4},
      {"ByteDance-Seed/Seed-OSS-36B-Instruct",
       "https://huggingface.co/ByteDance-Seed/Seed-OSS-36B-Instruct/blob/main/config.json", 524288,
       155136, 64, 5120, 80, 8, 128},
      {"minimax-m1",
       "https://huggingface.co/MiniMaxAI/MiniMax-M1-80k/blob/main/config.json",
       10240000,
       200064,
       80,
       6144,
       64,
       8,
       128,
       32,
       0,
       2,
       9216,
       0,
       0,
       0,
       0,
       0,
       0,
       0,
       0,
       0,
       8},
  };
  return r;
}

TEST(ReleasedConfigs, CatalogModelsMatchTheirConfigs) {
  for (const Released& r : Configs()) {
    SCOPED_TRACE(std::string(r.id) + " (" + r.url + ")");
    const Model& m = M(r.id);
    EXPECT_EQ(m.max_seq_len, r.context);
    EXPECT_EQ(m.vocab, r.vocab);
    EXPECT_EQ(m.layers, r.layers);
    EXPECT_EQ(m.hidden, r.hidden);
    EXPECT_EQ(m.heads, r.heads);
    EXPECT_EQ(m.kv_heads, r.kv_heads);
    EXPECT_EQ(m.head_dim, r.head_dim);
    ASSERT_EQ(m.moe.has_value(), r.routed > 0);
    if (m.moe) {
      EXPECT_EQ(m.moe->routed_experts, r.routed);
      EXPECT_EQ(m.moe->shared_experts, r.shared);
      EXPECT_EQ(m.moe->top_k, r.top_k);
      EXPECT_EQ(m.moe->expert_ffn, r.expert_ffn);
      EXPECT_EQ(m.moe->first_dense_layers, r.first_dense);
    }
    ASSERT_EQ(m.mla.has_value(), r.kv_lora > 0);
    if (m.mla) {
      EXPECT_EQ(m.mla->q_lora_rank, r.q_lora);
      EXPECT_EQ(m.mla->kv_lora_rank, r.kv_lora);
      EXPECT_EQ(m.mla->qk_nope_head_dim, r.qk_nope);
      EXPECT_EQ(m.mla->qk_rope_head_dim, r.qk_rope);
      EXPECT_EQ(m.mla->v_head_dim, r.v_head);
    }
    ASSERT_EQ(m.sparse_attention.has_value(), r.dsa_top_k > 0);
    if (m.sparse_attention) {
      EXPECT_EQ(m.sparse_attention->top_k, r.dsa_top_k);
      EXPECT_EQ(m.sparse_attention->indexer_heads, r.dsa_heads);
      EXPECT_EQ(m.sparse_attention->indexer_head_dim, r.dsa_dim);
    }
    ASSERT_EQ(m.linear_attention.has_value(), r.full_attention_every > 0);
    if (m.linear_attention) {
      EXPECT_EQ(m.linear_attention->full_attention_every, r.full_attention_every);
    }
  }
}

// The fields the table above leaves out, from the same configs: the dense MLP's intermediate_size
// and tie_word_embeddings (true for the small Llama 3.2 and Qwen3 models, whose output head is
// the input embedding).
TEST(ReleasedConfigs, FfnAndTiedEmbeddingsMatchTheirConfigs) {
  struct Case {
    const char* id;
    int ffn;
    bool tied;
  };
  for (const Case& c : {Case{"llama-3.2-1b", 8192, true},
                        Case{"llama-3.2-3b", 8192, true},
                        Case{"qwen2.5-7b", 18944, false},
                        Case{"qwen2.5-14b", 13824, false},
                        Case{"qwen2.5-32b", 27648, false},
                        Case{"qwen3-0.6b", 3072, true},
                        Case{"qwen3-1.7b", 6144, true},
                        Case{"qwen3-4b", 9728, true},
                        Case{"qwen3-4b-thinking-2507", 9728, true},
                        Case{"qwen3-14b", 17408, false},
                        Case{"mixtral-8x22b", 16384, false},
                        Case{"qwen3-coder-480b-a35b", 8192, false},
                        Case{"qwen3-coder-30b-a3b", 5472, false},
                        Case{"mistral-7b-v0.3", 14336, false},
                        Case{"phi-4", 17920, false},
                        Case{"gemma-3-27b", 21504, true},
                        Case{"gemma-3-12b", 15360, true},
                        Case{"gemma-3-4b", 10240, true},
                        Case{"glm-4.5-air", 10944, false},
                        Case{"ernie-4.5-300b-a47b", 28672, true},
                        Case{"ernie-4.5-21b-a3b", 12288, true},
                        Case{"deepseek-r1-distill-qwen-7b", 18944, false},
                        Case{"glm-4-9b", 13696, false},
                        Case{"yi-34b", 20480, false},
                        Case{"llama-4-maverick", 16384, false},
                        Case{"deepseek-v2-lite", 10944, false},
                        Case{"mistral-large-2", 28672, false},
                        Case{"mistral-nemo", 14336, false},
                        Case{"mistral-small-3.1-24b", 32768, false},
                        Case{"deepseek-r1-distill-qwen-32b", 27648, false},
                        Case{"deepseek-r1-distill-qwen-14b", 13824, false},
                        Case{"deepseek-r1-distill-qwen-1.5b", 8960, false},
                        Case{"qwen2.5-vl-72b", 29568, false},
                        Case{"qwen2.5-vl-7b", 18944, false},
                        Case{"gemma-2-27b", 36864, true},
                        Case{"gemma-2-9b", 14336, true},
                        Case{"phi-3.5-moe", 6400, false},
                        Case{"hunyuan-a13b", 3072, true},
                        Case{"ling-1t", 18432, false},
                        Case{"ring-1t", 18432, false},
                        Case{"longcat-flash-chat", 12288, false},
                        Case{"seed-oss-36b", 27648, false}}) {
    const Model& m = M(c.id);
    EXPECT_EQ(m.ffn_hidden, c.ffn) << c.id;
    EXPECT_EQ(m.tied_embeddings, c.tied) << c.id;
  }
}

// config.json's "architectures" (the class engines pick kernels by: SGLang's FA3-default list,
// S4671): Meta's Llama 2 / 3 / 3.1 / 3.2 releases are LlamaForCausalLM (S4790), Llama 4 the
// multimodal Llama4ForConditionalGeneration (S4791); aliases (Llama 3.3, the R1 Llama distills)
// share the entry and so the class.
TEST(ReleasedConfigs, LlamaArchitecturesMatchTheirConfigs) {
  for (const char* id :
       {"llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3-8b", "llama-3.1-8b", "llama-3-70b",
        "llama-3.1-70b", "llama-3.3-70b", "llama-3-405b", "llama-3.2-1b", "llama-3.2-3b",
        "deepseek-r1-distill-llama-8b", "deepseek-r1-distill-llama-70b"}) {
    EXPECT_EQ(M(id).hf_architecture, "LlamaForCausalLM") << id;
  }
  EXPECT_EQ(M("llama-4-scout").hf_architecture, "Llama4ForConditionalGeneration");
  EXPECT_EQ(M("llama-4-maverick").hf_architecture, "Llama4ForConditionalGeneration");
}

// The other families on SGLang's FA3-default list (S4671): Qwen2.5 and its fine-tunes (QwQ, the
// R1 Qwen distills) Qwen2ForCausalLM, Qwen2.5-VL its own class (S4792); Gemma 2 Gemma2ForCausalLM,
// the multimodal Gemma 3 4B/12B/27B Gemma3ForConditionalGeneration (S4793).
TEST(ReleasedConfigs, QwenAndGemmaArchitecturesMatchTheirConfigs) {
  for (const char* id : {"qwen2.5-7b", "qwen2.5-14b", "qwen2.5-32b", "qwen2.5-72b", "qwq-32b",
                         "deepseek-r1-distill-qwen-1.5b", "deepseek-r1-distill-qwen-7b",
                         "deepseek-r1-distill-qwen-14b", "deepseek-r1-distill-qwen-32b"}) {
    EXPECT_EQ(M(id).hf_architecture, "Qwen2ForCausalLM") << id;
  }
  EXPECT_EQ(M("qwen2.5-vl-7b").hf_architecture, "Qwen2_5_VLForConditionalGeneration");
  EXPECT_EQ(M("qwen2.5-vl-72b").hf_architecture, "Qwen2_5_VLForConditionalGeneration");
  EXPECT_EQ(M("gemma-2-9b").hf_architecture, "Gemma2ForCausalLM");
  EXPECT_EQ(M("gemma-2-27b").hf_architecture, "Gemma2ForCausalLM");
  for (const char* id : {"gemma-3-4b", "gemma-3-12b", "gemma-3-27b"}) {
    EXPECT_EQ(M(id).hf_architecture, "Gemma3ForConditionalGeneration") << id;
  }
}

// Releases that share an architecture resolve to one entry; the 2507 Qwen3 updates, whose
// context differs (262,144 against 40,960), do not.
TEST(ReleasedConfigs, SameArchitectureReleasesShareAnEntry) {
  EXPECT_EQ(M("deepseek-v3.1").id, "deepseek-v3");
  EXPECT_EQ(M("deepseek-v3.1-terminus").id, "deepseek-v3");
  EXPECT_EQ(M("deepseek-v3-0324").id, "deepseek-v3");
  EXPECT_EQ(M("deepseek-r1-0528").id, "deepseek-r1");
  EXPECT_EQ(M("qwen3-235b-a22b-thinking-2507").id, "qwen3-235b-a22b-2507");
  EXPECT_EQ(M("qwen3-30b-a3b-instruct-2507").id, "qwen3-30b-a3b-2507");
  EXPECT_NE(M("qwen3-235b-a22b").max_seq_len, M("qwen3-235b-a22b-2507").max_seq_len);
}

// The refused setup: a 9.4K-token prompt on Llama 3.1 405B is within its context.
TEST(ReleasedConfigs, Llama31TakesALongPrompt) {
  EXPECT_GE(M("llama-3-405b").max_seq_len, 9400 + 1000);
}

// KV cache per token at 2 bytes per element, by hand:
// Qwen3-235B-A22B 94 layers x 2 (K, V) x 4 KV heads x 128 x 2 B = 192,512;
// Qwen3-32B 64 x 2 x 8 x 128 x 2 = 262,144; GLM-4.5 92 x 2 x 8 x 128 x 2 = 376,832;
// DeepSeek-V3.2 61 x ((512 + 64) x 2 B latent + 128 B FP8 indexer key + 4 B scale) = 78,324;
// on an FP8 cache FlashMLA's "FP8 with scale" token (FlashMLA README, vLLM's fp8_ds_mla cache
// shape, 656 B: 512 FP8 latent values, 512 / 128 = 4 float32 scales = 16 B, 64 BF16 rope values =
// 128 B) plus the same 132-byte indexer key: 61 x (656 + 132) = 48,068, not 61 x (576 + 132);
// MiniMax-M1: only its 10 softmax layers, 10 x 2 x 8 x 128 x 2 = 40,960, plus a fixed state of
// 70 lightning layers x 64 heads x 128 x 128 x 4 B = 293,601,280 B (280 MiB) per sequence.
TEST(ReleasedConfigs, KvBytesPerTokenByHand) {
  EXPECT_DOUBLE_EQ(perf::KvCacheBytesPerToken(M("qwen3-235b-a22b"), 2), 192512);
  EXPECT_DOUBLE_EQ(perf::KvCacheBytesPerToken(M("qwen3-32b"), 2), 262144);
  EXPECT_DOUBLE_EQ(perf::KvCacheBytesPerToken(M("glm-4.5"), 2), 376832);
  EXPECT_DOUBLE_EQ(perf::KvCacheBytesPerToken(M("deepseek-v3.2"), 2), 78324);
  EXPECT_DOUBLE_EQ(perf::KvCacheBytesPerToken(M("deepseek-v3.2"), 1), 48068);
  // Dense MLA (DeepSeek-V3) on an FP8 cache keeps one byte an element: 61 x 576 = 35,136.
  EXPECT_DOUBLE_EQ(perf::KvCacheBytesPerToken(M("deepseek-v3"), 1), 35136);
  EXPECT_DOUBLE_EQ(perf::KvCacheBytesPerToken(M("minimax-m1"), 2), 40960);
  EXPECT_DOUBLE_EQ(perf::LinearAttentionStateBytes(M("minimax-m1")), 293601280);
  EXPECT_EQ(perf::SoftmaxAttentionLayers(M("minimax-m1")), 10);
  EXPECT_DOUBLE_EQ(perf::LinearAttentionStateBytes(M("deepseek-v3.2")), 0);
  // MiniMax-M2 is full attention (attn_type_list all 1), unlike M1: every one of its 62 layers
  // caches K and V, 62 x 2 x 8 x 128 x 2 B = 253,952, and there is no fixed state.
  EXPECT_DOUBLE_EQ(perf::KvCacheBytesPerToken(M("minimax-m2"), 2), 253952);
  EXPECT_EQ(perf::SoftmaxAttentionLayers(M("minimax-m2")), 62);
  EXPECT_DOUBLE_EQ(perf::LinearAttentionStateBytes(M("minimax-m2")), 0);
}

// Published totals and activated parameters (model cards): Qwen3-235B-A22B 235B / 22B,
// Qwen3-30B-A3B 30.5B / 3.3B, Qwen3-32B 32.8B, Qwen3-8B 8.2B, DeepSeek-V3.2 671B / 37B,
// GLM-4.5 355B / 32B, MiniMax-M1 456B / 45.9B, Mixtral-8x7B 46.7B / 12.9B (Mistral AI's post).
// By hand, Mixtral-8x7B: attention 4096 x 4096 x 2 + 4096 x 1024 x 2 = 41.94M, experts
// 8 x 3 x 4096 x 14336 = 1,409.3M per layer; 32 x 1,451.3M = 46.44B + 2 x 32,000 x 4096 = 0.26B
// -> 46.70B; active 32 x (41.94M + 2 x 176.16M) = 12.62B + 0.26B = 12.88B.
// By hand, Qwen3-235B-A22B: attention 4096 x 8192 x 2 + 4096 x 512 x 2 = 71.3M, experts
// 128 x 3 x 4096 x 1536 = 2,416M per layer; 94 x 2,487.8M = 233.9B + 2 x 151,936 x 4096 = 1.24B
// -> 235.1B; active 94 x (71.3M + 8 x 18.87M) = 20.9B + 1.24B = 22.1B.
// DeepSeek-V3.2: V3's 37.6B active plus the indexer's 0.85B = 38.4B (the card keeps V3's 37B): 5 %.
// GLM-4.5: 352.7B, 33.6B active (QKV biases, QK-norm and the larger MTP layer not counted; the
// card's 32B counts the embedding once); MiniMax-M1: 456.1B, 48.4B (the card's 45.9B counts less
// of the 70 lightning layers' 252M-parameter attention): within 6 %.
// A model card's totals, billions, and how close the active count must come.
struct CardTotal {
  const char* id;
  double total_b, active_b, active_tolerance;
};

void ExpectCardTotals(std::initializer_list<CardTotal> cards, double total_tolerance) {
  for (const CardTotal& c : cards) {
    const Model& m = M(c.id);
    EXPECT_NEAR(perf::TotalParams(m) / 1e9, c.total_b, total_tolerance * c.total_b) << c.id;
    EXPECT_NEAR(perf::ActiveParams(m) / 1e9, c.active_b, c.active_tolerance * c.active_b) << c.id;
  }
}

TEST(ReleasedConfigs, ParameterCountsMatchPublishedTotals) {
  ExpectCardTotals({{"qwen3-235b-a22b", 235, 22, 0.03},
                    {"qwen3-30b-a3b", 30.5, 3.3, 0.03},
                    {"qwen3-32b", 32.8, 32.8, 0.03},
                    {"qwen3-8b", 8.2, 8.2, 0.03},
                    {"deepseek-v3.2", 671, 37, 0.05},
                    {"glm-4.5", 355, 32, 0.06},
                    {"minimax-m1", 456, 45.9, 0.06},
                    {"mixtral-8x7b", 46.7, 12.9, 0.01}},
                   0.03);
  // The indexer: 61 x (1536 x 64 x 128 + 7168 x 128 + 7168 x 64) = 61 x 13,959,168 parameters.
  EXPECT_NEAR(perf::TotalParams(M("deepseek-v3.2")) - perf::TotalParams(M("deepseek-v3")),
              61.0 * 13959168, 1);
}

// The models added for issue 13 item 5's second step, against their model cards within 1 %:
// totals (Llama 3.2 1B 1.24B and 3B 3.21B, HF safetensors; Qwen2.5 7B 7.61B, 14B 14.7B, 32B
// 32.5B; Qwen3 14B 14.8B; Mixtral-8x22B 141B / 39B active; Qwen3-Coder-480B-A35B 480B / 35B)
// and, where the card gives it, the non-embedding count (Qwen3 0.6B 0.44B, 1.7B 1.4B, 4B 3.6B,
// 14B 13.2B; Qwen2.5 7B 6.53B, 14B 13.1B, 32B 31.0B). By hand, Qwen3-0.6B: 28 x (1024 x 2048 x 2
// + 1024 x 1024 x 2 + 3 x 1024 x 3072) = 28 x 15.73M = 0.440B, plus one tied 151,936 x 1,024
// embedding = 0.596B. Mixtral-8x22B: 56 x (6144 x 6144 x 2 + 6144 x 1024 x 2 + 8 x 3 x 6144 x
// 16384) = 140.2B + 2 x 32,768 x 6,144 = 140.6B; active 56 x (88.1M + 2 x 302.0M) + 0.40B =
// 39.2B. Qwen3-Coder: 62 x (163.6M + 160 x 47.19M) + 1.87B = 480.2B; active 62 x (164.6M + 8 x
// 47.19M) + 1.87B = 35.5B (the card's 35B: 1.4 %).
TEST(ReleasedConfigs, AddedModelsMatchTheirCards) {
  ExpectCardTotals({{"llama-3.2-1b", 1.24, 1.24, 0.01},
                    {"llama-3.2-3b", 3.21, 3.21, 0.01},
                    {"qwen2.5-7b", 7.61, 7.61, 0.01},
                    {"qwen2.5-14b", 14.7, 14.7, 0.01},
                    {"qwen2.5-32b", 32.5, 32.5, 0.01},
                    {"qwen3-14b", 14.8, 14.8, 0.01},
                    {"mixtral-8x22b", 141, 39, 0.01},
                    {"qwen3-coder-480b-a35b", 480, 35, 0.02},
                    {"qwen3-235b-a22b-2507", 235, 22, 0.03},
                    {"qwen3-30b-a3b-2507", 30.5, 3.3, 0.03},
                    {"qwen3-coder-30b-a3b", 30.5, 3.3, 0.03}},
                   0.01);
  struct NonEmbedding {
    const char* id;
    double b;
  };
  for (const NonEmbedding& c : {NonEmbedding{"qwen3-0.6b", 0.44}, NonEmbedding{"qwen3-1.7b", 1.4},
                                NonEmbedding{"qwen3-4b", 3.6}, NonEmbedding{"qwen3-14b", 13.2},
                                NonEmbedding{"qwen2.5-7b", 6.53}, NonEmbedding{"qwen2.5-14b", 13.1},
                                NonEmbedding{"qwen2.5-32b", 31.0}}) {
    const Model& m = M(c.id);
    const double embeddings = perf::CountLayerParams(m).embedding * (m.tied_embeddings ? 1 : 2);
    EXPECT_NEAR((perf::TotalParams(m) - embeddings) / 1e9, c.b, 0.01 * c.b) << c.id;
  }
  // The two RMSNorm weights per layer (2 x 1,024) are counted too.
  EXPECT_NEAR(perf::TotalParams(M("qwen3-0.6b")), 28 * (15728640.0 + 2 * 1024) + 151936.0 * 1024,
              1);
}

// MiniMax-M2 against its card (230B total, 10B activated) and by hand from its config:
// attention 3072 x 6144 x 2 + 3072 x 1024 x 2 = 44,040,192, router 3072 x 256 = 786,432, two
// norms 6,144, experts 256 x 3 x 3072 x 1536 = 3,623,878,656 per layer; 62 x 3,668,711,424 =
// 227,460,108,288 + 2 x 200,064 x 3,072 = 1,229,193,216 -> 228.69B (the card's 230B: 0.6 %).
// Active: 62 x (44,040,192 + 6,144 + 786,432 + 8 x 14,155,776) = 9,800,896,512, 2 % under the
// card's 10B without embeddings, 11.03B with both (the card counts neither). Kimi K2 Thinking is
// Kimi K2's shape: 1,026B / 32.9B against the card's 1T (1.04T in the report) / 32B.
TEST(ReleasedConfigs, MiniMaxM2AndKimiK2ThinkingMatchTheirCards) {
  ExpectCardTotals({{"minimax-m2", 230, 10, 0.11}, {"kimi-k2-thinking", 1040, 32, 0.03}}, 0.02);
  const Model& m2 = M("MiniMaxAI/MiniMax-M2");
  EXPECT_EQ(m2.id, "minimax-m2");
  EXPECT_DOUBLE_EQ(perf::TotalParams(m2), 62 * 3668711424.0 + 1229193216.0);
  EXPECT_DOUBLE_EQ(perf::ActiveParams(m2), 9800896512.0 + 1229193216.0);
  const double embeddings = 2 * perf::CountLayerParams(m2).embedding;
  EXPECT_NEAR((perf::ActiveParams(m2) - embeddings) / 1e9, 10, 0.02 * 10);
  EXPECT_FALSE(m2.linear_attention.has_value());
  EXPECT_EQ(M("MiniMaxAI/MiniMax-M2.1").id, "minimax-m2");
  // Kimi K2 Thinking and K2-Instruct-0905 take a 256K prompt; the July K2-Instruct stays at 128K.
  EXPECT_EQ(M("moonshotai/Kimi-K2-Thinking").id, "kimi-k2-thinking");
  EXPECT_EQ(M("moonshotai/Kimi-K2-Instruct").id, "kimi-k2");
  EXPECT_EQ(M("moonshotai/Kimi-K2-Instruct-0905").id, "kimi-k2-instruct-0905");
  EXPECT_EQ(M("kimi-k2-instruct-0905").max_seq_len, 262144);
  EXPECT_DOUBLE_EQ(perf::TotalParams(M("kimi-k2-thinking")), perf::TotalParams(M("kimi-k2")));
  EXPECT_GE(M("kimi-k2-thinking").max_seq_len, 200000 + 8192);
}

// MiniMax-M2 ships in FP8 (config.json quantization_config: quant_method fp8, 128 x 128 blocks),
// and so does M2.1; infer serves it so by default. As released on an 8-card L20 server (48 GB):
// tp 1, ep 8, dp 8 keeps attention, router, norms and both embeddings on every card,
// 62 x (44,040,192 + 6,144 + 786,432) + 1,229,193,216 = 4,008,824,832 B, and an eighth of the
// experts, 62 x 3,623,878,656 / 8 = 28,085,059,584 B: 32,093,884,416 B = 29.89 GiB of 48.
TEST(ReleasedConfigs, MiniMaxM2AsReleasedOnEightL20) {
  for (const char* name : {"MiniMaxAI/MiniMax-M2", "MiniMaxAI/MiniMax-M2.1"}) {
    auto c = Builtin().FindCheckpoint(name);
    ASSERT_TRUE(c) << name << ": " << c.error().ToString();
    EXPECT_EQ(c->model->id, "minimax-m2") << name;
    EXPECT_EQ(c->precision.dtype, "fp8") << name;
    EXPECT_EQ(c->precision.expert_dtype, "") << name;
  }
  const Chip& l20 = **Builtin().FindChip("l20");
  perf::InferenceJob job = perf::InferenceJobFor(Builtin(), M("minimax-m2"), l20);
  if (auto sys = Builtin().SystemFor(l20)) job.system = *sys;
  job.dtype = perf::ServingDType::kFp8;
  perf::InferenceConstraints c;
  c.tp = 1;
  c.ep = 8;
  c.dp = 8;
  auto e = perf::EstimateInference(job, c);
  ASSERT_TRUE(e) << e.error().ToString();
  const double replicated = 62 * (44040192.0 + 6144 + 786432) + 1229193216.0;
  const double experts = 62 * 3623878656.0 / 8;
  EXPECT_NEAR(e->weights_gib_per_chip, (replicated + experts) / (1024.0 * 1024 * 1024), 0.01);
  EXPECT_LT(e->weights_gib_per_chip, 48);
}

// DSA's attention: below top_k keys it is DeepSeek-V3's plus the indexer; at 128K context each
// query attends to 2,048 keys. Training forward, per token, one layer, causal at 131,072:
// V3 2 x 128 x (192 + 128) x 65,536.5 keys; V3.2 the same over (2048 x 2049 / 2 + 129,024 x
// 2048) / 131,072 = 2,032.0 keys, plus the indexer's 2 x 64 x 128 per visible key.
TEST(ReleasedConfigs, SparseAttentionCapsTheKeys) {
  const Model& v3 = M("deepseek-v3");
  const Model& v32 = M("deepseek-v3.2");
  const double per_key = 2.0 * 128 * (192 + 128);
  const double indexer = 2.0 * 64 * 128;
  const double s = 131072;
  const double attended = (2048.0 * 2049 / 2 + (s - 2048) * 2048) / s;
  EXPECT_NEAR(perf::AttentionFlopsPerToken(v3, 131072) / 61, per_key * (s + 1) / 2, 1);
  EXPECT_NEAR(perf::AttentionFlopsPerToken(v32, 131072) / 61,
              per_key * attended + indexer * (s + 1) / 2, 1);
  // Short sequences: all keys attended, the indexer on top.
  EXPECT_NEAR(perf::AttentionFlopsPerToken(v32, 1024) / 61, (per_key + indexer) * 1025 / 2, 1);
}

// A decode-only long-context run (120,000 tokens in, 1,024 out; FP8; tp 8 on one H200 node,
// offline, disaggregated so steps carry no prompt), the layout fixed for comparisons.
Result<perf::InferenceEstimate> LongContextDecodeOnH200(const Model& m) {
  const Chip& chip = **Builtin().FindChip("h200");
  perf::InferenceJob job = perf::InferenceJobFor(Builtin(), m, chip);
  if (auto sys = Builtin().SystemFor(chip)) job.system = *sys;
  job.dtype = perf::ServingDType::kFp8;
  job.input_tokens = 120000;
  job.output_tokens = 1024;
  job.disaggregate = true;
  job.mode = perf::ServingMode::kOffline;
  perf::InferenceConstraints fixed;
  fixed.tp = 8;
  fixed.dp = 1;
  fixed.ep = 1;
  return perf::EstimateInference(job, fixed);
}

// Serving at long context: a decode step of DeepSeek-V3.2 reads the latent cache of at most 2,048
// keys per sequence plus the indexer's keys of all of them; V3 reads every latent. Per sequence
// at context c (FP8 cache): V3 61 x 576 x c bytes; V3.2 61 x (656 x 2048 + 132 x c), its latent in
// FlashMLA's 656-byte FP8 token. At c = 120,000 + 512 (mean over the output) that is (1,343,488 +
// 15,907,584) / 69,414,912 = 0.2485 of V3's bytes; its FLOPs are smaller still (2,048 x 278,528 +
// c x 16,384 over c x 278,528 per layer: 0.076). So the attention time per sequence is at most
// 0.2485 of V3's, same layout.
TEST(ReleasedConfigs, SparseAttentionBoundsDecodeAtLongContext) {
  auto run = [&](const char* id) {
    auto e = LongContextDecodeOnH200(M(id));
    EXPECT_TRUE(e) << id << ": " << (e ? "" : e.error().ToString());
    return e ? e->step_attention_ms / e->max_batch : 0.0;
  };
  const double v3 = run("deepseek-v3");
  const double v32 = run("deepseek-v3.2");
  ASSERT_GT(v3, 0);
  EXPECT_LE(v32 / v3, 0.2486);
  EXPECT_GT(v32 / v3, 0.05);
}

// gpt-oss: of 36 (24) layers, every second attends to the whole context and the others to a
// 128-token window (config layer_types, sliding_window 128). By hand, gpt-oss-120b at 2 bytes:
// 18 full layers x 2 (K, V) x 8 KV heads x 64 x 2 B = 36,864 B per token, and at most 128 tokens
// of the 18 windowed layers' 36,864 B per token (4,718,592 B) per sequence. Attention FLOPs per
// key and layer 2 x 64 x (64 + 64) = 16,384; at 8,192 tokens causal the full layers read 4,096.5
// keys per query, the windowed ones (128 x 129 / 2 + 8,064 x 128) / 8,192 = 127.0 keys; at 100
// tokens (inside the window) every layer reads 50.5; without causality 8,192 and 128.
TEST(ReleasedConfigs, SlidingWindowBoundsTheWindowedLayers) {
  const Model& m = M("gpt-oss-120b");
  ASSERT_TRUE(m.sliding_window.has_value());
  EXPECT_EQ(m.sliding_window->window, 128);
  EXPECT_EQ(m.sliding_window->full_attention_every, 2);
  ASSERT_TRUE(M("gpt-oss-20b").sliding_window.has_value());
  EXPECT_EQ(M("gpt-oss-20b").sliding_window->window, 128);
  EXPECT_EQ(perf::FullAttentionLayers(m), 18);
  EXPECT_EQ(perf::WindowedAttentionLayers(m), 18);
  EXPECT_EQ(perf::FullAttentionLayers(M("gpt-oss-20b")), 12);
  EXPECT_DOUBLE_EQ(perf::KvCacheBytesPerToken(m, 2), 36864);
  EXPECT_DOUBLE_EQ(perf::WindowedKvBytesPerToken(m, 2) * 128, 4718592);
  const double per_key = 16384;
  EXPECT_NEAR(perf::AttentionFlopsPerToken(m, 8192),
              18 * per_key * 4096.5 + 18 * per_key * (128.0 * 129 / 2 + 8064.0 * 128) / 8192, 1);
  EXPECT_NEAR(perf::AttentionFlopsPerToken(m, 100), 36 * per_key * 50.5, 1e-6);
  EXPECT_NEAR(perf::AttentionFlopsPerToken(m, 8192, false),
              18 * per_key * 8192 + 18 * per_key * 128, 1);
  // A model without a window: all softmax layers full, none windowed.
  EXPECT_EQ(perf::WindowedAttentionLayers(M("qwen3-8b")), 0);
  EXPECT_DOUBLE_EQ(perf::WindowedKvBytesPerToken(M("qwen3-8b"), 2), 0);
}

// Published totals (gpt-oss model card, arXiv 2508.10925): 116.83B / 20.91B, and 5.13B / 3.61B
// active, which count the unembedding but not the input embedding. By hand, gpt-oss-120b per
// layer: attention 2880 x 4096 x 2 + 2880 x 512 x 2 = 26,542,080, router 2880 x 128, experts
// 128 x 3 x 2880 x 2880; 36 x 3,211,966,080 + 2 x 201,088 x 2,880 = 116.79B (expert biases,
// 0.04B, not counted); active 36 x 126,449,280 + 579,133,440 = 5.131B.
TEST(ReleasedConfigs, GptOssMatchesItsCard) {
  struct Case {
    const char* id;
    double total_b, active_b;
  };
  for (const Case& c : {Case{"gpt-oss-120b", 116.83, 5.13}, Case{"gpt-oss-20b", 20.91, 3.61}}) {
    const Model& m = M(c.id);
    EXPECT_NEAR(perf::TotalParams(m) / 1e9, c.total_b, 0.01 * c.total_b) << c.id;
    const double input_embedding = perf::CountLayerParams(m).embedding;
    EXPECT_NEAR((perf::ActiveParams(m) - input_embedding) / 1e9, c.active_b, 0.01 * c.active_b)
        << c.id;
  }
}

// Serving at long context: a decode step of gpt-oss-120b reads the full layers' KV of the whole
// context and the windowed layers' KV of 128 tokens; the same model without the window reads
// all 36 layers' KV of the whole context. Per sequence at context c = 120,000 + 512 (the mean
// over the output): (18 c + 18 x 128) / (36 c) = 0.5005 of the bytes and of the FLOPs, so the
// attention time per sequence is at most 0.501 of the unwindowed model's, same layout.
TEST(ReleasedConfigs, SlidingWindowHalvesLongContextDecodeAttention) {
  static Model unwindowed = M("gpt-oss-120b");
  unwindowed.sliding_window.reset();
  auto run = [&](const Model& m) {
    auto e = LongContextDecodeOnH200(m);
    EXPECT_TRUE(e) << m.id << ": " << (e ? "" : e.error().ToString());
    return e ? *e : perf::InferenceEstimate{};
  };
  const perf::InferenceEstimate windowed = run(M("gpt-oss-120b"));
  const perf::InferenceEstimate full = run(unwindowed);
  ASSERT_GT(full.max_batch, 0);
  ASSERT_GT(windowed.max_batch, 0);
  // FP8 KV: 18 x 2 x 8 x 64 x 1 B per token for the full layers only.
  EXPECT_DOUBLE_EQ(windowed.kv_cache_bytes_per_token, 18432);
  EXPECT_DOUBLE_EQ(full.kv_cache_bytes_per_token, 36864);
  const double ratio =
      (windowed.step_attention_ms / windowed.max_batch) / (full.step_attention_ms / full.max_batch);
  EXPECT_LE(ratio, 0.501);
  EXPECT_GT(ratio, 0.45);
  // Half the KV per sequence: about twice the sequences fit.
  EXPECT_GE(windowed.memory_max_batch, 2 * full.memory_max_batch - 1);
}

// A hybrid model's decode reads its softmax layers' KV and the fixed state, never a per-token KV
// of its linear layers: at 1M tokens of context, MiniMax-M1's cache per sequence is
// 40,960 x 1,000,000 / 2 (FP8) + 293,601,280 B of state = 20.8 GB, not 80 layers' worth.
TEST(ReleasedConfigs, HybridAttentionServesALongContext) {
  const Chip& chip = **Builtin().FindChip("h200");
  perf::InferenceJob job = perf::InferenceJobFor(Builtin(), M("minimax-m1"), chip);
  if (auto sys = Builtin().SystemFor(chip)) job.system = *sys;
  job.dtype = perf::ServingDType::kFp8;
  job.input_tokens = 1000000;
  job.output_tokens = 1000;
  job.mode = perf::ServingMode::kOffline;
  auto e = perf::EstimateInference(job, {});
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_DOUBLE_EQ(e->kv_cache_bytes_per_token, 20480);
  EXPECT_GE(e->max_batch, 1);
}

// Dense models as released, against their cards by hand (norms left out of the sums).
// Mistral-7B-v0.3: 32 x (4096 x 4096 x 2 + 4096 x 1024 x 2 + 3 x 4096 x 14336) = 32 x 218,103,808
// = 6.979B + 2 x 32,768 x 4,096 = 0.268B -> 7.248B (HF 7.25B). Phi-4: 40 x (5120 x 5120 x 2 +
// 5120 x 1280 x 2 + 3 x 5120 x 17920) = 40 x 340,787,200 = 13.631B + 2 x 100,352 x 5,120 =
// 1.028B -> 14.659B (HF 14.7B). Gemma 3's language models against the technical report's Table
// 1 (non-embedding 25,600M, 10,759M, 3,209M): 27B 62 x (5376 x 4096 x 2 + 5376 x 2048 x 2 + 3 x
// 5376 x 21504) = 62 x 412,876,800 = 25,598.4M; 12B 48 x (3840 x 4096 x 2 + 3840 x 2048 x 2 +
// 3 x 3840 x 15360) = 48 x 224,133,120 = 10,758.4M; 4B 34 x (2560 x 2048 x 2 + 2560 x 1024 x 2 +
// 3 x 2560 x 10240) = 34 x 94,371,840 = 3,208.6M; plus one tied 262,208-token embedding.
TEST(ReleasedConfigs, DenseModelsAsReleasedMatchTheirCards) {
  ExpectCardTotals({{"mistral-7b-v0.3", 7.25, 7.25, 0.005}, {"phi-4", 14.7, 14.7, 0.005}}, 0.005);
  struct NonEmbedding {
    const char* id;
    double b;
  };
  for (const NonEmbedding& c :
       {NonEmbedding{"gemma-3-27b", 25.600}, NonEmbedding{"gemma-3-12b", 10.759},
        NonEmbedding{"gemma-3-4b", 3.209}}) {
    const Model& m = M(c.id);
    ASSERT_TRUE(m.tied_embeddings) << c.id;
    const double embedding = perf::CountLayerParams(m).embedding;
    EXPECT_NEAR((perf::TotalParams(m) - embedding) / 1e9, c.b, 0.001 * c.b) << c.id;
  }
  EXPECT_DOUBLE_EQ(perf::CountLayerParams(M("gemma-3-27b")).embedding, 262208.0 * 5376);
}

// The names users type resolve to the entry with the released architecture: the R1 distills of
// Llama are fine-tunes of Llama 3.1 8B and Llama 3.3 70B (same configs, 131,072 context).
TEST(ReleasedConfigs, HuggingFaceNamesResolve) {
  EXPECT_EQ(M("deepseek-ai/DeepSeek-R1-Distill-Llama-8B").id, "llama-3.1-8b");
  EXPECT_EQ(M("deepseek-ai/DeepSeek-R1-Distill-Llama-70B").id, "llama-3.1-70b");
  EXPECT_EQ(M("mistralai/Mistral-7B-Instruct-v0.3").id, "mistral-7b-v0.3");
  EXPECT_EQ(M("microsoft/phi-4").id, "phi-4");
  EXPECT_EQ(M("google/gemma-3-27b-it").id, "gemma-3-27b");
  EXPECT_EQ(M("google/gemma-3-12b-it").id, "gemma-3-12b");
  EXPECT_EQ(M("google/gemma-3-4b-it").id, "gemma-3-4b");
}

// Gemma 3: of 62 layers every 6th is global (10), the other 52 attend to the last 1,024 tokens
// (config sliding_window 1024, 5 local : 1 global). KV per token at 2 B, by hand: the global
// layers 10 x 2 x 16 x 128 x 2 = 81,920 B; the windowed layers' 52 x 8,192 = 425,984 B per
// token, for at most 1,024 tokens a sequence. 4B: 34 layers, 5 global, 29 windowed.
TEST(ReleasedConfigs, Gemma3WindowsFiveLayersOfSix) {
  const Model& m = M("gemma-3-27b");
  ASSERT_TRUE(m.sliding_window.has_value());
  EXPECT_EQ(m.sliding_window->window, 1024);
  EXPECT_EQ(perf::FullAttentionLayers(m), 10);
  EXPECT_EQ(perf::WindowedAttentionLayers(m), 52);
  EXPECT_DOUBLE_EQ(perf::KvCacheBytesPerToken(m, 2), 81920);
  EXPECT_DOUBLE_EQ(perf::WindowedKvBytesPerToken(m, 2), 425984);
  EXPECT_EQ(perf::FullAttentionLayers(M("gemma-3-4b")), 5);
  EXPECT_EQ(perf::WindowedAttentionLayers(M("gemma-3-4b")), 29);
  EXPECT_EQ(perf::FullAttentionLayers(M("gemma-3-12b")), 8);
}

// Llama 4 by hand from its configs (norms, 2 x 5,120 a layer, left out): attention 5120 x 5120
// x 2 + 5120 x 1024 x 2 = 62,914,560, one expert 3 x 5120 x 8192 = 125,829,120, a dense MLP
// 3 x 5120 x 16384 = 251,658,240, embeddings 2 x 202,048 x 5,120 = 2,068,971,520.
// Scout (48 MoE layers, 16 routed + 1 shared, router 5120 x 16): 48 x (62,914,560 + 17 x
// 125,829,120 + 81,920) = 105,700,392,960 -> 107.77B (card 109B with the vision encoder);
// active 48 x (62,914,560 + 81,920 + 2 x 125,829,120) = 15,103,426,560 -> 17.17B (card 17B).
// Maverick (interleave_moe_layer_step 2: 24 dense, 24 MoE of 128 routed + 1 shared, router
// 5120 x 128): 24 x 314,572,800 + 24 x (62,914,560 + 129 x 125,829,120 + 655,360) =
// 398,642,380,800 -> 400.71B (card 400B); active 24 x 314,572,800 + 24 x 315,228,160 =
// 15,115,223,040 -> 17.18B (card 17B). DeepSeek-V2-Lite (MLA without query compression):
// attention 2048 x 16 x 192 + 2048 x 576 + 512 x 16 x 256 + 16 x 128 x 2048 = 13,762,560, one
// dense layer 3 x 2048 x 10944 = 67,239,936, 26 MoE layers of 66 experts of 3 x 2048 x 1408 =
// 8,650,752 and a 2048 x 64 router: 27 x 13,762,560 + 67,239,936 + 26 x 571,080,704 +
// 2 x 102,400 x 2,048 = 15.706B (paper 15.7B); active 371,589,120 + 67,239,936 + 26 x
// 69,337,088 = 2.242B without embeddings, 2.451B with the input one (paper 2.4B).
TEST(ReleasedConfigs, Llama4AndDeepSeekV2LiteMatchTheirCards) {
  const double norms = 2 * 5120.0 * 48;
  EXPECT_NEAR(perf::TotalParams(M("llama-4-scout")), 105700392960.0 + 2068971520 + norms, 1);
  EXPECT_NEAR(perf::ActiveParams(M("llama-4-scout")), 15103426560.0 + 2068971520 + norms, 1);
  EXPECT_NEAR(perf::TotalParams(M("llama-4-maverick")), 398642380800.0 + 2068971520 + norms, 1);
  EXPECT_NEAR(perf::ActiveParams(M("llama-4-maverick")), 15115223040.0 + 2068971520 + norms, 1);
  ExpectCardTotals({{"llama-4-scout", 109, 17, 0.02}, {"llama-4-maverick", 400, 17, 0.02}}, 0.02);
  const Model& lite = M("deepseek-v2-lite");
  EXPECT_NEAR(perf::TotalParams(lite) / 1e9, 15.7, 0.005 * 15.7);
  const double input_embedding = perf::CountLayerParams(lite).embedding;
  EXPECT_NEAR((perf::ActiveParams(lite) - input_embedding) / 1e9, 2.4, 0.03 * 2.4);
  EXPECT_EQ(lite.mla->q_lora_rank, 0);
}

// Maverick's experts are on every second layer (1, 3, ..., 47): 24 MoE and 24 dense layers, so a
// pipeline stage of any 2k consecutive layers holds k of each.
TEST(ReleasedConfigs, Llama4MaverickInterleavesItsExperts) {
  const Model& m = M("meta-llama/Llama-4-Maverick-17B-128E-Instruct");
  EXPECT_EQ(m.id, "llama-4-maverick");
  ASSERT_TRUE(m.moe.has_value());
  EXPECT_EQ(m.moe->layer_step, 2);
  const perf::LayerParams p = perf::CountLayerParams(m);
  EXPECT_EQ(p.moe_layers, 24);
  EXPECT_EQ(p.dense_layers, 24);
  EXPECT_FALSE(perf::IsMoeLayer(m, 0));
  EXPECT_TRUE(perf::IsMoeLayer(m, 1));
  EXPECT_TRUE(perf::IsMoeLayer(m, 47));
  EXPECT_EQ(perf::MoeLayersIn(m, 0, 12), 6);
  EXPECT_EQ(perf::MoeLayersIn(m, 36, 12), 6);
  // Scout: every layer; DeepSeek-V3: all but the first 3.
  EXPECT_EQ(perf::CountLayerParams(M("llama-4-scout")).moe_layers, 48);
  EXPECT_EQ(perf::MoeLayersIn(M("deepseek-v3"), 0, 4), 1);
  // Chunked attention (8,192-token chunks) on 3 of 4 layers, every 4th global: 12 full layers.
  EXPECT_EQ(perf::FullAttentionLayers(m), 12);
  EXPECT_EQ(perf::WindowedAttentionLayers(m), 36);
  EXPECT_EQ(m.sliding_window->window, 8192);
}

// MoE and dense models as released, by hand from their configs (norms left out):
// GLM-4.5-Air: attention 4096 x 12288 x 2 + 4096 x 1024 x 2 = 109,051,904, expert 3 x 4096 x
// 1408 = 17,301,504, router 4096 x 128, dense MLP 3 x 4096 x 10944 = 134,479,872; 46 x
// 109,051,904 + 134,479,872 + 45 x (129 x 17,301,504 + 524,288) + 2 x 151,552 x 4,096 =
// 106.85B (card 106B); active 13.42B with both embeddings, 12.18B without (card 12B).
// ERNIE-4.5-300B-A47B: attention 8192 x 8192 x 2 + 8192 x 1024 x 2 = 150,994,944, expert 3 x
// 8192 x 3584 = 88,080,384, router 8192 x 64, 3 dense MLPs of 3 x 8192 x 28672; 54 x
// 150,994,944 + 3 x 704,643,072 + 51 x (64 x 88,080,384 + 524,288) + one tied 103,424 x 8,192
// = 298.64B (card 300B); active 51 x (8 x 88,080,384 + 524,288) in place of the experts = 47.08B
// (card 47B). ERNIE-4.5-21B-A3B: 28 x 15,728,640 + 94,371,840 + 27 x (66 x 11,796,480 +
// 163,840) + 103,424 x 2,560 = 21.83B (card 21B); active 27 x (8 x 11,796,480 + 163,840) in
// place of the experts = 3.35B (card A3B). GLM-4-9B: 40 x (4096 x 4096 x 2 + 4096 x 256 x 2 +
// 3 x 4096 x 13696) + 2 x 151,552 x 4,096 = 9.40B (9.4B). Yi-34B: 60 x (7168 x 7168 x 2 + 7168 x
// 1024 x 2 + 3 x 7168 x 20480) + 2 x 64,000 x 7,168 = 34.39B (34.4B).
TEST(ReleasedConfigs, MoreModelsAsReleasedMatchTheirCards) {
  const Model& air = M("glm-4.5-air");
  EXPECT_NEAR(perf::TotalParams(air), 106851205120.0 + 46 * 2 * 4096.0, 1);
  const double air_embeddings = 2 * perf::CountLayerParams(air).embedding;
  EXPECT_NEAR((perf::ActiveParams(air) - air_embeddings) / 1e9, 12, 0.02 * 12);
  const Model& e300 = M("ernie-4.5-300b-a47b");
  EXPECT_NEAR(perf::TotalParams(e300), 298636017664.0 + 54 * 2 * 8192.0, 1);
  EXPECT_NEAR(perf::ActiveParams(e300), 47078440960.0 + 54 * 2 * 8192.0, 1);
  ExpectCardTotals({{"ernie-4.5-300b-a47b", 300, 47, 0.01},
                    {"glm-4.5-air", 106, 13.42, 0.01},
                    {"glm-4-9b", 9.4, 9.4, 0.005},
                    {"yi-34b", 34.4, 34.4, 0.005},
                    {"deepseek-r1-distill-qwen-7b", 7.61, 7.61, 0.01}},
                   0.01);
  EXPECT_NEAR(perf::TotalParams(M("ernie-4.5-21b-a3b")), 21825290240.0 + 28 * 2 * 2560.0, 1);
  EXPECT_NEAR(perf::ActiveParams(M("ernie-4.5-21b-a3b")), 3352002560.0 + 28 * 2 * 2560.0, 1);
  // The names users type.
  EXPECT_EQ(M("zai-org/GLM-4.5-Air").id, "glm-4.5-air");
  EXPECT_EQ(M("baidu/ERNIE-4.5-300B-A47B-PT").id, "ernie-4.5-300b-a47b");
  EXPECT_EQ(M("baidu/ERNIE-4.5-21B-A3B-PT").id, "ernie-4.5-21b-a3b");
  EXPECT_EQ(M("deepseek-ai/DeepSeek-V2-Lite").id, "deepseek-v2-lite");
  EXPECT_EQ(M("deepseek-ai/DeepSeek-V2-Lite-Chat").id, "deepseek-v2-lite");
  EXPECT_EQ(M("meta-llama/Llama-4-Scout-17B-16E-Instruct").id, "llama-4-scout");
  EXPECT_EQ(M("THUDM/glm-4-9b-chat").id, "glm-4-9b");
  EXPECT_EQ(M("01-ai/Yi-34B").id, "yi-34b");
  // The 7B distill is Qwen2.5-7B's shape with its own 131,072-token context (the Instruct
  // model's config says 32,768), so it is not an alias of qwen2.5-7b.
  EXPECT_EQ(M("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B").id, "deepseek-r1-distill-qwen-7b");
  EXPECT_DOUBLE_EQ(perf::TotalParams(M("deepseek-r1-distill-qwen-7b")),
                   perf::TotalParams(M("qwen2.5-7b")));
  // QwQ-32B: Qwen2.5-32B's shape (32.76B by hand, the card's 32.5B) with the 40,960 of its config.
  EXPECT_EQ(M("Qwen/QwQ-32B").id, "qwq-32b");
  EXPECT_DOUBLE_EQ(perf::TotalParams(M("qwq-32b")), perf::TotalParams(M("qwen2.5-32b")));
  EXPECT_EQ(M("qwq-32b").max_seq_len, 40960);
}

// Models as released, third step, by hand from their configs (norms, 2 x hidden a layer, added
// as the model counts them). Mistral Large 2: 88 x (12288 x 12288 x 2 + 12288 x 1024 x 2 + 3 x
// 12288 x 28672) = 88 x 1,384,120,320 + 2 x 32,768 x 12,288 = 122,607,894,528 (card 123B).
// Mistral NeMo: 40 x (5120 x 4096 x 2 + 5120 x 1024 x 2 + 3 x 5120 x 14336) = 40 x 272,629,760 +
// 2 x 131,072 x 5,120 = 12,247,367,680 (card 12.2B). Mistral Small 3.1/3.2's language model:
// 40 x 555,745,280 + 1,342,177,280 = 23,571,988,480, with the 81 norms 23,572,403,200: the text
// count of a public memory estimator's table (+ 438,958,080 vision = 24.0B). Gemma 2 27B: 46 x
// (4608 x 4096 x 2 + 4608 x 2048 x 2 + 3 x 4608 x 36864) + 256,000 x 4,608 = 27,226,275,840
// (HF 27.2B); 9B: 42 x 198,180,864 + 917,504,000 = 9,241,100,288 (HF 9.24B). R1-Distill-Qwen-1.5B:
// 28 x (1536 x 1536 x 2 + 1536 x 256 x 2 + 3 x 1536 x 8960) + 2 x 151,936 x 1,536 = 1,776,943,104
// (HF 1.78B; untied). Phi-3.5-MoE: 32 x (41,943,040 + 16 x 3 x 4096 x 6400 + 4096 x 16) + 2 x
// 32,064 x 4,096 = 41,872,261,120 (card 41.9B); active 32 x (41,943,040 + 65,536 + 2 x
// 78,643,200) + 262,668,288 = 6,640,107,520 (card 6.6B). Hunyuan-A13B: 32 x (41,943,040 +
// 4096 x 64 + 65 x 3 x 4096 x 3072) + 128,167 x 4,096 (tied) = 80,392,908,800 (card 80B); active
// 32 x (41,943,040 + 262,144 + 9 x 37,748,736) + 524,972,032 = 12,747,173,888 (card 13B).
TEST(ReleasedConfigs, ThirdStepModelsMatchTheirCards) {
  struct ByHand {
    const char* id;
    double total, active;
  };
  for (const ByHand& c :
       {ByHand{"mistral-large-2", 122607894528.0, 0}, ByHand{"mistral-nemo", 12247367680.0, 0},
        ByHand{"mistral-small-3.1-24b", 23571988480.0, 0}, ByHand{"gemma-2-27b", 27226275840.0, 0},
        ByHand{"gemma-2-9b", 9241100288.0, 0},
        ByHand{"deepseek-r1-distill-qwen-1.5b", 1776943104.0, 0},
        ByHand{"phi-3.5-moe", 41872261120.0, 6640107520.0},
        ByHand{"hunyuan-a13b", 80392908800.0, 12747173888.0}}) {
    const Model& m = M(c.id);
    const double norms = 2.0 * m.hidden * m.layers;
    EXPECT_NEAR(perf::TotalParams(m), c.total + norms, 1) << c.id;
    EXPECT_NEAR(perf::ActiveParams(m), (c.active > 0 ? c.active : c.total) + norms, 1) << c.id;
  }
  // The estimator's text count has the final norm as well.
  EXPECT_NEAR(perf::TotalParams(M("mistral-small-3.1-24b")) + 5120, 23572403200.0, 1);
  ExpectCardTotals({{"mistral-large-2", 123, 123, 0.01},
                    {"mistral-nemo", 12.2, 12.2, 0.01},
                    {"gemma-2-27b", 27.2, 27.2, 0.01},
                    {"gemma-2-9b", 9.24, 9.24, 0.01},
                    {"deepseek-r1-distill-qwen-1.5b", 1.78, 1.78, 0.01},
                    {"deepseek-r1-distill-qwen-14b", 14.8, 14.8, 0.01},
                    {"deepseek-r1-distill-qwen-32b", 32.8, 32.8, 0.01},
                    {"phi-3.5-moe", 41.9, 6.6, 0.01},
                    {"hunyuan-a13b", 80, 13, 0.03}},
                   0.01);
  // The Qwen distills and Qwen2.5-VL's language models are Qwen2.5's shapes with their own
  // contexts (131,072 and 128,000 against the Qwen2.5-Instruct configs' 32,768).
  EXPECT_DOUBLE_EQ(perf::TotalParams(M("deepseek-r1-distill-qwen-32b")),
                   perf::TotalParams(M("qwen2.5-32b")));
  EXPECT_DOUBLE_EQ(perf::TotalParams(M("deepseek-r1-distill-qwen-14b")),
                   perf::TotalParams(M("qwen2.5-14b")));
  EXPECT_DOUBLE_EQ(perf::TotalParams(M("qwen2.5-vl-72b")), perf::TotalParams(M("qwen2.5-72b")));
  EXPECT_DOUBLE_EQ(perf::TotalParams(M("qwen2.5-vl-7b")), perf::TotalParams(M("qwen2.5-7b")));
}

// The names users type: Hugging Face ids with and without the organization, short names.
TEST(ReleasedConfigs, ThirdStepNamesResolve) {
  struct Name {
    const char* typed;
    const char* id;
  };
  for (const Name& n :
       {Name{"mistralai/Mistral-Large-Instruct-2411", "mistral-large-2"},
        Name{"Mistral-Large-Instruct-2407", "mistral-large-2"},
        Name{"mistral-large", "mistral-large-2"},
        Name{"mistralai/Mistral-Nemo-Instruct-2407", "mistral-nemo"},
        Name{"Mistral-Nemo-12B", "mistral-nemo"},
        Name{"mistralai/Mistral-Nemo-Base-2407", "mistral-nemo-base"},
        Name{"mistralai/Mistral-Small-3.1-24B-Instruct-2503", "mistral-small-3.1-24b"},
        Name{"mistralai/Mistral-Small-3.2-24B-Instruct-2506", "mistral-small-3.1-24b"},
        Name{"Mistral-Small-3.2-24B", "mistral-small-3.1-24b"},
        Name{"mistralai/Mistral-Small-24B-Instruct-2501", "mistral-small-24b-2501"},
        Name{"deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", "deepseek-r1-distill-qwen-32b"},
        Name{"DeepSeek-R1-Distill-Qwen-14B", "deepseek-r1-distill-qwen-14b"},
        Name{"deepseek-r1-distill-qwen-1.5b", "deepseek-r1-distill-qwen-1.5b"},
        Name{"Qwen/Qwen2.5-VL-72B-Instruct", "qwen2.5-vl-72b"},
        Name{"Qwen2.5-VL-7B-Instruct", "qwen2.5-vl-7b"},
        Name{"google/gemma-2-27b-it", "gemma-2-27b"},
        Name{"gemma-2-9b", "gemma-2-9b"},
        Name{"microsoft/Phi-3.5-MoE-instruct", "phi-3.5-moe"},
        Name{"tencent/Hunyuan-A13B-Instruct", "hunyuan-a13b"},
        Name{"Hunyuan-A13B-Instruct-FP8", "hunyuan-a13b"},
        Name{"meta-llama/Llama-3.3-70B-Instruct", "llama-3.1-70b"}}) {
    EXPECT_EQ(M(n.typed).id, n.id) << n.typed;
  }
}

// Gemma 2 alternates a 4,096-token window (layers 0, 2, 4, ...) with global layers: 23 and 23 of
// 46 (27B), 21 and 21 of 42 (9B). KV per token at 2 B in the global layers, by hand: 27B 23 x 2 x
// 16 x 128 x 2 = 188,416 B; 9B 21 x 2 x 8 x 256 x 2 = 172,032 B; the windowed layers as much
// again for at most 4,096 tokens a sequence.
TEST(ReleasedConfigs, Gemma2AlternatesWindowedAndGlobalLayers) {
  const Model& m = M("gemma-2-27b");
  ASSERT_TRUE(m.sliding_window.has_value());
  EXPECT_EQ(m.sliding_window->window, 4096);
  EXPECT_EQ(perf::FullAttentionLayers(m), 23);
  EXPECT_EQ(perf::WindowedAttentionLayers(m), 23);
  EXPECT_DOUBLE_EQ(perf::KvCacheBytesPerToken(m, 2), 188416);
  EXPECT_DOUBLE_EQ(perf::WindowedKvBytesPerToken(m, 2), 188416);
  EXPECT_EQ(perf::FullAttentionLayers(M("gemma-2-9b")), 21);
  EXPECT_DOUBLE_EQ(perf::KvCacheBytesPerToken(M("gemma-2-9b"), 2), 172032);
}

// Qwen3-Next-80B-A3B by hand from its config (norms, 2 x 2,048 a layer, counted as the model
// does). A Gated DeltaNet layer: in_proj_qkvz 2048 x (2 x 16 x 128 + 2 x 32 x 128) = 25,165,824,
// in_proj_ba 2048 x 64 = 131,072, conv1d 8,192 channels x 4 = 32,768, out_proj 4096 x 2048 =
// 8,388,608: 33,718,272. A gated softmax layer: q and gate 2048 x 16 x 256 x 2 = 16,777,216, k and
// v 2048 x 2 x 256 x 2 = 2,097,152, o 4096 x 2048 = 8,388,608: 27,262,976. A MoE: router 2048 x
// 512 = 1,048,576 and 513 experts of 3 x 2048 x 512 = 3,145,728. One DeltaNet MoE layer with its
// norms is 1,648,529,408, the printout's 1,648,531,648 less A_log, dt_bias, the gated norm and the
// shared-expert gate (2,240). Total 36 x 33,718,272 + 12 x 27,262,976 + 48 x (1,048,576 + 513 x
// 3,145,728) + 2 x 151,936 x 2,048 + 48 x 4,096 = 79,674,277,888, the published 79,674,391,296
// less 113,408 small parameters; active (10 + 1 experts) 3,874,816,000 against 3,874,929,408.
// KV per token: 12 softmax layers x 2 x 2 x 256 x 2 B = 24,576. State per sequence: 36 x (32 x
// 128 x 128 + 3 x 8,192) x 2 B = 39,518,208 (37.7 MiB); per token 6 x 32 x 128 x 128 FLOPs a
// layer. MiniMax-M1's lightning layers are unchanged: 5 x 6144 x 64 x 128 parameters, a 64 x
// 128 x 128 float32 state (70 layers: 293,601,280 B), 4 x 64 x 128 x 128 FLOPs.
TEST(ReleasedConfigs, Qwen3NextGatedDeltaNetByHand) {
  const Model& m = M("Qwen/Qwen3-Next-80B-A3B-Instruct");
  EXPECT_EQ(m.id, "qwen3-next-80b-a3b");
  EXPECT_EQ(M("Qwen/Qwen3-Next-80B-A3B-Thinking").id, "qwen3-next-80b-a3b");
  ASSERT_TRUE(m.linear_attention.has_value());
  const auto& la = *m.linear_attention;
  EXPECT_EQ(la.kind, LinearAttentionConfig::Kind::kGatedDeltaNet);
  EXPECT_EQ(la.key_heads, 16);
  EXPECT_EQ(la.key_head_dim, 128);
  EXPECT_EQ(la.value_heads, 32);
  EXPECT_EQ(la.value_head_dim, 128);
  EXPECT_EQ(la.conv_kernel, 4);
  EXPECT_TRUE(m.attention_output_gate);
  EXPECT_EQ(perf::SoftmaxAttentionLayers(m), 12);
  EXPECT_EQ(perf::LinearAttentionLayers(m), 36);
  EXPECT_NEAR(perf::TotalParams(m), 79674277888.0, 1);
  EXPECT_NEAR(perf::TotalParams(m) + 113408, 79674391296.0, 1);
  EXPECT_NEAR(perf::ActiveParams(m), 3874816000.0, 1);
  EXPECT_NEAR(perf::ActiveParams(m) + 113408, 3874929408.0, 1);
  // The card: 80B total, 3B activated (3.25B without the two embeddings).
  EXPECT_NEAR(perf::TotalParams(m) / 1e9, 80, 0.01 * 80);
  const double embeddings = 2 * perf::CountLayerParams(m).embedding;
  EXPECT_NEAR((perf::ActiveParams(m) - embeddings) / 1e9, 3, 0.1 * 3);
  EXPECT_DOUBLE_EQ(perf::KvCacheBytesPerToken(m, 2), 24576);
  EXPECT_DOUBLE_EQ(perf::LinearAttentionStateBytes(m), 39518208);
  EXPECT_DOUBLE_EQ(perf::LinearAttentionStateFlopsPerToken(m), 6.0 * 32 * 128 * 128);
  EXPECT_DOUBLE_EQ(perf::LinearCoreFlopsPerKey(m), 2.0 * 32 * (128 + 128));

  const Model& mm = M("minimax-m1");
  EXPECT_DOUBLE_EQ(perf::LinearAttentionStateBytes(mm), 70.0 * 64 * 128 * 128 * 4);
  EXPECT_DOUBLE_EQ(perf::LinearAttentionStateFlopsPerToken(mm), 4.0 * 64 * 128 * 128);
  EXPECT_DOUBLE_EQ(perf::LinearCoreFlopsPerKey(mm), perf::AttentionCoreFlopsPerKey(mm));
  const perf::LayerParams p = perf::CountLayerParams(mm);
  const double softmax = 6144.0 * 8192 * 2 + 2 * 6144.0 * 1024;
  EXPECT_NEAR(p.attention * 80, 10 * softmax + 70 * 5 * 6144.0 * 64 * 128, 1);
}

// A 200K-token prompt on 8 H100 in BF16: 12 layers of KV (24,576 B a token, 4.9 GB) and the
// 37.7 MiB state per sequence, where a model of 48 softmax layers would hold 4 times the KV.
TEST(ReleasedConfigs, Qwen3NextServesALongContext) {
  const Chip& chip = **Builtin().FindChip("h100");
  perf::InferenceJob job = perf::InferenceJobFor(Builtin(), M("qwen3-next-80b-a3b"), chip);
  if (auto sys = Builtin().SystemFor(chip)) job.system = *sys;
  job.input_tokens = 200000;
  job.output_tokens = 1000;
  job.mode = perf::ServingMode::kOffline;
  auto e = perf::EstimateInference(job, {});
  ASSERT_TRUE(e) << e.error().ToString();
  EXPECT_DOUBLE_EQ(e->kv_cache_bytes_per_token, 24576);
  EXPECT_GE(e->max_batch, 1);
}

// Issue 17: the 2026 names users type resolve to the entry of their released architecture.
TEST(ReleasedConfigs, Models2026NamesResolve) {
  struct Name {
    const char* typed;
    const char* id;
  };
  for (const Name& n :
       {Name{"zai-org/GLM-4.7", "glm-4.6"}, Name{"GLM-4.7", "glm-4.6"},
        Name{"moonshotai/Kimi-K2.5", "kimi-k2-thinking"}, Name{"inclusionAI/Ling-1T", "ling-1t"},
        Name{"inclusionAI/Ring-1T", "ring-1t"},
        Name{"meituan-longcat/LongCat-Flash-Chat", "longcat-flash-chat"}}) {
    EXPECT_EQ(M(n.typed).id, n.id) << n.typed;
  }
  // Kimi-K2.5 is served as released: INT4 experts as K2 Thinking (S2102), the entry's own
  // release (K2-Instruct-0905's FP8 is an entry of its own, S3473).
  const Model& k25 = M("kimi-k2-thinking");
  ASSERT_FALSE(k25.checkpoints.empty());
  EXPECT_EQ(k25.checkpoints.front().expert_dtype, "int4");
}

// The names the 2026 serving pages type (session 25): each resolves to the entry of its
// architecture, checked against the numbers its own page publishes, not against the catalog.
// Qwen3-Coder-Next: 48 layers, 512 experts, 10 routed + 1 shared, 80B total, 3B active (SGLang
// cookbook, S3247). MiniMax-M2.5: served as M2 / M2.1 with only the name changed (vLLM recipe,
// S3246), 256 experts top-8, 229B total, 10B active (Lambda, S3243). Kimi K2.6: K2's language
// model with MLA, 1.04T with its ~0.4B vision encoder, 32B active, INT4 experts (Lambda, S3245).
TEST(ReleasedConfigs, ServingPageNames2026Resolve) {
  const Model& qcn = M("Qwen/Qwen3-Coder-Next");
  EXPECT_EQ(qcn.id, "qwen3-next-80b-a3b");
  EXPECT_EQ(qcn.layers, 48);
  ASSERT_TRUE(qcn.moe.has_value());
  EXPECT_EQ(qcn.moe->routed_experts, 512);
  EXPECT_EQ(qcn.moe->top_k, 10);
  EXPECT_EQ(qcn.moe->shared_experts, 1);
  EXPECT_NEAR(perf::TotalParams(qcn) / 1e9, 80, 0.01 * 80);

  const Model& m25 = M("MiniMaxAI/MiniMax-M2.5");
  EXPECT_EQ(m25.id, "minimax-m2");
  ASSERT_TRUE(m25.moe.has_value());
  EXPECT_EQ(m25.moe->routed_experts, 256);
  EXPECT_EQ(m25.moe->top_k, 8);
  EXPECT_NEAR(perf::TotalParams(m25) / 1e9, 229, 0.02 * 229);

  const Model& k26 = M("moonshotai/Kimi-K2.6");
  EXPECT_EQ(k26.id, "kimi-k2-thinking");
  EXPECT_NEAR(perf::TotalParams(k26) / 1e9, 1040 - 0.4, 0.03 * 1040);
  ASSERT_FALSE(k26.checkpoints.empty());
  EXPECT_EQ(k26.checkpoints.front().expert_dtype, "int4");
}

// Ling-1T by hand from its config (S2103): attention 8192 x 8192 x 2 + 8192 x 1024 x 2 =
// 150,994,944; an expert 3 x 8192 x 2048 = 50,331,648, 257 of them (256 routed, 1 shared) =
// 12,935,233,536; router 8192 x 256 = 2,097,152; two norms 16,384 -> an MoE layer 13,088,342,016;
// a dense layer 150,994,944 + 3 x 8192 x 18432 + 16,384 = 603,996,160; embeddings 2 x 157,184 x
// 8,192 = 2,575,302,656. Total 76 x 13,088,342,016 + 4 x 603,996,160 + 2,575,302,656 =
// 999,705,280,512: the safetensors' 999.7B (S2105). Active: 76 x (150,994,944 + 9 x 50,331,648 +
// 2,097,152 + 16,384) + 2,415,984,640 + 2,575,302,656 = 51,054,379,008, the card's "about 50B"
// (S2104) with one embedding (49.8B).
TEST(ReleasedConfigs, Ling1TMatchesItsConfigAndCard) {
  const Model& m = M("ling-1t");
  EXPECT_NEAR(perf::TotalParams(m), 999705280512.0, 1e6);
  EXPECT_NEAR(perf::ActiveParams(m), 51054379008.0, 1e6);
  ExpectCardTotals({{"ling-1t", 999.7, 50, 0.03}, {"ring-1t", 999.7, 50, 0.03}}, 0.001);
  const double one_embedding = perf::CountLayerParams(m).embedding;
  EXPECT_NEAR((perf::ActiveParams(m) - one_embedding) / 1e9, 50, 0.01 * 50);
  // GQA, 80 layers x 2 x 8 KV heads x 128 x 2 B = 327,680 B a token.
  EXPECT_DOUBLE_EQ(perf::KvCacheBytesPerToken(m, 2), 327680);
  EXPECT_DOUBLE_EQ(perf::TotalParams(M("ring-1t")), perf::TotalParams(m));
}

// Seed-OSS-36B by hand (S2108): 64 x (5120 x 10240 x 2 + 5120 x 1024 x 2 + 3 x 5120 x 27648) =
// 64 x 540,016,640 + 2 x 155,136 x 5,120 = 36,149,657,600 (the safetensors' 36.2B, S2105).
TEST(ReleasedConfigs, SeedOss36BMatchesItsConfig) {
  const Model& m = M("seed-oss-36b");
  EXPECT_NEAR(perf::TotalParams(m), 36149657600.0 + 2.0 * m.hidden * m.layers, 1);
  ExpectCardTotals({{"seed-oss-36b", 36.2, 36.2, 0.005}}, 0.005);
}

// LongCat-Flash's 28 shortcut-connected layers (S2106: num_layers 28, two MLA blocks and two
// MLPs of ffn_hidden_size 12288 each, one MoE of n_routed_experts 512 of 2048, moe_topk 12 over
// 512 + zero_expert_num 256) as 56 MLA layers, each with the MLP as 6 shared experts of 2,048 and
// half the experts at top-4 (8 real experts a layer on average, S2107's 27B). By hand: MLA
// 6144 x 1536 + 1536 x 64 x 192 + 6144 x 576 + 512 x 64 x 256 + 8192 x 6144 = 90,570,752 a block;
// experts 262 x 3 x 6144 x 2048 = 9,890,168,832; router 6144 x 256 = 1,572,864; embeddings 2 x
// 131,072 x 6,144 = 1,610,612,736. Total 56 x (90,570,752 + 9,890,168,832 + 1,572,864) +
// 1,610,612,736 = 560.62B (card 560B); active 56 x (90,570,752 + 10 x 37,748,736 + 1,572,864) +
// 1,610,612,736 = 27.85B, the card's 27B average with one embedding (27.04B); the card's
// 18.6B minimum is the same without routed experts (17.8B + 0.8B).
TEST(ReleasedConfigs, LongCatFlashHalvesItsShortcutLayers) {
  const Model& m = M("longcat-flash-chat");
  ASSERT_TRUE(m.moe.has_value());
  ASSERT_TRUE(m.mla.has_value());
  EXPECT_EQ(m.layers, 2 * 28);
  EXPECT_EQ(m.moe->routed_experts * m.layers, 512 * 28);
  EXPECT_EQ(m.moe->shared_experts * m.moe->expert_ffn, 12288);
  EXPECT_EQ(m.moe->top_k * m.layers, 8 * 28);
  EXPECT_EQ(m.mla->q_lora_rank, 1536);
  EXPECT_EQ(m.mla->kv_lora_rank, 512);
  EXPECT_EQ(m.mla->qk_nope_head_dim, 128);
  EXPECT_EQ(m.mla->qk_rope_head_dim, 64);
  EXPECT_EQ(m.mla->v_head_dim, 128);
  EXPECT_EQ(m.heads, 64);
  EXPECT_EQ(m.hidden, 6144);
  EXPECT_EQ(m.vocab, 131072);
  EXPECT_EQ(m.max_seq_len, 131072);
  const double norms = perf::CountLayerParams(m).norm * m.layers;
  EXPECT_NEAR(perf::TotalParams(m) - norms,
              56 * (90570752.0 + 9890168832.0 + 1572864.0) + 1610612736.0, 1);
  EXPECT_NEAR(perf::ActiveParams(m) - norms,
              56 * (90570752.0 + 10 * 37748736.0 + 1572864.0) + 1610612736.0, 1);
  ExpectCardTotals({{"longcat-flash-chat", 560, 27, 0.04}}, 0.002);
  const double one_embedding = perf::CountLayerParams(m).embedding;
  EXPECT_NEAR((perf::ActiveParams(m) - one_embedding) / 1e9, 27, 0.01 * 27);
  // Both MLA blocks of each layer cache a latent: 56 x (512 + 64) x 2 B = 64,512 B a token.
  EXPECT_DOUBLE_EQ(perf::KvCacheBytesPerToken(m, 2), 64512);
}

}  // namespace
}  // namespace suanli::catalog
