// forecast and localize: the Monte Carlo questions.
#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "app/engine.h"
#include "app/internal.h"
#include "catalog/catalog.h"
#include "core/atomic_file.h"
#include "core/text.h"
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

// An error in the what-if scenario belongs to `compare`, or to `set` when settings made it: the
// scenario field it names stays in the message.
Error AlternativeError(Error e, bool from_compare) {
  if (!from_compare && !e.field.empty()) e.message = e.field + ": " + e.message;
  if (!from_compare || e.field.empty()) e.field = from_compare ? "compare" : "set";
  return e;
}

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
  // The scenario's text: inline, a file, or a built-in; `field` names the request field.
  auto scenario_text = [&](const std::string& name, const std::string& field)
      -> Result<std::pair<std::string, std::string>> {  // (text, file name for messages)
    std::error_code ec;
    const bool looks_like_file = name.find('/') != std::string::npos ||
                                 name.find(".yaml") != std::string::npos ||
                                 name.find(".yml") != std::string::npos;
    if (looks_like_file || std::filesystem::is_regular_file(name, ec)) {
      auto path = RequestPath(name, field);
      if (!path) return tl::unexpected(path.error());
      if (!std::filesystem::is_regular_file(*path, ec)) {
        return MakeError("scenario file not found", name, 0, "");
      }
      out.inputs.push_back(*path);
      auto text = internal::ReadRequestFile(*path, options_.max_file_bytes, field, name);
      if (!text) return tl::unexpected(text.error());
      return std::make_pair(*text, name);
    }
    auto text = WithField(supply::BuiltinScenarioText(name), field);
    if (!text) return tl::unexpected(text.error());
    return std::make_pair(*text, "builtin:" + ToLower(name) + ".yaml");
  };
  auto base_text = !r.scenario_yaml.empty()
                       ? Result<std::pair<std::string, std::string>>(
                             std::make_pair(r.scenario_yaml, std::string("scenario_yaml")))
                       : scenario_text(r.scenario, "scenario");
  if (!base_text) return tl::unexpected(base_text.error());
  auto scenario = supply::ParseScenario(base_text->first, base_text->second);
  if (!scenario) return tl::unexpected(scenario.error());

  plan::ForecastOptions options;
  options.samples = r.samples;
  options.seed = r.seed;
  options.sensitivity = !r.no_sensitivity;
  options.purchase_advice = !r.no_purchase_advice;
  options.model_error = !r.no_model_error;
  if (c.progress) {
    options.progress = [&c](long done, long total) { c.progress("sampling", done, total); };
  }
  // A what-if: the second scenario, or a copy of the first, with the settings applied. Both are
  // checked before either runs, so a bad setting costs nothing.
  std::optional<supply::Scenario> alternative;
  if (!r.compare.empty() || !r.set.empty()) {
    if (!r.csv.empty()) {
      return tl::unexpected(FieldError(
          "csv", "CSV tables are written for one forecast; run each scenario on its own for them"));
    }
    auto alt_text = r.compare.empty() ? base_text : scenario_text(r.compare, "compare");
    if (!alt_text) return tl::unexpected(alt_text.error());
    // The scenario the settings edit, checked as written first: its own errors at its own lines.
    const auto as_written = [&](Error e) {
      return r.compare.empty() ? e : AlternativeError(std::move(e), true);
    };
    auto parsed = supply::ParseScenario(alt_text->first, alt_text->second);
    if (!parsed) return tl::unexpected(as_written(parsed.error()));
    if (auto ok = plan::ValidateScenario(*parsed, *catalog_); !ok)
      return tl::unexpected(as_written(ok.error()));
    // Then one setting at a time, so that a value out of range or an unknown chip names the
    // setting that made it (the edited text's lines are no line the user wrote). A path set twice
    // is refused, as a YAML mapping naming a key twice is: the second would silently win.
    std::map<std::string, std::string> paths;  // path as given (fleet[0] as fleet.0) -> setting
    for (size_t i = 0; i < r.set.size(); ++i) {
      const std::string& setting = r.set[i];
      // fleet[0].count and fleet.0.count are one path.
      std::string path;
      for (const char ch : std::string_view(setting).substr(0, setting.find('='))) {
        if (ch == '[') {
          path += '.';
        } else if (ch != ']') {
          path += ch;
        }
      }
      if (auto [it, fresh] = paths.emplace(path, setting); !fresh) {
        return MakeError(fmt::format("{} and {} set {} twice; give it once", Quoted(it->second),
                                     Quoted(setting), Quoted(path)),
                         "", 0, "set");
      }
      auto edited = supply::ApplySettings(
          alt_text->first, std::vector<std::string>(r.set.begin(), r.set.begin() + i + 1));
      if (!edited) return tl::unexpected(edited.error());
      auto named = [&](Error e) {
        e.message = Quoted(setting.substr(0, 200)) + ": " +
                    (e.field.empty() ? "" : e.field + ": ") + e.message;
        e.file.clear();
        e.line = 0;
        e.field = "set";
        return e;
      };
      parsed = supply::ParseScenario(*edited, alt_text->second + " with --set");
      if (!parsed) return tl::unexpected(named(parsed.error()));
      if (auto ok = plan::ValidateScenario(*parsed, *catalog_); !ok) {
        return tl::unexpected(named(ok.error()));
      }
    }
    alternative = std::move(*parsed);
  }
  auto forecast = plan::RunForecast(*scenario, *catalog_, options);
  if (!forecast) return tl::unexpected(forecast.error());
  if (alternative) {
    auto other = plan::RunForecast(*alternative, *catalog_, options);
    if (!other) return tl::unexpected(other.error());
    const std::string label = r.compare.empty() ? "what-if" : alternative->name;
    if (!r.report.empty()) {
      out.files.push_back({r.report, report::ForecastCompareHtml(*forecast, *other, label)});
    }
    out.body = c.format == Format::kJson ? report::ForecastCompareJson(*forecast, *other, r.set)
                                         : report::ForecastCompareText(*forecast, *other, r.set);
    return out;
  }
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
