// Energy, carbon and cost accounting, one tick at a time.
//
//   carbon_g = ∫ P·I dt / 3.6e6     P in W, I in gCO2/kWh   (1 kWh = 3.6e6 J)
//   cost_usd = ∫ P·π dt / 3.6e9     π in $/MWh               (1 MWh = 3.6e9 J)
//
// A tick adds P·Δt·Ī/3.6e6 with P the tick's mean facility power and Ī the tick's mean intensity
// (GridSignal::mean_over): exact when the power is constant over the tick. Sums are compensated
// (Neumaier), so a year of sub-second ticks keeps full double precision.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace ct::power {

inline constexpr double kJPerKwh = 3.6e6;
inline constexpr double kJPerMwh = 3.6e9;

inline double carbon_g_per_s(double power_w, double carbon_g_per_kwh) {
  return power_w * carbon_g_per_kwh / kJPerKwh;
}

inline double cost_usd_per_s(double power_w, double price_usd_per_mwh) {
  return power_w * price_usd_per_mwh / kJPerMwh;
}

// Neumaier's compensated sum.
class CompensatedSum {
 public:
  void add(double x) {
    const double t = sum_ + x;
    compensation_ += std::abs(sum_) >= std::abs(x) ? (sum_ - t) + x : (x - t) + sum_;
    sum_ = t;
  }
  double value() const { return sum_ + compensation_; }
  template <class Archive>
  void serialize(Archive& ar) {  // restart files
    ar(sum_, compensation_);
  }

 private:
  double sum_ = 0.0;
  double compensation_ = 0.0;
};

struct TickGridRates {
  double carbon_g_per_s = 0.0;
  double cost_usd_per_s = 0.0;
};

class EnergyLedger {
 public:
  // One tick of constant power; returns the rates for the output series.
  TickGridRates add(double power_w, double duration_s, double carbon_g_per_kwh,
                    double price_usd_per_mwh) {
    const TickGridRates rates{carbon_g_per_s(power_w, carbon_g_per_kwh),
                              cost_usd_per_s(power_w, price_usd_per_mwh)};
    energy_j_.add(power_w * duration_s);
    carbon_g_.add(rates.carbon_g_per_s * duration_s);
    cost_usd_.add(rates.cost_usd_per_s * duration_s);
    duration_s_.add(duration_s);
    return rates;
  }

  double energy_j() const { return energy_j_.value(); }
  double carbon_g() const { return carbon_g_.value(); }
  double carbon_kg() const { return carbon_g_.value() * 1e-3; }
  double cost_usd() const { return cost_usd_.value(); }
  double duration_s() const { return duration_s_.value(); }
  // Energy-weighted means; 0 before any energy.
  double mean_carbon_g_per_kwh() const {
    const double e = energy_j();
    return e > 0.0 ? carbon_g() * kJPerKwh / e : 0.0;
  }
  double mean_price_usd_per_mwh() const {
    const double e = energy_j();
    return e > 0.0 ? cost_usd() * kJPerMwh / e : 0.0;
  }

  template <class Archive>
  void serialize(Archive& ar) {  // restart files
    ar(energy_j_, carbon_g_, cost_usd_, duration_s_);
  }

 private:
  CompensatedSum energy_j_;
  CompensatedSum carbon_g_;
  CompensatedSum cost_usd_;
  CompensatedSum duration_s_;
};

// Energy per trained token; NaN when no token was trained (undefined, not zero).
inline double joules_per_token(double energy_j, double tokens) {
  return tokens > 0.0 ? energy_j / tokens : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace ct::power
