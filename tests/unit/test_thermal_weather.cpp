// Synthetic climate, hourly CSV weather, ISO 8601 conversion.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include "thermal/weather.hpp"

namespace ct::thermal {
namespace {

TEST(ThermalWeather, CivilDateConversion) {
  static_assert(days_from_civil(1970, 1, 1) == 0);
  static_assert(days_from_civil(2000, 3, 1) == 11017);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(2026, 7, 1), 1782864000 / 86400);
  // Round trip over ±2000 years, every 3rd day.
  for (std::int64_t d = -730000; d <= 730000; d += 3) {
    const CivilDate c = civil_from_days(d);
    ASSERT_EQ(days_from_civil(c.year, c.month, c.day), d);
  }
}

TEST(ThermalWeather, ParseIso8601) {
  // References from `date -u -d ... +%s`.
  EXPECT_EQ(parse_iso8601_utc("2026-07-01T00:00:00Z"), 1782864000.0);
  EXPECT_EQ(parse_iso8601_utc("2024-02-29T12:34:56Z"), 1709210096.0);
  EXPECT_EQ(parse_iso8601_utc("1969-12-31T23:59:59Z"), -1.0);
  EXPECT_EQ(parse_iso8601_utc("1900-03-01"), -2203891200.0);
  EXPECT_EQ(parse_iso8601_utc("2026-07-01T02:00:00+02:00"), 1782864000.0);
  EXPECT_EQ(parse_iso8601_utc("2026-06-30T19:30-0430"), 1782864000.0);
  EXPECT_EQ(parse_iso8601_utc("2026-07-01 00:00Z"), 1782864000.0);
  EXPECT_EQ(parse_iso8601_utc("2026-07-01T00:00:00.250Z"), 1782864000.25);
  for (const char* bad :
       {"", "2026", "2026-7-01", "2026-02-29", "2026-13-01", "2026-07-01T", "2026-07-01T24:00:00Z",
        "2026-07-01T00:60:00Z", "2026-07-01T00:00:60Z", "2026-07-01T00:00:00",
        "2026-07-01T00:00:00Zx", "2026-07-01T00:00:00.Z", "2026-07-01T00:00:00+2", "x026-07-01"}) {
    EXPECT_THROW(parse_iso8601_utc(bad), std::invalid_argument) << bad;
  }
  try {
    parse_iso8601_utc("2026-07-01T00:00:00");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("2026-07-01T00:00:00"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("time zone"), std::string::npos);
  }
}

TEST(ThermalWeather, FormatIso8601RoundTrips) {
  EXPECT_EQ(format_iso8601_utc(1782864000.0), "2026-07-01T00:00:00Z");
  EXPECT_EQ(format_iso8601_utc(-1.0), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_iso8601_utc(1709210096.5), "2024-02-29T12:34:56.500Z");
  for (double t = -3e9; t < 5e9; t += 86400.0 * 97.3 + 13.0) {
    const double whole = std::round(t);
    ASSERT_EQ(parse_iso8601_utc(format_iso8601_utc(whole)), whole);
  }
}

// Argmax of the dry bulb over [start, end) on a 1-minute grid.
std::pair<double, double> argmax_dry_bulb(const SyntheticClimate& c, double start_s, double end_s) {
  double best_t = start_s;
  double best = -1e300;
  for (double t = start_s; t < end_s; t += 60.0) {
    const double v = sample(c, t).dry_bulb_c;
    if (v > best) {
      best = v;
      best_t = t;
    }
  }
  return {best_t, best};
}

TEST(ThermalWeather, SyntheticAnnualAndDiurnalMaxima) {
  const SyntheticClimate& c = *climate_catalogue().find("warm_summer");
  // Year 2000 (the phase reference): the annual maximum is exactly at 16:00 local (22:00 UTC)
  // on day 200 (18 July in a leap year), with value mean + annual + diurnal amplitude.
  const double y2000 = parse_iso8601_utc("2000-01-01T00:00:00Z");
  const auto [t_max, v_max] = argmax_dry_bulb(c, y2000, y2000 + 366 * 86400.0);
  EXPECT_NEAR(t_max, parse_iso8601_utc("2000-07-18T22:00:00Z"), 60.0);
  EXPECT_NEAR(v_max, 19.5 + 11.0 + 5.5, 1e-6);

  // Another year: within a day of the same calendar date, at the same local hour.
  const double y2026 = parse_iso8601_utc("2026-01-01T00:00:00Z");
  const auto [t26, v26] = argmax_dry_bulb(c, y2026, y2026 + 365 * 86400.0);
  EXPECT_NEAR(t26, parse_iso8601_utc("2026-07-19T22:00:00Z"), 86400.0 + 600.0);
  EXPECT_NEAR(std::fmod(t26 - 22 * 3600.0, 86400.0), 0.0, 600.0);
  EXPECT_GT(v26, 19.5 + 11.0 + 5.5 - 0.01);

  // Any day: the daily maximum is at the hour of daily max (local) within a few minutes, and
  // the daily minimum 12 h later/earlier; the daily range is twice the diurnal amplitude.
  for (const char* day : {"2026-03-10T06:00:00Z", "2026-10-02T06:00:00Z"}) {
    const double start = parse_iso8601_utc(day);  // local midnight (UTC−6)
    const auto [t_day, v_day] = argmax_dry_bulb(c, start, start + 86400.0);
    EXPECT_NEAR(t_day - start, 16 * 3600.0, 300.0) << day;
    const double v_min = sample(c, start + 4 * 3600.0).dry_bulb_c;
    EXPECT_NEAR(v_day - v_min, 2 * 5.5, 0.3) << day;
  }
  // Coldest at the opposite season: mid January is ≥ 2·annual amplitude colder than mid July.
  EXPECT_LT(sample(c, parse_iso8601_utc("2026-01-17T22:00:00Z")).dry_bulb_c,
            sample(c, parse_iso8601_utc("2026-07-19T22:00:00Z")).dry_bulb_c - 2 * 11.0 + 0.1);
}

TEST(ThermalWeather, WetBulbBelowDryBulbAndDepressionPeaksInAfternoon) {
  for (const std::string& name : climate_catalogue().names()) {
    const SyntheticClimate& c = *climate_catalogue().find(name);
    for (double t = 1.7e9; t < 1.7e9 + 366 * 86400.0; t += 3 * 3600.0 + 17.0) {
      const WeatherSample w = sample(c, t);
      ASSERT_LE(w.wet_bulb_c, w.dry_bulb_c) << name;
    }
  }
  const SyntheticClimate& c = *climate_catalogue().find("warm_summer");
  const WeatherSample afternoon = sample(c, parse_iso8601_utc("2026-07-19T22:00:00Z"));
  const WeatherSample night = sample(c, parse_iso8601_utc("2026-07-19T10:00:00Z"));
  EXPECT_GT(afternoon.dry_bulb_c - afternoon.wet_bulb_c, night.dry_bulb_c - night.wet_bulb_c);
  EXPECT_GT(afternoon.wet_bulb_c, night.wet_bulb_c);
}

class ThermalWeatherCsv : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    path_ = ::testing::TempDir() + "ct_thermal_weather_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".csv";
    std::ofstream(path_) << text;
    return path_;
  }
  void TearDown() override {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  std::string path_;
};

TEST_F(ThermalWeatherCsv, LoadsAndInterpolates) {
  const std::string path = write(
      "timestamp,dry_bulb_c,wet_bulb_c\r\n"
      "# comment\n"
      "2026-07-01T00:00:00Z,20.0,15.0\n"
      "\n"
      "2026-07-01T01:00:00Z, 26.0 ,18.0\n"
      "2026-07-01T02:00:00Z,23.0,17.0\n");
  const HourlyWeather w = HourlyWeather::load_csv(path);
  ASSERT_EQ(w.size(), 3u);
  const double t0 = 1782864000.0;
  EXPECT_DOUBLE_EQ(w.sample(t0).dry_bulb_c, 20.0);
  EXPECT_DOUBLE_EQ(w.sample(t0 + 900.0).dry_bulb_c, 21.5);
  EXPECT_DOUBLE_EQ(w.sample(t0 + 900.0).wet_bulb_c, 15.75);
  EXPECT_DOUBLE_EQ(w.sample(t0 + 3600.0).dry_bulb_c, 26.0);
  EXPECT_DOUBLE_EQ(w.sample(t0 + 5400.0).dry_bulb_c, 24.5);
  // Clamped outside the records.
  EXPECT_DOUBLE_EQ(w.sample(t0 - 1e6).dry_bulb_c, 20.0);
  EXPECT_DOUBLE_EQ(w.sample(t0 + 1e6).wet_bulb_c, 17.0);
}

void expect_load_error(const std::string& path, const std::vector<std::string>& fragments) {
  try {
    HourlyWeather::load_csv(path);
    ADD_FAILURE() << "no error for " << path;
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    for (const std::string& f : fragments) {
      EXPECT_NE(message.find(f), std::string::npos) << "'" << f << "' not in: " << message;
    }
  }
}

TEST_F(ThermalWeatherCsv, BadNumberNamesFileLineAndContent) {
  const std::string path = write(
      "timestamp,dry_bulb_c,wet_bulb_c\n"
      "2026-07-01T00:00:00Z,20.0,15.0\n"
      "2026-07-01T01:00:00Z,abc,18.0\n");
  expect_load_error(path, {path + ":3:", "dry_bulb_c", "'abc'"});
}

TEST_F(ThermalWeatherCsv, BadTimestamp) {
  const std::string path = write(
      "timestamp,dry_bulb_c,wet_bulb_c\n"
      "2026-07-01 nope,20.0,15.0\n");
  expect_load_error(path, {path + ":2:", "timestamp", "2026-07-01 nope"});
}

TEST_F(ThermalWeatherCsv, TimestampsMustIncrease) {
  const std::string path = write(
      "timestamp,dry_bulb_c,wet_bulb_c\n"
      "2026-07-01T01:00:00Z,20.0,15.0\n"
      "2026-07-01T01:00:00Z,21.0,15.0\n");
  expect_load_error(path, {path + ":3:", "not after"});
}

TEST_F(ThermalWeatherCsv, BadHeaderColumnsAndUnits) {
  expect_load_error(write("time,dry,wet\n2026-07-01T00:00:00Z,20,15\n"),
                    {":1:", "expected header", "time,dry,wet"});
  expect_load_error(write("timestamp,dry_bulb_c,wet_bulb_c\n2026-07-01T00:00:00Z,20\n"),
                    {":2:", "expected 3 columns", "got 2"});
  expect_load_error(write("timestamp,dry_bulb_c,wet_bulb_c\n2026-07-01T00:00:00Z,293.1,288\n"),
                    {":2:", "dry_bulb_c", "293.1", "plausible"});
  expect_load_error(write("timestamp,dry_bulb_c,wet_bulb_c\n2026-07-01T00:00:00Z,15,20\n"),
                    {":2:", "wet_bulb_c", "exceeds"});
  expect_load_error(write("timestamp,dry_bulb_c,wet_bulb_c\n"), {"no data rows"});
  expect_load_error(::testing::TempDir() + "ct_thermal_no_such_file.csv",
                    {"cannot open", "ct_thermal_no_such_file.csv"});
}

}  // namespace
}  // namespace ct::thermal
