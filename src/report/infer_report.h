// Output of `suanli infer`: one JSON object, a readable summary, or the
// comparison table over several chips.
#ifndef SUANLI_REPORT_INFER_REPORT_H_
#define SUANLI_REPORT_INFER_REPORT_H_

#include <string>
#include <vector>

#include "perf/inference.h"

namespace suanli::report {

struct InferenceReport {
  const perf::InferenceJob* job = nullptr;
  perf::InferenceEstimate estimate;
};

std::string InferenceJson(const InferenceReport& r);
std::string InferenceText(const InferenceReport& r);

// One row per chip; a chip that cannot serve the job carries its error.
struct CompareRow {
  const perf::InferenceJob* job = nullptr;
  std::optional<perf::InferenceEstimate> estimate;
  std::string error;
};
std::string CompareJson(const std::vector<CompareRow>& rows);
std::string CompareTable(const std::vector<CompareRow>& rows);

}  // namespace suanli::report

#endif  // SUANLI_REPORT_INFER_REPORT_H_
