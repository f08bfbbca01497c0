#include "plan/allocator.h"

#include <ClpSimplex.hpp>
#include <CoinPackedMatrix.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace suanli::plan {
namespace {
constexpr double kInf = 1e30;
// CLP asserts (and aborts the process) on objective coefficients of 1e25 and more; well before
// that its tolerances make the answer meaningless. Nothing a scenario allows comes near this
// (weight <= 1e8, services at most 1e6 x weight past kNegligibleDemandChips).
constexpr double kMaxCoefficient = 1e20;
}  // namespace

// Columns: one per allowed (workload, chip). Rows: chip capacity, then per
// workload either the training cap or the service demand.
struct Allocator::Impl {
  ClpSimplex model;
  std::vector<int> col_workload;
  std::vector<int> col_chip;
  std::vector<double> col_rate;
  std::vector<double> top_speed;  // training: max_chips x best rate
  std::vector<double> best_rate;  // per workload, over its chips
  int chips = 0;
  int workloads = 0;
};

Allocator::Allocator(AllocationShape shape)
    : shape_(std::move(shape)), impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.workloads = static_cast<int>(shape_.rate.size());
  m.chips = m.workloads > 0 ? static_cast<int>(shape_.rate[0].size()) : 0;
  m.top_speed.assign(m.workloads, 1);
  m.best_rate.assign(m.workloads, 0);
  for (int w = 0; w < m.workloads; ++w) {
    double best = 0;
    for (int c = 0; c < m.chips; ++c) {
      if (shape_.rate[w][c] > 0) {
        m.col_workload.push_back(w);
        m.col_chip.push_back(c);
        m.col_rate.push_back(shape_.rate[w][c]);
        best = std::max(best, shape_.rate[w][c]);
      }
    }
    m.best_rate[w] = best;
    // Only used with columns, so best > 0; max_chips >= 1 in a scenario.
    m.top_speed[w] = best * std::max(1.0, shape_.max_chips[w]);
  }
  const int cols = static_cast<int>(m.col_workload.size());
  const int rows = m.chips + m.workloads;
  CoinPackedMatrix matrix(true, 0, 0);
  matrix.setDimensions(rows, 0);
  for (int j = 0; j < cols; ++j) {
    const int w = m.col_workload[j];
    const int rows_of[2] = {m.col_chip[j], m.chips + w};
    const double vals[2] = {1.0, shape_.is_service[w] ? m.col_rate[j] : 1.0};
    matrix.appendCol(2, rows_of, vals);
  }
  std::vector<double> collb(cols, 0), colub(cols, kInf), obj(cols, 0), rowlb(rows, -kInf),
      rowub(rows, kInf);
  m.model.setLogLevel(0);
  m.model.loadProblem(matrix, collb.data(), colub.data(), obj.data(), rowlb.data(), rowub.data());
  m.model.setOptimizationDirection(-1);  // maximize
}

Allocator::~Allocator() = default;

bool Allocator::NegligibleDemand(int w, double demand) const {
  return !(demand > kNegligibleDemandChips * impl_->best_rate[w]);
}

std::string Allocator::Name(int w) const {
  if (w < static_cast<int>(shape_.names.size())) return "'" + shape_.names[w] + "'";
  return "workload " + std::to_string(w);
}

Result<Allocation> Allocator::Solve(const PeriodInput& in) {
  Impl& m = *impl_;
  const int cols = static_cast<int>(m.col_workload.size());
  std::vector<bool> allowed(cols, true);
  for (int j = 0; j < cols; ++j) {
    const int w = m.col_workload[j];
    if (w < static_cast<int>(in.only_chip.size()) && in.only_chip[w] >= 0)
      allowed[j] = m.col_chip[j] == in.only_chip[w];
  }
  std::vector<bool> active = in.active;
  Allocation out;
  out.chips.assign(m.workloads, std::vector<double>(m.chips, 0));
  out.work_by_chip.assign(m.workloads, std::vector<double>(m.chips, 0));
  out.work.assign(m.workloads, 0);
  if (cols == 0) return out;

  for (int c = 0; c < m.chips; ++c) {
    if (!std::isfinite(in.capacity[c])) {
      return MakeError(
          fmt::format("chip type {}: capacity {} is not a finite number", c + 1, in.capacity[c]));
    }
    m.model.setRowUpper(c, std::max(0.0, in.capacity[c]));
  }
  std::vector<bool> needs(m.workloads, true);  // services with a demand worth serving
  for (int w = 0; w < m.workloads; ++w) {
    if (shape_.is_service[w]) {
      if (!std::isfinite(in.demand[w]) || in.demand[w] < 0) {
        return MakeError(
            fmt::format("service {}: demand {} tokens/s is not a finite, "
                        "non-negative number",
                        Name(w), in.demand[w]));
      }
      needs[w] = !NegligibleDemand(w, in.demand[w]);
    }
    m.model.setRowUpper(m.chips + w, !shape_.is_service[w] ? shape_.max_chips[w]
                                     : needs[w]            ? in.demand[w]
                                                           : 0.0);
  }
  for (int j = 0; j < cols; ++j) {
    const int w = m.col_workload[j];
    double coefficient = 0;
    if (!shape_.is_service[w]) {
      coefficient = shape_.weight[w] * m.col_rate[j] / m.top_speed[w];
    } else if (needs[w]) {
      coefficient = shape_.weight[w] * m.col_rate[j] / in.demand[w];
    }
    if (!std::isfinite(coefficient) || std::fabs(coefficient) > kMaxCoefficient) {
      return MakeError(
          fmt::format("{}: objective coefficient {:g} is beyond what the LP solver "
                      "can take (at most {:g}); weight {:g}, rate {:g} tokens/s",
                      Name(w), coefficient, kMaxCoefficient, shape_.weight[w], m.col_rate[j]));
    }
    m.model.setObjectiveCoefficient(j, coefficient);
  }

  for (int round = 0; round < 2 * m.workloads + 2; ++round) {
    for (int j = 0; j < cols; ++j) {
      const int w = m.col_workload[j];
      const bool open = active[w] && allowed[j] && needs[w];
      m.model.setColumnUpper(j, open ? kInf : 0.0);
    }
    // Keep work areas and factorization between solves: only bounds and
    // objective change (CLP startFinishOptions 1 | 2 | 4).
    m.model.dual(0, 7);
    if (m.model.status() != 0) {
      // 1 infeasible, 2 unbounded, 3 stopped, 4 numerical trouble: none should happen with
      // x = 0 feasible and every column bounded by a capacity row.
      return MakeError(
          fmt::format("the LP solver stopped without an optimum (CLP status {}, "
                      "secondary status {})",
                      m.model.status(), m.model.secondaryStatus()));
    }
    const double* x = m.model.primalColumnSolution();
    // Enforce what an LP cannot express, one workload at a time.
    bool changed = false;
    for (int w = 0; w < m.workloads && !changed; ++w) {
      if (shape_.is_service[w] || !active[w]) continue;
      double total = 0;
      int types = 0;
      int best_j = -1;
      double best_work = -1;
      for (int j = 0; j < cols; ++j) {
        if (m.col_workload[j] != w || x[j] <= 1e-6) continue;
        total += x[j];
        ++types;
        if (x[j] * m.col_rate[j] > best_work) {
          best_work = x[j] * m.col_rate[j];
          best_j = j;
        }
      }
      if (total > 1e-6 && total < shape_.min_chips[w] - 1e-6) {
        active[w] = false;  // cannot reach its minimum cluster: waits
        changed = true;
      } else if (shape_.training_mix == AllocationShape::Mix::kOneType && types > 1) {
        for (int j = 0; j < cols; ++j) {
          if (m.col_workload[j] == w && j != best_j) allowed[j] = false;
        }
        changed = true;
      } else if (shape_.training_mix == AllocationShape::Mix::kLockstep && types > 1) {
        // Every chip runs at the slowest kept type's rate: keep the fastest k types, the k that
        // does the most work (chips of the first k x the k-th rate).
        std::vector<int> used;
        for (int j = 0; j < cols; ++j) {
          if (m.col_workload[j] == w && x[j] > 1e-6) used.push_back(j);
        }
        std::stable_sort(used.begin(), used.end(),
                         [&](int a, int b) { return m.col_rate[a] > m.col_rate[b]; });
        double sum = 0, best = -1;
        size_t keep = 0;
        for (size_t k = 0; k < used.size(); ++k) {
          sum += x[used[k]];
          if (sum * m.col_rate[used[k]] > best * (1 + 1e-9)) {
            best = sum * m.col_rate[used[k]];
            keep = k + 1;
          }
        }
        for (size_t k = keep; k < used.size(); ++k) allowed[used[k]] = false;
        changed = keep < used.size();
      }
    }
    if (!changed) break;
  }
  const double* x = m.model.primalColumnSolution();
  std::vector<double> slowest(m.workloads, kInf);  // slowest used rate per workload
  std::vector<int> types(m.workloads, 0);
  for (int j = 0; j < cols; ++j) {
    if (!std::isfinite(x[j])) {
      return MakeError(
          fmt::format("{}: the LP solver returned {} chips", Name(m.col_workload[j]), x[j]));
    }
    const double v = std::max(0.0, x[j]);
    out.chips[m.col_workload[j]][m.col_chip[j]] = v;
    if (v > 1e-6) {
      slowest[m.col_workload[j]] = std::min(slowest[m.col_workload[j]], m.col_rate[j]);
      ++types[m.col_workload[j]];
    }
  }
  for (int j = 0; j < cols; ++j) {
    const int w = m.col_workload[j];
    double rate = m.col_rate[j];
    if (!shape_.is_service[w] && types[w] > 1) {
      if (shape_.training_mix == AllocationShape::Mix::kLockstep) rate = slowest[w];
      if (shape_.training_mix == AllocationShape::Mix::kBalanced)
        rate *= shape_.cross_type_efficiency;
    }
    const double work = out.chips[w][m.col_chip[j]] * rate;
    out.work_by_chip[w][m.col_chip[j]] = work;
    out.work[w] += work;
  }
  return out;
}

}  // namespace suanli::plan
