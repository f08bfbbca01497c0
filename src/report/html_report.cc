#include "report/html_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "report/json_out.h"
#include "report/vega_bundles.h"

namespace suanli::report {
namespace {

using nlohmann::json;

// "</script>" inside inlined code would end the script element early.
std::string SafeScript(std::string_view code) {
  std::string out(code);
  size_t pos = 0;
  while ((pos = out.find("</script", pos)) != std::string::npos) {
    out.replace(pos, 2, "<\\/");
    pos += 3;
  }
  return out;
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

json Base(const std::string& title) {
  return {{"$schema", "https://vega.github.io/schema/vega-lite/v6.json"},
          {"title", title},
          {"width", 640},
          {"height", 240}};
}

json FleetChart(const plan::Forecast& f) {
  json values = json::array();
  for (size_t t = 0; t < f.periods.size(); ++t) {
    for (size_t c = 0; c < f.chips.size(); ++c) {
      values.push_back({{"period", f.periods[t].ToString()},
                        {"chip", f.chips[c]},
                        {"chips", Round(f.fleet_mean[t][c], 6)}});
    }
  }
  json spec = Base("Fleet on hand (mean over samples)");
  spec["data"] = {{"values", values}};
  spec["mark"] = "area";
  spec["encoding"] = {{"x", {{"field", "period"}, {"type", "temporal"}, {"title", "period"}}},
                      {"y", {{"field", "chips"}, {"type", "quantitative"}, {"stack", "zero"}}},
                      {"color", {{"field", "chip"}, {"type", "nominal"}}}};
  return spec;
}

json AllocationChart(const plan::Forecast& f) {
  json values = json::array();
  for (size_t t = 0; t < f.periods.size(); ++t) {
    for (size_t w = 0; w < f.workloads.size(); ++w) {
      values.push_back({{"period", f.periods[t].ToString()},
                        {"workload", f.workloads[w]},
                        {"chips", Round(f.allocation_mean[t][w], 6)}});
    }
  }
  json spec = Base("Chips allocated per workload (mean)");
  spec["data"] = {{"values", values}};
  spec["mark"] = "area";
  spec["encoding"] = {{"x", {{"field", "period"}, {"type", "temporal"}}},
                      {"y", {{"field", "chips"}, {"type", "quantitative"}, {"stack", "zero"}}},
                      {"color", {{"field", "workload"}, {"type", "nominal"}}}};
  return spec;
}

// Fans of one or more forecasts, each run named "<prefix><run>".
json ProgressChart(const std::vector<std::pair<std::string, const plan::Forecast*>>& forecasts) {
  json values = json::array();
  for (const auto& [prefix, fp] : forecasts) {
    const plan::Forecast& f = *fp;
    for (const auto& r : f.runs) {
      for (size_t t = 0; t < f.periods.size(); ++t) {
        values.push_back({{"period", f.periods[t].ToString()},
                          {"run", prefix + r.name},
                          {"p10", Round(r.progress_p10[t], 4)},
                          {"p50", Round(r.progress_p50[t], 4)},
                          {"p90", Round(r.progress_p90[t], 4)}});
      }
    }
  }
  json spec = Base("Training progress (fraction of tokens): P10-P90 band, P50 line");
  spec["data"] = {{"values", values}};
  json x = {{"field", "period"}, {"type", "temporal"}};
  spec["layer"] = json::array(
      {{{"mark", {{"type", "area"}, {"opacity", 0.3}}},
        {"encoding",
         {{"x", x},
          {"y", {{"field", "p10"}, {"type", "quantitative"}, {"title", "fraction done"}}},
          {"y2", {{"field", "p90"}}},
          {"color", {{"field", "run"}, {"type", "nominal"}}}}}},
       {{"mark", "line"},
        {"encoding",
         {{"x", x},
          {"y", {{"field", "p50"}, {"type", "quantitative"}}},
          {"color", {{"field", "run"}, {"type", "nominal"}}}}}}});
  return spec;
}

json ServedChart(const plan::Forecast& f) {
  json values = json::array();
  for (const auto& s : f.services) {
    for (size_t t = 0; t < f.periods.size(); ++t) {
      values.push_back({{"period", f.periods[t].ToString()},
                        {"series", s.name + " demand"},
                        {"tokens_per_s", Round(s.demand_tokens_per_s[t], 6)}});
      values.push_back(
          {{"period", f.periods[t].ToString()},
           {"series", s.name + " served"},
           {"tokens_per_s", Round(s.demand_tokens_per_s[t] * s.served_fraction[t], 6)}});
    }
  }
  json spec = Base("Inference: served versus demand (output tokens/s, mean)");
  spec["data"] = {{"values", values}};
  spec["mark"] = {{"type", "line"}, {"point", true}};
  spec["encoding"] = {{"x", {{"field", "period"}, {"type", "temporal"}}},
                      {"y", {{"field", "tokens_per_s"}, {"type", "quantitative"}}},
                      {"color", {{"field", "series"}, {"type", "nominal"}}}};
  return spec;
}

json TornadoChart(const plan::Forecast& f) {
  json values = json::array();
  for (const auto& s : f.sensitivity) {
    values.push_back(
        {{"factor", s.factor + " / " + s.run}, {"swing_weeks", Round(s.swing_weeks, 4)}});
  }
  json spec = Base("Sensitivity: swing of the mean finish (weeks)");
  spec["height"] = std::max<int>(120, static_cast<int>(values.size()) * 22);
  spec["data"] = {{"values", values}};
  spec["mark"] = "bar";
  spec["encoding"] = {
      {"y", {{"field", "factor"}, {"type", "nominal"}, {"sort", "-x"}, {"title", nullptr}}},
      {"x", {{"field", "swing_weeks"}, {"type", "quantitative"}, {"title", "weeks"}}}};
  return spec;
}

// One self-contained page: the bundles inlined, `intro` HTML, then charts.
std::string Page(const std::string& title, const std::string& intro,
                 const std::vector<std::pair<std::string, json>>& charts) {
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
      Escape(title) +
      "</title>\n<style>body{font-family:sans-serif;margin:24px;color:#222}"
      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
      ".chart{margin:24px 0}</style>\n";
  for (const auto& bundle : VegaBundles()) {
    html += "<script>/* " + std::string(bundle.name) + " */\n" + SafeScript(bundle.content) +
            "\n</script>\n";
  }
  html += "</head>\n<body>\n<h1>" + Escape(title) + "</h1>\n" + intro;
  for (const auto& [id, spec] : charts) html += "<div class=\"chart\" id=\"" + id + "\"></div>\n";
  html += "<script>\nconst specs = {\n";
  for (const auto& [id, spec] : charts)
    html += "  \"" + id +
            "\": " + SafeScript(spec.dump(-1, ' ', false, json::error_handler_t::replace)) + ",\n";
  html +=
      "};\n"
      "window.suanliRendered = Promise.all(Object.entries(specs).map(([id, spec]) =>\n"
      "  vegaEmbed('#' + id, spec, {actions: false, renderer: 'canvas'})));\n"
      "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace

std::string ForecastHtml(const plan::Forecast& f) {
  std::string intro = fmt::format("<p>{} Monte Carlo samples, seed {}.</p>\n", f.samples, f.seed);
  intro +=
      "<table><tr><th>training "
      "run</th><th>target</th><th>P10</th><th>P50</th><th>P90</th><th>P(target)</th></tr>\n";
  for (const auto& r : f.runs) {
    auto d = [](const std::optional<Date>& x) {
      return x ? x->ToString() : std::string("beyond horizon");
    };
    intro += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0f} %</td></tr>\n",
        Escape(r.name), r.target.ToString(), d(r.finish_p10), d(r.finish_p50), d(r.finish_p90),
        r.p_meet_target * 100);
  }
  intro += "</table>\n";
  return Page("Forecast: " + f.scenario, intro,
              {{"fleet", FleetChart(f)},
               {"allocation", AllocationChart(f)},
               {"progress", ProgressChart({{"", &f}})},
               {"served", ServedChart(f)},
               {"tornado", TornadoChart(f)}});
}

std::string ForecastCompareHtml(const plan::Forecast& base, const plan::Forecast& alt,
                                const std::string& label) {
  std::string intro = fmt::format("<p>{} Monte Carlo samples, seed {}; {} against {}.</p>\n",
                                  base.samples, base.seed, Escape(label), Escape(base.scenario));
  intro += "<table><tr><th>training run</th><th>P50 " + Escape(base.scenario) + "</th><th>P50 " +
           Escape(label) + "</th><th>P(target)</th><th>P(target) " + Escape(label) + "</th></tr>\n";
  auto d = [](const std::optional<Date>& x) {
    return x ? x->ToString() : std::string("beyond horizon");
  };
  for (const auto& r : base.runs) {
    for (const auto& a : alt.runs) {
      if (a.name != r.name) continue;
      intro += fmt::format(
          "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.0f} %</td><td>{:.0f} %</td></tr>\n",
          Escape(r.name), d(r.finish_p50), d(a.finish_p50), r.p_meet_target * 100,
          a.p_meet_target * 100);
    }
  }
  intro += "</table>\n";
  return Page("Forecast: " + base.scenario + " and " + label, intro,
              {{"progress", ProgressChart({{base.scenario + ": ", &base}, {label + ": ", &alt}})},
               {"served", ServedChart(base)},
               {"tornado", TornadoChart(base)}});
}

std::string ReplayHtml(const std::vector<ReplayRun>& runs) {
  json util = json::array();
  json jct = json::array();
  std::string intro =
      "<table><tr><th>policy</th><th>jobs</th><th>avg JCT (h)</th><th>p99 JCT (h)</th>"
      "<th>utilization</th></tr>\n";
  for (const auto& run : runs) {
    const auto& r = run.result;
    intro += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{:.2f}</td><td>{:.2f}</td><td>{:.1f} %</td></tr>\n",
        Escape(r.policy), r.completed, r.avg_jct_s / 3600, r.p99_jct_s / 3600, r.utilization * 100);
    for (const auto& p : r.timeline) {
      util.push_back({{"policy", r.policy},
                      {"hours", Round(p.time_s / 3600, 6)},
                      {"utilization", Round(p.utilization, 4)}});
    }
    for (double jct_s : r.jct_s) {
      jct.push_back({{"policy", r.policy}, {"jct_h", Round(jct_s / 3600, 5)}});
    }
  }
  intro += "</table>\n";
  if (const std::string note = NeverFitNote(runs); !note.empty()) {
    intro += "<pre>" + Escape(note) + "</pre>\n";
  }
  json u = Base("Allocated GPU share over time");
  u["data"] = {{"values", util}};
  u["mark"] = {{"type", "line"}, {"interpolate", "step-after"}};
  u["encoding"] = {
      {"x", {{"field", "hours"}, {"type", "quantitative"}, {"title", "hours since first arrival"}}},
      {"y", {{"field", "utilization"}, {"type", "quantitative"}, {"scale", {{"domain", {0, 1}}}}}},
      {"color", {{"field", "policy"}, {"type", "nominal"}}}};
  json c = Base("Job completion time, cumulative distribution");
  c["data"] = {{"values", jct}};
  c["transform"] =
      json::array({{{"window", json::array({{{"op", "cume_dist"}, {"as", "fraction"}}})},
                    {"sort", json::array({{{"field", "jct_h"}}})},
                    {"groupby", json::array({"policy"})}}});
  c["mark"] = {{"type", "line"}, {"interpolate", "step-after"}};
  c["encoding"] = {
      {"x",
       {{"field", "jct_h"},
        {"type", "quantitative"},
        {"scale", {{"type", "symlog"}}},
        {"title", "JCT (hours)"}}},
      {"y", {{"field", "fraction"}, {"type", "quantitative"}, {"title", "fraction of jobs"}}},
      {"color", {{"field", "policy"}, {"type", "nominal"}}}};
  return Page("Trace replay", intro, {{"utilization", u}, {"jct", c}});
}

std::string CalibrationHtml(const CalibrationReport& r) {
  json points = json::array();
  json errors = json::array();
  double lo = 0, hi = 0;
  for (const auto& m : r.measurements) {
    const std::string label = m.name + " (" + m.metric + ")";
    auto add = [&](const std::string& fit, double predicted) {
      // Predicted over measured on one axis: every metric on one chart.
      points.push_back({{"measurement", label},
                        {"fit", fit},
                        {"measured", Round(m.measured, 6)},
                        {"predicted", Round(predicted, 6)},
                        {"ratio", Round(predicted / m.measured, 6)}});
      errors.push_back({{"measurement", label},
                        {"fit", fit},
                        {"error_pct", Round((predicted / m.measured - 1) * 100, 4)}});
      lo = lo == 0 ? std::min(m.measured, predicted) : std::min({lo, m.measured, predicted});
      hi = std::max({hi, m.measured, predicted});
    };
    add("before", m.before);
    add("after", m.after);
    if (m.left_out) {
      errors.push_back({{"measurement", label},
                        {"fit", "held out"},
                        {"error_pct", Round((*m.left_out / m.measured - 1) * 100, 4)}});
    }
  }
  const auto s = Summarize(r);
  std::string intro =
      fmt::format("<p>{} measurements from {}. RMS error {:.1f} % before, {:.1f} % after the fit",
                  r.measurements.size(), Escape(fmt::format("{}", fmt::join(r.files, ", "))),
                  s.rms_before * 100, s.rms_after * 100);
  if (s.rms_left_out) intro += fmt::format(", {:.1f} % held out", *s.rms_left_out * 100);
  intro +=
      ".</p>\n<table><tr><th>parameter</th><th>shipped</th><th>fitted</th><th>+/-</th>"
      "<th>status</th></tr>\n";
  for (const auto& p : r.parameters) {
    intro +=
        fmt::format("<tr><td>{}.{}</td><td>{:.4g}</td><td>{:.4g}</td><td>{}</td><td>{}</td></tr>\n",
                    Escape(p.family), Escape(p.name), p.shipped, p.fitted,
                    p.sigma ? fmt::format("{:.2g}", *p.sigma) : "-",
                    p.identified ? "fitted" : Escape("not identified: " + p.reason));
  }
  intro += "</table>\n";
  // Log-log: step times, tokens per second and TFLOP/s share one chart; the line is exact.
  json scatter = Base("Predicted against measured, before and after the fit (line: exact)");
  scatter["height"] = 400;
  scatter["width"] = 400;
  json axis_scale = {{"type", "log"}, {"domain", {lo * 0.8, hi * 1.25}}};
  json dots;
  dots["data"] = {{"values", points}};
  dots["mark"] = {{"type", "point"}, {"filled", true}, {"size", 70}};
  dots["encoding"] = {
      {"x", {{"field", "measured"}, {"type", "quantitative"}, {"scale", axis_scale}}},
      {"y", {{"field", "predicted"}, {"type", "quantitative"}, {"scale", axis_scale}}},
      {"color", {{"field", "fit"}, {"type", "nominal"}}},
      {"tooltip", json::array({{{"field", "measurement"}},
                               {{"field", "measured"}},
                               {{"field", "predicted"}},
                               {{"field", "ratio"}},
                               {{"field", "fit"}}})}};
  json line;
  line["data"] = {{"values", json::array({{{"measured", lo * 0.8}, {"predicted", lo * 0.8}},
                                          {{"measured", hi * 1.25}, {"predicted", hi * 1.25}}})}};
  line["mark"] = {{"type", "line"}, {"color", "#999"}};
  line["encoding"] = {{"x", {{"field", "measured"}, {"type", "quantitative"}}},
                      {"y", {{"field", "predicted"}, {"type", "quantitative"}}}};
  scatter["layer"] = json::array({line, dots});
  json bars = Base("Error per measurement: before, after, and held out (leave-one-out)");
  bars["data"] = {{"values", errors}};
  bars["height"] = 320;
  bars["mark"] = "bar";
  bars["encoding"] = {
      {"x", {{"field", "measurement"}, {"type", "nominal"}, {"title", nullptr}, {"sort", nullptr}}},
      {"xOffset", {{"field", "fit"}}},
      {"y", {{"field", "error_pct"}, {"type", "quantitative"}, {"title", "error %"}}},
      {"color", {{"field", "fit"}, {"type", "nominal"}}}};
  return Page("Calibration", intro, {{"predicted", scatter}, {"residuals", bars}});
}

}  // namespace suanli::report
