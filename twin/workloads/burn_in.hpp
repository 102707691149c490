// Workload kind `burn_in`: new nodes held at a constant activity and clock for a while before
// they join production (a stress test of power, cooling and early-life failures). Each failure
// restarts the burn-in of the whole group after detection and restart; it loses no work. When
// the time is up the nodes idle (unallocated) until the end of the run.
//
// Accounting: running time is `compute` at the given activity, recovery is `recovery`, and the
// idle time after the end is `unallocated`.
#pragma once

#include <cstdint>

#include "io/components.hpp"

namespace ct::twin {

struct BurnInConfig : io::ComponentConfig {
  std::int64_t nodes = 1;
  double activity = 1.0;        // of the accelerators while burning in
  double clock_ratio = 1.0;     // requested clock (the governor may still lower it)
  double duration_s = 86400.0;  // of burn-in time (recovery does not count)
};

}  // namespace ct::twin
