#include "plan/allocator.h"

#include <ClpSimplex.hpp>
#include <CoinPackedMatrix.hpp>

#include <algorithm>
#include <limits>

namespace suanli::plan {
namespace {
constexpr double kInf = 1e30;
}

// Columns: one per allowed (workload, chip). Rows: chip capacity, then per
// workload either the training cap or the service demand.
struct Allocator::Impl {
  ClpSimplex model;
  std::vector<int> col_workload;
  std::vector<int> col_chip;
  std::vector<double> col_rate;
  std::vector<double> top_speed;  // training: max_chips x best rate
  int chips = 0;
  int workloads = 0;
};

Allocator::Allocator(AllocationShape shape)
    : shape_(std::move(shape)), impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.workloads = static_cast<int>(shape_.rate.size());
  m.chips = m.workloads > 0 ? static_cast<int>(shape_.rate[0].size()) : 0;
  m.top_speed.assign(m.workloads, 1);
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
    m.top_speed[w] = std::max(1e-30, best * shape_.max_chips[w]);
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

Allocation Allocator::Solve(const PeriodInput& in) {
  Impl& m = *impl_;
  const int cols = static_cast<int>(m.col_workload.size());
  std::vector<bool> allowed(cols, true);
  std::vector<bool> active = in.active;
  Allocation out;
  out.chips.assign(m.workloads, std::vector<double>(m.chips, 0));
  out.work.assign(m.workloads, 0);
  if (cols == 0) return out;

  for (int c = 0; c < m.chips; ++c) m.model.setRowUpper(c, std::max(0.0, in.capacity[c]));
  for (int w = 0; w < m.workloads; ++w) {
    m.model.setRowUpper(m.chips + w,
                        shape_.is_service[w] ? std::max(0.0, in.demand[w]) : shape_.max_chips[w]);
  }
  for (int j = 0; j < cols; ++j) {
    const int w = m.col_workload[j];
    const double normalizer = shape_.is_service[w] ? std::max(1e-30, in.demand[w]) : m.top_speed[w];
    m.model.setObjectiveCoefficient(j, shape_.weight[w] * m.col_rate[j] / normalizer);
  }

  for (int round = 0; round < 2 * m.workloads + 2; ++round) {
    for (int j = 0; j < cols; ++j) {
      const int w = m.col_workload[j];
      const bool open = active[w] && allowed[j] && !(shape_.is_service[w] && in.demand[w] <= 0);
      m.model.setColumnUpper(j, open ? kInf : 0.0);
    }
    // Keep work areas and factorization between solves: only bounds and
    // objective change (CLP startFinishOptions 1 | 2 | 4).
    m.model.dual(0, 7);
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
      } else if (shape_.single_chip_type_training && types > 1) {
        for (int j = 0; j < cols; ++j) {
          if (m.col_workload[j] == w && j != best_j) allowed[j] = false;
        }
        changed = true;
      }
    }
    if (!changed) break;
  }
  const double* x = m.model.primalColumnSolution();
  for (int j = 0; j < cols; ++j) {
    const double v = std::max(0.0, x[j]);
    out.chips[m.col_workload[j]][m.col_chip[j]] = v;
    out.work[m.col_workload[j]] += v * m.col_rate[j];
  }
  return out;
}

}  // namespace suanli::plan
