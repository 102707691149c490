// Fail-slow events in the engine (faults/fail_slow.hpp has the model): replicated state, the
// same on every rank. Per tick, before the jobs advance, the events that begin by the tick's end
// start (random onsets per class from Philox, and the scenario's scheduled ones) and each job
// gets the effective slowdown of its slowest member over the tick (Workload::set_slowdown);
// after the tick's failures, events detected by the tick's end are mitigated (the node is
// swapped for a hot spare at a restart's cost) and ended events are dropped. Implemented in
// fail_slow.cpp as Engine::State members; the engine calls it twice per tick.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "faults/fail_slow.hpp"

namespace ct::twin {

struct FailSlowState {
  struct Event {
    double start_s = 0.0, end_s = 0.0, severity = 1.0;
    std::int64_t instance = 0;
    std::int32_t cls = 0;
    std::int32_t pad = 0;
  };
  std::array<double, faults::kFailSlowClassCount> next_s{};        // next random onset per class
  std::array<std::uint32_t, faults::kFailSlowClassCount> drawn{};  // random events drawn so far
  std::vector<Event> active;
  std::uint64_t scheduled_started = 0;  // scheduled events (sorted by onset) already started
  std::int64_t events = 0, replacements = 0;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(next_s, drawn, active, scheduled_started, events, replacements);
  }
};

}  // namespace ct::twin
