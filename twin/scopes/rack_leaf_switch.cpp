// Failure scope `rack_leaf_switch`: the leaf switch (and its cables) behind one rack. State: per
// rack, on the rank that owns it. A failure makes every node of the rack unreachable.
#include "twin/failure_scope.hpp"

namespace ct::twin {
namespace {

class RackLeafSwitchScope final : public FailureScope {
 public:
  faults::Scope scope() const override { return faults::Scope::rack_leaf_switch; }
  void effect(const Engine::State& s, std::int64_t index, faults::TakesDown,
              FailureEffect& e) const override {
    e.event_rack = index;
    for (std::int64_t k = 0; k < s.npr; ++k) e.drained.push_back(index * s.npr + k);
  }
  void renew(Engine::State& s, std::int64_t index, std::uint64_t key,
             double time_s) const override {
    if (local(s, index))
      renew_instance(s.fleet.rack, s.block.local_rack(index), s.seed, key, time_s);
  }
  bool local(const Engine::State& s, std::int64_t index) const override {
    return s.block.local_rack(index) >= 0;
  }
  // The rack's first node in a job decides the slot (any job the switch serves).
  std::int64_t slot_node(const Engine::State& s, std::int64_t index) const override {
    for (std::int64_t k = 0; k < s.npr; ++k)
      if (s.control.node_role[index * s.npr + k] == NodeRole::active) return index * s.npr + k;
    return -1;
  }
};

const bool registered = register_failure_scope(std::make_unique<RackLeafSwitchScope>());

}  // namespace
}  // namespace ct::twin
