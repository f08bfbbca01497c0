// The shipped data/localization.yaml, compiled into the binary.
#ifndef SUANLI_SUPPLY_BUILTIN_LOCALIZATION_H_
#define SUANLI_SUPPLY_BUILTIN_LOCALIZATION_H_

#include <vector>

#include "core/embedded_file.h"

namespace suanli::supply {

const std::vector<EmbeddedFile>& BuiltinLocalizationFiles();

}  // namespace suanli::supply

#endif  // SUANLI_SUPPLY_BUILTIN_LOCALIZATION_H_
