#include "report/catalog_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "perf/transformer.h"
#include "report/json_out.h"
#include "report/table.h"

namespace suanli::report {
namespace {

using catalog::Catalog;
using catalog::Confidence;
using catalog::DType;
using catalog::SourcedNumber;

// "989 [S2]" with a marker for what is not official: "~" estimate, "?" rumour or low.
std::string Cell(const SourcedNumber& v, bool with_source = true) {
  if (v.unsupported) return "n/a";
  if (!v.known()) return "-";
  std::string mark;
  switch (v.confidence) {
    case Confidence::kOfficial:
    case Confidence::kReported:
      break;
    case Confidence::kEstimate:
      mark = "~";
      break;
    case Confidence::kRumoured:
    case Confidence::kLow:
      mark = "?";
      break;
  }
  std::string out = fmt::format("{:g}{}", Round(*v.value, 6), mark);
  if (with_source && !v.sources.empty()) out += " [" + v.sources.front() + "]";
  return out;
}

nlohmann::json SourcesJson(const Catalog& c, const std::set<std::string>& ids) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& id : ids) {
    if (const auto* s = c.FindSource(id)) out[id] = {{"title", s->title}, {"url", s->url}};
  }
  return out;
}

// The fitted parameters of a measured family, by name.
std::vector<std::pair<std::string, double>> FittedValues(const catalog::FamilyCalibration& cal) {
  const std::vector<std::pair<std::string, double>> all = {
      {"matmul_efficiency", cal.matmul_efficiency},
      {"low_precision_matmul_efficiency", cal.low_precision_matmul_efficiency},
      {"matmul_half_gflop", cal.matmul_half_gflop},
      {"attention_efficiency", cal.attention_efficiency},
      {"memory_efficiency", cal.memory_efficiency},
      {"serving_step_overhead_ms", cal.serving_step_overhead_ms}};
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [name, value] : all) {
    if (std::find(cal.fitted.begin(), cal.fitted.end(), name) != cal.fitted.end()) {
      out.emplace_back(name, value);
    }
  }
  return out;
}

}  // namespace

std::string ChipsJson(const Catalog& c) {
  nlohmann::json chips = nlohmann::json::array();
  std::set<std::string> used;
  auto note_sources = [&](const auto& v) { used.insert(v.sources.begin(), v.sources.end()); };
  for (const auto& chip : c.chips()) {
    nlohmann::json j;
    j["id"] = chip.id;
    j["name"] = chip.name;
    j["vendor"] = chip.vendor;
    j["family"] = chip.family;
    if (const auto& cal = c.CalibrationFor(chip.family); cal.source == "measured") {
      // Parameters fitted to the user's measurements (`suanli calibrate -o`), with provenance.
      nlohmann::json fitted = nlohmann::json::object();
      for (const auto& [name, value] : FittedValues(cal)) fitted[name] = value;
      j["calibration"] = {
          {"source", cal.source}, {"file", cal.file}, {"date", cal.date}, {"fitted", fitted}};
    }
    j["aliases"] = chip.aliases;
    j["launch"] = chip.launch;
    j["role"] = chip.role == catalog::ChipRole::kTraining ? "training" : "inference-only";
    j["default_system"] =
        chip.default_system.empty() ? nlohmann::json(nullptr) : nlohmann::json(chip.default_system);
    nlohmann::json peaks;
    for (int d = 0; d < catalog::kNumDTypes; ++d) {
      peaks[std::string(catalog::DTypeName(static_cast<DType>(d)))] =
          SourcedJson(chip.peak_tflops[d]);
      note_sources(chip.peak_tflops[d]);
    }
    j["peak_tflops"] = peaks;
    const std::pair<const char*, const SourcedNumber*> numbers[] = {
        {"memory_gib", &chip.memory_gib},
        {"memory_tb_s", &chip.memory_tb_s},
        {"scale_up_gb_s", &chip.scale_up_gb_s},
        {"scale_up_domain", &chip.scale_up_domain},
        {"scale_out_gbit_s", &chip.scale_out_gbit_s},
        {"host_link_gb_s", &chip.host_link_gb_s},
        {"tdp_w", &chip.tdp_w},
        {"price_usd", &chip.price_usd}};
    for (const auto& [name, v] : numbers) {
      j[name] = SourcedJson(*v);
      note_sources(*v);
    }
    if (chip.gemm_clock_ratio.known()) {
      j["gemm_clock_ratio"] = SourcedJson(chip.gemm_clock_ratio);
      note_sources(chip.gemm_clock_ratio);
    }
    if (chip.sm_count.known()) {
      j["sm_count"] = SourcedJson(chip.sm_count);
      note_sources(chip.sm_count);
    }
    for (const auto& [name, v] :
         {std::pair{"fp4_gemm_k_overhead", &chip.fp4_gemm_k_overhead},
          std::pair{"fp4_gemm_n_overhead", &chip.fp4_gemm_n_overhead},
          std::pair{"mxfp8_sdpa_fwd_ps_per_score", &chip.mxfp8_sdpa_fwd_ps_per_score},
          std::pair{"mxfp8_sdpa_fwd_ns_per_query", &chip.mxfp8_sdpa_fwd_ns_per_query},
          std::pair{"mxfp8_sdpa_bwd_ps_per_score", &chip.mxfp8_sdpa_bwd_ps_per_score},
          std::pair{"mxfp8_sdpa_bwd_ns_per_query", &chip.mxfp8_sdpa_bwd_ns_per_query}}) {
      if (v->known()) {
        j[name] = SourcedJson(*v);
        note_sources(*v);
      }
    }
    if (chip.serving_step_overhead_ms.known()) {
      j["serving_step_overhead_ms"] = SourcedJson(chip.serving_step_overhead_ms);
      note_sources(chip.serving_step_overhead_ms);
    }
    if (chip.serving_graph_step_overhead_ms.known()) {
      j["serving_graph_step_overhead_ms"] = SourcedJson(chip.serving_graph_step_overhead_ms);
      note_sources(chip.serving_graph_step_overhead_ms);
    }
    j["process"] = SourcedJson(chip.process);
    j["foundry"] = SourcedJson(chip.foundry);
    note_sources(chip.process);
    note_sources(chip.foundry);
    if (!chip.price_note.empty()) j["price_note"] = chip.price_note;
    nlohmann::json events = nlohmann::json::array();
    for (const auto& e : chip.export_status) {
      events.push_back({{"date", e.date},
                        {"status", e.status},
                        {"note", e.note},
                        {"source", e.sources},
                        {"confidence", catalog::ConfidenceName(e.confidence)}});
      used.insert(e.sources.begin(), e.sources.end());
    }
    j["export_status"] = events;
    if (!chip.notes.empty()) j["notes"] = chip.notes;
    chips.push_back(j);
  }
  return Dump({{"chips", chips}, {"sources", SourcesJson(c, used)}});
}

std::string ChipsTable(const Catalog& c) {
  Table t({"id", "vendor", "role", "bf16 TF", "fp8 TF", "int8 TOPS", "fp4 TF", "mem GiB",
           "mem TB/s", "scale-up GB/s", "domain", "TDP W", "latest China status"});
  for (const auto& chip : c.chips()) {
    const std::string status =
        chip.export_status.empty()
            ? "-"
            : chip.export_status.back().status + " (" + chip.export_status.back().date + ")";
    const bool measured = c.CalibrationFor(chip.family).source == "measured";
    t.AddRow({measured ? chip.id + " *" : chip.id, chip.vendor,
              chip.role == catalog::ChipRole::kTraining ? "training" : "inference",
              Cell(chip.peak(DType::kBf16)), Cell(chip.peak(DType::kFp8), false),
              Cell(chip.peak(DType::kInt8), false), Cell(chip.peak(DType::kFp4), false),
              Cell(chip.memory_gib, false), Cell(chip.memory_tb_s, false),
              Cell(chip.scale_up_gb_s, false), Cell(chip.scale_up_domain, false),
              Cell(chip.tdp_w, false), status});
  }
  std::string out = t.Render() +
                    "Dense peaks. [S..] source of the bf16 figure (see --json for all sources); "
                    "~ estimate, ? rumour or low confidence; - unknown; n/a unsupported.\n";
  // Families fitted to the user's measurements (`suanli calibrate -o`): say so, with the values.
  std::set<std::string> shown;
  for (const auto& chip : c.chips()) {
    const auto& cal = c.CalibrationFor(chip.family);
    if (cal.source != "measured" || !shown.insert(cal.id).second) continue;
    std::string values;
    for (const auto& [name, value] : FittedValues(cal)) {
      values += (values.empty() ? "" : ", ") + fmt::format("{} {:.4g}", name, value);
    }
    out +=
        fmt::format("* {} calibration measured ({}, {}): {}\n", cal.id, cal.file, cal.date, values);
  }
  return out;
}

std::string SystemsJson(const Catalog& c) {
  nlohmann::json systems = nlohmann::json::array();
  std::set<std::string> used;
  for (const auto& s : c.systems()) {
    auto tier = [](const catalog::NetworkTier& t) {
      return nlohmann::json{{"bandwidth_gb_s", t.bandwidth_gb_s},
                            {"latency_us", t.latency_us},
                            {"efficiency", t.efficiency}};
    };
    nlohmann::json up = tier(s.scale_up);
    up["domain_chips"] = s.scale_up_domain;
    systems.push_back({{"id", s.id},
                       {"name", s.name},
                       {"chip", s.chip},
                       {"chips_per_node", s.chips_per_node},
                       {"scale_up", up},
                       {"scale_out", tier(s.scale_out)},
                       {"power_cap_w", Optional(s.power_cap_w)},
                       {"source", s.sources},
                       {"notes", s.notes}});
    used.insert(s.sources.begin(), s.sources.end());
  }
  return Dump({{"systems", systems}, {"sources", SourcesJson(c, used)}});
}

std::string SystemsTable(const Catalog& c) {
  Table t(
      {"id", "chip", "per node", "scale-up domain", "scale-up GB/s", "scale-out GB/s", "sources"});
  for (const auto& s : c.systems()) {
    std::string sources;
    for (const auto& id : s.sources) sources += (sources.empty() ? "" : ",") + id;
    t.AddRow({s.id, s.chip, std::to_string(s.chips_per_node), std::to_string(s.scale_up_domain),
              fmt::format("{:g}", s.scale_up.bandwidth_gb_s),
              fmt::format("{:g}", s.scale_out.bandwidth_gb_s), sources});
  }
  return t.Render() + "Bandwidths per chip, one direction.\n";
}

namespace {
// 0 in the catalog means "no limit": null in JSON, "-" in tables.
nlohmann::json Limit(double v) { return v > 0 ? nlohmann::json(v) : nlohmann::json(nullptr); }
std::string LimitText(double v) { return v > 0 ? fmt::format("{:g}", v) : "-"; }
}  // namespace

std::string EnginesJson(const Catalog& c) {
  nlohmann::json engines = nlohmann::json::array();
  for (const auto& e : c.engines()) {
    nlohmann::json untuned = nlohmann::json::array();
    for (const auto& k : e.untuned_moe_configs) {
      untuned.push_back(
          {{"experts", k.experts}, {"width", k.width}, {"chips", k.chips}, {"dtype", k.dtype}});
    }
    engines.push_back(
        {{"id", e.id},
         {"name", e.name},
         {"aliases", e.aliases},
         {"max_num_seqs", Limit(e.max_num_seqs)},
         {"max_batched_tokens", Limit(e.max_batched_tokens)},
         {"max_prefill_tokens", Limit(e.max_prefill_tokens)},
         {"small_device_gib", Limit(e.small_device_gib)},
         {"small_device_chips", e.small_device_chips},
         {"small_device_max_num_seqs", Limit(e.small_device_max_num_seqs)},
         {"small_device_max_batched_tokens", Limit(e.small_device_max_batched_tokens)},
         {"kv_memory_fraction", Limit(e.kv_memory_fraction)},
         {"eager_layer_us", Limit(e.eager_layer_us)},
         {"eager_host_layer_us", e.eager_host_layer_us},
         {"adp_eager_host_layer_us", e.adp_eager_host_layer_us},
         {"eager_launch_layer_us", Limit(e.eager_launch_layer_us)},
         {"step_floor_layer_us", Limit(e.step_floor_layer_us)},
         {"full_decode_floor_layer_us", Limit(e.full_decode_floor_layer_us)},
         {"decode_token_passes", Limit(e.decode_token_passes)},
         {"fp8_mla_families", e.fp8_mla_families},
         {"kv_cache_model_dtype", e.kv_cache_model_dtype},
         {"sparse_kv_model_dtype_families", e.sparse_kv_model_dtype_families},
         {"quantize_on_load", e.quantize_on_load},
         {"cuda_graph_families", e.cuda_graph_families},
         {"graph_layer_us", Limit(e.graph_layer_us)},
         {"graph_layer_us_by_family", e.graph_layer_us_by_family},
         {"moe_layer_us", Limit(e.moe_layer_us)},
         {"moe_gemm_block_m", Limit(e.moe_gemm_block_m)},
         {"moe_gemm_families", e.moe_gemm_families},
         {"moe_activation_families", e.moe_activation_families},
         {"moe_ep_all_route_rows", e.moe_ep_all_route_rows},
         {"moe_prompt_row_ns", e.moe_prompt_row_ns},
         {"moe_decode_routing", e.moe_decode_routing},
         {"dense_gemm_gb_s", e.dense_gemm_gb_s},
         {"bf16_gemm_sm_gb_s", e.bf16_gemm_sm_gb_s},
         {"fp8_gemm_sm_gb_s", e.fp8_gemm_sm_gb_s},
         {"fp8_quant_layer_us", e.fp8_quant_layer_us},
         {"decode_kv_sm_gb_s", e.decode_kv_sm_gb_s},
         {"decode_kv_sm_architectures", e.decode_kv_sm_architectures},
         {"sparse_mla_head_tile", e.sparse_mla_head_tile},
         {"dsa_short_prefill_mha", e.dsa_short_prefill_mha},
         {"sparse_prefill_efficiency", e.sparse_prefill_efficiency},
         {"dsa_fp8_prefill_min_heads", e.dsa_fp8_prefill_min_heads},
         {"moe_layer_us_by_family", e.moe_layer_us_by_family},
         {"weight_only_moe_layer_us", e.weight_only_moe_layer_us},
         {"moe_backends", e.moe_backends},
         {"moe_backend_layer_us", e.moe_backend_layer_us},
         {"moe_backend_max_expert_rows", Limit(e.moe_backend_max_expert_rows)},
         {"auto_moe_backend", e.auto_moe_backend},
         {"moe_backend_group_routed", e.moe_backend_group_routed},
         {"fp4_moe_backend", e.fp4_moe_backend},
         {"fp4_moe_layer_us", e.fp4_moe_layer_us},
         {"fp4_decode_token_passes", e.fp4_decode_token_passes},
         {"ep_moe_layer_us", e.ep_moe_layer_us},
         {"ep_moe_token_us", e.ep_moe_token_us},
         {"int8_matmul_efficiency", e.int8_matmul_efficiency},
         {"triton_moe_families", e.triton_moe_families},
         {"untuned_moe_configs", untuned},
         {"triton_moe_default_config", e.triton_moe_default_config},
         {"async_scheduling", e.async_scheduling},
         {"scheduler_steps", e.scheduler_steps},
         {"multistep_lookahead_kv", e.multistep_lookahead_kv},
         {"deepgemm_moe_at_tp8", e.deepgemm_moe_at_tp8},
         {"checkpoint_kv_dtype", e.checkpoint_kv_dtype},
         {"moe_dp_allgather", e.moe_dp_allgather},
         {"one_sided_moe_layer_us", e.one_sided_moe_layer_us},
         {"dp_prefill_gather_all_reduce", e.dp_prefill_gather_all_reduce},
         {"attention_dp_per_gpu", e.attention_dp_per_gpu},
         {"moe_tp_only_in_graph", e.moe_tp_only_in_graph},
         {"expert_parallel_opt_in", e.expert_parallel_opt_in},
         {"memory_reserve_mib", e.memory_reserve_mib},
         {"memory_reserve_families", e.memory_reserve_families},
         {"running_requests_default", e.running_requests_default},
         {"kv_default_families", e.kv_default_families},
         {"default_families", e.default_families},
         {"runs_on", e.runs_on},
         {"version", e.version},
         {"sources", e.sources},
         {"notes", e.notes}});
  }
  return Dump({{"engines", engines}});
}

std::string EnginesTable(const Catalog& c) {
  Table t({"id", "max running seqs", "max tokens per step", "HBM fraction", "default on", "version",
           "sources"});
  for (const auto& e : c.engines()) {
    std::string sources;
    for (const auto& id : e.sources) sources += (sources.empty() ? "" : ",") + id;
    std::string families;
    for (const auto& f : e.default_families) families += (families.empty() ? "" : ",") + f;
    // The smaller defaults the engine takes on a small device, beside its own.
    const auto small = [&](const std::string& limit, double v) {
      return v > 0 ? fmt::format("{} ({:g} small)", limit, v) : limit;
    };
    t.AddRow({e.id, small(LimitText(e.max_num_seqs), e.small_device_max_num_seqs),
              small(LimitText(e.max_batched_tokens), e.small_device_max_batched_tokens),
              LimitText(e.kv_memory_fraction), families.empty() ? "-" : families, e.version,
              sources});
  }
  return t.Render() +
         "Defaults per engine instance; infer --engine ID applies them, --max-num-seqs, "
         "--max-batched-tokens and --kv-memory-fraction override them. \"small\": the engine's "
         "defaults on a small device (vLLM: below 70 GiB, or an A100). \"default on\": the chip "
         "families whose requests run the engine when they name none (--engine none: none).\n";
}

std::string StacksJson(const Catalog& c) {
  nlohmann::json stacks = nlohmann::json::array();
  for (const auto& s : c.stacks()) {
    stacks.push_back({{"id", s.id},
                      {"name", s.name},
                      {"dp_overlap", s.dp_overlap},
                      {"tp_comm_overlap", s.tp_comm_overlap},
                      {"schedules", s.schedules},
                      {"zero_stages", s.zero_stages},
                      {"recompute", s.recompute},
                      {"recompute_modules", s.recompute_modules},
                      {"precisions", s.precisions},
                      {"attention", s.attention},
                      {"uneven_stages", s.uneven_stages},
                      {"mtp", s.mtp},
                      {"activation_offload", s.activation_offload},
                      {"emit", s.emit},
                      {"runs_on", s.runs_on},
                      {"pipeline", s.pipeline},
                      {"sources", s.sources},
                      {"notes", s.notes}});
  }
  return Dump({{"stacks", stacks}});
}

std::string StacksTable(const Catalog& c) {
  Table t(
      {"id", "runs on", "dp overlap", "tp overlap", "schedules", "zero", "recompute", "sources"});
  auto join = [](const auto& v) {
    std::string out;
    for (const auto& x : v) {
      if (!out.empty()) out += ',';
      out += fmt::format("{}", x);
    }
    return out;
  };
  for (const auto& s : c.stacks()) {
    t.AddRow({s.id, join(s.runs_on), s.dp_overlap ? "yes" : "no", s.tp_comm_overlap ? "yes" : "no",
              s.pipeline ? join(s.schedules) : "no pipeline", join(s.zero_stages),
              join(s.recompute), join(s.sources)});
  }
  return t.Render() + "train --stack ID applies one; --json lists modules, precisions and notes.\n";
}

std::string ModelsJson(const Catalog& c) {
  nlohmann::json models = nlohmann::json::array();
  for (const auto& m : c.models()) {
    nlohmann::json j = {{"id", m.id},
                        {"name", m.name},
                        {"aliases", m.aliases},
                        {"layers", m.layers},
                        {"hidden", m.hidden},
                        {"heads", m.heads},
                        {"kv_heads", m.kv_heads},
                        {"head_dim", m.head_dim},
                        {"ffn_hidden", m.ffn_hidden},
                        {"mlp", m.mlp == catalog::MlpKind::kSwiglu ? "swiglu" : "gelu"},
                        {"vocab", m.vocab},
                        {"max_seq_len", m.max_seq_len},
                        {"params_b", Round(perf::TotalParams(m) / 1e9, 5)},
                        {"active_params_b", Round(perf::ActiveParams(m) / 1e9, 5)},
                        {"source", m.source}};
    const char* attn[] = {"mha", "gqa", "mla"};
    j["attention"] = attn[static_cast<int>(m.attention)];
    if (m.moe) {
      j["moe"] = {{"routed_experts", m.moe->routed_experts},
                  {"shared_experts", m.moe->shared_experts},
                  {"top_k", m.moe->top_k},
                  {"expert_ffn", m.moe->expert_ffn},
                  {"first_dense_layers", m.moe->first_dense_layers},
                  {"layer_step", m.moe->layer_step}};
    }
    if (m.mla) {
      j["mla"] = {{"q_lora_rank", m.mla->q_lora_rank},
                  {"kv_lora_rank", m.mla->kv_lora_rank},
                  {"qk_nope_head_dim", m.mla->qk_nope_head_dim},
                  {"qk_rope_head_dim", m.mla->qk_rope_head_dim},
                  {"v_head_dim", m.mla->v_head_dim}};
    }
    if (m.sparse_attention) {
      j["sparse_attention"] = {{"top_k", m.sparse_attention->top_k},
                               {"indexer_heads", m.sparse_attention->indexer_heads},
                               {"indexer_head_dim", m.sparse_attention->indexer_head_dim}};
    }
    if (m.linear_attention) {
      j["linear_attention"] = {
          {"full_attention_every", m.linear_attention->full_attention_every},
          {"block_size", m.linear_attention->block_size},
          {"state_bytes_per_element", m.linear_attention->state_bytes_per_element}};
      if (m.linear_attention->kind == catalog::LinearAttentionConfig::Kind::kGatedDeltaNet) {
        j["linear_attention"]["kind"] = "gated_deltanet";
        j["linear_attention"]["key_heads"] = m.linear_attention->key_heads;
        j["linear_attention"]["key_head_dim"] = m.linear_attention->key_head_dim;
        j["linear_attention"]["value_heads"] = m.linear_attention->value_heads;
        j["linear_attention"]["value_head_dim"] = m.linear_attention->value_head_dim;
        j["linear_attention"]["conv_kernel"] = m.linear_attention->conv_kernel;
      }
    }
    if (m.sliding_window) {
      j["sliding_window"] = {{"window", m.sliding_window->window},
                             {"full_attention_every", m.sliding_window->full_attention_every}};
    }
    models.push_back(j);
  }
  return Dump({{"models", models}});
}

namespace {
// mha, gqa or mla, with the variant that changes the attention's cost.
std::string AttentionLabel(const catalog::Model& m) {
  const char* attn[] = {"mha", "gqa", "mla"};
  std::string out = attn[static_cast<int>(m.attention)];
  if (m.sparse_attention) out += "+dsa";
  if (m.linear_attention) {
    const bool gdn =
        m.linear_attention->kind == catalog::LinearAttentionConfig::Kind::kGatedDeltaNet;
    out += fmt::format("+{} (1 in {})", gdn ? "gdn" : "linear",
                       m.linear_attention->full_attention_every);
  }
  if (m.sliding_window)
    out += fmt::format("+swa {} (1 in {} full)", m.sliding_window->window,
                       m.sliding_window->full_attention_every);
  return out;
}
}  // namespace

std::string ModelsTable(const Catalog& c) {
  Table t({"id", "params B", "active B", "layers", "hidden", "heads", "kv", "attention", "MoE",
           "source"});
  for (const auto& m : c.models()) {
    const std::string moe = m.moe ? fmt::format("{}+{} top-{}", m.moe->routed_experts,
                                                m.moe->shared_experts, m.moe->top_k)
                                  : "-";
    t.AddRow({m.id, fmt::format("{:.1f}", perf::TotalParams(m) / 1e9),
              fmt::format("{:.1f}", perf::ActiveParams(m) / 1e9), std::to_string(m.layers),
              std::to_string(m.hidden), std::to_string(m.heads), std::to_string(m.kv_heads),
              AttentionLabel(m), moe, m.source});
  }
  return t.Render();
}

}  // namespace suanli::report
