// suanli: the command-line front door. Parses arguments, calls the library,
// prints a table or one JSON object. Exit 0 on success, 2 on bad input.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include "catalog/catalog.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/text.h"
#include "perf/training.h"
#include "report/catalog_report.h"
#include "report/train_report.h"

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
    std::fprintf(stderr, "suanli: %s\n", r.error().ToString().c_str());
    return 1;
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

  suanli::perf::TrainingJob job;
  job.model = *model;
  job.chip = *chip;
  if (!o.system.empty()) {
    auto s = catalog->FindSystem(o.system);
    if (!s) return Fail(s.error());
    if ((*s)->chip != (*chip)->id) {
      return Fail(Error{"system '" + (*s)->id + "' holds chip '" + (*s)->chip + "', not '" +
                        (*chip)->id + "'"});
    }
    job.system = **s;
  }
  job.calibration = catalog->CalibrationFor((*chip)->family);
  job.training = catalog->training_calibration();
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
    if (v && *v < 1) return Fail(Error{std::string(name) + " must be at least 1"});
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
  train->add_option("--attention", t.attention,
                    "attention kernel: flash (default) or unfused (pre-2022 Megatron)");
  add_common(train);

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
  } catch (const std::exception& e) {
    std::fprintf(stderr, "suanli: internal error: %s\n", e.what());
    return 1;
  }
  return kExitBadInput;
}
