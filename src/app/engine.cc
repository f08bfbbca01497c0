#include "app/engine.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app/internal.h"
#include "catalog/catalog.h"
#include "core/atomic_file.h"
#include "core/text.h"
#include "perf/power.h"
#include "report/catalog_report.h"
#include "supply/scenario.h"

namespace suanli::app {
namespace internal {

Error WithField(Error e, const std::string& field) {
  if (e.field.empty() && e.file.empty()) e.field = field;
  return e;
}

Error FieldError(const std::string& field, std::string message) {
  return Error{std::move(message), "", 0, field};
}

Result<catalog::System> ResolveSystem(const catalog::Catalog& c, const catalog::Chip& chip,
                                      const std::string& system_id) {
  if (system_id.empty()) return c.SystemFor(chip);
  auto s = c.FindSystem(system_id);
  if (!s) return tl::unexpected(WithField(s.error(), "system"));
  if ((*s)->chip != chip.id) {
    return tl::unexpected(FieldError("system", "system '" + (*s)->id + "' holds chip '" +
                                                   (*s)->chip + "', not '" + chip.id + "'"));
  }
  return **s;
}

void ChipFromSystemName(const catalog::Catalog& c, std::string& chip, std::string& system) {
  if (c.FindChip(chip)) return;
  auto named = c.FindSystem(chip);
  if (!named) return;
  if (system.empty()) system = (*named)->id;
  chip = (*named)->chip;
}

Result<catalog::System> ResolveCappedSystem(const catalog::Catalog& c, const catalog::Chip& chip,
                                            const std::string& system_id,
                                            const catalog::FamilyCalibration& calibration,
                                            std::optional<double> power_cap_w) {
  auto system = ResolveSystem(c, chip, system_id);
  if (!system || !power_cap_w) return system;
  auto clock = perf::ComputeClockFraction(chip, calibration, power_cap_w);
  if (!clock) return tl::unexpected(FieldError("power_cap_w", clock.error().message));
  perf::TightenPowerCap(*system, *power_cap_w);
  return system;
}

Result<std::string> ReadRequestFile(const std::string& path, uint64_t max_bytes,
                                    const std::string& field, const std::string& shown) {
  if (auto ok = CheckRequestFile(path, max_bytes, field, shown); !ok) {
    return tl::unexpected(ok.error());
  }
  auto text = ReadWholeFile(path);
  if (!text) {
    Error e = text.error();
    if (e.file == path && !shown.empty()) e.file = shown;
    if (e.field.empty()) e.field = field;
    return tl::unexpected(std::move(e));
  }
  return text;
}

Result<void> CheckRequestFile(const std::string& path, uint64_t max_bytes, const std::string& field,
                              const std::string& shown) {
  const std::string& name = shown.empty() ? path : shown;
  std::error_code dir_ec;
  if (std::filesystem::is_directory(path, dir_ec)) {
    return MakeError("cannot read file: it is a directory", name, 0, field);
  }
  if (max_bytes > 0) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > max_bytes) {
      return tl::unexpected(
          FieldError(field, fmt::format("{} is {} MiB; this server reads at most {} MiB per file",
                                        name, size >> 20, max_bytes >> 20)));
    }
  }
  return {};
}

}  // namespace internal

Engine::Engine(EngineOptions options, std::shared_ptr<const catalog::Catalog> catalog)
    : options_(std::move(options)), catalog_(std::move(catalog)) {}

Result<Engine> Engine::Open(const EngineOptions& options) {
  auto c = catalog::Catalog::Builtin();
  if (!c) return tl::unexpected(c.error());
  if (!options.catalog_dir.empty()) {
    if (auto r = c->MergeDirectory(options.catalog_dir); !r) {
      return tl::unexpected(internal::WithField(r.error(), "catalog"));
    }
  }
  return Engine(options, std::make_shared<const catalog::Catalog>(std::move(*c)));
}

Result<std::string> Engine::ReadRequestInput(const std::string& path,
                                             const std::string& field) const {
  auto resolved = RequestPath(path, field);
  if (!resolved) return tl::unexpected(resolved.error());
  return internal::ReadRequestFile(*resolved, options_.max_file_bytes, field, path);
}

Result<std::string> Engine::RequestPath(const std::string& path, const std::string& field) const {
  if (!options_.file_root) return path;
  const std::filesystem::path p(path);
  bool escapes = p.is_absolute() || path.empty();
  for (const auto& part : p) escapes = escapes || part == "..";
  if (escapes) {
    return tl::unexpected(internal::FieldError(
        field, fmt::format("'{}' must be a relative path inside the server's data folder (no '..')",
                           path.substr(0, 200))));
  }
  return (std::filesystem::path(*options_.file_root) / p).string();
}

Error Engine::AsGiven(Error e,
                      const std::vector<std::pair<std::string, std::string>>& files) const {
  for (const auto& [field, given] : files) {
    if (given.empty()) continue;
    auto resolved = RequestPath(given, field);
    if (!resolved) continue;
    if (e.file != *resolved && e.message.find(*resolved) == std::string::npos) continue;
    if (*resolved != given) {
      for (size_t at = e.message.find(*resolved); at != std::string::npos;
           at = e.message.find(*resolved, at + given.size())) {
        e.message.replace(at, resolved->size(), given);
      }
    }
    if (e.file == *resolved) {
      e.file = given;
      if (e.line == 0 && e.field.empty()) e.field = field;
    }
    break;
  }
  return e;
}

const std::vector<std::string>& Engine::CatalogKinds() {
  static const std::vector<std::string> kinds = {"chips", "systems", "models", "engines", "stacks"};
  return kinds;
}

namespace {

// The ids of the entries `name` picks: the one it names (by id, alias, or for chips and models as
// FindChip / FindModel read a datasheet's or a Hugging Face repository's name), else every entry
// whose id or an alias holds it.
template <typename T>
std::vector<std::string> Picked(const std::vector<T>& items, const std::string& name,
                                const std::optional<std::string>& found) {
  if (found) return {*found};
  const std::string q = NormalizeId(name);
  std::vector<std::string> ids;
  for (const T& e : items) {
    bool hit = NormalizeId(e.id).find(q) != std::string::npos;
    if constexpr (requires { e.aliases; }) {
      for (const std::string& a : e.aliases)
        hit = hit || NormalizeId(a).find(q) != std::string::npos;
    }
    if (hit) ids.push_back(e.id);
  }
  return ids;
}

}  // namespace

Result<Output> Engine::Catalog(const CatalogRequest& r, const RunContext& c) const {
  const bool json = c.format == Format::kJson;
  if (std::find(CatalogKinds().begin(), CatalogKinds().end(), r.what) == CatalogKinds().end()) {
    return tl::unexpected(internal::FieldError(
        "what", fmt::format("unknown catalog '{}'; expected {}", r.what.substr(0, 60),
                            fmt::join(CatalogKinds(), ", "))));
  }
  std::optional<catalog::Catalog> only;
  if (!r.name.empty()) {
    std::optional<std::string> found;
    std::vector<std::string> all, ids;
    const auto pick = [&](const auto& items) {
      for (const auto& e : items) all.push_back(e.id);
      ids = Picked(items, r.name, found);
    };
    if (r.what == "chips") {
      if (auto chip = catalog_->FindChip(r.name)) found = (*chip)->id;
      pick(catalog_->chips());
    } else if (r.what == "systems") {
      if (auto system = catalog_->FindSystem(r.name)) found = (*system)->id;
      pick(catalog_->systems());
    } else if (r.what == "models") {
      if (auto model = catalog_->FindModel(r.name)) found = (*model)->id;
      pick(catalog_->models());
    } else if (r.what == "engines") {
      if (auto engine = catalog_->FindEngine(r.name)) found = (*engine)->id;
      pick(catalog_->engines());
    } else {
      if (auto stack = catalog_->FindStack(r.name)) found = (*stack)->id;
      pick(catalog_->stacks());
    }
    if (ids.empty()) {
      std::string message =
          fmt::format("no {} entry is or holds '{}'", r.what.substr(0, 20), r.name.substr(0, 60));
      const auto nearest = NearestNames(r.name, all);
      if (!nearest.empty()) message += "; nearest: " + JoinOr(nearest);
      return tl::unexpected(internal::FieldError("name", message));
    }
    only = catalog_->WithOnly(r.what, ids);
  }
  const catalog::Catalog& cat = only ? *only : *catalog_;
  Output out;
  if (r.what == "chips") {
    out.body = json ? report::ChipsJson(cat) : report::ChipsTable(cat);
  } else if (r.what == "systems") {
    out.body = json ? report::SystemsJson(cat) : report::SystemsTable(cat);
  } else if (r.what == "models") {
    out.body = json ? report::ModelsJson(cat) : report::ModelsTable(cat);
  } else if (r.what == "engines") {
    out.body = json ? report::EnginesJson(cat) : report::EnginesTable(cat);
  } else {
    out.body = json ? report::StacksJson(cat) : report::StacksTable(cat);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> Engine::Scenarios() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& name : supply::BuiltinScenarioNames()) {
    auto s = supply::BuiltinScenario(name);
    out.emplace_back(name, s ? s->description : "");
  }
  return out;
}

}  // namespace suanli::app
