// Daylight saving time of a site's local clock (docs/sites.md): when demand-response windows
// contracted in local clock time shift by an hour against UTC. Two rules:
//   us: from the second Sunday of March, 02:00 local standard time, to the first Sunday of
//       November, 02:00 local daylight time (01:00 standard) — Energy Policy Act of 2005, §110;
//   eu: from the last Sunday of March to the last Sunday of October, both at 01:00 UTC —
//       Directive 2000/84/EC.
// Northern-hemisphere rules; the calendar is the proleptic Gregorian one (H. Hinnant's
// days_from_civil).
#pragma once

#include <cstdint>

namespace ct::power {

enum class DaylightSaving { none, us, eu };

// Days since 1970-01-01 of a civil date (month 1–12, day 1–31).
std::int64_t days_from_civil(std::int64_t year, int month, int day);
// 0 = Sunday … 6 = Saturday, of a day counted from 1970-01-01 (a Thursday).
int weekday(std::int64_t days);

// Is daylight saving time in force at `unix_s` in a zone of standard offset `utc_offset_h`?
bool daylight_saving_active(DaylightSaving rule, double utc_offset_h, double unix_s);

}  // namespace ct::power
