// Allocation of chips to workloads in one period, as a linear program solved
// with COIN-OR CLP. The model's shape is fixed per forecast; each period only
// changes bounds and objective, so CLP warm-starts from the last solution.
#ifndef SUANLI_PLAN_ALLOCATOR_H_
#define SUANLI_PLAN_ALLOCATOR_H_

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"

namespace suanli::plan {

struct AllocationShape {
  // rate[w][c]: work per second per chip of type c for workload w (training
  // tokens or served output tokens); 0 means the chip cannot run it.
  std::vector<std::vector<double>> rate;
  std::vector<bool> is_service;
  std::vector<double> weight;     // priority
  std::vector<double> max_chips;  // training cluster cap (ignored for services)
  std::vector<double> min_chips;  // training minimum (ignored for services)
  // How a training run may combine chip types within a period.
  enum class Mix {
    kOneType,   // one type (the one doing the most work)
    kLockstep,  // synchronous data parallel: every chip at the slowest used type's rate
    kBalanced,  // rates add, times cross_type_efficiency when types mix
  };
  Mix training_mix = Mix::kOneType;
  double cross_type_efficiency = 1;
  std::vector<std::string> names;  // for error messages; "workload N" when absent
};

// A service whose whole demand a millionth of one of its fastest chips would serve needs nothing
// this period (zero demand included): it gets no chips and counts as fully served. Below that
// floor the LP's objective coefficient (weight x rate / demand) would grow without bound, and CLP
// loses all precision (and aborts past 1e25).
constexpr double kNegligibleDemandChips = 1e-6;

struct PeriodInput {
  std::vector<double> capacity;  // chips on hand per type
  std::vector<double> demand;    // services: work per second wanted (ignored for training)
  std::vector<bool> active;      // workloads that may run this period
  // Training: the one chip column a run may use this period (-1 or absent: any).
  std::vector<int> only_chip;
};

// chips[w][c]; work_by_chip[w][c] is the work those chips do (chips x rate, or at the slowest
// type's rate in lockstep, or x cross_type_efficiency when balanced types mix); work[w] its sum.
struct Allocation {
  std::vector<std::vector<double>> chips;
  std::vector<std::vector<double>> work_by_chip;
  std::vector<double> work;
};

class Allocator {
 public:
  explicit Allocator(AllocationShape shape);
  ~Allocator();
  Allocator(const Allocator&) = delete;
  Allocator& operator=(const Allocator&) = delete;

  // Maximizes the sum over workloads of weight x normalized work (fraction of
  // demand served; fraction of the run's top speed), then enforces minimum
  // cluster sizes and the training mix (one type, or the lockstep types worth keeping) by
  // re-solving.
  // Inputs the LP cannot take (non-finite capacity or demand) and a solver
  // that does not reach an optimum are errors naming the workload when one is
  // to blame; the caller adds the period.
  Result<Allocation> Solve(const PeriodInput& in);

  // True when service `w` needs nothing at `demand` (see kNegligibleDemandChips).
  bool NegligibleDemand(int w, double demand) const;

  const AllocationShape& shape() const { return shape_; }

 private:
  std::string Name(int w) const;  // quoted name, for messages

  struct Impl;
  AllocationShape shape_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace suanli::plan

#endif  // SUANLI_PLAN_ALLOCATOR_H_
