// Serving launch configuration (`suanli infer --emit ENGINE`): the serve command that runs the
// chosen layout with the chosen limits on vLLM, SGLang, TensorRT-LLM or MindIE, so a user can try
// what the model recommends.
#ifndef SUANLI_REPORT_SERVE_LAUNCH_H_
#define SUANLI_REPORT_SERVE_LAUNCH_H_

#include <string>
#include <vector>

#include "core/error.h"
#include "perf/inference.h"
#include "report/launch.h"

namespace suanli::report {

// Engines with a serve command: vllm (`vllm serve`), sglang (`python -m sglang.launch_server`),
// trtllm (`trtllm-serve`, the PyTorch backend, with an extra-llm-api-options YAML file), mindie
// (`mindieservice_daemon` with a fragment of its conf/config.json).
std::vector<std::string> ServeEngines();

// The serve command for `estimate` of `job`. `mtp` draft tokens per step (0: none) turn on the
// engine's MTP speculative decoding. `longest_request` (prompt + output tokens; 0: the mean
// request's) sizes the context the engine must hold. Errors: an unknown engine (field `emit`).
Result<Launch> ServeLaunchFor(const std::string& engine, const perf::InferenceJob& job,
                              const perf::InferenceEstimate& estimate, int mtp = 0,
                              double longest_request = 0);

}  // namespace suanli::report

#endif  // SUANLI_REPORT_SERVE_LAUNCH_H_
