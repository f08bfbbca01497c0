// infer: one model served on one chip (or a comparison of chips), through the analytic serving
// model, and through the request-level simulator in the offline, server and interactive modes.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <optional>
#include <tuple>

#include "app/engine.h"
#include "app/internal.h"
#include "catalog/catalog.h"
#include "core/text.h"
#include "perf/inference.h"
#include "perf/power.h"
#include "report/infer_report.h"
#include "report/serve_launch.h"
#include "sim/serving/serving_sim.h"

namespace suanli::app {

using internal::CheckSizes;
using internal::FieldError;
using internal::WithField;

namespace {

// MLPerf Inference v5.0's latency limits (Llama-2-70B: server TTFT 2 s, TPOT 200 ms;
// interactive 450 ms, 40 ms), the SLOs a server search uses when none is given.
constexpr double kServerTtftMs = 2000, kServerTpotMs = 200;
constexpr double kInteractiveTtftMs = 450, kInteractiveTpotMs = 40;
// MLPerf's long-context limits (llama3.1-405b: server TTFT 6 s, interactive 4.5 s, for prompts
// of about 9,400 tokens): a prompt too long for the limits above takes these, scaled to its length.
constexpr double kLongServerTtftMs = 6000, kLongInteractiveTtftMs = 4500, kLongPromptTokens = 9400;
constexpr double kDefaultDurationS = 600;  // MLPerf's minimum run
constexpr long kMaxSimRequests = 10'000'000;
// A simulated rate below this share of the steady state's: the layout choice is re-examined.
constexpr double kSimulationDisagrees = 0.8;

// The latency targets of a request: those given, else in the server and interactive modes
// MLPerf's for the mode, so that the analytic estimate (and the batch it chooses, which caps the
// simulated engine) and the simulation answer under the same SLO. Offline and analytic take none.
// A TPOT target alone takes the mode's TTFT limit beside it: every MLPerf Server and Interactive
// run sets both (mlperf.conf ttft_latency and tpot_latency for each LLM, S4071), and a TPOT limit
// alone does not bound the queue, so a rate past what the server sustains could pass it (its
// running requests keep their TPOT while arrivals wait): the TTFT limit is what stops the search
// at the rate the server keeps up with. A TTFT target alone is an SLO of its own and stays alone.
using internal::LatencyTargets;
LatencyTargets TargetsOf(const InferRequest& r) {
  if (r.ttft_ms || (r.mode != "server" && r.mode != "interactive"))
    return {r.ttft_ms, r.tpot_ms, ""};
  const bool interactive = r.mode == "interactive";
  const char* mode = interactive ? "interactive" : "server";
  const double ttft = interactive ? kInteractiveTtftMs : kServerTtftMs;
  if (r.tpot_ms) {
    return {ttft, r.tpot_ms,
            fmt::format("TTFT: MLPerf Inference v5.0 {} limit, which every MLPerf run sets beside "
                        "its TPOT limit; set --ttft-ms",
                        mode),
            true, false};
  }
  return {ttft, interactive ? kInteractiveTpotMs : kServerTpotMs,
          fmt::format("MLPerf Inference v5.0 {} limits; set --ttft-ms/--tpot-ms", mode), true,
          true};
}

// A load the request gives (clients in a closed loop, or an arrival rate): the run measures it
// rather than searching the highest rate its latency targets allow.
bool GivenLoad(const InferRequest& r) { return r.concurrency.has_value() || r.qps.has_value(); }

// The default TTFT for a prompt no layout can take within MLPerf's limit for the mode: the
// long-context limit scaled to the prompt's length (a 120,000-token prompt: 76.6 s in server
// mode), with what it says of itself.
LatencyTargets LongPromptTargetsOf(const InferRequest& r) {
  LatencyTargets t = TargetsOf(r);
  const bool interactive = r.mode == "interactive";
  t.ttft_ms = std::max(*t.ttft_ms, (interactive ? kLongInteractiveTtftMs : kLongServerTtftMs) *
                                       r.input_tokens / kLongPromptTokens);
  t.source = fmt::format(
      "{} {} limit{}, TTFT scaled from its long-context limit ({:g} s for "
      "{:g}-token prompts) to {:g} tokens: no layout meets {:g} ms; set --ttft-ms{}",
      t.tpot_defaulted ? "MLPerf Inference v5.0" : "TTFT: MLPerf Inference v5.0",
      interactive ? "interactive" : "server", t.tpot_defaulted ? "s" : "",
      (interactive ? kLongInteractiveTtftMs : kLongServerTtftMs) / 1000, kLongPromptTokens,
      r.input_tokens, interactive ? kInteractiveTtftMs : kServerTtftMs,
      t.tpot_defaulted ? "/--tpot-ms" : "");
  return t;
}

// The output lengths a simulation draws, and where they come from when the request gave none:
// those given; else, for a model whose catalog entry measures its outputs' spread (a reasoning
// model's, output_lengths), that lognormal around the given mean, cut at the measured set's
// generation cap when the mean lies below it; else fixed.
struct OutputDist {
  std::string dist;
  std::string source;  // empty: given, or fixed
};
OutputDist OutputDistOf(const InferRequest& r, const catalog::Model& model) {
  if (!r.output_dist.empty()) return {r.output_dist, ""};
  if (!model.output_lengths || !r.requests_trace.empty()) return {"fixed", ""};
  const catalog::OutputLengths& o = *model.output_lengths;
  const std::string dist = o.max_tokens > r.output_tokens
                               ? fmt::format("lognormal:{:g}:{:g}", o.lognormal_sigma, o.max_tokens)
                               : fmt::format("lognormal:{:g}", o.lognormal_sigma);
  return {dist, fmt::format("{}'s outputs as measured: lognormal, sigma {:g}{}, around the mean; "
                            "{}; --output-dist fixed for fixed lengths",
                            model.id, o.lognormal_sigma,
                            o.max_tokens > r.output_tokens
                                ? fmt::format(" cut at {:g} tokens", o.max_tokens)
                                : "",
                            o.source)};
}

// The longest request the workload sends, prompt and output (the model's context at most): what
// an engine's context length must hold. A spread with no cut is cut at the model's context, as
// the simulator cuts it.
double LongestRequest(const InferRequest& r, const catalog::Model& model) {
  const double context = model.max_seq_len;
  const auto longest = [&](const std::string& shape, double mean) {
    auto d = sim::LengthDistribution::Parse(shape, mean);
    if (!d) return mean;
    using Shape = sim::LengthDistribution::Shape;
    if (d->shape == Shape::kFixed) return mean;
    if (d->shape == Shape::kUniform) return mean * (1 + d->spread);
    if (d->shape == Shape::kLognormal && d->max > 0) return d->max;
    return context;
  };
  if (!r.requests_trace.empty()) return 0;  // the trace's lengths: not read here
  const double total =
      longest(r.input_dist, r.input_tokens) + longest(OutputDistOf(r, model).dist, r.output_tokens);
  return context > 0 ? std::min(total, context) : total;
}

// An engine named for chips it does not run on (TensorRT-LLM on an AMD GPU) is refused, not priced.
Result<void> EngineRunsOnEveryChip(const catalog::Catalog& cat,
                                   const catalog::ServingEngine& engine, const InferRequest& r,
                                   const std::string& field) {
  for (const auto& id : r.chip) {
    auto chip = cat.FindChip(id);
    if (!chip || catalog::RunsOn(engine, **chip)) continue;
    return tl::unexpected(FieldError(
        field, fmt::format("{} runs on chip families {}; {} is {}", engine.name,
                           fmt::join(engine.runs_on, ", "), (*chip)->id, (*chip)->family)));
  }
  return {};
}

// How a request trace is read: its blocks' size, named as the request gave it.
sim::TraceReadOptions TraceOptions(const InferRequest& r) {
  return {.block_tokens = static_cast<int>(r.trace_block_size.value_or(512)),
          .block_flag = FlagAsTyped(r.typed_as, "trace_block_size"),
          .block_tokens_given = r.trace_block_size.has_value()};
}

// The simulator's knobs: each in range, and none given where it has no effect.
Result<void> CheckSimulation(const InferRequest& r, const catalog::Model& model) {
  if (r.mtp < 0 || r.mtp > 8) return tl::unexpected(FieldError("mtp", "must be from 0 to 8"));
  if (r.mtp_acceptance && !(*r.mtp_acceptance >= 0 && *r.mtp_acceptance <= 1)) {
    return tl::unexpected(FieldError("mtp_acceptance", "must be in [0, 1]"));
  }
  if (!r.draft_model.empty() && r.mtp < 1) {
    return tl::unexpected(FieldError(
        "draft_model",
        fmt::format("needs {} N, the tokens it drafts per step", FlagAsTyped(r.typed_as, "mtp"))));
  }
  if (!r.draft_model.empty() && !r.mtp_acceptance) {
    return tl::unexpected(
        FieldError("mtp_acceptance",
                   "a draft model's acceptance depends on the pair and the data; give it "
                   "(e.g. 0.7)"));
  }
  const bool sim = Simulated(r);
  auto unused = [&](const char* field, bool given, const char* why) -> Result<void> {
    if (given) return tl::unexpected(FieldError(field, why));
    return {};
  };
  const char* analytic = "has no effect with mode analytic (it sets the simulated workload)";
  for (auto [field, given] :
       {std::pair{"qps", r.qps.has_value()}, std::pair{"duration_s", r.duration_s.has_value()},
        std::pair{"requests", r.requests.has_value()},
        std::pair{"kv_host_gib", r.kv_host_gib.has_value()},
        std::pair{"cuda_graph_batch_sizes", !r.cuda_graph_batch_sizes.empty()},
        std::pair{"adp_balance_timeout_iters", r.adp_balance_timeout_iters.has_value()},
        std::pair{"adp_balance_wait_iters", r.adp_balance_wait_iters.has_value()},
        std::pair{"kv_admission", !r.kv_admission.empty()},
        std::pair{"disable_ignore_eos", r.disable_ignore_eos},
        std::pair{"requests_trace", !r.requests_trace.empty()}}) {
    if (auto ok = unused(field, given && !sim, analytic); !ok) return ok;
  }
  if (auto ok = unused("qps", r.qps && r.mode == "offline",
                       "offline sends every request at once; use mode server or interactive");
      !ok) {
    return ok;
  }
  if (r.concurrency && !(*r.concurrency >= 1 && *r.concurrency <= (1 << 20))) {
    return tl::unexpected(FieldError("concurrency", "must be from 1 to 1,048,576 requests"));
  }
  if (auto ok = unused("concurrency", r.concurrency && r.mode == "offline",
                       "offline sends every request at once; a closed loop of clients runs in "
                       "mode server or interactive (--max-num-seqs bounds an offline batch)");
      !ok) {
    return ok;
  }
  if (auto ok = unused("concurrency", r.concurrency && r.qps,
                       "a closed loop sends as requests complete, not at a rate: give --qps or "
                       "--concurrency, not both");
      !ok) {
    return ok;
  }
  if (auto ok =
          unused("duration_s", r.duration_s && !r.qps,
                 r.concurrency ? "needs --qps (the rate to run); a closed loop runs --requests "
                                 "requests"
                               : "needs --qps (the rate to run)");
      !ok) {
    return ok;
  }
  // A rate runs for --duration-s, or for --requests / qps without it (the benchmarks'
  // --request-rate with --num-prompts): both given, one would be silently unused.
  if (auto ok = unused("requests", r.requests && r.qps && r.duration_s,
                       "with --qps, give --requests (the run lasting requests / qps) or "
                       "--duration-s (qps x duration_s requests), not both");
      !ok) {
    return ok;
  }
  if (auto ok = unused("qps", r.qps && !r.requests_trace.empty(),
                       "a request trace carries its own arrivals");
      !ok) {
    return ok;
  }
  // A trace's block size and prefix cache: what its blocks are, and how they hit.
  const std::string trace_flag = FlagAsTyped(r.typed_as, "requests_trace");
  if (auto ok = unused("trace_block_size", r.trace_block_size && r.requests_trace.empty(),
                       ("sizes a request trace's blocks; give " + trace_flag).c_str());
      !ok) {
    return ok;
  }
  if (!r.prefix_cache.empty() && r.prefix_cache != "lru" && r.prefix_cache != "unbounded") {
    return tl::unexpected(FieldError(
        "prefix_cache",
        fmt::format("unknown prefix cache {}; expected lru or unbounded", Quoted(r.prefix_cache))));
  }
  if (auto ok = unused("prefix_cache", !r.prefix_cache.empty() && r.requests_trace.empty(),
                       ("is a request trace's (its shared blocks); give " + trace_flag +
                        ", or the share cached with " + FlagAsTyped(r.typed_as, "prefix_cache_hit"))
                           .c_str());
      !ok) {
    return ok;
  }
  if (auto ok = unused(
          "prefix_cache", !r.prefix_cache.empty() && r.no_prefix_cache,
          ("contradicts " + FlagAsTyped(r.typed_as, "no_prefix_cache") + ": give one").c_str());
      !ok) {
    return ok;
  }
  for (auto [field, iters] : {std::pair{"adp_balance_timeout_iters", r.adp_balance_timeout_iters},
                              std::pair{"adp_balance_wait_iters", r.adp_balance_wait_iters}}) {
    if (iters && (*iters < 0 || *iters > 100000)) {
      return tl::unexpected(FieldError(field, "must be from 0 to 100,000 iterations"));
    }
  }
  if (r.kv_host_gib && !(*r.kv_host_gib > 0 && *r.kv_host_gib <= 1e5)) {
    return tl::unexpected(FieldError("kv_host_gib", "must be above 0 and at most 100,000 GiB"));
  }
  if (!(r.host_link_gb_s > 0 && r.host_link_gb_s <= 1e4)) {
    return tl::unexpected(FieldError("host_link_gb_s", "must be above 0 and at most 10,000 GB/s"));
  }
  if (r.qps && !(*r.qps > 0 && *r.qps <= 1e6)) {
    return tl::unexpected(FieldError("qps", "must be above 0 and at most 1e6 requests/s"));
  }
  if (r.duration_s && !(*r.duration_s > 0 && *r.duration_s <= 30 * 86400.0)) {
    return tl::unexpected(FieldError("duration_s", "must be above 0 and at most 30 days"));
  }
  if (r.requests && !(*r.requests >= 1 && *r.requests <= kMaxSimRequests)) {
    return tl::unexpected(FieldError("requests", "must be from 1 to 10,000,000"));
  }
  // A rate below one request a run simulated one request at about 1 / qps seconds: at --qps
  // 1e-300 its arrival, 1e300 s, swallowed the step times (TTFT 0 ms, 0 tokens/s, "SLO met").
  if (r.qps && (r.duration_s || !r.requests) &&
      *r.qps * r.duration_s.value_or(kDefaultDurationS) < 1) {
    return tl::unexpected(FieldError(
        "qps", fmt::format("{} x {} s is fewer than one request in the run; give a higher rate "
                           "or a longer {}",
                           *r.qps, r.duration_s.value_or(kDefaultDurationS),
                           FlagAsTyped(r.typed_as, "duration_s"))));
  }
  if (r.qps && r.requests && !r.duration_s &&
      static_cast<double>(*r.requests) / *r.qps > 30 * 86400.0) {
    return tl::unexpected(FieldError(
        "qps", fmt::format("{} requests at {} requests/s take more than 30 days to arrive; give a "
                           "higher rate or fewer {}",
                           *r.requests, *r.qps, FlagAsTyped(r.typed_as, "requests"))));
  }
  if (r.qps && (r.duration_s || !r.requests) &&
      *r.qps * r.duration_s.value_or(kDefaultDurationS) > kMaxSimRequests) {
    return tl::unexpected(
        FieldError("qps", "qps x duration_s exceeds 10,000,000 requests; shorten " +
                              FlagAsTyped(r.typed_as, "duration_s")));
  }
  if (r.arrivals != "poisson" && r.arrivals != "gamma") {
    return tl::unexpected(FieldError(
        "arrivals",
        fmt::format("unknown arrivals {}; expected poisson or gamma", Quoted(r.arrivals))));
  }
  if (!(r.burstiness > 0 && r.burstiness <= 20)) {
    return tl::unexpected(FieldError("burstiness", "must be above 0 and at most 20"));
  }
  if (r.burstiness != 1 && r.arrivals != "gamma") {
    return tl::unexpected(
        FieldError("burstiness", "needs " + FlagAsTyped(r.typed_as, "arrivals", "gamma")));
  }
  const std::string output_dist = OutputDistOf(r, model).dist;
  for (auto [field, text, mean] : {std::tuple{"input_dist", &r.input_dist, r.input_tokens},
                                   std::tuple{"output_dist", &output_dist, r.output_tokens}}) {
    auto d = sim::LengthDistribution::Parse(*text, mean);
    if (!d) return tl::unexpected(FieldError(field, d.error().message));
    // The steady state takes the outputs' spread (InferenceJob::output_length_ratio); a prompt's
    // spread moves only what the simulator steps.
    if (d->shape != sim::LengthDistribution::Shape::kFixed && !sim &&
        std::string_view(field) == "input_dist") {
      return tl::unexpected(FieldError(field, analytic));
    }
  }
  return {};
}

// What the engine's token budget does to the answer, said with it: the limits trtllm-bench
// sets offline where the user set none (perf::LimitsAt), and whole prompts (chunked prefill off)
// that leave room for few running sequences beside them, which caps the batch far below what the
// memory holds (TensorRT-LLM's scheduler, S3631): what the engine does, and the flags that change
// it. And the smaller defaults an engine takes on a small device (vLLM's on an A100, S3522).
// The smaller batch defaults `engine` starts with on `chip` (vLLM's on an A100 or below 70 GiB,
// S3522), each only where the request does not give its own: 0 where none applies.
struct SmallDeviceDefaults {
  int max_num_seqs = 0;
  double max_batched_tokens = 0;
};
SmallDeviceDefaults SmallDeviceDefaultsOf(const catalog::ServingEngine& engine,
                                          const catalog::Chip& chip, const InferRequest& r) {
  SmallDeviceDefaults d;
  if (!catalog::SmallDevice(engine, chip)) return d;
  if (!r.max_num_seqs && !r.max_num_seqs_per_rank && !r.max_running_requests) {
    d.max_num_seqs = engine.small_device_max_num_seqs;
  }
  if (!r.max_batched_tokens) d.max_batched_tokens = engine.small_device_max_batched_tokens;
  return d;
}

std::vector<std::string> EngineLimitNotes(const catalog::Catalog& cat, const InferRequest& r,
                                          const perf::InferenceJob& job,
                                          const perf::InferenceEstimate& e) {
  std::vector<std::string> notes;
  const auto engine = cat.FindEngine(job.limits.engine);
  if (!job.limits.engine.empty() && engine && job.chip != nullptr) {
    const catalog::ServingEngine& s = **engine;
    const SmallDeviceDefaults d = SmallDeviceDefaultsOf(s, *job.chip, r);
    std::vector<std::string> applied, why;
    if (d.max_num_seqs > 0) applied.push_back(fmt::format("{} sequences", d.max_num_seqs));
    if (d.max_batched_tokens > 0) {
      applied.push_back(fmt::format("{:g} batched tokens", d.max_batched_tokens));
    }
    if (s.small_device_gib > 0) why.push_back(fmt::format("below {:g} GiB", s.small_device_gib));
    for (const auto& n : s.small_device_chips) why.push_back(n + " parts");
    if (!applied.empty()) {
      notes.push_back(fmt::format(
          "{} on {} starts with its small-device defaults, {} (its rule: {}; on other devices "
          "{} and {:g}); --max-num-seqs and --max-batched-tokens set others",
          s.id, job.chip->id, fmt::join(applied, " and "), JoinOr(why), s.max_num_seqs,
          s.max_batched_tokens));
    }
  }
  if (e.disaggregated) return notes;
  // Block-scaled FP8 experts split 8 ways by tensor parallelism on a release that ran them through
  // DeepGEMM's grouped GEMM there (vLLM 0.11, S3400): priced at the Triton kernel's rate, the
  // default from 0.12, since no time of DeepGEMM's at these shapes on that release was found.
  if (engine && (*engine)->deepgemm_moe_at_tp8 && job.chip != nullptr && job.model->is_moe() &&
      job.expert_dtype.value_or(job.dtype) == perf::ServingDType::kFp8 &&
      perf::Fp8BlockScaled(job) && e.layout.tp == 8 && e.layout.ep <= 1 &&
      std::find(job.limits.triton_moe_families.begin(), job.limits.triton_moe_families.end(),
                job.chip->family) != job.limits.triton_moe_families.end()) {
    notes.push_back(fmt::format(
        "{} (as vLLM 0.11 ran it) computes block-FP8 experts at TP 8 with DeepGEMM's grouped GEMM, "
        "which vLLM 0.12 replaced there by the Triton fused_moe kernel as the faster (pull request "
        "29346); priced at the Triton kernel's rate (no time of DeepGEMM's at these shapes for "
        "that release); vllm-0.13 or vllm run Triton",
        job.limits.engine));
  }
  const perf::EngineLimits limits = perf::LimitsAt(job, e.layout);
  // The engine's own cap where it binds: the batch the memory holds is larger than what the
  // engine admits (SGLang's request slots from its KV pool, or its 48 with speculative decoding).
  if (const auto cap = perf::DefaultRunningRequests(job, e.layout)) {
    const int share = std::max(1, job.limits.max_num_seqs_per_instance ? *cap / e.layout.dp : *cap);
    if (share < e.memory_max_batch) {
      notes.push_back(fmt::format(
          "{} runs at most {} requests{} where --max-running-requests is not given ({}), below "
          "the {} the KV cache holds; --max-num-seqs sets another",
          job.limits.engine, *cap,
          e.layout.dp > 1 ? fmt::format(", {} an attention-DP rank", share) : "",
          job.mtp_depth > 0 || job.draft_model != nullptr
              ? "its default with speculative decoding"
              : "its default from the KV pool and the context length",
          e.memory_max_batch));
    }
  }
  if (job.limits.offline_bench_limits && engine &&
      !(job.limits.max_num_seqs && job.limits.max_batched_tokens)) {
    notes.push_back(fmt::format(
        "{} runs as trtllm-bench throughput sets it for this layout and workload: "
        "max_batch_size {}, max_num_tokens {:g}{} (its heuristic from the KV room for {:g} + {:g} "
        "tokens a request){}",
        job.limits.engine, limits.max_num_seqs.value_or(0), limits.max_batched_tokens.value_or(0),
        limits.chunked_prefill ? ""
                               : ", at least the prompt plus max_batch_size with chunked "
                                 "prefill off",
        r.input_tokens, r.output_tokens,
        r.launched_by == "trtllm-bench"
            ? ""
            : fmt::format("; the server's own defaults ({} / {:g}{}) apply in --mode server or "
                          "interactive",
                          (*engine)->max_num_seqs, (*engine)->max_batched_tokens,
                          (*engine)->chunked_prefill ? "" : ", chunked prefill off")));
  }
  // The engine's default graph mode where it sets the decode step and the engine's full decode
  // graph is measured faster (vLLM-Ascend: vLLM's FULL_AND_PIECEWISE default becomes PIECEWISE on
  // the NPU, attention launched between the captured pieces, S3521; its tutorials pass
  // FULL_DECODE_ONLY, S3520, "can double output token throughput", S3525): a user who left the
  // mode unset is told the step's floor and the flag that lowers it.
  if (engine && (*engine)->full_decode_floor_layer_us > 0 &&
      (*engine)->full_decode_floor_layer_us < job.limits.step_floor_layer_us &&
      r.cudagraph_mode.empty() && r.compilation_config.empty() && !r.enforce_eager &&
      e.tpot_ms > 0) {
    const double stage_layers = static_cast<double>(job.model->layers) / e.layout.pp;
    const double floor_ms = job.limits.step_floor_layer_us * 1e-3 * stage_layers;
    if (floor_ms >= 0.5 * e.tpot_ms) {
      notes.push_back(fmt::format(
          "{} captures piecewise graphs by default (attention launched between the pieces): a "
          "decode step takes at least {:g} us a layer, {:.1f} ms of this {:.1f} ms step; "
          "--cudagraph-mode full_decode_only (its tutorials' --compilation-config) replays each "
          "decode step as one graph, at least {:g} us a layer ({:.1f} ms)",
          job.limits.engine, job.limits.step_floor_layer_us, floor_ms, e.tpot_ms,
          (*engine)->full_decode_floor_layer_us,
          (*engine)->full_decode_floor_layer_us * 1e-3 * stage_layers));
    }
  }
  // A request run without async scheduling (--no-async-scheduling, or an entry whose version
  // defaults to it) pays the host loop between steps: the answer says so and names the flag that
  // is vLLM's default from 0.14 (S2901).
  if (job.limits.host_seq_us > 0 && !job.limits.async_scheduling) {
    notes.push_back(fmt::format(
        "{} runs without async scheduling (vLLM's default up to 0.13): the host loop between "
        "steps, {:g} us a running request, is charged{}; --async-scheduling, vLLM's default from "
        "0.14, schedules a step ahead and hides it",
        job.limits.engine, job.limits.host_seq_us,
        job.limits.scheduler_steps > 1
            ? fmt::format(" once in {} steps", job.limits.scheduler_steps)
            : ""));
  }
  if (limits.chunked_prefill || limits.prefill_apart || !limits.max_batched_tokens) return notes;
  const double prompt = std::ceil(r.input_tokens * (1 - r.prefix_cache_hit));
  const double beside = std::max(1.0, *limits.max_batched_tokens - prompt);
  if (e.memory_max_batch > 0 && beside < 0.5 * e.memory_max_batch) {
    notes.push_back(fmt::format(
        "with chunked prefill off a prompt of {:g} tokens enters a step only if it fits in the "
        "{:g} "
        "tokens a step beside every running sequence's token, so at most {:g} sequence{} run{} "
        "(the memory holds {}); give --max-batched-tokens {:g} or more to run the memory's batch, "
        "or --enable-chunked-prefill",
        prompt, *limits.max_batched_tokens, beside, beside == 1 ? "" : "s",
        beside == 1 ? "s at a time" : " when a prompt enters", e.memory_max_batch,
        prompt + e.memory_max_batch));
  }
  return notes;
}

// A model that carries MTP layers, typed with no --mtp: decoded one token a step, as the engines
// run it unless asked (SGLang: --speculative-algorithm, S3920; vLLM: --speculative-config, S3922;
// neither's DeepSeek recipes turn it on, S3921, S3923). Said with the answer, with what one draft
// a step at the model's published acceptance gives on the same layout in the steady state, and,
// where its 8-bit weights keep a 16-bit cache (the engines' --kv-cache-dtype auto, S3311), with
// an FP8 cache too: what the published H20 decode deployment adds (S3924). A pasted launch
// command without them gets the same (its JSON stays the typed request's). Nothing here changes
// the answer.
std::optional<std::string> MtpNotAskedNote(const InferRequest& r, const perf::InferenceJob& job,
                                           const perf::InferenceEstimate& e) {
  const catalog::Model& m = *job.model;
  if (r.mtp > 0 || !r.draft_model.empty() || m.mtp_layers < 1 || !m.mtp_acceptance ||
      e.output_tokens_per_s_per_chip <= 0) {
    return std::nullopt;
  }
  // A disaggregated answer's decode chips, where MTP acts (the end-to-end figure also counts the
  // prefill chips the faster decode needs); else the end-to-end output rate.
  const auto rate = [&](const perf::InferenceEstimate& x) {
    return e.disaggregated ? x.decode_tokens_per_s_per_chip : x.output_tokens_per_s_per_chip;
  };
  const perf::InferenceConstraints here{e.layout.tp, e.layout.ep, e.layout.dp, e.layout.pp};
  perf::InferenceJob mtp = job;
  mtp.mtp_depth = 1;
  mtp.mtp_acceptance = *m.mtp_acceptance;
  auto with = perf::EstimateInference(mtp, here);
  if (!with) return std::nullopt;
  std::string note = fmt::format(
      "decode without MTP, as vLLM and SGLang run {} unless asked (--speculative-config, "
      "--speculative-algorithm; S3920-S3923): its MTP layer drafts a token a step, kept {:g} of "
      "the time (its published rate); --mtp 1 gives {:.0f} {} tokens/s per chip on this layout "
      "in the steady state, against {:.0f} without",
      m.id, *m.mtp_acceptance, rate(*with), e.disaggregated ? "decode" : "output", rate(e));
  const bool kv16 =
      perf::KvDTypeOf(job, perf::ServingDTypeBytes(job.dtype)) == perf::ServingDType::kBf16;
  if (!job.kv_dtype && kv16 && job.dtype == perf::ServingDType::kFp8) {
    mtp.kv_dtype = perf::ServingDType::kFp8;
    if (auto both = perf::EstimateInference(mtp, here); both) {
      note += fmt::format(
          "; its KV cache is bf16, the engines' default for this checkpoint (S3311): "
          "--mtp 1 --kv-dtype fp8 gives {:.0f}, as Ant Group's H20 decode runs it (S3924)",
          rate(*both));
    }
  }
  return note;
}

// The request-level simulation of the deployment the analytic model chose: one attention group
// of the instance, with its share of the arrivals.
Result<report::ServingSimulation> SimulateDeployment(
    const InferRequest& r, const perf::InferenceJob& job, const perf::InferenceEstimate& e,
    const LatencyTargets& targets, const std::string& trace_path, uint64_t max_file_bytes) {
  report::ServingSimulation s;
  s.mode = r.mode;
  if (e.disaggregated) {
    s.skipped =
        "the simulator runs aggregated engines; the figures above are the analytic model's "
        "for separate prefill and decode chips";
    return s;
  }
  const auto started = std::chrono::steady_clock::now();
  auto step_model = perf::ServingStepModel::Make(job, e.layout);
  if (!step_model) return tl::unexpected(step_model.error());
  const sim::StepModelCost cost(*step_model);
  const sim::StepCost* model = &cost;
  sim::SchedulerLimits limits;
  // The engine's limits on this layout (trtllm-bench's offline where the user set none).
  const perf::EngineLimits engine_limits = perf::LimitsAt(job, e.layout);
  limits.max_num_seqs = engine_limits.max_num_seqs.value_or(0);
  // Under live arrivals with no engine cap given, the engine runs as `--emit` launches it: at
  // most the batch the estimate chose at the latency targets (--max-num-seqs / max_batch_size).
  // Without a cap the running batch grows with every burst until the step (and so every running
  // request's TPOT) breaks the target, where a capped engine queues the burst (TTFT) instead.
  // A closed loop's clients bound the batch themselves, with the engine's own limits.
  const bool estimated_cap =
      limits.max_num_seqs == 0 && r.mode != "offline" && !r.concurrency && e.launch_batch > 0;
  if (estimated_cap) limits.max_num_seqs = e.launch_batch;
  limits.max_batched_tokens = engine_limits.max_batched_tokens.value_or(0);
  limits.max_prefill_tokens = job.limits.max_prefill_tokens.value_or(0);
  limits.reserve_output = !job.limits.optimistic_admission;
  limits.retract = job.limits.retract_admission;
  limits.preempted_prefix_cached = job.limits.preemption_keeps_prefix && !limits.reserve_output &&
                                   !limits.retract && !r.no_prefix_cache;
  // SGLang's radix cache off: requests that ignore EOS take the adder's own path (S3100).
  limits.ignore_eos_admission = limits.retract && r.no_prefix_cache;
  limits.round_robin_dispatch = job.limits.round_robin_dispatch;
  // KV pages of the engine's size (vLLM 16, SGLang 1, TensorRT-LLM 32) or the request's
  // --block-size: a sequence holds whole pages and a prefix hit counts whole pages.
  limits.block_tokens =
      std::max(1, r.block_size ? static_cast<int>(*r.block_size) : job.limits.kv_block_tokens);
  limits.prefill_apart = job.limits.prefill_apart;
  limits.chunked_prefill = job.limits.chunked_prefill && !r.no_chunked_prefill;
  // The request's --scheduler-steps, else its engine's (InferFormats checked the range).
  limits.scheduler_steps = std::max(1, job.limits.scheduler_steps);
  limits.lookahead_kv_tokens = perf::LookaheadKvTokens(job.limits);
  if (r.kv_host_gib) {
    const double per_token = step_model->KvBytesPerTokenPerChip();
    limits.host_kv_tokens = *r.kv_host_gib * 1024 * 1024 * 1024 / per_token;
    limits.host_tokens_per_s = r.host_link_gb_s * 1e9 / per_token;
    s.kv_host_gib = r.kv_host_gib;
  }
  const sim::SloTargets slo{targets.ttft_ms, targets.tpot_ms};
  s.slo_source = targets.source;
  s.ttft_target_ms = slo.ttft_ms;
  s.tpot_target_ms = slo.tpot_ms;
  s.chips_per_group = e.layout.tp;
  // A pipeline's pp micro-batches are pp streams of the same engine: each is simulated as a group
  // with its share of the arrivals and the KV room its stage leaves (perf::ServingStepModel).
  s.groups_per_instance = e.layout.dp * e.layout.pp;
  // Attention data parallel: the dp groups pass every MoE layer together, so they are simulated
  // together, in lockstep, on the instance's arrivals (a trace stays one group's).
  const int lockstep = r.requests_trace.empty() ? e.layout.dp : 1;
  limits.attention_groups = lockstep;
  // SGLang's --max-running-requests is the server's: each attention DP rank admits its share.
  if (job.limits.max_num_seqs_per_instance && !estimated_cap && limits.max_num_seqs > 0 &&
      e.layout.dp > 1) {
    limits.max_num_seqs = std::max(1, limits.max_num_seqs / e.layout.dp);
  }
  // SGLang under --enable-dp-attention (ServerArgs, S3103): --chunked-prefill-size is the
  // server's, each rank chunking prompts by its // dp_size share (a given value too; chunking off
  // stays off), and the scheduler runs 0.3 x --schedule-conservativeness.
  limits.schedule_conservativeness = job.limits.schedule_conservativeness;
  if (e.layout.dp > 1) {
    if (job.limits.max_batched_tokens_per_instance && limits.chunked_prefill &&
        limits.max_batched_tokens > 0) {
      limits.max_batched_tokens =
          std::max(1.0, std::floor(limits.max_batched_tokens / e.layout.dp));
    }
    limits.schedule_conservativeness *= job.limits.dp_attention_conservativeness;
  }
  if (r.adp_balance_timeout_iters || r.adp_balance_wait_iters) {
    if (lockstep == 1) {
      return tl::unexpected(FieldError(
          r.adp_balance_timeout_iters ? "adp_balance_timeout_iters" : "adp_balance_wait_iters",
          fmt::format("balances attention data parallel groups simulated together; this run "
                      "has one (dp {}{})",
                      e.layout.dp, r.requests_trace.empty() ? "" : ", a request trace")));
    }
    limits.adp_balance = true;
    limits.adp_balance_timeout_iters = r.adp_balance_timeout_iters.value_or(0);
    limits.adp_balance_wait_iters = r.adp_balance_wait_iters.value_or(0);
  }
  // How many simulated streams share the instance's arrivals.
  const double groups = static_cast<double>(s.groups_per_instance) / lockstep;
  const std::string per_run =
      lockstep > 1 ? fmt::format("per run ({} attention groups in lockstep)", lockstep)
                   : "per group";

  sim::WorkloadSpec spec;
  spec.input = *sim::LengthDistribution::Parse(r.input_dist, r.input_tokens);
  const OutputDist output = OutputDistOf(r, *job.model);
  spec.output = *sim::LengthDistribution::Parse(output.dist, r.output_tokens);
  s.output_dist_source = output.source;
  spec.prefix_cache_hit = r.prefix_cache_hit;
  spec.max_context = job.model->max_seq_len;
  spec.seed = r.workload_seed;
  spec.ignore_eos = !r.disable_ignore_eos;
  spec.arrivals =
      r.arrivals == "gamma" ? sim::ArrivalProcess::kGamma : sim::ArrivalProcess::kPoisson;
  spec.burstiness_cv = r.burstiness;
  s.input_dist = spec.input.ToString();
  s.output_dist = spec.output.ToString();
  // The load the request gives (--concurrency, --qps) is the deployment's: with --count its
  // instances share it (a closed loop's clients dealt as evenly as whole requests go,
  // perf::ClientsPerInstance; a rate split evenly, each instance's arrivals Poisson at its share);
  // without, the deployment is one instance. One instance is simulated and the rate per chip is
  // the deployment's.
  // The instances the load is split over (a rate too, so not ClientShare's, which is 1 without
  // clients).
  const int instances = job.chips > 0 ? static_cast<int>(job.chips / e.layout.chips()) : 1;
  if (job.chips > 0) s.instances = instances;
  const perf::ClientShare share = perf::ClientsPerInstance(job, e.layout);
  const std::string over =
      job.chips > 0 ? fmt::format(" over {} instance{}", instances, instances == 1 ? "" : "s")
                    : " on one instance";
  s.arrivals = r.mode == "offline" ? "all at once"
               : r.concurrency ? fmt::format("a closed loop of {} clients{}", *r.concurrency, over)
               : spec.arrivals == sim::ArrivalProcess::kGamma
                   ? fmt::format("gamma, cv {:g}", r.burstiness)
                   : "poisson";
  // A closed loop's clients on the busiest instance, shared by its streams like the arrivals:
  // each run's.
  const auto run_clients = [&](int per_instance) {
    return std::max(1L, std::lround(static_cast<double>(per_instance) / groups));
  };
  const long clients = r.concurrency ? run_clients(share.most) : 0;
  if (r.concurrency) {
    s.concurrency = share.most;
    if (job.chips > 0) s.concurrency_total = static_cast<long>(*r.concurrency);
  }
  // How the instances share the clients, in words ("4 each"; "3 on 2, 2 on 1").
  const std::string dealt = share.even()
                                ? fmt::format("{} each", share.most)
                                : fmt::format("{} on {}, {} on {}", share.most, share.busiest,
                                              share.fewest, share.instances - share.busiest);

  Result<sim::ServingSimResult> result = MakeError("not simulated");
  // The deployment's output tokens/s per simulated group when its instances differ (clients
  // dealt unevenly), else unset: the simulated instance's.
  std::optional<double> deployment_output_tokens_per_s;
  if (!r.requests_trace.empty()) {
    // A file that cannot be read is named as the request gave it (not the server's resolved
    // path); its own errors name file:line in the message, as the field's.
    auto text =
        internal::ReadRequestFile(trace_path, max_file_bytes, "requests_trace", r.requests_trace);
    if (!text) return tl::unexpected(text.error());
    auto requests =
        sim::ReadServingTrace(*text, r.requests_trace, job.model->max_seq_len, TraceOptions(r));
    if (!requests) return tl::unexpected(FieldError("requests_trace", requests.error().message));
    if (r.no_prefix_cache) {
      for (auto& q : *requests) {
        q.cached_tokens = 0;
        q.prefix_blocks.clear();
      }
    }
    // A trace's shared prefixes hit only while their blocks are resident (HBM, and the host tier
    // with --kv-host-gib): the engine's cache is bounded by the KV room. Unbounded on request:
    // every block an earlier request carried (the trace's own count).
    limits.bounded_prefix_cache = r.prefix_cache != "unbounded";
    s.prefix_cache = r.prefix_cache.empty() ? "lru" : r.prefix_cache;
    for (auto& q : *requests) q.ignore_eos = spec.ignore_eos;
    if (r.mode == "offline") {
      for (auto& q : *requests) q.arrival_s = 0;
    }
    s.arrivals = r.mode == "offline" ? "all at once (the trace's times ignored)"
                 : r.concurrency     ? s.arrivals + " (the trace's times ignored)"
                                     : "the trace's";
    s.input_dist = s.output_dist = "the trace's";
    s.requests_per_run = static_cast<long>(requests->size());
    s.workload = fmt::format("{} requests from {}", requests->size(), r.requests_trace);
    // Every group serves the whole trace: the trace is per attention group.
    result = sim::SimulateServing(*model, limits, *requests, slo, r.workload_seed, clients);
  } else if (r.mode == "offline") {
    spec.requests =
        r.requests.value_or(std::clamp<long>(8L * e.max_batch, 1000, 100'000)) * lockstep;
    s.requests_per_run = spec.requests;
    s.workload = lockstep > 1
                     ? fmt::format("{} requests at once on {} attention groups in lockstep",
                                   spec.requests, lockstep)
                     : fmt::format("{} requests at once per attention group", spec.requests);
    const auto requests = sim::MakeServingRequests(spec);
    // trtllm-bench raises max_num_tokens to the data set's longest prompt plus max_batch_size
    // (perf::TrtllmBenchLimits has the mean; a spread of lengths has longer ones).
    if (job.limits.offline_bench_limits && !job.limits.max_batched_tokens &&
        !limits.chunked_prefill) {
      for (const auto& q : requests) {
        limits.max_batched_tokens = std::max<double>(
            limits.max_batched_tokens, q.input_tokens - q.cached_tokens + limits.max_num_seqs);
      }
    }
    result = sim::SimulateServing(*model, limits, requests, slo, r.workload_seed);
  } else if (r.concurrency) {
    // As benchmark clients are run: ten requests a client (vLLM's --num-prompts often is), at
    // least 1,000 a run so that the steady part dominates the ramp and the tail. --requests is
    // the deployment's, as the clients are: an instance sends its clients' share of them.
    const auto run_requests = [&](int per_instance) {
      return r.requests ? std::max(1L, static_cast<long>(std::llround(
                                           static_cast<double>(*r.requests) * per_instance /
                                           static_cast<double>(*r.concurrency))))
                        : std::clamp<long>(10 * run_clients(per_instance), 1000, 100'000);
    };
    spec.requests = run_requests(share.most);
    s.requests_per_run = spec.requests;
    s.workload = fmt::format("{} requests from {} clients in a closed loop {}", spec.requests,
                             clients, per_run);
    if (job.chips > 0) {
      s.workload += fmt::format("; the deployment's {} clients over {} instance{}: {}",
                                *r.concurrency, instances, instances == 1 ? "" : "s", dealt);
    }
    result = sim::SimulateServing(*model, limits, sim::MakeServingRequests(spec), slo,
                                  r.workload_seed, clients);
    // Clients dealt unevenly: the lighter instances run at their share too, and an instance
    // with none serves nothing. The percentiles stay the busiest instance's.
    if (result && !share.even()) {
      double lighter = 0;
      if (share.fewest > 0) {
        sim::WorkloadSpec fewer = spec;
        fewer.requests = run_requests(share.fewest);
        auto light = sim::SimulateServing(*model, limits, sim::MakeServingRequests(fewer), slo,
                                          r.workload_seed, run_clients(share.fewest));
        if (!light) return tl::unexpected(light.error());
        lighter = light->output_tokens_per_s;
        s.runs = 2;
      }
      deployment_output_tokens_per_s = share.MeanRate(result->output_tokens_per_s, lighter);
      s.workload += fmt::format(
          " ({} simulated; percentiles of the busiest, output tokens/s per chip over all)",
          share.fewest > 0 ? "each share" : "the busiest; the others idle");
    }
  } else if (r.qps) {
    const double per_instance = *r.qps / instances;
    spec.qps = per_instance / groups;
    // A rate and a prompt count without a duration (vllm bench serve --request-rate 10
    // --num-prompts 1000) run for as long as those prompts take to arrive: 100 s.
    const double duration = r.duration_s.value_or(
        r.requests ? static_cast<double>(*r.requests) / *r.qps : kDefaultDurationS);
    spec.requests = std::max(1L, static_cast<long>(std::llround(spec.qps * duration)));
    s.qps = per_instance;
    if (job.chips > 0) s.qps_total = *r.qps;
    s.requests_per_run = spec.requests;
    s.workload = fmt::format("{:g} requests/s per instance for {:g} s ({} requests {})",
                             per_instance, duration, spec.requests, per_run);
    if (job.chips > 0 && instances > 1) {
      s.workload += fmt::format("; the deployment's {:g} requests/s split over {} instances",
                                *r.qps, instances);
    }
    result =
        sim::SimulateServing(*model, limits, sim::MakeServingRequests(spec), slo, r.workload_seed);
  } else {
    // Per group as many requests as one group alone would get, so that a run lasts as long
    // (long outputs need a long run to reach their steady batch); unless --requests says how
    // many, at least those that arrive in MLPerf's minimum run (600 s) at the offline rate, so
    // that a fast group's runs are not all ramp.
    spec.requests = r.requests.value_or(2000) * lockstep;
    if (!r.requests) spec.min_duration_s = kDefaultDurationS;
    // Under the estimate's cap, the larger caps a user tuning for the SLO tries too.
    auto search = estimated_cap
                      ? sim::MaxQpsAtSloOverCaps(*model, limits, spec, slo, e.memory_max_batch)
                      : sim::MaxQpsAtSlo(*model, limits, spec, slo);
    if (!search) return tl::unexpected(search.error());
    if (search->at_max.requests > 0) spec.requests = search->at_max.requests;
    s.requests_per_run = spec.requests;
    s.runs = search->simulations;
    s.max_qps_at_slo = search->max_qps * groups;
    if (job.chips > 0) s.max_qps_at_slo_total = *s.max_qps_at_slo * s.instances;
    s.workload = fmt::format("{} arrivals, bisection on the rate over {} runs of {} requests",
                             s.arrivals, s.runs, spec.requests);
    result = search->at_max;
  }
  if (!result) return tl::unexpected(result.error());
  s.result = *result;
  s.output_tokens_per_s_per_chip =
      deployment_output_tokens_per_s.value_or(result->output_tokens_per_s) / e.layout.tp;
  if (r.timing) {
    s.sim_wall_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  return s;
}

}  // namespace

namespace internal {

// The checks of an infer request that do not depend on the chip, and its formats.
Result<InferFormats> CheckInferRequest(const catalog::Catalog& cat, const InferRequest& r) {
  if (r.model.empty()) return tl::unexpected(MissingField("model"));
  auto checkpoint = WithField(cat.FindCheckpoint(r.model), "model");
  if (!checkpoint) return tl::unexpected(checkpoint.error());
  const catalog::Model* model = checkpoint->model;
  // The formats given: the weights', then the experts' and the attention's apart; unset, the
  // checkpoint's (weights) or the weights' (parts).
  std::optional<perf::ServingDType> given[3];
  const std::pair<const char*, const std::string*> format_fields[] = {
      {"dtype", &r.dtype},
      {"expert_dtype", &r.expert_dtype},
      {"attention_dtype", &r.attention_dtype}};
  for (int i = 0; i < 3; ++i) {
    const auto& [field, text] = format_fields[i];
    if (text->empty()) continue;
    given[i] = perf::ParseServingDType(*text);
    if (!given[i]) {
      return tl::unexpected(FieldError(
          field,
          fmt::format("unknown dtype {}; expected bf16, fp16, fp8, int8, fp4, int4, w8a16 or w4a8",
                      Quoted(*text))));
    }
  }
  std::optional<perf::ServingDType> kv;
  if (!r.kv_dtype.empty()) {
    kv = perf::ParseServingDType(r.kv_dtype);
    if (!kv) {
      return tl::unexpected(FieldError(
          "kv_dtype", "unknown kv_dtype '" + r.kv_dtype + "'; expected bf16, fp16, fp8 or int8"));
    }
  }
  if (r.mode != "offline" && r.mode != "server" && r.mode != "interactive" &&
      r.mode != "analytic") {
    return tl::unexpected(FieldError(
        "mode", fmt::format("unknown mode {}; expected offline, server, interactive or analytic",
                            Quoted(r.mode))));
  }
  if (r.analytic && r.mode == "analytic") {
    return tl::unexpected(
        FieldError("analytic",
                   "is mode analytic already; give it with mode offline, server or "
                   "interactive"));
  }
  if (auto ok = CheckSimulation(r, *model); !ok) return tl::unexpected(ok.error());
  const catalog::Model* draft = nullptr;
  if (!r.draft_model.empty()) {
    auto found = WithField(cat.FindModel(r.draft_model), "draft_model");
    if (!found) return tl::unexpected(found.error());
    draft = *found;
  }
  if (r.chip.empty()) return tl::unexpected(FieldError("chip", "needs at least one chip id"));
  if (r.chip.size() > 1 && !r.compare) {
    return tl::unexpected(FieldError(
        "chip", "several chips need compare (" + FlagAsTyped(r.typed_as, "compare") + ")"));
  }
  if (auto ok = CheckSizes({{"tp", r.tp}, {"ep", r.ep}, {"dp", r.dp}, {"pp", r.pp}}, 1'000'000);
      !ok) {
    return tl::unexpected(ok.error());
  }
  if (r.tp && r.dp && static_cast<double>(*r.tp) * *r.dp > 1e7) {
    return tl::unexpected(FieldError("tp", "tp x dp exceeds 10,000,000 chips"));
  }
  // Given, a count bounds the instances; 0 chips is not "no limit" (leave it out for that).
  if (r.count && *r.count < 1)
    return tl::unexpected(FieldError("count", "must be at least 1 chip"));
  if (!r.emit.empty()) {
    const auto engines = report::ServeEngines();
    if (std::find(engines.begin(), engines.end(), r.emit) == engines.end()) {
      return tl::unexpected(FieldError(
          "emit", "unknown engine '" + r.emit.substr(0, 40) + "'; expected " + JoinOr(engines)));
    }
    if (r.compare) {
      return tl::unexpected(
          FieldError("emit", "prints one deployment's command; not with compare"));
    }
    if (auto engine = cat.FindEngine(r.emit)) {
      if (auto runs = EngineRunsOnEveryChip(cat, **engine, r, "emit"); !runs) {
        return tl::unexpected(runs.error());
      }
    }
  }
  if (r.power_cap_w && !(*r.power_cap_w > 0)) {
    return tl::unexpected(FieldError("power_cap_w", "must be a positive number of watts"));
  }
  // The engine's documented limits, each overridable; a limit of 0 is a mistake, not "none".
  perf::EngineLimits limits;
  const std::string engine_id = EngineIdOf(cat, r);
  if (!engine_id.empty() && engine_id != "none") {
    auto engine = WithField(cat.FindEngine(engine_id), "engine");
    if (!engine) return tl::unexpected(engine.error());
    if (auto runs = EngineRunsOnEveryChip(cat, **engine, r, "engine"); !runs) {
      return tl::unexpected(runs.error());
    }
    limits.engine = (*engine)->id;
    limits.fraction_of_free_memory = (*engine)->fraction_of_free_memory;
    limits.optimistic_admission = (*engine)->kv_admission != "reserve";
    limits.retract_admission = (*engine)->kv_admission == "retract";
    // vLLM's V1 scheduler (kv_admission optimistic: vLLM and vLLM-Ascend) runs its prefix cache
    // by default, so a preempted request's freed blocks stay hashed until evicted (S3731).
    limits.preemption_keeps_prefix = (*engine)->kv_admission == "optimistic";
    limits.round_robin_dispatch = (*engine)->dp_dispatch == "round_robin";
    limits.kv_block_tokens = (*engine)->kv_block_tokens;
    limits.max_num_seqs_per_instance = (*engine)->max_num_seqs_per_instance;
    limits.max_batched_tokens_per_instance = (*engine)->max_batched_tokens_per_instance;
    limits.dp_attention_conservativeness = (*engine)->dp_attention_conservativeness;
    limits.chunked_prefill = (*engine)->chunked_prefill || r.enable_chunked_prefill;
    limits.eager_layer_us = (*engine)->eager_layer_us;
    limits.eager_host_layer_us = (*engine)->eager_host_layer_us;
    limits.eager_launch_layer_us = (*engine)->eager_launch_layer_us;
    limits.profile_logit_bytes = (*engine)->profile_logit_bytes;
    limits.step_floor_layer_us = (*engine)->step_floor_layer_us;
    // Decode steps replayed as one full graph (vLLM's cudagraph_mode FULL_DECODE_ONLY or FULL):
    // the engine's floor of that mode where it is measured (vLLM-Ascend's); elsewhere the
    // engine's graph costs stand (vLLM on a GPU replays full decode graphs by default).
    if (r.full_decode_graph && (*engine)->full_decode_floor_layer_us > 0) {
      limits.step_floor_layer_us = (*engine)->full_decode_floor_layer_us;
    }
    limits.full_decode_graph = r.full_decode_graph;
    limits.decode_token_passes = (*engine)->decode_token_passes;
    limits.fp8_mla_families = (*engine)->fp8_mla_families;
    limits.kv_cache_model_dtype = (*engine)->kv_cache_model_dtype;
    limits.sparse_kv_model_dtype_families = (*engine)->sparse_kv_model_dtype_families;
    limits.cuda_graph_families = (*engine)->cuda_graph_families;
    limits.graph_layer_us = (*engine)->graph_layer_us;
    limits.graph_layer_us_by_family = (*engine)->graph_layer_us_by_family;
    limits.graph_layer_clocked_us_by_family = (*engine)->graph_layer_clocked_us_by_family;
    limits.graph_layer_clock_tflops_by_family = (*engine)->graph_layer_clock_tflops_by_family;
    limits.host_seq_us = (*engine)->host_seq_us;
    limits.async_scheduling = (*engine)->async_scheduling;
    if ((*engine)->scheduler_steps > 0) limits.scheduler_steps = (*engine)->scheduler_steps;
    limits.multistep_lookahead_kv = (*engine)->multistep_lookahead_kv;
    limits.stream_host_us = (*engine)->stream_host_us;
    limits.moe_layer_us = (*engine)->moe_layer_us;
    limits.moe_gemm_block_m = (*engine)->moe_gemm_block_m;
    limits.moe_gemm_families = (*engine)->moe_gemm_families;
    limits.moe_activation_families = (*engine)->moe_activation_families;
    limits.moe_ep_all_route_rows = (*engine)->moe_ep_all_route_rows;
    limits.moe_prompt_row_ns = (*engine)->moe_prompt_row_ns;
    limits.moe_decode_routing = (*engine)->moe_decode_routing;
    limits.dense_gemm_gb_s = (*engine)->dense_gemm_gb_s;
    limits.bf16_gemm_sm_gb_s = (*engine)->bf16_gemm_sm_gb_s;
    limits.fp8_gemm_sm_gb_s = (*engine)->fp8_gemm_sm_gb_s;
    limits.fp8_quant_layer_us = (*engine)->fp8_quant_layer_us;
    // The engine's decode attention kernel's rate an SM, for the architectures it runs that
    // kernel for by default (SGLang's FA3 on Hopper: Qwen3, Llama, GLM-4.5/4.6 ...).
    if (const auto& archs = (*engine)->decode_kv_sm_architectures;
        archs.empty() ||
        std::find(archs.begin(), archs.end(), model->hf_architecture) != archs.end()) {
      limits.decode_kv_sm_gb_s = (*engine)->decode_kv_sm_gb_s;
    }
    limits.sparse_mla_head_tile = (*engine)->sparse_mla_head_tile;
    limits.dsa_short_prefill_mha = (*engine)->dsa_short_prefill_mha;
    limits.sparse_prefill_efficiency = (*engine)->sparse_prefill_efficiency;
    limits.dsa_fp8_prefill_min_heads = (*engine)->dsa_fp8_prefill_min_heads;
    limits.moe_layer_us_by_family = (*engine)->moe_layer_us_by_family;
    limits.weight_only_moe_layer_us = (*engine)->weight_only_moe_layer_us;
    limits.fp4_moe_layer_us = (*engine)->fp4_moe_layer_us;
    limits.fp4_decode_token_passes = (*engine)->fp4_decode_token_passes;
    limits.ep_moe_layer_us = (*engine)->ep_moe_layer_us;
    limits.ep_moe_token_us = (*engine)->ep_moe_token_us;
    limits.int8_matmul_efficiency = (*engine)->int8_matmul_efficiency;
    limits.triton_moe_families = (*engine)->triton_moe_families;
    limits.untuned_moe_configs = (*engine)->untuned_moe_configs;
    limits.triton_moe_default_config = (*engine)->triton_moe_default_config;
    limits.moe_dp_allgather = (*engine)->moe_dp_allgather;
    limits.one_sided_moe_layer_us = (*engine)->one_sided_moe_layer_us;
    limits.dp_prefill_gather_all_reduce = (*engine)->dp_prefill_gather_all_reduce;
    limits.in_node_moe_allgather = (*engine)->in_node_moe_allgather;
    limits.prefill_apart = (*engine)->prefill_apart && !r.enable_mixed_chunk;
    limits.attention_dp_per_gpu = (*engine)->attention_dp_per_gpu;
    limits.moe_tp_only_in_graph = (*engine)->moe_tp_only_in_graph;
    limits.expert_parallel_opt_in = (*engine)->expert_parallel_opt_in;
    // The MoE backend named (TensorRT-LLM's moe_config.backend): one the engine lists, its own
    // small-batch chain where the engine has one measured.
    const catalog::ServingEngine& eng = **engine;
    // A backend's small-batch chain on each chip family it was measured on (or on `only`), and
    // whether it is charged for group-routed models alone (moe_backend_group_routed).
    const auto take_chain = [&](const std::string& backend, const std::string* only) {
      const auto it = eng.moe_backend_layer_us.find(backend);
      if (it == eng.moe_backend_layer_us.end()) return;
      const bool group_routed =
          std::find(eng.moe_backend_group_routed.begin(), eng.moe_backend_group_routed.end(),
                    backend) != eng.moe_backend_group_routed.end();
      for (const auto& [family, us] : it->second) {
        if (only && family != *only) continue;
        limits.backend_moe_layer_us[family] = us;
        if (group_routed) limits.backend_moe_group_routed_families.push_back(family);
      }
      limits.backend_moe_max_expert_rows = eng.moe_backend_max_expert_rows;
    };
    const std::string named = NormalizeId(r.moe_backend);
    if (!r.moe_backend.empty()) {
      const auto& known = eng.moe_backends;
      if (known.empty()) {
        // Named by default (vLLM on an NVIDIA GPU naming no engine): say which engine has it.
        return tl::unexpected(FieldError(
            "moe_backend",
            fmt::format(
                "engine {} has no MoE backend choice ({} is "
                "TensorRT-LLM's moe_config.backend{})",
                eng.id, FlagAsTyped(r.typed_as, "moe_backend"),
                r.engine.empty() ? ": give " + FlagAsTyped(r.typed_as, "engine", "trtllm") : "")));
      }
      if (named != "auto" && std::find(known.begin(), known.end(), named) == known.end()) {
        return tl::unexpected(FieldError(
            "moe_backend", fmt::format("unknown MoE backend {} for engine {}; expected {}",
                                       Quoted(r.moe_backend), eng.id, JoinOr(known))));
      }
    }
    if (!named.empty() && named != "auto") {
      limits.moe_backend = named;
      take_chain(named, nullptr);
      // The attention-data-parallel eager floor measured with this backend (perf
      // EagerHostSeconds).
      if (const auto it = eng.adp_eager_host_layer_us.find(named);
          it != eng.adp_eager_host_layer_us.end()) {
        limits.adp_eager_host_layer_us = it->second;
      }
    } else if (!eng.moe_backends.empty()) {
      // None named (or AUTO): the engine's default backend, the first it lists, and where the
      // engine picks by the checkpoint's architecture and the chip (TensorRT-LLM's AUTO,
      // data/engines.yaml auto_moe_backend) that backend on that family, priced as if named; the
      // launch line (--emit) names none, as the user did.
      take_chain(eng.moe_backends.front(), nullptr);
      if (const auto arch = eng.auto_moe_backend.find(model->hf_architecture);
          !model->hf_architecture.empty() && arch != eng.auto_moe_backend.end()) {
        for (const auto& [family, backend] : arch->second) {
          limits.backend_moe_layer_us.erase(family);
          auto& groups = limits.backend_moe_group_routed_families;
          groups.erase(std::remove(groups.begin(), groups.end(), family), groups.end());
          take_chain(backend, &family);
        }
      }
    } else if (!eng.fp4_moe_backend.empty()) {
      // An engine with no backend choice whose FP4 experts run one backend's kernels (vLLM's
      // NVFP4 oracle: FlashInfer's TRTLLM-gen MoE first on Blackwell): that backend's small-batch
      // chain, for FP4 experts only.
      take_chain(eng.fp4_moe_backend, nullptr);
      limits.backend_moe_fp4_only = true;
    }
    // Offline (and the analytic steady state, a full engine's) on an engine run there by its own
    // throughput benchmark: the limits that benchmark sets for the layout and the workload
    // (trtllm-bench, perf::LimitsAt) where the user gives none, not the server's fixed defaults.
    // A pasted trtllm-bench throughput sets them in any mode (--concurrency runs it as a server).
    limits.offline_bench_limits =
        (*engine)->offline_bench_limits &&
        (r.mode == "offline" || r.mode == "analytic" || r.launched_by == "trtllm-bench");
    if ((*engine)->max_num_seqs > 0 && !limits.offline_bench_limits)
      limits.max_num_seqs = (*engine)->max_num_seqs;
    if ((*engine)->max_batched_tokens > 0 && !limits.offline_bench_limits)
      limits.max_batched_tokens = (*engine)->max_batched_tokens;
    // An engine that raises its step budget to the model length when prompts go whole (vLLM's
    // EngineArgs with chunked prefill off and no --max-num-batched-tokens, S3861; vLLM-Ascend
    // 0.9.1's default, S3340): the --max-model-len given, else the model's.
    if ((*engine)->batched_tokens_at_context && (!limits.chunked_prefill || r.no_chunked_prefill)) {
      const double context = r.max_model_len.value_or(model->max_seq_len);
      if (context > 0) limits.max_batched_tokens = context;
    }
    if ((*engine)->max_prefill_tokens > 0)
      limits.max_prefill_tokens = (*engine)->max_prefill_tokens;
    if ((*engine)->kv_memory_fraction > 0)
      limits.kv_memory_fraction = (*engine)->kv_memory_fraction;
    limits.memory_reserve_mib = (*engine)->memory_reserve_mib;
    limits.memory_reserve_families = (*engine)->memory_reserve_families;
    // The engine's own cap where none is given (SGLang's from its KV pool over the context it is
    // started with, --context-length or the model's: perf::DefaultRunningRequests).
    limits.running_requests_default = (*engine)->running_requests_default;
    limits.context_tokens = r.max_model_len;
  } else {
    if (!r.moe_backend.empty()) {
      return tl::unexpected(
          FieldError("moe_backend", "names TensorRT-LLM's moe_config.backend: give " +
                                        FlagAsTyped(r.typed_as, "engine", "trtllm")));
    }
    // No engine: no engine's limits or costs (the analytic bound), and the attention kernels the
    // engines run: MLA on an FP8 cache at the FP8 rate on the families any engine does it on
    // (FlashMLA's FP8 kernel on Hopper under SGLang and vLLM, data/engines.yaml).
    for (const auto& e : cat.engines()) {
      for (const auto& family : e.fp8_mla_families) {
        if (std::find(limits.fp8_mla_families.begin(), limits.fp8_mla_families.end(), family) ==
            limits.fp8_mla_families.end()) {
          limits.fp8_mla_families.push_back(family);
        }
      }
    }
    // Named none, the host-launched step and the whole remainder (NVIDIA's MLPerf harness). Not
    // named, on a family with no default engine: still the KV format and pool every engine users
    // run there keeps (an entry's kv_default_families: each follows the checkpoint's KV format and
    // holds part of the memory out of the pool), when every chip of the request has the same.
    if (engine_id.empty()) {
      if (const catalog::ServingEngine* kv_engine = KvDefaultEngineOf(cat, r)) {
        limits.kv_cache_model_dtype = kv_engine->kv_cache_model_dtype;
        limits.sparse_kv_model_dtype_families = kv_engine->sparse_kv_model_dtype_families;
        if (kv_engine->kv_memory_fraction > 0)
          limits.kv_memory_fraction = kv_engine->kv_memory_fraction;
        limits.fraction_of_free_memory = kv_engine->fraction_of_free_memory;
      }
    }
  }
  // The command --emit prints must run the chosen layout: the emitted engine's layouts bound the
  // search too (trtllm-serve has no attention tensor parallel under attention data parallel).
  if (!r.emit.empty()) {
    if (auto emitted = cat.FindEngine(r.emit); emitted && (*emitted)->attention_dp_per_gpu) {
      limits.attention_dp_per_gpu = true;
    }
  }
  if (!r.moe_a2a_backend.empty()) {
    // The all-gather ones: SGLang's none (S2761), vLLM's allgather_reducescatter (S2760) and
    // naive (a broadcast of every rank's tokens); the rest are all-to-all kernels (DeepEP, pplx,
    // Mooncake, MORI, FlashInfer's), which a recipe names to replace the gather.
    static const std::vector<std::string> kGather = {"none", "allgather_reducescatter", "naive"};
    static const std::vector<std::string> kAllToAll = {"deepep",
                                                       "deepep_high_throughput",
                                                       "deepep_low_latency",
                                                       "pplx",
                                                       "mooncake",
                                                       "mori",
                                                       "nixl",
                                                       "flashinfer",
                                                       "flashinfer_all2allv",
                                                       "ascend_fuseep"};
    const auto in = [&](const std::vector<std::string>& names) {
      return std::find(names.begin(), names.end(), r.moe_a2a_backend) != names.end();
    };
    if (!in(kGather) && !in(kAllToAll)) {
      std::vector<std::string> known = kGather;
      known.insert(known.end(), kAllToAll.begin(), kAllToAll.end());
      return tl::unexpected(
          FieldError("moe_a2a_backend", fmt::format("unknown backend {}; expected {}",
                                                    Quoted(r.moe_a2a_backend), JoinOr(known))));
    }
    limits.moe_all_to_all = in(kAllToAll);
    limits.moe_a2a_backend = r.moe_a2a_backend;
  }
  // The running-sequence cap as the engine's own flag counts it, or each attention-DP rank's
  // whatever the engine (SGLang's own is the server's, dealt over the ranks), so a layout the
  // search picks with more ranks admits more in all. ResolveFrameworkFlags refused both at once.
  for (const auto& [field, cap, per_rank] :
       {std::tuple{"max_num_seqs", r.max_num_seqs, false},
        std::tuple{"max_num_seqs_per_rank", r.max_num_seqs_per_rank, true}}) {
    if (!cap) continue;
    if (*cap < 1 || *cap > kMaxRunningRequests) {
      return tl::unexpected(FieldError(field, "must be between 1 and 1048576"));
    }
    limits.max_num_seqs = *cap;
    if (per_rank) limits.max_num_seqs_per_instance = false;
  }
  // SGLang's --max-running-requests with no dp given: the server's whatever the engine, each
  // layout's attention-DP ranks taking max_running_requests // dp (S3014, S2863) as EngineBatch
  // and the simulator deal it. ResolveFrameworkFlags checked its range and dealt it already where
  // dp is given.
  if (r.max_running_requests && !r.max_num_seqs) {
    limits.max_num_seqs = static_cast<int>(*r.max_running_requests);
    limits.max_num_seqs_per_instance = true;
  }
  // Whole prompts (SGLang's --chunked-prefill-size -1): the steady state's prompt steps too.
  if (r.no_chunked_prefill) limits.chunked_prefill = false;
  limits.prefix_cache_off = r.no_prefix_cache;
  if (r.max_batched_tokens) {
    if (!(*r.max_batched_tokens >= 1 && *r.max_batched_tokens <= 1e8))
      return tl::unexpected(FieldError("max_batched_tokens", "must be between 1 and 1e8"));
    limits.max_batched_tokens = *r.max_batched_tokens;
  }
  if (r.max_prefill_tokens) {
    if (!(*r.max_prefill_tokens >= 1 && *r.max_prefill_tokens <= 1e8))
      return tl::unexpected(FieldError("max_prefill_tokens", "must be between 1 and 1e8"));
    limits.max_prefill_tokens = *r.max_prefill_tokens;
  }
  if (r.schedule_conservativeness) {
    if (!(*r.schedule_conservativeness > 0 && *r.schedule_conservativeness <= 100)) {
      return tl::unexpected(
          FieldError("schedule_conservativeness", "must be above 0 and at most 100"));
    }
    limits.schedule_conservativeness = *r.schedule_conservativeness;
  }
  if (r.cuda_graph_max_bs) {
    if (*r.cuda_graph_max_bs < 1 || *r.cuda_graph_max_bs > (1 << 20))
      return tl::unexpected(FieldError("cuda_graph_max_bs", "must be between 1 and 1048576"));
    // Priced where the engine's eager launch time is measured (GraphMaxBatchPriced); else listed
    // with the answer as not modelled.
    if (limits.eager_launch_layer_us > 0) limits.graph_max_batch = *r.cuda_graph_max_bs;
  }
  if (r.stream_interval) {
    if (*r.stream_interval < 1 || *r.stream_interval > (1 << 20))
      return tl::unexpected(FieldError("stream_interval", "must be between 1 and 1048576"));
    // Priced where the engine's front-end cost is measured (stream_host_us); else listed with the
    // answer as not modelled.
    limits.stream_interval = *r.stream_interval;
  }
  if (r.kv_memory_fraction) {
    if (!(*r.kv_memory_fraction > 0 && *r.kv_memory_fraction <= 1))
      return tl::unexpected(FieldError("kv_memory_fraction", "must be in (0, 1]"));
    limits.kv_memory_fraction = *r.kv_memory_fraction;
    limits.fraction_of_free_memory = false;  // as the flag's help says: of the whole HBM
    limits.memory_reserve_mib.clear();       // the user's fraction, not the engine's rule
  }
  if (r.kv_free_memory_fraction) {
    if (r.kv_memory_fraction) {
      return tl::unexpected(FieldError(
          "kv_free_memory_fraction",
          "give one of kv_memory_fraction (a share of HBM: vLLM's gpu_memory_utilization, "
          "SGLang's mem_fraction_static) and kv_free_memory_fraction (a share of what the "
          "weights leave: TensorRT-LLM's free_gpu_memory_fraction)"));
    }
    if (!(*r.kv_free_memory_fraction > 0 && *r.kv_free_memory_fraction <= 1))
      return tl::unexpected(FieldError("kv_free_memory_fraction", "must be in (0, 1]"));
    limits.kv_memory_fraction = *r.kv_free_memory_fraction;
    limits.fraction_of_free_memory = true;
    limits.memory_reserve_mib.clear();
  }
  if (!r.kv_admission.empty()) {
    if (r.kv_admission != "reserve" && r.kv_admission != "optimistic" &&
        r.kv_admission != "retract") {
      return tl::unexpected(FieldError(
          "kv_admission", fmt::format("unknown policy {}; expected reserve, optimistic or retract",
                                      Quoted(r.kv_admission))));
    }
    limits.optimistic_admission = r.kv_admission != "reserve";
    limits.retract_admission = r.kv_admission == "retract";
  }
  // TensorRT-LLM's capacity scheduler has GUARANTEED_NO_EVICT (reserve), MAX_UTILIZATION
  // (optimistic: admit on the prompt, pause the latest) and STATIC_BATCH (S3141); SGLang's retract
  // (admission against a decaying new-token ratio) is none of them, so a simulated estimate that
  // ran it has no TensorRT-LLM command.
  if (r.emit == "trtllm" && limits.retract_admission && Simulated(r)) {
    const bool typed_retract = r.kv_admission == "retract";
    return tl::unexpected(FieldError(
        typed_retract ? "kv_admission" : "emit",
        fmt::format("{}, which TensorRT-LLM's capacity scheduler has no policy for "
                    "(GUARANTEED_NO_EVICT, MAX_UTILIZATION, STATIC_BATCH); give {} "
                    "reserve (GUARANTEED_NO_EVICT) or optimistic (MAX_UTILIZATION) for a "
                    "trtllm-serve command",
                    typed_retract ? "retract is SGLang's admission"
                                  : FlagAsTyped(r.typed_as, "engine", limits.engine) +
                                        " admits by SGLang's retract",
                    FlagAsTyped(r.typed_as, "kv_admission"))));
  }
  // NVIDIA's harness with CUDA graphs on: a setting of that harness (no engine), not of an engine
  // that replays its own graphs or runs eagerly.
  if (r.use_graphs) {
    if (r.enforce_eager) {
      return tl::unexpected(FieldError("use_graphs", "turns CUDA graphs on and " +
                                                         FlagAsTyped(r.typed_as, "enforce_eager") +
                                                         " turns them off: give one"));
    }
    if (!limits.engine.empty()) {
      return tl::unexpected(FieldError(
          "use_graphs", "is NVIDIA's MLPerf harness setting (" +
                            FlagAsTyped(r.typed_as, "engine", "none") + "); engine '" +
                            limits.engine + "' sets its own graphs (" +
                            FlagAsTyped(r.typed_as, "enforce_eager") + " turns them off)"));
    }
    limits.use_graphs = true;
  }
  if (r.enforce_eager) {
    if (limits.eager_launch_layer_us <= 0) {
      std::vector<std::string> measured;
      for (const auto& e : cat.engines()) {
        if (e.eager_launch_layer_us > 0) measured.push_back(e.id);
      }
      return tl::unexpected(FieldError(
          "enforce_eager",
          limits.engine.empty()
              ? "needs an engine whose eager launch time is measured: " + JoinOr(measured)
              : "no measured eager launch time for engine '" + limits.engine +
                    "'; measured: " + JoinOr(measured)));
    }
    limits.enforce_eager = true;
  }
  // The host's per-request time between steps: overlapped with the step before under
  // asynchronous scheduling, amortised over the steps of one call under multi-step scheduling.
  if (r.async_scheduling) limits.async_scheduling = true;
  if (r.no_async_scheduling) limits.async_scheduling = false;
  if (r.scheduler_steps) {
    if (*r.scheduler_steps < 1 || *r.scheduler_steps > 1024)
      return tl::unexpected(FieldError("scheduler_steps", "must be between 1 and 1024"));
    limits.scheduler_steps = *r.scheduler_steps;
  }
  if (!r.cuda_graph_batch_sizes.empty()) {
    const char* expected =
        "must be a comma-separated list of batch sizes from 1 to 1048576, "
        "ascending (e.g. 128,256,384,512)";
    std::string_view rest = r.cuda_graph_batch_sizes;
    while (true) {
      const auto comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      int size = 0;
      const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), size);
      if (ec != std::errc() || end != item.data() + item.size() || size < 1 || size > (1 << 20) ||
          (!limits.graph_batch_sizes.empty() && size <= limits.graph_batch_sizes.back())) {
        return tl::unexpected(FieldError("cuda_graph_batch_sizes", expected));
      }
      limits.graph_batch_sizes.push_back(size);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }

  // vLLM's graphs hold at most min(2 x max_num_seqs x (1 + draft tokens), 512) tokens, and never
  // more than a step's token budget (VllmConfig._set_cudagraph_sizes); a step over that runs
  // without a graph (S4170). The engine's capture_tokens_per_seq is the 2 (vLLM-Ascend v0.13.0
  // patches it to 1, S4350). Under FULL_DECODE_ONLY ((FULL, NONE): no graph for a prefill or
  // mixed batch, S4250) every step with a prompt token runs without one too.
  if (auto e = cat.FindEngine(limits.engine);
      e && (*e)->eager_above_capture_size && limits.eager_launch_layer_us > 0) {
    double cap = 512;
    if (limits.max_num_seqs) {
      cap = std::min(cap, (*e)->capture_tokens_per_seq * *limits.max_num_seqs * (1 + r.mtp));
    }
    if (limits.max_batched_tokens) cap = std::min(cap, *limits.max_batched_tokens);
    limits.graph_max_tokens = cap;
    limits.eager_prompt_steps = r.full_decode_graph;
  }
  // An engine that rejects a prompt longer than its step's token budget with chunked prefill off
  // (TensorRT-LLM's LLM API: "The sum of prompt length ... should not exceed max_num_tokens",
  // S3632) serves none of these requests: say so, and what lets it.
  if (!limits.chunked_prefill && limits.max_batched_tokens &&
      r.input_tokens > *limits.max_batched_tokens) {
    if (auto e = cat.FindEngine(limits.engine); e && (*e)->rejects_prompt_over_budget) {
      return tl::unexpected(FieldError(
          "max_batched_tokens",
          fmt::format("{} rejects a prompt of {:g} tokens: with chunked prefill off a prompt "
                      "must fit whole in max_num_tokens ({:g} tokens a step); give "
                      "{} above {:g}, the prompt and a "
                      "token of each running sequence (trtllm-bench sets the prompt plus "
                      "max_batch_size), or {}",
                      (*e)->name, r.input_tokens, *limits.max_batched_tokens,
                      r.typed_as.contains("max_batched_tokens")
                          ? FlagAsTyped(r.typed_as, "max_batched_tokens")
                          : FlagAsTyped(r.typed_as, "max_batched_tokens") +
                                (r.typed_as.json ? " (max_num_tokens)" : " (--max_num_tokens)"),
                      std::ceil(r.input_tokens),
                      FlagAsTyped(r.typed_as, "enable_chunked_prefill"))));
    }
  }
  return InferFormats{model, given[0], kv, given[1], given[2], *checkpoint, limits, draft};
}

namespace {

// The KV format the served checkpoint declares, and why when it is presumed: the checkpoint's
// own declaration (catalog CheckpointPrecision::kv_dtype; a ModelOpt export's kv_cache_quant_algo)
// when the request serves it as catalogued. A copy in a narrower format than the model's release
// that the catalog does not list (--dtype fp8 of a model released in BF16, a name's -FP8/-FP4
// suffix): the engine's own quantization as it loads the release where it has one for that format
// (`quantize_on_load`: vLLM's and SGLang's --quantization fp8, S3534), which declares nothing;
// else a pre-quantized checkpoint, on an NVIDIA GPU with FP8 math NVIDIA's Model Optimizer copy
// (the nvidia/<model>-FP8 and -FP4 checkpoints TensorRT-LLM's and MLPerf's runs serve), whose
// export declares an FP8 cache by default (hf_ptq.py --kv_cache_qformat fp8; S3530); elsewhere
// (other vendors' tools) none. A copy the engine quantizes as it loads says so (`presumed`), since
// the 16-bit cache that leaves is not what NVIDIA's copy of the same format declares.
struct DeclaredKv {
  std::optional<perf::ServingDType> dtype;
  std::string presumed;  // non-empty: the copy's declaration presumed, and why
};
DeclaredKv DeclaredKvOf(const catalog::ModelCheckpoint& ck,
                        std::optional<perf::ServingDType> requested, const catalog::Chip& chip,
                        const std::vector<std::string>& quantize_on_load, std::string_view engine) {
  const catalog::CheckpointPrecision& p = ck.precision;
  // The bulk of the weights' format: the experts' where they differ.
  const auto weights = [](const catalog::CheckpointPrecision& c) {
    return *perf::ParseServingDType(c.expert_dtype.empty() ? c.dtype : c.expert_dtype);
  };
  const bool names_it =
      requested &&
      (requested == perf::ParseServingDType(p.dtype) ||
       (!p.expert_dtype.empty() && requested == perf::ParseServingDType(p.expert_dtype)));
  if (!ck.copy && (!requested || names_it)) {
    if (p.kv_dtype.empty()) return {};
    return {perf::ParseServingDType(p.kv_dtype), ""};
  }
  const perf::ServingDType copy = requested && !names_it ? *requested : weights(p);
  const catalog::CheckpointPrecision released = ck.model->checkpoints.empty()
                                                    ? catalog::CheckpointPrecision{}
                                                    : ck.model->checkpoints.front();
  const bool modelopt_format = copy == perf::ServingDType::kFp8 || copy == perf::ServingDType::kFp4;
  const bool on_load = !ck.copy && std::any_of(quantize_on_load.begin(), quantize_on_load.end(),
                                               [&](const std::string& f) {
                                                 return perf::ParseServingDType(f) == copy;
                                               });
  const bool narrower = perf::ServingDTypeBytes(copy) < perf::ServingDTypeBytes(weights(released));
  // (A DSA model's cache follows its own rule, KvDTypeOf: no note.)
  if (on_load && narrower && !ck.model->sparse_attention) {
    // vLLM's and SGLang's --quantization fp8 declares no KV format, so their auto keeps the model's
    // 16-bit cache (S3534, S3310); as do the FP8 copies their users serve, RedHatAI's (Red Hat's
    // vLLM MLPerf run of RedHatAI/Meta-Llama-3.1-8B-Instruct-FP8 kept a 16-bit cache unless told
    // --kv-cache-dtype fp8, S3970). NVIDIA's Model Optimizer copy declares FP8 (S3530), which
    // vLLM's auto reads from pull request 30785 on (S3460, S4231).
    const std::string_view format = perf::ServingDTypeName(copy);
    return {std::nullopt,
            fmt::format("KV cache 16-bit: {} quantizes the {} release to {} as it loads "
                        "(--quantization {}), which declares no KV format; {}give --kv-dtype fp8 "
                        "for an FP8 cache",
                        engine, ck.model->id, format, format,
                        chip.vendor == "NVIDIA"
                            ? "NVIDIA's Model Optimizer copy (--model nvidia/<name>-FP8) "
                              "declares one, or "
                            : "")};
  }
  // A copy named with another organization than NVIDIA's is that organization's: RedHatAI's
  // compressed-tensors FP8 copies declare no KV scheme (S3970) and AMD's Quark exports are not read
  // by the engines' auto (S3460); a compressed-tensors copy that carries a kv_cache_scheme is
  // served with an FP8 cache by vLLM (S4230) but is not what a name says.
  const bool others = ck.copy && !ck.copy_org.empty() && ck.copy_org != "nvidia";
  if (!modelopt_format || on_load || others || chip.vendor != "NVIDIA" ||
      perf::ServedFormatOf(chip, perf::ServingDType::kFp8).dtype != perf::ServingDType::kFp8 ||
      !narrower) {
    return {};
  }
  if (ck.copy_org == "nvidia") {  // named so: nothing presumed but the export's default
    return {perf::ServingDType::kFp8,
            fmt::format("KV cache fp8: NVIDIA's Model Optimizer {} copy of {} declares an FP8 "
                        "cache (kv_cache_quant_algo); give --kv-dtype for another",
                        perf::ServingDTypeName(copy), ck.model->id)};
  }
  return {perf::ServingDType::kFp8,
          fmt::format("KV cache fp8: a {} copy of {} on an NVIDIA GPU is taken as NVIDIA's Model "
                      "Optimizer checkpoint, which declares an FP8 cache (kv_cache_quant_algo); "
                      "name the checkpoint or give --kv-dtype for another",
                      perf::ServingDTypeName(copy), ck.model->id)};
}

}  // namespace

// The job for one chip of the request (its system and power cap not yet applied).
perf::InferenceJob InferJobFor(const catalog::Catalog& cat, const InferRequest& r,
                               const InferFormats& formats, const catalog::Chip& chip) {
  perf::InferenceJob job = perf::InferenceJobFor(cat, *formats.model, chip);
  job.chips = r.count.value_or(0);
  job.input_tokens = r.input_tokens;
  job.output_tokens = r.output_tokens;
  // The outputs' spread: the running requests are the long ones (InferenceJob), the draws cut at
  // the model's context as the simulator cuts them. CheckSimulation has parsed the distribution.
  const OutputDist output = OutputDistOf(r, *formats.model);
  if (auto d = sim::LengthDistribution::Parse(output.dist, r.output_tokens)) {
    job.output_length_ratio =
        d->SecondMomentRatio(std::max(1.0, formats.model->max_seq_len - r.input_tokens));
    if (d->shape != sim::LengthDistribution::Shape::kFixed) {
      job.output_lengths = fmt::format("{}{}", d->ToString(),
                                       output.source.empty() ? "" : " (" + output.source + ")");
    }
  }
  job.kv_dtype = formats.kv_dtype;
  job.draft_model = formats.draft_model;
  // Formats the request names, each at the math this chip has (an 8-bit one it lacks as w8a16).
  std::string named_notes;
  const auto named = [&](std::optional<perf::ServingDType> d, std::string_view flag) {
    if (!d) return d;
    const perf::ServedFormat served = perf::NamedFormatOf(chip, *d);
    if (!served.note.empty()) {
      named_notes += fmt::format("{}--{}: {}", named_notes.empty() ? "" : "; ", flag, served.note);
    }
    return std::optional(served.dtype);
  };
  job.expert_dtype = named(formats.expert_dtype, "expert-dtype");
  job.attention_dtype = named(formats.attention_dtype, "attention-dtype");
  const catalog::CheckpointPrecision& ck = formats.checkpoint.precision;
  // A named release whose FP8 weights carry block scales (Qwen's Qwen3-*-FP8, weight_block_size
  // [128, 128]) runs block-scaled FP8 GEMMs where it is served in FP8, as the model's own
  // block-scaled release does; a copy in another format does not carry them.
  job.fp8_block_scaled_checkpoint = !formats.checkpoint.copy && ck.weight_block_size > 0 &&
                                    perf::ParseServingDType(ck.dtype) == perf::ServingDType::kFp8;
  if (formats.dtype && !formats.expert_dtype && !formats.attention_dtype &&
      !ck.expert_dtype.empty() && perf::ParseServingDType(ck.expert_dtype) == formats.dtype &&
      ck.expert_dtype != ck.dtype) {
    // --dtype naming the format a release is known by, its experts' (gpt-oss "in MXFP4",
    // nvidia/DeepSeek-R1-0528-FP4-V2, Kimi-K2-Thinking in INT4), is that release: the experts in
    // it, the rest as released (gpt-oss's attention BF16, the FP4 R1's FP8), as the engines load
    // the checkpoint. All weights in it: --attention-dtype too.
    const auto rest = perf::ServedFormatOf(chip, *perf::ParseServingDType(ck.dtype));
    job.dtype = rest.dtype;
    job.expert_dtype = named(formats.dtype, "dtype");
    std::string notes = named_notes;
    if (!rest.note.empty()) notes += (notes.empty() ? "" : "; ") + rest.note;
    job.dtype_basis =
        fmt::format("--dtype {} is the experts' format ({}): the rest {}{}{}",
                    perf::ServingDTypeName(*formats.dtype),
                    formats.checkpoint.basis.empty() ? "as released" : formats.checkpoint.basis,
                    perf::ServingDTypeName(rest.dtype), notes.empty() ? "" : "; ", notes);
  } else if (formats.dtype) {
    job.dtype = *named(formats.dtype, "dtype");
    job.dtype_basis = named_notes;
  } else {
    // No --dtype: the checkpoint's formats, each as this chip serves it.
    const auto served = perf::ServedFormatOf(chip, *perf::ParseServingDType(ck.dtype));
    job.dtype = served.dtype;
    std::string notes = served.note;
    if (!ck.expert_dtype.empty() && !job.expert_dtype) {
      const auto experts = perf::ServedFormatOf(chip, *perf::ParseServingDType(ck.expert_dtype));
      if (experts.dtype != job.dtype) job.expert_dtype = experts.dtype;
      if (!experts.note.empty())
        notes += (notes.empty() ? "experts: " : "; experts: ") + experts.note;
    }
    job.dtype_basis = formats.checkpoint.basis;
    if (!named_notes.empty()) notes += (notes.empty() ? "" : "; ") + named_notes;
    if (!notes.empty()) {
      job.dtype_basis += fmt::format("{}{}", job.dtype_basis.empty() ? "" : "; ", notes);
    }
  }
  if (const auto attention = perf::AttentionFormatOf(chip);
      attention && !perf::SixteenBitPeakKnown(chip)) {
    const bool said = job.dtype_basis.find("no known 16-bit peak") != std::string::npos;
    job.dtype_basis +=
        fmt::format("{}attention at the {} peak{}", job.dtype_basis.empty() ? "" : "; ",
                    perf::ServingDTypeName(*attention),
                    said ? "" : fmt::format(" ({} has no known 16-bit peak)", chip.id));
  }
  std::vector<std::string> quantize_on_load;
  bool reads_declared_kv = true;
  std::string engine_version;
  if (auto engine = cat.FindEngine(formats.limits.engine);
      !formats.limits.engine.empty() && engine) {
    quantize_on_load = (*engine)->quantize_on_load;
    reads_declared_kv = (*engine)->checkpoint_kv_dtype;
    engine_version = (*engine)->version;
  }
  DeclaredKv declared = DeclaredKvOf(formats.checkpoint, formats.dtype, chip, quantize_on_load,
                                     formats.limits.engine);
  // A release whose `auto` cache does not read the checkpoint's declaration (vLLM before pull
  // request 30785, first in v0.14: S3460, S4340) keeps the model's 16-bit cache: said, with the
  // flag that gives the declared one.
  if (declared.dtype && !reads_declared_kv && formats.limits.kv_cache_model_dtype &&
      !formats.kv_dtype) {
    declared = {std::nullopt,
                fmt::format("KV cache 16-bit: the checkpoint declares an {} cache "
                            "(kv_cache_quant_algo), which {} (vLLM {}) does not read under "
                            "--kv-cache-dtype auto (vLLM reads it from 0.14, pull request "
                            "30785); give --kv-dtype {} for it",
                            perf::ServingDTypeName(*declared.dtype), formats.limits.engine,
                            engine_version, perf::ServingDTypeName(*declared.dtype))};
  }
  job.declared_kv_dtype = declared.dtype;
  if (!declared.presumed.empty() && !formats.kv_dtype && formats.limits.kv_cache_model_dtype) {
    job.dtype_basis += fmt::format("{}{}", job.dtype_basis.empty() ? "" : "; ", declared.presumed);
  }
  const LatencyTargets targets = TargetsOf(r);
  job.tpot_ms = targets.tpot_ms;
  job.ttft_ms = targets.ttft_ms;
  job.mode = r.mode == "offline" ? perf::ServingMode::kOffline : perf::ServingMode::kServer;
  job.mtp_depth = r.mtp;
  job.mtp_acceptance = r.mtp_acceptance.value_or(formats.model->mtp_acceptance.value_or(0));
  if (r.mtp > 0 && !r.mtp_acceptance && !formats.model->mtp_acceptance) {
    // The catalog's draft head acceptance (data/calibration.yaml inference.draft_head_acceptance:
    // EAGLE's own MT-bench answers, S2820).
    job.mtp_acceptance = job.serving.draft_head_acceptance;
    job.mtp_acceptance_basis = fmt::format(
        "assumed {:g} a position, the catalog's draft_head_acceptance (EAGLE's on MT-bench, "
        "S2820): {} has no published acceptance; give --mtp-acceptance",
        job.serving.draft_head_acceptance, formats.model->id);
  }
  if (const auto& lengths = formats.model->mtp_accept_lengths;
      r.mtp >= 2 && r.mtp > formats.model->mtp_layers && !r.mtp_acceptance && !lengths.empty()) {
    // The model's modules re-applied beyond their count: its measured tokens a verify step at
    // this depth (the deepest measured beyond the list, where the gain has levelled off), as the
    // one acceptance a position whose chain gives as many (1 + a + ... + a^depth).
    const size_t at = std::min(lengths.size(), static_cast<size_t>(r.mtp)) - 1;
    const double tokens = lengths[at];
    const auto chain = [&](double a) {
      double sum = 1, term = 1;
      for (int k = 0; k < r.mtp; ++k) sum += (term *= a);
      return sum;
    };
    double lo = 0, hi = 1;
    for (int i = 0; i < 60; ++i) {
      const double mid = (lo + hi) / 2;
      if (chain(mid) < tokens) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    job.mtp_acceptance = (lo + hi) / 2;
    job.mtp_acceptance_basis = fmt::format(
        "{:.3f} a position: {} re-applies its {} MTP module{} beyond {} draft{}, and its measured "
        "{:g} tokens a verify step at depth {} (models.yaml mtp_accept_lengths) is taken for "
        "depth {}; the first draft's own rate ({:g}) holds at depth {}; give --mtp-acceptance",
        job.mtp_acceptance, formats.model->id, formats.model->mtp_layers,
        formats.model->mtp_layers == 1 ? "" : "s", formats.model->mtp_layers,
        formats.model->mtp_layers == 1 ? "" : "s", tokens, at + 1, r.mtp,
        formats.model->mtp_acceptance.value_or(0), std::max(1, formats.model->mtp_layers));
  }
  job.prefix_cache_hit = r.prefix_cache_hit;
  job.disaggregate = r.disaggregate;
  job.demand_tokens_per_s = r.demand_tokens_per_s;
  job.chip_hour_usd = r.chip_hour_usd;
  job.limits = formats.limits;
  if (r.concurrency) job.limits.clients = static_cast<int>(*r.concurrency);
  // An engine whose defaults depend on the device (vLLM: 256 sequences and 2,048 batched tokens
  // below 70 GiB or on an A100, S3522): this chip's, unless the request gives them.
  if (auto engine = cat.FindEngine(job.limits.engine); !job.limits.engine.empty() && engine) {
    const SmallDeviceDefaults d = SmallDeviceDefaultsOf(**engine, chip, r);
    if (d.max_num_seqs > 0) job.limits.max_num_seqs = d.max_num_seqs;
    if (d.max_batched_tokens > 0) job.limits.max_batched_tokens = d.max_batched_tokens;
    // An engine that runs its decodes padded to a bucket grid (vLLM-Gaudi's exponential one, from
    // its batch cap): the grid, unless the request lists batch sizes of its own.
    if ((*engine)->decode_batch_buckets == "exponential") {
      job.limits.decode_batch_padded = true;
      if (job.limits.graph_batch_sizes.empty() && job.limits.max_num_seqs) {
        job.limits.graph_batch_sizes = perf::ExponentialDecodeBuckets(*job.limits.max_num_seqs);
      }
    }
  }
  return job;
}

void FitWeightsInFewerBits(const InferRequest& r, const perf::InferenceConstraints& fixed,
                           perf::InferenceJob& job) {
  if (!r.dtype.empty() || perf::ServingDTypeBytes(job.dtype) < 2 || perf::WeightsFit(job, fixed))
    return;
  const std::string count = job.chips > 0
                                ? fmt::format("{} chip{}", job.chips, job.chips == 1 ? "" : "s")
                                : "one scale-up domain";
  // 8-bit first, quantized on load; then 4-bit weights with 16-bit math, the AWQ/GPTQ
  // checkpoints a model is served from on cards too small for 8-bit (vLLM's and SGLang's
  // --quantization awq / gptq).
  const std::pair<perf::ServingDType, const char*> narrower[] = {
      {perf::ServingDType::kFp8, "quantized on load as vLLM's and SGLang's --quantization fp8 do"},
      {perf::ServingDType::kInt4,
       "an AWQ or GPTQ checkpoint's 4-bit weights with 16-bit math (vLLM's and SGLang's "
       "--quantization awq / gptq), as models are served on cards too small for 8-bit"}};
  for (const auto& [format, how] : narrower) {
    const perf::ServedFormat served = perf::ServedFormatOf(*job.chip, format);
    if (perf::ServingDTypeBytes(served.dtype) >= 2) continue;  // no such math on the chip
    perf::InferenceJob quantized = job;
    quantized.dtype = served.dtype;
    if (!perf::WeightsFit(quantized, fixed)) continue;
    quantized.dtype_basis = fmt::format(
        "{} as released does not fit {}: {} weights, {}", perf::ServingDTypeName(job.dtype), count,
        perf::ServingDTypeName(served.dtype), served.note.empty() ? how : served.note);
    job = std::move(quantized);
    return;
  }
}

Result<perf::InferenceEstimate> EstimateAtTargets(const InferRequest& r, perf::InferenceJob& job,
                                                  const perf::InferenceConstraints& fixed,
                                                  LatencyTargets* targets) {
  *targets = TargetsOf(r);
  auto e = perf::EstimateInference(job, fixed);
  const bool defaults = targets->ttft_defaulted || targets->tpot_defaulted;
  if (e || (!defaults && !GivenLoad(r))) return e;
  if (targets->ttft_defaulted) {
    const LatencyTargets longer = LongPromptTargetsOf(r);
    if (longer.ttft_ms > job.ttft_ms) {
      perf::InferenceJob relaxed = job;
      relaxed.ttft_ms = longer.ttft_ms;
      if (auto again = perf::EstimateInference(relaxed, fixed)) {
        job = std::move(relaxed);
        *targets = longer;
        return again;
      }
    }
  }
  // No layout meets a target even at batch 1 (a prompt of thousands of tokens for one or two
  // output tokens: each output token waits on prefill). Defaults the user never asked for do not
  // refuse such a workload, and a given load (--concurrency, --qps) is measured, not searched: the
  // batch is chosen without the target that cannot be met. Defaults drop it; a given target stays
  // in `targets`, so the simulation reports it missed; a given target no layout meets, with no
  // given load, is refused.
  perf::InferenceJob relaxed = job;
  std::string dropped;
  auto again = e;
  for (int i = 0; i < 2 && !again; ++i) {
    const std::string& field = again.error().field;
    if (field != "tpot_ms" && field != "ttft_ms") return e;
    const bool tpot = field == "tpot_ms";
    const bool defaulted = tpot ? targets->tpot_defaulted : targets->ttft_defaulted;
    if (!defaulted && !GivenLoad(r)) return e;
    (tpot ? relaxed.tpot_ms : relaxed.ttft_ms).reset();
    if (defaulted) {
      (tpot ? targets->tpot_ms : targets->ttft_ms).reset();
      const std::string& why = again.error().message;
      dropped +=
          fmt::format("{}{}", dropped.empty() ? "" : "; ", why.substr(0, why.find("; relax")));
    }
    again = perf::EstimateInference(relaxed, fixed);
  }
  // A rate search needs a limit to search against: with none left, the first refusal says why.
  if (!again || (!GivenLoad(r) && !relaxed.ttft_ms && !relaxed.tpot_ms)) return e;
  if (!dropped.empty()) {
    targets->source = fmt::format("{}; {}: left out", targets->source, dropped);
  }
  job = std::move(relaxed);
  return again;
}

const catalog::ServingEngine* KvDefaultEngineOf(const catalog::Catalog& cat,
                                                const InferRequest& r) {
  const catalog::ServingEngine* common = nullptr;
  for (size_t i = 0; i < r.chip.size(); ++i) {
    auto chip = cat.FindChip(r.chip[i]);
    const catalog::ServingEngine* e = chip ? cat.KvDefaultEngineOf(**chip) : nullptr;
    if (e == nullptr || (i > 0 && e != common)) return nullptr;
    common = e;
  }
  return common;
}

std::string EngineIdOf(const catalog::Catalog& cat, const InferRequest& r) {
  if (!r.engine.empty()) return r.engine;
  // No --engine: the engine the chips run by default (vLLM-Ascend on an Ascend NPU: an engine's
  // default_families), when every chip of the request has the same one.
  const catalog::ServingEngine* common = nullptr;
  for (size_t i = 0; i < r.chip.size(); ++i) {
    auto chip = cat.FindChip(r.chip[i]);
    const catalog::ServingEngine* e = chip ? cat.DefaultEngineOf(**chip) : nullptr;
    if (e == nullptr || (i > 0 && e != common)) return "";
    common = e;
  }
  return common != nullptr ? common->id : "";
}

Result<InferSetup> BuildInferJob(const catalog::Catalog& cat, const InferRequest& typed) {
  auto resolved = ResolveFrameworkFlags(cat, typed);
  if (!resolved) return tl::unexpected(resolved.error());
  const InferRequest& r = *resolved;
  auto formats = CheckInferRequest(cat, r);
  if (!formats) return tl::unexpected(formats.error());
  if (r.chip.size() != 1 || r.compare) {
    return tl::unexpected(FieldError("chip", "needs exactly one chip id"));
  }
  auto chip = WithField(cat.FindChip(r.chip[0]), "chip");
  if (!chip) return tl::unexpected(chip.error());
  InferSetup setup{InferJobFor(cat, r, *formats, **chip), {r.tp, r.ep, r.dp, r.pp}};
  perf::InferenceJob& job = setup.job;
  if (auto ok = perf::ValidateInferenceRequest(job); !ok) return tl::unexpected(ok.error());
  if (auto ok = perf::ValidateInferenceJob(job); !ok) return tl::unexpected(ok.error());
  auto system = ResolveCappedSystem(cat, **chip, r.system, job.calibration, r.power_cap_w);
  if (!system) return tl::unexpected(system.error());
  job.system = *system;
  FitWeightsInFewerBits(r, setup.fixed, job);
  return setup;
}

}  // namespace internal

namespace {

// A request that names no engine runs the one its chips' family is deployed on (data/engines.yaml
// default_families), or none where they have none or differ: the answer says which, and the ids
// that name another (the engines that run on every chip of the request, and none).
report::EngineAssumed AssumedEngineOf(const catalog::Catalog& cat, const InferRequest& r) {
  report::EngineAssumed a;
  const std::string id = internal::EngineIdOf(cat, r);
  a.engine = id;
  std::vector<const catalog::Chip*> chips;
  for (const auto& name : r.chip) {
    auto chip = cat.FindChip(name);
    if (!chip) return {};
    chips.push_back(*chip);
  }
  for (const auto& e : cat.engines()) {
    if (e.id != id && std::all_of(chips.begin(), chips.end(),
                                  [&](const catalog::Chip* c) { return catalog::RunsOn(e, *c); })) {
      a.choices.push_back(e.id);
    }
  }
  if (!id.empty()) a.choices.push_back("none");
  std::vector<std::string> families, defaults;
  for (const catalog::Chip* c : chips) {
    if (std::find(families.begin(), families.end(), c->family) == families.end()) {
      families.push_back(c->family);
    }
    const catalog::ServingEngine* e = cat.DefaultEngineOf(*c);
    defaults.push_back(fmt::format("{} {}", c->id, e != nullptr ? e->id : "none"));
  }
  const std::string on = fmt::format("{} chips", fmt::join(families, " and "));
  if (auto engine = cat.FindEngine(id); !id.empty() && engine) {
    a.note = fmt::format(
        "engine: none named, so {} ({}, version {}), what {} run unless told otherwise; "
        "--engine {} for another",
        id, (*engine)->name, (*engine)->version, on, JoinOr(a.choices));
  } else if (std::any_of(chips.begin(), chips.end(), [&](const catalog::Chip* c) {
               return cat.DefaultEngineOf(*c) != nullptr;
             })) {
    a.note = fmt::format(
        "engine: none named, and the chips' default engines differ ({}): none applied, each "
        "chip's own bound with no engine's limits or step costs; --engine {} to apply one to all",
        fmt::join(defaults, ", "), JoinOr(a.choices));
  } else {
    a.note = fmt::format(
        "engine: none named, and {} run none by default in the catalog: no engine's limits or "
        "step costs, the chip's own bound; --engine {} to apply one",
        on, JoinOr(a.choices));
  }
  return a;
}

}  // namespace

Result<Output> Engine::Infer(const InferRequest& r, const RunContext& c) const {
  auto out = InferCanonical(r, c);
  if (!out) return tl::unexpected(NamedAsTyped(out.error(), r.typed_as));
  return out;
}

Result<Output> Engine::InferCanonical(const InferRequest& typed, const RunContext& c) const {
  std::string llm_api_options;
  InferRequest named = typed;
  if (!typed.extra_llm_api_options.empty()) {
    // vLLM's and SGLang's lines name the file --config (the field's alias): their users read
    // that flag in the error, not TensorRT-LLM's --extra_llm_api_options.
    const bool config =
        typed.launched_by.starts_with("vllm") || typed.launched_by.starts_with("sglang");
    auto text =
        ReadRequestInput(typed.extra_llm_api_options, config ? "config" : "extra_llm_api_options");
    if (!text) return tl::unexpected(text.error());
    // A pasted `vllm serve --config FILE`: the file's keys under the flags typed (S3676).
    auto vllm = internal::MergeVllmConfig(named, *text);
    if (!vllm) return tl::unexpected(vllm.error());
    if (!*vllm) llm_api_options = std::move(*text);
    if (named.model.empty()) return tl::unexpected(MissingField("model"));
  }
  if (!named.dataset.empty()) {
    if (auto ok = internal::ReadBenchDataset(named, ReadRequestInput(named.dataset, "dataset"));
        !ok) {
      return tl::unexpected(ok.error());
    }
  }
  // A request trace's mean lengths are the steady state's where the request gives none, as a
  // trtllm-bench dataset's are: the analytic figures and the layout the replay runs on are for
  // the trace's requests, not for 1,024 / 256 tokens. A request beyond the model's context is the
  // trace's error at its file:line (an unknown model is left to the model's own error).
  if (named.block_size && !(*named.block_size >= 1 && *named.block_size <= 4096)) {
    return tl::unexpected(
        FieldError("block_size", "must be a whole number of tokens from 1 to 4,096"));
  }
  if (named.trace_block_size &&
      !(*named.trace_block_size >= 1 && *named.trace_block_size <= 65536)) {
    return tl::unexpected(
        FieldError("trace_block_size", "must be a whole number of tokens from 1 to 65,536"));
  }
  const auto traced_model = catalog_->FindModel(named.model);
  if (!named.requests_trace.empty() && traced_model &&
      (!named.input_tokens_given || !named.output_tokens_given)) {
    auto path = RequestPath(named.requests_trace, "requests_trace");
    if (!path) return tl::unexpected(path.error());
    auto text = internal::ReadRequestFile(*path, options_.max_file_bytes, "requests_trace",
                                          named.requests_trace);
    if (!text) return tl::unexpected(text.error());
    auto requests = sim::ReadServingTrace(*text, named.requests_trace, (*traced_model)->max_seq_len,
                                          TraceOptions(named));
    if (!requests) {
      return tl::unexpected(FieldError("requests_trace", requests.error().message));
    }
    if (!requests->empty()) {
      double inputs = 0, outputs = 0;
      for (const auto& q : *requests) {
        inputs += q.input_tokens;
        outputs += q.output_tokens;
      }
      const double n = static_cast<double>(requests->size());
      if (!named.input_tokens_given) named.input_tokens = inputs / n;
      if (!named.output_tokens_given) named.output_tokens = outputs / n;
    }
  }
  if (named.chip.size() == 1) internal::ChipFromSystemName(*catalog_, named.chip[0], named.system);
  auto resolved = internal::ResolveFrameworkFlags(*catalog_, named, llm_api_options);
  if (!resolved) return tl::unexpected(resolved.error());
  const InferRequest& r = *resolved;
  auto formats = internal::CheckInferRequest(*catalog_, r);
  if (!formats) return tl::unexpected(formats.error());
  // Rows point at their jobs: the jobs must not move once rows exist.
  std::vector<perf::InferenceJob> jobs(r.chip.size());
  std::vector<LatencyTargets> targets(r.chip.size());
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
          auto clock = perf::ComputeClockFraction(**chip, job.calibration, r.power_cap_w);
          if (!clock) ok = tl::unexpected(FieldError("power_cap_w", clock.error().message));
          perf::TightenPowerCap(job.system, *r.power_cap_w);
        }
        if (ok) {
          internal::FitWeightsInFewerBits(r, {r.tp, r.ep, r.dp, r.pp}, job);
          auto e = internal::EstimateAtTargets(r, job, {r.tp, r.ep, r.dp, r.pp}, &targets[i]);
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
      // A pasted server command's defaults (tp 1 where it gives none) are named with the
      // error they lead to: the command as the server would run it.
      if (!r.launcher_defaults.empty()) {
        ok.error().message += fmt::format(" ({})", r.launcher_defaults);
      }
      // One chip: its error is the answer. Several: the table shows it.
      if (!r.compare) return tl::unexpected(ok.error());
      // Its field as the user gave it (`--max_num_seqs`, the JSON key over HTTP), else its flag.
      const Error& e = ok.error();
      row.error = e.field.empty() || e.field == "chip" ? e.message
                  : e.field.starts_with("-")           ? e.field + ": " + e.message
                  : e.line > 0                         ? FlagName(e.field) + ": " + e.message
                               : FlagAsTyped(r.typed_as, e.field) + ": " + e.message;
    }
    rows.push_back(std::move(row));
  }
  // --cuda-graph-max-bs prices the steps above it only where the engine's eager launch time is
  // measured and it replays graphs on the chip's family; elsewhere it is listed as not modelled.
  std::vector<std::string> not_modelled = r.flags_not_modelled;
  if (r.cuda_graph_max_bs) {
    const bool priced = std::all_of(jobs.begin(), jobs.end(), [](const perf::InferenceJob& j) {
      return j.limits.graph_max_batch > 0 && j.chip != nullptr &&
             std::find(j.limits.cuda_graph_families.begin(), j.limits.cuda_graph_families.end(),
                       j.chip->family) != j.limits.cuda_graph_families.end();
    });
    const std::string flag = FlagName("cuda_graph_max_bs");
    if (!priced) {
      not_modelled.insert(std::lower_bound(not_modelled.begin(), not_modelled.end(), flag), flag);
    }
  }
  // --stream-interval changes what a streamed step's front-end costs only where the engine's is
  // measured (stream_host_us); elsewhere it is listed as not modelled.
  if (r.stream_interval && !std::all_of(jobs.begin(), jobs.end(), [](const perf::InferenceJob& j) {
        return j.limits.stream_host_us > 0;
      })) {
    const std::string flag = FlagName("stream_interval");
    not_modelled.insert(std::lower_bound(not_modelled.begin(), not_modelled.end(), flag), flag);
  }
  // --async-scheduling and --no-async-scheduling decide whether the GPU waits for the engine's host
  // loop, priced only where that loop is measured (host_seq_us); elsewhere the flag is listed.
  for (const auto& [field, given] : {std::pair{"async_scheduling", r.async_scheduling},
                                     std::pair{"no_async_scheduling", r.no_async_scheduling}}) {
    if (given && !std::all_of(jobs.begin(), jobs.end(), [](const perf::InferenceJob& j) {
          return j.limits.host_seq_us > 0;
        })) {
      const std::string flag = FlagName(field);
      not_modelled.insert(std::lower_bound(not_modelled.begin(), not_modelled.end(), flag), flag);
    }
  }
  // A full decode graph (--cudagraph-mode full or full_decode_only) is priced only where the
  // engine's floor of that mode is measured (full_decode_floor_layer_us); elsewhere it is listed.
  if (r.full_decode_graph &&
      !std::all_of(jobs.begin(), jobs.end(), [&](const perf::InferenceJob& j) {
        auto e = catalog_->FindEngine(j.limits.engine);
        return e && (*e)->full_decode_floor_layer_us > 0;
      })) {
    const std::string flag =
        FlagName(r.compilation_config.empty() ? "cudagraph_mode" : "compilation_config");
    not_modelled.insert(std::lower_bound(not_modelled.begin(), not_modelled.end(), flag), flag);
  }
  const bool json = c.format == Format::kJson;
  std::optional<report::EngineAssumed> assumed;
  if (r.engine.empty()) assumed = AssumedEngineOf(*catalog_, r);
  if (assumed && assumed->note.empty()) assumed.reset();
  Output out;
  if (r.compare) {
    out.body = json ? report::CompareJson(rows, not_modelled, assumed)
                    : report::CompareTable(rows, not_modelled, assumed);
  } else {
    report::InferenceReport report{&jobs[0],      *rows[0].estimate,
                                   std::nullopt,  r.analytic ? r.mode + " analytic" : r.mode,
                                   nullptr,       {},
                                   r.assumptions, assumed};
    if (Simulated(r)) {
      std::string trace_path;
      if (!r.requests_trace.empty()) {
        auto p = RequestPath(r.requests_trace, "requests_trace");
        if (!p) return tl::unexpected(p.error());
        trace_path = *p;
      }
      auto sim = SimulateDeployment(r, jobs[0], report.estimate, targets[0], trace_path,
                                    options_.max_file_bytes);
      if (!sim) return tl::unexpected(sim.error());
      report.simulation = std::move(*sim);
      // Layouts the steady state cannot tell apart, when the simulation finds much less than the
      // steady state on the one chosen (a small KV cache's admission queue under live arrivals
      // is not in the steady state): the simulation picks among them.
      const bool disagrees =
          report.simulation->skipped.empty() &&
          report.simulation->output_tokens_per_s_per_chip <
              kSimulationDisagrees * report.estimate.output_tokens_per_s_per_chip;
      const std::vector<perf::InferenceLayout> near =
          disagrees ? report.estimate.near_layouts : std::vector<perf::InferenceLayout>{};
      for (const auto& l : near) {
        auto e = perf::EstimateInference(jobs[0], {l.tp, l.ep, l.dp, l.pp});
        if (!e) continue;
        auto s =
            SimulateDeployment(r, jobs[0], *e, targets[0], trace_path, options_.max_file_bytes);
        if (!s) return tl::unexpected(s.error());
        if (s->output_tokens_per_s_per_chip > report.simulation->output_tokens_per_s_per_chip) {
          report.estimate = std::move(*e);
          report.simulation = std::move(*s);
        }
      }
      report.simulation->layouts_simulated = 1 + static_cast<int>(near.size());
    }
    std::optional<report::Launch> launch;
    if (!r.emit.empty()) {
      // Estimated with no engine's limits: the command still starts the emitted engine, which
      // keeps its own start-up profile from the KV pool (ServingEngine::profile_logit_bytes);
      // the memory fraction it prints makes room for it.
      perf::InferenceJob launched = jobs[0];
      if (launched.limits.engine.empty()) {
        if (auto emitted = catalog_->FindEngine(r.emit); emitted) {
          launched.limits.profile_logit_bytes = (*emitted)->profile_logit_bytes;
        }
      }
      auto l = report::ServeLaunchFor(r.emit, launched, report.estimate, r.mtp,
                                      LongestRequest(r, *jobs[0].model));
      if (!l) return tl::unexpected(l.error());
      launch = std::move(*l);
      report.launch = &*launch;
    }
    report.flags_not_modelled = not_modelled;
    for (auto& note : EngineLimitNotes(*catalog_, r, jobs[0], report.estimate)) {
      report.assumptions.push_back(std::move(note));
    }
    if (auto note = MtpNotAskedNote(r, jobs[0], report.estimate)) {
      report.assumptions.push_back(std::move(*note));
    }
    out.body = json ? report::InferenceJson(report) : report::InferenceText(report);
  }
  return out;
}

}  // namespace suanli::app
