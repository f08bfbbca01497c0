// The engine behind every front door: a typed request in, a rendered result out.
//
//   app::EngineOptions options;
//   options.catalog_dir = "my-chips";
//   auto engine = app::Engine::Open(options);
//   auto out = engine->Train(request, {.format = app::Format::kJson});
//
// The CLI and the HTTP server only translate flags or JSON into requests (app/requests.h) and
// print or send `Output::body`. Every rule about a request (defaults, ranges, which system goes
// with which chip, trace-format detection, where shared data lives) is here, once. Errors are
// values naming the request field (`Error::field`, e.g. "global_batch_tokens").
#ifndef SUANLI_APP_ENGINE_H_
#define SUANLI_APP_ENGINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/requests.h"
#include "core/error.h"
#include "sim/engine/kube.h"

namespace suanli::catalog {
class Catalog;
struct Chip;
}  // namespace suanli::catalog

namespace suanli::app {

struct EngineOptions {
  // YAML files that add to or override the built-in catalog.
  std::string catalog_dir;
  // The shared public data (traces, Gavel throughputs, Sia profiles).
  std::string data_dir = "../shared/data";
  // When set, every file a request names must be a relative path inside this folder (a server
  // must not read whatever path a client sends). Unset: any path (the CLI).
  std::optional<std::string> file_root;
  // Largest file a request may make the engine read (traces, node lists, scenarios, Kubernetes
  // objects); 0: no limit (the CLI).
  uint64_t max_file_bytes = 0;
};

enum class Format { kText, kJson };

struct RunContext {
  Format format = Format::kText;
  // Progress of long runs as (what, done, total); called on the calling thread. Front doors
  // decide whether to show it; the result never depends on it.
  std::function<void(const std::string& what, long done, long total)> progress;
};

// How fast a job runs on each accelerator type of a cluster: what heterogeneity-aware scheduling
// (replay's -perf policies, the Kubernetes extender) ranks by.
struct JobHint {
  std::string model;  // catalog model id; empty: rank by the chip's peak for `dtype`
  // Training: the matmul format (empty: bf16). Serving: the weights' format (empty: as released).
  std::string dtype = "bf16";
  int chips = 1;  // accelerators the job holds
  // False when `chips` is only what one pod of the job holds (the scheduler extender: a
  // multi-node training job or serving instance runs one pod a node): a model that does not fit
  // in them may fit in the job's, so it rules no type out.
  bool chips_are_the_job = true;
  // "train", "infer", or "" to decide by `command`: a serving engine's launcher (vllm serve,
  // sglang.launch_server, trtllm-serve, ...) serves, anything else trains.
  std::string kind;
  std::vector<std::string> command;  // the job's command and arguments, as the pod runs them
};

struct TypeSpeed {
  std::string type;  // as the cluster names it
  std::string chip;  // the catalog chip, "" when none matches
  bool can_run = true;
  std::string reason;   // why not, or what the speed rests on
  double speed = 0;     // tokens/s per chip with a model (output tokens when serving), else
                        // peak TFLOPS; 0 unknown
  double relative = 0;  // speed / the fastest type's speed
};

struct OutputFile {
  std::string path;
  std::string content;
  bool make_parent = false;  // create the folder it goes in (forecast --csv DIR)
};

struct Output {
  std::string body;                 // the table or the one JSON object
  std::vector<OutputFile> files;    // also asked for (--report, --csv, trace synth -o)
  std::vector<std::string> notes;   // for the user, not part of the result (skipped rows)
  std::vector<std::string> inputs;  // files the command read: no output may overwrite one
};

class Engine {
 public:
  // Loads the built-in catalog and the overlay; the one entry point.
  static Result<Engine> Open(const EngineOptions& options);

  Result<Output> Catalog(const CatalogRequest& r, const RunContext& c) const;
  // The catalogs Catalog() lists, in the order the CLI and the HTTP API show them.
  static const std::vector<std::string>& CatalogKinds();
  Result<Output> Train(const TrainRequest& r, const RunContext& c) const;
  Result<Output> Infer(const InferRequest& r, const RunContext& c) const;
  Result<Output> Forecast(const ForecastRequest& r, const RunContext& c) const;
  Result<Output> Localize(const LocalizeRequest& r, const RunContext& c) const;
  Result<Output> Replay(const ReplayRequest& r, const RunContext& c) const;
  Result<Output> Synth(const SynthRequest& r, const RunContext& c) const;
  Result<Output> ClusterImport(const ClusterImportRequest& r, const RunContext& c) const;
  Result<Output> Simulate(const SimulateRequest& r, const RunContext& c) const;
  Result<Output> Calibrate(const CalibrateRequest& r, const RunContext& c) const;
  // The cluster snapshot those objects describe (what `serve --kube` and the extender use).
  Result<sim::KubeCluster> ReadCluster(const ClusterImportRequest& r) const;

  // Speed of a job on each type; types the catalog does not know can run at unknown speed.
  Result<std::vector<TypeSpeed>> SpeedOfTypes(const std::vector<std::string>& types,
                                              const JobHint& hint) const;

  // The built-in scenarios, (name, description).
  static std::vector<std::pair<std::string, std::string>> Scenarios();
  // The YAML of a built-in scenario, as a JSON object {"name", "yaml"} or the text itself.
  static Result<Output> ScenarioText(const std::string& name, const RunContext& c);

  const catalog::Catalog& catalog() const { return *catalog_; }
  const EngineOptions& options() const { return options_; }

 private:
  Engine(EngineOptions options, std::shared_ptr<const catalog::Catalog> catalog);
  // A path a request names, checked against file_root.
  Result<std::string> RequestPath(const std::string& path, const std::string& field) const;
  // The text of a file a request names (RequestPath, then at most max_file_bytes of it).
  Result<std::string> ReadRequestInput(const std::string& path, const std::string& field) const;
  // An error from a file a request names, shown as the request gave the file: the resolved path
  // (the server's, under file_root) replaced by the given one in its file and message, and the
  // request field set on an error about the whole file (no line, no field). `files` are (field,
  // path as given) pairs; empty paths are skipped.
  Error AsGiven(Error e, const std::vector<std::pair<std::string, std::string>>& files) const;
  // Replay and Synth on the paths as given; the public methods show their errors AsGiven.
  Result<Output> ReplayFiles(const ReplayRequest& r, const RunContext& c) const;
  Result<Output> SynthFiles(const SynthRequest& r, const RunContext& c) const;
  // Train and Infer as the request's canonical fields name things; the public methods name a
  // field given under an alias as it was typed (NamedAsTyped).
  Result<Output> TrainCanonical(const TrainRequest& r, const RunContext& c) const;
  Result<Output> InferCanonical(const InferRequest& r, const RunContext& c) const;

  EngineOptions options_;
  std::shared_ptr<const catalog::Catalog> catalog_;
};

}  // namespace suanli::app

#endif  // SUANLI_APP_ENGINE_H_
