// The choices a lab has (issue 15): the dtype each chip runs a run in, how a run combines chip
// types, and the model's own error in the Monte Carlo; each against a hand calculation.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "plan/allocator.h"
#include "plan/forecast.h"
#include "report/forecast_report.h"
#include "supply/distribution.h"
#include "supply/scenario.h"
#include "testing.h"

namespace suanli::plan {
namespace {

const catalog::Catalog& Cat() { return testing::BuiltinCatalog(); }

using testing::Contains;

supply::Scenario Parse(const std::string& yaml) {
  auto s = supply::ParseScenario(yaml, "test.yaml");
  EXPECT_TRUE(s) << s.error().ToString() << "\n" << yaml;
  return s ? *s : supply::Scenario{};
}

ForecastOptions Quick(int samples, bool model_error = false) {
  ForecastOptions o;
  o.samples = samples;
  o.sensitivity = false;
  o.purchase_advice = false;
  o.model_error = model_error;
  return o;
}

Forecast Plan(const supply::Scenario& s, const ForecastOptions& o,
              const catalog::Catalog& cat = Cat()) {
  auto f = RunForecast(s, cat, o);
  EXPECT_TRUE(f) << f.error().ToString();
  return f ? *f : Forecast{};
}

const Rate& RateOf(const Forecast& f, const std::string& workload, const std::string& chip) {
  for (const auto& r : f.rates) {
    if (r.workload == workload && r.chip == chip) return r;
  }
  static const Rate none;
  ADD_FAILURE() << "no rate for " << workload << " on " << chip;
  return none;
}

Error Invalid(const supply::Scenario& s) {
  auto ok = ValidateScenario(s, Cat());
  EXPECT_FALSE(ok) << "expected an error";
  return ok ? Error{} : ok.error();
}

// --- precision per chip ------------------------------------------------------------

// 64 H800 (below the run's 128-chip minimum: they cannot take it) and 512 Ascend 910C, which has
// no FP8 (data/chips.yaml: fp8 unsupported, S56/S65). The run accepts [fp8, bf16]: it runs on the
// 910C in BF16, at the rate the training model gives for BF16, and finishes on T / (N R).
TEST(ForecastChoices, FallsBackToBf16OnAChipWithoutFp8) {
  const std::string yaml =
      "scenario: {name: fallback, start: 2027-01-01, period: month, horizon: 24}\n"
      "fleet:\n"
      "  - {chip: h800, count: 64}\n"
      "  - {chip: ascend-910c, count: 512}\n"
      "workloads:\n"
      "  training:\n"
      "    - {name: run, model: llama-3-8b, tokens: 2e12, dtypes: [fp8, bf16], "
      "chips: [h800, ascend-910c], min_chips: 128, max_chips: 512, target: 2027-12-31}\n";
  const Forecast f = Plan(Parse(yaml), Quick(3));
  const Rate& ascend = RateOf(f, "run", "ascend-910c");
  const Rate& hopper = RateOf(f, "run", "h800");
  EXPECT_EQ(ascend.dtype, "bf16");
  EXPECT_EQ(hopper.dtype, "fp8");
  ASSERT_GT(ascend.tokens_per_s_per_chip, 0);
  // The same run pinned to BF16 gets the same 910C rate: the fallback is the BF16 model.
  std::string bf16_only = yaml;
  bf16_only.replace(bf16_only.find("dtypes: [fp8, bf16]"), 19, "dtype: bf16");
  EXPECT_EQ(RateOf(Plan(Parse(bf16_only), Quick(3)), "run", "ascend-910c").tokens_per_s_per_chip,
            ascend.tokens_per_s_per_chip);
  // Finish by hand: 512 chips from the first day.
  const double seconds = 2e12 / (512 * ascend.tokens_per_s_per_chip);
  const Date start = *Date::Parse("2027-01-01");
  const Date expect{start.days + static_cast<int>(std::floor(seconds / 86400))};
  ASSERT_TRUE(f.runs.at(0).finish_p50);
  EXPECT_EQ(f.runs[0].finish_p50->ToString(), expect.ToString());
  // Pinned to FP8 alone the 910C cannot take it, and the table says why.
  std::string fp8_only = yaml;
  fp8_only.replace(fp8_only.find("dtypes: [fp8, bf16]"), 19, "dtype: fp8");
  const Forecast pinned = Plan(Parse(fp8_only), Quick(3));
  EXPECT_EQ(RateOf(pinned, "run", "ascend-910c").tokens_per_s_per_chip, 0);
  EXPECT_TRUE(Contains(RateOf(pinned, "run", "ascend-910c").note, "does not support fp8"));
  EXPECT_FALSE(pinned.runs.at(0).finish_p50);  // 64 H800 never reach the minimum
}

TEST(ForecastChoices, DtypeErrorsNameTheField) {
  const std::string base =
      "scenario: {name: d, start: 2027-01-01, period: month, horizon: 6}\n"
      "fleet:\n"
      "  - {chip: ascend-910c, count: 512}\n"
      "workloads:\n"
      "  training:\n"
      "    - name: run\n"
      "      model: llama-3-8b\n"
      "      tokens: 1e12\n"
      "      dtypes: [fp8]\n"  // 9
      "      chips: [ascend-910c]\n"
      "      target: 2027-06-30\n"
      "      max_chips: 512\n";
  // No chip of the run trains in any dtype it accepts.
  Error e = Invalid(Parse(base));
  EXPECT_EQ(e.line, 9);
  EXPECT_EQ(e.field, "workloads.training[0].dtypes");
  EXPECT_TRUE(Contains(e.message, "none of its chips (ascend-910c) trains in fp8")) << e.message;
  // An unknown dtype in the list names its item.
  std::string bad = base;
  bad.replace(bad.find("[fp8]"), 5, "[fp8, fp6]");
  e = Invalid(Parse(bad));
  EXPECT_EQ(e.field, "workloads.training[0].dtypes[1]");
  EXPECT_TRUE(Contains(e.message, "dtype 'fp6'")) << e.message;
  // dtype and dtypes together are refused by the loader.
  std::string both = base;
  both.replace(both.find("      dtypes: [fp8]\n"), 20, "      dtype: bf16\n      dtypes: [fp8]\n");
  auto parsed = supply::ParseScenario(both, "test.yaml");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().line, 10);
  EXPECT_TRUE(Contains(parsed.error().message, "not both")) << parsed.error().message;
}

// A service accepts formats in order too: `dtypes: [int8, bf16]` serves INT8 on the 910C (which
// has an INT8 peak, data/chips.yaml) and BF16 on the Alibaba PPU (only a 16-bit peak is
// estimated); each at the rate of the service pinned to that format. Demand 1 token/s: the
// served fraction is 100 % either way.
TEST(ForecastChoices, ServicesServeInTheFirstFormatEachChipHas) {
  const std::string yaml =
      "scenario: {name: serve, start: 2027-01-01, period: month, horizon: 3}\n"
      "fleet:\n"
      "  - {chip: ascend-910c, count: 64}\n"
      "  - {chip: alibaba-ppu, count: 64}\n"
      "workloads:\n"
      "  inference:\n"
      "    - {name: api, model: llama-3-70b, input_tokens: 2048, output_tokens: 512, "
      "dtypes: [int8, bf16], demand_tokens_per_s: 1, chips: [ascend-910c, alibaba-ppu]}\n";
  const Forecast f = Plan(Parse(yaml), Quick(3));
  const Rate& ascend = RateOf(f, "api", "ascend-910c");
  const Rate& ppu = RateOf(f, "api", "alibaba-ppu");
  EXPECT_EQ(ascend.dtype, "int8");
  EXPECT_EQ(ppu.dtype, "bf16");
  ASSERT_GT(ascend.tokens_per_s_per_chip, 0);
  ASSERT_GT(ppu.tokens_per_s_per_chip, 0);
  auto pinned = [&](const std::string& dtype, const std::string& chip) {
    std::string one = yaml;
    one.replace(one.find("dtypes: [int8, bf16]"), 20, "dtype: " + dtype);
    return RateOf(Plan(Parse(one), Quick(3)), "api", chip).tokens_per_s_per_chip;
  };
  EXPECT_EQ(pinned("int8", "ascend-910c"), ascend.tokens_per_s_per_chip);
  EXPECT_EQ(pinned("bf16", "alibaba-ppu"), ppu.tokens_per_s_per_chip);
  // Pinned to INT8 alone, the PPU row says what the catalog lacks.
  std::string int8_only = yaml;
  int8_only.replace(int8_only.find("dtypes: [int8, bf16]"), 20, "dtype: int8");
  const Forecast int8_forecast = Plan(Parse(int8_only), Quick(3));
  const Rate& none = RateOf(int8_forecast, "api", "alibaba-ppu");
  EXPECT_EQ(none.tokens_per_s_per_chip, 0);
  EXPECT_TRUE(Contains(none.note, "peak_tflops.int8 is unknown")) << none.note;
  // No chip of the service has a peak in any format it accepts: an error at its dtypes.
  std::string unservable = yaml;
  unservable.replace(unservable.find("dtypes: [int8, bf16]"), 20, "dtypes: [int8, fp4]");
  unservable.replace(unservable.find("chips: [ascend-910c, alibaba-ppu]"), 33,
                     "chips: [alibaba-ppu]");
  const Error e = Invalid(Parse(unservable));
  EXPECT_EQ(e.field, "workloads.inference[0].dtypes");
  EXPECT_EQ(e.line, 7);
  EXPECT_TRUE(Contains(e.message, "none of its chips (alibaba-ppu) has a peak for int8 or fp4"))
      << e.message;
}

// --- training across chip types ---------------------------------------------------------

// Rates 1 and 3 (or 2 and 3) per chip, 10 chips of each, max 20, one training run.
Allocation SolveMix(double slow_rate, AllocationShape::Mix mix, double efficiency = 1) {
  AllocationShape shape{{{slow_rate, 3}}, {false}, {1}, {20}, {1}, mix, efficiency, {}};
  PeriodInput in{{10, 10}, {0}, {true}};
  return Allocator(shape).Solve(in).value();
}

TEST(ForecastChoices, LockstepRunsEveryChipAtTheSlowestPace) {
  // Lockstep (synchronous data parallel): both types give 20 chips x rate 2 = 40 > the fast
  // type alone, 10 x 3 = 30: it keeps both, and each chip works at 2.
  Allocation both = SolveMix(2, AllocationShape::Mix::kLockstep);
  EXPECT_NEAR(both.chips[0][0] + both.chips[0][1], 20, 1e-9);
  EXPECT_NEAR(both.work[0], 40, 1e-9);
  EXPECT_NEAR(both.work_by_chip[0][1], 10 * 2, 1e-9);
  // Slow chips at rate 1: 20 x 1 = 20 < 30, so the slow type is left out.
  Allocation fast = SolveMix(1, AllocationShape::Mix::kLockstep);
  EXPECT_NEAR(fast.chips[0][0], 0, 1e-9);
  EXPECT_NEAR(fast.work[0], 30, 1e-9);
  // Balanced: the rates add, times the efficiency: (10 x 2 + 10 x 3) x 0.95 = 47.5.
  EXPECT_NEAR(SolveMix(2, AllocationShape::Mix::kBalanced, 0.95).work[0], 47.5, 1e-9);
  // One type: the one doing more work, 10 x 3.
  EXPECT_NEAR(SolveMix(2, AllocationShape::Mix::kOneType).work[0], 30, 1e-9);
}

// 256 H100 from the start; 1024 H200 delivered in January serve from February. The run can
// train on the H100 alone, wait a month for the H200, or (switch only) bridge January on the H100
// and move, losing switch_cost_days. Each policy takes the soonest of the plans it has.
const char* kMove =
    "scenario: {name: move, start: 2027-01-01, period: month, horizon: 24}\n"
    "fleet:\n"
    "  - {chip: h100, count: 256}\n"
    "deliveries:\n"
    "  - {chip: h200, from: 2027-01, to: 2027-01, per_period: 1024}\n"
    "workloads:\n"
    "  training:\n"
    "    - {name: run, model: llama-3-8b, tokens: 8e12, chips: [h100, h200], min_chips: 64, "
    "max_chips: 1024, target: 2027-12-31}\n"
    "policy: {training_across_types: POLICY, switch_cost_days: 2}\n";

supply::Scenario MoveScenario(const std::string& policy) {
  std::string yaml = kMove;
  yaml.replace(yaml.find("POLICY"), 6, policy);
  return Parse(yaml);
}

TEST(ForecastChoices, EachPolicyTakesItsSoonestPlan) {
  const Forecast one = Plan(MoveScenario("one"), Quick(3));
  const double r100 = RateOf(one, "run", "h100").tokens_per_s_per_chip;
  const double r200 = RateOf(one, "run", "h200").tokens_per_s_per_chip;
  ASSERT_GT(r100, 0);
  ASSERT_GT(r200, 0);
  const double T = 8e12, day = 86400;
  const Date start = *Date::Parse("2027-01-01");
  const double h100_only = T / (256 * r100) / day;            // stay on the H100
  const double wait = 31 + T / (1024 * r200) / day;           // idle in January, then the H200
  const double left = T - 256 * r100 * 31 * day;              // after January on the H100
  const double bridge = 31 + 2 + left / (1024 * r200) / day;  // ... then move, 2 days lost
  ASSERT_LT(wait, h100_only) << "the H200 must be worth waiting for";
  ASSERT_LT(bridge, wait) << "bridging must beat waiting for this test";
  // one: cannot move, so it waits for the H200.
  EXPECT_EQ(one.runs.at(0).finish_p50->days, start.days + static_cast<int>(wait));
  EXPECT_EQ(one.allocation_mean[0][0], 0);  // January: idle
  // switch: bridges January on the H100 and moves.
  const Forecast moved = Plan(MoveScenario("switch"), Quick(3));
  EXPECT_EQ(moved.runs.at(0).finish_p50->days, start.days + static_cast<int>(bridge));
  EXPECT_NEAR(moved.allocation_mean[0][0], 256, 1e-6);
  EXPECT_EQ(moved.training_across_types, "switch");
  // split-balanced from February: the LP keeps the 1024 faster H200 (max 1024 chips), no cost.
  const Forecast free = Plan(MoveScenario("split-balanced"), Quick(3));
  EXPECT_EQ(free.runs.at(0).finish_p50->days,
            start.days + static_cast<int>(31 + left / (1024 * r200) / day));
}

TEST(ForecastChoices, SplitRunsOneDtypeOnEveryType) {
  const std::string yaml =
      "scenario: {name: s, start: 2027-01-01, period: month, horizon: 6}\n"
      "fleet:\n"
      "  - {chip: h800, count: 512}\n"
      "  - {chip: ascend-910c, count: 512}\n"
      "workloads:\n"
      "  training:\n"
      "    - {name: run, model: llama-3-8b, tokens: 1e12, dtypes: [fp8, bf16], "
      "chips: [h800, ascend-910c], max_chips: 1024, target: 2027-06-30}\n"
      "policy:\n"
      "  training_across_types: split\n";  // 9
  // One set of numerics: both types in bf16, the first dtype both have.
  const Forecast f = Plan(Parse(yaml), Quick(2));
  EXPECT_EQ(RateOf(f, "run", "h800").dtype, "bf16");
  EXPECT_EQ(RateOf(f, "run", "ascend-910c").dtype, "bf16");
  // Switching instead, each type runs its own first choice.
  std::string one_at_a_time = yaml;
  one_at_a_time.replace(one_at_a_time.find("split\n"), 6, "switch\n");
  const Forecast g = Plan(Parse(one_at_a_time), Quick(2));
  EXPECT_EQ(RateOf(g, "run", "h800").dtype, "fp8");
  EXPECT_EQ(RateOf(g, "run", "ascend-910c").dtype, "bf16");
  // FP8 only: the 910C cannot take the run at all, and says why; the split keeps the H800.
  std::string fp8 = yaml;
  fp8.replace(fp8.find("dtypes: [fp8, bf16]"), 19, "dtypes: [fp8]");
  const Forecast h = Plan(Parse(fp8), Quick(2));
  EXPECT_EQ(RateOf(h, "run", "ascend-910c").tokens_per_s_per_chip, 0);
  EXPECT_TRUE(Contains(RateOf(h, "run", "ascend-910c").note, "does not support fp8"));
  EXPECT_EQ(RateOf(h, "run", "h800").dtype, "fp8");
  // Unknown policy names are refused with the choices.
  std::string unknown = yaml;
  unknown.replace(unknown.find("split\n"), 6, "spread\n");
  auto parsed = supply::ParseScenario(unknown, "test.yaml");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().line, 9);
  EXPECT_TRUE(Contains(parsed.error().message, "one, switch, split or split-balanced"));
}

// --- the model's own error ---------------------------------------------------------------

// The builtin catalog with no failures on Hopper and the model's error on dense training there
// set to lognormal(bias, sigma), so the finish spread is the model error's alone.
catalog::Catalog WithHopperError(double sigma, double bias = 0) {
  catalog::Catalog c = *catalog::Catalog::Builtin();
  const std::string yaml =
      "families:\n"
      "  - {id: hopper, matmul_efficiency: 0.65, low_precision_matmul_efficiency: 0.45, "
      "matmul_half_gflop: 1.0, attention_efficiency: 0.5, memory_efficiency: 0.75, "
      "memory_reserved_gib: 4, failures_per_chip_day: 0, calibrated: true}\n"
      "model_errors:\n"
      "  source: test\n"
      "  cells:\n"
      "    - {family: hopper, workload: training-searched, kind: dense, cases: 10, bias: " +
      std::to_string(bias) + ", sigma: " + std::to_string(sigma) + "}\n";
  EXPECT_TRUE(c.MergeYaml(yaml, "test-family.yaml"));
  EXPECT_TRUE(c.Validate());
  return c;
}

// 128 H100 training a dense model, nothing uncertain in the supply.
supply::Scenario OneDenseRun() {
  return Parse(
      "scenario: {name: err, start: 2027-01-01, period: month, horizon: 36}\n"
      "fleet:\n"
      "  - {chip: h100, count: 128}\n"
      "workloads:\n"
      "  training:\n"
      "    - {name: run, model: llama-3-8b, tokens: 6e12, chips: [h100], min_chips: 64, "
      "max_chips: 128, target: 2027-12-31}\n");
}

// The duration is D0 / e with e lognormal(median 1, sigma), so its quantile p is
// D0 exp(sigma z_p) and P90 - P10 = D0 (exp(1.2816 sigma) - exp(-1.2816 sigma)).
TEST(ForecastChoices, ModelErrorWidensTheSpreadByTheComputedAmount) {
  const double sigma = 0.2;
  const catalog::Catalog cat = WithHopperError(sigma);
  const supply::Scenario s = OneDenseRun();
  ForecastOptions o = Quick(4000, true);
  o.side_samples = 50;
  const Forecast f = Plan(s, o, cat);
  const Rate& r = RateOf(f, "run", "h100");
  EXPECT_EQ(r.model_error.sigma, sigma);
  const double d0_days = 6e12 / (128 * r.tokens_per_s_per_chip) / 86400;
  ASSERT_LT(d0_days * std::exp(1.2816 * sigma), 36 * 30) << "P90 must finish in the horizon";
  const double z = supply::NormalQuantile(0.9);
  const double expect_weeks = d0_days * (std::exp(z * sigma) - std::exp(-z * sigma)) / 7;
  const SpreadWeeks& w = f.runs.at(0).spread_weeks;
  // 4,000 samples: the sample quantiles of a lognormal are within ~2 % here.
  EXPECT_NEAR(w.total, expect_weeks, 0.03 * expect_weeks);
  EXPECT_EQ(w.supply, 0);  // nothing in the supply is uncertain
  EXPECT_EQ(w.model, w.total);
  // P50 stays at D0 (the median of the error is 1).
  const Date start = *Date::Parse("2027-01-01");
  EXPECT_NEAR(f.runs[0].finish_p50->days - start.days, d0_days, 0.02 * d0_days + 1);
  // Off: no spread at all.
  EXPECT_EQ(Plan(s, Quick(50), cat).runs.at(0).spread_weeks.total, 0);
}

// A measured bias moves the median: the model is 20 % optimistic on this kind of run (measured /
// predicted has median e^-0.2231 = 0.8), so the median duration is D0 / 0.8 = 1.25 D0, and the
// P10-P90 spread is D0 e^0.2231 (e^(z sigma) - e^(-z sigma)).
TEST(ForecastChoices, ModelErrorBiasMovesTheMedianByTheComputedAmount) {
  const double sigma = 0.1, bias = std::log(0.8);
  const catalog::Catalog cat = WithHopperError(sigma, bias);
  ForecastOptions o = Quick(4000, true);
  o.side_samples = 50;
  const Forecast f = Plan(OneDenseRun(), o, cat);
  const Rate& r = RateOf(f, "run", "h100");
  EXPECT_NEAR(r.model_error.bias, bias, 1e-6);
  const double d0_days = 6e12 / (128 * r.tokens_per_s_per_chip) / 86400;
  const Date start = *Date::Parse("2027-01-01");
  EXPECT_NEAR(f.runs.at(0).finish_p50->days - start.days, 1.25 * d0_days, 0.02 * d0_days + 1);
  const double z = supply::NormalQuantile(0.9);
  const double expect_weeks = 1.25 * d0_days * (std::exp(z * sigma) - std::exp(-z * sigma)) / 7;
  EXPECT_NEAR(f.runs[0].spread_weeks.total, expect_weeks, 0.03 * expect_weeks);
  // Nothing in the supply is uncertain: at the median rate (biased, no spread) it has none.
  EXPECT_EQ(f.runs[0].spread_weeks.supply, 0);
  // The table shows the median factor with the spread; the JSON the distribution.
  const std::string text = report::ForecastText(f);
  EXPECT_TRUE(Contains(text, "x0.80 x/1.14")) << text;
  const auto j = nlohmann::json::parse(report::ForecastJson(f));
  for (const auto& rate : j["rates"]) {
    if (rate["chip"] != "h100") continue;
    EXPECT_NEAR(rate["model_error"]["median"].get<double>(), 0.8, 1e-4);
    EXPECT_EQ(rate["model_error"]["cases"].get<int>(), 10);
  }
}

TEST(ForecastChoices, SensitivitySaysWhyAnInputDoesNotMoveTheRun) {
  // An event adds 910C, which cannot train in FP8: a 0 swing, and the reason.
  const supply::Scenario s = Parse(
      "scenario: {name: why, start: 2027-01-01, period: month, horizon: 24}\n"
      "fleet:\n"
      "  - {chip: h800, count: 256}\n"
      "events:\n"
      "  - {name: more-910c, probability: 0.5, window: [2027-02, 2027-03], effect: add, "
      "chip: ascend-910c, amount: 500}\n"
      "  - {name: more-h800, probability: 0.5, window: [2027-02, 2027-03], effect: add, "
      "chip: h800, amount: 200}\n"
      "workloads:\n"
      "  training:\n"
      "    - {name: run, model: llama-3-8b, tokens: 8e12, dtype: fp8, chips: [h800, ascend-910c], "
      "min_chips: 64, max_chips: 4096, target: 2027-06-30}\n");
  ForecastOptions o = Quick(60);
  o.sensitivity = true;
  o.side_samples = 60;
  const Forecast f = Plan(s, o);
  bool saw_910c = false, saw_h800 = false;
  for (const auto& e : f.sensitivity) {
    if (Contains(e.factor, "more-910c")) {
      saw_910c = true;
      EXPECT_EQ(e.swing_weeks, 0);
      EXPECT_EQ(e.p_target_low, e.p_target_high);
      EXPECT_TRUE(Contains(e.reason, "the run cannot use ascend-910c")) << e.reason;
      EXPECT_TRUE(Contains(e.reason, "does not support fp8")) << e.reason;
    }
    if (Contains(e.factor, "more-h800")) {
      saw_h800 = true;
      EXPECT_GT(e.swing_weeks, 0.1);
      EXPECT_TRUE(e.reason.empty()) << e.reason;
    }
  }
  EXPECT_TRUE(saw_910c && saw_h800);
  // The ranking puts the input that matters first.
  ASSERT_FALSE(f.sensitivity.empty());
  EXPECT_TRUE(Contains(f.sensitivity[0].factor, "more-h800"));
  // JSON carries the reason and the P(target) pair.
  const std::string j = report::ForecastJson(f);
  EXPECT_TRUE(Contains(j, "\"reason\": \"the run cannot use ascend-910c")) << j.substr(0, 400);
  EXPECT_TRUE(Contains(j, "\"p_target_low\""));
}

TEST(ForecastChoices, HigherLicenceProbabilityNeverLater) {
  auto s = supply::BuiltinScenario("china-2026");
  ASSERT_TRUE(s);
  ForecastOptions o = Quick(200, true);
  double last_p50 = -1, last_p = -1;
  for (double p : {0.0, 0.3, 0.7, 1.0}) {
    supply::Scenario v = *s;
    for (auto& e : v.events) {
      if (e.effect == supply::Event::Effect::kAdd) e.probability = p;
    }
    const Forecast f = Plan(v, o);
    const TrainingForecast& r = f.runs.at(0);
    const double p50 = r.finish_p50 ? r.finish_p50->days : 1e9;
    if (last_p50 >= 0) {
      EXPECT_LE(p50, last_p50) << "probability " << p;
      EXPECT_GE(r.p_meet_target, last_p) << "probability " << p;
    }
    last_p50 = p50;
    last_p = r.p_meet_target;
  }
}

TEST(ForecastChoices, ModelErrorIsDeterministicAndInTheJson) {
  auto s = supply::BuiltinScenario("china-2026");
  ASSERT_TRUE(s);
  ForecastOptions o = Quick(50, true);
  const std::string a = report::ForecastJson(Plan(*s, o));
  EXPECT_EQ(a, report::ForecastJson(Plan(*s, o)));
  EXPECT_TRUE(Contains(a, "\"model_error\": {")) << a.substr(0, 300);
  EXPECT_TRUE(Contains(a, "\"spread_weeks\": {"));
  EXPECT_TRUE(Contains(a, "\"training_across_types\""));
}

}  // namespace
}  // namespace suanli::plan

namespace suanli::plan {
namespace {

// 512 H100 and 512 Ascend 910C, by the model about as fast per chip (FP8 vs BF16), with the
// training model's error on Ascend set wide (sigma 0.48, x/1.84 at P10-P90, as it was before any
// Ascend run was measured) and on Hopper narrow. Which block to buy depends on the Ascend error:
// if the 910C is slower than predicted, more H100; if faster, more 910C. The forecast names it as
// the uncertainty to resolve first.
TEST(ForecastChoices, ValueOfInformationNamesTheUncertaintyThatChangesThePurchase) {
  const supply::Scenario s = supply::ParseScenario(
                                 "scenario: {name: voi, start: 2027-01-01, period: month, "
                                 "horizon: 36}\n"
                                 "fleet:\n"
                                 "  - {chip: h100, count: 512}\n"
                                 "  - {chip: ascend-910c, count: 512}\n"
                                 "workloads:\n"
                                 "  training:\n"
                                 "    - {name: run, model: llama-3-70b, tokens: 4e12, "
                                 "dtypes: [fp8, bf16], chips: [h100, ascend-910c], "
                                 "min_chips: 256, max_chips: 2048, target: 2027-12-31}\n",
                                 "voi.yaml")
                                 .value();
  ForecastOptions o;
  o.samples = 100;
  o.side_samples = 100;
  catalog::Catalog cat = *catalog::Catalog::Builtin();
  ASSERT_TRUE(cat.MergeYaml(
      "model_errors:\n"
      "  source: test\n"
      "  cells:\n"
      "    - {family: ascend-910, workload: training-searched, kind: dense, cases: 4, bias: 0, "
      "sigma: "
      "0.48}\n"
      "    - {family: hopper, workload: training-searched, kind: dense, cases: 12, bias: 0, "
      "sigma: 0.03}\n",
      "voi-errors.yaml"));
  auto f = RunForecast(s, cat, o);
  ASSERT_TRUE(f) << f.error().ToString();
  ASSERT_FALSE(f->value_of_information.empty()) << report::ForecastText(*f);
  const ValueOfInformation& v = f->value_of_information[0];
  EXPECT_TRUE(v.factor.find("model error: run on ascend-910") != std::string::npos) << v.factor;
  EXPECT_EQ(v.buy_if_low, "h100");
  EXPECT_EQ(v.buy_if_high, "ascend-910c");
  EXPECT_GT(v.weeks_gained, 0);
  EXPECT_TRUE(report::ForecastJson(*f).find("\"value_of_information\": [") != std::string::npos);
}

}  // namespace
}  // namespace suanli::plan

namespace suanli::plan {
namespace {

// A split run needs one dtype every type it spans has. An FP8-only part (BF16 marked
// unsupported) and the 910C (no FP8) share none: the scenario is refused at the policy.
TEST(ForecastChoices, SplitWithoutACommonDtypeIsRefusedAtThePolicy) {
  catalog::Catalog cat = *catalog::Catalog::Builtin();
  ASSERT_TRUE(
      cat.MergeYaml("chips:\n"
                    "  - id: fp8-npu\n"
                    "    name: FP8-only NPU\n"
                    "    vendor: Test\n"
                    "    family: hopper\n"
                    "    peak_tflops:\n"
                    "      fp8: {value: 1000, source: [S2], confidence: estimate}\n"
                    "      bf16: {unsupported: true, source: [S2], confidence: estimate}\n"
                    "    memory_gib: {value: 96, source: [S2], confidence: estimate}\n",
                    "fp8-npu.yaml"));
  ASSERT_TRUE(cat.Validate());
  const std::string yaml =
      "scenario: {name: s, start: 2027-01-01, period: month, horizon: 6}\n"
      "fleet:\n"
      "  - {chip: fp8-npu, count: 512}\n"
      "  - {chip: ascend-910c, count: 512}\n"
      "workloads:\n"
      "  training:\n"
      "    - {name: run, model: llama-3-8b, tokens: 1e12, dtypes: [fp8, bf16], "
      "chips: [fp8-npu, ascend-910c], max_chips: 1024, target: 2027-06-30}\n"
      "policy:\n"
      "  training_across_types: split-balanced\n";  // 9
  auto ok = ValidateScenario(Parse(yaml), cat);
  ASSERT_FALSE(ok);
  EXPECT_EQ(ok.error().line, 9);
  EXPECT_EQ(ok.error().field, "policy.training_across_types");
  EXPECT_TRUE(
      Contains(ok.error().message, "no dtype of [fp8, bf16] runs on all of fp8-npu, ascend-910c"))
      << ok.error().message;
  // One type at a time, each runs its own: allowed.
  std::string one = yaml;
  one.replace(one.find("split-balanced"), 14, "switch");
  EXPECT_TRUE(ValidateScenario(Parse(one), cat));
}

}  // namespace
}  // namespace suanli::plan
