// Output of `suanli forecast`: a verdict and tables, or one JSON object.
#ifndef SUANLI_REPORT_FORECAST_REPORT_H_
#define SUANLI_REPORT_FORECAST_REPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "plan/forecast.h"

namespace suanli::report {

std::string ForecastJson(const plan::Forecast& f);
std::string ForecastText(const plan::Forecast& f);

// A what-if side by side (`forecast base alt`, `--set`): both forecasts, then the difference per
// run (P50 finish, P(target)) and per service (mean served fraction). JSON: {"base",
// "alternative", "settings", "difference": {"runs": [...], "services": [...]}}.
std::string ForecastCompareText(const plan::Forecast& base, const plan::Forecast& alt,
                                const std::vector<std::string>& settings);
std::string ForecastCompareJson(const plan::Forecast& base, const plan::Forecast& alt,
                                const std::vector<std::string>& settings);

// Spreadsheet tables: file name -> CSV content (runs, services, fleet,
// allocation, sensitivity, purchase_advice, rates).
std::vector<std::pair<std::string, std::string>> ForecastCsv(const plan::Forecast& f);

// The built-in scenarios, (name, description): {"scenarios": [{"name", "description"}]}, or
// one line each.
std::string ScenarioListJson(const std::vector<std::pair<std::string, std::string>>& scenarios);
// {"name": name, "yaml": text}.
std::string ScenarioYamlJson(const std::string& name, const std::string& yaml);
std::string ScenarioListText(const std::vector<std::pair<std::string, std::string>>& scenarios);

}  // namespace suanli::report

#endif  // SUANLI_REPORT_FORECAST_REPORT_H_
