// A small engine state on MPI_COMM_SELF built from a scenario text, for the twin/ unit tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "io/scenario.hpp"
#include "twin/engine_state.hpp"

namespace ct::twin::testing {

// 2 halls × 4 racks × 4 nodes of 8 accelerators (256 units); a training job of `dp` 8-GPU
// replicas (tp 8, pp 1) with `spares` hot spare nodes.
inline std::string small_scenario(int dp, int spares, const std::string& extra = "") {
  // (ostringstream: GCC 12 warns falsely about chained std::string operator+ here.)
  std::ostringstream y;
  y << "schema_version: 1\nname: t\nseed: 3\n"
    << "time: {duration_s: 3600, tick_s: 1, output_interval_s: 60}\n"
    << "campus:\n  nodes_per_rack: 4\n  buildings: [{halls: 2, racks_per_hall: 4}]\n"
    << "jobs:\n  - name: j\n    model: {parameters: 7.0e9, global_batch_tokens: 1048576, "
    << "layers: 32, hidden_size: 4096}\n    parallel: {tp: 8, pp: 1, dp: " << dp
    << "}\n    placement: {spare_nodes: " << spares
    << "}\n    checkpoint: {interval: fixed_s, interval_s: 600, asynchronous: false}\n"
    << extra;
  return y.str();
}

struct StateFixture {
  explicit StateFixture(const std::string& yaml) {
    const auto dir = std::filesystem::temp_directory_path() / "ct_twin_tests";
    std::filesystem::create_directories(dir);
    std::ostringstream name;
    name << "s" << counter()++ << ".yaml";
    const auto path = dir / name.str();
    std::ofstream(path) << yaml;
    scenario = std::make_unique<io::Scenario>(io::load_scenario(path.string()));
    state = std::make_unique<Engine::State>(*scenario, MPI_COMM_SELF, scenario->seed);
    state->setup();
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::unique_ptr<io::Scenario> scenario;
  std::unique_ptr<Engine::State> state;
};

}  // namespace ct::twin::testing
