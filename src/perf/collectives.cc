#include "perf/collectives.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace suanli::perf {
namespace {

constexpr double kGB = 1e9;
constexpr double kUs = 1e-6;

double Bandwidth(const catalog::NetworkTier& t) { return t.bandwidth_gb_s * kGB * t.efficiency; }

// Ring reduce-scatter or all-gather over n members of one tier.
double RingGather(double bytes, int n, const catalog::NetworkTier& t) {
  if (n <= 1) return 0;
  return (n - 1.0) / n * bytes / Bandwidth(t) + (n - 1) * t.latency_us * kUs;
}

}  // namespace

GroupPlacement PlaceGroup(int size, int stride, int domain) {
  GroupPlacement g;
  g.size = std::max(1, size);
  if (stride >= domain) {
    g.per_domain = 1;
  } else {
    g.per_domain = std::max(1, std::min(g.size, domain / std::max(1, stride)));
    while (g.size % g.per_domain != 0) --g.per_domain;  // uneven splits: be conservative
  }
  return g;
}

double AllGatherSeconds(double bytes, const GroupPlacement& g, const catalog::System& s) {
  const int d = g.per_domain;
  const int k = g.domains();
  // Across domains each of the d members moves its 1/d share in parallel.
  return RingGather(bytes, d, s.scale_up) + RingGather(bytes / d, k, s.scale_out);
}

double AllReduceSeconds(double bytes, const GroupPlacement& g, const catalog::System& s) {
  return 2 * AllGatherSeconds(bytes, g, s);
}

double AllToAllSeconds(double bytes, const GroupPlacement& g, const catalog::System& s) {
  if (g.size <= 1) return 0;
  const double n = g.size;
  return AllToAllSplitSeconds(bytes * (g.per_domain - 1) / n, bytes * (n - g.per_domain) / n, s);
}

double AllToAllSplitSeconds(double intra, double inter, const catalog::System& s) {
  double t = 0;
  if (intra > 0) t = std::max(t, intra / Bandwidth(s.scale_up) + s.scale_up.latency_us * kUs);
  if (inter > 0) t = std::max(t, inter / Bandwidth(s.scale_out) + s.scale_out.latency_us * kUs);
  return t;
}

double OneSidedExchangeSeconds(double copies, double dispatch_bytes, double combine_bytes,
                               double fixed_us, const catalog::NetworkTier& t) {
  return copies * (dispatch_bytes + combine_bytes) / Bandwidth(t) + fixed_us * kUs;
}

double PointToPointSeconds(double bytes, bool same_domain, const catalog::System& s) {
  const catalog::NetworkTier& t = same_domain ? s.scale_up : s.scale_out;
  return bytes / Bandwidth(t) + t.latency_us * kUs;
}

double LowLatencyExchangeSeconds(double inter_bytes, int domains, const catalog::NetworkTier& t) {
  if (t.moe_ll_layer_us.empty() || t.moe_ll_efficiency <= 0 || domains < 2) return -1;
  const auto& table = t.moe_ll_layer_us;
  double fixed_us = table.begin()->second;
  if (domains >= table.rbegin()->first) {
    fixed_us = table.rbegin()->second;
  } else if (domains > table.begin()->first) {
    const auto hi = table.lower_bound(domains);
    const auto lo = std::prev(hi);
    const double f =
        (std::log2(domains) - std::log2(lo->first)) / (std::log2(hi->first) - std::log2(lo->first));
    fixed_us = lo->second + f * (hi->second - lo->second);
  }
  return fixed_us * kUs + inter_bytes / (t.bandwidth_gb_s * kGB * t.moe_ll_efficiency);
}

double LowLatencyFixedUs(const catalog::NetworkTier& t, int ranks) {
  if (t.moe_ll_fixed_ranks <= 0 || ranks <= t.moe_ll_fixed_ranks) return t.moe_ll_fixed_us;
  return t.moe_ll_fixed_us + t.moe_ll_fixed_us_per_doubling *
                                 std::log2(static_cast<double>(ranks) / t.moe_ll_fixed_ranks);
}

}  // namespace suanli::perf
