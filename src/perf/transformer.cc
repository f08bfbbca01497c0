#include "perf/transformer.h"

#include <algorithm>
#include <cmath>

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
    if (m.attention_output_gate) p.attention += h * a * d;  // the gate half of the query projection
    p.norm = 2 * h;
  }
  if (m.sparse_attention) {
    // The indexer: its queries from the compressed query (or the hidden state), one shared key
    // projection and a per-head weight (DeepSeek-V3.2's wq_b, wk, weights_proj).
    const auto& sa = *m.sparse_attention;
    const double q_in = m.mla && m.mla->q_lora_rank > 0 ? m.mla->q_lora_rank : h;
    p.attention += q_in * sa.indexer_heads * sa.indexer_head_dim + h * sa.indexer_head_dim +
                   h * sa.indexer_heads;
  }
  if (m.linear_attention) {
    // Linear attention layers: Q and K (key width), V, the output gate and the output projection
    // (value width); Gated DeltaNet adds a decay and a write strength per value head and its
    // convolution over Q, K and V (catalog/model.h). The mean over the layers keeps totals exact.
    const LinearWidths w = LinearAttentionWidths(m);
    double linear = 2 * h * w.key_heads * w.key_head_dim + 3 * h * w.value_heads * w.value_head_dim;
    if (m.linear_attention->kind == catalog::LinearAttentionConfig::Kind::kGatedDeltaNet) {
      linear += 2 * h * w.value_heads + m.linear_attention->conv_kernel * LinearConvChannels(m);
    }
    const double softmax = SoftmaxAttentionLayers(m);
    p.attention = (softmax * p.attention + LinearAttentionLayers(m) * linear) / m.layers;
  }
  const double mlp_matrices = m.mlp == MlpKind::kSwiglu ? 3 : 2;
  p.dense_mlp = mlp_matrices * h * m.ffn_hidden;
  if (m.moe) {
    p.expert = 3 * h * m.moe->expert_ffn;  // experts are gated (SwiGLU)
    p.router = h * m.moe->routed_experts;
    p.moe_layers = (m.layers - m.moe->first_dense_layers) / m.moe->layer_step;
    p.dense_layers = m.layers - p.moe_layers;
    p.routed_experts = m.moe->routed_experts;
    p.shared_experts = m.moe->shared_experts;
    p.top_k = m.moe->top_k;
  } else {
    p.dense_layers = m.layers;
  }
  p.embedding = static_cast<double>(m.vocab) * h;
  return p;
}

bool IsMoeLayer(const Model& m, int layer) {
  if (!m.moe || layer < m.moe->first_dense_layers) return false;
  return (layer - m.moe->first_dense_layers + 1) % m.moe->layer_step == 0;
}

int MoeLayersIn(const Model& m, int first, int count) {
  int n = 0;
  for (int i = first; i < first + count; ++i) n += IsMoeLayer(m, i) ? 1 : 0;
  return n;
}

int MaxDomainsPerToken(const catalog::MoeConfig& moe, int ep, int per_domain) {
  if (moe.max_nodes_per_token <= 0) return 0;
  if (moe.routing_groups <= 0 || ep < 1 || per_domain < 1) return moe.max_nodes_per_token;
  // Megatron-Core places experts in order over the expert-parallel ranks and groups are runs of
  // E / groups experts, so a group covers ceil(group / experts a domain holds) domains.
  const double experts_per_domain = static_cast<double>(moe.routed_experts) / ep * per_domain;
  const double group = static_cast<double>(moe.routed_experts) / moe.routing_groups;
  const int span = std::max(1, static_cast<int>(std::ceil(group / experts_per_domain - 1e-9)));
  return std::min(moe.top_k, moe.max_nodes_per_token * span);
}

int MaxRanksPerToken(const catalog::MoeConfig& moe, int ep) {
  int ranks = std::max(1, std::min(ep, moe.top_k));
  if (moe.routing_groups > 0 && moe.max_nodes_per_token > 0) {
    ranks = std::min(ranks, MaxDomainsPerToken(moe, ep, 1));
  }
  return ranks;
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

int SoftmaxAttentionLayers(const Model& m) {
  return m.linear_attention ? m.layers / m.linear_attention->full_attention_every : m.layers;
}

int LinearAttentionLayers(const Model& m) { return m.layers - SoftmaxAttentionLayers(m); }

int WindowedAttentionLayers(const Model& m) {
  return m.sliding_window ? m.layers - m.layers / m.sliding_window->full_attention_every : 0;
}

int FullAttentionLayers(const Model& m) {
  return SoftmaxAttentionLayers(m) - WindowedAttentionLayers(m);
}

double WindowedKeysPerQuery(const Model& m, double seq, bool causal) {
  if (!m.sliding_window) return 0;
  const double w = m.sliding_window->window;
  if (!causal) return std::min(seq, w);
  if (seq <= w) return (seq + 1) / 2;
  // Queries 1..w see i keys, the rest w.
  return (w * (w + 1) / 2 + (seq - w) * w) / seq;
}

double WindowedKvBytesPerToken(const Model& m, double bytes_per_element) {
  return WindowedAttentionLayers(m) * 2.0 * m.kv_heads * m.head_dim * bytes_per_element;
}

double AttendedKeys(const Model& m, double keys) {
  return m.sparse_attention ? std::min<double>(keys, m.sparse_attention->top_k) : keys;
}

double IndexerFlopsPerKey(const Model& m) {
  if (!m.sparse_attention) return 0;
  return 2.0 * m.sparse_attention->indexer_heads * m.sparse_attention->indexer_head_dim;
}

double IndexerCacheBytesPerToken(const Model& m) {
  return m.sparse_attention ? m.sparse_attention->indexer_head_dim + 4.0 : 0;
}

LinearWidths LinearAttentionWidths(const Model& m) {
  const auto& la = *m.linear_attention;
  if (la.kind == catalog::LinearAttentionConfig::Kind::kGatedDeltaNet) {
    return {la.key_heads, la.key_head_dim, la.value_heads, la.value_head_dim};
  }
  return {m.heads, m.head_dim, m.heads, m.head_dim};
}

double LinearConvChannels(const Model& m) {
  if (!m.linear_attention || m.linear_attention->conv_kernel == 0) return 0;
  const LinearWidths w = LinearAttentionWidths(m);
  return 2.0 * w.key_heads * w.key_head_dim + static_cast<double>(w.value_heads) * w.value_head_dim;
}

double LinearCoreFlopsPerKey(const Model& m) {
  if (!m.linear_attention) return 0;
  const LinearWidths w = LinearAttentionWidths(m);
  // Inside a block each value head scores the keys (key_head_dim, a key head shared by
  // value_heads / key_heads value heads) and sums the values.
  return 2.0 * w.value_heads * (w.key_head_dim + w.value_head_dim);
}

double LinearAttentionStateFlopsPerToken(const Model& m) {
  if (!m.linear_attention) return 0;
  const LinearWidths w = LinearAttentionWidths(m);
  // 2 FLOPs a multiply-add over the key_head_dim x value_head_dim state of each value head:
  // lightning attention reads q S and adds k^T v (4); the delta rule also reads S k to correct
  // what it writes (6).
  const double passes =
      m.linear_attention->kind == catalog::LinearAttentionConfig::Kind::kGatedDeltaNet ? 6 : 4;
  return passes * w.value_heads * w.key_head_dim * w.value_head_dim;
}

double LinearAttentionStateBytes(const Model& m) {
  if (!m.linear_attention) return 0;
  const LinearWidths w = LinearAttentionWidths(m);
  // The recurrent state and the convolution's last conv_kernel - 1 inputs, per layer.
  const double state = static_cast<double>(w.value_heads) * w.key_head_dim * w.value_head_dim;
  const double conv = m.linear_attention->conv_kernel > 0
                          ? (m.linear_attention->conv_kernel - 1) * LinearConvChannels(m)
                          : 0;
  return LinearAttentionLayers(m) * (state + conv) * m.linear_attention->state_bytes_per_element;
}

namespace {

// One softmax layer's attention-core forward FLOPs per token over a sequence of `seq`.
double SoftmaxLayerFlopsPerToken(const Model& m, double seq, bool causal) {
  const double keys = causal ? (seq + 1) / 2 : seq;
  double attended = keys;
  if (m.sparse_attention && seq > m.sparse_attention->top_k) {
    // Query i attends to min(i, k) keys: the mean over the sequence (causal), or k.
    const double k = m.sparse_attention->top_k;
    attended = causal ? (k * (k + 1) / 2 + (seq - k) * k) / seq : k;
  }
  return AttentionCoreFlopsPerKey(m) * attended + IndexerFlopsPerKey(m) * keys;
}

}  // namespace

double AttentionFlopsPerToken(const Model& m, int seq_len, bool causal) {
  double linear = 0;
  if (m.linear_attention) {
    const double block = std::min<double>(seq_len, m.linear_attention->block_size);
    const double intra = causal ? (block + 1) / 2 : block;
    linear = LinearCoreFlopsPerKey(m) * intra + LinearAttentionStateFlopsPerToken(m);
  }
  const double windowed = WindowedAttentionLayers(m) * AttentionCoreFlopsPerKey(m) *
                          WindowedKeysPerQuery(m, seq_len, causal);
  return FullAttentionLayers(m) * SoftmaxLayerFlopsPerToken(m, seq_len, causal) +
         LinearAttentionLayers(m) * linear + windowed;
}

double ForwardFlopsPerToken(const Model& m, int seq_len, bool causal) {
  const LayerParams p = CountLayerParams(m);
  const double dense_layer = 2 * (p.attention + p.dense_mlp);
  const double moe_layer = 2 * (p.attention + p.router + (p.top_k + p.shared_experts) * p.expert);
  const double logits = 2 * p.embedding;
  return p.dense_layers * dense_layer + p.moe_layers * moe_layer +
         AttentionFlopsPerToken(m, seq_len, causal) + logits;
}

double TrainingFlopsPerToken(const Model& m, int seq_len, bool causal) {
  double fwd = ForwardFlopsPerToken(m, seq_len, causal);
  if (m.mtp_layers > 0) {
    // Each MTP module: a 2h -> h projection, one transformer layer of the
    // model's last kind, and the shared output head.
    const LayerParams p = CountLayerParams(m);
    const double layer =
        p.moe_layers > 0 ? 2 * (p.attention + p.router + (p.top_k + p.shared_experts) * p.expert)
                         : 2 * (p.attention + p.dense_mlp);
    const double h = m.hidden;
    fwd += m.mtp_layers * (2 * 2 * h * h + layer + SoftmaxLayerFlopsPerToken(m, seq_len, causal) +
                           2 * p.embedding);
  }
  return 3 * fwd;
}

double KvCacheBytesPerToken(const Model& m, double bytes_per_element) {
  const double indexer = m.layers * IndexerCacheBytesPerToken(m);
  if (m.mla && m.sparse_attention && bytes_per_element == 1) {
    // DSA (DeepSeek-V3.2) on an FP8 cache runs FlashMLA's sparse kernels, whose "FP8 with scale"
    // token every engine stores (vLLM's fp8_ds_mla, SGLang's NSA pool): the latent in FP8, one
    // float32 scale per 128-value tile of it, and the rope part left in BF16 -- 512 + 4 x 4 +
    // 64 x 2 = 656 bytes a layer for V3.2 (FlashMLA README; vLLM FlashMLASparseBackend.
    // get_kv_cache_shape, data/sources.yaml S3805, S3806; the indexer's 132 bytes, S3807).
    constexpr double kScaleTile = 128;  // latent values a float32 scale covers
    constexpr double kScaleBytes = 4;   // float32
    constexpr double kRopeBytes = 2;    // BF16, not quantized
    const double latent = m.mla->kv_lora_rank;
    return m.layers * (latent + std::ceil(latent / kScaleTile) * kScaleBytes +
                       m.mla->qk_rope_head_dim * kRopeBytes) +
           indexer;
  }
  if (m.mla) {
    return m.layers * (m.mla->kv_lora_rank + m.mla->qk_rope_head_dim) * bytes_per_element + indexer;
  }
  return FullAttentionLayers(m) * 2.0 * m.kv_heads * m.head_dim * bytes_per_element + indexer;
}

}  // namespace suanli::perf
