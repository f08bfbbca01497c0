#include "plan/forecast.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

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

// The first of `accepted` the chip does not mark unsupported; nullopt when none.
std::optional<catalog::DType> FirstSupported(const catalog::Chip& chip,
                                             const std::vector<std::string>& accepted) {
  for (const auto& name : accepted) {
    auto d = catalog::ParseDType(name);
    if (d && !chip.peak(*d).unsupported) return d;
  }
  return std::nullopt;
}

// The first of `accepted` (serving formats) the chip has a peak for; nullopt when none.
std::optional<perf::ServingDType> FirstServable(const catalog::Chip& chip,
                                                const std::vector<std::string>& accepted) {
  for (const auto& name : accepted) {
    auto d = perf::ParseServingDType(name);
    if (d && perf::ChipServes(chip, *d)) return d;
  }
  return std::nullopt;
}

// Per-run failure statistics for the per-sample goodput: the share of time interruptions cost
// at their expected rate, and how many are expected over the run.
struct FailureStats {
  double loss = 0;      // rate x (restart + half a checkpoint interval)
  double expected = 0;  // interruptions over the whole run (chip-days x rate)
  bool known = false;   // the chip's estimate has a job MTBF to derive them from
};

// `failures` gets the run's failure statistics on this chip, when its estimate has them.
Rate TrainingRate(const Scenario& s, const supply::TrainingRun& r, const catalog::Catalog& cat,
                  const std::string& chip_id, const std::vector<std::string>& accepted,
                  FailureStats& failures) {
  Rate rate{r.name, chip_id, 0, "", "", "", {}};
  auto model = cat.FindModel(r.model);
  auto chip = cat.FindChip(chip_id);
  if (!model || !chip) return rate;
  rate.family = (*chip)->family;
  rate.model_error = cat.ModelErrorFor((*chip)->family, /*training=*/true, (*model)->is_moe());
  perf::TrainingJob job = perf::TrainingJobFor(cat, **model, **chip);
  job.chips = ReferenceCount(r.max_chips);
  job.tokens = r.tokens;
  auto dtype = FirstSupported(**chip, accepted);
  if (!dtype) {
    // Let the model say which formats the chip has.
    job.dtype = *catalog::ParseDType(accepted.front());
  } else {
    job.dtype = *dtype;
  }
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
  const perf::TrainingEstimate& e = best->best;
  rate.dtype = std::string(catalog::DTypeName(job.dtype));
  // Goodput folded in: the planner's clock is wall time.
  rate.tokens_per_s_per_chip = e.tokens_per_s * e.goodput / job.chips;
  if (e.job_mtbf_hours > 0) {
    failures.loss =
        (job.training.restart_minutes / 60 + e.checkpoint_interval_min / 120) / e.job_mtbf_hours;
    failures.expected = e.train_days * 24 / e.job_mtbf_hours;
    failures.known = true;
  }
  const auto& l = e.layout;
  rate.note = fmt::format("{} at {} chips: tp {} pp {} ep {}, MFU {} %{}", rate.dtype, job.chips,
                          l.tp, l.pp, l.ep, static_cast<int>(e.mfu * 100 + 0.5), CapNote(job));
  return rate;
}

Rate ServiceRate(const Scenario& s, const supply::InferenceService& v, const catalog::Catalog& cat,
                 const std::string& chip_id) {
  Rate rate{v.name, chip_id, 0, "", "", "", {}};
  auto model = cat.FindModel(v.model);
  auto chip = cat.FindChip(chip_id);
  if (!model || !chip) return rate;
  rate.family = (*chip)->family;
  rate.model_error = cat.ModelErrorFor((*chip)->family, /*training=*/false, (*model)->is_moe());
  perf::InferenceJob job = perf::InferenceJobFor(cat, **model, **chip);
  job.input_tokens = v.input_tokens;
  job.output_tokens = v.output_tokens;
  // The first format the chip serves; none: the first at the math the chip has (FP8 on Ampere
  // as w8a16), else as it is, so the model says what the chip lacks.
  const auto servable = FirstServable(**chip, v.dtypes);
  job.dtype = servable
                  ? *servable
                  : perf::NamedFormatOf(**chip, *perf::ParseServingDType(v.dtypes.front())).dtype;
  job.tpot_ms = v.tpot_ms;
  job.mode = perf::ServingMode::kServer;
  if (auto ok = perf::ValidateInferenceJob(job); !ok) {
    rate.note = ok.error().ToString();  // "input_tokens: ...", the scenario's field
    return rate;
  }
  if (!AttachSystem(job, s, cat, rate)) return rate;
  auto e = perf::EstimateInference(job, {});
  if (!e) {
    rate.note = e.error().ToString();
    return rate;
  }
  rate.tokens_per_s_per_chip = e->output_tokens_per_s_per_chip;
  rate.dtype = std::string(perf::ServingDTypeName(job.dtype));
  rate.note = fmt::format("{}: tp {} ep {}, TPOT {} ms{}", rate.dtype, e->layout.tp, e->layout.ep,
                          std::lround(e->tpot_ms), CapNote(job));
  return rate;
}

// Everything that stays fixed across samples.
struct Model {
  const Scenario& s;
  std::vector<std::string> chips;
  AllocationShape shape;
  std::vector<std::vector<double>> demand;  // [period][workload]
  std::vector<double> period_seconds;
  // Model error: one lognormal draw per group (a workload on a chip family); group[w][c] is the
  // group of workload w on chip column c (-1: the workload cannot run there).
  std::vector<std::vector<int>> group;
  std::vector<double> group_sigma;
  std::vector<double> group_bias;
  std::vector<std::string> group_key;  // "model:<workload>:<family>", for overrides
  std::vector<FailureStats> failures;  // per run
};

// What a sample pins instead of drawing: supply factors, model-error quantiles, or the model
// error switched off (`--no-model-error`: the rates as predicted), or only its spread (the
// supply-only spread: the rates at their measured median, interruptions at their expected count).
struct SampleOverrides {
  supply::Overrides supply;
  std::map<std::string, double> error_quantile;  // group key -> p in (0, 1)
  bool model_error = true;
  bool model_spread = true;  // with model_error: draw around the median, not only shift to it
  // Stop once every run has finished: the side runs (sensitivity, purchase advice, the supply
  // spread) read finish days only, and runs end long before the horizon.
  bool finish_only = false;
};

// Model errors come from a stream of their own, so switching them off or pinning one leaves the
// supply draws of every sample as they were (common random numbers).
constexpr uint64_t kModelErrorStream = 0x6d6f64656c657272ULL;  // "modelerr"

// The outcome of one sample: finish time per run (days since epoch, may be
// infinite), progress per period, served fraction and allocation.
struct SampleResult {
  std::vector<double> finish_day;
  std::vector<std::vector<double>> progress;    // [run][period]
  std::vector<std::vector<double>> served;      // [service][period]
  std::vector<std::vector<double>> allocation;  // [period][workload]
  std::vector<std::vector<double>> fleet;       // [period][chip]
};

// The chip column doing most of a run's work this period, or -1.
int MainChip(const Allocation& a, size_t w) {
  int best = -1;
  for (size_t c = 0; c < a.chips[w].size(); ++c) {
    if (a.chips[w][c] > 1e-6 && (best < 0 || a.work_by_chip[w][c] > a.work_by_chip[w][best]))
      best = static_cast<int>(c);
  }
  return best;
}

// A one-type run's plan from period t: the chip type it runs on now, and seconds until it
// would finish (infinite when not within the horizon).
struct TypePlan {
  int now = -1;
  double seconds = std::numeric_limits<double>::infinity();
};

// Run w heading for chip column c from period t with `need` tokens left, alone on the sample's
// chips (less `reserved`, what the services hold now; capped at max_chips; nothing below
// min_chips). While c has too few chips it either waits, or bridges on the type that does the
// most work meanwhile and moves when c arrives; both are planned and the sooner finish kept.
// Every change of type from `current` costs `switch_s`.
TypePlan PlanOnType(const Model& m, const supply::FleetSample& fleet, int t, size_t w, int c,
                    double need, const std::vector<double>& reserved, int current, double switch_s,
                    bool may_bridge, const std::vector<double>& err) {
  const auto& run = m.s.training[w];
  auto work_on = [&](int u, int type) {
    double chips =
        std::min(run.max_chips, std::max(0.0, fleet.available[u][type] - reserved[type]));
    return chips < run.min_chips ? 0.0 : chips * m.shape.rate[w][type] * err[m.group[w][type]];
  };
  TypePlan best;
  for (bool bridge : {false, true}) {
    if (bridge && !may_bridge) break;
    TypePlan plan;
    double left = need, seconds = 0;
    int on = current;
    for (int u = t; u < m.s.horizon && left > 0; ++u) {
      int type = c;
      double work = work_on(u, c);
      if (work <= 0 && bridge) {
        for (size_t b = 0; b < m.chips.size(); ++b) {
          if (m.shape.rate[w][b] <= 0) continue;
          if (const double x = work_on(u, static_cast<int>(b)); x > work) {
            work = x;
            type = static_cast<int>(b);
          }
        }
      }
      if (u == t) plan.now = work > 0 ? type : c;
      double period = m.period_seconds[u];
      if (work > 0 && on >= 0 && type != on) {  // a move: its cost comes out of this period
        seconds += std::min(period, switch_s);
        period -= std::min(period, switch_s);
      }
      if (work > 0) on = type;
      if (work > 0 && work * period >= left) {
        plan.seconds = seconds + left / work;
        break;
      }
      left -= work * period;
      seconds += period;
    }
    if (plan.seconds < best.seconds) best = plan;
  }
  return best;
}

// Services short of their demand at the sample's real rates (`err` per group) take chips no
// workload holds this period, fastest real rate first, up to the demand; services by priority.
void TopUpServices(const Model& m, const Allocator& alloc, const PeriodInput& in,
                   const std::vector<double>& err, Allocation& a) {
  const size_t workloads = m.shape.rate.size();
  const size_t chips = in.capacity.size();
  std::vector<double> idle = in.capacity;
  for (size_t w = 0; w < workloads; ++w) {
    for (size_t c = 0; c < chips; ++c) idle[c] -= a.chips[w][c];
  }
  std::vector<size_t> services;
  for (size_t w = 0; w < workloads; ++w) {
    if (m.shape.is_service[w] && !alloc.NegligibleDemand(static_cast<int>(w), in.demand[w]))
      services.push_back(w);
  }
  std::stable_sort(services.begin(), services.end(),
                   [&](size_t x, size_t y) { return m.shape.weight[x] > m.shape.weight[y]; });
  for (size_t w : services) {
    auto real_rate = [&](size_t c) { return m.shape.rate[w][c] * err[m.group[w][c]]; };
    double served = 0;
    for (size_t c = 0; c < chips; ++c) {
      if (a.work_by_chip[w][c] > 0) served += a.work_by_chip[w][c] * err[m.group[w][c]];
    }
    double short_by = in.demand[w] - served;
    std::vector<size_t> order;
    for (size_t c = 0; c < chips; ++c) {
      if (m.shape.rate[w][c] > 0 && idle[c] > 1e-9) order.push_back(c);
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t x, size_t y) { return real_rate(x) > real_rate(y); });
    for (size_t c : order) {
      if (short_by <= 0) break;
      const double take = std::min(idle[c], short_by / real_rate(c));
      a.chips[w][c] += take;
      a.work_by_chip[w][c] += take * m.shape.rate[w][c];
      a.work[w] += take * m.shape.rate[w][c];
      idle[c] -= take;
      short_by -= take * real_rate(c);
    }
  }
}

Result<SampleResult> Simulate(const Model& m, Allocator& alloc, uint64_t seed, uint64_t index,
                              const SampleOverrides& o) {
  const Scenario& s = m.s;
  const supply::FleetSample fleet = supply::SampleFleet(s, seed, index, o.supply);
  const size_t runs = s.training.size();
  const size_t workloads = m.shape.rate.size();
  // The model's error on each group, and each run's interruptions, for this sample.
  std::vector<double> err(m.group_sigma.size(), 1.0);
  std::vector<double> failure_factor(runs, 1.0);
  if (o.model_error) {
    Rng rng(seed ^ kModelErrorStream, index);
    for (size_t g = 0; g < err.size(); ++g) {
      const double z = rng.Normal();
      auto it = o.error_quantile.find(m.group_key[g]);
      const double q = it == o.error_quantile.end() ? z : supply::NormalQuantile(it->second);
      err[g] = std::exp(m.group_bias[g] + (o.model_spread ? m.group_sigma[g] * q : 0.0));
    }
    for (size_t w = 0; w < runs; ++w) {
      // Interruptions are Poisson with mean `expected` (normal for the hundreds a long run has);
      // time lost scales with their count.
      const double z = rng.Normal();
      const FailureStats& f = m.failures[w];
      if (f.expected <= 0 || !o.model_spread) continue;
      const double ratio = std::max(0.0, 1 + z / std::sqrt(f.expected));
      failure_factor[w] = (1 + f.loss) / (1 + f.loss * ratio);
    }
  }
  auto work_of = [&](const Allocation& a, size_t w) {
    double work = 0;
    for (size_t c = 0; c < a.work_by_chip[w].size(); ++c) {
      if (a.work_by_chip[w][c] > 0) work += a.work_by_chip[w][c] * err[m.group[w][c]];
    }
    return w < runs ? work * failure_factor[w] : work;
  };
  const auto mix = s.policy.training_across_types;
  SampleResult r;
  r.finish_day.assign(runs, kNever);
  r.progress.assign(runs, std::vector<double>(s.horizon, 0));
  r.served.assign(s.services.size(), std::vector<double>(s.horizon, 0));
  r.allocation.assign(s.horizon, std::vector<double>(workloads, 0));
  r.fleet = fleet.available;
  std::vector<double> done(runs, 0);
  std::vector<int> type(runs, -1);  // the chip column each run last ran on
  PeriodInput in;
  in.demand.assign(workloads, 0);
  in.active.assign(workloads, true);
  in.only_chip.assign(workloads, -1);
  for (int t = 0; t < s.horizon; ++t) {
    if (o.finish_only && std::all_of(r.finish_day.begin(), r.finish_day.end(),
                                     [](double d) { return std::isfinite(d); }))
      break;
    in.capacity = fleet.available[t];
    const Date start = s.PeriodStart(t);
    auto fail = [&](const Error& e) {
      return MakeError("scenario '" + s.name + "': period " + std::to_string(t + 1) + " (" +
                       start.ToString() + "), sample " + std::to_string(index + 1) + ": " +
                       e.message);
    };
    for (size_t w = 0; w < runs; ++w) {
      const auto& run = s.training[w];
      in.active[w] = done[w] < run.tokens && run.earliest_start <= start;
      // One-type runs stay where they were (kSwitch reconsiders below, and re-solves only when
      // it moves).
      in.only_chip[w] =
          mix == supply::TrainingAcrossTypes::kOne || mix == supply::TrainingAcrossTypes::kSwitch
              ? type[w]
              : -1;
    }
    for (size_t k = 0; k < s.services.size(); ++k) in.demand[runs + k] = m.demand[t][runs + k];
    auto solved = alloc.Solve(in);
    if (!solved) return fail(solved.error());
    // The chip type of a one-type run: chosen when it starts (kOne, kSwitch) and reconsidered
    // every period (kSwitch), as the plan that finishes first (PlanOnType: wait for a type, or
    // bridge on another and move, each move's cost included), from the sample's deliveries and
    // the chips' real rates: a lab benchmarks a platform before it commits a run to it, so it
    // decides on what the chips do, not on what the model predicted.
    std::vector<bool> moved(runs, false);
    if (mix == supply::TrainingAcrossTypes::kSwitch || mix == supply::TrainingAcrossTypes::kOne) {
      std::vector<double> reserved(m.chips.size(), 0);  // chips of each type the services hold
      for (size_t k = runs; k < workloads; ++k) {
        for (size_t c = 0; c < m.chips.size(); ++c) reserved[c] += solved->chips[k][c];
      }
      // kOne never moves: it only chooses where to start (waiting for a type if that is sooner).
      const bool may_move = mix == supply::TrainingAcrossTypes::kSwitch;
      const double switch_s = s.policy.switch_cost_days * 86400;
      bool pinned_any = false;
      for (size_t w = 0; w < runs; ++w) {
        if (!in.active[w] || (!may_move && in.only_chip[w] >= 0)) continue;
        const double need = s.training[w].tokens - done[w];
        TypePlan best;
        for (size_t c = 0; c < m.chips.size(); ++c) {
          if (m.shape.rate[w][c] <= 0) continue;
          const TypePlan plan = PlanOnType(m, fleet, t, w, static_cast<int>(c), need, reserved,
                                           type[w], switch_s, may_move, err);
          if (plan.seconds < best.seconds) best = plan;
        }
        if (best.now < 0) continue;  // finishes on no type within the horizon: the LP's choice
        if (best.now != (in.only_chip[w] >= 0 ? in.only_chip[w] : MainChip(*solved, w)))
          pinned_any = true;
        in.only_chip[w] = best.now;
        moved[w] = type[w] >= 0 && best.now != type[w];
      }
      if (pinned_any) {
        solved = alloc.Solve(in);
        if (!solved) return fail(solved.error());
      }
    }
    Allocation a = std::move(*solved);
    // The plan gives a service the chips that serve its demand at the predicted rates; its chips
    // serve at the sample's real ones. A provider short of demand puts chips nothing else holds
    // to work for it (it sees what it serves), so a shortfall left with idle chips is topped up
    // from them, at the real rates, the highest priority first.
    TopUpServices(m, alloc, in, err, a);
    for (size_t w = 0; w < workloads; ++w) {
      for (double chips : a.chips[w]) r.allocation[t][w] += chips;
    }
    for (size_t w = 0; w < runs; ++w) {
      if (!in.active[w]) {
        r.progress[w][t] = std::min(1.0, done[w] / s.training[w].tokens);
        continue;
      }
      if (const int now = MainChip(a, w); now >= 0) type[w] = now;
      const double lost_s =
          moved[w] ? std::min(m.period_seconds[t], s.policy.switch_cost_days * 86400) : 0;
      const double work = work_of(a, w);
      const double gained = work * (m.period_seconds[t] - lost_s);
      const double need = s.training[w].tokens - done[w];
      if (gained >= need && gained > 0) {
        r.finish_day[w] = start.days + (lost_s + need / work) / 86400.0;
      }
      done[w] += gained;
      r.progress[w][t] = std::min(1.0, done[w] / s.training[w].tokens);
    }
    for (size_t k = 0; k < s.services.size(); ++k) {
      const double d = m.demand[t][runs + k];
      // A service whose demand is (next to) nothing needs nothing: fully served.
      r.served[k][t] = alloc.NegligibleDemand(static_cast<int>(runs + k), d)
                           ? 1.0
                           : std::min(1.0, work_of(a, runs + k) / d);
    }
  }
  return r;
}

std::optional<Date> DayToDate(double day) {
  if (!std::isfinite(day)) return std::nullopt;
  return Date{static_cast<int>(std::floor(day))};
}

// Finish days of each run over `samples` samples with overrides.
Result<std::vector<std::vector<double>>> FinishDays(const Model& m, Allocator& alloc, uint64_t seed,
                                                    int samples, SampleOverrides o) {
  o.finish_only = true;
  std::vector<std::vector<double>> finish(m.s.training.size());
  for (int i = 0; i < samples; ++i) {
    auto sample = Simulate(m, alloc, seed, static_cast<uint64_t>(i), o);
    if (!sample) return tl::unexpected(sample.error());
    for (size_t w = 0; w < finish.size(); ++w) finish[w].push_back(sample->finish_day[w]);
  }
  return finish;
}

// P50, mean and P(target) of each run's finish; runs beyond the horizon count at `horizon_end`
// in the mean.
struct FinishSummary {
  std::vector<double> p50;
  std::vector<double> mean;
  std::vector<double> p_target;
};

FinishSummary Summarize(const Scenario& s, const std::vector<std::vector<double>>& finish,
                        double horizon_end) {
  FinishSummary out;
  for (size_t w = 0; w < finish.size(); ++w) {
    const auto& f = finish[w];
    out.p50.push_back(Quantile(f, 0.5));
    double sum = 0;
    long meet = 0;
    for (double d : f) {
      sum += std::isfinite(d) ? d : horizon_end;
      if (d <= s.training[w].target.days + 0.999) ++meet;
    }
    out.mean.push_back(sum / std::max<size_t>(1, f.size()));
    out.p_target.push_back(static_cast<double>(meet) / std::max<size_t>(1, f.size()));
  }
  return out;
}

Result<FinishSummary> SummarizeFinish(const Model& m, Allocator& alloc, uint64_t seed, int samples,
                                      const SampleOverrides& o, double horizon_end) {
  auto finish = FinishDays(m, alloc, seed, samples, o);
  if (!finish) return tl::unexpected(finish.error());
  return Summarize(m.s, *finish, horizon_end);
}

// P90 - P10 in weeks, finishes beyond the horizon at its end.
double SpreadWeeksOf(std::vector<double> finish, double horizon_end) {
  for (double& d : finish) d = std::isfinite(d) ? d : horizon_end;
  return (Quantile(finish, 0.9) - Quantile(finish, 0.1)) / 7.0;
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
  std::set<std::string> supplied;  // catalog ids of the chips the scenario can have
  for (const auto& id : s.ChipIds()) {
    if (auto chip = c.FindChip(id)) supplied.insert((*chip)->id);
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
    auto clock = perf::ComputeClockFraction(**chip, c.CalibrationFor((*chip)->family), cap.watts);
    if (!clock) return fail(at("power_caps", i, "watts"), clock.error().message);
  }
  for (size_t i = 0; i < s.training.size(); ++i) {
    const auto& r = s.training[i];
    const std::string item = at("workloads.training", i, "");
    if (auto m = c.FindModel(r.model); !m)
      return fail(item + ".model", "run '" + r.name + "': " + m.error().message);
    // Where the dtypes were written: `dtypes: [...]` items, or `dtype: x`.
    const bool listed = s.lines.count(item + ".dtypes") > 0;
    auto dtype_field = [&](size_t k) {
      return listed ? at(item + ".dtypes", k, "") : item + ".dtype";
    };
    for (size_t k = 0; k < r.dtypes.size(); ++k) {
      auto d = catalog::ParseDType(r.dtypes[k]);
      if (!d || (*d != catalog::DType::kBf16 && *d != catalog::DType::kFp16 &&
                 *d != catalog::DType::kFp8)) {
        return fail(dtype_field(k),
                    "run '" + r.name + "': dtype '" + r.dtypes[k] + "' is not bf16, fp16 or fp8");
      }
    }
    std::vector<const catalog::Chip*> trainable;  // chips of the run that can train it
    for (size_t k = 0; k < r.chips.size(); ++k) {
      auto x = c.FindChip(r.chips[k]);
      if (!x) return fail(at(item + ".chips", k, ""), "run '" + r.name + "': " + x.error().message);
      if ((*x)->role != catalog::ChipRole::kInferenceOnly && FirstSupported(**x, r.dtypes))
        trainable.push_back(*x);
    }
    if (trainable.empty()) {
      return fail(listed ? item + ".dtypes" : item + ".dtype",
                  fmt::format("run '{}': none of its chips ({}) trains in {}; add a dtype they "
                              "have (dtypes: [{}, bf16])",
                              r.name, fmt::join(r.chips, ", "), fmt::join(r.dtypes, " or "),
                              fmt::join(r.dtypes, ", ")));
    }
    // A split run computes in one dtype on every type it spans (one set of numerics).
    const auto mix = s.policy.training_across_types;
    if (mix == supply::TrainingAcrossTypes::kSplit ||
        mix == supply::TrainingAcrossTypes::kSplitBalanced) {
      bool common = false;
      for (const auto& name : r.dtypes) {
        auto d = catalog::ParseDType(name);
        bool all = true;
        for (const auto* chip : trainable) {
          if (supplied.count(chip->id)) all &= !chip->peak(*d).unsupported;
        }
        common |= all;
      }
      if (!common) {
        std::vector<std::string> ids;
        for (const auto* chip : trainable) {
          if (supplied.count(chip->id)) ids.push_back(chip->id);
        }
        return fail("policy.training_across_types",
                    fmt::format("training_across_types: {} runs '{}' in one dtype on every chip "
                                "type, but no dtype of [{}] runs on all of {}; add one they share "
                                "(bf16) or use switch",
                                supply::TrainingAcrossTypesName(mix), r.name,
                                fmt::join(r.dtypes, ", "), fmt::join(ids, ", ")));
      }
    }
  }
  for (size_t i = 0; i < s.services.size(); ++i) {
    const auto& v = s.services[i];
    const std::string item = at("workloads.inference", i, "");
    if (auto m = c.FindModel(v.model); !m)
      return fail(item + ".model", "service '" + v.name + "': " + m.error().message);
    const bool listed = s.lines.count(item + ".dtypes") > 0;
    for (size_t k = 0; k < v.dtypes.size(); ++k) {
      if (!perf::ParseServingDType(v.dtypes[k])) {
        return fail(listed ? at(item + ".dtypes", k, "") : item + ".dtype",
                    "service '" + v.name + "': dtype '" + v.dtypes[k] +
                        "' is not bf16, fp16, fp8, int8, fp4, int4, w8a16 or w4a8");
      }
    }
    bool servable = false;
    for (size_t k = 0; k < v.chips.size(); ++k) {
      auto x = c.FindChip(v.chips[k]);
      if (!x)
        return fail(at(item + ".chips", k, ""), "service '" + v.name + "': " + x.error().message);
      servable |= FirstServable(**x, v.dtypes).has_value();
    }
    if (!servable) {
      return fail(listed ? item + ".dtypes" : item + ".dtype",
                  fmt::format("service '{}': none of its chips ({}) has a peak for {} in the "
                              "catalog; add a format they have (dtypes: [{}, bf16]) or the "
                              "figures with --catalog",
                              v.name, fmt::join(v.chips, ", "), fmt::join(v.dtypes, " or "),
                              fmt::join(v.dtypes, ", ")));
    }
  }
  return {};
}

Result<Forecast> RunForecast(const Scenario& s, const catalog::Catalog& cat,
                             const ForecastOptions& opt) {
  if (auto ok = ValidateScenario(s, cat); !ok) return tl::unexpected(ok.error());
  if (opt.samples < 1 || opt.samples > 1'000'000)
    return MakeError("--samples must be between 1 and 1,000,000");

  Model m{s, s.ChipIds(), {}, {}, {}, {}, {}, {}, {}, {}};
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
  const auto mix = s.policy.training_across_types;
  f.training_across_types = std::string(supply::TrainingAcrossTypesName(mix));
  const size_t nc = m.chips.size();
  const double service_boost = s.policy.inference_first ? 100 : 1;
  // Model-error groups: one per workload and chip family.
  auto add_rate = [&](Rate rate, int col, std::vector<double>& row, std::vector<int>& groups) {
    row[col] = rate.tokens_per_s_per_chip;
    if (rate.tokens_per_s_per_chip > 0) {
      const std::string key = "model:" + rate.workload + ":" + rate.family;
      auto it = std::find(m.group_key.begin(), m.group_key.end(), key);
      if (it == m.group_key.end()) {
        m.group_key.push_back(key);
        m.group_sigma.push_back(rate.model_error.sigma);
        m.group_bias.push_back(rate.model_error.bias);
        it = m.group_key.end() - 1;
      }
      groups[col] = static_cast<int>(it - m.group_key.begin());
    }
    f.rates.push_back(std::move(rate));
  };
  // Rates per distinct setup: a layout search costs ~0.07 s, and scenarios that list many
  // copies of one run or service would repeat it per copy (reliability finding L10).
  std::map<std::string, std::pair<Rate, FailureStats>> training_rates;
  std::map<std::string, Rate> service_rates;
  const bool split = mix == supply::TrainingAcrossTypes::kSplit ||
                     mix == supply::TrainingAcrossTypes::kSplitBalanced;
  for (const auto& r : s.training) {
    std::vector<double> row(nc, 0);
    std::vector<int> groups(nc, -1);
    // A split run uses one dtype everywhere: the first every supplied chip it can train on has.
    std::vector<std::string> accepted = r.dtypes;
    if (split) {
      for (const auto& name : r.dtypes) {
        bool all = true;
        for (const auto& chip : r.chips) {
          auto found = cat.FindChip(chip);
          if (column(chip) < 0 || !found) continue;
          if ((*found)->role == catalog::ChipRole::kInferenceOnly ||
              !FirstSupported(**found, r.dtypes))
            continue;
          all &= !(*found)->peak(*catalog::ParseDType(name)).unsupported;
        }
        if (all) {
          accepted = {name};
          break;
        }
      }
    }
    FailureStats failures;
    for (const auto& chip : r.chips) {
      const int col = column(chip);
      if (col < 0) continue;  // allowed but never supplied
      // Everything TrainingRate reads of the run, except its name (the scenario's power cap
      // goes with the chip).
      const std::string key =
          fmt::format("{}|{}|{}|{}|{:a}", (*cat.FindModel(r.model))->id, m.chips[col],
                      fmt::join(accepted, ","), ReferenceCount(r.max_chips), r.tokens);
      auto it = training_rates.find(key);
      if (it == training_rates.end()) {
        FailureStats on_chip;
        Rate rate = TrainingRate(s, r, cat, m.chips[col], accepted, on_chip);
        it = training_rates.emplace(key, std::make_pair(std::move(rate), on_chip)).first;
      }
      Rate rate = it->second.first;
      rate.workload = r.name;
      // The first chip with failure statistics gives the run's.
      const FailureStats& on_chip = it->second.second;
      if (on_chip.known && failures.expected == 0) failures = on_chip;
      add_rate(std::move(rate), col, row, groups);
    }
    m.failures.push_back(failures);
    m.group.push_back(groups);
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
    std::vector<int> groups(nc, -1);
    for (const auto& chip : v.chips) {
      const int col = column(chip);
      if (col < 0) continue;
      // Everything ServiceRate reads of the service, except its name.
      const std::string key =
          fmt::format("{}|{}|{:a}|{:a}|{}|{}", (*cat.FindModel(v.model))->id, m.chips[col],
                      v.input_tokens, v.output_tokens, fmt::join(v.dtypes, ","),
                      v.tpot_ms ? fmt::format("{:a}", *v.tpot_ms) : "-");
      auto it = service_rates.find(key);
      if (it == service_rates.end()) {
        it = service_rates.emplace(key, ServiceRate(s, v, cat, m.chips[col])).first;
      }
      Rate rate = it->second;
      rate.workload = v.name;
      add_rate(std::move(rate), col, row, groups);
    }
    m.group.push_back(groups);
    m.shape.rate.push_back(row);
    m.shape.is_service.push_back(true);
    m.shape.weight.push_back(v.priority * service_boost);
    m.shape.max_chips.push_back(0);
    m.shape.min_chips.push_back(0);
    m.shape.names.push_back(v.name);
    f.workloads.push_back(v.name);
  }
  switch (mix) {
    case supply::TrainingAcrossTypes::kOne:
    case supply::TrainingAcrossTypes::kSwitch:
      m.shape.training_mix = AllocationShape::Mix::kOneType;
      break;
    case supply::TrainingAcrossTypes::kSplit:
      m.shape.training_mix = AllocationShape::Mix::kLockstep;
      break;
    case supply::TrainingAcrossTypes::kSplitBalanced:
      m.shape.training_mix = AllocationShape::Mix::kBalanced;
      m.shape.cross_type_efficiency = s.policy.cross_type_efficiency;
      break;
  }
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
  const int side = opt.side_samples > 0
                       ? opt.side_samples
                       : std::clamp(opt.samples / 5, std::min(50, opt.samples), 1000);
  const double horizon_end = s.PeriodStart(s.horizon).days;
  SampleOverrides base;
  base.model_error = opt.model_error;

  // What the sensitivity pins: supply factors, then the model's error on each group.
  struct PlanFactor {
    std::string label;
    SampleOverrides low, high;
    std::vector<std::string> chips;  // chips it changes the supply of
    std::optional<Date> from;        // when it starts to act
    std::string workload, family;    // a model error: whose rate, on which family
  };
  std::vector<PlanFactor> factors;
  if (opt.sensitivity) {
    for (const auto& factor : supply::ListFactors(s)) {
      PlanFactor pf{factor.label, base, base, {}, std::nullopt, "", ""};
      auto act = [&](const std::string& chip, Date from) {
        pf.chips.push_back(chip);
        pf.from = pf.from ? std::min(*pf.from, from) : from;
      };
      if (factor.kind == supply::Factor::Kind::kEvent) {
        pf.low.supply.happens[factor.key] = false;
        pf.high.supply.happens[factor.key] = true;
        for (const auto& e : s.events) {
          if ("event:" + e.name == factor.key) act(e.chip, e.window_from);
        }
      } else {
        pf.low.supply.quantile[factor.key] = 0.1;
        pf.high.supply.quantile[factor.key] = 0.9;
        for (size_t i = 0; i < s.deliveries.size(); ++i) {
          const auto& d = s.deliveries[i];
          if (factor.key == "delivery:" + std::to_string(i) || factor.key == "input:" + d.scale_by)
            act(d.chip, d.from);
        }
      }
      factors.push_back(std::move(pf));
    }
    for (size_t g = 0; opt.model_error && g < m.group_key.size(); ++g) {
      if (m.group_sigma[g] <= 0) continue;
      // "model:<workload>:<family>" -> "model error: next-gen-moe on hopper (sigma 0.12)"
      const std::string& key = m.group_key[g];
      const size_t cut = key.rfind(':');
      PlanFactor pf{fmt::format("model error: {} on {} (lognormal sigma {:.2f})",
                                key.substr(6, cut - 6), key.substr(cut + 1), m.group_sigma[g]),
                    base,
                    base,
                    {},
                    std::nullopt,
                    key.substr(6, cut - 6),
                    key.substr(cut + 1)};
      // Low: the model was optimistic (slower than predicted); high: pessimistic.
      pf.low.error_quantile[key] = 0.1;
      pf.high.error_quantile[key] = 0.9;
      factors.push_back(std::move(pf));
    }
  }
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
  const bool split_spread = opt.model_error && runs > 0;
  const long total =
      opt.samples + static_cast<long>(side) * (2 * factors.size() + purchasable.size() +
                                               split_spread + !purchasable.empty());
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
    auto sample = Simulate(m, alloc, opt.seed, static_cast<uint64_t>(i), base);
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
  // The supply-only spread: the same samples with the model's spread off (its median kept, so
  // both spreads are around the same rates).
  std::vector<std::vector<double>> supply_finish;
  if (split_spread) {
    SampleOverrides supply_only = base;
    supply_only.model_spread = false;
    auto sf = FinishDays(m, alloc, opt.seed, side, supply_only);
    if (!sf) return tl::unexpected(sf.error());
    supply_finish = std::move(*sf);
    tick(side);
  }
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
    rf.spread_weeks.total = SpreadWeeksOf(finish[w], horizon_end);
    rf.spread_weeks.supply =
        split_spread ? SpreadWeeksOf(supply_finish[w], horizon_end) : rf.spread_weeks.total;
    // Independent sources of spread add in variance.
    rf.spread_weeks.model =
        std::sqrt(std::max(0.0, rf.spread_weeks.total * rf.spread_weeks.total -
                                    rf.spread_weeks.supply * rf.spread_weeks.supply));
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
  // Why a factor leaves run w where it is.
  auto still_reason = [&](const PlanFactor& pf, size_t w) -> std::string {
    if (!pf.workload.empty()) {
      if (pf.workload != s.training[w].name)
        return "an error in " + pf.workload + "'s rate only; this run's chips do not depend on it";
      return "the run gets no " + pf.family + " chips before it finishes";
    }
    if (pf.chips.empty()) return "";
    std::vector<std::string> usable;
    std::string why_not;
    for (const auto& chip : pf.chips) {
      const int col = column(chip);
      if (col >= 0 && m.shape.rate[w][col] > 0) {
        usable.push_back(chip);
        continue;
      }
      for (const auto& r : f.rates) {
        if (r.workload == s.training[w].name && r.chip == chip && !r.note.empty() &&
            why_not.empty())
          why_not = ": " + r.note;
      }
      if (why_not.empty() && col >= 0 &&
          std::find(s.training[w].chips.begin(), s.training[w].chips.end(), chip) ==
              s.training[w].chips.end())
        why_not = ": not among its chips";
    }
    if (usable.empty()) return "the run cannot use " + pf.chips.front() + why_not;
    if (pf.from && f.runs[w].finish_p90 && *f.runs[w].finish_p90 < *pf.from) {
      return "acts from " + pf.from->ToMonthString() + ", after the run finishes (P90 " +
             f.runs[w].finish_p90->ToString() + ")";
    }
    if (mix == supply::TrainingAcrossTypes::kOne)
      return "the run stays on the chip type it starts on (training_across_types: one)";
    return "the run's chips do not change: it has faster chips, or services take these";
  };
  for (const auto& pf : factors) {
    auto lo = SummarizeFinish(m, alloc, opt.seed, side, pf.low, horizon_end);
    if (!lo) return tl::unexpected(lo.error());
    tick(side);
    auto hi = SummarizeFinish(m, alloc, opt.seed, side, pf.high, horizon_end);
    if (!hi) return tl::unexpected(hi.error());
    tick(side);
    for (size_t w = 0; w < runs; ++w) {
      SensitivityEntry e{pf.label,
                         s.training[w].name,
                         DayToDate(lo->p50[w]),
                         DayToDate(hi->p50[w]),
                         std::fabs(hi->mean[w] - lo->mean[w]) / 7.0,
                         lo->p_target[w],
                         hi->p_target[w],
                         ""};
      // Below a twentieth of a week the table shows 0.0: say why.
      if (e.swing_weeks < 0.05 && e.p_target_low == e.p_target_high) e.reason = still_reason(pf, w);
      f.sensitivity.push_back(std::move(e));
    }
  }
  std::stable_sort(f.sensitivity.begin(), f.sensitivity.end(),
                   [](const SensitivityEntry& a, const SensitivityEntry& b) {
                     return a.swing_weeks > b.swing_weeks;
                   });

  // Purchase advice: the same samples with a block of chips added at the start.
  if (!purchasable.empty()) {
    auto before = SummarizeFinish(m, alloc, opt.seed, side, base, horizon_end);
    if (!before) return tl::unexpected(before.error());
    tick(side);
    for (const auto& chip : purchasable) {
      SampleOverrides more = base;
      more.supply.extra_chips[chip] = opt.purchase_block;
      auto with = SummarizeFinish(m, alloc, opt.seed, side, more, horizon_end);
      if (!with) return tl::unexpected(with.error());
      tick(side);
      auto found = cat.FindChip(chip);
      for (size_t w = 0; w < runs; ++w) {
        PurchaseAdvice a;
        a.chip = chip;
        a.run = s.training[w].name;
        a.chips = opt.purchase_block;
        a.weeks_saved_p50 = (capped(before->p50[w]) - capped(with->p50[w])) / 7.0;
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

  // Value of information: for each input that moves a run, the purchase advice again at its low
  // and at its high end (same samples, a quarter as many). Where the best block differs, knowing
  // the input first is worth the weeks the right choice gains.
  if (!purchasable.empty() && purchasable.size() > 1 && !factors.empty()) {
    const int few = std::max(20, side / 4);
    // The block the advice picks per run, not knowing.
    std::vector<std::string> pick(runs);
    for (size_t w = 0; w < runs; ++w) {
      for (const auto& a : f.purchase_advice) {  // sorted: the first for the run is its best
        if (a.run == s.training[w].name) {
          pick[w] = a.chip;
          break;
        }
      }
    }
    // weeks saved [run][chip] with the overrides `o`
    auto saved = [&](const SampleOverrides& o) -> Result<std::vector<std::vector<double>>> {
      auto without = SummarizeFinish(m, alloc, opt.seed, few, o, horizon_end);
      if (!without) return tl::unexpected(without.error());
      std::vector<std::vector<double>> out(runs, std::vector<double>(purchasable.size(), 0));
      for (size_t k = 0; k < purchasable.size(); ++k) {
        SampleOverrides more = o;
        more.supply.extra_chips[purchasable[k]] += opt.purchase_block;
        auto with = SummarizeFinish(m, alloc, opt.seed, few, more, horizon_end);
        if (!with) return tl::unexpected(with.error());
        for (size_t w = 0; w < runs; ++w)
          out[w][k] = (capped(without->p50[w]) - capped(with->p50[w])) / 7.0;
      }
      return out;
    };
    for (const auto& pf : factors) {
      bool moves = false;
      for (const auto& e : f.sensitivity) moves |= e.factor == pf.label && e.swing_weeks >= 0.05;
      if (!moves) continue;
      auto low = saved(pf.low);
      if (!low) return tl::unexpected(low.error());
      auto high = saved(pf.high);
      if (!high) return tl::unexpected(high.error());
      for (size_t w = 0; w < runs; ++w) {
        auto best = [&](const std::vector<double>& v) {
          return static_cast<size_t>(std::max_element(v.begin(), v.end()) - v.begin());
        };
        const size_t lo = best((*low)[w]), hi = best((*high)[w]);
        if (lo == hi) continue;
        const size_t k = static_cast<size_t>(
            std::find(purchasable.begin(), purchasable.end(), pick[w]) - purchasable.begin());
        if (k >= purchasable.size()) continue;
        const double gained =
            0.5 * (((*low)[w][lo] - (*low)[w][k]) + ((*high)[w][hi] - (*high)[w][k]));
        f.value_of_information.push_back(
            {pf.label, s.training[w].name, purchasable[lo], purchasable[hi], gained});
      }
    }
    std::stable_sort(f.value_of_information.begin(), f.value_of_information.end(),
                     [](const ValueOfInformation& a, const ValueOfInformation& b) {
                       return a.weeks_gained > b.weeks_gained;
                     });
  }
  return f;
}

}  // namespace suanli::plan
