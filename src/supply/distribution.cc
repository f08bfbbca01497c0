#include "supply/distribution.h"

#include <fmt/format.h>

#include <cmath>

namespace suanli::supply {

double NormalQuantile(double p) {
  // Bisection on the CDF: exact to double precision, and only used for a few
  // quantiles per run.
  double lo = -40, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

double Distribution::Quantile(double p) const {
  switch (kind) {
    case Kind::kFixed:
      return a;
    case Kind::kUniform:
      return a + p * (b - a);
    case Kind::kTriangular: {
      const double fc = (b - a) > 0 ? (c - a) / (b - a) : 0;
      return p < fc ? a + std::sqrt(p * (b - a) * (c - a))
                    : b - std::sqrt((1 - p) * (b - a) * (b - c));
    }
    case Kind::kLognormal:
      return a * std::exp(c * NormalQuantile(p));
  }
  return a;
}

double Distribution::Sample(Rng& rng) const {
  switch (kind) {
    case Kind::kFixed:
      return a;
    case Kind::kLognormal:
      return a * std::exp(c * rng.Normal());
    default:
      return Quantile(rng.Uniform());
  }
}

std::string Distribution::Describe() const {
  switch (kind) {
    case Kind::kFixed:
      return fmt::format("{:g}", a);
    case Kind::kUniform:
      return fmt::format("uniform {:g}-{:g}", a, b);
    case Kind::kTriangular:
      return fmt::format("triangular {:g}/{:g}/{:g}", a, c, b);
    case Kind::kLognormal:
      return fmt::format("lognormal median {:g} sigma {:g}", a, c);
  }
  return "";
}

}  // namespace suanli::supply
