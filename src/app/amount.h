// The one parser for numbers users type: "16M", "1.5e7", "2T", "4Mi", "4096".
//
// Suffixes K, M, B or G, T, P are powers of 1000 (16M = 16,000,000); Ki, Mi, Gi, Ti
// are powers of 1024 (4Mi = 4,194,304, the "4M tokens" batch of published runs).
// Sequence lengths (seq_len, input_tokens, output_tokens) read k and K as 1024, as context
// lengths are written: "8k" is 8,192, "128K" 131,072; so does a job's chip count (field count) as
// clusters are written: "16K" H100 is 16,384.
// Strict: trailing text, empty text, NaN and infinities are errors that name the field.
#ifndef SUANLI_APP_AMOUNT_H_
#define SUANLI_APP_AMOUNT_H_

#include <cstdint>
#include <string_view>

#include "core/error.h"

namespace suanli::app {

// A finite number, with an optional magnitude suffix.
Result<double> ParseAmount(std::string_view text, std::string_view field);

// A request field's value: ParseAmount, and a time may carry the field's unit or the other one
// ("50ms" or "0.05s" for tpot_ms, "600s" or "10m" for duration_s, "30d" for deadline_h; m is
// minutes, M mega), a power its watts ("700W", "1.2kW"
// for power_cap_w), a price in dollars its sign ("$2" for chip_hour_usd), as users type them.
Result<double> ParseFieldAmount(std::string_view text, std::string_view field);

// A finite number that must also be a whole number in [min, max]. A chip count (field "count")
// may be typed as nodes x chips per node: "2x8" is 16.
Result<int64_t> ParseWholeAmount(std::string_view text, std::string_view field, int64_t min,
                                 int64_t max);

// A double that must be a whole number in [min, max] (JSON numbers).
Result<int64_t> WholeNumber(double value, std::string_view field, int64_t min, int64_t max);

}  // namespace suanli::app

#endif  // SUANLI_APP_AMOUNT_H_
