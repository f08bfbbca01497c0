// One typed request per command, with its defaults; what every front door builds.
//
// Field names are the CLI's long flags in snake_case (`global_batch_tokens` is
// `--global-batch-tokens`) and the keys of HTTP request bodies. Numbers take the amount
// syntax of app/amount.h ("16M", "15T", "4Mi"). Validation happens when a request runs
// (Engine in app/engine.h), with errors naming the field.
#ifndef SUANLI_APP_REQUESTS_H_
#define SUANLI_APP_REQUESTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/fields.h"

namespace suanli::app {

struct CatalogRequest {
  std::string what;  // chips, systems or models
  std::string name;  // empty: every entry; else the one it names, or those whose names hold it
};

struct TrainRequest {
  std::string model, chip, system;
  // Unset: not given (torchrun's --nnodes x --nproc_per_node may give it); given, at least 1.
  std::optional<int64_t> count;
  // torchrun's --nnodes (N, or MIN:MAX) and --nproc_per_node: the job's chips when --count is
  // not given, else a check against it.
  std::string torchrun_nnodes, torchrun_nproc_per_node;
  double tokens = 0;
  std::optional<int> seq_len;  // unset: its pre-training length, else context up to 8192
  std::optional<double> global_batch_tokens;
  std::optional<int64_t> global_batch_size;  // sequences (Megatron's --global-batch-size)
  std::string dtype;  // matmul format; empty: the recipe's, else perf::TrainingJobFor's (bf16, fp16
                      // or fp8 by chip)
  std::string precision;  // a recipe (perf/precision.h); empty: the one --dtype means
  // Each tensor's format, overriding the recipe's (fp32, bf16, fp16, fp8, none).
  std::string param_dtype, grad_dtype, grad_reduce_dtype, main_param_dtype, optimizer_dtype,
      activation_dtype;
  std::optional<int> tp, pp, dp, ep, cp, zero, micro_batch, interleave;
  std::string recompute, schedule, attention;  // attention empty: flash, or the stack's
  // Software (data/stacks.yaml): a stack preset, and each of its knobs on its own.
  std::string stack;
  std::string dp_overlap, tp_comm_overlap, mtp, uneven_stages;  // on or off
  // on or off: Megatron-Core's expert all-to-all overlap (Combined 1F1B); empty: searched where
  // the stack has it.
  std::string ep_a2a_overlap;
  // on or off: the MoE router's logits replaced by random ones (Megatron's
  // --moe-router-force-load-balancing, a benchmark setting); empty: off.
  std::string moe_force_load_balancing;
  // Megatron's --recompute-modules names (its space-separated list, or comma-separated).
  std::vector<std::string> recompute_modules;
  std::optional<int> offload_layers;  // layers per stage whose activations go to host memory
  bool no_sequence_parallel = false;
  std::optional<double> power_cap_w;
  std::string emit;  // a stack to print the launch flags for (megatron, mindspeed, torchtitan)
  // Launch flags as Megatron-LM (and MindSpeed, which takes its flags) and DeepSpeed spell them,
  // so a launch command (or this tool's --emit) pasted after `suanli train` means the run it
  // launches; the request layer turns them into the fields above before anything reads them.
  bool sequence_parallel = false;           // SP on wherever tp > 1 (the default)
  bool use_distributed_optimizer = false;   // optimizer state sharded: ZeRO-1
  bool bf16 = false, fp16 = false;          // the GEMMs' 16-bit format
  std::string fp8_format;                   // e4m3 or hybrid: FP8 GEMMs
  std::string fp8_recipe;                   // delayed, tensorwise, mxfp8, blockwise
  bool fp8_param_gather = false;            // FP8 weights (param_dtype fp8)
  std::optional<int> fp8_amax_history_len;  // delayed scaling's details: no effect
  std::string fp8_amax_compute_algo;
  bool recompute_activations = false;  // Megatron's old name for selective recomputation
  std::string recompute_method;        // uniform or block, with full recomputation
  std::optional<int> recompute_num_layers;
  bool cross_entropy_loss_fusion = false;  // Megatron's fused loss: native, or TE's with the impl
  std::string cross_entropy_fusion_impl;   // native or te
  std::optional<int> num_layers_per_virtual_pipeline_stage;  // interleave = layers / (pp x this)
  std::optional<int> expert_tensor_parallel_size;            // 1 (whole experts) or --tp
  // Megatron-Core's split of the layers over the pipeline's stages: its layout string
  // ("Et|(tt|)*30mL"), or the first and last stages' decoder layers with the rest even.
  std::string pipeline_model_parallel_layout;
  std::optional<int> decoder_first_pipeline_num_layers, decoder_last_pipeline_num_layers;
  bool overlap_grad_reduce = false, overlap_param_gather = false;  // dp_overlap on
  bool use_flash_attn = false;                                     // attention flash
  bool grad_reduce_in_bf16 = false;                                // grad_reduce_dtype bf16
  std::optional<int> gradient_accumulation_steps;  // DeepSpeed: micro-batches per step
  bool use_precision_aware_optimizer = false;      // the *_dtype fields say what it keeps
  bool cpu_offloading = false;                     // with offload_layers
  bool moe_grouped_gemm = false;                   // the routed experts' GEMMs grouped: as modelled
  std::string moe_token_dispatcher_type;  // alltoall or flex as modelled; allgather with ep 1
  std::string attention_backend;  // Megatron's: flash, fused, auto, cudnn (flash); unfused, local
  // Megatron-FSDP: parameters, gradients and optimizer state sharded as the strategy says
  // (no_shard, optim, optim_grads, optim_grads_params: ZeRO 0-3; default optim_grads_params).
  bool use_megatron_fsdp = false;
  std::string data_parallel_sharding_strategy;
  // Megatron's model-shape flags (what --emit megatron prints): checks against the catalog
  // model, an error naming the flag where they differ; the estimate is of the catalog model.
  std::optional<int> num_layers, hidden_size, num_attention_heads, num_query_groups,
      ffn_hidden_size, kv_channels, max_position_embeddings, num_experts, moe_router_topk,
      moe_ffn_hidden_size, moe_shared_expert_intermediate_size, q_lora_rank, kv_lora_rank,
      qk_head_dim, qk_pos_emb_head_dim, v_head_dim, mtp_num_layers;
  // Megatron's --vocab-size: not checked against a named model (Megatron pads it), but where the
  // line names no model it parts catalog models of one shape (Llama 3 8B 128,256, Mistral 7B
  // v0.3 32,768).
  std::optional<int> vocab_size;
  bool group_query_attention = false, multi_latent_attention = false, swiglu = false,
       untie_embeddings_and_output_weights = false;
  std::string moe_layer_freq;                // 1, k (every k-th layer) or "([0]*3+[1]*58)"
  std::optional<int> first_k_dense_replace;  // MindSpeed-LLM's: the first k layers dense
  // MindSpeed-LLM's --noop-layers: identity layers (comma-separated numbers) padding num_layers to
  // a multiple of the pipeline's stages; the model's layers are num_layers less these.
  std::string noop_layers;
  // The program a pasted training line runs (the CLI sets it from `python3 -m MODULE`,
  // `llamafactory-cli train` and `trl sft`): torchtitan.train, llamafactory-cli and "trl sft"
  // are read; an RL trainer (veRL, OpenRLHF, TRL's grpo / rloo / ppo) is refused, as the model
  // has no rollout.
  std::string launched_by;
  // The fine-tuning method (LLaMA-Factory's finetuning_type): full (every weight trained), lora
  // (frozen base, rank-r adapters) or qlora (lora on a 4-bit base); freeze and oft are refused.
  // Unset: full, or lora when a LoRA field is given or the line is LLaMA-Factory's (its default).
  std::string finetuning_type;
  std::optional<int> lora_rank;  // default 8 (LLaMA-Factory's and PEFT's)
  // The modules adapted: Hugging Face names (q_proj, ..., down_proj), Megatron's (linear_qkv,
  // linear_proj, linear_fc1, linear_fc2) or all; unset: all (LLaMA-Factory's lora_target).
  std::vector<std::string> lora_target;
  std::optional<int> quantization_bit;  // a quantized frozen base: 4 (QLoRA's NF4) or 8
  // LLaMA-Factory's training YAML (`llamafactory-cli train FILE.yaml`): its keys as fields.
  std::string llamafactory_config;
  std::vector<std::string> llamafactory_override;  // its KEY=VALUE arguments after the file
  // LLaMA-Factory checkpoints every layer unless this is set (its model_args.py).
  bool disable_gradient_checkpointing = false;
  // Not a field: the Trainer's --gradient_checkpointing given as False (TRL's SFT line, whose
  // SFTConfig checkpoints by default, S4660, then recomputes nothing).
  bool gradient_checkpointing_off = false;
  // The run's length as Megatron gives it: samples of seq_len tokens, or optimizer steps of the
  // global batch; the tokens are that (tokens given too must agree).
  std::optional<int64_t> train_samples, train_iters;
  // --max-steps, the Hugging Face Trainer's, torchtitan's (--training.steps) and NeMo's
  // (trainer.max_steps) spelling of train_iters: not a Megatron-only flag, so it marks no line
  // as Megatron's.
  std::optional<int64_t> max_steps;
  // Not a field: the first flag given that only Megatron-LM (and MindSpeed, which takes its
  // flags) has, set by those fields. Such a request is a pasted Megatron launch line, and what
  // the line leaves out is Megatron's default, not the search's choice.
  std::string megatron_flag;
  // torchtitan's job config (its TOML file and its --section.key flags): turned into the
  // fields above, as the launch flags are.
  std::string job_config_file;  // --job.config_file x.toml
  // The environment a pasted launch line sets (NAME=VALUE) and, as the word run_train.sh,
  // torchtitan's launcher script: its CONFIG_FILE, MODULE, CONFIG and NGPU are the job config
  // and the chips (internal::ReadTrainEnvironment); other variables are accepted.
  std::vector<std::string> env;
  // DeepSpeed's JSON config (--deepspeed_config ds_config.json): its batch sizes, ZeRO stage,
  // 16-bit format and overlap read into the fields above (internal::ReadDeepSpeedConfig).
  std::string deepspeed_config;
  // The Hugging Face Trainer's --fsdp (TrainingArguments, S4553): space-separated options,
  // full_shard (ZeRO 3), shard_grad_op (ZeRO 2), hybrid_shard / hybrid_shard_zero2 (the same
  // within a node), no_shard (DDP), auto_wrap; offload (parameters on the host) is refused.
  std::string fsdp;
  // The script a pasted launch line runs (torchrun's or python's pretrain_gpt.py, as the CLI
  // passes it): Megatron-Bridge's example recipe scripts and performance launcher are named
  // in a refusal that says what the line leaves unread; other scripts are accepted.
  std::string script;
  // Not a field: the first flag given that only the Hugging Face Trainer has (TrainingArguments:
  // --output_dir, --num_train_epochs, --per_device_train_batch_size, --fsdp, ...). Such a line
  // without a DeepSpeed config runs the Trainer's own data parallelism: PyTorch DDP, or FSDP as
  // --fsdp says (internal::WithTrainerDefaults), not a searched ZeRO stage.
  std::string trainer_flag;
  // Not a field: --deepspeed given (Megatron-DeepSpeed's switch or the Trainer's config file),
  // and Accelerate's --config_file given and not read (its distributed type may be any).
  bool deepspeed_named = false;
  bool accelerate_config = false;
  // Its value as given: a file, or one of TRL's named configs (`trl sft --accelerate_config
  // zero2`, S4710), named as not read in the answer's defaults.
  std::string accelerate_config_name;
  // Not a field: what Engine::Train read from that config (internal::ReadAccelerateConfig), for
  // the answer's defaults; empty when it was not read (the file not at hand: why, below).
  std::string accelerate_config_read, accelerate_config_unread;
  // Hugging Face Accelerate's `accelerate launch --num_processes N` (every machine's processes,
  // one a GPU): the job's chips where --count is not given, a check where it is.
  std::string accelerate_num_processes;
  // NeMo's Hydra overrides as its launch lines give them (trainer.max_steps=1000,
  // model.tensor_model_parallel_size=4): each KEY=VALUE, read into the fields above where the
  // key is one the estimate prices (Engine::Train); the rest are listed as not read.
  std::vector<std::string> overrides;
  // NeMo 2's recipe (`nemo llm pretrain --factory llama3_8b`, or "llama3_70b(num_nodes=8)"): its
  // parallel sizes, batch, sequence, steps and chips, under the overrides given with it.
  std::string nemo_factory;
  std::optional<int> titan_dp_shard, titan_dp_replicate, titan_local_batch_size,
      titan_pp_microbatch_size, titan_pp_layers_per_stage;
  std::optional<int64_t> titan_steps;
  // Not a field: titan_steps came from a config (a TOML file, a registered config), not a flag:
  // its default run length, which a --tokens given replaces (torchtitan's flags override its
  // file).
  bool titan_steps_from_config = false;
  std::string titan_pp_schedule, titan_flavor, titan_model_name, titan_converters,
      titan_mixed_precision_param, titan_mixed_precision_reduce, titan_ac_mode, titan_float8_recipe,
      titan_sac_option;
  std::optional<bool> titan_fp8_all_gather;
  // Not a field: the torchtitan registered config named (--config llama3_8b), whose model a line
  // without --model trains (internal::ModelOfLaunch).
  std::string titan_config;
  // Megatron's --tokenizer-model (with HuggingFaceTokenizer) and MindSpeed-LLM's
  // --tokenizer-name-or-path: the model's Hugging Face repository or folder, which a line
  // without --model trains where the catalog knows it (internal::ModelOfLaunch).
  std::string tokenizer_model;
  // Not a field: torchtitan's selective_ac_option N > 1 read (WithJobConfig), every Nth layer
  // recomputed whole (perf::ParallelLayout::recompute_every).
  std::optional<int> titan_ac_every;
  // Not a field: the DeepSpeed config's key that puts the optimizer on the host CPU
  // (zero_optimization.offload_optimizer with device cpu, or the older cpu_offload: true), read
  // by ReadDeepSpeedConfig, which lists it as not read; priced, and taken off that list, where
  // the system's host memory bandwidth is known (perf::SoftwareKnobs::offload_optimizer).
  std::string deepspeed_offload_optimizer;
  // Not a field: the fields the front door was given under an alias, as typed (SetAsTyped), for
  // errors that name them (`--block_size x` is an error of --block_size, not of --seq-len).
  TypedNames typed_as;
};

struct InferRequest {
  std::string model;
  std::vector<std::string> chip;  // several with compare
  bool compare = false;
  std::optional<int64_t> count;  // unset: no limit, every instance size is considered
  std::string system;
  double input_tokens = 1024, output_tokens = 256, prefix_cache_hit = 0;
  // offline, server, interactive: the analytic model, then the request-level simulator;
  // analytic: the steady-state model alone.
  // Weights' format; empty: the checkpoint's (the model's release, or the name's "-FP8").
  std::string dtype, kv_dtype, mode = "server";
  // The steady-state model alone, in the mode's scenario: offline (no latency targets, no
  // streamed responses), server or interactive (MLPerf's targets for the mode unless given).
  // mode analytic is the server's.
  bool analytic = false;
  std::string expert_dtype, attention_dtype;  // per-part formats; empty: dtype
  std::optional<double> tpot_ms, ttft_ms, demand_tokens_per_s, chip_hour_usd, power_cap_w;
  std::optional<int> tp, ep, dp, pp;
  std::string emit;  // an engine to print the serve command for (vllm, sglang, trtllm)
  bool disaggregate = false;
  // The serving engine whose limits bound the batch (catalog engines), and overrides of them.
  std::string engine;
  // Running sequences: max_num_seqs as the engine's own flag counts them (vLLM's --max-num-seqs
  // and TensorRT-LLM's max_batch_size each attention-DP rank's, SGLang's the server's, dealt
  // over its ranks: catalog::ServingEngine::max_num_seqs_per_instance); max_num_seqs_per_rank
  // each attention-DP rank's whatever the engine and whatever layout the search picks. At most
  // one of them (and of SGLang's max_running_requests).
  std::optional<int> max_num_seqs;
  std::optional<int> max_num_seqs_per_rank;
  std::optional<double> max_batched_tokens, kv_memory_fraction;
  // SGLang's --chunked-prefill-size as given: a chunk's tokens (max_batched_tokens), or 0 or
  // below, whole prompts (its scheduler reads <= 0 as chunking off, -1 in its docs; S3860).
  std::optional<double> chunked_prefill_size;
  // SGLang's --max-prefill-tokens: prompt tokens per prefill batch (default: the engine's).
  std::optional<double> max_prefill_tokens;
  // SGLang's --schedule-conservativeness: the retract admission's margin (default 1), as given;
  // the engine applies its attention-DP factor (catalog::ServingEngine).
  std::optional<double> schedule_conservativeness;
  // SGLang's --cuda-graph-max-bs: steps with a larger running batch run eagerly.
  std::optional<int> cuda_graph_max_bs;
  // vLLM's and SGLang's --stream-interval: a request's tokens are sent every N steps (default 1).
  std::optional<int> stream_interval;
  // TensorRT-LLM's KvCacheConfig free_gpu_memory_fraction: a share of what the weights (and
  // activations) leave, not of HBM; excludes kv_memory_fraction.
  std::optional<double> kv_free_memory_fraction;
  bool no_chunked_prefill = false;     // the simulator computes each prompt whole
  std::optional<int> scheduler_steps;  // decode steps per scheduler call (vLLM multi-step)
  std::string cuda_graph_batch_sizes;  // "128,256,...": decode batches padded to these sizes
  bool enforce_eager = false;          // no CUDA graphs: every step launched from the host
  // NVIDIA's MLPerf TensorRT-LLM harness (no engine, or --engine none) with CUDA graphs on: its
  // configs' use_graphs True (the Llama 3.1 8B ones); the part's graphs-on step is charged.
  bool use_graphs = false;
  // vLLM's compilation_config cudagraph_mode (given alone or inside --compilation-config's JSON):
  // none, piecewise, full, full_decode_only or full_and_piecewise; read into enforce_eager (none)
  // and full_decode_graph (full, full_decode_only).
  std::string cudagraph_mode;
  std::string compilation_config;  // vLLM: {"cudagraph_mode": "FULL_DECODE_ONLY", ...} as JSON
  bool full_decode_graph = false;  // decode steps replay one full graph (from cudagraph_mode)
  // vLLM's --async-scheduling (the default since 0.14: the engine schedules a step ahead and the
  // GPU does not wait for its host loop) and --no-async-scheduling (the host loop between steps
  // runs while the GPU waits: the default up to 0.13); neither: the engine entry's
  // default (data/engines.yaml async_scheduling).
  bool async_scheduling = false;
  bool no_async_scheduling = false;
  // How the simulated engine admits a request against its KV cache: reserve (room for the whole
  // output first, never preempts) or optimistic (room for the prompt, preempts when decode runs
  // out); empty: the engine's (data/engines.yaml kv_admission).
  std::string kv_admission;
  // TensorRT-LLM's attention-DP balance: iterations prompts wait for every group to have one,
  // then iterations more to even the counts (attention_dp_config timeout_iters,
  // batching_wait_iters); either given turns it on, the other is then 0.
  std::optional<int> adp_balance_timeout_iters, adp_balance_wait_iters;
  // Multi-token prediction: draft tokens per step and their acceptance (default: the model's).
  int mtp = 0;
  std::optional<double> mtp_acceptance;
  std::string draft_model;  // speculative decoding with a separate draft model
  // The simulator's workload: one rate (qps for duration_s), else the highest rate at the SLO;
  // lengths spread around input/output_tokens, or a request trace file.
  std::optional<double> qps, duration_s;
  // The serving benchmarks' --request-rate (vllm bench serve, sglang.bench_serving): qps, or
  // infinity (their default, every prompt sent at once): ResolveFrameworkFlags makes it qps, or
  // the offline mode without --concurrency.
  std::optional<double> request_rate;
  // A closed loop: this many requests in flight per instance, each completion sending the next
  // (vLLM's and SGLang's benchmark --max-concurrency); it also bounds the batch.
  std::optional<int64_t> concurrency;
  std::optional<int64_t> requests;
  // output_dist empty: the model's measured spread where the catalog has one (a reasoning
  // model's output_lengths), else fixed.
  std::string requests_trace, input_dist = "fixed", output_dist, arrivals = "poisson";
  // The size of a Mooncake request trace's blocks (hash_ids), 512 when not given.
  std::optional<int64_t> trace_block_size;
  // Tokens in one KV page (vLLM's --block-size, SGLang's --page-size); unset: the engine's.
  std::optional<int64_t> block_size;
  // A request trace's prefix cache: "lru" (the default: its blocks hit while resident, evicted
  // least recently used) or "unbounded" (every block any earlier request carried hits, as
  // Mooncake's own analyzer counts them).
  std::string prefix_cache;
  double burstiness = 1;
  // A host-memory KV tier per chip and its link (swap instead of recompute on preemption).
  std::optional<double> kv_host_gib;
  double host_link_gb_s = 50;
  // The simulated workload's seed (--workload-seed): a serve command's --seed is the engine's
  // sampling seed, accepted and listed as not modelled.
  uint64_t workload_seed = 1;
  // The requests stop at an end-of-sequence token (sglang.bench_serving --disable-ignore-eos).
  // By default each asks for exactly its output tokens, as that benchmark sends them (ignore_eos,
  // sim::ServingRequest::ignore_eos).
  bool disable_ignore_eos = false;
  bool timing = false;  // sim_wall_s in the output (off: same inputs, same bytes)
  // Launch flags as the engines spell them, so a serve command (or this tool's --emit) pasted
  // back means the deployment it launches; ResolveFrameworkFlags turns them into the fields
  // above before anything else reads the request.
  std::optional<int> tp_size;        // SGLang --tp-size, trtllm-serve --tp_size: GPUs per stage
  std::optional<int> dp_size;        // SGLang --dp-size: attention groups with enable_dp_attention
  bool enable_dp_attention = false;  // SGLang: dp_size attention groups over tp_size GPUs
  bool enable_attention_dp = false;  // TensorRT-LLM: each of tp_size GPUs its own group
  bool enable_expert_parallel = false;  // vLLM: experts spread over tp x dp GPUs
  bool enable_chunked_prefill = false;
  bool enable_mixed_chunk = false;  // SGLang: prompt chunks share the decodes' iteration
  std::optional<int64_t> max_running_requests;  // SGLang: server-wide, over the groups
  std::optional<double> max_model_len;          // longest prompt + output the engine admits
  std::string quantization;                     // vLLM/SGLang --quantization: the weights'
  std::string speculative_config;               // vLLM: {"method": "mtp", ...} as JSON
  std::string speculative_algorithm;            // SGLang: EAGLE, EAGLE3, NEXTN, MTP
  std::optional<int> speculative_num_steps, speculative_num_draft_tokens, speculative_eagle_topk;
  // SGLang: the EAGLE head's checkpoint; a head of about one layer, as the model's own MTP.
  std::string speculative_draft_model_path;
  std::string extra_llm_api_options;  // trtllm-serve's YAML file of LLM API options
  std::string backend;                // trtllm-serve's: pytorch or tensorrt
  // SGLang --disable-radix-cache, vLLM --no-enable-prefix-caching: no prompt is served from a
  // cache (a trace's cached_tokens and prefix ids are not reused).
  bool no_prefix_cache = false;
  // SGLang --moe-a2a-backend, vLLM --all2all-backend: the attention-DP expert exchange. The
  // all-gather defaults (none, allgather_reducescatter) change nothing; an all-to-all backend
  // (deepep, pplx, ...) is priced as one inside a node too.
  std::string moe_a2a_backend;
  // TensorRT-LLM's moe_config.backend (CUTLASS, TRTLLM, DEEPGEMM, ...; --moe-backend, or the
  // extra_llm_api_options file's): the MoE kernel chain the engine runs. Empty: its default.
  std::string moe_backend;
  // The program a pasted command runs (the CLI reads it from the command's first words: `vllm
  // serve`, `python3 -m sglang.launch_server`, `trtllm-serve`, `vllm bench serve`, `python3 -m
  // sglang.bench_serving`): vllm, sglang, trtllm (servers: their layout defaults fill what the
  // command leaves out), vllm-bench, sglang-bench (their --random-range-ratio reading). Empty:
  // typed flags, the layout searched.
  std::string launched_by;
  // The benchmarks' --random-range-ratio: the lengths' spread as the benchmark draws them
  // (vLLM's [L(1-r), L(1+r)], SGLang's [rL, L]); ResolveFrameworkFlags turns it into
  // input_dist / output_dist.
  std::optional<double> random_range_ratio;
  // vLLM's benchmark --random-prefix-len: a prefix of this many tokens, drawn once and put before
  // every prompt (vllm/benchmarks/datasets/random.py, S3360); ResolveFrameworkFlags adds it to
  // the prompts and serves it from the prefix cache.
  std::optional<double> random_prefix_len;
  // The serving benchmarks' --dataset-name as given (empty: not given; a pasted
  // sglang.bench_serving then ran its default, ShareGPT).
  std::string dataset_name;
  // trtllm-bench's --dataset: its JSON Lines file (internal::ReadBenchDataset reads the mean
  // lengths); under a vLLM or SGLang benchmark, the old --dataset of their ShareGPT file.
  std::string dataset;
  // The serving benchmarks' --dataset-path (vllm bench serve / throughput, sglang.bench_serving):
  // their dataset file, whose lengths are not read here; under `vllm bench throughput` it makes
  // the dataset ShareGPT (its default name) instead of random prompts.
  std::string dataset_path;
  // `vllm bench latency` and sglang.bench_one_batch's --batch-size: the one batch of requests
  // they run at once (their defaults 8 and 1, S3571, S3573).
  std::optional<int> batch_size;
  // Not fields: whether the prompt / output lengths were given (under any of their names). What a
  // pasted benchmark leaves out is that benchmark's default length, not this tool's.
  bool input_tokens_given = false, output_tokens_given = false;
  // Not a field: the launcher's defaults ResolveFrameworkFlags filled in ("vLLM's defaults for
  // what the command leaves out: tp 1, pp 1"), named in an error the layout then gives.
  std::string launcher_defaults;
  // Not a field: what ResolveFrameworkFlags took for what a pasted command leaves out and the
  // model cannot read from it, said with the answer (report::InferenceReport::assumptions).
  std::vector<std::string> assumptions;
  // Tuning flags a recipe carries that the estimate does not price (--async-scheduling,
  // --enable-torch-compile, ...), as given: reported with the answer, never silently dropped.
  std::vector<std::string> flags_not_modelled;
  // Not a field: the fields the front door set (their names, not aliases), so that a file of
  // flags (vLLM's --config) fills only what the command line left out.
  std::vector<std::string> fields_given;
  // Not a field: the fields the front door was given under an alias, as typed (SetAsTyped).
  TypedNames typed_as;
};

// Adds a flag to r.flags_not_modelled, which stays sorted and without repeats (the front doors
// apply fields in their own orders; the answer reads the same).
void ListNotModelled(InferRequest& r, const std::string& flag);

struct ForecastRequest {
  std::string scenario = "china-2026";  // a built-in name or a YAML file
  std::string scenario_yaml;            // inline scenario text; wins over `scenario`
  bool list = false;
  int samples = 1000;
  uint64_t seed = 1;
  bool no_sensitivity = false, no_purchase_advice = false;
  bool no_model_error = false;  // supply uncertainty alone
  // A what-if side by side: a second scenario (name or file), and/or settings applied to it
  // ("events.b30a-licensed.probability=1"; to the first scenario when there is no second).
  std::string compare;
  std::vector<std::string> set;
  std::string csv, report;  // local outputs (CLI only)
};

struct LocalizeRequest {
  std::string sector = "automotive";
  double target = 1.0;
  int by = 2027, until = 2030;
  int samples = 10000;
  uint64_t seed = 1;
};

struct ReplayRequest {
  std::string trace, format, nodes, cluster, throughputs, profiles, report;
  std::vector<std::string> kube;  // or the cluster from Kubernetes objects
  std::vector<std::string> policy = {"fifo"};
  double round_s = 0;
  std::optional<uint64_t> seed;  // default 0, or 42 with fill (FGD's runs)
  std::optional<double> fill;    // FGD's fill experiment when given
  int repeat = 1;
  bool timing = false;  // wall-clock seconds per policy (sim_wall_s); off: same inputs, same bytes
  // Not a field: the front door's names for the fields messages name (FlagAsTyped: "--fill" on
  // the command line, "fill" over HTTP).
  TypedNames typed_as;
};

struct SynthRequest {
  std::string from, format, throughputs, profiles, output;
  int64_t jobs = 0;
  uint64_t seed = 1;
  double rate_scale = 1;
};

// Cluster state from Kubernetes objects (`kubectl get nodes,pods -o json`, Kueue, DRA).
struct ClusterImportRequest {
  std::vector<std::string> files;  // JSON files (CLI)
  std::string kube_json;           // the objects inline (HTTP)
};

// Simulate before submit: one job on the cluster as it is now.
struct SimulateRequest {
  std::string model;  // with tokens: durations from the training model
  double tokens = 0;
  std::string dtype = "bf16";
  int gpus = 8;
  std::vector<std::string> durations;  // or "type:hours" per type
  std::string cluster;                 // a spec (type:count[:per_node],...), or:
  std::vector<std::string> kube;       // Kubernetes object files (what runs now), or
  std::string kube_json;               // the same inline
  std::string policy = "fifo-perf";
  std::optional<double> deadline_h, chip_hour_usd;
};

// Fit the per-family efficiency parameters to measured runs (docs/calibrate.md).
struct CalibrateRequest {
  std::vector<std::string> measurements;  // YAML or CSV files of measured runs
  std::string measurements_yaml;          // the same inline (HTTP)
  std::string output;                     // folder for the catalog overlay (CLI)
  std::string report;                     // HTML report (CLI)
  std::string date;                       // provenance date, YYYY-MM-DD (default: today, UTC)
  bool no_leave_one_out = false;
  // Chip figures to fit as if the catalog lacked them: CHIP.memory_tb_s, CHIP.peak_tflops.DTYPE.
  std::vector<std::string> fit_chip;
};

// The fields of each request, in the order --help shows them.
const std::vector<Field<CatalogRequest>>& CatalogFields();
const std::vector<Field<TrainRequest>>& TrainFields();
const std::vector<Field<InferRequest>>& InferFields();
// Whether an infer request runs the request-level simulator (not mode analytic or analytic).
bool Simulated(const InferRequest& r);
// infer's --help headings in the order they are shown (Field::group).
const std::vector<std::string>& InferGroups();
const std::vector<Field<ForecastRequest>>& ForecastFields();
const std::vector<Field<LocalizeRequest>>& LocalizeFields();
const std::vector<Field<ReplayRequest>>& ReplayFields();
const std::vector<Field<SynthRequest>>& SynthFields();
const std::vector<Field<ClusterImportRequest>>& ClusterImportFields();
const std::vector<Field<SimulateRequest>>& SimulateFields();
const std::vector<Field<CalibrateRequest>>& CalibrateFields();

}  // namespace suanli::app

#endif  // SUANLI_APP_REQUESTS_H_
