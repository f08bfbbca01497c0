#include "perf/power.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace suanli::perf {

Result<double> PowerCapClockFraction(const catalog::Chip& chip,
                                     const catalog::FamilyCalibration& cal,
                                     std::optional<double> cap) {
  if (!cap) return 1.0;
  const double cap_w = *cap;
  if (!(cap_w > 0) || !std::isfinite(cap_w)) {
    return MakeError("power cap must be a positive number of watts");
  }
  if (!chip.tdp_w.known()) {
    return MakeError("chip '" + chip.id +
                     "': tdp_w is unknown in the catalog, so a power cap cannot be modelled; "
                     "add it with --catalog");
  }
  const double tdp = *chip.tdp_w.value;
  if (cap_w > tdp) {
    return MakeError(
        fmt::format("power cap {:g} W is above the {:g} W TDP of chip '{}'; a cap can only "
                    "lower power",
                    cap_w, tdp, chip.id));
  }
  const double static_w = cal.static_power_fraction * tdp;
  if (cap_w <= static_w) {
    return MakeError(
        fmt::format("power cap {:g} W is at or below the static power of chip '{}' (about "
                    "{:.0f} W); it would not run",
                    cap_w, chip.id, static_w));
  }
  return std::pow((cap_w - static_w) / (tdp - static_w), 1.0 / cal.dvfs_power_exponent);
}

void TightenPowerCap(catalog::System& system, double cap_w) {
  system.power_cap_w = system.power_cap_w ? std::min(*system.power_cap_w, cap_w) : cap_w;
}

}  // namespace suanli::perf
