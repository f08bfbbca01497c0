// Simulate before submit: one job on the cluster as it is now, under a named policy.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/amount.h"
#include "app/engine.h"
#include "app/internal.h"
#include "catalog/catalog.h"
#include "core/text.h"
#include "perf/training.h"
#include "report/simulate_report.h"
#include "sim/engine/kube.h"
#include "sim/engine/replay.h"
#include "sim/policies/registry.h"
#include "sim/trace/trace.h"

namespace suanli::app {

using internal::FieldError;

namespace {

// Relative one-sigma error of a training duration (log scale): the training model's error on its
// calibration cases is within 3-14 % (docs/training-model.md); 10 % covers most of them.
constexpr double kDurationSigma = 0.10;
// Running pods that say nothing of when they end hold their accelerators this long.
constexpr double kHoldS = 365.0 * 24 * 3600;
constexpr double kSecondsPerHour = 3600;

double NormalCdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

}  // namespace

Result<Output> Engine::Simulate(const SimulateRequest& r, const RunContext& c) const {
  if (r.gpus < 1 || r.gpus > 1'000'000) {
    return tl::unexpected(FieldError("gpus", "must be between 1 and 1,000,000"));
  }
  if (r.model.empty() == r.durations.empty()) {
    return tl::unexpected(FieldError(
        "model", "give the job as model and tokens, or as durations per type (type:hours,...)"));
  }
  if (!r.model.empty() && !(r.tokens > 0)) {
    // Not given reads as 0: say that it is needed, not only that it is not positive.
    return tl::unexpected(
        FieldError("tokens",
                   "a positive number is required with a model: the tokens the job trains on "
                   "(e.g. 200B)"));
  }
  // Hours a job may run or wait for: a million (114 years) is past any cluster's life; above it
  // the answer is a number of thirty digits, not a schedule.
  constexpr double kMaxHours = 1e6;
  if (r.deadline_h && !(*r.deadline_h > 0 && *r.deadline_h <= kMaxHours)) {
    return tl::unexpected(
        FieldError("deadline_h", "must be above 0 and at most 1,000,000 hours from now"));
  }
  // The same bound as infer's --chip-hour-usd: a $1e300 chip-hour printed a 300-digit cost.
  if (r.chip_hour_usd && !(*r.chip_hour_usd > 0 && *r.chip_hour_usd <= 1e6)) {
    return tl::unexpected(FieldError("chip_hour_usd", "must be positive and at most 1e6"));
  }

  // The cluster: a spec, or Kubernetes objects with what runs on them now.
  sim::Workload w;
  report::SimulateResult out;
  out.policy = r.policy;
  out.gpus = r.gpus;
  out.model = r.model;
  out.tokens = r.tokens;
  const bool from_kube = !r.kube.empty() || !r.kube_json.empty();
  if (r.cluster.empty() && !from_kube) {
    return tl::unexpected(
        FieldError("cluster",
                   "is required: the cluster as a spec (type:count,..., e.g. h100:64) or as "
                   "Kubernetes objects (kube)"));
  }
  if (!r.cluster.empty() && from_kube) {
    return tl::unexpected(FieldError(
        "cluster",
        "give the cluster as a spec (type:count,...) or as Kubernetes objects, not both"));
  }
  sim::KubeCluster kube;
  if (!r.cluster.empty()) {
    auto nodes = internal::ClusterNodes(r.cluster);
    if (!nodes) return tl::unexpected(internal::WithField(nodes.error(), "cluster"));
    w.nodes = std::move(*nodes);
  } else {
    auto read = ReadCluster({r.kube, r.kube_json});
    if (!read) return tl::unexpected(read.error());
    kube = std::move(*read);
    w.nodes = sim::KubeSimNodes(kube);
    if (w.nodes.empty()) {
      return tl::unexpected(FieldError("kube", "no ready, schedulable node with accelerators"));
    }
    // What runs now holds its accelerators: until suanli.io/remaining-s says, else all horizon.
    long held_forever = 0;
    w.jobs = sim::KubeRunningJobs(kube, kHoldS, &held_forever);
    out.running_jobs = static_cast<long>(w.jobs.size());
    if (held_forever > 0) {
      out.assumptions.push_back(std::to_string(held_forever) +
                                " running pods without a suanli.io/remaining-s annotation hold "
                                "their accelerators for the whole horizon (a year)");
    }
  }
  // The replay engine places a job on one node. A job larger than every node of the cluster
  // (a spec's type:count:gpus_per_node, or Kubernetes nodes) spans nodes (data parallel over whole
  // nodes): then each type is one pool, and what runs holds its share of the pool.
  int largest_node = 0;
  for (const auto& n : w.nodes) largest_node = std::max(largest_node, n.gpus);
  if (r.gpus > largest_node) {
    std::vector<sim::Node> pools;
    for (const auto& n : w.nodes) {
      auto it =
          std::find_if(pools.begin(), pools.end(), [&](const auto& p) { return p.type == n.type; });
      if (it == pools.end()) {
        pools.push_back(n);
        pools.back().id = static_cast<int>(pools.size()) - 1;
      } else {
        it->gpus += n.gpus;
      }
    }
    w.nodes = std::move(pools);
    out.assumptions.push_back("the job (" + std::to_string(r.gpus) +
                              " GPUs) is larger than any node (" + std::to_string(largest_node) +
                              "): each type is taken as one pool of whole nodes");
  }

  // The job's time alone on each type.
  sim::Job job;
  job.id = static_cast<int64_t>(w.jobs.size()) + 1;
  job.name = "submitted";
  job.arrival_s = 0;
  job.num_gpus = r.gpus;
  std::vector<std::string> types;
  for (const auto& n : w.nodes) {
    if (std::find(types.begin(), types.end(), n.type) == types.end()) types.push_back(n.type);
  }
  if (!r.model.empty()) {
    JobHint hint;
    hint.model = r.model;
    hint.dtype = r.dtype;
    hint.chips = r.gpus;
    auto speeds = SpeedOfTypes(types, hint);
    if (!speeds) return tl::unexpected(speeds.error());
    for (const auto& s : *speeds) {
      report::SimulateResult::Option o{s.type,   s.chip, 0,           0, s.can_run && s.speed > 0,
                                       s.reason, 0,      std::nullopt};
      if (o.can_run) {
        o.tokens_per_s_per_chip = s.speed;
        o.duration_h = r.tokens / (s.speed * r.gpus) / kSecondsPerHour;
        job.duration_s[s.type] = o.duration_h * kSecondsPerHour;
      }
      out.options.push_back(std::move(o));
    }
  } else {
    for (const auto& item : r.durations) {
      const size_t colon = item.rfind(':');
      const auto h = colon == std::string::npos
                         ? Result<double>(tl::unexpected(Error{}))
                         : ParseAmount(std::string_view(item).substr(colon + 1), "durations");
      if (!h || !(*h > 0)) {
        return tl::unexpected(FieldError(
            "durations", "'" + item.substr(0, 60) + "' is not type:hours (e.g. h800:12.5)"));
      }
      if (*h > kMaxHours) {
        return tl::unexpected(FieldError(
            "durations",
            "'" + item.substr(0, 60) + "': at most 1,000,000 hours (114 years) alone on a type"));
      }
      std::string type = item.substr(0, colon);
      // Typed in another case than the cluster spells it (H800 on h800:16: "the cluster has no
      // type 'H800'"): the cluster's type, where exactly one matches, as replay's --cluster does.
      if (std::find(types.begin(), types.end(), type) == types.end()) {
        std::vector<std::string> same;
        for (const auto& t : types) {
          if (ToLower(t) == ToLower(type)) same.push_back(t);
        }
        if (same.size() != 1) {
          return tl::unexpected(
              FieldError("durations", "the cluster has no type '" + type.substr(0, 60) + "'"));
        }
        type = same.front();
      }
      // A type given twice (h800:10,h800:20 ran 20 h, the first dropped) is no duration.
      if (job.duration_s.count(type)) {
        return tl::unexpected(
            FieldError("durations", "'" + item.substr(0, 60) + "': " + type.substr(0, 60) +
                                        " has a duration already; give each type once"));
      }
      const auto* chip = catalog_->MatchChip(type);
      out.options.push_back({type, chip ? chip->id : "", *h, 0, true, "given", 0, std::nullopt});
      job.duration_s[type] = *h * kSecondsPerHour;
    }
  }
  // Cost of the job alone on each type: the given price, else the catalog price amortized over
  // the serving model's chip life.
  for (auto& o : out.options) {
    if (!o.can_run) continue;
    for (const auto& n : w.nodes) {
      if (n.type == o.type) o.gpus_total += n.gpus;
    }
    std::optional<double> price = r.chip_hour_usd;
    if (!price && !o.chip.empty()) {
      const auto* chip = catalog_->MatchChip(o.type);
      if (chip && chip->price_usd.known()) {
        price = *chip->price_usd.value / (catalog_->inference_calibration().chip_life_years * 8760);
      }
    }
    if (price) o.cost_usd = *price * r.gpus * o.duration_h;
  }
  // A type whose nodes are all smaller than the job cannot take it (one node per job).
  size_t too_small = 0;
  for (auto& o : out.options) {
    int largest = 0;
    for (const auto& n : w.nodes) {
      if (n.type == o.type) largest = std::max(largest, n.gpus);
    }
    if (o.can_run && largest < r.gpus) {
      o.can_run = false;
      o.reason = "needs " + std::to_string(r.gpus) + " GPUs; this type has " +
                 std::to_string(largest) + (o.gpus_total > largest ? " per node" : "");
      o.cost_usd.reset();
      job.duration_s.erase(o.type);
      ++too_small;
    }
  }
  if (job.duration_s.empty()) {
    std::vector<std::string> why;
    for (const auto& o : out.options) {
      if (!o.can_run && !o.reason.empty()) why.push_back(o.type + ": " + o.reason);
    }
    return tl::unexpected(
        // Every type too small for the job: its GPUs are what to change, not the model.
        FieldError(too_small == out.options.size() ? "gpus"
                   : r.model.empty()               ? "durations"
                                                   : "model",
                   "the job can run on none of the cluster's types" +
                       (why.empty() ? std::string() : fmt::format(" ({})", fmt::join(why, "; ")))));
  }
  for (const auto& [type, d] : job.duration_s) job.allowed_types.push_back(type);
  w.jobs.push_back(job);

  auto policy = sim::MakePolicy(r.policy, {&w, 0});
  if (!policy) return tl::unexpected(internal::WithField(policy.error(), "policy"));
  sim::ReplayOptions options;
  auto result = sim::Replay(w, **policy, options);
  if (!result) return tl::unexpected(result.error());
  const sim::JobOutcome& o = result->outcomes.back();
  if (o.first_start_s >= 0 && o.first_start_s < kHoldS) {
    report::SimulateResult::Placement p;
    p.type = o.last_type;
    const auto* chip = catalog_->MatchChip(o.last_type);
    p.chip = chip ? chip->id : "";
    p.start_h = o.first_start_s / kSecondsPerHour;
    p.finish_h = o.finish_s / kSecondsPerHour;
    p.preemptions = o.preemptions;
    out.placement = p;
    if (r.deadline_h) {
      // Lognormal run time around the model's estimate; the start is taken as simulated.
      const double run_h = p.finish_h - p.start_h;
      const double room_h = *r.deadline_h - p.start_h;
      out.p_meet_deadline =
          room_h <= 0 ? 0.0 : NormalCdf(std::log(room_h / run_h) / kDurationSigma);
    }
  } else if (r.deadline_h) {
    out.p_meet_deadline = 0.0;
  }
  out.deadline_h = r.deadline_h;
  if (!r.model.empty() && r.deadline_h) {
    out.assumptions.push_back(
        "run time lognormal with 10 % sigma: the training model's error on its calibration cases");
  }
  Output rendered;
  rendered.inputs = r.kube;
  rendered.body = c.format == Format::kJson ? report::SimulateJson(out) : report::SimulateText(out);
  return rendered;
}

}  // namespace suanli::app
