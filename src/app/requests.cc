#include "app/requests.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>

#include <nlohmann/json.hpp>

#include "core/text.h"
#include "sim/policies/registry.h"

namespace suanli::app {

const std::vector<Field<CatalogRequest>>& CatalogFields() {
  using R = CatalogRequest;
  static const std::vector<Field<R>> fields = {
      Positional(Required(Bind("what", &R::what, "chips, systems, models, engines or stacks"))),
      // `suanli catalog chips h20`, `catalog models deepseek-ai/DeepSeek-V3.2-Exp`,
      // `catalog models qwen3`: one entry, or the entries a part of a name picks.
      Aliases(Positional(Bind("name", &R::name,
                              "an entry's id, alias or Hugging Face repository name (that entry), "
                              "or a part of ids and aliases (every entry holding it); default: "
                              "all")),
              {"filter"}),
  };
  return fields;
}

namespace {
// --help headings of the flags that paste a launch command whole.
constexpr const char* kLaunchOnlyGroup = "Launch flags accepted, no effect on the estimate";
constexpr const char* kServeOnlyGroup = "Serve-command flags accepted, no effect on the estimate";
constexpr const char* kNotModelledGroup =
    "Serve-command flags accepted and not modelled (listed with the answer)";

// A switch takes true or false, as the typed fields do: over HTTP "trust_remote_code": "yes" is
// as wrong as "enforce_eager": "yes". A valued flag takes text, a number or a list (vLLM's
// --served-model-name takes several), not a switch's true.
Result<void> OfKind(FieldKind kind, const FieldValue& v, std::string_view field) {
  if (kind == FieldKind::kBool) {
    auto on = detail::AsBool(v, field);
    if (!on) return tl::unexpected(on.error());
    return {};
  }
  if (!std::holds_alternative<bool>(v)) return {};
  auto text = detail::AsString(v, field);
  if (!text) return tl::unexpected(text.error());
  return {};
}

// Megatron's --exp-avg-sq-dtype: the second Adam moment, which Megatron's lines give beside
// --exp-avg-dtype (the --emit line of an FP8 recipe prints both). The estimate keeps one format
// for both moments (optimizer_dtype): the same value again is that format, a different one an
// error naming the flag.
Field<TrainRequest> ExpAvgSqDtype() {
  Field<TrainRequest> f;
  f.name = "exp_avg_sq_dtype";
  f.kind = FieldKind::kString;
  f.help = "Megatron's second Adam moment format: as --exp-avg-dtype (one format for both)";
  f.set = [](TrainRequest& r, const FieldValue& v) -> Result<void> {
    auto text = detail::AsString(v, "exp_avg_sq_dtype");
    if (!text) return tl::unexpected(text.error());
    if (!r.optimizer_dtype.empty() && r.optimizer_dtype != *text) {
      return tl::unexpected(
          Error{fmt::format("\"{}\" differs from {} \"{}\": the estimate keeps both Adam "
                            "moments in one format",
                            text->substr(0, 40), FlagAsTyped(r.typed_as, "optimizer_dtype"),
                            r.optimizer_dtype.substr(0, 40)),
                "", 0, "exp_avg_sq_dtype"});
    }
    r.optimizer_dtype = *text;
    return {};
  };
  return f;
}

// A launch flag that changes how the server is reached, parses chat or logs (--trust-remote-code,
// --host 0.0.0.0, --reasoning-parser ...), or a training script's data, logging and checkpoints,
// not what it computes: accepted, so a published recipe pastes whole, and without effect on the
// estimate.
template <typename Request = InferRequest>
Field<Request> LaunchOnly(std::string name, FieldKind kind) {
  Field<Request> f;
  f.name = std::move(name);
  f.kind = kind;
  f.nargs = kind == FieldKind::kList;
  f.help = std::is_same_v<Request, TrainRequest>
               ? "launch flag accepted so a launch script pastes whole; no effect on the estimate"
               : "serve-command flag accepted so a recipe pastes whole; no effect on the estimate";
  f.group = std::is_same_v<Request, TrainRequest> ? kLaunchOnlyGroup : kServeOnlyGroup;
  f.set = [field = f.name, kind](Request&, const FieldValue& v) -> Result<void> {
    return OfKind(kind, v, field);
  };
  return f;
}
template <typename Request>
Field<Request> InGroup(Field<Request> f, const char* group) {
  f.group = group;
  return f;
}

// A text field that also takes a JSON number (torchrun's --nproc_per_node 8 is "8" on the command
// line, 8 over HTTP).
template <typename Request>
Field<Request> NumberAsText(Field<Request> f) {
  f.set = [set = f.set](Request& r, const FieldValue& v) -> Result<void> {
    if (const auto* d = std::get_if<double>(&v)) {
      return set(r, FieldValue{fmt::format("{:g}", *d)});
    }
    return set(r, v);
  };
  return f;
}
}  // namespace

namespace {

// Wraps a field so that, given, it also records its name in `marker` (the first such flag): the
// flag belongs to one framework's launch line only.
Field<TrainRequest> Marking(Field<TrainRequest> f, std::string TrainRequest::*marker) {
  f.set = [set = std::move(f.set), name = f.name, marker](TrainRequest& r,
                                                          const FieldValue& v) -> Result<void> {
    if (auto ok = set(r, v); !ok) return ok;
    if ((r.*marker).empty()) r.*marker = name;
    return {};
  };
  return f;
}

// A flag only Megatron-LM (and MindSpeed, which takes its flags) has: given, it marks the request
// as a pasted Megatron launch line (TrainRequest::megatron_flag), whose omitted flags mean
// Megatron's defaults.
Field<TrainRequest> Megatron(Field<TrainRequest> f) {
  return Marking(std::move(f), &TrainRequest::megatron_flag);
}

// A flag only the Hugging Face Trainer has (TrainingArguments, S3672): given, it marks the request
// as a pasted Trainer line (TrainRequest::trainer_flag), whose data parallelism is the Trainer's
// own unless a DeepSpeed config is given.
// A launch flag the framework also takes bare (a store_true switch): bare it means true.
Field<TrainRequest> BareIsTrue(Field<TrainRequest> f) {
  f.bare = "true";
  return f;
}

Field<TrainRequest> Trainer(Field<TrainRequest> f) {
  return Marking(std::move(f), &TrainRequest::trainer_flag);
}

// torchtitan's registered configs, launched as `torchrun ... -m torchtitan.train --module llama3
// --config llama3_8b` (torchtitan/models/*/config_registry.py at b5bcd76, S3133, S3474): the keys
// each sets, as its job-config keys where the request leaves them (flags over the config, as
// torchtitan's command line is). The local batch is num_tokens_per_microbatch_per_dp_rank over
// max_context_length; parallel degrees not set are torchtitan's (1, FSDP over the rest). Llama 4's
// two have no registry entry: the keys of their TOML files before the registry replaced them
// (torchtitan/models/llama4/train_configs at 9810191^, S3474; expert TP 8 is the TP's).
Field<TrainRequest> TitanConfig() {
  struct Config {
    const char* name;
    const char* flavor;  // empty: one FlavorBillions cannot read (17bx16e)
    int local_batch, seq_len, tp, pp, ep;
    int64_t steps;
    const char* ac;
    const char* converters;
  };
  static constexpr Config kConfigs[] = {
      {"llama3_8b", "8B", 1, 8192, 1, 1, 0, 1000, "selective", ""},
      {"llama3_70b", "70B", 8, 8192, 8, 1, 0, 1000, "full", ""},
      {"llama3_405b", "405B", 2, 8192, 8, 1, 0, 3000, "full", "float8"},
      {"deepseek_v3_16b", "16B", 4, 4096, 1, 1, 8, 1000, "selective", ""},
      {"deepseek_v3_671b", "671B", 4, 4096, 1, 1, 2, 10000, "selective", ""},
      {"qwen3_0_6b", "0.6B", 4, 4096, 1, 1, 0, 10, "selective", ""},
      {"qwen3_1_7b", "1.7B", 4, 4096, 1, 1, 0, 100, "selective", ""},
      {"qwen3_14b", "14B", 4, 4096, 1, 1, 0, 3000, "full", ""},
      {"qwen3_30b_a3b", "", 2, 4096, 1, 1, 0, 3000, "full", ""},
      {"qwen3_32b", "32B", 2, 4096, 1, 1, 0, 3000, "full", ""},
      {"llama4_17bx16e", "", 8, 8192, 8, 1, 0, 3000, "full", ""},
      {"llama4_17bx128e", "", 1, 8192, 8, 4, 0, 3000, "full", ""},
  };
  Field<TrainRequest> f;
  f.name = "config";
  f.kind = FieldKind::kString;
  f.help =
      "torchtitan's registered config (--module llama3 --config llama3_8b): llama3_8b, "
      "llama3_70b, llama3_405b, deepseek_v3_16b, deepseek_v3_671b, qwen3_0_6b, qwen3_1_7b, "
      "qwen3_14b, qwen3_30b_a3b, qwen3_32b, llama4_17bx16e or llama4_17bx128e, their keys as the "
      "flags below (flags given win)";
  f.set = [](TrainRequest& r, const FieldValue& v) -> Result<void> {
    auto name = detail::AsString(v, "config");
    if (!name) return tl::unexpected(name.error());
    for (const auto& c : kConfigs) {
      if (*name != c.name) continue;
      r.titan_config = c.name;
      if (r.titan_flavor.empty()) r.titan_flavor = c.flavor;
      if (!r.seq_len) r.seq_len = c.seq_len;  // max_context_length
      if (!r.titan_local_batch_size) r.titan_local_batch_size = c.local_batch;
      if (!r.titan_steps) {
        r.titan_steps = c.steps;
        r.titan_steps_from_config = true;
      }
      if (!r.tp) r.tp = c.tp;
      if (!r.pp) r.pp = c.pp;
      if (!r.ep && c.ep > 0) r.ep = c.ep;
      if (!r.cp) r.cp = 1;
      if (!r.titan_dp_shard) r.titan_dp_shard = -1;
      if (r.titan_ac_mode.empty() && r.recompute.empty()) r.titan_ac_mode = c.ac;
      // The registry's selective configs check-point per op (config_registry.py, S4183).
      if (r.titan_sac_option.empty() && std::string_view(c.ac) == "selective") {
        r.titan_sac_option = "op";
      }
      if (r.titan_converters.empty()) r.titan_converters = c.converters;
      return {};
    }
    return MakeError("unknown torchtitan config '" + name->substr(0, 40) +
                         "'; expected llama3_8b, llama3_70b, llama3_405b, deepseek_v3_16b, "
                         "deepseek_v3_671b, qwen3_0_6b, qwen3_1_7b, qwen3_14b, qwen3_30b_a3b, "
                         "qwen3_32b, llama4_17bx16e or llama4_17bx128e (or give "
                         "--job.config_file, or its keys as flags)",
                     "", 0, "config");
  };
  return f;
}

// torchtitan's --training.steps typed: the run's length as given, not a config's default.
Field<TrainRequest> TypedSteps(Field<TrainRequest> f) {
  f.set = [set = f.set](TrainRequest& r, const FieldValue& v) -> Result<void> {
    if (auto ok = set(r, v); !ok) return ok;
    r.titan_steps_from_config = false;
    return {};
  };
  return f;
}

// Megatron's model-shape flag: accepted as a check against the catalog model.
Field<TrainRequest> ShapeCheck(Field<TrainRequest> f) {
  f.help = "Megatron's model shape, checked against --model (an error where they differ)" +
           (f.help.empty() ? std::string() : "; " + f.help);
  return Megatron(std::move(f));
}

// An on/off field that Megatron spells as a switch (--tp-comm-overlap): given bare on the command
// line, or true over HTTP, it is on; false is off.
template <typename Request>
Field<Request> BareIsOn(Field<Request> f) {
  f.bare = "on";
  f.set = [set = f.set](Request& r, const FieldValue& v) -> Result<void> {
    if (const auto* b = std::get_if<bool>(&v)) {
      return set(r, FieldValue{std::string(*b ? "on" : "off")});
    }
    return set(r, v);
  };
  return f;
}

}  // namespace

// DeepSpeed's --deepspeed: Megatron-DeepSpeed's switch (the config comes as --deepspeed_config)
// or the Hugging Face Trainer's --deepspeed ds_config.json (TrainingArguments, S3672), the same
// JSON as --deepspeed_config.
Field<TrainRequest> DeepSpeedSwitchOrFile() {
  Field<TrainRequest> f;
  f.name = "deepspeed";
  f.kind = FieldKind::kString;
  f.bare = "true";
  f.help =
      "DeepSpeed: a switch (Megatron-DeepSpeed's; its config is --deepspeed_config), or the "
      "Hugging Face Trainer's --deepspeed ds_config.json, that file as --deepspeed_config";
  f.group = kLaunchOnlyGroup;
  f.set = [](TrainRequest& r, const FieldValue& v) -> Result<void> {
    if (const auto* b = std::get_if<bool>(&v)) {
      r.deepspeed_named = r.deepspeed_named || *b;
      return {};
    }
    auto text = detail::AsString(v, "deepspeed");
    if (!text) return tl::unexpected(text.error());
    const std::string lower = ToLower(*text);
    if (lower == "true") r.deepspeed_named = true;
    if (lower == "true" || lower == "false" || text->empty()) return {};
    r.deepspeed_named = true;
    if (!r.deepspeed_config.empty() && r.deepspeed_config != *text) {
      return MakeError(
          fmt::format("names {}, and {} {}: give one DeepSpeed config", text->substr(0, 100),
                      FlagAsTyped(r.typed_as, "deepspeed_config"),
                      r.deepspeed_config.substr(0, 100)),
          "", 0, "deepspeed");
    }
    r.deepspeed_config = *text;
    return {};
  };
  return f;
}

// Accelerate's --mixed_precision no, fp16, bf16 or fp8 (S3673): the GEMMs' format, --dtype's
// (no: full fp32, which the estimate does not price: an error saying so).
Field<TrainRequest> AccelerateMixedPrecision() {
  Field<TrainRequest> f;
  f.name = "mixed_precision";
  f.kind = FieldKind::kString;
  f.help = "Accelerate's --mixed_precision: bf16, fp16 or fp8 (as --dtype)";
  f.group = kLaunchOnlyGroup;
  f.set = [](TrainRequest& r, const FieldValue& v) -> Result<void> {
    auto text = detail::AsString(v, "mixed_precision");
    if (!text) return tl::unexpected(text.error());
    const std::string p = ToLower(*text);
    if (p != "bf16" && p != "fp16" && p != "fp8") {
      return MakeError(
          "expected bf16, fp16 or fp8 (fp32 training, Accelerate's no, is not "
          "estimated)",
          "", 0, "mixed_precision");
    }
    if (!r.dtype.empty() && ToLower(r.dtype) != p) {
      return MakeError(
          fmt::format("{} contradicts {}", p, FlagAsTyped(r.typed_as, "dtype", r.dtype)), "", 0,
          "mixed_precision");
    }
    r.dtype = p;
    return {};
  };
  return f;
}

// A switch that may also be given a value, as the Hugging Face Trainer's lines write its
// booleans (--bf16 True, --fp16 False; TrainingArguments, S3672).
Field<TrainRequest> SwitchOrTrueFalse(Field<TrainRequest> f) {
  f.kind = FieldKind::kString;
  f.bare = "true";
  f.set = [set = f.set, field = f.name](TrainRequest& r, const FieldValue& v) -> Result<void> {
    if (std::holds_alternative<bool>(v)) return set(r, v);
    auto text = detail::AsString(v, field);
    if (!text) return tl::unexpected(text.error());
    const std::string lower = ToLower(*text);
    if (lower != "true" && lower != "false") {
      return MakeError("expected true or false", "", 0, field);
    }
    return set(r, FieldValue{lower == "true"});
  };
  return f;
}

// A Hugging Face Trainer switch that sets a field to `on` (--gradient_checkpointing, or with
// the Trainer's explicit value: --gradient_checkpointing True); False leaves it.
Field<TrainRequest> HfSwitch(Field<TrainRequest> f, std::string on) {
  f.kind = FieldKind::kString;
  f.bare = "true";
  f.set = [set = f.set, on, field = f.name](TrainRequest& r, const FieldValue& v) -> Result<void> {
    bool yes = false;
    if (const auto* b = std::get_if<bool>(&v)) {
      yes = *b;
    } else {
      auto text = detail::AsString(v, field);
      if (!text) return tl::unexpected(text.error());
      const std::string lower = ToLower(*text);
      if (lower != "true" && lower != "false") {
        return MakeError("expected true or false (the Trainer's True / False)", "", 0, field);
      }
      yes = lower == "true";
    }
    if (!yes) {
      // Said False: the Trainer's default, except where a script's config defaults it on
      // (TRL's SFTConfig gradient_checkpointing, S4660): recorded for that reading.
      if (field == "gradient_checkpointing") r.gradient_checkpointing_off = true;
      return {};
    }
    return set(r, FieldValue{on});
  };
  return f;
}

const std::vector<Field<TrainRequest>>& TrainFields() {
  using R = TrainRequest;
  static const std::vector<Field<R>> fields = {
      // The Hugging Face Trainer's scripts name it --model_name_or_path. Required (BuildTrainJob
      // says so), but a LLaMA-Factory YAML may name it as model_name_or_path.
      Aliases(Bind("model", &R::model,
                   "model id (see `suanli catalog models`) or its Hugging Face repository name "
                   "(required; LLaMA-Factory's YAML may give it as model_name_or_path, a Megatron "
                   "line that names none its shape: --num-layers, --hidden-size, "
                   "--num-attention-heads, ... of one catalog model)"),
              {"model_name_or_path"}),
      Required(Bind("chip", &R::chip, "chip id (see `suanli catalog chips`)")),
      // Required unless a pasted torchrun line gives --nnodes x --nproc_per_node (checked in
      // BuildTrainJob, so both front doors say the same).
      Bind("count", &R::count,
           "number of chips: 2x8 is 2 nodes of 8; K is 1024 as clusters are written (16k = "
           "16,384); required unless torchrun's --nnodes x --nproc_per_node give it"),
      Bind("tokens", &R::tokens,
           "tokens to train on, e.g. 15e12 or 15T (K, M, B/G, T: powers of 1000); required "
           "unless Megatron's --train-samples or --train-iters, or torchtitan's training.steps, "
           "give the run's length"),
      Bind("system", &R::system, "system id (default: the chip's default system)"),
      Aliases(Bind("seq_len", &R::seq_len,
                   "sequence length (default: the model's pre-training length where its report "
                   "gives one, else its context up to 8192; `trl sft`'s max_length 1024, "
                   "LLaMA-Factory's cutoff_len 2048)"),
              // The Hugging Face Trainer scripts' spellings: TRL's SFT --max_seq_length (renamed
              // --max_length, S4660), the Alpaca-style --model_max_length, LLaMA-Factory's
              // --cutoff_len (S3672), run_clm.py's --block_size (S4661).
              {"seq_length", "training.seq_len", "training.max_context_length", "max_seq_length",
               "max_length", "model_max_length", "cutoff_len", "block_size"}),
      Bind("global_batch_tokens", &R::global_batch_tokens,
           "tokens per optimizer step; M is 10^6, Mi is 2^20 (16M = 16e6, 4Mi = 4194304). Each "
           "layout rounds it to whole micro-batches (within 10 %). Default: 1,024 tokens per chip, "
           "at least 4Mi, at most the DeepSeek LLM batch law for the run"),
      // Megatron-LM counts its batch in sequences (--global-batch-size 1536), as DeepSpeed does
      // (train_batch_size).
      Aliases(Bind("global_batch_size", &R::global_batch_size,
                   "sequences per optimizer step (Megatron's --global-batch-size): "
                   "global_batch_tokens is this times seq_len"),
              {"train_batch_size", "training.global_batch_size"}),
      Bind("dtype", &R::dtype,
           "matmul precision: bf16, fp16 or fp8 (Transformer Engine delayed scaling); "
           "--precision says more, and a recipe's name here means that recipe (mxfp8). Default: "
           "the precision the model was pre-trained in where the catalog has it (models.yaml "
           "pretraining.precision: DeepSeek-V3's fp8-blockwise) and the chip and stack run it, "
           "else bf16; a launch line or config file gives its own"),
      Bind("precision", &R::precision,
           "precision recipe, the format of every tensor: bf16 (fp32 main weights and Adam), "
           "fp16, fp8-delayed, fp8-current (per-tensor current scaling), mxfp8 (Blackwell "
           "block scaling), fp8-params (FP8 weights, --fp8-param-gather), fsdp2-mixed (fp32 "
           "sharded master, bf16 compute), fp8-blockwise (DeepSeek-V3: 128-wide tiles, bf16 "
           "Adam moments, FP8-cached activations)"),
      Bind("param_dtype", &R::param_dtype,
           "weights as the forward reads them: fp32, bf16, fp16 or fp8 (default: the recipe's)"),
      Aliases(Bind("grad_dtype", &R::grad_dtype,
                   "gradient buffer: fp32, bf16 or fp16 (recipe's; Megatron's --main-grads-dtype)"),
              {"main_grads_dtype", "megatron_fsdp_main_grads_dtype"}),
      Aliases(Bind("grad_reduce_dtype", &R::grad_reduce_dtype,
                   "data-parallel gradient reduction: fp32, bf16 or fp16 (recipe's)"),
              {"megatron_fsdp_grad_comm_dtype"}),
      Aliases(Bind("main_param_dtype", &R::main_param_dtype,
                   "optimizer's master weights: fp32, bf16 or none (recipe's; Megatron's "
                   "--main-params-dtype)"),
              {"main_params_dtype"}),
      Aliases(Bind("optimizer_dtype", &R::optimizer_dtype,
                   "Adam moments: fp32 or bf16 (recipe's; Megatron's --exp-avg-dtype and "
                   "--exp-avg-sq-dtype, which are given together)"),
              {"exp_avg_dtype"}),
      ExpAvgSqDtype(),
      Bind("activation_dtype", &R::activation_dtype,
           "activations stored for the backward: bf16 or fp8 (recipe's)"),
      // Megatron-LM's names are taken too: --tensor-model-parallel-size 4 is --tp 4.
      Aliases(Bind("tp", &R::tp, "tensor parallel size"),
              {"tensor_model_parallel_size", "parallelism.tensor_parallel_degree"}),
      Aliases(Bind("pp", &R::pp, "pipeline parallel stages"),
              {"pipeline_model_parallel_size", "parallelism.pipeline_parallel_degree"}),
      Bind("dp", &R::dp, "data parallel size"),
      Aliases(Bind("ep", &R::ep, "expert parallel size (MoE)"),
              {"expert_model_parallel_size", "parallelism.expert_parallel_degree"}),
      Aliases(Bind("cp", &R::cp, "context parallel size"),
              {"context_parallel_size", "parallelism.context_parallel_degree"}),
      Aliases(Bind("zero", &R::zero, "ZeRO stage 0-3"), {"zero_stage"}),
      Aliases(Bind("micro_batch", &R::micro_batch, "sequences per micro-batch"),
              {"micro_batch_size", "train_micro_batch_size_per_gpu"}),
      InGroup(Trainer(Bind("per_device_train_batch_size", &R::micro_batch,
                           "the Hugging Face Trainer's sequences per GPU a micro-batch "
                           "(--micro-batch)")),
              kLaunchOnlyGroup),
      Aliases(Bind("interleave", &R::interleave, "virtual pipeline stages per chip"),
              {"virtual_pipeline_model_parallel_size", "num_virtual_stages_per_pipeline_rank"}),
      Aliases(Bind("recompute", &R::recompute, "activation recomputation: none, selective, full"),
              {"recompute_granularity"}),
      Bind("no_sequence_parallel", &R::no_sequence_parallel,
           "keep norms and dropout replicated across tensor-parallel ranks"),
      Bind("schedule", &R::schedule,
           "pipeline schedule: 1f1b or dualpipe (default: searched; dualpipe only with a stack "
           "that has it, e.g. mindspeed)"),
      Bind("power_cap_w", &R::power_cap_w,
           "per-chip power limit, W (default: the system's, else the chip's TDP)"),
      Bind("attention", &R::attention,
           "attention kernel: flash (default) or unfused (pre-2022 Megatron)"),
      Bind("stack", &R::stack,
           "training software, from data/stacks.yaml: megatron-core, megatron-2021, "
           "torchtitan-fsdp2, deepspeed or mindspeed; sets the knobs below and limits the "
           "schedules, ZeRO stages, recomputation and precisions to what it has (default: none, "
           "the calibrated model)"),
      BareIsOn(Bind(
          "dp_overlap", &R::dp_overlap,
          "on: gradient reduce-scatter hidden behind the backward, parameter all-gather behind "
          "the next forward (--overlap-grad-reduce/--overlap-param-gather); off: exposed "
          "(default: the stack's, else the calibrated overlap)")),
      BareIsOn(
          Bind("tp_comm_overlap", &R::tp_comm_overlap,
               "on: tensor-parallel collectives overlapped with GEMMs (--tp-comm-overlap; default: "
               "the stack's, else off)")),
      BareIsOn(Aliases(
          Bind("ep_a2a_overlap", &R::ep_a2a_overlap,
               "on: each micro-batch's expert all-to-all behind another micro-batch's compute "
               "(Megatron-Core's Combined 1F1B, --overlap-moe-expert-parallel-comm; needs ep > 1, "
               "virtual stages when pp > 1, no full recomputation); off: exposed (default: "
               "searched where the stack has it)"),
          {"overlap_moe_expert_parallel_comm"})),
      BareIsOn(Aliases(
          Bind("moe_force_load_balancing", &R::moe_force_load_balancing,
               "on: the MoE router's logits are random, so each expert-parallel rank gets the "
               "mean load up to sampling noise (Megatron's --moe-router-force-load-balancing, "
               "which NVIDIA's published benchmark runs set); off: routing as trained, the "
               "busiest rank at training.moe_load_imbalance times the mean (default off)"),
          {"moe_router_force_load_balancing"})),
      Bind("recompute_modules", &R::recompute_modules,
           "selective recomputation per module, comma- or (as Megatron's --recompute-modules) "
           "space-separated: core_attn, mlp, moe, moe_act, layernorm, mla_up_proj, "
           "shared_experts"),
      Aliases(Bind("offload_layers", &R::offload_layers,
                   "layers per pipeline stage whose activations wait in host memory between "
                   "forward and backward, copied over the chip's host link (Megatron's "
                   "--cpu-offloading-num-layers; default 0)"),
              {"cpu_offloading_num_layers"}),
      BareIsOn(Bind("mtp", &R::mtp,
                    "on/off: train the model's multi-token-prediction layers (default on where the "
                    "stack has them)")),
      BareIsOn(
          Bind("uneven_stages", &R::uneven_stages,
               "on/off: the last pipeline stage may hold fewer layers than the others (default: "
               "the stack's, else on)")),
      Bind("emit", &R::emit,
           "also print the flags that run the chosen layout on a stack: megatron, mindspeed or "
           "torchtitan"),
      // Launch flags as Megatron-LM (MindSpeed takes the same) and DeepSpeed spell them
      // (docs/training-model.md "Flags from a launch command"): a pasted launch command means
      // the run it launches. Each is turned into the fields above, or has no effect because
      // its meaning is what the model assumes anyway; the help says which.
      Megatron(
          Bind("sequence_parallel", &R::sequence_parallel,
               "Megatron's: norms and dropout split over the tensor-parallel ranks (a Megatron "
               "line without it runs without, as Megatron does; else on wherever tp > 1); "
               "contradicts --no-sequence-parallel")),
      Megatron(
          Bind("use_distributed_optimizer", &R::use_distributed_optimizer,
               "Megatron's distributed optimizer: optimizer state and master weights sharded over "
               "data parallel, i.e. ZeRO stage 1 (--zero 1; a higher --zero given stays)")),
      // Megatron's switches, which the Hugging Face Trainer's lines give a value (--bf16 True).
      SwitchOrTrueFalse(
          Bind("bf16", &R::bf16, "Megatron's: bf16 GEMMs (--dtype bf16; with --fp8-format, FP8)")),
      SwitchOrTrueFalse(Bind("fp16", &R::fp16, "Megatron's: fp16 GEMMs (--dtype fp16)")),
      Megatron(
          Bind("fp8_format", &R::fp8_format,
               "Megatron's FP8 GEMMs through Transformer Engine, e4m3 or hybrid (--dtype fp8; the "
               "recipe as --fp8-recipe says, default delayed)")),
      Megatron(Bind("fp8_recipe", &R::fp8_recipe,
                    "Megatron's FP8 scaling with --fp8-format: delayed (--precision fp8-delayed), "
                    "tensorwise (fp8-current), mxfp8 or blockwise (fp8-blockwise); without "
                    "--fp8-format, Megatron trains in 16 bits and so does the estimate")),
      Megatron(Bind("fp8_param_gather", &R::fp8_param_gather,
                    "Megatron's FP8 weights, gathered in FP8 (--param-dtype fp8)")),
      Megatron(
          Bind("fp8_amax_history_len", &R::fp8_amax_history_len,
               "Megatron's delayed-scaling history length: no effect (the recipe's cost does not "
               "depend on it)")),
      Megatron(Bind("fp8_amax_compute_algo", &R::fp8_amax_compute_algo,
                    "Megatron's delayed-scaling amax (max or most_recent): no effect, as above")),
      Megatron(Bind("recompute_activations", &R::recompute_activations,
                    "Megatron's: selective recomputation (--recompute selective)")),
      Megatron(
          Bind("recompute_method", &R::recompute_method,
               "Megatron's full recomputation by layer: uniform (every layer, --recompute full) or "
               "block (the first --recompute-num-layers of each virtual stage recomputed, the "
               "others stored)")),
      Megatron(Bind("cross_entropy_loss_fusion", &R::cross_entropy_loss_fusion,
                    "Megatron's fused loss (with --cross-entropy-fusion-impl te: Transformer "
                    "Engine's, which keeps the logits' gradient in their bf16 buffer)")),
      Megatron(Bind("cross_entropy_fusion_impl", &R::cross_entropy_fusion_impl,
                    "Megatron's fused loss kernel: native (fp32 softmax) or te (bf16 in place)")),
      Megatron(Bind("recompute_num_layers", &R::recompute_num_layers,
                    "Megatron's layers per recomputed chunk (uniform) or per stage (block), with "
                    "--recompute-method")),
      Megatron(
          Bind("num_layers_per_virtual_pipeline_stage", &R::num_layers_per_virtual_pipeline_stage,
               "Megatron's interleaved schedule: layers per virtual stage; --interleave is the "
               "model's layers / (pp x this), so it needs --pp")),
      Bind("expert_tensor_parallel_size", &R::expert_tensor_parallel_size,
           "tensor-parallel size of the routed experts, 1 (whole experts a chip, the "
           "expert-parallel ranks neighbours) or --tp (split like the dense layers); Megatron's "
           "--expert-tensor-parallel-size (default: whole experts where ep does not divide dp, "
           "else --tp, as Megatron-Core's MoE parallel folding recipes set it)"),
      Bind("pipeline_model_parallel_layout", &R::pipeline_model_parallel_layout,
           "the layers of each virtual pipeline stage in Megatron-Core's layout string: E "
           "embedding, t decoder layer, m MTP layer, L loss, | between stages, (...)*n and x*n "
           "repeats, e.g. \"Et|(tt|)*30mL\" (needs --pp; its stages are pp x --interleave; "
           "default: the model balances the stages)"),
      Bind("decoder_first_pipeline_num_layers", &R::decoder_first_pipeline_num_layers,
           "decoder layers on the first pipeline stage, the rest split evenly over the others "
           "(Megatron's --decoder-first-pipeline-num-layers; needs --pp)"),
      Bind("decoder_last_pipeline_num_layers", &R::decoder_last_pipeline_num_layers,
           "decoder layers on the last pipeline stage, with the output head and the MTP layers "
           "(Megatron's --decoder-last-pipeline-num-layers; needs --pp)"),
      Megatron(Bind("overlap_grad_reduce", &R::overlap_grad_reduce,
                    "Megatron's: gradient reduce-scatter behind the backward (--dp-overlap on)")),
      Megatron(Bind("overlap_param_gather", &R::overlap_param_gather,
                    "Megatron's: parameter all-gather behind the forward (--dp-overlap on)")),
      Megatron(Bind("use_flash_attn", &R::use_flash_attn,
                    "Megatron's FlashAttention: --attention flash, the default")),
      Megatron(Bind("grad_reduce_in_bf16", &R::grad_reduce_in_bf16,
                    "Megatron's: gradients reduced in bf16 (--grad-reduce-dtype bf16)")),
      Megatron(Bind("use_precision_aware_optimizer", &R::use_precision_aware_optimizer,
                    "Megatron's: the optimizer keeps --main-params-dtype, --main-grads-dtype and "
                    "--exp-avg-dtype as given; no effect by itself")),
      Megatron(
          Bind("cpu_offloading", &R::cpu_offloading,
               "Megatron's activation offloading, of --cpu-offloading-num-layers layers per stage "
               "(none without it, as in Megatron)")),
      Megatron(Bind(
          "moe_grouped_gemm", &R::moe_grouped_gemm,
          "Megatron's grouped GEMM for a chip's routed experts: how the model runs them anyway")),
      Megatron(
          Bind("moe_token_dispatcher_type", &R::moe_token_dispatcher_type,
               "Megatron's MoE token dispatcher: alltoall or flex (DeepEP), the expert-parallel "
               "all-to-all the model prices (MindSpeed's alltoall_seq too); allgather means --ep 1 "
               "(no expert-parallel exchange)")),
      Megatron(Bind("attention_backend", &R::attention_backend,
                    "Megatron's attention kernel: flash, fused, cudnn or auto are --attention "
                    "flash; unfused and local are --attention unfused")),
      Megatron(Bind("use_megatron_fsdp", &R::use_megatron_fsdp,
                    "Megatron-FSDP: data parallel shards as --data-parallel-sharding-strategy "
                    "says, by default parameters, gradients and optimizer state (--zero 3)")),
      Megatron(Bind("data_parallel_sharding_strategy", &R::data_parallel_sharding_strategy,
                    "Megatron-FSDP's sharding with --use-megatron-fsdp: no_shard, optim, "
                    "optim_grads or optim_grads_params (--zero 0, 1, 2, 3)")),
      Bind("gradient_accumulation_steps", &R::gradient_accumulation_steps,
           "DeepSpeed's micro-batches per step: the global batch is --micro-batch x this x dp, "
           "dp being --dp or count / (tp x pp x cp), sizes not given 1 (needs --micro-batch)"),
      // The run's length as Megatron gives it (instead of --tokens).
      Megatron(Bind("train_samples", &R::train_samples,
                    "Megatron's run length in sequences: --tokens is this x --seq-len (the model's "
                    "default where not given); --tokens given too must agree within one sequence")),
      Megatron(Bind("train_iters", &R::train_iters,
                    "Megatron's run length in optimizer steps: --tokens is this x "
                    "--global-batch-size x --seq-len (needs the global batch); --tokens given too "
                    "must agree within one step")),
      // The Hugging Face Trainer's and NeMo's (trainer.max_steps) spelling: the same length,
      // but a flag other launchers have too, so not a mark of a Megatron line.
      Bind("max_steps", &R::max_steps,
           "the run length in optimizer steps as the Hugging Face Trainer and NeMo spell it (as "
           "--train-iters, without making the line Megatron's)"),
      // Megatron's model-shape flags, as --emit megatron prints them: checks against the
      // catalog model (--model), an error naming the flag where they differ.
      ShapeCheck(Bind("num_layers", &R::num_layers, "")),
      ShapeCheck(Bind("hidden_size", &R::hidden_size, "")),
      ShapeCheck(Bind("num_attention_heads", &R::num_attention_heads, "")),
      ShapeCheck(Bind("num_query_groups", &R::num_query_groups, "")),
      ShapeCheck(Bind("ffn_hidden_size", &R::ffn_hidden_size, "")),
      ShapeCheck(Bind("kv_channels", &R::kv_channels, "")),
      ShapeCheck(Bind("max_position_embeddings", &R::max_position_embeddings,
                      "at least --seq-len, as Megatron asserts")),
      ShapeCheck(Bind("num_experts", &R::num_experts, "")),
      ShapeCheck(Bind("moe_router_topk", &R::moe_router_topk, "")),
      // MindSpeed-LLM's scripts spell it --moe-intermediate-size (S3750).
      Aliases(ShapeCheck(Bind("moe_ffn_hidden_size", &R::moe_ffn_hidden_size, "")),
              {"moe_intermediate_size"}),
      ShapeCheck(
          Bind("moe_shared_expert_intermediate_size", &R::moe_shared_expert_intermediate_size, "")),
      ShapeCheck(Bind("moe_layer_freq", &R::moe_layer_freq,
                      "1, every k-th layer (k), or a pattern such as ([0]*3+[1]*58)")),
      Megatron(Bind("noop_layers", &R::noop_layers,
                    "MindSpeed-LLM's no-op layers, comma-separated layer numbers (61,62,63): "
                    "identity layers that pad --num-layers to a multiple of the pipeline's "
                    "stages; the model's layers are --num-layers less these, and "
                    "--num-layers-per-virtual-pipeline-stage splits the padded count")),
      ShapeCheck(Bind("first_k_dense_replace", &R::first_k_dense_replace,
                      "MindSpeed-LLM's: the first k layers dense, experts on the later layers "
                      "that --moe-layer-freq picks (-1: none dense)")),
      ShapeCheck(Bind("q_lora_rank", &R::q_lora_rank, "")),
      ShapeCheck(Bind("kv_lora_rank", &R::kv_lora_rank, "")),
      ShapeCheck(Bind("qk_head_dim", &R::qk_head_dim, "")),
      ShapeCheck(Bind("qk_pos_emb_head_dim", &R::qk_pos_emb_head_dim, "")),
      ShapeCheck(Bind("v_head_dim", &R::v_head_dim, "")),
      ShapeCheck(Bind("mtp_num_layers", &R::mtp_num_layers,
                      "the model's MTP layers; also --mtp on (0: --mtp off)")),
      ShapeCheck(Bind("multi_latent_attention", &R::multi_latent_attention, "")),
      ShapeCheck(Bind("swiglu", &R::swiglu, "")),
      ShapeCheck(
          Bind("untie_embeddings_and_output_weights", &R::untie_embeddings_and_output_weights, "")),
      Megatron(
          Bind("group_query_attention", &R::group_query_attention,
               "Megatron's switch for --num-query-groups, which is checked against the model")),
      // Megatron flags of the optimizer, data, checkpoints, logging and fused kernels: accepted
      // so a launch script pastes whole, without effect on the estimate.
      Megatron(LaunchOnly<R>("use_mcore_models", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("use_legacy_models", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("disable_bias_linear", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("use_rotary_position_embeddings", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("no_masked_softmax_fusion", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("no_bias_gelu_fusion", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("no_bias_swiglu_fusion", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("no_bias_dropout_fusion", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("no_rope_fusion", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("no_gradient_accumulation_fusion", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("attention_softmax_in_fp32", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("accumulate_allreduce_grads_in_fp32", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("moe_permute_fusion", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("log_throughput", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("manual_gc", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("no_load_optim", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("no_load_rng", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("use_dist_ckpt", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("async_save", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("lr", FieldKind::kString)),
      Megatron(LaunchOnly<R>("min_lr", FieldKind::kString)),
      Megatron(LaunchOnly<R>("lr_decay_style", FieldKind::kString)),
      Megatron(LaunchOnly<R>("lr_warmup_iters", FieldKind::kString)),
      Megatron(LaunchOnly<R>("lr_warmup_samples", FieldKind::kString)),
      Megatron(LaunchOnly<R>("lr_warmup_fraction", FieldKind::kString)),
      Megatron(LaunchOnly<R>("lr_decay_iters", FieldKind::kString)),
      Megatron(LaunchOnly<R>("lr_decay_samples", FieldKind::kString)),
      Megatron(LaunchOnly<R>("weight_decay", FieldKind::kString)),
      Megatron(LaunchOnly<R>("clip_grad", FieldKind::kString)),
      Megatron(LaunchOnly<R>("adam_beta1", FieldKind::kString)),
      Megatron(LaunchOnly<R>("adam_beta2", FieldKind::kString)),
      Megatron(LaunchOnly<R>("adam_eps", FieldKind::kString)),
      Megatron(LaunchOnly<R>("init_method_std", FieldKind::kString)),
      Megatron(LaunchOnly<R>("attention_dropout", FieldKind::kString)),
      Megatron(LaunchOnly<R>("hidden_dropout", FieldKind::kString)),
      Megatron(LaunchOnly<R>("normalization", FieldKind::kString)),
      Megatron(LaunchOnly<R>("norm_epsilon", FieldKind::kString)),
      Megatron(LaunchOnly<R>("position_embedding_type", FieldKind::kString)),
      Megatron(LaunchOnly<R>("rotary_base", FieldKind::kString)),
      Megatron(LaunchOnly<R>("make_vocab_size_divisible_by", FieldKind::kString)),
      Megatron(LaunchOnly<R>("tokenizer_type", FieldKind::kString)),
      Megatron(Bind("tokenizer_model", &R::tokenizer_model,
                    "Megatron's tokenizer: with HuggingFaceTokenizer, the model's Hugging Face "
                    "repository or folder (the model trained where --model is not given)")),
      Megatron(LaunchOnly<R>("vocab_file", FieldKind::kString)),
      Megatron(LaunchOnly<R>("merge_file", FieldKind::kString)),
      // torchrun's own flags (Megatron's examples launch with them): where the ranks run, not
      // what they compute; --nnodes x --nproc_per_node is the job's chips where --count is not
      // given (and must equal it where it is).
      // DeepSpeed's launcher spells them --num_gpus and --num_nodes.
      Aliases(InGroup(NumberAsText(Bind(
                          "nproc_per_node", &R::torchrun_nproc_per_node,
                          "torchrun's processes (GPUs) per node: with --nnodes the job's chips "
                          "when --count is not given")),
                      kLaunchOnlyGroup),
              {"num_gpus"}),
      Aliases(InGroup(NumberAsText(Bind(
                          "nnodes", &R::torchrun_nnodes,
                          "torchrun's nodes (N, or MIN:MAX with MIN = MAX): with --nproc_per_node "
                          "the job's chips when --count is not given")),
                      kLaunchOnlyGroup),
              {"num_nodes"}),
      LaunchOnly<R>("node_rank", FieldKind::kString),
      // The environment a pasted launch line sets before torchrun (CUDA_DEVICE_MAX_CONNECTIONS=1
      // as Megatron's scripts export it): accepted.
      Bind("env", &R::env,
           "environment variables a pasted launch line sets (NAME=VALUE; the CLI takes them "
           "from the line): under torchtitan's run_train.sh (the word run_train.sh, which the "
           "CLI adds for the script) CONFIG_FILE is --job.config_file, MODULE and CONFIG its "
           "--module and --config, NGPU the GPUs of its one node (default 8); others accepted"),
      Bind("override", &R::overrides,
           "NeMo's Hydra overrides, KEY=VALUE as its launch line gives them (pasted after "
           "`train`, trainer.max_steps=1000 is --override trainer.max_steps=1000): "
           "trainer.max_steps, trainer.num_nodes, trainer.devices, trainer.precision and the "
           "model's (or NeMo 2's trainer.strategy and data) parallel sizes, batch sizes and "
           "sequence length are read; the rest (data, optimizer, logging) are listed as not read"),
      Aliases(Bind("nemo_factory", &R::nemo_factory,
                   "NeMo 2's recipe, as `nemo llm pretrain --factory NAME` names it: llama3_8b or "
                   "llama3_70b (NAME(num_nodes=N, num_gpus_per_node=G) too), its parallel sizes, "
                   "batch, sequence length, steps and chips, under the overrides given with it"),
              {"factory"}),
      // Hydra's own flags on a NeMo launch line: which YAML the overrides apply to.
      LaunchOnly<R>("config_path", FieldKind::kString),
      LaunchOnly<R>("config_name", FieldKind::kString),
      LaunchOnly<R>("master_addr", FieldKind::kString),
      LaunchOnly<R>("master_port", FieldKind::kString),
      LaunchOnly<R>("rdzv_backend", FieldKind::kString),
      LaunchOnly<R>("rdzv_endpoint", FieldKind::kString),
      LaunchOnly<R>("rdzv_id", FieldKind::kString),
      LaunchOnly<R>("standalone", FieldKind::kBool),
      // DeepSpeed's launcher (its --num_gpus and --num_nodes are the two above) and the
      // training script's switch.
      LaunchOnly<R>("hostfile", FieldKind::kString),
      LaunchOnly<R>("include", FieldKind::kString),
      LaunchOnly<R>("exclude", FieldKind::kString),
      LaunchOnly<R>("launcher", FieldKind::kString),
      DeepSpeedSwitchOrFile(),
      Bind("deepspeed_config", &R::deepspeed_config,
           "DeepSpeed's JSON config (--deepspeed_config): train_batch_size, "
           "train_micro_batch_size_per_gpu, gradient_accumulation_steps, "
           "zero_optimization.stage and overlap_comm, bf16/fp16 enabled are read (a flag that "
           "contradicts one is an error); \"auto\" (the Hugging Face Trainer's) leaves a key to "
           "the flags; other keys are listed as not read"),
      // The Hugging Face Trainer's arguments (TrainingArguments, S3672) a fine-tuning line gives
      // beside the batch, length and DeepSpeed ones above: where it writes, the optimizer's
      // schedule, logging, evaluation, data. --gradient_checkpointing is full recomputation.
      HfSwitch(
          InGroup(Trainer(Bind("gradient_checkpointing", &R::recompute,
                               "the Hugging Face Trainer's --gradient_checkpointing: every layer "
                               "recomputed in the backward (--recompute full)")),
                  kLaunchOnlyGroup),
          "full"),
      InGroup(Trainer(Bind("fsdp", &R::fsdp,
                           "the Hugging Face Trainer's --fsdp options: full_shard (ZeRO 3), "
                           "shard_grad_op (ZeRO 2), hybrid_shard, hybrid_shard_zero2 (the same "
                           "within a node), no_shard, auto_wrap; without it (and without "
                           "--deepspeed) the Trainer runs PyTorch DDP (ZeRO 0)")),
              kLaunchOnlyGroup),
      Trainer(LaunchOnly<R>("fsdp_config", FieldKind::kString)),
      InGroup(Bind("script", &R::script,
                   "the script a pasted launch line runs (`torchrun ... pretrain_gpt.py`): "
                   "Megatron-Bridge's example recipe scripts and setup_experiment.py are refused "
                   "naming what they leave unread; others are accepted"),
              kLaunchOnlyGroup),
      // Megatron-Bridge's performance launcher's own flags (scripts/performance/
      // setup_experiment.py): accepted so its line reaches the refusal that names it.
      LaunchOnly<R>("model_size", FieldKind::kString),
      LaunchOnly<R>("compute_dtype", FieldKind::kString),
      LaunchOnly<R>("gpu", FieldKind::kString),
      LaunchOnly<R>("gpus_per_node", FieldKind::kString),
      LaunchOnly<R>("account", FieldKind::kString),
      LaunchOnly<R>("partition", FieldKind::kString),
      LaunchOnly<R>("time_limit", FieldKind::kString),
      LaunchOnly<R>("container_image", FieldKind::kString),
      Trainer(LaunchOnly<R>("output_dir", FieldKind::kString)),
      // TrainingArguments' switches, written bare (`--do_train --do_eval`, run_clm.py's README)
      // or with a value (--do_train True): HfArgumentParser takes both (S3672).
      Trainer(BareIsTrue(LaunchOnly<R>("overwrite_output_dir", FieldKind::kString))),
      Trainer(BareIsTrue(LaunchOnly<R>("do_train", FieldKind::kString))),
      Trainer(BareIsTrue(LaunchOnly<R>("do_eval", FieldKind::kString))),
      Trainer(BareIsTrue(LaunchOnly<R>("do_predict", FieldKind::kString))),
      Trainer(BareIsTrue(LaunchOnly<R>("push_to_hub", FieldKind::kString))),
      // run_clm.py's DataTrainingArguments (S4661): the dataset's configuration name.
      LaunchOnly<R>("dataset_config_name", FieldKind::kString),
      LaunchOnly<R>("learning_rate", FieldKind::kString),
      Trainer(LaunchOnly<R>("warmup_ratio", FieldKind::kString)),
      LaunchOnly<R>("warmup_steps", FieldKind::kString),
      Trainer(LaunchOnly<R>("lr_scheduler_type", FieldKind::kString)),
      Trainer(LaunchOnly<R>("num_train_epochs", FieldKind::kString)),
      Trainer(LaunchOnly<R>("logging_steps", FieldKind::kString)),
      LaunchOnly<R>("logging_dir", FieldKind::kString),
      LaunchOnly<R>("save_steps", FieldKind::kString),
      Trainer(LaunchOnly<R>("save_strategy", FieldKind::kString)),
      Trainer(LaunchOnly<R>("save_total_limit", FieldKind::kString)),
      Trainer(LaunchOnly<R>("eval_strategy", FieldKind::kString)),
      Trainer(LaunchOnly<R>("evaluation_strategy", FieldKind::kString)),
      Trainer(LaunchOnly<R>("per_device_eval_batch_size", FieldKind::kString)),
      Trainer(LaunchOnly<R>("report_to", FieldKind::kString)),
      LaunchOnly<R>("run_name", FieldKind::kString),
      LaunchOnly<R>("dataset_name", FieldKind::kString),
      LaunchOnly<R>("dataset", FieldKind::kString),
      LaunchOnly<R>("template", FieldKind::kString),
      LaunchOnly<R>("stage", FieldKind::kString),
      Aliases(Bind("finetuning_type", &R::finetuning_type,
                   "the fine-tuning method (LLaMA-Factory's --finetuning_type): full (every "
                   "weight trained), lora (frozen base weights, rank-r adapters trained: no "
                   "weight gradients, master weights or Adam state for the base) or qlora (lora "
                   "on a 4-bit NF4 base); freeze and oft are refused. Unset: full, or lora when "
                   "a LoRA field is given or the line is llamafactory-cli's (its default)"),
              {"peft_type"}),
      Aliases(Bind("lora_rank", &R::lora_rank,
                   "a LoRA adapter's rank r (r x (d_in + d_out) parameters a matrix); "
                   "default 8 (LLaMA-Factory's lora_rank, PEFT's r); implies lora"),
              {"lora_r", "lora_dim"}),
      Aliases(Bind("lora_target", &R::lora_target,
                   "the modules LoRA adapts: q_proj, k_proj, v_proj, o_proj, gate_proj, "
                   "up_proj, down_proj, Megatron's linear_qkv, linear_proj, linear_fc1, "
                   "linear_fc2, or all (every linear layer but the output head; "
                   "LLaMA-Factory's default); comma- or space-separated; implies lora"),
              {"lora_target_modules", "target_modules"}),
      Bind("quantization_bit", &R::quantization_bit,
           "bits of the frozen base weights under LoRA (LLaMA-Factory's "
           "--quantization_bit): 4 (QLoRA's NF4 with double-quantized constants, "
           "4.127 bits) or 8; implies lora"),
      Bind("llamafactory_config", &R::llamafactory_config,
           "LLaMA-Factory's training YAML, as `llamafactory-cli train FILE.yaml` names it: its "
           "keys are read as the fields of the same names (finetuning_type, lora_rank, "
           "lora_target, quantization_bit, cutoff_len, per_device_train_batch_size, "
           "gradient_accumulation_steps, deepspeed, ...); keys the estimate does not price "
           "(dataset, learning rate, output) are listed as not read"),
      Bind("llamafactory_override", &R::llamafactory_override,
           "KEY=VALUE arguments after LLaMA-Factory's YAML (`llamafactory-cli train FILE.yaml "
           "lora_rank=16`): each sets the field of that name over the file's"),
      Bind("disable_gradient_checkpointing", &R::disable_gradient_checkpointing,
           "LLaMA-Factory's switch: its lines recompute every layer (gradient checkpointing, "
           "on by default) unless it is given; then the recomputation is searched"),
      LaunchOnly<R>("lora_alpha", FieldKind::kString),
      LaunchOnly<R>("lora_dropout", FieldKind::kString),
      LaunchOnly<R>("lora_fusion", FieldKind::kBool),
      LaunchOnly<R>("quantization_method", FieldKind::kString),
      LaunchOnly<R>("double_quantization", FieldKind::kString),
      Bind("launched_by", &R::launched_by,
           "the program a pasted training line runs, set from its first words (`python3 -m "
           "torchtitan.train`, `llamafactory-cli train`); an RL trainer (`python3 -m "
           "verl.trainer.main_ppo`, OpenRLHF's train_ppo_ray) is refused: the model prices "
           "pre-training and supervised fine-tuning steps, not rollouts"),
      LaunchOnly<R>("dataloader_num_workers", FieldKind::kString),
      LaunchOnly<R>("tf32", FieldKind::kString),
      LaunchOnly<R>("torch_dtype", FieldKind::kString),
      LaunchOnly<R>("ddp_timeout", FieldKind::kString),
      LaunchOnly<R>("packing", FieldKind::kString),
      LaunchOnly<R>("use_liger_kernel", FieldKind::kString),
      // Hugging Face Accelerate's launcher (`accelerate launch`, S3673): --num_processes is
      // every machine's processes, one a GPU; the rest say where the ranks meet. Its config
      // file (--config_file) is read where the line's flags leave a value (Engine::Train).
      InGroup(NumberAsText(Bind("num_processes", &R::accelerate_num_processes,
                                "Accelerate's --num_processes, every machine's GPUs: the job's "
                                "chips when --count is not given")),
              kLaunchOnlyGroup),
      AccelerateMixedPrecision(),
      LaunchOnly<R>("num_machines", FieldKind::kString),
      LaunchOnly<R>("machine_rank", FieldKind::kString),
      LaunchOnly<R>("main_process_ip", FieldKind::kString),
      LaunchOnly<R>("main_process_port", FieldKind::kString),
      LaunchOnly<R>("multi_gpu", FieldKind::kBool),
      [] {
        // Accelerate's config (`accelerate config`'s YAML): its distributed type (DDP, FSDP,
        // DeepSpeed), precision and processes are the run's (internal::ReadAccelerateConfig).
        // TRL's CLI takes it as --accelerate_config, a file or the name of one it ships (zero1,
        // zero2, zero3, fsdp1, fsdp2, multi_gpu, single_gpu: docs/source/clis.md, S4710).
        Field<R> f = LaunchOnly<R>("config_file", FieldKind::kString);
        f.aliases = {"accelerate_config"};
        f.set = [set = std::move(f.set)](R& r, const FieldValue& v) -> Result<void> {
          if (auto ok = set(r, v); !ok) return ok;
          r.accelerate_config = true;
          r.accelerate_config_name = *detail::AsString(v, "config_file");
          return {};
        };
        return f;
      }(),
      LaunchOnly<R>("local_ranks_filter", FieldKind::kString),
      LaunchOnly<R>("role", FieldKind::kString),
      LaunchOnly<R>("tee", FieldKind::kString),
      LaunchOnly<R>("max_restarts", FieldKind::kString),
      LaunchOnly<R>("rdzv_conf", FieldKind::kString),
      LaunchOnly<R>("log_dir", FieldKind::kString),
      LaunchOnly<R>("redirects", FieldKind::kString),
      LaunchOnly<R>("monitor_interval", FieldKind::kString),
      LaunchOnly<R>("start_method", FieldKind::kString),
      Megatron(LaunchOnly<R>("data_path", FieldKind::kList)),
      Megatron(LaunchOnly<R>("data_cache_path", FieldKind::kString)),
      Megatron(LaunchOnly<R>("split", FieldKind::kString)),
      Megatron(LaunchOnly<R>("save", FieldKind::kString)),
      Megatron(LaunchOnly<R>("load", FieldKind::kString)),
      Megatron(LaunchOnly<R>("save_interval", FieldKind::kString)),
      Megatron(LaunchOnly<R>("eval_interval", FieldKind::kString)),
      Megatron(LaunchOnly<R>("eval_iters", FieldKind::kString)),
      Megatron(LaunchOnly<R>("log_interval", FieldKind::kString)),
      Megatron(LaunchOnly<R>("tensorboard_dir", FieldKind::kString)),
      Megatron(LaunchOnly<R>("wandb_project", FieldKind::kString)),
      Megatron(LaunchOnly<R>("wandb_exp_name", FieldKind::kString)),
      Megatron(LaunchOnly<R>("distributed_backend", FieldKind::kString)),
      Megatron(LaunchOnly<R>("distributed_timeout_minutes", FieldKind::kString)),
      Megatron(LaunchOnly<R>("transformer_impl", FieldKind::kString)),
      Megatron(LaunchOnly<R>("ckpt_format", FieldKind::kString)),
      Megatron(LaunchOnly<R>("num_workers", FieldKind::kString)),
      Megatron(LaunchOnly<R>("moe_aux_loss_coeff", FieldKind::kString)),
      Megatron(LaunchOnly<R>("moe_z_loss_coeff", FieldKind::kString)),
      Megatron(LaunchOnly<R>("moe_router_load_balancing_type", FieldKind::kString)),
      // More of Megatron's (examples/llama, examples/megatron_fsdp) and MindSpeed-LLM's flags:
      // kernels, routing details, logging, checkpoints, the batch ramp-up (the estimate is of
      // the steady state), data and tokenizer; MindSpeed's --context-parallel-algo with cp 1.
      Megatron(LaunchOnly<R>("apply_layernorm_1p", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("calculate_per_token_loss", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("mock_data", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("no_create_attention_mask_in_dataloader", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("no_mmap_bin_files", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("profile", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("no_position_embedding", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("no_check_for_nan_in_loss_and_grad", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("qk_layernorm", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("moe_router_pre_softmax", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("moe_router_enable_expert_bias", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("auto_detect_ckpt_format", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("log_timers_to_tensorboard", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("log_memory_to_tensorboard", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("log_num_zeros_in_grad", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("log_params_norm", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("log_validation_ppl_to_tensorboard", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("enable_experimental", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("init_model_with_meta_device", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("fsdp_double_buffer", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("use_nccl_ub", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("norm_topk_prob", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("moe_permutation_async_comm", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("use_fused_rotary_pos_emb", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("use_fused_swiglu", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("use_fused_rmsnorm", FieldKind::kBool)),
      // MindSpeed-LLM's Ascend kernels and overlaps (S3750's Qwen3-235B A3 script): MC2
      // (matmul fused with the tensor-parallel collective; the mindspeed stack's
      // tp_comm_overlap), the all-to-all overlapped inside a MoE layer, the fused token
      // permute, and fp32 master weights sharing the bf16 weights' memory.
      Megatron(LaunchOnly<R>("use_mc2", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("moe_alltoall_overlap_comm", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("use_fused_moe_token_permute_and_unpermute", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("reuse_fp32_param", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("gemm_gradient_accumulation_fusion", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("no_shared_storage", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("enable_hf2mg_convert", FieldKind::kBool)),
      Megatron(LaunchOnly<R>("step_batch_size_schedule", FieldKind::kString)),
      Megatron(LaunchOnly<R>("rotary_percent", FieldKind::kString)),
      Megatron(LaunchOnly<R>("decoupled_lr", FieldKind::kString)),
      Megatron(LaunchOnly<R>("decoupled_min_lr", FieldKind::kString)),
      Megatron(LaunchOnly<R>("empty_unused_memory_level", FieldKind::kString)),
      Megatron(LaunchOnly<R>("exit_duration_in_mins", FieldKind::kString)),
      Megatron(Bind("vocab_size", &R::vocab_size,
                    "Megatron's vocabulary: where the line names no model, the catalog model of "
                    "its shape with this vocabulary")),
      Megatron(LaunchOnly<R>("tiktoken_pattern", FieldKind::kString)),
      Megatron(LaunchOnly<R>("profile_step_start", FieldKind::kString)),
      Megatron(LaunchOnly<R>("profile_step_end", FieldKind::kString)),
      Megatron(LaunchOnly<R>("manual_gc_interval", FieldKind::kString)),
      Megatron(LaunchOnly<R>("lr_warmup_init", FieldKind::kString)),
      Megatron(LaunchOnly<R>("moe_flex_dispatcher_backend", FieldKind::kString)),
      Megatron(LaunchOnly<R>("moe_router_group_topk", FieldKind::kString)),
      Megatron(LaunchOnly<R>("moe_router_num_groups", FieldKind::kString)),
      Megatron(LaunchOnly<R>("moe_router_topk_scaling_factor", FieldKind::kString)),
      Megatron(LaunchOnly<R>("moe_router_score_function", FieldKind::kString)),
      Megatron(LaunchOnly<R>("moe_router_bias_update_rate", FieldKind::kString)),
      Megatron(LaunchOnly<R>("moe_router_dtype", FieldKind::kString)),
      Megatron(LaunchOnly<R>("rotary_scaling_factor", FieldKind::kString)),
      Megatron(LaunchOnly<R>("mscale", FieldKind::kString)),
      Megatron(LaunchOnly<R>("mscale_all_dim", FieldKind::kString)),
      Megatron(LaunchOnly<R>("mtp_loss_scaling_factor", FieldKind::kString)),
      Megatron(LaunchOnly<R>("dist_ckpt_strictness", FieldKind::kString)),
      Megatron(LaunchOnly<R>("logging_level", FieldKind::kString)),
      Megatron(LaunchOnly<R>("seed", FieldKind::kString)),
      Megatron(LaunchOnly<R>("initial_loss_scale", FieldKind::kString)),
      Megatron(Bind("tokenizer_name_or_path", &R::tokenizer_model,
                    "MindSpeed-LLM's tokenizer: the model's Hugging Face folder (the model trained "
                    "where --model is not given)")),
      Megatron(LaunchOnly<R>("padded_vocab_size", FieldKind::kString)),
      Megatron(LaunchOnly<R>("handler_name", FieldKind::kString)),
      Megatron(LaunchOnly<R>("context_parallel_algo", FieldKind::kString)),
      Megatron(LaunchOnly<R>("model_type_hf", FieldKind::kString)),
      Megatron(LaunchOnly<R>("rampup_batch_size", FieldKind::kList)),
      Megatron(LaunchOnly<R>("spec", FieldKind::kList)),
      // torchtitan's job config (docs/training-model.md "torchtitan's job config"): its TOML
      // file, and each of its keys as torchtitan's --section.key flag (over the file's, as
      // torchtitan's command line is).
      Aliases(Bind("job_config_file", &R::job_config_file,
                   "torchtitan's job config (TOML): [parallelism], [training], [model], "
                   "[activation_checkpoint] and [float8] keys as the flags below; other keys "
                   "(optimizer, data, checkpointing, logging) leave the estimate as it is"),
              {"job.config_file"}),
      Aliases(Bind("data_parallel_shard_degree", &R::titan_dp_shard,
                   "torchtitan's FSDP degree (--dp, ZeRO 3); -1: the chips left over"),
              {"parallelism.data_parallel_shard_degree"}),
      Aliases(Bind("data_parallel_replicate_degree", &R::titan_dp_replicate,
                   "torchtitan's replicated data parallel (HSDP/DDP): 1 only, else refused"),
              {"parallelism.data_parallel_replicate_degree"}),
      Aliases(Bind("pipeline_parallel_schedule", &R::titan_pp_schedule,
                   "torchtitan's schedule: 1F1B, Interleaved1F1B (with "
                   "parallelism.pipeline_parallel_layers_per_stage), GPipe, ..."),
              {"parallelism.pipeline_parallel_schedule"}),
      Aliases(Bind("pipeline_parallel_microbatch_size", &R::titan_pp_microbatch_size,
                   "torchtitan's micro-batch under pipeline parallelism (--micro-batch)"),
              {"parallelism.pipeline_parallel_microbatch_size"}),
      Aliases(Bind("pipeline_parallel_layers_per_stage", &R::titan_pp_layers_per_stage,
                   "torchtitan's layers per virtual stage: --interleave is layers / (pp x this)"),
              {"parallelism.pipeline_parallel_layers_per_stage"}),
      Aliases(
          Bind("local_batch_size", &R::titan_local_batch_size,
               "torchtitan's sequences per data-parallel rank and step: the micro-batch without "
               "pipeline parallelism; the global batch is this x dp where not given"),
          {"training.local_batch_size"}),
      Aliases(TypedSteps(Bind("training_steps", &R::titan_steps,
                              "torchtitan's optimizer steps: --tokens is this x the global batch "
                              "x seq_len (a config's steps yield to --tokens; these must agree)")),
              {"training.steps"}),
      Aliases(Bind("mixed_precision_param", &R::titan_mixed_precision_param,
                   "torchtitan's FSDP compute dtype: bfloat16 (--dtype bf16)"),
              {"training.mixed_precision_param"}),
      Aliases(Bind("mixed_precision_reduce", &R::titan_mixed_precision_reduce,
                   "torchtitan's gradient reduction: float32 or bfloat16 (--grad-reduce-dtype)"),
              {"training.mixed_precision_reduce"}),
      Aliases(Bind("model_name", &R::titan_model_name,
                   "torchtitan's model family (llama3, deepseek_v3, qwen3, ...): checked with the "
                   "flavor against --model"),
              {"model.name", "module"}),
      TitanConfig(),
      Aliases(
          Bind("model_flavor", &R::titan_flavor,
               "torchtitan's model size (8B, 70B, 405B, 16B, 671B, ...): must be --model's size"),
          {"model.flavor"}),
      Aliases(Bind("model_converters", &R::titan_converters,
                   "torchtitan's model converters: float8 (--precision fp8-current, torchao "
                   "tensorwise), mx (mxfp8)"),
              {"model.converters"}),
      Aliases(Bind("activation_checkpoint_mode", &R::titan_ac_mode,
                   "torchtitan's activation checkpointing: none, selective or full (--recompute)"),
              {"activation_checkpoint.mode"}),
      Aliases(Bind("selective_ac_option", &R::titan_sac_option,
                   "torchtitan's selective checkpointing: op (per op) or N (every Nth layer "
                   "recomputed whole, the rest stored; torchtitan's default 2)"),
              {"activation_checkpoint.selective_ac_option"}),
      Aliases(Bind("enable_fsdp_float8_all_gather", &R::titan_fp8_all_gather,
                   "torchtitan's FP8 weights gathered by FSDP (--param-dtype fp8)"),
              {"float8.enable_fsdp_float8_all_gather"}),
      Aliases(Bind("float8_recipe_name", &R::titan_float8_recipe,
                   "torchtitan's float8 recipe: tensorwise (the default), rowwise"),
              {"float8.recipe_name"}),
  };
  return fields;
}

void ListNotModelled(InferRequest& r, const std::string& flag) {
  auto& list = r.flags_not_modelled;
  const auto at = std::lower_bound(list.begin(), list.end(), flag);
  if (at == list.end() || *at != flag) list.insert(at, flag);
}

namespace {
// A field that also records that it was given (under any of its names).
Field<InferRequest> Given(Field<InferRequest> f, bool InferRequest::*given) {
  f.set = [set = f.set, given](InferRequest& r, const FieldValue& v) -> Result<void> {
    if (auto ok = set(r, v); !ok) return ok;
    r.*given = true;
    return {};
  };
  return f;
}

// The environment a pasted command sets before its launcher (`VLLM_USE_DEEP_GEMM=1 vllm serve
// ...`, as vLLM's recipes write it): each variable is a kernel or runtime switch the estimate does
// not price, listed with the answer by name.
Field<InferRequest> Environment() {
  Field<InferRequest> f;
  f.name = "env";
  f.kind = FieldKind::kList;
  f.help =
      "environment variables a pasted command sets before its launcher (NAME=VALUE): accepted and "
      "listed as not modelled";
  f.group = kNotModelledGroup;
  f.set = [](InferRequest& r, const FieldValue& v) -> Result<void> {
    auto items = detail::AsList(v, "env");
    if (!items) return tl::unexpected(items.error());
    for (const auto& item : *items) {
      const size_t eq = item.find('=');
      // ASCEND_RT_VISIBLE_DEVICES=0,1,2,3 arrives split at its commas: only NAME=... names one.
      if (eq == std::string::npos || eq == 0) continue;
      ListNotModelled(r, item.substr(0, eq));
    }
    return {};
  };
  return f;
}

// One side of a prefill/decode disaggregated deployment named by a serve flag: its output is the
// pair's, so every such flag gives the same way out.
Result<void> OneSideOfAPair(const InferRequest& r, const std::string& subject, const char* field) {
  return MakeError(fmt::format("{}, whose output is the pair's: give {} (with {} for both sides) "
                               "to size the prefill and decode instances together",
                               subject, FlagAsTyped(r.typed_as, "disaggregate"),
                               FlagAsTyped(r.typed_as, "count")),
                   "", 0, field);
}

// SGLang's --disaggregation-mode prefill|decode (and its transfer flags): one side of a
// prefill/decode disaggregated deployment. Its throughput is the pair's, which one side's command
// does not give (the other side's size and chips): an error saying how to ask for the pair
// (--disaggregate), not an unknown flag. `null` (SGLang's default) is an ordinary server.
Field<InferRequest> DisaggregationMode() {
  Field<InferRequest> f;
  f.name = "disaggregation_mode";
  f.kind = FieldKind::kString;
  f.help =
      "SGLang's --disaggregation-mode: null (an ordinary server); prefill or decode is one side "
      "of a disaggregated deployment, whose output the pair makes: an error, give --disaggregate "
      "to size both sides on the chips";
  f.group = kNotModelledGroup;
  f.set = [](InferRequest& r, const FieldValue& v) -> Result<void> {
    auto mode = detail::AsString(v, "disaggregation_mode");
    if (!mode) return tl::unexpected(mode.error());
    if (*mode == "null" || mode->empty()) return {};
    if (*mode != "prefill" && *mode != "decode") {
      return MakeError("expected null, prefill or decode (SGLang's choices)", "", 0,
                       "disaggregation_mode");
    }
    return OneSideOfAPair(r, *mode + " is one side of a prefill/decode disaggregated deployment",
                          "disaggregation_mode");
  };
  return f;
}

// vLLM's --kv-transfer-config (a JSON KVTransferConfig): a KV connector. The transfer connectors
// serve vLLM's disaggregated prefilling (its NixlConnector guide, S3670: "a KV cache transfer
// connector for vLLM's disaggregated prefilling feature"; llm-d's prefill and decode pods run it
// with kv_role kv_both), as does any connector given a producer or consumer role: one side of a
// prefill/decode pair, whose output is the pair's, so the error says to give --disaggregate as
// SGLang's --disaggregation-mode does. An offloading connector (OffloadingConnector,
// SimpleCPUOffloadConnector, LMCache with kv_both) keeps one aggregated server and a host KV tier:
// accepted and listed as not modelled (a host tier is --kv-host-gib).
Field<InferRequest> KvTransferConfig() {
  Field<InferRequest> f;
  f.name = "kv_transfer_config";
  f.kind = FieldKind::kString;
  f.help =
      "vLLM's --kv-transfer-config JSON: a transfer connector (NixlConnector, P2pNcclConnector, "
      "MooncakeConnector) or a kv_producer / kv_consumer role is one side of a prefill/decode "
      "disaggregated deployment: an error, give --disaggregate to size both sides; an offloading "
      "connector is accepted and not modelled (a host KV tier is --kv-host-gib)";
  f.group = kNotModelledGroup;
  f.set = [](InferRequest& r, const FieldValue& v) -> Result<void> {
    auto text = detail::AsString(v, "kv_transfer_config");
    if (!text) return tl::unexpected(text.error());
    const auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      Error e = JsonSyntaxError(*text, "--kv-transfer-config");
      if (j.is_object() || !j.is_discarded()) {
        e = Error{"expected a JSON object (vLLM's KVTransferConfig: kv_connector, kv_role, ...)"};
      }
      e.field = "kv_transfer_config";
      return tl::unexpected(e);
    }
    const std::string connector = j.value("kv_connector", std::string());
    const std::string role = j.value("kv_role", std::string());
    const bool side = role == "kv_producer" || role == "kv_consumer";
    const bool transfer = connector.find("Nixl") != std::string::npos ||
                          connector.find("P2pNccl") != std::string::npos ||
                          connector.find("PyNccl") != std::string::npos ||
                          connector.find("Mooncake") != std::string::npos ||
                          connector.find("MoRIIO") != std::string::npos;
    if (side || transfer) {
      return OneSideOfAPair(
          r,
          fmt::format("{}{} moves KV caches between the prefill and decode instances of a "
                      "disaggregated deployment",
                      connector.empty() ? std::string("this connector") : connector,
                      role.empty() ? "" : " (" + role + ")"),
          "kv_transfer_config");
    }
    ListNotModelled(r, "--kv-transfer-config");
    return {};
  };
  return f;
}

// NVIDIA Dynamo's vLLM worker flags for one side of a disaggregated pair (dynamo.vllm
// --is-prefill-worker, --is-decode-worker, S3671): one side's command, so the same error as
// SGLang's --disaggregation-mode.
Field<InferRequest> IsPrefillWorker() {
  Field<InferRequest> f;
  f.name = "is_prefill_worker";
  f.kind = FieldKind::kBool;
  f.help =
      "Dynamo's vLLM prefill (or, as --is-decode-worker, decode) worker: one side of a "
      "prefill/decode disaggregated deployment: an error, give --disaggregate to size both sides";
  f.group = kNotModelledGroup;
  f.set = [](InferRequest& r, const FieldValue& v) -> Result<void> {
    auto on = detail::AsBool(v, "is_prefill_worker");
    if (!on) return tl::unexpected(on.error());
    if (!*on) return {};
    return OneSideOfAPair(
        r, "a prefill or decode worker is one side of a prefill/decode disaggregated deployment",
        "is_prefill_worker");
  };
  return f;
}

// A serve-command tuning flag the estimate does not price (a kernel choice, torch.compile, a
// scheduler overlap): accepted so a recipe pastes whole, and listed with the answer
// (flags_not_modelled) so nobody takes the number for one that priced it.
Field<InferRequest> NotModelled(std::string name, FieldKind kind, std::string why) {
  Field<InferRequest> f;
  f.name = std::move(name);
  f.kind = kind;
  f.nargs = kind == FieldKind::kList;
  f.help = "serve-command flag accepted and not modelled (listed with the answer): " + why;
  f.group = kNotModelledGroup;
  f.set = [field = f.name, flag = FlagName(f.name), kind](InferRequest& r,
                                                          const FieldValue& v) -> Result<void> {
    if (auto ok = OfKind(kind, v, field); !ok) return ok;
    if (kind == FieldKind::kBool && !*detail::AsBool(v, field)) return {};
    ListNotModelled(r, flag);
    return {};
  };
  return f;
}

// The serving benchmarks' --request-rate (vllm bench serve, sglang.bench_serving): requests/s,
// or inf, their default (every prompt sent at once; S3152).
Field<InferRequest> RequestRate() {
  Field<InferRequest> f;
  f.name = "request_rate";
  f.kind = FieldKind::kNumber;
  f.help =
      "the serving benchmarks' --request-rate: requests/s, as --qps; inf (their default) sends "
      "every prompt at once: the offline mode, or with --max-concurrency its closed loop";
  f.set = [](InferRequest& r, const FieldValue& v) -> Result<void> {
    if (const auto* s = std::get_if<std::string>(&v); s && (*s == "inf" || *s == "infinity")) {
      r.request_rate = std::numeric_limits<double>::infinity();
      return {};
    }
    auto rate = detail::AsNumber(v, "request_rate");
    if (!rate) return tl::unexpected(rate.error());
    r.request_rate = *rate;
    return {};
  };
  return f;
}

// The serving benchmarks' --dataset-name: random is what the simulator draws (lengths
// --input-tokens/--output-tokens); a dataset's own lengths come as a request trace.
Field<InferRequest> DatasetName() {
  Field<InferRequest> f;
  f.name = "dataset_name";
  f.kind = FieldKind::kString;
  f.help =
      "the serving benchmarks' --dataset-name: random (prompts of --input-tokens, outputs of "
      "--output-tokens); sharegpt (ShareGPT's mean lengths as vLLM's benchmark samples them, "
      "217 / 202 tokens, unless given); another dataset's lengths are a --requests-trace";
  f.set = [](InferRequest& r, const FieldValue& v) -> Result<void> {
    auto name = detail::AsString(v, "dataset_name");
    if (!name) return tl::unexpected(name.error());
    if (*name == "random" || *name == "random-ids" || *name == "sharegpt") {
      r.dataset_name = *name;
      return {};
    }
    return tl::unexpected(
        Error{fmt::format("{}: the simulator draws random prompts of {} and outputs of {} ({} "
                          "random); a dataset's lengths are given as a {} file (CSV or JSON "
                          "Lines with arrival_s, input_tokens, output_tokens)",
                          Quoted(name->substr(0, 40)), FlagAsTyped(r.typed_as, "input_tokens"),
                          FlagAsTyped(r.typed_as, "output_tokens"),
                          FlagAsTyped(r.typed_as, "dataset_name"),
                          FlagAsTyped(r.typed_as, "requests_trace")),
              "", 0, "dataset_name"});
  };
  return f;
}
}  // namespace

const std::vector<std::string>& InferGroups() {
  static const std::vector<std::string> groups = {"Model, chips and formats",
                                                  "Layout",
                                                  "Engine and its limits",
                                                  "Workload",
                                                  "SLO and mode",
                                                  "Speculative decoding",
                                                  "Output",
                                                  kServeOnlyGroup,
                                                  kNotModelledGroup};
  return groups;
}

namespace {
// infer's flags under their --help headings (InferGroups); the serve-command flags that change
// nothing are grouped where they are made (LaunchOnly, NotModelled).
std::vector<Field<InferRequest>> InInferGroups(std::vector<Field<InferRequest>> fields) {
  static const std::map<std::string, std::vector<std::string>> kGroups = {
      {"Model, chips and formats",
       {"model", "chip", "compare", "count", "system", "dtype", "expert_dtype", "attention_dtype",
        "kv_dtype", "quantization", "power_cap_w", "chip_hour_usd"}},
      {"Layout",
       {"tp", "ep", "dp", "pp", "disaggregate", "tp_size", "dp_size", "enable_dp_attention",
        "enable_attention_dp", "enable_expert_parallel", "moe_a2a_backend"}},
      {"Engine and its limits",
       {"engine",
        "max_num_seqs",
        "max_num_seqs_per_rank",
        "max_running_requests",
        "max_batched_tokens",
        "chunked_prefill_size",
        "max_prefill_tokens",
        "schedule_conservativeness",
        "kv_memory_fraction",
        "kv_free_memory_fraction",
        "max_model_len",
        "no_chunked_prefill",
        "enable_chunked_prefill",
        "moe_backend",
        "enable_mixed_chunk",
        "scheduler_steps",
        "cuda_graph_batch_sizes",
        "cuda_graph_max_bs",
        "stream_interval",
        "enforce_eager",
        "use_graphs",
        "cudagraph_mode",
        "compilation_config",
        "async_scheduling",
        "no_async_scheduling",
        "kv_admission",
        "adp_balance_timeout_iters",
        "adp_balance_wait_iters",
        "no_prefix_cache",
        "block_size",
        "kv_host_gib",
        "host_link_gb_s",
        "extra_llm_api_options",
        "backend"}},
      {"Workload", {"input_tokens", "output_tokens", "prefix_cache_hit",   "input_dist",
                    "output_dist",  "qps",           "duration_s",         "concurrency",
                    "requests",     "request_rate",  "dataset_name",       "dataset",
                    "dataset_path", "batch_size",    "requests_trace",     "trace_block_size",
                    "prefix_cache", "launched_by",   "random_range_ratio", "random_prefix_len",
                    "arrivals",     "burstiness",    "workload_seed",      "disable_ignore_eos"}},
      {"SLO and mode", {"mode", "analytic", "tpot_ms", "ttft_ms", "demand_tokens_per_s"}},
      {"Speculative decoding",
       {"mtp", "mtp_acceptance", "draft_model", "speculative_config", "speculative_algorithm",
        "speculative_num_steps", "speculative_num_draft_tokens", "speculative_draft_model_path",
        "speculative_eagle_topk"}},
      {"Output", {"emit", "timing"}},
  };
  for (auto& f : fields) {
    for (const auto& [group, names] : kGroups) {
      if (std::find(names.begin(), names.end(), f.name) != names.end()) f.group = group;
    }
  }
  return fields;
}
}  // namespace

const std::vector<Field<InferRequest>>& InferFields() {
  using R = InferRequest;
  static const std::vector<Field<R>> fields = InInferGroups({
      // SGLang's --model-path; vllm serve and trtllm-serve take the model first, without a flag.
      // Not marked required: `vllm serve --config FILE` may name it in the file (its `model:`
      // key); the engine says "model: is required" when neither does.
      PositionalOrFlag(Aliases(
          Bind("model", &R::model,
               "model id, or its Hugging Face repository name (a pasted `vllm serve MODEL` or "
               "`trtllm-serve MODEL` may give it without the flag, `vllm serve --config FILE` in "
               "the file's model: key)"),
          {"model_path"})),
      Required(Bind("chip", &R::chip, "chip id, or a comma-separated list with --compare")),
      Bind("compare", &R::compare, "one row per chip: tokens/s per chip, per watt, per dollar"),
      Bind("count", &R::count,
           "chips available (instances must divide it); 2x8 is 2 nodes of 8, 1k 1,024"),
      Bind("system", &R::system, "system id (default: the chip's default system)"),
      // As the serving benchmarks name the workload: vLLM's benchmark_throughput --input-len,
      // vllm bench serve / sglang.bench_serving --random-input-len, InferenceMAX's ISL/OSL.
      // sglang.bench_serving's --random-input / --random-output (its docs' spelling, argparse
      // taking a prefix) and genai-perf's --synthetic-input-tokens-mean / --output-tokens-mean.
      Aliases(
          Given(Bind("input_tokens", &R::input_tokens,
                     "prompt tokens per request (default 1024; a pasted `vllm bench serve` "
                     "or sglang.bench_serving: its own default, 1024)"),
                &R::input_tokens_given),
          {"input_len", "random_input_len", "isl", "random_input", "synthetic_input_tokens_mean"}),
      Aliases(Given(Bind("output_tokens", &R::output_tokens,
                         "generated tokens per request (default 256; a pasted `vllm bench serve`: "
                         "its default 128, sglang.bench_serving: 1024)"),
                    &R::output_tokens_given),
              {"output_len", "random_output_len", "osl", "random_output", "output_tokens_mean",
               "sharegpt_output_len"}),
      Bind("dtype", &R::dtype,
           "weights: bf16, fp16, fp8, int8, fp4, int4, w8a16 (weight-only: 16-bit math) or w4a8; a "
           "format "
           "the chip has no math for as the engines run it (fp8 on Ampere as w8a16, fp4 on "
           "Hopper as int4); the format a release's experts ship in (gpt-oss: fp4) is that "
           "release, the rest as released (default: the checkpoint's as released, or as the "
           "name's -FP8/-AWQ/-NVFP4 suffix says, in the chip's nearest format; 8-bit when 16-bit "
           "weights fit no layout of the chips, 4-bit when 8-bit do not either)"),
      Bind("expert_dtype", &R::expert_dtype,
           "MoE experts (routed and shared) in another format, e.g. fp4 (default: --dtype)"),
      Bind("attention_dtype", &R::attention_dtype,
           "attention, dense layers and embeddings in another format (default: --dtype; as "
           "released when --dtype is the release's expert format)"),
      Aliases(Bind("kv_dtype", &R::kv_dtype,
                   "KV cache: bf16, fp8 or int8 (default: as the engine's auto keeps it, the "
                   "format the checkpoint declares, else 16-bit; with --engine none 8-bit with "
                   "8-bit or smaller weights)"),
              {"kv_cache_dtype"}),
      Bind("tpot_ms", &R::tpot_ms, "time-per-output-token target (server: p99; offline: mean)"),
      Bind("ttft_ms", &R::ttft_ms, "time-to-first-token target"),
      Bind("mode", &R::mode,
           "offline (all requests at once), server (default) or interactive (live arrivals, "
           "p99 SLOs; MLPerf's scenarios), each simulated request by request; analytic: the "
           "steady-state model alone"),
      Bind("analytic", &R::analytic,
           "the steady-state model alone in the mode's scenario: offline (no latency targets, no "
           "streamed responses), server or interactive (MLPerf's targets for the mode); mode "
           "analytic is server's"),
      Bind("prefix_cache_hit", &R::prefix_cache_hit, "fraction of prompt tokens served from cache"),
      Bind("disaggregate", &R::disaggregate, "separate prefill and decode chips"),
      Bind("power_cap_w", &R::power_cap_w,
           "per-chip power limit, W (default: the system's, else the chip's TDP; with "
           "--compare it binds the chips whose TDP is above it)"),
      Bind("emit", &R::emit,
           "print the serve command for the chosen layout and limits: vllm, sglang, trtllm or "
           "mindie (its config.json keys)"),
      // vLLM's names are taken too: --tensor-parallel-size 4 is --tp 4.
      // SGLang's --tp-size is not tp: with --enable-dp-attention it spans the attention
      // data-parallel groups too (tp x dp here). Their expert parallel size is ep.
      Aliases(Bind("tp", &R::tp, "tensor parallel size"), {"tensor_parallel_size"}),
      Aliases(Bind("ep", &R::ep,
                   "expert parallel size (MoE; = tp * dp, or 1: experts split by tensor "
                   "parallel over the tp * dp chips)"),
              {"ep_size"}),
      Aliases(Bind("dp", &R::dp,
                   "attention data-parallel groups per instance (MoE; on a dense model, "
                   "replicas)"),
              {"data_parallel_size"}),
      Aliases(Bind("pp", &R::pp,
                   "pipeline stages per attention group (default 1, or the fewest that fit the "
                   "weights)"),
              {"pipeline_parallel_size", "pp_size"}),
      Bind("demand_tokens_per_s", &R::demand_tokens_per_s, "output tokens per second to serve"),
      Bind("chip_hour_usd", &R::chip_hour_usd,
           "price of one chip-hour (default: catalog price amortized)"),
      Bind("engine", &R::engine,
           "serving engine whose documented limits bound the batch: vllm, sglang, trtllm or "
           "mindie (`suanli catalog engines`; default: the chip's, vllm-ascend on Ascend 910, "
           "else none, the analytic bound; none: no engine)"),
      Aliases(Bind("max_num_seqs", &R::max_num_seqs,
                   "most running sequences as the engine's own flag counts them: an attention-DP "
                   "rank's under vllm and trtllm, the server's under sglang (its "
                   "--max-running-requests, dealt over the ranks) (default: the engine's)"),
              {"max_batch_size"}),  // TensorRT-LLM's, per attention group as here
      Bind("max_num_seqs_per_rank", &R::max_num_seqs_per_rank,
           "most running sequences of each attention-DP rank (an instance without attention DP), "
           "whatever the engine and the layout chosen; --emit writes each engine's own flag "
           "from it (instead of --max-num-seqs)"),
      Aliases(Bind("max_batched_tokens", &R::max_batched_tokens,
                   "most tokens per engine step, prompt chunks included (default: the engine's)"),
              {"max_num_batched_tokens", "max_num_tokens"}),
      Bind("chunked_prefill_size", &R::chunked_prefill_size,
           "SGLang's --chunked-prefill-size: the tokens of a prompt chunk a step, as "
           "--max-batched-tokens; -1 (0 or below) computes each prompt whole, as "
           "--no-chunked-prefill"),
      Aliases(Bind("kv_memory_fraction", &R::kv_memory_fraction,
                   "share of HBM for weights and KV cache, as vLLM's gpu_memory_utilization and "
                   "SGLang's mem_fraction_static "
                   "(default: the engine's)"),
              {"gpu_memory_utilization", "mem_fraction_static", "mem_fraction"}),
      Aliases(Bind("kv_free_memory_fraction", &R::kv_free_memory_fraction,
                   "share for the KV cache of the memory the weights and the runtime leave, as "
                   "TensorRT-LLM's KvCacheConfig free_gpu_memory_fraction (trtllm-bench's "
                   "kv_cache_free_gpu_mem_fraction); instead of --kv-memory-fraction (default: "
                   "the engine's)"),
              {"free_gpu_memory_fraction", "kv_cache_free_gpu_mem_fraction",
               "kv_cache_free_gpu_memory_fraction"}),
      Aliases(Bind("no_chunked_prefill", &R::no_chunked_prefill,
                   "compute each prompt whole, in a step whose token budget holds it (vLLM's "
                   "--no-enable-chunked-prefill, SGLang's --chunked-prefill-size -1; default: "
                   "the engine's; chunked without one)"),
              {"no_enable_chunked_prefill"}),
      Aliases(Bind("scheduler_steps", &R::scheduler_steps,
                   "decode steps per scheduler call, as vLLM's num_scheduler_steps: new requests "
                   "are admitted only at a call (default 1: every step)"),
              {"num_scheduler_steps"}),
      Bind("cuda_graph_batch_sizes", &R::cuda_graph_batch_sizes,
           "CUDA-graph batch sizes with padding, ascending, comma-separated (TensorRT-LLM's "
           "cuda_graph_config batch_sizes with enable_padding): a decode-only step runs as the "
           "smallest size that holds its batch, with attention data parallel the largest "
           "group's (default: none, batches run as they are)"),
      Aliases(Bind("enforce_eager", &R::enforce_eager,
                   "no CUDA graphs, every step's kernels launched one by one from the host (vLLM's "
                   "--enforce-eager, SGLang's --disable-cuda-graph): a step takes at least the "
                   "engine's launch time (default: off)"),
              {"disable_cuda_graph"}),
      Bind("use_graphs", &R::use_graphs,
           "NVIDIA's MLPerf TensorRT-LLM harness (no engine) with CUDA graphs on, as its configs' "
           "use_graphs: True: each step pays the part's measured graphs-on fixed cost "
           "(chips.yaml serving_graph_step_overhead_ms; B200 6.8 ms) in place of the graphs-off "
           "one (serving_step_overhead_ms; default: off)"),
      Bind("cudagraph_mode", &R::cudagraph_mode,
           "vLLM's graph mode (compilation_config cudagraph_mode): none (as --enforce-eager), "
           "piecewise, full_and_piecewise, full or full_decode_only; the full modes replay each "
           "decode step as one graph, priced at the engine's full_decode_floor_layer_us where it "
           "is measured (vLLM-Ascend; default: the engine's own mode)"),
      Bind("compilation_config", &R::compilation_config,
           "vLLM's --compilation-config JSON; its cudagraph_mode is read as --cudagraph-mode, "
           "the rest (torch.compile settings, capture sizes) is not modelled"),
      Bind("async_scheduling", &R::async_scheduling,
           "the engine schedules a step ahead, so the GPU does not wait for its host loop between "
           "steps (vLLM's --async-scheduling, its default from 0.14; default: the engine entry's, "
           "data/engines.yaml async_scheduling, on for vllm)"),
      Bind("no_async_scheduling", &R::no_async_scheduling,
           "the engine's host loop between steps runs while the GPU waits, its host_seq_us "
           "(data/engines.yaml) per running request a step (vLLM's --no-async-scheduling, its "
           "default up to 0.13; default: the engine entry's, async for vllm as from 0.14)"),
      Bind("kv_admission", &R::kv_admission,
           "how the simulated engine admits a request: reserve (KV room for its whole output "
           "first, never preempted: TensorRT-LLM's GUARANTEED_NO_EVICT) or optimistic (room for "
           "its prompt; the latest admitted is preempted and recomputed when decode runs out: "
           "vLLM, TensorRT-LLM's MAX_UTILIZATION) or retract (room for its prompt and output "
           "less what running requests are expected still to take; the fewest-output requests "
           "are retracted when decode runs out: SGLang) (default: the engine's)"),
      Bind("adp_balance_timeout_iters", &R::adp_balance_timeout_iters,
           "attention-DP balance (TensorRT-LLM's attention_dp_config timeout_iters): prompts "
           "wait until every attention data parallel group has one, at most this many "
           "iterations (default: off, prompts go at once)"),
      Bind("adp_balance_wait_iters", &R::adp_balance_wait_iters,
           "attention-DP balance (TensorRT-LLM's batching_wait_iters): once every group has a "
           "prompt, iterations they wait more to gather (default: off)"),
      Bind("mtp", &R::mtp,
           "multi-token prediction / speculative decoding: draft tokens verified per step"),
      Bind("mtp_acceptance", &R::mtp_acceptance,
           "probability each draft token is accepted given the one before (default: the "
           "model's published rate)"),
      Bind("draft_model", &R::draft_model,
           "speculative decoding with this draft model (same tokenizer) proposing --mtp tokens"),
      Bind("qps", &R::qps,
           "simulate this arrival rate (requests/s; with --count the whole deployment's, split "
           "evenly over its instances; else one instance's) instead of searching the highest "
           "rate that meets the SLO"),
      Bind("duration_s", &R::duration_s, "simulated seconds of arrivals with --qps (default 600)"),
      Aliases(Bind("concurrency", &R::concurrency,
                   "a closed loop of this many requests in flight, each completion sending the "
                   "next (vLLM's and SGLang's benchmark --max-concurrency): with --count against "
                   "the whole deployment, dealt over its instances (8 on 2 instances: 4 each); "
                   "else one instance's. Simulates that load instead of searching the highest "
                   "rate that meets the SLO, and bounds the batch of the analytic model"),
              {"max_concurrency"}),
      // The serving benchmarks' prompt count: vllm bench serve and sglang.bench_serving
      // --num-prompts, genai-perf --request-count.
      Aliases(Bind("requests", &R::requests,
                   "requests per simulation: per attention group offline (default 8 batches) and "
                   "in the SLO search (default 2000, or 600 s at the offline rate if more); with "
                   "--concurrency the clients' prompts, with --count the deployment's, each "
                   "instance its clients' share (default 10 a client, 1,000 to 100,000 a run); "
                   "with --qps and no --duration-s the prompts sent, the run lasting requests / "
                   "qps"),
              {"num_prompts", "request_count", "num_requests"}),
      RequestRate(),
      DatasetName(),
      Bind("dataset", &R::dataset,
           "trtllm-bench's --dataset: its JSON Lines file (prepare_dataset.py's task_id, "
           "input_ids, output_tokens a line), whose mean prompt and output lengths are the "
           "workload's unless given; under vllm bench serve or sglang.bench_serving, their "
           "ShareGPT file (--dataset-name sharegpt)"),
      Bind("launched_by", &R::launched_by,
           "the program a pasted command runs, set from its first words (`vllm serve`, `python3 "
           "-m sglang.launch_server`, `trtllm-serve`, `vllm bench serve`, `python3 -m "
           "sglang.bench_serving`, `trtllm-bench`): vllm, sglang or trtllm (a server: what its "
           "command leaves out is that engine's default, tp 1, pp 1, dp 1 and, without its "
           "expert-parallel flag, no expert parallel, instead of the layout search), vllm-bench "
           "or sglang-bench (how --random-range-ratio reads), trtllm-bench (TensorRT-LLM at "
           "trtllm-bench's defaults, every request at once unless --concurrency); the benchmarks "
           "that run the engine in their own process, at its defaults: vllm-bench-throughput "
           "(every prompt at once), vllm-bench-latency and sglang-bench-one-batch (one batch of "
           "--batch-size), sglang-bench-offline (every prompt at once), trtllm-bench-latency (one "
           "request at a time, batch 1); default: none, a typed request"),
      Bind("requests_trace", &R::requests_trace,
           "request trace: CSV or JSON Lines with arrival_s, input_tokens, output_tokens, or "
           "Mooncake's JSON Lines (timestamp in ms, input_length, output_length, hash_ids), or "
           "the Azure LLM traces' CSV (TIMESTAMP, ContextTokens, GeneratedTokens)"),
      Bind("trace_block_size", &R::trace_block_size,
           "tokens in each of a Mooncake request trace's blocks (its hash_ids; default 512, as "
           "Kimi's published traces; AIPerf's and Dynamo's generators write other sizes). Not "
           "vLLM's --block-size, the engine's KV page"),
      Aliases(Bind("block_size", &R::block_size,
                   "tokens in one KV page (vLLM's --block-size, SGLang's --page-size): a request's "
                   "KV is held in whole pages and a prefix hit counts whole pages; default: the "
                   "engine's (vLLM 16, SGLang 1, TensorRT-LLM 32)"),
              {"page_size"}),
      Bind("prefix_cache", &R::prefix_cache,
           "a request trace's prefix cache: lru (default: a shared block hits while the KV room, "
           "and --kv-host-gib's host tier, still hold it, least recently used evicted first) or "
           "unbounded (every block an earlier request carried hits, as Mooncake's analyzer counts "
           "them: the bound a cache can reach). Hits count whole engine blocks only"),
      Bind("input_dist", &R::input_dist,
           "prompt lengths around --input-tokens: fixed, exp, uniform[:W] or "
           "lognormal[:SIGMA[:MAX]]"),
      Bind("output_dist", &R::output_dist,
           "output lengths around --output-tokens (as input_dist; default: fixed, or the "
           "model's measured spread where the catalog has one: a reasoning model's; the "
           "analytic mode takes its second moment)"),
      Bind("arrivals", &R::arrivals, "poisson (default) or gamma (bursty, with --burstiness)"),
      Bind("burstiness", &R::burstiness,
           "gamma arrivals: coefficient of variation of the gaps (1 = Poisson)"),
      Bind("kv_host_gib", &R::kv_host_gib,
           "host memory per chip for KV: preempted requests swap out and back instead of "
           "recomputing (engines that preempt: vllm, sglang), and a request trace's prefix "
           "blocks evicted from HBM stay there for later hits"),
      Bind("host_link_gb_s", &R::host_link_gb_s,
           "host link per chip, GB/s one way (default 50: PCIe Gen5 x16 in practice)"),
      // Not --seed: a pasted `vllm serve ... --seed 1024` is vLLM's sampling seed (listed below).
      Bind("workload_seed", &R::workload_seed,
           "random seed of the simulated workload: arrivals, lengths, acceptance draws (default "
           "1)"),
      Bind("disable_ignore_eos", &R::disable_ignore_eos,
           "the simulated requests may stop at an end-of-sequence token, as sglang.bench_serving "
           "sends them with --disable-ignore-eos (default: each asks for exactly its output "
           "tokens, the benchmark's ignore_eos, which SGLang with --disable-radix-cache admits "
           "only when the running requests' whole outputs leave room for it)"),
      Bind("timing", &R::timing, "add the simulator's wall-clock seconds (sim_wall_s)"),
      // Serve-command flags (docs/inference-model.md "Flags from a serve command").
      Bind("tp_size", &R::tp_size,
           "GPUs per pipeline stage of an instance, as SGLang's --tp-size and trtllm-serve's "
           "--tp_size count them: tp, or tp x dp with --enable-dp-attention / "
           "--enable-attention-dp (instead of --tp)"),
      Bind("dp_size", &R::dp_size,
           "SGLang's --dp-size: with --enable-dp-attention the attention groups sharing "
           "--tp-size GPUs (dp); without it, replicas"),
      Bind("enable_dp_attention", &R::enable_dp_attention,
           "SGLang's DP attention: --dp-size groups over --tp-size GPUs"),
      Bind("enable_attention_dp", &R::enable_attention_dp,
           "TensorRT-LLM's enable_attention_dp: each of --tp_size GPUs its own attention group"),
      Bind("enable_expert_parallel", &R::enable_expert_parallel,
           "vLLM's: the experts spread over tp x dp GPUs (ep = tp x dp; default: searched)"),
      Bind("enable_chunked_prefill", &R::enable_chunked_prefill,
           "prompts split across steps by the token budget, also where the engine's default "
           "is whole prompts (TensorRT-LLM)"),
      Bind("max_running_requests", &R::max_running_requests,
           "SGLang's server-wide running requests, divided over the attention groups (instead "
           "of --max-num-seqs, which is a group's)"),
      Aliases(Bind("max_model_len", &R::max_model_len,
                   "longest prompt + output the engine admits (vLLM; SGLang's --context-length, "
                   "TensorRT-LLM's max_seq_len): the workload must fit in it"),
              {"context_length", "max_seq_len"}),
      Bind("quantization", &R::quantization,
           "the weights' format as vLLM and SGLang name it (fp8, modelopt_fp4, mxfp4, awq, "
           "gptq, w8a8_int8, ...); wins over a 16-bit or auto --dtype"),
      Bind("speculative_config", &R::speculative_config,
           "vLLM's speculative decoding as JSON: method mtp (or deepseek_mtp, eagle, eagle3) "
           "with num_speculative_tokens N is --mtp N; a draft model's method takes its model"),
      // --speculative-algo: SGLang's Qwen3-Next docs spell it so (argparse takes a prefix).
      Aliases(Bind("speculative_algorithm", &R::speculative_algorithm,
                   "SGLang's speculative decoding (EAGLE, EAGLE3, NEXTN, MTP): --mtp "
                   "--speculative-num-steps"),
              {"speculative_algo"}),
      Bind("speculative_num_steps", &R::speculative_num_steps,
           "SGLang: draft steps per verify (default 3, or --speculative-num-draft-tokens - 1)"),
      Bind("speculative_num_draft_tokens", &R::speculative_num_draft_tokens,
           "SGLang: tokens verified per step (drafts + 1 with top-1 drafting)"),
      Bind("speculative_draft_model_path", &R::speculative_draft_model_path,
           "SGLang: the EAGLE/EAGLE3 head's checkpoint, run as a draft of about one layer on "
           "the target's hidden states (as the model's own MTP)"),
      Bind("speculative_eagle_topk", &R::speculative_eagle_topk,
           "SGLang: drafts kept per step; the estimate verifies the top-1 chain"),
      // TensorRT-LLM's --config is the same file (an alias of --extra_llm_api_options across
      // trtllm-serve, trtllm-bench and trtllm-eval since pull request 9104, S3361).
      Aliases(Bind("extra_llm_api_options", &R::extra_llm_api_options,
                   "trtllm-serve's YAML of LLM API options: enable_attention_dp, "
                   "enable_chunked_prefill, kv_cache_config (dtype, free_gpu_memory_fraction), "
                   "speculative_config, scheduler_config, cuda_graph_config, attention_dp_config, "
                   "moe_config (backend) and the size and limit keys are read (over the flags, as "
                   "trtllm-serve does); others "
                   "leave the estimate as it is"),
              {"config"}),
      Bind("backend", &R::backend,
           "trtllm-serve's backend, pytorch or tensorrt: both run as the trtllm engine's "
           "measured steps; a serving benchmark's client backend (vllm, sglang, openai, "
           "openai-chat, ...) is accepted without effect"),
      LaunchOnly("trust_remote_code", FieldKind::kBool),
      LaunchOnly("enable_auto_tool_choice", FieldKind::kBool),
      LaunchOnly("host", FieldKind::kString),
      LaunchOnly("port", FieldKind::kString),
      LaunchOnly("served_model_name", FieldKind::kString),
      LaunchOnly("tokenizer", FieldKind::kString),
      LaunchOnly("chat_template", FieldKind::kString),
      LaunchOnly("reasoning_parser", FieldKind::kString),
      LaunchOnly("tool_call_parser", FieldKind::kString),
      LaunchOnly("log_level", FieldKind::kString),
      LaunchOnly("dist_init_addr", FieldKind::kString),
      LaunchOnly("nnodes", FieldKind::kString),
      LaunchOnly("node_rank", FieldKind::kString),
      LaunchOnly("download_dir", FieldKind::kString),
      LaunchOnly("disable_log_requests", FieldKind::kBool),
      LaunchOnly("disable_log_stats", FieldKind::kBool),
      LaunchOnly("enable_metrics", FieldKind::kBool),
      LaunchOnly("uvicorn_log_level", FieldKind::kString),
      LaunchOnly("api_key", FieldKind::kString),
      LaunchOnly("random_seed", FieldKind::kString),
      LaunchOnly("load_format", FieldKind::kString),
      LaunchOnly("tokenizer_mode", FieldKind::kString),
      LaunchOnly("revision", FieldKind::kString),
      LaunchOnly("watchdog_timeout", FieldKind::kString),
      LaunchOnly("decode_log_interval", FieldKind::kString),
      LaunchOnly("skip_server_warmup", FieldKind::kBool),
      LaunchOnly("distributed_executor_backend", FieldKind::kString),
      // A multi-node data-parallel launch, one node's command (vllm-ascend's Qwen3-235B-A22B
      // tutorial): where the ranks meet; --data-parallel-size is the deployment's.
      LaunchOnly("api_server_count", FieldKind::kString),
      LaunchOnly("data_parallel_size_local", FieldKind::kString),
      LaunchOnly("data_parallel_start_rank", FieldKind::kString),
      LaunchOnly("data_parallel_address", FieldKind::kString),
      LaunchOnly("data_parallel_rpc_port", FieldKind::kString),
      LaunchOnly("headless", FieldKind::kBool),
      // SGLang's --device npu: the chip is --chip's.
      LaunchOnly("device", FieldKind::kString),
      // YaRN context extension (vllm-ascend's 128K Qwen3 recipe): how long a context may be,
      // which --max-model-len bounds; a step at the workload's lengths costs the same.
      LaunchOnly("rope_scaling", FieldKind::kString),
      LaunchOnly("hf_overrides", FieldKind::kString),
      // vLLM V1 and SGLang cache prefixes by default; the reuse is --prefix-cache-hit's or the
      // trace's, so turning it on says nothing more.
      LaunchOnly("enable_prefix_caching", FieldKind::kBool),
      Aliases(Bind("no_prefix_cache", &R::no_prefix_cache,
                   "no prefix cache (SGLang's --disable-radix-cache, vLLM's "
                   "--no-enable-prefix-caching): a trace's cached_tokens and shared prefixes are "
                   "computed; excludes --prefix-cache-hit"),
              {"disable_radix_cache", "no_enable_prefix_caching"}),
      NotModelled("attention_backend", FieldKind::kString,
                  "attention is priced from the chip's measured rates, not per kernel library"),
      NotModelled("swap_space", FieldKind::kString,
                  "vLLM's CPU swap; a host KV tier is --kv-host-gib"),
      NotModelled("disable_custom_all_reduce", FieldKind::kBool,
                  "the all-reduce is priced at the link's measured rate, not per library"),
      NotModelled("enable_torch_compile", FieldKind::kBool,
                  "SGLang's torch.compile of small decode batches"),
      NotModelled("torch_compile_max_bs", FieldKind::kString,
                  "SGLang's torch.compile of small decode batches"),
      Bind("cuda_graph_max_bs", &R::cuda_graph_max_bs,
           "SGLang's largest captured CUDA-graph batch: a step whose running batch (under "
           "attention DP the largest group's) is larger runs eagerly, its kernels launched from "
           "the host, the engine's eager_launch_layer_us a layer (data/engines.yaml); listed as "
           "not modelled where the engine has no measured launch time or replays no graphs on "
           "the chip (default: every batch replayed)"),
      // A list: SGLang takes them space-separated (--cuda-graph-bs 4 8 16 32, InferenceMAX's
      // H200 DeepSeek-R1 command), which a one-value flag would leave as stray arguments.
      NotModelled("cuda_graph_bs", FieldKind::kList,
                  "SGLang's captured batch sizes (TensorRT-LLM's cuda_graph_config.batch_sizes "
                  "pads to them)"),
      NotModelled("disable_overlap_schedule", FieldKind::kBool,
                  "SGLang's scheduler overlap; the host time is not in the step model"),
      Aliases(Bind("moe_a2a_backend", &R::moe_a2a_backend,
                   "the attention-DP expert exchange (SGLang's --moe-a2a-backend, vLLM's "
                   "--all2all-backend): none, allgather_reducescatter or naive all-gather inside "
                   "a node (the default); deepep, pplx, mooncake, ... an all-to-all"),
              {"all2all_backend"}),
      NotModelled("deepep_mode", FieldKind::kString,
                  "DeepEP's normal or low-latency kernels; an all-to-all is priced at the "
                  "link's rate"),
      Bind("moe_backend", &R::moe_backend,
           "TensorRT-LLM's moe_config.backend (CUTLASS, the default; TRTLLM; DEEPGEMM; "
           "WIDEEP; ...): TRTLLM prices its own small-batch MoE chain where each expert receives "
           "at most a few rows a step (data/engines.yaml moe_backend_layer_us), the others the "
           "engine's measured chain"),
      NotModelled("moe_runner_backend", FieldKind::kString,
                  "the experts' GEMMs are priced from the chip's rates, not per kernel library"),
      NotModelled("enable_two_batch_overlap", FieldKind::kBool,
                  "SGLang's two micro-batches hiding the expert exchange"),
      NotModelled("enable_dbo", FieldKind::kBool,
                  "vLLM's dual-batch overlap, two micro-batches hiding the expert exchange"),
      NotModelled("enable_eplb", FieldKind::kBool,
                  "expert load balancing; the experts are taken as evenly loaded"),
      NotModelled("ep_num_redundant_experts", FieldKind::kString,
                  "redundant expert copies; the experts are taken as evenly loaded"),
      NotModelled("num_redundant_experts", FieldKind::kString,
                  "vLLM's redundant expert copies; the experts are taken as evenly loaded"),
      NotModelled("eplb_config", FieldKind::kString,
                  "vLLM's expert load balancing settings; the experts are taken as evenly loaded"),
      NotModelled("enable_flashinfer_allreduce_fusion", FieldKind::kBool,
                  "the all-reduce is priced at the link's measured rate, not per library"),
      NotModelled("schedule_policy", FieldKind::kString,
                  "SGLang's queue order; the simulator serves requests first come, first served"),
      Bind("schedule_conservativeness", &R::schedule_conservativeness,
           "SGLang's admission margin under kv_admission retract: a request is admitted while "
           "its prompt and output fit what is free less min(0.7 x this, 1) of the running "
           "requests' remaining outputs (the share decays to 0.14 of it over 600 decode steps); "
           "with attention data parallel (dp > 1) SGLang runs 0.3 x the value given, as the "
           "simulator does (default 1)"),
      Bind("max_prefill_tokens", &R::max_prefill_tokens,
           "SGLang's prompt tokens per prefill batch: a waiting prompt joins a step that already "
           "carries prompt tokens only if it fits whole in what is left (the first always goes, "
           "chunked by --chunked-prefill-size); the simulator's admission (default: the "
           "engine's, SGLang 16384)"),
      Bind("stream_interval", &R::stream_interval,
           "vLLM's and SGLang's --stream-interval: each request's tokens are sent every N steps, "
           "so the front-end's streamed-response work (the engine's stream_host_us a running "
           "request, data/engines.yaml) is 1/N a step; listed as not modelled where the engine "
           "has no measured front-end cost (default 1)"),
      Bind("enable_mixed_chunk", &R::enable_mixed_chunk,
           "SGLang's --enable-mixed-chunk: a prompt chunk runs in the same iteration as the "
           "running decodes; without it SGLang runs a prefill batch as an iteration of its own "
           "and the decodes wait for it (the engine's prefill_apart, data/engines.yaml)"),
      NotModelled("max_beam_width", FieldKind::kString, "beam search; requests are sampled"),
      NotModelled("max_seq_len_to_capture", FieldKind::kString,
                  "vLLM's longest context run in a CUDA graph; graphs are the engine's default"),
      DisaggregationMode(),
      KvTransferConfig(),
      Aliases(IsPrefillWorker(), {"is_decode_worker"}),
      // Dynamo's KV connector choice (--connector nixl, --connector kvbm nixl).
      LaunchOnly("connector", FieldKind::kList),
      // NVIDIA Dynamo's own worker flags (python3 -m dynamo.vllm / dynamo.sglang, S3671): its
      // request migration and parsers; the engine's flags are the engine's.
      LaunchOnly("migration_limit", FieldKind::kString),
      LaunchOnly("dyn_tool_call_parser", FieldKind::kString),
      LaunchOnly("dyn_reasoning_parser", FieldKind::kString),
      LaunchOnly("use_sglang_tokenizer", FieldKind::kBool),
      LaunchOnly("disaggregation_ib_device", FieldKind::kString),
      LaunchOnly("disaggregation_transfer_backend", FieldKind::kString),
      LaunchOnly("disaggregation_bootstrap_port", FieldKind::kString),
      NotModelled("num_continuous_decode_steps", FieldKind::kString,
                  "SGLang's decode steps run between scheduler passes (InferenceMAX's MI325X "
                  "DeepSeek-R1 command); the host time it saves is not in the step model"),
      NotModelled("disable_shared_experts_fusion", FieldKind::kBool,
                  "SGLang's shared expert run apart from the routed ones; the experts' GEMMs are "
                  "priced from the chip's rates, not per kernel"),
      NotModelled("enable_flashinfer_trtllm_moe", FieldKind::kBool,
                  "the experts' GEMMs are priced from the chip's rates, not per kernel library"),
      // Model-card and recipe flags: generation defaults, multimodal inputs (Llama 4's vLLM
      // recipe, SGLang's --enable-multimodal), none of which changes a text request's cost.
      LaunchOnly("override_generation_config", FieldKind::kString),
      LaunchOnly("generation_config", FieldKind::kString),
      LaunchOnly("enable_multimodal", FieldKind::kBool),
      LaunchOnly("limit_mm_per_prompt", FieldKind::kString),
      // The serving benchmarks' client flags (vllm bench serve, sglang.bench_serving,
      // genai-perf): where results go and what is reported.
      Bind("dataset_path", &R::dataset_path,
           "the serving benchmarks' --dataset-path, their dataset file (its lengths are not "
           "read: ShareGPT's are its means); under `vllm bench throughput` it makes the dataset "
           "ShareGPT (its default) instead of random prompts of --input-len"),
      Aliases(Bind("batch_size", &R::batch_size,
                   "`vllm bench latency` and sglang.bench_one_batch's --batch-size: the one batch "
                   "of requests they run at once (their defaults 8 and 1)"),
              {"batch"}),
      // trtllm-bench's own: where it writes its reports and its warm-up requests (S3476).
      LaunchOnly("warmup", FieldKind::kString),
      LaunchOnly("report_json", FieldKind::kString),
      LaunchOnly("iteration_log", FieldKind::kString),
      LaunchOnly("output_json", FieldKind::kString),
      LaunchOnly("request_json", FieldKind::kString),
      LaunchOnly("workspace", FieldKind::kString),
      LaunchOnly("base_url", FieldKind::kString),
      LaunchOnly("endpoint", FieldKind::kString),
      LaunchOnly("endpoint_type", FieldKind::kString),
      LaunchOnly("url", FieldKind::kString),
      LaunchOnly("streaming", FieldKind::kBool),
      LaunchOnly("save_result", FieldKind::kBool),
      LaunchOnly("result_dir", FieldKind::kString),
      LaunchOnly("result_filename", FieldKind::kString),
      LaunchOnly("percentile_metrics", FieldKind::kString),
      LaunchOnly("metric_percentiles", FieldKind::kString),
      LaunchOnly("disable_tqdm", FieldKind::kBool),
      // bench_serving's ignore_eos: every output runs to its length, as the simulated
      // requests do.
      LaunchOnly("ignore_eos", FieldKind::kBool),
      Bind("random_range_ratio", &R::random_range_ratio,
           "the serving benchmarks' length spread, as the pasted benchmark reads it: vllm bench "
           "serve (and benchmark_serving.py) uniform in [L(1-r), L(1+r)], r below 1; "
           "sglang.bench_serving uniform in [rL, L] (its default 0 when pasted without it), r up "
           "to 1; typed without the benchmark's command, vLLM's. Sets --input-dist and "
           "--output-dist uniform (instead of them)"),
      Bind("random_prefix_len", &R::random_prefix_len,
           "vllm bench serve's --random-prefix-len: a prefix of this many tokens drawn once and "
           "put before every prompt (the prompts are it plus --random-input-len), served from "
           "the prefix cache unless the cache is off"),
      Environment(),
      NotModelled("synthetic_input_tokens_stddev", FieldKind::kString,
                  "genai-perf's prompt-length spread; a spread is --input-dist"),
      NotModelled("output_tokens_stddev", FieldKind::kString,
                  "genai-perf's output-length spread; a spread is --output-dist"),
      NotModelled("additional_config", FieldKind::kString,
                  "vllm-ascend's additional config (torchair graph mode, Ascend scheduler); "
                  "graphs are the engine's default"),
      // vLLM's --seed seeds the engine's sampling (vllm serve --help: "Random seed for
      // operations"); SGLang's --random-seed is launch-only above. Neither is the simulated
      // workload's seed, which is --workload-seed.
      NotModelled("seed", FieldKind::kString,
                  "vLLM's sampling seed; the simulated workload's seed is --workload-seed"),
  });
  return fields;
}

namespace {

// A text field (or each item of a list field) that, given, must say something: an empty inline
// scenario (scenario_yaml "") read as not given and forecast the default scenario (china-2026)
// with exit 0; --set '' (a list drops empty items) forecast without the what-if, exit 0.
template <typename Request>
Field<Request> NotEmpty(Field<Request> f, const char* instead) {
  f.set = [set = f.set, name = f.name, instead](Request& r, const FieldValue& v) -> Result<void> {
    const auto blank = [](const std::string& t) {
      return t.find_first_not_of(" \t\r\n") == std::string::npos;
    };
    const auto* text = std::get_if<std::string>(&v);
    const auto* list = std::get_if<std::vector<std::string>>(&v);
    if ((text && blank(*text)) || (list && std::any_of(list->begin(), list->end(), blank))) {
      return tl::unexpected(Error{fmt::format("is empty; give {}", instead), "", 0, name});
    }
    return set(r, v);
  };
  return f;
}

}  // namespace

const std::vector<Field<ForecastRequest>>& ForecastFields() {
  using R = ForecastRequest;
  static const std::vector<Field<R>> fields = {
      // --scenario as well: the HTTP body's field, and what users type.
      PositionalOrFlag(
          Bind("scenario", &R::scenario,
               "built-in scenario name (see --list) or a scenario YAML file (default china-2026)")),
      Positional(Bind("compare", &R::compare,
                      "a second scenario (name or file) to forecast side by side with the first")),
      NotEmpty(Bind("scenario_yaml", &R::scenario_yaml,
                    "the scenario itself, as YAML text (instead of a name or file)"),
               "the scenario's YAML text, or leave it out for a built-in name or a file"),
      NotEmpty(Bind("set", &R::set,
                    "what-if: PATH=VALUE applied to the second scenario (or a copy of the first), "
                    "e.g. events.b30a-licensed.probability=1; repeat for more"),
               "a setting as PATH=VALUE (events.b30a-licensed.probability=1)"),
      Bind("list", &R::list, "list the built-in scenarios"),
      Bind("samples", &R::samples, "Monte Carlo samples (default 1000)"),
      Bind("seed", &R::seed, "random seed (default 1)"),
      Bind("no_sensitivity", &R::no_sensitivity, "skip the sensitivity analysis"),
      Bind("no_purchase_advice", &R::no_purchase_advice, "skip the purchase advice"),
      Bind("no_model_error", &R::no_model_error,
           "leave the performance model's own error out of the Monte Carlo (supply alone)"),
      CliOnly(Bind("csv", &R::csv, "also write CSV tables into this directory")),
      CliOnly(Bind("report", &R::report, "also write a self-contained HTML report with charts")),
  };
  return fields;
}

const std::vector<Field<LocalizeRequest>>& LocalizeFields() {
  using R = LocalizeRequest;
  static const std::vector<Field<R>> fields = {
      Bind("sector", &R::sector, "automotive or ai-accelerators (default automotive)"),
      Bind("target", &R::target, "domestic share to reach, 0-1 (default 1.0)"),
      Bind("by", &R::by, "year the target is for (default 2027)"),
      Bind("until", &R::until, "last year projected (default 2030)"),
      Bind("samples", &R::samples, "Monte Carlo samples (default 10000)"),
      Bind("seed", &R::seed, "random seed (default 1)"),
  };
  return fields;
}

const std::vector<Field<ReplayRequest>>& ReplayFields() {
  using R = ReplayRequest;
  static const std::vector<Field<R>> fields = {
      Required(Bind("trace", &R::trace, "trace file")),
      Bind("format", &R::format, "openb, gavel, sia or csv (default: from the file)"),
      Bind("nodes", &R::nodes, "node list (openb format: sn,cpu_milli,memory_mib,gpu,model)"),
      Bind("cluster", &R::cluster,
           "type:count[:gpus_per_node],... (without a node size, one pool per type: h100:16; "
           "two nodes of 8 are h100:16:8 or h100:2x8, where a job stays on one node; a count of "
           "0 adds no GPUs; a type listed twice needs a node size in each entry)"),
      Bind(
          "kube", &R::kube,
          "or the cluster from Kubernetes objects (kubectl get nodes,pods -o json or -o yaml): its "
          "GPU nodes, and running pods that say suanli.io/remaining-s hold their GPUs until then"),
      Bind("policy", &R::policy,
           "policy or comma-separated policies: " + JoinOr(sim::PolicyNames())),
      CliOnly(Bind("report", &R::report, "also write a self-contained HTML report")),
      Bind("round_s", &R::round_s,
           "round-based mode: decide every N seconds (Gavel uses 360); default: at every event, "
           "except max-min-fairness(-perf), which need rounds (360 s)"),
      Bind("seed", &R::seed,
           "seed of the draws some policies make: Gavel's FIFO (Gavel's --seed, default 0); with "
           "--fill, the fill order and tie-breaking (default 42, as FGD's runs)"),
      Bind("fill", &R::fill,
           "FGD's fill experiment: pods arrive in a shuffled order and never leave until the "
           "requested GPU reaches this ratio of capacity (e.g. 1.3); prints allocation % vs "
           "arrived %"),
      Bind("repeat", &R::repeat,
           "with --fill: runs seeds seed .. seed + N - 1 and averages (default 1)"),
      Bind("timing", &R::timing,
           "also report the wall-clock seconds each policy took (sim_wall_s, the `wall s` "
           "column); off by default, so that the same inputs give the same bytes"),
      Bind("throughputs", &R::throughputs,
           "Gavel simulation_throughputs.json (default $SUANLI_DATA/traces/gavel/...)"),
      Bind("profiles", &R::profiles,
           "Sia profile directory (default $SUANLI_DATA/traces/sia-sosp23/traces)"),
  };
  return fields;
}

const std::vector<Field<SynthRequest>>& SynthFields() {
  using R = SynthRequest;
  static const std::vector<Field<R>> fields = {
      Required(Bind("from", &R::from, "source trace")),
      Bind("format", &R::format, "source format: openb, gavel, sia or csv"),
      Required(Bind("jobs", &R::jobs, "jobs to write")),
      Bind("seed", &R::seed, "random seed (default 1)"),
      Bind("rate_scale", &R::rate_scale,
           "arrival rate multiplier: gaps are divided by it (default 1)"),
      CliOnly(Required(Bind("output", &R::output, "output CSV file"))),
      Bind("throughputs", &R::throughputs, "Gavel simulation_throughputs.json"),
      Bind("profiles", &R::profiles, "Sia profile directory"),
  };
  return fields;
}

const std::vector<Field<ClusterImportRequest>>& ClusterImportFields() {
  using R = ClusterImportRequest;
  static const std::vector<Field<R>> fields = {
      Positional(Bind("files", &R::files,
                      "files from `kubectl get nodes,pods -o json` (or -o yaml), Kueue "
                      "ResourceFlavors and ClusterQueues, DRA ResourceSlices")),
      Bind("kube_json", &R::kube_json, "the same objects inline (a List or one object)"),
  };
  return fields;
}

const std::vector<Field<SimulateRequest>>& SimulateFields() {
  using R = SimulateRequest;
  static const std::vector<Field<R>> fields = {
      Bind("model", &R::model, "model id: the job trains it (with --tokens)"),
      Bind("tokens", &R::tokens, "tokens to train on, e.g. 200B"),
      Bind("dtype", &R::dtype, "training precision: bf16, fp16 or fp8"),
      Bind("gpus", &R::gpus, "accelerators the job holds (default 8; 1k is 1,024, 2x8 is 16)"),
      Bind("durations", &R::durations,
           "instead of model and tokens: hours alone per type, e.g. h800:12,a100:30"),
      Bind("cluster", &R::cluster,
           "the cluster as type:count[:gpus_per_node],... (empty, idle; h100:16 is one pool of "
           "16, h100:16:8 or h100:2x8 two nodes of 8, which a job wider than a node spans)"),
      Bind(
          "kube", &R::kube,
          "or Kubernetes objects (kubectl get nodes,pods -o json or -o yaml): the cluster and what "
          "runs on it now (pods may say suanli.io/remaining-s)"),
      Bind("kube_json", &R::kube_json, "the same objects inline"),
      Bind("policy", &R::policy,
           "scheduling policy (default fifo-perf: the fastest type with room): " +
               JoinOr(sim::PolicyNames())),
      Bind("deadline_h", &R::deadline_h, "hours from now the job must finish by"),
      Bind("chip_hour_usd", &R::chip_hour_usd,
           "price of one chip-hour (default: catalog price amortized)"),
  };
  return fields;
}

const std::vector<Field<CalibrateRequest>>& CalibrateFields() {
  using R = CalibrateRequest;
  static const std::vector<Field<R>> fields = {
      PositionalOrFlag(Bind("measurements", &R::measurements,
                            "YAML or CSV files of measured runs (docs/calibrate.md): a kind column "
                            "(train or infer), the command's flags in snake_case, and measured "
                            "quantities under its JSON names (the files may follow the command "
                            "without the flag)")),
      Bind("measurements_yaml", &R::measurements_yaml, "the measurements inline, as YAML text"),
      CliOnly(Bind("output", &R::output,
                   "write the fitted families as a catalog overlay into this folder (use it "
                   "with --catalog)")),
      CliOnly(Bind("report", &R::report,
                   "also write a self-contained HTML report (predicted against measured, errors)")),
      Bind("date", &R::date, "date recorded in the overlay, YYYY-MM-DD (default: today, UTC)"),
      Bind("no_leave_one_out", &R::no_leave_one_out,
           "skip the held-out errors (one refit per measurement)"),
      Bind("fit_chip", &R::fit_chip,
           "fit a chip figure as if the catalog lacked it: CHIP.memory_tb_s or "
           "CHIP.peak_tflops.DTYPE (figures the catalog lacks are fitted without asking)"),
  };
  return fields;
}

bool Simulated(const InferRequest& r) { return r.mode != "analytic" && !r.analytic; }

}  // namespace suanli::app
