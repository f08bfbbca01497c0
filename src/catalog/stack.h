// A training software stack as data/stacks.yaml describes it: what the software can do, with
// sources. The training model takes each capability as a knob (perf/training.h, StackKnobs);
// a stack sets their defaults and bounds what a request may ask for.
#ifndef SUANLI_CATALOG_STACK_H_
#define SUANLI_CATALOG_STACK_H_

#include <optional>
#include <string>
#include <vector>

namespace suanli::catalog {

// A model a stack names by its own word (torchtitan's registered config llama3_8b) and the
// catalog model that is (data/stacks.yaml `models`).
struct StackModel {
  std::string name;    // as the stack names it
  std::string model;   // a catalog model id (Catalog::Validate checks it)
  std::string origin;  // "file:line" of the row, for messages
};

struct TrainingStack {
  std::string id;
  std::string name;
  bool dp_overlap = false;       // gradient reduce-scatter / parameter all-gather hidden by compute
  bool tp_comm_overlap = false;  // tensor-parallel collectives overlapped with the GEMMs
  // Expert all-to-all of one micro-batch behind another micro-batch's compute (Megatron-Core's
  // Combined 1F1B, --overlap-moe-expert-parallel-comm; perf/training.h ParallelLayout).
  bool ep_a2a_overlap = false;
  // Host time to issue one MoE layer of that schedule, one micro-batch's forward with another's
  // backward, without CUDA graphs: a floor under the paired layer's time, seconds
  // (perf/training.h SoftwareKnobs::ep_a2a_overlap_layer_host_s). Unset: none.
  std::optional<double> ep_a2a_overlap_layer_host_s;
  // Sync-free MoE under one CUDA graph per training iteration (Megatron-Core 26.x
  // --cuda-graph-impl full_iteration with HybridEP, the TE op fuser and
  // --moe-expert-rank-capacity-factor: dispatch and expert buffers pre-sized, no token-count sync
  // to the host): the host issues no kernel of the step (perf/training.h
  // SoftwareKnobs::full_iteration_graphs).
  bool full_iteration_graphs = false;
  // Combined 1F1B's exchange runs on HybridEP's kernels (the flex dispatcher with
  // moe_flex_dispatcher_backend hybridep) at their measured rates (training.ep_exchange_by_ep),
  // not DeepEP's (training.ep_overlap_dispatch_gb_s) (SoftwareKnobs::ep_overlap_hybridep).
  bool ep_overlap_hybridep = false;
  // The routed experts' fc1 + SwiGLU + fc2 as Transformer Engine's fused grouped MLP (CuTe DSL
  // kernels of cuDNN's front end, block-scaled FP8 on SM100+): the activation function runs in
  // the GEMMs' epilogues (SoftwareKnobs::fused_grouped_mlp).
  bool fused_grouped_mlp = false;
  // Under an MXFP8 recipe its attention runs in FP8 too (Megatron-Bridge's
  // fp8_dot_product_attention: Transformer Engine's MXFP8 fused attention, cuDNN's block-scaled
  // SDPA), priced by the chip's measured law (catalog::Chip::mxfp8_sdpa_*; perf/training.h
  // SoftwareKnobs::mxfp8_attention).
  bool fp8_attention = false;
  std::vector<std::string> schedules;  // 1f1b, interleaved, dualpipe
  std::vector<int> zero_stages;
  // The ZeRO stages it runs with pipeline parallelism (pp > 1); empty: all of zero_stages.
  // Megatron-Core's FSDP paths and DeepSpeed's pipeline engine shard no gradients or weights
  // across pipeline stages (data/stacks.yaml).
  std::vector<int> pipeline_zero_stages;
  std::vector<std::string> recompute;          // none, selective, full
  std::vector<std::string> recompute_modules;  // Megatron's --recompute-modules names
  std::vector<std::string> precisions;         // perf/precision.h recipe names
  std::vector<std::string> attention;          // flash, unfused
  bool uneven_stages = false;       // first and last pipeline stages may hold fewer layers
  bool mtp = false;                 // trains multi-token-prediction layers
  bool activation_offload = false;  // keeps some layers' activations in host memory
  // Attends through PyTorch's scaled_dot_product_attention: its flash backend's FlashAttention-2
  // kernels (FamilyCalibration::fa2_attention_efficiency) and, with context parallelism, torch's
  // ring attention around them (perf/training.h SoftwareKnobs::sdpa_attention).
  bool sdpa_attention = false;
  // Selective recomputation is torchtitan's per-op policy (perf/training.h
  // SoftwareKnobs::op_selective_recompute), not Megatron's.
  bool op_selective_recompute = false;
  // The loss's peak bytes per logit on the last stage (SoftwareKnobs::loss_bytes_per_logit), and
  // with the vocabulary split over tensor-parallel ranks; unset: the model's default.
  std::optional<double> loss_bytes_per_logit, loss_parallel_bytes_per_logit;
  std::string emit;  // the --emit flag set that runs it; empty: none
  // The models its launch lines name without a catalog id (torchtitan's --config llama3_8b, or
  // its job config's [model] name and flavor: llama3 + 8B), each with the catalog model it builds.
  std::vector<StackModel> models;
  // Chip vendors (data/chips.yaml `vendor`) the stack runs on. A request that names no stack
  // gets a layout and recipe one of the chip's stacks runs, and is told which (app/train.cc).
  std::vector<std::string> runs_on;
  bool pipeline = true;  // has pipeline parallelism (pp > 1); false: one stage only
  std::vector<std::string> sources;
  std::string notes;
};

}  // namespace suanli::catalog

#endif  // SUANLI_CATALOG_STACK_H_
