// Fuzz target: the serving simulator's request-trace reader (CSV and JSON Lines), and the
// simulator on what it accepts: every accepted request is within its stated bounds, and a
// simulation on a stand-in step model completes every request with ordered percentiles.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sim/serving/serving_sim.h"

namespace {

// A step of 1 ms plus 1 us per token: cheap, and enough to order requests.
class TokenStep : public suanli::sim::StepCost {
 public:
  double StepSeconds(double decode, double, double prefill, double) const override {
    return 1e-3 + 1e-6 * (decode + prefill);
  }
  double KvCapacityTokens() const override { return 1 << 20; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr int kContext = 1 << 17;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto requests = suanli::sim::ReadServingTrace(text, "fuzz.csv", kContext);
  if (!requests) {
    if (requests.error().message.rfind("fuzz.csv", 0) != 0) std::abort();
    return 0;
  }
  double tokens = 0, last = 0;
  for (const auto& r : *requests) {
    if (!(r.arrival_s >= last) || r.input_tokens < 1 || r.output_tokens < 1 ||
        r.cached_tokens < 0 || r.cached_tokens >= r.input_tokens ||
        static_cast<long>(r.input_tokens) + r.output_tokens > kContext) {
      std::abort();
    }
    last = r.arrival_s;
    tokens += r.input_tokens + r.output_tokens;
  }
  if (tokens > 2e6 || requests->size() > 2000) return 0;  // keep each input fast
  suanli::sim::SchedulerLimits limits;
  limits.max_num_seqs = 64;
  limits.max_batched_tokens = 4096;
  limits.reserve_output = size % 2 == 0;
  auto sim = suanli::sim::SimulateServing(TokenStep(), limits, *requests, {});
  if (!sim) return 0;  // a request larger than the KV cache is a clean error
  if (sim->requests_completed != sim->requests) std::abort();
  if (!(sim->ttft_ms.p50 <= sim->ttft_ms.p99 && sim->e2e_s.p50 <= sim->e2e_s.p99)) std::abort();
  return 0;
}
