// Calendar dates against hand-counted day numbers.
#include "core/calendar.h"

#include <gtest/gtest.h>

#include <string>

namespace suanli {
namespace {

Date D(const char* text) {
  auto d = Date::Parse(text);
  EXPECT_TRUE(d) << text << ": " << d.error().ToString();
  return d ? *d : Date{};
}

TEST(CalendarTest, EpochAndKnownDayNumbers) {
  EXPECT_EQ(D("1970-01-01").days, 0);
  EXPECT_EQ(D("1970-01-02").days, 1);
  // 1970..1999: 30 years, of which 1972, 1976, ..., 1996 are leap (7):
  // 30 x 365 + 7 = 10957.
  EXPECT_EQ(D("2000-01-01").days, 10957);
  EXPECT_EQ(Date::FromCivil(2000, 1, 1).days, 10957);
}

TEST(CalendarTest, ParseToStringRoundTrips) {
  for (const char* text : {"2026-12-01", "2027-01-31", "2027-02-28", "2028-02-29", "2000-02-29",
                           "1999-12-31", "2100-03-01", "1900-01-01", "2200-12-31"}) {
    EXPECT_EQ(D(text).ToString(), text);
  }
  // Every day of 2027 and 2028 survives ToCivil -> FromCivil.
  for (int day = D("2027-01-01").days; day <= D("2028-12-31").days; ++day) {
    int y, m, d;
    Date{day}.ToCivil(&y, &m, &d);
    EXPECT_EQ(Date::FromCivil(y, m, d).days, day);
    EXPECT_EQ(D(Date{day}.ToString().c_str()).days, day);
  }
}

TEST(CalendarTest, MonthFormMeansTheFirst) {
  EXPECT_EQ(D("2027-02").ToString(), "2027-02-01");
  EXPECT_EQ(D("2027-02-17").ToMonthString(), "2027-02");
}

TEST(CalendarTest, LeapYears) {
  EXPECT_TRUE(Date::Parse("2028-02-29"));   // divisible by 4
  EXPECT_FALSE(Date::Parse("2027-02-29"));  // not
  EXPECT_TRUE(Date::Parse("2000-02-29"));   // divisible by 400
  EXPECT_FALSE(Date::Parse("2100-02-29"));  // by 100, not 400
  // 2028 has 366 days, 2027 has 365.
  EXPECT_EQ(D("2029-01-01").days - D("2028-01-01").days, 366);
  EXPECT_EQ(D("2028-01-01").days - D("2027-01-01").days, 365);
}

TEST(CalendarTest, DaysBetweenKnownDates) {
  // Dec 1 -> Dec 31: 30 days, + 31 (Jan) + 28 (Feb 2027) + 31 (Mar) = 120.
  EXPECT_EQ(D("2027-03-31").days - D("2026-12-01").days, 120);
  // A leap February adds one.
  EXPECT_EQ(D("2028-03-31").days - D("2027-12-01").days, 121);
  EXPECT_EQ(D("2026-12-01").AddDays(120).ToString(), "2027-03-31");
}

TEST(CalendarTest, AddMonthsClampsToTheMonthEnd) {
  EXPECT_EQ(D("2027-01-31").AddMonths(1).ToString(), "2027-02-28");
  EXPECT_EQ(D("2028-01-31").AddMonths(1).ToString(), "2028-02-29");
  EXPECT_EQ(D("2027-03-31").AddMonths(1).ToString(), "2027-04-30");
  EXPECT_EQ(D("2027-03-31").AddMonths(-1).ToString(), "2027-02-28");
  EXPECT_EQ(D("2026-12-15").AddMonths(1).ToString(), "2027-01-15");
  EXPECT_EQ(D("2026-12-01").AddMonths(24).ToString(), "2028-12-01");
  EXPECT_EQ(D("2027-01-01").AddMonths(-13).ToString(), "2025-12-01");
  EXPECT_EQ(D("2027-05-20").AddMonths(0).ToString(), "2027-05-20");
}

TEST(CalendarTest, ParseRejectsBadDates) {
  for (const char* text :
       {"2027-13-01", "abc", "", "2027-00-10", "2027-02-30", "2027-04-31", "2027-13", "2027-1-1",
        "2027/01/01", "2027-01-01x", "27-01-01", "1899-12-31", "2201-01-01"}) {
    auto d = Date::Parse(text);
    EXPECT_FALSE(d) << "'" << text << "' parsed as " << d->ToString();
    if (!d) {
      EXPECT_NE(d.error().message.find(text), std::string::npos) << d.error().message;
    }
  }
}

// ISO 8601 dates are digits and dashes only, two-digit months and days.
TEST(CalendarTest, ParseRejectsNonIsoForms) {
  for (const char* text :
       {"2027-1x", "2027-01-+1", "2027-+1-01", " 2027-1-01", "2027-01- 1", "2027- 1-01"}) {
    auto d = Date::Parse(text);
    EXPECT_FALSE(d) << "'" << text << "' parsed as " << d->ToString();
  }
}

}  // namespace
}  // namespace suanli
