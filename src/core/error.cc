#include "core/error.h"

#include <fmt/format.h>

namespace suanli {

std::string Error::ToString() const {
  std::string where;
  if (!file.empty()) where = line > 0 ? fmt::format("{}:{}: ", file, line) : file + ": ";
  const std::string what = field.empty() ? std::string() : field + ": ";
  return where + what + message;
}

}  // namespace suanli
