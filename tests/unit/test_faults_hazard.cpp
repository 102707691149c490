// Arrhenius, Weibull and Norris–Landzberg hazard physics against hand-computed closed forms.
#include <gtest/gtest.h>

#include <cmath>

#include "faults/failure_classes.hpp"
#include "faults/hazard.hpp"

namespace {

using namespace ct::faults;

TEST(FaultsArrhenius, OneAtReference) {
  EXPECT_DOUBLE_EQ(arrhenius_factor(0.7, 70.0, 70.0), 1.0);
  EXPECT_DOUBLE_EQ(arrhenius_factor(0.0, 70.0, 95.0), 1.0);
}

TEST(FaultsArrhenius, HandComputedValues) {
  // Ea = 0.7 eV, 70 → 80 °C: (0.7 / 8.617333262e-5 K) × (1/343.15 − 1/353.15) K⁻¹
  // = 8123.17 × 8.25196e-5 = 0.670326 → e^0.670326 = 1.954862.
  EXPECT_NEAR(arrhenius_factor(0.7, 70.0, 80.0), 1.9548620520547135, 1e-12);
  // 70 → 60 °C: 8123.17 × (1/343.15 − 1/333.15) = −0.710571 → 0.491368.
  EXPECT_NEAR(arrhenius_factor(0.7, 70.0, 60.0), 0.49136849198765786, 1e-12);
  // Rule of thumb: ~0.7 eV roughly doubles the rate per 10 K near 70 °C.
  EXPECT_GT(arrhenius_factor(0.7, 70.0, 80.0), 1.8);
  EXPECT_LT(arrhenius_factor(0.7, 70.0, 80.0), 2.1);
}

TEST(FaultsArrhenius, MonotoneInTemperatureAndEnergy) {
  double prev = 0.0;
  for (double t = 20.0; t <= 100.0; t += 2.5) {
    const double af = arrhenius_factor(0.6, 50.0, t);
    EXPECT_GT(af, prev);
    prev = af;
  }
  EXPECT_GT(arrhenius_factor(0.9, 50.0, 70.0), arrhenius_factor(0.5, 50.0, 70.0));
  EXPECT_LT(arrhenius_factor(0.9, 50.0, 30.0), arrhenius_factor(0.5, 50.0, 30.0));
}

TEST(FaultsWeibull, CumulativeHazardAndEta) {
  EXPECT_DOUBLE_EQ(weibull_cumulative_hazard(0.0, 10.0, 1.5), 0.0);
  EXPECT_NEAR(weibull_cumulative_hazard(20.0, 10.0, 1.5), std::pow(2.0, 1.5), 1e-14);
  EXPECT_NEAR(weibull_hazard_increment(10.0, 20.0, 10.0, 2.0), 4.0 - 1.0, 1e-14);
  // β = 1: η = 1/λ.
  EXPECT_NEAR(weibull_eta_s(1e-6, 1.0, 1e5), 1e6, 1e-6);
  // H(t_ref) = λ·t_ref for any β.
  for (double beta : {0.7, 1.0, 1.3, 2.0}) {
    const double eta = weibull_eta_s(3e-9, beta, kReferenceWindowS);
    EXPECT_NEAR(weibull_cumulative_hazard(kReferenceWindowS, eta, beta), 3e-9 * kReferenceWindowS,
                1e-14);
  }
  // The age factor integrates to H: ∫₀^a λ·β(x/t_ref)^(β−1) dx = λ·t_ref·(a/t_ref)^β.
  const double lambda = 2e-7, beta = 1.7, t_ref = 1e6, a = 3e5;
  double integral = 0.0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double x = (i + 0.5) * a / n;
    integral += lambda * weibull_age_factor(x, beta, t_ref) * a / n;
  }
  EXPECT_NEAR(integral, weibull_cumulative_hazard(a, weibull_eta_s(lambda, beta, t_ref), beta),
              1e-6 * integral);
}

TEST(FaultsNorrisLandzberg, OneAtReference) {
  const CyclingReference ref{5.0, 0.1, 72.5};
  EXPECT_DOUBLE_EQ(relative_damage_rate(5.0, 0.1, 72.5, ref, kSnPbFatigue), 1.0);
  EXPECT_DOUBLE_EQ(relative_damage_rate(5.0, 0.1, 72.5, ref, kSac305Fatigue), 1.0);
  EXPECT_EQ(relative_damage_rate(0.0, 0.1, 72.5, ref, kSnPbFatigue), 0.0);
  EXPECT_EQ(relative_damage_rate(5.0, 0.0, 72.5, ref, kSnPbFatigue), 0.0);
}

TEST(FaultsNorrisLandzberg, SwingExponent) {
  const CyclingReference ref{5.0, 0.1, 72.5};
  // Doubling ΔT multiplies damage by 2^n.
  EXPECT_NEAR(relative_damage_rate(10.0, 0.1, 72.5, ref, kSnPbFatigue), std::pow(2.0, 1.9), 1e-12);
  EXPECT_NEAR(relative_damage_rate(10.0, 0.1, 72.5, ref, kSac305Fatigue), std::pow(2.0, 2.65),
              1e-12);
  EXPECT_NEAR(relative_damage_rate(40.0, 0.1, 72.5, ref, kSnPbFatigue) /
                  relative_damage_rate(20.0, 0.1, 72.5, ref, kSnPbFatigue),
              3.7321319661472296, 1e-12);  // 2^1.9
}

TEST(FaultsNorrisLandzberg, FrequencyConvention) {
  const CyclingReference ref{5.0, 0.1, 72.5};
  // N_f ∝ f^(+1/3): halving f lowers cycles to failure by 2^(1/3), so per-cycle damage rises by
  // 2^(1/3) and damage per second falls by 2^(1 − 1/3) = 2^(2/3).
  EXPECT_NEAR(relative_cycle_damage(5.0, 0.05, 72.5, ref, kSnPbFatigue), std::cbrt(2.0), 1e-12);
  EXPECT_NEAR(relative_damage_rate(5.0, 0.05, 72.5, ref, kSnPbFatigue), std::pow(2.0, -2.0 / 3.0),
              1e-12);
  // N_f itself with C = 1: f^m increasing in f.
  EXPECT_LT(norris_landzberg_cycles_to_failure(1.0, 5.0, 0.05, 72.5, kSnPbFatigue),
            norris_landzberg_cycles_to_failure(1.0, 5.0, 0.1, 72.5, kSnPbFatigue));
}

TEST(FaultsNorrisLandzberg, PeakTemperature) {
  const CyclingReference ref{5.0, 0.1, 72.5};
  // T_max 72.5 → 92.5 °C, SnPb: exp(1414 × (1/345.65 − 1/365.65)) = exp(0.223746) = 1.250767.
  EXPECT_NEAR(relative_damage_rate(5.0, 0.1, 92.5, ref, kSnPbFatigue), 1.2507674556366646, 1e-12);
  EXPECT_LT(relative_damage_rate(5.0, 0.1, 52.5, ref, kSnPbFatigue), 1.0);
}

TEST(FaultsNorrisLandzberg, ConsistentWithCyclesToFailure) {
  // The ratio form must equal (f/N_f)/(f_ref/N_f,ref) from the absolute formula for any C.
  const CyclingReference ref{5.0, 0.1, 72.5};
  const double c = 1.234e7;
  const double n_ref = norris_landzberg_cycles_to_failure(c, 5.0, 0.1, 72.5, kSac305Fatigue);
  const double n = norris_landzberg_cycles_to_failure(c, 13.0, 0.37, 81.0, kSac305Fatigue);
  EXPECT_NEAR(relative_damage_rate(13.0, 0.37, 81.0, ref, kSac305Fatigue),
              (0.37 / n) / (0.1 / n_ref), 1e-12 * (0.37 / n) / (0.1 / n_ref));
}

TEST(FaultsNorrisLandzberg, HalfCycleInReferenceSeconds) {
  const CyclingReference ref{5.0, 0.1, 72.5};
  // A reference half-cycle (5 s at 0.1 Hz) is half a reference cycle = 5 reference-seconds.
  EXPECT_NEAR(half_cycle_damage_reference_s(5.0, 5.0, 72.5, ref, kSnPbFatigue), 5.0, 1e-12);
  // A 60 s stall edge of 40 K (f = 1/120 Hz), SnPb: 0.5 × 8^1.9 × (0.1 × 120)^(1/3) / 0.1
  // = 0.5 × 51.98 × 2.2894 / 0.1 = 595.07 reference-seconds.
  EXPECT_NEAR(half_cycle_damage_reference_s(40.0, 60.0, 72.5, ref, kSnPbFatigue), 595.0700074605162,
              1e-9);
  EXPECT_EQ(half_cycle_damage_reference_s(40.0, 0.0, 72.5, ref, kSnPbFatigue), 0.0);
}

TEST(FaultsClassHazard, CombinesArrheniusAndCycling) {
  auto model = h100_failure_model();
  const FailureClassSpec& gpu = model[FailureClass::gpu];  // Ea 0.7, cf 0.2, T_ref 70
  const double af = arrhenius_factor(0.7, 70.0, 80.0);
  EXPECT_NEAR(class_hazard_rate_per_s(gpu, model, 80.0, 3.0),
              gpu.base_rate_per_s * (0.8 * af + 0.2 * 3.0), 1e-12 * gpu.base_rate_per_s);
  model.cycling_enabled = false;  // cycling share held at reference
  EXPECT_NEAR(class_hazard_rate_per_s(gpu, model, 80.0, 3.0),
              gpu.base_rate_per_s * (0.8 * af + 0.2), 1e-12 * gpu.base_rate_per_s);
  model.arrhenius_enabled = false;
  EXPECT_NEAR(class_hazard_rate_per_s(gpu, model, 80.0, 3.0), gpu.base_rate_per_s,
              1e-12 * gpu.base_rate_per_s);
  model.rate_scale = 3.0;
  EXPECT_NEAR(class_hazard_rate_per_s(gpu, model, 80.0, 3.0), 3.0 * gpu.base_rate_per_s,
              1e-12 * gpu.base_rate_per_s);
}

TEST(FaultsClassHazard, IncrementMatchesRateForExponentialAndWeibullForm) {
  auto model = h100_failure_model();
  const FailureClassSpec& hbm = model[FailureClass::hbm];
  const double rate = class_hazard_rate_per_s(hbm, model, 75.0, 2.0);
  EXPECT_NEAR(class_hazard_increment(hbm, model, 75.0, 2.0, 1e6, 60.0), rate * 60.0,
              1e-12 * rate * 60);
  model[FailureClass::hbm].weibull_shape = 1.5;
  const double t_ref = model.weibull_reference_age_s;
  const double eta = weibull_eta_s(model[FailureClass::hbm].base_rate_per_s, 1.5, t_ref);
  // At reference conditions the increment is the Weibull H difference.
  EXPECT_NEAR(class_hazard_increment(model[FailureClass::hbm], model, 70.0, 1.0, 1e6, 3600.0),
              weibull_hazard_increment(1e6, 1e6 + 3600.0, eta, 1.5), 1e-15);
}

TEST(FaultsScopeTable, MatchesPerClassFunctions) {
  const auto model = h100_failure_model();
  const auto table = make_scope_hazard_table(model, Scope::accelerator);
  ASSERT_EQ(table.count, 6);
  EXPECT_TRUE(table.all_exponential);
  double rates[kFailureClassCount];
  const double total = scope_hazard_rate_per_s(table, 83.0, 31.0, 1.7, rates);
  double sum = 0.0;
  for (int k = 0; k < table.count; ++k) {
    const auto& spec = model[table.classes[k]];
    const double expected = class_hazard_rate_per_s(spec, model, 83.0, 1.7);
    EXPECT_NEAR(rates[k], expected, 1e-12 * expected) << spec.name;
    sum += expected;
  }
  EXPECT_NEAR(total, sum, 1e-12 * sum);
  // Node classes use the inlet temperature.
  const auto nodes = make_scope_hazard_table(model, Scope::node);
  ASSERT_EQ(nodes.count, 8);
  const double node_total = scope_hazard_rate_per_s(nodes, 83.0, 31.0, 1.7, rates);
  double node_sum = 0.0;
  for (int k = 0; k < nodes.count; ++k) {
    node_sum += class_hazard_rate_per_s(model[nodes.classes[k]], model, 31.0, 1.7);
  }
  EXPECT_NEAR(node_total, node_sum, 1e-12 * node_sum);
  // Job scope without planned = software only.
  const auto job = make_scope_hazard_table(model, Scope::job, false);
  ASSERT_EQ(job.count, 1);
  EXPECT_EQ(job.classes[0], FailureClass::software);
}

// Each switch holds its factor at 1 and nothing else: the table with R = 1 (what the engine
// passes when cycling is off) gives class_hazard_rate_per_s for every combination of switches,
// at junctions and inlets away from the reference (a table that dropped the cycling share when
// cycling is off, putting the whole rate under Arrhenius, fails the cycling-off cases).
TEST(FaultsScopeTable, SwitchesHoldTheirFactorAtOne) {
  for (const bool arrhenius : {true, false}) {
    for (const bool cycling : {true, false}) {
      auto model = h100_failure_model();
      model.arrhenius_enabled = arrhenius;
      model.cycling_enabled = cycling;
      for (const Scope scope : {Scope::accelerator, Scope::node}) {
        const auto table = make_scope_hazard_table(model, scope);
        for (const double t_c : {35.0, 70.0, 95.0}) {
          const double inlet_c = t_c - 20.0;
          const double r = cycling ? 2.5 : 1.0;
          double rates[kFailureClassCount];
          scope_hazard_rate_per_s(table, t_c, inlet_c, r, rates);
          for (int k = 0; k < table.count; ++k) {
            const auto& spec = model[table.classes[k]];
            const double temperature_c =
                spec.temperature_source == TemperatureSource::rack_inlet ? inlet_c : t_c;
            // The documented model, written out: rate·[(1−cf)·AF_T + cf·R].
            const double af = arrhenius && spec.temperature_source != TemperatureSource::none
                                  ? arrhenius_factor(spec.activation_energy_ev,
                                                     spec.reference_temperature_c, temperature_c)
                                  : 1.0;
            const double expected =
                model.rate_scale * spec.base_rate_per_s *
                ((1.0 - spec.cycling_fraction) * af + spec.cycling_fraction * (cycling ? r : 1.0));
            EXPECT_NEAR(rates[k], expected, 1e-12 * expected)
                << spec.name << " arrhenius " << arrhenius << " cycling " << cycling << " at "
                << t_c << " C";
            EXPECT_NEAR(class_hazard_rate_per_s(spec, model, temperature_c, r), expected,
                        1e-12 * expected);
          }
        }
      }
    }
  }
}

}  // namespace
