// The planner: the per-period LP against brute force and an exact vertex
// enumeration, a forecast whose finish date is worked out by hand from the
// per-chip rate, determinism, monotonicity in supply, services and policy,
// and catalog checks.
#include "plan/forecast.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/rng.h"
#include "plan/allocator.h"
#include "report/forecast_report.h"
#include "supply/scenario.h"
#include "testing.h"

namespace suanli::plan {
namespace {

const catalog::Catalog& Cat() { return testing::BuiltinCatalog(); }

using testing::Contains;

// --- the allocator -------------------------------------------------------------

int RandInt(Rng& rng, int lo, int hi) {
  return lo + static_cast<int>(rng.Uniform() * (hi - lo + 1));
}

struct Problem {
  AllocationShape shape;
  PeriodInput in;
};

// Two chip types; workload 0 trains (max_chips, no minimum), the others are
// services with a demand. Integer capacities 1..20, rates 0..5 (each workload
// runs on at least one chip type), weights 1..3.
Problem RandomProblem(Rng& rng, int workloads) {
  Problem p;
  const int chips = 2;
  for (int w = 0; w < workloads; ++w) {
    std::vector<double> rate(chips);
    do {
      for (auto& r : rate) r = RandInt(rng, 0, 5);
    } while (*std::max_element(rate.begin(), rate.end()) == 0);
    p.shape.rate.push_back(rate);
    p.shape.is_service.push_back(w > 0);
    p.shape.weight.push_back(RandInt(rng, 1, 3));
    p.shape.max_chips.push_back(w == 0 ? RandInt(rng, 1, 20) : 0);
    p.shape.min_chips.push_back(0);
    p.in.demand.push_back(w == 0 ? 0 : RandInt(rng, 1, 60));
  }
  p.shape.training_mix = AllocationShape::Mix::kBalanced;  // the pure LP
  for (int c = 0; c < chips; ++c) p.in.capacity.push_back(RandInt(rng, 1, 20));
  p.in.active.assign(workloads, true);
  return p;
}

// What the Allocator documents it maximizes: sum of weight x normalized
// work, services by demand, training by max_chips x its best rate.
// A service with (next to) no demand needs nothing and adds nothing.
double Normalizer(const Problem& p, int w) {
  if (p.shape.is_service[w]) return p.in.demand[w];
  const auto& r = p.shape.rate[w];
  return p.shape.max_chips[w] * *std::max_element(r.begin(), r.end());
}

// Objective coefficient of one chip of type c given to workload w.
double Coef(const Problem& p, int w, int c) {
  const auto& r = p.shape.rate[w];
  if (p.shape.is_service[w] &&
      p.in.demand[w] <= kNegligibleDemandChips * *std::max_element(r.begin(), r.end())) {
    return 0;
  }
  return p.shape.weight[w] * p.shape.rate[w][c] / Normalizer(p, w);
}

double Objective(const Problem& p, const std::vector<std::vector<double>>& x) {
  double sum = 0;
  for (size_t w = 0; w < x.size(); ++w) {
    for (size_t c = 0; c < x[w].size(); ++c) sum += Coef(p, w, c) * x[w][c];
  }
  return sum;
}

// Feasible: non-negative, within capacity, training within max_chips,
// services within demand, nothing on a chip that cannot run the workload.
bool Feasible(const Problem& p, const std::vector<std::vector<double>>& x, double tol,
              std::string* why = nullptr) {
  const size_t nw = x.size(), nc = p.in.capacity.size();
  auto fail = [&](const std::string& s) {
    if (why) *why = s;
    return false;
  };
  for (size_t c = 0; c < nc; ++c) {
    double used = 0;
    for (size_t w = 0; w < nw; ++w) {
      if (x[w][c] < -tol) return fail("negative allocation");
      if (p.shape.rate[w][c] == 0 && x[w][c] > tol) return fail("chips on a zero-rate column");
      used += x[w][c];
    }
    if (used > p.in.capacity[c] + tol) return fail("over capacity on chip " + std::to_string(c));
  }
  for (size_t w = 0; w < nw; ++w) {
    double chips = 0, work = 0;
    for (size_t c = 0; c < nc; ++c) {
      chips += x[w][c];
      work += x[w][c] * p.shape.rate[w][c];
    }
    if (!p.shape.is_service[w] && chips > p.shape.max_chips[w] + tol) return fail("over max_chips");
    if (p.shape.is_service[w] && work > p.in.demand[w] + tol) return fail("over demand");
  }
  return true;
}

// The best integer allocation, by exhaustive search over every column.
double BruteForce(const Problem& p) {
  struct Col {
    int w, c;
  };
  std::vector<Col> cols;
  const int nw = static_cast<int>(p.shape.rate.size()), nc = static_cast<int>(p.in.capacity.size());
  for (int w = 0; w < nw; ++w) {
    for (int c = 0; c < nc; ++c) {
      if (p.shape.rate[w][c] > 0) cols.push_back({w, c});
    }
  }
  std::vector<double> cap = p.in.capacity;
  std::vector<double> room(nw);  // training: chips left under max; services: work left
  for (int w = 0; w < nw; ++w)
    room[w] = p.shape.is_service[w] ? p.in.demand[w] : p.shape.max_chips[w];
  double best = 0;
  std::function<void(size_t, double)> go = [&](size_t j, double value) {
    if (j == cols.size()) {
      best = std::max(best, value);
      return;
    }
    const auto [w, c] = cols[j];
    const double rate = p.shape.rate[w][c];
    const double per_chip = p.shape.is_service[w] ? rate : 1;
    const int most = static_cast<int>(std::min(cap[c], std::floor(room[w] / per_chip + 1e-9)));
    for (int n = 0; n <= most; ++n) {
      cap[c] -= n;
      room[w] -= n * per_chip;
      go(j + 1, value + n * Coef(p, w, c));
      cap[c] += n;
      room[w] += n * per_chip;
    }
  };
  go(0, 0);
  return best;
}

// The LP optimum by enumerating vertices: every choice of n tight
// constraints among A x <= b and -x <= 0, solved by Gaussian elimination.
double VertexOptimum(const Problem& p) {
  struct Col {
    int w, c;
  };
  std::vector<Col> cols;
  const int nw = static_cast<int>(p.shape.rate.size()), nc = static_cast<int>(p.in.capacity.size());
  for (int w = 0; w < nw; ++w) {
    for (int c = 0; c < nc; ++c) {
      if (p.shape.rate[w][c] > 0) cols.push_back({w, c});
    }
  }
  const int n = static_cast<int>(cols.size());
  std::vector<std::vector<double>> a;
  std::vector<double> b;
  for (int c = 0; c < nc; ++c) {
    std::vector<double> row(n, 0);
    for (int j = 0; j < n; ++j) row[j] = cols[j].c == c ? 1 : 0;
    a.push_back(row);
    b.push_back(p.in.capacity[c]);
  }
  for (int w = 0; w < nw; ++w) {
    std::vector<double> row(n, 0);
    for (int j = 0; j < n; ++j) {
      if (cols[j].w == w) row[j] = p.shape.is_service[w] ? p.shape.rate[w][cols[j].c] : 1;
    }
    a.push_back(row);
    b.push_back(p.shape.is_service[w] ? p.in.demand[w] : p.shape.max_chips[w]);
  }
  for (int j = 0; j < n; ++j) {
    std::vector<double> row(n, 0);
    row[j] = -1;
    a.push_back(row);
    b.push_back(0);
  }
  const int m = static_cast<int>(a.size());
  double best = -1;
  std::vector<int> pick;
  std::function<void(int)> choose = [&](int from) {
    if (static_cast<int>(pick.size()) == n) {
      std::vector<std::vector<double>> mat;
      for (int i : pick) {
        auto row = a[i];
        row.push_back(b[i]);
        mat.push_back(row);
      }
      for (int col = 0; col < n; ++col) {
        int piv = col;
        for (int r = col + 1; r < n; ++r) {
          if (std::fabs(mat[r][col]) > std::fabs(mat[piv][col])) piv = r;
        }
        if (std::fabs(mat[piv][col]) < 1e-12) return;  // singular
        std::swap(mat[piv], mat[col]);
        for (int r = 0; r < n; ++r) {
          if (r == col) continue;
          const double f = mat[r][col] / mat[col][col];
          for (int k = col; k <= n; ++k) mat[r][k] -= f * mat[col][k];
        }
      }
      std::vector<double> x(n);
      for (int j = 0; j < n; ++j) x[j] = mat[j][n] / mat[j][j];
      for (int i = 0; i < m; ++i) {
        double lhs = 0;
        for (int j = 0; j < n; ++j) lhs += a[i][j] * x[j];
        if (lhs > b[i] + 1e-9) return;
      }
      double value = 0;
      for (int j = 0; j < n; ++j) value += Coef(p, cols[j].w, cols[j].c) * x[j];
      best = std::max(best, value);
      return;
    }
    for (int i = from; i < m; ++i) {
      pick.push_back(i);
      choose(i + 1);
      pick.pop_back();
    }
  };
  choose(0);
  return best;
}

std::string Describe(const Problem& p) {
  std::string s = "capacity [" + std::to_string(p.in.capacity[0]) + ", " +
                  std::to_string(p.in.capacity[1]) + "]";
  for (size_t w = 0; w < p.shape.rate.size(); ++w) {
    s += "; w" + std::to_string(w) + (p.shape.is_service[w] ? " service" : " training") +
         " rate [" + std::to_string(p.shape.rate[w][0]) + ", " +
         std::to_string(p.shape.rate[w][1]) + "] weight " + std::to_string(p.shape.weight[w]) +
         (p.shape.is_service[w] ? " demand " + std::to_string(p.in.demand[w])
                                : " max " + std::to_string(p.shape.max_chips[w]));
  }
  return s;
}

TEST(AllocatorTest, LpAgainstBruteForceAndVertices) {
  Rng rng(2027, 0);
  for (int trial = 0; trial < 24; ++trial) {
    const Problem p = RandomProblem(rng, trial % 2 == 0 ? 2 : 3);
    SCOPED_TRACE("trial " + std::to_string(trial) + ": " + Describe(p));
    Allocator alloc(p.shape);
    const Allocation a = alloc.Solve(p.in).value();
    ASSERT_EQ(a.chips.size(), p.shape.rate.size());
    std::string why;
    EXPECT_TRUE(Feasible(p, a.chips, 1e-6, &why)) << why;
    for (size_t w = 0; w < a.chips.size(); ++w) {
      double work = 0;
      for (size_t c = 0; c < 2; ++c) work += a.chips[w][c] * p.shape.rate[w][c];
      EXPECT_NEAR(a.work[w], work, 1e-9 * (1 + work));
    }
    const double lp = Objective(p, a.chips);
    const double integer = BruteForce(p);
    const double exact = VertexOptimum(p);
    // The relaxation is at least as good as any integer allocation ...
    EXPECT_GE(lp, integer - 1e-9);
    // ... and is the LP optimum.
    EXPECT_NEAR(lp, exact, 1e-7 * (1 + exact));
    // Rounding the LP solution down is feasible and no better than the
    // integer optimum; it loses under one chip per column.
    std::vector<std::vector<double>> down = a.chips;
    double slack = 0;
    for (size_t w = 0; w < down.size(); ++w) {
      for (size_t c = 0; c < 2; ++c) {
        down[w][c] = std::floor(down[w][c] + 1e-7);
        if (p.shape.rate[w][c] > 0) slack += Coef(p, w, c);
      }
    }
    EXPECT_TRUE(Feasible(p, down, 1e-6, &why)) << why;
    EXPECT_LE(Objective(p, down), integer + 1e-9);
    EXPECT_LE(lp - integer, slack + 1e-9);
  }
}

TEST(AllocatorTest, WarmStartAcrossPeriodsMatchesAFreshSolve) {
  // One allocator solving a sequence of periods (as the forecast does) gives
  // the same objective as a fresh allocator per period.
  Rng rng(11, 0);
  Problem base = RandomProblem(rng, 3);
  Allocator reused(base.shape);
  for (int t = 0; t < 10; ++t) {
    Problem p = base;
    for (auto& c : p.in.capacity) c = RandInt(rng, 0, 20);
    for (size_t w = 1; w < p.in.demand.size(); ++w) p.in.demand[w] = RandInt(rng, 0, 60);
    Allocator fresh(p.shape);
    const Allocation a = reused.Solve(p.in).value(), b = fresh.Solve(p.in).value();
    std::string why;
    EXPECT_TRUE(Feasible(p, a.chips, 1e-6, &why)) << "period " << t << ": " << why;
    // Zero demands included (about one period in three has one).
    EXPECT_NEAR(Objective(p, a.chips), Objective(p, b.chips), 1e-7) << "period " << t;
  }
}

// A service with zero demand, or a demand a millionth of one chip would serve, needs nothing:
// no chips, no objective coefficient (CLP aborted on 1/demand coefficients past 1e25), and the
// training run gets the whole fleet. Just above the floor the service gets its sliver.
TEST(AllocatorTest, ZeroOrVanishingDemandNeedsNothing) {
  // Training at rate 2 (max 10 chips), a service at rate 4 per chip; 10 chips.
  AllocationShape shape{{{2}, {4}}, {false, true}, {1, 1},
                        {10, 0},    {1, 0},        AllocationShape::Mix::kOneType,
                        1,          {"run", "api"}};
  Allocator alloc(shape);
  for (double demand : {0.0, 1e-300, 4e-42, 1e-12, 4e-6}) {
    SCOPED_TRACE("demand " + std::to_string(demand));
    EXPECT_TRUE(alloc.NegligibleDemand(1, demand));
    auto a = alloc.Solve({{10}, {0, demand}, {true, true}});
    ASSERT_TRUE(a) << a.error().ToString();
    EXPECT_EQ(a->chips[1][0], 0);
    EXPECT_EQ(a->work[1], 0);
    EXPECT_NEAR(a->chips[0][0], 10, 1e-9);
  }
  // 8e-6 tokens/s: 2e-6 of a chip, above the floor of 1e-6 chips. Per chip the service is worth
  // 4 / 8e-6 = 5e5 against the run's 2 / 20 = 0.1: it is served in full first.
  EXPECT_FALSE(alloc.NegligibleDemand(1, 8e-6));
  auto a = alloc.Solve({{10}, {0, 8e-6}, {true, true}});
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_NEAR(a->work[1], 8e-6, 1e-12);
  EXPECT_NEAR(a->chips[0][0], 10 - 2e-6, 1e-9);
}

// What the LP cannot take is an error naming the workload, never an abort.
TEST(AllocatorTest, NonFiniteInputsAreErrors) {
  AllocationShape shape{{{2}, {4}}, {false, true}, {1, 1},
                        {10, 0},    {1, 0},        AllocationShape::Mix::kOneType,
                        1,          {"run", "api"}};
  Allocator alloc(shape);
  auto nan_demand = alloc.Solve({{10}, {0, std::nan("")}, {true, true}});
  ASSERT_FALSE(nan_demand);
  EXPECT_TRUE(Contains(nan_demand.error().message, "service 'api'")) << nan_demand.error().message;
  auto inf_demand = alloc.Solve({{10}, {0, INFINITY}, {true, true}});
  ASSERT_FALSE(inf_demand);
  EXPECT_TRUE(Contains(inf_demand.error().message, "not a finite")) << inf_demand.error().message;
  auto inf_capacity = alloc.Solve({{INFINITY}, {0, 100}, {true, true}});
  ASSERT_FALSE(inf_capacity);
  EXPECT_TRUE(Contains(inf_capacity.error().message, "capacity")) << inf_capacity.error().message;
  // A weight beyond what CLP takes (1e20 / rate 4 x demand 1e-3 per chip) is refused by name.
  shape.weight[1] = 1e18;
  Allocator heavy(shape);
  auto big = heavy.Solve({{10}, {0, 1e-3}, {true, true}});
  ASSERT_FALSE(big);
  EXPECT_TRUE(Contains(big.error().message, "'api'")) << big.error().message;
  // The allocator still works after an error.
  auto ok = alloc.Solve({{10}, {0, 8}, {true, true}});
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_NEAR(ok->work[1], 8, 1e-9);
}

TEST(AllocatorTest, InactiveWorkloadsGetNothing) {
  Rng rng(5, 0);
  Problem p = RandomProblem(rng, 3);
  p.in.active[0] = false;
  const Allocation a = Allocator(p.shape).Solve(p.in).value();
  EXPECT_EQ(a.chips[0][0] + a.chips[0][1], 0);
  EXPECT_EQ(a.work[0], 0);
}

TEST(AllocatorTest, OneChipTypePerTrainingRun) {
  // Training alone, rates 2 and 3 per chip, 10 chips of each, max 20: the LP
  // takes all 20 (work 20 + 30 = 50); held to one type it keeps the type
  // doing more work, the 10 chips at rate 3 (work 30).
  AllocationShape shape{{{2, 3}}, {false}, {1}, {20}, {1}, AllocationShape::Mix::kOneType, 1, {}};
  PeriodInput in{{10, 10}, {0}, {true}};
  const Allocation one = Allocator(shape).Solve(in).value();
  EXPECT_NEAR(one.chips[0][0], 0, 1e-9);
  EXPECT_NEAR(one.chips[0][1], 10, 1e-9);
  EXPECT_NEAR(one.work[0], 30, 1e-9);
  shape.training_mix = AllocationShape::Mix::kBalanced;
  const Allocation both = Allocator(shape).Solve(in).value();
  EXPECT_NEAR(both.work[0], 50, 1e-9);
}

TEST(AllocatorTest, RunBelowItsMinimumWaitsAndFreesTheChips) {
  // 10 chips; training needs at least 15 so it waits; the service (rate 1,
  // demand 100) then gets all 10.
  AllocationShape shape{
      {{1}, {1}}, {false, true}, {5, 1}, {20, 0}, {15, 0}, AllocationShape::Mix::kOneType, 1, {}};
  PeriodInput in{{10}, {0, 100}, {true, true}};
  const Allocation a = Allocator(shape).Solve(in).value();
  EXPECT_EQ(a.chips[0][0], 0);
  EXPECT_NEAR(a.chips[1][0], 10, 1e-9);
  EXPECT_NEAR(a.work[1], 10, 1e-9);
}

// --- forecasts --------------------------------------------------------------------

supply::Scenario Parse(const std::string& yaml) {
  auto s = supply::ParseScenario(yaml, "test.yaml");
  EXPECT_TRUE(s) << s.error().ToString() << "\n" << yaml;
  return s ? *s : supply::Scenario{};
}

ForecastOptions Quick(int samples, uint64_t seed = 1) {
  ForecastOptions o;
  o.samples = samples;
  o.seed = seed;
  o.sensitivity = false;
  o.purchase_advice = false;
  // Supply only, so hand calculations of the rate hold; the model's error has its own tests.
  o.model_error = false;
  return o;
}

Forecast Plan(const supply::Scenario& s, const ForecastOptions& o) {
  auto f = RunForecast(s, Cat(), o);
  EXPECT_TRUE(f) << f.error().ToString();
  return f ? *f : Forecast{};
}

double RateOf(const Forecast& f, const std::string& workload, const std::string& chip) {
  for (const auto& r : f.rates) {
    if (r.workload == workload && r.chip == chip) return r.tokens_per_s_per_chip;
  }
  ADD_FAILURE() << "no rate for " << workload << " on " << chip;
  return 0;
}

// 128 H100 and nothing else, monthly from 2027-01-01 for 24 months; one
// Llama 3 8B run of 15T tokens on 64..1024 chips.
const char* kHand =
    "scenario: {name: hand, start: 2027-01-01, period: month, horizon: 24}\n"
    "fleet:\n"
    "  - {chip: h100, count: 128}\n"
    "workloads:\n"
    "  training:\n"
    "    - {name: run, model: llama-3-8b, tokens: 15e12, chips: [h100], min_chips: 64, "
    "max_chips: 1024, target: 2027-12-31}\n";

TEST(ForecastTest, FinishDateByHand) {
  supply::Scenario s = Parse(kHand);
  const Forecast f = Plan(s, Quick(5));
  const double rate = RateOf(f, "run", "h100");
  ASSERT_GT(rate, 0);
  // All 128 chips run it every period: finish = start + T / (N R) seconds.
  const double T = 15e12, N = 128;
  const double seconds = T / (N * rate);
  const Date start = *Date::Parse("2027-01-01");
  const Date expect{start.days + static_cast<int>(std::floor(seconds / 86400))};
  ASSERT_LT(expect.days, start.AddMonths(24).days)
      << "pick fewer tokens: finishes beyond the horizon";
  ASSERT_EQ(f.runs.size(), 1u);
  const TrainingForecast& r = f.runs[0];
  ASSERT_TRUE(r.finish_p50);
  EXPECT_EQ(r.finish_p50->ToString(), expect.ToString()) << "rate " << rate;
  // No uncertainty: every quantile is the same day.
  ASSERT_TRUE(r.finish_p10 && r.finish_p90);
  EXPECT_EQ(r.finish_p10->days, expect.days);
  EXPECT_EQ(r.finish_p90->days, expect.days);
  EXPECT_EQ(r.finished_fraction, 1);
  // Target 2027-12-31 vs the finish: delay in weeks from the dates.
  ASSERT_TRUE(r.delay_weeks_p50);
  EXPECT_NEAR(*r.delay_weeks_p50, (expect.days - s.training[0].target.days) / 7.0, 1e-12);
  // Progress after January (31 days): N R x 31 days / T.
  EXPECT_NEAR(r.progress_p50[0], std::min(1.0, N * rate * 31 * 86400 / T), 1e-9);
  EXPECT_EQ(r.progress_p50.back(), 1.0);
  // Allocation: all 128 chips to the run in period 0, none after it ends.
  EXPECT_NEAR(f.allocation_mean[0][0], 128, 1e-6);
  EXPECT_EQ(f.allocation_mean.back()[0], 0);
  EXPECT_EQ(f.fleet_mean[0], std::vector<double>{128});
}

// A power-short hall: the same run on H100 capped at 500 W (TDP 700 W) runs
// at a lower rate, by at most the clock the cap allows:
// ((500 - 140) / (700 - 140))^(1 / 2.5) = 0.642857^0.4 = 0.838003.
TEST(ForecastTest, PowerCapSlowsTheRunOnThatChip) {
  const Forecast free = Plan(Parse(kHand), Quick(5));
  const Forecast capped =
      Plan(Parse(std::string(kHand) + "power_caps:\n  - {chip: h100, watts: 500}\n"), Quick(5));
  const double ratio = RateOf(capped, "run", "h100") / RateOf(free, "run", "h100");
  EXPECT_LT(ratio, 0.9);
  EXPECT_GE(ratio, 0.838003 - 1e-6);
  for (const auto& r : capped.rates) {
    EXPECT_TRUE(Contains(r.note, "capped at 500 W")) << r.note;
  }
  ASSERT_TRUE(free.runs[0].finish_p50 && capped.runs[0].finish_p50);
  EXPECT_GT(capped.runs[0].finish_p50->days, free.runs[0].finish_p50->days);
}

// A scenario cap looser than the system's own keeps the system's: caps only
// lower power. The H100's default system capped at 400 W, the scenario at 500 W.
TEST(ForecastTest, TighterOfScenarioAndSystemCapHolds) {
  catalog::Catalog cat = Cat();
  auto merged = cat.MergeYaml(
      "systems:\n"
      "  - id: hgx-h100\n"
      "    name: HGX H100 in a 400 W hall\n"
      "    chip: h100\n"
      "    chips_per_node: 8\n"
      "    power_cap_w: 400\n"
      "    scale_up: {domain_chips: 8, bandwidth_gb_s: 450, latency_us: 3, efficiency: 0.8}\n"
      "    scale_out: {bandwidth_gb_s: 50, latency_us: 8, efficiency: 0.8}\n",
      "hall.yaml");
  ASSERT_TRUE(merged) << merged.error().ToString();
  auto plan = [&](const std::string& yaml) {
    auto f = RunForecast(Parse(yaml), cat, Quick(2));
    EXPECT_TRUE(f) << f.error().ToString();
    return RateOf(*f, "run", "h100");
  };
  const std::string caps = "power_caps:\n  - {chip: h100, watts: ";
  const double system_only = plan(kHand);
  EXPECT_DOUBLE_EQ(plan(std::string(kHand) + caps + "500}\n"), system_only);
  EXPECT_LT(plan(std::string(kHand) + caps + "300}\n"), system_only);
  EXPECT_LT(system_only, RateOf(Plan(Parse(kHand), Quick(2)), "run", "h100"));
}

TEST(ForecastTest, TargetBeforeOrAfterTheFinish) {
  supply::Scenario s = Parse(kHand);
  const Forecast probe = Plan(s, Quick(3));
  ASSERT_TRUE(probe.runs.at(0).finish_p50);
  const Date finish = *probe.runs[0].finish_p50;

  s.training[0].target = finish.AddDays(1);
  Forecast f = Plan(s, Quick(3));
  EXPECT_EQ(f.runs.at(0).p_meet_target, 1);
  EXPECT_NEAR(*f.runs[0].delay_weeks_p50, -1 / 7.0, 1e-12);

  s.training[0].target = finish.AddDays(-1);
  f = Plan(s, Quick(3));
  EXPECT_EQ(f.runs.at(0).p_meet_target, 0);
  EXPECT_NEAR(*f.runs[0].delay_weeks_p50, 1 / 7.0, 1e-12);
}

TEST(ForecastTest, RunStartsNoEarlierThanItsEarliestStart) {
  // Held back to 2027-03-01: same duration, 31 + 28 = 59 days later.
  supply::Scenario s = Parse(kHand);
  const Forecast now = Plan(s, Quick(2));
  s.training[0].earliest_start = *Date::Parse("2027-03-01");
  const Forecast later = Plan(s, Quick(2));
  ASSERT_TRUE(now.runs.at(0).finish_p50 && later.runs.at(0).finish_p50);
  const double rate = RateOf(now, "run", "h100");
  const double days = 15e12 / (128 * rate) / 86400;
  const int start = Date::Parse("2027-03-01")->days;
  EXPECT_EQ(later.runs[0].finish_p50->days, start + static_cast<int>(std::floor(days)));
  EXPECT_EQ(later.runs[0].progress_p50[1], 0);
}

TEST(ForecastTest, PurchaseAdviceByHand) {
  // kHand on the H20, the chip with a reported catalog price (data/chips.yaml: price_usd 12,500,
  // sources S26/S27), and 4T tokens so the 128-chip run ends inside the horizon. 1000 more H20
  // lift the run to its 1024-chip maximum: saved = T/(128 R) - T/(1024 R) seconds, in weeks.
  const double T = 4e12;
  supply::Scenario s = Parse(
      "scenario: {name: hand, start: 2027-01-01, period: month, horizon: 24}\n"
      "fleet:\n"
      "  - {chip: h20, count: 128}\n"
      "workloads:\n"
      "  training:\n"
      "    - {name: run, model: llama-3-8b, tokens: 4e12, chips: [h20], min_chips: 64, "
      "max_chips: 1024, target: 2027-12-31}\n");
  ForecastOptions o = Quick(4);
  o.purchase_advice = true;
  o.purchase_block = 1000;
  o.side_samples = 4;
  const Forecast f = Plan(s, o);
  const double rate = RateOf(f, "run", "h20");
  ASSERT_GT(rate, 0);
  const double base_days = T / (128 * rate) / 86400;
  ASSERT_LT(base_days, 730) << "pick fewer tokens: the 128-chip run ends beyond the horizon";
  ASSERT_EQ(f.purchase_advice.size(), 1u);
  const PurchaseAdvice& a = f.purchase_advice[0];
  EXPECT_EQ(a.chip, "h20");
  EXPECT_EQ(a.run, "run");
  EXPECT_EQ(a.chips, 1000);
  const double saved_weeks = (T / (128 * rate) - T / (1024 * rate)) / 86400 / 7;
  EXPECT_NEAR(a.weeks_saved_p50, saved_weeks, 1e-6);
  // The price is known, so the cost is too: 1000 x $12,500 = $12,500,000, and per week saved
  // $12.5 M / saved_weeks (saved_weeks = 7/8 of the 128-chip duration in weeks).
  ASSERT_TRUE(a.cost_usd) << "h20 lost its catalog price: the cost assertions would not run";
  EXPECT_EQ(*a.cost_usd, 12'500'000.0);
  ASSERT_TRUE(a.usd_per_week_saved);
  EXPECT_NEAR(*a.usd_per_week_saved, 12.5e6 / saved_weeks, 1e-6 * 12.5e6 / saved_weeks);
  EXPECT_NEAR(saved_weeks, 7.0 / 8 * base_days / 7, 1e-9);
}

TEST(ForecastTest, BeyondTheHorizon) {
  // 1.5e16 tokens, 1000 x the 15T run, in a two-month horizon: not done.
  supply::Scenario s = Parse(kHand);
  s.training[0].tokens = 1.5e16;
  s.horizon = 2;
  const Forecast f = Plan(s, Quick(3));
  const TrainingForecast& r = f.runs.at(0);
  EXPECT_FALSE(r.finish_p50);
  EXPECT_FALSE(r.delay_weeks_p50);
  EXPECT_EQ(r.finished_fraction, 0);
  EXPECT_EQ(r.p_meet_target, 0);
}

TEST(ForecastTest, SameSeedSameBytes) {
  auto s = supply::BuiltinScenario("china-2026");
  ASSERT_TRUE(s);
  ForecastOptions o;
  o.samples = 40;
  o.side_samples = 10;
  o.seed = 7;
  const std::string a = report::ForecastJson(Plan(*s, o));
  const std::string b = report::ForecastJson(Plan(*s, o));
  EXPECT_EQ(a, b);
  EXPECT_TRUE(Contains(a, "\"sensitivity\""));
  o.seed = 8;
  const std::string c = report::ForecastJson(Plan(*s, o));
  EXPECT_NE(a, c);  // uncertain supply: another seed, other samples
}

// Finish day for comparisons, beyond the horizon as +infinity.
double Day(const std::optional<Date>& d) { return d ? d->days : HUGE_VAL; }

void ExpectNoLater(const Forecast& more, const Forecast& base, const std::string& what) {
  ASSERT_EQ(more.runs.size(), base.runs.size());
  for (size_t w = 0; w < base.runs.size(); ++w) {
    const auto& m = more.runs[w];
    const auto& b = base.runs[w];
    EXPECT_LE(Day(m.finish_p50), Day(b.finish_p50)) << what << ": " << b.name << " P50";
    EXPECT_LE(Day(m.finish_p10), Day(b.finish_p10)) << what << ": " << b.name << " P10";
    EXPECT_LE(Day(m.finish_p90), Day(b.finish_p90)) << what << ": " << b.name << " P90";
    EXPECT_GE(m.p_meet_target, b.p_meet_target) << what << ": " << b.name;
  }
}

// Under `one` and the splits more supply never finishes later. `switch` decides each month on
// what it has (a myopic rule: more of the current type can keep a run where a later move would
// have paid), so it is held to within its switch cost.
TEST(ForecastTest, MoreSupplyNeverFinishesLater) {
  for (const char* name : {"china-2026", "cloud-inference-first"}) {
    auto s = supply::BuiltinScenario(name);
    ASSERT_TRUE(s);
    if (s->policy.training_across_types == supply::TrainingAcrossTypes::kSwitch)
      s->policy.training_across_types = supply::TrainingAcrossTypes::kOne;
    const Forecast base = Plan(*s, Quick(100));
    // Each chip type's fleet +25 %.
    for (size_t i = 0; i < s->fleet.size(); ++i) {
      supply::Scenario more = *s;
      more.fleet[i].count *= 1.25;
      ExpectNoLater(Plan(more, Quick(100)), base, std::string(name) + " more " + s->fleet[i].chip);
    }
    // A fixed extra delivery of each training chip every period (a fixed
    // amount draws no random numbers: the samples stay paired).
    for (const auto& chip : s->training[0].chips) {
      supply::Scenario more = *s;
      supply::Delivery d;
      d.chip = chip;
      d.from = s->start;
      d.to = s->PeriodStart(s->horizon - 1);
      d.per_period = supply::Distribution::Fixed(500);
      more.deliveries.push_back(d);
      ExpectNoLater(Plan(more, Quick(100)), base, std::string(name) + " deliveries of " + chip);
    }
  }
}

// Services on 100 H100 serving Llama 3 8B; the demand is set from the
// per-chip rate the forecast reports.
const char* kService =
    "scenario: {name: svc, start: 2027-01-01, period: month, horizon: 12}\n"
    "fleet:\n"
    "  - {chip: h100, count: 100}\n"
    "workloads:\n"
    "  inference:\n"
    "    - {name: api, model: llama-3-8b, demand_tokens_per_s: 1000, chips: [h100]}\n";

TEST(ForecastTest, ServedFractionByHand) {
  supply::Scenario s = Parse(kService);
  const double rate = RateOf(Plan(s, Quick(1)), "api", "h100");
  ASSERT_GT(rate, 0);
  const double capacity = 100 * rate;  // output tokens/s the fleet can serve

  s.services[0].demand_tokens_per_s = 0.5 * capacity;
  Forecast f = Plan(s, Quick(2));
  ASSERT_EQ(f.services.size(), 1u);
  for (double v : f.services[0].served_fraction) EXPECT_NEAR(v, 1.0, 1e-9);

  s.services[0].demand_tokens_per_s = 2 * capacity;
  f = Plan(s, Quick(2));
  for (double v : f.services[0].served_fraction) EXPECT_NEAR(v, 0.5, 1e-9);
  for (double v : f.services[0].served_fraction_p10) EXPECT_NEAR(v, 0.5, 1e-9);

  // Growing 10 % a period from half the capacity: demand_t = 0.5 x 1.1^t
  // capacities, served min(1, 2 / 1.1^t): 1 up to t = 7 (1.1^7 = 1.949),
  // 2 / 1.1^8 = 0.9330 at t = 8.
  s.services[0].demand_tokens_per_s = 0.5 * capacity;
  s.services[0].growth_per_period = 0.1;
  f = Plan(s, Quick(2));
  const auto& sf = f.services[0];
  for (int t = 0; t < 12; ++t) {
    EXPECT_NEAR(sf.demand_tokens_per_s[t], 0.5 * capacity * std::pow(1.1, t), 1e-6 * capacity) << t;
    EXPECT_NEAR(sf.served_fraction[t], std::min(1.0, 2 / std::pow(1.1, t)), 1e-9) << t;
  }
  EXPECT_NEAR(sf.served_fraction[8], 0.9330, 1e-4);
}

// With the model's error on, a sample's chips serve at rate x err (err lognormal around the
// measured median). The plan gives the service the 50 chips half the fleet's nominal capacity
// needs; a sample with err < 1 serves err of its demand on them, and a provider with 50 idle
// H100 starts more instances: served min(1, 100 R err / (50 R)) = min(1, 2 err), which is 1
// unless err < 0.5. Before the idle chips were used the mean was E[min(1, err)] (0.90 for the
// china-2026 scenario's service while 20,000 chips sat idle).
TEST(ForecastTest, AShortfallFromTheModelsErrorTakesIdleChips) {
  supply::Scenario s = Parse(kService);
  const double rate = RateOf(Plan(s, Quick(1)), "api", "h100");
  ASSERT_GT(rate, 0);
  s.services[0].demand_tokens_per_s = 50 * rate;
  ForecastOptions o = Quick(200);
  o.model_error = true;
  const Forecast f = Plan(s, o);
  ASSERT_EQ(f.rates.size(), 1u);
  const auto& me = f.rates[0].model_error;
  // err at P10: exp(bias - 1.2816 sigma); for Hopper dense serving it is above 0.5.
  const double err_p10 = std::exp(me.bias - 1.2816 * me.sigma);
  ASSERT_GT(err_p10, 0.5) << "bias " << me.bias << " sigma " << me.sigma;
  const auto& sf = f.services.at(0);
  for (int t = 0; t < 12; ++t) {
    // (the idle chips it takes are what the demand needs: served lands on 1 to rounding)
    EXPECT_NEAR(sf.served_fraction_p10[t], 1.0, 1e-9) << t;
    EXPECT_GT(sf.served_fraction[t], 0.995) << t;
    // The chips it holds: 50 / err on average, at most the 100 there are.
    EXPECT_GT(f.allocation_mean[t][0], 45) << t;
    EXPECT_LE(f.allocation_mean[t][0], 100 + 1e-6) << t;
  }
}

// 1000 H100 shared by a 100T-token training run (priority 3, at most 1000
// chips) and a service wanting half the fleet (priority 1).
const char* kShared =
    "scenario: {name: shared, start: 2027-01-01, period: month, horizon: 24}\n"
    "fleet:\n"
    "  - {chip: h100, count: 1000}\n"
    "workloads:\n"
    "  training:\n"
    "    - {name: run, model: llama-3-8b, tokens: 1e14, chips: [h100], min_chips: 64, "
    "max_chips: 1000, target: 2027-06-30, priority: 3}\n"
    "  inference:\n"
    "    - {name: api, model: llama-3-8b, demand_tokens_per_s: 1000, chips: [h100]}\n";

// Zero demand, and demand shrinking 99 % a period (4e6 x 0.01^23 = 4e-40 tokens/s by the end):
// the forecast runs (it aborted in CLP) and a service with nothing to serve is fully served with
// no chips; the training run is unaffected.
TEST(ForecastTest, ZeroOrVanishingDemandNeedsNoChips) {
  const std::string run =
      "  training:\n"
      "    - {name: run, model: llama-3-8b, tokens: 1e14, chips: [h100], min_chips: 64, "
      "max_chips: 1000, target: 2027-06-30}\n";
  auto yaml = [&](const std::string& service) {
    return "scenario: {name: zero, start: 2027-01-01, period: month, horizon: 24}\n"
           "fleet:\n"
           "  - {chip: h100, count: 1000}\n"
           "workloads:\n" +
           run + "  inference:\n    - {name: api, model: llama-3-8b, chips: [h100], " + service +
           "}\n";
  };
  ForecastOptions o = Quick(3);
  o.sensitivity = true;
  o.purchase_advice = true;
  const Forecast zero = Plan(Parse(yaml("demand_tokens_per_s: 0")), o);
  ASSERT_EQ(zero.services.size(), 1u);
  for (int t = 0; t < 24; ++t) {
    EXPECT_EQ(zero.services[0].served_fraction[t], 1.0) << t;
    EXPECT_EQ(zero.allocation_mean[t][1], 0) << t;
  }
  const Forecast shrinking =
      Plan(Parse(yaml("demand_tokens_per_s: 4e6, growth_per_period: -0.99")), o);
  ASSERT_EQ(shrinking.services.size(), 1u);
  const auto& sf = shrinking.services[0];
  EXPECT_NEAR(sf.demand_tokens_per_s[23], 4e6 * std::pow(0.01, 23), 1e-50);
  EXPECT_EQ(sf.served_fraction[23], 1.0);
  EXPECT_EQ(shrinking.allocation_mean[23][1], 0);
  // With zero demand the run has all 1000 chips: it ends T / (1000 R) after the start. The
  // shrinking service takes chips in the first periods only, so the run ends no earlier.
  const double days = 1e14 / (1000 * RateOf(zero, "run", "h100")) / 86400;
  ASSERT_TRUE(zero.runs.at(0).finish_p50 && shrinking.runs.at(0).finish_p50);
  EXPECT_EQ(zero.runs[0].finish_p50->days,
            Date::Parse("2027-01-01")->days + static_cast<int>(std::floor(days)));
  EXPECT_GE(shrinking.runs[0].finish_p50->days, zero.runs[0].finish_p50->days);
}

// Growth compounding past what a double holds is an error naming the service and the period.
TEST(ForecastTest, DemandOverflowIsAnError) {
  auto f = RunForecast(Parse("scenario: {name: boom, start: 2027-01-01, period: week, "
                             "horizon: 1000}\n"
                             "fleet:\n  - {chip: h100, count: 10}\n"
                             "workloads:\n  inference:\n    - {name: api, model: llama-3-8b, "
                             "chips: [h100], demand_tokens_per_s: 1e12, growth_per_period: 10}\n"),
                       Cat(), Quick(1));
  ASSERT_FALSE(f);
  EXPECT_TRUE(Contains(f.error().message, "service 'api'")) << f.error().message;
  EXPECT_TRUE(Contains(f.error().message, "overflows by period 286")) << f.error().message;
}

TEST(ForecastTest, InferenceFirstServesBeforeTraining) {
  supply::Scenario s = Parse(kShared);
  const Forecast probe = Plan(s, Quick(1));
  const double train_rate = RateOf(probe, "run", "h100");
  const double serve_rate = RateOf(probe, "api", "h100");
  ASSERT_GT(train_rate, 0);
  ASSERT_GT(serve_rate, 0);
  s.services[0].demand_tokens_per_s = 500 * serve_rate;  // 500 chips' worth
  const Date start = s.start;
  const double T = 1e14;

  // Per chip the LP values training at 3 / 1000 = 0.003 and the service at
  // 1 / 500 = 0.002: training takes all 1000 chips, the service waits.
  s.policy.inference_first = false;
  const Forecast plain = Plan(s, Quick(2));
  // With inference first the service weighs 100 / 500 = 0.2 a chip: it gets
  // its 500, training the other 500 and takes twice as long.
  s.policy.inference_first = true;
  const Forecast first = Plan(s, Quick(2));

  const double days_plain = T / (1000 * train_rate) / 86400;
  const double days_first = T / (500 * train_rate) / 86400;
  ASSERT_GT(days_plain, 31) << "the run must outlast January for this test";
  ASSERT_TRUE(plain.runs.at(0).finish_p50 && first.runs.at(0).finish_p50);
  EXPECT_EQ(plain.runs[0].finish_p50->days, start.days + static_cast<int>(std::floor(days_plain)));
  EXPECT_EQ(first.runs[0].finish_p50->days, start.days + static_cast<int>(std::floor(days_first)));
  EXPECT_LT(plain.runs[0].finish_p50->days, first.runs[0].finish_p50->days);
  EXPECT_NEAR(plain.services.at(0).served_fraction[0], 0.0, 1e-9);
  EXPECT_NEAR(first.services.at(0).served_fraction[0], 1.0, 1e-9);
  // Once the run is done the service has the whole fleet either way.
  EXPECT_NEAR(plain.services[0].served_fraction.back(), 1.0, 1e-9);
}

TEST(ForecastTest, ServiceOnlyScenarioHasNoRunsOrAdvice) {
  supply::Scenario s = Parse(kService);
  ForecastOptions o = Quick(3);
  o.purchase_advice = true;
  o.sensitivity = true;
  const Forecast f = Plan(s, o);
  EXPECT_TRUE(f.runs.empty());
  EXPECT_TRUE(f.purchase_advice.empty());
  EXPECT_TRUE(f.sensitivity.empty());
  EXPECT_EQ(f.services.size(), 1u);
}

// --- catalog checks -------------------------------------------------------------------

Error Invalid(const supply::Scenario& s) {
  auto ok = ValidateScenario(s, Cat());
  if (ok) {
    ADD_FAILURE() << "expected the scenario to be rejected";
    return Error{};
  }
  // RunForecast refuses it with the same message.
  auto f = RunForecast(s, Cat(), Quick(1));
  EXPECT_FALSE(f);
  if (!f) {
    EXPECT_EQ(f.error().message, ok.error().message);
  }
  return ok.error();
}

TEST(ValidateScenarioTest, BaseScenariosAreValid) {
  EXPECT_TRUE(ValidateScenario(Parse(kHand), Cat()));
  EXPECT_TRUE(ValidateScenario(Parse(kShared), Cat()));
  for (const auto& name : supply::BuiltinScenarioNames()) {
    auto s = supply::BuiltinScenario(name);
    ASSERT_TRUE(s);
    auto ok = ValidateScenario(*s, Cat());
    EXPECT_TRUE(ok) << name << ": " << ok.error().ToString();
  }
}

TEST(ValidateScenarioTest, UnknownChipSuggestsANearOne) {
  supply::Scenario s = Parse(kHand);
  s.fleet[0].chip = "h1000";
  Error e = Invalid(s);
  EXPECT_TRUE(Contains(e.message, "h1000")) << e.message;
  // The suggestion: "h100" once "h1000" itself is taken out.
  std::string rest = e.message;
  for (size_t at; (at = rest.find("h1000")) != std::string::npos;) rest.erase(at, 5);
  EXPECT_TRUE(Contains(rest, "h100")) << e.message;
  // Where: the file, line and field the loader kept.
  EXPECT_EQ(e.file, "test.yaml");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.field, "fleet[0].chip");

  s = Parse(kHand);
  s.training[0].chips = {"h1000"};
  e = Invalid(s);
  EXPECT_TRUE(Contains(e.message, "run")) << e.message;
  EXPECT_TRUE(Contains(e.message, "h1000")) << e.message;
}

TEST(ValidateScenarioTest, PowerCapAboveTheTdpOrOnAnUnknownChip) {
  supply::Scenario s = Parse(std::string(kHand) + "power_caps:\n  - {chip: h100, watts: 800}\n");
  Error e = Invalid(s);
  EXPECT_TRUE(Contains(e.message, "power cap")) << e.message;
  EXPECT_TRUE(Contains(e.message, "700 W TDP")) << e.message;
  s.power_caps[0] = {"h1000", 500, {}, ""};
  e = Invalid(s);
  EXPECT_TRUE(Contains(e.message, "h1000")) << e.message;
  // Two caps for one chip under different names.
  s.power_caps = {{"h100", 500, {}, ""}, {"h100-sxm", 600, {}, ""}};
  e = Invalid(s);
  EXPECT_TRUE(Contains(e.message, "same chip 'h100'")) << e.message;
}

TEST(ValidateScenarioTest, UnknownModel) {
  supply::Scenario s = Parse(kShared);
  s.training[0].model = "llama-3-8c";
  Error e = Invalid(s);
  EXPECT_TRUE(Contains(e.message, "llama-3-8c")) << e.message;
  EXPECT_TRUE(Contains(e.message, "llama-3-8b")) << e.message;
  s = Parse(kShared);
  s.services[0].model = "llama-3-8c";
  e = Invalid(s);
  EXPECT_TRUE(Contains(e.message, "api")) << e.message;
  EXPECT_TRUE(Contains(e.message, "llama-3-8b")) << e.message;
}

TEST(ValidateScenarioTest, BadDtype) {
  supply::Scenario s = Parse(kShared);
  s.training[0].dtypes = {"fp6"};
  Error e = Invalid(s);
  EXPECT_TRUE(Contains(e.message, "fp6")) << e.message;
  EXPECT_TRUE(Contains(e.message, "bf16")) << e.message;
  // int8 serves but does not train.
  s.training[0].dtypes = {"int8"};
  e = Invalid(s);
  EXPECT_TRUE(Contains(e.message, "int8")) << e.message;
  s = Parse(kShared);
  s.services[0].dtypes = {"fp6"};
  e = Invalid(s);
  EXPECT_TRUE(Contains(e.message, "fp6")) << e.message;
  EXPECT_TRUE(Contains(e.message, "api")) << e.message;
}

// Every catalog cross-reference error names file:line and the field (they carried only the
// scenario's name). Each case edits one line of the scenario below.
TEST(ValidateScenarioTest, ErrorsNameFileLineAndField) {
  const std::string base =
      "scenario: {name: place, start: 2027-01-01, period: month, horizon: 6}\n"  // 1
      "fleet:\n"
      "  - {chip: h100, count: 128}\n"
      "deliveries:\n"
      "  - {chip: h100, from: 2027-02-01, to: 2027-03-01, per_period: 10}\n"  // 5
      "events:\n"
      "  - {name: ban, probability: 0.5, window: [2027-02-01, 2027-03-01], effect: remove, "
      "chip: h100}\n"
      "power_caps:\n"
      "  - {chip: h100, watts: 600}\n"
      "workloads:\n"  // 10
      "  training:\n"
      "    - name: run\n"
      "      model: llama-3-8b\n"
      "      tokens: 1e12\n"
      "      dtype: bf16\n"  // 15
      "      chips:\n"
      "        - h100\n"
      "      max_chips: 128\n"
      "      target: 2027-06-30\n"
      "  inference:\n"  // 20
      "    - {name: api, model: llama-3-8b, demand_tokens_per_s: 1000, chips: [h100]}\n";
  ASSERT_TRUE(ValidateScenario(Parse(base), Cat()));
  struct Case {
    std::string from, to;
    int line;
    std::string field, says;
  };
  const std::vector<Case> cases = {
      {"{chip: h100, count", "{chip: h1000, count", 3, "fleet[0].chip", "unknown chip 'h1000'"},
      {"{chip: h100, from", "{chip: h1000, from", 5, "deliveries[0].chip", "unknown chip"},
      {"chip: h100}", "chip: h1000}", 7, "events[0].chip", "unknown chip"},
      {"{chip: h100, watts", "{chip: h1000, watts", 9, "power_caps[0].chip", "unknown chip"},
      {"watts: 600", "watts: 5000", 9, "power_caps[0].watts", "700 W TDP"},
      {"model: llama-3-8b\n", "model: llama-3-8c\n", 13, "workloads.training[0].model",
       "run 'run': unknown model 'llama-3-8c'"},
      {"dtype: bf16", "dtype: fp6", 15, "workloads.training[0].dtype", "dtype 'fp6'"},
      {"dtype: bf16", "dtype: int8", 15, "workloads.training[0].dtype", "is not bf16, fp16"},
      {"        - h100", "        - h1000", 17, "workloads.training[0].chips[0]", "h1000"},
      {"name: api, model: llama-3-8b", "name: api, model: nope", 21, "workloads.inference[0].model",
       "service 'api': unknown model 'nope'"},
      {"chips: [h100]}", "chips: [h1000]}", 21, "workloads.inference[0].chips[0]", "h1000"},
      {"chips: [h100]}", "chips: [h100], dtype: fp6}", 21, "workloads.inference[0].dtype",
       "dtype 'fp6'"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.to);
    std::string yaml = base;
    const size_t at = yaml.find(c.from);
    ASSERT_NE(at, std::string::npos);
    yaml.replace(at, c.from.size(), c.to);
    const Error e = Invalid(Parse(yaml));
    EXPECT_EQ(e.file, "test.yaml");
    EXPECT_EQ(e.line, c.line);
    EXPECT_EQ(e.field, c.field);
    EXPECT_TRUE(Contains(e.message, c.says)) << e.ToString();
  }
  // A field the file does not have (dtype defaulted) is placed at its item.
  std::string no_dtype = base;
  no_dtype.erase(no_dtype.find("      dtype: bf16\n"), 18);
  supply::Scenario s = Parse(no_dtype);
  s.training[0].dtypes = {"fp6"};
  const Error e = Invalid(s);
  EXPECT_EQ(e.line, 12);
  EXPECT_EQ(e.field, "workloads.training[0].dtype");
  // Built without a file: the message names the scenario and the field.
  s.file.clear();
  EXPECT_EQ(Invalid(s).ToString(),
            "scenario 'place': workloads.training[0].dtype: run 'run': dtype 'fp6' is not bf16, "
            "fp16 or fp8");
}

TEST(ValidateScenarioTest, SampleCount) {
  const supply::Scenario s = Parse(kHand);
  for (int n : {0, -1, 1'000'001}) {
    auto f = RunForecast(s, Cat(), Quick(n));
    ASSERT_FALSE(f) << n;
    EXPECT_TRUE(Contains(f.error().message, "samples")) << f.error().message;
  }
}

}  // namespace
}  // namespace suanli::plan
