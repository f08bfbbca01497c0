// Small statistics shared by the Monte Carlo and replay reports.
#ifndef SUANLI_CORE_STATS_H_
#define SUANLI_CORE_STATS_H_

#include <vector>

namespace suanli {

// Nearest-rank quantile of sorted values, p in [0, 1]; 0 for no values.
double QuantileOfSorted(const std::vector<double>& sorted, double p);
// The same on unsorted values (sorts a copy).
double Quantile(std::vector<double> values, double p);

}  // namespace suanli

#endif  // SUANLI_CORE_STATS_H_
