// A data file compiled into the binary (see cmake/embed_files.cmake).
#ifndef SUANLI_CORE_EMBEDDED_FILE_H_
#define SUANLI_CORE_EMBEDDED_FILE_H_

#include <string_view>

namespace suanli {

struct EmbeddedFile {
  std::string_view name;
  std::string_view content;
};

}  // namespace suanli

#endif  // SUANLI_CORE_EMBEDDED_FILE_H_
