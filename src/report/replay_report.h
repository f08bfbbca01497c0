// Output of `suanli replay`: one policy or a comparison of several.
#ifndef SUANLI_REPORT_REPLAY_REPORT_H_
#define SUANLI_REPORT_REPLAY_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/engine/fill.h"
#include "sim/engine/replay.h"

namespace suanli::report {

struct ReplayRun {
  sim::ReplayResult result;
  double sim_wall_s = 0;  // measured by the caller: the engine reads no clock
};

// Wall-clock seconds are shown only when asked for (`timing`): they differ from run to run, and
// every other figure is the same for the same inputs.

// An accelerator type of the replayed cluster and the catalog chip it maps
// to (empty: trace types such as K80 or Alibaba's G2 need not be there).
struct ReplayClusterType {
  std::string type;
  long gpus = 0;
  std::string catalog_chip;
};

std::string ReplayJson(const std::vector<ReplayRun>& runs,
                       const std::vector<ReplayClusterType>& cluster = {}, bool timing = false);
std::string ReplayTable(const std::vector<ReplayRun>& runs,
                        const std::vector<ReplayClusterType>& cluster = {}, bool timing = false);

// The jobs that could never fit the cluster (ReplayResult::never_fit), how many and the first few
// with why, as lines under a table; "" when every job fits.
std::string NeverFitNote(const std::vector<ReplayRun>& runs);

// FGD's fill experiment: one policy over one or more seeds.
struct FillRun {
  std::string policy;
  std::vector<sim::FillResult> seeds;
  double sim_wall_s = 0;  // all seeds together
};

// Allocation % at arrived 50, 60, ... % of GPU capacity, mean over seeds.
std::string FillTable(const std::vector<FillRun>& runs, bool timing = false);
// The same plus the whole mean curve (index = arrived %, null where no
// sample) and each seed's run.
std::string FillJson(const std::vector<FillRun>& runs, double tune, bool timing = false);

// `suanli trace synth`: the trace it wrote.
struct SynthSummary {
  std::string source;
  size_t source_jobs = 0;
  size_t jobs = 0;
  uint64_t seed = 0;
  double rate_scale = 1;
  double arrival_span_s = 0;
  std::string output;
};
std::string SynthJson(const SynthSummary& s);
std::string SynthText(const SynthSummary& s);

}  // namespace suanli::report

#endif  // SUANLI_REPORT_REPLAY_REPORT_H_
