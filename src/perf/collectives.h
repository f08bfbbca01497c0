// Alpha-beta cost of collectives on a two-tier network: a scale-up domain
// (NVLink, HCCS, UB) and a scale-out network between domains.
//
// A group is described by how many of its members share one scale-up domain;
// collectives that span domains run hierarchically (reduce-scatter inside,
// exchange across, all-gather inside), each chip using its own NIC.
#ifndef SUANLI_PERF_COLLECTIVES_H_
#define SUANLI_PERF_COLLECTIVES_H_

#include "catalog/system.h"

namespace suanli::perf {

struct GroupPlacement {
  int size = 1;        // members in the group
  int per_domain = 1;  // members sharing one scale-up domain
  int domains() const { return size / per_domain; }
};

// Places a group of `size` ranks whose consecutive members are `stride`
// ranks apart, when ranks fill scale-up domains of `domain` chips in order.
GroupPlacement PlaceGroup(int size, int stride, int domain);

// Seconds for each collective. `bytes` is the full buffer per chip: the
// all-reduced buffer, the all-gather output (= reduce-scatter input), or
// the data one chip sends in an all-to-all.
double AllReduceSeconds(double bytes, const GroupPlacement& g, const catalog::System& s);
double AllGatherSeconds(double bytes, const GroupPlacement& g, const catalog::System& s);
double AllToAllSeconds(double bytes, const GroupPlacement& g, const catalog::System& s);
// An all-to-all whose per-chip traffic is already split into the bytes that
// stay inside the scale-up domain and the bytes that leave it.
double AllToAllSplitSeconds(double intra_bytes, double inter_bytes, const catalog::System& s);
// A one-sided MoE exchange inside one scale-up domain (TensorRT-LLM's NVLinkOneSided, tech blog
// 18): the dispatch writes `copies` rows of `dispatch_bytes` from a rank into its peers' memory,
// the combine reads as many rows of `combine_bytes` back, each at the tier's achievable
// bandwidth, plus the kernel pair's fixed time `fixed_us` (its time at one token a rank).
double OneSidedExchangeSeconds(double copies, double dispatch_bytes, double combine_bytes,
                               double fixed_us, const catalog::NetworkTier& t);
// One point-to-point message, inside a domain or across domains.
double PointToPointSeconds(double bytes, bool same_domain, const catalog::System& s);
// A measured low-latency token exchange across the scale-out tier (NetworkTier::moe_ll_*):
// the dispatch + combine pair of one MoE layer for a group spanning `domains` scale-up domains
// (nodes), each chip sending `inter_bytes` (both kernels) to the other domains: the pair's fixed
// time at that node count (interpolated in log2 of the nodes, held beyond the listed counts) plus
// those bytes at moe_ll_efficiency of the tier's bandwidth. Negative where the tier has none.
double LowLatencyExchangeSeconds(double inter_bytes, int domains, const catalog::NetworkTier& t);

// The low-latency MoE exchange's fixed time a MoE layer inside one scale-up domain for an expert
// group of `ranks` (NetworkTier::moe_ll_fixed_us, measured at moe_ll_fixed_ranks), us: the
// measured figure plus moe_ll_fixed_us_per_doubling for each doubling of the group beyond the
// measured size (log2 of the ratio); the measured figure at or below it.
double LowLatencyFixedUs(const catalog::NetworkTier& t, int ranks);

}  // namespace suanli::perf

#endif  // SUANLI_PERF_COLLECTIVES_H_
