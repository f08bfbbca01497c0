// Supply side: distribution quantiles against closed forms, scenario YAML
// errors (file, 1-based line counted by hand in the literals, field), and
// fleet samples whose tables are worked out by hand in the comments.
#include "supply/scenario.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "supply/distribution.h"
#include "supply/sampler.h"
#include "testing.h"

namespace suanli::supply {
namespace {

constexpr const char* kFile = "plans/tiny.yaml";

using testing::Contains;

// --- distributions ----------------------------------------------------------

TEST(DistributionTest, FixedIsConstant) {
  const Distribution d = Distribution::Fixed(7);
  Rng rng(1, 0);
  for (double p : {0.01, 0.5, 0.99}) EXPECT_EQ(d.Quantile(p), 7);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(d.Sample(rng), 7);
}

TEST(DistributionTest, UniformQuantiles) {
  // U[2, 6]: Q(p) = 2 + 4 p.
  const Distribution d{Distribution::Kind::kUniform, 2, 6, 4};
  EXPECT_NEAR(d.Quantile(0.1), 2.4, 1e-12);
  EXPECT_NEAR(d.Quantile(0.5), 4.0, 1e-12);
  EXPECT_NEAR(d.Quantile(0.9), 5.6, 1e-12);
  Rng rng(5, 1);
  for (int i = 0; i < 1000; ++i) {
    const double x = d.Sample(rng);
    EXPECT_GE(x, 2);
    EXPECT_LT(x, 6);
  }
}

TEST(DistributionTest, TriangularQuantiles) {
  // min a = 1, mode c = 3, max b = 7. CDF: F(x) = (x-a)^2 / ((b-a)(c-a)) for
  // x <= c, 1 - (b-x)^2 / ((b-a)(b-c)) above; F(c) = 2/6 = 1/3.
  //   p = 0.1 < 1/3: x = 1 + sqrt(0.1 x 6 x 2) = 1 + sqrt(1.2) = 2.0954451150
  //   p = 0.5:       x = 7 - sqrt(0.5 x 6 x 4) = 7 - sqrt(12)  = 3.5358983849
  //   p = 0.9:       x = 7 - sqrt(0.1 x 6 x 4) = 7 - sqrt(2.4) = 5.4508066615
  const Distribution d{Distribution::Kind::kTriangular, 1, 7, 3};
  EXPECT_NEAR(d.Quantile(0.1), 2.0954451150, 1e-9);
  EXPECT_NEAR(d.Quantile(0.5), 3.5358983849, 1e-9);
  EXPECT_NEAR(d.Quantile(0.9), 5.4508066615, 1e-9);
  EXPECT_NEAR(d.Quantile(1.0 / 3), 3.0, 1e-9);  // the mode
  // A degenerate triangle (min = mode = max) is that number.
  const Distribution point{Distribution::Kind::kTriangular, 4, 4, 4};
  EXPECT_NEAR(point.Quantile(0.3), 4.0, 1e-12);
  // Mode at the minimum: F(x) = 1 - (b-x)^2/(b-a)^2 on [0, 10]:
  // Q(0.75) = 10 - sqrt(0.25) x 10 = 5.
  const Distribution left{Distribution::Kind::kTriangular, 0, 10, 0};
  EXPECT_NEAR(left.Quantile(0.75), 5.0, 1e-9);
}

TEST(DistributionTest, LognormalMedianAndP90) {
  // Median m, sigma s: Q(p) = m exp(s z_p); z_0.5 = 0, z_0.9 = 1.2815515655.
  const Distribution d{Distribution::Kind::kLognormal, 1500, 0, 0.35};
  EXPECT_DOUBLE_EQ(d.Quantile(0.5), 1500);
  EXPECT_NEAR(d.Quantile(0.9) / (1500 * std::exp(1.2815515655 * 0.35)), 1.0, 1e-9);
  EXPECT_NEAR(d.Quantile(0.1) / (1500 * std::exp(-1.2815515655 * 0.35)), 1.0, 1e-9);
  // Half the samples fall below the median.
  Rng rng(9, 2);
  int below = 0;
  for (int i = 0; i < 20000; ++i) below += d.Sample(rng) < 1500;
  EXPECT_NEAR(below / 20000.0, 0.5, 0.015);
}

TEST(DistributionTest, NormalQuantile) {
  // Published: z_0.975 = 1.959963985, z_0.9 = 1.281551566, z_0.5 = 0.
  EXPECT_NEAR(NormalQuantile(0.975), 1.959963985, 1e-8);
  EXPECT_NEAR(NormalQuantile(0.025), -1.959963985, 1e-8);
  EXPECT_NEAR(NormalQuantile(0.9), 1.2815515655, 1e-8);
  EXPECT_NEAR(NormalQuantile(0.5), 0.0, 1e-12);
}

// --- scenario YAML ------------------------------------------------------------

// A valid scenario; the trailing comment is each line's 1-based number.
const std::vector<std::string> kBase = {
    "scenario:",                                // 1
    "  name: tiny",                             // 2
    "  start: 2027-01-01",                      // 3
    "  period: month",                          // 4
    "  horizon: 6",                             // 5
    "inputs:",                                  // 6
    "  - name: yield",                          // 7
    "    distribution: {uniform: [0.5, 1.0]}",  // 8
    "fleet:",                                   // 9
    "  - {chip: h100, count: 50}",              // 10
    "deliveries:",                              // 11
    "  - chip: h100",                           // 12
    "    from: 2027-01",                        // 13
    "    to: 2027-12",                          // 14
    "    per_period: {fixed: 100}",             // 15
    "events:",                                  // 16
    "  - name: cutoff",                         // 17
    "    probability: 1",                       // 18
    "    window: [2027-04-01, 2027-04-30]",     // 19
    "    effect: remove",                       // 20
    "    chip: h100",                           // 21
    "workloads:",                               // 22
    "  training:",                              // 23
    "    - name: run",                          // 24
    "      model: llama-3-8b",                  // 25
    "      tokens: 1e12",                       // 26
    "      chips: [h100]",                      // 27
    "      min_chips: 8",                       // 28
    "      max_chips: 64",                      // 29
    "      target: 2027-06-30",                 // 30
};

std::string Text(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// The base with line `n` (1-based) replaced.
std::string Replace(int n, const std::string& line) {
  auto lines = kBase;
  lines.at(n - 1) = line;
  return Text(lines);
}

// The base with `extra` inserted after line `n`.
std::string InsertAfter(int n, const std::vector<std::string>& extra) {
  auto lines = kBase;
  lines.insert(lines.begin() + n, extra.begin(), extra.end());
  return Text(lines);
}

// The base without lines first..last (1-based, inclusive).
std::string Without(int first, int last) {
  auto lines = kBase;
  lines.erase(lines.begin() + first - 1, lines.begin() + last);
  return Text(lines);
}

Error ParseError(const std::string& text) {
  auto r = ParseScenario(text, kFile);
  if (r) {
    ADD_FAILURE() << "expected an error for:\n" << text;
    return Error{};
  }
  return r.error();
}

void ExpectError(const std::string& text, int line, const std::string& field,
                 const std::string& in_message = "") {
  auto r = ParseScenario(text, kFile);
  if (r) {
    ADD_FAILURE() << "accepted; expected an error at line " << line << " (" << field << ") in:\n"
                  << text;
    return;
  }
  const Error& e = r.error();
  EXPECT_EQ(e.file, kFile) << e.ToString();
  EXPECT_EQ(e.line, line) << e.ToString();
  EXPECT_EQ(e.field, field) << e.ToString();
  if (!in_message.empty()) {
    EXPECT_TRUE(Contains(e.message, in_message)) << e.ToString();
  }
  // The one-line form leads with file:line.
  EXPECT_TRUE(Contains(e.ToString(), std::string(kFile) + ":" + std::to_string(line) + ": "))
      << e.ToString();
}

TEST(ScenarioYamlTest, ValidMinimalScenario) {
  auto r = ParseScenario(Text(kBase), kFile);
  ASSERT_TRUE(r) << r.error().ToString();
  const Scenario& s = *r;
  EXPECT_EQ(s.name, "tiny");
  EXPECT_EQ(s.start.ToString(), "2027-01-01");
  EXPECT_EQ(s.period, PeriodUnit::kMonth);
  EXPECT_EQ(s.horizon, 6);
  ASSERT_EQ(s.inputs.size(), 1u);
  EXPECT_EQ(s.inputs[0].distribution.kind, Distribution::Kind::kUniform);
  EXPECT_EQ(s.inputs[0].distribution.a, 0.5);
  EXPECT_EQ(s.inputs[0].distribution.b, 1.0);
  ASSERT_EQ(s.fleet.size(), 1u);
  EXPECT_EQ(s.fleet[0].chip, "h100");
  EXPECT_EQ(s.fleet[0].count, 50);
  ASSERT_EQ(s.deliveries.size(), 1u);
  EXPECT_EQ(s.deliveries[0].from.ToString(), "2027-01-01");
  EXPECT_EQ(s.deliveries[0].to.ToString(), "2027-12-01");
  EXPECT_EQ(s.deliveries[0].per_period.kind, Distribution::Kind::kFixed);
  EXPECT_EQ(s.deliveries[0].per_period.a, 100);
  EXPECT_FALSE(s.deliveries[0].draw_each_period);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].effect, Event::Effect::kRemove);
  EXPECT_EQ(s.events[0].probability, 1);
  EXPECT_EQ(s.events[0].window_to.ToString(), "2027-04-30");
  ASSERT_EQ(s.training.size(), 1u);
  const TrainingRun& t = s.training[0];
  EXPECT_EQ(t.model, "llama-3-8b");
  EXPECT_EQ(t.tokens, 1e12);
  EXPECT_EQ(t.dtypes, std::vector<std::string>{"bf16"});  // the default
  EXPECT_EQ(t.min_chips, 8);
  EXPECT_EQ(t.max_chips, 64);
  EXPECT_EQ(t.earliest_start.ToString(), "2027-01-01");  // defaults to the start
  EXPECT_EQ(t.target.ToString(), "2027-06-30");
  EXPECT_EQ(t.priority, 1);
  EXPECT_TRUE(s.services.empty());
  EXPECT_FALSE(s.policy.inference_first);
  EXPECT_EQ(s.ChipIds(), std::vector<std::string>{"h100"});
}

TEST(ScenarioYamlTest, ChipIdsAreNormalizedAndSorted) {
  auto r = ParseScenario(InsertAfter(10, {"  - {chip: Ascend_910C, count: 5}"}), kFile);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->fleet[1].chip, "ascend-910c");
  EXPECT_EQ(r->ChipIds(), (std::vector<std::string>{"ascend-910c", "h100"}));
}

TEST(ScenarioYamlTest, PeriodArithmetic) {
  auto r = ParseScenario(Text(kBase), kFile);
  ASSERT_TRUE(r);
  Scenario s = *r;
  // Months from 2027-01-01: January has 31 days, February 2027 28.
  EXPECT_EQ(s.PeriodStart(1).ToString(), "2027-02-01");
  EXPECT_EQ(s.PeriodSeconds(0), 31 * 86400.0);
  EXPECT_EQ(s.PeriodSeconds(1), 28 * 86400.0);
  EXPECT_EQ(s.PeriodOf(*Date::Parse("2027-01-01")), 0);
  EXPECT_EQ(s.PeriodOf(*Date::Parse("2027-01-31")), 0);
  EXPECT_EQ(s.PeriodOf(*Date::Parse("2027-04-15")), 3);
  EXPECT_EQ(s.PeriodOf(*Date::Parse("2026-12-31")), -1);
  // A start mid-month: periods run from the 15th to the 14th.
  s.start = *Date::Parse("2027-01-15");
  EXPECT_EQ(s.PeriodOf(*Date::Parse("2027-02-14")), 0);
  EXPECT_EQ(s.PeriodOf(*Date::Parse("2027-02-15")), 1);
  // Weeks: 7 days each, days before the start in period -1, -2, ...
  s.period = PeriodUnit::kWeek;
  s.start = *Date::Parse("2027-01-01");
  EXPECT_EQ(s.PeriodStart(2).ToString(), "2027-01-15");
  EXPECT_EQ(s.PeriodSeconds(0), 7 * 86400.0);
  EXPECT_EQ(s.PeriodOf(*Date::Parse("2027-01-07")), 0);
  EXPECT_EQ(s.PeriodOf(*Date::Parse("2027-01-08")), 1);
  EXPECT_EQ(s.PeriodOf(*Date::Parse("2026-12-31")), -1);
  EXPECT_EQ(s.PeriodOf(*Date::Parse("2026-12-25")), -1);  // 7 days before
  EXPECT_EQ(s.PeriodOf(*Date::Parse("2026-12-24")), -2);  // 8 days before
}

// Whatever the start day, the period that contains PeriodStart(i) is i, and
// the day before it is in i - 1. A start on the 31st clamps: period 1 of a
// scenario starting 2027-01-31 starts 2027-02-28, period 2 on 2027-03-31.
TEST(ScenarioYamlTest, PeriodOfInvertsPeriodStart) {
  auto r = ParseScenario(Text(kBase), kFile);
  ASSERT_TRUE(r);
  Scenario s = *r;
  for (const char* start : {"2027-01-01", "2027-01-15", "2027-01-28", "2027-01-29", "2027-01-30",
                            "2027-01-31", "2027-03-31"}) {
    s.start = *Date::Parse(start);
    for (int i = 0; i < 24; ++i) {
      const Date d = s.PeriodStart(i);
      EXPECT_EQ(s.PeriodOf(d), i) << "start " << start << ", period " << i << " starts "
                                  << d.ToString();
      EXPECT_EQ(s.PeriodOf(d.AddDays(-1)), i - 1)
          << "start " << start << ", the day before period " << i << " (" << d.ToString() << ")";
    }
  }
  s.start = *Date::Parse("2027-01-31");
  EXPECT_EQ(s.PeriodStart(1).ToString(), "2027-02-28");
  EXPECT_EQ(s.PeriodStart(2).ToString(), "2027-03-31");
}

TEST(ScenarioYamlTest, PowerCaps) {
  auto r = ParseScenario(
      InsertAfter(10, {"power_caps:", "  - {chip: H100, watts: 600, note: hall}"}), kFile);
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_EQ(r->power_caps.size(), 1u);
  EXPECT_EQ(r->power_caps[0].chip, "h100");
  EXPECT_EQ(r->power_caps[0].watts, 600);
  // Caps are not supply: the chip columns do not change.
  EXPECT_EQ(r->ChipIds(), std::vector<std::string>{"h100"});
  ExpectError(InsertAfter(10, {"power_caps:", "  - {chip: h100, watts: 0}"}), 12,
              "power_caps[0].watts");
  ExpectError(InsertAfter(10, {"power_caps:", "  - {chip: h100}"}), 12, "power_caps[0].watts");
  ExpectError(InsertAfter(10, {"power_caps:", "  - {chip: h100, watts: 600}",
                               "  - {chip: h100, watts: 500}"}),
              13, "power_caps[1].chip", "two power caps");
}

// yaml-cpp keeps every duplicate key and `map[key]` returns the first: an override appended at
// the end of a file was ignored. Now each is an error at the second key.
TEST(ScenarioYamlTest, DuplicateKeysAreErrors) {
  ExpectError(InsertAfter(5, {"  horizon: 3"}), 6, "scenario.horizon",
              "duplicate key (first at line 5)");
  ExpectError(InsertAfter(30, {"      tokens: 2e12"}), 31, "workloads.training[0].tokens",
              "first at line 26");
  ExpectError(InsertAfter(30, {"fleet:", "  - {chip: h20, count: 5}"}), 31, "fleet",
              "first at line 9");
  ExpectError(Replace(10, "  - {chip: h100, count: 50, count: 60}"), 10, "fleet[0].count",
              "duplicate key");
}

// Token counts as users type them on the command line: "tokens: 40T" was "expected a number".
// 2Ti = 2 x 2^40 tokens; 2k = 2,000 (K is a power of 1000). Out of range and trailing text are
// still errors at the line.
// As planners write them: a target month is the end of that month (a run due "by 2027-06" may
// finish on the 30th; 2027-06-01 made P(target) a month stricter), and a fraction may be a
// percentage (35% is 0.35).
TEST(ScenarioYamlTest, TargetMonthsAndPercentages) {
  auto r = ParseScenario(Replace(30, "      target: 2027-06"), kFile);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->training[0].target.ToString(), "2027-06-30");
  r = ParseScenario(Replace(30, "      target: 2028-02"), kFile);  // a leap year's February
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->training[0].target.ToString(), "2028-02-29");
  r = ParseScenario(Replace(30, "      target: 2027-06-15"), kFile);  // a day stays that day
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->training[0].target.ToString(), "2027-06-15");
  r = ParseScenario(Replace(18, "    probability: 35%"), kFile);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_DOUBLE_EQ(r->events[0].probability, 0.35);
  auto service = InsertAfter(
      30, {"  inference:", "    - name: chat", "      model: llama-3-8b", "      input_tokens: 2k",
           "      output_tokens: 512", "      demand_tokens_per_s: 1M",
           "      growth_per_period: 8 %", "      chips: [h100]"});
  r = ParseScenario(service, kFile);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_DOUBLE_EQ(r->services[0].growth_per_period, 0.08);
  ExpectError(Replace(18, "    probability: 135%"), 18, "events[0].probability", "out of range");
  ExpectError(Replace(18, "    probability: lots%"), 18, "events[0].probability",
              "a number or a percentage");
  // A percentage is only for fractions: a TPOT is not one.
  ExpectError(InsertAfter(30, {"  inference:", "    - name: chat", "      model: llama-3-8b",
                               "      input_tokens: 2k", "      output_tokens: 512",
                               "      demand_tokens_per_s: 1M", "      tpot_ms: 50%",
                               "      chips: [h100]"}),
              37, "workloads.inference[0].tpot_ms", "expected a number");
}

// A service's demand as providers report it, tokens a day: the day's average a second. 1B/day = 1e9
// / 86,400 s = 11,574.07 tokens/s; 16.4万亿/天 = 1.64e13 / 86,400 = 1.898e8. Audit round 19:
// "1B/day" was "expected a number".
TEST(ScenarioYamlTest, DemandTakesARateOverADay) {
  auto with = [](const std::string& demand) {
    return InsertAfter(30, {"  inference:", "    - name: chat", "      model: llama-3-8b",
                            "      demand_tokens_per_s: " + demand, "      chips: [h100]"});
  };
  for (const auto& [typed, per_s] :
       std::vector<std::pair<std::string, double>>{{"1B/day", 1e9 / 86400},
                                                   {"1B tokens/day", 1e9 / 86400},
                                                   {"16.4万亿/天", 1.64e13 / 86400},
                                                   {"2M tokens/s", 2e6},
                                                   {"60M/min", 1e6},
                                                   {"3.6B per hour", 1e6}}) {
    auto r = ParseScenario(with(typed), kFile);
    ASSERT_TRUE(r) << typed << ": " << r.error().ToString();
    EXPECT_NEAR(r->services[0].demand_tokens_per_s, per_s, per_s * 1e-12) << typed;
  }
  ExpectError(with("lots/day"), 34, "workloads.inference[0].demand_tokens_per_s",
              "expected a rate");
  // 1e20 a day is 1.16e15 a second, above the 1e12 the field takes.
  ExpectError(with("1e20/day"), 34, "workloads.inference[0].demand_tokens_per_s", "out of range");
}

// A value given through a YAML alias is read at the anchor, earlier in the file: its error names
// the line of the key the alias is written under (the anchor's line, said as well), not the
// anchor's line alone, which holds another field that is right (audit round 20).
TEST(ScenarioYamlTest, AnAliasIsNamedWhereItIsWritten) {
  auto lines = kBase;
  lines[24] = "      model: &m llama-3-8b";  // line 25: the anchor, a model id
  lines[25] = "      tokens: *m";            // line 26: the alias, under tokens
  ExpectError(Text(lines), 26, "workloads.training[0].tokens",
              "(the value is an alias of line 25)");
  // A key inside an aliased mapping: per_period's fixed is the inputs' uniform mapping.
  lines = kBase;
  lines[7] = "    distribution: &d {uniform: [0.5, 1.0]}";  // line 8
  lines[14] = "    per_period: {fixed: *d}";                // line 15
  ExpectError(Text(lines), 15, "deliveries[0].per_period.fixed", "alias of line 8");
  // Without aliases the lines are the values' own, as before.
  ExpectError(Replace(26, "      tokens: lots"), 26, "workloads.training[0].tokens");
  // A list item given whole as an alias (`- *d`, line 11): the mapping anchored at line 8 is a
  // distribution, no fleet entry (its key uniform is unknown there). It named line 9 (`fleet:`,
  // the nearest key), which holds nothing wrong; now the alias's.
  lines = kBase;
  lines[7] = "    distribution: &d {uniform: [0.5, 1.0]}";  // line 8
  lines.insert(lines.begin() + 10, "  - *d");               // line 11
  ExpectError(Text(lines), 11, "fleet[1].uniform", "alias of line 8");
}

// A start moved back (or a horizon shortened) past a run's earliest start: the run could never
// start, which the forecast only said as "beyond the horizon (0 % of samples finish)". Start
// 2027-01-01 + 6 months ends 2027-06-30; earliest_start 2027-07 is the day after.
TEST(ScenarioYamlTest, ARunThatCouldNeverStartIsNamed) {
  auto late = InsertAfter(29, {"      earliest_start: 2027-07"});
  ExpectError(late, 30, "workloads.training[0].earliest_start",
              "earliest_start 2027-07-01 is after the horizon's last period (start 2027-01-01 + 6 "
              "months ends 2027-06-30)");
  // The last period's first day still runs.
  auto r = ParseScenario(InsertAfter(29, {"      earliest_start: 2027-06"}), kFile);
  ASSERT_TRUE(r) << r.error().ToString();
  // Weekly periods: 2027-01-01 + 6 weeks ends 2027-02-11.
  auto weeks = kBase;
  weeks[3] = "  period: week";
  weeks.insert(weeks.begin() + 29, "      earliest_start: 2027-02-12");
  ExpectError(Text(weeks), 30, "workloads.training[0].earliest_start", "6 weeks ends 2027-02-11");
}

// A tab in the indentation (a hand-edited file) says so; yaml-cpp's own words were only "illegal
// block entry" / "illegal map value".
TEST(ScenarioYamlTest, TabIndentationIsNamed) {
  ExpectError(Replace(10, "\t- {chip: h100, count: 50}"), 10, "", "indents with a tab");
  ExpectError(Replace(4, "\tperiod: month"), 4, "", "indents with a tab");
}

TEST(ScenarioYamlTest, TokenCountsTakeAmountSuffixes) {
  auto r = ParseScenario(Replace(26, "      tokens: 15T"), kFile);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->training[0].tokens, 15e12);
  r = ParseScenario(Replace(26, "      tokens: 2Ti"), kFile);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->training[0].tokens, 2.0 * 1099511627776.0);
  auto service = InsertAfter(
      30, {"  inference:", "    - name: chat", "      model: llama-3-8b", "      input_tokens: 2k",
           "      output_tokens: 0.5K", "      demand_tokens_per_s: 1.5M", "      chips: [h100]"});
  r = ParseScenario(service, kFile);
  ASSERT_TRUE(r) << r.error().ToString();
  // Sequence lengths take K as 1024, as on the command line: 2k is 2,048, 0.5K 512.
  EXPECT_EQ(r->services[0].input_tokens, 2048);
  EXPECT_EQ(r->services[0].output_tokens, 512);
  EXPECT_EQ(r->services[0].demand_tokens_per_s, 1.5e6);
  ExpectError(Replace(26, "      tokens: 2E"), 26, "workloads.training[0].tokens",
              "expected a number");
  ExpectError(Replace(26, "      tokens: 2000P"), 26, "workloads.training[0].tokens",
              "out of range");
}

// Chip counts take the same suffixes (K = 1,000: no sequence length here), in a fleet, a
// delivery's distribution and a run's chip bounds; "--set fleet.0.count=10K" goes through here.
TEST(ScenarioYamlTest, ChipCountsTakeAmountSuffixes) {
  auto lines = kBase;
  lines[9] = "  - {chip: h100, count: 10K}";
  lines[14] = "    per_period: {triangular: [1k, 1.5K, 2K]}";
  lines[27] = "      min_chips: 1K";
  lines[28] = "      max_chips: 4K";
  auto r = ParseScenario(Text(lines), kFile);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->fleet[0].count, 10000);
  EXPECT_EQ(r->deliveries[0].per_period.a, 1000);
  EXPECT_EQ(r->deliveries[0].per_period.c, 1500);
  EXPECT_EQ(r->deliveries[0].per_period.b, 2000);
  EXPECT_EQ(r->training[0].min_chips, 1000);
  EXPECT_EQ(r->training[0].max_chips, 4000);
  ExpectError(Replace(10, "  - {chip: h100, count: 10Q}"), 10, "fleet[0].count",
              "expected a number");
  ExpectError(Replace(15, "    per_period: -2K"), 15, "deliveries[0].per_period", "negative");
}

// A list as a key (`? [a, b]`) failed as yaml-cpp's "bad conversion" wherever a loader read
// the key; now it is an error at the key.
TEST(ScenarioYamlTest, KeysAreNames) {
  ExpectError(InsertAfter(5, {"  ? [a, b]", "  : 1"}), 6, "scenario", "a key must be a name");
}

TEST(ScenarioYamlTest, OneDocumentPerFile) {
  // A leading `---` is one document.
  ASSERT_TRUE(ParseScenario("---\n" + Text(kBase), kFile));
  ExpectError(Text(kBase) + "---\nscenario: {name: other}\n", 31, "",
              "more than one YAML document");
  ExpectError(Text(kBase) + "---\n", 31, "", "more than one YAML document");
}

TEST(ScenarioYamlTest, TextMustBeUtf8) {
  ExpectError(Replace(2, "  name: caf\xe9"), 2, "", "not valid UTF-8 (byte 0xE9 at column 12)");
  // GBK for "算力" is not UTF-8 either; the UTF-8 spelling is fine.
  ExpectError(Replace(2, "  name: \xcb\xe3\xc1\xa6"), 2, "", "not valid UTF-8");
  auto ok = ParseScenario(Replace(2, "  name: \xe7\xae\x97\xe5\x8a\x9b"), kFile);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->name, "\xe7\xae\x97\xe5\x8a\x9b");
}

TEST(ScenarioYamlTest, UnknownTopLevelKey) {
  ExpectError(InsertAfter(30, {"frobnicate: 1"}), 31, "frobnicate", "unknown field");
}

TEST(ScenarioYamlTest, UnknownPeriod) {
  ExpectError(Replace(4, "  period: day"), 4, "scenario.period", "day");
}

TEST(ScenarioYamlTest, BadDate) {
  ExpectError(Replace(13, "    from: 2027-13"), 13, "deliveries[0].from", "2027-13");
}

TEST(ScenarioYamlTest, ToBeforeFrom) {
  ExpectError(Replace(14, "    to: 2026-12"), 14, "deliveries[0].to", "before");
}

TEST(ScenarioYamlTest, UnknownDistribution) {
  ExpectError(Replace(15, "    per_period: {beta: [2, 5]}"), 15, "deliveries[0].per_period",
              "beta");
}

TEST(ScenarioYamlTest, TriangularMinAboveMode) {
  ExpectError(Replace(8, "    distribution: {triangular: [0.9, 0.5, 1.0]}"), 8,
              "inputs[0].distribution.triangular", "min <= mode");
}

TEST(ScenarioYamlTest, NegativeSupply) {
  ExpectError(Replace(15, "    per_period: {fixed: -5}"), 15, "deliveries[0].per_period",
              "negative");
  ExpectError(Replace(15, "    per_period: -5"), 15, "deliveries[0].per_period", "negative");
  // U[-5, 5] can draw below zero.
  ExpectError(Replace(15, "    per_period: {uniform: [-5, 5]}"), 15, "deliveries[0].per_period",
              "negative");
  ExpectError(Replace(10, "  - {chip: h100, count: -50}"), 10, "fleet[0].count", "out of range");
  // An add event whose bare amount is negative would take chips away
  // (line 20 becomes "effect: add", the amount goes in as line 22).
  auto lines = kBase;
  lines[20 - 1] = "    effect: add";
  lines.insert(lines.begin() + 21, "    amount: -100");
  ExpectError(Text(lines), 22, "events[0].amount", "negative");
}

TEST(ScenarioYamlTest, ScaleByUndefinedInput) {
  ExpectError(InsertAfter(15, {"    scale_by: hbm"}), 16, "deliveries[0].scale_by", "hbm");
}

TEST(ScenarioYamlTest, EventProbabilityAboveOne) {
  ExpectError(Replace(18, "    probability: 1.5"), 18, "events[0].probability", "1.5");
}

TEST(ScenarioYamlTest, DuplicateWorkloadNames) {
  const std::string text = InsertAfter(30, {
                                               "  inference:",                     // 31
                                               "    - name: run",                  // 32
                                               "      model: llama-3-8b",          // 33
                                               "      demand_tokens_per_s: 1000",  // 34
                                               "      chips: [h100]",              // 35
                                           });
  const Error e = ParseError(text);
  EXPECT_EQ(e.file, kFile);
  EXPECT_TRUE(Contains(e.message, "'run'")) << e.ToString();
  EXPECT_TRUE(Contains(e.field, "workloads")) << e.ToString();
  // The duplicate is defined on line 24 and again on line 32; either
  // definition is a useful place to point at.
  EXPECT_TRUE(e.line == 24 || e.line == 32) << e.ToString();
}

TEST(ScenarioYamlTest, NoWorkloads) {
  // Lines 22-30 removed: the document (line 1) has no workloads.
  ExpectError(Without(22, 30), 1, "workloads", "no workloads");
  // An empty workloads mapping is no better.
  const Error e = ParseError(Without(23, 30));  // "workloads:" with a null value
  EXPECT_EQ(e.file, kFile);
  EXPECT_EQ(e.field, "workloads") << e.ToString();
  EXPECT_GE(e.line, 1);
}

TEST(ScenarioYamlTest, MaxChipsBelowMinChips) {
  ExpectError(Replace(29, "      max_chips: 4"), 29, "workloads.training[0].max_chips",
              "min_chips");
}

TEST(ScenarioYamlTest, MalformedYaml) {
  const Error e = ParseError(Replace(10, "  - {chip: h100, count: 50"));
  EXPECT_EQ(e.file, kFile);
  // Line 10's brace is never closed. Inside the flow mapping, line 11
  // ("deliveries:") still reads as a key; line 12's "- " block entry is the
  // first thing that cannot appear there. Lines 10..12 are all honest.
  EXPECT_GE(e.line, 10) << e.ToString();
  EXPECT_LE(e.line, 12) << e.ToString();
  EXPECT_FALSE(e.message.empty());
  // A tab where indentation is expected.
  const Error t = ParseError("scenario:\n  name: x\n\tstart: 2027-01\n");
  EXPECT_EQ(t.file, kFile);
  EXPECT_GE(t.line, 1);
  EXPECT_LE(t.line, 3);
}

TEST(ScenarioYamlTest, BuiltinScenariosParse) {
  const auto names = BuiltinScenarioNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "china-2026"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "cloud-inference-first"), names.end());
  for (const auto& name : names) {
    auto s = BuiltinScenario(name);
    ASSERT_TRUE(s) << name << ": " << s.error().ToString();
    EXPECT_EQ(s->name, name);
    EXPECT_GT(s->horizon, 0);
    EXPECT_FALSE(s->training.empty() && s->services.empty());
  }
  // Names are lower case; a user's capitals are the same scenario.
  auto typed = BuiltinScenario("China-2026");
  ASSERT_TRUE(typed) << typed.error().ToString();
  EXPECT_EQ(typed->name, "china-2026");
  auto bad = BuiltinScenario("china-2025");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(Contains(bad.error().message, "china-2026")) << bad.error().message;
}

// --- fleet samples --------------------------------------------------------------

// 50 H100 on hand from 2027-01, 100 more delivered each month of 2027,
// monthly for six periods; extra YAML lines are appended (events: ...).
std::string Fleet(const std::string& delivery = "{fixed: 100}", const std::string& extra = "") {
  return "scenario: {name: f, start: 2027-01-01, period: month, horizon: 6}\n"
         "inputs:\n"
         "  - {name: yield, distribution: {uniform: [0.5, 1.0]}}\n"
         "fleet:\n"
         "  - {chip: h100, count: 50}\n"
         "deliveries:\n"
         "  - {chip: h100, from: 2027-01, to: 2027-12, per_period: " +
         delivery +
         "}\n"
         "workloads:\n"
         "  training:\n"
         "    - {name: run, model: llama-3-8b, tokens: 1e12, chips: [h100], max_chips: 64, "
         "target: 2027-06-30}\n" +
         extra;
}

Scenario Parse(const std::string& text) {
  auto r = ParseScenario(text, kFile);
  EXPECT_TRUE(r) << r.error().ToString() << "\n" << text;
  return r ? *r : Scenario{};
}

std::vector<double> Column(const FleetSample& f, const std::string& chip) {
  const auto it = std::find(f.chips.begin(), f.chips.end(), chip);
  EXPECT_NE(it, f.chips.end()) << chip;
  std::vector<double> out;
  if (it == f.chips.end()) return out;
  const size_t c = it - f.chips.begin();
  for (const auto& row : f.available) out.push_back(row[c]);
  return out;
}

using Table = std::vector<double>;

TEST(SampleFleetTest, DeliveriesServeFromTheNextPeriod) {
  // available[t] = 50 + 100 t: period t's delivery counts from period t+1.
  const FleetSample f = SampleFleet(Parse(Fleet()), 1, 0);
  ASSERT_EQ(f.available.size(), 6u);
  EXPECT_EQ(Column(f, "h100"), (Table{50, 150, 250, 350, 450, 550}));
  EXPECT_TRUE(f.events_fired.empty());
}

TEST(SampleFleetTest, DeliveryWindowIsInclusive) {
  // Deliveries in periods 0..2 (2027-01..2027-03), none after:
  //   t:          0    1    2    3    4    5
  //   arrivals: 100  100  100    0    0    0
  //   on hand:   50  150  250  350  350  350
  std::string text = Fleet();
  text.replace(text.find("to: 2027-12"), 11, "to: 2027-03");
  EXPECT_EQ(Column(SampleFleet(Parse(text), 1, 0), "h100"), (Table{50, 150, 250, 350, 350, 350}));
  // Starting before the scenario: from period 0 all the same.
  text = Fleet();
  text.replace(text.find("from: 2027-01"), 13, "from: 2026-06");
  EXPECT_EQ(Column(SampleFleet(Parse(text), 1, 0), "h100"), (Table{50, 150, 250, 350, 450, 550}));
}

const char* kCutoff =
    "events:\n"
    "  - {name: cutoff, probability: 1, window: [2027-04-01, 2027-04-30], effect: remove, "
    "chip: h100}\n";

TEST(SampleFleetTest, RemoveEventStopsDeliveries) {
  // The event fires (p = 1) on a day in April 2027 = period 3; from then on
  // no deliveries:
  //   t:          0    1    2    3    4    5
  //   arrivals: 100  100  100    0    0    0
  //   on hand:   50  150  250  350  350  350
  for (uint64_t index = 0; index < 5; ++index) {
    const FleetSample f = SampleFleet(Parse(Fleet("{fixed: 100}", kCutoff)), 1, index);
    EXPECT_EQ(Column(f, "h100"), (Table{50, 150, 250, 350, 350, 350})) << "sample " << index;
    EXPECT_EQ(f.events_fired, std::vector<std::string>{"cutoff"});
  }
}

TEST(SampleFleetTest, AddEventAddsEachPeriod) {
  // 10 B30A a period from period 3 (April), a chip with no fleet of its own;
  // and 7 more H100 a period from period 2 (March):
  //   t:            0    1    2    3    4    5
  //   b30a in:      0    0    0   10   10   10  -> on hand 0 0 0 0 10 20
  //   h100 in:    100  100  107  107  107  107  -> on hand 50 150 250 357 464 571
  const std::string events =
      "events:\n"
      "  - {name: b30a, probability: 1, window: [2027-04-01, 2027-04-30], effect: add, chip: "
      "b30a, amount: 10}\n"
      "  - {name: more, probability: 1, window: [2027-03-10, 2027-03-10], effect: add, chip: "
      "h100, amount: {fixed: 7}}\n";
  const FleetSample f = SampleFleet(Parse(Fleet("{fixed: 100}", events)), 1, 0);
  EXPECT_EQ(f.chips, (std::vector<std::string>{"b30a", "h100"}));
  EXPECT_EQ(Column(f, "b30a"), (Table{0, 0, 0, 0, 10, 20}));
  EXPECT_EQ(Column(f, "h100"), (Table{50, 150, 250, 357, 464, 571}));
  EXPECT_EQ(f.events_fired, (std::vector<std::string>{"b30a", "more"}));
}

TEST(SampleFleetTest, EventDateCoversTheWholeWindow) {
  // A two-day window, 2027-04-30 (period 3) to 2027-05-01 (period 4), each
  // day drawn with probability 1/2: over 400 samples both occur (the chance
  // that one never does is 2 x 2^-400).
  //   fired in period 3: b30a on hand 0 0 0 0 10 20
  //   fired in period 4: b30a on hand 0 0 0 0  0 10
  const std::string events =
      "events:\n"
      "  - {name: b30a, probability: 1, window: [2027-04-30, 2027-05-01], effect: add, chip: "
      "b30a, amount: 10}\n";
  const Scenario s = Parse(Fleet("{fixed: 100}", events));
  int april = 0, may = 0;
  for (uint64_t index = 0; index < 400; ++index) {
    const Table b = Column(SampleFleet(s, 1, index), "b30a");
    if (b == Table{0, 0, 0, 0, 10, 20}) {
      ++april;
    } else if (b == Table{0, 0, 0, 0, 0, 10}) {
      ++may;
    } else {
      ADD_FAILURE() << "sample " << index << ": b30a fired outside the window";
    }
  }
  EXPECT_GT(april, 150);
  EXPECT_GT(may, 150) << "2027-05-01, the window's last day, drawn " << may << " times in 400";
}

TEST(SampleFleetTest, AddAfterRemoveStillAdds) {
  // Removal zeroes deliveries from period 3, the add event's 10 a period
  // still arrive: arrivals 100 100 100 10 10 10 -> 50 150 250 350 360 370.
  const std::string events = std::string(kCutoff) +
                             "  - {name: gift, probability: 1, window: [2027-04-02, 2027-04-02], "
                             "effect: add, chip: h100, amount: 10}\n";
  EXPECT_EQ(Column(SampleFleet(Parse(Fleet("{fixed: 100}", events)), 1, 0), "h100"),
            (Table{50, 150, 250, 350, 360, 370}));
}

TEST(SampleFleetTest, CapAndScaleEvents) {
  // Cap at 30 from period 3: arrivals 100 100 100 30 30 30 -> 50 150 250 350 380 410.
  const std::string cap =
      "events:\n"
      "  - {name: cap, probability: 1, window: [2027-04-01, 2027-04-30], effect: cap, chip: "
      "h100, amount: 30}\n";
  EXPECT_EQ(Column(SampleFleet(Parse(Fleet("{fixed: 100}", cap)), 1, 0), "h100"),
            (Table{50, 150, 250, 350, 380, 410}));
  // Scale by 0.5 from period 1: arrivals 100 50 50 50 50 50 -> 50 150 200 250 300 350.
  const std::string scale =
      "events:\n"
      "  - {name: half, probability: 1, window: [2027-02-01, 2027-02-28], effect: scale, chip: "
      "h100, amount: 0.5}\n";
  EXPECT_EQ(Column(SampleFleet(Parse(Fleet("{fixed: 100}", scale)), 1, 0), "h100"),
            (Table{50, 150, 200, 250, 300, 350}));
}

TEST(SampleFleetTest, ImpossibleEventNeverFires) {
  const std::string never =
      "events:\n"
      "  - {name: never, probability: 0, window: [2027-02-01, 2027-02-28], effect: remove, chip: "
      "h100}\n";
  for (uint64_t index = 0; index < 20; ++index) {
    const FleetSample f = SampleFleet(Parse(Fleet("{fixed: 100}", never)), 3, index);
    EXPECT_TRUE(f.events_fired.empty());
    EXPECT_EQ(Column(f, "h100"), (Table{50, 150, 250, 350, 450, 550}));
  }
}

TEST(SampleFleetTest, OverridesForceEventsOffAndOn) {
  Overrides off;
  off.happens["event:cutoff"] = false;
  const FleetSample f = SampleFleet(Parse(Fleet("{fixed: 100}", kCutoff)), 1, 0, off);
  EXPECT_TRUE(f.events_fired.empty());
  EXPECT_EQ(Column(f, "h100"), (Table{50, 150, 250, 350, 450, 550}));

  const std::string never =
      "events:\n"
      "  - {name: never, probability: 0, window: [2027-04-01, 2027-04-30], effect: remove, chip: "
      "h100}\n";
  Overrides on;
  on.happens["event:never"] = true;
  const FleetSample g = SampleFleet(Parse(Fleet("{fixed: 100}", never)), 1, 0, on);
  EXPECT_EQ(g.events_fired, std::vector<std::string>{"never"});
  EXPECT_EQ(Column(g, "h100"), (Table{50, 150, 250, 350, 350, 350}));
}

TEST(SampleFleetTest, ExtraChipsArriveAtTheStart) {
  Overrides more;
  more.extra_chips["h100"] = 1000;
  more.extra_chips["b200"] = 500;  // not in the scenario: ignored
  const FleetSample f = SampleFleet(Parse(Fleet()), 1, 0, more);
  EXPECT_EQ(f.chips, std::vector<std::string>{"h100"});
  EXPECT_EQ(Column(f, "h100"), (Table{1050, 1150, 1250, 1350, 1450, 1550}));
}

TEST(SampleFleetTest, QuantileOverridePinsAnInput) {
  // Deliveries of 100 scaled by the yield input U[0.5, 1]; pinned at its
  // median, 0.75: 75 a month -> 50, 125, 200, 275, 350, 425.
  std::string text = Fleet();
  text.replace(text.find("per_period: {fixed: 100}"), 24,
               "per_period: {fixed: 100}, scale_by: yield");
  Overrides mid;
  mid.quantile["input:yield"] = 0.5;
  for (uint64_t index = 0; index < 3; ++index) {
    EXPECT_EQ(Column(SampleFleet(Parse(text), 1, index, mid), "h100"),
              (Table{50, 125, 200, 275, 350, 425}));
  }
  // Unpinned: a level in [50, 100] a month, the same every month.
  const FleetSample f = SampleFleet(Parse(text), 1, 0);
  const Table h = Column(f, "h100");
  const double level = h[1] - h[0];
  EXPECT_GE(level, 50);
  EXPECT_LE(level, 100);
  for (size_t t = 1; t < h.size(); ++t) EXPECT_NEAR(h[t] - h[t - 1], level, 1e-9);
}

TEST(SampleFleetTest, DrawEachPeriodVariesWithinRange) {
  std::string text = Fleet("{uniform: [0, 200]}, draw_each_period: true");
  const FleetSample f = SampleFleet(Parse(text), 1, 0);
  const Table h = Column(f, "h100");
  EXPECT_EQ(h[0], 50);
  bool varied = false;
  for (size_t t = 1; t < h.size(); ++t) {
    EXPECT_GE(h[t] - h[t - 1], 0);
    EXPECT_LE(h[t] - h[t - 1], 200);
    if (t > 1 && std::fabs((h[t] - h[t - 1]) - (h[1] - h[0])) > 1e-9) varied = true;
  }
  EXPECT_TRUE(varied);
}

TEST(SampleFleetTest, SameSeedAndIndexSameFleet) {
  auto s = BuiltinScenario("china-2026");
  ASSERT_TRUE(s);
  bool any_differs = false;
  for (uint64_t index = 0; index < 10; ++index) {
    const FleetSample a = SampleFleet(*s, 7, index);
    const FleetSample b = SampleFleet(*s, 7, index);
    EXPECT_EQ(a.chips, b.chips);
    EXPECT_EQ(a.available, b.available);
    EXPECT_EQ(a.events_fired, b.events_fired);
    if (SampleFleet(*s, 7, index + 1).available != a.available) any_differs = true;
  }
  EXPECT_TRUE(any_differs);
  EXPECT_NE(SampleFleet(*s, 7, 0).available, SampleFleet(*s, 8, 0).available);
}

TEST(SampleFleetTest, PinningOneFactorKeepsTheOthersDraws) {
  // Common random numbers: pinning the first delivery leaves the second's
  // level (and every event) as sampled.
  auto s = BuiltinScenario("china-2026");
  ASSERT_TRUE(s);
  Overrides pin;
  pin.quantile["delivery:0"] = 0.5;
  for (uint64_t index = 0; index < 10; ++index) {
    EXPECT_EQ(SampleFleet(*s, 7, index).events_fired, SampleFleet(*s, 7, index, pin).events_fired);
  }
}

}  // namespace
}  // namespace suanli::supply
