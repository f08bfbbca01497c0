// Efficiency parameters per chip family: the only knobs the performance model
// is calibrated with. Each is physically meaningful (a fraction of a peak, a
// size, a failure rate); none is specific to one model or published case.
#ifndef SUANLI_CATALOG_CALIBRATION_H_
#define SUANLI_CATALOG_CALIBRATION_H_

#include <optional>
#include <string>
#include <vector>

namespace suanli::catalog {

struct FamilyCalibration {
  std::string id;
  // Achievable fraction of the dense BF16/FP16 peak on large GEMMs.
  double matmul_efficiency = 0.6;
  // Achievable fraction of the dense peak of 8-bit and 4-bit formats (FP8,
  // INT8, FP4) on large GEMMs, scaling and quantization overhead included.
  double low_precision_matmul_efficiency = 0.45;
  // The same for 4-bit formats (FP4, NVFP4, MXFP4) where a family's are measured apart from its
  // 8-bit ones: a separate datapath at twice the 8-bit rate, with its own block scaling. Unset,
  // 4-bit GEMMs take low_precision_matmul_efficiency.
  std::optional<double> fp4_matmul_efficiency;
  // The same for GEMMs of 4-bit weights with 16-bit math (weight-only int4 / MXFP4 on chips with
  // no 4-bit math: the kernel converts each weight tile to 16 bits in its main loop, and the
  // conversion, not the tensor cores, can set the pace), as a fraction of the 16-bit peak. Unset,
  // they take matmul_efficiency.
  std::optional<double> weight_only_matmul_efficiency;
  // The most 4-bit weights a second, in billions, the family's weight-only GEMM kernels (W4A16:
  // int4 / MXFP4 weights converted to 16 bits in the main loop) take in on one chip at
  // decode-sized batches, where each weight is converted once a step: they stream the weights no
  // faster than they convert them, whatever the memory. Unset: the memory's rate.
  std::optional<double> weight_only_gweights_s;
  // The Triton fused_moe kernel's grouped GEMMs (the routed experts in a 16- or 8-bit format, as
  // vLLM and SGLang run them on the families their engine entries list in triton_moe_families):
  // the fraction of the 16-bit peak they reach at a long reduction, and the elements of the
  // reduction K each output tile's prologue and epilogue are worth, so a GEMM reaches
  // efficiency x K / (K + overhead) (perf::FusedMoeEfficiency: the gate/up GEMM reduces over the
  // hidden size, the down GEMM over an expert's columns on the chip). 8-bit experts take the same
  // rate: the kernel's 8-bit path runs near its 16-bit one. Unset: the family's GEMM rate.
  std::optional<double> triton_moe_matmul_efficiency;
  double triton_moe_tile_k_overhead = 0;
  // The same kernel's path for block-scaled FP8 experts (DeepSeek's 128 x 128 weight blocks, 1 x
  // 128 activation groups): its main loop scales every block's partial product by the two scales
  // on the CUDA cores before adding it to the FP32 sum (accumulator += dot(a, b) x a_scale x
  // b_scale), which per-tensor FP8 and 16-bit experts do not. The fraction of the FP8 peak it
  // reaches at a long reduction, in place of triton_moe_matmul_efficiency x the 16-bit peak, the
  // same tile overhead applied. Unset: block-scaled experts take triton_moe_matmul_efficiency.
  std::optional<double> triton_moe_block_fp8_matmul_efficiency;
  // The same kernel with no tuned config for its shape, on the default config the engine release
  // falls back to (vLLM before its pull request 34846, SGLang's two-branch get_default_config:
  // 64 x 64 output tiles, a 32-long reduction step, num_warps and num_stages left unset): the
  // fraction of the 16-bit peak its 16- and per-tensor 8-bit paths reach at a long reduction, the
  // same tile overhead applied. Used for the shapes an engine lists in untuned_moe_configs.
  // Unset: those shapes take triton_moe_matmul_efficiency.
  std::optional<double> triton_moe_default_matmul_efficiency;
  // The same on the batch-size-aware default config that replaced it (vLLM's pull request 34846,
  // 2026-02: the output tile's rows grow with the batch, a 64- or 128-long reduction step,
  // num_warps and num_stages set), for an engine whose entry names it (ServingEngine::
  // triton_moe_default_config batch_aware). Unset: those shapes take
  // triton_moe_matmul_efficiency.
  std::optional<double> triton_moe_batch_aware_default_matmul_efficiency;
  // The same for FP8 GEMMs run with fast accumulation, where a family's tensor cores accumulate
  // FP8 products in limited precision and kernels either keep the sum there (cuBLASLt
  // CUBLASLT_MATMUL_DESC_FAST_ACCUM, CUTLASS's FP8FastAccum schedules: per-tensor-scaled FP8
  // serving, Transformer Engine's and torchao's forward GEMMs) or promote partial sums to FP32 on
  // the CUDA cores (block-scaled GEMMs such as DeepSeek's 1x128 / 128x128, the backward GEMMs of
  // FP8 training), which costs throughput. INT8 GEMMs, which accumulate exactly in int32 and
  // promote nothing, take it too. Unset, fast-accumulation GEMMs take
  // low_precision_matmul_efficiency (the promoted value) as every other 8-bit GEMM.
  std::optional<double> fp8_fast_accum_matmul_efficiency;
  // GEMM size (GFLOP per call) at which efficiency falls to half of the large-GEMM value.
  double matmul_half_gflop = 1.0;
  // Achievable fraction of the dense peak in fused (flash) attention kernels.
  double attention_efficiency = 0.5;
  // The same for FlashAttention-2's kernels (PyTorch SDPA's flash backend, which a stack that
  // attends through SDPA runs: data/stacks.yaml sdpa_attention), where a family's are measured
  // apart from its best kernels (on Hopper FlashAttention-2 has no TMA or warp specialization and
  // runs at about half the rate of FlashAttention-3 or cuDNN's). Unset, they take
  // attention_efficiency.
  std::optional<double> fa2_attention_efficiency;
  // Decode attention of dense MLA (absorbed, in the latent space) at a measured kernel's
  // compute-bound rate, a fraction of the 16-bit peak (mla_decode_efficiency) or, where the
  // engine's kernel runs QK^T and PV on the FP8 tensor cores over an FP8 cache, of the FP8 peak
  // (fp8_mla_decode_efficiency). With 128 query heads a rank (attention data parallel) one query
  // token a sequence is already compute-bound, so draft tokens verified in the same pass (MTP,
  // EAGLE) add their FLOPs at this rate while the cache is read once. Unset: attention_efficiency.
  std::optional<double> mla_decode_efficiency;
  std::optional<double> fp8_mla_decode_efficiency;
  // Sparse MLA (DSA) over an FP8 cache in FlashMLA's "FP8 with scale" format through its sparse
  // decode kernel, which dequantizes each attended key to 16 bits on the CUDA cores and runs
  // QK^T and PV on the 16-bit tensor cores: its measured compute-bound rate, a fraction of the
  // 16-bit peak (fp8_sparse_mla_decode_efficiency), over a query's heads padded to the kernel's
  // cluster (fp8_sparse_mla_decode_head_cluster: two CTAs of 64 heads that split and share the
  // dequantization, 128, whatever the heads a chip holds). Unset (the efficiency): the FP8 cache
  // is priced as any other attention; the cluster unset or 0: the heads the chip holds.
  std::optional<double> fp8_sparse_mla_decode_efficiency;
  double fp8_sparse_mla_decode_head_cluster = 0;
  // The dense 16-bit tensor rate an SM (peak_tflops.bf16 / sm_count, TFLOPS) of the parts the
  // family's kernel efficiencies above were measured on. A chip of the family with a different
  // rate an SM (the H20: a quarter of the H100's tensor FLOPs a clock beside the same CUDA cores,
  // special-function units and load pipes) spends the kernels' work beside the MMAs against
  // longer or shorter MMAs, so reaches a larger or smaller share of its own peak
  // (perf::AtChipTensorRate). Unset: every chip of the family at the family's efficiencies.
  std::optional<double> tensor_tflops_per_sm;
  // The dense 4-bit peak over the dense 16-bit peak (peak_tflops.fp4 / bf16) of the parts the
  // family's fp4_matmul_efficiency was measured on (blackwell: B200 and GB200, 4). A chip of the
  // family whose tensor cores do more 4-bit math a clock beside the same 16-bit rate (Blackwell
  // Ultra: 1.5x the NVFP4 rate, the same BF16 and FP8) runs the same GEMMs' work beside the MMAs
  // (block scales, epilogues, pipeline fill, the activations' quantization) against shorter MMAs,
  // so reaches a smaller share of its own 4-bit peak (perf::AtChipTensorRate, rho its ratio over
  // this one). Unset: every chip of the family at fp4_matmul_efficiency.
  std::optional<double> fp4_over_16bit_peak;
  // Achievable fraction of memory bandwidth for element-wise kernels.
  double memory_efficiency = 0.7;
  // Memory per chip the runtime keeps for itself (context, comm buffers, fragmentation).
  double memory_reserved_gib = 4;
  // Fixed cost of one serving step (kernel launches, scheduling), ms.
  double serving_step_overhead_ms = 0;
  // The same under a harness that replays CUDA graphs (the chip's serving_graph_step_overhead_ms,
  // charged where the request sets use_graphs); unset: serving_step_overhead_ms.
  std::optional<double> serving_graph_step_overhead_ms;
  // How a serving step's weight GEMMs combine streaming their weights with their math: a smooth
  // roofline t = (t_read^n + t_math^n)^(1/n) over the step's linear layers. At small batches
  // (few tokens a weight) the read is not hidden behind the math as the sharp roofline
  // max(t_read, t_math) assumes; n = 1 would charge both in full. 0: the sharp roofline.
  double serving_roofline_exponent = 0;
  // Power-cap physics (perf/power.h): share of the TDP drawn whatever the
  // clock (leakage, HBM, board), and the exponent of dynamic power in the
  // clock (P ~ f V^2 with V rising with f). Physical estimates, not fitted.
  double static_power_fraction = 0.2;
  double dvfs_power_exponent = 2.5;
  // Hardware-caused job interruptions per chip per day of training.
  double failures_per_chip_day = 5e-4;
  // The model's own error on this family: the standard deviation of log(measured / predicted)
  // for training rates and for serving rates (a lognormal with median 1), and where it was
  // measured. The forecast samples it (plan/forecast.h, ModelError).
  double training_error_sigma = 0.48;
  double inference_error_sigma = 0.5;
  std::string error_source;
  bool calibrated = false;  // false: defaults, not fitted to any published run
  std::string fitted_on;    // which published cases the values were fitted on
  // Provenance of a fit to a user's measurements (`suanli calibrate -o DIR`): source
  // "measured", the measurement files, the date, and which parameters were fitted.
  std::string source;
  std::string file;
  std::string date;
  std::vector<std::string> fitted;
};

// The performance model's own error on one kind of rate: ln(measured / predicted) is normal
// with mean `bias` and standard deviation `sigma`, so measured / predicted is lognormal with
// median exp(bias). Catalog::ModelErrorFor picks it; the forecast samples it per rate and the
// training report turns it into a band.
struct ModelError {
  double bias = 0;
  double sigma = 0;
  int cases = 0;       // published runs it was measured on (0: the family's single sigma)
  std::string basis;   // which measurement: "held-out: hopper training moe (5 cases)", ...
  std::string source;  // where those runs come from
};

// One cell of data/model_error.yaml: the model's error on published runs it was not fitted
// on, for one chip family ("any": every family) and one kind of rate.
struct ModelErrorCell {
  std::string family;
  bool training = true;   // training rates, or serving rates
  bool searched = false;  // training: the layout searched (as users type it), or as published
  bool moe = false;       // models with routed experts, or dense ones
  int cases = 0;
  double bias = 0;
  double sigma = 0;
  std::string source;  // the runs: the section's source, or the cell's own (a user's calibration)
};

// Parameters of the inference model that do not depend on the chip.
struct InferenceCalibration {
  // p99 over mean of the time to first token a prompt that does not queue behind others takes
  // under Poisson arrivals (server mode meets a tail bound with a lower mean). The TPOT's tail
  // is derived from the step instead (src/perf/inference.cc, BatchSearch::TpotTail).
  double server_tail_ratio = 1.3;
  // Throughput a server sustains under Poisson arrivals at its latency
  // targets, over the full-batch (offline) rate.
  double server_utilization = 0.9;
  // Memory per chip kept for activations and workspace while serving, GiB.
  double serving_workspace_gib = 2;
  // Amortization life of a chip bought at its catalog price, years.
  double chip_life_years = 4;
  // Busiest expert's load over the mean when experts are spread over chips
  // (serving balancers replicate hot experts, so it can differ from training's).
  double moe_load_imbalance = 1.1;
  // Probability a draft head's token is accepted given the one before, for a model with no
  // published acceptance of its own (catalog::Model::mtp_acceptance) whose request runs a draft
  // head (an MTP layer, an EAGLE head) without --mtp-acceptance.
  double draft_head_acceptance = 0.79;
};

// Parameters of the training model that do not depend on the chip.
struct TrainingCalibration {
  // Minutes from an interruption to training again (detect, reschedule, load).
  double restart_minutes = 10;
  // Aggregate checkpoint write bandwidth per chip, GB/s.
  double checkpoint_gb_s_per_chip = 0.5;
  // Fraction of wall time lost to stalls other than failures: evaluations,
  // checkpoint I/O, stragglers, data loading.
  double stall_fraction = 0.0;
  // Busiest expert's load over the mean (MoE routing imbalance).
  double moe_load_imbalance = 1.1;
  // Host time per kernel the host launches for each local expert of a dropless MoE layer,
  // seconds: the layer synchronizes the device to size its token buffers, and the host then
  // launches each local expert's GEMMs and FP8 casts one by one, so this launch time is not
  // hidden behind earlier work.
  double expert_kernel_host_s = 0;
  // GEMM time lost while an expert all-to-all runs beside it (Combined 1F1B, DualPipe): the
  // communication kernels hold SMs the GEMMs would use, a fraction of the overlapped time.
  double ep_overlap_compute_slowdown = 0;
  // What the dispatch library of those schedules (DeepEP's normal kernels on their SM budget)
  // reaches on one link, GB/s a chip one direction, for its dispatch and its combine kernels;
  // a link slower than this runs at its own rate. 0: the link's rate.
  double ep_overlap_dispatch_gb_s = 0;
  double ep_overlap_combine_gb_s = 0;
  // What a dispatch library reaches on one link when the exchange runs alone (no overlap),
  // GB/s a chip one direction, dispatch and combine: the fastest measured on NVLink 5 is below
  // the link's rate; a link slower than this runs at its own rate. 0: the link's rate.
  double ep_dispatch_gb_s = 0;
  double ep_combine_gb_s = 0;
  // The same measured at several expert-parallel sizes (training.ep_exchange_by_ep): an
  // exchange among `ep` ranks runs at the rates interpolated linearly in ep between the two
  // nearest entries (the first's below it, the last's above it). Empty: the one pair above.
  struct EpExchangeRate {
    int ep = 0;
    double dispatch_gb_s = 0;
    double combine_gb_s = 0;
  };
  std::vector<EpExchangeRate> ep_exchange_by_ep;
  // Fraction of the last micro-batch's backward that data-parallel gradient
  // reduction can hide behind.
  double dp_overlap = 1.0;
};

}  // namespace suanli::catalog

#endif  // SUANLI_CATALOG_CALIBRATION_H_
