// The allocation policies of the round-based mechanism, after Gavel's
// scheduler/policies/{fifo,max_min_fairness}.py (stanford-futuredata/gavel
// @ c4fa400): the same rules, written for this engine.
#include <ClpSimplex.hpp>
#include <CoinPackedMatrix.hpp>

#include <algorithm>
#include <map>
#include <numeric>

#include "sim/engine/python_random.h"
#include "sim/policies/round_allocators.h"

namespace suanli::sim {
namespace {

// Type indices sorted by name: Gavel's dictionaries iterate worker types so.
std::vector<int> ByName(const RoundCluster& c) {
  std::vector<int> order(c.types.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return c.types[a] < c.types[b]; });
  return order;
}

class GavelFifo : public RoundAllocator {
 public:
  GavelFifo(bool performance_aware, uint64_t seed) : perf_(performance_aware), rng_(seed) {}
  bool performance_aware() const override { return perf_; }
  bool only_allocated_types() const override { return true; }

  Result<RoundAllocation> Allocate(const std::vector<RoundJob>& jobs,
                                   const RoundCluster& cluster) override {
    std::map<int64_t, const RoundJob*> active;
    for (const auto& j : jobs) active[j.id] = &j;
    std::vector<int> available = cluster.workers;
    if (perf_) type_of_.clear();
    std::vector<int64_t> queue;  // unallocated jobs by id (arrival order)
    for (const auto& [id, j] : active) {
      if (!type_of_.count(id)) queue.push_back(id);
    }
    size_t head = 0;
    // Finished jobs hand their type to the head of the queue, if it fits.
    const std::vector<std::pair<int64_t, int>> held(type_of_.begin(), type_of_.end());
    for (const auto& [id, type] : held) {
      if (active.count(id)) {
        available[type] -= active[id]->scale;
        continue;
      }
      if (head < queue.size()) {
        const int64_t next = queue[head++];
        if (active[next]->scale <= available[type]) {
          type_of_[next] = type;
          available[type] -= active[next]->scale;
        }
      }
      type_of_.erase(id);
    }
    std::vector<int> open;  // types with free workers, by name
    for (int t : ByName(cluster)) {
      if (available[t] > 0) open.push_back(t);
    }
    while (head < queue.size() && !open.empty()) {
      const RoundJob& j = *active[queue[head++]];
      std::vector<size_t> fits;  // positions in `open`
      for (size_t k = 0; k < open.size(); ++k) {
        if (available[open[k]] >= j.scale) fits.push_back(k);
      }
      if (fits.empty()) break;
      size_t pick = 0;
      int type = open.back();
      if (!perf_) {
        pick = rng_.RandBelow(static_cast<uint32_t>(fits.size()));
      } else {
        double best = -1;
        for (size_t k = 0; k < fits.size(); ++k) {
          if (j.steps_per_s[open[fits[k]]] > best) {
            best = j.steps_per_s[open[fits[k]]];
            type = open[fits[k]];
            pick = k;
          }
        }
      }
      type_of_[j.id] = type;
      available[type] -= j.scale;
      if (available[type] == 0) open.erase(open.begin() + static_cast<long>(fits[pick]));
    }
    RoundAllocation x(jobs.size(), std::vector<double>(cluster.types.size(), 0.0));
    for (size_t i = 0; i < jobs.size(); ++i) {
      auto it = type_of_.find(jobs[i].id);
      if (it != type_of_.end()) x[i][it->second] = 1.0;
    }
    return x;
  }

 private:
  bool perf_;
  PythonRandom rng_;
  std::map<int64_t, int> type_of_;
};

// max t  s.t.  t <= sum_t c[i][t] x[i][t],  sum_t x[i][t] <= 1,
//              sum_i scale_i x[i][t] <= workers[t],  x >= 0.
// Jobs alike in scale and coefficients form one class sharing one row of
// x: by symmetry and concavity some optimum treats them alike, so the LP
// shrinks to the classes (dozens, not hundreds of jobs) and identical jobs
// get identical shares whatever the solver's vertex.
Result<RoundAllocation> SolveMaxMin(const std::vector<std::vector<double>>& c,
                                    const std::vector<RoundJob>& jobs,
                                    const RoundCluster& cluster) {
  const std::vector<int> types = ByName(cluster);  // LP columns in Gavel's order
  const int n = static_cast<int>(types.size());
  std::map<std::pair<int, std::vector<double>>, int> class_of_key;
  std::vector<int> class_of(jobs.size());
  std::vector<int> members, scale;
  std::vector<const std::vector<double>*> coef;
  for (size_t i = 0; i < jobs.size(); ++i) {
    auto [it, fresh] = class_of_key.try_emplace({jobs[i].scale, c[i]}, members.size());
    if (fresh) {
      members.push_back(0);
      scale.push_back(jobs[i].scale);
      coef.push_back(&c[i]);
    }
    class_of[i] = it->second;
    ++members[it->second];
  }
  const int m = static_cast<int>(members.size());
  const int cols = m * n + 1, t_col = m * n;
  CoinPackedMatrix a(false, 0, 0);  // row-ordered
  a.setDimensions(0, cols);
  std::vector<double> row_lo, row_hi;
  const double kInf = COIN_DBL_MAX;
  for (int i = 0; i < m; ++i) {  // t - sum c x <= 0
    std::vector<int> idx{t_col};
    std::vector<double> val{1.0};
    for (int k = 0; k < n; ++k) {
      idx.push_back(i * n + k);
      val.push_back(-(*coef[i])[types[k]]);
    }
    a.appendRow(static_cast<int>(idx.size()), idx.data(), val.data());
    row_lo.push_back(-kInf);
    row_hi.push_back(0);
  }
  for (int i = 0; i < m; ++i) {  // each job at most all of its time
    std::vector<int> idx(n);
    std::vector<double> val(n, 1.0);
    std::iota(idx.begin(), idx.end(), i * n);
    a.appendRow(n, idx.data(), val.data());
    row_lo.push_back(-kInf);
    row_hi.push_back(1);
  }
  for (int k = 0; k < n; ++k) {  // each type's workers
    std::vector<int> idx;
    std::vector<double> val;
    for (int i = 0; i < m; ++i) {
      idx.push_back(i * n + k);
      val.push_back(static_cast<double>(scale[i]) * members[i]);
    }
    a.appendRow(m, idx.data(), val.data());
    row_lo.push_back(-kInf);
    row_hi.push_back(cluster.workers[types[k]]);
  }
  std::vector<double> col_lo(cols, 0.0), col_hi(cols, kInf), obj(cols, 0.0);
  obj[t_col] = -1;  // CLP minimizes
  ClpSimplex lp;
  lp.setLogLevel(0);
  lp.loadProblem(a, col_lo.data(), col_hi.data(), obj.data(), row_lo.data(), row_hi.data());
  lp.initialSolve();
  if (!lp.isProvenOptimal()) return MakeError("max-min fairness LP not solved to optimality");
  const double* x = lp.primalColumnSolution();
  RoundAllocation out(jobs.size(), std::vector<double>(cluster.types.size(), 0.0));
  for (size_t i = 0; i < jobs.size(); ++i) {
    for (int k = 0; k < n; ++k) out[i][types[k]] = std::clamp(x[class_of[i] * n + k], 0.0, 1.0);
  }
  return out;
}

class MaxMinFairness : public RoundAllocator {
 public:
  explicit MaxMinFairness(bool performance_aware) : perf_(performance_aware) {}
  bool performance_aware() const override { return perf_; }

  Result<RoundAllocation> Allocate(const std::vector<RoundJob>& jobs,
                                   const RoundCluster& cluster) override {
    if (jobs.empty()) return RoundAllocation{};
    const size_t n = cluster.types.size();
    // Agnostic: every type counts the same, a GPU-second is a GPU-second.
    std::vector<std::vector<double>> c(jobs.size(), std::vector<double>(n, 0.0));
    for (size_t i = 0; i < jobs.size(); ++i) {
      for (size_t t = 0; t < n; ++t) {
        if (jobs[i].steps_per_s[t] > 0) c[i][t] = jobs[i].scale / jobs[i].weight;
      }
    }
    auto agnostic = SolveMaxMin(c, jobs, cluster);
    if (!agnostic || !perf_) return agnostic;
    // Aware: throughput normalized by what the agnostic share would give.
    for (size_t i = 0; i < jobs.size(); ++i) {
      double isolated = 0, fastest = 0;
      for (size_t t = 0; t < n; ++t) {
        isolated += jobs[i].steps_per_s[t] * (*agnostic)[i][t];
        fastest = std::max(fastest, jobs[i].steps_per_s[t]);
      }
      if (isolated <= 0) isolated = fastest;  // no agnostic share: compare to the best type
      for (size_t t = 0; t < n; ++t) {
        c[i][t] = jobs[i].steps_per_s[t] * jobs[i].scale / (jobs[i].weight * isolated);
      }
    }
    return SolveMaxMin(c, jobs, cluster);
  }

 private:
  bool perf_;
};

}  // namespace

std::unique_ptr<RoundAllocator> MakeGavelFifoAllocator(bool performance_aware, uint64_t seed) {
  return std::make_unique<GavelFifo>(performance_aware, seed);
}

std::unique_ptr<RoundAllocator> MakeMaxMinFairnessAllocator(bool performance_aware) {
  return std::make_unique<MaxMinFairness>(performance_aware);
}

}  // namespace suanli::sim
