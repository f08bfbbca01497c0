// train and infer: one job on one fleet, through the performance models.
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

namespace {

// Parallel sizes a user gives: each in [1, limit].
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

}  // namespace

namespace internal {

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

namespace internal {

// The checks of an infer request that do not depend on the chip, and its formats.
Result<InferFormats> CheckInferRequest(const catalog::Catalog& cat, const InferRequest& r) {
  if (r.model.empty()) return tl::unexpected(MissingField("model"));
  auto model = WithField(cat.FindModel(r.model), "model");
  if (!model) return tl::unexpected(model.error());
  auto dtype = perf::ParseServingDType(r.dtype);
  if (!dtype) {
    return tl::unexpected(FieldError(
        "dtype", "unknown dtype '" + r.dtype + "'; expected bf16, fp16, fp8, int8, fp4 or int4"));
  }
  std::optional<perf::ServingDType> kv;
  if (!r.kv_dtype.empty()) {
    kv = perf::ParseServingDType(r.kv_dtype);
    if (!kv) {
      return tl::unexpected(FieldError(
          "kv_dtype", "unknown kv_dtype '" + r.kv_dtype + "'; expected bf16, fp16, fp8 or int8"));
    }
  }
  if (r.mode != "offline" && r.mode != "server") {
    return tl::unexpected(
        FieldError("mode", "unknown mode '" + r.mode + "'; expected offline or server"));
  }
  if (r.chip.empty()) return tl::unexpected(FieldError("chip", "needs at least one chip id"));
  if (r.chip.size() > 1 && !r.compare) {
    return tl::unexpected(FieldError("chip", "several chips need compare (--compare)"));
  }
  if (auto ok = CheckSizes({{"tp", r.tp}, {"ep", r.ep}, {"dp", r.dp}}, 1'000'000); !ok) {
    return tl::unexpected(ok.error());
  }
  if (r.tp && r.dp && static_cast<double>(*r.tp) * *r.dp > 1e7) {
    return tl::unexpected(FieldError("tp", "tp x dp exceeds 10,000,000 chips"));
  }
  if (r.count < 0) return tl::unexpected(FieldError("count", "must be at least 1"));
  if (r.power_cap_w && !(*r.power_cap_w > 0)) {
    return tl::unexpected(FieldError("power_cap_w", "must be a positive number of watts"));
  }
  // The engine's documented limits, each overridable; a limit of 0 is a mistake, not "none".
  perf::EngineLimits limits;
  if (!r.engine.empty() && r.engine != "none") {
    auto engine = WithField(cat.FindEngine(r.engine), "engine");
    if (!engine) return tl::unexpected(engine.error());
    limits.engine = (*engine)->id;
    if ((*engine)->max_num_seqs > 0) limits.max_num_seqs = (*engine)->max_num_seqs;
    if ((*engine)->max_batched_tokens > 0)
      limits.max_batched_tokens = (*engine)->max_batched_tokens;
    if ((*engine)->kv_memory_fraction > 0)
      limits.kv_memory_fraction = (*engine)->kv_memory_fraction;
  }
  if (r.max_num_seqs) {
    if (*r.max_num_seqs < 1 || *r.max_num_seqs > (1 << 20))
      return tl::unexpected(FieldError("max_num_seqs", "must be between 1 and 1048576"));
    limits.max_num_seqs = *r.max_num_seqs;
  }
  if (r.max_batched_tokens) {
    if (!(*r.max_batched_tokens >= 1 && *r.max_batched_tokens <= 1e8))
      return tl::unexpected(FieldError("max_batched_tokens", "must be between 1 and 1e8"));
    limits.max_batched_tokens = *r.max_batched_tokens;
  }
  if (r.kv_memory_fraction) {
    if (!(*r.kv_memory_fraction > 0 && *r.kv_memory_fraction <= 1))
      return tl::unexpected(FieldError("kv_memory_fraction", "must be in (0, 1]"));
    limits.kv_memory_fraction = *r.kv_memory_fraction;
    limits.fraction_of_free_memory = false;  // as the flag's help says: of the whole HBM
  }

  return InferFormats{*model, *dtype, kv, limits};
}

// The job for one chip of the request (its system and power cap not yet applied).
perf::InferenceJob InferJobFor(const catalog::Catalog& cat, const InferRequest& r,
                               const InferFormats& formats, const catalog::Chip& chip) {
  perf::InferenceJob job = perf::InferenceJobFor(cat, *formats.model, chip);
  job.chips = r.count;
  job.input_tokens = r.input_tokens;
  job.output_tokens = r.output_tokens;
  job.dtype = formats.dtype;
  job.kv_dtype = formats.kv_dtype;
  job.tpot_ms = r.tpot_ms;
  job.ttft_ms = r.ttft_ms;
  job.mode = r.mode == "offline" ? perf::ServingMode::kOffline : perf::ServingMode::kServer;
  job.prefix_cache_hit = r.prefix_cache_hit;
  job.disaggregate = r.disaggregate;
  job.demand_tokens_per_s = r.demand_tokens_per_s;
  job.chip_hour_usd = r.chip_hour_usd;
  job.limits = formats.limits;
  return job;
}

Result<InferSetup> BuildInferJob(const catalog::Catalog& cat, const InferRequest& r) {
  auto formats = CheckInferRequest(cat, r);
  if (!formats) return tl::unexpected(formats.error());
  if (r.chip.size() != 1 || r.compare) {
    return tl::unexpected(FieldError("chip", "needs exactly one chip id"));
  }
  auto chip = WithField(cat.FindChip(r.chip[0]), "chip");
  if (!chip) return tl::unexpected(chip.error());
  InferSetup setup{InferJobFor(cat, r, *formats, **chip), {r.tp, r.ep, r.dp}};
  perf::InferenceJob& job = setup.job;
  if (auto ok = perf::ValidateInferenceRequest(job); !ok) return tl::unexpected(ok.error());
  if (auto ok = perf::ValidateInferenceJob(job); !ok) return tl::unexpected(ok.error());
  auto system = ResolveCappedSystem(cat, **chip, r.system, job.calibration, r.power_cap_w);
  if (!system) return tl::unexpected(system.error());
  job.system = *system;
  return setup;
}

}  // namespace internal

Result<Output> Engine::Infer(const InferRequest& r, const RunContext& c) const {
  auto formats = internal::CheckInferRequest(*catalog_, r);
  if (!formats) return tl::unexpected(formats.error());
  // Rows point at their jobs: the jobs must not move once rows exist.
  std::vector<perf::InferenceJob> jobs(r.chip.size());
  std::vector<report::CompareRow> rows;
  for (size_t i = 0; i < r.chip.size(); ++i) {
    auto chip = WithField(catalog_->FindChip(r.chip[i]), "chip");
    if (!chip) return tl::unexpected(chip.error());
    auto& job = jobs[i];
    job = internal::InferJobFor(*catalog_, r, *formats, **chip);
    // What is wrong for every chip is an error, not a table of errors.
    if (auto ok = perf::ValidateInferenceRequest(job); !ok) return tl::unexpected(ok.error());
    report::CompareRow row;
    row.job = &job;
    Result<void> ok = perf::ValidateInferenceJob(job);
    if (ok) {
      auto system = internal::ResolveSystem(*catalog_, **chip, r.system);
      if (system) {
        job.system = *system;
        // Comparing chips under one per-chip power budget: a budget above a chip's TDP does not
        // bind it, and a chip that cannot take it gets a row error. One chip: a cap it cannot
        // take is a wrong request.
        const auto& tdp = (*chip)->tdp_w;
        if (r.power_cap_w && (!r.compare || !tdp.known() || *r.power_cap_w < *tdp.value)) {
          auto clock = perf::PowerCapClockFraction(**chip, job.calibration, r.power_cap_w);
          if (!clock) ok = tl::unexpected(FieldError("power_cap_w", clock.error().message));
          perf::TightenPowerCap(job.system, *r.power_cap_w);
        }
        if (ok) {
          auto e = perf::EstimateInference(job, {r.tp, r.ep, r.dp});
          if (e) {
            row.estimate = *e;
          } else {
            ok = tl::unexpected(e.error());
          }
        }
      } else {
        ok = tl::unexpected(system.error());
      }
    }
    if (!ok) {
      // One chip: its error is the answer. Several: the table shows it.
      if (!r.compare) return tl::unexpected(ok.error());
      row.error = ok.error().field.empty() || ok.error().field == "chip"
                      ? ok.error().message
                      : FlagName(ok.error().field) + ": " + ok.error().message;
    }
    rows.push_back(std::move(row));
  }
  const bool json = c.format == Format::kJson;
  Output out;
  if (r.compare) {
    out.body = json ? report::CompareJson(rows) : report::CompareTable(rows);
  } else {
    const report::InferenceReport report{&jobs[0], *rows[0].estimate};
    out.body = json ? report::InferenceJson(report) : report::InferenceText(report);
  }
  return out;
}

}  // namespace suanli::app
