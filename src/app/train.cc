// train: one training job on one fleet, through the training model.
#include <cmath>

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "app/engine.h"
#include "app/internal.h"
#include "catalog/catalog.h"
#include "core/text.h"
#include "perf/inference.h"
#include "perf/power.h"
#include "perf/training.h"
#include "report/infer_report.h"
#include "report/train_report.h"

namespace suanli::app {

using internal::FieldError;
using internal::WithField;

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

// The precision recipe and its per-tensor overrides. A bare --dtype leaves job.precision unset
// (the recipe it means is resolved by the model, with the model's errors).
Result<void> ApplyPrecision(const TrainRequest& r, const catalog::Chip& chip,
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
  if (r.precision.empty() && !any_knob) return {};
  const std::string recipe =
      r.precision.empty() ? std::string(perf::RecipeForDType(job.dtype)) : r.precision;
  auto p = perf::PrecisionRecipe(recipe, chip);
  if (!p) return tl::unexpected(FieldError("precision", p.error().message));
  if (!r.dtype.empty() && p->matmul != job.dtype) {
    return tl::unexpected(FieldError("dtype", "--dtype " + r.dtype + " contradicts --precision " +
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
    (*p).*k.member = *f;
    p->recipe += fmt::format(", {} {}", k.field, perf::TensorFormatName(*f));
    if (k.member == &perf::Precision::params && *f == TensorFormat::kFp8) {
      p->matmul = catalog::DType::kFp8;
    }
  }
  if (auto ok = perf::CheckPrecision(*p, chip); !ok) {
    return tl::unexpected(FieldError(last_field, ok.error().message));
  }
  if (p->sharded_params && r.zero && *r.zero != 3) {
    return tl::unexpected(FieldError(
        "zero", "--zero " + std::to_string(*r.zero) + " contradicts --precision " + p->recipe +
                    ", which shards the fp32 parameters over data parallel (ZeRO-3, FSDP)"));
  }
  job.dtype = p->matmul;
  job.precision = std::move(*p);
  return {};
}

Result<TrainSetup> BuildTrainJob(const catalog::Catalog& cat, const TrainRequest& r) {
  if (r.model.empty()) return tl::unexpected(MissingField("model"));
  if (r.chip.empty()) return tl::unexpected(MissingField("chip"));
  auto model = WithField(cat.FindModel(r.model), "model");
  if (!model) return tl::unexpected(model.error());
  auto chip = WithField(cat.FindChip(r.chip), "chip");
  if (!chip) return tl::unexpected(chip.error());
  if (r.count < 1) return tl::unexpected(FieldError("count", "must be at least 1 chip"));
  if (!(r.tokens > 0)) return tl::unexpected(FieldError("tokens", "must be positive"));
  if (r.global_batch_tokens && !(*r.global_batch_tokens > 0)) {
    return tl::unexpected(FieldError("global_batch_tokens", "must be positive"));
  }

  TrainSetup setup{perf::TrainingJobFor(cat, **model, **chip), {}};
  perf::TrainingJob& job = setup.job;
  perf::LayoutConstraints& fixed = setup.fixed;
  job.chips = r.count;
  job.tokens = r.tokens;
  job.seq_len = r.seq_len;
  if (r.global_batch_tokens) job.global_batch_tokens = *r.global_batch_tokens;
  if (!r.dtype.empty()) {
    auto dtype = catalog::ParseDType(r.dtype);
    if (!dtype) {
      return tl::unexpected(
          FieldError("dtype", "unknown dtype '" + r.dtype + "'; expected bf16, fp16 or fp8"));
    }
    job.dtype = *dtype;
  }
  if (auto ok = ApplyPrecision(r, **chip, job); !ok) return tl::unexpected(ok.error());

  fixed.tp = r.tp;
  fixed.pp = r.pp;
  fixed.dp = r.dp;
  fixed.ep = r.ep;
  fixed.cp = r.cp;
  fixed.zero_stage = r.zero;
  fixed.micro_batch = r.micro_batch;
  fixed.interleave = r.interleave;
  if (!r.recompute.empty()) {
    auto rc = perf::ParseRecompute(r.recompute);
    if (!rc) {
      return tl::unexpected(FieldError("recompute", "unknown recompute '" + r.recompute +
                                                        "'; expected none, selective or full"));
    }
    fixed.recompute = *rc;
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
  auto kernel = perf::ParseAttentionKernel(r.attention);
  if (!kernel) {
    return tl::unexpected(FieldError(
        "attention", "unknown attention '" + r.attention + "'; expected flash or unfused"));
  }
  job.attention = *kernel;
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
  return setup;
}

}  // namespace internal

Result<Output> Engine::Train(const TrainRequest& r, const RunContext& c) const {
  auto setup = internal::BuildTrainJob(*catalog_, r);
  if (!setup) return tl::unexpected(setup.error());
  const perf::TrainingJob& job = setup->job;
  const perf::LayoutConstraints& fixed = setup->fixed;
  auto result = perf::SearchLayout(job, fixed);
  if (!result) return tl::unexpected(result.error());
  report::TrainingReport report;
  report.job = &job;
  report.estimate = result->best;
  report.searched = result->layouts_evaluated > 1;
  report.layouts_evaluated = result->layouts_evaluated;
  report.layouts_fitting = result->layouts_fitting;
  std::optional<report::Launch> launch;
  if (!r.emit.empty()) {
    auto l = report::LaunchFor(r.emit, job, result->best);
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
