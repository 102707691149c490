// Provider grid data: the Electricity Maps hourly export layout (carbon, direct and life cycle),
// price files with their currency (Ember layout and the native one), step series and their exact
// tick means, and errors naming file, line and column. Samples in tests/signals/ are synthetic.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <stdexcept>
#include <string>

#include "power/grid_data.hpp"
#include "thermal/weather.hpp"

#ifndef CT_SOURCE_DIR
#define CT_SOURCE_DIR "."
#endif

namespace ct::power {
namespace {

const std::string kSignals = std::string(CT_SOURCE_DIR) + "/tests/signals/";
const double kT0 = thermal::parse_iso8601_utc("2026-07-01T00:00:00Z");

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

// Expects a std::runtime_error whose message contains every fragment.
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

TEST(PowerGridData, StepSeriesHoldsIntervalMeansAndIntegratesExactly) {
  const HourlySeries s({0.0, 3600.0, 7200.0}, {100.0, 300.0, 200.0},
                       HourlySeries::Interpolation::step);
  EXPECT_DOUBLE_EQ(s.at(0.0), 100.0);
  EXPECT_DOUBLE_EQ(s.at(3599.0), 100.0);
  EXPECT_DOUBLE_EQ(s.at(3600.0), 300.0);
  EXPECT_DOUBLE_EQ(s.at(9000.0), 200.0);  // last value holds
  EXPECT_DOUBLE_EQ(s.at(-50.0), 100.0);   // first value before
  // A tick straddling the hour: 60 s at 100 and 60 s at 300.
  EXPECT_DOUBLE_EQ(s.mean_over(3540.0, 3660.0), 200.0);
  // The whole hour gives its value back; two hours their mean; clamped ends.
  EXPECT_DOUBLE_EQ(s.mean_over(0.0, 3600.0), 100.0);
  EXPECT_DOUBLE_EQ(s.mean_over(0.0, 7200.0), 200.0);
  EXPECT_DOUBLE_EQ(s.mean_over(-3600.0, 3600.0), 100.0);
  EXPECT_DOUBLE_EQ(s.mean_over(7200.0, 10800.0), 200.0);
  // Ticks of 60 s over two hours average to the hourly means exactly.
  double sum = 0.0;
  for (int k = 0; k < 120; ++k) sum += s.mean_over(60.0 * k, 60.0 * (k + 1));
  EXPECT_NEAR(sum / 120.0, 200.0, 1e-12);
}

TEST(PowerGridData, IntervalEndLabelsShiftBackOneInterval) {
  const HourlySeries s =
      labelled_series({3600.0, 7200.0, 10800.0}, {10.0, 20.0, 30.0}, TimeLabel::interval_end);
  EXPECT_DOUBLE_EQ(s.mean_over(0.0, 3600.0), 10.0);  // (0, 1 h] → 10
  EXPECT_DOUBLE_EQ(s.mean_over(3600.0, 7200.0), 20.0);
  EXPECT_DOUBLE_EQ(s.mean_over(7200.0, 10800.0), 30.0);
  const HourlySeries lin = labelled_series({0.0, 3600.0}, {10.0, 20.0}, TimeLabel::instant);
  EXPECT_DOUBLE_EQ(lin.at(1800.0), 15.0);
}

TEST(PowerGridData, ReadsElectricityMapsHourlyExport) {
  const std::string path = kSignals + "electricitymaps_hourly_sample.csv";
  const CarbonIntensityData d = load_carbon_intensity_csv(path);
  EXPECT_EQ(d.zone, "XX-N");
  ASSERT_TRUE(d.direct && d.lifecycle);
  EXPECT_EQ(d.direct->size(), 48u);
  EXPECT_EQ(d.estimated_rows, 2u);
  EXPECT_EQ(d.direct->interpolation(), HourlySeries::Interpolation::step);
  // Row 1: 2026-07-01 00:00:00 (UTC, no zone in the text), 320.0 direct, 409.0 life cycle.
  EXPECT_DOUBLE_EQ(d.direct->first_time_s(), kT0);
  EXPECT_DOUBLE_EQ(d.direct->at(kT0 + 1800.0), 320.0);
  EXPECT_DOUBLE_EQ(carbon_series(d, CarbonAccounting::lifecycle, path).at(kT0 + 1800.0), 409.0);
  // Tick mean across 01:00: half of row 1 (320.0) and half of row 2 (319.32).
  EXPECT_NEAR(d.direct->mean_over(kT0 + 3570.0, kT0 + 3630.0), 0.5 * (320.0 + 319.32), 1e-9);
  // Same zone requested explicitly; another zone has no rows.
  EXPECT_EQ(load_carbon_intensity_csv(path, {"XX-N", TimeLabel::interval_start}).zone, "XX-N");
  expect_error(
      [&] {
        (void)load_carbon_intensity_csv(path, {"DE", TimeLabel::interval_start});
      },
      {path, "no data rows", "DE"});
}

TEST(PowerGridData, ElectricityMapsHeaderVariantsAndOneBasisOnly) {
  // The data portal's earlier names; ASCII "2"; a single basis.
  const std::string older = write_temp(
      "em_older.csv",
      "Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO2eq/kWh (direct),"
      "Carbon Intensity gCO2eq/kWh (life cycle assessment),Low Carbon Percentage,Renewable "
      "Percentage,Data Source,Data Estimated,Data Estimation Method\n"
      "2021-01-01 00:00:00,Sweden,Sweden,SE,2.54,30.02,99.42,60.13,svk.se,true,X\n"
      "2021-01-01 01:00:00,Sweden,Sweden,SE,2.6,30.32,99.4,59.52,svk.se,false,\n");
  const CarbonIntensityData a = load_carbon_intensity_csv(older);
  EXPECT_DOUBLE_EQ(a.direct->values()[1], 2.6);
  EXPECT_DOUBLE_EQ(a.lifecycle->values()[0], 30.02);
  EXPECT_EQ(a.zone, "SE");
  const std::string life_only = write_temp(
      "em_life.csv",
      "Datetime (UTC),Carbon intensity gCO₂eq/kWh (Life cycle)\n2021-01-01T00:00:00Z,30\n");
  const CarbonIntensityData b = load_carbon_intensity_csv(life_only);
  EXPECT_FALSE(b.direct);
  expect_error([&] { (void)carbon_series(b, CarbonAccounting::direct, life_only); },
               {life_only, "direct"});
}

TEST(PowerGridData, CarbonErrorsNameFileLineAndColumn) {
  const std::string header =
      "Datetime (UTC),Zone id,Carbon intensity gCO₂eq/kWh (direct),Carbon intensity gCO₂eq/kWh "
      "(Life cycle)\n";
  const std::string bad_value =
      write_temp("em_bad_value.csv", header +
                                         "2026-07-01 00:00:00,XX,100,120\n"
                                         "2026-07-01 01:00:00,XX,abc,120\n");
  expect_error([&] { (void)load_carbon_intensity_csv(bad_value); },
               {bad_value + ":3:", "Carbon intensity gCO₂eq/kWh (direct)", "abc"});
  const std::string kg = write_temp("em_kg.csv", header + "2026-07-01 00:00:00,XX,0.1,4000\n");
  expect_error([&] { (void)load_carbon_intensity_csv(kg); },
               {kg + ":2:", "(Life cycle)", "4000", "wrong units"});
  const std::string order = write_temp("em_order.csv", header +
                                                           "2026-07-01 01:00:00,XX,1,2\n"
                                                           "2026-07-01 00:00:00,XX,1,2\n");
  expect_error([&] { (void)load_carbon_intensity_csv(order); },
               {order + ":3:", "Datetime (UTC)", "not after"});
  const std::string zones = write_temp("em_zones.csv", header +
                                                           "2026-07-01 00:00:00,DE,1,2\n"
                                                           "2026-07-01 00:00:00,FR,1,2\n");
  expect_error([&] { (void)load_carbon_intensity_csv(zones); },
               {zones + ":3:", "several zones", "DE", "FR"});
  const std::string columns = write_temp("em_columns.csv", header + "2026-07-01 00:00:00,XX,1\n");
  expect_error([&] { (void)load_carbon_intensity_csv(columns); }, {columns + ":2:", "columns"});
  const std::string no_carbon = write_temp("em_none.csv", "Datetime (UTC),CO2\n2026-07-01,1\n");
  expect_error([&] { (void)load_carbon_intensity_csv(no_carbon); },
               {no_carbon + ":1:", "no carbon-intensity column"});
  const std::string time = write_temp("em_time.csv", header + "2026-13-01 00:00:00,XX,1,2\n");
  expect_error([&] { (void)load_carbon_intensity_csv(time); },
               {time + ":2:", "Datetime (UTC)", "month"});
  expect_error([&] { (void)load_carbon_intensity_csv(testing::TempDir() + "missing.csv"); },
               {"cannot open", "missing.csv"});
}

TEST(PowerGridData, ReadsEmberPricesWithCurrency) {
  const std::string path = kSignals + "ember_price_sample.csv";
  const PriceData p = load_price_csv_export(path);
  EXPECT_EQ(p.currency, "EUR");
  EXPECT_EQ(p.zone, "SYN");
  EXPECT_EQ(p.price_per_mwh.size(), 48u);
  EXPECT_DOUBLE_EQ(p.price_per_mwh.first_time_s(), kT0);  // the UTC column, not the local one
  EXPECT_DOUBLE_EQ(p.price_per_mwh.at(kT0 + 13.5 * 3600.0), -4.5);  // a negative price
  // Exact tick mean across a boundary: 30 s at row 1 (90.35) and 30 s at row 2 (80).
  EXPECT_NEAR(p.price_per_mwh.mean_over(kT0 + 3570.0, kT0 + 3630.0), 0.5 * (90.35 + 80.0), 1e-9);
}

TEST(PowerGridData, NativePriceColumnAndPriceErrors) {
  const std::string native = write_temp("price_native.csv",
                                        "timestamp,price_usd_per_mwh\n2026-07-01T00:00:00Z,42\n"
                                        "2026-07-01T02:00:00+01:00,43\n");
  const PriceData p = load_price_csv_export(native);
  EXPECT_EQ(p.currency, "USD");
  EXPECT_EQ(p.price_per_mwh.size(), 2u);
  // A "timestamp" column needs a zone in the text.
  const std::string no_zone =
      write_temp("price_nozone.csv", "timestamp,price_usd_per_mwh\n2026-07-01 00:00:00,42\n");
  expect_error([&] { (void)load_price_csv_export(no_zone); },
               {no_zone + ":2:", "timestamp", "time zone"});
  const std::string no_currency =
      write_temp("price_nocur.csv", "Datetime (UTC),Price (/MWh)\n2026-07-01 00:00:00,42\n");
  expect_error([&] { (void)load_price_csv_export(no_currency); },
               {no_currency + ":1:", "currency"});
  const std::string high =
      write_temp("price_high.csv", "Datetime (UTC),Price (EUR/MWhe)\n2026-07-01 00:00:00,250000\n");
  expect_error([&] { (void)load_price_csv_export(high); },
               {high + ":2:", "Price (EUR/MWhe)", "250000"});
  const std::string quote =
      write_temp("price_quote.csv", "Datetime (UTC),Price (EUR/MWhe)\n\"2026-07-01,42\n");
  expect_error([&] { (void)load_price_csv_export(quote); }, {quote + ":2:", "quote"});
}

}  // namespace
}  // namespace ct::power
