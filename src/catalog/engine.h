// A serving engine's documented defaults (data/engines.yaml): what it lets a deployment run at
// once. Each figure is the engine's default, with its source; a request can override any.
#ifndef SUANLI_CATALOG_ENGINE_H_
#define SUANLI_CATALOG_ENGINE_H_

#include <map>
#include <string>
#include <vector>

namespace suanli::catalog {

// A shape of the Triton fused_moe kernel for which an engine release ships no tuned config file
// (vLLM names the file by E, N, device and format: E=160,N=192,device_name=NVIDIA_H200.json), so
// the kernel runs the release's default config: `experts` on a chip (E), an expert's columns on it
// (N: the expert width over the experts' tensor parallelism), the chips (catalog ids) it holds for
// and the experts' format (bf16: the kernel's 16-bit path; fp8: FP8 with one scale per tensor).
struct UntunedMoeConfig {
  int experts = 0;
  int width = 0;
  std::vector<std::string> chips;
  std::string dtype;
};

struct ServingEngine {
  std::string id;
  std::string name;
  std::vector<std::string> aliases;
  int max_num_seqs = 0;           // running sequences per engine instance; 0: no limit
  double max_batched_tokens = 0;  // tokens per scheduler step; 0: no limit
  // The limits above on a small device, where the engine picks smaller defaults by device: a
  // chip with less than small_device_gib of memory, or one whose id holds a name in
  // small_device_chips (vLLM: below 70 GiB or an A100, 256 sequences and 2,048 tokens; S3522).
  // 0 / empty: the limits above on every chip (SmallDevice).
  double small_device_gib = 0;
  std::vector<std::string> small_device_chips;
  int small_device_max_num_seqs = 0;
  double small_device_max_batched_tokens = 0;
  // Prompt tokens per prefill batch (SGLang's max_prefill_tokens): a waiting prompt joins a step
  // that already carries prompt tokens only if it fits whole in what is left; the first prompt of
  // a step always goes (chunked by the token budget). 0: no limit beyond the token budget.
  double max_prefill_tokens = 0;
  double kv_memory_fraction = 0;  // share of HBM for weights + KV cache; 0: not set
  // An engine that computes its memory fraction from the part, the layout and its settings where
  // the user gives none (SGLang's mem_fraction_static = (HBM - reserve) / HBM, the reserve in MiB
  // for activations, CUDA graphs and large parallel sizes: perf::EngineReserveBytes reads the
  // keys), on the chip families listed and parts of more than `above_gib`; elsewhere
  // kv_memory_fraction stands. Empty: none.
  std::map<std::string, double> memory_reserve_mib;
  std::vector<std::string> memory_reserve_families;
  // An engine that sizes its running-request cap from its KV pool where the user gives none
  // (SGLang's, per attention-DP rank: perf::LimitsAt reads the keys): clamp(pool tokens /
  // context x context_requests, min, max), at most pool tokens / tokens_a_request; with
  // speculative decoding the server's cap is `speculative` instead. Empty: none (max_num_seqs).
  std::map<std::string, double> running_requests_default;
  // The fraction is of the memory left free after the weights (TensorRT-LLM's
  // free_gpu_memory_fraction), not of the whole HBM (vLLM, SGLang).
  bool fraction_of_free_memory = false;
  // Admission of new requests (the serving simulator): "reserve" holds KV room for a request's
  // whole output before admitting it (TensorRT-LLM's GUARANTEED_NO_EVICT); "optimistic" admits on
  // the prompt alone and preempts when decode runs out (vLLM); "retract" admits on the prompt and
  // whole output against what the running requests are estimated still to take, and retracts
  // when decode runs out (SGLang: sim::SchedulerLimits::retract).
  std::string kv_admission = "reserve";
  // How the engine pads the running decodes to a grid of compiled batch shapes: "exponential"
  // (vLLM-Gaudi's default bucketing, VLLM_BUCKETING_STRATEGY exp: min 1, step 2, max
  // max_num_seqs, ceil(log2 max_num_seqs) + 1 buckets, perf::ExponentialDecodeBuckets), the
  // decodes of every iteration run as one padded batch of their own, a prompt in the iteration or
  // not. Empty: none (an engine's CUDA graphs, where given, pad decode-only iterations).
  std::string decode_batch_buckets;
  // How arrivals are dealt to attention data parallel ranks: "fewest" (to the rank with the
  // fewest requests) or "round_robin" (in turn: SGLang's DataParallelController default).
  std::string dp_dispatch = "fewest";
  // Tokens in one KV page (block) of the engine's cache: the granularity a sequence's KV is held
  // in (its last page partly filled) and a prefix-cache hit is counted in (whole pages only).
  // vLLM's --block-size (16 on GPUs), SGLang's --page-size (1: its radix cache matches single
  // tokens), TensorRT-LLM's kv_cache_config tokens_per_block (32). Written `kv_block_tokens`.
  int kv_block_tokens = 16;
  // max_num_seqs is the instance's, each attention DP rank running at most its share (SGLang's
  // --max-running-requests divided by --dp-size); false: each rank's own (vLLM's --max-num-seqs).
  bool max_num_seqs_per_instance = false;
  // Under attention data parallel (dp > 1) the engine rewrites two settings before it schedules
  // (SGLang's ServerArgs under --enable-dp-attention): the prompt tokens a step (its
  // --chunked-prefill-size, max_batched_tokens here) are the server's, each rank chunking prompts
  // by its // dp share, with or without a value given; and the admission margin
  // (--schedule-conservativeness) is multiplied by dp_attention_conservativeness (SGLang 0.3), the
  // share of a running request's remaining output its admission reserves starting at 0.7 times it.
  bool max_batched_tokens_per_instance = false;
  double dp_attention_conservativeness = 1;
  bool chunked_prefill = true;  // prompts split across steps by the token budget
  // With chunked prefill off, the step's token budget is the served model's context
  // (max_seq_len) rather than max_batched_tokens: vLLM-Ascend 0.9.1 raises
  // max_num_batched_tokens to max_model_len when chunked prefill is off (vllm_ascend/platform.py).
  bool batched_tokens_at_context = false;
  // In offline mode (every request at once) the engine is run by its own throughput benchmark,
  // which sets the limits a user leaves unset from the workload: TensorRT-LLM's trtllm-bench
  // throughput (perf::TrtllmBenchLimits: max_batch_size and max_num_tokens from the KV room for
  // ISL + OSL, and with chunked prefill off max_num_tokens at least ISL + max_batch_size), where
  // the server's fixed defaults (max_num_seqs, max_batched_tokens above) would run one long prompt
  // at a time.
  bool offline_bench_limits = false;
  // With chunked prefill off, a prompt longer than max_batched_tokens is rejected (TensorRT-LLM's
  // LLM API refuses a request whose prompt exceeds max_num_tokens), not run in a step of its own.
  bool rejects_prompt_over_budget = false;
  // Host time per model layer of an iteration run eagerly, outside CUDA graphs, microseconds;
  // 0: none modelled. An engine that captures graphs only for decode-only iterations
  // (TensorRT-LLM's PyTorch flow) runs every iteration carrying a prompt eagerly, and with
  // attention data parallel all ranks do when any one carries a prompt: the GPU then waits on the
  // host's kernel launches.
  double eager_layer_us = 0;
  // Chip families where the host's own time to launch an eager iteration's kernels one by one is
  // measured, microseconds per layer pass (the model's layers and each MTP draft pass): an
  // iteration carrying a prompt, run eagerly, takes no less than those launches, however little
  // work its GPUs have (a prompt among a few decodes). eager_layer_us is what eager launches add
  // to a GPU-bound iteration; this is the floor of a host-bound one. Written
  // `eager_host_layer_us: {family: us}` in data/engines.yaml.
  std::map<std::string, double> eager_host_layer_us;
  // The same floor where the layout runs attention data parallel (dp > 1) with the MoE backend
  // named, by backend then chip family, in place of eager_host_layer_us: every rank's host
  // launches its own eager layer passes and each MoE layer's exchange waits for the slowest rank.
  // Measured on context-only workers that run every iteration eagerly. Written
  // `adp_eager_host_layer_us: {backend: {family: us}}`; a backend or family not listed: the above.
  std::map<std::string, std::map<std::string, double>> adp_eager_host_layer_us;
  // Host time to launch one model layer's kernels one by one (PyTorch eager, vLLM's
  // --enforce-eager), microseconds; 0: not measured. Launches are asynchronous, so the GPU runs
  // each kernel as it comes: an eager iteration takes the longer of the GPU's work and the
  // launches, which bind on small decode batches only.
  double eager_launch_layer_us = 0;
  // Bytes per logit the engine's start-up memory profile holds at its peak, which the engine keeps
  // out of its KV pool: vLLM's profile_run runs a forward pass of max_num_batched_tokens and then
  // its sampler over max_num_seqs dummy requests, each a vocabulary of FP32 logits with the
  // sampler's copies of them, and sizes the KV cache from what is left after that peak. The
  // reserve is max_num_seqs x vocab x this per chip (every tensor-parallel rank gathers the whole
  // vocabulary), where it exceeds the serving workspace. 0: the workspace alone.
  double profile_logit_bytes = 0;
  // The shortest any iteration of this engine runs, per model layer, microseconds; 0: none
  // modelled. Measured where an engine's step time stays flat as the batch grows (vLLM-Ascend's
  // torchair graph at tp 16: the same ~60 ms a step at 12 and 24 sequences), so a floor, not an
  // added term: it binds small batches and leaves the large ones, whose device work is longer.
  double step_floor_layer_us = 0;
  // The same floor when the decode steps replay one full graph (vLLM's cudagraph_mode
  // FULL_DECODE_ONLY or FULL, which vLLM-Ascend's tutorials set), where the default capture is
  // piecewise with attention launched between the pieces; 0: the mode is not measured on this
  // engine and step_floor_layer_us stands.
  double full_decode_floor_layer_us = 0;
  // Per-token MoE kernels the roofline does not charge, as passes over each decoded token's 16-bit
  // hidden state (a padded CUDA-graph slot included) per MoE layer at the chip's achievable memory
  // bandwidth, on every rank that runs the token's MoE (under attention data parallel, all of
  // them); 0: none modelled. TensorRT-LLM's PyTorch flow runs an MoE layer as a chain of separate
  // per-token kernels (quantize, gather, permute, finalize, reduce-scatter) whose time grows with
  // the batch and the layer's width.
  double decode_token_passes = 0;
  // Chip families (calibration family ids) on which the engine replays captured CUDA graphs for
  // its decode iterations (vLLM V1 and SGLang capture one per batch size). There the family's
  // serving_step_overhead_ms, measured on an engine that launches every iteration from the host
  // (TensorRT-LLM's C++ executor in NVIDIA's MLPerf Blackwell runs), is not charged; the engine's
  // graph_layer_us is instead.
  std::vector<std::string> cuda_graph_families;
  // Time per model layer of a graph-replayed iteration that the roofline does not charge,
  // microseconds: a layer is a chain of a dozen or more dependent kernels (norms, projections,
  // attention, router, top-k, grouped GEMMs, activation, all-reduce), and each one, launched from
  // the graph, waits for the previous to drain and ramps up before it reaches the bandwidth; at
  // small batches these gaps are a large share of the step. 0: none modelled.
  double graph_layer_us = 0;
  // The same, measured on this engine on a chip family, in place of graph_layer_us there (chip
  // family id to microseconds a layer); a family not listed: graph_layer_us.
  std::map<std::string, double> graph_layer_us_by_family;
  // Of graph_layer_us_by_family on a family, the part that is device kernels (norms,
  // quantizations, RoPE, activations beside the GEMMs, their ramps and tails), microseconds a
  // layer on the part it was measured on, and that part's 16-bit tensor rate at the clock it
  // sustained there (TFLOPS, graph_layer_clock_tflops_by_family): on a chip of the family the
  // device part takes (that rate / the chip's at its sustained clock) times as long, the rest
  // (the host's launches and loop) the same. Each family listed in one is listed in the other
  // and in graph_layer_us_by_family, at no more than its time there.
  std::map<std::string, double> graph_layer_clocked_us_by_family;
  std::map<std::string, double> graph_layer_clock_tflops_by_family;
  // Time per MoE layer of every iteration that does not grow with its tokens, microseconds, on top
  // of graph_layer_us: the engine runs an MoE layer as a longer chain of separate kernels (router,
  // top-k, quantize, gather or all-gather, permute, grouped GEMMs, activation, finalize,
  // reduce-scatter), each with its own launch gap, ramp and tail. 0: none modelled.
  double moe_layer_us = 0;
  // Host time per running request of every iteration that the GPU waits for, microseconds: the
  // engine's Python loop between two steps (schedule the running requests, send their inputs to
  // the workers, update each request with its sampled token and check it for a stop), run while
  // the GPU idles unless the engine schedules one step ahead (vLLM's --async-scheduling). Divided
  // over the steps of one scheduler call (vLLM's num_scheduler_steps). 0: none modelled.
  double host_seq_us = 0;
  // Whether the engine schedules a step ahead unless told otherwise (the version's default of
  // vLLM's --async-scheduling: off up to 0.13, on from 0.14), which hides host_seq_us; a request's
  // --async-scheduling / --no-async-scheduling wins.
  bool async_scheduling = true;
  // Decode steps of one scheduler call where the request gives no --scheduler-steps: vLLM V0's
  // --num-scheduler-steps as the entry's users launched it (AMD's ROCm advice, 10). New requests
  // join only at a call, and host_seq_us is spread over the call's steps. 0: a call every step.
  int scheduler_steps = 0;
  // Whether a scheduler call of more than one step reserves KV slots ahead for the steps after the
  // first (vLLM V0's multi-step: num_lookahead_slots = num_scheduler_steps - 1, and each running
  // decode appends that many slots beyond its next token at the call; a prompt none with chunked
  // prefill off). false: a sequence holds only the tokens it has.
  bool multistep_lookahead_kv = false;
  // Whether the release runs block-scaled FP8 experts at tensor parallelism 8 on DeepGEMM's grouped
  // GEMM rather than the Triton fused_moe kernel (vLLM 0.11: DeepGEMM on by default from pull
  // request 24462, the TP 8 exception from pull request 29346 in 0.12). Not priced apart (no time
  // of it at those shapes for the release): the answer says so.
  bool deepgemm_moe_at_tp8 = false;
  // Host time per running request of every iteration that streams each request's new token to its
  // client (detokenize it, build the response object, send it; Python in the engine's front-end
  // process), microseconds. It runs beside the device step, not before it: an iteration takes the
  // longer of the two, so it binds only where many requests run on a short step. Charged in the
  // server mode (streamed responses), not offline. 0: none modelled.
  double stream_host_us = 0;
  // Chip families (calibration family ids) on which the engine's MLA attention kernels run their
  // matmuls in FP8 when the KV cache is FP8: the query is quantized and QK^T and PV run on the FP8
  // tensor cores (FlashMLA's FP8 kernel on Hopper in SGLang; TensorRT-LLM's FP8 MLA). Elsewhere
  // MLA attention runs at the chip's 16-bit rate.
  std::vector<std::string> fp8_mla_families;
  // The engine's KV cache, unless the request names its format, follows the checkpoint: the
  // format it declares (a ModelOpt checkpoint's kv_cache_quant_algo FP8), else the model's data
  // type (its 16-bit activations) whatever the weights' format: `--kv-cache-dtype auto` on vLLM and
  // SGLang, KvCacheConfig dtype `auto` on TensorRT-LLM. A model whose attention kernels take an
  // FP8 cache (DeepSeek Sparse Attention's sparse decode) keeps it. Otherwise (`--engine none`,
  // NVIDIA's MLPerf harness, which quantizes its own checkpoints) a cache in 8 bits under 8-bit or
  // smaller weights.
  bool kv_cache_model_dtype = false;
  // Chip families on which, under kv_cache_model_dtype, a DSA model's cache is 16-bit too (its
  // sparse kernels there take 16-bit queries and keys): SGLang sets DeepSeek NSA's `auto` cache to
  // bfloat16 on Hopper and fp8_e4m3 only from Blackwell on.
  std::vector<std::string> sparse_kv_model_dtype_families;
  // Whether that `auto` cache takes the FP8 format a Model Optimizer checkpoint declares
  // (hf_quant_config.json kv_cache_quant_algo): vLLM from pull request 30785 (first in v0.14) on;
  // before it the cache kept the model's 16-bit type unless --kv-cache-dtype fp8 was given.
  bool checkpoint_kv_dtype = true;
  // Weight formats the engine quantizes a 16-bit checkpoint to as it loads it (vLLM's and SGLang's
  // --quantization fp8: dynamic FP8 from the BF16 release, no calibration, no KV format declared).
  // A narrower format not listed is served from a pre-quantized checkpoint (on an NVIDIA GPU,
  // NVIDIA's Model Optimizer copy, which declares an FP8 cache; app DeclaredKvOf).
  std::vector<std::string> quantize_on_load;
  // Rows per tile of the grouped GEMM that runs the routed experts of an expert-parallel decode
  // step (SGLang with DeepEP's low-latency mode hands DeepGEMM a masked layout: each local expert's
  // tokens padded to whole tiles); 0: the experts' FLOPs follow their tokens.
  int moe_gemm_block_m = 0;
  std::vector<std::string> moe_gemm_families;  // the chip families whose kernels those are
  // Chip families on which the engine's routed experts run as a grouped-GEMM pipeline whose
  // activations pass through memory between its kernels (vLLM's and SGLang's Triton fused_experts,
  // TensorRT-LLM's CUTLASS MoE): each routed copy of a token is read in, its gate/up output written
  // and read back by the activation kernel, its down-projection output (hidden wide, 16-bit, a
  // partial sum under tensor-parallel experts) written and read back by the top-k sum. Elsewhere
  // the experts cost their weights and FLOPs only.
  std::vector<std::string> moe_activation_families;
  // Under expert parallelism without an all-to-all kernel (the experts' tokens replicated or
  // all-gathered on every rank), the engine's MoE kernels keep a buffer row for every routed copy
  // of every token the rank holds, not only the copies bound for its own experts: vLLM's Triton
  // fused_experts with an expert_map sizes its intermediate caches (M, top_k, N) and (M, top_k, K),
  // writes zeros where a copy's expert is elsewhere (write_zeros_to_output), runs the activation
  // over every row and sums all top_k rows (moe_sum). Paid where moe_activation_families lists the
  // chip's family.
  bool moe_ep_all_route_rows = false;
  // Nanoseconds per routed row (one token's copy for one of its top_k experts) that the engine's
  // prompt path spends in its own MoE routing operators on one chip, by chip family: where the
  // experts are tensor-parallel (ep 1) every rank routes all of its group's prompt tokens
  // (vLLM-Ascend's and SGLang's npu_moe_init_routing, npu_moe_compute_expert_tokens and
  // npu_moe_finalize_routing on the Ascend vector cores). A family not listed, expert
  // parallelism, or decode tokens (unless moe_decode_routing): 0.
  std::map<std::string, double> moe_prompt_row_ns;
  // The engine routes decode tokens through the same operators at the same time per row
  // (vLLM-Ascend 0.9.1's AllGather MoE runs one chain for every batch, S3341), every verified
  // draft token and padded graph slot included; false: prompt rows only (SGLang's captured decode
  // graph runs other operators, S3420).
  bool moe_decode_routing = false;
  // An iteration scheduling more tokens than the engine's largest captured piecewise graph runs
  // without a graph, its kernels launched one by one (eager_launch_layer_us a layer): vLLM's
  // default capture sizes end at min(2 x max_num_seqs x (1 + draft tokens), 512, the step's token
  // budget) and its dispatcher replays none above that (S4170), so a chunked-prefill step of
  // 2,048 tokens runs eagerly. Under --cudagraph-mode full_decode_only every iteration with a
  // prompt token does (FULL_DECODE_ONLY is (FULL, NONE): no graph for prefill or mixed batches,
  // S4250). false: the engine's prompt steps are priced otherwise.
  bool eager_above_capture_size = false;
  // The largest captured graph's tokens per allowed sequence: vLLM's default capture sizes end at
  // min(2 x max_num_seqs x (1 + draft tokens), 512) (S4170); vLLM-Ascend v0.13.0 patches that
  // to min(max_num_seqs x (1 + draft tokens), 512) (S4350), 256 tokens at its 256 sequences.
  double capture_tokens_per_seq = 2;
  // The rate, GB/s, at which the engine's GEMMs of the layers' non-expert weights (attention
  // projections, dense MLPs, shared experts) stream those weights at decode-sized batches, per
  // chip family (calibration family id); a family not listed streams them at the memory's
  // achievable bandwidth. Measured where the engine's kernels for these skinny GEMMs launch too
  // few workgroups, or run a fixed-length tile schedule, to reach HBM bandwidth (SGLang's aiter
  // block-scaled FP8 GEMMs on ROCm, which vLLM runs there too): applied to checkpoints released in
  // block-scaled FP8 (DeepSeek's) served in FP8. The GEMMs take the longer of that read and their
  // FLOPs.
  std::map<std::string, double> dense_gemm_gb_s;
  // The rate, GB/s, one SM (streaming multiprocessor) of a chip streams weights at through the
  // engine's GEMMs of decode-sized batches, per chip family (calibration family id), for the
  // layers' non-expert weights (attention projections, dense MLPs, shared experts) and the LM
  // head: bf16_gemm_sm_gb_s where they are served in 16 bits (the engines' torch linear layers on
  // cuBLAS), fp8_gemm_sm_gb_s where in FP8. A chip with a known sm_count (data/chips.yaml) reads
  // them at most at sm_count x this: the kernels keep a fixed number of bytes in flight an SM, so
  // a part with few SMs for its memory (the 78-SM H20 on 4.0 TB/s) reaches only part of it. A
  // family not listed, or a chip without an sm_count: the memory's achievable bandwidth.
  std::map<std::string, double> bf16_gemm_sm_gb_s;
  std::map<std::string, double> fp8_gemm_sm_gb_s;
  // Microseconds a layer, per chip family, that the engine's separate activation-quantization
  // kernels take in every iteration where the layer weights are FP8: each FP8 GEMM of the layer
  // (attention projections, the MLP's or the MoE's two) is preceded by a kernel of its own that
  // casts the activations to FP8 with their scales, a fixed time whatever the tokens at
  // decode-sized batches. A family not listed, or weights in another format: 0. Written
  // `fp8_quant_layer_us: {family: us}` in data/engines.yaml.
  std::map<std::string, double> fp8_quant_layer_us;
  // The rate, GB/s, one SM of a chip reads the KV cache at through the engine's default decode
  // attention kernel for models with per-head keys and values (not MLA's latent, not DSA), per
  // chip family (calibration family id): a chip with a known sm_count reads the decode steps'
  // cached keys and values at most at sm_count x this (FlashAttention-3's paged decode, SGLang's
  // default on Hopper, keeps a fixed number of bytes in flight an SM). A family not listed, or a
  // chip without an sm_count: the memory's achievable bandwidth.
  std::map<std::string, double> decode_kv_sm_gb_s;
  // The checkpoint architectures (Model::hf_architecture) the engine runs that kernel for by
  // default (SGLang's is_fa3_default_architecture); empty: every model. A model whose
  // architecture is not given or not listed reads its KV cache at the memory's rate.
  std::vector<std::string> decode_kv_sm_architectures;
  // Sparse attention (DSA) through FlashMLA's sparse kernels, per chip family (calibration family
  // id): the kernels compute query heads in tiles of this many (Hopper 64, Blackwell 128), so a
  // chip's heads / tp run rounded up to a whole tile, and run every one of the top_k index slots
  // of a query (a fixed-length index list, slots past the context masked, not skipped). A family
  // not listed: the heads a chip holds over the keys a query attends to.
  std::map<std::string, int> sparse_mla_head_tile;
  // DSA prompt batches whose sequences all fit in the indexer's top_k run dense attention (every
  // key attended, the up-projected heads: MLA's prefill form) with no indexer scores, as SGLang's
  // NSA backend does below its 2,048-token threshold (MHA_ONE_SHOT); longer ones run the sparse
  // absorbed kernel. false: every prompt token through the sparse kernel.
  bool dsa_short_prefill_mha = false;
  // The fraction of the chip's attention peak the engine's sparse (DSA) prefill kernel runs a
  // prompt token's attended keys at, per chip family (calibration family id); a family not
  // listed: the family's attention_efficiency.
  std::map<std::string, double> sparse_prefill_efficiency;
  // DSA over an FP8 cache: a rank holding fewer query heads than this runs its prompt tokens
  // through the FP8 sparse decode kernel together with the decode tokens (one mixed batch, heads
  // padded to the decode kernel's 64), not the 16-bit sparse prefill kernel over keys upconverted
  // to 16 bits (vLLM's MIN_HEADS_FOR_BF16_PREFILL, 32). 0: prompt tokens always take the prefill
  // kernel.
  int dsa_fp8_prefill_min_heads = 0;
  // Time per MoE layer of a step that the fused-MoE kernel chain takes beyond the bytes of the
  // experts it reads, microseconds, per chip family (calibration family id); a family not listed:
  // none modelled. The chain (align the tokens by expert, quantize them, the gate/up grouped GEMM,
  // activation and requantize, the down grouped GEMM, sum the top_k outputs) runs as dependent
  // kernels, and under tensor parallel each touched expert's slice is too small for its tiles to
  // reach bandwidth before they drain: measured as the intercept of the fused MoE's time against
  // the expert bytes it reads at the chip's achievable bandwidth.
  // Written `moe_layer_us: {family: us}` in data/engines.yaml (a number: every family, above); a
  // listed family takes its own value instead of the number.
  std::map<std::string, double> moe_layer_us_by_family;
  // The same chain where the routed experts are weight-only 4-bit (int4: 4-bit weights, 16-bit
  // math), per chip family (calibration family id), in place of moe_layer_us for such experts: an
  // engine whose MoE kernel depends on the experts' format (vLLM runs W4A16 experts through
  // Marlin's MoE, five kernels: align, the gate/up GEMM, the activation, the down GEMM, the top-k
  // sum, where its FP4 experts on Blackwell run one fused TensorRT-LLM kernel). A family not
  // listed: moe_layer_us. Written `weight_only_moe_layer_us: {family: us}` in data/engines.yaml.
  std::map<std::string, double> weight_only_moe_layer_us;
  // The MoE backends the engine can be told to run (TensorRT-LLM's moe_config.backend: CUTLASS,
  // TRTLLM, DEEPGEMM, ...), lower case; the first is its default, whose chain is moe_layer_us.
  // Empty: the engine takes no such choice. Written `moe_backends: [cutlass, trtllm, ...]`.
  std::vector<std::string> moe_backends;
  // A backend's own MoE chain where it differs from the default's, microseconds per MoE layer
  // beyond the experts' bytes, by backend and chip family, for steps whose busiest experts
  // receive at most moe_backend_max_expert_rows rows each (the backend's small-batch kernels);
  // above that, or a family not listed: moe_layer_us. Written
  // `moe_backend_layer_us: {backend: {family: us}}`.
  std::map<std::string, std::map<std::string, double>> moe_backend_layer_us;
  // Rows (token copies) an expert receives on average, at most, for moe_backend_layer_us.
  double moe_backend_max_expert_rows = 0;
  // The backends whose moe_backend_layer_us was timed on group-limited routing (DeepSeek's) and
  // is charged only for models routed that way (Model's moe routing_groups); a plain top-k model
  // runs that backend's kernels inside its layers' graph gaps. Written
  // `moe_backend_group_routed: [trtllm]`.
  std::vector<std::string> moe_backend_group_routed;
  // The backend the engine picks when none is named, where it picks by the checkpoint's
  // architecture and the chip (TensorRT-LLM's moe_config.backend AUTO): architecture (config.json's
  // class, Model::hf_architecture) -> chip family -> backend, one of moe_backends. Elsewhere the
  // first of moe_backends. Written `auto_moe_backend: {GptOssForCausalLM: {blackwell: trtllm}}`.
  std::map<std::string, std::map<std::string, std::string>> auto_moe_backend;
  // The backend an engine that takes no backend choice (moe_backends empty) runs FP4 experts
  // through by default, whose small-batch chain (moe_backend_layer_us, moe_backend_group_routed,
  // moe_backend_max_expert_rows) is charged for FP4 experts only: vLLM's NVFP4 MoE oracle picks
  // FlashInfer's TRTLLM-gen MoE first on Blackwell, TensorRT-LLM's TRTLLM backend. Empty: none.
  // Written `fp4_moe_backend: trtllm`.
  std::string fp4_moe_backend;
  // The same where the routed experts are 4-bit with 4-bit math (FP4 on a chip with FP4 math),
  // per chip family, in place of moe_layer_us for such experts: an engine that runs them through
  // one fused kernel (vLLM's FP4 experts on Blackwell, FlashInfer's TensorRT-LLM MoE) has no
  // chain there. A family not listed: moe_layer_us. Written `fp4_moe_layer_us: {family: us}`.
  std::map<std::string, double> fp4_moe_layer_us;
  // The same for decode_token_passes: per chip family, the passes of the engine's MoE op over
  // each decoded token's 16-bit hidden state where the routed experts are 4-bit with 4-bit math,
  // in place of decode_token_passes for such experts (the op's own per-token kernels measured
  // apart from the exchange around it). A family not listed: decode_token_passes. Written
  // `fp4_decode_token_passes: {family: passes}`.
  std::map<std::string, double> fp4_decode_token_passes;
  // Time per MoE layer of an expert-parallel iteration (experts spread over ranks, tokens sent to
  // them by an all-to-all) that the engine's exchange path takes beyond the bytes it moves,
  // microseconds, per chip family (calibration family id); a family not listed, or experts not
  // expert-parallel: none. Read where the step's excess over the modelled device work stays flat
  // with the batch on expert-parallel decode and is absent from the same engine's tensor-parallel
  // MoE (SGLang's DeepEP-Ascend low-latency path on the 910C). Written `ep_moe_layer_us:
  // {family: us}` in data/engines.yaml.
  std::map<std::string, double> ep_moe_layer_us;
  // Beside that, microseconds per decode token a rank sends through the expert-parallel exchange
  // (verified draft tokens and padded graph slots included; a rank: one die of a multi-die chip),
  // per MoE layer, per chip family: the part of the excess that grows with the tokens, read where
  // it is flat with the context and the batch per rank (SGLang's DeepEP and fused-EP decode on the
  // 910C). Written `ep_moe_token_us: {family: us}`.
  std::map<std::string, double> ep_moe_token_us;
  // The fraction of the chip's INT8 peak the engine's W8A8 GEMMs (activations quantized to INT8 on
  // the fly, INT8 matmul, dequantized output) reach, per chip family (calibration family id),
  // where it is measured apart from the family's low_precision_matmul_efficiency (which holds for
  // the chip vendor's own fused INT8 operators); a family not listed takes the family's value.
  std::map<std::string, double> int8_matmul_efficiency;
  // Chip families (calibration family ids) on which the engine runs its routed experts in a 16- or
  // 8-bit format through the Triton fused_moe kernel (vLLM's fused_experts; SGLang's
  // fused_moe_triton, a port of it) when no all-to-all exchanges the experts' tokens (there DeepEP
  // hands them to DeepGEMM's grouped GEMMs, at the family's GEMM rate). The kernel's rate on a
  // listed family is the family's (FamilyCalibration::triton_moe_matmul_efficiency,
  // triton_moe_tile_k_overhead); a family not listed, or 4-bit experts: the family's GEMM rate.
  std::vector<std::string> triton_moe_families;
  // Shapes the engine release ships no tuned fused_moe config for (UntunedMoeConfig): there the
  // kernel on a triton_moe_families family runs its default config, at the family's
  // triton_moe_default_matmul_efficiency in place of triton_moe_matmul_efficiency. Shapes not
  // listed take the tuned rate.
  std::vector<UntunedMoeConfig> untuned_moe_configs;
  // Which default config those shapes run: "two_branch" (vLLM before its pull request 34846 and
  // SGLang: FamilyCalibration::triton_moe_default_matmul_efficiency) or "batch_aware" (vLLM
  // from that pull request: triton_moe_batch_aware_default_matmul_efficiency).
  std::string triton_moe_default_config = "two_branch";
  // Chip families (calibration family ids) whose requests run on this engine when they name none:
  // the engine users deploy there (vLLM on an Ascend NPU is vLLM-Ascend). At most one engine per
  // family; elsewhere a request without --engine has no engine limits (the analytic bound).
  std::vector<std::string> default_families;
  // Chip families with no default engine (default_families) whose requests naming no engine take
  // this entry's KV format and pool (kv_cache_model_dtype, kv_memory_fraction,
  // fraction_of_free_memory) and nothing else of it: no limits, step costs or graphs. The KV rules
  // every engine users run there shares, where the step stays the family's own (Blackwell: the
  // MLPerf harness's host-launched step). At most one engine per family.
  std::vector<std::string> kv_default_families;
  // Chip families the engine runs on at all (TensorRT-LLM: NVIDIA's; MindIE: Ascend's); empty:
  // any. A request naming the engine on another family is refused rather than priced as if it ran.
  std::vector<std::string> runs_on;
  // Under attention data parallel with expert parallel MoE, the ranks' tokens reach the experts by
  // an all-gather of every rank's tokens (in the format the experts take them) and return by a
  // reduce-scatter of the 16-bit outputs (TensorRT-LLM's CutlassFusedMoE without multi-node
  // NVLink), not by an all-to-all of each token's top_k copies; false: the all-to-all.
  bool moe_dp_allgather = false;
  // Chip families where, under attention data parallel with the expert group inside one NVLink
  // domain, the ranks' tokens reach the experts by the engine's one-sided NVLink all-to-all
  // instead (TensorRT-LLM's NVLinkOneSided, its default there from 1.2): each token written once
  // to each rank holding one of its experts (at most perf::MaxRanksPerToken of them), quantized as
  // the experts take it, and each rank's MoE runs over the tokens it received; the outputs read
  // back in 16 bits. The value: the pair of kernels' fixed time per MoE layer beyond the bytes,
  // microseconds. Not on a chip without NVLink (a PCIe card). Written `one_sided_moe_layer_us:
  // {family: us}` in data/engines.yaml; it overrides moe_dp_allgather on the families listed.
  std::map<std::string, double> one_sided_moe_layer_us;
  // Under attention data parallel with the gather exchange, an iteration that carries prompt
  // tokens gathers every rank's tokens by an all-reduce of a zeroed buffer of all of them and
  // all-reduces the MoE output before each rank copies its rows back (SGLang's DpPaddingMode
  // SUM_LEN for a batch with an extend in it, S3600); decode-only iterations all-gather and
  // reduce-scatter.
  bool dp_prefill_gather_all_reduce = false;
  // Under attention data parallel with the expert group inside one HGX board, the exchange every
  // engine runs there by default (all-gather and reduce-scatter, as with no engine named); across
  // boards the all-to-all. cuda-graphs, which stands for whichever engine is deployed.
  bool in_node_moe_allgather = false;
  // A prefill batch runs as an iteration of its own, the running decodes waiting for it (SGLang's
  // scheduler runs a new prefill batch first and the decode batch only when there is none; the
  // two are one forward pass only with --enable-mixed-chunk); false: prompt chunks and decodes
  // share an iteration (vLLM's chunked prefill).
  bool prefill_apart = false;
  // Attention data parallel makes every GPU of the instance its own attention group (TensorRT-LLM's
  // Mapping: dp_size = tp_size under enable_attention_dp, the attention at TP 1): no layout with
  // tp > 1 and dp > 1 runs on it.
  bool attention_dp_per_gpu = false;
  // A mixture-of-experts model runs with its experts split by tensor parallelism only while the
  // engine replays its graphs (vLLM-Ascend 0.9.1: 'Aclgraph mode only work with tensor parallel.
  // DP/EP doesn't work in this release', S3340): no layout with ep > 1 or dp > 1 unless it runs
  // eagerly (--enforce-eager).
  bool moe_tp_only_in_graph = false;
  // Expert parallelism is the engine's opt-in, its MoE layers tensor-parallel unless asked (vLLM's
  // --enable-expert-parallel, off by default): the layout search for a request naming the engine
  // tries ep > 1 only when --ep is given, as the engine runs when started without the flag.
  bool expert_parallel_opt_in = false;
  std::string version;  // the release the defaults were read from
  std::vector<std::string> sources;
  std::string notes;
};

}  // namespace suanli::catalog

#endif  // SUANLI_CATALOG_ENGINE_H_
