// suanli: the command-line front door. Parses arguments, calls the library,
// prints a table or one JSON object. Exit 0 on success, 2 on bad input.
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "catalog/catalog.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/text.h"
#include "perf/inference.h"
#include "perf/power.h"
#include "perf/training.h"
#include "plan/forecast.h"
#include "report/catalog_report.h"
#include "report/forecast_report.h"
#include "report/html_report.h"
#include "report/infer_report.h"
#include "report/localize_report.h"
#include "report/replay_report.h"
#include "report/train_report.h"
#include "sim/engine.h"
#include "sim/fill.h"
#include "sim/synth.h"
#include "sim/trace.h"
#include "supply/localization.h"

namespace {

using suanli::Error;
using suanli::MakeError;
using suanli::Result;

constexpr int kExitBadInput = 2;

// Parses "15e12", "15T", "1.5M", "4096": suffixes K, M, B/G, T, P are powers of 1000.
Result<double> ParseAmount(const std::string& text, const std::string& flag) {
  if (text.empty()) return MakeError("empty value", "", 0, flag);
  double scale = 1;
  std::string digits = text;
  switch (std::toupper(static_cast<unsigned char>(text.back()))) {
    case 'K':
      scale = 1e3;
      break;
    case 'M':
      scale = 1e6;
      break;
    case 'B':
    case 'G':
      scale = 1e9;
      break;
    case 'T':
      scale = 1e12;
      break;
    case 'P':
      scale = 1e15;
      break;
    default:
      break;
  }
  if (scale != 1) digits.pop_back();
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(digits, &used);
  } catch (...) {
    used = 0;
  }
  if (used != digits.size() || !std::isfinite(v)) {
    return MakeError("'" + text + "' is not a number (examples: 15e12, 15T, 4096)", "", 0, flag);
  }
  return v * scale;
}

struct CommonOptions {
  std::string catalog_dir;
  bool json = false;
  std::string output;  // write here instead of stdout
};

Result<suanli::catalog::Catalog> LoadCatalog(const CommonOptions& o) {
  auto catalog = suanli::catalog::Catalog::Builtin();
  if (!catalog) return catalog;
  if (!o.catalog_dir.empty()) {
    if (auto r = catalog->MergeDirectory(o.catalog_dir); !r) return tl::unexpected(r.error());
  }
  return catalog;
}

// Prints or writes the result; a write is atomic so no partial file remains.
int Emit(const CommonOptions& o, const std::string& text) {
  if (o.output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  if (auto r = suanli::WriteFileAtomically(o.output, text); !r) {
    std::fprintf(stderr, "suanli: error: %s\n", r.error().ToString().c_str());
    return kExitBadInput;
  }
  return 0;
}

int Fail(const Error& e) {
  std::fprintf(stderr, "suanli: error: %s\n", e.ToString().c_str());
  return kExitBadInput;
}

struct TrainOptions {
  std::string model, chip, system, tokens, global_batch, dtype = "bf16", recompute;
  long count = 0;
  int seq_len = 0;
  std::optional<int> tp, pp, dp, ep, cp, zero, micro_batch, interleave;
  std::optional<double> power_cap_w;
  bool no_sequence_parallel = false;
  std::string schedule, attention = "flash";
};

int RunTrain(const CommonOptions& common, const TrainOptions& o) {
  auto catalog = LoadCatalog(common);
  if (!catalog) return Fail(catalog.error());
  auto model = catalog->FindModel(o.model);
  if (!model) return Fail(model.error());
  auto chip = catalog->FindChip(o.chip);
  if (!chip) return Fail(chip.error());

  suanli::perf::TrainingJob job = suanli::perf::TrainingJobFor(*catalog, **model, **chip);
  if (!o.system.empty()) {
    auto s = catalog->FindSystem(o.system);
    if (!s) return Fail(s.error());
    if ((*s)->chip != (*chip)->id) {
      return Fail(Error{"system '" + (*s)->id + "' holds chip '" + (*s)->chip + "', not '" +
                        (*chip)->id + "'"});
    }
    job.system = **s;
  }
  job.chips = o.count;
  auto tokens = ParseAmount(o.tokens, "--tokens");
  if (!tokens) return Fail(tokens.error());
  job.tokens = *tokens;
  job.seq_len = o.seq_len;
  if (!o.global_batch.empty()) {
    auto gbt = ParseAmount(o.global_batch, "--global-batch-tokens");
    if (!gbt) return Fail(gbt.error());
    if (*gbt <= 0) return Fail(Error{"--global-batch-tokens must be positive"});
    job.global_batch_tokens = *gbt;
  }
  auto dtype = suanli::catalog::ParseDType(o.dtype);
  if (!dtype) return Fail(Error{"unknown --dtype '" + o.dtype + "'; expected bf16, fp16 or fp8"});
  job.dtype = *dtype;

  suanli::perf::LayoutConstraints fixed;
  fixed.tp = o.tp;
  fixed.pp = o.pp;
  fixed.dp = o.dp;
  fixed.ep = o.ep;
  fixed.cp = o.cp;
  fixed.zero_stage = o.zero;
  fixed.micro_batch = o.micro_batch;
  fixed.interleave = o.interleave;
  if (!o.recompute.empty()) {
    auto rc = suanli::perf::ParseRecompute(o.recompute);
    if (!rc) {
      return Fail(
          Error{"unknown --recompute '" + o.recompute + "'; expected none, selective or full"});
    }
    fixed.recompute = *rc;
  }
  if (o.no_sequence_parallel) fixed.sequence_parallel = false;
  if (!o.schedule.empty()) {
    auto s = suanli::perf::ParseSchedule(o.schedule);
    if (!s)
      return Fail(Error{"unknown --schedule '" + o.schedule + "'; expected 1f1b or dualpipe"});
    fixed.schedule = *s;
  }
  auto kernel = suanli::perf::ParseAttentionKernel(o.attention);
  if (!kernel) {
    return Fail(Error{"unknown --attention '" + o.attention + "'; expected flash or unfused"});
  }
  job.attention = *kernel;
  for (const auto& [name, v] : {std::pair{"--tp", o.tp},
                                {"--pp", o.pp},
                                {"--dp", o.dp},
                                {"--ep", o.ep},
                                {"--cp", o.cp},
                                {"--micro-batch", o.micro_batch},
                                {"--interleave", o.interleave}}) {
    if (v && (*v < 1 || *v > 10'000'000)) {
      return Fail(Error{std::string(name) + " must be between 1 and 10,000,000"});
    }
  }
  {
    double product = 1;
    for (const auto& v : {o.tp, o.pp, o.dp, o.cp}) product *= v.value_or(1);
    if (product > 1e7) return Fail(Error{"--tp x --pp x --dp x --cp exceeds 10,000,000 chips"});
  }
  if (o.zero && (*o.zero < 0 || *o.zero > 3)) return Fail(Error{"--zero must be 0, 1, 2 or 3"});

  // Problems with the job itself (an inference-only chip, an unknown peak)
  // say more than a missing system does, so check them first.
  if (auto ok = suanli::perf::ValidateJob(job); !ok) return Fail(ok.error());
  if (o.system.empty()) {
    auto s = catalog->SystemFor(**chip);
    if (!s) return Fail(s.error());
    job.system = *s;
  }
  if (o.power_cap_w) {
    auto clock = suanli::perf::PowerCapClockFraction(**chip, job.calibration, o.power_cap_w);
    if (!clock) return Fail(Error{"--power-cap-w: " + clock.error().message});
    suanli::perf::TightenPowerCap(job.system, *o.power_cap_w);
  }
  auto result = suanli::perf::SearchLayout(job, fixed);
  if (!result) return Fail(result.error());
  suanli::report::TrainingReport report;
  report.job = &job;
  report.estimate = result->best;
  report.searched = result->layouts_evaluated > 1;
  report.layouts_evaluated = result->layouts_evaluated;
  report.layouts_fitting = result->layouts_fitting;
  return Emit(common, common.json ? suanli::report::TrainingJson(report)
                                  : suanli::report::TrainingText(report));
}

struct InferOptions {
  std::string model, chips, dtype = "bf16", kv_dtype, mode = "server", system;
  long count = 0;
  double input_tokens = 1024, output_tokens = 256, prefix_cache_hit = 0;
  std::optional<double> tpot_ms, ttft_ms, demand, chip_hour_usd, power_cap_w;
  std::optional<int> tp, ep, dp;
  bool disaggregate = false, compare = false;
};

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    const std::string item =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int RunInfer(const CommonOptions& common, const InferOptions& o) {
  auto catalog = LoadCatalog(common);
  if (!catalog) return Fail(catalog.error());
  auto model = catalog->FindModel(o.model);
  if (!model) return Fail(model.error());
  auto dtype = suanli::perf::ParseServingDType(o.dtype);
  if (!dtype) {
    return Fail(
        Error{"unknown --dtype '" + o.dtype + "'; expected bf16, fp16, fp8, int8, fp4 or int4"});
  }
  std::optional<suanli::perf::ServingDType> kv;
  if (!o.kv_dtype.empty()) {
    kv = suanli::perf::ParseServingDType(o.kv_dtype);
    if (!kv)
      return Fail(
          Error{"unknown --kv-dtype '" + o.kv_dtype + "'; expected bf16, fp16, fp8 or int8"});
  }
  if (o.mode != "offline" && o.mode != "server") {
    return Fail(Error{"unknown --mode '" + o.mode + "'; expected offline or server"});
  }
  const std::vector<std::string> chip_ids = SplitList(o.chips);
  if (chip_ids.empty()) return Fail(Error{"--chip needs at least one chip id"});
  if (chip_ids.size() > 1 && !o.compare) {
    return Fail(Error{"several chips need --compare"});
  }
  for (const auto& [name, v] : {std::pair{"--tp", o.tp}, {"--ep", o.ep}, {"--dp", o.dp}}) {
    if (v && (*v < 1 || *v > 1'000'000)) {
      return Fail(Error{std::string(name) + " must be between 1 and 1,000,000"});
    }
  }
  if (o.tp && o.dp && static_cast<double>(*o.tp) * *o.dp > 1e7) {
    return Fail(Error{"--tp x --dp exceeds 10,000,000 chips"});
  }
  if (o.count < 0) return Fail(Error{"--count must be at least 1"});

  if (o.power_cap_w && !(*o.power_cap_w > 0 && std::isfinite(*o.power_cap_w))) {
    return Fail(Error{"--power-cap-w must be a positive number of watts"});
  }

  std::vector<suanli::perf::InferenceJob> jobs(chip_ids.size());
  std::vector<suanli::report::CompareRow> rows;
  for (size_t i = 0; i < chip_ids.size(); ++i) {
    auto chip = catalog->FindChip(chip_ids[i]);
    if (!chip) return Fail(chip.error());
    auto& job = jobs[i];
    job = suanli::perf::InferenceJobFor(*catalog, **model, **chip);
    job.chips = o.count;
    job.input_tokens = o.input_tokens;
    job.output_tokens = o.output_tokens;
    job.dtype = *dtype;
    job.kv_dtype = kv;
    job.tpot_ms = o.tpot_ms;
    job.ttft_ms = o.ttft_ms;
    job.mode = o.mode == "offline" ? suanli::perf::ServingMode::kOffline
                                   : suanli::perf::ServingMode::kServer;
    job.prefix_cache_hit = o.prefix_cache_hit;
    job.disaggregate = o.disaggregate;
    job.demand_tokens_per_s = o.demand;
    job.chip_hour_usd = o.chip_hour_usd;
    // What is wrong for every chip is an error, not a table of errors.
    if (auto ok = suanli::perf::ValidateInferenceRequest(job); !ok) return Fail(ok.error());
    suanli::report::CompareRow row;
    row.job = &job;
    auto ok = suanli::perf::ValidateInferenceJob(job);
    if (ok) {
      auto s =
          o.system.empty() ? catalog->SystemFor(**chip) : [&]() -> Result<suanli::catalog::System> {
        auto found = catalog->FindSystem(o.system);
        if (!found) return tl::unexpected(found.error());
        return **found;
      }();
      if (s) {
        job.system = *s;
        // Comparing chips under one per-chip power budget: a budget above a
        // chip's TDP does not bind it, and a chip that cannot take it gets a
        // row error. One chip: a cap it cannot take is a wrong flag.
        const auto& tdp = (*chip)->tdp_w;
        if (o.power_cap_w && (!o.compare || !tdp.known() || *o.power_cap_w < *tdp.value)) {
          auto clock = suanli::perf::PowerCapClockFraction(**chip, job.calibration, o.power_cap_w);
          if (!clock) {
            const Error e{"--power-cap-w: " + clock.error().message};
            if (!o.compare) return Fail(e);
            ok = tl::unexpected(e);
          }
          suanli::perf::TightenPowerCap(job.system, *o.power_cap_w);
        }
        if (ok) {
          auto e = suanli::perf::EstimateInference(job, {o.tp, o.ep, o.dp});
          if (e) {
            row.estimate = *e;
          } else {
            ok = tl::unexpected(e.error());
          }
        }
      } else {
        ok = tl::unexpected(s.error());
      }
    }
    if (!ok) {
      // One chip: its error is the answer. Several: the table shows it.
      if (!o.compare) return Fail(ok.error());
      row.error = ok.error().message;
    }
    rows.push_back(std::move(row));
  }
  if (o.compare) {
    return Emit(common, common.json ? suanli::report::CompareJson(rows)
                                    : suanli::report::CompareTable(rows));
  }
  suanli::report::InferenceReport report{&jobs[0], *rows[0].estimate};
  return Emit(common, common.json ? suanli::report::InferenceJson(report)
                                  : suanli::report::InferenceText(report));
}

struct ForecastOptions {
  std::string scenario = "china-2026";
  int samples = 1000;
  uint64_t seed = 1;
  bool list = false, no_sensitivity = false, no_purchase = false;
  std::string csv_dir;
  std::string report;
};

Result<suanli::supply::Scenario> LoadScenario(const std::string& name_or_file) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(name_or_file, ec)) {
    auto text = suanli::ReadWholeFile(name_or_file);
    if (!text) return tl::unexpected(text.error());
    return suanli::supply::ParseScenario(*text, name_or_file);
  }
  if (name_or_file.find('/') != std::string::npos ||
      name_or_file.find(".yaml") != std::string::npos) {
    return MakeError("scenario file not found", name_or_file);
  }
  return suanli::supply::BuiltinScenario(name_or_file);
}

int RunForecast(const CommonOptions& common, const ForecastOptions& o) {
  if (o.list) {
    std::string out;
    for (const auto& name : suanli::supply::BuiltinScenarioNames()) {
      auto s = suanli::supply::BuiltinScenario(name);
      out += name + (s ? "  " + s->description : "") + "\n";
    }
    return Emit(common, out);
  }
  auto catalog = LoadCatalog(common);
  if (!catalog) return Fail(catalog.error());
  auto scenario = LoadScenario(o.scenario);
  if (!scenario) return Fail(scenario.error());
  suanli::plan::ForecastOptions options;
  options.samples = o.samples;
  options.seed = o.seed;
  options.sensitivity = !o.no_sensitivity;
  options.purchase_advice = !o.no_purchase;
  const bool show_progress = !common.json && isatty(STDERR_FILENO);
  if (show_progress) {
    options.progress = [](long done, long total) {
      const int width = 30;
      const int filled = static_cast<int>(width * done / std::max(1L, total));
      std::fprintf(stderr, "\rsampling [%s%s] %ld/%ld", std::string(filled, '#').c_str(),
                   std::string(width - filled, ' ').c_str(), done, total);
      if (done >= total) std::fprintf(stderr, "\n");
    };
  }
  auto forecast = suanli::plan::RunForecast(*scenario, *catalog, options);
  if (!forecast) return Fail(forecast.error());
  if (!o.report.empty()) {
    if (auto r = suanli::WriteFileAtomically(o.report, suanli::report::ForecastHtml(*forecast));
        !r) {
      return Fail(r.error());
    }
  }
  if (!o.csv_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.csv_dir, ec);
    if (ec) return Fail(Error{"cannot create directory: " + ec.message(), o.csv_dir});
    for (const auto& [name, content] : suanli::report::ForecastCsv(*forecast)) {
      const std::string path = (std::filesystem::path(o.csv_dir) / name).string();
      if (auto r = suanli::WriteFileAtomically(path, content); !r) return Fail(r.error());
    }
  }
  return Emit(common, common.json ? suanli::report::ForecastJson(*forecast)
                                  : suanli::report::ForecastText(*forecast));
}

struct LocalizeOptions {
  std::string sector = "automotive";
  double target = 1.0;
  int by = 2027;
  int until = 2030;
  int samples = 10000;
  uint64_t seed = 1;
};

int RunLocalize(const CommonOptions& common, const LocalizeOptions& o) {
  auto sector = suanli::supply::FindSector(o.sector);
  if (!sector) return Fail(sector.error());
  auto r = suanli::supply::ProjectLocalization(*sector, o.until, o.target, o.by, o.samples, o.seed);
  if (!r) return Fail(r.error());
  return Emit(common, common.json ? suanli::report::LocalizationJson(*r)
                                  : suanli::report::LocalizationText(*r));
}

struct ReplayOptions {
  std::string trace, format, nodes, cluster, policies = "fifo", throughputs, profiles;
  double round_s = 0;
  uint64_t seed = 0;
  bool seed_given = false;
  std::string report;
  // FGD's fill experiment: set when --fill is given (any value, checked later).
  bool fill_mode = false;
  double fill = 0;
  int repeat = 1;
};

// FGD's published runs use seeds 42..51.
constexpr uint64_t kFgdFirstSeed = 42;

// Shared data (traces) live outside the project: SUANLI_DATA, default ../shared/data.
std::string DataDir() {
  const char* env = std::getenv("SUANLI_DATA");
  return env && *env ? env : "../shared/data";
}

// FGD's fill experiment: every policy over seeds seed .. seed + repeat - 1.
int RunFill(const CommonOptions& common, const ReplayOptions& o, const suanli::sim::Workload& w) {
  namespace sim = suanli::sim;
  if (!(o.fill > 0) || !std::isfinite(o.fill) || o.fill > 100)
    return Fail(Error{"--fill must be a ratio of GPU capacity in (0, 100], e.g. 1.3"});
  if (o.repeat < 1 || o.repeat > 1000) return Fail(Error{"--repeat must be in [1, 1000]"});
  if (!o.report.empty()) return Fail(Error{"--report is not available with --fill"});
  std::vector<suanli::report::FillRun> runs;
  for (const auto& name : SplitList(o.policies)) {
    suanli::report::FillRun run;
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < o.repeat; ++k) {
      const uint64_t seed = (o.seed_given ? o.seed : kFgdFirstSeed) + static_cast<uint64_t>(k);
      auto policy = sim::MakePolicy(name, {&w, seed});
      if (!policy) return Fail(policy.error());
      auto r = sim::Fill(w, **policy, {o.fill, seed});
      if (!r) return Fail(r.error());
      run.policy = r->policy;
      run.seeds.push_back(std::move(*r));
    }
    run.sim_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    runs.push_back(std::move(run));
  }
  if (runs.empty()) return Fail(Error{"--policy needs at least one policy"});
  return Emit(common, common.json ? suanli::report::FillJson(runs, o.fill)
                                  : suanli::report::FillTable(runs));
}

// Reads a trace in any supported format (guessed from the file when not given).
Result<std::vector<suanli::sim::Job>> LoadTrace(const std::string& path, std::string format,
                                                const std::string& throughputs,
                                                const std::string& profiles,
                                                suanli::sim::TraceStats* stats,
                                                const suanli::sim::OpenbOptions& openb = {}) {
  namespace sim = suanli::sim;
  auto text = suanli::ReadWholeFile(path);
  if (!text) return tl::unexpected(text.error());
  if (format.empty()) {
    if (path.size() > 6 && path.substr(path.size() - 6) == ".trace") {
      format = "gavel";
    } else if (text->rfind("name,cpu_milli,memory_mib,num_gpu", 0) == 0) {
      format = "openb";
    } else if (text->rfind("name,time,application,num_replicas,batch_size", 0) == 0) {
      format = "sia";
    } else {
      format = "csv";
    }
  }
  // The fill experiment (openb.keep_cpu_only) places pods by their GPU shares.
  if (openb.keep_cpu_only && (format == "gavel" || format == "sia")) {
    return MakeError("--fill needs an openb or csv trace (pods with GPU shares), not " + format,
                     path);
  }
  if (format == "csv") return sim::ReadCsvTrace(*text, path, stats);
  if (format == "openb") return sim::ReadOpenbPods(*text, path, stats, openb);
  if (format == "gavel") {
    const std::string tput_path =
        throughputs.empty() ? DataDir() + "/traces/gavel/simulation_throughputs.json" : throughputs;
    auto tput = suanli::ReadWholeFile(tput_path);
    if (!tput) {
      return MakeError(
          "gavel traces need --throughputs (simulation_throughputs.json): " + tput.error().message,
          tput_path);
    }
    return sim::ReadGavelTrace(*text, path, *tput, tput_path, stats);
  }
  if (format == "sia") {
    const std::string dir = profiles.empty() ? DataDir() + "/traces/sia-sosp23/traces" : profiles;
    return sim::ReadSiaWorkload(*text, path, dir, stats);
  }
  return MakeError("unknown --format '" + format + "'; expected openb, gavel, sia or csv");
}

void NoteSkipped(const CommonOptions& common, const suanli::sim::TraceStats& stats) {
  if (stats.skipped > 0 && !common.json) {
    std::fprintf(stderr, "suanli: note: %ld of %ld rows are %s, not jobs; skipped\n", stats.skipped,
                 stats.rows, stats.skipped_why.c_str());
  }
}

// Progress lines on stderr for replays that take a while: nothing in the
// first two seconds, then one line per 10 % of jobs completed or every 5 s.
std::function<void(long, long)> ReplayProgress(const std::string& policy) {
  struct State {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last = start;
    int last_decile = 0;
  };
  auto state = std::make_shared<State>();
  return [state, policy](long done, long total) {
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - state->start).count();
    if (elapsed < 2) return;
    const int decile = static_cast<int>(10 * done / std::max(1L, total));
    if (decile <= state->last_decile && now - state->last < std::chrono::seconds(5)) return;
    state->last_decile = decile;
    state->last = now;
    std::fprintf(stderr, "suanli: replay %s: %ld of %ld jobs done (%.0f %%), %.1f s\n",
                 policy.c_str(), done, total,
                 100.0 * static_cast<double>(done) / static_cast<double>(std::max(1L, total)),
                 elapsed);
  };
}

// The cluster's accelerator types with the catalog chip each one is, if any.
Result<std::vector<suanli::report::ReplayClusterType>> ClusterTypes(
    const CommonOptions& common, const std::vector<suanli::sim::Node>& nodes) {
  auto catalog = LoadCatalog(common);
  if (!catalog) return tl::unexpected(catalog.error());
  std::vector<suanli::report::ReplayClusterType> types;
  for (const auto& [type, gpus] : suanli::sim::GpusPerType(nodes)) {
    const auto* chip = catalog->MatchChip(type);
    types.push_back({type, gpus, chip ? chip->id : ""});
  }
  return types;
}

int RunReplay(const CommonOptions& common, const ReplayOptions& o) {
  namespace sim = suanli::sim;
  sim::Workload w;
  sim::TraceStats stats;
  // The fill experiment schedules CPU-only pods too and needs no times.
  auto jobs =
      LoadTrace(o.trace, o.format, o.throughputs, o.profiles, &stats, {o.fill_mode, o.fill_mode});
  if (!jobs) return Fail(jobs.error());
  w.jobs = std::move(*jobs);
  NoteSkipped(common, stats);
  if (!o.nodes.empty() && !o.cluster.empty())
    return Fail(Error{"give --nodes or --cluster, not both"});
  if (!o.nodes.empty()) {
    auto node_text = suanli::ReadWholeFile(o.nodes);
    if (!node_text) return Fail(node_text.error());
    auto nodes = sim::ReadOpenbNodes(*node_text, o.nodes);
    if (!nodes) return Fail(nodes.error());
    w.nodes = std::move(*nodes);
  } else if (!o.cluster.empty()) {
    auto nodes = sim::ParseClusterSpec(o.cluster);
    if (!nodes) return Fail(nodes.error());
    w.nodes = std::move(*nodes);
  } else {
    return Fail(Error{"the replay needs a cluster: --nodes FILE or --cluster type:count,..."});
  }
  if (o.fill_mode) return RunFill(common, o, w);
  auto cluster_types = ClusterTypes(common, w.nodes);
  if (!cluster_types) return Fail(cluster_types.error());
  std::vector<suanli::report::ReplayRun> runs;
  for (const auto& name : SplitList(o.policies)) {
    auto policy = sim::MakePolicy(name, {&w, o.seed});
    if (!policy) return Fail(policy.error());
    const auto t0 = std::chrono::steady_clock::now();
    sim::ReplayOptions options;
    options.round_s = o.round_s;
    options.seed = o.seed;
    if (!common.json) options.progress = ReplayProgress(name);
    auto r = sim::Replay(w, **policy, options);
    const auto t1 = std::chrono::steady_clock::now();
    if (!r) return Fail(r.error());
    runs.push_back({std::move(*r), std::chrono::duration<double>(t1 - t0).count()});
  }
  if (runs.empty()) return Fail(Error{"--policy needs at least one policy"});
  if (!o.report.empty()) {
    if (auto r = suanli::WriteFileAtomically(o.report, suanli::report::ReplayHtml(runs)); !r)
      return Fail(r.error());
  }
  return Emit(common, common.json ? suanli::report::ReplayJson(runs, *cluster_types)
                                  : suanli::report::ReplayTable(runs, *cluster_types));
}

struct SynthOptions {
  std::string from, format, throughputs, profiles, output;
  long jobs = 0;
  uint64_t seed = 1;
  double rate_scale = 1;
};

int RunSynth(const CommonOptions& common, const SynthOptions& o) {
  namespace sim = suanli::sim;
  sim::TraceStats stats;
  auto source = LoadTrace(o.from, o.format, o.throughputs, o.profiles, &stats);
  if (!source) return Fail(source.error());
  NoteSkipped(common, stats);
  auto jobs = sim::SynthesizeTrace(*source, {o.jobs, o.seed, o.rate_scale});
  if (!jobs) return Fail(jobs.error());
  if (auto r = suanli::WriteFileAtomically(o.output, sim::FormatCsvTrace(*jobs)); !r)
    return Fail(r.error());
  const suanli::report::SynthSummary summary{
      o.from,  source->size(), jobs->size(),
      o.seed,  o.rate_scale,   jobs->back().arrival_s - jobs->front().arrival_s,
      o.output};
  return Emit(common, common.json ? suanli::report::SynthJson(summary)
                                  : suanli::report::SynthText(summary));
}

int RunCatalog(const CommonOptions& common, const std::string& what) {
  auto catalog = LoadCatalog(common);
  if (!catalog) return Fail(catalog.error());
  using namespace suanli::report;
  if (what == "chips")
    return Emit(common, common.json ? ChipsJson(*catalog) : ChipsTable(*catalog));
  if (what == "systems") {
    return Emit(common, common.json ? SystemsJson(*catalog) : SystemsTable(*catalog));
  }
  return Emit(common, common.json ? ModelsJson(*catalog) : ModelsTable(*catalog));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "suanli (算力): capacity planning and performance modelling for AI accelerator "
      "fleets when chips are scarce"};
  app.require_subcommand(1);
  CommonOptions common;
  auto add_common = [&](CLI::App* cmd) {
    cmd->add_option("--catalog", common.catalog_dir,
                    "directory of YAML files that add to or override the built-in catalog");
    cmd->add_flag("--json", common.json, "print one JSON object instead of a table");
    cmd->add_option("--output,-o", common.output, "write the result to this file (atomically)");
  };

  std::string what;
  auto* catalog_cmd = app.add_subcommand("catalog", "list chips, systems or models with sources");
  catalog_cmd->add_option("what", what, "chips, systems or models")
      ->required()
      ->check(CLI::IsMember({"chips", "systems", "models"}));
  add_common(catalog_cmd);

  TrainOptions t;
  auto* train = app.add_subcommand("train", "time, cost and best parallel layout to train a model");
  train->add_option("--model", t.model, "model id (see `suanli catalog models`)")->required();
  train->add_option("--chip", t.chip, "chip id (see `suanli catalog chips`)")->required();
  train->add_option("--count", t.count, "number of chips")->required();
  train->add_option("--tokens", t.tokens, "tokens to train on, e.g. 15e12 or 15T")->required();
  train->add_option("--system", t.system, "system id (default: the chip's default system)");
  train->add_option("--seq-len", t.seq_len, "sequence length (default: model's, at most 8192)");
  train->add_option("--global-batch-tokens", t.global_batch,
                    "tokens per optimizer step (default 4Mi)");
  train->add_option("--dtype", t.dtype, "matmul precision: bf16, fp16 or fp8");
  train->add_option("--tp", t.tp, "tensor parallel size");
  train->add_option("--pp", t.pp, "pipeline parallel stages");
  train->add_option("--dp", t.dp, "data parallel size");
  train->add_option("--ep", t.ep, "expert parallel size (MoE)");
  train->add_option("--cp", t.cp, "context parallel size");
  train->add_option("--zero", t.zero, "ZeRO stage 0-3");
  train->add_option("--micro-batch", t.micro_batch, "sequences per micro-batch");
  train->add_option("--interleave", t.interleave, "virtual pipeline stages per chip");
  train->add_option("--recompute", t.recompute, "activation recomputation: none, selective, full");
  train->add_flag("--no-sequence-parallel", t.no_sequence_parallel,
                  "keep norms and dropout replicated across tensor-parallel ranks");
  train->add_option("--schedule", t.schedule, "pipeline schedule: 1f1b or dualpipe");
  train->add_option("--power-cap-w", t.power_cap_w,
                    "per-chip power limit, W (default: the system's, else the chip's TDP)");
  train->add_option("--attention", t.attention,
                    "attention kernel: flash (default) or unfused (pre-2022 Megatron)");
  add_common(train);

  InferOptions inf;
  auto* infer = app.add_subcommand(
      "infer", "serving throughput, latency and cost per chip, and chips for a demand");
  infer->add_option("--model", inf.model, "model id")->required();
  infer->add_option("--chip", inf.chips, "chip id, or a comma-separated list with --compare")
      ->required();
  infer->add_flag("--compare", inf.compare,
                  "one row per chip: tokens/s per chip, per watt, per dollar");
  infer->add_option("--count", inf.count, "chips available (instances must divide it)");
  infer->add_option("--system", inf.system, "system id (default: the chip's default system)");
  infer->add_option("--input-tokens", inf.input_tokens, "prompt tokens per request (default 1024)");
  infer->add_option("--output-tokens", inf.output_tokens,
                    "generated tokens per request (default 256)");
  infer->add_option("--dtype", inf.dtype,
                    "weights: bf16, fp16, fp8, int8, fp4 or int4 (weight-only)");
  infer->add_option("--kv-dtype", inf.kv_dtype,
                    "KV cache: bf16, fp8 or int8 (default: 8-bit with 8-bit or smaller weights)");
  infer->add_option("--tpot-ms", inf.tpot_ms,
                    "time-per-output-token target (server: p99; offline: mean)");
  infer->add_option("--ttft-ms", inf.ttft_ms, "time-to-first-token target");
  infer->add_option("--mode", inf.mode,
                    "offline (full batches) or server (live arrivals, default)");
  infer->add_option("--prefix-cache-hit", inf.prefix_cache_hit,
                    "fraction of prompt tokens served from cache");
  infer->add_flag("--disaggregate", inf.disaggregate, "separate prefill and decode chips");
  infer->add_option("--power-cap-w", inf.power_cap_w,
                    "per-chip power limit, W (default: the system's, else the chip's TDP; with "
                    "--compare it binds the chips whose TDP is above it)");
  infer->add_option("--tp", inf.tp, "tensor parallel size");
  infer->add_option("--ep", inf.ep, "expert parallel size (MoE; = tp * dp)");
  infer->add_option("--dp", inf.dp, "attention data-parallel groups per instance (MoE)");
  infer->add_option("--demand-tokens-per-s", inf.demand, "output tokens per second to serve");
  infer->add_option("--chip-hour-usd", inf.chip_hour_usd,
                    "price of one chip-hour (default: catalog price amortized)");
  add_common(infer);

  ForecastOptions fo;
  auto* forecast = app.add_subcommand(
      "forecast", "when runs finish and how much demand is served under uncertain supply");
  forecast->add_option(
      "scenario", fo.scenario,
      "built-in scenario name (see --list) or a scenario YAML file (default china-2026)");
  forecast->add_flag("--list", fo.list, "list the built-in scenarios");
  forecast->add_option("--samples", fo.samples, "Monte Carlo samples (default 1000)");
  forecast->add_option("--seed", fo.seed, "random seed (default 1)");
  forecast->add_flag("--no-sensitivity", fo.no_sensitivity, "skip the sensitivity analysis");
  forecast->add_flag("--no-purchase-advice", fo.no_purchase, "skip the purchase advice");
  forecast->add_option("--csv", fo.csv_dir, "also write CSV tables into this directory");
  forecast->add_option("--report", fo.report,
                       "also write a self-contained HTML report with charts");
  add_common(forecast);

  LocalizeOptions lo;
  auto* localize = app.add_subcommand(
      "localize", "domestic self-sufficiency trajectories and the odds of a target");
  localize->add_option("--sector", lo.sector, "automotive or ai-accelerators (default automotive)");
  localize->add_option("--target", lo.target, "domestic share to reach, 0-1 (default 1.0)");
  localize->add_option("--by", lo.by, "year the target is for (default 2027)");
  localize->add_option("--until", lo.until, "last year projected (default 2030)");
  localize->add_option("--samples", lo.samples, "Monte Carlo samples (default 10000)");
  localize->add_option("--seed", lo.seed, "random seed (default 1)");
  add_common(localize);

  ReplayOptions ro;
  auto* replay = app.add_subcommand("replay", "replay a cluster trace under scheduling policies");
  replay->add_option("--trace", ro.trace, "trace file")->required();
  replay->add_option("--format", ro.format, "openb, gavel, sia or csv (default: from the file)");
  replay->add_option("--nodes", ro.nodes,
                     "node list (openb format: sn,cpu_milli,memory_mib,gpu,model)");
  replay->add_option("--cluster", ro.cluster,
                     "type:count[:gpus_per_node],... (without a node size, one pool per type; a "
                     "count of 0 adds no GPUs)");
  replay->add_option(
      "--policy", ro.policies,
      "policy or comma-separated policies: " + suanli::JoinOr(suanli::sim::PolicyNames()));
  replay->add_option("--report", ro.report, "also write a self-contained HTML report");
  replay->add_option(
      "--round-s", ro.round_s,
      "round-based mode: decide every N seconds (Gavel uses 360); default: at every event, "
      "except max-min-fairness(-perf), which need rounds (360 s)");
  auto* seed_opt = replay->add_option(
      "--seed", ro.seed,
      "seed of the draws some policies make: Gavel's FIFO (Gavel's --seed, default 0); with "
      "--fill, the fill order and tie-breaking (default 42, as FGD's runs)");
  auto* fill_opt = replay->add_option(
      "--fill", ro.fill,
      "FGD's fill experiment: pods arrive in a shuffled order and never leave until the requested "
      "GPU reaches this ratio of capacity (e.g. 1.3); prints allocation % vs arrived %");
  replay->add_option("--repeat", ro.repeat,
                     "with --fill: runs seeds seed .. seed + N - 1 and averages (default 1)");
  replay->add_option("--throughputs", ro.throughputs,
                     "Gavel simulation_throughputs.json (default $SUANLI_DATA/traces/gavel/...)");
  replay->add_option("--profiles", ro.profiles,
                     "Sia profile directory (default $SUANLI_DATA/traces/sia-sosp23/traces)");
  add_common(replay);

  SynthOptions so;
  auto* trace_cmd = app.add_subcommand("trace", "work with trace files");
  trace_cmd->require_subcommand(1);
  auto* synth =
      trace_cmd->add_subcommand("synth", "a larger trace resampled from a real one (generic CSV)");
  synth->add_option("--from", so.from, "source trace")->required();
  synth->add_option("--format", so.format, "source format: openb, gavel, sia or csv");
  synth->add_option("--jobs", so.jobs, "jobs to write")->required();
  synth->add_option("--seed", so.seed, "random seed (default 1)");
  synth->add_option("--rate-scale", so.rate_scale,
                    "arrival rate multiplier: gaps are divided by it (default 1)");
  synth->add_option("-o,--output", so.output, "output CSV file")->required();
  synth->add_option("--throughputs", so.throughputs, "Gavel simulation_throughputs.json");
  synth->add_option("--profiles", so.profiles, "Sia profile directory");
  synth->add_flag("--json", common.json, "print one JSON object instead of a summary line");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitBadInput;
  }

  try {
    if (catalog_cmd->parsed()) return RunCatalog(common, what);
    if (train->parsed()) return RunTrain(common, t);
    if (infer->parsed()) return RunInfer(common, inf);
    if (forecast->parsed()) return RunForecast(common, fo);
    if (localize->parsed()) return RunLocalize(common, lo);
    if (replay->parsed()) {
      ro.fill_mode = fill_opt->count() > 0;
      ro.seed_given = seed_opt->count() > 0;
      return RunReplay(common, ro);
    }
    if (synth->parsed()) return RunSynth(common, so);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "suanli: internal error: %s\n", e.what());
    return 1;
  }
  return kExitBadInput;
}
