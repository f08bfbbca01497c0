// Writing output files so that a failure never leaves a half-written file:
// the content goes to a temporary next to the target, then is renamed.
#ifndef SUANLI_CORE_ATOMIC_FILE_H_
#define SUANLI_CORE_ATOMIC_FILE_H_

#include <string>
#include <string_view>

#include "core/error.h"

namespace suanli {

Result<void> WriteFileAtomically(const std::string& path, std::string_view content);

}  // namespace suanli

#endif  // SUANLI_CORE_ATOMIC_FILE_H_
