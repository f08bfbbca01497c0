#include "report/forecast_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "report/json_out.h"
#include "report/table.h"

namespace suanli::report {
namespace {

nlohmann::json DateJson(const std::optional<Date>& d) {
  return d ? nlohmann::json(d->ToString()) : nlohmann::json(nullptr);
}

std::string DateText(const std::optional<Date>& d) { return d ? d->ToString() : "beyond horizon"; }

// "x0.82 x/1.35": measured / predicted has median 0.82 and P10-P90 a factor 1.35 either side;
// the median is left out where the model has no measured bias.
std::string ModelErrorText(const plan::ModelError& e) {
  const std::string spread = fmt::format("x/{:.2f}", std::exp(1.2816 * e.sigma));
  if (std::abs(e.bias) < 0.005) return spread;
  return fmt::format("x{:.2f} {}", std::exp(e.bias), spread);
}

std::vector<double> Rounded(const std::vector<double>& v, int digits = 4) {
  std::vector<double> out;
  for (double x : v) out.push_back(Round(x, digits));
  return out;
}

}  // namespace

std::string ForecastJson(const plan::Forecast& f) {
  nlohmann::json j;
  j["scenario"] = f.scenario;
  j["samples"] = f.samples;
  j["seed"] = f.seed;
  j["training_across_types"] = f.training_across_types;
  std::vector<std::string> periods;
  for (const auto& d : f.periods) periods.push_back(d.ToString());
  j["periods"] = periods;
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& r : f.runs) {
    runs.push_back(
        {{"name", r.name},
         {"target", r.target.ToString()},
         {"finish_p10", DateJson(r.finish_p10)},
         {"finish_p50", DateJson(r.finish_p50)},
         {"finish_p90", DateJson(r.finish_p90)},
         {"p_meet_target", Round(r.p_meet_target, 4)},
         {"finished_within_horizon", Round(r.finished_fraction, 4)},
         {"delay_weeks_p50", r.delay_weeks_p50 ? nlohmann::json(Round(*r.delay_weeks_p50, 4))
                                               : nlohmann::json(nullptr)},
         {"progress_p10", Rounded(r.progress_p10)},
         {"progress_p50", Rounded(r.progress_p50)},
         {"progress_p90", Rounded(r.progress_p90)},
         {"spread_weeks",
          {{"total", Round(r.spread_weeks.total, 4)},
           {"supply", Round(r.spread_weeks.supply, 4)},
           {"model", Round(r.spread_weeks.model, 4)}}}});
  }
  j["runs"] = runs;
  nlohmann::json services = nlohmann::json::array();
  for (const auto& s : f.services) {
    services.push_back({{"name", s.name},
                        {"demand_tokens_per_s", Rounded(s.demand_tokens_per_s, 6)},
                        {"served_fraction", Rounded(s.served_fraction)},
                        {"served_fraction_p10", Rounded(s.served_fraction_p10)}});
  }
  j["services"] = services;
  nlohmann::json rates = nlohmann::json::array();
  for (const auto& r : f.rates) {
    rates.push_back({{"workload", r.workload},
                     {"chip", r.chip},
                     {"tokens_per_s_per_chip", Round(r.tokens_per_s_per_chip)},
                     {"dtype", r.dtype.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.dtype)},
                     {"model_error",
                      {{"distribution", "lognormal"},
                       {"median", Round(std::exp(r.model_error.bias), 4)},
                       {"bias", Round(r.model_error.bias, 4)},
                       {"sigma", Round(r.model_error.sigma, 4)},
                       {"cases", r.model_error.cases},
                       {"basis", r.model_error.basis},
                       {"source", r.model_error.source}}},
                     {"note", r.note}});
  }
  j["rates"] = rates;
  j["chips"] = f.chips;
  nlohmann::json fleet = nlohmann::json::array();
  for (const auto& row : f.fleet_mean) fleet.push_back(Rounded(row, 6));
  j["fleet_mean"] = fleet;
  j["workloads"] = f.workloads;
  nlohmann::json alloc = nlohmann::json::array();
  for (const auto& row : f.allocation_mean) alloc.push_back(Rounded(row, 6));
  j["allocation_mean"] = alloc;
  nlohmann::json sens = nlohmann::json::array();
  for (const auto& s : f.sensitivity) {
    sens.push_back(
        {{"factor", s.factor},
         {"run", s.run},
         {"finish_p50_low", DateJson(s.p50_low)},
         {"finish_p50_high", DateJson(s.p50_high)},
         {"swing_weeks", Round(s.swing_weeks, 4)},
         {"p_target_low", Round(s.p_target_low, 4)},
         {"p_target_high", Round(s.p_target_high, 4)},
         {"reason", s.reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.reason)}});
  }
  j["sensitivity"] = sens;
  nlohmann::json buy = nlohmann::json::array();
  for (const auto& a : f.purchase_advice) {
    buy.push_back(
        {{"chip", a.chip},
         {"run", a.run},
         {"chips", a.chips},
         {"weeks_saved_p50", Round(a.weeks_saved_p50, 4)},
         {"cost_usd", a.cost_usd ? nlohmann::json(Round(*a.cost_usd, 6)) : nlohmann::json(nullptr)},
         {"usd_per_week_saved", a.usd_per_week_saved
                                    ? nlohmann::json(Round(*a.usd_per_week_saved, 6))
                                    : nlohmann::json(nullptr)}});
  }
  j["purchase_advice"] = buy;
  nlohmann::json voi = nlohmann::json::array();
  for (const auto& v : f.value_of_information) {
    voi.push_back({{"factor", v.factor},
                   {"run", v.run},
                   {"buy_if_low", v.buy_if_low},
                   {"buy_if_high", v.buy_if_high},
                   {"weeks_gained", Round(v.weeks_gained, 4)}});
  }
  j["value_of_information"] = voi;
  return Dump(j);
}

std::string ForecastText(const plan::Forecast& f) {
  std::string out;
  // The verdict first.
  for (const auto& r : f.runs) {
    if (r.finish_p50) {
      const double d = r.delay_weeks_p50.value_or(0);
      const long weeks = std::lround(std::fabs(d));
      const std::string delay = weeks == 0
                                    ? "within a week of its target"
                                    : fmt::format("{} by {} week{}", d >= 0 ? "late" : "early",
                                                  weeks, weeks == 1 ? "" : "s");
      out += fmt::format(
          "{}: P50 finish {}, {}, {:.0f} % chance of target {}; P10-P90 {:.1f} "
          "weeks (supply {:.1f}, model {:.1f})\n",
          r.name, r.finish_p50->ToMonthString(), delay, r.p_meet_target * 100, r.target.ToString(),
          r.spread_weeks.total, r.spread_weeks.supply, r.spread_weeks.model);
    } else {
      out += fmt::format(
          "{}: P50 finish beyond the horizon ({} of samples finish), {:.0f} % chance of target "
          "{}\n",
          r.name, fmt::format("{:.0f} %", r.finished_fraction * 100), r.p_meet_target * 100,
          r.target.ToString());
    }
  }
  for (const auto& s : f.services) {
    double sum = 0, worst = 1;
    for (double v : s.served_fraction) {
      sum += v;
      worst = std::min(worst, v);
    }
    out +=
        fmt::format("{}: {:.0f} % of demand served on average, {:.0f} % in the worst period\n",
                    s.name, sum / std::max<size_t>(1, s.served_fraction.size()) * 100, worst * 100);
  }
  out += fmt::format("({} samples, seed {})\n\n", f.samples, f.seed);

  Table runs({"training run", "target", "P10", "P50", "P90", "P(target)", "delay P50 (weeks)"});
  for (const auto& r : f.runs) {
    runs.AddRow({r.name, r.target.ToString(), DateText(r.finish_p10), DateText(r.finish_p50),
                 DateText(r.finish_p90), fmt::format("{:.0f} %", r.p_meet_target * 100),
                 r.delay_weeks_p50 ? fmt::format("{:.1f}", *r.delay_weeks_p50) : "-"});
  }
  if (!f.runs.empty()) out += runs.Render() + "\n";

  Table rates({"workload", "chip", "tokens/s per chip", "model error", "how"});
  for (const auto& r : f.rates) {
    const bool runs_it = r.tokens_per_s_per_chip > 0;
    rates.AddRow({r.workload, r.chip,
                  runs_it ? fmt::format("{:.0f}", r.tokens_per_s_per_chip) : "-",
                  runs_it ? ModelErrorText(r.model_error) : "-", r.note});
  }
  out +=
      "Throughput per chip (from the performance models; model error: measured / predicted on "
      "held-out runs of that chip family and model kind, its median and P10-P90 factor):\n" +
      rates.Render() + "\n";
  if (!f.runs.empty()) out += "Training across chip types: " + f.training_across_types + "\n\n";

  // Fleet and allocation, every few periods.
  std::vector<std::string> head = {"period"};
  for (const auto& c : f.chips) head.push_back(c);
  for (const auto& w : f.workloads) head.push_back("-> " + w);
  Table fleet(head);
  const size_t step = std::max<size_t>(1, f.periods.size() / 8);
  for (size_t t = 0; t < f.periods.size(); t += step) {
    std::vector<std::string> row = {f.periods[t].ToMonthString()};
    for (double v : f.fleet_mean[t]) row.push_back(fmt::format("{:.0f}", v));
    for (double v : f.allocation_mean[t]) row.push_back(fmt::format("{:.0f}", v));
    fleet.AddRow(row);
  }
  out +=
      "Mean fleet (chips on hand) and allocation (chips per workload):\n" + fleet.Render() + "\n";

  if (!f.sensitivity.empty()) {
    Table sens({"uncertain input", "run", "P50 if low", "P50 if high", "mean swing (weeks)",
                "P(target) low/high", "why no effect"});
    for (const auto& s : f.sensitivity) {
      sens.AddRow({s.factor, s.run, DateText(s.p50_low), DateText(s.p50_high),
                   fmt::format("{:.1f}", s.swing_weeks),
                   fmt::format("{:.0f}/{:.0f} %", s.p_target_low * 100, s.p_target_high * 100),
                   s.reason});
    }
    out += "What moves the P50 finish most (low: P10 or event off; high: P90 or event on):\n" +
           sens.Render() + "\n";
  }
  if (!f.purchase_advice.empty()) {
    Table buy({"buy", "run", "weeks saved (P50)", "cost", "$ per week saved"});
    for (const auto& a : f.purchase_advice) {
      buy.AddRow(
          {fmt::format("{:.0f} x {}", a.chips, a.chip), a.run,
           fmt::format("{:.1f}", a.weeks_saved_p50),
           a.cost_usd ? fmt::format("${:.0f} M", *a.cost_usd / 1e6) : "no price",
           a.usd_per_week_saved ? fmt::format("${:.1f} M", *a.usd_per_week_saved / 1e6) : "-"});
    }
    out += "Purchase advice:\n" + buy.Render();
    if (!f.value_of_information.empty()) {
      Table voi({"resolve first", "run", "buy if low", "buy if high", "weeks gained"});
      for (const auto& v : f.value_of_information) {
        voi.AddRow(
            {v.factor, v.run, v.buy_if_low, v.buy_if_high, fmt::format("{:.1f}", v.weeks_gained)});
      }
      out += "\nWhich uncertainty, resolved before buying, changes what to buy:\n" + voi.Render();
    } else if (!f.sensitivity.empty()) {
      out += "\nNo single uncertainty, resolved at its low or high end, changes what to buy.\n";
    }
  }
  return out;
}

namespace {

// Runs and services the two forecasts share, by name, with their numbers side by side.
struct RunDifference {
  std::string name;
  std::optional<Date> base_p50, alt_p50;
  double base_p_target = 0, alt_p_target = 0;
  std::optional<double> delta_weeks;  // alt - base P50; nullopt when either is beyond the horizon
};
struct ServiceDifference {
  std::string name;
  double base_served = 0, alt_served = 0;  // mean over periods of the mean served fraction
};

double MeanServed(const plan::ServiceForecast& s) {
  double sum = 0;
  for (double v : s.served_fraction) sum += v;
  return s.served_fraction.empty() ? 0 : sum / s.served_fraction.size();
}

std::vector<RunDifference> RunDifferences(const plan::Forecast& a, const plan::Forecast& b) {
  std::vector<RunDifference> out;
  for (const auto& x : a.runs) {
    for (const auto& y : b.runs) {
      if (x.name != y.name) continue;
      RunDifference d{x.name, x.finish_p50, y.finish_p50, x.p_meet_target, y.p_meet_target, {}};
      if (x.finish_p50 && y.finish_p50)
        d.delta_weeks = (y.finish_p50->days - x.finish_p50->days) / 7.0;
      out.push_back(d);
    }
  }
  return out;
}

std::vector<ServiceDifference> ServiceDifferences(const plan::Forecast& a,
                                                  const plan::Forecast& b) {
  std::vector<ServiceDifference> out;
  for (const auto& x : a.services) {
    for (const auto& y : b.services) {
      if (x.name == y.name) out.push_back({x.name, MeanServed(x), MeanServed(y)});
    }
  }
  return out;
}

// RFC 4180 field: quoted when it holds a comma, quote or newline.
std::string Field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string Row(const std::vector<std::string>& cells) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out += ',';
    out += Field(cells[i]);
  }
  return out + "\n";
}

std::string Num(double v) { return fmt::format("{:.6g}", v); }
std::string OptDate(const std::optional<Date>& d) { return d ? d->ToString() : ""; }

}  // namespace

std::vector<std::pair<std::string, std::string>> ForecastCsv(const plan::Forecast& f) {
  std::vector<std::pair<std::string, std::string>> files;
  std::string runs = Row({"name", "target", "finish_p10", "finish_p50", "finish_p90",
                          "p_meet_target", "finished_within_horizon", "delay_weeks_p50",
                          "spread_weeks", "spread_weeks_supply", "spread_weeks_model"});
  for (const auto& r : f.runs) {
    runs += Row({r.name, r.target.ToString(), OptDate(r.finish_p10), OptDate(r.finish_p50),
                 OptDate(r.finish_p90), Num(r.p_meet_target), Num(r.finished_fraction),
                 r.delay_weeks_p50 ? Num(*r.delay_weeks_p50) : "", Num(r.spread_weeks.total),
                 Num(r.spread_weeks.supply), Num(r.spread_weeks.model)});
  }
  files.emplace_back("runs.csv", runs);
  std::string services =
      Row({"service", "period", "demand_tokens_per_s", "served_fraction", "served_fraction_p10"});
  for (const auto& s : f.services) {
    for (size_t t = 0; t < f.periods.size(); ++t) {
      services += Row({s.name, f.periods[t].ToString(), Num(s.demand_tokens_per_s[t]),
                       Num(s.served_fraction[t]), Num(s.served_fraction_p10[t])});
    }
  }
  files.emplace_back("services.csv", services);
  std::vector<std::string> head = {"period"};
  head.insert(head.end(), f.chips.begin(), f.chips.end());
  std::string fleet = Row(head);
  for (size_t t = 0; t < f.periods.size(); ++t) {
    std::vector<std::string> row = {f.periods[t].ToString()};
    for (double v : f.fleet_mean[t]) row.push_back(Num(v));
    fleet += Row(row);
  }
  files.emplace_back("fleet.csv", fleet);
  head = {"period"};
  head.insert(head.end(), f.workloads.begin(), f.workloads.end());
  std::string alloc = Row(head);
  for (size_t t = 0; t < f.periods.size(); ++t) {
    std::vector<std::string> row = {f.periods[t].ToString()};
    for (double v : f.allocation_mean[t]) row.push_back(Num(v));
    alloc += Row(row);
  }
  files.emplace_back("allocation.csv", alloc);
  std::string sens = Row({"factor", "run", "finish_p50_low", "finish_p50_high", "swing_weeks",
                          "p_target_low", "p_target_high", "reason"});
  for (const auto& s : f.sensitivity) {
    sens += Row({s.factor, s.run, OptDate(s.p50_low), OptDate(s.p50_high), Num(s.swing_weeks),
                 Num(s.p_target_low), Num(s.p_target_high), s.reason});
  }
  files.emplace_back("sensitivity.csv", sens);
  std::string buy =
      Row({"chip", "run", "chips", "weeks_saved_p50", "cost_usd", "usd_per_week_saved"});
  for (const auto& a : f.purchase_advice) {
    buy += Row({a.chip, a.run, Num(a.chips), Num(a.weeks_saved_p50),
                a.cost_usd ? Num(*a.cost_usd) : "",
                a.usd_per_week_saved ? Num(*a.usd_per_week_saved) : ""});
  }
  files.emplace_back("purchase_advice.csv", buy);
  std::string rates = Row({"workload", "chip", "tokens_per_s_per_chip", "dtype",
                           "model_error_median", "model_error_sigma", "note"});
  for (const auto& r : f.rates) {
    rates += Row({r.workload, r.chip, Num(r.tokens_per_s_per_chip), r.dtype,
                  Num(std::exp(r.model_error.bias)), Num(r.model_error.sigma), r.note});
  }
  files.emplace_back("rates.csv", rates);
  return files;
}

std::string ForecastCompareText(const plan::Forecast& base, const plan::Forecast& alt,
                                const std::vector<std::string>& settings) {
  const std::string alt_name =
      settings.empty() ? alt.scenario
                       : alt.scenario + " with " + fmt::format("{}", fmt::join(settings, ", "));
  std::string out = "== " + base.scenario + "\n" + ForecastText(base) + "\n== " + alt_name + "\n" +
                    ForecastText(alt) + "\n";
  out += "== Difference (" + alt_name + " minus " + base.scenario + ")\n";
  Table runs({"training run", "P50 " + base.scenario, "P50 what-if", "change (weeks)", "P(target)",
              "P(target) what-if"});
  const auto run_differences = RunDifferences(base, alt);
  for (const auto& d : run_differences) {
    runs.AddRow({d.name, DateText(d.base_p50), DateText(d.alt_p50),
                 d.delta_weeks ? fmt::format("{:+.1f}", *d.delta_weeks) : "-",
                 fmt::format("{:.0f} %", d.base_p_target * 100),
                 fmt::format("{:.0f} %", d.alt_p_target * 100)});
  }
  if (!run_differences.empty()) out += runs.Render();
  Table services({"service", "served " + base.scenario, "served what-if", "change (points)"});
  for (const auto& d : ServiceDifferences(base, alt)) {
    services.AddRow({d.name, fmt::format("{:.1f} %", d.base_served * 100),
                     fmt::format("{:.1f} %", d.alt_served * 100),
                     fmt::format("{:+.1f}", (d.alt_served - d.base_served) * 100)});
  }
  if (!ServiceDifferences(base, alt).empty())
    out += (run_differences.empty() ? "" : "\n") + services.Render();
  if (run_differences.empty() && ServiceDifferences(base, alt).empty())
    out += "(no training run or service in both)\n";
  return out;
}

std::string ForecastCompareJson(const plan::Forecast& base, const plan::Forecast& alt,
                                const std::vector<std::string>& settings) {
  nlohmann::json j;
  j["base"] = nlohmann::json::parse(ForecastJson(base));
  j["alternative"] = nlohmann::json::parse(ForecastJson(alt));
  j["settings"] = settings;
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& d : RunDifferences(base, alt)) {
    runs.push_back({{"name", d.name},
                    {"finish_p50_base", DateJson(d.base_p50)},
                    {"finish_p50_alternative", DateJson(d.alt_p50)},
                    {"delta_weeks_p50", d.delta_weeks ? nlohmann::json(Round(*d.delta_weeks, 4))
                                                      : nlohmann::json(nullptr)},
                    {"p_meet_target_base", Round(d.base_p_target, 4)},
                    {"p_meet_target_alternative", Round(d.alt_p_target, 4)}});
  }
  nlohmann::json services = nlohmann::json::array();
  for (const auto& d : ServiceDifferences(base, alt)) {
    services.push_back({{"name", d.name},
                        {"served_fraction_mean_base", Round(d.base_served, 4)},
                        {"served_fraction_mean_alternative", Round(d.alt_served, 4)}});
  }
  j["difference"] = {{"runs", runs}, {"services", services}};
  return Dump(j);
}

std::string ScenarioListJson(const std::vector<std::pair<std::string, std::string>>& scenarios) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [name, description] : scenarios) {
    list.push_back({{"name", name}, {"description", description}});
  }
  return Dump(nlohmann::json{{"scenarios", list}});
}

std::string ScenarioYamlJson(const std::string& name, const std::string& yaml) {
  return Dump(nlohmann::json{{"name", name}, {"yaml", yaml}});
}

std::string ScenarioListText(const std::vector<std::pair<std::string, std::string>>& scenarios) {
  std::string out;
  for (const auto& [name, description] : scenarios) {
    out += name + (description.empty() ? "" : "  " + description) + "\n";
  }
  return out;
}

}  // namespace suanli::report
