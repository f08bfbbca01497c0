// forecast and localize: the Monte Carlo questions.
#include <filesystem>

#include "app/engine.h"
#include "app/internal.h"
#include "catalog/catalog.h"
#include "core/atomic_file.h"
#include "plan/forecast.h"
#include "report/forecast_report.h"
#include "report/html_report.h"
#include "report/localize_report.h"
#include "supply/localization.h"
#include "supply/scenario.h"

namespace suanli::app {

using internal::FieldError;
using internal::WithField;

namespace {

constexpr int kMaxSamples = 1'000'000;

}  // namespace

Result<Output> Engine::Forecast(const ForecastRequest& r, const RunContext& c) const {
  Output out;
  if (r.list) {
    out.body = c.format == Format::kJson ? report::ScenarioListJson(Scenarios())
                                         : report::ScenarioListText(Scenarios());
    return out;
  }
  if (r.samples < 1 || r.samples > kMaxSamples) {
    return tl::unexpected(
        FieldError("samples", "must be between 1 and " + std::to_string(kMaxSamples)));
  }
  Result<supply::Scenario> scenario = [&]() -> Result<supply::Scenario> {
    if (!r.scenario_yaml.empty()) return supply::ParseScenario(r.scenario_yaml, "scenario_yaml");
    std::error_code ec;
    const bool looks_like_file = r.scenario.find('/') != std::string::npos ||
                                 r.scenario.find(".yaml") != std::string::npos ||
                                 r.scenario.find(".yml") != std::string::npos;
    if (looks_like_file || std::filesystem::is_regular_file(r.scenario, ec)) {
      auto path = RequestPath(r.scenario, "scenario");
      if (!path) return tl::unexpected(path.error());
      if (!std::filesystem::is_regular_file(*path, ec)) {
        return MakeError("scenario file not found", r.scenario, 0, "");
      }
      auto text = internal::ReadRequestFile(*path, options_.max_file_bytes, "scenario");
      if (!text) return tl::unexpected(text.error());
      return supply::ParseScenario(*text, r.scenario);
    }
    return WithField(supply::BuiltinScenario(r.scenario), "scenario");
  }();
  if (!scenario) return tl::unexpected(scenario.error());

  plan::ForecastOptions options;
  options.samples = r.samples;
  options.seed = r.seed;
  options.sensitivity = !r.no_sensitivity;
  options.purchase_advice = !r.no_purchase_advice;
  if (c.progress) {
    options.progress = [&c](long done, long total) { c.progress("sampling", done, total); };
  }
  auto forecast = plan::RunForecast(*scenario, *catalog_, options);
  if (!forecast) return tl::unexpected(forecast.error());
  if (!r.report.empty()) out.files.push_back({r.report, report::ForecastHtml(*forecast)});
  if (!r.csv.empty()) {
    for (auto& [name, content] : report::ForecastCsv(*forecast)) {
      out.files.push_back(
          {(std::filesystem::path(r.csv) / name).string(), std::move(content), true});
    }
  }
  out.body =
      c.format == Format::kJson ? report::ForecastJson(*forecast) : report::ForecastText(*forecast);
  return out;
}

Result<Output> Engine::ScenarioText(const std::string& name, const RunContext& c) {
  auto text = WithField(supply::BuiltinScenarioText(name), "scenario");
  if (!text) return tl::unexpected(text.error());
  Output out;
  out.body = c.format == Format::kJson ? report::ScenarioYamlJson(name, *text) : *text;
  return out;
}

Result<Output> Engine::Localize(const LocalizeRequest& r, const RunContext& c) const {
  auto sector = WithField(supply::FindSector(r.sector), "sector");
  if (!sector) return tl::unexpected(sector.error());
  auto result = supply::ProjectLocalization(*sector, r.until, r.target, r.by, r.samples, r.seed);
  if (!result) return tl::unexpected(result.error());
  Output out;
  out.body = c.format == Format::kJson ? report::LocalizationJson(*result)
                                       : report::LocalizationText(*result);
  return out;
}

}  // namespace suanli::app
