#include "report/simulate_report.h"

#include <fmt/format.h>

#include "report/json_out.h"
#include "report/table.h"

namespace suanli::report {

std::string SimulateJson(const SimulateResult& r) {
  nlohmann::json options = nlohmann::json::array();
  for (const auto& o : r.options) {
    options.push_back(
        {{"type", o.type},
         {"catalog_chip", o.chip.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.chip)},
         {"can_run", o.can_run},
         {"reason", o.reason},
         {"gpus_in_cluster", o.gpus_total},
         {"duration_h", o.can_run ? nlohmann::json(o.duration_h) : nlohmann::json(nullptr)},
         {"tokens_per_s_per_chip", o.tokens_per_s_per_chip > 0
                                       ? nlohmann::json(o.tokens_per_s_per_chip)
                                       : nlohmann::json(nullptr)},
         {"cost_usd", Optional(o.cost_usd)}});
  }
  nlohmann::json placement = nullptr;
  if (r.placement) {
    placement = {{"type", r.placement->type},
                 {"catalog_chip", r.placement->chip.empty() ? nlohmann::json(nullptr)
                                                            : nlohmann::json(r.placement->chip)},
                 {"start_h", r.placement->start_h},
                 {"finish_h", r.placement->finish_h},
                 {"wait_h", r.placement->start_h},
                 {"preemptions", r.placement->preemptions}};
  }
  return Dump({{"policy", r.policy},
               {"model", r.model.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.model)},
               {"tokens", r.tokens > 0 ? nlohmann::json(r.tokens) : nlohmann::json(nullptr)},
               {"gpus", r.gpus},
               {"running_jobs", r.running_jobs},
               {"options", options},
               {"placement", placement},
               {"deadline_h", Optional(r.deadline_h)},
               {"p_meet_deadline", Optional(r.p_meet_deadline)},
               {"assumptions", r.assumptions}});
}

std::string SimulateText(const SimulateResult& r) {
  std::string out;
  if (r.placement) {
    out += fmt::format("under {}: runs on {} ({} GPUs), starts in {:.1f} h, finishes in {:.1f} h",
                       r.policy, r.placement->type, r.gpus, r.placement->start_h,
                       r.placement->finish_h);
  } else {
    out += fmt::format("under {}: does not start within a year on this cluster", r.policy);
  }
  if (r.deadline_h && r.p_meet_deadline) {
    out += fmt::format("; P(done by {:g} h) = {:.0f} %", *r.deadline_h, 100 * *r.p_meet_deadline);
  }
  out += "\n";
  Table t({"type", "catalog chip", "GPUs", "alone h", "tok/s/chip", "cost", "note"});
  for (const auto& o : r.options) {
    t.AddRow({o.type, o.chip.empty() ? "-" : o.chip, std::to_string(o.gpus_total),
              o.can_run ? fmt::format("{:.1f}", o.duration_h) : "-",
              o.tokens_per_s_per_chip > 0 ? fmt::format("{:.0f}", o.tokens_per_s_per_chip) : "-",
              o.cost_usd ? fmt::format("${:.0f}", *o.cost_usd) : "-", o.can_run ? "" : o.reason});
  }
  out += t.Render();
  for (const auto& a : r.assumptions) out += "assumed: " + a + "\n";
  return out;
}

}  // namespace suanli::report
