#include "report/replay_report.h"

#include <fmt/format.h>

#include <cmath>

#include "report/json_out.h"
#include "report/table.h"

namespace suanli::report {
namespace {

nlohmann::json RunJson(const ReplayRun& run, bool timing) {
  const auto& r = run.result;
  nlohmann::json j = {{"policy", r.policy},
                      {"jobs", r.jobs},
                      {"completed", r.completed},
                      {"avg_jct_s", Round(r.avg_jct_s)},
                      {"p50_jct_s", Round(r.p50_jct_s)},
                      {"p99_jct_s", Round(r.p99_jct_s)},
                      {"avg_queue_s", Round(r.avg_queue_s)},
                      {"makespan_s", Round(r.makespan_s)},
                      {"utilization", Round(r.utilization, 4)},
                      {"unallocated_gpu_fraction", Round(r.unallocated_gpu_fraction, 4)},
                      {"events", r.events},
                      {"mechanism", r.mechanism},
                      {"round_s", Round(r.round_s)}};
  // Only when some job could never fit: a trace where all fit prints what it always did.
  if (r.never_fit > 0) {
    j["jobs_never_fit"] = r.never_fit;
    nlohmann::json listed = nlohmann::json::array();
    for (const auto& n : r.never_fit_listed) {
      listed.push_back({{"id", n.id}, {"name", n.name}, {"why", n.why}});
    }
    j["never_fit"] = listed;
  }
  if (timing) j["sim_wall_s"] = Round(run.sim_wall_s, 3);
  return j;
}

}  // namespace

std::string NeverFitNote(const std::vector<ReplayRun>& runs) {
  for (const auto& run : runs) {
    const auto& r = run.result;
    if (r.never_fit == 0) continue;
    // Whether a job fits depends on the cluster alone: every policy passes over the same jobs.
    std::string s = fmt::format(
        "{} of {} jobs can never fit this cluster and stay pending (never started, in no time "
        "above){}\n",
        r.never_fit, r.jobs,
        r.never_fit > static_cast<long>(r.never_fit_listed.size())
            ? fmt::format("; the first {}:", r.never_fit_listed.size())
            : ":");
    for (const auto& n : r.never_fit_listed) s += fmt::format("  {}: {}\n", n.name, n.why);
    return s;
  }
  return "";
}

std::string ReplayJson(const std::vector<ReplayRun>& runs,
                       const std::vector<ReplayClusterType>& cluster, bool timing) {
  nlohmann::json types = nlohmann::json::array();
  for (const auto& c : cluster) {
    types.push_back({{"type", c.type},
                     {"gpus", c.gpus},
                     {"catalog_chip",
                      c.catalog_chip.empty() ? nlohmann::json() : nlohmann::json(c.catalog_chip)}});
  }
  nlohmann::json out;
  if (runs.size() == 1) {
    out = RunJson(runs[0], timing);
  } else {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : runs) arr.push_back(RunJson(r, timing));
    out = {{"policies", arr}};
  }
  out["cluster"] = types;
  return Dump(out);
}

std::string ReplayTable(const std::vector<ReplayRun>& runs,
                        const std::vector<ReplayClusterType>& cluster, bool timing) {
  std::string head;
  for (const auto& c : cluster) {
    head += fmt::format("{}{} x {}{}", head.empty() ? "cluster: " : ", ", c.gpus, c.type,
                        c.catalog_chip.empty() ? "" : " (catalog " + c.catalog_chip + ")");
  }
  if (!head.empty()) head += "\n";
  std::vector<std::string> header = {"policy",      "jobs",        "avg JCT h",  "p50 JCT h",
                                     "p99 JCT h",   "avg queue h", "makespan h", "utilization",
                                     "unallocated", "events"};
  if (timing) header.emplace_back("wall s");
  Table t(header);
  for (const auto& run : runs) {
    const auto& r = run.result;
    std::vector<std::string> row = {r.policy,
                                    std::to_string(r.jobs),
                                    fmt::format("{:.2f}", r.avg_jct_s / 3600),
                                    fmt::format("{:.2f}", r.p50_jct_s / 3600),
                                    fmt::format("{:.2f}", r.p99_jct_s / 3600),
                                    fmt::format("{:.2f}", r.avg_queue_s / 3600),
                                    fmt::format("{:.1f}", r.makespan_s / 3600),
                                    fmt::format("{:.1f} %", r.utilization * 100),
                                    fmt::format("{:.1f} %", r.unallocated_gpu_fraction * 100),
                                    std::to_string(r.events)};
    if (timing) row.push_back(fmt::format("{:.2f}", run.sim_wall_s));
    t.AddRow(row);
  }
  return head + t.Render() + NeverFitNote(runs);
}

namespace {

// Mean over seeds at each arrived %, skipping seeds with no sample there.
std::vector<double> MeanCurve(const FillRun& run) {
  std::vector<double> mean;
  for (size_t x = 0;; ++x) {
    double sum = 0;
    int n = 0;
    bool any = false;
    for (const auto& r : run.seeds) {
      if (x >= r.alloc_pct_by_arrived_pct.size()) continue;
      any = true;
      if (!std::isnan(r.alloc_pct_by_arrived_pct[x])) {
        sum += r.alloc_pct_by_arrived_pct[x];
        ++n;
      }
    }
    if (!any) break;
    mean.push_back(n > 0 ? sum / n : NAN);
  }
  return mean;
}

// A curve point: null where no seed had a sample.
nlohmann::json PointJson(double v) {
  return Optional(std::isnan(v) ? std::nullopt : std::optional<double>(v), 4);
}

nlohmann::json CurveJson(const std::vector<double>& curve) {
  nlohmann::json arr = nlohmann::json::array();
  for (double v : curve) arr.push_back(PointJson(v));
  return arr;
}

nlohmann::json Milestones(const std::vector<double>& curve) {
  nlohmann::json out = nlohmann::json::object();
  for (size_t x = 50; x < curve.size(); x += 10) out[std::to_string(x)] = PointJson(curve[x]);
  return out;
}

double MeanOf(const FillRun& run, double (*field)(const sim::FillResult&)) {
  double s = 0;
  for (const auto& r : run.seeds) s += field(r);
  return run.seeds.empty() ? 0 : s / static_cast<double>(run.seeds.size());
}

}  // namespace

std::string FillTable(const std::vector<FillRun>& runs, bool timing) {
  std::vector<std::string> header = {"policy", "seeds"};
  const size_t last = runs.empty() ? 0 : MeanCurve(runs[0]).size();
  for (size_t x = 50; x < last; x += 10) header.push_back(fmt::format("@{} %", x));
  header.emplace_back("failed pods");
  if (timing) header.emplace_back("wall s");
  Table t(header);
  for (const auto& run : runs) {
    const auto curve = MeanCurve(run);
    std::vector<std::string> row = {run.policy, std::to_string(run.seeds.size())};
    for (size_t x = 50; x < last; x += 10) {
      row.push_back(x < curve.size() && !std::isnan(curve[x]) ? fmt::format("{:.2f}", curve[x])
                                                              : "-");
    }
    row.push_back(fmt::format(
        "{:.0f}", MeanOf(run, [](const sim::FillResult& r) { return double(r.failed); })));
    if (timing) row.push_back(fmt::format("{:.2f}", run.sim_wall_s));
    t.AddRow(row);
  }
  return "GPU allocation % when the arrived GPU request reaches x % of capacity (mean over "
         "seeds)\n" +
         t.Render();
}

std::string FillJson(const std::vector<FillRun>& runs, double tune, bool timing) {
  nlohmann::json policies = nlohmann::json::array();
  long total_gpus = 0;
  nlohmann::json seeds = nlohmann::json::array();
  for (const auto& run : runs) {
    const auto curve = MeanCurve(run);
    nlohmann::json per_seed = nlohmann::json::array();
    for (const auto& r : run.seeds) {
      total_gpus = r.total_gpus;
      if (&run == &runs.front()) seeds.push_back(r.seed);
      per_seed.push_back({{"seed", r.seed},
                          {"pods", r.pods},
                          {"placed_pods", r.placed},
                          {"failed_pods", r.failed},
                          {"arrived_gpu_pct", Round(r.arrived_gpu_pct, 4)},
                          {"allocated_gpu_pct", Round(r.allocated_gpu_pct, 4)},
                          {"alloc_pct_at_arrived_pct", Milestones(r.alloc_pct_by_arrived_pct)}});
    }
    nlohmann::json policy = {
        {"policy", run.policy},
        {"alloc_pct_at_arrived_pct", Milestones(curve)},
        {"alloc_pct_by_arrived_pct", CurveJson(curve)},
        {"failed_pods",
         Round(MeanOf(run, [](const sim::FillResult& r) { return double(r.failed); }))},
        {"allocated_gpu_pct",
         Round(MeanOf(run, [](const sim::FillResult& r) { return r.allocated_gpu_pct; }), 4)},
        {"runs", per_seed}};
    if (timing) policy["sim_wall_s"] = Round(run.sim_wall_s, 3);
    policies.push_back(std::move(policy));
  }
  return Dump({{"mode", "fill"},
               {"tune", tune},
               {"total_gpus", total_gpus},
               {"seeds", seeds},
               {"policies", policies}});
}

std::string SynthJson(const SynthSummary& s) {
  return Dump({{"source", s.source},
               {"source_jobs", s.source_jobs},
               {"jobs", s.jobs},
               {"seed", s.seed},
               {"rate_scale", s.rate_scale},
               {"arrival_span_s", s.arrival_span_s},
               {"output", s.output}});
}

std::string SynthText(const SynthSummary& s) {
  return fmt::format("wrote {} jobs resampled from {} to {} (arrivals over {} s)\n", s.jobs,
                     s.source_jobs, s.output, static_cast<long>(s.arrival_span_s));
}

}  // namespace suanli::report
