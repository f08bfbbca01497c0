// "Simulate before submit": where and when one job would run on the cluster as it is now.
#ifndef SUANLI_REPORT_SIMULATE_REPORT_H_
#define SUANLI_REPORT_SIMULATE_REPORT_H_

#include <optional>
#include <string>
#include <vector>

namespace suanli::report {

struct SimulateResult {
  struct Option {  // the job alone on one accelerator type
    std::string type, chip;
    double duration_h = 0;
    double tokens_per_s_per_chip = 0;  // 0 when durations were given
    bool can_run = true;
    std::string reason;  // why not, or what the duration rests on
    long gpus_total = 0;
    std::optional<double> cost_usd;
  };
  struct Placement {  // what the policy did with it
    std::string type, chip;
    double start_h = 0, finish_h = 0;
    int preemptions = 0;
  };
  std::string policy, model;
  double tokens = 0;
  int gpus = 0;
  long running_jobs = 0;
  std::vector<Option> options;
  std::optional<Placement> placement;  // none: it does not start within the horizon
  std::optional<double> deadline_h, p_meet_deadline;
  std::vector<std::string> assumptions;
};

std::string SimulateJson(const SimulateResult& r);
std::string SimulateText(const SimulateResult& r);

}  // namespace suanli::report

#endif  // SUANLI_REPORT_SIMULATE_REPORT_H_
