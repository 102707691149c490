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

namespace {

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

// A CSV input must be a regular file of bounded size (not /dev/zero, a FIFO, a directory).
void check_csv(Binder& b, const std::string& path, const std::string& key = "csv_file") {
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

// Fail-slow events (faults/fail_slow.hpp): random per class, and scheduled ones (what-if).
void bind_fail_slow(Binder& b, faults::FailSlowModel& m, const topology::CampusSpec& campus_spec) {
  std::string mitigation;
  m.mitigation =
      b.choice(
          "mitigation", mitigation, {"none", "replace"}, std::string("replace"),
          "`replace`: `detection_s` after an event's onset its node is swapped for a hot "
          "spare at a restart's cost (the job saves first); `none`: events run their course") == 0
          ? faults::FailSlowMitigation::none
          : faults::FailSlowMitigation::replace;
  keep(b, "detection_s", m.detection_s, non_negative(),
       "time from a fail-slow event's onset until its node is found (mitigation)");
  std::vector<std::string> names;
  for (int c = 0; c < faults::kFailSlowClassCount; ++c)
    names.emplace_back(faults::fail_slow_class_name(static_cast<faults::FailSlowClass>(c)));
  const std::vector<std::string> distributions{"fixed", "exponential", "lognormal"};
  b.named_sections(
      "classes", names,
      [&](Binder& c, const std::string& name) {
        faults::FailSlowClassSpec& spec = m[*faults::fail_slow_class_from_name(name)];
        keep(c, "rate_per_s", spec.rate_per_s, non_negative(),
             "fail-slow events per instance per second (gpu: per accelerator, host: per node, "
             "link: per rack). 0: none");
        keep(c, "severity", spec.severity, closed(1.0, 1000.0),
             "slowdown s ≥ 1: the slowed member's work, and so the job's step, takes s times as "
             "long");
        std::string dist;
        spec.distribution = static_cast<faults::DurationDistribution>(
            c.choice("duration_distribution", dist, distributions,
                     distributions[static_cast<int>(spec.distribution)],
                     "distribution of an event's duration"));
        keep(c, "duration_s", spec.duration_s, positive(),
             "fixed: the duration; exponential: its mean; lognormal: its median");
        keep(c, "duration_sigma", spec.duration_sigma, closed(0.0, 5.0),
             "lognormal: σ of ln(duration)");
        keep(c, "mttr_s", spec.mttr_s, non_negative(),
             "time in repair of a node replaced for being slow");
      },
      "per fail-slow class (`gpu`, `host`, `link`): rate, severity, duration distribution");
  const topology::Campus campus(campus_spec);
  b.list(
      "events", 0,
      [&](Binder& e, std::size_t) {
        faults::ScheduledFailSlow ev;
        std::string cls;
        ev.cls = static_cast<faults::FailSlowClass>(
            e.choice("class", cls, names, std::nullopt, "fail-slow class of the event"));
        const faults::Scope scope = m[ev.cls].scope;
        const std::int64_t n = scope == faults::Scope::accelerator ? campus.accelerators()
                               : scope == faults::Scope::node      ? campus.nodes()
                                                                   : campus.racks();
        e.integer("instance", ev.instance, closed(0.0, 1e15), std::nullopt,
                  "global id of the slowed accelerator (gpu), node (host) or rack (link)");
        if (ev.instance >= n)
          e.fail("instance", "the campus has " + std::to_string(n) + " " +
                                 (scope == faults::Scope::accelerator ? "accelerators"
                                  : scope == faults::Scope::node      ? "nodes"
                                                                      : "racks") +
                                 " (allowed: 0 to " + std::to_string(n - 1) + ")");
        e.real("start_s", ev.start_s, non_negative(), std::nullopt,
               "onset, in seconds from the start of the run");
        e.real("duration_s", ev.duration_s, positive(), std::nullopt,
               "how long the event lasts unless mitigated");
        e.real("severity", ev.severity, closed(1.0, 1000.0), m[ev.cls].severity,
               "slowdown s ≥ 1 (default: the class's)");
        m.events.push_back(ev);
      },
      "fail-slow events at given times (what-if), in addition to the random ones");
}

void bind_faults(Binder& b, FaultSpec& f, const topology::CampusSpec& campus) {
  b.boolean("enabled", f.enabled, true, "`false`: no failures at all");
  f.model = faults::h100_failure_model();
  keep(b, "rate_scale", f.model.rate_scale, non_negative(),
       "multiplies every class's base rate (a what-if knob)");
  b.boolean("arrhenius", f.model.arrhenius_enabled, true,
            "temperature acceleration exp((E_a/k_B)(1/T_ref − 1/T))");
  b.boolean("thermal_cycling", f.model.cycling_enabled, true,
            "thermal-cycling wear (Norris–Landzberg, Miner's rule) raises the cycling share of the "
            "hazard");
  double mttr_scale = 1.0;
  b.real("mttr_scale", mttr_scale, non_negative(), 1.0,
         "multiplies every class's `mttr_s`, after per-class overrides");
  keep(b, "hazard_update_s", f.hazard_update_s, Range{0.0, 3.2e8, true, false},
       "how often hazards are re-evaluated from temperatures and wear (rounded to whole ticks, at "
       "least one)");
  keep(b, "cycle_hysteresis_k", f.cycle_hysteresis_k, positive(),
       "smallest junction swing counted as a large thermal cycle");
  keep(b, "detection_s", f.recovery.detection_s, non_negative(),
       "watchdog time before a failure is noticed");
  keep(b, "restart_s", f.recovery.restart_s, non_negative(),
       "time to reschedule onto a spare and re-initialise");
  std::vector<std::string> names;
  for (int c = 0; c < faults::kFailureClassCount; ++c)
    names.emplace_back(faults::failure_class_name(static_cast<faults::FailureClass>(c)));
  b.named_sections(
      "classes", names,
      [&](Binder& c, const std::string& name) {
        faults::FailureClassSpec& spec = *faults::find_class(f.model, name);
        if (c.has("mtbf_s") && c.has("rate_per_s"))
          c.fail("mtbf_s", "give either mtbf_s or rate_per_s, not both");
        double mtbf_s = spec.base_rate_per_s > 0 ? 1.0 / spec.base_rate_per_s : 0.0;
        if (c.has("mtbf_s")) {
          c.real("mtbf_s", mtbf_s, positive(), std::nullopt,
                 "mean time between failures per instance (instead of rate_per_s)");
          spec.base_rate_per_s = 1.0 / mtbf_s;
          if (!std::isfinite(spec.base_rate_per_s))
            c.fail("mtbf_s", "value " + format_real(mtbf_s) + " is too small (1/mtbf_s overflows)");
        }
        keep(c, "rate_per_s", spec.base_rate_per_s, non_negative(),
             "base failure rate per instance at reference conditions. 0 disables the class");
        // Resolved as rate_per_s alone: both keys would not load again.
        if (c.has("mtbf_s")) c.forget("mtbf_s");
        keep(c, "weibull_shape", spec.weibull_shape, closed(0.1, 10.0),
             "Weibull shape β (1: constant rate)");
        keep(c, "activation_energy_ev", spec.activation_energy_ev, closed(0.0, 3.0),
             "Arrhenius activation energy (0: no temperature acceleration)");
        keep(c, "reference_temperature_c", spec.reference_temperature_c, closed(-50.0, 200.0),
             "temperature at which `rate_per_s` holds");
        keep(c, "cycling_fraction", spec.cycling_fraction, unit_interval(),
             "share of the base hazard due to thermal-cycling wear at the reference cycling "
             "condition");
        keep(c, "mttr_s", spec.mttr_s, non_negative(),
             "time to repair (the failed part is out of service)");
      },
      "per failure class overrides, by class name");
  for (auto& spec : f.model.classes) spec.mttr_s *= mttr_scale;
  b.section(
      "fail_slow", [&](Binder& s) { bind_fail_slow(s, f.fail_slow, campus); }, false,
      "components that keep working, slowly: stragglers that are not thermal");
}

// "HH:MM" → seconds since midnight.
double parse_clock(Binder& b, const std::string& key, const std::string& text) {
  int h = -1, m = -1;
  char colon = 0;
  std::istringstream in(text);
  in >> h >> colon >> m;
  if (!in || colon != ':' || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) || !in.eof())
    b.fail(key, "'" + text + "' is not a time of day HH:MM (00:00 to 24:00)");
  return h * 3600.0 + m * 60.0;
}

void bind_signal(Binder& b, SignalSpec& sig, const std::string& units, double lo, double hi,
                 double default_mean, const std::string& scenario_path,
                 const std::vector<std::string>& presets) {
  const bool carbon = units == "g_per_kwh";
  // The provider format of this signal (docs/signals.md).
  const std::string provider = carbon ? "electricitymaps_csv" : "price_csv";
  std::string source;
  const std::size_t kind = b.choice(
      "source", source, {"constant", "daily", "csv", "preset", provider}, std::string("constant"),
      carbon ? "the signal: constant, a daily sinusoid, an hourly CSV file, a regional preset, or "
               "an Electricity Maps hourly export"
             : "the signal: constant, a daily sinusoid, an hourly CSV file, a regional preset, or "
               "a market price file with a `Price (CUR/MWh)` column");
  std::string preset;
  if (!presets.empty()) {
    b.choice("preset", preset, presets, presets.front(),
             "regional carbon-intensity preset (table below). Used with `source: preset`");
  }
  const power::DailyShape* p = presets.empty() ? nullptr : power::carbon_catalogue().find(preset);
  if (kind == 3 && !p) b.fail("source", "'preset' is only available for carbon");
  sig.shape = kind == 3 ? *p : power::DailyShape{default_mean, 0.0, 12.0};
  sig.source = kind == 0   ? SignalSpec::Source::constant
               : kind == 2 ? SignalSpec::Source::csv
               : kind == 4 ? (carbon ? SignalSpec::Source::electricitymaps_csv
                                     : SignalSpec::Source::price_csv)
                           : SignalSpec::Source::daily;
  b.real("mean_" + units, sig.shape.mean, Range{lo, hi}, sig.shape.mean,
         "mean of the signal (constant and daily)");
  b.real("amplitude_" + units, sig.shape.amplitude, closed(0.0, hi), sig.shape.amplitude,
         "amplitude of the daily sinusoid");
  b.real("peak_hour_utc", sig.shape.peak_hour_utc, Range{0.0, 24.0, false, true},
         sig.shape.peak_hour_utc, "hour of the daily maximum, UTC");
  b.text(
      "csv_file", sig.csv_path, std::string(),
      "hourly CSV of the signal (source: csv or " + provider + "), relative to the file naming it");
  resolve_input_path(b, "csv_file", sig.csv_path, scenario_path);
  if (sig.source == SignalSpec::Source::csv) {
    if (sig.csv_path.empty()) b.fail("csv_file", "required when source is csv");
    check_csv(b, sig.csv_path);
    try {
      (void)(carbon ? power::load_carbon_csv(sig.csv_path) : power::load_price_csv(sig.csv_path));
    } catch (const std::exception& e) {
      b.fail("csv_file", std::string("bad file: ") + e.what());
    }
  }

  // Keys of the provider format, recorded only when given or used: other scenarios resolve (and
  // are stored) as before.
  const bool from_provider = kind == 4;
  auto provider_key = [&](const std::string& key, bool given) {
    if (!from_provider && !given) b.forget(key);
  };
  bool given = b.has("zone");
  b.text("zone", sig.zone, std::string(),
         "source: " + provider + ": keep the rows of this zone (`Zone id`" +
             (carbon ? "" : ", or `ISO3 Code`") + ", e.g. `DE`); empty: the file holds one zone");
  provider_key("zone", given);
  given = b.has("label");
  std::string label;
  sig.label = static_cast<power::TimeLabel>(b.choice(
      "label", label, {"interval_start", "interval_end", "instant"}, std::string("interval_start"),
      "source: " + provider +
          ": what a row's timestamp labels. interval_start: the mean over the interval "
          "starting there (the providers' hourly files); interval_end: ending there; "
          "instant: a reading, interpolated linearly"));
  provider_key("label", given);
  if (carbon) {
    given = b.has("basis");
    std::string basis;
    sig.basis =
        b.choice("basis", basis, {"direct", "lifecycle"},
                 from_provider ? std::nullopt : std::optional<std::string>("lifecycle"),
                 "source: electricitymaps_csv: the accounting basis. direct: combustion at the "
                 "plants (GHG Protocol scope 2); lifecycle: adds upstream emissions. Figures of "
                 "the two are not comparable") == 0
            ? power::CarbonAccounting::direct
            : power::CarbonAccounting::lifecycle;
    b.document_default("basis", "required with `source: electricitymaps_csv`");
    provider_key("basis", given);
  } else {
    b.optional_real("usd_per_unit", sig.usd_per_unit, Range{0.0, 1000.0, true, false},
                    "source: price_csv: US dollars per unit of the file's currency (prices are "
                    "multiplied into USD/MWh). Required unless the file's currency is USD");
    b.document_default("usd_per_unit", "1 for a USD file, else required");
  }
  if (!from_provider) return;
  if (sig.csv_path.empty()) b.fail("csv_file", "required when source is " + provider);
  check_csv(b, sig.csv_path);
  const power::GridDataOptions options{sig.zone, sig.label};
  if (carbon) {
    power::CarbonIntensityData data;
    try {
      data = power::load_carbon_intensity_csv(sig.csv_path, options);
    } catch (const std::exception& e) {
      b.fail("csv_file", std::string("bad carbon intensity file: ") + e.what());
    }
    try {
      (void)power::carbon_series(data, sig.basis, sig.csv_path);
    } catch (const std::exception& e) {
      b.fail("basis", e.what());
    }
  } else {
    std::string currency;
    try {
      currency = power::load_price_csv_export(sig.csv_path, options).currency;
    } catch (const std::exception& e) {
      b.fail("csv_file", std::string("bad price file: ") + e.what());
    }
    if (currency != "USD" && !b.has("usd_per_unit"))
      b.fail("usd_per_unit", "required: " + sig.csv_path + " gives prices in " + currency +
                                 "/MWh; give the US dollars of one " + currency +
                                 " (allowed: > 0)");
  }
}

void bind_grid(Binder& b, GridSpec& g, const std::string& scenario_path) {
  power::GridPolicy& p = g.policy;
  double capacity_w = 0.0;
  b.real("site_capacity_w", capacity_w, non_negative(), 0.0,
         "grid connection capacity of the site (0: unlimited)");
  p.site_capacity_w = capacity_w > 0 ? capacity_w : std::numeric_limits<double>::infinity();
  std::string policy;
  p.kind = static_cast<power::PolicyKind>(
      b.choice("policy", policy, {"none", "carbon_aware", "power_smoothing"}, std::string("none"),
               "grid policy: carbon-aware capping, or power smoothing during stalls"));
  double threshold = 0.0;
  b.real("carbon_threshold_g_per_kwh", threshold, non_negative(), 0.0,
         "`carbon_aware`: cap while carbon intensity is above this. Required (> 0) for "
         "`carbon_aware`");
  p.carbon_threshold_g_per_kwh =
      threshold > 0 ? threshold : std::numeric_limits<double>::infinity();
  keep(b, "carbon_cap_fraction", p.carbon_cap_fraction, Range{0.0, 1.0, true, false},
       "`carbon_aware`: cap = this × `site_capacity_w`");
  b.real("smoothing_floor_fraction", p.smoothing_floor_fraction, unit_interval(), 0.8,
         "`power_smoothing`: stalled accelerators keep this share of their running activity");
  if (p.kind == power::PolicyKind::carbon_aware && !std::isfinite(p.site_capacity_w))
    b.fail("policy", "carbon_aware capping needs grid.site_capacity_w");
  if (p.kind == power::PolicyKind::carbon_aware && !std::isfinite(p.carbon_threshold_g_per_kwh))
    b.fail("policy", "carbon_aware capping needs grid.carbon_threshold_g_per_kwh");
  keep(b, "swing_window_s", g.swing_window_s, positive(),
       "window of the \"largest swing\" summary figure");
  // Daily demand-response windows are usually contracted in the site's local time.
  double utc_offset_h = 0.0;
  b.real("utc_offset_h", utc_offset_h, closed(-14.0, 14.0), 0.0,
         "local standard time − UTC (h) of the daily demand-response start/end times "
         "(0: they are UTC)");
  std::string dst;
  const std::size_t dst_rule =
      b.choice("daylight_saving", dst, {"none", "us", "eu"}, std::string("none"),
               "daylight saving of that local clock: us (second Sunday of March to first Sunday "
               "of November, 02:00 local), eu (last Sunday of March to last Sunday of October, "
               "01:00 UTC); the daily windows then come an hour earlier in UTC");
  p.daylight_saving = dst_rule == 0   ? power::DaylightSaving::none
                      : dst_rule == 1 ? power::DaylightSaving::us
                                      : power::DaylightSaving::eu;
  p.utc_offset_h = utc_offset_h;
  const std::vector<std::string> presets = power::carbon_catalogue().names();
  b.section(
      "carbon",
      [&](Binder& c) {
        bind_signal(c, g.carbon, "g_per_kwh", 0.0, 3000.0, 400.0, scenario_path, presets);
      },
      false, "carbon intensity signal, gCO2/kWh");
  b.section(
      "price",
      [&](Binder& c) {
        bind_signal(c, g.price, "usd_per_mwh", -10000.0, 100000.0, 50.0, scenario_path, {});
      },
      false, "electricity price signal, $/MWh");
  b.list(
      "demand_response", 0,
      [&](Binder& w, std::size_t) {
        power::DemandResponseWindow win;
        bool daily = true;
        w.boolean("daily", daily, true,
                  "the window repeats every day (start/end as HH:MM, in grid.utc_offset_h local "
                  "time), else once (ISO 8601 times)");
        std::string start, end;
        w.text("start", start, std::nullopt, "window start: HH:MM (daily) or an ISO 8601 UTC time");
        w.text("end", end, std::nullopt, "window end: HH:MM (daily) or an ISO 8601 UTC time");
        if (daily) {
          win =
              power::daily_window(parse_clock(w, "start", start), parse_clock(w, "end", end), 0.0);
        } else {
          try {
            win = power::once_window(thermal::parse_iso8601_utc(start),
                                     thermal::parse_iso8601_utc(end), 0.0);
          } catch (const std::exception& e) {
            w.fail("start",
                   std::string("start/end must be ISO 8601 UTC times when daily is false (") +
                       e.what() + ")");
          }
          if (win.end_s <= win.start_s) w.fail("end", "must be after start");
        }
        double cap_w = 0.0, fraction = 0.0;
        w.real("cap_w", cap_w, non_negative(), 0.0,
               "facility cap in the window, W (or cap_fraction)");
        w.real("cap_fraction", fraction, unit_interval(), 0.0,
               "cap as a share of `site_capacity_w` (needs `site_capacity_w`)");
        if ((cap_w > 0) == (fraction > 0))
          w.fail("cap_w",
                 "give exactly one of cap_w (W) or cap_fraction (of grid.site_capacity_w)");
        if (fraction > 0 && !std::isfinite(p.site_capacity_w))
          w.fail("cap_fraction", "needs grid.site_capacity_w");
        win.cap_w = cap_w > 0 ? cap_w : fraction * p.site_capacity_w;
        if (daily && (win.start_s >= 86400.0 || win.start_s == win.end_s))
          w.fail("start", "a daily window needs a start before 24:00 and an end different from it");
        if (daily && utc_offset_h != 0.0) {  // local clock → UTC, wrapped into the day
          auto to_utc = [&](double local_s) {
            const double s = std::fmod(local_s - utc_offset_h * 3600.0, 86400.0);
            return s < 0.0 ? s + 86400.0 : s;
          };
          win.start_s = to_utc(win.start_s);
          win.end_s = to_utc(win.end_s);
        }
        p.windows.push_back(win);
      },
      "windows in which the grid lowers the facility cap");
  try {
    power::validate(p);
  } catch (const std::invalid_argument& e) {
    b.fail("demand_response", e.what());
  }
  // Only recorded when given: scenarios without it resolve (and are stored) as before.
  b.optional_real("ramp_limit_w_per_s", g.ramp_limit_w_per_s, positive(),
                  "grid-side figure: the share of ticks whose facility (and, with storage, grid) "
                  "ramp exceeds this, W/s");
}

// `storage:` — a battery between the facility and the grid (power/battery.hpp). The checks are
// power::validate's, each reported at the key it names.
void bind_storage(Binder& b, StorageSpec& st) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  power::BatterySpec& s = st.battery;
  power::StoragePolicy& p = st.policy;
  double wh = 0.0;
  b.optional_real("energy_wh", wh, Range{0.0, inf, true, true},
                  "energy rating, Wh (give exactly one of energy_wh or energy_j)");
  b.optional_real("energy_j", s.energy_capacity_j, Range{0.0, inf, true, true}, "energy rating, J");
  if (b.has("energy_wh") == b.has("energy_j"))
    b.fail(b.has("energy_j") ? "energy_j" : "energy_wh",
           "give exactly one of energy_wh or energy_j");
  if (b.has("energy_wh")) {
    s.energy_capacity_j = wh * 3600.0;
    if (!std::isfinite(s.energy_capacity_j))
      b.fail("energy_wh", "value " + format_real(wh) + " is too large");
    b.forget("energy_wh");  // resolved as energy_j
    b.record("energy_j", format_real(s.energy_capacity_j));
  }
  b.real("power_w", s.power_rating_w, Range{0.0, inf, true, true}, std::nullopt,
         "charge and discharge rating on the site bus, W");
  double rt = 0.85;
  b.real("round_trip_efficiency", rt, Range{0.0, 1.0, true, false}, 0.85,
         "η_c·η_d, split evenly (η_c = η_d = √η). Default: utility-scale Li-ion (NREL ATB)");
  b.optional_real("charge_efficiency", s.charge_efficiency, Range{0.0, 1.0, true, false},
                  "η_c (with discharge_efficiency, instead of round_trip_efficiency)");
  b.optional_real("discharge_efficiency", s.discharge_efficiency, Range{0.0, 1.0, true, false},
                  "η_d (with charge_efficiency)");
  const bool split = b.has("charge_efficiency") || b.has("discharge_efficiency");
  if (split && b.has("round_trip_efficiency"))
    b.fail("round_trip_efficiency",
           "give either round_trip_efficiency or charge_efficiency + discharge_efficiency");
  if (split && !(b.has("charge_efficiency") && b.has("discharge_efficiency")))
    b.fail(b.has("charge_efficiency") ? "charge_efficiency" : "discharge_efficiency",
           "give both charge_efficiency and discharge_efficiency");
  if (!split) s.charge_efficiency = s.discharge_efficiency = std::sqrt(rt);
  // Resolved as the two efficiencies (√η twice need not give η again in floating point).
  b.forget("round_trip_efficiency");
  b.record("charge_efficiency", format_real(s.charge_efficiency));
  b.record("discharge_efficiency", format_real(s.discharge_efficiency));
  keep(b, "soc_min", s.soc_min, unit_interval(), "lowest state of charge (share of the rating)");
  keep(b, "soc_max", s.soc_max, unit_interval(), "highest state of charge");
  keep(b, "initial_soc", s.initial_soc, unit_interval(), "state of charge at the start");
  b.boolean("allow_export", s.allow_export, false,
            "may the battery feed the grid (discharge above the facility draw)");
  std::string policy;
  p.kind = static_cast<power::StoragePolicy::Kind>(b.choice(
      "policy", policy, {"none", "peak_shaving", "ramp_limiting", "arbitrage"}, std::string("none"),
      "what drives the battery (docs/sites.md); every policy holds the grid draw under "
      "grid_cap_w"));
  b.optional_real("grid_cap_w", p.grid_cap_w, positive(),
                  "hold the grid draw under this (every policy; required for peak_shaving)");
  keep(b, "recharge_soc", p.recharge_soc, unit_interval(),
       "`peak_shaving`: recharge up to this state of charge below the cap");
  b.optional_real("max_ramp_w_per_s", p.max_ramp_w_per_s, positive(),
                  "`ramp_limiting`: largest grid ramp, W/s");
  b.optional_real("max_swing_w", p.max_swing_w, positive(),
                  "`ramp_limiting`: largest grid swing over swing_window_s, W");
  keep(b, "swing_window_s", p.swing_window_s, Range{0.0, inf, true, true},
       "`ramp_limiting`: window of max_swing_w");
  keep(b, "target_soc", p.target_soc, unit_interval(),
       "`ramp_limiting`: the state of charge drifts back to this");
  keep(b, "recovery_time_s", p.recovery_time_s, Range{0.0, inf, true, true},
       "`ramp_limiting`: time constant of that drift");
  b.optional_real("charge_below_price", p.charge_below_price, Range{},
                  "`arbitrage`: charge at the rating while the price (USD/MWh) is at most this");
  b.optional_real("discharge_above_price", p.discharge_above_price, Range{},
                  "`arbitrage`: discharge at the rating while the price is at least this");
  try {
    power::validate(s);
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    b.fail(what.find("initial_soc") != std::string::npos ? "initial_soc"
           : what.find("soc") != std::string::npos
               ? (b.has("soc_min") && !b.has("soc_max") ? "soc_min" : "soc_max")
           : what.find("discharge") != std::string::npos ? "discharge_efficiency"
           : what.find("charge") != std::string::npos    ? "charge_efficiency"
           : what.find("power") != std::string::npos     ? "power_w"
                                                         : "energy_j",
           what);
  }
  try {
    power::validate(p, s);
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    for (const char* key : {"grid_cap_w", "recharge_soc", "swing_window_s", "max_ramp_w_per_s",
                            "max_swing_w", "target_soc", "recovery_time_s", "charge_below_price"})
      if (what.find(key) != std::string::npos) b.fail(key, what);
    b.fail("policy", what);
  }
}

// `sites:` (docs/sites.md): the top-level cooling, weather and grid are defaults; each site's
// own sections are merged over them (the merge rule of `extends`) before binding, so a site's
// resolved sections are complete and load again unchanged.
void merge_site_defaults(ConfigNode& root) {
  const ConfigNode* sites = root.find("sites");
  if (!sites || sites->kind != ConfigNode::Kind::sequence) return;
  // `campus: {buildings: null}` drops the buildings a base scenario (`extends`) lists.
  if (const ConfigPtr campus = root.find_shared("campus"))
    if (const ConfigNode* b = campus->find("buildings"); b && b->kind == ConfigNode::Kind::null)
      campus->erase("buildings");
  for (const auto& item : sites->items) {
    if (!item || item->kind != ConfigNode::Kind::map) continue;
    // time_zone: the site's local time for its weather's daily cycle (standard time) and its
    // demand-response windows (with daylight saving), unless its own sections give them.
    if (const ConfigNode* tz = item->find("time_zone"); tz && tz->kind == ConfigNode::Kind::map)
      for (const char* key : {"utc_offset_h", "daylight_saving"})
        if (const ConfigPtr value = tz->find_shared(key))
          for (const char* section : {"weather", "grid"}) {
            if (std::string(key) == "daylight_saving" && std::string(section) == "weather")
              continue;  // the weather follows the sun: standard time
            ConfigPtr own = item->find_shared(section);
            if (!own) {
              own = std::make_shared<ConfigNode>();
              own->kind = ConfigNode::Kind::map;
              own->origin = value->origin;
              item->set(section, own, value->origin);
            }
            if (own->kind == ConfigNode::Kind::map && !own->find(key))
              own->set(key, value->clone(), value->origin);
          }
    for (const char* section : {"cooling", "weather", "grid"}) {
      const ConfigPtr top = root.find_shared(section);
      if (!top || top->kind != ConfigNode::Kind::map) continue;
      ConfigPtr merged = top->clone();
      const ConfigPtr own = item->find_shared(section);
      if (own) merge_into(*merged, *own);
      const Origin* at = own ? item->key_origin(section) : root.key_origin(section);
      item->set(section, merged, at ? *at : top->origin);
    }
  }
}

bool same_racks(const Scenario& a, const Scenario& b) {
  const auto& x = a.air_rack;
  const auto& y = b.air_rack;
  return x.cooling_capacity_w == y.cooling_capacity_w &&
         x.recirculation_top_k == y.recirculation_top_k && x.row_end_k == y.row_end_k &&
         x.design_air_rise_k == y.design_air_rise_k &&
         a.liquid_rack.coolant_flow_kg_per_s == b.liquid_rack.coolant_flow_kg_per_s &&
         a.liquid_rack.coolant_heat_capacity_j_per_kg_k ==
             b.liquid_rack.coolant_heat_capacity_j_per_kg_k;
}

void bind_link(Binder& b, Scenario& sc) {
  std::vector<std::string> names;
  for (const SiteSpec& st : sc.sites) names.push_back(st.name);
  const std::vector<std::size_t> two = b.names("between", 2, names, "the two sites the link joins");
  LinkSpec l;
  l.a = static_cast<std::int32_t>(two[0]);
  l.b = static_cast<std::int32_t>(two[1]);
  if (sc.link_between(l.a, l.b))
    b.fail("between", "a link between " + names[two[0]] + " and " + names[two[1]] +
                          " is already given (allowed: one per pair)");
  const SiteSpec& x = sc.sites[two[0]];
  const SiteSpec& y = sc.sites[two[1]];
  const double great_circle_m = topology::great_circle_distance_m(
      {x.latitude_deg, x.longitude_deg}, {y.latitude_deg, y.longitude_deg});
  topology::LongHaulLink& k = l.link;
  b.real("distance_m", k.distance_m, closed(0.0, 2.1e7), great_circle_m,
         "straight distance between the sites (default: the great circle between their "
         "locations)");
  b.document_default("distance_m", "the great circle between the sites' locations");
  keep(b, "route_factor", k.route_factor, closed(1.0, 10.0),
       "fibre route length / distance (fibre is laid along roads and rails)");
  keep(b, "bandwidth_bytes_per_s", k.bandwidth_bytes_per_s, Range{0.0, 1e15, true, false},
       "bandwidth one direction that the jobs may use");
  keep(b, "hops", k.hops, closed(0, 1000), "routers on the route");
  keep(b, "hop_latency_s", k.hop_latency_s, closed(0.0, 1e-2), "latency per router traversal");
  keep(b, "edge_latency_s", k.edge_latency_s, closed(0.0, 1e-1),
       "both ends: NICs and site fabric up to the edge routers");
  sc.links.push_back(l);
}

void bind_site(Binder& b, Scenario& sc, const std::string& scenario_path) {
  SiteSpec site;
  b.text("name", site.name, std::nullopt,
         "site name ([A-Za-z0-9_-]+, unique): its output group /sites/NAME and report label");
  const bool good_name =
      !site.name.empty() && site.name.size() <= 64 &&
      std::all_of(site.name.begin(), site.name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
      });
  if (!good_name) b.fail("name", "'" + site.name + "' (allowed: 1 to 64 of A-Z a-z 0-9 _ -)");
  for (const SiteSpec& other : sc.sites)
    if (other.name == site.name) b.fail("name", "duplicate site name '" + site.name + "'");
  b.section(
      "location",
      [&](Binder& l) {
        l.real("latitude_deg", site.latitude_deg, closed(-90.0, 90.0), 0.0,
               "latitude, degrees north");
        l.real("longitude_deg", site.longitude_deg, closed(-180.0, 180.0), 0.0,
               "longitude, degrees east");
        l.real("elevation_m", site.elevation_m, closed(-500.0, 9000.0), 0.0,
               "elevation above sea level");
      },
      false, "where the site is (reported; long-haul links between sites)");
  b.section(
      "time_zone",
      [&](Binder& t) {
        double offset_h = 0.0;
        t.real("utc_offset_h", offset_h, closed(-14.0, 14.0), 0.0,
               "local standard time − UTC (h): the default of the site's weather.utc_offset_h "
               "(daily cycle) and grid.utc_offset_h (demand-response windows)");
        std::string rule;
        t.choice("daylight_saving", rule, {"none", "us", "eu"}, std::string("none"),
                 "the default of the site's grid.daylight_saving (its demand-response windows' "
                 "clock; the weather keeps standard time)");
      },
      false, "the site's local time");
  site.first_building = static_cast<std::int32_t>(sc.campus.buildings.size());
  for (const auto& bs : sc.campus.buildings)
    site.first_rack += std::int64_t{bs.halls} * bs.racks_per_hall;
  b.section(
      "campus",
      [&](Binder& c) {
        c.set_catalogue(nullptr);  // the keys of campus.buildings[], documented there
        bind_buildings(c, sc.campus);
      },
      true,
      "the site's buildings (nodes_per_rack, accelerators_per_node and the rack cooling are "
      "campus-wide, in the top-level campus)");
  site.buildings = static_cast<std::int32_t>(sc.campus.buildings.size()) - site.first_building;
  for (std::size_t i = static_cast<std::size_t>(site.first_building);
       i < sc.campus.buildings.size(); ++i)
    site.racks +=
        std::int64_t{sc.campus.buildings[i].halls} * sc.campus.buildings[i].racks_per_hall;
  {
    Scenario scratch;  // the site's plant; the rack models stay the campus's
    scratch.campus.cooling = sc.campus.cooling;
    scratch.air_rack = sc.air_rack;
    scratch.liquid_rack = sc.liquid_rack;
    b.section(
        "cooling",
        [&](Binder& c) {
          c.set_catalogue(nullptr);  // the keys of the top-level cooling, documented there
          bind_cooling(c, scratch);
        },
        false, "the site's cooling plant (the top-level cooling merged under it)");
    if (!same_racks(scratch, sc))
      b.fail("cooling",
             "air_rack and liquid_rack are campus-wide: set them in the top-level "
             "cooling, not per site");
    site.plant = scratch.plant;
  }
  b.section(
      "weather",
      [&](Binder& w) {
        w.set_catalogue(nullptr);
        bind_weather(w, site.weather, scenario_path, sc.time.start_unix_s);
      },
      false, "the site's outdoor weather (the top-level weather merged under it)");
  b.section(
      "grid",
      [&](Binder& g) {
        g.set_catalogue(nullptr);
        bind_grid(g, site.grid, scenario_path);
      },
      false,
      "the site's grid connection, carbon, price, demand response (the top-level grid merged "
      "under it)");
  if (b.has("storage")) {
    site.storage.emplace();
    b.section(
        "storage",
        [&](Binder& st) {
          st.set_catalogue(nullptr);
          bind_storage(st, *site.storage);
        },
        false, "a battery at the site (docs/sites.md). Absent: none");
  }
  sc.sites.push_back(std::move(site));
}

}  // namespace

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
