#include "core/stats.h"

#include <algorithm>
#include <cmath>

namespace suanli {

double QuantileOfSorted(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t n = sorted.size();
  const size_t rank = static_cast<size_t>(std::ceil(p * n));
  return sorted[std::min(n - 1, rank > 0 ? rank - 1 : 0)];
}

double Quantile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return QuantileOfSorted(values, p);
}

}  // namespace suanli
