// What the trace readers (one file per format: csv_trace.cc, openb_trace.cc,
// gavel_trace.cc, sia_trace.cc) share: named columns, the checks every job
// passes, sorting. Internal to src/sim/trace.
#ifndef SUANLI_SIM_TRACE_READER_UTIL_H_
#define SUANLI_SIM_TRACE_READER_UTIL_H_

#include <charconv>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/text.h"
#include "sim/trace/csv_rows.h"
#include "sim/trace/trace.h"
#include "sim/workload.h"

namespace suanli::sim::trace_internal {

// `var` = the value of a Result `expr`, or return its error.
#define SUANLI_TRY(var, expr)                                     \
  auto var##_result = (expr);                                     \
  if (!var##_result) return tl::unexpected(var##_result.error()); \
  const auto& var = *var##_result

class Columns {
 public:
  // Names and cells are read without the spaces around them ("arrival_s, num_gpus", as a
  // header is often typed after the commas).
  // A column named twice is an error (Require says it): which of the two a job's value comes
  // from would be a guess (the calibration reader refuses it too).
  Columns(const Row& header, const std::string& file) : file_(file) {
    for (size_t i = 0; i < header.fields.size(); ++i) {
      const std::string name = ToLower(Trimmed(header.fields[i]));
      if (!index_.emplace(name, static_cast<int>(i)).second && twice_.empty() && !name.empty()) {
        twice_ = name;
      }
    }
  }
  bool has(const std::string& name) const { return index_.count(name) > 0; }
  Result<void> Require(std::initializer_list<const char*> names, int line) const {
    if (!twice_.empty()) return MakeError("column named twice", file_, line, twice_);
    for (const char* n : names) {
      if (!has(n))
        return MakeError(std::string("missing column '") + n + "' in the header", file_, line);
    }
    return {};
  }
  std::string Text(const Row& r, const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end() || it->second >= static_cast<int>(r.fields.size())) return {};
    return r.fields[it->second];
  }
  // A whole number in [lo, hi], checked before any conversion.
  Result<int64_t> Integer(const Row& r, const std::string& name, double fallback, double lo,
                          double hi, bool required = false) const {
    auto v = Number(r, name, fallback, required);
    if (!v) return tl::unexpected(v.error());
    if (*v != std::floor(*v) || *v < lo || *v > hi) {
      return MakeError("expected a whole number in [" + std::to_string(static_cast<int64_t>(lo)) +
                           ", " + std::to_string(static_cast<int64_t>(hi)) + "]",
                       file_, r.line, name);
    }
    return static_cast<int64_t>(*v);
  }
  Result<double> Number(const Row& r, const std::string& name, double fallback,
                        bool required = false) const {
    const std::string t = Trimmed(Text(r, name));
    if (t.empty()) {
      if (required) return MakeError("empty value", file_, r.line, name);
      return fallback;
    }
    double v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc() || p != t.data() + t.size() || !std::isfinite(v)) {
      return MakeError(Quoted(t) + " is not a number", file_, r.line, name);
    }
    return v;
  }

 private:
  static std::string Trimmed(const std::string& s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
  }
  std::string file_;
  std::map<std::string, int> index_;
  std::string twice_;  // the first name the header repeats
};

// Calls progress every kProgressRows rows.
inline constexpr long kProgressRows = 100'000;
void ReportRows(const RowProgress& progress, long rows);

// "a;b;" -> {"a", "b"}: the non-empty items.
std::vector<std::string> SplitOn(const std::string& s, char sep);

// Accelerator types "a|b": a name with blanks around it, or only blanks, is
// a typo, not a type (it would make the job fit nowhere, or somewhere else).
Result<std::vector<std::string>> TypeList(const Columns& c, const Row& r, const std::string& field,
                                          const std::string& file);

// Times beyond this (over 300 years) are a broken trace, not a workload:
// they would print as 300-digit numbers or overflow the reports.
inline constexpr double kMaxTraceSeconds = 1e10;

// Arrival, GPUs, share and durations of a job in range, at file:line.
Result<void> CheckJob(const Job& j, const std::string& file, int line,
                      const std::string& arrival_field = "arrival",
                      const std::string& duration_field = "duration");

// By arrival, then id (stable); a trace already in order is left as it is.
void SortJobs(std::vector<Job>& jobs);

// Every job of a stream, sorted; its stats at the end.
Result<std::vector<Job>> ReadAll(TraceJobStream& stream, TraceStats* stats);

// A reader of format Stream on `rows`, its header read and checked.
template <typename Stream, typename... Args>
Result<std::unique_ptr<TraceJobStream>> Started(std::unique_ptr<RowSource> rows,
                                                const std::string& file, Args&&... args) {
  auto stream = std::make_unique<Stream>(std::move(rows), file, std::forward<Args>(args)...);
  if (auto ok = stream->Start(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<TraceJobStream>(std::move(stream));
}

// The csv and openb readers on any source of rows (read_trace.cc reads rows
// again in arrival order); the rows were checked by a first pass, so a csv
// reader does not check ids again (that would hold a set of them).
Result<std::unique_ptr<TraceJobStream>> CsvJobsFrom(std::unique_ptr<RowSource> rows,
                                                    const std::string& file);
Result<std::unique_ptr<TraceJobStream>> OpenbJobsFrom(std::unique_ptr<RowSource> rows,
                                                      const std::string& file,
                                                      const OpenbOptions& options);

}  // namespace suanli::sim::trace_internal

#endif  // SUANLI_SIM_TRACE_READER_UTIL_H_
