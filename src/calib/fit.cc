#include "calib/fit.h"

#include <ceres/ceres.h>
#include <ceres/covariance.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <numeric>

namespace suanli::calib {
namespace {

double ToX(const FitParameter& p, double theta) { return std::log(theta + p.offset); }
double ToTheta(const FitParameter& p, double x) { return std::exp(x) - p.offset; }

// Steps of 1 % of x (at least 0.01 in log units): the model is piecewise (whole batches, whole
// micro-batches), so tiny steps see its steps rather than its slope.
double StepFor(double x) { return std::max(0.01, 0.01 * std::abs(x)); }

struct Evaluator {
  const FitProblem& problem;

  std::optional<double> At(int i, const std::vector<double>& theta) const {
    auto r = problem.log_ratio(i, theta);
    if (r && !std::isfinite(*r)) return std::nullopt;
    return r;
  }

  // d r_i / d x_k by central differences (one-sided when the model refuses one side).
  double Derivative(int i, std::vector<double> theta, int k, double r0) const {
    const FitParameter& p = problem.parameters[k];
    const double x = ToX(p, theta[k]);
    const double h = p.log_step.value_or(StepFor(x));
    const double x_lo = std::max(x - h, ToX(p, p.lower));
    const double x_hi = std::min(x + h, ToX(p, p.upper));
    // NaN: the model refused that side.
    double hi = std::nan(""), lo = std::nan("");
    if (x_hi > x) {
      theta[k] = ToTheta(p, x_hi);
      if (const auto v = At(i, theta)) hi = *v;
    }
    if (x_lo < x) {
      theta[k] = ToTheta(p, x_lo);
      if (const auto v = At(i, theta)) lo = *v;
    }
    if (!std::isnan(hi) && !std::isnan(lo)) return (hi - lo) / (x_hi - x_lo);
    if (!std::isnan(hi)) return (hi - r0) / (x_hi - x);
    if (!std::isnan(lo)) return (r0 - lo) / (x - x_lo);
    return 0;
  }
};

// One measurement: its residual depends on the free parameters it names, one block each.
class MeasurementCost : public ceres::CostFunction {
 public:
  MeasurementCost(const Evaluator& eval, int i, std::vector<int> free, std::vector<double> theta)
      : eval_(eval), i_(i), free_(std::move(free)), theta_(std::move(theta)) {
    set_num_residuals(1);
    for (size_t k = 0; k < free_.size(); ++k) mutable_parameter_block_sizes()->push_back(1);
  }

  bool Evaluate(double const* const* x, double* residuals, double** jacobians) const override {
    std::vector<double> theta = theta_;
    for (size_t k = 0; k < free_.size(); ++k) {
      theta[free_[k]] = ToTheta(eval_.problem.parameters[free_[k]], x[k][0]);
    }
    const auto r = eval_.At(i_, theta);
    if (!r) return false;
    const double sigma = eval_.problem.measurement_sigma;
    residuals[0] = *r / sigma;
    if (jacobians) {
      for (size_t k = 0; k < free_.size(); ++k) {
        if (jacobians[k]) jacobians[k][0] = eval_.Derivative(i_, theta, free_[k], *r) / sigma;
      }
    }
    return true;
  }

 private:
  const Evaluator& eval_;
  int i_;
  std::vector<int> free_;
  std::vector<double> theta_;
};

// The shipped value as a measurement of its own: (x - x shipped) / prior_sigma.
class PriorCost : public ceres::SizedCostFunction<1, 1> {
 public:
  PriorCost(double x0, double sigma) : x0_(x0), sigma_(sigma) {}
  bool Evaluate(double const* const* x, double* residuals, double** jacobians) const override {
    residuals[0] = (x[0][0] - x0_) / sigma_;
    if (jacobians && jacobians[0]) jacobians[0][0] = 1 / sigma_;
    return true;
  }

 private:
  double x0_, sigma_;
};

struct Solved {
  std::vector<double> x;  // all parameters
  int iterations = 0;
  bool converged = false;
  std::vector<std::optional<double>> sigma_x;
};

// Solves with measurements `use` and free parameters `free`, starting from `start`.
Solved Solve(const FitProblem& problem, const Evaluator& eval, const std::vector<bool>& use,
             const std::vector<int>& free, const std::vector<double>& start, bool with_covariance) {
  const size_t p = problem.parameters.size();
  Solved out;
  out.x = start;
  std::vector<double> theta(p);
  for (size_t k = 0; k < p; ++k) theta[k] = ToTheta(problem.parameters[k], start[k]);
  std::vector<bool> is_free(p, false);
  for (int k : free) is_free[k] = true;

  ceres::Problem::Options options;
  ceres::Problem solver_problem(options);
  for (int k : free) {
    const FitParameter& fp = problem.parameters[k];
    solver_problem.AddResidualBlock(
        new PriorCost(ToX(fp, fp.shipped), fp.prior_sigma.value_or(problem.prior_sigma)), nullptr,
        &out.x[k]);
    solver_problem.SetParameterLowerBound(&out.x[k], 0, ToX(fp, fp.lower));
    solver_problem.SetParameterUpperBound(&out.x[k], 0, ToX(fp, fp.upper));
  }
  for (size_t i = 0; i < use.size(); ++i) {
    if (!use[i]) continue;
    std::vector<int> mine;
    std::vector<double*> blocks;
    for (int k : problem.depends_on[i]) {
      if (is_free[k]) {
        mine.push_back(k);
        blocks.push_back(&out.x[k]);
      }
    }
    if (mine.empty()) continue;
    solver_problem.AddResidualBlock(new MeasurementCost(eval, static_cast<int>(i), mine, theta),
                                    nullptr, blocks);
  }
  if (free.empty()) {
    out.converged = true;
    return out;
  }
  ceres::Solver::Options solver_options;
  solver_options.linear_solver_type = ceres::DENSE_QR;
  solver_options.max_num_iterations = 50;
  solver_options.num_threads = 1;  // deterministic, and the machine is shared
  solver_options.logging_type = ceres::SILENT;
  solver_options.function_tolerance = 1e-8;
  solver_options.parameter_tolerance = 1e-6;
  ceres::Solver::Summary summary;
  ceres::Solve(solver_options, &solver_problem, &summary);
  out.iterations = static_cast<int>(summary.iterations.size());
  out.converged = summary.termination_type == ceres::CONVERGENCE;
  out.sigma_x.assign(p, std::nullopt);
  if (with_covariance) {
    ceres::Covariance::Options cov_options;
    cov_options.algorithm_type = ceres::DENSE_SVD;
    cov_options.null_space_rank = -1;
    cov_options.num_threads = 1;
    ceres::Covariance covariance(cov_options);
    std::vector<std::pair<const double*, const double*>> pairs;
    for (int k : free) pairs.emplace_back(&out.x[k], &out.x[k]);
    if (covariance.Compute(pairs, &solver_problem)) {
      for (int k : free) {
        double v = 0;
        if (covariance.GetCovarianceBlock(&out.x[k], &out.x[k], &v) && v >= 0) {
          out.sigma_x[k] = std::sqrt(v);
        }
      }
    }
  }
  return out;
}

}  // namespace

FitResult Fit(const FitProblem& problem) {
  const size_t p = problem.parameters.size();
  const size_t n = problem.depends_on.size();
  const Evaluator eval{problem};
  FitResult result;
  result.parameters.resize(p);
  std::vector<double> shipped(p), x0(p);
  for (size_t k = 0; k < p; ++k) {
    shipped[k] = problem.parameters[k].shipped;
    x0[k] = ToX(problem.parameters[k], shipped[k]);
  }

  // Log ratios and their sensitivities at the shipped values.
  result.before.assign(n, 0);
  result.refused.assign(n, false);
  std::vector<std::vector<double>> jac(p, std::vector<double>(n, 0));
  for (size_t i = 0; i < n; ++i) {
    const auto r = eval.At(static_cast<int>(i), shipped);
    if (!r) {
      result.refused[i] = true;
      result.before[i] = std::nan("");
      continue;
    }
    result.before[i] = *r;
    for (int k : problem.depends_on[i]) {
      jac[k][i] = eval.Derivative(static_cast<int>(i), shipped, k, *r);
    }
  }
  for (size_t k = 0; k < p; ++k) {
    double m = 0;
    for (double v : jac[k]) m = std::max(m, std::abs(v));
    result.parameters[k].max_sensitivity = m;
  }

  // Identifiability: Gram-Schmidt with pivoting on the sensitivity columns in units of the
  // measurement noise. A column whose part not explained by the columns already taken carries
  // less information than the prior (norm below 1 / prior_sigma) cannot be moved by the data.
  // Parameters marked `first` are pivoted before the others.
  const double sm = problem.measurement_sigma;
  auto threshold_of = [&](size_t k) {
    return 1 / problem.parameters[k].prior_sigma.value_or(problem.prior_sigma);
  };
  std::vector<std::vector<double>> rest(p, std::vector<double>(n));
  for (size_t k = 0; k < p; ++k) {
    for (size_t i = 0; i < n; ++i) rest[k][i] = jac[k][i] / sm;
  }
  auto norm = [](const std::vector<double>& v) {
    return std::sqrt(std::inner_product(v.begin(), v.end(), v.begin(), 0.0));
  };
  std::vector<double> raw_norm(p);
  for (size_t k = 0; k < p; ++k) raw_norm[k] = norm(rest[k]);
  std::vector<int> free;
  std::vector<bool> taken(p, false);
  for (int round = 0; round < 2;) {
    // Round 0 picks among the `first` parameters, round 1 among all: the column that carries
    // the most information over its prior.
    int best = -1;
    double best_ratio = 1, best_norm = 0;
    for (size_t k = 0; k < p; ++k) {
      if (taken[k] || (round == 0 && !problem.parameters[k].first)) continue;
      const double v = norm(rest[k]);
      const double ratio = v / threshold_of(k);
      if (ratio >= best_ratio) {
        best = static_cast<int>(k);
        best_ratio = ratio;
        best_norm = v;
      }
    }
    if (best < 0) {
      ++round;
      continue;
    }
    taken[best] = true;
    free.push_back(best);
    std::vector<double> q = rest[best];
    for (double& v : q) v /= best_norm;
    for (size_t k = 0; k < p; ++k) {
      if (taken[k]) continue;
      const double d = std::inner_product(q.begin(), q.end(), rest[k].begin(), 0.0);
      for (size_t i = 0; i < n; ++i) rest[k][i] -= d * q[i];
    }
  }
  std::sort(free.begin(), free.end());
  for (size_t k = 0; k < p; ++k) {
    ParameterFit& pf = result.parameters[k];
    pf.identified = taken[k];
    if (pf.identified) continue;
    if (raw_norm[k] < threshold_of(k)) {
      pf.reason = "the measurements hardly depend on it";
      continue;
    }
    // Seen, but explained by parameters already taken: name the most similar one.
    double best_cos = 0;
    for (int j : free) {
      const double d = std::inner_product(jac[k].begin(), jac[k].end(), jac[j].begin(), 0.0);
      const double c = std::abs(d) / (norm(jac[k]) * norm(jac[j]));
      if (c > best_cos) {
        best_cos = c;
        pf.collinear = problem.parameters[j].name;
      }
    }
    pf.reason = "the measurements cannot tell it apart from " + pf.collinear;
  }

  std::vector<bool> use(n);
  for (size_t i = 0; i < n; ++i) use[i] = !result.refused[i];
  const Solved full = Solve(problem, eval, use, free, x0, true);
  result.iterations = full.iterations;
  result.converged = full.converged;
  result.theta.resize(p);
  for (size_t k = 0; k < p; ++k) {
    result.theta[k] = ToTheta(problem.parameters[k], full.x[k]);
    result.parameters[k].fitted = result.theta[k];
  }
  result.after.assign(n, std::nan(""));
  double chi2 = 0;
  int used = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!use[i]) continue;
    if (const auto r = eval.At(static_cast<int>(i), result.theta)) {
      result.after[i] = *r;
      chi2 += (*r / sm) * (*r / sm);
      ++used;
    }
  }
  // Scatter larger than the assumed noise widens the uncertainties (never narrows them).
  const int dof = used - static_cast<int>(free.size());
  result.noise_scale = dof > 0 ? std::max(1.0, std::sqrt(chi2 / dof)) : 1.0;
  for (int k : free) {
    if (full.sigma_x[k]) {
      const FitParameter& fp = problem.parameters[k];
      result.parameters[k].sigma =
          (result.theta[k] + fp.offset) * *full.sigma_x[k] * result.noise_scale;
    }
  }

  result.left_out.assign(n, std::nan(""));
  if (problem.leave_one_out) {
    // Measurements that share no parameter are separate problems (one per chip family): a refit
    // without measurement i re-solves only i's, the rest keep the full fit.
    std::vector<int> group(p);
    std::iota(group.begin(), group.end(), 0);
    std::function<int(int)> root = [&](int k) {
      return group[k] == k ? k : group[k] = root(group[k]);
    };
    for (const auto& deps : problem.depends_on) {
      for (size_t a = 1; a < deps.size(); ++a) group[root(deps[a])] = root(deps[0]);
    }
    for (size_t i = 0; i < n; ++i) {
      if (!use[i] || problem.depends_on[i].empty()) continue;
      const int g = root(problem.depends_on[i][0]);
      std::vector<bool> without(n, false);
      for (size_t j = 0; j < n; ++j) {
        without[j] = use[j] && j != i && !problem.depends_on[j].empty() &&
                     root(problem.depends_on[j][0]) == g;
      }
      std::vector<int> free_here;
      for (int k : free) {
        if (root(k) == g) free_here.push_back(k);
      }
      // From the shipped values, not the full fit: the model is a roofline (a max of terms), so
      // a start informed by measurement i could keep the refit in a basin only i explains.
      std::vector<double> start = full.x;
      for (size_t k = 0; k < p; ++k) {
        if (root(static_cast<int>(k)) == g) start[k] = x0[k];
      }
      const Solved loo = Solve(problem, eval, without, free_here, start, false);
      std::vector<double> theta(p);
      for (size_t k = 0; k < p; ++k) theta[k] = ToTheta(problem.parameters[k], loo.x[k]);
      if (const auto r = eval.At(static_cast<int>(i), theta)) result.left_out[i] = *r;
    }
  }
  return result;
}

}  // namespace suanli::calib
