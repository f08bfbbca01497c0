// Monte Carlo samples of the fleet: the chips on hand in every period, given
// the scenario's uncertain deliveries and events.
#ifndef SUANLI_SUPPLY_SAMPLER_H_
#define SUANLI_SUPPLY_SAMPLER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "supply/scenario.h"

namespace suanli::supply {

// One uncertain thing the forecast's sensitivity analysis can pin down.
struct Factor {
  enum class Kind { kInput, kDelivery, kEvent };
  Kind kind;
  std::string key;    // "input:NAME", "delivery:N", "event:NAME"
  std::string label;  // for tables
};
std::vector<Factor> ListFactors(const Scenario& s);

// Pins factors instead of sampling them (sensitivity), and adds chips at the
// start (purchase advice).
struct Overrides {
  std::map<std::string, double> quantile;     // input/delivery key -> p in (0, 1)
  std::map<std::string, bool> happens;        // event key -> fired or not
  std::map<std::string, double> extra_chips;  // chip id -> added in period 0
};

struct FleetSample {
  std::vector<std::string> chips;              // column order (Scenario::ChipIds)
  std::vector<std::vector<double>> available;  // [period][chip], chips on hand
  std::vector<std::string> events_fired;
};

// Sample `index` of the stream `seed`: the same (seed, index) gives the same
// fleet whatever else runs, so scenarios that differ by an override compare
// sample by sample (common random numbers).
FleetSample SampleFleet(const Scenario& s, uint64_t seed, uint64_t index,
                        const Overrides& overrides = {});

}  // namespace suanli::supply

#endif  // SUANLI_SUPPLY_SAMPLER_H_
