// The shipped data/scenarios/*.yaml files, compiled into the binary.
#ifndef SUANLI_SUPPLY_BUILTIN_SCENARIOS_H_
#define SUANLI_SUPPLY_BUILTIN_SCENARIOS_H_

#include <vector>

#include "core/embedded_file.h"

namespace suanli::supply {

const std::vector<EmbeddedFile>& BuiltinScenarioFiles();

}  // namespace suanli::supply

#endif  // SUANLI_SUPPLY_BUILTIN_SCENARIOS_H_
