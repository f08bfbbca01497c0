// Fuzz target: the generic CSV trace reader, and its writer: jobs the reader accepts, written
// back by FormatCsvTrace (what `trace synth` writes), must read back to the same jobs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sim/trace/synth.h"
#include "sim/trace/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  suanli::sim::TraceStats stats;
  auto jobs = suanli::sim::ReadCsvTrace(text, "fuzz.csv", &stats);
  if (!jobs) {
    if (jobs.error().file != "fuzz.csv" || jobs.error().message.empty()) std::abort();
    return 0;
  }
  const std::string written = suanli::sim::FormatCsvTrace(*jobs);
  auto again = suanli::sim::ReadCsvTrace(written, "written.csv", nullptr);
  if (!again || again->size() != jobs->size()) std::abort();
  for (size_t i = 0; i < jobs->size(); ++i) {
    const auto& a = (*jobs)[i];
    const auto& b = (*again)[i];
    if (a.arrival_s != b.arrival_s || a.num_gpus != b.num_gpus || a.gpu_milli != b.gpu_milli ||
        a.duration_s != b.duration_s || a.allowed_types != b.allowed_types) {
      std::abort();
    }
  }
  return 0;
}
