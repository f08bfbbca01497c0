// Accelerator chips and the numeric formats they compute in.
#ifndef SUANLI_CATALOG_CHIP_H_
#define SUANLI_CATALOG_CHIP_H_

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/sourced.h"

namespace suanli::catalog {

enum class DType { kBf16, kFp16, kFp8, kInt8, kFp4 };
inline constexpr int kNumDTypes = 5;

std::string_view DTypeName(DType d);
std::optional<DType> ParseDType(std::string_view s);
// Bytes per element (fp4 is 0.5).
double DTypeBytes(DType d);

enum class ChipRole { kTraining, kInferenceOnly };

struct ExportEvent {
  std::string date;    // ISO date, YYYY-MM-DD or YYYY-MM
  std::string status;  // licence-required, barred, domestic, ...
  std::string note;
  std::vector<std::string> sources;
  Confidence confidence = Confidence::kLow;
};

struct Chip {
  std::string id;
  std::string name;
  std::string vendor;
  std::string family;  // calibration family id
  std::vector<std::string> aliases;
  std::string launch;
  ChipRole role = ChipRole::kTraining;
  std::string default_system;  // empty when none is listed

  std::array<SourcedNumber, kNumDTypes> peak_tflops;  // dense, indexed by DType
  // Dense peak of block-scaled FP8 (OCP MXFP8: E8M0 scale per 32 elements, applied by the
  // tensor cores); unsupported where only per-tensor-scaled FP8 exists (Hopper).
  SourcedNumber mxfp8_tflops;
  SourcedNumber memory_gib;
  SourcedNumber memory_tb_s;
  SourcedNumber scale_up_gb_s;  // as the vendor quotes it
  SourcedNumber scale_up_domain;
  SourcedNumber scale_out_gbit_s;
  // Link to the host CPU and its memory, GB/s per direction (PCIe, NVLink-C2C): what offloaded
  // activations cross.
  SourcedNumber host_link_gb_s;
  SourcedNumber tdp_w;
  // Clock the chip sustains under dense GEMMs over that of the chip its calibration family was
  // fitted on (unknown: 1). The same compute die at a higher power limit runs compute-bound
  // work faster than its peak (quoted at the boost clock) and the family's efficiency say:
  // AMD measures the MI325X (1,000 W) at 1,464 MHz on FP8 GEMMs where the MI300X (750 W) runs
  // 1,230 MHz. Memory-bound work is unaffected.
  SourcedNumber gemm_clock_ratio;
  // Streaming multiprocessors (NVIDIA SMs) the part enables: with an engine's rate an SM of its
  // decode-sized GEMMs (catalog::ServingEngine::bf16_gemm_sm_gb_s, fp8_gemm_sm_gb_s) it bounds
  // how fast those kernels pull the layer weights from memory, whatever the memory delivers
  // (Little's law: each SM keeps a limited number of bytes in flight against the memory's
  // latency). Unknown: no such bound.
  SourcedNumber sm_count;
  // Shape law of the part's NVFP4 GEMMs, measured: a GEMM of reduction length K and output width N
  // runs at R / (1 + k_overhead / K + n_overhead / N) of its math rate R, the work beside the MMAs
  // (each output tile's pipeline fill, drain and epilogue, amortized over K; the activations'
  // quantization and block scales, over N) that a short reduction or a narrow output does not
  // hide. Both unknown: 4-bit GEMMs at the family's efficiency whatever their shape.
  SourcedNumber fp4_gemm_k_overhead;
  SourcedNumber fp4_gemm_n_overhead;
  // Measured time law of the part's MXFP8 flash attention (cuDNN's block-scaled FP8 SDPA, as
  // Transformer Engine runs it under an MXFP8 recipe with FP8 dot-product attention): a causal
  // pass costs ps_per_score for each query-key score it computes plus ns_per_query for each query
  // row of each head (its tile's load, softmax bookkeeping and write-back), forward and backward
  // apart. All four unknown: attention in 16-bit at the family's attention_efficiency.
  SourcedNumber mxfp8_sdpa_fwd_ps_per_score;
  SourcedNumber mxfp8_sdpa_fwd_ns_per_query;
  SourcedNumber mxfp8_sdpa_bwd_ps_per_score;
  SourcedNumber mxfp8_sdpa_bwd_ns_per_query;
  // Fixed cost of one serving step measured on this part itself, ms, where it differs from the
  // family's (calibration.yaml serving_step_overhead_ms, charged where an engine launches every
  // iteration from the host): Blackwell's 16.8 ms is measured on B200 under NVIDIA's MLPerf
  // harness; RTX PRO 6000 (GB202) runs of the same harness pay none of it. Unknown: the family's.
  SourcedNumber serving_step_overhead_ms;
  // The same fixed cost where that harness replays CUDA graphs (its `use_graphs: True`, the
  // request's use_graphs; NVIDIA's Llama 3.1 8B configs), ms: measured on this part's own runs of
  // the graphs-on harness. Unknown: a graphs-on request pays serving_step_overhead_ms.
  SourcedNumber serving_graph_step_overhead_ms;
  SourcedText process;
  SourcedText foundry;
  SourcedNumber price_usd;
  std::string price_note;
  std::vector<ExportEvent> export_status;
  std::string notes;

  const SourcedNumber& peak(DType d) const { return peak_tflops[static_cast<int>(d)]; }
};

}  // namespace suanli::catalog

#endif  // SUANLI_CATALOG_CHIP_H_
