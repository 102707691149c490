// The scenario format: every key, its type, allowed range and default is declared here, once.
#include "io/scenario.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <span>
#include <sstream>

#include "faults/failure_classes.hpp"
#include "io/config_tree.hpp"
#include "io/input_file.hpp"
#include "io/schema_binder.hpp"
#include "io/sweep.hpp"
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

// Numeric key whose default is the field's current value (a preset's, or the struct's).
void keep(Binder& b, const std::string& key, double& field, Range range) {
  b.real(key, field, range, field);
}
void keep(Binder& b, const std::string& key, std::int32_t& field, Range range) {
  b.integer(key, field, range, field);
}

void bind_time(Binder& b, TimeSpec& t) {
  b.text("start", t.start_iso, std::string("2026-07-01T00:00:00Z"));
  try {
    t.start_unix_s = thermal::parse_iso8601_utc(t.start_iso);
  } catch (const std::exception& e) {
    b.fail("start",
           std::string("not an ISO 8601 UTC time such as 2026-07-01T00:00:00Z (") + e.what() + ")");
  }
  b.real("duration_s", t.duration_s, Range{0.0, 3.2e8, true, false}, std::nullopt);
  b.real("tick_s", t.tick_s, Range{0.0, 3600.0, true, false}, 1.0);
  b.real("output_interval_s", t.output_interval_s, positive(), 60.0);
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

void bind_campus(Binder& b, topology::CampusSpec& c) {
  b.integer("nodes_per_rack", c.nodes_per_rack, closed(1, 1024), 4);
  b.integer("accelerators_per_node", c.accelerators_per_node, closed(1, 64), 8);
  std::string cooling;
  c.cooling = b.choice("cooling", cooling, {"air", "liquid"}, std::string("air")) == 0
                  ? topology::Cooling::air
                  : topology::Cooling::liquid;
  b.list("buildings", 1, [&](Binder& item, std::size_t i) {
    topology::BuildingSpec bs;
    item.text("name", bs.name, std::string("B").append(std::to_string(i + 1)));
    std::vector<double> pos;
    item.reals("position_m", pos, 2, closed(-1e6, 1e6), std::vector<double>{0.0, 0.0});
    bs.x_m = pos[0];
    bs.y_m = pos[1];
    item.integer("halls", bs.halls, closed(1, 1000), 1);
    item.integer("racks_per_hall", bs.racks_per_hall, closed(1, 100000), std::nullopt);
    c.buildings.push_back(bs);
  });
}

void bind_tier(Binder& b, topology::TierSpec& t) {
  keep(b, "hop_latency_s", t.hop_latency_s, closed(0.0, 1e-3));
  keep(b, "bandwidth_bytes_per_s", t.bandwidth_bytes_per_s, positive());
  keep(b, "oversubscription", t.oversubscription, at_least(1.0));
  keep(b, "cable_length_m", t.cable_length_m, closed(0.0, 1e6));
  keep(b, "hops", t.hops, closed(0, 64));
}

void bind_fabric(Binder& b, topology::FabricSpec& f) {
  std::string preset;
  f = b.choice("preset", preset, {"h100_ndr", "gb200_nvl72"}, std::string("h100_ndr")) == 0
          ? topology::fabric_preset_h100_ndr()
          : topology::fabric_preset_gb200_nvl72();
  std::string scaleup = f.scaleup == topology::ScaleupDomain::node ? "node" : "rack";
  f.scaleup = b.choice("scaleup", scaleup, {"node", "rack"}, scaleup) == 0
                  ? topology::ScaleupDomain::node
                  : topology::ScaleupDomain::rack;
  keep(b, "scaleup_bandwidth_bytes_per_s", f.scaleup_bandwidth_bytes_per_s, positive());
  keep(b, "scaleup_latency_s", f.scaleup_latency_s, closed(0.0, 1e-3));
  keep(b, "nic_latency_s", f.nic_latency_s, closed(0.0, 1e-3));
  keep(b, "campus_route_factor", f.campus_route_factor, closed(1.0, 10.0));
  b.section("leaf", [&](Binder& s) { bind_tier(s, f.leaf); });
  b.section("spine", [&](Binder& s) { bind_tier(s, f.spine); });
  b.section("core", [&](Binder& s) { bind_tier(s, f.core); });
  b.section("campus", [&](Binder& s) { bind_tier(s, f.campus); });
}

void bind_job(Binder& b, workload::JobSpec& j, std::size_t index) {
  b.text("name", j.name, std::string("job").append(std::to_string(index)));
  for (char c : j.name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
      b.fail("name", "'" + j.name + "' may only contain letters, digits, '_' and '-'");
  b.section(
      "model",
      [&](Binder& m) {
        m.real("parameters", j.model.parameters, Range{0.0, 1e15, true, false}, std::nullopt);
        m.real("active_parameters", j.model.active_parameters, Range{0.0, 1e15, true, false},
               j.model.parameters);
        if (j.model.active_parameters > j.model.parameters)
          m.fail("active_parameters",
                 "exceeds parameters (" + format_real(j.model.parameters) + ")");
        m.real("sequence_length", j.model.sequence_length, closed(1.0, 1e8), 8192.0);
        m.real("global_batch_tokens", j.model.global_batch_tokens, closed(1.0, 1e12), std::nullopt);
        m.integer("layers", j.model.layers, closed(1, 100000), std::nullopt);
        m.real("hidden_size", j.model.hidden_size, closed(1.0, 1e7), std::nullopt);
      },
      true);
  b.section(
      "parallel",
      [&](Binder& p) {
        p.integer("tp", j.parallel.tp, closed(1, 1 << 20), 1);
        p.integer("pp", j.parallel.pp, closed(1, 1 << 20), 1);
        p.integer("dp", j.parallel.dp, closed(1, 1 << 24), 1);
        p.integer("ep", j.parallel.ep, closed(1, 1 << 20), 1);
        p.integer("microbatches", j.parallel.microbatches, closed(1, 1 << 20), 1);
        std::string schedule;
        j.parallel.schedule =
            p.choice("schedule", schedule, {"1f1b", "interleaved"}, std::string("1f1b")) == 0
                ? workload::ParallelSpec::one_f_one_b
                : workload::ParallelSpec::interleaved;
        p.integer("virtual_stages", j.parallel.virtual_stages, closed(1, 1024), 1);
        if (j.parallel.dp % j.parallel.ep != 0) p.fail("ep", "must divide dp");
      },
      true);
  keep(b, "efficiency", j.efficiency, Range{0.0, 1.0, true, false});
  keep(b, "dp_overlap_fraction", j.dp_overlap_fraction, unit_interval());
  keep(b, "tp_exposed_fraction", j.tp_exposed_fraction, unit_interval());
  keep(b, "pp_exposed_fraction", j.pp_exposed_fraction, unit_interval());
  keep(b, "ep_exposed_fraction", j.ep_exposed_fraction, unit_interval());
  keep(b, "bytes_per_gradient_element", j.bytes_per_gradient_element, closed(0.5, 16.0));
  keep(b, "bytes_per_activation_element", j.bytes_per_activation_element, closed(0.5, 16.0));
  b.section("placement", [&](Binder& p) {
    std::string order;
    j.order = p.choice("order", order, {"compact", "spread_buildings"}, std::string("compact")) == 0
                  ? workload::Placement::compact
                  : workload::Placement::spread_buildings;
    p.integer("spare_nodes", j.spare_nodes, closed(0, 1 << 24), 0);
  });
}

std::vector<std::string> names_of(std::span<const std::string_view> names) {
  return {names.begin(), names.end()};
}

void bind_accelerator(Binder& b, thermal::AcceleratorSpec& a, double& power_cap_w) {
  std::string preset;
  const auto names = names_of(thermal::accelerator_preset_names());
  b.choice("preset", preset, names, std::string("h100_sxm"));
  a = *thermal::find_accelerator_preset(preset);
  keep(b, "peak_dense_bf16_flops", a.peak_dense_bf16_flops, positive());
  keep(b, "tdp_w", a.tdp_w, Range{0.0, 1e5, true, false});
  keep(b, "idle_w", a.idle_w, Range{0.0, a.tdp_w, false, true});
  keep(b, "power_exponent", a.power_exponent, closed(1.0, 4.0));
  keep(b, "slowdown_temperature_c", a.slowdown_temperature_c, closed(20.0, 150.0));
  keep(b, "shutdown_temperature_c", a.shutdown_temperature_c,
       Range{a.slowdown_temperature_c, 200.0, true, false});
  keep(b, "thermal_resistance_k_per_w", a.thermal_resistance_k_per_w,
       Range{0.0, 10.0, true, false});
  keep(b, "resistance_sigma", a.resistance_sigma, closed(0.0, 1.0));
  keep(b, "time_constant_s", a.time_constant_s, Range{0.0, 1e5, true, false});
  keep(b, "min_clock_ratio", a.min_clock_ratio, Range{0.0, 1.0, true, false});
  keep(b, "node_overhead_idle_w", a.node_overhead_idle_w, non_negative());
  keep(b, "node_overhead_max_w", a.node_overhead_max_w, at_least(a.node_overhead_idle_w));
  b.real("power_cap_w", power_cap_w, Range{a.idle_w, a.tdp_w, true, false}, a.tdp_w);
}

void bind_cooling(Binder& b, Scenario& sc) {
  std::string preset;
  const auto names = names_of(thermal::cooling_plant_preset_names());
  const bool liquid = sc.campus.cooling == topology::Cooling::liquid;
  b.choice("plant", preset, names, std::string(liquid ? "liquid_dry_cooler" : "air_chiller_tower"));
  thermal::CoolingPlantSpec& p = sc.plant;
  p = *thermal::find_cooling_plant_preset(preset);
  if ((p.cooling == thermal::PlantCooling::liquid) != liquid)
    b.fail("plant", "plant '" + preset + "' is for " + (liquid ? "air" : "liquid") +
                        " cooling but campus.cooling is " + (liquid ? "liquid" : "air"));
  keep(b, "supply_min_c", p.supply_min_c, closed(0.0, 70.0));
  keep(b, "supply_max_c", p.supply_max_c, closed(p.supply_min_c, 70.0));
  keep(b, "economizer_approach_k", p.economizer_approach_k, closed(0.0, 30.0));
  keep(b, "chiller_cop_reference", p.chiller_cop_reference, closed(1.0, 20.0));
  keep(b, "chiller_cop_slope_per_k", p.chiller_cop_slope_per_k, closed(0.0, 2.0));
  keep(b, "air_handler_fan_fraction", p.air_handler_fan_fraction, closed(0.0, 0.5));
  keep(b, "pump_fraction", p.pump_fraction, closed(0.0, 0.5));
  keep(b, "distribution_loss_fraction", p.distribution_loss_fraction, closed(0.0, 0.5));
  keep(b, "cycles_of_concentration", p.cycles_of_concentration, Range{1.0, 100.0, true, false});
  b.section("air_rack", [&](Binder& r) {
    keep(r, "cooling_capacity_w", sc.air_rack.cooling_capacity_w, positive());
    keep(r, "recirculation_top_k", sc.air_rack.recirculation_top_k, closed(0.0, 30.0));
    keep(r, "row_end_k", sc.air_rack.row_end_k, closed(0.0, 30.0));
    keep(r, "design_air_rise_k", sc.air_rack.design_air_rise_k, closed(0.0, 60.0));
  });
  b.section("liquid_rack", [&](Binder& r) {
    keep(r, "coolant_flow_kg_per_s", sc.liquid_rack.coolant_flow_kg_per_s, positive());
    keep(r, "coolant_heat_capacity_j_per_kg_k", sc.liquid_rack.coolant_heat_capacity_j_per_kg_k,
         positive());
  });
}

// A CSV input must be a regular file of bounded size (not /dev/zero, a FIFO, a directory).
void check_csv(Binder& b, const std::string& path) {
  const std::string why = input_file_problem(path, kMaxCsvFileBytes);
  if (why == "not found") b.fail("csv_file", "file not found: " + path);
  if (!why.empty())
    b.fail("csv_file", path + " " + why + " (allowed: a regular CSV file of at most " +
                           format_bytes(static_cast<double>(kMaxCsvFileBytes)) + ")");
}

void bind_weather(Binder& b, WeatherSpec& w, const std::string& scenario_path) {
  std::string source;
  w.from_csv = b.choice("source", source, {"synthetic", "csv"}, std::string("synthetic")) == 1;
  std::string climate;
  b.choice("climate", climate, names_of(thermal::climate_preset_names()), std::string("temperate"));
  w.climate = *thermal::find_climate_preset(climate);
  keep(b, "annual_mean_dry_bulb_c", w.climate.annual_mean_dry_bulb_c, closed(-60.0, 60.0));
  keep(b, "annual_amplitude_k", w.climate.annual_amplitude_k, closed(0.0, 40.0));
  keep(b, "diurnal_amplitude_k", w.climate.diurnal_amplitude_k, closed(0.0, 30.0));
  keep(b, "wet_bulb_depression_mean_k", w.climate.wet_bulb_depression_mean_k, closed(0.0, 40.0));
  keep(b, "utc_offset_h", w.climate.utc_offset_h, closed(-14.0, 14.0));
  // Resolved against the scenario file's directory before it is recorded, so the stored
  // scenario loads from anywhere.
  b.text("csv_file", w.csv_path, std::string());
  if (!w.csv_path.empty()) {
    // Relative to the file that names it (a base file of `extends`, or the scenario); a
    // --set value, relative to the scenario file.
    std::filesystem::path p(w.csv_path);
    std::string from = b.origin_file("csv_file");
    if (from.empty()) from = scenario_path;
    if (p.is_relative()) p = std::filesystem::path(from).parent_path() / p;
    w.csv_path = std::filesystem::absolute(p).lexically_normal().string();
    b.record("csv_file", w.csv_path, true);
  }
  if (w.from_csv) {
    if (w.csv_path.empty()) b.fail("csv_file", "required when source is csv");
    check_csv(b, w.csv_path);
    try {
      (void)thermal::HourlyWeather::load_csv(w.csv_path);
    } catch (const std::exception& e) {
      b.fail("csv_file", std::string("bad weather file: ") + e.what());
    }
  }
}

void bind_faults(Binder& b, FaultSpec& f) {
  b.boolean("enabled", f.enabled, true);
  f.model = faults::h100_failure_model();
  keep(b, "rate_scale", f.model.rate_scale, non_negative());
  b.boolean("arrhenius", f.model.arrhenius_enabled, true);
  b.boolean("thermal_cycling", f.model.cycling_enabled, true);
  double mttr_scale = 1.0;
  b.real("mttr_scale", mttr_scale, non_negative(), 1.0);
  keep(b, "hazard_update_s", f.hazard_update_s, Range{0.0, 3.2e8, true, false});
  keep(b, "cycle_hysteresis_k", f.cycle_hysteresis_k, positive());
  keep(b, "detection_s", f.recovery.detection_s, non_negative());
  keep(b, "restart_s", f.recovery.restart_s, non_negative());
  std::vector<std::string> names;
  for (int c = 0; c < faults::kFailureClassCount; ++c)
    names.emplace_back(faults::failure_class_name(static_cast<faults::FailureClass>(c)));
  b.named_sections("classes", names, [&](Binder& c, const std::string& name) {
    faults::FailureClassSpec& spec = *faults::find_class(f.model, name);
    if (c.has("mtbf_s") && c.has("rate_per_s"))
      c.fail("mtbf_s", "give either mtbf_s or rate_per_s, not both");
    double mtbf_s = spec.base_rate_per_s > 0 ? 1.0 / spec.base_rate_per_s : 0.0;
    if (c.has("mtbf_s")) {
      c.real("mtbf_s", mtbf_s, positive(), std::nullopt);
      spec.base_rate_per_s = 1.0 / mtbf_s;
      if (!std::isfinite(spec.base_rate_per_s))
        c.fail("mtbf_s", "value " + format_real(mtbf_s) + " is too small (1/mtbf_s overflows)");
    }
    keep(c, "rate_per_s", spec.base_rate_per_s, non_negative());
    // Resolved as rate_per_s alone: both keys would not load again.
    if (c.has("mtbf_s")) c.forget("mtbf_s");
    keep(c, "weibull_shape", spec.weibull_shape, closed(0.1, 10.0));
    keep(c, "activation_energy_ev", spec.activation_energy_ev, closed(0.0, 3.0));
    keep(c, "reference_temperature_c", spec.reference_temperature_c, closed(-50.0, 200.0));
    keep(c, "cycling_fraction", spec.cycling_fraction, unit_interval());
    keep(c, "mttr_s", spec.mttr_s, non_negative());
  });
  for (auto& spec : f.model.classes) spec.mttr_s *= mttr_scale;
}

void bind_checkpoint(Binder& b, faults::CheckpointPolicy& c) {
  std::string policy;
  c.policy = static_cast<faults::CheckpointIntervalPolicy>(
      b.choice("interval", policy, {"none", "fixed_s", "fixed_steps", "young", "daly"},
               std::string("daly")));
  keep(b, "interval_s", c.interval_s, positive());
  b.integer("interval_steps", c.interval_steps, closed(1, 1e12), c.interval_steps);
  b.boolean("asynchronous", c.asynchronous, true);
  keep(b, "bytes_per_parameter", c.bytes_per_parameter, closed(1.0, 64.0));
  keep(b, "storage_write_bandwidth_bytes_per_s", c.storage_write_bandwidth_bytes_per_s, positive());
  keep(b, "storage_read_bandwidth_bytes_per_s", c.storage_read_bandwidth_bytes_per_s, positive());
  keep(b, "snapshot_bandwidth_bytes_per_s", c.snapshot_bandwidth_bytes_per_s, positive());
}

// "HH:MM" (UTC) → seconds since midnight.
double parse_clock(Binder& b, const std::string& key, const std::string& text) {
  int h = -1, m = -1;
  char colon = 0;
  std::istringstream in(text);
  in >> h >> colon >> m;
  if (!in || colon != ':' || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) || !in.eof())
    b.fail(key, "'" + text + "' is not a UTC time of day HH:MM (00:00 to 24:00)");
  return h * 3600.0 + m * 60.0;
}

void bind_signal(Binder& b, SignalSpec& sig, const std::string& units, double lo, double hi,
                 double default_mean, const std::string& scenario_path,
                 const std::vector<std::string>& presets) {
  std::string source;
  const std::size_t kind =
      b.choice("source", source, {"constant", "daily", "csv", "preset"}, std::string("constant"));
  std::string preset;
  if (!presets.empty()) {
    b.choice("preset", preset, presets, presets.front());
  }
  const power::CarbonPreset* p = presets.empty() ? nullptr : power::find_carbon_preset(preset);
  if (kind == 3 && !p) b.fail("source", "'preset' is only available for carbon");
  sig.shape = kind == 3 ? p->shape : power::DailyShape{default_mean, 0.0, 12.0};
  sig.source = kind == 0   ? SignalSpec::Source::constant
               : kind == 2 ? SignalSpec::Source::csv
                           : SignalSpec::Source::daily;
  b.real("mean_" + units, sig.shape.mean, Range{lo, hi}, sig.shape.mean);
  b.real("amplitude_" + units, sig.shape.amplitude, closed(0.0, hi), sig.shape.amplitude);
  b.real("peak_hour_utc", sig.shape.peak_hour_utc, Range{0.0, 24.0, false, true},
         sig.shape.peak_hour_utc);
  b.text("csv_file", sig.csv_path, std::string());
  if (!sig.csv_path.empty()) {
    std::filesystem::path path(sig.csv_path);
    std::string from = b.origin_file("csv_file");
    if (from.empty()) from = scenario_path;
    if (path.is_relative()) path = std::filesystem::path(from).parent_path() / path;
    sig.csv_path = std::filesystem::absolute(path).lexically_normal().string();
    b.record("csv_file", sig.csv_path, true);
  }
  if (sig.source == SignalSpec::Source::csv) {
    if (sig.csv_path.empty()) b.fail("csv_file", "required when source is csv");
    check_csv(b, sig.csv_path);
    try {
      (void)(units == "g_per_kwh" ? power::load_carbon_csv(sig.csv_path)
                                  : power::load_price_csv(sig.csv_path));
    } catch (const std::exception& e) {
      b.fail("csv_file", std::string("bad file: ") + e.what());
    }
  }
}

void bind_grid(Binder& b, GridSpec& g, const std::string& scenario_path) {
  power::GridPolicy& p = g.policy;
  double capacity_w = 0.0;
  b.real("site_capacity_w", capacity_w, non_negative(), 0.0);
  p.site_capacity_w = capacity_w > 0 ? capacity_w : std::numeric_limits<double>::infinity();
  std::string policy;
  p.kind = static_cast<power::PolicyKind>(
      b.choice("policy", policy, {"none", "carbon_aware", "power_smoothing"}, std::string("none")));
  double threshold = 0.0;
  b.real("carbon_threshold_g_per_kwh", threshold, non_negative(), 0.0);
  p.carbon_threshold_g_per_kwh =
      threshold > 0 ? threshold : std::numeric_limits<double>::infinity();
  keep(b, "carbon_cap_fraction", p.carbon_cap_fraction, Range{0.0, 1.0, true, false});
  b.real("smoothing_floor_fraction", p.smoothing_floor_fraction, unit_interval(), 0.8);
  if (p.kind == power::PolicyKind::carbon_aware && !std::isfinite(p.site_capacity_w))
    b.fail("policy", "carbon_aware capping needs grid.site_capacity_w");
  if (p.kind == power::PolicyKind::carbon_aware && !std::isfinite(p.carbon_threshold_g_per_kwh))
    b.fail("policy", "carbon_aware capping needs grid.carbon_threshold_g_per_kwh");
  keep(b, "swing_window_s", g.swing_window_s, positive());
  std::vector<std::string> presets;
  for (const auto& c : power::carbon_presets()) presets.emplace_back(c.name);
  b.section("carbon", [&](Binder& c) {
    bind_signal(c, g.carbon, "g_per_kwh", 0.0, 3000.0, 400.0, scenario_path, presets);
  });
  b.section("price", [&](Binder& c) {
    bind_signal(c, g.price, "usd_per_mwh", -10000.0, 100000.0, 50.0, scenario_path, {});
  });
  b.list("demand_response", 0, [&](Binder& w, std::size_t) {
    power::DemandResponseWindow win;
    bool daily = true;
    w.boolean("daily", daily, true);
    std::string start, end;
    w.text("start", start, std::nullopt);
    w.text("end", end, std::nullopt);
    if (daily) {
      win = power::daily_window(parse_clock(w, "start", start), parse_clock(w, "end", end), 0.0);
    } else {
      try {
        win = power::once_window(thermal::parse_iso8601_utc(start), thermal::parse_iso8601_utc(end),
                                 0.0);
      } catch (const std::exception& e) {
        w.fail("start", std::string("start/end must be ISO 8601 UTC times when daily is false (") +
                            e.what() + ")");
      }
      if (win.end_s <= win.start_s) w.fail("end", "must be after start");
    }
    double cap_w = 0.0, fraction = 0.0;
    w.real("cap_w", cap_w, non_negative(), 0.0);
    w.real("cap_fraction", fraction, unit_interval(), 0.0);
    if ((cap_w > 0) == (fraction > 0))
      w.fail("cap_w", "give exactly one of cap_w (W) or cap_fraction (of grid.site_capacity_w)");
    if (fraction > 0 && !std::isfinite(p.site_capacity_w))
      w.fail("cap_fraction", "needs grid.site_capacity_w");
    win.cap_w = cap_w > 0 ? cap_w : fraction * p.site_capacity_w;
    if (daily && (win.start_s >= 86400.0 || win.start_s == win.end_s))
      w.fail("start", "a daily window needs a start before 24:00 and an end different from it");
    p.windows.push_back(win);
  });
  try {
    power::validate(p);
  } catch (const std::invalid_argument& e) {
    b.fail("demand_response", e.what());
  }
}

}  // namespace

Scenario load_scenario(const std::string& path, const LoadOptions& options) {
  Scenario sc;
  ConfigPtr root = load_with_extends(path, &sc.input_files, options.text);
  if (options.text) sc.input_files.erase(sc.input_files.begin());  // not a file
  check_sweep(*root);  // checked here; variants are applied by `run --sweep-index`
  root->erase("sweep");
  for (const auto& s : options.sets) apply_set(*root, s);

  sc.source_file = path;
  ConfigNode resolved;
  Binder b(root.get(), "", root->origin, &resolved);
  b.set_catalogue(options.catalogue);

  std::int32_t schema = 0;
  if (!b.has("schema_version"))
    throw ScenarioError(root->origin.describe() +
                        ": missing required key 'schema_version' (allowed: 1)");
  b.integer("schema_version", schema, closed(1, 1), std::nullopt);
  b.text("name", sc.name, std::string("scenario"));
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
  b.seed("seed", sc.seed, 1);
  b.integer("replicas", sc.replicas, closed(1, 100000), 1);
  b.section(
      "time", [&](Binder& s) { bind_time(s, sc.time); }, true);
  b.section("output", [&](Binder& s) {
    s.real("flush_interval_s", sc.output.flush_interval_s, positive(), 3600.0);
  });
  b.section(
      "campus", [&](Binder& s) { bind_campus(s, sc.campus); }, true);
  b.section("accelerator", [&](Binder& s) { bind_accelerator(s, sc.accelerator, sc.power_cap_w); });
  if (sc.accelerator.accelerators_per_node != sc.campus.accelerators_per_node)
    sc.accelerator.accelerators_per_node = sc.campus.accelerators_per_node;
  b.section("activity", [&](Binder& s) {
    keep(s, "communicating", sc.activity.communicating, unit_interval());
    keep(s, "stalled", sc.activity.stalled, unit_interval());
  });
  b.section("cooling", [&](Binder& s) { bind_cooling(s, sc); });
  b.section("weather", [&](Binder& s) { bind_weather(s, sc.weather, path); });
  b.section("fabric", [&](Binder& s) { bind_fabric(s, sc.fabric); });
  b.section("faults", [&](Binder& s) { bind_faults(s, sc.faults); });
  b.section("grid", [&](Binder& s) { bind_grid(s, sc.grid, path); });
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
  b.list("jobs", 0, [&](Binder& s, std::size_t i) {
    workload::JobSpec job;
    job.peak_flops_per_accelerator = sc.accelerator.peak_dense_bf16_flops;
    faults::CheckpointPolicy checkpoint;
    bind_job(s, job, i);
    s.section("checkpoint", [&](Binder& c) { bind_checkpoint(c, checkpoint); });
    sc.checkpoints.push_back(checkpoint);
    for (const auto& other : sc.jobs)
      if (other.name == job.name) s.fail("name", "duplicate job name '" + job.name + "'");
    // The job must fit the campus next to the jobs before it; a failure names the key that
    // decides it (tp for the scale-up domain, dp for the node count, spare_nodes when only the
    // spares do not fit, order for spread_buildings).
    workload::JobPlacement placement;
    try {
      workload::validate(job);
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      const char* key = what.find("virtual_stages") != std::string::npos ? "virtual_stages"
                        : what.find("ep ") != std::string::npos          ? "ep"
                                                                         : "dp";
      s.fail_nested({"parallel", key}, what);
    }
    try {
      placement = workload::place_job(campus, sc.fabric, job, taken);  // commits on success
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      const std::string shape = "tp " + std::to_string(job.parallel.tp) + " x pp " +
                                std::to_string(job.parallel.pp) + " x dp " +
                                std::to_string(job.parallel.dp) + " does not fit the campus: ";
      if (what.find("TP ") != std::string::npos) s.fail_nested({"parallel", "tp"}, shape + what);
      if (what.find("spread_buildings") != std::string::npos)
        s.fail_nested({"placement", "order"}, what);
      if (job.spare_nodes > 0) {
        workload::JobSpec without = job;
        without.spare_nodes = 0;
        std::vector<std::int8_t> trial = taken;
        bool fits_without_spares = true;
        try {
          (void)workload::place_job(campus, sc.fabric, without, trial);
        } catch (const std::invalid_argument&) {
          fits_without_spares = false;
        }
        if (fits_without_spares)
          s.fail_nested(
              {"placement", "spare_nodes"},
              std::to_string(job.spare_nodes) + " spare nodes do not fit next to the job: " + what);
      }
      s.fail_nested({"parallel", "dp"}, shape + what);
    }
    // Derived: the step time must be a positive, finite number of seconds (a denormal peak
    // FLOP/s, efficiency or bandwidth gives inf or NaN and would corrupt every figure).
    workload::StepBreakdown bd;
    try {
      bd = workload::step_breakdown(job, placement, campus, sc.fabric);
    } catch (const std::invalid_argument& e) {
      s.fail_nested({"parallel", "dp"}, e.what());
    }
    if (!(std::isfinite(bd.compute_s) && bd.compute_s > 0.0)) {
      const std::string what =
          "gives jobs[" + std::to_string(i) + "] a compute time per step of " +
          format_real(bd.compute_s) + " s (6 x active_parameters x tokens / (accelerators x " +
          "peak_dense_bf16_flops x efficiency)); allowed: values that make it a positive " +
          "finite number";
      if (job.efficiency >= 1e-6) b.fail_nested({"accelerator", "peak_dense_bf16_flops"}, what);
      s.fail("efficiency", what);
    }
    const auto finite = [](double v) { return std::isfinite(v) && v >= 0.0; };
    if (!finite(bd.bubble_s) || !finite(bd.exposed_comm_s) || !(bd.step_s < 1e12))
      s.fail_nested({"parallel"}, "step time " + format_real(bd.step_s) + " s (bubble " +
                                      format_real(bd.bubble_s) + " s, exposed communication " +
                                      format_real(bd.exposed_comm_s) +
                                      " s) is not a finite number below 1e12 s: check the " +
                                      "fabric bandwidths and latencies and the model size");
    sc.jobs.push_back(job);
  });
  b.finish();
  if (sc.weather.from_csv) sc.input_files.push_back(sc.weather.csv_path);
  for (const SignalSpec* sig : {&sc.grid.carbon, &sc.grid.price})
    if (sig->source == SignalSpec::Source::csv) sc.input_files.push_back(sig->csv_path);
  sc.resolved_yaml = emit_yaml(resolved);
  return sc;
}

}  // namespace ct::io
