#include "catalog/catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>

#include "catalog/builtin_files.h"
#include "core/atomic_file.h"
#include "core/text.h"

namespace suanli::catalog {
namespace {

// Finds an entry by id or alias, after normalizing case and separators.
template <typename T>
Result<const T*> FindById(const std::vector<T>& items, std::string_view query,
                          std::string_view kind) {
  const std::string q = NormalizeId(query);
  for (const T& item : items) {
    if (item.id == q) return &item;
  }
  if constexpr (requires(const T& t) { t.aliases; }) {
    for (const T& item : items) {
      if (std::find(item.aliases.begin(), item.aliases.end(), q) != item.aliases.end()) {
        return &item;
      }
    }
  }
  std::vector<std::string> names;
  for (const T& item : items) names.push_back(item.id);
  std::string message = "unknown " + std::string(kind) + " " + Quoted(query);
  if (!names.empty()) message += "; nearest: " + JoinOr(NearestNames(q, names));
  message += " (see `suanli catalog " + std::string(kind) + "s`)";
  return MakeError(message);
}

// A precision suffix of a repository name and the format it ships: "-FP8" (and "-FP8-Dynamic"),
// "-NVFP4"/"-MXFP4"/"-FP4", "-AWQ"/"-GPTQ-Int4"/"-W4A16" (4-bit weights, 16-bit math),
// "-W8A8"/"-Int8", "-W4A8". Empty when `part` is none. A quantization method's word ("gptq",
// "dynamic") before or after one is skipped by the caller.
std::string_view PrecisionSuffix(std::string_view part) {
  if (part == "fp8") return "fp8";
  if (part == "fp4" || part == "nvfp4" || part == "mxfp4") return "fp4";
  if (part == "awq" || part == "int4" || part == "w4a16" || part == "quantized.w4a16")
    return "int4";
  if (part == "int8" || part == "w8a8" || part == "quantized.w8a8") return "int8";
  // Ascend's msModelSlim W4A8 copies (DeepSeek-R1-W4A8): 4-bit weights, INT8 activations (S3113).
  if (part == "w4a8") return "w4a8";
  if (part == "bf16") return "bf16";
  return {};
}
bool IsQuantizationWord(std::string_view part) {
  // AMD's Quark copies say their KV cache is FP8 too ("-FP8-KV", InferenceMAX's MI300X Llama
  // 3.1 70B), which 8-bit weights imply here anyway.
  return part == "gptq" || part == "dynamic" || part == "static" || part == "kv";
}

}  // namespace

Result<Catalog> Catalog::Builtin() {
  Catalog catalog;
  for (const EmbeddedFile& f : BuiltinFiles()) {
    if (auto r = catalog.MergeYaml(f.content, "builtin:" + std::string(f.name)); !r) {
      return tl::unexpected(r.error());
    }
  }
  if (auto r = catalog.Validate(); !r) return tl::unexpected(r.error());
  return catalog;
}

Result<void> Catalog::MergeDirectory(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return MakeError("catalog directory not found or not a directory", dir);
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto ext = entry.path().extension();
    if (ext != ".yaml" && ext != ".yml") continue;
    std::error_code status;  // the throwing overload ended the run on a symbolic link loop
    if (entry.is_regular_file(status)) files.push_back(entry.path());
    if (status) return MakeError("cannot read file: " + status.message(), entry.path().string());
  }
  if (ec) return MakeError("cannot list directory: " + ec.message(), dir);
  if (files.empty()) return MakeError("no *.yaml files in catalog directory", dir);
  std::sort(files.begin(), files.end());
  Catalog next = *this;
  for (const auto& path : files) {
    auto text = ReadWholeFile(path.string());
    if (!text) return tl::unexpected(text.error());
    if (auto r = next.MergeYaml(*text, path.string()); !r) return r;
  }
  if (auto r = next.Validate(); !r) return r;
  *this = std::move(next);
  return {};
}

std::string Catalog::Origin(std::string_view kind, std::string_view id) const {
  auto it = origins_.find(std::string(kind) + "/" + std::string(id));
  return it == origins_.end() ? std::string() : it->second;
}

Result<void> Catalog::Validate() const {
  // Errors point at the entry's own file and line.
  auto fail = [&](std::string_view kind, const std::string& id, std::string message,
                  std::string field) -> Result<void> {
    const std::string origin = Origin(kind, id);
    const auto colon = origin.rfind(':');
    std::string file = origin;
    int line = 0;
    if (colon != std::string::npos) {
      file = origin.substr(0, colon);
      line = std::atoi(origin.c_str() + colon + 1);
    }
    return MakeError(std::move(message), file, line, std::string(kind) + " " + id + "." + field);
  };
  auto check_sources = [&](std::string_view kind, const std::string& id,
                           const std::vector<std::string>& ids,
                           const std::string& field) -> Result<void> {
    for (const auto& s : ids) {
      if (!FindSource(s)) return fail(kind, id, "unknown source id '" + s + "'", field);
    }
    return {};
  };

  // Every id and alias names one entry only, across chips (and across models).
  auto check_names = [&](auto const& items, std::string_view kind) -> Result<void> {
    std::map<std::string, std::string> owner;
    for (const auto& item : items) owner[item.id] = item.id;
    for (const auto& item : items) {
      if constexpr (requires { item.aliases; }) {
        for (const auto& a : item.aliases) {
          auto [it, inserted] = owner.emplace(a, item.id);
          if (!inserted && it->second != item.id) {
            return fail(kind, item.id,
                        "alias '" + a + "' is already the id or an alias of '" + it->second + "'",
                        "aliases");
          }
        }
      }
    }
    return {};
  };
  if (auto r = check_names(chips_, "chip"); !r) return r;
  if (auto r = check_names(models_, "model"); !r) return r;
  // An alias names the checkpoint as released: an alias "glm-4.5-fp8" would serve the BF16
  // release under an FP8 name, where the name's suffix (read by FindCheckpoint) sets FP8.
  for (const Model& m : models_) {
    for (const auto& a : m.aliases) {
      const size_t dash = a.rfind('-');
      if (dash != std::string::npos && !PrecisionSuffix(a.substr(dash + 1)).empty()) {
        return fail("model", m.id,
                    "alias '" + a +
                        "' ends in a precision suffix, which sets the served format: drop the "
                        "alias (the suffix is read from the name) or list it under a "
                        "checkpoint's names",
                    "aliases");
      }
    }
  }
  if (auto r = check_names(engines_, "engine"); !r) return r;
  for (const ServingEngine& e : engines_) {
    if (auto r = check_sources("engine", e.id, e.sources, "source"); !r) return r;
    for (const auto& family : e.default_families) {
      if (!e.runs_on.empty() &&
          std::find(e.runs_on.begin(), e.runs_on.end(), family) == e.runs_on.end()) {
        return fail("engine", e.id, "default family '" + family + "' is not in runs_on",
                    "default_families");
      }
      for (const ServingEngine& other : engines_) {
        if (&other == &e) break;
        if (std::find(other.default_families.begin(), other.default_families.end(), family) !=
            other.default_families.end()) {
          return fail("engine", e.id,
                      "family '" + family + "' already runs engine '" + other.id +
                          "' by default; one default engine per family",
                      "default_families");
        }
      }
    }
    for (const auto& family : e.kv_default_families) {
      if (!e.runs_on.empty() &&
          std::find(e.runs_on.begin(), e.runs_on.end(), family) == e.runs_on.end()) {
        return fail("engine", e.id, "KV default family '" + family + "' is not in runs_on",
                    "kv_default_families");
      }
      for (const ServingEngine& other : engines_) {
        const auto& d = other.default_families;
        if (std::find(d.begin(), d.end(), family) != d.end()) {
          return fail("engine", e.id,
                      "family '" + family + "' runs engine '" + other.id +
                          "' by default, whose KV rules apply; drop it here",
                      "kv_default_families");
        }
      }
      for (const ServingEngine& other : engines_) {
        if (&other == &e) break;
        const auto& k = other.kv_default_families;
        if (std::find(k.begin(), k.end(), family) != k.end()) {
          return fail("engine", e.id,
                      "family '" + family + "' already takes engine '" + other.id +
                          "''s KV rules; one per family",
                      "kv_default_families");
        }
      }
    }
  }

  for (const Chip& c : chips_) {
    if (!c.default_system.empty() &&
        std::none_of(systems_.begin(), systems_.end(),
                     [&](const System& s) { return s.id == c.default_system; })) {
      return fail("chip", c.id, "default_system '" + c.default_system + "' is not a known system",
                  "default_system");
    }
    for (int d = 0; d < kNumDTypes; ++d) {
      const std::string field = "peak_tflops." + std::string(DTypeName(static_cast<DType>(d)));
      if (auto r = check_sources("chip", c.id, c.peak_tflops[d].sources, field); !r) return r;
    }
    const std::pair<const char*, const SourcedNumber*> numbers[] = {
        {"mxfp8_tflops", &c.mxfp8_tflops},
        {"memory_gib", &c.memory_gib},
        {"memory_tb_s", &c.memory_tb_s},
        {"scale_up_gb_s", &c.scale_up_gb_s},
        {"scale_up_domain", &c.scale_up_domain},
        {"scale_out_gbit_s", &c.scale_out_gbit_s},
        {"tdp_w", &c.tdp_w},
        {"price_usd", &c.price_usd}};
    for (const auto& [field, v] : numbers) {
      if (auto r = check_sources("chip", c.id, v->sources, field); !r) return r;
    }
    for (const auto& [field, v] : {std::pair{"process", &c.process}, {"foundry", &c.foundry}}) {
      if (auto r = check_sources("chip", c.id, v->sources, field); !r) return r;
    }
    for (const auto& e : c.export_status) {
      if (auto r = check_sources("chip", c.id, e.sources, "export_status"); !r) return r;
    }
    // Dense FP8 should not be below dense BF16 on a chip that has both.
    const auto& bf16 = c.peak(DType::kBf16);
    const auto& fp8 = c.peak(DType::kFp8);
    if (bf16.known() && fp8.known() && *fp8.value < *bf16.value) {
      return fail("chip", c.id, "fp8 peak is below bf16 peak; a dense fp8 peak is at least bf16's",
                  "peak_tflops.fp8");
    }
  }
  // A stack's model table names catalog models by id; an unknown one fails at its own row.
  for (const TrainingStack& s : stacks_) {
    for (const StackModel& m : s.models) {
      if (std::any_of(models_.begin(), models_.end(),
                      [&](const Model& model) { return model.id == m.model; })) {
        continue;
      }
      const auto colon = m.origin.rfind(':');
      return MakeError("model '" + m.model + "' is not a catalog model id",
                       m.origin.substr(0, colon), std::atoi(m.origin.c_str() + colon + 1),
                       "stack " + s.id + ".models." + m.name);
    }
  }
  for (const System& s : systems_) {
    const auto chip =
        std::find_if(chips_.begin(), chips_.end(), [&](const Chip& c) { return c.id == s.chip; });
    if (chip == chips_.end()) {
      return fail("system", s.id, "chip '" + s.chip + "' is not a known chip", "chip");
    }
    // A chip with an unknown TDP may carry a cap; modelling it then fails.
    if (s.power_cap_w && chip->tdp_w.known()) {
      if (auto ok = CheckPowerCap(*chip, CalibrationFor(chip->family), *s.power_cap_w); !ok) {
        return fail("system", s.id, ok.error().message, "power_cap_w");
      }
    }
    if (s.scale_up_domain % s.chips_per_node != 0 && s.chips_per_node % s.scale_up_domain != 0) {
      return fail("system", s.id,
                  "scale_up.domain_chips " + std::to_string(s.scale_up_domain) +
                      " and chips_per_node " + std::to_string(s.chips_per_node) +
                      " must divide one another",
                  "scale_up.domain_chips");
    }
    if (s.scale_out.bandwidth_gb_s > s.scale_up.bandwidth_gb_s) {
      return fail("system", s.id, "scale_out bandwidth exceeds scale_up bandwidth",
                  "scale_out.bandwidth_gb_s");
    }
    if (auto r = check_sources("system", s.id, s.sources, "source"); !r) return r;
  }
  for (const Model& m : models_) {
    if (m.attention == AttentionKind::kMha && m.kv_heads != m.heads) {
      return fail("model", m.id, "mha attention needs kv_heads equal to heads", "kv_heads");
    }
  }
  return {};
}

namespace {

// Words of a chip's name that say nothing its id does not: the vendor and brand, the form factor
// (SXM, OAM) and the memory type. "PCIe" and "NVL" stay: they are other parts.
bool IsChipNameNoise(std::string_view word) {
  for (std::string_view w :
       {"nvidia", "tesla",  "geforce", "amd",    "instinct", "huawei",    "intel",
        "habana", "google", "aws",     "amazon", "hygon",    "cambricon", "kunlunxin",
        "sxm",    "sxm2",   "sxm3",    "sxm4",   "sxm5",     "sxm6",      "oam",
        "hbm",    "hbm2",   "hbm2e",   "hbm3",   "hbm3e",    "gpu",       "accelerator"}) {
    if (word == w) return true;
  }
  return false;
}

// "80gb" -> 80; nullopt for any other word.
std::optional<double> MemoryWordGb(std::string_view word) {
  if (word.size() < 3 || word.substr(word.size() - 2) != "gb") return std::nullopt;
  const std::string_view digits = word.substr(0, word.size() - 2);
  if (!std::all_of(digits.begin(), digits.end(),
                   [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return std::nullopt;
  }
  return std::stod(std::string(digits));
}

}  // namespace

// By id or alias, else as nvidia-smi, a cloud console or a datasheet names it ("NVIDIA H100 80GB
// HBM3", "Tesla V100-SXM2-32GB", "AMD Instinct MI300X", "h100-sxm5-80gb"): without the words that
// say nothing the id does not, and with a memory size only if it is the chip's.
Result<const Chip*> Catalog::FindChip(std::string_view id) const {
  auto found = FindById(chips_, id, "chip");
  if (found) return found;
  const std::string name = NormalizeId(id);
  std::string kept;
  std::optional<double> memory_gb;
  bool dropped = false;
  for (size_t start = 0; start <= name.size();) {
    const size_t end = std::min(name.find('-', start), name.size());
    const std::string_view word = std::string_view(name).substr(start, end - start);
    start = end + 1;
    if (word.empty()) continue;
    if (IsChipNameNoise(word) || MemoryWordGb(word)) {
      if (auto gb = MemoryWordGb(word)) memory_gb = gb;
      dropped = true;
      continue;
    }
    kept += (kept.empty() ? "" : "-") + std::string(word);
  }
  if (!dropped || kept.empty()) return found;
  auto chip = FindById(chips_, kept, "chip");
  if (!chip) return found;
  const auto& memory = (*chip)->memory_gib;
  if (memory_gb && memory.known() && std::abs(*memory_gb - *memory.value) > 0.06 * *memory.value) {
    // The part with that memory, where the catalog lists it ("Tesla V100-SXM2-16GB" is v100-16gb).
    if (auto sized = FindById(chips_, fmt::format("{}-{:g}gb", kept, *memory_gb), "chip")) {
      return sized;
    }
    return MakeError(fmt::format(
        "unknown chip '{}': the catalog's {} has {:g} GB of memory, not {:g}; a part with {:g} GB "
        "needs its own entry (--catalog DIR, docs/catalog-schema.md)",
        id, (*chip)->id, *memory.value, *memory_gb, *memory_gb));
  }
  return chip;
}
Result<const System*> Catalog::FindSystem(std::string_view id) const {
  return FindById(systems_, id, "system");
}
namespace {

// A release suffix of a Hugging Face repository name: a tuned or converted copy of the same
// architecture ("-Instruct", "-chat-hf", "-Base", "-it", "-Thinking-2507", "-0528", "-v0.1",
// "-Exp", and the quantized copies' "-Preview" and "-V2": AMD's DeepSeek-R1-0528-MXFP4-Preview,
// NVIDIA's DeepSeek-R1-0528-FP4-V2). Precision suffixes ("-FP8") are not here: they change what
// is served.
bool IsReleaseSuffix(std::string_view part) {
  for (std::string_view s :
       {"instruct", "chat", "hf", "base", "it", "thinking", "exp", "preview", "pt", "paddle"}) {
    if (part == s) return true;
  }
  const auto digits = [](std::string_view t) {
    return !t.empty() &&
           std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
  };
  if (part.size() == 4 && digits(part)) return true;  // a date: 2507, 0324
  if (part.size() >= 2 && part[0] == 'v' && digits(part.substr(1))) return true;  // v2
  if (part.size() >= 4 && part[0] == 'v') {                                       // v0.1
    const size_t dot = part.find('.');
    return dot != std::string_view::npos && digits(part.substr(1, dot - 1)) &&
           digits(part.substr(dot + 1));
  }
  return false;
}

}  // namespace

Catalog Catalog::WithOnly(std::string_view kind, const std::vector<std::string>& ids) const {
  Catalog out = *this;
  const auto keep = [&](auto& list) {
    std::erase_if(
        list, [&](const auto& e) { return std::find(ids.begin(), ids.end(), e.id) == ids.end(); });
  };
  if (kind == "chips") keep(out.chips_);
  if (kind == "systems") keep(out.systems_);
  if (kind == "models") keep(out.models_);
  if (kind == "engines") keep(out.engines_);
  if (kind == "stacks") keep(out.stacks_);
  return out;
}

Result<const Model*> Catalog::FindModel(std::string_view id) const {
  auto found = FindCheckpoint(id);
  if (!found) return tl::unexpected(found.error());
  return found->model;
}

Result<ModelCheckpoint> Catalog::FindCheckpoint(std::string_view id) const {
  // A checkpoint the catalog lists (not a copy in another format).
  const auto listed = [](const Model* m, const CheckpointPrecision& precision, std::string basis) {
    ModelCheckpoint c;
    c.model = m;
    c.precision = precision;
    c.basis = std::move(basis);
    return c;
  };
  const auto released = [&listed](const Model* m) {
    if (m->checkpoints.empty()) return listed(m, {}, "");  // unstated: bf16, said nowhere
    return listed(m, m->checkpoints.front(), "as released");
  };
  auto found = FindById(models_, id, "model");
  if (found) {
    // An id that is also a variant's name is that variant (an entry whose first checkpoint is
    // one release and a later one another names the later one's ids).
    const std::string q = NormalizeId(id);
    for (const CheckpointPrecision& variant : (*found)->checkpoints) {
      if (std::find(variant.names.begin(), variant.names.end(), q) != variant.names.end()) {
        return listed(*found, variant, fmt::format("as {} is released", q));
      }
    }
    return released(*found);
  }
  // As vLLM and SGLang name what they serve, a Hugging Face repository
  // ("meta-llama/Llama-3.1-70B-Instruct"): the organization dropped, then release and precision
  // suffixes one at a time from the end. Unresolved, the error is about the name as given.
  std::string name = NormalizeId(id);
  std::string org;
  if (const size_t slash = name.rfind('/'); slash != std::string::npos) {
    org = name.substr(0, slash);
    name.erase(0, slash + 1);
  }
  std::string suffix_dtype;
  // Under NVIDIA's organization a name is NVIDIA's Model Optimizer copy, not the maker's variant
  // of the same name: nvidia/Qwen3-235B-A22B-FP8 is a per-tensor FP8 export that declares an FP8
  // cache, where Qwen/Qwen3-235B-A22B-FP8 is Qwen's block-scaled release that declares none (the
  // TensorRT-LLM perf overview's FP8 models, S4232; S3530, S3533).
  const bool nvidia_copy = org == "nvidia";
  for (;;) {
    for (const Model& m : models_) {  // a variant by name, unless a suffix decides
      for (const CheckpointPrecision& variant : m.checkpoints) {
        if (suffix_dtype.empty() && !nvidia_copy &&
            std::find(variant.names.begin(), variant.names.end(), name) != variant.names.end()) {
          return listed(&m, variant, fmt::format("as {} is released", name));
        }
      }
    }
    if (auto again = FindById(models_, name, "model")) {
      ModelCheckpoint c = released(*again);
      if (!suffix_dtype.empty()) {
        // A quantized copy: its suffix's format throughout, except that a 4-bit MoE checkpoint
        // (NVIDIA's DeepSeek-R1-FP4) quantizes the experts and keeps the rest as released.
        const bool experts_only = suffix_dtype == "fp4" && (*again)->is_moe();
        c.precision.expert_dtype = experts_only ? suffix_dtype : "";
        if (!experts_only) c.precision.dtype = suffix_dtype;
        c.basis = fmt::format("as the name's -{} says", suffix_dtype);
        c.copy = true;
        c.copy_org = org;
        c.precision.kv_dtype.clear();
      }
      return c;
    }
    const size_t dash = name.rfind('-');
    if (dash == std::string::npos) return tl::unexpected(found.error());
    const std::string_view part = std::string_view(name).substr(dash + 1);
    if (const std::string_view d = PrecisionSuffix(part); !d.empty()) {
      // The last precision word decides: "-AWQ-INT4" is int4, and so is the AWQ before it.
      if (suffix_dtype.empty()) suffix_dtype = d;
    } else if (!IsReleaseSuffix(part) && !IsQuantizationWord(part)) {
      return tl::unexpected(found.error());
    }
    name.erase(dash);
  }
}
Result<const ServingEngine*> Catalog::FindEngine(std::string_view id) const {
  return FindById(engines_, id, "engine");
}

bool RunsOn(const ServingEngine& engine, const Chip& chip) {
  const auto& f = engine.runs_on;
  return f.empty() || std::find(f.begin(), f.end(), chip.family) != f.end();
}

bool SmallDevice(const ServingEngine& engine, const Chip& chip) {
  const auto& names = engine.small_device_chips;
  const bool named = std::any_of(names.begin(), names.end(), [&](const std::string& n) {
    return chip.id.find(n) != std::string::npos;
  });
  return named || (engine.small_device_gib > 0 && chip.memory_gib.known() &&
                   *chip.memory_gib.value < engine.small_device_gib);
}

const ServingEngine* Catalog::DefaultEngineOf(const Chip& chip) const {
  for (const ServingEngine& e : engines_) {
    const auto& f = e.default_families;
    if (std::find(f.begin(), f.end(), chip.family) != f.end()) return &e;
  }
  return nullptr;
}

const ServingEngine* Catalog::KvDefaultEngineOf(const Chip& chip) const {
  for (const ServingEngine& e : engines_) {
    const auto& f = e.kv_default_families;
    if (std::find(f.begin(), f.end(), chip.family) != f.end()) return &e;
  }
  return nullptr;
}

Result<const TrainingStack*> Catalog::FindStack(std::string_view id) const {
  return FindById(stacks_, id, "stack");
}

const Chip* Catalog::MatchChip(std::string_view text) const {
  // As clusters name accelerators: "NVIDIA-H800" -> "h800"; DRA's "NVIDIA H100 80GB HBM3" ->
  // "h100-80gb-hbm3"; Ascend's "Ascend910B3" -> "ascend-910b3" (a sub-variant the catalog lacks
  // falls back: "Ascend910B2C" -> "ascend-910b2", "Ascend910B9" -> "ascend-910b").
  std::string name = ToLower(text);
  std::replace(name.begin(), name.end(), ' ', '-');
  for (std::string_view prefix : {"nvidia-", "tesla-", "huawei-", "amd-"}) {
    if (name.starts_with(prefix)) name.erase(0, prefix.size());
  }
  if (name.starts_with("ascend") && name.size() > 6 &&
      std::isdigit(static_cast<unsigned char>(name[6]))) {
    name.insert(6, "-");
  }
  while (!name.empty()) {
    // The name itself, else its leading dash-separated parts ("a100-sxm4-80gb" -> "a100").
    for (std::string_view part = name; !part.empty();) {
      if (auto chip = FindChip(part)) return *chip;
      const size_t dash = part.rfind('-');
      part = dash == std::string_view::npos ? std::string_view() : part.substr(0, dash);
    }
    // A sub-variant suffix: a number, or one letter after a number (910b2c -> 910b2 -> 910b).
    const auto last = static_cast<unsigned char>(name.back());
    const bool letter_after_number =
        std::isalpha(last) && name.size() > 1 &&
        std::isdigit(static_cast<unsigned char>(name[name.size() - 2]));
    if (!std::isdigit(last) && !letter_after_number) break;
    name.pop_back();
  }
  return nullptr;
}

const Source* Catalog::FindSource(std::string_view id) const {
  for (const Source& s : sources_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

const FamilyCalibration& Catalog::CalibrationFor(std::string_view family) const {
  for (const FamilyCalibration& f : families_) {
    if (f.id == family) return f;
  }
  return default_family_;
}

ModelError Catalog::ModelErrorFor(std::string_view family, bool training, bool moe,
                                  bool searched_layout) const {
  const FamilyCalibration& cal = CalibrationFor(family);
  const double family_sigma = training ? cal.training_error_sigma : cal.inference_error_sigma;
  const bool searched = training && searched_layout;
  const std::string_view work =
      !training ? "serving" : (searched ? "training (layout searched)" : "training (layout given)");
  const std::string_view kind = moe ? "moe" : "dense";
  const ModelErrorCell* every = nullptr;
  bool family_measured = false;  // the family has held-out runs of this workload, of any kind
  for (const ModelErrorCell& c : model_error_cells_) {
    if (c.training != training || c.searched != searched) continue;
    if (c.family == family && c.moe == moe) {
      return {c.bias, c.sigma, c.cases,
              fmt::format("held-out {} {} on {} ({} runs)", kind, work, family, c.cases), c.source};
    }
    if (c.family == family) family_measured = true;
    if (c.family == "any" && c.moe == moe) every = &c;
  }
  if (!every) {
    return {0, family_sigma, 0, fmt::format("{} family sigma", cal.id), cal.error_source};
  }
  ModelError e{every->bias, every->sigma, every->cases,
               fmt::format("held-out {} {} on every family ({} runs)", kind, work, every->cases),
               every->source};
  // A family never checked on runs of this workload may be off in ways the others are not
  // (its efficiencies are guesses): it keeps the wider of the pooled spread and its own sigma.
  if (!family_measured && family_sigma > e.sigma) {
    e.sigma = family_sigma;
    e.basis += fmt::format("; none on {}, so its sigma {:.2f}", cal.id, family_sigma);
  }
  return e;
}

Result<System> Catalog::SystemFor(const Chip& chip) const {
  if (!chip.default_system.empty()) {
    auto s = FindSystem(chip.default_system);
    if (!s) return tl::unexpected(s.error());
    return **s;
  }
  // No listed system: build one from the chip's own interconnect figures.
  if (!chip.scale_up_gb_s.known() || *chip.scale_up_gb_s.value <= 0) {
    return MakeError("chip '" + chip.id +
                     "' has no listed system and its scale-up bandwidth (scale_up_gb_s) is "
                     "unknown; give --system or add one in a --catalog file");
  }
  if (!chip.scale_out_gbit_s.known() || *chip.scale_out_gbit_s.value <= 0) {
    return MakeError("chip '" + chip.id +
                     "' has no listed system and its scale-out bandwidth (scale_out_gbit_s) is "
                     "unknown; give --system or add one in a --catalog file");
  }
  System s;
  s.id = chip.id + "-generic";
  s.name = chip.name + " (generic node from chip figures)";
  s.chip = chip.id;
  s.scale_up_domain =
      chip.scale_up_domain.known() ? static_cast<int>(*chip.scale_up_domain.value) : 8;
  s.chips_per_node = std::min(8, s.scale_up_domain);
  // Vendor scale-up figures are usually bidirectional: halve for one direction.
  s.scale_up.bandwidth_gb_s = *chip.scale_up_gb_s.value / 2;
  s.scale_up.latency_us = 3;
  s.scale_up.efficiency = 0.8;
  s.scale_out.bandwidth_gb_s = *chip.scale_out_gbit_s.value / 8;
  s.scale_out.latency_us = 10;
  s.scale_out.efficiency = 0.8;
  return s;
}

Result<void> CheckPowerCap(const Chip& chip, const FamilyCalibration& cal, double cap_w) {
  if (!(cap_w > 0) || !std::isfinite(cap_w)) {
    return MakeError("power cap must be a positive number of watts");
  }
  if (!chip.tdp_w.known()) {
    return MakeError("chip '" + chip.id +
                     "': tdp_w is unknown in the catalog, so a power cap cannot be modelled; "
                     "add it with --catalog");
  }
  const double tdp = *chip.tdp_w.value;
  if (cap_w > tdp) {
    return MakeError(
        fmt::format("power cap {:g} W is above the {:g} W TDP of chip '{}'; a cap can only "
                    "lower power",
                    cap_w, tdp, chip.id));
  }
  const double static_w = cal.static_power_fraction * tdp;
  if (cap_w <= static_w) {
    return MakeError(
        fmt::format("power cap {:g} W is at or below the static power of chip '{}' (about "
                    "{:.0f} W); it would not run",
                    cap_w, chip.id, static_w));
  }
  return {};
}

}  // namespace suanli::catalog
