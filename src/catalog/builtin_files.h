// The shipped data/*.yaml files, compiled into the binary.
#ifndef SUANLI_CATALOG_BUILTIN_FILES_H_
#define SUANLI_CATALOG_BUILTIN_FILES_H_

#include <vector>

#include "core/embedded_file.h"

namespace suanli::catalog {

// In load order: sources, chips, systems, models, calibration.
const std::vector<EmbeddedFile>& BuiltinFiles();

}  // namespace suanli::catalog

#endif  // SUANLI_CATALOG_BUILTIN_FILES_H_
