// Launch flags of the training stacks that name the model and the run rather than the layout:
// Megatron's model-shape flags (checked against the catalog model), its run length in samples
// or steps, and torchtitan's job config (its TOML file and its --section.key flags).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <toml++/toml.h>
#include <yaml-cpp/yaml.h>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "app/amount.h"
#include "app/fields.h"
#include "app/internal.h"
#include "app/requests.h"
#include "core/json_keys.h"
#include "core/text.h"
#include "core/yaml_reader.h"
#include "perf/training.h"

namespace suanli::app::internal {

namespace {

// Megatron's --moe-layer-freq as the list of 0/1 per layer it means (megatron/training/
// arguments.py documents it; the transformer layer spec reads it): an integer k puts experts on
// every k-th layer from the first (`i % k == 0`); a Python list expression of [0]/[1] lists,
// `*` repeats and `+` joins spells the pattern. nullopt: not one of those.
class LayerPattern {
 public:
  explicit LayerPattern(std::string_view text) : s_(text) {}

  std::optional<std::vector<int>> Parse(int layers) {
    Skip();
    // Quotes a shell or a launch script left on the value.
    if (!s_.empty() && (s_.front() == '"' || s_.front() == '\'') && s_.size() >= 2 &&
        s_.back() == s_.front()) {
      s_ = s_.substr(1, s_.size() - 2);
    }
    Skip();
    // A negative k, as MindSpeed-LLM's scripts give -1, is Python's i % k == 0 too: every
    // |k|-th layer (-1: every layer).
    const bool negative = s_.size() > 1 && s_.front() == '-';
    const std::string_view digits = negative ? s_.substr(1) : s_;
    if (!digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      const int k = std::stoi(std::string(digits.substr(0, 6)));
      if (k < 1) return std::nullopt;
      std::vector<int> out(static_cast<size_t>(std::max(0, layers)));
      for (int i = 0; i < layers; ++i) out[static_cast<size_t>(i)] = i % k == 0 ? 1 : 0;
      return out;
    }
    auto e = Expr(0);
    Skip();
    if (!e || pos_ != s_.size()) return std::nullopt;
    return e;
  }

 private:
  void Skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Eat(char c) {
    Skip();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::optional<int> Int() {
    Skip();
    size_t start = pos_;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_])) &&
           pos_ - start < 6)
      ++pos_;
    if (pos_ == start) return std::nullopt;
    return std::stoi(std::string(s_.substr(start, pos_ - start)));
  }
  std::optional<std::vector<int>> Expr(int depth) {
    auto out = Term(depth);
    while (out && Eat('+')) {
      auto more = Term(depth);
      if (!more) return std::nullopt;
      out->insert(out->end(), more->begin(), more->end());
    }
    return out;
  }
  std::optional<std::vector<int>> Term(int depth) {
    auto out = Factor(depth);
    while (out && Eat('*')) {
      auto n = Int();
      if (!n || out->size() * static_cast<size_t>(*n) > 100000) return std::nullopt;
      std::vector<int> repeated;
      for (int i = 0; i < *n; ++i) repeated.insert(repeated.end(), out->begin(), out->end());
      out = std::move(repeated);
    }
    return out;
  }
  std::optional<std::vector<int>> Factor(int depth) {
    if (depth > 32) return std::nullopt;
    if (Eat('(')) {
      auto e = Expr(depth + 1);
      if (!e || !Eat(')')) return std::nullopt;
      return e;
    }
    if (!Eat('[')) return std::nullopt;
    std::vector<int> out;
    do {
      auto v = Int();
      if (!v || *v > 1) return std::nullopt;
      out.push_back(*v);
    } while (Eat(','));
    if (!Eat(']')) return std::nullopt;
    return out;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// Which layers of the catalog model have routed experts: the dense ones first, then every
// layer_step-th (the pattern --emit megatron prints).
std::vector<int> ModelLayerPattern(const catalog::Model& m) {
  std::vector<int> out(static_cast<size_t>(m.layers), 0);
  if (!m.moe) return out;
  const int step = std::max(1, m.moe->layer_step);
  for (int i = m.moe->first_dense_layers; i < m.layers; ++i) {
    out[static_cast<size_t>(i)] = (i - m.moe->first_dense_layers) % step == step - 1 ? 1 : 0;
  }
  return out;
}

// The first field of `fields` (name, given) the request gave; nullptr when none is.
const char* FirstGiven(std::initializer_list<std::pair<const char*, bool>> fields) {
  for (const auto& [name, given] : fields) {
    if (given) return name;
  }
  return nullptr;
}

}  // namespace

Result<int> NoopLayerCount(const TrainRequest& r) {
  if (r.noop_layers.empty()) return 0;
  std::set<int> seen;
  std::string list = r.noop_layers;
  list.erase(
      std::remove_if(list.begin(), list.end(), [](unsigned char c) { return std::isspace(c); }),
      list.end());
  size_t from = 0;
  for (;;) {
    const size_t comma = list.find(',', from);
    const std::string item = list.substr(from, comma == std::string::npos ? comma : comma - from);
    from = comma == std::string::npos ? list.size() + 1 : comma + 1;
    int v = -1;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || v < 0) {
      return tl::unexpected(FieldError(
          "noop_layers", fmt::format("'{}' is not a layer number; expected comma-separated "
                                     "layer numbers from 0, e.g. 61,62,63",
                                     item.substr(0, 40))));
    }
    if (r.num_layers && v >= *r.num_layers) {
      return tl::unexpected(FieldError(
          "noop_layers",
          fmt::format("layer {} is not below {}", v,
                      FlagAsTyped(r.typed_as, "num_layers", std::to_string(*r.num_layers)))));
    }
    if (!seen.insert(v).second) {
      return tl::unexpected(FieldError("noop_layers", fmt::format("layer {} named twice", v)));
    }
    if (from > list.size()) break;
  }
  return static_cast<int>(seen.size());
}

Result<void> CheckModelShape(const catalog::Model& m, const TrainRequest& r, int seq_len) {
  auto differs = [&](const char* field, int64_t given, const std::string& theirs) {
    return tl::unexpected(
        FieldError(field, fmt::format("{}, but model {} has {} (the estimate is of the catalog "
                                      "model: give {} the one you train)",
                                      given, m.id, theirs, FlagAsTyped(r.typed_as, "model"))));
  };
  auto lacks = [&](const char* field, const std::string& what) {
    return tl::unexpected(FieldError(field, fmt::format("model {} has {}", m.id, what)));
  };
  struct Check {
    const char* field;
    const std::optional<int>& given;
    int64_t model;
    const char* what;
  };
  // The first size given that is not the model's.
  auto first_difference = [&](const std::vector<Check>& list) -> Result<void> {
    for (const auto& c : list) {
      if (c.given && *c.given != c.model) {
        return differs(c.field, *c.given, fmt::format("{} {}", c.model, c.what));
      }
    }
    return {};
  };
  const int groups = m.kv_heads > 0 ? m.kv_heads : m.heads;
  const int head_dim = m.head_dim > 0 ? m.head_dim : (m.heads > 0 ? m.hidden / m.heads : 0);
  // MindSpeed-LLM's no-op layers pad --num-layers: the model's layers are the rest.
  auto noop_count = NoopLayerCount(r);
  if (!noop_count) return tl::unexpected(noop_count.error());
  const int noop = *noop_count;
  if (noop > 0 && r.num_layers && *r.num_layers - noop != m.layers) {
    return differs("num_layers", *r.num_layers,
                   fmt::format("{} layers (--num-layers less the {} of --noop-layers is {})",
                               m.layers, noop, *r.num_layers - noop));
  }
  const std::optional<int> real_layers =
      r.num_layers ? std::optional<int>(*r.num_layers - noop) : std::nullopt;
  // A model whose every layer routes to experts (Qwen3-235B-A22B) has no dense MLP: the width a
  // script gives for one builds nothing (MindSpeed-LLM's Qwen3-235B script says 8192, the Hugging
  // Face config 12288, S3750), so it is not checked.
  const bool dense_mlp =
      !m.moe || m.moe->first_dense_layers > 0 || std::max(1, m.moe->layer_step) > 1;
  const std::optional<int> ffn = dense_mlp ? r.ffn_hidden_size : std::nullopt;
  const std::vector<Check> checks = {
      {"num_layers", real_layers, m.layers, "layers"},
      {"hidden_size", r.hidden_size, m.hidden, "a hidden size of"},
      {"num_attention_heads", r.num_attention_heads, m.heads, "attention heads"},
      {"num_query_groups", r.num_query_groups, groups, "key-value heads (query groups)"},
      {"ffn_hidden_size", ffn, m.ffn_hidden, "a dense MLP width of"},
      {"kv_channels", r.kv_channels, head_dim, "a head width of"},
  };
  if (auto ok = first_difference(checks); !ok) return ok;
  if (r.max_position_embeddings && *r.max_position_embeddings < seq_len) {
    // Megatron asserts max_position_embeddings >= seq_length (megatron/training/arguments.py).
    return tl::unexpected(
        FieldError("max_position_embeddings",
                   fmt::format("{} is below the sequence length {}, which Megatron refuses",
                               *r.max_position_embeddings, seq_len)));
  }
  if (r.swiglu && m.mlp != catalog::MlpKind::kSwiglu) return lacks("swiglu", "a GELU MLP");
  if (r.untie_embeddings_and_output_weights && m.tied_embeddings) {
    return lacks("untie_embeddings_and_output_weights", "tied input and output embeddings");
  }
  // Multi-latent attention.
  if (const char* field = FirstGiven({{"multi_latent_attention", r.multi_latent_attention},
                                      {"kv_lora_rank", r.kv_lora_rank.has_value()},
                                      {"q_lora_rank", r.q_lora_rank.has_value()},
                                      {"qk_head_dim", r.qk_head_dim.has_value()},
                                      {"qk_pos_emb_head_dim", r.qk_pos_emb_head_dim.has_value()},
                                      {"v_head_dim", r.v_head_dim.has_value()}});
      field && !m.mla) {
    return lacks(field, "no multi-latent attention");
  }
  if (m.mla) {
    const std::vector<Check> mla = {
        {"q_lora_rank", r.q_lora_rank, m.mla->q_lora_rank, "a query LoRA rank of"},
        {"kv_lora_rank", r.kv_lora_rank, m.mla->kv_lora_rank, "a key-value LoRA rank of"},
        {"qk_head_dim", r.qk_head_dim, m.mla->qk_nope_head_dim, "a query-key head width of"},
        {"qk_pos_emb_head_dim", r.qk_pos_emb_head_dim, m.mla->qk_rope_head_dim,
         "a rotary head width of"},
        {"v_head_dim", r.v_head_dim, m.mla->v_head_dim, "a value head width of"},
    };
    if (auto ok = first_difference(mla); !ok) return ok;
  }
  // Experts.
  if (const char* field = FirstGiven({{"num_experts", r.num_experts.has_value()},
                                      {"moe_router_topk", r.moe_router_topk.has_value()},
                                      {"moe_ffn_hidden_size", r.moe_ffn_hidden_size.has_value()},
                                      {"moe_layer_freq", !r.moe_layer_freq.empty()},
                                      {"moe_shared_expert_intermediate_size",
                                       r.moe_shared_expert_intermediate_size.has_value()}});
      field && !m.moe) {
    return lacks(field, "no routed experts (a dense model)");
  }
  if (m.moe) {
    const std::vector<Check> moe = {
        {"num_experts", r.num_experts, m.moe->routed_experts, "routed experts"},
        {"moe_router_topk", r.moe_router_topk, m.moe->top_k, "experts per token (top-k)"},
        {"moe_ffn_hidden_size", r.moe_ffn_hidden_size, m.moe->expert_ffn, "an expert width of"},
        {"moe_shared_expert_intermediate_size", r.moe_shared_expert_intermediate_size,
         int64_t{m.moe->shared_experts} * m.moe->expert_ffn, "a shared-expert width of"},
    };
    if (auto ok = first_difference(moe); !ok) return ok;
    // MindSpeed-LLM's --first-k-dense-replace k (not 0): experts on layer i where i >= k and
    // i % moe_layer_freq == 0 (mindspeed_llm/core/transformer/transformer_block.py, S3132).
    const int first_dense = r.first_k_dense_replace.value_or(0);
    if (!r.moe_layer_freq.empty() || first_dense != 0) {
      const char* field = r.moe_layer_freq.empty() ? "first_k_dense_replace" : "moe_layer_freq";
      auto pattern =
          LayerPattern(r.moe_layer_freq.empty() ? "1" : r.moe_layer_freq).Parse(m.layers);
      if (pattern && first_dense != 0) {
        for (int i = 0; i < m.layers && i < first_dense; ++i)
          (*pattern)[static_cast<size_t>(i)] = 0;
      }
      if (!pattern) {
        return tl::unexpected(FieldError(
            "moe_layer_freq", fmt::format("cannot read {}; expected 1, every k-th layer (k) or a "
                                          "pattern such as ([0]*3+[1]*58)",
                                          Quoted(r.moe_layer_freq.substr(0, 60)))));
      }
      const auto model = ModelLayerPattern(m);
      if (*pattern != model) {
        const auto count = [](const std::vector<int>& v) {
          return std::count(v.begin(), v.end(), 1);
        };
        return tl::unexpected(FieldError(
            field, fmt::format("puts experts on {} of {} layers, but model {} has them on {} of {} "
                               "(after {} dense layers, every {})",
                               count(*pattern), pattern->size(), m.id, count(model), model.size(),
                               m.moe->first_dense_layers, std::max(1, m.moe->layer_step))));
      }
    }
  }
  if (r.mtp_num_layers && *r.mtp_num_layers != 0 && *r.mtp_num_layers != m.mtp_layers) {
    return differs("mtp_num_layers", *r.mtp_num_layers,
                   fmt::format("{} multi-token-prediction layers", m.mtp_layers));
  }
  return {};
}

Result<std::string> ModelOfShape(const catalog::Catalog& cat, const TrainRequest& r,
                                 std::string* basis) {
  // Fewer than these three and too many catalog models share the shape to name one.
  if (!r.num_layers || !r.hidden_size || !r.num_attention_heads) {
    return tl::unexpected(MissingField("model"));
  }
  std::string given = fmt::format("--num-layers {} --hidden-size {} --num-attention-heads {}",
                                  *r.num_layers, *r.hidden_size, *r.num_attention_heads);
  for (const auto& [flag, value] : {std::pair{"--num-query-groups", r.num_query_groups},
                                    std::pair{"--ffn-hidden-size", r.ffn_hidden_size},
                                    std::pair{"--num-experts", r.num_experts},
                                    std::pair{"--moe-ffn-hidden-size", r.moe_ffn_hidden_size},
                                    std::pair{"--vocab-size", r.vocab_size}}) {
    if (value) given += fmt::format(" {} {}", flag, *value);
  }
  // What the estimate reads of a model; models equal in all of it (Llama 3 8B and Llama 3.1 8B,
  // which differ in their context only) give the same estimate, so any of them is the line's.
  auto key = [](const catalog::Model& m) {
    const catalog::MoeConfig moe = m.moe.value_or(catalog::MoeConfig{});
    return std::vector<int64_t>{m.layers,
                                m.hidden,
                                m.heads,
                                m.kv_heads,
                                m.head_dim,
                                m.ffn_hidden,
                                static_cast<int64_t>(m.mlp),
                                static_cast<int64_t>(m.attention),
                                m.vocab,
                                m.tied_embeddings,
                                m.mtp_layers,
                                m.mla.has_value(),
                                m.sparse_attention.has_value(),
                                m.linear_attention.has_value(),
                                m.sliding_window.has_value(),
                                m.attention_output_gate,
                                moe.routed_experts,
                                moe.shared_experts,
                                moe.top_k,
                                moe.expert_ffn,
                                moe.first_dense_layers,
                                moe.layer_step};
  };
  std::vector<std::vector<const catalog::Model*>> groups;
  for (const auto& m : cat.models()) {
    // The shape flags checked as for a named model (the sequence length is not the model's);
    // a line without --num-experts builds a dense model, as Megatron does (num_experts None).
    if (!CheckModelShape(m, r, 0) || (m.moe && !r.num_experts)) continue;
    // --vocab-size parts models of one shape (Llama 3 8B's 128,256 from Mistral 7B v0.3's 32,768).
    if (r.vocab_size && *r.vocab_size != m.vocab) continue;
    auto same = std::find_if(groups.begin(), groups.end(),
                             [&](const auto& g) { return key(*g.front()) == key(m); });
    if (same == groups.end()) {
      groups.push_back({&m});
    } else {
      same->push_back(&m);
    }
  }
  if (groups.empty()) {
    return tl::unexpected(FieldError(
        "model", fmt::format("is required: no catalog model has the shape the line gives ({}); "
                             "add it with --catalog (docs/catalog-schema.md)",
                             given)));
  }
  std::vector<std::string> ids;
  for (const auto& g : groups) {
    std::vector<std::string> names;
    for (const auto* m : g) names.push_back(m->id);
    ids.push_back(names.size() == 1 ? names.front()
                                    : fmt::format("{} (alike: {})", names.front(),
                                                  fmt::join(names.begin() + 1, names.end(), ", ")));
  }
  if (groups.size() > 1) {
    return tl::unexpected(FieldError(
        "model", fmt::format("is required: the shape the line gives ({}) is that of {}; name one",
                             given, JoinOr(ids))));
  }
  if (basis) {
    *basis = fmt::format(
        "model {}: the catalog's model of the shape the line gives ({}); --model "
        "names it",
        ids.front(), given);
  }
  return groups.front().front()->id;
}

namespace {
// A token count as runs are written: 20,971,520,000 is "20.97B (20971520000)".
std::string TokenCount(double tokens) {
  static constexpr std::pair<double, const char*> kScales[] = {
      {1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"}};
  for (const auto& [scale, suffix] : kScales) {
    if (tokens >= scale) return fmt::format("{:.4g}{} ({:.0f})", tokens / scale, suffix, tokens);
  }
  return fmt::format("{:.0f}", tokens);
}
}  // namespace

Result<void> TokensFromRunLength(TrainRequest& r, int seq_len) {
  // --max-steps is --train-iters under another launcher's name.
  const char* iters_field = "train_iters";
  if (r.max_steps) {
    if (r.train_iters && *r.train_iters != *r.max_steps) {
      return tl::unexpected(FieldError(
          "max_steps", fmt::format("{} contradicts {} {}", *r.max_steps,
                                   FlagAsTyped(r.typed_as, "train_iters"), *r.train_iters)));
    }
    r.train_iters = r.max_steps;
    iters_field = "max_steps";
  }
  if (r.train_samples && r.train_iters) {
    return tl::unexpected(FieldError(
        iters_field,
        fmt::format("give it or {}, not both", FlagAsTyped(r.typed_as, "train_samples"))));
  }
  std::optional<double> tokens;
  double step = seq_len;  // the tokens one unit of the length spans: a disagreement within it
  const char* field = "train_samples";
  if (r.train_samples) {
    if (*r.train_samples < 1) return tl::unexpected(FieldError(field, "must be at least 1"));
    tokens = static_cast<double>(*r.train_samples) * seq_len;
  } else if (r.train_iters) {
    field = iters_field;
    if (*r.train_iters < 1) return tl::unexpected(FieldError(field, "must be at least 1"));
    if (r.global_batch_size) {
      step = static_cast<double>(*r.global_batch_size) * seq_len;
    } else if (r.global_batch_tokens) {
      step = *r.global_batch_tokens;
    } else {
      return tl::unexpected(FieldError(
          field, fmt::format("needs {}: the tokens are steps x global batch x seq-length",
                             FlagAsTyped(r.typed_as, "global_batch_size"))));
    }
    tokens = static_cast<double>(*r.train_iters) * step;
  }
  if (!tokens) return {};
  if (r.tokens > 0 && std::abs(r.tokens - *tokens) >= step) {
    return tl::unexpected(FieldError(
        field, fmt::format("means {} tokens, which contradicts {} {}", TokenCount(*tokens),
                           FlagAsTyped(r.typed_as, "tokens"), TokenCount(r.tokens))));
  }
  if (!(r.tokens > 0)) r.tokens = *tokens;
  return {};
}

namespace {

// Where each torchtitan key of a request came from: a line of its TOML file, or a flag.
struct TitanOrigin {
  std::string file;
  std::map<std::string, int> lines;

  Error Fail(const std::string& key, const std::string& why) const {
    const auto it = lines.find(key);
    if (it != lines.end()) return Error{why, file, it->second, key};
    return FieldError(key, why);
  }
};

// The TOML file's keys (those the estimate reads) into the request where no flag gave them:
// torchtitan's command line overrides its config file.
Result<void> ReadJobConfig(TrainRequest& r, const std::string& text, TitanOrigin& origin) {
  const std::string& file = r.job_config_file;
  toml::table doc;
  try {
    doc = toml::parse(std::string_view(text), std::string_view(file));
  } catch (const toml::parse_error& e) {
    return MakeError(std::string(e.description()), file, static_cast<int>(e.source().begin.line),
                     "job.config_file");
  }
  auto line_of = [](const toml::node& n) { return static_cast<int>(n.source().begin.line); };
  for (const char* section :
       {"model", "training", "parallelism", "activation_checkpoint", "float8", "job"}) {
    const toml::node* n = doc.get(section);
    if (n && !n->is_table()) return MakeError("expected a table", file, line_of(*n), section);
  }
  auto node = [&](const char* section, const char* key) -> const toml::node* {
    const toml::table* t = doc[section].as_table();
    return t ? t->get(key) : nullptr;
  };
  auto integer = [&](const char* section, const char* key, auto& out) -> Result<void> {
    const toml::node* n = node(section, key);
    if (!n) return {};
    const std::string path = fmt::format("{}.{}", section, key);
    const auto v = n->value<int64_t>();
    if (!v || !n->is_integer() || *v < -1 || *v > 100'000'000'000'000LL) {
      return MakeError("expected a whole number", file, line_of(*n), path);
    }
    origin.lines[path] = line_of(*n);
    using T = typename std::remove_reference_t<decltype(out)>::value_type;
    if (!out) out = static_cast<T>(*v);
    return {};
  };
  auto text_of = [&](const char* section, const char* key, std::string& out) -> Result<void> {
    const toml::node* n = node(section, key);
    if (!n) return {};
    const std::string path = fmt::format("{}.{}", section, key);
    std::string value;
    if (const auto s = n->value<std::string>(); s && n->is_string()) {
      value = *s;
    } else if (const toml::array* a = n->as_array()) {
      // A list (model.converters = ["float8"]): comma-joined, as the flag takes it.
      for (const auto& item : *a) {
        const auto entry = item.value<std::string>();
        if (!entry || !item.is_string()) {
          return MakeError("expected a list of strings", file, line_of(item), path);
        }
        value += (value.empty() ? "" : ",") + *entry;
      }
    } else {
      return MakeError("expected a string", file, line_of(*n), path);
    }
    origin.lines[path] = line_of(*n);
    if (out.empty()) out = value;
    return {};
  };
  auto boolean = [&](const char* section, const char* key,
                     std::optional<bool>& out) -> Result<void> {
    const toml::node* n = node(section, key);
    if (!n) return {};
    const std::string path = fmt::format("{}.{}", section, key);
    if (!n->is_boolean()) return MakeError("expected true or false", file, line_of(*n), path);
    origin.lines[path] = line_of(*n);
    if (!out) out = *n->value<bool>();
    return {};
  };
  // global_batch_size -1 is torchtitan's "local x dp", as if not given.
  std::optional<int64_t> global;
  std::optional<int64_t> file_steps;
  for (auto ok : {
           integer("parallelism", "data_parallel_shard_degree", r.titan_dp_shard),
           integer("parallelism", "data_parallel_replicate_degree", r.titan_dp_replicate),
           integer("parallelism", "tensor_parallel_degree", r.tp),
           integer("parallelism", "pipeline_parallel_degree", r.pp),
           integer("parallelism", "context_parallel_degree", r.cp),
           integer("parallelism", "expert_parallel_degree", r.ep),
           integer("parallelism", "pipeline_parallel_microbatch_size", r.titan_pp_microbatch_size),
           integer("parallelism", "pipeline_parallel_layers_per_stage",
                   r.titan_pp_layers_per_stage),
           integer("training", "seq_len", r.seq_len),
           integer("training", "local_batch_size", r.titan_local_batch_size),
           integer("training", "global_batch_size", global),
           integer("training", "steps", file_steps),
           text_of("parallelism", "pipeline_parallel_schedule", r.titan_pp_schedule),
           text_of("training", "mixed_precision_param", r.titan_mixed_precision_param),
           text_of("training", "mixed_precision_reduce", r.titan_mixed_precision_reduce),
           text_of("model", "name", r.titan_model_name),
           text_of("model", "flavor", r.titan_flavor),
           text_of("model", "converters", r.titan_converters),
           text_of("activation_checkpoint", "mode", r.titan_ac_mode),
           text_of("activation_checkpoint", "selective_ac_option", r.titan_sac_option),
           text_of("float8", "recipe_name", r.titan_float8_recipe),
           boolean("float8", "enable_fsdp_float8_all_gather", r.titan_fp8_all_gather),
       }) {
    if (!ok) return ok;
  }
  if (global && *global > 0 && !r.global_batch_size) r.global_batch_size = *global;
  if (file_steps && !r.titan_steps) {
    r.titan_steps = file_steps;
    r.titan_steps_from_config = true;
  }
  // torchtitan's defaults for what the file leaves out (torchtitan/config/job_config.py): every
  // parallel degree 1 but the FSDP shard (-1, the ranks left over), 8 sequences of 2,048 tokens
  // per rank, micro-batches of 1 under pipeline parallelism, selective checkpointing.
  for (auto* degree : {&r.tp, &r.pp, &r.cp}) {
    if (!*degree) *degree = 1;
  }
  if (!r.titan_dp_shard) r.titan_dp_shard = -1;
  if (!r.seq_len) r.seq_len = 2048;
  if (!r.titan_local_batch_size && !r.micro_batch) r.titan_local_batch_size = 8;
  if (!r.titan_pp_microbatch_size && *r.pp > 1 && !r.micro_batch) r.titan_pp_microbatch_size = 1;
  if (r.titan_ac_mode.empty() && r.recompute.empty()) r.titan_ac_mode = "selective";
  return {};
}

// A flavor's size ("8B", "70B", "16B", "671B", "350M") in billions; nullopt for "debugmodel".
std::optional<double> FlavorBillions(const std::string& flavor) {
  const std::string f = ToLower(flavor);
  if (f.size() < 2) return std::nullopt;
  const char unit = f.back();
  if (unit != 'b' && unit != 'm') return std::nullopt;
  double v = 0;
  try {
    size_t used = 0;
    v = std::stod(f.substr(0, f.size() - 1), &used);
    if (used != f.size() - 1) return std::nullopt;
  } catch (...) {
    return std::nullopt;
  }
  return unit == 'b' ? v : v / 1000;
}

std::string Letters(const std::string& s) {
  std::string out;
  for (char c : ToLower(s)) {
    if (std::isalnum(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

}  // namespace

// torchtitan's run_train.sh (S3576): `NGPU=${NGPU:-8}`, then one node's torchrun
// --nproc_per_node=${NGPU} (rendezvous on localhost) of torchtitan.train with the job config: the
// older script's --job.config_file ${CONFIG_FILE}, the current one's --module ${MODULE} --config
// ${CONFIG}; the line's own flags ("$@") come after and win. The variables mean nothing to a line
// without the script (the shell's, for its other commands).
Result<void> ReadTrainEnvironment(TrainRequest& r) {
  std::map<std::string, std::string> vars;
  bool script = false;
  for (const auto& item : r.env) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos) {
      if (item == "run_train.sh" || item.ends_with("/run_train.sh")) script = true;
      continue;
    }
    if (eq > 0) vars[item.substr(0, eq)] = item.substr(eq + 1);
  }
  if (!script) return {};
  auto var = [&](const char* name) -> const std::string* {
    const auto it = vars.find(name);
    return it == vars.end() || it->second.empty() ? nullptr : &it->second;
  };
  if (const auto* file = var("CONFIG_FILE"); file && r.job_config_file.empty()) {
    r.job_config_file = *file;
  }
  if (const auto* module = var("MODULE"); module && r.titan_model_name.empty()) {
    r.titan_model_name = *module;
  }
  if (const auto* config = var("CONFIG"); config && r.job_config_file.empty()) {
    if (auto ok = SetField(TrainFields(), r, "config", FieldValue{*config}); !ok) {
      Error e = ok.error();
      e.field = "env";
      e.message = "CONFIG=" + config->substr(0, 40) + ": " + e.message;
      return tl::unexpected(e);
    }
  }
  if (r.torchrun_nproc_per_node.empty()) {
    const auto* ngpu = var("NGPU");
    r.torchrun_nproc_per_node = ngpu ? *ngpu : "8";
  }
  if (r.torchrun_nnodes.empty()) r.torchrun_nnodes = "1";
  return {};
}

// DeepSpeed's JSON config (DeepSpeed's configuration docs, S3570): train_batch_size (sequences a
// step) = train_micro_batch_size_per_gpu x gradient_accumulation_steps x data-parallel GPUs, any
// two of the three given; zero_optimization.stage 0-3 and its overlap_comm (the gradient
// reduction behind the backward); bf16.enabled / fp16.enabled the 16-bit format. "auto" is the
// Hugging Face Trainer's: the Trainer fills it from its own arguments, so the key is left to the
// flags. A flag that contradicts a key is an error at the key's line.
Result<void> ReadLlamaFactoryConfig(TrainRequest& r, const std::string& text,
                                    const std::string& file, std::vector<std::string>& not_read) {
  YAML::Node doc;
  try {
    // The loaders' strict parse (core/yaml_reader.h): a key named twice is an error at its second
    // line, as OmegaConf, which LLaMA-Factory loads the file with, refuses it (S4360); yaml-cpp
    // kept both and the loop below took the last silently.
    doc = YamlReader(file).Parse(text);
  } catch (const YamlFailure& f) {
    Error e = f.error;
    if (e.field.empty()) e.field = "llamafactory_config";
    return tl::unexpected(e);
  }
  if (doc.IsNull()) return {};
  if (!doc.IsMap()) {
    return MakeError(
        "expected LLaMA-Factory's mapping of arguments (model_name_or_path: ..., "
        "finetuning_type: lora, ...)",
        file, doc.Mark().line + 1, "llamafactory_config");
  }
  const auto& fields = TrainFields();
  for (const auto& item : doc) {
    const int line = item.first.Mark().line + 1;
    const std::string key = item.first.Scalar();
    auto found = FindField(fields, key);
    if (!found || (*found)->name == "llamafactory_config" || (*found)->cli_only) {
      not_read.push_back(key);
      continue;
    }
    auto value =
        FieldValueOfYaml(item.second, (*found)->kind, YamlValues::kLenient, file, line, key);
    if (!value) return tl::unexpected(value.error());
    if (value->not_read) {
      not_read.push_back(key);
      continue;
    }
    if (!value->value) continue;
    if (auto ok = SetField(fields, r, (*found)->name, *value->value); !ok) {
      Error e = ok.error();
      return MakeError(fmt::format("{}: {}", key, e.message), file, line, key);
    }
  }
  return {};
}

Result<void> ReadDeepSpeedConfig(TrainRequest& r, const std::string& text,
                                 std::vector<std::string>& not_read) {
  const std::string& file = r.deepspeed_config;
  std::string twice;
  nlohmann::json doc = ParseJsonKeysOnce(text, &twice);
  if (doc.is_discarded()) {
    // Where and why, as a request body's syntax error says it.
    const Error e = JsonSyntaxError(text, "the config");
    return MakeError(e.message, file, e.line, "deepspeed_config");
  }
  if (!doc.is_object()) {
    return MakeError("expected DeepSpeed's JSON config (one JSON object)", file, 1,
                     "deepspeed_config");
  }
  if (!twice.empty()) {
    // DeepSpeed loads its config with dict_raise_error_on_duplicate_keys: "Duplicate keys in
    // DeepSpeed config" (S4260). The line is the second one's.
    const std::string quoted = "\"" + twice + "\"";
    size_t at = text.find(quoted);
    if (at != std::string::npos) at = text.find(quoted, at + 1);
    const int line = at == std::string::npos
                         ? 1
                         : 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
    return MakeError(
        "named twice; DeepSpeed refuses a config that names a key twice (\"Duplicate keys in "
        "DeepSpeed config\")",
        file, line, twice.substr(0, 60));
  }
  // The line a key is on: its first quoted occurrence after `from`.
  auto line_of = [&](const std::string& key, size_t from = 0) {
    const size_t at = text.find("\"" + key + "\"", from);
    if (at == std::string::npos) return 1;
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
  };
  auto fail = [&](const std::string& path, int line, const std::string& why) {
    return MakeError(why, file, line, path);
  };
  auto is_auto = [](const nlohmann::json& v) { return v.is_string() && v == "auto"; };
  // A positive whole number, or "auto" (nullopt).
  auto count = [&](const nlohmann::json& v, const std::string& path,
                   int line) -> Result<std::optional<int64_t>> {
    if (is_auto(v)) return std::optional<int64_t>();
    if (!v.is_number() || !(v.get<double>() >= 1) ||
        v.get<double>() != std::floor(v.get<double>()) || v.get<double>() > 1e12) {
      return tl::unexpected(
          Error{"expected a whole number of at least 1 (or \"auto\")", file, line, path});
    }
    return std::optional<int64_t>(v.get<int64_t>());
  };
  // `field`: the request's field the file contradicts, named as the user gave it.
  auto contradicts = [&](const std::string& path, int line, int64_t value, const char* field,
                         int64_t given) {
    return fail(path, line,
                fmt::format("{} contradicts {}", value,
                            FlagAsTyped(r.typed_as, field, std::to_string(given))));
  };
  static constexpr std::string_view kRead[] = {"train_batch_size",
                                               "train_micro_batch_size_per_gpu",
                                               "gradient_accumulation_steps",
                                               "zero_optimization",
                                               "bf16",
                                               "fp16"};
  for (const auto& [key, value] : doc.items()) {
    if (std::find(std::begin(kRead), std::end(kRead), key) == std::end(kRead)) {
      not_read.push_back(key);
    }
  }
  // A count key: "auto" leaves the flag's value; a number the line also gave must agree.
  auto read_count = [&](const char* key, const char* flag, auto& field,
                        bool capped) -> Result<void> {
    const auto it = doc.find(key);
    if (it == doc.end()) return {};
    const int line = line_of(key);
    auto v = count(*it, key, line);
    if (!v) return tl::unexpected(v.error());
    if (!*v) return {};
    if (capped && **v > 1'000'000) return fail(key, line, "expected at most 1,000,000");
    if (field && *field != **v) return contradicts(key, line, **v, flag, *field);
    field = static_cast<typename std::decay_t<decltype(field)>::value_type>(**v);
    return {};
  };
  if (auto ok = read_count("train_batch_size", "global_batch_size", r.global_batch_size, false);
      !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = read_count("train_micro_batch_size_per_gpu", "micro_batch", r.micro_batch, true);
      !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto ok = read_count("gradient_accumulation_steps", "gradient_accumulation_steps",
                           r.gradient_accumulation_steps, true);
      !ok) {
    return tl::unexpected(ok.error());
  }
  if (auto it = doc.find("zero_optimization"); it != doc.end()) {
    const size_t from = text.find("\"zero_optimization\"");
    if (!it->is_object()) {
      return fail("zero_optimization", line_of("zero_optimization"), "expected an object");
    }
    for (const auto& [key, value] : it->items()) {
      if (key == "stage") {
        const int line = line_of("stage", from);
        if (is_auto(value)) continue;
        if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > 3) {
          return fail("zero_optimization.stage", line, "expected 0, 1, 2 or 3");
        }
        const int stage = value.get<int>();
        if (r.zero && *r.zero != stage) {
          return contradicts("zero_optimization.stage", line, stage, "zero", *r.zero);
        }
        r.zero = stage;
      } else if (key == "overlap_comm") {
        if (is_auto(value)) continue;
        if (!value.is_boolean()) {
          return fail("zero_optimization.overlap_comm", line_of("overlap_comm", from),
                      "expected true or false");
        }
        if (r.dp_overlap.empty()) r.dp_overlap = value.get<bool>() ? "on" : "off";
      } else if (key == "offload_optimizer" || key == "offload_param") {
        // Optimizer state or weights in host memory (or NVMe): listed as not read. The optimizer
        // on the host CPU (ZeRO-Offload) is priced where the system's host memory bandwidth is
        // known, and Engine::Train then takes it off the list.
        const auto device = value.is_object() ? value.find("device") : value.end();
        if (key == "offload_optimizer" && device != value.end() && *device == "cpu") {
          r.deepspeed_offload_optimizer = "zero_optimization." + key;
        }
        if (!value.is_object() || device == value.end() || *device != "none") {
          not_read.push_back("zero_optimization." + key);
        }
      } else if (key == "cpu_offload") {
        // DeepSpeed's first spelling of ZeRO-Offload (0.3, 2020: the ZeRO-Offload tutorial's
        // 10B config, S4373), offload_optimizer with device cpu since.
        if (!value.is_boolean()) {
          return fail("zero_optimization.cpu_offload", line_of("cpu_offload", from),
                      "expected true or false");
        }
        if (value.get<bool>()) {
          r.deepspeed_offload_optimizer = "zero_optimization." + key;
          not_read.push_back(r.deepspeed_offload_optimizer);
        }
      }
      // The buckets, contiguous_gradients, reduce_scatter and the stage-3 thresholds tune how
      // the same collectives are issued: the estimate's reduction is the same.
    }
  }
  // DeepSpeed's engine alone trains data parallel (ZeRO shards over the data-parallel ranks);
  // tensor and pipeline parallel are Megatron-DeepSpeed's, given as its flags.
  if (r.megatron_flag.empty()) {
    if (!r.tp) r.tp = 1;
    if (!r.pp) r.pp = 1;
    if (!r.cp) r.cp = 1;
  }
  std::string format;
  for (const char* key : {"bf16", "fp16"}) {
    const auto it = doc.find(key);
    if (it == doc.end()) continue;
    if (!it->is_object()) return fail(key, line_of(key), "expected an object");
    const auto enabled = it->find("enabled");
    if (enabled == it->end() || is_auto(*enabled)) continue;
    if (!enabled->is_boolean()) {
      return fail(std::string(key) + ".enabled",
                  line_of("enabled", text.find(fmt::format("\"{}\"", key))),
                  "expected true, false or \"auto\"");
    }
    if (!enabled->get<bool>()) continue;
    if (!format.empty()) {
      return fail(key, line_of(key), "bf16 and fp16 both enabled (DeepSpeed takes one)");
    }
    format = key;
  }
  if (!format.empty()) {
    if (!r.dtype.empty() && r.dtype != format && !(r.dtype == "fp8" && format == "bf16")) {
      return fail(
          format + ".enabled", line_of(format),
          fmt::format("{} contradicts {}", format, FlagAsTyped(r.typed_as, "dtype", r.dtype)));
    }
    if (r.dtype.empty()) r.dtype = format;
  }
  return {};
}

// TRL's named Accelerate configs (`trl sft --accelerate_config zero2`: trl/accelerate_configs/
// NAME.yaml, which TRL passes to `accelerate launch --config_file`, S4780): the keys the estimate
// reads, as those files set them. Every one launches 8 processes in bf16.
std::optional<std::string> TrlAccelerateConfig(const std::string& name) {
  static const std::map<std::string, std::string> kNamed = {
      {"zero1", "distributed_type: DEEPSPEED\ndeepspeed_config:\n  zero_stage: 1\n"},
      {"zero2", "distributed_type: DEEPSPEED\ndeepspeed_config:\n  zero_stage: 2\n"},
      {"zero3", "distributed_type: DEEPSPEED\ndeepspeed_config:\n  zero_stage: 3\n"},
      {"fsdp1",
       "distributed_type: FSDP\nfsdp_config:\n  fsdp_reshard_after_forward: FULL_SHARD\n"
       "  fsdp_version: 1\n"},
      {"fsdp2",
       "distributed_type: FSDP\nfsdp_config:\n  fsdp_reshard_after_forward: true\n"
       "  fsdp_version: 2\n"},
      {"multi_gpu", "distributed_type: MULTI_GPU\n"},
      {"single_gpu", "distributed_type: 'NO'\n"},
  };
  const auto it = kNamed.find(name);
  if (it == kNamed.end()) return std::nullopt;
  return it->second + "mixed_precision: bf16\nnum_processes: 8\n";
}

Result<void> ReadAccelerateConfig(TrainRequest& r, const std::string& text, const std::string& file,
                                  std::vector<std::string>& not_read, std::string& read) {
  YAML::Node doc;
  try {
    // Accelerate loads it with yaml.safe_load (commands/config/config_args.py, S4781): a key named
    // twice keeps its last value.
    doc = YamlReader(file, YamlReader::DuplicateKeys::kLastWins).Parse(text);
  } catch (const YamlFailure& f) {
    Error e = f.error;
    if (e.field.empty()) e.field = "config_file";
    return tl::unexpected(e);
  }
  if (!doc.IsMap()) {
    return MakeError(
        "expected Accelerate's config (a mapping: distributed_type, mixed_precision, "
        "num_processes, ...)",
        file, doc.IsNull() ? 1 : doc.Mark().line + 1, "config_file");
  }
  const auto line_of = [](const YAML::Node& n) { return n.Mark().line + 1; };
  // A top-level key's one value; unset when absent or null.
  const auto scalar = [&](const char* key) -> Result<std::optional<std::string>> {
    const YAML::Node n = doc[key];
    if (!n || n.IsNull()) return std::optional<std::string>();
    if (!n.IsScalar()) return MakeError("expected a single value", file, line_of(n), key);
    return std::optional<std::string>(n.Scalar());
  };
  std::vector<std::string> said;
  // The distributed type (accelerate's DistributedType, utils/dataclasses.py, S4781).
  auto type = scalar("distributed_type");
  if (!type) return tl::unexpected(type.error());
  const std::string kind = type->value_or("NO");
  const int kind_line = doc["distributed_type"] ? line_of(doc["distributed_type"]) : 1;
  std::optional<int> zero;
  std::string sharding;  // FSDP's, as the Trainer's --fsdp spells it
  bool single = false;
  if (kind == "NO") {
    single = true;
    zero = 0;
    said.push_back("one process (distributed_type NO)");
  } else if (kind.starts_with("MULTI_")) {
    zero = 0;
    said.push_back("DDP (distributed_type " + kind + ")");
  } else if (kind == "DEEPSPEED") {
    r.deepspeed_named = true;
    const YAML::Node ds = doc["deepspeed_config"];
    if (ds && !ds.IsNull() && !ds.IsMap()) {
      return MakeError("expected a mapping (zero_stage, offload_optimizer_device, ...)", file,
                       line_of(ds), "deepspeed_config");
    }
    if (ds && ds.IsMap()) {
      if (const YAML::Node dsfile = ds["deepspeed_config_file"]; dsfile && dsfile.IsScalar()) {
        // A DeepSpeed JSON of its own: read as --deepspeed_config is (ReadDeepSpeedConfig).
        if (r.deepspeed_config.empty()) r.deepspeed_config = dsfile.Scalar();
        said.push_back("DeepSpeed with " + Quoted(dsfile.Scalar(), 80));
      }
      if (const YAML::Node stage = ds["zero_stage"]; stage && !stage.IsNull()) {
        int z = -1;
        if (stage.IsScalar()) {
          const std::string v = stage.Scalar();
          if (v.size() == 1 && v[0] >= '0' && v[0] <= '3') z = v[0] - '0';
        }
        if (z < 0) {
          return MakeError("expected 0, 1, 2 or 3", file, line_of(stage),
                           "deepspeed_config.zero_stage");
        }
        zero = z;
        said.push_back(fmt::format("DeepSpeed ZeRO {}", z));
      }
      for (const char* key : {"offload_optimizer_device", "offload_param_device"}) {
        const YAML::Node d = ds[key];
        if (!d || !d.IsScalar() || ToLower(d.Scalar()) == "none") continue;
        const std::string path = std::string("deepspeed_config.") + key;
        // The optimizer on the host CPU (ZeRO-Offload) is priced where the system's host
        // memory bandwidth is known, and then taken off the not-read list (Engine::Train).
        if (std::string_view(key) == "offload_optimizer_device" && ToLower(d.Scalar()) == "cpu") {
          r.deepspeed_offload_optimizer = path;
        }
        not_read.push_back(path);
      }
    }
  } else if (kind == "FSDP") {
    const YAML::Node fsdp = doc["fsdp_config"];
    if (fsdp && !fsdp.IsNull() && !fsdp.IsMap()) {
      return MakeError("expected a mapping (fsdp_reshard_after_forward, fsdp_version, ...)", file,
                       line_of(fsdp), "fsdp_config");
    }
    // FullyShardedDataParallelPlugin (S4781): the sharding is fsdp_reshard_after_forward,
    // FULL_SHARD unless given (FSDP1: a strategy name or its number 1-5; FSDP2: true, resharded as
    // FULL_SHARD, or false, kept as SHARD_GRAD_OP), or the older fsdp_sharding_strategy.
    sharding = "full_shard";
    static constexpr const char* kStrategies[] = {"full_shard", "shard_grad_op", "no_shard",
                                                  "hybrid_shard", "hybrid_shard_zero2"};
    if (fsdp && fsdp.IsMap()) {
      for (const char* key : {"fsdp_sharding_strategy", "fsdp_reshard_after_forward"}) {
        const YAML::Node n = fsdp[key];
        if (!n || n.IsNull()) continue;
        const std::string path = std::string("fsdp_config.") + key;
        const std::string v = n.IsScalar() ? ToLower(n.Scalar()) : "";
        std::string s;
        if (v == "true") s = "full_shard";
        if (v == "false") s = "shard_grad_op";
        if (v.size() == 1 && v[0] >= '1' && v[0] <= '5') s = kStrategies[v[0] - '1'];
        for (const char* name : kStrategies) {
          if (v == name) s = name;
        }
        if (s.empty()) {
          return MakeError(
              "expected FULL_SHARD, SHARD_GRAD_OP, NO_SHARD, HYBRID_SHARD, HYBRID_SHARD_ZERO2 "
              "(or 1-5), or true / false (FSDP2)",
              file, line_of(n), path);
        }
        sharding = s;
      }
      if (const YAML::Node off = fsdp["fsdp_offload_params"];
          off && off.IsScalar() && ToLower(off.Scalar()) == "true") {
        return MakeError(
            "true (FSDP's parameters and gradients on the host CPU) is not priced; give false, "
            "or a DeepSpeed config with offload_optimizer",
            file, line_of(off), "fsdp_config.fsdp_offload_params");
      }
      if (const YAML::Node ac = fsdp["fsdp_activation_checkpointing"];
          ac && ac.IsScalar() && ToLower(ac.Scalar()) == "true" && r.recompute.empty() &&
          r.recompute_modules.empty()) {
        r.recompute = "full";
        said.push_back("activation checkpointing (every layer recomputed)");
      }
    }
    const int z = sharding == "no_shard"                                                    ? 0
                  : sharding.ends_with("shard_grad_op") || sharding == "hybrid_shard_zero2" ? 2
                                                                                            : 3;
    zero = z;
    said.insert(said.begin(), fmt::format("FSDP {} (ZeRO {})", sharding, z));
  } else {
    // XLA (TPUs), MEGATRON_LM (its own megatron_lm_config): not read; the search's.
    static constexpr const char* kKnown[] = {"XLA", "MEGATRON_LM"};
    if (std::find(std::begin(kKnown), std::end(kKnown), kind) == std::end(kKnown)) {
      return MakeError(fmt::format("{} is not one of Accelerate's: NO, MULTI_GPU (or another "
                                   "MULTI_ device), DEEPSPEED, FSDP, XLA, MEGATRON_LM",
                                   Quoted(kind, 40)),
                       file, kind_line, "distributed_type");
    }
    not_read.push_back("distributed_type " + kind);
  }
  // The line's own flags win over the file (accelerate launch's arguments override its config).
  if (zero) {
    if (!sharding.empty() && r.fsdp.empty() && !r.trainer_flag.empty()) r.fsdp = sharding;
    if (!r.zero && (r.trainer_flag.empty() || kind == "DEEPSPEED")) r.zero = zero;
  }
  std::string processes;
  if (auto mp = scalar("mixed_precision"); !mp) {
    return tl::unexpected(mp.error());
  } else if (*mp) {
    const std::string p = ToLower(**mp);
    if (p != "bf16" && p != "fp16" && p != "fp8" && p != "no") {
      return MakeError(fmt::format("{}: expected no, fp16, bf16 or fp8", Quoted(**mp, 40)), file,
                       line_of(doc["mixed_precision"]), "mixed_precision");
    }
    if (r.dtype.empty()) {
      if (p == "no") {
        return MakeError(
            "no (fp32 training) is not estimated; bf16, fp16 or fp8, or the line's --bf16", file,
            line_of(doc["mixed_precision"]), "mixed_precision");
      }
      r.dtype = p;
      said.push_back(p);
    }
  }
  if (single) {
    processes = "1";
  } else if (auto n = scalar("num_processes"); !n) {
    return tl::unexpected(n.error());
  } else if (*n) {
    processes = **n;
  }
  if (!processes.empty() && r.accelerate_num_processes.empty()) {
    auto n = ParseWholeAmount(processes, "num_processes", 1, 1'000'000);
    const int line = single || !doc["num_processes"] ? kind_line : line_of(doc["num_processes"]);
    if (!n) return MakeError(n.error().message, file, line, "num_processes");
    if (r.count && *r.count != *n) {
      return MakeError(fmt::format("{} contradicts {}", *n,
                                   FlagAsTyped(r.typed_as, "count", std::to_string(*r.count))),
                       file, line, single ? "distributed_type" : "num_processes");
    }
    r.accelerate_num_processes = processes;
    if (!single) said.push_back(fmt::format("{} process{}", *n, *n == 1 ? "" : "es"));
  }
  read = fmt::format("{}", fmt::join(said, ", "));
  return {};
}

namespace {
// The catalog model torchtitan's model `key` builds (its registered config's or its model name
// and flavor's letters and digits: "llama38b"), from the models table of the stack torchtitan's
// launch lines run (data/stacks.yaml, emit torchtitan); "" when none names it.
std::string TitanModelId(const catalog::Catalog& cat, const std::string& key) {
  for (const catalog::TrainingStack& s : cat.stacks()) {
    if (s.emit != "torchtitan") continue;
    for (const catalog::StackModel& m : s.models) {
      if (Letters(m.name) == key) return m.model;
    }
  }
  return "";
}
// The key of the torchtitan model a request names: its registered config, or its model name and
// flavor; "" when it names neither.
std::string TitanModelKey(const TrainRequest& r) {
  if (!r.titan_config.empty()) return Letters(r.titan_config);
  if (!r.titan_model_name.empty() && !r.titan_flavor.empty()) {
    return Letters(r.titan_model_name) + Letters(r.titan_flavor);
  }
  return "";
}
}  // namespace

Result<std::string> ModelOfLaunch(const catalog::Catalog& cat, const TrainRequest& r,
                                  const std::string& job_config, std::string* basis) {
  // Megatron's Hugging Face tokenizer, or MindSpeed-LLM's folder of the model's files
  // (./model_from_hf/llama-2-7b-hf/): the model, where the catalog knows the name.
  if (!r.tokenizer_model.empty()) {
    std::string name = r.tokenizer_model;
    while (name.size() > 1 && name.back() == '/') name.pop_back();
    auto found = cat.FindModel(name);
    if (!found && name.find('/') != std::string::npos) {
      found = cat.FindModel(name.substr(name.find_last_of('/') + 1));
    }
    if (found) {
      if (basis) {
        *basis = fmt::format(
            "model {}: the line's Hugging Face tokenizer ({}) is its; --model "
            "names another",
            (*found)->id, Quoted(r.tokenizer_model.substr(0, 80)));
      }
      return (*found)->id;
    }
  }
  // NeMo 2's recipe (`nemo llm pretrain --factory llama3_8b`): the model its model() builds,
  // LlamaModel on Llama3Config8B / Llama3Config70B (S4364, S3577). Only the recipes read here
  // (WithNemoFactory); another is said as the missing model.
  if (!r.nemo_factory.empty()) {
    const internal::NemoRecipe* recipe = internal::FindNemoRecipe(r.nemo_factory);
    const std::string id = recipe ? std::string(recipe->model) : "";
    if (id.empty() || !cat.FindModel(id)) {
      const std::string name = internal::NemoRecipeName(r.nemo_factory);
      return tl::unexpected(FieldError(
          "model", fmt::format("is required: NeMo's recipe {} is none read here ({}); give "
                               "{} and the recipe's sizes as overrides",
                               Quoted(name.substr(0, 60)), internal::kNemoRecipeNames,
                               FlagAsTyped(r.typed_as, "model"))));
    }
    if (basis) {
      *basis = fmt::format("model {}: the model NeMo's recipe {} builds; --model names another", id,
                           recipe->name);
    }
    return id;
  }
  // torchtitan's model: its registered config (--config llama3_8b), or the job config's
  // [model] name and flavor (the file's, or as flags).
  TrainRequest titan = r;
  if (!job_config.empty()) {
    TitanOrigin origin;
    origin.file = r.job_config_file;
    // A bad file's error is the answer: it is the file that names the model.
    if (auto ok = ReadJobConfig(titan, job_config, origin); !ok) return tl::unexpected(ok.error());
  }
  if (const std::string key = TitanModelKey(titan); !key.empty()) {
    const std::string named = titan.titan_config.empty()
                                  ? titan.titan_model_name + " " + titan.titan_flavor
                                  : titan.titan_config;
    const std::string id = TitanModelId(cat, key);
    if (id.empty() || !cat.FindModel(id)) {
      return tl::unexpected(FieldError(
          "model", fmt::format("is required: torchtitan's model {} is none the catalog holds; "
                               "give {} (or add it with --catalog)",
                               Quoted(named.substr(0, 60)), FlagAsTyped(r.typed_as, "model"))));
    }
    if (basis) {
      *basis = fmt::format("model {}: the model torchtitan's {} builds; --model names another", id,
                           named);
    }
    return id;
  }
  return ModelOfShape(cat, r, basis);
}

bool HasJobConfig(const TrainRequest& r) {
  return !r.job_config_file.empty() || r.titan_dp_shard || r.titan_dp_replicate ||
         r.titan_local_batch_size || r.titan_pp_microbatch_size || r.titan_pp_layers_per_stage ||
         r.titan_steps || !r.titan_pp_schedule.empty() || !r.titan_flavor.empty() ||
         !r.titan_model_name.empty() || !r.titan_converters.empty() ||
         !r.titan_mixed_precision_param.empty() || !r.titan_mixed_precision_reduce.empty() ||
         !r.titan_ac_mode.empty() || !r.titan_float8_recipe.empty() || r.titan_fp8_all_gather ||
         !r.titan_sac_option.empty();
}

Result<TrainRequest> WithJobConfig(const catalog::Catalog& cat, const catalog::Model& m,
                                   TrainRequest r, const std::string& config_text) {
  if (!HasJobConfig(r)) return r;
  TitanOrigin origin;
  origin.file = r.job_config_file;
  if (!r.job_config_file.empty()) {
    if (auto ok = ReadJobConfig(r, config_text, origin); !ok) return tl::unexpected(ok.error());
  }
  auto fail = [&](const char* key, const std::string& why) {
    return tl::unexpected(origin.Fail(key, why));
  };
  // The model the config names must be the catalog model estimated.
  if (!r.titan_model_name.empty() && TitanModelId(cat, TitanModelKey(r)) != m.id &&
      Letters(m.id).find(Letters(r.titan_model_name)) == std::string::npos &&
      Letters(m.name).find(Letters(r.titan_model_name)) == std::string::npos) {
    return fail("model.name", fmt::format("{} is not model {} (give --model the one you train)",
                                          Quoted(r.titan_model_name), m.id));
  }
  if (!r.titan_flavor.empty()) {
    const auto billions = FlavorBillions(r.titan_flavor);
    const double params = m.params_b_reported.value_or(0);
    if (!billions) {
      return fail("model.flavor", fmt::format("{} names no size; give --model the model you train",
                                              Quoted(r.titan_flavor)));
    }
    // Within a quarter: torchtitan's sizes are the released names (8B for 8.03B, 16B for
    // DeepSeek-V2-Lite's 15.7B).
    if (params > 0 && std::abs(std::log(*billions / params)) > std::log(1.25)) {
      return fail("model.flavor", fmt::format("{} is not model {} ({:.3g}B parameters)",
                                              Quoted(r.titan_flavor), m.id, params));
    }
  }
  if (r.titan_dp_replicate && *r.titan_dp_replicate != 1) {
    return fail("parallelism.data_parallel_replicate_degree",
                fmt::format("{}: replicated data parallel (DDP, HSDP) is not modelled; the "
                            "estimate shards over data_parallel_shard_degree (FSDP, ZeRO 3)",
                            *r.titan_dp_replicate));
  }
  // FSDP2: parameters, gradients and optimizer state sharded over the data-parallel ranks.
  if (r.zero && *r.zero != 3) {
    return fail("job.config_file",
                fmt::format("torchtitan shards with FSDP (ZeRO 3), which "
                            "contradicts {}",
                            FlagAsTyped(r.typed_as, "zero", std::to_string(*r.zero))));
  }
  r.zero = 3;
  if (r.titan_dp_shard) {
    const int shard = *r.titan_dp_shard;
    if (shard == -1) {
      // The ranks left over after tp, pp and cp, when those are given.
      if (r.tp && r.pp && r.cp && !r.dp) {
        const int64_t split = int64_t{*r.tp} * *r.pp * *r.cp;
        if (split < 1 || r.count.value_or(0) % split != 0) {
          return fail("parallelism.data_parallel_shard_degree",
                      fmt::format("-1 leaves {} chips over tp x pp x cp = {}, not a whole number "
                                  "of ranks",
                                  r.count.value_or(0), split));
        }
        r.dp = static_cast<int>(r.count.value_or(0) / split);
      }
    } else if (shard < 1) {
      return fail("parallelism.data_parallel_shard_degree", "must be -1 or at least 1");
    } else {
      if (r.dp && *r.dp != shard) {
        return fail("parallelism.data_parallel_shard_degree",
                    fmt::format("{} contradicts {}", shard,
                                FlagAsTyped(r.typed_as, "dp", std::to_string(*r.dp))));
      }
      r.dp = shard;
    }
  }
  // Pipeline schedule and virtual stages.
  if (!r.titan_pp_schedule.empty()) {
    const std::string s = ToLower(r.titan_pp_schedule);
    const bool looped = s == "interleaved1f1b" || s == "loopedbfs" ||
                        s == "interleavedzerobubble" || s == "zbvzerobubble";
    if (s == "dualpipev") {
      if (r.schedule.empty()) r.schedule = "dualpipe";
    } else if (s == "1f1b" || s == "gpipe") {
      if (!r.interleave) r.interleave = 1;
    } else if (!looped) {
      return fail("parallelism.pipeline_parallel_schedule",
                  fmt::format("unknown schedule {}; expected 1F1B, GPipe, Interleaved1F1B, "
                              "LoopedBFS, InterleavedZeroBubble, ZBVZeroBubble or DualPipeV",
                              Quoted(r.titan_pp_schedule.substr(0, 40))));
    }
  }
  if (r.titan_pp_layers_per_stage) {
    const int per = *r.titan_pp_layers_per_stage;
    if (per < 1)
      return fail("parallelism.pipeline_parallel_layers_per_stage", "must be at least 1");
    const int pp = std::max(1, r.pp.value_or(1));
    const int interleave = std::max(1, m.layers / (pp * per));
    if (r.interleave && *r.interleave != interleave) {
      return fail(
          "parallelism.pipeline_parallel_layers_per_stage",
          fmt::format("means {} virtual stages, which contradicts {}", interleave,
                      FlagAsTyped(r.typed_as, "interleave", std::to_string(*r.interleave))));
    }
    r.interleave = interleave;
  }
  // The batch: local_batch_size sequences per data-parallel rank and step (the micro-batch
  // without pipeline parallelism; under it, split into pipeline_parallel_microbatch_size).
  const bool pipelined = r.pp && *r.pp > 1;
  if (r.titan_pp_microbatch_size) {
    if (*r.titan_pp_microbatch_size < 1) {
      return fail("parallelism.pipeline_parallel_microbatch_size", "must be at least 1");
    }
    if (pipelined && !r.micro_batch) r.micro_batch = *r.titan_pp_microbatch_size;
  }
  if (r.titan_local_batch_size) {
    const int local = *r.titan_local_batch_size;
    if (local < 1) return fail("training.local_batch_size", "must be at least 1");
    if (!pipelined && !r.micro_batch) r.micro_batch = local;
    if (!r.global_batch_size && !r.global_batch_tokens) {
      if (!r.dp) {
        return fail("training.local_batch_size",
                    "needs the data-parallel degree (parallelism.data_parallel_shard_degree, or "
                    "tensor, pipeline and context degrees to leave it) for the global batch");
      }
      r.global_batch_size = int64_t{local} * *r.dp;
    }
  }
  if (!r.titan_ac_mode.empty()) {
    const std::string mode = ToLower(r.titan_ac_mode);
    if (mode != "none" && mode != "selective" && mode != "full") {
      return fail("activation_checkpoint.mode",
                  fmt::format("unknown mode {}; expected none, selective or full",
                              Quoted(r.titan_ac_mode.substr(0, 40))));
    }
    const bool flagged = !r.recompute.empty();  // --recompute's own reading wins
    if (!r.recompute.empty() && ToLower(r.recompute) != mode) {
      return fail("activation_checkpoint.mode",
                  fmt::format("{} contradicts {}", mode,
                              FlagAsTyped(r.typed_as, "recompute", r.recompute)));
    }
    r.recompute = mode;
    // selective_ac_option (torchtitan's _apply_ac_to_transformer_block, S4183): op checkpoints per
    // op (S4180); a whole number N wraps every Nth block a rank builds in full checkpointing and
    // leaves the rest alone (N 0 or 1: every block); anything else torchtitan refuses. Read under
    // selective only, as torchtitan does; its default, 2, where nothing gives it.
    const bool given = !r.titan_sac_option.empty() ||
                       origin.lines.count("activation_checkpoint.selective_ac_option") > 0;
    const std::string option = ToLower(given ? r.titan_sac_option : "2");
    if (mode == "selective" && option != "op" && !flagged) {
      const bool digits = !option.empty() && option.size() <= 6 &&
                          option.find_first_not_of("0123456789") == std::string::npos;
      if (!digits) {
        return fail("activation_checkpoint.selective_ac_option",
                    fmt::format("unknown option {}; expected op or a whole number N (every Nth "
                                "layer recomputed whole)",
                                Quoted(r.titan_sac_option.substr(0, 40))));
      }
      const int every = std::stoi(option);
      r.recompute = "full";
      if (every > 1) r.titan_ac_every = every;
    }
  }
  // Precision: FSDP's compute dtype, its gradient reduction, and torchao's converters.
  if (!r.titan_mixed_precision_param.empty()) {
    const std::string p = ToLower(r.titan_mixed_precision_param);
    if (p != "bfloat16") {
      return fail("training.mixed_precision_param",
                  fmt::format("{} is not modelled; expected bfloat16 (float32 GEMMs are not "
                              "estimated)",
                              Quoted(r.titan_mixed_precision_param.substr(0, 40))));
    }
  }
  if (!r.titan_mixed_precision_reduce.empty()) {
    const std::string p = ToLower(r.titan_mixed_precision_reduce);
    if (p != "float32" && p != "bfloat16") {
      return fail("training.mixed_precision_reduce",
                  fmt::format("unknown {}; expected float32 or bfloat16",
                              Quoted(r.titan_mixed_precision_reduce.substr(0, 40))));
    }
    if (r.grad_reduce_dtype.empty()) r.grad_reduce_dtype = p == "float32" ? "fp32" : "bf16";
  }
  std::string fp8;
  std::vector<std::string> converters;
  for (size_t start = 0; start <= r.titan_converters.size();) {
    const size_t comma = std::min(r.titan_converters.find(',', start), r.titan_converters.size());
    std::string name;
    for (char c : r.titan_converters.substr(start, comma - start)) {
      if (!std::isspace(static_cast<unsigned char>(c))) name += c;
    }
    converters.push_back(ToLower(name));
    start = comma + 1;
  }
  for (const auto& name : converters) {
    if (name.empty()) continue;
    if (name == "float8") {
      const std::string recipe = ToLower(r.titan_float8_recipe);
      if (!recipe.empty() && recipe != "tensorwise") {
        return fail("float8.recipe_name",
                    fmt::format("{} is not modelled; tensorwise (the default) is "
                                "--precision fp8-current",
                                Quoted(r.titan_float8_recipe.substr(0, 40))));
      }
      fp8 = "fp8-current";
    } else if (name == "mx") {
      fp8 = "mxfp8";
    } else {
      return fail("model.converters",
                  fmt::format("unknown converter {}; expected float8 or mx", Quoted(name)));
    }
  }
  if (!fp8.empty()) {
    if (!r.precision.empty() && r.precision != fp8) {
      return fail(
          "model.converters",
          fmt::format("means {}, which contradicts {}", FlagAsTyped(r.typed_as, "precision", fp8),
                      FlagAsTyped(r.typed_as, "precision", r.precision)));
    }
    r.precision = fp8;
  } else if (!r.titan_float8_recipe.empty()) {
    return fail("float8.recipe_name", "needs model.converters float8");
  } else if (r.precision.empty() && r.dtype.empty()) {
    // No float8 or mx converter: torchtitan computes in its FSDP mixed_precision_param,
    // bfloat16 by default (torchtitan/config/job_config.py, S3674), whatever precision the model
    // was pre-trained in elsewhere (DeepSeek-V3's FP8 is not torchtitan's default).
    r.dtype = "bf16";
  }
  if (r.titan_fp8_all_gather && *r.titan_fp8_all_gather) {
    if (fp8 != "fp8-current") {
      return fail("float8.enable_fsdp_float8_all_gather", "needs model.converters float8");
    }
    if (r.param_dtype.empty()) r.param_dtype = "fp8";
  }
  // The run's length.
  // A config's steps are its default length: a --tokens given is the run's (torchtitan's flags
  // override its file), so they are set aside.
  if (r.titan_steps && r.titan_steps_from_config && r.tokens > 0) r.titan_steps.reset();
  if (r.titan_steps) {
    if (*r.titan_steps < 1) return fail("training.steps", "must be at least 1");
    if (!r.global_batch_size) {
      return fail("training.steps",
                  "needs the global batch (training.global_batch_size, or "
                  "training.local_batch_size and the data-parallel degree)");
    }
    const double tokens = static_cast<double>(*r.titan_steps) *
                          static_cast<double>(*r.global_batch_size) *
                          r.seq_len.value_or(perf::DefaultSeqLen(m));
    const double step =
        static_cast<double>(*r.global_batch_size) * r.seq_len.value_or(perf::DefaultSeqLen(m));
    if (r.tokens > 0 && std::abs(r.tokens - tokens) >= step) {
      return fail("training.steps",
                  fmt::format("means {} tokens, which contradicts {}", TokenCount(tokens),
                              FlagAsTyped(r.typed_as, "tokens", TokenCount(r.tokens))));
    }
    if (!(r.tokens > 0)) r.tokens = tokens;
  }
  return r;
}

}  // namespace suanli::app::internal
