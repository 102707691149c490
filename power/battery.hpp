// Battery storage at a site, between the facility and the grid connection, and its policies.
//
// Powers are on the site bus (AC side). Per tick of Δt, with charge P_c ≥ 0 and discharge
// P_d ≥ 0 (never both):
//   grid draw  G = F − P_d + P_c                         (F = facility draw)
//   energy     E' = E + η_c·P_c·Δt − P_d·Δt/η_d          (η_c·η_d = round-trip efficiency)
//   losses     L = (1 − η_c)·P_c + (1/η_d − 1)·P_d       so  G·Δt = F·Δt + (E' − E) + L·Δt
// Limits: P_c, P_d ≤ power rating; E_min ≤ E' ≤ E_max (state-of-charge bounds times the energy
// rating), i.e. P_c ≤ (E_max − E)/(η_c·Δt), P_d ≤ (E − E_min)·η_d/Δt; P_d ≤ F (no export).
// A policy asks for a net bus power (> 0 charge, < 0 discharge); battery_step cuts it to the
// limits. Deterministic: the same inputs give the same bits.
//
// Policies (storage_request_w; a finite grid cap always comes first: the request is at most
// cap − F, so the battery discharges to hold G ≤ cap and never charges above it):
//   peak_shaving   hold G ≤ grid_cap_w; below the cap recharge towards recharge_soc within the
//                  headroom cap − F.
//   ramp_limiting  G follows F + (E_target − E)/recovery_time (the state of charge drifts back
//                  to target_soc) but moves at most r·Δt per tick, r = min(max_ramp_w_per_s,
//                  max_swing_w / swing_window_s): every window of length W then sees a grid
//                  swing ≤ r·W, so stalls and restarts of the fleet reach the grid as ramps.
//   arbitrage      charge at the power rating while price ≤ charge_below_price, discharge at the
//                  rating while price ≥ discharge_above_price (thresholds in the price signal's
//                  currency per MWh; day-ahead prices are known in advance).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "power/energy_ledger.hpp"

namespace ct::power {

struct BatterySpec {
  double energy_capacity_j = 0.0;  // energy rating (nameplate)
  double power_rating_w = 0.0;     // charge and discharge, on the bus
  // η_c and η_d; the defaults give a round trip of 0.85 (utility-scale Li-ion, NREL ATB).
  double charge_efficiency = 0.92195444572928873;
  double discharge_efficiency = 0.92195444572928873;
  double soc_min = 0.1;  // fractions of the energy rating
  double soc_max = 0.9;
  double initial_soc = 0.5;
  bool allow_export = false;  // may the battery feed the grid (P_d > F)?

  double round_trip_efficiency() const { return charge_efficiency * discharge_efficiency; }
  double min_energy_j() const { return soc_min * energy_capacity_j; }
  double max_energy_j() const { return soc_max * energy_capacity_j; }
};

// η_c = η_d = √η_rt.
BatterySpec battery_from_round_trip(double energy_capacity_j, double power_rating_w,
                                    double round_trip_efficiency);

// Throws std::invalid_argument naming the offending field.
void validate(const BatterySpec& spec);

struct BatteryTick {
  double grid_w = 0.0;       // G = F − P_d + P_c
  double charge_w = 0.0;     // P_c ≥ 0
  double discharge_w = 0.0;  // P_d ≥ 0
  double loss_w = 0.0;       // L
  double energy_j = 0.0;     // E' after the tick
  double soc = 0.0;          // E' / energy rating
  bool limited = false;      // the request was cut (power rating, state of charge, no export)
};

// One tick: cuts the request to the limits and updates energy_j. Allocation-free.
BatteryTick battery_step(const BatterySpec& spec, double& energy_j, double facility_w,
                         double requested_w, double tick_s);

struct StoragePolicy {
  enum class Kind { none, peak_shaving, ramp_limiting, arbitrage };
  Kind kind = Kind::none;
  double grid_cap_w = std::numeric_limits<double>::infinity();
  double recharge_soc = 0.9;  // peak_shaving: recharge up to this state of charge
  double max_ramp_w_per_s = std::numeric_limits<double>::infinity();  // ramp_limiting
  double max_swing_w = std::numeric_limits<double>::infinity();       // ramp_limiting
  double swing_window_s = 60.0;                                       // ramp_limiting
  double target_soc = 0.5;         // ramp_limiting: where the state of charge drifts back to
  double recovery_time_s = 900.0;  // ramp_limiting: time constant of that drift
  double charge_below_price = -std::numeric_limits<double>::infinity();    // arbitrage
  double discharge_above_price = std::numeric_limits<double>::infinity();  // arbitrage

  // Ramp rate the ramp_limiting policy allows (W/s).
  double allowed_ramp_w_per_s() const {
    return std::fmin(max_ramp_w_per_s, max_swing_w / swing_window_s);
  }
};

// Throws std::invalid_argument naming the offending field (e.g. recharge_soc outside the
// battery's bounds, charge_below_price ≥ discharge_above_price).
void validate(const StoragePolicy& policy, const BatterySpec& spec);

// Net bus power the policy asks for this tick (> 0 charge). previous_grid_w: the grid draw of
// the previous tick (NaN on the first tick: no ramp constraint). price_per_mwh: the tick mean.
double storage_request_w(const StoragePolicy& policy, const BatterySpec& spec, double energy_j,
                         double facility_w, double previous_grid_w, double price_per_mwh,
                         double tick_s);

// A site's battery under one policy, with exact energy bookkeeping (compensated sums). The engine
// calls step() once per tick with the tick-mean facility draw and price; replicated state.
class SiteStorage {
 public:
  SiteStorage(const BatterySpec& spec, const StoragePolicy& policy);  // validates both

  BatteryTick step(double facility_w, double price_per_mwh, double tick_s);

  const BatterySpec& spec() const { return spec_; }
  const StoragePolicy& policy() const { return policy_; }
  double energy_j() const { return energy_j_; }
  double soc() const { return energy_j_ / spec_.energy_capacity_j; }
  double initial_energy_j() const { return initial_energy_j_; }
  // Totals since construction (J): ∫F, ∫G, ∫P_c, ∫P_d, ∫L; ticks whose request was cut.
  double facility_energy_j() const { return facility_.value(); }
  double grid_energy_j() const { return grid_.value(); }
  double charged_energy_j() const { return charged_.value(); }
  double discharged_energy_j() const { return discharged_.value(); }
  double loss_energy_j() const { return loss_.value(); }
  std::uint64_t limited_ticks() const { return limited_ticks_; }
  // ∫G − ∫F − (E − E_0) − ∫L: zero up to rounding.
  double energy_balance_error_j() const;

  template <class Archive>
  void serialize(Archive& ar) {  // restart files
    ar(energy_j_, previous_grid_w_, facility_, grid_, charged_, discharged_, loss_, limited_ticks_);
  }

 private:
  BatterySpec spec_;
  StoragePolicy policy_;
  double energy_j_ = 0.0;
  double initial_energy_j_ = 0.0;
  double previous_grid_w_ = std::numeric_limits<double>::quiet_NaN();
  CompensatedSum facility_, grid_, charged_, discharged_, loss_;
  std::uint64_t limited_ticks_ = 0;
};

}  // namespace ct::power
