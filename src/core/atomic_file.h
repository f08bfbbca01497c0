// Whole files: reading one into memory, and writing output files so that a
// failure never leaves a half-written file (the content goes to a temporary
// next to the target, then is renamed).
#ifndef SUANLI_CORE_ATOMIC_FILE_H_
#define SUANLI_CORE_ATOMIC_FILE_H_

#include <string>
#include <string_view>

#include "core/error.h"

namespace suanli {

Result<void> WriteFileAtomically(const std::string& path, std::string_view content);

// The whole file; the error ("cannot read file") names the path.
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace suanli

#endif  // SUANLI_CORE_ATOMIC_FILE_H_
