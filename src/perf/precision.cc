#include "perf/precision.h"

#include "core/text.h"

namespace suanli::perf {
namespace {

using catalog::DType;
using F = TensorFormat;

// FP8 copies Transformer Engine keeps of a bf16 weight between micro-batches, bytes per
// parameter: Hopper's FP8 GEMMs take only the TN layout, so the weight and its transpose (2);
// Blackwell's MXFP8 keeps a row-wise and a column-wise copy, each with one E8M0 scale byte per 32
// elements (2 x 33/32).
double WeightCacheBytes(bool mx) { return mx ? 2 * 33.0 / 32 : 2; }

}  // namespace

std::string_view TensorFormatName(TensorFormat f) {
  switch (f) {
    case F::kNone:
      return "none";
    case F::kFp32:
      return "fp32";
    case F::kBf16:
      return "bf16";
    case F::kFp16:
      return "fp16";
    case F::kFp8:
      return "fp8";
  }
  return "none";
}

std::optional<TensorFormat> ParseTensorFormat(std::string_view s) {
  const std::string v = ToLower(s);
  for (F f : {F::kNone, F::kFp32, F::kBf16, F::kFp16, F::kFp8}) {
    if (v == TensorFormatName(f)) return f;
  }
  return std::nullopt;
}

double TensorFormatBytes(TensorFormat f) {
  switch (f) {
    case F::kNone:
      return 0;
    case F::kFp32:
      return 4;
    case F::kBf16:
    case F::kFp16:
      return 2;
    case F::kFp8:
      return 1;
  }
  return 0;
}

std::vector<std::string> PrecisionRecipes() {
  return {"bf16",  "fp16",       "fp8-delayed", "fp8-current",
          "mxfp8", "fp8-params", "fsdp2-mixed", "fp8-blockwise"};
}

std::string_view RecipeForDType(DType d) {
  if (d == DType::kFp16) return "fp16";
  if (d == DType::kFp8) return "fp8-delayed";
  return "bf16";
}

Result<Precision> PrecisionRecipe(std::string_view name, const catalog::Chip& chip) {
  Precision p;
  p.recipe = ToLower(name);
  const std::string& r = p.recipe;
  if (r == "bf16") {
    // Megatron --bf16: bf16 weights, gradients accumulated and reduced in fp32 (main_grad),
    // fp32 main weights and Adam moments: 2 + 4 + 12 = 18 bytes per parameter, 6 + 12/d with the
    // distributed optimizer (Megatron-Core guide, "Distributed Optimizer").
  } else if (r == "fp16") {
    // Megatron --fp16: fp16 gradients reduced in fp16, an fp32 copy of them in the optimizer:
    // 20 bytes per parameter, 4 + 16/d distributed (same table).
    p.matmul = DType::kFp16;
    p.params = F::kFp16;
    p.grads = F::kFp16;
    p.grad_reduce = F::kFp16;
    p.main_grads = F::kFp32;
  } else if (r == "fp8-delayed" || r == "fp8-current" || r == "mxfp8") {
    // Transformer Engine FP8 (Megatron --fp8-format hybrid --fp8-recipe delayed|tensorwise|
    // mxfp8): GEMM inputs in FP8, everything the optimizer holds as with bf16, activations saved
    // in bf16 apart from the GEMMs' own FP8 copies; plus the cached FP8 weights.
    p.matmul = DType::kFp8;
    p.scaling = r == "fp8-delayed"   ? Fp8Scaling::kDelayed
                : r == "fp8-current" ? Fp8Scaling::kCurrent
                                     : Fp8Scaling::kMxBlock;
    p.weight_cache_bytes = WeightCacheBytes(r == "mxfp8");
  } else if (r == "fp8-params") {
    // Megatron --fp8-param-gather (TE fp8_model_init): the weights exist only in FP8 (with the
    // transpose Hopper needs), the distributed optimizer keeps the fp32 main weights and
    // all-gathers FP8 weights.
    p.matmul = DType::kFp8;
    p.scaling = Fp8Scaling::kDelayed;
    p.params = F::kFp8;
    p.weight_cache_bytes = 1;  // the transpose
  } else if (r == "fsdp2-mixed") {
    // torchtitan / FSDP2 MixedPrecisionPolicy(param_dtype=bf16, reduce_dtype=fp32): the fp32
    // parameters are the master copy, sharded; bf16 copies are gathered layer by layer and
    // freed; gradients reduce-scattered in fp32 and kept sharded: 16 bytes per parameter / d.
    p.params = F::kFp32;
    p.main_params = F::kNone;
    p.sharded_params = true;
  } else if (r == "fp8-blockwise") {
    // DeepSeek-V3 (arXiv 2412.19437, 3.3): FP8 GEMMs with 1x128 activation and 128x128 weight
    // tiles, FP32 master weights and gradients, BF16 AdamW moments, Linear inputs cached in FP8
    // for the backward, FP8 expert dispatch.
    p.matmul = DType::kFp8;
    p.scaling = Fp8Scaling::kTile;
    p.optimizer = F::kBf16;
    p.activations = F::kFp8;
  } else {
    return MakeError("unknown precision recipe '" + std::string(name.substr(0, 40)) +
                     "'; expected " + JoinOr(PrecisionRecipes()));
  }
  if (auto ok = CheckPrecision(p, chip); !ok) return tl::unexpected(ok.error());
  return p;
}

Result<void> CheckPrecision(const Precision& p, const catalog::Chip& chip) {
  const bool fp8 = p.matmul == DType::kFp8 || p.params == F::kFp8 || p.grads == F::kFp8 ||
                   p.grad_reduce == F::kFp8 || p.main_params == F::kFp8 || p.optimizer == F::kFp8 ||
                   p.activations == F::kFp8;
  if (fp8 && !chip.peak(DType::kFp8).known()) {
    return MakeError("precision '" + p.recipe + "' keeps FP8 tensors, but chip '" + chip.id + "' " +
                     (chip.peak(DType::kFp8).unsupported ? "has no FP8"
                                                         : "has no known FP8 peak in the catalog") +
                     "; use --precision bf16");
  }
  if (p.scaling == Fp8Scaling::kMxBlock && !chip.mxfp8_tflops.known()) {
    return MakeError(
        "precision 'mxfp8' needs block-scaled FP8 (MXFP8) tensor cores, which chip '" + chip.id +
        "' " + (chip.mxfp8_tflops.unsupported ? "does not have" : "is not known to have") +
        " (catalog mxfp8_tflops; Blackwell B200/GB200 have them); use --precision fp8-delayed "
        "or fp8-current");
  }
  if (p.matmul == DType::kFp16 && p.params != F::kFp16) {
    return MakeError("precision '" + p.recipe + "': fp16 GEMMs need fp16 weights");
  }
  if (p.params == F::kFp8 && p.main_params == F::kNone) {
    return MakeError("precision '" + p.recipe +
                     "': FP8 weights need a main copy to update (main parameters fp32 or bf16)");
  }
  return {};
}

}  // namespace suanli::perf
