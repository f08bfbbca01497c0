#include "sim/trace/csv_rows.h"

#include <istream>
#include <utility>

namespace suanli::sim {

RowReader::RowReader(std::string_view text, char sep, std::string file, bool whole_file)
    : sep_(sep), file_(std::move(file)), view_(text) {
  if (whole_file) SkipByteOrderMark();
}

RowReader::RowReader(std::istream& in, char sep, std::string file)
    : sep_(sep), file_(std::move(file)), in_(&in), buf_(1 << 16) {}

Result<bool> RowReader::Next(Row* row) {
  constexpr size_t kMaxField = 1 << 20;
  row->fields.clear();
  row->line = line_;
  row->index = rows_;
  row->offset = base_ + static_cast<int64_t>(pos_);
  if (done_) return false;
  std::string field;
  bool quoted = false;
  int quote_line = 0;
  for (;;) {
    const int c = Get();
    if (c < 0) {
      done_ = true;
      if (quoted) {
        return MakeError("unterminated quote: the '\"' opened on this line is never closed", file_,
                         quote_line);
      }
      row->fields.push_back(std::move(field));
      if (row->fields.size() == 1 && row->fields[0].empty()) return false;
      if (row->fields.size() < width_) {
        return MakeError(
            "the file ends in the middle of a row: " + std::to_string(row->fields.size()) + " of " +
                std::to_string(width_) + " fields and no line end (truncated?)",
            file_, row->line);
      }
      row->bytes = base_ + static_cast<int64_t>(pos_) - row->offset;
      ++rows_;
      return true;
    }
    if (c == 0) {
      return MakeError("not a text file: it holds a NUL byte", file_, quoted ? quote_line : line_);
    }
    if (field.size() >= kMaxField) {
      if (quoted) {
        return MakeError(
            "unterminated quote: the '\"' opened on this line is not closed within 1 MiB", file_,
            quote_line);
      }
      return MakeError("a field longer than 1 MiB: not a trace", file_, line_);
    }
    if (quoted) {
      if (c == '"' && Peek() == '"') {
        Get();
        field += '"';
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line_;
        field += static_cast<char>(c);
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      quote_line = line_;
    } else if (c == sep_) {
      row->fields.push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && Peek() == '\n') Get();
      row->fields.push_back(std::move(field));
      field.clear();
      ++line_;
      if (row->fields.size() == 1 && row->fields[0].empty()) {  // a blank line
        row->fields.clear();
        row->line = line_;
        row->offset = base_ + static_cast<int64_t>(pos_);
        continue;
      }
      if (width_ == 0) width_ = row->fields.size();
      row->bytes = base_ + static_cast<int64_t>(pos_) - row->offset;
      ++rows_;
      return true;
    } else {
      field += static_cast<char>(c);
    }
  }
}

void RowReader::SkipByteOrderMark() {
  if (view_.substr(pos_, 3) == "\xEF\xBB\xBF") pos_ += 3;
}

bool RowReader::Refill() {
  if (!in_) return false;
  in_->read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
  const auto got = in_->gcount();
  if (got <= 0) return false;
  base_ += static_cast<int64_t>(view_.size());
  view_ = std::string_view(buf_.data(), static_cast<size_t>(got));
  pos_ = 0;
  if (!started_) SkipByteOrderMark();
  started_ = true;
  return pos_ < view_.size() || Refill();
}

int RowReader::Get() {
  if (pos_ >= view_.size() && !Refill()) return -1;
  return static_cast<unsigned char>(view_[pos_++]);
}

int RowReader::Peek() {
  if (pos_ >= view_.size() && !Refill()) return -1;
  return static_cast<unsigned char>(view_[pos_]);
}

Result<std::vector<Row>> SplitRows(std::string_view text, char sep, const std::string& file) {
  RowReader reader(text, sep, file);
  std::vector<Row> rows;
  Row row;
  for (;;) {
    auto more = reader.Next(&row);
    if (!more) return tl::unexpected(more.error());
    if (!*more) return rows;
    rows.push_back(std::move(row));
  }
}

}  // namespace suanli::sim
