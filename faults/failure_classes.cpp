#include "faults/failure_classes.hpp"

#include <cmath>

namespace ct::faults {

namespace {

constexpr double kHour = 3600.0;
constexpr double kW = kReferenceWindowS;  // 54 d × 86400 s = 4,665,600 s

// Instances of each scope in the reference cluster.
constexpr double kAcc = 16384.0;
constexpr double kNodes = 2048.0;
constexpr double kRacks = 512.0;
constexpr double kSpines = 8.0;  // one spine instance (the hall's spine tier) per 64-rack hall

constexpr double kTj = kReferenceJunctionC;
constexpr double kTin = kReferenceInletC;

using S = Scope;
using D = TakesDown;
using T = TemperatureSource;

// Calibration: rate = published count / (instances × 54 d × 86400 s), so the expected count of
// the reference cluster over 54 days equals the count. The rates hold at the reference
// conditions: accelerator classes at 70 °C junction, node/switch classes at 25 °C rack inlet,
// thermal cycling at the CyclingReference (5 K swing, 0.1 Hz, 72.5 °C peak); there every
// acceleration is exactly 1. β = 1 for all classes: the snapshot is a 54-day window on a fleet of
// unknown ages and gives no shape information.
//
// Activation energies are typical literature values for the dominant mechanisms (JEDEC JEP122:
// dielectric breakdown/electromigration 0.6–0.9 eV, DRAM 0.6 eV, capacitors/optics ~0.5 eV);
// the published counts do not constrain them. Soft errors (SRAM) and firmware (GSP) get none.
// Cycling shares apply to packages whose solder/micro-bumps/TIM see the junction swing.
// MTTRs are assumptions (the source gives none).
constexpr std::array<FailureClassSpec, kFailureClassCount> kH100Classes{{
    // name, scope, planned, base_rate_per_s, β, Ea, T_ref, T source, cycling, MTTR, takes down
    // 148 / (16384 × 4,665,600 s) = 1.936e-9 /s (MTBF 16 y per GPU)
    {"gpu", S::accelerator, false, 148.0 / (kAcc * kW), 1.0, 0.7, kTj, T::accelerator_junction, 0.2,
     72 * kHour, D::node},
    // 72 / (16384 × 4,665,600 s) = 9.419e-10 /s
    {"hbm", S::accelerator, false, 72.0 / (kAcc * kW), 1.0, 0.6, kTj, T::accelerator_junction, 0.2,
     72 * kHour, D::node},
    // 19 / (16384 × 4,665,600 s) = 2.486e-10 /s
    {"sram", S::accelerator, false, 19.0 / (kAcc * kW), 1.0, 0.0, kTj, T::none, 0.0, 2 * kHour,
     D::node},
    // 17 / (16384 × 4,665,600 s) = 2.224e-10 /s
    {"gsp", S::accelerator, false, 17.0 / (kAcc * kW), 1.0, 0.0, kTj, T::none, 0.0, 2 * kHour,
     D::node},
    // 6 / (16384 × 4,665,600 s) = 7.849e-11 /s
    {"thermal_interface", S::accelerator, false, 6.0 / (kAcc * kW), 1.0, 0.4, kTj,
     T::accelerator_junction, 0.5, 48 * kHour, D::node},
    // 6 / (16384 × 4,665,600 s) = 7.849e-11 /s
    {"sdc", S::accelerator, false, 6.0 / (kAcc * kW), 1.0, 0.5, kTj, T::accelerator_junction, 0.0,
     72 * kHour, D::node},
    // 32 / (2048 × 4,665,600 s) = 3.349e-9 /s
    {"host", S::node, false, 32.0 / (kNodes * kW), 1.0, 0.0, kTin, T::none, 0.0, 8 * kHour,
     D::node},
    // 2 / (2048 × 4,665,600 s) = 2.093e-10 /s
    {"cpu", S::node, false, 2.0 / (kNodes * kW), 1.0, 0.7, kTin, T::rack_inlet, 0.0, 48 * kHour,
     D::node},
    // 2 / (2048 × 4,665,600 s) = 2.093e-10 /s
    {"system_memory", S::node, false, 2.0 / (kNodes * kW), 1.0, 0.6, kTin, T::rack_inlet, 0.0,
     24 * kHour, D::node},
    // 7 / (2048 × 4,665,600 s) = 7.326e-10 /s
    {"nic", S::node, false, 7.0 / (kNodes * kW), 1.0, 0.5, kTin, T::rack_inlet, 0.0, 24 * kHour,
     D::node},
    // 28 of the 35 switch/cable (80%) / (512 × 4,665,600 s) = 1.172e-8 /s (MTBF 2.7 y per rack)
    {"leaf_switch", S::rack_leaf_switch, false, 28.0 / (kRacks * kW), 1.0, 0.5, kTin, T::rack_inlet,
     0.0, 8 * kHour, D::rack},
    // 7 of the 35 (20%) / (8 × 4,665,600 s) = 1.875e-7 /s (MTBF 62 d per hall spine tier)
    {"spine_switch", S::spine_switch, false, 7.0 / (kSpines * kW), 1.0, 0.5, kTin, T::rack_inlet,
     0.0, 8 * kHour, D::bandwidth_only},
    // 3 / (2048 × 4,665,600 s) = 3.140e-10 /s
    {"psu", S::node, false, 3.0 / (kNodes * kW), 1.0, 0.6, kTin, T::rack_inlet, 0.0, 4 * kHour,
     D::node},
    // 3 / (2048 × 4,665,600 s) = 3.140e-10 /s
    {"ssd", S::node, false, 3.0 / (kNodes * kW), 1.0, 0.4, kTin, T::rack_inlet, 0.0, 24 * kHour,
     D::node},
    // 2 / (2048 × 4,665,600 s) = 2.093e-10 /s
    {"chassis", S::node, false, 2.0 / (kNodes * kW), 1.0, 0.0, kTin, T::none, 0.0, 72 * kHour,
     D::node},
    // 2 / (2048 × 4,665,600 s) = 2.093e-10 /s
    {"io_board", S::node, false, 2.0 / (kNodes * kW), 1.0, 0.5, kTin, T::rack_inlet, 0.0,
     48 * kHour, D::node},
    // (54 software bug + 7 NCCL watchdog + 2 dependency) / (16384 × 4,665,600 s) = 8.242e-10 /s
    // per accelerator of the job
    {"software", S::job, false, 63.0 / (kAcc * kW), 1.0, 0.0, kTin, T::none, 0.0, 0.0, D::job_only},
    // 47 / (16384 × 4,665,600 s) = 6.149e-10 /s per accelerator of the job; MTTR = the
    // maintenance window the job waits
    {"planned_maintenance", S::job, true, 47.0 / (kAcc * kW), 1.0, 0.0, kTin, T::none, 0.0,
     0.5 * kHour, D::job_only},
}};

static_assert(kH100Classes[static_cast<int>(FailureClass::planned_maintenance)].name ==
              "planned_maintenance");
static_assert(kH100Classes[static_cast<int>(FailureClass::spine_switch)].name == "spine_switch");

constexpr std::array<std::string_view, kScopeCount> kScopeNames{
    "accelerator", "node", "rack_leaf_switch", "spine_switch", "job"};
constexpr std::array<std::string_view, 4> kTakesDownNames{"node", "rack", "bandwidth_only",
                                                          "job_only"};

}  // namespace

FailureModel h100_failure_model() {
  FailureModel model;
  model.classes = kH100Classes;
  return model;
}

std::string_view failure_class_name(FailureClass c) {
  return kH100Classes[static_cast<int>(c)].name;
}

std::optional<FailureClass> failure_class_from_name(std::string_view name) {
  for (int i = 0; i < kFailureClassCount; ++i) {
    if (kH100Classes[i].name == name) return static_cast<FailureClass>(i);
  }
  return std::nullopt;
}

std::string_view scope_name(Scope s) { return kScopeNames[static_cast<int>(s)]; }

std::string_view takes_down_name(TakesDown t) { return kTakesDownNames[static_cast<int>(t)]; }

FailureClassSpec* find_class(FailureModel& model, std::string_view name) {
  const auto c = failure_class_from_name(name);
  return c ? &model[*c] : nullptr;
}

const FailureClassSpec* find_class(const FailureModel& model, std::string_view name) {
  const auto c = failure_class_from_name(name);
  return c ? &model[*c] : nullptr;
}

std::int64_t instances(const ComponentCounts& counts, Scope scope) {
  switch (scope) {
    case Scope::accelerator:
      return counts.accelerators;
    case Scope::node:
      return counts.nodes;
    case Scope::rack_leaf_switch:
      return counts.racks;
    case Scope::spine_switch:
      return counts.spine_switches;
    case Scope::job:
      return counts.job_accelerators;
  }
  return 0;
}

double expected_failure_rate_per_s(const FailureModel& model, const ComponentCounts& counts,
                                   RateSelection selection) {
  double rate_per_s = 0.0;
  for (const auto& spec : model.classes) {
    if (selection == RateSelection::unplanned && spec.planned) continue;
    if (selection == RateSelection::planned && !spec.planned) continue;
    rate_per_s += spec.base_rate_per_s * static_cast<double>(instances(counts, spec.scope));
  }
  return model.rate_scale * rate_per_s;
}

double expected_count(const FailureModel& model, const ComponentCounts& counts, FailureClass c,
                      double duration_s) {
  const FailureClassSpec& spec = model[c];
  const double n = static_cast<double>(instances(counts, spec.scope));
  const double mean_rate_per_s = model.rate_scale * spec.base_rate_per_s;
  if (spec.weibull_shape == 1.0) return n * mean_rate_per_s * duration_s;
  // From new, first failures: H(t) = λ·t_ref·(t/t_ref)^β (see hazard.hpp, weibull_eta_s).
  const double t_ref = model.weibull_reference_age_s;
  return n * mean_rate_per_s * t_ref * std::pow(duration_s / t_ref, spec.weibull_shape);
}

}  // namespace ct::faults
