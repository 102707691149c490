// Moist-air psychrometrics: saturation pressure, humidity ratio, dew point and the thermodynamic
// wet-bulb temperature, after ASHRAE Handbook — Fundamentals (2017), chapter 1.
//
//   saturation pressure p_ws(t)  Hyland–Wexler: over ice below 0 °C (eq. 5), over liquid water
//                                from 0 °C (eq. 6); −100 … 200 °C, within 300 ppm of Table 3
//   humidity ratio     W = 0.621945 · p_w / (p − p_w)                                 (eq. 20)
//   dew point          p_w = p_ws(t_d)  (frost point below 0 °C), inverted by bisection
//   relative humidity  φ = p_w / p_ws(t)
//   wet bulb t*        W = [(2501 − 2.326 t*)·W_s* − 1.006 (t − t*)] / (2501 + 1.86 t − 4.186 t*)
//                      for t* ≥ 0 (eq. 33); below 0 °C (ice on the bulb, eq. 35)
//                      W = [(2830 − 0.24 t*)·W_s* − 1.006 (t − t*)] / (2830 + 1.86 t − 2.1 t*),
//                      W_s* = W at saturation at t*; solved for t* in [t_d, t] by bisection
//   standard pressure  p = 101325 · (1 − 2.25577e−5 · Z)^5.2559   (eq. 3, Z in m)
// Temperatures in °C, pressures in Pa, W in kg water / kg dry air, φ as a fraction.
// All functions throw std::invalid_argument outside their range (−100 … 200 °C, p > p_w).
#pragma once

namespace ct::thermal {

double saturation_vapor_pressure_pa(double temperature_c);
double standard_atmosphere_pressure_pa(double elevation_m);  // −5000 … 11000 m

double humidity_ratio(double vapor_pressure_pa, double pressure_pa);
double saturation_humidity_ratio(double temperature_c, double pressure_pa);
double dew_point_c(double vapor_pressure_pa);  // inverse of saturation_vapor_pressure_pa

// Humidity ratio of air at dry bulb t with thermodynamic wet bulb t* (eqs. 33/35).
double humidity_ratio_from_wet_bulb(double dry_bulb_c, double wet_bulb_c, double pressure_pa);

// Thermodynamic wet bulb from the dry bulb and one humidity measure. Air at or above
// saturation (W ≥ W_s(t), dew point ≥ dry bulb, φ ≥ 1) returns the dry bulb. Bisection to
// 1e-9 K.
double wet_bulb_from_humidity_ratio_c(double dry_bulb_c, double humidity_ratio, double pressure_pa);
double wet_bulb_from_dew_point_c(double dry_bulb_c, double dew_point_c, double pressure_pa);
double wet_bulb_from_relative_humidity_c(double dry_bulb_c, double relative_humidity,
                                         double pressure_pa);

}  // namespace ct::thermal
