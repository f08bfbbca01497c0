#include "report/launch.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/text.h"

namespace suanli::report {
namespace {

using perf::PipelineSchedule;
using perf::Recompute;

// Megatron-LM's pretrain_gpt.py flags (Megatron-Core 0.8+ names); MindSpeed-LLM takes the same.
// `dies`: the devices one package is to the launcher (the system's ranks_per_chip: the Ascend
// 910C's two), each its own rank; a package's dies are printed in the tensor-parallel size, the
// innermost, which is where `suanli train` reads them back from a torchrun line in dies.
void MegatronArgs(const perf::TrainingJob& job, const perf::TrainingEstimate& e, Launch& out,
                  int dies = 1) {
  const auto& m = *job.model;
  const auto& l = e.layout;
  auto add = [&](std::string flag, const std::string& value = "") {
    out.args.push_back(value.empty() ? flag : flag + " " + value);
  };
  auto num = [](double v) { return fmt::format("{:.0f}", v); };
  // The model.
  add("--num-layers", num(m.layers));
  add("--hidden-size", num(m.hidden));
  add("--num-attention-heads", num(m.heads));
  if (m.mla) {
    add("--multi-latent-attention");
    if (m.mla->q_lora_rank > 0) add("--q-lora-rank", num(m.mla->q_lora_rank));
    add("--kv-lora-rank", num(m.mla->kv_lora_rank));
    add("--qk-head-dim", num(m.mla->qk_nope_head_dim));
    add("--qk-pos-emb-head-dim", num(m.mla->qk_rope_head_dim));
    add("--v-head-dim", num(m.mla->v_head_dim));
  } else if (m.kv_heads > 0 && m.kv_heads < m.heads) {
    add("--group-query-attention");
    add("--num-query-groups", num(m.kv_heads));
  }
  add("--ffn-hidden-size", num(m.ffn_hidden));
  if (m.mlp == catalog::MlpKind::kSwiglu) add("--swiglu");
  add("--seq-length", num(e.seq_len));
  add("--max-position-embeddings", num(std::max(m.max_seq_len, e.seq_len)));
  if (m.moe) {
    add("--num-experts", num(m.moe->routed_experts));
    add("--moe-router-topk", num(m.moe->top_k));
    add("--moe-ffn-hidden-size", num(m.moe->expert_ffn));
    if (m.moe->shared_experts > 0)
      add("--moe-shared-expert-intermediate-size", num(m.moe->shared_experts * m.moe->expert_ffn));
    if (m.moe->layer_step > 1) {
      // Experts every layer_step-th layer after the dense ones (Llama 4 Maverick: [0,1]*24).
      add("--moe-layer-freq",
          fmt::format("\"([0]*{}+([0]*{}+[1])*{})\"", m.moe->first_dense_layers,
                      m.moe->layer_step - 1,
                      (m.layers - m.moe->first_dense_layers) / m.moe->layer_step));
    } else if (m.moe->first_dense_layers > 0) {
      // Dense MLPs in the first layers, experts after: Megatron's per-layer pattern.
      add("--moe-layer-freq", fmt::format("\"([0]*{}+[1]*{})\"", m.moe->first_dense_layers,
                                          m.layers - m.moe->first_dense_layers));
    }
  }
  // The layout.
  add("--tensor-model-parallel-size", num(l.tp * dies));
  add("--pipeline-model-parallel-size", num(l.pp));
  const auto& split = job.stage_split;
  if (!split.text.empty()) {
    // The layout as given: its stages fix the virtual stages a rank.
    add("--pipeline-model-parallel-layout", "\"" + split.text + "\"");
  } else if (split.given()) {
    if (split.first_layers > 0) add("--decoder-first-pipeline-num-layers", num(split.first_layers));
    if (split.last_layers > 0) add("--decoder-last-pipeline-num-layers", num(split.last_layers));
    if (l.interleave > 1 && l.pp > 1)
      add("--num-virtual-stages-per-pipeline-rank", num(l.interleave));
  } else if (l.interleave > 1 && l.pp > 1) {
    add("--num-layers-per-virtual-pipeline-stage", num(m.layers / (l.pp * l.interleave)));
  }
  if (!split.given() && l.pp > 1 && m.layers % (l.pp * l.interleave) != 0) {
    out.notes.push_back(fmt::format(
        "{} layers do not split evenly into {} pipeline stages x {} virtual stages: give the "
        "remainder to the first and last stages (--decoder-first-pipeline-num-layers, "
        "--decoder-last-pipeline-num-layers), as Llama 3 405B ran",
        m.layers, l.pp, l.interleave));
  }
  if (l.cp > 1) add("--context-parallel-size", num(l.cp));
  if (m.moe && l.ep > 1) add("--expert-model-parallel-size", num(l.ep));
  // An EP that does not divide dp folds over the tensor-parallel ranks with whole experts
  // (perf/training.cc, ExpertTp).
  // Given (ParallelLayout::expert_tp), as given.
  if (m.moe && l.ep > 1 && l.tp > 1 &&
      (l.expert_tp == 1 || (l.expert_tp == 0 && l.dp % l.ep != 0))) {
    add("--expert-tensor-parallel-size", "1");
  }
  if (l.sequence_parallel && l.tp > 1) add("--sequence-parallel");
  if (l.zero_stage >= 1) add("--use-distributed-optimizer");
  if (l.zero_stage >= 2) {
    out.notes.push_back(fmt::format(
        "ZeRO stage {}: Megatron's distributed optimizer shards optimizer state (stage 1); "
        "gradients and weights stay replicated across data parallel",
        l.zero_stage));
  }
  // The batch: micro-batch and global batch in sequences; the run's length in samples.
  add("--micro-batch-size", num(l.micro_batch));
  add("--global-batch-size", num(std::llround(e.global_batch_tokens / e.seq_len)));
  add("--train-samples", num(std::ceil(job.tokens / e.seq_len)));
  // Memory and precision.
  if (l.recompute == Recompute::kFull) {
    add("--recompute-granularity", "full");
    if (l.recompute_layers > 0) {
      add("--recompute-method", "block");
      add("--recompute-num-layers", std::to_string(l.recompute_layers));
    } else {
      add("--recompute-method", "uniform");
      add("--recompute-num-layers", "1");
    }
  } else if (l.recompute == Recompute::kSelective) {
    add("--recompute-granularity", "selective");
    if (l.recompute_modules != 0) {
      std::string modules = perf::RecomputeModulesName(l.recompute_modules);
      std::replace(modules.begin(), modules.end(), ',', ' ');
      add("--recompute-modules", modules);
    }
  }
  // What the software overlaps, and the MTP layers it trains.
  const auto& sw = job.software;
  if (sw.dp_overlap.value_or(false) && l.dp * l.cp > 1) {
    add("--overlap-grad-reduce");
    if (l.zero_stage >= 1) add("--overlap-param-gather");
  }
  if (sw.tp_comm_overlap && l.tp > 1) add("--tp-comm-overlap");
  if (l.ep_a2a_overlap) add("--overlap-moe-expert-parallel-comm");
  if (sw.offload_layers > 0) {
    add("--cpu-offloading");
    add("--cpu-offloading-num-layers", num(sw.offload_layers));
  }
  if (m.mtp_layers > 0 && sw.mtp) add("--mtp-num-layers", num(m.mtp_layers));
  if (job.attention == perf::AttentionKernel::kFlash) add("--use-flash-attn");
  // Precision (Megatron-Core 0.12+ names: --fp8-recipe, the precision-aware optimizer).
  const auto& prec = e.precision;
  using perf::Fp8Scaling;
  using perf::TensorFormat;
  add(job.dtype == catalog::DType::kFp16 ? "--fp16" : "--bf16");
  if (job.dtype == catalog::DType::kFp8) {
    add("--fp8-format", prec.scaling == Fp8Scaling::kMxBlock ? "e4m3" : "hybrid");
    add("--fp8-recipe", prec.scaling == Fp8Scaling::kCurrent   ? "tensorwise"
                        : prec.scaling == Fp8Scaling::kMxBlock ? "mxfp8"
                        : prec.scaling == Fp8Scaling::kTile    ? "blockwise"
                                                               : "delayed");
  }
  if (prec.params == TensorFormat::kFp8) add("--fp8-param-gather");
  if (prec.grad_reduce == TensorFormat::kBf16) add("--grad-reduce-in-bf16");
  if (prec.optimizer == TensorFormat::kBf16 || prec.main_params == TensorFormat::kBf16 ||
      prec.grads == TensorFormat::kBf16) {
    add("--use-precision-aware-optimizer");
    if (prec.main_params == TensorFormat::kBf16) add("--main-params-dtype", "bf16");
    if (prec.grads == TensorFormat::kBf16) add("--main-grads-dtype", "bf16");
    if (prec.optimizer == TensorFormat::kBf16) {
      add("--exp-avg-dtype", "bf16");
      add("--exp-avg-sq-dtype", "bf16");
    }
  }
  if (prec.activations == TensorFormat::kFp8) {
    out.notes.push_back(
        "activations cached in FP8 (DeepSeek-V3's recipe) have no Megatron flag; the estimate "
        "assumed them");
  }
  if (prec.sharded_params) {
    out.notes.push_back(
        "fsdp2-mixed shards fp32 parameters (FSDP): Megatron's --use-torch-fsdp2 runs it");
  }
  if (l.schedule == PipelineSchedule::kDualPipe) {
    out.notes.push_back(
        "DualPipe is not in Megatron-LM: these flags run interleaved 1F1B; DeepSeek's DualPipe "
        "(github.com/deepseek-ai/DualPipe) is what the estimate assumed");
  }
}

// torchtitan's job-config keys as command-line overrides (torchtitan 0.1, train.py --job.config
// file plus --section.key value).
void TorchtitanArgs(const perf::TrainingJob& job, const perf::TrainingEstimate& e, Launch& out) {
  const auto& l = e.layout;
  auto add = [&](const std::string& key, const std::string& value) {
    out.args.push_back("--" + key + " " + value);
  };
  auto num = [](double v) { return fmt::format("{:.0f}", v); };
  const double sequences = std::llround(e.global_batch_tokens / e.seq_len);
  add("parallelism.data_parallel_shard_degree", num(l.dp));
  add("parallelism.tensor_parallel_degree", num(l.tp));
  add("parallelism.pipeline_parallel_degree", num(l.pp));
  if (l.pp > 1) {
    add("parallelism.pipeline_parallel_schedule", l.interleave > 1 ? "Interleaved1F1B" : "1F1B");
    if (l.interleave > 1) {
      add("parallelism.pipeline_parallel_layers_per_stage",
          num(job.model->layers / (l.pp * l.interleave)));
    }
    add("parallelism.pipeline_parallel_microbatch_size", num(l.micro_batch));
  }
  if (l.cp > 1) add("parallelism.context_parallel_degree", num(l.cp));
  if (job.model->moe && l.ep > 1) add("parallelism.expert_parallel_degree", num(l.ep));
  add("training.seq_len", num(e.seq_len));
  add("training.global_batch_size", num(sequences));
  // local_batch_size is a rank's sequences per forward (torchtitan/config/job_config.py): the
  // micro-batch, the rest accumulated; under pipeline parallelism the rank's share of the step,
  // split into micro-batches of pipeline_parallel_microbatch_size.
  add("training.local_batch_size",
      num(l.pp > 1 ? sequences / std::max(1, l.dp) : static_cast<double>(l.micro_batch)));
  add("training.steps", num(std::ceil(job.tokens / e.global_batch_tokens)));
  // Selective is torchtitan's per-op policy (S4180); every Nth layer recomputed whole is its
  // layer-wise selective_ac_option N (S4183).
  const bool every_nth = l.recompute == Recompute::kFull && l.recompute_every > 1;
  add("activation_checkpoint.mode", l.recompute == Recompute::kFull && !every_nth ? "full"
                                    : l.recompute != Recompute::kNone             ? "selective"
                                                                                  : "none");
  if (every_nth) {
    add("activation_checkpoint.selective_ac_option", std::to_string(l.recompute_every));
  } else if (l.recompute == Recompute::kSelective) {
    add("activation_checkpoint.selective_ac_option", "op");
  }
  add("training.mixed_precision_param", "bfloat16");
  add("training.mixed_precision_reduce",
      e.precision.grad_reduce == perf::TensorFormat::kBf16 ? "bfloat16" : "float32");
  if (job.dtype == catalog::DType::kFp8) {
    if (e.precision.scaling == perf::Fp8Scaling::kMxBlock) {
      add("model.converters", "mx");
      out.notes.push_back("MXFP8 through torchao's mx converter (Blackwell)");
    } else {
      add("model.converters", "float8");
      if (e.precision.params == perf::TensorFormat::kFp8)
        add("float8.enable_fsdp_float8_all_gather", "true");
      out.notes.push_back(
          "FP8 through torchao's float8 training (tensorwise current scaling; the estimate's "
          "recipe is " +
          e.precision.recipe + ")");
    }
  }
  if (l.schedule == PipelineSchedule::kDualPipe)
    out.notes.push_back("DualPipe is not a torchtitan schedule: Interleaved1F1B instead");
  out.notes.push_back(
      "torchtitan shards parameters, gradients and optimizer state with FSDP2 over "
      "data_parallel_shard_degree (ZeRO 3)");
}

}  // namespace

std::vector<std::string> LaunchStacks() { return {"megatron", "mindspeed", "torchtitan"}; }

Result<Launch> LaunchFor(const std::string& stack, const perf::TrainingJob& job,
                         const perf::TrainingEstimate& e) {
  Launch out;
  out.stack = stack;
  if (stack == "megatron") {
    MegatronArgs(job, e, out);
    out.command = "torchrun --nnodes NODES --nproc-per-node GPUS_PER_NODE pretrain_gpt.py";
  } else if (stack == "mindspeed") {
    if (job.dtype == catalog::DType::kFp8) {
      return MakeError("MindSpeed runs on Ascend, which has no FP8: train in bf16 (--dtype bf16)",
                       "", 0, "emit");
    }
    // MindSpeed counts each die of a multi-die package as a device and a rank: an Atlas 800T A3
    // node of 8 Ascend 910C runs --nproc_per_node 16 and its TP in dies (MindSpeed-LLM's A3
    // scripts, S3864). The launch line says so with its numbers, which is how `suanli train`
    // reads the TP back in packages (CountFromTorchrun).
    const int dies = std::max(1, job.system.scale_up.ranks_per_chip);
    MegatronArgs(job, e, out, dies);
    out.args.push_back("--use-mcore-models");
    out.command = "torchrun --nnodes NODES --nproc-per-node NPUS_PER_NODE pretrain_gpt.py";
    const long per_node = std::max(1, job.system.chips_per_node);
    if (dies > 1 && job.chips > 0) {
      const long nodes = job.chips <= per_node ? 1 : job.chips / per_node;
      if (job.chips <= per_node || job.chips % per_node == 0) {
        out.command = fmt::format("torchrun --nnodes {} --nproc-per-node {} pretrain_gpt.py", nodes,
                                  job.chips / nodes * dies);
      }
      out.notes.push_back(fmt::format(
          "MindSpeed counts each of a package's {} dies as a device: {} packages are {} ranks, "
          "--tensor-model-parallel-size {} in dies is tensor parallel {} in packages",
          dies, job.chips, job.chips * dies, e.layout.tp * dies, e.layout.tp));
    }
    out.notes.push_back(
        "MindSpeed-LLM takes Megatron's flags; --use-mcore-models selects Megatron-Core");
  } else if (stack == "torchtitan") {
    TorchtitanArgs(job, e, out);
    out.command =
        "torchrun --nnodes NODES --nproc-per-node GPUS_PER_NODE -m torchtitan.train "
        "--job.config_file CONFIG.toml";
  } else {
    return MakeError(
        "unknown stack '" + stack.substr(0, 40) + "'; expected " + JoinOr(LaunchStacks()), "", 0,
        "emit");
  }
  for (const auto& a : out.args) out.command += " \\\n  " + a;
  return out;
}

}  // namespace suanli::report
