#include "sim/trace.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "core/text.h"

namespace suanli::sim {
namespace {

// A small RFC 4180 reader: fields split on commas (or tabs), quotes honoured,
// line numbers kept for errors.
struct Row {
  int line = 0;
  std::vector<std::string> fields;
};

std::vector<Row> SplitRows(std::string_view text, char sep) {
  std::vector<Row> rows;
  Row row;
  std::string field;
  bool quoted = false;
  int line = 1;
  row.line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
    } else if (c == sep) {
      row.fields.push_back(field);
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.fields.push_back(field);
      field.clear();
      if (!(row.fields.size() == 1 && row.fields[0].empty())) rows.push_back(row);
      row = Row{};
      row.line = ++line;
    } else {
      field += c;
    }
  }
  row.fields.push_back(field);
  if (!(row.fields.size() == 1 && row.fields[0].empty())) rows.push_back(row);
  return rows;
}

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
      return MakeError("'" + t + "' is not a number", file_, r.line, name);
    }
    return v;
  }

 private:
  std::string file_;
  std::map<std::string, int> index_;
};

#define SUANLI_TRY(var, expr)                                     \
  auto var##_result = (expr);                                     \
  if (!var##_result) return tl::unexpected(var##_result.error()); \
  const auto var = *var##_result

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

Result<void> CheckJob(const Job& j, const std::string& file, int line) {
  if (j.arrival_s < 0) return MakeError("arrival time is negative", file, line, "arrival");
  if (j.num_gpus < 0 || j.num_gpus > 4096)
    return MakeError("GPU count out of range [0, 4096]", file, line, "num_gpus");
  if (j.gpu_milli < 1 || j.gpu_milli > kMilliPerGpu)
    return MakeError("gpu_milli out of range [1, 1000]", file, line, "gpu_milli");
  if (j.gpu_milli < kMilliPerGpu && j.num_gpus != 1) {
    return MakeError("a shared GPU (gpu_milli < 1000) needs num_gpus 1", file, line, "gpu_milli");
  }
  for (const auto& [type, d] : j.duration_s) {
    if (!(d > 0)) return MakeError("duration must be positive", file, line, "duration");
  }
  if (j.duration_s.empty()) return MakeError("no duration", file, line, "duration");
  return {};
}

void SortJobs(std::vector<Job>& jobs) {
  std::stable_sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) {
    return a.arrival_s != b.arrival_s ? a.arrival_s < b.arrival_s : a.id < b.id;
  });
}

}  // namespace

Result<std::vector<Job>> ReadCsvTrace(std::string_view text, const std::string& file,
                                      TraceStats* stats) {
  const auto rows = SplitRows(text, ',');
  if (rows.empty()) return MakeError("the trace is empty", file);
  Columns c(rows[0], file);
  if (auto ok = c.Require({"id", "arrival_s", "num_gpus", "duration_s"}, rows[0].line); !ok)
    return tl::unexpected(ok.error());
  std::vector<Job> jobs;
  std::set<int64_t> ids;
  for (size_t i = 1; i < rows.size(); ++i) {
    const Row& r = rows[i];
    Job j;
    j.name = c.Text(r, "id");
    SUANLI_TRY(id, c.Integer(r, "id", static_cast<double>(i), 0, 9e15));
    j.id = id;
    if (!ids.insert(id).second) return MakeError("job id used twice", file, r.line, "id");
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
    j.allowed_types = SplitOn(c.Text(r, "gpu_types"), '|');
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
        if (eq == std::string::npos || ec != std::errc() || p != num.data() + num.size()) {
          return MakeError("'" + part + "' is not type=seconds", file, r.line, "duration_s");
        }
        j.duration_s[part.substr(0, eq)] = v;
      }
    }
    if (auto ok = CheckJob(j, file, r.line); !ok) return tl::unexpected(ok.error());
    jobs.push_back(std::move(j));
  }
  if (jobs.empty()) return MakeError("the trace has a header but no jobs", file);
  SortJobs(jobs);
  if (stats) *stats = {static_cast<long>(rows.size() - 1), static_cast<long>(jobs.size()), 0, ""};
  return jobs;
}

Result<std::vector<Job>> ReadOpenbPods(std::string_view text, const std::string& file,
                                       TraceStats* stats, const OpenbOptions& options) {
  const auto rows = SplitRows(text, ',');
  if (rows.empty()) return MakeError("the trace is empty", file);
  Columns c(rows[0], file);
  if (auto ok =
          c.Require({"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli"}, rows[0].line);
      !ok) {
    return tl::unexpected(ok.error());
  }
  if (!options.times_optional) {
    if (auto ok = c.Require({"creation_time", "deletion_time"}, rows[0].line); !ok)
      return tl::unexpected(ok.error());
  }
  std::vector<Job> jobs;
  long gpu_jobs = 0;
  TraceStats s;
  s.rows = static_cast<long>(rows.size() - 1);
  for (size_t i = 1; i < rows.size(); ++i) {
    const Row& r = rows[i];
    SUANLI_TRY(gpus, c.Integer(r, "num_gpu", 0, 0, 4096, true));
    SUANLI_TRY(milli, c.Integer(r, "gpu_milli", 0, 0, kMilliPerGpu));
    SUANLI_TRY(cpu, c.Integer(r, "cpu_milli", 0, 0, 1e9, true));
    SUANLI_TRY(mem, c.Integer(r, "memory_mib", 0, 0, 1e9, true));
    const bool timed = !options.times_optional || c.has("creation_time");
    SUANLI_TRY(created, c.Number(r, "creation_time", 0, timed));
    SUANLI_TRY(deleted, c.Number(r, "deletion_time", timed ? 0 : 1, timed));
    SUANLI_TRY(scheduled, c.Number(r, "scheduled_time", 0));
    if (gpus <= 0 && !options.keep_cpu_only) {
      ++s.skipped;
      continue;
    }
    gpu_jobs += gpus > 0;
    Job j;
    j.id = static_cast<int64_t>(i);
    j.name = c.Text(r, "name");
    j.arrival_s = created;
    j.num_gpus = static_cast<int>(gpus);
    j.gpu_milli =
        gpus == 1 && milli > 0 && milli < kMilliPerGpu ? static_cast<int>(milli) : kMilliPerGpu;
    j.cpu_milli = static_cast<int>(cpu);
    j.memory_mib = static_cast<int>(mem);
    j.allowed_types = SplitOn(c.Text(r, "gpu_spec"), '|');
    const double began = scheduled > 0 ? scheduled : created;
    if (deleted < began) {
      return MakeError("deletion_time is before the pod started", file, r.line, "deletion_time");
    }
    j.duration_s["*"] = std::max(1.0, deleted - began);
    if (auto ok = CheckJob(j, file, r.line); !ok) return tl::unexpected(ok.error());
    jobs.push_back(std::move(j));
  }
  if (gpu_jobs == 0) return MakeError("the trace has no GPU pods", file);
  SortJobs(jobs);
  s.jobs = static_cast<long>(jobs.size());
  s.skipped_why = "CPU-only pods";
  if (stats) *stats = s;
  return jobs;
}

Result<std::vector<Node>> ReadOpenbNodes(std::string_view text, const std::string& file) {
  const auto rows = SplitRows(text, ',');
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

Result<std::vector<Job>> ReadGavelTrace(std::string_view text, const std::string& file,
                                        std::string_view throughputs_json,
                                        const std::string& throughputs_file, TraceStats* stats) {
  nlohmann::json tput;
  try {
    tput = nlohmann::json::parse(throughputs_json);
  } catch (const nlohmann::json::parse_error& e) {
    return MakeError(e.what(), throughputs_file);
  }
  if (!tput.is_object()) return MakeError("expected an object of worker types", throughputs_file);
  const auto rows = SplitRows(text, '\t');
  if (rows.empty()) return MakeError("the trace is empty", file);
  std::vector<Job> jobs;
  for (const Row& r : rows) {
    if (r.fields.size() != 10) {
      return MakeError("expected 10 tab-separated fields, got " + std::to_string(r.fields.size()),
                       file, r.line);
    }
    auto num = [&](int col, const char* name) -> Result<double> {
      double v = 0;
      const std::string& t = r.fields[col];
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (ec != std::errc() || p != t.data() + t.size())
        return MakeError("'" + t + "' is not a number", file, r.line, name);
      return v;
    };
    SUANLI_TRY(steps, num(5, "total_steps"));
    SUANLI_TRY(scale, num(6, "scale_factor"));
    if (scale != std::floor(scale) || scale < 1 || scale > 4096 || !(steps > 0)) {
      return MakeError("scale_factor must be a whole number in [1, 4096] and total_steps positive",
                       file, r.line);
    }
    SUANLI_TRY(weight, num(7, "priority_weight"));
    SUANLI_TRY(arrival, num(9, "arrival_time"));
    Job j;
    j.id = static_cast<int64_t>(jobs.size());
    j.name = r.fields[0] + " #" + std::to_string(j.id);
    j.arrival_s = arrival;
    j.num_gpus = static_cast<int>(scale);
    j.priority = weight;
    const std::string key = "('" + r.fields[0] + "', " + std::to_string(j.num_gpus) + ")";
    for (auto it = tput.begin(); it != tput.end(); ++it) {
      if (it.key().find("unconsolidated") != std::string::npos) continue;
      const auto& per = it.value();
      if (!per.is_object() || !per.contains(key) || !per[key].is_object() ||
          !per[key].contains("null") || !per[key]["null"].is_number()) {
        continue;
      }
      const double steps_per_s = per[key]["null"].get<double>();
      if (steps_per_s > 0) j.duration_s[it.key()] = steps / steps_per_s;
    }
    if (j.duration_s.empty()) {
      return MakeError("no throughput for " + key + " in " + throughputs_file, file, r.line,
                       "job_type");
    }
    if (auto ok = CheckJob(j, file, r.line); !ok) return tl::unexpected(ok.error());
    jobs.push_back(std::move(j));
  }
  SortJobs(jobs);
  if (stats) *stats = {static_cast<long>(rows.size()), static_cast<long>(jobs.size()), 0, ""};
  return jobs;
}

Result<std::vector<Node>> ParseClusterSpec(std::string_view spec) {
  std::vector<Node> nodes;
  for (const auto& part : SplitOn(std::string(spec), ',')) {
    const auto fields = SplitOn(part, ':');
    if (fields.size() < 2 || fields.size() > 3) {
      return MakeError("'" + part + "' is not type:count or type:count:gpus_per_node", "", 0,
                       "--cluster");
    }
    int count = 0, per = 0;
    auto [p1, e1] = std::from_chars(fields[1].data(), fields[1].data() + fields[1].size(), count);
    if (e1 != std::errc() || count < 1 || count > 10'000'000) {
      return MakeError("'" + fields[1] + "' is not a GPU count", "", 0, "--cluster");
    }
    if (fields.size() == 3) {
      auto [p2, e2] = std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), per);
      if (e2 != std::errc() || per < 1 || per > 1024) {
        return MakeError("'" + fields[2] + "' is not a GPUs-per-node count", "", 0, "--cluster");
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
