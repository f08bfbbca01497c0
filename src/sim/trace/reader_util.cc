#include "sim/trace/reader_util.h"

#include <algorithm>
#include <charconv>

#include "core/text.h"

namespace suanli::sim::trace_internal {

void ReportRows(const RowProgress& progress, long rows) {
  if (progress && rows % kProgressRows == 0) progress(rows);
}

std::vector<std::string> SplitOn(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t end = s.find(sep, start);
    std::string item = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!item.empty()) out.push_back(item);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

Result<std::vector<std::string>> TypeList(const Columns& c, const Row& r, const std::string& field,
                                          const std::string& file) {
  const std::string text = c.Text(r, field);
  std::vector<std::string> types = SplitOn(text, '|');
  // An empty item (`|` alone, `V100||T4`, `V100|`) is no type: the cell would read as fewer
  // types than written, `|` alone as any type (an empty cell's meaning).
  if (!text.empty() &&
      (text.front() == '|' || text.back() == '|' || text.find("||") != std::string::npos)) {
    return MakeError(Quoted(text) +
                         " has an empty type name between its |s: give type names like V100|T4, "
                         "or leave the cell empty for any type",
                     file, r.line, field);
  }
  for (const auto& t : types) {
    if (t.find_first_not_of(" \t") == std::string::npos || t.front() == ' ' || t.front() == '\t' ||
        t.back() == ' ' || t.back() == '\t') {
      return MakeError(Quoted(text) + " is not a list of type names like V100|T4", file, r.line,
                       field);
    }
  }
  return types;
}

Result<void> CheckJob(const Job& j, const std::string& file, int line,
                      const std::string& arrival_field, const std::string& duration_field) {
  if (!std::isfinite(j.arrival_s) || j.arrival_s > kMaxTraceSeconds) {
    return MakeError("arrival time is not a finite number of seconds of at most 1e10", file, line,
                     arrival_field);
  }
  if (j.arrival_s < 0) return MakeError("arrival time is negative", file, line, arrival_field);
  if (j.num_gpus < 0 || j.num_gpus > 4096)
    return MakeError("GPU count out of range [0, 4096]", file, line, "num_gpus");
  if (j.gpu_milli < 1 || j.gpu_milli > kMilliPerGpu)
    return MakeError("gpu_milli out of range [1, 1000]", file, line, "gpu_milli");
  if (j.gpu_milli < kMilliPerGpu && j.num_gpus != 1) {
    return MakeError("a shared GPU (gpu_milli < 1000) needs num_gpus 1", file, line, "gpu_milli");
  }
  for (const auto& [type, d] : j.duration_s) {
    if (!(d > 0)) return MakeError("duration must be positive", file, line, duration_field);
    if (!std::isfinite(d) || d > kMaxTraceSeconds) {
      return MakeError("duration is not a finite number of seconds of at most 1e10", file, line,
                       duration_field);
    }
  }
  if (j.duration_s.empty()) return MakeError("no duration", file, line, duration_field);
  return {};
}

void SortJobs(std::vector<Job>& jobs) {
  auto order = [](const Job& a, const Job& b) {
    return a.arrival_s != b.arrival_s ? a.arrival_s < b.arrival_s : a.id < b.id;
  };
  // Most traces come in order: checking is O(n), moving jobs about is not cheap.
  if (std::is_sorted(jobs.begin(), jobs.end(), order)) return;
  std::stable_sort(jobs.begin(), jobs.end(), order);
}

// Every job of a stream, sorted.
Result<std::vector<Job>> ReadAll(TraceJobStream& stream, TraceStats* stats) {
  std::vector<Job> jobs;
  Job j;
  for (;;) {
    auto more = stream.Next(&j);
    if (!more) return tl::unexpected(more.error());
    if (!*more) break;
    jobs.push_back(std::move(j));
  }
  SortJobs(jobs);
  if (stats) *stats = stream.stats();
  return jobs;
}

}  // namespace suanli::sim::trace_internal
