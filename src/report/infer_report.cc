#include "report/infer_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "report/json_out.h"
#include "report/table.h"

namespace suanli::report {
namespace {

nlohmann::json LayoutJson(const perf::InferenceLayout& l) {
  return {{"tp", l.tp}, {"ep", l.ep}, {"dp", l.dp}, {"pp", l.pp}, {"chips", l.chips()}};
}

nlohmann::json EstimateJson(const perf::InferenceJob& job, const perf::InferenceEstimate& e) {
  nlohmann::json j;
  j["model"] = job.model->id;
  j["chip"] = job.chip->id;
  j["system"] = job.system.id;
  j["power_cap_w"] = Optional(job.system.power_cap_w);
  j["dtype"] = perf::ServingDTypeName(job.dtype);
  j["dtype_basis"] =
      job.dtype_basis.empty() ? nlohmann::json(nullptr) : nlohmann::json(job.dtype_basis);
  j["mtp"] = job.mtp_depth;
  j["mtp_acceptance"] = job.mtp_depth > 0 ? nlohmann::json(job.mtp_acceptance) : nullptr;
  if (!job.mtp_acceptance_basis.empty()) j["mtp_acceptance_basis"] = job.mtp_acceptance_basis;
  j["draft_model"] = job.draft_model ? nlohmann::json(job.draft_model->id) : nullptr;
  j["tokens_per_decode_step"] = Round(e.tokens_per_decode_step, 6);
  for (auto [key, part] : {std::pair{"expert_dtype", job.expert_dtype},
                           std::pair{"attention_dtype", job.attention_dtype}}) {
    j[key] = part ? nlohmann::json(perf::ServingDTypeName(*part)) : nlohmann::json(nullptr);
  }
  j["mode"] = job.mode == perf::ServingMode::kOffline ? "offline" : "server";
  j["input_tokens"] = job.input_tokens;
  j["output_tokens"] = job.output_tokens;
  j["output_length_ratio"] = Round(job.output_length_ratio, 6);
  j["output_lengths"] =
      job.output_lengths.empty() ? nlohmann::json(nullptr) : nlohmann::json(job.output_lengths);
  j["prefix_cache_hit"] = job.prefix_cache_hit;
  j["tpot_target_ms"] = Optional(job.tpot_ms);
  j["ttft_target_ms"] = Optional(job.ttft_ms);
  j["disaggregated"] = e.disaggregated;
  j["layout"] = LayoutJson(e.layout);
  if (e.disaggregated) {
    j["prefill_layout"] = LayoutJson(e.prefill_layout);
    j["prefill_chips_per_decode_chip"] = Round(e.prefill_chips_per_decode_chip, 4);
    if (e.instances > 0) j["decode_instances"] = e.instances;
  }
  j["prefill_tokens_per_s_per_chip"] = Round(e.prefill_tokens_per_s_per_chip);
  j["decode_tokens_per_s_per_chip"] = Round(e.decode_tokens_per_s_per_chip);
  j["output_tokens_per_s_per_chip"] = Round(e.output_tokens_per_s_per_chip);
  j["input_tokens_per_s_per_chip"] = Round(e.input_tokens_per_s_per_chip);
  j["ttft_ms"] = Round(e.ttft_ms, 5);
  j["tpot_ms"] = Round(e.tpot_ms, 5);
  j["max_batch"] = e.max_batch;
  j["launch_batch"] = e.launch_batch;
  j["memory_max_batch"] = e.memory_max_batch;
  j["engine"] =
      job.limits.engine.empty() ? nlohmann::json(nullptr) : nlohmann::json(job.limits.engine);
  j["engine_max_batch"] =
      e.engine_max_batch > 0 ? nlohmann::json(e.engine_max_batch) : nlohmann::json(nullptr);
  j["kv_cache_bytes_per_token"] = Round(e.kv_cache_bytes_per_token, 8);
  j["kv_cache_gib_per_chip"] = Round(e.kv_cache_gib_per_chip, 4);
  j["weights_gib_per_chip"] = Round(e.weights_gib_per_chip, 4);
  j["memory_capacity_gib"] = Round(e.memory_capacity_gib, 4);
  j["bound"] = e.bound;
  j["step_breakdown_ms"] = {{"linear", Round(e.step_linear_ms, 4)},
                            {"attention", Round(e.step_attention_ms, 4)},
                            {"communication", Round(e.step_communication_ms, 4)},
                            {"overhead", Round(e.step_overhead_ms, 4)}};
  j["chip_hour_usd"] = Optional(e.chip_hour_usd, 4);
  j["price_basis"] =
      e.price_basis.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.price_basis);
  j["cost_usd_per_million_output_tokens"] = Optional(e.cost_usd_per_million_output_tokens, 4);
  j["cost_usd_per_million_input_tokens"] = Optional(e.cost_usd_per_million_input_tokens, 4);
  j["output_tokens_per_usd"] =
      Optional(e.cost_usd_per_million_output_tokens
                   ? std::optional<double>(1e6 / *e.cost_usd_per_million_output_tokens)
                   : std::nullopt,
               4);
  j["output_tokens_per_s_per_watt"] = Optional(e.tokens_per_s_per_watt, 4);
  if (job.demand_tokens_per_s) {
    j["demand_tokens_per_s"] = *job.demand_tokens_per_s;
    j["chips_for_demand"] = e.chips_for_demand ? nlohmann::json(*e.chips_for_demand) : nullptr;
  }
  j["calibration"] = {{"family", job.calibration.id}, {"calibrated", job.calibration.calibrated}};
  j["layouts_evaluated"] = e.layouts_evaluated;
  return j;
}

// "fp8", or "fp8 (experts fp4)" with per-part formats, then why when the user gave none.
std::string DTypesText(const perf::InferenceJob& job, bool with_basis = true) {
  std::string parts;
  if (job.expert_dtype)
    parts += fmt::format("experts {}", perf::ServingDTypeName(*job.expert_dtype));
  if (job.attention_dtype) {
    parts += fmt::format("{}attention {}", parts.empty() ? "" : ", ",
                         perf::ServingDTypeName(*job.attention_dtype));
  }
  if (with_basis && !job.dtype_basis.empty()) {
    parts += (parts.empty() ? "" : "; ") + job.dtype_basis;
  }
  const std::string base(perf::ServingDTypeName(job.dtype));
  return parts.empty() ? base : base + " (" + parts + ")";
}

std::string Money(const std::optional<double>& v) {
  return v ? fmt::format("{:.3f}", *v) : std::string("-");
}

nlohmann::json PercentilesJson(const sim::Percentiles& p, int digits) {
  return {{"p50", Round(p.p50, digits)},
          {"p90", Round(p.p90, digits)},
          {"p99", Round(p.p99, digits)},
          {"mean", Round(p.mean, digits)}};
}

// What a given rate (--qps) offers, output tokens/s per chip; 0 without one.
double OfferedPerChip(const ServingSimulation& s) {
  if (!s.qps || s.max_qps_at_slo || s.concurrency) return 0;
  return s.result.offered_output_tokens_per_s / s.chips_per_group;
}

nlohmann::json SimulationJson(const ServingSimulation& s) {
  nlohmann::json j;
  j["mode"] = s.mode;
  if (!s.skipped.empty()) {
    j["skipped"] = s.skipped;
    return j;
  }
  const auto& r = s.result;
  j["workload"] = s.workload;
  j["input_dist"] = s.input_dist;
  j["output_dist"] = s.output_dist;
  j["output_dist_source"] =
      s.output_dist_source.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.output_dist_source);
  j["arrivals"] = s.arrivals;
  j["requests_per_run"] = s.requests_per_run;
  j["runs"] = s.runs;
  j["layouts_simulated"] = s.layouts_simulated;
  j["ttft_target_ms"] = Optional(s.ttft_target_ms);
  j["tpot_target_ms"] = Optional(s.tpot_target_ms);
  j["slo_source"] = s.slo_source.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.slo_source);
  j["qps"] = Optional(s.qps, 5);
  j["qps_total"] = Optional(s.qps_total, 5);
  j["concurrency"] = s.concurrency ? nlohmann::json(*s.concurrency) : nlohmann::json(nullptr);
  j["concurrency_total"] =
      s.concurrency_total ? nlohmann::json(*s.concurrency_total) : nlohmann::json(nullptr);
  j["instances"] = s.instances > 0 ? nlohmann::json(s.instances) : nlohmann::json(nullptr);
  j["max_qps_at_slo"] = Optional(s.max_qps_at_slo, 5);
  const double offered = OfferedPerChip(s);
  j["offered_output_tokens_per_s_per_chip"] =
      offered > 0 ? nlohmann::json(Round(offered)) : nlohmann::json(nullptr);
  j["max_qps_at_slo_total"] = Optional(s.max_qps_at_slo_total, 5);
  j["chips_per_group"] = s.chips_per_group;
  j["groups_per_instance"] = s.groups_per_instance;
  j["requests"] = r.requests;
  j["requests_completed"] = r.requests_completed;
  j["ttft_ms"] = PercentilesJson(r.ttft_ms, 5);
  j["tpot_ms"] = PercentilesJson(r.tpot_ms, 5);
  j["e2e_s"] = PercentilesJson(r.e2e_s, 5);
  j["output_tokens_per_s_per_chip"] = Round(s.output_tokens_per_s_per_chip);
  j["goodput_requests_per_s"] = Round(r.goodput_requests_per_s * s.groups_per_instance, 5);
  j["preemptions"] = r.preemptions;
  j["swaps_to_host"] = r.swaps;
  j["kv_host_gib"] = Optional(s.kv_host_gib);
  j["prefix_cache"] =
      s.prefix_cache.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.prefix_cache);
  j["prefix_hit"] = Round(r.prefix_hit, 4);
  j["prefix_hit_unbounded"] = Round(r.prefix_hit_unbounded, 4);
  j["prefix_hit_host"] = Round(r.prefix_hit_host, 4);
  j["steps"] = r.steps;
  j["mean_running_seqs"] = Round(r.mean_running_seqs, 5);
  j["max_running_seqs"] = Round(r.max_running_seqs, 5);
  j["kv_capacity_tokens"] = Round(r.kv_capacity_tokens, 6);
  j["makespan_s"] = Round(r.makespan_s, 6);
  if (s.sim_wall_s) j["sim_wall_s"] = Round(*s.sim_wall_s, 3);
  return j;
}

std::string SimulationText(const ServingSimulation& s) {
  if (!s.skipped.empty()) return "simulated: no (" + s.skipped + ")\n";
  const auto& r = s.result;
  std::string out = fmt::format("simulated ({}): {}\n", s.mode, s.workload);
  if (!s.output_dist_source.empty()) {
    out += fmt::format("output lengths: {} ({})\n", s.output_dist, s.output_dist_source);
  }
  auto slo = [&]() {
    std::string t;
    if (s.ttft_target_ms) t += fmt::format("p99 TTFT <= {:g} ms", *s.ttft_target_ms);
    if (s.tpot_target_ms) {
      t += fmt::format("{}p99 TPOT <= {:g} ms", t.empty() ? "" : ", ", *s.tpot_target_ms);
    }
    return t + (s.slo_source.empty() ? "" : " (" + s.slo_source + ")");
  };
  Table t({"quantity", "p50", "p90", "p99", "mean"});
  auto row = [&](const char* name, const sim::Percentiles& p, const char* spec) {
    t.AddRow({name, fmt::format(fmt::runtime(spec), p.p50), fmt::format(fmt::runtime(spec), p.p90),
              fmt::format(fmt::runtime(spec), p.p99), fmt::format(fmt::runtime(spec), p.mean)});
  };
  if (s.max_qps_at_slo) {
    out += fmt::format(
        "highest rate at {}: {:.3g} requests/s per instance{}\n", slo(), *s.max_qps_at_slo,
        s.max_qps_at_slo_total
            ? fmt::format(", {:.4g} over {} instances", *s.max_qps_at_slo_total, s.instances)
            : "");
    if (*s.max_qps_at_slo == 0) {
      out += "no arrival rate meets it: even single requests miss the SLO on this layout\n";
      return out;
    }
    out += "at that rate:\n";
  }
  row("TTFT ms", r.ttft_ms, "{:.0f}");
  row("TPOT ms", r.tpot_ms, "{:.1f}");
  row("end to end s", r.e2e_s, "{:.2f}");
  out += t.Render();
  out += fmt::format(
      "output tokens/s per chip {:.0f}; goodput {:.3g} requests/s per instance; running batch "
      "{:.0f} mean, {:.0f} max; {} preemptions{}\n",
      s.output_tokens_per_s_per_chip, r.goodput_requests_per_s * s.groups_per_instance,
      r.mean_running_seqs, r.max_running_seqs, r.preemptions,
      s.kv_host_gib ? fmt::format(" ({} swapped to host memory)", r.swaps) : "");
  if (r.prefix_hit > 0 || r.prefix_hit_unbounded > 0) {
    out += fmt::format("prefix-cache hits: {:.1f} % of prompt tokens", r.prefix_hit * 100);
    if (r.prefix_hit_host > 0)
      out += fmt::format(" ({:.1f} % from host memory)", r.prefix_hit_host * 100);
    if (s.prefix_cache == "unbounded") {
      out += " (an unbounded cache: every block an earlier request carried)";
    } else if (std::abs(r.prefix_hit_unbounded - r.prefix_hit) > 5e-4) {
      out += fmt::format("; an unbounded cache would hit {:.1f} %", r.prefix_hit_unbounded * 100);
    }
    out += "\n";
  }
  if (!s.max_qps_at_slo && (s.ttft_target_ms || s.tpot_target_ms)) {
    const bool ok = (!s.ttft_target_ms || r.ttft_ms.p99 <= *s.ttft_target_ms) &&
                    (!s.tpot_target_ms || r.tpot_ms.p99 <= *s.tpot_target_ms);
    out += fmt::format("SLO {}: {}\n", slo(), ok ? "met" : "missed");
  }
  if (s.sim_wall_s) out += fmt::format("simulated in {:.2f} s\n", *s.sim_wall_s);
  return out;
}

// Who bounds the batch: "vllm", "the engine", "64 clients", "vllm and 64 clients", with a
// deployment of several instances "32 of the 64 clients" (the busiest instance's share).
std::string EngineLimitSubject(const perf::InferenceJob& job, const perf::InferenceEstimate& e) {
  const auto& limits = job.limits;
  const bool engine = limits.max_num_seqs || limits.max_batched_tokens;
  const std::string name = limits.engine.empty() ? std::string("the engine") : limits.engine;
  if (!limits.clients) return name;
  const perf::ClientShare share = perf::ClientsPerInstance(job, std::max(1, e.instances));
  const std::string clients = share.instances > 1
                                  ? fmt::format("{} of the {} clients", share.most, *limits.clients)
                                  : fmt::format("{} clients", *limits.clients);
  return engine ? name + " and " + clients : clients;
}

// The answer a reader should take: the simulation's where one ran (it serves requests as they
// come, with the engine's limits), else the analytic steady state.
bool SimulationAnswers(const InferenceReport& r) {
  return r.simulation && r.simulation->skipped.empty();
}

std::string AnswerText(const InferenceReport& r) {
  if (!SimulationAnswers(r)) return "";
  const auto& s = *r.simulation;
  const auto& rate = s.max_qps_at_slo ? s.max_qps_at_slo : s.qps;
  if (s.max_qps_at_slo && *s.max_qps_at_slo == 0) {
    return "answer (simulated): no arrival rate meets the SLO on this layout\n";
  }
  std::string out = fmt::format(
      "answer (simulated {}): {:.0f} output tokens/s per chip{}; the analytic steady state "
      "below: {:.0f}\n",
      s.mode, s.output_tokens_per_s_per_chip,
      s.concurrency_total && s.instances > 1
          ? fmt::format(
                " at {} requests in flight over {} instances (a closed loop; {} on {})",
                *s.concurrency_total, s.instances, *s.concurrency,
                *s.concurrency * s.instances == *s.concurrency_total ? "each" : "the busiest")
      : s.concurrency
          ? fmt::format(" at {} requests in flight per instance (a closed loop), "
                        "{:.3g} requests/s per instance",
                        *s.concurrency, s.result.completed_requests_per_s * s.groups_per_instance)
      // A request trace replayed at its own times (app::Infer sets arrivals "the trace's").
      : !rate && s.arrivals == "the trace's"
          ? fmt::format(", the trace's {} requests at its arrival times", s.requests_per_run)
      : !rate ? std::string(", all requests at once")
      : s.qps_total && s.instances > 1
          ? fmt::format(" at {:.3g} requests/s over {} instances ({:.3g} per instance)",
                        *s.qps_total, s.instances, *rate)
          : fmt::format(" at {:.3g} requests/s per instance{}", *rate,
                        s.max_qps_at_slo ? ", the highest rate that meets the SLO" : ""),
      r.estimate.output_tokens_per_s_per_chip);
  const double offered = OfferedPerChip(s);
  if (offered > 0 && s.output_tokens_per_s_per_chip < sim::kSustainedShare * offered) {
    out += fmt::format(
        "overloaded: {:.3g} requests/s offer {:.0f} output tokens/s per chip and it serves {:.0f} "
        "({:.0f} %): the queue grows while requests arrive (p99 TTFT {:.3g} s)\n",
        *s.qps, offered, s.output_tokens_per_s_per_chip,
        100 * s.output_tokens_per_s_per_chip / offered, s.result.ttft_ms.p99 / 1000);
  }
  if (s.layouts_simulated > 1) {
    out += fmt::format(
        "layout: the best simulated of {} that the steady state puts within {:g} % of each "
        "other\n",
        s.layouts_simulated, perf::kNearLayoutShare * 100);
  }
  return out;
}

// The engine a request that named none ran: its id (null: none) and the ids that name another.
nlohmann::json EngineAssumedJson(const EngineAssumed& a) {
  return {{"engine", a.engine.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.engine)},
          {"choices", a.choices},
          {"note", a.note}};
}

}  // namespace

std::string InferenceJson(const InferenceReport& r) {
  nlohmann::json j = EstimateJson(*r.job, r.estimate);
  // Which figure answers (see AnswerText); the top-level fields stay the analytic model's.
  j["answer"] = {{"from", SimulationAnswers(r) ? "simulation" : "analytic"},
                 {"output_tokens_per_s_per_chip",
                  Round(SimulationAnswers(r) ? r.simulation->output_tokens_per_s_per_chip
                                             : r.estimate.output_tokens_per_s_per_chip)}};
  if (r.simulation) j["simulation"] = SimulationJson(*r.simulation);
  // Only when given: an answer that priced every flag reads as it always did.
  if (!r.flags_not_modelled.empty()) j["flags_not_modelled"] = r.flags_not_modelled;
  if (!r.assumptions.empty()) j["assumptions"] = r.assumptions;
  if (r.engine_assumed) j["engine_assumed"] = EngineAssumedJson(*r.engine_assumed);
  if (r.launch) {
    j["launch"] = {{"engine", r.launch->stack},
                   {"command", r.launch->command},
                   {"args", r.launch->args},
                   {"notes", r.launch->notes}};
    if (!r.launch->config_file.empty()) {
      j["launch"]["config_file"] = r.launch->config_file;
      j["launch"]["config"] = r.launch->config;
    }
  }
  return Dump(j);
}

std::string InferenceText(const InferenceReport& r) {
  const auto& e = r.estimate;
  const auto& job = *r.job;
  std::string out = fmt::format(
      "{} on {} ({}{}), {}, {} mode, {:g} in / {:g} out tokens{}\n", job.model->id, job.chip->id,
      job.system.id,
      job.system.power_cap_w ? fmt::format(", capped at {:g} W", *job.system.power_cap_w) : "",
      DTypesText(job),
      !r.mode.empty()                           ? r.mode
      : job.mode == perf::ServingMode::kOffline ? "offline"
                                                : "server",
      job.input_tokens, job.output_tokens,
      job.prefix_cache_hit > 0
          ? fmt::format(", {:.0f} % prefix-cache hits", job.prefix_cache_hit * 100)
          : "");
  if (e.disaggregated) {
    out += fmt::format(
        "disaggregated: prefill tp {} ep {} ({} chips), decode tp {} ep {} ({} chips); {:.2f} "
        "prefill chips per decode chip\n",
        e.prefill_layout.tp, e.prefill_layout.ep, e.prefill_layout.chips(), e.layout.tp,
        e.layout.ep, e.layout.chips(), e.prefill_chips_per_decode_chip);
    if (e.instances > 0 && job.limits.clients) {
      out += fmt::format(
          "the {} chips hold {} decode instance{} and their prefill chips; the clients are dealt "
          "over the decode instances\n",
          job.chips, e.instances, e.instances == 1 ? "" : "s");
    }
  } else {
    // A searched layout says so, and how many instances share the chips: the engine's limits
    // (--max-num-seqs, the batch below) hold for each instance, as vLLM's and SGLang's do.
    out += fmt::format(
        "layout: tp {} ep {} dp {}{} ({} chip{} per instance{}){}\n", e.layout.tp, e.layout.ep,
        e.layout.dp, e.layout.pp > 1 ? fmt::format(" pp {}", e.layout.pp) : "", e.layout.chips(),
        e.layout.chips() == 1 ? "" : "s",
        e.instances > 1 ? fmt::format(", {} instances on the {} chips", e.instances, job.chips)
                        : "",
        e.layouts_evaluated > 1
            ? fmt::format("; searched over {} layouts: --tp, --ep and --dp set one{}",
                          e.layouts_evaluated,
                          job.limits.expert_parallel_opt_in && job.model->moe && e.layout.ep == 1
                              ? " (expert parallel only with --ep: the engine runs its MoE "
                                "layers tensor-parallel unless asked)"
                              : "")
            : "");
  }
  out += AnswerText(r);
  Table t({"quantity", "value"});
  t.AddRow({"output tokens/s per chip",
            fmt::format("{:.0f} (end to end)", e.output_tokens_per_s_per_chip)});
  t.AddRow({"decode tokens/s per chip", fmt::format("{:.0f}", e.decode_tokens_per_s_per_chip)});
  t.AddRow({"prefill tokens/s per chip", fmt::format("{:.0f}", e.prefill_tokens_per_s_per_chip)});
  t.AddRow({"TTFT / TPOT", fmt::format("{:.0f} ms / {:.1f} ms", e.ttft_ms, e.tpot_ms)});
  t.AddRow({"batch",
            fmt::format(
                "{} sequences ({} fit in memory{})", e.max_batch, e.memory_max_batch,
                e.engine_max_batch > 0
                    ? fmt::format(", {}{} {}", EngineLimitSubject(*r.job, e),
                                  r.job->limits.clients ? " allow" : " allows", e.engine_max_batch)
                    : "")});
  t.AddRow({"memory per chip",
            fmt::format("weights {:.1f} + KV {:.1f} of {:g} GiB", e.weights_gib_per_chip,
                        e.kv_cache_gib_per_chip, e.memory_capacity_gib)});
  t.AddRow({"KV cache", fmt::format("{:.0f} bytes per token", e.kv_cache_bytes_per_token)});
  t.AddRow({"bound", e.bound});
  t.AddRow(
      {"cost",
       e.chip_hour_usd
           ? fmt::format("${:.3f} per M output tokens, ${:.3f} per M input (${:.3f}/chip-h: {})",
                         *e.cost_usd_per_million_output_tokens,
                         *e.cost_usd_per_million_input_tokens, *e.chip_hour_usd, e.price_basis)
           : std::string("no price: give --chip-hour-usd")});
  if (job.demand_tokens_per_s && e.chips_for_demand) {
    t.AddRow({"chips for demand", fmt::format("{} for {:.0f} output tokens/s", *e.chips_for_demand,
                                              *job.demand_tokens_per_s)});
  }
  out += t.Render();
  out += fmt::format(
      "decode step: linear {:.1f}  attention {:.1f}  communication {:.1f}  overhead {:.1f} ms\n",
      e.step_linear_ms, e.step_attention_ms, e.step_communication_ms, e.step_overhead_ms);
  if (!job.output_lengths.empty() && !r.simulation) {
    out += fmt::format(
        "output lengths: {}; the running requests are the long ones: mean output context {:.2f} x "
        "the mean's half (E[L^2]/E[L]^2)\n",
        job.output_lengths, job.output_length_ratio);
  }
  if (!job.calibration.calibrated) {
    out += "note: chip family '" + job.chip->family +
           "' is not calibrated; default efficiencies used.\n";
  }
  if (!job.mtp_acceptance_basis.empty()) {
    out += fmt::format("note: draft acceptance {}\n", job.mtp_acceptance_basis);
  }
  if (r.simulation) out += SimulationText(*r.simulation);
  if (!r.flags_not_modelled.empty()) {
    out += fmt::format("note: not modelled, accepted as given: {}\n",
                       fmt::join(r.flags_not_modelled, ", "));
  }
  if (r.engine_assumed) out += "note: " + r.engine_assumed->note + "\n";
  for (const auto& a : r.assumptions) out += "note: " + a + "\n";
  if (r.launch) {
    out += "\nlaunch (" + r.launch->stack + "):\n";
    if (!r.launch->config_file.empty()) {
      out += "cat > " + r.launch->config_file + " <<'EOF'\n" + r.launch->config + "EOF\n";
    }
    out += r.launch->command + "\n";
    for (const auto& n : r.launch->notes) out += "note: " + n + "\n";
  }
  return out;
}

std::string CompareJson(const std::vector<CompareRow>& rows,
                        const std::vector<std::string>& flags_not_modelled,
                        const std::optional<EngineAssumed>& engine_assumed) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& row : rows) {
    if (row.estimate) {
      arr.push_back(EstimateJson(*row.job, *row.estimate));
    } else {
      arr.push_back({{"chip", row.job->chip->id}, {"error", row.error}});
    }
  }
  nlohmann::json j = {{"chips", arr}};
  // As one deployment's answer: only when given, for every row alike.
  if (!flags_not_modelled.empty()) j["flags_not_modelled"] = flags_not_modelled;
  if (engine_assumed) j["engine_assumed"] = EngineAssumedJson(*engine_assumed);
  return Dump(j);
}

std::string CompareTable(const std::vector<CompareRow>& rows,
                         const std::vector<std::string>& flags_not_modelled,
                         const std::optional<EngineAssumed>& engine_assumed) {
  Table t({"chip", "format", "layout", "out tok/s/chip", "tok/s/W", "tok/$", "$/M out", "TPOT ms",
           "TTFT ms", "bound", "chips for demand", "China status"});
  std::string notes;
  bool unpriced = false;  // a row without $/M out
  for (const auto& row : rows) {
    const auto& chip = *row.job->chip;
    const std::string status = chip.export_status.empty() ? "-" : chip.export_status.back().status;
    if (!row.estimate) {
      t.AddRow({chip.id, "-", "-", "-", "-", "-", "-", "-", "-", "cannot serve", "-", status});
      notes += chip.id + ": " + row.error + "\n";
      continue;
    }
    const auto& e = *row.estimate;
    unpriced = unpriced || !e.cost_usd_per_million_output_tokens;
    if (const auto& cap = row.job->system.power_cap_w) {
      notes += fmt::format("{}: capped at {:g} W (tok/s/W per capped watt)\n", chip.id, *cap);
    }
    // A format other than the checkpoint's (FP8 served as INT8 on Ascend) says why.
    if (row.job->dtype_basis.find(" has no ") != std::string::npos) {
      notes += chip.id + ": " + row.job->dtype_basis + "\n";
    }
    t.AddRow({chip.id, DTypesText(*row.job, false),
              fmt::format("tp{} ep{}", e.layout.tp, e.layout.ep),
              fmt::format("{:.0f}", e.output_tokens_per_s_per_chip),
              e.tokens_per_s_per_watt ? fmt::format("{:.2f}", *e.tokens_per_s_per_watt) : "-",
              e.cost_usd_per_million_output_tokens
                  ? fmt::format("{:.0f}", 1e6 / *e.cost_usd_per_million_output_tokens)
                  : "-",
              Money(e.cost_usd_per_million_output_tokens), fmt::format("{:.1f}", e.tpot_ms),
              fmt::format("{:.0f}", e.ttft_ms), e.bound,
              e.chips_for_demand ? std::to_string(*e.chips_for_demand) : "-", status});
  }
  if (unpriced)
    notes += "$/M out needs a price: --chip-hour-usd, or the catalog price amortized.\n";
  // The draft acceptance is the model's, the same on every chip: said once.
  for (const auto& row : rows) {
    if (!row.job->mtp_acceptance_basis.empty()) {
      notes += fmt::format("note: draft acceptance {}\n", row.job->mtp_acceptance_basis);
      break;
    }
  }
  if (!flags_not_modelled.empty()) {
    notes += fmt::format("note: not modelled, accepted as given: {}\n",
                         fmt::join(flags_not_modelled, ", "));
  }
  if (engine_assumed) notes += "note: " + engine_assumed->note + "\n";
  return t.Render() + notes;
}

}  // namespace suanli::report
