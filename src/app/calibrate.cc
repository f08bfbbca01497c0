// calibrate: fit the per-family efficiency parameters to a user's measured runs (calib/fit.h),
// report before, after and held-out errors, and write the fit as a catalog overlay.
#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>

#include "app/engine.h"
#include "app/internal.h"
#include "calib/fit.h"
#include "catalog/catalog.h"
#include "core/text.h"
#include "core/yaml_reader.h"
#include "perf/inference.h"
#include "perf/power.h"
#include "perf/training.h"
#include "perf/transformer.h"
#include "report/calibrate_report.h"
#include "report/html_report.h"
#include "sim/trace/csv_rows.h"

namespace suanli::app {

using internal::FieldError;

namespace {

// The physical parameters a fit may move, per chip family (catalog/calibration.h), with bounds
// and the offset of their log scale (overheads may be 0).
struct ParameterSpec {
  const char* name;
  double catalog::FamilyCalibration::*member;
  double lower, upper, offset;
};
const std::vector<ParameterSpec>& Specs() {
  using F = catalog::FamilyCalibration;
  static const std::vector<ParameterSpec> specs = {
      {"matmul_efficiency", &F::matmul_efficiency, 0.02, 1, 0},
      {"low_precision_matmul_efficiency", &F::low_precision_matmul_efficiency, 0.02, 1, 0},
      {"matmul_half_gflop", &F::matmul_half_gflop, 1e-3, 1e4, 0},
      {"attention_efficiency", &F::attention_efficiency, 0.02, 1, 0},
      {"memory_efficiency", &F::memory_efficiency, 0.02, 1, 0},
      {"serving_step_overhead_ms", &F::serving_step_overhead_ms, 0, 200, 1},
  };
  return specs;
}

// Measured quantities, under the names the commands' JSON uses.
const std::vector<std::string>& TrainMetrics() {
  static const std::vector<std::string> m = {
      "step_time_s", "tokens_per_s",     "tokens_per_s_per_chip", "achieved_tflops_per_chip",
      "mfu",         "accelerator_hours"};
  return m;
}
// Measured latencies are `measured_ttft_ms` and `measured_tpot_ms`: infer's JSON names its
// predictions `ttft_ms` and `tpot_ms`, but those are also infer's flags (--ttft-ms, --tpot-ms:
// the targets, `ttft_target_ms` in its JSON), and setup columns are the flags.
const std::vector<std::string>& InferMetrics() {
  static const std::vector<std::string> m = {"output_tokens_per_s_per_chip",
                                             "decode_tokens_per_s_per_chip",
                                             "prefill_tokens_per_s_per_chip",
                                             "input_tokens_per_s_per_chip",
                                             "measured_ttft_ms",
                                             "measured_tpot_ms"};
  return m;
}
// Columns that describe a row but are neither setup nor measured.
const std::set<std::string>& LabelColumns() {
  static const std::set<std::string> s = {"kind", "name", "source", "notes"};
  return s;
}

std::string Trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  const size_t b = s.find_last_not_of(" \t");
  return s.substr(a, b - a + 1);
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

struct Cell {
  std::string key, value;
  int line = 0;
};

struct Row {
  std::string file;
  int line = 0;
  std::vector<Cell> cells;
};

Error At(Error e, const Row& row) {
  int line = row.line;
  for (const auto& c : row.cells) {
    if (!e.field.empty() && c.key == e.field) line = c.line;
  }
  if (e.file.empty()) {
    e.file = row.file;
    e.line = line;
  }
  return e;
}

// CSV: a header of column names, then one row per line; empty cells are not given; rows
// whose first cell starts with # are comments. The rows come from the trace readers' RFC 4180
// reader (sim/trace/csv_rows.h): quotes protect commas and line ends, errors name file:line.
Result<std::vector<Row>> ReadCsv(const std::string& text, const std::string& file) {
  // A comment on the last line needs no line end (the reader takes a short last row as cut off).
  const bool ends_line = text.empty() || text.back() == '\n' || text.back() == '\r';
  auto split = sim::SplitRows(ends_line ? text : text + '\n', ',', file);
  if (!split) return tl::unexpected(split.error());
  std::vector<Row> rows;
  std::vector<std::string> header;
  int header_line = 0;
  for (auto& split_row : *split) {
    std::vector<std::string> cells;
    for (const auto& f : split_row.fields) cells.push_back(Trim(f));
    const int line_no = split_row.line;
    if (cells.front().starts_with('#')) continue;
    if (std::all_of(cells.begin(), cells.end(), [](const auto& c) { return c.empty(); })) continue;
    if (header.empty()) {
      header = cells;
      header_line = line_no;
      for (size_t i = 0; i < header.size(); ++i) {
        if (header[i].empty()) {
          return MakeError(fmt::format("column {} of the header has no name", i + 1), file,
                           line_no);
        }
        for (size_t j = 0; j < i; ++j) {
          if (header[j] == header[i]) {
            return MakeError("column named twice", file, line_no, header[i]);
          }
        }
      }
      continue;
    }
    if (cells.size() != header.size()) {
      return MakeError(fmt::format("{} cells, but the header (line {}) has {} columns",
                                   cells.size(), header_line, header.size()),
                       file, line_no);
    }
    Row row{file, line_no, {}};
    for (size_t i = 0; i < cells.size(); ++i) {
      if (!cells[i].empty()) row.cells.push_back({header[i], cells[i], line_no});
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// YAML: a list of mappings, or a mapping whose `measurements` is that list.
Result<std::vector<Row>> ReadYaml(const std::string& text, const std::string& file) {
  std::vector<Row> rows;
  YAML::Node root;
  try {
    // The loaders' strict parse: duplicate keys, extra documents, non-UTF-8 text and keys that
    // are not names are errors with their line.
    root = YamlReader(file).Parse(text);
  } catch (const YamlFailure& f) {
    return tl::unexpected(f.error);
  }
  YAML::Node list = root;
  if (root.IsMap()) {
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      if (key != "measurements") {
        return MakeError("unknown key; expected `measurements:` (a list of runs)", file,
                         kv.first.Mark().line + 1, key);
      }
    }
    list = root["measurements"];
  }
  if (!list.IsSequence()) {
    return MakeError("expected a list of measurements (or `measurements:` holding one)", file,
                     root.Mark().line + 1);
  }
  for (const auto& item : list) {
    if (!item.IsMap()) {
      return MakeError("expected a mapping of column: value", file, item.Mark().line + 1);
    }
    Row row{file, item.Mark().line + 1, {}};
    for (const auto& kv : item) {
      const std::string key = kv.first.as<std::string>();
      const int line = kv.first.Mark().line + 1;
      if (kv.second.IsNull()) continue;
      if (!kv.second.IsScalar()) {
        return MakeError("expected a single value", file, line, key);
      }
      row.cells.push_back({key, kv.second.as<std::string>(), line});
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Achievable fractions of a system's scale-up and scale-out bandwidth (catalog NetworkTier).
struct NetworkEfficiency {
  double scale_up = 0, scale_out = 0;
  void ApplyTo(catalog::System& system) const {
    system.scale_up.efficiency = scale_up;
    system.scale_out.efficiency = scale_out;
  }
};

struct Measurement {
  size_t row = 0;
  std::string metric;
  double value = 0;
  int line = 0;
  std::string family;         // the chip's family: the parameters it depends on
  std::string chip;           // catalog id: the chip figures it depends on, if any are fitted
  bool moe = false;           // the model has routed experts (its model-error cell)
  std::string system;         // the catalog system its collectives run over; empty: a generic one
  NetworkEfficiency network;  // that system's efficiencies as the run was set up
  report::CalibrationMeasurement shown;
  // The metric predicted with the family's parameters, the chip's figures and the system's
  // collective bandwidth efficiencies.
  std::function<std::optional<double>(const catalog::FamilyCalibration&, const catalog::Chip&,
                                      const NetworkEfficiency&)>
      predict;
  // Model FLOP utilization at the shipped values and whether the metric grows with speed
  // (for the faster-than-peak check); 0: not checked.
  double mfu = 0;
  bool higher_is_faster = true;
  // Serving: FLOPs each counted token needs at least, and the chip's fastest known peak, FLOP/s
  // (the faster-than-peak check); 0: not checked.
  double flops_per_token = 0, fastest_peak_flops = 0;
  std::string fastest_dtype;
};

// A chip figure the fit estimates: one the catalog lacks, or one `fit_chip` marks unknown.
struct ChipFigure {
  std::string chip;    // catalog id
  std::string figure;  // "memory_tb_s" or "peak_tflops.<dtype>"
  double start = 0, lower = 0, upper = 0;
  std::string basis;  // the chips the bounds come from
  bool marked = false;
};

constexpr std::string_view kPeakPrefix = "peak_tflops.";

template <typename ChipT>
auto& FigureOf(ChipT& chip, const std::string& figure) {
  if (figure == "memory_tb_s") return chip.memory_tb_s;
  const auto d = catalog::ParseDType(std::string_view(figure).substr(kPeakPrefix.size()));
  return chip.peak_tflops[static_cast<size_t>(*d)];
}

// Bounds for a figure from the chips most like this one that have it: its family, else its
// vendor, else every chip. Generations and export-cut parts of one family span ~7x (H20's dense
// BF16 is 15 % of H100's; H200's HBM 1.4x H100's): a chip is taken to be at most twice its
// fastest relative and at least a quarter of its slowest. The start (and the weak prior) is
// their geometric mean.
Result<ChipFigure> BoundsFor(const catalog::Catalog& cat, const catalog::Chip& chip,
                             const std::string& figure) {
  std::vector<std::pair<std::string, double>> related;
  const char* scope = "";
  for (int pass = 0; pass < 3 && related.empty(); ++pass) {
    scope = pass == 0 ? "of its family" : pass == 1 ? "of its vendor" : "in the catalog";
    for (const auto& c : cat.chips()) {
      if (c.id == chip.id) continue;
      if (pass == 0 && (chip.family.empty() || c.family != chip.family)) continue;
      if (pass == 1 && (chip.vendor.empty() || c.vendor != chip.vendor)) continue;
      const auto& v = FigureOf(c, figure);
      if (v.known() && *v.value > 0) related.emplace_back(c.id, *v.value);
    }
  }
  if (related.empty()) {
    return MakeError("no chip in the catalog has " + figure + " to bound a fit of " + chip.id +
                     "'s");
  }
  ChipFigure f;
  f.chip = chip.id;
  f.figure = figure;
  double lo = related.front().second, hi = lo, log_sum = 0;
  std::vector<std::string> names;
  for (const auto& [id, v] : related) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    log_sum += std::log(v);
    if (names.size() < 4) names.push_back(id);
  }
  if (related.size() > names.size()) names.push_back("...");
  f.lower = lo / 4;
  f.upper = hi * 2;
  f.start = std::exp(log_sum / static_cast<double>(related.size()));
  if (figure != "memory_tb_s") {
    // The chip's own peaks bound it too: a dense peak does not fall as the format narrows
    // (16-bit <= 8-bit <= 4-bit; the catalog checks BF16 against FP8).
    using catalog::DType;
    auto rank = [](DType d) {
      return d == DType::kBf16 || d == DType::kFp16 ? 0 : d == DType::kFp4 ? 2 : 1;
    };
    const DType d = *catalog::ParseDType(std::string_view(figure).substr(kPeakPrefix.size()));
    for (int e = 0; e < catalog::kNumDTypes; ++e) {
      const auto& v = chip.peak_tflops[e];
      const DType other = static_cast<DType>(e);
      if (other == d || !v.known()) continue;
      if (rank(other) > rank(d)) f.upper = std::min(f.upper, *v.value);
      if (rank(other) < rank(d)) f.lower = std::max(f.lower, *v.value);
    }
    if (!(f.lower < f.upper)) {
      return MakeError(
          fmt::format("{}'s other peaks leave no room for {} (at least {:g}, at most "
                      "{:g} TFLOPS)",
                      chip.id, figure, f.lower, f.upper));
    }
    f.basis += ", and its own other peaks";
    if (f.start <= f.lower || f.start >= f.upper) f.start = std::sqrt(f.lower * f.upper);
  }
  f.basis = fmt::format("{} chip{} {} ({})", related.size(), related.size() == 1 ? "" : "s", scope,
                        fmt::join(names, ", "));
  return f;
}

// The speed figures of `chip` a run needs (perf/training.cc, perf/inference.cc): the peak of
// the format its matmuls run in, a 16-bit peak (attention; serving in 16 or 4 bits uses it for
// the matmuls too) and the HBM bandwidth. Only the unknown ones; unsupported formats stay so.
std::vector<std::string> UnknownFiguresUsed(const catalog::Chip& chip, bool serving,
                                            const std::string& dtype) {
  using catalog::DType;
  std::optional<DType> compute;
  if (serving) {
    if (const auto s = perf::ParseServingDType(dtype)) {
      if (*s == perf::ServingDType::kFp8) compute = DType::kFp8;
      if (*s == perf::ServingDType::kInt8 || *s == perf::ServingDType::kW4A8) {
        compute = DType::kInt8;
      }
      if (*s == perf::ServingDType::kFp4) compute = DType::kFp4;
    }
  } else {
    compute = catalog::ParseDType(dtype);
  }
  std::vector<std::string> out;
  if (compute && !chip.peak(*compute).known() && !chip.peak(*compute).unsupported) {
    out.push_back(std::string(kPeakPrefix) + std::string(catalog::DTypeName(*compute)));
  }
  const bool half_known = chip.peak(DType::kBf16).known() || chip.peak(DType::kFp16).known();
  const bool half_added =
      compute && (*compute == DType::kBf16 || *compute == DType::kFp16) && !out.empty();
  if (!half_known && !half_added && !chip.peak(DType::kBf16).unsupported) {
    out.push_back(std::string(kPeakPrefix) + "bf16");
  }
  if (!chip.memory_tb_s.known()) out.push_back("memory_tb_s");
  return out;
}

void EmitSourced(YAML::Emitter& e, const char* key, const catalog::SourcedNumber& v) {
  e << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginMap;
  if (v.unsupported) {
    e << YAML::Key << "unsupported" << YAML::Value << true;
  } else if (v.known()) {
    e << YAML::Key << "value" << YAML::Value << fmt::format("{}", *v.value);
  } else {
    e << YAML::Key << "value" << YAML::Value << YAML::Null;
  }
  if (v.known() || v.unsupported) {
    e << YAML::Key << "source" << YAML::Value << YAML::Flow << v.sources;
    e << YAML::Key << "confidence" << YAML::Value
      << std::string(catalog::ConfidenceName(v.confidence));
  }
  if (!v.note.empty()) e << YAML::Key << "note" << YAML::Value << YAML::DoubleQuoted << v.note;
  e << YAML::EndMap;
}

void EmitSourced(YAML::Emitter& e, const char* key, const catalog::SourcedText& v) {
  e << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginMap;
  if (v.known()) {
    e << YAML::Key << "value" << YAML::Value << YAML::DoubleQuoted << *v.value;
    e << YAML::Key << "source" << YAML::Value << YAML::Flow << v.sources;
    e << YAML::Key << "confidence" << YAML::Value
      << std::string(catalog::ConfidenceName(v.confidence));
  } else {
    e << YAML::Key << "value" << YAML::Value << YAML::Null;
  }
  if (!v.note.empty()) e << YAML::Key << "note" << YAML::Value << YAML::DoubleQuoted << v.note;
  e << YAML::EndMap;
}

// A catalog document (docs/catalog-schema.md) with one source and whole chip entries: an
// overlay entry replaces the shipped chip whole, so every field is written.
std::string ChipsYaml(const catalog::Source& source, const std::vector<catalog::Chip>& chips) {
  YAML::Emitter e;
  e << YAML::BeginMap << YAML::Key << "sources" << YAML::Value << YAML::BeginSeq;
  e << YAML::BeginMap << YAML::Key << "id" << YAML::Value << source.id << YAML::Key << "title"
    << YAML::Value << YAML::DoubleQuoted << source.title << YAML::EndMap;
  e << YAML::EndSeq << YAML::Key << "chips" << YAML::Value << YAML::BeginSeq;
  for (const auto& c : chips) {
    e << YAML::BeginMap;
    e << YAML::Key << "id" << YAML::Value << c.id;
    e << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << c.name;
    if (!c.vendor.empty())
      e << YAML::Key << "vendor" << YAML::Value << YAML::DoubleQuoted << c.vendor;
    if (!c.family.empty()) e << YAML::Key << "family" << YAML::Value << c.family;
    if (!c.aliases.empty()) e << YAML::Key << "aliases" << YAML::Value << YAML::Flow << c.aliases;
    if (!c.launch.empty())
      e << YAML::Key << "launch" << YAML::Value << YAML::DoubleQuoted << c.launch;
    e << YAML::Key << "role" << YAML::Value
      << (c.role == catalog::ChipRole::kInferenceOnly ? "inference-only" : "training");
    if (!c.default_system.empty()) {
      e << YAML::Key << "default_system" << YAML::Value << c.default_system;
    }
    e << YAML::Key << "peak_tflops" << YAML::Value << YAML::BeginMap;
    for (int d = 0; d < catalog::kNumDTypes; ++d) {
      const std::string name(catalog::DTypeName(static_cast<catalog::DType>(d)));
      EmitSourced(e, name.c_str(), c.peak_tflops[d]);
    }
    e << YAML::EndMap;
    EmitSourced(e, "memory_gib", c.memory_gib);
    EmitSourced(e, "memory_tb_s", c.memory_tb_s);
    EmitSourced(e, "scale_up_gb_s", c.scale_up_gb_s);
    EmitSourced(e, "scale_up_domain", c.scale_up_domain);
    EmitSourced(e, "scale_out_gbit_s", c.scale_out_gbit_s);
    EmitSourced(e, "host_link_gb_s", c.host_link_gb_s);
    EmitSourced(e, "tdp_w", c.tdp_w);
    if (c.gemm_clock_ratio.known()) EmitSourced(e, "gemm_clock_ratio", c.gemm_clock_ratio);
    if (c.sm_count.known()) EmitSourced(e, "sm_count", c.sm_count);
    if (c.fp4_gemm_k_overhead.known()) {
      EmitSourced(e, "fp4_gemm_k_overhead", c.fp4_gemm_k_overhead);
    }
    if (c.fp4_gemm_n_overhead.known()) {
      EmitSourced(e, "fp4_gemm_n_overhead", c.fp4_gemm_n_overhead);
    }
    for (const auto& [name, v] :
         {std::pair{"mxfp8_sdpa_fwd_ps_per_score", &c.mxfp8_sdpa_fwd_ps_per_score},
          std::pair{"mxfp8_sdpa_fwd_ns_per_query", &c.mxfp8_sdpa_fwd_ns_per_query},
          std::pair{"mxfp8_sdpa_bwd_ps_per_score", &c.mxfp8_sdpa_bwd_ps_per_score},
          std::pair{"mxfp8_sdpa_bwd_ns_per_query", &c.mxfp8_sdpa_bwd_ns_per_query}}) {
      if (v->known()) EmitSourced(e, name, *v);
    }
    if (c.serving_step_overhead_ms.known()) {
      EmitSourced(e, "serving_step_overhead_ms", c.serving_step_overhead_ms);
    }
    if (c.serving_graph_step_overhead_ms.known()) {
      EmitSourced(e, "serving_graph_step_overhead_ms", c.serving_graph_step_overhead_ms);
    }
    EmitSourced(e, "process", c.process);
    EmitSourced(e, "foundry", c.foundry);
    EmitSourced(e, "price_usd", c.price_usd);
    if (!c.price_note.empty()) {
      e << YAML::Key << "price_note" << YAML::Value << YAML::DoubleQuoted << c.price_note;
    }
    if (!c.export_status.empty()) {
      e << YAML::Key << "export_status" << YAML::Value << YAML::BeginSeq;
      for (const auto& ev : c.export_status) {
        e << YAML::Flow << YAML::BeginMap;
        e << YAML::Key << "date" << YAML::Value << YAML::DoubleQuoted << ev.date;
        e << YAML::Key << "status" << YAML::Value << ev.status;
        if (!ev.note.empty())
          e << YAML::Key << "note" << YAML::Value << YAML::DoubleQuoted << ev.note;
        if (!ev.sources.empty())
          e << YAML::Key << "source" << YAML::Value << YAML::Flow << ev.sources;
        e << YAML::Key << "confidence" << YAML::Value
          << std::string(catalog::ConfidenceName(ev.confidence));
        e << YAML::EndMap;
      }
      e << YAML::EndSeq;
    }
    if (!c.notes.empty()) e << YAML::Key << "notes" << YAML::Value << YAML::DoubleQuoted << c.notes;
    e << YAML::EndMap;
  }
  e << YAML::EndSeq << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

// Whole system entries (docs/catalog-schema.md, data/systems.yaml), as a catalog document.
std::string SystemsYaml(const std::vector<catalog::System>& systems) {
  auto tier = [](YAML::Emitter& e, const char* key, const catalog::NetworkTier& n,
                 std::optional<int> domain_chips) {
    e << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginMap;
    if (domain_chips) e << YAML::Key << "domain_chips" << YAML::Value << *domain_chips;
    e << YAML::Key << "bandwidth_gb_s" << YAML::Value << n.bandwidth_gb_s << YAML::Key
      << "latency_us" << YAML::Value << n.latency_us << YAML::Key << "efficiency" << YAML::Value
      << n.efficiency << YAML::EndMap;
  };
  YAML::Emitter e;
  e << YAML::BeginMap << YAML::Key << "systems" << YAML::Value << YAML::BeginSeq;
  for (const auto& s : systems) {
    e << YAML::BeginMap;
    e << YAML::Key << "id" << YAML::Value << s.id;
    e << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << s.name;
    e << YAML::Key << "chip" << YAML::Value << s.chip;
    e << YAML::Key << "chips_per_node" << YAML::Value << s.chips_per_node;
    tier(e, "scale_up", s.scale_up, s.scale_up_domain);
    tier(e, "scale_out", s.scale_out, std::nullopt);
    if (s.power_cap_w) e << YAML::Key << "power_cap_w" << YAML::Value << *s.power_cap_w;
    if (!s.sources.empty()) e << YAML::Key << "source" << YAML::Value << YAML::Flow << s.sources;
    e << YAML::Key << "notes" << YAML::Value << YAML::DoubleQuoted << s.notes;
    e << YAML::EndMap;
  }
  e << YAML::EndSeq << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

// Why a chip figure cannot be fitted, in the model's terms.
std::string FigureUnidentified(const std::string& figure, const calib::ParameterFit& p) {
  if (!p.collinear.empty()) {
    return "the runs cannot tell it apart from " + p.collinear +
           " (both move the same predictions in the same proportion); measure runs that "
           "separate them";
  }
  const std::string share = fmt::format("{:.1f} %", p.max_sensitivity * 100);
  if (figure == "memory_tb_s") {
    return "the runs hardly depend on it: memory-bound work is at most " + share +
           " of any predicted time; measure a memory-bound run (decoding at small batches)";
  }
  const std::string dtype = figure.substr(kPeakPrefix.size());
  return p.max_sensitivity < 1e-6
             ? "no run computes in " + dtype + "; measure a run that does"
             : dtype + " compute is at most " + share +
                   " of any predicted time; measure a compute-bound run (training, or prefill)";
}

double TrainMetric(const perf::TrainingEstimate& e, long chips, const std::string& metric) {
  if (metric == "step_time_s") return e.step_time_s;
  if (metric == "tokens_per_s") return e.tokens_per_s;
  if (metric == "tokens_per_s_per_chip") return e.tokens_per_s / static_cast<double>(chips);
  if (metric == "achieved_tflops_per_chip") return e.achieved_tflops_per_chip;
  if (metric == "mfu") return e.mfu;
  return e.accelerator_hours;
}

double InferMetric(const perf::InferenceEstimate& e, const std::string& metric) {
  if (metric == "measured_ttft_ms") return e.ttft_ms;
  if (metric == "measured_tpot_ms") return e.tpot_ms;
  if (metric == "output_tokens_per_s_per_chip") return e.output_tokens_per_s_per_chip;
  if (metric == "decode_tokens_per_s_per_chip") return e.decode_tokens_per_s_per_chip;
  if (metric == "prefill_tokens_per_s_per_chip") return e.prefill_tokens_per_s_per_chip;
  return e.input_tokens_per_s_per_chip;
}

std::string Today() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  return fmt::format("{:04d}-{:02d}-{:02d}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

bool IsDate(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// Why the data cannot move a parameter, in the model's terms.
std::string Unidentified(const std::string& name, const calib::ParameterFit& p,
                         bool family_serves) {
  if (!p.collinear.empty()) {
    return "the runs cannot tell it apart from " + p.collinear +
           " (both move the same predictions in the same proportion); fit one, measure runs "
           "that separate them";
  }
  const std::string share = fmt::format("{:.1f} %", p.max_sensitivity * 100);
  if (name == "memory_efficiency") {
    return "all runs are compute-bound: memory-bound work (element-wise kernels, weight and KV "
           "reads) is at most " +
           share + " of any predicted time";
  }
  if (name == "low_precision_matmul_efficiency") {
    return p.max_sensitivity < 1e-6
               ? "no run computes its matmuls in an 8- or 4-bit format"
               : "8- and 4-bit matmuls are at most " + share + " of any predicted time";
  }
  if (name == "matmul_efficiency") {
    return p.max_sensitivity < 1e-6
               ? "no run computes its matmuls in a 16-bit format"
               : "16-bit matmuls are at most " + share + " of any predicted time";
  }
  if (name == "matmul_half_gflop") {
    return "every run's matmuls are large enough to sit on the efficiency plateau (at most " +
           share + " of a prediction depends on it)";
  }
  if (name == "attention_efficiency") {
    return p.max_sensitivity < 1e-6
               ? "no run uses fused (flash) attention kernels"
               : "fused attention kernels are at most " + share + " of any predicted time";
  }
  if (name == "serving_step_overhead_ms") {
    return family_serves ? "serving steps are long: a fixed step overhead is at most " + share +
                               " of any prediction"
                         : "no serving runs on this family (it only enters serving steps)";
  }
  return "the runs depend on it by at most " + share;
}

// Why the data cannot move a system's collective bandwidth efficiency.
std::string NetworkUnidentified(bool scale_up, const calib::ParameterFit& p) {
  if (!p.collinear.empty()) {
    return "the runs cannot tell it apart from " + p.collinear +
           " (both move the same predictions in the same proportion); measure runs that "
           "separate them";
  }
  const char* tier = scale_up ? "scale-up" : "scale-out";
  if (p.max_sensitivity < 1e-6) {
    return scale_up ? std::string("no run sends collectives over the scale-up network")
                    : std::string(
                          "no run spans more than one scale-up domain (no collective "
                          "crosses the scale-out network)");
  }
  return fmt::format(
      "exposed collectives over the {} network are at most {:.1f} % of any predicted time "
      "(overlapped ones cost nothing); measure runs that wait on them",
      tier, p.max_sensitivity * 100);
}

constexpr double kMeasurementSigma = 0.05;
// A collective reaches between 5 % and all of a link's bandwidth.
constexpr std::pair<double, double> kNetworkEfficiencyBounds = {0.05, 1.0};
constexpr double kPriorSigma = 0.5;
// Repeats of one setup further apart than this contradict each other.
constexpr double kRepeatTolerance = 0.10;

}  // namespace

Result<Output> Engine::Calibrate(const CalibrateRequest& r, const RunContext& c) const {
  if (r.measurements.empty() && r.measurements_yaml.empty()) {
    return tl::unexpected(MissingField("measurements"));
  }
  const std::string date = r.date.empty() ? Today() : r.date;
  if (!IsDate(date)) {
    return tl::unexpected(
        FieldError("date", "expected YYYY-MM-DD, got '" + r.date.substr(0, 40) + "'"));
  }
  // Rows from every file, in order.
  std::vector<Row> rows;
  std::vector<std::string> files;
  auto add_rows = [&](const std::string& text, const std::string& name) -> Result<void> {
    const bool csv = name.size() >= 4 && ToLower(name.substr(name.size() - 4)) == ".csv";
    auto read = csv ? ReadCsv(text, name) : ReadYaml(text, name);
    if (!read) return tl::unexpected(read.error());
    if (read->empty()) return MakeError("no measurements in the file", name);
    for (auto& row : *read) rows.push_back(std::move(row));
    files.push_back(name);
    return {};
  };
  // The measurement files: no output may replace one (the CLI's writer refuses, by inode).
  std::vector<std::string> inputs;
  for (const auto& path : r.measurements) {
    auto resolved = RequestPath(path, "measurements");
    if (!resolved) return tl::unexpected(resolved.error());
    inputs.push_back(*resolved);
    auto text = internal::ReadRequestFile(*resolved, options_.max_file_bytes, "measurements", path);
    if (!text) return tl::unexpected(text.error());
    if (auto ok = add_rows(*text, path); !ok) return tl::unexpected(ok.error());
  }
  if (!r.measurements_yaml.empty()) {
    if (auto ok = add_rows(r.measurements_yaml, "measurements_yaml"); !ok) {
      return tl::unexpected(ok.error());
    }
  }

  // Chip figures to fit: those `fit_chip` marks unknown, and the unknown ones a row's chip
  // needs for its format (rows whose chip is not found are reported by the pass below).
  std::vector<ChipFigure> figures;
  auto add_figure = [&](const catalog::Chip& chip, const std::string& figure,
                        bool marked) -> Result<void> {
    for (auto& f : figures) {
      if (f.chip == chip.id && f.figure == figure) return {};
    }
    auto f = BoundsFor(*catalog_, chip, figure);
    if (!f)
      return tl::unexpected(FieldError(marked ? "fit_chip" : "measurements", f.error().message));
    f->marked = marked;
    figures.push_back(std::move(*f));
    return {};
  };
  for (const auto& name : r.fit_chip) {
    const size_t at = name.find('.');
    const std::string chip_id = name.substr(0, at);
    const std::string figure = at == std::string::npos ? "" : name.substr(at + 1);
    const bool peak = figure.rfind(kPeakPrefix, 0) == 0;
    const auto dtype =
        peak ? catalog::ParseDType(std::string_view(figure).substr(kPeakPrefix.size()))
             : std::nullopt;
    if (figure != "memory_tb_s" && !dtype) {
      return tl::unexpected(FieldError(
          "fit_chip", fmt::format("'{}': expected CHIP.memory_tb_s or CHIP.peak_tflops.DTYPE "
                                  "(bf16, fp16, fp8, int8, fp4)",
                                  name.substr(0, 80))));
    }
    auto chip = catalog_->FindChip(chip_id);
    if (!chip) return tl::unexpected(FieldError("fit_chip", chip.error().message));
    if (peak && FigureOf(**chip, figure).unsupported) {
      return tl::unexpected(
          FieldError("fit_chip", fmt::format("'{}': {} does not support {}", name.substr(0, 80),
                                             (*chip)->id, figure.substr(kPeakPrefix.size()))));
    }
    if (auto ok = add_figure(**chip, figure, true); !ok) return tl::unexpected(ok.error());
  }
  for (const auto& row : rows) {
    std::string kind, chip_name, dtype = "bf16";
    for (const auto& cell : row.cells) {
      if (cell.key == "kind") kind = cell.value;
      if (cell.key == "chip") chip_name = cell.value;
      if (cell.key == "dtype") dtype = cell.value;
    }
    auto chip = catalog_->FindChip(chip_name);
    if ((kind != "train" && kind != "infer") || !chip) continue;
    for (const auto& figure : UnknownFiguresUsed(**chip, kind == "infer", dtype)) {
      if (auto ok = add_figure(**chip, figure, false); !ok)
        return tl::unexpected(At(ok.error(), row));
    }
  }
  // The rows are modelled on a copy of the catalog whose fitted figures hold their start
  // values; each prediction then puts the figures of the point being tried into its chip.
  std::optional<catalog::Catalog> work;
  const catalog::Catalog* cat = catalog_.get();
  std::vector<std::string> fitted_chips;  // chips with fitted figures, in order
  for (const auto& f : figures) {
    if (!Contains(fitted_chips, f.chip)) fitted_chips.push_back(f.chip);
  }
  auto fitted_chip = [&](const std::string& id) { return Contains(fitted_chips, id); };
  const catalog::Source measured_source{
      "measured",
      fmt::format("suanli calibrate: fitted from {} on {}", fmt::join(files, ", "), date), ""};
  if (!figures.empty()) {
    std::vector<catalog::Chip> starts;
    for (const auto& id : fitted_chips) {
      catalog::Chip chip = **catalog_->FindChip(id);
      for (const auto& f : figures) {
        if (f.chip == id)
          FigureOf(chip, f.figure) = {
              f.start, false, {"measured"}, catalog::Confidence::kEstimate, ""};
      }
      starts.push_back(std::move(chip));
    }
    work = *catalog_;
    auto merged = work->MergeYaml(ChipsYaml(measured_source, starts), "calibrate");
    if (merged) merged = work->Validate();
    if (!merged) return tl::unexpected(merged.error());
    cat = &*work;
  }

  // Each row: its setup as the command's request, its measured quantities, and the model's
  // prediction of each as a function of the family's parameters.
  std::vector<Measurement> measurements;
  std::map<std::string, std::pair<std::string, double>> seen;  // setup|metric -> where, value
  std::set<std::string> serving_families;  // families with a measured serving run
  for (size_t ri = 0; ri < rows.size(); ++ri) {
    const Row& row = rows[ri];
    std::string kind, name;
    std::vector<std::pair<const Cell*, std::string>> setup;  // cell, key
    std::vector<const Cell*> measured;
    for (const auto& cell : row.cells) {
      if (cell.key == "kind") kind = cell.value;
      if (cell.key == "name") name = cell.value;
    }
    if (kind.empty()) {
      return MakeError("is required: train or infer", row.file, row.line, "kind");
    }
    if (kind != "train" && kind != "infer") {
      return tl::unexpected(At(
          FieldError("kind", "unknown kind '" + kind.substr(0, 40) + "'; expected train or infer"),
          row));
    }
    const auto& metrics = kind == "train" ? TrainMetrics() : InferMetrics();
    const auto& other = kind == "train" ? InferMetrics() : TrainMetrics();
    std::string setup_key = kind;
    for (const auto& cell : row.cells) {
      if (LabelColumns().count(cell.key)) continue;
      if (Contains(metrics, cell.key)) {
        measured.push_back(&cell);
      } else if (Contains(other, cell.key)) {
        return MakeError("is measured by " + std::string(kind == "train" ? "infer" : "train") +
                             " runs, not " + kind + " runs",
                         row.file, cell.line, cell.key);
      } else {
        setup.emplace_back(&cell, cell.key);
        setup_key += "|" + cell.key + "=" + cell.value;
      }
    }
    if (measured.empty()) {
      return MakeError("no measured quantity; give one or more of " + JoinOr(metrics), row.file,
                       row.line);
    }
    // The setup, through the command's own field list and checks.
    auto unknown_setup = [&](const std::string& key, std::vector<std::string> known) {
      for (const auto& m : metrics) known.push_back(m);
      for (const auto& l : LabelColumns()) known.push_back(l);
      Error e = UnknownField(key, known);
      e.message += " (setup columns are the `" + kind + "` command's flags in snake_case)";
      return At(e, row);
    };
    Measurement base;
    base.row = ri;
    base.shown.where = fmt::format("{}:{}", row.file, row.line);
    base.shown.name = name.empty() ? base.shown.where : name;
    base.shown.kind = kind;
    std::vector<Measurement> mine;
    if (kind == "train") {
      TrainRequest req;
      req.tokens = 1e12;  // only the hours depend on it
      bool has_tokens = false;
      std::vector<std::string> known;
      for (const auto& f : TrainFields()) known.push_back(f.name);
      for (const auto& [cell, key] : setup) {
        if (!Contains(known, key)) return tl::unexpected(unknown_setup(key, known));
        if (auto ok = SetField(TrainFields(), req, key, FieldValue{cell->value}); !ok) {
          return tl::unexpected(At(ok.error(), row));
        }
        has_tokens = has_tokens || key == "tokens";
      }
      for (const auto& f : TrainFields()) {
        if (!f.required || f.name == "tokens") continue;
        bool given = false;
        for (const auto& [cell, key] : setup) given = given || key == f.name;
        if (!given) return tl::unexpected(At(MissingField(f.name), row));
      }
      auto built = internal::BuildTrainJob(*cat, req);
      if (!built) return tl::unexpected(At(built.error(), row));
      auto searched = perf::SearchLayout(built->job, built->fixed);
      if (!searched) return tl::unexpected(At(searched.error(), row));
      // The layout found with the shipped values is kept while parameters move: a measured run
      // had one layout, and a fixed one keeps the prediction smooth in the parameters.
      const perf::ParallelLayout layout = searched->best.layout;
      const perf::TrainingJob job = built->job;
      base.shown.model = job.model->id;
      base.moe = job.model->is_moe();
      base.shown.chip = job.chip->id;
      base.chip = job.chip->id;
      base.family = job.chip->family.empty() ? "default" : job.chip->family;
      if (cat->FindSystem(job.system.id)) base.system = job.system.id;
      base.network = {job.system.scale_up.efficiency, job.system.scale_out.efficiency};
      for (const Cell* cell : measured) {
        if (cell->key == "accelerator_hours" && !has_tokens) {
          return MakeError("is required with accelerator_hours (the tokens the run trained on)",
                           row.file, cell->line, "tokens");
        }
        Measurement m = base;
        m.metric = cell->key;
        m.line = cell->line;
        m.predict = [job, layout, metric = m.metric](
                        const catalog::FamilyCalibration& cal, const catalog::Chip& chip,
                        const NetworkEfficiency& net) -> std::optional<double> {
          perf::TrainingJob j = job;
          j.calibration = perf::AtChipTensorRate(cal, chip);
          j.chip = &chip;
          net.ApplyTo(j.system);
          auto e = perf::EstimateLayout(j, layout);
          if (!e) return std::nullopt;
          return TrainMetric(*e, j.chips, metric);
        };
        // Against a peak the fit is still estimating, utilization means nothing yet.
        if (!fitted_chip(job.chip->id)) m.mfu = searched->best.mfu;
        m.higher_is_faster = m.metric != "step_time_s" && m.metric != "accelerator_hours";
        mine.push_back(std::move(m));
      }
    } else {
      InferRequest req;
      std::vector<std::string> known;
      for (const auto& f : InferFields()) {
        if (f.name != "compare" && f.name != "demand_tokens_per_s" && f.name != "chip_hour_usd") {
          known.push_back(f.name);
        }
      }
      for (const auto& [cell, key] : setup) {
        if (!Contains(known, key)) return tl::unexpected(unknown_setup(key, known));
        if (auto ok = SetField(InferFields(), req, key, FieldValue{cell->value}); !ok) {
          return tl::unexpected(At(ok.error(), row));
        }
      }
      for (const auto& f : InferFields()) {
        if (!f.required) continue;
        bool given = false;
        for (const auto& [cell, key] : setup) given = given || key == f.name;
        if (!given) return tl::unexpected(At(MissingField(f.name), row));
      }
      auto built = internal::BuildInferJob(*cat, req);
      if (!built) return tl::unexpected(At(built.error(), row));
      internal::LatencyTargets targets;
      auto first = internal::EstimateAtTargets(req, built->job, built->fixed, &targets);
      if (!first) return tl::unexpected(At(first.error(), row));
      perf::InferenceConstraints fixed = built->fixed;
      if (!first->disaggregated) {
        fixed = {first->layout.tp, first->layout.ep, first->layout.dp, first->layout.pp};
      }
      const perf::InferenceJob job = built->job;
      base.shown.model = job.model->id;
      base.moe = job.model->is_moe();
      base.shown.chip = job.chip->id;
      base.chip = job.chip->id;
      base.family = job.chip->family.empty() ? "default" : job.chip->family;
      if (cat->FindSystem(job.system.id)) base.system = job.system.id;
      base.network = {job.system.scale_up.efficiency, job.system.scale_out.efficiency};
      serving_families.insert(base.family);
      for (const Cell* cell : measured) {
        Measurement m = base;
        m.metric = cell->key;
        m.line = cell->line;
        m.predict = [job, fixed, metric = m.metric](
                        const catalog::FamilyCalibration& cal, const catalog::Chip& chip,
                        const NetworkEfficiency& net) -> std::optional<double> {
          perf::InferenceJob j = job;
          j.calibration = perf::ServingCalibrationFor(cal, chip);
          j.chip = &chip;
          net.ApplyTo(j.system);
          auto e = perf::EstimateInference(j, fixed);
          if (!e) return std::nullopt;
          return InferMetric(*e, metric);
        };
        m.higher_is_faster = m.metric != "measured_ttft_ms" && m.metric != "measured_tpot_ms";
        if (m.higher_is_faster && !fitted_chip(job.chip->id)) {
          // At least the weight matmuls of a forward pass per token computed (2 FLOPs a
          // parameter; the input embedding is a lookup), prompt tokens served from cache
          // excepted; attention only adds.
          const auto& model = *job.model;
          const double params =
              perf::ActiveParams(model) -
              (model.tied_embeddings ? 0.0 : static_cast<double>(model.hidden) * model.vocab);
          const double in = job.input_tokens * (1 - job.prefix_cache_hit), out = job.output_tokens;
          double tokens = 1;  // tokens computed per counted token
          if (m.metric == "output_tokens_per_s_per_chip") tokens = 1 + in / out;
          if (m.metric == "prefill_tokens_per_s_per_chip") tokens = 1 - job.prefix_cache_hit;
          if (m.metric == "input_tokens_per_s_per_chip") {
            tokens = (1 - job.prefix_cache_hit) + out / job.input_tokens;
          }
          m.flops_per_token = 2 * params * tokens;
          for (int d = 0; d < catalog::kNumDTypes; ++d) {
            const auto& v = job.chip->peak_tflops[d];
            if (v.known() && *v.value * 1e12 > m.fastest_peak_flops) {
              m.fastest_peak_flops = *v.value * 1e12;
              m.fastest_dtype = catalog::DTypeName(static_cast<catalog::DType>(d));
            }
          }
        }
        mine.push_back(std::move(m));
      }
    }
    for (auto& m : mine) {
      const Cell* cell = nullptr;
      for (const Cell* x : measured) {
        if (x->key == m.metric) cell = x;
      }
      auto v = ParseAmount(cell->value, m.metric);
      if (!v) return MakeError(v.error().message, row.file, cell->line, m.metric);
      if (!(*v > 0)) return MakeError("must be positive", row.file, cell->line, m.metric);
      // A utilization is a fraction of the chip's peak: above 1 the run did more than the chip
      // can (a percentage written as a number, 45 for 0.45, or another count of chips).
      if (m.metric == "mfu" && *v > 1) {
        return MakeError(fmt::format("{} is above 1, the chip's peak: MFU is a fraction (0.45 "
                                     "for 45 %); check the units and the chip count",
                                     cell->value),
                         row.file, cell->line, m.metric);
      }
      m.value = *v;
      m.shown.metric = m.metric;
      m.shown.family = m.family;
      m.shown.measured = *v;
      const std::string key = setup_key + "|" + m.metric;
      const std::string where = fmt::format("{}:{}", row.file, cell->line);
      if (auto it = seen.find(key); it != seen.end()) {
        const double a = it->second.second;
        if (std::abs(std::log(*v / a)) > std::log1p(kRepeatTolerance)) {
          return MakeError(
              fmt::format("contradicts {} (same setup, {} against {}; repeats must agree within "
                          "{:.0f} %)",
                          it->second.first, cell->value, a, kRepeatTolerance * 100),
              row.file, cell->line, m.metric);
        }
      } else {
        seen[key] = {where, *v};
      }
      measurements.push_back(std::move(m));
    }
  }
  if (measurements.empty()) return tl::unexpected(FieldError("measurements", "no usable row"));

  // Parameters: the physical ones of every family measured, in order of first appearance.
  std::vector<std::string> families;
  for (const auto& m : measurements) {
    if (!Contains(families, m.family)) families.push_back(m.family);
  }
  calib::FitProblem problem;
  problem.measurement_sigma = kMeasurementSigma;
  problem.prior_sigma = kPriorSigma;
  problem.leave_one_out = !r.no_leave_one_out;
  std::vector<catalog::FamilyCalibration> shipped;
  for (const auto& family : families) {
    catalog::FamilyCalibration cal = catalog_->CalibrationFor(family);
    shipped.push_back(cal);
    for (const auto& spec : Specs()) {
      const double v = std::clamp(cal.*spec.member, spec.lower, spec.upper);
      calib::FitParameter p;
      p.name = family + "." + spec.name;
      p.shipped = v;
      p.lower = spec.lower;
      p.upper = spec.upper;
      p.offset = spec.offset;
      problem.parameters.push_back(p);
    }
  }
  const size_t per_family = Specs().size();
  // Then the chip figures: no shipped value to stay near, only bounds and a weak prior (one
  // standard deviation a factor e) from related chips. They are identified before the family
  // efficiencies: runs of one chip see its unknown peak and the family's matmul efficiency
  // alike, and the efficiency has a shipped value to stay at while the peak has none.
  const size_t first_figure = problem.parameters.size();
  for (const auto& f : figures) {
    calib::FitParameter p;
    p.name = f.chip + "." + f.figure;
    p.shipped = f.start;
    p.lower = f.lower;
    p.upper = f.upper;
    p.prior_sigma = 1.0;
    p.first = true;
    // The efficiency it multiplies (HBM, matmul) steps by 0.01 in log too: equal columns.
    p.log_step = 0.01;
    problem.parameters.push_back(p);
  }
  // Then the collective bandwidth efficiencies of each catalog system the runs use (scale-up,
  // scale-out), regularized toward the shipped values like the family efficiencies.
  std::vector<std::string> systems;
  for (const auto& m : measurements) {
    if (!m.system.empty() && !Contains(systems, m.system)) systems.push_back(m.system);
  }
  const size_t first_network = problem.parameters.size();
  for (const auto& id : systems) {
    const catalog::System& sys = **catalog_->FindSystem(id);
    for (const auto& [tier, shipped_value] :
         {std::pair{"scale_up_efficiency", sys.scale_up.efficiency},
          std::pair{"scale_out_efficiency", sys.scale_out.efficiency}}) {
      calib::FitParameter p;
      p.name = id + "." + tier;
      p.shipped = std::clamp(shipped_value, kNetworkEfficiencyBounds.first,
                             kNetworkEfficiencyBounds.second);
      p.lower = kNetworkEfficiencyBounds.first;
      p.upper = kNetworkEfficiencyBounds.second;
      problem.parameters.push_back(p);
    }
  }
  std::vector<size_t> family_of(measurements.size());
  std::vector<int> system_of(measurements.size(), -1);
  for (size_t i = 0; i < measurements.size(); ++i) {
    family_of[i] =
        std::find(families.begin(), families.end(), measurements[i].family) - families.begin();
    std::vector<int> deps;
    for (size_t k = 0; k < per_family; ++k) {
      deps.push_back(static_cast<int>(family_of[i] * per_family + k));
    }
    for (size_t q = 0; q < figures.size(); ++q) {
      if (figures[q].chip == measurements[i].chip)
        deps.push_back(static_cast<int>(first_figure + q));
    }
    if (!measurements[i].system.empty()) {
      system_of[i] = static_cast<int>(
          std::find(systems.begin(), systems.end(), measurements[i].system) - systems.begin());
      deps.push_back(static_cast<int>(first_network + 2 * system_of[i]));
      deps.push_back(static_cast<int>(first_network + 2 * system_of[i] + 1));
    }
    problem.depends_on.push_back(deps);
  }
  // A run's network efficiencies at theta (its own setup's on a generic system).
  auto network_at = [&](size_t i, const std::vector<double>& theta) {
    if (system_of[i] < 0) return measurements[i].network;
    const size_t at = first_network + 2 * system_of[i];
    return NetworkEfficiency{theta[at], theta[at + 1]};
  };
  auto calibration_at = [&](size_t f, const std::vector<double>& theta) {
    catalog::FamilyCalibration cal = shipped[f];
    for (size_t k = 0; k < per_family; ++k) cal.*Specs()[k].member = theta[f * per_family + k];
    return cal;
  };
  // The chip with the figures of theta (the catalog's own when none is fitted).
  auto chip_at = [&](const std::string& id, const std::vector<double>& theta) {
    catalog::Chip chip = **cat->FindChip(id);
    for (size_t q = 0; q < figures.size(); ++q) {
      if (figures[q].chip == id) FigureOf(chip, figures[q].figure).value = theta[first_figure + q];
    }
    return chip;
  };
  problem.log_ratio = [&](int i, const std::vector<double>& theta) -> std::optional<double> {
    const auto& m = measurements[i];
    const catalog::Chip chip = chip_at(m.chip, theta);
    const auto p = m.predict(calibration_at(family_of[i], theta), chip, network_at(i, theta));
    if (!p || !(*p > 0)) return std::nullopt;
    return std::log(*p / m.value);
  };
  const calib::FitResult fit = calib::Fit(problem);
  // A figure the data cannot identify is not invented: refuse, naming it and why.
  for (size_t q = 0; q < figures.size(); ++q) {
    const auto& pf = fit.parameters[first_figure + q];
    if (pf.identified) continue;
    const auto& f = figures[q];
    return tl::unexpected(
        FieldError(f.marked ? "fit_chip" : "measurements",
                   fmt::format("cannot fit {}.{} ({}): {}", f.chip, f.figure,
                               f.marked ? "marked unknown with fit_chip" : "unknown in the catalog",
                               FigureUnidentified(f.figure, pf))));
  }

  report::CalibrationReport rep;
  rep.files = files;
  rep.date = date;
  rep.measurement_sigma = kMeasurementSigma;
  rep.prior_sigma = kPriorSigma;
  rep.noise_scale = fit.noise_scale;
  rep.iterations = fit.iterations;
  rep.converged = fit.converged;
  for (size_t i = 0; i < measurements.size(); ++i) {
    auto& m = measurements[i];
    if (fit.refused[i]) {
      return MakeError("the model cannot predict this run with the shipped parameters",
                       rows[m.row].file, m.line, m.metric);
    }
    // A hundredfold from the shipped prediction is no efficiency the fit could find (the model's
    // errors are tens of percent): a unit or a count (milliseconds for seconds, a cluster's rate
    // for a chip's). step_time_s 1e300 fitted matmul_efficiency to 0.02 and wrote the overlay.
    if (std::isfinite(fit.before[i]) && std::abs(fit.before[i]) > std::log(100.0)) {
      const double predicted = m.value * std::exp(fit.before[i]);
      return MakeError(
          fmt::format("{} is {} the model's {:.4g} at the shipped parameters (a fit moves "
                      "efficiencies by tens of percent, not a hundredfold): check the units and "
                      "whether it is per chip or for the whole run",
                      m.value,
                      m.value > predicted ? fmt::format("{:.3g} times", m.value / predicted)
                                          : fmt::format("1/{:.3g} of", predicted / m.value),
                      predicted),
          rows[m.row].file, m.line, m.metric);
    }
    report::CalibrationMeasurement shown = m.shown;
    shown.before = m.value * std::exp(fit.before[i]);
    shown.after = m.value * std::exp(fit.after[i]);
    if (std::isfinite(fit.left_out[i])) shown.left_out = m.value * std::exp(fit.left_out[i]);
    if (m.mfu > 0) {
      // The measurement's implied utilization: the prediction's, scaled by how much faster
      // the run was measured than predicted.
      const double faster = m.higher_is_faster ? m.value / shown.before : shown.before / m.value;
      const double implied = m.mfu * faster;
      if (implied > 1) {
        shown.warnings.push_back(fmt::format(
            "{} = {} is faster than the chip's peak (implied MFU {:.0f} %): check the units, "
            "the chip count or the layout",
            m.metric, m.value, implied * 100));
      }
    }
    if (m.flops_per_token > 0 && m.fastest_peak_flops > 0) {
      const double most = m.fastest_peak_flops / m.flops_per_token;
      if (m.value > most) {
        shown.warnings.push_back(fmt::format(
            "{} = {} is faster than the chip's peak: at {:.3g} FLOP per token (the weight "
            "matmuls alone) its fastest format ({}, {:g} TFLOPS) allows at most {:.4g}: check the "
            "units, the chip count or the layout",
            m.metric, m.value, m.flops_per_token, m.fastest_dtype, m.fastest_peak_flops / 1e12,
            most));
      }
    }
    if (std::abs(fit.after[i]) > std::log(1.2)) {
      shown.warnings.push_back(fmt::format(
          "{} is still {:+.0f} % off after the fit: inconsistent with the other {} "
          "measurements, or a setup the model does not describe (check the layout and dtype)",
          m.metric, (std::exp(fit.after[i]) - 1) * 100, m.family));
    }
    rep.measurements.push_back(std::move(shown));
  }
  for (size_t f = 0; f < families.size(); ++f) {
    for (size_t k = 0; k < per_family; ++k) {
      const auto& pf = fit.parameters[f * per_family + k];
      report::CalibrationParameter p;
      p.family = families[f];
      p.name = Specs()[k].name;
      p.shipped = problem.parameters[f * per_family + k].shipped;
      p.fitted = pf.fitted;
      p.sigma = pf.sigma;
      p.identified = pf.identified;
      p.sensitivity = pf.max_sensitivity;
      if (!pf.identified) {
        p.reason = Unidentified(p.name, pf, serving_families.count(families[f]) > 0);
      }
      rep.parameters.push_back(std::move(p));
    }
  }
  for (size_t q = 0; q < figures.size(); ++q) {
    const auto& pf = fit.parameters[first_figure + q];
    report::CalibrationParameter p;
    p.family = figures[q].chip;
    p.name = figures[q].figure;
    p.shipped = figures[q].start;
    p.fitted = pf.fitted;
    p.sigma = pf.sigma;
    p.identified = true;
    p.sensitivity = pf.max_sensitivity;
    p.chip_figure = true;
    p.lower = figures[q].lower;
    p.upper = figures[q].upper;
    p.basis = (figures[q].marked ? "marked unknown with fit_chip" : "unknown in the catalog") +
              std::string("; bounds and start from ") + figures[q].basis;
    rep.parameters.push_back(std::move(p));
  }
  for (size_t k = 0; k < 2 * systems.size(); ++k) {
    const auto& pf = fit.parameters[first_network + k];
    const std::string& name = problem.parameters[first_network + k].name;
    report::CalibrationParameter p;
    p.family = systems[k / 2];
    p.name = name.substr(systems[k / 2].size() + 1);
    p.shipped = problem.parameters[first_network + k].shipped;
    p.fitted = pf.fitted;
    p.sigma = pf.sigma;
    p.identified = pf.identified;
    p.sensitivity = pf.max_sensitivity;
    if (!pf.identified) p.reason = NetworkUnidentified(k % 2 == 0, pf);
    rep.parameters.push_back(std::move(p));
  }

  Output out;
  out.inputs = inputs;
  if (!r.output.empty()) {
    // The overlay: whole family entries (an overlay entry replaces the built-in one), fitted
    // values in place, with their provenance.
    const auto summary = report::Summarize(rep);
    std::string yaml = fmt::format(
        "# Written by `suanli calibrate` on {} from {}: {} measurements, rms error {:.1f} % "
        "before the fit, {:.1f} % after",
        date, fmt::join(files, ", "), measurements.size(), summary.rms_before * 100,
        summary.rms_after * 100);
    if (summary.rms_left_out)
      yaml += fmt::format(", {:.1f} % held out", *summary.rms_left_out * 100);
    yaml += ".\n# Use it with --catalog " + r.output + "\n";
    std::string family_yaml, error_cells;
    bool any = !figures.empty();
    for (size_t f = 0; f < families.size(); ++f) {
      std::vector<std::string> fitted;
      for (size_t k = 0; k < per_family; ++k) {
        if (fit.parameters[f * per_family + k].identified) fitted.push_back(Specs()[k].name);
      }
      if (fitted.empty()) continue;
      any = true;
      const catalog::FamilyCalibration cal = calibration_at(f, fit.theta);
      family_yaml += fmt::format("  - id: {}\n", families[f]);
      for (size_t k = 0; k < per_family; ++k) {
        const auto& pf = fit.parameters[f * per_family + k];
        family_yaml += fmt::format("    {}: {:.6g}", Specs()[k].name, cal.*Specs()[k].member);
        if (pf.identified) {
          family_yaml += fmt::format("  # fitted, shipped {:.6g}",
                                     problem.parameters[f * per_family + k].shipped);
          if (pf.sigma) family_yaml += fmt::format(", +/- {:.2g}", *pf.sigma);
        }
        family_yaml += "\n";
      }
      if (cal.fp4_matmul_efficiency) {
        family_yaml += fmt::format("    fp4_matmul_efficiency: {:.6g}  # not fitted: shipped\n",
                                   *cal.fp4_matmul_efficiency);
      }
      if (cal.weight_only_matmul_efficiency) {
        family_yaml +=
            fmt::format("    weight_only_matmul_efficiency: {:.6g}  # not fitted: shipped\n",
                        *cal.weight_only_matmul_efficiency);
      }
      if (cal.weight_only_gweights_s) {
        family_yaml += fmt::format("    weight_only_gweights_s: {:.6g}  # not fitted: shipped\n",
                                   *cal.weight_only_gweights_s);
      }
      if (cal.triton_moe_matmul_efficiency) {
        family_yaml +=
            fmt::format("    triton_moe_matmul_efficiency: {:.6g}  # not fitted: shipped\n",
                        *cal.triton_moe_matmul_efficiency);
        family_yaml +=
            fmt::format("    triton_moe_tile_k_overhead: {:.6g}  # not fitted: shipped\n",
                        cal.triton_moe_tile_k_overhead);
      }
      if (cal.triton_moe_block_fp8_matmul_efficiency) {
        family_yaml += fmt::format(
            "    triton_moe_block_fp8_matmul_efficiency: {:.6g}  # not fitted: shipped\n",
            *cal.triton_moe_block_fp8_matmul_efficiency);
      }
      if (cal.triton_moe_default_matmul_efficiency) {
        family_yaml +=
            fmt::format("    triton_moe_default_matmul_efficiency: {:.6g}  # not fitted: shipped\n",
                        *cal.triton_moe_default_matmul_efficiency);
      }
      if (cal.triton_moe_batch_aware_default_matmul_efficiency) {
        family_yaml += fmt::format(
            "    triton_moe_batch_aware_default_matmul_efficiency: {:.6g}  # not fitted: shipped\n",
            *cal.triton_moe_batch_aware_default_matmul_efficiency);
      }
      if (cal.fp8_fast_accum_matmul_efficiency) {
        family_yaml +=
            fmt::format("    fp8_fast_accum_matmul_efficiency: {:.6g}  # not fitted: shipped\n",
                        *cal.fp8_fast_accum_matmul_efficiency);
      }
      if (cal.fa2_attention_efficiency) {
        family_yaml += fmt::format("    fa2_attention_efficiency: {:.6g}  # not fitted: shipped\n",
                                   *cal.fa2_attention_efficiency);
      }
      if (cal.mla_decode_efficiency) {
        family_yaml += fmt::format("    mla_decode_efficiency: {:.6g}  # not fitted: shipped\n",
                                   *cal.mla_decode_efficiency);
      }
      if (cal.fp8_mla_decode_efficiency) {
        family_yaml += fmt::format("    fp8_mla_decode_efficiency: {:.6g}  # not fitted: shipped\n",
                                   *cal.fp8_mla_decode_efficiency);
      }
      if (cal.fp8_sparse_mla_decode_efficiency) {
        family_yaml +=
            fmt::format("    fp8_sparse_mla_decode_efficiency: {:.6g}  # not fitted: shipped\n",
                        *cal.fp8_sparse_mla_decode_efficiency);
      }
      if (cal.fp8_sparse_mla_decode_head_cluster > 0) {
        family_yaml +=
            fmt::format("    fp8_sparse_mla_decode_head_cluster: {:.6g}  # not fitted: shipped\n",
                        cal.fp8_sparse_mla_decode_head_cluster);
      }
      if (cal.tensor_tflops_per_sm) {
        family_yaml += fmt::format("    tensor_tflops_per_sm: {:.6g}  # not fitted: shipped\n",
                                   *cal.tensor_tflops_per_sm);
      }
      if (cal.fp4_over_16bit_peak) {
        family_yaml += fmt::format("    fp4_over_16bit_peak: {:.6g}  # not fitted: shipped\n",
                                   *cal.fp4_over_16bit_peak);
      }
      if (cal.serving_roofline_exponent > 0) {
        family_yaml += fmt::format("    serving_roofline_exponent: {:.6g}  # not fitted: shipped\n",
                                   cal.serving_roofline_exponent);
      }
      family_yaml += fmt::format(
          "    memory_reserved_gib: {:.6g}\n    failures_per_chip_day: {:.6g}\n"
          "    static_power_fraction: {:.6g}\n    dvfs_power_exponent: {:.6g}\n",
          cal.memory_reserved_gib, cal.failures_per_chip_day, cal.static_power_fraction,
          cal.dvfs_power_exponent);
      // The model's own error (forecast's uncertainty, training bands): where the family has at
      // least two runs of a kind (training or serving, dense or MoE), their leave-one-out rms log
      // error, as a model_errors cell that replaces the shipped one; otherwise what the catalog
      // had.
      std::map<std::pair<bool, bool>, std::vector<double>> held_out;  // (serving, moe) -> errors
      for (size_t i = 0; i < measurements.size(); ++i) {
        if (family_of[i] != f || !std::isfinite(fit.left_out[i])) continue;
        held_out[{measurements[i].shown.kind == "infer", measurements[i].moe}].push_back(
            fit.left_out[i]);
      }
      auto rms = [](const std::vector<double>& v) {
        double sum = 0;
        for (double x : v) sum += x * x;
        return std::sqrt(sum / static_cast<double>(v.size()));
      };
      for (const auto& [key, errors] : held_out) {
        if (errors.size() < 2) continue;
        // A user's runs stand for their own setups, searched or not.
        const std::vector<std::string> workloads =
            key.first ? std::vector<std::string>{"serving"}
                      : std::vector<std::string>{"training", "training-searched"};
        for (const std::string& workload : workloads) {
          error_cells += fmt::format(
              "    - {{family: {}, workload: {}, kind: {}, cases: {}, bias: 0, sigma: {:.4g}, "
              "source: \"measured: leave-one-out rms log error of {} runs ({}, {})\"}}\n",
              families[f], workload, key.second ? "moe" : "dense", errors.size(), rms(errors),
              errors.size(), fmt::join(files, ", "), date);
        }
      }
      // The family's single sigmas, for kinds without a cell (and older readers).
      auto all_of = [&](bool serving) {
        std::vector<double> v;
        for (const auto& [key, errors] : held_out) {
          if (key.first == serving) v.insert(v.end(), errors.begin(), errors.end());
        }
        return v;
      };
      const auto train_errors = all_of(false), infer_errors = all_of(true);
      const bool train_measured = train_errors.size() >= 2,
                 infer_measured = infer_errors.size() >= 2;
      family_yaml += fmt::format("    training_error_sigma: {:.4g}\n",
                                 train_measured ? rms(train_errors) : cal.training_error_sigma);
      family_yaml += fmt::format("    inference_error_sigma: {:.4g}\n",
                                 infer_measured ? rms(infer_errors) : cal.inference_error_sigma);
      if (train_measured || infer_measured) {
        family_yaml += fmt::format(
            "    error_source: \"held-out: leave-one-out rms log error of {} training and {} "
            "serving runs measured ({}, {}); a kind with fewer than 2 runs as before\"\n",
            train_errors.size(), infer_errors.size(), fmt::join(files, ", "), date);
      } else if (!cal.error_source.empty()) {
        family_yaml += fmt::format("    error_source: \"{}\"\n", cal.error_source);
      }
      family_yaml += "    calibrated: true\n";
      family_yaml += fmt::format("    fitted_on: \"measured: {} ({} measurements, {})\"\n",
                                 fmt::join(files, ", "), measurements.size(), date);
      family_yaml += "    source: measured\n";
      family_yaml += fmt::format("    file: \"{}\"\n", fmt::join(files, ", "));
      family_yaml += fmt::format("    date: \"{}\"\n", date);
      family_yaml += fmt::format("    fitted: [{}]\n", fmt::join(fitted, ", "));
    }
    // Whole system entries (an overlay entry replaces the shipped one) with the fitted
    // collective efficiencies in place.
    std::vector<catalog::System> fitted_systems;
    for (size_t g = 0; g < systems.size(); ++g) {
      std::string fitted_note;
      catalog::System sys = **catalog_->FindSystem(systems[g]);
      for (int t = 0; t < 2; ++t) {
        const size_t at = first_network + 2 * g + t;
        const auto& pf = fit.parameters[at];
        if (!pf.identified) continue;
        any = true;
        (t == 0 ? sys.scale_up : sys.scale_out).efficiency = pf.fitted;
        fitted_note += fmt::format(
            "{}{} efficiency {:.4g} (shipped {:.4g}{})", fitted_note.empty() ? "" : ", ",
            t == 0 ? "scale-up" : "scale-out", pf.fitted, problem.parameters[at].shipped,
            pf.sigma ? fmt::format(", +/- {:.2g}", *pf.sigma) : "");
      }
      if (fitted_note.empty()) continue;
      sys.notes = fmt::format("{} fitted by suanli calibrate from {} on {}. Shipped notes: {}",
                              fitted_note, fmt::join(files, ", "), date, sys.notes);
      fitted_systems.push_back(std::move(sys));
    }
    if (!any) {
      return tl::unexpected(FieldError(
          "output", "the measurements identify no parameter (see the table): nothing to write"));
    }
    if (!family_yaml.empty()) yaml += "families:\n" + family_yaml;
    if (!fitted_systems.empty()) yaml += SystemsYaml(fitted_systems);
    if (!error_cells.empty()) yaml += "model_errors:\n  cells:\n" + error_cells;
    if (!figures.empty()) {
      // Whole chip entries with the fitted figures, sourced to the measurements.
      std::vector<catalog::Chip> chips;
      for (const auto& id : fitted_chips) {
        catalog::Chip chip = **catalog_->FindChip(id);
        for (size_t q = 0; q < figures.size(); ++q) {
          if (figures[q].chip != id) continue;
          const auto& pf = fit.parameters[first_figure + q];
          std::string note =
              fmt::format("fitted by suanli calibrate from {} on {}", fmt::join(files, ", "), date);
          if (pf.sigma) note += fmt::format(": +/- {:.2g} (one standard deviation)", *pf.sigma);
          note += fmt::format("; bounds [{:.4g}, {:.4g}] from {}", figures[q].lower,
                              figures[q].upper, figures[q].basis);
          FigureOf(chip, figures[q].figure) = {
              pf.fitted, false, {"measured"}, catalog::Confidence::kEstimate, note};
        }
        chips.push_back(std::move(chip));
      }
      yaml += ChipsYaml(measured_source, chips);
    }
    // The overlay must load: fitted figures of one chip could break a catalog rule together
    // (two peaks fitted out of order).
    catalog::Catalog check = *catalog_;
    auto loads = check.MergeYaml(yaml, "calibration.yaml");
    if (loads) loads = check.Validate();
    if (!loads) {
      return tl::unexpected(FieldError(
          "output", "the fitted values break a catalog rule: " + loads.error().ToString()));
    }
    const std::string path = (std::filesystem::path(r.output) / "calibration.yaml").string();
    out.files.push_back({path, yaml, true});
    rep.overlay = path;
  }
  if (!r.report.empty()) out.files.push_back({r.report, report::CalibrationHtml(rep), false});
  out.body =
      c.format == Format::kJson ? report::CalibrationJson(rep) : report::CalibrationText(rep);
  return out;
}

}  // namespace suanli::app
