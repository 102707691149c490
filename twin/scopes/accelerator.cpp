// Failure scope `accelerator`: classes counted per accelerator (GPU, HBM, SRAM, GSP, thermal
// interface, silent data corruption). State: per unit, on the rank that owns its rack. A failure
// drains the accelerator's node (a GPU swap is a node swap on HGX boards and NVL72 trays).
#include "twin/failure_scope.hpp"

namespace ct::twin {
namespace {

class AcceleratorScope final : public FailureScope {
 public:
  faults::Scope scope() const override { return faults::Scope::accelerator; }
  void effect(const Engine::State& s, std::int64_t index, faults::TakesDown what,
              FailureEffect& e) const override {
    node_failure_effect(s, index / s.apn, what, e);
  }
  void renew(Engine::State& s, std::int64_t index, std::uint64_t key,
             double time_s) const override {
    if (local(s, index)) renew_instance(s.fleet.acc, s.local_acc(index), s.seed, key, time_s);
  }
  bool local(const Engine::State& s, std::int64_t index) const override {
    return s.local_acc(index) >= 0;
  }
  std::int64_t slot_node(const Engine::State& s, std::int64_t index) const override {
    return index / s.apn;
  }
};

const bool registered = register_failure_scope(std::make_unique<AcceleratorScope>());

}  // namespace
}  // namespace ct::twin
