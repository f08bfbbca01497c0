// Exact counts for one transformer: parameters, FLOPs and activation bytes
// per token, per layer kind. Pure functions of the architecture.
#ifndef SUANLI_PERF_TRANSFORMER_H_
#define SUANLI_PERF_TRANSFORMER_H_

#include "catalog/model.h"

namespace suanli::perf {

// Per-layer parameter counts (weights only; norms and biases are negligible
// and counted in `norm`).
struct LayerParams {
  double attention = 0;  // Q, K, V, O projections (MLA: all down/up projections)
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

// Model FLOPs per token for one forward pass over a sequence of `seq_len`
// tokens. Causal attention counts each query against (seq_len + 1) / 2 keys
// on average; `causal = false` counts the full square (Megatron's formula).
double ForwardFlopsPerToken(const catalog::Model& m, int seq_len, bool causal = true);

// Training model FLOPs per token: forward + backward (3x forward), MTP
// modules included.
double TrainingFlopsPerToken(const catalog::Model& m, int seq_len, bool causal = true);

// KV-cache bytes per token for inference at `bytes_per_element`
// (MLA stores the compressed latent and the rope key).
double KvCacheBytesPerToken(const catalog::Model& m, double bytes_per_element);

}  // namespace suanli::perf

#endif  // SUANLI_PERF_TRANSFORMER_H_
