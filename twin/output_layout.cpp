// What the engine writes (the HDF5 contract's series, rack layout and name tables): the
// description the output file is created from, kept apart from the simulation itself.
#include <cmath>
#include <functional>

#include "twin/accounting.hpp"
#include "twin/engine.hpp"
#include "twin/engine_state.hpp"
#include "twin/queue.hpp"
#include "twin/series.hpp"

namespace ct::twin {

std::vector<std::string> Engine::event_kind_names() {
  return {"failure", "checkpoint_start", "checkpoint_end",  "recovery_end",
          "repair",  "thermal_trip",     "fail_slow_start", "fail_slow_replaced"};
}

std::vector<std::string> Engine::component_class_names() {
  std::vector<std::string> names;
  for (int c = 0; c < faults::kFailureClassCount; ++c)
    names.emplace_back(faults::failure_class_name(static_cast<faults::FailureClass>(c)));
  // Fail-slow classes follow (their events' component_class).
  for (int c = 0; c < faults::kFailSlowClassCount; ++c)
    names.emplace_back(
        "slow_" + std::string(faults::fail_slow_class_name(static_cast<faults::FailSlowClass>(c))));
  return names;
}

io::RackLayout Engine::rack_layout() const {
  io::RackLayout l;
  l.total_racks = s_->campus.racks();
  l.first_rack = s_->block.first_rack;
  l.rack_stride = s_->block.stride;
  l.rack_count = s_->block.rack_count;
  for (std::int64_t r = 0; r < l.total_racks; ++r) {
    l.building.push_back(s_->campus.building_of_rack(r));
    l.hall.push_back(s_->campus.hall_of_rack(r));
    l.index_in_hall.push_back(s_->campus.index_in_hall(r));
  }
  for (const auto& b : s_->sc.campus.buildings) l.building_names.push_back(b.name);
  return l;
}

std::vector<io::SeriesSpec> Engine::series() const { return s_->series.specs(); }

void Engine::write_tables(io::OutputFile& out) const {
  if (s_->queue)
    out.write_table("jobs_table", "job",
                    s_->queue->jobs_table(static_cast<double>(s_->ticks) * s_->dt));
  const bool several = s_->sites.size() > 1;
  for (const Facility& fa : s_->sites) {
    const auto& st = fa.storage;
    if (!st) continue;
    const std::string group = several ? "storage/" + fa.spec->name : std::string("storage");
    // The battery and its policy as attributes of /storage (infinite: no such limit).
    const power::BatterySpec& b = st->spec();
    const power::StoragePolicy& p = st->policy();
    static constexpr const char* kPolicies[] = {"none", "peak_shaving", "ramp_limiting",
                                                "arbitrage"};
    out.write_group_attributes(group, {{"energy_capacity_j", b.energy_capacity_j},
                                       {"power_rating_w", b.power_rating_w},
                                       {"charge_efficiency", b.charge_efficiency},
                                       {"discharge_efficiency", b.discharge_efficiency},
                                       {"round_trip_efficiency", b.round_trip_efficiency()},
                                       {"soc_min", b.soc_min},
                                       {"soc_max", b.soc_max},
                                       {"initial_soc", b.initial_soc},
                                       {"allow_export", b.allow_export ? 1.0 : 0.0},
                                       {"grid_cap_w", p.grid_cap_w},
                                       {"recharge_soc", p.recharge_soc},
                                       {"max_ramp_w_per_s", p.max_ramp_w_per_s},
                                       {"max_swing_w", p.max_swing_w},
                                       {"swing_window_s", p.swing_window_s},
                                       {"allowed_ramp_w_per_s", p.allowed_ramp_w_per_s()},
                                       {"target_soc", p.target_soc},
                                       {"recovery_time_s", p.recovery_time_s},
                                       {"charge_below_price", p.charge_below_price},
                                       {"discharge_above_price", p.discharge_above_price}});
    out.write_group_text_attribute(group, "policy", kPolicies[static_cast<int>(p.kind)]);
  }
}

// The engine's series (facility, accounting, racks), then each job's own, in the order they
// are written. Each is declared once here: the table does the rest (twin/series.hpp).
// Samples are stamped at the end of their output interval and time_bnds holds [t − interval, t];
// cell_methods (from the accumulation) says how a sample summarises that interval. Units are
// udunits2 strings (tests/python/test_cf_output.py checks each): money has no udunits unit, so
// cost is "s-1" and price "MW-1 h-1" with currency = "USD".
void Engine::State::declare_series() {
  SeriesTable& t = series;
  EngineSeries& id = ids;
  // The facility (with several sites: the campus total, then each site under /sites/NAME), and
  // with a battery the grid draw it leaves and the battery's own series.
  declare_facility_series("facility/", total(), true);
  id.it_power = total().ids.it_power;
  if (sites.size() == 1) {
    if (sites[0].storage) declare_storage_series("facility/", "storage/", sites[0]);
  } else {
    for (Facility& fa : sites) declare_facility_series("sites/" + fa.spec->name + "/", fa, false);
    if (campus_total.grid_swing) declare_storage_series("facility/", "", campus_total);
    for (Facility& fa : sites)
      if (fa.storage)
        declare_storage_series("sites/" + fa.spec->name + "/", "storage/" + fa.spec->name + "/",
                               fa);
  }
  for (int c = 0; c < kCategoryCount; ++c) {
    id.cat_time[c] = t.add(
        series_def("accelerator_time/" + std::string(kCategoryNames[c]), "s",
                   "accelerator-seconds in the interval: " + std::string(kCategoryLongNames[c]),
                   Accumulate::sum));
    id.cat_energy[c] = t.add(series_def(
        "accelerator_energy/" + std::string(kCategoryNames[c]), "J",
        "energy in the interval: " + std::string(kCategoryLongNames[c]), Accumulate::sum));
  }
  for (auto& job : control.jobs) job.work->declare_series(t);
  if (queue) queue->declare_series(t);
  auto r = [&](const char* name, const char* units, const char* long_name, Accumulate a,
               double reset = 0.0) {
    SeriesDef d = series_def(std::string("racks/") + name, units, long_name, a, Reduce::per_rack);
    d.type = io::StoreType::f32;
    d.reset = reset;
    return t.add(std::move(d));
  };
  id.rack_power = r("power_w", "W", "rack IT power, interval mean", Accumulate::tick_mean);
  id.rack_inlet =
      r("inlet_temperature_c", "degC", "rack inlet (air or coolant) temperature, interval mean",
        Accumulate::tick_mean);
  id.rack_max_junction =
      r("max_junction_temperature_c", "degC", "hottest accelerator junction in the interval",
        Accumulate::maximum, -kInf);
  id.rack_throttled =
      r("throttled_fraction", "1", "share of accelerator-ticks clock-throttled in the interval",
        Accumulate::tick_mean);
}

// A facility's series under `group` ("facility/", or "sites/NAME/" with several sites): IT,
// cooling, facility power, PUE, weather, water, caps, carbon, cost, price and energies.
void Engine::State::declare_facility_series(const std::string& group, Facility& fa,
                                            bool campus_total_series) {
  SeriesTable& t = series;
  EngineSeries& id = fa.ids;
  const bool several = campus_total_series && sites.size() > 1;
  auto f = [&](const char* name, const char* units, const char* long_name, Accumulate a,
               Reduce r = Reduce::replicated) {
    return t.add(series_def(group + name, units, long_name, a, r));
  };
  SeriesDef it = series_def(group + "power_it_w", "W",
                            "IT power (accelerators and node overhead), interval mean",
                            Accumulate::time_mean, Reduce::sum);
  it.fixed_scale = kWattScale;
  id.it_power = t.add(std::move(it));
  id.cooling_power =
      f("power_cooling_w", "W", "cooling plant power (chillers, fans, pumps), interval mean",
        Accumulate::time_mean);
  SeriesDef loss = series_def(group + "power_distribution_loss_w", "W",
                              "power distribution losses, interval mean", Accumulate::derived);
  const SeriesTable::Id it_id = id.it_power, cool_id = id.cooling_power;
  const SeriesTable::Id* fac_id = &id.facility_power;
  loss.derive = [it_id, cool_id, fac_id](const SeriesTable& s) {
    return (s.accumulated(*fac_id) - s.accumulated(it_id) - s.accumulated(cool_id)) /
           s.interval_s();
  };
  t.add(std::move(loss));
  id.facility_power = f("power_facility_w", "W",
                        "facility power drawn from the grid, interval mean", Accumulate::time_mean);
  id.pue = f("pue", "1", "power usage effectiveness over the interval", Accumulate::ratio);
  SeriesDef dry = series_def(group + "outdoor_temperature_c", "degC",
                             several ? "outdoor dry-bulb temperature, interval mean of the sites' "
                                       "weighted by their IT power"
                                     : "outdoor dry-bulb temperature, interval mean",
                             Accumulate::time_mean);
  dry.standard_name = "air_temperature";
  id.outdoor = t.add(std::move(dry));
  SeriesDef wet = series_def(group + "outdoor_wet_bulb_c", "degC",
                             several ? "outdoor wet-bulb temperature, interval mean of the sites' "
                                       "weighted by their IT power"
                                     : "outdoor wet-bulb temperature, interval mean",
                             Accumulate::time_mean);
  wet.standard_name = "wet_bulb_temperature";
  id.wet_bulb = t.add(std::move(wet));
  SeriesDef supply =
      series_def(group + "supply_temperature_c", "degC",
                 several ? "cooling supply temperature (air or facility water), the sites' "
                           "weighted by their IT power"
                         : "cooling supply temperature (air or facility water)",
                 Accumulate::last);
  if (several)
    supply.sample = [this] {
      double weighted = 0.0, it_w = 0.0;
      for (const Facility& s : sites) weighted += s.supply_c * s.it_w, it_w += s.it_w;
      return it_w > 0 ? weighted / it_w : sites[0].supply_c;
    };
  else
    supply.sample = [f = &fa] { return f->supply_c; };
  t.add(std::move(supply));
  id.water = f("water_l_per_s", "L s-1",
               "make-up water of evaporative heat rejection, interval mean", Accumulate::time_mean);
  id.facility_max = f("power_facility_max_w", "W", "highest tick facility power in the interval",
                      Accumulate::maximum);
  SeriesDef cap = series_def(group + "power_cap_w", "W",
                             "lowest facility power cap in force in the interval (NaN: none)",
                             Accumulate::minimum);
  cap.reset = kInf;
  cap.empty_nan = true;
  id.cap_min = t.add(std::move(cap));
  SeriesDef acc_cap =
      series_def(group + "accelerator_power_cap_w", "W",
                 "lowest per-accelerator power cap in the interval", Accumulate::minimum);
  acc_cap.reset = kInf;
  id.acc_cap_min = t.add(std::move(acc_cap));
  SeriesDef carbon = series_def(group + "carbon_g_per_s", "g s-1",
                                "CO2 emission rate of the facility's grid power, interval mean",
                                Accumulate::time_mean);
  // A provider file's accounting basis: direct and life-cycle figures are not comparable.
  const io::SignalSpec& signal = fa.spec ? fa.spec->grid.carbon : sc.grid.carbon;
  if (!several && signal.source == io::SignalSpec::Source::electricitymaps_csv)
    carbon.text_attributes = {
        {"basis", signal.basis == power::CarbonAccounting::direct ? "direct" : "lifecycle"}};
  id.carbon = t.add(std::move(carbon));
  SeriesDef cost = series_def(group + "cost_usd_per_s", "s-1",
                              "electricity cost rate in US dollars per second, interval mean",
                              Accumulate::time_mean);
  cost.text_attributes = {{"currency", "USD"}};
  id.cost = t.add(std::move(cost));
  SeriesDef price = series_def(group + "price_usd_per_mwh", "MW-1 h-1",
                               "electricity price in US dollars per MWh", Accumulate::ratio);
  price.cell_methods = "time: mean (comment: weighted by facility energy)";
  price.text_attributes = {{"currency", "USD"}};
  id.price = t.add(std::move(price));
  SeriesDef eit = series_def(group + "energy_it_j", "J", "IT energy since the start (cumulative)",
                             Accumulate::last);
  if (campus_total_series)
    eit.sample = [this] { return acct.energy_it_j; };
  else
    eit.sample = [f = &fa] { return f->energy_it_j; };
  t.add(std::move(eit));
  SeriesDef efac = series_def(group + "energy_facility_j", "J",
                              "facility energy since the start (cumulative)", Accumulate::last);
  if (campus_total_series)
    efac.sample = [this] { return acct.energy_facility_j; };
  else
    efac.sample = [f = &fa] { return f->energy_facility_j; };
  t.add(std::move(efac));
}

// With `storage:` (docs/sites.md): the grid draw the battery leaves, under /facility, and the
// battery's own series under /storage. Without storage none of these exist (grid = facility).
void Engine::State::declare_storage_series(const std::string& grid_group,
                                           const std::string& storage_group, Facility& fa) {
  SeriesTable& t = series;
  EngineSeries& id = fa.ids;
  auto add = [&](std::string path, const char* units, const char* long_name, Accumulate a,
                 double reset = 0.0) {
    SeriesDef d = series_def(std::move(path), units, long_name, a);
    d.reset = reset;
    return t.add(std::move(d));
  };
  auto last = [&](std::string path, const char* units, const char* long_name,
                  std::function<double()> sample) {
    SeriesDef d = series_def(std::move(path), units, long_name, Accumulate::last);
    d.sample = std::move(sample);
    t.add(std::move(d));
  };
  id.grid_power = add(grid_group + "power_grid_w", "W",
                      "grid draw after storage (facility draw + charge - discharge), interval mean",
                      Accumulate::time_mean);
  id.grid_max = add(grid_group + "power_grid_max_w", "W", "highest tick grid draw in the interval",
                    Accumulate::maximum, -kInf);
  id.grid_min = add(grid_group + "power_grid_min_w", "W", "lowest tick grid draw in the interval",
                    Accumulate::minimum, kInf);
  id.grid_ramp_max = add(grid_group + "grid_ramp_max_w_per_s", "W s-1",
                         "largest tick-to-tick grid ramp in the interval", Accumulate::maximum);
  if (fa.storage) {
    last(grid_group + "energy_grid_j", "J", "grid energy since the start (cumulative)",
         [st = &*fa.storage] { return st->grid_energy_j(); });
  } else {  // the campus total of sites some of which have a battery
    last(grid_group + "energy_grid_j", "J", "grid energy since the start (cumulative)", [this] {
      double j = 0.0;
      for (const Facility& s : sites)
        j += s.storage ? s.storage->grid_energy_j() : s.energy_facility_j;
      return j;
    });
    return;
  }
  const power::SiteStorage* st = &*fa.storage;
  last(storage_group + "soc", "1", "battery state of charge at the end of the interval",
       [st] { return st->soc(); });
  last(storage_group + "energy_j", "J", "energy stored at the end of the interval",
       [st] { return st->energy_j(); });
  id.charge = add(storage_group + "charge_w", "W",
                  "battery charge power on the site bus, interval mean", Accumulate::time_mean);
  id.discharge =
      add(storage_group + "discharge_w", "W",
          "battery discharge power on the site bus, interval mean", Accumulate::time_mean);
  id.loss = add(storage_group + "loss_w", "W", "battery conversion losses, interval mean",
                Accumulate::time_mean);
  id.limited = add(storage_group + "limited_fraction", "1",
                   "share of the interval's ticks whose charge or discharge request was cut "
                   "(power rating, state of charge, no export)",
                   Accumulate::ratio);
  last(storage_group + "energy_charged_j", "J",
       "bus-side energy charged since the start (cumulative)",
       [st] { return st->charged_energy_j(); });
  last(storage_group + "energy_discharged_j", "J",
       "bus-side energy discharged since the start (cumulative)",
       [st] { return st->discharged_energy_j(); });
  last(storage_group + "energy_loss_j", "J", "conversion losses since the start (cumulative)",
       [st] { return st->loss_energy_j(); });
}

}  // namespace ct::twin
