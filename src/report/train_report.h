// Output of `suanli train`: one JSON object or a readable summary.
#ifndef SUANLI_REPORT_TRAIN_REPORT_H_
#define SUANLI_REPORT_TRAIN_REPORT_H_

#include <string>
#include <vector>

#include "perf/training.h"
#include "report/launch.h"

namespace suanli::report {

struct TrainingReport {
  const perf::TrainingJob* job = nullptr;
  perf::TrainingEstimate estimate;
  bool searched = false;  // the layout came from a search
  long layouts_evaluated = 0;
  long layouts_fitting = 0;
  const Launch* launch = nullptr;  // --emit: the stack's flags for the chosen layout
  // No --stack given: the chip's catalogued stacks that run the layout and recipe (the first
  // is the one the answer assumes), and how that was decided; empty basis: a stack was named.
  std::vector<std::string> stacks;
  std::string stack_basis;
  // Where the layout's unstated knobs came from when not the search (a pasted Megatron line runs
  // Megatron's defaults); empty otherwise.
  std::string defaults_basis;
  // No --dtype or --precision given: which precision was taken by default and why.
  std::string precision_basis;
  // No --schedule given and the model was pre-trained with another schedule than the answer's
  // (catalog pretraining.schedule): which, and whether a stack for the chip runs it.
  std::string schedule_basis;
  // A launch line's ranks read as dies (the Ascend 910C's two a package); empty otherwise.
  std::string dies_basis;
  // LoRA / QLoRA: what was priced and the defaults taken; empty for full training.
  std::string finetune_basis;
  // NeMo Hydra overrides given that the estimate does not read (data, optimizer, logging).
  std::vector<std::string> overrides_not_read;
  // LLaMA-Factory YAML keys the estimate does not read (dataset, learning rate, output).
  std::vector<std::string> config_not_read;
  // DeepSpeed config keys given that the estimate does not read (optimizer, scheduler, offload).
  std::vector<std::string> deepspeed_not_read;
};

std::string TrainingJson(const TrainingReport& r);
std::string TrainingText(const TrainingReport& r);

}  // namespace suanli::report

#endif  // SUANLI_REPORT_TRAIN_REPORT_H_
