// YAML -> catalog structures. Inside this file a bad field throws
// YamlFailure carrying the Error; MergeYaml turns it back into a value at the
// boundary.
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <vector>

#include "catalog/catalog.h"
#include "core/calendar.h"
#include "core/text.h"
#include "core/yaml_reader.h"

namespace suanli::catalog {

class YamlLoader : public YamlReader {
 public:
  YamlLoader(Catalog& catalog, std::string file) : YamlReader(std::move(file)), catalog_(catalog) {}

  void Load(std::string_view text) {
    const YAML::Node root = Parse(text);
    if (root.IsNull()) return;  // empty file
    if (!root.IsMap()) Fail("expected a mapping with chips, systems, models, ...", root, "");
    CheckKeys(root, "",
              {"sources", "chips", "systems", "models", "families", "training", "inference",
               "engines", "stacks", "model_errors"});
    if (root["sources"])
      ForEach(root["sources"], "sources", [&](auto& n, auto& p) { Source(n, p); });
    if (root["chips"]) ForEach(root["chips"], "chips", [&](auto& n, auto& p) { Chip(n, p); });
    if (root["systems"])
      ForEach(root["systems"], "systems", [&](auto& n, auto& p) { System(n, p); });
    if (root["models"]) ForEach(root["models"], "models", [&](auto& n, auto& p) { Model(n, p); });
    if (root["families"]) {
      ForEach(root["families"], "families", [&](auto& n, auto& p) { Family(n, p); });
    }
    if (root["training"]) Training(root["training"], "training");
    if (root["inference"]) Inference(root["inference"], "inference");
    if (root["engines"])
      ForEach(root["engines"], "engines", [&](auto& n, auto& p) { Engine(n, p); });
    if (root["stacks"]) ForEach(root["stacks"], "stacks", [&](auto& n, auto& p) { Stack(n, p); });
    if (root["model_errors"]) ModelErrors(root["model_errors"], "model_errors");
  }

 private:
  Confidence ConfidenceField(const YAML::Node& map, const std::string& path) {
    const std::string text = Text(map, "confidence", path, true);
    const auto c = ParseConfidence(text);
    if (!c) {
      Fail("unknown confidence '" + text +
               "'; expected official, reported, rumoured, estimate or low",
           map["confidence"], Join(path, "confidence"));
    }
    return *c;
  }

  // A value record {value, unsupported, source, confidence, note}. Absent
  // means unknown. A non-negative `lo` rejects negative numbers.
  template <typename T>
  Sourced<T> SourcedField(const YAML::Node& map, std::string_view key, const std::string& parent,
                          double lo = 0, double hi = 1e12) {
    Sourced<T> out;
    const YAML::Node n = map[std::string(key)];
    const std::string path = Join(parent, key);
    if (!n || n.IsNull()) return out;
    if (!n.IsMap()) {
      Fail(
          "expected a value record {value: ..., source: [...], confidence: ...}; a bare value has "
          "no provenance",
          n, path);
    }
    CheckKeys(n, path, {"value", "unsupported", "source", "confidence", "note"});
    out.unsupported = Bool(n, "unsupported", path, false);
    out.note = Text(n, "note", path, false);
    const YAML::Node v = n["value"];
    const bool has_value = v && !v.IsNull();
    if (out.unsupported && has_value) Fail("an unsupported feature has no value", v, path);
    if (has_value) {
      if constexpr (std::is_same_v<T, double>) {
        out.value = Num(n, "value", path, lo, hi);
      } else {
        out.value = Text(n, "value", path, true);
      }
    }
    if (has_value || out.unsupported) {
      out.sources = Strings(n, "source", path);
      if (out.sources.empty())
        Fail("missing source ids for a known value", n, Join(path, "source"));
      out.confidence = ConfidenceField(n, path);
    }
    return out;
  }

  void Remember(std::string_view kind, const std::string& id, const YAML::Node& node) {
    catalog_.origins_[std::string(kind) + "/" + id] = file_ + ":" + std::to_string(LineOf(node));
  }

  // Adds `item` or replaces the entry with the same id; rejects a second
  // definition of one id inside the same file.
  template <typename T>
  void Upsert(std::vector<T>& items, T item, std::string_view kind, const YAML::Node& node,
              const std::string& path) {
    const std::string key = std::string(kind) + "/" + item.id;
    if (!seen_.insert(key).second) {
      Fail(std::string(kind) + " '" + item.id + "' is defined twice in this file (first at " +
               catalog_.origins_[key] + ")",
           node, Join(path, "id"));
    }
    Remember(kind, item.id, node);
    auto it = std::find_if(items.begin(), items.end(), [&](const T& t) { return t.id == item.id; });
    if (it != items.end()) {
      *it = std::move(item);
    } else {
      items.push_back(std::move(item));
    }
  }

  void Source(const YAML::Node& n, const std::string& path) {
    CheckKeys(n, path, {"id", "title", "url", "confidence", "note"});
    catalog::Source s;
    s.id = Text(n, "id", path, true);
    s.title = Text(n, "title", path, true);
    s.url = Text(n, "url", path, false);
    Upsert(catalog_.sources_, std::move(s), "source", n, path);
  }

  void Chip(const YAML::Node& n, const std::string& path) {
    CheckKeys(n, path,
              {"id",
               "name",
               "vendor",
               "family",
               "aliases",
               "launch",
               "role",
               "default_system",
               "peak_tflops",
               "mxfp8_tflops",
               "memory_gib",
               "memory_tb_s",
               "scale_up_gb_s",
               "scale_up_domain",
               "scale_out_gbit_s",
               "host_link_gb_s",
               "tdp_w",
               "gemm_clock_ratio",
               "sm_count",
               "fp4_gemm_k_overhead",
               "fp4_gemm_n_overhead",
               "mxfp8_sdpa_fwd_ps_per_score",
               "mxfp8_sdpa_fwd_ns_per_query",
               "mxfp8_sdpa_bwd_ps_per_score",
               "mxfp8_sdpa_bwd_ns_per_query",
               "serving_step_overhead_ms",
               "serving_graph_step_overhead_ms",
               "process",
               "foundry",
               "price_usd",
               "price_note",
               "price_note_source",
               "export_status",
               "notes"});
    catalog::Chip c;
    c.id = Id(n, path);
    c.name = Text(n, "name", path, true);
    c.vendor = Text(n, "vendor", path, false);
    c.family = Text(n, "family", path, false);
    c.aliases = Strings(n, "aliases", path);
    for (auto& a : c.aliases) a = NormalizeId(a);
    c.launch = Text(n, "launch", path, false);
    const std::string role = Text(n, "role", path, false);
    if (role.empty() || role == "training") {
      c.role = ChipRole::kTraining;
    } else if (role == "inference-only") {
      c.role = ChipRole::kInferenceOnly;
    } else {
      Fail("unknown role '" + role + "'; expected training or inference-only", n["role"],
           Join(path, "role"));
    }
    c.default_system = Text(n, "default_system", path, false);
    if (const YAML::Node peaks = n["peak_tflops"]; peaks && !peaks.IsNull()) {
      const std::string ppath = Join(path, "peak_tflops");
      if (!peaks.IsMap()) Fail("expected a mapping of dtype to value record", peaks, ppath);
      CheckKeys(peaks, ppath, {"bf16", "fp16", "fp8", "int8", "fp4"});
      for (int d = 0; d < kNumDTypes; ++d) {
        c.peak_tflops[d] =
            SourcedField<double>(peaks, DTypeName(static_cast<DType>(d)), ppath, 1e-3, 1e6);
      }
    }
    c.mxfp8_tflops = SourcedField<double>(n, "mxfp8_tflops", path, 1e-3, 1e6);
    c.memory_gib = SourcedField<double>(n, "memory_gib", path, 1e-3, 1e5);
    c.memory_tb_s = SourcedField<double>(n, "memory_tb_s", path, 1e-3, 1e3);
    c.scale_up_gb_s = SourcedField<double>(n, "scale_up_gb_s", path, 0, 1e5);
    c.scale_up_domain = SourcedField<double>(n, "scale_up_domain", path, 1, 1e7);
    c.scale_out_gbit_s = SourcedField<double>(n, "scale_out_gbit_s", path, 0, 1e5);
    c.host_link_gb_s = SourcedField<double>(n, "host_link_gb_s", path, 1e-3, 1e5);
    c.tdp_w = SourcedField<double>(n, "tdp_w", path, 1, 1e5);
    c.gemm_clock_ratio = SourcedField<double>(n, "gemm_clock_ratio", path, 0.1, 10);
    c.sm_count = SourcedField<double>(n, "sm_count", path, 1, 1e5);
    c.fp4_gemm_k_overhead = SourcedField<double>(n, "fp4_gemm_k_overhead", path, 0, 1e6);
    c.fp4_gemm_n_overhead = SourcedField<double>(n, "fp4_gemm_n_overhead", path, 0, 1e6);
    if (c.fp4_gemm_k_overhead.known() != c.fp4_gemm_n_overhead.known()) {
      const char* given =
          c.fp4_gemm_k_overhead.known() ? "fp4_gemm_k_overhead" : "fp4_gemm_n_overhead";
      Fail("fp4_gemm_k_overhead and fp4_gemm_n_overhead are one measured law: give both or neither",
           n[given], Join(path, given));
    }
    {
      const std::pair<const char*, catalog::SourcedNumber*> sdpa[] = {
          {"mxfp8_sdpa_fwd_ps_per_score", &c.mxfp8_sdpa_fwd_ps_per_score},
          {"mxfp8_sdpa_fwd_ns_per_query", &c.mxfp8_sdpa_fwd_ns_per_query},
          {"mxfp8_sdpa_bwd_ps_per_score", &c.mxfp8_sdpa_bwd_ps_per_score},
          {"mxfp8_sdpa_bwd_ns_per_query", &c.mxfp8_sdpa_bwd_ns_per_query}};
      int known = 0;
      for (const auto& [name, field] : sdpa) {
        *field = SourcedField<double>(n, name, path, 0, 1e3);
        known += field->known() ? 1 : 0;
      }
      if (known != 0 && known != 4) {
        const char* given = nullptr;
        const char* missing = nullptr;
        for (const auto& [name, field] : sdpa) {
          if (field->known() && !given) given = name;
          if (!field->known() && !missing) missing = name;
        }
        Fail(std::string("the MXFP8 attention law is one fit of four terms: ") + given + " needs " +
                 missing + " (give all four mxfp8_sdpa_ fields or none)",
             n[given], Join(path, given));
      }
    }
    c.serving_step_overhead_ms = SourcedField<double>(n, "serving_step_overhead_ms", path, 0, 1e4);
    c.serving_graph_step_overhead_ms =
        SourcedField<double>(n, "serving_graph_step_overhead_ms", path, 0, 1e4);
    c.process = SourcedField<std::string>(n, "process", path);
    c.foundry = SourcedField<std::string>(n, "foundry", path);
    c.price_usd = SourcedField<double>(n, "price_usd", path, 1, 1e9);
    c.price_note = Text(n, "price_note", path, false);
    c.notes = Text(n, "notes", path, false);
    if (const YAML::Node events = n["export_status"]; events && !events.IsNull()) {
      // Reports show the last event as the chip's status: dates must be real and in order, and
      // the status one of docs/catalog-schema.md's (any text was taken before).
      std::optional<Date> previous;
      ForEach(events, Join(path, "export_status"), [&](const YAML::Node& e, const std::string& ep) {
        CheckKeys(e, ep, {"date", "status", "note", "source", "confidence"});
        ExportEvent ev;
        ev.date = Text(e, "date", ep, true);
        const auto date = Date::Parse(ev.date);
        if (!date) Fail(date.error().message, e["date"], Join(ep, "date"));
        if (previous && *date < *previous) {
          Fail("dated before the event above it; export_status lists events oldest first",
               e["date"], Join(ep, "date"));
        }
        previous = *date;
        ev.status = Text(e, "status", ep, true);
        static const std::vector<std::string> kStatuses = {
            "unrestricted",         "licence-required", "barred",  "approved-with-conditions",
            "discouraged-by-china", "not-licensed",     "domestic"};
        if (std::find(kStatuses.begin(), kStatuses.end(), ev.status) == kStatuses.end()) {
          Fail("unknown status " + Quoted(ev.status) + "; expected " + JoinOr(kStatuses),
               e["status"], Join(ep, "status"));
        }
        ev.note = Text(e, "note", ep, false);
        ev.sources = Strings(e, "source", ep);
        ev.confidence = ConfidenceField(e, ep);
        c.export_status.push_back(std::move(ev));
      });
    }
    Upsert(catalog_.chips_, std::move(c), "chip", n, path);
  }

  NetworkTier Tier(const YAML::Node& map, std::string_view key, const std::string& parent) {
    const std::string path = Join(parent, key);
    const YAML::Node n = map[std::string(key)];
    if (!n || !n.IsMap()) Fail("missing network tier mapping", map, path);
    CheckKeys(n, path,
              {"domain_chips", "bandwidth_gb_s", "latency_us", "efficiency", "in_network_reduction",
               "in_network_efficiency", "ranks_per_chip", "allreduce_step_us", "moe_dispatch_gb_s",
               "moe_combine_gb_s", "moe_ll_layer_us", "moe_ll_efficiency", "moe_ll_fixed_us",
               "moe_ll_fixed_ranks", "moe_ll_fixed_us_per_doubling"});
    NetworkTier t;
    t.bandwidth_gb_s = Num(n, "bandwidth_gb_s", path, 1e-3, 1e5);
    t.latency_us = Num(n, "latency_us", path, 0, 1e6);
    t.efficiency = Num(n, "efficiency", path, 0.01, 1);
    t.in_network_reduction = Bool(n, "in_network_reduction", path, false);
    if (n["in_network_efficiency"]) {
      if (!t.in_network_reduction) {
        Fail("in_network_efficiency needs in_network_reduction: true", n["in_network_efficiency"],
             Join(path, "in_network_efficiency"));
      }
      t.in_network_efficiency = Num(n, "in_network_efficiency", path, 0.01, 1);
    }
    if (n["ranks_per_chip"]) t.ranks_per_chip = Int(n, "ranks_per_chip", path, 1, 64);
    if (n["allreduce_step_us"]) t.allreduce_step_us = Num(n, "allreduce_step_us", path, 0, 1e4);
    if (n["moe_dispatch_gb_s"]) t.moe_dispatch_gb_s = Num(n, "moe_dispatch_gb_s", path, 1e-3, 1e5);
    if (n["moe_combine_gb_s"]) t.moe_combine_gb_s = Num(n, "moe_combine_gb_s", path, 1e-3, 1e5);
    if (n["moe_ll_fixed_us"]) t.moe_ll_fixed_us = Num(n, "moe_ll_fixed_us", path, 0, 1e4);
    // The group size the fixed time was measured at and its growth a doubling beyond it: both
    // describe moe_ll_fixed_us, and the growth needs the size it grows from.
    for (const char* field : {"moe_ll_fixed_ranks", "moe_ll_fixed_us_per_doubling"}) {
      if (n[field] && !n["moe_ll_fixed_us"]) {
        Fail(std::string(field) + " needs moe_ll_fixed_us", n[field], Join(path, field));
      }
    }
    if (n["moe_ll_fixed_ranks"]) {
      t.moe_ll_fixed_ranks = Int(n, "moe_ll_fixed_ranks", path, 1, 1 << 20);
    }
    if (n["moe_ll_fixed_us_per_doubling"]) {
      if (!n["moe_ll_fixed_ranks"]) {
        Fail("moe_ll_fixed_us_per_doubling needs moe_ll_fixed_ranks (the group size it grows from)",
             n["moe_ll_fixed_us_per_doubling"], Join(path, "moe_ll_fixed_us_per_doubling"));
      }
      t.moe_ll_fixed_us_per_doubling = Num(n, "moe_ll_fixed_us_per_doubling", path, 0, 1e4);
    }
    // The low-latency exchange across nodes: a mapping of node count (2 or more) to the kernel
    // pair's fixed time a MoE layer, us, and the share of the tier's bandwidth its copies reach;
    // the two come together.
    if (const YAML::Node ll = n["moe_ll_layer_us"]) {
      const std::string lpath = Join(path, "moe_ll_layer_us");
      if (!ll.IsMap() || ll.size() == 0) {
        Fail("expected a mapping of node count to microseconds, e.g. {2: 44.4, 4: 52.1}", ll,
             lpath);
      }
      for (const auto& kv : ll) {
        const std::string nodes_text = kv.first.as<std::string>();
        const std::string kpath = Join(lpath, nodes_text);
        int nodes = 0;
        try {
          nodes = kv.first.as<int>();
        } catch (const YAML::Exception&) {
          Fail("expected a whole number of nodes as the key, got " + Quoted(nodes_text), kv.first,
               kpath);
        }
        if (nodes < 2 || nodes > (1 << 20)) {
          Fail("node count " + nodes_text +
                   " out of range; expected 2 or more (one node exchanges over "
                   "the scale-up tier)",
               kv.first, kpath);
        }
        const double us = Number(kv.second, kpath);
        if (us < 0 || us > 1e5) {
          Fail("value " + kv.second.as<std::string>() + " out of range; expected " +
                   FormatRange(0, 1e5),
               kv.second, kpath);
        }
        t.moe_ll_layer_us[nodes] = us;
      }
      if (!n["moe_ll_efficiency"]) {
        Fail(
            "moe_ll_layer_us needs moe_ll_efficiency (the share of bandwidth_gb_s its copies "
            "reach)",
            ll, lpath);
      }
    }
    if (n["moe_ll_efficiency"]) {
      if (!n["moe_ll_layer_us"]) {
        Fail("moe_ll_efficiency needs moe_ll_layer_us", n["moe_ll_efficiency"],
             Join(path, "moe_ll_efficiency"));
      }
      t.moe_ll_efficiency = Num(n, "moe_ll_efficiency", path, 0.01, 1);
    }
    return t;
  }

  void System(const YAML::Node& n, const std::string& path) {
    CheckKeys(n, path,
              {"id", "name", "chip", "chips_per_node", "scale_up", "scale_out", "power_cap_w",
               "host_memory_gb_s", "source", "notes"});
    catalog::System s;
    s.id = Id(n, path);
    s.name = Text(n, "name", path, true);
    s.chip = NormalizeId(Text(n, "chip", path, true));
    s.chips_per_node = Int(n, "chips_per_node", path, 1, 1 << 20);
    s.scale_up = Tier(n, "scale_up", path);
    s.scale_up_domain = Int(n["scale_up"], "domain_chips", Join(path, "scale_up"), 1, 1 << 24);
    s.scale_out = Tier(n, "scale_out", path);
    if (n["power_cap_w"] && !n["power_cap_w"].IsNull()) {
      s.power_cap_w = Num(n, "power_cap_w", path, 1, 1e5);
    }
    if (n["host_memory_gb_s"] && !n["host_memory_gb_s"].IsNull()) {
      s.host_memory_gb_s = Num(n, "host_memory_gb_s", path, 1, 1e5);
    }
    s.sources = Strings(n, "source", path);
    s.notes = Text(n, "notes", path, false);
    Upsert(catalog_.systems_, std::move(s), "system", n, path);
  }

  void Model(const YAML::Node& n, const std::string& path) {
    CheckKeys(n, path,
              {"id",
               "name",
               "aliases",
               "layers",
               "hidden",
               "heads",
               "kv_heads",
               "head_dim",
               "ffn_hidden",
               "mlp",
               "attention",
               "vocab",
               "tied_embeddings",
               "hf_architecture",
               "dropout",
               "max_seq_len",
               "sparse_attention",
               "linear_attention",
               "sliding_window",
               "attention_output_gate",
               "params_b_reported",
               "active_params_b_reported",
               "mla",
               "moe",
               "mtp_layers",
               "mtp_acceptance",
               "mtp_accept_lengths",
               "output_lengths",
               "pretraining",
               "checkpoints",
               "source",
               "notes"});
    catalog::Model m;
    m.id = Id(n, path);
    m.name = Text(n, "name", path, true);
    m.aliases = Strings(n, "aliases", path);
    for (auto& a : m.aliases) a = NormalizeId(a);
    m.layers = Int(n, "layers", path, 1, 100000);
    m.hidden = Int(n, "hidden", path, 1, 1 << 22);
    m.heads = Int(n, "heads", path, 1, 1 << 16);
    m.kv_heads = Int(n, "kv_heads", path, 1, 1 << 16, m.heads);
    // Without head_dim a head is hidden / heads wide; that must be a whole number of at least 1
    // (hidden 2 with 4 heads gave head_dim 0, unchecked, and an MFU of 0.4 %).
    if (const YAML::Node hd = n["head_dim"]; (!hd || hd.IsNull()) && m.hidden % m.heads != 0) {
      Fail(fmt::format("missing, and hidden / heads = {} / {} is not a whole number; give head_dim",
                       m.hidden, m.heads),
           n, Join(path, "head_dim"));
    }
    m.head_dim = Int(n, "head_dim", path, 1, 1 << 16, m.hidden / m.heads);
    m.ffn_hidden = Int(n, "ffn_hidden", path, 1, 1 << 24);
    const std::string mlp = Text(n, "mlp", path, true);
    if (mlp == "swiglu") {
      m.mlp = MlpKind::kSwiglu;
    } else if (mlp == "gelu") {
      m.mlp = MlpKind::kGelu;
    } else {
      Fail("unknown mlp '" + mlp + "'; expected swiglu or gelu", n["mlp"], Join(path, "mlp"));
    }
    const std::string attn = Text(n, "attention", path, true);
    if (attn == "mha") {
      m.attention = AttentionKind::kMha;
    } else if (attn == "gqa") {
      m.attention = AttentionKind::kGqa;
    } else if (attn == "mla") {
      m.attention = AttentionKind::kMla;
    } else {
      Fail("unknown attention '" + attn + "'; expected mha, gqa or mla", n["attention"],
           Join(path, "attention"));
    }
    m.vocab = Int(n, "vocab", path, 1, 1 << 24);
    m.tied_embeddings = Bool(n, "tied_embeddings", path, false);
    m.hf_architecture = Text(n, "hf_architecture", path, false);
    m.dropout = Bool(n, "dropout", path, false);
    m.attention_output_gate = Bool(n, "attention_output_gate", path, false);
    m.max_seq_len = Int(n, "max_seq_len", path, 1, 1 << 26);
    m.mtp_layers = Int(n, "mtp_layers", path, 0, 64, 0);
    if (n["mtp_acceptance"] && !n["mtp_acceptance"].IsNull()) {
      m.mtp_acceptance = Num(n, "mtp_acceptance", path, 0, 1);
    }
    if (const YAML::Node lengths = n["mtp_accept_lengths"]; lengths && !lengths.IsNull()) {
      const std::string lpath = Join(path, "mtp_accept_lengths");
      if (!lengths.IsSequence() || lengths.size() == 0) {
        Fail("expected a list of tokens a verify step at draft depth 1, 2, ...", lengths, lpath);
      }
      for (size_t i = 0; i < lengths.size(); ++i) {
        const std::string ip = lpath + "[" + std::to_string(i) + "]";
        const double v = Number(lengths[i], ip);
        // Depth i + 1 verifies at most i + 2 tokens and never fewer than the target's own one,
        // nor fewer than the shallower depth before it accepted.
        const double lo = i == 0 ? 1.0 : m.mtp_accept_lengths.back();
        if (v < lo || v > static_cast<double>(i) + 2) {
          Fail(fmt::format("value {} out of range; expected {:g} to {} tokens at draft depth {} "
                           "(one target token and at most {} draft{}{})",
                           lengths[i].as<std::string>(), lo, i + 2, i + 1, i + 1, i == 0 ? "" : "s",
                           i == 0 ? "" : ", not below the depth before it"),
               lengths[i], ip);
        }
        m.mtp_accept_lengths.push_back(v);
      }
    }
    if (const YAML::Node pt = n["pretraining"]; pt && !pt.IsNull()) {
      const std::string p = Join(path, "pretraining");
      if (!pt.IsMap()) Fail("expected a mapping", pt, p);
      CheckKeys(pt, p, {"seq_len", "precision", "schedule", "source"});
      PretrainingRecipe recipe;
      recipe.seq_len = Int(pt, "seq_len", p, 1, m.max_seq_len);
      if (pt["precision"]) recipe.precision = Text(pt, "precision", p, true);
      if (pt["schedule"]) {
        recipe.schedule = Text(pt, "schedule", p, true);
        if (recipe.schedule != "1f1b" && recipe.schedule != "interleaved" &&
            recipe.schedule != "dualpipe") {
          Fail("unknown schedule '" + recipe.schedule.substr(0, 40) +
                   "'; expected 1f1b, interleaved or dualpipe",
               pt["schedule"], Join(p, "schedule"));
        }
      }
      recipe.source = Text(pt, "source", p, true);
      m.pretraining = recipe;
    }
    if (const YAML::Node ol = n["output_lengths"]; ol && !ol.IsNull()) {
      const std::string p = Join(path, "output_lengths");
      if (!ol.IsMap()) Fail("expected a mapping", ol, p);
      CheckKeys(ol, p, {"lognormal_sigma", "max_tokens", "source"});
      OutputLengths o;
      o.lognormal_sigma = Num(ol, "lognormal_sigma", p, 0.01, 3);
      o.max_tokens = Num(ol, "max_tokens", p, 1, 1 << 26);
      o.source = Text(ol, "source", p, true);
      m.output_lengths = o;
    }
    if (n["params_b_reported"] && !n["params_b_reported"].IsNull()) {
      m.params_b_reported = Num(n, "params_b_reported", path, 1e-6, 1e6);
    }
    if (n["active_params_b_reported"] && !n["active_params_b_reported"].IsNull()) {
      m.active_params_b_reported = Num(n, "active_params_b_reported", path, 1e-6, 1e6);
    }
    if (const YAML::Node mla = n["mla"]; mla && !mla.IsNull()) {
      const std::string p = Join(path, "mla");
      if (!mla.IsMap()) Fail("expected a mapping", mla, p);
      CheckKeys(
          mla, p,
          {"q_lora_rank", "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"});
      MlaConfig c;
      c.q_lora_rank = Int(mla, "q_lora_rank", p, 0, 1 << 20, 0);
      c.kv_lora_rank = Int(mla, "kv_lora_rank", p, 1, 1 << 20);
      c.qk_nope_head_dim = Int(mla, "qk_nope_head_dim", p, 1, 1 << 16);
      c.qk_rope_head_dim = Int(mla, "qk_rope_head_dim", p, 1, 1 << 16);
      c.v_head_dim = Int(mla, "v_head_dim", p, 1, 1 << 16);
      m.mla = c;
    }
    if (m.attention == AttentionKind::kMla && !m.mla) {
      Fail("attention mla needs an mla mapping", n, Join(path, "mla"));
    }
    if (const YAML::Node moe = n["moe"]; moe && !moe.IsNull()) {
      const std::string p = Join(path, "moe");
      if (!moe.IsMap()) Fail("expected a mapping", moe, p);
      CheckKeys(moe, p,
                {"routed_experts", "shared_experts", "top_k", "expert_ffn", "first_dense_layers",
                 "layer_step", "max_nodes_per_token", "routing_groups"});
      MoeConfig c;
      c.routed_experts = Int(moe, "routed_experts", p, 1, 1 << 20);
      c.shared_experts = Int(moe, "shared_experts", p, 0, 1024, 0);
      c.top_k = Int(moe, "top_k", p, 1, 1024);
      c.expert_ffn = Int(moe, "expert_ffn", p, 1, 1 << 24);
      c.first_dense_layers = Int(moe, "first_dense_layers", p, 0, m.layers, 0);
      c.layer_step = Int(moe, "layer_step", p, 1, std::max(1, m.layers - c.first_dense_layers), 1);
      c.max_nodes_per_token = Int(moe, "max_nodes_per_token", p, 0, 1 << 20, 0);
      c.routing_groups = Int(moe, "routing_groups", p, 0, c.routed_experts, 0);
      if (c.routing_groups > 0 && c.routed_experts % c.routing_groups != 0) {
        Fail("routing_groups " + std::to_string(c.routing_groups) +
                 " does not divide routed_experts " + std::to_string(c.routed_experts),
             moe["routing_groups"], Join(p, "routing_groups"));
      }
      if (c.routing_groups > 0 && c.max_nodes_per_token == 0) {
        Fail("routing_groups needs max_nodes_per_token, the groups a token picks from",
             moe["routing_groups"], Join(p, "routing_groups"));
      }
      if (c.top_k > c.routed_experts) {
        Fail("top_k " + std::to_string(c.top_k) + " exceeds routed_experts " +
                 std::to_string(c.routed_experts),
             moe["top_k"], Join(p, "top_k"));
      }
      m.moe = c;
    }
    if (const YAML::Node sa = n["sparse_attention"]; sa && !sa.IsNull()) {
      const std::string p = Join(path, "sparse_attention");
      if (!sa.IsMap()) Fail("expected a mapping", sa, p);
      CheckKeys(sa, p, {"top_k", "indexer_heads", "indexer_head_dim"});
      SparseAttentionConfig c;
      c.top_k = Int(sa, "top_k", p, 1, 1 << 26);
      c.indexer_heads = Int(sa, "indexer_heads", p, 1, 1 << 16);
      c.indexer_head_dim = Int(sa, "indexer_head_dim", p, 1, 1 << 16);
      m.sparse_attention = c;
    }
    if (const YAML::Node la = n["linear_attention"]; la && !la.IsNull()) {
      const std::string p = Join(path, "linear_attention");
      if (!la.IsMap()) Fail("expected a mapping", la, p);
      CheckKeys(la, p,
                {"kind", "full_attention_every", "block_size", "state_bytes_per_element",
                 "key_heads", "key_head_dim", "value_heads", "value_head_dim", "conv_kernel"});
      LinearAttentionConfig c;
      const std::string kind = Text(la, "kind", p, false);
      if (kind == "gated_deltanet") {
        c.kind = LinearAttentionConfig::Kind::kGatedDeltaNet;
      } else if (!kind.empty() && kind != "lightning") {
        Fail("kind must be lightning or gated_deltanet", la["kind"], Join(p, "kind"));
      }
      c.full_attention_every = Int(la, "full_attention_every", p, 2, m.layers);
      c.block_size = Int(la, "block_size", p, 1, 1 << 20);
      c.state_bytes_per_element = Num(la, "state_bytes_per_element", p, 1, 8, 4.0);
      if (c.kind == LinearAttentionConfig::Kind::kGatedDeltaNet) {
        c.key_heads = Int(la, "key_heads", p, 1, 1 << 16);
        c.key_head_dim = Int(la, "key_head_dim", p, 1, 1 << 16);
        c.value_heads = Int(la, "value_heads", p, 1, 1 << 16);
        c.value_head_dim = Int(la, "value_head_dim", p, 1, 1 << 16);
        c.conv_kernel = Int(la, "conv_kernel", p, 1, 1 << 10);
      } else {
        for (const char* k :
             {"key_heads", "key_head_dim", "value_heads", "value_head_dim", "conv_kernel"}) {
          if (la[k]) Fail("only a gated_deltanet layer has its own widths", la[k], Join(p, k));
        }
      }
      if (m.attention == AttentionKind::kMla) {
        Fail("linear_attention layers are modelled with gqa or mha softmax layers, not mla", la, p);
      }
      m.linear_attention = c;
    }
    if (m.attention_output_gate && m.attention == AttentionKind::kMla) {
      Fail("attention_output_gate is modelled on gqa or mha layers, not mla",
           n["attention_output_gate"], Join(path, "attention_output_gate"));
    }
    if (const YAML::Node sw = n["sliding_window"]; sw && !sw.IsNull()) {
      const std::string p = Join(path, "sliding_window");
      if (!sw.IsMap()) Fail("expected a mapping", sw, p);
      CheckKeys(sw, p, {"window", "full_attention_every"});
      SlidingWindowConfig c;
      c.window = Int(sw, "window", p, 1, 1 << 26);
      c.full_attention_every = Int(sw, "full_attention_every", p, 2, m.layers);
      if (m.attention == AttentionKind::kMla) {
        Fail("sliding_window is modelled on gqa or mha layers, not mla", sw, p);
      }
      if (m.sparse_attention || m.linear_attention) {
        Fail("a model has one of sparse_attention, linear_attention and sliding_window", sw, p);
      }
      m.sliding_window = c;
    }
    if (const YAML::Node cks = n["checkpoints"]; cks && !cks.IsNull()) {
      const std::string p = Join(path, "checkpoints");
      if (!cks.IsSequence() || cks.size() == 0) Fail("expected a list of precisions", cks, p);
      for (size_t i = 0; i < cks.size(); ++i) {
        const YAML::Node c = cks[i];
        const std::string pi = fmt::format("{}[{}]", p, i);
        if (!c.IsMap()) Fail("expected a mapping", c, pi);
        CheckKeys(c, pi,
                  {"names", "dtype", "expert_dtype", "weight_block_size", "kv_dtype", "source"});
        CheckpointPrecision ck;
        ck.names = Strings(c, "names", pi);
        for (auto& name : ck.names) name = NormalizeId(name);
        if (i == 0 && !ck.names.empty()) {
          Fail("the first checkpoint is the model's own; variants after it have names", c["names"],
               Join(pi, "names"));
        }
        if (i > 0 && ck.names.empty()) Fail("a variant checkpoint needs names", c, pi);
        ck.dtype = Text(c, "dtype", pi, true);
        ck.expert_dtype = Text(c, "expert_dtype", pi, false);
        for (const auto& [key, value] :
             {std::pair{"dtype", ck.dtype}, {"expert_dtype", ck.expert_dtype}}) {
          if (!value.empty() && !IsCheckpointDType(value)) {
            Fail(fmt::format("unknown format '{}'; expected bf16, fp16, fp8, int8, fp4 or int4",
                             value),
                 c[key], Join(pi, key));
          }
        }
        if (!ck.expert_dtype.empty() && !m.moe) {
          Fail("expert_dtype is for MoE models", c["expert_dtype"], Join(pi, "expert_dtype"));
        }
        ck.weight_block_size = Int(c, "weight_block_size", pi, 0, 1 << 16, 0);
        if (ck.weight_block_size > 0 && ck.dtype != "fp8" && ck.expert_dtype != "fp8") {
          Fail("weight_block_size is the block of FP8 weight scales; this checkpoint has no fp8",
               c["weight_block_size"], Join(pi, "weight_block_size"));
        }
        ck.kv_dtype = Text(c, "kv_dtype", pi, false);
        if (!ck.kv_dtype.empty() && ck.kv_dtype != "fp8" && ck.kv_dtype != "int8") {
          Fail(fmt::format("unknown KV format '{}'; a checkpoint declares fp8 or int8 "
                           "(kv_cache_quant_algo), or nothing",
                           ck.kv_dtype),
               c["kv_dtype"], Join(pi, "kv_dtype"));
        }
        ck.source = Text(c, "source", pi, true);
        m.checkpoints.push_back(std::move(ck));
      }
    }
    if (m.sparse_attention && m.linear_attention) {
      Fail("a model has sparse_attention or linear_attention, not both", n["linear_attention"],
           Join(path, "linear_attention"));
    }
    if (m.heads % m.kv_heads != 0) {
      Fail("kv_heads " + std::to_string(m.kv_heads) + " must divide heads " +
               std::to_string(m.heads),
           n["kv_heads"], Join(path, "kv_heads"));
    }
    m.source = Text(n, "source", path, false);
    m.notes = Text(n, "notes", path, false);
    Upsert(catalog_.models_, std::move(m), "model", n, path);
  }

  void Family(const YAML::Node& n, const std::string& path) {
    CheckKeys(n, path,
              {"id",
               "matmul_efficiency",
               "low_precision_matmul_efficiency",
               "fp4_matmul_efficiency",
               "weight_only_matmul_efficiency",
               "weight_only_gweights_s",
               "triton_moe_matmul_efficiency",
               "triton_moe_tile_k_overhead",
               "triton_moe_block_fp8_matmul_efficiency",
               "triton_moe_default_matmul_efficiency",
               "triton_moe_batch_aware_default_matmul_efficiency",
               "fp8_fast_accum_matmul_efficiency",
               "matmul_half_gflop",
               "attention_efficiency",
               "fa2_attention_efficiency",
               "mla_decode_efficiency",
               "fp8_mla_decode_efficiency",
               "fp8_sparse_mla_decode_efficiency",
               "fp8_sparse_mla_decode_head_cluster",
               "tensor_tflops_per_sm",
               "fp4_over_16bit_peak",
               "memory_efficiency",
               "memory_reserved_gib",
               "failures_per_chip_day",
               "serving_step_overhead_ms",
               "serving_roofline_exponent",
               "static_power_fraction",
               "dvfs_power_exponent",
               "training_error_sigma",
               "inference_error_sigma",
               "error_source",
               "calibrated",
               "fitted_on",
               "source",
               "file",
               "date",
               "fitted",
               "notes"});
    const FamilyCalibration d;
    // The model's error where a family has not measured it: the default family's.
    const FamilyCalibration& unmeasured = catalog_.default_family_;
    FamilyCalibration f;
    f.id = Id(n, path);
    f.matmul_efficiency = Num(n, "matmul_efficiency", path, 0.01, 1, d.matmul_efficiency);
    f.low_precision_matmul_efficiency =
        Num(n, "low_precision_matmul_efficiency", path, 0.01, 1, d.low_precision_matmul_efficiency);
    if (n["fp4_matmul_efficiency"]) {
      f.fp4_matmul_efficiency = Num(n, "fp4_matmul_efficiency", path, 0.01, 1, 0);
    }
    if (n["weight_only_matmul_efficiency"]) {
      f.weight_only_matmul_efficiency = Num(n, "weight_only_matmul_efficiency", path, 0.01, 1, 0);
    }
    if (n["weight_only_gweights_s"]) {
      f.weight_only_gweights_s = Num(n, "weight_only_gweights_s", path, 1, 1e6, 0);
    }
    if (n["triton_moe_matmul_efficiency"]) {
      f.triton_moe_matmul_efficiency = Num(n, "triton_moe_matmul_efficiency", path, 0.01, 1, 0);
    }
    f.triton_moe_tile_k_overhead = Num(n, "triton_moe_tile_k_overhead", path, 0, 1e6, 0);
    if (n["triton_moe_block_fp8_matmul_efficiency"]) {
      f.triton_moe_block_fp8_matmul_efficiency =
          Num(n, "triton_moe_block_fp8_matmul_efficiency", path, 0.01, 1, 0);
    }
    if (n["triton_moe_default_matmul_efficiency"]) {
      f.triton_moe_default_matmul_efficiency =
          Num(n, "triton_moe_default_matmul_efficiency", path, 0.01, 1, 0);
    }
    if (n["triton_moe_batch_aware_default_matmul_efficiency"]) {
      f.triton_moe_batch_aware_default_matmul_efficiency =
          Num(n, "triton_moe_batch_aware_default_matmul_efficiency", path, 0.01, 1, 0);
    }
    if (n["fp8_fast_accum_matmul_efficiency"]) {
      f.fp8_fast_accum_matmul_efficiency =
          Num(n, "fp8_fast_accum_matmul_efficiency", path, 0.01, 1, 0);
    }
    f.matmul_half_gflop = Num(n, "matmul_half_gflop", path, 0, 1e6, d.matmul_half_gflop);
    f.attention_efficiency = Num(n, "attention_efficiency", path, 0.01, 1, d.attention_efficiency);
    if (n["fa2_attention_efficiency"]) {
      f.fa2_attention_efficiency = Num(n, "fa2_attention_efficiency", path, 0.01, 1, 0);
    }
    if (n["mla_decode_efficiency"]) {
      f.mla_decode_efficiency = Num(n, "mla_decode_efficiency", path, 0.01, 1, 0);
    }
    if (n["fp8_mla_decode_efficiency"]) {
      f.fp8_mla_decode_efficiency = Num(n, "fp8_mla_decode_efficiency", path, 0.01, 1, 0);
    }
    if (n["fp8_sparse_mla_decode_efficiency"]) {
      f.fp8_sparse_mla_decode_efficiency =
          Num(n, "fp8_sparse_mla_decode_efficiency", path, 0.01, 1, 0);
    }
    f.fp8_sparse_mla_decode_head_cluster =
        Num(n, "fp8_sparse_mla_decode_head_cluster", path, 0, 1024, 0);
    if (n["tensor_tflops_per_sm"]) {
      f.tensor_tflops_per_sm = Num(n, "tensor_tflops_per_sm", path, 0.01, 1e3, 0);
    }
    if (n["fp4_over_16bit_peak"]) {
      f.fp4_over_16bit_peak = Num(n, "fp4_over_16bit_peak", path, 0.5, 64, 0);
    }
    f.memory_efficiency = Num(n, "memory_efficiency", path, 0.01, 1, d.memory_efficiency);
    f.memory_reserved_gib = Num(n, "memory_reserved_gib", path, 0, 1e4, d.memory_reserved_gib);
    f.failures_per_chip_day = Num(n, "failures_per_chip_day", path, 0, 10, d.failures_per_chip_day);
    f.serving_step_overhead_ms =
        Num(n, "serving_step_overhead_ms", path, 0, 1e4, d.serving_step_overhead_ms);
    f.serving_roofline_exponent =
        Num(n, "serving_roofline_exponent", path, 0, 100, d.serving_roofline_exponent);
    if (f.serving_roofline_exponent > 0 && f.serving_roofline_exponent < 1) {
      Fail(
          "serving_roofline_exponent must be 0 (the sharp roofline) or at least 1 (1: weight "
          "read and math in full)",
          n["serving_roofline_exponent"], Join(path, "serving_roofline_exponent"));
    }
    f.static_power_fraction =
        Num(n, "static_power_fraction", path, 0, 0.9, d.static_power_fraction);
    f.dvfs_power_exponent = Num(n, "dvfs_power_exponent", path, 1, 4, d.dvfs_power_exponent);
    f.training_error_sigma =
        Num(n, "training_error_sigma", path, 0, 3, unmeasured.training_error_sigma);
    f.inference_error_sigma =
        Num(n, "inference_error_sigma", path, 0, 3, unmeasured.inference_error_sigma);
    f.error_source =
        n["error_source"] ? Text(n, "error_source", path, false) : unmeasured.error_source;
    f.calibrated = Bool(n, "calibrated", path, false);
    f.fitted_on = Text(n, "fitted_on", path, false);
    f.source = Text(n, "source", path, false);
    f.file = Text(n, "file", path, false);
    f.date = Text(n, "date", path, false);
    f.fitted = Strings(n, "fitted", path);
    for (const auto& name : f.fitted) {
      static const std::vector<std::string> kFittable = {
          "matmul_efficiency", "low_precision_matmul_efficiency",
          "matmul_half_gflop", "attention_efficiency",
          "memory_efficiency", "serving_step_overhead_ms"};
      if (std::find(kFittable.begin(), kFittable.end(), name) == kFittable.end()) {
        Fail("unknown parameter '" + name + "' in fitted; expected " + JoinOr(kFittable),
             n["fitted"], Join(path, "fitted"));
      }
    }
    if (f.id == "default") {
      catalog_.default_family_ = f;
      Remember("family", f.id, n);
      return;
    }
    Upsert(catalog_.families_, std::move(f), "family", n, path);
  }

  void Training(const YAML::Node& n, const std::string& path) {
    if (!n.IsMap()) Fail("expected a mapping", n, path);
    CheckKeys(n, path,
              {"restart_minutes", "checkpoint_gb_s_per_chip", "moe_load_imbalance",
               "stall_fraction", "dp_overlap", "expert_kernel_host_us",
               "ep_overlap_compute_slowdown", "ep_overlap_dispatch_gb_s", "ep_overlap_combine_gb_s",
               "ep_dispatch_gb_s", "ep_combine_gb_s", "ep_exchange_by_ep", "notes"});
    TrainingCalibration& t = catalog_.training_;
    t.restart_minutes = Num(n, "restart_minutes", path, 0, 1e4, t.restart_minutes);
    t.checkpoint_gb_s_per_chip =
        Num(n, "checkpoint_gb_s_per_chip", path, 1e-6, 1e4, t.checkpoint_gb_s_per_chip);
    t.moe_load_imbalance = Num(n, "moe_load_imbalance", path, 1, 10, t.moe_load_imbalance);
    t.dp_overlap = Num(n, "dp_overlap", path, 0, 1, t.dp_overlap);
    t.stall_fraction = Num(n, "stall_fraction", path, 0, 0.9, t.stall_fraction);
    t.expert_kernel_host_s =
        Num(n, "expert_kernel_host_us", path, 0, 1e4, t.expert_kernel_host_s * 1e6) / 1e6;
    t.ep_overlap_compute_slowdown =
        Num(n, "ep_overlap_compute_slowdown", path, 0, 0.9, t.ep_overlap_compute_slowdown);
    t.ep_overlap_dispatch_gb_s =
        Num(n, "ep_overlap_dispatch_gb_s", path, 0, 1e5, t.ep_overlap_dispatch_gb_s);
    t.ep_overlap_combine_gb_s =
        Num(n, "ep_overlap_combine_gb_s", path, 0, 1e5, t.ep_overlap_combine_gb_s);
    t.ep_dispatch_gb_s = Num(n, "ep_dispatch_gb_s", path, 0, 1e5, t.ep_dispatch_gb_s);
    t.ep_combine_gb_s = Num(n, "ep_combine_gb_s", path, 0, 1e5, t.ep_combine_gb_s);
    if (const YAML::Node rates = n["ep_exchange_by_ep"]) {
      const std::string rpath = Join(path, "ep_exchange_by_ep");
      if (!rates.IsSequence() || rates.size() == 0) {
        Fail("expected a list of {ep, dispatch_gb_s, combine_gb_s}", rates, rpath);
      }
      std::vector<TrainingCalibration::EpExchangeRate> table;
      ForEach(rates, rpath, [&](const YAML::Node& r, const std::string& p) {
        CheckKeys(r, p, {"ep", "dispatch_gb_s", "combine_gb_s"});
        TrainingCalibration::EpExchangeRate e;
        e.ep = Int(r, "ep", p, 2, 1 << 20);
        e.dispatch_gb_s = Num(r, "dispatch_gb_s", p, 1, 1e5);
        e.combine_gb_s = Num(r, "combine_gb_s", p, 1, 1e5);
        if (!table.empty() && e.ep <= table.back().ep) {
          Fail("ep " + std::to_string(e.ep) + " is not above the entry before it (" +
                   std::to_string(table.back().ep) + "): list the sizes in increasing order",
               r["ep"], Join(p, "ep"));
        }
        table.push_back(e);
      });
      t.ep_exchange_by_ep = std::move(table);
    }
  }

  // data/model_error.yaml: a cell replaces the one of the same family, workload and kind.
  void ModelErrors(const YAML::Node& n, const std::string& path) {
    if (!n.IsMap()) Fail("expected a mapping with source and cells", n, path);
    CheckKeys(n, path, {"source", "cells", "notes"});
    const std::string source = Text(n, "source", path, false);
    const YAML::Node cells = n["cells"];
    if (!cells) Fail("missing required field", n, Join(path, "cells"));
    ForEach(cells, Join(path, "cells"), [&](const YAML::Node& c, const std::string& p) {
      CheckKeys(c, p, {"family", "workload", "kind", "cases", "bias", "sigma", "source"});
      ModelErrorCell cell;
      cell.family = Text(c, "family", p, true);
      const std::string work = Text(c, "workload", p, true);
      if (work != "training" && work != "training-searched" && work != "serving") {
        Fail("unknown workload " + Quoted(work) +
                 "; expected training, training-searched or serving",
             c["workload"], Join(p, "workload"));
      }
      cell.training = work != "serving";
      cell.searched = work == "training-searched";
      const std::string kind = Text(c, "kind", p, true);
      if (kind != "dense" && kind != "moe") {
        Fail("unknown kind " + Quoted(kind) + "; expected dense or moe", c["kind"],
             Join(p, "kind"));
      }
      cell.moe = kind == "moe";
      cell.cases = Int(c, "cases", p, 1, 1000000);
      cell.bias = Num(c, "bias", p, -3, 3);
      cell.sigma = Num(c, "sigma", p, 0, 3);
      cell.source = c["source"] ? Text(c, "source", p, true) : source;
      if (cell.source.empty()) Fail("missing required field", c, Join(p, "source"));
      auto& all = catalog_.model_error_cells_;
      auto same = std::find_if(all.begin(), all.end(), [&](const ModelErrorCell& o) {
        return o.family == cell.family && o.training == cell.training &&
               o.searched == cell.searched && o.moe == cell.moe;
      });
      if (same != all.end()) {
        *same = cell;
      } else {
        all.push_back(cell);
      }
    });
  }

  // An engine entry with `base: ID` (an engine defined above it in the same file: another
  // version of the same engine) takes every field of that entry it does not set itself, except
  // what names it or makes it a family's default (id, name, aliases, default_families,
  // kv_default_families); its sources are the base's and its own.
  YAML::Node WithBase(const YAML::Node& n, const std::string& path) {
    const YAML::Node b = n["base"];
    if (!b) return n;
    const std::string id = NormalizeId(Text(n, "base", path, true));
    const auto it = engine_nodes_.find(id);
    if (it == engine_nodes_.end()) {
      Fail("unknown base engine '" + id.substr(0, 40) +
               "'; expected the id of an engine defined above it in this file",
           b, Join(path, "base"));
    }
    static const std::set<std::string> kOwn = {
        "id", "name", "aliases", "default_families", "kv_default_families", "base"};
    YAML::Node merged(YAML::NodeType::Map);
    for (const auto& kv : it->second) {
      const std::string key = kv.first.as<std::string>();
      if (!kOwn.contains(key) && !n[key]) merged[key] = kv.second;
    }
    for (const auto& kv : n) {
      const std::string key = kv.first.as<std::string>();
      if (key != "base" && key != "source") merged[key] = kv.second;
    }
    YAML::Node sources(YAML::NodeType::Sequence);
    const YAML::Node base = it->second;
    for (const YAML::Node& from : {base, n}) {
      std::vector<YAML::Node> ids;
      if (const YAML::Node s = from["source"]; s && s.IsSequence()) {
        for (const auto& one : s) ids.push_back(one);
      } else if (s) {
        ids.push_back(s);
      }
      for (const YAML::Node& source_id : ids) {
        const bool listed = std::any_of(sources.begin(), sources.end(), [&](const YAML::Node& x) {
          return x.IsScalar() && source_id.IsScalar() && x.Scalar() == source_id.Scalar();
        });
        if (!listed) sources.push_back(source_id);
      }
    }
    if (sources.size() > 0) merged["source"] = sources;
    return merged;
  }

  void Engine(const YAML::Node& given, const std::string& path) {
    // The entry's own keys, where a misspelt one is (its base's were checked with the base).
    CheckKeys(given, path,
              {"base",
               "id",
               "name",
               "aliases",
               "triton_moe_default_config",
               "max_num_seqs",
               "max_batched_tokens",
               "max_prefill_tokens",
               "small_device_gib",
               "small_device_chips",
               "small_device_max_num_seqs",
               "small_device_max_batched_tokens",
               "kv_memory_fraction",
               "fraction_of_free_memory",
               "kv_admission",
               "decode_batch_buckets",
               "dp_dispatch",
               "kv_block_tokens",
               "max_num_seqs_per_instance",
               "max_batched_tokens_per_instance",
               "dp_attention_conservativeness",
               "chunked_prefill",
               "batched_tokens_at_context",
               "offline_bench_limits",
               "rejects_prompt_over_budget",
               "eager_layer_us",
               "eager_host_layer_us",
               "adp_eager_host_layer_us",
               "eager_launch_layer_us",
               "profile_logit_bytes",
               "step_floor_layer_us",
               "full_decode_floor_layer_us",
               "decode_token_passes",
               "fp8_mla_families",
               "kv_cache_model_dtype",
               "sparse_kv_model_dtype_families",
               "checkpoint_kv_dtype",
               "quantize_on_load",
               "moe_gemm_block_m",
               "moe_gemm_families",
               "moe_activation_families",
               "moe_ep_all_route_rows",
               "moe_prompt_row_ns",
               "moe_decode_routing",
               "eager_above_capture_size",
               "capture_tokens_per_seq",
               "dense_gemm_gb_s",
               "bf16_gemm_sm_gb_s",
               "fp8_gemm_sm_gb_s",
               "fp8_quant_layer_us",
               "decode_kv_sm_gb_s",
               "decode_kv_sm_architectures",
               "memory_reserve_mib",
               "memory_reserve_families",
               "running_requests_default",
               "sparse_mla_head_tile",
               "dsa_short_prefill_mha",
               "sparse_prefill_efficiency",
               "dsa_fp8_prefill_min_heads",
               "cuda_graph_families",
               "graph_layer_us",
               "graph_layer_us_by_family",
               "graph_layer_clocked_us_by_family",
               "graph_layer_clock_tflops_by_family",
               "host_seq_us",
               "async_scheduling",
               "scheduler_steps",
               "multistep_lookahead_kv",
               "deepgemm_moe_at_tp8",
               "stream_host_us",
               "moe_layer_us",
               "weight_only_moe_layer_us",
               "moe_backends",
               "moe_backend_layer_us",
               "moe_backend_max_expert_rows",
               "auto_moe_backend",
               "moe_backend_group_routed",
               "fp4_moe_backend",
               "fp4_moe_layer_us",
               "fp4_decode_token_passes",
               "ep_moe_layer_us",
               "ep_moe_token_us",
               "int8_matmul_efficiency",
               "triton_moe_families",
               "untuned_moe_configs",
               "default_families",
               "kv_default_families",
               "runs_on",
               "moe_dp_allgather",
               "one_sided_moe_layer_us",
               "dp_prefill_gather_all_reduce",
               "in_node_moe_allgather",
               "prefill_apart",
               "attention_dp_per_gpu",
               "moe_tp_only_in_graph",
               "expert_parallel_opt_in",
               "version",
               "source",
               "notes"});
    const YAML::Node n = WithBase(given, path);
    ServingEngine e;
    e.id = Id(given, path);
    e.name = Text(given, "name", path, true);
    e.aliases = Strings(given, "aliases", path);
    for (auto& a : e.aliases) a = NormalizeId(a);
    e.max_num_seqs = static_cast<int>(Num(n, "max_num_seqs", path, 0, 1 << 20, 0));
    e.max_batched_tokens = Num(n, "max_batched_tokens", path, 0, 1e8, 0);
    e.max_prefill_tokens = Num(n, "max_prefill_tokens", path, 0, 1e8, 0);
    e.small_device_gib = Num(n, "small_device_gib", path, 0, 1e5, 0);
    e.small_device_chips = Strings(n, "small_device_chips", path);
    e.small_device_max_num_seqs =
        static_cast<int>(Num(n, "small_device_max_num_seqs", path, 0, 1 << 20, 0));
    e.small_device_max_batched_tokens = Num(n, "small_device_max_batched_tokens", path, 0, 1e8, 0);
    e.kv_memory_fraction = Num(n, "kv_memory_fraction", path, 0, 1, 0);
    e.fraction_of_free_memory = Bool(n, "fraction_of_free_memory", path, false);
    e.chunked_prefill = Bool(n, "chunked_prefill", path, true);
    e.batched_tokens_at_context = Bool(n, "batched_tokens_at_context", path, false);
    e.offline_bench_limits = Bool(n, "offline_bench_limits", path, false);
    e.rejects_prompt_over_budget = Bool(n, "rejects_prompt_over_budget", path, false);
    e.eager_layer_us = Num(n, "eager_layer_us", path, 0, 1e5, 0);
    e.eager_host_layer_us =
        NumberMap(n, "eager_host_layer_us", path, "chip family to microseconds", 0, 1e5);
    e.eager_launch_layer_us = Num(n, "eager_launch_layer_us", path, 0, 1e5, 0);
    e.profile_logit_bytes = Num(n, "profile_logit_bytes", path, 0, 1e4, 0);
    e.step_floor_layer_us = Num(n, "step_floor_layer_us", path, 0, 1e5, 0);
    e.full_decode_floor_layer_us = Num(n, "full_decode_floor_layer_us", path, 0, 1e5, 0);
    e.decode_token_passes = Num(n, "decode_token_passes", path, 0, 1e4, 0);
    e.fp8_mla_families = Strings(n, "fp8_mla_families", path);
    e.kv_cache_model_dtype = Bool(n, "kv_cache_model_dtype", path, false);
    e.sparse_kv_model_dtype_families = Strings(n, "sparse_kv_model_dtype_families", path);
    e.checkpoint_kv_dtype = Bool(n, "checkpoint_kv_dtype", path, true);
    e.quantize_on_load = Strings(n, "quantize_on_load", path);
    for (size_t i = 0; i < e.quantize_on_load.size(); ++i) {
      if (!IsCheckpointDType(e.quantize_on_load[i])) {
        Fail(fmt::format("unknown format '{}'; expected bf16, fp16, fp8, int8, fp4 or int4",
                         e.quantize_on_load[i]),
             n["quantize_on_load"][i], fmt::format("{}[{}]", Join(path, "quantize_on_load"), i));
      }
    }
    e.cuda_graph_families = Strings(n, "cuda_graph_families", path);
    e.graph_layer_us = Num(n, "graph_layer_us", path, 0, 1e5, 0);
    e.graph_layer_us_by_family =
        NumberMap(n, "graph_layer_us_by_family", path, "chip family to microseconds", 0, 1e5);
    e.graph_layer_clocked_us_by_family = NumberMap(n, "graph_layer_clocked_us_by_family", path,
                                                   "chip family to microseconds", 0, 1e5);
    e.graph_layer_clock_tflops_by_family = NumberMap(n, "graph_layer_clock_tflops_by_family", path,
                                                     "chip family to TFLOPS", 1e-3, 1e6);
    for (const auto& [family, us] : e.graph_layer_clocked_us_by_family) {
      const auto whole = e.graph_layer_us_by_family.find(family);
      if (whole == e.graph_layer_us_by_family.end() || us > whole->second ||
          !e.graph_layer_clock_tflops_by_family.contains(family)) {
        Fail(fmt::format("the device part of family '{}' needs its whole per-layer time in "
                         "graph_layer_us_by_family (at least {:g}) and the rate it was measured "
                         "at in graph_layer_clock_tflops_by_family",
                         family, us),
             n["graph_layer_clocked_us_by_family"][family],
             Join(Join(path, "graph_layer_clocked_us_by_family"), family));
      }
    }
    for (const auto& [family, tflops] : e.graph_layer_clock_tflops_by_family) {
      if (!e.graph_layer_clocked_us_by_family.contains(family)) {
        Fail(fmt::format("family '{}' has a rate but no device part in "
                         "graph_layer_clocked_us_by_family",
                         family),
             n["graph_layer_clock_tflops_by_family"][family],
             Join(Join(path, "graph_layer_clock_tflops_by_family"), family));
      }
    }
    e.host_seq_us = Num(n, "host_seq_us", path, 0, 1e4, 0);
    e.async_scheduling = Bool(n, "async_scheduling", path, true);
    e.scheduler_steps = static_cast<int>(Num(n, "scheduler_steps", path, 1, 1024, 0));
    e.multistep_lookahead_kv = Bool(n, "multistep_lookahead_kv", path, false);
    e.deepgemm_moe_at_tp8 = Bool(n, "deepgemm_moe_at_tp8", path, false);
    e.stream_host_us = Num(n, "stream_host_us", path, 0, 1e4, 0);
    // A number for every chip family, or a map of family to microseconds.
    if (const YAML::Node times = n["moe_layer_us"]; times && times.IsMap()) {
      const std::string tpath = Join(path, "moe_layer_us");
      for (const auto& kv : times) {
        const std::string family = kv.first.as<std::string>();
        e.moe_layer_us_by_family[family] = Num(times, family, tpath, 0, 1e5);
      }
    } else {
      e.moe_layer_us = Num(n, "moe_layer_us", path, 0, 1e5, 0);
    }
    e.weight_only_moe_layer_us =
        NumberMap(n, "weight_only_moe_layer_us", path, "chip family to microseconds", 0, 1e5);
    e.moe_backends = Strings(n, "moe_backends", path);
    for (auto& b : e.moe_backends) b = NormalizeId(b);
    e.fp4_moe_backend = NormalizeId(Text(n, "fp4_moe_backend", path, false));
    if (!e.fp4_moe_backend.empty() && !e.moe_backends.empty()) {
      Fail(
          "fp4_moe_backend is for an engine that takes no backend choice; this one lists "
          "moe_backends, whose first is its default",
          n["fp4_moe_backend"], Join(path, "fp4_moe_backend"));
    }
    const auto listed_backend = [&](const std::string& b) {
      return std::find(e.moe_backends.begin(), e.moe_backends.end(), b) != e.moe_backends.end();
    };
    // A backend named by moe_backend_layer_us or moe_backend_group_routed: one the engine lists,
    // or its FP4 default.
    const auto known_backend = [&](const std::string& b) {
      return b == e.fp4_moe_backend || listed_backend(b);
    };
    // `{backend: {family: microseconds}}` maps; a backend the engine cannot run is refused.
    const auto backend_times = [&](const char* field, auto&& accepts, auto& out) {
      const YAML::Node times = n[field];
      if (!times) return;
      const std::string tpath = Join(path, field);
      if (!times.IsMap())
        Fail("expected a map of MoE backend to {family: microseconds}", times, tpath);
      for (const auto& kv : times) {
        const std::string backend = NormalizeId(kv.first.as<std::string>());
        if (!accepts(backend)) {
          Fail(fmt::format("backend '{}' is not in the engine's moe_backends", backend), kv.first,
               Join(tpath, kv.first.as<std::string>()));
        }
        out[backend] = NumberMap(times, kv.first.as<std::string>(), tpath,
                                 "chip family to microseconds", 0, 1e5);
      }
    };
    backend_times("moe_backend_layer_us", known_backend, e.moe_backend_layer_us);
    backend_times("adp_eager_host_layer_us", listed_backend, e.adp_eager_host_layer_us);
    e.moe_backend_max_expert_rows = Num(n, "moe_backend_max_expert_rows", path, 0, 1e6, 0);
    e.moe_backend_group_routed = Strings(n, "moe_backend_group_routed", path);
    for (auto& b : e.moe_backend_group_routed) {
      b = NormalizeId(b);
      if (!known_backend(b)) {
        Fail(fmt::format("backend '{}' is not in the engine's moe_backends", b),
             n["moe_backend_group_routed"], Join(path, "moe_backend_group_routed"));
      }
    }
    if (const YAML::Node autos = n["auto_moe_backend"]; autos) {
      const std::string apath = Join(path, "auto_moe_backend");
      if (!autos.IsMap()) Fail("expected a map of architecture to {family: backend}", autos, apath);
      for (const auto& arch : autos) {
        const std::string name = arch.first.as<std::string>();
        const std::string fpath = Join(apath, name);
        if (!arch.second.IsMap())
          Fail("expected a map of chip family to backend", arch.second, fpath);
        auto& by_family = e.auto_moe_backend[name];
        for (const auto& kv : arch.second) {
          const std::string family = kv.first.as<std::string>();
          const std::string backend = NormalizeId(Text(arch.second, family, fpath, true));
          if (std::find(e.moe_backends.begin(), e.moe_backends.end(), backend) ==
              e.moe_backends.end()) {
            Fail(fmt::format("backend '{}' is not in the engine's moe_backends", backend),
                 kv.second, Join(fpath, family));
          }
          by_family[family] = backend;
        }
      }
    }
    e.fp4_moe_layer_us =
        NumberMap(n, "fp4_moe_layer_us", path, "chip family to microseconds", 0, 1e5);
    e.fp4_decode_token_passes =
        NumberMap(n, "fp4_decode_token_passes", path, "chip family to passes", 0, 1e4);
    e.ep_moe_layer_us =
        NumberMap(n, "ep_moe_layer_us", path, "chip family to microseconds", 0, 1e5);
    e.ep_moe_token_us =
        NumberMap(n, "ep_moe_token_us", path, "chip family to microseconds", 0, 1e4);
    e.int8_matmul_efficiency =
        NumberMap(n, "int8_matmul_efficiency", path, "chip family to a fraction", 0.01, 1);
    e.triton_moe_families = Strings(n, "triton_moe_families", path);
    if (const YAML::Node u = n["untuned_moe_configs"]; u && !u.IsNull()) {
      const std::string up = Join(path, "untuned_moe_configs");
      if (!u.IsSequence()) Fail("expected a list of {experts, width, chips, dtype}", u, up);
      for (size_t i = 0; i < u.size(); ++i) {
        const YAML::Node c = u[i];
        const std::string pi = fmt::format("{}[{}]", up, i);
        if (!c.IsMap()) Fail("expected a mapping {experts, width, chips, dtype}", c, pi);
        CheckKeys(c, pi, {"experts", "width", "chips", "dtype"});
        UntunedMoeConfig k;
        k.experts = Int(c, "experts", pi, 1, 1 << 16);
        k.width = Int(c, "width", pi, 1, 1 << 20);
        k.chips = Strings(c, "chips", pi);
        if (k.chips.empty()) Fail("expected at least one chip id", c, Join(pi, "chips"));
        for (auto& chip : k.chips) chip = NormalizeId(chip);
        k.dtype = Text(c, "dtype", pi, true);
        if (k.dtype != "bf16" && k.dtype != "fp8") {
          Fail(fmt::format("unknown format '{}'; expected bf16 or fp8 (the kernel's 16-bit and "
                           "per-tensor 8-bit paths)",
                           k.dtype),
               c["dtype"], Join(pi, "dtype"));
        }
        e.untuned_moe_configs.push_back(std::move(k));
      }
    }
    e.moe_gemm_block_m = static_cast<int>(Num(n, "moe_gemm_block_m", path, 0, 1024, 0));
    e.moe_gemm_families = Strings(n, "moe_gemm_families", path);
    e.moe_activation_families = Strings(n, "moe_activation_families", path);
    e.moe_ep_all_route_rows = Bool(n, "moe_ep_all_route_rows", path, false);
    e.moe_prompt_row_ns =
        NumberMap(n, "moe_prompt_row_ns", path, "chip family to nanoseconds", 0, 1e6);
    e.moe_decode_routing = Bool(n, "moe_decode_routing", path, false);
    e.eager_above_capture_size = Bool(n, "eager_above_capture_size", path, false);
    e.capture_tokens_per_seq = Num(n, "capture_tokens_per_seq", path, 0.5, 64, 2);
    e.dense_gemm_gb_s = NumberMap(n, "dense_gemm_gb_s", path, "chip family to GB/s", 1, 1e5);
    e.bf16_gemm_sm_gb_s =
        NumberMap(n, "bf16_gemm_sm_gb_s", path, "chip family to GB/s an SM", 0.1, 1e4);
    e.fp8_gemm_sm_gb_s =
        NumberMap(n, "fp8_gemm_sm_gb_s", path, "chip family to GB/s an SM", 0.1, 1e4);
    e.fp8_quant_layer_us =
        NumberMap(n, "fp8_quant_layer_us", path, "chip family to microseconds a layer", 0, 1e4);
    e.decode_kv_sm_gb_s =
        NumberMap(n, "decode_kv_sm_gb_s", path, "chip family to GB/s an SM", 0.1, 1e4);
    e.decode_kv_sm_architectures = Strings(n, "decode_kv_sm_architectures", path);
    e.memory_reserve_mib =
        NumberMap(n, "memory_reserve_mib", path, "term of the memory reserve to MiB", 0, 1e6);
    for (const auto& [key, value] : e.memory_reserve_mib) {
      static const std::vector<std::string> kKeys = {"above_gib",
                                                     "base",
                                                     "prompt_token",
                                                     "min_prompt_tokens",
                                                     "graph_seq",
                                                     "graph_bs",
                                                     "graph_bs_small_tp",
                                                     "small_tp",
                                                     "small_tp_below_gib",
                                                     "rank",
                                                     "floor",
                                                     "speculative"};
      if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
        Fail(fmt::format("unknown term '{}' (one of {})", key, fmt::join(kKeys, ", ")),
             n["memory_reserve_mib"], Join(path, "memory_reserve_mib"));
      }
    }
    e.memory_reserve_families = Strings(n, "memory_reserve_families", path);
    e.running_requests_default = NumberMap(n, "running_requests_default", path,
                                           "term of the running-request default", 0, 1e6);
    for (const auto& [key, value] : e.running_requests_default) {
      static const std::vector<std::string> kKeys = {"context_requests", "min", "max",
                                                     "tokens_a_request", "speculative"};
      if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
        Fail(fmt::format("unknown term '{}' (one of {})", key, fmt::join(kKeys, ", ")),
             n["running_requests_default"], Join(path, "running_requests_default"));
      }
    }
    if (const YAML::Node tiles = n["sparse_mla_head_tile"]; tiles && !tiles.IsNull()) {
      const std::string tpath = Join(path, "sparse_mla_head_tile");
      if (!tiles.IsMap()) Fail("expected a map of chip family to query heads", tiles, tpath);
      for (const auto& kv : tiles) {
        const std::string family = kv.first.as<std::string>();
        e.sparse_mla_head_tile[family] = static_cast<int>(Num(tiles, family, tpath, 1, 1024));
      }
    }
    e.dsa_short_prefill_mha = Bool(n, "dsa_short_prefill_mha", path, false);
    e.sparse_prefill_efficiency =
        NumberMap(n, "sparse_prefill_efficiency", path, "chip family to a fraction", 0.01, 1);
    e.dsa_fp8_prefill_min_heads =
        static_cast<int>(Num(n, "dsa_fp8_prefill_min_heads", path, 0, 1024, 0));
    e.default_families = Strings(n, "default_families", path);
    e.kv_default_families = Strings(n, "kv_default_families", path);
    e.runs_on = Strings(n, "runs_on", path);
    e.moe_dp_allgather = Bool(n, "moe_dp_allgather", path, false);
    e.one_sided_moe_layer_us =
        NumberMap(n, "one_sided_moe_layer_us", path, "chip family to microseconds", 0, 1e4);
    e.dp_prefill_gather_all_reduce = Bool(n, "dp_prefill_gather_all_reduce", path, false);
    e.in_node_moe_allgather = Bool(n, "in_node_moe_allgather", path, false);
    e.prefill_apart = Bool(n, "prefill_apart", path, false);
    e.attention_dp_per_gpu = Bool(n, "attention_dp_per_gpu", path, false);
    e.moe_tp_only_in_graph = Bool(n, "moe_tp_only_in_graph", path, false);
    e.expert_parallel_opt_in = Bool(n, "expert_parallel_opt_in", path, false);
    e.decode_batch_buckets = Text(n, "decode_batch_buckets", path, false);
    if (!e.decode_batch_buckets.empty() && e.decode_batch_buckets != "exponential") {
      Fail("unknown decode_batch_buckets '" + e.decode_batch_buckets + "'; expected exponential",
           n["decode_batch_buckets"], Join(path, "decode_batch_buckets"));
    }
    e.kv_admission = Text(n, "kv_admission", path, false);
    if (e.kv_admission.empty()) e.kv_admission = "reserve";
    if (e.kv_admission != "reserve" && e.kv_admission != "optimistic" &&
        e.kv_admission != "retract") {
      Fail("unknown kv_admission '" + e.kv_admission + "'; expected reserve, optimistic or retract",
           n["kv_admission"], Join(path, "kv_admission"));
    }
    e.max_num_seqs_per_instance = Bool(n, "max_num_seqs_per_instance", path, false);
    e.max_batched_tokens_per_instance = Bool(n, "max_batched_tokens_per_instance", path, false);
    e.dp_attention_conservativeness = Num(n, "dp_attention_conservativeness", path, 0.01, 100, 1);
    e.dp_dispatch = Text(n, "dp_dispatch", path, false);
    if (e.dp_dispatch.empty()) e.dp_dispatch = "fewest";
    if (e.dp_dispatch != "fewest" && e.dp_dispatch != "round_robin") {
      Fail("unknown dp_dispatch '" + e.dp_dispatch + "'; expected fewest or round_robin",
           n["dp_dispatch"], Join(path, "dp_dispatch"));
    }
    e.kv_block_tokens = Int(n, "kv_block_tokens", path, 1, 4096, 16);
    e.triton_moe_default_config = Text(n, "triton_moe_default_config", path, false);
    if (e.triton_moe_default_config.empty()) e.triton_moe_default_config = "two_branch";
    if (e.triton_moe_default_config != "two_branch" &&
        e.triton_moe_default_config != "batch_aware") {
      Fail("unknown triton_moe_default_config '" + e.triton_moe_default_config.substr(0, 40) +
               "'; expected two_branch or batch_aware",
           n["triton_moe_default_config"], Join(path, "triton_moe_default_config"));
    }
    e.version = Text(n, "version", path, false);
    e.sources = Strings(n, "source", path);
    e.notes = Text(n, "notes", path, false);
    engine_nodes_[e.id] = n;
    Upsert(catalog_.engines_, std::move(e), "engine", given, path);
  }

  // A list of words, each one of `known`.
  std::vector<std::string> Words(const YAML::Node& n, std::string_view key, const std::string& path,
                                 const std::vector<std::string>& known) {
    std::vector<std::string> out = Strings(n, key, path);
    for (const auto& w : out) {
      if (std::find(known.begin(), known.end(), w) == known.end()) {
        Fail("unknown " + std::string(key) + " entry '" + w.substr(0, 40) + "'; expected " +
                 JoinOr(known),
             n[std::string(key)], Join(path, key));
      }
    }
    return out;
  }

  void Stack(const YAML::Node& n, const std::string& path) {
    CheckKeys(n, path,
              {"id",
               "name",
               "dp_overlap",
               "tp_comm_overlap",
               "ep_a2a_overlap",
               "ep_a2a_overlap_layer_host_ms",
               "full_iteration_graphs",
               "ep_overlap_hybridep",
               "fused_grouped_mlp",
               "fp8_attention",
               "schedules",
               "zero_stages",
               "pipeline_zero_stages",
               "recompute",
               "recompute_modules",
               "precisions",
               "attention",
               "uneven_stages",
               "mtp",
               "activation_offload",
               "sdpa_attention",
               "op_selective_recompute",
               "loss_bytes_per_logit",
               "loss_parallel_bytes_per_logit",
               "emit",
               "models",
               "runs_on",
               "pipeline",
               "source",
               "notes"});
    TrainingStack s;
    s.id = Id(n, path);
    s.name = Text(n, "name", path, true);
    s.dp_overlap = Bool(n, "dp_overlap", path, false);
    s.tp_comm_overlap = Bool(n, "tp_comm_overlap", path, false);
    s.ep_a2a_overlap = Bool(n, "ep_a2a_overlap", path, false);
    if (n["ep_a2a_overlap_layer_host_ms"] && !n["ep_a2a_overlap_layer_host_ms"].IsNull()) {
      if (!s.ep_a2a_overlap) {
        Fail("ep_a2a_overlap_layer_host_ms needs ep_a2a_overlap: true (it prices that schedule)",
             n["ep_a2a_overlap_layer_host_ms"], Join(path, "ep_a2a_overlap_layer_host_ms"));
      }
      s.ep_a2a_overlap_layer_host_s = Num(n, "ep_a2a_overlap_layer_host_ms", path, 0, 1000) / 1e3;
    }
    s.full_iteration_graphs = Bool(n, "full_iteration_graphs", path, false);
    if (s.full_iteration_graphs && s.ep_a2a_overlap_layer_host_s) {
      Fail(
          "full_iteration_graphs leaves the host nothing to issue during the step; "
          "ep_a2a_overlap_layer_host_ms is a host time measured without CUDA graphs",
          n["full_iteration_graphs"], Join(path, "full_iteration_graphs"));
    }
    s.ep_overlap_hybridep = Bool(n, "ep_overlap_hybridep", path, false);
    if (s.ep_overlap_hybridep && !s.ep_a2a_overlap) {
      Fail("ep_overlap_hybridep needs ep_a2a_overlap: true (it prices that schedule's exchange)",
           n["ep_overlap_hybridep"], Join(path, "ep_overlap_hybridep"));
    }
    s.fused_grouped_mlp = Bool(n, "fused_grouped_mlp", path, false);
    s.fp8_attention = Bool(n, "fp8_attention", path, false);
    s.schedules = Words(n, "schedules", path, {"1f1b", "interleaved", "dualpipe"});
    if (s.schedules.empty()) Fail("needs at least one schedule", n, Join(path, "schedules"));
    for (const auto& z : Words(n, "zero_stages", path, {"0", "1", "2", "3"})) {
      s.zero_stages.push_back(z[0] - '0');
    }
    if (s.zero_stages.empty()) Fail("needs at least one ZeRO stage", n, Join(path, "zero_stages"));
    for (const auto& z : Words(n, "pipeline_zero_stages", path, {"0", "1", "2", "3"})) {
      const int stage = z[0] - '0';
      if (std::find(s.zero_stages.begin(), s.zero_stages.end(), stage) == s.zero_stages.end()) {
        Fail("ZeRO stage " + z + " is not one of the stack's zero_stages",
             n["pipeline_zero_stages"], Join(path, "pipeline_zero_stages"));
      }
      s.pipeline_zero_stages.push_back(stage);
    }
    s.recompute = Words(n, "recompute", path, {"none", "selective", "full"});
    s.recompute_modules =
        Words(n, "recompute_modules", path,
              {"core_attn", "mlp", "moe", "moe_act", "layernorm", "mla_up_proj", "shared_experts"});
    s.precisions = Strings(n, "precisions", path);  // recipe names: checked where they are used
    s.attention = Words(n, "attention", path, {"flash", "unfused"});
    s.uneven_stages = Bool(n, "uneven_stages", path, false);
    s.mtp = Bool(n, "mtp", path, false);
    s.activation_offload = Bool(n, "activation_offload", path, false);
    s.sdpa_attention = Bool(n, "sdpa_attention", path, false);
    s.op_selective_recompute = Bool(n, "op_selective_recompute", path, false);
    for (const char* key : {"loss_bytes_per_logit", "loss_parallel_bytes_per_logit"}) {
      if (!n[key] || n[key].IsNull()) continue;
      const double bytes = Num(n, key, path, 1, 64);
      (std::string_view(key) == "loss_bytes_per_logit" ? s.loss_bytes_per_logit
                                                       : s.loss_parallel_bytes_per_logit) = bytes;
    }
    s.emit = Text(n, "emit", path, false);
    if (!s.emit.empty() && s.emit != "megatron" && s.emit != "mindspeed" &&
        s.emit != "torchtitan") {
      Fail("unknown emit '" + s.emit.substr(0, 40) +
               "'; expected megatron, mindspeed, torchtitan "
               "or empty",
           n["emit"], Join(path, "emit"));
    }
    if (const YAML::Node models = n["models"]; models && !models.IsNull()) {
      if (!models.IsMap()) {
        Fail("expected a mapping of the stack's model names to catalog model ids", models,
             Join(path, "models"));
      }
      for (const auto& kv : models) {
        const std::string name = kv.first.as<std::string>();
        if (!kv.second.IsScalar() || kv.second.Scalar().empty()) {
          Fail("expected a catalog model id", kv.second, Join(Join(path, "models"), name));
        }
        s.models.push_back(
            {name, kv.second.Scalar(), file_ + ":" + std::to_string(LineOf(kv.first))});
      }
    }
    s.runs_on = Strings(n, "runs_on", path);
    s.pipeline = Bool(n, "pipeline", path, true);
    s.sources = Strings(n, "source", path);
    s.notes = Text(n, "notes", path, false);
    Upsert(catalog_.stacks_, std::move(s), "stack", n, path);
  }

  void Inference(const YAML::Node& n, const std::string& path) {
    if (!n.IsMap()) Fail("expected a mapping", n, path);
    CheckKeys(n, path,
              {"server_tail_ratio", "server_utilization", "serving_workspace_gib",
               "chip_life_years", "moe_load_imbalance", "draft_head_acceptance", "notes"});
    InferenceCalibration& c = catalog_.inference_;
    c.server_tail_ratio = Num(n, "server_tail_ratio", path, 1, 10, c.server_tail_ratio);
    c.server_utilization = Num(n, "server_utilization", path, 0.05, 1, c.server_utilization);
    c.serving_workspace_gib =
        Num(n, "serving_workspace_gib", path, 0, 1e4, c.serving_workspace_gib);
    c.chip_life_years = Num(n, "chip_life_years", path, 0.1, 50, c.chip_life_years);
    c.moe_load_imbalance = Num(n, "moe_load_imbalance", path, 1, 10, c.moe_load_imbalance);
    c.draft_head_acceptance = Num(n, "draft_head_acceptance", path, 0, 1, c.draft_head_acceptance);
  }

  Catalog& catalog_;
  std::set<std::string> seen_;
  // Each engine entry read so far in this file, its base's fields merged in (WithBase).
  std::map<std::string, YAML::Node> engine_nodes_;
};

Result<void> Catalog::MergeYaml(std::string_view text, const std::string& file_name) {
  // Merge into a copy so that a failure leaves the catalog unchanged.
  Catalog next = *this;
  try {
    YamlLoader(next, file_name).Load(text);
  } catch (const YamlFailure& f) {
    return tl::unexpected(f.error);
  } catch (const YAML::Exception& e) {
    return MakeError(e.what(), file_name, e.mark.line + 1);
  }
  *this = std::move(next);
  return {};
}

}  // namespace suanli::catalog
