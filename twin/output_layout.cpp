// What the engine writes (the HDF5 contract's series, rack layout and name tables): the
// description the output file is created from, kept apart from the simulation itself.
#include "twin/accounting.hpp"
#include "twin/engine.hpp"
#include "twin/engine_state.hpp"

namespace ct::twin {

std::vector<std::string> Engine::event_kind_names() {
  return {"failure",      "checkpoint_start", "checkpoint_end",
          "recovery_end", "repair",           "thermal_trip"};
}

std::vector<std::string> Engine::component_class_names() {
  std::vector<std::string> names;
  for (int c = 0; c < faults::kFailureClassCount; ++c)
    names.emplace_back(faults::failure_class_name(static_cast<faults::FailureClass>(c)));
  return names;
}

io::RackLayout Engine::rack_layout() const {
  io::RackLayout l;
  l.total_racks = s_->campus.racks();
  l.first_rack = s_->block.first_rack;
  l.rack_count = s_->block.rack_count;
  for (std::int64_t r = 0; r < l.total_racks; ++r) {
    l.building.push_back(s_->campus.building_of_rack(r));
    l.hall.push_back(s_->campus.hall_of_rack(r));
    l.index_in_hall.push_back(s_->campus.index_in_hall(r));
  }
  return l;
}

std::vector<io::SeriesSpec> Engine::series() const {
  using io::SeriesSpec;
  using io::StoreType;
  std::vector<SeriesSpec> v;
  auto f = [&](const char* name, const char* units, const char* long_name) {
    v.push_back(SeriesSpec{
        std::string("facility/") + name, units, long_name, StoreType::f64, false, {}, {}});
  };
  f("power_it_w", "W", "IT power (accelerators and node overhead), interval mean");
  f("power_cooling_w", "W", "cooling plant power (chillers, fans, pumps), interval mean");
  f("power_distribution_loss_w", "W", "power distribution losses, interval mean");
  f("power_facility_w", "W", "facility power drawn from the grid, interval mean");
  f("pue", "1", "power usage effectiveness over the interval");
  f("outdoor_temperature_c", "degC", "outdoor dry-bulb temperature, interval mean");
  f("outdoor_wet_bulb_c", "degC", "outdoor wet-bulb temperature, interval mean");
  f("supply_temperature_c", "degC", "cooling supply temperature (air or facility water)");
  f("water_l_per_s", "L s-1", "make-up water of evaporative heat rejection, interval mean");
  f("power_facility_max_w", "W", "highest tick facility power in the interval");
  f("power_cap_w", "W", "lowest facility power cap in force in the interval (NaN: none)");
  f("accelerator_power_cap_w", "W", "lowest per-accelerator power cap in the interval");
  f("carbon_g_per_s", "g s-1", "CO2 emission rate of the facility's grid power, interval mean");
  f("cost_usd_per_s", "USD s-1", "electricity cost rate, interval mean");
  f("price_usd_per_mwh", "USD MWh-1", "energy-weighted electricity price in the interval");
  f("energy_it_j", "J", "IT energy since the start (cumulative)");
  f("energy_facility_j", "J", "facility energy since the start (cumulative)");
  for (int c = 0; c < kCategoryCount; ++c) {
    v.push_back(
        SeriesSpec{"accelerator_time/" + std::string(kCategoryNames[c]),
                   "s",
                   "accelerator-seconds in the interval: " + std::string(kCategoryLongNames[c]),
                   StoreType::f64,
                   false,
                   {},
                   {}});
    v.push_back(SeriesSpec{"accelerator_energy/" + std::string(kCategoryNames[c]),
                           "J",
                           "energy in the interval: " + std::string(kCategoryLongNames[c]),
                           StoreType::f64,
                           false,
                           {},
                           {}});
  }
  for (const auto& job : s_->jobs) {
    const std::string g = "jobs/" + job.spec.name + "/";
    v.push_back(SeriesSpec{g + "state",
                           "1",
                           "job phase at the end of the interval",
                           StoreType::i8,
                           false,
                           {{"flag_meanings", std::string(kJobPhaseMeanings)}},
                           {0, 1, 2, 3, 4, 5}});
    v.push_back(SeriesSpec{g + "iterations",
                           "1",
                           "durable training iterations (cumulative)",
                           StoreType::f64,
                           false,
                           {},
                           {}});
    v.push_back(SeriesSpec{g + "progress_iterations",
                           "1",
                           "training iterations including work not yet checkpointed",
                           StoreType::f64,
                           false,
                           {},
                           {}});
    v.push_back(SeriesSpec{g + "tokens",
                           "1",
                           "tokens of durable progress (cumulative)",
                           StoreType::f64,
                           false,
                           {},
                           {}});
    v.push_back(SeriesSpec{g + "step_time_s",
                           "s",
                           "mean step time while running in the interval (0 if not running)",
                           StoreType::f64,
                           false,
                           {},
                           {}});
    v.push_back(SeriesSpec{g + "slowest_clock_ratio",
                           "1",
                           "clock ratio of the slowest participant at the end of the interval",
                           StoreType::f64,
                           false,
                           {},
                           {}});
  }
  auto r = [&](const char* name, const char* units, const char* long_name) {
    v.push_back(
        SeriesSpec{std::string("racks/") + name, units, long_name, StoreType::f32, true, {}, {}});
  };
  r("power_w", "W", "rack IT power, interval mean");
  r("inlet_temperature_c", "degC", "rack inlet (air or coolant) temperature, interval mean");
  r("max_junction_temperature_c", "degC", "hottest accelerator junction in the interval");
  r("throttled_fraction", "1", "share of accelerator-ticks clock-throttled in the interval");
  return v;
}

}  // namespace ct::twin
