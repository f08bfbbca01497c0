// Exact counts for one transformer: parameters, FLOPs and activation bytes
// per token, per layer kind. Pure functions of the architecture.
#ifndef SUANLI_PERF_TRANSFORMER_H_
#define SUANLI_PERF_TRANSFORMER_H_

#include "catalog/model.h"

namespace suanli::perf {

// Per-layer parameter counts (weights only; norms and biases are negligible
// and counted in `norm`).
struct LayerParams {
  // Q, K, V, O projections (MLA: all down/up projections; DSA: the indexer's too), per layer;
  // a hybrid model's softmax and linear-attention layers differ, so this is their mean.
  double attention = 0;
  double dense_mlp = 0;  // one dense MLP
  double expert = 0;     // one routed or shared expert
  double router = 0;     // gate
  double norm = 0;       // norm weights
  int dense_layers = 0;  // layers with a dense MLP
  int moe_layers = 0;    // layers with routed experts
  int routed_experts = 0;
  int shared_experts = 0;
  int top_k = 0;
  double embedding = 0;  // one vocab x hidden matrix
};

LayerParams CountLayerParams(const catalog::Model& m);

// Whether layer `layer` (from 0) has routed experts: after the leading dense layers, every
// moe.layer_step-th one (Llama 4 Maverick: 1, 3, 5, ...). MoeLayersIn counts them in a range.
bool IsMoeLayer(const catalog::Model& m, int layer);
int MoeLayersIn(const catalog::Model& m, int first, int count);

// Node-limited routing: the most scale-up domains one token's routed experts can span when `ep`
// expert-parallel ranks, `per_domain` of them in each domain, hold the experts in order (rank r
// the r-th E/ep); 0: no limit. Group-limited routing (MoeConfig::routing_groups) picks
// max_nodes_per_token groups: as many domains where a group fits in one, else each chosen group
// spans its domains, up to top_k.
int MaxDomainsPerToken(const catalog::MoeConfig& moe, int ep, int per_domain);
// The most expert-parallel ranks one token's routed experts can sit on, `ep` ranks holding the
// experts in order: top_k or ep, and under group-limited routing (MoeConfig::routing_groups) the
// chosen groups' ranks (DeepSeek-V3 at EP 8: a rank holds one group of 32 experts, so 4 of 8).
int MaxRanksPerToken(const catalog::MoeConfig& moe, int ep);

// Total parameters, embeddings included (untied output counted once more);
// MTP modules not included (reported totals exclude them).
double TotalParams(const catalog::Model& m);
// Parameters touched per token (top_k routed + shared experts).
double ActiveParams(const catalog::Model& m);

// Attention-core FLOPs per query token per attended key, forward
// (QK^T and AV: 2 * heads * (d_qk + d_v)).
double AttentionCoreFlopsPerKey(const catalog::Model& m);
int QkHeadDim(const catalog::Model& m);
int VHeadDim(const catalog::Model& m);

// Layers with softmax attention (all, or every full_attention_every-th of a hybrid model) and
// with linear attention (the rest).
int SoftmaxAttentionLayers(const catalog::Model& m);
int LinearAttentionLayers(const catalog::Model& m);
// Softmax layers with a sliding window (all but every full_attention_every-th), and the softmax
// layers that attend to the whole context (the rest).
int WindowedAttentionLayers(const catalog::Model& m);
int FullAttentionLayers(const catalog::Model& m);
// Keys a query at a uniformly random position of a `seq`-token sequence attends to in a windowed
// layer: min(i, window) for the i-th query, causal; min(seq, window) otherwise.
double WindowedKeysPerQuery(const catalog::Model& m, double seq, bool causal = true);
// KV-cache bytes of the windowed layers per cached token (at most `window` of them per sequence).
double WindowedKvBytesPerToken(const catalog::Model& m, double bytes_per_element);

// Keys one query attends to in a softmax layer when `keys` are visible: all of them, or at most
// top_k with sparse attention (DSA).
double AttendedKeys(const catalog::Model& m, double keys);

// DSA's lightning indexer, per layer: FLOPs per query per visible key (one dot product per
// indexer head), and the bytes it caches per token (FP8 keys and one float32 scale, as
// DeepSeek's inference code and vLLM keep them). 0 without sparse attention.
double IndexerFlopsPerKey(const catalog::Model& m);
double IndexerCacheBytesPerToken(const catalog::Model& m);

// A linear attention layer's widths: Gated DeltaNet's own, or lightning attention's heads x
// head_dim for keys and values alike.
struct LinearWidths {
  int key_heads, key_head_dim, value_heads, value_head_dim;
};
LinearWidths LinearAttentionWidths(const catalog::Model& m);
// The channels Gated DeltaNet's short convolution runs over (Q, K and V); 0 without one.
double LinearConvChannels(const catalog::Model& m);
// A linear layer's intra-block attention FLOPs per query and key (2 x value_heads x (key_head_dim
// + value_head_dim)).
double LinearCoreFlopsPerKey(const catalog::Model& m);
// One linear-attention layer: forward FLOPs per token of the recurrent state (read out q S and
// update S += k^T v: 4 * value_heads * key_head_dim * value_head_dim; Gated DeltaNet also reads
// S k: 6), and its intra-block quadratic part at training and prefill
// ((block + 1) / 2 keys per query, causal). All linear layers: the state bytes one sequence keeps
// (recurrent state and convolution inputs). 0 for a model without linear attention.
double LinearAttentionStateFlopsPerToken(const catalog::Model& m);
double LinearAttentionStateBytes(const catalog::Model& m);

// Attention-core forward FLOPs per token, all layers, for a sequence of `seq_len` tokens:
// softmax layers over (seq_len + 1) / 2 keys causal (seq_len otherwise), capped at top_k with
// DSA plus the indexer over all of them; windowed layers over WindowedKeysPerQuery; linear
// layers a constant per token.
double AttentionFlopsPerToken(const catalog::Model& m, int seq_len, bool causal = true);

// Model FLOPs per token for one forward pass over a sequence of `seq_len`
// tokens. Causal attention counts each query against (seq_len + 1) / 2 keys
// on average; `causal = false` counts the full square (Megatron's formula).
double ForwardFlopsPerToken(const catalog::Model& m, int seq_len, bool causal = true);

// Training model FLOPs per token: forward + backward (3x forward), MTP
// modules included.
double TrainingFlopsPerToken(const catalog::Model& m, int seq_len, bool causal = true);

// KV-cache bytes per token for inference at `bytes_per_element`
// (MLA stores the compressed latent and the rope key -- DSA on an FP8 cache in FlashMLA's 656-byte
// "FP8 with scale" token: FP8 latent, a float32 scale per 128 values, BF16 rope; DSA adds the
// indexer's keys; a hybrid
// model caches only its softmax layers, its linear layers keep LinearAttentionStateBytes per
// sequence; sliding-window layers are not counted here: they keep at most `window` tokens of
// WindowedKvBytesPerToken per sequence).
double KvCacheBytesPerToken(const catalog::Model& m, double bytes_per_element);

}  // namespace suanli::perf

#endif  // SUANLI_PERF_TRANSFORMER_H_
