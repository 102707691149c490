// The scenario format: every key, its type, allowed range and default is declared here, once.
#include "io/scenario.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <span>
#include <sstream>

#include "faults/fail_slow.hpp"
#include "faults/failure_classes.hpp"
#include "io/config_tree.hpp"
#include "io/input_file.hpp"
#include "io/scenario_sections.hpp"
#include "io/schema_binder.hpp"
#include "io/sweep.hpp"
#include "thermal/epw.hpp"
#include "thermal/heat_rejection.hpp"
#include "thermal/weather.hpp"
#include "workload/placement.hpp"
#include "workload/step_time.hpp"

namespace ct::io {

std::int64_t Scenario::ticks() const {
  return static_cast<std::int64_t>(std::llround(time.duration_s / time.tick_s));
}

std::int64_t Scenario::ticks_per_output() const {
  return static_cast<std::int64_t>(std::llround(time.output_interval_s / time.tick_s));
}

namespace sections {

constexpr double kMaxTicks = 9007199254740992.0;   // 2^53
constexpr double kMaxAccelerators = 2147483648.0;  // 2^31

void bind_time(Binder& b, TimeSpec& t) {
  b.text("start", t.start_iso, std::string("2026-07-01T00:00:00Z"),
         "simulated start instant. It drives the weather, the daily grid signals and the "
         "demand-response windows");
  try {
    t.start_unix_s = thermal::parse_iso8601_utc(t.start_iso);
  } catch (const std::exception& e) {
    b.fail("start",
           std::string("not an ISO 8601 UTC time such as 2026-07-01T00:00:00Z (") + e.what() + ")");
  }
  b.real("duration_s", t.duration_s, Range{0.0, 3.2e8, true, false}, std::nullopt,
         "simulated time. Must be a whole number of ticks");
  b.real("tick_s", t.tick_s, Range{0.0, 3600.0, true, false}, 1.0,
         "time step of the engine; every state is integrated exactly over it");
  b.real("output_interval_s", t.output_interval_s, positive(), 60.0,
         "one output sample per interval. Must be a whole number of ticks and no longer than "
         "`duration_s`");
  std::string stepping;
  t.multi_rate =
      b.choice("stepping", stepping, {"multi_rate", "per_tick"}, std::string("multi_rate"),
               "multi_rate: racks whose inputs do not change are not stepped every "
               "tick but brought to the present when something changes (the output "
               "is bit-identical to per_tick, faster); per_tick: every unit every "
               "tick") == 0;
  const double ticks_per_output = t.output_interval_s / t.tick_s;
  if (std::fabs(ticks_per_output - std::round(ticks_per_output)) > 1e-9 * ticks_per_output)
    b.fail("output_interval_s",
           "must be a whole number of ticks (tick_s = " + format_real(t.tick_s) + ")");
  const double ticks = t.duration_s / t.tick_s;
  if (std::fabs(ticks - std::round(ticks)) > 1e-9 * ticks)
    b.fail("duration_s",
           "must be a whole number of ticks (tick_s = " + format_real(t.tick_s) + ")");
  if (t.output_interval_s > t.duration_s)
    b.fail("output_interval_s",
           "is longer than the run (duration_s = " + format_real(t.duration_s) + ")");
  // Derived: the tick count k must be >= 1 and small enough that k and k·tick_s are exact in
  // double precision (the engine's clock); 1e-300 s ticks would overflow it.
  if (!(ticks >= 1.0) || ticks > kMaxTicks)
    b.fail("tick_s", "gives " + format_real(ticks) + " ticks over duration_s = " +
                         format_real(t.duration_s) + " (allowed: 1 to 2^53 ticks, i.e. tick_s >= " +
                         format_real(t.duration_s / kMaxTicks) + ")");
}

void bind_buildings(Binder& b, topology::CampusSpec& c) {
  b.list(
      "buildings", 1,
      [&](Binder& item, std::size_t i) {
        topology::BuildingSpec bs;
        item.text("name", bs.name, std::string("B").append(std::to_string(i + 1)),
                  "building name (report labels)");
        std::vector<double> pos;
        item.reals("position_m", pos, 2, closed(-1e6, 1e6), std::vector<double>{0.0, 0.0},
                   "x, y position in metres. The fibre between two buildings is the distance × "
                   "`fabric.campus_route_factor`, on top of the campus tier's in-building "
                   "`cable_length_m`");
        bs.x_m = pos[0];
        bs.y_m = pos[1];
        item.integer("halls", bs.halls, closed(1, 1000), 1,
                     "halls in the building (one spine tier each)");
        item.integer("racks_per_hall", bs.racks_per_hall, closed(1, 100000), std::nullopt,
                     "racks in each hall, in one row. The racks at both ends of the row "
                     "recirculate more air");
        c.buildings.push_back(bs);
      },
      "the campus buildings, each with its halls of racks");
}

void bind_campus(Binder& b, topology::CampusSpec& c, bool with_sites) {
  b.integer("nodes_per_rack", c.nodes_per_rack, closed(1, 1024), 4, "nodes in each rack");
  b.integer("accelerators_per_node", c.accelerators_per_node, closed(1, 64), 8,
            "accelerators in each node. This value wins over the accelerator preset's node size");
  std::string cooling;
  c.cooling =
      b.choice("cooling", cooling, {"air", "liquid"}, std::string("air"),
               "how racks are cooled. It selects the inlet model and must match `cooling.plant`") ==
              0
          ? topology::Cooling::air
          : topology::Cooling::liquid;
  // With `sites:` the buildings are listed per site (sites[i].campus.buildings).
  if (!with_sites) {
    bind_buildings(b, c);
  } else if (b.has("buildings")) {
    b.fail("buildings", "with `sites:`, buildings go under sites[i].campus.buildings");
  }
}

void bind_tier(Binder& b, topology::TierSpec& t) {
  keep(b, "hop_latency_s", t.hop_latency_s, closed(0.0, 1e-3),
       "latency of one switch hop of this tier");
  keep(b, "bandwidth_bytes_per_s", t.bandwidth_bytes_per_s, positive(),
       "per-accelerator bandwidth through the tier");
  keep(b, "oversubscription", t.oversubscription, at_least(1.0),
       "oversubscription of this tier (bandwidth divided by it)");
  keep(b, "cable_length_m", t.cable_length_m, closed(0.0, 1e6),
       "fibre length of a path through this tier (campus: added to the building distance × route "
       "factor)");
  keep(b, "hops", t.hops, closed(0, 64), "switch hops on a path that turns at this tier");
}

void bind_fabric(Binder& b, topology::FabricSpec& f) {
  std::string preset;
  const std::vector<std::string> names = topology::fabric_catalogue().names();
  b.choice("preset", preset, names, std::string("h100_ndr"),
           "fabric preset the keys below override");
  f = *topology::fabric_catalogue().find(preset);
  std::string scaleup = f.scaleup == topology::ScaleupDomain::node ? "node" : "rack";
  f.scaleup = b.choice("scaleup", scaleup, {"node", "rack"}, scaleup,
                       "scale-up (NVLink) domain: a node of 8, or a whole rack (NVL72)") == 0
                  ? topology::ScaleupDomain::node
                  : topology::ScaleupDomain::rack;
  keep(b, "scaleup_bandwidth_bytes_per_s", f.scaleup_bandwidth_bytes_per_s, positive(),
       "scale-up (NVLink) bandwidth per accelerator");
  keep(b, "scaleup_latency_s", f.scaleup_latency_s, closed(0.0, 1e-3),
       "latency of one step inside the scale-up domain");
  keep(b, "nic_latency_s", f.nic_latency_s, closed(0.0, 1e-3),
       "NIC latency added to each scale-out step");
  keep(b, "campus_route_factor", f.campus_route_factor, closed(1.0, 10.0),
       "fibre route length ÷ straight-line distance between buildings");
  b.section(
      "leaf", [&](Binder& s) { bind_tier(s, f.leaf); }, false,
      "leaf (rail) tier: within a rack row");
  b.section(
      "spine", [&](Binder& s) { bind_tier(s, f.spine); }, false, "spine tier: within a hall");
  b.section(
      "core", [&](Binder& s) { bind_tier(s, f.core); }, false, "core tier: within a building");
  b.section(
      "campus", [&](Binder& s) { bind_tier(s, f.campus); }, false,
      "campus tier: between buildings");
}

void bind_accelerator(Binder& b, thermal::AcceleratorSpec& a, double& power_cap_w) {
  std::string preset;
  const auto names = thermal::accelerator_catalogue().names();
  b.choice("preset", preset, names, std::string("h100_sxm"),
           "accelerator preset the keys below override");
  a = *thermal::accelerator_catalogue().find(preset);
  keep(b, "peak_dense_bf16_flops", a.peak_dense_bf16_flops, positive(),
       "peak dense BF16 FLOP/s of one accelerator at full clock");
  keep(b, "hbm_bytes", a.hbm_bytes, positive(), "HBM capacity of one accelerator");
  keep(b, "hbm_bandwidth_bytes_per_s", a.hbm_bandwidth_bytes_per_s, positive(),
       "HBM bandwidth of one accelerator (datasheet peak)");
  keep(b, "tdp_w", a.tdp_w, Range{0.0, 1e5, true, false},
       "power at full activity and clock (P_max)");
  keep(b, "idle_w", a.idle_w, Range{0.0, a.tdp_w, false, true}, "power when idle (P_idle)");
  keep(b, "power_exponent", a.power_exponent, closed(1.0, 4.0),
       "k in P = P_idle + (P_max − P_idle)·a·φ^k");
  keep(b, "slowdown_temperature_c", a.slowdown_temperature_c, closed(20.0, 150.0),
       "the governor keeps the peak junction temperature below this");
  keep(b, "shutdown_temperature_c", a.shutdown_temperature_c,
       Range{a.slowdown_temperature_c, 200.0, true, false},
       "above this the hardware trips the unit, which counts as a `thermal_interface` failure");
  keep(b, "thermal_resistance_k_per_w", a.thermal_resistance_k_per_w, Range{0.0, 10.0, true, false},
       "median junction-to-inlet thermal resistance R");
  keep(b, "resistance_sigma", a.resistance_sigma, closed(0.0, 1.0),
       "σ of ln R across units (lognormal spread)");
  keep(b, "time_constant_s", a.time_constant_s, Range{0.0, 1e5, true, false},
       "junction RC time constant τ");
  keep(b, "min_clock_ratio", a.min_clock_ratio, Range{0.0, 1.0, true, false},
       "lowest clock the governor may choose, φ_min");
  keep(b, "node_overhead_idle_w", a.node_overhead_idle_w, non_negative(),
       "node power besides the accelerators (CPUs, NICs, fans) at idle");
  keep(b, "node_overhead_max_w", a.node_overhead_max_w, at_least(a.node_overhead_idle_w),
       "node power besides accelerators at full load (fans ∝ load³)");
  b.real("power_cap_w", power_cap_w, Range{a.idle_w, a.tdp_w, true, false}, a.tdp_w,
         "per-accelerator power cap. Defaults to `tdp_w`. The grid may lower it further");
}

void bind_cooling(Binder& b, Scenario& sc) {
  std::string preset;
  const auto names = thermal::cooling_plant_catalogue().names();
  const bool liquid = sc.campus.cooling == topology::Cooling::liquid;
  b.choice("plant", preset, names, std::string(liquid ? "liquid_dry_cooler" : "air_chiller_tower"),
           "default `air_chiller_tower` for air campuses, `liquid_dry_cooler` for liquid ones. It "
           "must match `campus.cooling`");
  thermal::CoolingPlantSpec& p = sc.plant;
  p = *thermal::cooling_plant_catalogue().find(preset);
  std::vector<std::string> rejections;
  for (const auto* k : thermal::heat_rejection_kinds()) rejections.emplace_back(k->name);
  std::string rejection;
  b.choice("rejection", rejection, rejections, std::string(p.rejection->name),
           "heat rejection to the outdoors: a registered kind (cooling_tower, dry_cooler)");
  p.rejection = thermal::find_heat_rejection(rejection);
  if ((p.cooling == thermal::PlantCooling::liquid) != liquid)
    b.fail("plant", "plant '" + preset + "' is for " + (liquid ? "air" : "liquid") +
                        " cooling but campus.cooling is " + (liquid ? "liquid" : "air"));
  keep(b, "supply_min_c", p.supply_min_c, closed(0.0, 70.0),
       "lowest supply temperature (air or facility water) the plant delivers");
  keep(b, "supply_max_c", p.supply_max_c, closed(p.supply_min_c, 70.0),
       "highest supply temperature; above it the chiller holds it");
  keep(b, "economizer_approach_k", p.economizer_approach_k, closed(0.0, 30.0),
       "the free-cooling supply is the outdoor temperature (wet bulb for evaporative plants, dry "
       "bulb otherwise) plus this approach");
  keep(b, "chiller_cop_reference", p.chiller_cop_reference, closed(1.0, 20.0),
       "chiller COP at the plant's reference condition");
  keep(b, "chiller_cop_slope_per_k", p.chiller_cop_slope_per_k, closed(0.0, 2.0),
       "COP lost per kelvin of hotter heat rejection");
  keep(b, "air_handler_fan_fraction", p.air_handler_fan_fraction, closed(0.0, 0.5),
       "air handler (CRAH/AHU) fan power as a share of IT power");
  keep(b, "pump_fraction", p.pump_fraction, closed(0.0, 0.5),
       "pump power (incl. CDUs) as a share of IT power");
  keep(b, "distribution_loss_fraction", p.distribution_loss_fraction, closed(0.0, 0.5),
       "UPS and transformer losses as a share of (IT + cooling) power");
  keep(b, "rejection_fan_fraction", p.rejection_fan_fraction, closed(0.0, 0.5),
       "tower / dry-cooler fan power at design airflow, as a share of the heat rejected. The fans "
       "slow down (power ∝ airflow³) when the weather leaves more approach than the design needs");
  keep(b, "rejection_approach_k", p.rejection_approach_k, closed(0.0, 30.0),
       "part of economizer_approach_k across the tower / dry cooler at design airflow (fans "
       "slow down when the supply leaves more)");
  keep(b, "rejection_min_airflow_fraction", p.rejection_min_airflow_fraction, unit_interval(),
       "lowest airflow (fan speed) of a running tower / dry-cooler cell, as a share of design");
  keep(b, "cycles_of_concentration", p.cycles_of_concentration, Range{1.0, 100.0, true, false},
       "cooling-tower cycles of concentration N (blowdown: make-up = evaporation·N/(N−1))");
  b.section(
      "air_rack",
      [&](Binder& r) {
        keep(r, "cooling_capacity_w", sc.air_rack.cooling_capacity_w, positive(),
             "rack heat the air flow removes at the design rise; more heats the inlet");
        keep(r, "recirculation_top_k", sc.air_rack.recirculation_top_k, closed(0.0, 30.0),
             "inlet rise at the top of the rack from hot-air recirculation");
        keep(r, "row_end_k", sc.air_rack.row_end_k, closed(0.0, 30.0),
             "extra inlet rise at both ends of a row at full capacity");
        keep(r, "design_air_rise_k", sc.air_rack.design_air_rise_k, closed(0.0, 60.0),
             "air temperature rise across a rack at its cooling capacity");
      },
      false, "air-cooled racks: recirculation and capacity");
  b.section(
      "liquid_rack",
      [&](Binder& r) {
        keep(r, "coolant_flow_kg_per_s", sc.liquid_rack.coolant_flow_kg_per_s, positive(),
             "coolant mass flow through a rack");
        keep(r, "coolant_heat_capacity_j_per_kg_k", sc.liquid_rack.coolant_heat_capacity_j_per_kg_k,
             positive(), "c_p of the coolant (water; about 3900 for 25% glycol)");
      },
      false, "liquid-cooled rack inlet (used when campus.cooling is liquid)");
}

void check_csv(Binder& b, const std::string& path, const std::string& key) {
  const std::string why = input_file_problem(path, kMaxCsvFileBytes);
  if (why == "not found") b.fail(key, "file not found: " + path);
  if (!why.empty())
    b.fail(key, path + " " + why + " (allowed: a regular " + (key == "epw_file" ? "EPW" : "CSV") +
                    " file of at most " + format_bytes(static_cast<double>(kMaxCsvFileBytes)) +
                    ")");
}

// An input file's path, relative to the file that names it (a base file of `extends`, or the
// scenario; a --set value: the scenario), made absolute and recorded so, so the stored scenario
// loads from anywhere.
void resolve_input_path(Binder& b, const std::string& key, std::string& path,
                        const std::string& scenario_path) {
  if (path.empty()) return;
  std::filesystem::path p(path);
  std::string from = b.origin_file(key);
  if (from.empty()) from = scenario_path;
  if (p.is_relative()) p = std::filesystem::path(from).parent_path() / p;
  path = std::filesystem::absolute(p).lexically_normal().string();
  b.record(key, path, true);
}

void bind_weather(Binder& b, WeatherSpec& w, const std::string& scenario_path,
                  double start_unix_s) {
  std::string source;
  const std::size_t kind =
      b.choice("source", source, {"synthetic", "csv", "epw"}, std::string("synthetic"),
               "weather from a synthetic climate, an hourly CSV file or an EnergyPlus weather "
               "file (EPW, docs/signals.md)");
  w.source = kind == 1   ? WeatherSpec::Source::csv
             : kind == 2 ? WeatherSpec::Source::epw
                         : WeatherSpec::Source::synthetic;
  std::string climate;
  b.choice("climate", climate, thermal::climate_catalogue().names(), std::string("temperate"),
           "synthetic climate preset the keys below override");
  w.climate = *thermal::climate_catalogue().find(climate);
  keep(b, "annual_mean_dry_bulb_c", w.climate.annual_mean_dry_bulb_c, closed(-60.0, 60.0),
       "annual mean dry-bulb temperature");
  keep(b, "annual_amplitude_k", w.climate.annual_amplitude_k, closed(0.0, 40.0),
       "amplitude of the annual dry-bulb cycle");
  keep(b, "diurnal_amplitude_k", w.climate.diurnal_amplitude_k, closed(0.0, 30.0),
       "amplitude of the daily dry-bulb cycle");
  keep(b, "wet_bulb_depression_mean_k", w.climate.wet_bulb_depression_mean_k, closed(0.0, 40.0),
       "mean dry-bulb minus wet-bulb");
  keep(b, "utc_offset_h", w.climate.utc_offset_h, closed(-14.0, 14.0),
       "site time zone (hours from UTC): the daily cycle peaks mid-afternoon local time");
  keep(b, "update_s", w.update_s, Range{0.0, 86400.0, false, false},
       "the weather is held over steps of this length, sampled at each step's middle (weather "
       "stations report every 5 to 60 min); 0: a new value every tick. Multi-rate stepping "
       "coasts only while the plant's supply temperature holds");
  // Resolved against the scenario file's directory before it is recorded, so the stored
  // scenario loads from anywhere.
  b.text("csv_file", w.csv_path, std::string(),
         "hourly weather CSV (source: csv), relative to the file naming it");
  resolve_input_path(b, "csv_file", w.csv_path, scenario_path);
  if (w.source == WeatherSpec::Source::csv) {
    if (w.csv_path.empty()) b.fail("csv_file", "required when source is csv");
    check_csv(b, w.csv_path);
    try {
      (void)thermal::HourlyWeather::load_csv(w.csv_path);
    } catch (const std::exception& e) {
      b.fail("csv_file", std::string("bad weather file: ") + e.what());
    }
  }
  // The EPW keys are recorded only when given or used: other scenarios resolve (and are stored)
  // as before.
  const bool epw = w.source == WeatherSpec::Source::epw;
  const bool epw_file_given = b.has("epw_file"), epw_year_given = b.has("epw_year");
  b.text("epw_file", w.epw_path, std::string(),
         "EnergyPlus weather file (source: epw), e.g. a typical meteorological year, relative to "
         "the file naming it");
  resolve_input_path(b, "epw_file", w.epw_path, scenario_path);
  if (!epw && !epw_file_given) b.forget("epw_file");
  const std::int32_t start_year = static_cast<std::int32_t>(
      thermal::civil_from_days(static_cast<std::int64_t>(std::floor(start_unix_s / 86400.0))).year);
  b.integer("epw_year", w.epw_year, closed(1, 9999), start_year,
            "source: epw: every record is laid on this calendar year (typical years take each "
            "month from a different year). The run holds the last record after the year's end");
  b.document_default("epw_year", "the year of `time.start`");
  if (!epw && !epw_year_given) b.forget("epw_year");
  if (epw) {
    if (w.epw_path.empty()) b.fail("epw_file", "required when source is epw");
    check_csv(b, w.epw_path, "epw_file");
    try {
      (void)thermal::load_epw(w.epw_path, {w.epw_year});
    } catch (const std::exception& e) {
      b.fail("epw_file", std::string("bad weather file: ") + e.what());
    }
  }
}

}  // namespace sections

using namespace sections;

std::vector<workload::NodeRange> Scenario::site_nodes(const std::vector<int>& site_indices) const {
  std::vector<workload::NodeRange> out;
  for (int i : site_indices) {
    const SiteSpec& st = sites[static_cast<std::size_t>(i)];
    out.push_back({st.first_rack * campus.nodes_per_rack, st.racks * campus.nodes_per_rack});
  }
  return out;
}

const LinkSpec* Scenario::link_between(std::int32_t a, std::int32_t b) const {
  for (const LinkSpec& l : links)
    if ((l.a == a && l.b == b) || (l.a == b && l.b == a)) return &l;
  return nullptr;
}

Scenario load_scenario(const std::string& path, const LoadOptions& options) {
  Scenario sc;
  ConfigPtr root = load_with_extends(path, &sc.input_files, options.text);
  if (options.text) sc.input_files.erase(sc.input_files.begin());  // not a file
  sc.scenario_files = sc.input_files.size();
  check_sweep(*root);  // checked here; variants are applied by `run --sweep-index`
  root->erase("sweep");
  for (const auto& s : options.sets) apply_set(*root, s);
  merge_site_defaults(*root);

  sc.source_file = path;
  ConfigNode resolved;
  Binder b(root.get(), "", root->origin, &resolved);
  b.set_catalogue(options.catalogue);

  std::int32_t schema = 0;
  if (!b.has("schema_version"))
    throw ScenarioError(root->origin.describe() +
                        ": missing required key 'schema_version' (allowed: 1)");
  b.integer("schema_version", schema, closed(1, 1), std::nullopt, "scenario format version (1)");
  b.text("name", sc.name, std::string("scenario"),
         "scenario name. Stored in the output; `run` writes `NAME.h5` when `-o` is not given");
  // The default output is NAME.h5 in the working directory: a name is a file name, not a path.
  {
    const std::string& n = sc.name;
    const bool control = std::any_of(n.begin(), n.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (n.empty() || n.size() > 200 || n.find_first_of("/\\") != std::string::npos || control ||
        n.front() == '.' || n.front() == '-')
      b.fail("name", "'" + n + "' cannot name the output file NAME.h5 in the working directory " +
                         "(allowed: 1 to 200 characters, no '/', '\\' or control characters, " +
                         "not starting with '.' or '-')");
  }
  b.seed("seed", sc.seed, 1,
         "random seed. All randomness is keyed by it, so a seed gives the same output on any rank "
         "count");
  b.integer("replicas", sc.replicas, closed(1, 100000), 1,
            "number of independent realizations with derived seeds (see Replicas)");
  b.section(
      "time", [&](Binder& s) { bind_time(s, sc.time); }, true,
      "simulated period, tick and output interval");
  b.section(
      "output",
      [&](Binder& s) {
        s.real("flush_interval_s", sc.output.flush_interval_s, positive(), 3600.0,
               "simulated seconds between flushes to disk (a killed run keeps what was flushed)");
      },
      false, "output file settings");
  const bool with_sites = b.has("sites");
  b.section(
      "campus", [&](Binder& s) { bind_campus(s, sc.campus, with_sites); }, !with_sites,
      "buildings, halls, racks, nodes and how racks are cooled");
  b.section(
      "accelerator", [&](Binder& s) { bind_accelerator(s, sc.accelerator, sc.power_cap_w); }, false,
      "the accelerators: power, thermal path, clocks");
  if (sc.accelerator.accelerators_per_node != sc.campus.accelerators_per_node)
    sc.accelerator.accelerators_per_node = sc.campus.accelerators_per_node;
  b.section(
      "activity",
      [&](Binder& s) {
        keep(s, "communicating", sc.activity.communicating, unit_interval(),
             "activity while communicating, in the bubble or waiting for the slowest member");
        keep(s, "stalled", sc.activity.stalled, unit_interval(),
             "during checkpoint stalls, recovery, waiting, and on unallocated accelerators");
      },
      false, "accelerator activity outside compute phases");
  b.section(
      "cooling", [&](Binder& s) { bind_cooling(s, sc); }, false,
      "rack cooling and the cooling plant");
  b.section(
      "weather", [&](Binder& s) { bind_weather(s, sc.weather, path, sc.time.start_unix_s); }, false,
      "outdoor weather at the site");
  b.section(
      "fabric", [&](Binder& s) { bind_fabric(s, sc.fabric); }, false,
      "scale-up and scale-out network tiers");
  b.list(
      "sites", with_sites ? 1 : 0, [&](Binder& s, std::size_t) { bind_site(s, sc, path); },
      "several sites, each with its buildings, cooling plant, weather, grid and battery "
      "(docs/sites.md). Absent: one site made of the top-level sections");
  if (b.has("links") && sc.sites.size() < 2) b.fail("links", "links join sites: give `sites:`");
  b.list(
      "links", 0, [&](Binder& s, std::size_t) { bind_link(s, sc); },
      "long-haul links between sites, for jobs over several sites (docs/sites.md)");
  b.section(
      "faults", [&](Binder& s) { bind_faults(s, sc.faults, sc.campus); }, false,
      "failures, repairs and recovery");
  b.section(
      "grid", [&](Binder& s) { bind_grid(s, sc.grid, path); }, false,
      "grid capacity, carbon, price, demand response");
  if (with_sites && b.has("storage"))
    b.fail("storage", "with `sites:`, a battery goes under sites[i].storage");
  if (b.has("storage")) {
    sc.storage.emplace();
    b.section(
        "storage", [&](Binder& s) { bind_storage(s, *sc.storage); }, false,
        "a battery at the site, between the facility and the grid (docs/sites.md). Absent: none");
  }
  // Derived: the campus size, before anything is sized by it (10^13 accelerators would
  // allocate terabytes here). Far above any real cluster; `run` also checks memory per rank.
  {
    double accelerators = 0;
    for (const auto& bs : sc.campus.buildings)
      accelerators += static_cast<double>(bs.halls) * bs.racks_per_hall * sc.campus.nodes_per_rack *
                      sc.campus.accelerators_per_node;
    if (accelerators > kMaxAccelerators)
      b.fail_nested({"campus", "buildings"},
                    "the campus has " + format_real(accelerators) +
                        " accelerators (allowed: at most 2^31 = 2147483648)");
  }
  const topology::Campus campus(sc.campus);
  std::vector<std::int8_t> taken(campus.nodes(), 0);
  const std::vector<std::string> kinds = binding_kinds("workload");
  b.list(
      "jobs", 0,
      [&](Binder& s, std::size_t i) {
        std::string kind;
        s.choice("kind", kind, kinds, std::string("training"),
                 "workload kind: a registered component (docs/scenario.md lists them)");
        s.qualify_pattern(kind);
        // With sites, a job is placed on its site's nodes (the others count as taken); a
        // training job may run over several sites (`sites:`, in ring order).
        int site = 0;
        std::vector<int> job_sites;
        std::vector<std::int8_t> masked;
        if (!sc.sites.empty()) {
          std::vector<std::string> names;
          for (const SiteSpec& st : sc.sites) names.push_back(st.name);
          if (s.has("sites")) {
            if (s.has("site")) s.fail("site", "give `site` or `sites`, not both");
            if (kind != "training") s.fail("sites", "only training jobs run over several sites");
            for (std::size_t k : s.names("sites", 0, names,
                                         "training jobs over several sites: their names in "
                                         "ring order (the DP all-reduce crosses the links)"))
              job_sites.push_back(static_cast<int>(k));
            s.document_default("sites", "absent: one site, `site`");
            site = job_sites.front();
          } else {
            std::string name;
            s.text("site", name, std::string(),
                   "with `sites:`: the name of the site whose nodes the job runs on (empty: the "
                   "first site)");
            if (name.empty()) name = names.front();
            const auto at = std::find(names.begin(), names.end(), name);
            if (at == names.end()) {
              std::string allowed;
              for (const auto& n : names) allowed += (allowed.empty() ? "" : ", ") + n;
              s.fail("site", "'" + name + "' is not a site (allowed: " + allowed + ")");
            }
            site = static_cast<int>(at - names.begin());
            job_sites.push_back(site);
          }
          masked = workload::taken_outside(taken, sc.site_nodes(job_sites));
        }
        BindContext ctx{sc, i, masked.empty() ? &taken : &masked, &b, job_sites};
        std::shared_ptr<ComponentConfig> job = find_binding("workload", kind)->bind(s, ctx);
        if (!masked.empty()) workload::take_inside(taken, masked, sc.site_nodes(job_sites));
        job->site = site;
        if (job_sites.size() > 1) job->sites = job_sites;
        job->kind = kind;
        for (const auto& other : sc.jobs)
          if (other->name == job->name) s.fail("name", "duplicate job name '" + job->name + "'");
        sc.jobs.push_back(std::move(job));
      },
      "the workloads placed on the campus at time zero, each of a registered kind");
  if (b.has("queue")) {
    sc.queue.emplace();
    b.section(
        "queue", [&](Binder& s) { bind_queue(s, *sc.queue, sc, path); }, false,
        "a shared cluster's batch queue: jobs that arrive, wait, run and end under a scheduler, "
        "on the nodes the jobs above leave free (docs/workloads.md)");
  }
  b.finish();
  // The data files: the top level's and each site's (merged from it, so often the same).
  const auto data_files = [&](const WeatherSpec& w, const GridSpec& g) {
    if (w.source == WeatherSpec::Source::csv) sc.input_files.push_back(w.csv_path);
    if (w.source == WeatherSpec::Source::epw) sc.input_files.push_back(w.epw_path);
    for (const SignalSpec* sig : {&g.carbon, &g.price})
      if (sig->source == SignalSpec::Source::csv ||
          sig->source == SignalSpec::Source::electricitymaps_csv ||
          sig->source == SignalSpec::Source::price_csv)
        sc.input_files.push_back(sig->csv_path);
  };
  data_files(sc.weather, sc.grid);
  for (const SiteSpec& st : sc.sites) data_files(st.weather, st.grid);
  if (sc.queue && !sc.queue->trace_file.empty()) sc.input_files.push_back(sc.queue->trace_file);
  sc.resolved_yaml = emit_yaml(resolved);
  return sc;
}

}  // namespace ct::io
