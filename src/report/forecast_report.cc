#include "report/forecast_report.h"

#include <fmt/format.h>

#include "report/json_out.h"
#include "report/table.h"

namespace suanli::report {
namespace {

nlohmann::json DateJson(const std::optional<Date>& d) {
  return d ? nlohmann::json(d->ToString()) : nlohmann::json(nullptr);
}

std::string DateText(const std::optional<Date>& d) { return d ? d->ToString() : "beyond horizon"; }

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
         {"progress_p90", Rounded(r.progress_p90)}});
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
    sens.push_back({{"factor", s.factor},
                    {"run", s.run},
                    {"finish_p50_low", DateJson(s.p50_low)},
                    {"finish_p50_high", DateJson(s.p50_high)},
                    {"swing_weeks", Round(s.swing_weeks, 4)}});
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
  return Dump(j);
}

std::string ForecastText(const plan::Forecast& f) {
  std::string out;
  // The verdict first.
  for (const auto& r : f.runs) {
    if (r.finish_p50) {
      const double d = r.delay_weeks_p50.value_or(0);
      out += fmt::format("{}: P50 finish {}, {} {:.0f} weeks, {:.0f} % chance of target {}\n",
                         r.name, r.finish_p50->ToMonthString(), d >= 0 ? "late by" : "early by",
                         std::fabs(d), r.p_meet_target * 100, r.target.ToString());
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

  Table rates({"workload", "chip", "tokens/s per chip", "how"});
  for (const auto& r : f.rates) {
    rates.AddRow(
        {r.workload, r.chip,
         r.tokens_per_s_per_chip > 0 ? fmt::format("{:.0f}", r.tokens_per_s_per_chip) : "-",
         r.note});
  }
  out += "Throughput per chip (from the performance models):\n" + rates.Render() + "\n";

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
    Table sens({"uncertain input", "run", "P50 if low", "P50 if high", "mean swing (weeks)"});
    for (const auto& s : f.sensitivity) {
      sens.AddRow({s.factor, s.run, DateText(s.p50_low), DateText(s.p50_high),
                   fmt::format("{:.1f}", s.swing_weeks)});
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
  }
  return out;
}

namespace {

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
                          "p_meet_target", "finished_within_horizon", "delay_weeks_p50"});
  for (const auto& r : f.runs) {
    runs += Row({r.name, r.target.ToString(), OptDate(r.finish_p10), OptDate(r.finish_p50),
                 OptDate(r.finish_p90), Num(r.p_meet_target), Num(r.finished_fraction),
                 r.delay_weeks_p50 ? Num(*r.delay_weeks_p50) : ""});
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
  std::string sens = Row({"factor", "run", "finish_p50_low", "finish_p50_high", "swing_weeks"});
  for (const auto& s : f.sensitivity) {
    sens += Row({s.factor, s.run, OptDate(s.p50_low), OptDate(s.p50_high), Num(s.swing_weeks)});
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
  std::string rates = Row({"workload", "chip", "tokens_per_s_per_chip", "note"});
  for (const auto& r : f.rates)
    rates += Row({r.workload, r.chip, Num(r.tokens_per_s_per_chip), r.note});
  files.emplace_back("rates.csv", rates);
  return files;
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
