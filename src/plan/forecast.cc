#include "plan/forecast.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "core/stats.h"
#include "core/text.h"
#include "perf/inference.h"
#include "perf/power.h"
#include "perf/training.h"
#include "plan/allocator.h"
#include "supply/sampler.h"

namespace suanli::plan {
namespace {

using supply::Scenario;

constexpr double kNever = std::numeric_limits<double>::infinity();

// Reference cluster for a run's per-chip speed: the largest power of two up
// to its maximum, capped where per-chip throughput no longer changes much.
long ReferenceCount(double max_chips) {
  long n = 1;
  while (n * 2 <= std::min(max_chips, 4096.0)) n *= 2;
  return n;
}

// The scenario's power cap for a chip (ids matched through catalog aliases).
std::optional<double> PowerCapFor(const Scenario& s, const catalog::Catalog& cat,
                                  const catalog::Chip& chip) {
  for (const auto& cap : s.power_caps) {
    if (auto c = cat.FindChip(cap.chip); c && *c == &chip) return cap.watts;
  }
  return std::nullopt;
}

// Gives a perf job its chip's system, with the scenario's power cap for the
// chip; when there is no system, says why in the rate.
template <typename PerfJob>
bool AttachSystem(PerfJob& job, const Scenario& s, const catalog::Catalog& cat, Rate& rate) {
  auto system = cat.SystemFor(*job.chip);
  if (!system) {
    rate.note = system.error().message;
    return false;
  }
  job.system = *system;
  if (auto cap = PowerCapFor(s, cat, *job.chip)) perf::TightenPowerCap(job.system, *cap);
  return true;
}

// ", capped at 350 W" when the job runs under a power cap.
template <typename PerfJob>
std::string CapNote(const PerfJob& job) {
  if (!job.system.power_cap_w) return "";
  return ", capped at " + std::to_string(std::lround(*job.system.power_cap_w)) + " W";
}

Rate TrainingRate(const Scenario& s, const supply::TrainingRun& r, const catalog::Catalog& cat,
                  const std::string& chip_id) {
  Rate rate{r.name, chip_id, 0, ""};
  auto model = cat.FindModel(r.model);
  auto chip = cat.FindChip(chip_id);
  if (!model || !chip) return rate;
  perf::TrainingJob job = perf::TrainingJobFor(cat, **model, **chip);
  job.chips = ReferenceCount(r.max_chips);
  job.tokens = r.tokens;
  job.dtype = *catalog::ParseDType(r.dtype);
  if (auto ok = perf::ValidateJob(job); !ok) {
    rate.note = ok.error().message;
    return rate;
  }
  if (!AttachSystem(job, s, cat, rate)) return rate;
  auto best = perf::SearchLayout(job, {});
  if (!best) {
    rate.note = best.error().message;
    return rate;
  }
  // Goodput folded in: the planner's clock is wall time.
  rate.tokens_per_s_per_chip = best->best.tokens_per_s * best->best.goodput / job.chips;
  const auto& l = best->best.layout;
  rate.note = "at " + std::to_string(job.chips) + " chips: tp " + std::to_string(l.tp) + " pp " +
              std::to_string(l.pp) + " ep " + std::to_string(l.ep) + ", MFU " +
              std::to_string(static_cast<int>(best->best.mfu * 100 + 0.5)) + " %" + CapNote(job);
  return rate;
}

Rate ServiceRate(const Scenario& s, const supply::InferenceService& v, const catalog::Catalog& cat,
                 const std::string& chip_id) {
  Rate rate{v.name, chip_id, 0, ""};
  auto model = cat.FindModel(v.model);
  auto chip = cat.FindChip(chip_id);
  if (!model || !chip) return rate;
  perf::InferenceJob job = perf::InferenceJobFor(cat, **model, **chip);
  job.input_tokens = v.input_tokens;
  job.output_tokens = v.output_tokens;
  job.dtype = *perf::ParseServingDType(v.dtype);
  job.tpot_ms = v.tpot_ms;
  job.mode = perf::ServingMode::kServer;
  if (auto ok = perf::ValidateInferenceJob(job); !ok) {
    rate.note = ok.error().message;
    return rate;
  }
  if (!AttachSystem(job, s, cat, rate)) return rate;
  auto e = perf::EstimateInference(job, {});
  if (!e) {
    rate.note = e.error().message;
    return rate;
  }
  rate.tokens_per_s_per_chip = e->output_tokens_per_s_per_chip;
  rate.note = "tp " + std::to_string(e->layout.tp) + " ep " + std::to_string(e->layout.ep) +
              ", TPOT " + std::to_string(static_cast<int>(e->tpot_ms + 0.5)) + " ms" + CapNote(job);
  return rate;
}

// Everything that stays fixed across samples.
struct Model {
  const Scenario& s;
  std::vector<std::string> chips;
  AllocationShape shape;
  std::vector<std::vector<double>> demand;  // [period][workload]
  std::vector<double> period_seconds;
};

// The outcome of one sample: finish time per run (days since epoch, may be
// infinite), progress per period, served fraction and allocation.
struct SampleResult {
  std::vector<double> finish_day;
  std::vector<std::vector<double>> progress;    // [run][period]
  std::vector<std::vector<double>> served;      // [service][period]
  std::vector<std::vector<double>> allocation;  // [period][workload]
  std::vector<std::vector<double>> fleet;       // [period][chip]
};

Result<SampleResult> Simulate(const Model& m, Allocator& alloc, uint64_t seed, uint64_t index,
                              const supply::Overrides& o) {
  const Scenario& s = m.s;
  const supply::FleetSample fleet = supply::SampleFleet(s, seed, index, o);
  const size_t runs = s.training.size();
  const size_t workloads = m.shape.rate.size();
  SampleResult r;
  r.finish_day.assign(runs, kNever);
  r.progress.assign(runs, std::vector<double>(s.horizon, 0));
  r.served.assign(s.services.size(), std::vector<double>(s.horizon, 0));
  r.allocation.assign(s.horizon, std::vector<double>(workloads, 0));
  r.fleet = fleet.available;
  std::vector<double> done(runs, 0);
  PeriodInput in;
  in.demand.assign(workloads, 0);
  in.active.assign(workloads, true);
  for (int t = 0; t < s.horizon; ++t) {
    in.capacity = fleet.available[t];
    const Date start = s.PeriodStart(t);
    for (size_t w = 0; w < runs; ++w) {
      const auto& run = s.training[w];
      in.active[w] = done[w] < run.tokens && run.earliest_start <= start;
    }
    for (size_t k = 0; k < s.services.size(); ++k) in.demand[runs + k] = m.demand[t][runs + k];
    auto solved = alloc.Solve(in);
    if (!solved) {
      return MakeError("scenario '" + s.name + "': period " + std::to_string(t + 1) + " (" +
                       start.ToString() + "), sample " + std::to_string(index + 1) + ": " +
                       solved.error().message);
    }
    const Allocation& a = *solved;
    for (size_t w = 0; w < workloads; ++w) {
      for (double chips : a.chips[w]) r.allocation[t][w] += chips;
    }
    for (size_t w = 0; w < runs; ++w) {
      if (!in.active[w]) {
        r.progress[w][t] = std::min(1.0, done[w] / s.training[w].tokens);
        continue;
      }
      const double gained = a.work[w] * m.period_seconds[t];
      const double need = s.training[w].tokens - done[w];
      if (gained >= need && gained > 0) {
        r.finish_day[w] = start.days + need / a.work[w] / 86400.0;
      }
      done[w] += gained;
      r.progress[w][t] = std::min(1.0, done[w] / s.training[w].tokens);
    }
    for (size_t k = 0; k < s.services.size(); ++k) {
      const double d = m.demand[t][runs + k];
      // A service whose demand is (next to) nothing needs nothing: fully served.
      r.served[k][t] = alloc.NegligibleDemand(static_cast<int>(runs + k), d)
                           ? 1.0
                           : std::min(1.0, a.work[runs + k] / d);
    }
  }
  return r;
}

std::optional<Date> DayToDate(double day) {
  if (!std::isfinite(day)) return std::nullopt;
  return Date{static_cast<int>(std::floor(day))};
}

// P50 and mean finish day of each run over `samples` samples with overrides;
// runs beyond the horizon count at `horizon_end` in the mean.
struct FinishSummary {
  std::vector<double> p50;
  std::vector<double> mean;
};

Result<FinishSummary> SummarizeFinish(const Model& m, Allocator& alloc, uint64_t seed, int samples,
                                      const supply::Overrides& o, double horizon_end) {
  std::vector<std::vector<double>> finish(m.s.training.size());
  for (int i = 0; i < samples; ++i) {
    auto sample = Simulate(m, alloc, seed, static_cast<uint64_t>(i), o);
    if (!sample) return tl::unexpected(sample.error());
    const SampleResult& r = *sample;
    for (size_t w = 0; w < finish.size(); ++w) finish[w].push_back(r.finish_day[w]);
  }
  FinishSummary out;
  for (auto& f : finish) {
    out.p50.push_back(Quantile(f, 0.5));
    double sum = 0;
    for (double d : f) sum += std::isfinite(d) ? d : horizon_end;
    out.mean.push_back(sum / std::max<size_t>(1, f.size()));
  }
  return out;
}

}  // namespace

Result<void> ValidateScenario(const Scenario& s, const catalog::Catalog& c) {
  // Errors carry the file:line and field the loader kept (Scenario::ErrorAt).
  auto fail = [&](const std::string& field, std::string message) {
    return tl::unexpected(s.ErrorAt(field, std::move(message)));
  };
  auto at = [](const std::string& list, size_t i, const std::string& key) {
    return list + "[" + std::to_string(i) + "]" + (key.empty() ? "" : "." + key);
  };
  for (size_t i = 0; i < s.fleet.size(); ++i) {
    if (auto chip = c.FindChip(s.fleet[i].chip); !chip)
      return fail(at("fleet", i, "chip"), chip.error().message);
  }
  for (size_t i = 0; i < s.deliveries.size(); ++i) {
    if (auto chip = c.FindChip(s.deliveries[i].chip); !chip)
      return fail(at("deliveries", i, "chip"), chip.error().message);
  }
  for (size_t i = 0; i < s.events.size(); ++i) {
    if (auto chip = c.FindChip(s.events[i].chip); !chip)
      return fail(at("events", i, "chip"), chip.error().message);
  }
  std::map<const catalog::Chip*, std::string> capped;  // aliases name one chip
  for (size_t i = 0; i < s.power_caps.size(); ++i) {
    const auto& cap = s.power_caps[i];
    auto chip = c.FindChip(cap.chip);
    if (!chip) return fail(at("power_caps", i, "chip"), chip.error().message);
    if (auto [it, fresh] = capped.emplace(*chip, cap.chip); !fresh) {
      return fail(at("power_caps", i, "chip"), "power caps '" + it->second + "' and '" + cap.chip +
                                                   "' name the same chip '" + (*chip)->id + "'");
    }
    auto clock = perf::PowerCapClockFraction(**chip, c.CalibrationFor((*chip)->family), cap.watts);
    if (!clock) return fail(at("power_caps", i, "watts"), clock.error().message);
  }
  for (size_t i = 0; i < s.training.size(); ++i) {
    const auto& r = s.training[i];
    const std::string item = at("workloads.training", i, "");
    if (auto m = c.FindModel(r.model); !m)
      return fail(item + ".model", "run '" + r.name + "': " + m.error().message);
    auto d = catalog::ParseDType(r.dtype);
    if (!d || (*d != catalog::DType::kBf16 && *d != catalog::DType::kFp16 &&
               *d != catalog::DType::kFp8)) {
      return fail(item + ".dtype",
                  "run '" + r.name + "': dtype '" + r.dtype + "' is not bf16, fp16 or fp8");
    }
    for (size_t k = 0; k < r.chips.size(); ++k) {
      if (auto x = c.FindChip(r.chips[k]); !x)
        return fail(at(item + ".chips", k, ""), "run '" + r.name + "': " + x.error().message);
    }
  }
  for (size_t i = 0; i < s.services.size(); ++i) {
    const auto& v = s.services[i];
    const std::string item = at("workloads.inference", i, "");
    if (auto m = c.FindModel(v.model); !m)
      return fail(item + ".model", "service '" + v.name + "': " + m.error().message);
    if (!perf::ParseServingDType(v.dtype)) {
      return fail(item + ".dtype", "service '" + v.name + "': dtype '" + v.dtype +
                                       "' is not bf16, fp16, fp8, int8, fp4 or int4");
    }
    for (size_t k = 0; k < v.chips.size(); ++k) {
      if (auto x = c.FindChip(v.chips[k]); !x)
        return fail(at(item + ".chips", k, ""), "service '" + v.name + "': " + x.error().message);
    }
  }
  return {};
}

Result<Forecast> RunForecast(const Scenario& s, const catalog::Catalog& cat,
                             const ForecastOptions& opt) {
  if (auto ok = ValidateScenario(s, cat); !ok) return tl::unexpected(ok.error());
  if (opt.samples < 1 || opt.samples > 1'000'000)
    return MakeError("--samples must be between 1 and 1,000,000");

  Model m{s, s.ChipIds(), {}, {}, {}};
  // Workload chip ids are looked up through aliases: map them to columns.
  auto column = [&](const std::string& id) -> int {
    auto chip = cat.FindChip(id);
    const std::string canonical = chip ? (*chip)->id : id;
    for (size_t c = 0; c < m.chips.size(); ++c) {
      auto other = cat.FindChip(m.chips[c]);
      if ((other ? (*other)->id : m.chips[c]) == canonical) return static_cast<int>(c);
    }
    return -1;
  };
  Forecast f;
  f.scenario = s.name;
  f.samples = opt.samples;
  f.seed = opt.seed;
  f.chips = m.chips;
  const size_t nc = m.chips.size();
  const double service_boost = s.policy.inference_first ? 100 : 1;
  for (const auto& r : s.training) {
    std::vector<double> row(nc, 0);
    for (const auto& chip : r.chips) {
      const int col = column(chip);
      if (col < 0) continue;  // allowed but never supplied
      Rate rate = TrainingRate(s, r, cat, m.chips[col]);
      row[col] = rate.tokens_per_s_per_chip;
      f.rates.push_back(std::move(rate));
    }
    m.shape.rate.push_back(row);
    m.shape.is_service.push_back(false);
    m.shape.weight.push_back(r.priority);
    m.shape.max_chips.push_back(r.max_chips);
    m.shape.min_chips.push_back(r.min_chips);
    m.shape.names.push_back(r.name);
    f.workloads.push_back(r.name);
  }
  for (const auto& v : s.services) {
    std::vector<double> row(nc, 0);
    for (const auto& chip : v.chips) {
      const int col = column(chip);
      if (col < 0) continue;
      Rate rate = ServiceRate(s, v, cat, m.chips[col]);
      row[col] = rate.tokens_per_s_per_chip;
      f.rates.push_back(std::move(rate));
    }
    m.shape.rate.push_back(row);
    m.shape.is_service.push_back(true);
    m.shape.weight.push_back(v.priority * service_boost);
    m.shape.max_chips.push_back(0);
    m.shape.min_chips.push_back(0);
    m.shape.names.push_back(v.name);
    f.workloads.push_back(v.name);
  }
  m.shape.single_chip_type_training = !s.policy.training_spans_chip_types;
  const size_t workloads = m.shape.rate.size();
  const size_t runs = s.training.size();
  for (int t = 0; t < s.horizon; ++t) {
    f.periods.push_back(s.PeriodStart(t));
    m.period_seconds.push_back(s.PeriodSeconds(t));
    std::vector<double> d(workloads, 0);
    for (size_t k = 0; k < s.services.size(); ++k) {
      const auto& v = s.services[k];
      d[runs + k] = v.demand_tokens_per_s * std::pow(1 + v.growth_per_period, t);
      if (!std::isfinite(d[runs + k])) {
        return MakeError(fmt::format(
            "service '{}': demand {:g} tokens/s growing by {:g} per period overflows by period {} "
            "({})",
            v.name, v.demand_tokens_per_s, v.growth_per_period, t + 1,
            s.PeriodStart(t).ToString()));
      }
    }
    m.demand.push_back(d);
  }

  Allocator alloc(m.shape);
  const int side = opt.side_samples > 0 ? opt.side_samples : std::max(50, opt.samples / 5);
  const std::vector<supply::Factor> factors =
      opt.sensitivity ? supply::ListFactors(s) : std::vector<supply::Factor>{};
  std::vector<std::string> purchasable;
  if (opt.purchase_advice) {
    for (const auto& r : s.training) {
      for (const auto& chip : r.chips) {
        // Only chips some run can use are worth offering.
        const int col = column(chip);
        bool useful = false;
        for (size_t w = 0; w < s.training.size() && col >= 0; ++w)
          useful |= m.shape.rate[w][col] > 0;
        if (useful &&
            std::find(purchasable.begin(), purchasable.end(), m.chips[col]) == purchasable.end()) {
          purchasable.push_back(m.chips[col]);
        }
      }
    }
  }
  const long total =
      opt.samples + static_cast<long>(side) * (2 * factors.size() + purchasable.size());
  long done = 0;
  auto tick = [&](long n) {
    done += n;
    if (opt.progress) opt.progress(done, total);
  };

  // The main Monte Carlo.
  std::vector<std::vector<double>> finish(runs);
  std::vector<std::vector<std::vector<double>>> progress(
      runs, std::vector<std::vector<double>>(s.horizon));
  std::vector<std::vector<std::vector<double>>> served(s.services.size(),
                                                       std::vector<std::vector<double>>(s.horizon));
  f.fleet_mean.assign(s.horizon, std::vector<double>(nc, 0));
  f.allocation_mean.assign(s.horizon, std::vector<double>(workloads, 0));
  for (int i = 0; i < opt.samples; ++i) {
    auto sample = Simulate(m, alloc, opt.seed, static_cast<uint64_t>(i), {});
    if (!sample) return tl::unexpected(sample.error());
    const SampleResult& r = *sample;
    for (size_t w = 0; w < runs; ++w) {
      finish[w].push_back(r.finish_day[w]);
      for (int t = 0; t < s.horizon; ++t) progress[w][t].push_back(r.progress[w][t]);
    }
    for (size_t k = 0; k < s.services.size(); ++k) {
      for (int t = 0; t < s.horizon; ++t) served[k][t].push_back(r.served[k][t]);
    }
    for (int t = 0; t < s.horizon; ++t) {
      for (size_t c = 0; c < nc; ++c) f.fleet_mean[t][c] += r.fleet[t][c] / opt.samples;
      for (size_t w = 0; w < workloads; ++w)
        f.allocation_mean[t][w] += r.allocation[t][w] / opt.samples;
    }
    if (i % 50 == 49 || i + 1 == opt.samples) tick(i % 50 + 1);
  }
  const double horizon_end = s.PeriodStart(s.horizon).days;
  for (size_t w = 0; w < runs; ++w) {
    const auto& run = s.training[w];
    TrainingForecast rf;
    rf.name = run.name;
    rf.target = run.target;
    rf.finish_p10 = DayToDate(Quantile(finish[w], 0.1));
    rf.finish_p50 = DayToDate(Quantile(finish[w], 0.5));
    rf.finish_p90 = DayToDate(Quantile(finish[w], 0.9));
    long meet = 0, finished = 0;
    for (double d : finish[w]) {
      if (std::isfinite(d)) ++finished;
      if (d <= run.target.days + 0.999) ++meet;
    }
    rf.p_meet_target = static_cast<double>(meet) / opt.samples;
    rf.finished_fraction = static_cast<double>(finished) / opt.samples;
    if (rf.finish_p50) rf.delay_weeks_p50 = (rf.finish_p50->days - run.target.days) / 7.0;
    for (int t = 0; t < s.horizon; ++t) {
      rf.progress_p10.push_back(Quantile(progress[w][t], 0.1));
      rf.progress_p50.push_back(Quantile(progress[w][t], 0.5));
      rf.progress_p90.push_back(Quantile(progress[w][t], 0.9));
    }
    f.runs.push_back(std::move(rf));
  }
  for (size_t k = 0; k < s.services.size(); ++k) {
    ServiceForecast sf;
    sf.name = s.services[k].name;
    for (int t = 0; t < s.horizon; ++t) {
      sf.demand_tokens_per_s.push_back(m.demand[t][runs + k]);
      double sum = 0;
      for (double v : served[k][t]) sum += v;
      sf.served_fraction.push_back(sum / opt.samples);
      sf.served_fraction_p10.push_back(Quantile(served[k][t], 0.1));
    }
    f.services.push_back(std::move(sf));
  }

  // Sensitivity: pin each factor at its low and high end, same samples.
  auto capped = [&](double day) { return std::isfinite(day) ? day : horizon_end; };
  for (const auto& factor : factors) {
    supply::Overrides low, high;
    if (factor.kind == supply::Factor::Kind::kEvent) {
      low.happens[factor.key] = false;
      high.happens[factor.key] = true;
    } else {
      low.quantile[factor.key] = 0.1;
      high.quantile[factor.key] = 0.9;
    }
    auto lo = SummarizeFinish(m, alloc, opt.seed, side, low, horizon_end);
    if (!lo) return tl::unexpected(lo.error());
    tick(side);
    auto hi = SummarizeFinish(m, alloc, opt.seed, side, high, horizon_end);
    if (!hi) return tl::unexpected(hi.error());
    tick(side);
    for (size_t w = 0; w < runs; ++w) {
      f.sensitivity.push_back({factor.label, s.training[w].name, DayToDate(lo->p50[w]),
                               DayToDate(hi->p50[w]), std::fabs(hi->mean[w] - lo->mean[w]) / 7.0});
    }
  }
  std::stable_sort(f.sensitivity.begin(), f.sensitivity.end(),
                   [](const SensitivityEntry& a, const SensitivityEntry& b) {
                     return a.swing_weeks > b.swing_weeks;
                   });

  // Purchase advice: the same samples with a block of chips added at the start.
  if (!purchasable.empty()) {
    auto base = SummarizeFinish(m, alloc, opt.seed, side, {}, horizon_end);
    if (!base) return tl::unexpected(base.error());
    for (const auto& chip : purchasable) {
      supply::Overrides more;
      more.extra_chips[chip] = opt.purchase_block;
      auto with = SummarizeFinish(m, alloc, opt.seed, side, more, horizon_end);
      if (!with) return tl::unexpected(with.error());
      tick(side);
      auto found = cat.FindChip(chip);
      for (size_t w = 0; w < runs; ++w) {
        PurchaseAdvice a;
        a.chip = chip;
        a.run = s.training[w].name;
        a.chips = opt.purchase_block;
        a.weeks_saved_p50 = (capped(base->p50[w]) - capped(with->p50[w])) / 7.0;
        if (found && (*found)->price_usd.known()) {
          a.cost_usd = *(*found)->price_usd.value * opt.purchase_block;
          if (a.weeks_saved_p50 > 1e-9) a.usd_per_week_saved = *a.cost_usd / a.weeks_saved_p50;
        }
        f.purchase_advice.push_back(a);
      }
    }
    std::stable_sort(f.purchase_advice.begin(), f.purchase_advice.end(),
                     [](const PurchaseAdvice& a, const PurchaseAdvice& b) {
                       return a.weeks_saved_p50 > b.weeks_saved_p50;
                     });
  }
  return f;
}

}  // namespace suanli::plan
