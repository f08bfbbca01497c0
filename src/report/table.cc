#include "report/table.h"

#include <algorithm>
#include <cstdlib>

namespace suanli::report {
namespace {

bool LooksNumeric(const std::string& s) {
  if (s.empty() || s == "-") return true;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end != s.c_str() && (*end == '\0' || *end == '%' || *end == '*');
}

// Display width: counts UTF-8 code points, not bytes.
size_t Width(const std::string& s) {
  size_t w = 0;
  for (unsigned char ch : s) {
    if ((ch & 0xC0) != 0x80) ++w;
  }
  return w;
}

}  // namespace

std::string Table::Render() const {
  const size_t cols = header_.size();
  std::vector<size_t> width(cols, 0);
  std::vector<bool> numeric(cols, true);
  for (size_t c = 0; c < cols; ++c) width[c] = Width(header_[c]);
  for (const auto& row : rows_) {
    for (size_t c = 0; c < cols && c < row.size(); ++c) {
      width[c] = std::max(width[c], Width(row[c]));
      if (!LooksNumeric(row[c])) numeric[c] = false;
    }
  }
  auto line = [&](const std::vector<std::string>& row, bool header) {
    std::string out;
    for (size_t c = 0; c < cols; ++c) {
      const std::string cell = c < row.size() ? row[c] : "";
      const std::string pad(width[c] - Width(cell), ' ');
      if (c > 0) out += "  ";
      out += (numeric[c] && !header) ? pad + cell : cell + (c + 1 < cols ? pad : "");
    }
    return out + "\n";
  };
  std::string out = line(header_, true);
  size_t total = 0;
  for (size_t c = 0; c < cols; ++c) total += width[c] + (c > 0 ? 2 : 0);
  out += std::string(total, '-') + "\n";
  for (const auto& row : rows_) out += line(row, false);
  return out;
}

}  // namespace suanli::report
