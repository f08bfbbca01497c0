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
// One point-to-point message, inside a domain or across domains.
double PointToPointSeconds(double bytes, bool same_domain, const catalog::System& s);

}  // namespace suanli::perf

#endif  // SUANLI_PERF_COLLECTIVES_H_
