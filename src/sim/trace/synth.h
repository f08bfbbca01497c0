// Larger traces resampled from a real one, and the generic CSV writer.
//
// The synthetic trace keeps the source's arrival process by drawing
// inter-arrival gaps from the source's gaps (divided by rate_scale), and
// its job mix by drawing whole source jobs (bootstrap), so the joint
// distribution of GPU count, GPU share, allowed types and per-type
// durations is the source's. Same source, options and seed: same jobs.
#ifndef SUANLI_SIM_TRACE_SYNTH_H_
#define SUANLI_SIM_TRACE_SYNTH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "sim/workload.h"

namespace suanli::sim {

struct SynthOptions {
  long jobs = 0;          // jobs to write, >= 1
  uint64_t seed = 1;      // the portable Rng of core/rng.h
  double rate_scale = 1;  // arrival rate x rate_scale (gaps / rate_scale), > 0
};

// The latest arrival a synthesized trace may have (about 317 years).
constexpr double kMaxSynthArrivalS = 1e10;

// Jobs with ids 1..N; the first arrives at the source's first arrival.
// Errors: fewer than two source jobs (no gap to resample), bad options, a rate scale that puts
// an arrival beyond kMaxSynthArrivalS.
Result<std::vector<Job>> SynthesizeTrace(const std::vector<Job>& source,
                                         const SynthOptions& options);

// The generic CSV of docs/trace-formats.md; ReadCsvTrace reads it back to
// the same jobs (numbers written with round-trip precision).
std::string FormatCsvTrace(const std::vector<Job>& jobs);

}  // namespace suanli::sim

#endif  // SUANLI_SIM_TRACE_SYNTH_H_
