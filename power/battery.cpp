#include "power/battery.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ct::power {
namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

bool finite_positive(double x) { return std::isfinite(x) && x > 0.0; }

}  // namespace

BatterySpec battery_from_round_trip(double energy_capacity_j, double power_rating_w,
                                    double round_trip_efficiency) {
  require(round_trip_efficiency > 0.0 && round_trip_efficiency <= 1.0,
          "battery: round_trip_efficiency must be in (0, 1]");
  BatterySpec spec;
  spec.energy_capacity_j = energy_capacity_j;
  spec.power_rating_w = power_rating_w;
  spec.charge_efficiency = spec.discharge_efficiency = std::sqrt(round_trip_efficiency);
  return spec;
}

void validate(const BatterySpec& s) {
  require(finite_positive(s.energy_capacity_j),
          "battery: energy_capacity_j must be a positive number");
  require(finite_positive(s.power_rating_w), "battery: power_rating_w must be a positive number");
  require(s.charge_efficiency > 0.0 && s.charge_efficiency <= 1.0,
          "battery: charge_efficiency must be in (0, 1]");
  require(s.discharge_efficiency > 0.0 && s.discharge_efficiency <= 1.0,
          "battery: discharge_efficiency must be in (0, 1]");
  require(s.soc_min >= 0.0 && s.soc_min < s.soc_max && s.soc_max <= 1.0,
          "battery: need 0 <= soc_min < soc_max <= 1");
  require(s.initial_soc >= s.soc_min && s.initial_soc <= s.soc_max,
          "battery: initial_soc must be in [soc_min, soc_max]");
}

void validate(const StoragePolicy& p, const BatterySpec& spec) {
  require(!std::isnan(p.grid_cap_w) && p.grid_cap_w > 0.0,
          "storage policy: grid_cap_w must be > 0 (or infinite: no cap)");
  switch (p.kind) {
    case StoragePolicy::Kind::none:
      break;
    case StoragePolicy::Kind::peak_shaving:
      require(std::isfinite(p.grid_cap_w),
              "storage policy: peak_shaving needs a finite grid_cap_w");
      require(p.recharge_soc >= spec.soc_min && p.recharge_soc <= spec.soc_max,
              "storage policy: recharge_soc must be in the battery's [soc_min, soc_max]");
      break;
    case StoragePolicy::Kind::ramp_limiting:
      require(finite_positive(p.swing_window_s), "storage policy: swing_window_s must be > 0");
      require(!std::isnan(p.max_ramp_w_per_s) && p.max_ramp_w_per_s > 0.0,
              "storage policy: max_ramp_w_per_s must be > 0");
      require(!std::isnan(p.max_swing_w) && p.max_swing_w > 0.0,
              "storage policy: max_swing_w must be > 0");
      require(std::isfinite(p.allowed_ramp_w_per_s()),
              "storage policy: ramp_limiting needs a finite max_ramp_w_per_s or max_swing_w");
      require(p.target_soc >= spec.soc_min && p.target_soc <= spec.soc_max,
              "storage policy: target_soc must be in the battery's [soc_min, soc_max]");
      require(finite_positive(p.recovery_time_s), "storage policy: recovery_time_s must be > 0");
      break;
    case StoragePolicy::Kind::arbitrage:
      require(!std::isnan(p.charge_below_price) && !std::isnan(p.discharge_above_price) &&
                  p.charge_below_price < p.discharge_above_price,
              "storage policy: charge_below_price must be below discharge_above_price");
      break;
  }
}

BatteryTick battery_step(const BatterySpec& spec, double& energy_j, double facility_w,
                         double requested_w, double tick_s) {
  const double e_min = spec.min_energy_j();
  const double e_max = spec.max_energy_j();
  const double e = energy_j;
  BatteryTick t;
  double e_new = e;
  if (requested_w > 0.0) {
    const double room_w = std::max(0.0, (e_max - e) / (spec.charge_efficiency * tick_s));
    t.charge_w = std::min({requested_w, spec.power_rating_w, room_w});
    t.limited = t.charge_w < requested_w;
    e_new = t.charge_w == room_w ? e_max : e + spec.charge_efficiency * t.charge_w * tick_s;
  } else if (requested_w < 0.0) {
    const double stock_w = std::max(0.0, (e - e_min) * spec.discharge_efficiency / tick_s);
    double limit_w = std::min(spec.power_rating_w, stock_w);
    if (!spec.allow_export) limit_w = std::min(limit_w, std::max(facility_w, 0.0));
    t.discharge_w = std::min(-requested_w, limit_w);
    t.limited = t.discharge_w < -requested_w;
    e_new =
        t.discharge_w == stock_w ? e_min : e - t.discharge_w * tick_s / spec.discharge_efficiency;
  }
  // Rounding can never carry the state of charge outside its bounds.
  energy_j = std::clamp(e_new, e_min, e_max);
  t.energy_j = energy_j;
  t.soc = energy_j / spec.energy_capacity_j;
  t.loss_w = (1.0 - spec.charge_efficiency) * t.charge_w +
             (1.0 / spec.discharge_efficiency - 1.0) * t.discharge_w;
  t.grid_w = facility_w - t.discharge_w + t.charge_w;
  return t;
}

double storage_request_w(const StoragePolicy& p, const BatterySpec& spec, double energy_j,
                         double facility_w, double previous_grid_w, double price_per_mwh,
                         double tick_s) {
  double request_w = 0.0;
  switch (p.kind) {
    case StoragePolicy::Kind::none:
      break;
    case StoragePolicy::Kind::peak_shaving: {
      const double target_j = p.recharge_soc * spec.energy_capacity_j;
      if (energy_j < target_j) {
        request_w = std::min((target_j - energy_j) / (spec.charge_efficiency * tick_s),
                             spec.power_rating_w);
      }
      break;
    }
    case StoragePolicy::Kind::ramp_limiting: {
      const double target_j = p.target_soc * spec.energy_capacity_j;
      double grid_w =
          std::min(facility_w + (target_j - energy_j) / p.recovery_time_s, p.grid_cap_w);
      if (!std::isnan(previous_grid_w)) {
        const double step_w = p.allowed_ramp_w_per_s() * tick_s;
        grid_w = std::clamp(grid_w, previous_grid_w - step_w, previous_grid_w + step_w);
      }
      request_w = grid_w - facility_w;
      break;
    }
    case StoragePolicy::Kind::arbitrage:
      if (price_per_mwh <= p.charge_below_price) {
        request_w = spec.power_rating_w;
      } else if (price_per_mwh >= p.discharge_above_price) {
        request_w = -spec.power_rating_w;
      }
      break;
  }
  return std::min(request_w, p.grid_cap_w - facility_w);  // the cap comes first
}

SiteStorage::SiteStorage(const BatterySpec& spec, const StoragePolicy& policy)
    : spec_(spec), policy_(policy) {
  validate(spec_);
  validate(policy_, spec_);
  energy_j_ = initial_energy_j_ = spec_.initial_soc * spec_.energy_capacity_j;
}

BatteryTick SiteStorage::step(double facility_w, double price_per_mwh, double tick_s) {
  const double request_w = storage_request_w(policy_, spec_, energy_j_, facility_w,
                                             previous_grid_w_, price_per_mwh, tick_s);
  const BatteryTick t = battery_step(spec_, energy_j_, facility_w, request_w, tick_s);
  facility_.add(facility_w * tick_s);
  grid_.add(t.grid_w * tick_s);
  charged_.add(t.charge_w * tick_s);
  discharged_.add(t.discharge_w * tick_s);
  loss_.add(t.loss_w * tick_s);
  if (t.limited) ++limited_ticks_;
  previous_grid_w_ = t.grid_w;
  return t;
}

double SiteStorage::energy_balance_error_j() const {
  return grid_.value() - facility_.value() - (energy_j_ - initial_energy_j_) - loss_.value();
}

}  // namespace ct::power
