#include "thermal/accelerator_catalog.hpp"

#include <array>

namespace ct::thermal {
namespace {

// Calibration of the thermal path (all presets). R is junction to the inlet medium, so the
// steady junction is T_inlet + R·P. The values are chosen so that:
//  - at a typical inlet the junction stays well below slowdown even at TDP
//    (H100: 25 °C + 0.07 K/W · 650 W ≈ 70 °C);
//  - at a hot inlet (≈35 °C) the median unit at TDP is 3 K below slowdown and units ≈1σ above
//    the median R start to throttle. A synchronous job runs at the pace of its slowest member,
//    which among 16k units is ≈+3.8σ (R ≈ 1.2·median), so on a warm summer afternoon, with the
//    supply air floating with the weather (air_evaporative plant, warm_summer climate, top of a
//    32 kW rack: inlet ≈26 °C at night, ≈30 °C in the afternoon) the job runs at full clock
//    at night and ≈1.8% slower in the afternoon: the published 1–2% diurnal swing
//    (tests/unit/test_thermal_calibration.cpp).
// σ = 5% reflects heat-sink mounting and thermal-interface variation ("a few percent",
// DESIGN.md §5). τ 5–20 s per DESIGN.md §5: larger for heavy air heat sinks, smaller for cold
// plates.
std::array<AcceleratorSpec, 3> make_presets() {
  AcceleratorSpec h100;
  h100.name = "h100_sxm";
  h100.peak_dense_bf16_flops = 989.4e12;     // NVIDIA H100 datasheet: 1979 TFLOP/s with sparsity
  h100.hbm_bytes = 80e9;                     // NVIDIA H100 SXM datasheet: 80 GB HBM3
  h100.hbm_bandwidth_bytes_per_s = 3.35e12;  // NVIDIA H100 SXM datasheet: 3.35 TB/s
  h100.tdp_w = 700.0;                        // NVIDIA H100 SXM datasheet: up to 700 W
  h100.idle_w = 75.0;                        // DESIGN.md §5 reference value
  h100.power_exponent = 2.5;                 // DESIGN.md §5: k ≈ 2–3
  h100.slowdown_temperature_c = 87.0;      // DESIGN.md §5: 87–89 °C (nvidia-smi "GPU Slowdown")
  h100.shutdown_temperature_c = 92.0;      // DESIGN.md §5 (nvidia-smi "GPU Shutdown")
  h100.hbm_max_temperature_c = 95.0;       // DESIGN.md §5
  h100.thermal_resistance_k_per_w = 0.07;  // DESIGN.md §5: air heat sink needs ≈0.07 K/W
  h100.resistance_sigma = 0.05;            // see calibration note above
  h100.time_constant_s = 15.0;             // DESIGN.md §5: 5–20 s; heavy air heat sink
  h100.min_clock_ratio = 0.5;              // governor floor (assumed)
  h100.scaleup_bandwidth_bytes_per_s = 900e9;  // NVLink 4: 900 GB/s per H100 (datasheet)
  h100.nic_bandwidth_bytes_per_s = 400e9 / 8;  // ConnectX-7 400 Gb/s per GPU (DGX H100)
  // DGX H100: 10.2 kW max (NVIDIA DGX H100 datasheet) = 8·700 W + 4.6 kW; ≈7.9 kW at a mean GPU
  // draw of 600 W (u = 0.84), matching the ≈7.8 kW seen while training (DESIGN.md §5). The
  // 1.0 kW idle overhead (CPUs, switches, NICs, fans at minimum) is an estimate.
  h100.accelerators_per_node = 8;
  h100.node_overhead_idle_w = 1000.0;
  h100.node_overhead_max_w = 4600.0;
  h100.node_overhead_exponent = 3.0;  // fan affinity law

  AcceleratorSpec b200;
  b200.name = "b200";
  b200.peak_dense_bf16_flops = 2.25e15;   // NVIDIA HGX B200: 4.5 PFLOP/s BF16 with sparsity
  b200.hbm_bytes = 180e9;                 // NVIDIA DGX B200: 1,440 GB over 8 GPUs
  b200.hbm_bandwidth_bytes_per_s = 8e12;  // NVIDIA DGX B200 datasheet: 64 TB/s over 8 GPUs
  b200.tdp_w = 1000.0;                    // DESIGN.md §5: B200 up to 1 kW
  b200.idle_w = 140.0;                    // estimate (not published): ≈ H100 idle scaled by TDP
  b200.power_exponent = 2.5;
  b200.slowdown_temperature_c = 87.0;  // not published: assumed equal to H100
  b200.shutdown_temperature_c = 92.0;  // not published: assumed equal to H100
  b200.hbm_max_temperature_c = 95.0;   // assumed equal to H100 (HBM3e)
  // Air cooled in a 10U DGX B200 with a larger heat sink: R chosen so that 35 °C + 0.05·1000 W
  // ≈ 85 °C, the same throttle margin as the H100 calibration.
  b200.thermal_resistance_k_per_w = 0.05;
  b200.resistance_sigma = 0.05;
  b200.time_constant_s = 20.0;  // heavier heat sink (DESIGN.md §5 upper end)
  b200.min_clock_ratio = 0.5;
  b200.scaleup_bandwidth_bytes_per_s = 1.8e12;  // NVLink 5: 1.8 TB/s per GPU (DESIGN.md §3)
  b200.nic_bandwidth_bytes_per_s = 400e9 / 8;   // DGX B200: ConnectX-7 400 Gb/s per GPU
  // DGX B200: ≈14.3 kW max (NVIDIA DGX B200 datasheet) = 8·1000 W + 6.3 kW.
  b200.accelerators_per_node = 8;
  b200.node_overhead_idle_w = 1300.0;  // estimate
  b200.node_overhead_max_w = 6300.0;
  b200.node_overhead_exponent = 3.0;

  AcceleratorSpec gb200;
  gb200.name = "gb200";
  // GB200 NVL72 datasheet: 360 PFLOP/s BF16 with sparsity over 72 GPUs = 2.5 PFLOP/s dense per
  // GPU (the 1.2 kW part runs ≈10% above the 1 kW B200's 2.25).
  gb200.peak_dense_bf16_flops = 2.5e15;
  gb200.hbm_bytes = 186e9;                 // GB200 NVL72 datasheet: 13.4 TB HBM3e over 72 GPUs
  gb200.hbm_bandwidth_bytes_per_s = 8e12;  // GB200 NVL72 datasheet: 576 TB/s over 72 GPUs
  gb200.tdp_w = 1200.0;                    // up to 1.2 kW per Blackwell GPU in GB200 (NVIDIA)
  gb200.idle_w = 150.0;                    // estimate (not published)
  gb200.power_exponent = 2.5;
  gb200.slowdown_temperature_c = 87.0;  // not published: assumed equal to H100
  gb200.shutdown_temperature_c = 92.0;
  gb200.hbm_max_temperature_c = 95.0;
  gb200.thermal_resistance_k_per_w = 0.03;  // DESIGN.md §5: junction-to-coolant ≈0.03 K/W
  gb200.resistance_sigma = 0.05;
  gb200.time_constant_s = 5.0;  // small cold-plate mass (DESIGN.md §5 lower end)
  gb200.min_clock_ratio = 0.5;
  gb200.scaleup_bandwidth_bytes_per_s = 1.8e12;  // NVLink 5: 1.8 TB/s per GPU, 72-GPU domain
  gb200.nic_bandwidth_bytes_per_s = 400e9 / 8;   // DGX GB200: ConnectX-7 400 Gb/s per GPU
  // Node = compute tray (2 Grace CPUs + 4 GPUs), 18 per rack. Rack ≈120 kW (DESIGN.md §5) =
  // 72·1.2 kW + 18·1.85 kW; the tray overhead carries its share of the NVLink switch trays.
  gb200.accelerators_per_node = 4;
  gb200.node_overhead_idle_w = 600.0;  // estimate
  gb200.node_overhead_max_w = 1850.0;
  gb200.node_overhead_exponent = 2.0;  // mostly pumps and CPUs, few fans: less steep (assumed)

  return {h100, b200, gb200};
}

}  // namespace

const Catalogue<AcceleratorSpec>& accelerator_catalogue() {
  static const Catalogue<AcceleratorSpec> catalogue = [] {
    const auto p = make_presets();
    return Catalogue<AcceleratorSpec>(
        {{"h100_sxm", "NVIDIA H100 SXM5 (700 W, HGX 8-GPU node)", p[0]},
         {"b200", "NVIDIA B200 (1000 W, HGX 8-GPU node)", p[1]},
         {"gb200", "NVIDIA GB200 (1200 W, 4 per NVL72 tray)", p[2]}});
  }();
  return catalogue;
}

}  // namespace ct::thermal
