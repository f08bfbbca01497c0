// Launch flags as vLLM, SGLang and TensorRT-LLM spell them, turned into the request's own
// fields: a serve command pasted after `suanli infer` (or the one --emit printed) means the
// deployment it launches. Each engine counts GPUs its own way; the comments say whose rule.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <yaml-cpp/yaml.h>
#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "app/fields.h"
#include "app/internal.h"
#include "core/text.h"
#include "core/yaml_reader.h"
#include "perf/inference.h"

namespace suanli::app::internal {

namespace {

// The weights' format a --quantization value loads: vLLM's and SGLang's method names beside
// the formats ParseServingDType knows (fp8, mxfp4, awq, gptq, w8a8, ...).
std::optional<std::string> QuantizationFormat(const std::string& method) {
  const std::string m = NormalizeId(method);
  static constexpr std::pair<std::string_view, std::string_view> kMethods[] = {
      {"fbgemm-fp8", "fp8"},
      {"ptpc-fp8", "fp8"},
      {"modelopt", "fp8"},
      {"w8a8-fp8", "fp8"},
      {"modelopt-fp4", "fp4"},
      {"awq-marlin", "int4"},
      {"gptq-marlin", "int4"},
      {"w8a8-int8", "int8"},
      {"moe-wna16", "int4"},
      // msModelSlim's checkpoints as vllm-ascend (--quantization ascend) and SGLang on Ascend
      // (--quantization modelslim) load them: W8A8, int8 weights and activations, as the
      // tutorials ship them (vllm-ascend Qwen3-235B-A22B-w8a8, SGLang Ascend Qwen3; S2895).
      {"ascend", "int8"},
      {"modelslim", "int8"},
  };
  for (const auto& [name, format] : kMethods) {
    if (m == name) return std::string(format);
  }
  if (perf::ParseServingDType(m)) return m;
  return std::nullopt;
}

// vLLM's --dtype auto and --kv-cache-dtype auto: the checkpoint's, which is the default here.
void AutoIsDefault(std::string& format) {
  if (NormalizeId(format) == "auto") format.clear();
}

// vLLM's --speculative-config: {"method": ..., "num_speculative_tokens": N, "model": ...}.
Result<void> ReadSpeculativeConfig(InferRequest& r) {
  const auto j = nlohmann::json::parse(r.speculative_config, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return tl::unexpected(FieldError("speculative_config",
                                     "expected a JSON object, e.g. "
                                     "{\"method\":\"mtp\","
                                     "\"num_speculative_tokens\":1}"));
  }
  const auto tokens = j.find("num_speculative_tokens");
  if (tokens == j.end() || !tokens->is_number_integer() || *tokens < 1) {
    return tl::unexpected(
        FieldError("speculative_config", "needs num_speculative_tokens, a whole number >= 1"));
  }
  const std::string method = NormalizeId(j.value("method", std::string()));
  const std::string model = j.contains("model") && j["model"].is_string() ? j["model"] : "";
  // A model's own MTP layers (DeepSeek, Qwen3-Next, GLM-4.5 call them mtp) and an EAGLE head
  // are both a draft of about one layer run on the target's hidden states.
  const bool own_head = method == "mtp" || method.ends_with("-mtp") || method == "eagle" ||
                        method == "eagle3" || method == "medusa";
  if (!own_head && !(method.empty() || method == "draft-model")) {
    return tl::unexpected(FieldError(
        "speculative_config",
        fmt::format("method {} is not modelled; expected mtp, deepseek_mtp, eagle, eagle3 or a "
                    "draft model",
                    Quoted(method))));
  }
  if (!own_head) {
    if (model.empty()) {
      return tl::unexpected(
          FieldError("speculative_config", "a draft model's config needs its model"));
    }
    r.draft_model = model;
  }
  r.mtp = tokens->get<int>();
  return {};
}

// vLLM's graph mode: --cudagraph-mode, or the cudagraph_mode key of --compilation-config's JSON
// (vLLM-Ascend's tutorials pass '{"cudagraph_mode":"FULL_DECODE_ONLY"}', S3520). NONE captures no
// graph (--enforce-eager); FULL and FULL_DECODE_ONLY replay each decode step as one graph;
// PIECEWISE and FULL_AND_PIECEWISE are what the engines capture by default.
Result<void> ReadGraphMode(InferRequest& r) {
  std::string field = "cudagraph_mode";
  std::string mode = r.cudagraph_mode;
  if (!r.compilation_config.empty()) {
    const auto j = nlohmann::json::parse(r.compilation_config, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return tl::unexpected(
          FieldError("compilation_config",
                     "expected a JSON object, e.g. {\"cudagraph_mode\":\"FULL_DECODE_ONLY\"}"));
    }
    if (const auto m = j.find("cudagraph_mode"); m != j.end()) {
      if (!m->is_string()) {
        return tl::unexpected(FieldError("compilation_config",
                                         "cudagraph_mode must be a name, e.g. FULL_DECODE_ONLY"));
      }
      if (!mode.empty() && ToLower(mode) != ToLower(m->get<std::string>())) {
        return tl::unexpected(FieldError(
            "compilation_config", "its cudagraph_mode differs from " +
                                      FlagAsTyped(r.typed_as, "cudagraph_mode") + "; give one"));
      }
      mode = m->get<std::string>();
      field = "compilation_config";
    }
  }
  if (mode.empty()) return {};
  std::string m = ToLower(mode);
  std::replace(m.begin(), m.end(), '-', '_');
  if (m == "none") {
    r.enforce_eager = true;
  } else if (m == "full" || m == "full_decode_only") {
    r.full_decode_graph = true;
  } else if (m != "piecewise" && m != "full_and_piecewise") {
    return tl::unexpected(
        FieldError(field, fmt::format("unknown cudagraph_mode {}; expected NONE, PIECEWISE, "
                                      "FULL_AND_PIECEWISE, FULL or FULL_DECODE_ONLY",
                                      Quoted(mode.substr(0, 40)))));
  }
  return {};
}

// SGLang's default draft steps when --speculative-num-steps is not given
// (_auto_choose_speculative_params, python/sglang/srt/speculative/spec_info.py; S2860): 5 steps
// (top-4 tree, 8 tokens) for LlamaForCausalLM and Grok-1, 3 steps (top-1, 4 tokens) for every
// other architecture (DeepSeek V2/V3/V3.2, gpt-oss, GLM-4.5, ... and the fallback).
int SglangDefaultSteps(const catalog::Catalog& cat, const std::string& model) {
  auto checkpoint = cat.FindCheckpoint(model);
  if (!checkpoint) return 3;
  const std::string id = ToLower(checkpoint->model->id);
  // Llama 2/3 (and distills onto them) are LlamaForCausalLM; Llama 4, a MoE, is not.
  const bool llama = id.find("llama") != std::string::npos && !checkpoint->model->moe;
  return llama || id.find("grok") != std::string::npos ? 5 : 3;
}

Result<void> ReadSglangSpeculation(InferRequest& r, int default_steps) {
  const std::string algorithm = ToLower(r.speculative_algorithm);
  if (algorithm != "eagle" && algorithm != "eagle3" && algorithm != "nextn" && algorithm != "mtp") {
    return tl::unexpected(FieldError("speculative_algorithm",
                                     fmt::format("unknown {}; expected EAGLE, EAGLE3, NEXTN or MTP",
                                                 Quoted(r.speculative_algorithm.substr(0, 40)))));
  }
  int steps = default_steps;
  if (r.speculative_num_steps) {
    steps = *r.speculative_num_steps;
  } else if (r.speculative_num_draft_tokens) {
    steps = *r.speculative_num_draft_tokens - 1;
  }
  if (steps < 1) {
    return tl::unexpected(FieldError(
        r.speculative_num_steps ? "speculative_num_steps" : "speculative_num_draft_tokens",
        "needs at least one draft step"));
  }
  r.mtp = steps;
  return {};
}

// trtllm-serve's --extra_llm_api_options: the LLM API keys that change the deployment, read
// over the flags (trtllm-serve's file wins over its flags). Keys for what the estimate does
// not model (logging, the overlap scheduler's switch) are left alone.
// The engine a launcher runs in its own process: a server (vllm serve, sglang.launch_server,
// trtllm-serve) or a benchmark that starts the engine itself (vllm bench throughput / latency,
// sglang.bench_one_batch / bench_offline_throughput, trtllm-bench): vllm, sglang, trtllm or
// empty (a client of a server, or none).
std::string_view EngineLauncher(const std::string& launched_by) {
  static constexpr std::pair<std::string_view, std::string_view> kEngines[] = {
      {"vllm", "vllm"},
      {"vllm-bench-throughput", "vllm"},
      {"vllm-bench-latency", "vllm"},
      {"sglang", "sglang"},
      {"sglang-bench-one-batch", "sglang"},
      {"sglang-bench-offline", "sglang"},
      {"trtllm", "trtllm"},
      {"trtllm-bench", "trtllm"},
      {"trtllm-bench-latency", "trtllm"}};
  for (const auto& [id, engine] : kEngines) {
    if (launched_by == id) return engine;
  }
  return {};
}

// A launch counted in the devices the engine sees, on a chip whose dies are separate devices (the
// Ascend 910C's two dies, each its own torch_npu device and HCCL rank: the system's
// ranks_per_chip). SGLang's, vLLM-Ascend's and MindIE's tp, dp and ep count dies ("Cards: 4 on A3
// means --tp-size 8", S3140; SGLang's --tp 16 on one Atlas 800I A3 of 8 cards); suanli's count
// packages. A launch whose devices are --count x dies is read in dies and each parallel size
// given in dies becomes packages; a layout in packages never matches (its devices are at most
// the count), so this only turns a refusal into the launch that ran.
//
// A pasted server command (vllm serve, sglang.launch_server) on such a chip is read in dies
// whatever the count: vLLM-Ascend's devices are the dies too (an Atlas 800 A3 of 8 cards is 16
// devices of 64 GB, /dev/davinci0-15, S3471). Its tensor parallel 1 (the default) is one die,
// half a package, which the model does not price: the answer is one instance on each package's
// dies, said with it (InferRequest::assumptions).
void DevicesToPackages(const catalog::Catalog& cat, InferRequest& r) {
  if (r.chip.size() != 1) return;
  auto chip = cat.FindChip(r.chip[0]);
  if (!chip) return;
  auto system = ResolveSystem(cat, **chip, r.system);
  if (!system) return;
  const int dies = system->scale_up.ranks_per_chip;
  if (dies < 2) return;
  const std::string_view engine = EngineLauncher(r.launched_by);
  const bool server = engine == "vllm" || engine == "sglang";
  auto divides = [&](const std::optional<int>& size) { return size && *size % dies == 0; };
  if (server && !divides(r.tp) && !divides(r.dp) && !divides(r.dp_size)) {
    const int given = r.tp.value_or(1);
    r.assumptions.push_back(fmt::format(
        "{} counts each of a {}'s {} dies as a device: tensor parallel {} is {} die{}, which "
        "suanli does not price (it prices whole packages); answered for tensor parallel {} "
        "({} package{}, --tensor-parallel-size {} in dies)",
        engine == "vllm" ? "vLLM-Ascend" : "SGLang", (*chip)->id, dies, given, given,
        given == 1 ? "" : "s", (given + dies - 1) / dies * dies, (given + dies - 1) / dies,
        (given + dies - 1) / dies == 1 ? "" : "s", (given + dies - 1) / dies * dies));
    r.tp = (given + dies - 1) / dies;
    if (r.ep) r.ep = std::max(1, (*r.ep + dies - 1) / dies);
    return;
  }
  if (!server && (!r.count || (!r.tp && !r.dp && !r.dp_size))) return;
  const int64_t replicas = r.dp_size && !r.enable_dp_attention ? *r.dp_size : 1;
  const int64_t devices = replicas * r.tp.value_or(1) * r.dp.value_or(1) * r.pp.value_or(1);
  if (!server && devices != *r.count * dies) return;
  // The dies of one package go to the innermost size they divide: the attention TP, else the
  // attention groups, else the replicas, else the stages.
  auto halve = [&](std::optional<int>& size) {
    if (!size || *size % dies != 0) return false;
    *size /= dies;
    return true;
  };
  if (!halve(r.tp) && !halve(r.dp) && !halve(r.dp_size)) halve(r.pp);
  if (r.ep) halve(r.ep);
}

Result<void> ReadLlmApiOptions(InferRequest& r, const std::string& text) {
  const std::string& file = r.extra_llm_api_options;
  const std::string root = "extra_llm_api_options";
  YAML::Node doc;
  try {
    // trtllm-serve reads the file with PyYAML's safe_load: a key named twice keeps its last
    // value (S4363); yaml-cpp's lookups found the first.
    doc = YamlReader(file, YamlReader::DuplicateKeys::kLastWins).Parse(text);
  } catch (const YamlFailure& f) {
    Error e = f.error;
    e.field = e.field.empty() ? root : root + "." + e.field;
    return tl::unexpected(e);
  }
  if (doc.IsNull()) return {};
  if (!doc.IsMap()) return MakeError("expected a mapping of LLM API options", file, 1, root);
  // A bad value names its line and key path.
  auto fail = [&](const YAML::Node& n, const std::string& key, const std::string& why) {
    return MakeError(why, file, n.Mark().line + 1, root + "." + key);
  };
  auto number = [&](const YAML::Node& map, const char* key, const std::string& path,
                    auto& out) -> Result<bool> {
    const YAML::Node n = map[key];
    if (!n) return false;
    try {
      out = n.as<std::remove_reference_t<decltype(*&out)>>();
    } catch (const YAML::Exception&) {
      return fail(n, path, "expected a number");
    }
    return true;
  };
  auto flag = [&](const YAML::Node& map, const char* key, const std::string& path,
                  bool& out) -> Result<void> {
    const YAML::Node n = map[key];
    if (!n) return {};
    try {
      out = n.as<bool>();
    } catch (const YAML::Exception&) {
      return fail(n, path, "expected true or false");
    }
    return {};
  };
  auto text_of = [&](const YAML::Node& n) { return n && n.IsScalar() ? n.Scalar() : ""; };
  // A section given as something other than a mapping would silently mean nothing.
  for (const char* section : {"kv_cache_config", "speculative_config", "scheduler_config",
                              "cuda_graph_config", "attention_dp_config", "moe_config"}) {
    const YAML::Node n = doc[section];
    if (n && !n.IsNull() && !n.IsMap()) return fail(n, section, "expected a mapping");
  }
  int tp = 0, pp = 0, ep = 0, batch = 0;
  double tokens = 0, seq_len = 0;
  for (auto [key, out] :
       {std::pair{"tensor_parallel_size", &tp}, std::pair{"pipeline_parallel_size", &pp},
        std::pair{"moe_expert_parallel_size", &ep}, std::pair{"max_batch_size", &batch}}) {
    auto got = number(doc, key, key, *out);
    if (!got) return tl::unexpected(got.error());
  }
  for (auto [key, out] :
       {std::pair{"max_num_tokens", &tokens}, std::pair{"max_seq_len", &seq_len}}) {
    auto got = number(doc, key, key, *out);
    if (!got) return tl::unexpected(got.error());
  }
  // TensorRT-LLM's tensor_parallel_size counts every GPU of a stage, as --tp_size does.
  if (tp > 0) {
    r.tp_size = tp;
    r.tp.reset();
  }
  if (pp > 0) r.pp = pp;
  if (ep > 0) r.ep = ep;
  if (batch > 0) r.max_num_seqs = batch;
  if (tokens > 0) r.max_batched_tokens = tokens;
  if (seq_len > 0) r.max_model_len = seq_len;
  if (auto ok = flag(doc, "enable_attention_dp", "enable_attention_dp", r.enable_attention_dp);
      !ok) {
    return ok;
  }
  bool chunked = false;
  if (auto ok = flag(doc, "enable_chunked_prefill", "enable_chunked_prefill", chunked); !ok) {
    return ok;
  }
  if (chunked) r.enable_chunked_prefill = true;
  // moe_config.backend: the MoE kernel chain (CUTLASS, TRTLLM, ...), checked against the
  // engine's list where the engine is known.
  if (const YAML::Node moe = doc["moe_config"]; moe && moe.IsMap()) {
    if (const std::string backend = text_of(moe["backend"]); !backend.empty()) {
      r.moe_backend = backend;
    }
  }
  if (const YAML::Node kv = doc["kv_cache_config"]; kv && kv.IsMap()) {
    const std::string dtype = text_of(kv["dtype"]);
    if (!dtype.empty() && NormalizeId(dtype) != "auto") r.kv_dtype = dtype;
    // Block reuse is TensorRT-LLM's prefix cache, on by default (KvCacheConfig
    // enable_block_reuse, S3863): false is --no-prefix-cache.
    bool reuse = true;
    if (auto ok = flag(kv, "enable_block_reuse", "kv_cache_config.enable_block_reuse", reuse); !ok)
      return ok;
    if (!reuse) r.no_prefix_cache = true;
    double fraction = 0;
    auto got = number(kv, "free_gpu_memory_fraction", "kv_cache_config.free_gpu_memory_fraction",
                      fraction);
    if (!got) return tl::unexpected(got.error());
    if (*got) {
      r.kv_free_memory_fraction = fraction;
      r.kv_memory_fraction.reset();
    }
  }
  if (const YAML::Node spec = doc["speculative_config"]; spec && spec.IsMap()) {
    const std::string type = NormalizeId(text_of(spec["decoding_type"]));
    int depth = 0;
    const char* key = type == "mtp" ? "num_nextn_predict_layers" : "max_draft_len";
    if (type != "mtp" && type != "eagle" && type != "eagle3") {
      return fail(spec["decoding_type"] ? spec["decoding_type"] : spec,
                  "speculative_config.decoding_type",
                  fmt::format("decoding_type {} is not modelled; expected MTP, Eagle or Eagle3",
                              Quoted(text_of(spec["decoding_type"]))));
    }
    // MTPDecodingConfig's num_nextn_predict_layers defaults to 1 (TensorRT-LLM
    // tensorrt_llm/llmapi/llm_args.py, S2861); an Eagle config needs its max_draft_len.
    if (type == "mtp") depth = 1;
    auto got = number(spec, key, std::string("speculative_config.") + key, depth);
    if (!got) return tl::unexpected(got.error());
    if ((!*got && type != "mtp") || depth < 1) {
      return fail(spec, std::string("speculative_config.") + key, "needs a depth of at least 1");
    }
    r.mtp = depth;
  }
  // What only the simulator runs; the analytic mode has no use for them.
  if (!Simulated(r)) return {};
  if (const YAML::Node sched = doc["scheduler_config"]; sched && sched.IsMap()) {
    const std::string policy = text_of(sched["capacity_scheduler_policy"]);
    if (policy == "MAX_UTILIZATION") r.kv_admission = "optimistic";
    if (policy == "GUARANTEED_NO_EVICT") r.kv_admission = "reserve";
  }
  if (const YAML::Node graphs = doc["cuda_graph_config"]; graphs && graphs.IsMap()) {
    const YAML::Node sizes = graphs["batch_sizes"];
    if (sizes && sizes.IsSequence() && sizes.size() > 0) {
      std::vector<std::string> list;
      for (const auto& size : sizes) list.push_back(text_of(size));
      r.cuda_graph_batch_sizes = fmt::format("{}", fmt::join(list, ","));
    }
  }
  if (const YAML::Node adp = doc["attention_dp_config"]; adp && adp.IsMap()) {
    bool balance = false;
    if (auto ok = flag(adp, "enable_balance", "attention_dp_config.enable_balance", balance); !ok)
      return ok;
    // AttentionDpConfig's defaults: timeout_iters 50, batching_wait_iters 10 (S2861).
    int timeout = 50, wait = 10;
    for (auto [key, out] :
         {std::pair{"timeout_iters", &timeout}, std::pair{"batching_wait_iters", &wait}}) {
      auto got = number(adp, key, std::string("attention_dp_config.") + key, *out);
      if (!got) return tl::unexpected(got.error());
    }
    if (balance) {
      r.adp_balance_timeout_iters = timeout;
      r.adp_balance_wait_iters = wait;
    }
  }
  return {};
}

// The program a pasted command runs, as InferRequest::launched_by names it: the CLI's words
// (`vllm serve`, `sglang.launch_server`, ...) or the short names.
std::optional<std::string> LauncherId(const std::string& given) {
  std::string g = NormalizeId(given);
  for (const std::string_view prefix : {"python3--m-", "python--m-", "python3-", "python-"}) {
    if (g.starts_with(prefix)) g = g.substr(prefix.size());
  }
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"vllm", "vllm"},
      {"vllm-serve", "vllm"},
      {"vllm.entrypoints.openai.api-server", "vllm"},
      {"sglang", "sglang"},
      {"sglang.launch-server", "sglang"},
      {"trtllm", "trtllm"},
      {"trtllm-serve", "trtllm"},
      {"vllm-bench", "vllm-bench"},
      {"vllm-bench-serve", "vllm-bench"},
      {"benchmark-serving.py", "vllm-bench"},
      {"sglang-bench", "sglang-bench"},
      {"sglang.bench-serving", "sglang-bench"},
      {"genai-perf", "genai-perf"},
      {"trtllm-bench", "trtllm-bench"},
      // The benchmarks that run the engine in their own process (S3571-S3574, S3575).
      {"vllm-bench-throughput", "vllm-bench-throughput"},
      {"benchmark-throughput.py", "vllm-bench-throughput"},
      {"vllm-bench-latency", "vllm-bench-latency"},
      {"benchmark-latency.py", "vllm-bench-latency"},
      {"sglang.bench-one-batch", "sglang-bench-one-batch"},
      {"sglang-bench-one-batch", "sglang-bench-one-batch"},
      {"sglang.bench-offline-throughput", "sglang-bench-offline"},
      {"sglang-bench-offline", "sglang-bench-offline"},
      {"trtllm-bench-latency", "trtllm-bench-latency"},
      // NVIDIA Dynamo's workers run the engines with their own argument parsers (S3671: "Dynamo
      // SGLang uses SGLang's native argument parser ... You can pass any SGLang argument");
      // Dynamo's frontend routes to them.
      {"dynamo.vllm", "vllm"},
      {"dynamo.sglang", "sglang"},
      {"dynamo.trtllm", "trtllm"},
  };
  for (const auto& [name, id] : kNames) {
    if (g == name) return std::string(id);
  }
  return std::nullopt;
}

// The benchmarks' --random-range-ratio as a length spread around a mean. vLLM's `vllm bench
// serve` (vllm/benchmarks/datasets.py RandomDataset, S3230): lengths uniform in [L(1 - r), L(1 +
// r)], r in [0, 1), the mean L. SGLang's sglang.bench_serving (sample_random_requests, S3231):
// uniform in [rL, L] (prompts at least 1 token), r in [0, 1], default 0: the mean (rL + L) / 2.
// Returns the mean and the uniform half-width over it (0: fixed lengths).
struct Spread {
  double mean, half_width;
};
Spread RangeRatioSpread(bool sglang, double r, double length, bool prompt) {
  if (!sglang) return {length, r};
  const double low = prompt ? std::max(1.0, std::floor(length * r)) : std::floor(length * r);
  const double mean = (low + length) / 2;
  return {mean, mean > 0 ? (length - low) / (2 * mean) : 0};
}

Result<void> ReadRangeRatio(InferRequest& r) {
  const bool sglang = r.launched_by == "sglang-bench" || r.launched_by == "sglang-bench-offline";
  std::optional<double> ratio = r.random_range_ratio;
  // sglang.bench_serving's --random-range-ratio defaults to 0 (S3231): a pasted SGLang benchmark
  // without it draws lengths from 1 to L.
  if (!ratio && sglang) ratio = 0.0;
  if (!ratio) return {};
  // The range ratio draws random lengths; ShareGPT's are the dataset's (BenchmarkDefaults).
  if (r.dataset_name == "sharegpt" || (sglang && r.dataset_name.empty())) {
    if (r.random_range_ratio) {
      return tl::unexpected(FieldError("random_range_ratio",
                                       "spreads random lengths; the ShareGPT dataset has its own"));
    }
    return {};
  }
  const double top = sglang ? 1.0 : 1.0 - 1e-12;
  if (!(*ratio >= 0 && *ratio <= top)) {
    return tl::unexpected(FieldError(
        "random_range_ratio",
        sglang ? "must be from 0 to 1 (sglang.bench_serving draws lengths in [rL, L])"
               : "must be at least 0 and below 1 (vLLM's benchmark draws lengths in [L(1-r), "
                 "L(1+r)]; sglang.bench_serving's [rL, L] reading is the pasted "
                 "`python3 -m sglang.bench_serving` command's)"));
  }
  if (r.input_dist != "fixed" || !r.output_dist.empty()) {
    return tl::unexpected(
        FieldError("random_range_ratio",
                   fmt::format("give it or --{}, not both (it sets both lengths' spread)",
                               r.input_dist != "fixed" ? "input-dist" : "output-dist")));
  }
  const Spread in = RangeRatioSpread(sglang, *ratio, r.input_tokens, true);
  const Spread out = RangeRatioSpread(sglang, *ratio, r.output_tokens, false);
  r.input_tokens = in.mean;
  r.output_tokens = out.mean;
  // The steady state takes no prompt spread (it moves only what the simulator steps).
  if (in.half_width > 0 && Simulated(r))
    r.input_dist = fmt::format("uniform:{:.6g}", in.half_width);
  r.output_dist = out.half_width > 0 ? fmt::format("uniform:{:.6g}", out.half_width) : "fixed";
  return {};
}

// A pasted server command (vllm serve, python3 -m sglang.launch_server, trtllm-serve) runs what
// it leaves out at that server's default, not at the layout search's choice: tensor parallel 1
// (vLLM --tensor-parallel-size, SGLang --tp-size, trtllm-serve --tp_size: each 1 by default),
// one pipeline stage, no data parallel (vLLM --data-parallel-size 1, SGLang --dp-size 1) and the
// routed experts split by tensor parallel unless the command turns expert parallel on (vLLM
// --enable-expert-parallel, off by default; SGLang --ep-size 1; TensorRT-LLM's Mapping takes
// moe_tp_size = tp and moe_ep_size = 1 when neither is given). S3232-S3234. With attention data
// parallel and no expert-parallel size the experts are split by tensor parallel over all the
// instance's GPUs (ep 1 beside dp > 1: SGLang's moe_tp_size = tp_size, S3290, S3600; vLLM's
// "expert layers form a tensor parallel group of size DP x TP", S3601; TensorRT-LLM's Mapping).
// SGLang's all-to-all backends spread them whole instead (--moe-a2a-backend deepep: ep_size =
// tp_size, S3602), which the search's ep = tp x dp is. Records what it filled in for the errors.
// SGLang run with an all-to-all MoE backend (--moe-a2a-backend deepep, mooncake, ascend_fuseep,
// ...; not its default none): its ep-size is then its tp-size whatever --ep-size says (S3602).
bool SglangAllToAll(const InferRequest& r, bool sglang) {
  return sglang && !r.moe_a2a_backend.empty() && r.moe_a2a_backend != "none";
}

void ServerDefaults(bool moe, InferRequest& r) {
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"vllm", "vLLM"},
      {"sglang", "SGLang"},
      {"trtllm", "trtllm-serve"},
      {"trtllm-bench", "trtllm-bench"},
      {"trtllm-bench-latency", "trtllm-bench latency"},
      {"vllm-bench-throughput", "vllm bench throughput"},
      {"vllm-bench-latency", "vllm bench latency"},
      {"sglang-bench-one-batch", "sglang.bench_one_batch"},
      {"sglang-bench-offline", "sglang.bench_offline_throughput"}};
  std::string_view who;
  for (const auto& [id, name] : kNames) {
    if (r.launched_by == id) who = name;
  }
  if (who.empty() || r.disaggregate) return;
  std::vector<std::string> filled;
  if (!r.tp) {
    r.tp = 1;
    filled.push_back("tp 1");
  }
  if (!r.pp) {
    r.pp = 1;
    filled.push_back("pp 1");
  }
  if (!r.dp) {
    r.dp = 1;
    filled.push_back("dp 1");
  }
  if (moe && !r.ep && !r.enable_expert_parallel &&
      SglangAllToAll(r, EngineLauncher(r.launched_by) == "sglang")) {
    r.ep = *r.tp * *r.dp;
    filled.push_back(
        fmt::format("expert parallel {} (--moe-a2a-backend {}: SGLang's ep-size = "
                    "tp-size)",
                    *r.ep, r.moe_a2a_backend));
  } else if (moe && !r.ep && !r.enable_expert_parallel) {
    r.ep = 1;
    filled.push_back(*r.dp == 1 ? "no expert parallel"
                                : fmt::format("no expert parallel (the experts split by tensor "
                                              "parallel over the {} attention groups' GPUs)",
                                              *r.dp));
  }
  if (!filled.empty()) {
    r.launcher_defaults = fmt::format("{}'s defaults for what the command leaves out: {}", who,
                                      fmt::join(filled, ", "));
  }
}

// The engine a pasted server command runs, when the request names none: `python3 -m
// sglang.launch_server` is SGLang, `trtllm-serve` TensorRT-LLM, `vllm serve` vLLM, or the vLLM
// plugin the chips run vLLM through (vLLM-Ascend on an Ascend NPU: the engine whose
// default_families hold the chip's family and whose id is vLLM's). Their documented limits
// (data/engines.yaml) are the defaults the command leaves out, as its layout defaults are
// (ServerDefaults). Empty: the chips' own default engines (no launcher, a benchmark client, or
// chips that run vLLM through different engines).
std::string LauncherEngine(const catalog::Catalog& cat, const InferRequest& r) {
  const std::string_view engine = EngineLauncher(r.launched_by);
  if (engine == "sglang" || engine == "trtllm") return std::string(engine);
  if (engine != "vllm") return "";
  std::string id;
  for (size_t i = 0; i < r.chip.size(); ++i) {
    auto chip = cat.FindChip(r.chip[i]);
    const catalog::ServingEngine* e = chip ? cat.DefaultEngineOf(**chip) : nullptr;
    const std::string here = e != nullptr && e->id.starts_with("vllm") ? e->id : "vllm";
    if (i > 0 && here != id) return "";
    id = here;
  }
  return id;
}

// What a pasted serving benchmark leaves out is that benchmark's default: `vllm bench serve` (and
// benchmark_serving.py) draws --dataset-name random with --random-input-len 1024 and
// --random-output-len 128 (vllm/benchmarks/datasets/arg_utils.py, S3360); sglang.bench_serving's
// --dataset-name is sharegpt unless given, its random lengths 1024 and 1024 (S3231). ShareGPT's
// lengths come from its file, which the simulator does not have: an error naming the field.
//
// ShareGPT (--dataset-name sharegpt, sglang.bench_serving's default) without a trace: the mean
// lengths vLLM's benchmark draws from ShareGPT_V3_unfiltered_cleaned_split.json with its default
// seed, as GPUStack's runs of `vllm bench serve --dataset-name sharegpt` report them (S3342,
// Qwen3's tokenizer): 1,000 prompts of 217,393 prompt and 201,847 output tokens. Its spread
// (conversations of a few to ~1,000 prompt tokens) is not drawn: said with the answer; a trace of
// the lengths gives it. --sharegpt-output-len sets the outputs, as in both benchmarks.
constexpr double kShareGptInputTokens = 217393 / 1000.0;
constexpr double kShareGptOutputTokens = 201847 / 1000.0;

Result<void> BenchmarkDefaults(InferRequest& r) {
  const bool vllm = r.launched_by == "vllm-bench",
             sglang = r.launched_by == "sglang-bench" || r.launched_by == "sglang-bench-offline";
  const bool sharegpt = r.dataset_name == "sharegpt" || (sglang && r.dataset_name.empty());
  if (sharegpt && r.requests_trace.empty()) {
    if (!r.input_tokens_given) r.input_tokens = kShareGptInputTokens;
    if (!r.output_tokens_given) r.output_tokens = kShareGptOutputTokens;
    r.assumptions.push_back(fmt::format(
        "ShareGPT's lengths as their means, {:.1f} prompt / {:.1f} output tokens (vLLM's "
        "benchmark over ShareGPT_V3_unfiltered_cleaned_split.json, 1,000 prompts, Qwen3's "
        "tokenizer; S3342), not their spread: give the dataset's lengths as a --requests-trace "
        "for it",
        r.input_tokens, r.output_tokens));
    return {};
  }
  if (!vllm && !sglang) return {};
  if (!r.input_tokens_given) r.input_tokens = 1024;
  if (!r.output_tokens_given) r.output_tokens = sglang ? 1024 : 128;
  return {};
}

// The benchmarks that start the engine in their own process, at the engine's defaults
// (ServerDefaults: tp 1, no expert parallel), and run their requests as they do:
// - `vllm bench throughput` (vllm/benchmarks/throughput.py, S3572): every prompt to
//   LLM.generate at once, --num-prompts 1000; without a dataset file the random dataset, whose
//   --input-len it requires and whose output is 128 tokens unless --output-len; with one, ShareGPT.
// - `vllm bench latency` (latency.py, S3571): one batch of --batch-size 8 prompts of --input-len
//   32, each generating --output-len 128 (ignore_eos), prefix caching off.
// - sglang.bench_one_batch (S3573): one static batch, --batch-size 1, --input-len 1024,
//   --output-len 16, no server and no cache.
// - sglang.bench_offline_throughput (S3574): every prompt to the engine at once, its dataset as
//   sglang.bench_serving's (ShareGPT, or random 1,024 / 1,024), --num-prompts 1000.
// - `trtllm-bench latency` (tensorrt_llm/bench/benchmark/low_latency.py, S3575): max_batch_size 1,
//   --concurrency 1 (one request at a time), chunking off, GUARANTEED_NO_EVICT.
// Under the analytic mode a batch is --concurrency (it bounds the steady state's batch), not a
// request count (which the analytic estimate refuses).
Result<void> InProcessBenchmarks(InferRequest& r) {
  const std::string& by = r.launched_by;
  // A pasted benchmark's prompt count (--num-prompts, --num_requests) is its run's length, which
  // the analytic steady state does not take: set aside and said, not refused.
  const bool benchmark = !by.empty() && by != "vllm" && by != "sglang" && by != "trtllm";
  if (benchmark && r.requests && !Simulated(r)) {
    r.assumptions.push_back(fmt::format(
        "{} prompts: the benchmark's run length, which the analytic steady state does not take",
        *r.requests));
    r.requests.reset();
  }
  const bool one_batch = by == "vllm-bench-latency" || by == "sglang-bench-one-batch";
  if (r.batch_size && !one_batch) {
    return tl::unexpected(FieldError(
        "batch_size",
        fmt::format("is the one batch of a pasted `vllm bench latency` or "
                    "sglang.bench_one_batch; otherwise give {} (with {}) or {}",
                    FlagAsTyped(r.typed_as, "requests"), FlagAsTyped(r.typed_as, "mode", "offline"),
                    FlagAsTyped(r.typed_as, "max_num_seqs"))));
  }
  auto all_at_once = [&] {
    if (r.mode == "server" && !r.qps && !r.concurrency) r.mode = "offline";
  };
  if (one_batch) {
    const bool vllm = by == "vllm-bench-latency";
    const int batch = r.batch_size.value_or(vllm ? 8 : 1);
    if (batch < 1) return tl::unexpected(FieldError("batch_size", "must be at least 1"));
    if (!r.input_tokens_given) r.input_tokens = vllm ? 32 : 1024;
    if (!r.output_tokens_given) r.output_tokens = vllm ? 128 : 16;
    r.no_prefix_cache = true;
    if (Simulated(r)) {
      all_at_once();
      if (!r.requests) r.requests = batch;
    } else if (!r.concurrency) {
      r.concurrency = batch;
    }
    r.assumptions.push_back(
        fmt::format("{}: one batch of {} request{} at once, {:g} prompt / {:g} output tokens each",
                    vllm ? "vllm bench latency" : "sglang.bench_one_batch", batch,
                    batch == 1 ? "" : "s", r.input_tokens, r.output_tokens));
    return {};
  }
  if (by == "vllm-bench-throughput") {
    if (r.dataset_name.empty()) {
      r.dataset_name = r.dataset.empty() && r.dataset_path.empty() ? "random" : "sharegpt";
    }
    if (r.dataset_name == "random" && !r.input_tokens_given) {
      return tl::unexpected(
          FieldError("input_tokens",
                     "vllm bench throughput without a dataset file draws random prompts "
                     "and needs " +
                         (r.typed_as.json ? std::string("input_len") : std::string("--input-len")) +
                         " (as vLLM's benchmark does)"));
    }
    if (r.dataset_name == "random" && !r.output_tokens_given) r.output_tokens = 128;
    all_at_once();
    if (!r.requests && Simulated(r)) r.requests = 1000;
    return {};
  }
  if (by == "sglang-bench-offline") {
    all_at_once();
    if (!r.requests && Simulated(r)) r.requests = 1000;
    return {};
  }
  if (by == "trtllm-bench-latency") {
    for (auto [field, given] : {std::pair{"max_num_seqs", r.max_num_seqs},
                                std::pair{"max_num_seqs_per_rank", r.max_num_seqs_per_rank}}) {
      if (given && *given != 1) {
        return tl::unexpected(FieldError(
            field, fmt::format("{} contradicts trtllm-bench latency's batch of 1", *given)));
      }
    }
    if (!r.max_num_seqs_per_rank) r.max_num_seqs = 1;
    if (!r.concurrency && !r.qps) r.concurrency = 1;
    if (!r.enable_chunked_prefill) r.no_chunked_prefill = true;
    if (r.kv_admission.empty() && Simulated(r)) r.kv_admission = "reserve";
  }
  return {};
}

// vLLM's benchmark --random-prefix-len P (RandomDataset, S3360): one prefix of P tokens drawn
// once and put before every prompt, the prompt P + its random part. With the prefix cache on
// (vLLM's default) every prompt after the first finds it there: a hit of P / (P + mean input).
Result<void> ReadRandomPrefix(InferRequest& r) {
  if (!r.random_prefix_len) return {};
  const double prefix = *r.random_prefix_len;
  if (!(prefix >= 0) || prefix != std::floor(prefix)) {
    return tl::unexpected(FieldError("random_prefix_len", "must be a whole number of tokens >= 0"));
  }
  if (prefix == 0) return {};
  if (r.prefix_cache_hit > 0) {
    return tl::unexpected(FieldError("random_prefix_len",
                                     "give it or " + FlagAsTyped(r.typed_as, "prefix_cache_hit") +
                                         ", not both (the shared prefix is the cache's hit)"));
  }
  const double random_part = r.input_tokens;
  r.input_tokens = prefix + random_part;
  // A uniform spread of the random part is a narrower one around the longer mean.
  if (r.input_dist.starts_with("uniform:")) {
    const double half = std::stod(r.input_dist.substr(8)) * random_part / r.input_tokens;
    r.input_dist = fmt::format("uniform:{:.6g}", half);
  }
  if (!r.no_prefix_cache) r.prefix_cache_hit = prefix / r.input_tokens;
  return {};
}

}  // namespace

Result<YamlField> FieldValueOfYaml(const YAML::Node& v, FieldKind kind, YamlValues policy,
                                   const std::string& file, int line, const std::string& key) {
  const bool strict = policy == YamlValues::kStrict;
  YamlField out;
  if (v.IsSequence()) {
    std::vector<std::string> list;
    for (const auto& each : v) {
      if (each.IsScalar()) {
        list.push_back(each.Scalar());
      } else if (strict) {
        return MakeError("expected a list of values", file, each.Mark().line + 1, key);
      }
    }
    if (strict && kind != FieldKind::kList) {
      out.value = fmt::format("{}", fmt::join(list, ","));
    } else {
      out.value = list;
    }
    return out;
  }
  if (!v.IsScalar()) {
    if (!strict) {
      out.not_read = true;
    } else if (v.IsMap()) {
      // vLLM's JSON-valued options (speculative-config, compilation-config, ...) as a mapping:
      // the JSON text the flag takes.
      YAML::Emitter json;
      json << YAML::DoubleQuoted << YAML::Flow << v;
      out.value = std::string(json.c_str());
    } else {
      return MakeError("expected a value", file, line, key);
    }
    return out;
  }
  const std::string scalar = v.Scalar();
  const std::string lower = ToLower(scalar);
  if (kind == FieldKind::kBool) {
    if (strict) {
      try {
        out.value = v.as<bool>();
      } catch (const YAML::Exception&) {
        return MakeError(fmt::format("expected true or false, got {}", Quoted(scalar)), file, line,
                         key);
      }
      return out;
    }
    if (lower != "true" && lower != "false") {
      return MakeError(fmt::format("{}: expected true or false", key), file, line, key);
    }
    // A switch given false in the file is a switch not given.
    if (lower == "true") out.value = true;
    return out;
  }
  if (kind == FieldKind::kList) {
    out.value = std::vector<std::string>{scalar};
  } else if (strict || (lower != "null" && lower != "none")) {
    out.value = scalar;
  }
  return out;
}

Result<bool> MergeVllmConfig(InferRequest& r, const std::string& text) {
  const auto launcher = LauncherId(r.launched_by);
  if (!launcher || *launcher != "vllm" || r.extra_llm_api_options.empty()) return false;
  const std::string file = r.extra_llm_api_options;
  YAML::Node doc;
  try {
    // vLLM's load_config_file reads it with PyYAML's safe_load: a key named twice keeps its
    // last value (S4363); the loop below, where the first set a field, kept the first.
    doc = YamlReader(file, YamlReader::DuplicateKeys::kLastWins).Parse(text);
  } catch (const YamlFailure& f) {
    Error e = f.error;
    if (e.field.empty()) e.field = "config";
    return tl::unexpected(e);
  }
  r.extra_llm_api_options.clear();
  if (doc.IsNull()) return true;
  if (!doc.IsMap()) {
    return MakeError("expected a mapping of vLLM's long flags (max-model-len: 8192, ...)", file,
                     doc.Mark().line + 1, "config");
  }
  const auto& fields = InferFields();
  for (const auto& item : doc) {
    const int line = item.first.Mark().line + 1;
    const std::string key = item.first.Scalar();
    std::string name = key;
    std::replace(name.begin(), name.end(), '-', '_');
    auto found = FindField(fields, name);
    if (!found) {
      return MakeError(fmt::format("unknown key {}: {}", Quoted(key), found.error().message), file,
                       line, key);
    }
    const Field<InferRequest>* field = *found;
    if (field->cli_only || field->name == "extra_llm_api_options") {
      return MakeError(fmt::format("{} cannot be set from a config file", Quoted(key)), file, line,
                       key);
    }
    // The command line wins (S3676).
    if (std::find(r.fields_given.begin(), r.fields_given.end(), field->name) !=
        r.fields_given.end()) {
      continue;
    }
    const YAML::Node& v = item.second;
    auto value = FieldValueOfYaml(v, field->kind, YamlValues::kStrict, file, line, key);
    if (!value) return tl::unexpected(value.error());
    if (auto ok = field->set(r, *value->value); !ok) {
      return MakeError(ok.error().message, file, v.Mark().line + 1, key);
    }
    r.fields_given.push_back(field->name);
  }
  return true;
}

// trtllm-bench's dataset (TensorRT-LLM's perf-benchmarking docs and prepare_dataset.py, S3476):
// one JSON object a line, {"task_id": 0, "input_ids": [...], "output_tokens": 128}; a line with
// its prompt as text ("prompt") has tokens this tool cannot count.
Result<void> ReadBenchDataset(InferRequest& r, const Result<std::string>& text) {
  if (r.dataset.empty()) return {};
  const auto id = LauncherId(r.launched_by);
  if (id && (*id == "vllm-bench" || *id == "sglang-bench" || *id == "vllm-bench-throughput" ||
             *id == "sglang-bench-offline")) {
    // benchmark_serving.py's old --dataset, the ShareGPT file (--dataset-name sharegpt now).
    if (r.dataset_name.empty()) r.dataset_name = "sharegpt";
    return {};
  }
  const std::string& file = r.dataset;
  if (!text) {
    Error e = text.error();
    e.message +=
        "; trtllm-bench's dataset is the JSON Lines prepare_dataset.py writes (input_ids and "
        "output_tokens a line): where the file is not at hand, give its mean lengths as "
        "--input-tokens and --output-tokens";
    return tl::unexpected(e);
  }
  double inputs = 0, outputs = 0;
  int64_t requests = 0;
  int line = 0;
  size_t start = 0;
  while (start < text->size()) {
    size_t end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    const std::string row = text->substr(start, end - start);
    start = end + 1;
    ++line;
    if (row.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j = nlohmann::json::parse(row, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return MakeError("expected one JSON object a line", file, line, "dataset");
    }
    const auto ids = j.find("input_ids");
    const auto out = j.find("output_tokens");
    if (ids == j.end() || !ids->is_array()) {
      return MakeError(j.contains("prompt")
                           ? "a prompt given as text: its tokens are not counted here (write the "
                             "dataset with prepare_dataset.py's input_ids, or give "
                             "--input-tokens)"
                           : "expected input_ids, a list of the prompt's token ids",
                       file, line, "dataset");
    }
    if (out == j.end() || !out->is_number() || !(out->get<double>() >= 1)) {
      return MakeError("expected output_tokens, a number of tokens of at least 1", file, line,
                       "dataset");
    }
    inputs += static_cast<double>(ids->size());
    outputs += out->get<double>();
    ++requests;
  }
  if (requests == 0) return MakeError("holds no request", file, 1, "dataset");
  if (!r.input_tokens_given) r.input_tokens = inputs / static_cast<double>(requests);
  if (!r.output_tokens_given) r.output_tokens = outputs / static_cast<double>(requests);
  // The count is the simulated run's; the analytic steady state takes none (--requests there is
  // an error of its own).
  if (!r.requests && Simulated(r)) r.requests = requests;
  return {};
}

Result<InferRequest> ResolveFrameworkFlags(const catalog::Catalog& cat, InferRequest r,
                                           const std::string& llm_api_options) {
  // trtllm-serve's --backend, or a serving benchmark's client backend (vllm bench serve and
  // sglang.bench_serving --backend: the server's protocol), which changes nothing served.
  static const std::vector<std::string> kBenchBackends = {
      "vllm",          "vllm-chat",  "openai",          "openai-chat", "sglang",
      "sglang-native", "sglang-oai", "sglang-oai-chat", "tgi",         "lmdeploy",
      "tensorrt-llm",  "trtllm",     "deepspeed-mii",   "scalellm",    "llama.cpp",
      "mlx",           "truss"};
  if (!r.backend.empty() && r.backend != "pytorch" && r.backend != "tensorrt" &&
      r.backend != "trt" &&
      std::find(kBenchBackends.begin(), kBenchBackends.end(), r.backend) == kBenchBackends.end()) {
    return tl::unexpected(FieldError(
        "backend", fmt::format("unknown {}; expected pytorch or tensorrt (trtllm-serve's), or a "
                               "serving benchmark's client backend: {}",
                               Quoted(r.backend.substr(0, 40)), fmt::join(kBenchBackends, ", "))));
  }
  if (!r.launched_by.empty()) {
    auto id = LauncherId(r.launched_by);
    if (!id) {
      return tl::unexpected(FieldError(
          "launched_by", fmt::format("unknown {}; expected vllm, sglang, trtllm (servers), "
                                     "vllm-bench, sglang-bench, genai-perf or trtllm-bench",
                                     Quoted(r.launched_by.substr(0, 40)))));
    }
    r.launched_by = *id;
  }
  if (!r.extra_llm_api_options.empty()) {
    if (auto ok = ReadLlmApiOptions(r, llm_api_options); !ok) return tl::unexpected(ok.error());
  }
  auto clash = [](const char* given, const char* other) {
    return tl::unexpected(FieldError(given, fmt::format("give it or {}, not both", other)));
  };
  // One running-sequence cap: the engine's own count (--max-num-seqs, max_batch_size, SGLang's
  // --max-running-requests) or each rank's; two would need a rule for which binds.
  if (r.max_num_seqs_per_rank) {
    if (r.max_num_seqs) return clash("max_num_seqs_per_rank", "max_num_seqs");
    if (r.max_running_requests) return clash("max_num_seqs_per_rank", "max_running_requests");
  }
  // SGLang's --chunked-prefill-size: a prompt chunk's tokens, or at 0 or below (its -1) whole
  // prompts: its scheduler sets chunked_prefill_size <= 0 to None, chunking off (scheduler.py
  // init_chunked_prefill, S3860).
  if (r.chunked_prefill_size) {
    if (*r.chunked_prefill_size <= 0) {
      if (r.enable_chunked_prefill) return clash("chunked_prefill_size", "enable_chunked_prefill");
      r.no_chunked_prefill = true;
    } else {
      if (r.max_batched_tokens && *r.max_batched_tokens != *r.chunked_prefill_size) {
        return clash("chunked_prefill_size", "max_batched_tokens");
      }
      r.max_batched_tokens = r.chunked_prefill_size;
    }
    r.chunked_prefill_size.reset();
  }
  // A chip named twice (`--chip h100 --chip h100,h200`, "h100" and "H100") is one row: the
  // later naming of a chip already listed is dropped.
  {
    std::vector<std::string> ids, chips;
    for (const auto& name : r.chip) {
      auto chip = cat.FindChip(name);
      const std::string id = chip ? (*chip)->id : name;
      if (std::find(ids.begin(), ids.end(), id) != ids.end()) continue;
      ids.push_back(id);
      chips.push_back(name);
    }
    r.chip = std::move(chips);
  }
  if (r.engine.empty()) r.engine = LauncherEngine(cat, r);
  // The benchmarks' --request-rate: a rate is qps; inf (their default) sends every prompt at
  // once, the offline mode, unless --max-concurrency makes it a closed loop.
  if (r.request_rate) {
    if (r.qps) return clash("request_rate", "qps");
    if (!(*r.request_rate > 0)) {
      return tl::unexpected(FieldError("request_rate", "must be above 0 requests/s (or inf)"));
    }
    if (std::isfinite(*r.request_rate)) {
      r.qps = *r.request_rate;
    } else if (!r.concurrency && r.mode == "server") {
      r.mode = "offline";
    }
  }
  // trtllm-bench throughput sends every request at once unless --concurrency bounds them (its
  // default -1: no limit, S3476).
  if (r.launched_by == "trtllm-bench" && !r.concurrency && !r.qps && r.mode == "server") {
    r.mode = "offline";
  }
  if (auto ok = InProcessBenchmarks(r); !ok) return tl::unexpected(ok.error());
  if (auto ok = BenchmarkDefaults(r); !ok) return tl::unexpected(ok.error());
  if (auto ok = ReadRangeRatio(r); !ok) return tl::unexpected(ok.error());
  if (r.no_prefix_cache && r.prefix_cache_hit > 0) {
    return tl::unexpected(FieldError(
        "prefix_cache_hit",
        fmt::format("{:g} contradicts the prefix cache turned off ({})", r.prefix_cache_hit,
                    r.typed_as.contains("no_prefix_cache")
                        ? FlagAsTyped(r.typed_as, "no_prefix_cache")
                    : r.typed_as.json ? "no_prefix_cache"
                                      : "--disable-radix-cache, --no-enable-prefix-caching")));
  }
  if (auto ok = ReadRandomPrefix(r); !ok) return tl::unexpected(ok.error());
  AutoIsDefault(r.dtype);
  AutoIsDefault(r.kv_dtype);
  // vLLM's experts_int8 (MiniMax-M1's model card serves it so): the routed experts' weights
  // quantized to int8 as they load, the fused MoE run as int8 weights with 16-bit math
  // (use_int8_w8a16), everything else at --dtype (S3151).
  if (NormalizeId(r.quantization) == "experts-int8") {
    if (!r.expert_dtype.empty() && NormalizeId(r.expert_dtype) != "w8a16") {
      return clash("quantization", "expert_dtype");
    }
    r.expert_dtype = "w8a16";
    r.quantization.clear();
  }
  if (!r.quantization.empty()) {
    const auto format = QuantizationFormat(r.quantization);
    if (!format) {
      return tl::unexpected(FieldError(
          "quantization",
          fmt::format("unknown method {}; give the weights' format with {}",
                      Quoted(r.quantization.substr(0, 40)), FlagAsTyped(r.typed_as, "dtype"))));
    }
    // vLLM's --dtype is then the activations' (bfloat16, float16, auto).
    const auto typed = perf::ParseServingDType(r.dtype);
    const bool activations = r.dtype.empty() || (typed && perf::ServingDTypeBytes(*typed) >= 2);
    if (!activations && *typed != *perf::ParseServingDType(*format)) {
      return tl::unexpected(
          FieldError("quantization", fmt::format("{} contradicts {}", r.quantization,
                                                 FlagAsTyped(r.typed_as, "dtype", r.dtype))));
    }
    r.dtype = *format;
  }
  const bool moe = [&] {
    auto checkpoint = cat.FindCheckpoint(r.model);
    return checkpoint && checkpoint->model->moe;
  }();
  // GPUs per stage: SGLang's and TensorRT-LLM's tp counts the attention groups' GPUs too.
  if (r.enable_dp_attention && r.enable_attention_dp) {
    return clash("enable_dp_attention", "enable_attention_dp (TensorRT-LLM's)");
  }
  // SGLang also spells --tp-size and --dp-size --tp and --dp, as its DeepSeek recipe does
  // (--tp 8 --dp 8 --enable-dp-attention, S2862): beside --enable-dp-attention they are
  // SGLang's, the GPUs of a stage and the groups sharing them.
  if (r.enable_dp_attention) {
    if (r.tp && !r.tp_size) r.tp_size = std::exchange(r.tp, std::nullopt);
    if (r.dp && !r.dp_size) r.dp_size = std::exchange(r.dp, std::nullopt);
  }
  if (r.tp_size) {
    if (r.tp) return clash("tp_size", "tp");
    if (*r.tp_size < 1) return tl::unexpected(FieldError("tp_size", "must be at least 1"));
    int groups = 1;
    if (r.enable_attention_dp) groups = *r.tp_size;
    if (r.enable_dp_attention) groups = r.dp_size.value_or(1);
    if (groups < 1 || *r.tp_size % groups != 0) {
      return tl::unexpected(FieldError(
          "dp_size", fmt::format("{} attention groups do not divide {}", groups,
                                 FlagAsTyped(r.typed_as, "tp_size", std::to_string(*r.tp_size)))));
    }
    r.tp = *r.tp_size / groups;
    if (groups > 1 || r.enable_dp_attention || r.enable_attention_dp) {
      if (r.dp && *r.dp != groups) return clash("dp", "dp_size");
      r.dp = groups;
    }
  } else if (r.enable_attention_dp || r.enable_dp_attention) {
    return tl::unexpected(
        FieldError(r.enable_attention_dp ? "enable_attention_dp" : "enable_dp_attention",
                   "needs " + FlagAsTyped(r.typed_as, "tp_size") + ", the GPUs the groups share"));
  }
  // An engine's expert-parallel size below its --tp-size: TensorRT-LLM's Mapping (S3234) and
  // SGLang's parallel state (S3290) both run expert TP inside each expert group, moe_tp_size =
  // tp_size / ep_size: --tp_size 8 --ep_size 4 is 4 groups of experts, each split over 2 GPUs.
  // Under attention TP every GPU holds all the stage's tokens, so each holds 1/tp_size of the
  // expert weights, computes 1/tp_size of the expert FLOPs and joins the same all-reduce as with
  // the experts split by TP alone (ep 1): priced so, and --ep_size listed as not modelled (the load
  // imbalance between the expert groups is not).
  // trtllm-bench's --tp and --ep (and SGLang's --tp, its --tp-size) are the same Mapping's: `--tp 8
  // --ep 2`, NVIDIA's DeepSeek-R1 min-latency layout on 8 B200 (TP 8 attention, experts TP 4 x EP
  // 2), was refused ("ep must equal tp * dp").
  const std::string_view launcher = EngineLauncher(r.launched_by);
  const std::optional<int> stage_gpus =
      r.tp_size ? r.tp_size : (launcher == "trtllm" || launcher == "sglang" ? r.tp : std::nullopt);
  if (moe && stage_gpus && r.ep && *r.ep > 1 && !r.enable_attention_dp && !r.enable_dp_attention &&
      *r.ep < *stage_gpus && *stage_gpus % *r.ep == 0) {
    r.ep = 1;
    const std::string flag = r.launched_by == "trtllm"             ? "--ep_size"
                             : r.launched_by.starts_with("trtllm") ? "--ep"
                                                                   : "--ep-size";
    ListNotModelled(r, flag);
  }
  DevicesToPackages(cat, r);
  // SGLang's --dp-size without DP attention: replicas of the tp-size instance.
  int64_t replicas = 1;
  if (r.dp_size && !r.enable_dp_attention) {
    if (*r.dp_size < 1) return tl::unexpected(FieldError("dp_size", "must be at least 1"));
    replicas = *r.dp_size;
  }
  // The attention groups SGLang divides --max-running-requests over (also on a dense model).
  const int64_t attention_groups = r.dp.value_or(1);
  const char* replicas_field = replicas > 1 ? "dp_size" : "dp";
  // Data parallel on a dense model is replicas too (vLLM's --data-parallel-size): no experts
  // are shared between the groups.
  if (!moe && r.dp && *r.dp > 1) {
    replicas *= *r.dp;
    r.dp = 1;
  }
  if (replicas > 1 && r.tp) {
    const int64_t gpus = replicas * *r.tp * r.pp.value_or(1) * r.dp.value_or(1);
    if (!r.count) {
      r.count = gpus;
    } else if (*r.count % gpus != 0) {
      return tl::unexpected(FieldError(
          replicas_field, fmt::format("{} replicas of {} GPUs are {} GPUs, which {} does "
                                      "not hold whole",
                                      replicas, gpus / replicas, gpus,
                                      FlagAsTyped(r.typed_as, "count", std::to_string(*r.count)))));
    }
  }
  ServerDefaults(moe, r);
  // SGLang's --enable-dp-attention typed without its launcher means what SGLang runs for it, as
  // ServerDefaults reads a pasted command: no --ep-size is the experts split by tensor parallel
  // over the --tp-size GPUs (ep 1, S3290, S3600), an all-to-all backend ep = tp-size (S3602).
  if (moe && r.enable_dp_attention && !r.ep && !r.enable_expert_parallel && r.tp && r.dp) {
    r.ep = SglangAllToAll(r, true) ? *r.tp * *r.dp : 1;
  }
  if (r.enable_expert_parallel && moe) {
    if (r.ep) return clash("enable_expert_parallel", "ep");
    if (r.tp) r.ep = *r.tp * r.dp.value_or(1);
  }
  if (r.enable_chunked_prefill && r.no_chunked_prefill) {
    return clash("enable_chunked_prefill", "no_chunked_prefill");
  }
  if (r.async_scheduling && r.no_async_scheduling) {
    return clash("async_scheduling", "no_async_scheduling");
  }
  if (r.max_running_requests) {
    if (r.max_num_seqs) return clash("max_running_requests", "max_num_seqs");
    if (*r.max_running_requests < 1) {
      return tl::unexpected(FieldError("max_running_requests", "must be at least 1"));
    }
    // Each group's scheduler takes max_running_requests // groups, rounded down (SGLang's
    // kv_cache_configurator.py, requested_max_running_requests_per_worker; S2863). An engine
    // whose max_num_seqs is the server's (SGLang's, max_num_seqs_per_instance) divides it where
    // the groups are known, so it keeps the server-wide figure; the others count per group.
    const int64_t groups = attention_groups;
    if (*r.max_running_requests < groups) {
      return tl::unexpected(FieldError(
          "max_running_requests",
          fmt::format("{} server-wide leaves each of {} attention groups none; give at least {}",
                      *r.max_running_requests, groups, groups)));
    }
    if (*r.max_running_requests > kMaxRunningRequests) {
      return tl::unexpected(FieldError("max_running_requests", "must be between 1 and 1048576"));
    }
    // With no layout given the groups are the search's: InferJobFor hands the figure to the
    // engine limits as the server's, dealt over each layout's attention-DP ranks (EngineBatch),
    // as CLI and HTTP requests alike reach it. A vLLM request with dp given but none named here
    // would otherwise keep the whole figure for each of the search's ranks.
    if (r.dp) {
      auto engine = cat.FindEngine(EngineIdOf(cat, r));
      const bool server_wide = engine && (*engine)->max_num_seqs_per_instance;
      r.max_num_seqs = static_cast<int>(*r.max_running_requests / (server_wide ? 1 : groups));
    }
  }
  if (r.max_model_len) {
    if (!(*r.max_model_len >= 1)) {
      return tl::unexpected(FieldError("max_model_len", "must be at least 1 token"));
    }
    if (r.input_tokens + r.output_tokens > *r.max_model_len) {
      return tl::unexpected(FieldError(
          "max_model_len",
          fmt::format("{:.0f} tokens admit no request of {:.0f} prompt + {:.0f} output tokens",
                      *r.max_model_len, r.input_tokens, r.output_tokens)));
    }
  }
  if (auto ok = ReadGraphMode(r); !ok) return tl::unexpected(ok.error());
  const bool sglang_speculation = !r.speculative_algorithm.empty() || r.speculative_num_steps ||
                                  r.speculative_num_draft_tokens || r.speculative_eagle_topk ||
                                  !r.speculative_draft_model_path.empty();
  if (!r.speculative_config.empty() && sglang_speculation) {
    return clash("speculative_config", "speculative_algorithm (SGLang's)");
  }
  if ((!r.speculative_config.empty() || sglang_speculation) && r.mtp > 0) {
    return clash(r.speculative_config.empty() ? "speculative_algorithm" : "speculative_config",
                 "mtp");
  }
  if (!r.speculative_config.empty()) {
    if (auto ok = ReadSpeculativeConfig(r); !ok) return tl::unexpected(ok.error());
  } else if (sglang_speculation) {
    if (r.speculative_algorithm.empty()) {
      return tl::unexpected(
          FieldError("speculative_algorithm", "the speculative flags need the algorithm"));
    }
    if (auto ok = ReadSglangSpeculation(r, SglangDefaultSteps(cat, r.model)); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  return r;
}

namespace {

// A container's command split into words with their quotes dropped: `sh -c "vllm serve M --tp 8"`
// is one argument holding the whole line.
std::vector<std::string> CommandWords(const std::vector<std::string>& command) {
  std::vector<std::string> words;
  for (const std::string& arg : command) {
    size_t start = 0;
    while (start < arg.size()) {
      size_t end = arg.find_first_of(" \t\n;&|", start);
      if (end == std::string::npos) end = arg.size();
      std::string word = arg.substr(start, end - start);
      start = end + 1;
      while (!word.empty() && (word.front() == '"' || word.front() == '\'')) word.erase(0, 1);
      while (!word.empty() && (word.back() == '"' || word.back() == '\'')) word.pop_back();
      if (!word.empty()) words.push_back(std::move(word));
    }
  }
  return words;
}

// The value `words[i]` gives `flag`: `--flag VALUE` or `--flag=VALUE`; nullopt if it names
// another flag or gives none.
std::optional<std::string> FlagValueAt(const std::vector<std::string>& words, size_t i,
                                       const std::string& flag) {
  if (words[i] == flag && i + 1 < words.size()) return words[i + 1];
  if (words[i].starts_with(flag + "=")) return words[i].substr(flag.size() + 1);
  return std::nullopt;
}

}  // namespace

std::string ServedModelOf(const std::vector<std::string>& command) {
  const std::vector<std::string> words = CommandWords(command);
  auto base = [](const std::string& w) {
    const size_t slash = w.rfind('/');
    return slash == std::string::npos ? w : w.substr(slash + 1);
  };
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    for (const char* flag : {"--model", "--model-path", "--model_path"}) {
      if (auto value = FlagValueAt(words, i, flag)) return *value;
    }
    // vLLM's `vllm serve MODEL`; trtllm-serve takes the model first (`trtllm-serve serve MODEL`
    // in its subcommand spelling).
    size_t next = i + 1;
    if (base(w) == "vllm" && next < words.size() && words[next] == "serve") {
      ++next;
    } else if (base(w) == "trtllm-serve") {
      if (next < words.size() && words[next] == "serve") ++next;
    } else {
      continue;
    }
    if (next < words.size() && !words[next].starts_with("-")) return words[next];
  }
  return "";
}

std::string TrainedModelOf(const std::vector<std::string>& command) {
  const std::vector<std::string> words = CommandWords(command);
  // The Hugging Face Trainer's --model_name_or_path (HfArgumentParser also takes it with dashes;
  // LLaMA-Factory's `llamafactory-cli train --model_name_or_path ...`); Megatron and MindSpeed-LLM
  // name no model but load its Hugging Face tokenizer (--tokenizer-model with HuggingFaceTokenizer,
  // MindSpeed's --tokenizer-name-or-path ./model_from_hf/llama-2-7b-hf/).
  // `llamafactory-cli train config.yaml model_name_or_path=...`: after a YAML or JSON file, the
  // Hugging Face Trainer's arguments are OmegaConf's key=value overrides of the file's
  // (LLaMA-Factory hparams/parser.py read_args, S4160).
  for (const char* flag : {"--model_name_or_path", "--model-name-or-path",
                           "--tokenizer-name-or-path", "--tokenizer-model", "model_name_or_path"}) {
    for (size_t i = 0; i < words.size(); ++i) {
      auto value = FlagValueAt(words, i, flag);
      if (!value) continue;
      while (value->size() > 1 && value->back() == '/') value->pop_back();  // a directory's path
      if (!value->empty() && !value->starts_with("-")) return *value;
    }
  }
  return "";
}

TrainRequest TrainedShapeOf(const std::vector<std::string>& command) {
  const std::vector<std::string> words = CommandWords(command);
  TrainRequest r;
  for (const char* name :
       {"num_layers", "hidden_size", "num_attention_heads", "num_query_groups", "ffn_hidden_size",
        "num_experts", "moe_router_topk", "moe_ffn_hidden_size", "kv_channels", "vocab_size"}) {
    std::string dashed = std::string("--") + name;
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    for (size_t i = 0; i < words.size(); ++i) {
      auto value = FlagValueAt(words, i, dashed);
      if (!value) value = FlagValueAt(words, i, std::string("--") + name);
      // A value that is no count ($NUM_LAYERS left unexpanded) leaves the field unset.
      if (value && SetField(TrainFields(), r, name, FieldValue{*value})) break;
    }
  }
  return r;
}

bool ServesAModel(const std::vector<std::string>& command) {
  for (std::string word : CommandWords(command)) {
    if (const size_t slash = word.rfind('/'); slash != std::string::npos) word.erase(0, slash + 1);
    if (word.empty()) continue;
    if (auto id = LauncherId(word); id && !EngineLauncher(*id).empty()) return true;
  }
  return false;
}

}  // namespace suanli::app::internal
