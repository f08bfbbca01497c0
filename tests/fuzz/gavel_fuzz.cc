// Fuzz target: Gavel's trace reader (10- and 7-column layouts) with its throughput table. An
// input with a NUL byte is the trace before it and the throughputs JSON after it; without
// one, the whole input is the trace and the table is a fixed small one.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sim/trace/trace.h"

namespace {

constexpr std::string_view kThroughputs = R"json({
  "v100": {"('ResNet-18 (batch size 32)', 1)": {"null": 10.0},
           "('ResNet-18 (batch size 32)', 2)": {"null": 16.0},
           "('LM (batch size 20)', 1)": {"null": 4.0}},
  "p100": {"('ResNet-18 (batch size 32)', 1)": {"null": 5.0}},
  "k80":  {"('ResNet-18 (batch size 32)', 1)": {"null": 2.5}},
  "v100_unconsolidated": {"('ResNet-18 (batch size 32)', 1)": {"null": 99.0}}
})json";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t nul = all.find('\0');
  const std::string_view trace = all.substr(0, nul);
  const std::string_view tput = nul == std::string_view::npos ? kThroughputs : all.substr(nul + 1);
  suanli::sim::TraceStats stats;
  auto jobs = suanli::sim::ReadGavelTrace(trace, "fuzz.trace", tput, "tput.json", &stats);
  if (!jobs) {
    if (jobs.error().message.empty()) std::abort();
    return 0;
  }
  for (const auto& j : *jobs) {
    if (j.num_gpus < 1 || j.duration_s.empty()) std::abort();
  }
  return 0;
}
