// `clustertwin info`: derived figures of a scenario, without simulating.
#pragma once

#include <ostream>

#include "io/scenario.hpp"

namespace ct::twin {

void print_info(const io::Scenario& scenario, std::ostream& os);

}  // namespace ct::twin
