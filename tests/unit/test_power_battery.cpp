// Site storage: a closed-form peak-shaving case, energy balance to 1e-9 and state-of-charge
// bounds on random load profiles (property test), ramp limiting of fleet stalls and restarts,
// price arbitrage, restart round trip, validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "common/archive.hpp"
#include "common/random.hpp"
#include "power/battery.hpp"
#include "power/ramp_meter.hpp"
#include "power/swing_meter.hpp"

namespace ct::power {
namespace {

constexpr double kMW = 1e6;
constexpr double kMWh = 3.6e9;

// 40 MWh / 30 MW, η_c = η_d = 0.95, SOC 0.1–0.9 starting full; cap 100 MW. Load: 80 MW for 1 h,
// 125 MW for 2 h, 80 MW for 4 h; ticks of 60 s. Closed form:
//   the battery holds the grid at the cap until its usable 32 MWh run out, at
//     t* = usable·η_d / (L − C) = 4377.6 s into the peak (inside tick 72);
//   that tick: grid = L − (L − C)·(t* − 72·Δt)/Δt; then grid = L to the end of the peak;
//   after the peak it recharges at the headroom C − base = 20 MW (below the 30 MW rating) for
//     t_r = usable / (η_c·(C − base)) = 6063.2 s (inside tick 101): grid = C, then in that tick
//     base + (C − base)·(t_r − 101·Δt)/Δt, then base.
TEST(PowerBattery, PeakShavingMatchesClosedForm) {
  BatterySpec spec;
  spec.energy_capacity_j = 40.0 * kMWh;
  spec.power_rating_w = 30.0 * kMW;
  spec.charge_efficiency = spec.discharge_efficiency = 0.95;
  spec.soc_min = 0.1;
  spec.soc_max = 0.9;
  spec.initial_soc = 0.9;
  StoragePolicy policy;
  policy.kind = StoragePolicy::Kind::peak_shaving;
  policy.grid_cap_w = 100.0 * kMW;
  policy.recharge_soc = 0.9;
  SiteStorage storage(spec, policy);

  const double dt = 60.0, base = 80.0 * kMW, peak = 125.0 * kMW, cap = 100.0 * kMW;
  const double usable_j = 32.0 * kMWh;
  const double t_star = usable_j * 0.95 / (peak - cap);
  const double t_recharge = usable_j / (0.95 * (cap - base));
  ASSERT_NEAR(t_star, 4377.6, 1e-9);
  const int k_star = static_cast<int>(t_star / dt);
  const int k_recharge = static_cast<int>(t_recharge / dt);

  double worst_w = 0.0;
  for (int k = 0; k < 7 * 60; ++k) {
    const double facility = k >= 60 && k < 180 ? peak : base;
    double expected = facility;
    if (k >= 60 && k < 180) {
      const int j = k - 60;  // tick within the peak
      if (j < k_star) expected = cap;
      if (j == k_star) expected = peak - (peak - cap) * (t_star - k_star * dt) / dt;
    } else if (k >= 180) {
      const int j = k - 180;  // tick within the recharge
      if (j < k_recharge) expected = cap;
      if (j == k_recharge) expected = base + (cap - base) * (t_recharge - k_recharge * dt) / dt;
    }
    const BatteryTick t = storage.step(facility, 0.0, dt);
    EXPECT_NEAR(t.grid_w, expected, 1e-12 * peak) << "tick " << k;  // rounding only
    worst_w = std::max(worst_w, std::abs(t.grid_w - expected));
  }
  EXPECT_DOUBLE_EQ(storage.soc(), 0.9);  // recharged to its bound exactly
  EXPECT_NEAR(storage.discharged_energy_j(), usable_j * 0.95, 1e-6 * usable_j);
  EXPECT_NEAR(storage.charged_energy_j(), usable_j / 0.95, 1e-6 * usable_j);
  EXPECT_NEAR(storage.energy_balance_error_j(), 0.0, 1e-9 * storage.facility_energy_j());
  std::printf(
      "[storage] peak shaving: battery empty %.1f s into the peak (closed form %.1f s), "
      "recharged in %.1f s; largest grid-draw difference from the closed form %.2e W\n",
      t_star, 4377.6, t_recharge, worst_w);
}

double uniform(std::uint64_t id, std::uint32_t draw) {
  return rng::uniform01(2026, rng::Stream::sched_workload, id, draw);
}

// Random fleets that stall and restart together, random batteries and policies: the state of
// charge never leaves its bounds, the limits always hold, and the energy balances to 1e-9.
TEST(PowerBattery, PropertyRandomLoadProfiles) {
  const int cases = 240;
  const int ticks = 1440;
  double worst_balance = 0.0;
  std::uint64_t limited = 0, total_ticks = 0;
  int by_kind[4] = {0, 0, 0, 0};
  for (int c = 0; c < cases; ++c) {
    std::uint32_t d = 0;
    const auto u = [&] { return uniform(static_cast<std::uint64_t>(c), d++); };
    const double load_w = (50.0 + 100.0 * u()) * kMW;
    BatterySpec spec = battery_from_round_trip((1.0 + 99.0 * u()) * kMWh, (1.0 + 59.0 * u()) * kMW,
                                               0.7 + 0.28 * u());
    spec.soc_min = 0.3 * u();
    spec.soc_max = 0.7 + 0.3 * u();
    spec.initial_soc = spec.soc_min + (spec.soc_max - spec.soc_min) * u();
    spec.allow_export = u() < 0.2;
    StoragePolicy policy;
    const int kind = 1 + static_cast<int>(3.0 * u()) % 3;
    policy.kind = static_cast<StoragePolicy::Kind>(kind);
    ++by_kind[kind];
    if (u() < 0.5 || policy.kind == StoragePolicy::Kind::peak_shaving) {
      policy.grid_cap_w = (0.8 + 0.3 * u()) * load_w;
    }
    policy.recharge_soc = spec.soc_min + (spec.soc_max - spec.soc_min) * u();
    policy.max_ramp_w_per_s = (0.01 + u()) * kMW;
    policy.max_swing_w = (1.0 + 30.0 * u()) * kMW;
    policy.target_soc = spec.soc_min + (spec.soc_max - spec.soc_min) * u();
    policy.recovery_time_s = 60.0 + 3600.0 * u();
    policy.charge_below_price = 20.0 + 20.0 * u();
    policy.discharge_above_price = 60.0 + 40.0 * u();
    const double dt = u() < 0.5 ? 1.0 : 60.0;
    SiteStorage storage(spec, policy);

    bool stalled = false;
    for (int k = 0; k < ticks; ++k) {
      if (u() < 0.03) stalled = !stalled;
      const double facility = load_w * (stalled ? 0.3 + 0.3 * u() : 0.98 + 0.04 * u());
      const double price = 50.0 + 45.0 * std::sin(k * 0.01) + 30.0 * (u() - 0.5);
      const double before = storage.energy_j();
      const BatteryTick t = storage.step(facility, price, dt);
      // Bounds hold exactly, not to a tolerance.
      ASSERT_GE(t.energy_j, spec.min_energy_j()) << "case " << c << " tick " << k;
      ASSERT_LE(t.energy_j, spec.max_energy_j()) << "case " << c << " tick " << k;
      ASSERT_TRUE(t.charge_w == 0.0 || t.discharge_w == 0.0);
      ASSERT_GE(t.charge_w, 0.0);
      ASSERT_GE(t.discharge_w, 0.0);
      ASSERT_LE(t.charge_w, spec.power_rating_w);
      ASSERT_LE(t.discharge_w, spec.power_rating_w);
      if (!spec.allow_export) {
        ASSERT_GE(t.grid_w, 0.0);
      }
      ASSERT_EQ(t.grid_w, facility - t.discharge_w + t.charge_w);
      // Per tick: G·Δt = F·Δt + ΔE + L·Δt.
      ASSERT_NEAR((t.grid_w - facility - t.loss_w) * dt, t.energy_j - before,
                  1e-9 * spec.energy_capacity_j);
    }
    const double rel = std::abs(storage.energy_balance_error_j()) / storage.facility_energy_j();
    EXPECT_LT(rel, 1e-9) << "case " << c;
    worst_balance = std::max(worst_balance, rel);
    limited += storage.limited_ticks();
    total_ticks += ticks;
  }
  std::printf(
      "[storage] property: %d random profiles x %d ticks (peak shaving %d, ramp "
      "limiting %d, arbitrage %d): SOC always within bounds, worst relative energy "
      "balance error %.1e, %.1f%% of ticks cut by a limit\n",
      cases, ticks, by_kind[1], by_kind[2], by_kind[3], worst_balance,
      100.0 * static_cast<double>(limited) / static_cast<double>(total_ticks));
}

// 100 MW of accelerators that stall to 40 MW for 5 minutes every 30 minutes (1 s ticks). With
// ramp limiting (20 MW per 60 s window ⇒ r = 1/3 MW/s) the grid never ramps faster than r and
// never swings more than 20 MW in a minute; without storage every stall and restart is a 60 MW
// step.
TEST(PowerBattery, RampLimitingTamesStallsAndRestarts) {
  const double dt = 1.0;
  const int ticks = 4 * 3600;
  BatterySpec spec = battery_from_round_trip(20.0 * kMWh, 80.0 * kMW, 0.85);
  StoragePolicy policy;
  policy.kind = StoragePolicy::Kind::ramp_limiting;
  policy.max_swing_w = 20.0 * kMW;
  policy.swing_window_s = 60.0;
  policy.max_ramp_w_per_s = 1.0 * kMW;
  policy.target_soc = 0.5;
  policy.recovery_time_s = 1800.0;
  SiteStorage storage(spec, policy);
  const double r = policy.allowed_ramp_w_per_s();
  ASSERT_NEAR(r, 20.0 * kMW / 60.0, 1e-6);

  RampMeter without(dt, r), with(dt, r);
  SwingMeter swing_without(dt, 60.0), swing_with(dt, 60.0);
  double previous = std::nan("");
  for (int k = 0; k < ticks; ++k) {
    const bool stalled = (k % 1800) >= 1500;
    const double facility = stalled ? 40.0 * kMW : 100.0 * kMW;
    const BatteryTick t = storage.step(facility, 0.0, dt);
    ASSERT_FALSE(t.limited) << "tick " << k;
    if (!std::isnan(previous)) {
      ASSERT_LE(std::abs(t.grid_w - previous), r * dt * (1 + 1e-12));
    }
    previous = t.grid_w;
    without.observe(facility);
    with.observe(t.grid_w);
    swing_without.observe(facility);
    swing_with.observe(t.grid_w);
  }
  EXPECT_EQ(with.exceedances_up() + with.exceedances_down(), 0u);
  // 8 stalls and 7 restarts (the last stall runs to the end).
  EXPECT_EQ(without.exceedances_down(), 8u);
  EXPECT_EQ(without.exceedances_up(), 7u);
  EXPECT_NEAR(without.exceedance_fraction(), 15.0 / (ticks - 1), 1e-15);
  EXPECT_LE(swing_with.largest_window_swing_w(), 20.0 * kMW * (1 + 1e-12));
  EXPECT_DOUBLE_EQ(swing_without.largest_window_swing_w(), 60.0 * kMW);
  EXPECT_LT(storage.energy_balance_error_j(), 1e-9 * storage.facility_energy_j());
  std::printf(
      "[storage] ramp limiting: largest ramp %.1f -> %.3f MW/s, largest 60 s swing "
      "%.1f -> %.1f MW, time over the ramp limit %.4f%% -> %.4f%%, SOC %.3f at the end\n",
      without.largest_ramp_w_per_s() / kMW, with.largest_ramp_w_per_s() / kMW,
      swing_without.largest_window_swing_w() / kMW, swing_with.largest_window_swing_w() / kMW,
      100.0 * without.exceedance_fraction(), 100.0 * with.exceedance_fraction(), storage.soc());
}

// Price 20 for 12 h, 100 for 12 h; 50 MW load; 40 MWh / 10 MW battery starting at SOC 0.1.
// Cheap hours: it charges at 10 MW until full (32 MWh stored take 32/(10·η_c) h); expensive
// hours: it discharges at 10 MW until empty (32·η_d MWh delivered). Cost change closed form:
//   Δcost = 20·32/η_c − 100·32·η_d   (currency; MWh at the bus)
TEST(PowerBattery, ArbitrageChargesCheapAndDischargesDear) {
  BatterySpec spec = battery_from_round_trip(40.0 * kMWh, 10.0 * kMW, 0.81);  // η = 0.9 each
  spec.initial_soc = 0.1;
  StoragePolicy policy;
  policy.kind = StoragePolicy::Kind::arbitrage;
  policy.charge_below_price = 30.0;
  policy.discharge_above_price = 80.0;
  SiteStorage storage(spec, policy);
  const double dt = 60.0, load = 50.0 * kMW;
  double cost_with = 0.0, cost_without = 0.0;
  for (int k = 0; k < 24 * 60; ++k) {
    const double price = k < 12 * 60 ? 20.0 : 100.0;
    const BatteryTick t = storage.step(load, price, dt);
    EXPECT_EQ(price == 20.0 ? t.discharge_w : t.charge_w, 0.0);
    cost_with += t.grid_w * dt / kMWh * price;
    cost_without += load * dt / kMWh * price;
  }
  EXPECT_NEAR(spec.charge_efficiency, 0.9, 1e-15);
  const double expected = 20.0 * 32.0 / 0.9 - 100.0 * 32.0 * 0.9;
  EXPECT_NEAR(cost_with - cost_without, expected, 1e-6);
  EXPECT_DOUBLE_EQ(storage.soc(), 0.1);
}

TEST(PowerBattery, GridCapComesFirstAndNoExport) {
  BatterySpec spec = battery_from_round_trip(10.0 * kMWh, 50.0 * kMW, 0.9);
  StoragePolicy policy;
  policy.kind = StoragePolicy::Kind::arbitrage;
  policy.charge_below_price = 10.0;
  policy.discharge_above_price = 90.0;
  policy.grid_cap_w = 60.0 * kMW;
  SiteStorage storage(spec, policy);
  // Cheap: wants 50 MW of charge but only 60 − 40 = 20 MW fit under the cap.
  BatteryTick t = storage.step(40.0 * kMW, 5.0, 60.0);
  EXPECT_DOUBLE_EQ(t.charge_w, 20.0 * kMW);
  EXPECT_DOUBLE_EQ(t.grid_w, 60.0 * kMW);
  // Dear: wants 50 MW out, the facility takes 30 MW, nothing is exported.
  t = storage.step(30.0 * kMW, 95.0, 60.0);
  EXPECT_DOUBLE_EQ(t.discharge_w, 30.0 * kMW);
  EXPECT_DOUBLE_EQ(t.grid_w, 0.0);
  EXPECT_TRUE(t.limited);
}

TEST(PowerBattery, RestartRoundTripContinuesIdentically) {
  BatterySpec spec = battery_from_round_trip(5.0 * kMWh, 20.0 * kMW, 0.88);
  StoragePolicy policy;
  policy.kind = StoragePolicy::Kind::ramp_limiting;
  policy.max_ramp_w_per_s = 0.2 * kMW;
  SiteStorage a(spec, policy);
  RampMeter meter_a(1.0, 0.1 * kMW);
  for (int k = 0; k < 500; ++k) meter_a.observe(a.step(k % 97 < 40 ? 30e6 : 80e6, 0.0, 1.0).grid_w);
  archive::Writer w;
  w(a, meter_a);
  SiteStorage b(spec, policy);
  RampMeter meter_b(1.0, 0.1 * kMW);
  archive::Reader r(w.bytes().data(), w.bytes().size());
  r(b, meter_b);
  EXPECT_TRUE(r.done());
  for (int k = 500; k < 1000; ++k) {
    const double f = k % 97 < 40 ? 30e6 : 80e6;
    const BatteryTick ta = a.step(f, 0.0, 1.0), tb = b.step(f, 0.0, 1.0);
    ASSERT_EQ(ta.grid_w, tb.grid_w);
    ASSERT_EQ(ta.energy_j, tb.energy_j);
    meter_a.observe(ta.grid_w);
    meter_b.observe(tb.grid_w);
  }
  EXPECT_EQ(a.energy_balance_error_j(), b.energy_balance_error_j());
  EXPECT_EQ(meter_a.percentile_w_per_s(0.95), meter_b.percentile_w_per_s(0.95));
  EXPECT_EQ(meter_a.exceedance_fraction(), meter_b.exceedance_fraction());
}

TEST(PowerBattery, ValidationNamesTheField) {
  auto message = [](auto f) {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  BatterySpec spec = battery_from_round_trip(kMWh, kMW, 0.9);
  BatterySpec bad = spec;
  bad.soc_min = 0.95;
  EXPECT_NE(message([&] { validate(bad); }).find("soc_min"), std::string::npos);
  bad = spec;
  bad.power_rating_w = 0.0;
  EXPECT_NE(message([&] { validate(bad); }).find("power_rating_w"), std::string::npos);
  StoragePolicy p;
  p.kind = StoragePolicy::Kind::peak_shaving;
  EXPECT_NE(message([&] { validate(p, spec); }).find("grid_cap_w"), std::string::npos);
  p.kind = StoragePolicy::Kind::ramp_limiting;
  EXPECT_NE(message([&] { validate(p, spec); }).find("max_ramp_w_per_s or max_swing_w"),
            std::string::npos);
  p.kind = StoragePolicy::Kind::arbitrage;
  p.charge_below_price = 50.0;
  p.discharge_above_price = 40.0;
  EXPECT_NE(message([&] { validate(p, spec); }).find("charge_below_price"), std::string::npos);
  EXPECT_THROW((void)battery_from_round_trip(kMWh, kMW, 1.2), std::invalid_argument);
}

}  // namespace
}  // namespace ct::power
