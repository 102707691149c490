// A site's outdoor weather and grid signals, built from its scenario keys (`weather:`,
// `grid.carbon:`, `grid.price:`): the synthetic climate and clustertwin's own CSVs, and the
// provider formats of docs/signals.md (EPW weather files, Electricity Maps carbon exports,
// "Price (CUR/MWh)" price files). The engine holds one per site; `clustertwin info` samples the
// weather the same way.
#pragma once

#include <optional>

#include "io/scenario.hpp"
#include "power/grid_signal.hpp"
#include "thermal/weather.hpp"

namespace ct::twin {

class SiteWeather {
 public:
  // Reads the weather file, if any; throws std::runtime_error naming file:line for a bad one
  // (the scenario loader has read it once already and reports that as bad input).
  SiteWeather(const io::WeatherSpec& spec, double start_unix_s);

  // The weather `run_time_s` seconds after the start of the run, held over `weather.update_s`
  // steps (the value at the middle of the step holding run_time_s).
  thermal::WeatherSample sample(double run_time_s) const;
  // At a UTC instant, not held.
  thermal::WeatherSample at_unix_s(double unix_s) const;

 private:
  thermal::SyntheticClimate climate_;
  std::optional<thermal::HourlyWeather> records_;  // csv and epw: interpolated records
  double start_unix_s_ = 0.0;
  double update_s_ = 0.0;
};

// The carbon intensity (gCO2/kWh, `carbon`) or price (USD/MWh) signal of `spec`. A provider price
// file is scaled into USD by spec.usd_per_unit. Throws std::runtime_error naming file:line for a
// bad file.
power::GridSignal make_grid_signal(const io::SignalSpec& spec, bool carbon);

}  // namespace ct::twin
