#include "perf/power.h"

#include <algorithm>
#include <cmath>

#include "catalog/catalog.h"

namespace suanli::perf {

Result<double> ComputeClockFraction(const catalog::Chip& chip,
                                    const catalog::FamilyCalibration& cal,
                                    std::optional<double> cap) {
  const double ratio = chip.gemm_clock_ratio.known() ? *chip.gemm_clock_ratio.value : 1.0;
  if (!cap) return ratio;
  if (auto ok = catalog::CheckPowerCap(chip, cal, *cap); !ok) return tl::unexpected(ok.error());
  const double tdp = *chip.tdp_w.value;
  const double static_w = cal.static_power_fraction * tdp;
  return ratio * std::pow((*cap - static_w) / (tdp - static_w), 1.0 / cal.dvfs_power_exponent);
}

void TightenPowerCap(catalog::System& system, double cap_w) {
  system.power_cap_w = system.power_cap_w ? std::min(*system.power_cap_w, cap_w) : cap_w;
}

double AtTensorRateRatio(double e, double rho) { return e / (e + (1 - e) * rho); }

namespace {

// The family's efficiencies at the chip's 16-bit tensor rate an SM (tensor_tflops_per_sm).
catalog::FamilyCalibration AtSmTensorRate(const catalog::FamilyCalibration& cal,
                                          const catalog::Chip& chip) {
  const auto& bf16 = chip.peak(catalog::DType::kBf16);
  if (!cal.tensor_tflops_per_sm || !chip.sm_count.known() || !bf16.known() ||
      *chip.sm_count.value <= 0) {
    return cal;
  }
  const double rho = *bf16.value / *chip.sm_count.value / *cal.tensor_tflops_per_sm;
  // The parts the efficiencies were measured on, to the catalog's precision: as they are.
  if (std::abs(rho - 1) < 1e-3) return cal;
  catalog::FamilyCalibration out = cal;
  const auto at = [rho](double& e) { e = AtTensorRateRatio(e, rho); };
  const auto at_set = [&at](std::optional<double>& e) {
    if (e) at(*e);
  };
  at(out.matmul_efficiency);
  at(out.low_precision_matmul_efficiency);
  at_set(out.fp4_matmul_efficiency);
  at_set(out.weight_only_matmul_efficiency);
  at_set(out.triton_moe_matmul_efficiency);
  at_set(out.triton_moe_block_fp8_matmul_efficiency);
  at_set(out.fp8_fast_accum_matmul_efficiency);
  at(out.attention_efficiency);
  at_set(out.fa2_attention_efficiency);
  at_set(out.mla_decode_efficiency);
  at_set(out.fp8_mla_decode_efficiency);
  at_set(out.fp8_sparse_mla_decode_efficiency);
  // The Triton fused-MoE tile's prologue and epilogue are work beside the MMAs too: the same time
  // a tile on either part, worth rho times the reduction elements of the chip's slower MMAs
  // (650 on the family's parts, 165 on the H20). Checked against SGLang's down GEMM of
  // DeepSeek-R1's experts at TP 8 on the H20 (256-long reduction, 8,192 tokens, S4210): 2.430 ms
  // measured before TMA, 2.65 ms with the overhead scaled, 5.70 ms with the family's.
  out.triton_moe_tile_k_overhead *= rho;
  return out;
}

}  // namespace

catalog::FamilyCalibration AtChipTensorRate(const catalog::FamilyCalibration& cal,
                                            const catalog::Chip& chip) {
  catalog::FamilyCalibration out = AtSmTensorRate(cal, chip);
  // The 4-bit rate beside the 16-bit one: Blackwell Ultra's tensor cores do 1.5x Blackwell's NVFP4
  // math a clock (peak_tflops.fp4 / bf16: B300 13,125 / 2,250, GB300 15,000 / 2,500) with the
  // same 16-bit and FP8 rate, SMs and units beside them (S4510), so an NVFP4 GEMM's MMAs shorten
  // and its other work does not: the measured NVFP4 kernels run 1.05x B200's speed on B300 over
  // the same shapes (S4512) and the Ultra GEMM at 8192 x 8192 x 33,024 draws the clock down to
  // 1.55 GHz at 77 % tensor duty (S4511). Composes with the rate an SM above (rho multiplies).
  const catalog::SourcedNumber* half = &chip.peak(catalog::DType::kBf16);
  if (!half->known()) half = &chip.peak(catalog::DType::kFp16);
  const auto& fp4 = chip.peak(catalog::DType::kFp4);
  if (cal.fp4_over_16bit_peak && out.fp4_matmul_efficiency && fp4.known() && half->known() &&
      *half->value > 0) {
    const double rho = *fp4.value / *half->value / *cal.fp4_over_16bit_peak;
    if (std::abs(rho - 1) >= 1e-3) {
      *out.fp4_matmul_efficiency = AtTensorRateRatio(*out.fp4_matmul_efficiency, rho);
    }
  }
  return out;
}

catalog::FamilyCalibration ServingCalibrationFor(const catalog::FamilyCalibration& cal,
                                                 const catalog::Chip& chip) {
  catalog::FamilyCalibration out = AtChipTensorRate(cal, chip);
  if (chip.serving_step_overhead_ms.known()) {
    out.serving_step_overhead_ms = *chip.serving_step_overhead_ms.value;
  }
  if (chip.serving_graph_step_overhead_ms.known()) {
    out.serving_graph_step_overhead_ms = *chip.serving_graph_step_overhead_ms.value;
  }
  return out;
}

}  // namespace suanli::perf
