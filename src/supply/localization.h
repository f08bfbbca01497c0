// Domestic self-sufficiency trajectories: a sector's domestic share of chip
// supply grows with domestic output against demand, each growing at an
// uncertain yearly rate; the share is capped at 1.
#ifndef SUANLI_SUPPLY_LOCALIZATION_H_
#define SUANLI_SUPPLY_LOCALIZATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "supply/distribution.h"

namespace suanli::supply {

struct SharePoint {
  int year = 0;
  double share = 0;
  std::string wording;  // as published
  std::vector<std::string> sources;
  std::string confidence;
};

struct Sector {
  std::string id;
  std::string name;
  std::string metric;
  int base_year = 0;
  double base_share = 0;
  std::vector<std::string> base_sources;
  Distribution demand_growth;    // per year
  Distribution domestic_growth;  // per year
  std::vector<std::string> growth_sources;
  std::vector<SharePoint> observations;
  std::vector<SharePoint> projections;
};

// The sectors compiled into the binary (data/localization.yaml).
Result<std::vector<Sector>> BuiltinSectors();
// A built-in sector by id (case, '_' and ' ' ignored); unknown ids get an
// error naming the nearest ones.
Result<Sector> FindSector(std::string_view id);

struct YearShare {
  int year = 0;
  double p10 = 0, p50 = 0, p90 = 0, mean = 0;
  double p_reach_target = 0;  // share >= target in this year or before
};

struct LocalizationResult {
  Sector sector;
  double target = 1;
  int samples = 0;
  uint64_t seed = 0;
  std::vector<YearShare> years;
  std::optional<double> p_target_by_year;  // P(share >= target by `by_year`)
  int by_year = 0;
};

// Samples the growth rates once per sample (a level, as analysts' scenarios
// are) and compounds them year by year to `last_year`: share(y) =
// min(1, base_share x ((1 + domestic) / (1 + demand))^(y - base_year)).
// Errors (worded for the CLI flags) for `last_year` not in (base_year,
// base_year + 50], `target` not in (0, 1], `by_year` not in (base_year,
// last_year], `samples` not in [1, 10^7] or samples x years above 10^8, a
// base share outside [0, 1] and growth that can reach -100 %.
Result<LocalizationResult> ProjectLocalization(const Sector& s, int last_year, double target,
                                               int by_year, int samples, uint64_t seed);

}  // namespace suanli::supply

#endif  // SUANLI_SUPPLY_LOCALIZATION_H_
