// Output of `suanli replay`: one policy or a comparison of several.
#ifndef SUANLI_REPORT_REPLAY_REPORT_H_
#define SUANLI_REPORT_REPLAY_REPORT_H_

#include <string>
#include <vector>

#include "sim/engine.h"

namespace suanli::report {

struct ReplayRun {
  sim::ReplayResult result;
  double sim_wall_s = 0;  // measured by the caller: the engine reads no clock
};

std::string ReplayJson(const std::vector<ReplayRun>& runs);
std::string ReplayTable(const std::vector<ReplayRun>& runs);

}  // namespace suanli::report

#endif  // SUANLI_REPORT_REPLAY_REPORT_H_
