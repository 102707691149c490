// The site's weather and grid signals as the engine builds them from scenario keys
// (twin/site_signals.hpp): provider carbon and price files give tick means equal to their hourly
// values (prices scaled into USD), EPW weather is laid on the chosen year, the native sources are
// what they were. The expected values are read from the sample files here, not by the readers.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/scenario.hpp"
#include "thermal/weather.hpp"
#include "twin/site_signals.hpp"

#ifndef CT_SOURCE_DIR
#define CT_SOURCE_DIR "."
#endif

namespace ct::twin {
namespace {

const std::string kSignals = std::string(CT_SOURCE_DIR) + "/tests/signals/";
const double kJuly1 = thermal::parse_iso8601_utc("2026-07-01T00:00:00Z");

// One CSV line's fields ("…" may hold commas).
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.emplace_back();
    } else if (c != '\r') {
      out.back() += c;
    }
  }
  return out;
}

// Column `column` of every data row of a sample file, as numbers.
std::vector<double> column_values(const std::string& file, std::size_t column) {
  std::ifstream in(kSignals + file);
  std::string line;
  std::getline(in, line);  // header
  std::vector<double> out;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(std::stod(split_csv(line).at(column)));
  return out;
}

// The mean of sixty 60 s tick means over hour h after 2026-07-01T00:00Z.
double hour_of_tick_means(const power::GridSignal& s, int h) {
  double sum = 0.0;
  for (int k = 0; k < 60; ++k) {
    const double t0 = kJuly1 + 3600.0 * h + 60.0 * k;
    sum += s.mean_over(t0, t0 + 60.0);
  }
  return sum / 60.0;
}

io::SignalSpec carbon_spec(power::CarbonAccounting basis) {
  io::SignalSpec spec;
  spec.source = io::SignalSpec::Source::electricitymaps_csv;
  spec.csv_path = kSignals + "electricitymaps_hourly_sample.csv";
  spec.basis = basis;
  return spec;
}

io::SignalSpec price_spec(double usd_per_unit) {
  io::SignalSpec spec;
  spec.source = io::SignalSpec::Source::price_csv;
  spec.csv_path = kSignals + "ember_price_sample.csv";
  spec.usd_per_unit = usd_per_unit;
  return spec;
}

TEST(TwinSiteSignals, ElectricityMapsTickMeansAreTheHourlyValuesOfTheChosenBasis) {
  // Columns 4 and 5: direct and life-cycle gCO2eq/kWh.
  const std::vector<double> direct = column_values("electricitymaps_hourly_sample.csv", 4);
  const std::vector<double> lifecycle = column_values("electricitymaps_hourly_sample.csv", 5);
  ASSERT_EQ(direct.size(), 48u);
  const power::GridSignal d = make_grid_signal(carbon_spec(power::CarbonAccounting::direct), true);
  const power::GridSignal l =
      make_grid_signal(carbon_spec(power::CarbonAccounting::lifecycle), true);
  for (int h = 0; h < 48; ++h) {
    EXPECT_NEAR(hour_of_tick_means(d, h), direct[h], 1e-9) << "hour " << h;
    EXPECT_NEAR(hour_of_tick_means(l, h), lifecycle[h], 1e-9) << "hour " << h;
  }
  // Interval means held over their hour: a tick straddling 01:00 averages the two hours.
  EXPECT_NEAR(l.mean_over(kJuly1 + 3570.0, kJuly1 + 3630.0), 0.5 * (lifecycle[0] + lifecycle[1]),
              1e-9);
  // The zone option keeps that zone's rows; another zone is an error naming it.
  io::SignalSpec zoned = carbon_spec(power::CarbonAccounting::direct);
  zoned.zone = "XX-N";
  EXPECT_NEAR(make_grid_signal(zoned, true).mean_over(kJuly1, kJuly1 + 3600.0), direct[0], 1e-9);
  zoned.zone = "DE";
  EXPECT_THROW(make_grid_signal(zoned, true), std::runtime_error);
}

TEST(TwinSiteSignals, IntervalEndLabelsShiftTheHourBack) {
  io::SignalSpec spec = carbon_spec(power::CarbonAccounting::lifecycle);
  spec.label = power::TimeLabel::interval_end;
  const std::vector<double> lifecycle = column_values("electricitymaps_hourly_sample.csv", 5);
  const power::GridSignal s = make_grid_signal(spec, true);
  // Row h (stamped h:00) is the mean over the hour ending there.
  for (int h = 1; h < 48; ++h) EXPECT_NEAR(hour_of_tick_means(s, h - 1), lifecycle[h], 1e-9);
}

TEST(TwinSiteSignals, PriceFileTickMeansAreItsHourlyValuesTimesUsdPerUnit) {
  const std::vector<double> eur = column_values("ember_price_sample.csv", 4);
  ASSERT_EQ(eur.size(), 48u);
  const power::GridSignal one = make_grid_signal(price_spec(1.0), false);
  const power::GridSignal usd = make_grid_signal(price_spec(1.08), false);
  bool negative = false;
  for (int h = 0; h < 48; ++h) {
    EXPECT_NEAR(hour_of_tick_means(one, h), eur[h], 1e-9) << "hour " << h;
    EXPECT_NEAR(hour_of_tick_means(usd, h), 1.08 * eur[h], 1e-9) << "hour " << h;
    negative = negative || eur[h] < 0.0;
  }
  EXPECT_TRUE(negative);  // the sample's negative price is kept, and scaled
}

TEST(TwinSiteSignals, NativeSignalsAreUnchanged) {
  io::SignalSpec c;
  c.shape.mean = 321.0;
  EXPECT_EQ(make_grid_signal(c, true).mean_over(kJuly1, kJuly1 + 1.0), 321.0);
  c.source = io::SignalSpec::Source::daily;
  c.shape = {400.0, 50.0, 3.0};
  const power::GridSignal daily = power::GridSignal::daily(c.shape);
  for (double t = 0.0; t < 86400.0; t += 977.0)
    EXPECT_EQ(make_grid_signal(c, true).mean_over(kJuly1 + t, kJuly1 + t + 1.0),
              daily.mean_over(kJuly1 + t, kJuly1 + t + 1.0));
}

io::WeatherSpec epw_spec(int year) {
  io::WeatherSpec spec;
  spec.source = io::WeatherSpec::Source::epw;
  spec.epw_path = kSignals + "synthetic_sample.epw";
  spec.epw_year = year;
  return spec;
}

TEST(TwinSiteSignals, EpwWeatherIsLaidOnTheYearInUtc) {
  // The sample's first records (1 January hours 1 and 2 at UTC−6): dry bulb −2.2 and −3.2 °C,
  // i.e. 07:00 and 08:00 UTC.
  const double jan1 = thermal::parse_iso8601_utc("2026-01-01T00:00:00Z");
  const SiteWeather w(epw_spec(2026), jan1);
  EXPECT_NEAR(w.sample(7.0 * 3600.0).dry_bulb_c, -2.2, 1e-12);
  EXPECT_NEAR(w.sample(7.5 * 3600.0).dry_bulb_c, -2.7, 1e-12);
  EXPECT_NEAR(w.sample(8.0 * 3600.0).dry_bulb_c, -3.2, 1e-12);
  EXPECT_NEAR(w.sample(3.0 * 3600.0).dry_bulb_c, -2.2, 1e-12);  // before the first: held
  // Dew point −3.4 °C just below the dry bulb: a wet bulb between the two.
  const thermal::WeatherSample first = w.sample(7.0 * 3600.0);
  EXPECT_LT(first.wet_bulb_c, -2.2);
  EXPECT_GT(first.wet_bulb_c, -3.4);
  // Another year: the same records a year (365 days) later.
  const double jan1_2027 = thermal::parse_iso8601_utc("2027-01-01T00:00:00Z");
  const SiteWeather w27(epw_spec(2027), jan1_2027);
  EXPECT_NEAR(w27.sample(7.5 * 3600.0).dry_bulb_c, -2.7, 1e-12);
  EXPECT_NEAR(w27.at_unix_s(jan1_2027 + 7.5 * 3600.0).dry_bulb_c, -2.7, 1e-12);
}

TEST(TwinSiteSignals, WeatherIsHeldOverUpdateSteps) {
  const double jan1 = thermal::parse_iso8601_utc("2026-01-01T00:00:00Z");
  io::WeatherSpec spec = epw_spec(2026);
  spec.update_s = 3600.0;
  const SiteWeather held(spec, jan1);
  // Anywhere in 07:00–08:00 the value at 07:30.
  EXPECT_NEAR(held.sample(7.0 * 3600.0).dry_bulb_c, -2.7, 1e-12);
  EXPECT_NEAR(held.sample(7.9 * 3600.0).dry_bulb_c, -2.7, 1e-12);
  EXPECT_NEAR(held.at_unix_s(jan1 + 7.0 * 3600.0).dry_bulb_c, -2.2, 1e-12);  // not held
}

TEST(TwinSiteSignals, SyntheticAndCsvWeatherAreWhatTheyWere) {
  io::WeatherSpec spec;
  spec.climate = *thermal::climate_catalogue().find("warm_summer");
  const SiteWeather synthetic(spec, kJuly1);
  for (double t = 0.5; t < 86400.0; t += 1234.5) {
    const thermal::WeatherSample a = synthetic.sample(t);
    const thermal::WeatherSample b = thermal::sample(spec.climate, kJuly1 + t);
    EXPECT_EQ(a.dry_bulb_c, b.dry_bulb_c);
    EXPECT_EQ(a.wet_bulb_c, b.wet_bulb_c);
  }
  spec.source = io::WeatherSpec::Source::csv;
  spec.csv_path = testing::TempDir() + "site_signals_weather.csv";
  std::ofstream(spec.csv_path) << "timestamp,dry_bulb_c,wet_bulb_c\n"
                                  "2026-07-01T00:00:00Z,20,15\n"
                                  "2026-07-01T06:00:00Z,18,14.5\n"
                                  "2026-07-01T15:00:00Z,31,21\n"
                                  "2026-07-02T00:00:00Z,22,16\n";
  const SiteWeather csv(spec, kJuly1);
  const thermal::HourlyWeather direct = thermal::HourlyWeather::load_csv(spec.csv_path);
  for (double t = 0.5; t < 86400.0; t += 1234.5)
    EXPECT_EQ(csv.sample(t).dry_bulb_c, direct.sample(kJuly1 + t).dry_bulb_c);
}

}  // namespace
}  // namespace ct::twin
