// Runs one published case of tests/perf/*_cases.yaml through the model, with its published
// layout or deployment: the calibration tests check it against the tolerance, the model-error
// test measures the spread of the residuals.
#ifndef SUANLI_TESTS_PERF_PUBLISHED_CASES_H_
#define SUANLI_TESTS_PERF_PUBLISHED_CASES_H_

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <optional>
#include <string>

#include "catalog/catalog.h"
#include "perf/inference.h"
#include "perf/training.h"
#include "testing.h"

namespace suanli::testing {

struct TrainingCaseRun {
  perf::TrainingEstimate estimate;
  double predicted = NAN;  // the case's metric
};

// A training job of `chips` of `chip` on its default system, for 1T tokens, the rest as the
// catalog ships it: the starting point of the perf tests.
inline perf::TrainingJob TrainingJobOn(const char* model, const char* chip, long chips) {
  const auto& cat = BuiltinCatalog();
  perf::TrainingJob job = perf::TrainingJobFor(cat, **cat.FindModel(model), **cat.FindChip(chip));
  if (auto s = cat.SystemFor(*job.chip)) job.system = *s;
  job.chips = chips;
  job.tokens = 1e12;
  return job;
}

inline std::optional<int> OptInt(const YAML::Node& n, const char* key) {
  if (!n[key]) return std::nullopt;
  return n[key].as<int>();
}

inline Result<TrainingCaseRun> RunTrainingCase(const YAML::Node& n) {
  using namespace perf;
  const auto& cat = BuiltinCatalog();
  TrainingJob job = TrainingJobFor(cat, **cat.FindModel(n["model"].as<std::string>()),
                                   **cat.FindChip(n["chip"].as<std::string>()));
  job.system = *cat.SystemFor(*job.chip);
  if (n["power_cap_w"]) job.system.power_cap_w = n["power_cap_w"].as<double>();
  job.chips = n["count"].as<long>();
  job.tokens = n["tokens"] ? n["tokens"].as<double>() : 1e9;
  job.seq_len = n["seq_len"].as<int>();
  job.global_batch_tokens = n["global_batch_seqs"].as<double>() * job.seq_len;
  job.dtype = *catalog::ParseDType(n["dtype"].as<std::string>());
  if (n["precision"]) {
    auto p = PrecisionRecipe(n["precision"].as<std::string>(), *job.chip);
    if (!p) return tl::unexpected(p.error());
    job.precision = *p;
  }
  LayoutConstraints fixed;
  fixed.tp = OptInt(n, "tp");
  fixed.pp = OptInt(n, "pp");
  fixed.dp = OptInt(n, "dp");
  fixed.ep = OptInt(n, "ep");
  fixed.cp = OptInt(n, "cp");
  fixed.zero_stage = OptInt(n, "zero");
  fixed.micro_batch = OptInt(n, "micro_batch");
  fixed.interleave = OptInt(n, "interleave");
  if (n["recompute"]) fixed.recompute = ParseRecompute(n["recompute"].as<std::string>());
  if (n["sequence_parallel"]) fixed.sequence_parallel = n["sequence_parallel"].as<bool>();
  if (n["schedule"]) fixed.schedule = ParseSchedule(n["schedule"].as<std::string>());
  if (n["attention"]) job.attention = *ParseAttentionKernel(n["attention"].as<std::string>());
  // What the case's software does (a stack's knobs, written out: the cases run below the app).
  if (n["dp_overlap"]) job.software.dp_overlap = n["dp_overlap"].as<bool>();
  if (n["tp_comm_overlap"]) job.software.tp_comm_overlap = n["tp_comm_overlap"].as<bool>();
  auto result = SearchLayout(job, fixed);
  if (!result) return tl::unexpected(result.error());
  TrainingCaseRun run{result->best, NAN};
  const std::string metric = n["metric"].as<std::string>();
  if (metric == "step_time_s") run.predicted = run.estimate.step_time_s;
  if (metric == "achieved_tflops_per_chip") run.predicted = run.estimate.achieved_tflops_per_chip;
  if (metric == "accelerator_hours") run.predicted = run.estimate.accelerator_hours;
  if (metric == "tokens_per_s_per_chip") {
    run.predicted = run.estimate.tokens_per_s / static_cast<double>(job.chips);
  }
  if (std::isnan(run.predicted)) return MakeError("unknown metric " + metric);
  return run;
}

struct InferenceCaseRun {
  perf::InferenceEstimate estimate;
  double predicted = NAN;
};

inline Result<InferenceCaseRun> RunInferenceCase(const YAML::Node& n) {
  using namespace perf;
  const auto& cat = BuiltinCatalog();
  InferenceJob job = InferenceJobFor(cat, **cat.FindModel(n["model"].as<std::string>()),
                                     **cat.FindChip(n["chip"].as<std::string>()));
  job.system = *cat.SystemFor(*job.chip);
  job.chips = n["count"].as<long>();
  job.input_tokens = n["input"].as<double>();
  job.output_tokens = n["output"].as<double>();
  job.dtype = *ParseServingDType(n["dtype"].as<std::string>());
  if (n["kv_dtype"]) job.kv_dtype = ParseServingDType(n["kv_dtype"].as<std::string>());
  job.mode =
      n["mode"].as<std::string>() == "offline" ? ServingMode::kOffline : ServingMode::kServer;
  if (n["tpot_ms"]) job.tpot_ms = n["tpot_ms"].as<double>();
  if (n["ttft_ms"]) job.ttft_ms = n["ttft_ms"].as<double>();
  if (n["prefix_cache_hit"]) job.prefix_cache_hit = n["prefix_cache_hit"].as<double>();
  job.disaggregate = n["disaggregate"] && n["disaggregate"].as<bool>();
  // Multi-token prediction as the run had it (CloudMatrix-Infer's one draft token, I-C4).
  if (n["mtp"]) job.mtp_depth = n["mtp"].as<int>();
  if (n["mtp_acceptance"]) job.mtp_acceptance = n["mtp_acceptance"].as<double>();
  // The batch the figure was read at, each attention-DP rank's (`--max-num-seqs-per-rank`).
  if (n["batch"]) {
    job.limits.max_num_seqs = n["batch"].as<int>();
    job.limits.max_num_seqs_per_instance = false;
  }
  InferenceConstraints fixed;
  if (n["tp"]) fixed.tp = n["tp"].as<int>();
  if (n["ep"]) fixed.ep = n["ep"].as<int>();
  auto r = EstimateInference(job, fixed);
  if (!r) return tl::unexpected(r.error());
  InferenceCaseRun run{*r, NAN};
  const std::string metric = n["metric"].as<std::string>();
  if (metric == "output_tokens_per_s_per_chip") run.predicted = r->output_tokens_per_s_per_chip;
  if (metric == "prefill_tokens_per_s_per_chip") run.predicted = r->prefill_tokens_per_s_per_chip;
  if (metric == "decode_tokens_per_s_per_chip") run.predicted = r->decode_tokens_per_s_per_chip;
  if (std::isnan(run.predicted)) return MakeError("unknown metric " + metric);
  return run;
}

}  // namespace suanli::testing

#endif  // SUANLI_TESTS_PERF_PUBLISHED_CASES_H_
