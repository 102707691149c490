// Daylight saving rules (power/daylight_saving.hpp) at their published 2026 and 2027 transitions:
// US 8 March – 1 November 2026 and 14 March – 7 November 2027 (second Sunday of March, first of
// November, 02:00 local); EU 29 March – 25 October 2026 and 28 March – 31 October 2027
// (01:00 UTC).
#include <gtest/gtest.h>

#include "power/daylight_saving.hpp"

namespace ct::power {
namespace {

double utc(int y, int mo, int d, int h, int mi = 0, int s = 0) {
  return static_cast<double>(days_from_civil(y, mo, d)) * 86400.0 + h * 3600.0 + mi * 60.0 + s;
}

TEST(PowerDaylightSaving, CivilCalendar) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(weekday(0), 4);                              // 1970-01-01, a Thursday
  EXPECT_EQ(weekday(days_from_civil(2026, 3, 8)), 0);    // a Sunday
  EXPECT_EQ(weekday(days_from_civil(2026, 12, 1)), 2);   // a Tuesday
  EXPECT_EQ(weekday(days_from_civil(1969, 12, 31)), 3);  // before the epoch
}

TEST(PowerDaylightSaving, UnitedStatesCentralTime) {
  const DaylightSaving us = DaylightSaving::us;
  // 02:00 CST = 08:00 UTC on 8 March 2026; 02:00 CDT = 07:00 UTC on 1 November 2026.
  EXPECT_FALSE(daylight_saving_active(us, -6, utc(2026, 3, 8, 7, 59, 59)));
  EXPECT_TRUE(daylight_saving_active(us, -6, utc(2026, 3, 8, 8)));
  EXPECT_TRUE(daylight_saving_active(us, -6, utc(2026, 7, 15, 12)));
  EXPECT_TRUE(daylight_saving_active(us, -6, utc(2026, 11, 1, 6, 59, 59)));
  EXPECT_FALSE(daylight_saving_active(us, -6, utc(2026, 11, 1, 7)));
  EXPECT_FALSE(daylight_saving_active(us, -6, utc(2026, 12, 25, 12)));
  // 2027: 14 March and 7 November; Mountain time (UTC−7): 09:00 and 08:00 UTC.
  EXPECT_FALSE(daylight_saving_active(us, -7, utc(2027, 3, 14, 8, 59, 59)));
  EXPECT_TRUE(daylight_saving_active(us, -7, utc(2027, 3, 14, 9)));
  EXPECT_TRUE(daylight_saving_active(us, -7, utc(2027, 11, 7, 7, 59, 59)));
  EXPECT_FALSE(daylight_saving_active(us, -7, utc(2027, 11, 7, 8)));
  EXPECT_FALSE(daylight_saving_active(DaylightSaving::none, -6, utc(2026, 7, 15, 12)));
}

TEST(PowerDaylightSaving, EuropeanUnionAtOneUtc) {
  const DaylightSaving eu = DaylightSaving::eu;
  for (double offset : {0.0, 1.0, 2.0}) {  // the same instant in every EU zone
    EXPECT_FALSE(daylight_saving_active(eu, offset, utc(2026, 3, 29, 0, 59, 59)));
    EXPECT_TRUE(daylight_saving_active(eu, offset, utc(2026, 3, 29, 1)));
    EXPECT_TRUE(daylight_saving_active(eu, offset, utc(2026, 10, 25, 0, 59, 59)));
    EXPECT_FALSE(daylight_saving_active(eu, offset, utc(2026, 10, 25, 1)));
    EXPECT_TRUE(daylight_saving_active(eu, offset, utc(2027, 3, 28, 1)));
    EXPECT_FALSE(daylight_saving_active(eu, offset, utc(2027, 10, 31, 1)));
  }
}

}  // namespace
}  // namespace ct::power
