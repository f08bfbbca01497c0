#include "report/localize_report.h"

#include <fmt/format.h>

#include "report/json_out.h"
#include "report/table.h"

namespace suanli::report {
namespace {

nlohmann::json PointsJson(const std::vector<supply::SharePoint>& points) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : points) {
    out.push_back({{"year", p.year},
                   {"share", p.share},
                   {"wording", p.wording},
                   {"source", p.sources},
                   {"confidence", p.confidence}});
  }
  return out;
}

std::string Pct(double x) { return fmt::format("{:.0f} %", x * 100); }

}  // namespace

std::string LocalizationJson(const supply::LocalizationResult& r) {
  nlohmann::json j;
  j["sector"] = r.sector.id;
  j["name"] = r.sector.name;
  j["metric"] = r.sector.metric;
  j["base_year"] = r.sector.base_year;
  j["base_share"] = r.sector.base_share;
  j["base_source"] = r.sector.base_sources;
  j["demand_growth"] = r.sector.demand_growth.Describe();
  j["domestic_growth"] = r.sector.domestic_growth.Describe();
  j["growth_source"] = r.sector.growth_sources;
  j["target"] = r.target;
  j["by_year"] = r.by_year;
  j["p_target_by_year"] =
      r.p_target_by_year ? nlohmann::json(Round(*r.p_target_by_year, 4)) : nullptr;
  j["samples"] = r.samples;
  j["seed"] = r.seed;
  nlohmann::json years = nlohmann::json::array();
  for (const auto& y : r.years) {
    years.push_back({{"year", y.year},
                     {"share_p10", Round(y.p10, 4)},
                     {"share_p50", Round(y.p50, 4)},
                     {"share_p90", Round(y.p90, 4)},
                     {"share_mean", Round(y.mean, 4)},
                     {"p_reach_target", Round(y.p_reach_target, 4)}});
  }
  j["years"] = years;
  j["observations"] = PointsJson(r.sector.observations);
  j["projections"] = PointsJson(r.sector.projections);
  return Dump(j);
}

std::string LocalizationText(const supply::LocalizationResult& r) {
  std::string out =
      fmt::format("{}: P({} domestic by {}) = {:.0f} %; P50 share in {} is {}\n", r.sector.name,
                  Pct(r.target), r.by_year, r.p_target_by_year.value_or(0) * 100, r.by_year, [&] {
                    for (const auto& y : r.years) {
                      if (y.year == r.by_year) return Pct(y.p50);
                    }
                    return std::string("-");
                  }());
  out += fmt::format(
      "metric: {}; from {} in {} [{}]; domestic supply grows {} a year, demand {} ({} samples)\n\n",
      r.sector.metric, Pct(r.sector.base_share), r.sector.base_year,
      fmt::join(r.sector.base_sources, ","), r.sector.domestic_growth.Describe(),
      r.sector.demand_growth.Describe(), r.samples);
  Table t({"year", "P10", "P50", "P90", "P(reached target)", "published"});
  for (const auto& y : r.years) {
    std::string published;
    for (const auto& set : {&r.sector.observations, &r.sector.projections}) {
      for (const auto& p : *set) {
        if (p.year != y.year) continue;
        if (!published.empty()) published += "; ";
        published += Pct(p.share) + " " + p.wording + " [" +
                     fmt::format("{}", fmt::join(p.sources, ",")) + "]";
      }
    }
    t.AddRow({std::to_string(y.year), Pct(y.p10), Pct(y.p50), Pct(y.p90), Pct(y.p_reach_target),
              published.empty() ? "-" : published});
  }
  return out + t.Render();
}

}  // namespace suanli::report
