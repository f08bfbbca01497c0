// A trace of any supported format, read from its file: the format is
// detected from the name and first bytes unless given, and the file is read
// as a stream, row by row (a pipe, which cannot start over, is read whole).
// Front doors open the file and read it; they never pick a reader.
#ifndef SUANLI_SIM_TRACE_READ_TRACE_H_
#define SUANLI_SIM_TRACE_READ_TRACE_H_

#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "sim/trace/trace.h"
#include "sim/workload.h"

namespace suanli::sim {

// Which reader a trace needs, from its name and first bytes: "gavel" (a
// .trace file), "openb", "sia" or "csv".
std::string DetectTraceFormat(std::string_view path, std::string_view head);

// A trace file opened, its format known (given, or detected).
struct TraceFile {
  std::string path, format;
  std::ifstream in;
  std::string text;  // the whole file when it is not a regular file (a pipe); else empty
};

// Opens `path`; `format` empty: DetectTraceFormat. An unknown format is an
// error of ReadTrace, on the field "format".
Result<TraceFile> OpenTrace(const std::string& path, const std::string& format);

// What gavel and sia traces need besides the trace.
struct TraceSideFiles {
  std::string throughputs;  // gavel: simulation_throughputs.json
  std::string profiles;     // sia: the folder of its application profiles
  // Reads the throughput table, under the caller's limits on files.
  std::function<Result<std::string>(const std::string& path)> read;
};

// The jobs of an opened trace, by the reader of its format.
Result<std::vector<Job>> ReadTrace(TraceFile& file, const TraceSideFiles& side, TraceStats* stats,
                                   const OpenbOptions& openb = {},
                                   const RowProgress& progress = {});

// True for the formats read one job at a time without holding the trace
// (csv and openb); gavel and sia traces are small and read whole.
bool CanStreamTrace(const TraceFile& file);

// The jobs of an opened csv or openb trace one at a time, in file order,
// from the start of the file (each call reads it again; a pipe, from the
// text held): a replay that takes the jobs as they arrive holds only those
// that have arrived and not finished.
Result<std::unique_ptr<TraceJobStream>> StreamTrace(TraceFile& file, const OpenbOptions& openb = {},
                                                    const RowProgress& progress = {});

// Where a row is in a trace file: enough to read it again.
struct RowRef {
  int64_t offset = 0;
  uint32_t bytes = 0;
  uint32_t index = 0;  // which row (0: the header)
};

// The rows of a csv or openb trace out of arrival order, in the order a
// replay takes their jobs (arrival, then id), as 16 B a job: the jobs are
// read again from the file as they are needed, never all held. (Sorting
// whole jobs took about 370 B a job.)
struct TraceOrder {
  RowRef header;
  std::vector<RowRef> rows;
};
// One pass over the trace; `jobs`: how many it holds, if known (to reserve).
Result<TraceOrder> SortTrace(TraceFile& file, const OpenbOptions& openb = {},
                             const RowProgress& progress = {}, size_t jobs = 0);

// The jobs of an opened csv or openb trace in `order`, each row read again
// from the file (or the text held) where `order` says it is.
Result<std::unique_ptr<TraceJobStream>> StreamTrace(TraceFile& file, const TraceOrder& order,
                                                    const OpenbOptions& openb = {});

}  // namespace suanli::sim

#endif  // SUANLI_SIM_TRACE_READ_TRACE_H_
