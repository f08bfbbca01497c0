// The row reader every trace reader of suanli uses (trace readers, the
// serving request trace): one set of rules for CSV and TSV text. A small RFC
// 4180 reader: fields split on commas (or tabs), quotes honoured ("" is a
// quote inside a quoted field), line numbers kept for errors. A UTF-8 byte
// order mark (Excel's "CSV UTF-8") is skipped. Errors, at their file:line: a
// quote never closed (at the line it opened, not one field holding the rest
// of the file), a NUL byte (not a text file), a field over 1 MiB, and a last
// row cut off (no line end and fewer fields than the first row).
#ifndef SUANLI_SIM_TRACE_CSV_ROWS_H_
#define SUANLI_SIM_TRACE_CSV_ROWS_H_

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace suanli::sim {

struct Row {
  int line = 0;  // where the row starts (1-based)
  // Which non-blank row it is (0: the first, a header), and where its bytes
  // are in the text or stream (line end included): a row can be read again.
  long index = 0;
  int64_t offset = 0, bytes = 0;
  std::vector<std::string> fields;
};

// Where rows come from: a text or stream read in order (RowReader), or rows
// taken again from where they are in a file (a trace in arrival order).
class RowSource {
 public:
  virtual ~RowSource() = default;
  // The next non-blank row into *row; false at the end.
  virtual Result<bool> Next(Row* row) = 0;
  // Rows read so far.
  virtual long rows() const = 0;
};

// Rows one at a time, from a text in memory or a stream read in chunks, so
// a trace never has to fit in memory as text. Blank lines are skipped.
class RowReader : public RowSource {
 public:
  // `whole_file` false: the text is a piece of a file, not its start (a byte
  // order mark there is data).
  RowReader(std::string_view text, char sep, std::string file, bool whole_file = true);
  RowReader(std::istream& in, char sep, std::string file);

  Result<bool> Next(Row* row) override;
  long rows() const override { return rows_; }

 private:
  char sep_;
  std::string file_;
  std::istream* in_ = nullptr;
  std::vector<char> buf_;
  std::string_view view_;
  size_t pos_ = 0;
  int64_t base_ = 0;  // where view_ starts in the text or stream
  bool started_ = false, done_ = false;
  int line_ = 1;
  size_t width_ = 0;  // fields of the first row
  long rows_ = 0;

  void SkipByteOrderMark();
  bool Refill();
  int Get();
  int Peek();
};

// Every row of a text.
Result<std::vector<Row>> SplitRows(std::string_view text, char sep, const std::string& file);

}  // namespace suanli::sim

#endif  // SUANLI_SIM_TRACE_CSV_ROWS_H_
