#include "core/atomic_file.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace suanli {

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError("cannot read file", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

Result<void> WriteFileAtomically(const std::string& path, std::string_view content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return MakeError("cannot open for writing", tmp);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      return MakeError("write failed", tmp);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return MakeError("cannot rename temporary into place: " + ec.message(), path);
  }
  return {};
}

}  // namespace suanli
