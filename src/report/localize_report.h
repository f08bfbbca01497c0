// Output of `suanli localize`.
#ifndef SUANLI_REPORT_LOCALIZE_REPORT_H_
#define SUANLI_REPORT_LOCALIZE_REPORT_H_

#include <string>

#include "supply/localization.h"

namespace suanli::report {

std::string LocalizationJson(const supply::LocalizationResult& r);
std::string LocalizationText(const supply::LocalizationResult& r);

}  // namespace suanli::report

#endif  // SUANLI_REPORT_LOCALIZE_REPORT_H_
