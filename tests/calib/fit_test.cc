#include "calib/fit.h"

#include <gtest/gtest.h>

#include <cmath>

namespace suanli::calib {
namespace {

// A model whose prediction is inversely proportional to the parameter (like a time against an
// efficiency): log(predicted / measured) = d_i - log(theta). The fit is then linear in
// x = log(theta) and can be done by hand.
FitProblem Linear(std::vector<double> d, double shipped) {
  FitProblem p;
  p.parameters = {{"f.matmul_efficiency", shipped, 0.02, 10, 0}};
  for (size_t i = 0; i < d.size(); ++i) p.depends_on.push_back({0});
  p.log_ratio = [d](int i, const std::vector<double>& theta) -> std::optional<double> {
    return d[i] - std::log(theta[0]);
  };
  return p;
}

TEST(Fit, LeaveOneOutMatchesHandComputation) {
  // Three measurements, d = log(k_i / measured_i) = 0.10, -0.05, 0.20, shipped theta 0.5.
  const std::vector<double> d = {0.10, -0.05, 0.20};
  const double x0 = std::log(0.5);
  auto problem = Linear(d, 0.5);
  problem.measurement_sigma = 0.05;
  problem.prior_sigma = 0.5;
  const FitResult r = Fit(problem);
  ASSERT_TRUE(r.parameters[0].identified);
  // Minimizing sum ((d_i - x) / 0.05)^2 + ((x - x0) / 0.5)^2:
  //   x* = (sum d_i / 0.05^2 + x0 / 0.5^2) / (n / 0.05^2 + 1 / 0.5^2)
  //      = (0.25 * 400 + x0 * 4) / (3 * 400 + 4) = (100 + 4 x0) / 1204.
  const double x_all = (100 + 4 * x0) / 1204;
  EXPECT_NEAR(r.theta[0], std::exp(x_all), 1e-6);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(r.after[i], d[i] - x_all, 1e-6);
  // Without measurement i: x = (sum_{j != i} d_j * 400 + 4 x0) / (2 * 400 + 4); the held-out
  // log ratio is d_i - x.
  //   i = 0: (-0.05 + 0.20) * 400 = 60;  i = 1: (0.10 + 0.20) * 400 = 120;
  //   i = 2: (0.10 - 0.05) * 400 = 20.
  const double sums[3] = {60, 120, 20};
  for (int i = 0; i < 3; ++i) {
    const double x_without = (sums[i] + 4 * x0) / 804;
    EXPECT_NEAR(r.left_out[i], d[i] - x_without, 1e-6) << i;
  }
  // The covariance of x is 1 / (1204) in these units (noise scale: the scatter of
  // d around x* is below 5 %, so no widening); theta's sigma is theta * sigma_x.
  double chi2 = 0;
  for (double v : d) chi2 += std::pow((v - x_all) / 0.05, 2);
  const double scale = std::max(1.0, std::sqrt(chi2 / 2));
  EXPECT_NEAR(r.noise_scale, scale, 1e-6);
  ASSERT_TRUE(r.parameters[0].sigma);
  EXPECT_NEAR(*r.parameters[0].sigma, std::exp(x_all) / std::sqrt(1204.0) * scale, 1e-6);
}

TEST(Fit, ParameterNoMeasurementDependsOnIsNotIdentified) {
  FitProblem p = Linear({0.1, 0.2}, 0.5);
  p.parameters.push_back({"f.memory_efficiency", 0.7, 0.02, 1, 0});
  for (auto& deps : p.depends_on) deps.push_back(1);
  const FitResult r = Fit(p);
  EXPECT_TRUE(r.parameters[0].identified);
  EXPECT_FALSE(r.parameters[1].identified);
  EXPECT_EQ(r.parameters[1].max_sensitivity, 0);
  EXPECT_EQ(r.theta[1], 0.7);  // kept at the shipped value
}

TEST(Fit, TwoParametersWithTheSameEffectAreNotBothFitted) {
  // prediction ~ 1 / (a * b): the data see only the product.
  FitProblem p;
  p.parameters = {{"f.a", 0.5, 0.02, 1, 0}, {"f.b", 0.6, 0.02, 1, 0}};
  const std::vector<double> d = {0.1, 0.15, 0.05};
  for (size_t i = 0; i < d.size(); ++i) p.depends_on.push_back({0, 1});
  p.log_ratio = [d](int i, const std::vector<double>& theta) -> std::optional<double> {
    return d[i] - std::log(theta[0]) - std::log(theta[1]);
  };
  const FitResult r = Fit(p);
  EXPECT_NE(r.parameters[0].identified, r.parameters[1].identified);
  const auto& left = r.parameters[0].identified ? r.parameters[1] : r.parameters[0];
  EXPECT_FALSE(left.collinear.empty());
}

TEST(Fit, SameInputsSameResult) {
  auto a = Fit(Linear({0.1, -0.2, 0.05, 0.3}, 0.6));
  auto b = Fit(Linear({0.1, -0.2, 0.05, 0.3}, 0.6));
  EXPECT_EQ(a.theta, b.theta);
  EXPECT_EQ(a.left_out, b.left_out);
}

TEST(Fit, BoundsHold) {
  // The data want theta = exp(3) = 20 > 10: the fit stops at the upper bound.
  const FitResult r = Fit(Linear({3, 3, 3}, 0.5));
  EXPECT_LE(r.theta[0], 10 + 1e-9);
  EXPECT_GT(r.theta[0], 9.9);
}

}  // namespace
}  // namespace suanli::calib
