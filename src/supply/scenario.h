// A supply-and-demand scenario: the starting fleet, uncertain deliveries and
// events, and the workloads that compete for the chips. Documented in
// docs/scenario.md; loaded from YAML with file:line errors.
#ifndef SUANLI_SUPPLY_SCENARIO_H_
#define SUANLI_SUPPLY_SCENARIO_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.h"
#include "core/error.h"
#include "supply/distribution.h"

namespace suanli::supply {

enum class PeriodUnit { kWeek, kMonth };

// A named uncertain input that deliveries can scale with (a yield, an HBM
// allocation).
struct Input {
  std::string name;
  Distribution distribution;
  std::vector<std::string> sources;
  std::string note;
};

struct FleetEntry {
  std::string chip;
  double count = 0;
  std::vector<std::string> sources;
};

// Chips arriving every period between `from` and `to` (inclusive).
struct Delivery {
  std::string chip;
  Date from;
  Date to;
  Distribution per_period;
  bool draw_each_period = false;  // default: one level per sample
  std::string scale_by;           // an Input name, or empty
  std::vector<std::string> sources;
  std::string note;
};

// Something that may happen once, at a date drawn uniformly in a window.
struct Event {
  enum class Effect { kAdd, kRemove, kCap, kScale };
  std::string name;
  double probability = 0;
  Date window_from;
  Date window_to;
  Effect effect = Effect::kAdd;
  std::string chip;
  Distribution amount;  // add: chips per period; cap: max per period; scale: factor
  std::vector<std::string> sources;
  std::string note;
};

struct TrainingRun {
  std::string name;
  std::string model;
  double tokens = 0;
  // The dtypes the run accepts, most preferred first (`dtype: fp8` or `dtypes: [fp8, bf16]`):
  // each chip type runs it in the first one it supports.
  std::vector<std::string> dtypes = {"bf16"};
  std::vector<std::string> chips;  // allowed chip types
  double min_chips = 1;
  double max_chips = 0;
  Date earliest_start;
  Date target;
  double priority = 1;
  std::vector<std::string> sources;
};

struct InferenceService {
  std::string name;
  std::string model;
  double input_tokens = 1024;
  double output_tokens = 256;
  // The serving formats it accepts, most preferred first (`dtype: int8` or `dtypes: [int8,
  // bf16]`): each chip type serves it in the first one the chip has a peak for.
  std::vector<std::string> dtypes = {"fp8"};
  double demand_tokens_per_s = 0;  // output tokens/s in the first period
  double growth_per_period = 0;    // fractional growth per period
  std::optional<double> tpot_ms;
  std::vector<std::string> chips;
  double priority = 1;
  std::vector<std::string> sources;
};

// A per-chip power limit where a chip type runs (a power-short hall): its
// compute-bound work slows by the clock the cap allows (perf/power.h).
struct PowerCap {
  std::string chip;
  double watts = 0;
  std::vector<std::string> sources;
  std::string note;
};

// How a training run may use more than one chip type (docs/scenario.md, "Training across chip
// types", has the sources).
enum class TrainingAcrossTypes {
  kOne,            // stays on the chip type it starts on
  kSwitch,         // one type at a time; moving costs switch_cost_days of progress
  kSplit,          // synchronous data parallel across types: each chip at the slowest type's pace
  kSplitBalanced,  // heterogeneity-aware split: rates add, times cross_type_efficiency
};

struct Policy {
  bool inference_first = false;
  TrainingAcrossTypes training_across_types = TrainingAcrossTypes::kSwitch;
  // Days of a run's progress lost when it moves to another chip type (kSwitch): converting the
  // checkpoint to the new layout and stack and re-validating; an assumption, stated in the docs.
  double switch_cost_days = 14;
  // kSplitBalanced: achieved share of the summed rates (Baidu Baige 4.0's 95 % for one job on
  // mixed chips).
  double cross_type_efficiency = 0.95;
};

std::string_view TrainingAcrossTypesName(TrainingAcrossTypes t);

struct Scenario {
  std::string name;
  std::string description;
  Date start;
  PeriodUnit period = PeriodUnit::kMonth;
  int horizon = 24;  // periods
  std::vector<Input> inputs;
  std::vector<FleetEntry> fleet;
  std::vector<Delivery> deliveries;
  std::vector<Event> events;
  std::vector<TrainingRun> training;
  std::vector<InferenceService> services;
  std::vector<PowerCap> power_caps;  // at most one per chip id
  Policy policy;

  Date PeriodStart(int i) const {
    return period == PeriodUnit::kWeek ? start.AddDays(7 * i) : start.AddMonths(i);
  }
  double PeriodSeconds(int i) const {
    return (PeriodStart(i + 1).days - PeriodStart(i).days) * 86400.0;
  }
  // The period containing `d` (may be < 0 or >= horizon).
  int PeriodOf(Date d) const;
  // All chip ids the scenario mentions (fleet, deliveries, events), sorted.
  std::vector<std::string> ChipIds() const;

  // Where the fields were read, for errors found after loading (ids checked against the
  // catalog, power caps against the chip): the file, and the 1-based line of each dotted field
  // path ("fleet[0].chip", "workloads.training[1].chips[0]") and of each list item.
  std::string file;
  std::map<std::string, int> lines;
  // An error at `field` with file:line (of the field, or else of the item holding it); without
  // a known place, the message names the scenario and the field.
  Error ErrorAt(const std::string& field, std::string message) const;
};

// Parses one scenario document. Chip and model ids are checked later
// against the catalog (the planner's job), everything else here.
Result<Scenario> ParseScenario(std::string_view yaml, const std::string& file_name);

// A what-if: the scenario text with settings "path=value" applied, as YAML text. A path walks
// mappings by key and lists by item name (or chip, or 0-based index):
// "events.b30a-licensed.probability=1", "fleet.h800.count=5000",
// "workloads.training.next-gen-moe.dtypes=[bf16]"; an index may be written as errors name it,
// "fleet[0].count=5000". The value is YAML. Every segment but the last
// must exist; an unknown one is an error naming the setting and what was there instead. The
// result is parsed like any scenario (unknown keys, ranges), so a setting is checked as a file is.
Result<std::string> ApplySettings(std::string_view yaml, const std::vector<std::string>& settings);

// Scenarios compiled into the binary (data/scenarios/*.yaml).
std::vector<std::string> BuiltinScenarioNames();
Result<Scenario> BuiltinScenario(std::string_view name);
// The YAML text of a built-in scenario (for editing a copy).
Result<std::string> BuiltinScenarioText(std::string_view name);

}  // namespace suanli::supply

#endif  // SUANLI_SUPPLY_SCENARIO_H_
