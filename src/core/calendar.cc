#include "core/calendar.h"

#include <cstdio>
#include <string>

#include "core/text.h"

namespace suanli {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days.
int DaysFromCivil(int y, int m, int d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

}  // namespace

Date Date::FromCivil(int year, int month, int day) { return Date{DaysFromCivil(year, month, day)}; }

void Date::ToCivil(int* year, int* month, int* day) const {
  const int z = days + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const int doe = z - era * 146097;
  const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int mp = (5 * doy + 2) / 153;
  const int d = doy - (153 * mp + 2) / 5 + 1;
  const int m = mp + (mp < 10 ? 3 : -9);
  *year = yoe + era * 400 + (m <= 2);
  *month = m;
  *day = d;
}

Result<Date> Date::Parse(std::string_view text) {
  const std::string s(text);
  // Exactly YYYY-MM or YYYY-MM-DD: digits where digits belong, nothing else.
  auto digits = [&](size_t from, size_t count) {
    for (size_t i = from; i < from + count; ++i) {
      if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    }
    return true;
  };
  const bool month_form = s.size() == 7 && digits(0, 4) && s[4] == '-' && digits(5, 2);
  const bool day_form =
      s.size() == 10 && digits(0, 4) && s[4] == '-' && digits(5, 2) && s[7] == '-' && digits(8, 2);
  if (!month_form && !day_form) {
    return MakeError(Quoted(s) + " is not a date; expected YYYY-MM-DD or YYYY-MM");
  }
  const int y = std::stoi(s.substr(0, 4));
  const int m = std::stoi(s.substr(5, 2));
  const int d = day_form ? std::stoi(s.substr(8, 2)) : 1;
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) {
    return MakeError(Quoted(s) + " is not a valid calendar date");
  }
  return FromCivil(y, m, d);
}

std::string Date::ToString() const {
  int y, m, d;
  ToCivil(&y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
  return buf;
}

std::string Date::ToMonthString() const { return ToString().substr(0, 7); }

Date Date::AddMonths(int n) const {
  int y, m, d;
  ToCivil(&y, &m, &d);
  int total = y * 12 + (m - 1) + n;
  y = total / 12;
  m = total % 12 + 1;
  if (d > DaysInMonth(y, m)) d = DaysInMonth(y, m);
  return FromCivil(y, m, d);
}

}  // namespace suanli
