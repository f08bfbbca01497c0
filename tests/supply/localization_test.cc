// `suanli localize`: share(y) = min(1, base x ((1 + domestic) / (1 + demand))^(y - base_year))
// with the two growth rates drawn once per sample. Checked against closed forms: fixed growth
// (no spread), a uniform domestic growth and a uniform demand growth whose quantiles, mean and
// odds of the target follow from the uniform CDF by hand; the shipped automotive sector against
// the bounds of its growth ranges; determinism; and every bad input.
#include "supply/localization.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include "testing.h"

namespace suanli::supply {
namespace {

using testing::Contains;

Sector Hand(double base_share, Distribution domestic, Distribution demand) {
  Sector s;
  s.id = "hand";
  s.name = "Hand-checked sector";
  s.base_year = 2024;
  s.base_share = base_share;
  s.domestic_growth = domestic;
  s.demand_growth = demand;
  return s;
}

// Uniform on [lo, hi] as the YAML loader builds it (c is the midpoint).
Distribution Uniform(double lo, double hi) {
  return {Distribution::Kind::kUniform, lo, hi, (lo + hi) / 2};
}

LocalizationResult Project(const Sector& s, int until, double target, int by, int samples,
                           uint64_t seed = 1) {
  auto r = ProjectLocalization(s, until, target, by, samples, seed);
  EXPECT_TRUE(r) << r.error().ToString();
  return r ? *r : LocalizationResult{};
}

std::string ErrorOf(const Sector& s, int until, double target, int by, int samples) {
  auto r = ProjectLocalization(s, until, target, by, samples, 1);
  EXPECT_FALSE(r) << "accepted until " << until << " target " << target << " by " << by
                  << " samples " << samples;
  // The field it names, then the message: "target 1.5 is not a share ..." (the CLI prints
  // "--target: 1.5 ...", the HTTP API {"field": "target"}).
  return r ? "" : r.error().field + " " + r.error().message;
}

// ---------------------------------------------------------- closed forms --

TEST(LocalizationTest, FixedGrowthCompoundsWithoutSpread) {
  // Domestic +32 %/yr against demand +10 %/yr: the share grows 1.32 / 1.1 = 1.2x a year.
  // 2024 0.5, 2025 0.6, 2026 0.72, 2027 0.864, 2028 min(1, 1.0368) = 1.
  const Sector s = Hand(0.5, Distribution::Fixed(0.32), Distribution::Fixed(0.1));
  const LocalizationResult r = Project(s, 2028, 0.8, 2027, 7);
  const double expect[] = {0.5, 0.6, 0.72, 0.864, 1.0};
  // Reached 0.8 first in 2027 (0.864); never before (0.72 in 2026).
  const double reach[] = {0, 0, 0, 1, 1};
  ASSERT_EQ(r.years.size(), 5u);
  for (int k = 0; k < 5; ++k) {
    const YearShare& y = r.years[k];
    EXPECT_EQ(y.year, 2024 + k);
    EXPECT_NEAR(y.p10, expect[k], 1e-12) << y.year;
    EXPECT_NEAR(y.p50, expect[k], 1e-12) << y.year;
    EXPECT_NEAR(y.p90, expect[k], 1e-12) << y.year;
    EXPECT_NEAR(y.mean, expect[k], 1e-12) << y.year;
    EXPECT_EQ(y.p_reach_target, reach[k]) << y.year;
  }
  EXPECT_EQ(r.years.back().p50, 1.0);  // capped at 1, not 1.0368
  ASSERT_TRUE(r.p_target_by_year);
  EXPECT_EQ(*r.p_target_by_year, 1.0);
  EXPECT_EQ(r.by_year, 2027);
  EXPECT_EQ(r.samples, 7);
  // 100 % is first reached in 2028 (1.0368 capped): not by 2027.
  EXPECT_EQ(*Project(s, 2028, 1.0, 2027, 7).p_target_by_year, 0.0);
  EXPECT_EQ(*Project(s, 2028, 1.0, 2028, 7).p_target_by_year, 1.0);
}

TEST(LocalizationTest, ReachedCountsEarlierYearsWhenTheShareFalls) {
  // Demand +25 %/yr, domestic flat: 0.5, 0.4, 0.32, 0.256. A target of 0.5 was met in the base
  // year, so the odds of having reached it stay 1 while the share falls below it.
  const Sector s = Hand(0.5, Distribution::Fixed(0), Distribution::Fixed(0.25));
  const LocalizationResult r = Project(s, 2027, 0.5, 2026, 3);
  const double expect[] = {0.5, 0.4, 0.32, 0.256};
  ASSERT_EQ(r.years.size(), 4u);
  for (int k = 0; k < 4; ++k) {
    EXPECT_NEAR(r.years[k].p50, expect[k], 1e-12) << r.years[k].year;
    EXPECT_EQ(r.years[k].p_reach_target, 1.0) << r.years[k].year;
  }
  EXPECT_EQ(*r.p_target_by_year, 1.0);
  // 0.6 is never reached.
  EXPECT_EQ(*Project(s, 2027, 0.6, 2027, 3).p_target_by_year, 0.0);
}

// Monte Carlo tolerance, N = 100,000 samples. The nearest-rank p-quantile of N uniform draws has
// standard deviation sqrt(p (1 - p) / N) (0.00095 at p = 0.1 or 0.9, 0.00158 at 0.5); through a
// monotone share x = g(u) that is |g'(u_p)| times as much. A mean of values in [0, 1] and a
// frequency both have standard deviation at most 0.5 / sqrt(N) = 0.00158. Five standard
// deviations: another correct random stream would fail one assertion with odds below 1e-6.
constexpr int kN = 100'000;
double QuantileTol(double p, double slope) {
  return 5 * std::fabs(slope) * std::sqrt(p * (1 - p) / kN);
}
const double kMeanTol = 5 * 0.5 / std::sqrt(kN);  // 0.0079

TEST(LocalizationTest, UniformDomesticGrowthMatchesTheUniformCdf) {
  // Domestic growth U ~ uniform [0, 1], demand flat, base 0.25: after k years
  // x = min(1, 0.25 (1 + U)^k), increasing in U, so its p-quantile is min(1, 0.25 (1 + p)^k)
  // with slope dx/du = 0.25 k (1 + p)^(k - 1) at u = p.
  const Sector s = Hand(0.25, Uniform(0, 1), Distribution::Fixed(0));
  const LocalizationResult r = Project(s, 2027, 1.0, 2027, kN);
  ASSERT_EQ(r.years.size(), 4u);
  // 2024: the base share in every sample.
  EXPECT_EQ(r.years[0].p10, 0.25);
  EXPECT_EQ(r.years[0].p90, 0.25);
  EXPECT_EQ(r.years[0].mean, 0.25);
  // k = 1: 0.25 x {1.1, 1.5, 1.9} = 0.275, 0.375, 0.475; slope 0.25.
  EXPECT_NEAR(r.years[1].p10, 0.275, QuantileTol(0.1, 0.25));  // 0.0012
  EXPECT_NEAR(r.years[1].p50, 0.375, QuantileTol(0.5, 0.25));  // 0.0020
  EXPECT_NEAR(r.years[1].p90, 0.475, QuantileTol(0.9, 0.25));  // 0.0012
  // k = 2: 0.25 x {1.21, 2.25, 3.61} = 0.3025, 0.5625, 0.9025; slope 0.5 (1 + p).
  EXPECT_NEAR(r.years[2].p10, 0.3025, QuantileTol(0.1, 0.5 * 1.1));  // 0.0026
  EXPECT_NEAR(r.years[2].p50, 0.5625, QuantileTol(0.5, 0.5 * 1.5));  // 0.0059
  EXPECT_NEAR(r.years[2].p90, 0.9025, QuantileTol(0.9, 0.5 * 1.9));  // 0.0045
  // k = 3: P10 0.25 x 1.331 = 0.33275, P50 0.25 x 3.375 = 0.84375; slope 0.75 (1 + p)^2.
  // P90 would be 0.25 x 6.859 = 1.71 > 1: the top 41 % of samples are capped (below), so the
  // 90th percentile is one of them, exactly 1.
  EXPECT_NEAR(r.years[3].p10, 0.33275, QuantileTol(0.1, 0.75 * 1.21));  // 0.0043
  EXPECT_NEAR(r.years[3].p50, 0.84375, QuantileTol(0.5, 0.75 * 2.25));  // 0.0133
  EXPECT_EQ(r.years[3].p90, 1.0);
  // Means: E[0.25 (1 + U)] = 0.25 x 1.5 = 0.375; E[0.25 (1 + U)^2] = 0.25 x (2^3 - 1) / 3
  // = 0.583333 (0.25 x 4 = 1 only at U = 1: no cap).
  EXPECT_NEAR(r.years[1].mean, 0.375, kMeanTol);
  EXPECT_NEAR(r.years[2].mean, 0.25 * 7 / 3, kMeanTol);
  // k = 3: capped from u* = 4^(1/3) - 1 = 0.587401 on, so
  // E = integral_0^u* 0.25 (1 + u)^3 du + (1 - u*) = 0.0625 ((1 + u*)^4 - 1) + 1 - u*
  //   = 0.0625 x (4^(4/3) - 1) + 0.412599 = 0.0625 x 5.349604 + 0.412599 = 0.746949.
  EXPECT_NEAR(r.years[3].mean, 0.746949, kMeanTol);
  // 100 % needs (1 + U)^k >= 4: U >= 1 for k = 2 (probability 0; the sampler's uniform is
  // below 1), U >= u* for k = 3: P = 1 - u* = 0.412599 (binomial sd 0.00156, tol 0.0079).
  EXPECT_EQ(r.years[1].p_reach_target, 0);
  EXPECT_EQ(r.years[2].p_reach_target, 0);
  EXPECT_NEAR(r.years[3].p_reach_target, 0.412599, kMeanTol);
  ASSERT_TRUE(r.p_target_by_year);
  EXPECT_EQ(*r.p_target_by_year, r.years[3].p_reach_target);
}

TEST(LocalizationTest, UniformDemandGrowthDividesTheShare) {
  // Demand growth V ~ uniform [0, 1], domestic flat, base 0.5: after one year x = 0.5 / (1 + V),
  // decreasing in V, so its p-quantile is at V's (1 - p)-quantile: 0.5 / (2 - p), slope
  // 0.5 / (2 - p)^2. P10 = 0.5 / 1.9 = 0.263158, P50 = 0.5 / 1.5 = 0.333333,
  // P90 = 0.5 / 1.1 = 0.454545; mean 0.5 E[1 / (1 + V)] = 0.5 ln 2 = 0.346574.
  const Sector s = Hand(0.5, Distribution::Fixed(0), Uniform(0, 1));
  const LocalizationResult r = Project(s, 2025, 0.4, 2025, kN);
  ASSERT_EQ(r.years.size(), 2u);
  const YearShare& y = r.years[1];
  EXPECT_NEAR(y.p10, 0.263158, QuantileTol(0.1, 0.5 / (1.9 * 1.9)));  // 0.0007
  EXPECT_NEAR(y.p50, 0.333333, QuantileTol(0.5, 0.5 / (1.5 * 1.5)));  // 0.0018
  EXPECT_NEAR(y.p90, 0.454545, QuantileTol(0.9, 0.5 / (1.1 * 1.1)));  // 0.0020
  EXPECT_NEAR(y.mean, 0.5 * std::log(2.0), kMeanTol);
  // The base year 0.5 already meets 0.4. The 2025 share alone, 0.5 / (1 + V) >= 0.4 for
  // V <= 0.25, would give 0.25: "reached by" counts the base year too.
  EXPECT_EQ(y.p_reach_target, 1.0);
  const LocalizationResult higher =
      Project(Hand(0.39, Distribution::Fixed(0), Uniform(0, 1)), 2025, 0.4, 2025, kN);
  EXPECT_EQ(*higher.p_target_by_year, 0.0);  // 0.39 / (1 + V) < 0.4 always
}

TEST(LocalizationTest, ShippedAutomotiveCannotReachHundredPercentBy2027) {
  // data/localization.yaml: 15 % in 2024, domestic growth triangular 0.25-0.8, demand 0.12-0.24.
  // The share grows at most 1.8 / 1.12 = 1.607x and at least 1.25 / 1.24 = 1.008x a year, so by
  // 2027 it lies in [0.15 x 1.008^3, 0.15 x 1.607^3] = [0.1536, 0.6225]: the "100 % by 2027"
  // goal has probability 0 under these ranges (Morgan Stanley's 28 % is inside them).
  auto sector = FindSector("automotive");
  ASSERT_TRUE(sector) << sector.error().ToString();
  EXPECT_EQ(sector->base_year, 2024);
  EXPECT_EQ(sector->base_share, 0.15);
  const LocalizationResult r = Project(*sector, 2030, 1.0, 2027, 10'000);
  ASSERT_TRUE(r.p_target_by_year);
  EXPECT_EQ(*r.p_target_by_year, 0.0);
  const double lo = 1.25 / 1.24, hi = 1.8 / 1.12;
  for (const YearShare& y : r.years) {
    const int k = y.year - 2024;
    EXPECT_GE(y.p10, 0.15 * std::pow(lo, k) - 1e-12) << y.year;
    EXPECT_LE(y.p90, std::min(1.0, 0.15 * std::pow(hi, k)) + 1e-12) << y.year;
    EXPECT_LE(y.p10, y.p50);
    EXPECT_LE(y.p50, y.p90);
  }
  // Morgan Stanley's 28 % in 2027 needs a yearly ratio (0.28 / 0.15)^(1/3) = 1.231, about the
  // ratio of the modes 1.45 / 1.18 = 1.229: the middle of the distribution, inside P10-P90.
  EXPECT_LT(r.years[3].p10, 0.28);
  EXPECT_GT(r.years[3].p90, 0.28);
}

// ---------------------------------------------------------- determinism --

TEST(LocalizationTest, SameSeedSameResultAndLongerHorizonsKeepEarlierYears) {
  auto sector = FindSector("ai-accelerators");
  ASSERT_TRUE(sector);
  const LocalizationResult a = Project(*sector, 2030, 0.8, 2027, 2000, 7);
  const LocalizationResult b = Project(*sector, 2030, 0.8, 2027, 2000, 7);
  const LocalizationResult c = Project(*sector, 2030, 0.8, 2027, 2000, 8);
  // Each sample draws its rates once from its own stream, so stopping at 2027 changes nothing
  // up to 2027.
  const LocalizationResult shorter = Project(*sector, 2027, 0.8, 2027, 2000, 7);
  ASSERT_EQ(a.years.size(), 7u);
  ASSERT_EQ(shorter.years.size(), 4u);
  bool differs = false;
  for (size_t k = 0; k < a.years.size(); ++k) {
    EXPECT_EQ(a.years[k].p10, b.years[k].p10);
    EXPECT_EQ(a.years[k].p50, b.years[k].p50);
    EXPECT_EQ(a.years[k].p90, b.years[k].p90);
    EXPECT_EQ(a.years[k].mean, b.years[k].mean);
    EXPECT_EQ(a.years[k].p_reach_target, b.years[k].p_reach_target);
    differs = differs || a.years[k].mean != c.years[k].mean;
    if (k < shorter.years.size()) {
      EXPECT_EQ(a.years[k].p50, shorter.years[k].p50);
      EXPECT_EQ(a.years[k].mean, shorter.years[k].mean);
      EXPECT_EQ(a.years[k].p_reach_target, shorter.years[k].p_reach_target);
    }
  }
  EXPECT_EQ(*a.p_target_by_year, *b.p_target_by_year);
  EXPECT_EQ(*a.p_target_by_year, *shorter.p_target_by_year);
  EXPECT_TRUE(differs) << "seed 8 drew the same samples as seed 7";
  EXPECT_EQ(a.seed, 7u);
}

// ------------------------------------------------------------ bad input --

TEST(LocalizationTest, UnknownSectorNamesTheNearest) {
  auto r = FindSector("automotiv");
  ASSERT_FALSE(r);
  EXPECT_TRUE(Contains(r.error().message, "unknown sector 'automotiv'")) << r.error().message;
  EXPECT_TRUE(Contains(r.error().message, "nearest: automotive")) << r.error().message;
  r = FindSector("ai-accelerator");
  ASSERT_FALSE(r);
  EXPECT_TRUE(Contains(r.error().message, "nearest: ai-accelerators")) << r.error().message;
  // Ids are matched as catalog ids are: case, '_' and ' ' do not matter.
  auto found = FindSector("AI_Accelerators");
  ASSERT_TRUE(found) << found.error().ToString();
  EXPECT_EQ(found->id, "ai-accelerators");
}

TEST(LocalizationTest, RejectsOutOfRangeYearsTargetsAndSamples) {
  const Sector s = Hand(0.5, Distribution::Fixed(0.1), Distribution::Fixed(0));
  // --until: after the base year 2024, at most 50 years on.
  EXPECT_TRUE(Contains(ErrorOf(s, 2024, 1, 2024, 10), "until 2024"));
  EXPECT_TRUE(Contains(ErrorOf(s, 2020, 1, 2020, 10), "after the sector's base year 2024"));
  EXPECT_TRUE(Contains(ErrorOf(s, 2075, 1, 2027, 10), "at most 2074"));
  EXPECT_EQ(Project(s, 2074, 1, 2027, 10).years.size(), 51u);  // the last year allowed
  // --target: a share in (0, 1].
  for (double t : {0.0, -0.1, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    EXPECT_TRUE(Contains(ErrorOf(s, 2030, t, 2027, 10), "expected a number in (0, 1]")) << t;
  }
  EXPECT_TRUE(Contains(ErrorOf(s, 2030, 1.5, 2027, 10), "target 1.5"));
  // --by: after the base year and no later than --until.
  EXPECT_TRUE(Contains(ErrorOf(s, 2030, 1, 2024, 10), "by 2024 is out of range"));
  EXPECT_TRUE(Contains(ErrorOf(s, 2030, 1, 2023, 10), "from 2025"));
  EXPECT_TRUE(Contains(ErrorOf(s, 2026, 1, 2027, 10), "projected (until), 2026"));
  // --samples: 1 to 10^7, and at most 10^8 shares kept (10^7 x 7 years fits; 10^7 x 11 not).
  EXPECT_TRUE(Contains(ErrorOf(s, 2030, 1, 2027, 0), "samples 0 is out of range"));
  EXPECT_TRUE(Contains(ErrorOf(s, 2030, 1, 2027, -5), "samples -5"));
  EXPECT_TRUE(Contains(ErrorOf(s, 2030, 1, 2027, 10'000'001), "expected 1 to 10,000,000"));
  EXPECT_TRUE(Contains(ErrorOf(s, 2034, 1, 2027, 10'000'000), "110000000 sampled shares"));
  EXPECT_EQ(Project(s, 2027, 1, 2027, 1).years.size(), 4u);  // one sample is enough
}

TEST(LocalizationTest, RejectsSectorsOutsideTheModel) {
  // A base share outside [0, 1] and a growth that can reach -100 % (the share would turn
  // negative or divide by zero) are rejected, naming the field.
  std::string e =
      ErrorOf(Hand(1.5, Distribution::Fixed(0), Distribution::Fixed(0)), 2030, 1, 2027, 10);
  EXPECT_TRUE(Contains(e, "base_share 1.5")) << e;
  e = ErrorOf(Hand(0.5, Uniform(-1, 0.5), Distribution::Fixed(0)), 2030, 1, 2027, 10);
  EXPECT_TRUE(Contains(e, "domestic_growth uniform -1-0.5 can fall to -100 %")) << e;
  e = ErrorOf(Hand(0.5, Distribution::Fixed(0), Distribution::Fixed(-1.2)), 2030, 1, 2027, 10);
  EXPECT_TRUE(Contains(e, "demand_growth -1.2")) << e;
  const Distribution negative_median{Distribution::Kind::kLognormal, -0.1, 0, 0.3};
  e = ErrorOf(Hand(0.5, negative_median, Distribution::Fixed(0)), 2030, 1, 2027, 10);
  EXPECT_TRUE(Contains(e, "domestic_growth lognormal")) << e;
  // -99 %/yr is still a growth rate: accepted, 0.5 x 0.01 = 0.005 a year later.
  const Sector shrinking = Hand(0.5, Distribution::Fixed(-0.99), Distribution::Fixed(0));
  EXPECT_NEAR(Project(shrinking, 2025, 1, 2025, 1).years[1].p50, 0.005, 1e-15);
}

}  // namespace
}  // namespace suanli::supply
