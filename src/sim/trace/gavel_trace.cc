// Gavel's traces (10 columns) and its Philly-derived 7-column ones, timed
// from its throughput table.
#include "sim/trace/trace.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "core/text.h"
#include "sim/trace/csv_rows.h"
#include "sim/trace/reader_util.h"

namespace suanli::sim {

using trace_internal::CheckJob;
using trace_internal::ReportRows;
using trace_internal::SortJobs;

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
      ReportRows(progress, rows.rows());
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

}  // namespace suanli::sim
