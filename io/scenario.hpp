// The compiled scenario: every model's parameters in plain structs, after `extends:`, `--set`
// and defaults. Built by load_scenario() from YAML; nothing downstream sees YAML.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "faults/fail_slow.hpp"
#include "faults/failure_classes.hpp"
#include "faults/recovery_policy.hpp"
#include "io/components.hpp"
#include "io/queue_spec.hpp"
#include "power/battery.hpp"
#include "power/grid_cap.hpp"
#include "power/grid_data.hpp"
#include "power/grid_signal.hpp"
#include "thermal/accelerator_catalog.hpp"
#include "thermal/cooling_plant.hpp"
#include "thermal/rack_inlet.hpp"
#include "thermal/weather.hpp"
#include "topology/campus.hpp"
#include "topology/fabric.hpp"
#include "topology/long_haul.hpp"
#include "workload/placement.hpp"

namespace ct::io {

struct TimeSpec {
  std::string start_iso = "2026-07-01T00:00:00Z";
  double start_unix_s = 0.0;
  double duration_s = 0.0;
  double tick_s = 1.0;
  double output_interval_s = 60.0;
  // Multi-rate stepping: racks whose inputs do not change take one exact step over the stretch
  // (twin/README.md); per_tick steps every unit every tick (the reference it is tested against).
  bool multi_rate = true;
};

struct OutputSpec {
  double flush_interval_s = 3600.0;  // simulated seconds between flushes to disk
};

struct WeatherSpec {
  // synthetic: `climate`; csv: clustertwin's hourly CSV; epw: an EnergyPlus weather file.
  enum class Source { synthetic, csv, epw } source = Source::synthetic;
  thermal::SyntheticClimate climate;
  std::string csv_path;  // resolved relative to the scenario file
  std::string epw_path;  // resolved relative to the file naming it
  // EPW records are laid on this calendar year (typical years mix years); default: time.start's.
  std::int32_t epw_year = 0;
  // Weather held over steps of this length (sampled at each step's middle); 0: every tick.
  double update_s = 0.0;
};

// How busy an accelerator is outside its compute phases (P = P_idle + (P_max − P_idle)·a·φ^k).
struct ActivitySpec {
  double communicating = 0.3;  // bubble, exposed communication, straggler wait
  double stalled = 0.0;        // checkpoint stall, recovery, waiting, unallocated
};

struct FaultSpec {
  bool enabled = true;
  faults::FailureModel model;
  faults::FailSlowModel fail_slow;  // stragglers that are not thermal
  faults::RecoveryPolicy recovery;
  double hazard_update_s = 300.0;   // hazards re-evaluated (temperatures, wear) this often
  double cycle_hysteresis_k = 5.0;  // smallest junction swing counted as a large cycle
};

// A grid time series: constant, a daily sinusoid, an hourly CSV file, or a provider's file
// (docs/signals.md): an Electricity Maps carbon export or a "Price (CUR/MWh)" price file.
struct SignalSpec {
  enum class Source { constant, daily, csv, electricitymaps_csv, price_csv };
  Source source = Source::constant;
  power::DailyShape shape;  // constant: shape.mean
  std::string csv_path;     // resolved
  // Provider files only.
  std::string zone;  // rows of this zone; "" = the file holds one
  power::TimeLabel label = power::TimeLabel::interval_start;
  power::CarbonAccounting basis = power::CarbonAccounting::lifecycle;  // electricitymaps_csv
  double usd_per_unit = 1.0;  // price_csv: US dollars per unit of the file's currency
};

struct GridSpec {
  power::GridPolicy policy;
  SignalSpec carbon;  // gCO2/kWh
  SignalSpec price;   // $/MWh
  double swing_window_s = 60.0;
  // Grid-side figure: the share of ticks whose |ramp| exceeds this (W/s; +inf: none).
  double ramp_limit_w_per_s = std::numeric_limits<double>::infinity();
};

// Battery storage at the site (`storage:`), between the facility and the grid connection.
struct StorageSpec {
  power::BatterySpec battery;
  power::StoragePolicy policy;
};

// One site of a campus spread over several places (`sites:`, docs/sites.md): a contiguous range
// of global racks (sites in list order, then building → hall → rack) with its own cooling plant,
// weather, grid connection and battery. Empty `Scenario::sites`: one implicit site made of the
// top-level sections, exactly as before sites existed.
struct SiteSpec {
  std::string name;  // [A-Za-z0-9_-]+, unique: the HDF5 group name
  double latitude_deg = 0.0, longitude_deg = 0.0, elevation_m = 0.0;
  std::int32_t first_building = 0, buildings = 0;  // in Scenario::campus.buildings
  std::int64_t first_rack = 0, racks = 0;          // global rack ids
  thermal::CoolingPlantSpec plant;
  WeatherSpec weather;
  GridSpec grid;
  std::optional<StorageSpec> storage;
};

// A long-haul link between two sites (`links:`, docs/sites.md).
struct LinkSpec {
  std::int32_t a = 0, b = 0;  // indices in Scenario::sites
  topology::LongHaulLink link;
};

struct Scenario {
  std::string source_file;
  std::string name;
  std::uint64_t seed = 0;
  std::int32_t replicas = 1;
  TimeSpec time;
  OutputSpec output;
  topology::CampusSpec campus;
  topology::FabricSpec fabric;
  thermal::AcceleratorSpec accelerator;
  double power_cap_w = 0.0;  // per accelerator; defaults to the TDP
  ActivitySpec activity;
  thermal::AirRackSpec air_rack;
  thermal::LiquidRackSpec liquid_rack;
  thermal::CoolingPlantSpec plant;
  WeatherSpec weather;
  FaultSpec faults;
  GridSpec grid;
  std::optional<StorageSpec> storage;  // absent: no battery, grid draw = facility draw
  // `sites:` (docs/sites.md). Empty: one implicit site from campus, cooling, weather, grid and
  // storage above. Given: campus.buildings is the sites' buildings in order, and the top-level
  // cooling, weather and grid are the defaults each site's own sections were merged over.
  std::vector<SiteSpec> sites;
  std::vector<LinkSpec> links;  // `links:` between the sites
  // The global nodes of the given sites (indices in `sites`).
  std::vector<workload::NodeRange> site_nodes(const std::vector<int>& site_indices) const;
  // The link joining sites a and b, or null.
  const LinkSpec* link_between(std::int32_t a, std::int32_t b) const;
  // The workloads (`jobs:` list), each compiled by its kind's binder (io/components.hpp).
  std::vector<ComponentPtr> jobs;
  // A shared cluster's batch queue (`queue:`), on the nodes the jobs above leave free.
  std::optional<QueueSpec> queue;
  std::string resolved_yaml;  // the complete scenario, defaults included
  // Every file the scenario was read from: the scenario and its `extends:` bases (the first
  // `scenario_files`), then its data files (weather and grid CSV, queue trace).
  std::vector<std::string> input_files;
  std::size_t scenario_files = 0;

  std::int64_t ticks() const;
  std::int64_t ticks_per_output() const;
};

struct KeyDoc;
struct LoadOptions {
  std::vector<std::string> sets;             // key.path=value overrides, applied in order
  std::vector<KeyDoc>* catalogue = nullptr;  // if set: every key bound, with its description
  const std::string* text = nullptr;         // if set: the scenario's YAML (not read from the path)
};

// Throws ScenarioError (exit status 2) on any bad input.
Scenario load_scenario(const std::string& path, const LoadOptions& options = {});

}  // namespace ct::io
