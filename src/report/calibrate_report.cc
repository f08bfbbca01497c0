#include "report/calibrate_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "report/json_out.h"
#include "report/table.h"

namespace suanli::report {
namespace {

double Error(double predicted, double measured) { return predicted / measured - 1; }

std::string Percent(double v) { return fmt::format("{:+.1f} %", v * 100); }

// Figures as the commands print them: 4 significant digits.
std::string Number(double v) {
  const double a = std::abs(v);
  if (a >= 1e4) return fmt::format("{:.0f}", v);
  if (a >= 100) return fmt::format("{:.1f}", v);
  if (a >= 1) return fmt::format("{:.3f}", v);
  return fmt::format("{:.4g}", v);
}

double Rms(const std::vector<double>& logs) {
  if (logs.empty()) return 0;
  double s = 0;
  for (double v : logs) s += v * v;
  return std::exp(std::sqrt(s / static_cast<double>(logs.size()))) - 1;
}

}  // namespace

CalibrationSummary Summarize(const CalibrationReport& r) {
  std::vector<double> before, after, left_out;
  for (const auto& m : r.measurements) {
    before.push_back(std::log(m.before / m.measured));
    after.push_back(std::log(m.after / m.measured));
    if (m.left_out) left_out.push_back(std::log(*m.left_out / m.measured));
  }
  CalibrationSummary s;
  s.rms_before = Rms(before);
  s.rms_after = Rms(after);
  if (!left_out.empty() && left_out.size() == r.measurements.size()) s.rms_left_out = Rms(left_out);
  return s;
}

std::string CalibrationText(const CalibrationReport& r) {
  std::string out;
  out += fmt::format("{} measurement{} from {}\n\n", r.measurements.size(),
                     r.measurements.size() == 1 ? "" : "s", fmt::join(r.files, ", "));
  Table m({"measurement", "kind", "chip", "metric", "measured", "before", "error", "after", "error",
           "held out"});
  for (const auto& x : r.measurements) {
    m.AddRow({x.name, x.kind, x.chip, x.metric, Number(x.measured), Number(x.before),
              Percent(Error(x.before, x.measured)), Number(x.after),
              Percent(Error(x.after, x.measured)),
              x.left_out ? Percent(Error(*x.left_out, x.measured)) : "-"});
  }
  out += m.Render();
  const auto s = Summarize(r);
  out += fmt::format("rms error: before {:.1f} %, after {:.1f} %", s.rms_before * 100,
                     s.rms_after * 100);
  if (s.rms_left_out) {
    out += fmt::format(", held out {:.1f} % (each measurement predicted by a fit without it)",
                       *s.rms_left_out * 100);
  }
  out += "\n\n";
  Table p({"parameter", "shipped", "fitted", "+/-", "change", "status"});
  for (const auto& x : r.parameters) {
    if (!x.identified) continue;
    if (x.chip_figure) {
      // Nothing was shipped: no change to show.
      p.AddRow({x.family + "." + x.name, "unknown", fmt::format("{:.4g}", x.fitted),
                x.sigma ? fmt::format("{:.2g}", *x.sigma) : "-", "-", "fitted"});
      continue;
    }
    p.AddRow({x.family + "." + x.name, fmt::format("{:.4g}", x.shipped),
              fmt::format("{:.4g}", x.fitted), x.sigma ? fmt::format("{:.2g}", *x.sigma) : "-",
              x.shipped != 0 ? Percent(x.fitted / x.shipped - 1) : "-", "fitted"});
  }
  out += p.Render();
  for (const auto& x : r.parameters) {
    if (!x.chip_figure) continue;
    out += fmt::format("chip figure: {}.{} {}: fitted within [{:.4g}, {:.4g}] from {:.4g}\n",
                       x.family, x.name, x.basis, x.lower, x.upper, x.shipped);
  }
  for (const auto& x : r.parameters) {
    if (x.identified) continue;
    out += fmt::format("not identified: {}.{} kept at {:.4g}: {}\n", x.family, x.name, x.shipped,
                       x.reason);
  }
  for (const auto& x : r.measurements) {
    for (const auto& w : x.warnings) out += fmt::format("warning: {}: {}\n", x.where, w);
  }
  out += fmt::format(
      "Fit: residuals log(predicted / measured) with sigma {:.0f} %, each parameter pulled "
      "toward its shipped value with sigma {:.0f} % (log scale); +/- is one standard "
      "deviation{}.\n",
      r.measurement_sigma * 100, r.prior_sigma * 100,
      r.noise_scale > 1 ? fmt::format(", widened x{:.2f} for the scatter seen", r.noise_scale)
                        : "");
  if (!r.overlay.empty()) {
    out += fmt::format("Overlay written: {} (use it with --catalog {})\n", r.overlay,
                       r.overlay.substr(0, r.overlay.rfind('/')));
  }
  return out;
}

std::string CalibrationJson(const CalibrationReport& r) {
  nlohmann::json j;
  j["files"] = r.files;
  j["date"] = r.date;
  j["measurement_sigma"] = r.measurement_sigma;
  j["prior_sigma"] = r.prior_sigma;
  j["noise_scale"] = Round(r.noise_scale, 4);
  j["iterations"] = r.iterations;
  j["converged"] = r.converged;
  nlohmann::json ms = nlohmann::json::array();
  for (const auto& x : r.measurements) {
    ms.push_back(
        {{"name", x.name},
         {"where", x.where},
         {"kind", x.kind},
         {"model", x.model},
         {"chip", x.chip},
         {"family", x.family},
         {"metric", x.metric},
         {"measured", x.measured},
         {"predicted_before", Round(x.before)},
         {"error_before", Round(Error(x.before, x.measured), 4)},
         {"predicted_after", Round(x.after)},
         {"error_after", Round(Error(x.after, x.measured), 4)},
         {"predicted_left_out", Optional(x.left_out)},
         {"error_left_out", x.left_out ? nlohmann::json(Round(Error(*x.left_out, x.measured), 4))
                                       : nlohmann::json(nullptr)},
         {"warnings", x.warnings}});
  }
  j["measurements"] = ms;
  nlohmann::json ps = nlohmann::json::array();
  for (const auto& x : r.parameters) {
    ps.push_back({{"family", x.family},
                  {"name", x.name},
                  {"shipped", x.shipped},
                  {"fitted", Round(x.fitted)},
                  {"sigma", Optional(x.sigma, 4)},
                  {"identified", x.identified},
                  {"reason", x.reason},
                  {"sensitivity", Round(x.sensitivity, 4)}});
    if (x.chip_figure) {
      ps.back()["chip_figure"] = true;
      ps.back()["bounds"] = {Round(x.lower), Round(x.upper)};
      ps.back()["basis"] = x.basis;
    }
  }
  j["parameters"] = ps;
  const auto s = Summarize(r);
  j["rms_error_before"] = Round(s.rms_before, 4);
  j["rms_error_after"] = Round(s.rms_after, 4);
  j["rms_error_left_out"] = Optional(s.rms_left_out, 4);
  j["overlay"] = r.overlay;
  return Dump(j);
}

}  // namespace suanli::report
