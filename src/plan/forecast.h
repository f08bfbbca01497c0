// The forecast: Monte Carlo over supply, a linear program per period that
// allocates chips to training runs and inference services, and what the
// results are sensitive to and what buying more would change.
#ifndef SUANLI_PLAN_FORECAST_H_
#define SUANLI_PLAN_FORECAST_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/calendar.h"
#include "core/error.h"
#include "supply/scenario.h"

namespace suanli::plan {

struct ForecastOptions {
  int samples = 1000;
  uint64_t seed = 1;
  bool sensitivity = true;
  bool purchase_advice = true;
  double purchase_block = 1000;  // chips added per purchase option
  // Samples for each sensitivity and purchase re-run (0: samples / 5, at least 50 and at most
  // 1,000: the re-runs pin one factor on the same samples, so their differences settle early).
  int side_samples = 0;
  // Sample the performance model's own error on every rate (ModelError). Off: supply only.
  bool model_error = true;
  // Called as (done, total) while sampling; no output from the library itself.
  std::function<void(long, long)> progress;
};

// The performance model's own error on a rate (catalog::Catalog::ModelErrorFor: per chip family
// and dense or MoE model, measured on held-out published runs): measured / predicted is lognormal
// with median exp(bias), drawn once per sample for each workload and chip family.
using catalog::ModelError;

// Per-chip throughput of a workload, from the perf models.
struct Rate {
  std::string workload;
  std::string chip;
  double tokens_per_s_per_chip = 0;  // training tokens or output tokens
  std::string note;                  // why a chip cannot serve, or the layout used
  std::string dtype;                 // what the chip runs it in; empty when it cannot
  std::string family;                // the chip's calibration family
  ModelError model_error;
};

// P90 - P10 of a run's finish, weeks (runs beyond the horizon at its end): in all, with supply
// alone (same samples, every rate at the median of its model error), and the model's share
// sqrt(total^2 - supply^2).
struct SpreadWeeks {
  double total = 0;
  double supply = 0;
  double model = 0;
};

struct TrainingForecast {
  std::string name;
  Date target;
  std::optional<Date> finish_p10, finish_p50, finish_p90;  // nullopt: beyond the horizon
  double p_meet_target = 0;
  double finished_fraction = 0;           // samples that finish within the horizon
  std::optional<double> delay_weeks_p50;  // p50 finish - target; nullopt if beyond horizon
  std::vector<double> progress_p10, progress_p50, progress_p90;  // fraction done, per period
  SpreadWeeks spread_weeks;
};

struct ServiceForecast {
  std::string name;
  std::vector<double> demand_tokens_per_s;  // per period
  std::vector<double> served_fraction;      // mean over samples, per period
  std::vector<double> served_fraction_p10;
};

struct SensitivityEntry {
  std::string factor;
  std::string run;
  std::optional<Date> p50_low;   // factor at its low end (P10, or the event not happening)
  std::optional<Date> p50_high;  // at its high end (P90, or the event happening)
  // |mean finish high - mean finish low|, runs beyond the horizon counted at
  // its end. The mean moves even when fewer than half the samples do.
  double swing_weeks = 0;
  double p_target_low = 0, p_target_high = 0;
  std::string reason;  // why it does not move the run, when it does not
};

struct PurchaseAdvice {
  std::string chip;
  std::string run;
  double chips = 0;
  double weeks_saved_p50 = 0;
  std::optional<double> cost_usd;
  std::optional<double> usd_per_week_saved;
};

// An uncertainty worth resolving before buying: with it at its low end one block of chips
// saves the run the most weeks, at its high end another does.
struct ValueOfInformation {
  std::string factor;
  std::string run;
  std::string buy_if_low, buy_if_high;
  // Mean over the two ends of the weeks saved by buying the right block for that end instead of
  // the block the purchase advice picks without knowing.
  double weeks_gained = 0;
};

struct Forecast {
  std::string scenario;
  int samples = 0;
  uint64_t seed = 0;
  std::string training_across_types;  // the scenario's policy, by name
  std::vector<Date> periods;          // start of each period
  std::vector<Rate> rates;
  std::vector<TrainingForecast> runs;
  std::vector<ServiceForecast> services;
  std::vector<std::string> chips;
  std::vector<std::vector<double>> fleet_mean;       // [period][chip]
  std::vector<std::string> workloads;                // runs then services
  std::vector<std::vector<double>> allocation_mean;  // [period][workload] chips
  std::vector<SensitivityEntry> sensitivity;
  std::vector<PurchaseAdvice> purchase_advice;
  // Needs both the sensitivity and the purchase advice; empty when no uncertainty, resolved,
  // would change what to buy.
  std::vector<ValueOfInformation> value_of_information;
};

// Checks the scenario against the catalog (chip and model ids, dtypes).
Result<void> ValidateScenario(const supply::Scenario& s, const catalog::Catalog& c);

Result<Forecast> RunForecast(const supply::Scenario& s, const catalog::Catalog& c,
                             const ForecastOptions& options);

}  // namespace suanli::plan

#endif  // SUANLI_PLAN_FORECAST_H_
