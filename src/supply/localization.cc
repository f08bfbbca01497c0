#include "supply/localization.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/rng.h"
#include "core/stats.h"
#include "core/text.h"
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

constexpr int kMaxYearsAhead = 50;
constexpr int kMaxSamples = 10'000'000;
constexpr long long kMaxValues = 100'000'000;

// Whether every value the distribution can draw is a growth rate above -1
// (a yearly fall of 100 % or more empties the supply or divides by zero).
bool GrowthAboveMinusOne(const Distribution& d) {
  if (!std::isfinite(d.a) || !std::isfinite(d.b) || !std::isfinite(d.c)) return false;
  switch (d.kind) {
    case Distribution::Kind::kLognormal:
      return d.a > 0;  // a positive median times exp(sigma z) stays positive
    case Distribution::Kind::kFixed:
      return d.a > -1;
    default:
      return std::min(d.a, d.b) > -1;  // uniform [a, b], triangular with min a
  }
}

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
  // Looked up as catalog ids are: "AI_Accelerators" finds ai-accelerators.
  const std::string key = NormalizeId(id);
  std::vector<std::string> ids;
  for (const auto& s : *sectors) {
    if (s.id == key) return s;
    ids.push_back(s.id);
  }
  const std::vector<std::string> nearest = NearestNames(key, ids);
  return MakeError("unknown sector '" + std::string(id) + "'; nearest: " + JoinOr(nearest) +
                   (nearest.size() < ids.size() ? " (all: " + JoinOr(ids) + ")" : ""));
}

Result<LocalizationResult> ProjectLocalization(const Sector& s, int last_year, double target,
                                               int by_year, int samples, uint64_t seed) {
  const std::string base = std::to_string(s.base_year);
  if (last_year <= s.base_year || last_year > s.base_year + kMaxYearsAhead) {
    return MakeError(std::to_string(last_year) + " is out of range; expected a year " +
                         "after the sector's base year " + base + " and at most " +
                         std::to_string(s.base_year + kMaxYearsAhead),
                     "", 0, "until");
  }
  if (!(target > 0 && target <= 1)) {
    return MakeError(fmt::format("{:g}", target) +
                         " is not a share; expected a number in (0, 1], e.g. 1.0 or 100 % for all",
                     "", 0, "target");
  }
  if (by_year <= s.base_year || by_year > last_year) {
    return MakeError(std::to_string(by_year) + " is out of range; expected a year from " +
                         std::to_string(s.base_year + 1) + " (after the base year " + base +
                         ") to the last year projected (until), " + std::to_string(last_year),
                     "", 0, "by");
  }
  if (samples < 1 || samples > kMaxSamples) {
    return MakeError(std::to_string(samples) + " is out of range; expected 1 to 10,000,000", "", 0,
                     "samples");
  }
  const int years = last_year - s.base_year + 1;
  // Every sample's share is kept per year for the quantiles: 8 bytes each.
  if (static_cast<long long>(samples) * years > kMaxValues) {
    return MakeError(std::to_string(samples) + " over " + std::to_string(years) + " years is " +
                         std::to_string(static_cast<long long>(samples) * years) +
                         " sampled shares; expected at most 100,000,000 (samples x years, 800 "
                         "MB): use fewer samples or an earlier until",
                     "", 0, "samples");
  }
  if (!(s.base_share >= 0 && s.base_share <= 1)) {
    return MakeError("sector " + s.id + ": base_share " + fmt::format("{:g}", s.base_share) +
                     " is not a share; expected a number in [0, 1]");
  }
  const std::pair<const char*, const Distribution*> growths[] = {
      {"demand_growth", &s.demand_growth}, {"domestic_growth", &s.domestic_growth}};
  for (const auto& [name, d] : growths) {
    if (!GrowthAboveMinusOne(*d)) {
      return MakeError("sector " + s.id + ": " + name + " " + d->Describe() +
                       " can fall to -100 % or below; expected yearly growth rates above -1");
    }
  }
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
