// `clustertwin info`: derived figures of a scenario, without simulating.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "io/scenario.hpp"

namespace ct::twin {

void print_info(const io::Scenario& scenario, std::ostream& os);

// Settings that are valid but probably not what the author meant, each as one sentence that
// says what it costs: a grid cap that can never bind or always binds, a checkpoint interval
// floored by the write time, a global batch that does not divide over dp × microbatches.
// `info` prints them to stderr; `run` logs them as warnings.
std::vector<std::string> scenario_warnings(const io::Scenario& scenario);

// `clustertwin presets`: the catalogues (accelerators, fabrics, cooling plants, climates,
// carbon regions) with their key figures.
void print_presets(std::ostream& os);

}  // namespace ct::twin
