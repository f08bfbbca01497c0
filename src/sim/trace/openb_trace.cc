// Alibaba openb pod and node lists (cluster-trace-gpu-v2023).
#include "sim/trace/trace.h"

#include <algorithm>
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
using trace_internal::Started;
using trace_internal::TypeList;

namespace {

// The GPU pods of an openb pod list, row by row, in file order.
class OpenbJobs : public TraceJobStream {
 public:
  OpenbJobs(std::unique_ptr<RowSource> rows, std::string file, OpenbOptions options,
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
      ReportRows(progress_, rows_->rows());
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
      j.id = static_cast<int64_t>(r.index);  // its row: 1 for the first after the header
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
  const Row& header() const override { return header_; }
  const Row& row() const override { return r_; }

 private:
  std::unique_ptr<RowSource> rows_;
  std::string file_;
  OpenbOptions options_;
  RowProgress progress_;
  Row header_, r_;
  std::optional<Columns> columns_;
  long jobs_ = 0, gpu_jobs_ = 0, skipped_ = 0;
};

Result<std::vector<Job>> ReadOpenbRows(std::unique_ptr<RowSource> rows, const std::string& file,
                                       TraceStats* stats, const OpenbOptions& options,
                                       const RowProgress& progress) {
  SUANLI_TRY(stream, Started<OpenbJobs>(std::move(rows), file, options, progress));
  return ReadAll(*stream, stats);
}

}  // namespace

namespace trace_internal {
Result<std::unique_ptr<TraceJobStream>> OpenbJobsFrom(std::unique_ptr<RowSource> rows,
                                                      const std::string& file,
                                                      const OpenbOptions& options) {
  return Started<OpenbJobs>(std::move(rows), file, options, RowProgress{});
}
}  // namespace trace_internal

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
  // A node named twice was two nodes (n1 twice: 16 GPUs from one 8-GPU server); openb's lists
  // name each once (a blank name names none). The line each name was first given on.
  std::map<std::string, size_t> names;
  int64_t all_gpus = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const Row& r = rows[i];
    const std::string sn = c.Text(r, "sn");
    if (const auto [at, fresh] = names.emplace(sn, r.line); !fresh && !sn.empty()) {
      return MakeError(Quoted(sn) + " is named twice (also at line " + std::to_string(at->second) +
                           "); name each node once",
                       file, r.line, "sn");
    }
    SUANLI_TRY(gpus, c.Integer(r, "gpu", 0, 0, 1024, true));
    SUANLI_TRY(cpu, c.Integer(r, "cpu_milli", 0, 0, 1e9, true));
    SUANLI_TRY(mem, c.Integer(r, "memory_mib", 0, 0, 1e9, true));
    all_gpus += gpus;
    nodes.push_back({static_cast<int>(nodes.size()), c.Text(r, "model"), static_cast<int>(gpus),
                     static_cast<int>(cpu), static_cast<int>(mem)});
  }
  // Without a GPU every job stayed pending under a "cluster: 0 x" line, exit 0.
  if (nodes.empty()) return MakeError("the node list has a header and no nodes", file);
  if (all_gpus == 0) {
    return MakeError("no node has a GPU (" + std::to_string(nodes.size()) +
                         (nodes.size() == 1 ? " node" : " nodes") +
                         ", each with gpu 0): a replay needs GPU nodes "
                         "(openb_node_list_gpu_node.csv)",
                     file);
  }
  return nodes;
}

}  // namespace suanli::sim
