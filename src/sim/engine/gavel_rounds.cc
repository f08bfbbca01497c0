// After Gavel's Scheduler.simulate() and its helpers (_update_priorities,
// _reset_time_run_so_far, _schedule_jobs_on_workers_helper, _done_callback)
// in stanford-futuredata/gavel @ c4fa400, for single (unpacked) jobs: the
// same rules, so replays can be checked against Gavel's published results.
#include "sim/engine/gavel_rounds.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "sim/engine/python_random.h"
#include "sim/engine/replay_summary.h"

namespace suanli::sim {
namespace {

struct ActiveJob {
  size_t index = 0;  // into Workload::jobs
  RoundJob view;
  double total_steps = 0;
  double steps_done = 0;
  std::vector<double> time_received;  // per type, since the last reset
  std::vector<double> priority, deficit;
  bool allocated = false;     // known to the current allocation
  std::vector<double> share;  // its allocation per type
};

struct Lease {
  size_t active = 0;  // position in the active list when leased
  int type = 0;
  double steps = 0;
  double start = 0, finish = 0;
};

// A job's work: steps, and steps per second on each type. Traces in steps
// (Gavel) keep them; jobs given as durations run a fixed number of unit steps.
struct Work {
  double total_steps = 0;
  std::vector<double> steps_per_s;
};

Work WorkOf(const Job& j, const std::vector<std::string>& types) {
  constexpr double kUnitSteps = 1e6;
  Work work{j.total_steps > 0 ? j.total_steps : kUnitSteps, std::vector<double>(types.size(), 0.0)};
  for (size_t t = 0; t < types.size(); ++t) {
    if (!j.AllowsType(types[t])) continue;
    auto it = j.steps_per_s.find(types[t]);
    if (it != j.steps_per_s.end()) {
      work.steps_per_s[t] = it->second;
    } else if (const double d = j.DurationOn(types[t]); d > 0) {
      work.steps_per_s[t] = work.total_steps / d;
    }
  }
  return work;
}

}  // namespace

Result<ReplayResult> ReplayInRounds(const Workload& w, const Policy& policy,
                                    RoundAllocator& allocator, const ReplayOptions& options) {
  const double round_s = options.round_s;
  RoundCluster cluster;
  for (const auto& [type, gpus] : GpusPerType(w.nodes)) {
    cluster.types.push_back(type);
    cluster.workers.push_back(static_cast<int>(gpus));
  }
  const size_t n_types = cluster.types.size();
  const double capacity = std::accumulate(cluster.workers.begin(), cluster.workers.end(), 0.0);
  const size_t n = w.jobs.size();

  ReplayResult r;
  r.policy = std::string(policy.name());
  r.mechanism = "gavel-rounds";
  r.round_s = round_s;
  r.jobs = static_cast<long>(n);
  r.outcomes.resize(n);
  for (size_t i = 0; i < n; ++i) r.outcomes[i] = {w.jobs[i].id, w.jobs[i].arrival_s, -1, -1, 0, ""};

  // Types fastest first: by each job's rate relative to its best type,
  // averaged over the trace (Gavel lists v100, p100, k80 in that order and
  // shuffles that list for the policies that are not performance-aware).
  std::vector<Work> work;
  work.reserve(n);
  for (const Job& j : w.jobs) work.push_back(WorkOf(j, cluster.types));
  std::vector<double> relative_speed(n_types, 0.0);
  for (const Work& job_work : work) {
    const auto& rate = job_work.steps_per_s;
    const double best = *std::max_element(rate.begin(), rate.end());
    for (size_t t = 0; t < n_types && best > 0; ++t) relative_speed[t] += rate[t] / best;
  }
  std::vector<int> fastest_first(n_types);
  std::iota(fastest_first.begin(), fastest_first.end(), 0);
  std::stable_sort(fastest_first.begin(), fastest_first.end(),
                   [&](int a, int b) { return relative_speed[a] > relative_speed[b]; });

  std::vector<ActiveJob> active;                // in arrival order
  std::vector<double> type_time(n_types, 0.0);  // Gavel's worker_time_so_far
  std::vector<Lease> leases;
  PythonRandom type_shuffler(options.seed + 5);  // Gavel seeds its shuffler with seed + 5
  bool need_allocation = true, have_round_end = false;
  double last_reset = 0, round_start = 0, round_end = 0;
  double now = w.jobs.front().arrival_s;
  const double first_arrival = now;
  size_t next = 0, remaining = n;
  double used_integral = 0, stranded_integral = 0, waiting_time = 0;
  bool waiting_in_round = false;
  std::vector<UtilizationSample> timeline;
  int idle_rounds = 0;
  long next_progress = std::max(1L, options.progress_every);

  while (remaining > 0) {
    if (next >= n && leases.empty()) last_reset = 0;  // Gavel forces a reset when drained
    double latest = 0;
    for (const Lease& l : leases) latest = std::max(latest, l.finish);
    const double previous = now;
    if (!leases.empty() && latest > 0) {
      if (have_round_end) round_start = round_end;
      round_end = latest;
      have_round_end = true;
      now = latest;
    } else if (next < n) {
      now = w.jobs[next].arrival_s;
    }
    // Account the interval that just ended.
    double busy = 0;
    for (const Lease& l : leases) busy += (l.finish - l.start) * active[l.active].view.scale;
    used_integral += busy;
    if (waiting_in_round && now > previous) {
      stranded_integral += capacity * (now - previous) - busy;
      waiting_time += now - previous;
    }
    // Leases end: count steps and time, retire finished jobs.
    std::vector<bool> finished(active.size(), false);
    for (const Lease& l : leases) {
      ActiveJob& a = active[l.active];
      const double ran = l.finish - round_start;
      a.steps_done += l.steps;
      a.time_received[l.type] += ran;
      type_time[l.type] += ran;
      ++r.events;
      if (a.steps_done >= a.total_steps) {
        finished[l.active] = true;
        r.outcomes[a.index].finish_s = l.finish;
        ++r.completed;
        --remaining;
        need_allocation = true;
      }
    }
    leases.clear();
    if (remaining == 0) break;
    std::vector<ActiveJob> still;
    for (size_t k = 0; k < active.size(); ++k) {
      if (!finished[k]) still.push_back(std::move(active[k]));
    }
    active.swap(still);
    // Arrivals join.
    for (; next < n && w.jobs[next].arrival_s <= now; ++next) {
      ActiveJob a;
      a.index = next;
      const Job& j = w.jobs[next];
      a.view.id = static_cast<int64_t>(next);
      a.view.scale = std::max(1, j.num_gpus);
      a.view.weight = j.priority > 0 ? j.priority : 1;
      a.total_steps = work[next].total_steps;
      a.view.steps_per_s = std::move(work[next].steps_per_s);
      a.time_received.assign(n_types, round_s / 2);  // Gavel's initial half round
      a.priority.assign(n_types, 0.0);
      a.deficit.assign(n_types, 0.0);
      active.push_back(std::move(a));
      need_allocation = true;
      ++r.events;
    }
    // Priorities: reset the received time and recompute the allocation when
    // jobs changed and the reset interval has passed.
    const double since_reset = now - last_reset;
    if (need_allocation && (since_reset >= options.allocation_reset_s || last_reset == 0)) {
      std::fill(type_time.begin(), type_time.end(), 0.0);
      for (ActiveJob& a : active) {
        for (size_t t = 0; t < n_types; ++t) {
          const double should = a.allocated ? a.share[t] * since_reset : 0;
          a.deficit[t] += should - (a.time_received[t] - round_s / 2);
          a.time_received[t] = round_s / 2;
          type_time[t] += a.time_received[t];
        }
      }
      last_reset = now;
      std::vector<RoundJob> jobs;
      jobs.reserve(active.size());
      for (const ActiveJob& a : active) jobs.push_back(a.view);
      auto x = allocator.Allocate(jobs, cluster);
      if (!x) return tl::unexpected(x.error());
      for (size_t k = 0; k < active.size(); ++k) {
        active[k].share = std::move((*x)[k]);
        active[k].allocated = true;
      }
      need_allocation = false;
    }
    for (ActiveJob& a : active) {
      for (size_t t = 0; t < n_types; ++t) {
        const double fraction = type_time[t] == 0 ? 0 : a.time_received[t] / type_time[t];
        const double share = a.allocated ? a.share[t] : 0;
        double p = share * 1e9;
        if (share == 0 || a.view.steps_per_s[t] == 0) {
          p = 0;
        } else if (fraction > 0) {
          p = share / fraction;
        }
        a.priority[t] = p;
      }
    }
    // Each type's workers go to its jobs by (priority, deficit, share), highest first.
    std::vector<int> order = fastest_first;
    if (!allocator.performance_aware()) type_shuffler.Shuffle(order);
    std::vector<int> left = cluster.workers;
    std::vector<int> leased_type(active.size(), -1);
    std::vector<bool> taken(active.size(), false);
    std::vector<size_t> ranked;
    for (int t : order) {
      auto share = [&](size_t k) { return active[k].allocated ? active[k].share[t] : 0.0; };
      // Only jobs that could take this type are ranked (FIFO: those allocated to it).
      ranked.clear();
      for (size_t k = 0; k < active.size(); ++k) {
        if (active[k].view.steps_per_s[t] <= 0) continue;
        if (allocator.only_allocated_types() && active[k].priority[t] <= 0) continue;
        ranked.push_back(k);
      }
      std::stable_sort(ranked.begin(), ranked.end(), [&](size_t a, size_t b) {
        const auto& x = active[a];
        const auto& y = active[b];
        if (x.priority[t] != y.priority[t]) return x.priority[t] > y.priority[t];
        if (x.deficit[t] != y.deficit[t]) return x.deficit[t] > y.deficit[t];
        return share(a) > share(b);
      });
      for (size_t k : ranked) {
        if (left[t] == 0) break;
        const ActiveJob& a = active[k];
        if (taken[k] || a.view.scale > left[t]) continue;
        left[t] -= a.view.scale;
        taken[k] = true;
        // A job the allocation does not know yet holds the workers idle.
        if (a.allocated) leased_type[k] = t;
      }
    }
    double used = 0;
    waiting_in_round = false;
    for (size_t k = 0; k < active.size(); ++k) {
      const int t = leased_type[k];
      if (t < 0) {
        waiting_in_round = true;
        continue;
      }
      ActiveJob& a = active[k];
      const double rate = a.view.steps_per_s[t];
      const double steps =
          std::max(1.0, std::min(std::floor(rate * round_s), a.total_steps - a.steps_done));
      leases.push_back({k, t, steps, now, now + steps / rate});
      used += a.view.scale;
      if (r.outcomes[a.index].first_start_s < 0) r.outcomes[a.index].first_start_s = now;
    }
    ++r.events;  // the round
    if (options.progress && r.events >= next_progress) {
      options.progress(static_cast<long>(next), r.completed, r.jobs, now - first_arrival);
      next_progress = r.events + std::max(1L, options.progress_every);
    }
    timeline.push_back({now, used / capacity});
    r.peak_utilization = std::max(r.peak_utilization, used / capacity);
    // Nothing runs and nothing will arrive: recompute once, then give up.
    if (leases.empty() && next >= n) {
      need_allocation = true;
      last_reset = 0;
      if (++idle_rounds > 2) {
        return MakeError("round-based replay stalled: " + std::to_string(remaining) +
                         " jobs can never be scheduled under " + r.policy);
      }
    } else {
      idle_rounds = 0;
    }
  }

  if (options.progress)
    options.progress(static_cast<long>(next), r.completed, r.jobs, now - first_arrival);
  std::vector<double> jct_s, queue_s;
  CompletedTimes(r.outcomes, &jct_s, &queue_s);
  Summarize({first_arrival, now, capacity, used_integral, stranded_integral, waiting_time},
            std::move(jct_s), std::move(queue_s), timeline, &r, options.keep_jct);
  if (!options.keep_outcomes) std::vector<JobOutcome>().swap(r.outcomes);
  if (!options.keep_timeline) std::vector<UtilizationSample>().swap(r.timeline);
  return r;
}

}  // namespace suanli::sim
