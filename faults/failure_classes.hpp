// Failure classes, their parameters and the calibrated H100 default model.
//
// Each class is a competing risk attached to one kind of component instance (its scope). Its
// hazard at reference conditions is base_rate_per_s; Arrhenius (temperature) and
// Norris–Landzberg (thermal-cycling fatigue) accelerations and a Weibull age factor modify it
// (see hazard.hpp). The defaults reproduce the interruption counts of Meta's 54-day Llama 3
// 405B snapshot (Dubey et al. 2024, "The Llama 3 Herd of Models", Table 5) on the reference
// cluster described below. See faults/README.md for the calibration table.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ct::faults {

// What a class's rate is counted per. Job scope: per accelerator of the job (a job's hazard
// grows with its size).
enum class Scope : std::uint8_t { accelerator, node, rack_leaf_switch, spine_switch, job };
inline constexpr int kScopeCount = 5;

// What leaves service for mttr_s when the class fires. Every class interrupts the jobs that use
// the failed component; this says what else happens:
//   node           — the whole node is drained and repaired (HGX baseboards and NVL72 trays:
//                    a GPU swap is a node swap, so an accelerator failure drains its node);
//   rack           — every node behind the failed leaf switch/cable is unreachable;
//   bandwidth_only — nothing is drained; jobs crossing it restart, the tier's bandwidth is
//                    reduced until repair;
//   job_only       — nothing is repaired; only the job restarts (mttr_s is then an extra wait
//                    before the restart, e.g. a maintenance window).
enum class TakesDown : std::uint8_t { node, rack, bandwidth_only, job_only };

// Which temperature drives the Arrhenius factor of a class.
enum class TemperatureSource : std::uint8_t { none, accelerator_junction, rack_inlet };

enum class FailureClass : std::uint8_t {
  gpu,                // faulty GPU
  hbm,                // HBM3
  sram,               // GPU SRAM
  gsp,                // GPU system processor
  thermal_interface,  // GPU thermal interface / sensor
  sdc,                // silent data corruption
  host,               // unplanned host maintenance
  cpu,
  system_memory,
  nic,
  leaf_switch,   // switch / cable behind a rack
  spine_switch,  // spine tier of a hall
  psu,
  ssd,
  chassis,
  io_board,
  software,             // software bug + NCCL watchdog + dependency (job scope)
  planned_maintenance,  // planned, job scope
};
inline constexpr int kFailureClassCount = 18;

struct FailureClassSpec {
  std::string_view name;  // snake_case, stable: HDF5 output and YAML keys
  Scope scope = Scope::accelerator;
  bool planned = false;
  double base_rate_per_s = 0.0;       // per instance at reference conditions (mean over the
                                      // reference age window when weibull_shape != 1)
  double weibull_shape = 1.0;         // β; 1 = exponential
  double activation_energy_ev = 0.0;  // 0 = no Arrhenius acceleration
  double reference_temperature_c = 25.0;
  TemperatureSource temperature_source = TemperatureSource::none;
  double cycling_fraction = 0.0;  // share of the base hazard from thermal-cycling wear at the
                                  // reference cycling condition
  double mttr_s = 0.0;
  TakesDown takes_down = TakesDown::node;
};

// Solder-joint fatigue exponents of Norris–Landzberg: N_f = C·ΔT^(−n)·f^(m)·exp(Ea/(k·T_max)).
struct SolderFatigue {
  double n = 2.65;              // ΔT exponent
  double m = 0.136;             // frequency exponent (N_f ∝ f^m: slower cycles fail sooner)
  double ea_over_k_k = 2185.0;  // Ea/k of the T_max term
};
// Norris & Landzberg (1969), eutectic SnPb.
inline constexpr SolderFatigue kSnPbFatigue{1.9, 1.0 / 3.0, 1414.0};
// Pan et al. (2005), SAC305 lead-free (what current GPU packages and boards use).
inline constexpr SolderFatigue kSac305Fatigue{2.65, 0.136, 2185.0};

// The cycling condition at which the calibrated rates hold (relative damage rate = 1): the
// steady compute/communication swing of a training iteration of an air-cooled H100.
struct CyclingReference {
  double delta_t_k = 5.0;     // junction peak-to-peak swing
  double frequency_hz = 0.1;  // one cycle per ~10 s iteration
  double t_max_c = 72.5;      // cycle peak = 70 °C mean junction + half the swing
};

// Reference conditions of the default rates.
inline constexpr double kReferenceWindowS = 54.0 * 86400.0;  // 4,665,600 s
inline constexpr double kReferenceJunctionC = 70.0;  // mean H100 junction under training load
inline constexpr double kReferenceInletC = 25.0;     // rack inlet air (ASHRAE recommended band)

struct FailureModel {
  std::array<FailureClassSpec, kFailureClassCount> classes{};  // indexed by FailureClass
  double rate_scale = 1.0;  // multiplies every base rate (what-if knob)
  bool arrhenius_enabled = true;
  bool cycling_enabled = true;  // when off, the cycling share stays at its reference value
  CyclingReference cycling_reference{};
  SolderFatigue fatigue = kSac305Fatigue;
  double weibull_reference_age_s = kReferenceWindowS;  // age window defining η for β != 1

  const FailureClassSpec& operator[](FailureClass c) const { return classes[static_cast<int>(c)]; }
  FailureClassSpec& operator[](FailureClass c) { return classes[static_cast<int>(c)]; }
};

// Default H100 model, calibrated to the reference cluster (see failure_classes.cpp).
FailureModel h100_failure_model();

// Stable names ↔ enum, for YAML overrides and HDF5 attributes.
std::string_view failure_class_name(FailureClass c);
std::optional<FailureClass> failure_class_from_name(std::string_view name);
std::string_view scope_name(Scope s);
std::string_view takes_down_name(TakesDown t);
// The class spec with that name, or nullptr (for io/ overrides).
FailureClassSpec* find_class(FailureModel& model, std::string_view name);
const FailureClassSpec* find_class(const FailureModel& model, std::string_view name);

// Component instances a failure model is applied to.
struct ComponentCounts {
  std::int64_t accelerators = 0;
  std::int64_t nodes = 0;
  std::int64_t racks = 0;  // one leaf switch (plus its cables) per rack
  std::int64_t spine_switches = 0;
  std::int64_t job_accelerators = 0;  // accelerators of the job(s) the job-scope classes hit
};
std::int64_t instances(const ComponentCounts& counts, Scope scope);

// The reference cluster of the calibration: 16,384 GPUs, 2,048 nodes of 8, 512 racks of 4
// nodes, 8 halls of 64 racks with one spine instance each, one job on every GPU.
inline constexpr ComponentCounts kReferenceCluster{16384, 2048, 512, 8, 16384};

enum class RateSelection : std::uint8_t { unplanned, planned, all };

// Sum of rate_scale·base_rate·instances over the selected classes: the failure rate of the
// system (and its job) at nominal conditions (AF = 1, reference cycling, mean Weibull rate).
// Young/Daly M = 1 / this with RateSelection::unplanned (planned stops are announced, so the
// engine checkpoints first and loses no work).
double expected_failure_rate_per_s(const FailureModel& model, const ComponentCounts& counts,
                                   RateSelection selection = RateSelection::unplanned);

// Expected failures of class c over duration_s at nominal conditions.
double expected_count(const FailureModel& model, const ComponentCounts& counts, FailureClass c,
                      double duration_s);

}  // namespace ct::faults
