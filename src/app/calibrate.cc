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
#include "perf/inference.h"
#include "perf/training.h"
#include "report/calibrate_report.h"
#include "report/html_report.h"

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
const std::vector<std::string>& InferMetrics() {
  static const std::vector<std::string> m = {
      "output_tokens_per_s_per_chip", "decode_tokens_per_s_per_chip",
      "prefill_tokens_per_s_per_chip", "input_tokens_per_s_per_chip"};
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

// CSV: a header of column names, then one row per line; empty cells are not given; lines
// starting with # are comments. Double quotes protect commas.
Result<std::vector<Row>> ReadCsv(const std::string& text, const std::string& file) {
  std::vector<Row> rows;
  std::vector<std::string> header;
  int header_line = 0;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string trimmed = Trim(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (char ch : line) {
      if (ch == '"') {
        quoted = !quoted;
      } else if (ch == ',' && !quoted) {
        cells.push_back(Trim(cell));
        cell.clear();
      } else {
        cell += ch;
      }
    }
    if (quoted) return MakeError("unterminated double quote", file, line_no);
    cells.push_back(Trim(cell));
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
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return MakeError(e.msg, file, e.mark.line + 1);
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

struct Measurement {
  size_t row = 0;
  std::string metric;
  double value = 0;
  int line = 0;
  std::string family;  // the chip's family: the parameters it depends on
  report::CalibrationMeasurement shown;
  // The metric predicted with the family's parameters.
  std::function<std::optional<double>(const catalog::FamilyCalibration&)> predict;
  // Model FLOP utilization at the shipped values and whether the metric grows with speed
  // (for the faster-than-peak check); 0: not checked.
  double mfu = 0;
  bool higher_is_faster = true;
};

double TrainMetric(const perf::TrainingEstimate& e, long chips, const std::string& metric) {
  if (metric == "step_time_s") return e.step_time_s;
  if (metric == "tokens_per_s") return e.tokens_per_s;
  if (metric == "tokens_per_s_per_chip") return e.tokens_per_s / static_cast<double>(chips);
  if (metric == "achieved_tflops_per_chip") return e.achieved_tflops_per_chip;
  if (metric == "mfu") return e.mfu;
  return e.accelerator_hours;
}

double InferMetric(const perf::InferenceEstimate& e, const std::string& metric) {
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

constexpr double kMeasurementSigma = 0.05;
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
    auto text = internal::ReadRequestFile(*resolved, options_.max_file_bytes, "measurements");
    if (!text) return tl::unexpected(text.error());
    if (auto ok = add_rows(*text, path); !ok) return tl::unexpected(ok.error());
  }
  if (!r.measurements_yaml.empty()) {
    if (auto ok = add_rows(r.measurements_yaml, "measurements_yaml"); !ok) {
      return tl::unexpected(ok.error());
    }
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
      auto built = internal::BuildTrainJob(*catalog_, req);
      if (!built) return tl::unexpected(At(built.error(), row));
      auto searched = perf::SearchLayout(built->job, built->fixed);
      if (!searched) return tl::unexpected(At(searched.error(), row));
      // The layout found with the shipped values is kept while parameters move: a measured run
      // had one layout, and a fixed one keeps the prediction smooth in the parameters.
      const perf::ParallelLayout layout = searched->best.layout;
      const perf::TrainingJob job = built->job;
      base.shown.model = job.model->id;
      base.shown.chip = job.chip->id;
      base.family = job.chip->family.empty() ? "default" : job.chip->family;
      for (const Cell* cell : measured) {
        if (cell->key == "accelerator_hours" && !has_tokens) {
          return MakeError("is required with accelerator_hours (the tokens the run trained on)",
                           row.file, cell->line, "tokens");
        }
        Measurement m = base;
        m.metric = cell->key;
        m.line = cell->line;
        m.predict = [job, layout, metric = m.metric](
                        const catalog::FamilyCalibration& cal) -> std::optional<double> {
          perf::TrainingJob j = job;
          j.calibration = cal;
          auto e = perf::EstimateLayout(j, layout);
          if (!e) return std::nullopt;
          return TrainMetric(*e, j.chips, metric);
        };
        m.mfu = searched->best.mfu;
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
      auto built = internal::BuildInferJob(*catalog_, req);
      if (!built) return tl::unexpected(At(built.error(), row));
      auto first = perf::EstimateInference(built->job, built->fixed);
      if (!first) return tl::unexpected(At(first.error(), row));
      perf::InferenceConstraints fixed = built->fixed;
      if (!first->disaggregated) {
        fixed = {first->layout.tp, first->layout.ep, first->layout.dp};
      }
      const perf::InferenceJob job = built->job;
      base.shown.model = job.model->id;
      base.shown.chip = job.chip->id;
      base.family = job.chip->family.empty() ? "default" : job.chip->family;
      serving_families.insert(base.family);
      for (const Cell* cell : measured) {
        Measurement m = base;
        m.metric = cell->key;
        m.line = cell->line;
        m.predict = [job, fixed, metric = m.metric](
                        const catalog::FamilyCalibration& cal) -> std::optional<double> {
          perf::InferenceJob j = job;
          j.calibration = cal;
          auto e = perf::EstimateInference(j, fixed);
          if (!e) return std::nullopt;
          return InferMetric(*e, metric);
        };
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
      problem.parameters.push_back(
          {family + "." + spec.name, v, spec.lower, spec.upper, spec.offset});
    }
  }
  const size_t per_family = Specs().size();
  std::vector<size_t> family_of(measurements.size());
  for (size_t i = 0; i < measurements.size(); ++i) {
    family_of[i] =
        std::find(families.begin(), families.end(), measurements[i].family) - families.begin();
    std::vector<int> deps;
    for (size_t k = 0; k < per_family; ++k) {
      deps.push_back(static_cast<int>(family_of[i] * per_family + k));
    }
    problem.depends_on.push_back(deps);
  }
  auto calibration_at = [&](size_t f, const std::vector<double>& theta) {
    catalog::FamilyCalibration cal = shipped[f];
    for (size_t k = 0; k < per_family; ++k) cal.*Specs()[k].member = theta[f * per_family + k];
    return cal;
  };
  problem.log_ratio = [&](int i, const std::vector<double>& theta) -> std::optional<double> {
    const auto& m = measurements[i];
    const auto p = m.predict(calibration_at(family_of[i], theta));
    if (!p || !(*p > 0)) return std::nullopt;
    return std::log(*p / m.value);
  };
  const calib::FitResult fit = calib::Fit(problem);

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
    yaml += ".\n# Use it with --catalog " + r.output + "\nfamilies:\n";
    bool any = false;
    for (size_t f = 0; f < families.size(); ++f) {
      std::vector<std::string> fitted;
      for (size_t k = 0; k < per_family; ++k) {
        if (fit.parameters[f * per_family + k].identified) fitted.push_back(Specs()[k].name);
      }
      if (fitted.empty()) continue;
      any = true;
      const catalog::FamilyCalibration cal = calibration_at(f, fit.theta);
      yaml += fmt::format("  - id: {}\n", families[f]);
      for (size_t k = 0; k < per_family; ++k) {
        const auto& pf = fit.parameters[f * per_family + k];
        yaml += fmt::format("    {}: {:.6g}", Specs()[k].name, cal.*Specs()[k].member);
        if (pf.identified) {
          yaml += fmt::format("  # fitted, shipped {:.6g}",
                              problem.parameters[f * per_family + k].shipped);
          if (pf.sigma) yaml += fmt::format(", +/- {:.2g}", *pf.sigma);
        }
        yaml += "\n";
      }
      yaml += fmt::format(
          "    memory_reserved_gib: {:.6g}\n    failures_per_chip_day: {:.6g}\n"
          "    static_power_fraction: {:.6g}\n    dvfs_power_exponent: {:.6g}\n",
          cal.memory_reserved_gib, cal.failures_per_chip_day, cal.static_power_fraction,
          cal.dvfs_power_exponent);
      // The model's own error (forecast's uncertainty): where the family has at least two runs
      // of a kind, their held-out rms log error; otherwise what the catalog had.
      std::vector<double> held_out[2];  // train, infer
      for (size_t i = 0; i < measurements.size(); ++i) {
        if (family_of[i] != f || !std::isfinite(fit.left_out[i])) continue;
        held_out[measurements[i].shown.kind == "infer"].push_back(fit.left_out[i]);
      }
      auto rms = [](const std::vector<double>& v) {
        double sum = 0;
        for (double x : v) sum += x * x;
        return std::sqrt(sum / static_cast<double>(v.size()));
      };
      const bool train_measured = held_out[0].size() >= 2, infer_measured = held_out[1].size() >= 2;
      yaml += fmt::format("    training_error_sigma: {:.4g}\n",
                          train_measured ? rms(held_out[0]) : cal.training_error_sigma);
      yaml += fmt::format("    inference_error_sigma: {:.4g}\n",
                          infer_measured ? rms(held_out[1]) : cal.inference_error_sigma);
      if (train_measured || infer_measured) {
        yaml += fmt::format(
            "    error_source: \"held-out: leave-one-out rms log error of {} training and {} "
            "serving runs measured ({}, {}); a kind with fewer than 2 runs as before\"\n",
            held_out[0].size(), held_out[1].size(), fmt::join(files, ", "), date);
      } else if (!cal.error_source.empty()) {
        yaml += fmt::format("    error_source: \"{}\"\n", cal.error_source);
      }
      yaml += "    calibrated: true\n";
      yaml += fmt::format("    fitted_on: \"measured: {} ({} measurements, {})\"\n",
                          fmt::join(files, ", "), measurements.size(), date);
      yaml += "    source: measured\n";
      yaml += fmt::format("    file: \"{}\"\n", fmt::join(files, ", "));
      yaml += fmt::format("    date: \"{}\"\n", date);
      yaml += fmt::format("    fitted: [{}]\n", fmt::join(fitted, ", "));
    }
    if (!any) {
      return tl::unexpected(FieldError(
          "output", "the measurements identify no parameter (see the table): nothing to write"));
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
