#include "twin/info.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "power/cap_controller.hpp"
#include "power/grid_signal.hpp"
#include "thermal/accelerator_power.hpp"
#include "thermal/cooling_plant.hpp"
#include "thermal/weather.hpp"
#include "topology/fabric.hpp"
#include "twin/memory_estimate.hpp"
#include "twin/site_signals.hpp"
#include "twin/workload.hpp"

namespace ct::twin {

namespace {

std::string si(double v, const char* unit) {
  const char* prefixes[] = {"", "k", "M", "G", "T", "P", "E"};
  int p = 0;
  while (std::fabs(v) >= 1000.0 && p < 6) v /= 1000.0, ++p;
  return fmt::format("{:.3g} {}{}", v, prefixes[p], unit);
}

std::string duration(double s) {
  if (s < 120) return fmt::format("{:.1f} s", s);
  if (s < 7200) return fmt::format("{:.1f} min", s / 60);
  if (s < 172800) return fmt::format("{:.2f} h", s / 3600);
  return fmt::format("{:.2f} d", s / 86400);
}

std::string mw(double w) { return fmt::format("{:.2f} MW", w / 1e6); }

std::string clock_text(double s_of_day) {
  const int m = static_cast<int>(std::lround(s_of_day / 60.0)) % 1440;
  return fmt::format("{:02d}:{:02d} UTC", m / 60, m % 60);
}

// Facility power of the whole campus with every accelerator at `accelerator_cap_w` (the cap
// controller's worst case, power/cap_controller.hpp), in hourly weather over the run: min, max.
struct FacilityRange {
  double full_min_w = 0.0, full_max_w = 0.0;  // at accelerator.power_cap_w
  double floor_max_w = 0.0;                   // at the lowest clock: no cap below this holds
};

FacilityRange facility_range(const io::Scenario& sc) {
  const topology::Campus campus(sc.campus);
  power::CapInputs in;
  power::set_accelerator(in, sc.accelerator);
  in.nodes = campus.nodes();
  in.accelerators = campus.accelerators();
  in.accelerator_tdp_w = sc.power_cap_w;
  const SiteWeather weather(sc.weather, sc.time.start_unix_s);
  FacilityRange r{INFINITY, -INFINITY, -INFINITY};
  const double step_s = std::min(3600.0, sc.time.duration_s);
  for (double t = 0.0; t <= sc.time.duration_s; t += step_s) {
    const double unix_s = sc.time.start_unix_s + t;
    const thermal::WeatherSample w = weather.at_unix_s(unix_s);
    in.facility_w_of_it = [&](double it_w) {
      return thermal::plant_output(sc.plant, it_w, w.dry_bulb_c, w.wet_bulb_c).facility_power_w;
    };
    const double full = power::worst_case_facility_w(in, sc.power_cap_w);
    r.full_min_w = std::min(r.full_min_w, full);
    r.full_max_w = std::max(r.full_max_w, full);
    r.floor_max_w = std::max(r.floor_max_w, power::worst_case_facility_w(in, 0.0));
  }
  return r;
}

void cap_warnings(const io::Scenario& sc, std::vector<std::string>& out) {
  const auto& p = sc.grid.policy;
  const bool site = std::isfinite(p.site_capacity_w);
  if (!site && p.windows.empty()) return;
  const FacilityRange f = facility_range(sc);
  const std::string full =
      fmt::format("{} with every accelerator at its {:.0f} W power cap in the run's weather",
                  f.full_max_w - f.full_min_w < 0.005 * f.full_max_w
                      ? mw(f.full_max_w)
                      : mw(f.full_min_w) + " to " + mw(f.full_max_w),
                  sc.power_cap_w);
  if (site) {
    const double c = p.site_capacity_w;
    if (c >= f.full_max_w)
      out.push_back(
          fmt::format("grid.site_capacity_w = {} can never bind: the campus draws at most {} ({})",
                      mw(c), mw(f.full_max_w), full));
    else if (c < f.full_min_w)
      out.push_back(fmt::format(
          "grid.site_capacity_w = {} always binds: the facility draws {}, so the accelerators "
          "run below accelerator.power_cap_w for the whole run",
          mw(c), full));
    if (c < f.floor_max_w)
      out.push_back(fmt::format(
          "grid.site_capacity_w = {} cannot be met at times: even at the lowest clock the "
          "campus draws up to {} (see cap_exceedance_w in /summary)",
          mw(c), mw(f.floor_max_w)));
    if (p.kind == power::PolicyKind::carbon_aware && p.carbon_cap_fraction * c >= f.full_max_w)
      out.push_back(fmt::format(
          "grid.carbon_cap_fraction × site_capacity_w = {} can never bind: the campus draws "
          "at most {}",
          mw(p.carbon_cap_fraction * c), mw(f.full_max_w)));
  }
  for (std::size_t i = 0; i < p.windows.size(); ++i) {
    const auto& w = p.windows[i];
    const std::string which = w.recurrence == power::DemandResponseWindow::Recurrence::daily
                                  ? fmt::format("grid.demand_response.{} ({}–{})", i,
                                                clock_text(w.start_s), clock_text(w.end_s))
                                  : fmt::format("grid.demand_response.{}", i);
    if (site && w.cap_w >= p.site_capacity_w)
      out.push_back(
          fmt::format("{}: cap {} can never bind: it is not below grid.site_capacity_w = {}", which,
                      mw(w.cap_w), mw(p.site_capacity_w)));
    else if (w.cap_w >= f.full_max_w)
      out.push_back(fmt::format("{}: cap {} can never bind: the campus draws at most {} ({})",
                                which, mw(w.cap_w), mw(f.full_max_w), full));
    if (w.cap_w < f.floor_max_w)
      out.push_back(fmt::format(
          "{}: cap {} cannot be met at times: even at the lowest clock the campus draws up to {}",
          which, mw(w.cap_w), mw(f.floor_max_w)));
  }
}

}  // namespace

// The scenario seen from one site: its buildings, plant, weather, grid and battery.
io::Scenario site_view(const io::Scenario& sc, const io::SiteSpec& site) {
  io::Scenario one;
  one.time = sc.time;
  one.accelerator = sc.accelerator;
  one.power_cap_w = sc.power_cap_w;
  one.campus = sc.campus;
  one.campus.buildings.assign(sc.campus.buildings.begin() + site.first_building,
                              sc.campus.buildings.begin() + site.first_building + site.buildings);
  one.plant = site.plant;
  one.weather = site.weather;
  one.grid = site.grid;
  one.storage = site.storage;
  return one;
}

std::vector<std::string> scenario_warnings(const io::Scenario& sc) {
  std::vector<std::string> out;
  if (sc.sites.empty()) {
    cap_warnings(sc, out);
  } else {  // each site's caps against its own campus and weather, named by its keys
    for (std::size_t i = 0; i < sc.sites.size(); ++i) {
      std::vector<std::string> site;
      cap_warnings(site_view(sc, sc.sites[i]), site);
      for (std::string& w : site) {
        for (std::size_t at = w.find("grid."); at != std::string::npos;
             at = w.find("grid.", at + 20))
          w.replace(at, 5, "sites[" + std::to_string(i) + "].grid.");
        out.push_back(std::move(w));
      }
    }
  }
  // Each job's own warnings, from its workload kind (the same figures `run` plays).
  const topology::Campus campus(sc.campus);
  std::vector<std::int8_t> taken(campus.nodes(), 0);
  const WorkloadEnv env{sc, campus, sc.seed, sc.time.tick_s, [](double, EventKind, int) {}};
  for (std::size_t j = 0; j < sc.jobs.size(); ++j) {
    const auto work = make_workload(*sc.jobs[j], env, static_cast<int>(j));
    work->start(place_on_sites(*work, sc, *sc.jobs[j], taken));
    work->warnings(out);
  }
  return out;
}

namespace {

// A battery (power/battery.hpp): ratings, round trip, usable energy, the policy.
void print_storage(const io::StorageSpec& st, std::ostream& os) {
  const power::BatterySpec& b = st.battery;
  const power::StoragePolicy& p = st.policy;
  static constexpr const char* kPolicies[] = {"none", "peak_shaving", "ramp_limiting", "arbitrage"};
  const double usable_j = b.max_energy_j() - b.min_energy_j();
  os << fmt::format(
      "storage        {} ({}), {}, round trip {:.3f}; usable {} (soc {:g}–{:g}), {} at "
      "full power\n",
      si(b.energy_capacity_j / 3600.0, "Wh"), si(b.energy_capacity_j, "J"),
      si(b.power_rating_w, "W"), b.round_trip_efficiency(), si(usable_j / 3600.0, "Wh"), b.soc_min,
      b.soc_max, duration(usable_j / b.power_rating_w));
  os << fmt::format("               policy {}", kPolicies[static_cast<int>(p.kind)]);
  if (std::isfinite(p.grid_cap_w)) os << fmt::format(", grid cap {}", si(p.grid_cap_w, "W"));
  if (p.kind == power::StoragePolicy::Kind::ramp_limiting)
    os << fmt::format(", allowed ramp r = {} (swing over {} s at most r·W = {})",
                      si(p.allowed_ramp_w_per_s(), "W/s"), p.swing_window_s,
                      si(p.allowed_ramp_w_per_s() * p.swing_window_s, "W"));
  os << "\n";
}

}  // namespace

void print_info(const io::Scenario& sc, std::ostream& os) {
  const topology::Campus campus(sc.campus);
  const auto& acc = sc.accelerator;
  os << fmt::format("scenario       {}\n", sc.name);
  os << fmt::format(
      "campus         {} buildings, {} halls, {} racks, {} nodes, {} accelerators ({})\n",
      campus.buildings(), campus.halls(), campus.racks(), campus.nodes(), campus.accelerators(),
      acc.name);
  const double node_max_w = thermal::node_power_w(acc, acc.tdp_w * campus.accelerators_per_node());
  os << fmt::format("peak IT power  {} ({} per node, {} per rack)\n",
                    si(node_max_w * static_cast<double>(campus.nodes()), "W"), si(node_max_w, "W"),
                    si(node_max_w * campus.nodes_per_rack(), "W"));
  os << fmt::format("time           {} from {}, tick {} s, output every {} s ({} ticks)\n",
                    duration(sc.time.duration_s), sc.time.start_iso, sc.time.tick_s,
                    sc.time.output_interval_s, sc.ticks());
  {
    // What `run` checks before allocating (twin/memory_estimate.hpp), on one rank.
    const double samples =
        std::clamp(std::floor(sc.output.flush_interval_s / sc.time.output_interval_s), 1.0,
                   std::max(1.0, static_cast<double>(sc.ticks() / sc.ticks_per_output())));
    const auto m = estimate_memory(sc, 1, 0, static_cast<std::int64_t>(samples), false);
    const auto r = estimate_memory(sc, 1, 0, static_cast<std::int64_t>(samples), true);
    os << fmt::format(
        "memory         about {} on one rank ({} per accelerator); rank 0 needs {} more to "
        "write a restart file\n",
        si(m.total(), "B"),
        si(m.distributed_bytes / static_cast<double>(campus.accelerators()), "B"),
        si(r.restart_bytes, "B"));
  }
  os << "fabric         tier      hops  latency (one way)  bandwidth/acc\n";
  for (auto tier : {topology::Tier::leaf, topology::Tier::spine, topology::Tier::core,
                    topology::Tier::campus}) {
    const auto& t = topology::tier_spec(sc.fabric, tier);
    double fibre_m = t.cable_length_m;
    if (tier == topology::Tier::campus && campus.buildings() > 1)
      fibre_m += campus.building_distance_m(0, 1) * sc.fabric.campus_route_factor;
    const double latency = t.hops * t.hop_latency_s +
                           fibre_m * topology::FabricSpec::fibre_delay_s_per_m +
                           sc.fabric.nic_latency_s;
    os << fmt::format("               {:<8}  {:>4}  {:>10.3f} us      {}\n",
                      topology::tier_name(tier), t.hops, latency * 1e6,
                      si(t.bandwidth_bytes_per_s / t.oversubscription, "B/s"));
  }
  // Several sites: each site, and the long-haul links between them.
  for (const io::SiteSpec& st : sc.sites) {
    std::int64_t accelerators = st.racks * campus.accelerators_per_rack();
    os << fmt::format(
        "site {:<9} {:.2f}° {:.2f}°, {} racks, {} accelerators; plant {}, weather {}, grid "
        "UTC{:+g}{}\n",
        st.name, st.latitude_deg, st.longitude_deg, st.racks, accelerators, st.plant.name,
        st.weather.source == io::WeatherSpec::Source::synthetic ? st.weather.climate.name
                                                                : std::string("from a file"),
        st.grid.policy.utc_offset_h,
        st.grid.policy.daylight_saving == power::DaylightSaving::none ? ""
        : st.grid.policy.daylight_saving == power::DaylightSaving::us ? " (US daylight saving)"
                                                                      : " (EU daylight saving)");
    if (st.storage) print_storage(*st.storage, os);
  }
  for (const io::LinkSpec& l : sc.links)
    os << fmt::format(
        "link {}–{}  {:.0f} km, fibre {:.0f} km, one way {:.3f} ms, {}\n",
        sc.sites[static_cast<std::size_t>(l.a)].name, sc.sites[static_cast<std::size_t>(l.b)].name,
        l.link.distance_m / 1e3, topology::fibre_length_m(l.link) / 1e3,
        topology::one_way_latency_s(l.link) * 1e3, si(l.link.bandwidth_bytes_per_s, "B/s"));
  if (sc.storage) print_storage(*sc.storage, os);
  if (std::isfinite(sc.grid.ramp_limit_w_per_s))
    os << fmt::format("grid ramp      share of time over {} reported\n",
                      si(sc.grid.ramp_limit_w_per_s, "W/s"));
  // Each job through its workload kind: the same placement and timings `run` uses.
  std::vector<std::int8_t> taken(campus.nodes(), 0);
  const WorkloadEnv env{sc, campus, sc.seed, sc.time.tick_s, [](double, EventKind, int) {}};
  for (std::size_t j = 0; j < sc.jobs.size(); ++j) {
    const auto work = make_workload(*sc.jobs[j], env, static_cast<int>(j));
    work->start(place_on_sites(*work, sc, *sc.jobs[j], taken));
    work->describe(os);
  }
}

}  // namespace ct::twin

namespace ct::twin {

void print_presets(std::ostream& os) {
  os << "accelerators (accelerator.preset)\n";
  os << fmt::format("  {:<10} {:>7} {:>7} {:>12} {:>7} {:>10} {:>9} {:>8} {:>14}\n", "name",
                    "TDP W", "idle W", "BF16 PFLOP/s", "HBM GB", "NVLink TB/s", "NIC Gb/s", "R K/W",
                    "node extra kW");
  for (const auto& [name, what, a] : thermal::accelerator_catalogue().entries())
    os << fmt::format(
        "  {:<10} {:>7.0f} {:>7.0f} {:>12.3g} {:>7.0f} {:>10.2g} {:>9.0f} {:>8.3g} "
        "{:>8.2g}–{:.2g}\n",
        a.name, a.tdp_w, a.idle_w, a.peak_dense_bf16_flops / 1e15, a.hbm_bytes / 1e9,
        a.scaleup_bandwidth_bytes_per_s / 1e12, a.nic_bandwidth_bytes_per_s * 8 / 1e9,
        a.thermal_resistance_k_per_w, a.node_overhead_idle_w / 1e3, a.node_overhead_max_w / 1e3);
  os << "  (BF16 dense at full clock; NVLink both directions; node extra: CPUs, NICs, fans, "
        "idle–max)\n\n";

  os << "fabrics (fabric.preset)\n";
  os << fmt::format("  {:<12} {:<8} {:>16} {:>13} {:>10}  {}\n", "name", "scale-up",
                    "NVLink GB/s/dir", "NIC Gb/s/acc", "hop ns", "");
  for (const auto& [name, description, f] : topology::fabric_catalogue().entries()) {
    os << fmt::format("  {:<12} {:<8} {:>16.0f} {:>13.0f} {:>10.0f}  {}\n", name,
                      f.scaleup == topology::ScaleupDomain::node ? "node" : "rack",
                      f.scaleup_bandwidth_bytes_per_s / 1e9, f.leaf.bandwidth_bytes_per_s * 8 / 1e9,
                      f.leaf.hop_latency_s * 1e9, description);
  }
  os << "\n";

  os << "cooling plants (cooling.plant)\n";
  os << fmt::format("  {:<20} {:<7} {:<14} {:>12} {:>10} {:>8} {:>14} {:>14}\n", "name", "racks",
                    "rejection", "supply degC", "approach K", "COP ref", "PUE 10/30 degC",
                    "WUE L/kWh 30C");
  for (const auto& [name, what, c] : thermal::cooling_plant_catalogue().entries()) {
    // Key figures at 1 MW IT: a cool day (10 °C dry bulb, 7 °C wet bulb) and a hot one (30/22).
    const auto cool = thermal::plant_output(c, 1e6, 10.0, 7.0);
    const auto hot = thermal::plant_output(c, 1e6, 30.0, 22.0);
    os << fmt::format(
        "  {:<20} {:<7} {:<14} {:>5.0f}–{:<6.0f} {:>10.1f} {:>8.1f} {:>8.3f}/{:<5.3f} "
        "{:>14.2f}\n",
        c.name, c.cooling == thermal::PlantCooling::air ? "air" : "liquid", c.rejection->name,
        c.supply_min_c, c.supply_max_c, c.economizer_approach_k, c.chiller_cop_reference, cool.pue,
        hot.pue, hot.wue_l_per_kwh);
  }
  os << "  (PUE and WUE of the plant model at 1 MW IT, 10 degC/7 degC and 30 degC/22 degC "
        "dry/wet bulb)\n\n";

  os << "climates (weather.climate)\n";
  os << fmt::format("  {:<12} {:>14} {:>13} {:>13} {:>16} {:>10}\n", "name", "annual mean degC",
                    "annual amp K", "daily amp K", "wet-bulb dep. K", "UTC offset");
  for (const auto& [name, like, c] : thermal::climate_catalogue().entries()) {
    os << fmt::format("  {:<12} {:>14.1f} {:>13.1f} {:>13.1f} {:>16.1f} {:>+10.0f}\n", c.name,
                      c.annual_mean_dry_bulb_c, c.annual_amplitude_k, c.diurnal_amplitude_k,
                      c.wet_bulb_depression_mean_k, c.utc_offset_h);
  }
  os << "\n";

  os << "carbon regions (grid.carbon.preset, with source: preset)\n";
  os << fmt::format("  {:<12} {:<38} {:>14} {:>10} {:>14}\n", "name", "region", "mean gCO2/kWh",
                    "daily amp", "peak hour UTC");
  for (const auto& [name, region, shape] : power::carbon_catalogue().entries())
    os << fmt::format("  {:<12} {:<38} {:>14.0f} {:>10.0f} {:>14.0f}\n", name, region, shape.mean,
                      shape.amplitude, shape.peak_hour_utc);
}

}  // namespace ct::twin
