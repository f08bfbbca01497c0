// Plain-text tables for the terminal: columns sized to their content.
#ifndef SUANLI_REPORT_TABLE_H_
#define SUANLI_REPORT_TABLE_H_

#include <string>
#include <vector>

namespace suanli::report {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Columns whose every cell parses as a number are right-aligned.
  std::string Render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace suanli::report

#endif  // SUANLI_REPORT_TABLE_H_
