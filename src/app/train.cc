// train: one training job on one fleet, through the training model.
#include <cctype>
#include <cmath>

#include <algorithm>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/amount.h"
#include "app/engine.h"
#include "app/internal.h"
#include "catalog/catalog.h"
#include "core/text.h"
#include "perf/inference.h"
#include "perf/power.h"
#include "perf/training.h"
#include "perf/transformer.h"
#include "report/infer_report.h"
#include "report/train_report.h"

namespace suanli::app {

using internal::FieldError;
using internal::WithField;

// LLaMA-Factory's cutoff_len when a run gives none (hparams/data_args.py, S4060).
constexpr int kLlamaFactoryCutoff = 2048;
// TRL's SFTConfig.max_length when a `trl sft` line gives none (trl/trainer/sft_config.py, S4660):
// each example truncated to 1,024 tokens, and with packing the sequence length.
constexpr int kTrlSftMaxLength = 1024;
// The Hugging Face Trainer's per_device_train_batch_size when a line gives none
// (TrainingArguments: "defaults to 8", S4782; TRL's SFTConfig keeps it).
constexpr int kTrainerPerDeviceBatch = 8;

// A TRL SFT line: `trl sft ...` (the CLI's launched_by), or its script run directly
// (`accelerate launch trl/scripts/sft.py ...`, which `trl sft` runs, S4660).
static bool IsTrlSft(const TrainRequest& r) {
  return ToLower(r.launched_by) == "trl sft" || r.script.ends_with("trl/scripts/sft.py");
}

namespace internal {

Result<void> CheckSizes(const std::vector<std::pair<const char*, std::optional<int>>>& sizes,
                        long limit) {
  for (const auto& [name, v] : sizes) {
    if (v && (*v < 1 || *v > limit)) {
      return tl::unexpected(FieldError(
          name, "must be between 1 and " + std::to_string(limit) + ", got " + std::to_string(*v)));
    }
  }
  return {};
}

// Where a stack was defined ("builtin:stacks.yaml:17"), for messages.
std::string StackOrigin(const catalog::Catalog& cat, const catalog::TrainingStack* stack) {
  return cat.Origin("stack", stack->id);
}

// A request typed with no precision at all (no --dtype, --precision, per-tensor format, launch
// line or job config): the model's own pre-training recipe when the catalog has one
// (pretraining.precision, e.g. DeepSeek-V3's fine-grained FP8, S962/S3359) and the chip and
// stack run it. Sets r.precision and returns what was taken and why; empty: nothing to say.
std::string WithModelPrecision(const catalog::Model& model, const catalog::Chip& chip,
                               const catalog::TrainingStack* stack, bool launch_line,
                               const std::string& job_config, TrainRequest& r) {
  if (!model.pretraining || model.pretraining->precision.empty()) return {};
  if (!r.dtype.empty() || !r.precision.empty() || launch_line || !job_config.empty()) return {};
  for (const std::string* knob : {&r.param_dtype, &r.grad_dtype, &r.grad_reduce_dtype,
                                  &r.main_param_dtype, &r.optimizer_dtype, &r.activation_dtype,
                                  &r.titan_mixed_precision_param, &r.titan_float8_recipe}) {
    if (!knob->empty()) return {};
  }
  const std::string& recipe = model.pretraining->precision;
  const std::string own =
      fmt::format("{} was pre-trained in {} (catalog pretraining.precision)", model.name, recipe);
  std::string why_not;
  auto p = perf::PrecisionRecipe(recipe, chip);
  if (!p) {
    why_not = p.error().message;
  } else if (auto ok = perf::CheckPrecision(*p, chip); !ok) {
    why_not = ok.error().message;
  } else if (stack && !stack->precisions.empty() &&
             std::find(stack->precisions.begin(), stack->precisions.end(), recipe) ==
                 stack->precisions.end()) {
    why_not = "stack '" + stack->id + "' has no recipe " + recipe;
  }
  if (!why_not.empty()) {
    return own + "; not taken: " + why_not + "; the chip's default instead (--dtype to choose)";
  }
  r.precision = recipe;
  return "--precision " + recipe + ": " + own + "; --dtype bf16 for a BF16 run";
}

// The precision recipe and its per-tensor overrides. A bare --dtype leaves job.precision unset
// (the recipe it means is resolved by the model, with the model's errors).
Result<void> ApplyPrecision(const catalog::Catalog& cat, const TrainRequest& r,
                            const catalog::Chip& chip, const catalog::TrainingStack* stack,
                            perf::TrainingJob& job) {
  using perf::TensorFormat;
  struct Knob {
    const char* field;
    const std::string& value;
    TensorFormat perf::Precision::*member;
    std::vector<TensorFormat> allowed;
  };
  const std::vector<Knob> knobs = {
      {"param_dtype",
       r.param_dtype,
       &perf::Precision::params,
       {TensorFormat::kFp32, TensorFormat::kBf16, TensorFormat::kFp16, TensorFormat::kFp8}},
      {"grad_dtype",
       r.grad_dtype,
       &perf::Precision::grads,
       {TensorFormat::kFp32, TensorFormat::kBf16, TensorFormat::kFp16}},
      {"grad_reduce_dtype",
       r.grad_reduce_dtype,
       &perf::Precision::grad_reduce,
       {TensorFormat::kFp32, TensorFormat::kBf16, TensorFormat::kFp16}},
      {"main_param_dtype",
       r.main_param_dtype,
       &perf::Precision::main_params,
       {TensorFormat::kFp32, TensorFormat::kBf16, TensorFormat::kNone}},
      {"optimizer_dtype",
       r.optimizer_dtype,
       &perf::Precision::optimizer,
       {TensorFormat::kFp32, TensorFormat::kBf16}},
      {"activation_dtype",
       r.activation_dtype,
       &perf::Precision::activations,
       {TensorFormat::kBf16, TensorFormat::kFp8}},
  };
  const bool any_knob =
      std::any_of(knobs.begin(), knobs.end(), [](const Knob& k) { return !k.value.empty(); });
  if (r.precision.empty() && !any_knob && !stack) return {};
  std::string recipe =
      r.precision.empty() ? std::string(perf::RecipeForDType(job.dtype)) : r.precision;
  if (stack && r.precision.empty() && !stack->precisions.empty() &&
      std::find(stack->precisions.begin(), stack->precisions.end(), recipe) ==
          stack->precisions.end()) {
    // The stack's own recipe for the GEMM format asked (torchtitan: fsdp2-mixed for bf16).
    for (const auto& name : stack->precisions) {
      auto candidate = perf::PrecisionRecipe(name, chip);
      if (candidate && candidate->matmul == job.dtype) {
        recipe = name;
        break;
      }
    }
  }
  if (stack && !stack->precisions.empty() &&
      std::find(stack->precisions.begin(), stack->precisions.end(), recipe) ==
          stack->precisions.end()) {
    return tl::unexpected(FieldError(r.precision.empty() ? "dtype" : "precision",
                                     "stack '" + stack->id + "' (" + StackOrigin(cat, stack) +
                                         ") has no precision recipe '" + recipe + "'; it has " +
                                         JoinOr(stack->precisions)));
  }
  auto p = perf::PrecisionRecipe(recipe, chip);
  if (!p) return tl::unexpected(FieldError("precision", p.error().message));
  if (!r.dtype.empty() && p->matmul != job.dtype) {
    return tl::unexpected(FieldError("dtype", "--dtype " + r.dtype + " contradicts " +
                                                  FlagAsTyped(r.typed_as, "precision") + " " +
                                                  p->recipe + ", which computes in " +
                                                  std::string(catalog::DTypeName(p->matmul))));
  }
  std::string last_field = "precision";  // a contradiction is the last knob's doing
  for (const auto& k : knobs) {
    if (k.value.empty()) continue;
    last_field = k.field;
    auto f = perf::ParseTensorFormat(k.value);
    if (!f || std::find(k.allowed.begin(), k.allowed.end(), *f) == k.allowed.end()) {
      std::vector<std::string> names;
      for (auto a : k.allowed) names.emplace_back(perf::TensorFormatName(a));
      return tl::unexpected(FieldError(
          k.field, "unknown format '" + k.value.substr(0, 40) + "'; expected " + JoinOr(names)));
    }
    const bool to_fp8_params = k.member == &perf::Precision::params && *f == TensorFormat::kFp8 &&
                               p->params != TensorFormat::kFp8;
    // The label names what differs from the recipe (a pasted line spells out the recipe's own).
    if ((*p).*k.member != *f)
      p->recipe += fmt::format(", {} {}", k.field, perf::TensorFormatName(*f));
    (*p).*k.member = *f;
    if (to_fp8_params) {
      p->matmul = catalog::DType::kFp8;
      // The FP8 parameter is itself the row-wise copy Transformer Engine would cache (TE's
      // Float8Tensor / MXFP8Tensor weights, Megatron --fp8-param-gather); only the column-wise
      // one (Hopper's transpose, Blackwell's column-wise MXFP8 copy) is kept beside it, half the
      // cache of a bf16 weight [S3220].
      p->weight_cache_bytes /= 2;
    }
  }
  if (auto ok = perf::CheckPrecision(*p, chip); !ok) {
    return tl::unexpected(FieldError(last_field, ok.error().message));
  }
  if (p->sharded_params && r.zero && *r.zero != 3) {
    return tl::unexpected(FieldError(
        "zero", "--zero " + std::to_string(*r.zero) + " contradicts " +
                    FlagAsTyped(r.typed_as, "precision") + " " + p->recipe +
                    ", which shards the fp32 parameters over data parallel (ZeRO-3, FSDP)"));
  }
  job.dtype = p->matmul;
  job.precision = std::move(*p);
  return {};
}

// "on"/"off" (also true/false, 1/0), or unset.
Result<std::optional<bool>> OnOff(const std::string& v, const char* field) {
  if (v.empty()) return std::optional<bool>{};
  const std::string t = ToLower(v);
  if (t == "on" || t == "true" || t == "1" || t == "yes") return std::optional<bool>{true};
  if (t == "off" || t == "false" || t == "0" || t == "no") return std::optional<bool>{false};
  return tl::unexpected(FieldError(field, "expected on or off, got '" + v.substr(0, 40) + "'"));
}

// The pipeline's layers per stage as the request gives them (a Megatron layout string, or the
// first/last stages' counts), checked against the model where the layout is known.
Result<void> ApplyStageSplit(const TrainRequest& r, const catalog::TrainingStack* stack,
                             perf::TrainingJob& job) {
  const bool layout = !r.pipeline_model_parallel_layout.empty();
  if (!layout && !r.decoder_first_pipeline_num_layers && !r.decoder_last_pipeline_num_layers) {
    return {};
  }
  const char* field = layout                                ? "pipeline_model_parallel_layout"
                      : r.decoder_first_pipeline_num_layers ? "decoder_first_pipeline_num_layers"
                                                            : "decoder_last_pipeline_num_layers";
  if (stack && !stack->uneven_stages) {
    return tl::unexpected(FieldError(
        field, "stack '" + stack->id + "' places no layers by hand (it has no uneven stages)"));
  }
  perf::StageSplit split;
  if (layout) {
    auto stages = perf::ParsePipelineLayout(r.pipeline_model_parallel_layout);
    if (!stages) return tl::unexpected(FieldError(field, stages.error().message));
    split.layout = std::move(*stages);
    split.text = r.pipeline_model_parallel_layout;
  }
  split.first_layers = r.decoder_first_pipeline_num_layers.value_or(0);
  split.last_layers = r.decoder_last_pipeline_num_layers.value_or(0);
  // With the virtual stages known, the split is checked here, naming the flag; else each layout
  // the search tries is.
  if (r.pp && (r.interleave || *r.pp == 1)) {
    const int vpp = *r.pp > 1 ? *r.interleave : 1;
    const int mtp = job.software.mtp ? job.model->mtp_layers : 0;
    if (auto ok = perf::StagesFor(split, job.model->layers, mtp, *r.pp, vpp); !ok) {
      return tl::unexpected(FieldError(field, ok.error().message));
    }
  }
  job.stage_split = std::move(split);
  return {};
}

// The stack's knobs and limits; each flag given must be one the stack can honour.
Result<void> ApplyStack(const catalog::Catalog& cat, const TrainRequest& r,
                        const catalog::TrainingStack* stack, internal::TrainSetup& setup) {
  perf::TrainingJob& job = setup.job;
  perf::LayoutConstraints& fixed = setup.fixed;
  perf::SoftwareKnobs& sw = job.software;
  auto lacks = [&](const char* field, const std::string& what) {
    return tl::unexpected(
        FieldError(field, "stack '" + stack->id + "' (" + StackOrigin(cat, stack) + ") " + what));
  };
  auto dp = OnOff(r.dp_overlap, "dp_overlap");
  auto tpo = OnOff(r.tp_comm_overlap, "tp_comm_overlap");
  auto mtp = OnOff(r.mtp, "mtp");
  auto uneven = OnOff(r.uneven_stages, "uneven_stages");
  auto epo = OnOff(r.ep_a2a_overlap, "ep_a2a_overlap");
  auto forced = OnOff(r.moe_force_load_balancing, "moe_force_load_balancing");
  for (auto* v : {&dp, &tpo, &mtp, &uneven, &epo, &forced}) {
    if (!*v) return tl::unexpected(v->error());
  }
  if (stack) {
    if (*dp && **dp && !stack->dp_overlap) {
      return lacks("dp_overlap", "does not overlap the data-parallel gradient sync");
    }
    if (*tpo && **tpo && !stack->tp_comm_overlap) {
      return lacks("tp_comm_overlap", "does not overlap tensor-parallel communication");
    }
    if (*epo && **epo && !stack->ep_a2a_overlap) {
      return lacks("ep_a2a_overlap",
                   "does not overlap the expert all-to-all with another micro-batch's compute");
    }
    if (*mtp && **mtp && !stack->mtp && job.model->mtp_layers > 0) {
      return lacks("mtp", "does not train multi-token-prediction layers");
    }
    if (*uneven && **uneven && !stack->uneven_stages) {
      return lacks("uneven_stages", "has no uneven first/last pipeline stages");
    }
    if (r.offload_layers && *r.offload_layers > 0 && !stack->activation_offload) {
      return lacks("offload_layers", "does not offload activations to host memory");
    }
  }
  // Megatron's fused loss where the line names it: its own vocab-parallel cross entropy, or
  // Transformer Engine's with --cross-entropy-fusion-impl te (language_module.py
  // compute_language_model_loss; S3222, S3223). A line that names none keeps the model's loss,
  // as suanli's own flags do, so a Megatron line and its native flags give one answer.
  if (!r.cross_entropy_fusion_impl.empty()) {
    const std::string impl = ToLower(r.cross_entropy_fusion_impl);
    if (impl != "native" && impl != "te") {
      return tl::unexpected(FieldError(
          "cross_entropy_fusion_impl",
          "unknown '" + r.cross_entropy_fusion_impl.substr(0, 40) + "'; expected native or te"));
    }
  }
  if (stack && stack->loss_bytes_per_logit) sw.loss_bytes_per_logit = *stack->loss_bytes_per_logit;
  if (stack) sw.loss_parallel_bytes_per_logit = stack->loss_parallel_bytes_per_logit;
  if (r.cross_entropy_loss_fusion) {
    sw.loss_bytes_per_logit = ToLower(r.cross_entropy_fusion_impl) == "te" ? 2 : 6;
    sw.loss_parallel_bytes_per_logit.reset();
  }
  if (r.offload_layers) {
    if (*r.offload_layers < 0 || *r.offload_layers > job.model->layers) {
      return tl::unexpected(FieldError(
          "offload_layers", fmt::format("must be between 0 and the model's {} layers, got {}",
                                        job.model->layers, *r.offload_layers)));
    }
    if (*r.offload_layers > 0 && !job.chip->host_link_gb_s.known()) {
      return tl::unexpected(FieldError(
          "offload_layers", "chip '" + job.chip->id +
                                "' has no host_link_gb_s in the catalog (data/chips.yaml), the "
                                "link the activations would cross; add it with --catalog"));
    }
    sw.offload_layers = *r.offload_layers;
  }
  sw.dp_overlap = *dp ? **dp : stack ? std::optional<bool>{stack->dp_overlap} : std::nullopt;
  sw.tp_comm_overlap = *tpo ? **tpo : stack && stack->tp_comm_overlap;
  sw.mtp = *mtp ? **mtp : !stack || stack->mtp;
  sw.uneven_stages = *uneven ? **uneven : !stack || stack->uneven_stages;
  sw.sdpa_attention = stack && stack->sdpa_attention;
  sw.op_selective_recompute = stack && stack->op_selective_recompute;
  sw.moe_random_routing = *forced && **forced;
  sw.ep_a2a_overlap_layer_host_s =
      stack && stack->ep_a2a_overlap_layer_host_s ? *stack->ep_a2a_overlap_layer_host_s : 0.0;
  sw.full_iteration_graphs = stack && stack->full_iteration_graphs;
  sw.ep_overlap_hybridep = stack && stack->ep_overlap_hybridep;
  sw.fused_grouped_mlp = stack && stack->fused_grouped_mlp;
  sw.mxfp8_attention = stack && stack->fp8_attention;
  if (*epo) setup.fixed.ep_a2a_overlap = **epo;
  setup.fixed.allow_ep_a2a_overlap = stack && stack->ep_a2a_overlap;

  if (!r.recompute_modules.empty()) {
    std::string unknown;
    auto mask = perf::ParseRecomputeModules(fmt::format("{}", fmt::join(r.recompute_modules, ",")),
                                            &unknown);
    if (!mask || *mask == 0) {
      return tl::unexpected(FieldError("recompute_modules",
                                       "unknown module '" + unknown.substr(0, 40) + "'; expected " +
                                           JoinOr(perf::RecomputeModuleNames())));
    }
    if (fixed.recompute && *fixed.recompute != perf::Recompute::kSelective) {
      return tl::unexpected(FieldError(
          "recompute_modules", "needs " + FlagAsTyped(r.typed_as, "recompute", "selective") +
                                   ", not " + std::string(perf::RecomputeName(*fixed.recompute))));
    }
    if (stack) {
      for (const auto& name : perf::RecomputeModuleNames()) {
        const auto bit = perf::ParseRecomputeModules(name, nullptr);
        if ((*mask & *bit) &&
            std::find(stack->recompute_modules.begin(), stack->recompute_modules.end(), name) ==
                stack->recompute_modules.end()) {
          return lacks("recompute_modules",
                       "cannot recompute module " + name + " on its own" +
                           (stack->recompute_modules.empty()
                                ? ""
                                : "; it has " + JoinOr(stack->recompute_modules)));
        }
      }
    }
    fixed.recompute = perf::Recompute::kSelective;
    fixed.recompute_modules = *mask;
  }
  if (!stack) return {};

  auto has = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  // A stack with no pipeline parallelism runs one stage.
  if (!stack->pipeline) {
    if (r.pp && *r.pp > 1) return lacks("pp", "has no pipeline parallelism (one stage only)");
    if (r.interleave && *r.interleave > 1) {
      return lacks("interleave", "has no pipeline parallelism (one stage only)");
    }
    fixed.pp = 1;
  }
  // Schedules.
  if (fixed.schedule) {
    const std::string name(perf::ScheduleName(*fixed.schedule));
    if (!has(stack->schedules, name)) {
      return lacks("schedule", "has no " + name + " schedule; it has " + JoinOr(stack->schedules));
    }
  }
  fixed.allow_interleave = has(stack->schedules, "interleaved");
  if (r.interleave && *r.interleave > 1 && !fixed.allow_interleave) {
    return lacks("interleave", "has no interleaved schedule (virtual pipeline stages)");
  }
  for (const auto& name : stack->schedules) {
    if (auto s = perf::ParseSchedule(name)) fixed.allowed_schedules.push_back(*s);
  }
  if (fixed.allowed_schedules.empty())
    fixed.allowed_schedules.push_back(perf::PipelineSchedule::k1F1B);
  // ZeRO stages.
  if (r.zero && std::find(stack->zero_stages.begin(), stack->zero_stages.end(), *r.zero) ==
                    stack->zero_stages.end()) {
    std::vector<std::string> stages;
    for (int z : stack->zero_stages) stages.push_back(std::to_string(z));
    return lacks("zero",
                 "has no ZeRO stage " + std::to_string(*r.zero) + "; it has " + JoinOr(stages));
  }
  fixed.allowed_zero_stages = stack->zero_stages;
  // The ZeRO stages it runs under a pipeline (Megatron-Core's FSDP and DeepSpeed's pipeline
  // engine: none above 1).
  const auto& piped = stack->pipeline_zero_stages;
  fixed.allowed_pipeline_zero_stages = piped;
  const bool pipelined = (r.pp && *r.pp > 1) || (r.interleave && *r.interleave > 1);
  if (r.zero && pipelined && !piped.empty() &&
      std::find(piped.begin(), piped.end(), *r.zero) == piped.end()) {
    std::vector<std::string> stages;
    for (int z : piped) stages.push_back(std::to_string(z));
    return lacks("zero", "runs ZeRO stage " + std::to_string(*r.zero) +
                             " only without pipeline parallelism (pp 1); with pp > 1 it has " +
                             JoinOr(stages));
  }
  // Recomputation.
  if (fixed.recompute) {
    const std::string name(perf::RecomputeName(*fixed.recompute));
    if (!stack->recompute.empty() && !has(stack->recompute, name)) {
      return lacks(r.recompute_modules.empty() ? "recompute" : "recompute_modules",
                   "has no " + name + " recomputation; it has " + JoinOr(stack->recompute));
    }
  }
  for (const auto& name : stack->recompute) {
    if (auto rc = perf::ParseRecompute(name)) fixed.allowed_recompute.push_back(*rc);
  }
  // Attention kernels.
  const std::string kernel = job.attention == perf::AttentionKernel::kFlash ? "flash" : "unfused";
  if (!stack->attention.empty() && !has(stack->attention, kernel)) {
    return lacks("attention",
                 "has no " + kernel + " attention; it has " + JoinOr(stack->attention));
  }
  // The launch flags of another stack are a contradiction, not a conversion.
  if (!r.emit.empty() && r.emit != stack->emit) {
    return lacks("emit", stack->emit.empty()
                             ? "has no flag set to emit"
                             : "runs with --emit " + stack->emit + ", not " + r.emit);
  }
  return {};
}

namespace {

// --dtype as users type it: the names infer takes (perf::ParseServingDType: bfloat16, half,
// fp8-e4m3, nvfp4...) where they name a training format, PyTorch's float8, and the name of a
// precision recipe (--dtype mxfp8 or fp8-current means --precision of that name).
TrainRequest WithDTypeAsTyped(const TrainRequest& given) {
  TrainRequest r = given;
  const std::string dtype = NormalizeId(r.dtype);
  if (dtype == "float8") r.dtype = "fp8";
  if (const auto served = perf::ParseServingDType(dtype)) {
    const std::string_view name = perf::ServingDTypeName(*served);
    if (catalog::ParseDType(name)) r.dtype = std::string(name);
  }
  const auto recipes = perf::PrecisionRecipes();
  if (!catalog::ParseDType(r.dtype) && r.precision.empty() &&
      std::find(recipes.begin(), recipes.end(), dtype) != recipes.end()) {
    r.precision = dtype;
    r.dtype.clear();
  }
  return r;
}

// The data-parallel size a request gives, or its chips over its given splits (tp, pp, cp: 1 where
// not given); 0 when the splits exceed the chips.
int64_t GivenDataParallel(const TrainRequest& r) {
  if (r.dp) return *r.dp;
  const int64_t split = int64_t{r.tp.value_or(1)} * r.pp.value_or(1) * r.cp.value_or(1);
  return split > 0 ? r.count.value_or(0) / split : 0;
}

// A pasted Megatron launch line (a flag only Megatron has, TrainRequest::megatron_flag) runs
// Megatron's defaults for what it leaves out, not the search's choice: no context parallelism,
// no recomputation without --recompute-*, no optimizer sharding without
// --use-distributed-optimizer, no sequence parallelism without --sequence-parallel, no virtual
// stages without --num-layers-per-virtual-pipeline-stage or --num-virtual-stages-per-pipeline-rank
// (megatron/core/model_parallel_config.py, transformer_config.py, megatron/training/arguments.py:
// S3130). The gradient sync's overlap stays the stack's or the calibrated one: --emit megatron
// prints --overlap-grad-reduce only where the estimate was told it. Returns what it set, for the
// answer; empty when the request is not a Megatron line or gives them all.
std::string WithMegatronDefaults(TrainRequest& r) {
  if (r.megatron_flag.empty() || HasJobConfig(r)) return "";
  std::vector<std::string> set;
  if (!r.cp) {
    r.cp = 1;
    set.push_back("cp 1");
  }
  if (r.recompute.empty() && r.recompute_modules.empty()) {
    r.recompute = "none";
    set.push_back("no recompute");
  }
  if (!r.zero) {
    r.zero = 0;
    set.push_back("ZeRO 0");
  }
  if (!r.sequence_parallel && !r.no_sequence_parallel) {
    r.no_sequence_parallel = true;
    set.push_back("no sequence parallel");
  }
  if (!r.interleave && r.schedule.empty()) {
    r.interleave = 1;
    set.push_back("no virtual stages");
  }
  if (set.empty()) return "";
  std::string list;
  for (const auto& s : set) list += (list.empty() ? "" : ", ") + s;
  return fmt::format("Megatron's defaults for what the launch line leaves out (it has {}): {}",
                     FlagName(r.megatron_flag), list);
}

// A pasted Trainer line (a Trainer-only flag) with no DeepSpeed config and no Accelerate config:
// it runs the Trainer's own DDP or FSDP (WithTrainerDefaults), not a searched ZeRO stage.
bool RunsTrainersOwnParallelism(const TrainRequest& r) {
  return !r.trainer_flag.empty() && !r.deepspeed_named && r.deepspeed_config.empty() &&
         !r.accelerate_config;
}

// A pasted Hugging Face Trainer line (a flag only the Trainer has, TrainRequest::trainer_flag)
// without --deepspeed runs the Trainer's own data parallelism (transformers trainer.py wraps the
// model in DistributedDataParallel, or FSDP as --fsdp says; TrainingArguments, S4553, S4460):
// every rank holds the whole model (no tensor, pipeline, context or expert split), and the
// weights, gradients and Adam state are whole on each rank (DDP, ZeRO 0) or sharded as --fsdp
// says: full_shard and hybrid_shard (full_shard within a node) ZeRO 3, shard_grad_op and
// hybrid_shard_zero2 ZeRO 2, no_shard ZeRO 0. No recomputation without --gradient_checkpointing
// (the Trainer's default; LLaMA-Factory's own default is set where the job is built). Returns
// what it set, for the answer; empty when the request is not such a line. Accelerate's
// --config_file (not read) may name FSDP or DeepSpeed: the line is then left to the search.
Result<std::string> WithTrainerDefaults(TrainRequest& r) {
  if (!RunsTrainersOwnParallelism(r)) return std::string();
  int zero = 0;
  std::string what = "PyTorch DDP";
  std::string options = ToLower(r.fsdp);
  std::replace(options.begin(), options.end(), ',', ' ');
  std::istringstream words(options);
  std::string seen;
  for (std::string o; words >> o;) {
    int z = -1;
    if (o == "full_shard" || o == "hybrid_shard") z = 3;
    if (o == "shard_grad_op" || o == "hybrid_shard_zero2") z = 2;
    if (o == "no_shard") z = 0;
    if (o == "true") z = 3;  // --fsdp True: the Trainer's full_shard
    if (o == "false" || o == "auto_wrap") continue;
    if (o == "offload") {
      return tl::unexpected(
          FieldError("fsdp",
                     "offload (FSDP's parameters and gradients on the host CPU) is not priced; "
                     "give " +
                         FlagAsTyped(r.typed_as, "fsdp") +
                         " without it, or a DeepSpeed config with offload_optimizer"));
    }
    if (z < 0) {
      return tl::unexpected(
          FieldError("fsdp", fmt::format("unknown option {}; expected full_shard, shard_grad_op, "
                                         "hybrid_shard, hybrid_shard_zero2, no_shard, auto_wrap",
                                         Quoted(o.substr(0, 40)))));
    }
    if (!seen.empty() && z != zero) {
      return tl::unexpected(
          FieldError("fsdp", fmt::format("{} and {}: give one sharding", seen, o)));
    }
    zero = z;
    seen = o;
    what = z == 0 ? "PyTorch DDP (FSDP no_shard)" : fmt::format("PyTorch FSDP ({})", o);
  }
  std::vector<std::string> set;
  if (r.zero && *r.zero != zero) {
    return tl::unexpected(
        FieldError(seen.empty() ? "zero" : "fsdp",
                   fmt::format("{} contradicts the Hugging Face Trainer's {} (ZeRO {}){}",
                               FlagAsTyped(r.typed_as, "zero", std::to_string(*r.zero)), what, zero,
                               seen.empty() ? fmt::format(": without {} or {} it runs DDP",
                                                          FlagAsTyped(r.typed_as, "deepspeed"),
                                                          FlagAsTyped(r.typed_as, "fsdp"))
                                            : "")));
  }
  if (!r.zero) {
    r.zero = zero;
    set.push_back(fmt::format("ZeRO {}", zero));
  }
  for (auto [field, value] : {std::pair{&r.tp, "tp"}, std::pair{&r.pp, "pp"},
                              std::pair{&r.cp, "cp"}, std::pair{&r.ep, "ep"}}) {
    if (!*field) {
      *field = 1;
      set.push_back(fmt::format("{} 1", value));
    }
  }
  if (r.recompute.empty() && r.recompute_modules.empty() &&
      ToLower(r.launched_by) != "llamafactory-cli") {
    r.recompute = "none";
    set.push_back(r.gradient_checkpointing_off ? "no recompute (--gradient_checkpointing False)"
                                               : "no recompute (no --gradient_checkpointing)");
  }
  const std::string has = r.trainer_flag.find(' ') != std::string::npos
                              ? fmt::format("it is `{}`", r.trainer_flag)
                              : fmt::format("it has --{}", r.trainer_flag);
  return fmt::format(
      "the Hugging Face Trainer's {} for what the line leaves out ({} and no --deepspeed): {}",
      what, has, fmt::format("{}", fmt::join(set, ", ")));
}

// A pasted `torchrun --nnodes 4 --nproc_per_node 8 pretrain_gpt.py ...` launches 32 ranks, one
// a GPU: the job's chips where --count is not given, a check where it is.
//
// `dies`: the devices one package is to the launcher (the system's ranks_per_chip). On an Atlas
// A3 (Ascend 910C, two dies a package, each its own torch_npu device and HCCL rank) MindSpeed's
// --nproc_per_node 16 is one node's 16 dies, 8 packages: the ranks are dies, the chips the ranks
// over the dies, and the dies of one package go to the innermost parallel size they divide
// (tensor, else data, else pipeline), as infer reads a pasted server on such a chip
// (DevicesToPackages). `note`: that reading, said with the answer.
Result<void> CountFromTorchrun(TrainRequest& r, int dies, std::string& note) {
  // Accelerate's --num_processes counts every machine's ranks (S3673).
  if (!r.accelerate_num_processes.empty()) {
    auto n = ParseWholeAmount(r.accelerate_num_processes, "num_processes", 1, 1'000'000);
    if (!n) return tl::unexpected(n.error());
    if (!r.count) {
      r.count = *n;
    } else if (*r.count != *n) {
      return tl::unexpected(FieldError(
          "count", fmt::format("{} contradicts Accelerate's {} {}", *r.count,
                               r.typed_as.json ? "num_processes" : "--num_processes", *n)));
    }
  }
  if (r.torchrun_nproc_per_node.empty()) {
    if (!r.torchrun_nnodes.empty() && !r.count) {
      return tl::unexpected(
          FieldError("count", fmt::format("is required: torchrun's {} needs {} to give the chips",
                                          FlagAsTyped(r.typed_as, "nnodes"),
                                          FlagAsTyped(r.typed_as, "nproc_per_node"))));
    }
    return {};
  }
  auto whole = [&r](const std::string& text, const char* field) -> Result<int64_t> {
    auto n = ParseWholeAmount(text, field, 1, 1'000'000);
    if (!n) {
      return tl::unexpected(FieldError(
          field, fmt::format("expected a whole number of 1 or more (give the chips as {} where it "
                             "is gpu or auto)",
                             FlagAsTyped(r.typed_as, "count"))));
    }
    return *n;
  };
  auto per_node = whole(r.torchrun_nproc_per_node, "nproc_per_node");
  if (!per_node) return tl::unexpected(per_node.error());
  int64_t nodes = 1;
  if (!r.torchrun_nnodes.empty()) {
    // torchrun's elastic MIN:MAX: a fixed size only (MIN = MAX).
    const auto colon = r.torchrun_nnodes.find(':');
    auto lo = whole(r.torchrun_nnodes.substr(0, colon), "nnodes");
    if (!lo) return tl::unexpected(lo.error());
    if (colon != std::string::npos) {
      auto hi = whole(r.torchrun_nnodes.substr(colon + 1), "nnodes");
      if (!hi) return tl::unexpected(hi.error());
      if (*hi != *lo) {
        return tl::unexpected(
            FieldError("nnodes", fmt::format("{} is an elastic range; give the job's chips as {}",
                                             r.torchrun_nnodes, FlagAsTyped(r.typed_as, "count"))));
      }
    }
    nodes = *lo;
  }
  int64_t ranks = nodes * *per_node;
  if (dies > 1 && *per_node % dies == 0) {
    auto halve = [&](std::optional<int>& size) {
      if (!size || *size % dies != 0) return false;
      *size /= dies;
      return true;
    };
    std::string moved;
    if (halve(r.tp)) {
      moved = fmt::format(", tensor parallel {} dies is {} packages", *r.tp * dies, *r.tp);
    } else if (halve(r.dp)) {
      moved = fmt::format(", data parallel {} dies is {} packages", *r.dp * dies, *r.dp);
    } else if (halve(r.pp)) {
      moved = fmt::format(", pipeline parallel {} dies is {} packages", *r.pp * dies, *r.pp);
    }
    note = fmt::format(
        "the launcher's ranks are dies ({} a package, each its own NPU device): --nnodes {} x "
        "--nproc_per_node {} = {} ranks on {} packages{}",
        dies, nodes, *per_node, ranks, ranks / dies, moved);
    ranks /= dies;
  }
  if (!r.count) {
    r.count = ranks;
  } else if (*r.count != ranks) {
    return tl::unexpected(FieldError(
        "count", fmt::format("{} contradicts torchrun's {} x {} = {}{}", *r.count,
                             FlagAsTyped(r.typed_as, "nnodes", std::to_string(nodes)),
                             FlagAsTyped(r.typed_as, "nproc_per_node", std::to_string(*per_node)),
                             ranks, note.empty() ? "" : " packages (two dies a package)")));
  }
  return {};
}

// Launch flags as Megatron-LM and DeepSpeed spell them (requests.h), turned into the request's
// own fields; a flag that contradicts a field given is an error naming both. `defaults`: what
// Megatron's defaults set (WithMegatronDefaults).
Result<TrainRequest> WithLaunchFlags(const catalog::Catalog& cat, const catalog::Model& model,
                                     TrainRequest given, const std::string& job_config,
                                     std::string& defaults, int dies, std::string& dies_note) {
  auto contradicts = [](const char* field, const std::string& why) {
    return tl::unexpected(FieldError(field, why));
  };
  // The chips first: torchtitan's data_parallel_shard_degree -1 is the ranks left over.
  if (auto ok = CountFromTorchrun(given, dies, dies_note); !ok) return tl::unexpected(ok.error());
  auto titan = WithJobConfig(cat, model, std::move(given), job_config);
  if (!titan) return tl::unexpected(titan.error());
  TrainRequest r = std::move(*titan);
  if (r.sequence_parallel && r.no_sequence_parallel) {
    return contradicts("sequence_parallel",
                       "contradicts " + FlagAsTyped(r.typed_as, "no_sequence_parallel"));
  }
  if (r.use_megatron_fsdp) {
    // Megatron-FSDP's strategies are ZeRO's stages (default optim_grads_params, arguments.py).
    static constexpr std::pair<std::string_view, int> kStrategies[] = {
        {"no_shard", 0}, {"optim", 1}, {"optim_grads", 2}, {"optim_grads_params", 3}};
    const std::string named = ToLower(r.data_parallel_sharding_strategy);
    const std::string strategy = named.empty() ? "optim_grads_params" : named;
    std::optional<int> stage;
    for (const auto& [name, zero] : kStrategies) {
      if (strategy == name) stage = zero;
    }
    if (!stage) {
      return contradicts("data_parallel_sharding_strategy",
                         "unknown strategy '" + r.data_parallel_sharding_strategy.substr(0, 40) +
                             "'; expected no_shard, optim, optim_grads or optim_grads_params");
    }
    if (r.zero && *r.zero != *stage) {
      return contradicts(named.empty() ? "use_megatron_fsdp" : "data_parallel_sharding_strategy",
                         fmt::format("shards as ZeRO {} ({}), which contradicts {} {}", *stage,
                                     strategy, FlagAsTyped(r.typed_as, "zero"), *r.zero));
    }
    r.zero = *stage;
  }
  if (r.use_distributed_optimizer) {
    if (r.zero && *r.zero == 0) {
      return contradicts("use_distributed_optimizer",
                         "shards the optimizer state (ZeRO-1), which contradicts " +
                             FlagAsTyped(r.typed_as, "zero") + " 0");
    }
    if (!r.zero) r.zero = 1;
  }
  if (r.bf16 && r.fp16)
    return contradicts("fp16", "contradicts " + FlagAsTyped(r.typed_as, "bf16"));
  const std::string fp8 = ToLower(r.fp8_format);
  if (!fp8.empty()) {
    if (fp8 != "e4m3" && fp8 != "hybrid") {
      return contradicts("fp8_format", "unknown format '" + r.fp8_format.substr(0, 40) +
                                           "'; expected e4m3 or hybrid");
    }
    if (r.fp16)
      return contradicts("fp8_format",
                         "FP8 GEMMs with " + FlagAsTyped(r.typed_as, "fp16") + " are not modelled");
    // Megatron's --bf16 with --fp8-format is the usual FP8 run: bf16 outside the FP8 GEMMs.
    if (r.dtype.empty() || ToLower(r.dtype) == "bf16") r.dtype = "fp8";
    std::string recipe = ToLower(r.fp8_recipe.empty() ? "delayed" : r.fp8_recipe);
    static constexpr std::pair<std::string_view, std::string_view> kRecipes[] = {
        {"delayed", "fp8-delayed"},
        {"tensorwise", "fp8-current"},
        {"mxfp8", "mxfp8"},
        {"blockwise", "fp8-blockwise"},
    };
    std::string precision;
    for (const auto& [name, mine] : kRecipes) {
      if (recipe == name) precision = mine;
    }
    if (precision.empty()) {
      return contradicts("fp8_recipe", "unknown recipe '" + r.fp8_recipe.substr(0, 40) +
                                           "'; expected delayed, tensorwise, mxfp8 or blockwise");
    }
    if (r.precision.empty()) {
      // The precision recipe computes in FP8 itself: --dtype fp8 would say the same.
      r.precision = precision;
      if (r.dtype == "fp8") r.dtype.clear();
    }
  } else if (r.bf16 || r.fp16) {
    const std::string want = r.bf16 ? "bf16" : "fp16";
    if (r.dtype.empty()) r.dtype = want;
  }
  if (r.fp8_param_gather) {
    if (fp8.empty()) {
      return contradicts("fp8_param_gather", "needs " + FlagAsTyped(r.typed_as, "fp8_format") +
                                                 " (FP8 weights need FP8 GEMMs)");
    }
    if (r.param_dtype.empty()) r.param_dtype = "fp8";
  }
  if (r.recompute_activations) {
    if (!r.recompute.empty() && ToLower(r.recompute) != "selective") {
      return contradicts("recompute_activations",
                         "means selective recomputation, which contradicts " +
                             FlagAsTyped(r.typed_as, "recompute") + " " + r.recompute);
    }
    r.recompute = "selective";
  }
  if (!r.recompute_method.empty()) {
    const std::string method = ToLower(r.recompute_method);
    if (method != "uniform" && method != "block") {
      return contradicts("recompute_method", "unknown method '" + r.recompute_method.substr(0, 40) +
                                                 "'; expected uniform or block");
    }
    if (!r.recompute.empty() && ToLower(r.recompute) != "full") {
      return contradicts("recompute_method", "recomputes whole layers (" +
                                                 FlagAsTyped(r.typed_as, "recompute", "full") +
                                                 "), not " + r.recompute);
    }
    r.recompute = "full";
  }
  if (r.recompute_num_layers && *r.recompute_num_layers < 1) {
    return contradicts("recompute_num_layers", "must be at least 1");
  }
  if (r.num_layers_per_virtual_pipeline_stage) {
    const int per = *r.num_layers_per_virtual_pipeline_stage;
    if (per < 1) return contradicts("num_layers_per_virtual_pipeline_stage", "must be at least 1");
    if (!r.pp) {
      return contradicts("num_layers_per_virtual_pipeline_stage",
                         "needs " + FlagAsTyped(r.typed_as, "pp") +
                             (r.typed_as.json ? "" : " (--pipeline-model-parallel-size)") +
                             ": the virtual stages are the layers of a stage over this");
    }
    // Megatron's: a stage's layers over the layers of a virtual stage (the emitted value is
    // rounded down the same way). MindSpeed-LLM's no-op layers are in the count it splits.
    auto noop = NoopLayerCount(r);
    if (!noop) return tl::unexpected(noop.error());
    const int interleave = std::max(1, (model.layers + *noop) / (std::max(1, *r.pp) * per));
    if (r.interleave && *r.interleave != interleave) {
      return contradicts(
          "num_layers_per_virtual_pipeline_stage",
          fmt::format("means {} virtual stages of {} layers, which contradicts {}", interleave,
                      model.layers,
                      FlagAsTyped(r.typed_as, "interleave", std::to_string(*r.interleave))));
    }
    r.interleave = interleave;
  }
  if (r.expert_tensor_parallel_size) {
    const int etp = *r.expert_tensor_parallel_size;
    if (etp < 1)
      return contradicts("expert_tensor_parallel_size",
                         "must be 1 or " + FlagAsTyped(r.typed_as, "tp"));
    if (etp != 1 && etp != r.tp.value_or(etp)) {
      return contradicts("expert_tensor_parallel_size",
                         fmt::format("{} is not modelled: the routed experts are split 1 way or "
                                     "like the dense layers ({})",
                                     etp, FlagAsTyped(r.typed_as, "tp", std::to_string(*r.tp))));
    }
    // Megatron-Core's rule (parallel_state.py, S4772): the stage's tp x cp x dp ranks are the
    // experts' expert-tp x ep x expert-dp, so expert-tp x ep divides tp x dp.
    if (r.tp && r.pp && r.ep && *r.ep > 0) {
      const int64_t dp = GivenDataParallel(r);
      if (dp > 0 && (int64_t{*r.tp} * dp) % (int64_t{etp} * *r.ep) != 0) {
        return contradicts("expert_tensor_parallel_size",
                           fmt::format("{} x ep {} does not divide the stage's tp x dp = {} x {} "
                                       "ranks (Megatron's expert groups)",
                                       etp, *r.ep, *r.tp, dp));
      }
    }
  }
  if (!r.pipeline_model_parallel_layout.empty()) {
    const char* field = "pipeline_model_parallel_layout";
    auto stages = perf::ParsePipelineLayout(r.pipeline_model_parallel_layout);
    if (!stages) return contradicts(field, stages.error().message);
    if (r.decoder_first_pipeline_num_layers || r.decoder_last_pipeline_num_layers) {
      return contradicts(field,
                         "give the layout or " +
                             FlagAsTyped(r.typed_as, r.decoder_first_pipeline_num_layers
                                                         ? "decoder_first_pipeline_num_layers"
                                                         : "decoder_last_pipeline_num_layers") +
                             ", not both");
    }
    if (!r.pp)
      return contradicts(field, "needs " + FlagAsTyped(r.typed_as, "pp") +
                                    (r.typed_as.json ? "" : " (--pipeline-model-parallel-size)"));
    const int n = static_cast<int>(stages->size());
    if (*r.pp < 1 || n % *r.pp != 0) {
      return contradicts(field, fmt::format("has {} stages, which {} does not divide", n,
                                            FlagAsTyped(r.typed_as, "pp", std::to_string(*r.pp))));
    }
    // Megatron takes the virtual stages a rank from the layout (TransformerConfig, S4770).
    const int vpp = n / *r.pp;
    if (r.interleave && *r.interleave != vpp && *r.pp > 1) {
      return contradicts(field,
                         fmt::format("has {} stages: {} virtual stages a rank at {}, "
                                     "which contradicts {} {}",
                                     n, vpp, FlagAsTyped(r.typed_as, "pp", std::to_string(*r.pp)),
                                     FlagAsTyped(r.typed_as, "interleave"), *r.interleave));
    }
    if (*r.pp == 1 && vpp != 1) {
      return contradicts(field, fmt::format("has {} stages; at {} it must have one", n,
                                            FlagAsTyped(r.typed_as, "pp", "1")));
    }
    r.interleave = vpp;
  }
  for (const auto& [field, count] :
       {std::pair{"decoder_first_pipeline_num_layers", r.decoder_first_pipeline_num_layers},
        std::pair{"decoder_last_pipeline_num_layers", r.decoder_last_pipeline_num_layers}}) {
    if (!count) continue;
    if (*count < 1 || *count > model.layers) {
      return contradicts(field, fmt::format("must be between 1 and the model's {} layers, got {}",
                                            model.layers, *count));
    }
    if (!r.pp || *r.pp < 2)
      return contradicts(field, "needs " + FlagAsTyped(r.typed_as, "pp", "2") + " or more");
  }
  if (!r.moe_token_dispatcher_type.empty()) {
    const std::string d = ToLower(r.moe_token_dispatcher_type);
    if (d == "allgather") {
      if (r.ep && *r.ep != 1) {
        return contradicts("moe_token_dispatcher_type",
                           fmt::format("allgather with {} is not modelled: the expert-"
                                       "parallel exchange priced is the all-to-all (alltoall, "
                                       "flex)",
                                       FlagAsTyped(r.typed_as, "ep", std::to_string(*r.ep))));
      }
      r.ep = 1;
    } else if (d != "alltoall" && d != "flex" && d != "alltoall_seq") {
      return contradicts("moe_token_dispatcher_type",
                         "unknown dispatcher '" + r.moe_token_dispatcher_type.substr(0, 40) +
                             "'; expected alltoall, flex, allgather or MindSpeed's alltoall_seq");
    }
  }
  if (r.overlap_grad_reduce || r.overlap_param_gather) {
    const auto overlap = OnOff(r.dp_overlap, "dp_overlap");
    if (overlap && *overlap && !**overlap) {
      return contradicts(
          r.overlap_grad_reduce ? "overlap_grad_reduce" : "overlap_param_gather",
          "contradicts " + FlagAsTyped(r.typed_as, "dp_overlap") + " " + r.dp_overlap);
    }
    r.dp_overlap = "on";
  }
  if (!r.attention_backend.empty()) {
    const std::string b = ToLower(r.attention_backend);
    std::string kernel;
    if (b == "flash" || b == "fused" || b == "cudnn" || b == "auto") kernel = "flash";
    if (b == "unfused" || b == "local") kernel = "unfused";
    if (kernel.empty()) {
      return contradicts("attention_backend",
                         "unknown backend '" + r.attention_backend.substr(0, 40) +
                             "'; expected flash, fused, cudnn, auto, unfused or local");
    }
    if (!r.attention.empty() && ToLower(r.attention) != kernel) {
      return contradicts("attention_backend",
                         fmt::format("{} is --attention {}, which contradicts {} {}", b, kernel,
                                     FlagAsTyped(r.typed_as, "attention"), r.attention));
    }
    r.attention = kernel;
  }
  if (r.use_flash_attn) {
    if (!r.attention.empty() && ToLower(r.attention) != "flash") {
      return contradicts("use_flash_attn",
                         "contradicts " + FlagAsTyped(r.typed_as, "attention") + " " + r.attention);
    }
    r.attention = "flash";
  }
  if (r.grad_reduce_in_bf16) {
    // Megatron's --grad-reduce-in-bf16 turns off accumulate_allreduce_grads_in_fp32: the main_grad
    // buffer itself is then in the weights' 16-bit dtype (megatron/training/arguments.py;
    // core/distributed/param_and_grad_buffer.py: grad_dtype = param.dtype), not only the reduction.
    if (r.grad_reduce_dtype.empty()) r.grad_reduce_dtype = "bf16";
    if (r.grad_dtype.empty()) r.grad_dtype = "bf16";
  }
  // A TRL SFT line runs the Trainer (SFTTrainer) with SFTConfig's defaults where it leaves them
  // (trl/trainer/sft_config.py, S4660): sequences of max_length 1,024 tokens, and
  // gradient_checkpointing True (every layer recomputed) unless --gradient_checkpointing False.
  std::string trl_defaults;
  if (IsTrlSft(r)) {
    if (r.trainer_flag.empty()) r.trainer_flag = "trl sft";
    std::vector<std::string> set;
    if (!r.seq_len) {
      r.seq_len = kTrlSftMaxLength;
      set.push_back(fmt::format("max_length {} (sequences of {} tokens)", kTrlSftMaxLength,
                                kTrlSftMaxLength));
    }
    if (r.recompute.empty() && r.recompute_modules.empty() && !r.gradient_checkpointing_off) {
      r.recompute = "full";
      set.push_back("gradient_checkpointing True (every layer recomputed)");
    }
    if (!set.empty()) {
      trl_defaults = fmt::format("TRL's SFTConfig defaults for what the line leaves out: {}",
                                 fmt::join(set, ", "));
    }
  }
  // A Hugging Face Trainer line accumulates 1 step unless it says otherwise (TrainingArguments'
  // gradient_accumulation_steps defaults to 1, S4600): its global batch is the per-device batch x
  // world size, not the search's default 4Mi tokens (`--per_device_train_batch_size 4` on 8 GPUs
  // trained 32 sequences a step).
  // Its per-device batch likewise: 8 sequences unless the line (or its DeepSpeed config) gives
  // one. A Trainer line without it took the search's 4Mi-token batch, 32 x the Trainer's own on
  // 8 GPUs at 2,048 tokens (8 x 8 x 2,048 = 131,072).
  if (!r.trainer_flag.empty() && !r.micro_batch && !r.global_batch_size && !r.global_batch_tokens) {
    r.micro_batch = kTrainerPerDeviceBatch;
    trl_defaults += fmt::format(
        "{}the Hugging Face Trainer's per_device_train_batch_size {} (the line gives none)",
        trl_defaults.empty() ? "" : "; ", kTrainerPerDeviceBatch);
  }
  if (!r.trainer_flag.empty() && r.micro_batch && !r.gradient_accumulation_steps &&
      !r.global_batch_size && !r.global_batch_tokens) {
    r.gradient_accumulation_steps = 1;
  }
  if (r.gradient_accumulation_steps) {
    const int steps = *r.gradient_accumulation_steps;
    if (steps < 1) return contradicts("gradient_accumulation_steps", "must be at least 1");
    if (!r.global_batch_size && !r.global_batch_tokens) {
      if (!r.micro_batch) {
        return contradicts(
            "gradient_accumulation_steps",
            fmt::format("needs {} (--train-micro-batch-size-per-gpu, the Trainer's "
                        "--per_device_train_batch_size): the global batch is micro-batch x steps "
                        "x dp",
                        FlagAsTyped(r.typed_as, "micro_batch")));
      }
      const int64_t dp = r.dp ? *r.dp : std::max<int64_t>(1, GivenDataParallel(r));
      r.global_batch_size = int64_t{*r.micro_batch} * steps * dp;
      // The steps are each data-parallel rank's (DeepSpeed's train_batch_size = micro-batch x
      // steps x world size over the model-parallel sizes; the Hugging Face Trainer's total batch
      // is per_device_train_batch_size x gradient_accumulation_steps x world size: S3570, S4460):
      // the layout that runs them has this dp, or the search would run other steps than typed
      // (`--per_device_train_batch_size 4 --gradient_accumulation_steps 8` on 8 GPUs was tp 2 cp 2
      // dp 2 with 32 micro-batches a step).
      const int64_t split = int64_t{r.tp.value_or(1)} * r.pp.value_or(1) * r.cp.value_or(1);
      if (!r.dp && r.count > 0 && *r.count % split == 0) r.dp = dp;
    }
  }
  // LLaMA-Factory cuts each example at cutoff_len tokens, 2,048 unless given (hparams/data_args.py,
  // S4060): its runs train 2,048-token sequences, not the model's pre-training length.
  if (!r.seq_len && ToLower(r.launched_by) == "llamafactory-cli") r.seq_len = kLlamaFactoryCutoff;
  // The model's shape as the launch line spells it, and the run's length in its units.
  const int seq_len = r.seq_len && *r.seq_len > 0 ? *r.seq_len : perf::DefaultSeqLen(model);
  if (auto ok = CheckModelShape(model, r, seq_len); !ok) return tl::unexpected(ok.error());
  if (r.mtp_num_layers) {
    const bool on = *r.mtp_num_layers > 0;
    const auto mtp = OnOff(r.mtp, "mtp");
    if (mtp && *mtp && **mtp != on) {
      return contradicts("mtp_num_layers", fmt::format("{} contradicts {} {}", *r.mtp_num_layers,
                                                       FlagAsTyped(r.typed_as, "mtp"), r.mtp));
    }
    r.mtp = on ? "on" : "off";
  }
  if (auto ok = TokensFromRunLength(r, seq_len); !ok) return tl::unexpected(ok.error());
  defaults = WithMegatronDefaults(r);
  if (!trl_defaults.empty()) defaults += (defaults.empty() ? "" : "; ") + trl_defaults;
  // Accelerate's config (`accelerate launch --config_file`, TRL's --accelerate_config: a file or
  // one TRL ships, S4710) is not read: said, not silently dropped. Its distributed type (DDP,
  // FSDP, DeepSpeed ZeRO) is then the layout search's.
  if (r.accelerate_config || !r.accelerate_config_read.empty()) {
    const auto typed = r.typed_as.find("config_file");
    const std::string flag = typed == r.typed_as.end()        ? "--config_file"
                             : typed->second.starts_with("-") ? typed->second
                                                              : "--" + typed->second;
    if (r.accelerate_config) {
      defaults += fmt::format(
          "{}{} {} not read{} (Accelerate's config: its DDP, FSDP or DeepSpeed ZeRO stage is the "
          "layout search's)",
          defaults.empty() ? "" : "; ", flag, Quoted(r.accelerate_config_name.substr(0, 80)),
          r.accelerate_config_unread.empty() ? ""
                                             : ": " + r.accelerate_config_unread.substr(0, 120));
    } else {
      defaults += fmt::format("{}{} {} (Accelerate's config): {}", defaults.empty() ? "" : "; ",
                              flag, Quoted(r.accelerate_config_name.substr(0, 80)),
                              r.accelerate_config_read.empty() ? "nothing the estimate prices"
                                                               : r.accelerate_config_read);
    }
  }
  auto trainer = WithTrainerDefaults(r);
  if (!trainer) return tl::unexpected(trainer.error());
  if (!trainer->empty()) defaults += (defaults.empty() ? "" : "; ") + *trainer;
  return r;
}

// The fine-tuning method a request prices (TrainRequest::finetuning_type and the LoRA fields):
// full training, or LoRA adapters (rank, modules, the frozen base's bits), with what was priced
// and where each default came from in `basis`. Defaults are LLaMA-Factory's (finetuning_args.py,
// S3830): finetuning_type lora, lora_rank 8, lora_target all (every linear layer but the output
// head, model_utils/misc.py find_all_linear_modules); a line that is not LLaMA-Factory's trains
// in full unless it gives a LoRA field.
Result<perf::Adapters> AdaptersOf(const catalog::Model& model, const TrainRequest& r,
                                  std::string& basis) {
  perf::Adapters a;
  const std::string method = ToLower(r.finetuning_type);
  const bool llamafactory = ToLower(r.launched_by) == "llamafactory-cli";
  if (method == "freeze" || method == "oft") {
    return tl::unexpected(FieldError(
        "finetuning_type",
        fmt::format("{} fine-tuning is not modelled (suanli prices full, lora and qlora); "
                    "{} lora prices LoRA adapters, full every weight trained",
                    r.finetuning_type, FlagAsTyped(r.typed_as, "finetuning_type"))));
  }
  if (!method.empty() && method != "full" && method != "lora" && method != "qlora") {
    return tl::unexpected(
        FieldError("finetuning_type", fmt::format("unknown method '{}'; expected full, lora or "
                                                  "qlora",
                                                  r.finetuning_type.substr(0, 40))));
  }
  const char* lora_field = r.lora_rank              ? "lora_rank"
                           : !r.lora_target.empty() ? "lora_target"
                           : r.quantization_bit     ? "quantization_bit"
                                                    : nullptr;
  if (method == "full") {
    if (lora_field) {
      return tl::unexpected(
          FieldError(lora_field,
                     "is a LoRA setting, and the fine-tuning type is full (every weight "
                     "trained); drop it, or give the fine-tuning type lora"));
    }
    return a;
  }
  if (method.empty() && !lora_field && !llamafactory) return a;
  a.method = perf::FinetuneMethod::kLora;
  std::vector<std::string> defaults;
  if (method.empty() && !lora_field) defaults.push_back("finetuning_type lora");
  if (r.lora_rank) {
    if (*r.lora_rank < 1) return tl::unexpected(FieldError("lora_rank", "must be at least 1"));
    if (*r.lora_rank > model.hidden) {
      return tl::unexpected(FieldError(
          "lora_rank", fmt::format("{} exceeds the model's hidden size {}: a low-rank adapter's "
                                   "rank is below the widths it adapts",
                                   *r.lora_rank, model.hidden)));
    }
    a.rank = *r.lora_rank;
  } else {
    defaults.push_back("lora_rank 8");
  }
  if (!r.lora_target.empty()) {
    std::string list;
    for (const auto& t : r.lora_target) list += (list.empty() ? "" : ",") + t;
    std::string unknown;
    auto mask = perf::ParseLoraTargets(list, &unknown);
    if (!mask) {
      return tl::unexpected(
          FieldError("lora_target",
                     fmt::format("{}; expected {} (comma- or space-separated)",
                                 unknown.empty() ? std::string("names no module")
                                                 : "unknown module '" + unknown.substr(0, 40) + "'",
                                 JoinOr(perf::LoraTargetNames()))));
    }
    a.targets = *mask;
  } else {
    defaults.push_back("lora_target all");
  }
  if (r.quantization_bit) {
    if (*r.quantization_bit != 4 && *r.quantization_bit != 8) {
      return tl::unexpected(
          FieldError("quantization_bit",
                     fmt::format("{}: expected 4 (QLoRA's NF4) or 8 (bitsandbytes' LLM.int8)",
                                 *r.quantization_bit)));
    }
    a.base_bits = *r.quantization_bit;
  } else if (method == "qlora") {
    a.base_bits = 4;
  }
  const double trainable = perf::AdapterParams(model, a);
  const double total = perf::TotalParams(model);
  basis = fmt::format(
      "{} rank {} on {}: {:.2f}M trainable adapter parameters, {:.3f} % of the "
      "model's {:.2f}B, trained in fp32 with Adam (16 bytes each); the base frozen in {} (no "
      "gradients, master weights or optimizer state for it), so a step runs the forward and "
      "the activation gradients but no weight-gradient GEMMs for it",
      a.base_bits < 16 ? "QLoRA" : "LoRA", a.rank,
      a.targets == perf::kLoraAll
          ? std::string("every linear layer but the output head (lora_target all)")
          : perf::LoraTargetsName(a.targets),
      trainable / 1e6, 100 * trainable / total, total / 1e9,
      a.base_bits == 4   ? "NF4 (4.127 bits a weight, dequantized to 16 bits for each GEMM)"
      : a.base_bits == 8 ? "8 bits (dequantized to 16 bits for each GEMM)"
                         : "16 bits");
  if (!defaults.empty()) {
    basis +=
        fmt::format("; taken by default: {} (LLaMA-Factory's defaults)", fmt::join(defaults, ", "));
  }
  return a;
}

}  // namespace

Result<TrainSetup> BuildTrainJob(const catalog::Catalog& cat, const TrainRequest& typed_in,
                                 const std::string& job_config) {
  // A Megatron line that names no model (no HuggingFace tokenizer): its shape flags name it.
  std::string shape_basis;
  TrainRequest with_model;
  if (typed_in.model.empty()) {
    auto id = ModelOfLaunch(cat, typed_in, job_config, &shape_basis);
    if (!id) return tl::unexpected(id.error());
    with_model = typed_in;
    with_model.model = *id;
  }
  const TrainRequest& typed = typed_in.model.empty() ? with_model : typed_in;
  if (typed.chip.empty()) return tl::unexpected(MissingField("chip"));
  auto model = WithField(cat.FindModel(typed.model), "model");
  if (!model) return tl::unexpected(model.error());
  // The devices a package is to the launcher (the Ascend 910C's two dies); 1 where the chip or
  // system is unknown (their errors come below).
  int dies = 1;
  if (auto found = cat.FindChip(typed.chip)) {
    if (auto sys = ResolveSystem(cat, **found, typed.system)) dies = sys->scale_up.ranks_per_chip;
  }
  std::string defaults, dies_note;
  auto launched = WithLaunchFlags(cat, **model, typed, job_config, defaults, dies, dies_note);
  if (!launched) return tl::unexpected(launched.error());
  TrainRequest r = WithDTypeAsTyped(*launched);
  auto chip = WithField(cat.FindChip(r.chip), "chip");
  if (!chip) return tl::unexpected(chip.error());
  if (!r.count) {
    return tl::unexpected(FieldError(
        "count",
        fmt::format("is required: the job's chips (at least 1), or torchrun's {} x {}",
                    FlagAsTyped(r.typed_as, "nnodes"), FlagAsTyped(r.typed_as, "nproc_per_node"))));
  }
  // Given, a count is a count: 0 chips is not "not given" (leave it out for that), as infer says.
  if (*r.count < 1) return tl::unexpected(FieldError("count", "must be at least 1 chip"));
  if (!(r.tokens > 0)) {
    return tl::unexpected(FieldError(
        "tokens",
        fmt::format("must be positive (give {}, or Megatron's {} or {}, torchtitan's "
                    "training.steps or the Hugging Face Trainer's {} with the batch; a "
                    "number of epochs needs the dataset's tokens)",
                    FlagAsTyped(r.typed_as, "tokens"), FlagAsTyped(r.typed_as, "train_samples"),
                    FlagAsTyped(r.typed_as, "train_iters"),
                    r.typed_as.json ? "max_steps" : "--max_steps")));
  }
  if (r.global_batch_tokens && !(*r.global_batch_tokens > 0)) {
    return tl::unexpected(FieldError("global_batch_tokens", "must be positive"));
  }

  const bool defaults_taken = !defaults.empty();
  TrainSetup setup;
  setup.job = perf::TrainingJobFor(cat, **model, **chip);
  setup.defaults_basis = std::move(defaults);
  if (!shape_basis.empty()) {
    setup.defaults_basis =
        shape_basis + (setup.defaults_basis.empty() ? "" : "; " + setup.defaults_basis);
  }
  setup.dies_basis = std::move(dies_note);
  perf::TrainingJob& job = setup.job;
  perf::LayoutConstraints& fixed = setup.fixed;
  job.chips = *r.count;
  job.tokens = r.tokens;
  // Given, a length is a length: 0 is not "the model's" (leave it out for that).
  if (r.seq_len && *r.seq_len < 1) {
    return tl::unexpected(FieldError("seq_len", "must be between 1 and 16777216"));
  }
  job.seq_len = r.seq_len.value_or(0);
  // A run shorter than one sequence trains no whole sample ("--tokens 2k" meant 2k steps, or
  // 2B): said, as a global batch under one sequence is, instead of "0.0 days".
  if (const int seq = job.seq_len > 0 ? job.seq_len : perf::DefaultSeqLen(**model);
      r.tokens < seq) {
    return tl::unexpected(FieldError(
        "tokens", fmt::format("{} is less than one sequence of {} tokens", r.tokens, seq)));
  }
  if (!typed.seq_len && ToLower(r.launched_by) == "llamafactory-cli") {
    setup.defaults_basis += std::string(setup.defaults_basis.empty() ? "" : "; ") +
                            fmt::format(
                                "LLaMA-Factory's cutoff_len: {} tokens a sequence "
                                "(cutoff_len gives another)",
                                kLlamaFactoryCutoff);
  } else if (!r.seq_len && !r.trainer_flag.empty()) {
    // Any other Trainer line's length is its script's (run_clm.py's block_size: the tokenizer's
    // model_max_length up to the model's positions, else min(1,024, positions), S4661; TRL's SFT
    // 1,024): not read here, so the model's default is said as an assumption, not silently used.
    setup.defaults_basis +=
        std::string(setup.defaults_basis.empty() ? "" : "; ") +
        fmt::format(
            "sequence {} tokens, the model's default: the line gives no "
            "--max_seq_length, --max_length, --block_size or --model_max_length, and "
            "its script's own cut is not read (TRL's SFT: 1,024)",
            perf::DefaultSeqLen(**model));
  }
  if (r.global_batch_tokens) job.global_batch_tokens = *r.global_batch_tokens;
  if (r.global_batch_size) {
    // Megatron's --global-batch-size counts sequences: the tokens are that many of the run's
    // sequence length (given, else the model's default).
    if (r.global_batch_tokens) {
      return tl::unexpected(
          FieldError("global_batch_size",
                     "give global_batch_size (sequences) or global_batch_tokens, not both"));
    }
    if (*r.global_batch_size < 1) {
      return tl::unexpected(FieldError("global_batch_size", "must be at least 1 sequence"));
    }
    const int seq = job.seq_len > 0 ? job.seq_len : perf::DefaultSeqLen(**model);
    job.global_batch_tokens = static_cast<double>(*r.global_batch_size) * seq;
  }
  if (!r.dtype.empty()) {
    auto dtype = catalog::ParseDType(r.dtype);
    if (!dtype) {
      return tl::unexpected(
          FieldError("dtype", "unknown dtype '" + r.dtype +
                                  "'; expected bf16, fp16 or fp8, or a precision recipe: " +
                                  JoinOr(perf::PrecisionRecipes())));
    }
    job.dtype = *dtype;
  }
  const catalog::TrainingStack* stack = nullptr;
  if (!r.stack.empty()) {
    auto s = WithField(cat.FindStack(r.stack), "stack");
    if (!s) return tl::unexpected(s.error());
    stack = *s;
  }
  setup.precision_basis = WithModelPrecision(**model, **chip, stack, defaults_taken, job_config, r);
  if (auto ok = ApplyPrecision(cat, r, **chip, stack, job); !ok) return tl::unexpected(ok.error());

  fixed.tp = r.tp;
  fixed.pp = r.pp;
  fixed.dp = r.dp;
  fixed.ep = r.ep;
  // A layout the user gives (tp, pp, and ep for MoE) is scored by the model's error on runs set
  // up as published; a searched one by its error on runs typed without a layout.
  if (r.tp && r.pp && (!(*model)->is_moe() || r.ep)) {
    job.model_error = cat.ModelErrorFor((*chip)->family, /*training=*/true, (*model)->is_moe(),
                                        /*searched_layout=*/false);
  }
  fixed.cp = r.cp;
  fixed.zero_stage = r.zero;
  fixed.micro_batch = r.micro_batch;
  fixed.interleave = r.interleave;
  // A dense model has no experts to split: the flag, which Megatron lines carry whatever the
  // model, has no effect there.
  if ((*model)->is_moe()) fixed.expert_tp = r.expert_tensor_parallel_size;
  if (!r.recompute.empty()) {
    auto rc = perf::ParseRecompute(r.recompute);
    if (!rc) {
      return tl::unexpected(FieldError("recompute", "unknown recompute '" + r.recompute +
                                                        "'; expected none, selective or full"));
    }
    fixed.recompute = *rc;
  } else if (ToLower(r.launched_by) == "llamafactory-cli" && !r.disable_gradient_checkpointing) {
    // LLaMA-Factory enables the model's gradient checkpointing unless told not to (model_args.py
    // disable_gradient_checkpointing, default False, S3837): every layer recomputed.
    fixed.recompute = perf::Recompute::kFull;
    setup.defaults_basis += std::string(setup.defaults_basis.empty() ? "" : "; ") +
                            "LLaMA-Factory's gradient checkpointing: every layer recomputed "
                            "(disable_gradient_checkpointing: true searches it)";
  }
  // Megatron's block method recomputes the first --recompute-num-layers of each virtual stage
  // and stores the rest (transformer_config.py, S3221); uniform recomputes every layer.
  if (fixed.recompute == perf::Recompute::kFull && r.recompute_num_layers &&
      ToLower(r.recompute_method) == "block") {
    fixed.recompute_layers = *r.recompute_num_layers;
  }
  if (fixed.recompute == perf::Recompute::kFull && r.titan_ac_every) {
    fixed.recompute_every = *r.titan_ac_every;
  }
  if (r.no_sequence_parallel) fixed.sequence_parallel = false;
  if (!r.schedule.empty()) {
    auto s = perf::ParseSchedule(r.schedule);
    if (!s) {
      return tl::unexpected(FieldError(
          "schedule", "unknown schedule '" + r.schedule + "'; expected 1f1b or dualpipe"));
    }
    fixed.schedule = *s;
  }
  const std::string attention = !r.attention.empty()                 ? r.attention
                                : stack && !stack->attention.empty() ? stack->attention.front()
                                                                     : "flash";
  auto kernel = perf::ParseAttentionKernel(attention);
  if (!kernel) {
    return tl::unexpected(FieldError(
        "attention", "unknown attention '" + r.attention + "'; expected flash or unfused"));
  }
  job.attention = *kernel;
  if (auto ok = ApplyStack(cat, r, stack, setup); !ok) return tl::unexpected(ok.error());
  {
    auto adapters = AdaptersOf(**model, r, setup.finetune_basis);
    if (!adapters) return tl::unexpected(adapters.error());
    job.adapters = *adapters;
    // Hugging Face's models carry no multi-token-prediction layers to train beside adapters.
    if (job.adapters.method == perf::FinetuneMethod::kLora) job.software.mtp = false;
  }
  if (auto ok = ApplyStageSplit(r, stack, job); !ok) return tl::unexpected(ok.error());
  if (auto ok = CheckSizes({{"tp", r.tp},
                            {"pp", r.pp},
                            {"dp", r.dp},
                            {"ep", r.ep},
                            {"cp", r.cp},
                            {"micro_batch", r.micro_batch},
                            {"interleave", r.interleave}},
                           10'000'000);
      !ok) {
    return tl::unexpected(ok.error());
  }
  double product = 1;
  for (const auto& v : {r.tp, r.pp, r.dp, r.cp}) product *= v.value_or(1);
  if (product > 1e7) {
    return tl::unexpected(FieldError("tp", "tp x pp x dp x cp exceeds 10,000,000 chips"));
  }
  if (r.zero && (*r.zero < 0 || *r.zero > 3)) {
    return tl::unexpected(FieldError("zero", "must be 0, 1, 2 or 3"));
  }
  const auto stacks = report::LaunchStacks();
  if (!r.emit.empty() && std::find(stacks.begin(), stacks.end(), r.emit) == stacks.end()) {
    return tl::unexpected(FieldError(
        "emit", "unknown stack '" + r.emit.substr(0, 40) + "'; expected " + JoinOr(stacks)));
  }

  // Problems with the job itself (an inference-only chip, an unknown peak) say more than a
  // missing system does, so check them first.
  if (auto ok = perf::ValidateJob(job); !ok) return tl::unexpected(ok.error());
  auto system =
      internal::ResolveCappedSystem(cat, **chip, r.system, job.calibration, r.power_cap_w);
  if (!system) return tl::unexpected(system.error());
  job.system = *system;
  // ZeRO-Offload from a DeepSpeed config, priced where the host's DRAM bandwidth and the chip's
  // host link are known (Engine::Train lists the key as not read otherwise).
  job.software.offload_optimizer = !r.deepspeed_offload_optimizer.empty() &&
                                   job.system.host_memory_gb_s && job.chip->host_link_gb_s.known();
  return setup;
}

std::string NemoRecipeName(const std::string& factory) {
  std::string name = factory.substr(0, factory.find('('));
  name.erase(std::remove_if(name.begin(), name.end(),
                            [](char c) { return std::isspace(static_cast<unsigned char>(c)); }),
             name.end());
  if (name.ends_with(".pretrain_recipe")) name.resize(name.size() - 16);
  return name;
}

const NemoRecipe* FindNemoRecipe(const std::string& factory) {
  // Both: 8 GPUs a node, seq_length 8192, global_batch_size 512, micro_batch_size 1,
  // max_steps 1,168,251, bf16_mixed; LlamaModel on Llama3Config8B / Llama3Config70B.
  static constexpr NemoRecipe kRecipes[] = {{"llama3_8b", "llama-3-8b", 1, 1, 0, 2, 1, false},
                                            {"llama3_70b", "llama-3-70b", 4, 4, 5, 2, 4, true}};
  const std::string name = NemoRecipeName(factory);
  for (const auto& k : kRecipes) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

}  // namespace internal

namespace {

bool Has(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The catalogued stacks that run on the chip: its vendor or its family in data/stacks.yaml runs_on
// (a release shown on one generation only names that family).
std::vector<const catalog::TrainingStack*> StacksOnChip(const catalog::Catalog& cat,
                                                        const catalog::Chip& chip) {
  std::vector<const catalog::TrainingStack*> out;
  for (const auto& s : cat.stacks()) {
    if (Has(s.runs_on, chip.vendor) || Has(s.runs_on, chip.family)) out.push_back(&s);
  }
  return out;
}

// Whether `stack` runs the estimate's layout and recipe as the request gave them: its ZeRO
// stage, recomputation, schedule, interleaving, pipeline, uneven stages, MTP, attention kernel
// and recipe (a bare --dtype: any of the stack's recipes for that GEMM format), its attention
// (SDPA's kernels and ring, where they change the estimate), and the knobs the request switched
// on.
bool StackRuns(const catalog::TrainingStack& stack, const TrainRequest& r,
               const internal::TrainSetup& setup, const perf::TrainingEstimate& e) {
  const perf::TrainingJob& job = setup.job;
  const perf::ParallelLayout& l = e.layout;
  const auto& z = stack.zero_stages;
  if (std::find(z.begin(), z.end(), l.zero_stage) == z.end()) return false;
  if (!stack.recompute.empty() && !Has(stack.recompute, perf::RecomputeName(l.recompute))) {
    return false;
  }
  if (setup.fixed.recompute_modules && stack.recompute_modules.empty()) return false;
  if (l.pp > 1 && !stack.pipeline) return false;
  if (l.pp > 1 && !stack.pipeline_zero_stages.empty() &&
      std::find(stack.pipeline_zero_stages.begin(), stack.pipeline_zero_stages.end(),
                l.zero_stage) == stack.pipeline_zero_stages.end()) {
    return false;
  }
  if (l.pp > 1 && !Has(stack.schedules, perf::ScheduleName(l.schedule))) return false;
  if (l.interleave > 1 && !Has(stack.schedules, "interleaved")) return false;
  if (l.pp > 1 && job.model->layers % (l.pp * l.interleave) != 0 && !stack.uneven_stages) {
    return false;
  }
  if (job.software.mtp && job.model->mtp_layers > 0 && !stack.mtp) return false;
  const char* kernel = job.attention == perf::AttentionKernel::kFlash ? "flash" : "unfused";
  if (!stack.attention.empty() && !Has(stack.attention, kernel)) return false;
  // A stack that attends through PyTorch SDPA runs the layout at another speed where the family
  // has a FlashAttention-2 rate or the layout has context parallelism (torch's ring).
  if (stack.sdpa_attention != job.software.sdpa_attention &&
      (l.cp > 1 || job.calibration.fa2_attention_efficiency)) {
    return false;
  }
  if (!stack.precisions.empty()) {
    // The recipe the stack would run: the one given, else its recipe for the GEMM format (as
    // ApplyPrecision picks it); an FSDP recipe shards the weights, so ZeRO 3 only.
    std::string recipe =
        r.precision.empty() ? std::string(perf::RecipeForDType(job.dtype)) : r.precision;
    if (r.precision.empty() && !Has(stack.precisions, recipe)) {
      for (const auto& name : stack.precisions) {
        auto p = perf::PrecisionRecipe(name, *job.chip);
        if (p && p->matmul == job.dtype) {
          recipe = name;
          break;
        }
      }
    }
    if (!Has(stack.precisions, recipe)) return false;
    auto p = perf::PrecisionRecipe(recipe, *job.chip);
    if (!p || (p->sharded_params && l.zero_stage != 3)) return false;
  }
  if (job.software.dp_overlap.value_or(false) && !stack.dp_overlap) return false;
  if (job.software.tp_comm_overlap && !stack.tp_comm_overlap) return false;
  if (l.ep_a2a_overlap && !stack.ep_a2a_overlap) return false;
  if (job.software.offload_layers > 0 && !stack.activation_offload) return false;
  return true;
}

// A pre-training request that names no schedule, for a model pre-trained with another schedule
// than the answer's (catalog pretraining.schedule: DeepSeek-V3's DualPipe, which hides the expert
// all-to-all behind the other direction's compute): says so, and whether the named stack or one
// of the chip's catalogued stacks runs that schedule. The schedule is not a default: a stack
// runs its own (Megatron-Core has none of DualPipe, S1330), and the published run is the
// model's developer's own software. Empty: nothing to say.
std::string PretrainingScheduleNote(const catalog::Catalog& cat, const TrainRequest& r,
                                    const internal::TrainSetup& setup,
                                    const perf::TrainingEstimate& e) {
  const catalog::Model& model = *setup.job.model;
  if (!model.pretraining || model.pretraining->schedule.empty()) return {};
  if (!r.schedule.empty() || !setup.finetune_basis.empty()) return {};
  const std::string& own = model.pretraining->schedule;
  if (e.layout.pp > 1 && perf::ScheduleName(e.layout.schedule) == own) return {};
  std::vector<std::string> running, all;
  for (const auto* s : StacksOnChip(cat, *setup.job.chip)) {
    if (!r.stack.empty() && ToLower(r.stack) != s->id) continue;
    all.push_back(s->id);
    if (Has(s->schedules, own)) running.push_back(s->id);
  }
  std::string out = fmt::format(
      "{} was pre-trained with {} (catalog pretraining.schedule); the layout above runs {}",
      model.name, own,
      e.layout.pp > 1 ? std::string(perf::ScheduleName(e.layout.schedule)) : "no pipeline");
  if (!running.empty()) {
    return out +
           fmt::format("; {} runs {}: --schedule {} prices it", fmt::join(running, ", "), own, own);
  }
  return out + fmt::format("; {} runs it: --schedule {} prices it on software that does",
                           all.empty()
                               ? std::string("no catalogued stack for the chip")
                               : fmt::format("none of {} ({})",
                                             r.stack.empty() ? "the chip's catalogued stacks"
                                                             : "the stack named",
                                             fmt::join(all, ", ")),
                           own);
}

// A request naming no stack: the chip's catalogued stacks that run the search's pick and recipe;
// when none does, the search runs again within each stack's ZeRO stages, recomputation,
// schedules and recipes (the stack-less overlap knobs, no DualPipe unless asked) and the fastest
// is taken (`searched`, with the setup it was searched in). `basis` says which.
struct StackAssumption {
  std::vector<std::string> stacks;
  std::string basis;
  std::optional<perf::SearchResult> searched;
  std::optional<internal::TrainSetup> setup;
};

StackAssumption AssumeAStack(const catalog::Catalog& cat, const TrainRequest& r,
                             const std::string& job_config, const internal::TrainSetup& given,
                             const perf::SearchResult& result) {
  StackAssumption a;
  const perf::TrainingJob& job = given.job;
  const auto on_chip = StacksOnChip(cat, *job.chip);
  for (const auto* s : on_chip) {
    if (StackRuns(*s, r, given, result.best)) a.stacks.push_back(s->id);
  }
  if (on_chip.empty()) {
    a.basis = "no catalogued training stack runs on " + job.chip->vendor +
              " chips (data/stacks.yaml runs_on); the layout is not checked against one";
    return a;
  }
  if (!a.stacks.empty()) {
    a.basis = "the searched layout and recipe";
    return a;
  }
  std::string best_id;
  int accepted = 0;  // stacks that take the request's flags
  for (const auto* s : on_chip) {
    TrainRequest rs = r;
    rs.stack = s->id;
    auto ss = internal::BuildTrainJob(cat, rs, job_config);
    if (!ss) continue;
    ++accepted;
    ss->job.software.dp_overlap = job.software.dp_overlap;
    ss->job.software.tp_comm_overlap = job.software.tp_comm_overlap;
    // Combined 1F1B, as DualPipe, only when asked: the stack-less search never runs it, and
    // Megatron-Core's flag is off by default (bench/RESULTS.md, session 34 H3).
    ss->fixed.allow_ep_a2a_overlap = false;
    auto& allowed = ss->fixed.allowed_schedules;
    if (r.schedule.empty()) {
      allowed.erase(std::remove(allowed.begin(), allowed.end(), perf::PipelineSchedule::kDualPipe),
                    allowed.end());
      if (allowed.empty()) allowed.push_back(perf::PipelineSchedule::k1F1B);
    }
    auto rr = perf::SearchLayout(ss->job, ss->fixed);
    if (!rr || !rr->best.fits) continue;
    if (!a.searched || rr->best.tokens_per_s > a.searched->best.tokens_per_s) {
      a.searched = std::move(*rr);
      a.setup = std::move(*ss);
      best_id = s->id;
    }
  }
  if (a.searched) {
    a.stacks = {best_id};
    a.basis = "searched within " + best_id +
              "'s ZeRO stages, recomputation, schedules and recipes: no stack for the chip runs "
              "the fastest layout the search found";
    return a;
  }
  std::string ids;
  for (const auto* s : on_chip) ids += (ids.empty() ? "" : ", ") + s->id;
  a.basis =
      (accepted == 0
           ? "none of the chip's catalogued stacks (" + ids + ") takes the flags given together"
           : "none of the chip's catalogued stacks (" + ids + ") runs a layout that fits") +
      "; the estimate assumes software that does";
  return a;
}

// NeMo's Hydra overrides (NeMo 1's megatron_gpt_pretraining.py trainer.* and model.* keys, NeMo
// 2's trainer.strategy.* and data.*; S3475): the keys the estimate prices become the request's
// fields, as the same flags typed would; a field given and an override differing is the field's
// own contradiction error. `null` leaves a key at its default. trainer.precision is Lightning's:
// 16, 16-mixed or fp16 is fp16, bf16 or bf16-mixed bf16 (32 has no tensor-core path here: an
// error). Keys of what the estimate does not price (data paths, the optimizer's settings,
// logging, checkpoints) are accepted and listed as not read.
// NeMo 2's recipes as `nemo llm pretrain --factory NAME` runs them (their pretrain_recipe and
// trainer defaults, nemo/collections/llm/recipes/llama3_8b.py and llama3_70b.py, S3577): the
// overrides they amount to, put before the line's own (which win, as NeMo-Run applies them after
// the factory). "NAME(num_nodes=N, num_gpus_per_node=G)" sets the recipe's two arguments.
Result<void> WithNemoFactory(TrainRequest& r) {
  if (r.nemo_factory.empty()) return {};
  std::string text = r.nemo_factory;
  text.erase(std::remove_if(text.begin(), text.end(),
                            [](char c) { return std::isspace(static_cast<unsigned char>(c)); }),
             text.end());
  const size_t paren = text.find('(');
  const internal::NemoRecipe* recipe = internal::FindNemoRecipe(r.nemo_factory);
  if (!recipe) {
    return tl::unexpected(
        FieldError("nemo_factory",
                   fmt::format("{} is not a recipe read here ({}); give "
                               "its sizes as overrides (trainer.strategy.tensor_model_"
                               "parallel_size=..., data.global_batch_size=...)",
                               Quoted(r.nemo_factory.substr(0, 60)), internal::kNemoRecipeNames)));
  }
  int nodes = recipe->nodes, gpus = 8;
  if (paren != std::string::npos) {
    if (!text.ends_with(")")) {
      return tl::unexpected(FieldError("nemo_factory", "expected NAME(key=value, ...)"));
    }
    std::string args = text.substr(paren + 1, text.size() - paren - 2);
    size_t start = 0;
    while (start < args.size()) {
      size_t end = args.find(',', start);
      if (end == std::string::npos) end = args.size();
      const std::string arg = args.substr(start, end - start);
      start = end + 1;
      const size_t eq = arg.find('=');
      const std::string key = arg.substr(0, eq);
      if (key == "num_nodes" || key == "num_gpus_per_node") {
        auto n = eq == std::string::npos
                     ? Result<int64_t>(tl::unexpected(Error{}))
                     : ParseWholeAmount(arg.substr(eq + 1), "nemo_factory", 1, 100'000);
        if (!n) {
          return tl::unexpected(FieldError(
              "nemo_factory", fmt::format("{}: expected a whole number", arg.substr(0, 40))));
        }
        (key == "num_nodes" ? nodes : gpus) = static_cast<int>(*n);
      }
      // name=, dir=: where the run logs; nothing the estimate prices.
    }
  }
  std::vector<std::string> recipe_overrides = {
      fmt::format("trainer.strategy.tensor_model_parallel_size={}", recipe->tp),
      fmt::format("trainer.strategy.pipeline_model_parallel_size={}", recipe->pp),
      fmt::format("trainer.strategy.context_parallel_size={}", recipe->cp),
      fmt::format("trainer.num_nodes={}", nodes),
      fmt::format("trainer.devices={}", gpus),
      "trainer.precision=bf16-mixed",
      "data.seq_length=8192",
      "data.global_batch_size=512",
      "data.micro_batch_size=1"};
  // The recipe's steps unless the run's length is given otherwise (--tokens, --max-steps).
  if (!(r.tokens > 0) && !r.max_steps && !r.train_iters && !r.train_samples) {
    recipe_overrides.push_back("trainer.max_steps=1168251");
  }
  if (recipe->vp > 0) {
    recipe_overrides.push_back(
        fmt::format("trainer.strategy.virtual_pipeline_model_parallel_size={}", recipe->vp));
  }
  if (recipe->overlap && r.dp_overlap.empty()) r.dp_overlap = "on";
  // distributed_fused_adam: Megatron's distributed optimizer, optimizer state sharded (ZeRO 1).
  if (!r.zero) r.zero = 1;
  r.overrides.insert(r.overrides.begin(), recipe_overrides.begin(), recipe_overrides.end());
  return {};
}

Result<void> ReadNemoOverrides(TrainRequest& r, std::vector<std::string>& not_read) {
  static constexpr std::pair<std::string_view, std::string_view> kFields[] = {
      {"trainer.max_steps", "max_steps"},
      {"trainer.num_nodes", "nnodes"},
      {"trainer.devices", "nproc_per_node"},
      {"model.tensor_model_parallel_size", "tp"},
      {"model.pipeline_model_parallel_size", "pp"},
      {"model.virtual_pipeline_model_parallel_size", "interleave"},
      {"model.context_parallel_size", "cp"},
      {"model.expert_model_parallel_size", "ep"},
      {"model.micro_batch_size", "micro_batch"},
      {"model.global_batch_size", "global_batch_size"},
      {"model.encoder_seq_length", "seq_len"},
      {"model.data.seq_length", "seq_len"},
      {"model.num_layers", "num_layers"},
      {"model.hidden_size", "hidden_size"},
      {"model.num_attention_heads", "num_attention_heads"},
      {"model.ffn_hidden_size", "ffn_hidden_size"},
      {"trainer.strategy.tensor_model_parallel_size", "tp"},
      {"trainer.strategy.pipeline_model_parallel_size", "pp"},
      {"trainer.strategy.virtual_pipeline_model_parallel_size", "interleave"},
      {"trainer.strategy.context_parallel_size", "cp"},
      {"trainer.strategy.expert_model_parallel_size", "ep"},
      {"data.micro_batch_size", "micro_batch"},
      {"data.global_batch_size", "global_batch_size"},
      {"data.seq_length", "seq_len"},
  };
  // A value that is a list ([1.0,/data/text_document]) may arrive split at its commas (a
  // command line's list field): a piece without `=` continues the override before it.
  std::vector<std::string> overrides;
  for (const std::string& piece : r.overrides) {
    if (piece.find('=') == std::string::npos && !overrides.empty()) {
      overrides.back() += "," + piece;
    } else {
      overrides.push_back(piece);
    }
  }
  for (const std::string& given : overrides) {
    const size_t eq = given.find('=');
    std::string key = given.substr(0, eq);
    while (key.starts_with('+')) key.erase(0, 1);
    if (eq == std::string::npos || key.empty()) {
      return tl::unexpected(FieldError(
          "override", fmt::format("{}: expected KEY=VALUE", Quoted(given.substr(0, 60)))));
    }
    const std::string value = given.substr(eq + 1);
    const std::string lower = ToLower(value);
    if (lower == "null" || lower == "none" || lower == "~") continue;
    if (key == "trainer.precision") {
      std::string dtype;
      if (lower == "16" || lower == "16-mixed" || lower == "fp16") dtype = "fp16";
      if (lower == "bf16" || lower == "bf16-mixed") dtype = "bf16";
      if (dtype.empty()) {
        return tl::unexpected(FieldError(
            "override", fmt::format("trainer.precision={}: expected 16, 16-mixed, bf16 or "
                                    "bf16-mixed (give {} for another)",
                                    value.substr(0, 40), FlagAsTyped(r.typed_as, "dtype"))));
      }
      if (!r.dtype.empty() && ToLower(r.dtype) != dtype) {
        return tl::unexpected(
            FieldError("override", fmt::format("trainer.precision={} contradicts {}", value,
                                               FlagAsTyped(r.typed_as, "dtype", r.dtype))));
      }
      r.dtype = dtype;
      continue;
    }
    const auto* field = std::find_if(std::begin(kFields), std::end(kFields),
                                     [&](const auto& f) { return f.first == key; });
    if (field == std::end(kFields)) {
      not_read.push_back(key);
      continue;
    }
    if (auto ok = SetField(TrainFields(), r, field->second, FieldValue{value}); !ok) {
      Error e = ok.error();
      e.message = key + "=" + value.substr(0, 40) + ": " + e.message;
      return tl::unexpected(e);
    }
  }
  return {};
}

}  // namespace

// What a pasted line trains that the model does not price: RL post-training (veRL, OpenRLHF:
// rollouts by an inference engine between training steps). Refused naming the field, not priced
// as the supervised training step the model has. (LoRA is priced: AdaptersOf.)
static Result<void> RefuseWhatIsNotModelled(const TrainRequest& r) {
  const std::string program = ToLower(r.launched_by);
  if (!program.empty()) {
    const bool rl = program.starts_with("verl") || program.starts_with("openrlhf") ||
                    program.find("ppo") != std::string::npos ||
                    program.find("grpo") != std::string::npos ||
                    program.find("rloo") != std::string::npos;
    if (rl) {
      return tl::unexpected(FieldError(
          "launched_by",
          fmt::format("{} runs RL post-training (PPO / GRPO: an inference engine's rollouts, "
                      "reference and reward passes between the policy's training steps), which "
                      "is not modelled; `suanli train` prices pre-training and supervised "
                      "fine-tuning steps, and `suanli infer` the rollout engine alone",
                      r.launched_by)));
    }
    if (program != "torchtitan.train" && program != "llamafactory-cli" && program != "trl sft") {
      return tl::unexpected(FieldError(
          "launched_by", fmt::format("'{}' is not a training program suanli reads; expected "
                                     "torchtitan.train, llamafactory-cli or trl sft",
                                     r.launched_by)));
    }
  }
  // Megatron-Bridge's launch scripts (S4554, S4555) take their run from Python recipes and
  // files this estimate does not read: say what the line leaves unsaid, not "--model is
  // required". An example recipe script (examples/recipes/FAMILY/pretrain_RECIPE.py) builds
  // RECIPE's pretrain_config() and then, unless --config-file names another, merges its example
  // override file (conf/RECIPE_pretrain_override_example.yaml; llama3_8b's: a 2-layer model,
  // sequence 4,096, global batch 8, 20 steps, a smoke test). The performance launcher
  // (scripts/performance/setup_experiment.py) submits a Slurm job whose layout is its per-GPU
  // workload config (--gpu, --compute_dtype).
  const std::string script = r.script.substr(r.script.find_last_of('/') + 1);
  const bool recipes = r.script.find("recipes/") != std::string::npos;
  if (recipes && script.starts_with("pretrain_") && script.ends_with(".py") && r.model.empty()) {
    const std::string recipe = script.substr(9, script.size() - 12);
    return tl::unexpected(FieldError(
        "script",
        fmt::format("{} is Megatron-Bridge's example script: it runs the {} recipe's "
                    "pretrain_config() (Llama 3 8B's: tp 1, pp 1, cp 2, sequence 8,192, global "
                    "batch 512, micro-batch 1, bf16, distributed optimizer) merged with an "
                    "override file (by default conf/{}_pretrain_override_example.yaml, a 2-layer "
                    "smoke test of 20 steps), neither read here; give the run as flags (--model, "
                    "--tp, --pp, --cp, --seq-len, --global-batch-size, --micro-batch, --zero 1) "
                    "or, for llama3_8b and llama3_70b, as NeMo 2's `nemo llm pretrain --factory "
                    "{}` (the same recipe)",
                    script, recipe, recipe, recipe)));
  }
  if (script == "setup_experiment.py") {
    return tl::unexpected(FieldError(
        "script",
        "setup_experiment.py is Megatron-Bridge's performance launcher: it submits a Slurm job "
        "whose layout and batch come from its per-GPU workload configs "
        "(scripts/performance/configs/MODEL/*_workload_base_configs.py, chosen by --gpu, "
        "--model_size and --compute_dtype), not read here; give the layout as flags (--model, "
        "--chip, --count, --tp, --pp, --cp, --micro-batch, --global-batch-size, --dtype)"));
  }
  return {};
}

Result<Output> Engine::Train(const TrainRequest& r, const RunContext& c) const {
  auto out = TrainCanonical(r, c);
  if (!out) return tl::unexpected(NamedAsTyped(out.error(), r.typed_as));
  return out;
}

Result<Output> Engine::TrainCanonical(const TrainRequest& typed, const RunContext& c) const {
  if (auto ok = RefuseWhatIsNotModelled(typed); !ok) return tl::unexpected(ok.error());
  TrainRequest r = typed;
  std::vector<std::string> overrides_not_read;
  std::vector<std::string> config_not_read;
  if (!r.llamafactory_config.empty()) {
    auto text = ReadRequestInput(r.llamafactory_config, "llamafactory_config");
    if (!text) return tl::unexpected(text.error());
    const std::string file = r.llamafactory_config;
    r.llamafactory_config.clear();
    if (r.launched_by.empty()) r.launched_by = "llamafactory-cli";
    if (auto ok = internal::ReadLlamaFactoryConfig(r, *text, file, config_not_read); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  // LLaMA-Factory's KEY=VALUE arguments win over its file (its parser merges them last).
  // A list value (lora_target=q_proj,v_proj) may arrive split at its commas: a piece without `=`
  // continues the one before.
  std::vector<std::string> factory_overrides;
  for (const std::string& piece : typed.llamafactory_override) {
    if (piece.find('=') == std::string::npos && !factory_overrides.empty()) {
      factory_overrides.back() += "," + piece;
    } else {
      factory_overrides.push_back(piece);
    }
  }
  for (const std::string& kv : factory_overrides) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return tl::unexpected(
          FieldError("llamafactory_override",
                     fmt::format("{}: expected KEY=VALUE", Quoted(kv.substr(0, 60)))));
    }
    if (auto ok = SetField(TrainFields(), r, kv.substr(0, eq), FieldValue{kv.substr(eq + 1)});
        !ok) {
      Error e = ok.error();
      e.message = kv.substr(0, 60) + ": " + e.message;
      return tl::unexpected(e);
    }
  }
  r.llamafactory_override.clear();
  if (auto ok = WithNemoFactory(r); !ok) return tl::unexpected(ok.error());
  if (auto ok = ReadNemoOverrides(r, overrides_not_read); !ok) return tl::unexpected(ok.error());
  internal::ChipFromSystemName(*catalog_, r.chip, r.system);
  if (auto ok = internal::ReadTrainEnvironment(r); !ok) return tl::unexpected(ok.error());
  std::vector<std::string> deepspeed_not_read;
  if (r.accelerate_config) {
    // Accelerate's config (`accelerate launch --config_file`, TRL's --accelerate_config): a file
    // where one is, else one TRL ships by that name (its accelerate_config.py, S4780), read into
    // the layout (ReadAccelerateConfig); neither at hand, the line alone, the file said as not
    // read.
    const std::string& name = r.accelerate_config_name;
    if (auto where = RequestPath(name, "config_file"); !where) return tl::unexpected(where.error());
    auto text = ReadRequestInput(name, "config_file");
    std::string file = name;
    if (!text) {
      if (auto named = internal::TrlAccelerateConfig(name)) {
        text = *named;
        file = "TRL's " + name;
      }
    }
    if (text) {
      if (auto ok = internal::ReadAccelerateConfig(r, *text, file, deepspeed_not_read,
                                                   r.accelerate_config_read);
          !ok) {
        return tl::unexpected(ok.error());
      }
      r.accelerate_config = false;
      if (file != name) {
        r.accelerate_config_read =
            fmt::format("TRL's trl/accelerate_configs/{}.yaml, {}", name, r.accelerate_config_read);
      }
    } else {
      r.accelerate_config_unread = text.error().message;
    }
  }
  if (!r.deepspeed_config.empty()) {
    // A launch line pasted where its config is not at hand (Megatron-DeepSpeed's examples pass
    // --deepspeed_config ds_config.json beside the same sizes as flags): the line's flags alone,
    // the file named as not read.
    if (auto where = RequestPath(r.deepspeed_config, "deepspeed_config"); !where) {
      return tl::unexpected(where.error());  // outside the server's data folder
    }
    auto text = ReadRequestInput(r.deepspeed_config, "deepspeed_config");
    if (!text) {
      deepspeed_not_read.push_back(
          fmt::format("{} (not read: {})", r.deepspeed_config, text.error().message));
    } else if (auto ok = internal::ReadDeepSpeedConfig(r, *text, deepspeed_not_read); !ok) {
      return tl::unexpected(ok.error());
    }
  }
  std::string job_config;
  if (!r.job_config_file.empty()) {
    auto text = ReadRequestInput(r.job_config_file, "job.config_file");
    // torchtitan's own TOML files, as its README launches them (`--job.config_file
    // ./torchtitan/models/llama3/train_configs/llama3_70b.toml`) where no checkout is: the keys
    // they set are the registered config of the same name (its config_registry.py, which replaced
    // them, S3133: `--config llama3_70b`; qwen3_0.6b.toml is qwen3_0_6b). Every model's
    // train_configs before the registry (S3474): llama3's three, deepseek_v3_16b/671b, qwen3's
    // 0.6b/1.7b/32b, llama4's 17bx16e/17bx128e (debug models aside).
    const std::string& path = r.job_config_file;
    const size_t slash = path.find_last_of('/');
    std::string stem = path.substr(slash == std::string::npos ? 0 : slash + 1);
    if (stem.ends_with(".toml")) stem.resize(stem.size() - 5);
    std::replace(stem.begin(), stem.end(), '.', '_');
    const bool stock =
        !text && path.ends_with(".toml") && path.find("train_configs/") != std::string::npos;
    TrainRequest registered = r;
    registered.job_config_file.clear();
    if (stock && SetField(TrainFields(), registered, "config", FieldValue{stem})) {
      r = std::move(registered);
    } else {
      if (!text) return tl::unexpected(text.error());
      job_config = std::move(*text);
    }
  }
  auto setup = internal::BuildTrainJob(*catalog_, r, job_config);
  if (!setup) return tl::unexpected(setup.error());
  if (setup->job.software.offload_optimizer) {
    std::erase(deepspeed_not_read, r.deepspeed_offload_optimizer);  // priced
  }
  const perf::TrainingJob& job = setup->job;
  const perf::LayoutConstraints& fixed = setup->fixed;
  auto result = perf::SearchLayout(job, fixed);
  if (!result) {
    // A Megatron line that does not fit as Megatron runs it: say which defaults were taken.
    Error e = result.error();
    if (!setup->defaults_basis.empty()) {
      e.message += " (" + setup->defaults_basis +
                   (r.megatron_flag.empty() && !r.trainer_flag.empty()
                        ? "; the Trainer's --fsdp full_shard or --deepspeed ds_config.json "
                          "shards them, --gradient_checkpointing recomputes)"
                        : "; the line's own flags change them: --recompute-activations, "
                          "--use-distributed-optimizer, --context-parallel-size, ...)");
    }
    // ZeRO-Offload / ZeRO-Infinity keep the optimizer state (or the weights) in host memory:
    // the estimate holds them on the chip, so the refusal says it does not price the offload.
    std::vector<std::string> offloaded;
    for (const auto& key : deepspeed_not_read) {
      if (key.starts_with("zero_optimization.offload_") || key == "zero_optimization.cpu_offload") {
        offloaded.push_back(key);
      }
    }
    if (!offloaded.empty() && e.message.starts_with("no layout fits")) {
      e.message += fmt::format(
          " The DeepSpeed config's {} (host memory) {} not modelled: the sizes above keep that "
          "state on the chip, so a run that offloads it may fit where this says not.",
          fmt::join(offloaded, " and "), offloaded.size() > 1 ? "are" : "is");
    }
    return tl::unexpected(std::move(e));
  }
  report::TrainingReport report;
  report.job = &job;
  report.defaults_basis = setup->defaults_basis;
  report.precision_basis = setup->precision_basis;
  report.dies_basis = setup->dies_basis;
  report.finetune_basis = setup->finetune_basis;
  report.overrides_not_read = std::move(overrides_not_read);
  report.config_not_read = std::move(config_not_read);
  report.deepspeed_not_read = std::move(deepspeed_not_read);
  // No --stack: the answer is a layout and recipe that one of the chip's catalogued stacks runs.
  std::optional<internal::TrainSetup> assumed;
  if (r.stack.empty()) {
    StackAssumption a = AssumeAStack(*catalog_, r, job_config, *setup, *result);
    report.stacks = std::move(a.stacks);
    report.stack_basis = std::move(a.basis);
    if (a.searched) {
      result = std::move(*a.searched);
      assumed = std::move(a.setup);
      report.job = &assumed->job;
    }
    // A llamafactory-cli launch names its stack: LLaMA-Factory on the Hugging Face Trainer, with
    // DeepSpeed when its YAML gives a deepspeed config. Say that, not the catalogued stacks that
    // would run the layout too (the layout and price are unchanged).
    // A Trainer line without DeepSpeed likewise: its own DDP or FSDP (WithTrainerDefaults), which
    // no catalogued stack is.
    const bool llamafactory = ToLower(r.launched_by) == "llamafactory-cli";
    const bool trainer = internal::RunsTrainersOwnParallelism(r);
    if ((llamafactory || trainer) && !a.searched && !report.stacks.empty()) {
      report.stacks.clear();
      const std::string own = r.fsdp.empty() ? "PyTorch DDP" : "PyTorch FSDP (--fsdp)";
      report.stack_basis = std::string(llamafactory ? "LLaMA-Factory on the Hugging Face Trainer"
                                                    : "the Hugging Face Trainer") +
                           (!r.deepspeed_config.empty()
                                ? (llamafactory ? " with DeepSpeed (the YAML's deepspeed config)"
                                                : " with DeepSpeed (--deepspeed)")
                            : trainer ? " with " + own + " (no --deepspeed)"
                                      : "") +
                           ", as the launch names it";
    }
  }
  report.estimate = result->best;
  report.schedule_basis =
      PretrainingScheduleNote(*catalog_, r, assumed ? *assumed : *setup, result->best);
  report.searched = result->layouts_evaluated > 1;
  report.layouts_evaluated = result->layouts_evaluated;
  report.layouts_fitting = result->layouts_fitting;
  std::optional<report::Launch> launch;
  if (!r.emit.empty()) {
    auto l = report::LaunchFor(r.emit, *report.job, result->best);
    if (!l) return tl::unexpected(l.error());
    launch = std::move(*l);
    report.launch = &*launch;
  }
  Output out;
  out.body =
      c.format == Format::kJson ? report::TrainingJson(report) : report::TrainingText(report);
  return out;
}

}  // namespace suanli::app
