#include "perf/power.h"

#include <algorithm>
#include <cmath>

#include "catalog/catalog.h"

namespace suanli::perf {

Result<double> ComputeClockFraction(const catalog::Chip& chip,
                                    const catalog::FamilyCalibration& cal,
                                    std::optional<double> cap) {
  const double ratio = chip.gemm_clock_ratio.known() ? *chip.gemm_clock_ratio.value : 1.0;
  if (!cap) return ratio;
  if (auto ok = catalog::CheckPowerCap(chip, cal, *cap); !ok) return tl::unexpected(ok.error());
  const double tdp = *chip.tdp_w.value;
  const double static_w = cal.static_power_fraction * tdp;
  return ratio * std::pow((*cap - static_w) / (tdp - static_w), 1.0 / cal.dvfs_power_exponent);
}

void TightenPowerCap(catalog::System& system, double cap_w) {
  system.power_cap_w = system.power_cap_w ? std::min(*system.power_cap_w, cap_w) : cap_w;
}

}  // namespace suanli::perf
