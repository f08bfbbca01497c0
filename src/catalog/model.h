// Transformer model architectures: dense or MoE, MHA/GQA/MLA attention, with sparse, linear or
// sliding-window variants.
#ifndef SUANLI_CATALOG_MODEL_H_
#define SUANLI_CATALOG_MODEL_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace suanli::catalog {

enum class AttentionKind { kMha, kGqa, kMla };
enum class MlpKind { kSwiglu, kGelu };

struct MlaConfig {
  int q_lora_rank = 0;  // 0: queries are not compressed
  int kv_lora_rank = 0;
  int qk_nope_head_dim = 0;
  int qk_rope_head_dim = 0;
  int v_head_dim = 0;
};

struct MoeConfig {
  int routed_experts = 0;
  int shared_experts = 0;
  int top_k = 0;
  int expert_ffn = 0;
  int first_dense_layers = 0;  // leading layers with a dense MLP of ffn_hidden
  // After those, every `layer_step`-th layer has experts and the others a dense MLP of
  // ffn_hidden (Llama 4 Maverick's interleave_moe_layer_step 2: layers 1, 3, 5, ...); 1: all.
  int layer_step = 1;
  // Node-limited routing: a token's experts span at most this many scale-up
  // domains (DeepSeek-V3: 4). 0: unlimited.
  int max_nodes_per_token = 0;
  // Where the limit is group-limited routing (DeepSeek-V3's n_group 8, topk_group 4): the
  // routed experts fall into this many equal groups and a token picks its experts from
  // max_nodes_per_token of them. A group is a node only when the expert-parallel group spans
  // that many nodes (Megatron-Core's --moe-router-num-groups, S3910); elsewhere a group may sit
  // on several nodes (perf::MaxDomainsPerToken). 0: the limit counts domains whatever the layout.
  int routing_groups = 0;
};

// DeepSeek Sparse Attention (DeepSeek-V3.2): a lightning indexer scores every cached key with
// `indexer_heads` small heads and the main attention reads only the `top_k` best keys per query.
struct SparseAttentionConfig {
  int top_k = 0;
  int indexer_heads = 0;
  int indexer_head_dim = 0;
};

// Hybrid linear attention: every `full_attention_every`-th layer is softmax attention, the others
// linear attention that keeps a fixed state per sequence instead of a per-token KV cache.
// Lightning attention (MiniMax-01/M1): Q, K, V, an output gate and the output projection, each
// heads x head_dim wide; a heads x head_dim x head_dim state. Gated DeltaNet (Qwen3-Next): its own
// widths (config linear_num_key_heads, linear_key_head_dim, linear_num_value_heads,
// linear_value_head_dim): Q and K key_heads x key_head_dim, V, the output gate (z) and the output
// projection value_heads x value_head_dim, a decay and a write strength (a, b) per value head, a
// short causal convolution of `conv_kernel` taps over Q, K and V; the state is value_heads x
// key_head_dim x value_head_dim, plus the convolution's last conv_kernel - 1 inputs.
struct LinearAttentionConfig {
  enum class Kind { kLightning, kGatedDeltaNet };
  Kind kind = Kind::kLightning;
  int full_attention_every = 0;
  int block_size = 0;                  // the intra-block (chunk) size of the causal, quadratic part
  double state_bytes_per_element = 4;  // MiniMax's state is kept in float32 by the serving engines
  // Gated DeltaNet's widths (0 for lightning attention: the model's heads and head_dim).
  int key_heads = 0;
  int key_head_dim = 0;
  int value_heads = 0;
  int value_head_dim = 0;
  int conv_kernel = 0;
};

// Sliding-window attention (gpt-oss, Gemma): of every `full_attention_every` layers one attends to
// the whole context and the others to the last `window` tokens only (a query at position i reads
// keys i - window + 1 .. i), so their KV cache holds at most `window` tokens per sequence.
struct SlidingWindowConfig {
  int window = 0;
  int full_attention_every = 0;
};

// How a model's answers spread around their mean length, where a source measured it: a
// reasoning model's outputs (DeepSeek-R1's thinking traces run from a few hundred tokens to the
// generation cap) are lognormal with a wide sigma, and a served batch holds the long ones longer
// (the running sequences' mean context is mean x e^(sigma^2) / 2 uncut, not mean / 2). The
// serving simulator draws output lengths from it when a request gives a mean and no spread, and
// the steady state takes its second moment (perf::InferenceJob::output_length_ratio).
struct OutputLengths {
  double lognormal_sigma = 0;
  double max_tokens = 0;  // the measured set's generation cap: longer draws are cut to it
  std::string source;
};

// How a model was pre-trained, where its report says: the sequence length a training run of it
// gets when the request leaves it unset (DeepSeek-V3 4,096, before its context extension).
struct PretrainingRecipe {
  int seq_len = 0;
  // The training precision recipe the model was pre-trained in (a `train --precision` name, e.g.
  // fp8-blockwise for DeepSeek-V3); empty: not catalogued. `train` without --dtype or --precision
  // takes it where the chip runs it.
  std::string precision;
  // The pipeline schedule it was pre-trained with (a `train --schedule` name, e.g. dualpipe for
  // DeepSeek-V3); empty: not catalogued. Not a default: the answer says when the layout it gives
  // runs another schedule, and whether a catalogued stack on the chip runs this one.
  std::string schedule;
  std::string source;
};

// The precision a released checkpoint ships in. Formats by name: bf16, fp16, fp8, int8, fp4, or
// int4 (4-bit weights with 16-bit math, as AWQ and GPTQ checkpoints run).
struct CheckpointPrecision {
  std::vector<std::string> names;  // the repository names of a variant; empty: the model's own
  std::string dtype = "bf16";
  std::string expert_dtype;  // MoE experts in another format (gpt-oss: fp4); empty: dtype
  // FP8 weights scaled per block of this many elements along each side (DeepSeek-V3's
  // quantization_config weight_block_size [128, 128]); 0: one scale per tensor or per channel.
  // Block-scaled FP8 GEMMs promote their partial sums to FP32 every block (perf/inference.cc).
  int weight_block_size = 0;
  // The KV cache format the checkpoint declares for the engines (a ModelOpt export's
  // hf_quant_config.json quantization.kv_cache_quant_algo, e.g. FP8): what vLLM, SGLang and
  // TensorRT-LLM store the cache in under their default `auto` (ServingEngine::
  // kv_cache_model_dtype). Empty: none declared, the model's 16-bit type.
  std::string kv_dtype;
  std::string source;
};

// Whether `name` is one of CheckpointPrecision's formats.
inline bool IsCheckpointDType(std::string_view name) {
  for (std::string_view d : {"bf16", "fp16", "fp8", "int8", "fp4", "int4"}) {
    if (name == d) return true;
  }
  return false;
}

struct Model {
  std::string id;
  std::string name;
  std::vector<std::string> aliases;
  int layers = 0;
  int hidden = 0;
  int heads = 0;
  int kv_heads = 0;
  int head_dim = 0;
  int ffn_hidden = 0;
  MlpKind mlp = MlpKind::kSwiglu;
  AttentionKind attention = AttentionKind::kMha;
  int vocab = 0;
  bool tied_embeddings = false;
  bool dropout = false;  // trained with dropout (older GPT-style models)
  // The checkpoint's architecture class as its config.json names it (`architectures[0]`, e.g.
  // GptOssForCausalLM): what an engine that picks kernels by architecture keys on (TensorRT-LLM's
  // MoE backend AUTO, ServingEngine::auto_moe_backend). Empty: not given.
  std::string hf_architecture;
  int max_seq_len = 0;
  int mtp_layers = 0;
  // Published acceptance of an MTP draft token given the one before (serving with --mtp).
  std::optional<double> mtp_acceptance;
  // Measured tokens a verify step (1 + accepted drafts) at draft depth 1, 2, ... (index depth - 1)
  // where the model's MTP modules are re-applied beyond their own count (DeepSeek's one module
  // chained, TensorRT-LLM's MTP Eagle and SGLang's NEXTN): each later draft is predicted from a
  // draft, not a target token, and is accepted less often than the first. Empty: none published.
  std::vector<double> mtp_accept_lengths;
  std::optional<OutputLengths> output_lengths;
  std::optional<PretrainingRecipe> pretraining;
  std::optional<MlaConfig> mla;
  std::optional<MoeConfig> moe;
  std::optional<SparseAttentionConfig> sparse_attention;
  std::optional<LinearAttentionConfig> linear_attention;
  std::optional<SlidingWindowConfig> sliding_window;
  // Softmax attention with a sigmoid output gate (Qwen3-Next, config attn_output_gate): the query
  // projection is twice as wide (query and gate), heads x head_dim more per layer.
  bool attention_output_gate = false;
  std::optional<double> params_b_reported;
  std::optional<double> active_params_b_reported;
  // As released: the first entry is the model's own checkpoint, the others variants by name
  // (Kimi-K2-Thinking ships INT4 experts, Kimi-K2-Instruct FP8). Empty: bf16.
  std::vector<CheckpointPrecision> checkpoints;
  std::string source;
  std::string notes;

  bool is_moe() const { return moe.has_value(); }
};

}  // namespace suanli::catalog

#endif  // SUANLI_CATALOG_MODEL_H_
