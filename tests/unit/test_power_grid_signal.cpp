// Grid signals: daily sinusoid, hourly CSV series (interpolation, exact means, errors), presets.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include "power/grid_signal.hpp"
#include "thermal/weather.hpp"

#ifndef CT_SOURCE_DIR
#define CT_SOURCE_DIR "."
#endif

namespace ct::power {
namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;
const double kT0 = thermal::parse_iso8601_utc("2026-07-01T00:00:00Z");

// Composite Simpson on [a, b] with n (even) intervals: independent of the closed forms.
template <class F>
double simpson(F f, double a, double b, int n) {
  const double h = (b - a) / n;
  double sum = f(a) + f(b);
  for (int i = 1; i < n; ++i) sum += (i % 2 ? 4.0 : 2.0) * f(a + i * h);
  return sum * h / 3.0;
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

TEST(PowerGridSignal, DailyShapePeaksAtPeakHourUtc) {
  const DailyShape s{300.0, 50.0, 17.5};
  EXPECT_NEAR(daily_shape_at(s, kT0 + 17.5 * 3600.0), 350.0, 1e-9);
  EXPECT_NEAR(daily_shape_at(s, kT0 + 5.5 * 3600.0), 250.0, 1e-9);   // trough 12 h later
  EXPECT_NEAR(daily_shape_at(s, kT0 + 11.5 * 3600.0), 300.0, 1e-9);  // quarter day: mean
  EXPECT_NEAR(daily_shape_at(s, kT0 + 86400.0 * 400 + 17.5 * 3600.0), 350.0, 1e-9);  // any day
  // General point against the formula.
  const double t = kT0 + 12345.0;
  EXPECT_NEAR(daily_shape_at(s, t), 300.0 + 50.0 * std::cos(kTwoPi * (12345.0 - 63000.0) / 86400.0),
              1e-9);
}

TEST(PowerGridSignal, DailyShapeMeanOverMatchesQuadrature) {
  const DailyShape s{229.0, 80.0, 3.0};
  EXPECT_NEAR(daily_shape_mean_over(s, kT0 + 1234.0, kT0 + 1234.0 + 86400.0), 229.0, 1e-9);
  for (const auto& [a, b] : {std::pair{0.0, 1.0}, {100.0, 5000.0}, {3000.0, 200000.0}}) {
    const double exact =
        simpson([&](double t) { return daily_shape_at(s, t); }, kT0 + a, kT0 + b, 2000) / (b - a);
    EXPECT_NEAR(daily_shape_mean_over(s, kT0 + a, kT0 + b), exact, 1e-9 * 229.0) << a << " " << b;
  }
  EXPECT_DOUBLE_EQ(daily_shape_mean_over(s, kT0 + 7.0, kT0 + 7.0), daily_shape_at(s, kT0 + 7.0));
}

TEST(PowerGridSignal, SeriesInterpolatesAndClamps) {
  const HourlySeries h({0.0, 3600.0, 7200.0}, {100.0, 200.0, 50.0});
  EXPECT_DOUBLE_EQ(h.at(-10.0), 100.0);
  EXPECT_DOUBLE_EQ(h.at(0.0), 100.0);
  EXPECT_DOUBLE_EQ(h.at(900.0), 125.0);
  EXPECT_DOUBLE_EQ(h.at(3600.0), 200.0);
  EXPECT_DOUBLE_EQ(h.at(5400.0), 125.0);
  EXPECT_DOUBLE_EQ(h.at(1e9), 50.0);
  EXPECT_THROW(HourlySeries({0.0, 0.0}, {1.0, 2.0}), std::invalid_argument);
  EXPECT_THROW(HourlySeries({0.0}, {1.0, 2.0}), std::invalid_argument);
  EXPECT_THROW(HourlySeries({}, {}), std::invalid_argument);
}

TEST(PowerGridSignal, SeriesMeanOverIsExact) {
  const HourlySeries h({0.0, 3600.0, 7200.0}, {100.0, 200.0, 50.0});
  // Hand-computed areas: [0,3600] 540000, [3600,7200] 450000.
  EXPECT_NEAR(h.mean_over(0.0, 7200.0), 990000.0 / 7200.0, 1e-9);
  // Straddling the left clamp, a knot and the right clamp: 100·1000 + 990000 + 50·800.
  EXPECT_NEAR(h.mean_over(-1000.0, 8000.0), (100000.0 + 990000.0 + 40000.0) / 9000.0, 1e-9);
  EXPECT_DOUBLE_EQ(h.mean_over(-50.0, -10.0), 100.0);
  EXPECT_DOUBLE_EQ(h.mean_over(9000.0, 9100.0), 50.0);
  // Inside one segment the mean of a linear function is its midpoint value.
  EXPECT_NEAR(h.mean_over(4000.0, 4010.0), h.at(4005.0), 1e-9);
  EXPECT_NEAR(h.mean_over(4010.0, 4000.0), h.at(4005.0), 1e-9);  // reversed interval
  const HourlySeries single({5.0}, {42.0});
  EXPECT_DOUBLE_EQ(single.mean_over(0.0, 100.0), 42.0);
}

TEST(PowerGridSignal, LoadsCsvWithCommentsOffsetsAndBlankLines) {
  const std::string path = write_temp("power_carbon_ok.csv",
                                      "# comment\n"
                                      "timestamp, carbon_g_per_kwh\r\n"
                                      "2026-07-01T00:00:00Z,300\n"
                                      "\n"
                                      "2026-07-01T03:00:00+02:00,400.5\n"  // = 01:00Z
                                      "2026-07-01T02:00Z , 350\n");
  const HourlySeries h = load_carbon_csv(path);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_DOUBLE_EQ(h.first_time_s(), kT0);
  EXPECT_DOUBLE_EQ(h.times_s()[1], kT0 + 3600.0);
  EXPECT_DOUBLE_EQ(h.at(kT0 + 1800.0), 350.25);
  EXPECT_DOUBLE_EQ(h.at(kT0 + 5400.0), 375.25);
}

void expect_load_error(const std::string& name, const std::string& text, const std::string& where,
                       const std::string& what) {
  const std::string path = write_temp(name, text);
  try {
    load_carbon_csv(path);
    ADD_FAILURE() << "no exception for " << name;
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path + ":" + where), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
}

TEST(PowerGridSignal, CsvErrorsNameFileLineAndContent) {
  expect_load_error("e1.csv", "timestamp,price_usd_per_mwh\n", "1:", "expected header");
  expect_load_error("e2.csv", "timestamp,carbon_g_per_kwh\n2026-07-01T00:00:00Z,abc\n",
                    "2:", "cannot parse 'abc'");
  expect_load_error("e3.csv", "timestamp,carbon_g_per_kwh\n2026-07-01T00:00:00,1\n",
                    "2:", "time zone");
  expect_load_error("e4.csv",
                    "timestamp,carbon_g_per_kwh\n2026-07-01T01:00:00Z,1\n# x\n"
                    "2026-07-01T00:00:00Z,2\n",
                    "4:", "is not after");
  expect_load_error("e5.csv", "timestamp,carbon_g_per_kwh\n2026-07-01T00:00:00Z,1,2\n",
                    "2:", "expected 2 columns");
  expect_load_error("e6.csv", "timestamp,carbon_g_per_kwh\n2026-07-01T00:00:00Z,-5\n",
                    "2:", "plausible range");
  expect_load_error("e7.csv", "timestamp,carbon_g_per_kwh\n2026-07-01T00:00:00Z,\n",
                    "2:", "cannot parse ''");
  EXPECT_THROW(load_carbon_csv(write_temp("e8.csv", "# only a comment\n")), std::runtime_error);
  EXPECT_THROW(load_carbon_csv(write_temp("e9.csv", "timestamp,carbon_g_per_kwh\n")),
               std::runtime_error);
  EXPECT_THROW(load_carbon_csv(testing::TempDir() + "does_not_exist.csv"), std::runtime_error);
  // Negative prices are legitimate.
  const HourlySeries p = load_price_csv(
      write_temp("p.csv", "timestamp,price_usd_per_mwh\n2026-07-01T00:00:00Z,-12.5\n"));
  EXPECT_DOUBLE_EQ(p.at(0.0), -12.5);
}

TEST(PowerGridSignal, ExampleWeekFilesLoad) {
  const HourlySeries c =
      load_carbon_csv(std::string(CT_SOURCE_DIR) + "/configs/grid/carbon_example_week.csv");
  const HourlySeries p =
      load_price_csv(std::string(CT_SOURCE_DIR) + "/configs/grid/price_example_week.csv");
  for (const HourlySeries* h : {&c, &p}) {
    ASSERT_EQ(h->size(), 7u * 24u + 1u);
    EXPECT_DOUBLE_EQ(h->first_time_s(), kT0);
    EXPECT_DOUBLE_EQ(h->last_time_s(), kT0 + 7.0 * 86400.0);
  }
  // Solar-grid shape: local noon (19:00Z) is cleaner than local midnight (07:00Z).
  EXPECT_LT(c.at(kT0 + 19.0 * 3600.0), c.at(kT0 + 7.0 * 3600.0) - 100.0);
}

TEST(PowerGridSignal, GridSignalDispatches) {
  const DailyShape s{400.0, 30.0, 2.0};
  const GridSignal constant = GridSignal::constant(77.0);
  const GridSignal daily = GridSignal::daily(s);
  const GridSignal series = GridSignal::series(HourlySeries({0.0, 10.0}, {0.0, 10.0}));
  EXPECT_EQ(constant.kind(), GridSignal::Kind::constant);
  EXPECT_DOUBLE_EQ(constant.at(123.0), 77.0);
  EXPECT_DOUBLE_EQ(constant.mean_over(0.0, 5.0), 77.0);
  EXPECT_DOUBLE_EQ(daily.at(kT0 + 99.0), daily_shape_at(s, kT0 + 99.0));
  EXPECT_DOUBLE_EQ(daily.mean_over(kT0, kT0 + 50.0), daily_shape_mean_over(s, kT0, kT0 + 50.0));
  EXPECT_DOUBLE_EQ(series.at(2.5), 2.5);
  EXPECT_DOUBLE_EQ(series.mean_over(0.0, 20.0), (50.0 + 100.0) / 20.0);
  const GridSignal copy = series;  // copyable
  EXPECT_DOUBLE_EQ(copy.at(4.0), 4.0);
  EXPECT_DOUBLE_EQ(GridSignal().at(1.0), 0.0);
}

TEST(PowerGridSignal, CarbonPresets) {
  const std::pair<const char*, double> expected[] = {
      {"us", 409.0},    {"pjm", 403.0},   {"ercot", 377.0},     {"caiso", 229.0},
      {"quebec", 35.0}, {"france", 33.0}, {"sweden_se3", 21.0},
  };
  EXPECT_EQ(carbon_catalogue().entries().size(), std::size(expected));
  for (const auto& [name, mean] : expected) {
    const DailyShape* p = carbon_catalogue().find(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->mean, mean);
    // Nonnegative everywhere, and the daily average is the annual mean.
    EXPECT_LE(p->amplitude, p->mean) << name;
    EXPECT_NEAR(daily_shape_mean_over(*p, kT0, kT0 + 86400.0), mean, 1e-9) << name;
  }
  EXPECT_EQ(carbon_catalogue().find("atlantis"), nullptr);
}

}  // namespace
}  // namespace ct::power
