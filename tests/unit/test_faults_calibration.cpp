// Calibration of the default H100 failure model against the published 54-day snapshot (Dubey et
// al. 2024, "The Llama 3 Herd of Models", Table 5; DESIGN.md §6).
#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <set>
#include <string>
#include <string_view>

#include "faults/failure_classes.hpp"
#include "faults/hazard.hpp"

namespace {

using ct::faults::FailureClass;

// The published table, typed here independently of the model's source (cause, count, class it
// maps to, share of the cause given to that class). Switch/cable is split 80/20 between the
// leaf tier (512 racks) and the spine (8 hall spine instances), as documented in the model.
struct Row {
  std::string_view cause;
  double count;
  FailureClass cls;
  double share;
};
constexpr std::array<Row, 20> kTable5{{
    {"faulty GPU", 148, FailureClass::gpu, 1.0},
    {"GPU HBM3 memory", 72, FailureClass::hbm, 1.0},
    {"software bug", 54, FailureClass::software, 1.0},
    {"network switch/cable", 35, FailureClass::leaf_switch, 0.8},
    {"network switch/cable", 35, FailureClass::spine_switch, 0.2},
    {"unplanned host maintenance", 32, FailureClass::host, 1.0},
    {"GPU SRAM memory", 19, FailureClass::sram, 1.0},
    {"GPU system processor", 17, FailureClass::gsp, 1.0},
    {"NIC", 7, FailureClass::nic, 1.0},
    {"NCCL watchdog timeouts", 7, FailureClass::software, 1.0},
    {"silent data corruption", 6, FailureClass::sdc, 1.0},
    {"GPU thermal interface + sensor", 6, FailureClass::thermal_interface, 1.0},
    {"SSD", 3, FailureClass::ssd, 1.0},
    {"power supply", 3, FailureClass::psu, 1.0},
    {"server chassis", 2, FailureClass::chassis, 1.0},
    {"IO expansion board", 2, FailureClass::io_board, 1.0},
    {"dependency", 2, FailureClass::software, 1.0},
    {"CPU", 2, FailureClass::cpu, 1.0},
    {"system memory", 2, FailureClass::system_memory, 1.0},
    {"planned", 47, FailureClass::planned_maintenance, 1.0},
}};

constexpr double k54DaysS = 54.0 * 86400.0;

TEST(FaultsCalibration, TableItselfSumsToPublishedTotals) {
  double unplanned = 0, planned = 0;
  for (const Row& r : kTable5) {
    const double n = r.count * r.share;
    (r.cls == FailureClass::planned_maintenance ? planned : unplanned) += n;
  }
  EXPECT_NEAR(unplanned, 419.0, 1e-9);
  EXPECT_NEAR(planned, 47.0, 1e-9);
  EXPECT_NEAR(unplanned + planned, 466.0, 1e-9);
}

TEST(FaultsCalibration, ExpectedCountsPerClassReproduceTable5) {
  const auto model = ct::faults::h100_failure_model();
  const ct::faults::ComponentCounts ref{16384, 2048, 512, 8, 16384};
  std::array<double, ct::faults::kFailureClassCount> published{};
  for (const Row& r : kTable5) published[static_cast<int>(r.cls)] += r.count * r.share;
  for (int c = 0; c < ct::faults::kFailureClassCount; ++c) {
    const auto cls = static_cast<FailureClass>(c);
    const double expected = ct::faults::expected_count(model, ref, cls, k54DaysS);
    EXPECT_GT(published[c], 0.0) << "every class must be calibrated";
    EXPECT_NEAR(expected, published[c], 1e-9 * published[c]) << ct::faults::failure_class_name(cls);
  }
}

TEST(FaultsCalibration, TotalsAndMtbf) {
  const auto model = ct::faults::h100_failure_model();
  const auto& ref = ct::faults::kReferenceCluster;
  using ct::faults::RateSelection;
  const double unplanned = ct::faults::expected_failure_rate_per_s(model, ref) * k54DaysS;
  const double planned =
      ct::faults::expected_failure_rate_per_s(model, ref, RateSelection::planned) * k54DaysS;
  const double all =
      ct::faults::expected_failure_rate_per_s(model, ref, RateSelection::all) * k54DaysS;
  EXPECT_NEAR(unplanned, 419.0, 419e-9);
  EXPECT_NEAR(planned, 47.0, 47e-9);
  EXPECT_NEAR(all, 466.0, 466e-9);
  // Published unexpected MTBF ≈ 3.09 h (54 d × 24 h / 419 = 3.0931 h).
  const double mtbf_h = 1.0 / ct::faults::expected_failure_rate_per_s(model, ref) / 3600.0;
  EXPECT_NEAR(mtbf_h, 3.0931, 5e-4);
  // rate_scale multiplies everything.
  auto doubled = model;
  doubled.rate_scale = 2.0;
  EXPECT_NEAR(ct::faults::expected_failure_rate_per_s(doubled, ref) * k54DaysS, 838.0, 1e-6);
}

TEST(FaultsCalibration, ScopeSplitOfTheReferenceCluster) {
  // Accelerator classes: 148+72+19+17+6+6 = 268 over 16,384 GPUs; node classes:
  // 32+7+3+3+2+2+2+2 = 53 over 2,048 nodes.
  const auto model = ct::faults::h100_failure_model();
  double acc = 0, node = 0;
  for (const auto& s : model.classes) {
    if (s.scope == ct::faults::Scope::accelerator) acc += s.base_rate_per_s * 16384 * k54DaysS;
    if (s.scope == ct::faults::Scope::node) node += s.base_rate_per_s * 2048 * k54DaysS;
  }
  EXPECT_NEAR(acc, 268.0, 1e-9);
  EXPECT_NEAR(node, 53.0, 1e-9);
}

TEST(FaultsCalibration, NominalHazardAtReferenceConditionsEqualsBase) {
  // At the stated reference (junction 70 °C, inlet 25 °C, reference cycling) the accelerations
  // are exactly 1, so the calibration holds with both accelerations switched on.
  const auto model = ct::faults::h100_failure_model();
  ASSERT_TRUE(model.arrhenius_enabled);
  ASSERT_TRUE(model.cycling_enabled);
  const auto& cyc = model.cycling_reference;
  const double r = ct::faults::relative_damage_rate(cyc.delta_t_k, cyc.frequency_hz, cyc.t_max_c,
                                                    cyc, model.fatigue);
  for (const auto& s : model.classes) {
    const double t = s.temperature_source == ct::faults::TemperatureSource::rack_inlet
                         ? ct::faults::kReferenceInletC
                         : ct::faults::kReferenceJunctionC;
    EXPECT_NEAR(ct::faults::class_hazard_rate_per_s(s, model, t, r), s.base_rate_per_s,
                1e-12 * s.base_rate_per_s)
        << s.name;
  }
}

TEST(FaultsCalibration, NamesAreStableSnakeCaseAndRoundTrip) {
  const auto model = ct::faults::h100_failure_model();
  std::set<std::string_view> seen;
  for (int c = 0; c < ct::faults::kFailureClassCount; ++c) {
    const auto cls = static_cast<FailureClass>(c);
    const std::string_view name = ct::faults::failure_class_name(cls);
    EXPECT_EQ(model.classes[c].name, name);
    EXPECT_TRUE(seen.insert(name).second) << name;
    for (char ch : name) EXPECT_TRUE(std::islower(static_cast<unsigned char>(ch)) || ch == '_');
    ASSERT_TRUE(ct::faults::failure_class_from_name(name).has_value());
    EXPECT_EQ(*ct::faults::failure_class_from_name(name), cls);
  }
  EXPECT_EQ(ct::faults::failure_class_name(FailureClass::hbm), "hbm");
  EXPECT_EQ(ct::faults::failure_class_name(FailureClass::planned_maintenance),
            "planned_maintenance");
  EXPECT_FALSE(ct::faults::failure_class_from_name("GPU").has_value());
  EXPECT_FALSE(ct::faults::failure_class_from_name("").has_value());
}

TEST(FaultsCalibration, OverrideByName) {
  auto model = ct::faults::h100_failure_model();
  auto* spec = ct::faults::find_class(model, "nic");
  ASSERT_NE(spec, nullptr);
  spec->base_rate_per_s *= 10.0;
  const double nic =
      ct::faults::expected_count(model, ct::faults::kReferenceCluster, FailureClass::nic, k54DaysS);
  EXPECT_NEAR(nic, 70.0, 1e-9);
  EXPECT_EQ(ct::faults::find_class(model, "no_such_class"), nullptr);
}

TEST(FaultsCalibration, ScopesAndPlannedFlags) {
  const auto model = ct::faults::h100_failure_model();
  using ct::faults::Scope;
  EXPECT_EQ(model[FailureClass::gpu].scope, Scope::accelerator);
  EXPECT_EQ(model[FailureClass::host].scope, Scope::node);
  EXPECT_EQ(model[FailureClass::leaf_switch].scope, Scope::rack_leaf_switch);
  EXPECT_EQ(model[FailureClass::spine_switch].scope, Scope::spine_switch);
  EXPECT_EQ(model[FailureClass::software].scope, Scope::job);
  int planned = 0;
  for (const auto& s : model.classes) planned += s.planned ? 1 : 0;
  EXPECT_EQ(planned, 1);
  EXPECT_TRUE(model[FailureClass::planned_maintenance].planned);
}

TEST(FaultsCalibration, WeibullExpectedCountOverReferenceWindowIsUnchanged) {
  // With β != 1, η is defined so that the expected count from new over 54 d stays calibrated.
  auto model = ct::faults::h100_failure_model();
  model[FailureClass::gpu].weibull_shape = 1.3;
  const auto& ref = ct::faults::kReferenceCluster;
  EXPECT_NEAR(ct::faults::expected_count(model, ref, FailureClass::gpu, k54DaysS), 148.0, 1e-9);
  // Over 27 d: 148·0.5^1.3 = 60.11 (fewer early failures for wear-out).
  EXPECT_NEAR(ct::faults::expected_count(model, ref, FailureClass::gpu, k54DaysS / 2),
              148.0 * 0.40612619817811774, 1e-9);
}

}  // namespace
