// The scenario's section binders (io/scenario.cpp's load_scenario calls them), one file per
// concept: the campus, accelerator, cooling and weather in scenario.cpp, the faults in
// scenario_faults.cpp, the grid and storage in scenario_grid.cpp, the sites and their links in
// scenario_sites.cpp. Internal to io/: each declares its keys, types, ranges and defaults once.
#pragma once

#include <string>

#include "io/config_tree.hpp"
#include "io/scenario.hpp"
#include "io/schema_binder.hpp"

namespace ct::io::sections {

// scenario.cpp
void bind_buildings(Binder& b, topology::CampusSpec& c);
void bind_cooling(Binder& b, Scenario& sc);
void bind_weather(Binder& b, WeatherSpec& w, const std::string& scenario_path, double start_unix_s);
// A CSV input must be a regular file of bounded size (not /dev/zero, a FIFO, a directory).
void check_csv(Binder& b, const std::string& path, const std::string& key = "csv_file");
// An input file's path, relative to the file that names it, made absolute and recorded so.
void resolve_input_path(Binder& b, const std::string& key, std::string& path,
                        const std::string& scenario_path);

// scenario_faults.cpp
void bind_faults(Binder& b, FaultSpec& f, const topology::CampusSpec& campus);

// scenario_grid.cpp
void bind_grid(Binder& b, GridSpec& g, const std::string& scenario_path);
void bind_storage(Binder& b, StorageSpec& st);

// scenario_sites.cpp
void merge_site_defaults(ConfigNode& root);
void bind_link(Binder& b, Scenario& sc);
void bind_site(Binder& b, Scenario& sc, const std::string& scenario_path);

}  // namespace ct::io::sections
