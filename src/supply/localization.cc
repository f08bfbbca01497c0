#include "supply/localization.h"

#include <algorithm>
#include <cmath>

#include "core/rng.h"
#include "core/stats.h"
#include "supply/builtin_localization.h"
#include "supply/supply_reader.h"

namespace suanli::supply {
namespace {

class SectorLoader : public SupplyReader {
 public:
  explicit SectorLoader(std::string file) : SupplyReader(std::move(file)) {}

  std::vector<Sector> Load(std::string_view text) {
    const YAML::Node root = Parse(text);
    if (!root.IsMap()) Fail("expected a mapping with sectors", root, "");
    CheckKeys(root, "", {"sectors"});
    std::vector<Sector> out;
    ForEach(root["sectors"], "sectors", [&](const YAML::Node& n, const std::string& p) {
      CheckKeys(n, p,
                {"id", "name", "metric", "base_year", "base_share", "base_source", "demand_growth",
                 "demand_growth_source", "domestic_growth", "domestic_growth_source",
                 "observations", "projections"});
      Sector s;
      s.id = Text(n, "id", p, true);
      s.name = Text(n, "name", p, true);
      s.metric = Text(n, "metric", p, false);
      s.base_year = Int(n, "base_year", p, 1990, 2100);
      s.base_share = Num(n, "base_share", p, 0, 1);
      s.base_sources = Strings(n, "base_source", p);
      s.demand_growth = Dist(n, "demand_growth", p);
      s.domestic_growth = Dist(n, "domestic_growth", p);
      for (const char* key : {"demand_growth_source", "domestic_growth_source"}) {
        for (auto& id : Strings(n, key, p)) s.growth_sources.push_back(id);
      }
      s.observations = Points(n, "observations", p);
      s.projections = Points(n, "projections", p);
      out.push_back(std::move(s));
    });
    return out;
  }

 private:
  std::vector<SharePoint> Points(const YAML::Node& map, const char* key,
                                 const std::string& parent) {
    std::vector<SharePoint> out;
    if (!map[key]) return out;
    ForEach(map[key], Join(parent, key), [&](const YAML::Node& n, const std::string& p) {
      CheckKeys(n, p, {"year", "share", "wording", "source", "confidence"});
      out.push_back({Int(n, "year", p, 1990, 2100), Num(n, "share", p, 0, 1),
                     Text(n, "wording", p, true), Strings(n, "source", p),
                     Text(n, "confidence", p, false)});
    });
    return out;
  }
};

}  // namespace

Result<std::vector<Sector>> BuiltinSectors() {
  const auto& files = BuiltinLocalizationFiles();
  if (files.empty()) return MakeError("no localization data compiled in");
  try {
    return SectorLoader("builtin:" + std::string(files[0].name)).Load(files[0].content);
  } catch (const YamlFailure& f) {
    return tl::unexpected(f.error);
  }
}

Result<Sector> FindSector(std::string_view id) {
  auto sectors = BuiltinSectors();
  if (!sectors) return tl::unexpected(sectors.error());
  std::vector<std::string> ids;
  for (const auto& s : *sectors) {
    if (s.id == id) return s;
    ids.push_back(s.id);
  }
  return MakeError("unknown sector '" + std::string(id) + "'; expected " + JoinOr(ids));
}

Result<LocalizationResult> ProjectLocalization(const Sector& s, int last_year, double target,
                                               int by_year, int samples, uint64_t seed) {
  if (last_year <= s.base_year || last_year > s.base_year + 50) {
    return MakeError("--until must be after " + std::to_string(s.base_year) +
                     " and within 50 years");
  }
  if (!(target > 0 && target <= 1)) return MakeError("--target must be a share in (0, 1]");
  if (by_year <= s.base_year || by_year > last_year) {
    return MakeError("--by must be between " + std::to_string(s.base_year + 1) + " and --until " +
                     std::to_string(last_year));
  }
  if (samples < 1 || samples > 10'000'000)
    return MakeError("--samples must be between 1 and 10,000,000");
  const int years = last_year - s.base_year + 1;
  std::vector<std::vector<double>> share(years, std::vector<double>(samples));
  std::vector<std::vector<bool>> reached(years, std::vector<bool>(samples, false));
  for (int i = 0; i < samples; ++i) {
    Rng rng(seed, static_cast<uint64_t>(i));
    const double gd = s.domestic_growth.Sample(rng);
    const double gD = s.demand_growth.Sample(rng);
    double x = s.base_share;
    bool hit = x >= target - 1e-12;
    for (int y = 0; y < years; ++y) {
      if (y > 0) x = std::min(1.0, x * (1 + gd) / (1 + gD));
      hit = hit || x >= target - 1e-12;
      share[y][i] = x;
      reached[y][i] = hit;
    }
  }
  LocalizationResult r;
  r.sector = s;
  r.target = target;
  r.samples = samples;
  r.seed = seed;
  r.by_year = by_year;
  for (int y = 0; y < years; ++y) {
    std::vector<double> v = share[y];
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    const long hits = std::count(reached[y].begin(), reached[y].end(), true);
    r.years.push_back({s.base_year + y, QuantileOfSorted(v, 0.1), QuantileOfSorted(v, 0.5),
                       QuantileOfSorted(v, 0.9), sum / samples,
                       static_cast<double>(hits) / samples});
    if (s.base_year + y == by_year) r.p_target_by_year = r.years.back().p_reach_target;
  }
  return r;
}

}  // namespace suanli::supply
