// suanli: the command-line front door. Turns flags into app requests (app/requests.h), runs them
// on the engine and prints a table or one JSON object. Exit 0 on success, 2 on bad input.
// No rule about a request lives here: the HTTP server has the same ones through src/app.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "app/engine.h"
#include "app/requests.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/number.h"
#include "core/text.h"
#include "server/http_server.h"

namespace {

using suanli::Error;
using suanli::app::Field;
using suanli::app::FieldValue;

constexpr int kExitBadInput = 2;

// Options every command has.
struct CommonOptions {
  std::string catalog_dir;
  bool json = false;
  std::string output;     // write here instead of stdout
  bool progress = false;  // progress on stderr even when it is not a terminal
};

// Errors name request fields; on the command line they are flags. `request_field`: e.field is a
// flag of the command; an error about a whole file it names (no line) then reads as the flag, the
// file as given, the message ("--measurements: runs.yaml: cannot read file").
int Fail(Error e, bool request_field = false) {
  if (request_field && e.line == 0 && !e.file.empty()) {
    e.message = e.file + ": " + e.message;
    e.file.clear();
  }
  if (!e.field.empty() && e.file.empty() && e.field.front() != '-' && e.field != "scenario" &&
      e.field != "what") {
    e.field = suanli::app::FlagName(e.field);
  }
  std::fprintf(stderr, "suanli: error: %s\n", e.ToString().c_str());
  return kExitBadInput;
}

// The flags of the command line as the user spelt them, by the name the parser sees
// ("--block-size" -> "--block_size", "--tensor-parallel-size" -> "-tp"): an error about a field
// given under an alias names the flag typed.
std::map<std::string, std::string>& TypedFlags() {
  static std::map<std::string, std::string> typed;
  return typed;
}

// The flags `f` was given by, as typed ("--max_steps", "-tp"): its own flag first if that was
// given, then its aliases given, in their order.
template <typename Request>
std::vector<std::string> FlagsTyped(const Field<Request>& f) {
  std::vector<std::string> given;
  const auto& typed = TypedFlags();
  if (const auto it = typed.find(suanli::app::FlagName(f.name)); it != typed.end()) {
    given.push_back(it->second);
  }
  for (const auto& alias : f.aliases) {
    if (const auto it = typed.find(suanli::app::FlagName(alias)); it != typed.end()) {
      given.push_back(it->second);
    }
  }
  return given;
}

// The flag `f` was given by, as typed (`--max_steps 1000` is an error of --max_steps, not of
// --max-steps): the first of FlagsTyped; empty if none was (a positional value).
template <typename Request>
std::string TypedFlag(const Field<Request>& f) {
  auto given = FlagsTyped(f);
  return given.empty() ? std::string() : std::move(given.front());
}

// A request's fields as flags of one subcommand; values are kept as the user typed them and
// converted by the request layer, like JSON values are.
template <typename Request>
class CliRequest {
 public:
  // `groups`: the --help headings (Field::group) in the order they are shown; the flags are
  // added heading by heading (CLI11 shows a heading where its first flag was added).
  CliRequest(CLI::App* cmd, const std::vector<Field<Request>>& fields,
             const std::vector<std::string>& groups = {})
      : fields_(fields) {
    const bool takes_positional =
        std::any_of(fields.begin(), fields.end(), [](const auto& f) { return f.positional; });
    const auto rank = [&](const Field<Request>& f) {
      if (f.group.empty()) return -1L;
      return static_cast<long>(std::find(groups.begin(), groups.end(), f.group) - groups.begin());
    };
    std::vector<const Field<Request>*> in_help_order;
    for (const auto& f : fields) in_help_order.push_back(&f);
    std::stable_sort(in_help_order.begin(), in_help_order.end(),
                     [&](const auto* a, const auto* b) { return rank(*a) < rank(*b); });
    for (const auto* field : in_help_order) {
      const auto& f = *field;
      Slot& slot = slots_.emplace_back();
      slot.field = &f;
      std::string names = !f.positional ? suanli::app::FlagName(f.name)
                          : f.flag_too ? fmt::format("{},{}", f.name, suanli::app::FlagName(f.name))
                                       : f.name;
      for (const auto& alias : f.aliases) {
        names = fmt::format("{},{}", names, suanli::app::FlagName(alias));
      }
      if (f.kind == suanli::app::FieldKind::kBool) {
        slot.option = cmd->add_flag(names, slot.flag, f.help);
        if (!f.group.empty()) slot.option->group(f.group);
        continue;
      }
      if (f.name == "output") names = "-o," + names;
      if (f.kind == suanli::app::FieldKind::kList) {
        // "--chip h20,h800" and "--chip h20 --chip h800"; positional lists take every value.
        slot.option = cmd->add_option(names, slot.list, f.help);
        if (!f.positional) slot.option->delimiter(',');
        // `--chip h100 meta-llama/Llama-3.1-8B-Instruct`: the model is the command's, not a chip.
        if (!f.positional && !f.nargs && takes_positional) slot.option->allow_extra_args(false);
      } else {
        slot.option = cmd->add_option(names, slot.text, f.help);
        // Given bare it means f.bare; the help keeps saying the value is optional, not a default.
        if (!f.bare.empty())
          slot.option->expected(0, 1)->default_str(f.bare)->option_text("[TEXT]");
      }
      if (f.required) slot.option->required();
      if (!f.group.empty()) slot.option->group(f.group);
      // Values are text the request layer converts; say what kind it expects.
      switch (f.kind) {
        case suanli::app::FieldKind::kInteger:
          slot.option->type_name("INT");
          break;
        case suanli::app::FieldKind::kNumber:
          slot.option->type_name("NUMBER");
          break;
        case suanli::app::FieldKind::kList:
          slot.option->type_name("LIST");
          break;
        default:
          break;
      }
    }
  }

  // The request from what was given; an error names the flag.
  suanli::Result<Request> Build() const {
    Request r;
    // In the fields' order, as the other front doors apply them, not in --help's.
    std::vector<const Slot*> in_field_order;
    for (const auto& slot : slots_) in_field_order.push_back(&slot);
    std::sort(in_field_order.begin(), in_field_order.end(),
              [](const Slot* a, const Slot* b) { return a->field < b->field; });
    for (const Slot* each : in_field_order) {
      const Slot& slot = *each;
      if (slot.option->count() == 0) continue;
      const auto kind = slot.field->kind;
      const FieldValue v = kind == suanli::app::FieldKind::kBool   ? FieldValue{slot.flag}
                           : kind == suanli::app::FieldKind::kList ? FieldValue{slot.list}
                                                                   : FieldValue{slot.text};
      if (auto ok = suanli::app::SetAsTyped(*slot.field, r, v, TypedFlag(*slot.field)); !ok) {
        return tl::unexpected(ok.error());
      }
      if constexpr (requires { r.fields_given; }) r.fields_given.push_back(slot.field->name);
    }
    return r;
  }

  // Whether `name` is one of the request's fields given by a flag.
  bool HasFlag(const std::string& name) const {
    return std::any_of(fields_.begin(), fields_.end(), [&](const Field<Request>& f) {
      // An alias is a flag too (vLLM's --config for --extra-llm-api-options), and so is the
      // flag as typed (an error names "--deepspeed_config" when that was given).
      if (f.positional && !f.flag_too) return false;
      if (suanli::app::NamedAs(f, name)) return true;
      const auto given = FlagsTyped(f);
      return std::find(given.begin(), given.end(), name) != given.end();
    });
  }

 private:
  struct Slot {
    const Field<Request>* field = nullptr;
    CLI::Option* option = nullptr;
    std::string text;
    std::vector<std::string> list;
    bool flag = false;
  };
  const std::vector<Field<Request>>& fields_;
  std::deque<Slot> slots_;  // CLI11 keeps pointers into the slots
};

// Progress on stderr, only when it is a terminal or --progress is given (so piped and compared
// output never has it): a bar while the forecast samples (on a terminal), and for a replay a line
// at most every half second once it has run a second: rows read, jobs done, simulated time.
std::function<void(const std::string&, long, long)> ShowProgress(bool json, bool asked) {
  const bool tty = isatty(STDERR_FILENO);
  if (!asked && (json || !tty)) return nullptr;
  struct State {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    std::chrono::steady_clock::time_point last = start;
  };
  auto state = std::make_shared<State>();
  return [state, tty](const std::string& what, long done, long total) {
    if (what == "sampling") {
      if (!tty) return;
      const int width = 30;
      const int filled = static_cast<int>(width * done / std::max(1L, total));
      std::fprintf(stderr, "\rsampling [%s%s] %ld/%ld", std::string(filled, '#').c_str(),
                   std::string(width - filled, ' ').c_str(), done, total);
      if (done >= total) std::fprintf(stderr, "\n");
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - state->start).count();
    if (elapsed < 1 || now - state->last < std::chrono::milliseconds(500)) return;
    state->last = now;
    if (total <= 0) {  // a count with no end known: rows of a trace read as a stream
      std::fprintf(stderr, "suanli: %s: %ld rows, %.1f s\n", what.c_str(), done, elapsed);
      return;
    }
    std::fprintf(
        stderr, "suanli: %s: %ld of %ld jobs done (%.0f %%), %.1f s\n", what.c_str(), done, total,
        100.0 * static_cast<double>(done) / static_cast<double>(std::max(1L, total)), elapsed);
  };
}

// Writes the files a command produced and, with -o, its result: all of them or none
// (core/atomic_file.h). Without -o the result goes to stdout, whose failure (a full disk, a closed
// descriptor) is an error too.
int Emit(const CommonOptions& common, const suanli::app::Output& out) {
  std::vector<suanli::FileToWrite> files;
  for (const auto& file : out.files) files.push_back({file.path, file.content, file.make_parent});
  if (!common.output.empty()) files.push_back({common.output, out.body, false});
  if (auto r = suanli::WriteFilesAtomically(files, out.inputs); !r) return Fail(r.error());
  if (!common.json) {
    for (const auto& note : out.notes) std::fprintf(stderr, "suanli: note: %s\n", note.c_str());
  }
  if (common.output.empty()) {
    std::fwrite(out.body.data(), 1, out.body.size(), stdout);
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
      return Fail(Error{std::string("cannot write the result to standard output: ") +
                        std::strerror(errno)});
    }
  }
  return 0;
}

// A closed standard descriptor would be taken by the next file opened, and the result printed
// into it: hold 0, 1 and 2 open on /dev/null, read-only, so that writes to them fail instead.
void HoldStandardDescriptors() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int held = open("/dev/null", O_RDONLY);
    if (held >= 0 && held != fd) {
      dup2(held, fd);
      close(held);
    }
  }
}

// vLLM's argument parser reads a JSON-valued flag key by key as well: `--speculative-config.method
// mtp --speculative-config.num_speculative_tokens 1` is `--speculative-config '{"method": "mtp",
// "num_speculative_tokens": 1}'` (vllm/utils FlexibleArgumentParser; the GLM-4.5 recipe is written
// so). The keys of one flag become one JSON object where the first of them stood; a value that
// reads as JSON (a number, true, an object) is that, any other is a string; a.b.c nests. Keys keep
// their underscores. Only vLLM's JSON-valued flags merge: torchtitan's dotted flags
// (--parallelism.tensor_parallel_degree) are flags of their own. Anything else passes as it is.
bool JsonValuedFlag(const std::string& flag) {
  static constexpr std::string_view kFlags[] = {"--speculative-config", "--compilation-config",
                                                "--hf-overrides", "--kv-transfer-config",
                                                "--rope-scaling"};
  return std::find(std::begin(kFlags), std::end(kFlags), flag) != std::end(kFlags);
}

std::vector<std::string> MergeDottedFlags(std::vector<std::string> args) {
  std::vector<std::string> out;
  std::vector<std::pair<std::string, nlohmann::json>> merged;  // flag -> object, in order
  std::vector<std::size_t> where;                              // its place in out
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const std::size_t dot = arg.find('.');
    const std::size_t eq = arg.find('=');
    if (i == 0 || arg == "--" || arg.rfind("--", 0) != 0 || dot == std::string::npos || dot < 3 ||
        (eq != std::string::npos && eq < dot)) {
      if (arg == "--") {
        out.insert(out.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
        break;
      }
      out.push_back(arg);
      continue;
    }
    std::string flag = arg.substr(0, dot);  // --speculative_config is --speculative-config
    std::replace(flag.begin(), flag.end(), '_', '-');
    if (!JsonValuedFlag(flag)) {
      out.push_back(arg);
      continue;
    }
    std::string path =
        arg.substr(dot + 1, eq == std::string::npos ? std::string::npos : eq - dot - 1);
    std::string text;
    if (eq != std::string::npos) {
      text = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      text = args[++i];
    }
    nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
    if (value.is_discarded()) value = text;
    auto it =
        std::find_if(merged.begin(), merged.end(), [&](const auto& m) { return m.first == flag; });
    if (it == merged.end()) {
      merged.emplace_back(flag, nlohmann::json::object());
      where.push_back(out.size());
      out.push_back(flag);
      out.emplace_back();  // the object, filled in below
      it = merged.end() - 1;
    }
    nlohmann::json* node = &it->second;
    for (std::size_t start = 0;;) {
      const std::size_t next = path.find('.', start);
      const std::string key = path.substr(start, next - start);
      if (next == std::string::npos) {
        (*node)[key] = value;
        break;
      }
      node = &(*node)[key];
      start = next + 1;
    }
  }
  for (std::size_t k = 0; k < merged.size(); ++k) out[where[k] + 1] = merged[k].second.dump();
  return out;
}

// A command pasted whole, its launcher included: `suanli infer vllm serve MODEL ...`, `suanli infer
// python3 -m sglang.launch_server --model-path MODEL ...`, `suanli infer trtllm-serve MODEL ...`,
// `suanli train torchrun --nproc_per_node 8 pretrain_gpt.py --tensor-model-parallel-size 2 ...`,
// `suanli train deepspeed --num_gpus 8 pretrain_gpt.py ...`.
// The serving benchmarks likewise (`vllm bench serve`, `python3 -m sglang.bench_serving`,
// `genai-perf profile`, `python3 benchmarks/benchmark_serving.py`): their flags are the workload.
// The launcher words name the program, not the deployment: after `infer` they become
// --launched-by (the request's launched_by: what a server leaves out is its default, how a
// benchmark reads --random-range-ratio), after `train` they are dropped (the launcher's own flags
// stay and are fields). Only after `train` or `infer`; anything after `--` is left alone.
// A shell environment assignment as a pasted command starts with: NAME=VALUE, NAME in capitals
// (VLLM_USE_DEEP_GEMM=1, ASCEND_RT_VISIBLE_DEVICES=0,1).
bool IsEnvAssignment(const std::string& a) {
  const size_t eq = a.find('=');
  if (eq == std::string::npos || eq == 0 || !std::isupper(static_cast<unsigned char>(a[0]))) {
    return false;
  }
  return std::all_of(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(eq), [](char c) {
    return std::isupper(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

// A Hydra override as NeMo's launch lines give them: a dotted lowercase key, `=`, its value
// (trainer.max_steps=1000, +model.foo=1), the train request's override field.
bool IsHydraOverride(const std::string& a) {
  const size_t eq = a.find('=');
  if (eq == std::string::npos) return false;
  size_t k = 0;
  while (k < eq && a[k] == '+') ++k;
  if (k == eq || !std::islower(static_cast<unsigned char>(a[k]))) return false;
  const std::string key = a.substr(k, eq - k);
  return key.find('.') != std::string::npos && key.back() != '.' &&
         std::all_of(key.begin(), key.end(), [](char c) {
           return std::islower(static_cast<unsigned char>(c)) ||
                  std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '.';
         });
}

// The first word of the command a wrapper (mpirun, srun, trtllm-llmapi-launch) starts.
bool IsProgramWord(const std::string& a) {
  static const std::vector<std::string> kPrograms = {"trtllm-llmapi-launch",
                                                     "trtllm-serve",
                                                     "trtllm-bench",
                                                     "python",
                                                     "python3",
                                                     "vllm",
                                                     "torchrun",
                                                     "deepspeed",
                                                     "bash",
                                                     "sh"};
  return std::find(kPrograms.begin(), kPrograms.end(), a) != kPrograms.end() ||
         (!a.empty() && a.front() != '-' && (a.ends_with(".py") || a.ends_with(".sh")));
}

// Past `docker run`'s options (docker run --help) from `i`: the index of the image.
std::size_t SkipDockerOptions(const std::vector<std::string>& args, std::size_t i) {
  // docker run's options that take a value as the next word (`--gpus all`, `-p 8000:8000`).
  static const std::vector<std::string> kValued = {"-p",
                                                   "--publish",
                                                   "-v",
                                                   "--volume",
                                                   "-e",
                                                   "--env",
                                                   "--env-file",
                                                   "--name",
                                                   "--ipc",
                                                   "--shm-size",
                                                   "--gpus",
                                                   "--runtime",
                                                   "--network",
                                                   "--net",
                                                   "--ulimit",
                                                   "--entrypoint",
                                                   "--device",
                                                   "--cap-add",
                                                   "--cap-drop",
                                                   "--security-opt",
                                                   "--mount",
                                                   "-w",
                                                   "--workdir",
                                                   "-u",
                                                   "--user",
                                                   "-l",
                                                   "--label",
                                                   "--restart",
                                                   "-m",
                                                   "--memory",
                                                   "--cpus",
                                                   "--platform",
                                                   "--pull",
                                                   "--group-add",
                                                   "-h",
                                                   "--hostname",
                                                   "--add-host",
                                                   "--log-driver",
                                                   "--log-opt",
                                                   "--pid",
                                                   "--tmpfs",
                                                   "--cpuset-cpus",
                                                   "--memory-swap",
                                                   "--stop-signal",
                                                   "--uts",
                                                   "--userns",
                                                   "--volumes-from"};
  while (i < args.size() && args[i].size() > 1 && args[i].front() == '-') {
    const std::string& o = args[i];
    const bool valued = o.find('=') == std::string::npos &&
                        std::find(kValued.begin(), kValued.end(), o) != kValued.end();
    i += valued ? 2 : 1;
  }
  return i;
}

std::vector<std::string> WithoutLaunchers(std::vector<std::string> args) {
  if (args.size() < 3 || (args[1] != "train" && args[1] != "infer")) return args;
  static const std::vector<std::string> kModules = {"sglang.launch_server",
                                                    "vllm.entrypoints.openai.api_server",
                                                    "torch.distributed.run",
                                                    "torch.distributed.launch",
                                                    "torchtitan.train",
                                                    "sglang.bench_serving",
                                                    "sglang.bench_one_batch",
                                                    "sglang.bench_offline_throughput",
                                                    "dynamo.vllm",
                                                    "dynamo.sglang",
                                                    "dynamo.trtllm",
                                                    "verl.trainer.main_ppo",
                                                    "openrlhf.cli.train_ppo_ray"};
  auto module = [&](std::size_t i) {
    return i < args.size() &&
           std::find(kModules.begin(), kModules.end(), args[i]) != kModules.end();
  };
  std::vector<std::string> out(args.begin(), args.begin() + 2);
  bool launched = false;  // a launcher seen: its script (pretrain_gpt.py) is dropped too
  bool genai_perf = false;
  bool trtllm_bench = false;
  const bool infer = args[1] == "infer";
  auto launched_by = [&](const std::string& program) {
    if (program.starts_with("torch")) return;
    out.push_back("--launched-by");
    out.push_back(program);
  };
  for (std::size_t i = 2; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      out.insert(out.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    const std::string next = i + 1 < args.size() ? args[i + 1] : std::string();
    if (!infer && IsHydraOverride(a)) {
      out.push_back("--override=" + a);  // NeMo's trainer.max_steps=1000
    } else if (!infer && a == "nemo" && next == "llm" && i + 2 < args.size() &&
               args[i + 2] == "pretrain") {
      i += 2;  // NeMo 2's CLI: `nemo llm pretrain --factory llama3_8b KEY=VALUE ...`
    } else if (!infer && (a == "run_train.sh" || a.ends_with("/run_train.sh"))) {
      // torchtitan's launcher script: one node of NGPU GPUs, its job config from the
      // environment (CONFIG_FILE, or MODULE and CONFIG), the request's env field.
      if (out.back() == "bash" || out.back() == "sh") out.pop_back();
      out.push_back("--env=run_train.sh");
    } else if (IsEnvAssignment(a)) {
      // `VLLM_USE_DEEP_GEMM=1 vllm serve ...`, `CUDA_DEVICE_MAX_CONNECTIONS=1 torchrun ...`: the
      // shell's environment for the command, the request's env field.
      out.push_back("--env=" + a);
    } else if (a == "docker" && next == "run") {
      // `docker run --gpus all -p 8000:8000 --ipc=host vllm/vllm-openai:latest --model M ...`
      // (vLLM's Docker guide, S3675): docker's own options, then the image, then the command or,
      // for vLLM's image, whose entrypoint is the OpenAI server, its flags.
      i = SkipDockerOptions(args, i + 2);
      if (i >= args.size()) break;
      const std::string& image = args[i];
      const std::string after = i + 1 < args.size() ? args[i + 1] : std::string();
      if (image.find("vllm-openai") != std::string::npos && after != "vllm" && after != "python" &&
          after != "python3") {
        launched_by("vllm");
      }
    } else if (a == "mpirun" || a == "mpiexec" || a == "srun" || a == "trtllm-llmapi-launch") {
      // A multi-node wrapper (`mpirun -n 8 --allow-run-as-root trtllm-llmapi-launch trtllm-serve
      // ...`, `srun -N 2 ... python pretrain_gpt.py ...`; one MPI world, S3671): its own options up
      // to the program it starts, which the chips and the program's flags already say.
      while (i + 1 < args.size() && !IsProgramWord(args[i + 1])) ++i;
    } else if (a == "vllm" && next == "serve") {
      ++i;
      launched_by("vllm");
    } else if (a == "vllm" && next == "bench" && i + 2 < args.size() && args[i + 2] == "serve") {
      i += 2;  // the serving benchmark: its flags are the workload's
      launched_by("vllm-bench");
    } else if (a == "vllm" && next == "bench" && i + 2 < args.size() &&
               (args[i + 2] == "throughput" || args[i + 2] == "latency")) {
      launched_by("vllm-bench-" + args[i + 2]);  // the engine in the benchmark's own process
      i += 2;
    } else if (a == "genai-perf" && next == "profile") {
      ++i;
      genai_perf = true;
      launched_by("genai-perf");
    } else if ((genai_perf || trtllm_bench) && a == "-m") {
      out.push_back("--model");  // genai-perf's short flag for its model
    } else if ((a == "python" || a == "python3") && next.size() > 3 && next.front() != '-' &&
               next.ends_with(".py")) {
      // a script run directly: vLLM's benchmarks/benchmark_serving.py, pretrain_gpt.py
      if (next.ends_with("benchmark_serving.py")) launched_by("vllm-bench");
      if (next.ends_with("benchmark_throughput.py")) launched_by("vllm-bench-throughput");
      if (next.ends_with("benchmark_latency.py")) launched_by("vllm-bench-latency");
      if (!infer) out.push_back("--script=" + next);  // the request's script field
      ++i;
    } else if (a == "trtllm-bench") {
      trtllm_bench = true;  // its subcommand (throughput) comes after its own flags
      launched_by("trtllm-bench");
    } else if (trtllm_bench && a == "throughput") {
      trtllm_bench = false;
    } else if (trtllm_bench && a == "latency") {
      trtllm_bench = false;  // its one-request-at-a-time loop: the launcher named so
      for (std::size_t k = 2; k + 1 < out.size(); ++k) {
        if (out[k] == "--launched-by" && out[k + 1] == "trtllm-bench") {
          out[k + 1] = "trtllm-bench-latency";
        }
      }
    } else if (a == "trtllm-serve") {
      if (next == "serve") ++i;
      launched_by("trtllm");
    } else if ((a == "python" || a == "python3") && next == "-m" && module(i + 2)) {
      launched_by(args[i + 2]);
      i += 2;
      launched = true;
    } else if ((a == "python" || a == "python3") && next == "-m" && i + 2 < args.size() &&
               !args[i + 2].empty() && args[i + 2].front() != '-') {
      // A module this list does not know (`python -m megatron.bridge.recipes.llama.llama3_8b`):
      // the program the line runs, which the request's launched_by check names and refuses
      // with what it reads, instead of three words CLI11 did not expect.
      launched_by(args[i + 2]);
      i += 2;
    } else if (a == "-m" && module(i + 1)) {
      launched_by(args[i + 1]);
      ++i;
    } else if (!infer && a == "llamafactory-cli" && next == "train") {
      ++i;  // LLaMA-Factory's launcher: its flags are fields (the Trainer's and its own)
      launched_by(a);
      // Its YAML (`llamafactory-cli train examples/train_lora/llama3_lora_sft.yaml`), then any
      // KEY=VALUE overrides, each the field of that name.
      if (i + 1 < args.size() &&
          (args[i + 1].ends_with(".yaml") || args[i + 1].ends_with(".yml"))) {
        out.push_back("--llamafactory-config");
        out.push_back(args[i + 1]);
        ++i;
        while (i + 1 < args.size() && !args[i + 1].starts_with("-") &&
               args[i + 1].find('=') != std::string::npos) {
          out.push_back("--llamafactory-override");
          out.push_back(args[i + 1]);
          ++i;
        }
      }
    } else if (!infer && a == "trl" && !next.empty() && next.front() != '-') {
      // TRL's CLI (`trl sft --model_name_or_path ... --dataset_name ...`, S4660): the
      // subcommand runs trl/scripts/<name>.py under accelerate launch; its flags are fields
      // (SFTConfig's, the Trainer's and accelerate's --num_processes), the program "trl sft".
      launched_by("trl " + next);
      ++i;
    } else if (!infer && a == "accelerate" && next == "launch") {
      ++i;  // Hugging Face Accelerate's launcher: its flags are fields, its script dropped
      launched = true;
    } else if (a == "torchrun" ||
               (a == "deepspeed" && out.back() != "--stack" && out.back() != "--emit")) {
      launched = true;  // DeepSpeed's launcher too (not the value of --stack deepspeed)
    } else if (launched && a.size() > 3 && a.front() != '-' && a.ends_with(".py")) {
      launched = false;  // the training script torchrun runs: the request's script field
      if (!infer) out.push_back("--script=" + a);
    } else {
      out.push_back(a);
    }
  }
  return out;
}

// One subcommand: its flags, and how to run the request they make.
struct Command {
  CLI::App* cmd = nullptr;
  std::function<int(const CommonOptions&)> run;
};

template <typename Request>
Command MakeCommand(CLI::App* cmd, const std::vector<Field<Request>>& fields,
                    suanli::Result<suanli::app::Output> (suanli::app::Engine::*method)(
                        const Request&, const suanli::app::RunContext&) const,
                    const std::vector<std::string>& groups = {}) {
  auto request = std::make_shared<CliRequest<Request>>(cmd, fields, groups);
  return {cmd, [request, method](const CommonOptions& common) {
            auto r = request->Build();
            if (!r) return Fail(r.error());
            suanli::app::EngineOptions options;
            options.catalog_dir = common.catalog_dir;
            // Shared data (traces) live outside the project: SUANLI_DATA, default ../shared/data.
            if (const char* env = std::getenv("SUANLI_DATA"); env && *env) options.data_dir = env;
            auto engine = suanli::app::Engine::Open(options);
            if (!engine) return Fail(engine.error());
            suanli::app::RunContext context;
            context.format = common.json ? suanli::app::Format::kJson : suanli::app::Format::kText;
            context.progress = ShowProgress(common.json, common.progress);
            auto out = ((*engine).*method)(*r, context);
            if (!out) return Fail(out.error(), request->HasFlag(out.error().field));
            return Emit(common, *out);
          }};
}

struct ServeFlags {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string token;
  int threads = 128;
  int max_heavy = 1;
  int max_samples = 20'000;
  std::vector<std::string> kube;  // cluster snapshot for the scheduler extender
  int max_file_mb = 256;
};

// `suanli serve`: the same engine over HTTP until SIGINT or SIGTERM.
int RunServe(const CommonOptions& common, const ServeFlags& flags) {
  suanli::app::EngineOptions options;
  options.catalog_dir = common.catalog_dir;
  if (const char* env = std::getenv("SUANLI_DATA"); env && *env) options.data_dir = env;
  // Clients name traces inside the data folder, never arbitrary paths.
  options.file_root = options.data_dir;
  options.max_file_bytes = static_cast<uint64_t>(std::max(1, flags.max_file_mb)) << 20;
  auto engine = suanli::app::Engine::Open(options);
  if (!engine) return Fail(engine.error());
  suanli::server::ServeOptions serve;
  if (!flags.kube.empty()) {
    // Read before the data-folder rule applies: the operator names these files.
    suanli::app::EngineOptions local_options = options;
    local_options.file_root.reset();
    auto local = suanli::app::Engine::Open(local_options);
    if (!local) return Fail(local.error());
    auto cluster = local->ReadCluster({flags.kube, ""});
    if (!cluster) return Fail(cluster.error());
    serve.api.cluster = std::make_shared<const suanli::sim::KubeCluster>(std::move(*cluster));
  }
  serve.host = flags.host;
  serve.port = flags.port;
  serve.threads = flags.threads;
  serve.api.token = flags.token;
  if (serve.api.token.empty()) {
    if (const char* env = std::getenv("SUANLI_TOKEN"); env) serve.api.token = env;
  }
  serve.api.max_heavy = flags.max_heavy;
  serve.api.max_samples = flags.max_samples;
  serve.on_listening = [&](int port) {
    std::fprintf(stderr, "suanli: serving on http://%s:%d (API at /v1, spec at /v1/openapi.json)\n",
                 flags.host.c_str(), port);
  };
  // Signals go to one thread that stops the server; the server's threads never see them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  suanli::server::HttpServer server(*engine, serve);
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    server.Stop();
  });
  auto r = server.Run();
  // Wake the stopper if the server ended on its own (bind error).
  pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  if (!r) return Fail(r.error());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  HoldStandardDescriptors();
  CLI::App app{
      "suanli (算力): capacity planning and performance modelling for AI accelerator "
      "fleets when chips are scarce"};
  app.require_subcommand(1);
  CommonOptions common;
  auto add_common = [&](CLI::App* cmd, bool with_output = true) {
    cmd->add_option("--catalog", common.catalog_dir,
                    "directory of YAML files that add to or override the built-in catalog");
    cmd->add_flag("--json", common.json, "print one JSON object instead of a table");
    if (with_output) {
      cmd->add_option("--output,-o", common.output, "write the result to this file (atomically)");
    }
  };
  namespace app_ns = suanli::app;
  using Engine = app_ns::Engine;
  std::vector<Command> commands;

  auto* catalog_cmd = app.add_subcommand("catalog", "list chips, systems or models with sources");
  commands.push_back(MakeCommand(catalog_cmd, app_ns::CatalogFields(), &Engine::Catalog));
  add_common(catalog_cmd);

  auto* train = app.add_subcommand("train", "time, cost and best parallel layout to train a model");
  commands.push_back(MakeCommand(train, app_ns::TrainFields(), &Engine::Train));
  add_common(train);

  auto* infer = app.add_subcommand(
      "infer", "serving throughput, latency and cost per chip, and chips for a demand");
  commands.push_back(
      MakeCommand(infer, app_ns::InferFields(), &Engine::Infer, app_ns::InferGroups()));
  add_common(infer);
  for (const char* flag : {"--json", "--output"}) infer->get_option(flag)->group("Output");

  auto* forecast = app.add_subcommand(
      "forecast", "when runs finish and how much demand is served under uncertain supply");
  commands.push_back(MakeCommand(forecast, app_ns::ForecastFields(), &Engine::Forecast));
  add_common(forecast);

  auto* localize = app.add_subcommand(
      "localize", "domestic self-sufficiency trajectories and the odds of a target");
  commands.push_back(MakeCommand(localize, app_ns::LocalizeFields(), &Engine::Localize));
  add_common(localize);

  auto* replay = app.add_subcommand("replay", "replay a cluster trace under scheduling policies");
  commands.push_back(MakeCommand(replay, app_ns::ReplayFields(), &Engine::Replay));
  add_common(replay);
  replay->add_flag("--progress", common.progress,
                   "progress on stderr (rows read, jobs done, simulated time) even when it is not "
                   "a terminal");

  auto* trace_cmd = app.add_subcommand("trace", "work with trace files");
  trace_cmd->require_subcommand(1);
  auto* synth =
      trace_cmd->add_subcommand("synth", "a larger trace resampled from a real one (generic CSV)");
  commands.push_back(MakeCommand(synth, app_ns::SynthFields(), &Engine::Synth));
  add_common(synth, /*with_output=*/false);

  auto* cluster_cmd = app.add_subcommand("cluster", "cluster state from Kubernetes");
  cluster_cmd->require_subcommand(1);
  auto* import_cmd = cluster_cmd->add_subcommand(
      "import",
      "accelerators, their use and Kueue quotas from `kubectl get ... -o json` (or -o yaml) files");
  commands.push_back(
      MakeCommand(import_cmd, app_ns::ClusterImportFields(), &Engine::ClusterImport));
  add_common(import_cmd);

  auto* simulate = app.add_subcommand(
      "simulate",
      "simulate before submit: where and when one job runs on the cluster as it is now");
  commands.push_back(MakeCommand(simulate, app_ns::SimulateFields(), &Engine::Simulate));
  add_common(simulate);

  auto* calibrate = app.add_subcommand(
      "calibrate", "fit the model's efficiency parameters to measured runs (catalog overlay out)");
  commands.push_back(MakeCommand(calibrate, app_ns::CalibrateFields(), &Engine::Calibrate));
  add_common(calibrate, /*with_output=*/false);

  ServeFlags serve_flags;
  auto* serve = app.add_subcommand(
      "serve", "the same engine as an HTTP API (POST /v1/train, /v1/infer, /v1/forecast, ...)");
  serve->add_option(
      "--host", serve_flags.host,
      "address to listen on (default 127.0.0.1; beyond loopback a token is required)");
  serve->add_option("--port", serve_flags.port, "port (default 8080; 0: any free port)");
  serve->add_option("--token", serve_flags.token,
                    "bearer token clients must send (default: $SUANLI_TOKEN)");
  serve->add_option("--threads", serve_flags.threads,
                    "worker threads; each keep-alive connection holds one (default 128)");
  serve->add_option("--max-heavy", serve_flags.max_heavy,
                    "forecast, replay or simulated infer requests run at once; more wait 2 s, then "
                    "503 (default 1)");
  serve->add_option("--max-samples", serve_flags.max_samples,
                    "Monte Carlo samples allowed per request (default 20000)");
  serve
      ->add_option(
          "--kube", serve_flags.kube,
          "kubectl get nodes,pods -o json files: the nodes the scheduler extender looks up "
          "when sent NodeNames")
      ->delimiter(',');
  serve->add_option("--catalog", common.catalog_dir,
                    "directory of YAML files that add to or override the built-in catalog");

  // CLI11's own messages ("--model is required") in the shape of every other error, and what
  // the user may have meant: a misspelt command, or a flag the command does not have.
  app.failure_message([](const CLI::App* top, const CLI::Error& e) {
    std::string message = e.what();
    const CLI::App* cmd = top;
    while (!cmd->get_subcommands().empty()) cmd = cmd->get_subcommands().back();
    const std::vector<std::string> extras = top->remaining(true);
    // A flag given twice (`--count 8 ... --count 16`): CLI11 says "At Most 1 required but
    // received 2"; say which values, and that one is wanted (the last would not silently win).
    if (const size_t at = message.find(": At Most 1 required but received ");
        at != std::string::npos && cmd != top) {
      const std::string name = message.substr(0, at);
      std::vector<std::string> values;
      for (const auto* opt : cmd->get_options()) {
        if (opt->get_name() != name) continue;
        for (const auto& v : opt->results()) values.push_back(suanli::Quoted(v));
      }
      if (values.size() > 1) {
        message = fmt::format("{}: given {} times ({}); give it once", name, values.size(),
                              fmt::join(values, ", "));
        return fmt::format("suanli: error: {}\n", message);
      }
    }
    if (cmd == top && !extras.empty() && !extras.front().empty() && extras.front()[0] != '-') {
      std::vector<std::string> names;
      for (const auto* sub : top->get_subcommands([](const CLI::App*) { return true; })) {
        names.push_back(sub->get_name());
      }
      const auto nearest = suanli::NearestNames(extras.front(), names, 1);
      const bool close =
          !nearest.empty() && suanli::EditDistance(extras.front(), nearest.front()) <= 2;
      // Words users reach for that are another command's mode: chips side by side is `infer
      // --compare`, what to buy is forecast's purchase advice.
      std::string hint = close ? fmt::format(" (did you mean {}?)", nearest.front()) : "";
      const std::string& word = extras.front();
      if (word == "compare") hint = " (chips side by side: infer --compare --chip a,b)";
      if (word == "plan" || word == "buy" || word == "purchase") {
        hint = " (what to buy and when runs finish: forecast, its purchase advice)";
      }
      message = fmt::format("unknown command '{}'; expected one of {}{}", word.substr(0, 40),
                            suanli::JoinOr(names), hint);
    } else if (cmd != top) {
      for (const auto& extra : extras) {
        if (extra.rfind("--", 0) != 0) continue;
        std::vector<std::string> flags;
        for (const auto* opt : cmd->get_options()) {
          for (const auto& name : opt->get_lnames()) flags.push_back(fmt::format("--{}", name));
        }
        const std::string flag = extra.substr(0, extra.find('='));
        auto nearest = suanli::NearestNames(flag, flags);
        // A fine-tuning method typed as a switch (`--lora`, as PEFT scripts' --use_lora) is a
        // value of --finetuning-type: named first, before the LoRA fields it is spelt like.
        // Only the flags that ask for it: the edit distance also named --load and --lr, launch
        // flags of no effect (audit round 13). QLoRA is LoRA over a 4-bit base, which
        // LLaMA-Factory asks for as --quantization_bit 4.
        if ((flag == "--lora" || flag == "--qlora") &&
            std::find(flags.begin(), flags.end(), "--finetuning-type") != flags.end()) {
          nearest = {"--finetuning-type " + flag.substr(2)};
          for (const char* also : {flag == "--lora" ? "--lora-rank" : "--quantization-bit",
                                   flag == "--lora" ? "--lora-target" : ""}) {
            if (*also && std::find(flags.begin(), flags.end(), also) != flags.end()) {
              nearest.push_back(flag == "--qlora" ? std::string(also) + " 4" : also);
            }
          }
        }
        message =
            fmt::format("unknown flag '{}' for {}{}", flag.substr(0, 60), cmd->get_name(),
                        nearest.empty() ? std::string()
                                        : fmt::format("; nearest: {}", suanli::JoinOr(nearest)));
        break;
      }
    }
    return fmt::format("suanli: error: {}\nRun with --help for more information.\n", message);
  });
  // Flags as Python frameworks spell them (vLLM's argument parser takes --tensor_parallel_size
  // for --tensor-parallel-size; configs are written with underscores): every flag here is
  // hyphenated, so an underscore in a flag's name (not its value) is a hyphen.
  std::vector<std::string> spelled =
      MergeDottedFlags(WithoutLaunchers(std::vector<std::string>(argv, argv + argc)));
  for (std::size_t i = 1; i < spelled.size() && spelled[i] != "--"; ++i) {
    std::string& arg = spelled[i];
    std::string typed_name;  // a short name, as typed
    // vLLM's short names for its parallel sizes (vllm serve MODEL -tp 2, as recipes write it).
    for (const auto& [short_name, long_name] :
         {std::pair{"-tp", "--tensor-parallel-size"}, std::pair{"-pp", "--pipeline-parallel-size"},
          std::pair{"-dp", "--data-parallel-size"}}) {
      if (arg == short_name || arg.rfind(std::string(short_name) + "=", 0) == 0) {
        typed_name = short_name;
        arg = long_name + arg.substr(std::string(short_name).size());
      }
    }
    if (arg.rfind("--", 0) != 0) continue;
    const std::size_t name_end = std::min(arg.find('='), arg.size());
    const std::string as_typed = typed_name.empty() ? arg.substr(0, name_end) : typed_name;
    std::replace(arg.begin(), arg.begin() + static_cast<std::ptrdiff_t>(name_end), '_', '-');
    TypedFlags().emplace(arg.substr(0, name_end), as_typed);
  }
  // "--tokens 15 trillion": the shell splits an amount said in words; the word is the value's
  // (core/number reads "15 trillion"), not an extra argument.
  for (std::size_t i = 2; i < spelled.size() && spelled[i - 1] != "--"; ++i) {
    // A plural ("15 trillions") joins too, for the amount parser's error naming the flag.
    const std::string& word = spelled[i];
    const bool plural = word.size() > 1 && word.back() == 's' &&
                        suanli::IsAmountWord(std::string_view(word).substr(0, word.size() - 1));
    if (!suanli::IsAmountWord(word) && !plural) continue;
    // The number before it is a flag's value: "--tokens=15", or "15" after a bare "--tokens".
    const std::string& before = spelled[i - 1];
    const auto is_flag = [](const std::string& a) { return a.rfind("--", 0) == 0; };
    std::string number;
    if (is_flag(before) && before.find('=') != std::string::npos) {
      number = before.substr(before.find('=') + 1);
    } else if (!is_flag(before) && is_flag(spelled[i - 2]) &&
               spelled[i - 2].find('=') == std::string::npos) {
      number = before;
    }
    if (suanli::ParseScaledNumber(number, {}).status != suanli::NumberStatus::kOk) continue;
    spelled[i - 1].append(1, ' ').append(spelled[i]);
    spelled.erase(spelled.begin() + static_cast<std::ptrdiff_t>(i));
    --i;
  }
  std::vector<char*> spelled_argv;
  for (auto& arg : spelled) spelled_argv.push_back(arg.data());
  try {
    app.parse(static_cast<int>(spelled_argv.size()), spelled_argv.data());
  } catch (const CLI::CallForHelp& e) {
    // `suanli plan --help`, `suanli trian --help`: help is asked for before CLI11 sees that the
    // word is no command, and the top-level help with exit 0 hides the slip: say what is wrong.
    const std::vector<std::string> extras = app.remaining(true);
    if (app.get_subcommands().empty() && !extras.empty() && !extras.front().empty() &&
        extras.front()[0] != '-') {
      app.exit(CLI::ExtrasError(extras));
      return kExitBadInput;
    }
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitBadInput;
  }

  try {
    for (const auto& c : commands) {
      if (c.cmd->parsed()) return c.run(common);
    }
    if (serve->parsed()) return RunServe(common, serve_flags);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "suanli: internal error: %s\n", e.what());
    return 1;
  }
  return kExitBadInput;
}
