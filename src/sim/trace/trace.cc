#include "sim/trace/trace.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_set>

#include "core/atomic_file.h"
#include "core/text.h"
#include "sim/trace/csv_rows.h"

namespace suanli::sim {
namespace {

class Columns {
 public:
  Columns(const Row& header, const std::string& file) : file_(file) {
    for (size_t i = 0; i < header.fields.size(); ++i)
      index_[ToLower(header.fields[i])] = static_cast<int>(i);
  }
  bool has(const std::string& name) const { return index_.count(name) > 0; }
  Result<void> Require(std::initializer_list<const char*> names, int line) const {
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
    const std::string t = Text(r, name);
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
  std::string file_;
  std::map<std::string, int> index_;
};

// Calls progress every kProgressRows rows.
constexpr long kProgressRows = 100'000;
void Report(const RowProgress& progress, long rows) {
  if (progress && rows % kProgressRows == 0) progress(rows);
}

#define SUANLI_TRY(var, expr)                                     \
  auto var##_result = (expr);                                     \
  if (!var##_result) return tl::unexpected(var##_result.error()); \
  const auto& var = *var##_result

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

// Accelerator types "a|b": a name with blanks around it, or only blanks, is
// a typo, not a type (it would make the job fit nowhere, or somewhere else).
Result<std::vector<std::string>> TypeList(const Columns& c, const Row& r, const std::string& field,
                                          const std::string& file) {
  const std::string text = c.Text(r, field);
  std::vector<std::string> types = SplitOn(text, '|');
  for (const auto& t : types) {
    if (t.find_first_not_of(" \t") == std::string::npos || t.front() == ' ' || t.front() == '\t' ||
        t.back() == ' ' || t.back() == '\t') {
      return MakeError(Quoted(text) + " is not a list of type names like V100|T4", file, r.line,
                       field);
    }
  }
  return types;
}

// Times beyond this (over 300 years) are a broken trace, not a workload:
// they would print as 300-digit numbers or overflow the reports.
constexpr double kMaxTraceSeconds = 1e10;

Result<void> CheckJob(const Job& j, const std::string& file, int line,
                      const std::string& arrival_field = "arrival",
                      const std::string& duration_field = "duration") {
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

}  // namespace

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
  CsvJobs(std::unique_ptr<RowReader> rows, std::string file, RowProgress progress)
      : rows_(std::move(rows)), file_(std::move(file)), progress_(std::move(progress)) {}

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
    ++i_;
    Report(progress_, rows_->rows());
    const Columns& c = *columns_;
    const Row& r = r_;
    Job j;
    j.name = c.Text(r, "id");
    SUANLI_TRY(id, c.Integer(r, "id", static_cast<double>(i_), 0, 9e15));
    j.id = id;
    if (!ids_.Insert(id)) return MakeError("job id used twice", file_, r.line, "id");
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
        j.duration_s[part.substr(0, eq)] = v;
      }
    }
    if (auto ok = CheckJob(j, file_, r.line, "arrival_s", "duration_s"); !ok)
      return tl::unexpected(ok.error());
    *job = std::move(j);
    ++jobs_;
    return true;
  }

  TraceStats stats() const override { return {rows_->rows() - 1, jobs_, 0, ""}; }

 private:
  std::unique_ptr<RowReader> rows_;
  std::string file_;
  RowProgress progress_;
  Row header_, r_;
  std::optional<Columns> columns_;
  IdSet ids_;
  size_t i_ = 0;
  long jobs_ = 0;
};

// The GPU pods of an openb pod list, row by row, in file order.
class OpenbJobs : public TraceJobStream {
 public:
  OpenbJobs(std::unique_ptr<RowReader> rows, std::string file, OpenbOptions options,
            RowProgress progress)
      : rows_(std::move(rows)),
        file_(std::move(file)),
        options_(options),
        progress_(std::move(progress)) {}

  Result<void> Start() {
    SUANLI_TRY(any, rows_->Next(&header_));
    if (!any) return MakeError("the trace is empty", file_);
    columns_.emplace(header_, file_);
    if (auto ok = columns_->Require({"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli"},
                                    header_.line);
        !ok) {
      return tl::unexpected(ok.error());
    }
    if (!options_.times_optional) {
      if (auto ok = columns_->Require({"creation_time", "deletion_time"}, header_.line); !ok)
        return tl::unexpected(ok.error());
    }
    return {};
  }

  Result<bool> Next(Job* job) override {
    const Columns& c = *columns_;
    const Row& r = r_;
    for (;;) {
      auto more = rows_->Next(&r_);
      if (!more) return tl::unexpected(more.error());
      if (!*more) {
        if (gpu_jobs_ == 0) return MakeError("the trace has no GPU pods", file_);
        return false;
      }
      ++i_;
      Report(progress_, rows_->rows());
      SUANLI_TRY(gpus, c.Integer(r, "num_gpu", 0, 0, 4096, true));
      SUANLI_TRY(milli, c.Integer(r, "gpu_milli", 0, 0, kMilliPerGpu));
      SUANLI_TRY(cpu, c.Integer(r, "cpu_milli", 0, 0, 1e9, true));
      SUANLI_TRY(mem, c.Integer(r, "memory_mib", 0, 0, 1e9, true));
      const bool timed = !options_.times_optional || c.has("creation_time");
      SUANLI_TRY(created, c.Number(r, "creation_time", 0, timed));
      SUANLI_TRY(deleted, c.Number(r, "deletion_time", timed ? 0 : 1, timed));
      SUANLI_TRY(scheduled, c.Number(r, "scheduled_time", 0));
      if (gpus <= 0 && !options_.keep_cpu_only) {
        ++skipped_;
        continue;
      }
      gpu_jobs_ += gpus > 0;
      Job j;
      j.id = static_cast<int64_t>(i_);
      j.name = c.Text(r, "name");
      j.arrival_s = created;
      j.num_gpus = static_cast<int>(gpus);
      j.gpu_milli =
          gpus == 1 && milli > 0 && milli < kMilliPerGpu ? static_cast<int>(milli) : kMilliPerGpu;
      j.cpu_milli = static_cast<int>(cpu);
      j.memory_mib = static_cast<int>(mem);
      SUANLI_TRY(types, TypeList(c, r, "gpu_spec", file_));
      j.allowed_types = types;
      const double began = scheduled > 0 ? scheduled : created;
      if (deleted < began) {
        return MakeError("deletion_time is before the pod started", file_, r.line, "deletion_time");
      }
      j.duration_s["*"] = std::max(1.0, deleted - began);
      if (auto ok = CheckJob(j, file_, r.line, "creation_time", "deletion_time"); !ok)
        return tl::unexpected(ok.error());
      *job = std::move(j);
      ++jobs_;
      return true;
    }
  }

  TraceStats stats() const override {
    return {rows_->rows() - 1, jobs_, skipped_, "CPU-only pods"};
  }

 private:
  std::unique_ptr<RowReader> rows_;
  std::string file_;
  OpenbOptions options_;
  RowProgress progress_;
  Row header_, r_;
  std::optional<Columns> columns_;
  size_t i_ = 0;
  long jobs_ = 0, gpu_jobs_ = 0, skipped_ = 0;
};

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

template <typename Stream, typename... Args>
Result<std::unique_ptr<TraceJobStream>> Started(std::unique_ptr<RowReader> rows,
                                                const std::string& file, Args&&... args) {
  auto stream = std::make_unique<Stream>(std::move(rows), file, std::forward<Args>(args)...);
  if (auto ok = stream->Start(); !ok) return tl::unexpected(ok.error());
  return std::unique_ptr<TraceJobStream>(std::move(stream));
}

Result<std::vector<Job>> ReadCsvRows(std::unique_ptr<RowReader> rows, const std::string& file,
                                     TraceStats* stats, const RowProgress& progress) {
  SUANLI_TRY(stream, Started<CsvJobs>(std::move(rows), file, progress));
  return ReadAll(*stream, stats);
}

Result<std::vector<Job>> ReadOpenbRows(std::unique_ptr<RowReader> rows, const std::string& file,
                                       TraceStats* stats, const OpenbOptions& options,
                                       const RowProgress& progress) {
  SUANLI_TRY(stream, Started<OpenbJobs>(std::move(rows), file, options, progress));
  return ReadAll(*stream, stats);
}

}  // namespace

Result<std::unique_ptr<TraceJobStream>> StreamCsvTrace(std::istream& in, const std::string& file,
                                                       const RowProgress& progress) {
  return Started<CsvJobs>(std::make_unique<RowReader>(in, ',', file), file, progress);
}
Result<std::unique_ptr<TraceJobStream>> StreamCsvTrace(std::string_view text,
                                                       const std::string& file) {
  return Started<CsvJobs>(std::make_unique<RowReader>(text, ',', file), file, RowProgress{});
}
Result<std::unique_ptr<TraceJobStream>> StreamOpenbPods(std::istream& in, const std::string& file,
                                                        const OpenbOptions& options,
                                                        const RowProgress& progress) {
  return Started<OpenbJobs>(std::make_unique<RowReader>(in, ',', file), file, options, progress);
}
Result<std::unique_ptr<TraceJobStream>> StreamOpenbPods(std::string_view text,
                                                        const std::string& file,
                                                        const OpenbOptions& options) {
  return Started<OpenbJobs>(std::make_unique<RowReader>(text, ',', file), file, options,
                            RowProgress{});
}

Result<std::vector<Job>> ReadCsvTrace(std::string_view text, const std::string& file,
                                      TraceStats* stats) {
  return ReadCsvRows(std::make_unique<RowReader>(text, ',', file), file, stats, {});
}

Result<std::vector<Job>> ReadCsvTrace(std::istream& in, const std::string& file, TraceStats* stats,
                                      const RowProgress& progress) {
  return ReadCsvRows(std::make_unique<RowReader>(in, ',', file), file, stats, progress);
}

Result<std::vector<Job>> ReadOpenbPods(std::string_view text, const std::string& file,
                                       TraceStats* stats, const OpenbOptions& options) {
  return ReadOpenbRows(std::make_unique<RowReader>(text, ',', file), file, stats, options, {});
}

Result<std::vector<Job>> ReadOpenbPods(std::istream& in, const std::string& file, TraceStats* stats,
                                       const OpenbOptions& options, const RowProgress& progress) {
  return ReadOpenbRows(std::make_unique<RowReader>(in, ',', file), file, stats, options, progress);
}

Result<std::vector<Node>> ReadOpenbNodes(std::string_view text, const std::string& file) {
  SUANLI_TRY(rows, SplitRows(text, ',', file));
  if (rows.empty()) return MakeError("the node list is empty", file);
  Columns c(rows[0], file);
  if (auto ok = c.Require({"sn", "cpu_milli", "memory_mib", "gpu", "model"}, rows[0].line); !ok) {
    return tl::unexpected(ok.error());
  }
  std::vector<Node> nodes;
  for (size_t i = 1; i < rows.size(); ++i) {
    const Row& r = rows[i];
    SUANLI_TRY(gpus, c.Integer(r, "gpu", 0, 0, 1024, true));
    SUANLI_TRY(cpu, c.Integer(r, "cpu_milli", 0, 0, 1e9, true));
    SUANLI_TRY(mem, c.Integer(r, "memory_mib", 0, 0, 1e9, true));
    nodes.push_back({static_cast<int>(nodes.size()), c.Text(r, "model"), static_cast<int>(gpus),
                     static_cast<int>(cpu), static_cast<int>(mem)});
  }
  return nodes;
}

namespace {

Result<std::vector<Job>> ReadGavelRows(RowReader& rows, const std::string& file,
                                       std::string_view throughputs_json,
                                       const std::string& throughputs_file, TraceStats* stats,
                                       const RowProgress& progress) {
  nlohmann::json tput;
  try {
    tput = nlohmann::json::parse(throughputs_json);
  } catch (const nlohmann::json::exception& e) {
    // parse_error, and out_of_range for numbers beyond a double (1e999): both are bad input.
    return MakeError(e.what(), throughputs_file);
  }
  if (!tput.is_object()) return MakeError("expected an object of worker types", throughputs_file);
  Row first, r;
  SUANLI_TRY(any, rows.Next(&first));
  if (!any) return MakeError("the trace is empty", file);
  // The first row decides the layout: Gavel's 10 columns, or the 7 of its
  // Philly-derived traces (traces/msr, parser of commit ace90a3).
  const size_t width = first.fields.size();
  if (width != 10 && width != 7) {
    return MakeError(
        "expected 10 (or Gavel's legacy 7) tab-separated fields, got " + std::to_string(width),
        file, first.line);
  }
  const int first_line = first.line;
  const bool legacy = width == 7;
  const int col_steps = legacy ? 4 : 5, col_scale = 6, col_arrival = legacy ? 5 : 9;
  std::vector<Job> jobs;
  long zero_scale = 0, no_throughput = 0;
  for (bool at_first = true;; at_first = false) {
    if (at_first) {
      r = first;
    } else {
      auto more = rows.Next(&r);
      if (!more) return tl::unexpected(more.error());
      if (!*more) break;
      Report(progress, rows.rows());
    }
    if (r.fields.size() != width) {
      return MakeError("expected " + std::to_string(width) + " tab-separated fields like line " +
                           std::to_string(first_line) + ", got " + std::to_string(r.fields.size()),
                       file, r.line);
    }
    auto num = [&](int col, const char* name) -> Result<double> {
      double v = 0;
      const std::string& t = r.fields[col];
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (ec != std::errc() || p != t.data() + t.size() || !std::isfinite(v))
        return MakeError(Quoted(t) + " is not a number", file, r.line, name);
      return v;
    };
    SUANLI_TRY(steps, num(col_steps, "total_steps"));
    SUANLI_TRY(scale, num(col_scale, "scale_factor"));
    SUANLI_TRY(arrival, num(col_arrival, "arrival_time"));
    if (legacy && scale == 0) {  // the legacy format's "not a job"
      ++zero_scale;
      continue;
    }
    if (scale != std::floor(scale) || scale < 1 || scale > 4096 || !(steps > 0)) {
      return MakeError("scale_factor must be a whole number in [1, 4096] and total_steps positive",
                       file, r.line);
    }
    double weight = 1;
    if (!legacy) {
      SUANLI_TRY(w, num(7, "priority_weight"));
      weight = w;
    }
    Job j;
    j.id = static_cast<int64_t>(jobs.size());
    j.name = r.fields[0] + " #" + std::to_string(j.id);
    j.arrival_s = arrival;
    j.num_gpus = static_cast<int>(scale);
    j.priority = weight;
    j.total_steps = steps;
    const std::string key = "('" + r.fields[0] + "', " + std::to_string(j.num_gpus) + ")";
    for (auto it = tput.begin(); it != tput.end(); ++it) {
      if (it.key().find("unconsolidated") != std::string::npos) continue;
      const auto& per = it.value();
      if (!per.is_object() || !per.contains(key) || !per[key].is_object() ||
          !per[key].contains("null") || !per[key]["null"].is_number()) {
        continue;
      }
      const double steps_per_s = per[key]["null"].get<double>();
      if (steps_per_s > 0) {
        j.duration_s[it.key()] = steps / steps_per_s;
        j.steps_per_s[it.key()] = steps_per_s;
      }
    }
    if (j.duration_s.empty()) {
      // The Philly-derived traces ask for gang sizes (16, 32, ...) and
      // multi-GPU job types the shipped table never measured: counted, not timed.
      if (legacy) {
        ++no_throughput;
        continue;
      }
      return MakeError("no throughput for " + key + " in " + throughputs_file, file, r.line,
                       "job_type");
    }
    if (auto ok = CheckJob(j, file, r.line, "arrival_time", "total_steps"); !ok)
      return tl::unexpected(ok.error());
    jobs.push_back(std::move(j));
  }
  if (jobs.empty()) return MakeError("the trace has no job with a throughput", file);
  SortJobs(jobs);
  if (stats) {
    *stats = {rows.rows(), static_cast<long>(jobs.size()), zero_scale + no_throughput, ""};
    if (zero_scale + no_throughput > 0) {
      stats->skipped_why = "scale_factor 0 (" + std::to_string(zero_scale) +
                           ") or without a throughput for their (job type, scale factor) (" +
                           std::to_string(no_throughput) + ")";
    }
  }
  return jobs;
}

}  // namespace

Result<std::vector<Job>> ReadGavelTrace(std::string_view text, const std::string& file,
                                        std::string_view throughputs_json,
                                        const std::string& throughputs_file, TraceStats* stats) {
  RowReader rows(text, '\t', file);
  return ReadGavelRows(rows, file, throughputs_json, throughputs_file, stats, {});
}

Result<std::vector<Job>> ReadGavelTrace(std::istream& in, const std::string& file,
                                        std::string_view throughputs_json,
                                        const std::string& throughputs_file, TraceStats* stats,
                                        const RowProgress& progress) {
  RowReader rows(in, '\t', file);
  return ReadGavelRows(rows, file, throughputs_json, throughputs_file, stats, progress);
}

namespace {

// Sia's applications (sia-simulator/applications.py, simulator_config.py):
// epochs trained (max_epochs; no target metric is set there, so a job ends
// after its last epoch), the slowdown Sia fits to real runs (SLOWDOWNS) and
// the checkpoint-restore time paid when a job starts (rescale_time).
struct SiaApp {
  const char* name;
  int max_epochs;
  double slowdown;
  double startup_s;
};
constexpr SiaApp kSiaApps[] = {{"bert", 2, 1.2, 120},        {"cifar10", 100, 1.8, 50},
                               {"deepspeech2", 80, 1.2, 25}, {"imagenet", 90, 1.2, 250},
                               {"ncf", 10, 1.5, 15},         {"yolov3", 50, 1.2, 80}};

// Sia's profiled clusters, the accelerator each is, and its node size.
// dgx-ext is dgx with more batch sizes profiled (Sia's default); dgx is read
// only when dgx-ext is absent.
struct SiaCluster {
  const char* suffix;
  const char* type;
  int gpus_per_node;
};
constexpr SiaCluster kSiaClusters[] = {{"aws", "t4", 4},       {"azure", "v100", 8},
                                       {"dgx-ext", "a100", 8}, {"dgx", "a100", 8},
                                       {"quad", "rtx6000", 4}, {"rtx", "rtx2080ti", 8}};

struct StepRow {
  double bsz = 0, step_s = 0, sync_s = 0;
};

struct SiaProfile {
  std::string type;
  int gpus_per_node = 0;
  std::map<std::string, std::vector<StepRow>> by_placement;               // sorted by bsz
  std::map<std::pair<int, int>, std::vector<StepRow>> by_nodes_replicas;  // sorted by bsz
};

struct SiaAppData {
  const SiaApp* app = nullptr;
  std::map<int64_t, double> iterations;  // validated batch size -> iterations to finish
  std::vector<SiaProfile> profiles;
};

void SortRows(std::vector<StepRow>& rows) {
  std::stable_sort(rows.begin(), rows.end(),
                   [](const StepRow& a, const StepRow& b) { return a.bsz < b.bsz; });
}

Result<StepRow> ReadStep(const Columns& c, const Row& r, const std::string& file) {
  SUANLI_TRY(bsz, c.Number(r, "local_bsz", 0, true));
  SUANLI_TRY(step, c.Number(r, "step_time", 0, true));
  SUANLI_TRY(sync, c.Number(r, "sync_time", 0, true));
  if (!(bsz > 0) || !(step > 0) || sync < 0 || sync > step) {
    return MakeError("expected local_bsz > 0 and 0 <= sync_time <= step_time > 0", file, r.line);
  }
  return StepRow{bsz, step, sync};
}

Result<SiaProfile> ReadSiaProfile(const std::filesystem::path& dir, const SiaCluster& cluster) {
  SiaProfile p{cluster.type, cluster.gpus_per_node, {}, {}};
  const std::string placements = (dir / ("placements-" + std::string(cluster.suffix) + ".csv"));
  const auto text = ReadWholeFile(placements);
  if (!text) return MakeError("cannot read the profile", placements);
  SUANLI_TRY(rows, SplitRows(*text, ',', placements));
  if (rows.empty()) return MakeError("the profile is empty", placements);
  Columns c(rows[0], placements);
  if (auto ok = c.Require({"placement", "local_bsz", "step_time", "sync_time"}, rows[0].line); !ok)
    return tl::unexpected(ok.error());
  for (size_t i = 1; i < rows.size(); ++i) {
    // A placement is GPUs per node, one digit per node ("48": 4 + 8).
    SUANLI_TRY(id, c.Integer(rows[i], "placement", 0, 1, 9e15, true));
    SUANLI_TRY(step, ReadStep(c, rows[i], placements));
    p.by_placement[std::to_string(id)].push_back(step);
  }
  const std::string scalability = (dir / ("scalability-" + std::string(cluster.suffix) + ".csv"));
  if (const auto scal = ReadWholeFile(scalability)) {  // optional: multi-node runs only
    SUANLI_TRY(srows, SplitRows(*scal, ',', scalability));
    if (srows.empty()) return MakeError("the profile is empty", scalability);
    Columns sc(srows[0], scalability);
    if (auto ok = sc.Require({"num_nodes", "num_replicas", "local_bsz", "step_time", "sync_time"},
                             srows[0].line);
        !ok) {
      return tl::unexpected(ok.error());
    }
    for (size_t i = 1; i < srows.size(); ++i) {
      SUANLI_TRY(nodes, sc.Integer(srows[i], "num_nodes", 0, 1, 1e6, true));
      SUANLI_TRY(replicas, sc.Integer(srows[i], "num_replicas", 0, 1, 1e6, true));
      SUANLI_TRY(step, ReadStep(sc, srows[i], scalability));
      p.by_nodes_replicas[{static_cast<int>(nodes), static_cast<int>(replicas)}].push_back(step);
    }
  }
  for (auto& [k, v] : p.by_placement) SortRows(v);
  for (auto& [k, v] : p.by_nodes_replicas) SortRows(v);
  return p;
}

Result<SiaAppData> LoadSiaApp(const SiaApp& app, const std::filesystem::path& profiles_dir,
                              const std::string& file, int line) {
  namespace fs = std::filesystem;
  const fs::path dir = profiles_dir / app.name;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return MakeError("no profiles for application '" + std::string(app.name) +
                         "': " + dir.string() + " is not a directory (see --profiles)",
                     file, line, "application");
  }
  SiaAppData d;
  d.app = &app;
  // validation-<batch size>.csv: iterations after each epoch at that batch size.
  std::vector<fs::path> validation;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("validation-", 0) == 0 && name.size() > 15 &&
        name.substr(name.size() - 4) == ".csv") {
      validation.push_back(entry.path());
    }
  }
  std::sort(validation.begin(), validation.end());
  for (const auto& path : validation) {
    const std::string name = path.filename().string();
    const std::string digits = name.substr(11, name.size() - 15);
    int64_t bsz = 0;
    auto [ptr, perr] = std::from_chars(digits.data(), digits.data() + digits.size(), bsz);
    if (perr != std::errc() || ptr != digits.data() + digits.size() || bsz < 1) {
      return MakeError("expected validation-<batch size>.csv", path.string());
    }
    const auto text = ReadWholeFile(path.string());
    if (!text) return MakeError("cannot read the profile", path.string());
    SUANLI_TRY(rows, SplitRows(*text, ',', path.string()));
    if (rows.empty()) return MakeError("the profile is empty", path.string());
    Columns c(rows[0], path.string());
    if (auto ok = c.Require({"iteration"}, rows[0].line); !ok) return tl::unexpected(ok.error());
    if (static_cast<int>(rows.size()) - 1 < app.max_epochs) {
      return MakeError("has " + std::to_string(rows.size() - 1) + " epochs; " + app.name +
                           " trains for " + std::to_string(app.max_epochs),
                       path.string());
    }
    // Sia's completion epoch is max_epochs - 1 (0-based): the last row read.
    const Row& last = rows[app.max_epochs];
    SUANLI_TRY(iters, c.Number(last, "iteration", 0, true));
    if (!(iters > 0)) return MakeError("iteration must be positive", path.string(), last.line);
    d.iterations[bsz] = iters;
  }
  if (d.iterations.empty()) {
    return MakeError("no validation-<batch size>.csv profile for application '" +
                         std::string(app.name) + "' in " + dir.string(),
                     file, line, "application");
  }
  std::set<std::string> types;
  for (const auto& cluster : kSiaClusters) {
    if (types.count(cluster.type)) continue;  // dgx only without dgx-ext
    if (!fs::exists(dir / ("placements-" + std::string(cluster.suffix) + ".csv"), ec)) continue;
    SUANLI_TRY(profile, ReadSiaProfile(dir, cluster));
    d.profiles.push_back(profile);
    types.insert(cluster.type);
  }
  if (d.profiles.empty()) {
    return MakeError("no placements-<cluster>.csv profile for application '" +
                         std::string(app.name) + "' in " + dir.string(),
                     file, line, "application");
  }
  return d;
}

// (step, sync) at local batch size `bsz`, linear between profiled sizes;
// nothing outside them (Sia's interp1d refuses to extrapolate too).
std::optional<StepRow> InterpolateStep(const std::vector<StepRow>& rows, double bsz) {
  auto it = std::lower_bound(rows.begin(), rows.end(), bsz,
                             [](const StepRow& r, double x) { return r.bsz < x; });
  if (it == rows.end()) return std::nullopt;
  if (it->bsz == bsz) return *it;
  if (it == rows.begin()) return std::nullopt;
  const StepRow& lo = *(it - 1);
  const double f = (bsz - lo.bsz) / (it->bsz - lo.bsz);
  return StepRow{bsz, lo.step_s + f * (it->step_s - lo.step_s),
                 lo.sync_s + f * (it->sync_s - lo.sync_s)};
}

// Sia names a placement by GPUs per node, packed, at its lexicographically
// smallest rotation: 12 replicas on 8-GPU nodes are "48".
std::string PlacementId(int replicas, int per_node) {
  std::vector<int> p(replicas / per_node, per_node);
  if (replicas % per_node) p.push_back(replicas % per_node);
  std::vector<int> best = p;
  for (size_t i = 1; i < p.size(); ++i) {
    std::vector<int> rot(p.begin() + static_cast<long>(i), p.end());
    rot.insert(rot.end(), p.begin(), p.begin() + static_cast<long>(i));
    best = std::min(best, rot);
  }
  std::string id;
  for (int x : best) id += std::to_string(x);
  return id;
}

// Seconds per iteration of a rigid job (fixed replicas and global batch),
// as Sia's get_throughput_with_accum: local batches above what the placement
// fits are split into gradient-accumulation steps.
std::optional<double> SiaIterationTime(const SiaProfile& p, int replicas, double batch,
                                       double init_bsz, double max_bsz) {
  const int per_node = p.gpus_per_node;
  const int nodes = (replicas + per_node - 1) / per_node;
  const std::vector<StepRow>* rows = nullptr;
  double max_local = 0;
  if (auto it = p.by_placement.find(PlacementId(replicas, per_node)); it != p.by_placement.end()) {
    rows = &it->second;
    max_local = rows->back().bsz;
  } else {
    // Not profiled as a placement: the scalability runs with this many nodes
    // and replicas (Sia interpolates across node and replica counts too; we
    // do not, so such a type is not offered to the job).
    if (auto sit = p.by_nodes_replicas.find({std::min(nodes, 16), replicas});
        sit != p.by_nodes_replicas.end()) {
      rows = &sit->second;
    }
    for (const auto& [key, v] : p.by_nodes_replicas) {
      if (key.first >= nodes && key.second >= replicas)
        max_local = std::max(max_local, v.back().bsz);
    }
  }
  if (!rows || rows->empty() || !(max_local > 0)) return std::nullopt;
  const double local = std::ceil(batch / replicas - 1e-8);
  int accum = static_cast<int>(std::ceil(local / max_local - 1e-8)) - 1;
  if (replicas == 1 && batch > init_bsz) accum = std::max(1, accum);
  double atomic = std::ceil(local / (accum + 1) - 1e-8);
  atomic = std::min(atomic, std::floor(max_bsz / (static_cast<double>(replicas) * (accum + 1))));
  if (atomic < 1) return std::nullopt;
  const auto st = InterpolateStep(*rows, atomic);
  if (!st) return std::nullopt;
  return st->step_s + (st->step_s - st->sync_s) * accum;
}

}  // namespace

Result<std::vector<Job>> ReadSiaWorkload(std::string_view text, const std::string& file,
                                         const std::string& profiles_dir, TraceStats* stats) {
  std::error_code ec;
  if (!std::filesystem::is_directory(profiles_dir, ec)) {
    return MakeError("the Sia profile directory does not exist (see --profiles)", profiles_dir);
  }
  SUANLI_TRY(rows, SplitRows(text, ',', file));
  if (rows.empty()) return MakeError("the trace is empty", file);
  Columns c(rows[0], file);
  if (auto ok =
          c.Require({"name", "time", "application", "num_replicas", "batch_size"}, rows[0].line);
      !ok) {
    return tl::unexpected(ok.error());
  }
  std::map<std::string, SiaAppData> apps;
  std::vector<Job> jobs;
  for (size_t i = 1; i < rows.size(); ++i) {
    const Row& r = rows[i];
    const std::string name = c.Text(r, "application");
    auto loaded = apps.find(name);
    if (loaded == apps.end()) {
      const SiaApp* app = nullptr;
      std::vector<std::string> known;
      for (const auto& a : kSiaApps) {
        known.emplace_back(a.name);
        if (name == a.name) app = &a;
      }
      if (!app) {
        const std::string why = name == "gpt_pmp" ? " (pipeline-parallel; not modelled)" : "";
        return MakeError(
            "unknown application " + Quoted(name) + why + "; expected " + JoinOr(known), file,
            r.line, "application");
      }
      SUANLI_TRY(data, LoadSiaApp(*app, profiles_dir, file, r.line));
      loaded = apps.emplace(name, data).first;
    }
    const SiaAppData& app = loaded->second;
    SUANLI_TRY(arrival, c.Number(r, "time", 0, true));
    SUANLI_TRY(replicas, c.Integer(r, "num_replicas", 0, 1, 4096, true));
    SUANLI_TRY(batch, c.Integer(r, "batch_size", 0, 1, 1e9, true));
    // Iterations to finish, linear between validated batch sizes (Sia's get_iteration).
    const auto hi = app.iterations.lower_bound(batch);
    if (hi == app.iterations.end() || (hi->first != batch && hi == app.iterations.begin())) {
      return MakeError("batch size " + std::to_string(batch) + " is outside the profiled " +
                           std::to_string(app.iterations.begin()->first) + "-" +
                           std::to_string(app.iterations.rbegin()->first),
                       file, r.line, "batch_size");
    }
    double iterations = hi->second;
    if (hi->first != batch) {
      const auto lo = std::prev(hi);
      iterations = lo->second + (hi->second - lo->second) * static_cast<double>(batch - lo->first) /
                                    static_cast<double>(hi->first - lo->first);
    }
    Job j;
    j.id = static_cast<int64_t>(i);
    j.name = c.Text(r, "name");
    j.arrival_s = arrival;
    j.num_gpus = static_cast<int>(replicas);
    const double init_bsz = static_cast<double>(app.iterations.begin()->first);
    const double max_bsz = static_cast<double>(app.iterations.rbegin()->first);
    for (const auto& p : app.profiles) {
      const auto t = SiaIterationTime(p, static_cast<int>(replicas), static_cast<double>(batch),
                                      init_bsz, max_bsz);
      if (t) j.duration_s[p.type] = app.app->startup_s + iterations * *t * app.app->slowdown;
    }
    if (j.duration_s.empty()) {
      return MakeError("no profiled accelerator runs " + name + " with " +
                           std::to_string(replicas) + " replicas at batch size " +
                           std::to_string(batch),
                       file, r.line, "num_replicas");
    }
    if (auto ok = CheckJob(j, file, r.line, "time", "duration"); !ok)
      return tl::unexpected(ok.error());
    jobs.push_back(std::move(j));
  }
  if (jobs.empty()) return MakeError("the trace has a header but no jobs", file);
  SortJobs(jobs);
  if (stats) *stats = {static_cast<long>(rows.size() - 1), static_cast<long>(jobs.size()), 0, ""};
  return jobs;
}

Result<std::vector<Node>> ParseClusterSpec(std::string_view spec) {
  std::vector<Node> nodes;
  for (const auto& part : SplitOn(std::string(spec), ',')) {
    const auto fields = SplitOn(part, ':');
    if (fields.size() < 2 || fields.size() > 3) {
      return MakeError(Quoted(part) + " is not type:count or type:count:gpus_per_node", "", 0,
                       "--cluster");
    }
    int count = 0, per = 0;
    auto [p1, e1] = std::from_chars(fields[1].data(), fields[1].data() + fields[1].size(), count);
    // 0 is allowed: Gavel's `-c 8:0:8` names a type the cluster does not have.
    // The whole field must be the number: "1e9" and "8abc" are not 1 and 8.
    if (e1 != std::errc() || p1 != fields[1].data() + fields[1].size() || count < 0 ||
        count > 10'000'000) {
      return MakeError(Quoted(fields[1]) + " is not a GPU count", "", 0, "--cluster");
    }
    if (fields.size() == 3) {
      auto [p2, e2] = std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), per);
      if (e2 != std::errc() || p2 != fields[2].data() + fields[2].size() || per < 1 || per > 1024) {
        return MakeError(Quoted(fields[2]) + " is not a GPUs-per-node count", "", 0, "--cluster");
      }
    }
    if (per == 0) per = count;  // one pool per type, as Gavel's workers (no locality)
    for (int left = count; left > 0; left -= per) {
      nodes.push_back({static_cast<int>(nodes.size()), fields[0], std::min(per, left), 0, 0});
    }
  }
  if (nodes.empty()) return MakeError("empty cluster", "", 0, "--cluster");
  return nodes;
}

}  // namespace suanli::sim
