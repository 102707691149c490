// Failure scope `node`: classes counted per node (host, CPU, memory, NIC, PSU, SSD, chassis, IO
// board). State: per node, on the rank that owns its rack.
#include "twin/failure_scope.hpp"

namespace ct::twin {
namespace {

class NodeScope final : public FailureScope {
 public:
  faults::Scope scope() const override { return faults::Scope::node; }
  void effect(const Engine::State& s, std::int64_t index, faults::TakesDown what,
              FailureEffect& e) const override {
    node_failure_effect(s, index, what, e);
  }
  void renew(Engine::State& s, std::int64_t index, std::uint64_t key,
             double time_s) const override {
    if (local(s, index)) renew_instance(s.fleet.node, s.local_node(index), s.seed, key, time_s);
  }
  bool local(const Engine::State& s, std::int64_t index) const override {
    return s.local_node(index) >= 0;
  }
  std::int64_t slot_node(const Engine::State&, std::int64_t index) const override { return index; }
};

const bool registered = register_failure_scope(std::make_unique<NodeScope>());

}  // namespace
}  // namespace ct::twin
