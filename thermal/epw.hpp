// EnergyPlus weather files (EPW), e.g. typical meteorological years (TMY3, IWEC, …).
//
// Layout (EnergyPlus Auxiliary Programs, "EnergyPlus Weather File (EPW) Data Dictionary"):
// eight header records — LOCATION (city, state/province/region, country, source, WMO, latitude,
// longitude, time zone in hours from GMT, elevation in m), DESIGN CONDITIONS, TYPICAL/EXTREME
// PERIODS, GROUND TEMPERATURES, HOLIDAYS/DAYLIGHT SAVINGS, COMMENTS 1, COMMENTS 2, DATA PERIODS
// (number of periods, records per hour, …) — then one record per line of 35 fields:
//   1 year, 2 month, 3 day, 4 hour (1–24; hour 1 is 00:01–01:00 local standard time), 5 minute,
//   6 data source and uncertainty flags, 7 dry bulb °C, 8 dew point °C, 9 relative humidity %,
//   10 atmospheric station pressure Pa, 11–35 radiation, illuminance, wind, sky, precipitation.
// Missing values: dry bulb and dew point 99.9, relative humidity 999, pressure 999999.
//
// Read here: the temperatures and humidity at "the time indicated", i.e. the end of the record's
// hour (hourly files: hour h ↦ h:00 local standard time; sub-hourly: (h − 1):minute), converted to
// UTC with the LOCATION time zone. The wet bulb is the thermodynamic wet bulb from dry bulb,
// dew point (or relative humidity when the dew point is missing) and station pressure (the
// standard atmosphere at the station elevation when the pressure is missing), thermal/
// psychrometrics.hpp. Typical-year files mix years from month to month: give `year` to lay every
// record on that year (29 February records are dropped for a common year; a leap year without a
// 29 February record interpolates across it).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "thermal/weather.hpp"

namespace ct::thermal {

struct EpwLocation {
  std::string city;
  std::string region;
  std::string country;
  std::string source;
  std::string wmo;
  double latitude_deg = 0.0;
  double longitude_deg = 0.0;
  double time_zone_h = 0.0;  // local standard time − UTC
  double elevation_m = 0.0;
};

struct EpwOptions {
  // Lay every record on this calendar year (typical-year files); unset: each record's own year
  // (actual-year files; they must then run strictly forward in time).
  std::optional<int> year;
};

struct EpwWeather {
  EpwLocation location;
  int records_per_hour = 1;
  std::vector<double> times_s;  // UTC unix seconds, strictly increasing
  std::vector<double> dry_bulb_c;
  std::vector<double> dew_point_c;           // as read (NaN where missing)
  std::vector<double> relative_humidity;     // fraction (NaN where missing)
  std::vector<double> pressure_pa;           // as read, or the standard atmosphere when missing
  std::vector<double> wet_bulb_c;            // computed
  std::size_t pressure_filled = 0;           // records whose pressure came from the elevation
  std::size_t wet_bulb_from_humidity = 0;    // records whose wet bulb came from the humidity
  std::size_t leap_day_records_dropped = 0;  // 29 February records dropped for `year`

  // Dry and wet bulb, linearly interpolated between records (HourlyWeather::sample, mean_over).
  HourlyWeather weather() const;
};

// Throws std::runtime_error naming `path:line:`, the field (number and name) and its content
// for a malformed or implausible record.
EpwWeather load_epw(const std::string& path, const EpwOptions& options = {});

}  // namespace ct::thermal
