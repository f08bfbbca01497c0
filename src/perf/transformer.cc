#include "perf/transformer.h"

namespace suanli::perf {

using catalog::AttentionKind;
using catalog::MlpKind;
using catalog::Model;

int QkHeadDim(const Model& m) {
  return m.mla ? m.mla->qk_nope_head_dim + m.mla->qk_rope_head_dim : m.head_dim;
}

int VHeadDim(const Model& m) { return m.mla ? m.mla->v_head_dim : m.head_dim; }

LayerParams CountLayerParams(const Model& m) {
  LayerParams p;
  const double h = m.hidden;
  const double a = m.heads;
  if (m.attention == AttentionKind::kMla) {
    const auto& c = *m.mla;
    const double qk = c.qk_nope_head_dim + c.qk_rope_head_dim;
    const double q = c.q_lora_rank > 0 ? h * c.q_lora_rank + c.q_lora_rank * a * qk : h * a * qk;
    const double kv_down = h * (c.kv_lora_rank + c.qk_rope_head_dim);
    const double kv_up = c.kv_lora_rank * a * (c.qk_nope_head_dim + c.v_head_dim);
    const double out = a * c.v_head_dim * h;
    p.attention = q + kv_down + kv_up + out;
    p.norm = 2 * h + c.kv_lora_rank + c.q_lora_rank;
  } else {
    const double d = m.head_dim;
    p.attention = h * a * d + 2 * h * m.kv_heads * d + a * d * h;
    p.norm = 2 * h;
  }
  const double mlp_matrices = m.mlp == MlpKind::kSwiglu ? 3 : 2;
  p.dense_mlp = mlp_matrices * h * m.ffn_hidden;
  if (m.moe) {
    p.expert = 3 * h * m.moe->expert_ffn;  // experts are gated (SwiGLU)
    p.router = h * m.moe->routed_experts;
    p.dense_layers = m.moe->first_dense_layers;
    p.moe_layers = m.layers - m.moe->first_dense_layers;
    p.routed_experts = m.moe->routed_experts;
    p.shared_experts = m.moe->shared_experts;
    p.top_k = m.moe->top_k;
  } else {
    p.dense_layers = m.layers;
  }
  p.embedding = static_cast<double>(m.vocab) * h;
  return p;
}

double TotalParams(const Model& m) {
  const LayerParams p = CountLayerParams(m);
  const double per_moe =
      p.attention + p.norm + p.router + (p.routed_experts + p.shared_experts) * p.expert;
  const double per_dense = p.attention + p.norm + p.dense_mlp;
  return p.dense_layers * per_dense + p.moe_layers * per_moe +
         p.embedding * (m.tied_embeddings ? 1 : 2);
}

double ActiveParams(const Model& m) {
  const LayerParams p = CountLayerParams(m);
  const double per_moe = p.attention + p.norm + p.router + (p.top_k + p.shared_experts) * p.expert;
  const double per_dense = p.attention + p.norm + p.dense_mlp;
  return p.dense_layers * per_dense + p.moe_layers * per_moe +
         p.embedding * (m.tied_embeddings ? 1 : 2);
}

double AttentionCoreFlopsPerKey(const Model& m) {
  return 2.0 * m.heads * (QkHeadDim(m) + VHeadDim(m));
}

double ForwardFlopsPerToken(const Model& m, int seq_len, bool causal) {
  const LayerParams p = CountLayerParams(m);
  const double keys = causal ? (seq_len + 1) / 2.0 : seq_len;
  const double core = AttentionCoreFlopsPerKey(m) * keys;
  const double dense_layer = 2 * (p.attention + p.dense_mlp) + core;
  const double moe_layer =
      2 * (p.attention + p.router + (p.top_k + p.shared_experts) * p.expert) + core;
  const double logits = 2 * p.embedding;
  return p.dense_layers * dense_layer + p.moe_layers * moe_layer + logits;
}

double TrainingFlopsPerToken(const Model& m, int seq_len, bool causal) {
  double fwd = ForwardFlopsPerToken(m, seq_len, causal);
  if (m.mtp_layers > 0) {
    // Each MTP module: a 2h -> h projection, one transformer layer of the
    // model's last kind, and the shared output head.
    const LayerParams p = CountLayerParams(m);
    const double keys = causal ? (seq_len + 1) / 2.0 : seq_len;
    const double layer =
        p.moe_layers > 0 ? 2 * (p.attention + p.router + (p.top_k + p.shared_experts) * p.expert)
                         : 2 * (p.attention + p.dense_mlp);
    const double h = m.hidden;
    fwd += m.mtp_layers *
           (2 * 2 * h * h + layer + AttentionCoreFlopsPerKey(m) * keys + 2 * p.embedding);
  }
  return 3 * fwd;
}

double KvCacheBytesPerToken(const Model& m, double bytes_per_element) {
  if (m.mla) {
    return m.layers * (m.mla->kv_lora_rank + m.mla->qk_rope_head_dim) * bytes_per_element;
  }
  return m.layers * 2.0 * m.kv_heads * m.head_dim * bytes_per_element;
}

}  // namespace suanli::perf
