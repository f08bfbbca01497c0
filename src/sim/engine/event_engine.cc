// The event mechanism of Replay(): a discrete-event simulation of jobs
// arriving, waiting, running and finishing, deciding at every event (or at
// round boundaries when rounds are asked for without a share allocator).
#include "sim/engine/event_engine.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>

#include "sim/engine/replay_summary.h"

namespace suanli::sim {
namespace {

// kRekey: a running job's key rises (Policy::KeyRisesAfter).
enum class EventKind { kArrival, kFinish, kRound, kRekey };

struct Event {
  double time;
  uint64_t seq;
  EventKind kind;
  size_t job;
  uint64_t epoch;  // a finish is stale if the job was preempted since
  bool operator>(const Event& o) const { return time != o.time ? time > o.time : seq > o.seq; }
};

struct Active {
  bool arrived = false;
  bool running = false;
  bool done = false;
  double remaining = 1;  // fraction of work
  double attained_gpu_s = 0;
  double started_at = 0;
  double duration_here = 0;  // on the current placement's type
  Placement placement;
  uint64_t epoch = 0;
};

// Queue order: by the key taken when the job was queued, then arrival, id and admission order
// (distinct jobs are never equal, whatever their ids).
struct QueueOrder {
  const std::vector<double>* key;
  const std::vector<Job>* jobs;
  const std::vector<size_t>* order;  // arrival order
  bool operator()(size_t a, size_t b) const {
    const double ka = (*key)[a], kb = (*key)[b];
    if (ka != kb) return ka < kb;
    const Job &ja = (*jobs)[a], &jb = (*jobs)[b];
    if (ja.arrival_s != jb.arrival_s) return ja.arrival_s < jb.arrival_s;
    if (ja.id != jb.id) return ja.id < jb.id;
    return (*order)[a] < (*order)[b];
  }
};

// Where a queued job of a preemptive policy can evict running jobs, without a look at every
// running job for every queued job tried (on a saturated cluster most queued jobs are tried at
// every event). While a job runs its key falls at a steady rate (the policy's KeyFallPerWork over
// its duration there) and rises only when the engine says so (Rekeyed; policy.h). So a node keeps
// its running jobs in lanes of one rate, each in key order for good (the order of key + rate x
// start), and the jobs a queued job outranks there come worst first from the lanes' ends, as
// many as it needs: O(lanes + log) a victim, not O(running jobs). Whether a job outranks a
// running one is decided by the policy's key of both, as the queue takes it (so an evicted job
// never outranks the job that evicted it: the passes end); two running jobs whose keys differ
// by rounding only are taken in lane order. Lanes are few: one for las; for srtf one for the
// jobs on their fastest type and one per other ratio of durations. Each node's bound on its running
// jobs' keys sits in a max-segment tree over node ids: the nodes where a job may outrank someone
// are found in O(log nodes) each, and a visit tightens the bound. And a job that found no room
// finds none later on a node where nothing started, stopped or rose since (the same jobs, keys no
// higher, the same free room), and neither does a job that needs the same room and outranks
// fewer (a job of its shape with a higher key): the tree also holds when each node last changed,
// and such a try looks only at the nodes changed since.
class PreemptionIndex {
 public:
  static constexpr size_t kNone = std::numeric_limits<size_t>::max();

  // Jobs are ranked by their keys here (a running job's taken at a visit), then by arrival, id
  // and admission order as in the queues. `without_memo`: every try looks at every node, and
  // every victim is checked against a full sort of the node's running jobs
  // (ReplayOptions::preempt_without_memo).
  PreemptionIndex(int nodes, const std::vector<Job>* jobs, const std::vector<size_t>* order,
                  bool without_memo)
      : without_memo_(without_memo),
        rank_{&keys_, jobs, order},
        by_intercept_{&intercept_, jobs, order},
        lanes_(static_cast<size_t>(nodes)) {
    while (leaves_ < nodes) leaves_ *= 2;
    bound_.assign(2 * static_cast<size_t>(leaves_), kEmpty);
    stamp_.assign(2 * static_cast<size_t>(leaves_), 0);
  }
  // A job started on `node` with `key` at `now`; its key falls by `rate` a second as it runs.
  void Add(size_t job, int node, double key, double rate, double now) {
    assert(rate >= 0);  // else a node's bound would not hold
    Grow(job);
    intercept_[job] = key + rate * now;
    rate_[job] = rate;
    auto& lanes = lanes_[node];
    auto lane =
        std::find_if(lanes.begin(), lanes.end(), [&](const Lane& l) { return l.rate == rate; });
    if (lane == lanes.end()) lane = lanes.insert(lanes.end(), Lane{rate, Ranked(by_intercept_)});
    lane->jobs.insert(job);
    Raise(node, key);
  }
  void Remove(size_t job, int node) {
    auto& lanes = lanes_[node];
    auto lane = std::find_if(lanes.begin(), lanes.end(),
                             [&](const Lane& l) { return l.rate == rate_[job]; });
    assert(lane != lanes.end());
    lane->jobs.erase(job);
    if (lane->jobs.empty()) lanes.erase(lane);
    // Else the bound still holds.
    NodeChanged(node, lanes.empty() ? kEmpty : bound_[static_cast<size_t>(leaves_ + node)]);
  }
  // A running job's key rose to `key` at `now`.
  void Rekeyed(size_t job, int node, double key, double now) {
    Remove(job, node);
    Add(job, node, key, rate_[job], now);
  }
  // The job has a new key: every node is worth a look again.
  void Forget(size_t job) {
    Grow(job);
    no_room_since_[job] = kNotTried;
  }
  // Calls try_node(node, next_victim) on the nodes where `job`, queued with `key`, outranks
  // running jobs, lowest first, until one returns true (it may then change the index, after its
  // last call to next_victim); returns whether one did. next_victim() gives the running jobs
  // there that `job` outranks, worst first, then kNone. key_now(k) is running job k's key now.
  // Nodes skipped as above hold no room for the job; jobs of one `shape` fit the same nodes
  // given the same room.
  template <typename KeyNow, typename F>
  bool Visit(size_t job, double key, int shape, KeyNow&& key_now, F&& try_node) {
    Grow(job);
    if (static_cast<size_t>(shape) >= shape_no_room_.size()) {
      shape_no_room_.resize(static_cast<size_t>(shape) + 1, {kNotTried, 0});
    }
    keys_[job] = key;
    auto visit = [&](int node) {
      double most = kEmpty;
      cursors_.clear();
      for (const Lane& lane : lanes_[node]) {
        const size_t worst = *lane.jobs.rbegin();
        keys_[worst] = key_now(worst);
        most = std::max(most, keys_[worst]);
        cursors_.push_back({lane.jobs.rbegin(), lane.jobs.rend()});
      }
      SetBound(node, most);
      // The check mode (without_memo_): the order a full sort of the node's running jobs gives.
      expected_.clear();
      taken_ = 0;
      if (without_memo_) {
        for (const Lane& lane : lanes_[node]) {
          for (size_t k : lane.jobs) {
            keys_[k] = key_now(k);
            if (rank_(job, k)) expected_.push_back(k);
          }
        }
        std::sort(expected_.begin(), expected_.end(),
                  [&](size_t a, size_t b) { return rank_(b, a); });
      }
      auto next_from_lanes = [&]() {
        size_t pick = kNone;  // the lane whose next job ranks last
        for (size_t c = 0; c < cursors_.size(); ++c) {
          auto& [at, end] = cursors_[c];
          if (at == end) continue;
          if (!rank_(job, *at)) {  // the rest of this lane ranks before it too
            at = end;
            continue;
          }
          if (pick == kNone || rank_(*cursors_[pick].first, *at)) pick = c;
        }
        if (pick == kNone) return kNone;
        auto& [at, end] = cursors_[pick];
        const size_t victim = *at;
        if (++at != end) keys_[*at] = key_now(*at);
        return victim;
      };
      auto next_victim = [&]() {
        const size_t victim = next_from_lanes();
        if (without_memo_) {
          const size_t want = taken_ < expected_.size() ? expected_[taken_] : kNone;
          ++taken_;
          // Keys equal but for rounding may come in either order.
          const bool tie =
              victim != kNone && want != kNone &&
              std::abs(keys_[victim] - keys_[want]) <= 1e-9 * std::max(1.0, std::abs(keys_[want]));
          if (victim != want && !tie) ++victims_out_of_order_;
        }
        return victim;
      };
      return try_node(node, next_victim);
    };
    // Since it, or a job of its shape that outranks more, last found no room; or ever.
    uint64_t since = no_room_since_[job] == kNotTried ? 0 : no_room_since_[job] + 1;
    const auto [shape_since, shape_key] = shape_no_room_[static_cast<size_t>(shape)];
    if (shape_since != kNotTried && shape_key < key) since = std::max(since, shape_since + 1);
    if (without_memo_) since = 0;
    bool found = false;
    for (int node = First(1, 0, leaves_, 0, key, since); node >= 0 && !found;
         node = First(1, 0, leaves_, node + 1, key, since)) {
      found = visit(node);
    }
    if (!found) {
      no_room_since_[job] = changes_;
      auto& [last, least] = shape_no_room_[static_cast<size_t>(shape)];
      least = last == changes_ ? std::min(least, key) : key;  // the lowest key at this change
      last = changes_;
    }
    return found;
  }
  // In the check mode: victims the lanes gave where a full sort of the node's running jobs by
  // key gives another.
  long victims_out_of_order() const { return victims_out_of_order_; }

 private:
  static constexpr double kEmpty = -std::numeric_limits<double>::infinity();
  static constexpr uint64_t kNotTried = std::numeric_limits<uint64_t>::max();
  using Ranked = std::set<size_t, QueueOrder>;
  struct Lane {
    double rate;
    Ranked jobs;  // by key + rate x start: key order while they run
  };

  void Grow(size_t job) {
    if (job < keys_.size()) return;
    keys_.resize(job + 1, 0);
    intercept_.resize(job + 1, 0);
    rate_.resize(job + 1, 0);
    no_room_since_.resize(job + 1, kNotTried);
  }
  void Raise(int node, double key) {
    NodeChanged(node, std::max(bound_[static_cast<size_t>(leaves_ + node)], key));
  }
  // Jobs started, stopped or rose on the node: its new bound, and a new stamp.
  void NodeChanged(int node, double bound) {
    size_t v = static_cast<size_t>(leaves_ + node);
    bound_[v] = bound;
    stamp_[v] = ++changes_;
    for (v /= 2; v >= 1; v /= 2) {
      bound_[v] = std::max(bound_[2 * v], bound_[2 * v + 1]);
      stamp_[v] = changes_;
    }
  }
  // A visit's tighter bound (the node itself did not change), up the tree as far as it moves.
  void SetBound(int node, double bound) {
    size_t v = static_cast<size_t>(leaves_ + node);
    if (bound_[v] == bound) return;
    bound_[v] = bound;
    for (v /= 2; v >= 1; v /= 2) {
      const double most = std::max(bound_[2 * v], bound_[2 * v + 1]);
      if (bound_[v] == most) break;
      bound_[v] = most;
    }
  }
  // The lowest node at or after `from`, in the subtree v over [lo, hi), whose bound reaches `key`
  // (at an equal key, arrival and id may still rank a running job after) and that changed at or
  // after `since`, or -1.
  int First(size_t v, int lo, int hi, int from, double key, uint64_t since) const {
    if (hi <= from || bound_[v] < key || stamp_[v] < since) return -1;
    if (hi - lo == 1) return lo;
    const int mid = lo + (hi - lo) / 2;
    const int left = First(2 * v, lo, mid, from, key, since);
    return left >= 0 ? left : First(2 * v + 1, mid, hi, from, key, since);
  }

  bool without_memo_;
  // By job: its key (a running job's as of its last visit), key + rate x start, the rate.
  std::vector<double> keys_, intercept_, rate_;
  QueueOrder rank_, by_intercept_;
  std::vector<std::vector<Lane>> lanes_;  // by node
  int leaves_ = 1;
  // Segment tree over nodes: no running key in the subtree is higher; its last change.
  std::vector<double> bound_;
  std::vector<uint64_t> stamp_;
  uint64_t changes_ = 0;                 // changes so far
  std::vector<uint64_t> no_room_since_;  // by job: the change count when it found no room
  std::vector<std::pair<uint64_t, double>> shape_no_room_;  // by shape: the last such, its key
  std::vector<std::pair<Ranked::const_reverse_iterator, Ranked::const_reverse_iterator>> cursors_;
  std::vector<size_t> expected_;  // the check mode's order at the node visited
  size_t taken_ = 0;
  long victims_out_of_order_ = 0;
};

}  // namespace

Result<ReplayResult> ReplayEvents(JobStream& jobs, long total_jobs, const Policy& policy,
                                  const ReplayOptions& options, ClusterState& cluster) {
  ReplayResult r;
  r.policy = std::string(policy.name());
  r.round_s = options.round_s;
  r.jobs = total_jobs;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events;
  uint64_t seq = 0;

  // Jobs live in slots from their arrival to their finish; a finished job's
  // slot takes the next arrival, so memory follows the jobs present, not
  // the trace. Per slot: the job, its state, its arrival order.
  std::vector<Job> job_at;
  std::vector<Active> st;
  std::vector<size_t> order;        // arrival order (the job's index in the trace)
  std::vector<size_t> running_pos;  // where each running job sits in `running`
  std::vector<double> key;          // see below
  std::vector<int> shape;           // see below
  std::vector<size_t> free_slots;
  // What is kept of every job: JCT and queueing time, by arrival order.
  std::vector<double> jct_at, queue_at;  // -1 until known
  jct_at.reserve(static_cast<size_t>(std::max(0L, total_jobs)));
  queue_at.reserve(static_cast<size_t>(std::max(0L, total_jobs)));
  if (options.keep_outcomes) r.outcomes.reserve(static_cast<size_t>(std::max(0L, total_jobs)));

  Job pending;  // the next arrival, read ahead
  bool have_pending = false;
  // The arrival time of the job read last: admit() swaps `pending` with the job that last held
  // the slot it takes, so after it pending no longer holds the job read last.
  double last_read_s = -std::numeric_limits<double>::infinity();
  long arrived = 0;
  // Jobs at one time go in the order they come (a Workload's are sorted by id; pods already
  // running come before a trace's jobs at time 0). A job that could never fit is counted and
  // passed over as it is read: it stays pending, as a real scheduler leaves it, and changes no
  // decision or time (as if the trace had not had it).
  auto read_next = [&]() -> Result<void> {
    for (;;) {
      auto more = jobs.Next(&pending);
      if (!more) return tl::unexpected(more.error());
      have_pending = *more;
      if (have_pending && pending.arrival_s < last_read_s) {
        return MakeError("job '" + pending.name + "' arrives before the job read before it: " +
                         "jobs must come in arrival order");
      }
      if (have_pending) last_read_s = pending.arrival_s;
      if (!have_pending || cluster.CouldEverFit(pending)) return {};
      CountNeverFit(cluster, pending, &r);
      ++arrived;  // its place in arrival order, with no JCT
      jct_at.push_back(-1);
      queue_at.push_back(-1);
      if (options.keep_outcomes)
        r.outcomes.push_back({pending.id, pending.arrival_s, -1, -1, 0, ""});
    }
  };
  if (auto ok = read_next(); !ok) return tl::unexpected(ok.error());
  if (!have_pending) {
    if (r.never_fit == 0) return MakeError("the trace has no jobs");
    if (arrived != total_jobs) {
      return MakeError("the trace changed while it was replayed: " + std::to_string(arrived) +
                       " jobs read, " + std::to_string(total_jobs) + " expected");
    }
    return r;  // none could ever fit: nothing ran
  }

  std::vector<size_t> running;
  // A preemptive policy's running jobs, for preemption.
  const bool preemptive = policy.preemptive();
  PreemptionIndex preemption(preemptive ? static_cast<int>(cluster.nodes().size()) : 1, &job_at,
                             &order, options.preempt_without_memo);
  double now = pending.arrival_s;
  const double first_arrival = now;
  double used_integral = 0, stranded_integral = 0, waiting_time = 0;
  const double total = static_cast<double>(cluster.total_milli());

  // A job's progress now: a running job's counts the time since it started.
  auto view = [&](size_t i) {
    const Active& a = st[i];
    JobView v{&job_at[i], a.remaining, a.attained_gpu_s, a.running};
    if (a.running) {
      const double ran = now - a.started_at;
      v.remaining_fraction =
          std::max(0.0, a.remaining - (a.duration_here > 0 ? ran / a.duration_here : 1));
      v.attained_gpu_s += ran * static_cast<double>(job_at[i].GpuMilli()) / kMilliPerGpu;
    }
    return v;
  };
  // The next time a running job's key rises, as an event (never at `now` again), if before it
  // ends.
  auto rekey_later = [&](size_t i) {
    const JobView progress = view(i);
    const double after = policy.KeyRisesAfter(progress);
    if (!(after < progress.remaining_fraction * st[i].duration_here)) return;
    double at = now + std::max(0.0, after);
    if (at <= now) at = std::nextafter(now, std::numeric_limits<double>::infinity());
    events.push({at, seq++, EventKind::kRekey, i, st[i].epoch});
  };
  auto start = [&](size_t i, const Placement& p) {
    cluster.Allocate(job_at[i], p);
    Active& a = st[i];
    a.running = true;
    a.placement = p;
    a.started_at = now;
    a.duration_here = job_at[i].DurationOn(cluster.nodes()[p.node].type);
    ++a.epoch;
    if (queue_at[order[i]] < 0) {
      queue_at[order[i]] = now - job_at[i].arrival_s;
      if (options.keep_outcomes) r.outcomes[order[i]].first_start_s = now;
    }
    if (options.keep_outcomes) r.outcomes[order[i]].last_type = cluster.nodes()[p.node].type;
    events.push({now + a.remaining * a.duration_here, seq++, EventKind::kFinish, i, a.epoch});
    running_pos[i] = running.size();
    running.push_back(i);
    if (preemptive) {
      const JobView progress = view(i);
      const double rate =
          a.duration_here > 0 ? policy.KeyFallPerWork(progress) / a.duration_here : 0;
      preemption.Add(i, p.node, policy.Key(progress), rate, now);
      rekey_later(i);
    }
  };
  auto stop = [&](size_t i) {  // preempt or finish: account the work done
    Active& a = st[i];
    if (preemptive) preemption.Remove(i, a.placement.node);
    const JobView progress = view(i);
    a.remaining = progress.remaining_fraction;
    a.attained_gpu_s = progress.attained_gpu_s;
    cluster.Release(job_at[i], a.placement);
    a.running = false;
    ++a.epoch;
    // O(1) removal: the running list's order carries no meaning.
    const size_t at = running_pos[i];
    running[at] = running.back();
    running_pos[running[at]] = at;
    running.pop_back();
  };

  // Keys are taken when a job joins the queue. A key depends on the job and
  // its progress (policy.h), and progress changes only while a job runs, so
  // a queued job's key stays valid: the queue is kept ordered as it changes,
  // never re-sorted.
  const QueueOrder queue_order{&key, &job_at, &order};
  using Queue = std::set<size_t, QueueOrder>;

  // Jobs of one shape (GPUs, share, CPU, memory, the types they may use) fit
  // the same nodes, and Place fails only when no node fits (policy.h): once
  // one fails, the others of its shape are skipped until the cluster changes.
  // Policies whose keys never change keep one ordered queue. Backfilling
  // looks at most kBackfillWindow jobs past the first that does not fit.
  constexpr int kBackfillWindow = 1024;
  const bool static_keys = policy.static_key() && !policy.preemptive();
  // CPU and memory count only where some node tracks them (openb pods all differ there).
  std::unordered_map<std::string, int> shape_ids;
  const auto types = cluster.types();
  const auto& nodes = cluster.nodes();
  const bool cpu_counts =
      std::any_of(nodes.begin(), nodes.end(), [](const Node& n) { return n.cpu_milli > 0; });
  const bool memory_counts =
      std::any_of(nodes.begin(), nodes.end(), [](const Node& n) { return n.memory_mib > 0; });
  std::string shape_key;
  auto shape_of = [&](const Job& j) {
    const int cpu = cpu_counts ? j.cpu_milli : 0, memory = memory_counts ? j.memory_mib : 0;
    shape_key.assign(reinterpret_cast<const char*>(&j.num_gpus), sizeof(int));
    shape_key.append(reinterpret_cast<const char*>(&j.gpu_milli), sizeof(int));
    shape_key.append(reinterpret_cast<const char*>(&cpu), sizeof(int));
    shape_key.append(reinterpret_cast<const char*>(&memory), sizeof(int));
    for (const auto& t : types) shape_key.push_back(j.DurationOn(t) >= 0 ? '1' : '0');
    return shape_ids.try_emplace(shape_key, static_cast<int>(shape_ids.size())).first->second;
  };
  std::vector<char> failed;  // by shape
  std::vector<int> failed_list;
  auto fail = [&](int s) {
    failed[s] = 1;
    failed_list.push_back(s);
  };
  auto clear_failed = [&]() {
    for (int s : failed_list) failed[s] = 0;
    failed_list.clear();
  };

  Queue sorted_queue(queue_order);
  // The others keep one ordered queue per shape, and visit the queues'
  // heads in order, skipping shapes that failed.
  std::vector<Queue> by_shape;
  std::vector<int> nonempty;  // shapes with queued jobs
  std::vector<int> nonempty_pos;
  size_t queued_count = 0;
  // A new job: into a free slot (or a new one), its shape known.
  auto admit = [&](Job&& job) {  // read_next passed over those that could never fit
    size_t i;
    if (!free_slots.empty()) {
      i = free_slots.back();
      free_slots.pop_back();
      std::swap(job_at[i], job);
      // Epochs keep counting: a stale finish of the slot's last job must not
      // match the new one.
      const uint64_t epoch = st[i].epoch;
      st[i] = Active{};
      st[i].epoch = epoch;
    } else {
      i = job_at.size();
      job_at.push_back(std::move(job));
      st.emplace_back();
      order.push_back(0);
      running_pos.push_back(0);
      key.push_back(0);
      shape.push_back(0);
    }
    order[i] = static_cast<size_t>(arrived++);
    const Job& j = job_at[i];
    shape[i] = shape_of(j);
    if (static_cast<size_t>(shape[i]) >= failed.size()) {
      failed.push_back(0);
      nonempty_pos.push_back(-1);
      if (!static_keys) by_shape.emplace_back(queue_order);
    }
    jct_at.push_back(-1);
    queue_at.push_back(-1);
    if (options.keep_outcomes) r.outcomes.push_back({j.id, j.arrival_s, -1, -1, 0, ""});
    return i;
  };
  auto enqueue = [&](size_t i) {
    key[i] = policy.Key(view(i));
    if (preemptive) preemption.Forget(i);
    ++queued_count;
    if (static_keys) {
      sorted_queue.insert(i);
      return;
    }
    const int s = shape[i];
    if (by_shape[s].empty()) {
      nonempty_pos[s] = static_cast<int>(nonempty.size());
      nonempty.push_back(s);
    }
    by_shape[s].insert(i);
  };
  auto dequeue = [&](size_t i) {
    --queued_count;
    const int s = shape[i];
    by_shape[s].erase(i);
    if (by_shape[s].empty()) {
      const int at = nonempty_pos[s];
      nonempty[at] = nonempty.back();
      nonempty_pos[nonempty[at]] = at;
      nonempty.pop_back();
    }
  };
  auto queued = [&]() { return queued_count > 0; };

  // Evict running jobs the policy ranks below job i, worst first, on the
  // first node (by number) where that makes room; evicted jobs go to `out`.
  ClusterState::RoomAfterRelease room;
  std::vector<size_t> chosen;
  auto preempt_for = [&](size_t i, std::vector<size_t>* out) {
    auto key_now = [&](size_t k) { return policy.Key(view(k)); };
    return preemption.Visit(i, key[i], shape[i], key_now, [&](int node, auto&& next_victim) {
      // The fewest of them, worst first, whose leaving makes room (room only grows as jobs
      // leave).
      room.Reset(cluster, job_at[i], node);
      chosen.clear();
      do {
        const size_t k = next_victim();
        if (k == PreemptionIndex::kNone) return false;
        room.Release(job_at[k], st[k].placement);
        chosen.push_back(k);
      } while (!room.Fits());
      for (size_t v : chosen) {
        stop(v);
        if (options.keep_outcomes) ++r.outcomes[order[v]].preemptions;
        out->push_back(v);
      }
      start(i, *cluster.FitOnNode(job_at[i], node));
      return true;
    });
  };

  // One pass over the queue in order (below); jobs it evicts go to `evicted`.
  auto schedule_pass = [&](std::vector<size_t>* evicted_out) {
    std::vector<size_t>& evicted = *evicted_out;
    Queue heads(queue_order);  // per shape not failed, its next job
    for (int s : nonempty) heads.insert(*by_shape[s].begin());
    while (!heads.empty()) {
      const size_t i = *heads.begin();
      heads.erase(heads.begin());
      const int s = shape[i];
      auto next = by_shape[s].upper_bound(i);
      bool started = false;
      if (auto p = policy.Place(cluster, job_at[i])) {
        start(i, *p);
        started = true;
      } else if (preemptive) {
        started = preempt_for(i, &evicted);
      }
      if (!started) {
        fail(s);
        if (policy.strict_order()) break;
        continue;
      }
      if (next != by_shape[s].end()) heads.insert(*next);
      dequeue(i);
      // The cluster changed: shapes that failed get their next job back.
      for (int f : failed_list) {
        auto it = by_shape[f].upper_bound(i);
        if (it != by_shape[f].end()) heads.insert(*it);
      }
      clear_failed();
    }
    clear_failed();
  };

  auto schedule = [&]() {
    if (static_keys) {
      int misses = 0;
      for (auto it = sorted_queue.begin(); it != sorted_queue.end();) {
        const size_t i = *it;
        if (!failed[shape[i]]) {
          if (auto p = policy.Place(cluster, job_at[i])) {
            start(i, *p);
            it = sorted_queue.erase(it);
            --queued_count;
            clear_failed();
            continue;
          }
          fail(shape[i]);
        }
        if (policy.strict_order() || ++misses >= kBackfillWindow) break;
        ++it;
      }
      clear_failed();
      return;
    }
    // Passes in queue order: each job placed, placed by preemption, or
    // left waiting; jobs evicted in a pass join the queue after it, and
    // another pass follows at once (they may fit where room was left, or
    // evict jobs they outrank). Every eviction puts a job above all it
    // evicts, so the passes end.
    std::vector<size_t> evicted;
    do {
      for (size_t v : evicted) enqueue(v);
      evicted.clear();
      schedule_pass(&evicted);
    } while (!evicted.empty());
  };

  const bool rounds = options.round_s > 0;
  if (rounds) {
    events.push({std::floor(first_arrival / options.round_s) * options.round_s, seq++,
                 EventKind::kRound, 0, 0});
  }
  std::vector<UtilizationSample> timeline;
  long next_progress = std::max(1L, options.progress_every);
  constexpr double kNever = std::numeric_limits<double>::infinity();
  // A finish or key change of a job that stopped since is stale: it neither moves the clock nor
  // decides anything (it would stretch the makespan past the last job).
  auto stale = [&](const Event& e) {
    return (e.kind == EventKind::kFinish || e.kind == EventKind::kRekey) &&
           (e.epoch != st[e.job].epoch || !st[e.job].running);
  };
  while (have_pending || !events.empty()) {
    while (!events.empty() && stale(events.top())) {
      events.pop();
      ++r.events;
    }
    if (!have_pending && events.empty()) break;
    const double t = std::min(have_pending ? pending.arrival_s : kNever,
                              events.empty() ? kNever : events.top().time);
    // Integrate the interval since the last event.
    const double dt = t - now;
    if (dt > 0) {
      used_integral += dt * cluster.used_milli();
      if (queued()) {
        stranded_integral += dt * (total - cluster.used_milli());
        waiting_time += dt;
      }
    }
    now = t;
    bool round_now = false;
    // Arrivals at t before any other event at t (they were numbered first).
    while (have_pending && pending.arrival_s == t) {
      ++r.events;
      const size_t slot = admit(std::move(pending));
      st[slot].arrived = true;
      enqueue(slot);
      if (auto ok = read_next(); !ok) return tl::unexpected(ok.error());
    }
    while (!events.empty() && events.top().time == t) {
      const Event e = events.top();
      events.pop();
      ++r.events;
      if (e.kind == EventKind::kRound) {
        round_now = true;
      } else if (e.kind == EventKind::kRekey) {
        if (e.epoch == st[e.job].epoch && st[e.job].running) {
          preemption.Rekeyed(e.job, st[e.job].placement.node, policy.Key(view(e.job)), now);
          rekey_later(e.job);
        }
      } else if (e.epoch == st[e.job].epoch && st[e.job].running) {
        stop(e.job);
        st[e.job].done = true;
        jct_at[order[e.job]] = now - job_at[e.job].arrival_s;
        if (options.keep_outcomes) r.outcomes[order[e.job]].finish_s = now;
        ++r.completed;
        free_slots.push_back(e.job);
      }
    }
    if (!rounds) {
      schedule();
    } else if (round_now) {
      if (policy.reallocate_each_round()) {
        // Every running job goes back to the policy, which may move it.
        for (size_t i : std::vector<size_t>(running)) {
          stop(i);
          enqueue(i);
        }
      }
      schedule();
      if (r.completed + r.never_fit < r.jobs)
        events.push({now + options.round_s, seq++, EventKind::kRound, 0, 0});
    }
    if (options.keep_timeline) timeline.push_back({now, cluster.used_milli() / total});
    r.peak_utilization = std::max(r.peak_utilization, cluster.used_milli() / total);
    if (options.progress && r.events >= next_progress) {
      options.progress(arrived, r.completed, r.jobs, now - first_arrival);
      next_progress = r.events + std::max(1L, options.progress_every);
    }
  }
  if (options.progress) options.progress(arrived, r.completed, r.jobs, now - first_arrival);
  if (arrived != total_jobs) {
    return MakeError("the trace changed while it was replayed: " + std::to_string(arrived) +
                     " jobs read, " + std::to_string(total_jobs) + " expected");
  }

  if (preemption.victims_out_of_order() > 0) {
    return MakeError("preemption check: " + std::to_string(preemption.victims_out_of_order()) +
                     " victims taken out of key order (ReplayOptions::preempt_without_memo)");
  }

  // The completed jobs' times, in place (every job completes unless the replay stopped early).
  size_t completed = 0;
  for (size_t k = 0; k < jct_at.size(); ++k) {
    if (jct_at[k] < 0) continue;
    jct_at[completed] = jct_at[k];
    queue_at[completed] = queue_at[k];
    ++completed;
  }
  jct_at.resize(completed);
  queue_at.resize(completed);
  Summarize({first_arrival, now, total, used_integral, stranded_integral, waiting_time},
            std::move(jct_at), std::move(queue_at), timeline, &r, options.keep_jct);
  return r;
}

}  // namespace suanli::sim
