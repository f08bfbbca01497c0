// Calendar dates as days since 1970-01-01 (proleptic Gregorian), with ISO
// parsing and formatting. No clock reads: dates only come from inputs.
#ifndef SUANLI_CORE_CALENDAR_H_
#define SUANLI_CORE_CALENDAR_H_

#include <string>
#include <string_view>

#include "core/error.h"

namespace suanli {

struct Date {
  int days = 0;  // since 1970-01-01

  static Date FromCivil(int year, int month, int day);
  void ToCivil(int* year, int* month, int* day) const;
  // "YYYY-MM-DD"; "YYYY-MM" means the first of the month.
  static Result<Date> Parse(std::string_view text);
  std::string ToString() const;       // YYYY-MM-DD
  std::string ToMonthString() const;  // YYYY-MM
  Date AddDays(int n) const { return Date{days + n}; }
  Date AddMonths(int n) const;  // same day of month, clamped to the month's end

  friend bool operator<(Date a, Date b) { return a.days < b.days; }
  friend bool operator<=(Date a, Date b) { return a.days <= b.days; }
  friend bool operator==(Date a, Date b) { return a.days == b.days; }
};

}  // namespace suanli

#endif  // SUANLI_CORE_CALENDAR_H_
