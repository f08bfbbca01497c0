#include "sim/trace/read_trace.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <sstream>
#include <system_error>

#include "core/atomic_file.h"
#include "sim/trace/csv_rows.h"
#include "sim/trace/reader_util.h"

namespace suanli::sim {

std::string DetectTraceFormat(std::string_view path, std::string_view head) {
  if (path.size() > 6 && path.substr(path.size() - 6) == ".trace") return "gavel";
  if (head.rfind("name,cpu_milli,memory_mib,num_gpu", 0) == 0) return "openb";
  if (head.rfind("name,time,application,num_replicas,batch_size", 0) == 0) return "sia";
  return "csv";
}

Result<TraceFile> OpenTrace(const std::string& path, const std::string& format) {
  TraceFile file;
  file.path = path;
  errno = 0;
  file.in.open(path, std::ios::binary);
  if (!file.in) {
    // Why, as the system says it ("No such file or directory", "Permission denied").
    const int e = errno;
    return MakeError(
        std::string("cannot read file") + (e ? std::string(": ") + std::strerror(e) : ""), path);
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    // A pipe cannot start over: read it whole, from this stream (opening it
    // again would lose what this one has buffered).
    std::ostringstream all;
    all << file.in.rdbuf();
    file.text = all.str();
    file.format = format.empty()
                      ? DetectTraceFormat(path, std::string_view(file.text).substr(0, 256))
                      : format;
    return file;
  }
  std::string head(256, '\0');
  file.in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(file.in.gcount()));
  file.format = format.empty() ? DetectTraceFormat(path, head) : format;
  file.in.clear();
  file.in.seekg(0);
  if (!file.in) return MakeError("cannot read file from its start again", path);
  return file;
}

Result<std::vector<Job>> ReadTrace(TraceFile& file, const TraceSideFiles& side, TraceStats* stats,
                                   const OpenbOptions& openb, const RowProgress& progress) {
  const bool stream = file.text.empty();
  const std::string& path = file.path;
  if (stream) {  // from the start, also after a pass of StreamTrace
    file.in.clear();
    file.in.seekg(0);
    if (!file.in) return MakeError("cannot read file from its start again", path);
  }
  if (file.format == "csv") {
    return stream ? ReadCsvTrace(file.in, path, stats, progress)
                  : ReadCsvTrace(file.text, path, stats);
  }
  if (file.format == "openb") {
    return stream ? ReadOpenbPods(file.in, path, stats, openb, progress)
                  : ReadOpenbPods(file.text, path, stats, openb);
  }
  if (file.format == "gavel") {
    auto tput = side.read ? side.read(side.throughputs) : ReadWholeFile(side.throughputs);
    if (!tput) {
      // Named by its request field: the CLI shows it as --throughputs, HTTP as "throughputs".
      return MakeError("gavel traces need their throughput table (simulation_throughputs.json): " +
                           tput.error().message,
                       side.throughputs, 0, "throughputs");
    }
    return stream ? ReadGavelTrace(file.in, path, *tput, side.throughputs, stats, progress)
                  : ReadGavelTrace(file.text, path, *tput, side.throughputs, stats);
  }
  if (file.format == "sia") {
    if (stream) {  // small workloads with profiles beside them: read whole
      std::ostringstream all;
      all << file.in.rdbuf();
      file.text = all.str();
    }
    return ReadSiaWorkload(file.text, path, side.profiles, stats);
  }
  return tl::unexpected(Error{
      "unknown format '" + file.format + "'; expected openb, gavel, sia or csv", "", 0, "format"});
}

bool CanStreamTrace(const TraceFile& file) {
  return file.format == "csv" || file.format == "openb";
}

Result<std::unique_ptr<TraceJobStream>> StreamTrace(TraceFile& file, const OpenbOptions& openb,
                                                    const RowProgress& progress) {
  if (!CanStreamTrace(file)) {
    return tl::unexpected(
        Error{"a " + file.format + " trace is read whole, not streamed", file.path, 0, "format"});
  }
  const bool stream = file.text.empty();
  if (stream) {
    file.in.clear();
    file.in.seekg(0);
    if (!file.in) return MakeError("cannot read file from its start again", file.path);
  }
  if (file.format == "csv") {
    return stream ? StreamCsvTrace(file.in, file.path, progress)
                  : StreamCsvTrace(file.text, file.path);
  }
  return stream ? StreamOpenbPods(file.in, file.path, openb, progress)
                : StreamOpenbPods(file.text, file.path, openb);
}

Result<TraceOrder> SortTrace(TraceFile& file, const OpenbOptions& openb,
                             const RowProgress& progress, size_t jobs) {
  auto stream = StreamTrace(file, openb, progress);
  if (!stream) return tl::unexpected(stream.error());
  auto ref = [&file](const Row& row) -> Result<RowRef> {
    constexpr auto kMax = std::numeric_limits<uint32_t>::max();
    if (row.bytes > kMax || row.index > static_cast<long>(kMax)) {
      return MakeError("a row over 4 GiB or past row 4,294,967,295: too large to sort", file.path,
                       row.line);
    }
    return RowRef{row.offset, static_cast<uint32_t>(row.bytes), static_cast<uint32_t>(row.index)};
  };
  // 32 B a job while sorting, 16 B after.
  struct Key {
    double arrival_s;
    int64_t id;
    RowRef row;
  };
  std::vector<Key> keys;
  keys.reserve(jobs);
  Job j;
  for (;;) {
    auto more = (*stream)->Next(&j);
    if (!more) return tl::unexpected(more.error());
    if (!*more) break;
    auto row = ref((*stream)->row());
    if (!row) return tl::unexpected(row.error());
    keys.push_back({j.arrival_s, j.id, *row});
  }
  TraceOrder order;
  auto header = ref((*stream)->header());
  if (!header) return tl::unexpected(header.error());
  order.header = *header;
  // As SortJobs orders whole jobs: by arrival, then id, stable.
  std::stable_sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    return a.arrival_s != b.arrival_s ? a.arrival_s < b.arrival_s : a.id < b.id;
  });
  order.rows.reserve(keys.size());
  for (const auto& k : keys) order.rows.push_back(k.row);
  return order;
}

namespace {

// The rows `order` names, read again from the file (pread, through a small
// window, so rows next to each other are read once) or from the text held.
class RowsAt : public RowSource {
 public:
  RowsAt(TraceFile& file, const TraceOrder& order, char sep)
      : file_(file), order_(order), sep_(sep) {}
  ~RowsAt() override {
    if (fd_ >= 0) ::close(fd_);
  }
  RowsAt(const RowsAt&) = delete;
  RowsAt& operator=(const RowsAt&) = delete;

  Result<bool> Next(Row* row) override {
    const RowRef* ref = nullptr;
    if (rows_ == 0) {
      ref = &order_.header;
    } else if (static_cast<size_t>(rows_ - 1) < order_.rows.size()) {
      ref = &order_.rows[static_cast<size_t>(rows_ - 1)];
    } else {
      return false;
    }
    auto bytes = Bytes(*ref);
    if (!bytes) return tl::unexpected(bytes.error());
    // A byte order mark is skipped only at the start of the file, as the first read did.
    RowReader reader(*bytes, sep_, file_.path, ref->offset == 0);
    auto more = reader.Next(row);
    if (!more) return tl::unexpected(more.error());
    if (!*more) return MakeError("the trace changed while it was read (a row is gone)", file_.path);
    row->index = ref->index;
    row->offset = ref->offset;
    row->bytes = ref->bytes;
    ++rows_;
    return true;
  }
  long rows() const override { return rows_; }

 private:
  // Rows are about 40-100 B: a window of a few rows, not a page, when the order jumps about.
  static constexpr int64_t kWindow = 512;
  TraceFile& file_;
  const TraceOrder& order_;
  char sep_;
  long rows_ = 0;
  int fd_ = -1;
  std::string window_;
  int64_t window_start_ = -1;

  Result<std::string_view> Bytes(const RowRef& ref) {
    const auto end = ref.offset + static_cast<int64_t>(ref.bytes);
    if (!file_.text.empty()) {
      if (end > static_cast<int64_t>(file_.text.size()))
        return MakeError("the trace changed while it was read (it is shorter)", file_.path);
      return std::string_view(file_.text).substr(static_cast<size_t>(ref.offset), ref.bytes);
    }
    if (window_start_ < 0 || ref.offset < window_start_ ||
        end > window_start_ + static_cast<int64_t>(window_.size())) {
      if (fd_ < 0) {
        fd_ = ::open(file_.path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) return MakeError("cannot read file again", file_.path);
      }
      window_.resize(static_cast<size_t>(std::max<int64_t>(ref.bytes, kWindow)));
      size_t got = 0;
      while (got < window_.size()) {
        const ssize_t n = ::pread(fd_, window_.data() + got, window_.size() - got,
                                  static_cast<off_t>(ref.offset + static_cast<int64_t>(got)));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<size_t>(n);
      }
      window_.resize(got);
      window_start_ = ref.offset;
      if (got < ref.bytes)
        return MakeError("the trace changed while it was read (it is shorter)", file_.path);
    }
    return std::string_view(window_).substr(static_cast<size_t>(ref.offset - window_start_),
                                            ref.bytes);
  }
};

}  // namespace

Result<std::unique_ptr<TraceJobStream>> StreamTrace(TraceFile& file, const TraceOrder& order,
                                                    const OpenbOptions& openb) {
  if (!CanStreamTrace(file)) {
    return tl::unexpected(
        Error{"a " + file.format + " trace is read whole, not streamed", file.path, 0, "format"});
  }
  auto rows = std::make_unique<RowsAt>(file, order, ',');
  if (file.format == "csv") return trace_internal::CsvJobsFrom(std::move(rows), file.path);
  return trace_internal::OpenbJobsFrom(std::move(rows), file.path, openb);
}

}  // namespace suanli::sim
