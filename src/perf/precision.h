// Training precision recipes: the format every tensor of a training run is kept in.
//
// A recipe names what a stack does (Megatron's --bf16, Transformer Engine's FP8 recipes, FSDP2's
// MixedPrecisionPolicy, DeepSeek-V3's fine-grained FP8); each format is also a knob of its own.
// Sources per recipe: docs/training-model.md (Precision recipes). Pure data, no I/O.
#ifndef SUANLI_PERF_PRECISION_H_
#define SUANLI_PERF_PRECISION_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/chip.h"
#include "core/error.h"

namespace suanli::perf {

// Storage format of a tensor class; kNone: the run keeps no such tensor.
enum class TensorFormat { kNone, kFp32, kBf16, kFp16, kFp8 };
std::string_view TensorFormatName(TensorFormat f);
std::optional<TensorFormat> ParseTensorFormat(std::string_view s);
double TensorFormatBytes(TensorFormat f);

// How FP8 GEMM inputs get their scale: from an amax history of earlier steps (delayed), from
// the tensor itself just before the cast (current: one more read of it), or per block of 32
// elements with E8M0 scales the tensor cores apply (MXFP8, Blackwell), or per 1x128 / 128x128
// tile in software (DeepSeek-V3).
enum class Fp8Scaling { kNone, kDelayed, kCurrent, kMxBlock, kTile };

struct Precision {
  std::string recipe;                             // bf16, fp16, fp8-delayed, ...
  catalog::DType matmul = catalog::DType::kBf16;  // GEMM input format (the peak that applies)
  Fp8Scaling scaling = Fp8Scaling::kNone;
  TensorFormat params = TensorFormat::kBf16;       // weights as the forward reads them
  TensorFormat grads = TensorFormat::kFp32;        // gradient buffer the backward accumulates into
  TensorFormat grad_reduce = TensorFormat::kFp32;  // data-parallel reduce(-scatter)
  TensorFormat main_params = TensorFormat::kFp32;  // the optimizer's master copy
  // fp32 copy of the gradients the optimizer keeps when the buffer is 16-bit (Megatron fp16).
  TensorFormat main_grads = TensorFormat::kNone;
  TensorFormat optimizer = TensorFormat::kFp32;    // Adam's first and second moments
  TensorFormat activations = TensorFormat::kBf16;  // what the forward stores for the backward
  // Transformer Engine casts bf16 weights to FP8 once per step and keeps the copy for every
  // micro-batch: on Hopper the weight and its transpose (FP8 GEMMs take one layout only), on
  // Blackwell a row-wise and a column-wise MXFP8 copy with one E8M0 scale per 32 elements.
  double weight_cache_bytes = 0;  // per linear-layer parameter
  bool sharded_params = false;    // FSDP: the fp32 parameters are the master, sharded (ZeRO-3)
};

// Recipe names, in the order --help lists them.
std::vector<std::string> PrecisionRecipes();

// The recipe for a name, for a chip (FP8 caches depend on its generation: Blackwell keeps MXFP8
// row- and column-wise copies, Hopper an FP8 transpose). Errors name the recipe and, for MXFP8
// on a chip without block-scaled tensor cores or FP8 on a chip without FP8, the chip.
Result<Precision> PrecisionRecipe(std::string_view name, const catalog::Chip& chip);

// The recipe a bare --dtype means: bf16, fp16, or fp8 with Transformer Engine's default
// (delayed scaling, Megatron's --fp8-format hybrid).
std::string_view RecipeForDType(catalog::DType d);

// Checks a recipe (possibly edited knob by knob) against a chip: FP8 tensors need FP8 support.
// `field` is the request field errors name.
Result<void> CheckPrecision(const Precision& p, const catalog::Chip& chip);

}  // namespace suanli::perf

#endif  // SUANLI_PERF_PRECISION_H_
