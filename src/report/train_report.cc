#include "report/train_report.h"

#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "report/json_out.h"
#include "report/table.h"

namespace suanli::report {
namespace {

using catalog::Confidence;

// Chip figures the estimate rests on that are not official, for the reader.
// P10 and P90 of a predicted time given the model's measured error: measured / predicted rate
// is lognormal with median exp(bias) and log-sd sigma (catalog ModelErrorFor), so a time's
// quantiles are the prediction x exp(-bias -/+ 1.2816 sigma) and its median the prediction x
// exp(-bias). The median is the band's own: the bare prediction lies outside the band whenever
// |bias| > 1.28 sigma (blackwell dense, layout searched: bias 0.114, sigma 0.067), so it is
// not printed as the P50.
struct Quantiles {
  double p10 = 0, p50 = 0, p90 = 0;
};
Quantiles Band(double predicted, const catalog::ModelError& e) {
  constexpr double kZ90 = 1.2815515655446004;
  return {predicted * std::exp(-e.bias - kZ90 * e.sigma), predicted * std::exp(-e.bias),
          predicted * std::exp(-e.bias + kZ90 * e.sigma)};
}

nlohmann::json BandJson(double predicted, const catalog::ModelError& e) {
  const auto q = Band(predicted, e);
  return {{"p10", Round(q.p10, 4)},   {"p50", Round(q.p50, 4)},     {"p90", Round(q.p90, 4)},
          {"bias", Round(e.bias, 4)}, {"sigma", Round(e.sigma, 4)}, {"cases", e.cases},
          {"basis", e.basis},         {"source", e.source}};
}

nlohmann::json Caveats(const perf::TrainingJob& job) {
  nlohmann::json out = nlohmann::json::array();
  const auto& chip = *job.chip;
  auto check = [&](const std::string& field, const catalog::SourcedNumber& v) {
    if (v.known() && v.confidence != Confidence::kOfficial &&
        v.confidence != Confidence::kReported) {
      out.push_back({{"field", "chip." + field},
                     {"confidence", catalog::ConfidenceName(v.confidence)},
                     {"source", v.sources}});
    }
  };
  check("peak_tflops." + std::string(catalog::DTypeName(job.dtype)), chip.peak(job.dtype));
  check("memory_gib", chip.memory_gib);
  check("memory_tb_s", chip.memory_tb_s);
  if (job.system.power_cap_w) {
    out.push_back(
        {{"field", "power_cap_w"},
         {"confidence", "estimate"},
         {"note", fmt::format("clock under the cap from a static share of {:g} of the TDP and "
                              "dynamic power ~ f^{:g}: physical estimates, not fitted",
                              job.calibration.static_power_fraction,
                              job.calibration.dvfs_power_exponent)}});
  }
  if (!job.calibration.calibrated) {
    out.push_back({{"field", "calibration"},
                   {"confidence", "estimate"},
                   {"note", "chip family '" + chip.family +
                                "' has no fitted efficiencies; default values used"}});
  }
  return out;
}

}  // namespace

namespace {
// The format of each memory part; LoRA keeps the frozen base in its format beside fp32 adapters,
// and gradients and Adam's moments for the adapters only.
perf::MemoryFormats FormatsFor(const perf::TrainingJob& job, const perf::Precision& p) {
  perf::MemoryFormats f = perf::FormatsOf(p);
  if (job.adapters.method != perf::FinetuneMethod::kLora) return f;
  const int bits = job.adapters.base_bits;
  f.weights = (bits == 4   ? std::string("nf4")
               : bits == 8 ? std::string("int8")
                           : f.weights) +
              " frozen + fp32 adapters";
  f.gradients = "fp32, adapters";
  f.main_params = "none";
  f.optimizer = "fp32, adapters";
  return f;
}
}  // namespace

std::string TrainingJson(const TrainingReport& r) {
  const auto& e = r.estimate;
  const auto& l = e.layout;
  const auto& job = *r.job;
  nlohmann::json j;
  j["model"] = job.model->id;
  j["chip"] = job.chip->id;
  j["system"] = job.system.id;
  j["chips"] = job.chips;
  j["tokens"] = job.tokens;
  j["dtype"] = catalog::DTypeName(job.dtype);
  j["precision"] = e.precision.recipe;
  j["seq_len"] = e.seq_len;
  j["parallel"] = {{"tp", l.tp},
                   {"pp", l.pp},
                   {"dp", l.dp},
                   {"ep", l.ep},
                   {"cp", l.cp},
                   {"zero_stage", l.zero_stage},
                   {"micro_batch", l.micro_batch},
                   {"interleave", l.interleave},
                   {"sequence_parallel", l.sequence_parallel && l.tp > 1},
                   {"recompute", perf::RecomputeName(l.recompute)},
                   {"schedule", perf::ScheduleName(l.schedule)},
                   {"ep_a2a_overlap", l.ep_a2a_overlap}};
  if (l.recompute_layers > 0) j["parallel"]["recompute_layers"] = l.recompute_layers;
  if (l.recompute_every > 1) j["parallel"]["recompute_every"] = l.recompute_every;
  j["layout_searched"] = r.searched;
  if (r.searched) {
    j["layouts_evaluated"] = r.layouts_evaluated;
    j["layouts_fitting"] = r.layouts_fitting;
  }
  j["micro_batches"] = e.micro_batches;
  j["step_time_s"] = Round(e.step_time_s);
  j["step_time_s_band"] = BandJson(e.step_time_s, job.model_error);
  j["global_batch_tokens"] = e.global_batch_tokens;
  j["requested_batch_tokens"] = e.requested_batch_tokens;
  j["batch_basis"] = e.batch_basis;
  j["tokens_per_s"] = Round(e.tokens_per_s);
  j["tokens_per_s_per_chip"] = Round(e.tokens_per_s / job.chips);
  j["model_flops_per_token"] = Round(e.model_flops_per_token);
  j["mfu"] = Round(e.mfu, 4);
  j["mfu_megatron"] = Round(e.mfu_megatron, 4);
  j["hfu"] = Round(e.hfu, 4);
  j["peak_tflops_per_chip"] = Round(e.peak_tflops);
  j["power_cap_w"] = Optional(job.system.power_cap_w);  // null: the chip's TDP
  j["clock_fraction"] = Round(e.clock_fraction, 4);
  j["achieved_tflops_per_chip"] = Round(e.achieved_tflops_per_chip, 4);
  j["train_days"] = Round(e.train_days, 4);
  j["train_days_band"] = BandJson(e.train_days, job.model_error);
  j["ideal_accelerator_hours"] = Round(e.ideal_accelerator_hours, 4);
  j["accelerator_hours"] = Round(e.accelerator_hours, 4);
  j["accelerator_hours_band"] = BandJson(e.accelerator_hours, job.model_error);
  j["goodput"] = Round(e.goodput, 4);
  j["job_mtbf_hours"] = Round(e.job_mtbf_hours, 4);
  j["checkpoint_interval_min"] = Round(e.checkpoint_interval_min, 4);
  j["memory_gib_per_chip"] = Round(e.memory.total(), 4);
  j["memory_capacity_gib"] = Round(e.memory_capacity_gib, 4);
  j["fits"] = e.fits;
  j["memory_breakdown_gib"] = {{"weights", Round(e.memory.weights_gib, 4)},
                               {"gradients", Round(e.memory.gradients_gib, 4)},
                               {"main_params", Round(e.memory.main_params_gib, 4)},
                               {"optimizer", Round(e.memory.optimizer_gib, 4)},
                               {"activations", Round(e.memory.activations_gib, 4)},
                               {"reserved", Round(e.memory.reserved_gib, 4)}};
  const auto formats = FormatsFor(job, e.precision);
  j["memory_formats"] = {{"weights", formats.weights},
                         {"gradients", formats.gradients},
                         {"main_params", formats.main_params},
                         {"optimizer", formats.optimizer},
                         {"activations", formats.activations}};
  const auto& t = e.time;
  j["time_breakdown_s"] = {{"compute", Round(t.compute_s)}, {"tp_comm", Round(t.tp_comm_s)},
                           {"cp_comm", Round(t.cp_comm_s)}, {"ep_comm", Round(t.ep_comm_s)},
                           {"pp_comm", Round(t.pp_comm_s)}, {"pp_bubble", Round(t.pp_bubble_s)},
                           {"dp_comm", Round(t.dp_comm_s)}, {"optimizer", Round(t.optimizer_s)}};
  if (job.software.offload_layers > 0 || job.software.offload_optimizer) {
    j["time_breakdown_s"]["offload"] = Round(t.offload_s);
  }
  if (job.software.offload_layers > 0) j["offload_layers"] = job.software.offload_layers;
  // ZeRO-Offload: the optimizer's part is the host CPU's step (main weights and moments there).
  if (job.software.offload_optimizer) j["optimizer_on_host"] = true;
  if (!r.defaults_basis.empty()) j["defaults_basis"] = r.defaults_basis;
  if (!r.precision_basis.empty()) j["precision_basis"] = r.precision_basis;
  if (!r.schedule_basis.empty()) j["schedule_basis"] = r.schedule_basis;
  if (!r.dies_basis.empty()) j["dies_basis"] = r.dies_basis;
  if (job.adapters.method == perf::FinetuneMethod::kLora) {
    j["finetuning"] = {{"method", job.adapters.base_bits < 16 ? "qlora" : "lora"},
                       {"lora_rank", job.adapters.rank},
                       {"lora_target", perf::LoraTargetsName(job.adapters.targets)},
                       {"base_bits", job.adapters.base_bits},
                       {"adapter_params", e.adapter_params},
                       {"basis", r.finetune_basis}};
  }
  if (!r.overrides_not_read.empty()) j["overrides_not_read"] = r.overrides_not_read;
  if (!r.deepspeed_not_read.empty()) j["deepspeed_not_read"] = r.deepspeed_not_read;
  if (!r.config_not_read.empty()) j["config_not_read"] = r.config_not_read;
  if (!r.stack_basis.empty()) {
    j["stacks_running_it"] = r.stacks;
    j["stack_basis"] = r.stack_basis;
  }
  if (r.launch) {
    j["launch"] = {{"stack", r.launch->stack},
                   {"command", r.launch->command},
                   {"args", r.launch->args},
                   {"notes", r.launch->notes}};
  }
  j["calibration"] = {{"family", job.calibration.id},
                      {"calibrated", job.calibration.calibrated},
                      {"fitted_on", job.calibration.fitted_on}};
  j["caveats"] = Caveats(job);
  return Dump(j);
}

std::string TrainingText(const TrainingReport& r) {
  const auto& e = r.estimate;
  const auto& l = e.layout;
  const auto& job = *r.job;
  std::string out;
  out +=
      fmt::format("{} on {} x {} ({}), {:.3g} tokens, {}, seq {}\n", job.model->id, job.chips,
                  job.chip->id, job.system.id, job.tokens,
                  e.precision.recipe == catalog::DTypeName(job.dtype)
                      ? e.precision.recipe
                      : fmt::format("{} ({})", catalog::DTypeName(job.dtype), e.precision.recipe),
                  e.seq_len);
  out += fmt::format(
      "layout{}: tp {} pp {} dp {} ep {} cp {} zero {} micro-batch {} interleave {} recompute {}"
      " schedule {}{}{}\n",
      r.searched
          ? fmt::format(" (best of {} that fit, {} tried)", r.layouts_fitting, r.layouts_evaluated)
          : "",
      l.tp, l.pp, l.dp, l.ep, l.cp, l.zero_stage, l.micro_batch, l.interleave,
      l.recompute_layers > 0 ? fmt::format("{} (first {} layers of each stage)",
                                           perf::RecomputeName(l.recompute), l.recompute_layers)
      : l.recompute_every > 1
          ? fmt::format("{} (1 layer in {})", perf::RecomputeName(l.recompute), l.recompute_every)
          : std::string(perf::RecomputeName(l.recompute)),
      perf::ScheduleName(l.schedule), l.sequence_parallel && l.tp > 1 ? " +seq-par" : "",
      l.ep_a2a_overlap ? " +ep-a2a-overlap" : "");
  Table t({"quantity", "value"});
  const auto step = Band(e.step_time_s, job.model_error);
  t.AddRow({"step time",
            fmt::format(
                "{:.3f} s P50 (P10-P90 {:.3f}-{:.3f} s: the model's {:.3f} s with its error, {})",
                step.p50, step.p10, step.p90, e.step_time_s, job.model_error.basis)});
  std::string batch_note;
  if (std::abs(e.global_batch_tokens - e.requested_batch_tokens) > 0.5) {
    batch_note =
        fmt::format(" (asked {:.0f}{}: nearest whole micro-batches for this layout)",
                    e.requested_batch_tokens, e.batch_basis == "given" ? "" : ", " + e.batch_basis);
  } else if (e.batch_basis != "given") {
    batch_note = " (" + e.batch_basis + ")";
  }
  t.AddRow(
      {"global batch", fmt::format("{:.0f} tokens, {} micro-batch{}{}", e.global_batch_tokens,
                                   e.micro_batches, e.micro_batches == 1 ? "" : "es", batch_note)});
  t.AddRow({"throughput", fmt::format("{:.0f} tokens/s ({:.0f} per chip)", e.tokens_per_s,
                                      e.tokens_per_s / job.chips)});
  t.AddRow({"MFU / HFU", fmt::format("{:.1f} % / {:.1f} % of {:g} TFLOPS {}", e.mfu * 100,
                                     e.hfu * 100, e.peak_tflops, catalog::DTypeName(job.dtype))});
  t.AddRow({"achieved", fmt::format("{:.0f} TFLOPS per chip", e.achieved_tflops_per_chip)});
  if (job.system.power_cap_w) {
    t.AddRow({"power cap", fmt::format("{:g} W: compute clock {:.1f} % of uncapped",
                                       *job.system.power_cap_w, e.clock_fraction * 100)});
  }
  t.AddRow({"memory per chip",
            fmt::format("{:.1f} of {:g} GiB", e.memory.total(), e.memory_capacity_gib)});
  t.AddRow({"goodput", fmt::format("{:.1f} % (job MTBF {:.1f} h, checkpoint every {:.0f} min)",
                                   e.goodput * 100, e.job_mtbf_hours, e.checkpoint_interval_min)});
  const auto days = Band(e.train_days, job.model_error);
  // Days, or hours or minutes for a run under a day (16M tokens on 8 H100 read "0.0 days").
  const auto [unit, per_day] = days.p50 >= 1        ? std::pair{"days", 1.0}
                               : days.p50 * 24 >= 1 ? std::pair{"h", 24.0}
                                                    : std::pair{"min", 24.0 * 60};
  t.AddRow(
      {"time to train",
       fmt::format("{:.1f} {} P50 (P10-P90 {:.1f}-{:.1f}; the model's {:.1f})", days.p50 * per_day,
                   unit, days.p10 * per_day, days.p90 * per_day, e.train_days * per_day)});
  // Accelerator-hours are the time to train times the chips: the same band, so that the two
  // lines' P50s are one estimate (hours = chips x days x 24).
  const auto hours = Band(e.accelerator_hours, job.model_error);
  t.AddRow({"accelerator-hours",
            fmt::format("{:.4g} P50 (P10-P90 {:.4g}-{:.4g}; the model's {:.4g}, {:.4g} ideal)",
                        hours.p50, hours.p10, hours.p90, e.accelerator_hours,
                        e.ideal_accelerator_hours)});
  out += t.Render();
  const auto& tb = e.time;
  out += fmt::format(
      "step: compute {:.3f}  tp {:.3f}  cp {:.3f}  ep {:.3f}  pp {:.3f}  bubble {:.3f}  dp {:.3f}"
      "  optimizer {:.3f}{}{} s\n",
      tb.compute_s, tb.tp_comm_s, tb.cp_comm_s, tb.ep_comm_s, tb.pp_comm_s, tb.pp_bubble_s,
      tb.dp_comm_s, tb.optimizer_s, job.software.offload_optimizer ? " (host CPU)" : "",
      job.software.offload_layers > 0 || job.software.offload_optimizer
          ? fmt::format("  offload {:.3f}", tb.offload_s)
          : "");
  const auto& m = e.memory;
  const auto formats = FormatsFor(job, e.precision);
  out += fmt::format(
      "memory: weights {:.1f} ({})  gradients {:.1f} ({})  main weights {:.1f} ({})  optimizer "
      "{:.1f} ({})  activations {:.1f} ({})  reserved {:.1f} GiB\n",
      m.weights_gib, formats.weights, m.gradients_gib, formats.gradients, m.main_params_gib,
      formats.main_params, m.optimizer_gib, formats.optimizer, m.activations_gib,
      formats.activations, m.reserved_gib);
  if (!r.defaults_basis.empty()) out += "defaults: " + r.defaults_basis + "\n";
  if (!r.precision_basis.empty()) out += "precision default: " + r.precision_basis + "\n";
  if (!r.schedule_basis.empty()) out += "schedule: " + r.schedule_basis + "\n";
  if (!r.dies_basis.empty()) out += "devices: " + r.dies_basis + "\n";
  if (!r.finetune_basis.empty()) out += "fine-tuning: " + r.finetune_basis + "\n";
  if (!r.overrides_not_read.empty()) {
    out += fmt::format("note: NeMo overrides not read (not what the estimate prices): {}\n",
                       fmt::join(r.overrides_not_read, ", "));
  }
  if (!r.config_not_read.empty()) {
    out +=
        fmt::format("note: LLaMA-Factory config keys not read (not what the estimate prices): {}\n",
                    fmt::join(r.config_not_read, ", "));
  }
  if (!r.deepspeed_not_read.empty()) {
    out += fmt::format("note: DeepSpeed config keys not read (not what the estimate prices): {}\n",
                       fmt::join(r.deepspeed_not_read, ", "));
  }
  if (!r.stack_basis.empty()) {
    std::string names;
    for (const auto& id : r.stacks) names += (names.empty() ? "" : ", ") + id;
    out += names.empty()
               ? "stack: " + r.stack_basis + "\n"
               : "stack: runs on " + names + " (" + r.stack_basis + "; --stack ID names one)\n";
  }
  if (!job.calibration.calibrated) {
    out += "note: chip family '" + job.chip->family +
           "' is not calibrated; default efficiencies used.\n";
  }
  if (r.launch) {
    out += "\nlaunch (" + r.launch->stack + "):\n" + r.launch->command + "\n";
    for (const auto& n : r.launch->notes) out += "note: " + n + "\n";
  }
  return out;
}

}  // namespace suanli::report
