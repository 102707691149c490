// What the engine writes (the HDF5 contract's series, rack layout and name tables): the
// description the output file is created from, kept apart from the simulation itself.
#include <cmath>

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
  for (const auto& b : s_->sc.campus.buildings) l.building_names.push_back(b.name);
  return l;
}

// Per-series CF metadata. Samples are stamped at the end of their output interval, and
// time_bnds holds [t − interval, t]; cell_methods says how each sample summarises that interval:
// interval means "time: mean", extremes "time: maximum"/"time: minimum", interval totals
// "time: sum", and values at the sample instant (cumulative counters, end-of-interval states)
// "time: point". Units are udunits2 strings (tests/python/test_cf_output.py checks each):
// money has no udunits unit, so cost is "s-1" and price "MW-1 h-1" with currency = "USD".
std::vector<io::SeriesSpec> Engine::series() const {
  using io::SeriesSpec;
  using io::StoreType;
  constexpr const char* kMean = "time: mean";
  constexpr const char* kMax = "time: maximum";
  constexpr const char* kMin = "time: minimum";
  constexpr const char* kSum = "time: sum";
  constexpr const char* kPoint = "time: point";
  std::vector<SeriesSpec> v;
  auto add = [&](std::string path, const char* units, std::string long_name, const char* cell,
                 StoreType type = StoreType::f64) -> SeriesSpec& {
    SeriesSpec spec;
    spec.path = std::move(path);
    spec.units = units;
    spec.long_name = std::move(long_name);
    spec.type = type;
    spec.cell_methods = cell;
    v.push_back(std::move(spec));
    return v.back();
  };
  auto f = [&](const char* name, const char* units, const char* long_name,
               const char* cell) -> SeriesSpec& {
    return add(std::string("facility/") + name, units, long_name, cell);
  };
  f("power_it_w", "W", "IT power (accelerators and node overhead), interval mean", kMean);
  f("power_cooling_w", "W", "cooling plant power (chillers, fans, pumps), interval mean", kMean);
  f("power_distribution_loss_w", "W", "power distribution losses, interval mean", kMean);
  f("power_facility_w", "W", "facility power drawn from the grid, interval mean", kMean);
  f("pue", "1", "power usage effectiveness over the interval", kMean);
  f("outdoor_temperature_c", "degC", "outdoor dry-bulb temperature, interval mean", kMean)
      .standard_name = "air_temperature";
  f("outdoor_wet_bulb_c", "degC", "outdoor wet-bulb temperature, interval mean", kMean)
      .standard_name = "wet_bulb_temperature";
  f("supply_temperature_c", "degC", "cooling supply temperature (air or facility water)", kPoint);
  f("water_l_per_s", "L s-1", "make-up water of evaporative heat rejection, interval mean", kMean);
  f("power_facility_max_w", "W", "highest tick facility power in the interval", kMax);
  f("power_cap_w", "W", "lowest facility power cap in force in the interval (NaN: none)", kMin)
      .fill_value = std::nan("");
  f("accelerator_power_cap_w", "W", "lowest per-accelerator power cap in the interval", kMin);
  f("carbon_g_per_s", "g s-1", "CO2 emission rate of the facility's grid power, interval mean",
    kMean);
  f("cost_usd_per_s", "s-1", "electricity cost rate in US dollars per second, interval mean", kMean)
      .text_attributes = {{"currency", "USD"}};
  f("price_usd_per_mwh", "MW-1 h-1", "electricity price in US dollars per MWh",
    "time: mean (comment: weighted by facility energy)")
      .text_attributes = {{"currency", "USD"}};
  f("energy_it_j", "J", "IT energy since the start (cumulative)", kPoint);
  f("energy_facility_j", "J", "facility energy since the start (cumulative)", kPoint);
  for (int c = 0; c < kCategoryCount; ++c) {
    add("accelerator_time/" + std::string(kCategoryNames[c]), "s",
        "accelerator-seconds in the interval: " + std::string(kCategoryLongNames[c]), kSum);
    add("accelerator_energy/" + std::string(kCategoryNames[c]), "J",
        "energy in the interval: " + std::string(kCategoryLongNames[c]), kSum);
  }
  for (const auto& job : s_->jobs) {
    const std::string g = "jobs/" + job.spec.name + "/";
    SeriesSpec& state =
        add(g + "state", "1", "job phase at the end of the interval", kPoint, StoreType::i8);
    state.text_attributes = {{"flag_meanings", std::string(kJobPhaseMeanings)}};
    state.flag_values = {0, 1, 2, 3, 4, 5};
    add(g + "iterations", "1", "durable training iterations (cumulative)", kPoint);
    add(g + "progress_iterations", "1", "training iterations including work not yet checkpointed",
        kPoint);
    add(g + "tokens", "1", "tokens of durable progress (cumulative)", kPoint);
    add(g + "step_time_s", "s", "mean step time while running in the interval (0 if not running)",
        kMean);
    add(g + "slowest_clock_ratio", "1",
        "clock ratio of the slowest participant at the end of the interval", kPoint);
  }
  auto r = [&](const char* name, const char* units, const char* long_name, const char* cell) {
    add(std::string("racks/") + name, units, long_name, cell, StoreType::f32).rack_series = true;
  };
  r("power_w", "W", "rack IT power, interval mean", kMean);
  r("inlet_temperature_c", "degC", "rack inlet (air or coolant) temperature, interval mean", kMean);
  r("max_junction_temperature_c", "degC", "hottest accelerator junction in the interval", kMax);
  r("throttled_fraction", "1", "share of accelerator-ticks clock-throttled in the interval", kMean);
  return v;
}

}  // namespace ct::twin
