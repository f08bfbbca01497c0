// Output of `suanli infer`: one JSON object, a readable summary, or the
// comparison table over several chips.
#ifndef SUANLI_REPORT_INFER_REPORT_H_
#define SUANLI_REPORT_INFER_REPORT_H_

#include <optional>
#include <string>
#include <vector>

#include "perf/inference.h"
#include "report/launch.h"
#include "sim/serving/serving_sim.h"

namespace suanli::report {

// The request-level simulation of the chosen deployment (sim/serving).
struct ServingSimulation {
  std::string mode;      // offline, server or interactive
  std::string skipped;   // why it did not run (disaggregated), else empty
  std::string workload;  // what was simulated, in words
  std::string input_dist, output_dist, arrivals;
  // Where output_dist comes from when the request gave none (a reasoning model's measured
  // spread); empty: given, or fixed.
  std::string output_dist_source;
  long requests_per_run = 0;
  int runs = 1;
  std::optional<double> ttft_target_ms, tpot_target_ms;
  std::string slo_source;                      // "given", or where the default SLO comes from
  std::optional<double> qps;                   // the simulated rate, requests/s per instance
  std::optional<double> qps_total;             // the deployment's (--qps with --count)
  std::optional<long> concurrency;             // closed-loop clients of the busiest instance
  std::optional<long> concurrency_total;       // the deployment's (--concurrency with --count)
  std::optional<double> max_qps_at_slo;        // per instance
  std::optional<double> max_qps_at_slo_total;  // over --count chips
  int instances = 0;                           // with --count
  int chips_per_group = 1;                     // tp: the simulated attention group's chips
  int groups_per_instance = 1;                 // dp
  sim::ServingSimResult result;
  double output_tokens_per_s_per_chip = 0;
  std::optional<double> kv_host_gib;  // the host KV tier per chip, when given
  // A request trace's prefix cache (--prefix-cache): "lru" or "unbounded"; empty without a trace.
  std::string prefix_cache;
  std::optional<double> sim_wall_s;
  // Layouts simulated to pick the deployment: the estimate's and its near_layouts.
  int layouts_simulated = 1;
};

// The engine a request that named none ran (data/engines.yaml default_families; empty: none), the
// ids that name another (--engine; "none" among them where one ran), and the sentence that says
// both: the answer's, text and JSON, so a user knows what the number is for.
struct EngineAssumed {
  std::string engine;
  std::vector<std::string> choices;
  std::string note;
};

struct InferenceReport {
  const perf::InferenceJob* job = nullptr;
  perf::InferenceEstimate estimate;
  std::optional<ServingSimulation> simulation;
  std::string mode;  // as requested (offline, server, interactive, analytic); empty: the job's
  const Launch* launch = nullptr;  // --emit: the engine's serve command for the deployment
  // Serve-command flags given that the estimate does not price ("--async-scheduling").
  std::vector<std::string> flags_not_modelled;
  // What the answer takes for what a pasted command leaves out and the model cannot read from it
  // (ShareGPT's mean lengths, a die-counted device priced as a package): said with the answer.
  std::vector<std::string> assumptions;
  std::optional<EngineAssumed> engine_assumed;  // only when the request named no engine
};

std::string InferenceJson(const InferenceReport& r);
std::string InferenceText(const InferenceReport& r);

// One row per chip; a chip that cannot serve the job carries its error.
struct CompareRow {
  const perf::InferenceJob* job = nullptr;
  std::optional<perf::InferenceEstimate> estimate;
  std::string error;
};
// `flags_not_modelled`: serve-command flags given that no row priced (InferenceReport's).
// `engine_assumed`: the engine every row ran when the request named none.
std::string CompareJson(const std::vector<CompareRow>& rows,
                        const std::vector<std::string>& flags_not_modelled = {},
                        const std::optional<EngineAssumed>& engine_assumed = std::nullopt);
std::string CompareTable(const std::vector<CompareRow>& rows,
                         const std::vector<std::string>& flags_not_modelled = {},
                         const std::optional<EngineAssumed>& engine_assumed = std::nullopt);

}  // namespace suanli::report

#endif  // SUANLI_REPORT_INFER_REPORT_H_
