// Self-contained HTML reports: Vega-Lite charts with the Vega, Vega-Lite and
// vega-embed bundles inlined, so the file opens offline.
#ifndef SUANLI_REPORT_HTML_REPORT_H_
#define SUANLI_REPORT_HTML_REPORT_H_

#include <string>

#include "plan/forecast.h"

namespace suanli::report {

// Fleet over time, allocation by workload, training-progress fan chart,
// served versus demand, and the sensitivity tornado.
std::string ForecastHtml(const plan::Forecast& f);

}  // namespace suanli::report

#endif  // SUANLI_REPORT_HTML_REPORT_H_
