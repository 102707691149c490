#include "thermal/psychrometrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace ct::thermal {
namespace {

constexpr double kKelvin = 273.15;
constexpr double kMinC = -100.0;
constexpr double kMaxC = 200.0;
constexpr double kWaterToAirMass = 0.621945;  // M_w / M_da (ASHRAE 2017 eq. 20)

void check_temperature(double t_c, const char* what) {
  if (!(t_c >= kMinC && t_c <= kMaxC)) {
    throw std::invalid_argument(std::string(what) + " " + std::to_string(t_c) +
                                " °C is outside the psychrometric range −100 … 200 °C");
  }
}

void check_pressure(double p_pa) {
  if (!(p_pa > 0.0) || !std::isfinite(p_pa)) {
    throw std::invalid_argument("pressure must be a positive number of Pa, got " +
                                std::to_string(p_pa));
  }
}

// Bisection of a function increasing in [lo, hi] for its root, to 1e-9 K. f(lo) ≤ 0 ≤ f(hi).
template <class F>
double bisect(F f, double lo, double hi) {
  for (int i = 0; i < 200 && hi - lo > 1e-9; ++i) {
    const double mid = 0.5 * (lo + hi);
    (f(mid) > 0.0 ? hi : lo) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

double saturation_vapor_pressure_pa(double t_c) {
  check_temperature(t_c, "temperature");
  const double T = t_c + kKelvin;
  double ln_p = 0.0;
  if (t_c < 0.0) {  // over ice, eq. 5
    ln_p = -5.6745359e3 / T + 6.3925247 - 9.6778430e-3 * T + 6.2215701e-7 * T * T +
           2.0747825e-9 * T * T * T - 9.4840240e-13 * T * T * T * T + 4.1635019 * std::log(T);
  } else {  // over liquid water, eq. 6
    ln_p = -5.8002206e3 / T + 1.3914993 - 4.8640239e-2 * T + 4.1764768e-5 * T * T -
           1.4452093e-8 * T * T * T + 6.5459673 * std::log(T);
  }
  return std::exp(ln_p);
}

double standard_atmosphere_pressure_pa(double elevation_m) {
  if (!(elevation_m >= -5000.0 && elevation_m <= 11000.0)) {
    throw std::invalid_argument("elevation " + std::to_string(elevation_m) +
                                " m is outside the standard atmosphere's −5000 … 11000 m");
  }
  return 101325.0 * std::pow(1.0 - 2.25577e-5 * elevation_m, 5.2559);
}

double humidity_ratio(double vapor_pressure_pa, double pressure_pa) {
  check_pressure(pressure_pa);
  if (!(vapor_pressure_pa >= 0.0) || !(vapor_pressure_pa < pressure_pa)) {
    throw std::invalid_argument("vapour pressure " + std::to_string(vapor_pressure_pa) +
                                " Pa must be in [0, total pressure " + std::to_string(pressure_pa) +
                                " Pa)");
  }
  return kWaterToAirMass * vapor_pressure_pa / (pressure_pa - vapor_pressure_pa);
}

double saturation_humidity_ratio(double t_c, double pressure_pa) {
  return humidity_ratio(saturation_vapor_pressure_pa(t_c), pressure_pa);
}

double dew_point_c(double vapor_pressure_pa) {
  if (!(vapor_pressure_pa > 0.0) || !std::isfinite(vapor_pressure_pa)) {
    throw std::invalid_argument("vapour pressure must be positive for a dew point, got " +
                                std::to_string(vapor_pressure_pa) + " Pa");
  }
  if (vapor_pressure_pa < saturation_vapor_pressure_pa(kMinC) ||
      vapor_pressure_pa > saturation_vapor_pressure_pa(kMaxC)) {
    throw std::invalid_argument("vapour pressure " + std::to_string(vapor_pressure_pa) +
                                " Pa has no dew point in −100 … 200 °C");
  }
  // p_ws is increasing (and continuous at 0 °C within the formulas' 300 ppm).
  return bisect([&](double t) { return saturation_vapor_pressure_pa(t) - vapor_pressure_pa; },
                kMinC, kMaxC);
}

double humidity_ratio_from_wet_bulb(double t, double t_star, double pressure_pa) {
  check_temperature(t, "dry bulb");
  check_temperature(t_star, "wet bulb");
  const double ws_star = saturation_humidity_ratio(t_star, pressure_pa);
  if (t_star >= 0.0) {  // eq. 33
    return ((2501.0 - 2.326 * t_star) * ws_star - 1.006 * (t - t_star)) /
           (2501.0 + 1.86 * t - 4.186 * t_star);
  }
  return ((2830.0 - 0.24 * t_star) * ws_star - 1.006 * (t - t_star)) /  // eq. 35
         (2830.0 + 1.86 * t - 2.1 * t_star);
}

double wet_bulb_from_humidity_ratio_c(double t, double w, double pressure_pa) {
  check_temperature(t, "dry bulb");
  check_pressure(pressure_pa);
  if (!(w >= 0.0) || !std::isfinite(w)) {
    throw std::invalid_argument("humidity ratio must be >= 0, got " + std::to_string(w));
  }
  if (pressure_pa <= saturation_vapor_pressure_pa(t)) {
    throw std::invalid_argument("pressure " + std::to_string(pressure_pa) +
                                " Pa is below the saturation pressure at " + std::to_string(t) +
                                " °C (boiling)");
  }
  if (w >= saturation_humidity_ratio(t, pressure_pa)) return t;  // saturated (or above)
  // W(t*) increases with t*; at t* = t it is W_s(t) > w. The root lies above the dew point
  // (W(t_d) ≤ w); the lower end −100 °C works for any w ≥ 0 down there.
  double lo = kMinC;
  if (w > 0.0) {
    const double pw = pressure_pa * w / (kWaterToAirMass + w);
    if (pw > saturation_vapor_pressure_pa(kMinC)) lo = std::min(dew_point_c(pw), t);
  }
  return bisect(
      [&](double t_star) { return humidity_ratio_from_wet_bulb(t, t_star, pressure_pa) - w; }, lo,
      t);
}

double wet_bulb_from_dew_point_c(double t, double t_dew, double pressure_pa) {
  check_temperature(t, "dry bulb");
  check_temperature(t_dew, "dew point");
  if (t_dew >= t) return t;
  return wet_bulb_from_humidity_ratio_c(
      t, humidity_ratio(saturation_vapor_pressure_pa(t_dew), pressure_pa), pressure_pa);
}

double wet_bulb_from_relative_humidity_c(double t, double phi, double pressure_pa) {
  check_temperature(t, "dry bulb");
  if (!(phi >= 0.0) || !std::isfinite(phi)) {
    throw std::invalid_argument("relative humidity must be >= 0 (a fraction), got " +
                                std::to_string(phi));
  }
  if (phi >= 1.0) return t;
  return wet_bulb_from_humidity_ratio_c(
      t, humidity_ratio(phi * saturation_vapor_pressure_pa(t), pressure_pa), pressure_pa);
}

}  // namespace ct::thermal
