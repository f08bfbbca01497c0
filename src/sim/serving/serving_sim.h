// A request-level serving simulator: requests arrive, an engine batches them continuously with
// chunked prefill, pages their KV cache and preempts (recompute) when it runs out, and every
// engine iteration is timed by the analytic step model (perf::ServingStepModel). It answers what
// the steady-state model cannot: latency percentiles under live arrivals, long outputs whose KV
// grows through the request, and the highest arrival rate that meets a p99 SLO.
//
// One attention group is simulated, or the dp groups of an attention-data-parallel MoE instance
// in lockstep (SchedulerLimits::attention_groups).
#ifndef SUANLI_SIM_SERVING_SERVING_SIM_H_
#define SUANLI_SIM_SERVING_SERVING_SIM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "perf/inference.h"

namespace suanli::sim {

struct ServingRequest {
  double arrival_s = 0;
  int input_tokens = 1;
  int output_tokens = 1;
  int cached_tokens = 0;  // leading prompt tokens served from the prefix cache
  // The prompt's leading blocks as the trace names them (Mooncake's hash_ids: an id shared by two
  // prompts is the same block and everything before it; a prefix_id's blocks), each
  // prefix_block_tokens long, covering its first prefix_tokens. cached_tokens is then what an
  // unbounded cache gives; SchedulerLimits::bounded_prefix_cache takes the hits from the blocks
  // resident when the request is admitted instead. Empty: cached_tokens as given.
  std::vector<int64_t> prefix_blocks;
  int prefix_block_tokens = 0;
  int prefix_tokens = 0;
  // The client asks for exactly output_tokens, past any end-of-sequence token (sglang.bench_serving
  // sends ignore_eos unless --disable-ignore-eos, S3101): SGLang admits such a request by its own
  // path when its radix cache is off (SchedulerLimits::ignore_eos_admission).
  bool ignore_eos = true;
};

// How request lengths spread around their mean: "fixed" (every request alike), "exp"
// (exponential), "uniform" (mean +- 50 %; "uniform:0.2" for +- 20 %), "lognormal" (sigma of the
// log 0.8, a coefficient of variation near 1 like chat datasets; "lognormal:1.2"), cut at a
// maximum as a generation limit cuts outputs ("lognormal:1.0:20000": longer draws become 20,000,
// and the mean of what is left is still `mean`).
struct LengthDistribution {
  enum class Shape { kFixed, kExponential, kUniform, kLognormal };
  Shape shape = Shape::kFixed;
  double mean = 1;
  double spread = 0;      // uniform: relative half-width; lognormal: sigma of the log
  double max = 0;         // lognormal: draws above it are cut to it (0: not cut)
  double log_median = 0;  // lognormal: the mu whose cut distribution has `mean`
  static Result<LengthDistribution> Parse(std::string_view shape, double mean);
  std::string ToString() const;
  // E[L^2] / E[L]^2 of the lengths drawn, each cut at `cut` as well (the model's context; 0: no
  // further cut): 1 for fixed lengths, 2 exponential, 1 + w^2 / 3 uniform of half-width w,
  // e^(sigma^2) a lognormal uncut. A request's share of the running batch is its length, so the
  // running requests' mean decoded length is E[L^2] / (2 E[L]): this ratio times the mean's half.
  double SecondMomentRatio(double cut = 0) const;
};

enum class ArrivalProcess { kPoisson, kGamma };

// A synthetic workload: `requests` requests at `qps` (0: all at time 0, the offline scenario).
struct WorkloadSpec {
  long requests = 1000;
  double qps = 0;
  ArrivalProcess arrivals = ArrivalProcess::kPoisson;
  double burstiness_cv = 1;  // gamma: coefficient of variation of the gaps (1: Poisson)
  LengthDistribution input{.mean = 1024}, output{.mean = 256};  // infer's defaults
  double prefix_cache_hit = 0;  // fraction of each prompt served from cache
  int max_context = 1 << 30;    // input + output are cut to the model's context
  uint64_t seed = 1;
  bool ignore_eos = true;  // every request's (ServingRequest::ignore_eos)
  // MaxQpsAtSlo: each run has at least the requests that arrive in this many seconds at the
  // offline rate (at most kMaxSearchRequests), so that it lasts about as long at the rate found
  // (MLPerf's server runs last at least 600 s). A fixed count makes a fast group's run short: with
  // 2,000 requests a tp-2 Llama-2-70B group at 25 requests/s ran 80 s, against 40 s from a
  // request's arrival to its last token, and measured the batch still filling. 0: `requests`.
  double min_duration_s = 0;
};

inline constexpr long kMaxSearchRequests = 100'000;

// The requests of `spec`, sorted by arrival. Arrival gaps are drawn at rate 1 and divided by
// qps, so the same seed at a higher rate gives the same requests, closer together.
std::vector<ServingRequest> MakeServingRequests(const WorkloadSpec& spec);

// A request trace (docs/serving-sim.md): CSV with a header naming arrival_s, input_tokens,
// output_tokens (optional cached_tokens, and prefix_id with prefix_tokens: requests sharing a
// prefix id after the first find its tokens cached), or JSON Lines with the same keys. Every bad
// row is an error naming file:line and the field: negative or fractional lengths, arrivals out of
// order, a prompt plus output longer than `max_context`.
//
// Mooncake's hash_ids name blocks of `block_tokens` tokens (512 in Kimi's traces; AIPerf's and
// Dynamo's generators write others); `block_flag`, where not empty, is how the caller names that
// setting: a trace whose lines name more blocks than their lengths fill is refused with it, and
// a trace with no hash_ids at all when the size was given (it would size nothing).
struct TraceReadOptions {
  int block_tokens = 512;
  std::string block_flag;
  bool block_tokens_given = false;
};
Result<std::vector<ServingRequest>> ReadServingTrace(std::string_view text, const std::string& file,
                                                     int max_context,
                                                     const TraceReadOptions& options = {});

// What the simulator asks of a step model: perf::ServingStepModel (StepModelCost below), or a
// stand-in with hand-checkable costs in tests.
class StepCost {
 public:
  virtual ~StepCost() = default;
  // Seconds of one iteration (perf::ServingStepModel::StepSeconds).
  virtual double StepSeconds(double decode_seqs, double decode_keys, double prefill_tokens,
                             double prefill_keys) const = 0;
  // Seconds of one iteration of attention groups running in lockstep
  // (perf::ServingStepModel::LockstepSeconds); by default the busiest group's StepSeconds.
  virtual double LockstepSeconds(
      const std::vector<perf::ServingStepModel::GroupBatch>& groups) const;
  virtual double KvCapacityTokens() const = 0;  // per attention group
  // What a sequence `tokens` long holds of that room (perf::ServingStepModel::KvHeldTokens).
  virtual double KvHeldTokens(double tokens) const { return tokens; }
  // Whether KvHeldTokens(t) is exactly t for every t, so that the simulator need not ask it (false
  // asks it every time: a stand-in overriding KvHeldTokens keeps this default).
  virtual bool KvHeldIsTokens() const { return false; }
  virtual int MtpDepth() const { return 0; }
  virtual double MtpAcceptance() const { return 0; }
};

class StepModelCost : public StepCost {
 public:
  explicit StepModelCost(perf::ServingStepModel model) : model_(std::move(model)) {}
  double StepSeconds(double decode_seqs, double decode_keys, double prefill_tokens,
                     double prefill_keys) const override {
    return model_.StepSeconds(decode_seqs, decode_keys, prefill_tokens, prefill_keys);
  }
  double LockstepSeconds(
      const std::vector<perf::ServingStepModel::GroupBatch>& groups) const override {
    return model_.LockstepSeconds(groups);
  }
  double KvCapacityTokens() const override { return model_.KvCapacityTokens(); }
  double KvHeldTokens(double tokens) const override { return model_.KvHeldTokens(tokens); }
  bool KvHeldIsTokens() const override { return model_.KvHeldIsTokens(); }
  int MtpDepth() const override { return model_.MtpDepth(); }
  double MtpAcceptance() const override { return model_.MtpAcceptance(); }

 private:
  perf::ServingStepModel model_;
};

// What the engine allows per attention group (perf::EngineLimits resolved; 0: no limit).
struct SchedulerLimits {
  int max_num_seqs = 0;
  double max_batched_tokens = 0;  // per step: chunked prefill fills what decode leaves
  // Prompt tokens per prefill batch (SGLang's max_prefill_tokens; 0: no limit): a waiting prompt
  // joins a step that already carries prompt tokens only if it fits whole in what is left of it;
  // a step's first prompt always goes (chunked by the token budget).
  double max_prefill_tokens = 0;
  // Off: a prompt is computed whole, in a step whose token budget still holds it all (a prompt
  // longer than the whole budget runs when it is the step's first); on: in chunks.
  bool chunked_prefill = true;
  // Decode steps per scheduler call (vLLM's num_scheduler_steps, multi-step scheduling): the
  // scheduler admits waiting requests only at a call, so an arrival waits for the running
  // window of decode steps to end. 1: every step.
  int scheduler_steps = 1;
  // KV slots a decoding sequence reserves at a scheduler call beyond its next token, for the call's
  // later steps (vLLM V0 multi-step: scheduler_steps - 1; perf::LookaheadKvTokens). 0: none.
  int lookahead_kv_tokens = 0;
  int block_tokens = 16;  // KV paging granularity (vLLM's default block size)
  // Admit a request only when KV room for its prompt and whole output is free, counting what the
  // running requests will still grow by: no preemption (TensorRT-LLM's default policy). Off: admit
  // on the prompt and preempt the latest admitted when decode runs out (vLLM).
  bool reserve_output = true;
  // vLLM V1 with its prefix cache on (the default; preemption by recompute, S3730): a request
  // preempted frees its blocks but they keep their hashes in the free queue, evicted last block
  // first once the blocks free before them are taken (single_type_kv_cache_manager.free,
  // block_pool, S3731). Re-admitted, it finds the prefix of its own KV not yet evicted and computes
  // only the rest. Off: a preempted request computes its prompt and output so far again from the
  // first token.
  bool preempted_prefix_cached = false;
  // SGLang's admission and retraction (kv_admission: retract; with reserve_output off). A waiting
  // request is admitted only while its prompt and whole remaining output (at most 4,096 tokens)
  // fit what is free less the share of the running requests' remaining outputs that the scheduler
  // expects them still to need (new_token_ratio: 0.7 at start, down by (0.7 - 0.098) / 600 every
  // decode step to 0.098). When a decode step finds no room, running requests are retracted (the
  // fewest outputs first, the longest prompt first among equals; with MTP drafts the latest
  // admitted, SGLang's batch filter taking them from the back) until the others have room for the
  // step, re-queued behind the waiting ones to be prefilled again, and the ratio is set to the
  // survivors' (decoded + 20 each) / output, so that a retracted request waits until its tokens and
  // that share of the survivors' remaining outputs are free (S3010, S3011, S3012).
  bool retract = false;
  // SGLang's --schedule-conservativeness as the scheduler runs it (under --enable-dp-attention the
  // given value times 0.3): new_token_ratio starts at min(0.7 x it, 1) and decays to 0.14 of that.
  double schedule_conservativeness = 1;
  // SGLang with its radix cache off (--disable-radix-cache; with retract): a waiting request that
  // ignores EOS is admitted by PrefillAdder.add_one_req_ignore_eos instead (S3100). Its prompt must
  // fit what is free and what the estimate above leaves; then, with every running request and it
  // sorted by the tokens each has left to decode (an EOS-ignoring one its whole remaining output,
  // another new_token_ratio of its output less what it decoded), each in turn must find the KV
  // still free when it ends: what is free now less its prompt, plus the tokens of the requests
  // that ended before it, less its tokens left times the requests still running then, above one
  // token each. So a request waits until the running requests' whole outputs leave room for its
  // own, in the order they will end, where the estimate admits on a share of them and retracts.
  bool ignore_eos_admission = false;
  // Attention data parallel: arrivals dealt to the groups in turn (SGLang's DataParallelController
  // round_robin, its default load_balance_method, S3013) instead of to the group with the fewest
  // requests in it.
  bool round_robin_dispatch = false;
  // An iteration that runs prompts runs no decodes: the running requests wait for it (SGLang's
  // Scheduler.get_next_batch_to_run runs a new prefill batch first and apart, S3330; with
  // --enable-mixed-chunk, or vLLM's chunked prefill, the two share the iteration).
  bool prefill_apart = false;
  // A host-memory KV tier (tokens of this group's KV it holds, and how many tokens a second the
  // host link moves): a preempted request's KV is swapped out and back in instead of recomputed
  // while it has room.
  double host_kv_tokens = 0;
  double host_tokens_per_s = 0;
  // Prefix hits from the blocks resident, not from an unbounded cache (requests that name their
  // prefix blocks, ServingRequest::prefix_blocks): a block computed by a request whose prompt is
  // done is cached; while requests use it, it is held once; when none does it stays in HBM, free
  // but hashed, evicted least recently used first as other requests take the room (vLLM's free
  // block queue, SGLang's radix cache), the blocks of a request freed last block first; with a
  // host tier (host_kv_tokens, after the KV swapped out) an evicted block goes there, evicted LRU
  // in turn, and a hit on it is loaded over the host link (swap time). A request admitted takes the
  // leading blocks it finds (in HBM or on the host), never its whole prompt (its last token is
  // computed). A preempted request gives its blocks back to the cache and looks them up again.
  bool bounded_prefix_cache = false;
  // Attention data parallel: this many groups run in lockstep (their MoE layers exchange tokens
  // every layer, so each iteration takes the busiest group's time). The requests are then the
  // whole instance's, each sent on arrival to the group with the fewest requests in it (running
  // and waiting; or in turn: round_robin_dispatch); the result's rates and batch sizes are per
  // group. 1: one group alone.
  int attention_groups = 1;
  // TensorRT-LLM's attention-DP balance (attention_dp_config enable_balance, timeout_iters,
  // batching_wait_iters; PyExecutor._balance_adp_requests): each iteration the groups compare
  // how many prompts (context requests) and decoding sequences (generation requests) they would
  // schedule. While some group has no prompt, or some group's decodes fill max_num_seqs, every
  // group's prompts are held, counting iterations; on the timeout_iters-th they go (the count
  // starts again; it runs whether or not a prompt waits). Once every group has one and room, the
  // prompts are held batching_wait_iters iterations more, then go. Neither holds while a group
  // has nothing decoding. Off with one group.
  bool adp_balance = false;
  int adp_balance_timeout_iters = 0;
  int adp_balance_wait_iters = 0;
};

struct SloTargets {
  std::optional<double> ttft_ms, tpot_ms;  // p99 bounds; per request for goodput
};

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, mean = 0;
};

struct ServingSimResult {
  long requests = 0;
  long requests_completed = 0;
  long preemptions = 0;
  long swaps = 0;         // preemptions whose KV went to the host tier
  double prefix_hit = 0;  // cached / input tokens over all requests (at each one's first admission)
  // What an unbounded cache would give (ServingRequest::cached_tokens), and the share of prompt
  // tokens loaded from the host tier; with bounded_prefix_cache off, prefix_hit.
  double prefix_hit_unbounded = 0;
  double prefix_hit_host = 0;
  long steps = 0;
  Percentiles ttft_ms, tpot_ms, e2e_s;
  double makespan_s = 0;  // first arrival to last completion
  // Of the group: while requests arrive (live traffic), or over the makespan (all at once).
  double output_tokens_per_s = 0;
  double goodput_requests_per_s = 0;    // completed within both SLO targets
  double completed_requests_per_s = 0;  // completed over the makespan, per group
  // Open loop: the output tokens of the requests that arrive in the measured window over its
  // length, per group (0 otherwise); well above output_tokens_per_s, the server does not keep up
  // (its queue grows).
  double offered_output_tokens_per_s = 0;
  double mean_running_seqs = 0;  // time-weighted running batch
  double max_running_seqs = 0;
  double kv_capacity_tokens = 0;
};

// Simulates `requests` (sorted by arrival) on one attention group (or on limits.attention_groups
// groups in lockstep). A request whose prompt and
// output cannot fit the KV cache even alone is an error (it could never finish).
//
// `clients` > 0 is a closed loop (vLLM's and SGLang's benchmark --max-concurrency): that many
// requests are sent at the first arrival, and each completion sends the next one at once, so
// the arrival times given are ignored. The rate is measured from the first completion to the
// last send, while every client has a request in flight.
Result<ServingSimResult> SimulateServing(const StepCost& model, const SchedulerLimits& limits,
                                         const std::vector<ServingRequest>& requests,
                                         const SloTargets& slo, uint64_t seed = 1,
                                         long clients = 0);

struct QpsSearchResult {
  double max_qps = 0;  // per attention group; 0 when even a trickle misses the SLO
  ServingSimResult at_max;
  int simulations = 0;
};

// A rate the server keeps up with serves what it is offered, give or take the Poisson arrivals'
// spread over the run; below this share of it (ServingSimResult::output_tokens_per_s against
// offered_output_tokens_per_s), it does not: its queue grows while requests arrive.
inline constexpr double kSustainedShare = 0.9;

// The highest arrival rate whose p99 TTFT and p99 TPOT meet `slo`, and without a TTFT target
// that the server sustains (kSustainedShare: a rate beyond what the server serves keeps the TPOT
// percentile while its queue, and so every TTFT, grows with the run's length), by
// bisection on the rate with the same requests (common random numbers), each run with
// `spec.requests` requests (or more: WorkloadSpec::min_duration_s). The bisection takes latency to
// grow with the rate (a property test checks it does).
Result<QpsSearchResult> MaxQpsAtSlo(const StepCost& model, const SchedulerLimits& limits,
                                    WorkloadSpec spec, const SloTargets& slo);

// MaxQpsAtSlo under a running-sequence cap the caller estimated (`limits.max_num_seqs`: the
// analytic estimate's launch batch, the largest whose steps meet the targets at its TPOT tail),
// as `suanli infer` runs a server with no engine cap given. The estimate's cap holds a margin the
// simulated steps may not need: a user tuning the engine for the SLO raises max_num_seqs while
// the rate at the SLO still grows. So are the larger caps (x1.5, x2, x3, at most `most`, what the
// KV cache holds), the highest rate kept, the search stopped at the first cap that gains nothing;
// `limits` is left at the cap kept.
Result<QpsSearchResult> MaxQpsAtSloOverCaps(const StepCost& model, SchedulerLimits& limits,
                                            const WorkloadSpec& spec, const SloTargets& slo,
                                            int most);

}  // namespace suanli::sim

#endif  // SUANLI_SIM_SERVING_SERVING_SIM_H_
