// Generic CSV traces (docs/trace-formats.md).
#include "sim/trace/trace.h"

#include <charconv>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/text.h"
#include "sim/trace/csv_rows.h"
#include "sim/trace/reader_util.h"

namespace suanli::sim {

using trace_internal::CheckJob;
using trace_internal::Columns;
using trace_internal::ReadAll;
using trace_internal::ReportRows;
using trace_internal::SplitOn;
using trace_internal::Started;
using trace_internal::TypeList;

namespace {

// Job ids seen so far, as ranges of consecutive ids: a trace numbered 1..n
// (trace synth's) is one range, so checking for ids used twice does not hold
// one entry per job.
class IdSet {
 public:
  // False when `id` was seen before.
  bool Insert(int64_t id) {
    auto next = ranges_.upper_bound(id);  // first range starting after id
    if (next != ranges_.begin()) {
      auto prev = std::prev(next);
      if (id <= prev->second) return false;
      if (id == prev->second + 1) {
        prev->second = id;
        if (next != ranges_.end() && next->first == id + 1) {
          prev->second = next->second;
          ranges_.erase(next);
        }
        return true;
      }
    }
    if (next != ranges_.end() && next->first == id + 1) {
      const int64_t last = next->second;
      ranges_.erase(next);
      ranges_.emplace(id, last);
      return true;
    }
    ranges_.emplace(id, id);
    return true;
  }

 private:
  std::map<int64_t, int64_t> ranges_;  // first id -> last id
};

// The jobs of a generic CSV trace, row by row, in file order.
class CsvJobs : public TraceJobStream {
 public:
  CsvJobs(std::unique_ptr<RowSource> rows, std::string file, RowProgress progress,
          bool ids_checked = false)
      : rows_(std::move(rows)),
        file_(std::move(file)),
        progress_(std::move(progress)),
        ids_checked_(ids_checked) {}

  Result<void> Start() {
    SUANLI_TRY(any, rows_->Next(&header_));
    if (!any) return MakeError("the trace is empty", file_);
    columns_.emplace(header_, file_);
    if (auto ok = columns_->Require({"id", "arrival_s", "num_gpus", "duration_s"}, header_.line);
        !ok)
      return tl::unexpected(ok.error());
    return {};
  }

  Result<bool> Next(Job* job) override {
    auto more = rows_->Next(&r_);
    if (!more) return tl::unexpected(more.error());
    if (!*more) {
      if (jobs_ == 0) return MakeError("the trace has a header but no jobs", file_);
      return false;
    }
    ReportRows(progress_, rows_->rows());
    const Columns& c = *columns_;
    const Row& r = r_;
    Job j;
    j.name = c.Text(r, "id");
    // Without an id, a job is numbered by its row (1 for the first after the header).
    SUANLI_TRY(id, c.Integer(r, "id", static_cast<double>(r.index), 0, 9e15));
    j.id = id;
    if (!ids_checked_ && !ids_.Insert(id))
      return MakeError("job id used twice", file_, r.line, "id");
    SUANLI_TRY(arrival, c.Number(r, "arrival_s", 0, true));
    j.arrival_s = arrival;
    SUANLI_TRY(gpus, c.Integer(r, "num_gpus", 1, 0, 4096, true));
    j.num_gpus = static_cast<int>(gpus);
    SUANLI_TRY(milli, c.Integer(r, "gpu_milli", kMilliPerGpu, 1, kMilliPerGpu));
    j.gpu_milli = static_cast<int>(milli);
    SUANLI_TRY(cpu, c.Integer(r, "cpu_milli", 0, 0, 1e9));
    j.cpu_milli = static_cast<int>(cpu);
    SUANLI_TRY(mem, c.Integer(r, "memory_mib", 0, 0, 1e9));
    j.memory_mib = static_cast<int>(mem);
    SUANLI_TRY(priority, c.Number(r, "priority", 1));
    j.priority = priority;
    SUANLI_TRY(types, TypeList(c, r, "gpu_types", file_));
    j.allowed_types = types;
    const std::string d = c.Text(r, "duration_s");
    if (d.find('=') == std::string::npos) {
      SUANLI_TRY(seconds, c.Number(r, "duration_s", 0, true));
      j.duration_s["*"] = seconds;
    } else {
      for (const auto& part : SplitOn(d, ';')) {
        const auto eq = part.find('=');
        double v = 0;
        const std::string num = eq == std::string::npos ? "" : part.substr(eq + 1);
        auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
        if (eq == std::string::npos || eq == 0 || ec != std::errc() ||
            p != num.data() + num.size() || !std::isfinite(v)) {
          return MakeError(Quoted(part) + " is not type=seconds", file_, r.line, "duration_s");
        }
        // A type given twice (v100=100;v100=200 ran 200 s) is no duration.
        const std::string type = part.substr(0, eq);
        for (const auto& [other, _] : j.duration_s) {
          if (ToLower(other) == ToLower(type)) {
            return MakeError(Quoted(part) + ": " + other +
                                 " has a duration already; give each "
                                 "type once",
                             file_, r.line, "duration_s");
          }
        }
        j.duration_s[type] = v;
      }
      // gpu_types spelt in another case than the durations name them (the documented row
      // v100=7200;p100=11000 with V100|P100) are those types: the job never fit any cluster, as
      // it could run only on V100 and had a duration only on v100.
      for (auto& t : j.allowed_types) {
        if (j.duration_s.count(t)) continue;
        for (const auto& [key, _] : j.duration_s) {
          if (ToLower(key) == ToLower(t)) t = key;
        }
      }
    }
    if (auto ok = CheckJob(j, file_, r.line, "arrival_s", "duration_s"); !ok)
      return tl::unexpected(ok.error());
    *job = std::move(j);
    ++jobs_;
    return true;
  }

  TraceStats stats() const override { return {rows_->rows() - 1, jobs_, 0, ""}; }
  const Row& header() const override { return header_; }
  const Row& row() const override { return r_; }

 private:
  std::unique_ptr<RowSource> rows_;
  std::string file_;
  RowProgress progress_;
  bool ids_checked_;
  Row header_, r_;
  std::optional<Columns> columns_;
  IdSet ids_;
  long jobs_ = 0;
};

Result<std::vector<Job>> ReadCsvRows(std::unique_ptr<RowSource> rows, const std::string& file,
                                     TraceStats* stats, const RowProgress& progress) {
  SUANLI_TRY(stream, Started<CsvJobs>(std::move(rows), file, progress));
  return ReadAll(*stream, stats);
}

}  // namespace

namespace trace_internal {
Result<std::unique_ptr<TraceJobStream>> CsvJobsFrom(std::unique_ptr<RowSource> rows,
                                                    const std::string& file) {
  return Started<CsvJobs>(std::move(rows), file, RowProgress{}, true);
}
}  // namespace trace_internal

Result<std::unique_ptr<TraceJobStream>> StreamCsvTrace(std::istream& in, const std::string& file,
                                                       const RowProgress& progress) {
  return Started<CsvJobs>(std::make_unique<RowReader>(in, ',', file), file, progress);
}
Result<std::unique_ptr<TraceJobStream>> StreamCsvTrace(std::string_view text,
                                                       const std::string& file) {
  return Started<CsvJobs>(std::make_unique<RowReader>(text, ',', file), file, RowProgress{});
}
Result<std::vector<Job>> ReadCsvTrace(std::string_view text, const std::string& file,
                                      TraceStats* stats) {
  return ReadCsvRows(std::make_unique<RowReader>(text, ',', file), file, stats, {});
}

Result<std::vector<Job>> ReadCsvTrace(std::istream& in, const std::string& file, TraceStats* stats,
                                      const RowProgress& progress) {
  return ReadCsvRows(std::make_unique<RowReader>(in, ',', file), file, stats, progress);
}

}  // namespace suanli::sim
