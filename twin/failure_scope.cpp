#include "twin/failure_scope.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace ct::twin {

namespace {
std::array<std::unique_ptr<FailureScope>, faults::kScopeCount>& registry() {
  static std::array<std::unique_ptr<FailureScope>, faults::kScopeCount> r;
  return r;
}
}  // namespace

bool register_failure_scope(std::unique_ptr<FailureScope> scope) {
  auto& slot = registry()[static_cast<int>(scope->scope())];
  if (slot)
    throw std::logic_error("failure scope '" + std::string(faults::scope_name(scope->scope())) +
                           "' registered twice");
  slot = std::move(scope);
  return true;
}

const FailureScope& failure_scope(faults::Scope scope) {
  const auto& slot = registry()[static_cast<int>(scope)];
  if (!slot)
    throw std::logic_error("no component implements failure scope '" +
                           std::string(faults::scope_name(scope)) + "'");
  return *slot;
}

void node_failure_effect(const Engine::State& s, std::int64_t node, faults::TakesDown what,
                         FailureEffect& e) {
  e.event_rack = s.campus.rack_of_node(node);
  if (what == faults::TakesDown::rack) {
    for (std::int64_t k = 0; k < s.npr; ++k) e.drained.push_back(e.event_rack * s.npr + k);
  } else if (what == faults::TakesDown::node) {
    e.drained.push_back(node);
  } else if (s.control.node_role[node] == NodeRole::active) {
    e.hit.push_back(s.control.node_job[node]);
  }
}

void renew_instance(ScopeState& st, std::int64_t i, std::uint64_t seed, std::uint64_t key,
                    double time_s) {
  ++st.life[i];
  st.hazard[i] = 0.0;
  st.threshold[i] = faults::failure_threshold(seed, key, st.life[i]);
  st.life_start_s[i] = static_cast<float>(time_s);
}

}  // namespace ct::twin
