// Launch configuration (`suanli train --emit STACK`): the command-line flags that run the
// chosen layout on a training stack, so a user can try what the model recommends.
#ifndef SUANLI_REPORT_LAUNCH_H_
#define SUANLI_REPORT_LAUNCH_H_

#include <string>
#include <vector>

#include "core/error.h"
#include "perf/training.h"

namespace suanli::report {

// Stacks with a flag set: megatron (Megatron-LM / Megatron-Core pretrain_gpt.py), mindspeed
// (MindSpeed-LLM on Ascend: Megatron's flags), torchtitan (its TOML keys as CLI overrides).
std::vector<std::string> LaunchStacks();

struct Launch {
  std::string stack;
  std::string command;             // one shell line, flags in order
  std::vector<std::string> args;   // the flags, one per element
  std::vector<std::string> notes;  // what the stack cannot express exactly
  // A file the command reads, written first (TensorRT-LLM's extra options): name and contents.
  std::string config_file;
  std::string config;
};

// Errors: an unknown stack, or a layout the stack cannot run (an FP8 run on MindSpeed: the
// Ascend parts have no FP8).
Result<Launch> LaunchFor(const std::string& stack, const perf::TrainingJob& job,
                         const perf::TrainingEstimate& e);

}  // namespace suanli::report

#endif  // SUANLI_REPORT_LAUNCH_H_
