// Sustained clock under a power cap, and a chip's kernel efficiencies against the parts its
// family was fitted on (AtChipTensorRate).
//
// A data centre that caps its accelerators below their TDP (Meta's A100
// production cluster ran at 350 W against a 400 W TDP; power-limited halls in
// China do the same) runs compute-bound kernels at a lower clock. The model:
// the chip draws a clock-independent static power s * TDP (leakage, HBM,
// board) plus a dynamic part proportional to f^gamma (P ~ f V^2 with V rising
// with f), and compute-bound kernels reach the TDP at the calibrated clock. So
//   f_cap / f_tdp = ((cap - s * TDP) / (TDP - s * TDP))^(1 / gamma).
// Memory-bound work keeps its speed: HBM is not clocked down.
#ifndef SUANLI_PERF_POWER_H_
#define SUANLI_PERF_POWER_H_

#include <optional>

#include "catalog/calibration.h"
#include "catalog/chip.h"
#include "catalog/system.h"
#include "core/error.h"

namespace suanli::perf {

// Compute clock a chip sustains at `cap_w` watts over the clock its family's
// efficiencies were fitted at: the chip's gemm_clock_ratio (1 when unknown) times
// the power-cap fraction (1 without a cap). Errors: a cap above the chip's TDP (a cap
// only lowers power), at or below its static power (it would not run), or a
// chip whose TDP is unknown.
Result<double> ComputeClockFraction(const catalog::Chip& chip,
                                    const catalog::FamilyCalibration& cal,
                                    std::optional<double> cap_w);

// Adds a power limit to a system that may already have one: a cap only
// lowers power, so the tighter of the two holds.
void TightenPowerCap(catalog::System& system, double cap_w);

// A kernel's efficiency on a part whose tensor rate an SM is `rho` times that of the parts the
// efficiency `e` was measured on. A tensor-core kernel's tile is its MMAs plus the work beside
// them (FP32 promotion of partial sums, softmax, scaling, epilogues, pipeline fill and drain),
// which runs on an SM's CUDA cores, special-function units and load pipes; on the measured
// parts that work takes (1 - e) / e of the MMA time. With rho times the tensor rate an SM and
// the same units beside it, the MMAs take 1 / rho the time and the rest the same:
//   e' = e / (e + (1 - e) rho).
double AtTensorRateRatio(double e, double rho);

// The family's calibration for one chip: its tensor-core kernel efficiencies (matmul, 8- and
// 4-bit, fast-accumulation, weight-only, Triton fused-MoE, attention, FlashAttention-2, MLA
// decode) at the chip's tensor rate an SM (peak_tflops.bf16 / sm_count) over the family's
// tensor_tflops_per_sm, and the fused-MoE tile overhead (reduction elements of MMA time) times
// that ratio. Unchanged where the family has no such rate, the chip no sm_count or
// 16-bit peak, or the chip's rate is the family's to 0.1 % (the parts it was measured on).
// Then the 4-bit GEMM efficiency at the chip's 4-bit peak over its 16-bit one, against the
// family's fp4_over_16bit_peak (Blackwell Ultra: 1.5x Blackwell's NVFP4 math a clock).
// Everything else (memory, overheads, error) is the family's.
catalog::FamilyCalibration AtChipTensorRate(const catalog::FamilyCalibration& cal,
                                            const catalog::Chip& chip);

// The family's calibration as a serving job on `chip` uses it: AtChipTensorRate, and the step
// cost measured on the part itself (chips.yaml serving_step_overhead_ms) where the catalog has
// one, in place of the family's.
catalog::FamilyCalibration ServingCalibrationFor(const catalog::FamilyCalibration& cal,
                                                 const catalog::Chip& chip);

}  // namespace suanli::perf

#endif  // SUANLI_PERF_POWER_H_
