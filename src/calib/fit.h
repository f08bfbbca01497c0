// Bounded, regularized nonlinear least squares of model parameters against measurements
// (Ceres Solver inside fit.cc; this header is plain C++).
//
// The model is a black box: for measurement i and parameter values theta it returns
// log(predicted / measured). Each parameter is fitted as x = log(theta + offset) (offset 0 for
// efficiencies and sizes, 1 ms for overheads that may be 0), so steps, priors and uncertainties
// are relative. The objective is
//
//   sum_i (r_i(theta) / measurement_sigma)^2 + sum_k ((x_k - x_k shipped) / prior_sigma)^2
//
// over the parameters the data identify; the others keep their shipped values and say why.
// Pure: no I/O, no clock, no randomness; the same inputs give the same bytes.
#ifndef SUANLI_CALIB_FIT_H_
#define SUANLI_CALIB_FIT_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace suanli::calib {

struct FitParameter {
  std::string name;    // e.g. "hopper.matmul_efficiency"
  double shipped = 0;  // the value the fit starts from and is regularized toward
  double lower = 0, upper = 1;
  double offset = 0;  // x = log(theta + offset)
  // Its own prior spread instead of the problem's (a figure the catalog lacks has only a weak
  // prior from related chips).
  std::optional<double> prior_sigma;
  // Identified before the others: when the data see it and another parameter alike (an unknown
  // peak and the family's matmul efficiency), it is the one fitted and the other is held.
  bool first = false;
  // Its derivative step in x instead of 1 % of x: the same step as a parameter it multiplies
  // (0.01 for efficiencies above 0.37) makes their columns equal, so the pair is seen as one.
  std::optional<double> log_step;
};

struct FitProblem {
  std::vector<FitParameter> parameters;
  // For each measurement, the parameters it depends on (indices into `parameters`).
  std::vector<std::vector<int>> depends_on;
  // log(predicted / measured) of measurement i at the full parameter vector theta; nullopt when
  // the model refuses those values (the solver then takes a shorter step).
  std::function<std::optional<double>(int i, const std::vector<double>& theta)> log_ratio;
  // Spread of log(predicted / measured) expected from measurement noise and model error.
  double measurement_sigma = 0.05;
  // Spread of log(theta + offset) around the shipped value before any measurement.
  double prior_sigma = 0.5;
  // Refit without each measurement in turn (leave-one-out).
  bool leave_one_out = true;
};

struct ParameterFit {
  bool identified = false;
  std::string reason;     // why not, when not identified
  std::string collinear;  // the parameter it cannot be told apart from, if that is why
  // Largest |d log(prediction) / d log(theta + offset)| over the measurements, at the shipped
  // values: how strongly the data see the parameter at all.
  double max_sensitivity = 0;
  double fitted = 0;
  // One standard deviation of theta (from the covariance of the fit), when identified.
  std::optional<double> sigma;
};

struct FitResult {
  std::vector<ParameterFit> parameters;
  std::vector<double> theta;     // fitted (shipped where not identified)
  std::vector<double> before;    // log(predicted / measured) at the shipped values
  std::vector<double> after;     // at the fitted values
  std::vector<double> left_out;  // refit without measurement i, then its log ratio
  std::vector<bool> refused;     // the model could not predict measurement i at the start
  double noise_scale = 1;        // sqrt(reduced chi-square) applied to sigma, at least 1
  int iterations = 0;            // of the full fit
  bool converged = false;
};

// Derivatives are central differences (the model is not differentiable in closed form);
// steps are 1 % of x.
FitResult Fit(const FitProblem& problem);

}  // namespace suanli::calib

#endif  // SUANLI_CALIB_FIT_H_
