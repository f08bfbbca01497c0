// Self-contained HTML reports: Vega-Lite charts with the Vega, Vega-Lite and
// vega-embed bundles inlined, so the file opens offline.
#ifndef SUANLI_REPORT_HTML_REPORT_H_
#define SUANLI_REPORT_HTML_REPORT_H_

#include <string>

#include <vector>

#include "plan/forecast.h"
#include "report/calibrate_report.h"
#include "report/replay_report.h"

namespace suanli::report {

// Fleet over time, allocation by workload, training-progress fan chart,
// served versus demand, and the sensitivity tornado.
std::string ForecastHtml(const plan::Forecast& f);
// A what-if: both forecasts' progress fans on one chart, the alternative's runs prefixed with
// `label`, then the base's other charts.
std::string ForecastCompareHtml(const plan::Forecast& base, const plan::Forecast& alt,
                                const std::string& label);

// Utilization over time and the JCT distribution of each policy.
std::string ReplayHtml(const std::vector<ReplayRun>& runs);

// Predicted against measured (before and after the fit) and the errors per measurement
// (before, after, held out).
std::string CalibrationHtml(const CalibrationReport& r);

}  // namespace suanli::report

#endif  // SUANLI_REPORT_HTML_REPORT_H_
