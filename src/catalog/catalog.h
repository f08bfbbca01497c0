// The catalog: chips, systems, models, sources and calibration, loaded from
// YAML. The shipped data in data/ is compiled into the binary; a user catalog
// directory adds entries or replaces shipped ones by id.
//
// Lookups accept any case, "_" for "-", and aliases; models also by Hugging
// Face repository name ("meta-llama/Llama-3.1-70B-Instruct"). An unknown id
// is an error that lists the nearest known ids.
#ifndef SUANLI_CATALOG_CATALOG_H_
#define SUANLI_CATALOG_CATALOG_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/calibration.h"
#include "catalog/chip.h"
#include "catalog/engine.h"
#include "catalog/model.h"
#include "catalog/stack.h"
#include "catalog/system.h"
#include "core/error.h"

namespace suanli::catalog {

// A model as a name selects it, with the precision of the checkpoint that name ships.
struct ModelCheckpoint {
  const Model* model = nullptr;
  CheckpointPrecision precision;
  std::string basis;  // why that precision: the model's release, a variant, or the name's suffix
  // A copy in another format that a name's precision suffix implies and the catalog does not list
  // ("-FP8" of a model released in BF16): its declared KV format is not the release's.
  bool copy = false;
  std::string copy_org;  // the copy's organization as named ("nvidia" of nvidia/...); empty: none
};

struct Source {
  std::string id;
  std::string title;
  std::string url;
};

// Whether the engine runs on the chip's family at all (its runs_on; empty: any family).
bool RunsOn(const ServingEngine& engine, const Chip& chip);

// Whether the engine takes its small-device defaults on the chip (ServingEngine::small_device_*):
// less memory than small_device_gib, or an id holding one of small_device_chips.
bool SmallDevice(const ServingEngine& engine, const Chip& chip);

class Catalog {
 public:
  // The catalog compiled into the binary.
  static Result<Catalog> Builtin();

  // Reads every *.yaml file in `dir` (sorted by name) and merges it: an entry
  // whose id exists replaces it whole, a new id is added. Validates the result.
  Result<void> MergeDirectory(const std::string& dir);

  // Parses one YAML document named `file_name` (for messages) and merges it.
  // Does not validate cross references; call Validate() after the last merge.
  Result<void> MergeYaml(std::string_view text, const std::string& file_name);

  // Cross-reference and consistency checks over the whole catalog.
  Result<void> Validate() const;

  // By id or alias, or as nvidia-smi or a datasheet names the chip ("NVIDIA H100 80GB HBM3"): the
  // vendor, brand, form-factor and memory-type words dropped; a memory size must be the chip's.
  Result<const Chip*> FindChip(std::string_view id) const;
  Result<const System*> FindSystem(std::string_view id) const;
  Result<const Model*> FindModel(std::string_view id) const;
  // The model a name selects, as FindModel, and the precision its checkpoint ships in: a
  // precision suffix of the name ("-FP8", "-AWQ", "-GPTQ-Int4", "-W8A8", "-NVFP4"), else a
  // variant's ("Kimi-K2-Thinking"), else the model's released checkpoint (bf16 when unstated).
  Result<ModelCheckpoint> FindCheckpoint(std::string_view name) const;
  Result<const ServingEngine*> FindEngine(std::string_view id) const;
  // The engine a chip runs when a request names none (an engine listing the chip's family in
  // default_families); nullptr: none.
  const ServingEngine* DefaultEngineOf(const Chip& chip) const;
  // The engine whose KV format and pool a request naming no engine takes on a family with no
  // default engine (kv_default_families); nullptr: none.
  const ServingEngine* KvDefaultEngineOf(const Chip& chip) const;
  Result<const TrainingStack*> FindStack(std::string_view id) const;
  const Source* FindSource(std::string_view id) const;
  // The chip a free-form accelerator name is, if any: a trace's "H800", "A100-SXM4-80GB", or as
  // Kubernetes names them ("NVIDIA-H800", "NVIDIA H100 80GB HBM3", "Ascend910B3"). Vendor
  // prefixes go, Ascend sub-variants the catalog lacks fall back to their family ("910b2c" ->
  // "910b"), then the leading dash-separated parts are tried. nullptr when none is in the catalog.
  const Chip* MatchChip(std::string_view name) const;

  // The calibration for a chip family, or the "default" family when the
  // family has none (its `calibrated` flag is then false).
  const FamilyCalibration& CalibrationFor(std::string_view family) const;
  // The model's own error on a training or serving rate of a dense or MoE model on a chip
  // family. In order: the cell of the family and kind (held-out runs in data/model_error.yaml,
  // or a user's calibration overlay, whose cells replace them); the kind over every family
  // ("any"), with the family's single sigma (training_error_sigma or inference_error_sigma)
  // where that is wider and the family has no cell of the workload; the family's sigma alone.
  // Training errors are measured twice: on runs set up as published (`searched_layout` false)
  // and on the same runs with the layout searched as a user types them.
  ModelError ModelErrorFor(std::string_view family, bool training, bool moe,
                           bool searched_layout = true) const;
  const std::vector<ModelErrorCell>& model_error_cells() const { return model_error_cells_; }
  const TrainingCalibration& training_calibration() const { return training_; }
  const InferenceCalibration& inference_calibration() const { return inference_; }

  // The system a chip runs in: its default system, or a generic one built
  // from the chip's own interconnect figures.
  Result<System> SystemFor(const Chip& chip) const;

  const std::vector<Chip>& chips() const { return chips_; }
  const std::vector<System>& systems() const { return systems_; }
  const std::vector<Model>& models() const { return models_; }
  const std::vector<Source>& sources() const { return sources_; }
  const std::vector<ServingEngine>& engines() const { return engines_; }
  const std::vector<TrainingStack>& stacks() const { return stacks_; }

  // A copy whose list of `kind` (chips, systems, models, engines or stacks) holds only the
  // entries whose id is in `ids`, in their order; every other list as it is.
  Catalog WithOnly(std::string_view kind, const std::vector<std::string>& ids) const;

  // Where each entry came from ("builtin:chips.yaml:12"), for messages.
  std::string Origin(std::string_view kind, std::string_view id) const;

 private:
  friend class YamlLoader;

  std::vector<Chip> chips_;
  std::vector<System> systems_;
  std::vector<Model> models_;
  std::vector<Source> sources_;
  std::vector<ServingEngine> engines_;
  std::vector<TrainingStack> stacks_;
  std::vector<FamilyCalibration> families_;
  TrainingCalibration training_;
  InferenceCalibration inference_;
  FamilyCalibration default_family_;
  std::vector<ModelErrorCell> model_error_cells_;
  std::map<std::string, std::string> origins_;  // "kind/id" -> "file:line"
};

// Whether `chip` can run capped at `cap_w` watts: a positive cap, a known
// TDP, at most the TDP (a cap only lowers power) and above the chip's static
// power (`cal.static_power_fraction` of the TDP). The one check behind user
// systems' `power_cap_w` and the perf layer's power-cap model.
Result<void> CheckPowerCap(const Chip& chip, const FamilyCalibration& cal, double cap_w);

}  // namespace suanli::catalog

#endif  // SUANLI_CATALOG_CATALOG_H_
