// Datasheets of accelerator models: power, thermal limits, thermal path, bandwidths.
//
// One AcceleratorSpec per model, shared by every unit of that model; per-unit variation (the
// thermal-resistance spread) is drawn separately, keyed by accelerator id (junction.hpp).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/catalogue.hpp"

namespace ct::thermal {

struct AcceleratorSpec {
  std::string name;

  // Compute and memory.
  double peak_dense_bf16_flops = 0.0;      // FLOP/s, dense (no structured sparsity), full clock
  double hbm_bytes = 0.0;                  // HBM capacity
  double hbm_bandwidth_bytes_per_s = 0.0;  // HBM bandwidth (datasheet peak)

  // Power: P = idle_w + (tdp_w − idle_w)·a·φ^k (accelerator_power.hpp).
  double tdp_w = 0.0;           // P_max at activity 1 and full clock; also the default power cap
  double idle_w = 0.0;          // P_idle: powered, clocks up, no work
  double power_exponent = 2.5;  // k: dynamic power ∝ f·V², and V falls with f

  // Thermal limits (junction unless named otherwise).
  double slowdown_temperature_c = 87.0;  // the DVFS governor keeps the peak junction below this
  double shutdown_temperature_c = 92.0;  // hardware protection trip
  double hbm_max_temperature_c = 95.0;

  // First-order thermal path from junction to the inlet medium (rack inlet air, or coolant at
  // the cold plate): τ dT/dt = T_inlet + R·P − T.
  double thermal_resistance_k_per_w = 0.07;  // median R over units
  double resistance_sigma = 0.05;            // σ of ln R over units (lognormal spread)
  double time_constant_s = 10.0;             // τ = R·C of the package and heat sink / cold plate

  double min_clock_ratio = 0.5;  // floor of the governor's clock ratio φ = f/f_max

  // Interconnect.
  double scaleup_bandwidth_bytes_per_s = 0.0;  // NVLink, per accelerator, both directions
  double nic_bandwidth_bytes_per_s = 0.0;      // scale-out NIC per accelerator

  // Node (server or compute tray) power beyond the accelerators: CPUs, memory, switches, NICs,
  // fans and power-supply losses. Fans follow the affinity law (power ∝ airflow³) and airflow
  // follows heat, so the overhead rises steeply with load:
  //   overhead = idle + (max − idle)·u^exponent, u = mean accelerator load (accelerator_power.hpp)
  int accelerators_per_node = 8;
  double node_overhead_idle_w = 0.0;
  double node_overhead_max_w = 0.0;
  double node_overhead_exponent = 3.0;
};

// The presets (accelerator.preset), in catalogue order.
const Catalogue<AcceleratorSpec>& accelerator_catalogue();

}  // namespace ct::thermal
