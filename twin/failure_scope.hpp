// Failure scopes are components: what kind of instance a failure class is counted per
// (faults::Scope), registered by scope. A scope says what a failure of one of its instances
// takes out of service and which jobs it interrupts, how the instance starts a new life, which
// rank holds its state, and (for replicated scopes) when its failures are due. The engine calls
// a scope once per failure or once per tick, never per accelerator; the per-unit hazard
// integration of the distributed scopes (accelerators, nodes, racks) stays in the kernel
// (fleet_kernel.cpp), which walks them together rack by rack.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "faults/failure_classes.hpp"
#include "twin/engine_state.hpp"

namespace ct::twin {

// What one failure does, before the engine swaps spares and interrupts jobs.
struct FailureEffect {
  std::vector<std::int64_t> drained;  // nodes that leave service until repaired
  std::vector<int> hit;               // jobs interrupted although none of their nodes drained
  std::int64_t event_rack = -1;       // for /events (−1: none)
};

class FailureScope {
 public:
  virtual ~FailureScope() = default;
  virtual faults::Scope scope() const = 0;
  // A failure of instance `index` of a class that takes down `what`.
  virtual void effect(const Engine::State& s, std::int64_t index, faults::TakesDown what,
                      FailureEffect& e) const = 0;
  // The instance starts a new life at time_s (fresh hazard and threshold). Every rank calls
  // this; only the rank holding the instance's state changes anything.
  virtual void renew(Engine::State& s, std::int64_t index, std::uint64_t key,
                     double time_s) const = 0;
  // Distributed scopes: does this rank hold instance `index` (restart files), and the node
  // whose job's failure slot its failures are offered to (−1: the slot of nodes outside jobs).
  virtual bool local(const Engine::State&, std::int64_t) const { return false; }
  virtual std::int64_t slot_node(const Engine::State&, std::int64_t) const { return -1; }
  // Replicated scopes: their failures due in [t0_s, t1_s), after the tick's reduction.
  virtual void candidates(Engine::State&, double, double, std::vector<Candidate>&) const {}
};

bool register_failure_scope(std::unique_ptr<FailureScope> scope);
// Throws std::logic_error when no component implements the scope.
const FailureScope& failure_scope(faults::Scope scope);

// A failure on a node (its own, or one of its accelerators'): the node is drained, or its rack
// with it, unless the class only restarts the job using it.
void node_failure_effect(const Engine::State& s, std::int64_t node, faults::TakesDown what,
                         FailureEffect& e);

// New life of one instance of a distributed scope's state arrays.
void renew_instance(ScopeState& st, std::int64_t i, std::uint64_t seed, std::uint64_t key,
                    double time_s);

}  // namespace ct::twin
