// train: one training job on one fleet, through the training model.
#include <cmath>

#include <algorithm>
#include <optional>

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
  auto dtype = catalog::ParseDType(r.dtype);
  if (!dtype) {
    return tl::unexpected(
        FieldError("dtype", "unknown dtype '" + r.dtype + "'; expected bf16, fp16 or fp8"));
  }
  job.dtype = *dtype;

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
