// Cap in force: site capacity, daily and absolute demand-response windows, carbon-aware capping;
// power-smoothing stall floor; policy validation.
#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

#include "power/grid_cap.hpp"
#include "thermal/weather.hpp"

namespace ct::power {
namespace {

const double kT0 = thermal::parse_iso8601_utc("2026-07-01T00:00:00Z");
constexpr double kH = 3600.0;

TEST(PowerGridCap, DailyWindowRecursAndIsHalfOpen) {
  const DemandResponseWindow w = daily_window(17 * kH, 19 * kH, 1.0);
  for (int day : {0, 1, 365}) {
    const double d = kT0 + day * 86400.0;
    EXPECT_FALSE(window_active(w, d + 17 * kH - 1.0));
    EXPECT_TRUE(window_active(w, d + 17 * kH));
    EXPECT_TRUE(window_active(w, d + 19 * kH - 1e-3));
    EXPECT_FALSE(window_active(w, d + 19 * kH));
  }
  EXPECT_TRUE(window_active(w, -86400.0 + 18 * kH));  // before 1970 too
}

TEST(PowerGridCap, DailyWindowCrossingMidnight) {
  const DemandResponseWindow w = daily_window(22 * kH, 2 * kH, 1.0);
  EXPECT_TRUE(window_active(w, kT0 + 23 * kH));
  EXPECT_TRUE(window_active(w, kT0 + 1 * kH));
  EXPECT_FALSE(window_active(w, kT0 + 2 * kH));
  EXPECT_FALSE(window_active(w, kT0 + 12 * kH));
  EXPECT_TRUE(window_active(w, kT0 + 22 * kH));
}

TEST(PowerGridCap, OnceWindow) {
  const DemandResponseWindow w = once_window(kT0 + 100.0, kT0 + 200.0, 1.0);
  EXPECT_FALSE(window_active(w, kT0 + 99.0));
  EXPECT_TRUE(window_active(w, kT0 + 100.0));
  EXPECT_FALSE(window_active(w, kT0 + 200.0));
  EXPECT_FALSE(window_active(w, kT0 + 86400.0 + 150.0));  // does not recur
}

TEST(PowerGridCap, CapIsTheMinimumOfActiveLimits) {
  GridPolicy p;
  EXPECT_EQ(cap_in_force_w(p, kT0, 500.0), std::numeric_limits<double>::infinity());
  p.site_capacity_w = 100e6;
  p.windows = {daily_window(17 * kH, 19 * kH, 80e6),
               once_window(kT0 + 18 * kH, kT0 + 20 * kH, 70e6)};
  EXPECT_EQ(cap_in_force_w(p, kT0 + 12 * kH, 0.0), 100e6);
  EXPECT_EQ(cap_in_force_w(p, kT0 + 17.5 * kH, 0.0), 80e6);
  EXPECT_EQ(cap_in_force_w(p, kT0 + 18.5 * kH, 0.0), 70e6);
  EXPECT_EQ(cap_in_force_w(p, kT0 + 19.5 * kH, 0.0), 70e6);
  EXPECT_EQ(cap_in_force_w(p, kT0 + 86400.0 + 18.5 * kH, 0.0), 80e6);  // next day: daily only
  // Carbon threshold is ignored unless the policy is carbon_aware.
  p.carbon_threshold_g_per_kwh = 300.0;
  p.carbon_cap_fraction = 0.6;
  EXPECT_EQ(cap_in_force_w(p, kT0 + 12 * kH, 400.0), 100e6);
  p.kind = PolicyKind::carbon_aware;
  EXPECT_EQ(cap_in_force_w(p, kT0 + 12 * kH, 300.0), 100e6);  // strictly above
  EXPECT_EQ(cap_in_force_w(p, kT0 + 12 * kH, 300.1), 60e6);
  EXPECT_EQ(cap_in_force_w(p, kT0 + 18.5 * kH, 400.0), 60e6);
  EXPECT_EQ(cap_in_force_w(p, kT0 + 18.5 * kH, 100.0), 70e6);
}

TEST(PowerGridCap, SmoothingFloor) {
  GridPolicy p;
  EXPECT_EQ(stall_power_w(p, 100.0, 600.0, 700.0), 100.0);
  p.kind = PolicyKind::power_smoothing;
  p.smoothing_floor_fraction = 0.8;
  EXPECT_DOUBLE_EQ(stall_power_w(p, 100.0, 600.0, 700.0), 480.0);
  EXPECT_DOUBLE_EQ(stall_power_w(p, 100.0, 600.0, 400.0), 400.0);  // never above the cap
  EXPECT_DOUBLE_EQ(stall_power_w(p, 500.0, 600.0, 700.0), 500.0);  // never lowers power
}

TEST(PowerGridCap, Validation) {
  GridPolicy p;
  EXPECT_NO_THROW(validate(p));
  p.site_capacity_w = 0.0;
  EXPECT_THROW(validate(p), std::invalid_argument);
  p.site_capacity_w = 1e6;
  p.windows = {once_window(10.0, 10.0, 1.0)};
  EXPECT_THROW(validate(p), std::invalid_argument);
  p.windows = {daily_window(0.0, 90000.0, 1.0)};
  EXPECT_THROW(validate(p), std::invalid_argument);
  p.windows = {daily_window(22 * kH, 2 * kH, 1.0)};
  EXPECT_NO_THROW(validate(p));
  p.kind = PolicyKind::carbon_aware;
  p.carbon_threshold_g_per_kwh = 200.0;
  p.carbon_cap_fraction = 1.5;
  EXPECT_THROW(validate(p), std::invalid_argument);
  p.carbon_cap_fraction = 0.7;
  EXPECT_NO_THROW(validate(p));
  p.site_capacity_w = std::numeric_limits<double>::infinity();
  EXPECT_THROW(validate(p), std::invalid_argument);
}

}  // namespace
}  // namespace ct::power
