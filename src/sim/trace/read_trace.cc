#include "sim/trace/read_trace.h"

#include <filesystem>
#include <sstream>
#include <system_error>

#include "core/atomic_file.h"

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
  file.in.open(path, std::ios::binary);
  if (!file.in) return MakeError("cannot read file", path);
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
      return MakeError(
          "gavel traces need --throughputs (simulation_throughputs.json): " + tput.error().message,
          side.throughputs);
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

}  // namespace suanli::sim
