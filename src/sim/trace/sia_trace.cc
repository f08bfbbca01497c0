// Sia/Pollux workloads, timed from Sia's application profiles.
#include "sim/trace/trace.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/text.h"
#include "sim/trace/csv_rows.h"
#include "sim/trace/reader_util.h"

namespace suanli::sim {

using trace_internal::CheckJob;
using trace_internal::Columns;
using trace_internal::SortJobs;

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

}  // namespace suanli::sim
