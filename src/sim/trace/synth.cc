#include "sim/trace/synth.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "core/rng.h"

namespace suanli::sim {
namespace {

// Shortest text that reads back to the same double.
void AppendNumber(std::string& out, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc() ? end : buf);
}

void AppendField(std::string& out, const std::string& field) {
  if (field.find_first_of(",\"\n\r") == std::string::npos) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

}  // namespace

Result<std::vector<Job>> SynthesizeTrace(const std::vector<Job>& source,
                                         const SynthOptions& options) {
  if (source.size() < 2) {
    return MakeError("the source trace needs at least two jobs (one inter-arrival gap)");
  }
  if (options.jobs < 1 || options.jobs > 100'000'000) {
    return MakeError("expected a job count in [1, 100000000]", "", 0, "--jobs");
  }
  if (!(options.rate_scale > 0) || !std::isfinite(options.rate_scale)) {
    return MakeError("expected a positive number", "", 0, "--rate-scale");
  }
  // 1e300 put the jobs 1e-299 s apart ("arrivals over 0 s"): every job at once, which no scale
  // of a real trace's rate means. A million times the source's rate is the bound.
  if (options.rate_scale > 1e6) {
    return MakeError(fmt::format("{:g} is more than a million times the source's arrival rate; "
                                 "expected at most 1e6",
                                 options.rate_scale),
                     "", 0, "--rate-scale");
  }
  // Source order by arrival (readers sort; a caller's vector may not be).
  std::vector<double> arrivals;
  arrivals.reserve(source.size());
  for (const auto& j : source) arrivals.push_back(j.arrival_s);
  std::sort(arrivals.begin(), arrivals.end());
  std::vector<double> gaps;
  gaps.reserve(arrivals.size() - 1);
  for (size_t i = 1; i < arrivals.size(); ++i) gaps.push_back(arrivals[i] - arrivals[i - 1]);

  // Two streams, so the job mix does not depend on how gaps are drawn.
  Rng gap_rng(options.seed, 0), job_rng(options.seed, 1);
  std::vector<Job> out;
  out.reserve(static_cast<size_t>(options.jobs));
  double t = arrivals.front();
  for (long i = 0; i < options.jobs; ++i) {
    if (i > 0) t += gaps[gap_rng.Below(gaps.size())] / options.rate_scale;
    // A tiny rate scale made arrivals of 3e301 s or infinite ones, which the trace readers then
    // refuse: a trace synth cannot read back is an error here, naming the scale.
    if (!(t <= kMaxSynthArrivalS)) {
      return MakeError(fmt::format("{:g} puts job {} at {:g} s, beyond the {:g} s ({:.0f} years) "
                                   "a trace may span; expected a larger rate scale",
                                   options.rate_scale, i + 1, t, kMaxSynthArrivalS,
                                   kMaxSynthArrivalS / (365.25 * 86400)),
                       "", 0, "--rate-scale");
    }
    Job j = source[job_rng.Below(source.size())];
    j.id = i + 1;
    j.name = std::to_string(j.id);
    j.arrival_s = t;
    out.push_back(std::move(j));
  }
  return out;
}

std::string FormatCsvTrace(const std::vector<Job>& jobs) {
  std::string out =
      "id,arrival_s,num_gpus,gpu_milli,duration_s,gpu_types,cpu_milli,memory_mib,priority\n";
  out.reserve(out.size() + jobs.size() * 64);
  for (const auto& j : jobs) {
    out += std::to_string(j.id);
    out += ',';
    AppendNumber(out, j.arrival_s);
    out += ',';
    out += std::to_string(j.num_gpus);
    out += ',';
    out += std::to_string(j.gpu_milli);
    out += ',';
    const auto only = j.duration_s.find("*");
    if (j.duration_s.size() == 1 && only != j.duration_s.end()) {
      AppendNumber(out, only->second);
    } else {
      std::string d;
      for (const auto& [type, s] : j.duration_s) {
        if (!d.empty()) d += ';';
        d += type;
        d += '=';
        AppendNumber(d, s);
      }
      AppendField(out, d);
    }
    out += ',';
    std::string types;
    for (const auto& t : j.allowed_types) {
      if (!types.empty()) types += '|';
      types += t;
    }
    AppendField(out, types);
    out += ',';
    out += std::to_string(j.cpu_milli);
    out += ',';
    out += std::to_string(j.memory_mib);
    out += ',';
    AppendNumber(out, j.priority);
    out += '\n';
  }
  return out;
}

}  // namespace suanli::sim
