// Uncertain quantities: fixed, uniform, triangular, lognormal.
#ifndef SUANLI_SUPPLY_DISTRIBUTION_H_
#define SUANLI_SUPPLY_DISTRIBUTION_H_

#include <string>

#include "core/rng.h"

namespace suanli::supply {

struct Distribution {
  enum class Kind { kFixed, kUniform, kTriangular, kLognormal };
  Kind kind = Kind::kFixed;
  // fixed: a; uniform: [a, b]; triangular: a (min), c (mode), b (max);
  // lognormal: a = median, c = sigma of the log.
  double a = 0, b = 0, c = 0;

  static Distribution Fixed(double v) { return {Kind::kFixed, v, v, v}; }
  double Sample(Rng& rng) const;
  // Inverse CDF at p in (0, 1).
  double Quantile(double p) const;
  std::string Describe() const;
};

// Standard normal inverse CDF.
double NormalQuantile(double p);

}  // namespace suanli::supply

#endif  // SUANLI_SUPPLY_DISTRIBUTION_H_
