// Trace readers, one per format. Every malformed row is an error naming file,
// line and column; nothing is silently dropped except rows a format defines
// as not jobs (openb CPU-only pods), which are counted. read_trace.h picks
// the reader for a file.
#ifndef SUANLI_SIM_TRACE_TRACE_H_
#define SUANLI_SIM_TRACE_TRACE_H_

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"
#include "sim/workload.h"

namespace suanli::sim {

struct TraceStats {
  long rows = 0;
  long jobs = 0;
  long skipped = 0;  // rows that are not jobs in this format
  std::string skipped_why;
};

// Readers take a text in memory or a stream: a stream is read in chunks,
// row by row, so only the jobs are held, never the file. Besides malformed
// rows, a NUL byte (not a text file), a field over 1 MiB and a last row cut
// off mid-way (no line end, fewer fields than the first row) are errors at
// their file:line. Stream readers call `progress` every 100,000 rows with
// the rows read.
using RowProgress = std::function<void(long rows)>;

// A trace's jobs one at a time, in file order (not sorted), each row checked
// as the Read functions check it; what the Read functions report when the
// whole file is read (no jobs at all) is an error of the last Next.
struct Row;
class TraceJobStream : public JobStream {
 public:
  // The rows and jobs so far; at the end, what ReadX fills in.
  virtual TraceStats stats() const = 0;
  // The header row, and the row the last job came from (where it is in the file).
  virtual const Row& header() const = 0;
  virtual const Row& row() const = 0;
};

// Generic CSV (docs/trace-formats.md): header with at least id, arrival_s,
// num_gpus, duration_s; optional gpu_milli, gpu_types, cpu_milli,
// memory_mib, priority. duration_s is seconds or "type=s;type=s".
Result<std::vector<Job>> ReadCsvTrace(std::string_view text, const std::string& file,
                                      TraceStats* stats);
Result<std::vector<Job>> ReadCsvTrace(std::istream& in, const std::string& file, TraceStats* stats,
                                      const RowProgress& progress = {});

Result<std::unique_ptr<TraceJobStream>> StreamCsvTrace(std::istream& in, const std::string& file,
                                                       const RowProgress& progress = {});
Result<std::unique_ptr<TraceJobStream>> StreamCsvTrace(std::string_view text,
                                                       const std::string& file);

struct OpenbOptions {
  // Keep CPU-only pods as jobs with num_gpus 0 (FGD's fill experiment
  // schedules them too: they take CPU and memory that GPU pods then lack).
  bool keep_cpu_only = false;
  // Accept lists without times (the multigpu* variants): arrival 0, 1 s.
  bool times_optional = false;
};

// Alibaba openb pod list (cluster-trace-gpu-v2023): GPU pods become jobs,
// arriving at creation_time and running deletion_time - scheduled_time.
// gpu_spec ("V100M16|V100M32") restricts the accelerator types.
Result<std::vector<Job>> ReadOpenbPods(std::string_view text, const std::string& file,
                                       TraceStats* stats, const OpenbOptions& options = {});
Result<std::vector<Job>> ReadOpenbPods(std::istream& in, const std::string& file, TraceStats* stats,
                                       const OpenbOptions& options = {},
                                       const RowProgress& progress = {});
Result<std::unique_ptr<TraceJobStream>> StreamOpenbPods(std::istream& in, const std::string& file,
                                                        const OpenbOptions& options = {},
                                                        const RowProgress& progress = {});
Result<std::unique_ptr<TraceJobStream>> StreamOpenbPods(std::string_view text,
                                                        const std::string& file,
                                                        const OpenbOptions& options = {});
// openb node list: sn,cpu_milli,memory_mib,gpu,model.
Result<std::vector<Node>> ReadOpenbNodes(std::string_view text, const std::string& file);

// Gavel's 10-column trace, or the 7-column Philly-derived one (traces/msr:
// job_type, command, num_steps_arg, needs_data_dir, total_steps,
// arrival_time, scale_factor; told apart by the first row), with its
// throughput table (simulation_throughputs.json): duration on a type =
// total_steps / isolated throughput. Legacy rows with scale_factor 0, or
// whose (job type, scale factor) the table lacks, are counted as skipped.
Result<std::vector<Job>> ReadGavelTrace(std::string_view text, const std::string& file,
                                        std::string_view throughputs_json,
                                        const std::string& throughputs_file, TraceStats* stats);
Result<std::vector<Job>> ReadGavelTrace(std::istream& in, const std::string& file,
                                        std::string_view throughputs_json,
                                        const std::string& throughputs_file, TraceStats* stats,
                                        const RowProgress& progress = {});

// Sia/Pollux workload (name,time,application,num_replicas,batch_size) with
// Sia's profiles in profiles_dir/<application>/ (placements-<cluster>.csv,
// scalability-<cluster>.csv, validation-<batch>.csv). A job is rigid: it
// keeps its replicas and batch size and runs the iterations its batch size
// needs for the application's epochs; duration on a type = startup +
// iterations x seconds per iteration x Sia's calibration slowdown. Types:
// aws t4, azure v100, dgx-ext (else dgx) a100, quad rtx6000, rtx rtx2080ti.
Result<std::vector<Job>> ReadSiaWorkload(std::string_view text, const std::string& file,
                                         const std::string& profiles_dir, TraceStats* stats);

// "v100:36,p100:36,k80:36" or "type:count:gpus_per_node,...". Without a
// per-node size each type is one pool (Gavel's model: a job's workers need
// the same type, not the same server).
Result<std::vector<Node>> ParseClusterSpec(std::string_view spec);

}  // namespace suanli::sim

#endif  // SUANLI_SIM_TRACE_TRACE_H_
