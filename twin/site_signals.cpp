#include "twin/site_signals.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <utility>
#include <vector>

#include "power/grid_data.hpp"
#include "thermal/epw.hpp"

namespace ct::twin {

SiteWeather::SiteWeather(const io::WeatherSpec& spec, double start_unix_s)
    : climate_(spec.climate), start_unix_s_(start_unix_s), update_s_(spec.update_s) {
  switch (spec.source) {
    case io::WeatherSpec::Source::synthetic:
      break;
    case io::WeatherSpec::Source::csv:
      records_.emplace(thermal::HourlyWeather::load_csv(spec.csv_path));
      break;
    case io::WeatherSpec::Source::epw: {
      const thermal::EpwWeather epw = thermal::load_epw(spec.epw_path, {spec.epw_year});
      spdlog::debug(
          "{}: {} records laid on {}; pressure from the elevation in {}, wet bulb from "
          "the humidity in {}",
          spec.epw_path, epw.times_s.size(), spec.epw_year, epw.pressure_filled,
          epw.wet_bulb_from_humidity);
      records_.emplace(epw.weather());
      break;
    }
  }
}

thermal::WeatherSample SiteWeather::sample(double run_time_s) const {
  // Held weather (weather.update_s): the value at the middle of the step holding the time.
  const double u = update_s_;
  if (u > 0.0) run_time_s = (std::floor(run_time_s / u) + 0.5) * u;
  return at_unix_s(start_unix_s_ + run_time_s);
}

thermal::WeatherSample SiteWeather::at_unix_s(double unix_s) const {
  return records_ ? records_->sample(unix_s) : thermal::sample(climate_, unix_s);
}

power::GridSignal make_grid_signal(const io::SignalSpec& spec, bool carbon) {
  using Source = io::SignalSpec::Source;
  const power::GridDataOptions options{spec.zone, spec.label};
  switch (spec.source) {
    case Source::constant:
      return power::GridSignal::constant(spec.shape.mean);
    case Source::daily:
      return power::GridSignal::daily(spec.shape);
    case Source::csv:
      return power::GridSignal::series(carbon ? power::load_carbon_csv(spec.csv_path)
                                              : power::load_price_csv(spec.csv_path));
    case Source::electricitymaps_csv: {
      const power::CarbonIntensityData data =
          power::load_carbon_intensity_csv(spec.csv_path, options);
      if (data.estimated_rows > 0)
        spdlog::info("{}: {} rows flagged 'Data estimated' (used as they are)", spec.csv_path,
                     data.estimated_rows);
      return power::GridSignal::series(power::carbon_series(data, spec.basis, spec.csv_path));
    }
    case Source::price_csv:
      break;
  }
  // Into USD/MWh, keeping the file's interpolation (interval means stay step series).
  const power::PriceData data = power::load_price_csv_export(spec.csv_path, options);
  const power::HourlySeries& file = data.price_per_mwh;
  std::vector<double> usd_per_mwh(file.values().begin(), file.values().end());
  for (double& v : usd_per_mwh) v *= spec.usd_per_unit;
  return power::GridSignal::series(
      power::HourlySeries(std::vector<double>(file.times_s().begin(), file.times_s().end()),
                          std::move(usd_per_mwh), file.interpolation()));
}

}  // namespace ct::twin
