// replay and trace synth: scheduling policies on cluster traces.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "app/engine.h"
#include "app/internal.h"
#include "catalog/catalog.h"
#include "core/atomic_file.h"
#include "core/memory.h"
#include "core/text.h"
#include "report/html_report.h"
#include "report/replay_report.h"
#include "sim/engine/fill.h"
#include "sim/engine/kube.h"
#include "sim/engine/replay.h"
#include "sim/policies/registry.h"
#include "sim/trace/read_trace.h"
#include "sim/trace/synth.h"
#include "sim/trace/trace.h"

namespace suanli::app {

using internal::FieldError;

namespace {

// FGD's published runs use seeds 42..51.
constexpr uint64_t kFgdFirstSeed = 42;

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string SkippedNote(const sim::TraceStats& stats) {
  if (stats.skipped == 0) return "";
  return std::to_string(stats.skipped) + " of " + std::to_string(stats.rows) + " rows are " +
         stats.skipped_why + ", not jobs; skipped";
}

// A round of a year is one decision for any trace this tool replays.
constexpr double kMaxRoundS = 365 * 86400.0;

}  // namespace

// Reads a trace in any supported format.
struct TraceSource {
  std::string path, format, throughputs, profiles;
};

static Result<sim::TraceFile> OpenTraceFile(const TraceSource& src, uint64_t max_bytes) {
  if (auto ok = internal::CheckRequestFile(src.path, max_bytes, "trace"); !ok) {
    return tl::unexpected(ok.error());
  }
  return sim::OpenTrace(src.path, src.format);
}

static Result<std::vector<sim::Job>> LoadTrace(const TraceSource& src, sim::TraceFile& file,
                                               const std::string& data_dir, uint64_t max_bytes,
                                               sim::TraceStats* stats,
                                               const sim::OpenbOptions& openb = {},
                                               const sim::RowProgress& progress = {},
                                               const TypedNames& typed_as = {}) {
  // The fill experiment (openb.keep_cpu_only) places pods by their GPU shares.
  if (openb.keep_cpu_only && (file.format == "gavel" || file.format == "sia")) {
    return MakeError(FlagAsTyped(typed_as, "fill") +
                         " needs an openb or csv trace (pods with GPU shares), not " + file.format,
                     src.path);
  }
  sim::TraceSideFiles side;
  side.throughputs = src.throughputs.empty()
                         ? data_dir + "/traces/gavel/simulation_throughputs.json"
                         : src.throughputs;
  side.profiles = src.profiles.empty() ? data_dir + "/traces/sia-sosp23/traces" : src.profiles;
  side.read = [max_bytes](const std::string& path) {
    return internal::ReadRequestFile(path, max_bytes, "throughputs");
  };
  return sim::ReadTrace(file, side, stats, openb, progress);
}

namespace {

// What a first pass over a streamed trace learns: every row is checked, and
// nothing but these is kept.
struct TraceScan {
  long jobs = 0;
  int64_t max_id = 0;
  bool in_order = true;         // by arrival, then id: the order a replay takes jobs in
  std::set<std::string> types;  // GPU type names the rows use (TraceSpelling)
};

// At most this many distinct GPU type names are kept from a streamed trace: a real trace names a
// handful (openb 8, Gavel 3); past this the --cluster spelling rule sees only the first ones.
constexpr size_t kMaxTraceTypes = 1000;

// The GPU type names a job uses: its allowed types and the types it gives a duration or a rate
// on ("*" is every type, not a name).
void AddTypeNames(const sim::Job& j, std::set<std::string>* types) {
  auto add = [types](const std::string& t) {
    if (t != "*" && types->size() < kMaxTraceTypes) types->insert(t);
  };
  for (const auto& t : j.allowed_types) add(t);
  for (const auto& [type, _] : j.duration_s) add(type);
  for (const auto& [type, _] : j.steps_per_s) add(type);
}

Result<TraceScan> ScanTrace(sim::TraceFile& file, sim::TraceStats* stats,
                            const sim::RowProgress& progress) {
  auto stream = sim::StreamTrace(file, {}, progress);
  if (!stream) return tl::unexpected(stream.error());
  TraceScan scan;
  sim::Job j;
  double last_arrival = 0;
  int64_t last_id = 0;
  for (;;) {
    auto more = (*stream)->Next(&j);
    if (!more) return tl::unexpected(more.error());
    if (!*more) break;
    if (scan.jobs > 0 &&
        (j.arrival_s < last_arrival || (j.arrival_s == last_arrival && j.id < last_id))) {
      scan.in_order = false;
    }
    last_arrival = j.arrival_s;
    last_id = j.id;
    scan.max_id = scan.jobs == 0 ? j.id : std::max(scan.max_id, j.id);
    AddTypeNames(j, &scan.types);
    ++scan.jobs;
  }
  *stats = (*stream)->stats();
  return scan;
}

// Pods running now (from Kubernetes), then the trace's jobs as they are read.
class RunningThenTrace : public sim::JobStream {
 public:
  RunningThenTrace(const std::vector<sim::Job>& running, std::unique_ptr<sim::JobStream> trace)
      : running_(running), trace_(std::move(trace)) {}
  Result<bool> Next(sim::Job* job) override {
    if (auto more = running_.Next(job); !more || *more) return more;
    return trace_->Next(job);
  }

 private:
  sim::VectorJobStream running_;
  std::unique_ptr<sim::JobStream> trace_;
};

// A --cluster type typed in another case than the trace spells it (V100 for Gavel's v100, h800
// for a hand-written CSV's H800) is the trace's type: rename the nodes to the trace's spelling,
// where exactly one type matches. `known` is every type name the trace's rows use (a streamed
// trace's from its first pass: its jobs are not held).
void TraceSpelling(const std::set<std::string>& known, std::vector<sim::Node>& nodes) {
  for (auto& n : nodes) {
    if (known.count(n.type)) continue;
    const std::string typed = ToLower(n.type);
    std::string match;
    int matches = 0;
    for (const auto& k : known) {
      if (ToLower(k) == typed) {
        match = k;
        ++matches;
      }
    }
    if (matches == 1) n.type = match;
  }
}

}  // namespace

Result<Output> Engine::Replay(const ReplayRequest& r, const RunContext& c) const {
  auto out = ReplayFiles(r, c);
  if (!out) {
    return tl::unexpected(
        AsGiven(out.error(),
                {{"trace", r.trace}, {"throughputs", r.throughputs}, {"profiles", r.profiles}}));
  }
  return out;
}

Result<Output> Engine::ReplayFiles(const ReplayRequest& r, const RunContext& c) const {
  if (r.trace.empty()) return tl::unexpected(MissingField("trace"));
  TraceSource src;
  for (auto [field, in, out] : {std::tuple{"trace", &r.trace, &src.path},
                                {"throughputs", &r.throughputs, &src.throughputs},
                                {"profiles", &r.profiles, &src.profiles}}) {
    if (in->empty()) continue;
    auto p = RequestPath(*in, field);
    if (!p) return tl::unexpected(p.error());
    *out = *p;
  }
  src.format = r.format;
  const bool fill_mode = r.fill.has_value();
  sim::Workload w;
  sim::TraceStats stats;
  // The fill experiment schedules CPU-only pods too and needs no times.
  sim::RowProgress rows_read;
  if (c.progress) {
    rows_read = [&c, path = src.path](long rows) { c.progress("reading " + path, rows, 0); };
  }
  auto file = OpenTraceFile(src, options_.max_file_bytes);
  if (!file) return tl::unexpected(file.error());
  // A csv or openb trace is read as a stream: a first pass checks every row, and each replay takes
  // the jobs as it reaches their arrival, so memory follows the jobs present, not the trace. Rows
  // out of arrival order are sorted as 16 B references into the file (one more pass), and read
  // again in that order. Other traces (gavel, sia, the fill experiment) are held whole.
  std::optional<TraceScan> scan;
  std::optional<sim::TraceOrder> order;  // when the rows are out of arrival order
  if (!fill_mode && sim::CanStreamTrace(*file)) {
    auto scanned = ScanTrace(*file, &stats, rows_read);
    if (!scanned) return tl::unexpected(scanned.error());
    scan = *scanned;
    if (!scan->in_order) {
      auto sorted = sim::SortTrace(*file, {}, rows_read, static_cast<size_t>(scan->jobs));
      if (!sorted) return tl::unexpected(sorted.error());
      order = std::move(*sorted);
    }
  }
  if (!scan) {
    auto jobs = LoadTrace(src, *file, options_.data_dir, options_.max_file_bytes, &stats,
                          {fill_mode, fill_mode}, rows_read, r.typed_as);
    if (!jobs) return tl::unexpected(jobs.error());
    w.jobs = std::move(*jobs);
  }
  std::vector<sim::Job> running;  // Kubernetes pods running now, before the trace
  Output out;
  out.inputs = {src.path, src.throughputs};
  if (auto note = SkippedNote(stats); !note.empty()) out.notes.push_back(note);
  if (static_cast<int>(!r.nodes.empty()) + static_cast<int>(!r.cluster.empty()) +
          static_cast<int>(!r.kube.empty()) >
      1) {
    return tl::unexpected(FieldError("nodes", "give one of nodes, cluster or kube"));
  }
  if (!r.kube.empty()) {
    out.inputs.insert(out.inputs.end(), r.kube.begin(), r.kube.end());
    auto kube = ReadCluster({r.kube, ""});
    if (!kube) return tl::unexpected(kube.error());
    w.nodes = sim::KubeSimNodes(*kube);
    if (w.nodes.empty()) {
      return tl::unexpected(FieldError("kube", "no ready, schedulable node with accelerators"));
    }
    // Pods running now: those that say when they end hold their GPUs until then, first in line.
    long unknown_end = 0;
    running = sim::KubeRunningJobs(*kube, std::nullopt, &unknown_end);
    if (unknown_end > 0) {
      out.notes.push_back(std::to_string(unknown_end) +
                          " running pods have no suanli.io/remaining-s annotation; not replayed");
    }
    // Running pods first (arrival 0), then the trace; ids stay unique.
    int64_t next_id = scan ? std::max<int64_t>(0, scan->max_id) : 0;
    for (const auto& j : w.jobs) next_id = std::max(next_id, j.id);
    for (auto& j : running) j.id = ++next_id;
    if (!scan) {
      w.jobs.insert(w.jobs.begin(), running.begin(), running.end());
      running.clear();
    }
  } else if (!r.nodes.empty()) {
    auto path = RequestPath(r.nodes, "nodes");
    if (!path) return tl::unexpected(path.error());
    out.inputs.push_back(*path);
    auto node_text = internal::ReadRequestFile(*path, options_.max_file_bytes, "nodes", r.nodes);
    if (!node_text) return tl::unexpected(node_text.error());
    auto nodes = sim::ReadOpenbNodes(*node_text, *path);
    if (!nodes) return tl::unexpected(nodes.error());
    w.nodes = std::move(*nodes);
  } else if (!r.cluster.empty()) {
    auto nodes = internal::ClusterNodes(r.cluster);
    if (!nodes) return tl::unexpected(nodes.error());
    w.nodes = std::move(*nodes);
    std::set<std::string> known;
    if (scan) {
      known = scan->types;
    } else {
      for (const auto& j : w.jobs) AddTypeNames(j, &known);
    }
    TraceSpelling(known, w.nodes);
  } else {
    return tl::unexpected(FieldError(
        "cluster",
        fmt::format("the replay needs a cluster: {} FILE or {} type:count,...",
                    FlagAsTyped(r.typed_as, "nodes"), FlagAsTyped(r.typed_as, "cluster"))));
  }
  if (r.policy.empty()) return tl::unexpected(FieldError("policy", "needs at least one policy"));
  // A policy named twice ran twice and printed two identical rows.
  for (size_t i = 0; i < r.policy.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (ToLower(r.policy[i]) == ToLower(r.policy[j])) {
        return tl::unexpected(FieldError(
            "policy", fmt::format("{} named twice; name each policy once", Quoted(r.policy[i]))));
      }
    }
  }
  const bool json = c.format == Format::kJson;

  if (fill_mode) {
    // FGD's fill experiment: every policy over seeds seed .. seed + repeat - 1.
    if (!(*r.fill > 0) || *r.fill > 100) {
      return tl::unexpected(
          FieldError("fill", "must be a ratio of GPU capacity in (0, 100], e.g. 1.3"));
    }
    if (r.repeat < 1 || r.repeat > 1000) {
      return tl::unexpected(FieldError("repeat", "must be in [1, 1000]"));
    }
    if (!r.report.empty()) {
      return tl::unexpected(
          FieldError("report", "is not available with " + FlagAsTyped(r.typed_as, "fill")));
    }
    std::vector<report::FillRun> runs;
    for (const auto& name : r.policy) {
      report::FillRun run;
      const auto t0 = std::chrono::steady_clock::now();  // read, shown only with timing
      for (int k = 0; k < r.repeat; ++k) {
        const uint64_t seed = r.seed.value_or(kFgdFirstSeed) + static_cast<uint64_t>(k);
        auto policy = sim::MakePolicy(name, {&w, seed});
        if (!policy) return tl::unexpected(internal::WithField(policy.error(), "policy"));
        auto result = sim::Fill(w, **policy, {*r.fill, seed});
        if (!result) return tl::unexpected(result.error());
        run.policy = result->policy;
        run.seeds.push_back(std::move(*result));
      }
      run.sim_wall_s = SecondsSince(t0);
      runs.push_back(std::move(run));
    }
    out.body = json ? report::FillJson(runs, *r.fill, r.timing) : report::FillTable(runs, r.timing);
    return out;
  }

  // Rounds under a second multiplied the events (--round-s 1e-9: 24.8 million for 100 jobs, and
  // no end in sight for 1,000) without telling Gavel's mechanism anything new.
  if (r.round_s != 0 && !(r.round_s >= 1 && r.round_s <= kMaxRoundS)) {
    return tl::unexpected(FieldError(
        "round_s", fmt::format("must be between 1 and {:.0f} s (Gavel uses 360), or 0 for the "
                               "default",
                               kMaxRoundS)));
  }
  // The cluster's accelerator types with the catalog chip each one is, if any.
  std::vector<report::ReplayClusterType> types;
  for (const auto& [type, gpus] : sim::GpusPerType(w.nodes)) {
    const auto* chip = catalog_->MatchChip(type);
    types.push_back({type, gpus, chip ? chip->id : ""});
  }
  std::vector<report::ReplayRun> runs;
  sim::PolicyContext context{&w, r.seed.value_or(0), nullptr};
  if (scan) {
    context.for_each_job = [&](const std::function<void(const sim::Job&)>& visit) -> Result<void> {
      for (const auto& j : running) visit(j);
      auto stream = sim::StreamTrace(*file);
      if (!stream) return tl::unexpected(stream.error());
      sim::Job j;
      for (;;) {
        auto more = (*stream)->Next(&j);
        if (!more) return tl::unexpected(more.error());
        if (!*more) return {};
        visit(j);
      }
    };
  }
  for (const auto& name : r.policy) {
    auto policy = sim::MakePolicy(name, context);
    if (!policy) return tl::unexpected(internal::WithField(policy.error(), "policy"));
    const auto t0 = std::chrono::steady_clock::now();
    sim::ReplayOptions options;
    options.round_s = r.round_s;
    options.seed = r.seed.value_or(0);
    // Per job, only the HTML report needs anything (its JCT, ReplayResult::jct_s), and the
    // timeline.
    options.keep_outcomes = false;
    options.keep_timeline = !r.report.empty();
    options.keep_jct = !r.report.empty();
    if (c.progress) {
      options.progress = [&c, name](long arrived, long done, long total, double simulated_s) {
        c.progress(fmt::format("replay {}: {} jobs read, {:.1f} days simulated", name, arrived,
                               simulated_s / 86400),
                   done, total);
      };
    }
    Result<sim::ReplayResult> result;
    if (scan) {
      auto stream = order ? sim::StreamTrace(*file, *order) : sim::StreamTrace(*file);
      if (!stream) return tl::unexpected(stream.error());
      RunningThenTrace jobs(running, std::move(*stream));
      result = sim::Replay(w.nodes, jobs, scan->jobs + static_cast<long>(running.size()), **policy,
                           options);
    } else {
      result = sim::Replay(w, **policy, options);
    }
    if (!result) {
      // "job '2' arrives before the job read before it" is about a row of the trace: name the
      // file (jobs do not keep their line).
      Error e = result.error();
      if (e.file.empty()) e.file = src.path;
      return tl::unexpected(std::move(e));
    }
    runs.push_back({std::move(*result), SecondsSince(t0)});
  }
  if (!r.report.empty()) out.files.push_back({r.report, report::ReplayHtml(runs)});
  out.body =
      json ? report::ReplayJson(runs, types, r.timing) : report::ReplayTable(runs, types, r.timing);
  return out;
}

Result<Output> Engine::Synth(const SynthRequest& r, const RunContext& c) const {
  auto out = SynthFiles(r, c);
  if (!out) {
    return tl::unexpected(AsGiven(
        out.error(), {{"from", r.from}, {"throughputs", r.throughputs}, {"profiles", r.profiles}}));
  }
  return out;
}

Result<Output> Engine::SynthFiles(const SynthRequest& r, const RunContext& c) const {
  if (r.from.empty()) return tl::unexpected(MissingField("from"));
  if (r.output.empty()) return tl::unexpected(MissingField("output"));
  TraceSource src{r.from, r.format, r.throughputs, r.profiles};
  for (auto [field, path] : {std::pair{"from", &src.path},
                             {"throughputs", &src.throughputs},
                             {"profiles", &src.profiles}}) {
    if (path->empty()) continue;
    auto p = RequestPath(*path, field);
    if (!p) return tl::unexpected(p.error());
    *path = *p;
  }
  sim::TraceStats stats;
  auto file = OpenTraceFile(src, options_.max_file_bytes);
  if (!file) return tl::unexpected(file.error());
  auto source = LoadTrace(src, *file, options_.data_dir, options_.max_file_bytes, &stats);
  if (!source) return tl::unexpected(source.error());
  // The arrivals are drawn from the source's gaps: one job has none (said with the file, not as
  // a bare "the source trace").
  if (source->size() < 2) {
    return tl::unexpected(internal::FieldError(
        "from",
        fmt::format("{}: holds {} job; synth needs at least two jobs (one inter-arrival gap)",
                    src.path, source->size())));
  }
  Output out;
  out.inputs = {src.path, src.throughputs};
  if (auto note = SkippedNote(stats); !note.empty()) out.notes.push_back(note);
  // A synthesized job takes about 1 KiB (the probe measured 770 B a job in memory, plus its CSV
  // row): a count that cannot fit is refused before allocating, not met by bad_alloc or the OOM
  // killer (100,000,000 jobs, the upper bound, need about 95 GiB).
  constexpr uint64_t kBytesPerJob = 1024;
  if (const auto avail = AvailableMemoryBytes();
      avail && r.jobs > 0 && static_cast<uint64_t>(r.jobs) > *avail / kBytesPerJob) {
    return tl::unexpected(internal::FieldError(
        "jobs",
        fmt::format("{} jobs need about {} MiB of memory (1 KiB a job); {} MiB are "
                    "available: write fewer jobs",
                    r.jobs, static_cast<uint64_t>(r.jobs) * kBytesPerJob >> 20, *avail >> 20)));
  }
  Result<std::vector<sim::Job>> jobs;
  try {
    jobs = sim::SynthesizeTrace(*source, {r.jobs, r.seed, r.rate_scale});
    if (!jobs) return tl::unexpected(jobs.error());
    out.files.push_back({r.output, sim::FormatCsvTrace(*jobs)});
  } catch (const std::bad_alloc&) {
    return tl::unexpected(internal::FieldError(
        "jobs", fmt::format("out of memory writing {} jobs: write fewer jobs", r.jobs)));
  }
  const report::SynthSummary summary{r.from,       source->size(),
                                     jobs->size(), r.seed,
                                     r.rate_scale, jobs->back().arrival_s - jobs->front().arrival_s,
                                     r.output};
  out.body = c.format == Format::kJson ? report::SynthJson(summary) : report::SynthText(summary);
  return out;
}

}  // namespace suanli::app
