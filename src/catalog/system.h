// Systems: how chips are packaged into nodes and scale-up domains, and the
// networks their collectives run over.
#ifndef SUANLI_CATALOG_SYSTEM_H_
#define SUANLI_CATALOG_SYSTEM_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace suanli::catalog {

// One network tier for the alpha-beta collective model.
struct NetworkTier {
  double bandwidth_gb_s = 0;  // per chip, one direction, GB/s (1e9 B/s)
  double latency_us = 0;      // per collective step
  double efficiency = 1;      // achievable fraction of bandwidth for large transfers
  // The switch reduces in the network (NVLink SHARP, "NVLS", on third-generation NVSwitch and
  // later): an all-reduce sends each chip's buffer into the switch once and gets the sum back.
  bool in_network_reduction = false;
  // Achievable fraction of bandwidth_gb_s through that in-switch reduction at prefill-sized
  // messages, where it is measured below the tier's `efficiency` (NCCL's NVLS all-reduce on
  // Hopper's third-generation NVSwitch); unset: `efficiency`.
  std::optional<double> in_network_efficiency;
  // Ranks of the collective library per chip: a package whose dies are separate devices to it
  // (the Ascend 910C's two dies, each its own HCCL rank).
  int ranks_per_chip = 1;
  // Where the serving engines on this system reduce through the collective library (no one-shot
  // kernel of their own, as on Ascend's HCCL): the latency of one step of a decode-sized
  // all-reduce, which takes 2 (n - 1) steps over n ranks. 0: the engines' own kernels.
  double allreduce_step_us = 0;
  // Measured per-rank rates of the low-latency MoE token exchange kernels on this system, which
  // decode tokens take (tokens x hidden x top_k bytes a rank over the kernel's time, as DeepEP
  // reports them). 0: the alpha-beta all-to-all.
  double moe_dispatch_gb_s = 0;
  double moe_combine_gb_s = 0;
  // Measured low-latency MoE token exchange across this tier (a scale-out tier: DeepEP's
  // low-latency dispatch and combine between nodes), which decode-only steps take: the kernel
  // pair's fixed time a MoE layer by the expert group's node count (interpolated in log2 of the
  // nodes between the listed counts, held beyond them), and the share of bandwidth_gb_s the
  // copies to other nodes reach. Empty: the alpha-beta all-to-all.
  std::map<int, double> moe_ll_layer_us;
  double moe_ll_efficiency = 0;
  // Measured low-latency MoE token exchange inside this tier (a scale-up tier: DeepEP's
  // low-latency dispatch and combine over NVLink, SGLang's wide-EP decode): the kernel pair's
  // fixed time a MoE layer, us, which decode-only steps of an attention-DP expert group inside one
  // domain pay besides the copies at the tier's achievable bandwidth. 0: the alpha-beta
  // all-to-all.
  double moe_ll_fixed_us = 0;
  // The expert group size that fixed time was measured at (ranks; 0: held at every size), and its
  // growth a doubling of the group beyond it, us: the kernel pair waits on every peer's tokens and
  // signals through the switch fabric, and NVLink all-to-all kernels measured across group sizes
  // in one domain grow by a near-constant time each doubling (log2 of the ranks). Smaller groups
  // keep the measured figure.
  int moe_ll_fixed_ranks = 0;
  double moe_ll_fixed_us_per_doubling = 0;
};

struct System {
  std::string id;
  std::string name;
  std::string chip;  // chip id
  int chips_per_node = 8;
  int scale_up_domain = 8;  // chips sharing the scale-up network
  NetworkTier scale_up;
  NetworkTier scale_out;
  // Power limit the operator sets per chip, W; none: the chip's TDP.
  std::optional<double> power_cap_w;
  // The host's DRAM bandwidth, GB/s for the whole node (every CPU socket's channels at their
  // rated transfer rate): what an optimizer step run on the host CPU (DeepSpeed's ZeRO-Offload)
  // streams its state through, shared by the node's chips. None: unknown.
  std::optional<double> host_memory_gb_s;
  std::vector<std::string> sources;
  std::string notes;
};

}  // namespace suanli::catalog

#endif  // SUANLI_CATALOG_SYSTEM_H_
