// EnergyPlus weather files: header, time of each record (end of its hour, local standard time →
// UTC), typical-year handling, wet bulb from dew point / humidity / pressure, missing-value
// codes, errors naming file, line and field. tests/signals/synthetic_sample.epw is synthetic.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "thermal/epw.hpp"
#include "thermal/psychrometrics.hpp"
#include "thermal/weather.hpp"

#ifndef CT_SOURCE_DIR
#define CT_SOURCE_DIR "."
#endif

namespace ct::thermal {
namespace {

const std::string kSample = std::string(CT_SOURCE_DIR) + "/tests/signals/synthetic_sample.epw";

std::vector<std::string> sample_lines() {
  std::ifstream in(kSample);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The sample with line `number` (1-based) replaced.
std::string variant(const std::string& name, std::size_t number, const std::string& text) {
  std::vector<std::string> lines = sample_lines();
  lines.at(number - 1) = text;
  const std::string path = testing::TempDir() + name;
  std::ofstream out(path);
  for (const std::string& l : lines) out << l << "\n";
  return path;
}

// Field `index` (1-based) of a record line replaced.
std::string with_field(std::string line, std::size_t index, const std::string& value) {
  std::vector<std::string> f;
  std::stringstream ss(line);
  for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
  f.at(index - 1) = value;
  std::string out;
  for (std::size_t i = 0; i < f.size(); ++i) out += (i ? "," : "") + f[i];
  return out;
}

template <class F>
void expect_error(F f, std::initializer_list<std::string> fragments) {
  try {
    f();
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    for (const std::string& part : fragments) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "'" << part << "' not in: " << e.what();
    }
  }
}

TEST(ThermalEpw, TypicalYearOnATargetYear) {
  const EpwWeather w = load_epw(kSample, {2026});
  EXPECT_EQ(w.location.city, "Synthetic Plains");
  EXPECT_EQ(w.location.country, "USA");
  EXPECT_DOUBLE_EQ(w.location.latitude_deg, 32.9);
  EXPECT_DOUBLE_EQ(w.location.longitude_deg, -97.0);
  EXPECT_DOUBLE_EQ(w.location.time_zone_h, -6.0);
  EXPECT_DOUBLE_EQ(w.location.elevation_m, 170.0);
  EXPECT_EQ(w.records_per_hour, 1);
  // 4 days of 24 records; 29 February dropped for 2026.
  EXPECT_EQ(w.times_s.size(), 72u);
  EXPECT_EQ(w.leap_day_records_dropped, 24u);
  // Hour 1 of 1 January is 00:01–01:00 local standard time (UTC−6): 07:00 UTC.
  EXPECT_DOUBLE_EQ(w.times_s.front(), parse_iso8601_utc("2026-01-01T07:00:00Z"));
  // Hour 24 of 31 December: midnight local, 06:00 UTC on 1 January 2027.
  EXPECT_DOUBLE_EQ(w.times_s.back(), parse_iso8601_utc("2027-01-01T06:00:00Z"));
  // First record: dry −2.2, dew −3.4, 99370 Pa.
  EXPECT_DOUBLE_EQ(w.dry_bulb_c.front(), -2.2);
  EXPECT_DOUBLE_EQ(w.dew_point_c.front(), -3.4);
  EXPECT_DOUBLE_EQ(w.pressure_pa.front(), 99370.0);
  EXPECT_DOUBLE_EQ(w.wet_bulb_c.front(), wet_bulb_from_dew_point_c(-2.2, -3.4, 99370.0));
  for (std::size_t i = 0; i < w.times_s.size(); ++i) {
    EXPECT_LE(w.wet_bulb_c[i], w.dry_bulb_c[i]);
    if (!std::isnan(w.dew_point_c[i])) {
      EXPECT_GE(w.wet_bulb_c[i], w.dew_point_c[i] - 1e-9);
    }
  }
}

TEST(ThermalEpw, MissingPressureAndDewPoint) {
  const EpwWeather w = load_epw(kSample, {2028});  // leap year: 29 February kept
  EXPECT_EQ(w.times_s.size(), 96u);
  EXPECT_EQ(w.leap_day_records_dropped, 0u);
  // 28 February hour 12: pressure 999999 → standard atmosphere at 170 m (ASHRAE eq. 3).
  EXPECT_EQ(w.pressure_filled, 1u);
  const std::size_t feb28_noon = 24 + 11;
  EXPECT_NEAR(w.pressure_pa[feb28_noon], 101325.0 * std::pow(1.0 - 2.25577e-5 * 170.0, 5.2559),
              1e-6);
  // 31 December hour 6: dew point 99.9 → the wet bulb comes from the relative humidity.
  EXPECT_EQ(w.wet_bulb_from_humidity, 1u);
  const std::size_t dec31_six = 72 + 5;
  EXPECT_TRUE(std::isnan(w.dew_point_c[dec31_six]));
  EXPECT_DOUBLE_EQ(
      w.wet_bulb_c[dec31_six],
      wet_bulb_from_relative_humidity_c(w.dry_bulb_c[dec31_six], w.relative_humidity[dec31_six],
                                        w.pressure_pa[dec31_six]));
}

TEST(ThermalEpw, WeatherInterpolatesAndTickMeansAreExact) {
  const EpwWeather e = load_epw(kSample, {2026});
  const HourlyWeather w = e.weather();
  const double t0 = e.times_s[0], t1 = e.times_s[1];
  EXPECT_DOUBLE_EQ(w.sample(t0).dry_bulb_c, e.dry_bulb_c[0]);
  const WeatherSample mid = w.sample(0.5 * (t0 + t1));
  EXPECT_NEAR(mid.dry_bulb_c, 0.5 * (e.dry_bulb_c[0] + e.dry_bulb_c[1]), 1e-12);
  // Mean over the hour between two records: the trapezoid; over two hours the mean of both.
  const WeatherSample hour = w.mean_over(t0, t1);
  EXPECT_NEAR(hour.wet_bulb_c, 0.5 * (e.wet_bulb_c[0] + e.wet_bulb_c[1]), 1e-12);
  const double t2 = e.times_s[2];
  const WeatherSample two = w.mean_over(t0, t2);
  EXPECT_NEAR(two.dry_bulb_c, 0.25 * (e.dry_bulb_c[0] + 2.0 * e.dry_bulb_c[1] + e.dry_bulb_c[2]),
              1e-12);
  // Sixty 60 s ticks add up to the hour's mean; before the first record the value is held.
  double sum = 0.0;
  for (int k = 0; k < 60; ++k) sum += w.mean_over(t0 + 60.0 * k, t0 + 60.0 * (k + 1)).dry_bulb_c;
  EXPECT_NEAR(sum / 60.0, w.mean_over(t0, t1).dry_bulb_c, 1e-12);
  EXPECT_DOUBLE_EQ(w.mean_over(t0 - 7200.0, t0 - 3600.0).dry_bulb_c, e.dry_bulb_c[0]);
}

TEST(ThermalEpw, MixedYearsWithoutTargetYearAreAnError) {
  // 2004-02-29 then 1988-12-31: the first 31 December record is line 8 + 72 + 1.
  expect_error([] { (void)load_epw(kSample); }, {kSample + ":81:", "not after", "set the year"});
}

TEST(ThermalEpw, ErrorsNameFileLineAndField) {
  const std::vector<std::string> lines = sample_lines();
  const std::string record = lines.at(9);  // line 10
  std::string p = variant("bad_dry.epw", 10, with_field(record, 7, "abc"));
  expect_error([&] { (void)load_epw(p, {2026}); },
               {p + ":10:", "field 7 (dry bulb temperature)", "'abc'"});
  p = variant("missing_dry.epw", 10, with_field(record, 7, "99.9"));
  expect_error([&] { (void)load_epw(p, {2026}); }, {p + ":10:", "field 7", "missing"});
  p = variant("hot.epw", 10, with_field(record, 7, "85"));
  expect_error([&] { (void)load_epw(p, {2026}); }, {p + ":10:", "field 7", "85"});
  p = variant("rh.epw", 10, with_field(record, 9, "150"));
  expect_error([&] { (void)load_epw(p, {2026}); },
               {p + ":10:", "field 9 (relative humidity)", "150"});
  p = variant("pressure.epw", 10, with_field(record, 10, "1013"));
  expect_error([&] { (void)load_epw(p, {2026}); },
               {p + ":10:", "field 10 (atmospheric station pressure)", "1013"});
  p = variant("humidity.epw", 10, with_field(with_field(record, 8, "99.9"), 9, "999"));
  expect_error([&] { (void)load_epw(p, {2026}); }, {p + ":10:", "fields 8", "9", "missing"});
  p = variant("hour.epw", 10, with_field(record, 4, "25"));
  expect_error([&] { (void)load_epw(p, {2026}); }, {p + ":10:", "field 4 (hour)", "25"});
  p = variant("short.epw", 10, record.substr(0, record.find(",99")));
  expect_error([&] { (void)load_epw(p, {2026}); }, {p + ":10:", "35"});
  p = variant("zone.epw", 1,
              "LOCATION,Synthetic Plains,TX,USA,src,999999,32.90,-97.00,-26.0,170.0");
  expect_error([&] { (void)load_epw(p, {2026}); }, {p + ":1:", "time zone", "-26"});
  p = variant("notepw.epw", 1, "timestamp,dry_bulb_c,wet_bulb_c");
  expect_error([&] { (void)load_epw(p, {2026}); }, {p + ":1:", "LOCATION"});
  expect_error([] { (void)load_epw("/nonexistent/file.epw"); }, {"cannot open", "file.epw"});
}

}  // namespace
}  // namespace ct::thermal
